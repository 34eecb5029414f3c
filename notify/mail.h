/*
 * mail: the one strict RFC 5322 message builder of hangar.
 *
 * Every mail hangar sends (alerts, maintenance notices) is built here, so
 * the 2017 bug (a stray newline in a value ends the header block early)
 * cannot happen anywhere:
 *   - header names are 1-76 printable ASCII characters without ':' or space;
 *   - header values are UTF-8 text with at most 16 blanks in a row;
 *     CR, LF, NUL and every other control
 *     character (C0 except TAB, DEL, C1) and invalid UTF-8 are refused;
 *   - non-ASCII in unstructured fields (Subject, Comments, X-*) is
 *     RFC 2047-encoded; address fields and Message-ID must be ASCII;
 *   - every address is the one grammar of mail_check_addr, in a list of
 *     "addr" or "Display Name <addr>" (no groups, comments, routes or
 *     encoded-words: "a@b.c:evil@x" is refused); mail_envelope returns
 *     the addresses a sender gives the server, never read back from the
 *     rendered text, where a long one may be folded onto its own line;
 *   - lines end in CRLF and header lines are folded at 78 columns;
 *   - exactly one empty line separates headers and body;
 *   - Date and Message-ID are always present (generated when not set).
 * The body is UTF-8 text with LF or CRLF line ends; it goes out as 7bit
 * when it can, quoted-printable otherwise.
 */
#ifndef HANGAR_NOTIFY_MAIL_H
#define HANGAR_NOTIFY_MAIL_H

#include <stddef.h>
#include <time.h>

#include "lib/herr.h"

#define MAIL_FOLD	78	/* header lines are folded at this width */
#define MAIL_MAXHDRS	64
/*
 * An address fits on a folded header line with its blank and a comma:
 * " addr," in 78 columns.
 */
#define MAIL_ADDR_MAX	76
#define MAIL_MAXRCPT	32	/* addresses in a field; recipients in all */

/* Who a message goes to, for the mail server (no < >). */
struct mail_env {
	char	from[MAIL_ADDR_MAX + 1];	/* From's (first) address */
	char	rcpt[MAIL_MAXRCPT][MAIL_ADDR_MAX + 1];	/* To, Cc, Bcc */
	size_t	nrcpt;
};

struct mail;

struct mail	*mail_new(void);
void		 mail_free(struct mail *m);
/*
 * Adds a header field (copied).  Refuses bad names and values (see above),
 * a second From/To/Cc/Subject/Message-ID/..., and Date (use mail_set_date)
 * and the MIME fields (set by mail_render).
 */
int	 mail_header(struct mail *m, const char *name, const char *value,
	    struct herr *e);
/* Sets the body (copied); refuses NUL, bare CR and invalid UTF-8. */
int	 mail_body(struct mail *m, const char *text, struct herr *e);
/* The Date field's time (default: the time of mail_render). */
void	 mail_set_date(struct mail *m, time_t t);
/*
 * Renders the message into *out (NUL-terminated, caller frees), *len
 * bytes without the NUL.  From and at least one of To/Cc/Bcc are required.
 */
int	 mail_render(const struct mail *m, char **out, size_t *len,
	    struct herr *e);

/* Checks a header name or value without building anything (0 or -1). */
int	 mail_check_name(const char *name, struct herr *e);
int	 mail_check_value(const char *value, struct herr *e);
/*
 * The one address grammar of hangar: an RFC 5321 Mailbox in ASCII, at
 * most MAIL_ADDR_MAX characters: a Dot-string local part (letters,
 * digits, !#$%&'*+-/=?^_`{|}~ and single inner dots; no quoted local
 * parts, no "=?") of up to 64, '@', and a Domain of letter-digit-hyphen
 * labels (1-63, not starting or ending with '-'), dot-separated; no
 * address literals.  The error says what is wrong without echoing it.
 */
int	 mail_check_addr(const char *addr, struct herr *e);
/* An address field's value (From, To, ...): as mail_header checks it. */
int	 mail_check_mailboxes(const char *value, struct herr *e);
/* The envelope of m (From, and To/Cc/Bcc each address once): 0 or -1. */
int	 mail_envelope(const struct mail *m, struct mail_env *env,
	    struct herr *e);

#endif
