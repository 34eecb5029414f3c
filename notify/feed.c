/*
 * feed: Atom 1.0 and static HTML renderers for status posts, and their
 * atomic installation into a web directory.  See feed.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "lib/str.h"
#include "notify/feed.h"

#define TIME_MAX_OK	253402300799LL	/* 9999-12-31T23:59:59Z */
#define HOST_MAX	253

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* A post cleaned for output; strings are owned. */
struct prep {
	const struct post	*p;
	char			*title;
	char			*author;
	char			*body;
	time_t			 updated;
	int			 parent;	/* index in the prep array, -1 */
	int			 nested;	/* shown under its incident */
};

static const struct {
	const char	*name;
	const char	*label;
} kinds[POST__MAX] = {
	[POST_MAINT_SCHEDULED] = { "maintenance-scheduled",
	    "Scheduled maintenance" },
	[POST_MAINT_IN_PROGRESS] = { "maintenance-in-progress",
	    "Maintenance in progress" },
	[POST_MAINT_COMPLETED] = { "maintenance-completed",
	    "Maintenance completed" },
	[POST_INCIDENT] = { "incident", "Incident" },
	[POST_INCIDENT_UPDATE] = { "incident-update", "Update" },
	[POST_ANNOUNCEMENT] = { "announcement", "Announcement" },
};

const char *
post_kind_name(enum post_kind k)
{
	return (unsigned)k < POST__MAX ? kinds[k].name : "unknown";
}

const char *
post_kind_label(enum post_kind k)
{
	return (unsigned)k < POST__MAX ? kinds[k].label : "Unknown";
}

int
post_kind_from_name(const char *name)
{
	int k;

	for (k = 0; k < POST__MAX; k++)
		if (name != NULL && strcmp(name, kinds[k].name) == 0)
			return k;
	return -1;
}

/* ---- growing buffer ---- */

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (b->len + n + 1 > cap)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	buf_puts(b, s);
	free(s);
}

/* Escapes s for XML and HTML text and attribute values alike. */
static void
buf_esc(struct buf *b, const char *s)
{
	const char *start = s;

	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, start, (size_t)(s - start));
		buf_puts(b, rep);
		start = s + 1;
	}
	buf_add(b, start, (size_t)(s - start));
}

/* ---- text cleaning ---- */

/* Decodes one UTF-8 sequence at s; returns its length (0: invalid). */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cpp)
{
	return str_utf8_decode(s, cpp);
}

char *
feed_clean(const char *src, int multiline)
{
	const unsigned char *s = (const unsigned char *)src;
	struct buf b = { NULL, 0, 0 };
	uint32_t cp;
	size_t n;

	buf_add(&b, "", 0);
	while (*s != '\0') {
		if (*s == '\r' || *s == '\n' || *s == '\t') {
			if (*s == '\r' && s[1] == '\n')
				s++;
			buf_add(&b, multiline && *s != '\t' ? "\n" : " ", 1);
			s++;
			continue;
		}
		n = utf8_decode(s, &cp);
		if (n == 0) {
			buf_puts(&b, "\xef\xbf\xbd");	/* U+FFFD */
			s++;
			continue;
		}
		if (!(cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0xfffe || cp == 0xffff))
			buf_add(&b, (const char *)s, n);
		s += n;
	}
	return b.p;
}

/* Trims spaces (and, for bodies, blank lines) at both ends, in place. */
static char *
trim(char *s)
{
	size_t lead = strspn(s, " \n"), n;

	memmove(s, s + lead, strlen(s + lead) + 1);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* s cleaned to one line, trimmed and escaped. */
static void
buf_esc_clean(struct buf *b, const char *s)
{
	char *c = trim(feed_clean(s != NULL ? s : "", 0));

	buf_esc(b, c);
	free(c);
}

/* ---- checks ---- */

static int
id_ok(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		char c = id[i];

		if (i >= FEED_ID_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int
time_ok(time_t t)
{
	return t > 0 && (long long)t <= TIME_MAX_OK;
}

int
post_check(const struct post *p, struct herr *e)
{
	const struct post_downtime *d = &p->downtime;

	if (!id_ok(p->id))
		return herr_set(e, HERR_USAGE, "post id must be 1-%d "
		    "characters of A-Z a-z 0-9 . _ -", FEED_ID_MAX);
	if ((unsigned)p->kind >= POST__MAX)
		return herr_set(e, HERR_USAGE, "post %s: unknown kind", p->id);
	if (p->title == NULL || strlen(p->title) > FEED_TITLE_MAX)
		return herr_set(e, HERR_USAGE, "post %s: a title of 1-%d "
		    "bytes is needed", p->id, FEED_TITLE_MAX);
	if (p->body != NULL && strlen(p->body) > FEED_BODY_MAX)
		return herr_set(e, HERR_USAGE, "post %s: body longer than "
		    "%d bytes", p->id, FEED_BODY_MAX);
	if (!time_ok(p->published) || (p->updated != 0 &&
	    !time_ok(p->updated)))
		return herr_set(e, HERR_USAGE, "post %s: time out of range",
		    p->id);
	if (p->parent != NULL && !id_ok(p->parent))
		return herr_set(e, HERR_USAGE, "post %s: bad parent id", p->id);
	if (p->parent != NULL && p->kind != POST_INCIDENT_UPDATE)
		return herr_set(e, HERR_USAGE, "post %s: only an incident "
		    "update has a parent", p->id);
	if (p->parent != NULL && strcmp(p->parent, p->id) == 0)
		return herr_set(e, HERR_USAGE, "post %s: its own parent",
		    p->id);
	if (d->present && (d->longest > FEED_MINUTES_MAX ||
	    d->shortest > d->average || d->average > d->longest))
		return herr_set(e, HERR_USAGE, "post %s: downtime needs "
		    "shortest <= average <= longest <= %d minutes", p->id,
		    FEED_MINUTES_MAX);
	if (p->timeline != NULL && feed_timeline_check(p->timeline, e) == -1)
		return -1;
	return 0;
}

/* Length of the host in an http(s) URL, and where it starts; 0 if bad. */
static size_t
url_host(const char *url, const char **host)
{
	const char *h;
	size_t n;

	if (strncmp(url, "https://", 8) == 0)
		h = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		h = url + 7;
	else
		return 0;
	n = strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-");
	if (n == 0 || n > HOST_MAX || (h[n] != '/' && h[n] != ':'))
		return 0;
	*host = h;
	return n;
}

static int
blank_after_clean(const char *s)
{
	char *c = feed_clean(s, 0);
	int blank = trim(c)[0] == '\0';

	free(c);
	return blank;
}

int
feed_meta_check(const struct feed_meta *m, struct herr *e)
{
	const char *host, *s;
	size_t len;

	if (m->title == NULL || m->title[0] == '\0' ||
	    strlen(m->title) > FEED_TITLE_MAX)
		return herr_set(e, HERR_USAGE, "feed title: 1-%d bytes",
		    FEED_TITLE_MAX);
	if (m->author == NULL || m->author[0] == '\0' ||
	    strlen(m->author) > FEED_TITLE_MAX)
		return herr_set(e, HERR_USAGE, "feed author: 1-%d bytes",
		    FEED_TITLE_MAX);
	if (blank_after_clean(m->title) || blank_after_clean(m->author))
		return herr_set(e, HERR_USAGE, "feed title and author must "
		    "have printable text");
	if (m->base_url == NULL || url_host(m->base_url, &host) == 0)
		return herr_set(e, HERR_USAGE, "feed base URL must be "
		    "http(s)://host/...");
	len = strlen(m->base_url);
	if (len > 1024 || m->base_url[len - 1] != '/')
		return herr_set(e, HERR_USAGE, "feed base URL must end "
		    "with / (and be under 1024 bytes)");
	for (s = m->base_url; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr("\"'<>\\^`{|}#", *s))
			return herr_set(e, HERR_USAGE, "feed base URL: "
			    "character %s not allowed", *s <= ' ' || *s >= 0x7f
			    ? "(non-ASCII or space)" : (char[]){ *s, '\0' });
	return 0;
}

/* ---- preparing a set of posts ---- */

static int
cmp_id(const void *a, const void *b, void *base)
{
	const struct prep *v = base;

	return strcmp(v[*(const int *)a].p->id, v[*(const int *)b].p->id);
}

/* Newest first; ties by id, so the output does not depend on the input order. */
static int
cmp_newest(const void *a, const void *b)
{
	const struct prep *x = a, *y = b;

	if (x->p->published != y->p->published)
		return x->p->published > y->p->published ? -1 : 1;
	return strcmp(x->p->id, y->p->id);
}

static void
preps_free(struct prep *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].title);
		free(v[i].author);
		free(v[i].body);
	}
	free(v);
}

/* Resolves parents after sorting; ix is scratch of n ints. */
static int
link_parents(struct prep *v, size_t n, int *ix, struct herr *e)
{
	size_t i;

	for (i = 0; i < n; i++)
		ix[i] = (int)i;
	qsort_r(ix, n, sizeof(*ix), cmp_id, v);
	for (i = 1; i < n; i++)
		if (strcmp(v[ix[i - 1]].p->id, v[ix[i]].p->id) == 0)
			return herr_set(e, HERR_EXISTS, "two posts have the "
			    "id %s", v[ix[i]].p->id);
	for (i = 0; i < n; i++) {
		size_t lo = 0, hi = n;

		v[i].parent = -1;
		if (v[i].p->parent == NULL)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(v[ix[mid]].p->id, v[i].p->parent);

			if (c == 0) {
				v[i].parent = ix[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (v[i].parent >= 0 && v[v[i].parent].p->kind == POST_INCIDENT)
			v[i].nested = 1;
	}
	return 0;
}

static struct prep *
prepare(const struct post *posts, size_t n, const struct feed_meta *m,
    struct herr *e)
{
	struct prep *v = NULL;
	int *ix = NULL;
	size_t i;

	if (feed_meta_check(m, e) == -1)
		return NULL;
	if (n > 1000000) {
		herr_set(e, HERR_USAGE, "too many posts");
		return NULL;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		const struct post *p = &posts[i];

		if (post_check(p, e) == -1)
			goto fail;
		v[i].p = p;
		v[i].title = trim(feed_clean(p->title, 0));
		v[i].author = trim(feed_clean(p->author ? p->author :
		    m->author, 0));
		v[i].body = trim(feed_clean(p->body ? p->body : "", 1));
		v[i].updated = p->updated > p->published ? p->updated :
		    p->published;
		if (v[i].title[0] == '\0') {
			herr_set(e, HERR_USAGE, "post %s: empty title", p->id);
			goto fail;
		}
		if (v[i].author[0] == '\0') {
			free(v[i].author);
			v[i].author = trim(feed_clean(m->author, 0));
		}
	}
	qsort(v, n, sizeof(*v), cmp_newest);
	ix = xcalloc(n + 1, sizeof(*ix));
	if (link_parents(v, n, ix, e) == -1)
		goto fail;
	free(ix);
	return v;
fail:
	free(ix);
	preps_free(v, n);
	return NULL;
}

/* ---- shared pieces ---- */

static const char *
rfc3339(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "1970-01-01T00:00:00Z");
	return buf;
}

static const char *
human_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

/* tag:HOST,YYYY-MM-DD:post/ID (RFC 4151), the date being publication's. */
static void
buf_tag(struct buf *b, const struct feed_meta *m, const struct post *p)
{
	const char *host;
	size_t hn = url_host(m->base_url, &host), i;
	char date[32];
	struct tm tm;

	buf_puts(b, "tag:");
	for (i = 0; i < hn; i++) {
		char c = host[i];

		buf_add(b, &(char){ c >= 'A' && c <= 'Z' ? c + 32 : c }, 1);
	}
	if (gmtime_r(&p->published, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
		snprintf(date, sizeof(date), "1970-01-01");
	buf_printf(b, ",%s:post/%s", date, p->id);
}

/* The first blank line (a newline, spaces, a newline) in s, or NULL. */
static const char *
blank_line(const char *s)
{
	for (; (s = strchr(s, '\n')) != NULL; s++)
		if (s[strspn(s + 1, " ") + 1] == '\n')
			return s;
	return NULL;
}

/* Body paragraphs (blank-line separated) as escaped <p> elements. */
static void
body_html(struct buf *b, const char *body, const char *indent)
{
	const char *s = body, *end;

	while (*s != '\0') {
		const char *blank = blank_line(s);
		char *para;

		end = blank ? blank : s + strlen(s);
		para = xstrndup(s, (size_t)(end - s));
		if (trim(para)[0] != '\0') {
			buf_printf(b, "%s<p>", indent);
			buf_esc(b, para);
			buf_puts(b, "</p>\n");
		}
		free(para);
		s = end;
		while (*s == '\n' || *s == ' ')
			s++;
	}
}

static void
downtime_html(struct buf *b, const struct post_downtime *d,
    const char *indent)
{
	if (!d->present)
		return;
	buf_printf(b, "%s<table class=\"downtime\">\n"
	    "%s<caption>Host downtime this cycle</caption>\n"
	    "%s<tr><th scope=\"row\">Average</th><td>%u min</td></tr>\n"
	    "%s<tr><th scope=\"row\">Longest</th><td>%u min</td></tr>\n"
	    "%s<tr><th scope=\"row\">Shortest</th><td>%u min</td></tr>\n"
	    "%s</table>\n", indent, indent, indent, d->average, indent,
	    d->longest, indent, d->shortest, indent);
}

/*
 * The figures and the timeline side by side (they wrap on a narrow
 * screen); without a timeline, the figures alone as before.
 */
static void
figures_html(struct buf *b, const struct post *p, const char *indent)
{
	struct herr e;
	char *svg = NULL;

	if (p->timeline == NULL ||
	    feed_timeline_svg(p->timeline, &svg, &e) == -1) {
		downtime_html(b, &p->downtime, indent);
		return;
	}
	buf_printf(b, "%s<div class=\"figures\">\n", indent);
	downtime_html(b, &p->downtime, indent);
	buf_printf(b, "%s<figure class=\"timeline\">\n", indent);
	buf_puts(b, svg);
	buf_printf(b, "%s<figcaption>", indent);
	buf_esc_clean(b, p->timeline->title);
	buf_puts(b, "</figcaption>\n");
	buf_printf(b, "%s</figure>\n%s</div>\n", indent, indent);
	free(svg);
}

char *
feed_downtime_text(const struct post_downtime *d)
{
	if (!d->present)
		return NULL;
	return xasprintf("Host downtime this cycle: %u minute%s on average, "
	    "%u at the longest, %u at the shortest.", d->average,
	    d->average == 1 ? "" : "s", d->longest, d->shortest);
}

/* ---- Atom ---- */

static void
atom_entry(struct buf *b, const struct prep *v, const struct prep *pp,
    const struct feed_meta *m)
{
	const struct post *p = v->p;
	struct buf html = { NULL, 0, 0 };
	char t[40];

	buf_puts(b, "  <entry>\n    <id>");
	buf_tag(b, m, p);
	buf_puts(b, "</id>\n    <title type=\"text\">");
	buf_esc(b, v->title);
	buf_printf(b, "</title>\n    <published>%s</published>\n",
	    rfc3339(p->published, t, sizeof(t)));
	buf_printf(b, "    <updated>%s</updated>\n",
	    rfc3339(v->updated, t, sizeof(t)));
	buf_puts(b, "    <author><name>");
	buf_esc(b, v->author);
	buf_printf(b, "</name></author>\n    <category term=\"%s\" "
	    "label=\"%s\"/>\n", post_kind_name(p->kind),
	    post_kind_label(p->kind));
	buf_puts(b, "    <link rel=\"alternate\" type=\"text/html\" href=\"");
	buf_esc(b, m->base_url);
	buf_printf(b, "#post-%s\"/>\n", p->id);
	if (pp != NULL) {
		buf_puts(b, "    <thr:in-reply-to ref=\"");
		buf_tag(b, m, pp->p);
		buf_puts(b, "\" type=\"text/html\" href=\"");
		buf_esc(b, m->base_url);
		buf_printf(b, "#post-%s\"/>\n", pp->p->id);
	}
	if (pp != NULL) {
		buf_puts(&html, "<p>Update to: ");
		buf_esc(&html, pp->title);
		buf_puts(&html, "</p>\n");
	}
	body_html(&html, v->body, "");
	downtime_html(&html, &p->downtime, "");
	buf_puts(b, "    <content type=\"html\">");
	buf_esc(b, html.p ? html.p : "");
	buf_puts(b, "</content>\n  </entry>\n");
	free(html.p);
}

int
feed_atom(const struct post *posts, size_t n, const struct feed_meta *m,
    char **out, struct herr *e)
{
	struct buf b = { NULL, 0, 0 };
	struct prep *v;
	time_t updated = m->now;
	size_t i, max;
	char t[40], *title, *author;

	*out = NULL;
	if ((v = prepare(posts, n, m, e)) == NULL)
		return -1;
	title = trim(feed_clean(m->title, 0));
	author = trim(feed_clean(m->author, 0));
	for (i = 0; i < n; i++)
		if (i == 0 || v[i].updated > updated)
			updated = v[i].updated;
	if (!time_ok(updated))
		updated = 1;
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
	    "xmlns:thr=\"http://purl.org/syndication/thread/1.0\">\n  <id>");
	buf_esc(&b, m->base_url);
	buf_puts(&b, FEED_ATOM_FILE "</id>\n  <title type=\"text\">");
	buf_esc(&b, title);
	buf_printf(&b, "</title>\n  <updated>%s</updated>\n  <author><name>",
	    rfc3339(updated, t, sizeof(t)));
	buf_esc(&b, author);
	buf_puts(&b, "</name></author>\n  <link rel=\"self\" "
	    "type=\"application/atom+xml\" href=\"");
	buf_esc(&b, m->base_url);
	buf_puts(&b, FEED_ATOM_FILE "\"/>\n  <link rel=\"alternate\" "
	    "type=\"text/html\" href=\"");
	buf_esc(&b, m->base_url);
	buf_puts(&b, "\"/>\n  <generator>hangar</generator>\n");
	max = m->atom_max == 0 || m->atom_max > n ? n : m->atom_max;
	for (i = 0; i < max; i++)
		atom_entry(&b, &v[i], v[i].parent >= 0 ? &v[v[i].parent] :
		    NULL, m);
	buf_puts(&b, "</feed>\n");
	free(title);
	free(author);
	preps_free(v, n);
	*out = b.p;
	return 0;
}

/* ---- HTML ---- */

static const char css[] =
"body{font:16px/1.5 system-ui,sans-serif;color:#222;background:#fafafa;"
"margin:0 auto;max-width:46em;padding:1em}\n"
"header{border-bottom:2px solid #ccc;margin-bottom:1em}\n"
"h1{font-size:1.6em;margin:.2em 0}\n"
"h2{font-size:1.25em;margin:.2em 0}\n"
"h3{font-size:1em;margin:.8em 0 .2em}\n"
"article.post{background:#fff;border:1px solid #ddd;border-radius:6px;"
"padding:.8em 1em;margin:0 0 1em}\n"
"article.update{border-left:3px solid #bbb;padding-left:.8em;"
"margin:.6em 0}\n"
".meta{color:#666;font-size:.85em;margin:0}\n"
".label{display:inline-block;font-size:.75em;font-weight:bold;"
"padding:.1em .5em;border-radius:3px;color:#fff;background:#666;"
"vertical-align:middle}\n"
".k-maintenance-scheduled{background:#2a6fb0}\n"
".k-maintenance-in-progress{background:#c77c00}\n"
".k-maintenance-completed{background:#2e7d32}\n"
".k-incident{background:#c62828}\n"
".k-incident-update{background:#8e5a5a}\n"
".k-announcement{background:#6a4c93}\n"
"table.downtime{border-collapse:collapse;margin:.5em 0}\n"
"table.downtime caption{text-align:left;font-weight:bold;"
"white-space:nowrap}\n"
"h4{font-size:1em;margin:.3em 0}\n"
"table.downtime th,table.downtime td{border:1px solid #ccc;"
"padding:.2em .6em;text-align:left}\n"
"footer{color:#666;font-size:.85em;margin-top:2em}\n"
".figures{display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:flex-start}\n"
".figures figure{flex:1 1 18em;min-width:0;margin:.5em 0}\n"
".figures figcaption{color:#555;font-size:.85em}\n"
"svg.timeline{display:block;overflow:visible}\n";

static void
html_meta_line(struct buf *b, const struct prep *v, const char *indent)
{
	char t1[40], t2[40];

	buf_printf(b, "%s<p class=\"meta\">Posted <time datetime=\"%s\">"
	    "%s</time> by ", indent, rfc3339(v->p->published, t1,
	    sizeof(t1)), human_time(v->p->published, t2, sizeof(t2)));
	buf_esc(b, v->author);
	if (v->updated != v->p->published)
		buf_printf(b, ", updated <time datetime=\"%s\">%s</time>",
		    rfc3339(v->updated, t1, sizeof(t1)),
		    human_time(v->updated, t2, sizeof(t2)));
	buf_puts(b, "</p>\n");
}

static void
html_label(struct buf *b, enum post_kind k)
{
	buf_printf(b, "<span class=\"label k-%s\">%s</span> ",
	    post_kind_name(k), post_kind_label(k));
}

static void
html_post(struct buf *b, const struct prep *v, size_t n, size_t at)
{
	const struct prep *x = &v[at];
	size_t i, nupd = 0;

	buf_printf(b, "<article class=\"post k-%s\" id=\"post-%s\">\n<h2>",
	    post_kind_name(x->p->kind), x->p->id);
	html_label(b, x->p->kind);
	buf_esc(b, x->title);
	buf_puts(b, "</h2>\n");
	if (x->parent >= 0 && !x->nested) {
		buf_printf(b, "<p class=\"meta\">Update to <a href=\"#post-%s\">",
		    v[x->parent].p->id);
		buf_esc(b, v[x->parent].title);
		buf_puts(b, "</a></p>\n");
	}
	html_meta_line(b, x, "");
	body_html(b, x->body, "");
	figures_html(b, x->p, "");
	for (i = 0; i < n; i++) {
		if (!v[i].nested || v[i].parent != (int)at)
			continue;
		if (nupd++ == 0)
			buf_puts(b, "<section class=\"updates\">\n"
			    "<h3>Updates</h3>\n");
		buf_printf(b, " <article class=\"update\" id=\"post-%s\">\n"
		    " <h4>", v[i].p->id);
		html_label(b, v[i].p->kind);
		buf_esc(b, v[i].title);
		buf_puts(b, "</h4>\n");
		html_meta_line(b, &v[i], " ");
		body_html(b, v[i].body, " ");
		figures_html(b, v[i].p, " ");
		buf_puts(b, " </article>\n");
	}
	if (nupd > 0)
		buf_puts(b, "</section>\n");
	buf_puts(b, "</article>\n");
}

int
feed_html(const struct post *posts, size_t n, const struct feed_meta *m,
    char **out, struct herr *e)
{
	struct buf b = { NULL, 0, 0 };
	struct prep *v;
	char *title;
	size_t i;

	*out = NULL;
	if ((v = prepare(posts, n, m, e)) == NULL)
		return -1;
	title = trim(feed_clean(m->title, 0));
	buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	buf_esc(&b, title);
	buf_puts(&b, "</title>\n");
	if (!m->no_atom) {
		buf_puts(&b, "<link rel=\"alternate\" "
		    "type=\"application/atom+xml\" href=\"" FEED_ATOM_FILE
		    "\" title=\"");
		buf_esc(&b, title);
		buf_puts(&b, "\">\n");
	}
	buf_printf(&b, "<style>\n%s</style>\n</head>\n<body>\n"
	    "<header>\n<h1>", css);
	buf_esc(&b, title);
	buf_puts(&b, "</h1>\n");
	if (!m->no_atom)
		buf_puts(&b, "<p class=\"meta\"><a href=\"" FEED_ATOM_FILE
		    "\">Atom feed</a></p>\n");
	buf_puts(&b, "</header>\n<main>\n");
	if (n == 0)
		buf_puts(&b, "<p>No posts yet.</p>\n");
	for (i = 0; i < n; i++)
		if (!v[i].nested)
			html_post(&b, v, n, i);
	buf_puts(&b, "</main>\n<footer><p>Times are in UTC. Published by "
	    "hangar.</p></footer>\n</body>\n</html>\n");
	free(title);
	preps_free(v, n);
	*out = b.p;
	return 0;
}

/* ---- atomic installation ---- */

static int
write_atomic(const char *dir, const char *name, const char *data,
    struct herr *e)
{
	char *tmp = xasprintf("%s/.%s.XXXXXX", dir, name);
	char *dst = xasprintf("%s/%s", dir, name);
	size_t len = strlen(data), off = 0;
	int fd, rc = -1;

	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
		free(tmp);
		free(dst);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			herr_set(e, HERR_INTERNAL, "write %s: %s", tmp,
			    strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		herr_set(e, HERR_INTERNAL, "fsync %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		herr_set(e, HERR_INTERNAL, "close %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst) == -1) {
		herr_set(e, HERR_INTERNAL, "rename %s: %s", dst,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	free(dst);
	return rc;
}

int
feed_write(const char *dir, const struct post *posts, size_t n,
    const struct feed_meta *m, struct herr *e)
{
	char *atom = NULL, *html = NULL;
	int dfd = -1, rc = -1;

	if (feed_atom(posts, n, m, &atom, e) == -1 ||
	    feed_html(posts, n, m, &html, e) == -1)
		goto out;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		herr_set(e, HERR_NOTFOUND, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (write_atomic(dir, FEED_ATOM_FILE, atom, e) == -1 ||
	    write_atomic(dir, FEED_HTML_FILE, html, e) == -1)
		goto out;
	if (fsync(dfd) == -1) {
		herr_set(e, HERR_INTERNAL, "fsync %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dfd != -1)
		close(dfd);
	free(atom);
	free(html);
	return rc;
}
