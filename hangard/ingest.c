/*
 * ingest: hangar-health's reports (ingest.report), from hangar-ingest on
 * behalf of one host's key.
 *
 * Only the ingest account may call it (server.c: ROLE_INGEST).  The
 * first report of a connection fixes its host (the forced command's
 * --host, from the key's line in authorized_keys); a report naming any
 * other host, on the connection or in the line itself, is refused.  A
 * report is applied and its sequence number recorded in one
 * transaction, so each (host, seq) is taken once: a line sent again
 * after a lost answer is acknowledged and ignored.
 *
 * What a report does (hangard(8), INCIDENTS): a failed array makes its
 * guests' outage an incident on that host (the guests whose disks lie
 * under its mounts or on its volume groups; every guest of the host if
 * none of them matches anything hangard knows); a degraded one is
 * recorded, not announced.  "resolved" ends the guests' outage, and the
 * incident resolves once nothing else keeps it open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangard/incident.h"
#include "ingest/report.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

static const char *
kind_title(const char *kind)
{
	if (strcmp(kind, "controller") == 0)
		return "Storage controller failure";
	if (strcmp(kind, "disk") == 0)
		return "Disk failure";
	if (strcmp(kind, "array") == 0)
		return "Disk array failure";
	return "Disk health warning";
}

/*
 * The guests of the host the report's failed arrays take down; *degraded
 * is set when an array is only degraded.  out: an array of indices into
 * gs (caller frees).
 */
static size_t
affected(const struct report *rep, const struct guest_rec *gs, size_t ng,
    size_t **out, int *degraded)
{
	size_t i, k, n = 0;
	int failed = 0, hit;

	*out = xcalloc(ng + 1, sizeof(**out));
	*degraded = 0;
	for (k = 0; k < rep->narrays; k++) {
		failed |= strcmp(rep->arrays[k].state, "failed") == 0;
		*degraded |= strcmp(rep->arrays[k].state, "degraded") == 0;
	}
	if (!failed)
		return 0;
	for (i = 0; i < ng; i++) {
		if (strcmp(gs[i].status, "defined") != 0)
			continue;
		for (k = 0, hit = 0; k < rep->narrays && !hit; k++)
			hit = strcmp(rep->arrays[k].state, "failed") == 0 &&
			    gs[i].disk_path[0] != '\0' &&
			    report_array_holds(&rep->arrays[k], gs[i].disk_path);
		if (hit)
			(*out)[n++] = i;
	}
	/* nothing hangard knows lies on it: the whole host is hit */
	if (n == 0)
		for (i = 0; i < ng; i++)
			if (strcmp(gs[i].status, "defined") == 0)
				(*out)[n++] = i;
	return n;
}

static int
running(const struct guest_rec *g)
{
	return strcmp(g->state, "running") == 0 ||
	    strcmp(g->state, "paused") == 0;
}

/* An open or update report (in the caller's transaction). */
static int
apply_open(struct daemon *d, const struct report *rep,
    struct inc_health_rec *h, int known, struct herr *e)
{
	struct incident_rec r;
	struct guest_rec *gs;
	struct inc_host_rec ih;
	size_t ng, n, i, *idx, nup = 0;
	int64_t id = 0, now = live_now_ms();
	int64_t at = rep->time * 1000 < now ? rep->time * 1000 : now;
	int degraded, rc = -1, was_announced = 0;
	char when[40], sum[300], *text;

	if (store_guest_list(d->st, NULL, rep->host, &gs, &ng, e) == -1)
		return -1;
	n = affected(rep, gs, ng, &idx, &degraded);
	for (i = 0; i < n; i++)
		nup += running(&gs[idx[i]]);
	str_sanitize(sum, sizeof(sum), rep->summary[0] ? rep->summary :
	    kind_title(rep->kind));
	tell_utc(at, when, sizeof(when));
	if (known && h->incident_id > 0 && store_incident_get(d->st,
	    h->incident_id, &r, NULL) == 0 && strcmp(r.state, "open") == 0)
		id = r.id;
	if (id == 0 && store_incident_for_host(d->st, rep->host, &id, e) == -1)
		goto out;
	if (id == 0) {
		memset(&r, 0, sizeof(r));
		str_copy(r.cause, rep->kind, sizeof(r.cause));
		snprintf(r.title, sizeof(r.title), "%s on host %s",
		    kind_title(rep->kind), rep->host);
		r.announce = nup > 0;
		r.opened_ms = now;
		text = xasprintf("host %s reports %s at %s; %zu VPS%s down.",
		    rep->host, sum, when, nup, nup == 1 ? " is" : "es are");
		if (incident_open(d, &r, text, e) == -1) {
			free(text);
			goto out;
		}
		free(text);
		id = r.id;
	} else {
		if (store_incident_get(d->st, id, &r, e) == -1)
			goto out;
		was_announced = r.announce;
		if (nup > 0 && !r.announce) {
			r.announce = 1;
			if (store_incident_set(d->st, &r, e) == -1)
				goto out;
		}
		/* customers hear of it if it takes more VPSes down */
		text = xasprintf("Incident %lld: host %s reports %s%s", (long long)
		    id, rep->host, sum, nup > 0 ? "." : " (no VPS is down).");
		if (store_inc_event_add(d->st, id, now, nup > 0 ? "update" :
		    "note", text, nup > 0 && was_announced ? 0 : -1,
		    nup > 0 ? 0 : -1, NULL, e) == -1) {
			free(text);
			goto out;
		}
		free(text);
	}
	memset(&ih, 0, sizeof(ih));
	str_copy(ih.host, rep->host, sizeof(ih.host));
	str_copy(ih.cause, rep->kind, sizeof(ih.cause));
	ih.lost_ms = ih.back_ms = at;
	str_copy(ih.detail, sum, sizeof(ih.detail));
	if (store_inc_host_add(d->st, id, &ih, e) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (running(&gs[idx[i]]) && incident_add_guest(d, id,
		    &gs[idx[i]], rep->kind, at, e) == -1)
			goto out;
	h->incident_id = id;
	rc = 0;
	log_warnx("incident %lld: host %s reports %s %s (%s); %zu VPSes down%s",
	    (long long)id, rep->host, rep->kind, rep->state, sum, nup,
	    degraded && nup == 0 ? " (an array is degraded: recorded)" : "");
out:
	free(idx);
	free(gs);
	return rc;
}

/* A resolved report: its guests run again as far as it is concerned. */
static int
apply_resolved(struct daemon *d, const struct report *rep,
    const struct inc_health_rec *h, struct herr *e)
{
	struct inc_guest_rec *gs;
	struct incident_rec r;
	size_t n, i;
	int64_t now = live_now_ms();
	char sum[300], *text;
	int rc;

	if (store_incident_get(d->st, h->incident_id, &r, NULL) == -1 ||
	    strcmp(r.state, "open") != 0)
		return 0;
	if (store_inc_guests(d->st, r.id, &gs, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(gs[i].host, rep->host) == 0 &&
		    strcmp(gs[i].cause, rep->kind) == 0 && gs[i].up_ms == 0 &&
		    gs[i].nintervals > 0 &&
		    store_inc_guest_up(d->st, gs[i].guest, now, e) == -1) {
			free(gs);
			return -1;
		}
	free(gs);
	str_sanitize(sum, sizeof(sum), rep->summary[0] ? rep->summary :
	    "the fault is cleared");
	text = xasprintf("Incident %lld: host %s reports it resolved (%s).",
	    (long long)r.id, rep->host, sum);
	rc = store_inc_event_add(d->st, r.id, now, "update", text,
	    r.announce ? 0 : -1, 0, NULL, e);
	free(text);
	/* the tick resolves it once nothing else keeps it open */
	return rc;
}

static int
apply(struct daemon *d, const struct report *rep, struct herr *e)
{
	struct inc_health_rec h;
	int known;

	known = store_inc_health_get(d->st, rep->host, rep->id, &h, NULL) == 0;
	if (!known) {
		memset(&h, 0, sizeof(h));
		str_copy(h.host, rep->host, sizeof(h.host));
		str_copy(h.health_id, rep->id, sizeof(h.health_id));
	}
	str_copy(h.kind, rep->kind, sizeof(h.kind));
	str_copy(h.state, rep->state, sizeof(h.state));
	str_copy(h.severity, rep->severity, sizeof(h.severity));
	str_sanitize(h.summary, sizeof(h.summary), rep->summary);
	h.updated_ms = live_now_ms();
	if (strcmp(rep->state, "resolved") == 0) {
		if (!known) {
			log_info("host %s: report %s resolved an incident "
			    "hangard never had", rep->host, rep->id);
			return 0;
		}
		if (apply_resolved(d, rep, &h, e) == -1)
			return -1;
	} else if (apply_open(d, rep, &h, known, e) == -1)
		return -1;
	return store_inc_health_put(d->st, &h, e);
}

int
ingest_m_report(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct host_key_rec k;
	struct report rep;
	const char *host = proto_str(r->params, "host");
	const char *line = proto_str(r->params, "report");
	int dup;

	if (c->ingest_host[0] == '\0') {
		/* the forced command's host: known, with a key */
		if (!str_is_name(host) ||
		    store_host_key_get(d->st, host, &k, NULL) == -1)
			return herr_set(e, HERR_PERM, "host %s has no report "
			    "key here (hangar host key set)", str_is_name(host) ?
			    host : "(bad name)");
		str_copy(c->ingest_host, host, sizeof(c->ingest_host));
	} else if (strcmp(c->ingest_host, host) != 0)
		return herr_set(e, HERR_PERM, "this connection reports for host "
		    "%s only", c->ingest_host);
	if (report_parse(line, strlen(line), &rep, e) == -1)
		return -1;
	if (strcmp(rep.host, c->ingest_host) != 0) {
		herr_set(e, HERR_PERM, "the report is about host %s; this key "
		    "may report about host %s only", rep.host, c->ingest_host);
		report_release(&rep);
		return -1;
	}
	if (store_begin(d->st, e) == -1) {
		report_release(&rep);
		return -1;
	}
	if (store_host_key_get(d->st, rep.host, &k, e) == -1)
		goto fail;
	if ((dup = rep.seq <= k.report_seq) == 0 && (apply(d, &rep, e) == -1 ||
	    store_host_report_seq_set(d->st, rep.host, rep.seq, e) == -1))
		goto fail;
	if (store_commit(d->st, e) == -1)
		goto fail;
	if (dup)
		log_info("host %s: report %lld again (last taken %lld): "
		    "acknowledged, ignored", rep.host, (long long)rep.seq,
		    (long long)k.report_seq);
	*res = json_object_new_object();
	json_object_object_add(*res, "seq", json_object_new_int64(rep.seq));
	json_object_object_add(*res, "duplicate", json_object_new_boolean(dup));
	report_release(&rep);
	return 0;
fail:
	store_rollback(d->st);
	report_release(&rep);
	return -1;
}
