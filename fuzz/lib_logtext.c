/*
 * libFuzzer target: a guest's console log (any bytes, NULs included) made
 * into text for logview, as hangard does with what a host sends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = str_log_text((const char *)data, size);
	const unsigned char *p;

	if (strlen(t) > size)
		abort();
	for (p = (const unsigned char *)t; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			abort();
	free(t);
	return 0;
}
