/*
 * Orders moves so that every step fits: a move waits on its target host
 * until enough has left that host.  Moves keep their given order unless
 * they have to wait, so the plan stays grouped by source host.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

struct orderer {
	const struct plan_cluster	*c;
	const struct plan_move		*in;
	struct plan_load		*ld;
	struct plan_load		*cap;
	int32_t				*head;	/* host -> first waiting move */
	int32_t				*tail;
	int32_t				*next;	/* move -> next waiting */
	int32_t				*stack;
	size_t				 nstack;
	size_t				*out;	/* order of execution */
	size_t				 nout;
};

static int
fits(struct orderer *o, size_t i)
{
	const struct plan_move *m = &o->in[i];
	struct plan_load need, after = o->ld[m->to];

	plan_move_need(&o->c->guests[m->guest], m->kind, &need);
	plan_load_add(&after, &need, 1);
	return plan_load_fits(&after, &o->cap[m->to]);
}

static void
wait_on(struct orderer *o, size_t i)
{
	int32_t h = o->in[i].to;

	o->next[i] = PLAN_NONE;
	if (o->head[h] == PLAN_NONE)
		o->head[h] = (int32_t)i;
	else
		o->next[o->tail[h]] = (int32_t)i;
	o->tail[h] = (int32_t)i;
}

/* Runs move i if it fits, then retries whatever waited on its source. */
static void
try_move(struct orderer *o, size_t first)
{
	o->nstack = 0;
	o->stack[o->nstack++] = (int32_t)first;
	while (o->nstack > 0) {
		size_t i = (size_t)o->stack[--o->nstack];
		const struct plan_move *m = &o->in[i];
		struct plan_load need;
		int32_t w, nx;
		size_t run, k;

		if (!fits(o, i)) {
			wait_on(o, i);
			continue;
		}
		plan_move_need(&o->c->guests[m->guest], m->kind, &need);
		plan_load_add(&o->ld[m->from], &need, -1);
		plan_load_add(&o->ld[m->to], &need, 1);
		o->out[o->nout++] = i;
		/* retry the waiters of the host that just got room, first
		 * waiter on top of the stack */
		w = o->head[m->from];
		o->head[m->from] = PLAN_NONE;
		run = 0;
		for (nx = w; nx != PLAN_NONE; nx = o->next[nx])
			run++;
		k = o->nstack + run;
		for (nx = w; nx != PLAN_NONE; nx = o->next[nx])
			o->stack[--k] = nx;
		o->nstack += run;
	}
}

int
plan_order_moves(const struct plan_cluster *c, struct plan_move *moves,
    size_t nmoves, int max_util_pct, struct herr *e)
{
	struct orderer o;
	struct plan_move *sorted;
	size_t i;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.c = c;
	o.in = moves;
	o.ld = xcalloc(c->nhosts + 1, sizeof(*o.ld));
	o.cap = xcalloc(c->nhosts + 1, sizeof(*o.cap));
	o.head = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	o.tail = xmalloc((c->nhosts + 1) * sizeof(int32_t));
	o.next = xmalloc((nmoves + 1) * sizeof(int32_t));
	o.stack = xmalloc((nmoves + 1) * sizeof(int32_t));
	o.out = xmalloc((nmoves + 1) * sizeof(size_t));
	plan_load_init(c, o.ld);
	plan_caps_init(c, max_util_pct, o.cap);
	for (i = 0; i < c->nhosts; i++)
		o.head[i] = o.tail[i] = PLAN_NONE;
	for (i = 0; i < nmoves; i++)
		try_move(&o, i);
	if (o.nout != nmoves) {
		for (i = 0; i < c->nhosts; i++)
			if (o.head[i] != PLAN_NONE)
				break;
		herr_set(e, HERR_CAPACITY, "%zu of %zu moves can never run: "
		    "host %s stays too full", nmoves - o.nout, nmoves,
		    i < c->nhosts ? c->hosts[i].name : "?");
		goto out;
	}
	sorted = xreallocarray(NULL, nmoves + 1, sizeof(*sorted));
	for (i = 0; i < nmoves; i++)
		sorted[i] = moves[o.out[i]];
	memcpy(moves, sorted, nmoves * sizeof(*moves));
	free(sorted);
	rc = 0;
out:
	free(o.ld);
	free(o.cap);
	free(o.head);
	free(o.tail);
	free(o.next);
	free(o.stack);
	free(o.out);
	return rc;
}
