/*
 * rollplan: maintenance plans that roll forward (plan/roll.c), as
 * hangard keeps them, and customers' choices fed back into them.
 *
 * A roll-forward plan moves each guest once, to a host patched before,
 * where it stays; the next batch evacuates while this one reboots.  Its
 * JSON (maint_cycles.plan) keeps what the notices, guest.show and the
 * console read from every plan ("windows": one per batch, from its
 * first move to its last reboot; "guests": one entry per guest) and what
 * the run follows (rollrun.c): "roll_hosts" (each host's batch, when it
 * starts to evacuate, reboots and is patched) and "moves" in the order
 * they start, with their estimated times.  Batches and moves are
 * counted from 0 inside, like windows, and from 1 in replies.
 *
 * A customer's choice (maint choose, the console's `maintenance`) is an
 * input of the planner here: reboot in place, or go down in another
 * batch.  The plan is made again with every choice of the cycle while
 * the cycle has not started; a customer whose VPS's window or fate the
 * new plan changes is notified again by the next `maint notify`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangard/hangard.h"
#include "hangard/rollplan.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"

/* ---- the cluster and the options ---- */

struct plan_cluster *
maint_cluster(struct daemon *d, json_object *hostlist, struct herr *e)
{
	struct plan_cluster *c = plan_cluster_new();
	struct host_rec h;
	struct guest_rec *gs;
	char (*pinned)[STORE_NAME_MAX];
	size_t ng, np, i, k;

	for (i = 0; i < json_object_array_length(hostlist); i++) {
		if (store_host_get(d->st, json_object_get_string(
		    json_object_array_get_idx(hostlist, i)), &h, e) == -1) {
			plan_cluster_free(c);
			return NULL;
		}
		plan_cluster_add_host(c, h.name, (int64_t)h.ram_mib,
		    (int64_t)h.disk_mib, h.cpus, strcmp(h.disk_kind, "ssd") ==
		    0 ? PLAN_DISK_SSD : PLAN_DISK_HDD,
		    plan_host_state_parse(h.state), strcmp(h.disk_kind,
		    "ssd") == 0 ? "stor:ssd" : "stor:hdd");
	}
	if (store_guest_list(d->st, NULL, NULL, &gs, &ng, e) == -1) {
		plan_cluster_free(c);
		return NULL;
	}
	if (store_guest_offline_list(d->st, &pinned, &np, e) == -1) {
		free(gs);
		plan_cluster_free(c);
		return NULL;
	}
	/* a guest pinned to offline moves reboots with its host */
	for (i = 0; i < ng; i++) {
		for (k = 0; k < np && strcmp(pinned[k], gs[i].name) != 0; k++)
			;
		if (plan_host_find(c, gs[i].host) != PLAN_NONE)
			plan_cluster_add_guest(c, gs[i].name, gs[i].customer,
			    (int64_t)gs[i].ram_mib, (int64_t)gs[i].disk_mib,
			    gs[i].vcpus, plan_host_find(c, gs[i].host),
			    PLAN_NONE, k == np);
	}
	free(pinned);
	free(gs);
	return c;
}

int
maint_opts(struct proto_req *r, int retire, struct plan_maint_opts *o,
    struct herr *e)
{
	const char *roll = proto_str(r->params, "roll");
	const char *rt = proto_str(r->params, "reboot_time");
	int64_t v;

	plan_maint_opts_init(o);
	o->max_parallel = (size_t)proto_int(r->params, "max_parallel", 1);
	/* a consolidation's moves are planned from where guests are now */
	o->roll = retire ? PLAN_ROLL_BACK : PLAN_ROLL_FORWARD;
	if (roll != NULL && strcmp(roll, "forward") == 0)
		o->roll = PLAN_ROLL_FORWARD;
	else if (roll != NULL && strcmp(roll, "back") == 0)
		o->roll = PLAN_ROLL_BACK;
	else if (roll != NULL)
		return herr_set(e, HERR_USAGE, "--roll: forward or back");
	if (retire && o->roll == PLAN_ROLL_FORWARD)
		return herr_set(e, HERR_USAGE, "--retire goes with --roll back: "
		    "the hosts to retire are emptied from where the guests are "
		    "before the cycle, and rolling forward moves them (retire "
		    "them in a consolidate plan after the cycle)");
	v = proto_int(r->params, "per_link", 1);
	if (v < 1 || v > 64)
		return herr_set(e, HERR_USAGE, "--per-link: 1 to 64 migrations "
		    "at once per host");
	if (v != 1 && o->roll != PLAN_ROLL_FORWARD)
		return herr_set(e, HERR_USAGE, "--per-link goes with --roll "
		    "forward");
	o->link_parallel = (size_t)v;
	if (rt != NULL) {
		if ((v = maint_parse_duration(rt)) == -1)
			return herr_set(e, HERR_USAGE, "--reboot-time: give a "
			    "duration like 35m or 600s");
		o->reboot_s = (double)v;
	}
	return 0;
}

/* The options a plan was made with, from its JSON (to make it again). */
static void
opts_of(json_object *plan, struct plan_maint_opts *o)
{
	json_object *op;

	plan_maint_opts_init(o);
	o->roll = PLAN_ROLL_FORWARD;
	if (!json_object_object_get_ex(plan, "opts", &op))
		return;
	o->max_parallel = (size_t)proto_get_int(op, "max_parallel");
	o->link_parallel = (size_t)proto_get_int(op, "per_link");
	o->reboot_s = (double)proto_get_int(op, "reboot_s");
}

/* ---- the plan as JSON ---- */

static json_object *
strings(char **v, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* A planned time, to the millisecond (what the run compares). */
static json_object *
secs(double s)
{
	return json_object_new_double(round(s * 1000.0) / 1000.0);
}

json_object *
maint_summary(const struct plan_cluster *c, const struct plan_maintenance *m,
    const struct plan_maint_opts *o)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "mode", json_object_new_string(
	    m->roll == PLAN_ROLL_FORWARD ? "forward" : "back"));
	json_object_object_add(s, "batches",
	    json_object_new_int64((int64_t)m->nbatches));
	json_object_object_add(s, "hosts", json_object_new_int64(
	    (int64_t)(c->nhosts - m->nskipped)));
	json_object_object_add(s, "guests",
	    json_object_new_int64((int64_t)m->nguests));
	json_object_object_add(s, "rebooted",
	    json_object_new_int64((int64_t)m->nrebooted));
	json_object_object_add(s, "migrations",
	    json_object_new_int64((int64_t)m->nmigrations));
	json_object_object_add(s, "moved_twice",
	    json_object_new_int64((int64_t)m->nmoved_twice));
	json_object_object_add(s, "ended_away",
	    json_object_new_int64((int64_t)m->nended_away));
	json_object_object_add(s, "seed_ram_mib",
	    json_object_new_int64(m->seed_ram_mib));
	json_object_object_add(s, "seed_disk_mib",
	    json_object_new_int64(m->seed_disk_mib));
	json_object_object_add(s, "per_link",
	    json_object_new_int64((int64_t)o->link_parallel));
	json_object_object_add(s, "max_parallel",
	    json_object_new_int64((int64_t)o->max_parallel));
	json_object_object_add(s, "reboot_s",
	    json_object_new_int64((int64_t)o->reboot_s));
	json_object_object_add(s, "total_s",
	    json_object_new_int64((int64_t)ceil(m->total_s)));
	json_object_object_add(s, "all_reboot_s",
	    json_object_new_int64((int64_t)ceil(m->all_reboot_s)));
	json_object_object_add(s, "floor_s",
	    json_object_new_int64((int64_t)ceil(m->floor_s)));
	json_object_object_add(s, "notes", strings(m->notes, m->nnotes));
	json_object_object_add(s, "warnings",
	    strings(m->warnings, m->nwarnings));
	return s;
}

/* Each guest's first and last move's batch (-1: none), by guest index. */
static void
move_batches(const struct plan_cluster *c, const struct plan_maintenance *m,
    int32_t *first, int32_t *last)
{
	size_t i;

	for (i = 0; i < c->nguests; i++)
		first[i] = last[i] = -1;
	for (i = 0; i < m->nmoves; i++) {
		const struct plan_maint_move *mv = &m->moves[i];

		if (first[mv->guest] < 0)
			first[mv->guest] = mv->batch;
		last[mv->guest] = mv->batch;
	}
}

static json_object *
windows_json(const struct plan_cluster *c, const struct plan_maintenance *m,
    int64_t start)
{
	json_object *ws = json_object_new_array(), *w, *hs;
	const struct plan_batch *b;
	size_t i, k;

	for (i = 0; i < m->nbatches; i++) {
		b = &m->batches[i];
		w = json_object_new_object();
		json_object_object_add(w, "index", json_object_new_int((int)i));
		json_object_object_add(w, "start", json_object_new_int64(start +
		    (int64_t)floor(b->start_s)));
		json_object_object_add(w, "end", json_object_new_int64(start +
		    (int64_t)ceil(b->end_s)));
		json_object_object_add(w, "estimate_s", json_object_new_int64(
		    (int64_t)ceil(b->duration_s)));
		json_object_object_add(w, "start_s", secs(b->start_s));
		json_object_object_add(w, "end_s", secs(b->end_s));
		hs = json_object_new_array();
		for (k = 0; k < b->nhosts; k++)
			json_object_array_add(hs, json_object_new_string(
			    c->hosts[b->hosts[k]].name));
		json_object_object_add(w, "hosts", hs);
		json_object_array_add(ws, w);
	}
	return ws;
}

static json_object *
guest_json(const struct plan_cluster *c, const struct plan_maintenance *m,
    const struct plan_maint_guest *f, int32_t first, int32_t last)
{
	json_object *g = json_object_new_object();
	const struct plan_guest *pg = &c->guests[f->guest];
	int32_t eb = m->slots[f->end_host].batch;
	int reboot = f->fate == PLAN_FATE_REBOOT;

	json_object_object_add(g, "guest", json_object_new_string(pg->name));
	json_object_object_add(g, "owner", json_object_new_string(
	    pg->owner == PLAN_NONE ? "" : c->customers[pg->owner]));
	json_object_object_add(g, "host",
	    json_object_new_string(c->hosts[f->host].name));
	/* when it is touched first and last: its moves, its reboot */
	json_object_object_add(g, "window", json_object_new_int(first >= 0 ?
	    first : reboot ? eb : m->slots[f->host].batch));
	json_object_object_add(g, "window_last", json_object_new_int(
	    reboot ? eb : last >= 0 ? last : m->slots[f->host].batch));
	json_object_object_add(g, "action", json_object_new_string(reboot ?
	    "reboot" : "live-migrate"));
	json_object_object_add(g, "target", json_object_new_string(
	    f->end_host != f->host ? c->hosts[f->end_host].name : ""));
	json_object_object_add(g, "moves", json_object_new_int(f->nmoves));
	if (reboot)
		json_object_object_add(g, "reason", json_object_new_string(
		    f->chosen ? "customer's choice" : f->no_room ? "no room" :
		    "no live migration"));
	json_object_object_add(g, "downtime_s",
	    json_object_new_int64((int64_t)(f->downtime_s + 0.5)));
	return g;
}

json_object *
roll_plan_json(const struct plan_cluster *c, const struct plan_maintenance *m,
    const struct plan_maint_opts *o, int64_t start, int64_t window,
    const char *advisories)
{
	json_object *p = json_object_new_object(), *a, *x, *op;
	int32_t *first = xcalloc(c->nguests + 1, sizeof(int32_t));
	int32_t *last = xcalloc(c->nguests + 1, sizeof(int32_t));
	const struct plan_batch *b;
	size_t i, k;

	json_object_object_add(p, "advisories",
	    json_object_new_string(advisories));
	json_object_object_add(p, "start", json_object_new_int64(start));
	json_object_object_add(p, "window_s", json_object_new_int64(window));
	json_object_object_add(p, "roll", json_object_new_string("forward"));
	op = json_object_new_object();
	json_object_object_add(op, "max_parallel",
	    json_object_new_int64((int64_t)o->max_parallel));
	json_object_object_add(op, "per_link",
	    json_object_new_int64((int64_t)o->link_parallel));
	json_object_object_add(op, "reboot_s",
	    json_object_new_int64((int64_t)o->reboot_s));
	json_object_object_add(p, "opts", op);
	json_object_object_add(p, "summary", maint_summary(c, m, o));
	json_object_object_add(p, "windows", windows_json(c, m, start));
	move_batches(c, m, first, last);
	a = json_object_new_array();
	for (i = 0; i < m->nguests; i++)
		json_object_array_add(a, guest_json(c, m, &m->guests[i],
		    first[m->guests[i].guest], last[m->guests[i].guest]));
	json_object_object_add(p, "guests", a);
	/* each host's place in the schedule, in batch order */
	a = json_object_new_array();
	for (i = 0; i < m->nbatches; i++) {
		b = &m->batches[i];
		for (k = 0; k < b->nhosts; k++) {
			const struct plan_host_slot *sl = &m->slots[b->hosts[k]];

			x = json_object_new_object();
			json_object_object_add(x, "host", json_object_new_string(
			    c->hosts[b->hosts[k]].name));
			json_object_object_add(x, "batch",
			    json_object_new_int((int)i));
			json_object_object_add(x, "evacuate_start_s",
			    secs(sl->evac_start_s));
			json_object_object_add(x, "reboot_start_s",
			    secs(sl->reboot_start_s));
			json_object_object_add(x, "reboot_end_s",
			    secs(sl->reboot_end_s));
			json_object_array_add(a, x);
		}
	}
	json_object_object_add(p, "roll_hosts", a);
	a = json_object_new_array();
	for (i = 0; i < m->nmoves; i++) {
		const struct plan_maint_move *mv = &m->moves[i];

		x = json_object_new_object();
		json_object_object_add(x, "guest", json_object_new_string(
		    c->guests[mv->guest].name));
		json_object_object_add(x, "from", json_object_new_string(
		    c->hosts[mv->from].name));
		json_object_object_add(x, "to", json_object_new_string(
		    c->hosts[mv->to].name));
		json_object_object_add(x, "batch",
		    json_object_new_int(mv->batch));
		json_object_object_add(x, "start_s", secs(mv->start_s));
		json_object_object_add(x, "end_s", secs(mv->end_s));
		json_object_array_add(a, x);
	}
	json_object_object_add(p, "moves", a);
	free(first);
	free(last);
	return p;
}

int
plan_rolls_forward(json_object *plan)
{
	return strcmp(proto_get_str(plan, "roll"), "forward") == 0;
}

void
roll_reply_batches(json_object *plan)
{
	static const char *lists[] = { "roll_hosts", "moves" };
	json_object *arr, *o, *v;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		if (!json_object_object_get_ex(plan, lists[k], &arr))
			continue;
		for (i = 0; i < json_object_array_length(arr); i++) {
			o = json_object_array_get_idx(arr, i);
			if (json_object_object_get_ex(o, "batch", &v))
				json_object_object_add(o, "batch",
				    json_object_new_int64(
				    json_object_get_int64(v) + 1));
		}
	}
}

/* ---- choices: the plan made again with them ---- */

/* The index of guest name in c, or PLAN_NONE. */
static int32_t
guest_index(const struct plan_cluster *c, json_object *byname,
    const char *name)
{
	json_object *v;

	(void)c;
	if (!json_object_object_get_ex(byname, name, &v))
		return PLAN_NONE;
	return (int32_t)json_object_get_int(v);
}

/*
 * The planner's input of a choice: in place, a batch, or none
 * (live-migrate: the planner decides, as without a choice).
 */
static int32_t
choice_of(const struct choice_rec *ch)
{
	if (strcmp(ch->action, "reboot") != 0)
		return PLAN_CHOICE_NONE;
	return ch->win >= 0 ? ch->win : PLAN_CHOICE_IN_PLACE;
}

/* The plan made again with the cycle's choices, and now; NULL on error. */
static json_object *
replan(struct daemon *d, json_object *old, const struct choice_rec *chs,
    size_t nch, struct herr *e)
{
	struct plan_cluster *c;
	struct plan_maintenance *m = NULL;
	struct plan_maint_opts o;
	json_object *hosts, *byname, *p;
	size_t i;
	int32_t gi;

	if (!json_object_object_get_ex(old, "hosts", &hosts)) {
		herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
		return NULL;
	}
	if ((c = maint_cluster(d, hosts, e)) == NULL)
		return NULL;
	byname = json_object_new_object();
	for (i = 0; i < c->nguests; i++)
		json_object_object_add(byname, c->guests[i].name,
		    json_object_new_int((int)i));
	for (i = 0; i < nch; i++)
		if ((gi = guest_index(c, byname, chs[i].guest)) != PLAN_NONE &&
		    choice_of(&chs[i]) != PLAN_CHOICE_NONE)
			plan_cluster_set_choice(c, gi, choice_of(&chs[i]));
	json_object_put(byname);
	opts_of(old, &o);
	if (plan_maintenance(c, &o, &m, e) == -1) {
		plan_cluster_free(c);
		return NULL;
	}
	p = roll_plan_json(c, m, &o, proto_get_int(old, "start"),
	    proto_get_int(old, "window_s"), proto_get_str(old, "advisories"));
	json_object_object_add(p, "hosts", json_object_get(hosts));
	plan_maintenance_free(m);
	plan_cluster_free(c);
	return p;
}

/* The plan's entry for guest, or NULL. */
static json_object *
entry_of(json_object *plan, const char *guest)
{
	json_object *gsl;

	if (!json_object_object_get_ex(plan, "guests", &gsl))
		return NULL;
	return plan_json_guest(gsl, guest);
}

/* Does the new plan honour the choice for guest?  -1 with why if not. */
static int
honoured(json_object *plan, const char *guest, const struct choice_rec *ch,
    struct herr *e)
{
	json_object *g = entry_of(plan, guest), *ws;
	const char *act = g != NULL ? proto_get_str(g, "action") : "";

	if (g == NULL)
		return herr_set(e, HERR_STATE, "%s is not in the plan", guest);
	/* pinned: guest set-migration NAME offline */
	if (strcmp(ch->action, "live-migrate") == 0 &&
	    strcmp(proto_get_str(g, "reason"), "no live migration") == 0)
		return herr_set(e, HERR_STATE, "%s is moved only shut down: "
		    "ask us if it can be live-migrated", guest);
	if (strcmp(ch->action, "live-migrate") == 0 &&
	    strcmp(act, "live-migrate") != 0)
		return herr_set(e, HERR_CAPACITY, "no host has room to take "
		    "%s while its host reboots: it has to reboot with it",
		    guest);
	if (strcmp(ch->action, "reboot") == 0 && strcmp(act, "reboot") != 0)
		return herr_set(e, HERR_INTERNAL, "the plan did not take the "
		    "choice for %s", guest);
	if (ch->win >= 0 && proto_get_int(g, "window_last") != ch->win)
		return herr_set(e, HERR_CAPACITY, "no host patched in window "
		    "%d has room for %s", ch->win + 1, guest);
	if (json_object_object_get_ex(plan, "windows", &ws))
		for (size_t i = 0; i < json_object_array_length(ws); i++)
			if (proto_get_int(json_object_array_get_idx(ws, i),
			    "estimate_s") > proto_get_int(plan, "window_s"))
				return herr_set(e, HERR_CAPACITY, "with that "
				    "choice window %zu would need more than the "
				    "cycle's windows allow", i + 1);
	return 0;
}

/* Did the guest's window or fate change between the two plans? */
static int
changed(json_object *a, json_object *b)
{
	static const char *keys[] = { "window", "window_last", "action",
	    "moves" };
	size_t k;

	if (a == NULL || b == NULL)
		return a != b;
	for (k = 0; k < 4; k++)
		if (strcmp(json_object_get_string(json_object_object_get(a,
		    keys[k])) ? json_object_get_string(json_object_object_get(
		    a, keys[k])) : "", json_object_get_string(
		    json_object_object_get(b, keys[k])) ?
		    json_object_get_string(json_object_object_get(b,
		    keys[k])) : "") != 0)
			return 1;
	return 0;
}

/*
 * Customers (other than the chooser's guest) whose notice the new plan
 * makes wrong are told again by the next maint notify.  Returns how many.
 */
static size_t
renotify(struct daemon *d, int64_t cycle, json_object *old, json_object *new,
    const char *guest)
{
	json_object *gsl, *g, *told;
	const char *owner;
	size_t i, n = 0;

	if (!json_object_object_get_ex(new, "guests", &gsl))
		return 0;
	told = json_object_new_object();
	for (i = 0; i < json_object_array_length(gsl); i++) {
		g = json_object_array_get_idx(gsl, i);
		owner = proto_get_str(g, "owner");
		if (owner[0] == '\0' || strcmp(proto_get_str(g, "guest"),
		    guest) == 0 || json_object_object_get_ex(told, owner,
		    NULL) || !changed(entry_of(old, proto_get_str(g, "guest")),
		    g) || !store_notice_done(d->st, cycle, owner))
			continue;
		json_object_object_add(told, owner, NULL);
		if (store_notice_forget(d->st, cycle, owner, NULL) == 0)
			n++;
	}
	json_object_put(told);
	return n;
}

int
roll_choose(struct daemon *d, int64_t cycle, const struct guest_rec *g,
    const char *action, int64_t window, struct herr *e)
{
	struct choice_rec ch, *chs = NULL;
	json_object *old = NULL, *new = NULL, *ws;
	size_t nch = 0, i, again;
	int64_t id;
	char *text;
	int r = -1;

	memset(&ch, 0, sizeof(ch));
	str_copy(ch.guest, g->name, sizeof(ch.guest));
	str_copy(ch.action, action, sizeof(ch.action));
	ch.win = window > 0 ? (int)window - 1 : -1;
	if (store_cycle_get(d->st, cycle, &id, &text, e) == -1)
		return -1;
	old = json_tokener_parse(text);
	free(text);
	if (old == NULL || !json_object_object_get_ex(old, "windows", &ws)) {
		json_object_put(old);
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	}
	if (window > (int64_t)json_object_array_length(ws)) {
		herr_set(e, HERR_USAGE, "the windows are 1 to %zu",
		    json_object_array_length(ws));
		goto out;
	}
	if (window > 0 && strcmp(action, "reboot") != 0) {
		herr_set(e, HERR_USAGE, "in another window a VPS reboots with "
		    "a host patched then: choose reboot with --window");
		goto out;
	}
	if (store_choice_list(d->st, cycle, &chs, &nch, e) == -1)
		goto out;
	/* this guest's new choice in place of its old one */
	for (i = 0; i < nch && strcmp(chs[i].guest, g->name) != 0; i++)
		;
	if (i == nch)
		chs = xreallocarray(chs, ++nch, sizeof(*chs));
	chs[i] = ch;
	if ((new = replan(d, old, chs, nch, e)) == NULL ||
	    honoured(new, g->name, &ch, e) == -1)
		goto out;
	text = (char *)json_object_to_json_string_ext(new,
	    JSON_C_TO_STRING_PLAIN);
	/* the choice and the plan that honours it, together */
	if (store_begin(d->st, e) == -1)
		goto out;
	if (store_cycle_set_plan(d->st, cycle, text, e) == -1 ||
	    store_choice_set(d->st, cycle, g->name, &ch, e) == -1 ||
	    store_commit(d->st, e) == -1) {
		store_rollback(d->st);
		goto out;
	}
	maint_cache_free();	/* the plan changed: parse it again */
	again = renotify(d, cycle, old, new, g->name);
	log_info("maintenance cycle %lld: %s chose %s%s for %s; planned "
	    "again, %zu other customer%s to notify again (maint notify)",
	    (long long)cycle, g->customer, action, ch.win >= 0 ?
	    " in another window" : "", g->name, again, again == 1 ? "" : "s");
	r = 0;
out:
	free(chs);
	json_object_put(old);
	json_object_put(new);
	return r;
}
