/*
 * mail_gen: writes N messages built from pseudo-random header values and
 * bodies (ASCII, UTF-8, long words, "=?" look-alikes, blanks) to DIR as
 * N.eml plus N.json (the values they must decode to), for mail_strict.py.
 * Values with CR, LF, NUL-like controls are also generated and must be
 * refused.  Usage: mail_gen DIR COUNT SEED
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/herr.h"
#include "notify/mail.h"
#include "notify/tests/mail_check.h"

static unsigned long long rs;

static unsigned int
rnd(unsigned int n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned int)(rs % n);
}

static const char *pieces[] = {
	"disk", "sdc", "md0", "FAILED", "0000:03:00.0", "mpt3sas", "(fw",
	"05.00.00.00)", "Ärger", "日本語", "über", "🔥", "=?", "?=", "=?UTF-8?Q?x?=",
	"a_b", "x=y", "\"quoted\"", "<angle>", "semi;colon", "comma,",
	"ZL2KZ4C8", "WD-WCC4N0XXXXXX", "é", "---", ".", "..", "~tilde", "From",
};

/* A random word; sometimes a very long one. */
static void
word(char *w, size_t size)
{
	size_t n;

	if (rnd(12) == 0) {
		n = 60 + rnd(200);
		if (n >= size)
			n = size - 1;
		for (size_t i = 0; i < n; i++)
			w[i] = (char)('a' + rnd(26));
		w[n] = '\0';
		if (rnd(2))
			memcpy(w + n / 2, "ü", 2);
		return;
	}
	snprintf(w, size, "%s", pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
}

static void
value(char *v, size_t size, size_t words)
{
	char w[300];

	v[0] = '\0';
	for (size_t i = 0; i < words; i++) {
		word(w, sizeof(w));
		if (strlen(v) + strlen(w) + 2 >= size)
			break;
		if (i > 0)
			strcat(v, " ");
		strcat(v, w);
	}
}

/* A random address the grammar accepts, up to MAIL_ADDR_MAX long. */
static void
address(char *a, size_t size)
{
	static const char atext[] = "abcdefghijklmnopqrstuvwxyz0123456789"
	    "!#$%&'*+-/^_`{|}~";
	size_t local = 1 + rnd(rnd(4) == 0 ? 40 : 12), n = 0, label;

	for (size_t i = 0; i < local && n + 1 < size; i++) {
		if (i > 0 && i + 1 < local && a[n - 1] != '.' && rnd(8) == 0)
			a[n++] = '.';
		else
			a[n++] = atext[rnd(sizeof(atext) - 1)];
	}
	a[n++] = '@';
	for (int l = 0, nl = 1 + (int)rnd(3); l < nl; l++) {
		if (l > 0)
			a[n++] = '.';
		label = 1 + rnd(rnd(3) == 0 ? 30 : 8);
		for (size_t i = 0; i < label && n + 8 < size; i++)
			a[n++] = (i > 0 && i + 1 < label && rnd(6) == 0) ? '-' :
			    "abcdefghijklmnopqrstuvwxyz0123456789"[rnd(36)];
	}
	a[n] = '\0';
	/* often right at the edge: 74-76, folded when alone in To */
	if (rnd(3) == 0 && n < MAIL_ADDR_MAX - 2) {
		size_t want = MAIL_ADDR_MAX - 2 + rnd(3), at = local;

		if (want - n + at > 64)
			want = n + 64 - at;
		memmove(a + (want - n), a, n + 1);
		for (size_t i = 0; i < want - n; i++)
			a[i] = atext[rnd(26)];
		n = want;
	}
	if (n > MAIL_ADDR_MAX) {	/* keep it within the grammar's length */
		a[MAIL_ADDR_MAX] = '\0';
		while (a[strlen(a) - 1] == '.' || a[strlen(a) - 1] == '-')
			a[strlen(a) - 1] = '\0';
	}
}

static int
refuses_injection(void)
{
	static const char *bad[] = { "\n", "\r", "\r\n", "\r\nBcc: x@y",
	    "\n\n", "\x01", "\x1b", "\x7f", "\xc2\x80", "\xff" };
	struct mail *m = mail_new();
	struct herr e;
	char v[600];
	int ok = 1;

	for (size_t i = 0; i < 200; i++) {
		value(v, sizeof(v) - 20, 1 + rnd(6));
		if (strlen(v) > 0 && rnd(2))
			v[rnd((unsigned int)strlen(v))] = '\0';
		strcat(v, bad[rnd(sizeof(bad) / sizeof(bad[0]))]);
		if (rnd(2))
			strcat(v, "tail");
		if (mail_header(m, "Subject", v, &e) == 0 ||
		    mail_header(m, "X-Hangar", v, &e) == 0) {
			fprintf(stderr, "accepted a bad value\n");
			ok = 0;
		}
	}
	mail_free(m);
	return ok;
}

static int
one(const char *dir, int i)
{
	struct json_object *j = json_object_new_object(), *h;
	struct mail *m = mail_new();
	char v[3000], body[4000], path[512], why[128], *out = NULL;
	char addr[MAIL_ADDR_MAX + 40], to[MAIL_ADDR_MAX + 40];
	struct mail_env env;
	struct herr e;
	size_t len;
	FILE *f;
	int ret = -1;

	h = json_object_new_object();
	/* a random address, alone (long ones are folded) or in a list */
	do
		address(addr, sizeof(addr));
	while (mail_check_addr(addr, &e) == -1);
	snprintf(to, sizeof(to), i % 2 ? "%s" : "ops@example.net, %s", addr);
	if (mail_header(m, "From", "hangar-health <root@host1.example>", &e) ||
	    mail_header(m, "To", to, &e) || mail_envelope(m, &env, &e) ||
	    strcmp(env.rcpt[env.nrcpt - 1], addr) != 0) {
		fprintf(stderr, "To: %s: %s\n", to, e.msg);
		goto out;
	}
	json_object_object_add(h, "From", json_object_new_string(
	    "hangar-health <root@host1.example>"));
	json_object_object_add(h, "To", json_object_new_string(to));
	value(v, sizeof(v), 1 + rnd(i % 3 == 0 ? 60 : 12));
	if (mail_header(m, "Subject", v, &e) == -1) {
		fprintf(stderr, "refused subject %s: %s\n", v, e.msg);
		goto out;
	}
	json_object_object_add(h, "Subject", json_object_new_string(v));
	value(v, sizeof(v), 1 + rnd(8));
	if (mail_header(m, "X-Hangar-Incident", v, &e) == -1)
		goto out;
	json_object_object_add(h, "X-Hangar-Incident", json_object_new_string(v));
	value(body, sizeof(body) - 100, 5 + rnd(300));
	for (char *p = body; *p != '\0'; p++)
		if (*p == ' ' && rnd(8) == 0)
			*p = '\n';
	strcat(body, "\n");
	if (mail_body(m, body, &e) == -1)
		goto out;
	mail_set_date(m, 1489003860 + i);
	if (mail_render(m, &out, &len, &e) == -1)
		goto out;
	if (mail_check_rendered(out, len, why, sizeof(why)) < 0) {
		fprintf(stderr, "message %d: %s\n", i, why);
		goto out;
	}
	json_object_object_add(j, "headers", h);
	h = NULL;
	json_object_object_add(j, "body", json_object_new_string(body));
	snprintf(path, sizeof(path), "%s/%d.eml", dir, i);
	if ((f = fopen(path, "wb")) == NULL || fwrite(out, 1, len, f) != len ||
	    fclose(f) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%d.json", dir, i);
	if (json_object_to_file(path, j) == -1)
		goto out;
	ret = 0;
out:
	json_object_put(h);
	json_object_put(j);
	free(out);
	mail_free(m);
	return ret;
}

int
main(int argc, char **argv)
{
	int n;

	if (argc != 4) {
		fprintf(stderr, "usage: mail_gen DIR COUNT SEED\n");
		return 2;
	}
	n = atoi(argv[2]);
	rs = strtoull(argv[3], NULL, 10) | 1;
	if (!refuses_injection())
		return 1;
	for (int i = 0; i < n; i++)
		if (one(argv[1], i) == -1)
			return 1;
	return 0;
}
