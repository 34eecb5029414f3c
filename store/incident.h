/*
 * store/incident: unplanned outages (schema 12).
 *
 * An incident names hosts (each with the time it was lost and came
 * back), the guests it took down (each with its owner, what recovery did
 * with it, and its outage intervals: down at, running again at), a
 * timeline (opened, updates, resolved; each entry remembers whether it
 * was said on IRC and posted), and one notice row per customer and kind
 * (open, resolved) that journals the mails: due, spooled or skipped.
 * hangar-health's incidents are linked by (host, its id); each host's
 * ingest key and the last report sequence it sent live in host_keys.
 *
 * Times are unix milliseconds (_ms) unless said otherwise.  List
 * functions return an array the caller frees with free().
 */
#ifndef HANGAR_STORE_INCIDENT_H
#define HANGAR_STORE_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define INC_CAUSE_MAX	24
#define INC_TEXT_MAX	600

struct incident_rec {
	int64_t	id;
	char	cause[INC_CAUSE_MAX];	/* host-unreachable, guest-crash,
					   controller, disk, array, smart */
	char	title[256];
	char	state[12];		/* open | resolved */
	int	announce;		/* 0: recorded, not told to customers */
	int64_t	opened_ms;
	int64_t	resolved_ms;		/* 0 while open */
	int64_t	posted;			/* unix s of the feed post; 0 */
	int64_t	post_id;
	int64_t	report_post;		/* the retrospective's post; 0 */
	/* derived */
	int	nhosts;
	int	nguests;
	int	ncustomers;
	int	ndown;			/* guests with an interval still open */
};

struct inc_host_rec {
	char	host[STORE_NAME_MAX];
	char	cause[INC_CAUSE_MAX];
	int64_t	lost_ms;
	int64_t	back_ms;		/* 0: not back yet */
	char	detail[256];
};

struct inc_guest_rec {
	char	guest[STORE_NAME_MAX];
	char	customer[STORE_NAME_MAX];
	char	host[STORE_NAME_MAX];
	char	cause[INC_CAUSE_MAX];
	char	recovery[16];		/* "", start, started, opt-out,
					   failed, missing, running */
	char	note[256];
	/* derived from its intervals */
	int64_t	down_ms;		/* the first interval's start */
	int64_t	up_ms;			/* the last one's end; 0: still down */
	int64_t	total_ms;		/* closed intervals summed */
	int	nintervals;
};

struct inc_outage_rec {
	char	guest[STORE_NAME_MAX];
	int64_t	down_ms;
	int64_t	up_ms;			/* 0: still down */
};

struct inc_event_rec {
	int	seq;
	int64_t	at_ms;
	char	kind[16];		/* opened, update, resolved, note */
	char	text[INC_TEXT_MAX];
	int	irc;			/* 0: to say, 1: said, -1: not for IRC */
	int64_t	post;			/* 0: to post, >0: its post, -1: none */
};

struct inc_notice_rec {
	int64_t	incident_id;
	char	customer[STORE_NAME_MAX];
	char	kind[12];		/* open | resolved */
	char	state[12];		/* due | spooled | skipped */
	char	detail[256];
	int64_t	at;			/* unix s it was spooled or skipped */
};

struct inc_health_rec {
	int64_t	incident_id;
	char	host[STORE_NAME_MAX];
	char	health_id[128];
	char	kind[16];
	char	state[16];
	char	severity[16];
	char	summary[512];
	int64_t	updated_ms;
};

/* Fills r->id. */
int	store_incident_add(struct store *st, struct incident_rec *r,
	    struct herr *e);
/* id 0: the newest. */
int	store_incident_get(struct store *st, int64_t id,
	    struct incident_rec *out, struct herr *e);
/* Newest first.  since_ms 0: all; -1: the open ones; else the open ones
   and those resolved at since_ms or later. */
int	store_incident_list(struct store *st, int64_t since_ms,
	    struct incident_rec **out, size_t *n, struct herr *e);
/* Whether it is posted and announced (cheap: no counting). */
int	store_incident_posted(struct store *st, int64_t id, int *posted,
	    struct herr *e);
/* Writes cause, title, state, announce, resolved_ms, posted, post_id,
   report_post. */
int	store_incident_set(struct store *st, const struct incident_rec *r,
	    struct herr *e);
/* The newest open incident naming host (*id 0 if none). */
int	store_incident_for_host(struct store *st, const char *host,
	    int64_t *id, struct herr *e);

/* Adds the host (or leaves it as it is if named already). */
int	store_inc_host_add(struct store *st, int64_t id,
	    const struct inc_host_rec *h, struct herr *e);
/* Sets back_ms of the host in every open incident where it is down;
   *n: how many rows changed (may be NULL). */
int	store_inc_host_back(struct store *st, const char *host,
	    int64_t back_ms, int *n, struct herr *e);
/* Lost again: back_ms cleared in the incident (id). */
int	store_inc_host_lost_again(struct store *st, int64_t id,
	    const char *host, struct herr *e);
int	store_inc_hosts(struct store *st, int64_t id, struct inc_host_rec **out,
	    size_t *n, struct herr *e);
/* Whether an open incident has host down (1/0), its lost time in *lost. */
int	store_inc_host_is_down(struct store *st, const char *host,
	    int64_t *lost);

/*
 * Adds the guest (kept if there) and, if down_ms > 0 and it has no open
 * interval in this incident, opens one at down_ms.  Returns 1 when an
 * interval was opened, 0 when not, -1 on error.
 */
int	store_inc_guest_add(struct store *st, int64_t id,
	    const struct inc_guest_rec *g, int64_t down_ms, struct herr *e);
/*
 * Adds every guest of host that was running or paused (status defined)
 * in one statement, each with an interval from down_ms unless one is
 * open; *n (may be NULL) gets how many guests the host had up.
 */
int	store_inc_host_guests_add(struct store *st, int64_t id,
	    const char *host, const char *cause, int64_t down_ms, size_t *n,
	    struct herr *e);
int	store_inc_guest_set(struct store *st, int64_t id, const char *guest,
	    const char *recovery, const char *note, struct herr *e);
/* Closes the guest's open interval(s) in open incidents at up_ms;
   returns how many it closed, -1 on error. */
int	store_inc_guest_up(struct store *st, const char *guest, int64_t up_ms,
	    struct herr *e);
/* The guest's row in incident id (HERR_NOTFOUND if not in it). */
int	store_inc_guest_get(struct store *st, int64_t id, const char *guest,
	    struct inc_guest_rec *out, struct herr *e);
int	store_inc_guests(struct store *st, int64_t id,
	    struct inc_guest_rec **out, size_t *n, struct herr *e);
/* The guests of one customer in incident id. */
int	store_inc_guests_of(struct store *st, int64_t id, const char *customer,
	    struct inc_guest_rec **out, size_t *n, struct herr *e);
/* Closes every interval of incident id still open, at up_ms. */
int	store_inc_close_all(struct store *st, int64_t id, int64_t up_ms,
	    struct herr *e);
int	store_inc_outages(struct store *st, int64_t id,
	    struct inc_outage_rec **out, size_t *n, struct herr *e);
/* The open incident that holds guest (*id 0 if none). */
int	store_inc_of_guest(struct store *st, const char *guest, int64_t *id,
	    struct herr *e);
/* Every guest of an open, announced incident: name and incident. */
struct inc_mark {
	char	guest[STORE_NAME_MAX];
	int64_t	incident_id;
	int	down;			/* an interval is still open */
};
int	store_inc_marks(struct store *st, const char *customer,
	    struct inc_mark **out, size_t *n, struct herr *e);
/* The distinct owners of the incident's guests, by name. */
int	store_inc_customers(struct store *st, int64_t id, char (**out)[64],
	    size_t *n, struct herr *e);

/* Appends to the timeline; *seq (may be NULL) gets its number. */
int	store_inc_event_add(struct store *st, int64_t id, int64_t at_ms,
	    const char *kind, const char *text, int irc, int64_t post, int *seq,
	    struct herr *e);
int	store_inc_events(struct store *st, int64_t id,
	    struct inc_event_rec **out, size_t *n, struct herr *e);
int	store_inc_event_mark(struct store *st, int64_t id, int seq, int irc,
	    int64_t post, struct herr *e);

/* Adds a notice row unless the (incident, customer, kind) has one. */
int	store_inc_notice_add(struct store *st, int64_t id, const char *customer,
	    const char *kind, const char *state, const char *detail,
	    struct herr *e);
/* A due notice of kind for every customer of incident id (one statement;
   those with one already keep it). */
int	store_inc_notices_add_all(struct store *st, int64_t id,
	    const char *kind, struct herr *e);
int	store_inc_notice_set(struct store *st, int64_t id, const char *customer,
	    const char *kind, const char *state, const char *detail,
	    struct herr *e);
int	store_inc_notices(struct store *st, int64_t id,
	    struct inc_notice_rec **out, size_t *n, struct herr *e);
/* Up to max due notices of any incident, oldest incident first. */
int	store_inc_notices_due(struct store *st, size_t max,
	    struct inc_notice_rec **out, size_t *n, struct herr *e);

/* hangar-health's incidents, by (host, its id). */
int	store_inc_health_get(struct store *st, const char *host,
	    const char *health_id, struct inc_health_rec *out, struct herr *e);
int	store_inc_health_put(struct store *st, const struct inc_health_rec *h,
	    struct herr *e);
/* How many of incident id's health links are not resolved. */
int	store_inc_health_open(struct store *st, int64_t id);
int	store_inc_health_list(struct store *st, int64_t id,
	    struct inc_health_rec **out, size_t *n, struct herr *e);

/* A host's ingest key (one per host; set replaces it and restarts the
   report sequence). */
struct host_key_rec {
	char	host[STORE_NAME_MAX];
	char	type[48];
	char	key[12288];
	char	comment[128];
	char	fingerprint[80];
	int64_t	created;
	int64_t	report_seq;		/* the last report taken; -1: none */
};
int	store_host_key_set(struct store *st, const char *host,
	    const struct host_key_rec *k, struct herr *e);
int	store_host_key_remove(struct store *st, const char *host,
	    struct herr *e);
int	store_host_key_get(struct store *st, const char *host,
	    struct host_key_rec *out, struct herr *e);
int	store_host_key_list(struct store *st, struct host_key_rec **out,
	    size_t *n, struct herr *e);
int	store_host_report_seq_set(struct store *st, const char *host,
	    int64_t seq, struct herr *e);

/* A guest's restart-after-outage choice (1 or 0). */
int	store_guest_restart_get(struct store *st, const char *guest, int *on,
	    struct herr *e);
int	store_guest_restart_set(struct store *st, const char *guest, int on,
	    struct herr *e);

#endif
