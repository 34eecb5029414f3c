/*
 * jout: JSON text written straight to a FILE, spelt the way json-c
 * spells it (JSON_C_TO_STRING_PLAIN), for plans too large to build as
 * json-c objects first (a maintenance plan lists every guest: 200,000
 * objects took longer than planning them).  rpc/jsonw.h builds a reply
 * in memory and has no numbers with a fraction; this streams.
 */
#ifndef HANGAR_PLAN_JOUT_H
#define HANGAR_PLAN_JOUT_H

#include <stdint.h>
#include <stdio.h>

/* s quoted and escaped as json-c does: "\/" too, other bytes as they are. */
void	jout_str(FILE *, const char *s);
/* "KEY": before a value; key is a literal that needs no escaping. */
void	jout_key(FILE *, const char *key);
void	jout_int(FILE *, int64_t);
/* %.17g, with ".0" when that looks like an integer (json-c's doubles). */
void	jout_double(FILE *, double);

#endif
