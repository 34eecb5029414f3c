/*
 * irc: a non-blocking IRC client for a poll loop.  See irc.h.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "notify/irc.h"

#define CONNECT_TIMEOUT		10000	/* ms to connect */
#define REGISTER_TIMEOUT	30000	/* ms from connect to 001 */
#define JOIN_TIMEOUT		30000	/* ms from JOIN to our JOIN echo */
#define REJOIN_DELAY		30000	/* after a KICK or a refused JOIN */
#define IDLE_PING		120000	/* ms of silence before our PING */
#define PING_TIMEOUT		60000	/* ms for the answer */
#define RESOLVE_POLL		50	/* ms between getaddrinfo_a checks */
#define NICK_MAX		30
#define NICK_TRIES		10
#define WBUF_MAX		16384	/* control lines buffered at most */
/* What a server adds when it relays our PRIVMSG: ":nick!~user@host " */
#define RELAY_RESERVE(nick, user) (1 + (nick) + 1 + 1 + (user) + 1 + 63 + 1)

struct irc {
	/* configuration (owned copies) */
	char		*host, *port, *nick0, *user, *realname, *password;
	char		*channel, *key;
	unsigned int	 burst, interval, backoff_min, backoff_max, qmax;

	enum irc_state	 state;
	int		 fd;
	char		 nick[NICK_MAX + 4];
	int		 nick_tries;
	uint64_t	 retry_at;	/* IDLE: next attempt */
	unsigned int	 backoff;	/* next delay after a failure */
	uint64_t	 deadline;	/* of the current state, 0: none */
	uint64_t	 rejoin_at;	/* JOINING: send JOIN then, 0: sent */
	uint64_t	 last_rx;
	uint64_t	 ping_at;	/* our PING is out since, 0: none */
	unsigned int	 connects;

	/* resolution */
	struct gaicb	 gai;
	struct addrinfo	 hints;
	int		 gai_active;	/* getaddrinfo_a running */
	struct addrinfo	*ai;		/* the result, freed on drop */
	struct addrinfo	*ai_next;	/* the next address to try */

	/* receive */
	char		 rbuf[IRC_RECV_MAX];
	size_t		 rlen;
	int		 rdiscard;	/* inside an over-long line */

	/* send: control lines and at most one queued line in flight */
	char		*wbuf;
	size_t		 wlen, woff, wcap;
	size_t		 inflight_end;	/* 0: none; else end offset in wbuf */

	/* text queue (ring), rate limit */
	char		**q;
	size_t		 qhead, qlen;
	size_t		 dropped;
	uint64_t	 credit;	/* ms of sending allowed, up to burst */
	uint64_t	 credit_at;	/* when credit was computed */
};

static void	drop(struct irc *, uint64_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

uint64_t
irc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- pure helpers ---- */

static int
is_letter(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int
irc_parse(const char *line, size_t len, struct irc_msg *m)
{
	char *s, *end;

	memset(m, 0, offsetof(struct irc_msg, buf));
	if (len == 0 || len >= sizeof(m->buf) || memchr(line, '\0', len) ||
	    memchr(line, '\r', len) || memchr(line, '\n', len))
		return -1;
	memcpy(m->buf, line, len);
	m->buf[len] = '\0';
	s = m->buf;
	end = s + len;
	if (*s == '@') {			/* IRCv3 message tags */
		if ((s = strchr(s, ' ')) == NULL)
			return -1;
		while (*s == ' ')
			s++;
	}
	if (*s == ':') {
		m->prefix = ++s;
		while (*s != ' ' && *s != '\0')
			s++;
		if (s == m->prefix || *s == '\0')
			return -1;
		*s++ = '\0';
		while (*s == ' ')
			s++;
	}
	m->command = s;
	while (*s != ' ' && *s != '\0')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	if (m->command[0] == '\0')
		return -1;
	if (is_letter(m->command[0])) {
		const char *c;

		for (c = m->command; *c != '\0'; c++)
			if (!is_letter(*c))
				return -1;
	} else if (strlen(m->command) != 3 ||
	    strspn(m->command, "0123456789") != 3)
		return -1;
	while (s < end) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (*s == ':' || m->nparams == IRC_PARAMS_MAX - 1) {
			m->params[m->nparams++] = *s == ':' ? s + 1 : s;
			break;
		}
		m->params[m->nparams++] = s;
		while (*s != ' ' && *s != '\0')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return 0;
}

void
irc_prefix_nick(const char *prefix, char *buf, size_t size)
{
	size_t n;

	if (size == 0)
		return;
	n = prefix ? strcspn(prefix, "!@") : 0;
	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(buf, prefix, n);
	buf[n] = '\0';
}

static int
rfc1459_lower(int c)
{
	if (c >= 'A' && c <= ']')	/* A-Z [ \ ] */
		return c + 32;
	if (c == '~')
		return '^';
	return c;
}

int
irc_casecmp(const char *a, const char *b)
{
	int x, y;

	do {
		x = rfc1459_lower((unsigned char)*a++);
		y = rfc1459_lower((unsigned char)*b++);
	} while (x == y && x != '\0');
	return x - y;
}

void
irc_clean(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (size == 0)
		return;
	for (; *s != '\0' && o + 1 < size; s++) {
		unsigned char c = *s;

		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		else if ((c < 0x20 && !strchr("\x02\x03\x0f\x16\x1d\x1f", c)) ||
		    c == 0x7f)
			continue;
		if (c == ' ' && (o == 0 || dst[o - 1] == ' '))
			continue;	/* leading or repeated blanks */
		dst[o++] = (char)c;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

size_t
irc_split(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len <= max)
		return len;
	if (max == 0)
		return 0;
	for (i = max; i > max / 2; i--)
		if (s[i] == ' ')
			return i;
	for (i = max; i > 0; i--)	/* s[i] starts a character */
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return i;
	return max;
}

/* ---- life cycle ---- */

static int
word_ok(const char *s, size_t max, const char *bad)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= max &&
	    strpbrk(s, bad) == NULL;
}

static int
text_ok(const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return 1;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return strlen(s) <= 200;
}

static int
cfg_check(const struct irc_cfg *c, struct herr *e)
{
	static const char badword[] = " \t\r\n,:!@\x07";

	if (!word_ok(c->host, 253, " \t\r\n/"))
		return herr_set(e, HERR_USAGE, "irc: bad server host");
	if (!word_ok(c->port, 5, " \t\r\n") ||
	    strspn(c->port, "0123456789") != strlen(c->port) ||
	    atoi(c->port) < 1 || atoi(c->port) > 65535)
		return herr_set(e, HERR_USAGE, "irc: port must be 1-65535");
	if (!word_ok(c->nick, NICK_MAX, badword) || c->nick[0] == '#' ||
	    c->nick[0] == '-' || (c->nick[0] >= '0' && c->nick[0] <= '9'))
		return herr_set(e, HERR_USAGE, "irc: bad nick");
	if (c->user != NULL && !word_ok(c->user, 32, badword))
		return herr_set(e, HERR_USAGE, "irc: bad user name");
	if (!word_ok(c->channel, 50, " \t\r\n,\x07") ||
	    strchr("#&+!", c->channel[0]) == NULL || c->channel[1] == '\0')
		return herr_set(e, HERR_USAGE, "irc: channel must be like "
		    "#name, without spaces or commas");
	if (c->key != NULL && !word_ok(c->key, 23, " \t\r\n,"))
		return herr_set(e, HERR_USAGE, "irc: bad channel key");
	if (c->password != NULL && (!word_ok(c->password, 200, " \r\n") ||
	    !text_ok(c->password)))
		return herr_set(e, HERR_USAGE, "irc: bad server password");
	if (!text_ok(c->realname))
		return herr_set(e, HERR_USAGE, "irc: bad real name");
	if (c->backoff_min_ms > 0 && c->backoff_max_ms > 0 &&
	    c->backoff_min_ms > c->backoff_max_ms)
		return herr_set(e, HERR_USAGE, "irc: backoff min > max");
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct irc *
irc_new(const struct irc_cfg *c, struct herr *e)
{
	struct irc *irc;

	if (cfg_check(c, e) == -1)
		return NULL;
	irc = xcalloc(1, sizeof(*irc));
	irc->host = xstrdup(c->host);
	irc->port = xstrdup(c->port);
	irc->nick0 = xstrdup(c->nick);
	irc->user = xstrdup(c->user ? c->user : c->nick);
	irc->realname = xstrdup(c->realname && c->realname[0] ? c->realname :
	    "hangar");
	irc->password = dup_or_null(c->password);
	irc->channel = xstrdup(c->channel);
	irc->key = dup_or_null(c->key);
	irc->burst = c->burst ? c->burst : 4;
	irc->interval = c->interval_ms ? c->interval_ms : 1000;
	irc->backoff_min = c->backoff_min_ms ? c->backoff_min_ms : 1000;
	irc->backoff_max = c->backoff_max_ms ? c->backoff_max_ms : 300000;
	if (irc->backoff_max < irc->backoff_min)
		irc->backoff_max = irc->backoff_min;
	irc->qmax = c->queue_max ? c->queue_max : 1000;
	irc->q = xcalloc(irc->qmax, sizeof(*irc->q));
	irc->backoff = irc->backoff_min;
	irc->credit = (uint64_t)irc->burst * irc->interval;
	irc->fd = -1;
	irc->state = IRC_IDLE;
	snprintf(irc->nick, sizeof(irc->nick), "%s", irc->nick0);
	return irc;
}

static void
gai_stop(struct irc *irc)
{
	if (irc->gai_active) {
		const struct gaicb *list[1] = { &irc->gai };
		struct timespec ts = { 5, 0 };

		if (gai_cancel(&irc->gai) != EAI_CANCELED)
			(void)gai_suspend(list, 1, &ts);
		if (gai_error(&irc->gai) == 0 && irc->gai.ar_result != NULL)
			freeaddrinfo(irc->gai.ar_result);
		irc->gai_active = 0;
	}
	if (irc->ai != NULL)
		freeaddrinfo(irc->ai);
	irc->ai = irc->ai_next = NULL;
}

void
irc_free(struct irc *irc)
{
	size_t i;

	if (irc == NULL)
		return;
	if (irc->fd != -1) {
		if (irc->state >= IRC_REGISTERING) {
			static const char quit[] = "QUIT :hangar stopping\r\n";

			(void)send(irc->fd, quit, sizeof(quit) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		close(irc->fd);
	}
	gai_stop(irc);
	for (i = 0; i < irc->qlen; i++)
		free(irc->q[(irc->qhead + i) % irc->qmax]);
	free(irc->q);
	free(irc->wbuf);
	free(irc->host);
	free(irc->port);
	free(irc->nick0);
	free(irc->user);
	free(irc->realname);
	free(irc->password);
	free(irc->channel);
	free(irc->key);
	free(irc);
}

/* ---- queue ---- */

static void
q_push(struct irc *irc, char *line)
{
	if (irc->qlen == irc->qmax) {
		/* keep the head if it is in flight: drop the next one */
		size_t victim = irc->inflight_end ? 1 : 0;
		size_t i;

		if (irc->qmax == 1 && victim == 1) {
			free(line);
			irc->dropped++;
			return;
		}
		free(irc->q[(irc->qhead + victim) % irc->qmax]);
		for (i = victim; i + 1 < irc->qlen; i++)
			irc->q[(irc->qhead + i) % irc->qmax] =
			    irc->q[(irc->qhead + i + 1) % irc->qmax];
		irc->qlen--;
		if (irc->dropped++ == 0)
			log_warnx("irc: queue full (%u lines), dropping the "
			    "oldest", irc->qmax);
	}
	irc->q[(irc->qhead + irc->qlen) % irc->qmax] = line;
	irc->qlen++;
}

static void
q_pop(struct irc *irc)
{
	free(irc->q[irc->qhead]);
	irc->q[irc->qhead] = NULL;
	irc->qhead = (irc->qhead + 1) % irc->qmax;
	irc->qlen--;
}

size_t
irc_text_max(const struct irc *irc)
{
	size_t fixed = strlen("PRIVMSG ") + strlen(irc->channel) +
	    strlen(" :") + RELAY_RESERVE(NICK_MAX, strlen(irc->user) + 1);

	return IRC_LINE_MAX - 2 - fixed;
}

size_t
irc_say(struct irc *irc, const char *text)
{
	size_t len, max = irc_text_max(irc), n = 0, cut;
	char *clean;
	const char *s;

	len = strlen(text) + 1;
	clean = xmalloc(len);
	irc_clean(clean, len, text);
	s = clean;
	len = strlen(s);
	while (len > 0) {
		cut = irc_split(s, len, max);
		q_push(irc, xstrndup(s, cut));
		n++;
		s += cut;
		len -= cut;
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
	}
	free(clean);
	return n;
}

/* ---- sending ---- */

static void __attribute__((format(printf, 2, 3)))
send_line(struct irc *irc, const char *fmt, ...)
{
	char line[IRC_LINE_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)(sizeof(line) - 3);
	memcpy(line + n, "\r\n", 2);
	n += 2;
	if (irc->wlen - irc->woff + (size_t)n > WBUF_MAX) {
		log_warnx("irc: send buffer full, line dropped");
		return;
	}
	if (irc->wlen + (size_t)n > irc->wcap) {
		irc->wcap = irc->wlen + (size_t)n + 1024;
		irc->wbuf = xreallocarray(irc->wbuf, irc->wcap, 1);
	}
	memcpy(irc->wbuf + irc->wlen, line, (size_t)n);
	irc->wlen += (size_t)n;
}

/* Writes what the socket takes; returns -1 after a drop. */
static int
flush(struct irc *irc, uint64_t now)
{
	while (irc->woff < irc->wlen) {
		ssize_t w = send(irc->fd, irc->wbuf + irc->woff,
		    irc->wlen - irc->woff, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			drop(irc, now, "send: %s", strerror(errno));
			return -1;
		}
		irc->woff += (size_t)w;
	}
	if (irc->inflight_end != 0 && irc->woff >= irc->inflight_end) {
		q_pop(irc);
		irc->inflight_end = 0;
	}
	if (irc->woff == irc->wlen)
		irc->woff = irc->wlen = 0;
	return 0;
}

static void
refill(struct irc *irc, uint64_t now)
{
	uint64_t cap = (uint64_t)irc->burst * irc->interval;

	if (now > irc->credit_at) {
		irc->credit += now - irc->credit_at;
		if (irc->credit > cap)
			irc->credit = cap;
	}
	irc->credit_at = now;
}

/* Sends queued lines while the rate limit allows; one in flight at most. */
static void
pump(struct irc *irc, uint64_t now)
{
	refill(irc, now);
	while (irc->state == IRC_READY && irc->qlen > 0 &&
	    irc->inflight_end == 0 && irc->credit >= irc->interval &&
	    irc->wlen - irc->woff < WBUF_MAX - IRC_LINE_MAX) {
		send_line(irc, "PRIVMSG %s :%s", irc->channel,
		    irc->q[irc->qhead]);
		irc->inflight_end = irc->wlen;
		irc->credit -= irc->interval;
		if (flush(irc, now) == -1)
			return;
	}
}

/* ---- connection ---- */

static void
drop(struct irc *irc, uint64_t now, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("irc: %s:%s: %s; retrying in %u ms", irc->host, irc->port,
	    why, irc->backoff);
	if (irc->fd != -1)
		close(irc->fd);
	irc->fd = -1;
	gai_stop(irc);
	irc->state = IRC_IDLE;
	irc->retry_at = now + irc->backoff;
	irc->backoff = irc->backoff >= irc->backoff_max / 2 ?
	    irc->backoff_max : irc->backoff * 2;
	irc->deadline = irc->rejoin_at = irc->ping_at = 0;
	irc->wlen = irc->woff = irc->inflight_end = 0;	/* head stays queued */
	irc->rlen = 0;
	irc->rdiscard = 0;
}

static void
registered_send(struct irc *irc, uint64_t now)
{
	irc->state = IRC_REGISTERING;
	irc->deadline = now + REGISTER_TIMEOUT;
	irc->last_rx = now;
	irc->nick_tries = 0;
	snprintf(irc->nick, sizeof(irc->nick), "%s", irc->nick0);
	if (irc->password != NULL)
		send_line(irc, "PASS :%s", irc->password);
	send_line(irc, "NICK %s", irc->nick);
	send_line(irc, "USER %s 0 * :%s", irc->user, irc->realname);
	(void)flush(irc, now);
}

/* Tries the addresses left; ends in CONNECTING, REGISTERING or a drop. */
static void
connect_next(struct irc *irc, uint64_t now)
{
	int err = 0;

	while (irc->ai_next != NULL) {
		struct addrinfo *a = irc->ai_next;

		irc->ai_next = a->ai_next;
		irc->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (irc->fd == -1) {
			err = errno;
			continue;
		}
		if (connect(irc->fd, a->ai_addr, a->ai_addrlen) == 0) {
			registered_send(irc, now);
			return;
		}
		if (errno == EINPROGRESS) {
			irc->state = IRC_CONNECTING;
			irc->deadline = now + CONNECT_TIMEOUT;
			return;
		}
		err = errno;
		close(irc->fd);
		irc->fd = -1;
	}
	drop(irc, now, "connect: %s", err ? strerror(err) : "no address");
}

static void
resolved(struct irc *irc, struct addrinfo *res, uint64_t now)
{
	irc->ai = irc->ai_next = res;
	connect_next(irc, now);
}

static void
start(struct irc *irc, uint64_t now)
{
	struct gaicb *list[1] = { &irc->gai };
	struct addrinfo *res = NULL;
	int rc;

	memset(&irc->hints, 0, sizeof(irc->hints));
	irc->hints.ai_family = AF_UNSPEC;
	irc->hints.ai_socktype = SOCK_STREAM;
	irc->hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(irc->host, irc->port, &irc->hints, &res);
	if (rc == 0) {
		resolved(irc, res, now);
		return;
	}
	irc->hints.ai_flags = AI_NUMERICSERV;
	memset(&irc->gai, 0, sizeof(irc->gai));
	irc->gai.ar_name = irc->host;
	irc->gai.ar_service = irc->port;
	irc->gai.ar_request = &irc->hints;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		drop(irc, now, "resolve: %s", gai_strerror(rc));
		return;
	}
	irc->gai_active = 1;
	irc->state = IRC_RESOLVING;
	irc->deadline = 0;
}

static void
check_resolved(struct irc *irc, uint64_t now)
{
	int rc = gai_error(&irc->gai);

	if (rc == EAI_INPROGRESS)
		return;
	irc->gai_active = 0;
	if (rc != 0) {
		drop(irc, now, "resolve %s: %s", irc->host, gai_strerror(rc));
		return;
	}
	resolved(irc, irc->gai.ar_result, now);
}

static void
connected(struct irc *irc, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(irc->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		close(irc->fd);
		irc->fd = -1;
		if (irc->ai_next != NULL) {
			connect_next(irc, now);
			return;
		}
		drop(irc, now, "connect: %s", strerror(err));
		return;
	}
	registered_send(irc, now);
}

static void
send_join(struct irc *irc, uint64_t now)
{
	irc->state = IRC_JOINING;
	irc->rejoin_at = 0;
	irc->deadline = now + JOIN_TIMEOUT;
	if (irc->key != NULL)
		send_line(irc, "JOIN %s %s", irc->channel, irc->key);
	else
		send_line(irc, "JOIN %s", irc->channel);
}

static void
rejoin_later(struct irc *irc, uint64_t now, const char *why)
{
	log_warnx("irc: %s: %s; joining again in %d s", irc->channel, why,
	    REJOIN_DELAY / 1000);
	irc->state = IRC_JOINING;
	irc->deadline = 0;
	irc->rejoin_at = now + REJOIN_DELAY;
}

static void
next_nick(struct irc *irc, uint64_t now)
{
	size_t n = strlen(irc->nick0);

	if (++irc->nick_tries >= NICK_TRIES) {
		drop(irc, now, "no free nick");
		return;
	}
	if (n > NICK_MAX - 2)
		n = NICK_MAX - 2;
	snprintf(irc->nick, sizeof(irc->nick), "%.*s_%d", (int)n, irc->nick0,
	    irc->nick_tries);
	send_line(irc, "NICK %s", irc->nick);
}

static int
is_us(struct irc *irc, const struct irc_msg *m)
{
	char nick[IRC_LINE_MAX];

	irc_prefix_nick(m->prefix, nick, sizeof(nick));
	return m->prefix != NULL && irc_casecmp(nick, irc->nick) == 0;
}

static void
on_message(struct irc *irc, struct irc_msg *m, uint64_t now)
{
	const char *cmd = m->command;
	const char *p0 = m->nparams > 0 ? m->params[0] : "";
	const char *p1 = m->nparams > 1 ? m->params[1] : "";

	if (strcmp(cmd, "PING") == 0)
		send_line(irc, "PONG :%s", m->nparams > 0 ? p0 : irc->host);
	else if (strcmp(cmd, "PONG") == 0)
		irc->ping_at = 0;
	else if (strcmp(cmd, "ERROR") == 0)
		drop(irc, now, "server said ERROR: %.100s", p0);
	else if (strcmp(cmd, "001") == 0 && irc->state == IRC_REGISTERING) {
		if (m->nparams > 0 && p0[0] != '\0')
			snprintf(irc->nick, sizeof(irc->nick), "%.*s",
			    NICK_MAX + 3, p0);
		send_join(irc, now);
	} else if ((strcmp(cmd, "433") == 0 || strcmp(cmd, "432") == 0 ||
	    strcmp(cmd, "436") == 0 || strcmp(cmd, "437") == 0) &&
	    irc->state == IRC_REGISTERING)
		next_nick(irc, now);
	else if (strcmp(cmd, "NICK") == 0 && is_us(irc, m) && m->nparams > 0)
		snprintf(irc->nick, sizeof(irc->nick), "%.*s", NICK_MAX + 3,
		    p0);
	else if (strcmp(cmd, "JOIN") == 0 && is_us(irc, m) &&
	    irc_casecmp(p0, irc->channel) == 0 && irc->state == IRC_JOINING) {
		irc->state = IRC_READY;
		irc->deadline = 0;
		irc->backoff = irc->backoff_min;
		irc->connects++;
		log_info("irc: joined %s on %s as %s", irc->channel,
		    irc->host, irc->nick);
	} else if (strcmp(cmd, "KICK") == 0 && irc_casecmp(p0,
	    irc->channel) == 0 && irc_casecmp(p1, irc->nick) == 0)
		rejoin_later(irc, now, "kicked");
	else if (irc->state == IRC_JOINING && (strcmp(cmd, "403") == 0 ||
	    strcmp(cmd, "405") == 0 || strcmp(cmd, "471") == 0 ||
	    strcmp(cmd, "473") == 0 || strcmp(cmd, "474") == 0 ||
	    strcmp(cmd, "475") == 0 || strcmp(cmd, "477") == 0))
		rejoin_later(irc, now, "join refused");
	else if (strcmp(cmd, "404") == 0)
		log_warnx("irc: cannot send to %s", irc->channel);
}

/* Reads what is there and handles every complete line. */
static void
receive(struct irc *irc, uint64_t now)
{
	struct irc_msg *m = NULL;

	for (;;) {
		ssize_t r = recv(irc->fd, irc->rbuf + irc->rlen,
		    sizeof(irc->rbuf) - irc->rlen, MSG_DONTWAIT);
		char *nl;
		size_t start = 0;

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			drop(irc, now, "%s", r == 0 ? "connection closed" :
			    strerror(errno));
			break;
		}
		irc->last_rx = now;
		irc->rlen += (size_t)r;
		while ((nl = memchr(irc->rbuf + start, '\n',
		    irc->rlen - start)) != NULL) {
			size_t len = (size_t)(nl - (irc->rbuf + start));
			enum irc_state before = irc->state;

			if (len > 0 && irc->rbuf[start + len - 1] == '\r')
				len--;
			if (m == NULL)
				m = xmalloc(sizeof(*m));
			if (!irc->rdiscard &&
			    irc_parse(irc->rbuf + start, len, m) == 0)
				on_message(irc, m, now);
			irc->rdiscard = 0;
			start = (size_t)(nl - irc->rbuf) + 1;
			if (irc->state == IRC_IDLE && before != IRC_IDLE)
				goto out;	/* dropped */
		}
		memmove(irc->rbuf, irc->rbuf + start, irc->rlen - start);
		irc->rlen -= start;
		if (irc->rlen == sizeof(irc->rbuf)) {	/* over-long line */
			irc->rlen = 0;
			irc->rdiscard = 1;
		}
	}
out:
	free(m);
}

/* ---- the loop's interface ---- */

int
irc_pollfd(struct irc *irc, struct pollfd *pfd)
{
	pfd->fd = irc->fd;
	pfd->revents = 0;
	if (irc->fd == -1) {
		pfd->events = 0;
		return 0;
	}
	pfd->events = POLLIN;
	if (irc->state == IRC_CONNECTING || irc->woff < irc->wlen)
		pfd->events |= POLLOUT;
	return 1;
}

static void
timers(struct irc *irc, uint64_t now)
{
	if (irc->state == IRC_IDLE && now >= irc->retry_at)
		start(irc, now);
	if (irc->state == IRC_RESOLVING)
		check_resolved(irc, now);
	if (irc->deadline != 0 && now >= irc->deadline) {
		drop(irc, now, "timed out while %s",
		    irc_state_name(irc->state));
		return;
	}
	if (irc->state < IRC_REGISTERING)
		return;
	if (irc->ping_at != 0 && now >= irc->ping_at + PING_TIMEOUT) {
		drop(irc, now, "no answer to PING");
		return;
	}
	if (irc->ping_at == 0 && now >= irc->last_rx + IDLE_PING) {
		send_line(irc, "PING :%s", irc->host);
		irc->ping_at = now;
	}
	if (irc->state == IRC_JOINING && irc->rejoin_at != 0 &&
	    now >= irc->rejoin_at)
		send_join(irc, now);
}

void
irc_handle(struct irc *irc, short revents, uint64_t now)
{
	if (irc->fd != -1 && revents != 0) {
		if (irc->state == IRC_CONNECTING)
			connected(irc, now);
		else if (revents & (POLLIN | POLLHUP | POLLERR))
			receive(irc, now);
	}
	timers(irc, now);
	if (irc->fd != -1 && irc->state >= IRC_REGISTERING &&
	    flush(irc, now) == 0)
		pump(irc, now);
}

static uint64_t
min_due(uint64_t a, uint64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

int
irc_timeout_ms(struct irc *irc, uint64_t now)
{
	uint64_t due = 0;

	switch (irc->state) {
	case IRC_IDLE:
		due = irc->retry_at;
		break;
	case IRC_RESOLVING:
		due = now + RESOLVE_POLL;
		break;
	case IRC_CONNECTING:
		due = irc->deadline;
		break;
	default:
		due = min_due(irc->deadline, irc->rejoin_at);
		due = min_due(due, irc->ping_at ? irc->ping_at + PING_TIMEOUT :
		    irc->last_rx + IDLE_PING);
		if (irc->state == IRC_READY && irc->qlen > 0 &&
		    irc->inflight_end == 0) {
			refill(irc, now);
			due = min_due(due, irc->credit >= irc->interval ? now :
			    now + (irc->interval - irc->credit));
		}
		break;
	}
	if (due <= now)
		return 0;
	return due - now > 3600000 ? 3600000 : (int)(due - now);
}

enum irc_state
irc_state(const struct irc *irc)
{
	return irc->state;
}

const char *
irc_state_name(enum irc_state s)
{
	static const char *names[] = { "idle", "resolving", "connecting",
	    "registering", "joining", "ready" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "unknown";
}

size_t
irc_queued(const struct irc *irc)
{
	return irc->qlen;
}

size_t
irc_dropped(const struct irc *irc)
{
	return irc->dropped;
}

unsigned int
irc_connects(const struct irc *irc)
{
	return irc->connects;
}

const char *
irc_nick(const struct irc *irc)
{
	return irc->nick;
}
