/* libFuzzer: xsa.json as the operator gives it to advisory import. */
#include <stdint.h>
#include <stdlib.h>

#include "maint/xsa.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsa_entry *v;
	size_t n;

	if (xsa_parse((const char *)data, size, &v, &n, NULL) == 0) {
		if (n > 0)
			(void)xsa_find(v, n, v[0].id);
		free(v);
	}
	return 0;
}
