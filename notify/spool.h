/*
 * spool: a durable outbox directory for messages.
 *
 * spool_put writes a message to DIR/tmp.*, fsyncs it, renames it to
 * DIR/<id>.eml and fsyncs DIR, so once it returns the message survives a
 * crash, a kill -9 or a power cut.  spool_put_env also keeps the message's
 * envelope (sender, recipients) beside it in DIR/<id>.env, written first.
 *
 * spool_flush tries to send every due message in the order they were
 * spooled and unlinks a message only after the send function reported
 * that the MTA or SMTP server accepted it.  Each message has its own
 * schedule, so none blocks another; what the send function's error code
 * says decides what happens to a failed one:
 *   HERR_USAGE        refused for good (a 5xx for its recipient): set
 *                     aside in DIR/failed/<id>.eml with the reason in
 *                     <id>.why, never retried, counted in set_aside;
 *   HERR_UNREACHABLE  the server cannot be reached: retried with
 *                     backoff, and this flush stops (every other message
 *                     would wait for the same timeout);
 *   anything else     a temporary failure of this message (a 4xx):
 *                     retried with exponential backoff, and the flush
 *                     goes on with the next message.
 * Retry times are kept in memory, in the spool object: keep one object
 * for flushing; after a restart every message is due at once.  Leftover
 * tmp.* files (a crash in spool_put) are removed by spool_open.
 */
#ifndef HANGAR_NOTIFY_SPOOL_H
#define HANGAR_NOTIFY_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "lib/herr.h"

#define SPOOL_BACKOFF_MIN	15	/* seconds before the first retry */
#define SPOOL_BACKOFF_MAX	900

struct spool;

/* Returns 0 when the MTA accepted msg, -1 (and e) otherwise. */
typedef int (*spool_send_fn)(const char *msg, size_t len, void *arg,
	    struct herr *e);

struct spool_stats {
	size_t	sent;		/* accepted and removed in this flush */
	size_t	failed;		/* tried and not sent (kept or set aside) */
	size_t	queued;		/* left in the spool afterwards */
	size_t	set_aside;	/* refused for good: moved to DIR/failed */
};

#define SPOOL_MAXRCPT	32
#define SPOOL_ADDR_MAX	254

/* A message's envelope: addresses without < >, ASCII, no blanks. */
struct spool_env {
	const char	*from;
	const char	*rcpt[SPOOL_MAXRCPT];
	size_t		 nrcpt;
};

/* A message as spool_flush_msgs gives it to the send function. */
struct spool_msg {
	const char		*id;		/* its name, without .eml */
	const char		*data;
	size_t			 len;
	struct spool_env	 env;		/* nrcpt 0: none was kept */
	unsigned int		 attempts;	/* failed sends before this */
};

/* Returns 0 when the MTA accepted the message, -1 (and e) otherwise. */
typedef int (*spool_msg_fn)(const struct spool_msg *m, void *arg,
	    struct herr *e);

/* Creates DIR (mode 0700) if missing. */
struct spool	*spool_open(const char *dir, struct herr *e);
void		 spool_free(struct spool *s);
/* Writes msg durably; the new id is copied to id (may be NULL). */
int	 spool_put(struct spool *s, const char *msg, size_t len, char *id,
	    size_t idsize, struct herr *e);
/* The same, with its envelope (each address checked as said above). */
int	 spool_put_env(struct spool *s, const char *msg, size_t len,
	    const struct spool_env *env, char *id, size_t idsize,
	    struct herr *e);
/* Sends due messages (at most max, 0 = all); fills st (may be NULL). */
int	 spool_flush(struct spool *s, time_t now, size_t max,
	    spool_send_fn fn, void *arg, struct spool_stats *st,
	    struct herr *e);
/* The same, giving the send function each message with its envelope. */
int	 spool_flush_msgs(struct spool *s, time_t now, size_t max,
	    spool_msg_fn fn, void *arg, struct spool_stats *st,
	    struct herr *e);
/* Messages waiting, and the earliest time one is due (0 if none). */
size_t	 spool_count(struct spool *s);
time_t	 spool_next_due(const struct spool *s);
/* The default backoff after n failed attempts (n >= 1). */
time_t	 spool_backoff(unsigned int n);
/* Sets this spool's first and longest retry delay (seconds, >= 1). */
void	 spool_set_backoff(struct spool *s, time_t min, time_t max);

#endif
