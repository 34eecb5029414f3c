/*
 * console: the serial console relay.  console.attach opens the guest's
 * console stream on the host's worker; once it is open the client's
 * connection carries raw bytes both ways (the escape key is the client's
 * business).  Guest bytes arrive on libvirt's event thread and cross to
 * the loop through a pipe; the client's bytes go to the stream from the
 * loop.  One session per guest: a second attach is told who holds it and
 * may take it over with force, and the first session is told and closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define LOG_DEFAULT_BYTES	(64 * 1024)

/* libvirt's event thread: guest bytes (n > 0) or the end (n == 0). */
static void
on_guest_bytes(void *arg, const char *buf, size_t n)
{
	struct console_sess *s = arg;
	ssize_t w;

	if (n == 0) {
		close(s->pipe[1]);	/* the loop sees EOF */
		s->pipe[1] = -1;
		return;
	}
	while (n > 0) {
		w = write(s->pipe[1], buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return;	/* pipe full: the client is 1 MiB behind */
		buf += w;
		n -= (size_t)w;
	}
}

static struct console_sess *
sess_find(struct daemon *d, int64_t guest_id)
{
	struct console_sess *s;

	for (s = d->consoles; s != NULL; s = s->next)
		if (s->guest_id == guest_id)
			return s;
	return NULL;
}

static void
sess_unlink(struct daemon *d, struct console_sess *s)
{
	struct console_sess **pp;

	for (pp = &d->consoles; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			return;
		}
}

static void
sess_free(struct console_sess *s)
{
	hv_console_close(s->hc);	/* no more callbacks after this */
	if (s->pipe[0] != -1)
		close(s->pipe[0]);
	if (s->pipe[1] != -1)
		close(s->pipe[1]);
	free(s);
}

void
console_end(struct daemon *d, struct console_sess *s, const char *why)
{
	struct client *c = client_find(d, s->client);
	char msg[256];

	if (c != NULL) {
		if (why != NULL) {
			int n = snprintf(msg, sizeof(msg), "\r\n[hangar: %s]\r\n",
			    why);
			client_write(c, msg, (size_t)n);
		}
		c->relay = NULL;
		c->close_after = 1;
	}
	log_info("console of %s detached (%s)", s->guest, why ? why : "closed");
	sess_unlink(d, s);
	sess_free(s);
}

static void
attach_run(struct job *j)
{
	struct console_sess *s = j->sess;
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);

	if (conn == NULL) {
		j->rc = -1;
		return;
	}
	j->rc = hv_console_open(conn, j->g.uuid, j->force, on_guest_bytes, s,
	    &s->hc, &j->err);
}

static void
attach_done(struct daemon *d, struct job *j)
{
	struct console_sess *s = j->sess, *old;
	struct client *c = client_find(d, j->client);
	json_object *res;

	busy_del(d, j->g.id);
	if (j->rc == -1 || c == NULL) {
		if (j->rc == -1 && strstr(j->err.msg, "Active console") != NULL)
			herr_set(&j->err, HERR_STATE, "the console of %s is in "
			    "use elsewhere; attach with force to take it over",
			    j->g.name);
		else if (j->rc == -1 && strstr(j->err.msg, "not supported"))
			herr_set(&j->err, HERR_HV, "this host's hypervisor has "
			    "no serial console for %s", j->g.name);
		client_reply(d, j->client, j->req_id, -1, NULL, &j->err);
		if ((old = sess_find(d, s->guest_id)) != NULL)
			old->taken = 0;
		sess_free(s);
		return;
	}
	if ((old = sess_find(d, s->guest_id)) != NULL)
		console_end(d, old, "console taken over by another session");
	s->client = c->serial;
	s->since = time(NULL);
	s->next = d->consoles;
	d->consoles = s;
	c->relay = s;
	res = json_object_new_object();
	json_object_object_add(res, "name", json_object_new_string(s->guest));
	json_object_object_add(res, "escape", json_object_new_string("~."));
	client_reply(d, c->serial, j->req_id, 0, res, NULL);
	log_info("console of %s attached by %s", s->guest, s->holder);
}

int
console_attach(struct daemon *d, struct client *c, struct proto_req *r,
    struct herr *e)
{
	struct console_sess *s, *held;
	struct guest_rec g;
	struct host_rec h;
	struct job *j;
	char when[32];
	int force = proto_bool(r->params, "force", 0);

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	if ((held = sess_find(d, g.id)) != NULL && !force) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
		    gmtime(&held->since));
		return herr_set(e, HERR_STATE, "the console of %s is in use by "
		    "%s since %s; attach with force to take it over", g.name,
		    held->holder, when);
	}
	if (store_host_get(d->st, g.host, &h, e) == -1)
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->serial = ++d->next_serial;	/* never reused, like a client's */
	s->guest_id = g.id;
	str_copy(s->guest, g.name, sizeof(s->guest));
	if (c->role == ROLE_CUSTOMER)
		snprintf(s->holder, sizeof(s->holder), "customer %s",
		    c->customer);
	else
		snprintf(s->holder, sizeof(s->holder), "an operator (uid %u)",
		    (unsigned)c->uid);
	if (pipe2(s->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		free(s);
		return herr_set(e, HERR_INTERNAL, "pipe: %s", strerror(errno));
	}
	(void)fcntl(s->pipe[1], F_SETPIPE_SZ, 1024 * 1024);
	j = job_new(hostw_get(d, &h), attach_run, attach_done, c, r->id);
	j->g = g;
	j->sess = s;
	/* a session of ours holds it: libvirt must be told to take it */
	j->force = force || held != NULL;
	if (held != NULL)
		held->taken = 1;
	busy_add(d, g.id);
	job_submit(j);
	return 1;
}

int
console_input(struct daemon *d, struct client *c)
{
	struct console_sess *s = c->relay;
	long n;

	while (c->inlen > 0) {
		n = hv_console_send(s->hc, c->in, c->inlen);
		if (n == 0)
			return 0;	/* stream full: the loop retries */
		if (n < 0) {
			console_end(d, s, "the console stream failed");
			return -1;
		}
		memmove(c->in, c->in + n, c->inlen - (size_t)n);
		c->inlen -= (size_t)n;
	}
	return 0;
}

int
console_output(struct daemon *d, struct console_sess *s)
{
	struct client *c = client_find(d, s->client);
	char buf[65536];
	ssize_t n;

	if (c == NULL) {
		console_end(d, s, NULL);
		return -1;
	}
	n = read(s->pipe[0], buf, sizeof(buf));
	if (n > 0) {
		client_write(c, buf, (size_t)n);	/* raw, unchanged */
		return 0;
	}
	if (n == 0) {
		/* a forced attach elsewhere may close our stream first */
		console_end(d, s, s->taken ? "console taken over by another "
		    "session" : "the guest's console closed");
		return -1;
	}
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

/* console.log's job: the tail, read on the host's worker. */
struct logjob {
	size_t	 want;
	char	*buf;		/* owned; NULL: empty */
	size_t	 n;
};

static void
log_run(struct job *j)
{
	struct logjob *lj = j->ext;
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);

	if (conn == NULL) {
		j->rc = -1;
		return;
	}
	j->rc = hv_console_log_read(conn, j->g.name, lj->want, &lj->buf,
	    &lj->n, &j->err);
}

static void
log_done(struct daemon *d, struct job *j)
{
	struct logjob *lj = j->ext;
	json_object *res = NULL;
	char *text;

	if (j->rc == 0) {
		text = str_log_text(lj->buf != NULL ? lj->buf : "", lj->n);
		res = json_object_new_object();
		json_object_object_add(res, "name",
		    json_object_new_string(j->g.name));
		json_object_object_add(res, "text", json_object_new_string(text));
		free(text);
	}
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
	free(lj->buf);
	lj->buf = NULL;
}

/*
 * The tail of a guest's console log, read by its host's worker through
 * libvirt (hv_console_log_read): the same for local and remote hosts,
 * and a host that does not answer delays only its own guests' logs.
 */
int
console_log(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct guest_rec g;
	struct host_rec h;
	struct logjob *lj;
	struct job *j;

	(void)res;
	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1 ||
	    store_host_get(d->st, g.host, &h, e) == -1)
		return -1;
	lj = xcalloc(1, sizeof(*lj));
	lj->want = (size_t)proto_int(r->params, "bytes", LOG_DEFAULT_BYTES);
	j = job_new(hostw_get(d, &h), log_run, log_done, c, r->id);
	j->g = g;
	j->ext = lj;
	job_submit(j);
	return 1;
}
