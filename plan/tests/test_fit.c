/*
 * The fit tree against a plain scan: for random free capacities, sets,
 * exclusions and needs, and for guests of a few sizes placed one after
 * another (what the tree remembers between searches), plan_fit_first()
 * must name the first host in the order with room, plan_fit_first_in()
 * the first in a range of it (a node group's: three ranges or the
 * whole, in turn, as a planner's guests of several groups ask), and
 * plan_fit_restore() must bring back what plan_fit_save() kept, in a
 * plan_fit_copy() too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "plan/plan_int.h"
#include "plan/tests/helpers.h"

struct model {
	size_t		 nhosts;
	int32_t		*order;
	size_t		 norder;
	struct plan_load *fr;
	uint8_t		*gone;	/* set with NULL */
};

/* The first host in order[lo, hi) with room, as the tree promises it. */
static int32_t
scan_in(const struct model *md, const struct plan_load *need, int32_t ex1,
    int32_t ex2, size_t lo, size_t hi)
{
	size_t i;

	for (i = lo; i < hi && i < md->norder; i++) {
		int32_t h = md->order[i];
		const struct plan_load *f = &md->fr[h];

		if (md->gone[h] || h == ex1 || h == ex2)
			continue;
		if (f->ram >= need->ram && f->disk >= need->disk &&
		    f->vcpu >= need->vcpu)
			return h;
	}
	return PLAN_NONE;
}

static int32_t
scan(const struct model *md, const struct plan_load *need, int32_t ex1,
    int32_t ex2)
{
	return scan_in(md, need, ex1, ex2, 0, md->norder);
}

/* A search by the tree and by the scan: the whole order, or one of
 * three ranges of it. */
static int32_t
first_both(struct plan_fit *fit, const struct model *md,
    const struct plan_load *need, int32_t ex1, int32_t ex2, uint32_t *rs)
{
	uint32_t r = t_rand(rs) % 4;
	size_t lo = md->norder * r / 3, hi = md->norder * (r + 1) / 3;
	int32_t h;

	if (r == 3) {
		h = plan_fit_first(fit, need, ex1, ex2);
		assert_int_equal(h, scan(md, need, ex1, ex2));
		return h;
	}
	h = plan_fit_first_in(fit, need, ex1, ex2, lo, hi);
	assert_int_equal(h, scan_in(md, need, ex1, ex2, lo, hi));
	return h;
}

static void
random_set(struct plan_fit *fit, struct model *md, uint32_t *rs)
{
	int32_t h = (int32_t)(t_rand(rs) % md->nhosts);

	if (t_rand(rs) % 8 == 0) {
		md->gone[h] = 1;
		plan_fit_set(fit, h, NULL);
		return;
	}
	md->gone[h] = 0;
	md->fr[h].ram = (int64_t)(t_rand(rs) % 64) - 8;
	md->fr[h].disk = (int64_t)(t_rand(rs) % 64) - 8;
	md->fr[h].vcpu = (int64_t)(t_rand(rs) % 16) - 2;
	plan_fit_set(fit, h, &md->fr[h]);
}

/* Guests come in a few sizes: the tree remembers searches per size. */
static const struct plan_load sizes[] = {
	{ 4, 4, 1, 1 }, { 8, 16, 2, 1 }, { 16, 8, 4, 1 }, { 2, 30, 1, 1 }
};

static void
random_need(struct plan_load *need, uint32_t *rs)
{
	if (t_rand(rs) % 2 == 0) {
		*need = sizes[t_rand(rs) % 4];
		return;
	}
	need->ram = t_rand(rs) % 60;
	need->disk = t_rand(rs) % 60;
	need->vcpu = t_rand(rs) % 14;
	need->nguests = 1;
}

static void
queries(struct plan_fit *fit, const struct model *md, uint32_t *rs, int n)
{
	struct plan_load need;
	int32_t ex1, ex2;

	while (n-- > 0) {
		random_need(&need, rs);
		ex1 = t_rand(rs) % 3 == 0 ? PLAN_NONE :
		    (int32_t)(t_rand(rs) % md->nhosts);
		ex2 = t_rand(rs) % 2 == 0 ? PLAN_NONE :
		    scan(md, &need, PLAN_NONE, PLAN_NONE);
		(void)first_both(fit, md, &need, ex1, ex2, rs);
	}
}

/*
 * Places guests of the few sizes one after another where the tree says,
 * as the planners do (room only shrinks), now and then giving a host
 * room back; every answer checked against the scan.
 */
static void
fill(struct plan_fit *fit, struct model *md, uint32_t *rs, int n)
{
	struct plan_load need;
	int32_t h, ex;

	while (n-- > 0) {
		if (t_rand(rs) % 16 == 0) {
			random_set(fit, md, rs);
			continue;
		}
		need = sizes[t_rand(rs) % 4];
		ex = t_rand(rs) % 4 == 0 ? (int32_t)(t_rand(rs) %
		    md->nhosts) : PLAN_NONE;
		h = first_both(fit, md, &need, ex, PLAN_NONE, rs);
		if (h == PLAN_NONE)
			continue;
		md->fr[h].ram -= need.ram;
		md->fr[h].disk -= need.disk;
		md->fr[h].vcpu -= need.vcpu;
		plan_fit_set(fit, h, &md->fr[h]);
	}
}

static void
one(size_t nhosts, uint32_t seed)
{
	struct model md, kept;
	struct plan_fit *fit;
	uint32_t rs = seed;
	size_t i, j;
	int32_t t;

	md.nhosts = nhosts;
	md.order = calloc(nhosts, sizeof(int32_t));
	md.fr = calloc(nhosts, sizeof(*md.fr));
	md.gone = calloc(nhosts, 1);
	kept.fr = calloc(nhosts, sizeof(*kept.fr));
	kept.gone = calloc(nhosts, 1);
	assert_non_null(md.order);
	/* a shuffled order that leaves some hosts out */
	for (i = 0; i < nhosts; i++)
		md.order[i] = (int32_t)i;
	for (i = nhosts; i > 1; i--) {
		j = t_rand(&rs) % i;
		t = md.order[i - 1];
		md.order[i - 1] = md.order[j];
		md.order[j] = t;
	}
	md.norder = nhosts - nhosts / 5;
	for (i = 0; i < nhosts; i++)
		md.gone[i] = 1;		/* nothing set yet: nothing fits */
	fit = plan_fit_new(nhosts, md.order, md.norder);
	for (i = 0; i < 3 * nhosts; i++)
		random_set(fit, &md, &rs);
	queries(fit, &md, &rs, 200);
	fill(fit, &md, &rs, 4 * (int)nhosts);
	plan_fit_save(fit);
	memcpy(kept.fr, md.fr, nhosts * sizeof(*md.fr));
	memcpy(kept.gone, md.gone, nhosts);
	for (j = 0; j < 4; j++) {
		for (i = 0; i < 1 + t_rand(&rs) % (2 * nhosts); i++)
			random_set(fit, &md, &rs);
		queries(fit, &md, &rs, 100);
		fill(fit, &md, &rs, 4 * (int)nhosts);
		if (j % 2 == 1) {
			/* a copy goes on as the tree would, saved state too */
			struct plan_fit *cp = plan_fit_copy(fit);

			plan_fit_free(fit);
			fit = cp;
			queries(fit, &md, &rs, 100);
		}
		plan_fit_restore(fit);
		memcpy(md.fr, kept.fr, nhosts * sizeof(*md.fr));
		memcpy(md.gone, kept.gone, nhosts);
		queries(fit, &md, &rs, 200);
	}
	plan_fit_free(fit);
	free(md.order);
	free(md.fr);
	free(md.gone);
	free(kept.fr);
	free(kept.gone);
}

static void
test_fit_vs_scan(void **state)
{
	static const size_t nhosts[] = { 1, 2, 7, 8, 9, 63, 64, 65, 300, 600 };
	size_t i;
	uint32_t seed;

	(void)state;
	for (i = 0; i < sizeof(nhosts) / sizeof(nhosts[0]); i++)
		for (seed = 1; seed <= 20; seed++)
			one(nhosts[i], seed * 7919u + (uint32_t)i);
}

/* No host in the order: nothing ever fits, restore is harmless. */
static void
test_fit_empty(void **state)
{
	struct plan_load need = { 0, 0, 0, 1 }, fr = { 10, 10, 10, 0 };
	struct plan_fit *fit = plan_fit_new(3, NULL, 0);

	(void)state;
	plan_fit_set(fit, 1, &fr);
	assert_int_equal(plan_fit_first(fit, &need, PLAN_NONE, PLAN_NONE),
	    PLAN_NONE);
	plan_fit_restore(fit);
	plan_fit_save(fit);
	plan_fit_restore(fit);
	assert_int_equal(plan_fit_first(fit, &need, PLAN_NONE, PLAN_NONE),
	    PLAN_NONE);
	plan_fit_free(fit);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_vs_scan),
		cmocka_unit_test(test_fit_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
