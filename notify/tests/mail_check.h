/* mail_check: verifies a rendered message against RFC 5322 rules, for the
 * unit tests and the fuzz target (independent of the builder's code). */
#ifndef HANGAR_NOTIFY_MAIL_CHECK_H
#define HANGAR_NOTIFY_MAIL_CHECK_H

#include <stddef.h>

/*
 * Returns the number of header fields, or -1 with a reason in why:
 * bytes outside printable ASCII/SP/TAB, CR or LF not as CRLF, lines over
 * 998 (78 in the header), a header line that is neither "name:" nor a
 * non-blank continuation, no empty line, Date or Message-ID missing or
 * repeated.
 */
int	mail_check_rendered(const char *msg, size_t len, char *why,
	    size_t whysize);

#endif
