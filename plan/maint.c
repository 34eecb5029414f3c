/*
 * The rolling-maintenance planner: every host the cycle takes (all but
 * retired and offline ones, and those hroller's options leave out,
 * plan_maint_cycle()) reboots.
 *
 * A host joins a batch when the batch has room (--max-parallel), no DRBD
 * guest has its other copy in the batch, the host has not just received
 * guests for this batch, every guest of it that may move finds room on
 * an active host of its node group outside the batch (the fit tree, a
 * range of it per group, best fit; a DRBD guest prefers its secondary),
 * with full evacuation every DRBD copy it holds too, and no customer
 * gets more than its limit of guests down.  A host that breaks a rule waits for a later
 * batch; alone in a batch it is taken anyway (with a warning when a
 * customer limit breaks).  Migrated guests come back after their host's
 * reboot, so every batch starts from the same placement.
 *
 * So the guests that see a reboot are those that cannot live-migrate
 * (the fewest possible) unless the fleet is too full.  For the fewest
 * batches, two ways are tried and the better plan is kept: greedy (the
 * emptiest hosts first, each batch as large as it goes), and hosts spread
 * over k groups of equal RAM capacity, for k from the lower bound
 * (capacity / spare RAM) up: a batch fits only if the rest of the fleet
 * can absorb it, so equal groups tend to need the fewest batches.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

/* What the planner reads of a guest, stored in the order of plist. */
struct mguest {
	int64_t	ram;
	int64_t	disk;
	int32_t	vcpus;
	int32_t	secondary;
	int32_t	owner;
	int32_t	live;
};

/* A guest's fate while plans are built: a target host, or one of these. */
#define FATE_PINNED	(-1)	/* reboots: cannot live-migrate */
#define FATE_NO_ROOM	(-2)	/* reboots: no host had room */

/* A warning of a build, made into text once the batches are in order. */
struct bwarn {
	int	kind;		/* 0: a customer's limit broken alone;
				   1: a DRBD copy stays, no room for it */
	int32_t	host;
	int32_t	guest;		/* kind 1 */
};

struct trials;

struct maint {
	const struct plan_cluster	*c;
	const struct plan_maint_opts	*o;
	struct plan_load	*ld;
	struct plan_load	*ld0;		/* ld when no batch is open */
	struct plan_load	*cap;
	uint8_t			*active;	/* may receive guests */
	uint8_t			*cyc;		/* reboots (plan_maint_cycle()) */
	uint8_t			*inbatch;	/* 1: in the batch, 2: reserved */
	int			 reserve;	/* candidates are no targets */
	int32_t			*received;	/* guests received, this batch */
	int32_t			*pstart;	/* host -> primaries (CSR) */
	int32_t			*plist;
	struct mguest		*pg;		/* plist slot -> the guest */
	int32_t			*fate;		/* plist slot -> FATE_* or the
						   target, this build */
	int32_t			*sstart;	/* host -> DRBD secondaries */
	int32_t			*slist;
	int32_t			*sfate;		/* slist slot -> target of the
						   copy (full_evacuation), or
						   FATE_NO_ROOM */
	int32_t			*glo;		/* node group -> its range in */
	int32_t			*ghi;		/* the fit tree's order */
	struct bwarn		*bw;		/* this build's warnings */
	size_t			 nbw;
	int32_t			*qstart;	/* host -> DRBD partner hosts */
	int32_t			*qlist;
	size_t			*climit;	/* customer -> down limit */
	size_t			*cdown;		/* customer -> down, this batch */
	double			*htime;		/* host -> migration seconds */
	struct plan_fit		*fit;		/* targets, group by group */
	struct plan_maintenance	*p;
	struct trials		*ts;		/* the builds this one is of */
	size_t			 v;		/* which build (ts->t[v]) */
};

static void
refresh(struct maint *m, int32_t h)
{
	struct plan_load fr;

	if (!m->active[h] || m->inbatch[h]) {
		plan_fit_set(m->fit, h, NULL);
		return;
	}
	fr.ram = m->cap[h].ram - m->ld[h].ram;
	fr.disk = m->cap[h].disk - m->ld[h].disk;
	fr.vcpu = m->cap[h].vcpu - m->ld[h].vcpu;
	fr.nguests = 0;
	plan_fit_set(m->fit, h, &fr);
}

/* Host -> guest lists (counting sort); sec selects DRBD secondaries. */
static void
index_by_host(const struct plan_cluster *c, int sec, int32_t **startp,
    int32_t **listp)
{
	int32_t *start = xcalloc(c->nhosts + 2, sizeof(int32_t));
	int32_t *list = xmalloc((c->nguests + 1) * sizeof(int32_t));
	int32_t *fill = xcalloc(c->nhosts + 1, sizeof(int32_t));
	size_t i;

	for (i = 0; i < c->nguests; i++) {
		int32_t h = sec ? c->guests[i].secondary : c->guests[i].host;

		if (h != PLAN_NONE)
			start[h + 1]++;
	}
	for (i = 0; i < c->nhosts; i++)
		start[i + 1] += start[i];
	for (i = 0; i < c->nguests; i++) {
		int32_t h = sec ? c->guests[i].secondary : c->guests[i].host;

		if (h != PLAN_NONE)
			list[start[h] + fill[h]++] = (int32_t)i;
	}
	free(fill);
	*startp = start;
	*listp = list;
}

/* Appends partner o of host i to m->qlist unless it is there already. */
static void
add_partner(struct maint *m, int32_t *seen, size_t *n, size_t *cap,
    int32_t i, int32_t o)
{
	if (o == PLAN_NONE || seen[o] == i)
		return;
	seen[o] = i;
	if (*n == *cap)
		m->qlist = xreallocarray(m->qlist, *cap *= 2, sizeof(int32_t));
	m->qlist[(*n)++] = o;
}

/*
 * Host -> the other hosts it shares a DRBD guest with, each once: the
 * hosts it may not go down with.  From the primary and secondary lists.
 */
static void
index_partners(struct maint *m)
{
	const struct plan_cluster *c = m->c;
	int32_t *seen = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	size_t i, n = 0, cap = 16;
	int32_t k;

	m->qstart = xcalloc(c->nhosts + 1, sizeof(int32_t));
	m->qlist = xmalloc(cap * sizeof(int32_t));
	for (i = 0; i < c->nhosts; i++)
		seen[i] = PLAN_NONE;
	for (i = 0; i < c->nhosts; i++) {
		m->qstart[i] = (int32_t)n;
		for (k = m->pstart[i]; k < m->pstart[i + 1]; k++)
			add_partner(m, seen, &n, &cap, (int32_t)i,
			    c->guests[m->plist[k]].secondary);
		for (k = m->sstart[i]; k < m->sstart[i + 1]; k++)
			add_partner(m, seen, &n, &cap, (int32_t)i,
			    c->guests[m->slist[k]].host);
	}
	m->qstart[c->nhosts] = (int32_t)n;
	free(seen);
}

size_t
plan_customer_limit(size_t nguests, int pct)
{
	size_t l = nguests * (size_t)(pct > 0 ? pct : 0) / 100;

	return l > 0 ? l : 1;
}

/* Hosts by key (a double per host), biggest first; qsort_r()'s order. */
static int
cmp_key(const void *a, const void *b, void *keyp)
{
	const double *sort_key = keyp;
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (sort_key[x] != sort_key[y])
		return sort_key[x] > sort_key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* A guest in sort_by_size(): its size key, index and slot before. */
struct gsort {
	double	key;
	int32_t	guest;
	int32_t	slot;
};

/* Bigger key first, then lower guest index (a total order). */
static int
gsort_before(const struct gsort *x, const struct gsort *y)
{
	if (x->key != y->key)
		return x->key > y->key;
	return x->guest < y->guest;
}

static int
cmp_gsort(const void *a, const void *b)
{
	return gsort_before(a, b) ? -1 : gsort_before(b, a);
}

/*
 * Each host's guests biggest first (they are the hardest to place): its
 * range of plist and pg, sorted together; a host's few guests by
 * insertion, keys side by side rather than looked up.
 */
static void
sort_by_size(struct maint *m)
{
	size_t h, j, n, maxn = 1;
	int32_t s;
	struct gsort *e, t;
	struct mguest *tmp;

	for (h = 0; h < m->c->nhosts; h++)
		if ((size_t)(m->pstart[h + 1] - m->pstart[h]) > maxn)
			maxn = (size_t)(m->pstart[h + 1] - m->pstart[h]);
	e = xreallocarray(NULL, maxn, sizeof(*e));
	tmp = xreallocarray(NULL, maxn, sizeof(*tmp));
	for (h = 0; h < m->c->nhosts; h++) {
		s = m->pstart[h];
		if ((n = (size_t)(m->pstart[h + 1] - s)) < 2)
			continue;
		for (j = 0; j < n; j++)
			e[j] = (struct gsort){ (double)m->pg[s + j].ram +
			    (double)m->pg[s + j].disk / 64.0, m->plist[s + j],
			    (int32_t)j };
		if (n > 32)
			qsort(e, n, sizeof(*e), cmp_gsort);
		else
			for (j = 1; j < n; j++) {
				size_t i = j;

				for (t = e[j]; i > 0 && gsort_before(&t,
				    &e[i - 1]); i--)
					e[i] = e[i - 1];
				e[i] = t;
			}
		memcpy(tmp, m->pg + s, n * sizeof(*tmp));
		for (j = 0; j < n; j++) {
			m->plist[s + j] = e[j].guest;
			m->pg[s + j] = tmp[e[j].slot];
		}
	}
	free(e);
	free(tmp);
}

/* Sorts the targets' order by node group; each group's range of it. */
static void
group_ranges(struct maint *m, int32_t *order, size_t n)
{
	size_t ng = plan_ngroups(m->c), g;
	size_t *gs = xcalloc(ng + 1, sizeof(size_t));

	plan_order_by_group(m->c, order, n, gs);
	for (g = 0; g < ng; g++) {
		m->glo[g] = (int32_t)gs[g];
		m->ghi[g] = (int32_t)gs[g + 1];
	}
	free(gs);
}

static void
setup(struct maint *m, int32_t **candp, size_t *ncandp)
{
	const struct plan_cluster *c = m->c;
	size_t *ncust = xcalloc(c->ncustomers + 1, sizeof(size_t));
	int32_t *order = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	int32_t *cand = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	double *key = xcalloc(c->nhosts + 1, sizeof(double));
	size_t i, n = 0, ncand = 0;

	m->ld = xcalloc(c->nhosts + 1, sizeof(*m->ld));
	m->cap = xcalloc(c->nhosts + 1, sizeof(*m->cap));
	m->active = xcalloc(c->nhosts + 1, 1);
	m->inbatch = xcalloc(c->nhosts + 1, 1);
	m->received = xcalloc(c->nhosts + 1, sizeof(int32_t));
	m->climit = xcalloc(c->ncustomers + 1, sizeof(size_t));
	m->cdown = xcalloc(c->ncustomers + 1, sizeof(size_t));
	m->htime = xcalloc(c->nhosts + 1, sizeof(double));
	m->glo = xcalloc(plan_ngroups(c) + 1, sizeof(int32_t));
	m->ghi = xcalloc(plan_ngroups(c) + 1, sizeof(int32_t));
	plan_load_init(c, m->ld);
	plan_caps_init(c, m->o->max_util_pct, m->cap);
	index_by_host(c, 0, &m->pstart, &m->plist);
	m->pg = xcalloc(c->nguests + 1, sizeof(*m->pg));
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[m->plist[i]];

		/* a customer's choice to reboot in place: as if pinned */
		m->pg[i] = (struct mguest){ g->ram_mib, g->disk_mib, g->vcpus,
		    g->secondary, g->owner,
		    plan_guest_may_move(c, m->o, m->plist[i]) &&
		    plan_guest_choice(c, m->plist[i]) != PLAN_CHOICE_IN_PLACE };
	}
	sort_by_size(m);
	index_by_host(c, 1, &m->sstart, &m->slist);
	index_partners(m);
	for (i = 0; i < c->nguests; i++)
		if (c->guests[i].owner != PLAN_NONE)
			ncust[c->guests[i].owner]++;
	for (i = 0; i < c->ncustomers; i++)
		m->climit[i] = plan_customer_limit(ncust[i],
		    m->o->max_customer_down_pct);
	/* targets: least free RAM first (best fit, least fragmentation),
	 * each node group's a range of the tree */
	for (i = 0; i < c->nhosts; i++) {
		m->active[i] = (uint8_t)plan_host_target(&c->hosts[i]);
		if (m->active[i]) {
			order[n++] = (int32_t)i;
			key[i] = -(double)(m->cap[i].ram - m->ld[i].ram);
		}
	}
	qsort_r(order, n, sizeof(*order), cmp_key, key);
	group_ranges(m, order, n);
	m->fit = plan_fit_new(c->nhosts, order, n);
	for (i = 0; i < c->nhosts; i++)
		refresh(m, (int32_t)i);
	/* every batch starts from here: close_batch() comes back to it */
	plan_fit_save(m->fit);
	m->ld0 = xreallocarray(NULL, c->nhosts + 1, sizeof(*m->ld0));
	memcpy(m->ld0, m->ld, c->nhosts * sizeof(*m->ld0));
	/* candidates: the emptiest (used share of RAM) first */
	m->cyc = xmalloc(c->nhosts + 1);
	plan_maint_cycle(c, m->o, m->cyc);
	for (i = 0; i < c->nhosts; i++) {
		if (!m->cyc[i])
			continue;
		cand[ncand++] = (int32_t)i;
		key[i] = -(double)m->ld[i].ram / (double)(m->cap[i].ram + 1);
	}
	qsort_r(cand, ncand, sizeof(*cand), cmp_key, key);
	free(order);
	free(key);
	free(ncust);
	*candp = cand;
	*ncandp = ncand;
}

static void
maint_release(struct maint *m)
{
	free(m->ld);
	free(m->ld0);
	free(m->cap);
	free(m->active);
	free(m->cyc);
	free(m->inbatch);
	free(m->received);
	free(m->pstart);
	free(m->plist);
	free(m->pg);
	free(m->fate);
	free(m->sstart);
	free(m->slist);
	free(m->sfate);
	free(m->glo);
	free(m->ghi);
	free(m->bw);
	free(m->qstart);
	free(m->qlist);
	free(m->climit);
	free(m->cdown);
	free(m->htime);
	plan_fit_free(m->fit);
}

/* Would host h put both copies of a DRBD guest into the batch? */
static int
drbd_conflict(const struct maint *m, int32_t h)
{
	int32_t k;

	for (k = m->qstart[h]; k < m->qstart[h + 1]; k++)
		if (m->inbatch[m->qlist[k]] == 1)
			return 1;
	return 0;
}

static double
migrate_time(const struct maint *m, const struct mguest *g, int32_t to)
{
	double gib = (double)g->ram / 1024.0;

	if (to != g->secondary)
		gib += (double)g->disk / 1024.0;
	return gib * m->o->migrate_s_per_gib;
}

/* What moving g adds to its target (plan_move_need() of a primary). */
static void
need_of(const struct mguest *g, struct plan_load *need)
{
	need->ram = g->ram;
	need->disk = g->disk;
	need->vcpu = g->vcpus;
	need->nguests = 1;
}

/*
 * Places guest g (on a host of node group grp going down) in its group;
 * PLAN_NONE if no room.  With full_evacuation not onto its DRBD
 * secondary: the host going down would keep the other copy.
 */
static int32_t
place(struct maint *m, const struct mguest *g, int32_t grp)
{
	struct plan_load need, after;
	int32_t s = g->secondary, to;

	need_of(g, &need);
	if (s != PLAN_NONE && m->active[s] && !m->inbatch[s] &&
	    m->c->hosts[s].group == grp && !m->o->full_evacuation) {
		/* onto its DRBD secondary: the disk is there already */
		after = m->ld[s];
		after.ram += need.ram;
		after.vcpu += need.vcpu;
		if (plan_load_fits(&after, &m->cap[s]))
			return s;
	}
	to = plan_fit_first_in(m->fit, &need, s, PLAN_NONE,
	    (size_t)m->glo[grp], (size_t)m->ghi[grp]);
	return to;
}

/*
 * full_evacuation: a host for the DRBD copy of guest gi that host h
 * (going down) holds, in h's group, not its primary's; PLAN_NONE if
 * none has the disk.  Applied like a guest that needs disk only.
 */
static int32_t
place_copy(struct maint *m, int32_t gi, int32_t h)
{
	const struct plan_guest *g = &m->c->guests[gi];
	struct plan_load need = { 0, g->disk_mib, 0, 1 };
	int32_t grp = m->c->hosts[h].group;

	return plan_fit_first_in(m->fit, &need, g->host, PLAN_NONE,
	    (size_t)m->glo[grp], (size_t)m->ghi[grp]);
}

/* Adds (sign 1) or takes back (-1) the copy of gi on host to. */
static void
apply_copy(struct maint *m, int32_t gi, int32_t to, int sign)
{
	int64_t d = m->c->guests[gi].disk_mib;

	m->ld[to].disk += sign * d;
	m->ld[to].nguests += sign;
	m->received[to] += sign;
	refresh(m, to);
}

static void
apply(struct maint *m, const struct mguest *g, int32_t to, int sign)
{
	struct plan_load need;

	need_of(g, &need);
	if (to == g->secondary)
		need.disk = 0;
	/* plan_load_add(), without the multiplications */
	if (sign > 0) {
		m->ld[to].ram += need.ram;
		m->ld[to].disk += need.disk;
		m->ld[to].vcpu += need.vcpu;
		m->ld[to].nguests++;
	} else {
		m->ld[to].ram -= need.ram;
		m->ld[to].disk -= need.disk;
		m->ld[to].vcpu -= need.vcpu;
		m->ld[to].nguests--;
	}
	m->received[to] += sign;
	refresh(m, to);
}

/*
 * Tries host h in the current batch: sets the fates of its guests in
 * m->fate and returns how many, or -1 (and undoes everything) if h
 * should wait for a later batch.  alone: the batch is empty, take h
 * anyway.
 */
static long
try_host(struct maint *m, int32_t h, int alone, int *broke_limit)
{
	size_t n = 0;
	int32_t k, t, grp = m->c->hosts[h].group, ks = m->sstart[h];
	int ok = 1;

	*broke_limit = 0;
	m->inbatch[h] = 1;
	refresh(m, h);
	for (k = m->pstart[h]; k < m->pstart[h + 1]; k++) {
		const struct mguest *g = &m->pg[k];

		n++;
		if (g->live && (t = place(m, g, grp)) != PLAN_NONE) {
			m->fate[k] = t;
			apply(m, g, t, 1);
			continue;
		}
		m->fate[k] = g->live ? FATE_NO_ROOM : FATE_PINNED;
		if (g->live && !alone) {
			n--;	/* not counted below: nothing to undo */
			ok = 0;
			break;
		}
		if (g->owner != PLAN_NONE &&
		    ++m->cdown[g->owner] > m->climit[g->owner]) {
			if (!alone)
				ok = 0;
			*broke_limit = 1;
		}
	}
	/* full evacuation: the DRBD copies it holds leave too */
	for (; ok && m->o->full_evacuation && ks < m->sstart[h + 1]; ks++) {
		if ((t = place_copy(m, m->slist[ks], h)) != PLAN_NONE) {
			m->sfate[ks] = t;
			apply_copy(m, m->slist[ks], t, 1);
			continue;
		}
		m->sfate[ks] = FATE_NO_ROOM;	/* alone: it stays */
		if (!alone)
			ok = 0;
	}
	if (ok)
		return (long)n;
	while (ks > m->sstart[h]) {
		ks--;
		if (m->sfate[ks] >= 0)
			apply_copy(m, m->slist[ks], m->sfate[ks], -1);
	}
	for (k = m->pstart[h] + (int32_t)n - 1; k >= m->pstart[h]; k--) {
		const struct mguest *g = &m->pg[k];

		if (m->fate[k] >= 0)
			apply(m, g, m->fate[k], -1);
		else if (g->owner != PLAN_NONE)
			m->cdown[g->owner]--;
	}
	m->inbatch[h] = m->reserve ? 2 : 0;
	refresh(m, h);
	return -1;
}

/* Notes a warning of this build (made into text by warn_text()). */
static void
bwarn(struct maint *m, int kind, int32_t host, int32_t guest)
{
	m->bw = xreallocarray(m->bw, m->nbw + 1, sizeof(*m->bw));
	m->bw[m->nbw++] = (struct bwarn){ kind, host, guest };
}

/* Counts the n fates try_host() set for host h into the plan. */
static void
add_fates(struct maint *m, int32_t h, size_t n)
{
	struct plan_maintenance *p = m->p;
	double t = m->htime[h];	/* summed in a register, in the same order */
	int32_t k;

	for (k = m->pstart[h]; k < m->pstart[h] + (int32_t)n; k++) {
		if (m->fate[k] >= 0) {		/* there and back */
			p->nmigrations += 2;
			t += 2 * migrate_time(m, &m->pg[k], m->fate[k]);
		} else
			p->nrebooted++;
	}
	for (k = m->sstart[h]; m->o->full_evacuation &&
	    k < m->sstart[h + 1]; k++) {
		if (m->sfate[k] < 0) {
			bwarn(m, 1, h, m->slist[k]);
			continue;
		}
		p->ncopy_moves += 2;
		p->nguests++;
		t += 2 * (double)m->c->guests[m->slist[k]].disk_mib / 1024.0 *
		    m->o->migrate_s_per_gib;
	}
	m->htime[h] = t;
	p->nguests += n;
}

/*
 * Ends the batch: durations, guests come home, flags cleared; the loads
 * and the fit tree are as they were before the batch again.
 */
static void
close_batch(struct maint *m, struct plan_batch *b)
{
	size_t i;
	int32_t k, to;

	/* a host's migrations run one after another, hosts in parallel */
	b->duration_s = 0;
	for (i = 0; i < b->nhosts; i++) {
		double t = m->o->reboot_s + m->htime[b->hosts[i]];

		if (t > b->duration_s)
			b->duration_s = t;
		m->htime[b->hosts[i]] = 0;
	}
	/* the batch's fates are its hosts' guests, in plist order */
	for (i = 0; i < b->nhosts; i++) {
		int32_t h = b->hosts[i];

		for (k = m->pstart[h]; k < m->pstart[h + 1]; k++) {
			int32_t o = m->pg[k].owner;

			if ((to = m->fate[k]) >= 0) {
				m->ld[to] = m->ld0[to];
				m->received[to] = 0;
			} else if (o != PLAN_NONE)
				m->cdown[o] = 0;
		}
		for (k = m->sstart[h]; m->o->full_evacuation &&
		    k < m->sstart[h + 1]; k++)
			if ((to = m->sfate[k]) >= 0) {
				m->ld[to] = m->ld0[to];
				m->received[to] = 0;
			}
	}
	for (i = 0; i < b->nhosts; i++)
		m->inbatch[b->hosts[i]] = 0;
	plan_fit_restore(m->fit);
	b->start_s = m->p->total_s;
	m->p->total_s += b->duration_s;
	b->end_s = m->p->total_s;
}

/* Does host h have a DRBD partner in group g? */
static int
group_conflict(const struct maint *m, const int32_t *group_of, int32_t h,
    int32_t g)
{
	int32_t k;

	for (k = m->qstart[h]; k < m->qstart[h + 1]; k++)
		if (group_of[m->qlist[k]] == g)
			return 1;
	return 0;
}

/*
 * Spreads the candidates over k groups of about equal RAM capacity
 * (largest first onto the lightest group): a batch can only go down if
 * the rest of the fleet has room for it, so equal groups need the fewest
 * batches.  A node group's guests stay in it: each node group is spread
 * over the k groups on its own.  Returns the hosts ordered by group;
 * start[g] indexes them.
 */
static int32_t *
balance(const struct maint *m, const int32_t *cand, size_t ncand, size_t k,
    size_t **startp)
{
	const struct plan_cluster *c = m->c;
	int32_t *byc = xmalloc((ncand + 1) * sizeof(int32_t));
	int32_t *group_of = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	int32_t *out = xmalloc((ncand + 1) * sizeof(int32_t));
	double *load = xcalloc(k, sizeof(double));
	double *key = xcalloc(c->nhosts + 1, sizeof(double));
	size_t *size = xcalloc(k, sizeof(size_t));
	size_t *start = xcalloc(k + 1, sizeof(size_t));
	size_t *ngs = xcalloc(plan_ngroups(c) + 1, sizeof(size_t));
	size_t maxp = m->o->max_parallel > 0 ? m->o->max_parallel : SIZE_MAX;
	size_t i, g, best;

	for (i = 0; i < c->nhosts; i++)
		group_of[i] = PLAN_NONE;
	for (i = 0; i < ncand; i++) {
		byc[i] = cand[i];
		key[cand[i]] = (double)m->cap[cand[i]].ram;
	}
	qsort_r(byc, ncand, sizeof(*byc), cmp_key, key);
	plan_order_by_group(c, byc, ncand, ngs);
	for (i = 0; i < ncand; i++) {
		int32_t h = byc[i];

		if (i > 0 && c->hosts[h].group != c->hosts[byc[i - 1]].group)
			memset(load, 0, k * sizeof(double));
		best = SIZE_MAX;
		for (g = 0; g < k; g++) {
			if (size[g] >= maxp || (best != SIZE_MAX &&
			    load[g] >= load[best]) ||
			    group_conflict(m, group_of, h, (int32_t)g))
				continue;
			best = g;
		}
		if (best == SIZE_MAX)	/* every group conflicts: lightest */
			for (g = 0, best = 0; g < k; g++)
				if (load[g] < load[best])
					best = g;
		group_of[h] = (int32_t)best;
		load[best] += key[h];
		size[best]++;
	}
	for (g = 0; g < k; g++)
		start[g + 1] = start[g] + size[g];
	memset(size, 0, k * sizeof(size_t));
	/* keep the candidates' own order inside each group */
	for (i = 0; i < ncand; i++) {
		g = (size_t)group_of[cand[i]];
		out[start[g] + size[g]++] = cand[i];
	}
	free(byc);
	free(group_of);
	free(load);
	free(key);
	free(size);
	free(ngs);
	*startp = start;
	return out;
}

static int	needed(struct trials *, size_t v,
		    const struct plan_maintenance *partial);
static int	needed_batches(struct trials *, size_t v, size_t nbatches);

/*
 * Can a build over these k groups still be chosen?  Each group with
 * hosts opens a batch of its own, and every build reboots the guests
 * that cannot move: a lower bound to hold against the builds done.
 */
static int
can_win(struct maint *m, const size_t *gstart, size_t k)
{
	size_t g, n = 0;

	for (g = 0; g < k; g++)
		n += gstart[g + 1] > gstart[g];
	return needed_batches(m->ts, m->v, n);
}

/*
 * Builds the batches into m->p.  With k > 0 the hosts are first spread
 * over k balanced groups, batch i trying what earlier batches left over,
 * then group i; hosts still left over get batches of their own.  Returns
 * -1, the plan unfinished, as soon as another build has shown that this
 * one cannot be the plan chosen (needed()).
 */
static int
build(struct maint *m, const int32_t *cand, size_t ncand, size_t k)
{
	struct plan_maintenance *p = m->p;
	size_t maxp = m->o->max_parallel > 0 ? m->o->max_parallel : SIZE_MAX;
	size_t *gstart = NULL, npend = 0, gi = 0, nlist, i;
	int32_t *grouped = NULL, *list, *pend;
	int broke, rc = 0;
	long n;

	list = xmalloc((ncand + 1) * sizeof(int32_t));
	pend = xmalloc((ncand + 1) * sizeof(int32_t));
	if (k > 0)
		grouped = balance(m, cand, ncand, k, &gstart);
	else {
		memcpy(pend, cand, ncand * sizeof(int32_t));
		npend = ncand;
	}
	/* each guest is planned once: when its primary host reboots */
	p->batches = xcalloc(ncand + 1, sizeof(*p->batches));
	if (k > 0 && m->ts != NULL && !can_win(m, gstart, k))
		rc = -1;
	while (rc == 0 && (gi < k || npend > 0)) {
		struct plan_batch *b;

		memcpy(list, pend, npend * sizeof(int32_t));
		nlist = npend;
		if (gi < k) {
			memcpy(list + nlist, grouped + gstart[gi],
			    (gstart[gi + 1] - gstart[gi]) * sizeof(int32_t));
			nlist += gstart[gi + 1] - gstart[gi];
			gi++;
		}
		npend = 0;
		if (nlist == 0)
			continue;
		p->nbatches++;
		if (m->ts != NULL && !needed(m->ts, m->v, p)) {
			rc = -1;
			break;
		}
		b = &p->batches[p->nbatches - 1];
		b->hosts = xmalloc((nlist < maxp ? nlist : maxp) *
		    sizeof(int32_t));
		b->first = p->nguests;
		/* balanced groups: keep the candidates' room for the others */
		m->reserve = k > 0;
		for (i = 0; i < nlist && m->reserve; i++) {
			m->inbatch[list[i]] = 2;
			refresh(m, list[i]);
		}
		for (i = 0; i < nlist; i++) {
			int32_t h = list[i];

			/* the next host's guests: a range of pg out of cache */
			if (i + 1 < nlist)
				__builtin_prefetch(
				    &m->pg[m->pstart[list[i + 1]]]);
			if (b->nhosts >= maxp || m->received[h] > 0 ||
			    drbd_conflict(m, h) ||
			    (n = try_host(m, h, b->nhosts == 0, &broke)) < 0) {
				pend[npend++] = h;	/* a later batch */
				continue;
			}
			if (broke)
				bwarn(m, 0, h, PLAN_NONE);
			add_fates(m, h, (size_t)n);
			b->hosts[b->nhosts++] = h;
		}
		b->nguests = p->nguests - b->first;
		for (i = 0; i < nlist && m->reserve; i++)
			m->inbatch[list[i]] = 0;
		close_batch(m, b);
	}
	free(list);
	free(pend);
	free(grouped);
	free(gstart);
	return rc;
}

/*
 * The fewest batches any plan can have: RAM to absorb in each node
 * group, batch size.
 */
static size_t
lower_bound(const struct maint *m, const int32_t *cand, size_t ncand)
{
	const struct plan_cluster *c = m->c;
	size_t ng = plan_ngroups(c), i, g, k = 1, kg;
	double *cap = xcalloc(ng, sizeof(double));
	double *spare = xcalloc(ng, sizeof(double));
	size_t *n = xcalloc(ng, sizeof(size_t));

	for (i = 0; i < ncand; i++) {
		cap[c->hosts[cand[i]].group] += (double)m->cap[cand[i]].ram;
		n[c->hosts[cand[i]].group]++;
	}
	for (i = 0; i < c->nhosts; i++)
		if (m->active[i] && m->cap[i].ram > m->ld[i].ram)
			spare[c->hosts[i].group] +=
			    (double)(m->cap[i].ram - m->ld[i].ram);
	for (g = 0, k = 0; g < ng; g++) {
		if (n[g] == 0)
			continue;
		if (spare[g] > 0 && cap[g] / spare[g] < (double)n[g])
			kg = (size_t)ceil(cap[g] / spare[g]);
		else
			kg = n[g];
		if (kg > k)
			k = kg;
	}
	free(cap);
	free(spare);
	free(n);
	if (m->o->max_parallel > 0 &&
	    (ncand + m->o->max_parallel - 1) / m->o->max_parallel > k)
		k = (ncand + m->o->max_parallel - 1) / m->o->max_parallel;
	return k > 0 ? k : 1;
}

/*
 * The guests of the best plan, from its batches (each host's guests in
 * plist order) and the fates its build left.
 */
static void
fill_guests(const struct maint *m, struct plan_maintenance *p,
    const int32_t *fate, const int32_t *sfate)
{
	size_t b, i, n = 0;
	int32_t k, h, t;

	/* zeroed: the padding too, so equal plans are equal bytes */
	p->guests = xcalloc(p->nguests + 1, sizeof(*p->guests));
	for (b = 0; b < p->nbatches; b++)
		for (i = 0; i < p->batches[b].nhosts; i++) {
			h = p->batches[b].hosts[i];
			for (k = m->pstart[h]; k < m->pstart[h + 1]; k++) {
				struct plan_maint_guest *f = &p->guests[n++];

				t = fate[k];
				f->guest = m->plist[k];
				f->host = h;
				f->fate = t >= 0 ? PLAN_FATE_MIGRATE :
				    PLAN_FATE_REBOOT;
				f->target = t >= 0 ? t : PLAN_NONE;
				f->no_room = t == FATE_NO_ROOM;
				f->downtime_s = t >= 0 ? 0 : m->o->reboot_s;
				f->end_host = h;
				f->nmoves = t >= 0 ? 2 : 0;
				f->chosen = t == FATE_PINNED &&
				    m->c->guests[f->guest].live_migrate &&
				    plan_guest_choice(m->c, f->guest) ==
				    PLAN_CHOICE_IN_PLACE;
			}
			/* full evacuation: the copies it holds, moved */
			for (k = m->sstart[h]; m->o->full_evacuation &&
			    k < m->sstart[h + 1]; k++) {
				struct plan_maint_guest *f;

				if (sfate[k] < 0)
					continue;
				f = &p->guests[n++];
				f->guest = m->slist[k];
				f->host = h;
				f->fate = PLAN_FATE_MIGRATE;
				f->target = sfate[k];
				f->end_host = h;
				f->nmoves = 2;
				f->secondary = 1;
			}
		}
}

/*
 * --master-last: the batches that hold a master host after the others,
 * the master last in its batch (hroller's order).  Rolling back every
 * batch starts from the same placement, so any order holds; the rows'
 * ranges and the times follow the new order.
 */
static void
master_last(const struct plan_cluster *c, struct plan_maintenance *p)
{
	struct plan_batch *nb = xcalloc(p->nbatches + 1, sizeof(*nb));
	int32_t *tmp = xreallocarray(NULL, c->nhosts + 1, sizeof(int32_t));
	size_t i, k, j, n = 0, first = 0;
	int pass;
	double t = 0;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < p->nbatches; i++) {
			struct plan_batch *b = &p->batches[i];
			int has = 0;

			for (k = 0; k < b->nhosts; k++)
				has |= c->hosts[b->hosts[k]].master;
			if (has == pass)
				nb[n++] = *b;
		}
	for (i = 0; i < n; i++) {
		struct plan_batch *b = &nb[i];

		/* masters to the end, the others in their order */
		for (k = 0, j = 0; k < b->nhosts; k++)
			if (!c->hosts[b->hosts[k]].master)
				tmp[j++] = b->hosts[k];
		for (k = 0; k < b->nhosts; k++)
			if (c->hosts[b->hosts[k]].master)
				tmp[j++] = b->hosts[k];
		memcpy(b->hosts, tmp, b->nhosts * sizeof(int32_t));
		b->first = first;
		first += b->nguests;
		b->start_s = t;
		t += b->duration_s;
		b->end_s = t;
	}
	free(p->batches);
	free(tmp);
	p->batches = nb;
}

/* The text of a build's warnings, numbering batches as they now are. */
static void
warn_text(const struct plan_cluster *c, struct plan_maintenance *p,
    const struct bwarn *bw, size_t nbw)
{
	size_t *bof = xcalloc(c->nhosts + 1, sizeof(size_t)), i, k;

	for (i = 0; i < p->nbatches; i++)
		for (k = 0; k < p->batches[i].nhosts; k++)
			bof[p->batches[i].hosts[k]] = i + 1;
	for (i = 0; i < nbw; i++) {
		const struct bwarn *w = &bw[i];
		char *s;

		if (w->kind == 0)
			s = xasprintf("batch %zu: host %s alone puts more than "
			    "the allowed share of a customer's guests down",
			    bof[w->host], c->hosts[w->host].name);
		else
			s = xasprintf("batch %zu: host %s reboots with the "
			    "DRBD copy of %s: no host of its group has room "
			    "for it", bof[w->host], c->hosts[w->host].name,
			    c->guests[w->guest].name);
		p->warnings = xreallocarray(p->warnings, p->nwarnings + 1,
		    sizeof(char *));
		p->warnings[p->nwarnings++] = s;
	}
	free(bof);
}

/* Is plan a better than plan b? */
static int
better(const struct plan_maintenance *a, const struct plan_maintenance *b)
{
	if (a->nrebooted != b->nrebooted)
		return a->nrebooted < b->nrebooted;
	if (a->nbatches != b->nbatches)
		return a->nbatches < b->nbatches;
	return a->total_s < b->total_s;
}

void
plan_maint_opts_init(struct plan_maint_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_parallel = 0;
	o->max_customer_down_pct = 100;
	o->reboot_s = 300;
	o->migrate_s_per_gib = 2;	/* about 4 Gbit/s */
	o->max_util_pct = 100;
	o->roll = PLAN_ROLL_BACK;
	o->link_parallel = 1;
}

#define NTRIALS	4	/* greedy, then k = lb .. lb + 2 groups */

enum trial_state {
	TRIAL_WAITING,
	TRIAL_RUNNING,
	TRIAL_DONE,
	TRIAL_DROPPED		/* not started or given up: never chosen */
};

/* One build: its plan and the fates it left (plist slot order). */
struct trial {
	struct plan_maintenance	*p;		/* NULL: not built */
	int32_t			*fate;
	int32_t			*sfate;		/* slist slot order */
	struct bwarn		*bw;
	size_t			 nbw;
	enum trial_state	 state;
};

/*
 * The builds to try, taken by one or two threads (each with a struct
 * maint of its own): the balanced ones first, greedy last, since the
 * balanced ones usually win and a build that can no longer win is given
 * up (needed()).  They are compared afterwards in their own order, so the
 * plan is the one a single thread building them all would choose.
 */
struct trials {
	pthread_mutex_t	 mu;
	const int32_t	*cand;
	size_t		 ncand;
	size_t		 lb;		/* lower bound on batches */
	size_t		 pinned;	/* guests that reboot in any plan */
	size_t		 n;		/* builds */
	size_t		 next;		/* the next to take, in take order */
	struct trial	 t[NTRIALS];
};

/* A plan no build can better: only what cannot move reboots, lb batches. */
static int
optimal(const struct trials *ts, const struct plan_maintenance *p)
{
	return p->nbatches <= ts->lb && p->nrebooted <= ts->pinned;
}

/*
 * Can build v still be the plan chosen (pick())?  Not when an earlier
 * build is done and optimal (it is chosen first), nor when a build done
 * is better than anything v can still become: its batches and reboots so
 * far (partial, or NULL before it starts) only grow.  ts->mu held.
 */
static int
needed_locked(const struct trials *ts, size_t v,
    const struct plan_maintenance *partial)
{
	const struct plan_maintenance *u;
	size_t i;

	for (i = 0; i < ts->n; i++) {
		if (ts->t[i].state != TRIAL_DONE)
			continue;
		u = ts->t[i].p;
		if (i < v && optimal(ts, u))
			return 0;
		if (partial != NULL && (partial->nrebooted > u->nrebooted ||
		    (partial->nrebooted >= u->nrebooted &&
		    partial->nbatches > u->nbatches)))
			return 0;
	}
	return 1;
}

static int
needed(struct trials *ts, size_t v, const struct plan_maintenance *partial)
{
	int r;

	pthread_mutex_lock(&ts->mu);
	r = needed_locked(ts, v, partial);
	pthread_mutex_unlock(&ts->mu);
	return r;
}

/* needed() for a build that will have at least nbatches batches. */
static int
needed_batches(struct trials *ts, size_t v, size_t nbatches)
{
	struct plan_maintenance least;

	memset(&least, 0, sizeof(least));
	least.nbatches = nbatches;
	least.nrebooted = ts->pinned;	/* every build reboots those */
	return needed(ts, v, &least);
}

/*
 * The best of the builds done, compared in their order, stopping once
 * one is optimal (the first optimal build wins).
 */
static size_t
pick(const struct trials *ts)
{
	size_t v, best = SIZE_MAX;

	for (v = 0; v < ts->n; v++) {
		if (ts->t[v].state != TRIAL_DONE)
			continue;
		if (best == SIZE_MAX || better(ts->t[v].p, ts->t[best].p))
			best = v;
		if (optimal(ts, ts->t[best].p))
			break;
	}
	return best;
}

/* The build taken i-th: 1 .. n-1 (balanced), then 0 (greedy). */
static size_t
take_order(const struct trials *ts, size_t i)
{
	return ts->n > 1 && i < ts->n - 1 ? i + 1 : 0;
}

/* Takes builds one after another until none is left or needed. */
static void
run_trials(struct maint *m, struct trials *ts)
{
	size_t v;
	int rc;

	for (;;) {
		pthread_mutex_lock(&ts->mu);
		for (;;) {
			if (ts->next >= ts->n) {
				pthread_mutex_unlock(&ts->mu);
				return;
			}
			v = take_order(ts, ts->next++);
			if (needed_locked(ts, v, NULL))
				break;
			ts->t[v].state = TRIAL_DROPPED;
		}
		ts->t[v].state = TRIAL_RUNNING;
		pthread_mutex_unlock(&ts->mu);
		m->p = xcalloc(1, sizeof(*m->p));
		m->fate = xcalloc(m->c->nguests + 1, sizeof(int32_t));
		m->sfate = m->o->full_evacuation ? xcalloc(m->c->nguests + 1,
		    sizeof(int32_t)) : NULL;
		m->bw = NULL;
		m->nbw = 0;
		m->v = v;
		rc = build(m, ts->cand, ts->ncand, v == 0 ? 0 : ts->lb + v - 1);
		pthread_mutex_lock(&ts->mu);
		ts->t[v].p = m->p;
		ts->t[v].fate = m->fate;
		ts->t[v].sfate = m->sfate;
		ts->t[v].bw = m->bw;
		ts->t[v].nbw = m->nbw;
		ts->t[v].state = rc == 0 ? TRIAL_DONE : TRIAL_DROPPED;
		pthread_mutex_unlock(&ts->mu);
		m->p = NULL;
		m->fate = NULL;
		m->sfate = NULL;
		m->bw = NULL;
	}
}

/*
 * A second planner over the same setup: shares what setup() computed,
 * has its own loads, flags and fit tree (as they are between batches).
 */
static void
maint_fork(const struct maint *m, struct maint *w)
{
	const struct plan_cluster *c = m->c;

	*w = *m;
	w->ld = xreallocarray(NULL, c->nhosts + 1, sizeof(*w->ld));
	memcpy(w->ld, m->ld0, c->nhosts * sizeof(*w->ld));
	w->inbatch = xcalloc(c->nhosts + 1, 1);
	w->received = xcalloc(c->nhosts + 1, sizeof(int32_t));
	w->cdown = xcalloc(c->ncustomers + 1, sizeof(size_t));
	w->htime = xcalloc(c->nhosts + 1, sizeof(double));
	w->fit = plan_fit_copy(m->fit);
	w->fate = NULL;
	w->p = NULL;
}

/* Frees what maint_fork() gave w of its own. */
static void
maint_fork_release(struct maint *w)
{
	free(w->ld);
	free(w->inbatch);
	free(w->received);
	free(w->cdown);
	free(w->htime);
	plan_fit_free(w->fit);
}

struct worker {
	struct maint	 m;
	struct trials	*ts;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	run_trials(&w->m, w->ts);
	return NULL;
}

/*
 * Builds the trials, on a second thread too when there is a second CPU
 * and more than one build; returns the index of the best.
 */
static size_t
build_trials(struct maint *m, struct trials *ts)
{
	struct worker w;
	pthread_t tid;
	int threaded = 0;
	size_t best;

	if (ts->n > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		maint_fork(m, &w.m);
		w.ts = ts;
		if (plan_thread_start(&tid, worker_main, &w) == 0)
			threaded = 1;
		else
			maint_fork_release(&w.m);
	}
	run_trials(m, ts);
	if (threaded) {
		pthread_join(tid, NULL);
		maint_fork_release(&w.m);
	}
	/* a build is dropped only for one done that is at least as good */
	if ((best = pick(ts)) == SIZE_MAX)
		abort();
	return best;
}

int
plan_maintenance(const struct plan_cluster *c,
    const struct plan_maint_opts *o, struct plan_maintenance **out,
    struct herr *e)
{
	struct maint m;
	struct trials ts;
	struct plan_maintenance *best;
	int32_t *cand = NULL;
	size_t ncand = 0, b, v;

	*out = NULL;
	if (o->max_customer_down_pct < 0 || o->max_customer_down_pct > 100)
		return herr_set(e, HERR_USAGE, "customer share must be "
		    "0-100%%");
	if (o->max_util_pct < 1 || o->max_util_pct > 100)
		return herr_set(e, HERR_USAGE, "max utilisation must be "
		    "1-100%%");
	if (!isfinite(o->reboot_s) || o->reboot_s < 0 ||
	    !isfinite(o->migrate_s_per_gib) || o->migrate_s_per_gib < 0)
		return herr_set(e, HERR_USAGE, "durations must be >= 0");
	if (o->roll != PLAN_ROLL_BACK && o->roll != PLAN_ROLL_FORWARD)
		return herr_set(e, HERR_USAGE, "unknown roll mode");
	if (o->link_parallel < 1 || o->link_parallel > 64)
		return herr_set(e, HERR_USAGE, "migrations at once on a link "
		    "must be 1-64");
	if (o->full_evacuation && o->roll == PLAN_ROLL_FORWARD)
		return herr_set(e, HERR_USAGE, "full evacuation is planned "
		    "rolling back only");
	if (plan_cluster_groups_ok(c, e) == -1)
		return -1;
	if (o->roll == PLAN_ROLL_FORWARD) {
		if (plan_roll_forward(c, o, out, e) == -1)
			return -1;
		plan_maint_cost(c, o, *out);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.c = c;
	m.o = o;
	setup(&m, &cand, &ncand);
	/* greedy, then balanced groups from the lower bound up: the best,
	 * or the first that reboots only what cannot move in lb batches */
	memset(&ts, 0, sizeof(ts));
	pthread_mutex_init(&ts.mu, NULL);
	ts.cand = cand;
	ts.ncand = ncand;
	ts.lb = lower_bound(&m, cand, ncand);
	for (v = 0; v < c->nguests; v++)
		ts.pinned += (!plan_guest_may_move(c, o, (int32_t)v) ||
		    plan_guest_choice(c, (int32_t)v) == PLAN_CHOICE_IN_PLACE) &&
		    m.cyc[c->guests[v].host];
	for (ts.n = 1; ts.n < NTRIALS && ts.lb + ts.n - 1 <= ncand; ts.n++)
		;
	m.ts = &ts;
	b = build_trials(&m, &ts);
	best = ts.t[b].p;
	if (o->master_last)
		master_last(c, best);
	fill_guests(&m, best, ts.t[b].fate, ts.t[b].sfate);
	warn_text(c, best, ts.t[b].bw, ts.t[b].nbw);
	for (v = 0; v < NTRIALS; v++) {
		free(ts.t[v].fate);
		free(ts.t[v].sfate);
		free(ts.t[v].bw);
		if (v != b)
			plan_maintenance_free(ts.t[v].p);
	}
	pthread_mutex_destroy(&ts.mu);
	for (v = 0; v < c->nhosts; v++)
		best->nskipped += !m.cyc[v];
	free(cand);
	maint_release(&m);
	best->roll = PLAN_ROLL_BACK;
	plan_maint_cost(c, o, best);
	*out = best;
	return 0;
}

void
plan_maintenance_free(struct plan_maintenance *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nbatches; i++)
		free(p->batches[i].hosts);
	for (i = 0; i < p->nwarnings; i++)
		free(p->warnings[i]);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->batches);
	free(p->guests);
	free(p->warnings);
	free(p->notes);
	free(p->moves);
	free(p->slots);
	free(p);
}
