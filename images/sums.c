#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "images/sums.h"

int
sums_hex_decode(const char *hex, size_t len, unsigned char out[32])
{
	size_t n = 0;
	const char *end = NULL;

	if (len != 64)
		return -1;
	if (sodium_hex2bin(out, 32, hex, len, NULL, &n, &end) != 0 ||
	    n != 32 || end != hex + len)
		return -1;
	return 0;
}

void
sums_hex_encode(const unsigned char d[32], char out[65])
{
	sodium_bin2hex(out, 65, d, 32);
}

static void
sums_add(struct sums *s, const char *name, size_t namelen,
    const unsigned char d[32])
{
	struct sums_entry *en;

	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	en = &s->v[s->n++];
	en->name = xstrndup(name, namelen);
	memcpy(en->sha256, d, 32);
}

static int
is_alg_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * "ALG (name) = hex": returns 1 when it is a SHA256 entry (added to s),
 * 0 when it is a well-formed entry for another algorithm, -1 when the line
 * is not in this format.
 */
static int
parse_bsd(struct sums *s, const char *l, size_t len)
{
	size_t alg = 0, close, hexlen;
	const char *hex, *p;
	unsigned char d[32];

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
	if (alg != 6 || memcmp(l, "SHA256", 6) != 0)
		return 0;
	if (sums_hex_decode(hex, hexlen, d) == -1)
		return -1;
	sums_add(s, l + alg + 2, close - (alg + 2), d);
	return 1;
}

/* "hex  name" or "hex *name" (binary mode); -1 when not in this format. */
static int
parse_gnu(struct sums *s, const char *l, size_t len)
{
	unsigned char d[32];

	if (len < 64 + 3 || l[64] != ' ' || (l[65] != ' ' && l[65] != '*'))
		return -1;
	if (sums_hex_decode(l, 64, d) == -1)
		return -1;
	sums_add(s, l + 66, len - 66, d);
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
	    "entry in BSD (SHA256 (file) = hex) or GNU (hex  file) format",
	    lineno);
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
		return herr_set(e, HERR_USAGE, "sums file has no SHA256 "
		    "entry");
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
sums_match(const struct sums *s, const char *base, const unsigned char d[32])
{
	enum sums_result r = SUMS_NOENTRY;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(last_component(s->v[i].name), base) != 0)
			continue;
		if (sodium_memcmp(s->v[i].sha256, d, 32) == 0)
			return SUMS_MATCH;
		r = SUMS_MISMATCH;
	}
	return r;
}
