/* libFuzzer target: the sums-file parser of the installer catalog. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/herr.h"
#include "images/sums.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char zero[64];
	struct sums s;
	struct herr e;
	size_t i;

	if (sums_parse(&s, (const char *)data, size, &e) == -1) {
		if (strlen(e.msg) == 0 || s.n != 0)
			__builtin_trap();
		return 0;
	}
	if (s.n == 0)
		__builtin_trap();
	for (i = 0; i < s.n; i++) {
		if (s.v[i].name[0] == '\0')
			__builtin_trap();
		/* Every entry is found under its own name. */
		if (strchr(s.v[i].name, '/') == NULL &&
		    (sums_match(&s, s.v[i].name, s.v[i].digest,
		    s.v[i].digest) != SUMS_MATCH ||
		    !sums_lists(&s, s.v[i].name, s.v[i].alg)))
			__builtin_trap();
	}
	(void)sums_match(&s, "install73.iso", zero, zero);
	(void)sums_match(&s, "install73.iso", zero, NULL);
	sums_release(&s);
	return 0;
}
