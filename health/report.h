/*
 * report: what hangar-health tells the control node (issue 14; the
 * contract is docs of INGEST: hangar-health(8), REPORTS).  Pure:
 *   - report_line builds one report line, a JSON object of at most
 *     REPORT_MAXLINE bytes without a newline, for an incident change;
 *   - report_ack_parse reads one line the control node answers with,
 *     "ok SEQ" or "error SEQ reason";
 *   - report_scan reads a spool file's text back (the sequence numbers
 *     of its complete lines).
 */
#ifndef HANGAR_HEALTH_REPORT_H
#define HANGAR_HEALTH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/herr.h"
#include "health/corr.h"

#define REPORT_MAXLINE	65536	/* bytes, without the newline */
#define REPORT_VERSION	1

/* The report line of a notice (the caller frees), or NULL when the
 * incident is nothing the control node tracks (a Xen WARN). */
char	*report_line(const char *host, const struct corr *c,
	    const struct incident *inc, enum notice n, uint64_t seq,
	    time_t when);

struct report_ack {
	int		ok;		/* 1 "ok", 0 "error" */
	uint64_t	seq;
	char		reason[200];	/* error: sanitized */
};

/* One answer line (without its newline); -1 when it is neither. */
int	 report_ack_parse(const char *line, size_t len, struct report_ack *a,
	    struct herr *e);

/* The "seq" of a report line; -1 when it has none. */
int	 report_seq(const char *line, size_t len, uint64_t *seq);

#endif
