/*
 * page: `hangar maint report --html FILE`, the status page's view of one
 * maintenance cycle: one post with the report's figures and its timeline
 * (notify/feed renders it exactly as hangard renders the status page),
 * written to a file of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangar/hangar.h"
#include "lib/xmalloc.h"
#include "notify/feed.h"
#include "notify/timeline_json.h"

static int64_t
num(json_object *o, const char *k, int64_t dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return dflt;
	return json_object_get_int64(v);
}

static const char *
str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

/* The report in words, as the post hangard publishes says it. */
static char *
summary(json_object *rep)
{
	char *s, *t;

	s = xasprintf("Maintenance cycle %lld for %s is %s: %lld of %lld "
	    "steps done.", (long long)num(rep, "cycle", 0),
	    str(rep, "advisories"), str(rep, "state"),
	    (long long)num(rep, "steps_done", 0),
	    (long long)num(rep, "steps_total", 0));
	if (num(rep, "host_avg_ms", -1) >= 0) {
		t = xasprintf("%s\n\nHost downtime: %.1f s on average, %.1f s at "
		    "the longest, %.1f s at the shortest.", s,
		    (double)num(rep, "host_avg_ms", 0) / 1000,
		    (double)num(rep, "host_longest_ms", 0) / 1000,
		    (double)num(rep, "host_shortest_ms", 0) / 1000);
		free(s);
		s = t;
	}
	if (num(rep, "guest_median_ms", -1) >= 0) {
		t = xasprintf("%s VPS downtime: %.3f s for the median VPS, %.3f "
		    "s at the longest.", s,
		    (double)num(rep, "guest_median_ms", 0) / 1000,
		    (double)num(rep, "guest_max_ms", 0) / 1000);
		free(s);
		s = t;
	}
	return s;
}

static int
write_file(const char *path, const char *text, struct herr *e)
{
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return herr_set(e, errno == ENOENT ? HERR_NOTFOUND :
		    HERR_USAGE, "%s: %s", path, strerror(errno));
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (w <= 0) {
			herr_set(e, HERR_INTERNAL, "%s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) == -1)
		return herr_set(e, HERR_INTERNAL, "%s: %s", path,
		    strerror(errno));
	return 0;
}

int
report_html(const char *path, json_object *rep, struct herr *e)
{
	struct feed_timeline_doc *doc = NULL;
	struct feed_meta m;
	struct post p;
	json_object *tl;
	char id[32], title[200], page[64], *body, *html = NULL;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	snprintf(id, sizeof(id), "cycle-%lld", (long long)num(rep, "cycle", 0));
	snprintf(title, sizeof(title), "Maintenance cycle %lld: %s",
	    (long long)num(rep, "cycle", 0), str(rep, "advisories"));
	snprintf(page, sizeof(page), "Maintenance cycle %lld",
	    (long long)num(rep, "cycle", 0));
	if (json_object_object_get_ex(rep, "timeline", &tl) && tl != NULL &&
	    feed_timeline_from_json(tl, &doc, e) == -1)
		return -1;
	body = summary(rep);
	p.id = id;
	p.kind = strcmp(str(rep, "state"), "done") == 0 ?
	    POST_MAINT_COMPLETED : POST_MAINT_IN_PROGRESS;
	p.title = title;
	p.published = time(NULL);
	p.body = body;
	if (num(rep, "host_avg_s", -1) >= 0) {
		p.downtime.present = 1;
		p.downtime.average = (unsigned)((num(rep, "host_avg_s", 0) +
		    30) / 60);
		p.downtime.longest = (unsigned)((num(rep, "host_longest_s", 0) +
		    30) / 60);
		p.downtime.shortest = (unsigned)((num(rep, "host_shortest_s",
		    0) + 30) / 60);
	}
	p.timeline = doc != NULL ? &doc->t : NULL;
	memset(&m, 0, sizeof(m));
	m.title = page;
	m.base_url = "http://localhost/";
	m.author = "hangar";
	m.now = p.published;
	m.no_atom = 1;
	if (feed_html(&p, 1, &m, &html, e) == 0)
		rc = write_file(path, html, e);
	free(html);
	free(body);
	feed_timeline_doc_free(doc);
	return rc;
}
