/* Fuzzes the smartctl JSON parser and the judgement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/smart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smart_finding f[16];
	struct smart s, prev;
	struct herr e;
	size_t n;

	if (smart_parse((const char *)data, size, &s, &e) == -1)
		return 0;
	if (strlen(s.serial) >= sizeof(s.serial) || s.exit_status > 255 ||
	    s.exit_status < 0)
		abort();
	prev = s;
	prev.pending = prev.pending > 0 ? prev.pending - 1 : prev.pending;
	n = smart_judge(NULL, &s, f, 16);
	n += smart_judge(&prev, &s, f, 16);
	if (n > 32)
		abort();
	return 0;
}
