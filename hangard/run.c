/*
 * run: a maintenance cycle carried out, as a journaled job.
 *
 * `maint run` turns the cycle's plan into a journal of steps in the
 * store, host by host and window by window:
 *
 *	mark		host state maintenance
 *	migrate-out	a guest live-migrated to its planned target
 *	shutdown	a guest shut down cleanly (forced after a timeout)
 *	patch		the operator's patch hook (patch + reboot the host),
 *			or waiting for `maint host-done HOST`
 *	wait-up		until the host's hypervisor answers again
 *	start		the guests shut down, started again if they ran
 *	migrate-back	the migrated guests brought home
 *	unmark		host state active
 *
 * Each step is journaled "doing" (with the time it first began) before
 * anything is touched and "done" (with its figures) after, and every
 * step can be run again after a crash: it first looks at where the guest
 * is and what state it is in.  So a hangard killed at any point resumes
 * where it was when it starts again, no guest is defined twice or left
 * stopped, and the downtime intervals come from the journal's times.
 *
 * Hosts in one window go in parallel (each on its own worker thread);
 * the next window starts only when every host of this one is done, so a
 * host that fails or does not come back stops the cycle there with a
 * clear state (`maint report`), and `maint run` again retries from the
 * failed step.  A failed migration takes the reboot path instead only
 * with --allow-fallback.
 *
 * HANGARD_FAILPOINT=maint:SEQ:before|after[:CYCLE] (drills and tests)
 * kills the daemon with SIGKILL right after step SEQ is journaled as
 * begun, or right after its action finished and before that is
 * journaled, in any cycle or only in cycle CYCLE (so a daemon started
 * to kill itself in the next cycle first finishes the one it resumes);
 * a consolidation's copy step also has "mid", between its copy and the
 * start on the new host (consrun.c).
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "hangard/incident.h"
#include "hangard/rollplan.h"
#include "hangard/run.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

int64_t
run_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Whether HANGARD_FAILPOINT is maint:SEQ:WHERE, or maint:SEQ:WHERE:CYCLE
 * naming this cycle (the loop's thread).
 */
int
run_failpoint_set(int64_t cycle, int seq, const char *where)
{
	static const char *fp;
	static int read;
	char want[96];
	size_t n;

	if (!read) {
		fp = getenv("HANGARD_FAILPOINT");
		read = 1;
	}
	if (fp == NULL)
		return 0;
	n = (size_t)snprintf(want, sizeof(want), "maint:%d:%s", seq, where);
	if (strcmp(fp, want) == 0)
		return 1;
	snprintf(want + n, sizeof(want) - n, ":%lld", (long long)cycle);
	return strcmp(fp, want) == 0;
}

void
run_failpoint_hit(int64_t cycle, int seq, const char *where)
{
	log_warnx("failpoint maint:%d:%s hit (cycle %lld): killing myself",
	    seq, where, (long long)cycle);
	raise(SIGKILL);
}

static void
failpoint(int64_t cycle, int seq, const char *where)
{
	if (run_failpoint_set(cycle, seq, where))
		run_failpoint_hit(cycle, seq, where);
}

/* A step that moves a guest between hosts. */
static int
is_move(const struct step_rec *s)
{
	return strcmp(s->kind, "migrate-out") == 0 ||
	    strcmp(s->kind, "migrate-back") == 0 ||
	    strcmp(s->kind, "migrate") == 0 ||
	    strcmp(s->kind, "move-out") == 0 || strcmp(s->kind, "move-in") == 0 ||
	    cons_is_move(s);
}

static int
unfinished(const struct step_rec *s)
{
	return strcmp(s->state, "done") != 0;
}

/* ---- telling people: IRC and the log ---- */

void
run_say(struct daemon *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_info("%s", buf);
	tell_irc(d, buf);
}

/* ---- the journal ---- */

void
run_step_add(struct step_rec **v, size_t *n, size_t *cap, int64_t cycle,
    int win, const char *host, const char *guest, const char *kind,
    const char *target)
{
	struct step_rec *s;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	s = &(*v)[*n];
	memset(s, 0, sizeof(*s));
	s->cycle_id = cycle;
	s->seq = (int)*n;
	s->win = win;
	str_copy(s->host, host, sizeof(s->host));
	str_copy(s->guest, guest, sizeof(s->guest));
	str_copy(s->kind, kind, sizeof(s->kind));
	str_copy(s->target, target, sizeof(s->target));
	str_copy(s->state, "todo", sizeof(s->state));
	s->pause_ms = -1;
	s->plan_start_s = s->plan_end_s = -1;
	(*n)++;
}

/* The plan's entry for a guest, or NULL. */
json_object *
plan_json_guest(json_object *gsl, const char *name)
{
	json_object *g;
	size_t i;

	for (i = 0; i < json_object_array_length(gsl); i++) {
		g = json_object_array_get_idx(gsl, i);
		if (strcmp(proto_get_str(g, "guest"), name) == 0)
			return g;
	}
	return NULL;
}

/* The window a host is patched in, or -1. */
static int
host_window(json_object *ws, const char *host)
{
	json_object *hs;
	size_t i, k;

	for (i = 0; i < json_object_array_length(ws); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(ws, i),
		    "hosts", &hs))
			for (k = 0; k < json_object_array_length(hs); k++)
				if (strcmp(json_object_get_string(
				    json_object_array_get_idx(hs, k)), host) == 0)
					return (int)i;
	return -1;
}

static const struct choice_rec *
find_move(const struct choice_rec *mv, size_t nmv, const char *guest)
{
	size_t i;

	for (i = 0; i < nmv; i++)
		if (strcmp(mv[i].guest, guest) == 0)
			return &mv[i];
	return NULL;
}

/* What the plan asks of the cycle, for expand_host(). */
struct cycle_plan {
	int64_t			 cycle;
	json_object		*ws, *gsl;
	const struct choice_rec	*mv;	/* VPSes moved to another window */
	size_t			 nmv;
};

/*
 * The journal for one host: its guests as the store has them now, each
 * with the plan's action unless the customer chose to reboot in place,
 * and the VPSes customers moved to another window: those leaving it
 * before it goes down (move-out), those coming to it from a host patched
 * later (move-in), and every VPS moved to it rebooting with it.
 */
static int
expand_host(struct daemon *d, const struct cycle_plan *cp, int win,
    const char *host, struct step_rec **v, size_t *n, size_t *cap,
    struct herr *e)
{
	struct guest_rec *gs, mg;
	struct choice_rec ch;
	const struct choice_rec *m;
	json_object *pg;
	size_t ng, i;
	char (*target)[STORE_NAME_MAX];
	int64_t cycle = cp->cycle;
	int *skip;

	if (store_guest_list(d->st, NULL, host, &gs, &ng, e) == -1)
		return -1;
	target = xcalloc(ng + 1, sizeof(*target));
	skip = xcalloc(ng + 1, sizeof(*skip));
	for (i = 0; i < ng; i++) {
		if ((m = find_move(cp->mv, cp->nmv, gs[i].name)) != NULL) {
			skip[i] = 1;	/* it reboots elsewhere, later or before */
			continue;
		}
		pg = plan_json_guest(cp->gsl, gs[i].name);
		if (pg == NULL ||
		    strcmp(proto_get_str(pg, "action"), "live-migrate") != 0)
			continue;
		if (store_choice_get(d->st, cycle, gs[i].name, &ch, NULL) == 0 &&
		    strcmp(ch.action, "reboot") == 0)
			continue;
		str_copy(target[i], proto_get_str(pg, "target"),
		    sizeof(target[i]));
	}
	run_step_add(v, n, cap, cycle, win, host, "", "mark", "");
	for (i = 0; i < cp->nmv; i++)	/* from hosts patched later */
		if (strcmp(cp->mv[i].target, host) == 0 &&
		    store_guest_get(d->st, cp->mv[i].guest, NULL, &mg, NULL) == 0 &&
		    cp->mv[i].win < host_window(cp->ws, mg.host))
			run_step_add(v, n, cap, cycle, win, host, mg.name, "move-in",
			    mg.host);
	for (i = 0; i < ng; i++)
		if (target[i][0] != '\0')
			run_step_add(v, n, cap, cycle, win, host, gs[i].name,
			    "migrate-out", target[i]);
	for (i = 0; i < ng; i++)	/* to hosts patched later */
		if (skip[i] && (m = find_move(cp->mv, cp->nmv,
		    gs[i].name)) != NULL && m->win > win)
			run_step_add(v, n, cap, cycle, win, host, gs[i].name,
			    "move-out", m->target);
	for (i = 0; i < ng; i++)
		if (target[i][0] == '\0' && !skip[i])
			run_step_add(v, n, cap, cycle, win, host, gs[i].name,
			    "shutdown", "");
	for (i = 0; i < cp->nmv; i++)
		if (strcmp(cp->mv[i].target, host) == 0)
			run_step_add(v, n, cap, cycle, win, host, cp->mv[i].guest,
			    "shutdown", "");
	run_step_add(v, n, cap, cycle, win, host, "", "patch", "");
	run_step_add(v, n, cap, cycle, win, host, "", "wait-up", "");
	for (i = 0; i < ng; i++)
		if (target[i][0] == '\0' && !skip[i])
			run_step_add(v, n, cap, cycle, win, host, gs[i].name,
			    "start", "");
	for (i = 0; i < cp->nmv; i++)
		if (strcmp(cp->mv[i].target, host) == 0)
			run_step_add(v, n, cap, cycle, win, host, cp->mv[i].guest,
			    "start", "");
	for (i = 0; i < ng; i++)
		if (target[i][0] != '\0')
			run_step_add(v, n, cap, cycle, win, host, gs[i].name,
			    "migrate-back", target[i]);
	run_step_add(v, n, cap, cycle, win, host, "", "unmark", "");
	free(target);
	free(skip);
	free(gs);
	return 0;
}

static int
expand(struct daemon *d, const struct cycle_rec *c, struct step_rec **out,
    size_t *n, struct herr *e)
{
	struct cycle_plan cp;
	struct choice_rec *mv = NULL;
	json_object *plan, *w, *hs;
	size_t cap = 0, i, k;
	char *text;
	int64_t id;

	*out = NULL;
	*n = 0;
	if (store_cycle_get(d->st, c->id, &id, &text, e) == -1)
		return -1;
	plan = json_tokener_parse(text);
	free(text);
	memset(&cp, 0, sizeof(cp));
	cp.cycle = c->id;
	if (plan == NULL || !json_object_object_get_ex(plan, "windows",
	    &cp.ws) || !json_object_object_get_ex(plan, "guests", &cp.gsl)) {
		json_object_put(plan);
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	}
	if (store_choice_moves(d->st, c->id, &mv, &cp.nmv, e) == -1) {
		json_object_put(plan);
		return -1;
	}
	cp.mv = mv;
	if (plan_rolls_forward(plan)) {
		/* the plan's moves and reboots, in its order (rollrun.c) */
		if (roll_expand(d, c, plan, out, n, e) == -1)
			goto fail;
		json_object_put(plan);
		free(mv);
		return 0;
	}
	/* the hosts a consolidation retires go draining first */
	if (cons_expand_drains(d, plan, c->id, out, n, &cap, e) == -1)
		goto fail;
	for (i = 0; i < json_object_array_length(cp.ws); i++) {
		w = json_object_array_get_idx(cp.ws, i);
		if (cons_window(w)) {
			if (cons_expand(d, plan, c->id, (int)i, out, n, &cap,
			    e) == -1)
				goto fail;
			continue;
		}
		if (!json_object_object_get_ex(w, "hosts", &hs))
			continue;
		for (k = 0; k < json_object_array_length(hs); k++)
			if (expand_host(d, &cp, (int)i, json_object_get_string(
			    json_object_array_get_idx(hs, k)), out, n, &cap,
			    e) == -1)
				goto fail;
	}
	json_object_put(plan);
	free(mv);
	return 0;
fail:
	json_object_put(plan);
	free(mv);
	free(*out);
	*out = NULL;
	return -1;
}

/* ---- the steps' actions, on worker threads ---- */

void
sjob_fail(struct job *j, struct sjob *s)
{
	j->rc = -1;
	str_copy(s->detail, j->err.msg, sizeof(s->detail));
}

/*
 * Moves the guest from this worker's host to dst_uri, or finds that it
 * already went (a run resumed after the move and before the journal
 * said so).
 */
void
migrate_run(struct job *j)
{
	struct hv_conn *c = hostw_conn(j->hw, &j->err);

	if (c == NULL) {
		sjob_fail(j, j->ext);
		return;
	}
	migrate_with(j, c, j->hw->uri);
}

/* test_migrate_us_per_gib: a modelled migration takes its time first. */
static void
model_wait(const struct sjob *s, const char *uri)
{
	struct timespec ts;

	if (s->model_us <= 0 || strncmp(uri, "test", 4) != 0)
		return;
	ts.tv_sec = (time_t)(s->model_us / 1000000);
	ts.tv_nsec = (long)(s->model_us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
migrate_with(struct job *j, struct hv_conn *c, const char *uri)
{
	struct sjob *s = j->ext;
	struct hv_dom dom;
	int here, there;

	s->mo.address = s->mig_addr[0] != '\0' ? s->mig_addr : NULL;
	s->mo.disk_path = s->disk_path;
	s->mo.dst_pool = s->dst_pool;
	if ((here = hv_has_domain(uri, c, s->guest_uuid, &dom,
	    &j->err)) == -1) {
		sjob_fail(j, s);
		return;
	}
	if (!here) {
		there = hv_has_domain(s->dst_uri, NULL, s->guest_uuid, &dom,
		    &j->err);
		/* what the migration would have done after the move */
		if (there == 1 && hv_migrate_settle(c, s->guest_uuid,
		    s->dst_uri, &s->mo, &s->mig, &j->err) == -1) {
			sjob_fail(j, s);
			return;
		}
		if (there == 1) {
			j->rc = 0;
			str_copy(s->detail, strcmp(dom.state, "running") == 0 ?
			    "live, found there after a restart: pause not "
			    "measured" : "offline (not running), found there "
			    "after a restart", sizeof(s->detail));
			return;
		}
		if (there == 0)
			herr_set(&j->err, HERR_NOTFOUND, "the guest is on "
			    "neither host");
		sjob_fail(j, s);
		return;
	}
	model_wait(s, uri);
	if (hv_migrate(c, s->guest_uuid, s->dst_uri, &s->mo, &s->mig,
	    &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	j->rc = 0;
	snprintf(s->detail, sizeof(s->detail), "%s%s, pause %lld ms, "
	    "%lld ms in all", s->mig.live ? "live" : "offline (not running)",
	    s->mig.modelled ? " (test driver: modelled)" : "",
	    (long long)s->mig.pause_ms, (long long)s->mig.total_ms);
}

static void
shutdown_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_conn *c = hostw_conn(j->hw, &j->err);
	struct hv_dom dom;
	int forced = 0;

	if (c == NULL || hv_dom_state(c, s->guest_uuid, &dom, &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	if (s->observe) {
		/* journaled before we touch it: start knows what to do */
		s->was_running = strcmp(dom.state, "shutoff") != 0;
		j->rc = 0;
		return;
	}
	if (strcmp(dom.state, "shutoff") != 0 && hv_shutdown(c, s->guest_uuid,
	    s->timeout, &forced, &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	j->rc = 0;
	snprintf(s->detail, sizeof(s->detail), "%s", !s->was_running ?
	    "was not running" : forced ? "was running; forced off after the "
	    "timeout" : "was running; shut down");
}

static void
start_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_conn *c = hostw_conn(j->hw, &j->err);
	struct hv_dom dom;

	if (c == NULL || hv_dom_state(c, s->guest_uuid, &dom, &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	j->rc = 0;
	if (!s->was_running) {
		str_copy(s->detail, "left off, as it was", sizeof(s->detail));
		return;
	}
	if (strcmp(dom.state, "running") != 0 &&
	    hv_start(c, s->guest_uuid, &j->err) == -1) {
		sjob_fail(j, s);
		return;
	}
	str_copy(s->detail, "running again", sizeof(s->detail));
}

/*
 * Runs the operator's hook: HOOK HOST URI, with the cycle in the env.
 * posix_spawn, not fork: hangard may be large (in-process test fleets)
 * and only an exec follows.
 */
static void
patch_run(struct job *j)
{
	extern char **environ;
	struct sjob *s = j->ext;
	posix_spawn_file_actions_t fa;
	char *argv[4], **envp, *own[4];
	size_t n, i;
	pid_t pid;
	int st, r;

	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xcalloc(n + 5, sizeof(*envp));
	own[0] = xasprintf("HANGAR_CYCLE=%lld", (long long)s->cycle);
	own[1] = xasprintf("HANGAR_ADVISORIES=%s", s->advisories);
	own[2] = xasprintf("HANGAR_HOST=%s", s->host);
	own[3] = xasprintf("HANGAR_URI=%s", s->dst_uri);
	for (i = 0; i < 4; i++)
		envp[i] = own[i];
	for (i = 0; i < n; i++)
		envp[4 + i] = environ[i];
	argv[0] = s->patch_hook;
	argv[1] = s->host;
	argv[2] = s->dst_uri;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	r = posix_spawn(&pid, s->patch_hook, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 4; i++)
		free(own[i]);
	free(envp);
	if (r != 0) {
		herr_set(&j->err, HERR_HV, "patch hook %s: %s", s->patch_hook,
		    strerror(r));
		sjob_fail(j, s);
		return;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			herr_set(&j->err, HERR_INTERNAL, "waitpid: %s",
			    strerror(errno));
			sjob_fail(j, s);
			return;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		j->rc = 0;
		str_copy(s->detail, "patch hook succeeded", sizeof(s->detail));
		return;
	}
	herr_set(&j->err, HERR_HV, "patch hook %s %s: %s %d", s->patch_hook,
	    s->host, WIFEXITED(st) ? "exited with" : "killed by signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	sjob_fail(j, s);
}

/* Until the host answers (a new connection each try), or the timeout. */
static void
waitup_run(struct job *j)
{
	struct sjob *s = j->ext;
	struct hv_node node;
	struct hv_conn *c;

	for (;;) {
		/* a failed try drops the connection: the next one is new */
		if ((c = hostw_conn(j->hw, &j->err)) != NULL &&
		    hv_node_info(c, &node, &j->err) == 0) {
			j->rc = 0;
			j->node = node;
			snprintf(s->detail, sizeof(s->detail), "up: %s %s",
			    node.hv_type, node.hv_version);
			return;
		}
		hostw_drop_conn(j->hw);
		if (run_now_ms() - s->started_ms > (int64_t)s->timeout * 1000) {
			herr_set(&j->err, HERR_UNREACHABLE, "the host did not "
			    "come back within %d s", s->timeout);
			sjob_fail(j, s);
			return;
		}
		sleep(2);
	}
}

/* ---- the loop's side: dispatching steps and taking their results ---- */

static void	advance(struct daemon *d, struct mrun *r);
static int	dispatch_job(struct daemon *d, struct mrun *r,
		    struct step_rec *s, struct herr *e);

static struct mrun *
run_find(struct daemon *d, int64_t cycle)
{
	struct mrun *r;

	for (r = d->runs; r != NULL; r = r->next)
		if (r->c.id == cycle)
			return r;
	return NULL;
}

/* Answers maint run --wait: the run stopped, ended, or waits for us. */
static void
run_notify(struct daemon *d, struct mrun *r)
{
	json_object *rep;

	if (r->waiter == 0)
		return;
	rep = run_report(d, r);
	client_reply(d, r->waiter, r->waiter_req, 0, rep, NULL); /* takes rep */
	r->waiter = 0;
}

static void
run_free(struct daemon *d, struct mrun *r)
{
	struct mrun **rp;

	run_notify(d, r);
	for (rp = &d->runs; *rp != NULL; rp = &(*rp)->next)
		if (*rp == r) {
			*rp = r->next;
			break;
		}
	roll_free(r->roll);
	free(r->steps);
	free(r->flight);
	free(r);
}

/* Writes the step; a store that cannot take it stops the run. */
int
run_journal(struct daemon *d, struct mrun *r, struct step_rec *s)
{
	struct herr e;

	herr_clear(&e);
	if (store_step_update(d->st, s, &e) == -1) {
		log_warnx("maintenance cycle %lld: journal: %s",
		    (long long)r->c.id, e.msg);
		return -1;
	}
	return 0;
}

void
cycle_state(struct daemon *d, struct mrun *r, const char *state,
    const char *why)
{
	struct herr e;

	str_copy(r->c.run_state, state, sizeof(r->c.run_state));
	str_copy(r->c.run_error, why != NULL ? why : "",
	    sizeof(r->c.run_error));
	herr_clear(&e);
	if (store_cycle_set_run(d->st, &r->c, &e) == -1)
		log_warnx("maintenance cycle %lld: %s", (long long)r->c.id,
		    e.msg);
}


/*
 * The store follows a guest that moved: its host, and its disk's path
 * there when the migration moved the disk.  A crash between the two is
 * mended by the step run again (hv_migrate_settle gives the path).
 */
static int
guest_moved(struct daemon *d, const struct step_rec *st,
    const struct guest_rec *g, const struct hv_migration *mig,
    struct herr *e)
{
	int out = strcmp(st->kind, "migrate-out") == 0 ||
	    strcmp(st->kind, "migrate") == 0 ||
	    strcmp(st->kind, "move-out") == 0 || cons_is_move(st);

	if (store_guest_set_host(d->st, g->id, out ? st->target : st->host,
	    e) == -1)
		return -1;
	if (mig->disk_path[0] != '\0' &&
	    strcmp(mig->disk_path, g->disk_path) != 0)
		return store_guest_set_disk(d->st, g->id, mig->disk_path, e);
	return 0;
}

void
step_done(struct daemon *d, struct job *j)
{
	struct sjob *s = j->ext;
	struct mrun *r = run_find(d, s->cycle);
	struct step_rec *st;
	struct guest_rec g;
	struct herr e;
	int k;

	if (r == NULL || s->seq < 0 || (size_t)s->seq >= r->n)
		return;		/* the run was dropped (stopping) */
	st = &r->steps[s->seq];
	r->flight[s->seq] = 0;
	r->nflight--;
	if (s->observe && j->rc == 0) {
		/* what the guest was doing, journaled; now shut it down */
		str_copy(st->detail, s->was_running ? "was running" :
		    "was not running", sizeof(st->detail));
		herr_clear(&e);
		if (store_guest_get(d->st, st->guest, NULL, &g, NULL) == 0)
			busy_del(d, g.id);	/* dispatch_job adds it again */
		if (run_journal(d, r, st) == -1) {
			j->rc = -1;
			str_copy(s->detail, "the store refused the journal",
			    sizeof(s->detail));
		} else if ((k = dispatch_job(d, r, st, &e)) == 0) {
			r->flight[st->seq] = 1;
			r->nflight++;
			return;
		} else if (k == 1)
			str_copy(s->detail, "the guest was deleted meanwhile",
			    sizeof(s->detail));
		else {
			j->rc = -1;
			str_copy(s->detail, e.msg, sizeof(s->detail));
		}
	}
	/* answered without running (its host is down): that is why */
	if (j->rc == -1 && s->detail[0] == '\0')
		str_copy(s->detail, j->err.msg, sizeof(s->detail));
	failpoint(r->c.id, st->seq, "after");
	herr_clear(&e);
	if (st->guest[0] != '\0' && store_guest_get(d->st, st->guest, NULL, &g,
	    NULL) == 0)
		busy_del(d, g.id);
	else
		g.id = 0;
	if (j->rc == 0 && is_move(st) && g.id != 0 && guest_moved(d, st,
	    &g, &s->mig, &e) == -1) {
		j->rc = -1;
		str_copy(s->detail, e.msg, sizeof(s->detail));
	}
	if (j->rc == 0 && cons_step_done(d, j, st, g.id) == -1)
		j->rc = -1;	/* s->detail says why */
	if (j->rc == 0 && strcmp(st->kind, "wait-up") == 0)
		host_version_seen(d, st->host, &j->node);
	if (j->rc == 0 && g.id != 0 && (strcmp(st->kind, "shutdown") == 0 ||
	    strcmp(st->kind, "start") == 0))
		store_guest_set_state(d->st, g.id, strcmp(st->kind,
		    "shutdown") == 0 ? "shutoff" : s->was_running ? "running" :
		    "shutoff", (int64_t)time(NULL), NULL);
	str_copy(st->state, j->rc == 0 ? "done" : "failed", sizeof(st->state));
	st->ended_ms = run_now_ms();
	if (s->mig.pause_ms >= 0 && j->rc == 0)
		st->pause_ms = s->mig.pause_ms;
	if (j->rc == 0)
		st->bytes = (int64_t)s->mig.bytes;
	str_copy(st->detail, s->detail, sizeof(st->detail));
	if (run_journal(d, r, st) == -1)
		str_copy(st->state, "failed", sizeof(st->state));
	if (j->rc == -1)
		run_say(d, "maintenance: %s %s%s%s failed: %s", st->host, st->kind,
		    st->guest[0] ? " " : "", st->guest, st->detail);
	else if (strcmp(st->kind, "wait-up") == 0)
		run_say(d, "maintenance: %s is back up after %lld min", st->host,
		    (long long)(st->ended_ms - host_down_since(r, st)) / 60000);
	if (r->roll != NULL)
		roll_settled(r, st);
	advance(d, r);
}

struct sjob *
sjob_new(struct daemon *d, struct mrun *r, struct step_rec *s)
{
	struct sjob *sj = xcalloc(1, sizeof(*sj));

	sj->cycle = r->c.id;
	sj->seq = s->seq;
	str_copy(sj->kind, s->kind, sizeof(sj->kind));
	str_copy(sj->host, s->host, sizeof(sj->host));
	str_copy(sj->advisories, r->c.advisories, sizeof(sj->advisories));
	sj->mig.pause_ms = -1;
	sj->mo.copy_storage = d->cfg.migrate_copy_storage;
	sj->mo.p2p = d->cfg.migration_p2p;
	sj->mo.tls = d->cfg.migration_tls;
	sj->mo.peer_uri = d->cfg.migration_peer_uri;
	str_copy(sj->mig_addr, d->cfg.migration_address, sizeof(sj->mig_addr));
	return sj;
}

/*
 * The shutdown a start step follows: in its host's chain, or (a start
 * added by --allow-fallback at the journal's end) anywhere on its host.
 */
static const struct step_rec *
shutdown_of(const struct mrun *r, const struct step_rec *s)
{
	const struct step_rec *sd = step_find(r, s, s->guest, "shutdown");
	size_t i;

	for (i = 0; sd == NULL && i < r->n; i++)
		if (strcmp(r->steps[i].kind, "shutdown") == 0 &&
		    strcmp(r->steps[i].guest, s->guest) == 0 &&
		    strcmp(r->steps[i].host, s->host) == 0)
			sd = &r->steps[i];
	return sd;
}

/*
 * Sends the step's job to the right worker: 0; 1 when its guest has been
 * deleted since the cycle began (nothing to do); -1 with e if it cannot.
 */
static int
dispatch_job(struct daemon *d, struct mrun *r, struct step_rec *s,
    struct herr *e)
{
	struct host_rec h, t;
	struct guest_rec g;
	struct sjob *sj;
	struct job *j;
	const struct step_rec *sd;
	job_run_fn fn;
	/* into this chain's host: the guest comes from target */
	int back = strcmp(s->kind, "migrate-back") == 0 ||
	    strcmp(s->kind, "move-in") == 0;

	if (store_host_get(d->st, s->host, &h, e) == -1)
		return -1;
	memset(&g, 0, sizeof(g));	/* a host's own step has no guest */
	if (s->guest[0] != '\0' &&
	    store_guest_get(d->st, s->guest, NULL, &g, e) == -1)
		return e != NULL && e->code == HERR_NOTFOUND ? 1 : -1;
	sj = sjob_new(d, r, s);
	str_copy(sj->guest_uuid, g.id != 0 ? g.uuid : "",
	    sizeof(sj->guest_uuid));
	/* benchmarks on test-driver hosts: a migration takes its time */
	sj->model_us = ((int64_t)g.ram_mib + (int64_t)g.disk_mib) *
	    d->cfg.test_migrate_us_per_gib / 1024;
	if (strcmp(s->kind, "migrate") == 0) {
		/* roll forward: a thread of its own, several per host */
		if (roll_migrate_job(d, s, sj, &h, &g, e) == -1) {
			free(sj);
			return -1;
		}
		return 0;
	}
	if (strcmp(s->kind, "migrate-out") == 0 ||
	    strcmp(s->kind, "move-out") == 0 || back) {
		if (store_host_get(d->st, s->target, &t, e) == -1) {
			free(sj);
			return -1;
		}
		/* out: from the host to the target; back: the other way */
		str_copy(sj->dst_uri, back ? h.uri : t.uri,
		    sizeof(sj->dst_uri));
		/* the guest's disk volume goes into the destination's pool */
		str_copy(sj->dst_pool, back ? h.pool : t.pool,
		    sizeof(sj->dst_pool));
		str_copy(sj->disk_path, g.disk_path, sizeof(sj->disk_path));
		j = job_new(hostw_get(d, back ? &t : &h), migrate_run,
		    step_done, NULL, 0);
	} else if (strcmp(s->kind, "patch") == 0) {
		str_copy(sj->patch_hook, d->cfg.patch_hook,
		    sizeof(sj->patch_hook));
		str_copy(sj->dst_uri, h.uri, sizeof(sj->dst_uri));
		j = job_new(NULL, patch_run, step_done, NULL, 0);
		j->ext = sj;
		job_spawn(d, j);
		return 0;
	} else if (cons_kind(s->kind)) {
		if ((j = cons_job(d, s, sj, &h, &g, e)) == NULL) {
			free(sj);
			return -1;
		}
	} else {
		fn = strcmp(s->kind, "shutdown") == 0 ? shutdown_run :
		    strcmp(s->kind, "start") == 0 ? start_run : waitup_run;
		sj->timeout = strcmp(s->kind, "wait-up") == 0 ?
		    d->cfg.host_up_timeout : d->cfg.shutdown_timeout;
		/* the timeout counts from this try (a retry waits again) */
		sj->started_ms = run_now_ms();
		if (strcmp(s->kind, "shutdown") == 0) {
			sj->was_running = strstr(s->detail, "was running") !=
			    NULL;
			sj->observe = strstr(s->detail, "was ") == NULL;
		}
		if (strcmp(s->kind, "start") == 0)
			sj->was_running = (sd = shutdown_of(r, s)) != NULL &&
			    strstr(sd->detail, "was running") != NULL;
		j = job_new(hostw_get(d, &h), fn, step_done, NULL, 0);
		/* waiting for a host is trying it while it is down */
		j->anyway = fn == waitup_run;
	}
	if (g.id != 0)
		busy_add(d, g.id);
	j->ext = sj;
	job_submit(j);
	return 0;
}

/* Host steps done on the loop; 1 if s was finished here. */
static int
dispatch_local(struct daemon *d, struct mrun *r, struct step_rec *s)
{
	struct herr e;

	herr_clear(&e);
	if (strcmp(s->kind, "mark") == 0 || strcmp(s->kind, "unmark") == 0 ||
	    strcmp(s->kind, "drain") == 0) {
		if (store_host_set_state(d->st, s->host, strcmp(s->kind,
		    "mark") == 0 ? "maintenance" : strcmp(s->kind, "drain") ==
		    0 ? "draining" : "active", &e) == -1) {
			str_copy(s->state, "failed", sizeof(s->state));
			str_copy(s->detail, e.msg, sizeof(s->detail));
		} else
			str_copy(s->state, "done", sizeof(s->state));
		failpoint(r->c.id, s->seq, "after");
		s->ended_ms = run_now_ms();
		run_journal(d, r, s);
		if (strcmp(s->kind, "mark") == 0)
			run_say(d, "maintenance: %s is going down for %s",
			    s->host, r->c.advisories);
		else if (strcmp(s->kind, "drain") == 0)
			run_say(d, "consolidation: %s is draining: its VPSes "
			    "move to the hosts that stay", s->host);
		else
			run_say(d, "maintenance: %s is done", s->host);
		return 1;
	}
	if (strcmp(s->kind, "patch") == 0 && d->cfg.patch_hook[0] == '\0') {
		if (strcmp(s->state, "waiting") != 0) {
			str_copy(s->state, "waiting", sizeof(s->state));
			str_copy(s->detail, "waiting for maint host-done",
			    sizeof(s->detail));
			run_journal(d, r, s);
			run_say(d, "maintenance: %s is ready to patch; waiting for "
			    "maint host-done %s", s->host, s->host);
		}
		return 1;
	}
	return 0;
}

void
run_dispatch(struct daemon *d, struct mrun *r, struct step_rec *s)
{
	struct herr e;

	if (s->started_ms == 0)
		s->started_ms = run_now_ms();	/* kept across restarts */
	if (strcmp(s->state, "waiting") != 0)
		str_copy(s->state, "doing", sizeof(s->state));
	if (run_journal(d, r, s) == -1) {
		cycle_state(d, r, "stopped", "the store refused the journal");
		return;
	}
	failpoint(r->c.id, s->seq, "before");
	if (r->c.step_budget > 0)
		r->c.step_budget--;
	if (dispatch_local(d, r, s))
		return;
	herr_clear(&e);
	switch (dispatch_job(d, r, s, &e)) {
	case -1:
		str_copy(s->state, "failed", sizeof(s->state));
		str_copy(s->detail, e.msg, sizeof(s->detail));
		s->ended_ms = run_now_ms();
		run_journal(d, r, s);
		return;
	case 1:
		str_copy(s->state, "done", sizeof(s->state));
		str_copy(s->detail, "the guest was deleted meanwhile",
		    sizeof(s->detail));
		s->ended_ms = run_now_ms();
		run_journal(d, r, s);
		return;
	}
	r->flight[s->seq] = 1;
	r->nflight++;
}

/*
 * The first window with work left, or -1; r->lo moves on to its first
 * step (windows are contiguous in the journal and end in order).
 */
static int
current_window(struct mrun *r)
{
	while (r->lo < r->n && !unfinished(&r->steps[r->lo]))
		r->lo++;
	if (r->lo == r->n)
		return -1;
	while (r->lo > 0 && r->steps[r->lo - 1].win == r->steps[r->lo].win)
		r->lo--;	/* the window's first step */
	return r->steps[r->lo].win;
}

/*
 * Moves the run on: in the current window, each host's next step goes
 * out unless one is in flight, waiting, or failed.  Loops while host
 * steps finish on the spot.
 */
static void
advance(struct daemon *d, struct mrun *r)
{
	size_t i;
	int win, progress, failed, waiting;
	char host[STORE_NAME_MAX], why[600];
	struct step_rec *s;

	if (r->roll != NULL) {
		roll_advance(d, r);	/* the plan's order, not windows */
		return;
	}
	do {
		progress = failed = waiting = 0;
		if (strcmp(r->c.run_state, "running") != 0)
			break;
		if ((win = current_window(r)) == -1) {
			run_finished(d, r);
			return;
		}
		host[0] = '\0';
		for (i = r->lo; i < r->n && r->steps[i].win == win; i++) {
			s = &r->steps[i];
			if (strcmp(s->host, host) == 0)
				continue;
			if (!unfinished(s))
				continue;
			str_copy(host, s->host, sizeof(host));	/* its next */
			if (r->flight[i])
				continue;
			if (strcmp(s->state, "failed") == 0) {
				if (!failed)
					snprintf(why, sizeof(why), "%s %s%s%s: %s",
					    s->host, s->kind, s->guest[0] ? " " :
					    "", s->guest, s->detail);
				failed = 1;
				continue;
			}
			if (strcmp(s->state, "waiting") == 0) {
				waiting = 1;
				continue;
			}
			if (r->c.step_budget == 0)
				continue;
			run_dispatch(d, r, s);
			progress = 1;
		}
	} while (progress && r->nflight == 0);
	if (strcmp(r->c.run_state, "running") != 0 || r->nflight > 0)
		return;
	run_stall(d, r, failed, why, waiting);
}

void
run_stall(struct daemon *d, struct mrun *r, int failed, const char *why,
    int waiting)
{
	if (failed) {
		cycle_state(d, r, "stopped", why);
		live_cycle_stopped(d);	/* a host it left unreachable */
		/* customers see a delay, not our hosts' insides */
		post_auto(d, "incident", "Maintenance delayed", cons_cycle(&r->c) ?
		    "Our move of VPSes to new host servers is delayed: a host "
		    "server needs our attention before we go on. VPSes that "
		    "were not moved yet keep running where they are. Updates "
		    "follow here." : "Our maintenance for the security "
		    "advisories is delayed: a host server needs our attention "
		    "before we go on. VPSes that were not moved or rebooted yet "
		    "keep running as they are. Updates follow here.", 0, NULL,
		    NULL);
		run_say(d, "%s %lld stopped: %s (%s run again to retry%s)",
		    cons_cycle(&r->c) ? "consolidation" : "maintenance cycle",
		    (long long)r->c.id, why, cons_cycle(&r->c) ?
		    "consolidate" : "maint", r->c.allow_fallback ? "" :
		    ", --allow-fallback to reboot guests that cannot migrate");
		run_free(d, r);
	} else if (r->c.step_budget == 0 && !waiting) {
		cycle_state(d, r, "stopped", cons_cycle(&r->c) ? "paused after "
		    "the steps asked for (consolidate run to go on)" : "paused "
		    "after the steps asked for (maint run to go on)");
		run_free(d, r);
	} else if (waiting)
		run_notify(d, r);
}


void
run_finished(struct daemon *d, struct mrun *r)
{
	json_object *rep;

	char moved[200];

	cycle_state(d, r, "done", NULL);
	rep = run_report(d, r);
	cons_summary(rep, moved, sizeof(moved));
	if (cons_cycle(&r->c))
		run_say(d, "consolidation %lld is complete: %s",
		    (long long)r->c.id, moved);
	else
		run_say(d, "maintenance cycle %lld (%s) is complete: hosts "
		    "down %d min on average, longest %d, shortest %d%s%s",
		    (long long)r->c.id, r->c.advisories,
		    run_minutes(rep, "host_avg_s"),
		    run_minutes(rep, "host_longest_s"),
		    run_minutes(rep, "host_shortest_s"), moved[0] ? "; " : "",
		    moved);
	json_object_put(rep);
	run_free(d, r);
}

/* ---- loading a run ---- */

static struct mrun *
run_load(struct daemon *d, const struct cycle_rec *c, struct herr *e)
{
	struct mrun *r = xcalloc(1, sizeof(*r));

	r->c = *c;
	if (store_steps_list(d->st, c->id, &r->steps, &r->n, e) == -1) {
		free(r);
		return NULL;
	}
	r->flight = xcalloc(r->n + 1, 1);
	if (roll_load(d, r, e) == -1) {
		free(r->steps);
		free(r->flight);
		free(r);
		return NULL;
	}
	return r;
}

/* At start-up: every cycle that was running goes on where it was. */
void
runs_resume(struct daemon *d)
{
	struct cycle_rec *cs;
	struct mrun *r;
	struct herr e;
	size_t n, i;

	herr_clear(&e);
	if (store_cycle_list_running(d->st, &cs, &n, &e) == -1) {
		log_warnx("maintenance: %s", e.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((r = run_load(d, &cs[i], &e)) == NULL) {
			log_warnx("maintenance cycle %lld: %s",
			    (long long)cs[i].id, e.msg);
			continue;
		}
		r->next = d->runs;
		d->runs = r;
		run_say(d, "%s %lld resumes", cons_cycle(&r->c) ?
		    "consolidation" : "maintenance cycle", (long long)r->c.id);
		advance(d, r);
	}
	free(cs);
}

void
runs_free(struct daemon *d)
{
	while (d->runs != NULL)
		run_free(d, d->runs);
}

/* A stopped run again: failed steps are retried, or rerouted. */
static void
retry_failed(struct daemon *d, struct mrun *r)
{
	struct step_rec *s, *b;
	size_t i;

	for (i = 0; i < r->n; i++) {
		s = &r->steps[i];
		if (strcmp(s->state, "failed") != 0)
			continue;
		if (strcmp(s->kind, "migrate-out") == 0 && r->c.allow_fallback) {
			/* the reboot path: shut down here, start after */
			str_copy(s->kind, "shutdown", sizeof(s->kind));
			s->target[0] = '\0';
			if ((b = (struct step_rec *)step_find(r, s, s->guest,
			    "migrate-back")) != NULL) {
				str_copy(b->kind, "start", sizeof(b->kind));
				run_journal(d, r, b);
			}
			run_say(d, "maintenance: %s could not migrate: it reboots "
			    "with %s instead", s->guest, s->host);
		}
		if (strcmp(s->kind, "migrate") == 0 && r->c.allow_fallback &&
		    roll_fallback(d, r, s) == -1)
			continue;	/* it stays failed, and says why */
		s = &r->steps[i];	/* the journal may have grown */
		if (strcmp(s->kind, "move") == 0 && r->c.allow_fallback) {
			/* shut down, copied offline, started there */
			str_copy(s->kind, "copy", sizeof(s->kind));
			run_say(d, "consolidation: %s could not migrate: it is "
			    "shut down and copied to %s instead", s->guest,
			    s->target);
		}
		str_copy(s->state, "todo", sizeof(s->state));
		/* a copy keeps what its guest was doing before it began */
		if (strcmp(s->kind, "copy") == 0 &&
		    strncmp(s->detail, "was ", 4) == 0)
			str_copy(s->detail, strncmp(s->detail, "was running",
			    11) == 0 ? "was running" : "was not running",
			    sizeof(s->detail));
		else
			s->detail[0] = '\0';
		run_journal(d, r, s);
	}
}

/* ---- methods ---- */

int
maint_run(struct daemon *d, struct client *cl, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct cycle_rec c;
	struct step_rec *steps;
	struct mrun *m;
	size_t n;

	if (store_cycle_info(d->st, proto_int(r->params, "cycle", 0), &c,
	    e) == -1)
		return -1;
	if (strcmp(c.run_state, "done") == 0)
		return herr_set(e, HERR_STATE, "maintenance cycle %lld is "
		    "already done; to patch again, plan a new one: maint plan "
		    "%s --start TIME --window DURATION", (long long)c.id,
		    c.advisories);
	if ((m = run_find(d, c.id)) != NULL && m->nflight > 0 &&
	    strcmp(m->c.run_state, "running") == 0)
		return herr_set(e, HERR_STATE, "maintenance cycle %lld is "
		    "running", (long long)c.id);
	c.allow_fallback = proto_bool(r->params, "allow_fallback", 0);
	c.step_budget = (int)proto_int(r->params, "steps", -1);
	str_copy(c.run_state, "running", sizeof(c.run_state));
	c.run_error[0] = '\0';
	if (m == NULL && store_steps_list(d->st, c.id, &steps, &n, e) == -1)
		return -1;
	if (m == NULL && n == 0) {
		free(steps);
		if (expand(d, &c, &steps, &n, e) == -1)
			return -1;
		if (store_steps_add(d->st, &c, steps, n, e) == -1) {
			free(steps);
			return -1;
		}
		post_auto(d, "maintenance-in-progress", "Maintenance in "
		    "progress", cons_cycle(&c) ? "We are moving VPSes to new "
		    "host servers now. Updates follow here and on IRC." :
		    "We are patching our host servers now. Updates follow "
		    "here and on IRC.", 0, NULL, NULL);
	} else if (m == NULL && store_cycle_set_run(d->st, &c, e) == -1) {
		free(steps);
		return -1;
	}
	if (m == NULL) {
		free(steps);
		if ((m = run_load(d, &c, e)) == NULL)
			return -1;
		m->next = d->runs;
		d->runs = m;
	} else {
		m->c = c;
		if (store_cycle_set_run(d->st, &c, e) == -1)
			return -1;
	}
	retry_failed(d, m);
	/* the order again, from the journal as retrying left it */
	roll_free(m->roll);
	m->roll = NULL;
	if (roll_load(d, m, e) == -1) {
		run_free(d, m);
		return -1;
	}
	if (cons_cycle(&c))
		run_say(d, "consolidation %lld is running: %zu steps",
		    (long long)c.id, m->n);
	else
		run_say(d, "maintenance cycle %lld (%s) is running: %zu steps",
		    (long long)c.id, c.advisories, m->n);
	if (proto_bool(r->params, "wait", 0)) {
		m->waiter = cl->serial;
		m->waiter_req = r->id;
		advance(d, m);	/* may answer at once, and free m */
		return 1;
	}
	*res = json_object_new_object();
	json_object_object_add(*res, "cycle", json_object_new_int64(c.id));
	json_object_object_add(*res, "steps", json_object_new_int64(
	    (int64_t)m->n));
	advance(d, m);
	json_object_object_add(*res, "state",
	    json_object_new_string(c.run_state));
	return 0;
}

int
maint_host_done(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	const char *host = proto_str(r->params, "host");
	struct mrun *m;
	struct step_rec *s;
	size_t i;

	for (m = d->runs; m != NULL; m = m->next)
		for (i = 0; i < m->n; i++) {
			s = &m->steps[i];
			if (strcmp(s->host, host) != 0 ||
			    strcmp(s->kind, "patch") != 0 ||
			    strcmp(s->state, "waiting") != 0)
				continue;
			str_copy(s->state, "done", sizeof(s->state));
			str_copy(s->detail, "host-done by the operator",
			    sizeof(s->detail));
			s->ended_ms = run_now_ms();
			if (run_journal(d, m, s) == -1)
				return herr_set(e, HERR_INTERNAL, "the store "
				    "refused the journal");
			if (m->roll != NULL)
				roll_settled(m, s);
			*res = json_object_new_object();
			json_object_object_add(*res, "cycle",
			    json_object_new_int64(m->c.id));
			json_object_object_add(*res, "host",
			    json_object_new_string(host));
			advance(d, m);
			return 0;
		}
	return herr_set(e, HERR_STATE, "no maintenance run is waiting for "
	    "%s to be patched", host);
}

int
maint_report(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct cycle_rec c;
	struct mrun *m, tmp;

	if (store_cycle_info(d->st, proto_int(r->params, "cycle", 0), &c,
	    e) == -1)
		return -1;
	if ((m = run_find(d, c.id)) == NULL) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.c = c;
		if (store_steps_list(d->st, c.id, &tmp.steps, &tmp.n, e) == -1)
			return -1;
		m = &tmp;
	}
	*res = run_report(d, m);
	if (m == &tmp)
		free(tmp.steps);
	if (proto_bool(r->params, "publish", 0)) {
		/* the reply frees *res even on an error: not ours then */
		if (strcmp(c.run_state, "done") != 0) {
			json_object_put(*res);
			*res = NULL;
			return herr_set(e, HERR_STATE, "%s %lld is not done yet",
			    cons_cycle(&c) ? "consolidation" : "maintenance "
			    "cycle", (long long)c.id);
		}
		if (run_publish(d, *res, e) == -1) {
			json_object_put(*res);
			*res = NULL;
			return -1;
		}
	}
	return 0;
}
