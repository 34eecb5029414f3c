/*
 * Unit tests for notify/timeline (the SVG) and notify/timeline_json: what
 * is drawn where, that a pause of milliseconds in hours is still seen,
 * hostile labels, the checks, the page around it, and the strict JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/herr.h"
#include "notify/feed.h"
#include "notify/timeline_json.h"

#define T0	1493272800000LL		/* 2017-04-27T06:00:00Z */
#define MIN	60000LL
#define HOUR	(60 * MIN)

static const struct feed_span host_down[] = { { T0 + 30 * MIN,
	T0 + 65 * MIN } };
/* two pauses of 40 ms in a cycle of hours */
static const struct feed_span pauses[] = { { T0 + 10 * MIN,
	T0 + 10 * MIN + 40 }, { T0 + 90 * MIN, T0 + 90 * MIN + 40 } };
static const struct feed_span off[] = { { T0 + 5 * HOUR, T0 + 5 * HOUR +
	20 * MIN } };
static const struct feed_band windows[] = {
	{ "window 1", { T0, T0 + 4 * HOUR } },
	{ "window 2", { T0 + 4 * HOUR, T0 + 8 * HOUR } },
};
static const struct feed_lane lanes[] = {
	{ "h1", "down 35 min", FEED_BAR_DOWN, host_down, 1 },
	{ "web1 (h1)", "2 pauses, 80 ms", FEED_BAR_PAUSE, pauses, 2 },
	{ "db1 (h2)", NULL, FEED_BAR_DOWN, off, 1 },
};
static const struct feed_timeline cycle = { "Maintenance cycle 1 (XSA-213)",
	windows, 2, lanes, 3 };

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* The x and width (percent) of the n-th bar of a class, from the SVG. */
static void
bar_at(const char *svg, const char *cls, size_t n, double *x, double *w)
{
	const char *p = svg;
	size_t i;

	for (i = 0; i <= n; i++) {
		p = strstr(p, cls);
		assert_non_null(p);
		p++;
	}
	assert_int_equal(sscanf(strstr(p, "x=\"") + 3, "%lf", x), 1);
	assert_int_equal(sscanf(strstr(p, "width=\"") + 7, "%lf", w), 1);
}

static void
test_svg(void **state)
{
	char *svg = NULL;
	struct herr e;
	double x, w, x2, w2;

	(void)state;
	assert_int_equal(feed_timeline_svg(&cycle, &svg, &e), 0);
	assert_non_null(svg);
	assert_memory_equal(svg, "<svg class=\"timeline\"", 21);
	assert_int_equal(count(svg, "<svg"), 1);
	assert_non_null(strstr(svg, "aria-label=\"Maintenance cycle 1 "
	    "(XSA-213)\""));
	assert_non_null(strstr(svg, "<title>Maintenance cycle 1 (XSA-213)"));
	/* every bar, one rect each, with its exact times in a title */
	assert_int_equal(count(svg, "class=\"bar-down\""), 2);
	assert_int_equal(count(svg, "class=\"bar-pause\""), 2);
	assert_non_null(strstr(svg, "web1 (h1): paused 06:10:00.000 to "
	    "06:10:00.040 UTC (40 ms)"));
	assert_non_null(strstr(svg, "h1: down 06:30:00.000 to 07:05:00.000 "
	    "UTC (35 min 00 s)"));
	/* both bands, labelled in full (each is half the axis) */
	assert_non_null(strstr(svg, ">window 1</text>"));
	assert_non_null(strstr(svg, ">window 2</text>"));
	/* the axis: clock times for a span of hours, three intervals at most */
	assert_non_null(strstr(svg, ">06:00</text>"));
	assert_in_range(count(svg, "stroke=\"#d0d0d0\""), 2, 4);
	/* a 40 ms pause in 8 h is still drawn, at its place */
	bar_at(svg, "bar-pause", 0, &x, &w);
	assert_true(w >= 0.59 && w <= 0.61);
	assert_true(x > 2 + 96 * (10.0 / 480) - 0.5 &&
	    x < 2 + 96 * (10.0 / 480) + 0.5);
	/* a long bar keeps its true width: 35 min of 8 h of 96% */
	bar_at(svg, "bar-down", 0, &x2, &w2);
	assert_true(w2 > 96 * 35.0 / 480 - 0.01 && w2 < 96 * 35.0 / 480 + 0.01);
	/* the legend names the colours in use, and only those */
	assert_non_null(strstr(svg, ">down</text>"));
	assert_non_null(strstr(svg, ">paused</text>"));
	assert_null(strstr(svg, ">event</text>"));
	/* text only: no script, nothing fetched */
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "href"));
	free(svg);
}

static void
test_svg_short(void **state)
{
	static const struct feed_span s[] = { { T0, T0 + 300 } };
	static const struct feed_band b[] = { { "window 1", { T0, T0 + 50 } },
	    { "window 2", { T0 + 50, T0 + 300 } } };
	static const struct feed_lane l[] = { { "h", NULL, FEED_BAR_EVENT, s,
	    1 } };
	const struct feed_timeline t = { "short", b, 2, l, 1 };
	char *svg = NULL;
	struct herr e;

	(void)state;
	assert_int_equal(feed_timeline_svg(&t, &svg, &e), 0);
	/* a short span: the start's clock time, then offsets */
	assert_non_null(strstr(svg, ">06:00:00</text>"));
	assert_non_null(strstr(svg, ">+100 ms</text>"));
	/* one band too narrow for its label: every band by its number */
	assert_non_null(strstr(svg, ">1</text>"));
	assert_non_null(strstr(svg, ">2</text>"));
	assert_null(strstr(svg, ">window 2</text>"));
	assert_non_null(strstr(svg, ">event</text>"));
	free(svg);
}

static void
test_svg_hostile(void **state)
{
	static const struct feed_lane l[] = { { "</text><script>x</script>",
	    "\"a\" & 'b' \x1b[31m\xff", FEED_BAR_DOWN, host_down, 1 } };
	const struct feed_timeline t = { "<b>t</b>", NULL, 0, l, 1 };
	char *svg = NULL, *c;
	struct herr e;

	(void)state;
	assert_int_equal(feed_timeline_svg(&t, &svg, &e), 0);
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "<b>"));
	assert_non_null(strstr(svg, "&lt;/text&gt;&lt;script&gt;"));
	assert_non_null(strstr(svg, "&quot;a&quot; &amp; &#39;b&#39;"));
	c = feed_clean(svg, 1);	/* no control characters, valid UTF-8 */
	assert_string_equal(c, svg);
	free(c);
	free(svg);
}

static void
expect_bad(const struct feed_timeline *t, const char *msg)
{
	char *svg = (char *)1;
	struct herr e;

	herr_clear(&e);
	assert_int_equal(feed_timeline_svg(t, &svg, &e), -1);
	assert_null(svg);
	assert_int_equal(e.code, HERR_USAGE);
	assert_non_null(strstr(e.msg, msg));
}

static void
test_svg_checks(void **state)
{
	static const struct feed_span back[] = { { T0 + 10, T0 } };
	static const struct feed_span zero[] = { { 0, T0 } };
	struct feed_lane l = { "x", NULL, FEED_BAR_DOWN, back, 1 };
	struct feed_lane many[FEED_TL_LANES_MAX + 1];
	struct feed_timeline t = { "t", NULL, 0, &l, 1 };
	size_t i;

	(void)state;
	expect_bad(&t, "start <= end");
	l.spans = zero;
	expect_bad(&t, "0 < start");
	l.spans = host_down;
	l.bar = FEED_BAR__MAX;
	expect_bad(&t, "unknown bar");
	l.bar = FEED_BAR_DOWN;
	t.nlanes = 0;
	expect_bad(&t, "1 to 64 lanes");
	for (i = 0; i <= FEED_TL_LANES_MAX; i++)
		many[i] = l;
	t.lanes = many;
	t.nlanes = FEED_TL_LANES_MAX + 1;
	expect_bad(&t, "1 to 64 lanes");
	t.nlanes = 1;
	t.title = NULL;
	expect_bad(&t, "title");
}

/* The page: figures and picture side by side, as a figure with caption. */
static void
test_page(void **state)
{
	const struct feed_meta m = { .title = "status",
	    .base_url = "https://status.example.net/", .author = "ops",
	    .now = 1493683200, .no_atom = 1 };
	struct post p = { .id = "c1", .kind = POST_MAINT_COMPLETED,
	    .title = "done", .published = 1493683200, .body = "b",
	    .downtime = { 1, 35, 67, 15 }, .timeline = &cycle };
	char *html = NULL;
	struct herr e;
	const char *fig, *tab, *div;

	(void)state;
	assert_int_equal(feed_html(&p, 1, &m, &html, &e), 0);
	div = strstr(html, "<div class=\"figures\">");
	tab = strstr(html, "<table class=\"downtime\">");
	fig = strstr(html, "<figure class=\"timeline\">");
	assert_non_null(div);
	assert_true(div < tab && tab < fig);
	assert_non_null(strstr(fig, "<svg class=\"timeline\""));
	assert_non_null(strstr(fig, "<figcaption>Maintenance cycle 1 "
	    "(XSA-213)</figcaption>"));
	/* a page of its own: no link to a feed that is not there */
	assert_null(strstr(html, "feed.atom"));
	free(html);
	/* a bad timeline is refused with the post, like a bad title */
	p.timeline = &(struct feed_timeline){ "t", NULL, 0, NULL, 0 };
	assert_int_equal(feed_html(&p, 1, &m, &html, &e), -1);
	assert_null(html);
}

static void
test_json(void **state)
{
	struct feed_timeline_doc *d = NULL;
	json_object *o;
	char *a = NULL, *b = NULL;
	const char *text;
	struct herr e;

	(void)state;
	o = feed_timeline_to_json(&cycle, &e);
	assert_non_null(o);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_int_equal(feed_timeline_parse(text, strlen(text), &d, &e), 0);
	assert_int_equal(d->t.nlanes, 3);
	assert_int_equal(d->t.nbands, 2);
	assert_null(d->t.lanes[2].note);
	assert_int_equal(feed_timeline_svg(&cycle, &a, &e), 0);
	assert_int_equal(feed_timeline_svg(&d->t, &b, &e), 0);
	assert_string_equal(a, b);	/* the same picture after the trip */
	free(a);
	free(b);
	feed_timeline_doc_free(d);
	json_object_put(o);
}

static void
json_bad(const char *text, const char *msg)
{
	struct feed_timeline_doc *d = (void *)1;
	struct herr e;

	herr_clear(&e);
	assert_int_equal(feed_timeline_parse(text, strlen(text), &d, &e), -1);
	assert_null(d);
	assert_int_equal(e.code, HERR_USAGE);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("%s: got '%s', wanted '%s'", text, e.msg, msg);
}

static void
test_json_strict(void **state)
{
	(void)state;
	json_bad("", "not one JSON object");
	json_bad("{\"title\":\"t\",\"lanes\":[]} x", "not one JSON object");
	json_bad("[1]", "must be an object");
	json_bad("{\"title\":\"t\"}", "at least one");
	json_bad("{\"lanes\":[{\"label\":\"a\",\"bar\":\"down\"}]}",
	    "needs title");
	json_bad("{\"title\":\"t\",\"x\":1,\"lanes\":[]}", "unknown key");
	json_bad("{\"title\":\"t\",\"lanes\":[{\"label\":\"a\",\"bar\":\"red\"}]}",
	    "bar must be");
	json_bad("{\"title\":\"t\",\"lanes\":[{\"label\":\"a\",\"bar\":\"down\","
	    "\"spans\":[[2,1]]}]}", "start <= end");
	json_bad("{\"title\":\"t\",\"lanes\":[{\"label\":\"a\",\"bar\":\"down\","
	    "\"spans\":[[1,\"2\"]]}]}", "[start_ms, end_ms]");
	json_bad("{\"title\":\"t\",\"lanes\":[{\"label\":\"a\",\"bar\":\"down\","
	    "\"spans\":[[1,2,3]]}]}", "[start_ms, end_ms]");
	json_bad("{\"title\":\"t\",\"lanes\":[{\"label\":\"a\\u0000b\","
	    "\"bar\":\"down\"}]}", "label must be a string");
	json_bad("{\"title\":\"t\",\"lanes\":[{\"label\":1,\"bar\":\"down\"}]}",
	    "label must be a string");
	json_bad("{\"title\":\"t\",\"bands\":[{\"label\":\"w\",\"start_ms\":1}],"
	    "\"lanes\":[{\"label\":\"a\",\"bar\":\"down\"}]}",
	    "start_ms and end_ms");
	json_bad("{\"title\":\"t\",\"lanes\":[[[[[[[[[[1]]]]]]]]]]}",
	    "not one JSON object");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_svg_short),
		cmocka_unit_test(test_svg_hostile),
		cmocka_unit_test(test_svg_checks),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
