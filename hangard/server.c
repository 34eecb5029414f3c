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
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/irc.h"

#define MAX_CLIENTS	4096
#define BASE_FDS	4	/* listener, wake, signals, IRC (+ epoll) */
#define OUT_KEEP	(64 * 1024)	/* output buffer kept between bursts */
#define RELAY_BACKLOG	(64 * 1024)	/* a console client behind by more:
					   its guest's bytes wait in the pipe */
#define MAX_OUT		(512 * 1024 * 1024)	/* unread replies before we drop */

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
static void
authorize(struct daemon *d, struct client *c, gid_t gid)
{
	struct customer_rec cust;

	if (c->uid == 0 || c->uid == d->self_uid ||
	    in_group(c->uid, gid, d->admin_gid)) {
		c->role = ROLE_OPERATOR;
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
accept_client(struct daemon *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	int fd;

	if ((fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept");
		return;
	}
	if (d->nclients >= MAX_CLIENTS ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warnx("refusing a connection: %s", d->nclients >=
		    MAX_CLIENTS ? "too many clients" : "no peer credentials");
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->serial = ++d->next_serial;
	c->uid = cred.uid;
	c->pid = cred.pid;
	authorize(d, c, cred.gid);
	c->next = d->clients;
	d->clients = c;
	d->nclients++;
	log_debug("client %llu: uid %u pid %d role %d",
	    (unsigned long long)c->serial, (unsigned)c->uid, (int)c->pid,
	    (int)c->role);
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

void
client_write(struct client *c, const char *s, size_t n)
{
	if (c->outlen - c->outoff + n > MAX_OUT) {
		c->close_after = 1;	/* not reading its replies */
		return;
	}
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
}

void
client_reply_raw(struct daemon *d, uint64_t serial, int64_t id,
    const char *json, size_t len)
{
	struct client *c = client_find(d, serial);
	char *line;

	if (c == NULL)
		return;
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

/* Splits the input into lines; an oversized line is refused and skipped. */
static void
client_lines(struct daemon *d, struct client *c)
{
	struct herr e;
	char *nl, *line;
	size_t n;

	for (;;) {
		nl = memchr(c->in, '\n', c->inlen);
		if (nl == NULL) {
			if (c->inlen >= PROTO_MAX_LINE) {
				if (!c->discard) {
					herr_set(&e, HERR_PROTO, "line too long "
					    "(limit %d bytes)", PROTO_MAX_LINE);
					client_reply(d, c->serial, 0, -1, NULL,
					    &e);
				}
				c->discard = 1;
				c->inlen = 0;
			}
			return;
		}
		line = c->in;
		n = (size_t)(nl - c->in);
		*nl = '\0';
		if (c->discard)
			c->discard = 0;	/* the tail of an oversized line */
		else if (n > 0)
			methods_dispatch(d, c, line, n);
		memmove(c->in, nl + 1, c->inlen - n - 1);
		c->inlen -= n + 1;
		if (c->close_after)
			return;
	}
}

/* Returns -1 when the client is gone. */
static int
client_read(struct daemon *d, struct client *c)
{
	ssize_t r;

	if (c->incap - c->inlen < 4096) {
		c->incap = c->incap ? c->incap * 2 : 8192;
		if (c->incap > PROTO_MAX_LINE * 2)
			c->incap = PROTO_MAX_LINE * 2;
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
	}
	c->outoff = c->outlen = 0;
	if (c->outcap > OUT_KEEP) {	/* a burst is over: give it back */
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	return c->close_after ? -1 : 0;
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
		want = EPOLLIN | (c->outlen > c->outoff ? EPOLLOUT : 0);
		if (want == c->ep)
			continue;
		ev.events = want;
		ev.data.u64 = c->serial;
		if (epoll_ctl(d->epfd, c->ep == 0 ? EPOLL_CTL_ADD :
		    EPOLL_CTL_MOD, c->fd, &ev) == 0)
			c->ep = want;
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
	if ((ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    client_read(d, c) == -1)
		client_free(d, c);
}

int
server_loop(struct daemon *d)
{
	struct epoll_event evs[EV_BATCH];
	struct pollfd pfd[BASE_FDS + 1];
	struct client *c, *next;
	int pending, n, i;
	time_t next_sync = time(NULL) + 1, next_mail = time(NULL) + 30;
	int timeout, irc_to;

	if ((d->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	signals_setup(d);
	while (!d->stopping) {
		watch_update(d);
		pfd[0] = (struct pollfd){ d->lfd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ d->wake[0], POLLIN, 0 };
		pfd[2] = (struct pollfd){ d->sigpipe[0], POLLIN, 0 };
		pfd[3] = (struct pollfd){ -1, 0, 0 };
		if (d->irc != NULL)
			irc_pollfd(d->irc, &pfd[3]);
		pfd[4] = (struct pollfd){ d->epfd, POLLIN, 0 };
		pending = 0;
		for (c = d->clients; c != NULL && !pending; c = c->next)
			if (c->relay != NULL && c->inlen > 0)
				pending = 1;	/* retry the stream soon */
		timeout = (int)(next_sync - time(NULL)) * 1000;
		if (timeout < 0)
			timeout = 0;
		if (pending && timeout > 20)
			timeout = 20;
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
		if (pfd[1].revents & POLLIN)
			jobs_complete(d);
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
		/* console input the stream could not take; replies to send */
		for (c = d->clients; c != NULL; c = next) {
			next = c->next;
			if (c->relay != NULL && c->inlen > 0)
				console_input(d, c);
			if ((c->outlen > c->outoff || c->close_after) &&
			    client_flush(c) == -1)
				client_free(d, c);
		}
		if (pfd[0].revents & POLLIN)
			accept_client(d);
		if (time(NULL) >= next_sync) {
			sync_some_hosts(d);
			next_sync = time(NULL) + 1;
		}
		if (time(NULL) >= next_mail) {
			if (d->outbox_waiting > 0)
				outbox_flush(d);	/* retries, with backoff */
			next_mail = time(NULL) + 30;
		}
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
