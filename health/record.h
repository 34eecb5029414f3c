/*
 * record: a replay directory from the live system (hangar-health record).
 */
#ifndef HANGAR_HEALTH_RECORD_H
#define HANGAR_HEALTH_RECORD_H

#include <limits.h>

#include "lib/herr.h"

struct record_cfg {
	char	dir[PATH_MAX];		/* the replay directory to write */
	char	sysfs[PATH_MAX];	/* "/sys" */
	char	mdstat[PATH_MAX];	/* "/proc/mdstat" */
	char	kmsg[PATH_MAX];		/* "/dev/kmsg" */
	char	mountinfo[PATH_MAX];	/* "/proc/self/mountinfo" */
	char	baseline[PATH_MAX];	/* copied when it exists */
	char	mdadm[PATH_MAX];	/* "" not to read superblocks */
};

int	record_run(const struct record_cfg *cfg, struct herr *e);

#endif
