/*
 * plan: the consolidation and rolling-maintenance planners.
 *
 * Pure code: a cluster goes in, a plan comes out.  Nothing here reads a
 * file or prints, except plan_load_file() (plan/load.c), which only reads
 * the file and hands the bytes to plan_parse_text().
 *
 * Accounting, the same in every planner and in the checker:
 *   RAM    a guest's RAM counts on its primary host (stopped guests too:
 *          a customer may start them at any time); a host offers
 *          ram_mib minus reserved_mib.
 *   disk   a guest's disk counts on its primary and, for DRBD, again on
 *          its secondary (local disks, whatever the htools template).
 *   vCPU   a guest's vCPUs count on its primary; a host offers
 *          floor(cpus * vcpu_ratio).
 */
#ifndef HANGAR_PLAN_H
#define HANGAR_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"

enum plan_disk_kind { PLAN_DISK_UNKNOWN, PLAN_DISK_HDD, PLAN_DISK_SSD };
enum plan_host_state {
	PLAN_HOST_ACTIVE,
	PLAN_HOST_MAINTENANCE,
	PLAN_HOST_DRAINING,
	PLAN_HOST_RETIRED
};

#define PLAN_NONE	(-1)	/* no host / no customer */
#define PLAN_DEFAULT_VCPU_RATIO	4.0	/* htools' default ipolicy */

struct plan_host {
	char			*name;
	int64_t			 ram_mib;	/* for guests: total - host's own */
	int64_t			 reserved_mib;	/* RAM used by nobody we know */
	int64_t			 disk_mib;
	int32_t			 cpus;		/* physical threads */
	enum plan_disk_kind	 disk_kind;
	enum plan_host_state	 state;
	char			*tags;		/* comma-separated, may be "" */
	/* from an htools file; 0 for hosts added by hand (hangar's fleet) */
	int32_t			 group;		/* node group (plan_cluster.groups):
						   guests never leave it */
	int			 offline;	/* role Y: not rebooted, no target */
	int			 master;	/* role M (--master-last) */
	int64_t			 reserved_disk_mib; /* disk used by nobody we
						   know (t_dsk - f_dsk - guests') */
};

struct plan_guest {
	char		*name;
	int32_t		 owner;		/* index into customers, or PLAN_NONE */
	int64_t		 ram_mib;
	int64_t		 disk_mib;
	int32_t		 vcpus;
	int32_t		 host;		/* primary host index */
	int32_t		 secondary;	/* DRBD secondary, or PLAN_NONE */
	int		 live_migrate;	/* 0: moving it costs a reboot */
};

struct plan_cluster {
	struct plan_host	*hosts;
	size_t			 nhosts;
	struct plan_guest	*guests;
	size_t			 nguests;
	char			**customers;	/* owner names */
	size_t			 ncustomers;
	double			 vcpu_ratio;
	char			*names;		/* the first nnamed guests'
						   names, one block (from
						   plan_parse_text); others
						   each their own */
	size_t			 nnamed;
	size_t			 gcap;		/* guests has room for */
	int32_t			*choice;	/* per guest, PLAN_CHOICE_*
						   or a batch; NULL: none */
	size_t			 nchoice;	/* guests choice covers */
	char			**groups;	/* node group names, by index;
						   none: every host in group 0 */
	size_t			 ngroups;
	char			**warnings;	/* what the parser accepted but
						   hangar's fleet would not */
	size_t			 nwarnings;
};

/*
 * A customer's choice for one guest (hangard's maint choose), an input of
 * the maintenance planner: PLAN_CHOICE_NONE (the planner decides),
 * PLAN_CHOICE_IN_PLACE (reboot with its host, never moved), or a batch
 * index b >= 0 (go down in batch b, on a host rebooted then: with
 * PLAN_ROLL_FORWARD only, the other mode ignores it).
 */
#define PLAN_CHOICE_NONE	(-2)
#define PLAN_CHOICE_IN_PLACE	(-1)

/* Building a cluster by hand (the store, tests).  Strings are copied. */
struct plan_cluster	*plan_cluster_new(void);
void	 plan_cluster_free(struct plan_cluster *);
int	 plan_cluster_add_host(struct plan_cluster *, const char *name,
	    int64_t ram_mib, int64_t disk_mib, int32_t cpus,
	    enum plan_disk_kind, enum plan_host_state, const char *tags);
/* owner may be NULL or "" (no customer); secondary is PLAN_NONE or a host. */
int	 plan_cluster_add_guest(struct plan_cluster *, const char *name,
	    const char *owner, int64_t ram_mib, int64_t disk_mib, int32_t vcpus,
	    int32_t host, int32_t secondary, int live_migrate);
/* Sets guest's choice (above); -1 on a bad index or choice. */
int	 plan_cluster_set_choice(struct plan_cluster *, int32_t guest,
	    int32_t choice);
/* A guest's choice: PLAN_CHOICE_NONE unless one was set. */
int32_t	 plan_guest_choice(const struct plan_cluster *, int32_t guest);
/* Adds a node group; its index (hosts are in group 0 until told). */
int32_t	 plan_cluster_add_group(struct plan_cluster *, const char *name);
/* Node groups of c: at least 1 (a cluster without groups has one). */
size_t	 plan_ngroups(const struct plan_cluster *);
/* A group's name, or "default" for the one group of a cluster without. */
const char	*plan_group_name(const struct plan_cluster *, int32_t group);
/* Index of a host by name, or PLAN_NONE. */
int32_t	 plan_host_find(const struct plan_cluster *, const char *name);
int	 plan_host_has_tag(const struct plan_host *, const char *tag);
/* Capacities with the cluster's vCPU ratio. */
int64_t	 plan_host_vcpu_cap(const struct plan_cluster *,
	    const struct plan_host *);
int64_t	 plan_host_ram_cap(const struct plan_host *);
/* Disk it offers: disk_mib less reserved_disk_mib. */
int64_t	 plan_host_disk_cap(const struct plan_host *);
/* May h receive guests?  Active (not in maintenance, draining or
 * retired) and not offline. */
int	 plan_host_target(const struct plan_host *);

/*
 * Parses the Ganeti htools text format (hbal -t FILE).  fname is only used
 * in error messages, which read "FILE:LINE: field N (NAME): what".
 * Host tags stor:hdd / stor:ssd give the disk kind; tags hangar:state:X
 * (maintenance, draining, retired) the state; role D (drained) is
 * draining, role Y (offline, or resources "?") sets offline, role M
 * master; the node group its group; t_dsk - f_dsk beyond its guests'
 * disks its reserved_disk_mib.  A guest tag owner:NAME or customer:NAME
 * gives its owner.  Guests with template drbd get their secondary; live
 * migration is assumed unless the guest has tag hangar:no-migrate or
 * auto_balance N.  Two guests of one name are both kept, with a warning
 * in (*out)->warnings (hangar's own fleet names guests uniquely).
 */
int	 plan_parse_text(const char *buf, size_t len, const char *fname,
	    struct plan_cluster **out, struct herr *e);
/* Reads a whole file and parses it (the only I/O of the library). */
int	 plan_load_file(const char *path, struct plan_cluster **out,
	    struct herr *e);

/* ---- consolidation ---- */

enum plan_move_kind { PLAN_MOVE_PRIMARY, PLAN_MOVE_SECONDARY };

struct plan_move {
	int32_t			 guest;
	enum plan_move_kind	 kind;
	int32_t			 from;
	int32_t			 to;
	int			 reboot;	/* cannot live-migrate */
};

enum plan_unplaced_why {
	PLAN_WHY_NO_TARGET,	/* no eligible host at all */
	PLAN_WHY_RAM,
	PLAN_WHY_DISK,
	PLAN_WHY_VCPU,
	PLAN_WHY_COMBINED	/* each alone fits somewhere, never together */
};

struct plan_unplaced {
	int32_t			 guest;
	enum plan_move_kind	 kind;
	enum plan_unplaced_why	 why;
	int64_t			 need;	/* MiB or vCPUs of the failing resource */
	int64_t			 best;	/* the most any eligible host offers */
};

struct plan_consolidate_opts {
	const char	**retire;	/* selectors: host name, tag or glob */
	size_t		  nretire;
	enum plan_disk_kind to;		/* UNKNOWN: any kind */
	int		  max_util_pct;	/* fill targets up to this (1-100) */
	int		  pack;		/* then empty what else can be emptied */
};

struct plan_consolidation {
	struct plan_move	*moves;
	size_t			 nmoves;
	size_t			 nreboots;	/* moves with reboot set */
	struct plan_unplaced	*unplaced;
	size_t			 nunplaced;
	uint8_t			*retired;	/* per host: selected to empty */
	size_t			 nretired;
	uint8_t			*empty_after;	/* per host: no guest, no disk */
	size_t			 nempty_before;
	size_t			 nempty_after;
	size_t			 nfreed;	/* hosts that were used and are empty */
};

void	 plan_consolidate_opts_init(struct plan_consolidate_opts *);
int	 plan_consolidate(const struct plan_cluster *,
	    const struct plan_consolidate_opts *, struct plan_consolidation **,
	    struct herr *);
void	 plan_consolidation_free(struct plan_consolidation *);
/* Does host h match one of the retire selectors? */
int	 plan_selector_match(const struct plan_host *, const char **sel,
	    size_t nsel);

/*
 * Reorders moves so that every step is feasible when replayed from the
 * cluster's placement; -1 (HERR_CAPACITY) if no order of these moves is
 * found.  Exposed for the tests.
 */
int	 plan_order_moves(const struct plan_cluster *, struct plan_move *,
	    size_t nmoves, int max_util_pct, struct herr *);

/* ---- rolling maintenance ---- */

/*
 * How the guests of a host that reboots move (plan_maint_opts.roll):
 *   BACK     live-migrated to a host outside the batch and back after
 *            the reboot (two moves each); every batch starts from the
 *            same placement and waits for the one before.
 *   FORWARD  live-migrated once to a host already patched, where they
 *            stay; the roll goes on through the fleet, the next batch
 *            evacuating while this one reboots.  Guests move twice only
 *            where no patched host has room yet (the first batches of a
 *            fleet without spare room).  The plan carries a schedule:
 *            every move and every reboot with its start and end.
 */
enum plan_roll { PLAN_ROLL_BACK, PLAN_ROLL_FORWARD };

enum plan_guest_fate {
	PLAN_FATE_MIGRATE,	/* live-migrated away (BACK: and back) */
	PLAN_FATE_REBOOT	/* shut down with a host that reboots */
};

struct plan_maint_guest {
	int32_t			 guest;
	int32_t			 host;		/* home: the host it is on */
	enum plan_guest_fate	 fate;
	int32_t			 target;	/* BACK: where it waits;
						   FORWARD: where it ends;
						   PLAN_NONE when rebooted
						   where it started */
	int			 no_room;	/* REBOOT: could migrate, but
						   nothing had room */
	double			 downtime_s;
	int32_t			 end_host;	/* where it is at the end */
	int32_t			 nmoves;	/* its moves in the plan */
	int			 chosen;	/* REBOOT: the customer's choice
						   (in place or a batch) */
	int			 secondary;	/* BACK, full_evacuation: this row
						   moves the guest's DRBD
						   secondary copy off host to
						   target and back (disk only,
						   no downtime) */
};

struct plan_batch {
	int32_t		*hosts;
	size_t		 nhosts;
	size_t		 first;		/* range in plan_maintenance.guests */
	size_t		 nguests;
	double		 duration_s;	/* end_s - start_s */
	double		 start_s;	/* its first move or reboot */
	double		 end_s;		/* its last reboot ends */
};

/*
 * FORWARD: one live migration, from a host to another; the moves are
 * listed by start_s (then by planning order), which is the order a
 * runner starts them in and the checker replays them in.  A move may
 * start once the guest's previous move has ended, the target's reboot
 * has ended (unless the target reboots later: a move of the first
 * batches, the guest moves on or reboots with it), and both hosts have a
 * free link slot (plan_maint_opts.link_parallel).
 */
struct plan_maint_move {
	int32_t	guest;
	int32_t	from;
	int32_t	to;
	int32_t	batch;		/* the batch of `from`, or of `to` for a
				   move into a host for a chosen batch */
	double	start_s;	/* from the start of the cycle */
	double	end_s;
};

/* FORWARD: a host's place in the schedule (plan_maintenance.slots). */
struct plan_host_slot {
	int32_t	batch;		/* PLAN_NONE: not rebooted (retired) */
	double	evac_start_s;	/* its first move out, or reboot_start_s */
	double	reboot_start_s;	/* every move off it has ended */
	double	reboot_end_s;	/* patched: guests may come */
};

struct plan_maint_opts {
	size_t	 max_parallel;		/* 0: no limit */
	int	 max_customer_down_pct;	/* 100: no limit */
	double	 reboot_s;		/* one host reboot */
	double	 migrate_s_per_gib;	/* per GiB copied (RAM, and disk
					   unless onto the DRBD secondary),
					   one migration on a link */
	int	 max_util_pct;
	enum plan_roll roll;		/* default BACK */
	size_t	 link_parallel;		/* FORWARD: migrations at once out
					   of a host, and into one (>= 1) */
	/* which hosts reboot and which guests move (hroller's options);
	 * zero: every host but retired and offline ones, every guest that
	 * can live-migrate */
	const char **node_tags;		/* reboot only hosts with one of these
					   tags (others stay targets) */
	size_t	 nnode_tags;
	int	 skip_non_redundant;	/* hosts holding a guest without a
					   DRBD copy do not reboot */
	int	 ignore_non_redundant;	/* guests without a DRBD copy are
					   not moved: they reboot */
	int	 offline_maintenance;	/* no guest moves: all reboot */
	int	 full_evacuation;	/* BACK: a host reboots holding no
					   DRBD copy either (they move out
					   and back, disk only) */
	int	 master_last;		/* the master host (role M) reboots
					   in the last batch */
};

struct plan_maintenance {
	struct plan_batch	*batches;
	size_t			 nbatches;
	struct plan_maint_guest	*guests;	/* grouped by batch */
	size_t			 nguests;
	size_t			 nrebooted;
	size_t			 nmigrations;	/* moves, back moves included */
	size_t			 nskipped;	/* retired hosts, not rebooted */
	double			 total_s;	/* estimated wall clock */
	char			**warnings;	/* e.g. a customer limit broken */
	size_t			 nwarnings;
	/* cost against the floor (both modes) */
	enum plan_roll		 roll;
	double			 all_reboot_s;	/* every guest rebooted with its
						   host, the same batch rules */
	double			 floor_s;	/* see plan_maint_floor() */
	char			**notes;	/* what would shorten it */
	size_t			 nnotes;
	/* FORWARD only (NULL and 0 otherwise) */
	struct plan_maint_move	*moves;
	size_t			 nmoves;
	struct plan_host_slot	*slots;		/* per host of the cluster */
	size_t			 nmoved_twice;	/* guests with 2 moves or more */
	size_t			 nended_away;	/* guests ending off their home */
	int64_t			 seed_ram_mib;	/* RAM and disk of the guests */
	int64_t			 seed_disk_mib;	/* that moved twice: room on
						   spare hosts that would let
						   every guest move once */
	size_t			 ncopy_moves;	/* BACK: DRBD secondary copies
						   moved, out and back (rows
						   with secondary set) */
};

void	 plan_maint_opts_init(struct plan_maint_opts *);
int	 plan_maintenance(const struct plan_cluster *,
	    const struct plan_maint_opts *, struct plan_maintenance **,
	    struct herr *);
void	 plan_maintenance_free(struct plan_maintenance *);
/* A customer's down limit for one batch: max(1, n * pct / 100). */
size_t	 plan_customer_limit(size_t nguests, int pct);
/*
 * Seconds to live-migrate guest g to host `to`: its RAM, and its disk
 * unless `to` holds its DRBD secondary (sec: the secondary it has then).
 */
double	 plan_migrate_s(const struct plan_maint_opts *,
	    const struct plan_guest *g, int32_t to, int32_t sec);
/*
 * The floor for this fleet: every host that reboots sends its guests that
 * can live-migrate once over its own link (link_parallel at once), all
 * starting at time 0, and at most max_parallel hosts reboot at a time,
 * each after its own evacuation; room and receiving links are not
 * counted.  A lower bound for any plan of either mode.
 */
double	 plan_maint_floor(const struct plan_cluster *,
	    const struct plan_maint_opts *);
/* The all-reboot cycle's wall clock: batches of the same rules, no move. */
double	 plan_maint_all_reboot(const struct plan_cluster *,
	    const struct plan_maint_opts *);

/* ---- the independent checker (plan/check.c) ---- */

/*
 * Replays the moves from the cluster's placement and fails at the first
 * step that puts a host over RAM, disk (as free as the file says) or
 * vCPU, moves a guest from a host it is not on, targets an ineligible
 * host (not active, offline, retired) or one of another node group, or
 * leaves a retired host with a guest not reported unplaced.  The message
 * names the step.
 */
int	 plan_check_consolidation(const struct plan_cluster *,
	    const struct plan_consolidate_opts *,
	    const struct plan_consolidation *, struct herr *);
/*
 * Replays the batches: every host the cycle reboots (not retired, not
 * offline, chosen by o's node tags and skip_non_redundant) reboots
 * exactly once, no other does; batch size, DRBD pairs, customer limits
 * (unless warned), the master last (master_last), capacity of every
 * migration target (free disk as the file says), no target offline or of
 * another node group, no guest moved that o keeps in place, and the
 * guests that are down; with full_evacuation, no DRBD copy left on a
 * host that reboots (unless warned).  A FORWARD plan is
 * replayed in time (plan/check_roll.c): its moves in their order, each
 * holding RAM, disk and vCPUs on both hosts while it runs, and the
 * reboots; it fails at the first event that puts a host over capacity,
 * a link over its slots, a move onto a host that reboots before the guest
 * leaves it, a DRBD pair into one batch, a reboot under a guest that was
 * to move or before the batch before it ended; every guest must end on a
 * patched host, and every figure of the plan must be what the replay
 * gives.
 */
int	 plan_check_maintenance(const struct plan_cluster *,
	    const struct plan_maint_opts *, const struct plan_maintenance *,
	    struct herr *);

const char	*plan_disk_kind_name(enum plan_disk_kind);
const char	*plan_host_state_name(enum plan_host_state);
enum plan_host_state	plan_host_state_parse(const char *);
const char	*plan_why_text(enum plan_unplaced_why);

#endif
