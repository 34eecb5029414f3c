/* Unit tests for the strict mail builder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
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

/*
 * Not inlined: at -O3 gcc 12 takes the message, once render's caller
 * holds it, for a pointer to render's own local (-Wdangling-pointer).
 */
static __attribute__((noinline)) char *
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

static void
address_grammar(void **state)
{
	static const char *good[] = { "a@b", "alice@example.net",
	    "o'brien+tag@mail-1.example.co", "x@localhost",
	    "a.b.c@d-e.f-g.example", "!#$%&'*+-/=^_`{|}~?@x.example",
	    "1@2.3",
	    /* 64 before '@', 76 in all */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@bbbbbbb.cde" };
	static const char *bad[] = { "", "a", "@b", "a@", "a@b.", "a@.b",
	    "a@b..c", ".a@b", "a.@b", "a..b@c", "a@b@c", "a@b.c:evil@x",
	    "a b@c", "\"a b\"@c", "a@[127.0.0.1]", "a@-b.c", "a@b-.c",
	    "=?utf-8?q?x?=@b", "\xc3\xa4@b", "a@b\xc2\x85", "a@b\n",
	    "a@b,c@d", "<a@b>", "a@b c", "a(x)@b", "a@b_c.d", "a@b.example:25",
	    "a:b@c",
	    /* 65 before '@' */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@b",
	    /* 77 in all */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@bbbbbbb.cdef",
	    /* a label of 64 */
	    "a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    ".c" };
	struct herr e;

	assert_int_equal(strlen(good[7]), MAIL_ADDR_MAX);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (mail_check_addr(good[i], &e) != 0)
			fail_msg("refused %s: %s", good[i], e.msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		herr_clear(&e);
		if (mail_check_addr(bad[i], &e) != -1)
			fail_msg("accepted bad address #%zu", i);
		assert_int_equal(e.code, HERR_USAGE);
		assert_non_null(strstr(e.msg, "not an email address"));
		/* the reason never repeats the address */
		if (strlen(bad[i]) > 3)
			assert_null(strstr(e.msg, bad[i]));
	}
}

/* The recipients come from the builder, whatever the header looks like. */
static void
envelope(void **state)
{
	struct mail *m = mail_new();
	struct mail_env env;
	struct herr e;

	assert_int_equal(mail_header(m, "From", "\"Ops, nights\" <ops@h.example>",
	    &e), 0);
	assert_int_equal(mail_header(m, "To", "a@x.example, \"B. b\" <b@y.example>, "
	    "a@x.example", &e), 0);
	assert_int_equal(mail_header(m, "Cc", "Carol <c@z.example>", &e), 0);
	assert_int_equal(mail_header(m, "Bcc", "d@w.example", &e), 0);
	assert_int_equal(mail_envelope(m, &env, &e), 0);
	assert_string_equal(env.from, "ops@h.example");
	assert_int_equal(env.nrcpt, 4);		/* a@ once */
	assert_string_equal(env.rcpt[0], "a@x.example");
	assert_string_equal(env.rcpt[1], "b@y.example");
	assert_string_equal(env.rcpt[2], "c@z.example");
	assert_string_equal(env.rcpt[3], "d@w.example");
	mail_free(m);
	m = mail_new();
	assert_int_equal(mail_header(m, "From", "a@b", &e), 0);
	assert_int_equal(mail_envelope(m, &env, &e), -1);	/* no one */
	mail_free(m);
}

/* ':', groups, comments, encoded-words, routes: refused in every field. */
static void
address_fields(void **state)
{
	static const char *bad[] = { "a@b.c:evil@x", "victim@x:attacker@y",
	    "Group: a@b, c@d;", "(comment) a@b", "a@b (comment)",
	    "=?UTF-8?Q?a=40b?= <c@d>", "<@route:a@b>", "J. Smith <j@x>",
	    "evil@x <a@b>", "Name <a@b", "Name a@b", "a@b <c@d>", "a@b; c@d",
	    "a@b,", ", a@b", "\"unfinished <a@b>", "<a@b> <c@d>", "" };
	static const char *good[] = { "a@b", "Name <a@b>", "\"J. Smith\" <j@x>",
	    "\"evil@x\" <a@b>", "a@b, Name <c@d>", "  a@b  ,  c@d  ",
	    "\"q\\\"uote\" <a@b>" };
	struct mail *m;
	struct herr e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = mail_new();
		if (mail_header(m, "To", bad[i], &e) != -1)
			fail_msg("accepted To: %s", bad[i]);
		assert_int_equal(e.code, HERR_USAGE);
		mail_free(m);
		herr_clear(&e);
		if (mail_check_mailboxes(bad[i], &e) != -1)
			fail_msg("mailboxes accepted: %s", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		m = mail_new();
		if (mail_header(m, "To", good[i], &e) != 0)
			fail_msg("refused To: %s: %s", good[i], e.msg);
		mail_free(m);
	}
}

/*
 * An address of 75-76 characters does not fit after "To: ": it is
 * folded onto a line of its own, the message stays valid, and the
 * envelope still holds it whole (the 2017-style header search did not).
 */
static void
long_address_folded(void **state)
{
	const char *addr = "lena.marie.schmidt-vonderheide.customer-relations"
	    "@mails.schmidt-examples.org";
	struct mail *m = mail_new();
	struct mail_env env;
	struct herr e;
	char *out, want[128];

	assert_int_equal(strlen(addr), 76);
	assert_int_equal(mail_header(m, "From", "a@b", &e), 0);
	assert_int_equal(mail_header(m, "To", addr, &e), 0);
	out = render(m, NULL);
	snprintf(want, sizeof(want), "\r\nTo:\r\n %s\r\n", addr);
	assert_non_null(strstr(out, want));
	assert_int_equal(mail_envelope(m, &env, &e), 0);
	assert_int_equal(env.nrcpt, 1);
	assert_string_equal(env.rcpt[0], addr);
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
		cmocka_unit_test(address_grammar),
		cmocka_unit_test(envelope),
		cmocka_unit_test(address_fields),
		cmocka_unit_test(long_address_folded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
