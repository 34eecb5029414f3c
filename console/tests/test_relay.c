/*
 * Unit tests of the serial console's escape filter and byte relay
 * (pipes and a socketpair stand in for the terminal and hangard).
 */
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "console/console.h"

/* Feeds s in one go; checks the output and whether it leaves. */
static void
feed(struct esc *es, const char *in, size_t n, const char *want,
    size_t wantn, int leave)
{
	unsigned char out[512];
	size_t outn = 999;

	assert_true(n < sizeof(out));
	assert_int_equal(esc_feed(es, (const unsigned char *)in, n, out,
	    &outn), leave);
	assert_int_equal(outn, wantn);
	assert_memory_equal(out, want, wantn);
}

static void
fresh(const char *in, const char *want, int leave)
{
	struct esc es;

	esc_init(&es);
	feed(&es, in, strlen(in), want, strlen(want), leave);
}

static void
test_escape(void **state)
{
	struct esc es;

	(void)state;
	fresh("ls -l\r", "ls -l\r", 0);
	fresh("~.", "", 1);
	fresh("~.rest", "", 1);
	fresh("a~.", "a~.", 0);		/* not at the start of a line */
	fresh("a\r~.", "a\r", 1);
	fresh("a\n~.", "a\n", 1);
	fresh("~~", "~", 0);
	fresh("~~.", "~.", 0);		/* "~~" sends one '~' */
	fresh("~x", "~x", 0);
	fresh("~\r~.", "~\r", 1);
	fresh("abc\x1d" "def", "abc", 1);	/* Ctrl-] anywhere */
	fresh("\x1d", "", 1);
	fresh("~\x1d", "~", 1);

	/* an escape split across reads */
	esc_init(&es);
	feed(&es, "x\r~", 3, "x\r", 2, 0);
	feed(&es, ".", 1, "", 0, 1);
	esc_init(&es);
	feed(&es, "~", 1, "", 0, 0);
	feed(&es, "a", 1, "~a", 2, 0);
	feed(&es, "~.", 2, "~.", 2, 0);	/* mid-line now */
}

/* Every byte but Ctrl-] passes unchanged: 8-bit clean. */
static void
test_eight_bit_clean(void **state)
{
	unsigned char in[256], out[257];
	struct esc es;
	size_t n = 0, outn;
	int c;

	(void)state;
	in[n++] = 'x';		/* so the '~' below is not at a line start */
	for (c = 0; c < 256; c++)
		if (c != ESC_CTRL_BRACKET && c != 'x' && c != '\r' &&
		    c != '\n')
			in[n++] = (unsigned char)c;
	esc_init(&es);
	assert_int_equal(esc_feed(&es, in, n, out, &outn), 0);
	assert_int_equal(outn, n);
	assert_memory_equal(out, in, n);
}

static void
test_relay(void **state)
{
	static const char guest[] = "\x00\xff\x1b[2J\x1d~.\r\nlogin: ";
	char buf[256];
	int in[2], out[2], sp[2];
	struct herr e;
	ssize_t r;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	/* hangard's side: already-read head, then the guest's bytes */
	assert_int_equal(write(sp[1], guest, sizeof(guest) - 1),
	    (ssize_t)sizeof(guest) - 1);
	assert_int_equal(write(in[1], "root\r~.ignored", 14), 14);
	assert_int_equal(relay_run(in[0], out[1], sp[0], "HEAD", 4, &e), 0);
	close(out[1]);
	r = read(out[0], buf, sizeof(buf));
	assert_int_equal(r, 4 + (ssize_t)sizeof(guest) - 1);
	assert_memory_equal(buf, "HEAD", 4);
	assert_memory_equal(buf + 4, guest, sizeof(guest) - 1);
	r = read(sp[1], buf, sizeof(buf));
	assert_int_equal(r, 5);
	assert_memory_equal(buf, "root\r", 5);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(sp[0]);
	close(sp[1]);
}

static void
test_relay_ends(void **state)
{
	int in[2], out[2], sp[2];
	struct herr e;

	(void)state;
	/* hangard closes the console: the customer is told */
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	close(sp[1]);
	herr_clear(&e);
	assert_int_equal(relay_run(in[0], out[1], sp[0], NULL, 0, &e), -1);
	assert_int_equal(e.code, HERR_STATE);
	close(sp[0]);

	/* the customer's input ends: leave quietly */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	close(in[1]);
	assert_int_equal(relay_run(in[0], out[1], sp[0], NULL, 0, &e), 0);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_eight_bit_clean),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_relay_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
