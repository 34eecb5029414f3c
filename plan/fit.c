/*
 * The fit tree: first host in a given order where a guest fits.
 *
 * A B-ary max-tree (B = FANOUT) whose node holds the most free RAM, disk
 * and vCPUs of any host below it, the three side by side: a search scans
 * a node's children left to right, one or two cache lines each, and goes
 * down into the first that could hold the guest.  The hosts are the
 * leaves, in the caller's order, so the first leaf reached is the first
 * host in that order with room (a node is skipped only when no host below
 * it can have room).  Levels are stored leaves first; a node j of level
 * l has the children B*j .. B*j+B-1 on level l-1.
 *
 * plan_fit_save() keeps a copy of every node; plan_fit_restore() puts
 * back the paths of the leaves set since, which is all that changed.
 *
 * Guests come in a few sizes, and a host that had no room for a size
 * has none later either, as long as no host got more room (or came
 * back) since: the tree counts those events (the epoch), and remembers
 * per size the first leaf that had room.  A search for that size starts
 * there while the epoch is the same, usually at a host that still has
 * room.  The answer is the one a search from the first leaf would give.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "plan/plan_int.h"

#define NOFIT	(INT64_MIN / 4)
#define FANOUT	8
#define MAXLEVEL 24		/* FANOUT^23 leaves is far past any fleet */
#define NMEMO	64		/* remembered sizes, a power of two */

struct fit_node {
	int64_t	ram;
	int64_t	disk;
	int64_t	vcpu;
};

/*
 * For one size and a range starting at lo: from lo up to leaf pos,
 * nothing had room in this epoch.
 */
struct fit_memo {
	int64_t		ram;
	int64_t		disk;
	int64_t		vcpu;
	uint64_t	epoch;		/* 0: empty */
	size_t		lo;
	size_t		pos;		/* the range's end: no leaf had room */
};

struct plan_fit {
	int		  top;		/* level of the root; 0: root is a leaf */
	size_t		  nleaf;	/* a power of FANOUT */
	size_t		  norder;	/* leaves with a host: the first */
	size_t		  nhosts;
	size_t		  off[MAXLEVEL];	/* level -> first node */
	size_t		  span[MAXLEVEL];	/* level -> leaves below a node */
	struct fit_node	 *node;		/* all levels, leaves first */
	size_t		  nnodes;
	int32_t		 *host_at;	/* leaf -> host or PLAN_NONE */
	int32_t		 *leaf_of;	/* host -> leaf or PLAN_NONE */
	struct fit_node	 *saved;	/* plan_fit_save()'s copy, or NULL */
	int32_t		 *dirty;	/* leaves set since the save */
	size_t		  ndirty;
	uint8_t		 *isdirty;	/* per leaf */
	uint64_t	  epoch;	/* + 1 when a leaf gains room */
	struct fit_memo	  memo[NMEMO];
};

/*
 * One search: leaves from lo up to hi, the first with room noted in
 * first (hi if none).
 */
struct fit_search {
	const struct plan_fit	*f;
	const struct plan_load	*need;
	int32_t			 ex1;
	int32_t			 ex2;
	size_t			 lo;
	size_t			 hi;
	size_t			 first;
};

static const struct fit_node nofit = { NOFIT, NOFIT, NOFIT };

struct plan_fit *
plan_fit_new(size_t nhosts, const int32_t *order, size_t norder)
{
	struct plan_fit *f = xcalloc(1, sizeof(*f));
	size_t nleaf = 1, n, i;
	int l;

	while (nleaf < norder) {
		nleaf *= FANOUT;
		f->top++;
	}
	f->nleaf = nleaf;
	f->norder = norder;
	f->nhosts = nhosts;
	for (l = 0, n = nleaf; l <= f->top; l++, n /= FANOUT) {
		f->off[l] = f->nnodes;
		f->span[l] = nleaf / n;
		f->nnodes += n;
	}
	f->epoch = 1;
	f->node = xreallocarray(NULL, f->nnodes, sizeof(*f->node));
	for (i = 0; i < f->nnodes; i++)
		f->node[i] = nofit;
	f->host_at = xreallocarray(NULL, nleaf, sizeof(int32_t));
	f->leaf_of = xreallocarray(NULL, nhosts > 0 ? nhosts : 1,
	    sizeof(int32_t));
	f->isdirty = xcalloc(nleaf, 1);
	for (i = 0; i < nhosts; i++)
		f->leaf_of[i] = PLAN_NONE;
	for (i = 0; i < nleaf; i++)
		f->host_at[i] = i < norder ? order[i] : PLAN_NONE;
	for (i = 0; i < norder; i++)
		f->leaf_of[order[i]] = (int32_t)i;
	return f;
}

static void *
dup_array(const void *a, size_t n, size_t size)
{
	void *d;

	if (a == NULL)
		return NULL;
	d = xreallocarray(NULL, n > 0 ? n : 1, size);
	memcpy(d, a, n * size);
	return d;
}

struct plan_fit *
plan_fit_copy(const struct plan_fit *f)
{
	struct plan_fit *d = xmalloc(sizeof(*d));

	*d = *f;
	d->node = dup_array(f->node, f->nnodes, sizeof(*f->node));
	d->host_at = dup_array(f->host_at, f->nleaf, sizeof(int32_t));
	d->leaf_of = dup_array(f->leaf_of, f->nhosts > 0 ? f->nhosts : 1,
	    sizeof(int32_t));
	d->saved = dup_array(f->saved, f->nnodes, sizeof(*f->saved));
	if (f->dirty != NULL) {		/* room for every leaf */
		d->dirty = xreallocarray(NULL, f->nleaf, sizeof(int32_t));
		memcpy(d->dirty, f->dirty, f->ndirty * sizeof(int32_t));
	}
	d->isdirty = dup_array(f->isdirty, f->nleaf, 1);
	return d;
}

void
plan_fit_free(struct plan_fit *f)
{
	if (f == NULL)
		return;
	free(f->node);
	free(f->host_at);
	free(f->leaf_of);
	free(f->saved);
	free(f->dirty);
	free(f->isdirty);
	free(f);
}

/*
 * Node j of level l becomes the maximum of its children; returns 0 when
 * it stays as it was (so the levels above do too).
 */
static int
pull_up(struct plan_fit *f, int l, size_t j)
{
	const struct fit_node *ch = &f->node[f->off[l - 1] + j * FANOUT];
	struct fit_node m = ch[0], *to = &f->node[f->off[l] + j];
	size_t i;

	for (i = 1; i < FANOUT; i++) {
		m.ram = ch[i].ram > m.ram ? ch[i].ram : m.ram;
		m.disk = ch[i].disk > m.disk ? ch[i].disk : m.disk;
		m.vcpu = ch[i].vcpu > m.vcpu ? ch[i].vcpu : m.vcpu;
	}
	if (m.ram == to->ram && m.disk == to->disk && m.vcpu == to->vcpu)
		return 0;
	*to = m;
	return 1;
}

/*
 * Node j of level l after one child changed from o to n (n written
 * already): the new maximum without reading the other children when it
 * can be told (n no smaller, or o was not the largest); 0 when nothing
 * changed.
 */
static int
pull_up_one(struct plan_fit *f, int l, size_t j, const struct fit_node *o,
    const struct fit_node *n)
{
	struct fit_node *to = &f->node[f->off[l] + j], m;

	if ((n->ram < o->ram && o->ram >= to->ram) ||
	    (n->disk < o->disk && o->disk >= to->disk) ||
	    (n->vcpu < o->vcpu && o->vcpu >= to->vcpu))
		return pull_up(f, l, j);	/* o may have been the max */
	m.ram = n->ram > to->ram ? n->ram : to->ram;
	m.disk = n->disk > to->disk ? n->disk : to->disk;
	m.vcpu = n->vcpu > to->vcpu ? n->vcpu : to->vcpu;
	if (m.ram == to->ram && m.disk == to->disk && m.vcpu == to->vcpu)
		return 0;
	*to = m;
	return 1;
}

void
plan_fit_set(struct plan_fit *f, int32_t host, const struct plan_load *fr)
{
	struct fit_node o, n, po;
	size_t j;
	int l;

	if (f->leaf_of[host] == PLAN_NONE)
		return;
	j = (size_t)f->leaf_of[host];
	if (f->saved != NULL && !f->isdirty[j]) {
		f->isdirty[j] = 1;
		f->dirty[f->ndirty++] = (int32_t)j;
	}
	o = f->node[j];
	if (fr != NULL) {
		if (fr->ram > f->node[j].ram || fr->disk > f->node[j].disk ||
		    fr->vcpu > f->node[j].vcpu)
			f->epoch++;
		f->node[j].ram = fr->ram;
		f->node[j].disk = fr->disk;
		f->node[j].vcpu = fr->vcpu;
	} else
		f->node[j] = nofit;
	n = f->node[j];
	for (l = 1; l <= f->top; l++) {
		j /= FANOUT;
		po = f->node[f->off[l] + j];
		if (!pull_up_one(f, l, j, &o, &n))
			break;
		o = po;
		n = f->node[f->off[l] + j];
	}
}

static int
fits(const struct fit_node *n, const struct plan_load *need)
{
	return n->ram >= need->ram && n->disk >= need->disk &&
	    n->vcpu >= need->vcpu;
}

/*
 * The first host at leaf s->lo or later below node j of level l (which
 * has room for s->need), or NONE.  Leaves before s->lo are skipped: the
 * caller knows they have no room.
 */
static int32_t
find(struct fit_search *s, int l, size_t j)
{
	const struct plan_fit *f = s->f;
	const struct fit_node *ch;
	size_t i = 0, c0 = j * FANOUT;
	int32_t h;

	if (l == 0) {
		if (s->first == s->hi)
			s->first = j;
		h = f->host_at[j];
		return h == s->ex1 || h == s->ex2 ? PLAN_NONE : h;
	}
	if (s->lo / f->span[l - 1] > c0)
		i = s->lo / f->span[l - 1] - c0;
	ch = &f->node[f->off[l - 1] + c0];
	for (; i < FANOUT; i++) {
		if (!fits(&ch[i], s->need))
			continue;
		h = find(s, l - 1, c0 + i);
		if (h != PLAN_NONE)
			return h;
	}
	return PLAN_NONE;
}

/*
 * find() in a range that ends early, before leaf s->hi (a node group's):
 * only the children that start before it (node j does, or the search
 * would not be here).  Apart from find(), which the searches of the whole
 * order take, so that they pay nothing for the bound.
 */
static int32_t
find_in(struct fit_search *s, int l, size_t j)
{
	const struct plan_fit *f = s->f;
	const struct fit_node *ch;
	size_t i = 0, c0 = j * FANOUT, end = FANOUT, last;
	int32_t h;

	if (l == 0)
		return find(s, 0, j);
	if (s->lo / f->span[l - 1] > c0)
		i = s->lo / f->span[l - 1] - c0;
	if ((last = (s->hi - 1) / f->span[l - 1]) < c0 + FANOUT - 1)
		end = last - c0 + 1;
	ch = &f->node[f->off[l - 1] + c0];
	for (; i < end; i++) {
		if (!fits(&ch[i], s->need))
			continue;
		h = find_in(s, l - 1, c0 + i);
		if (h != PLAN_NONE)
			return h;
	}
	return PLAN_NONE;
}

static struct fit_memo *
memo_of(struct plan_fit *f, const struct plan_load *need)
{
	uint64_t k = (uint64_t)need->ram * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)need->disk * 0xc2b2ae3d27d4eb4fULL ^
	    (uint64_t)need->vcpu * 0x165667b19e3779f9ULL;

	return &f->memo[(k >> 40) & (NMEMO - 1)];
}

int32_t
plan_fit_first(struct plan_fit *f, const struct plan_load *need,
    int32_t ex1, int32_t ex2)
{
	return plan_fit_first_in(f, need, ex1, ex2, 0, f->nleaf);
}

int32_t
plan_fit_first_in(struct plan_fit *f, const struct plan_load *need,
    int32_t ex1, int32_t ex2, size_t lo, size_t hi)
{
	struct fit_memo *mo = memo_of(f, need);
	struct fit_search s = { f, need, ex1, ex2, lo, hi, hi };
	int32_t h;

	/* to the order's end is to the tree's: no bound to keep */
	if (hi >= f->norder)
		hi = s.hi = s.first = f->nleaf;
	if (lo >= hi)
		return PLAN_NONE;
	if (mo->epoch == f->epoch && mo->ram == need->ram &&
	    mo->disk == need->disk && mo->vcpu == need->vcpu &&
	    mo->lo == lo) {
		if (mo->pos >= hi)
			return PLAN_NONE;
		s.lo = mo->pos;
		/* the usual case: that host still has room */
		h = f->host_at[s.lo];
		if (fits(&f->node[s.lo], need) && h != ex1 && h != ex2)
			return h;
	}
	h = PLAN_NONE;
	if (fits(&f->node[f->off[f->top]], need))
		h = hi < f->nleaf ? find_in(&s, f->top, 0) :
		    find(&s, f->top, 0);
	*mo = (struct fit_memo){ need->ram, need->disk, need->vcpu, f->epoch,
	    lo, s.first };
	return h;
}

void
plan_fit_save(struct plan_fit *f)
{
	size_t i;

	if (f->saved == NULL) {
		f->saved = xreallocarray(NULL, f->nnodes, sizeof(*f->saved));
		f->dirty = xreallocarray(NULL, f->nleaf, sizeof(int32_t));
	}
	memcpy(f->saved, f->node, f->nnodes * sizeof(*f->node));
	for (i = 0; i < f->ndirty; i++)
		f->isdirty[f->dirty[i]] = 0;
	f->ndirty = 0;
}

void
plan_fit_restore(struct plan_fit *f)
{
	size_t i, j, k;
	int l;

	if (f->saved == NULL)
		return;
	if (f->ndirty > 0)
		f->epoch++;
	for (i = 0; i < f->ndirty; i++) {
		j = (size_t)f->dirty[i];
		f->isdirty[j] = 0;
		for (l = 0; l <= f->top; l++, j /= FANOUT) {
			k = f->off[l] + j;
			f->node[k] = f->saved[k];
		}
	}
	f->ndirty = 0;
}
