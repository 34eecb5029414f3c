/* Fuzzes the /proc/mdstat parser; every parsed value must be in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/mdstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdstat s;
	struct herr e;

	if (mdstat_parse((const char *)data, size, &s, &e) == 0) {
		for (size_t i = 0; i < s.n; i++) {
			const struct md_array *a = &s.a[i];

			if (a->nm > MD_MAXMEMBERS || strlen(a->name) == 0 ||
			    strlen(a->status) > MD_MAXMEMBERS ||
			    a->permille > 1000 || md_array_failed(a) < 0)
				abort();
			for (size_t j = 0; j < a->nm; j++)
				if (strlen(a->m[j].dev) >= MD_NAMELEN)
					abort();
		}
	}
	mdstat_release(&s);
	return 0;
}
