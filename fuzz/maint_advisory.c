/* libFuzzer target: the advisories' "affects" parser and matcher. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maint/advisory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	if (adv_affects_check(s, NULL) == 0) {
		(void)adv_affects(s, "Xen", "4.6.3", NULL);
		(void)adv_affects(s, "QEMU", "7.2.0", NULL);
	}
	(void)adv_version_cmp(s, "4.8.2");
	free(s);
	return 0;
}
