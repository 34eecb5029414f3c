/*
 * Unit tests for notify/irc: the line parser, cleaning and splitting, and
 * the client against a scripted server on 127.0.0.1 with a fake clock
 * (registration, nick in use, PING, flood control, no command injection,
 * reconnection with backoff, queue limits).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/herr.h"
#include "notify/irc.h"

/* ---- parser and text helpers ---- */

static void
test_parse(void **state)
{
	struct irc_msg m;
	const char *l;

	l = ":nick!~u@host PRIVMSG #chan :hello there :)";
	assert_int_equal(irc_parse(l, strlen(l), &m), 0);
	assert_string_equal(m.prefix, "nick!~u@host");
	assert_string_equal(m.command, "PRIVMSG");
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[0], "#chan");
	assert_string_equal(m.params[1], "hello there :)");

	l = "PING :irc.example.net";
	assert_int_equal(irc_parse(l, strlen(l), &m), 0);
	assert_null(m.prefix);
	assert_string_equal(m.command, "PING");
	assert_string_equal(m.params[0], "irc.example.net");

	l = "@time=2017-05-01T00:00:00Z;x=y :srv 001  me   :Welcome";
	assert_int_equal(irc_parse(l, strlen(l), &m), 0);
	assert_string_equal(m.prefix, "srv");
	assert_string_equal(m.command, "001");
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[0], "me");

	l = ":srv 005 me A B C D E F G H I J K L M N O P :are supported";
	assert_int_equal(irc_parse(l, strlen(l), &m), 0);
	assert_int_equal(m.nparams, IRC_PARAMS_MAX);
	assert_string_equal(m.params[14], "N O P :are supported");

	l = "JOIN #a :";
	assert_int_equal(irc_parse(l, strlen(l), &m), 0);
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[1], "");

	assert_int_equal(irc_parse("", 0, &m), -1);
	assert_int_equal(irc_parse(":onlyprefix", 11, &m), -1);
	assert_int_equal(irc_parse(": PING", 6, &m), -1);
	assert_int_equal(irc_parse("12 x", 4, &m), -1);
	assert_int_equal(irc_parse("0012 x", 6, &m), -1);
	assert_int_equal(irc_parse("PRIV1 x", 7, &m), -1);
	assert_int_equal(irc_parse("@tags-only", 10, &m), -1);
	assert_int_equal(irc_parse("PING a\rb", 8, &m), -1);
	assert_int_equal(irc_parse("PING a\0b", 8, &m), -1);
}

static void
test_prefix_case(void **state)
{
	char nick[8];

	irc_prefix_nick("alice!~a@h", nick, sizeof(nick));
	assert_string_equal(nick, "alice");
	irc_prefix_nick("irc.example.net", nick, sizeof(nick));
	assert_string_equal(nick, "irc.exa");
	irc_prefix_nick(NULL, nick, sizeof(nick));
	assert_string_equal(nick, "");
	assert_int_equal(irc_casecmp("#Prgmr[x]", "#prgmr{X}"), 0);
	assert_int_equal(irc_casecmp("Nick~", "nick^"), 0);
	assert_int_not_equal(irc_casecmp("#a", "#b"), 0);
}

static void
test_clean(void **state)
{
	char out[64];

	irc_clean(out, sizeof(out), "hi\r\nQUIT :bye\r\nPRIVMSG x");
	assert_string_equal(out, "hi QUIT :bye PRIVMSG x");
	irc_clean(out, sizeof(out), "  a\x01\x07\x7f\tb\x1b[0m \x02" "bold\x0f ");
	assert_string_equal(out, "a b[0m \x02" "bold\x0f");
	irc_clean(out, sizeof(out), "\r\n\r\n");
	assert_string_equal(out, "");
	irc_clean(out, 4, "abcdef");
	assert_string_equal(out, "abc");
}

static void
test_split(void **state)
{
	const char *s = "aaaa bbbb cccc";
	const char *u = "\xc3\xa9\xc3\xa9\xc3\xa9";	/* 3 two-byte chars */

	assert_int_equal(irc_split(s, strlen(s), 100), strlen(s));
	assert_int_equal(irc_split(s, strlen(s), 10), 9);	/* at a space */
	assert_int_equal(irc_split("abcdefgh", 8, 5), 5);	/* no space */
	assert_int_equal(irc_split(u, 6, 3), 2);	/* not inside é */
	assert_int_equal(irc_split(u, 6, 4), 4);
}

static void
test_cfg(void **state)
{
	struct irc_cfg good = { .host = "127.0.0.1", .port = "6667",
	    .nick = "hangar", .channel = "#status" }, c;
	struct herr e;
	struct irc *irc;

	assert_non_null(irc = irc_new(&good, &e));
	assert_int_equal(irc_state(irc), IRC_IDLE);
	assert_string_equal(irc_nick(irc), "hangar");
	irc_free(irc);
	irc_free(NULL);
#define BAD(field, value) do {						\
	c = good;							\
	c.field = value;						\
	assert_null(irc_new(&c, &e));					\
	assert_int_equal(e.code, HERR_USAGE);				\
} while (0)
	BAD(host, "");
	BAD(port, "0");
	BAD(port, "70000");
	BAD(port, "66a");
	BAD(nick, "han gar");
	BAD(nick, "1hangar");
	BAD(nick, "hangar\r\nQUIT");
	BAD(channel, "status");
	BAD(channel, "#a,#b");
	BAD(channel, "#a b");
	BAD(key, "k k");
	BAD(password, "p\rq");
	BAD(realname, "r\nJOIN #x");
#undef BAD
}

/* ---- the client against a scripted server ---- */

struct srv {
	int	lfd;
	int	cfd;
	char	port[8];
	char	buf[8192];
	size_t	len;
};

static void
srv_listen(struct srv *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->cfd = -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s->lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(s->port, sizeof(s->port), "%u", ntohs(sin.sin_port));
}

static void
srv_close(struct srv *s)
{
	if (s->cfd != -1)
		close(s->cfd);
	s->cfd = -1;
	s->len = 0;
}

/* Lets the client do its I/O at fake time now (real waits of <= 20 ms). */
static void
step(struct irc *irc, uint64_t now)
{
	struct pollfd pfd;
	int i;

	if (irc == NULL) {
		poll(NULL, 0, 20);
		return;
	}
	for (i = 0; i < 10; i++) {
		int n = 0;

		irc_pollfd(irc, &pfd);
		if (pfd.fd == -1 && irc_state(irc) == IRC_RESOLVING) {
			poll(NULL, 0, 10);	/* getaddrinfo_a at work */
			irc_handle(irc, 0, now);
			continue;
		}
		if (pfd.fd != -1 && (n = poll(&pfd, 1, 20)) == -1)
			fail();
		irc_handle(irc, pfd.fd != -1 ? pfd.revents : 0, now);
		if (n == 0 && irc_state(irc) != IRC_CONNECTING)
			break;	/* nothing more to do at this time */
	}
}

static void
srv_accept(struct srv *s, struct irc *irc, uint64_t now)
{
	struct pollfd pfd = { s->lfd, POLLIN, 0 };
	int i;

	for (i = 0; i < 100 && poll(&pfd, 1, 0) == 0; i++)
		step(irc, now);
	assert_int_equal(pfd.revents & POLLIN, POLLIN);
	assert_true((s->cfd = accept(s->lfd, NULL, NULL)) >= 0);
	/* no Nagle: each scripted line must arrive at once */
	setsockopt(s->cfd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	step(irc, now);
}

/* The next line the client sent, or NULL after about 2 s without one. */
static const char *
srv_line(struct srv *s, struct irc *irc, uint64_t now)
{
	static char line[8192];
	int i;

	for (i = 0; i < 100; i++) {
		char *nl = memchr(s->buf, '\n', s->len);
		struct pollfd pfd = { s->cfd, POLLIN, 0 };
		ssize_t r;

		if (nl != NULL) {
			size_t n = (size_t)(nl - s->buf) + 1;

			assert_true(n >= 2 && nl[-1] == '\r');
			assert_true(n <= IRC_LINE_MAX);
			memcpy(line, s->buf, n - 2);
			line[n - 2] = '\0';
			memmove(s->buf, s->buf + n, s->len - n);
			s->len -= n;
			return line;
		}
		step(irc, now);
		if (poll(&pfd, 1, 0) == 1) {
			r = read(s->cfd, s->buf + s->len,
			    sizeof(s->buf) - s->len);
			if (r <= 0)
				return NULL;
			s->len += (size_t)r;
		}
	}
	return NULL;
}

static void
srv_expect(struct srv *s, struct irc *irc, uint64_t now, const char *want)
{
	const char *got = srv_line(s, irc, now);

	assert_non_null(got);
	assert_string_equal(got, want);
}

/* Nothing more from the client for a while. */
static void
srv_quiet(struct srv *s, struct irc *irc, uint64_t now)
{
	struct pollfd pfd = { s->cfd, POLLIN, 0 };

	step(irc, now);
	assert_null(memchr(s->buf, '\n', s->len));
	assert_int_equal(poll(&pfd, 1, 50), 0);
}

static void
srv_send(struct srv *s, const char *line)
{
	static char buf[IRC_RECV_MAX * 3];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", line);

	assert_int_equal(write(s->cfd, buf, (size_t)n), n);
}

/* Registration with one nick collision and a PING, up to READY. */
static void
register_client(struct srv *s, struct irc *irc, uint64_t now)
{
	srv_accept(s, irc, now);
	srv_expect(s, irc, now, "NICK hangar");
	srv_expect(s, irc, now, "USER hangar 0 * :hangar test");
	assert_int_equal(irc_state(irc), IRC_REGISTERING);
	srv_send(s, ":irc.test 433 * hangar :Nickname already in use");
	srv_expect(s, irc, now, "NICK hangar_1");
	srv_send(s, "PING :cookie42");
	srv_expect(s, irc, now, "PONG :cookie42");
	srv_send(s, ":irc.test 001 hangar_1 :Welcome");
	srv_expect(s, irc, now, "JOIN #Status");
	assert_int_equal(irc_state(irc), IRC_JOINING);
	srv_send(s, ":hangar_1!~hangar@localhost JOIN :#status");
	step(irc, now);
	assert_int_equal(irc_state(irc), IRC_READY);
	assert_string_equal(irc_nick(irc), "hangar_1");
}

static struct irc *
new_client(struct srv *s, unsigned int qmax)
{
	struct irc_cfg c = { .host = "127.0.0.1", .port = s->port,
	    .nick = "hangar", .realname = "hangar test",
	    .channel = "#Status", .burst = 4, .interval_ms = 1000,
	    .backoff_min_ms = 500, .backoff_max_ms = 1500,
	    .queue_max = qmax };
	struct herr e;
	struct irc *irc = irc_new(&c, &e);

	assert_non_null(irc);
	return irc;
}

static void
test_flood_control(void **state)
{
	struct srv s;
	struct irc *irc;
	uint64_t t = 100000;
	char want[64];
	int i;

	srv_listen(&s);
	irc = new_client(&s, 0);
	register_client(&s, irc, t);
	for (i = 1; i <= 10; i++) {
		snprintf(want, sizeof(want), "line %d", i);
		assert_int_equal(irc_say(irc, want), 1);
	}
	/* a burst of four at once ... */
	for (i = 1; i <= 4; i++) {
		snprintf(want, sizeof(want), "PRIVMSG #Status :line %d", i);
		srv_expect(&s, irc, t, want);
	}
	srv_quiet(&s, irc, t);
	assert_int_equal(irc_queued(irc), 6);
	assert_int_equal(irc_timeout_ms(irc, t), 1000);
	/* ... then one per second */
	srv_quiet(&s, irc, t + 999);
	srv_expect(&s, irc, t + 1000, "PRIVMSG #Status :line 5");
	srv_quiet(&s, irc, t + 1999);
	srv_expect(&s, irc, t + 2000, "PRIVMSG #Status :line 6");
	/* after a long pause the burst is back, but no more than four */
	for (i = 7; i <= 10; i++) {
		snprintf(want, sizeof(want), "PRIVMSG #Status :line %d", i);
		srv_expect(&s, irc, t + 60000, want);
	}
	assert_int_equal(irc_queued(irc), 0);
	/* no command injection: the text stays one PRIVMSG */
	assert_int_equal(irc_say(irc, "done\r\nQUIT :bye\nJOIN #x\r"), 1);
	srv_expect(&s, irc, t + 61000, "PRIVMSG #Status :done QUIT :bye "
	    "JOIN #x");
	assert_int_equal(irc_say(irc, "\r\n \x01"), 0);
	srv_quiet(&s, irc, t + 100000);
	irc_free(irc);
	srv_expect(&s, NULL, t, "QUIT :hangar stopping");
	srv_close(&s);
	close(s.lfd);
}

static void
test_long_lines(void **state)
{
	struct srv s;
	struct irc *irc;
	char text[2100], joined[2100] = "";
	const char *l;
	size_t lines = 0, i;
	uint64_t t = 5000;

	for (i = 0; i < sizeof(text) - 1; i++)	/* words of 7 and spaces */
		text[i] = i % 8 == 7 ? ' ' : "abcdefg"[i % 8];
	text[sizeof(text) - 1] = '\0';
	srv_listen(&s);
	irc = new_client(&s, 0);
	register_client(&s, irc, t);
	assert_true(irc_text_max(irc) > 300 && irc_text_max(irc) < 420);
	lines = irc_say(irc, text);
	assert_true(lines >= 5);
	for (i = 0; i < lines; i++) {
		l = srv_line(&s, irc, t + i * 1000);
		assert_non_null(l);
		assert_true(strncmp(l, "PRIVMSG #Status :", 17) == 0);
		/* relayed with a 63-byte host and a 30-byte nick, it fits */
		assert_true(strlen(l) + 1 + 30 + 1 + 1 + strlen("hangar") + 1 +
		    63 + 1 + 2 <= IRC_LINE_MAX);
		if (i > 0)
			strcat(joined, " ");
		strcat(joined, l + 17);
	}
	/* cut only at spaces: nothing lost */
	while (strlen(joined) > 0 && joined[strlen(joined) - 1] == ' ')
		joined[strlen(joined) - 1] = '\0';
	text[sizeof(text) - 2] = text[sizeof(text) - 2] == ' ' ? '\0' :
	    text[sizeof(text) - 2];
	assert_string_equal(joined, text);
	irc_free(irc);
	srv_close(&s);
	close(s.lfd);
}

static void
test_reconnect(void **state)
{
	struct srv s;
	struct irc *irc;
	uint64_t t = 10000;

	srv_listen(&s);
	irc = new_client(&s, 0);
	register_client(&s, irc, t);
	assert_int_equal(irc_connects(irc), 1);
	/* the server goes away: the client waits the backoff, then retries */
	srv_close(&s);
	irc_say(irc, "said while away");
	step(irc, t);
	assert_int_equal(irc_state(irc), IRC_IDLE);
	assert_int_equal(irc_timeout_ms(irc, t), 500);
	step(irc, t + 499);
	assert_int_equal(irc_state(irc), IRC_IDLE);
	t += 500;
	register_client(&s, irc, t);
	assert_int_equal(irc_connects(irc), 2);
	srv_expect(&s, irc, t, "PRIVMSG #Status :said while away");
	/* ERROR from the server drops too; the backoff was reset by READY */
	srv_send(&s, "ERROR :Closing link");
	step(irc, t);
	assert_int_equal(irc_state(irc), IRC_IDLE);
	assert_int_equal(irc_timeout_ms(irc, t), 500);
	srv_close(&s);
	/* refused connections double the backoff up to its maximum */
	close(s.lfd);
	step(irc, t + 500);
	assert_int_equal(irc_state(irc), IRC_IDLE);
	assert_int_equal(irc_timeout_ms(irc, t + 500), 1000);
	step(irc, t + 1500);
	assert_int_equal(irc_timeout_ms(irc, t + 1500), 1500);
	step(irc, t + 3000);
	assert_int_equal(irc_timeout_ms(irc, t + 3000), 1500);
	irc_free(irc);
}

static void
test_ping_timeout_and_kick(void **state)
{
	struct srv s;
	struct irc *irc;
	uint64_t t = 1000;

	srv_listen(&s);
	irc = new_client(&s, 0);
	register_client(&s, irc, t);
	/* kicked: rejoin later, hold the queue meanwhile */
	srv_send(&s, ":op!o@h KICK #status hangar_1 :out");
	step(irc, t);
	assert_int_equal(irc_state(irc), IRC_JOINING);
	irc_say(irc, "after kick");
	srv_quiet(&s, irc, t + 1000);
	srv_expect(&s, irc, t + 30000, "JOIN #Status");
	srv_send(&s, ":hangar_1!~hangar@localhost JOIN #status");
	srv_expect(&s, irc, t + 30000, "PRIVMSG #Status :after kick");
	/* two silent minutes: our PING; a silent minute more: reconnect */
	t += 30000;
	srv_quiet(&s, irc, t + 119000);
	srv_expect(&s, irc, t + 120000, "PING :127.0.0.1");
	assert_int_equal(irc_state(irc), IRC_READY);
	step(irc, t + 180000);
	assert_int_equal(irc_state(irc), IRC_IDLE);
	irc_free(irc);
	srv_close(&s);
	close(s.lfd);
}

static void
test_queue_limit(void **state)
{
	struct srv s;
	struct irc *irc;
	uint64_t t = 1000;

	srv_listen(&s);
	irc = new_client(&s, 3);
	irc_say(irc, "one");
	irc_say(irc, "two");
	irc_say(irc, "three");
	irc_say(irc, "four");
	irc_say(irc, "five");
	assert_int_equal(irc_queued(irc), 3);
	assert_int_equal(irc_dropped(irc), 2);
	register_client(&s, irc, t);
	srv_expect(&s, irc, t, "PRIVMSG #Status :three");
	srv_expect(&s, irc, t, "PRIVMSG #Status :four");
	srv_expect(&s, irc, t, "PRIVMSG #Status :five");
	irc_free(irc);
	srv_close(&s);
	close(s.lfd);
}

static void
test_long_server_line(void **state)
{
	struct srv s;
	struct irc *irc;
	static char junk[IRC_RECV_MAX * 2 + 64];
	uint64_t t = 1000;

	srv_listen(&s);
	irc = new_client(&s, 0);
	register_client(&s, irc, t);
	/* a line longer than the client reads is skipped, not split */
	memset(junk, 'x', sizeof(junk) - 1);
	memcpy(junk, "PING :", 6);
	srv_send(&s, junk);
	srv_send(&s, "PING :after");
	srv_expect(&s, irc, t, "PONG :after");
	assert_int_equal(irc_state(irc), IRC_READY);
	/* garbage lines are ignored too */
	srv_send(&s, ":only-a-prefix");
	srv_send(&s, "123456 x");
	srv_send(&s, "PING :still");
	srv_expect(&s, irc, t, "PONG :still");
	irc_free(irc);
	srv_close(&s);
	close(s.lfd);
}

static void
test_resolve_name(void **state)
{
	struct srv s;
	struct irc_cfg c = { .host = "localhost", .nick = "hangar",
	    .realname = "hangar test", .channel = "#Status" };
	struct herr e;
	struct irc *irc;
	uint64_t t = 1000;

	/*
	 * A name goes through getaddrinfo_a, polled from the loop ("localhost"
	 * is in /etc/hosts: no DNS query leaves the machine).  If it gives
	 * ::1 first, that is refused and 127.0.0.1 is tried next.
	 */
	srv_listen(&s);
	c.port = s.port;
	assert_non_null(irc = irc_new(&c, &e));
	irc_handle(irc, 0, t);
	assert_true(irc_state(irc) == IRC_RESOLVING ||
	    irc_state(irc) >= IRC_CONNECTING);
	if (irc_state(irc) == IRC_RESOLVING)
		assert_int_equal(irc_timeout_ms(irc, t), 50);
	register_client(&s, irc, t);
	irc_free(irc);
	srv_close(&s);
	close(s.lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_prefix_case),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_cfg),
		cmocka_unit_test(test_flood_control),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_ping_timeout_and_kick),
		cmocka_unit_test(test_queue_limit),
		cmocka_unit_test(test_long_server_line),
		cmocka_unit_test(test_resolve_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
