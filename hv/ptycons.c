/*
 * Serial consoles of test-driver guests from ptys (labs, benchmarks).
 *
 * The test driver has no consoles.  When a console folder is set, a test
 * host's guest NAME gets its console from the pty at DIR/NAME, a symlink
 * to a pty slave made by whoever plays the guest (it writes the guest's
 * output on the master and reads what the console sends).  The slave is
 * set raw, as libvirt does with a QEMU pty, and watched with
 * virEventAddHandle, so the bytes reach hv_console_fn on libvirt's event
 * thread exactly as a console stream's do.
 *
 * One session per pty, as libvirt's safe mode: a second open fails with
 * libvirt's words unless forced, and a forced open silences the first
 * session (its owner closes it).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define PTY_READS	4	/* reads per wakeup: 500 ptys share a thread */

struct ptycons {
	char		 path[1100];
	int		 fd;		/* closed by pty_free, after the watch */
	int		 watch;
	hv_console_fn	 fn;
	void		*arg;
	pthread_mutex_t	 mu;		/* fn calls vs. close and takeover */
	int		 ended;		/* fn got its n == 0 */
	int		 closed;	/* ptycons_close was called */
	int		 silenced;	/* taken over: deliver nothing more */
	struct ptycons	*next;		/* open ones, under open_mu */
};

static char		 console_dir[1024];
static struct ptycons	*open_list;
static pthread_mutex_t	 open_mu = PTHREAD_MUTEX_INITIALIZER;

void
hv_test_console_dir(const char *dir)
{
	str_copy(console_dir, dir != NULL ? dir : "", sizeof(console_dir));
}

int
ptycons_wanted(const struct hv_conn *c)
{
	return console_dir[0] != '\0' && strncmp(c->uri, "test:", 5) == 0;
}

/* The program that plays the guest keeps its console log there too. */
int
ptycons_log_path(const char *uri, const char *name, char *buf, size_t size)
{
	if (console_dir[0] == '\0' || strncmp(uri, "test:", 5) != 0)
		return -1;
	return (size_t)snprintf(buf, size, "%s/%s.log", console_dir, name) >=
	    size ? -1 : 0;
}

/* Tells the owner once that the console ended; never after close. */
static void
pty_end(struct ptycons *pc)
{
	pthread_mutex_lock(&pc->mu);
	if (!pc->ended && !pc->closed && !pc->silenced) {
		pc->ended = 1;
		pc->fn(pc->arg, NULL, 0);
	}
	pthread_mutex_unlock(&pc->mu);
}

/* libvirt's event thread. */
static void
pty_event(int watch, int fd, int events, void *opaque)
{
	struct ptycons *pc = opaque;
	char buf[16384];
	ssize_t n;
	int i;

	for (i = 0; i < PTY_READS && (events & VIR_EVENT_HANDLE_READABLE);
	    i++) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;		/* EIO or EOF: the master is gone */
		pthread_mutex_lock(&pc->mu);
		if (!pc->closed && !pc->silenced)
			pc->fn(pc->arg, buf, (size_t)n);
		pthread_mutex_unlock(&pc->mu);
	}
	if (i == PTY_READS)
		return;			/* more to read: poll says so again */
	/* ended (read 0 or failed, hangup, error): stop polling it */
	virEventUpdateHandle(watch, 0);
	pty_end(pc);
}

static void
pty_free(void *opaque)
{
	struct ptycons *pc = opaque;

	close(pc->fd);
	pthread_mutex_destroy(&pc->mu);
	free(pc);
}

/* The session on path, if any (open_mu held). */
static struct ptycons *
held_by(const char *path)
{
	struct ptycons *pc;

	for (pc = open_list; pc != NULL; pc = pc->next)
		if (strcmp(pc->path, path) == 0)
			return pc;
	return NULL;
}

/* Takes path for pc, or fails as libvirt's safe mode does (open_mu held). */
static int
claim(struct ptycons *pc, int force, struct herr *e)
{
	struct ptycons *old = held_by(pc->path);

	if (old != NULL && !force)
		return herr_set(e, HERR_STATE, "console: operation failed: "
		    "Active console session exists for this domain");
	if (old != NULL) {
		pthread_mutex_lock(&old->mu);
		old->silenced = 1;
		pthread_mutex_unlock(&old->mu);
		virEventUpdateHandle(old->watch, 0);
	}
	pc->next = open_list;
	open_list = pc;
	return 0;
}

static void
unclaim(struct ptycons *pc)
{
	struct ptycons **pp;

	pthread_mutex_lock(&open_mu);
	for (pp = &open_list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == pc) {
			*pp = pc->next;
			break;
		}
	pthread_mutex_unlock(&open_mu);
}

/* DIR/NAME for the running domain uuid. */
static int
pty_path(struct hv_conn *c, const char *uuid, char *buf, size_t size,
    struct herr *e)
{
	virDomainPtr d;
	const char *name;
	int active, rc = 0;

	if ((d = lookup(c, uuid, e)) == NULL)
		return -1;
	if ((active = virDomainIsActive(d)) < 0)
		rc = lv_err(e, "console");
	else if (!active)
		rc = herr_set(e, HERR_STATE, "console: the domain is not running");
	else if ((name = virDomainGetName(d)) == NULL)
		rc = lv_err(e, "console");
	else if ((size_t)snprintf(buf, size, "%s/%s", console_dir, name) >= size)
		rc = herr_set(e, HERR_INTERNAL, "console: path too long");
	virDomainFree(d);
	return rc;
}

/* Opens the slave raw and non-blocking, as libvirt opens a QEMU pty. */
static int
pty_open_raw(const char *path, struct herr *e)
{
	struct termios t;
	int fd;

	if ((fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return herr_set(e, HERR_HV, "console: this guest has no lab "
		    "console at %s: %s", path, strerror(errno));
	if (tcgetattr(fd, &t) == -1) {
		herr_set(e, HERR_HV, "console: %s is not a pty", path);
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) == -1) {
		herr_set(e, HERR_HV, "console: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
ptycons_open(struct hv_conn *c, const char *uuid, int force,
    hv_console_fn fn, void *arg, struct ptycons **out, struct herr *e)
{
	struct ptycons *pc;

	*out = NULL;
	pc = xcalloc(1, sizeof(*pc));
	if (pty_path(c, uuid, pc->path, sizeof(pc->path), e) == -1 ||
	    (pc->fd = pty_open_raw(pc->path, e)) == -1) {
		free(pc);
		return -1;
	}
	pthread_mutex_init(&pc->mu, NULL);
	pc->fn = fn;
	pc->arg = arg;
	pthread_mutex_lock(&open_mu);
	if (claim(pc, force, e) == -1) {
		pthread_mutex_unlock(&open_mu);
		pty_free(pc);
		return -1;
	}
	pc->watch = virEventAddHandle(pc->fd, VIR_EVENT_HANDLE_READABLE |
	    VIR_EVENT_HANDLE_ERROR | VIR_EVENT_HANDLE_HANGUP, pty_event, pc,
	    pty_free);
	pthread_mutex_unlock(&open_mu);
	if (pc->watch < 0) {
		herr_set(e, HERR_INTERNAL, "console: cannot watch %s", pc->path);
		unclaim(pc);
		pty_free(pc);
		return -1;
	}
	*out = pc;
	return 0;
}

long
ptycons_send(struct ptycons *pc, const char *buf, size_t n)
{
	ssize_t w;

	do
		w = write(pc->fd, buf, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EAGAIN ? 0 : -1;
	return (long)w;
}

void
ptycons_close(struct ptycons *pc)
{
	if (pc == NULL)
		return;
	unclaim(pc);
	pthread_mutex_lock(&pc->mu);
	pc->closed = 1;
	pthread_mutex_unlock(&pc->mu);
	/* pty_free closes the fd and frees pc once libvirt lets go of it */
	virEventRemoveHandle(pc->watch);
}
