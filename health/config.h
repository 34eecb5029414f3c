/*
 * config: hangar-health.conf, "keyword value" lines (see hangar-health(8)).
 */
#ifndef HANGAR_HEALTH_CONFIG_H
#define HANGAR_HEALTH_CONFIG_H

#include <limits.h>

#include "lib/herr.h"
#include "notify/send.h"
#include "health/alert.h"
#include "health/corr.h"

#ifndef HEALTH_CONF
#define HEALTH_CONF	"/etc/hangar/health.conf"
#endif

struct health_cfg {
	struct alert_cfg alert;
	struct corr_cfg	 corr;
	struct send_cfg	 send;
	char		 sendmail[PATH_MAX];
	char		 smtp_url[256];
	char		 smtp_from[128];
	char		 rcpt[SEND_MAXRCPT][128];
	char		 spool[PATH_MAX];
	char		 textfile[PATH_MAX];
	char		 baseline[PATH_MAX];
	char		 smartctl[PATH_MAX];
	char		 mdadm[PATH_MAX];	/* "" when not to be run */
	char		 sysfs[PATH_MAX];
	char		 mdstat[PATH_MAX];
	char		 kmsg[PATH_MAX];
	char		 mountinfo[PATH_MAX];
	char		 state[PATH_MAX];	/* reports/ lives here */
	/* reports to the control node (issue 14): "" = none */
	char		 host_name[64];		/* hangar's name of this host */
	char		 report_to[256];	/* ssh destination */
	char		 report_key[PATH_MAX];
	char		 report_known_hosts[PATH_MAX];
	char		 ssh[PATH_MAX];
	char		 xl[PATH_MAX];		/* "" unless a Xen dom0 */
	int		 md_interval;		/* seconds */
	int		 smart_interval;
	int		 xen_interval;
	int		 send_timeout;
	int		 retry_min, retry_max;	/* spool backoff, seconds */
};

void	 health_cfg_default(struct health_cfg *cfg);
/* A missing file is an error only when required (named with -f). */
int	 health_cfg_load(const char *path, int required,
	    struct health_cfg *cfg, struct herr *e);
/* Checks what -n checks: a mail can be built, paths exist. */
int	 health_cfg_check(const struct health_cfg *cfg, struct herr *e);
/* The reports part of it (the daemon refuses to start without). */
int	 health_cfg_check_reports(const struct health_cfg *cfg,
	    struct herr *e);

#endif
