/*
 * consolidate: planning the retirement of hosts.
 *
 * The seed's operators "used this maintenance window to decommission two
 * servers with HDDs to a new one with SSDs".  The consolidation planner
 * of plan/ (plan_consolidate) gets the whole fleet as the store has it
 * and the hosts to retire (selectors: a host name, a tag such as
 * stor:hdd, or a glob), and moves every guest off them to the fullest
 * eligible host with room, of the disk kind asked for.  A guest that
 * fits nowhere refuses the plan, by name: a retirement that leaves a
 * host half full is not one.
 *
 * The moves become the last window of a cycle, of kind "retire":
 *
 *   consolidate.plan	a cycle of its own (kind consolidate), one window
 *   maint.plan --retire	folded into a patch cycle: the retiring hosts
 *			are not patched (their batches are dropped from the
 *			rolling plan, which may still use them as temporary
 *			targets), and after the last patch window their
 *			guests move to hosts patched already
 *
 * The plan keeps the moves in the order plan_order_moves gave them
 * ("retire": {"moves": [...]}) and one entry per moving guest in
 * "guests" (action "move", or "move-offline" for a guest an operator
 * pinned to offline moves, with its expected downtime), so the notices,
 * guest.show and the console read them like any other.  consrun.c turns
 * them into journal steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"

#define MAX_SELECTORS	16
#define COPY_S_PER_GIB	2	/* the planner's migration rate, per GiB */
#define OFFLINE_S	60	/* a clean shutdown and a boot, besides */

struct retire_plan {
	struct plan_cluster		*c;
	struct plan_consolidation	*p;
	char				 sel[256];	/* as asked */
	char				 to[8];		/* "ssd", "hdd", "" */
};

/* Splits "a,b" into at most MAX_SELECTORS non-empty selectors. */
static int
split_selectors(char *list, const char **sel, size_t *n, struct herr *e)
{
	char *tok, *save;

	*n = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " ");
		if (*tok == '\0')
			continue;
		if (*n == MAX_SELECTORS)
			return herr_set(e, HERR_USAGE, "--retire: at most %d "
			    "selectors", MAX_SELECTORS);
		sel[(*n)++] = tok;
	}
	if (*n == 0)
		return herr_set(e, HERR_USAGE, "--retire: name the hosts to "
		    "retire (a name, a tag such as stor:hdd, or a glob)");
	return 0;
}

static int
name_in(char (*names)[STORE_NAME_MAX], size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * The fleet as the planner sees it: every host, tagged stor:hdd or
 * stor:ssd like an htools cluster, in its state; every guest, the ones
 * pinned to offline moves as guests that cannot live-migrate.
 */
static struct plan_cluster *
fleet_cluster(struct daemon *d, struct herr *e)
{
	struct plan_cluster *c = plan_cluster_new();
	struct host_rec *hs = NULL;
	struct guest_rec *gs = NULL;
	char (*pinned)[STORE_NAME_MAX] = NULL, tags[16];
	size_t nh, ng, np = 0, i;
	int ok = 0;

	c->vcpu_ratio = d->cfg.vcpu_ratio;
	if (store_host_list(d->st, &hs, &nh, e) == -1 ||
	    store_guest_list(d->st, NULL, NULL, &gs, &ng, e) == -1 ||
	    store_guest_offline_list(d->st, &pinned, &np, e) == -1)
		goto out;
	for (i = 0; i < nh; i++) {
		snprintf(tags, sizeof(tags), "stor:%s", hs[i].disk_kind);
		if (plan_cluster_add_host(c, hs[i].name, (int64_t)hs[i].ram_mib,
		    (int64_t)hs[i].disk_mib, hs[i].cpus,
		    strcmp(hs[i].disk_kind, "ssd") == 0 ? PLAN_DISK_SSD :
		    PLAN_DISK_HDD, plan_host_state_parse(hs[i].state),
		    tags) == -1)
			goto model;
	}
	for (i = 0; i < ng; i++)
		if (plan_cluster_add_guest(c, gs[i].name, gs[i].customer,
		    (int64_t)gs[i].ram_mib, (int64_t)gs[i].disk_mib,
		    gs[i].vcpus, plan_host_find(c, gs[i].host), PLAN_NONE,
		    !name_in(pinned, np, gs[i].name)) == -1)
			goto model;
	ok = 1;
	goto out;
model:
	herr_set(e, HERR_INTERNAL, "the fleet does not fit the planner's "
	    "model");
out:
	free(hs);
	free(gs);
	free(pinned);
	if (!ok) {
		plan_cluster_free(c);
		return NULL;
	}
	return c;
}

/*
 * "cannot place carol-ci (on new-ssd-1): not enough free RAM on any
 * eligible host (ssd): it needs 8192 MiB, the most one offers is 4096"
 */
static int
unplaced_error(const struct retire_plan *rp, struct herr *e)
{
	const struct plan_unplaced *u = &rp->p->unplaced[0];
	const struct plan_cluster *c = rp->c;
	char need[96] = "", more[48] = "", kind[16] = "";

	if (u->why == PLAN_WHY_RAM || u->why == PLAN_WHY_DISK ||
	    u->why == PLAN_WHY_VCPU)
		snprintf(need, sizeof(need), ": it needs %lld %s, the most one "
		    "offers is %lld", (long long)u->need, u->why ==
		    PLAN_WHY_VCPU ? "vCPUs" : "MiB", (long long)u->best);
	if (rp->p->nunplaced > 1)
		snprintf(more, sizeof(more), "; and %zu more",
		    rp->p->nunplaced - 1);
	if (rp->to[0] != '\0')
		snprintf(kind, sizeof(kind), " (%s)", rp->to);
	return herr_set(e, HERR_CAPACITY, "cannot place %s (on %s): %s%s%s%s",
	    c->guests[u->guest].name, c->hosts[c->guests[u->guest].host].name,
	    plan_why_text(u->why), kind, need, more);
}

void
retire_plan_free(struct retire_plan *rp)
{
	if (rp == NULL)
		return;
	plan_consolidation_free(rp->p);
	plan_cluster_free(rp->c);
	free(rp);
}

struct retire_plan *
retire_plan_new(struct daemon *d, const char *retire, const char *to,
    struct herr *e)
{
	struct retire_plan *rp = xcalloc(1, sizeof(*rp));
	struct plan_consolidate_opts o;
	const char *sel[MAX_SELECTORS];
	char *list = NULL;
	size_t i;

	plan_consolidate_opts_init(&o);
	if (to != NULL && to[0] != '\0') {
		if (strcmp(to, "ssd") != 0 && strcmp(to, "hdd") != 0) {
			herr_set(e, HERR_USAGE, "--to: ssd or hdd");
			goto fail;
		}
		o.to = strcmp(to, "ssd") == 0 ? PLAN_DISK_SSD : PLAN_DISK_HDD;
		str_copy(rp->to, to, sizeof(rp->to));
	}
	str_copy(rp->sel, retire, sizeof(rp->sel));
	list = xstrdup(retire);
	if (split_selectors(list, sel, &o.nretire, e) == -1)
		goto fail;
	o.retire = sel;
	if ((rp->c = fleet_cluster(d, e)) == NULL ||
	    plan_consolidate(rp->c, &o, &rp->p, e) == -1)
		goto fail;
	if (rp->p->nunplaced > 0) {
		unplaced_error(rp, e);
		goto fail;
	}
	for (i = 0; i < rp->c->nhosts; i++)
		if (rp->p->retired[i] && !rp->p->empty_after[i]) {
			herr_set(e, HERR_CAPACITY, "%s would not be empty",
			    rp->c->hosts[i].name);
			goto fail;
		}
	free(list);
	return rp;
fail:
	free(list);
	retire_plan_free(rp);
	return NULL;
}

int
retire_host(const struct retire_plan *rp, const char *host)
{
	int32_t h;

	if (rp == NULL || (h = plan_host_find(rp->c, host)) == PLAN_NONE)
		return 0;
	return rp->p->retired[h];
}

/* Seconds a move takes: its RAM and disk (only its disk when offline). */
static int64_t
move_s(const struct plan_guest *g, int offline)
{
	int64_t mib = g->disk_mib + (offline ? 0 : g->ram_mib);

	return (mib * COPY_S_PER_GIB + 1023) / 1024 + (offline ? OFFLINE_S : 0);
}

/*
 * The window's length: each host's moves one after the other, the
 * hosts side by side; room made on targets (ejections) first.
 */
static int64_t
retire_estimate(const struct retire_plan *rp)
{
	const struct plan_cluster *c = rp->c;
	int64_t *per = xcalloc(c->nhosts + 1, sizeof(*per)), eject = 0,
	    retire = 0;
	size_t i;

	for (i = 0; i < rp->p->nmoves; i++) {
		const struct plan_move *m = &rp->p->moves[i];

		per[m->from] += move_s(&c->guests[m->guest], m->reboot);
	}
	for (i = 0; i < c->nhosts; i++) {
		if (rp->p->retired[i] && per[i] > retire)
			retire = per[i];
		if (!rp->p->retired[i] && per[i] > eject)
			eject = per[i];
	}
	free(per);
	return eject + retire;
}

int64_t
retire_plan_json(const struct retire_plan *rp, json_object *plan, int win,
    int64_t start, int64_t window)
{
	const struct plan_cluster *c = rp->c;
	json_object *ws, *gsl, *w, *hs, *ms, *m, *g, *o;
	int64_t est = retire_estimate(rp);
	size_t i;

	if (!json_object_object_get_ex(plan, "windows", &ws) ||
	    !json_object_object_get_ex(plan, "guests", &gsl))
		return -1;
	w = json_object_new_object();
	json_object_object_add(w, "index", json_object_new_int(win));
	json_object_object_add(w, "kind", json_object_new_string("retire"));
	json_object_object_add(w, "start",
	    json_object_new_int64(start + (int64_t)win * window));
	json_object_object_add(w, "end",
	    json_object_new_int64(start + (int64_t)(win + 1) * window));
	json_object_object_add(w, "estimate_s", json_object_new_int64(est));
	hs = json_object_new_array();
	for (i = 0; i < c->nhosts; i++)
		if (rp->p->retired[i])
			json_object_array_add(hs, json_object_new_string(
			    c->hosts[i].name));
	json_object_object_add(w, "hosts", json_object_get(hs));
	json_object_array_add(ws, w);
	ms = json_object_new_array();
	for (i = 0; i < rp->p->nmoves; i++) {
		const struct plan_move *mv = &rp->p->moves[i];
		const struct plan_guest *pg = &c->guests[mv->guest];

		m = json_object_new_object();
		json_object_object_add(m, "guest",
		    json_object_new_string(pg->name));
		json_object_object_add(m, "from",
		    json_object_new_string(c->hosts[mv->from].name));
		json_object_object_add(m, "to",
		    json_object_new_string(c->hosts[mv->to].name));
		json_object_object_add(m, "offline",
		    json_object_new_boolean(mv->reboot));
		json_object_array_add(ms, m);
		g = json_object_new_object();
		json_object_object_add(g, "guest",
		    json_object_new_string(pg->name));
		json_object_object_add(g, "owner", json_object_new_string(
		    pg->owner == PLAN_NONE ? "" : c->customers[pg->owner]));
		json_object_object_add(g, "host",
		    json_object_new_string(c->hosts[mv->from].name));
		json_object_object_add(g, "window", json_object_new_int(win));
		json_object_object_add(g, "action", json_object_new_string(
		    mv->reboot ? "move-offline" : "move"));
		json_object_object_add(g, "target",
		    json_object_new_string(c->hosts[mv->to].name));
		json_object_object_add(g, "target_disk", json_object_new_string(
		    plan_disk_kind_name(c->hosts[mv->to].disk_kind)));
		json_object_object_add(g, "downtime_s", json_object_new_int64(
		    mv->reboot ? move_s(pg, 1) : 0));
		json_object_array_add(gsl, g);
	}
	o = json_object_new_object();
	json_object_object_add(o, "selectors", json_object_new_string(rp->sel));
	json_object_object_add(o, "to", json_object_new_string(rp->to));
	json_object_object_add(o, "window", json_object_new_int(win));
	json_object_object_add(o, "hosts", hs);
	json_object_object_add(o, "moves", ms);
	json_object_object_add(o, "hosts_freed",
	    json_object_new_int64((int64_t)rp->p->nfreed));
	json_object_object_add(plan, "retire", o);
	return est;
}

/* ---- consolidate.plan: a retirement of its own ---- */

int
consolidate_plan(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct retire_plan *rp;
	json_object *plan;
	int64_t start, window, est, id;
	const char *text;
	char title[300];

	if ((start = maint_parse_utc(proto_str(r->params, "start"))) == -1)
		return herr_set(e, HERR_USAGE, "--start: give a UTC time like "
		    "2017-04-27T06:00Z");
	if ((window = maint_parse_duration(proto_str(r->params,
	    "window"))) == -1)
		return herr_set(e, HERR_USAGE, "--window: give a duration like "
		    "4h or 90m");
	if ((rp = retire_plan_new(d, proto_str(r->params, "retire"),
	    proto_str(r->params, "to"), e)) == NULL)
		return -1;
	plan = json_object_new_object();
	json_object_object_add(plan, "kind",
	    json_object_new_string("consolidate"));
	snprintf(title, sizeof(title), "retiring %s", rp->sel);
	json_object_object_add(plan, "advisories", json_object_new_string(""));
	json_object_object_add(plan, "title", json_object_new_string(title));
	json_object_object_add(plan, "start", json_object_new_int64(start));
	json_object_object_add(plan, "window_s", json_object_new_int64(window));
	json_object_object_add(plan, "windows", json_object_new_array());
	json_object_object_add(plan, "guests", json_object_new_array());
	est = retire_plan_json(rp, plan, 0, start, window);
	retire_plan_free(rp);
	if (est > window) {
		json_object_put(plan);
		return herr_set(e, HERR_CAPACITY, "the moves need about %lld "
		    "minutes, more than --window allows",
		    (long long)(est + 59) / 60);
	}
	text = json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN);
	if (store_cycle_add(d->st, "consolidate", "", start, window, text,
	    &id, e) == -1) {
		json_object_put(plan);
		return -1;
	}
	json_object_object_add(plan, "cycle", json_object_new_int64(id));
	log_info("consolidation %lld planned: %s", (long long)id, title);
	plan_reply_windows(plan);
	*res = plan;
	return 0;
}

/*
 * The request's "cycle" made concrete: the newest cycle of kind when it
 * is 0 or absent; one of the other kind is refused, naming the command
 * that takes it.
 */
int
cycle_pick(struct daemon *d, struct proto_req *r, const char *kind,
    struct herr *e)
{
	struct cycle_rec c;
	int64_t id = proto_int(r->params, "cycle", 0);

	if (id == 0) {
		if (store_cycle_newest(d->st, kind, &id, e) == -1)
			return -1;
		json_object_object_add(r->params, "cycle",
		    json_object_new_int64(id));
		return 0;
	}
	if (store_cycle_info(d->st, id, &c, e) == -1)
		return -1;
	if (strcmp(c.kind, kind) != 0)
		return herr_set(e, HERR_USAGE, "cycle %lld is a %s: use "
		    "hangar %s", (long long)id, strcmp(c.kind, "consolidate") ==
		    0 ? "consolidation" : "maintenance cycle",
		    strcmp(c.kind, "consolidate") == 0 ? "consolidate ..." :
		    "maint ...");
	return 0;
}

/* guest.set_migration: live (the default) or offline (pinned). */
int
guest_set_migration(struct daemon *d, struct proto_req *r,
    json_object **res, struct herr *e)
{
	const char *name = proto_str(r->params, "name");
	const char *mode = proto_str(r->params, "mode");

	if (strcmp(mode, "live") != 0 && strcmp(mode, "offline") != 0)
		return herr_set(e, HERR_USAGE, "migration: live or offline");
	if (store_guest_set_live(d->st, name, strcmp(mode, "live") == 0,
	    e) == -1)
		return -1;
	log_info("guest %s: %s moves", name, mode);
	*res = json_object_new_object();
	json_object_object_add(*res, "name", json_object_new_string(name));
	json_object_object_add(*res, "migration", json_object_new_string(mode));
	return 0;
}

/* ---- the methods (methods.c's table names them) ---- */

const struct proto_param cons_plan_params[] = {
	{ "retire", PT_STR, 255, 1 },
	{ "to", PT_STR, 8, 0 },
	{ "start", PT_STR, 32, 1 },
	{ "window", PT_STR, 16, 1 },
	{ NULL, 0, 0, 0 },
};

const struct proto_param cons_migration_params[] = {
	{ "name", PT_STR, STORE_NAME_MAX - 1, 1 },
	{ "mode", PT_STR, 16, 1 },
	{ NULL, 0, 0, 0 },
};

int
cons_m_plan(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return consolidate_plan(d, r, res, e);
}

/* consolidate show|notify|run|report: maint's, on a consolidation. */
int
cons_m_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (cycle_pick(d, r, "consolidate", e) == -1)
		return -1;
	return maint_show(d, r, res, e);
}

int
cons_m_notify(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (cycle_pick(d, r, "consolidate", e) == -1)
		return -1;
	return maint_notify(d, r, res, e);
}

int
cons_m_run(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	if (cycle_pick(d, r, "consolidate", e) == -1)
		return -1;
	return maint_run(d, c, r, res, e);
}

int
cons_m_report(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (cycle_pick(d, r, "consolidate", e) == -1)
		return -1;
	return maint_report(d, r, res, e);
}

int
cons_m_migration(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return guest_set_migration(d, r, res, e);
}
