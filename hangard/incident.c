/*
 * incident: the record of an unplanned outage, kept in the store as it
 * happens (store/incident.c), so that a hangard killed at any point
 * finds it where it was.
 *
 * It opens when a host is declared down (incident_live.c) or a guest
 * stops in a way nobody asked for (a crash, its QEMU killed, a host
 * that rebooted under it; libvirt's lifecycle events, or a state read
 * by a sync), or when hangar-health reports a storage failure
 * (ingest.c).  A host lost while another host's incident is less than
 * INCIDENT_JOIN_MS old, and a guest of a host an open incident names,
 * join that incident.
 *
 * The guests it affects are those that were running: each gets an
 * outage interval from when its host was lost (or the event's time) to
 * when it runs again.  When the host answers, every guest that ran is
 * started again unless its owner turned restart_after_outage off
 * (`hangar guest set-restart NAME no`); the intervals
 * close when libvirt says the guests run.  A guest that crashes again
 * after being started, or that the host no longer has, is left for an
 * operator and keeps the incident open.  An incident whose hosts all
 * answer, whose guests all run (or stay off by their owners' choice)
 * and whose hangar-health reports are all resolved, resolves itself.
 *
 * Telling customers (IRC, the feed, mails) is journaled in the
 * timeline and notice rows and done by incident_tell.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/incident.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/spool.h"

void
incident_init(struct daemon *d)
{
	d->inc = xcalloc(1, sizeof(*d->inc));
	d->inc->pump = 1;	/* what a crash left due */
}

void
incident_free(struct daemon *d)
{
	if (d->inc != NULL) {
		tell_free(d);	/* the outbox's spool, if no thread has it */
		free(d->inc->killed);
		free(d->inc->said);
		free(d->inc->zone_was);
	}
	free(d->inc);
	d->inc = NULL;
	live_free(d);
}

void
incident_failpoint(const char *name)
{
	static const char *fp;
	static int read;

	if (!read) {
		fp = getenv("HANGARD_FAILPOINT");
		read = 1;
	}
	if (fp == NULL || strncmp(fp, "incident:", 9) != 0 ||
	    strcmp(fp + 9, name) != 0)
		return;
	log_warnx("failpoint %s hit: killing myself", fp);
	raise(SIGKILL);
}

static int
killed_find(struct incidents *inc, const char *uuid)
{
	size_t i;

	for (i = 0; i < inc->nkilled; i++)
		if (strcmp(inc->killed[i], uuid) == 0)
			return (int)i;
	return -1;
}

static void
killed_set(struct incidents *inc, const char *uuid, int on)
{
	int i = killed_find(inc, uuid);

	if (on && i < 0) {
		if (inc->nkilled == inc->capkilled) {
			inc->capkilled = inc->capkilled ? inc->capkilled * 2 : 8;
			inc->killed = xreallocarray(inc->killed,
			    inc->capkilled, sizeof(*inc->killed));
		}
		str_copy(inc->killed[inc->nkilled++], uuid,
		    sizeof(inc->killed[0]));
	} else if (!on && i >= 0)
		memcpy(inc->killed[i], inc->killed[--inc->nkilled],
		    sizeof(inc->killed[0]));
}

static int
was_up(const struct guest_rec *g)
{
	return strcmp(g->status, "defined") == 0 &&
	    (strcmp(g->state, "running") == 0 ||
	    strcmp(g->state, "paused") == 0);
}

/* hangar-health's kinds: their guests run again when it says so. */
static int
is_storage(const char *cause)
{
	return strcmp(cause, "controller") == 0 || strcmp(cause, "disk") == 0 ||
	    strcmp(cause, "array") == 0 || strcmp(cause, "smart") == 0;
}

static int
in_maintenance(struct daemon *d, const char *host)
{
	struct host_rec h;

	return store_host_get(d->st, host, &h, NULL) == 0 &&
	    strcmp(h.state, "maintenance") == 0;
}

int
incident_open(struct daemon *d, struct incident_rec *r, const char *irc_text,
    struct herr *e)
{
	char *text;
	int rc;

	if (store_incident_add(d->st, r, e) == -1)
		return -1;
	text = xasprintf("Incident %lld: %s", (long long)r->id, irc_text);
	rc = store_inc_event_add(d->st, r->id, r->opened_ms, "opened", text,
	    r->announce ? 0 : -1, -1, NULL, e);
	free(text);
	return rc;
}

int
incident_add_guest(struct daemon *d, int64_t id, const struct guest_rec *g,
    const char *cause, int64_t down_ms, struct herr *e)
{
	struct inc_guest_rec gr;
	int posted;

	memset(&gr, 0, sizeof(gr));
	str_copy(gr.guest, g->name, sizeof(gr.guest));
	str_copy(gr.customer, g->customer, sizeof(gr.customer));
	str_copy(gr.host, g->host, sizeof(gr.host));
	str_copy(gr.cause, cause, sizeof(gr.cause));
	if (store_inc_guest_add(d->st, id, &gr, down_ms, e) == -1 ||
	    store_incident_posted(d->st, id, &posted, e) == -1)
		return -1;
	/* posted already: this customer is told with the next pump */
	if (posted) {
		if (store_inc_notice_add(d->st, id, g->customer, "open", "due",
		    "", e) == -1)
			return -1;
		d->inc->pump = 1;
	}
	return 0;
}

/* "Hosts h1, h2 unreachable", from the incident's lost hosts. */
static void
hosts_title(struct daemon *d, int64_t id, char *buf, size_t size)
{
	struct inc_host_rec *hs;
	size_t n, i, k = 0;
	char names[200] = "";

	if (store_inc_hosts(d->st, id, &hs, &n, NULL) == -1)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(hs[i].cause, "host-unreachable") != 0)
			continue;
		if (k++ < 5)
			snprintf(names + strlen(names), sizeof(names) -
			    strlen(names), "%s%s", k > 1 ? ", " : "",
			    hs[i].host);
	}
	if (k > 5)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		    " and %zu more", k - 5);
	if (k > 0)
		snprintf(buf, size, "%s %s unreachable", k == 1 ? "Host" :
		    "Hosts", names);
	free(hs);
}

/* The newest open incident of lost hosts young enough to join, or 0. */
static int64_t
joinable(struct daemon *d, int64_t now)
{
	struct incident_rec *rs;
	size_t n, i;
	int64_t id = 0;

	if (store_incident_list(d->st, -1, &rs, &n, NULL) == -1)
		return 0;
	for (i = 0; i < n && id == 0; i++)
		if (strcmp(rs[i].cause, "host-unreachable") == 0 &&
		    now - rs[i].opened_ms < INCIDENT_JOIN_MS)
			id = rs[i].id;
	free(rs);
	return id;
}

static int
host_lost_tx(struct daemon *d, struct hostw *hw, size_t ndown, int64_t *idp,
    struct herr *e)
{
	struct incident_rec r;
	struct inc_host_rec h, *hs;
	char when[40], *text;
	int64_t now = live_now_ms(), id = 0;
	size_t nh, k;
	int known = 0, rc;

	tell_utc(hw->lost_ms, when, sizeof(when));
	if (store_incident_for_host(d->st, hw->name, &id, e) == -1)
		return -1;
	if (id == 0)
		id = joinable(d, now);
	memset(&h, 0, sizeof(h));
	str_copy(h.host, hw->name, sizeof(h.host));
	str_copy(h.cause, "host-unreachable", sizeof(h.cause));
	h.lost_ms = hw->lost_ms;
	str_copy(h.detail, hw->lost_why, sizeof(h.detail));
	if (id == 0) {
		memset(&r, 0, sizeof(r));
		str_copy(r.cause, "host-unreachable", sizeof(r.cause));
		snprintf(r.title, sizeof(r.title), "Host %s unreachable",
		    hw->name);
		r.announce = ndown > 0;
		r.opened_ms = now;
		text = xasprintf("host %s stopped answering at %s; %zu VPS%s "
		    "down.", hw->name, when, ndown, ndown == 1 ? " is" :
		    "es are");
		rc = incident_open(d, &r, text, e);
		free(text);
		if (rc == -1 || store_inc_host_add(d->st, r.id, &h, e) == -1)
			return -1;
		id = r.id;
	} else {
		if (store_incident_get(d->st, id, &r, e) == -1 ||
		    store_inc_hosts(d->st, id, &hs, &nh, e) == -1)
			return -1;
		for (k = 0; k < nh; k++)
			known |= strcmp(hs[k].host, hw->name) == 0;
		free(hs);
		if ((known ? store_inc_host_lost_again(d->st, id, hw->name,
		    e) : store_inc_host_add(d->st, id, &h, e)) == -1)
			return -1;
		if (strcmp(r.cause, "host-unreachable") == 0)
			hosts_title(d, id, r.title, sizeof(r.title));
		if (ndown > 0)
			r.announce = 1;
		text = xasprintf("Incident %lld: host %s stopped answering%s "
		    "at %s; %zu more VPS%s down.", (long long)id, hw->name,
		    known ? " again" : " too", when, ndown,
		    ndown == 1 ? " is" : "es are");
		if (store_incident_set(d->st, &r, e) == -1 ||
		    store_inc_event_add(d->st, id, now, "update", text,
		    r.announce ? 0 : -1, 0, NULL, e) == -1) {
			free(text);
			return -1;
		}
		free(text);
	}
	/* one statement for the host's guests: a host may have hundreds */
	if (store_inc_host_guests_add(d->st, id, hw->name, "host-unreachable",
	    hw->lost_ms, NULL, e) == -1 ||
	    store_incident_posted(d->st, id, &rc, e) == -1 ||
	    (rc && store_inc_notices_add_all(d->st, id, "open", e) == -1))
		return -1;
	if (rc)
		d->inc->pump = 1;
	*idp = id;
	return 0;
}

void
incident_host_lost(struct daemon *d, struct hostw *hw)
{
	struct guest_rec *gs;
	struct herr e;
	size_t n, i, ndown = 0;
	int64_t id = 0;

	herr_clear(&e);
	if (store_guest_list(d->st, NULL, hw->name, &gs, &n, &e) == -1) {
		log_warnx("host %s is down, but: %s", hw->name, e.msg);
		return;
	}
	for (i = 0; i < n; i++)
		ndown += was_up(&gs[i]);
	if (store_begin(d->st, &e) == -1 ||
	    host_lost_tx(d, hw, ndown, &id, &e) == -1 ||
	    store_commit(d->st, &e) == -1) {
		store_rollback(d->st);
		log_warnx("host %s is down; no incident recorded: %s",
		    hw->name, e.msg);
		free(gs);
		return;
	}
	free(gs);
	incident_failpoint("opened");
	log_warnx("incident %lld: host %s is down (%s); %zu VPSes affected",
	    (long long)id, hw->name, hw->lost_why, ndown);
}

/*
 * A guest stopped in a way nobody asked for at at_ms: it joins the open
 * incident naming its host, or opens one of its own.  Returns the
 * incident, 0 on error.
 */
static int64_t
guest_outage(struct daemon *d, const struct guest_rec *g, int64_t at_ms,
    const char *why)
{
	struct incident_rec r;
	struct inc_host_rec h;
	struct herr e;
	char when[40], *text;
	int64_t id = 0;

	herr_clear(&e);
	tell_utc(at_ms, when, sizeof(when));
	if (store_begin(d->st, &e) == -1)
		goto fail;
	if (store_incident_for_host(d->st, g->host, &id, &e) == -1)
		goto fail;
	if (id == 0) {
		memset(&r, 0, sizeof(r));
		str_copy(r.cause, "guest-crash", sizeof(r.cause));
		snprintf(r.title, sizeof(r.title), "A VPS on host %s stopped",
		    g->host);
		r.announce = 1;
		r.opened_ms = live_now_ms();
		text = xasprintf("a VPS on host %s stopped unexpectedly at %s "
		    "(%s).", g->host, when, why);
		if (incident_open(d, &r, text, &e) == -1) {
			free(text);
			goto fail;
		}
		free(text);
		id = r.id;
		memset(&h, 0, sizeof(h));
		str_copy(h.host, g->host, sizeof(h.host));
		str_copy(h.cause, "guest-crash", sizeof(h.cause));
		h.lost_ms = h.back_ms = at_ms;
		str_copy(h.detail, "the host answers; a VPS stopped",
		    sizeof(h.detail));
		if (store_inc_host_add(d->st, id, &h, &e) == -1)
			goto fail;
	} else {
		/* for operators; customers hear of it with the next update */
		text = xasprintf("VPS %s on host %s: %s at %s.", g->name,
		    g->host, why, when);
		if (store_inc_event_add(d->st, id, live_now_ms(), "note", text,
		    -1, -1, NULL, &e) == -1) {
			free(text);
			goto fail;
		}
		free(text);
	}
	if (incident_add_guest(d, id, g, "guest-crash", at_ms, &e) == -1 ||
	    store_commit(d->st, &e) == -1)
		goto fail;
	incident_failpoint("opened");
	log_warnx("incident %lld: guest %s on %s: %s", (long long)id, g->name,
	    g->host, why);
	return id;
fail:
	store_rollback(d->st);
	log_warnx("guest %s on %s: %s; no incident recorded: %s", g->name,
	    g->host, why, e.msg);
	return 0;
}

/* ---- recovery: starting the guests again ---- */

struct restart {
	int64_t	incident;
};

static void
restart_run(struct job *j)
{
	struct hv_conn *c = hostw_conn(j->hw, &j->err);

	if (c == NULL || hv_dom_state(c, j->g.uuid, &j->dom, &j->err) == -1) {
		j->rc = -1;
		return;
	}
	j->rc = 0;
	if (strcmp(j->dom.state, "shutoff") != 0 &&
	    strcmp(j->dom.state, "crashed") != 0)
		return;		/* running already, or paused: not ours */
	if (strcmp(j->dom.state, "crashed") == 0 &&
	    hv_destroy(c, j->g.uuid, &j->err) == -1) {
		j->rc = -1;
		return;
	}
	if (hv_start(c, j->g.uuid, &j->err) == -1 ||
	    hv_dom_state(c, j->g.uuid, &j->dom, &j->err) == -1)
		j->rc = -1;
}

static void
restart_done(struct daemon *d, struct job *j)
{
	struct restart *rs = j->ext;
	int64_t now = live_now_ms();
	char when[40], note[256];

	busy_del(d, j->g.id);
	tell_utc(now, when, sizeof(when));
	if (j->rc == 0 && strcmp(j->dom.state, "running") == 0) {
		store_guest_set_state(d->st, j->g.id, "running", now / 1000,
		    NULL);
		store_inc_guest_up(d->st, j->g.name, now, NULL);
		snprintf(note, sizeof(note), "started again by hangard at %s",
		    when);
		store_inc_guest_set(d->st, rs->incident, j->g.name, "started",
		    note, NULL);
		log_info("incident %lld: guest %s started again",
		    (long long)rs->incident, j->g.name);
	} else {
		if (j->rc == 0)
			snprintf(note, sizeof(note), "not started: it is %s",
			    j->dom.state);
		else
			snprintf(note, sizeof(note), "could not be started: "
			    "%.200s", j->err.msg);
		store_inc_guest_set(d->st, rs->incident, j->g.name, "failed",
		    note, NULL);
		log_warnx("incident %lld: guest %s %s", (long long)rs->incident,
		    j->g.name, note);
	}
}

/*
 * A guest down in incident id, on a host that answers: close its
 * outage if it runs, else start it (or say why not).  dom: what the host
 * says of it (NULL: the host does not have it).
 */
static void
recover(struct daemon *d, struct hostw *hw, int64_t id,
    const struct guest_rec *g, const struct hv_dom *dom)
{
	struct inc_guest_rec gr;
	struct restart *rs;
	struct job *j;
	int64_t now = live_now_ms();
	int on = 1;

	if (store_inc_guest_get(d->st, id, g->name, &gr, NULL) == -1 ||
	    busy_has(d, g->id) || is_storage(gr.cause))
		return;
	if (dom == NULL) {
		if (strcmp(gr.recovery, "missing") != 0)
			store_inc_guest_set(d->st, id, g->name, "missing",
			    "its host does not have it any more: not started",
			    NULL);
		return;
	}
	if (strcmp(dom->state, "running") == 0) {
		store_inc_guest_up(d->st, g->name, now, NULL);
		if (gr.recovery[0] == '\0' || strcmp(gr.recovery, "start") == 0)
			store_inc_guest_set(d->st, id, g->name, "running",
			    "found running again", NULL);
		return;
	}
	if (strcmp(dom->state, "shutoff") != 0 &&
	    strcmp(dom->state, "crashed") != 0)
		return;		/* paused: an I/O error, say; not ours */
	if (strcmp(gr.recovery, "failed") == 0 ||
	    strcmp(gr.recovery, "missing") == 0 ||
	    strcmp(gr.recovery, "opt-out") == 0)
		return;		/* an operator's to look at */
	if (store_guest_restart_get(d->st, g->name, &on, NULL) == 0 && !on) {
		store_inc_guest_set(d->st, id, g->name, "opt-out", "not "
		    "started: restart after outage is off for this VPS", NULL);
		/* its outage ends when it could have run again */
		store_inc_guest_up(d->st, g->name, now, NULL);
		return;
	}
	if (strcmp(gr.cause, "guest-crash") == 0 && gr.nintervals > 1 &&
	    strcmp(gr.recovery, "started") == 0) {
		store_inc_guest_set(d->st, id, g->name, "failed", "stopped "
		    "again after hangard started it: not started again", NULL);
		return;
	}
	store_inc_guest_set(d->st, id, g->name, "start", "being started",
	    NULL);
	incident_failpoint("restart");
	j = job_new(hw, restart_run, restart_done, NULL, 0);
	j->g = *g;
	rs = xcalloc(1, sizeof(*rs));
	rs->incident = id;
	j->ext = rs;
	busy_add(d, g->id);
	job_submit(j);
}

static const struct hv_dom *
find_dom(const struct hv_dom *doms, size_t n, const char *uuid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(doms[i].uuid, uuid) == 0)
			return &doms[i];
	return NULL;
}

/* The host is back in every open incident where it was lost. */
static void
host_back(struct daemon *d, struct hostw *hw, int64_t lost)
{
	struct incident_rec *rs;
	struct inc_host_rec *hs;
	int64_t now = live_now_ms();
	char span[40], *text;
	size_t n, nh, i, k;

	if (store_incident_list(d->st, -1, &rs, &n, NULL) == -1)
		return;
	tell_span(now - lost, span, sizeof(span));
	for (i = 0; i < n; i++) {
		if (store_inc_hosts(d->st, rs[i].id, &hs, &nh, NULL) == -1)
			continue;
		for (k = 0; k < nh; k++)
			if (strcmp(hs[k].host, hw->name) == 0 &&
			    hs[k].back_ms == 0 &&
			    strcmp(hs[k].cause, "host-unreachable") == 0)
				break;
		if (k < nh) {
			text = xasprintf("Incident %lld: host %s answers again "
			    "after %s; the VPSes that ran on it are being "
			    "started.", (long long)rs[i].id, hw->name, span);
			store_inc_event_add(d->st, rs[i].id, now, "update",
			    text, rs[i].announce ? 0 : -1, 0, NULL, NULL);
			free(text);
		}
		free(hs);
	}
	free(rs);
	store_inc_host_back(d->st, hw->name, now, NULL, NULL);
	log_info("host %s answers again", hw->name);
}

void
incident_host_seen(struct daemon *d, struct hostw *hw,
    const struct hv_dom *doms, size_t n)
{
	struct guest_rec *gs;
	const struct hv_dom *dom;
	struct inc_guest_rec gr;
	size_t ng, i;
	int64_t lost, id, now = live_now_ms();
	char why[96];

	if (store_inc_host_is_down(d->st, hw->name, &lost))
		host_back(d, hw, lost);
	if (in_maintenance(d, hw->name) ||
	    store_guest_list(d->st, NULL, hw->name, &gs, &ng, NULL) == -1)
		return;
	for (i = 0; i < ng; i++) {
		if (strcmp(gs[i].status, "defined") != 0 ||
		    busy_has(d, gs[i].id))
			continue;
		dom = find_dom(doms, n, gs[i].uuid);
		id = 0;
		if (store_inc_of_guest(d->st, gs[i].name, &id, NULL) == 0 &&
		    id > 0 && store_inc_guest_get(d->st, id, gs[i].name, &gr,
		    NULL) == 0 && gr.nintervals > 0 && gr.up_ms == 0) {
			recover(d, hw, id, &gs[i], dom);
			continue;
		}
		/* stopped while no event could tell us (we were not
		   connected, or not running) */
		if (dom == NULL || !was_up(&gs[i]) ||
		    !hv_state_is_outage(dom->state, dom->reason))
			continue;
		snprintf(why, sizeof(why), "found %s (%s)", dom->state,
		    dom->reason);
		if ((id = guest_outage(d, &gs[i], now, why)) > 0)
			recover(d, hw, id, &gs[i], dom);
	}
	free(gs);
}

/*
 * The guest runs (libvirt says so): its outage ends, and its record says
 * who started it, even if the start job's own answer is lost with a
 * hangard killed meanwhile.
 */
static void
guest_runs(struct daemon *d, const struct guest_rec *g, int64_t at_ms)
{
	struct inc_guest_rec gr;
	char when[40], note[96];
	int64_t id = 0;

	if (store_inc_of_guest(d->st, g->name, &id, NULL) == -1 || id == 0 ||
	    store_inc_guest_get(d->st, id, g->name, &gr, NULL) == -1 ||
	    gr.nintervals == 0 || gr.up_ms != 0 || is_storage(gr.cause))
		return;
	store_inc_guest_up(d->st, g->name, at_ms, NULL);
	tell_utc(at_ms, when, sizeof(when));
	if (strcmp(gr.recovery, "start") == 0) {
		snprintf(note, sizeof(note), "started again by hangard at %s",
		    when);
		store_inc_guest_set(d->st, id, g->name, "started", note, NULL);
	} else if (gr.recovery[0] == '\0') {
		snprintf(note, sizeof(note), "running again at %s", when);
		store_inc_guest_set(d->st, id, g->name, "running", note, NULL);
	}
}

void
incident_guest_event(struct daemon *d, struct hostw *hw,
    const struct hv_event *ev)
{
	struct guest_rec g;
	struct hv_dom dom;
	const char *state;
	int64_t id;
	int host_kill;

	if (store_guest_get(d->st, ev->name, NULL, &g, NULL) == -1 ||
	    strcmp(g.uuid, ev->uuid) != 0 || strcmp(g.host, hw->name) != 0)
		return;		/* not ours, or not on this host */
	switch (ev->what) {
	case HV_DOM_STARTED:
	case HV_DOM_RESUMED:
		state = "running";
		break;
	case HV_DOM_SUSPENDED:
	case HV_DOM_IOERROR:
		state = "paused";
		break;
	case HV_DOM_CRASHED:
		state = "crashed";
		break;
	case HV_DOM_SHUTDOWN_GUEST:
		state = NULL;
		break;
	case HV_DOM_SHUTDOWN_HOST:
		killed_set(d->inc, g.uuid, 1);
		return;
	default:
		state = "shutoff";
		break;
	}
	host_kill = killed_find(d->inc, g.uuid) >= 0;
	if (state != NULL && ev->what != HV_DOM_SHUTDOWN_GUEST)
		killed_set(d->inc, g.uuid, 0);
	if (state == NULL)
		return;
	log_debug("guest %s on %s: %s", g.name, hw->name,
	    hv_dom_event_name(ev->what));
	/* a busy guest's own job writes its state when it is done */
	if (!busy_has(d, g.id))
		store_guest_set_state(d->st, g.id, state, ev->at_ms / 1000,
		    NULL);
	if (strcmp(state, "running") == 0) {
		guest_runs(d, &g, ev->at_ms);
		return;
	}
	if (!hv_dom_event_is_outage(ev->what, host_kill) ||
	    in_maintenance(d, hw->name))
		return;
	if ((id = guest_outage(d, &g, ev->at_ms, hv_dom_event_name(host_kill &&
	    ev->what == HV_DOM_STOPPED_SHUTDOWN ? HV_DOM_SHUTDOWN_HOST :
	    ev->what))) == 0 || hw->live != LIVE_UP)
		return;
	memset(&dom, 0, sizeof(dom));
	str_copy(dom.uuid, g.uuid, sizeof(dom.uuid));
	str_copy(dom.state, state, sizeof(dom.state));
	recover(d, hw, id, &g, &dom);
}

/* ---- resolving ---- */

/* "3 VPSes were down between 4 and 16 min; all run again." */
static char *
resolve_summary(struct daemon *d, int64_t id)
{
	struct inc_guest_rec *gs;
	size_t n, i, nrun = 0, noff = 0, nbad = 0;
	int64_t lo = -1, hi = 0;
	char a[40], b[40], *s;

	if (store_inc_guests(d->st, id, &gs, &n, NULL) == -1 || n == 0) {
		if (n == 0)
			free(gs);
		return xstrdup("no VPS was down.");
	}
	for (i = 0; i < n; i++) {
		if (gs[i].nintervals == 0)
			continue;
		if (lo < 0 || gs[i].total_ms < lo)
			lo = gs[i].total_ms;
		if (gs[i].total_ms > hi)
			hi = gs[i].total_ms;
		if (strcmp(gs[i].recovery, "opt-out") == 0)
			noff++;
		else if (strcmp(gs[i].recovery, "failed") == 0 ||
		    strcmp(gs[i].recovery, "missing") == 0 ||
		    strcmp(gs[i].recovery, "start") == 0)
			nbad++;
		else
			nrun++;
	}
	free(gs);
	tell_span(lo < 0 ? 0 : lo, a, sizeof(a));
	tell_span(hi, b, sizeof(b));
	s = xasprintf("%zu VPS%s %s down %s%s%s%s; %s%s%s.", n, n == 1 ? "" :
	    "es", n == 1 ? "was" : "were", strcmp(a, b) == 0 ? "for " :
	    "between ", strcmp(a, b) == 0 ? "" : a,
	    strcmp(a, b) == 0 ? "" : " and ", b,
	    nbad == 0 && noff == 0 ? "all run again" : "",
	    noff > 0 ? (nbad > 0 ? "some stay off at their owners' request, "
	    "some could not be started yet" : "those whose owners asked us "
	    "not to restart them stay off, the others run again") : "",
	    noff == 0 && nbad > 0 ? "some could not be started yet: we are "
	    "on it" : "");
	return s;
}

int
incident_resolve_now(struct daemon *d, int64_t id, const char *text,
    struct herr *e)
{
	struct incident_rec r;
	char *summary = NULL, *line;
	int64_t now = live_now_ms();

	if (store_begin(d->st, e) == -1)
		return -1;
	if (store_incident_get(d->st, id, &r, e) == -1)
		goto fail;
	if (strcmp(r.state, "open") != 0) {
		herr_set(e, HERR_STATE, "incident %lld is already resolved",
		    (long long)id);
		goto fail;
	}
	if (store_inc_close_all(d->st, id, now, e) == -1)
		goto fail;
	str_copy(r.state, "resolved", sizeof(r.state));
	r.resolved_ms = now;
	summary = resolve_summary(d, id);
	line = xasprintf("Incident %lld resolved: %s%s%s", (long long)id,
	    text != NULL ? text : "", text != NULL ? " " : "", summary);
	if (store_incident_set(d->st, &r, e) == -1 ||
	    store_inc_event_add(d->st, id, now, "resolved", line,
	    r.announce ? 0 : -1, r.posted > 0 ? 0 : -1, NULL, e) == -1) {
		free(line);
		goto fail;
	}
	free(line);
	if (r.posted > 0 && store_inc_notices_add_all(d->st, id, "resolved",
	    e) == -1)
		goto fail;
	if (store_commit(d->st, e) == -1)
		goto fail;
	d->inc->pump = 1;
	free(summary);
	incident_failpoint("resolved");
	log_info("incident %lld resolved", (long long)id);
	return 0;
fail:
	store_rollback(d->st);
	free(summary);
	return -1;
}

/* Resolves r if nothing keeps it open any more. */
static void
maybe_resolve(struct daemon *d, const struct incident_rec *r)
{
	struct inc_host_rec *hs;
	struct herr e;
	size_t n, i;
	int down = 0;

	if (r->ndown > 0 || store_inc_health_open(d->st, r->id) > 0 ||
	    store_inc_hosts(d->st, r->id, &hs, &n, NULL) == -1)
		return;
	for (i = 0; i < n; i++)
		down |= hs[i].back_ms == 0 &&
		    strcmp(hs[i].cause, "host-unreachable") == 0;
	free(hs);
	if (down)
		return;
	herr_clear(&e);
	if (incident_resolve_now(d, r->id, NULL, &e) == -1)
		log_warnx("incident %lld: %s", (long long)r->id, e.msg);
}

void
incident_tick(struct daemon *d)
{
	struct incident_rec *rs, r;
	size_t n, i;

	tell_irc_sent(d);
	/* open ones, and those resolved lately (a line left to say) */
	if (store_incident_list(d->st, live_now_ms() - 600 * 1000, &rs, &n,
	    NULL) == -1)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(rs[i].state, "open") == 0)
			maybe_resolve(d, &rs[i]);
		if (store_incident_get(d->st, rs[i].id, &r, NULL) == -1)
			continue;
		tell_due(d, &r);
		if (store_incident_get(d->st, rs[i].id, &r, NULL) == 0)
			tell_timeline(d, &r);
	}
	free(rs);
}
