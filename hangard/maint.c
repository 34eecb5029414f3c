/*
 * maint: maintenance cycles for security advisories.
 *
 *   maint.plan    the hosts the advisories affect are put into windows by
 *                 the rolling-maintenance planner (plan/): which guests
 *                 are live-migrated away and back, which see a reboot,
 *                 and each one's expected downtime.  Kept as JSON.
 *   maint.show    that plan.
 *   maint.notify  one email to every affected customer, once: their
 *                 VPSes, the window in UTC and in their time zone, what
 *                 happens to each.  Written to the durable outbox
 *                 (notify/spool, fsync'd) and recorded before anything is
 *                 sent; sent on a thread of its own (sendmail or SMTP) and
 *                 retried with backoff until the mail server takes it.
 *
 * Running the plan (migrations, the journal, downtime accounting) is not
 * here yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "hangard/rollplan.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "maint/advisory.h"
#include "notify/mail.h"
#include "notify/send.h"
#include "notify/spool.h"
#include "plan/plan.h"

#define MAX_ADVISORIES	16

/* "4h", "90m", "3600s", "3600" into seconds; -1 on error. */
int64_t
maint_parse_duration(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v <= 0 || v > 7 * 24 * 3600)
		return -1;
	if (*end == 'h' && end[1] == '\0')
		return v * 3600;
	if (*end == 'm' && end[1] == '\0')
		return v * 60;
	if ((*end == 's' && end[1] == '\0') || *end == '\0')
		return v;
	return -1;
}

/* "2017-04-27T06:00Z", "2017-04-27 06:00" (UTC) into a time; -1 on error. */
int64_t
maint_parse_utc(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL)
		return -1;
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}

/* A UTC time as strftime's fmt spells it. */
static void
fmt_gmt(int64_t t, const char *fmt, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, fmt, &tm);
}

/* "2017-04-27 06:00 UTC" */
static void
fmt_utc(int64_t t, char *buf, size_t size)
{
	fmt_gmt(t, "%Y-%m-%d %H:%M UTC", buf, size);
}

/*
 * The time in a customer's zone.  TZ is switched on the loop thread only
 * and put back at once; the zone name comes from our store.
 */
static void
fmt_zone(int64_t t, const char *zone, char *buf, size_t size)
{
	char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	time_t tt = (time_t)t;
	struct tm tm;

	setenv("TZ", zone, 1);
	tzset();
	localtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm);
	if (old != NULL) {
		setenv("TZ", old, 1);
		free(old);
	} else
		unsetenv("TZ");
	tzset();
}

/* "Tuesday, April 4, 2017 at 05:00 UTC" */
static void
fmt_day(int64_t t, char *buf, size_t size)
{
	fmt_gmt(t, "%A, %B %-d, %Y at %H:%M UTC", buf, size);
}

static void
fmt_span(int64_t secs, char *buf, size_t size)
{
	if (secs < 2 * 3600 || secs % 3600 != 0)
		snprintf(buf, size, "%lld minutes", (long long)(secs + 59) / 60);
	else
		snprintf(buf, size, "%lld hours", (long long)secs / 3600);
}

/* The affected hosts (into hostlist) and their guests, for the planner. */
static struct plan_cluster *
affected_cluster(struct daemon *d, char advs[][32], size_t nadv,
    json_object *hostlist, struct herr *e)
{
	struct advisory_rec a;
	struct host_rec *hs;
	size_t n, i, k;
	int hit;

	if (store_host_list(d->st, &hs, &n, e) == -1)
		return NULL;
	for (i = 0; i < n; i++) {
		for (k = 0, hit = 0; k < nadv && !hit; k++)
			hit = store_advisory_get(d->st, advs[k], &a, NULL) == 0 &&
			    strcmp(a.action, "none") != 0 &&
			    adv_affects(a.affects, hs[i].hv_type,
			    hs[i].hv_version, NULL) == 1;
		if (hit)
			json_object_array_add(hostlist, json_object_new_string(
			    hs[i].name));
	}
	free(hs);
	return maint_cluster(d, hostlist, e);
}

/*
 * The plan as JSON: a window per batch.  Hosts rp retires are left out
 * with their guests (they are emptied instead, after the last window),
 * and a batch left with no host with them.
 */
static json_object *
plan_json(const struct plan_cluster *c, const struct plan_maintenance *m,
    int64_t start, int64_t window, const char *advisories,
    const struct retire_plan *rp)
{
	json_object *o = json_object_new_object(), *ws, *w, *hs, *gs, *g;
	const struct plan_maint_guest *pg;
	size_t b, i, nw = 0, kept;

	json_object_object_add(o, "advisories",
	    json_object_new_string(advisories));
	json_object_object_add(o, "start", json_object_new_int64(start));
	json_object_object_add(o, "window_s", json_object_new_int64(window));
	ws = json_object_new_array();
	gs = json_object_new_array();
	for (b = 0; b < m->nbatches; b++) {
		for (i = 0, kept = 0; i < m->batches[b].nhosts; i++)
			kept += !retire_host(rp,
			    c->hosts[m->batches[b].hosts[i]].name);
		if (kept == 0)
			continue;
		w = json_object_new_object();
		json_object_object_add(w, "index", json_object_new_int((int)nw));
		json_object_object_add(w, "start",
		    json_object_new_int64(start + (int64_t)nw * window));
		json_object_object_add(w, "end",
		    json_object_new_int64(start + (int64_t)(nw + 1) * window));
		json_object_object_add(w, "estimate_s",
		    json_object_new_int64((int64_t)m->batches[b].duration_s));
		hs = json_object_new_array();
		for (i = 0; i < m->batches[b].nhosts; i++)
			if (!retire_host(rp,
			    c->hosts[m->batches[b].hosts[i]].name))
				json_object_array_add(hs,
				    json_object_new_string(c->hosts[
				    m->batches[b].hosts[i]].name));
		json_object_object_add(w, "hosts", hs);
		json_object_array_add(ws, w);
		for (i = 0; i < m->batches[b].nguests; i++) {
			pg = &m->guests[m->batches[b].first + i];
			if (retire_host(rp, c->hosts[pg->host].name))
				continue;
			g = json_object_new_object();
			json_object_object_add(g, "guest", json_object_new_string(
			    c->guests[pg->guest].name));
			json_object_object_add(g, "owner", json_object_new_string(
			    c->guests[pg->guest].owner == PLAN_NONE ? "" :
			    c->customers[c->guests[pg->guest].owner]));
			json_object_object_add(g, "host", json_object_new_string(
			    c->hosts[pg->host].name));
			json_object_object_add(g, "window",
			    json_object_new_int((int)nw));
			json_object_object_add(g, "action", json_object_new_string(
			    pg->fate == PLAN_FATE_MIGRATE ? "live-migrate" :
			    "reboot"));
			json_object_object_add(g, "target", json_object_new_string(
			    pg->target == PLAN_NONE ? "" :
			    c->hosts[pg->target].name));
			json_object_object_add(g, "downtime_s",
			    json_object_new_int64((int64_t)(pg->downtime_s + 0.5)));
			json_object_array_add(gs, g);
		}
		nw++;
	}
	json_object_object_add(o, "windows", ws);
	json_object_object_add(o, "guests", gs);
	return o;
}

/*
 * The stored plan counts windows from 0 (an index into "windows"); a
 * reply counts them from 1, as every table and the console do.
 */
void
plan_reply_windows(json_object *plan)
{
	json_object *arr, *o, *v;
	size_t i;

	roll_reply_batches(plan);
	/* a retirement's window, as its guests' */
	if (json_object_object_get_ex(plan, "retire", &o) &&
	    json_object_object_get_ex(o, "window", &v))
		json_object_object_add(o, "window", json_object_new_int64(
		    json_object_get_int64(v) + 1));
	if (json_object_object_get_ex(plan, "windows", &arr))
		for (i = 0; i < json_object_array_length(arr); i++) {
			o = json_object_array_get_idx(arr, i);
			if (json_object_object_get_ex(o, "index", &v))
				json_object_object_add(o, "index",
				    json_object_new_int64(
				    json_object_get_int64(v) + 1));
		}
	if (json_object_object_get_ex(plan, "guests", &arr))
		for (i = 0; i < json_object_array_length(arr); i++) {
			o = json_object_array_get_idx(arr, i);
			if (json_object_object_get_ex(o, "window", &v))
				json_object_object_add(o, "window",
				    json_object_new_int64(
				    json_object_get_int64(v) + 1));
			if (json_object_object_get_ex(o, "window_last", &v))
				json_object_object_add(o, "window_last",
				    json_object_new_int64(
				    json_object_get_int64(v) + 1));
		}
}

int
maint_plan(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	char advs[MAX_ADVISORIES][32], *list, *tok, *save, norm[600];
	struct advisory_rec a;
	struct plan_cluster *c;
	struct plan_maintenance *m = NULL;
	struct plan_maint_opts opts;
	struct retire_plan *rp = NULL;
	json_object *hosts, *plan, *ws;
	int64_t start, window, id;
	size_t nadv = 0, b;
	const char *text, *retire = proto_str(r->params, "retire");

	if ((start = maint_parse_utc(proto_str(r->params, "start"))) == -1)
		return herr_set(e, HERR_USAGE, "--start: give a UTC time like "
		    "2017-04-27T06:00Z");
	if ((window = maint_parse_duration(proto_str(r->params, "window"))) == -1)
		return herr_set(e, HERR_USAGE, "--window: give a duration like "
		    "4h or 90m");
	list = xstrdup(proto_str(r->params, "advisories"));
	norm[0] = '\0';
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (nadv == MAX_ADVISORIES ||
		    store_advisory_get(d->st, tok, &a, e) == -1) {
			free(list);
			return nadv == MAX_ADVISORIES ? herr_set(e, HERR_USAGE,
			    "at most %d advisories", MAX_ADVISORIES) : -1;
		}
		str_copy(advs[nadv++], a.id, sizeof(advs[0]));
		if (norm[0] != '\0')
			strncat(norm, ", ", sizeof(norm) - strlen(norm) - 1);
		strncat(norm, a.id, sizeof(norm) - strlen(norm) - 1);
	}
	free(list);
	if (nadv == 0)
		return herr_set(e, HERR_USAGE, "name at least one advisory");
	if (proto_str(r->params, "to") != NULL && retire == NULL)
		return herr_set(e, HERR_USAGE, "--to goes with --retire");
	/* hosts retired in this cycle: where their guests go, or refused */
	if (retire != NULL && (rp = retire_plan_new(d, retire,
	    proto_str(r->params, "to"), e)) == NULL)
		return -1;
	hosts = json_object_new_array();
	if ((c = affected_cluster(d, advs, nadv, hosts, e)) == NULL) {
		retire_plan_free(rp);
		json_object_put(hosts);
		return -1;
	}
	if (c->nhosts == 0) {
		retire_plan_free(rp);
		plan_cluster_free(c);
		json_object_put(hosts);
		return herr_set(e, HERR_STATE, "no host is affected by %s%s",
		    norm, rp != NULL ? " (hangar consolidate plan retires "
		    "hosts on its own)" : "");
	}
	if (maint_opts(r, retire != NULL, &opts, e) == -1 ||
	    plan_maintenance(c, &opts, &m, e) == -1) {
		retire_plan_free(rp);
		plan_cluster_free(c);
		json_object_put(hosts);
		return -1;
	}
	if (opts.roll == PLAN_ROLL_FORWARD)
		plan = roll_plan_json(c, m, &opts, start, window, norm);
	else {
		plan = plan_json(c, m, start, window, norm, rp);
		json_object_object_add(plan, "summary",
		    maint_summary(c, m, &opts));
	}
	plan_maintenance_free(m);
	plan_cluster_free(c);
	json_object_object_add(plan, "hosts", hosts);
	json_object_object_get_ex(plan, "windows", &ws);
	/* after the last patch window, the retiring hosts are emptied */
	if (rp != NULL)
		retire_plan_json(rp, plan, (int)json_object_array_length(ws),
		    start, window);
	retire_plan_free(rp);
	for (b = 0; b < json_object_array_length(ws); b++)
		if (proto_get_int(json_object_array_get_idx(ws, b),
		    "estimate_s") > window) {
			herr_set(e, HERR_CAPACITY, "window %zu needs about %lld "
			    "minutes, more than --window allows", b + 1,
			    (long long)(proto_get_int(json_object_array_get_idx(
			    ws, b), "estimate_s") + 59) / 60);
			json_object_put(plan);
			return -1;
		}
	text = json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN);
	if (store_cycle_add(d->st, "patch", norm, start, window, text, &id,
	    e) == -1) {
		json_object_put(plan);
		return -1;
	}
	json_object_object_add(plan, "cycle", json_object_new_int64(id));
	log_info("maintenance cycle %lld planned for %s (roll %s)",
	    (long long)id, norm, opts.roll == PLAN_ROLL_FORWARD ? "forward" :
	    "back");
	plan_reply_windows(plan);
	*res = plan;
	return 0;
}

int
maint_show(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	int64_t id;
	char *text;

	if (store_cycle_get(d->st, proto_int(r->params, "cycle", 0), &id, &text,
	    e) == -1)
		return -1;
	*res = json_tokener_parse(text);
	free(text);
	if (*res == NULL)
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	plan_reply_windows(*res);
	json_object_object_add(*res, "cycle", json_object_new_int64(id));
	return 0;
}

/* A consolidation of its own (not a patch cycle). */
static int
plan_is_consolidation(json_object *plan)
{
	return strcmp(proto_get_str(plan, "kind"), "consolidate") == 0;
}

/* "a new host server with SSDs" for a plan entry moving to one. */
static void
new_host(json_object *g, char *buf, size_t size)
{
	const char *k = proto_get_str(g, "target_disk");

	snprintf(buf, size, "a new host server%s", strcmp(k, "ssd") == 0 ?
	    " with SSDs" : strcmp(k, "hdd") == 0 ? " with HDDs" : "");
}

/*
 * A roll-forward plan's line: the VPS moves to a patched host and stays
 * there.  Customers are told where only as "a newer host in the same
 * place": host names are ours.
 */
static char *
roll_line(json_object *g, const char *n, const char *when)
{
	const char *act = proto_get_str(g, "action");
	int64_t moves = proto_get_int(g, "moves");
	int away = proto_get_str(g, "target")[0] != '\0';

	if (strcmp(act, "live-migrate") == 0 && moves <= 1)
		return xasprintf("- %s: %s it is live-migrated once to a newer "
		    "host in the same place, where it stays: it keeps running, "
		    "with a single pause under a second.\n", n, when);
	if (strcmp(act, "live-migrate") == 0)
		return xasprintf("- %s: %s it is live-migrated to %s: it keeps "
		    "running, with a pause under a second each of the %lld "
		    "times it moves.\n", n, when, away ? "a newer host in the "
		    "same place, where it stays" : "another host and back",
		    (long long)moves);
	if (moves > 0)
		return xasprintf("- %s: %s it is live-migrated to a newer host "
		    "in the same place, where it stays, and shut down cleanly "
		    "while that host reboots, then started again: expect about "
		    "%lld minutes of downtime.\n", n, when,
		    (long long)(proto_get_int(g, "downtime_s") + 59) / 60);
	return xasprintf("- %s: %s it is shut down cleanly while its host "
	    "reboots, and started again: expect about %lld minutes of "
	    "downtime.\n", n, when,
	    (long long)(proto_get_int(g, "downtime_s") + 59) / 60);
}

/* One line of a notice: what happens to the VPS in its window. */
static char *
notice_line(json_object *g, const char *a, const char *b, const char *za,
    const char *zb, int forward)
{
	const char *act = proto_get_str(g, "action"), *n = proto_get_str(g,
	    "guest");
	char nh[64], *when, *r;

	if (forward) {
		when = xasprintf("between %s and %s (%s to %s, your time)", a,
		    b, za, zb);
		r = roll_line(g, n, when);
		free(when);
		return r;
	}
	new_host(g, nh, sizeof(nh));
	if (strcmp(act, "live-migrate") == 0)
		return xasprintf("- %s: between %s and %s (%s to %s, your "
		    "time) it is live-migrated to another host and back: it "
		    "keeps running, with a pause under a second each time.\n",
		    n, a, b, za, zb);
	if (strcmp(act, "move") == 0)
		return xasprintf("- %s: between %s and %s (%s to %s, your "
		    "time) it moves to %s for good, live-migrated with its "
		    "disk: it keeps running, with a pause under a second.\n",
		    n, a, b, za, zb, nh);
	if (strcmp(act, "move-offline") == 0)
		return xasprintf("- %s: between %s and %s (%s to %s, your "
		    "time) it moves to %s for good: it is shut down cleanly, "
		    "its disk is copied there and it is started again: expect "
		    "about %lld minutes of downtime.\n", n, a, b, za, zb, nh,
		    (long long)(proto_get_int(g, "downtime_s") + 59) / 60);
	return xasprintf("- %s: between %s and %s (%s to %s, your time) it is "
	    "shut down cleanly while its host reboots, and started again: "
	    "expect about %lld minutes of downtime.\n", n, a, b, za, zb,
	    (long long)(proto_get_int(g, "downtime_s") + 59) / 60);
}

/* The window a plan entry ends in: its last (roll forward) or its own. */
static json_object *
last_window(json_object *ws, json_object *g)
{
	json_object *v;

	if (json_object_object_get_ex(g, "window_last", &v))
		return json_object_array_get_idx(ws,
		    (size_t)json_object_get_int64(v));
	return json_object_array_get_idx(ws, (size_t)proto_get_int(g,
	    "window"));
}

/* The notice's text for one customer: every VPS of theirs in the plan. */
static char *
notice_body(json_object *plan, const struct customer_rec *cu)
{
	json_object *gsl, *ws, *g, *w, *wl;
	char a[64], b[64], za[64], zb[64], *out = NULL, *line, *tmp;
	size_t i;

	json_object_object_get_ex(plan, "guests", &gsl);
	json_object_object_get_ex(plan, "windows", &ws);
	if (plan_is_consolidation(plan))
		out = xasprintf("Hello %s,\n\nwe are moving VPSes from older "
		    "host servers to new ones, and retiring the old ones. "
		    "These of your VPSes move:\n\n", cu->name);
	else
		out = xasprintf("Hello %s,\n\nwe will patch the hypervisors of "
		    "our host servers for security advisories %s%s. These of "
		    "your VPSes are affected:\n\n", cu->name,
		    proto_get_str(plan, "advisories"), json_object_object_get_ex(
		    plan, "retire", NULL) ? ", and retire older host servers" :
		    "");
	for (i = 0; i < json_object_array_length(gsl); i++) {
		g = json_object_array_get_idx(gsl, i);
		if (strcmp(proto_get_str(g, "owner"), cu->name) != 0)
			continue;
		w = json_object_array_get_idx(ws, (size_t)proto_get_int(g, "window"));
		wl = last_window(ws, g);
		fmt_utc(proto_get_int(w, "start"), a, sizeof(a));
		fmt_utc(proto_get_int(wl, "end"), b, sizeof(b));
		fmt_zone(proto_get_int(w, "start"), cu->tz, za, sizeof(za));
		fmt_zone(proto_get_int(wl, "end"), cu->tz, zb, sizeof(zb));
		line = notice_line(g, a, b, za, zb, plan_rolls_forward(plan));
		tmp = xasprintf("%s%s", out, line);
		free(out);
		free(line);
		out = tmp;
	}
	tmp = xasprintf("%s\nIf a window does not suit you, reply to this "
	    "mail before it starts.\n", out);
	free(out);
	return tmp;
}

/* The notice for cu, rendered, with its envelope from the builder. */
static int
notice_mail(struct daemon *d, json_object *plan,
    const struct customer_rec *cu, char **msg, size_t *len,
    struct mail_env *env, struct herr *e)
{
	struct mail *m = mail_new();
	char subject[256], *body;
	int r;

	snprintf(subject, sizeof(subject), "Scheduled maintenance: %s",
	    plan_is_consolidation(plan) ? "your VPS moves to a new host "
	    "server" : proto_get_str(plan, "advisories"));
	body = notice_body(plan, cu);
	r = mail_header(m, "From", d->cfg.mail_from, e) == -1 ||
	    mail_header(m, "To", cu->email, e) == -1 ||
	    mail_header(m, "Subject", subject, e) == -1 ||
	    mail_body(m, body, e) == -1 ||
	    mail_envelope(m, env, e) == -1 ||
	    mail_render(m, msg, len, e) == -1 ? -1 : 0;
	free(body);
	mail_free(m);
	return r;
}

/*
 * The newest cycle's plan of each kind (patch, consolidate), parsed once
 * (a plan never changes once made): guest.show asks for every VPS, and a
 * plan can hold 40,000 of them.
 */
static struct plan_cache {
	int64_t		 id;
	json_object	*plan;		/* owned */
	json_object	*byname;	/* owned: guest name -> its entry */
} plan_cache[2];			/* [0] patch, [1] consolidate */

static const char *cache_kinds[2] = { "patch", "consolidate" };

void
maint_cache_free(void)
{
	size_t k;

	for (k = 0; k < 2; k++) {
		json_object_put(plan_cache[k].plan);
		json_object_put(plan_cache[k].byname);
		memset(&plan_cache[k], 0, sizeof(plan_cache[k]));
	}
}

static int
plan_cache_load(struct daemon *d, struct plan_cache *pc, int64_t id)
{
	json_object *gsl, *g;
	int64_t got;
	char *text;
	size_t i;

	if (pc->plan != NULL && pc->id == id)
		return 0;
	json_object_put(pc->plan);
	json_object_put(pc->byname);
	memset(pc, 0, sizeof(*pc));
	if (store_cycle_get(d->st, id, &got, &text, NULL) == -1)
		return -1;
	pc->plan = json_tokener_parse(text);
	free(text);
	if (pc->plan == NULL || !json_object_object_get_ex(pc->plan, "guests",
	    &gsl)) {
		json_object_put(pc->plan);
		pc->plan = NULL;
		return -1;
	}
	pc->id = id;
	pc->byname = json_object_new_object();
	/* a guest with a patch and a move in one cycle: the move is shown */
	for (i = 0; i < json_object_array_length(gsl); i++) {
		g = json_object_array_get_idx(gsl, i);
		json_object_object_add(pc->byname, proto_get_str(g, "guest"),
		    json_object_get(g));
	}
	return 0;
}

/*
 * The newest cycle not yet done that holds the guest: the patch cycle's
 * first, then the consolidation's.  Its cache entry (and *c, *g), or
 * NULL.
 */
static struct plan_cache *
pending_for(struct daemon *d, const char *guest, struct cycle_rec *c,
    json_object **g)
{
	int64_t id;
	size_t k;

	for (k = 0; k < 2; k++)
		if (store_cycle_newest(d->st, cache_kinds[k], &id, NULL) == 0 &&
		    store_cycle_info(d->st, id, c, NULL) == 0 &&
		    strcmp(c->run_state, "done") != 0 &&
		    plan_cache_load(d, &plan_cache[k], id) == 0 &&
		    json_object_object_get_ex(plan_cache[k].byname, guest, g))
			return &plan_cache[k];
	return NULL;
}

/* A move's expected downtime when it is shut down and copied instead. */
static int64_t
offline_estimate(struct daemon *d, const char *guest)
{
	struct guest_rec gr;

	if (store_guest_get(d->st, guest, NULL, &gr, NULL) == -1)
		return 0;
	return 60 + ((int64_t)gr.disk_mib * 2 + 1023) / 1024;
}

/*
 * The guest's entry in the newest maintenance cycle or consolidation not
 * yet done, for guest.show (the console's status shows the same notice
 * as the email); NULL if none.
 */
json_object *
maint_for_guest(struct daemon *d, const char *guest)
{
	json_object *ws, *g, *w, *o;
	struct plan_cache *pc;
	struct cycle_rec c;
	struct choice_rec ch;
	char a[40], b[40];
	const char *act;
	int64_t win;
	int fwd;

	if ((pc = pending_for(d, guest, &c, &g)) == NULL ||
	    !json_object_object_get_ex(pc->plan, "windows", &ws))
		return NULL;
	act = proto_get_str(g, "action");
	/* a roll-forward plan was made with the choices: it says it all */
	fwd = plan_rolls_forward(pc->plan);
	if (store_choice_get(d->st, c.id, guest, &ch, NULL) == -1)
		ch.action[0] = '\0';
	win = !fwd && ch.action[0] != '\0' && ch.win >= 0 ? ch.win :
	    proto_get_int(g, "window");
	w = json_object_array_get_idx(ws, (size_t)win);
	fmt_utc(proto_get_int(w, "start"), a, sizeof(a));
	fmt_utc(proto_get_int(fwd ? last_window(ws, g) : w, "end"), b,
	    sizeof(b));
	o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(c.kind));
	json_object_object_add(o, "advisories", json_object_new_string(
	    proto_get_str(pc->plan, "advisories")));
	json_object_object_add(o, "window", json_object_new_int64(win + 1));
	json_object_object_add(o, "windows", json_object_new_int64(
	    (int64_t)json_object_array_length(ws)));
	json_object_object_add(o, "window_start", json_object_new_string(a));
	json_object_object_add(o, "window_end", json_object_new_string(b));
	json_object_object_add(o, "action", json_object_new_string(act));
	json_object_object_add(o, "downtime_s", json_object_new_int64(
	    proto_get_int(g, "downtime_s")));
	if (strncmp(act, "move", 4) == 0)
		json_object_object_add(o, "target_disk", json_object_new_string(
		    proto_get_str(g, "target_disk")));
	json_object_object_add(o, "cycle", json_object_new_int64(c.id));
	json_object_object_add(o, "run_state",
	    json_object_new_string(c.run_state));
	json_object_object_add(o, "planned", json_object_new_string(act));
	json_object_object_add(o, "planned_window", json_object_new_int64(
	    proto_get_int(g, "window") + 1));
	if (fwd) {
		/* one move to a patched host, where it stays (no host names) */
		json_object_object_add(o, "roll",
		    json_object_new_string("forward"));
		json_object_object_add(o, "moves", json_object_new_int64(
		    proto_get_int(g, "moves")));
		json_object_object_add(o, "ends_away", json_object_new_boolean(
		    proto_get_str(g, "target")[0] != '\0'));
		if (ch.action[0] != '\0')
			json_object_object_add(o, "chosen",
			    json_object_new_string(ch.action));
	} else if (ch.action[0] != '\0') {
		json_object_object_add(o, "chosen",
		    json_object_new_string(ch.action));
		if (strcmp(ch.action, "reboot") == 0 &&
		    strncmp(act, "move", 4) == 0) {
			/* shut down, copied, started on the new host */
			json_object_object_add(o, "action",
			    json_object_new_string("move-offline"));
			json_object_object_add(o, "downtime_s",
			    json_object_new_int64(offline_estimate(d, guest)));
		} else if (strcmp(ch.action, "reboot") == 0) {
			json_object_object_add(o, "action",
			    json_object_new_string("reboot"));
			json_object_object_add(o, "downtime_s",
			    json_object_new_int64(proto_get_int(w,
			    "estimate_s")));
		}
	}
	return o;
}

/* RAM (MiB) the plan migrates into host in any of its windows, at most. */
static int64_t
planned_inflow(struct daemon *d, const char *host)
{
	json_object *gsl;
	struct guest_rec gr;
	int64_t sum = 0;
	size_t i;

	if (!json_object_object_get_ex(plan_cache[0].plan, "guests", &gsl))
		return 0;
	for (i = 0; i < json_object_array_length(gsl); i++) {
		json_object *g = json_object_array_get_idx(gsl, i);
		if (strcmp(proto_get_str(g, "target"), host) == 0 &&
		    store_guest_get(d->st, proto_get_str(g, "guest"), NULL, &gr,
		    NULL) == 0)
			sum += (int64_t)gr.ram_mib;
	}
	return sum;
}

/*
 * A host patched in window win with room for g for good: besides what it
 * holds, what the plan may migrate into it and the VPSes already moved
 * to it.  The first that fits, in the plan's order; -1 if none.
 */
static int
window_host(struct daemon *d, int64_t cycle, const struct guest_rec *g,
    int64_t win, char *out, size_t size, struct herr *e)
{
	json_object *ws, *hs;
	struct choice_rec *mv;
	struct guest_rec mg;
	struct host_rec h;
	size_t i, k, nmv;
	int64_t ram, disk, vcpus;

	if (!json_object_object_get_ex(plan_cache[0].plan, "windows", &ws) ||
	    !json_object_object_get_ex(json_object_array_get_idx(ws,
	    (size_t)win), "hosts", &hs))
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	if (store_choice_moves(d->st, cycle, &mv, &nmv, e) == -1)
		return -1;
	for (i = 0; i < json_object_array_length(hs); i++) {
		if (store_host_get(d->st, json_object_get_string(
		    json_object_array_get_idx(hs, i)), &h, NULL) == -1 ||
		    strcmp(h.name, g->host) == 0)
			continue;
		ram = (int64_t)h.used_ram_mib + planned_inflow(d, h.name);
		disk = (int64_t)h.used_disk_mib;
		vcpus = h.used_vcpus;
		for (k = 0; k < nmv; k++)
			if (strcmp(mv[k].target, h.name) == 0 &&
			    strcmp(mv[k].guest, g->name) != 0 &&
			    store_guest_get(d->st, mv[k].guest, NULL, &mg,
			    NULL) == 0) {
				ram += (int64_t)mg.ram_mib;
				disk += (int64_t)mg.disk_mib;
				vcpus += mg.vcpus;
			}
		if (ram + (int64_t)g->ram_mib <= (int64_t)h.ram_mib &&
		    disk + (int64_t)g->disk_mib <= (int64_t)h.disk_mib &&
		    vcpus + g->vcpus <= h.cpus * d->cfg.vcpu_ratio) {
			str_copy(out, h.name, size);
			free(mv);
			return 0;
		}
	}
	free(mv);
	return herr_set(e, HERR_CAPACITY, "no host patched in window %lld has "
	    "room for %s", (long long)win + 1, g->name);
}

int
maint_choose(struct daemon *d, const struct guest_rec *g, const char *action,
    int64_t window, struct herr *e)
{
	struct choice_rec ch;
	struct cycle_rec c;
	json_object *m;
	int64_t planned, nwin, cycle;
	int migrates, moves, pinned, roll;

	memset(&ch, 0, sizeof(ch));
	ch.win = -1;
	if (action == NULL)
		action = window > 0 ? "reboot" : "";
	if (strcmp(action, "live-migrate") != 0 && strcmp(action, "reboot") != 0)
		return herr_set(e, HERR_USAGE, "choose live-migrate or reboot");
	if ((m = maint_for_guest(d, g->name)) == NULL)
		return herr_set(e, HERR_STATE, "no maintenance is scheduled "
		    "for %s", g->name);
	migrates = strcmp(proto_get_str(m, "planned"), "live-migrate") == 0;
	moves = strncmp(proto_get_str(m, "planned"), "move", 4) == 0;
	pinned = strcmp(proto_get_str(m, "planned"), "move-offline") == 0;
	planned = proto_get_int(m, "planned_window");
	nwin = proto_get_int(m, "windows");
	cycle = proto_get_int(m, "cycle");
	roll = strcmp(proto_get_str(m, "roll"), "forward") == 0;
	json_object_put(m);
	if (store_cycle_info(d->st, cycle, &c, e) == -1)
		return -1;
	if (strcmp(c.run_state, "planned") != 0)
		return herr_set(e, HERR_STATE, "the maintenance has started: "
		    "choices are closed");
	if (roll)	/* the planner takes the choice, or says why not */
		return roll_choose(d, c.id, g, action, window, e);
	if (moves && window > 0 && window != planned)
		return herr_set(e, HERR_USAGE, "%s moves to its new host in "
		    "window %lld, when its old host is emptied: that window "
		    "cannot change", g->name, (long long)planned);
	if (pinned && strcmp(action, "live-migrate") == 0)
		return herr_set(e, HERR_STATE, "%s is moved only shut down: "
		    "ask us if it can be live-migrated", g->name);
	if (moves) {
		/* reboot: shut down, copied and started on the new host */
	} else if (window > 0 && window != planned) {
		/* another window: it reboots there, on a host patched then */
		if (window > nwin)
			return herr_set(e, HERR_USAGE, "the windows are 1 to %lld",
			    (long long)nwin);
		if (strcmp(action, "reboot") != 0)
			return herr_set(e, HERR_USAGE, "in another window a VPS "
			    "reboots with the host it is moved to: choose "
			    "reboot with --window");
		if (window_host(d, c.id, g, window - 1, ch.target,
		    sizeof(ch.target), e) == -1)
			return -1;
		ch.win = (int)window - 1;
	} else if (strcmp(action, "live-migrate") == 0 && !migrates)
		return herr_set(e, HERR_CAPACITY, "no host has room to take "
		    "%s while its host reboots: it has to reboot with it",
		    g->name);
	str_copy(ch.action, action, sizeof(ch.action));
	if (store_choice_set(d->st, c.id, g->name, &ch, e) == -1)
		return -1;
	log_info("maintenance cycle %lld: %s chose %s%s%s for %s",
	    (long long)c.id, g->customer, action, ch.win >= 0 ? " in window " :
	    "", ch.win >= 0 ? ch.target : "", g->name);
	return 0;
}

/* ---- internal systems: website, billing, the console, tickets ---- */

int
maint_service(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct service_rec w;
	char day[64], span[32], *body, title[] = "Scheduled downtime for "
	    "internal systems";
	const char *svc = proto_str(r->params, "services");
	const char *note = proto_str(r->params, "note");
	int64_t window;
	size_t i;

	memset(&w, 0, sizeof(w));
	if ((w.start = maint_parse_utc(proto_str(r->params, "start"))) == -1)
		return herr_set(e, HERR_USAGE, "--start: give a UTC time like "
		    "2017-04-04T05:00Z");
	if ((window = maint_parse_duration(proto_str(r->params, "window"))) == -1)
		return herr_set(e, HERR_USAGE, "--window: give a duration like "
		    "20m or 2h");
	w.end = w.start + window;
	for (i = 0; svc[i] != '\0'; i++)
		if ((unsigned char)svc[i] < 0x20 || svc[i] == 0x7f)
			return herr_set(e, HERR_USAGE, "services: control "
			    "characters are not allowed");
	if (svc[strspn(svc, " ,")] == '\0')
		return herr_set(e, HERR_USAGE, "name the services, e.g. "
		    "'the website (including billing), the management console'");
	str_copy(w.services, svc, sizeof(w.services));
	if (note != NULL)
		str_sanitize(w.note, sizeof(w.note), note);
	fmt_day(w.start, day, sizeof(day));
	fmt_span(window, span, sizeof(span));
	body = xasprintf("On %s we will perform scheduled maintenance on our "
	    "internal systems. %s will be unavailable for %s.%s%s%s%s%s",
	    day, w.services, span, w.note[0] ? " " : "", w.note,
	    d->cfg.irc_channel[0] ? " We will provide real-time updates in " :
	    "", d->cfg.irc_channel, d->cfg.irc_channel[0] ? "." : "");
	/* the sentence starts with the services: a capital letter */
	for (i = 0; body[i] != '\0'; i++)
		if (strncmp(body + i, "systems. ", 9) == 0) {
			if (body[i + 9] >= 'a' && body[i + 9] <= 'z')
				body[i + 9] = (char)(body[i + 9] - 'a' + 'A');
			break;
		}
	if (store_service_add(d->st, &w, e) == -1 ||
	    post_auto(d, "maintenance-scheduled", title, body, 0, NULL,
	    e) == -1) {
		free(body);
		return -1;
	}
	tell_irc(d, body);
	log_info("service window %lld: %s", (long long)w.id, w.services);
	*res = json_object_new_object();
	json_object_object_add(*res, "id", json_object_new_int64(w.id));
	json_object_object_add(*res, "services",
	    json_object_new_string(w.services));
	fmt_utc(w.start, day, sizeof(day));
	json_object_object_add(*res, "start", json_object_new_string(day));
	fmt_utc(w.end, day, sizeof(day));
	json_object_object_add(*res, "end", json_object_new_string(day));
	json_object_object_add(*res, "post", json_object_new_string(body));
	free(body);
	return 0;
}

int
maint_services(struct daemon *d, json_object **res, struct herr *e)
{
	struct service_rec *ws;
	json_object *o;
	char t[64];
	size_t n, i;

	if (store_service_list(d->st, (int64_t)time(NULL), &ws, &n, e) == -1)
		return -1;
	*res = json_object_new_array();
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(ws[i].id));
		json_object_object_add(o, "services",
		    json_object_new_string(ws[i].services));
		fmt_utc(ws[i].start, t, sizeof(t));
		json_object_object_add(o, "start", json_object_new_string(t));
		fmt_utc(ws[i].end, t, sizeof(t));
		json_object_object_add(o, "end", json_object_new_string(t));
		json_object_object_add(o, "note",
		    json_object_new_string(ws[i].note));
		json_object_array_add(*res, o);
	}
	free(ws);
	return 0;
}

/* ---- sending the outbox, off the loop ---- */

#define SET_ASIDE_TOLD	16	/* set-aside notices named in the log */

/* A flush, on a thread of its own: what it needs and what it found. */
struct flush_job {
	struct config		 cfg;	/* a copy: the thread reads it */
	struct spool		*sp;	/* the daemon's, lent for the flush */
	struct spool_stats	 st;
	char			 told[SET_ASIDE_TOLD][600];
	size_t			 ntold;
};

/*
 * Sends one notice.  The SMTP envelope is the one the mail builder gave
 * when the notice was made (spool_put_env), never read back from the
 * header text; sendmail -t reads the header itself.
 */
static int
send_one(const struct spool_msg *m, void *arg, struct herr *e)
{
	struct flush_job *fj = arg;
	struct send_cfg sc;
	size_t i;
	int r;

	memset(&sc, 0, sizeof(sc));
	if (fj->cfg.smtp_url[0] == '\0')
		r = send_sendmail(fj->cfg.sendmail, m->data, m->len, 30, e);
	else if (m->env.nrcpt == 0)
		r = herr_set(e, HERR_USAGE, "no envelope was kept with it (an "
		    "older hangard spooled it): send it by hand");
	else {
		sc.method = SEND_SMTP;
		sc.smtp_url = fj->cfg.smtp_url;
		sc.from = m->env.from;
		for (i = 0; i < m->env.nrcpt && i < SEND_MAXRCPT; i++)
			sc.rcpt[i] = m->env.rcpt[i];
		sc.nrcpt = i;
		sc.timeout = 30;
		r = send_mail(&sc, m->data, m->len, e);
	}
	/* refused for good: the spool sets it aside, the loop tells */
	if (r == -1 && e->code == HERR_USAGE && fj->ntold < SET_ASIDE_TOLD)
		snprintf(fj->told[fj->ntold++], sizeof(fj->told[0]),
		    "notice %s to %s: %s", m->id, m->env.nrcpt > 0 ?
		    m->env.rcpt[0] : "?", e->msg);
	return r;
}

static void
flush_run(struct job *j)
{
	struct flush_job *fj = j->ext;

	j->rc = spool_flush_msgs(fj->sp, time(NULL), 0, send_one, fj, &fj->st,
	    &j->err);
}

static void
flush_done(struct daemon *d, struct job *j)
{
	struct flush_job *fj = j->ext;
	char buf[600];

	d->flushing = 0;
	d->outbox = fj->sp;	/* back, with each message's retry time */
	for (size_t i = 0; i < fj->ntold; i++) {
		str_sanitize(buf, sizeof(buf), fj->told[i]);
		log_warnx("outbox: set aside for good (in %s/failed): %s",
		    d->cfg.outbox_dir, buf);
	}
	if (fj->st.set_aside > fj->ntold)
		log_warnx("outbox: %zu more set aside for good (in %s/failed)",
		    fj->st.set_aside - fj->ntold, d->cfg.outbox_dir);
	if (j->rc == -1 || fj->st.queued > 0)
		log_warnx("outbox: %zu sent, %zu waiting%s%s", fj->st.sent,
		    fj->st.queued, j->rc == -1 || fj->st.failed > 0 ? ": " : "",
		    j->rc == -1 || fj->st.failed > 0 ? j->err.msg : "");
	else if (fj->st.sent > 0)
		log_info("outbox: %zu sent", fj->st.sent);
	d->outbox_waiting = (int)fj->st.queued;
	d->outbox_due = spool_next_due(fj->sp);
	free(fj);
	j->ext = NULL;
}

void
outbox_free(struct daemon *d)
{
	spool_free(d->outbox);	/* not one lent to a flush still running */
	d->outbox = NULL;
}

/*
 * Sends what is due in the outbox on a thread of its own, unless a send
 * is under way.  The spool object (with each message's retry time) is
 * the daemon's, opened here on the loop once, and lent to the flush.
 */
void
outbox_flush(struct daemon *d)
{
	struct flush_job *fj;
	struct herr e;
	struct job *j;

	if (d->flushing)
		return;
	if (d->outbox == NULL &&
	    (d->outbox = spool_open(d->cfg.outbox_dir, &e)) == NULL) {
		log_warnx("outbox: %s", e.msg);
		return;
	}
	d->flushing = 1;
	fj = xcalloc(1, sizeof(*fj));
	memcpy(&fj->cfg, &d->cfg, sizeof(d->cfg));
	fj->sp = d->outbox;
	d->outbox = NULL;
	j = job_new(NULL, flush_run, flush_done, NULL, 0);
	j->ext = fj;
	job_spawn(d, j);
}

/* The cycle announced on the status feed, in the seed's words. */
static int
feed_scheduled(struct daemon *d, json_object *plan, struct herr *e)
{
	json_object *ws, *gsl, *rt, *hs;
	char a[64], b[64], title[700], *body, *tmp, moves[300] = "";
	size_t nw, ng = 0, i, nmig = 0, nmove = 0, noff = 0, nret = 0;
	int64_t end;
	const char *act;
	int r;

	if (!json_object_object_get_ex(plan, "windows", &ws) ||
	    !json_object_object_get_ex(plan, "guests", &gsl) ||
	    (nw = json_object_array_length(ws)) == 0)
		return 0;
	for (i = 0; i < json_object_array_length(gsl); i++) {
		act = proto_get_str(json_object_array_get_idx(gsl, i), "action");
		nmove += strcmp(act, "move") == 0;
		noff += strcmp(act, "move-offline") == 0;
		ng += strncmp(act, "move", 4) != 0;
		nmig += strcmp(act, "live-migrate") == 0;
	}
	if (json_object_object_get_ex(plan, "retire", &rt) &&
	    json_object_object_get_ex(rt, "hosts", &hs))
		nret = json_object_array_length(hs);
	if (nret > 0)
		snprintf(moves, sizeof(moves), "%s%zu VPSes move from %zu older "
		    "host server%s to new ones%s, which are then retired: %zu "
		    "live-migrated with their disks, keeping running with a "
		    "pause under a second, %zu shut down while their disks are "
		    "copied.", plan_is_consolidation(plan) ? "" : " ",
		    nmove + noff, nret, nret == 1 ? "" : "s",
		    strcmp(proto_get_str(rt, "to"), "ssd") == 0 ?
		    " with SSDs" : "", nmove, noff);
	fmt_day(proto_get_int(json_object_array_get_idx(ws, 0), "start"), a,
	    sizeof(a));
	/* batches of a roll overlap: the latest end */
	for (i = 0, end = 0; i < nw; i++)
		if (proto_get_int(json_object_array_get_idx(ws, i), "end") > end)
			end = proto_get_int(json_object_array_get_idx(ws, i),
			    "end");
	fmt_day(end, b, sizeof(b));
	snprintf(title, sizeof(title), "Scheduled maintenance: %s",
	    plan_is_consolidation(plan) ? "moving VPSes to new host servers" :
	    proto_get_str(plan, "advisories"));
	if (plan_is_consolidation(plan))
		body = xasprintf("From %s through %s we will move VPSes to new "
		    "host servers. %s", a, b, moves);
	else if (plan_rolls_forward(plan))
		body = xasprintf("From %s through %s we will patch our host "
		    "servers for security advisories %s, a few at a time. %zu "
		    "of the %zu affected VPSes will be live-migrated once to a "
		    "newer host in the same place and keep running, with a "
		    "single pause under a second; the others will be shut down "
		    "cleanly while their host reboots.", a, b,
		    proto_get_str(plan, "advisories"), nmig, ng);
	else
		body = xasprintf("From %s through %s we will patch our host "
		    "servers for security advisories %s, in %zu window%s. %zu "
		    "of the %zu affected VPSes will be live-migrated and keep "
		    "running, with a pause under a second; the others will be "
		    "shut down cleanly while their host reboots.%s", a, b,
		    proto_get_str(plan, "advisories"), nw, nw == 1 ? "" : "s",
		    nmig, ng, moves);
	tmp = xasprintf("%s Every affected customer has been emailed the "
	    "window of each of their VPSes.%s%s%s", body,
	    d->cfg.irc_channel[0] ? " We will provide real-time updates in " :
	    "", d->cfg.irc_channel, d->cfg.irc_channel[0] ? "." : "");
	free(body);
	body = tmp;
	r = post_auto(d, "maintenance-scheduled", title, body, 0, NULL, e);
	free(body);
	return r;
}

/* Whether the array of names (or of {"customer": name}) holds name. */
static int
listed(json_object *arr, const char *name)
{
	json_object *v;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (json_object_is_type(v, json_type_object))
			v = json_object_object_get(v, "customer");
		if (v != NULL && strcmp(json_object_get_string(v), name) == 0)
			return 1;
	}
	return 0;
}

/*
 * One notice per customer and cycle.  A customer whose record the mail
 * builder refuses (an address from before the grammar was checked, say)
 * is named with the reason in "refused" and skipped; everyone else is
 * still notified.  Only a failure to spool or record (the disk, the
 * store) stops the run: what was done stays done, the rest is done by
 * asking again.
 */
int
maint_notify(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct customer_rec cu;
	json_object *plan = NULL, *gsl, *notified, *skipped, *already, *refused;
	json_object *o;
	struct spool *sp = NULL;
	struct spool_env senv;
	struct mail_env env;
	struct herr ce;
	int64_t id;
	char *text, *msg, why[sizeof(ce.msg)];
	size_t i, k, len;
	const char *owner;

	if (store_cycle_get(d->st, proto_int(r->params, "cycle", 0), &id, &text,
	    e) == -1)
		return -1;
	plan = json_tokener_parse(text);
	free(text);
	if (plan == NULL || !json_object_object_get_ex(plan, "guests", &gsl))
		return herr_set(e, HERR_INTERNAL, "stored plan is unreadable");
	if ((sp = spool_open(d->cfg.outbox_dir, e)) == NULL) {
		json_object_put(plan);
		return -1;
	}
	notified = json_object_new_array();
	skipped = json_object_new_array();
	already = json_object_new_array();
	refused = json_object_new_array();
	for (i = 0; i < json_object_array_length(gsl); i++) {
		owner = proto_get_str(json_object_array_get_idx(gsl, i), "owner");
		if (owner[0] == '\0' || store_customer_get(d->st, owner, &cu,
		    NULL) == -1)
			continue;
		/* each customer once, whatever number of VPSes it has */
		if (listed(notified, cu.name) || listed(already, cu.name) ||
		    listed(skipped, cu.name) || listed(refused, cu.name))
			continue;
		if (store_notice_done(d->st, id, cu.name)) {
			/* once per customer and cycle, whatever asks again */
			json_object_array_add(already,
			    json_object_new_string(cu.name));
			continue;
		}
		if (cu.email[0] == '\0') {
			json_object_array_add(skipped,
			    json_object_new_string(cu.name));
			continue;
		}
		herr_clear(&ce);
		if (mail_check_addr(cu.email, &ce) == -1 ||
		    notice_mail(d, plan, &cu, &msg, &len, &env, &ce) == -1) {
			str_sanitize(why, sizeof(why), ce.msg);
			log_warnx("maint notify: customer %s not notified: %s "
			    "(hangar customer set %s --email ...)", cu.name, why,
			    cu.name);
			o = json_object_new_object();
			json_object_object_add(o, "customer",
			    json_object_new_string(cu.name));
			json_object_object_add(o, "reason",
			    json_object_new_string(why));
			json_object_array_add(refused, o);
			continue;
		}
		memset(&senv, 0, sizeof(senv));
		senv.from = env.from;
		for (k = 0; k < env.nrcpt && k < SPOOL_MAXRCPT; k++)
			senv.rcpt[k] = env.rcpt[k];
		senv.nrcpt = k;
		/* durable first, recorded second: a crash resends, never loses */
		if (spool_put_env(sp, msg, len, &senv, NULL, 0, e) == -1 ||
		    store_notice_add(d->st, id, cu.name, e) == -1) {
			free(msg);
			goto fail;
		}
		free(msg);
		json_object_array_add(notified, json_object_new_string(cu.name));
	}
	spool_free(sp);
	/* once per cycle: the post on the status feed ("" is no customer) */
	if (!store_notice_done(d->st, id, "") &&
	    feed_scheduled(d, plan, e) == 0)
		store_notice_add(d->st, id, "", NULL);
	json_object_put(plan);
	outbox_flush(d);
	*res = json_object_new_object();
	json_object_object_add(*res, "cycle", json_object_new_int64(id));
	json_object_object_add(*res, "notified", notified);
	json_object_object_add(*res, "already_notified", already);
	json_object_object_add(*res, "no_email", skipped);
	json_object_object_add(*res, "refused", refused);
	return 0;
fail:
	spool_free(sp);
	json_object_put(plan);
	json_object_put(notified);
	json_object_put(skipped);
	json_object_put(already);
	json_object_put(refused);
	outbox_flush(d);	/* what was spooled still goes */
	return -1;
}
