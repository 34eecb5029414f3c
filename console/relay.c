/*
 * relay: the customer's side of the serial console.  hangard relays the
 * guest's console stream; here we copy bytes between the customer's
 * terminal and that connection, and watch for the way out.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console/console.h"

#define RELAY_BUF	4096

void
esc_init(struct esc *es)
{
	es->line_start = 1;
	es->tilde = 0;
}

int
esc_feed(struct esc *es, const unsigned char *in, size_t n,
    unsigned char *out, size_t *outn)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = in[i];
		if (es->tilde) {
			es->tilde = 0;
			if (c == '.') {
				*outn = o;
				return 1;
			}
			out[o++] = '~';
			if (c == '~') {
				es->line_start = 0;
				continue;
			}
		}
		if (c == ESC_CTRL_BRACKET) {
			*outn = o;
			return 1;
		}
		if (es->line_start && c == '~') {
			es->tilde = 1;
			continue;
		}
		out[o++] = c;
		es->line_start = c == '\r' || c == '\n';
	}
	*outn = o;
	return 0;
}

static int
write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Customer -> hangard; 1 when the customer left or closed input. */
static int
from_customer(int in, int sock, struct esc *es, struct herr *e)
{
	unsigned char buf[RELAY_BUF], out[RELAY_BUF + 1];
	size_t outn;
	ssize_t r;
	int leave;

	if ((r = read(in, buf, sizeof(buf))) < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (r == 0)
		return 1;
	leave = esc_feed(es, buf, (size_t)r, out, &outn);
	if (outn > 0 && write_all(sock, out, outn) == -1)
		return herr_set(e, HERR_UNREACHABLE, "console: hangard: %s",
		    strerror(errno));
	return leave;
}

/* hangard -> customer, unchanged; 1 when hangard ended the relay. */
static int
from_hangard(int sock, int out, struct herr *e)
{
	char buf[RELAY_BUF];
	ssize_t r;

	if ((r = read(sock, buf, sizeof(buf))) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return herr_set(e, HERR_UNREACHABLE, "console: hangard: %s",
		    strerror(errno));
	}
	if (r == 0)
		return herr_set(e, HERR_STATE, "console: hangard closed the "
		    "console (taken over, or the VPS went away)");
	if (write_all(out, buf, (size_t)r) == -1)
		return 1;	/* the customer is gone */
	return 0;
}

int
relay_run(int in, int out, int sock, const void *head, size_t headlen,
    struct herr *e)
{
	struct termios saved, raw;
	struct pollfd pfd[2];
	struct esc es;
	int tty, rc = 0;

	esc_init(&es);
	if (headlen > 0 && write_all(out, head, headlen) == -1)
		return 0;
	if ((tty = isatty(in) && tcgetattr(in, &saved) == 0)) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(in, TCSAFLUSH, &raw);
	}
	pfd[0].fd = in;
	pfd[0].events = POLLIN;
	pfd[1].fd = sock;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			rc = herr_set(e, HERR_INTERNAL, "console: poll: %s",
			    strerror(errno));
			break;
		}
		/* the guest's bytes first, so nothing is lost on the way out */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR) &&
		    (rc = from_hangard(sock, out, e)) != 0)
			break;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) &&
		    (rc = from_customer(in, sock, &es, e)) != 0)
			break;
	}
	if (tty)
		tcsetattr(in, TCSAFLUSH, &saved);
	shutdown(sock, SHUT_RDWR);
	return rc == -1 ? -1 : 0;
}
