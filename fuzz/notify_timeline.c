/*
 * libFuzzer target for notify/timeline_json and the timeline's SVG: the
 * input is a timeline as JSON.  A parsed timeline must render; the SVG
 * must be valid UTF-8 without control characters (other than newline),
 * made only of our own elements and attributes (so no script, nothing
 * loaded from elsewhere, whatever the labels hold), and turning it back
 * into JSON and parsing that again gives the same SVG.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "notify/feed.h"
#include "notify/timeline_json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
listed(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return 1;
	return 0;
}

/*
 * Every tag is one of ours with attributes of ours: all text from the
 * input is escaped, so '<', '>' and '"' in the output are our own.
 */
static void
check_tags(const char *p)
{
	static const char *const tags[] = { "svg", "title", "desc", "g",
	    "rect", "text", "tspan", "line", NULL };
	static const char *const attrs[] = { "class", "xmlns", "width",
	    "height", "role", "aria-label", "x", "y", "x1", "y1", "x2", "y2",
	    "dx", "fill", "stroke", "stroke-width", "font-family",
	    "font-size", "font-weight", "text-anchor", NULL };
	size_t n;

	while ((p = strchr(p, '<')) != NULL) {
		p++;
		if (*p == '/')
			p++;
		n = strcspn(p, " />");
		if (!listed(tags, p, n))
			abort();
		p += n;
		for (;;) {
			p += strspn(p, " /");
			if (*p == '>' || *p == '\0')
				break;
			n = strcspn(p, "=");
			if (!listed(attrs, p, n) || p[n + 1] != '"')
				abort();
			p = strchr(p + n + 2, '"');
			if (p == NULL)
				abort();
			p++;
		}
	}
}

static void
check(const char *svg)
{
	char *c = feed_clean(svg, 1);

	if (strcmp(c, svg) != 0 || strncmp(svg, "<svg ", 5) != 0)
		abort();
	free(c);
	check_tags(svg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_timeline_doc *d = NULL, *d2 = NULL;
	char *svg = NULL, *svg2 = NULL;
	const char *text;
	json_object *o;
	struct herr e;

	if (feed_timeline_parse((const char *)data, size, &d, &e) == -1)
		return 0;
	if (feed_timeline_svg(&d->t, &svg, &e) == -1)
		abort();	/* a parsed timeline was checked: it renders */
	check(svg);
	if ((o = feed_timeline_to_json(&d->t, &e)) == NULL)
		abort();
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (feed_timeline_parse(text, strlen(text), &d2, &e) == -1 ||
	    feed_timeline_svg(&d2->t, &svg2, &e) == -1 ||
	    strcmp(svg, svg2) != 0)
		abort();
	json_object_put(o);
	free(svg);
	free(svg2);
	feed_timeline_doc_free(d);
	feed_timeline_doc_free(d2);
	return 0;
}
