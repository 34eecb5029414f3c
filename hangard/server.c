#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "hangard/incident.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/irc.h"

#define BASE_FDS	4	/* listener, wake, signals, IRC (+ epoll) */
#define OUT_KEEP	(64 * 1024)	/* output buffer kept between bursts */
#define IN_KEEP		(16 * 1024)	/* input buffer kept when empty */
#define RELAY_BACKLOG	(64 * 1024)	/* a console client behind by more:
					   its guest's bytes wait in the pipe */
#define OUT_SOFT	(256 * 1024)	/* unread replies: read no more requests */
#define MAX_INFLIGHT	64		/* requests waiting for a reply */
#define PREHELLO_MAX	4096		/* a line before hello */
#define PREHELLO_TRIES	4		/* requests without a hello, then close */
#define MIB		(1024 * 1024)

int
server_listen(struct daemon *d, struct herr *e)
{
	struct sockaddr_un sun;
	mode_t old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, d->cfg.socket, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return herr_set(e, HERR_USAGE, "socket path too long: %s",
		    d->cfg.socket);
	if ((d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return herr_set(e, HERR_INTERNAL, "socket: %s", strerror(errno));
	/* A stale socket from a dead daemon is replaced; a live one is not. */
	if (connect(d->lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return herr_set(e, HERR_STATE, "another hangard is already "
		    "listening on %s", d->cfg.socket);
	close(d->lfd);
	d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(d->cfg.socket);
	/* Anyone may connect: who they are is decided by SO_PEERCRED. */
	old = umask(0111);
	if (bind(d->lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		return herr_set(e, HERR_INTERNAL, "bind %s: %s", d->cfg.socket,
		    strerror(errno));
	}
	umask(old);
	if (listen(d->lfd, 128) == -1)
		return herr_set(e, HERR_INTERNAL, "listen: %s", strerror(errno));
	return 0;
}

static int
in_group(uid_t uid, gid_t primary, gid_t want)
{
	struct passwd *pw;
	gid_t groups[256];
	int n = 256, i;

	if (want == (gid_t)-1)
		return 0;
	if (primary == want)
		return 1;
	if ((pw = getpwuid(uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == want)
			return 1;
	return 0;
}

/* Who is this?  Decided only from the kernel's peer credentials. */
void
authorize(struct daemon *d, struct client *c, gid_t gid)
{
	struct customer_rec cust;

	if (c->uid == 0 || c->uid == d->self_uid ||
	    in_group(c->uid, gid, d->admin_gid)) {
		c->role = ROLE_OPERATOR;
		return;
	}
	/* hangar-health's reports, through hangar-ingest (ingest.c) */
	if (d->ingest_uid != (uid_t)-1 && c->uid == d->ingest_uid) {
		c->role = ROLE_INGEST;
		return;
	}
	if (store_customer_by_uid(d->st, (int64_t)c->uid, &cust, NULL) == 0) {
		c->role = ROLE_CUSTOMER;
		str_copy(c->customer, cust.name, sizeof(c->customer));
		return;
	}
	c->role = ROLE_NONE;
}

static void
client_free(struct daemon *d, struct client *c)
{
	struct client **pp;

	if (c->relay != NULL)
		console_end(d, c->relay, NULL);

	for (pp = &d->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	d->nclients--;
	admit_release(d, c);
	d->out_total -= c->outlen - c->outoff;
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

struct client *
client_find(struct daemon *d, uint64_t serial)
{
	struct client *c;

	for (c = d->clients; c != NULL; c = c->next)
		if (c->serial == serial)
			return c;
	return NULL;
}

static size_t
pending(const struct client *c)
{
	return c->outlen - c->outoff;
}

/* Replies not read, or too many requests in flight: read no more lines. */
static int
blocked(const struct client *c)
{
	return c->relay == NULL && (pending(c) > OUT_SOFT ||
	    c->unanswered >= MAX_INFLIGHT);
}

/* Throws away what the client has not read and closes it. */
static void
client_drop(struct client *c, const char *why)
{
	struct daemon *d = c->d;

	log_limited(d, RL_DROPPED, "dropping client uid %u: %s",
	    (unsigned)c->uid, why);
	d->out_total -= pending(c);
	free(c->out);
	c->out = NULL;
	c->outoff = c->outlen = c->outcap = 0;
	c->dropped = 1;
	c->close_after = 1;
}

void
client_write(struct client *c, const char *s, size_t n)
{
	struct daemon *d = c->d;
	char why[128];

	if (c->dropped)
		return;
	if (pending(c) + n > (size_t)d->cfg.max_client_output * MIB ||
	    d->out_total + n > (size_t)d->cfg.max_output * MIB) {
		snprintf(why, sizeof(why), "%zu bytes of replies unread (limit "
		    "%d MiB for one client, %d MiB in all)", pending(c) + n,
		    d->cfg.max_client_output, d->cfg.max_output);
		client_drop(c, why);
		return;
	}
	if (pending(c) == 0)
		c->out_since = time(NULL);
	if (c->outoff > 0 && c->outoff >= c->outlen / 2) {
		/* reclaim what was sent, rarely: not once per send */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + n > c->outcap) {
		while (c->outlen + n > c->outcap)
			c->outcap = c->outcap ? c->outcap * 2 : 4096;
		c->out = xreallocarray(c->out, c->outcap, 1);
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	d->out_total += n;
}

/* A request has its answer (each request gets exactly one). */
static void
answered(struct client *c)
{
	if (c->unanswered > 0)
		c->unanswered--;
	c->active = time(NULL);
}

void
client_reply_raw(struct daemon *d, uint64_t serial, int64_t id,
    const char *json, size_t len)
{
	struct client *c = client_find(d, serial);
	char *line;

	if (c == NULL)
		return;
	answered(c);
	line = proto_reply_raw(id, json, len);
	client_write(c, line, strlen(line));
	free(line);
}

/* Sends a reply (consumes result) to the client if it is still there. */
void
client_reply(struct daemon *d, uint64_t serial, int64_t id, int rc,
    json_object *result, const struct herr *e)
{
	struct client *c = client_find(d, serial);
	char *line;

	if (c == NULL) {
		json_object_put(result);
		return;
	}
	answered(c);
	if (rc == -1)
		line = proto_reply_err(id, e);
	else
		line = proto_reply_ok(id, result ? result :
		    json_object_new_object());
	if (rc == -1)
		json_object_put(result);
	client_write(c, line, strlen(line));
	free(line);
}

/* An error for a line that is not dispatched (id 0: none is known). */
static void
line_error(struct daemon *d, struct client *c, const char *msg)
{
	struct herr e;

	herr_set(&e, HERR_PROTO, "%s", msg);
	c->unanswered++;
	client_reply(d, c->serial, 0, -1, NULL, &e);
}

/*
 * Splits the input into lines and dispatches them, while the client reads
 * its replies (back-pressure: else the rest waits in c->in, and the
 * socket is not read until the replies go).  An oversized line is refused
 * and skipped; before hello a line is at most PREHELLO_MAX bytes, and
 * the connection ends after PREHELLO_TRIES requests that were no hello.
 */
static void
client_lines(struct daemon *d, struct client *c)
{
	char msg[64], *nl, *line;
	size_t n;

	c->held = 0;
	for (;;) {
		nl = memchr(c->in, '\n', c->inlen);
		if (nl == NULL) {
			if (!c->hello && c->inlen >= PREHELLO_MAX) {
				snprintf(msg, sizeof(msg), "line too long "
				    "before hello (limit %d bytes)",
				    PREHELLO_MAX);
				line_error(d, c, msg);
				c->close_after = 1;
				c->inlen = 0;
			} else if (c->inlen >= PROTO_MAX_LINE) {
				if (!c->discard) {
					snprintf(msg, sizeof(msg), "line too "
					    "long (limit %d bytes)",
					    PROTO_MAX_LINE);
					line_error(d, c, msg);
				}
				c->discard = 1;
				c->inlen = 0;
			}
			return;
		}
		if (c->close_after)
			return;
		if (blocked(c)) {
			c->held = 1;
			return;
		}
		line = c->in;
		n = (size_t)(nl - c->in);
		*nl = '\0';
		if (c->discard)
			c->discard = 0;	/* the tail of an oversized line */
		else if (n > 0) {
			c->unanswered++;
			c->active = time(NULL);
			methods_dispatch(d, c, line, n);
			if (!c->hello && ++c->prehello >= PREHELLO_TRIES)
				c->close_after = 1;	/* never says hello */
		}
		memmove(c->in, nl + 1, c->inlen - n - 1);
		c->inlen -= n + 1;
		if (c->relay != NULL)
			return;	/* what follows is console input */
	}
}

/* Returns -1 when the client is gone. */
static int
client_read(struct daemon *d, struct client *c)
{
	size_t limit = c->hello ? PROTO_MAX_LINE * 2 : PREHELLO_MAX;
	ssize_t r;

	if (c->incap - c->inlen < 4096 && c->incap < limit) {
		c->incap = c->incap ? c->incap * 2 : 4096;
		if (c->incap > limit)
			c->incap = limit;
		c->in = xreallocarray(c->in, c->incap, 1);
	}
	if (c->inlen == c->incap)
		return 0;	/* a console stream is full: wait for it */
	r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (r == 0)
		return -1;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	c->inlen += (size_t)r;
	if (c->relay != NULL) {
		console_input(d, c);	/* ends the session itself on error */
		return 0;
	}
	client_lines(d, c);
	/* bytes after the line that attached a console are console input */
	if (c->relay != NULL && c->inlen > 0)
		console_input(d, c);
	if (c->inlen == 0 && c->incap > IN_KEEP) {
		free(c->in);	/* a big request is over: give it back */
		c->in = NULL;
		c->incap = 0;
	}
	return 0;
}

static int
client_flush(struct client *c)
{
	ssize_t w;

	while (c->outoff < c->outlen) {
		w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->outoff += (size_t)w;
		c->d->out_total -= (size_t)w;
		c->out_since = time(NULL);
	}
	c->outoff = c->outlen = 0;
	if (c->outcap > OUT_KEEP) {	/* a burst is over: give it back */
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	return c->close_after ? -1 : 0;
}

/*
 * Once a second: a client that has not said hello in hello_timeout, a
 * customer's (or an unknown uid's) connection that has asked nothing and
 * waits for nothing for idle_timeout, and any client that has not taken
 * a byte of its replies for write_timeout are closed.  Operators and
 * console sessions are never idle.
 */
static void
clients_expire(struct daemon *d, time_t now)
{
	struct client *c, *next;
	const char *why;

	for (c = d->clients; c != NULL; c = next) {
		next = c->next;
		why = NULL;
		if (!c->hello && now - c->since >= d->cfg.hello_timeout)
			why = "no hello in time";
		else if (pending(c) > 0 &&
		    now - c->out_since >= d->cfg.write_timeout)
			why = "its replies went unread";
		else if (c->role != ROLE_OPERATOR && c->relay == NULL &&
		    c->unanswered == 0 && pending(c) == 0 &&
		    now - c->active >= d->cfg.idle_timeout)
			why = "idle";
		if (why == NULL)
			continue;
		log_limited(d, RL_TIMEOUT, "closing client uid %u: %s",
		    (unsigned)c->uid, why);
		client_free(d, c);
	}
}

static void
on_signal(int sig)
{
	char b = (char)sig;
	extern int hangard_sigfd;

	(void)!write(hangard_sigfd, &b, 1);
}

int hangard_sigfd = -1;

static void
signals_setup(struct daemon *d)
{
	struct sigaction sa;

	hangard_sigfd = d->sigpipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Clients and console sessions are watched with epoll (a loop that polled
 * 1,000 descriptors each turn spent its time in the kernel: the console
 * bench with 500 sessions); the few fixed descriptors, IRC's (which
 * changes as it reconnects) and the epoll one go through poll().  An
 * event names its client or session by serial, never by pointer, so one
 * freed earlier in the same batch is simply not found.
 */
#define EV_SESSION	(1ULL << 63)
#define EV_BATCH	256

/* Tells epoll what each client and session wants now (no call if same). */
static void
watch_update(struct daemon *d)
{
	struct epoll_event ev;
	struct console_sess *cs;
	struct client *c;
	uint32_t want;

	for (cs = d->consoles; cs != NULL; cs = cs->next)
		cs->held = 0;
	for (c = d->clients; c != NULL; c = c->next) {
		if (c->relay != NULL && c->outlen - c->outoff > RELAY_BACKLOG)
			c->relay->held = 1;	/* slow reader */
		/* back-pressure: a client that does not read its replies is
		 * not read either (hangups are still reported) */
		want = (blocked(c) ? 0 : EPOLLIN) |
		    (pending(c) > 0 ? EPOLLOUT : 0);
		if (c->watched && want == c->ep)
			continue;
		ev.events = want;
		ev.data.u64 = c->serial;
		if (epoll_ctl(d->epfd, c->watched ? EPOLL_CTL_MOD :
		    EPOLL_CTL_ADD, c->fd, &ev) == 0) {
			c->watched = 1;
			c->ep = want;
		}
	}
	for (cs = d->consoles; cs != NULL; cs = cs->next) {
		want = cs->held ? 0 : EPOLLIN;
		if (cs->watched && want == cs->ep)
			continue;
		ev.events = want;
		ev.data.u64 = EV_SESSION | cs->serial;
		if (epoll_ctl(d->epfd, cs->watched ? EPOLL_CTL_MOD :
		    EPOLL_CTL_ADD, cs->pipe[0], &ev) == 0) {
			cs->watched = 1;
			cs->ep = want;
		}
	}
}

static struct console_sess *
session_find(struct daemon *d, uint64_t serial)
{
	struct console_sess *cs;

	for (cs = d->consoles; cs != NULL; cs = cs->next)
		if (cs->serial == serial)
			return cs;
	return NULL;
}

/* One epoll event: a session's guest bytes, or a client's socket. */
static void
watch_event(struct daemon *d, const struct epoll_event *ev)
{
	struct console_sess *cs;
	struct client *c;

	if (ev->data.u64 & EV_SESSION) {
		if ((cs = session_find(d, ev->data.u64 & ~EV_SESSION)) != NULL)
			console_output(d, cs);
		return;
	}
	if ((c = client_find(d, ev->data.u64)) == NULL)
		return;
	if ((ev->events & (EPOLLHUP | EPOLLERR)) && blocked(c))
		client_free(d, c);	/* gone, with its replies unread */
	else if ((ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    client_read(d, c) == -1)
		client_free(d, c);
}

int
server_loop(struct daemon *d)
{
	struct epoll_event evs[EV_BATCH];
	struct pollfd pfd[BASE_FDS + 1];
	struct client *c, *next;
	int relay_waits, n, i, notices = 0;
	time_t next_sync = time(NULL) + 1;
	int timeout, irc_to, paused;

	if ((d->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	signals_setup(d);
	while (!d->stopping) {
		watch_update(d);
		/* out of descriptors a moment ago: do not spin on accept */
		paused = admit_paused(d);
		pfd[0] = (struct pollfd){ paused ? -1 : d->lfd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ d->wake[0], POLLIN, 0 };
		pfd[2] = (struct pollfd){ d->sigpipe[0], POLLIN, 0 };
		pfd[3] = (struct pollfd){ -1, 0, 0 };
		if (d->irc != NULL)
			irc_pollfd(d->irc, &pfd[3]);
		pfd[4] = (struct pollfd){ d->epfd, POLLIN, 0 };
		relay_waits = 0;
		for (c = d->clients; c != NULL && !relay_waits; c = c->next)
			if (c->relay != NULL && c->inlen > 0)
				relay_waits = 1;	/* retry the stream soon */
		timeout = (int)(next_sync - time(NULL)) * 1000;
		if (timeout < 0)
			timeout = 0;
		if (relay_waits && timeout > 20)
			timeout = 20;
		if (paused && paused < timeout)
			timeout = paused;
		if (notices)
			timeout = 0;	/* incident notices left to compose */
		if (d->irc != NULL && (irc_to = irc_timeout_ms(d->irc,
		    irc_now_ms())) >= 0 && irc_to < timeout)
			timeout = irc_to;
		if (poll(pfd, BASE_FDS + 1, timeout) == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[2].revents & POLLIN) {
			log_info("stopping on signal");
			d->stopping = 1;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			jobs_complete(d);
			live_drain(d);	/* libvirt's events */
		}
		if (d->irc != NULL)
			irc_handle(d->irc, pfd[3].revents, irc_now_ms());
		if (pfd[4].revents & POLLIN) {
			n = epoll_wait(d->epfd, evs, EV_BATCH, 0);
			/* guest console bytes first, then the clients */
			for (i = 0; i < n; i++)
				if (evs[i].data.u64 & EV_SESSION)
					watch_event(d, &evs[i]);
			for (i = 0; i < n; i++)
				if (!(evs[i].data.u64 & EV_SESSION))
					watch_event(d, &evs[i]);
		}
		/* console input the stream could not take; replies to send;
		 * requests that waited for their client to read */
		for (c = d->clients; c != NULL; c = next) {
			next = c->next;
			if (c->relay != NULL && c->inlen > 0)
				console_input(d, c);
			if ((pending(c) > 0 || c->close_after) &&
			    client_flush(c) == -1) {
				client_free(d, c);
				continue;
			}
			if (c->held && !blocked(c))
				client_lines(d, c);
		}
		if (pfd[0].revents & POLLIN)
			admit_accept(d);
		if (time(NULL) >= next_sync) {
			sync_some_hosts(d);
			live_tick(d);
			incident_tick(d);
			clients_expire(d, time(NULL));
			next_sync = time(NULL) + 1;
		}
		notices = tell_pump(d);
		/* each waiting notice is retried on its own backoff */
		if (d->outbox_waiting > 0 && time(NULL) >= d->outbox_due)
			outbox_flush(d);
	}
	while (d->clients != NULL)
		client_free(d, d->clients);
	while (d->consoles != NULL)
		console_end(d, d->consoles, NULL);
	close(d->epfd);
	close(d->lfd);
	unlink(d->cfg.socket);
	return 0;
}
