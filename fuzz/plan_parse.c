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
		/* a parsed cluster must be usable by the planners, and
		 * every plan must pass the checker */
		static const char *sel[] = { "stor:hdd" };
		struct plan_maint_opts mo;
		struct plan_maintenance *m = NULL;
		struct plan_consolidate_opts co;
		struct plan_consolidation *p = NULL;

		plan_maint_opts_init(&mo);
		mo.max_customer_down_pct = 50;
		if (plan_maintenance(c, &mo, &m, &e) == 0 &&
		    plan_check_maintenance(c, &mo, m, &e) != 0)
			__builtin_trap();
		plan_consolidate_opts_init(&co);
		co.retire = sel;
		co.nretire = 1;
		co.pack = 1;
		if (plan_consolidate(c, &co, &p, &e) == 0 &&
		    plan_check_consolidation(c, &co, p, &e) != 0)
			__builtin_trap();
		plan_consolidation_free(p);
		plan_maintenance_free(m);
		plan_cluster_free(c);
	}
	return 0;
}
