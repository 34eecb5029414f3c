/*
 * corr_priv: the correlator's state, shared by corr.c (inputs, arrays,
 * members, disks) and corr_inc.c (incidents and their notices).
 */
#ifndef HANGAR_HEALTH_CORR_PRIV_H
#define HANGAR_HEALTH_CORR_PRIV_H

#include "health/corr.h"

/* An md member as md names it (sdb3, nvme0n1p2, dm-1): one per name. */
struct member {
	char		name[32];
	char		array[MD_NAMELEN];
	int		pd;		/* index into c->pd */
	int		slot;		/* its role in the array, -1 */
	int		failed;		/* md (or mdstat/sysfs) said so */
	int		md_counted;	/* a kernel line counted it */
	uint64_t	failed_usec;
	unsigned int	md_flags;	/* dev-N/state */
	unsigned int	bb_ranges;
	int		sb;		/* superblock: 1 read, -1 unreadable */
	uint64_t	sb_usec;	/* when it was read (0: never) */
	uint64_t	sb_asked;	/* exam_since it was handed out for */
	struct md_examine ex;
};

/* A physical disk (or a device topo cannot resolve: its own name). */
struct pdisk {
	char		id[64];		/* serial, else WWN, else name */
	char		name[32];
	int		topo;		/* index into t->d, -1 */
	int		ctrl;		/* index into t->c, -1 */
	int		failed;
	uint64_t	failed_usec;
	int		smart_seen;
	struct smart	smart;
};

struct corr {
	struct corr_cfg	  cfg;
	struct topo	 *t;
	corr_emit_fn	  fn;
	void		 *arg;
	struct incident	**inc;
	int		 *done;		/* per incident: over (sent or merged) */
	size_t		  ninc;
	unsigned int	  seq;
	struct arr	 *arrs;
	size_t		  narr;
	struct member	 *mem;
	size_t		  nmem;
	struct pdisk	 *pd;
	size_t		  npd;
	long long	  ioc_resets[TOPO_MAXCTRL];
};

/* corr.c */
struct arr	*arr_get(struct corr *, const char *);
enum arr_state	 arr_compute(const struct arr *);
struct pdisk	*pdisk_get(struct corr *, const char *);
int		 pdisk_behind(const struct corr *, const struct pdisk *, int);
const char	*ctrl_key(const struct corr *, int);
void		 member_dev(const struct corr *, const char *, char *, size_t);
int		 firmware_old(const struct corr *, size_t, char *, size_t);
int		 corr_exam_pending(const struct corr *, const struct arr *,
		    uint64_t *);

/* corr_inc.c */
struct incident	*inc_new(struct corr *, enum inc_kind, enum inc_sev,
		    const char *, uint64_t);
int		 inc_live(const struct corr *, size_t);
struct incident	*inc_by_subject(struct corr *, const char *);
void		 inc_event(struct incident *, uint64_t, const char *);
void		 inc_note(struct incident *, uint64_t, int);
int		 inc_has_array(const struct incident *, const char *);
void		 inc_add_array(struct incident *, const char *);
int		 inc_add_pdisk(struct corr *, struct incident *,
		    const struct pdisk *, uint64_t, int);
struct incident	*inc_of_pdisk(struct corr *, const struct pdisk *);
struct incident	*pdisk_drop(struct corr *, struct pdisk *, uint64_t,
		    const char *);
void		 warn_disk(struct corr *, struct pdisk *, enum inc_sev,
		    uint64_t, const char *, int);
void		 warn(struct corr *, const char *, const char *, int,
		    enum inc_sev, uint64_t, const char *);
void		 warn_ctrl(struct corr *, int, uint64_t, const char *, int);
void		 ctrl_event(struct corr *, const struct kevent *);
void		 xen_warn(struct corr *, const struct kevent *);
void		 array_changed(struct corr *, struct arr *, uint64_t,
		    const char *, const struct incident *);
const struct incident *inc_by_id(const struct corr *, const char *);

#endif
