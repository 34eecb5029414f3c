/*
 * recover: which members of a failed md array are safe to
 * force-assemble, from their superblocks (`mdadm --examine --export`)
 * and from what md said when they left (pure: nothing here runs mdadm,
 * and hangar-health never runs the command it advises).
 *
 * A member whose superblock was updated together with the newest one
 * (within the correlation window) left with the others, in the fault
 * that failed the array: its data is as current as theirs and mdadm
 * --assemble --force can take it.  A member updated long before, or
 * one md failed in an incident of its own before this one (a disk that
 * failed alone while the array ran on without it), holds old data: it
 * must be left out and added back afterwards, to be rebuilt.  A member whose
 * superblock cannot be read now (behind the faulted controller) but
 * that md failed together with the others is listed to check once the
 * controller is fixed.
 */
#ifndef HANGAR_HEALTH_RECOVER_H
#define HANGAR_HEALTH_RECOVER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"
#include "health/mdstat.h"

struct md_examine {
	char			uuid[48];	/* MD_UUID (the array's) */
	char			dev_uuid[48];	/* MD_DEV_UUID */
	char			level[16];	/* MD_LEVEL */
	char			name[64];	/* MD_NAME */
	int			devices;	/* MD_DEVICES, -1 */
	unsigned long long	events;		/* MD_EVENTS */
	long long		utime;		/* MD_UPDATE_TIME, epoch s */
};

/* Parses `mdadm --examine --export DEV` output: KEY=VALUE lines;
 * MD_UUID, MD_EVENTS and MD_UPDATE_TIME are required. */
int	 md_examine_parse(const char *text, size_t len, struct md_examine *out,
	    struct herr *e);

enum rm_verdict {
	RM_SAFE,	/* superblock read: updated with the newest */
	RM_CHECK,	/* left with the others; superblock unreadable now */
	RM_STALE,	/* left long before the others: old data */
	RM_FOREIGN,	/* its superblock names another array */
	RM_UNKNOWN	/* no superblock and no record of it */
};

struct rmember {
	char		name[32];	/* sda3, dm-1 */
	char		dev[80];	/* /dev/sda3, /dev/mapper/crypt-sdb4 */
	char		disk[64];	/* its physical disk: serial, else name */
	int		slot;		/* role in the array, -1 unknown */
	int		working;	/* still an active member */
	int		failed;		/* md failed it */
	uint64_t	failed_usec;	/* when (kernel clock), 0 unknown */
	char		apart[64];	/* it failed on its own before, in
					 * this incident: its data is old */
	int		sb;		/* 1 read, -1 unreadable, 0 not read */
	struct md_examine ex;
	/* filled by recovery_plan */
	enum rm_verdict	verdict;
	char		why[200];
};

struct recovery {
	char		array[MD_NAMELEN];
	char		level[16];
	int		raid_disks;
	struct rmember	m[MD_MAXMEMBERS];
	size_t		nm;
	/* filled by recovery_plan */
	int		need;		/* members needed to run */
	size_t		nsafe, ncheck;
	int		possible;	/* nsafe + ncheck >= need */
	char		stop[64];	/* mdadm --stop /dev/md0 */
	char		command[1024];	/* mdadm --assemble --force ... */
	char		readd[640];	/* adding the stale ones back */
};

/* Judges every member and writes the commands (window: how far apart
 * superblock updates of one fault may be). */
void	 recovery_plan(struct recovery *r, uint64_t window_us);
const char	*rm_verdict_name(enum rm_verdict v);
/* Members an array of this level needs to run (raid6: n - 2). */
int	 md_level_need(const char *level, int raid_disks);

#endif
