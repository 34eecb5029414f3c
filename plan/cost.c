/*
 * What a maintenance cycle costs, whatever plan it follows: the
 * all-reboot cycle (every guest shut down with its host, no move), the
 * floor (every host sends its guests once, all at once, reboots
 * overlapped), and the notes a plan gives on what would shorten it.
 * Shared by both modes of plan_maintenance() and by the checker.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

double
plan_migrate_s(const struct plan_maint_opts *o, const struct plan_guest *g,
    int32_t to, int32_t sec)
{
	double gib = (double)g->ram_mib / 1024.0;

	if (to != sec)
		gib += (double)g->disk_mib / 1024.0;
	return gib * o->migrate_s_per_gib;
}

double
plan_migrate_min_s(const struct plan_maint_opts *o, const struct plan_guest *g)
{
	/* the cheapest one-way move: onto its DRBD secondary, if it has one */
	return plan_migrate_s(o, g, g->secondary == PLAN_NONE ? -2 :
	    g->secondary, g->secondary);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Each host's one-way evacuation, its guests' cheapest moves over
 * link_parallel slots, sorted: into e (room for nhosts); their number.
 */
static size_t
evac_times(const struct plan_cluster *c, const struct plan_maint_opts *o,
    double *e)
{
	double *sum = xcalloc(c->nhosts + 1, sizeof(double));
	double *big = xcalloc(c->nhosts + 1, sizeof(double));
	uint8_t *cyc = xmalloc(c->nhosts + 1);
	double n = o->link_parallel > 0 ? (double)o->link_parallel : 1;
	size_t i, m = 0;

	plan_maint_cycle(c, o, cyc);
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];
		double d;

		if (!plan_guest_movable(c, o, (int32_t)i))
			continue;
		d = plan_migrate_min_s(o, g);
		sum[g->host] += d;
		if (d > big[g->host])
			big[g->host] = d;
	}
	for (i = 0; i < c->nhosts; i++)
		if (cyc[i])
			e[m++] = sum[i] / n > big[i] ? sum[i] / n : big[i];
	qsort(e, m, sizeof(double), cmp_double);
	free(sum);
	free(big);
	free(cyc);
	return m;
}

/* The floor of m sorted evacuations, at most p reboots at once. */
static double
floor_of(const double *e, size_t m, size_t maxp, double reboot_s)
{
	size_t i, p = maxp > 0 ? maxp : (m > 0 ? m : 1);
	double f = 0;

	/* the hosts that finish sending last, m - i of them, reboot after */
	for (i = 0; i < m; i++) {
		double t = e[i] + (double)((m - i + p - 1) / p) * reboot_s;

		if (t > f)
			f = t;
	}
	return f;
}

double
plan_maint_floor(const struct plan_cluster *c, const struct plan_maint_opts *o)
{
	double *e = xcalloc(c->nhosts + 1, sizeof(double)), f;
	size_t m = evac_times(c, o, e);

	f = floor_of(e, m, o->max_parallel, o->reboot_s);
	free(e);
	return f;
}

/* Host -> the hosts it shares a DRBD guest with (CSR, may repeat). */
static void
partners(const struct plan_cluster *c, int32_t **startp, int32_t **listp)
{
	int32_t *start = xcalloc(c->nhosts + 2, sizeof(int32_t));
	int32_t *list = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	int32_t *fill = xcalloc(c->nhosts + 1, sizeof(int32_t));
	size_t i;

	for (i = 0; i < c->nguests; i++)
		if (c->guests[i].secondary != PLAN_NONE) {
			start[c->guests[i].host + 1]++;
			start[c->guests[i].secondary + 1]++;
		}
	for (i = 0; i < c->nhosts; i++)
		start[i + 1] += start[i];
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];

		if (g->secondary == PLAN_NONE)
			continue;
		list[start[g->host] + fill[g->host]++] = g->secondary;
		list[start[g->secondary] + fill[g->secondary]++] = g->host;
	}
	free(fill);
	*startp = start;
	*listp = list;
}

/*
 * Batches as the planners make them, with every guest down: at most
 * max_parallel hosts, no DRBD pair, no customer over its share unless a
 * host alone puts it over.  Hosts in index order, each batch taking what
 * it can of those left.
 */
double
plan_maint_all_reboot(const struct plan_cluster *c,
    const struct plan_maint_opts *o)
{
	int32_t *pst, *pl, *gst, *gl, *fill, *batch_of, *pend, *took;
	size_t *ncust = xcalloc(c->ncustomers + 1, sizeof(size_t));
	size_t *climit = xcalloc(c->ncustomers + 1, sizeof(size_t));
	size_t *cdown = xcalloc(c->ncustomers + 1, sizeof(size_t));
	uint8_t *cyc = xmalloc(c->nhosts + 1);
	size_t maxp = o->max_parallel > 0 ? o->max_parallel : SIZE_MAX;
	size_t i, npend = 0, nb = 0;
	int32_t k;

	plan_maint_cycle(c, o, cyc);
	partners(c, &pst, &pl);
	gst = xcalloc(c->nhosts + 2, sizeof(int32_t));
	gl = xmalloc((c->nguests + 1) * sizeof(int32_t));
	fill = xcalloc(c->nhosts + 1, sizeof(int32_t));
	batch_of = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	pend = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	took = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	for (i = 0; i < c->nguests; i++) {
		gst[c->guests[i].host + 1]++;
		if (c->guests[i].owner != PLAN_NONE)
			ncust[c->guests[i].owner]++;
	}
	for (i = 0; i < c->nhosts; i++)
		gst[i + 1] += gst[i];
	for (i = 0; i < c->nguests; i++)
		gl[gst[c->guests[i].host] + fill[c->guests[i].host]++] =
		    (int32_t)i;
	for (i = 0; i < c->ncustomers; i++)
		climit[i] = plan_customer_limit(ncust[i],
		    o->max_customer_down_pct);
	for (i = 0; i < c->nhosts; i++) {
		batch_of[i] = PLAN_NONE;
		if (cyc[i])
			pend[npend++] = (int32_t)i;
	}
	while (npend > 0) {
		size_t n = npend, taken = 0, j;

		npend = 0;
		for (j = 0; j < n; j++) {
			int32_t h = pend[j];
			int ok = taken < maxp, over = 0;

			for (k = pst[h]; ok && k < pst[h + 1]; k++)
				ok = batch_of[pl[k]] != (int32_t)nb;
			for (k = gst[h]; ok && k < gst[h + 1]; k++) {
				int32_t ow = c->guests[gl[k]].owner;

				if (ow != PLAN_NONE)
					over |= ++cdown[ow] > climit[ow];
			}
			if (ok && over && taken > 0) {
				for (k = gst[h]; k < gst[h + 1]; k++)
					if (c->guests[gl[k]].owner != PLAN_NONE)
						cdown[c->guests[gl[k]].owner]--;
				ok = 0;
			}
			if (!ok) {
				pend[npend++] = h;
				continue;
			}
			batch_of[h] = (int32_t)nb;
			took[taken++] = h;
		}
		/* counts back to 0: all that was counted is of these hosts */
		for (j = 0; j < taken; j++)
			for (k = gst[took[j]]; k < gst[took[j] + 1]; k++)
				if (c->guests[gl[k]].owner != PLAN_NONE)
					cdown[c->guests[gl[k]].owner] = 0;
		nb++;
	}
	free(pst);
	free(pl);
	free(gst);
	free(gl);
	free(fill);
	free(batch_of);
	free(pend);
	free(took);
	free(ncust);
	free(climit);
	free(cdown);
	free(cyc);
	return (double)nb * o->reboot_s;
}

static void
note(struct plan_maintenance *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct plan_maintenance *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	p->notes = xreallocarray(p->notes, p->nnotes + 1, sizeof(char *));
	p->notes[p->nnotes++] = s;
}

/* The biggest active host (RAM it offers): what "a spare" looks like. */
static int32_t
biggest_host(const struct plan_cluster *c)
{
	int32_t b = PLAN_NONE;
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (plan_host_target(&c->hosts[i]) && (b == PLAN_NONE ||
		    plan_host_ram_cap(&c->hosts[i]) >
		    plan_host_ram_cap(&c->hosts[b])))
			b = (int32_t)i;
	return b;
}

void
plan_maint_cost(const struct plan_cluster *c, const struct plan_maint_opts *o,
    struct plan_maintenance *p)
{
	double *e = xcalloc(c->nhosts + 1, sizeof(double));
	int32_t big = biggest_host(c);
	size_t m = evac_times(c, o, e);

	p->all_reboot_s = plan_maint_all_reboot(c, o);
	p->floor_s = floor_of(e, m, o->max_parallel, o->reboot_s);
	if (p->roll == PLAN_ROLL_BACK && p->nmigrations > 0)
		note(p, "every guest that migrates moves twice (out and back): "
		    "--roll forward moves each once where there is room");
	if (p->roll == PLAN_ROLL_FORWARD && p->nmoved_twice > 0) {
		int64_t cap = big != PLAN_NONE ?
		    plan_host_ram_cap(&c->hosts[big]) : 0;

		long long k = cap > 0 ? (long long)((p->seed_ram_mib + cap -
		    1) / cap) : 0;

		note(p, "%zu guest%s twice to start the roll: spare room "
		    "of %lld MiB RAM and %lld MiB disk on empty hosts (%lld "
		    "host%s like %s) would let every guest move once",
		    p->nmoved_twice, p->nmoved_twice == 1 ? " moves" :
		    "s move", (long long)p->seed_ram_mib,
		    (long long)p->seed_disk_mib, k, k == 1 ? "" : "s",
		    big != PLAN_NONE ? c->hosts[big].name : "-");
	}
	if (p->roll == PLAN_ROLL_FORWARD && p->total_s > 1.3 * p->floor_s &&
	    big != PLAN_NONE)
		note(p, "the roll waits for room on patched hosts: each spare "
		    "host like %s gives it %lld MiB of RAM more", c->hosts[big].name,
		    (long long)plan_host_ram_cap(&c->hosts[big]));
	if (o->max_parallel > 0 && o->max_parallel < m)
		note(p, "--max-parallel %zu: with %zu hosts at once (a wider "
		    "window) the floor is %.0f s", o->max_parallel,
		    2 * o->max_parallel, floor_of(e, m, 2 * o->max_parallel,
		    o->reboot_s));
	free(e);
}
