/*
 * Fuzzes the /proc/self/mountinfo parser: every mount kept has a device
 * number and a path without control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topo t;

	topo_mountinfo(&t, (const char *)data, size);
	if (t.nm > TOPO_MAXMNT)
		abort();
	for (size_t i = 0; i < t.nm; i++) {
		if (strchr(t.m[i].devno, ':') == NULL)
			abort();
		for (const char *p = t.m[i].path; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
	}
	return 0;
}
