/*
 * mdsysfs: /sys/block/mdN/md/ -- what md knows but /proc/mdstat does not
 * show: array_state ("broken"), degraded, sync_action, and per member
 * dev-N/state (faulty, write_error, want_replacement, blocked ...),
 * errors and bad_blocks.  The string parsers are pure; md_sysfs_read reads
 * a directory (live /sys or a replay copy).
 */
#ifndef HANGAR_HEALTH_MDSYSFS_H
#define HANGAR_HEALTH_MDSYSFS_H

#include <stddef.h>

#include "lib/herr.h"
#include "health/mdstat.h"

enum {
	MDS_FAULTY		= 1 << 0,
	MDS_IN_SYNC		= 1 << 1,
	MDS_WRITE_ERROR		= 1 << 2,
	MDS_WANT_REPLACEMENT	= 1 << 3,
	MDS_BLOCKED		= 1 << 4,
	MDS_SPARE		= 1 << 5,
	MDS_WRITEMOSTLY		= 1 << 6,
	MDS_REPLACEMENT		= 1 << 7,
	MDS_JOURNAL		= 1 << 8,
	MDS_UNKNOWN		= 1 << 15	/* a word we do not know */
};

struct md_dev {
	char			dev[MD_NAMELEN];	/* "sdc" of dev-sdc */
	unsigned int		state;
	int			slot;		/* -1: none */
	long long		errors;
	unsigned int		bb_ranges;	/* bad_blocks entries */
	unsigned long long	bb_sectors;
};

struct md_sysfs {
	char		 name[MD_NAMELEN];
	char		 level[16];
	char		 array_state[24];	/* clean, active, broken ... */
	char		 sync_action[16];	/* idle, resync, recover ... */
	int		 degraded;
	int		 raid_disks;
	int		 sync_permille;		/* from sync_completed, -1 */
	struct md_dev	 d[MD_MAXMEMBERS];
	size_t		 nd;
};

/* "in_sync,write_error,want_replacement" into MDS_* flags. */
unsigned int	 md_dev_state_parse(const char *s);
/* bad_blocks: lines "SECTOR LENGTH"; -1 on a malformed line. */
int	 md_bad_blocks_parse(const char *s, unsigned int *ranges,
	    unsigned long long *sectors);
/* sync_completed: "13184 / 63488" or "none" into per mille (-1). */
int	 md_sync_completed_parse(const char *s);
/* Reads DIR (the md/ directory of array name) into out. */
int	 md_sysfs_read(const char *dir, const char *name, struct md_sysfs *out,
	    struct herr *e);
const struct md_dev *md_sysfs_dev(const struct md_sysfs *s, const char *dev);
/* 1 when array_state says the array cannot run (broken/inactive/clear). */
int	 md_sysfs_is_failed(const struct md_sysfs *s);

#endif
