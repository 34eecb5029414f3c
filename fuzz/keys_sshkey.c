/* libFuzzer target: the SSH public key parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sshkey k;
	char buf[sizeof(k.b64) + 256];
	char *line = malloc(size + 1);

	memcpy(line, data, size);
	line[size] = '\0';
	if (sshkey_parse(line, &k, NULL) == 0)
		(void)sshkey_authorized_line(&k, buf, sizeof(buf));
	free(line);
	return 0;
}
