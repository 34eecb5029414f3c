/*
 * mdstat: parser for /proc/mdstat (md-mod's seq_file output).
 * Pure: text in, arrays out.  Member flags (F)(S)(W)(J)(R) are all kept;
 * "[6/2] [____UU]" gives raid_disks and working; a resync/recovery/reshape/
 * check line gives the action, progress (per mille), finish and speed.
 */
#ifndef HANGAR_HEALTH_MDSTAT_H
#define HANGAR_HEALTH_MDSTAT_H

#include <stddef.h>

#include "lib/herr.h"

#define MD_NAMELEN	32
#define MD_MAXMEMBERS	64

enum {
	MDM_FAULTY	= 1 << 0,	/* (F) */
	MDM_SPARE	= 1 << 1,	/* (S) */
	MDM_WRITEMOSTLY	= 1 << 2,	/* (W) */
	MDM_JOURNAL	= 1 << 3,	/* (J) */
	MDM_REPLACEMENT	= 1 << 4	/* (R) */
};

enum md_sync {
	MD_SYNC_NONE = 0,
	MD_SYNC_RESYNC,
	MD_SYNC_RECOVERY,
	MD_SYNC_RESHAPE,
	MD_SYNC_CHECK,
	MD_SYNC_REPAIR,
	MD_SYNC_PENDING		/* resync=PENDING / DELAYED */
};

struct md_member {
	char		dev[MD_NAMELEN];
	int		slot;
	unsigned int	flags;
};

struct md_array {
	char		 name[MD_NAMELEN];
	int		 active;	/* 0: inactive */
	int		 readonly;	/* (read-only) or (auto-read-only) */
	char		 level[16];	/* "raid6"; "" when unknown */
	int		 raid_disks;	/* from [n/m], -1 if absent */
	int		 working;
	char		 status[MD_MAXMEMBERS + 1];	/* "UU_U" */
	struct md_member m[MD_MAXMEMBERS];
	size_t		 nm;
	enum md_sync	 sync;
	int		 permille;	/* progress, -1 unknown */
	double		 finish_min;	/* -1 unknown */
	long		 speed_kps;	/* K/sec, -1 unknown */
};

struct mdstat {
	struct md_array	*a;
	size_t		 n;
};

int	 mdstat_parse(const char *text, size_t len, struct mdstat *out,
	    struct herr *e);
void	 mdstat_release(struct mdstat *s);
const struct md_array *mdstat_find(const struct mdstat *s, const char *name);
const char	*md_sync_name(enum md_sync s);
/* Failed members: (F) ones, plus slots shown '_' without a member. */
int	 md_array_failed(const struct md_array *a);

#endif
