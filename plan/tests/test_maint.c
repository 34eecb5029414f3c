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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
