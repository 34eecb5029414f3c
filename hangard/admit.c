/*
 * admit: who may connect, and how many (hangard(8), LIMITS).
 *
 * Anyone on the machine can connect to the socket, so no one account may
 * fill it: each uid holds at most max_clients_per_uid connections, and
 * the last slots of the client table are kept for operators (uid 0, the
 * daemon's own uid, admin_group), who are never counted per uid.  A
 * connection that does not fit is told why in one line and closed.
 *
 * Running out of descriptors (EMFILE) must not make the loop spin on a
 * listening socket that stays readable: a reserve descriptor is given up
 * to take one waiting connection at a time (an operator's is kept, any
 * other is told and closed), and when even that fails the socket is not
 * watched for a quarter of a second.  Every warning here is rate-limited:
 * one line a minute of each kind.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define UIDTAB_SIZE	256
#define ACCEPT_BATCH	64	/* connections taken per turn of the loop */
#define OP_RESERVE	64	/* slots only operators may take */
#define FD_HEADROOM	64	/* descriptors kept for hosts, the store... */
#define DEFAULT_CLIENTS	4096
#define PAUSE_MS	250	/* no descriptor at all: wait this long */
#define NOFILE_CAP	(1 << 20)

struct uidcount {
	uid_t		 uid;
	int		 n;
	enum role	 role;		/* of its newest connection */
	struct uidcount	*next;
};

struct ratelog {
	time_t		 last;
	unsigned long	 more;		/* not logged since last */
};

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
log_limited(struct daemon *d, enum rl_kind kind, const char *fmt, ...)
{
	struct ratelog *r = &d->rl[kind];
	time_t now = time(NULL);
	char buf[512];
	va_list ap;

	if (r->last != 0 && now - r->last < 60) {
		r->more++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r->more > 0)
		log_warnx("%s (and %lu more like it since the last such line)",
		    buf, r->more);
	else
		log_warnx("%s", buf);
	r->last = now;
	r->more = 0;
}

static struct uidcount *
uid_get(struct daemon *d, uid_t uid, int create)
{
	struct uidcount **pp = &d->uidtab[uid % UIDTAB_SIZE], *u;

	for (u = *pp; u != NULL; u = u->next)
		if (u->uid == uid)
			return u;
	if (!create)
		return NULL;
	u = xcalloc(1, sizeof(*u));
	u->uid = uid;
	u->next = *pp;
	*pp = u;
	return u;
}

void
admit_release(struct daemon *d, const struct client *c)
{
	struct uidcount **pp, *u;

	if (c->role == ROLE_OPERATOR)
		d->nops--;
	for (pp = &d->uidtab[c->uid % UIDTAB_SIZE]; (u = *pp) != NULL;
	    pp = &u->next)
		if (u->uid == c->uid) {
			if (--u->n <= 0) {
				*pp = u->next;
				free(u);
			}
			return;
		}
}

/*
 * The soft descriptor limit goes up to the hard one (systemd's default
 * soft limit is 1,024); the client table gets what is left after a
 * headroom for everything else, unless max_clients says otherwise.
 */
void
admit_init(struct daemon *d)
{
	struct rlimit rl;
	rlim_t have = 1024;

	d->uidtab = xcalloc(UIDTAB_SIZE, sizeof(*d->uidtab));
	d->rl = xcalloc(RL__MAX, sizeof(*d->rl));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max > NOFILE_CAP ? NOFILE_CAP :
			    rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
				log_warn("raising the descriptor limit");
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		have = rl.rlim_cur;
	}
	if (d->cfg.max_clients > 0) {
		d->max_clients = d->cfg.max_clients;
		if ((rlim_t)d->max_clients + FD_HEADROOM > have)
			log_warnx("max_clients %d: the descriptor limit is %llu; "
			    "connections past it wait or are refused",
			    d->max_clients, (unsigned long long)have);
	} else if (have < (rlim_t)FD_HEADROOM * 2)
		d->max_clients = FD_HEADROOM;
	else
		d->max_clients = have - FD_HEADROOM < DEFAULT_CLIENTS ?
		    (int)(have - FD_HEADROOM) : DEFAULT_CLIENTS;
	d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_info("clients: at most %d (%d per uid), descriptor limit %llu",
	    d->max_clients, d->cfg.max_clients_per_uid,
	    (unsigned long long)have);
}

void
admit_free(struct daemon *d)
{
	struct uidcount *u, *next;

	for (int i = 0; d->uidtab != NULL && i < UIDTAB_SIZE; i++)
		for (u = d->uidtab[i]; u != NULL; u = next) {
			next = u->next;
			free(u);
		}
	free(d->uidtab);
	free(d->rl);
	d->uidtab = NULL;
	d->rl = NULL;
	if (d->reserve_fd != -1)
		close(d->reserve_fd);
}

int
admit_paused(struct daemon *d)
{
	int64_t left = d->accept_paused - mono_ms();

	return left > 0 ? (int)left : 0;
}

/* Tells a connection why it is refused (one reply line), and closes it. */
static void
refuse(int fd, const char *why)
{
	struct herr e;
	char *line;

	herr_set(&e, HERR_CAPACITY, "%s", why);
	line = proto_reply_err(0, &e);
	(void)!send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	close(fd);
}

/* Takes the connection fd as a client, or refuses it (operators only:
 * out of descriptors, and this one came in on the reserve). */
static void
admit(struct daemon *d, int fd, int ops_only)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct uidcount *u;
	struct client *c;
	char why[128];
	time_t now = time(NULL);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_limited(d, RL_ACCEPT, "refusing a connection: no peer "
		    "credentials");
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->uid = cred.uid;
	c->pid = cred.pid;
	/* at its cap, a uid is refused without a look at the store */
	u = uid_get(d, c->uid, 0);
	if (c->uid != 0 && c->uid != d->self_uid && u != NULL &&
	    u->n >= d->cfg.max_clients_per_uid && u->role != ROLE_OPERATOR) {
		snprintf(why, sizeof(why), "too many connections from uid %u "
		    "(limit %d)", (unsigned)c->uid, d->cfg.max_clients_per_uid);
		goto refused;
	}
	authorize(d, c, cred.gid);
	if (c->role == ROLE_OPERATOR ? d->nclients >= d->max_clients :
	    ops_only || d->nclients - d->nops >= d->max_clients -
	    (d->max_clients > OP_RESERVE * 2 ? OP_RESERVE :
	    d->max_clients / 4)) {
		snprintf(why, sizeof(why), "hangard has too many clients");
		goto refused;
	}
	u = uid_get(d, c->uid, 1);
	u->n++;
	u->role = c->role;
	c->d = d;
	c->serial = ++d->next_serial;
	c->since = c->active = now;
	c->next = d->clients;
	d->clients = c;
	d->nclients++;
	d->nops += c->role == ROLE_OPERATOR;
	log_debug("client %llu: uid %u pid %d role %d",
	    (unsigned long long)c->serial, (unsigned)c->uid, (int)c->pid,
	    (int)c->role);
	return;
refused:
	log_limited(d, RL_REFUSED, "refused a connection: %s", why);
	refuse(fd, why);
	free(c);
}

/* EMFILE: one waiting connection through the reserve, or a pause. */
static int
out_of_descriptors(struct daemon *d)
{
	int fd;

	log_limited(d, RL_NOFILE, "out of file descriptors with %d clients: "
	    "letting only operators in until some go", d->nclients);
	if (d->reserve_fd == -1)
		d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (d->reserve_fd != -1) {
		close(d->reserve_fd);
		fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1)
			admit(d, fd, 1);
		d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd != -1)
			return 0;
	}
	d->accept_paused = mono_ms() + PAUSE_MS;
	return -1;
}

void
admit_accept(struct daemon *d)
{
	int fd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			admit(d, fd, 0);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			if (out_of_descriptors(d) == -1)
				return;
			continue;
		}
		log_limited(d, RL_ACCEPT, "accept: %s", strerror(errno));
		d->accept_paused = mono_ms() + PAUSE_MS;
		return;
	}
}
