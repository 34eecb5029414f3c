/*
 * consrun: the steps that retire hosts, in a maintenance run's journal.
 *
 * run.c runs them like its own: each journaled "doing" before it acts
 * and "done" with its figures after, one at a time per host, resumed
 * after a crash by looking first at where the guest is.
 *
 *   drain	host state draining (the cycle's first steps): nothing new
 *		is placed there
 *   move	a guest to its new host: live-migrated with its disk when it
 *		runs (hv_migrate), copied offline when it is shut off
 *		(hv_move_offline)
 *   copy	a guest that must not live-migrate (an operator pinned it,
 *		or its owner chose a reboot): what it was doing is
 *		journaled first, then it is shut down, copied offline,
 *		defined there and started there if it ran
 *   retire	the host, once none of hangar's guests is on it in the store
 *		or in libvirt: state retired
 *
 * The journal of a plan whose window k retires hosts: the drain steps
 * open window 0 (before its patch chains, if any); window k holds the
 * moves that make room on targets (guests of hosts that stay), each
 * host's its own chain; window k + 1 each retiring host's chain, its
 * moves in the plan's order and its retire step.  Windows run one after
 * the other, so room is made before it is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "hangard/run.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

int
cons_kind(const char *kind)
{
	return strcmp(kind, "move") == 0 || strcmp(kind, "copy") == 0 ||
	    strcmp(kind, "retire") == 0;
}

int
cons_is_move(const struct step_rec *s)
{
	return strcmp(s->kind, "move") == 0 || strcmp(s->kind, "copy") == 0;
}

int
cons_cycle(const struct cycle_rec *c)
{
	return strcmp(c->kind, "consolidate") == 0;
}

int
cons_window(json_object *w)
{
	return strcmp(proto_get_str(w, "kind"), "retire") == 0;
}

/* ---- the journal ---- */

int
cons_expand_drains(struct daemon *d, json_object *plan, int64_t cycle,
    struct step_rec **v, size_t *n, size_t *cap, struct herr *e)
{
	json_object *rt, *hs;
	size_t i;

	(void)d;
	(void)e;
	if (!json_object_object_get_ex(plan, "retire", &rt) ||
	    !json_object_object_get_ex(rt, "hosts", &hs))
		return 0;
	for (i = 0; i < json_object_array_length(hs); i++)
		run_step_add(v, n, cap, cycle, 0, json_object_get_string(
		    json_object_array_get_idx(hs, i)), "", "drain", "");
	return 0;
}

/* Whether the plan retires host (a few hosts: a scan). */
static int
retired_in(json_object *hosts, const char *host)
{
	size_t i;

	for (i = 0; i < json_object_array_length(hosts); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(
		    hosts, i)), host) == 0)
			return 1;
	return 0;
}

/*
 * A planned move as a step: "copy" for a guest pinned to offline moves
 * (at planning or since) or whose owner chose a reboot, else "move".
 */
static const char *
move_kind(struct daemon *d, int64_t cycle, json_object *m)
{
	const char *name = proto_get_str(m, "guest");
	struct choice_rec ch;
	json_object *off;

	if (json_object_object_get_ex(m, "offline", &off) &&
	    json_object_get_boolean(off))
		return "copy";
	if (store_guest_live(d->st, name, NULL) == 0)
		return "copy";
	if (store_choice_get(d->st, cycle, name, &ch, NULL) == 0 &&
	    strcmp(ch.action, "reboot") == 0)
		return "copy";
	return "move";
}

/* The chain of a source host: its moves, of guests still there. */
static void
expand_from(struct daemon *d, json_object *ms, int64_t cycle, int win,
    const char *from, struct step_rec **v, size_t *n, size_t *cap)
{
	struct guest_rec g;
	json_object *m;
	size_t i;

	for (i = 0; i < json_object_array_length(ms); i++) {
		m = json_object_array_get_idx(ms, i);
		if (store_guest_get(d->st, proto_get_str(m, "guest"), NULL, &g,
		    NULL) == -1 || strcmp(g.host, from) != 0)
			continue;	/* deleted or moved since: nothing */
		run_step_add(v, n, cap, cycle, win, from, g.name,
		    move_kind(d, cycle, m), proto_get_str(m, "to"));
	}
}

/* Every guest on a retiring host must have a place in the plan. */
static int
check_placed(struct daemon *d, json_object *moved, const char *host,
    struct herr *e)
{
	struct guest_rec *gs;
	size_t ng, i;

	if (store_guest_list(d->st, NULL, host, &gs, &ng, e) == -1)
		return -1;
	for (i = 0; i < ng; i++)
		if (!json_object_object_get_ex(moved, gs[i].name, NULL)) {
			herr_set(e, HERR_STATE, "%s is on %s, which the plan "
			    "retires, but the plan has no host for it (it "
			    "came later): plan again", gs[i].name, host);
			free(gs);
			return -1;
		}
	free(gs);
	return 0;
}

int
cons_expand(struct daemon *d, json_object *plan, int64_t cycle, int win,
    struct step_rec **v, size_t *n, size_t *cap, struct herr *e)
{
	json_object *rt, *hs, *ms, *m, *moved, *byhost, *list, *order;
	const char *from;
	size_t i;
	int r = -1;

	if (!json_object_object_get_ex(plan, "retire", &rt) ||
	    !json_object_object_get_ex(rt, "hosts", &hs) ||
	    !json_object_object_get_ex(rt, "moves", &ms))
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	/* the moves by guest, and by source host in the plan's order */
	moved = json_object_new_object();
	byhost = json_object_new_object();
	order = json_object_new_array();
	for (i = 0; i < json_object_array_length(ms); i++) {
		m = json_object_array_get_idx(ms, i);
		from = proto_get_str(m, "from");
		json_object_object_add(moved, proto_get_str(m, "guest"), NULL);
		if (!json_object_object_get_ex(byhost, from, &list)) {
			list = json_object_new_array();
			json_object_object_add(byhost, from, list);
			json_object_array_add(order, json_object_new_string(from));
		}
		json_object_array_add(list, json_object_get(m));
	}
	for (i = 0; i < json_object_array_length(hs); i++)
		if (check_placed(d, moved, json_object_get_string(
		    json_object_array_get_idx(hs, i)), e) == -1)
			goto out;
	/* room made on the targets first, each host its chain: window k */
	for (i = 0; i < json_object_array_length(order); i++) {
		from = json_object_get_string(json_object_array_get_idx(order,
		    i));
		if (!retired_in(hs, from) && json_object_object_get_ex(byhost,
		    from, &list))
			expand_from(d, list, cycle, win, from, v, n, cap);
	}
	/* then each retiring host's guests, and the host itself */
	for (i = 0; i < json_object_array_length(hs); i++) {
		from = json_object_get_string(json_object_array_get_idx(hs, i));
		if (json_object_object_get_ex(byhost, from, &list))
			expand_from(d, list, cycle, win + 1, from, v, n, cap);
		run_step_add(v, n, cap, cycle, win + 1, from, "", "retire", "");
	}
	r = 0;
out:
	json_object_put(moved);
	json_object_put(byhost);
	json_object_put(order);
	return r;
}

/* ---- the actions, on the source host's worker ---- */

/* A copy that failed keeps what the guest was doing in its detail. */
static void
copy_fail(struct job *j, struct sjob *s)
{
	char buf[sizeof(j->err.msg) + 32];

	j->rc = -1;
	snprintf(buf, sizeof(buf), "%s; %s", s->was_running ? "was running" :
	    "was not running", j->err.msg);
	str_copy(s->detail, buf, sizeof(s->detail));
}

/* "HOW: moved to T, 1.2 MiB of its disk copied" */
static void
moved_detail(struct sjob *s, const char *how)
{
	char what[64];

	if (s->mig.modelled)
		snprintf(what, sizeof(what), " (test driver: modelled, no "
		    "disk)");
	else if (s->mig.disk_path[0] != '\0')
		snprintf(what, sizeof(what), ", %.1f MiB of its disk copied",
		    (double)s->mig.bytes / (1024.0 * 1024.0));
	else
		snprintf(what, sizeof(what), ", its definition only");
	/* a line for the report: a long host name may cut its end */
	if (snprintf(s->detail, sizeof(s->detail), "%s: moved to %s%s", how,
	    s->target, what) >= (int)sizeof(s->detail))
		log_debug("consolidation: step %d's detail cut short", s->seq);
}

/*
 * Live-migrated when it runs (or found there after a restart: run.c's
 * migrate_run), copied offline when it is shut off.
 */
static void
move_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_conn *c = hostw_conn(j->hw, &j->err);
	struct hv_dom dom;
	int here;

	if (c == NULL || (here = hv_has_domain(j->hw->uri, c, s->guest_uuid,
	    &dom, &j->err)) == -1) {
		sjob_fail(j, s);
		return;
	}
	if (!here || strcmp(dom.state, "shutoff") != 0) {
		migrate_run(j);
		return;
	}
	s->mo.disk_path = s->disk_path;
	s->mo.dst_pool = s->dst_pool;
	if (hv_move_offline(c, s->guest_uuid, s->dst_uri, &s->mo, &s->mig,
	    &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	j->rc = 0;
	moved_detail(s, "offline (not running)");
}

/* Starts the guest on the destination unless it runs there already. */
static int
start_there(struct sjob *s, struct herr *e)
{
	struct hv_conn *dc;
	struct hv_dom dom;
	int r = 0;

	if ((dc = hv_open(s->dst_uri, e)) == NULL)
		return -1;
	if (hv_dom_state(dc, s->guest_uuid, &dom, e) == -1 ||
	    (strcmp(dom.state, "running") != 0 &&
	    hv_start(dc, s->guest_uuid, e) == -1))
		r = -1;
	hv_close(dc);
	return r;
}

/* Looks (observe), or shuts down, copies and starts there. */
static void
copy_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_conn *c = hostw_conn(j->hw, &j->err);
	struct hv_dom dom;
	char how[160];
	int here, there = 0, forced = 0, was_up = 0;

	if (c == NULL || (here = hv_has_domain(j->hw->uri, c, s->guest_uuid,
	    &dom, &j->err)) == -1 || (!here && (there = hv_has_domain(
	    s->dst_uri, NULL, s->guest_uuid, &dom, &j->err)) == -1)) {
		s->observe ? sjob_fail(j, s) : copy_fail(j, s);
		return;
	}
	if (!here && !there) {
		herr_set(&j->err, HERR_NOTFOUND, "the guest is on neither host");
		s->observe ? sjob_fail(j, s) : copy_fail(j, s);
		return;
	}
	if (s->observe) {
		/* journaled before we touch it: start there knows what to do */
		s->was_running = strcmp(dom.state, "shutoff") != 0;
		j->rc = 0;
		return;
	}
	s->mo.disk_path = s->disk_path;
	s->mo.dst_pool = s->dst_pool;
	if (here && strcmp(dom.state, "shutoff") != 0) {
		was_up = 1;
		if (hv_shutdown(c, s->guest_uuid, s->timeout, &forced,
		    &j->err) == -1) {
			copy_fail(j, s);
			return;
		}
	}
	if ((here && hv_move_offline(c, s->guest_uuid, s->dst_uri, &s->mo,
	    &s->mig, &j->err) == -1) || (!here && hv_migrate_settle(c,
	    s->guest_uuid, s->dst_uri, &s->mo, &s->mig, &j->err) == -1)) {
		copy_fail(j, s);
		return;
	}
	/* drills: killed between the copy and the start there */
	if (s->die_mid)
		run_failpoint_hit(s->cycle, s->seq, "mid");
	if (s->was_running && start_there(s, &j->err) == -1) {
		copy_fail(j, s);
		return;
	}
	j->rc = 0;
	snprintf(how, sizeof(how), "%s%s; %s", s->was_running ?
	    "was running" : "was not running", !was_up ? "" : forced ?
	    ", forced off after the timeout" : ", shut down", !here ?
	    "found there after a restart" : s->was_running ? "copied offline "
	    "and started there" : "copied offline");
	moved_detail(s, how);
}

/* The host's domains, for the loop to check against the store. */
static void
retire_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_conn *c = hostw_conn(j->hw, &j->err);

	if (c == NULL || hv_list(c, &j->doms, &j->ndoms, &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	j->rc = 0;
}

struct job *
cons_job(struct daemon *d, struct step_rec *s, struct sjob *sj,
    const struct host_rec *h, const struct guest_rec *g, struct herr *e)
{
	struct host_rec t;
	int copy = strcmp(s->kind, "copy") == 0;

	if (strcmp(s->kind, "retire") == 0)
		return job_new(hostw_get(d, h), retire_run, step_done, NULL, 0);
	if (store_host_get(d->st, s->target, &t, e) == -1)
		return NULL;
	str_copy(sj->target, t.name, sizeof(sj->target));
	str_copy(sj->dst_uri, t.uri, sizeof(sj->dst_uri));
	/* the guest's disk volume goes into the new host's pool */
	str_copy(sj->dst_pool, t.pool, sizeof(sj->dst_pool));
	str_copy(sj->disk_path, g->disk_path, sizeof(sj->disk_path));
	sj->timeout = d->cfg.shutdown_timeout;
	if (copy) {
		sj->was_running = strncmp(s->detail, "was running", 11) == 0;
		sj->observe = strncmp(s->detail, "was ", 4) != 0;
		sj->die_mid = !sj->observe &&
		    run_failpoint_set(s->cycle_id, s->seq, "mid");
	}
	return job_new(hostw_get(d, h), copy ? copy_run : move_run, step_done,
	    NULL, 0);
}

/* ---- back on the loop ---- */

/* Retired only when nothing of ours is left there. */
static int
retire_check(struct daemon *d, struct job *j, struct step_rec *st)
{
	struct sjob *s = j->ext;
	struct guest_rec g, *gs;
	struct herr e;
	char other[160] = "";
	size_t i, ng;

	for (i = 0; i < j->ndoms; i++) {
		if (store_guest_get(d->st, j->doms[i].name, NULL, &g,
		    NULL) == 0) {
			snprintf(s->detail, sizeof(s->detail), "%s is still "
			    "defined on %s", g.name, st->host);
			return -1;
		}
		if (strlen(other) + strlen(j->doms[i].name) + 3 < sizeof(other))
			snprintf(other + strlen(other), sizeof(other) -
			    strlen(other), "%s%s", other[0] ? ", " : "",
			    j->doms[i].name);
	}
	herr_clear(&e);
	if (store_guest_list(d->st, NULL, st->host, &gs, &ng, &e) == -1) {
		str_copy(s->detail, e.msg, sizeof(s->detail));
		return -1;
	}
	if (ng > 0)
		snprintf(s->detail, sizeof(s->detail), "the store still has "
		    "%s on %s", gs[0].name, st->host);
	free(gs);
	if (ng > 0)
		return -1;
	if (store_host_set_state(d->st, st->host, "retired", &e) == -1) {
		str_copy(s->detail, e.msg, sizeof(s->detail));
		return -1;
	}
	snprintf(s->detail, sizeof(s->detail), "retired: no guest of ours "
	    "left%s%s%s", other[0] ? " (not ours, left alone: " : "", other,
	    other[0] ? ")" : "");
	run_say(d, "consolidation: %s is empty and retired", st->host);
	return 0;
}

int
cons_step_done(struct daemon *d, struct job *j, struct step_rec *st,
    int64_t guest_id)
{
	struct sjob *s = j->ext;

	if (strcmp(st->kind, "retire") == 0)
		return retire_check(d, j, st);
	if (strcmp(st->kind, "copy") == 0 && guest_id != 0)
		store_guest_set_state(d->st, guest_id, s->was_running ?
		    "running" : "shutoff", (int64_t)time(NULL), NULL);
	if (cons_is_move(st))
		run_say(d, "consolidation: %s moved from %s to %s", st->guest,
		    st->host, st->target);
	return 0;
}

/* ---- the report ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One moved guest's row: how it moved and for how long it was not
 * available (-1 while not done); *known is 0 for a live move whose
 * pause was not measured (found there after a restart).
 */
static int64_t
move_row(const struct step_rec *s, const char **how, int *known)
{
	int done = strcmp(s->state, "done") == 0;

	*known = 1;
	if (strcmp(s->kind, "copy") == 0) {
		*how = "move (offline)";
		if (strncmp(s->detail, "was not running", 15) == 0) {
			*how = "was off";
			return done ? 0 : -1;
		}
		return done ? s->ended_ms - s->started_ms : -1;
	}
	*how = "move";
	if (strncmp(s->detail, "offline", 7) == 0) {
		*how = "was off";
		return 0;
	}
	if (!done)
		return -1;
	*known = s->pause_ms >= 0;
	return s->pause_ms > 0 ? s->pause_ms : 0;
}

void
cons_report(struct daemon *d, const struct mrun *r, json_object *o,
    json_object *hs, json_object *gs, int64_t *gd, size_t *ng)
{
	json_object *freed = json_object_new_array(), *x, *plan, *rt;
	struct guest_rec gr;
	char *text;
	int64_t *ms = xcalloc(r->n + 1, sizeof(*ms)), t, bytes = 0;
	int64_t offmax = -1;
	size_t i, nms = 0, total = 0, done = 0, nret = 0;
	const char *how;
	int known;

	for (i = 0; i < r->n; i++) {
		const struct step_rec *s = &r->steps[i];

		if (strcmp(s->kind, "retire") == 0) {
			nret++;
			x = json_object_new_object();
			json_object_object_add(x, "host",
			    json_object_new_string(s->host));
			json_object_object_add(x, "retired",
			    json_object_new_boolean(strcmp(s->state, "done") ==
			    0));
			json_object_object_add(x, "downtime_s", NULL);
			json_object_array_add(hs, x);
			if (strcmp(s->state, "done") == 0)
				json_object_array_add(freed,
				    json_object_new_string(s->host));
		}
		if (!cons_is_move(s))
			continue;
		total++;
		done += strcmp(s->state, "done") == 0;
		bytes += s->bytes;
		t = move_row(s, &how, &known);
		x = json_object_new_object();
		json_object_object_add(x, "guest",
		    json_object_new_string(s->guest));
		if (store_guest_get(d->st, s->guest, NULL, &gr, NULL) == 0)
			json_object_object_add(x, "owner",
			    json_object_new_string(gr.customer));
		json_object_object_add(x, "host",
		    json_object_new_string(s->host));
		json_object_object_add(x, "target",
		    json_object_new_string(s->target));
		json_object_object_add(x, "action", json_object_new_string(how));
		json_object_object_add(x, "downtime_ms", t < 0 ? NULL :
		    json_object_new_int64(t));
		json_object_object_add(x, "measured",
		    json_object_new_boolean(known));
		json_object_array_add(gs, x);
		if (t >= 0 && strcmp(how, "was off") != 0)
			gd[(*ng)++] = t;
		if (t >= 0 && strcmp(how, "move") == 0)
			ms[nms++] = t;	/* a live move's pause */
		if (t > offmax && strcmp(how, "move (offline)") == 0)
			offmax = t;
	}
	if ((total > 0 || nret > 0) && store_cycle_get(d->st, r->c.id, &t,
	    &text, NULL) == 0) {
		/* the disk kind the guests moved to, from the plan */
		if ((plan = json_tokener_parse(text)) != NULL &&
		    json_object_object_get_ex(plan, "retire", &rt))
			json_object_object_add(o, "retire_to",
			    json_object_new_string(proto_get_str(rt, "to")));
		json_object_put(plan);
		free(text);
	}
	if (total > 0 || nret > 0) {
		json_object_object_add(o, "moves_total",
		    json_object_new_int64((int64_t)total));
		json_object_object_add(o, "moves_done",
		    json_object_new_int64((int64_t)done));
		json_object_object_add(o, "bytes_copied",
		    json_object_new_int64(bytes));
		json_object_object_add(o, "hosts_retiring",
		    json_object_new_int64((int64_t)nret));
		json_object_object_add(o, "hosts_freed", json_object_get(freed));
	}
	if (nms > 0) {
		qsort(ms, nms, sizeof(*ms), cmp_i64);
		json_object_object_add(o, "move_median_ms",
		    json_object_new_int64(nms % 2 ? ms[nms / 2] :
		    (ms[nms / 2 - 1] + ms[nms / 2]) / 2));
		json_object_object_add(o, "move_max_ms",
		    json_object_new_int64(ms[nms - 1]));
	}
	if (offmax >= 0)
		json_object_object_add(o, "offline_max_ms",
		    json_object_new_int64(offmax));
	json_object_put(freed);
	free(ms);
}

void
cons_summary(json_object *rep, char *buf, size_t size)
{
	json_object *v, *fr;
	size_t i;
	int n;

	buf[0] = '\0';
	if (!json_object_object_get_ex(rep, "moves_done", &v))
		return;
	n = snprintf(buf, size, "%lld VPSes moved", (long long)
	    json_object_get_int64(v));
	if (json_object_object_get_ex(rep, "move_median_ms", &v) && n >= 0 &&
	    (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " (median %lld ms, "
		    "longest %lld ms)", (long long)json_object_get_int64(v),
		    (long long)proto_get_int(rep, "move_max_ms"));
	if (n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ", %.1f MiB copied",
		    (double)proto_get_int(rep, "bytes_copied") / 1048576.0);
	if (json_object_object_get_ex(rep, "hosts_freed", &fr))
		for (i = 0; i < json_object_array_length(fr) && n >= 0 &&
		    (size_t)n < size; i++)
			n += snprintf(buf + n, size - (size_t)n, "%s%s",
			    i == 0 ? ", retired: " : ", ", json_object_get_string(
			    json_object_array_get_idx(fr, i)));
}

/* "1 was" or "3 were" */
static const char *
were(size_t n)
{
	return n == 1 ? "was" : "were";
}

char *
cons_post(json_object *rep, int also)
{
	json_object *gs, *fr;
	size_t i, nlive = 0, noff = 0, nwas = 0, nfreed = 0;
	int64_t offmin = (proto_get_int(rep, "offline_max_ms") + 59999) /
	    60000;
	const char *how, *to = proto_get_str(rep, "retire_to");
	char kind[32] = "", live[160] = "", off[120] = "", was[64] = "";

	if (json_object_object_get_ex(rep, "guests", &gs))
		for (i = 0; i < json_object_array_length(gs); i++) {
			json_object *g = json_object_array_get_idx(gs, i);

			if (proto_get_str(g, "target")[0] == '\0')
				continue;	/* a patch's guest, not a move */
			how = proto_get_str(g, "action");
			nlive += strcmp(how, "move") == 0;
			noff += strcmp(how, "move (offline)") == 0;
			nwas += strcmp(how, "was off") == 0;
		}
	if (json_object_object_get_ex(rep, "hosts_freed", &fr))
		nfreed = json_object_array_length(fr);
	if (strcmp(to, "ssd") == 0 || strcmp(to, "hdd") == 0)
		snprintf(kind, sizeof(kind), " with %ss", strcmp(to, "ssd") ==
		    0 ? "SSD" : "HDD");
	if (nlive > 0)
		snprintf(live, sizeof(live), " %zu %s live-migrated and kept "
		    "running, with a median pause of %lld ms (the longest %lld "
		    "ms).", nlive, were(nlive), (long long)proto_get_int(rep,
		    "move_median_ms"), (long long)proto_get_int(rep,
		    "move_max_ms"));
	if (noff > 0)
		snprintf(off, sizeof(off), " %zu %s shut down while their "
		    "disks were copied, for at most %lld minute%s.", noff,
		    were(noff), (long long)offmin, offmin == 1 ? "" : "s");
	if (nwas > 0)
		snprintf(was, sizeof(was), " %zu %s shut off and stayed so.",
		    nwas, were(nwas));
	return xasprintf("We %smoved %zu VPS%s from %zu older host server%s "
	    "to new ones%s, and retired %s.%s%s%s", also ? "also " : "",
	    nlive + noff + nwas, nlive + noff + nwas == 1 ? "" : "es", nfreed,
	    nfreed == 1 ? "" : "s", kind, nfreed == 1 ? "it" : "them", live,
	    off, was);
}
