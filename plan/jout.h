/*
 * jout: JSON text written straight out through a buffer of its own,
 * spelt the way json-c spells it (JSON_C_TO_STRING_PLAIN), for plans too
 * large to build as json-c objects first (a maintenance plan lists every
 * guest: 200,000 objects took longer than planning them).  rpc/jsonw.h
 * builds a reply in memory and has no numbers with a fraction; this
 * streams.
 */
#ifndef HANGAR_PLAN_JOUT_H
#define HANGAR_PLAN_JOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jout {
	FILE	*f;
	size_t	 len;
	char	 buf[65536];
};

void	jout_init(struct jout *, FILE *);
/* Writes out what is buffered; -1 if the FILE has an error. */
int	jout_flush(struct jout *);
/* Text as it is (JSON punctuation, keys that need no escaping). */
void	jout_raw(struct jout *, const char *s);
void	jout_mem(struct jout *, const char *s, size_t len);
/* A string literal as it is, its length known at compile time. */
#define JOUT_LIT(j, lit)	jout_mem((j), "" lit, sizeof(lit) - 1)
/* s quoted and escaped as json-c does: "\/" too, other bytes as they are. */
void	jout_str(struct jout *, const char *s);
/*
 * The same into dst, which has room for JOUT_QUOTE_MAX(strlen(s)) bytes;
 * returns the length written (no NUL).
 */
#define JOUT_QUOTE_MAX(len)	(6 * (len) + 2)
size_t	jout_quote(char *dst, const char *s);
/*
 * n bytes (at most sizeof(buf)) of room straight in the buffer, to be
 * filled and then counted with jout_commit(): a row in one piece.
 */
char	*jout_reserve(struct jout *, size_t n);
void	 jout_commit(struct jout *, size_t n);
/* "KEY": before a value; key is a literal that needs no escaping. */
void	jout_key(struct jout *, const char *key);
void	jout_int(struct jout *, int64_t);
/* %.17g, with ".0" when that looks like an integer (json-c's doubles). */
void	jout_double(struct jout *, double);
/* What jout_double() writes, into dst (JOUT_DOUBLE_MAX bytes); its length. */
#define JOUT_DOUBLE_MAX	40
size_t	jout_fmt_double(char *dst, double);

#endif
