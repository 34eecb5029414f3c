/*
 * labguest: the demo's stand-ins for its VPSes' serial consoles.
 *
 * libvirt's test driver runs no guest, so `hangar demo` starts this small
 * process beside its hangard.  For every guest of the demo it holds a
 * pty and links it as CONSOLES/NAME, where hangard's test_console_dir
 * looks (hv/ptycons.c), and appends what the "guest" prints to
 * CONSOLES/NAME.log, the console log hangard reads for logview.  Every
 * second it asks hangard for the guests: one that starts running prints
 * a boot log and a login prompt, one that stops prints its shutdown.  The
 * prompt answers: root with password demo gets a tiny shell (help, uname,
 * uptime, ...); exit or logout go back to the login prompt.
 *
 * It ends on SIGTERM (`hangar demo --stop`), when the demo folder is
 * gone, or when hangard has not answered for STALE_S seconds.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hangar/hangar.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define MAX_GUESTS	64
#define STALE_S		15
#define LINE_MAX_IN	120

enum mode { M_OFF, M_LOGIN, M_PASSWORD, M_SHELL };

struct lg {
	char	 name[64];
	char	 state[16];	/* as hangard last said */
	int	 master, slave;	/* -1: none */
	int	 log;
	enum mode mode;
	char	 line[LINE_MAX_IN + 1];
	size_t	 len;
	char	 user[33];
	time_t	 booted;
	int64_t	 vcpus, ram_mib;
	int	 seen;		/* in the last list */
};

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* What the guest prints: to its console (dropped if nobody reads, as on
 * a serial line) and to its console log. */
static void
out(struct lg *g, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	/* nobody attached (EAGAIN): the line drops it, as a serial line */
	if (g->master != -1)
		w = write(g->master, s, n);
	/* a full disk: the log misses it */
	if (g->log != -1)
		w = write(g->log, s, n);
	(void)w;
}

static void __attribute__((format(printf, 2, 3)))
outf(struct lg *g, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(g, buf);
}

static void
prompt(struct lg *g)
{
	if (g->mode == M_LOGIN)
		outf(g, "%s login: ", g->name);
	else if (g->mode == M_PASSWORD)
		out(g, "Password: ");
	else if (g->mode == M_SHELL)
		outf(g, "%s@%s:~# ", g->user, g->name);
}

static void
boot(struct lg *g)
{
	g->booted = time(NULL);
	out(g, "\r\n[hangar demo] this VPS is played by a small program "
	    "beside the demo's hangard,\r\n[hangar demo] not by an operating "
	    "system: its console answers like one.\r\n");
	outf(g, "[    0.000000] Linux version 6.1.0-28-amd64 "
	    "(debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian "
	    "6.1.119-1\r\n"
	    "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 "
	    "root=/dev/vda1 ro console=ttyS0,115200n8\r\n"
	    "[    0.000000] Memory: %lldK available\r\n"
	    "[    0.061234] smp: Brought up 1 node, %lld CPU%s\r\n"
	    "[    0.402117] serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = "
	    "115200) is a 16550A\r\n"
	    "[    1.113520] virtio_blk virtio1: [vda] disk\r\n"
	    "[    1.845002] EXT4-fs (vda1): mounted filesystem with ordered data "
	    "mode.\r\n"
	    "[    2.301877] systemd[1]: Hostname set to <%s>.\r\n"
	    "[  OK  ] Reached target Multi-User System.\r\n\r\n"
	    "Debian GNU/Linux 12 %s ttyS0\r\n\r\n"
	    "(demo: log in as root, password demo)\r\n\r\n",
	    (long long)g->ram_mib * 1024, (long long)g->vcpus,
	    g->vcpus == 1 ? "" : "s", g->name, g->name);
	g->mode = M_LOGIN;
	g->len = 0;
	prompt(g);
}

static void
halt(struct lg *g)
{
	out(g, "\r\n[  OK  ] Stopped target Multi-User System.\r\n"
	    "[  OK  ] Reached target Power-Off.\r\n"
	    "[ 1042.117000] reboot: Power down\r\n");
	g->mode = M_OFF;
	g->len = 0;
}

static void
shell(struct lg *g, const char *cmd)
{
	long up = (long)(time(NULL) - g->booted);

	if (cmd[0] == '\0')
		;
	else if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "logout") == 0) {
		out(g, "logout\r\n\r\n");
		g->mode = M_LOGIN;
	} else if (strcmp(cmd, "help") == 0)
		out(g, "This demo guest knows: help, hostname, uname [-a], "
		    "uptime, whoami, exit.\r\nPower it off, on or reboot it "
		    "from the management console.\r\n");
	else if (strcmp(cmd, "hostname") == 0)
		outf(g, "%s\r\n", g->name);
	else if (strcmp(cmd, "whoami") == 0)
		outf(g, "%s\r\n", g->user);
	else if (strcmp(cmd, "uname") == 0)
		out(g, "Linux\r\n");
	else if (strcmp(cmd, "uname -a") == 0)
		outf(g, "Linux %s 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian "
		    "6.1.119-1 x86_64 GNU/Linux\r\n", g->name);
	else if (strcmp(cmd, "uptime") == 0)
		outf(g, " up %ld:%02ld,  1 user,  load average: 0.00, 0.00, "
		    "0.00\r\n", up / 3600, up / 60 % 60);
	else if (strcmp(cmd, "reboot") == 0 || strcmp(cmd, "poweroff") == 0 ||
	    strcmp(cmd, "shutdown") == 0)
		out(g, "This demo guest cannot: use reboot or shutdown in the "
		    "management console.\r\n");
	else {
		char vis[LINE_MAX_IN + 1];

		str_sanitize(vis, sizeof(vis), cmd);
		outf(g, "-bash: %s: command not found\r\n", vis);
	}
}

/* A whole line typed at the prompt. */
static void
line_done(struct lg *g)
{
	g->line[g->len] = '\0';
	out(g, "\r\n");
	switch (g->mode) {
	case M_LOGIN:
		if (g->len == 0)
			break;
		str_sanitize(g->user, sizeof(g->user), g->line);
		g->mode = M_PASSWORD;
		break;
	case M_PASSWORD:
		if (strcmp(g->user, "root") == 0 &&
		    strcmp(g->line, "demo") == 0) {
			outf(g, "Linux %s 6.1.0-28-amd64 #1 SMP Debian "
			    "6.1.119-1 x86_64\r\n\r\nType help to see what "
			    "this demo guest knows.\r\n", g->name);
			g->mode = M_SHELL;
		} else {
			out(g, "\r\nLogin incorrect\r\n");
			g->mode = M_LOGIN;
		}
		break;
	case M_SHELL:
		shell(g, g->line);
		break;
	case M_OFF:
		break;
	}
	g->len = 0;
	prompt(g);
}

/* Bytes from the console: a terminal's line discipline, by hand. */
static void
typed(struct lg *g, const unsigned char *b, size_t n)
{
	char echo[2] = { 0, 0 };
	size_t i;

	if (g->mode == M_OFF)
		return;	/* a powered-off guest reads nothing */
	for (i = 0; i < n; i++) {
		if (b[i] == '\r' || b[i] == '\n') {
			if (b[i] == '\n' && i > 0 && b[i - 1] == '\r')
				continue;
			line_done(g);
		} else if (b[i] == 0x7f || b[i] == 0x08) {
			if (g->len > 0) {
				g->len--;
				if (g->mode != M_PASSWORD)
					out(g, "\b \b");
			}
		} else if (b[i] == 0x03) {	/* Ctrl-C */
			out(g, "^C\r\n");
			g->len = 0;
			prompt(g);
		} else if (b[i] == 0x04 && g->len == 0 && g->mode == M_SHELL) {
			shell(g, "logout");
			prompt(g);
		} else if (b[i] >= 0x20 && b[i] < 0x7f && g->len < LINE_MAX_IN) {
			g->line[g->len++] = (char)b[i];
			echo[0] = (char)b[i];
			if (g->mode != M_PASSWORD)
				out(g, echo);
		}
	}
}

static void
lg_close(struct lg *g, const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, g->name);
	unlink(path);
	if (g->master != -1)
		close(g->master);
	if (g->slave != -1)
		close(g->slave);
	if (g->log != -1)
		close(g->log);
	g->master = g->slave = g->log = -1;
}

/*
 * A new pty for g, linked as DIR/NAME, raw (hangard sets it raw again at
 * attach; before that, a cooked slave would echo the guest's output back
 * to it as input), and its console log DIR/NAME.log.
 */
static int
lg_open(struct lg *g, const char *dir)
{
	char path[PATH_MAX], logp[PATH_MAX + 8];
	struct termios t;
	const char *slave;

	g->master = g->slave = g->log = -1;
	if ((g->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) == -1 || grantpt(g->master) == -1 ||
	    unlockpt(g->master) == -1 || (slave = ptsname(g->master)) == NULL)
		goto fail;
	/* held open so that the master never reads EIO between sessions */
	if ((g->slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(g->slave, &t) == -1)
		goto fail;
	cfmakeraw(&t);
	if (tcsetattr(g->slave, TCSANOW, &t) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", dir, g->name);
	unlink(path);
	if (symlink(slave, path) == -1)
		goto fail;
	snprintf(logp, sizeof(logp), "%s/%s.log", dir, g->name);
	if ((g->log = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "labguest: %s: %s\n", g->name, strerror(errno));
	lg_close(g, dir);
	return -1;
}

static int64_t
gi(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) :
	    0;
}

static const char *
gs(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : "";
}

/* Brings the guests in line with hangard's list; -1 if it did not answer. */
static int
refresh(const char *sock, const char *dir, struct lg *gs_, size_t *n)
{
	struct rpc_client *rc;
	json_object *list = NULL, *o;
	struct herr e;
	struct lg *g;
	size_t i, k;
	int was_running, running;

	if ((rc = rpc_connect(sock, &e)) == NULL)
		return -1;
	if (rpc_call(rc, "guest.list", NULL, &list, &e) == -1 ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(list);
		rpc_close(rc);
		return -1;
	}
	rpc_close(rc);
	for (k = 0; k < *n; k++)
		gs_[k].seen = 0;
	for (i = 0; i < json_object_array_length(list); i++) {
		o = json_object_array_get_idx(list, i);
		if (!str_is_name(gs(o, "name")))
			continue;
		for (k = 0; k < *n && strcmp(gs_[k].name, gs(o, "name")) != 0;
		    k++)
			;
		if (k == *n) {
			if (*n == MAX_GUESTS)
				continue;
			g = &gs_[(*n)++];
			memset(g, 0, sizeof(*g));
			str_copy(g->name, gs(o, "name"), sizeof(g->name));
			if (lg_open(g, dir) == -1) {
				(*n)--;
				continue;
			}
		}
		g = &gs_[k];
		g->seen = 1;
		g->vcpus = gi(o, "vcpus");
		g->ram_mib = gi(o, "ram_mib");
		was_running = strcmp(g->state, "running") == 0;
		running = strcmp(gs(o, "state"), "running") == 0;
		if (running && !was_running)
			boot(g);
		else if (!running && was_running)
			halt(g);
		str_copy(g->state, gs(o, "state"), sizeof(g->state));
	}
	json_object_put(list);
	for (k = 0; k < *n; k++)	/* deleted guests */
		if (!gs_[k].seen) {
			lg_close(&gs_[k], dir);
			gs_[k--] = gs_[--(*n)];
		}
	return 0;
}

/* The loop of the daemon; returns when it should end. */
static void
run(const char *state, const char *sock, const char *dir)
{
	struct lg *g = xcalloc(MAX_GUESTS, sizeof(*g));
	struct pollfd pfd[MAX_GUESTS];
	unsigned char buf[512];
	char mark[PATH_MAX];
	time_t last_ok = time(NULL), next = 0;
	size_t n = 0, i;
	ssize_t r;

	snprintf(mark, sizeof(mark), "%s/%s", state, DEMO_MARK);
	while (!stop) {
		if (time(NULL) >= next) {
			next = time(NULL) + 1;
			if (access(mark, F_OK) == -1)
				break;	/* the demo folder is gone */
			if (refresh(sock, dir, g, &n) == 0)
				last_ok = time(NULL);
			else if (time(NULL) - last_ok > STALE_S)
				break;	/* its hangard is gone */
		}
		for (i = 0; i < n; i++) {
			pfd[i].fd = g[i].master;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, n, 250) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN) {
				if ((r = read(g[i].master, buf, sizeof(buf))) > 0)
					typed(&g[i], buf, (size_t)r);
			}
	}
	for (i = 0; i < n; i++)
		lg_close(&g[i], dir);
	free(g);
}

pid_t
labguest_start(const char *state, const char *sock, const char *dir)
{
	char log[PATH_MAX], pidf[PATH_MAX];
	struct sigaction sa;
	int fd, p[2], st;
	pid_t pid, child = -1;
	FILE *f;

	snprintf(log, sizeof(log), "%s/guests.log", state);
	snprintf(pidf, sizeof(pidf), "%s/guests.pid", state);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	if (pipe(p) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* outlives us: a session of its own, output to a file */
		close(p[0]);
		setsid();
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, 0);
			close(fd);
		}
		if ((child = fork()) != 0) {
			if (write(p[1], &child, sizeof(child)) < 0)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		run(state, sock, dir);
		unlink(pidf);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &child, sizeof(child)) != sizeof(child))
		child = -1;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (child > 0 && (f = fopen(pidf, "w")) != NULL) {
		fprintf(f, "%ld\n", (long)child);
		fclose(f);
	}
	return child;
}
