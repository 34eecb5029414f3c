/*
 * Tests for send: sendmail(8) through a fake sendmail that records its
 * argv and stdin; exit status and timeouts are reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "notify/send.h"

static char dir[] = "/tmp/send-test.XXXXXX";

static void
script(const char *name, const char *body)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	script("ok", "echo \"$@\" > \"$(dirname \"$0\")/args\"; "
	    "cat > \"$(dirname \"$0\")/msg\"");
	script("nordcpt", "cat >/dev/null; exit 66");
	script("hang", "exec sleep 30");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static char *
slurp(const char *name)
{
	static char buf[4096];
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
sendmail_ok(void **state)
{
	const char msg[] = "From: a@b\r\nTo: c@d\r\n\r\nhi\r\n.\r\n";
	char path[512];
	struct herr e;

	snprintf(path, sizeof(path), "%s/ok", dir);
	assert_int_equal(send_sendmail(path, msg, sizeof(msg) - 1, 5, &e), 0);
	assert_string_equal(slurp("args"), "-t -oi\n");
	assert_string_equal(slurp("msg"), msg);
}

static void
sendmail_failures(void **state)
{
	char path[512];
	struct herr e;

	snprintf(path, sizeof(path), "%s/nordcpt", dir);
	assert_int_equal(send_sendmail(path, "x", 1, 5, &e), -1);
	assert_int_equal(e.code, HERR_UNREACHABLE);
	assert_non_null(strstr(e.msg, "exit status 66"));
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(send_sendmail(path, "x", 1, 5, &e), -1);
	assert_non_null(strstr(e.msg, "cannot run"));
	snprintf(path, sizeof(path), "%s/hang", dir);
	assert_int_equal(send_sendmail(path, "x", 1, 1, &e), -1);
	assert_non_null(strstr(e.msg, "timed out"));
}

static void
smtp_refused(void **state)
{
	struct send_cfg cfg = { .method = SEND_SMTP,
	    .smtp_url = "smtp://127.0.0.1:9", .from = "a@b",
	    .rcpt = { "c@d" }, .nrcpt = 1, .timeout = 5 };
	struct herr e;

	/* port 9 (discard) is closed here: the send must fail, not hang */
	assert_int_equal(send_mail(&cfg, "x\r\n", 3, &e), -1);
	if (send_have_smtp())
		assert_int_equal(e.code, HERR_UNREACHABLE);
	else
		assert_int_equal(e.code, HERR_STATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sendmail_ok),
		cmocka_unit_test(sendmail_failures),
		cmocka_unit_test(smtp_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
