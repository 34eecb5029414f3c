/*
 * jsonw: writes JSON text straight into a growing buffer, for replies too
 * big to build as json-c objects first (a fleet's guest list: 20,000
 * objects).  Strings are escaped per RFC 8259; the caller keeps keys and
 * nesting right.
 */
#ifndef HANGAR_JSONW_H
#define HANGAR_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char	*buf;		/* owned; NUL-terminated */
	size_t	 len, cap;
	int	 first;		/* no comma before the next member */
};

void	jw_init(struct jsonw *w);
void	jw_release(struct jsonw *w);
/* Hands the buffer over (the caller frees it); w is empty again. */
char	*jw_take(struct jsonw *w, size_t *len);
void	jw_begin(struct jsonw *w, char open);	/* '{' or '[' */
void	jw_end(struct jsonw *w, char close);	/* '}' or ']' */
void	jw_str(struct jsonw *w, const char *key, const char *val);
void	jw_int(struct jsonw *w, const char *key, int64_t val);
void	jw_bool(struct jsonw *w, const char *key, int val);

#endif
