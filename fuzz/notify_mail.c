/*
 * Fuzzes the strict mail builder: NUL-separated name/value pairs, then a
 * body.  Whatever the builder accepts must render into a message that
 * mail_check_rendered finds valid, with exactly the fields accepted (the
 * 2017 bug, an empty line inside the header, would fail here).
 *
 * The address grammar too: every value is also tried as an address;
 * one mail_check_addr accepts must be a plain ASCII addr-spec (one '@',
 * no ':', '<', blank or "=?") that a To field takes, whose envelope is
 * exactly it and whose header, unfolded, says it.  The envelope of the
 * whole message holds only addresses the grammar accepts, each once, and
 * each one is in the header text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/herr.h"
#include "notify/mail.h"
#include "notify/tests/mail_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header block of a rendered message with its folding undone. */
static char *
unfolded_header(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t n = end != NULL ? (size_t)(end - msg) + 2 : strlen(msg), o = 0;
	char *h = malloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		if (msg[i] == '\r' && i + 2 < n && msg[i + 1] == '\n' &&
		    (msg[i + 2] == ' ' || msg[i + 2] == '\t')) {
			i++;
			continue;
		}
		h[o++] = msg[i];
	}
	h[o] = '\0';
	return h;
}

/* An address the grammar accepts is one a To field sends to, as is. */
static void
check_address(const char *v)
{
	struct mail *m;
	struct mail_env env;
	struct herr e;
	char *out = NULL, *hdr, want[MAIL_ADDR_MAX + 16], why[128];
	const char *at;
	size_t len;

	if (mail_check_addr(v, &e) == -1)
		return;
	at = strchr(v, '@');
	if (strlen(v) > MAIL_ADDR_MAX || at == NULL || strchr(at + 1, '@') ||
	    strpbrk(v, ":<>,;\" \t\\()[]") != NULL || strstr(v, "=?") != NULL)
		abort();
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127)
			abort();
	m = mail_new();
	if (mail_header(m, "From", "a@b.example", &e) ||
	    mail_header(m, "To", v, &e) || mail_envelope(m, &env, &e) ||
	    env.nrcpt != 1 || strcmp(env.rcpt[0], v) != 0 ||
	    mail_render(m, &out, &len, &e) ||
	    mail_check_rendered(out, len, why, sizeof(why)) < 0)
		abort();
	hdr = unfolded_header(out);
	snprintf(want, sizeof(want), "\nTo: %s\r\n", v);
	if (strstr(hdr, want) == NULL)
		abort();
	free(hdr);
	free(out);
	mail_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *end, *name = NULL, *out = NULL;
	struct mail *m = mail_new();
	struct herr e;
	size_t len, accepted = 2;
	int has_id = 0, fields;
	char why[128];

	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	if (mail_header(m, "From", "hangar-health <root@host.example>", &e) ||
	    mail_header(m, "To", "ops@example.net", &e))
		abort();
	mail_set_date(m, 1700000000);
	for (p = buf; p < end; p += strlen(p) + 1) {
		if (p + strlen(p) >= end) {	/* last part: the body */
			mail_body(m, p, &e);
			break;
		}
		if (name == NULL) {
			name = p;
			continue;
		}
		check_address(p);
		if (mail_header(m, name, p, &e) == 0) {
			accepted++;
			if (strcasecmp(name, "Message-ID") == 0)
				has_id = 1;
		}
		name = NULL;
	}
	if (mail_render(m, &out, &len, &e) == -1)
		abort();
	if (strlen(out) != len)
		abort();
	fields = mail_check_rendered(out, len, why, sizeof(why));
	if (fields < 0 || (size_t)fields != accepted + 1 + !has_id + 3)
		abort();
	/* the envelope: grammatical addresses, each once, each in the text */
	{
		struct mail_env env;
		char *hdr = unfolded_header(out);

		if (mail_envelope(m, &env, &e) == -1 || env.nrcpt == 0 ||
		    strcmp(env.from, "root@host.example") != 0)
			abort();
		for (size_t i = 0; i < env.nrcpt; i++) {
			if (mail_check_addr(env.rcpt[i], &e) == -1 ||
			    strstr(hdr, env.rcpt[i]) == NULL)
				abort();
			for (size_t k = 0; k < i; k++)
				if (strcmp(env.rcpt[i], env.rcpt[k]) == 0)
					abort();
		}
		free(hdr);
	}
	free(out);
	mail_free(m);
	free(buf);
	return 0;
}
