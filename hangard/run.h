/*
 * run.h: what the journal's files share (run.c runs a cycle's steps,
 * runreport.c accounts for them, consolidate.c adds the steps that move
 * guests off retiring hosts).  Only those include it.
 */
#ifndef HANGAR_HANGARD_RUN_H
#define HANGAR_HANGARD_RUN_H

#include "hangard/hangard.h"

/* One cycle being run: its journal, mirrored in memory. */
struct mrun {
	struct cycle_rec c;
	struct step_rec	*steps;
	char		*flight;	/* per step: a job is out for it */
	size_t		 n;
	size_t		 lo;		/* where the current window begins */
	int		 nflight;
	uint64_t	 waiter;	/* client of maint run --wait, or 0 */
	int64_t		 waiter_req;
	struct mrun	*next;
};

/* What a step's job needs and gives back (job->ext). */
struct sjob {
	int64_t		cycle;
	int		seq;
	char		kind[16];
	char		host[STORE_NAME_MAX];
	char		guest_uuid[40];
	char		dst_uri[STORE_URI_MAX];
	char		patch_hook[1024];
	char		advisories[600];
	struct hv_migrate_opts mo;
	char		mig_addr[256];
	char		disk_path[STORE_PATH_MAX];	/* the guest's, here */
	char		dst_pool[64];	/* the destination's pool, or "" */
	int		was_running;	/* shutdown: in; start: whether to */
	int		observe;	/* shutdown: only look, for the journal */
	int		timeout;	/* wait-up, shutdown */
	int64_t		started_ms;	/* wait-up: when this try began */
	struct hv_migration mig;
	char		detail[256];
};

int64_t	run_now_ms(void);
/*
 * A step of the same host's chain as s (a host's steps are contiguous
 * in the journal), with that guest ("" for a host step) and kind.
 */
const struct step_rec *step_find(const struct mrun *r,
	    const struct step_rec *s, const char *guest, const char *kind);
/* When the host's chain took it down (its patch began), for messages. */
int64_t	host_down_since(const struct mrun *r, const struct step_rec *s);
/* The report of a run's journal (r need not be live: see maint_report). */
json_object	*run_report(struct daemon *d, const struct mrun *r);
/* A report's figure k (seconds) in whole minutes, -1 when absent. */
int	run_minutes(json_object *rep, const char *k);
/* The seed's "completed" post from a report. */
int	run_publish(struct daemon *d, json_object *rep, struct herr *e);

#endif
