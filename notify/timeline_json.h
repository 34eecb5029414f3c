/*
 * timeline_json: a feed_timeline (feed.h) to and from JSON, so that a
 * timeline can travel in a reply and be kept with its post:
 *
 *   {"title": "Maintenance cycle 1 (XSA-213)",
 *    "bands": [{"label": "window 1", "start_ms": N, "end_ms": N}, ...],
 *    "lanes": [{"label": "old-hdd-1", "note": "host down 4 min 10 s",
 *               "bar": "down"|"pause"|"event",
 *               "spans": [[START_MS, END_MS], ...]}, ...]}
 *
 * "bands" and "note" may be left out.  The parser is strict (unknown
 * keys, wrong types, too many or too long items are refused with one
 * line saying which) and fuzzed (fuzz/notify_timeline.c).
 */
#ifndef HANGAR_NOTIFY_TIMELINE_JSON_H
#define HANGAR_NOTIFY_TIMELINE_JSON_H

#include <json-c/json.h>

#include "lib/herr.h"
#include "notify/feed.h"

#define FEED_TL_JSON_MAX	(256 * 1024)	/* bytes of the text */

/* A parsed timeline; t points into storage the doc owns. */
struct feed_timeline_doc {
	struct feed_timeline	 t;
	struct feed_band	*bands;
	struct feed_lane	*lanes;
	struct feed_span	*spans;
	char			**strs;
	size_t			 nstrs;
};

/* *out is the caller's (feed_timeline_doc_free); NULL on error. */
int	feed_timeline_from_json(json_object *o, struct feed_timeline_doc **out,
	    struct herr *e);
int	feed_timeline_parse(const char *text, size_t len,
	    struct feed_timeline_doc **out, struct herr *e);
void	feed_timeline_doc_free(struct feed_timeline_doc *d);

/* A new JSON object for t (checked first: NULL and e set if bad). */
json_object	*feed_timeline_to_json(const struct feed_timeline *t,
		    struct herr *e);

#endif
