/* JSON text straight to a FILE, byte for byte what json-c would write. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "plan/jout.h"

void
jout_str(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	putc_unlocked('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = NULL;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '/': e = "\\/"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			if (c >= 0x20)
				continue;
		}
		fwrite_unlocked(run, 1, (size_t)(s - run), f);
		run = s + 1;
		if (e != NULL)
			fwrite_unlocked(e, 1, 2, f);
		else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			fwrite_unlocked(esc, 1, sizeof(esc), f);
		}
	}
	fwrite_unlocked(run, 1, (size_t)(s - run), f);
	putc_unlocked('"', f);
}

void
jout_key(FILE *f, const char *key)
{
	putc_unlocked('"', f);
	fputs_unlocked(key, f);
	fwrite_unlocked("\":", 1, 2, f);
}

void
jout_int(FILE *f, int64_t v)
{
	char b[24], *p = b + sizeof(b);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(b + sizeof(b) - p), f);
}

void
jout_double(FILE *f, double v)
{
	char b[40];

	/* whole numbers (downtimes, durations): %.17g would print digits */
	if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
		jout_int(f, (int64_t)v);
		fwrite_unlocked(".0", 1, 2, f);
		return;
	}
	if (isnan(v)) {
		fputs_unlocked("NaN", f);
		return;
	}
	if (isinf(v)) {
		fputs_unlocked(v < 0 ? "-Infinity" : "Infinity", f);
		return;
	}
	snprintf(b, sizeof(b), "%.17g", v);
	if (strpbrk(b, ".e") == NULL)
		strcat(b, ".0");
	fputs_unlocked(b, f);
}
