/*
 * replay: the health pipeline over recorded inputs (see hangar-health(8),
 * REPLAY DIRECTORY): sysfs/, kmsg, mdstat/USEC, md/USEC/mdN/,
 * smart/SERIAL.USEC.json, baseline.  Inputs are ordered by their
 * microsecond stamps, so the output is deterministic.
 */
#ifndef HANGAR_HEALTH_REPLAY_H
#define HANGAR_HEALTH_REPLAY_H

#include <stdio.h>

#include "lib/herr.h"
#include "health/alert.h"
#include "health/corr.h"

/* Notices go to out as JSON lines; mails to outbox and report lines
 * (host "replay", seq from 1) to reports, each may be NULL. */
int	 replay_run(const char *dir, const char *outbox, FILE *reports,
	    const struct alert_cfg *acfg, struct corr_cfg *ccfg, FILE *out,
	    struct herr *e);
/* Reads a baseline file ("MATCH MIN-FIRMWARE" lines) into cfg. */
int	 baseline_load(const char *path, struct corr_cfg *cfg, struct herr *e);

#endif
