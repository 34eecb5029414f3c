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
	struct roll_run	*roll;		/* a roll-forward run's order, or
					   NULL: window by window */
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
	char		src_uri[STORE_URI_MAX];	/* migrate: from here */
	int64_t		model_us;	/* test driver: a migration's time */
	char		patch_hook[1024];
	char		advisories[600];
	struct hv_migrate_opts mo;
	char		mig_addr[256];
	char		disk_path[STORE_PATH_MAX];	/* the guest's, here */
	char		dst_pool[64];	/* the destination's pool, or "" */
	char		target[STORE_NAME_MAX];	/* consolidation: new host */
	int		die_mid;	/* failpoint maint:SEQ:mid (copy) */
	int		was_running;	/* shutdown: in; start: whether to */
	int		observe;	/* shutdown: only look, for the journal */
	int		timeout;	/* wait-up, shutdown */
	int64_t		started_ms;	/* wait-up: when this try began */
	struct hv_migration mig;
	char		detail[256];
};

/* ---- run.c ---- */

int64_t	run_now_ms(void);
/*
 * HANGARD_FAILPOINT=maint:SEQ:WHERE[:CYCLE]: whether it names this point
 * of this cycle (ask on the loop's thread), and the kill (any thread).
 */
int	run_failpoint_set(int64_t cycle, int seq, const char *where);
void	run_failpoint_hit(int64_t cycle, int seq, const char *where);
/* Says it on IRC and in the log. */
void	run_say(struct daemon *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends a step (todo) to the journal being expanded. */
void	run_step_add(struct step_rec **v, size_t *n, size_t *cap,
	    int64_t cycle, int win, const char *host, const char *guest,
	    const char *kind, const char *target);
struct sjob	*sjob_new(struct daemon *d, struct mrun *r, struct step_rec *s);
void	sjob_fail(struct job *j, struct sjob *s);
/* A guest live-migrated to sj->dst_uri, or found there (worker). */
void	migrate_run(struct job *j);
/* The same from host uri over connection c (any thread). */
void	migrate_with(struct job *j, struct hv_conn *c, const char *uri);
/* Every step's completion (loop): the journal, the store, what next. */
void	step_done(struct daemon *d, struct job *j);
/* Journals a step and sends it to its worker (or does it on the loop). */
void	run_dispatch(struct daemon *d, struct mrun *r, struct step_rec *s);
/* Writes the step; -1 when the store refuses (logged). */
int	run_journal(struct daemon *d, struct mrun *r, struct step_rec *s);
/*
 * A run that can go no further for now (nothing in flight): stopped at a
 * failed step (why), paused after --steps, or waiting for host-done.
 */
void	run_stall(struct daemon *d, struct mrun *r, int failed,
	    const char *why, int waiting);
/* The end of a run: done, said, reported, freed. */
void	run_finished(struct daemon *d, struct mrun *r);
void	cycle_state(struct daemon *d, struct mrun *r, const char *state,
	    const char *why);

/* ---- runreport.c ---- */

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

/* ---- rollrun.c: roll-forward cycles ---- */

/* Whether a journal is a roll-forward run's (its steps have plan times). */
int	roll_journal(const struct step_rec *steps, size_t n);
/* The journal of a roll-forward plan (see rollrun.c). */
int	roll_expand(struct daemon *d, const struct cycle_rec *c,
	    json_object *plan, struct step_rec **out, size_t *n,
	    struct herr *e);
/* The order of a loaded roll-forward journal (r->roll); 0 if none. */
int	roll_load(struct daemon *d, struct mrun *r, struct herr *e);
void	roll_free(struct roll_run *rr);
/* Sends out every step whose turn has come; ends or stops the run. */
void	roll_advance(struct daemon *d, struct mrun *r);
/* A step that left flight (done or failed), or a patch host-done. */
void	roll_settled(struct mrun *r, struct step_rec *s);
/* A roll-forward migration's job, on a thread of its own. */
int	roll_migrate_job(struct daemon *d, struct step_rec *s,
	    struct sjob *sj, const struct host_rec *h,
	    const struct guest_rec *g, struct herr *e);
/*
 * maint run --allow-fallback on a failed migration: the guest reboots
 * with the host it is on, where that host has room for it at the end;
 * 0, or -1 (the step stays failed, why logged and said).
 */
int	roll_fallback(struct daemon *d, struct mrun *r, struct step_rec *s);
/* Guest rows and the figures of a roll-forward run, for run_report. */
void	roll_report(struct daemon *d, const struct mrun *r, json_object *o,
	    json_object *guests, int64_t *gd, size_t *ng);

/* ---- consrun.c: the steps that retire hosts ---- */

int	cons_kind(const char *kind);		/* move, copy, retire */
int	cons_is_move(const struct step_rec *s);	/* move, copy */
int	cons_cycle(const struct cycle_rec *c);	/* a consolidation's own */
int	cons_window(json_object *w);		/* a plan's retire window */
/* The drain steps that open the journal (window 0). */
int	cons_expand_drains(struct daemon *d, json_object *plan,
	    int64_t cycle, struct step_rec **v, size_t *n, size_t *cap,
	    struct herr *e);
/* The plan's retire window win: journal windows win and win + 1. */
int	cons_expand(struct daemon *d, json_object *plan, int64_t cycle,
	    int win, struct step_rec **v, size_t *n, size_t *cap,
	    struct herr *e);
/* The job of a move, copy or retire step, on the right worker. */
struct job	*cons_job(struct daemon *d, struct step_rec *s,
		    struct sjob *sj, const struct host_rec *h,
		    const struct guest_rec *g, struct herr *e);
/* The loop's side of those steps; -1 with the sjob's detail set. */
int	cons_step_done(struct daemon *d, struct job *j, struct step_rec *st,
	    int64_t guest_id);
/* Rows and figures of moves and retired hosts, for run_report. */
void	cons_report(struct daemon *d, const struct mrun *r, json_object *o,
	    json_object *hosts, json_object *guests, int64_t *gd, size_t *ng);
/* The post's words for the moves; also: in a patch cycle (new string). */
char	*cons_post(json_object *rep, int also);
/* "5 VPSes moved (median 12 ms, longest 40 ms), ..., retired: a, b" */
void	cons_summary(json_object *rep, char *buf, size_t size);

#endif
