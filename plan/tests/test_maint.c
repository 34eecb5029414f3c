/* Unit tests of the rolling-maintenance planner and its checker. */
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

static struct plan_maintenance *
plan_ok(const struct plan_cluster *c, const struct plan_maint_opts *o)
{
	struct plan_maintenance *p = NULL;
	struct herr e;

	herr_clear(&e);
	if (plan_maintenance(c, o, &p, &e) == -1)
		fail_msg("plan_maintenance: %s", e.msg);
	if (plan_check_maintenance(c, o, p, &e) == -1)
		fail_msg("checker: %s", e.msg);
	return p;
}

/* Batch index of host h. */
static size_t
batch_of(const struct plan_maintenance *p, int32_t h)
{
	size_t i, j;

	for (i = 0; i < p->nbatches; i++)
		for (j = 0; j < p->batches[i].nhosts; j++)
			if (p->batches[i].hosts[j] == h)
				return i;
	fail_msg("host %d in no batch", (int)h);
	return 0;
}

static const struct plan_maint_guest *
fate_of(const struct plan_maintenance *p, int32_t g)
{
	size_t i;

	for (i = 0; i < p->nguests; i++)
		if (p->guests[i].guest == g)
			return &p->guests[i];
	fail_msg("guest %d has no fate", (int)g);
	return NULL;
}

/* n hosts of 64 GiB, each with two 8 GiB guests. */
static struct plan_cluster *
fleet(int n, int live)
{
	struct plan_cluster *c = plan_cluster_new();
	char name[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		t_host(c, name, 64, 2000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
		    "");
	}
	for (i = 0; i < 2 * n; i++) {
		snprintf(name, sizeof(name), "vm%d", i);
		t_guest(c, name, i % 2 ? "alice" : "bob", 8192, 50, 2, i / 2,
		    PLAN_NONE, live);
	}
	return c;
}

static void
test_all_migrate(void **state)
{
	struct plan_cluster *c = fleet(6, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t i;

	(void)state;
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nrebooted, 0);
	assert_int_equal(p->nguests, 12);
	assert_int_equal(p->nmigrations, 24);
	/* a quarter of the RAM is used: two batches are enough */
	assert_int_equal(p->nbatches, 2);
	for (i = 0; i < p->nguests; i++) {
		assert_int_equal(p->guests[i].fate, PLAN_FATE_MIGRATE);
		assert_true(p->guests[i].downtime_s == 0);
		assert_int_not_equal(batch_of(p, p->guests[i].target),
		    batch_of(p, p->guests[i].host));
	}
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_no_live_migration(void **state)
{
	struct plan_cluster *c = fleet(3, 0);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t i;

	(void)state;
	plan_maint_opts_init(&o);
	o.reboot_s = 120;
	p = plan_ok(c, &o);
	assert_int_equal(p->nrebooted, 6);
	assert_int_equal(p->nmigrations, 0);
	/* nothing to migrate: every host can go at once */
	assert_int_equal(p->nbatches, 1);
	for (i = 0; i < p->nguests; i++) {
		assert_int_equal(p->guests[i].fate, PLAN_FATE_REBOOT);
		assert_false(p->guests[i].no_room);
		assert_true(p->guests[i].downtime_s == 120);
	}
	assert_true(p->total_s == 120);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_max_parallel(void **state)
{
	struct plan_cluster *c = fleet(7, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t i;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_parallel = 1;
	p = plan_ok(c, &o);
	assert_int_equal(p->nbatches, 7);
	plan_maintenance_free(p);
	o.max_parallel = 3;
	p = plan_ok(c, &o);
	assert_int_equal(p->nbatches, 3);
	for (i = 0; i < p->nbatches; i++)
		assert_true(p->batches[i].nhosts <= 3);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_drbd_pairs(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	int32_t a, b, g;

	(void)state;
	a = t_host(c, "a", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	b = t_host(c, "b", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	t_host(c, "c", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	/* not live: without the DRBD rule a and b would go down together */
	g = t_guest(c, "mirrored", NULL, 4096, 100, 2, a, b, 0);
	t_guest(c, "other", NULL, 4096, 100, 2, b, PLAN_NONE, 0);
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_not_equal(batch_of(p, a), batch_of(p, b));
	assert_int_equal(p->nbatches, 2);
	plan_maintenance_free(p);
	/* a live DRBD guest goes to its secondary: only RAM is copied */
	c->guests[g].live_migrate = 1;
	o.migrate_s_per_gib = 10;
	o.reboot_s = 100;
	p = plan_ok(c, &o);
	assert_int_equal(fate_of(p, g)->fate, PLAN_FATE_MIGRATE);
	assert_int_equal(fate_of(p, g)->target, b);
	/* a's batch: 100 s reboot + 2 x 4 GiB x 10 s */
	assert_true(p->batches[batch_of(p, a)].duration_s == 180);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_customer_limit(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		t_host(c, name, 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
		    "");
		snprintf(name, sizeof(name), "vm%d", i);
		t_guest(c, name, "alice", 4096, 10, 1, i, PLAN_NONE, 0);
	}
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nbatches, 1);
	plan_maintenance_free(p);
	o.max_customer_down_pct = 50;	/* 2 of alice's 4 at once */
	p = plan_ok(c, &o);
	assert_int_equal(p->nbatches, 2);
	assert_int_equal(p->nwarnings, 0);
	plan_maintenance_free(p);
	o.max_customer_down_pct = 10;	/* max(1, 0.4): one at a time */
	p = plan_ok(c, &o);
	assert_int_equal(p->nbatches, 4);
	plan_maintenance_free(p);
	assert_int_equal(plan_customer_limit(4, 10), 1);
	assert_int_equal(plan_customer_limit(10, 25), 2);
	assert_int_equal(plan_customer_limit(10, 100), 10);
	/* two of them on one host: that host alone breaks the limit */
	c->guests[1].host = 0;
	p = plan_ok(c, &o);
	assert_int_equal(p->nwarnings, 1);
	assert_int_equal(p->batches[batch_of(p, 0)].nhosts, 1);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_no_room(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	int32_t a, b, big;

	(void)state;
	a = t_host(c, "a", 32, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	b = t_host(c, "b", 16, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	big = t_guest(c, "big", NULL, 20480, 10, 1, a, PLAN_NONE, 1);
	t_guest(c, "fits", NULL, 2048, 10, 1, b, PLAN_NONE, 1);
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nrebooted, 1);
	assert_int_equal(fate_of(p, big)->fate, PLAN_FATE_REBOOT);
	assert_true(fate_of(p, big)->no_room);
	assert_int_equal(fate_of(p, 1)->fate, PLAN_FATE_MIGRATE);
	assert_int_equal(fate_of(p, 1)->target, a);
	(void)b;
	plan_maintenance_free(p);
	/* with the limit at 50 %, "fits" cannot go to a either */
	o.max_util_pct = 50;
	p = plan_ok(c, &o);
	assert_int_equal(p->nrebooted, 2);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/* Only one host's guests fit elsewhere at a time: one host per batch. */
static void
test_tight(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		t_host(c, name, 16, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
		    "");
		snprintf(name, sizeof(name), "vm%d", i);
		t_guest(c, name, NULL, 8192, 10, 1, i, PLAN_NONE, 1);
	}
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nrebooted, 0);
	assert_int_equal(p->nbatches, 3);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_states(void **state)
{
	struct plan_cluster *c = fleet(4, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t i;

	(void)state;
	c->hosts[0].state = PLAN_HOST_RETIRED;
	c->hosts[1].state = PLAN_HOST_MAINTENANCE;
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->nskipped, 1);
	for (i = 0; i < p->nguests; i++) {
		assert_int_not_equal(p->guests[i].host, 0);
		if (p->guests[i].fate == PLAN_FATE_MIGRATE)
			assert_true(p->guests[i].target >= 2);
	}
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_checker_catches(void **state)
{
	struct plan_cluster *c = fleet(4, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	struct herr e;
	int32_t saved;

	(void)state;
	plan_maint_opts_init(&o);
	p = plan_ok(c, &o);
	assert_int_equal(p->guests[0].fate, PLAN_FATE_MIGRATE);
	saved = p->guests[0].target;
	p->guests[0].target = p->guests[0].host;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	p->guests[0].target = saved;
	p->batches[0].duration_s += 1;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "duration"));
	p->batches[0].duration_s -= 1;
	o.max_parallel = 1;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	o.max_parallel = 0;
	/* all guests onto one target: over its RAM */
	for (size_t i = 0; i < p->batches[0].nguests; i++)
		p->guests[i].target = p->guests[0].target;
	c->hosts[p->guests[0].target].ram_mib = 20480;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_deterministic(void **state)
{
	struct plan_maint_opts o;
	uint32_t seed;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_customer_down_pct = 50;
	for (seed = 1; seed <= 20; seed++) {
		struct plan_cluster *c1 = t_random_cluster(seed);
		struct plan_cluster *c2 = t_random_cluster(seed);
		struct plan_maintenance *p1 = plan_ok(c1, &o);
		struct plan_maintenance *p2 = plan_ok(c2, &o);
		size_t i;

		assert_int_equal(p1->nbatches, p2->nbatches);
		assert_int_equal(p1->nguests, p2->nguests);
		if (p1->nguests > 0)
			assert_memory_equal(p1->guests, p2->guests,
			    p1->nguests * sizeof(*p1->guests));
		for (i = 0; i < p1->nbatches; i++)
			assert_memory_equal(p1->batches[i].hosts,
			    p2->batches[i].hosts,
			    p1->batches[i].nhosts * sizeof(int32_t));
		plan_maintenance_free(p1);
		plan_maintenance_free(p2);
		plan_cluster_free(c1);
		plan_cluster_free(c2);
	}
}

/* ---- roll forward ---- */

static struct plan_maintenance *
fwd_ok(const struct plan_cluster *c, struct plan_maint_opts *o)
{
	o->roll = PLAN_ROLL_FORWARD;
	return plan_ok(c, o);
}

/* n loaded hosts of 64 GiB with two 8 GiB guests each, then `spare` empty. */
static struct plan_cluster *
fleet_spare(int n, int spare)
{
	struct plan_cluster *c = fleet(n, 1);
	char name[32];
	int i;

	for (i = 0; i < spare; i++) {
		snprintf(name, sizeof(name), "spare%d", i);
		t_host(c, name, 64, 2000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
		    "");
	}
	return c;
}

static const struct plan_maint_move *
move_of(const struct plan_maintenance *p, int32_t g, int k)
{
	size_t i;

	for (i = 0; i < p->nmoves; i++)
		if (p->moves[i].guest == g && k-- == 0)
			return &p->moves[i];
	fail_msg("guest %d has no move %d", (int)g, k);
	return NULL;
}

/*
 * One spare host, one reboot at a time: the spare reboots first (it has
 * nothing to move), then each host sends its guests to a host already
 * patched and reboots; every guest moves once and stays there.  The
 * times, by hand: a move takes 8 + 50 = 58 s, a reboot 100 s.
 */
static void
test_forward_spare(void **state)
{
	struct plan_cluster *c = fleet_spare(3, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t i;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_parallel = 1;
	o.reboot_s = 100;
	o.migrate_s_per_gib = 1;
	p = fwd_ok(c, &o);
	assert_int_equal(p->roll, PLAN_ROLL_FORWARD);
	assert_int_equal(p->nbatches, 4);
	assert_int_equal(p->nmoves, 6);
	assert_int_equal(p->nmigrations, 6);
	assert_int_equal(p->nmoved_twice, 0);
	assert_int_equal(p->nended_away, 6);
	assert_int_equal(p->nrebooted, 0);
	assert_int_equal(p->slots[3].batch, 0);		/* the spare */
	assert_true(p->slots[3].reboot_start_s == 0);
	assert_true(p->slots[3].reboot_end_s == 100);
	/* h0 fills the spare once it is patched, then reboots */
	assert_int_equal(move_of(p, 0, 0)->to, 3);
	assert_true(move_of(p, 0, 0)->start_s == 100);
	assert_true(move_of(p, 1, 0)->end_s == 216);
	assert_true(p->slots[0].reboot_start_s == 216);
	/* h1 too (the spare has room left); h2 goes to h0, free sooner */
	assert_true(p->slots[1].reboot_end_s == 432);
	assert_int_equal(move_of(p, 4, 0)->to, 0);
	assert_true(move_of(p, 4, 0)->start_s == 316);
	assert_true(p->total_s == 532);
	/* floor: the last host to send (116 s) and one reboot after */
	assert_true(p->floor_s == 416);
	assert_true(p->all_reboot_s == 400);
	for (i = 0; i < p->nguests; i++) {
		assert_int_equal(p->guests[i].nmoves, 1);
		assert_int_equal(p->guests[i].fate, PLAN_FATE_MIGRATE);
		assert_int_equal(p->guests[i].end_host, p->guests[i].target);
		assert_int_not_equal(p->guests[i].end_host, p->guests[i].host);
	}
	/* listed by start */
	for (i = 1; i < p->nmoves; i++)
		assert_true(p->moves[i - 1].start_s <= p->moves[i].start_s);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/*
 * No spare: the first host's guests have nowhere patched to go, so they
 * wait on a host not yet patched and move on with it; the plan says how
 * much spare room would have spared them the second move.
 */
static void
test_forward_seed(void **state)
{
	struct plan_cluster *c = fleet(3, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t i, twice = 0;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_parallel = 1;
	o.reboot_s = 100;
	o.migrate_s_per_gib = 1;
	p = fwd_ok(c, &o);
	assert_int_equal(p->nmoved_twice, 2);
	assert_int_equal(p->nmoves, 8);
	assert_int_equal(p->seed_ram_mib, 2 * 8192);
	assert_int_equal(p->seed_disk_mib, 2 * 50 * 1024);
	for (i = 0; i < p->nguests; i++)
		twice += p->guests[i].nmoves == 2;
	assert_int_equal(twice, 2);
	assert_true(p->nnotes >= 1);
	assert_non_null(strstr(p->notes[0], "move twice"));
	plan_maintenance_free(p);
	/* the same fleet with a spare: none twice */
	plan_cluster_free(c);
	c = fleet_spare(3, 1);
	p = fwd_ok(c, &o);
	assert_int_equal(p->nmoved_twice, 0);
	assert_int_equal(p->seed_ram_mib, 0);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/* --per-link 2: a host sends two guests at once. */
static void
test_forward_links(void **state)
{
	struct plan_cluster *c = fleet_spare(1, 2);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	const struct plan_maint_move *a, *b;

	(void)state;
	plan_maint_opts_init(&o);
	o.reboot_s = 100;
	o.migrate_s_per_gib = 1;
	p = fwd_ok(c, &o);
	a = move_of(p, 0, 0);
	b = move_of(p, 1, 0);
	/* one link slot: one after the other */
	assert_true(a->end_s <= b->start_s || b->end_s <= a->start_s);
	plan_maintenance_free(p);
	o.link_parallel = 2;
	p = fwd_ok(c, &o);
	a = move_of(p, 0, 0);
	b = move_of(p, 1, 0);
	assert_true(a->start_s < b->end_s && b->start_s < a->end_s);
	/* the floor counts two slots too: 58 s, then a reboot */
	assert_true(p->floor_s == 158);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/* Pinned guests and customers' choices are inputs that hold. */
static void
test_forward_choices(void **state)
{
	struct plan_cluster *c = fleet_spare(4, 2);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	const struct plan_maint_guest *f;
	int32_t pinned = 0, inplace = 2, later = 4;

	(void)state;
	c->guests[pinned].live_migrate = 0;
	assert_int_equal(plan_cluster_set_choice(c, inplace,
	    PLAN_CHOICE_IN_PLACE), 0);
	assert_int_equal(plan_cluster_set_choice(c, later, 3), 0);
	assert_int_equal(plan_cluster_set_choice(c, 99, 0), -1);
	assert_int_equal(plan_cluster_set_choice(c, 1, -7), -1);
	assert_int_equal(plan_guest_choice(c, 1), PLAN_CHOICE_NONE);
	plan_maint_opts_init(&o);
	o.max_parallel = 1;
	p = fwd_ok(c, &o);
	f = fate_of(p, pinned);
	assert_int_equal(f->fate, PLAN_FATE_REBOOT);
	assert_int_equal(f->nmoves, 0);
	assert_false(f->chosen);
	assert_false(f->no_room);
	f = fate_of(p, inplace);
	assert_int_equal(f->fate, PLAN_FATE_REBOOT);
	assert_int_equal(f->nmoves, 0);
	assert_true(f->chosen);
	assert_int_equal(f->end_host, c->guests[inplace].host);
	/* it chose batch 4: down then, on a host of that batch */
	f = fate_of(p, later);
	assert_int_equal(f->fate, PLAN_FATE_REBOOT);
	assert_true(f->chosen);
	assert_int_equal(p->slots[f->end_host].batch, 3);
	assert_true(f->nmoves <= 1);
	assert_int_equal(p->nwarnings, 0);
	plan_maintenance_free(p);
	/* the other mode honours a reboot in place, too */
	o.roll = PLAN_ROLL_BACK;
	p = plan_ok(c, &o);
	f = fate_of(p, inplace);
	assert_int_equal(f->fate, PLAN_FATE_REBOOT);
	assert_true(f->chosen);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/* The checker replays in time and fails on each kind of broken plan. */
static void
test_forward_checker_catches(void **state)
{
	struct plan_cluster *c = fleet_spare(3, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	struct plan_maint_move sm;
	struct plan_host_slot ss;
	struct herr e;
	int32_t h;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_parallel = 1;
	o.reboot_s = 100;
	o.migrate_s_per_gib = 1;
	p = fwd_ok(c, &o);
	/* a host reboots while its guest is still leaving */
	h = p->moves[0].from;
	ss = p->slots[h];
	p->slots[h].reboot_start_s -= 10;
	p->slots[h].reboot_end_s -= 10;
	p->batches[ss.batch].end_s -= 10;	/* it is alone in it */
	p->batches[ss.batch].duration_s -= 10;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "migration running"));
	p->slots[h] = ss;
	p->batches[ss.batch].end_s += 10;
	p->batches[ss.batch].duration_s += 10;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), 0);
	/* two moves off one host at once on one link slot */
	sm = p->moves[1];
	p->moves[1].start_s = p->moves[0].start_s;
	p->moves[1].end_s = p->moves[1].start_s + (sm.end_s - sm.start_s);
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "at once on the link"));
	p->moves[1] = sm;
	/* a move onto a host too small */
	c->hosts[p->moves[0].to].ram_mib = 4096;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "over capacity"));
	c->hosts[p->moves[0].to].ram_mib = 64 * 1024;
	/* onto a host that reboots later, under it: it was to stay up */
	sm = p->moves[0];
	p->moves[0].to = 2;	/* the host that reboots last */
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "which was to move"));
	p->moves[0] = sm;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), 0);
	/* a move that takes less time than its GiB */
	p->moves[0].end_s -= 1;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "takes"));
	p->moves[0].end_s += 1;
	/* moves out of order */
	sm = p->moves[0];
	p->moves[0] = p->moves[1];
	p->moves[1] = sm;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	p->moves[1] = p->moves[0];
	p->moves[0] = sm;
	/* more hosts rebooting at once than allowed */
	o.max_parallel = 1;
	p->slots[1].reboot_start_s = p->slots[0].reboot_start_s;
	p->slots[1].reboot_end_s = p->slots[0].reboot_end_s;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/* DRBD: a guest goes to its secondary once patched; no pair in a batch. */
static void
test_forward_drbd(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	int32_t a, b, g;

	(void)state;
	a = t_host(c, "a", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	b = t_host(c, "b", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	g = t_guest(c, "mirrored", NULL, 4096, 100, 2, a, b, 1);
	plan_maint_opts_init(&o);
	o.migrate_s_per_gib = 10;
	p = fwd_ok(c, &o);
	assert_int_not_equal(p->slots[a].batch, p->slots[b].batch);
	/* b has nothing to move: it goes first; then g moves onto it, its
	 * RAM only (4 GiB x 10 s) */
	assert_int_equal(p->slots[b].batch, 0);
	assert_int_equal(fate_of(p, g)->end_host, b);
	assert_true(move_of(p, g, 0)->end_s - move_of(p, g, 0)->start_s ==
	    40);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

static void
test_forward_deterministic(void **state)
{
	struct plan_maint_opts o;
	uint32_t seed;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_parallel = 2;
	o.max_customer_down_pct = 50;
	for (seed = 1; seed <= 20; seed++) {
		struct plan_cluster *c1 = t_random_cluster(seed);
		struct plan_cluster *c2 = t_random_cluster(seed);
		struct plan_maintenance *p1 = fwd_ok(c1, &o);
		struct plan_maintenance *p2 = fwd_ok(c2, &o);

		assert_int_equal(p1->nmoves, p2->nmoves);
		assert_int_equal(p1->nguests, p2->nguests);
		if (p1->nmoves > 0)
			assert_memory_equal(p1->moves, p2->moves,
			    p1->nmoves * sizeof(*p1->moves));
		if (p1->nguests > 0)
			assert_memory_equal(p1->guests, p2->guests,
			    p1->nguests * sizeof(*p1->guests));
		assert_memory_equal(p1->slots, p2->slots,
		    c1->nhosts * sizeof(*p1->slots));
		plan_maintenance_free(p1);
		plan_maintenance_free(p2);
		plan_cluster_free(c1);
		plan_cluster_free(c2);
	}
}

/* The cost figures of both modes, by hand. */
static void
test_cost(void **state)
{
	struct plan_cluster *c = fleet(4, 1);
	struct plan_maint_opts o;
	struct plan_maintenance *p;

	(void)state;
	plan_maint_opts_init(&o);
	o.max_parallel = 2;
	o.reboot_s = 100;
	o.migrate_s_per_gib = 1;
	/* each host sends 2 x (8 + 50) s; two batches of two reboots */
	assert_true(plan_maint_floor(c, &o) == 116 + 200);
	assert_true(plan_maint_all_reboot(c, &o) == 200);
	c->guests[0].live_migrate = 0;
	c->guests[1].live_migrate = 0;
	/* h0 sends nothing: it may reboot at once */
	assert_true(plan_maint_floor(c, &o) == 116 + 200);
	o.max_parallel = 0;
	assert_true(plan_maint_floor(c, &o) == 216);
	assert_true(plan_maint_all_reboot(c, &o) == 100);
	p = plan_ok(c, &o);
	assert_int_equal(p->roll, PLAN_ROLL_BACK);
	assert_true(p->floor_s == 216);
	assert_true(p->all_reboot_s == 100);
	assert_null(p->moves);
	plan_maintenance_free(p);
	/* options out of range */
	o.link_parallel = 0;
	assert_int_equal(plan_maintenance(c, &o, &p, NULL), -1);
	plan_cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_migrate),
		cmocka_unit_test(test_no_live_migration),
		cmocka_unit_test(test_max_parallel),
		cmocka_unit_test(test_drbd_pairs),
		cmocka_unit_test(test_customer_limit),
		cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_tight),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_checker_catches),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_forward_spare),
		cmocka_unit_test(test_forward_seed),
		cmocka_unit_test(test_forward_links),
		cmocka_unit_test(test_forward_choices),
		cmocka_unit_test(test_forward_checker_catches),
		cmocka_unit_test(test_forward_drbd),
		cmocka_unit_test(test_forward_deterministic),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
