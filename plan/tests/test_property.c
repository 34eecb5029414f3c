/*
 * Property test: for many random clusters and options, every plan the
 * planners make passes the independent checker, which replays it and
 * asserts capacity at every step; and some counts that must hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "plan/plan.h"
#include "plan/tests/helpers.h"

#define ROUNDS	2000

static const char *selectors[][2] = {
	{ "stor:hdd", NULL },
	{ "hdd-0*", "ssd-1*" },
	{ "*-03", "old" },
	{ "ssd-*", NULL },
};

static void
check_consolidation(const struct plan_cluster *c, uint32_t seed,
    uint32_t *rs)
{
	struct plan_consolidate_opts o;
	struct plan_consolidation *p = NULL;
	struct herr e;
	size_t i, k = t_rand(rs) % 5, on_retired = 0;

	plan_consolidate_opts_init(&o);
	if (k < 4) {
		o.retire = selectors[k];
		o.nretire = selectors[k][1] != NULL ? 2 : 1;
	}
	o.to = t_rand(rs) % 3 == 0 ? PLAN_DISK_SSD : PLAN_DISK_UNKNOWN;
	o.max_util_pct = t_rand(rs) % 2 ? 100 : 70 + (int)(t_rand(rs) % 30);
	o.pack = k == 4 || t_rand(rs) % 3 == 0;
	herr_clear(&e);
	if (plan_consolidate(c, &o, &p, &e) == -1) {
		/* only allowed when no host matches */
		assert_int_equal(e.code, HERR_NOTFOUND);
		for (i = 0; i < c->nhosts; i++)
			assert_false(plan_selector_match(&c->hosts[i],
			    o.retire, o.nretire));
		return;
	}
	if (plan_check_consolidation(c, &o, p, &e) == -1)
		fail_msg("seed %u: consolidation: %s", seed, e.msg);
	/* every copy on a retired host moved once, or is reported */
	for (i = 0; i < c->nguests; i++) {
		on_retired += p->retired[c->guests[i].host];
		if (c->guests[i].secondary != PLAN_NONE)
			on_retired += p->retired[c->guests[i].secondary];
	}
	assert_true(p->nmoves + p->nunplaced >= on_retired);
	if (!o.pack) {
		size_t ej = 0;

		/* without --pack only ejections add to the minimum */
		for (i = 0; i < p->nmoves; i++)
			ej += !p->retired[p->moves[i].from];
		assert_int_equal(p->nmoves - ej + p->nunplaced, on_retired);
	}
	plan_consolidation_free(p);
}

static void
check_maintenance(const struct plan_cluster *c, uint32_t seed, uint32_t *rs)
{
	struct plan_maint_opts o;
	struct plan_maintenance *p = NULL;
	struct herr e;
	size_t i, pinned = 0, noroom = 0;

	plan_maint_opts_init(&o);
	o.max_parallel = t_rand(rs) % 2 ? 0 : 1 + t_rand(rs) % 5;
	o.max_customer_down_pct = t_rand(rs) % 2 ? 100 :
	    (int)(t_rand(rs) % 100);
	o.max_util_pct = t_rand(rs) % 2 ? 100 : 60 + (int)(t_rand(rs) % 40);
	o.reboot_s = (double)(t_rand(rs) % 600);
	o.migrate_s_per_gib = (double)(t_rand(rs) % 20);
	herr_clear(&e);
	if (plan_maintenance(c, &o, &p, &e) == -1)
		fail_msg("seed %u: maintenance: %s", seed, e.msg);
	if (plan_check_maintenance(c, &o, p, &e) == -1)
		fail_msg("seed %u: maintenance checker: %s", seed, e.msg);
	/* rebooted = cannot live-migrate + found no room, nothing else */
	for (i = 0; i < c->nguests; i++)
		pinned += !c->guests[i].live_migrate &&
		    c->hosts[c->guests[i].host].state != PLAN_HOST_RETIRED;
	for (i = 0; i < p->nguests; i++)
		noroom += p->guests[i].no_room;
	assert_int_equal(p->nrebooted, pinned + noroom);
	plan_maintenance_free(p);
}

static void
test_random_plans(void **state)
{
	uint32_t seed;

	(void)state;
	for (seed = 1; seed <= ROUNDS; seed++) {
		struct plan_cluster *c = t_random_cluster(seed);
		uint32_t rs = seed ^ 0x5bd1e995u;

		check_consolidation(c, seed, &rs);
		check_consolidation(c, seed, &rs);
		check_maintenance(c, seed, &rs);
		check_maintenance(c, seed, &rs);
		plan_cluster_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
