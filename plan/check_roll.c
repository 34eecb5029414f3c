/*
 * The checker of a roll-forward maintenance plan (plan_check_roll()).
 *
 * It shares only the cluster model and the plan with the planner: it
 * keeps its own placement, sums and link counts, and replays the plan in
 * time, in the order of its moves.  A move holds its guest's RAM, vCPUs
 * and (unless it goes to its DRBD secondary) disk on both hosts while it
 * runs: on the target from its start, off the source at its end.  Events
 * at one instant: moves that end, then reboots that end, then moves that
 * start, then reboots that start (a reboot starts only once the moves
 * that have to end before it have ended, even moves of no length).  The
 * first event that breaks a rule fails the check and is named.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

enum { S_UNPATCHED, S_REBOOTING, S_PATCHED };

struct ivec {
	int32_t	*v;
	size_t	 n;
	size_t	 cap;
};

struct rc {
	const struct plan_cluster	*c;
	const struct plan_maint_opts	*o;
	const struct plan_maintenance	*p;
	struct herr	*e;
	size_t		 nlink;
	int32_t		*cur;		/* guest -> primary host */
	int32_t		*sec;		/* guest -> secondary */
	int32_t		*flight;	/* guest -> its move running, or -1 */
	int32_t		*flsec;		/* guest -> secondary as it began */
	uint8_t		*patched_g;	/* guest -> runs patched */
	int32_t		*downb;		/* guest -> batch it went down in */
	int32_t		*nmv;
	const struct plan_maint_guest **row;	/* guest -> its plan row */
	uint8_t		*st;		/* host -> S_* */
	uint8_t		*cyc;		/* host -> the cycle reboots it */
	int64_t		*ram, *disk, *vcpu;
	int64_t		*capr, *capd, *capv;
	size_t		*nsend, *nrecv;
	struct ivec	*on;		/* host -> guests that were on it */
	struct ivec	*secon;		/* host -> guests with a copy there */
	size_t		*cdown;		/* customer -> down, per batch */
	size_t		*cnow;		/* customer -> down now */
	size_t		*chere;		/* customer -> down on one host */
	size_t		*climit;
	size_t		 ndown;
	size_t		 nreb;		/* hosts rebooting now */
};

static double
tol(double x)
{
	return 1e-6 * (1 + fabs(x));
}

static void
ivec_add(struct ivec *v, int32_t x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4;
		v->v = xreallocarray(v->v, v->cap, sizeof(int32_t));
	}
	v->v[v->n++] = x;
}

static const char *
gname(const struct rc *r, int32_t g)
{
	return r->c->guests[g].name;
}

static const char *
hname(const struct rc *r, int32_t h)
{
	return h >= 0 && (size_t)h < r->c->nhosts ? r->c->hosts[h].name : "?";
}

static int
host_over(const struct rc *r, int32_t h, const char *what, double t)
{
	if (r->ram[h] > r->capr[h])
		return herr_set(r->e, HERR_CAPACITY, "%s at %.1f s puts %s "
		    "over capacity: %lld > %lld RAM MiB", what, t, hname(r, h),
		    (long long)r->ram[h], (long long)r->capr[h]);
	if (r->disk[h] > r->capd[h])
		return herr_set(r->e, HERR_CAPACITY, "%s at %.1f s puts %s "
		    "over capacity: %lld > %lld disk MiB", what, t,
		    hname(r, h), (long long)r->disk[h], (long long)r->capd[h]);
	if (r->vcpu[h] > r->capv[h])
		return herr_set(r->e, HERR_CAPACITY, "%s at %.1f s puts %s "
		    "over capacity: %lld > %lld vCPUs", what, t, hname(r, h),
		    (long long)r->vcpu[h], (long long)r->capv[h]);
	return 0;
}

static void
rc_init(struct rc *r, const struct plan_cluster *c,
    const struct plan_maint_opts *o, const struct plan_maintenance *p,
    struct herr *e)
{
	size_t i, nh = c->nhosts + 1, ng = c->nguests + 1;
	int pct = o->max_util_pct > 0 && o->max_util_pct <= 100 ?
	    o->max_util_pct : 100;
	size_t *ncust = xcalloc(c->ncustomers + 1, sizeof(size_t));

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->o = o;
	r->p = p;
	r->e = e;
	r->nlink = o->link_parallel > 0 ? o->link_parallel : 1;
	r->cur = xmalloc(ng * sizeof(int32_t));
	r->sec = xmalloc(ng * sizeof(int32_t));
	r->flight = xmalloc(ng * sizeof(int32_t));
	r->flsec = xmalloc(ng * sizeof(int32_t));
	r->patched_g = xcalloc(ng, 1);
	r->downb = xmalloc(ng * sizeof(int32_t));
	r->nmv = xcalloc(ng, sizeof(int32_t));
	r->row = xcalloc(ng, sizeof(*r->row));
	r->st = xcalloc(nh, 1);
	r->cyc = xcalloc(nh, 1);
	r->ram = xcalloc(nh, sizeof(int64_t));
	r->disk = xcalloc(nh, sizeof(int64_t));
	r->vcpu = xcalloc(nh, sizeof(int64_t));
	r->capr = xcalloc(nh, sizeof(int64_t));
	r->capd = xcalloc(nh, sizeof(int64_t));
	r->capv = xcalloc(nh, sizeof(int64_t));
	r->nsend = xcalloc(nh, sizeof(size_t));
	r->nrecv = xcalloc(nh, sizeof(size_t));
	r->on = xcalloc(nh, sizeof(struct ivec));
	r->secon = xcalloc(nh, sizeof(struct ivec));
	r->cdown = xcalloc(c->ncustomers + 1, sizeof(size_t));
	r->cnow = xcalloc(c->ncustomers + 1, sizeof(size_t));
	r->chere = xcalloc(c->ncustomers + 1, sizeof(size_t));
	r->climit = xcalloc(c->ncustomers + 1, sizeof(size_t));
	plan_check_cycle(c, o, r->cyc);
	for (i = 0; i < c->nhosts; i++) {
		const struct plan_host *ho = &c->hosts[i];
		int64_t ram = ho->ram_mib - ho->reserved_mib;
		int64_t disk = ho->disk_mib - ho->reserved_disk_mib;

		r->capr[i] = (ram > 0 ? ram : 0) * pct / 100;
		r->capd[i] = (disk > 0 ? disk : 0) * pct / 100;
		/* a host the cycle leaves alone is as good as patched */
		if (!r->cyc[i])
			r->st[i] = S_PATCHED;
		r->capv[i] = (int64_t)floor((double)ho->cpus * c->vcpu_ratio +
		    1e-9) * pct / 100;
	}
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];

		r->cur[i] = g->host;
		r->sec[i] = g->secondary;
		r->flight[i] = -1;
		r->downb[i] = PLAN_NONE;
		r->ram[g->host] += g->ram_mib;
		r->disk[g->host] += g->disk_mib;
		r->vcpu[g->host] += g->vcpus;
		ivec_add(&r->on[g->host], (int32_t)i);
		if (g->secondary != PLAN_NONE) {
			r->disk[g->secondary] += g->disk_mib;
			ivec_add(&r->secon[g->secondary], (int32_t)i);
		}
		if (g->owner != PLAN_NONE)
			ncust[g->owner]++;
	}
	for (i = 0; i < c->ncustomers; i++)
		r->climit[i] = plan_customer_limit(ncust[i],
		    o->max_customer_down_pct);
	free(ncust);
}

static void
rc_release(struct rc *r)
{
	size_t i;

	for (i = 0; i < r->c->nhosts; i++) {
		free(r->on[i].v);
		free(r->secon[i].v);
	}
	free(r->cur);
	free(r->sec);
	free(r->flight);
	free(r->flsec);
	free(r->patched_g);
	free(r->downb);
	free(r->nmv);
	free(r->row);
	free(r->st);
	free(r->cyc);
	free(r->ram);
	free(r->disk);
	free(r->vcpu);
	free(r->capr);
	free(r->capd);
	free(r->capv);
	free(r->nsend);
	free(r->nrecv);
	free(r->on);
	free(r->secon);
	free(r->cdown);
	free(r->cnow);
	free(r->chere);
	free(r->climit);
}

/* The batches, the slots and the rows: each what the others say. */
static int
check_layout(struct rc *r)
{
	const struct plan_cluster *c = r->c;
	const struct plan_maintenance *p = r->p;
	uint8_t *seen = xcalloc(c->nhosts + 1, 1);
	size_t b, k, i;
	int rc = -1;

	if (p->slots == NULL || (p->nmoves > 0 && p->moves == NULL)) {
		herr_set(r->e, HERR_INTERNAL, "a forward plan without slots");
		goto out;
	}
	for (b = 0; b < p->nbatches; b++) {
		const struct plan_batch *bt = &p->batches[b];
		double lo = INFINITY, hi = 0;

		if (bt->nhosts == 0 || (r->o->max_parallel > 0 &&
		    bt->nhosts > r->o->max_parallel)) {
			herr_set(r->e, HERR_INTERNAL, "batch %zu has %zu hosts",
			    b + 1, bt->nhosts);
			goto out;
		}
		for (k = 0; k < bt->nhosts; k++) {
			int32_t h = bt->hosts[k];
			const struct plan_host_slot *sl;

			if (h < 0 || (size_t)h >= c->nhosts || seen[h] ||
			    !r->cyc[h] || p->slots[h].batch != (int32_t)b) {
				herr_set(r->e, HERR_INTERNAL, "batch %zu: host "
				    "%s twice, in another slot or not one to "
				    "reboot (retired, offline or left out)",
				    b + 1, hname(r, h));
				goto out;
			}
			seen[h] = 1;
			sl = &p->slots[h];
			if (fabs(sl->reboot_end_s - sl->reboot_start_s -
			    r->o->reboot_s) > tol(sl->reboot_end_s) ||
			    sl->evac_start_s > sl->reboot_start_s +
			    tol(sl->reboot_start_s)) {
				herr_set(r->e, HERR_INTERNAL, "host %s: its "
				    "slot is not a reboot after its moves",
				    hname(r, h));
				goto out;
			}
			if (sl->evac_start_s < lo)
				lo = sl->evac_start_s;
			if (sl->reboot_end_s > hi)
				hi = sl->reboot_end_s;
		}
		if (fabs(bt->start_s - lo) > tol(lo) ||
		    fabs(bt->end_s - hi) > tol(hi) ||
		    fabs(bt->duration_s - (hi - lo)) > tol(hi)) {
			herr_set(r->e, HERR_INTERNAL, "batch %zu: start, end "
			    "or duration differ from its hosts'", b + 1);
			goto out;
		}
		if (bt->first + bt->nguests > p->nguests) {
			herr_set(r->e, HERR_INTERNAL, "batch %zu: bad guest "
			    "range", b + 1);
			goto out;
		}
		for (i = bt->first; i < bt->first + bt->nguests; i++) {
			const struct plan_maint_guest *f = &p->guests[i];

			if (f->guest < 0 || (size_t)f->guest >= c->nguests ||
			    r->row[f->guest] != NULL ||
			    c->guests[f->guest].host != f->host ||
			    p->slots[f->host].batch != (int32_t)b) {
				herr_set(r->e, HERR_INTERNAL, "batch %zu: bad "
				    "row %zu", b + 1, i);
				goto out;
			}
			r->row[f->guest] = f;
		}
	}
	for (i = 0; i < c->nhosts; i++)
		if (!seen[i] && (r->cyc[i] || p->slots[i].batch != PLAN_NONE)) {
			herr_set(r->e, HERR_INTERNAL, "host %s: %s",
			    c->hosts[i].name, r->cyc[i] ? "never reboots" :
			    "not to reboot, but in a slot");
			goto out;
		}
	for (i = 0; i < c->nguests; i++)
		if (r->row[i] == NULL && r->cyc[c->guests[i].host]) {
			herr_set(r->e, HERR_INTERNAL, "%s has no row",
			    gname(r, (int32_t)i));
			goto out;
		}
	rc = 0;
out:
	free(seen);
	return rc;
}

static int
move_start(struct rc *r, size_t i)
{
	const struct plan_maint_move *m = &r->p->moves[i];
	const struct plan_guest *g;
	int32_t gi = m->guest;
	double want;

	if (gi < 0 || (size_t)gi >= r->c->nguests || m->from < 0 ||
	    (size_t)m->from >= r->c->nhosts || m->to < 0 ||
	    (size_t)m->to >= r->c->nhosts)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: bad index",
		    i + 1);
	g = &r->c->guests[gi];
	if (!plan_check_may_move(r->c, r->o, gi) ||
	    plan_guest_choice(r->c, gi) == PLAN_CHOICE_IN_PLACE)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: %s may not "
		    "move", i + 1, g->name);
	if (r->flight[gi] != -1 || r->cur[gi] != m->from)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: %s is not on "
		    "%s at %.1f s", i + 1, g->name, hname(r, m->from),
		    m->start_s);
	if (r->st[m->from] != S_UNPATCHED)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: %s leaves "
		    "%s, which is %s", i + 1, g->name, hname(r, m->from),
		    r->st[m->from] == S_PATCHED ? "patched" : "rebooting");
	if (m->to == m->from || r->st[m->to] == S_REBOOTING ||
	    r->c->hosts[m->to].state != PLAN_HOST_ACTIVE ||
	    r->c->hosts[m->to].offline)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: %s cannot go "
		    "to %s at %.1f s", i + 1, g->name, hname(r, m->to),
		    m->start_s);
	if (r->c->hosts[m->to].group != r->c->hosts[g->host].group)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: %s would "
		    "leave its node group for %s", i + 1, g->name,
		    hname(r, m->to));
	if (m->batch != r->p->slots[m->from].batch &&
	    m->batch != r->p->slots[m->to].batch)
		return herr_set(r->e, HERR_INTERNAL, "move %zu: batch %d is "
		    "neither host's", i + 1, (int)m->batch + 1);
	want = plan_migrate_s(r->o, g, m->to, r->sec[gi]);
	if (m->end_s < m->start_s || fabs(m->end_s - m->start_s - want) >
	    tol(want))
		return herr_set(r->e, HERR_INTERNAL, "move %zu: %s takes "
		    "%.1f s, expected %.1f s", i + 1, g->name,
		    m->end_s - m->start_s, want);
	if (++r->nsend[m->from] > r->nlink || ++r->nrecv[m->to] > r->nlink)
		return herr_set(r->e, HERR_INTERNAL, "move %zu at %.1f s: "
		    "more than %zu migrations at once on the link of %s",
		    i + 1, m->start_s, r->nlink, hname(r,
		    r->nsend[m->from] > r->nlink ? m->from : m->to));
	r->flight[gi] = (int32_t)i;
	r->flsec[gi] = r->sec[gi];
	r->ram[m->to] += g->ram_mib;
	r->vcpu[m->to] += g->vcpus;
	if (m->to != r->sec[gi])
		r->disk[m->to] += g->disk_mib;
	r->nmv[gi]++;
	return host_over(r, m->to, "a move", m->start_s);
}

static void
move_end(struct rc *r, size_t i)
{
	const struct plan_maint_move *m = &r->p->moves[i];
	const struct plan_guest *g = &r->c->guests[m->guest];
	int32_t gi = m->guest;

	r->ram[m->from] -= g->ram_mib;
	r->vcpu[m->from] -= g->vcpus;
	if (m->to == r->flsec[gi]) {
		/* onto its DRBD secondary: the source keeps a copy */
		r->sec[gi] = m->from;
		ivec_add(&r->secon[m->from], gi);
	} else
		r->disk[m->from] -= g->disk_mib;
	r->cur[gi] = m->to;
	r->flight[gi] = -1;
	r->nsend[m->from]--;
	r->nrecv[m->to]--;
	r->patched_g[gi] = r->st[m->to] == S_PATCHED;
	ivec_add(&r->on[m->to], gi);
}

/*
 * Is host x, holding another copy of a guest, down now, or in batch b
 * and not yet patched?  (A copy on a host of the batch that has
 * rebooted already is up.)
 */
static int
copy_in(const struct rc *r, int32_t x, int32_t b)
{
	return x != PLAN_NONE && (r->st[x] == S_REBOOTING ||
	    (r->p->slots[x].batch == b && r->st[x] != S_PATCHED));
}

/*
 * The customers' guests down with host h, now that it reboots: at most
 * a customer's share at once, unless this host alone holds more of them
 * (then nothing else of the customer's may be down, and the plan warns).
 */
static int
customers_down(struct rc *r, int32_t h, int sign)
{
	const struct plan_cluster *c = r->c;
	size_t k;

	for (k = 0; k < r->on[h].n; k++) {
		int32_t g = r->on[h].v[k], ow = c->guests[g].owner;

		if (r->cur[g] == h && r->downb[g] != PLAN_NONE &&
		    ow != PLAN_NONE && !r->row[g]->chosen)
			r->chere[ow]++;
	}
	for (k = 0; k < r->on[h].n; k++) {
		int32_t g = r->on[h].v[k], ow = c->guests[g].owner;
		size_t here;

		if (ow == PLAN_NONE || (here = r->chere[ow]) == 0)
			continue;
		r->chere[ow] = 0;
		if (sign < 0) {
			r->cnow[ow] -= here;
			continue;
		}
		r->cnow[ow] += here;
		if (r->cnow[ow] > r->climit[ow] && (r->cnow[ow] > here ||
		    r->p->nwarnings == 0))
			return herr_set(r->e, HERR_INTERNAL, "%s reboots at "
			    "%.1f s: %zu guests of %s down at once, more than "
			    "%zu", hname(r, h), r->p->slots[h].reboot_start_s,
			    r->cnow[ow], c->customers[ow], r->climit[ow]);
	}
	return 0;
}

static int
reboot_start(struct rc *r, int32_t h)
{
	const struct plan_maint_opts *o = r->o;
	int32_t b = r->p->slots[h].batch;
	double t = r->p->slots[h].reboot_start_s;
	size_t k;

	if (r->st[h] != S_UNPATCHED || r->nsend[h] > 0 || r->nrecv[h] > 0)
		return herr_set(r->e, HERR_INTERNAL, "%s reboots at %.1f s "
		    "with a migration running", hname(r, h), t);
	if (o->max_parallel > 0 && o->reboot_s > 0 &&
	    ++r->nreb > o->max_parallel)
		return herr_set(r->e, HERR_INTERNAL, "%s reboots at %.1f s: "
		    "more than %zu hosts reboot at once", hname(r, h), t,
		    o->max_parallel);
	r->st[h] = S_REBOOTING;
	for (k = 0; k < r->on[h].n; k++) {
		int32_t g = r->on[h].v[k];
		const struct plan_maint_guest *f = r->row[g];

		if (r->cur[g] != h || r->flight[g] != -1 || r->downb[g] != PLAN_NONE)
			continue;
		if (f == NULL || f->fate != PLAN_FATE_REBOOT)
			return herr_set(r->e, HERR_INTERNAL, "%s reboots at "
			    "%.1f s under %s, which was to move", hname(r, h),
			    t, gname(r, g));
		r->downb[g] = b;
		r->ndown++;
		if (r->c->guests[g].owner != PLAN_NONE && !f->chosen)
			r->cdown[r->c->guests[g].owner]++;
	}
	/* DRBD: no other copy of a guest with one here in this batch */
	for (k = 0; k < r->on[h].n + r->secon[h].n; k++) {
		int32_t g = k < r->on[h].n ? r->on[h].v[k] :
		    r->secon[h].v[k - r->on[h].n];
		int32_t fl = r->flight[g];

		if (r->cur[g] != h && r->sec[g] != h)
			continue;
		if ((r->cur[g] != h && copy_in(r, r->cur[g], b)) ||
		    (r->sec[g] != h && copy_in(r, r->sec[g], b)) ||
		    (fl != -1 && copy_in(r, r->p->moves[fl].to, b)))
			return herr_set(r->e, HERR_INTERNAL, "batch %d reboots "
			    "both copies of %s", (int)b + 1, gname(r, g));
	}
	return customers_down(r, h, 1);
}

static void
reboot_end(struct rc *r, int32_t h)
{
	size_t k;

	if (r->o->max_parallel > 0 && r->o->reboot_s > 0)
		r->nreb--;
	(void)customers_down(r, h, -1);
	r->st[h] = S_PATCHED;
	for (k = 0; k < r->on[h].n; k++)
		if (r->cur[r->on[h].v[k]] == h)
			r->patched_g[r->on[h].v[k]] = 1;
}

/* Customers' shares down, batch by batch (after the replay). */
static int
check_customers(struct rc *r)
{
	const struct plan_maintenance *p = r->p;
	size_t b, i;

	memset(r->cdown, 0, r->c->ncustomers * sizeof(size_t));
	for (b = 0; b < p->nbatches; b++) {
		int over = 0;

		for (i = 0; i < r->c->nguests; i++) {
			int32_t ow = r->c->guests[i].owner;

			if (r->downb[i] == (int32_t)b && ow != PLAN_NONE &&
			    !r->row[i]->chosen &&
			    ++r->cdown[ow] > r->climit[ow])
				over = 1;
		}
		if (over && (p->batches[b].nhosts > 1 || p->nwarnings == 0))
			return herr_set(r->e, HERR_INTERNAL, "batch %zu puts "
			    "too many guests of a customer down", b + 1);
		for (i = 0; i < r->c->nguests; i++)
			if (r->c->guests[i].owner != PLAN_NONE)
				r->cdown[r->c->guests[i].owner] = 0;
	}
	return 0;
}

/* The rows and figures against what the replay gave. */
static int
check_end(struct rc *r, double last)
{
	const struct plan_cluster *c = r->c;
	const struct plan_maintenance *p = r->p;
	size_t i, twice = 0, away = 0;

	for (i = 0; i < c->nhosts; i++)
		if (r->cyc[i] && r->st[i] != S_PATCHED)
			return herr_set(r->e, HERR_INTERNAL, "host %s is not "
			    "patched at the end", c->hosts[i].name);
	for (i = 0; i < c->nguests; i++) {
		const struct plan_maint_guest *f = r->row[i];
		int32_t gi = (int32_t)i, ch = plan_guest_choice(c, gi);
		int down = r->downb[i] != PLAN_NONE;

		if (f == NULL)
			continue;
		if (!r->patched_g[i])
			return herr_set(r->e, HERR_INTERNAL, "%s ends on %s, "
			    "not patched under it", gname(r, gi),
			    hname(r, r->cur[i]));
		if (f->end_host != r->cur[i] || f->nmoves != r->nmv[i] ||
		    f->target != (r->cur[i] != f->host ? r->cur[i] :
		    PLAN_NONE) || (f->fate == PLAN_FATE_REBOOT) != down ||
		    fabs(f->downtime_s - (down ? r->o->reboot_s : 0)) > 1e-9)
			return herr_set(r->e, HERR_INTERNAL, "%s: its row "
			    "differs from the replay", gname(r, gi));
		if (down && (f->no_room != (plan_check_may_move(c, r->o, gi) &&
		    ch == PLAN_CHOICE_NONE) || f->chosen != (ch !=
		    PLAN_CHOICE_NONE && plan_check_may_move(c, r->o, gi))))
			return herr_set(r->e, HERR_INTERNAL, "%s: the reason it "
			    "reboots is wrong", gname(r, gi));
		if (ch == PLAN_CHOICE_IN_PLACE && (!down || r->nmv[i] > 0))
			return herr_set(r->e, HERR_INTERNAL, "%s chose to reboot "
			    "in place", gname(r, gi));
		if (ch >= 0 && (size_t)ch < p->nbatches &&
		    plan_check_may_move(c, r->o, gi) && p->nwarnings == 0 &&
		    r->downb[i] != ch)
			return herr_set(r->e, HERR_INTERNAL, "%s chose batch %d, "
			    "goes down in %d", gname(r, gi), (int)ch + 1,
			    (int)r->downb[i] + 1);
		twice += r->nmv[i] > 1;
		away += r->cur[i] != c->guests[i].host;
	}
	if (r->ndown != p->nrebooted || p->nmigrations != p->nmoves ||
	    twice != p->nmoved_twice || away != p->nended_away ||
	    fabs(last - p->total_s) > tol(last))
		return herr_set(r->e, HERR_INTERNAL, "totals differ: %zu down, "
		    "%zu moves, %zu twice, %zu away, %.1f s", r->ndown,
		    p->nmoves, twice, away, last);
	return check_customers(r);
}

/* Reboot events in time order: by start (kind 0) or by end (kind 1). */
struct rev {
	double	t;
	int32_t	h;
};

static int
cmp_rev(const void *a, const void *b)
{
	const struct rev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;
}

/* A min-heap of running moves by end time, then move index. */
struct heap {
	const struct plan_maint_move *mv;
	size_t	*v;
	size_t	 n;
};

static int
hless(const struct heap *hp, size_t a, size_t b)
{
	double x = hp->mv[a].end_s, y = hp->mv[b].end_s;

	return x < y || (x == y && a < b);
}

static void
heap_push(struct heap *hp, size_t x)
{
	size_t i = hp->n++, up;

	hp->v[i] = x;
	while (i > 0 && hless(hp, hp->v[i], hp->v[up = (i - 1) / 2])) {
		size_t t = hp->v[i];

		hp->v[i] = hp->v[up];
		hp->v[up] = t;
		i = up;
	}
}

static size_t
heap_pop(struct heap *hp)
{
	size_t top = hp->v[0], i = 0;

	hp->v[0] = hp->v[--hp->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < hp->n && hless(hp, hp->v[l], hp->v[m]))
			m = l;
		if (r < hp->n && hless(hp, hp->v[r], hp->v[m]))
			m = r;
		if (m == i)
			break;
		t = hp->v[i];
		hp->v[i] = hp->v[m];
		hp->v[m] = t;
		i = m;
	}
	return top;
}

/*
 * Must the reboot of h that starts at t wait for moves that start at t
 * too (the next from move i on)?  A move off h must, and one onto h for
 * a guest that goes down with it: both may take no time at all.
 */
static int
reboot_waits(const struct rc *r, int32_t h, size_t i, double t)
{
	const struct plan_maintenance *p = r->p;

	for (; i < p->nmoves && p->moves[i].start_s == t; i++) {
		const struct plan_maint_move *m = &p->moves[i];
		const struct plan_maint_guest *f = m->guest >= 0 &&
		    (size_t)m->guest < r->c->nguests ? r->row[m->guest] : NULL;

		if (m->from == h || (m->to == h && f != NULL &&
		    f->fate == PLAN_FATE_REBOOT))
			return 1;
	}
	return 0;
}

/*
 * Is a reboot start due by t (before move i, starting at t) that need
 * not wait for a move starting at t?  Of those due at t the first that
 * need not, moved to rs[irs]: one that waits does not hold up another
 * host's at the same instant.
 */
static int
next_start(const struct rc *r, struct rev *rs, size_t irs, size_t n,
    size_t i, double t)
{
	size_t k;

	if (irs >= n || rs[irs].t > t)
		return 0;
	if (rs[irs].t < t)
		return 1;
	for (k = irs; k < n && rs[k].t == t; k++)
		if (!reboot_waits(r, rs[k].h, i, t)) {
			struct rev x = rs[k];

			rs[k] = rs[irs];
			rs[irs] = x;
			return 1;
		}
	return 0;
}

/*
 * The next reboot end due at or before t whose reboot has started: at
 * one instant a reboot of no length ends after it starts.  Moves it to
 * re[*ire]; 0 if there is none.
 */
static int
next_end(const struct rc *r, struct rev *re, size_t ire, size_t n, double t)
{
	size_t k;

	for (k = ire; k < n && re[k].t <= t && re[k].t == re[ire].t; k++)
		if (r->st[re[k].h] == S_REBOOTING) {
			struct rev x = re[k];

			re[k] = re[ire];
			re[ire] = x;
			return 1;
		}
	return 0;
}

/*
 * Everything due before move i starts at t (all of it when i is past
 * the last): moves that end and reboots that end by t, reboots that
 * start by t unless they wait for move i or one starting with it; at
 * one instant, moves end first, then reboots end, then they start.
 */
static int
flush(struct rc *r, struct heap *hp, struct rev *rs, size_t *irs,
    struct rev *re, size_t *ire, size_t n, size_t i, double *last)
{
	double t = i < r->p->nmoves ? r->p->moves[i].start_s : INFINITY;

	for (;;) {
		double tm = hp->n > 0 ? r->p->moves[hp->v[0]].end_s : INFINITY;
		double ts = *irs < n ? rs[*irs].t : INFINITY;
		int end = *ire < n && next_end(r, re, *ire, n, t);
		double te = end ? re[*ire].t : INFINITY;
		int start = next_start(r, rs, *irs, n, i, t);

		if (hp->n > 0 && tm <= t && tm <= te && tm <= ts) {
			size_t k = heap_pop(hp);

			move_end(r, k);
			if (r->p->moves[k].end_s > *last)
				*last = r->p->moves[k].end_s;
		} else if (end && te <= ts) {
			reboot_end(r, re[*ire].h);
			if (te > *last)
				*last = te;
			(*ire)++;
		} else if (start) {
			if (reboot_start(r, rs[*irs].h) == -1)
				return -1;
			(*irs)++;
		} else if (end) {
			reboot_end(r, re[*ire].h);
			if (te > *last)
				*last = te;
			(*ire)++;
		} else if (*ire < n && re[*ire].t <= t && isinf(t))
			return herr_set(r->e, HERR_INTERNAL, "%s ends a reboot "
			    "it did not start", hname(r, re[*ire].h));
		else
			return 0;
	}
}

int
plan_check_roll(const struct plan_cluster *c, const struct plan_maint_opts *o,
    const struct plan_maintenance *p, struct herr *e)
{
	struct rc r;
	struct heap hp;
	struct rev *rs = NULL, *re = NULL;
	size_t i, n = 0, irs = 0, ire = 0;
	double last = 0;
	int rc = -1;

	rc_init(&r, c, o, p, e);
	hp.mv = p->moves;
	hp.v = xmalloc((p->nmoves + 1) * sizeof(size_t));
	hp.n = 0;
	if (p->roll != PLAN_ROLL_FORWARD || check_layout(&r) == -1 ||
	    (o->master_last && plan_check_master_last(c, p, e) == -1))
		goto out;
	rs = xmalloc((c->nhosts + 1) * sizeof(*rs));
	re = xmalloc((c->nhosts + 1) * sizeof(*re));
	for (i = 0; i < c->nhosts; i++)
		if (p->slots[i].batch != PLAN_NONE) {
			rs[n] = (struct rev){ p->slots[i].reboot_start_s,
			    (int32_t)i };
			re[n++] = (struct rev){ p->slots[i].reboot_end_s,
			    (int32_t)i };
		}
	qsort(rs, n, sizeof(*rs), cmp_rev);
	qsort(re, n, sizeof(*re), cmp_rev);
	for (i = 0; i < p->nmoves; i++) {
		if (i > 0 && p->moves[i].start_s < p->moves[i - 1].start_s) {
			herr_set(e, HERR_INTERNAL, "move %zu starts before the "
			    "one listed before it", i + 1);
			goto out;
		}
		if (flush(&r, &hp, rs, &irs, re, &ire, n, i, &last) == -1 ||
		    move_start(&r, i) == -1)
			goto out;
		heap_push(&hp, i);
	}
	if (flush(&r, &hp, rs, &irs, re, &ire, n, p->nmoves, &last) == -1 ||
	    check_end(&r, last) == -1)
		goto out;
	rc = 0;
out:
	free(hp.v);
	free(rs);
	free(re);
	rc_release(&r);
	return rc;
}
