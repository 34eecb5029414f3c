/*
 * rspool: the durable spool of report lines for the control node.
 *
 * DIR/log holds the lines, one per incident change, appended and
 * fsynced before anything is sent; DIR/acked the sequence number of
 * the last line the control node acknowledged (written to a temporary
 * file, fsynced, renamed).  Sequence numbers are per host, strictly
 * increasing and never reused: after a restart the next one follows
 * the highest in either file, and a spool made from nothing starts at
 * the current time in seconds (so a lost state directory does not
 * reuse numbers the control node has seen).  A line torn by a crash in
 * the middle of a write is dropped when the spool is opened.  Once
 * every line is acknowledged, a log grown past RSPOOL_COMPACT bytes is
 * emptied (acked keeps the count going).
 */
#ifndef HANGAR_HEALTH_RSPOOL_H
#define HANGAR_HEALTH_RSPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/herr.h"

#define RSPOOL_COMPACT	(256 * 1024)

struct rspool;

/* Creates DIR (mode 0700) if missing; now seeds a new spool's numbers. */
struct rspool	*rspool_open(const char *dir, time_t now, struct herr *e);
void		 rspool_free(struct rspool *s);
/* The number the next line gets. */
uint64_t	 rspool_next_seq(const struct rspool *s);
/* Appends line (its "seq" must be rspool_next_seq) durably. */
int		 rspool_append(struct rspool *s, uint64_t seq, const char *line,
		    struct herr *e);
/* Lines not acknowledged yet, oldest first: how many, and the i-th. */
size_t		 rspool_pending(const struct rspool *s);
const char	*rspool_line(const struct rspool *s, size_t i, uint64_t *seq);
/* The oldest pending line was acknowledged (seq must be its number). */
int		 rspool_ack(struct rspool *s, uint64_t seq, struct herr *e);
uint64_t	 rspool_acked(const struct rspool *s);

#endif
