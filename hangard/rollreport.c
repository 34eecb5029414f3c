/*
 * rollreport: a roll-forward run's accounting, from its journal alone:
 * each guest's moves (each a pause: the customer sees one where the plan
 * moved it once), its reboot if it had one, where it ended, and the
 * run's counts of guests moved once, more than once, rebooted and
 * living on another host now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangard/hangard.h"
#include "hangard/run.h"
#include "lib/xmalloc.h"

static const struct step_rec *sort_steps;	/* for cmp (loop only) */

static int
cmp(const void *a, const void *b)
{
	const struct step_rec *x = &sort_steps[*(const int32_t *)a];
	const struct step_rec *y = &sort_steps[*(const int32_t *)b];
	int c = strcmp(x->guest, y->guest);

	if (c != 0)
		return c;
	if (x->plan_start_s != y->plan_start_s)
		return x->plan_start_s < y->plan_start_s ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
skipped(const struct step_rec *s)
{
	return strncmp(s->detail, "skipped", 7) == 0;
}

/* One guest's steps v[0..n): its row; its downtime into gd when over. */
struct gsum {
	size_t	moves, pauses;
	int	reboot, off, over, known;
	int64_t	down_ms;
	const char *home, *end;
};

static void
sum_guest(const struct step_rec *st, const int32_t *v, size_t n,
    struct gsum *g)
{
	const struct step_rec *s, *sd = NULL, *up = NULL;
	size_t i;

	memset(g, 0, sizeof(*g));
	g->over = g->known = 1;
	for (i = 0; i < n; i++) {
		s = &st[v[i]];
		if (skipped(s))
			continue;
		if (g->home == NULL)
			g->home = s->host;
		g->over &= strcmp(s->state, "done") == 0;
		if (strcmp(s->kind, "migrate") == 0) {
			g->moves++;
			g->end = s->target;
			if (strncmp(s->detail, "offline", 7) == 0) {
				g->off = 1;	/* it was not running */
				continue;
			}
			if (strcmp(s->state, "done") == 0) {
				g->pauses++;
				g->known &= s->pause_ms >= 0;
				g->down_ms += s->pause_ms > 0 ? s->pause_ms : 0;
			}
		} else if (strcmp(s->kind, "shutdown") == 0) {
			sd = s;
			g->reboot = 1;
			g->end = s->host;
		} else if (strcmp(s->kind, "start") == 0)
			up = s;
	}
	if (g->end == NULL)
		g->end = g->home;
	if (sd != NULL && strstr(sd->detail, "was not running") != NULL)
		g->off = 1;
	else if (sd != NULL && up != NULL && strcmp(up->state, "done") == 0)
		g->down_ms += up->ended_ms - sd->started_ms;
	else if (sd != NULL)
		g->over = 0;
}

void
roll_report(struct daemon *d, const struct mrun *r, json_object *o,
    json_object *gs, int64_t *gd, size_t *ng)
{
	struct guest_rec gr;
	struct gsum g;
	json_object *x;
	int32_t *v = xcalloc(r->n + 1, sizeof(int32_t));
	size_t i, k, nv = 0, once = 0, twice = 0, reb = 0, away = 0;

	for (i = 0; i < r->n; i++)
		if (r->steps[i].guest[0] != '\0')
			v[nv++] = (int32_t)i;
	sort_steps = r->steps;
	qsort(v, nv, sizeof(*v), cmp);
	for (i = 0; i < nv; i = k) {
		for (k = i + 1; k < nv && strcmp(r->steps[v[k]].guest,
		    r->steps[v[i]].guest) == 0; k++)
			;
		sum_guest(r->steps, v + i, k - i, &g);
		if (g.home == NULL)
			continue;	/* every step of it skipped */
		x = json_object_new_object();
		json_object_object_add(x, "guest", json_object_new_string(
		    r->steps[v[i]].guest));
		if (store_guest_get(d->st, r->steps[v[i]].guest, NULL, &gr,
		    NULL) == 0)
			json_object_object_add(x, "owner",
			    json_object_new_string(gr.customer));
		json_object_object_add(x, "host", json_object_new_string(g.home));
		json_object_object_add(x, "action", json_object_new_string(
		    g.off ? "was off" : g.reboot ? "reboot" : "live-migrate"));
		json_object_object_add(x, "moves",
		    json_object_new_int64((int64_t)g.moves));
		json_object_object_add(x, "pauses",
		    json_object_new_int64((int64_t)g.pauses));
		json_object_object_add(x, "ended_on",
		    json_object_new_string(g.end));
		json_object_object_add(x, "downtime_ms", !g.over ? NULL :
		    json_object_new_int64(g.off ? 0 : g.down_ms));
		json_object_object_add(x, "measured",
		    json_object_new_boolean(g.known));
		json_object_array_add(gs, x);
		if (g.over && !g.off)
			gd[(*ng)++] = g.down_ms;
		once += g.moves == 1;
		twice += g.moves > 1;
		reb += g.reboot && !g.off;
		away += strcmp(g.end, g.home) != 0;
	}
	json_object_object_add(o, "moved_once", json_object_new_int64(
	    (int64_t)once));
	json_object_object_add(o, "moved_twice", json_object_new_int64(
	    (int64_t)twice));
	json_object_object_add(o, "rebooted", json_object_new_int64(
	    (int64_t)reb));
	json_object_object_add(o, "ended_away", json_object_new_int64(
	    (int64_t)away));
	free(v);
}
