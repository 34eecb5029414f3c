/*
 * irc: a small IRC client that lives in hangard's poll(2) loop and tells
 * one channel what the fleet is doing.
 *
 * No threads of ours and no blocking call: the socket is non-blocking, a
 * host name is resolved with getaddrinfo_a(3) and polled.  The client
 * registers (PASS, NICK, USER), joins its channel, answers PING, and
 * reconnects by itself with exponential backoff whenever the connection
 * drops.  irc_say() queues text; lines leave at most `burst` at once and
 * then one per `interval_ms` (ircII-style flood control), each cut to fit
 * the 512-byte line limit as the server relays it, with CR, LF and other
 * control characters removed so a message can never become a command.
 * A line is taken off the queue only once the kernel took all of it, so
 * a drop loses at most what was in flight.  Plain TCP only: no TLS.
 *
 * Use:
 *	struct pollfd pfd;
 *	for (;;) {
 *		now = irc_now_ms();
 *		irc_pollfd(irc, &pfd);
 *		poll(&pfd, 1, irc_timeout_ms(irc, now));
 *		irc_handle(irc, pfd.revents, irc_now_ms());
 *	}
 */
#ifndef HANGAR_NOTIFY_IRC_H
#define HANGAR_NOTIFY_IRC_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"

#define IRC_LINE_MAX		512	/* a line with its CR LF (RFC 2812) */
#define IRC_RECV_MAX		4096	/* longest received line we parse */
#define IRC_PARAMS_MAX		15

/* A parsed server line; the pointers point into buf. */
struct irc_msg {
	char	*prefix;	/* "nick!user@host" or a server, or NULL */
	char	*command;	/* "PRIVMSG", "001", ... */
	char	*params[IRC_PARAMS_MAX];
	int	 nparams;
	char	 buf[IRC_RECV_MAX];
};

/*
 * Parses one line (without CR LF; IRCv3 tags are skipped).  Returns -1
 * for a line that is not IRC: empty, too long, a NUL/CR/LF inside, no or
 * a malformed command.  Pure; fuzzed by fuzz/notify_irc.c.
 */
int	 irc_parse(const char *line, size_t len, struct irc_msg *m);
/* Copies the nick of a "nick!user@host" prefix into buf. */
void	 irc_prefix_nick(const char *prefix, char *buf, size_t size);
/* RFC 1459 case-insensitive comparison ([]\~ are the upper case of {}|^). */
int	 irc_casecmp(const char *a, const char *b);

/*
 * Writes src into dst (size bytes) as one IRC text: CR, LF and tab become
 * a space, NUL ends it, other C0 controls and DEL are removed except the
 * formatting codes ^B ^C ^O ^V ^] ^_; leading and trailing spaces go.
 */
void	 irc_clean(char *dst, size_t size, const char *src);
/*
 * Length of the first piece of s (len bytes) that fits in max bytes: the
 * whole of s, else up to the last space in its second half, else up to a
 * UTF-8 character boundary.
 */
size_t	 irc_split(const char *s, size_t len, size_t max);

enum irc_state {
	IRC_IDLE,		/* waiting to (re)connect */
	IRC_RESOLVING,		/* getaddrinfo_a running */
	IRC_CONNECTING,		/* non-blocking connect in progress */
	IRC_REGISTERING,	/* NICK/USER sent, waiting for 001 */
	IRC_JOINING,		/* JOIN sent (or waiting to rejoin) */
	IRC_READY		/* in the channel: sending the queue */
};

struct irc_cfg {
	const char	*host;		/* name or address */
	const char	*port;		/* "6667" */
	const char	*nick;		/* up to 30 of IRC's nick characters */
	const char	*user;		/* NULL: the nick */
	const char	*realname;	/* NULL: "hangar" */
	const char	*password;	/* server password (PASS) or NULL */
	const char	*channel;	/* "#status" */
	const char	*key;		/* channel key or NULL */
	unsigned int	 burst;		/* lines sent at once; 0: 4 */
	unsigned int	 interval_ms;	/* then one line per; 0: 1000 */
	unsigned int	 backoff_min_ms;	/* first reconnect delay; 0: 1000 */
	unsigned int	 backoff_max_ms;	/* longest; 0: 300000 */
	unsigned int	 queue_max;	/* lines kept; 0: 1000, oldest dropped */
};

struct irc;

/* Checks and copies cfg; connects on the first irc_handle. */
struct irc	*irc_new(const struct irc_cfg *cfg, struct herr *e);
/* Sends QUIT if connected (without waiting) and frees everything. */
void		 irc_free(struct irc *irc);

/* Fills pfd (fd -1 when there is nothing to watch); returns 1 or 0. */
int	 irc_pollfd(struct irc *irc, struct pollfd *pfd);
/* Does the I/O that revents allows and the work due at now. */
void	 irc_handle(struct irc *irc, short revents, uint64_t now);
/* Milliseconds until irc_handle must run again without events; -1: never. */
int	 irc_timeout_ms(struct irc *irc, uint64_t now);

/*
 * Queues text for the channel, cleaned and split; returns the number of
 * lines queued (0 for an empty text).
 */
size_t	 irc_say(struct irc *irc, const char *text);

enum irc_state	 irc_state(const struct irc *irc);
const char	*irc_state_name(enum irc_state s);
size_t		 irc_queued(const struct irc *irc);	/* lines waiting */
size_t		 irc_dropped(const struct irc *irc);	/* lost to queue_max */
unsigned int	 irc_connects(const struct irc *irc);	/* times READY */
const char	*irc_nick(const struct irc *irc);	/* current nick */
/* Longest text of one PRIVMSG line with this configuration. */
size_t		 irc_text_max(const struct irc *irc);

/* CLOCK_MONOTONIC in milliseconds, the clock irc_handle expects. */
uint64_t irc_now_ms(void);

#endif
