/*
 * store: hangar's state in SQLite (WAL, foreign keys on), with a schema
 * version and forward migrations.  hangard is the only writer.
 *
 * Records are plain structs with fixed-size strings; list functions return
 * an array the caller frees with free().
 */
#ifndef HANGAR_STORE_H
#define HANGAR_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/herr.h"

struct store;

#define STORE_NAME_MAX	64
#define STORE_URI_MAX	512
#define STORE_PATH_MAX	1024

struct plan_rec {
	int64_t		id;
	char		name[STORE_NAME_MAX];
	uint64_t	ram_mib;
	int		vcpus;
	uint64_t	disk_mib;
};

struct customer_rec {
	int64_t		id;
	char		name[STORE_NAME_MAX];
	int64_t		uid;		/* -1: no unix account mapped */
	char		email[256];
	char		tz[64];
	int		guests;		/* derived: number of guests */
	char		unix_user[33];	/* the account hangar made, or "" */
	int		keys;		/* derived: number of SSH keys */
};

struct key_rec {
	char		type[48];
	char		key[12288];	/* base64 */
	char		comment[128];
	char		fingerprint[80];
	int64_t		created;
};

struct host_rec {
	int64_t		id;
	char		name[STORE_NAME_MAX];
	char		uri[STORE_URI_MAX];
	int		cpus;
	uint64_t	ram_mib;
	uint64_t	disk_mib;
	char		disk_kind[8];	/* hdd | ssd */
	char		state[16];	/* active | maintenance | draining | retired */
	char		accel[8];	/* kvm | tcg: domain type for KVM guests */
	char		hv_type[32];	/* as read from libvirt */
	char		hv_version[32];
	char		pool[64];	/* libvirt storage pool for disks, or "" */
	/* derived from the guests placed on it */
	int		guests;
	uint64_t	used_ram_mib;
	uint64_t	used_disk_mib;
	int		used_vcpus;
};

struct guest_rec {
	int64_t		id;
	char		name[STORE_NAME_MAX];
	char		uuid[40];
	char		kind[8];	/* kvm | xen-pv | xen-hvm */
	char		status[16];	/* defining | defined | deleting */
	char		state[16];	/* last state read from libvirt */
	int64_t		state_since;	/* unix time of the last state change */
	char		customer[STORE_NAME_MAX];
	char		plan[STORE_NAME_MAX];
	char		host[STORE_NAME_MAX];
	uint64_t	ram_mib;
	int		vcpus;
	uint64_t	disk_mib;
	char		kernel[STORE_PATH_MAX];
	char		initrd[STORE_PATH_MAX];
	char		cmdline[512];
	int64_t		created;
	char		disk_path[STORE_PATH_MAX];	/* on the host, or "" */
};

/* An installer in the catalog (filled from images/images.h's record). */
struct image_row {
	char	name[64];
	char	os[32];
	char	version[64];
	char	kind[8];		/* iso | kernel */
	char	boot[8];		/* cdrom | kernel */
	char	dir[STORE_PATH_MAX];
	char	iso[STORE_PATH_MAX];
	char	kernel[STORE_PATH_MAX];
	char	initrd[STORE_PATH_MAX];
	char	sha256[200];		/* of each file, as verified */
	char	serial[256];		/* the serial-console adaptation */
	char	verified[256];
	char	cmdline_hvm[64];
	char	cmdline_pv[64];
	int	rescue;			/* offered as the rescue system */
};

struct advisory_rec {
	char	id[32];			/* "XSA-213" */
	char	title[200];
	char	affects[520];		/* see maint/advisory.h */
	char	action[16];		/* reboot | live-patch | none */
	char	cves[200];
	int64_t	public_time;		/* when it was made public; 0 */
};

struct post_rec {
	int64_t	 id;
	char	 kind[32];
	char	 title[256];
	char	 author[64];
	char	*body;			/* owned by the list */
	int64_t	 published;
	int64_t	 parent;		/* 0: none */
	int	 downtime[3];		/* average, longest, shortest minutes;
					   -1: none */
};

/* Opens (creating if needed) and migrates the store; NULL on error. */
struct store	*store_open(const char *path, struct herr *e);
/*
 * A consistent copy of the store at path db (its own read-only
 * connection, while the daemon writes) into dest, an empty file the
 * caller has just made and opened as fd.  Closes fd; removes dest if
 * the copy fails.  *size: its bytes.  store/backup.c.
 */
int		 store_backup(const char *db, const char *dest, int fd,
		    off_t *size, struct herr *e);
void		 store_close(struct store *st);
int		 store_schema_version(struct store *st);
/* The newest schema version this build knows. */
int		 store_schema_latest(void);

int	store_begin(struct store *st, struct herr *e);	/* BEGIN IMMEDIATE */
int	store_commit(struct store *st, struct herr *e);
void	store_rollback(struct store *st);

int	store_plan_get(struct store *st, const char *name, struct plan_rec *out,
	    struct herr *e);
int	store_plan_list(struct store *st, struct plan_rec **out, size_t *n,
	    struct herr *e);

int	store_customer_add(struct store *st, struct customer_rec *c,
	    struct herr *e);
int	store_customer_get(struct store *st, const char *name,
	    struct customer_rec *out, struct herr *e);
int	store_customer_by_uid(struct store *st, int64_t uid,
	    struct customer_rec *out, struct herr *e);
/* Changes a customer's email and/or time zone (NULL: kept) (customer.c). */
int	store_customer_set(struct store *st, const char *name,
	    const char *email, const char *tz, struct herr *e);
int	store_customer_list(struct store *st, struct customer_rec **out,
	    size_t *n, struct herr *e);

int	store_host_add(struct store *st, struct host_rec *h, struct herr *e);
int	store_host_get(struct store *st, const char *name, struct host_rec *out,
	    struct herr *e);
int	store_host_list(struct store *st, struct host_rec **out, size_t *n,
	    struct herr *e);
int	store_host_set_state(struct store *st, const char *name,
	    const char *state, struct herr *e);
int	store_host_set_hv(struct store *st, int64_t id, const char *type,
	    const char *version, struct herr *e);

/*
 * Reserves capacity and inserts g with status 'defining' in one
 * transaction: fails with HERR_CAPACITY if the plan does not fit on the
 * host (RAM, disk, vCPUs over cpus * vcpu_ratio), HERR_EXISTS for a
 * duplicate name.  Fills g->id, ram/disk/vcpus from the plan.
 */
int	store_guest_reserve(struct store *st, struct guest_rec *g,
	    int vcpu_ratio, struct herr *e);
/* customer: NULL for any, else only that customer's guests (else NOTFOUND). */
int	store_guest_get(struct store *st, const char *name, const char *customer,
	    struct guest_rec *out, struct herr *e);
int	store_guest_list(struct store *st, const char *customer,
	    const char *host, struct guest_rec **out, size_t *n, struct herr *e);
/*
 * Calls fn for each guest (filters as store_guest_list, NULL for any) in
 * name order, with one record reused between calls: nothing is kept.
 * fn returns 0 to go on, -1 to stop.
 */
int	store_guest_each(struct store *st, const char *customer,
	    const char *host, int (*fn)(const struct guest_rec *, void *),
	    void *arg, struct herr *e);
int	store_guest_set_status(struct store *st, int64_t id, const char *status,
	    struct herr *e);
/* Updates state (and state_since when it changed); returns 1 if changed. */
int	store_guest_set_state(struct store *st, int64_t id, const char *state,
	    int64_t now, struct herr *e);
int	store_guest_delete(struct store *st, int64_t id, struct herr *e);

int	store_guest_set_disk(struct store *st, int64_t id, const char *path,
	    struct herr *e);
/*
 * Whether the guest may be live-migrated (1, the default) or is moved
 * only shut down (0: an operator pinned it), store/consolidate.c.
 */
int	store_guest_set_live(struct store *st, const char *name, int live,
	    struct herr *e);
/* 1, 0, or -1 with e (no such guest). */
int	store_guest_live(struct store *st, const char *name, struct herr *e);
/* The names of the guests pinned to offline moves; *out freed by caller. */
int	store_guest_offline_list(struct store *st,
	    char (**out)[STORE_NAME_MAX], size_t *n, struct herr *e);

int	store_image_add(struct store *st, const struct image_row *m,
	    struct herr *e);
int	store_image_get(struct store *st, const char *name,
	    struct image_row *out, struct herr *e);
int	store_image_list(struct store *st, struct image_row **out, size_t *n,
	    struct herr *e);
int	store_image_remove(struct store *st, const char *name, struct herr *e);

int	store_advisory_add(struct store *st, const struct advisory_rec *a,
	    struct herr *e);
int	store_advisory_get(struct store *st, const char *id,
	    struct advisory_rec *out, struct herr *e);
int	store_advisory_list(struct store *st, struct advisory_rec **out,
	    size_t *n, struct herr *e);
/* body is borrowed; fills p->id. */
int	store_post_add(struct store *st, struct post_rec *p, struct herr *e);
/* Newest first; free with store_post_list_free. */
int	store_post_list(struct store *st, struct post_rec **out, size_t *n,
	    struct herr *e);
void	store_post_list_free(struct post_rec *p, size_t n);

/* posts.c: a post's timeline (JSON, notify/timeline_json.h) */
struct post_timeline {
	int64_t	 post;
	char	*json;			/* owned by the list */
};

/* store_post_add and the timeline (NULL: none) in one transaction. */
int	store_post_add_timeline(struct store *st, struct post_rec *p,
	    const char *timeline, struct herr *e);
/* Every post that has one; free with store_post_timelines_free. */
int	store_post_timelines(struct store *st, struct post_timeline **out,
	    size_t *n, struct herr *e);
void	store_post_timelines_free(struct post_timeline *t, size_t n);

/*
 * Maintenance cycles: the plan is JSON written by hangard/maint.c (kind
 * "patch") or hangard/consolidate.c ("consolidate": hosts retired on
 * their own, outside a patch cycle).
 */
int	store_cycle_add(struct store *st, const char *kind,
	    const char *advisories, int64_t start, int64_t window_s,
	    const char *plan, int64_t *id, struct herr *e);
/* The newest cycle of that kind (store/consolidate.c). */
int	store_cycle_newest(struct store *st, const char *kind, int64_t *id,
	    struct herr *e);
int	store_cycle_get(struct store *st, int64_t id, int64_t *out_id,
	    char **plan, struct herr *e);
int	store_notice_done(struct store *st, int64_t cycle, const char *customer);
int	store_notice_add(struct store *st, int64_t cycle, const char *customer,
	    struct herr *e);

/* Running a cycle (hangard/run.c). */
struct cycle_rec {
	int64_t		id;
	char		advisories[600];
	int64_t		start;
	int64_t		window_s;
	char		run_state[16];	/* planned|running|stopped|done */
	char		run_error[256];
	int		allow_fallback;	/* failed migration: reboot instead */
	int		step_budget;	/* steps left before pausing; -1: all */
	char		kind[16];	/* patch | consolidate */
};

/* One step of the journal: what, where, and when it began and ended. */
struct step_rec {
	int64_t		cycle_id;
	int		seq;		/* order within the cycle */
	int		win;		/* window index */
	char		host[STORE_NAME_MAX];
	char		guest[STORE_NAME_MAX];	/* "" for a host step */
	char		kind[16];	/* mark, migrate-out, shutdown, patch,
					   wait-up, start, migrate-back,
					   unmark */
	char		target[STORE_NAME_MAX];	/* migrations: other host */
	char		state[12];	/* todo|doing|waiting|done|failed */
	int64_t		started_ms;	/* unix ms it first began; 0 */
	int64_t		ended_ms;
	int64_t		pause_ms;	/* migrations: guest pause; -1 */
	char		detail[256];
	int64_t		bytes;		/* moves: bytes copied */
	double		plan_start_s;	/* roll forward: planned, seconds */
	double		plan_end_s;	/* from the cycle's start; -1: none */
};

/* id 0: the newest cycle. */
int	store_cycle_info(struct store *st, int64_t id, struct cycle_rec *out,
	    struct herr *e);
int	store_cycle_list_running(struct store *st, struct cycle_rec **out,
	    size_t *n, struct herr *e);
/* Writes run_state, run_error, allow_fallback and step_budget. */
int	store_cycle_set_run(struct store *st, const struct cycle_rec *c,
	    struct herr *e);
/* The journal and the cycle's new run state, in one transaction. */
int	store_steps_add(struct store *st, const struct cycle_rec *c,
	    const struct step_rec *steps, size_t n, struct herr *e);
int	store_steps_list(struct store *st, int64_t cycle, struct step_rec **out,
	    size_t *n, struct herr *e);
/* Writes kind, state, times, pause and detail of step (cycle_id, seq). */
int	store_step_update(struct store *st, const struct step_rec *r,
	    struct herr *e);
int	store_guest_set_host(struct store *st, int64_t guest_id,
	    const char *host, struct herr *e);
/*
 * A customer's choice for a VPS in a cycle: live-migrate or reboot in
 * place; or another window (win >= 0), where it reboots with target, a
 * host patched in that window, to which it is live-migrated first.
 */
struct choice_rec {
	char	guest[STORE_NAME_MAX];
	char	action[16];	/* "" when the customer made no choice */
	int	win;		/* -1: its host's window */
	char	target[STORE_NAME_MAX];
};
int	store_choice_set(struct store *st, int64_t cycle, const char *guest,
	    const struct choice_rec *c, struct herr *e);
/* out->action is "" when the customer made no choice. */
int	store_choice_get(struct store *st, int64_t cycle, const char *guest,
	    struct choice_rec *out, struct herr *e);
/* The cycle's VPSes moved to another window; *out freed by the caller. */
int	store_choice_moves(struct store *st, int64_t cycle,
	    struct choice_rec **out, size_t *n, struct herr *e);

/* ---- roll-forward maintenance (store/roll.c) ---- */

/* Replaces the plan of a cycle that has not started (HERR_STATE if it has). */
int	store_cycle_set_plan(struct store *st, int64_t id, const char *plan,
	    struct herr *e);
/* The customer's notice of the cycle is to be sent again. */
int	store_notice_forget(struct store *st, int64_t cycle,
	    const char *customer, struct herr *e);
/* Every choice made for the cycle, by guest; *out freed by the caller. */
int	store_choice_list(struct store *st, int64_t cycle,
	    struct choice_rec **out, size_t *n, struct herr *e);

/* Scheduled downtime of internal systems (hangard/maint.c). */
struct service_rec {
	int64_t	id;
	char	services[256];	/* "website, billing, management console" */
	int64_t	start, end;
	char	note[512];
};
int	store_service_add(struct store *st, struct service_rec *w,
	    struct herr *e);
/* The windows that end after `after`, soonest first; *out freed by caller. */
int	store_service_list(struct store *st, int64_t after,
	    struct service_rec **out, size_t *n, struct herr *e);

int	store_key_add(struct store *st, const char *customer,
	    const struct key_rec *k, struct herr *e);
int	store_key_list(struct store *st, const char *customer,
	    struct key_rec **out, size_t *n, struct herr *e);
int	store_key_remove(struct store *st, const char *customer,
	    const char *fingerprint, struct herr *e);

/*
 * Sets the store's files (db, -wal, -shm, -journal) that exist to mode
 * (modes.c): the number changed, or -1.  Call it before store_open, with
 * a umask that makes a new database no more open than mode.
 */
int	store_fix_modes(const char *db, mode_t mode, struct herr *e);

#endif
