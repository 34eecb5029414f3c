/* libFuzzer target: hangar-health's report lines, as hangard reads them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report r;
	size_t i, k;

	if (report_parse((const char *)data, size, &r, NULL) == 0) {
		/* what hangard then does with a parsed report */
		for (i = 0; i < r.narrays; i++) {
			(void)report_array_holds(&r.arrays[i],
			    "/var/lib/libvirt/images/a.qcow2");
			(void)report_array_holds(&r.arrays[i],
			    "/dev/mapper/vg--0-lv");
			for (k = 0; k < r.arrays[i].nmounts; k++)
				if (strlen(r.arrays[i].mounts[k]) >= 256)
					abort();
		}
		if (r.host[0] == '\0' || r.id[0] == '\0' || r.seq < 0)
			abort();
		report_release(&r);
	}
	return 0;
}
