/*
 * probe: does a remote host answer on the port libvirt would use, within
 * a time limit?  libvirt's remote driver has no connect timeout: a host
 * that is powered off, or still in its firmware after a reboot, drops
 * the TCP handshake, and virConnectOpen waits for the kernel's SYN
 * retries (net.ipv4.tcp_syn_retries, about two minutes) while the host's
 * worker can do nothing else.  So hv_open first knocks on the port with
 * a non-blocking connect and gives up after the limit.
 *
 * Only an answer is asked for: a refused port answers too (libvirt then
 * fails at once, with its own words); no TLS or ssh is spoken.  Transports: tls and tcp connect
 * to HOST:PORT themselves (16514, 16509 by default); libssh and libssh2
 * to port 22; ssh runs the ssh client, so the probe asks it (ssh -G)
 * which host name and port its configuration gives, and does not probe
 * at all where it goes through a ProxyCommand or ProxyJump, or where the
 * operator gave ssh a ConnectTimeout of its own.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/str.h"

static int probe_ms = HV_PROBE_DEFAULT_MS;	/* set once, at start */

void
hv_set_probe_timeout(int ms)
{
	probe_ms = ms;
}

/* The transport of a URI ("tls" of "qemu+tls://..."); "" for none. */
static void
uri_transport(const char *uri, char *buf, size_t size)
{
	const char *plus = strchr(uri, '+'), *colon = strstr(uri, "://");
	size_t n;

	buf[0] = '\0';
	if (plus == NULL || colon == NULL || plus > colon)
		return;
	n = (size_t)(colon - plus - 1);
	if (n < size) {
		memcpy(buf, plus + 1, n);
		buf[n] = '\0';
	}
}

/* The URI's user ("" for none) and port (0 for none). */
static void
uri_user_port(const char *uri, char *user, size_t usize, int *port)
{
	const char *p = strstr(uri, "://"), *end, *at = NULL, *q, *c;
	size_t n;

	user[0] = '\0';
	*port = 0;
	if (p == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "/?#");
	for (q = p; (c = memchr(q, '@', (size_t)(end - q))) != NULL;
	    q = c + 1)
		at = c;
	if (at != NULL) {
		n = (size_t)(at - p);
		if (n < usize) {
			memcpy(user, p, n);
			user[n] = '\0';
		}
		p = at + 1;
	}
	if (*p == '[' && (q = memchr(p, ']', (size_t)(end - p))) != NULL)
		p = q + 1;
	if ((c = memchr(p, ':', (size_t)(end - p))) != NULL) {
		long long v;
		char num[8];

		n = (size_t)(end - c - 1);
		if (n > 0 && n < sizeof(num)) {
			memcpy(num, c + 1, n);
			num[n] = '\0';
			if (str_parse_int(num, 1, 65535, &v) == 0)
				*port = (int)v;
		}
	}
}

/*
 * Reads fd to its end into buf (NUL-terminated, the rest dropped) by
 * deadline: the length, or -1 when the deadline passed first.
 */
static ssize_t
slurp(int fd, char *buf, size_t size, int64_t deadline)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t n = 0;
	char drop[512];

	for (;;) {
		int64_t left = deadline - hv_mono_ms();
		ssize_t r;

		if (left <= 0)
			return -1;
		if ((r = poll(&pfd, 1, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return -1;
		if (n + 1 < size)
			r = read(fd, buf + n, size - 1 - n);
		else
			r = read(fd, drop, sizeof(drop));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < size)
			n += (size_t)r;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * What ssh would connect to for host: `ssh -G` prints the configuration
 * it would use.  0 with host and port set; 1 when it goes through a
 * proxy or has a ConnectTimeout (no probe); -1 when ssh cannot say (no
 * probe either, and so when ssh -G itself takes longer than the limit).
 */
static int
ssh_target(const char *user, int uport, char *host, size_t hsize,
    int *port)
{
	char pbuf[16], out[16384], *line, *save = NULL;
	const char *argv[10];
	int fds[2], n = 0, found = 0, proxy = 0, status;
	ssize_t len;
	pid_t pid, w;

	argv[n++] = "ssh";
	argv[n++] = "-G";
	if (uport > 0) {
		snprintf(pbuf, sizeof(pbuf), "%d", uport);
		argv[n++] = "-p";
		argv[n++] = pbuf;
	}
	if (user[0] != '\0') {
		argv[n++] = "-l";
		argv[n++] = user;
	}
	argv[n++] = "--";
	argv[n++] = host;
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null == -1 || dup2(null, STDIN_FILENO) == -1 ||
		    dup2(fds[1], STDOUT_FILENO) == -1 ||
		    dup2(null, STDERR_FILENO) == -1)
			_exit(127);
		execvp("ssh", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	len = slurp(fds[0], out, sizeof(out), hv_mono_ms() + probe_ms);
	close(fds[0]);
	if (len < 0)
		kill(pid, SIGKILL);	/* ssh -G hung (a Match exec?) */
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (len < 0 || w == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	*port = 22;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		long long v;

		if (strncmp(line, "hostname ", 9) == 0) {
			str_copy(host, line + 9, hsize);
			found = 1;
		} else if (strncmp(line, "port ", 5) == 0 &&
		    str_parse_int(line + 5, 1, 65535, &v) == 0)
			*port = (int)v;
		else if ((strncmp(line, "proxycommand ", 13) == 0 &&
		    strcmp(line + 13, "none") != 0) ||
		    (strncmp(line, "proxyjump ", 10) == 0 &&
		    strcmp(line + 10, "none") != 0) ||
		    (strncmp(line, "connecttimeout ", 15) == 0 &&
		    strcmp(line + 15, "none") != 0))
			proxy = 1;	/* or ssh keeps its own limit */
	}
	return found ? proxy : -1;
}

/*
 * One address, as libvirt would try it: 2 connected, 1 refused (or any
 * error: libvirt goes on to the next address), 0 no answer by deadline.
 */
static int
knock(const struct addrinfo *ai, int64_t deadline)
{
	struct pollfd pfd;
	int fd, r, err = 0;
	socklen_t len = sizeof(err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return 1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		close(fd);
		return 2;
	}
	if (errno != EINPROGRESS) {
		close(fd);
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		int64_t left = deadline - hv_mono_ms();

		if (left <= 0) {
			r = 0;
			break;
		}
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == 0 && err == 0)
			r = 2;
		else
			r = r != 0;	/* refused, or an error poll saw */
		break;
	}
	close(fd);
	return r;
}

int
hv_probe(const char *uri, struct herr *e)
{
	char transport[16], user[128], host[256], pstr[8];
	struct addrinfo hints, *res, *ai;
	int port = 0, silent, r;
	int64_t deadline;

	if (probe_ms <= 0)
		return 0;
	uri_transport(uri, transport, sizeof(transport));
	if (strcmp(transport, "tls") != 0 && strcmp(transport, "tcp") != 0 &&
	    strcmp(transport, "ssh") != 0 && strcmp(transport, "libssh") != 0 &&
	    strcmp(transport, "libssh2") != 0)
		return 0;
	if (!hv_uri_host(uri, host, sizeof(host)))
		return 0;
	uri_user_port(uri, user, sizeof(user), &port);
	if (host[0] == '[') {		/* [v6]: the address alone */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	if (strcmp(transport, "ssh") == 0) {
		if (ssh_target(user, port, host, sizeof(host), &port) != 0)
			return 0;
	} else if (port == 0)
		port = strcmp(transport, "tls") == 0 ? 16514 :
		    strcmp(transport, "tcp") == 0 ? 16509 : 22;
	snprintf(pstr, sizeof(pstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, pstr, &hints, &res) != 0)
		return 0;	/* libvirt says why, in its words */
	/*
	 * libvirt tries the addresses in this order and stops at the first
	 * that connects: it hangs on a silent one before that, and goes on
	 * past a refusal.  All refused: libvirt fails at once by itself.
	 */
	deadline = hv_mono_ms() + probe_ms;
	silent = 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((r = knock(ai, deadline)) == 2)
			break;
		if (r == 0) {
			silent = 1;
			break;
		}
	}
	freeaddrinfo(res);
	if (!silent)
		return 0;
	return herr_set(e, HERR_UNREACHABLE, "%s: no answer from %s port %d "
	    "within %d.%d s (host down, or a firewall dropping packets)",
	    uri, host, port, probe_ms / 1000, probe_ms % 1000 / 100);
}
