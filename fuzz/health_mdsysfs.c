/* Fuzzes the md sysfs attribute parsers (dev state, bad_blocks,
 * sync_completed) on NUL-terminated copies of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/mdsysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	unsigned long long sectors;
	unsigned int ranges;
	int p;

	memcpy(s, data, size);
	s[size] = '\0';
	(void)md_dev_state_parse(s);
	if (md_bad_blocks_parse(s, &ranges, &sectors) == 0 && ranges == 0 &&
	    sectors != 0)
		abort();
	p = md_sync_completed_parse(s);
	if (p < -1 || p > 1000)
		abort();
	free(s);
	return 0;
}
