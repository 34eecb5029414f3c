/*
 * The roll-forward planner's other half (see roll.c): what the builds
 * share, set up once; the builds, with none to NSEED - 1 seed batches,
 * on two threads when there is a second CPU and enough guests; the
 * choice of one (pick()); and the plan made of it, its moves sorted by
 * start.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"
#include "plan/roll_int.h"

size_t plan_roll_par_guests = 1000;

static double
dmax(double a, double b)
{
	return a > b ? a : b;
}

/* ---- setup, shared by the builds ---- */

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

/* Bigger key first, then lower index (a total order). */
static int
cmp_key(const void *a, const void *b, void *keyp)
{
	const double *key = keyp;
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (key[x] != key[y])
		return key[x] > key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Each host's guests biggest first (RAM, then disk): hardest to place. */
static void
sort_guests(const struct plan_cluster *c, const int32_t *start,
    int32_t *list)
{
	size_t h;
	int32_t k, j, t;

	for (h = 0; h < c->nhosts; h++)
		for (k = start[h] + 1; k < start[h + 1]; k++) {
			t = list[k];
			for (j = k; j > start[h]; j--) {
				const struct plan_guest *a = &c->guests[t];
				const struct plan_guest *b =
				    &c->guests[list[j - 1]];

				if (a->ram_mib < b->ram_mib ||
				    (a->ram_mib == b->ram_mib &&
				    (a->disk_mib < b->disk_mib ||
				    (a->disk_mib == b->disk_mib && t > list[j - 1]))))
					break;
				list[j] = list[j - 1];
			}
			list[j] = t;
		}
}

static void
shared_init(struct rshared *s, const struct plan_cluster *c,
    const struct plan_maint_opts *o)
{
	double *key = xcalloc(c->nhosts + 1, sizeof(double));
	size_t *ncust = xcalloc(c->ncustomers + 1, sizeof(size_t));
	size_t i;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->o = o;
	s->nlink = o->link_parallel > 0 ? o->link_parallel : 1;
	s->cap = xcalloc(c->nhosts + 1, sizeof(*s->cap));
	s->ld0 = xcalloc(c->nhosts + 1, sizeof(*s->ld0));
	s->active = xcalloc(c->nhosts + 1, 1);
	s->cyc = xcalloc(c->nhosts + 1, 1);
	s->movable = xcalloc(c->nguests + 1, 1);
	s->may = xcalloc(c->nguests + 1, 1);
	s->ngroups = plan_ngroups(c);
	plan_maint_cycle(c, o, s->cyc);
	s->choice = xmalloc((c->nguests + 1) * sizeof(int32_t));
	s->wguests = xmalloc((c->nguests + 1) * sizeof(int32_t));
	plan_load_init(c, s->ld0);
	plan_caps_init(c, o->max_util_pct, s->cap);
	index_by_host(c, 0, &s->pstart, &s->plist);
	sort_guests(c, s->pstart, s->plist);
	index_by_host(c, 1, &s->sstart, &s->slist);
	for (i = 0; i < c->nguests; i++) {
		s->may[i] = (uint8_t)plan_guest_may_move(c, o, (int32_t)i);
		s->movable[i] = (uint8_t)plan_guest_movable(c, o, (int32_t)i);
		s->choice[i] = plan_guest_choice(c, (int32_t)i);
		if (s->choice[i] >= 0)
			s->wguests[s->nwguests++] = (int32_t)i;
		if (c->guests[i].owner != PLAN_NONE)
			ncust[c->guests[i].owner]++;
	}
	s->climit = xcalloc(c->ncustomers + 1, sizeof(size_t));
	for (i = 0; i < c->ncustomers; i++)
		s->climit[i] = plan_customer_limit(ncust[i],
		    o->max_customer_down_pct);
	/* candidates: least RAM to move (share of the host's) first */
	s->cand = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	for (i = 0; i < c->nhosts; i++) {
		int32_t k;
		double mv = 0, ram = 0;

		s->active[i] = (uint8_t)plan_host_target(&c->hosts[i]);
		if (!s->cyc[i])
			continue;
		for (k = s->pstart[i]; k < s->pstart[i + 1]; k++)
			if (s->movable[s->plist[k]]) {
				mv += plan_migrate_min_s(o,
				    &c->guests[s->plist[k]]);
				ram += (double)c->guests[s->plist[k]].ram_mib;
			}
		s->cand[s->ncand++] = (int32_t)i;
		/* the least to send first; then the least RAM to place */
		key[i] = -mv - 1e-9 * ram / (double)(s->cap[i].ram + 1);
	}
	qsort_r(s->cand, s->ncand, sizeof(int32_t), cmp_key, key);
	/* patched targets: those the cycle leaves alone (patched from the
	 * start), then in candidate order: about the order they come */
	s->pat_order = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	s->seed_order = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	for (i = 0; i < c->nhosts; i++)
		if (s->active[i] && !s->cyc[i])
			s->pat_order[s->npat++] = (int32_t)i;
	for (i = 0; i < s->ncand; i++)
		if (s->active[s->cand[i]])
			s->pat_order[s->npat++] = s->cand[i];
	/* guests that move twice wait on the hosts whose turn comes last,
	 * when patched hosts have the most room */
	for (i = s->npat; i > 0 && s->cyc[s->pat_order[i - 1]]; i--)
		s->seed_order[s->nseedt++] = s->pat_order[i - 1];
	/* each node group a range of both (its guests stay in it) */
	s->gpat = xcalloc(s->ngroups + 1, sizeof(size_t));
	s->gseed = xcalloc(s->ngroups + 1, sizeof(size_t));
	plan_order_by_group(c, s->pat_order, s->npat, s->gpat);
	plan_order_by_group(c, s->seed_order, s->nseedt, s->gseed);
	/* with no --max-parallel, a seed batch takes at most 1/SEEDDIV of
	 * its group's hosts */
	s->seedp = xcalloc(s->ngroups + 1, sizeof(size_t));
	for (i = 0; i < s->ncand; i++)
		s->seedp[c->hosts[s->cand[i]].group]++;
	for (i = 0; i < s->ngroups; i++)
		s->seedp[i] = o->max_parallel > 0 ? o->max_parallel :
		    (s->seedp[i] + SEEDDIV - 1) / SEEDDIV;
	free(key);
	free(ncust);
}

static void
shared_release(struct rshared *s)
{
	free(s->cap);
	free(s->ld0);
	free(s->active);
	free(s->cyc);
	free(s->movable);
	free(s->may);
	free(s->gpat);
	free(s->gseed);
	free(s->seedp);
	free(s->pstart);
	free(s->plist);
	free(s->sstart);
	free(s->slist);
	free(s->cand);
	free(s->pat_order);
	free(s->seed_order);
	free(s->climit);
	free(s->choice);
	free(s->wguests);
}

/* ---- the builds, and the plan from the best ---- */


/*
 * Can build r, with so much built, still be chosen (pick())?  Not when
 * a build done reboots no more guests and r already takes more than
 * SLACK times its time: r's time and reboots only grow.
 */
int
roll_still_needed(struct roll *r)
{
	struct rtrials *ts = r->ts;
	size_t v;
	int ok = 1;

	if (ts == NULL)
		return 1;
	pthread_mutex_lock(&ts->mu);
	for (v = 0; v < NSEED && ok; v++)
		if (ts->t[v].done == 1 && ts->t[v].nrebooted <= r->nrebooted &&
		    r->last > ts->t[v].total * ONCE)
			ok = 0;
	if (!ok)
		r->done = 2;
	pthread_mutex_unlock(&ts->mu);
	return ok;
}

static void *
rtrials_run(void *arg)
{
	/* the likely winners first: a build that cannot win stops early */
	static const size_t order[NSEED] = { 2, 3, 1, 0 };
	struct rtrials *ts = arg;
	size_t v;

	for (;;) {
		pthread_mutex_lock(&ts->mu);
		v = ts->next < NSEED ? order[ts->next++] : SIZE_MAX;
		pthread_mutex_unlock(&ts->mu);
		if (v == SIZE_MAX)
			return NULL;
		roll_init(&ts->t[v], ts->s, (int)v);
		ts->t[v].ts = ts;
		roll_build(&ts->t[v]);
		pthread_mutex_lock(&ts->mu);
		if (ts->t[v].done == 0)
			ts->t[v].done = 1;
		pthread_mutex_unlock(&ts->mu);
	}
}

/*
 * Fewest guests down; of those, one where every guest moves once if it
 * is within ONCE of the fastest, else the one with the fewest double
 * moves within SLACK of it (then the faster, then the fewer seeds).
 */
static size_t
pick(const struct rtrials *ts)
{
	size_t v, best = SIZE_MAX, minreb = SIZE_MAX;
	double fast = INFINITY;

	for (v = 0; v < NSEED; v++)
		if (ts->t[v].done == 1 && ts->t[v].nrebooted < minreb)
			minreb = ts->t[v].nrebooted;
	for (v = 0; v < NSEED; v++)
		if (ts->t[v].done == 1 && ts->t[v].nrebooted == minreb &&
		    ts->t[v].total < fast)
			fast = ts->t[v].total;
	for (v = 0; v < NSEED; v++) {
		const struct roll *a = &ts->t[v], *b;

		if (a->done != 1 || a->nrebooted != minreb ||
		    a->total > fast * (a->ntwice == 0 ? ONCE : SLACK))
			continue;
		if (best == SIZE_MAX) {
			best = v;
			continue;
		}
		b = &ts->t[best];
		if (a->ntwice < b->ntwice ||
		    (a->ntwice == b->ntwice && a->total < b->total))
			best = v;
	}
	return best;
}

/*
 * The moves by start, then by when they were scheduled: placed by
 * their seq (0 .. n-1), then a stable radix sort on the start's bits
 * (times are >= 0, whose IEEE bits sort as unsigned integers).
 */
static void
sort_moves(struct roll *r)
{
	size_t n = r->nmv_all, i, pass;
	struct rmove *a = xreallocarray(NULL, n + 1, sizeof(*a));
	struct rmove *b = xreallocarray(NULL, n + 1, sizeof(*b)), *t;
	size_t cnt[256];

	for (i = 0; i < n; i++)
		a[r->mv[i].seq] = r->mv[i];
	for (pass = 0; pass < 8; pass++) {
		size_t sum = 0, k;
		int sh = (int)pass * 8, same = 1;
		uint64_t bits, first = 0;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++) {
			memcpy(&bits, &a[i].start, sizeof(bits));
			cnt[(bits >> sh) & 0xff]++;
			if (i == 0)
				first = (bits >> sh) & 0xff;
			else if (((bits >> sh) & 0xff) != first)
				same = 0;
		}
		if (same)
			continue;	/* this byte is the same in all */
		for (k = 0; k < 256; k++) {
			size_t c = cnt[k];

			cnt[k] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			memcpy(&bits, &a[i].start, sizeof(bits));
			b[cnt[(bits >> sh) & 0xff]++] = a[i];
		}
		t = a;
		a = b;
		b = t;
	}
	memcpy(r->mv, a, n * sizeof(*a));
	free(a);
	free(b);
}

/* The plan's guests, batches, moves and slots, from build r. */
static struct plan_maintenance *
result(struct roll *r)
{
	const struct plan_cluster *c = r->c;
	const struct rshared *s = r->s;
	struct plan_maintenance *p = xcalloc(1, sizeof(*p));
	int32_t *endh = xmalloc((c->nguests + 1) * sizeof(int32_t));
	size_t b, k, i, n = 0;
	int32_t gk;

	p->roll = PLAN_ROLL_FORWARD;
	p->nbatches = r->nb;
	p->batches = xcalloc(r->nb + 1, sizeof(*p->batches));
	p->slots = xcalloc(c->nhosts + 1, sizeof(*p->slots));
	p->nmoves = r->nmv_all;
	p->moves = xcalloc(r->nmv_all + 1, sizeof(*p->moves));
	sort_moves(r);
	for (i = 0; i < c->nguests; i++)
		endh[i] = c->guests[i].host;
	for (i = 0; i < r->nmv_all; i++) {
		const struct rmove *m = &r->mv[i];

		p->moves[i] = (struct plan_maint_move){ m->guest, m->from,
		    m->to, m->batch, m->start, m->end };
		endh[m->guest] = m->to;
	}
	for (i = 0; i < c->nhosts; i++)
		p->slots[i].batch = PLAN_NONE;
	p->guests = xcalloc(c->nguests + 1, sizeof(*p->guests));
	for (b = 0; b < r->nb; b++) {
		struct plan_batch *bt = &p->batches[b];

		bt->nhosts = r->bstart[b + 1] - r->bstart[b];
		bt->hosts = xmalloc((bt->nhosts + 1) * sizeof(int32_t));
		bt->first = n;
		bt->start_s = -1;
		for (k = 0; k < bt->nhosts; k++) {
			int32_t h = r->bhost[r->bstart[b] + k];

			bt->hosts[k] = h;
			p->slots[h] = (struct plan_host_slot){ (int32_t)b,
			    r->es[h], r->rs[h], r->re[h] };
			if (bt->start_s < 0 || r->es[h] < bt->start_s)
				bt->start_s = r->es[h];
			bt->end_s = dmax(bt->end_s, r->re[h]);
			/* the guests whose home this is */
			for (gk = s->pstart[h]; gk < s->pstart[h + 1]; gk++) {
				int32_t g = s->plist[gk];
				struct plan_maint_guest *f = &p->guests[n++];
				int down = r->isdown[g];

				f->guest = g;
				f->host = h;
				f->fate = down ? PLAN_FATE_REBOOT :
				    PLAN_FATE_MIGRATE;
				f->end_host = endh[g];
				f->target = endh[g] != h ? endh[g] : PLAN_NONE;
				f->no_room = down == 2;
				f->chosen = down == 3;
				f->downtime_s = down ? s->o->reboot_s : 0;
				f->nmoves = r->nmv[g];
				p->nended_away += endh[g] != h;
				if (r->nmv[g] > 1) {
					p->seed_ram_mib += c->guests[g].ram_mib;
					p->seed_disk_mib +=
					    c->guests[g].disk_mib;
				}
			}
		}
		bt->nguests = n - bt->first;
		bt->duration_s = bt->end_s - bt->start_s;
	}
	p->nguests = n;
	p->nrebooted = r->nrebooted;
	p->nmigrations = r->nmv_all;
	p->nmoved_twice = r->ntwice;
	p->total_s = r->total;
	p->warnings = r->warn;
	p->nwarnings = r->nwarn;
	r->warn = NULL;
	r->nwarn = 0;
	for (i = 0; i < c->nhosts; i++)
		p->nskipped += !s->cyc[i];
	free(endh);
	return p;
}

int
plan_roll_forward(const struct plan_cluster *c,
    const struct plan_maint_opts *o, struct plan_maintenance **out,
    struct herr *e)
{
	struct rshared s;
	struct rtrials ts;
	pthread_t tid;
	size_t v, best;
	int threaded = 0;

	(void)e;
	shared_init(&s, c, o);
	memset(&ts, 0, sizeof(ts));
	pthread_mutex_init(&ts.mu, NULL);
	ts.s = &s;
	if (c->nguests >= plan_roll_par_guests &&
	    sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	    plan_thread_start(&tid, rtrials_run, &ts) == 0)
		threaded = 1;
	rtrials_run(&ts);
	if (threaded)
		pthread_join(tid, NULL);
	pthread_mutex_destroy(&ts.mu);
	best = pick(&ts);
	*out = result(&ts.t[best]);
	for (v = 0; v < NSEED; v++)
		roll_release(&ts.t[v]);
	shared_release(&s);
	return 0;
}
