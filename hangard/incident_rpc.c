/*
 * incident_rpc: the requests about incidents (operators), a guest's
 * restart-after-outage choice (guest.set_restart), hosts' ingest keys,
 * and what a customer is shown of an incident on its VPS (guest.show,
 * guest.list).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangard/incident.h"
#include "keys/sshkey.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
add_time(json_object *o, const char *k, int64_t ms)
{
	char buf[40];

	if (ms <= 0) {
		json_object_object_add(o, k, NULL);
		return;
	}
	tell_utc(ms, buf, sizeof(buf));
	add_str(o, k, buf);
}

static json_object *
incident_json(const struct incident_rec *r)
{
	json_object *o = json_object_new_object();

	add_int(o, "id", r->id);
	add_str(o, "state", r->state);
	add_str(o, "cause", r->cause);
	add_str(o, "title", r->title);
	add_time(o, "opened", r->opened_ms);
	add_int(o, "opened_ms", r->opened_ms);
	add_time(o, "resolved", r->resolved_ms);
	add_int(o, "resolved_ms", r->resolved_ms);
	json_object_object_add(o, "announced",
	    json_object_new_boolean(r->announce));
	add_time(o, "posted", r->posted * 1000);
	add_int(o, "hosts", r->nhosts);
	add_int(o, "vpses", r->nguests);
	add_int(o, "customers", r->ncustomers);
	add_int(o, "down", r->ndown);
	return o;
}

/* The parameters of the methods below (methods.c's table uses them). */
const struct proto_param incident_p_list[] = {
	{ "open", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param incident_p_id[] = {
	{ "id", PT_INT, 0x7fffffffffffLL, 0 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param incident_p_text[] = {
	{ "id", PT_INT, 0x7fffffffffffLL, 1 },
	{ "text", PT_STR, 499, 1 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param incident_p_resolve[] = {
	{ "id", PT_INT, 0x7fffffffffffLL, 1 },
	{ "text", PT_STR, 499, 0 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param incident_p_report[] = {
	{ "id", PT_INT, 0x7fffffffffffLL, 0 },
	{ "publish", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param guest_p_set[] = {
	{ "name", PT_STR, 255, 1 },
	{ "restart", PT_STR, 3, 1 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param host_p_key_set[] = {
	{ "name", PT_STR, 255, 1 },
	{ "key", PT_STR, SSHKEY_LINE_MAX, 1 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param host_p_key[] = {
	{ "name", PT_STR, 255, 1 },
	{ NULL, 0, 0, 0 },
};
const struct proto_param ingest_p_report[] = {
	{ "host", PT_STR, 255, 1 },
	{ "report", PT_STR, PROTO_MAX_LINE, 1 },
	{ NULL, 0, 0, 0 },
};

int
incident_m_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct incident_rec *rs;
	size_t n, i;

	(void)c;
	if (store_incident_list(d->st, proto_bool(r->params, "open", 0) ? -1 :
	    0, &rs, &n, e) == -1)
		return -1;
	*res = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++)
		json_object_array_add(*res, incident_json(&rs[i]));
	free(rs);
	return 0;
}

static json_object *
hosts_json(const struct inc_host_rec *hs, size_t n)
{
	json_object *a = json_object_new_array(), *o;
	int64_t now = live_now_ms();
	size_t i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add_str(o, "host", hs[i].host);
		add_str(o, "cause", hs[i].cause);
		add_time(o, "lost", hs[i].lost_ms);
		add_int(o, "lost_ms", hs[i].lost_ms);
		add_time(o, "back", hs[i].back_ms);
		add_int(o, "back_ms", hs[i].back_ms);
		add_int(o, "down_s", strcmp(hs[i].cause, "host-unreachable") ?
		    0 : ((hs[i].back_ms > 0 ? hs[i].back_ms : now) -
		    hs[i].lost_ms + 500) / 1000);
		add_str(o, "detail", hs[i].detail);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *
guests_json(const struct inc_guest_rec *gs, size_t n)
{
	json_object *a = json_object_new_array(), *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add_str(o, "guest", gs[i].guest);
		add_str(o, "owner", gs[i].customer);
		add_str(o, "host", gs[i].host);
		add_str(o, "cause", gs[i].cause);
		add_time(o, "down", gs[i].down_ms);
		add_int(o, "down_ms", gs[i].down_ms);
		add_time(o, "up", gs[i].up_ms);
		add_int(o, "up_ms", gs[i].up_ms);
		json_object_object_add(o, "downtime_ms", gs[i].up_ms > 0 ?
		    json_object_new_int64(gs[i].total_ms) : NULL);
		add_int(o, "intervals", gs[i].nintervals);
		add_str(o, "recovery", gs[i].recovery);
		add_str(o, "note", gs[i].note);
		json_object_array_add(a, o);
	}
	return a;
}

static int
show_json(struct daemon *d, int64_t id, json_object **res, struct herr *e)
{
	struct incident_rec r;
	struct inc_host_rec *hs;
	struct inc_guest_rec *gs;
	struct inc_event_rec *ev;
	struct inc_notice_rec *ns;
	struct inc_health_rec *he;
	struct inc_outage_rec *os;
	json_object *a, *o, *ns_started;
	size_t nh, ng, nev, nn, nhe, no, i;

	if (store_incident_get(d->st, id, &r, e) == -1 ||
	    store_inc_hosts(d->st, r.id, &hs, &nh, e) == -1)
		return -1;
	*res = incident_json(&r);
	json_object_object_add(*res, "host_list", hosts_json(hs, nh));
	free(hs);
	if (store_inc_guests(d->st, r.id, &gs, &ng, e) == 0) {
		json_object_object_add(*res, "guests", guests_json(gs, ng));
		ns_started = json_object_new_array();
		for (i = 0; i < ng; i++)
			if (strcmp(gs[i].recovery, "opt-out") == 0 ||
			    strcmp(gs[i].recovery, "failed") == 0 ||
			    strcmp(gs[i].recovery, "missing") == 0)
				json_object_array_add(ns_started,
				    json_object_new_string(gs[i].guest));
		json_object_object_add(*res, "not_started", ns_started);
		free(gs);
	}
	if (store_inc_outages(d->st, r.id, &os, &no, e) == 0) {
		a = json_object_new_array();
		for (i = 0; i < no; i++) {
			o = json_object_new_object();
			add_str(o, "guest", os[i].guest);
			add_time(o, "down", os[i].down_ms);
			add_time(o, "up", os[i].up_ms);
			add_int(o, "down_ms", os[i].down_ms);
			add_int(o, "up_ms", os[i].up_ms);
			json_object_array_add(a, o);
		}
		json_object_object_add(*res, "intervals", a);
		free(os);
	}
	if (store_inc_events(d->st, r.id, &ev, &nev, e) == 0) {
		a = json_object_new_array();
		for (i = 0; i < nev; i++) {
			o = json_object_new_object();
			add_time(o, "at", ev[i].at_ms);
			add_str(o, "kind", ev[i].kind);
			add_str(o, "text", ev[i].text);
			add_str(o, "irc", ev[i].irc == 1 ? "said" :
			    ev[i].irc == 0 ? "to say" : "-");
			add_int(o, "post", ev[i].post);
			json_object_array_add(a, o);
		}
		json_object_object_add(*res, "timeline", a);
		free(ev);
	}
	if (store_inc_notices(d->st, r.id, &ns, &nn, e) == 0) {
		a = json_object_new_array();
		for (i = 0; i < nn; i++) {
			o = json_object_new_object();
			add_str(o, "customer", ns[i].customer);
			add_str(o, "kind", ns[i].kind);
			add_str(o, "state", ns[i].state);
			add_str(o, "detail", ns[i].detail);
			json_object_array_add(a, o);
		}
		json_object_object_add(*res, "notices", a);
		free(ns);
	}
	if (store_inc_health_list(d->st, r.id, &he, &nhe, e) == 0) {
		a = json_object_new_array();
		for (i = 0; i < nhe; i++) {
			o = json_object_new_object();
			add_str(o, "host", he[i].host);
			add_str(o, "id", he[i].health_id);
			add_str(o, "kind", he[i].kind);
			add_str(o, "state", he[i].state);
			add_str(o, "severity", he[i].severity);
			add_str(o, "summary", he[i].summary);
			add_time(o, "updated", he[i].updated_ms);
			json_object_array_add(a, o);
		}
		json_object_object_add(*res, "health", a);
		free(he);
	}
	return 0;
}

int
incident_m_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return show_json(d, proto_int(r->params, "id", 0), res, e);
}

/* An operator's words for customers: one line, printable. */
static int
clean_text(const char *in, char *out, size_t size, struct herr *e)
{
	str_sanitize(out, size, in);
	if (out[strspn(out, " ")] == '\0')
		return herr_set(e, HERR_USAGE, "give a text for customers");
	return 0;
}

int
incident_m_update(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct incident_rec ir;
	char text[500], *line;
	int rc;

	(void)c;
	if (store_incident_get(d->st, proto_int(r->params, "id", 0), &ir,
	    e) == -1 || clean_text(proto_str(r->params, "text"), text,
	    sizeof(text), e) == -1)
		return -1;
	if (strcmp(ir.state, "open") != 0)
		return herr_set(e, HERR_STATE, "incident %lld is resolved",
		    (long long)ir.id);
	line = xasprintf("Incident %lld update: %s", (long long)ir.id, text);
	rc = store_inc_event_add(d->st, ir.id, live_now_ms(), "update", line,
	    ir.announce ? 0 : -1, 0, NULL, e);
	free(line);
	if (rc == -1)
		return -1;
	log_info("incident %lld: update by an operator", (long long)ir.id);
	/* said and posted now, not at the next tick */
	if (store_incident_get(d->st, ir.id, &ir, NULL) == 0)
		tell_timeline(d, &ir);
	return show_json(d, ir.id, res, e);
}

int
incident_m_resolve(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct incident_rec ir;
	char text[500];
	const char *t = proto_str(r->params, "text");

	(void)c;
	if (store_incident_get(d->st, proto_int(r->params, "id", 0), &ir,
	    e) == -1)
		return -1;
	if (t != NULL && clean_text(t, text, sizeof(text), e) == -1)
		return -1;
	if (incident_resolve_now(d, ir.id, t != NULL ? text : NULL, e) == -1)
		return -1;
	log_info("incident %lld resolved by an operator", (long long)ir.id);
	if (store_incident_get(d->st, ir.id, &ir, NULL) == 0)
		tell_timeline(d, &ir);
	return show_json(d, ir.id, res, e);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Per host and per guest: how long each was down; figures like maint's. */
static int
report_json(struct daemon *d, const struct incident_rec *r, json_object **res,
    struct herr *e)
{
	struct inc_host_rec *hs;
	struct inc_guest_rec *gs;
	json_object *o;
	int64_t *gd, sum = 0, hmax = -1, now = live_now_ms();
	size_t nh, ng, i, k = 0;

	if (store_inc_hosts(d->st, r->id, &hs, &nh, e) == -1)
		return -1;
	if (store_inc_guests(d->st, r->id, &gs, &ng, e) == -1) {
		free(hs);
		return -1;
	}
	o = incident_json(r);
	json_object_object_add(o, "host_list", hosts_json(hs, nh));
	for (i = 0; i < nh; i++)
		if (strcmp(hs[i].cause, "host-unreachable") == 0) {
			int64_t t = (hs[i].back_ms > 0 ? hs[i].back_ms : now) -
			    hs[i].lost_ms;
			if (t > hmax)
				hmax = t;
		}
	if (hmax >= 0)
		add_int(o, "host_longest_s", (hmax + 500) / 1000);
	json_object_object_add(o, "guests", guests_json(gs, ng));
	gd = xcalloc(ng + 1, sizeof(*gd));
	for (i = 0; i < ng; i++)
		if (gs[i].nintervals > 0 && gs[i].up_ms > 0)
			gd[k++] = gs[i].total_ms;
	if (k > 0) {
		qsort(gd, k, sizeof(*gd), cmp_i64);
		for (i = 0; i < k; i++)
			sum += gd[i];
		add_int(o, "guest_avg_ms", sum / (int64_t)k);
		add_int(o, "guest_longest_ms", gd[k - 1]);
		add_int(o, "guest_shortest_ms", gd[0]);
		add_int(o, "guest_median_ms", k % 2 ? gd[k / 2] :
		    (gd[k / 2 - 1] + gd[k / 2]) / 2);
	}
	add_int(o, "guests_measured", (int64_t)k);
	free(gd);
	free(hs);
	free(gs);
	*res = o;
	return 0;
}

int
incident_m_report(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct incident_rec ir;

	(void)c;
	if (store_incident_get(d->st, proto_int(r->params, "id", 0), &ir,
	    e) == -1 || report_json(d, &ir, res, e) == -1)
		return -1;
	if (proto_bool(r->params, "publish", 0)) {
		if (tell_retrospective(d, &ir, *res, e) == -1) {
			json_object_put(*res);
			*res = NULL;
			return -1;
		}
		add_int(*res, "post", ir.report_post);
		log_info("incident %lld: retrospective posted (post %lld)",
		    (long long)ir.id, (long long)ir.report_post);
	}
	return 0;
}

/* ---- what a customer sees ---- */

json_object *
incident_for_guest(struct daemon *d, const char *guest)
{
	struct incident_rec r;
	struct inc_guest_rec g;
	json_object *o;
	int64_t id;

	if (store_inc_of_guest(d->st, guest, &id, NULL) == -1 || id == 0 ||
	    store_incident_get(d->st, id, &r, NULL) == -1 || !r.announce ||
	    store_inc_guest_get(d->st, id, guest, &g, NULL) == -1)
		return NULL;
	o = json_object_new_object();
	add_int(o, "id", r.id);
	add_str(o, "title", r.title);
	add_str(o, "cause", r.cause);
	add_time(o, "since", r.opened_ms);
	add_time(o, "down_since", g.down_ms);
	add_str(o, "vps", g.nintervals > 0 && g.up_ms == 0 ? "down" :
	    strcmp(g.recovery, "opt-out") == 0 ? "left off at your request" :
	    "running again");
	return o;
}

struct inc_marks {
	struct inc_mark	*v;
	size_t		 n;
};

struct inc_marks *
incident_marks(struct daemon *d, const char *customer)
{
	struct inc_marks *m = xcalloc(1, sizeof(*m));

	if (store_inc_marks(d->st, customer, &m->v, &m->n, NULL) == -1) {
		m->v = NULL;
		m->n = 0;
	}
	return m;
}

int64_t
incident_mark_of(const struct inc_marks *m, const char *guest)
{
	size_t lo = 0, hi = m->n, mid;
	int c;

	while (lo < hi) {	/* sorted by guest name */
		mid = (lo + hi) / 2;
		if ((c = strcmp(m->v[mid].guest, guest)) == 0)
			return m->v[mid].incident_id;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void
incident_marks_free(struct inc_marks *m)
{
	if (m == NULL)
		return;
	free(m->v);
	free(m);
}

/* ---- a guest's choice ---- */

int
guest_m_set(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct guest_rec g;
	const char *v = proto_str(r->params, "restart");
	int on;

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	if (strcmp(v, "yes") == 0)
		on = 1;
	else if (strcmp(v, "no") == 0)
		on = 0;
	else
		return herr_set(e, HERR_USAGE, "restart after an outage: yes "
		    "or no");
	if (store_guest_restart_set(d->st, g.name, on, e) == -1)
		return -1;
	log_info("guest %s: restart after outage %s", g.name, v);
	*res = json_object_new_object();
	add_str(*res, "name", g.name);
	add_str(*res, "restart_after_outage", v);
	return 0;
}

/* ---- hosts' ingest keys ---- */

/* Characters that may stand in command="..." without quoting. */
static int
plain(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._-+") == strlen(s);
}

int
ingest_keys_write(struct daemon *d, struct herr *e)
{
	char path[1200], tmp[1300];
	struct host_key_rec *ks;
	struct sshkey k;
	size_t n, i;
	FILE *f;
	int fd;

	if (!plain(d->cfg.ingest_command) || !plain(d->cfg.socket))
		return herr_set(e, HERR_USAGE, "ingest_command and socket may "
		    "hold only letters, digits and / . _ - + to be written in "
		    "authorized_keys");
	if (mkdir(d->cfg.keys_dir, 0755) == -1 && errno != EEXIST)
		return herr_set(e, HERR_INTERNAL, "mkdir %s: %s",
		    d->cfg.keys_dir, strerror(errno));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->cfg.keys_dir,
	    d->cfg.ingest_user) >= sizeof(path))
		return herr_set(e, HERR_USAGE, "keys path too long");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (store_host_key_list(d->st, &ks, &n, e) == -1)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1 || (f = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		free(ks);
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
	}
	fprintf(f, "# written by hangard: hangar-health's report keys, one per "
	    "host; edit with `hangar host key`\n");
	for (i = 0; i < n; i++) {
		/* checked again: only what sshkey_parse took goes out */
		memset(&k, 0, sizeof(k));
		str_copy(k.type, ks[i].type, sizeof(k.type));
		str_copy(k.b64, ks[i].key, sizeof(k.b64));
		if (!str_is_name(ks[i].host) || !plain(k.type) ||
		    strspn(k.b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789+/=") != strlen(k.b64))
			continue;
		fprintf(f, "restrict,command=\"%s -S %s --host %s\" %s %s "
		    "host:%s\n", d->cfg.ingest_command, d->cfg.socket,
		    ks[i].host, k.type, k.b64, ks[i].host);
	}
	free(ks);
	if (fflush(f) == EOF || fsync(fileno(f)) == -1 || fclose(f) == EOF) {
		unlink(tmp);
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return herr_set(e, HERR_INTERNAL, "rename %s: %s", path,
		    strerror(errno));
	}
	return 0;
}

int
host_m_key_set(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct host_key_rec kr, old;
	struct host_rec h;
	struct sshkey k;
	const char *host = proto_str(r->params, "name");
	int had;

	(void)c;
	if (store_host_get(d->st, host, &h, e) == -1 ||
	    sshkey_parse(proto_str(r->params, "key"), &k, e) == -1)
		return -1;
	had = store_host_key_get(d->st, h.name, &old, NULL) == 0;
	memset(&kr, 0, sizeof(kr));
	str_copy(kr.type, k.type, sizeof(kr.type));
	str_copy(kr.key, k.b64, sizeof(kr.key));
	str_copy(kr.comment, k.comment, sizeof(kr.comment));
	str_copy(kr.fingerprint, k.fingerprint, sizeof(kr.fingerprint));
	if (store_host_key_set(d->st, h.name, &kr, e) == -1)
		return -1;
	if (ingest_keys_write(d, e) == -1) {
		/* nothing half-made: the store says what the file says */
		if (had)
			store_host_key_set(d->st, h.name, &old, NULL);
		else
			store_host_key_remove(d->st, h.name, NULL);
		return -1;
	}
	log_info("host %s: report key %s set", h.name, kr.fingerprint);
	*res = json_object_new_object();
	add_str(*res, "host", h.name);
	add_str(*res, "type", kr.type);
	add_str(*res, "fingerprint", kr.fingerprint);
	return 0;
}

int
host_m_key_remove(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	const char *host = proto_str(r->params, "name");

	(void)c;
	if (store_host_key_remove(d->st, host, e) == -1 ||
	    ingest_keys_write(d, e) == -1)
		return -1;
	log_info("host %s: report key removed", host);
	*res = json_object_new_object();
	add_str(*res, "host", host);
	add_str(*res, "removed", "report key");
	return 0;
}

/* host.show: whether the host answers, as incident_live.c sees it. */
void
live_json(struct daemon *d, int64_t host_id, json_object *o)
{
	struct hostw *hw;
	char since[40], *why;

	for (hw = d->hosts; hw != NULL && hw->host_id != host_id;
	    hw = hw->next)
		;
	if (hw != NULL && hw->live == LIVE_DOWN) {
		tell_utc(hw->lost_ms, since, sizeof(since));
		why = xasprintf("no, since %s (%s)", since, hw->lost_why);
		add_str(o, "reachable", why);
		free(why);
	} else
		add_str(o, "reachable", hw != NULL && hw->live == LIVE_UP ?
		    "yes" : "not connected yet");
}
