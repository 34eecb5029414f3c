/* Unit tests for the strict mail builder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "notify/mail.h"
#include "notify/tests/mail_check.h"

static struct mail *
base(void)
{
	struct mail *m = mail_new();
	struct herr e;

	assert_int_equal(mail_header(m, "From", "health <root@h.example>",
	    &e), 0);
	assert_int_equal(mail_header(m, "To", "ops@example.net", &e), 0);
	mail_set_date(m, 1489003860);	/* 2017-03-08 20:11:00 UTC */
	return m;
}

static char *
render(struct mail *m, size_t *len)
{
	struct herr e;
	char *out = NULL, why[128];
	size_t l;

	assert_int_equal(mail_render(m, &out, &l, &e), 0);
	if (mail_check_rendered(out, l, why, sizeof(why)) < 0)
		fail_msg("invalid message: %s\n%s", why, out);
	if (len != NULL)
		*len = l;
	return out;
}

static void
refuses_controls(void **state)
{
	const char *bad[] = { "a\nb", "a\r\nBcc: evil@x", "trailing\n", "a\rb",
	    "nul\x01", "del\x7f", "c1 \xc2\x85", "bad utf8 \xff", "\xc0\xaf" };
	struct mail *m = base();
	struct herr e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		herr_clear(&e);
		assert_int_equal(mail_header(m, "Subject", bad[i], &e), -1);
		assert_int_equal(e.code, HERR_USAGE);
	}
	mail_free(m);
}

static void
refuses_names(void **state)
{
	const char *bad[] = { "", "Sub ject", "Subject:", "X\tY", "Ä",
	    "Date", "Content-Type", "MIME-Version",
	    "X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct mail *m = base();
	struct herr e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mail_header(m, bad[i], "x", &e), -1);
	/* singletons */
	assert_int_equal(mail_header(m, "to", "x@y", &e), -1);
	assert_int_equal(e.code, HERR_EXISTS);
	assert_int_equal(mail_header(m, "Subject", "one", &e), 0);
	assert_int_equal(mail_header(m, "SUBJECT", "two", &e), -1);
	/* addresses and msg-ids are ASCII and well-formed */
	assert_int_equal(mail_header(m, "Cc", "Jörg <j@x>", &e), -1);
	assert_int_equal(mail_header(m, "Reply-To", "nobody", &e), -1);
	assert_int_equal(mail_header(m, "Message-ID", "abc", &e), -1);
	assert_int_equal(mail_header(m, "Message-ID", "<a@b> <c@d>", &e), -1);
	assert_int_equal(mail_header(m, "Message-ID", "<a..b@c>", &e), -1);
	assert_int_equal(mail_header(m, "Message-ID", "<inc-1.x@h.example>",
	    &e), 0);
	mail_free(m);
}

static void
needs_from_and_rcpt(void **state)
{
	struct mail *m = mail_new();
	struct herr e;
	char *out = NULL;
	size_t len;

	assert_int_equal(mail_render(m, &out, &len, &e), -1);
	assert_int_equal(mail_header(m, "From", "a@b", &e), 0);
	assert_int_equal(mail_render(m, &out, &len, &e), -1);
	assert_int_equal(mail_header(m, "Bcc", "c@d", &e), 0);
	assert_int_equal(mail_render(m, &out, &len, &e), 0);
	free(out);
	mail_free(m);
}

static void
layout(void **state)
{
	struct mail *m = base();
	struct herr e;
	char *out, *sep;
	size_t len;

	assert_int_equal(mail_header(m, "Subject", "md0 FAILED on host7",
	    &e), 0);
	assert_int_equal(mail_body(m, "line one\nline two\n", &e), 0);
	out = render(m, &len);
	assert_true(strncmp(out, "Date: Wed, 8 Mar 2017 20:11:00 +0000\r\n",
	    38) == 0);
	assert_non_null(strstr(out, "\r\nFrom: health <root@h.example>\r\n"));
	assert_non_null(strstr(out, "\r\nSubject: md0 FAILED on host7\r\n"));
	assert_non_null(strstr(out, "\r\nMessage-ID: <"));
	assert_non_null(strstr(out, "Content-Transfer-Encoding: 7bit\r\n"));
	sep = strstr(out, "\r\n\r\n");
	assert_non_null(sep);
	assert_string_equal(sep, "\r\n\r\nline one\r\nline two\r\n");
	free(out);
	mail_free(m);
}

static void
folds_at_78(void **state)
{
	char value[400], *out, *p, *hdr_end;
	struct mail *m = base();
	struct herr e;
	size_t len, col = 0;

	value[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(value, i % 2 ? "controller " : "disk ");
	value[strlen(value) - 1] = '\0';
	assert_int_equal(mail_header(m, "Subject", value, &e), 0);
	out = render(m, &len);
	hdr_end = strstr(out, "\r\n\r\n");
	for (p = out; p < hdr_end; p++) {
		if (*p == '\r') {
			assert_true(col <= 78);
			col = 0;
			p++;
		} else
			col++;
	}
	/* unfolding gives back the value */
	p = strstr(out, "Subject: ");
	assert_non_null(p);
	{
		char unf[512];
		size_t o = 0;

		for (p += 9; !(p[0] == '\r' && p[2] != ' '); p++) {
			if (p[0] == '\r' && p[1] == '\n') {
				p++;
				continue;
			}
			unf[o++] = *p;
		}
		unf[o] = '\0';
		assert_string_equal(unf, value);
	}
	free(out);
	mail_free(m);
}

static void
encodes_non_ascii(void **state)
{
	struct mail *m = base();
	struct herr e;
	char *out;
	size_t len;

	assert_int_equal(mail_header(m, "Subject", "Platte fällt aus", &e), 0);
	assert_int_equal(mail_header(m, "X-Trick", "=?UTF-8?B?aGk=?=", &e), 0);
	assert_int_equal(mail_body(m, "Grüße\n", &e), 0);
	out = render(m, &len);
	assert_non_null(strstr(out, "Subject: Platte =?UTF-8?Q?f=C3=A4llt?= aus\r\n"));
	assert_null(strstr(out, "X-Trick: =?UTF-8?B?aGk=?="));
	assert_non_null(strstr(out, "quoted-printable"));
	assert_non_null(strstr(out, "Gr=C3=BC=C3=9Fe\r\n"));
	free(out);
	mail_free(m);
}

static void
body_rules(void **state)
{
	struct mail *m = base();
	struct herr e;
	char big[2100], *out;
	size_t len;

	assert_int_equal(mail_body(m, "bare\rCR", &e), -1);
	assert_int_equal(mail_body(m, "esc\x1b[0m", &e), -1);
	assert_int_equal(mail_body(m, "crlf\r\nok\r\n", &e), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(mail_body(m, big, &e), 0);
	out = render(m, &len);	/* checks every line <= 998 */
	assert_non_null(strstr(out, "quoted-printable"));
	free(out);
	mail_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_controls),
		cmocka_unit_test(refuses_names),
		cmocka_unit_test(needs_from_and_rcpt),
		cmocka_unit_test(layout),
		cmocka_unit_test(folds_at_78),
		cmocka_unit_test(encodes_non_ascii),
		cmocka_unit_test(body_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
