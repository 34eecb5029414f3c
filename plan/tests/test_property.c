/*
 * Property test: for many random clusters and options, every plan the
 * planners make passes the independent checker, which replays it and
 * asserts capacity (free disk as the file says) at every step, no move
 * out of a node group, no offline host rebooted or receiving; and some
 * counts that must hold.  The options include hroller's (which hosts
 * reboot, which guests move).  A roll-forward plan also has no DRBD pair
 * in one batch and every guest on a patched host at the end, and in a
 * fleet with room to spare (constructed so), every guest that can moves
 * exactly once.
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
#include "plan/plan_int.h"
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

/* What a forward plan must hold besides what the checker replays. */
static void
forward_props(const struct plan_cluster *c, const struct plan_maint_opts *o,
    const struct plan_maintenance *p, uint32_t seed)
{
	uint8_t *cyc = calloc(c->nhosts + 1, 1);
	size_t i, rows = 0, down = 0;

	assert_non_null(cyc);
	plan_check_cycle(c, o, cyc);
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];

		rows += cyc[g->host];
		/* no DRBD pair in one batch (as placed at the start) */
		if (g->secondary != PLAN_NONE &&
		    p->slots[g->host].batch != PLAN_NONE &&
		    p->slots[g->host].batch == p->slots[g->secondary].batch)
			fail_msg("seed %u: %s has both copies in batch %d", seed,
			    g->name, (int)p->slots[g->host].batch + 1);
	}
	assert_int_equal(p->nguests, rows);
	for (i = 0; i < p->nguests; i++) {
		const struct plan_maint_guest *f = &p->guests[i];
		const struct plan_host_slot *sl = &p->slots[f->end_host];

		/* it ends on a host rebooted before it came, or with it, or
		 * one the cycle leaves alone */
		if (sl->batch == PLAN_NONE && cyc[f->end_host])
			fail_msg("seed %u: %s ends on a host not patched", seed,
			    c->guests[f->guest].name);
		if (c->hosts[f->end_host].group != c->hosts[f->host].group)
			fail_msg("seed %u: %s ends out of its group", seed,
			    c->guests[f->guest].name);
		down += f->fate == PLAN_FATE_REBOOT;
		if (f->nmoves == 0)
			assert_int_equal(f->end_host, f->host);
	}
	assert_int_equal(down, p->nrebooted);
	free(cyc);
}

/* hroller's options, now and then (full evacuation rolling back). */
static void
random_rules(struct plan_maint_opts *o, uint32_t *rs, int forward)
{
	static const char *tags[][2] = { { "old", NULL },
	    { "stor:ssd", "nope" } };
	uint32_t k = t_rand(rs) % 16;

	o->ignore_non_redundant = k == 0 || k == 5;
	o->skip_non_redundant = k == 1;
	o->offline_maintenance = k == 2;
	o->full_evacuation = !forward && (k == 3 || k == 5);
	o->master_last = t_rand(rs) % 3 == 0;
	if (k == 4 || k == 6) {
		o->node_tags = tags[k == 6];
		o->nnode_tags = k == 6 ? 2 : 1;
	}
}

static void
check_maintenance(const struct plan_cluster *c, uint32_t seed, uint32_t *rs,
    int forward)
{
	struct plan_maint_opts o;
	struct plan_maintenance *p = NULL;
	struct herr e;
	size_t i, pinned = 0, noroom = 0;
	uint8_t *cyc;

	plan_maint_opts_init(&o);
	o.max_parallel = t_rand(rs) % 2 ? 0 : 1 + t_rand(rs) % 5;
	o.max_customer_down_pct = t_rand(rs) % 2 ? 100 :
	    (int)(t_rand(rs) % 100);
	o.max_util_pct = t_rand(rs) % 2 ? 100 : 60 + (int)(t_rand(rs) % 40);
	o.reboot_s = (double)(t_rand(rs) % 600);
	o.migrate_s_per_gib = (double)(t_rand(rs) % 20);
	if (forward) {
		o.roll = PLAN_ROLL_FORWARD;
		o.link_parallel = 1 + t_rand(rs) % 3;
	}
	random_rules(&o, rs, forward);
	cyc = calloc(c->nhosts + 1, 1);
	assert_non_null(cyc);
	plan_check_cycle(c, &o, cyc);
	herr_clear(&e);
	if (plan_maintenance(c, &o, &p, &e) == -1)
		fail_msg("seed %u: maintenance: %s", seed, e.msg);
	if (plan_check_maintenance(c, &o, p, &e) == -1)
		fail_msg("seed %u: maintenance checker (roll %d, parallel %zu, "
		    "customer %d%%, util %d%%, reboot %.0f, migrate %.0f, link "
		    "%zu, ignore %d, skip %d, offline %d, full %d, master %d, "
		    "tags %zu): %s", seed, (int)o.roll, o.max_parallel,
		    o.max_customer_down_pct, o.max_util_pct, o.reboot_s,
		    o.migrate_s_per_gib, o.link_parallel,
		    o.ignore_non_redundant, o.skip_non_redundant,
		    o.offline_maintenance, o.full_evacuation, o.master_last,
		    o.nnode_tags, e.msg);
	/* rebooted = may not move + found no room, nothing else */
	for (i = 0; i < c->nguests; i++)
		pinned += !plan_check_may_move(c, &o, (int32_t)i) &&
		    cyc[c->guests[i].host];
	for (i = 0; i < p->nguests; i++)
		noroom += p->guests[i].no_room;
	assert_int_equal(p->nrebooted, pinned + noroom);
	/* no offline host, nor any the options leave out, in a batch */
	for (i = 0; i < p->nbatches; i++) {
		size_t k;

		for (k = 0; k < p->batches[i].nhosts; k++)
			assert_true(cyc[p->batches[i].hosts[k]]);
	}
	if (forward)
		forward_props(c, &o, p, seed);
	plan_maintenance_free(p);
	free(cyc);
}

/*
 * Spare hosts as many as the others and more, each twice as large as
 * the largest: there is room for every guest to move once, and each
 * that can live-migrate must, exactly once, whatever the other options.
 */
static void
check_room_exists(uint32_t seed, uint32_t *rs)
{
	struct plan_cluster *c = t_random_cluster(seed);
	struct plan_maint_opts o;
	struct plan_maintenance *p = NULL;
	struct herr e;
	int64_t ram = 0, disk = 0;
	int32_t cpus = 0;
	size_t i, n = c->nhosts + 4 * 5 + 1;
	char name[32];

	for (i = 0; i < c->nhosts; i++) {
		if (c->hosts[i].ram_mib > ram)
			ram = c->hosts[i].ram_mib;
		if (c->hosts[i].disk_mib > disk)
			disk = c->hosts[i].disk_mib;
		if (c->hosts[i].cpus > cpus)
			cpus = c->hosts[i].cpus;
	}
	/* as many spares in every node group */
	for (i = 0; i < n * plan_ngroups(c); i++) {
		snprintf(name, sizeof(name), "spare-%02zu", i);
		assert_int_equal(plan_cluster_add_host(c, name, 2 * ram,
		    2 * disk, 2 * cpus, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, ""), 0);
		c->hosts[c->nhosts - 1].group = (int32_t)(i / n);
	}
	plan_maint_opts_init(&o);
	o.roll = PLAN_ROLL_FORWARD;
	/*
	 * hosts at once limited: the batches that may move guests twice
	 * (at most 3 of 5) hold only hosts with nothing to move.  (With no
	 * limit, moving some twice may save a batch, and the planner takes
	 * that when it saves more than a quarter of the time.)
	 */
	o.max_parallel = 1 + t_rand(rs) % 5;
	o.max_util_pct = t_rand(rs) % 2 ? 100 : 60 + (int)(t_rand(rs) % 40);
	o.reboot_s = (double)(t_rand(rs) % 600);
	o.migrate_s_per_gib = (double)(t_rand(rs) % 20);
	o.link_parallel = 1 + t_rand(rs) % 3;
	herr_clear(&e);
	if (plan_maintenance(c, &o, &p, &e) == -1)
		fail_msg("seed %u: room exists: %s", seed, e.msg);
	if (plan_check_maintenance(c, &o, p, &e) == -1)
		fail_msg("seed %u: room exists (parallel %zu, util %d%%, reboot "
		    "%.0f, migrate %.0f, link %zu): checker: %s", seed,
		    o.max_parallel, o.max_util_pct, o.reboot_s,
		    o.migrate_s_per_gib, o.link_parallel, e.msg);
	forward_props(c, &o, p, seed);
	if (p->nmoved_twice != 0)
		fail_msg("seed %u: room exists (parallel %zu, util %d%%, reboot "
		    "%.0f, migrate %.0f, link %zu), yet %zu guests move twice",
		    seed, o.max_parallel, o.max_util_pct, o.reboot_s,
		    o.migrate_s_per_gib, o.link_parallel, p->nmoved_twice);
	for (i = 0; i < p->nguests; i++) {
		const struct plan_maint_guest *f = &p->guests[i];
		int live = c->guests[f->guest].live_migrate;

		if (f->nmoves != live)
			fail_msg("seed %u: room exists, yet %s moves %d times",
			    seed, c->guests[f->guest].name, (int)f->nmoves);
		assert_int_equal(f->no_room, 0);
	}
	plan_maintenance_free(p);
	plan_cluster_free(c);
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
		check_maintenance(c, seed, &rs, 0);
		check_maintenance(c, seed, &rs, 0);
		check_maintenance(c, seed, &rs, 1);
		check_maintenance(c, seed, &rs, 1);
		plan_cluster_free(c);
		check_room_exists(seed, &rs);
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
