#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "rpc/jsonw.h"

void
jw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
	w->first = 1;
}

void
jw_release(struct jsonw *w)
{
	free(w->buf);
	jw_init(w);
}

char *
jw_take(struct jsonw *w, size_t *len)
{
	char *b = w->buf ? w->buf : xstrdup("");

	if (len != NULL)
		*len = w->len;
	jw_init(w);
	return b;
}

/* Room for n more bytes and the NUL. */
static void
reserve(struct jsonw *w, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		while (w->len + n + 1 > w->cap)
			w->cap = w->cap ? w->cap * 2 : 4096;
		w->buf = xreallocarray(w->buf, w->cap, 1);
	}
}

static void
put(struct jsonw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* One byte: most of a list's punctuation. */
static void
put1(struct jsonw *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

static void
put_string(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"')
			put(w, "\\\"", 2);
		else if (c == '\\')
			put(w, "\\\\", 2);
		else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(w, esc, 6);
		}
	}
	put(w, run, (size_t)(s - run));
}

static void
member(struct jsonw *w, const char *key)
{
	if (!w->first)
		put1(w, ',');
	w->first = 0;
	if (key != NULL) {
		put1(w, '"');
		put_string(w, key);
		put(w, "\":", 2);
	}
}

void
jw_begin(struct jsonw *w, char open)
{
	member(w, NULL);
	put1(w, open);
	w->first = 1;
}

void
jw_end(struct jsonw *w, char close)
{
	put1(w, close);
	w->first = 0;
}

void
jw_str(struct jsonw *w, const char *key, const char *val)
{
	member(w, key);
	put1(w, '"');
	put_string(w, val);
	put1(w, '"');
}

void
jw_int(struct jsonw *w, const char *key, int64_t val)
{
	char b[24], *p = b + sizeof(b);
	uint64_t u = val < 0 ? -(uint64_t)val : (uint64_t)val;

	/* by hand: snprintf was a quarter of a 20,000-guest list */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (val < 0)
		*--p = '-';
	member(w, key);
	put(w, p, (size_t)(b + sizeof(b) - p));
}

void
jw_bool(struct jsonw *w, const char *key, int val)
{
	member(w, key);
	put(w, val ? "true" : "false", val ? 4 : 5);
}
