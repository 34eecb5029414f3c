/*
 * corr: correlation of health events into incidents (pure; time is the
 * kernel's microseconds since boot, given with every input).
 *
 * One alert per incident, not one per event:
 *   - several disks dropping within the window behind one controller (or a
 *     controller logging faults) make one controller incident;
 *   - one disk failing alone makes a disk incident;
 *   - arrays are tracked: degraded, failed (too few members to run),
 *     rebuilding (progress, ETA), whole again (the incident resolves);
 *   - warnings: controller firmware below the baseline, a rising
 *     ioc_reset_count, growing SMART counters, md bad blocks and write
 *     errors, medium errors, Xen WARN lines.
 * A notice goes out once an incident has been quiet for the settle time;
 * later changes make follow-ups, at most one per followup interval unless
 * the incident got worse or resolved.
 */
#ifndef HANGAR_HEALTH_CORR_H
#define HANGAR_HEALTH_CORR_H

#include <stddef.h>
#include <stdint.h>

#include "health/kmsg.h"
#include "health/mdstat.h"
#include "health/mdsysfs.h"
#include "health/smart.h"
#include "health/topo.h"

#define INC_MAXDISKS	64
#define INC_MAXARRAYS	16
#define INC_MAXEVENTS	24
#define CORR_MAXBASE	32

enum inc_kind { INC_DISK, INC_CONTROLLER, INC_ARRAY, INC_WARNING };
enum inc_sev { SEV_WARNING, SEV_CRITICAL };
enum notice { NOTICE_OPEN, NOTICE_UPDATE, NOTICE_RESOLVED };
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
	char		id_prefix[32];	/* "inc" */
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
};

struct inc_disk {
	char		name[32];
	char		serial[64];
	char		path[96];
	char		array[MD_NAMELEN];
	uint64_t	usec;
};

struct incident {
	char		id[48];
	enum inc_kind	kind;
	enum inc_sev	sev;
	char		subject[96];	/* dedupe key */
	char		title[160];	/* warning: what it is about */
	int		ctrl;		/* topo index, -1 */
	char		ctrl_name[48];	/* when not in topo (an IOC name) */
	struct inc_disk	 disks[INC_MAXDISKS];
	size_t		ndisks;
	char		arrays[INC_MAXARRAYS][MD_NAMELEN];
	size_t		narrays;
	char		events[INC_MAXEVENTS][KEV_TEXTLEN + 24];
	size_t		nevents, nevents_total;
	uint64_t	first_usec, last_usec;
	int		resolved;
	/* notification state */
	int		announced, dirty, worse;
	uint64_t	changed_usec, notice_usec;
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
/* Sends what is due at usec; UINT64_MAX flushes everything. */
void	 corr_tick(struct corr *c, uint64_t usec);
/* The next time corr_tick has something to do (UINT64_MAX: nothing). */
uint64_t corr_next_due(const struct corr *c);

const struct topo	*corr_topo(const struct corr *c);
/* A new topology (disks came or went): disks and controllers are
 * matched again by name and PCI address; incidents keep their text. */
void	 corr_update_topo(struct corr *c, const struct topo *t);
/* For metrics: whether disk name is failed, its md bad-block ranges. */
void	 corr_disk_state(const struct corr *c, const char *name, int *failed,
	    unsigned int *bb_ranges);
size_t	 corr_narrays(const struct corr *c);
const struct arr	*corr_array_at(const struct corr *c, size_t i);
const struct arr	*corr_array(const struct corr *c, const char *name);
size_t	 corr_open_count(const struct corr *c, enum inc_sev sev);
/* Incidents still held: corr_tick frees those that are over (resolved
 * and sent, or warnings quiet for a week), except when flushing. */
const struct incident	*corr_incident(const struct corr *c, size_t i);
size_t	 corr_count(const struct corr *c);
const char	*inc_kind_name(enum inc_kind k);
const char	*inc_sev_name(enum inc_sev s);
const char	*arr_state_name(enum arr_state s);
/* Compares dotted versions ("05.00.00.00" < "16.00.01.00"): <0, 0, >0. */
int	 fw_compare(const char *a, const char *b);

#endif
