/* JSON text through a buffer, byte for byte what json-c would write. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "plan/jout.h"

void
jout_init(struct jout *j, FILE *f)
{
	j->f = f;
	j->len = 0;
}

int
jout_flush(struct jout *j)
{
	if (j->len > 0 && fwrite(j->buf, 1, j->len, j->f) != j->len) {
		j->len = 0;
		return -1;
	}
	j->len = 0;
	return ferror(j->f) ? -1 : 0;
}

static void
put(struct jout *j, const char *s, size_t n)
{
	if (j->len + n > sizeof(j->buf)) {
		(void)jout_flush(j);	/* errors show at the last flush */
		if (n > sizeof(j->buf)) {
			fwrite(s, 1, n, j->f);
			return;
		}
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

void
jout_raw(struct jout *j, const char *s)
{
	put(j, s, strlen(s));
}

void
jout_mem(struct jout *j, const char *s, size_t len)
{
	put(j, s, len);
}

/* The two-byte escapes json-c writes; 'u' for \u00XX, 0: as it is. */
static const char esc2[256] = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['\b'] = 'b', ['\f'] = 'f',
	['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	[0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
	[0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',
	[0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u',
	[0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u', [0x19] = 'u',
	[0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u', [0x1e] = 'u',
	[0x1f] = 'u'
};

size_t
jout_quote(char *dst, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *d = dst;
	unsigned char c;

	*d++ = '"';
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (esc2[c] == 0) {
			*d++ = (char)c;
			continue;
		}
		*d++ = '\\';
		if (esc2[c] != 'u') {
			*d++ = esc2[c];
			continue;
		}
		memcpy(d, "u00", 3);
		d[3] = hex[c >> 4];
		d[4] = hex[c & 15];
		d += 5;
	}
	*d++ = '"';
	return (size_t)(d - dst);
}

char *
jout_reserve(struct jout *j, size_t n)
{
	if (j->len + n > sizeof(j->buf))
		(void)jout_flush(j);	/* errors show at the last flush */
	return j->buf + j->len;
}

void
jout_commit(struct jout *j, size_t n)
{
	j->len += n;
}

void
jout_str(struct jout *j, const char *s)
{
	size_t n = strlen(s);

	/* names are short: quoted straight into the buffer */
	if (n <= (sizeof(j->buf) - 2) / 6) {
		jout_commit(j, jout_quote(jout_reserve(j,
		    JOUT_QUOTE_MAX(n)), s));
		return;
	}
	put(j, "\"", 1);
	for (; *s != '\0'; s += n) {
		char part[1025], q[JOUT_QUOTE_MAX(1024)];

		n = strnlen(s, sizeof(part) - 1);
		memcpy(part, s, n);
		part[n] = '\0';
		/* a long string in parts, without their quotes */
		put(j, q + 1, jout_quote(q, part) - 2);
	}
	put(j, "\"", 1);
}

void
jout_key(struct jout *j, const char *key)
{
	put(j, "\"", 1);
	put(j, key, strlen(key));
	put(j, "\":", 2);
}

/* v in decimal at the end of b[24]; the first byte written. */
static char *
fmt_int(char *b, int64_t v)
{
	char *p = b + 24;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	return p;
}

void
jout_int(struct jout *j, int64_t v)
{
	char b[24], *p = fmt_int(b, v);

	put(j, p, (size_t)(b + sizeof(b) - p));
}

size_t
jout_fmt_double(char *dst, double v)
{
	char b[24], *p;
	size_t n;

	/* whole numbers (downtimes, durations): %.17g would print digits */
	if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
		p = fmt_int(b, (int64_t)v);
		n = (size_t)(b + sizeof(b) - p);
		memcpy(dst, p, n);
		memcpy(dst + n, ".0", 3);
		return n + 2;
	}
	if (isnan(v))
		snprintf(dst, JOUT_DOUBLE_MAX, "NaN");
	else if (isinf(v))
		snprintf(dst, JOUT_DOUBLE_MAX, "%s", v < 0 ? "-Infinity" :
		    "Infinity");
	else {
		snprintf(dst, JOUT_DOUBLE_MAX, "%.17g", v);
		if (strpbrk(dst, ".e") == NULL)
			strcat(dst, ".0");
	}
	return strlen(dst);
}

void
jout_double(struct jout *j, double v)
{
	char b[JOUT_DOUBLE_MAX];

	put(j, b, jout_fmt_double(b, v));
}
