/*
 * corr: correlation of health events into incidents (pure; time is the
 * kernel's microseconds since boot, given with every input).
 *
 * One incident per physical cause, one alert per incident:
 *   - every md member (sdb3, nvme0n1p2, dm-1 ...) is resolved through
 *     sysfs (topo) to the physical disk it sits on; a disk that fails
 *     in several arrays is one disk incident naming every array and
 *     partition it carries;
 *   - several disks dropping within the window behind one controller, a
 *     controller logging faults, or disks dropping behind a controller
 *     whose incident is open make one controller incident: no disk
 *     incident and no "replace" advice for those disks, ever;
 *   - a disk incident (or a warning about a disk behind it) that opened
 *     within the window before the controller's own fault line is merged
 *     into the controller incident: a disk incident is turned into it in
 *     place (same id), and its next notice withdraws the earlier advice;
 *   - a warning about a disk that later fails becomes that disk
 *     incident's history, with its severity raised (same id);
 *   - arrays are tracked: degraded, failed (too few members to run),
 *     rebuilding (progress, ETA), whole again (the incident resolves);
 *     a failed array gets recovery advice from its members' superblocks
 *     (recover.h);
 *   - warnings: controller firmware below the baseline, a rising
 *     ioc_reset_count, growing SMART counters, md bad blocks and write
 *     errors, medium errors, Xen WARN lines.
 * Notices: the opening one once the incident has been quiet for the
 * settle time; then follow-ups only when its severity, kind or an
 * array's state changed (by this incident's own disks, or for the
 * better; a failed array whose members to force-assemble can all be
 * read again counts), or it resolved, at most one per followup interval unless it
 * got worse (severity raised, kind changed, an array failed) or
 * resolved.  Other news waits for the next notice.
 */
#ifndef HANGAR_HEALTH_CORR_H
#define HANGAR_HEALTH_CORR_H

#include <stddef.h>
#include <stdint.h>

#include "health/kmsg.h"
#include "health/mdstat.h"
#include "health/mdsysfs.h"
#include "health/recover.h"
#include "health/smart.h"
#include "health/topo.h"

#define INC_MAXDISKS	64
#define INC_MAXMEMBERS	6	/* partitions/volumes listed per disk */
#define INC_MAXARRAYS	16
#define INC_MAXEVENTS	24
#define INC_MAXMERGED	8
#define CORR_MAXBASE	32

enum inc_kind { INC_DISK, INC_CONTROLLER, INC_ARRAY, INC_WARNING };
enum inc_sev { SEV_WARNING, SEV_CRITICAL };
/* MERGED: the incident was folded into another one (no mail: the other
 * one's next notice says so); given only for incidents announced. */
enum notice { NOTICE_OPEN, NOTICE_UPDATE, NOTICE_RESOLVED, NOTICE_MERGED };
enum arr_state { ARR_UNKNOWN, ARR_CLEAN, ARR_DEGRADED, ARR_REBUILDING,
	ARR_FAILED };

struct baseline {
	char	match[64];	/* a driver or board name */
	char	min_fw[48];
};

struct corr_cfg {
	uint64_t	window_us;	/* default 120 s */
	uint64_t	settle_us;	/* default 2 s */
	uint64_t	followup_us;	/* default 300 s */
	uint64_t	examine_hold_us;	/* wait for superblocks: 3 s,
						 * 0 when nobody reads them */
	char		id_prefix[40];	/* "inc", "h3-20170308T201105Z.1a2b" */
	struct baseline	base[CORR_MAXBASE];
	size_t		nbase;
};

struct arr {
	char		name[MD_NAMELEN];
	char		level[16];
	int		raid_disks;
	int		failed;
	int		cannot_run;	/* md said so, or sysfs "broken" */
	enum md_sync	sync;
	int		permille;
	double		finish_min;
	enum arr_state	state;
	char		members[MD_MAXMEMBERS][MD_NAMELEN];
	size_t		nm;
	/* superblocks of the members: wanted since (0: not wanted) */
	uint64_t	exam_since;
	int		verified;	/* every member to force-assemble has
					 * a readable superblock */
	char		cause[64];	/* the incident that failed it */
};

/* A partition or volume of a disk, as an md member. */
struct inc_member {
	char		name[32];	/* sdb3, dm-1 */
	char		dev[80];	/* /dev/sdb3, /dev/mapper/crypt-sdh1 */
	char		array[MD_NAMELEN];
	int		failed;
};

struct inc_disk {
	char		name[32];	/* sdb (now: names move) */
	char		serial[64];	/* serial, else WWN, else name */
	char		wwn[64];
	char		model[64];
	char		path[96];
	char		slot[64];
	char		ctrl[48];	/* its controller's key */
	char		array[MD_NAMELEN];	/* the first array it is in */
	struct inc_member m[INC_MAXMEMBERS];
	size_t		nm;
	int		failed;		/* dropped out (not only named) */
	uint64_t	usec;
};

struct incident {
	char		id[64];
	enum inc_kind	kind;
	enum inc_sev	sev;
	char		subject[96];	/* dedupe key */
	char		title[200];	/* warning: what it is about */
	int		ctrl;		/* topo index, -1 */
	char		ctrl_name[48];	/* when not in topo (an IOC name) */
	struct inc_disk	 disks[INC_MAXDISKS];
	size_t		ndisks;
	char		arrays[INC_MAXARRAYS][MD_NAMELEN];
	size_t		narrays;
	char		events[INC_MAXEVENTS][KEV_TEXTLEN + 24];
	size_t		nevents, nevents_total;
	uint64_t	first_usec, last_usec;
	uint64_t	evidence_usec;	/* controller warning: last reset */
	int		resolved;
	/* earlier advice this incident withdraws (a disk incident turned
	 * into a controller one), and incidents folded into it */
	char		withdrawn[INC_MAXMERGED][400];
	size_t		nwithdrawn;
	char		merged[INC_MAXMERGED][64];
	size_t		nmerged;
	char		merged_into[64];	/* NOTICE_MERGED: where */
	/* notification state */
	int		announced, pending, urgent;
	uint64_t	quiet_usec, pending_usec, notice_usec;
	unsigned int	notices;
};

struct corr;

/* Called for every notice; inc stays valid during the call only. */
typedef void (*corr_emit_fn)(void *arg, const struct corr *c,
	    const struct incident *inc, enum notice n, uint64_t usec);

void	 corr_cfg_default(struct corr_cfg *cfg);
/* t is copied; firmware warnings are raised at once. */
struct corr	*corr_new(const struct topo *t, const struct corr_cfg *cfg,
		    corr_emit_fn fn, void *arg, uint64_t usec);
void	 corr_free(struct corr *c);
void	 corr_kevent(struct corr *c, const struct kevent *ev);
void	 corr_mdstat(struct corr *c, uint64_t usec, const struct mdstat *s);
void	 corr_mdsysfs(struct corr *c, uint64_t usec, const struct md_sysfs *s);
void	 corr_smart(struct corr *c, uint64_t usec, const struct smart *s);
/* A polled ioc_reset_count of controller index i. */
void	 corr_ioc_resets(struct corr *c, uint64_t usec, int ctrl,
	    long long count);
/* Superblocks: the next member whose superblock is wanted (a member of
 * a failed array), or NULL; and its `mdadm --examine --export` output
 * (text NULL: unreadable). */
const char	*corr_examine_next(struct corr *c);
void	 corr_examine(struct corr *c, uint64_t usec, const char *member,
	    const char *text, size_t len);
/* Sends what is due at usec; UINT64_MAX flushes everything. */
void	 corr_tick(struct corr *c, uint64_t usec);
/* The next time corr_tick has something to do (UINT64_MAX: nothing). */
uint64_t corr_next_due(const struct corr *c);

const struct topo	*corr_topo(const struct corr *c);
/* A new topology (disks came, went or changed state): disks are
 * matched again by serial, controllers by PCI address; incidents keep
 * their text; the superblocks of failed arrays are read again. */
void	 corr_update_topo(struct corr *c, const struct topo *t,
	    uint64_t usec);
/* For metrics: whether disk name is failed, its md bad-block ranges. */
void	 corr_disk_state(const struct corr *c, const char *name, int *failed,
	    unsigned int *bb_ranges);
size_t	 corr_narrays(const struct corr *c);
const struct arr	*corr_array_at(const struct corr *c, size_t i);
const struct arr	*corr_array(const struct corr *c, const char *name);
/* Recovery advice for failed array name (from its members' superblocks
 * and what md said); -1 when the array is not failed. */
int	 corr_recovery(const struct corr *c, const char *name,
	    const struct incident *inc, struct recovery *r);
/* Whether inc gives the recovery advice of array a: the incident that
 * failed it, or any controller or array incident holding it. */
int	 corr_gives_recovery(const struct incident *inc, const struct arr *a);
size_t	 corr_open_count(const struct corr *c, enum inc_sev sev);
/* Incidents still held: corr_tick frees those that are over (resolved
 * and sent, or warnings quiet for a week), except when flushing. */
const struct incident	*corr_incident(const struct corr *c, size_t i);
size_t	 corr_count(const struct corr *c);
const char	*inc_kind_name(enum inc_kind k);
const char	*inc_sev_name(enum inc_sev s);
const char	*arr_state_name(enum arr_state s);
/* The advice of an incident, as its mails give it. */
const char	*inc_advice(const struct incident *inc, char *buf, size_t size);
/* Compares dotted versions ("05.00.00.00" < "16.00.01.00"): <0, 0, >0. */
int	 fw_compare(const char *a, const char *b);

#endif
