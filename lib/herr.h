/*
 * herr: the one error convention of hangar.
 *
 * A function that can fail returns 0 on success and -1 on failure, and
 * fills the caller's struct herr (if not NULL) with a code and one line
 * of text.  The error is reported once, by whoever prints or replies.
 */
#ifndef HANGAR_HERR_H
#define HANGAR_HERR_H

#include <stddef.h>

enum herr_code {
	HERR_OK = 0,
	HERR_INTERNAL,		/* a bug or an unexpected system failure */
	HERR_USAGE,		/* malformed request or bad argument */
	HERR_NOTFOUND,		/* no such host, guest, customer, ... */
	HERR_EXISTS,		/* name already taken */
	HERR_CAPACITY,		/* does not fit */
	HERR_PERM,		/* not allowed for this caller */
	HERR_HV,		/* the hypervisor refused or failed */
	HERR_UNREACHABLE,	/* host or daemon cannot be reached */
	HERR_STATE,		/* not possible in the current state */
	HERR_PROTO,		/* protocol violation */
	HERR__MAX
};

struct herr {
	enum herr_code	code;
	char		msg[512];
};

/* Sets e (if not NULL) and returns -1, so callers can `return herr_set(...)`. */
int	 herr_set(struct herr *e, enum herr_code code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 herr_clear(struct herr *e);
/* Stable lower-case names used on the wire ("notfound") and back. */
const char	*herr_name(enum herr_code code);
enum herr_code	 herr_from_name(const char *name);
/* The documented exit status of the hangar(8) command for a code. */
int	 herr_exit_status(enum herr_code code);

#endif
