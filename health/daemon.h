/*
 * daemon: the live loop -- /dev/kmsg followed, mdstat/md sysfs and
 * ioc_reset_count polled, smartctl run per disk, incidents turned into
 * mails that go through the spool, Prometheus textfile written.
 */
#ifndef HANGAR_HEALTH_DAEMON_H
#define HANGAR_HEALTH_DAEMON_H

#include "health/config.h"

/* Runs until SIGTERM/SIGINT; returns the exit status. */
int	daemon_run(struct health_cfg *cfg, int foreground);

#endif
