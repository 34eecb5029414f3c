/*
 * sender: delivers the report spool to the control node over OpenSSH,
 * from the daemon's poll loop, never blocking it (nor alert mail).
 *
 * When lines are pending it runs
 *   ssh -T -i KEY -o BatchMode=yes -o StrictHostKeyChecking=yes
 *       -o UserKnownHostsFile=KNOWN_HOSTS ... DEST
 * (the control node's forced command is hangar-ingest --host NAME),
 * writes the oldest pending line, waits for its answer and only on
 * "ok SEQ" marks it sent; then the next one, in order, one at a time.
 * With nothing left it closes ssh's input and lets it end.  When ssh
 * cannot connect, dies, answers nothing within the answer timeout or
 * answers out of turn, it is killed and tried again after a backoff
 * (retry-min doubling up to retry-max).  A line the control node
 * refuses ("error SEQ reason") is retried the same way; refused three
 * times in a row it is dropped, with the reason logged, so that one
 * bad line cannot hold back every later one.
 */
#ifndef HANGAR_HEALTH_SENDER_H
#define HANGAR_HEALTH_SENDER_H

#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "health/rspool.h"

#define SENDER_ANSWER_TIMEOUT	30	/* seconds for one "ok SEQ" */
#define SENDER_MAXREFUSED	3

struct sender_cfg {
	char	ssh[PATH_MAX];		/* /usr/bin/ssh */
	char	dest[256];		/* user@host, ssh://user@host:port */
	char	key[PATH_MAX];
	char	known_hosts[PATH_MAX];
	int	retry_min, retry_max;	/* seconds */
};

struct sender_stats {
	unsigned long	sent;		/* lines acknowledged */
	unsigned long	refused;	/* answers "error" */
	unsigned long	dropped;	/* refused too often */
	unsigned long	sessions;	/* ssh runs started */
	unsigned long	failures;	/* ... that ended badly */
};

struct sender;

/* sp stays the caller's. */
struct sender	*sender_new(const struct sender_cfg *cfg, struct rspool *sp);
/* Kills a running ssh. */
void		 sender_free(struct sender *s);
/* Adds the descriptors to poll (at most 3); returns how many. */
size_t		 sender_pollfds(const struct sender *s, struct pollfd *p);
/* Does what can be done now (now: CLOCK_MONOTONIC microseconds). */
void		 sender_step(struct sender *s, uint64_t now);
/* When sender_step has something to do without a descriptor event. */
uint64_t	 sender_next_due(const struct sender *s);
const struct sender_stats *sender_stats(const struct sender *s);

#endif
