/*
 * The consolidation planner: move every guest off the retired hosts.
 *
 * 1. Items: a guest's primary on a retired host, a DRBD secondary on a
 *    retired host.  Biggest first (by their largest share of a host).
 * 2. Each item goes to the first eligible host, in "fullest first"
 *    order, where it fits (the fit tree finds it in O(log hosts)).
 *    Every guest moves once: the fewest moves the result allows.
 * 3. An item that fits nowhere may make room: one live-migratable guest
 *    is moved off a target to another host (an "ejection").  Hosts that
 *    eject never receive ejections, so the moves cannot form a cycle.
 * 4. --pack: then try to empty more hosts, those with the fewest guests
 *    first, one at a time, keeping a host empty only if all its guests
 *    fit elsewhere (with no --retire, this is all it does).
 * 5. plan_order_moves() orders the moves so that every step fits.
 *
 * A node group is a migration domain: an item only goes to hosts of the
 * group of the host it started on, each group a range of the fit tree.
 * Offline hosts are no targets; a guest leaves one with a reboot.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

#define EJECT_BUDGET	4000000	/* guest checks spent on ejections */

struct cons {
	const struct plan_cluster		*c;
	const struct plan_consolidate_opts	*o;
	struct plan_load	*ld;		/* current load per host */
	struct plan_load	*cap;
	uint8_t			*retired;
	uint8_t			*target;	/* may receive guests */
	uint8_t			*ejector;
	uint8_t			*receiver;	/* received an ejection */
	int32_t			*dest;		/* item -> new host or NONE */
	int32_t			*hstart;	/* host -> first in hitem */
	int32_t			*hitem;		/* items by original host */
	int32_t			**arr;		/* host -> items moved to it */
	size_t			*narr;		/* (stale ones are skipped) */
	struct plan_fit		*fit;
	size_t			*gstart;	/* node group -> its range of
						   the fit tree's order */
	int32_t			*failed;
	size_t			 nfailed;
	long			 budget;
};

/* Items: guest * 2 + kind (0 primary, 1 secondary). */
static int32_t
item_orig(const struct cons *s, int32_t it)
{
	const struct plan_guest *g = &s->c->guests[it / 2];

	return it % 2 == 0 ? g->host : g->secondary;
}

/* The range of the fit tree for an item that started on host h. */
static size_t
glo(const struct cons *s, int32_t h)
{
	return s->gstart[s->c->hosts[h].group];
}

static size_t
ghi(const struct cons *s, int32_t h)
{
	return s->gstart[s->c->hosts[h].group + 1];
}

static int32_t
item_at(const struct cons *s, int32_t it)
{
	return s->dest[it] != PLAN_NONE ? s->dest[it] : item_orig(s, it);
}

/* The other copy's host, which this item may not join. */
static int32_t
item_other(const struct cons *s, int32_t it)
{
	const struct plan_guest *g = &s->c->guests[it / 2];

	if (it % 2 == 0)
		return s->dest[it + 1] != PLAN_NONE ? s->dest[it + 1] :
		    g->secondary;
	return item_at(s, it - 1);
}

static void
item_need(const struct cons *s, int32_t it, struct plan_load *need)
{
	plan_move_need(&s->c->guests[it / 2], it % 2 == 0 ?
	    PLAN_MOVE_PRIMARY : PLAN_MOVE_SECONDARY, need);
}

static void
refresh(struct cons *s, int32_t h)
{
	struct plan_load fr;

	if (!s->target[h]) {
		plan_fit_set(s->fit, h, NULL);
		return;
	}
	fr.ram = s->cap[h].ram - s->ld[h].ram;
	fr.disk = s->cap[h].disk - s->ld[h].disk;
	fr.vcpu = s->cap[h].vcpu - s->ld[h].vcpu;
	fr.nguests = 0;
	plan_fit_set(s->fit, h, &fr);
}

/* Moves item it from where it is now to host to (bookkeeping only). */
static void
relocate(struct cons *s, int32_t it, int32_t to)
{
	struct plan_load need;
	int32_t from = item_at(s, it);

	item_need(s, it, &need);
	plan_load_add(&s->ld[from], &need, -1);
	plan_load_add(&s->ld[to], &need, 1);
	s->dest[it] = to == item_orig(s, it) ? PLAN_NONE : to;
	if (s->dest[it] != PLAN_NONE) {
		/* capacity doubles at powers of two */
		size_t n = s->narr[to];

		if (n == 0 || (n >= 8 && (n & (n - 1)) == 0))
			s->arr[to] = xreallocarray(s->arr[to],
			    n == 0 ? 8 : 2 * n, sizeof(int32_t));
		s->arr[to][s->narr[to]++] = it;
	}
	refresh(s, from);
	refresh(s, to);
}

int
plan_selector_match(const struct plan_host *h, const char **sel,
    size_t nsel)
{
	size_t i;
	char *tags, *t, *save = NULL;
	int hit = 0;

	for (i = 0; i < nsel && !hit; i++) {
		if (fnmatch(sel[i], h->name, 0) == 0)
			return 1;
		tags = xstrdup(h->tags);
		for (t = strtok_r(tags, ",", &save); t != NULL && !hit;
		    t = strtok_r(NULL, ",", &save))
			hit = fnmatch(sel[i], t, 0) == 0;
		free(tags);
	}
	return hit;
}

static double *sort_key;	/* for qsort only; set around the call */

static int
cmp_desc(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (sort_key[x] != sort_key[y])
		return sort_key[x] > sort_key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int
cmp_asc(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (sort_key[x] != sort_key[y])
		return sort_key[x] < sort_key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
sort_by(int32_t *v, size_t n, double *key, int desc)
{
	sort_key = key;
	qsort(v, n, sizeof(*v), desc ? cmp_desc : cmp_asc);
	sort_key = NULL;
}

static int
setup(struct cons *s)
{
	const struct plan_cluster *c = s->c;
	size_t i, ntarget = 0, n = 0;
	int32_t *order;
	double *key;

	s->ld = xcalloc(c->nhosts + 1, sizeof(*s->ld));
	s->cap = xcalloc(c->nhosts + 1, sizeof(*s->cap));
	s->retired = xcalloc(c->nhosts + 1, 1);
	s->target = xcalloc(c->nhosts + 1, 1);
	s->ejector = xcalloc(c->nhosts + 1, 1);
	s->receiver = xcalloc(c->nhosts + 1, 1);
	s->arr = xcalloc(c->nhosts + 1, sizeof(*s->arr));
	s->narr = xcalloc(c->nhosts + 1, sizeof(*s->narr));
	s->hstart = xcalloc(c->nhosts + 2, sizeof(int32_t));
	s->dest = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	s->hitem = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	s->failed = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	s->budget = EJECT_BUDGET;
	plan_load_init(c, s->ld);
	plan_caps_init(c, s->o->max_util_pct, s->cap);
	for (i = 0; i < 2 * c->nguests; i++)
		s->dest[i] = PLAN_NONE;
	for (i = 0; i < c->nhosts; i++) {
		const struct plan_host *h = &c->hosts[i];

		s->retired[i] = (uint8_t)plan_selector_match(h, s->o->retire,
		    s->o->nretire);
		s->target[i] = !s->retired[i] && plan_host_target(h) &&
		    (s->o->to == PLAN_DISK_UNKNOWN || h->disk_kind == s->o->to);
		ntarget += s->target[i];
	}
	/* items by original host (counting sort) */
	for (i = 0; i < 2 * c->nguests; i++)
		if (item_orig(s, (int32_t)i) != PLAN_NONE)
			s->hstart[item_orig(s, (int32_t)i) + 1]++;
	for (i = 0; i < c->nhosts; i++)
		s->hstart[i + 1] += s->hstart[i];
	order = xcalloc(c->nhosts + 1, sizeof(int32_t));
	for (i = 0; i < 2 * c->nguests; i++) {
		int32_t h = item_orig(s, (int32_t)i);

		if (h != PLAN_NONE)
			s->hitem[s->hstart[h] + order[h]++] = (int32_t)i;
	}
	/* targets, fullest (least free RAM share) first */
	key = xcalloc(c->nhosts + 1, sizeof(double));
	for (i = 0; i < c->nhosts; i++) {
		if (!s->target[i])
			continue;
		order[n++] = (int32_t)i;
		key[i] = s->cap[i].ram > 0 ? (double)(s->cap[i].ram -
		    s->ld[i].ram) / (double)s->cap[i].ram : 0;
	}
	sort_by(order, n, key, 0);
	s->gstart = xcalloc(plan_ngroups(c) + 1, sizeof(size_t));
	plan_order_by_group(c, order, n, s->gstart);
	s->fit = plan_fit_new(c->nhosts, order, n);
	for (i = 0; i < c->nhosts; i++)
		refresh(s, (int32_t)i);
	free(order);
	free(key);
	return (int)ntarget;
}

static void
cons_release(struct cons *s)
{
	size_t i;

	free(s->ld);
	free(s->cap);
	free(s->retired);
	free(s->target);
	free(s->ejector);
	free(s->receiver);
	for (i = 0; i < s->c->nhosts && s->arr != NULL; i++)
		free(s->arr[i]);
	free(s->arr);
	free(s->narr);
	free(s->hstart);
	free(s->dest);
	free(s->hitem);
	free(s->failed);
	free(s->gstart);
	plan_fit_free(s->fit);
}

/* The items to move off the retired hosts, biggest first. */
static int32_t *
evac_items(struct cons *s, size_t *n)
{
	const struct plan_cluster *c = s->c;
	int32_t *v = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	double *key = xcalloc(2 * c->nguests + 1, sizeof(double));
	double tr = 1, td = 1, tv = 1;
	size_t i, nt = 0;

	for (i = 0; i < c->nhosts; i++)
		if (s->target[i]) {
			tr += (double)s->cap[i].ram;
			td += (double)s->cap[i].disk;
			tv += (double)s->cap[i].vcpu;
			nt++;
		}
	if (nt > 0) {
		tr /= (double)nt;
		td /= (double)nt;
		tv /= (double)nt;
	}
	*n = 0;
	for (i = 0; i < 2 * c->nguests; i++) {
		int32_t h = item_orig(s, (int32_t)i);
		struct plan_load need;
		double k;

		if (h == PLAN_NONE || !s->retired[h])
			continue;
		item_need(s, (int32_t)i, &need);
		k = (double)need.ram / tr;
		if ((double)need.disk / td > k)
			k = (double)need.disk / td;
		if ((double)need.vcpu / tv > k)
			k = (double)need.vcpu / tv;
		key[i] = k;
		v[(*n)++] = (int32_t)i;
	}
	sort_by(v, *n, key, 1);
	free(key);
	return v;
}

static int32_t
find_target(struct cons *s, int32_t it)
{
	struct plan_load need;

	item_need(s, it, &need);
	return plan_fit_first_in(s->fit, &need, item_other(s, it), PLAN_NONE,
	    glo(s, item_orig(s, it)), ghi(s, item_orig(s, it)));
}

/*
 * Makes room for item it on some target b by moving one live-migratable
 * primary that started on b to another host.  Returns 0 when it placed it.
 */
static int
eject_for(struct cons *s, int32_t it)
{
	const struct plan_cluster *c = s->c;
	struct plan_load need, en, after;
	int32_t b, k, e, to, other = item_other(s, it);

	item_need(s, it, &need);
	for (b = 0; (size_t)b < c->nhosts && s->budget > 0; b++) {
		if (!s->target[b] || s->receiver[b] || b == other ||
		    c->hosts[b].group != c->hosts[item_orig(s, it)].group)
			continue;
		after = s->ld[b];
		plan_load_add(&after, &need, 1);
		if (after.ram > s->cap[b].ram + c->hosts[b].ram_mib ||
		    after.disk > 2 * s->cap[b].disk)
			continue;	/* hopeless: one guest cannot help */
		for (k = s->hstart[b]; k < s->hstart[b + 1]; k++) {
			e = s->hitem[k];
			s->budget--;
			if (e % 2 != 0 || s->dest[e] != PLAN_NONE ||
			    !c->guests[e / 2].live_migrate)
				continue;
			item_need(s, e, &en);
			after = s->ld[b];
			plan_load_add(&after, &need, 1);
			plan_load_add(&after, &en, -1);
			if (!plan_load_fits(&after, &s->cap[b]))
				continue;
			to = plan_fit_first_in(s->fit, &en, item_other(s, e),
			    b, glo(s, b), ghi(s, b));
			if (to == PLAN_NONE || s->ejector[to])
				continue;
			relocate(s, e, to);
			s->ejector[b] = 1;
			s->receiver[to] = 1;
			relocate(s, it, b);
			return 0;
		}
	}
	return -1;
}

static void
evacuate(struct cons *s)
{
	size_t n, i;
	int32_t *items = evac_items(s, &n), h;

	for (i = 0; i < n; i++) {
		h = find_target(s, items[i]);
		if (h != PLAN_NONE)
			relocate(s, items[i], h);
		else
			s->failed[s->nfailed++] = items[i];
	}
	/* second chance: make room by one ejection each */
	n = s->nfailed;
	s->nfailed = 0;
	for (i = 0; i < n; i++)
		if (eject_for(s, s->failed[i]) == -1)
			s->failed[s->nfailed++] = s->failed[i];
	free(items);
}

/* Tries to empty host h; all or nothing. */
static void
pack_host(struct cons *s, int32_t h, int32_t *undo_it, int32_t *undo_from)
{
	const struct plan_cluster *c = s->c;
	size_t nundo = 0, i;
	int32_t k, it, to;
	int ok = 1;

	s->target[h] = 0;
	refresh(s, h);
	for (k = s->hstart[h]; k < s->hstart[h + 1] && ok; k++) {
		it = s->hitem[k];
		if (s->dest[it] != PLAN_NONE)
			continue;
		if (!c->guests[it / 2].live_migrate ||
		    (to = find_target(s, it)) == PLAN_NONE) {
			ok = 0;
			break;
		}
		undo_it[nundo] = it;
		undo_from[nundo++] = h;
		relocate(s, it, to);
	}
	for (i = 0; i < s->narr[h] && ok; i++) {
		it = s->arr[h][i];
		if (item_at(s, it) != h)
			continue;	/* moved on already */
		if ((to = find_target(s, it)) == PLAN_NONE) {
			ok = 0;
			break;
		}
		undo_it[nundo] = it;
		undo_from[nundo++] = h;
		relocate(s, it, to);
	}
	if (ok && s->ld[h].nguests == 0)
		return;
	for (i = nundo; i > 0; i--)
		relocate(s, undo_it[i - 1], undo_from[i - 1]);
	s->target[h] = 1;
	refresh(s, h);
}

static void
pack(struct cons *s)
{
	const struct plan_cluster *c = s->c;
	int32_t *order = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	int32_t *undo_it = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	int32_t *undo_from = xmalloc((2 * c->nguests + 1) * sizeof(int32_t));
	double *key = xcalloc(c->nhosts + 1, sizeof(double));
	size_t n = 0, i;

	for (i = 0; i < c->nhosts; i++) {
		if (!s->target[i] || s->ld[i].nguests == 0 || s->ejector[i])
			continue;
		order[n++] = (int32_t)i;
		/* fewest guests (moves) first, then the least used RAM */
		key[i] = (double)s->ld[i].nguests + (s->cap[i].ram > 0 ?
		    (double)s->ld[i].ram / (double)s->cap[i].ram : 0);
	}
	sort_by(order, n, key, 0);
	for (i = 0; i < n; i++)
		pack_host(s, order[i], undo_it, undo_from);
	free(order);
	free(undo_it);
	free(undo_from);
	free(key);
}

static void
explain(struct cons *s, int32_t it, struct plan_unplaced *u)
{
	const struct plan_cluster *c = s->c;
	struct plan_load need, best = { -1, -1, -1, 0 };
	int32_t other = item_other(s, it);
	size_t h;

	item_need(s, it, &need);
	u->guest = it / 2;
	u->kind = it % 2 == 0 ? PLAN_MOVE_PRIMARY : PLAN_MOVE_SECONDARY;
	for (h = 0; h < c->nhosts; h++) {
		if (!s->target[h] || (int32_t)h == other ||
		    c->hosts[h].group != c->hosts[item_orig(s, it)].group)
			continue;
		if (s->cap[h].ram - s->ld[h].ram > best.ram)
			best.ram = s->cap[h].ram - s->ld[h].ram;
		if (s->cap[h].disk - s->ld[h].disk > best.disk)
			best.disk = s->cap[h].disk - s->ld[h].disk;
		if (s->cap[h].vcpu - s->ld[h].vcpu > best.vcpu)
			best.vcpu = s->cap[h].vcpu - s->ld[h].vcpu;
	}
	u->why = PLAN_WHY_COMBINED;
	u->need = u->best = 0;
	if (best.ram < 0) {
		u->why = PLAN_WHY_NO_TARGET;
	} else if (need.ram > best.ram) {
		u->why = PLAN_WHY_RAM;
		u->need = need.ram;
		u->best = best.ram;
	} else if (need.disk > best.disk) {
		u->why = PLAN_WHY_DISK;
		u->need = need.disk;
		u->best = best.disk;
	} else if (need.vcpu > best.vcpu) {
		u->why = PLAN_WHY_VCPU;
		u->need = need.vcpu;
		u->best = best.vcpu;
	}
}

static void
result(struct cons *s, struct plan_consolidation *p)
{
	const struct plan_cluster *c = s->c;
	struct plan_load *ld0 = xcalloc(c->nhosts + 1, sizeof(*ld0));
	size_t i;

	p->moves = xcalloc(2 * c->nguests + 1, sizeof(*p->moves));
	for (i = 0; i < c->nhosts; i++) {
		/* moves grouped by source host, in host then guest order */
		int32_t k;

		for (k = s->hstart[i]; k < s->hstart[i + 1]; k++) {
			int32_t it = s->hitem[k];
			struct plan_move *m;

			if (s->dest[it] == PLAN_NONE)
				continue;
			m = &p->moves[p->nmoves++];
			m->guest = it / 2;
			m->kind = it % 2 == 0 ? PLAN_MOVE_PRIMARY :
			    PLAN_MOVE_SECONDARY;
			m->from = (int32_t)i;
			m->to = s->dest[it];
			m->reboot = m->kind == PLAN_MOVE_PRIMARY &&
			    (!c->guests[m->guest].live_migrate ||
			    c->hosts[i].offline);
			p->nreboots += (size_t)m->reboot;
		}
	}
	p->unplaced = xcalloc(s->nfailed + 1, sizeof(*p->unplaced));
	for (i = 0; i < s->nfailed; i++)
		explain(s, s->failed[i], &p->unplaced[p->nunplaced++]);
	p->retired = xcalloc(c->nhosts + 1, 1);
	p->empty_after = xcalloc(c->nhosts + 1, 1);
	plan_load_init(c, ld0);
	for (i = 0; i < c->nhosts; i++) {
		p->retired[i] = s->retired[i];
		p->nretired += s->retired[i];
		p->empty_after[i] = s->ld[i].nguests == 0;
		p->nempty_after += p->empty_after[i];
		p->nempty_before += ld0[i].nguests == 0;
		p->nfreed += ld0[i].nguests != 0 && s->ld[i].nguests == 0;
	}
	free(ld0);
}

void
plan_consolidate_opts_init(struct plan_consolidate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->to = PLAN_DISK_UNKNOWN;
	o->max_util_pct = 100;
}

int
plan_consolidate(const struct plan_cluster *c,
    const struct plan_consolidate_opts *o, struct plan_consolidation **out,
    struct herr *e)
{
	struct cons s;
	struct plan_consolidation *p = NULL;
	size_t i, nret = 0;
	int rc = -1;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.o = o;
	if (o->nretire == 0 && !o->pack)
		return herr_set(e, HERR_USAGE, "nothing to retire: give "
		    "--retire SELECTOR or --pack");
	if (o->max_util_pct < 1 || o->max_util_pct > 100)
		return herr_set(e, HERR_USAGE, "max utilisation must be "
		    "1-100%%");
	if (plan_cluster_groups_ok(c, e) == -1)
		return -1;
	setup(&s);
	for (i = 0; i < c->nhosts; i++)
		nret += s.retired[i];
	if (nret == 0 && o->nretire > 0) {
		herr_set(e, HERR_NOTFOUND, "no host matches --retire %s%s",
		    o->retire[0], o->nretire > 1 ? " ..." : "");
		goto out;
	}
	evacuate(&s);
	if (o->pack)
		pack(&s);
	p = xcalloc(1, sizeof(*p));
	result(&s, p);
	if (plan_order_moves(c, p->moves, p->nmoves, o->max_util_pct, e) == -1)
		goto out;
	*out = p;
	p = NULL;
	rc = 0;
out:
	plan_consolidation_free(p);
	cons_release(&s);
	return rc;
}

void
plan_consolidation_free(struct plan_consolidation *p)
{
	if (p == NULL)
		return;
	free(p->moves);
	free(p->unplaced);
	free(p->retired);
	free(p->empty_after);
	free(p);
}
