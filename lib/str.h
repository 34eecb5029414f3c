/* str: small string helpers shared by every part. */
#ifndef HANGAR_STR_H
#define HANGAR_STR_H

#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size bytes), always terminated; returns strlen(src). */
size_t	 str_copy(char *dst, const char *src, size_t size);
/*
 * Writes s into dst (size bytes) with every control character (C0, DEL,
 * C1 as UTF-8, and invalid UTF-8) replaced by '?', so guest- or
 * customer-supplied text can be printed on a terminal safely.
 */
void	 str_sanitize(char *dst, size_t size, const char *s);
/*
 * A console log's n bytes (a guest's output: any bytes, NULs too) as
 * text: valid UTF-8 with tabs and newlines kept (a CR before a newline
 * dropped), every other control character and invalid byte '?'.  New
 * string, never longer than n.
 */
char	*str_log_text(const char *buf, size_t n);
/*
 * Decodes the UTF-8 sequence at s: its length, or 0 when it is invalid
 * (overlong, surrogate, past U+10FFFF, truncated).  *cp gets the code
 * point (may be NULL).
 */
size_t	 str_utf8_decode(const unsigned char *s, uint32_t *cp);
/* A name: 1-63 chars of [a-z0-9-], starting with a letter or digit. */
int	 str_is_name(const char *s);
/* Parses "512M", "4G", "2T", "1024" (MiB) into MiB; -1 on error. */
int	 str_parse_mib(const char *s, uint64_t *mib);
/* Parses a decimal integer in [min, max]; -1 on error. */
int	 str_parse_int(const char *s, long long min, long long max, long long *out);
/* "4.0G"-style human size of a MiB count into buf. */
const char	*str_fmt_mib(char *buf, size_t size, uint64_t mib);
/*
 * A running guest's uptime, one form for every table: "0m04s", "3h05m",
 * "2d04h" (a negative count is 0).  Callers print "-" for a guest that
 * is not running.
 */
const char	*str_fmt_uptime(char *buf, size_t size, int64_t s);

#endif
