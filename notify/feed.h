/*
 * feed: the public status feed, rendered from posts as an Atom 1.0 feed
 * (RFC 4287, with RFC 4685 threading for incident updates) and as one
 * static, self-contained HTML5 page (inline CSS, no scripts, nothing
 * loaded from elsewhere) that any web server can serve.
 *
 * Pure code: renderers take posts and return a string; feed_write puts
 * both files into a directory atomically.  Every text of a post may come
 * from an operator's shell or a ticket: control characters are removed,
 * invalid UTF-8 becomes U+FFFD and everything is escaped for its context.
 */
#ifndef HANGAR_NOTIFY_FEED_H
#define HANGAR_NOTIFY_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/herr.h"

#define FEED_ID_MAX		64	/* bytes of a post id */
#define FEED_TITLE_MAX		200	/* bytes of a cleaned title */
#define FEED_BODY_MAX		65536	/* bytes of a body */
#define FEED_MINUTES_MAX	1000000	/* a downtime figure, in minutes */
#define FEED_ATOM_FILE		"feed.atom"
#define FEED_HTML_FILE		"index.html"

enum post_kind {
	POST_MAINT_SCHEDULED,		/* "maintenance-scheduled" */
	POST_MAINT_IN_PROGRESS,		/* "maintenance-in-progress" */
	POST_MAINT_COMPLETED,		/* "maintenance-completed" */
	POST_INCIDENT,			/* "incident" */
	POST_INCIDENT_UPDATE,		/* "incident-update" */
	POST_ANNOUNCEMENT,		/* "announcement" */
	POST__MAX
};

/* Host downtime of one maintenance cycle, in minutes. */
struct post_downtime {
	int		present;	/* 0: no figures for this post */
	unsigned int	average;
	unsigned int	longest;
	unsigned int	shortest;
};

/*
 * A timeline: what was down or paused when, drawn as inline SVG (no
 * script, nothing loaded from elsewhere) beside a post's figures.  Each
 * lane is a row with a label and its bars; bands shade the time behind
 * every lane (maintenance windows, an incident's phases).  Times are
 * milliseconds since the epoch, UTC.  Borrowed, like a post's strings.
 */
#define FEED_TL_LANES_MAX	64	/* rows */
#define FEED_TL_SPANS_MAX	64	/* bars in one row */
#define FEED_TL_BANDS_MAX	32
#define FEED_TL_LABEL_MAX	100	/* bytes of a label */
#define FEED_TL_NOTE_MAX	200	/* bytes of a note or the title */

enum feed_bar {
	FEED_BAR_DOWN,			/* "down": red, unavailable */
	FEED_BAR_PAUSE,			/* "pause": blue, a short pause */
	FEED_BAR_EVENT,			/* "event": purple, anything else */
	FEED_BAR__MAX
};

struct feed_span {
	int64_t		start_ms;
	int64_t		end_ms;		/* >= start_ms */
};

struct feed_lane {
	const char		*label;	/* "old-hdd-1" */
	const char		*note;	/* "host down 4 min 10 s", or NULL */
	enum feed_bar		 bar;	/* the colour of its bars */
	const struct feed_span	*spans;
	size_t			 nspans;
};

struct feed_band {
	const char		*label;	/* "window 1" */
	struct feed_span	 span;
};

struct feed_timeline {
	const char		*title;	/* the caption, also read aloud */
	const struct feed_band	*bands;
	size_t			 nbands;
	const struct feed_lane	*lanes;
	size_t			 nlanes;
};

/* Borrowed strings: the caller owns them; the renderers copy nothing. */
struct post {
	const char		*id;	/* 1-64 of [A-Za-z0-9._-], unique */
	enum post_kind		 kind;
	const char		*title;
	const char		*author;	/* NULL: the feed's author */
	time_t			 published;	/* UTC */
	time_t			 updated;	/* 0 or < published: published */
	const char		*body;	/* plain text, blank line = paragraph */
	const char		*parent;	/* incident of an update, or NULL */
	struct post_downtime	 downtime;
	const struct feed_timeline *timeline;	/* drawn in the page, or NULL */
};

struct feed_meta {
	const char	*title;		/* "example.net status" */
	const char	*base_url;	/* "https://status.example.net/" */
	const char	*author;	/* default author of posts */
	time_t		 now;		/* feed <updated> when there are no posts */
	size_t		 atom_max;	/* newest entries in the feed, 0 = all */
	int		 no_atom;	/* HTML alone: no link to the feed */
};

/* "incident" <-> POST_INCIDENT; -1 for an unknown name. */
const char	*post_kind_name(enum post_kind k);
const char	*post_kind_label(enum post_kind k);	/* "Incident" */
int		 post_kind_from_name(const char *name);

/*
 * Checks a post on its own (id, kind, title, times, downtime figures);
 * feed_atom and feed_html also check the set (unique ids).
 */
int	 post_check(const struct post *p, struct herr *e);
int	 feed_meta_check(const struct feed_meta *m, struct herr *e);

/*
 * Returns s as valid UTF-8 without control characters (C0, DEL, C1, and
 * U+FFFE/U+FFFF): invalid bytes become U+FFFD; with multiline, CR LF and
 * CR become LF and tabs a space, otherwise every line break or tab becomes
 * a space.  The caller frees the result.
 */
char	*feed_clean(const char *s, int multiline);

/*
 * One sentence with the figures, for a post's body or an IRC line:
 * "Host downtime this cycle: 35 minutes on average, 67 at the longest,
 * 15 at the shortest."  The caller frees it; NULL without figures.
 */
char	*feed_downtime_text(const struct post_downtime *d);

/*
 * timeline.c: checks a timeline (counts, lengths, times in order), and
 * renders it as one <svg> element sized by the page: bars are placed in
 * percent of its width, text keeps its size, so it reads the same on a
 * phone and a desktop.  Labels and notes are cleaned as post titles are.
 * *out is the caller's to free; on error it is NULL.
 */
int	 feed_timeline_check(const struct feed_timeline *t, struct herr *e);
int	 feed_timeline_svg(const struct feed_timeline *t, char **out,
	    struct herr *e);
const char	*feed_bar_name(enum feed_bar b);	/* "down" */
int		 feed_bar_from_name(const char *name);	/* -1: unknown */

/* Render into *out (the caller frees it); on error *out is NULL. */
int	 feed_atom(const struct post *posts, size_t n,
	    const struct feed_meta *m, char **out, struct herr *e);
int	 feed_html(const struct post *posts, size_t n,
	    const struct feed_meta *m, char **out, struct herr *e);

/*
 * Renders both and replaces DIR/feed.atom and DIR/index.html, each by a
 * temporary file that is written, fsync'd and renamed (mode 0644), then
 * fsyncs DIR.  A reader sees the old or the new file, never a part.
 */
int	 feed_write(const char *dir, const struct post *posts, size_t n,
	    const struct feed_meta *m, struct herr *e);

#endif
