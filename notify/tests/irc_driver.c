/*
 * irc_driver HOST PORT NICK CHANNEL: runs notify/irc in a poll loop for
 * the end-to-end test.  Reads commands on stdin, one per line:
 *	say TEXT	queue TEXT (\r and \n in TEXT become CR and LF)
 *	quit		leave
 * and prints events on stdout: "state NAME" on every change of state and
 * "ready N" each time the client is in the channel (N-th time).  Exits by
 * itself after five minutes, so a broken test cannot leave it running.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/log.h"
#include "notify/irc.h"

#define LIFETIME_MS	300000

/* Replaces the two-character escapes \r, \n and \\ in place. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && (s[1] == 'r' || s[1] == 'n' ||
		    s[1] == '\\')) {
			s++;
			*o++ = *s == 'r' ? '\r' : *s == 'n' ? '\n' : '\\';
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* Handles the complete lines in buf; returns 1 on quit. */
static int
commands(struct irc *irc, char *buf, size_t *len)
{
	char *nl;
	int quit = 0;

	while (!quit && (nl = memchr(buf, '\n', *len)) != NULL) {
		*nl = '\0';
		if (strncmp(buf, "say ", 4) == 0) {
			unescape(buf + 4);
			printf("queued %zu\n", irc_say(irc, buf + 4));
		} else if (strcmp(buf, "quit") == 0)
			quit = 1;
		else
			printf("error unknown command\n");
		*len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *len);
	}
	fflush(stdout);
	return quit;
}

int
main(int argc, char *argv[])
{
	struct irc_cfg cfg = { 0 };
	struct pollfd pfd[2];
	struct herr e;
	struct irc *irc;
	enum irc_state last;
	uint64_t start;
	char buf[8192];
	size_t len = 0;
	int quit = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: irc_driver host port nick channel\n");
		return 2;
	}
	log_init("irc-driver", 1, 1);
	cfg.host = argv[1];
	cfg.port = argv[2];
	cfg.nick = argv[3];
	cfg.channel = argv[4];
	cfg.realname = "hangar e2e test";
	if ((irc = irc_new(&cfg, &e)) == NULL) {
		fprintf(stderr, "irc_driver: %s\n", e.msg);
		return 1;
	}
	last = irc_state(irc);
	start = irc_now_ms();
	while (!quit && irc_now_ms() - start < LIFETIME_MS) {
		uint64_t now = irc_now_ms();

		pfd[0] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		irc_pollfd(irc, &pfd[1]);
		if (poll(pfd, 2, irc_timeout_ms(irc, now)) == -1 &&
		    errno != EINTR)
			break;
		if (pfd[0].revents != 0) {
			ssize_t r = read(STDIN_FILENO, buf + len,
			    sizeof(buf) - 1 - len);

			if (r <= 0)
				quit = 1;
			else {
				len += (size_t)r;
				quit = commands(irc, buf, &len);
				if (len == sizeof(buf) - 1)
					len = 0;	/* over-long line */
			}
		}
		irc_handle(irc, pfd[1].revents, irc_now_ms());
		if (irc_state(irc) != last) {
			last = irc_state(irc);
			printf("state %s\n", irc_state_name(last));
			if (last == IRC_READY)
				printf("ready %u\n", irc_connects(irc));
			fflush(stdout);
		}
	}
	irc_free(irc);
	return 0;
}
