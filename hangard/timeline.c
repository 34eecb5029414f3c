/*
 * timeline: a maintenance cycle's picture, from its journal (the steps'
 * own times, as the report's figures are): one band per window, from
 * its first step's start to its last step's end; one lane per host, down
 * from the start of its patch until its hypervisor answered again; one
 * lane per guest, with each live migration's pause, or the time it was
 * off while its host rebooted (or, moved off a retiring host, while its
 * disk was copied: consrun.c's "copy" step).  A cycle with more rows than a page can
 * show gets two lanes per window instead (its hosts, its VPSes), each
 * the union of their bars.  notify/feed draws it (feed_timeline_svg).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "notify/timeline_json.h"

#define DETAIL_LANES	40	/* more rows than this: a lane per window */

struct tl {
	struct feed_band	 bands[FEED_TL_BANDS_MAX];
	size_t			 nbands;
	struct feed_lane	 lanes[FEED_TL_LANES_MAX];
	size_t			 nlanes;
	char			*strs[2 * FEED_TL_LANES_MAX + FEED_TL_BANDS_MAX];
	size_t			 nstrs;
	struct feed_span	*spans[FEED_TL_LANES_MAX];
};

static const char *
keep(struct tl *t, char *s)
{
	return t->strs[t->nstrs++] = s;
}

static void
fmt_dur(char *buf, size_t size, int64_t ms)
{
	if (ms < 1000)
		snprintf(buf, size, "%lld ms", (long long)ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.1f s", (double)ms / 1000);
	else
		snprintf(buf, size, "%lld min %02lld s", (long long)ms / 60000,
		    (long long)ms / 1000 % 60);
}

static const struct step_rec *
step_of(const struct step_rec *steps, size_t n, const char *host,
    const char *guest, const char *kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(steps[i].kind, kind) == 0 &&
		    strcmp(steps[i].guest, guest) == 0 &&
		    (host == NULL || strcmp(steps[i].host, host) == 0))
			return &steps[i];
	return NULL;
}

/* A host's downtime: patch begun .. wait-up ended; 0 when unknown. */
static int
host_span(const struct step_rec *steps, size_t n, const char *host,
    struct feed_span *sp)
{
	const struct step_rec *p = step_of(steps, n, host, "", "patch");
	const struct step_rec *w = step_of(steps, n, host, "", "wait-up");

	if (p == NULL || w == NULL || p->started_ms <= 0 ||
	    w->ended_ms < p->started_ms)
		return 0;
	sp->start_ms = p->started_ms;
	sp->end_ms = w->ended_ms;
	return 1;
}

/*
 * A guest's bars: each migration's pause, ending when the step did, and
 * shutdown .. start for a reboot.  Returns how many (at most max); *down
 * is set when the guest was off rather than paused.
 */
static size_t
guest_spans(const struct step_rec *steps, size_t n, const char *guest,
    struct feed_span *sp, size_t max, int *down)
{
	const struct step_rec *s, *st;
	size_t i, k = 0;

	*down = 0;
	for (i = 0; i < n && k < max; i++) {
		s = &steps[i];
		if (strcmp(s->guest, guest) != 0 || s->ended_ms <= 0)
			continue;
		if ((strncmp(s->kind, "migrate", 7) == 0 ||
		    strncmp(s->kind, "move", 4) == 0) && s->pause_ms >= 0 &&
		    s->ended_ms - s->pause_ms > 0) {
			sp[k].start_ms = s->ended_ms - s->pause_ms;
			sp[k++].end_ms = s->ended_ms;
		} else if (strcmp(s->kind, "shutdown") == 0 &&
		    s->started_ms > 0 && (st = step_of(steps, n, NULL, guest,
		    "start")) != NULL && st->ended_ms >= s->started_ms) {
			sp[k].start_ms = s->started_ms;
			sp[k++].end_ms = st->ended_ms;
			*down = 1;
		} else if (strcmp(s->kind, "copy") == 0 &&
		    strncmp(s->detail, "was running", 11) == 0 &&
		    s->started_ms > 0 && s->ended_ms >= s->started_ms) {
			sp[k].start_ms = s->started_ms;
			sp[k++].end_ms = s->ended_ms;
			*down = 1;
		}
	}
	return k;
}

/*
 * Which steps open a guest's row (new array, one flag per step): its
 * patch's first step (shutdown or migrate-out), a move off a retiring
 * host (whose chain ends in "retire"; those hosts are not patched, so
 * their guests have no other row), or in a roll forward the guest's
 * first move or reboot, whichever the plan has first.
 */
static uint8_t *
guest_rows(const struct step_rec *steps, size_t n)
{
	uint8_t *row = xcalloc(n + 1, 1);
	json_object *first = json_object_new_object(), *v;
	const char *k;
	size_t i, j, f;

	for (i = 0; i < n; i++) {
		k = steps[i].kind;
		if (steps[i].plan_start_s >= 0 && (strcmp(k, "migrate") == 0 ||
		    strcmp(k, "shutdown") == 0)) {
			if (!json_object_object_get_ex(first, steps[i].guest,
			    &v) || steps[i].plan_start_s < steps[f =
			    (size_t)json_object_get_int64(v)].plan_start_s)
				json_object_object_add(first, steps[i].guest,
				    json_object_new_int64((int64_t)i));
			continue;
		}
		if (strcmp(k, "shutdown") == 0 || strcmp(k, "migrate-out") == 0)
			row[i] = 1;
		if (strcmp(k, "move") != 0 && strcmp(k, "copy") != 0)
			continue;
		for (j = i; j < n && steps[j].win == steps[i].win &&
		    strcmp(steps[j].host, steps[i].host) == 0; j++)
			if (strcmp(steps[j].kind, "retire") == 0)
				row[i] = 1;
	}
	json_object_object_foreach(first, name, idx) {
		(void)name;
		row[json_object_get_int64(idx)] = 1;
	}
	json_object_put(first);
	return row;
}

static int
cmp_span(const void *a, const void *b)
{
	const struct feed_span *x = a, *y = b;

	return x->start_ms < y->start_ms ? -1 : x->start_ms > y->start_ms;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The union of n bars in sp, in place, then fewer than FEED_TL_SPANS_MAX
 * by closing the smallest gaps; returns the new count.
 */
static size_t
span_union(struct feed_span *sp, size_t n)
{
	int64_t *gaps, cut = -1;
	size_t i, k = 0;

	if (n == 0)
		return 0;
	qsort(sp, n, sizeof(*sp), cmp_span);
	for (i = 1; i < n; i++) {
		if (sp[i].start_ms <= sp[k].end_ms) {
			if (sp[i].end_ms > sp[k].end_ms)
				sp[k].end_ms = sp[i].end_ms;
		} else
			sp[++k] = sp[i];
	}
	n = k + 1;
	if (n <= FEED_TL_SPANS_MAX)
		return n;
	gaps = xcalloc(n, sizeof(*gaps));
	for (i = 1; i < n; i++)
		gaps[i - 1] = sp[i].start_ms - sp[i - 1].end_ms;
	qsort(gaps, n - 1, sizeof(*gaps), cmp_i64);
	cut = gaps[n - FEED_TL_SPANS_MAX];	/* close every gap up to this */
	free(gaps);
	for (i = 1, k = 0; i < n; i++) {
		if (sp[i].start_ms - sp[k].end_ms <= cut)
			sp[k].end_ms = sp[i].end_ms;
		else
			sp[++k] = sp[i];
	}
	return k + 1;
}

static void
add_lane(struct tl *t, char *label, char *note, enum feed_bar bar,
    struct feed_span *sp, size_t n)
{
	struct feed_lane *l = &t->lanes[t->nlanes];

	l->label = keep(t, label);
	l->note = note != NULL ? keep(t, note) : NULL;
	l->bar = bar;
	l->spans = sp;
	l->nspans = n;
	t->spans[t->nlanes++] = sp;
}

static void
add_bands(struct tl *t, const struct step_rec *steps, size_t n)
{
	struct feed_band *b;
	size_t i;
	int w;

	for (w = 0; w < FEED_TL_BANDS_MAX; w++) {
		b = &t->bands[t->nbands];
		b->span.start_ms = b->span.end_ms = 0;
		for (i = 0; i < n; i++) {
			if (steps[i].win != w)
				continue;
			if (steps[i].started_ms > 0 && (b->span.start_ms == 0 ||
			    steps[i].started_ms < b->span.start_ms))
				b->span.start_ms = steps[i].started_ms;
			if (steps[i].ended_ms > b->span.end_ms)
				b->span.end_ms = steps[i].ended_ms;
		}
		if (b->span.start_ms <= 0 || b->span.end_ms < b->span.start_ms)
			continue;
		b->label = keep(t, xasprintf("window %d", w + 1));
		t->nbands++;
	}
}

/* One lane per host and per guest. */
static void
detail_lanes(struct tl *t, const struct step_rec *steps, size_t n,
    const uint8_t *row)
{
	struct feed_span *sp;
	char d[40];
	int64_t sum;
	size_t i, k, m;
	int down;

	for (i = 0; i < n; i++) {
		if (strcmp(steps[i].kind, "mark") != 0)
			continue;
		sp = xcalloc(1, sizeof(*sp));
		m = (size_t)host_span(steps, n, steps[i].host, sp);
		if (m > 0)
			fmt_dur(d, sizeof(d), sp->end_ms - sp->start_ms);
		add_lane(t, xstrdup(steps[i].host), m > 0 ? xasprintf("down "
		    "%s", d) : xstrdup("not patched yet"), FEED_BAR_DOWN, sp, m);
	}
	for (i = 0; i < n; i++) {
		if (!row[i])
			continue;
		sp = xcalloc(8, sizeof(*sp));
		m = guest_spans(steps, n, steps[i].guest, sp, 8, &down);
		for (k = 0, sum = 0; k < m; k++)
			sum += sp[k].end_ms - sp[k].start_ms;
		fmt_dur(d, sizeof(d), sum);
		add_lane(t, xasprintf("%s (%s)", steps[i].guest, steps[i].host),
		    m == 0 ? xstrdup("not moved yet") : down ?
		    xasprintf("rebooted, off %s", d) : xasprintf("%zu pause%s, "
		    "%s", m, m == 1 ? "" : "s", d),
		    down ? FEED_BAR_DOWN : FEED_BAR_PAUSE, sp, m);
	}
}

/* Two lanes per window: its hosts' downtime, its guests' pauses. */
static void
window_lanes(struct tl *t, const struct step_rec *steps, size_t n,
    const uint8_t *row)
{
	struct feed_span *hs, *gs, tmp[8];
	size_t i, k, m, nh, ng, hosts, guests;
	int w, down, anydown;

	for (w = 0; w < FEED_TL_LANES_MAX / 2; w++) {
		hs = xcalloc(n + 1, sizeof(*hs));
		gs = xcalloc(8 * n + 1, sizeof(*gs));
		nh = ng = hosts = guests = 0;
		anydown = 0;
		for (i = 0; i < n; i++) {
			if (steps[i].win != w)
				continue;
			if (strcmp(steps[i].kind, "mark") == 0) {
				hosts++;
				nh += (size_t)host_span(steps, n,
				    steps[i].host, &hs[nh]);
			}
			if (row[i]) {
				guests++;
				m = guest_spans(steps, n, steps[i].guest, tmp,
				    8, &down);
				anydown |= down;
				for (k = 0; k < m; k++)
					gs[ng++] = tmp[k];
			}
		}
		if (hosts == 0 && guests == 0) {
			free(hs);
			free(gs);
			continue;
		}
		if (hosts > 0)
			add_lane(t, xasprintf("window %d: %zu hosts", w + 1,
			    hosts), xstrdup("each host's downtime, together"),
			    FEED_BAR_DOWN, hs, span_union(hs, nh));
		else
			free(hs);
		add_lane(t, xasprintf("window %d: %zu VPSes", w + 1, guests),
		    xstrdup(anydown ? "paused or off, together" :
		    "live-migration pauses, together"), anydown ? FEED_BAR_DOWN :
		    FEED_BAR_PAUSE, gs, span_union(gs, ng));
	}
}

static void
tl_free(struct tl *t)
{
	size_t i;

	for (i = 0; i < t->nstrs; i++)
		free(t->strs[i]);
	for (i = 0; i < t->nlanes; i++)
		free(t->spans[i]);
	free(t);
}

json_object *
maint_timeline(const struct step_rec *steps, size_t n, int64_t cycle,
    const char *advisories)
{
	struct feed_timeline ft;
	struct tl *t = xcalloc(1, sizeof(*t));
	json_object *o;
	struct herr e;
	size_t i, rows = 0;
	uint8_t *row = guest_rows(steps, n);
	char *title;

	for (i = 0; i < n; i++)
		rows += strcmp(steps[i].kind, "mark") == 0 || row[i];
	add_bands(t, steps, n);
	if (rows <= DETAIL_LANES)
		detail_lanes(t, steps, n, row);
	else
		window_lanes(t, steps, n, row);
	free(row);
	title = xasprintf("Maintenance cycle %lld (%.120s): hosts down and "
	    "VPSes paused, window by window", (long long)cycle, advisories);
	memset(&ft, 0, sizeof(ft));
	ft.title = title;
	ft.bands = t->bands;
	ft.nbands = t->nbands;
	ft.lanes = t->lanes;
	ft.nlanes = t->nlanes;
	o = t->nlanes > 0 ? feed_timeline_to_json(&ft, &e) : NULL;
	if (t->nlanes > 0 && o == NULL)
		log_warnx("maintenance cycle %lld: no timeline: %s",
		    (long long)cycle, e.msg);
	free(title);
	tl_free(t);
	return o;
}
