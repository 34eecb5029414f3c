/* libFuzzer target: the signify key and signature parsers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/herr.h"
#include "images/signify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signify_pubkey key;
	struct signify_sig sig;
	struct herr e;
	size_t off = 0;

	if (signify_parse_pubkey((const char *)data, size, &key, &e) == -1 &&
	    strlen(e.msg) == 0)
		__builtin_trap();
	if (signify_parse_sig((const char *)data, size, &sig, &off, &e) == 0) {
		if (off > size)
			__builtin_trap();
		/* The rest is the embedded message: verify must not crash. */
		memset(&key, 0, sizeof(key));
		memcpy(key.keynum, sig.keynum, sizeof(key.keynum));
		(void)signify_verify(&key, &sig, data + off, size - off, &e);
	}
	return 0;
}
