/*
 * smart: smartctl --json output (ATA, NVMe, SCSI) and its judgement.
 * "PASSED" alone proves nothing: raw counters and their growth between
 * runs are judged; the exit status is a bitmask; a disk in standby is
 * not a failed one.
 */
#ifndef HANGAR_HEALTH_SMART_H
#define HANGAR_HEALTH_SMART_H

#include <stddef.h>

#include "lib/herr.h"

/* smartctl(8) RETURN VALUES, bit by bit */
enum {
	SMX_CMDLINE	= 1 << 0,
	SMX_OPEN	= 1 << 1,	/* open failed, or standby with -n */
	SMX_CMDFAIL	= 1 << 2,	/* a SMART command failed */
	SMX_FAILING	= 1 << 3,	/* "DISK FAILING" */
	SMX_PREFAIL	= 1 << 4,	/* prefail attribute <= threshold */
	SMX_PAST	= 1 << 5,
	SMX_ERRLOG	= 1 << 6,
	SMX_SELFTEST	= 1 << 7
};

enum smart_proto { SMART_UNKNOWN = 0, SMART_ATA, SMART_NVME, SMART_SCSI };

struct smart {
	char		 serial[64];
	char		 wwn[40];
	char		 model[64];
	char		 firmware[32];
	char		 device[64];	/* /dev/sdc as smartctl saw it */
	enum smart_proto proto;
	int		 exit_status;
	int		 passed;	/* 1, 0, -1 unknown */
	int		 standby;
	int		 open_failed;
	char		 failing_attr[48];	/* when_failed "now" */
	/* -1: not reported */
	long long	 realloc, pending, offline_unc, crc;
	long long	 critical_warning, media_errors, percentage_used;
	long long	 spare, spare_threshold;
	long long	 grown_defects, uncorrected;
	long long	 temperature;
};

enum smart_sev { SMART_OK = 0, SMART_WARN, SMART_CRIT };

struct smart_finding {
	enum smart_sev	sev;
	char		key[24];	/* "pending", "nvme-cw" ... stable */
	char		what[160];
};

int	 smart_parse(const char *json, size_t len, struct smart *out,
	    struct herr *e);
/* Findings of cur against the previous run (prev may be NULL). */
size_t	 smart_judge(const struct smart *prev, const struct smart *cur,
	    struct smart_finding *f, size_t max);

#endif
