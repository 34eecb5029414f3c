/*
 * The roll-forward maintenance planner (PLAN_ROLL_FORWARD), one build:
 * a guest leaves its host once, for a host already patched, and stays.
 *
 * Batches are made one after another from the hosts left, those with
 * the least to send first.  A host joins a batch when the batch has room
 * (--max-parallel), no DRBD guest would have its other copy in the batch,
 * no customer goes over its share down, it has received no guest in this
 * batch, and every guest of it that may move finds room on a patched
 * host: its DRBD secondary, else the host it is filling, else the first
 * patched host with room in candidate order (about the order they were
 * patched in), passing over up to NSKIP whose receiving link is busy
 * until after the sender could send.  What fits nowhere makes the host
 * wait for a later batch (64 such hosts in a row end the batch's search).
 *
 * No host is patched at the start: the roll starts with hosts that have
 * nothing to move (empty spares), or else with seed batches, whose guests
 * go to hosts not yet patched (the hosts whose turn comes last) and move
 * a second time when those hosts go.  A batch no host could join takes
 * its first host anyway, as a seed: what fits nowhere reboots with it.
 * Seed batches make room two or three batches deep, so that the next
 * batch can evacuate while this one reboots; roll_pick.c chooses how
 * many.
 *
 * A node group is a migration domain: a guest only goes to hosts of its
 * host's group, each group a range of the trees (plan_fit_first_in()),
 * and each group seeds its own start: a host is in seed mode while its
 * group has had fewer batches than the build's seeds, and a batch no
 * host of a group could join takes its group's first as a seed.  Hosts
 * the cycle leaves alone (--node-tags, --skip-non-redundant) count as
 * patched from the start.
 *
 * Moves are scheduled as a host joins (host_schedule()): by when each
 * could start, each as soon as its sender and its target have a free
 * link slot, its target is patched and its guest has arrived.  A batch's
 * reboots are placed when it closes (close_batch()), the host ready
 * first first: after its moves, in a free reboot slot (--max-parallel of
 * them), after any host with another copy of one of its DRBD guests has
 * rebooted, within each customer's share down at once.  Loads on patched
 * hosts only grow, and a host not yet patched only receives what it
 * later sends on or reboots with, so room planned is room at every
 * moment.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"
#include "plan/roll_int.h"

/* ---- one build ---- */

static void
rwarn(struct roll *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rwarn(struct roll *r, const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	if (vasprintf(&t, fmt, ap) == -1)
		abort();
	va_end(ap);
	r->warn = xreallocarray(r->warn, r->nwarn + 1, sizeof(char *));
	r->warn[r->nwarn++] = t;
}

/* Puts host h into the tree it belongs in now, with its free room. */
static void
refresh(struct roll *r, int32_t h)
{
	struct plan_load fr;
	int want = IN_NONE;

	r->stale[h] = 0;
	if (r->s->active[h]) {
		if (r->hst[h] == H_PATCHED)
			want = IN_PAT;
		else if (r->hst[h] == H_UNPATCHED)
			want = IN_SEED;
	}
	if (r->intree[h] != want && r->intree[h] != IN_NONE)
		plan_fit_set(r->intree[h] == IN_PAT ? r->tpat : r->tseed, h,
		    NULL);
	r->intree[h] = (uint8_t)want;
	if (want == IN_NONE)
		return;
	fr.ram = r->s->cap[h].ram - r->ld[h].ram;
	fr.disk = r->s->cap[h].disk - r->ld[h].disk;
	fr.vcpu = r->s->cap[h].vcpu - r->ld[h].vcpu;
	fr.nguests = 0;
	plan_fit_set(want == IN_PAT ? r->tpat : r->tseed, h, &fr);
}

void
roll_init(struct roll *r, const struct rshared *s, int nseed)
{
	const struct plan_cluster *c = s->c;
	size_t i, nh = c->nhosts + 1, ng = c->nguests + 1;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->c = c;
	r->nseed = nseed;
	r->ld = xreallocarray(NULL, nh, sizeof(*r->ld));
	memcpy(r->ld, s->ld0, nh * sizeof(*r->ld));
	r->hst = xcalloc(nh, 1);
	r->intree = xcalloc(nh, 1);
	r->stale = xcalloc(nh, 1);
	r->used = xcalloc(nh, 1);
	r->cur = xmalloc(ng * sizeof(int32_t));
	r->csec = xmalloc(ng * sizeof(int32_t));
	r->bfrom = xmalloc(ng * sizeof(int32_t));
	r->bmark = xmalloc(ng * sizeof(int32_t));
	r->nmv = xcalloc(ng, sizeof(int32_t));
	r->ready = xcalloc(ng, sizeof(double));
	r->wantr = xcalloc(nh, sizeof(int64_t));
	r->isdown = xcalloc(ng, 1);
	for (i = 0; i < c->nguests; i++) {
		r->cur[i] = c->guests[i].host;
		r->csec[i] = c->guests[i].secondary;
		r->bmark[i] = -1;
		if (s->movable[i])
			r->wantr[c->guests[i].host] += c->guests[i].ram_mib;
	}
	r->patched_free = xcalloc(s->ngroups + 1, sizeof(int64_t));
	r->gbatches = xcalloc(s->ngroups + 1, sizeof(size_t));
	r->gtaken = xcalloc(s->ngroups + 1, sizeof(size_t));
	r->gfail = xcalloc(s->ngroups + 1, sizeof(size_t));
	r->arr = xcalloc(nh, sizeof(int32_t *));
	r->narr = xcalloc(nh, sizeof(size_t));
	r->carr = xcalloc(nh, sizeof(size_t));
	r->cdown = xcalloc(c->ncustomers + 1, sizeof(size_t));
	r->usedl = xmalloc(nh * sizeof(int32_t));
	r->cmv = c->nguests + c->nguests / 8 + 64;	/* moves, usually */
	r->mv = xreallocarray(NULL, r->cmv, sizeof(*r->mv));
	r->part = xmalloc(ng * sizeof(int32_t));
	r->civ = xcalloc(c->ncustomers + 1, sizeof(*r->civ));
	r->nciv = xcalloc(c->ncustomers + 1, sizeof(size_t));
	r->cciv = xcalloc(c->ncustomers + 1, sizeof(size_t));
	if (s->o->max_parallel > 0 && s->o->max_parallel < s->ncand) {
		r->nrslot = s->o->max_parallel;
		r->rslot = xcalloc(r->nrslot, sizeof(double));
	}
	r->bhost = xmalloc(nh * sizeof(int32_t));
	r->bstart = xcalloc(nh + 1, sizeof(size_t));
	r->sendf = xcalloc(nh * s->nlink, sizeof(double));
	r->recvf = xcalloc(nh * s->nlink, sizeof(double));
	r->rs = xcalloc(nh, sizeof(double));
	r->re = xcalloc(nh, sizeof(double));
	r->es = xcalloc(nh, sizeof(double));
	for (i = 0; i < c->nhosts; i++) {
		if (s->cyc[i])
			continue;
		/* left alone by the cycle: a target from the start if any */
		r->hst[i] = s->active[i] ? H_PATCHED : H_SKIP;
		if (s->active[i])
			r->patched_free[c->hosts[i].group] += s->cap[i].ram -
			    r->ld[i].ram;
	}
	r->tpat = plan_fit_new(c->nhosts, s->pat_order, s->npat);
	r->tseed = plan_fit_new(c->nhosts, s->seed_order, s->nseedt);
	for (i = 0; i < c->nhosts; i++)
		refresh(r, (int32_t)i);
}

static size_t
c_ncust(const struct roll *r)
{
	return r->c->ncustomers;
}

void
roll_release(struct roll *r)
{
	size_t i;

	free(r->ld);
	free(r->hst);
	free(r->intree);
	free(r->stale);
	free(r->used);
	free(r->cur);
	free(r->csec);
	free(r->bfrom);
	free(r->bmark);
	free(r->nmv);
	free(r->ready);
	free(r->wantr);
	free(r->isdown);
	for (i = 0; i < r->c->nhosts; i++)
		free(r->arr[i]);
	free(r->arr);
	free(r->narr);
	free(r->carr);
	free(r->cdown);
	free(r->mv);
	free(r->dn);
	free(r->ul);
	free(r->usedl);
	free(r->part);
	for (i = 0; i < c_ncust(r); i++)
		free(r->civ[i]);
	free(r->civ);
	free(r->nciv);
	free(r->cciv);
	free(r->rslot);
	free(r->bhost);
	free(r->bstart);
	free(r->sendf);
	free(r->recvf);
	free(r->rs);
	free(r->re);
	free(r->es);
	free(r->patched_free);
	free(r->gbatches);
	free(r->gtaken);
	free(r->gfail);
	for (i = 0; i < r->nwarn; i++)
		free(r->warn[i]);
	free(r->warn);
	plan_fit_free(r->tpat);
	plan_fit_free(r->tseed);
}

/* The guests on host h now: its own that are still there, then arrivals. */
struct hguests {
	const struct roll	*r;
	int32_t			 h;
	int32_t			 k;	/* in plist, then pstart[h+1] + arrival */
};

static int32_t
hg_next(struct hguests *it)
{
	const struct roll *r = it->r;
	const struct rshared *s = r->s;
	int32_t h = it->h, g, end = s->pstart[h + 1];

	while (it->k < end) {
		g = s->plist[it->k++];
		if (r->cur[g] == h)
			return g;
	}
	while ((size_t)(it->k - end) < r->narr[h]) {
		g = r->arr[h][it->k++ - end];
		if (r->cur[g] == h)
			return g;
	}
	return PLAN_NONE;
}

static void
hg_init(struct hguests *it, const struct roll *r, int32_t h)
{
	it->r = r;
	it->h = h;
	it->k = r->s->pstart[h];
}

static int
inbatch(const struct roll *r, int32_t h)
{
	return h != PLAN_NONE && r->hst[h] == H_INBATCH;
}

/* Would host h put both copies of a DRBD guest into this batch? */
static int
drbd_conflict(const struct roll *r, int32_t h, int32_t nb)
{
	const struct rshared *s = r->s;
	struct hguests it;
	int32_t g, k;

	hg_init(&it, r, h);
	while ((g = hg_next(&it)) != PLAN_NONE)
		if (inbatch(r, r->csec[g]))
			return 1;
	for (k = s->sstart[h]; k < s->sstart[h + 1]; k++) {
		g = s->slist[k];
		if (r->csec[g] != h)
			continue;
		/* where it is, and where it was when this batch began */
		if (inbatch(r, r->cur[g]) ||
		    (r->bmark[g] == nb && inbatch(r, r->bfrom[g])))
			return 1;
	}
	return 0;
}

/* May guest g go to host t in this mode?  (Not whether it fits.) */
static int
eligible(const struct roll *r, int32_t t, int mode)
{
	if (!r->s->active[t])
		return 0;
	if (r->hst[t] == H_PATCHED)
		return 1;
	return mode != MODE_NORMAL && r->hst[t] == H_UNPATCHED;
}

static int
fits_on(const struct roll *r, int32_t t, const struct plan_load *need)
{
	const struct plan_load *cap = &r->s->cap[t], *ld = &r->ld[t];

	return ld->ram + need->ram <= cap->ram &&
	    ld->disk + need->disk <= cap->disk &&
	    ld->vcpu + need->vcpu <= cap->vcpu;
}

static void
use(struct roll *r, int32_t t)
{
	if (r->used[t])
		return;
	r->used[t] = 1;
	r->usedl[r->nused++] = t;
}

/*
 * A target for guest g leaving h: its DRBD secondary, the host h is
 * filling, the trees (mode's order), then targets other hosts of this
 * batch fill.  PLAN_NONE if none has room.
 */
static double
avail(const struct roll *r, int32_t t)
{
	return r->hst[t] == H_PATCHED ? r->re[t] : 0;
}

static double
dmax(double a, double b)
{
	return a > b ? a : b;
}

/* When host t can start to receive: patched, a link slot free. */
static double
recv_at(const struct roll *r, int32_t t)
{
	size_t n = r->s->nlink, k;
	double v = r->recvf[(size_t)t * n];

	for (k = 1; k < n; k++)
		if (r->recvf[(size_t)t * n + k] < v)
			v = r->recvf[(size_t)t * n + k];
	return dmax(v, avail(r, t));
}

/*
 * The first host of tree f with room for need, passing over up to NSKIP
 * that could not receive by `when` (their link busy with others, or not
 * yet patched): the first that can, else the soonest of those seen.
 */
static int32_t
tree_pick(struct roll *r, struct plan_fit *f, const size_t *gr,
    const struct plan_load *need, int32_t sec, double when)
{
	int32_t ex[NSKIP + 1], t, late = PLAN_NONE;
	double at, lat = INFINITY;
	size_t nex = 0, nskip = sec == PLAN_NONE ? NSKIP : NSKIP - 1;

	if (sec != PLAN_NONE)
		ex[nex++] = sec;
	for (;;) {
		t = plan_fit_first_in(f, need, nex > 0 ? ex[0] : PLAN_NONE,
		    nex > 1 ? ex[1] : PLAN_NONE, gr[0], gr[1]);
		if (t == PLAN_NONE)
			break;
		if (r->stale[t]) {
			/* its room went down since: the tree knows it now */
			refresh(r, t);
			continue;
		}
		if ((at = recv_at(r, t)) <= when)
			break;
		if (at < lat) {
			lat = at;
			late = t;
		}
		if (nskip-- == 0) {
			t = PLAN_NONE;
			break;
		}
		ex[nex++] = t;
	}
	return t != PLAN_NONE ? t : late;
}

static int32_t
place(struct roll *r, int32_t g, int mode, int32_t *held, double when)
{
	const struct plan_guest *gg = &r->c->guests[g];
	struct plan_load need = { gg->ram_mib, gg->disk_mib, gg->vcpus, 1 };
	struct plan_fit *first, *second;
	int32_t sec = r->csec[g], t, grp = r->c->hosts[gg->host].group;
	const size_t *fr, *sr;

	if (sec != PLAN_NONE && eligible(r, sec, mode) && !inbatch(r, sec) &&
	    r->c->hosts[sec].group == grp) {
		struct plan_load ram = { gg->ram_mib, 0, gg->vcpus, 1 };

		if (fits_on(r, sec, &ram))
			return sec;
	}
	if (*held != PLAN_NONE && *held != sec && eligible(r, *held, mode) &&
	    fits_on(r, *held, &need))
		return *held;
	/* a seed host does not wait for patched hosts: it would hold its
	 * batch up; a forced one takes what there is */
	first = mode == MODE_SEED ? r->tseed : r->tpat;
	fr = mode == MODE_SEED ? &r->s->gseed[grp] : &r->s->gpat[grp];
	second = mode == MODE_FORCED ? r->tseed : NULL;
	sr = &r->s->gseed[grp];
	when += plan_migrate_s(r->s->o, gg, PLAN_NONE - 1, sec);
	t = tree_pick(r, first, fr, &need, sec, when);
	if (t == PLAN_NONE && second != NULL)
		t = tree_pick(r, second, sr, &need, sec, when);
	if (t != PLAN_NONE)
		*held = t;
	return t;
}

static void
push_move(struct roll *r, int32_t g, int32_t from, int32_t to, int into)
{
	if (r->nmv_all == r->cmv) {
		r->cmv = r->cmv ? r->cmv * 2 : 256;
		r->mv = xreallocarray(r->mv, r->cmv, sizeof(*r->mv));
	}
	r->mv[r->nmv_all++] = (struct rmove){ g, from, to, (int32_t)r->nb,
	    r->csec[g], into, 0, 0, 0 };
}

/* Moves g from `from` to `to` in the model (loads, copies, lists). */
static void
apply_move(struct roll *r, int32_t g, int32_t from, int32_t to)
{
	const struct plan_guest *gg = &r->c->guests[g];
	int swap = to == r->csec[g];

	r->ld[to].ram += gg->ram_mib;
	r->ld[to].vcpu += gg->vcpus;
	r->ld[from].ram -= gg->ram_mib;
	r->ld[from].vcpu -= gg->vcpus;
	if (!swap) {
		r->ld[to].disk += gg->disk_mib;
		r->ld[from].disk -= gg->disk_mib;
	}
	if (r->hst[to] == H_PATCHED && r->s->active[to])
		r->patched_free[r->c->hosts[to].group] -= gg->ram_mib;
	if (r->s->movable[g]) {
		r->wantr[from] -= gg->ram_mib;
		if (r->hst[to] == H_UNPATCHED)
			r->wantr[to] += gg->ram_mib;
	}
	if (swap)
		r->csec[g] = from;
	r->cur[g] = to;
	r->bfrom[g] = from;
	r->bmark[g] = (int32_t)r->nb;
	if (r->hst[to] == H_UNPATCHED) {
		if (r->narr[to] == r->carr[to]) {
			r->carr[to] = r->carr[to] ? r->carr[to] * 2 : 4;
			r->arr[to] = xreallocarray(r->arr[to], r->carr[to],
			    sizeof(int32_t));
		}
		r->arr[to][r->narr[to]++] = g;
	}
	/* a target filled for a host is out of the trees until the batch
	 * closes; a DRBD secondary or a host a guest leaves may be in one */
	/* the target has less room: the tree is told when it finds it; the
	 * source (a host not patched yet, for a chosen batch) has more */
	r->stale[to] = r->intree[to] != IN_NONE;
	if (r->intree[from] != IN_NONE)
		refresh(r, from);
	use(r, to);
}

/* Undoes the last move of the list (apply_move() in reverse). */
static void
undo_move(struct roll *r, const struct rmove *m)
{
	const struct plan_guest *gg = &r->c->guests[m->guest];
	int swap = m->to == m->sec;

	r->ld[m->to].ram -= gg->ram_mib;
	r->ld[m->to].vcpu -= gg->vcpus;
	r->ld[m->from].ram += gg->ram_mib;
	r->ld[m->from].vcpu += gg->vcpus;
	if (!swap) {
		r->ld[m->to].disk -= gg->disk_mib;
		r->ld[m->from].disk += gg->disk_mib;
	}
	if (r->hst[m->to] == H_PATCHED && r->s->active[m->to])
		r->patched_free[r->c->hosts[m->to].group] += gg->ram_mib;
	if (r->s->movable[m->guest]) {
		r->wantr[m->from] += gg->ram_mib;
		if (r->hst[m->to] == H_UNPATCHED)
			r->wantr[m->to] -= gg->ram_mib;
	}
	r->csec[m->guest] = m->sec;
	r->cur[m->guest] = m->from;
	r->bmark[m->guest] = -1;
	if (r->hst[m->to] == H_UNPATCHED)
		r->narr[m->to]--;
	refresh(r, m->to);
	refresh(r, m->from);
}

static void
push_down(struct roll *r, int32_t g, int32_t h, int why)
{
	if (r->ndn == r->cdn) {
		r->cdn = r->cdn ? r->cdn * 2 : 64;
		r->dn = xreallocarray(r->dn, r->cdn, sizeof(*r->dn));
	}
	r->dn[r->ndn++] = (struct rdown){ g, h, why };
}

/*
 * Does guest g stay on host h as it reboots in batch nb?  Yes when it
 * cannot or may not move, or chose this batch; 0 when it should move.
 */
static int
stays(const struct roll *r, int32_t g, int32_t nb, int *why)
{
	int32_t ch = r->s->choice[g];

	*why = 0;
	if (!r->s->may[g])
		return 1;
	*why = ch == PLAN_CHOICE_NONE ? 0 : 2;
	if (ch == PLAN_CHOICE_IN_PLACE || ch == nb)
		return 1;
	return 0;
}

/* *at = v, noted so that try_host() can put it back. */
static void
logset(struct roll *r, double *at, double v)
{
	if (r->nul == r->cul) {
		r->cul = r->cul ? r->cul * 2 : 256;
		r->ul = xreallocarray(r->ul, r->cul, sizeof(*r->ul));
	}
	r->ul[r->nul++] = (struct undo){ at, *at };
	*at = v;
}

/* The slot of n free earliest; its index. */
static size_t
first_slot(const double *v, size_t n)
{
	size_t i, b = 0;

	for (i = 1; i < n; i++)
		if (v[i] < v[b])
			b = i;
	return b;
}

/* Schedules move m (sets its times, the slots and the guest's). */
static void
schedule(struct roll *r, struct rmove *m, double not_before)
{
	size_t n = r->s->nlink;
	double *sf = &r->sendf[(size_t)m->from * n];
	double *rf = &r->recvf[(size_t)m->to * n];
	size_t a = first_slot(sf, n), b = first_slot(rf, n);
	double st = not_before;

	if (sf[a] > st)
		st = sf[a];
	if (rf[b] > st)
		st = rf[b];
	if (r->ready[m->guest] > st)
		st = r->ready[m->guest];
	m->start = st;
	m->end = st + plan_migrate_s(r->s->o, &r->c->guests[m->guest],
	    m->to, m->sec);
	logset(r, &sf[a], m->end);
	logset(r, &rf[b], m->end);
	logset(r, &r->ready[m->guest], m->end);
	r->nmv[m->guest]++;
	m->seq = r->nsched++;
}

/*
 * Schedules the moves off host h, mv[m0..]: in order of when their
 * targets are patched, each as early as its sender, its target and its
 * guest allow.  Returns when h can reboot: after them, after the guests
 * that stay on it (dn[d0..]) have arrived, after the batch before.
 */
static double
host_schedule(struct roll *r, int32_t h, size_t m0, size_t d0)
{
	double end = 0;
	size_t i, j;

	/* by when each could start (its target's link, its guest) */
	for (i = m0; i < r->nmv_all; i++)
		r->mv[i].start = dmax(recv_at(r, r->mv[i].to),
		    r->ready[r->mv[i].guest]);
	for (i = m0 + 1; i < r->nmv_all; i++) {
		struct rmove t = r->mv[i];

		for (j = i; j > m0 && r->mv[j - 1].start > t.start; j--)
			r->mv[j] = r->mv[j - 1];
		r->mv[j] = t;
	}
	r->es[h] = -1;
	for (i = m0; i < r->nmv_all; i++) {
		schedule(r, &r->mv[i], avail(r, r->mv[i].to));
		if (r->es[h] < 0 || r->mv[i].start < r->es[h])
			r->es[h] = r->mv[i].start;
		end = dmax(end, r->mv[i].end);
	}
	for (i = d0; i < r->ndn; i++)
		end = dmax(end, r->ready[r->dn[i].guest]);
	return end;
}

/*
 * Tries host h in batch nb: moves or downs for all its guests.  Returns
 * 0, or -1 with everything undone when h should wait.  alone: take it
 * whatever (the batch has nobody else), guests without room go down.
 */
static int
try_host(struct roll *r, int32_t h, int32_t nb, int mode, int alone,
    int *broke)
{
	const struct rshared *s = r->s;
	struct hguests it;
	size_t mv0 = r->nmv_all, dn0 = r->ndn, used0 = r->nused, i;
	size_t ul0 = r->nul, sched0 = r->nsched;
	int32_t g, t, held = PLAN_NONE;
	double end, tsend;
	int why;

	*broke = 0;
	r->hst[h] = H_INBATCH;
	refresh(r, h);
	/* quick: the RAM to move against all patched room of its group */
	if (mode == MODE_NORMAL && !alone &&
	    r->wantr[h] > r->patched_free[r->c->hosts[h].group])
		goto fail;
	tsend = r->sendf[(size_t)h * s->nlink];
	for (i = 1; i < s->nlink; i++)
		if (r->sendf[(size_t)h * s->nlink + i] < tsend)
			tsend = r->sendf[(size_t)h * s->nlink + i];
	hg_init(&it, r, h);
	while ((g = hg_next(&it)) != PLAN_NONE) {
		int32_t ow = r->c->guests[g].owner;

		if (!stays(r, g, nb, &why)) {
			if (s->choice[g] >= 0 && s->choice[g] > nb) {
				/* it goes down later: with us only alone */
				if (!alone)
					goto fail;
				why = 2;
			} else if ((t = place(r, g, mode, &held, tsend)) !=
			    PLAN_NONE) {
				push_move(r, g, h, t, 0);
				apply_move(r, g, h, t);
				/* when the sender is free for the next, about */
				tsend = dmax(tsend, avail(r, t)) + plan_migrate_s(
				    s->o, &r->c->guests[g], t, r->mv[r->nmv_all -
				    1].sec) / (double)s->nlink;
				continue;
			} else if (!alone)
				goto fail;
			else
				why = s->choice[g] >= 0 ? 2 : 1;
		}
		push_down(r, g, h, why);
		/* a customer's own choice does not count against its share */
		if (why != 2 && ow != PLAN_NONE &&
		    ++r->cdown[ow] > s->climit[ow]) {
			if (!alone)
				goto fail;
			*broke = 1;
		}
	}
	/* when it could reboot; the reboot itself is placed at close */
	end = host_schedule(r, h, mv0, dn0);
	r->nul = ul0;	/* taken: nothing of it to undo */
	r->rs[h] = end;
	if (r->es[h] < 0)
		r->es[h] = end;
	return 0;
fail:
	while (r->nul > ul0) {
		r->nul--;
		*r->ul[r->nul].at = r->ul[r->nul].was;
	}
	for (i = mv0; i < r->nmv_all && r->nsched > sched0; i++)
		r->nmv[r->mv[i].guest]--;
	r->nsched = sched0;
	while (r->nmv_all > mv0)
		undo_move(r, &r->mv[--r->nmv_all]);
	while (r->ndn > dn0) {
		const struct rdown *d = &r->dn[--r->ndn];
		int32_t ow = r->c->guests[d->guest].owner;

		if (d->why != 2 && ow != PLAN_NONE)
			r->cdown[ow]--;
	}
	for (i = used0; i < r->nused; i++)
		r->used[r->usedl[i]] = 0;
	r->nused = used0;
	r->hst[h] = H_UNPATCHED;
	refresh(r, h);
	return -1;
}

/*
 * The guests that chose batch nb and are on a host that is not in it:
 * each moves into a host of the batch with room once that host is
 * empty, and goes down with it.
 */
static void
chosen_moves(struct roll *r, int32_t nb)
{
	const struct rshared *s = r->s;
	size_t i, k;

	for (i = 0; i < s->nwguests; i++) {
		int32_t g = s->wguests[i], from = r->cur[g], t = PLAN_NONE;
		const struct plan_guest *gg = &r->c->guests[g];
		struct plan_load need = { gg->ram_mib, gg->disk_mib, gg->vcpus,
		    1 };

		if (s->choice[g] != nb || r->isdown[g] || inbatch(r, from))
			continue;
		if (r->hst[from] != H_UNPATCHED || !s->may[g]) {
			rwarn(r, "%s chose batch %d: it %s", gg->name, nb + 1,
			    s->may[g] ? "was moved before" :
			    "cannot live-migrate");
			continue;
		}
		for (k = r->bstart[nb]; k < r->nbhost && t == PLAN_NONE; k++)
			if (r->bhost[k] != r->csec[g] &&
			    r->c->hosts[r->bhost[k]].group ==
			    r->c->hosts[gg->host].group &&
			    fits_on(r, r->bhost[k], &need))
				t = r->bhost[k];
		if (t == PLAN_NONE) {
			rwarn(r, "%s chose batch %d: no host of it has room",
			    gg->name, nb + 1);
			continue;
		}
		push_move(r, g, from, t, 1);
		apply_move(r, g, from, t);
		push_down(r, g, t, 2);
	}
}

/*
 * Closes batch nb (its hosts bhost[bstart[nb]..], moves mv[mv0..],
 * downs dn[dn0..]): times, reboots, and the targets back in the trees.
 */
/* Does [a, a + len) meet the interval v (a reboot of no length never)? */
static int
meets(double a, double len, const struct ivl *v)
{
	return len > 0 && v->to > v->from && a < v->to && v->from < a + len;
}

/*
 * The earliest time from t on when host h may reboot: a reboot slot is
 * free, no host with another copy of one of its DRBD guests reboots, no
 * customer gets more than its share down at once (counting its reboots
 * that overlap at all).  alone: the host's own guests put a customer
 * over its limit anyway; then no other of its reboots may overlap.
 */
static double
reboot_time(struct roll *r, int32_t h, double t, size_t d0, size_t d1,
    size_t *slot)
{
	const struct rshared *s = r->s;
	const struct plan_cluster *c = r->c;
	double len = s->o->reboot_s, t0;
	size_t i, k;

	do {
		t0 = t;
		if (r->rslot != NULL) {
			/* the latest slot free by t, else the first free */
			size_t best = SIZE_MAX;

			for (k = 0; k < r->nrslot; k++)
				if (r->rslot[k] <= t && (best == SIZE_MAX ||
				    r->rslot[k] > r->rslot[best]))
					best = k;
			if (best == SIZE_MAX) {
				for (k = 0, best = 0; k < r->nrslot; k++)
					if (r->rslot[k] < r->rslot[best])
						best = k;
				t = r->rslot[best];
			}
			*slot = best;
		}
		for (i = 0; i < r->npart; i++) {
			int32_t x = r->part[i];
			struct ivl v = { r->rs[x], r->re[x], 0 };

			if (r->hst[x] == H_PATCHED && meets(t, len, &v))
				t = v.to;
		}
		for (i = d0; i < d1; i++) {
			int32_t ow = c->guests[r->dn[i].guest].owner;
			size_t n = 0;

			if (ow == PLAN_NONE || r->dn[i].why == 2 ||
			    r->dn[i].host != h)
				continue;
			for (k = d0; k < d1; k++)
				n += r->dn[k].host == h && r->dn[k].why != 2 &&
				    c->guests[r->dn[k].guest].owner == ow;
			for (k = 0; k < r->nciv[ow]; k++)
				if (meets(t, len, &r->civ[ow][k]) && (n +=
				    (size_t)r->civ[ow][k].n) > s->climit[ow] &&
				    r->civ[ow][k].to > t)
					t = r->civ[ow][k].to;
		}
	} while (t > t0);
	return t;
}

/* Notes host h's reboot in its customers' down intervals. */
static void
note_down(struct roll *r, int32_t h, size_t d0, size_t d1)
{
	const struct plan_cluster *c = r->c;
	size_t i, k;

	for (i = d0; i < d1; i++) {
		int32_t ow = c->guests[r->dn[i].guest].owner;

		if (ow == PLAN_NONE || r->dn[i].why == 2 || r->dn[i].host != h)
			continue;
		k = r->nciv[ow];
		if (k > 0 && r->civ[ow][k - 1].from == r->rs[h] &&
		    r->civ[ow][k - 1].to == r->re[h]) {
			r->civ[ow][k - 1].n++;
			continue;
		}
		if (k == r->cciv[ow]) {
			r->cciv[ow] = k ? 2 * k : 2;
			r->civ[ow] = xreallocarray(r->civ[ow], r->cciv[ow],
			    sizeof(struct ivl));
		}
		r->civ[ow][r->nciv[ow]++] = (struct ivl){ r->rs[h], r->re[h],
		    1 };
	}
}

/* The hosts h shares a DRBD guest with, now, into r->part. */
static void
partners_of(struct roll *r, int32_t h)
{
	const struct rshared *s = r->s;
	struct hguests it;
	int32_t g, k;

	r->npart = 0;
	hg_init(&it, r, h);
	while ((g = hg_next(&it)) != PLAN_NONE)
		if (r->csec[g] != PLAN_NONE)
			r->part[r->npart++] = r->csec[g];
	for (k = s->sstart[h]; k < s->sstart[h + 1]; k++)
		if (r->csec[s->slist[k]] == h)
			r->part[r->npart++] = r->cur[s->slist[k]];
}

/* Hosts of the batch by when they could reboot, then by position. */
static int
cmp_ready(const void *a, const void *b, void *rp)
{
	const struct roll *r = rp;
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (r->rs[x] != r->rs[y])
		return r->rs[x] < r->rs[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Closes batch nb (its hosts bhost[bstart[nb]..], moves mv[mv0..],
 * downs dn[dn0..]): the moves into its hosts, then each host's reboot,
 * the earliest first, and the targets back in the trees.
 */
static void
close_batch(struct roll *r, int32_t nb, size_t mv0, size_t dn0)
{
	const struct rshared *s = r->s;
	size_t i, k, nh = r->nbhost - r->bstart[nb], slot = 0;
	int32_t *hs = &r->bhost[r->bstart[nb]];

	/* moves into hosts of this batch: after the host is empty */
	for (i = mv0; i < r->nmv_all; i++) {
		struct rmove *m = &r->mv[i];

		if (!m->into)
			continue;
		schedule(r, m, r->rs[m->to]);
		r->rs[m->to] = dmax(r->rs[m->to], m->end);
	}
	for (i = dn0; i < r->ndn; i++) {
		const struct rdown *d = &r->dn[i];

		r->isdown[d->guest] = (uint8_t)(d->why + 1);
		r->nrebooted++;
		r->rs[d->host] = dmax(r->rs[d->host], r->ready[d->guest]);
		if (r->c->guests[d->guest].owner != PLAN_NONE)
			r->cdown[r->c->guests[d->guest].owner] = 0;
	}
	qsort_r(hs, nh, sizeof(int32_t), cmp_ready, r);
	for (k = 0; k < nh; k++) {
		int32_t h = hs[k];

		partners_of(r, h);
		r->rs[h] = reboot_time(r, h, r->rs[h], dn0, r->ndn, &slot);
		r->re[h] = r->rs[h] + s->o->reboot_s;
		if (r->rslot != NULL)
			r->rslot[slot] = r->re[h];
		note_down(r, h, dn0, r->ndn);
		r->last = dmax(r->last, r->re[h]);
		r->hst[h] = H_PATCHED;
		if (s->active[h])
			r->patched_free[r->c->hosts[h].group] +=
			    s->cap[h].ram - r->ld[h].ram;
	}
	r->nul = 0;	/* nothing to undo past a batch */
	for (k = 0; k < nh; k++)
		refresh(r, hs[k]);
	for (i = 0; i < r->nused; i++)
		r->used[r->usedl[i]] = 0;
	r->nused = 0;
}

/* Does host h hold a guest that chose a batch after nb? */
static int
waits_for_choice(const struct roll *r, int32_t h, int32_t nb)
{
	struct hguests it;
	int32_t g;

	if (r->s->nwguests == 0)
		return 0;
	hg_init(&it, r, h);
	while ((g = hg_next(&it)) != PLAN_NONE)
		if (r->s->choice[g] > nb && r->s->may[g])
			return 1;
	return 0;
}

/* May host h try batch nb now (whether its guests fit aside)? */
static int
can_try(struct roll *r, int32_t h, int32_t nb)
{
	return !r->used[h] && !drbd_conflict(r, h, nb) &&
	    !waits_for_choice(r, h, nb);
}

/* Host h is in batch nb. */
static void
joined(struct roll *r, int32_t h)
{
	r->bhost[r->nbhost++] = h;
	r->gtaken[r->c->hosts[h].group]++;
}

/*
 * With node groups, a batch no host of a group could join tries that
 * group's first host left as a seed, beside the others: one group's
 * start does not wait for another's roll.  (With one group, a batch
 * without hosts takes its first whatever: roll_build().)
 */
static void
force_groups(struct roll *r, int32_t nb, int32_t *pend, size_t *npend,
    size_t maxp, int mlast, size_t nonmaster)
{
	const struct plan_cluster *c = r->c;
	size_t i, taken = r->nbhost - r->bstart[nb];
	int broke;

	for (i = 0; i < *npend && taken < maxp; i++) {
		int32_t h = pend[i], g = c->hosts[h].group;

		if (r->gtaken[g] > 0 || r->gfail[g] == SIZE_MAX)
			continue;
		if (mlast && c->hosts[h].master && nonmaster > 0)
			continue;
		r->gfail[g] = SIZE_MAX;		/* one try per group */
		if (!can_try(r, h, nb) ||
		    try_host(r, h, nb, MODE_FORCED, 0, &broke) == -1)
			continue;
		joined(r, h);
		taken++;
		nonmaster -= !c->hosts[h].master;
		memmove(pend + i, pend + i + 1, (*npend - i - 1) *
		    sizeof(int32_t));
		(*npend)--;
		i--;
	}
}

void
roll_build(struct roll *r)
{
	const struct rshared *s = r->s;
	const struct plan_cluster *c = r->c;
	size_t maxp = s->o->max_parallel > 0 ? s->o->max_parallel : SIZE_MAX;
	int32_t *pend = xmalloc((s->ncand + 1) * sizeof(int32_t));
	int32_t *defer = xmalloc((s->ncand + 1) * sizeof(int32_t));
	size_t npend = s->ncand, i, n, taken, ndefer, nonmaster, g;
	int broke, mlast = s->o->master_last;

	memcpy(pend, s->cand, s->ncand * sizeof(int32_t));
	while (npend > 0) {
		int32_t nb = (int32_t)r->nb;
		size_t mv0 = r->nmv_all, dn0 = r->ndn;

		r->bstart[nb] = r->nbhost;
		n = npend;
		npend = taken = ndefer = 0;
		memset(r->gtaken, 0, s->ngroups * sizeof(size_t));
		memset(r->gfail, 0, s->ngroups * sizeof(size_t));
		for (i = 0; i < n; i++) {
			int32_t h = pend[i];
			int mode;

			g = (size_t)c->hosts[h].group;
			/* a group's first batches seed its start; with no
			 * limit, a seed batch would take every host that
			 * fits on hosts not yet patched: half the guests
			 * moving twice, for little */
			mode = r->gbatches[g] < (size_t)r->nseed ? MODE_SEED :
			    MODE_NORMAL;
			if (mlast && c->hosts[h].master) {
				defer[ndefer++] = h;	/* after the others */
				continue;
			}
			if (taken >= maxp || (mode == MODE_SEED &&
			    r->gtaken[g] >= s->seedp[g]) ||
			    r->gfail[g] >= FAILMAX || !can_try(r, h, nb)) {
				pend[npend++] = h;
				continue;
			}
			if (try_host(r, h, nb, mode, 0, &broke) == -1) {
				pend[npend++] = h;
				r->gfail[g]++;
				continue;
			}
			joined(r, h);
			taken++;
			r->gfail[g] = 0;
		}
		/* --master-last: a master joins once no other host waits */
		nonmaster = npend;
		for (i = 0; i < ndefer; i++) {
			int32_t h = defer[i];
			int mode;

			g = (size_t)c->hosts[h].group;
			mode = r->gbatches[g] < (size_t)r->nseed ? MODE_SEED :
			    MODE_NORMAL;
			if (nonmaster > 0 || taken >= maxp || !can_try(r, h,
			    nb) || try_host(r, h, nb, mode, 0, &broke) == -1) {
				pend[npend++] = h;
				continue;
			}
			joined(r, h);
			taken++;
		}
		if (taken == 0) {
			/* nobody could go: the first, as a seed, whatever */
			int32_t h = pend[0];

			if (waits_for_choice(r, h, nb))
				rwarn(r, "batch %d: host %s goes before a "
				    "batch a guest of it chose", nb + 1,
				    r->c->hosts[h].name);
			try_host(r, h, nb, MODE_FORCED, 1, &broke);
			if (broke)
				rwarn(r, "batch %d: host %s alone puts more "
				    "than the allowed share of a customer's "
				    "guests down", nb + 1,
				    r->c->hosts[h].name);
			joined(r, h);
			memmove(pend, pend + 1, --npend * sizeof(int32_t));
		} else if (s->ngroups > 1)
			force_groups(r, nb, pend, &npend, maxp, mlast,
			    nonmaster);
		chosen_moves(r, nb);
		close_batch(r, nb, mv0, dn0);
		for (g = 0; g < s->ngroups; g++)
			r->gbatches[g] += r->gtaken[g] > 0;
		r->nb++;
		if (!roll_still_needed(r))
			break;
	}
	/* choices of batches past the last: they went down with their host */
	for (i = 0; i < s->nwguests; i++)
		if (s->choice[s->wguests[i]] >= (int32_t)r->nb)
			rwarn(r, "%s chose batch %d: the plan has %zu",
			    r->c->guests[s->wguests[i]].name,
			    s->choice[s->wguests[i]] + 1, r->nb);
	r->bstart[r->nb] = r->nbhost;
	for (i = 0; i < r->c->nguests; i++)
		r->ntwice += r->nmv[i] > 1;
	r->total = r->last;
	for (i = 0; i < r->nmv_all; i++)
		r->total = dmax(r->total, r->mv[i].end);
	free(pend);
	free(defer);
}

