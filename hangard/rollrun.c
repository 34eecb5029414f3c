/*
 * rollrun: a roll-forward cycle carried out (the plan: rollplan.c).
 *
 * The journal is the same as a window-by-window run's (run.c), each
 * host's chain contiguous, its window the host's batch:
 *
 *	mark		when the host's first step is due: state maintenance
 *	migrate		each move off the host, in the plan's order (a guest
 *			may have moves in several chains: it moves on)
 *	shutdown	the guests that reboot with it (pinned, chosen, or
 *			without room; some arrived to do so)
 *	patch, wait-up	the reboot
 *	start		those guests again
 *	unmark		state active
 *
 * Steps keep the plan's times (maint_steps.plan_start_s, plan_end_s),
 * which say what must end before what begins:
 *
 *   - a guest's moves one after the other;
 *   - a move into a host the plan has patched before it begins waits
 *     for that host's wait-up;
 *   - a move into a host waits for every move off that host the plan
 *     ends before it begins (so a host never holds more at once than
 *     at some moment of the plan, which the planner's checker replayed);
 *   - a host reboots (its shutdowns, then its patch) once every move
 *     off it has ended, and every move into it the plan ends before
 *     its reboot.
 *
 * Besides those, the run holds what the plan was made with: a host
 * sends at most per_link migrations at once and receives at most as
 * many, at most max_parallel hosts are down at once (a host whose
 * patch failed still counts), one worker step per host at a time.
 * Steps whose turn has come go in the plan's order (its start times).
 * So the next hosts evacuate while others reboot, as the plan has it,
 * however long each step really takes; a failed step stops what waits
 * on it, and the run stops only when nothing else can go.
 *
 * Migrations run on threads of their own (a host sends several at
 * once), each with its own connection to the source host.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "hangard/rollplan.h"
#include "hangard/run.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define EPS	1e-6	/* plan times are to the millisecond */

struct ilist {
	int32_t	*v;
	size_t	 n, cap;
};

static void
ipush(struct ilist *l, int32_t x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = x;
}

struct rhost {
	const char	*name;		/* a step's, borrowed */
	int32_t		 mark, patch, waitup, unmark;	/* steps, or -1 */
	struct ilist	 out, in;	/* migrate steps off it, onto it */
	struct ilist	 down, up;	/* its shutdown and start steps */
	int		 sending, receiving;	/* migrations in flight */
	int		 busy;		/* a worker step in flight */
	int		 rebooting;	/* holds a reboot slot */
};

struct roll_run {
	struct rhost	*hosts;
	size_t		 nhosts;
	int32_t		*hostof;	/* per step: its host */
	int32_t		*tgtof;		/* per step: a migration's target */
	int32_t		*nwait;		/* per step: prerequisites not done */
	int32_t		*ustart;	/* per step: its dependents are */
	int32_t		*users;		/* users[ustart[i] .. ustart[i + 1]] */
	uint8_t		*held;		/* per step: holds a slot or a worker */
	int32_t		*ready;		/* by plan start: may go now */
	size_t		 nready;
	uint8_t		*inready;
	struct ilist	 pend;		/* ready while the list is walked */
	int		 walking;
	int		 max_parallel;	/* 0: no limit */
	int		 per_link;
	int		 nrebooting;
};

/* ---- the journal ---- */

int
roll_journal(const struct step_rec *steps, size_t n)
{
	return n > 0 && steps[0].plan_start_s >= 0;
}

/* name -> JSON array of the entries of list whose key is name. */
static json_object *
group_by(json_object *list, const char *key)
{
	json_object *by = json_object_new_object(), *x, *a;
	size_t i;

	for (i = 0; i < json_object_array_length(list); i++) {
		x = json_object_array_get_idx(list, i);
		if (!json_object_object_get_ex(by, proto_get_str(x, key), &a)) {
			a = json_object_new_array();
			json_object_object_add(by, proto_get_str(x, key), a);
		}
		json_object_array_add(a, json_object_get(x));
	}
	return by;
}

static double
dbl(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) :
	    -1;
}

static void
add_timed(struct step_rec **v, size_t *n, size_t *cap, int64_t cycle,
    int win, const char *host, const char *guest, const char *kind,
    const char *target, double t0, double t1)
{
	run_step_add(v, n, cap, cycle, win, host, guest, kind, target);
	(*v)[*n - 1].plan_start_s = t0;
	(*v)[*n - 1].plan_end_s = t1;
}

/* Where a plan guest is at the end (its own host, or its target). */
static const char *
end_host(json_object *g)
{
	return proto_get_str(g, "target")[0] != '\0' ?
	    proto_get_str(g, "target") : proto_get_str(g, "host");
}

/*
 * The guests the store has that the plan is about: each still where
 * the plan found it (else the plan is out of date), and the room at the
 * end on every host for the plan's guests and those created since,
 * which reboot with their host.  byname: guest -> plan entry.
 */
static int
check_fleet(struct daemon *d, json_object *rh, json_object *byname,
    struct herr *e)
{
	struct guest_rec *gs, g;
	struct host_rec h;
	json_object *pg;
	int64_t ram, disk, vcpus;
	size_t i, k, ng;
	const char *name;

	for (i = 0; i < json_object_array_length(rh); i++) {
		name = proto_get_str(json_object_array_get_idx(rh, i), "host");
		if (store_host_get(d->st, name, &h, e) == -1 ||
		    store_guest_list(d->st, NULL, name, &gs, &ng, e) == -1)
			return -1;
		for (k = 0; k < ng; k++)
			if (json_object_object_get_ex(byname, gs[k].name, &pg) &&
			    strcmp(proto_get_str(pg, "host"), name) != 0) {
				herr_set(e, HERR_STATE, "%s is on %s, the plan has "
				    "it on %s: plan again", gs[k].name, name,
				    proto_get_str(pg, "host"));
				free(gs);
				return -1;
			}
		ram = disk = vcpus = 0;
		for (k = 0; k < ng; k++)	/* created since: they stay */
			if (!json_object_object_get_ex(byname, gs[k].name,
			    NULL)) {
				ram += (int64_t)gs[k].ram_mib;
				disk += (int64_t)gs[k].disk_mib;
				vcpus += gs[k].vcpus;
			}
		free(gs);
		if (ram == 0 && vcpus == 0)
			continue;
		json_object_object_foreach(byname, gname, pv) {
			if (strcmp(end_host(pv), name) != 0 ||
			    store_guest_get(d->st, gname, NULL, &g, NULL) == -1)
				continue;
			ram += (int64_t)g.ram_mib;
			disk += (int64_t)g.disk_mib;
			vcpus += g.vcpus;
		}
		if (ram > (int64_t)h.ram_mib || disk > (int64_t)h.disk_mib ||
		    vcpus > h.cpus * d->cfg.vcpu_ratio)
			return herr_set(e, HERR_CAPACITY, "VPSes were created on "
			    "%s since the plan was made, and it would have no "
			    "room for them at the end: plan again", name);
	}
	return 0;
}

/* The guests that reboot with host (as the plan and the store have it). */
static void
riders(struct daemon *d, json_object *byend, json_object *byname,
    const char *host, json_object *out)
{
	struct guest_rec *gs, g;
	json_object *list, *pg;
	size_t i, ng;

	if (json_object_object_get_ex(byend, host, &list))
		for (i = 0; i < json_object_array_length(list); i++) {
			pg = json_object_array_get_idx(list, i);
			if (strcmp(proto_get_str(pg, "action"), "reboot") == 0 &&
			    store_guest_get(d->st, proto_get_str(pg, "guest"),
			    NULL, &g, NULL) == 0)
				json_object_array_add(out,
				    json_object_new_string(g.name));
		}
	/* created since the plan: they reboot where they are */
	if (store_guest_list(d->st, NULL, host, &gs, &ng, NULL) == -1)
		return;
	for (i = 0; i < ng; i++)
		if (!json_object_object_get_ex(byname, gs[i].name, NULL))
			json_object_array_add(out, json_object_new_string(
			    gs[i].name));
	free(gs);
}

int
roll_expand(struct daemon *d, const struct cycle_rec *c, json_object *plan,
    struct step_rec **out, size_t *n, struct herr *e)
{
	json_object *rh, *mv, *gsl, *byname, *byfrom, *byend, *h, *list, *m;
	json_object *ride;
	struct guest_rec g;
	size_t cap = 0, i, k;
	const char *host;
	double es, rs, re;
	int win, r = -1;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(plan, "roll_hosts", &rh) ||
	    !json_object_object_get_ex(plan, "moves", &mv) ||
	    !json_object_object_get_ex(plan, "guests", &gsl))
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	byname = json_object_new_object();
	for (i = 0; i < json_object_array_length(gsl); i++)
		json_object_object_add(byname, proto_get_str(
		    json_object_array_get_idx(gsl, i), "guest"),
		    json_object_get(json_object_array_get_idx(gsl, i)));
	byfrom = group_by(mv, "from");
	byend = json_object_new_object();
	for (i = 0; i < json_object_array_length(gsl); i++) {
		m = json_object_array_get_idx(gsl, i);
		if (!json_object_object_get_ex(byend, end_host(m), &list)) {
			list = json_object_new_array();
			json_object_object_add(byend, end_host(m), list);
		}
		json_object_array_add(list, json_object_get(m));
	}
	if (check_fleet(d, rh, byname, e) == -1)
		goto out;
	for (i = 0; i < json_object_array_length(rh); i++) {
		h = json_object_array_get_idx(rh, i);
		host = proto_get_str(h, "host");
		win = (int)proto_get_int(h, "batch");
		es = dbl(h, "evacuate_start_s");
		rs = dbl(h, "reboot_start_s");
		re = dbl(h, "reboot_end_s");
		add_timed(out, n, &cap, c->id, win, host, "", "mark", "", es,
		    es);
		if (json_object_object_get_ex(byfrom, host, &list))
			for (k = 0; k < json_object_array_length(list); k++) {
				m = json_object_array_get_idx(list, k);
				/* a guest deleted since has nothing to do */
				if (store_guest_get(d->st, proto_get_str(m,
				    "guest"), NULL, &g, NULL) == -1)
					continue;
				add_timed(out, n, &cap, c->id, win, host, g.name,
				    "migrate", proto_get_str(m, "to"),
				    dbl(m, "start_s"), dbl(m, "end_s"));
			}
		ride = json_object_new_array();
		riders(d, byend, byname, host, ride);
		for (k = 0; k < json_object_array_length(ride); k++)
			add_timed(out, n, &cap, c->id, win, host,
			    json_object_get_string(json_object_array_get_idx(
			    ride, k)), "shutdown", "", rs, rs);
		add_timed(out, n, &cap, c->id, win, host, "", "patch", "", rs,
		    re);
		add_timed(out, n, &cap, c->id, win, host, "", "wait-up", "", re,
		    re);
		for (k = 0; k < json_object_array_length(ride); k++)
			add_timed(out, n, &cap, c->id, win, host,
			    json_object_get_string(json_object_array_get_idx(
			    ride, k)), "start", "", re, re);
		add_timed(out, n, &cap, c->id, win, host, "", "unmark", "", re,
		    re);
		json_object_put(ride);
	}
	r = 0;
out:
	if (r == -1) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	json_object_put(byname);
	json_object_put(byfrom);
	json_object_put(byend);
	return r;
}

/* ---- the order: who waits for whom ---- */

struct edges {
	int32_t	*pre, *post;
	size_t	 n, cap;
};

static void
edge(struct edges *g, int32_t pre, int32_t post)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 1024;
		g->pre = xreallocarray(g->pre, g->cap, sizeof(int32_t));
		g->post = xreallocarray(g->post, g->cap, sizeof(int32_t));
	}
	g->pre[g->n] = pre;
	g->post[g->n++] = post;
}

static int
is(const struct step_rec *s, const char *kind)
{
	return strcmp(s->kind, kind) == 0;
}

static int
done(const struct step_rec *s)
{
	return strcmp(s->state, "done") == 0;
}

/* Does step a come before step b in the plan's order? */
static int
before(const struct step_rec *a, const struct step_rec *b)
{
	if (a->plan_start_s != b->plan_start_s)
		return a->plan_start_s < b->plan_start_s;
	return a->seq < b->seq;
}

/* The host index of name, added if new. */
static int32_t
host_ix(struct roll_run *rr, json_object *byname, const char *name)
{
	json_object *v;
	struct rhost *h;

	if (json_object_object_get_ex(byname, name, &v))
		return (int32_t)json_object_get_int(v);
	rr->hosts = xreallocarray(rr->hosts, rr->nhosts + 1,
	    sizeof(*rr->hosts));
	h = &rr->hosts[rr->nhosts];
	memset(h, 0, sizeof(*h));
	h->name = name;
	h->mark = h->patch = h->waitup = h->unmark = -1;
	json_object_object_add(byname, name, json_object_new_int(
	    (int)rr->nhosts));
	return (int32_t)rr->nhosts++;
}

/* Steps by host, and each migration's target. */
static void
index_hosts(struct roll_run *rr, const struct mrun *r)
{
	json_object *byname = json_object_new_object();
	struct rhost *h;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct step_rec *s = &r->steps[i];
		int32_t x = host_ix(rr, byname, s->host);

		rr->hostof[i] = x;
		rr->tgtof[i] = is(s, "migrate") ? host_ix(rr, byname,
		    s->target) : -1;
	}
	for (i = 0; i < r->n; i++) {
		const struct step_rec *s = &r->steps[i];

		h = &rr->hosts[rr->hostof[i]];
		if (is(s, "mark"))
			h->mark = (int32_t)i;
		else if (is(s, "patch"))
			h->patch = (int32_t)i;
		else if (is(s, "wait-up"))
			h->waitup = (int32_t)i;
		else if (is(s, "unmark"))
			h->unmark = (int32_t)i;
		else if (is(s, "shutdown"))
			ipush(&h->down, (int32_t)i);
		else if (is(s, "start"))
			ipush(&h->up, (int32_t)i);
		else if (is(s, "migrate")) {
			ipush(&h->out, (int32_t)i);
			ipush(&rr->hosts[rr->tgtof[i]].in, (int32_t)i);
		}
	}
	json_object_put(byname);
}

static const struct step_rec *order_steps;	/* for cmp_guest (loop only) */

static int
cmp_guest(const void *a, const void *b)
{
	const struct step_rec *x = &order_steps[*(const int32_t *)a];
	const struct step_rec *y = &order_steps[*(const int32_t *)b];
	int c = strcmp(x->guest, y->guest);

	if (c != 0)
		return c;
	return before(x, y) ? -1 : before(y, x) ? 1 : 0;
}

/* A guest's moves one after the other. */
static void
guest_edges(const struct mrun *r, struct edges *g)
{
	int32_t *mv = xcalloc(r->n + 1, sizeof(int32_t));
	size_t i, k = 0;

	for (i = 0; i < r->n; i++)
		if (is(&r->steps[i], "migrate"))
			mv[k++] = (int32_t)i;
	order_steps = r->steps;
	qsort(mv, k, sizeof(*mv), cmp_guest);
	for (i = 1; i < k; i++)
		if (strcmp(r->steps[mv[i - 1]].guest,
		    r->steps[mv[i]].guest) == 0)
			edge(g, mv[i - 1], mv[i]);
	free(mv);
}

/* What a move waits for on its target (see the top of the file). */
static void
move_edges(const struct roll_run *rr, const struct mrun *r, int32_t x,
    struct edges *g)
{
	const struct step_rec *s = &r->steps[x], *y;
	const struct rhost *t = &rr->hosts[rr->tgtof[x]];
	size_t k;

	if (t->waitup >= 0 && r->steps[t->waitup].plan_end_s <=
	    s->plan_start_s + EPS)
		edge(g, t->waitup, x);
	for (k = 0; k < t->out.n; k++) {
		y = &r->steps[t->out.v[k]];
		if (t->out.v[k] != x && y->plan_end_s <= s->plan_start_s + EPS &&
		    before(y, s))
			edge(g, t->out.v[k], x);
	}
}

/* A host's reboot: after its guests have gone and the arrivals that stay. */
static void
host_edges(const struct rhost *h, const struct mrun *r, struct edges *g)
{
	struct ilist pre = { NULL, 0, 0 };
	double rs;
	size_t k, j;

	if (h->patch < 0)
		return;
	rs = r->steps[h->patch].plan_start_s;
	for (k = 0; k < h->out.n; k++)
		ipush(&pre, h->out.v[k]);
	for (k = 0; k < h->in.n; k++)
		if (r->steps[h->in.v[k]].plan_end_s <= rs + EPS)
			ipush(&pre, h->in.v[k]);
	for (k = 0; k < pre.n; k++) {
		for (j = 0; j < h->down.n; j++)
			edge(g, pre.v[k], h->down.v[j]);
		edge(g, pre.v[k], h->patch);
	}
	for (j = 0; j < h->down.n; j++)
		edge(g, h->down.v[j], h->patch);
	if (h->waitup >= 0) {
		edge(g, h->patch, h->waitup);
		for (j = 0; j < h->up.n; j++)
			edge(g, h->waitup, h->up.v[j]);
		if (h->unmark >= 0)
			edge(g, h->waitup, h->unmark);
	}
	for (j = 0; j < h->up.n && h->unmark >= 0; j++)
		edge(g, h->up.v[j], h->unmark);
	free(pre.v);
}

/* Who each step lets go once done, and how many each waits for. */
static void
build_users(struct roll_run *rr, const struct mrun *r, const struct edges *g)
{
	size_t i;
	int32_t *fill = xcalloc(r->n + 1, sizeof(int32_t));

	rr->ustart = xcalloc(r->n + 1, sizeof(int32_t));
	rr->users = xcalloc(g->n + 1, sizeof(int32_t));
	for (i = 0; i < g->n; i++)
		rr->ustart[g->pre[i] + 1]++;
	for (i = 0; i < r->n; i++)
		rr->ustart[i + 1] += rr->ustart[i];
	for (i = 0; i < g->n; i++) {
		rr->users[rr->ustart[g->pre[i]] + fill[g->pre[i]]++] =
		    g->post[i];
		if (!done(&r->steps[g->pre[i]]))
			rr->nwait[g->post[i]]++;
	}
	free(fill);
}

/* ---- what may go now ---- */

static int
may_go(const struct step_rec *s)
{
	return strcmp(s->state, "todo") == 0 || strcmp(s->state, "doing") == 0;
}

/* Ready in the list: a mark goes only with its host's first step due. */
static int
listed(const struct step_rec *s)
{
	return may_go(s) && !is(s, "mark");
}

/* Into the ready list, kept in the plan's order. */
static void
ready_add(struct roll_run *rr, const struct mrun *r, int32_t x)
{
	size_t lo = 0, hi = rr->nready, mid;

	if (rr->inready[x])
		return;
	if (rr->walking) {
		/* send_ready() is walking the list: merged after */
		rr->inready[x] = 1;
		ipush(&rr->pend, x);
		return;
	}
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (before(&r->steps[rr->ready[mid]], &r->steps[x]))
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&rr->ready[lo + 1], &rr->ready[lo],
	    (rr->nready - lo) * sizeof(int32_t));
	rr->ready[lo] = x;
	rr->nready++;
	rr->inready[x] = 1;
}

int
roll_load(struct daemon *d, struct mrun *r, struct herr *e)
{
	struct roll_run *rr;
	struct edges g = { NULL, NULL, 0, 0 };
	json_object *plan, *op;
	struct rhost *h;
	int64_t id;
	char *text;
	size_t i;

	if (!roll_journal(r->steps, r->n))
		return 0;
	if (store_cycle_get(d->st, r->c.id, &id, &text, e) == -1)
		return -1;
	plan = json_tokener_parse(text);
	free(text);
	if (plan == NULL || !json_object_object_get_ex(plan, "opts", &op)) {
		json_object_put(plan);
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	}
	rr = xcalloc(1, sizeof(*rr));
	rr->max_parallel = (int)proto_get_int(op, "max_parallel");
	rr->per_link = (int)proto_get_int(op, "per_link");
	if (rr->per_link < 1)
		rr->per_link = 1;
	json_object_put(plan);
	rr->hostof = xcalloc(r->n + 1, sizeof(int32_t));
	rr->tgtof = xcalloc(r->n + 1, sizeof(int32_t));
	rr->nwait = xcalloc(r->n + 1, sizeof(int32_t));
	rr->held = xcalloc(r->n + 1, 1);
	rr->ready = xcalloc(r->n + 1, sizeof(int32_t));
	rr->inready = xcalloc(r->n + 1, 1);
	index_hosts(rr, r);
	guest_edges(r, &g);
	for (i = 0; i < r->n; i++)
		if (is(&r->steps[i], "migrate"))
			move_edges(rr, r, (int32_t)i, &g);
	for (i = 0; i < rr->nhosts; i++)
		host_edges(&rr->hosts[i], r, &g);
	build_users(rr, r, &g);
	free(g.pre);
	free(g.post);
	/* a host down (its reboot begun, not answering yet) holds a slot */
	for (i = 0; i < rr->nhosts; i++) {
		h = &rr->hosts[i];
		if (h->waitup < 0 || done(&r->steps[h->waitup]))
			continue;
		if ((h->patch >= 0 && strcmp(r->steps[h->patch].state,
		    "todo") != 0) || (h->down.n > 0 && strcmp(
		    r->steps[h->down.v[0]].state, "todo") != 0)) {
			h->rebooting = 1;
			rr->nrebooting++;
		}
	}
	for (i = 0; i < r->n; i++)
		if (rr->nwait[i] == 0 && listed(&r->steps[i]))
			ready_add(rr, r, (int32_t)i);
	r->roll = rr;
	return 0;
}

void
roll_free(struct roll_run *rr)
{
	size_t i;

	if (rr == NULL)
		return;
	for (i = 0; i < rr->nhosts; i++) {
		free(rr->hosts[i].out.v);
		free(rr->hosts[i].in.v);
		free(rr->hosts[i].down.v);
		free(rr->hosts[i].up.v);
	}
	free(rr->hosts);
	free(rr->hostof);
	free(rr->tgtof);
	free(rr->nwait);
	free(rr->ustart);
	free(rr->users);
	free(rr->held);
	free(rr->ready);
	free(rr->inready);
	free(rr->pend.v);
	free(rr);
}

static int
worker_step(const struct step_rec *s)
{
	return is(s, "shutdown") || is(s, "start") || is(s, "wait-up") ||
	    is(s, "patch");
}

/* Whether the resources step x needs are free now. */
static int
room_for(const struct roll_run *rr, const struct mrun *r, int32_t x)
{
	const struct step_rec *s = &r->steps[x];
	const struct rhost *h = &rr->hosts[rr->hostof[x]];

	if (is(s, "migrate"))
		return h->sending < rr->per_link &&
		    rr->hosts[rr->tgtof[x]].receiving < rr->per_link;
	if (worker_step(s) && h->busy)
		return 0;
	if ((is(s, "shutdown") || is(s, "patch")) && !h->rebooting &&
	    rr->max_parallel > 0 && rr->nrebooting >= rr->max_parallel)
		return 0;
	return 1;
}

static void
take(struct roll_run *rr, const struct mrun *r, int32_t x)
{
	const struct step_rec *s = &r->steps[x];
	struct rhost *h = &rr->hosts[rr->hostof[x]];

	if ((is(s, "shutdown") || is(s, "patch")) && !h->rebooting) {
		h->rebooting = 1;
		rr->nrebooting++;
	}
	if (!r->flight[x])
		return;		/* done on the spot, or failed to go */
	rr->held[x] = 1;
	if (is(s, "migrate")) {
		h->sending++;
		rr->hosts[rr->tgtof[x]].receiving++;
	} else if (worker_step(s))
		h->busy = 1;
}

void
roll_settled(struct mrun *r, struct step_rec *s)
{
	struct roll_run *rr = r->roll;
	int32_t x = (int32_t)(s - r->steps), u, k;
	struct rhost *h;

	if (rr == NULL || x < 0 || (size_t)x >= r->n)
		return;
	h = &rr->hosts[rr->hostof[x]];
	if (rr->held[x]) {
		rr->held[x] = 0;
		if (is(s, "migrate")) {
			h->sending--;
			rr->hosts[rr->tgtof[x]].receiving--;
		} else if (worker_step(s))
			h->busy = 0;
	}
	if (!done(s))
		return;
	if (is(s, "wait-up") && h->rebooting) {
		h->rebooting = 0;
		rr->nrebooting--;
	}
	for (k = rr->ustart[x]; k < rr->ustart[x + 1]; k++) {
		u = rr->users[k];
		if (--rr->nwait[u] == 0 && listed(&r->steps[u]) &&
		    !r->flight[u])
			ready_add(rr, r, u);
	}
}

/*
 * The host's mark, when the first of its steps is due: 1 if done (now or
 * before), 0 if it cannot be (failed, or no step left to spend).
 */
static int
marked(struct daemon *d, struct mrun *r, int32_t x)
{
	struct roll_run *rr = r->roll;
	int32_t m = rr->hosts[rr->hostof[x]].mark;
	struct step_rec *s;

	if (m < 0 || m == x || done(&r->steps[m]))
		return 1;
	s = &r->steps[m];
	if (!may_go(s) || r->c.step_budget == 0)
		return 0;
	run_dispatch(d, r, s);
	if (done(s))
		roll_settled(r, s);
	return done(s);
}

/* Sends out what may go, in the plan's order; 1 if anything went. */
static int
send_ready(struct daemon *d, struct mrun *r)
{
	struct roll_run *rr = r->roll;
	struct step_rec *s;
	size_t k, keep = 0;
	int32_t x;
	int went = 0;

	rr->walking = 1;
	for (k = 0; k < rr->nready; k++) {
		x = rr->ready[k];
		s = &r->steps[x];
		if (!may_go(s) || r->flight[x]) {
			rr->inready[x] = 0;	/* gone, or not ours now */
			continue;
		}
		if (strcmp(r->c.run_state, "running") != 0 ||
		    r->c.step_budget == 0 || !room_for(rr, r, x) ||
		    !marked(d, r, x) || r->c.step_budget == 0) {
			rr->ready[keep++] = x;
			continue;
		}
		run_dispatch(d, r, s);
		take(rr, r, x);
		rr->inready[x] = 0;
		went = 1;
		if (done(s))
			roll_settled(r, s);
	}
	rr->nready = keep;
	rr->walking = 0;
	/* those that became ready meanwhile, in their places */
	for (k = 0; k < rr->pend.n; k++) {
		rr->inready[rr->pend.v[k]] = 0;
		ready_add(rr, r, rr->pend.v[k]);
	}
	rr->pend.n = 0;
	return went;
}

void
roll_advance(struct daemon *d, struct mrun *r)
{
	struct roll_run *rr = r->roll;
	char why[600] = "";
	size_t i, ndone = 0;
	int failed = 0, waiting = 0, went;

	do {
		if (strcmp(r->c.run_state, "running") != 0)
			return;
		went = send_ready(d, r);
	} while (went && rr->nready > 0);
	if (strcmp(r->c.run_state, "running") != 0 || r->nflight > 0)
		return;
	for (i = 0; i < r->n; i++) {
		const struct step_rec *s = &r->steps[i];

		ndone += done(s);
		waiting |= strcmp(s->state, "waiting") == 0;
		if (strcmp(s->state, "failed") == 0 && !failed) {
			failed = 1;
			snprintf(why, sizeof(why), "%s %s%s%s: %s", s->host,
			    s->kind, s->guest[0] ? " " : "", s->guest,
			    s->detail);
		}
	}
	if (ndone == r->n) {
		run_finished(d, r);
		return;
	}
	if (!failed && !waiting && r->c.step_budget != 0) {
		/* nothing failed and nothing can go: a wait on ourselves */
		for (i = 0; i < r->n && (done(&r->steps[i]) ||
		    r->steps[i].state[0] == 'w'); i++)
			;
		failed = 1;
		snprintf(why, sizeof(why), "%s %s%s%s waits on a step that "
		    "cannot go (a bug: maint report shows the journal)",
		    r->steps[i].host, r->steps[i].kind, r->steps[i].guest[0] ?
		    " " : "", r->steps[i].guest);
	}
	run_stall(d, r, failed, why, waiting);
}

/* ---- migrations, on threads of their own ---- */

static void
roll_migrate_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_conn *c;

	if ((c = hv_open(s->src_uri, &j->err)) == NULL) {
		sjob_fail(j, s);
		return;
	}
	migrate_with(j, c, s->src_uri);
	hv_close(c);
}

int
roll_migrate_job(struct daemon *d, struct step_rec *s, struct sjob *sj,
    const struct host_rec *h, const struct guest_rec *g, struct herr *e)
{
	struct host_rec t;
	struct job *j;

	if (store_host_get(d->st, s->target, &t, e) == -1)
		return -1;
	str_copy(sj->src_uri, h->uri, sizeof(sj->src_uri));
	str_copy(sj->dst_uri, t.uri, sizeof(sj->dst_uri));
	/* the guest's disk volume goes into the destination's pool */
	str_copy(sj->dst_pool, t.pool, sizeof(sj->dst_pool));
	str_copy(sj->disk_path, g->disk_path, sizeof(sj->disk_path));
	j = job_new(NULL, roll_migrate_run, step_done, NULL, 0);
	j->ext = sj;
	if (g->id != 0)
		busy_add(d, g->id);
	job_spawn(d, j);
	return 0;
}

/* ---- --allow-fallback ---- */

/* RAM, disk and vCPUs the journal leaves on host at the end, plus g. */
static int
room_at_end(struct daemon *d, const struct mrun *r, const char *host,
    const struct guest_rec *g)
{
	json_object *last = json_object_new_object();
	struct guest_rec x;
	struct host_rec h;
	int64_t ram = (int64_t)g->ram_mib, disk = (int64_t)g->disk_mib;
	int64_t vcpus = g->vcpus;
	size_t i;
	int ok;

	if (store_host_get(d->st, host, &h, NULL) == -1) {
		json_object_put(last);
		return 0;
	}
	/* each guest's last place: its last move's target, or its reboot */
	for (i = 0; i < r->n; i++) {
		const struct step_rec *s = &r->steps[i];

		if (s->guest[0] == '\0' || strcmp(s->guest, g->name) == 0 ||
		    strncmp(s->detail, "skipped", 7) == 0)
			continue;
		if (is(s, "migrate") || is(s, "shutdown"))
			json_object_object_add(last, s->guest,
			    json_object_new_string(is(s, "migrate") ?
			    s->target : s->host));
	}
	json_object_object_foreach(last, name, where) {
		if (strcmp(json_object_get_string(where), host) != 0 ||
		    store_guest_get(d->st, name, NULL, &x, NULL) == -1)
			continue;
		ram += (int64_t)x.ram_mib;
		disk += (int64_t)x.disk_mib;
		vcpus += x.vcpus;
	}
	ok = ram <= (int64_t)h.ram_mib && disk <= (int64_t)h.disk_mib &&
	    vcpus <= h.cpus * d->cfg.vcpu_ratio;
	json_object_put(last);
	return ok;
}

int
roll_fallback(struct daemon *d, struct mrun *r, struct step_rec *s)
{
	struct guest_rec g;
	struct step_rec *add = NULL, *t;
	const struct step_rec *w = NULL;
	struct herr e;
	size_t i, n = 0, cap = 0;

	herr_clear(&e);
	if (store_guest_get(d->st, s->guest, NULL, &g, &e) == -1 ||
	    strcmp(g.host, s->host) != 0) {
		run_say(d, "maintenance: %s could not migrate and is not on %s: "
		    "it cannot reboot with it instead", s->guest, s->host);
		return -1;
	}
	if (!room_at_end(d, r, s->host, &g)) {
		run_say(d, "maintenance: %s could not migrate, and %s will have "
		    "no room for it once patched: it cannot reboot with it "
		    "instead", s->guest, s->host);
		return -1;
	}
	for (i = 0; i < r->n; i++)
		if (strcmp(r->steps[i].host, s->host) == 0 &&
		    is(&r->steps[i], "wait-up"))
			w = &r->steps[i];
	if (w == NULL)
		return -1;
	/* the reboot path here; its later moves and reboot elsewhere go */
	for (i = 0; i < r->n; i++) {
		t = &r->steps[i];
		if (t == s || strcmp(t->guest, s->guest) != 0 || done(t) ||
		    !before(s, t))
			continue;
		str_copy(t->state, "done", sizeof(t->state));
		snprintf(t->detail, sizeof(t->detail), "skipped: %s rebooted "
		    "with %s instead (--allow-fallback)", s->guest, s->host);
		run_journal(d, r, t);
	}
	str_copy(s->kind, "shutdown", sizeof(s->kind));
	s->target[0] = '\0';
	run_step_add(&add, &n, &cap, r->c.id, s->win, s->host, s->guest,
	    "start", "");
	add[0].seq = (int)r->n;
	add[0].plan_start_s = add[0].plan_end_s = w->plan_end_s;
	if (store_steps_add(d->st, &r->c, add, 1, &e) == -1) {
		log_warnx("maintenance cycle %lld: %s", (long long)r->c.id,
		    e.msg);
		free(add);
		return -1;
	}
	r->steps = xreallocarray(r->steps, r->n + 1, sizeof(*r->steps));
	r->steps[r->n] = add[0];
	r->flight = xreallocarray(r->flight, r->n + 2, 1);
	r->flight[r->n] = 0;
	r->n++;
	free(add);
	run_say(d, "maintenance: %s could not migrate: it reboots with %s "
	    "instead", g.name, g.host);
	return 0;
}
