/*
 * Unit tests of the rules Ganeti keeps, in every planner and in the
 * checker: a node group is a migration domain, an offline host neither
 * reboots nor receives, a host offers the lower of its free disk and
 * what its guests leave; and hroller's options (node tags, skipping or
 * ignoring guests without a DRBD copy, offline maintenance, full
 * evacuation, the master last).  Each rule: a plan that keeps it, and
 * the checker refusing a plan changed to break it.
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

static struct plan_maintenance *
maint_ok(const struct plan_cluster *c, const struct plan_maint_opts *o)
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

static struct plan_consolidation *
cons_ok(const struct plan_cluster *c, const struct plan_consolidate_opts *o)
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

/* The batch host h is in. */
static size_t
batch_index(const struct plan_maintenance *p, int32_t h)
{
	size_t b, k;

	for (b = 0; b < p->nbatches; b++)
		for (k = 0; k < p->batches[b].nhosts; k++)
			if (p->batches[b].hosts[k] == h)
				return b;
	fail_msg("host %d in no batch", (int)h);
	return 0;
}

/*
 * Two groups: "a" with a0 (two guests) and a small a1, "b" with b0 and
 * b1, empty and large.  a0's guests fit only on the b hosts, which
 * they may not use.
 */
static struct plan_cluster *
two_groups(void)
{
	struct plan_cluster *c = plan_cluster_new();
	int32_t a0, a1;

	assert_int_equal(plan_cluster_add_group(c, "a"), 0);
	assert_int_equal(plan_cluster_add_group(c, "b"), 1);
	a0 = t_host(c, "a0", 64, 1000, 16, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	a1 = t_host(c, "a1", 10, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_host(c, "b0", 256, 4000, 64, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_host(c, "b1", 256, 4000, 64, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	c->hosts[2].group = c->hosts[3].group = 1;
	t_guest(c, "big", "x", 16384, 100, 4, a0, PLAN_NONE, 1);
	t_guest(c, "small", "y", 4096, 100, 1, a0, PLAN_NONE, 1);
	(void)a1;
	return c;
}

/* Rolling back, forward and consolidating, a's guests stay in a. */
static void
test_groups(void **state)
{
	struct plan_cluster *c = two_groups();
	struct plan_maint_opts o;
	struct plan_consolidate_opts co;
	struct plan_maintenance *p;
	struct plan_consolidation *cp;
	static const char *a0[] = { "a0" };
	struct herr e;
	size_t i;

	(void)state;
	plan_maint_opts_init(&o);
	p = maint_ok(c, &o);
	/* small fits on a1, big nowhere in its group: it reboots */
	for (i = 0; i < p->nguests; i++) {
		const struct plan_maint_guest *f = &p->guests[i];

		if (f->guest == 0) {
			assert_int_equal(f->fate, PLAN_FATE_REBOOT);
			assert_true(f->no_room);
		} else if (f->guest == 1)
			assert_int_equal(f->target, 1);
	}
	assert_int_equal(p->nrebooted, 1);
	/* the checker refuses small sent to b0 */
	for (i = 0; i < p->nguests; i++)
		if (p->guests[i].guest == 1)
			p->guests[i].target = 2;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "cannot migrate there"));
	plan_maintenance_free(p);
	/* roll forward: never onto b's hosts, patched or not; small
	 * moves (to a1, once a1 is patched) */
	o.roll = PLAN_ROLL_FORWARD;
	p = maint_ok(c, &o);
	assert_true(p->nmoves > 0);
	for (i = 0; i < p->nmoves; i++)
		assert_true(c->hosts[p->moves[i].to].group == 0);
	p->moves[0].to = 3;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "leave its node group"));
	plan_maintenance_free(p);
	/* consolidation: emptying a0 places small on a1, big nowhere */
	plan_consolidate_opts_init(&co);
	co.retire = a0;
	co.nretire = 1;
	cp = cons_ok(c, &co);
	assert_int_equal(cp->nmoves, 1);
	assert_int_equal(cp->moves[0].to, 1);
	assert_int_equal(cp->nunplaced, 1);
	assert_int_equal(cp->unplaced[0].guest, 0);
	assert_int_equal(cp->unplaced[0].why, PLAN_WHY_RAM);
	cp->moves[0].to = 2;
	assert_int_equal(plan_check_consolidation(c, &co, cp, &e), -1);
	assert_non_null(strstr(e.msg, "node group"));
	plan_consolidation_free(cp);
	/* one group: the same fleet moves big to b */
	c->hosts[2].group = c->hosts[3].group = 0;
	cp = cons_ok(c, &co);
	assert_int_equal(cp->nunplaced, 0);
	plan_consolidation_free(cp);
	plan_cluster_free(c);
}

/*
 * Two groups of three hosts, four 4 GiB guests on each host: a's hosts
 * of a_gib GiB, b's of 128 (the first choice, were groups not kept).
 */
/*
 * Host NAME of gib GiB in group (0 "a", 1 "b", made on first use) with
 * n live 4 GiB guests named gNAME_K.
 */
static void
group_host(struct plan_cluster *c, const char *name, int32_t group,
    int64_t gib, size_t n)
{
	char gname[32];
	int32_t h;

	if (c->ngroups == 0) {
		assert_int_equal(plan_cluster_add_group(c, "a"), 0);
		assert_int_equal(plan_cluster_add_group(c, "b"), 1);
	}
	h = t_host(c, name, gib, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "");
	c->hosts[h].group = group;
	for (size_t k = 0; k < n; k++) {
		snprintf(gname, sizeof(gname), "g%s_%zu", name, k);
		t_guest(c, gname, NULL, 4096, 10, 1, h, PLAN_NONE, 1);
	}
}

static struct plan_cluster *
groups_of_three(int64_t a_gib)
{
	struct plan_cluster *c = plan_cluster_new();
	char name[16];

	for (size_t i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "%c%zu", i < 3 ? 'a' : 'b', i % 3);
		group_host(c, name, i < 3 ? 0 : 1, i < 3 ? a_gib : 128, 4);
	}
	return c;
}

/*
 * Rolling forward in two groups, none with an empty host: each group
 * seeds its own start (a host of each evacuates or reboots from the
 * first moment: neither waits for the other's roll), every move stays
 * in its group, every host reboots once.  Then with a's hosts full: a
 * has no room for a seed, and its first host reboots with its guests
 * at once, beside b's roll, not after it.
 */
static void
test_groups_forward(void **state)
{
	struct plan_cluster *c = groups_of_three(32);
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	struct herr e;
	size_t i, b, k, moved[2] = { 0, 0 }, first[2] = { 0, 0 };
	int32_t h;

	(void)state;
	plan_maint_opts_init(&o);
	o.roll = PLAN_ROLL_FORWARD;
	p = maint_ok(c, &o);
	assert_int_equal(p->nrebooted, 0);
	for (i = 0; i < p->nmoves; i++) {
		int32_t from = p->moves[i].from, to = p->moves[i].to;

		assert_int_equal(c->hosts[from].group, c->hosts[to].group);
		moved[c->hosts[from].group]++;
	}
	assert_true(moved[0] > 0 && moved[1] > 0);
	for (h = 0; h < 6; h++)
		first[c->hosts[h].group] += p->slots[h].evac_start_s == 0;
	assert_true(first[0] > 0 && first[1] > 0);
	for (h = 0; h < 6; h++)
		(void)batch_index(p, h);	/* every host in a batch */
	for (b = 0, k = 0; b < p->nbatches; b++)
		k += p->batches[b].nhosts;
	assert_int_equal(k, 6);		/* once each */
	/* the checker refuses a's first move sent to b's largest */
	for (i = 0; i < p->nmoves && c->hosts[p->moves[i].from].group; i++)
		;
	assert_true(i < p->nmoves);
	p->moves[i].to = 5;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	plan_maintenance_free(p);
	plan_cluster_free(c);

	/* a full: its guests reboot, from the start */
	c = groups_of_three(16);
	p = maint_ok(c, &o);
	assert_int_equal(p->nrebooted, 12);
	first[0] = first[1] = 0;
	for (h = 0; h < 6; h++)
		first[c->hosts[h].group] += p->slots[h].reboot_start_s == 0;
	assert_true(first[0] > 0);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/*
 * Group a: a0 (8 GiB, one guest) and a1, a2 (64 GiB, four 4 GiB guests
 * each); group b: six 64 GiB hosts with nb_guests 4 GiB guests each.
 * Once a0 is patched, a's patched room (8 GiB) is less than a1's or a2's
 * guests: rolling forward strictly, a would wait for room.
 */
static struct plan_cluster *
uneven_groups(size_t nb_guests)
{
	struct plan_cluster *c = plan_cluster_new();
	char name[16];

	group_host(c, "a0", 0, 8, 1);
	group_host(c, "a1", 0, 64, 4);
	group_host(c, "a2", 0, 64, 4);
	for (size_t i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "b%zu", i);
		group_host(c, name, 1, 64, nb_guests);
	}
	return c;
}

/* The first and last batch of group g's hosts. */
static void
group_span(const struct plan_cluster *c, const struct plan_maintenance *p,
    int32_t g, size_t *first, size_t *last)
{
	*first = SIZE_MAX;
	*last = 0;
	for (int32_t h = 0; h < (int32_t)c->nhosts; h++) {
		size_t b;

		if (c->hosts[h].group != g)
			continue;
		b = batch_index(p, h);
		*first = b < *first ? b : *first;
		*last = b > *last ? b : *last;
	}
}

/*
 * A group that cannot roll strictly forward does not wait for the other
 * group's roll: its host is forced into a batch beside the other's
 * (some of its guests go to its unpatched hosts and come back), not
 * left for after it.  With b's hosts half full, a's last host goes in a
 * batch before b's last; with b's hosts fuller (no room to seed), b
 * starts while a still rolls.
 */
static void
test_groups_no_wait(void **state)
{
	struct plan_cluster *c;
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	size_t af, al, bf, bl;

	(void)state;
	plan_maint_opts_init(&o);
	o.roll = PLAN_ROLL_FORWARD;
	c = uneven_groups(8);
	p = maint_ok(c, &o);
	group_span(c, p, 0, &af, &al);
	group_span(c, p, 1, &bf, &bl);
	if (al >= bl)
		fail_msg("group a ends in batch %zu, after b's roll (%zu-%zu)",
		    al + 1, bf + 1, bl + 1);
	plan_maintenance_free(p);
	plan_cluster_free(c);

	c = uneven_groups(12);
	p = maint_ok(c, &o);
	group_span(c, p, 0, &af, &al);
	group_span(c, p, 1, &bf, &bl);
	if (bf > al)
		fail_msg("group b starts in batch %zu, after a's roll (%zu-%zu)",
		    bf + 1, af + 1, al + 1);
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/* An offline host: not rebooted, not a target, its guests left alone. */
static void
test_offline(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_consolidate_opts co;
	struct plan_maintenance *p;
	struct plan_consolidation *cp;
	static const char *sel[] = { "off" };
	struct herr e;
	int32_t h0, off, h2;
	size_t b, k, roll;

	(void)state;
	h0 = t_host(c, "h0", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	off = t_host(c, "off", 256, 4000, 64, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "");
	h2 = t_host(c, "h2", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	c->hosts[off].offline = 1;
	t_guest(c, "a", NULL, 4096, 10, 1, h0, PLAN_NONE, 1);
	t_guest(c, "stuck", NULL, 4096, 10, 1, off, PLAN_NONE, 1);
	t_guest(c, "d", NULL, 4096, 10, 1, h2, off, 1);
	plan_maint_opts_init(&o);
	for (roll = 0; roll < 2; roll++) {
		o.roll = roll ? PLAN_ROLL_FORWARD : PLAN_ROLL_BACK;
		p = maint_ok(c, &o);
		assert_int_equal(p->nskipped, 1);
		for (b = 0; b < p->nbatches; b++)
			for (k = 0; k < p->batches[b].nhosts; k++)
				assert_int_not_equal(p->batches[b].hosts[k], off);
		for (k = 0; k < p->nguests; k++) {
			assert_int_not_equal(p->guests[k].guest, 1);
			assert_int_not_equal(p->guests[k].target, off);
		}
		plan_maintenance_free(p);
	}
	/* the checker refuses the offline host in a batch */
	o.roll = PLAN_ROLL_BACK;
	p = maint_ok(c, &o);
	p->batches[0].hosts[0] = off;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "offline"));
	plan_maintenance_free(p);
	/* ... and as a target, though it has the most room */
	c->hosts[off].offline = 0;
	p = maint_ok(c, &o);
	c->hosts[off].offline = 1;
	for (k = 0; k < p->nguests; k++)
		if (p->guests[k].target == off)
			break;
	assert_true(k < p->nguests);
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	plan_maintenance_free(p);
	/* emptying it: its guest leaves with a reboot (it is down) */
	plan_consolidate_opts_init(&co);
	co.retire = sel;
	co.nretire = 1;
	cp = cons_ok(c, &co);
	for (k = 0; k < cp->nmoves; k++)
		if (cp->moves[k].guest == 1)
			assert_true(cp->moves[k].reboot);
	plan_consolidation_free(cp);
	plan_cluster_free(c);
}

/* Free disk: the file's, where it is less than guests leave. */
static void
test_free_disk(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_consolidate_opts co;
	struct plan_maintenance *p;
	struct plan_consolidation *cp;
	static const char *sel[] = { "src" };
	struct herr e;
	int32_t src, tight, roomy;
	size_t k, roll;

	(void)state;
	src = t_host(c, "src", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "");
	tight = t_host(c, "tight", 64, 1000, 16, PLAN_DISK_SSD,
	    PLAN_HOST_ACTIVE, "");
	roomy = t_host(c, "roomy", 64, 1000, 16, PLAN_DISK_SSD,
	    PLAN_HOST_ACTIVE, "");
	t_guest(c, "g", NULL, 4096, 300, 1, src, PLAN_NONE, 1);
	t_guest(c, "fill", NULL, 40 * 1024, 10, 1, roomy, PLAN_NONE, 1);
	/* tight has the most free RAM and no guest, but 100 GiB of disk
	 * only: the file says so */
	c->hosts[tight].reserved_disk_mib = 900 * 1024;
	assert_int_equal(plan_host_disk_cap(&c->hosts[tight]), 100 * 1024);
	plan_maint_opts_init(&o);
	for (roll = 0; roll < 2; roll++) {
		o.roll = roll ? PLAN_ROLL_FORWARD : PLAN_ROLL_BACK;
		p = maint_ok(c, &o);
		for (k = 0; k < p->nguests; k++)
			if (p->guests[k].guest == 0)
				assert_int_not_equal(p->guests[k].target,
				    tight);
		plan_maintenance_free(p);
	}
	plan_consolidate_opts_init(&co);
	co.retire = sel;
	co.nretire = 1;
	cp = cons_ok(c, &co);
	assert_int_equal(cp->nmoves, 1);
	assert_int_equal(cp->moves[0].to, roomy);
	cp->moves[0].to = tight;
	assert_int_equal(plan_check_consolidation(c, &co, cp, &e), -1);
	assert_non_null(strstr(e.msg, "disk MiB"));
	plan_consolidation_free(cp);
	/* rolling back, the checker refuses g sent to tight too */
	o.roll = PLAN_ROLL_BACK;
	o.max_parallel = 1;
	p = maint_ok(c, &o);
	for (k = 0; k < p->nguests; k++)
		if (p->guests[k].guest == 0)
			p->guests[k].target = tight;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "disk MiB"));
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/*
 * hroller's unique-reboot-order: 001 (master) holds new-0 (DRBD onto
 * 002) and nonred-0; 002 new-1 (onto 003); 003 nonred-1.
 */
static struct plan_cluster *
reboot_order(void)
{
	struct plan_cluster *c = plan_cluster_new();
	int32_t h1, h2, h3;

	h1 = t_host(c, "h1", 64, 10, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "red");
	h2 = t_host(c, "h2", 64, 10, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	h3 = t_host(c, "h3", 64, 10, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "red");
	c->hosts[h1].master = 1;
	t_guest(c, "new-0", NULL, 128, 1, 1, h1, h2, 1);
	t_guest(c, "new-1", NULL, 128, 1, 1, h2, h3, 1);
	t_guest(c, "nonred-0", NULL, 128, 1, 1, h1, PLAN_NONE, 1);
	t_guest(c, "nonred-1", NULL, 128, 1, 1, h3, PLAN_NONE, 1);
	return c;
}

/* Which hosts reboot: node tags, skipping hosts without redundancy. */
static void
test_who_reboots(void **state)
{
	struct plan_cluster *c = reboot_order();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	static const char *red[] = { "red" };
	struct herr e;
	size_t roll;

	(void)state;
	for (roll = 0; roll < 2; roll++) {
		plan_maint_opts_init(&o);
		o.roll = roll ? PLAN_ROLL_FORWARD : PLAN_ROLL_BACK;
		o.skip_non_redundant = 1;
		p = maint_ok(c, &o);
		/* only h2 has none without a DRBD copy */
		assert_int_equal(p->nbatches, 1);
		assert_int_equal(p->batches[0].nhosts, 1);
		assert_int_equal(p->batches[0].hosts[0], 1);
		assert_int_equal(p->nskipped, 2);
		plan_maintenance_free(p);
		o.skip_non_redundant = 0;
		o.node_tags = red;
		o.nnode_tags = 1;
		p = maint_ok(c, &o);
		assert_int_equal(p->nskipped, 1);	/* h2 */
		assert_int_equal(p->nbatches, 1);	/* no pair in red */
		if (!roll) {
			/* a host left out may not reboot */
			p->batches[0].hosts[0] = 1;
			assert_int_equal(plan_check_maintenance(c, &o, p, &e),
			    -1);
		}
		plan_maintenance_free(p);
	}
	plan_cluster_free(c);
}

/* Which guests move, and the master last. */
static void
test_who_moves(void **state)
{
	struct plan_cluster *c = reboot_order();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	struct herr e;
	size_t roll, k, b;

	(void)state;
	for (roll = 0; roll < 2; roll++) {
		plan_maint_opts_init(&o);
		o.roll = roll ? PLAN_ROLL_FORWARD : PLAN_ROLL_BACK;
		/* guests without a DRBD copy stay and reboot */
		o.ignore_non_redundant = 1;
		o.master_last = 1;
		p = maint_ok(c, &o);
		assert_int_equal(p->nrebooted, 2);
		for (k = 0; k < p->nguests; k++)
			if (c->guests[p->guests[k].guest].secondary ==
			    PLAN_NONE)
				assert_int_equal(p->guests[k].fate,
				    PLAN_FATE_REBOOT);
		/* h1, the master, in the last batch and last in it */
		b = p->nbatches - 1;
		assert_int_equal(p->batches[b].hosts[p->batches[b].nhosts - 1],
		    0);
		if (!roll) {
			/* hroller's answer: h2, then h3 and h1 */
			assert_int_equal(p->nbatches, 2);
			assert_int_equal(p->batches[0].hosts[0], 1);
			assert_int_equal(p->batches[1].nhosts, 2);
		}
		plan_maintenance_free(p);
		/* offline maintenance: nothing moves, every guest reboots */
		o.ignore_non_redundant = 0;
		o.offline_maintenance = 1;
		p = maint_ok(c, &o);
		assert_int_equal(p->nrebooted, c->nguests);
		assert_int_equal(p->nmigrations, 0);
		plan_maintenance_free(p);
	}
	/* the checker: a guest moved that was to stay, the master first */
	plan_maint_opts_init(&o);
	p = maint_ok(c, &o);
	o.ignore_non_redundant = 1;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "cannot migrate"));
	o.ignore_non_redundant = 0;
	o.master_last = 1;
	assert_true(p->nbatches > 1);
	b = batch_index(p, 0);
	if (b != 0) {
		struct plan_batch t = p->batches[0];

		p->batches[0] = p->batches[b];
		p->batches[b] = t;
	}
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	assert_non_null(strstr(e.msg, "after the master"));
	plan_maintenance_free(p);
	plan_cluster_free(c);
}

/*
 * Full evacuation (rolling back): a host that reboots keeps no DRBD
 * copy; its own DRBD guests leave with their disk, not onto their copy.
 */
static void
test_full_evacuation(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	struct herr e;
	char name[16];
	size_t i, k, copies = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		t_host(c, name, 64, 100, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
		    "");
	}
	t_guest(c, "d01", NULL, 1024, 10, 1, 0, 1, 1);
	t_guest(c, "d10", NULL, 1024, 10, 1, 1, 0, 1);
	t_guest(c, "d23", NULL, 1024, 10, 1, 2, 3, 1);
	plan_maint_opts_init(&o);
	o.full_evacuation = 1;
	p = maint_ok(c, &o);
	for (k = 0; k < p->nguests; k++) {
		const struct plan_maint_guest *f = &p->guests[k];
		const struct plan_guest *g = &c->guests[f->guest];

		if (f->secondary) {
			copies++;
			assert_int_equal(g->secondary, f->host);
		} else if (f->fate == PLAN_FATE_MIGRATE)
			assert_int_not_equal(f->target, g->secondary);
	}
	assert_int_equal(copies, 3);
	assert_int_equal(p->ncopy_moves, 6);
	/* the checker: a copy left on a host that reboots */
	for (k = 0; k < p->nguests && !p->guests[k].secondary; k++)
		;
	p->guests[k].secondary = 0;
	assert_int_equal(plan_check_maintenance(c, &o, p, &e), -1);
	plan_maintenance_free(p);
	/* rolling forward: refused, said so */
	o.roll = PLAN_ROLL_FORWARD;
	herr_clear(&e);
	assert_int_equal(plan_maintenance(c, &o, &p, &e), -1);
	assert_int_equal(e.code, HERR_USAGE);
	plan_cluster_free(c);
}

/* A local disk's live migration copies it: its time counts the disk. */
static void
test_disk_copy_time(void **state)
{
	struct plan_cluster *c = plan_cluster_new();
	struct plan_maint_opts o;
	struct plan_maintenance *p;
	int32_t a;
	size_t roll;

	(void)state;
	a = t_host(c, "a", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	t_host(c, "b", 64, 1000, 16, PLAN_DISK_SSD, PLAN_HOST_ACTIVE, "");
	/* 1 GiB of RAM, 99 GiB of plain disk: 100 GiB at 2 s a GiB */
	t_guest(c, "plain", NULL, 1024, 99, 1, a, PLAN_NONE, 1);
	plan_maint_opts_init(&o);
	o.reboot_s = 10;
	for (roll = 0; roll < 2; roll++) {
		o.roll = roll ? PLAN_ROLL_FORWARD : PLAN_ROLL_BACK;
		p = maint_ok(c, &o);
		if (roll) {
			assert_int_equal(p->nmoves, 1);
			assert_true(p->moves[0].end_s - p->moves[0].start_s >
			    199.9);
		} else
			/* there and back, and the reboot */
			assert_true(p->batches[batch_index(p, a)].duration_s >
			    2 * 200 + 10 - 0.1);
		plan_maintenance_free(p);
	}
	plan_cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_groups_forward),
		cmocka_unit_test(test_groups_no_wait),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_free_disk),
		cmocka_unit_test(test_who_reboots),
		cmocka_unit_test(test_who_moves),
		cmocka_unit_test(test_full_evacuation),
		cmocka_unit_test(test_disk_copy_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
