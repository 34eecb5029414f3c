/* Unit tests for notify/feed: cleaning, escaping, Atom and HTML structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/herr.h"
#include "notify/feed.h"

static const struct feed_meta meta = {
	.title = "Example & Co status",
	.base_url = "https://Status.Example.net/",
	.author = "ops team",
	.now = 1493683200,
};

/* A small cycle: a completed maintenance, an incident with two updates. */
static struct post posts[] = {
	{ .id = "xsa-213", .kind = POST_MAINT_COMPLETED,
	  .title = "XSA-213, 214, 215 patched", .author = "alice",
	  .published = 1493683200, .updated = 1493690000,
	  .body = "We patched every host.\n \t\nOur average downtime was "
	      "35 minutes.",
	  .downtime = { 1, 35, 67, 15 } },
	{ .id = "inc-1", .kind = POST_INCIDENT, .title = "Host h3 down",
	  .published = 1493600000, .body = "Looking into it." },
	{ .id = "inc-1-u1", .kind = POST_INCIDENT_UPDATE,
	  .title = "Disk replaced", .published = 1493603600,
	  .parent = "inc-1", .body = "Rebuilding the array." },
	{ .id = "inc-1-u2", .kind = POST_INCIDENT_UPDATE,
	  .title = "Resolved", .published = 1493607200, .parent = "inc-1",
	  .body = "All guests are running again." },
	{ .id = "obsd", .kind = POST_ANNOUNCEMENT,
	  .title = "OpenBSD installer now pre-downloaded",
	  .published = 1493500000, .body = "Pick it in the menu." },
};
#define NPOSTS	(sizeof(posts) / sizeof(posts[0]))

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_clean(void **state)
{
	char *s;

	s = feed_clean("a\x01" "b\x7f" "c\xc2\x85" "d\tE\r\nF\rG\nH", 0);
	assert_string_equal(s, "abcd E F G H");
	free(s);
	s = feed_clean("p1\r\n\r\np2\tx", 1);
	assert_string_equal(s, "p1\n\np2 x");
	free(s);
	/* invalid bytes, overlong, surrogate, non-characters */
	s = feed_clean("\xff" "x\xc0\xaf" "y\xed\xa0\x80" "z\xef\xbf\xbe", 0);
	assert_string_equal(s, "\xef\xbf\xbd" "x\xef\xbf\xbd\xef\xbf\xbd"
	    "y\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "z");
	free(s);
	/* non-ASCII survives */
	s = feed_clean("Zoë \xe2\x80\x94 \xf0\x9f\x98\x80", 0);
	assert_string_equal(s, "Zoë \xe2\x80\x94 \xf0\x9f\x98\x80");
	free(s);
	s = feed_clean("", 1);
	assert_string_equal(s, "");
	free(s);
}

static void
test_kinds(void **state)
{
	int k;

	for (k = 0; k < POST__MAX; k++)
		assert_int_equal(post_kind_from_name(post_kind_name(k)), k);
	assert_int_equal(post_kind_from_name("maintenance"), -1);
	assert_int_equal(post_kind_from_name(NULL), -1);
	assert_string_equal(post_kind_name(POST_INCIDENT_UPDATE),
	    "incident-update");
}

static void
test_downtime_text(void **state)
{
	struct post_downtime d = { 1, 35, 67, 15 };
	char *s;

	s = feed_downtime_text(&d);
	assert_string_equal(s, "Host downtime this cycle: 35 minutes on "
	    "average, 67 at the longest, 15 at the shortest.");
	free(s);
	d = (struct post_downtime){ 1, 1, 1, 1 };
	s = feed_downtime_text(&d);
	assert_non_null(strstr(s, " 1 minute on average"));
	free(s);
	d.present = 0;
	assert_null(feed_downtime_text(&d));
}

static void
test_escape(void **state)
{
	struct post p = { .id = "x", .kind = POST_INCIDENT,
	    .title = "<script>alert(\"1\")</script> & 'q'\x1b[31m",
	    .author = "<b>eve</b>", .published = 1493683200,
	    .body = "a < b && c > d\x07 \"quoted\"" };
	struct herr e;
	char *atom, *html;

	assert_int_equal(feed_atom(&p, 1, &meta, &atom, &e), 0);
	assert_int_equal(feed_html(&p, 1, &meta, &html, &e), 0);
	assert_null(strstr(atom, "<script"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<b>"));
	assert_null(strchr(atom, '\x1b'));
	assert_null(strchr(html, '\x07'));
	assert_non_null(strstr(atom, "<title type=\"text\">&lt;script&gt;"
	    "alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;q&#39;[31m"
	    "</title>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;1&quot;)"));
	/* content type="html" is HTML escaped once more for XML */
	assert_non_null(strstr(atom, "&lt;p&gt;a &amp;lt; b &amp;amp;&amp;amp;"
	    " c &amp;gt; d &amp;quot;quoted&amp;quot;&lt;/p&gt;"));
	assert_non_null(strstr(html, "<p>a &lt; b &amp;&amp; c &gt; d "
	    "&quot;quoted&quot;</p>"));
	assert_non_null(strstr(html, "&lt;b&gt;eve&lt;/b&gt;"));
	free(atom);
	free(html);
}

static void
test_atom(void **state)
{
	struct feed_meta m = meta;
	struct herr e;
	char *atom;

	assert_int_equal(feed_atom(posts, NPOSTS, &m, &atom, &e), 0);
	assert_true(strncmp(atom, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "\n<feed xmlns=\"http://www.w3.org/2005/Atom\"", 60) == 0);
	assert_non_null(strstr(atom, "<id>https://Status.Example.net/"
	    "feed.atom</id>"));
	assert_non_null(strstr(atom, "<link rel=\"self\" "
	    "type=\"application/atom+xml\" "
	    "href=\"https://Status.Example.net/feed.atom\"/>"));
	/* the feed's updated is the newest entry's */
	assert_non_null(strstr(atom, "<updated>2017-05-02T01:53:20Z</updated>"
	    "\n  <author>"));
	assert_int_equal(count(atom, "<entry>"), NPOSTS);
	assert_int_equal(count(atom, "</entry>"), NPOSTS);
	assert_int_equal(count(atom, "<published>"), NPOSTS);
	assert_int_equal(count(atom, "<updated>"), NPOSTS + 1);
	assert_int_equal(count(atom, "<author><name>"), NPOSTS + 1);
	assert_int_equal(count(atom, "<content type=\"html\">"), NPOSTS);
	/* tag URIs with the lower-cased host and the publication date */
	assert_non_null(strstr(atom, "<id>tag:status.example.net,2017-05-02:"
	    "post/xsa-213</id>"));
	assert_non_null(strstr(atom, "<id>tag:status.example.net,2017-05-01:"
	    "post/inc-1-u1</id>"));
	/* updates point to their incident (RFC 4685) */
	assert_int_equal(count(atom, "<thr:in-reply-to ref=\"tag:status."
	    "example.net,2017-05-01:post/inc-1\""), 2);
	assert_int_equal(count(atom, "term=\"incident-update\""), 2);
	/* the post's author, or the feed's */
	assert_non_null(strstr(atom, "<author><name>alice</name></author>"));
	assert_int_equal(count(atom, "<name>ops team</name>"), NPOSTS);
	/* newest first */
	assert_true(strstr(atom, "post/xsa-213") < strstr(atom,
	    "post/inc-1-u2"));
	assert_true(strstr(atom, "post/inc-1-u2") < strstr(atom,
	    "post/inc-1-u1"));
	assert_true(strstr(atom, "post/inc-1<") < strstr(atom, "post/obsd"));
	/* downtime figures in the content */
	assert_non_null(strstr(atom, "&lt;td&gt;67 min&lt;/td&gt;"));
	free(atom);

	m.atom_max = 2;
	assert_int_equal(feed_atom(posts, NPOSTS, &m, &atom, &e), 0);
	assert_int_equal(count(atom, "<entry>"), 2);
	free(atom);

	assert_int_equal(feed_atom(NULL, 0, &meta, &atom, &e), 0);
	assert_int_equal(count(atom, "<entry>"), 0);
	assert_non_null(strstr(atom, "<updated>2017-05-02T00:00:00Z"));
	free(atom);
}

static void
test_html(void **state)
{
	struct herr e;
	char *html, *inc, *upd1, *upd2, *next;

	assert_int_equal(feed_html(posts, NPOSTS, &meta, &html, &e), 0);
	assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">", 32)
	    == 0);
	assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
	/* self-contained: no scripts, no external resources */
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "<link rel=\"stylesheet\""));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "@import"));
	/* three top-level posts, the two updates inside the incident */
	assert_int_equal(count(html, "<article class=\"post "), 3);
	assert_int_equal(count(html, "<article class=\"update\""), 2);
	inc = strstr(html, "id=\"post-inc-1\"");
	upd1 = strstr(html, "id=\"post-inc-1-u1\"");
	upd2 = strstr(html, "id=\"post-inc-1-u2\"");
	next = strstr(html, "id=\"post-obsd\"");
	assert_non_null(inc);
	assert_true(inc < upd2 && upd2 < upd1 && upd1 < next);
	assert_true(strstr(html, "id=\"post-xsa-213\"") < inc);
	/* labels and the downtime table */
	assert_non_null(strstr(html, "<span class=\"label "
	    "k-maintenance-completed\">Maintenance completed</span>"));
	assert_non_null(strstr(html, "<span class=\"label k-announcement\">"));
	assert_non_null(strstr(html, "<th scope=\"row\">Average</th>"
	    "<td>35 min</td>"));
	assert_non_null(strstr(html, "<th scope=\"row\">Longest</th>"
	    "<td>67 min</td>"));
	assert_non_null(strstr(html, "<th scope=\"row\">Shortest</th>"
	    "<td>15 min</td>"));
	assert_int_equal(count(html, "<table class=\"downtime\">"), 1);
	/* paragraphs */
	assert_non_null(strstr(html, "<p>We patched every host.</p>\n"
	    "<p>Our average downtime was 35 minutes.</p>"));
	assert_non_null(strstr(html, "<time datetime=\"2017-05-02T00:00:00Z\">"
	    "2017-05-02 00:00 UTC</time> by alice, updated"));
	free(html);
}

static void
test_orphan_update(void **state)
{
	struct post p[2] = {
		{ .id = "u", .kind = POST_INCIDENT_UPDATE, .title = "upd",
		  .published = 1000, .parent = "gone" },
		{ .id = "a", .kind = POST_ANNOUNCEMENT, .title = "ann",
		  .published = 2000 },
	};
	struct herr e;
	char *html, *atom;

	/* an update whose incident is not in the set is still shown */
	assert_int_equal(feed_html(p, 2, &meta, &html, &e), 0);
	assert_int_equal(count(html, "<article class=\"post "), 2);
	assert_int_equal(feed_atom(p, 2, &meta, &atom, &e), 0);
	assert_null(strstr(atom, "thr:in-reply-to ref"));
	free(html);
	free(atom);
}

static void
expect_error(struct post *p, size_t n, const struct feed_meta *m,
    enum herr_code code)
{
	struct herr e = { 0 };
	char *out = (char *)1;

	assert_int_equal(feed_atom(p, n, m, &out, &e), -1);
	assert_null(out);
	assert_int_equal(e.code, code);
	assert_true(e.msg[0] != '\0');
	out = (char *)1;
	assert_int_equal(feed_html(p, n, m, &out, &e), -1);
	assert_null(out);
}

static void
test_errors(void **state)
{
	struct post p[2] = {
		{ .id = "a", .kind = POST_ANNOUNCEMENT, .title = "t",
		  .published = 1000 },
		{ .id = "b", .kind = POST_ANNOUNCEMENT, .title = "u",
		  .published = 1000 },
	};
	struct feed_meta m = meta;

	p[1].id = "a";
	expect_error(p, 2, &meta, HERR_EXISTS);
	p[1].id = "b c";
	expect_error(p, 2, &meta, HERR_USAGE);
	p[1].id = "b";
	p[1].title = " \x01\t";
	expect_error(p, 2, &meta, HERR_USAGE);
	p[1].title = "u";
	p[1].downtime = (struct post_downtime){ 1, 10, 5, 1 };
	expect_error(p, 2, &meta, HERR_USAGE);
	p[1].downtime = (struct post_downtime){ 0, 0, 0, 0 };
	p[1].parent = "a";	/* an announcement has no parent */
	expect_error(p, 2, &meta, HERR_USAGE);
	p[1].parent = NULL;
	p[1].kind = POST__MAX;
	expect_error(p, 2, &meta, HERR_USAGE);
	p[1].kind = POST_ANNOUNCEMENT;
	p[1].published = 0;
	expect_error(p, 2, &meta, HERR_USAGE);
	p[1].published = 1000;

	m.base_url = "ftp://x/";
	expect_error(p, 2, &m, HERR_USAGE);
	m.base_url = "https://x.example";	/* no trailing slash */
	expect_error(p, 2, &m, HERR_USAGE);
	m.base_url = "https://x.example/a\"b/";
	expect_error(p, 2, &m, HERR_USAGE);
	m.base_url = meta.base_url;
	m.title = "\x02";
	expect_error(p, 2, &m, HERR_USAGE);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void
test_write(void **state)
{
	char dir[] = "/tmp/test-feed.XXXXXX", path[256];
	struct herr e;
	struct dirent *de;
	struct stat st;
	char *atom, *html, *a2, *h2;
	size_t files = 0;
	DIR *d;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(feed_write(dir, posts, NPOSTS, &meta, &e), 0);
	/* twice: the second replaces the first */
	assert_int_equal(feed_write(dir, posts, NPOSTS, &meta, &e), 0);
	assert_int_equal(feed_atom(posts, NPOSTS, &meta, &atom, &e), 0);
	assert_int_equal(feed_html(posts, NPOSTS, &meta, &html, &e), 0);
	snprintf(path, sizeof(path), "%s/" FEED_ATOM_FILE, dir);
	a2 = slurp(path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/" FEED_HTML_FILE, dir);
	h2 = slurp(path);
	assert_int_equal(unlink(path), 0);
	assert_string_equal(atom, a2);
	assert_string_equal(html, h2);
	/* no temporary file left behind */
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			files++;
	closedir(d);
	assert_int_equal(files, 0);
	assert_int_equal(rmdir(dir), 0);
	/* a missing directory, or bad posts, write nothing */
	assert_int_equal(feed_write(dir, posts, NPOSTS, &meta, &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	free(atom);
	free(html);
	free(a2);
	free(h2);
}

/*
 * A reader that opens the page while it is being replaced sees the old
 * or the new page, never a part: a child reads it in a loop while the
 * parent publishes two different sets of posts by turns.
 */
static void
test_write_atomic(void **state)
{
	char dir[] = "/tmp/test-feed.XXXXXX", path[256];
	struct herr e;
	int i, status, bad = 0;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(feed_write(dir, posts, NPOSTS, &meta, &e), 0);
	snprintf(path, sizeof(path), "%s/" FEED_HTML_FILE, dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (i = 0; i < 400; i++) {
			char *page = slurp(path);
			size_t n = strlen(page);

			if (strncmp(page, "<!DOCTYPE html>", 15) != 0 ||
			    n < 8 || strcmp(page + n - 8, "</html>\n") != 0)
				bad++;
			free(page);
		}
		_exit(bad ? 1 : 0);
	}
	for (i = 0; i < 200; i++)
		assert_int_equal(feed_write(dir, posts, i % 2 ? NPOSTS : 2,
		    &meta, &e), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" FEED_ATOM_FILE, dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_downtime_text),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_atom),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_orphan_update),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
