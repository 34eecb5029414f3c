/*
 * spool: a durable outbox directory for messages.
 *
 * spool_put writes a message to DIR/tmp.*, fsyncs it, renames it to
 * DIR/<id>.eml and fsyncs DIR, so once it returns the message survives a
 * crash, a kill -9 or a power cut.  spool_flush tries to send every due
 * message in the order they were spooled and unlinks a message only after
 * the send function reported that the MTA or SMTP server accepted it; a
 * failed message is retried with exponential backoff (in memory: after a
 * restart every message is due at once).  Leftover tmp.* files (a crash in
 * spool_put) are removed by spool_open.
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
	size_t	failed;		/* tried and kept */
	size_t	queued;		/* left in the spool afterwards */
};

/* Creates DIR (mode 0700) if missing. */
struct spool	*spool_open(const char *dir, struct herr *e);
void		 spool_free(struct spool *s);
/* Writes msg durably; the new id is copied to id (may be NULL). */
int	 spool_put(struct spool *s, const char *msg, size_t len, char *id,
	    size_t idsize, struct herr *e);
/* Sends due messages (at most max, 0 = all); fills st (may be NULL). */
int	 spool_flush(struct spool *s, time_t now, size_t max,
	    spool_send_fn fn, void *arg, struct spool_stats *st,
	    struct herr *e);
/* Messages waiting, and the earliest time one is due (0 if none). */
size_t	 spool_count(struct spool *s);
time_t	 spool_next_due(const struct spool *s);
/* The default backoff after n failed attempts (n >= 1). */
time_t	 spool_backoff(unsigned int n);
/* Sets this spool's first and longest retry delay (seconds, >= 1). */
void	 spool_set_backoff(struct spool *s, time_t min, time_t max);

#endif
