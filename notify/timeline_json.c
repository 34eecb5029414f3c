/*
 * timeline_json: feed_timeline to and from JSON.  See timeline_json.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "notify/timeline_json.h"

void
feed_timeline_doc_free(struct feed_timeline_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nstrs; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->bands);
	free(d->lanes);
	free(d->spans);
	free(d);
}

/* Whether o is an object with no key outside keys (NULL-ended). */
static int
only_keys(json_object *o, const char *const *keys, const char *what,
    struct herr *e)
{
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		return herr_set(e, HERR_USAGE, "timeline: %s must be an object",
		    what);
	json_object_object_foreach(o, k, v) {
		(void)v;
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL)
			return herr_set(e, HERR_USAGE, "timeline: %s: unknown "
			    "key", what);
	}
	return 0;
}

/* A string member, copied into d; NULL result with *ok 0 on error. */
static const char *
str_of(struct feed_timeline_doc *d, json_object *o, const char *k,
    int required, size_t max, const char *what, struct herr *e)
{
	json_object *v;
	size_t n;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL) {
		if (required)
			herr_set(e, HERR_USAGE, "timeline: %s needs %s", what, k);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    (n = (size_t)json_object_get_string_len(v)) > max ||
	    strlen(json_object_get_string(v)) != n) {
		herr_set(e, HERR_USAGE, "timeline: %s: %s must be a string of "
		    "at most %zu bytes", what, k, max);
		return NULL;
	}
	d->strs = xreallocarray(d->strs, d->nstrs + 1, sizeof(*d->strs));
	return d->strs[d->nstrs++] = xstrdup(json_object_get_string(v));
}

static int
int_of(json_object *v, int64_t *out)
{
	if (v == NULL || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static json_object *
array_of(json_object *o, const char *k, size_t max, const char *what,
    size_t *n, struct herr *e)
{
	json_object *v;

	*n = 0;
	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return NULL;
	if (!json_object_is_type(v, json_type_array) ||
	    (*n = json_object_array_length(v)) > max) {
		herr_set(e, HERR_USAGE, "timeline: %s: %s must be an array of "
		    "at most %zu", what, k, max);
		*n = (size_t)-1;
		return NULL;
	}
	return v;
}

static int
parse_band(struct feed_timeline_doc *d, json_object *o, size_t i,
    struct herr *e)
{
	static const char *const keys[] = { "label", "start_ms", "end_ms",
	    NULL };
	struct feed_band *b = &d->bands[i];
	json_object *v;

	if (only_keys(o, keys, "a band", e) == -1 ||
	    (b->label = str_of(d, o, "label", 1, FEED_TL_LABEL_MAX, "a band",
	    e)) == NULL)
		return -1;
	if (!json_object_object_get_ex(o, "start_ms", &v) ||
	    int_of(v, &b->span.start_ms) == -1 ||
	    !json_object_object_get_ex(o, "end_ms", &v) ||
	    int_of(v, &b->span.end_ms) == -1)
		return herr_set(e, HERR_USAGE, "timeline: band %zu needs "
		    "start_ms and end_ms (integers)", i + 1);
	return 0;
}

static int
parse_lane(struct feed_timeline_doc *d, json_object *o, size_t i,
    size_t *used, size_t cap, struct herr *e)
{
	static const char *const keys[] = { "label", "note", "bar", "spans",
	    NULL };
	struct feed_lane *l = &d->lanes[i];
	struct feed_span *sp;
	json_object *arr, *pair;
	const char *bar;
	size_t n, k;
	struct herr e2;
	int b;

	if (only_keys(o, keys, "a lane", e) == -1 ||
	    (l->label = str_of(d, o, "label", 1, FEED_TL_LABEL_MAX, "a lane",
	    e)) == NULL)
		return -1;
	herr_clear(&e2);
	l->note = str_of(d, o, "note", 0, FEED_TL_NOTE_MAX, "a lane", &e2);
	if (l->note == NULL && e2.code != HERR_OK) {
		*e = e2;
		return -1;
	}
	if ((bar = str_of(d, o, "bar", 1, 16, "a lane", e)) == NULL)
		return -1;
	if ((b = feed_bar_from_name(bar)) < 0)
		return herr_set(e, HERR_USAGE, "timeline: lane %zu: bar must be "
		    "down, pause or event", i + 1);
	l->bar = (enum feed_bar)b;
	arr = array_of(o, "spans", FEED_TL_SPANS_MAX, "a lane", &n, e);
	if (n == (size_t)-1)
		return -1;
	if (*used + n > cap)
		return herr_set(e, HERR_USAGE, "timeline: too many bars");
	sp = d->spans + *used;
	for (k = 0; k < n; k++) {
		pair = json_object_array_get_idx(arr, k);
		if (pair == NULL || !json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2 ||
		    int_of(json_object_array_get_idx(pair, 0),
		    &sp[k].start_ms) == -1 ||
		    int_of(json_object_array_get_idx(pair, 1),
		    &sp[k].end_ms) == -1)
			return herr_set(e, HERR_USAGE, "timeline: lane %zu: a "
			    "bar is [start_ms, end_ms]", i + 1);
	}
	l->spans = n > 0 ? sp : NULL;
	l->nspans = n;
	*used += n;
	return 0;
}

int
feed_timeline_from_json(json_object *o, struct feed_timeline_doc **out,
    struct herr *e)
{
	static const char *const keys[] = { "title", "bands", "lanes", NULL };
	struct feed_timeline_doc *d;
	json_object *bands, *lanes;
	size_t nb, nl, i, used = 0;
	const size_t cap = FEED_TL_LANES_MAX * FEED_TL_SPANS_MAX;

	*out = NULL;
	if (only_keys(o, keys, "the timeline", e) == -1)
		return -1;
	d = xcalloc(1, sizeof(*d));
	if ((d->t.title = str_of(d, o, "title", 1, FEED_TL_NOTE_MAX,
	    "the timeline", e)) == NULL)
		goto fail;
	bands = array_of(o, "bands", FEED_TL_BANDS_MAX, "the timeline", &nb,
	    e);
	if (nb == (size_t)-1)
		goto fail;
	lanes = array_of(o, "lanes", FEED_TL_LANES_MAX, "the timeline", &nl,
	    e);
	if (nl == (size_t)-1)
		goto fail;
	if (lanes == NULL || nl == 0) {
		herr_set(e, HERR_USAGE, "timeline: lanes: at least one");
		goto fail;
	}
	d->bands = xcalloc(nb + 1, sizeof(*d->bands));
	d->lanes = xcalloc(nl, sizeof(*d->lanes));
	d->spans = xcalloc(cap, sizeof(*d->spans));
	for (i = 0; i < nb; i++)
		if (parse_band(d, json_object_array_get_idx(bands, i), i,
		    e) == -1)
			goto fail;
	for (i = 0; i < nl; i++)
		if (parse_lane(d, json_object_array_get_idx(lanes, i), i, &used,
		    cap, e) == -1)
			goto fail;
	d->t.bands = d->bands;
	d->t.nbands = nb;
	d->t.lanes = d->lanes;
	d->t.nlanes = nl;
	if (feed_timeline_check(&d->t, e) == -1)
		goto fail;
	*out = d;
	return 0;
fail:
	feed_timeline_doc_free(d);
	return -1;
}

int
feed_timeline_parse(const char *text, size_t len,
    struct feed_timeline_doc **out, struct herr *e)
{
	struct json_tokener *tok;
	json_object *o;
	int r;

	*out = NULL;
	if (len > FEED_TL_JSON_MAX)
		return herr_set(e, HERR_USAGE, "timeline: more than %d bytes",
		    FEED_TL_JSON_MAX);
	if ((tok = json_tokener_new_ex(8)) == NULL)
		return herr_set(e, HERR_INTERNAL, "timeline: out of memory");
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_tokener_free(tok);
		json_object_put(o);
		return herr_set(e, HERR_USAGE, "timeline: not one JSON object");
	}
	json_tokener_free(tok);
	r = feed_timeline_from_json(o, out, e);
	json_object_put(o);
	return r;
}

static json_object *
span_json(const struct feed_span *s)
{
	json_object *a = json_object_new_array_ext(2);

	json_object_array_add(a, json_object_new_int64(s->start_ms));
	json_object_array_add(a, json_object_new_int64(s->end_ms));
	return a;
}

json_object *
feed_timeline_to_json(const struct feed_timeline *t, struct herr *e)
{
	json_object *o, *arr, *x, *sp;
	size_t i, k;

	if (feed_timeline_check(t, e) == -1)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "title", json_object_new_string(t->title));
	arr = json_object_new_array();
	for (i = 0; i < t->nbands; i++) {
		x = json_object_new_object();
		json_object_object_add(x, "label",
		    json_object_new_string(t->bands[i].label));
		json_object_object_add(x, "start_ms",
		    json_object_new_int64(t->bands[i].span.start_ms));
		json_object_object_add(x, "end_ms",
		    json_object_new_int64(t->bands[i].span.end_ms));
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "bands", arr);
	arr = json_object_new_array();
	for (i = 0; i < t->nlanes; i++) {
		const struct feed_lane *l = &t->lanes[i];

		x = json_object_new_object();
		json_object_object_add(x, "label",
		    json_object_new_string(l->label));
		if (l->note != NULL)
			json_object_object_add(x, "note",
			    json_object_new_string(l->note));
		json_object_object_add(x, "bar",
		    json_object_new_string(feed_bar_name(l->bar)));
		sp = json_object_new_array();
		for (k = 0; k < l->nspans; k++)
			json_object_array_add(sp, span_json(&l->spans[k]));
		json_object_object_add(x, "spans", sp);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "lanes", arr);
	return o;
}
