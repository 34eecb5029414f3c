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

/* A server that answers each message by its text: "temp..." 4xx,
 * "perm..." 5xx, anything else 250; it keeps what it took. */
struct judge {
	int	 calls;
	char	 got[8][64];
	char	 rcpt[8][64];
	int	 ngot;
};

static int
judge_send(const struct spool_msg *m, void *arg, struct herr *e)
{
	struct judge *j = arg;

	j->calls++;
	if (m->len >= 4 && memcmp(m->data, "temp", 4) == 0)
		return herr_set(e, HERR_STATE, "451 4.2.1 mailbox busy");
	if (m->len >= 4 && memcmp(m->data, "perm", 4) == 0)
		return herr_set(e, HERR_USAGE, "550 5.1.1 mailbox unknown");
	assert_true(j->ngot < 8);
	snprintf(j->rcpt[j->ngot], sizeof(j->rcpt[0]), "%s",
	    m->env.nrcpt > 0 ? m->env.rcpt[0] : "");
	snprintf(j->got[j->ngot++], sizeof(j->got[0]), "%.*s", (int)m->len,
	    m->data);
	return 0;
}

static int
nfiles(const char *d, const char *sub, const char *suffix)
{
	char cmd[512], buf[32];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls '%s/%s' 2>/dev/null | grep -c '%s$'",
	    d, sub, suffix);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	return atoi(buf);
}

/* A 4xx for one message: the others go, it is retried on its own. */
static void
no_message_blocks_another(void **state)
{
	char *d = tmpdir();
	struct spool_stats st;
	struct judge j = { 0 };
	struct spool *s;
	struct herr e;

	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(spool_put(s, "one", 3, NULL, 0, &e), 0);
	assert_int_equal(spool_put(s, "temp two", 8, NULL, 0, &e), 0);
	assert_int_equal(spool_put(s, "three", 5, NULL, 0, &e), 0);
	assert_int_equal(spool_flush_msgs(s, 100, 0, judge_send, &j, &st, &e),
	    0);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.queued, 1);
	assert_string_equal(j.got[0], "one");
	assert_string_equal(j.got[1], "three");
	assert_int_equal(spool_next_due(s), 100 + SPOOL_BACKOFF_MIN);
	/* a later message is not held back by the waiting one */
	assert_int_equal(spool_put(s, "four", 4, NULL, 0, &e), 0);
	assert_int_equal(spool_flush_msgs(s, 101, 0, judge_send, &j, &st, &e),
	    0);
	assert_int_equal(st.sent, 1);
	assert_string_equal(j.got[2], "four");
	assert_int_equal(j.calls, 4);		/* "temp" not due: not tried */
	/* due: tried again, the backoff doubles */
	assert_int_equal(spool_flush_msgs(s, 100 + SPOOL_BACKOFF_MIN, 0,
	    judge_send, &j, &st, &e), 0);
	assert_int_equal(j.calls, 5);
	assert_int_equal(spool_next_due(s), 100 + 3 * SPOOL_BACKOFF_MIN);
	assert_int_equal(spool_count(s), 1);
	spool_free(s);
	rmdir_all(d);
	free(d);
}

/* A 5xx: set aside with the reason, never tried again, others go. */
static void
refused_for_good_set_aside(void **state)
{
	char *d = tmpdir(), id[64], path[512], why[128];
	struct spool_env env = { "ops@h.example", { "zed@example.org" }, 1 };
	struct spool_stats st;
	struct judge j = { 0 };
	struct spool *s;
	struct herr e;
	FILE *f;

	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(spool_put_env(s, "perm one", 8, &env, id, sizeof(id),
	    &e), 0);
	assert_int_equal(spool_put(s, "two", 3, NULL, 0, &e), 0);
	assert_int_equal(spool_flush_msgs(s, 100, 0, judge_send, &j, &st, &e),
	    0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.set_aside, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.queued, 0);
	assert_string_equal(j.got[0], "two");
	assert_int_equal(spool_count(s), 0);
	assert_int_equal(spool_next_due(s), 0);
	/* kept for a person to see: the message, its envelope, why */
	snprintf(path, sizeof(path), "%s/failed/%s.why", d, id);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(why, sizeof(why), f));
	fclose(f);
	assert_string_equal(why, "550 5.1.1 mailbox unknown\n");
	assert_int_equal(nfiles(d, "failed", ".eml"), 1);
	assert_int_equal(nfiles(d, "failed", ".env"), 1);
	assert_int_equal(nfiles(d, ".", ".env"), 0);
	/* not tried again, even after a restart */
	spool_free(s);
	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(spool_flush_msgs(s, 5000, 0, judge_send, &j, &st,
	    &e), 0);
	assert_int_equal(j.calls, 2);
	spool_free(s);
	rmdir_all(d);
	free(d);
}

/* The envelope goes in beside the message and comes back unchanged. */
static void
envelope_kept(void **state)
{
	char *d = tmpdir(), path[512];
	struct spool_env env = { "a@b.example", { "c@d.example", "e@f.example" },
	    2 };
	struct spool_env bad = { "a@b.example", { "c d@e.example" }, 1 };
	struct spool_env none = { "a@b.example", { NULL }, 0 };
	struct judge j = { 0 };
	struct spool *s;
	struct herr e;
	FILE *f;

	assert_non_null(s = spool_open(d, &e));
	assert_int_equal(spool_put_env(s, "m", 1, &bad, NULL, 0, &e), -1);
	assert_int_equal(spool_put_env(s, "m", 1, &none, NULL, 0, &e), -1);
	assert_int_equal(nfiles(d, ".", ""), 0);	/* nothing half-made */
	assert_int_equal(spool_put_env(s, "m", 1, &env, NULL, 0, &e), 0);
	assert_int_equal(nfiles(d, ".", ".env"), 1);
	assert_int_equal(spool_flush_msgs(s, 100, 0, judge_send, &j, NULL, &e),
	    0);
	assert_string_equal(j.rcpt[0], "c@d.example");
	assert_int_equal(nfiles(d, ".", ".env"), 0);	/* gone with it */
	/* a damaged envelope: set aside, never sent to whoever it names */
	assert_int_equal(spool_put_env(s, "x", 1, &env, NULL, 0, &e), 0);
	snprintf(path, sizeof(path), "ls %s/*.env", d);
	{
		char name[400];
		FILE *p = popen(path, "r");

		assert_non_null(fgets(name, sizeof(name), p));
		pclose(p);
		name[strcspn(name, "\n")] = '\0';
		assert_non_null(f = fopen(name, "w"));
		fputs("from a@b.example\nrcpt evil@x.example extra\n", f);
		fclose(f);
	}
	assert_int_equal(spool_flush_msgs(s, 100, 0, judge_send, &j, NULL, &e),
	    0);
	assert_int_equal(j.ngot, 1);
	assert_int_equal(nfiles(d, "failed", ".eml"), 1);
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
		cmocka_unit_test(no_message_blocks_another),
		cmocka_unit_test(refused_for_good_set_aside),
		cmocka_unit_test(envelope_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
