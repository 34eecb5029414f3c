/* Unit tests for the spool: durable put, ordered flush, backoff, restart. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "notify/spool.h"

struct sink {
	int	up;
	int	calls;
	char	got[8][64];
	int	ngot;
};

static int
fake_send(const char *msg, size_t len, void *arg, struct herr *e)
{
	struct sink *s = arg;

	s->calls++;
	if (!s->up)
		return herr_set(e, HERR_UNREACHABLE, "connection refused");
	assert_true(s->ngot < 8);
	snprintf(s->got[s->ngot++], sizeof(s->got[0]), "%.*s", (int)len, msg);
	return 0;
}

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/spool-test.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rmdir_all(const char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static void
backoff_grows(void **state)
{
	assert_int_equal(spool_backoff(1), SPOOL_BACKOFF_MIN);
	assert_int_equal(spool_backoff(2), 2 * SPOOL_BACKOFF_MIN);
	assert_int_equal(spool_backoff(3), 4 * SPOOL_BACKOFF_MIN);
	assert_int_equal(spool_backoff(100), SPOOL_BACKOFF_MAX);
}

static void
backoff_configurable(void **state)
{
	char *d = tmpdir();
	struct sink sink = { 0 };
	struct spool *s;
	struct herr e;

	assert_non_null(s = spool_open(d, &e));
	spool_set_backoff(s, 1, 3);
	assert_int_equal(spool_put(s, "x", 1, NULL, 0, &e), 0);
	assert_int_equal(spool_flush(s, 10, 0, fake_send, &sink, NULL, &e), 0);
	assert_int_equal(spool_next_due(s), 11);
	assert_int_equal(spool_flush(s, 11, 0, fake_send, &sink, NULL, &e), 0);
	assert_int_equal(spool_next_due(s), 13);
	assert_int_equal(spool_flush(s, 13, 0, fake_send, &sink, NULL, &e), 0);
	assert_int_equal(spool_next_due(s), 16);	/* capped at 3 */
	spool_free(s);
	rmdir_all(d);
	free(d);
}

static void
queue_while_down_then_deliver(void **state)
{
	char *d = tmpdir(), id[64], path[512];
	struct spool_stats st;
	struct sink sink = { 0 };
	struct spool *s;
	struct herr e;
	time_t now = 1000;

	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(spool_put(s, "one", 3, id, sizeof(id), &e), 0);
	snprintf(path, sizeof(path), "%s/%s.eml", d, id);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(spool_put(s, "two", 3, NULL, 0, &e), 0);
	assert_int_equal(spool_put(s, "three", 5, NULL, 0, &e), 0);

	/* server down: the first is tried, all stay, backoff applies */
	assert_int_equal(spool_flush(s, now, 0, fake_send, &sink, &st, &e), 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.queued, 3);
	assert_int_equal(spool_next_due(s), now);	/* the untried ones */
	assert_int_equal(spool_count(s), 3);

	/* a restart (kill -9) loses nothing: reopen and deliver in order */
	spool_free(s);
	assert_non_null(s = spool_open(d, &e));
	sink.up = 1;
	assert_int_equal(spool_flush(s, now, 0, fake_send, &sink, &st, &e), 0);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.queued, 0);
	assert_int_equal(sink.ngot, 3);
	assert_string_equal(sink.got[0], "one");
	assert_string_equal(sink.got[1], "two");
	assert_string_equal(sink.got[2], "three");
	assert_int_equal(spool_count(s), 0);
	assert_int_equal(access(path, F_OK), -1);
	spool_free(s);
	rmdir_all(d);
	free(d);
}

static void
failed_message_waits_for_backoff(void **state)
{
	char *d = tmpdir();
	struct spool_stats st;
	struct sink sink = { 0 };
	struct spool *s;
	struct herr e;

	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(spool_put(s, "x", 1, NULL, 0, &e), 0);
	assert_int_equal(spool_flush(s, 100, 0, fake_send, &sink, &st, &e), 0);
	assert_int_equal(sink.calls, 1);
	assert_int_equal(e.code, HERR_UNREACHABLE);
	assert_int_equal(spool_next_due(s), 100 + SPOOL_BACKOFF_MIN);
	/* not due yet: not tried */
	assert_int_equal(spool_flush(s, 101, 0, fake_send, &sink, &st, &e), 0);
	assert_int_equal(sink.calls, 1);
	/* due: tried again and the backoff doubles */
	assert_int_equal(spool_flush(s, 100 + SPOOL_BACKOFF_MIN, 0, fake_send,
	    &sink, &st, &e), 0);
	assert_int_equal(sink.calls, 2);
	assert_int_equal(spool_next_due(s), 100 + 3 * SPOOL_BACKOFF_MIN);
	sink.up = 1;
	assert_int_equal(spool_flush(s, 100 + 3 * SPOOL_BACKOFF_MIN, 0,
	    fake_send, &sink, &st, &e), 0);
	assert_int_equal(st.sent, 1);
	spool_free(s);
	rmdir_all(d);
	free(d);
}

static void
leftover_tmp_removed(void **state)
{
	char *d = tmpdir(), path[512];
	struct spool *s;
	struct herr e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tmp.half.eml", d);
	assert_non_null(f = fopen(path, "w"));
	fputs("half a mess", f);
	fclose(f);
	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(spool_count(s), 0);
	spool_free(s);
	rmdir_all(d);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_grows),
		cmocka_unit_test(backoff_configurable),
		cmocka_unit_test(queue_while_down_then_deliver),
		cmocka_unit_test(failed_message_waits_for_backoff),
		cmocka_unit_test(leftover_tmp_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
