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

void
jout_str(struct jout *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	put(j, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (esc2[c] == 0)
			continue;
		put(j, run, (size_t)(s - run));
		run = s + 1;
		if (esc2[c] != 'u') {
			esc[1] = esc2[c];
			put(j, esc, 2);
		} else {
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(j, esc, sizeof(esc));
		}
	}
	put(j, run, (size_t)(s - run));
	put(j, "\"", 1);
}

void
jout_key(struct jout *j, const char *key)
{
	put(j, "\"", 1);
	put(j, key, strlen(key));
	put(j, "\":", 2);
}

void
jout_int(struct jout *j, int64_t v)
{
	char b[24], *p = b + sizeof(b);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	put(j, p, (size_t)(b + sizeof(b) - p));
}

void
jout_double(struct jout *j, double v)
{
	char b[40];

	/* whole numbers (downtimes, durations): %.17g would print digits */
	if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
		jout_int(j, (int64_t)v);
		put(j, ".0", 2);
		return;
	}
	if (isnan(v))
		snprintf(b, sizeof(b), "NaN");
	else if (isinf(v))
		snprintf(b, sizeof(b), "%s", v < 0 ? "-Infinity" : "Infinity");
	else {
		snprintf(b, sizeof(b), "%.17g", v);
		if (strpbrk(b, ".e") == NULL)
			strcat(b, ".0");
	}
	jout_raw(j, b);
}
