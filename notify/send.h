/*
 * send: hands a rendered message (from mail_render) to a mail server.
 *
 * The default is the local MTA through sendmail(8) -t -oi: it queues and
 * retries on its own, which is what alerts need when the network is down.
 * SMTP through libcurl is an option (no queue: use it with notify/spool).
 * Success means the MTA or SMTP server accepted the message.  A failure's
 * code says what notify/spool does with the message: HERR_USAGE refused
 * for good (an SMTP 5xx for the recipient or the message; sendmail exit
 * status 65, 67 or 68), HERR_STATE refused for now (a 4xx for them;
 * exit status 75), HERR_UNREACHABLE the server or sendmail could not be
 * reached or failed otherwise.  Over SMTP a recipient refused among
 * others does not keep the message from the rest.
 */
#ifndef HANGAR_NOTIFY_SEND_H
#define HANGAR_NOTIFY_SEND_H

#include <stddef.h>

#include "lib/herr.h"

#define SEND_MAXRCPT	16

enum send_method {
	SEND_SENDMAIL = 0,
	SEND_SMTP
};

struct send_cfg {
	enum send_method	 method;
	const char		*sendmail;	/* default /usr/sbin/sendmail */
	const char		*smtp_url;	/* "smtp://127.0.0.1:25" */
	const char		*from;		/* SMTP envelope sender */
	const char		*rcpt[SEND_MAXRCPT];	/* SMTP envelope */
	size_t			 nrcpt;
	int			 timeout;	/* seconds; default 30 */
};

/* 1 when this build can send over SMTP (libcurl was found). */
int	send_have_smtp(void);
int	send_mail(const struct send_cfg *cfg, const char *msg, size_t len,
	    struct herr *e);
int	send_sendmail(const char *path, const char *msg, size_t len,
	    int timeout, struct herr *e);
int	send_smtp(const struct send_cfg *cfg, const char *msg, size_t len,
	    struct herr *e);

#endif
