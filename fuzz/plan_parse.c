/*
 * libFuzzer: the htools text parser (plan_parse_text), on one thread and
 * forced onto two: both must give the same model or the same error; and
 * every plan made of a parsed cluster (consolidation, maintenance rolled
 * back and forward) must pass the checker.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The parse of data with the given two-thread threshold. */
static int
parse(const uint8_t *data, size_t size, size_t par_lines,
    struct plan_cluster **c, struct herr *e)
{
	int rc;

	herr_clear(e);
	plan_parse_par_lines = par_lines;
	rc = plan_parse_text((const char *)data, size, "fuzz", c, e);
	plan_parse_par_lines = SIZE_MAX;
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan_cluster *c = NULL, *c2 = NULL;
	struct herr e, e2;
	char why[160];
	int rc;

	rc = parse(data, size, SIZE_MAX, &c, &e);
	if (parse(data, size, 0, &c2, &e2) != rc)
		abort();
	if (rc == -1 && strcmp(e.msg, e2.msg) != 0)
		abort();
	if (rc == 0 && plan_cluster_diff(c, c2, why, sizeof(why)) != 0)
		abort();
	plan_cluster_free(c2);
	if (rc == 0) {
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
		plan_maintenance_free(m);
		m = NULL;
		/* hroller's options, by the input's size */
		static const char *tags[] = { "stor:ssd" };
		unsigned k = (unsigned)size % 4;

		mo.full_evacuation = k == 0;
		mo.master_last = k < 2;
		mo.ignore_non_redundant = k == 1;
		mo.skip_non_redundant = k == 2;
		mo.offline_maintenance = k == 2;
		mo.node_tags = k == 3 ? tags : NULL;
		mo.nnode_tags = k == 3;
		if (plan_maintenance(c, &mo, &m, &e) == 0 &&
		    plan_check_maintenance(c, &mo, m, &e) != 0)
			__builtin_trap();
		plan_maintenance_free(m);
		m = NULL;
		/* rolled forward, two hosts and two migrations at once */
		mo.full_evacuation = 0;
		mo.roll = PLAN_ROLL_FORWARD;
		mo.max_parallel = 2;
		mo.link_parallel = 2;
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
