/*
 * announce: advisories (which hosts a security advisory affects, read
 * against the hypervisor versions libvirt reported) and the status feed's
 * posts (Atom + static HTML, rendered by notify/feed).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "maint/advisory.h"
#include "notify/feed.h"
#include "notify/timeline_json.h"

static json_object *
advisory_json(const struct advisory_rec *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "title", json_object_new_string(a->title));
	json_object_object_add(o, "affects",
	    json_object_new_string(a->affects));
	json_object_object_add(o, "action", json_object_new_string(a->action));
	json_object_object_add(o, "cves", json_object_new_string(a->cves));
	if (a->public_time > 0) {
		char when[32];
		time_t t = (time_t)a->public_time;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		json_object_object_add(o, "public", json_object_new_string(when));
	}
	return o;
}

static int
advisory_id_ok(const char *id)
{
	size_t i;

	if (id[0] == '\0' || strlen(id) > 31)
		return 0;
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' &&
		    id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

int
advisory_add(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct advisory_rec a;
	const char *action = proto_str(r->params, "action");

	memset(&a, 0, sizeof(a));
	if (!advisory_id_ok(proto_str(r->params, "id")))
		return herr_set(e, HERR_USAGE, "bad advisory id (e.g. XSA-213)");
	str_copy(a.id, proto_str(r->params, "id"), sizeof(a.id));
	str_copy(a.title, proto_str(r->params, "title"), sizeof(a.title));
	str_copy(a.affects, proto_str(r->params, "affects"), sizeof(a.affects));
	if (adv_affects_check(a.affects, e) == -1)
		return -1;
	if (action == NULL)
		action = "reboot";
	if (strcmp(action, "reboot") != 0 && strcmp(action, "live-patch") != 0 &&
	    strcmp(action, "none") != 0)
		return herr_set(e, HERR_USAGE, "action must be reboot, "
		    "live-patch or none");
	str_copy(a.action, action, sizeof(a.action));
	if (proto_str(r->params, "cves") != NULL)
		str_copy(a.cves, proto_str(r->params, "cves"), sizeof(a.cves));
	a.public_time = proto_int(r->params, "public_time", 0);
	if (store_advisory_add(d->st, &a, e) == -1)
		return -1;
	log_info("advisory %s added (%s)", a.id, a.affects);
	*res = advisory_json(&a);
	return 0;
}

int
advisory_list(struct daemon *d, json_object **res, struct herr *e)
{
	struct advisory_rec *as;
	size_t n, i;

	if (store_advisory_list(d->st, &as, &n, e) == -1)
		return -1;
	*res = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(*res, advisory_json(&as[i]));
	free(as);
	return 0;
}

/* Every host with what it needs for the advisory: action, or "nothing". */
int
advisory_impact(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct advisory_rec a;
	struct host_rec *hs;
	json_object *hosts, *o;
	size_t n, i;
	int hit, affected = 0;

	if (store_advisory_get(d->st, proto_str(r->params, "id"), &a, e) == -1 ||
	    store_host_list(d->st, &hs, &n, e) == -1)
		return -1;
	hosts = json_object_new_array();
	for (i = 0; i < n; i++) {
		hit = adv_affects(a.affects, hs[i].hv_type, hs[i].hv_version,
		    NULL);
		o = json_object_new_object();
		json_object_object_add(o, "host",
		    json_object_new_string(hs[i].name));
		json_object_object_add(o, "hypervisor",
		    json_object_new_string(hs[i].hv_type));
		json_object_object_add(o, "version",
		    json_object_new_string(hs[i].hv_version));
		json_object_object_add(o, "guests",
		    json_object_new_int(hs[i].guests));
		json_object_object_add(o, "needs", json_object_new_string(
		    hit == 1 ? a.action : "nothing"));
		json_object_array_add(hosts, o);
		affected += hit == 1 && strcmp(a.action, "none") != 0;
	}
	free(hs);
	*res = advisory_json(&a);
	json_object_object_add(*res, "affected_hosts",
	    json_object_new_int(affected));
	json_object_object_add(*res, "hosts", hosts);
	return 0;
}

/* ---- posts ---- */

static json_object *
post_json(const struct post_rec *p)
{
	json_object *o = json_object_new_object();
	char when[32];
	time_t t = (time_t)p->published;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "kind", json_object_new_string(p->kind));
	json_object_object_add(o, "title", json_object_new_string(p->title));
	json_object_object_add(o, "author", json_object_new_string(p->author));
	json_object_object_add(o, "published", json_object_new_string(when));
	if (p->parent > 0)
		json_object_object_add(o, "parent",
		    json_object_new_int64(p->parent));
	if (p->downtime[0] >= 0) {
		json_object_object_add(o, "avg_downtime_min",
		    json_object_new_int(p->downtime[0]));
		json_object_object_add(o, "longest_downtime_min",
		    json_object_new_int(p->downtime[1]));
		json_object_object_add(o, "shortest_downtime_min",
		    json_object_new_int(p->downtime[2]));
	}
	json_object_object_add(o, "body", json_object_new_string(p->body));
	return o;
}

int
post_add(struct daemon *d, struct proto_req *r, json_object **res,
    struct herr *e)
{
	struct post_rec p;
	struct post fp;
	const char *kind = proto_str(r->params, "kind");
	const char *author = proto_str(r->params, "author");
	char idbuf[24];

	memset(&p, 0, sizeof(p));
	if (post_kind_from_name(kind) < 0)
		return herr_set(e, HERR_USAGE, "kind must be one of "
		    "maintenance-scheduled, maintenance-in-progress, "
		    "maintenance-completed, incident, incident-update, "
		    "announcement");
	str_copy(p.kind, kind, sizeof(p.kind));
	str_copy(p.title, proto_str(r->params, "title"), sizeof(p.title));
	str_copy(p.author, author ? author : d->cfg.feed_author,
	    sizeof(p.author));
	p.body = (char *)proto_str(r->params, "body");
	p.published = (int64_t)time(NULL);
	p.parent = proto_int(r->params, "parent", 0);
	p.downtime[0] = (int)proto_int(r->params, "avg", -1);
	p.downtime[1] = (int)proto_int(r->params, "longest", -1);
	p.downtime[2] = (int)proto_int(r->params, "shortest", -1);
	if ((p.downtime[0] >= 0) != (p.downtime[1] >= 0) ||
	    (p.downtime[0] >= 0) != (p.downtime[2] >= 0))
		return herr_set(e, HERR_USAGE, "give all three downtime figures "
		    "(--avg, --longest, --shortest) or none");
	if (strcmp(kind, "incident-update") == 0 && p.parent <= 0)
		return herr_set(e, HERR_USAGE, "an incident update needs "
		    "--parent INCIDENT-POST");
	/* the feed's own rules, before anything is stored */
	memset(&fp, 0, sizeof(fp));
	snprintf(idbuf, sizeof(idbuf), "check");
	fp.id = idbuf;
	fp.kind = (enum post_kind)post_kind_from_name(kind);
	fp.title = p.title;
	fp.body = p.body;
	fp.published = (time_t)p.published;
	fp.parent = p.parent > 0 ? "parent" : NULL;
	fp.downtime.present = p.downtime[0] >= 0;
	fp.downtime.average = (unsigned)p.downtime[0];
	fp.downtime.longest = (unsigned)p.downtime[1];
	fp.downtime.shortest = (unsigned)p.downtime[2];
	if (post_check(&fp, e) == -1 || store_post_add(d->st, &p, e) == -1)
		return -1;
	log_info("post %lld added: %s", (long long)p.id, p.kind);
	*res = post_json(&p);
	return 0;
}

int
post_list(struct daemon *d, json_object **res, struct herr *e)
{
	struct post_rec *ps;
	size_t n, i;

	if (store_post_list(d->st, &ps, &n, e) == -1)
		return -1;
	*res = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(*res, post_json(&ps[i]));
	store_post_list_free(ps, n);
	return 0;
}

/*
 * The pictures of the posts that have one, parsed, in fp (n posts, ids
 * ps); docs[i] is the caller's to free.  A timeline that does not parse
 * is logged and left out: the post is published without it.
 */
static void
attach_timelines(struct daemon *d, const struct post_rec *ps, struct post *fp,
    size_t n, struct feed_timeline_doc **docs)
{
	struct post_timeline *tl;
	size_t nt, i, k;
	struct herr e;

	herr_clear(&e);
	if (store_post_timelines(d->st, &tl, &nt, &e) == -1) {
		log_warnx("status feed: %s", e.msg);
		return;
	}
	for (k = 0; k < nt; k++)
		for (i = 0; i < n; i++) {
			if (ps[i].id != tl[k].post)
				continue;
			if (feed_timeline_parse(tl[k].json, strlen(tl[k].json),
			    &docs[i], &e) == -1)
				log_warnx("post %lld: %s", (long long)ps[i].id,
				    e.msg);
			else
				fp[i].timeline = &docs[i]->t;
		}
	store_post_timelines_free(tl, nt);
}

/* Renders every post into feed_dir (feed.atom, index.html). */
int
post_publish(struct daemon *d, json_object **res, struct herr *e)
{
	struct post_rec *ps;
	struct post *fp;
	struct feed_meta m;
	struct feed_timeline_doc **docs;
	char (*ids)[24];
	size_t n, i;
	int r;

	if (mkdir(d->cfg.feed_dir, 0755) == -1 && errno != EEXIST)
		return herr_set(e, HERR_INTERNAL, "mkdir %s: %s", d->cfg.feed_dir,
		    strerror(errno));
	if (store_post_list(d->st, &ps, &n, e) == -1)
		return -1;
	fp = xcalloc(n, sizeof(*fp));
	ids = xcalloc(n * 2 + 1, sizeof(*ids));
	for (i = 0; i < n; i++) {
		snprintf(ids[2 * i], sizeof(ids[0]), "%lld",
		    (long long)ps[i].id);
		snprintf(ids[2 * i + 1], sizeof(ids[0]), "%lld",
		    (long long)ps[i].parent);
		fp[i].id = ids[2 * i];
		fp[i].kind = (enum post_kind)post_kind_from_name(ps[i].kind);
		fp[i].title = ps[i].title;
		fp[i].author = ps[i].author[0] ? ps[i].author : NULL;
		fp[i].published = (time_t)ps[i].published;
		fp[i].body = ps[i].body;
		fp[i].parent = ps[i].parent > 0 ? ids[2 * i + 1] : NULL;
		fp[i].downtime.present = ps[i].downtime[0] >= 0;
		fp[i].downtime.average = (unsigned)ps[i].downtime[0];
		fp[i].downtime.longest = (unsigned)ps[i].downtime[1];
		fp[i].downtime.shortest = (unsigned)ps[i].downtime[2];
	}
	docs = xcalloc(n + 1, sizeof(*docs));
	attach_timelines(d, ps, fp, n, docs);
	memset(&m, 0, sizeof(m));
	m.title = d->cfg.feed_title;
	m.base_url = d->cfg.feed_base_url;
	m.author = d->cfg.feed_author;
	m.now = time(NULL);
	r = feed_write(d->cfg.feed_dir, fp, n, &m, e);
	for (i = 0; i < n; i++)
		feed_timeline_doc_free(docs[i]);
	free(docs);
	free(fp);
	free(ids);
	store_post_list_free(ps, n);
	if (r == -1)
		return -1;
	log_info("status feed published: %zu posts in %s", n, d->cfg.feed_dir);
	*res = json_object_new_object();
	json_object_object_add(*res, "posts", json_object_new_int((int)n));
	json_object_object_add(*res, "dir", json_object_new_string(
	    d->cfg.feed_dir));
	return 0;
}

/*
 * A post hangard writes itself (maintenance runs), published at once.
 * downtime: average, longest, shortest minutes, or NULL.
 */
int
post_auto(struct daemon *d, const char *kind, const char *title,
    const char *body, int64_t parent, const int *downtime, struct herr *e)
{
	return post_auto_timeline(d, kind, title, body, parent, downtime,
	    NULL, e);
}

int
post_auto_timeline(struct daemon *d, const char *kind, const char *title,
    const char *body, int64_t parent, const int *downtime,
    json_object *timeline, struct herr *e)
{
	struct post_rec p;
	json_object *res = NULL;
	struct herr e2;
	int r;

	memset(&p, 0, sizeof(p));
	str_copy(p.kind, kind, sizeof(p.kind));
	str_copy(p.title, title, sizeof(p.title));
	str_copy(p.author, d->cfg.feed_author, sizeof(p.author));
	p.body = (char *)body;
	p.published = (int64_t)time(NULL);
	p.parent = parent;
	p.downtime[0] = downtime ? downtime[0] : -1;
	p.downtime[1] = downtime ? downtime[1] : -1;
	p.downtime[2] = downtime ? downtime[2] : -1;
	if (e == NULL) {
		herr_clear(&e2);
		e = &e2;
	}
	if (store_post_add_timeline(d->st, &p, timeline == NULL ? NULL :
	    json_object_to_json_string_ext(timeline, JSON_C_TO_STRING_PLAIN),
	    e) == -1)
		return -1;
	r = post_publish(d, &res, e);
	json_object_put(res);
	if (r == -1)
		log_warnx("status feed: %s", e->msg);
	return r;
}
