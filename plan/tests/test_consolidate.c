/* Unit tests of the consolidation planner, its ordering and checker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "plan/plan.h"
#include "plan/tests/helpers.h"

static const char *hdd_sel[] = { "stor:hdd" };

static struct plan_consolidation *
plan_ok(const struct plan_cluster *c, const struct plan_consolidate_opts *o)
{
	struct plan_consolidation *p = NULL;
	struct herr e;

	herr_clear(&e);
	if (plan_consolidate(c, o, &p, &e) == -1)
		fail_msg("plan_consolidate: %s", e.msg);
	if (plan_check_consolidation(c, o, p, &e) == -1)
		fail_msg("checker: %s", e.msg);
	return p;
}

static void
opts_hdd(struct plan_consolidate_opts *o)
{
	plan_consolidate_opts_init(o);
	o->retire = hdd_sel;
	o->nretire = 1;
}

/* Two HDD hosts emptied onto two SSD hosts, one move per guest. */
static void
test_basic(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h1, h2, s1, s2;

	(void)state;
	h1 = t_host(c, "old1", 32, 1000, 8, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	h2 = t_host(c, "old2", 32, 1000, 8, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	s1 = t_host(c, "new1", 64, 2000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	s2 = t_host(c, "new2", 64, 2000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_guest(c, "a", "alice", 4096, 80, 2, h1, PLAN_NONE, 1);
	t_guest(c, "b", "bob", 8192, 160, 4, h1, PLAN_NONE, 1);
	t_guest(c, "c", "alice", 2048, 50, 1, h2, PLAN_NONE, 1);
	t_guest(c, "d", "carol", 1024, 25, 1, s1, PLAN_NONE, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 3);
	assert_int_equal(p->nunplaced, 0);
	assert_int_equal(p->nretired, 2);
	assert_int_equal(p->nreboots, 0);
	assert_true(p->empty_after[h1] && p->empty_after[h2]);
	assert_false(p->empty_after[s1]);
	assert_int_equal(p->nfreed, 2);
	for (size_t i = 0; i < p->nmoves; i++)
		assert_true(p->moves[i].to == s1 || p->moves[i].to == s2);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* RAM is never overcommitted: the guest that does not fit is reported. */
static void
test_ram_unplaced(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h, s, big;

	(void)state;
	h = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	s = t_host(c, "new", 16, 4000, 32, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_guest(c, "resident", NULL, 2048, 10, 1, s, PLAN_NONE, 1);
	t_guest(c, "small", NULL, 4096, 10, 1, h, PLAN_NONE, 1);
	big = t_guest(c, "big", NULL, 16384, 10, 1, h, PLAN_NONE, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->nunplaced, 1);
	assert_int_equal(p->unplaced[0].guest, big);
	assert_int_equal(p->unplaced[0].why, PLAN_WHY_RAM);
	assert_int_equal(p->unplaced[0].need, 16384);
	assert_int_equal(p->unplaced[0].best, 16384 - 2048 - 4096);
	assert_false(p->empty_after[h]);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

static void
test_disk_and_vcpu(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h;

	(void)state;
	h = t_host(c, "old", 64, 4000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	t_host(c, "new", 64, 100, 2, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_guest(c, "fat-disk", NULL, 1024, 200, 1, h, PLAN_NONE, 1);
	t_guest(c, "many-cpu", NULL, 1024, 10, 12, h, PLAN_NONE, 1);
	opts_hdd(&o);
	c->vcpu_ratio = 4.0;	/* 2 threads * 4 = 8 vCPUs */
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 0);
	assert_int_equal(p->nunplaced, 2);
	assert_int_equal(p->unplaced[0].why, PLAN_WHY_DISK);
	assert_int_equal(p->unplaced[1].why, PLAN_WHY_VCPU);
	assert_int_equal(p->unplaced[1].need, 12);
	assert_int_equal(p->unplaced[1].best, 8);
	plan_consolidation_free(p);
	/* a higher ratio lets the vCPU-heavy guest in */
	c->vcpu_ratio = 8.0;
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->nunplaced, 1);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* --to ssd, and hosts in maintenance or draining are never targets. */
static void
test_targets(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h, hdd2, ssd;

	(void)state;
	h = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd,rack1");
	hdd2 = t_host(c, "hdd-keep", 64, 1000, 16, PLAN_DISK_HDD,
	    PLAN_HOST_ACTIVE, "rack2");
	t_host(c, "ssd-maint", 64, 1000, 16, PLAN_DISK_SSD,
	    PLAN_HOST_MAINTENANCE, "stor:ssd");
	t_host(c, "ssd-drain", 64, 1000, 16, PLAN_DISK_SSD,
	    PLAN_HOST_DRAINING, "stor:ssd");
	t_guest(c, "g", NULL, 1024, 10, 1, h, PLAN_NONE, 1);
	opts_hdd(&o);
	o.to = PLAN_DISK_SSD;
	p = plan_ok(c, &o);
	assert_int_equal(p->nunplaced, 1);
	assert_int_equal(p->unplaced[0].why, PLAN_WHY_NO_TARGET);
	plan_consolidation_free(p);
	/* any kind: the HDD host that stays takes it */
	o.to = PLAN_DISK_UNKNOWN;
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->moves[0].to, hdd2);
	plan_consolidation_free(p);
	/* an active SSD host appears: --to ssd uses it, not the HDD one */
	ssd = t_host(c, "ssd-new", 64, 1000, 16, PLAN_DISK_SSD,
	    PLAN_HOST_ACTIVE, "stor:ssd");
	o.to = PLAN_DISK_SSD;
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->moves[0].to, ssd);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

static void
test_selectors(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p = NULL;
	const char *sel[] = { "rack-a-*", "box9" };
	const char *none[] = { "nothing-*" };
	struct herr e;

	(void)state;
	t_host(c, "rack-a-1", 8, 100, 4, PLAN_DISK_HDD, PLAN_HOST_ACTIVE, "");
	t_host(c, "rack-a-2", 8, 100, 4, PLAN_DISK_HDD, PLAN_HOST_ACTIVE, "");
	t_host(c, "box9", 8, 100, 4, PLAN_DISK_HDD, PLAN_HOST_ACTIVE, "");
	t_host(c, "box10", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	plan_consolidate_opts_init(&o);
	o.retire = sel;
	o.nretire = 2;
	p = plan_ok(c, &o);
	assert_int_equal(p->nretired, 3);
	assert_false(p->retired[3]);
	plan_consolidation_free(p);
	o.retire = none;
	o.nretire = 1;
	assert_int_equal(plan_consolidate(c, &o, &p, &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "nothing-*"));
	o.nretire = 0;
	assert_int_equal(plan_consolidate(c, &o, &p, &e), -1);
	assert_int_equal(e.code, HERR_USAGE);
	plan_cluster_free(c);
}

/* A guest that cannot live-migrate moves with a reboot. */
static void
test_no_live_migration(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h, pinned;

	(void)state;
	h = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	t_host(c, "new", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_guest(c, "live", NULL, 1024, 10, 1, h, PLAN_NONE, 1);
	pinned = t_guest(c, "pinned", NULL, 1024, 10, 1, h, PLAN_NONE, 0);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 2);
	assert_int_equal(p->nreboots, 1);
	for (size_t i = 0; i < p->nmoves; i++)
		assert_int_equal(p->moves[i].reboot,
		    p->moves[i].guest == pinned);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* DRBD: both copies move off retired hosts, never onto one host. */
static void
test_drbd(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h1, h2, s1, s2, g;
	int prim = 0, sec = 0;

	(void)state;
	h1 = t_host(c, "old1", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	h2 = t_host(c, "old2", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	s1 = t_host(c, "new1", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	s2 = t_host(c, "new2", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	g = t_guest(c, "mirrored", NULL, 4096, 100, 2, h1, h2, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 2);
	for (size_t i = 0; i < p->nmoves; i++) {
		assert_int_equal(p->moves[i].guest, g);
		prim += p->moves[i].kind == PLAN_MOVE_PRIMARY;
		sec += p->moves[i].kind == PLAN_MOVE_SECONDARY;
	}
	assert_int_equal(prim, 1);
	assert_int_equal(sec, 1);
	assert_int_not_equal(p->moves[0].to, p->moves[1].to);
	plan_consolidation_free(p);
	/* only one SSD host: the second copy cannot go anywhere */
	c->hosts[s2].state = PLAN_HOST_MAINTENANCE;
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->nunplaced, 1);
	assert_int_equal(p->unplaced[0].why, PLAN_WHY_NO_TARGET);
	(void)s1;
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/*
 * A host that must first send a guest away before it can take a big one:
 * the planner makes room (one ejection) and orders that move first.
 */
static void
test_make_room_and_order(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t old, b, small, big;

	(void)state;
	old = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	b = t_host(c, "b", 32, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	t_host(c, "c", 12, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	/* b: 24 GiB used, c: 0 of 12 GiB; the 16 GiB guest fits on b only
	 * after b's 8 GiB guest goes to c */
	t_guest(c, "b-resident", NULL, 16384, 10, 1, b, PLAN_NONE, 1);
	small = t_guest(c, "b-small", NULL, 8192, 10, 1, b, PLAN_NONE, 1);
	big = t_guest(c, "big", NULL, 16384, 10, 1, old, PLAN_NONE, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nunplaced, 0);
	assert_int_equal(p->nmoves, 2);
	assert_int_equal(p->moves[0].guest, small);
	assert_int_equal(p->moves[1].guest, big);
	assert_int_equal(p->moves[1].to, b);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* Moves in a bad order overfill a host midway: the checker says so, and
 * plan_order_moves finds the order that works. */
static void
test_reorder(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation p;
	struct plan_move mv[2];
	uint8_t retired[3] = { 1, 0, 0 }, empty[3] = { 1, 0, 0 };
	int32_t old, b, cc;
	struct herr e;

	(void)state;
	old = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	b = t_host(c, "b", 32, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	cc = t_host(c, "c", 32, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	t_guest(c, "b1", NULL, 24576, 10, 1, b, PLAN_NONE, 1);
	t_guest(c, "x", NULL, 16384, 10, 1, old, PLAN_NONE, 1);
	/* x to b needs b1 gone first; b1 goes to c */
	mv[0] = (struct plan_move){ 1, PLAN_MOVE_PRIMARY, old, b, 0 };
	mv[1] = (struct plan_move){ 0, PLAN_MOVE_PRIMARY, b, cc, 0 };
	memset(&p, 0, sizeof(p));
	p.moves = mv;
	p.nmoves = 2;
	p.retired = retired;
	p.empty_after = empty;
	p.nempty_after = 1;
	opts_hdd(&o);
	assert_int_equal(plan_check_consolidation(c, &o, &p, &e), -1);
	assert_int_equal(e.code, HERR_CAPACITY);
	assert_non_null(strstr(e.msg, "step 1"));
	assert_int_equal(plan_order_moves(c, mv, 2, 100, &e), 0);
	assert_int_equal(mv[0].guest, 0);
	assert_int_equal(mv[1].guest, 1);
	assert_int_equal(plan_check_consolidation(c, &o, &p, &e), 0);
	/* a swap between two full hosts has no order */
	c->guests[0].ram_mib = 24576;	/* b1 on b */
	c->guests[1].ram_mib = 24576;	/* x on old */
	c->hosts[old].ram_mib = 32768;
	mv[0] = (struct plan_move){ 1, PLAN_MOVE_PRIMARY, old, b, 0 };
	mv[1] = (struct plan_move){ 0, PLAN_MOVE_PRIMARY, b, old, 0 };
	assert_int_equal(plan_order_moves(c, mv, 2, 100, &e), -1);
	assert_int_equal(e.code, HERR_CAPACITY);
	plan_cluster_free(c);
}

/* The checker catches a plan tampered with after planning. */
static void
test_checker_catches(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h, full, s;
	struct herr e;

	(void)state;
	h = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	s = t_host(c, "new", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	full = t_host(c, "full", 8, 1000, 16, PLAN_DISK_SSD,
	    PLAN_HOST_ACTIVE, "stor:ssd");
	t_guest(c, "resident", NULL, 8192, 10, 1, full, PLAN_NONE, 1);
	t_guest(c, "g1", NULL, 4096, 10, 1, h, PLAN_NONE, 1);
	t_guest(c, "g2", NULL, 4096, 10, 1, h, PLAN_NONE, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 2);
	p->moves[1].to = full;		/* over RAM */
	assert_int_equal(plan_check_consolidation(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "over capacity"));
	p->moves[1].to = h;		/* back onto a retired host */
	assert_int_equal(plan_check_consolidation(c, &o, p, &e), -1);
	p->moves[1].to = s;
	p->moves[1].from = full;	/* not where the guest is */
	assert_int_equal(plan_check_consolidation(c, &o, p, &e), -1);
	p->moves[1].from = h;
	p->nmoves = 1;			/* a guest silently left behind */
	assert_int_equal(plan_check_consolidation(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "not reported"));
	p->nmoves = 2;
	assert_int_equal(plan_check_consolidation(c, &o, p, &e), 0);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* --max-util keeps headroom on every target. */
static void
test_max_util(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h;

	(void)state;
	h = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	t_host(c, "new", 10, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	t_guest(c, "a", NULL, 5120, 10, 1, h, PLAN_NONE, 1);
	t_guest(c, "b", NULL, 4096, 10, 1, h, PLAN_NONE, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nunplaced, 0);
	plan_consolidation_free(p);
	o.max_util_pct = 80;	/* 8 GiB of 10 */
	p = plan_ok(c, &o);
	assert_int_equal(p->nmoves, 1);
	assert_int_equal(p->nunplaced, 1);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* --pack empties more hosts than the retired ones. */
static void
test_pack(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_consolidate_opts o;
	struct plan_consolidation *p;
	int32_t h, a, b;

	(void)state;
	h = t_host(c, "old", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	a = t_host(c, "a", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	b = t_host(c, "b", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	t_guest(c, "g1", NULL, 8192, 10, 1, h, PLAN_NONE, 1);
	t_guest(c, "g2", NULL, 8192, 10, 1, a, PLAN_NONE, 1);
	t_guest(c, "g3", NULL, 8192, 10, 1, b, PLAN_NONE, 1);
	opts_hdd(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nfreed, 1);
	plan_consolidation_free(p);
	o.pack = 1;
	p = plan_ok(c, &o);
	assert_int_equal(p->nfreed, 2);
	assert_int_equal(p->nmoves, 2);
	assert_true(p->empty_after[a] != p->empty_after[b]);
	plan_consolidation_free(p);
	/* --pack alone: no host named, the emptiest ones go */
	o.nretire = 0;
	p = plan_ok(c, &o);
	assert_int_equal(p->nretired, 0);
	assert_int_equal(p->nfreed, 2);
	assert_int_equal(p->nmoves, 2);
	plan_consolidation_free(p);
	plan_cluster_free(c);
}

/* Same input, same plan. */
static void
test_deterministic(void **state)
{
	struct plan_consolidate_opts o;
	struct plan_consolidation *p1, *p2;
	uint32_t seed;

	(void)state;
	opts_hdd(&o);
	o.pack = 1;
	for (seed = 1; seed <= 20; seed++) {
		struct plan_cluster *c1 = t_random_cluster(seed);
		struct plan_cluster *c2 = t_random_cluster(seed);
		size_t i;

		/* a fleet without HDD hosts: packing alone */
		for (i = 0, o.nretire = 0; i < c1->nhosts; i++)
			if (plan_selector_match(&c1->hosts[i], hdd_sel, 1))
				o.nretire = 1;
		p1 = plan_ok(c1, &o);
		p2 = plan_ok(c2, &o);
		assert_int_equal(p1->nmoves, p2->nmoves);
		if (p1->nmoves > 0)
			assert_memory_equal(p1->moves, p2->moves,
			    p1->nmoves * sizeof(*p1->moves));
		assert_int_equal(p1->nunplaced, p2->nunplaced);
		plan_consolidation_free(p1);
		plan_consolidation_free(p2);
		plan_cluster_free(c1);
		plan_cluster_free(c2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_ram_unplaced),
		cmocka_unit_test(test_disk_and_vcpu),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_no_live_migration),
		cmocka_unit_test(test_drbd),
		cmocka_unit_test(test_make_room_and_order),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_checker_catches),
		cmocka_unit_test(test_max_util),
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
