#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmalloc.h"

size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
str_utf8_decode(const unsigned char *s, uint32_t *cpp)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80) {
		if (cpp != NULL)
			*cpp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, surrogate or out of range */
	if (cpp != NULL)
		*cpp = cp;
	return n;
}

/* Length of the valid UTF-8 character at s that is not C1, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n = str_utf8_decode(s, &cp);

	return n > 0 && cp >= 0x80 && cp < 0xa0 ? 0 : n;
}

void
str_sanitize(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, n;

	if (size == 0)
		return;
	while (*s != '\0' && o + 1 < size) {
		if (*s < 0x20 || *s == 0x7f) {
			dst[o++] = '?';
			s++;
			continue;
		}
		n = utf8_len(s);
		if (n == 0) {
			dst[o++] = '?';
			s++;
			continue;
		}
		if (o + n >= size)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	dst[o] = '\0';
}

int
str_is_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 63)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

int
str_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
str_parse_mib(const char *s, uint64_t *mib)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 'M': case 'm': mult = 1; break;
		case 'G': case 'g': mult = 1024; break;
		case 'T': case 't': mult = 1024 * 1024; break;
		default: return -1;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (v > UINT64_MAX / mult / 1024)
		return -1;
	*mib = v * mult;
	return 0;
}

const char *
str_fmt_mib(char *buf, size_t size, uint64_t mib)
{
	if (mib >= 1024 * 1024 && mib % (1024 * 1024) == 0)
		snprintf(buf, size, "%" PRIu64 "T", mib / (1024 * 1024));
	else if (mib >= 1024 * 1024)
		snprintf(buf, size, "%.1fT", mib / (1024.0 * 1024.0));
	else if (mib >= 1024 && mib % 1024 == 0)
		snprintf(buf, size, "%" PRIu64 "G", mib / 1024);
	else if (mib >= 1024)
		snprintf(buf, size, "%.1fG", mib / 1024.0);
	else
		snprintf(buf, size, "%" PRIu64 "M", mib);
	return buf;
}

const char *
str_fmt_uptime(char *buf, size_t size, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 3600)
		snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, size, "%" PRId64 "d%02" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
	return buf;
}

char *
str_log_text(const char *buf, size_t n)
{
	char *raw = xmalloc(n + 1), *out = xmalloc(n + 1), *p;
	size_t i, o = 0;

	/* a copy that may hold NULs: the loop ends at n, not at a NUL */
	memcpy(raw, buf, n);
	raw[n] = '\0';
	out[0] = '\0';
	/* str_sanitize maps \n and \t too: do it line by line */
	for (p = raw, i = 0; i <= n; i++) {
		if (i == n || raw[i] == '\n' || raw[i] == '\t' || raw[i] == '\0') {
			char save = i < n ? raw[i] : '\0';
			raw[i] = '\0';
			/* a serial line ends its lines with CR LF: the CR goes */
			if (save == '\n' && raw + i > p && raw[i - 1] == '\r')
				raw[i - 1] = '\0';
			str_sanitize(out + o, n + 1 - o, p);
			o += strlen(out + o);
			if (i < n)
				out[o++] = save == '\0' ? '?' : save;
			out[o] = '\0';
			p = raw + i + 1;
		}
	}
	free(raw);
	return out;
}
