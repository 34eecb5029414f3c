/* libFuzzer: the htools text parser (plan_parse_text). */
#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"
#include "plan/plan.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan_cluster *c = NULL;
	struct herr e;

	if (plan_parse_text((const char *)data, size, "fuzz", &c, &e) == 0) {
		/* a parsed cluster must be usable by the planners */
		struct plan_maint_opts mo;
		struct plan_maintenance *m = NULL;

		plan_maint_opts_init(&mo);
		if (plan_maintenance(c, &mo, &m, &e) == 0 &&
		    plan_check_maintenance(c, &mo, m, &e) != 0)
			__builtin_trap();
		plan_maintenance_free(m);
		plan_cluster_free(c);
	}
	return 0;
}
