#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "images/sums.h"

int
sums_hex_decode_n(const char *hex, size_t len, unsigned char *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;

	if (len != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, hex, len, NULL, &got, &end) != 0 ||
	    got != n || end != hex + len)
		return -1;
	return 0;
}

int
sums_hex_decode(const char *hex, size_t len, unsigned char out[32])
{
	return sums_hex_decode_n(hex, len, out, 32);
}

static size_t
alg_len(enum sums_alg alg)
{
	return alg == SUMS_SHA512 ? 64 : 32;
}

void
sums_hex_encode(const unsigned char d[32], char out[65])
{
	sodium_bin2hex(out, 65, d, 32);
}

static void
sums_add(struct sums *s, const char *name, size_t namelen,
    enum sums_alg alg, const unsigned char *d)
{
	struct sums_entry *en;

	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	en = &s->v[s->n++];
	/* the input need not be NUL-terminated: copy exactly namelen bytes */
	en->name = xmalloc(namelen + 1);
	memcpy(en->name, name, namelen);
	en->name[namelen] = '\0';
	en->alg = alg;
	memset(en->digest, 0, sizeof(en->digest));
	memcpy(en->digest, d, alg_len(alg));
}

static int
is_alg_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * "ALG (name) = hex": returns 1 when it is a SHA256 or SHA512 entry (added
 * to s), 0 when it is a well-formed entry for another algorithm, -1 when
 * the line is not in this format.
 */
static int
parse_bsd(struct sums *s, const char *l, size_t len)
{
	size_t alg = 0, close, hexlen;
	const char *hex, *p;
	unsigned char d[64];
	enum sums_alg a;

	while (alg < len && is_alg_char(l[alg]))
		alg++;
	if (alg == 0 || alg + 2 > len || l[alg] != ' ' || l[alg + 1] != '(')
		return -1;
	/* The name may itself hold ") = ", so the last one ends it. */
	for (p = NULL, close = alg + 2; close + 4 <= len; close++)
		if (memcmp(l + close, ") = ", 4) == 0)
			p = l + close;
	if (p == NULL)
		return -1;
	close = (size_t)(p - l);
	hex = p + 4;
	hexlen = len - (size_t)(hex - l);
	if (close == alg + 2 || hexlen == 0)
		return -1;
	if (alg == 6 && memcmp(l, "SHA256", 6) == 0)
		a = SUMS_SHA256;
	else if (alg == 6 && memcmp(l, "SHA512", 6) == 0)
		a = SUMS_SHA512;
	else
		return 0;
	if (sums_hex_decode_n(hex, hexlen, d, alg_len(a)) == -1)
		return -1;
	sums_add(s, l + alg + 2, close - (alg + 2), a, d);
	return 1;
}

/*
 * "hex  name" or "hex *name" (binary mode), 64 digits for SHA-256 or 128
 * for SHA-512; -1 when not in this format.
 */
static int
parse_gnu(struct sums *s, const char *l, size_t len)
{
	unsigned char d[64];
	enum sums_alg a;
	size_t h;

	for (h = 0; h < len && h <= 128 && l[h] != ' '; h++)
		;
	if (h == 64)
		a = SUMS_SHA256;
	else if (h == 128)
		a = SUMS_SHA512;
	else
		return -1;
	if (len < h + 3 || (l[h + 1] != ' ' && l[h + 1] != '*'))
		return -1;
	if (sums_hex_decode_n(l, h, d, alg_len(a)) == -1)
		return -1;
	sums_add(s, l + h + 2, len - (h + 2), a, d);
	return 1;
}

static int
parse_line(struct sums *s, const char *l, size_t len, size_t lineno,
    struct herr *e)
{
	if (len > 0 && l[len - 1] == '\r')
		len--;
	if (len == 0 || l[0] == '#')
		return 0;
	if (len > SUMS_MAX_LINE)
		return herr_set(e, HERR_USAGE, "sums file line %zu: longer "
		    "than %d bytes", lineno, SUMS_MAX_LINE);
	if (memchr(l, '\0', len) != NULL)
		return herr_set(e, HERR_USAGE, "sums file line %zu: contains "
		    "a NUL byte", lineno);
	if (parse_bsd(s, l, len) >= 0 || parse_gnu(s, l, len) >= 0)
		return 0;
	return herr_set(e, HERR_USAGE, "sums file line %zu: not a SHA256 "
	    "or SHA512 entry in BSD (SHA256 (file) = hex) or GNU (hex  file) "
	    "format", lineno);
}

int
sums_parse(struct sums *s, const char *buf, size_t len, struct herr *e)
{
	size_t off = 0, lineno = 0, n;
	const char *nl;

	memset(s, 0, sizeof(*s));
	if (len > SUMS_MAX_SIZE)
		return herr_set(e, HERR_USAGE, "sums file larger than %d "
		    "bytes", SUMS_MAX_SIZE);
	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		lineno++;
		if (parse_line(s, buf + off, n, lineno, e) == -1)
			goto fail;
		if (s->n > SUMS_MAX_ENTRIES) {
			herr_set(e, HERR_USAGE, "sums file has more than %d "
			    "entries", SUMS_MAX_ENTRIES);
			goto fail;
		}
		off += n + 1;
	}
	if (s->n == 0)
		return herr_set(e, HERR_USAGE, "sums file has no SHA256 or "
		    "SHA512 entry");
	return 0;
fail:
	sums_release(s);
	return -1;
}

void
sums_release(struct sums *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const char *
last_component(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL ? p + 1 : path;
}

enum sums_result
sums_match(const struct sums *s, const char *base,
    const unsigned char sha256[32], const unsigned char *sha512)
{
	enum sums_result r = SUMS_NOENTRY;
	const unsigned char *d;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(last_component(s->v[i].name), base) != 0)
			continue;
		d = s->v[i].alg == SUMS_SHA512 ? sha512 : sha256;
		if (d != NULL && sodium_memcmp(s->v[i].digest, d,
		    alg_len(s->v[i].alg)) == 0)
			return SUMS_MATCH;
		r = SUMS_MISMATCH;
	}
	return r;
}

int
sums_lists(const struct sums *s, const char *base, enum sums_alg alg)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].alg == alg &&
		    strcmp(last_component(s->v[i].name), base) == 0)
			return 1;
	return 0;
}
