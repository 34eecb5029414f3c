/*
 * incident_tell: telling customers about an incident, once each.
 *
 * Everything to tell is journaled in the store first (incident.c): the
 * timeline's rows remember whether they were said on IRC and posted,
 * and the notice rows whether each customer's mail was spooled.  This
 * file does the telling and marks it done:
 *
 *  - IRC: each timeline line is said, then marked (a line queued for the
 *    channel is lost with the process anyway, so a crash between the two
 *    says it again at most once);
 *  - the feed: the incident is posted once it has lasted
 *    incident_post_after seconds, in one transaction with the notice
 *    rows of its customers; updates and the resolution follow as
 *    incident-update posts, each post and its mark in one transaction;
 *  - mails: a due notice is composed, spooled to the durable outbox
 *    (fsync'd), then recorded as spooled.  A crash between the two
 *    leaves it spooled but due: at start-up, before the outbox is
 *    flushed, tell_resume finds it there by its Message-ID and records
 *    it.  No outbox flush runs while notices are spooled, so none can
 *    have been sent in between.  One mail per customer and kind, never
 *    two, none lost.  A customer whose address or time zone is bad is
 *    skipped, by name, and the others go on.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/incident.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/irc.h"
#include "notify/mail.h"
#include "notify/spool.h"

#define PUMP_SLICE_MS	20	/* of the loop's time per turn */

/* ---- times ---- */

static void
fmt_gmt(int64_t ms, const char *fmt, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, fmt, &tm);
}

void
tell_utc(int64_t ms, char *buf, size_t size)
{
	fmt_gmt(ms, "%Y-%m-%d %H:%M UTC", buf, size);
}

void
tell_span(int64_t ms, char *buf, size_t size)
{
	int64_t s = (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, size, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lld min", (long long)(s + 30) / 60);
	else
		snprintf(buf, size, "%lld h %02lld min", (long long)s / 3600,
		    (long long)(s % 3600 + 30) / 60);
}

/*
 * ms in the zone (checked by customer_check_notice), as fmt; loop thread
 * only.
 * TZ is switched only when the zone changes (tzset reads the zone's
 * file each time), and put back by zone_restore at the end of a slice.
 */
static void
fmt_zone(struct daemon *d, int64_t ms, const char *zone, const char *fmt,
    char *buf, size_t size)
{
	struct incidents *inc = d->inc;
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!inc->zoned) {
		free(inc->zone_was);
		inc->zone_was = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
		inc->zoned = 1;
		inc->zone[0] = '\0';
	}
	if (strcmp(inc->zone, zone) != 0) {
		setenv("TZ", zone, 1);
		tzset();
		str_copy(inc->zone, zone, sizeof(inc->zone));
	}
	localtime_r(&t, &tm);
	strftime(buf, size, fmt, &tm);
}

static void
zone_restore(struct daemon *d)
{
	struct incidents *inc = d->inc;

	if (!inc->zoned)
		return;
	if (inc->zone_was != NULL)
		setenv("TZ", inc->zone_was, 1);
	else
		unsetenv("TZ");
	tzset();
	free(inc->zone_was);
	inc->zone_was = NULL;
	inc->zoned = 0;
}

/* ---- what happened, in words for customers ---- */

/*
 * "host server h1 stopped answering", "host servers h1 and h2 stopped
 * answering", "a VPS on host server h1 stopped unexpectedly", "host
 * server h3 had a storage failure (SUMMARY)".  No customer names.
 */
static void
cause_words(struct daemon *d, const struct incident_rec *r, char *buf,
    size_t size)
{
	struct inc_host_rec *hs;
	struct inc_health_rec *he;
	char names[256] = "";
	size_t n, nh, i, k = 0;

	if (store_inc_hosts(d->st, r->id, &hs, &n, NULL) == -1)
		n = 0, hs = NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(r->cause, "host-unreachable") == 0 &&
		    strcmp(hs[i].cause, "host-unreachable") != 0)
			continue;
		if (k < 8)
			snprintf(names + strlen(names), sizeof(names) -
			    strlen(names), "%s%s", k == 0 ? "" : i + 1 == n ?
			    " and " : ", ", hs[i].host);
		k++;
	}
	free(hs);
	if (k > 8)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
		    " and %zu more", k - 8);
	if (strcmp(r->cause, "host-unreachable") == 0)
		snprintf(buf, size, "host server%s %s stopped answering",
		    k == 1 ? "" : "s", names);
	else if (strcmp(r->cause, "guest-crash") == 0)
		snprintf(buf, size, "VPSes on host server%s %s stopped "
		    "unexpectedly", k == 1 ? "" : "s", names);
	else {
		snprintf(buf, size, "host server%s %s had a storage failure",
		    k == 1 ? "" : "s", names);
		if (store_inc_health_list(d->st, r->id, &he, &nh, NULL) == 0) {
			if (nh > 0) {
				char sum[300];
				str_sanitize(sum, sizeof(sum), he[nh - 1].summary);
				snprintf(buf + strlen(buf), size - strlen(buf),
				    " (%s)", sum);
			}
			free(he);
		}
	}
}

/* ---- IRC and the feed ---- */

/* One post and its mark in the store, in one transaction; then the feed. */
static int
post_marked(struct daemon *d, struct post_rec *p, struct incident_rec *r,
    int seq, int irc, struct herr *e)
{
	json_object *res = NULL;

	if (store_begin(d->st, e) == -1)
		return -1;
	if (store_post_add(d->st, p, e) == -1)
		goto fail;
	if (seq >= 0 && store_inc_event_mark(d->st, r->id, seq, irc, p->id,
	    e) == -1)
		goto fail;
	if (seq < 0) {
		r->report_post = p->id;
		if (store_incident_set(d->st, r, e) == -1)
			goto fail;
	}
	if (store_commit(d->st, e) == -1)
		goto fail;
	if (post_publish(d, &res, e) == -1)
		log_warnx("status feed: %s", e->msg);
	json_object_put(res);
	return 0;
fail:
	store_rollback(d->st);
	return -1;
}

static void
post_init(struct daemon *d, struct post_rec *p, const char *kind,
    const char *title, const char *body, int64_t parent)
{
	memset(p, 0, sizeof(*p));
	str_copy(p->kind, kind, sizeof(p->kind));
	str_copy(p->title, title, sizeof(p->title));
	str_copy(p->author, d->cfg.feed_author, sizeof(p->author));
	p->body = (char *)body;
	p->published = (int64_t)time(NULL);
	p->parent = parent;
	p->downtime[0] = p->downtime[1] = p->downtime[2] = -1;
}

/* Given to the IRC client and not yet sent? */
static int
irc_pending(struct daemon *d, int64_t id, int seq)
{
	size_t i;

	for (i = 0; i < d->inc->nsaid; i++)
		if (d->inc->said[i].incident == id && d->inc->said[i].seq == seq)
			return 1;
	return 0;
}

static void
irc_give(struct daemon *d, int64_t id, int seq, const char *text)
{
	struct incidents *inc = d->inc;

	tell_irc(d, text);
	if (inc->nsaid == inc->capsaid) {
		inc->capsaid = inc->capsaid ? inc->capsaid * 2 : 8;
		inc->said = xreallocarray(inc->said, inc->capsaid,
		    sizeof(*inc->said));
	}
	inc->said[inc->nsaid].incident = id;
	inc->said[inc->nsaid++].seq = seq;
}

/*
 * A line counts as said once the client's queue is empty (the kernel
 * took it): a hangard killed before that says it again after its
 * restart, rather than never.
 */
void
tell_irc_sent(struct daemon *d)
{
	struct inc_event_rec *ev;
	size_t i, k, n;

	if (d->inc->nsaid == 0 || (d->irc != NULL && irc_queued(d->irc) > 0))
		return;
	for (i = 0; i < d->inc->nsaid; i++) {
		if (store_inc_events(d->st, d->inc->said[i].incident, &ev, &n,
		    NULL) == -1)
			continue;
		for (k = 0; k < n; k++)
			if (ev[k].seq == d->inc->said[i].seq)
				store_inc_event_mark(d->st,
				    d->inc->said[i].incident, ev[k].seq, 1,
				    ev[k].post, NULL);
		free(ev);
	}
	d->inc->nsaid = 0;
}

void
tell_timeline(struct daemon *d, const struct incident_rec *r)
{
	struct inc_event_rec *ev;
	struct incident_rec rr = *r;
	struct post_rec p;
	struct herr e;
	char title[300];
	size_t n, i;
	int said;

	if (store_inc_events(d->st, r->id, &ev, &n, NULL) == -1)
		return;
	for (i = 0; i < n; i++) {
		said = ev[i].irc;
		if (ev[i].irc == 0 && r->announce && d->irc != NULL) {
			if (!irc_pending(d, r->id, ev[i].seq))
				irc_give(d, r->id, ev[i].seq, ev[i].text);
		} else if (ev[i].irc == 0) {
			/* no IRC here, or not for customers */
			said = r->announce ? 1 : -1;
			store_inc_event_mark(d->st, r->id, ev[i].seq, said,
			    ev[i].post, NULL);
		}
		if (ev[i].post != 0)
			continue;
		if (r->posted == 0) {
			/* never posted: the first post says it all */
			if (strcmp(r->state, "resolved") == 0 || !r->announce)
				store_inc_event_mark(d->st, r->id, ev[i].seq,
				    said, -1, NULL);
			continue;
		}
		snprintf(title, sizeof(title), "%s: %s",
		    strcmp(ev[i].kind, "resolved") == 0 ? "Resolved" : "Update",
		    r->title);
		post_init(d, &p, "incident-update", title, ev[i].text,
		    r->post_id);
		herr_clear(&e);
		if (post_marked(d, &p, &rr, ev[i].seq, said, &e) == -1)
			log_warnx("incident %lld: update not posted: %s",
			    (long long)r->id, e.msg);
	}
	free(ev);
}

/* The incident on the feed, and its customers' notices due; once. */
void
tell_due(struct daemon *d, const struct incident_rec *r)
{
	struct incident_rec rr = *r;
	struct inc_event_rec *ev = NULL;
	struct post_rec p;
	struct herr e;
	char (*cs)[64] = NULL;
	char cause[600], when[40], title[300], *body;
	size_t n = 0, nev = 0, i;
	json_object *res = NULL;
	int64_t now = (int64_t)time(NULL);

	if (r->posted > 0 || !r->announce || r->nguests == 0 ||
	    strcmp(r->state, "open") != 0 ||
	    now - r->opened_ms / 1000 < d->cfg.incident_post_after)
		return;
	cause_words(d, r, cause, sizeof(cause));
	tell_utc(r->opened_ms, when, sizeof(when));
	snprintf(title, sizeof(title), "Incident: %s", r->title);
	body = xasprintf("Since %s, %s. %d VPS%s %s down. We are working on "
	    "it and will post updates here%s%s%s. Every affected customer is "
	    "being emailed.", when, cause, r->nguests, r->nguests == 1 ? "" :
	    "es", r->nguests == 1 ? "is" : "are",
	    d->cfg.irc_channel[0] ? " and in " : "", d->cfg.irc_channel,
	    d->cfg.irc_channel[0] ? " on IRC" : "");
	post_init(d, &p, "incident", title, body, 0);
	herr_clear(&e);
	if (store_begin(d->st, &e) == -1)
		goto fail;
	if (store_post_add(d->st, &p, &e) == -1 ||
	    store_inc_customers(d->st, r->id, &cs, &n, &e) == -1 ||
	    store_inc_events(d->st, r->id, &ev, &nev, &e) == -1)
		goto fail;
	rr.posted = now;
	rr.post_id = p.id;
	if (store_incident_set(d->st, &rr, &e) == -1)
		goto fail;
	if (store_inc_notices_add_all(d->st, r->id, "open", &e) == -1)
		goto fail;
	/* what happened before is in this post */
	for (i = 0; i < nev; i++)
		if (ev[i].post == 0 && store_inc_event_mark(d->st, r->id,
		    ev[i].seq, ev[i].irc, -1, &e) == -1)
			goto fail;
	if (store_commit(d->st, &e) == -1)
		goto fail;
	d->inc->pump = 1;
	incident_failpoint("posted");
	if (post_publish(d, &res, &e) == -1)
		log_warnx("status feed: %s", e.msg);
	json_object_put(res);
	log_info("incident %lld posted (post %lld); %zu customers to tell",
	    (long long)r->id, (long long)p.id, n);
	free(body);
	free(cs);
	free(ev);
	return;
fail:
	store_rollback(d->st);
	log_warnx("incident %lld: not posted: %s", (long long)r->id, e.msg);
	free(body);
	free(cs);
	free(ev);
}

/* ---- the customers' mails ---- */

static const char *
mail_domain(struct daemon *d)
{
	const char *at = strrchr(d->cfg.mail_from, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : "localhost";
}

/* One line per VPS of the customer, in UTC and in their zone. */
static char *
vps_lines(struct daemon *d, const struct inc_guest_rec *gs, size_t n,
    const char *tz, int open)
{
	char a[40], b[40], za[40], zb[40], span[40], *out = xstrdup(""), *t;
	const char *how;
	size_t i;

	for (i = 0; i < n; i++) {
		if (gs[i].nintervals == 0)
			continue;
		fmt_gmt(gs[i].down_ms, "%H:%M", a, sizeof(a));
		fmt_zone(d, gs[i].down_ms, tz, "%H:%M %Z", za, sizeof(za));
		if (open)
			t = xasprintf("%s- %s: down since %s UTC (%s)\n", out,
			    gs[i].guest, a, za);
		else {
			fmt_gmt(gs[i].up_ms, "%H:%M", b, sizeof(b));
			fmt_zone(d, gs[i].up_ms, tz, "%H:%M %Z", zb, sizeof(zb));
			tell_span(gs[i].total_ms, span, sizeof(span));
			how = strcmp(gs[i].recovery, "opt-out") == 0 ?
			    "not started again, as you asked (restart after "
			    "outage is off)" :
			    strcmp(gs[i].recovery, "failed") == 0 ||
			    strcmp(gs[i].recovery, "missing") == 0 ?
			    "it could not be started yet: we are on it" :
			    "running again";
			t = xasprintf("%s- %s: down from %s to %s UTC (%s to "
			    "%s), %s; %s.\n", out, gs[i].guest, a, b, za, zb,
			    span, how);
		}
		free(out);
		out = t;
	}
	return out;
}

/* The mail for one notice; -1 with e (HERR_USAGE: a bad record). */
static int
compose(struct daemon *d, const struct incident_rec *r,
    const struct customer_rec *cu, const char *kind, char **msg, size_t *len,
    struct mail_env *env, struct herr *e)
{
	struct inc_guest_rec *gs;
	struct mail *m;
	char subject[300], msgid[300], cause[600], utc[40], zoned[40];
	char rutc[40], rzoned[40], *lines, *body, *updates;
	size_t n, i, nvps = 0;
	int open = strcmp(kind, "open") == 0, rc;

	if (store_inc_guests_of(d->st, r->id, cu->name, &gs, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++)
		nvps += gs[i].nintervals > 0;
	if (nvps == 0) {
		free(gs);
		return herr_set(e, HERR_STATE, "no VPS of theirs was down");
	}
	/* the same for every customer of the incident: once per pump */
	if (d->inc->words_id != r->id) {
		cause_words(d, r, d->inc->words, sizeof(d->inc->words));
		d->inc->words_id = r->id;
	}
	str_copy(cause, d->inc->words, sizeof(cause));
	tell_utc(gs[0].down_ms, utc, sizeof(utc));
	fmt_zone(d, gs[0].down_ms, cu->tz, "%Y-%m-%d %H:%M %Z", zoned,
	    sizeof(zoned));
	lines = vps_lines(d, gs, n, cu->tz, open);
	updates = xasprintf("%s%s%s%s", d->cfg.feed_base_url,
	    d->cfg.irc_channel[0] ? " and " : "", d->cfg.irc_channel,
	    d->cfg.irc_channel[0] ? " on IRC" : "");
	if (open) {
		if (nvps == 1)
			snprintf(subject, sizeof(subject), "Outage: your VPS %s "
			    "is down", gs[0].guest);
		else
			snprintf(subject, sizeof(subject), "Outage: %zu of your "
			    "VPSes are down", nvps);
		body = xasprintf("Hello %s,\n\nsince %s (%s, your time) %s, "
		    "and %s of your VPSes %s down:\n\n%s\nWe are working on it "
		    "and will write again when it is resolved. Updates as "
		    "they happen: %s\n", cu->name, utc, zoned, cause,
		    nvps == 1 ? "this one" : "these", nvps == 1 ? "is" : "are",
		    lines, updates);
	} else {
		tell_utc(r->resolved_ms, rutc, sizeof(rutc));
		fmt_zone(d, r->resolved_ms, cu->tz, "%Y-%m-%d %H:%M %Z", rzoned,
		    sizeof(rzoned));
		if (nvps == 1)
			snprintf(subject, sizeof(subject), "Resolved: the "
			    "outage of your VPS %s", gs[0].guest);
		else
			snprintf(subject, sizeof(subject), "Resolved: the "
			    "outage of %zu of your VPSes", nvps);
		body = xasprintf("Hello %s,\n\nthe outage that began at %s "
		    "(%s, your time), when %s, was resolved at %s (%s):\n\n"
		    "%s\nWe are sorry for the trouble. The retrospective "
		    "will be posted at %s\n", cu->name, utc, zoned, cause,
		    rutc, rzoned, lines, d->cfg.feed_base_url);
	}
	snprintf(msgid, sizeof(msgid), "<incident-%lld-%s-%s@%s>",
	    (long long)r->id, kind, cu->name, mail_domain(d));
	m = mail_new();
	rc = mail_header(m, "From", d->cfg.mail_from, e) == -1 ||
	    mail_header(m, "To", cu->email, e) == -1 ||
	    mail_header(m, "Subject", subject, e) == -1 ||
	    mail_header(m, "Message-ID", msgid, e) == -1 ||
	    mail_body(m, body, e) == -1 ||
	    mail_envelope(m, env, e) == -1 ||
	    mail_render(m, msg, len, e) == -1 ? -1 : 0;
	if (rc == -1)
		e->code = HERR_USAGE;
	mail_free(m);
	free(body);
	free(lines);
	free(updates);
	free(gs);
	return rc;
}

static void
skip(struct daemon *d, const struct inc_notice_rec *nr, const char *why)
{
	char clean[256];

	str_sanitize(clean, sizeof(clean), why);
	store_inc_notice_set(d->st, nr->incident_id, nr->customer, nr->kind,
	    "skipped", clean, NULL);
	log_warnx("incident %lld: customer %s not told (%s mail): %s",
	    (long long)nr->incident_id, nr->customer, nr->kind, clean);
}

/*
 * Mails are composed on the loop (they read the store) and written to
 * the outbox by a thread of their own, a batch at a time: each spool_put
 * fsyncs a file and the directory, and on a busy disk that is tens of
 * milliseconds the loop would otherwise stand still.  The batch is
 * recorded as spooled when the thread is done, on the loop: spool, then
 * record.  While a batch is out the outbox counts as busy (d->flushing),
 * so no flush can send a mail before it is recorded.
 */
#define BATCH_MAX	64

struct wbatch {
	struct spool		*sp;	/* d->inc->spool, lent to the thread */
	struct inc_notice_rec	 ns[BATCH_MAX];
	char			*msg[BATCH_MAX];
	size_t			 len[BATCH_MAX];
	struct mail_env		 env[BATCH_MAX];	/* for the SMTP server */
	size_t			 n;
	size_t			 done;	/* spooled, in order */
	struct herr		 err;
	int			 finished;	/* atomic: the thread is out */
};

/* Composes nr into b, or records why it is skipped; -1: stop (e). */
static int
notice_compose(struct daemon *d, struct incident_rec *cache,
    const struct inc_notice_rec *nr, struct wbatch *b, struct herr *e)
{
	struct customer_rec cu;
	struct herr e2;
	char why[300];

	if (cache->id != nr->incident_id &&
	    store_incident_get(d->st, nr->incident_id, cache, e) == -1)
		return -1;
	if (store_customer_get(d->st, nr->customer, &cu, NULL) == -1) {
		skip(d, nr, "no such customer any more");
		return 0;
	}
	if (cu.email[0] == '\0') {
		skip(d, nr, "no email address");
		return 0;
	}
	/* the one check of customers' records (customer.c), as at the door:
	   an older release's records may not pass it */
	herr_clear(&e2);
	if (customer_check_notice(cu.email, cu.tz, &e2) == -1) {
		skip(d, nr, e2.msg);
		return 0;
	}
	herr_clear(&e2);
	if (compose(d, cache, &cu, nr->kind, &b->msg[b->n], &b->len[b->n],
	    &b->env[b->n], &e2) == -1) {
		if (e2.code == HERR_INTERNAL) {
			*e = e2;
			return -1;
		}
		snprintf(why, sizeof(why), "%s%.250s",
		    e2.code == HERR_USAGE ? "bad address or mail: " : "",
		    e2.msg);
		skip(d, nr, why);
		return 0;
	}
	b->ns[b->n++] = *nr;
	return 0;
}

static void
writer_run(struct job *j)
{
	struct wbatch *b = j->ext;
	struct spool_env env;
	size_t k;

	for (b->done = 0; b->done < b->n; b->done++) {
		/* the envelope the builder returned, kept beside the mail */
		memset(&env, 0, sizeof(env));
		env.from = b->env[b->done].from;
		for (k = 0; k < b->env[b->done].nrcpt && k < SPOOL_MAXRCPT; k++)
			env.rcpt[k] = b->env[b->done].rcpt[k];
		env.nrcpt = k;
		if (spool_put_env(b->sp, b->msg[b->done], b->len[b->done], &env,
		    NULL, 0, &b->err) == -1)
			break;
	}
	__atomic_store_n(&b->finished, 1, __ATOMIC_RELEASE);
}

static void
writer_done(struct daemon *d, struct job *j)
{
	struct wbatch *b = j->ext;
	struct herr e;
	char fp[64];
	size_t i;

	d->inc->batch = NULL;
	d->flushing = 0;	/* the outbox is free again */
	d->inc->pump = 1;	/* what is left, and what came meanwhile */
	for (i = 0; i < b->done; i++) {
		snprintf(fp, sizeof(fp), "mail-spooled:%s", b->ns[i].kind);
		incident_failpoint(fp);
	}
	herr_clear(&e);
	if (b->done > 0 && store_begin(d->st, &e) == 0) {
		for (i = 0; i < b->done; i++)
			if (store_inc_notice_set(d->st, b->ns[i].incident_id,
			    b->ns[i].customer, b->ns[i].kind, "spooled", "",
			    &e) == -1)
				break;
		if (i < b->done || store_commit(d->st, &e) == -1) {
			/* spooled, unrecorded: tell_resume finds them */
			store_rollback(d->st);
			log_warnx("incident notices: %s", e.msg);
		}
		d->inc->unflushed = 1;
	}
	for (i = 0; i < b->done; i++) {
		snprintf(fp, sizeof(fp), "mail-recorded:%s", b->ns[i].kind);
		incident_failpoint(fp);
	}
	if (b->done < b->n)
		log_warnx("incident notices: the outbox: %s (retried in a "
		    "second)", b->err.msg);
	for (i = 0; i < b->n; i++)
		free(b->msg[i]);
	free(b);
	j->ext = NULL;
}

int
tell_pump(struct daemon *d)
{
	struct inc_notice_rec *ns;
	struct incident_rec cache;
	struct wbatch *b;
	struct herr e;
	struct job *j;
	int64_t t0 = mono_ms();
	size_t n, i;
	int more = 0;

	/* every turn of the loop: lines the IRC client has sent */
	tell_irc_sent(d);
	/* a batch is out, or a flush could send what we spool before we
	   record it */
	if (d->inc->batch != NULL || d->flushing || !d->inc->pump)
		return 0;
	memset(&cache, 0, sizeof(cache));
	d->inc->words_id = 0;
	herr_clear(&e);
	if (d->inc->spool == NULL &&
	    (d->inc->spool = spool_open(d->cfg.outbox_dir, &e)) == NULL) {
		log_warnx("incident notices: %s", e.msg);
		return 0;
	}
	if (store_inc_notices_due(d->st, BATCH_MAX, &ns, &n, &e) == -1)
		return 0;
	b = xcalloc(1, sizeof(*b));
	for (i = 0; i < n && b->n < BATCH_MAX; i++) {
		if (mono_ms() - t0 >= PUMP_SLICE_MS) {
			more = 1;
			break;
		}
		if (notice_compose(d, &cache, &ns[i], b, &e) == -1) {
			log_warnx("incident notices: %s (retried in a "
			    "second)", e.msg);
			break;
		}
	}
	zone_restore(d);
	free(ns);
	if (b->n == 0) {
		free(b);
		if (n == 0) {
			d->inc->pump = 0;	/* until something is due */
			if (d->inc->unflushed) {
				d->inc->unflushed = 0;
				outbox_flush(d);
			}
		}
		return more;
	}
	/* the outbox is ours until the batch is recorded */
	b->sp = d->inc->spool;
	d->flushing = 1;
	d->inc->batch = b;
	j = job_new(NULL, writer_run, writer_done, NULL, 0);
	j->ext = b;
	job_spawn(d, j);
	return 0;	/* the thread's end wakes the loop */
}

/* At exit: a batch still being written keeps its spool. */
void
tell_free(struct daemon *d)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; d->inc->batch != NULL && i < 500 &&
	    !__atomic_load_n(&d->inc->batch->finished, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	if (d->inc->batch == NULL ||
	    __atomic_load_n(&d->inc->batch->finished, __ATOMIC_ACQUIRE)) {
		spool_free(d->inc->spool);
		d->inc->spool = NULL;
	}
}

/* ---- after a crash ---- */

/* "<incident-ID-KIND-CUSTOMER@" in a spooled message's header. */
static int
spooled_notice(const char *text, int64_t *id, char *kind, size_t ksize,
    char *cust, size_t csize)
{
	const char *p = strstr(text, "\r\nMessage-ID: <incident-"), *q, *at;
	long long v;
	char *end;

	if (p == NULL)
		return -1;
	p += strlen("\r\nMessage-ID: <incident-");
	v = strtoll(p, &end, 10);
	if (end == p || *end != '-' || v <= 0)
		return -1;
	q = end + 1;
	if ((end = strchr(q, '-')) == NULL || (size_t)(end - q) >= ksize ||
	    (at = strchr(end + 1, '@')) == NULL ||
	    (size_t)(at - end - 1) >= csize)
		return -1;
	memcpy(kind, q, (size_t)(end - q));
	kind[end - q] = '\0';
	memcpy(cust, end + 1, (size_t)(at - end - 1));
	cust[at - end - 1] = '\0';
	*id = v;
	return 0;
}

void
tell_resume(struct daemon *d)
{
	struct inc_notice_rec *ns;
	struct incident_rec *rs;
	struct dirent *de;
	json_object *res = NULL;
	struct herr e;
	char path[1400], buf[8192], kind[16], cust[64];
	size_t n, i, nr, found = 0;
	int64_t id;
	ssize_t got;
	DIR *dir;
	int fd, posted = 0;

	/* the feed as the store has it (a post a crash left unrendered) */
	if (store_incident_list(d->st, 0, &rs, &nr, NULL) == 0) {
		for (i = 0; i < nr; i++)
			posted |= rs[i].posted > 0;
		free(rs);
		herr_clear(&e);
		if (posted && post_publish(d, &res, &e) == -1)
			log_warnx("status feed: %s", e.msg);
		json_object_put(res);
	}
	if (store_inc_notices_due(d->st, 1000000, &ns, &n, NULL) == -1)
		return;
	if (n == 0 || (dir = opendir(d->cfg.outbox_dir)) == NULL) {
		free(ns);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strlen(de->d_name) < 5 || strcmp(de->d_name +
		    strlen(de->d_name) - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->cfg.outbox_dir,
		    de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		if (spooled_notice(buf, &id, kind, sizeof(kind), cust,
		    sizeof(cust)) == -1)
			continue;
		for (i = 0; i < n; i++)
			if (ns[i].incident_id == id &&
			    strcmp(ns[i].kind, kind) == 0 &&
			    strcmp(ns[i].customer, cust) == 0 &&
			    strcmp(ns[i].state, "due") == 0) {
				store_inc_notice_set(d->st, id, cust, kind,
				    "spooled", "found in the outbox after a "
				    "restart", NULL);
				str_copy(ns[i].state, "spooled",
				    sizeof(ns[i].state));
				found++;
			}
	}
	closedir(dir);
	free(ns);
	if (found > 0)
		log_info("%zu incident notice(s) found spooled after a crash: "
		    "not spooled again", found);
}

/* ---- the retrospective ---- */

int
tell_retrospective(struct daemon *d, struct incident_rec *r,
    json_object *rep, struct herr *e)
{
	struct post_rec p;
	json_object *v;
	char title[300], cause[600], a[40], b[40], hosts[100], *body;
	int64_t avg = -1, hi = -1, lo = -1, host_s = -1;
	int rc;

	if (r->report_post > 0)
		return herr_set(e, HERR_EXISTS, "the retrospective of incident "
		    "%lld is post %lld already", (long long)r->id,
		    (long long)r->report_post);
	if (strcmp(r->state, "resolved") != 0)
		return herr_set(e, HERR_STATE, "incident %lld is not resolved "
		    "yet", (long long)r->id);
	if (json_object_object_get_ex(rep, "guest_avg_ms", &v))
		avg = json_object_get_int64(v);
	if (json_object_object_get_ex(rep, "guest_longest_ms", &v))
		hi = json_object_get_int64(v);
	if (json_object_object_get_ex(rep, "guest_shortest_ms", &v))
		lo = json_object_get_int64(v);
	if (json_object_object_get_ex(rep, "host_longest_s", &v))
		host_s = json_object_get_int64(v);
	cause_words(d, r, cause, sizeof(cause));
	tell_utc(r->opened_ms, a, sizeof(a));
	tell_utc(r->resolved_ms, b, sizeof(b));
	snprintf(title, sizeof(title), "Retrospective: %s", r->title);
	if (host_s >= 0)
		snprintf(hosts, sizeof(hosts), " The longest host was "
		    "unreachable for %lld minutes.", (long long)(host_s + 30) /
		    60);
	else
		hosts[0] = '\0';
	if (avg < 0)
		body = xasprintf("On %s %s. No VPS was down.%s The incident "
		    "was resolved at %s.", a, cause, hosts, b);
	else
		body = xasprintf("On %s %s. %d VPS%s %s down: on average for "
		    "%lld minutes, the longest for %lld minutes, the shortest "
		    "for %lld minutes.%s The incident was resolved at %s.",
		    a, cause, r->nguests, r->nguests == 1 ? "" : "es",
		    r->nguests == 1 ? "was" : "were", (long long)(avg + 30000) /
		    60000, (long long)(hi + 30000) / 60000,
		    (long long)(lo + 30000) / 60000, hosts, b);
	post_init(d, &p, r->posted > 0 ? "incident-update" : "incident", title,
	    body, r->posted > 0 ? r->post_id : 0);
	if (avg >= 0) {
		p.downtime[0] = (int)((avg + 30000) / 60000);
		p.downtime[1] = (int)((hi + 30000) / 60000);
		p.downtime[2] = (int)((lo + 30000) / 60000);
	}
	rc = post_marked(d, &p, r, -1, 0, e);
	free(body);
	return rc;
}
