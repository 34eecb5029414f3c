/*
 * alert: an incident notice as a JSON line (replay, logs) and as an
 * RFC 5322 mail through notify/mail (the only way hangar builds mail).
 */
#ifndef HANGAR_HEALTH_ALERT_H
#define HANGAR_HEALTH_ALERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/herr.h"
#include "health/corr.h"

struct alert_cfg {
	char	host[64];	/* this host's name, for subjects */
	char	from[128];
	char	to[256];
};

/* One JSON object, no newline; the caller frees. */
char	*alert_json(const struct corr *c, const struct incident *inc,
	    enum notice n, uint64_t usec);
/* The mail for a notice, rendered (CRLF); the caller frees *out. */
int	 alert_mail(const struct alert_cfg *cfg, const struct corr *c,
	    const struct incident *inc, enum notice n, uint64_t usec,
	    time_t date, char **out, size_t *len, struct herr *e);
const char	*notice_name(enum notice n);

#endif
