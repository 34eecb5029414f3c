/*
 * runreport: a maintenance run's accounting, from its journal alone:
 * each host's downtime (its patch begun .. answering again), each
 * guest's (shut down .. running again, or its migrations' pauses), the
 * figures of the seed's posts, and the post itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "hangard/run.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

static void
add_time(json_object *o, const char *k, int64_t ms)
{
	char buf[40];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0)
		return;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03dZ",
	    (int)(ms % 1000));
	json_object_object_add(o, k, json_object_new_string(buf));
}

static json_object *
step_json(const struct step_rec *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "seq", json_object_new_int(s->seq));
	/* counted from 1 in replies, as in every table */
	json_object_object_add(o, "window", json_object_new_int(s->win + 1));
	json_object_object_add(o, "host", json_object_new_string(s->host));
	json_object_object_add(o, "guest", json_object_new_string(s->guest));
	json_object_object_add(o, "kind", json_object_new_string(s->kind));
	json_object_object_add(o, "target", json_object_new_string(s->target));
	json_object_object_add(o, "state", json_object_new_string(s->state));
	add_time(o, "started", s->started_ms);
	add_time(o, "ended", s->ended_ms);
	if (s->pause_ms >= 0)
		json_object_object_add(o, "pause_ms",
		    json_object_new_int64(s->pause_ms));
	json_object_object_add(o, "detail", json_object_new_string(s->detail));
	return o;
}

/*
 * A step of the same host's chain as s (a host's steps are contiguous
 * in the journal: expand() writes them host by host), so a lookup costs
 * the host's steps, not the cycle's.
 */
const struct step_rec *
step_find(const struct mrun *r, const struct step_rec *s, const char *guest,
    const char *kind)
{
	size_t i = (size_t)(s - r->steps);

	while (i > 0 && strcmp(r->steps[i - 1].host, s->host) == 0 &&
	    r->steps[i - 1].win == s->win)
		i--;
	for (; i < r->n && strcmp(r->steps[i].host, s->host) == 0 &&
	    r->steps[i].win == s->win; i++)
		if (strcmp(r->steps[i].guest, guest) == 0 &&
		    strcmp(r->steps[i].kind, kind) == 0)
			return &r->steps[i];
	return NULL;
}

int64_t
host_down_since(const struct mrun *r, const struct step_rec *s)
{
	const struct step_rec *p = step_find(r, s, "", "patch");

	return p != NULL && p->started_ms > 0 ? p->started_ms : s->ended_ms;
}

/* Host downtime in ms (patch begun .. answering again), -1 if not yet. */
static int64_t
host_downtime(const struct mrun *r, const struct step_rec *s)
{
	const struct step_rec *p = step_find(r, s, "", "patch");
	const struct step_rec *w = step_find(r, s, "", "wait-up");

	if (p == NULL || w == NULL || p->started_ms == 0 ||
	    strcmp(w->state, "done") != 0)
		return -1;
	return w->ended_ms - p->started_ms;
}

/*
 * A guest's downtime in ms: shut down .. running again when it rebooted
 * with its host, else its migrations' pauses; *known is 0 when a pause
 * was not measured.  -1 while it is not over.
 */
static int64_t
guest_downtime(const struct mrun *r, const struct step_rec *first,
    const char **how, int *known)
{
	const struct step_rec *a, *b;

	*known = 1;
	if (strcmp(first->kind, "shutdown") == 0) {
		*how = "reboot";
		b = step_find(r, first, first->guest, "start");
		if (strstr(first->detail, "was not running") != NULL) {
			*how = "was off";
			return 0;
		}
		if (b == NULL || strcmp(b->state, "done") != 0)
			return -1;
		return b->ended_ms - first->started_ms;
	}
	*how = "live-migrate";
	if (strncmp(first->detail, "offline", 7) == 0) {
		*how = "was off";
		return 0;
	}
	a = first;
	b = step_find(r, first, first->guest, "migrate-back");
	if (strcmp(a->state, "done") != 0 || b == NULL ||
	    strcmp(b->state, "done") != 0)
		return -1;
	*known = a->pause_ms >= 0 && b->pause_ms >= 0;
	return (a->pause_ms > 0 ? a->pause_ms : 0) +
	    (b->pause_ms > 0 ? b->pause_ms : 0);
}

static const struct step_rec *
move_of(const struct step_rec **moves, size_t n, const char *guest)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(moves[i]->guest, guest) == 0)
			return moves[i];
	return NULL;
}

/*
 * The run's real wall clock (its first step's begin .. its last step's
 * end) beside the plan's estimate, the all-reboot cycle's and the floor.
 */
static void
clock_figures(struct daemon *d, const struct mrun *r, json_object *o)
{
	json_object *plan, *sum, *v;
	int64_t t0 = 0, t1 = 0, id;
	size_t i;
	char *text;
	static const char *keys[][2] = { { "total_s", "estimate_s" },
	    { "all_reboot_s", "all_reboot_s" }, { "floor_s", "floor_s" },
	    { "mode", "roll" } };

	for (i = 0; i < r->n; i++) {
		if (r->steps[i].started_ms > 0 && (t0 == 0 ||
		    r->steps[i].started_ms < t0))
			t0 = r->steps[i].started_ms;
		if (r->steps[i].ended_ms > t1)
			t1 = r->steps[i].ended_ms;
	}
	if (t0 > 0 && t1 >= t0)
		json_object_object_add(o, "wall_ms",
		    json_object_new_int64(t1 - t0));
	if (store_cycle_get(d->st, r->c.id, &id, &text, NULL) == -1)
		return;
	plan = json_tokener_parse(text);
	free(text);
	if (plan != NULL && json_object_object_get_ex(plan, "summary", &sum))
		for (i = 0; i < 4; i++)
			if (json_object_object_get_ex(sum, keys[i][0], &v))
				json_object_object_add(o, keys[i][1],
				    json_object_get(v));
	json_object_put(plan);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

json_object *
run_report(struct daemon *d, const struct mrun *r)
{
	json_object *o = json_object_new_object(), *hs, *gs, *h, *g, *st;
	struct guest_rec gr;
	int64_t *hd, *gd, t, sum = 0, ms;
	size_t i, nh = 0, ng = 0, ndone = 0, nfail = 0;
	const struct step_rec **moves, *mv;
	size_t nmoves = 0;
	const char *how;
	int known, roll = roll_journal(r->steps, r->n);

	hd = xcalloc(r->n + 1, sizeof(*hd));
	gd = xcalloc(r->n + 1, sizeof(*gd));
	/* the few VPSes customers moved to another window */
	moves = xcalloc(r->n + 1, sizeof(*moves));
	for (i = 0; i < r->n; i++)
		if (strncmp(r->steps[i].kind, "move-", 5) == 0)
			moves[nmoves++] = &r->steps[i];
	hs = json_object_new_array();
	gs = json_object_new_array();
	st = json_object_new_array();
	for (i = 0; i < r->n; i++) {
		const struct step_rec *s = &r->steps[i];

		ndone += strcmp(s->state, "done") == 0;
		nfail += strcmp(s->state, "failed") == 0;
		if (strcmp(s->kind, "mark") == 0) {
			h = json_object_new_object();
			json_object_object_add(h, "host",
			    json_object_new_string(s->host));
			json_object_object_add(h, "window",
			    json_object_new_int(s->win + 1));
			t = host_downtime(r, s);
			json_object_object_add(h, "downtime_s", t < 0 ? NULL :
			    json_object_new_int64((t + 500) / 1000));
			json_object_object_add(h, "downtime_ms", t < 0 ? NULL :
			    json_object_new_int64(t));
			if (t >= 0)
				hd[nh++] = t;
			json_object_array_add(hs, h);
		}
		if (!roll && (strcmp(s->kind, "shutdown") == 0 ||
		    strcmp(s->kind, "migrate-out") == 0)) {
			g = json_object_new_object();
			json_object_object_add(g, "guest",
			    json_object_new_string(s->guest));
			if (store_guest_get(d->st, s->guest, NULL, &gr,
			    NULL) == 0)
				json_object_object_add(g, "owner",
				    json_object_new_string(gr.customer));
			json_object_object_add(g, "host",
			    json_object_new_string(s->host));
			ms = guest_downtime(r, s, &how, &known);
			if ((mv = move_of(moves, nmoves, s->guest)) != NULL) {
				/* moved to this window: its pause counts too */
				json_object_object_add(g, "moved_from",
				    json_object_new_string(strcmp(mv->kind,
				    "move-in") == 0 ? mv->target : mv->host));
				if (mv->pause_ms < 0 && ms >= 0)
					known = 0;
				else if (ms >= 0)
					ms += mv->pause_ms;
			}
			json_object_object_add(g, "action",
			    json_object_new_string(how));
			json_object_object_add(g, "downtime_ms", ms < 0 ? NULL :
			    json_object_new_int64(ms));
			json_object_object_add(g, "measured",
			    json_object_new_boolean(known));
			if (ms >= 0 && strcmp(how, "was off") != 0)
				gd[ng++] = ms;
			json_object_array_add(gs, g);
		}
		json_object_array_add(st, step_json(s));
	}
	/* moves off retiring hosts, and the hosts */
	cons_report(d, r, o, hs, gs, gd, &ng);
	if (roll)	/* each guest's moves, wherever they were */
		roll_report(d, r, o, gs, gd, &ng);
	clock_figures(d, r, o);
	json_object_object_add(o, "cycle", json_object_new_int64(r->c.id));
	json_object_object_add(o, "kind", json_object_new_string(
	    r->c.kind[0] ? r->c.kind : "patch"));
	json_object_object_add(o, "advisories",
	    json_object_new_string(r->c.advisories));
	json_object_object_add(o, "state",
	    json_object_new_string(r->c.run_state));
	if (r->c.run_error[0] != '\0')
		json_object_object_add(o, "error",
		    json_object_new_string(r->c.run_error));
	json_object_object_add(o, "steps_done", json_object_new_int64(
	    (int64_t)ndone));
	json_object_object_add(o, "steps_failed", json_object_new_int64(
	    (int64_t)nfail));
	json_object_object_add(o, "steps_total", json_object_new_int64(
	    (int64_t)r->n));
	if (nh > 0) {
		qsort(hd, nh, sizeof(*hd), cmp_i64);
		for (i = 0; i < nh; i++)
			sum += hd[i];
		json_object_object_add(o, "host_avg_s", json_object_new_int64(
		    (sum / (int64_t)nh + 500) / 1000));
		json_object_object_add(o, "host_longest_s",
		    json_object_new_int64((hd[nh - 1] + 500) / 1000));
		json_object_object_add(o, "host_shortest_s",
		    json_object_new_int64((hd[0] + 500) / 1000));
		json_object_object_add(o, "host_avg_ms",
		    json_object_new_int64(sum / (int64_t)nh));
		json_object_object_add(o, "host_longest_ms",
		    json_object_new_int64(hd[nh - 1]));
		json_object_object_add(o, "host_shortest_ms",
		    json_object_new_int64(hd[0]));
	}
	if (ng > 0) {
		qsort(gd, ng, sizeof(*gd), cmp_i64);
		json_object_object_add(o, "guest_median_ms",
		    json_object_new_int64(ng % 2 ? gd[ng / 2] :
		    (gd[ng / 2 - 1] + gd[ng / 2]) / 2));
		json_object_object_add(o, "guest_max_ms",
		    json_object_new_int64(gd[ng - 1]));
	}
	json_object_object_add(o, "hosts", hs);
	json_object_object_add(o, "guests", gs);
	json_object_object_add(o, "steps", st);
	if ((h = maint_timeline(r->steps, r->n, r->c.id, cons_cycle(&r->c) ?
	    "moving VPSes to new hosts" : r->c.advisories)) != NULL)
		json_object_object_add(o, "timeline", h);
	free(hd);
	free(gd);
	free(moves);
	return o;
}

/* ---- the end of a run: report, post, IRC ---- */

int
run_minutes(json_object *rep, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(rep, k, &v))
		return -1;
	return (int)((json_object_get_int64(v) + 30) / 60);
}

/* The seed's "completed" post: average, longest and shortest host. */
int
run_publish(struct daemon *d, json_object *rep, struct herr *e)
{
	char title[200], *body;
	int fig[3];
	json_object *v;
	int64_t med = -1, max = -1;
	size_t nmig = 0, nreb = 0, i;
	json_object *gs, *g;
	const char *how;

	fig[0] = run_minutes(rep, "host_avg_s");
	fig[1] = run_minutes(rep, "host_longest_s");
	fig[2] = run_minutes(rep, "host_shortest_s");
	if (json_object_object_get_ex(rep, "guest_median_ms", &v))
		med = json_object_get_int64(v);
	if (json_object_object_get_ex(rep, "guest_max_ms", &v))
		max = json_object_get_int64(v);
	json_object_object_get_ex(rep, "guests", &gs);
	for (i = 0; i < json_object_array_length(gs); i++) {
		g = json_object_array_get_idx(gs, i);
		how = proto_get_str(g, "action");
		nmig += strcmp(how, "live-migrate") == 0;
		nreb += strcmp(how, "reboot") == 0;
	}
	snprintf(title, sizeof(title), "Maintenance completed: %s",
	    proto_get_str(rep, "advisories"));
	if (fig[0] < 0)
		body = xasprintf("We completed maintenance for %s. No host "
		    "needed a reboot.", proto_get_str(rep, "advisories"));
	else
		body = xasprintf("We completed maintenance to patch %s. Our "
		    "average downtime this maintenance cycle was %d minutes. "
		    "The longest host server took %d minutes, while the "
		    "shortest took %d minutes. %zu VPSes were live-migrated "
		    "and kept running; %zu were shut down while their host "
		    "rebooted. The median VPS was unavailable for %.1f "
		    "seconds, the longest for %lld minutes.",
		    proto_get_str(rep, "advisories"), fig[0], fig[1], fig[2],
		    nmig, nreb, med < 0 ? 0.0 : (double)med / 1000,
		    (long long)(max < 0 ? 0 : (max + 30000) / 60000));
	if (fig[0] >= 0 && json_object_object_get_ex(rep, "moved_once", &v)) {
		/* a roll forward: one move to a patched host, for good */
		free(body);
		body = xasprintf("We completed maintenance to patch %s. Our "
		    "average downtime this maintenance cycle was %d minutes. "
		    "The longest host server took %d minutes, while the "
		    "shortest took %d minutes. %zu VPSes were live-migrated to "
		    "a newer host, where they stay, and kept running (%lld of "
		    "them with a single pause); %zu were shut down while their "
		    "host rebooted. The median VPS was unavailable for %.1f "
		    "seconds, the longest for %lld minutes.",
		    proto_get_str(rep, "advisories"), fig[0], fig[1], fig[2],
		    nmig, (long long)proto_get_int(rep, "moved_once"), nreb,
		    med < 0 ? 0.0 : (double)med / 1000,
		    (long long)(max < 0 ? 0 : (max + 30000) / 60000));
	}
	if (strcmp(proto_get_str(rep, "kind"), "consolidate") == 0) {
		/* a consolidation of its own: no host was patched */
		free(body);
		str_copy(title, "Consolidation completed", sizeof(title));
		body = cons_post(rep, 0);
		fig[0] = -1;
	} else if (proto_get_int(rep, "moves_total") > 0) {
		char *more = cons_post(rep, 1), *both;

		both = xasprintf("%s %s", body, more);
		free(body);
		free(more);
		body = both;
	}
	if (fig[0] < 0)
		fig[0] = fig[1] = fig[2] = -1;
	if (!json_object_object_get_ex(rep, "timeline", &v))
		v = NULL;	/* no picture */
	i = (size_t)post_auto_timeline(d, "maintenance-completed", title,
	    body, 0, fig, v, e);
	free(body);
	return (int)i;
}
