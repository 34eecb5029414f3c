/*
 * timeline: a post's picture of what was down or paused when, as inline
 * SVG.  See feed.h.
 *
 * Horizontal positions are percentages of the <svg>'s width (the page
 * sizes it to its column) and vertical ones are pixels, so bars stretch
 * with the screen while text keeps its size: the same picture reads on a
 * 390 px phone and on a desktop.  The time axis runs from 2% to 98%; a
 * bar is never drawn narrower than MIN_BAR_PCT, so a pause of a few
 * milliseconds in a cycle of hours is still seen (its <title> gives the
 * exact times).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "notify/feed.h"

#define X0		2.0	/* % where the time axis starts */
#define XW		96.0	/* % it spans */
#define MIN_BAR_PCT	0.6
#define WIDE_BAND_PCT	28.0	/* narrower: a band's label is shortened */
#define AXIS_H		20	/* px: tick labels */
#define BANDS_H		18	/* px: band labels */
#define LANE_H		36	/* px: a label line and a bar */
#define BAR_Y		18	/* px into a lane where its bar starts */
#define BAR_H		12
#define LEGEND_H	26
#define TIME_MAX_MS	253402300799000LL	/* 9999-12-31T23:59:59Z */

static const struct {
	const char	*name, *colour, *legend;
} bars[FEED_BAR__MAX] = {
	[FEED_BAR_DOWN] = { "down", "#c62828", "down" },
	[FEED_BAR_PAUSE] = { "pause", "#1565c0", "paused" },
	[FEED_BAR_EVENT] = { "event", "#6a4c93", "event" },
};

const char *
feed_bar_name(enum feed_bar b)
{
	return (unsigned)b < FEED_BAR__MAX ? bars[b].name : "unknown";
}

int
feed_bar_from_name(const char *name)
{
	int b;

	for (b = 0; b < FEED_BAR__MAX; b++)
		if (name != NULL && strcmp(name, bars[b].name) == 0)
			return b;
	return -1;
}

static int
span_ok(const struct feed_span *s)
{
	return s->start_ms > 0 && s->start_ms <= s->end_ms &&
	    s->end_ms <= TIME_MAX_MS;
}

int
feed_timeline_check(const struct feed_timeline *t, struct herr *e)
{
	size_t i, k;

	if (t->title == NULL || strlen(t->title) > FEED_TL_NOTE_MAX)
		return herr_set(e, HERR_USAGE, "timeline: a title of at most "
		    "%d bytes is needed", FEED_TL_NOTE_MAX);
	if (t->nlanes == 0 || t->nlanes > FEED_TL_LANES_MAX)
		return herr_set(e, HERR_USAGE, "timeline: 1 to %d lanes",
		    FEED_TL_LANES_MAX);
	if (t->nbands > FEED_TL_BANDS_MAX)
		return herr_set(e, HERR_USAGE, "timeline: at most %d bands",
		    FEED_TL_BANDS_MAX);
	for (i = 0; i < t->nbands; i++)
		if (t->bands[i].label == NULL ||
		    strlen(t->bands[i].label) > FEED_TL_LABEL_MAX ||
		    !span_ok(&t->bands[i].span))
			return herr_set(e, HERR_USAGE, "timeline: band %zu: a "
			    "label of at most %d bytes and start <= end",
			    i + 1, FEED_TL_LABEL_MAX);
	for (i = 0; i < t->nlanes; i++) {
		const struct feed_lane *l = &t->lanes[i];

		if (l->label == NULL || strlen(l->label) > FEED_TL_LABEL_MAX ||
		    (l->note != NULL && strlen(l->note) > FEED_TL_NOTE_MAX))
			return herr_set(e, HERR_USAGE, "timeline: lane %zu: "
			    "label or note too long", i + 1);
		if ((unsigned)l->bar >= FEED_BAR__MAX)
			return herr_set(e, HERR_USAGE, "timeline: lane %zu: "
			    "unknown bar", i + 1);
		if (l->nspans > FEED_TL_SPANS_MAX)
			return herr_set(e, HERR_USAGE, "timeline: lane %zu: "
			    "at most %d bars", i + 1, FEED_TL_SPANS_MAX);
		for (k = 0; k < l->nspans; k++)
			if (!span_ok(&l->spans[k]))
				return herr_set(e, HERR_USAGE, "timeline: lane "
				    "%zu: a bar needs 0 < start <= end", i + 1);
	}
	return 0;
}

/* Writes s cleaned (as post titles are) and escaped for XML. */
static void
put_text(FILE *f, const char *s)
{
	char *c = feed_clean(s != NULL ? s : "", 0), *p;

	for (p = c; *p != '\0'; p++)
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*p, f);
		}
	free(c);
}

/* "18:05:01.123" (with date when asked), UTC. */
static void
clock_ms(char *buf, size_t size, int64_t ms, int date)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, size, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S",
	    &tm)) == 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf + n, size - n, ".%03d", (int)(ms % 1000));
}

/* A duration for people: "45 ms", "2.5 s", "4 min 10 s", "3 h 05 min". */
static void
dur_ms(char *buf, size_t size, int64_t ms)
{
	if (ms < 1000)
		snprintf(buf, size, "%" PRId64 " ms", ms);
	else if (ms < 10000)
		snprintf(buf, size, "%.1f s", (double)ms / 1000);
	else if (ms < 60000)
		snprintf(buf, size, "%" PRId64 " s", (ms + 500) / 1000);
	else if (ms < 3600000)
		snprintf(buf, size, "%" PRId64 " min %02" PRId64 " s",
		    ms / 60000, ms / 1000 % 60);
	else
		snprintf(buf, size, "%" PRId64 " h %02" PRId64 " min",
		    ms / 3600000, ms / 60000 % 60);
}

struct scale {
	int64_t	t0, t1;
};

static double
xpct(const struct scale *sc, int64_t t)
{
	return X0 + XW * (double)(t - sc->t0) / (double)(sc->t1 - sc->t0);
}

/* The time range over every band and bar; never empty. */
static void
range(const struct feed_timeline *t, struct scale *sc)
{
	size_t i, k;
	int any = 0;

	sc->t0 = sc->t1 = 0;
#define TAKE(s) do { \
		if (!any || (s).start_ms < sc->t0) sc->t0 = (s).start_ms; \
		if (!any || (s).end_ms > sc->t1) sc->t1 = (s).end_ms; \
		any = 1; \
	} while (0)
	for (i = 0; i < t->nbands; i++)
		TAKE(t->bands[i].span);
	for (i = 0; i < t->nlanes; i++)
		for (k = 0; k < t->lanes[i].nspans; k++)
			TAKE(t->lanes[i].spans[k]);
#undef TAKE
	if (!any)
		sc->t0 = sc->t1 = 1000;
	if (sc->t1 - sc->t0 < 100)	/* at least 100 ms across */
		sc->t1 = sc->t0 + 100;
}

static const int64_t steps_ms[] = { 20, 50, 100, 200, 500, 1000, 2000, 5000,
	10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000,
	3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000,
	604800000 };

/* Ticks along the top: clock times for long spans, offsets for short. */
static void
axis(FILE *f, const struct scale *sc, int height)
{
	int64_t span = sc->t1 - sc->t0, step = steps_ms[0], t;
	int absolute = span >= 600000;
	char lab[48];
	const char *anchor;
	size_t i;
	double x;

	for (i = 0; i < sizeof(steps_ms) / sizeof(steps_ms[0]); i++) {
		step = steps_ms[i];
		if (span / step <= 3)	/* labels fit a phone's width */
			break;
	}
	if (span / step > 3)	/* longer than three weeks */
		step = span / 3;
	t = absolute ? (sc->t0 + step - 1) / step * step : sc->t0;
	for (; t <= sc->t1; t += step) {
		x = xpct(sc, t);
		if (absolute) {
			time_t tt = (time_t)(t / 1000);
			struct tm tm;

			gmtime_r(&tt, &tm);
			strftime(lab, sizeof(lab), span >= 129600000 ?
			    "%m-%d %H:%M" : step < 60000 ? "%H:%M:%S" :
			    "%H:%M", &tm);
		} else if (t == sc->t0) {
			clock_ms(lab, sizeof(lab), t, 0);	/* then offsets */
			lab[8] = '\0';
		} else {
			lab[0] = '+';
			dur_ms(lab + 1, sizeof(lab) - 1, t - sc->t0);
		}
		anchor = x < 8 ? "start" : x > 92 ? "end" : "middle";
		fprintf(f, "<line x1=\"%.2f%%\" y1=\"%d\" x2=\"%.2f%%\" "
		    "y2=\"%d\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n", x,
		    AXIS_H - 4, x, height - LEGEND_H);
		fprintf(f, "<text x=\"%.2f%%\" y=\"13\" text-anchor=\"%s\" "
		    "fill=\"#555\">%s</text>\n", x, anchor, lab);
	}
}

static void
bands(FILE *f, const struct feed_timeline *t, const struct scale *sc,
    int height)
{
	char a[40], b[40];
	const char *short_label;
	double x, w;
	size_t i;
	int narrow = 0;

	for (i = 0; i < t->nbands; i++) {
		const struct feed_band *bd = &t->bands[i];

		x = xpct(sc, bd->span.start_ms);
		w = xpct(sc, bd->span.end_ms) - x;
		if (w < MIN_BAR_PCT)
			w = MIN_BAR_PCT;
		clock_ms(a, sizeof(a), bd->span.start_ms, 0);
		clock_ms(b, sizeof(b), bd->span.end_ms, 0);
		fprintf(f, "<rect x=\"%.2f%%\" y=\"%d\" width=\"%.2f%%\" "
		    "height=\"%d\" fill=\"%s\"><title>", x, AXIS_H, w,
		    height - LEGEND_H - AXIS_H, i % 2 ? "#e3ebf5" : "#eef3f9");
		put_text(f, bd->label);
		fprintf(f, ": %s to %s UTC</title></rect>\n", a, b);
	}
	/*
	 * Labels after every band, so that none is painted over.  If one
	 * band is too narrow for its label, every band shows its label's
	 * last word ("3" of "window 3"), the same way for all.
	 */
	for (i = 0; i < t->nbands; i++)
		if (xpct(sc, t->bands[i].span.end_ms) -
		    xpct(sc, t->bands[i].span.start_ms) < WIDE_BAND_PCT)
			narrow = 1;
	for (i = 0; i < t->nbands; i++) {
		const struct feed_band *bd = &t->bands[i];

		x = xpct(sc, bd->span.start_ms);
		w = xpct(sc, bd->span.end_ms) - x;
		short_label = strrchr(bd->label, ' ');
		fprintf(f, "<text x=\"%.2f%%\" y=\"%d\" text-anchor=\"%s\" "
		    "fill=\"#2a4d7a\" font-weight=\"bold\">", x > 80 ? x + w :
		    x + 0.5, AXIS_H + 13, x > 80 ? "end" : "start");
		put_text(f, !narrow || short_label == NULL ? bd->label :
		    short_label + 1);
		fprintf(f, "</text>\n");
	}
}

static void
lane(FILE *f, const struct feed_lane *l, const struct scale *sc, int y)
{
	char a[40], b[40], d[40];
	double x, w;
	size_t k;

	fprintf(f, "<text x=\"%.0f%%\" y=\"%d\"><tspan font-weight=\"bold\">",
	    X0, y + 13);
	put_text(f, l->label);
	fprintf(f, "</tspan>");
	if (l->note != NULL && l->note[0] != '\0') {
		fprintf(f, "<tspan fill=\"#555\"> \xc2\xb7 ");	/* middle dot */
		put_text(f, l->note);
		fprintf(f, "</tspan>");
	}
	fprintf(f, "</text>\n");
	/* the lane's track, then its bars */
	fprintf(f, "<rect x=\"%.0f%%\" y=\"%d\" width=\"%.0f%%\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#bbb\" stroke-width=\"1\"/>\n", X0,
	    y + BAR_Y, XW, BAR_H);
	for (k = 0; k < l->nspans; k++) {
		const struct feed_span *s = &l->spans[k];

		x = xpct(sc, s->start_ms);
		w = xpct(sc, s->end_ms) - x;
		if (w < MIN_BAR_PCT) {
			x -= (MIN_BAR_PCT - w) / 2;
			w = MIN_BAR_PCT;
		}
		clock_ms(a, sizeof(a), s->start_ms, 0);
		clock_ms(b, sizeof(b), s->end_ms, 0);
		dur_ms(d, sizeof(d), s->end_ms - s->start_ms);
		fprintf(f, "<rect class=\"bar-%s\" x=\"%.2f%%\" y=\"%d\" "
		    "width=\"%.2f%%\" height=\"%d\" fill=\"%s\"><title>",
		    bars[l->bar].name, x, y + BAR_Y, w, BAR_H,
		    bars[l->bar].colour);
		put_text(f, l->label);
		fprintf(f, ": %s %s to %s UTC (%s)</title></rect>\n",
		    bars[l->bar].legend, a, b, d);
	}
}

/* One swatch per bar colour in use, along the bottom. */
static void
legend(FILE *f, const struct feed_timeline *t, int y)
{
	int used[FEED_BAR__MAX] = { 0 }, b, slot = 0;
	size_t i;

	for (i = 0; i < t->nlanes; i++)
		used[t->lanes[i].bar] = 1;
	for (b = 0; b < FEED_BAR__MAX; b++) {
		if (!used[b])
			continue;
		fprintf(f, "<rect x=\"%.0f%%\" y=\"%d\" width=\"14\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%.0f%%\" y=\"%d\" dx=\"18\">%s"
		    "</text>\n", X0 + 24.0 * slot, y + 8, bars[b].colour,
		    X0 + 24.0 * slot, y + 17, bars[b].legend);
		slot++;
	}
}

int
feed_timeline_svg(const struct feed_timeline *t, char **out, struct herr *e)
{
	struct scale sc;
	char *p = NULL, a[40], b[40];
	size_t n = 0, i;
	int y, height;
	FILE *f;

	*out = NULL;
	if (feed_timeline_check(t, e) == -1)
		return -1;
	range(t, &sc);
	y = AXIS_H + (t->nbands > 0 ? BANDS_H : 0);
	height = y + LANE_H * (int)t->nlanes + LEGEND_H;
	if ((f = open_memstream(&p, &n)) == NULL)
		return herr_set(e, HERR_INTERNAL, "timeline: out of memory");
	fprintf(f, "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"100%%\" height=\"%d\" role=\"img\" aria-label=\"", height);
	put_text(f, t->title);
	clock_ms(a, sizeof(a), sc.t0, 1);
	clock_ms(b, sizeof(b), sc.t1, 1);
	fprintf(f, "\">\n<title>");
	put_text(f, t->title);
	fprintf(f, "</title>\n<desc>From %s to %s UTC; each row's bars show "
	    "when it was down or paused.</desc>\n<g font-family=\"system-ui, "
	    "sans-serif\" font-size=\"13\" fill=\"#222\">\n", a, b);
	bands(f, t, &sc, height);
	axis(f, &sc, height);
	for (i = 0; i < t->nlanes; i++)
		lane(f, &t->lanes[i], &sc, y + LANE_H * (int)i);
	legend(f, t, height - LEGEND_H);
	fprintf(f, "</g>\n</svg>\n");
	if (fclose(f) != 0) {
		free(p);
		return herr_set(e, HERR_INTERNAL, "timeline: out of memory");
	}
	*out = p;
	return 0;
}
