/*
 * incidents: unplanned outages, from detection to the retrospective.
 *
 *   incident_live.c	host liveness: libvirt's keepalive, close callback
 *			and lifecycle events come to the loop; a host that
 *			stops answering is reconnected with backoff and,
 *			if it does not answer within LIVE_GRACE_MS, is down
 *   incident.c		the record: opening, joining, guests' outage
 *			intervals, recovery (restarting guests), resolving
 *   incident_tell.c	telling: IRC lines, feed posts, the customers'
 *			mails through the durable outbox, exactly once
 *   incident_rpc.c	incident.*, guest.set_restart, host.key_*, guest.show's view
 *   ingest.c		hangar-health's reports (ingest.report)
 *
 * Everything here runs on the loop thread except live_event (libvirt's
 * event thread) and the jobs' run functions (host workers).
 */
#ifndef HANGAR_HANGARD_INCIDENT_H
#define HANGAR_HANGARD_INCIDENT_H

#include "hangard/hangard.h"
#include "store/incident.h"

/* The loop's own memory of incidents; the store holds the rest. */
struct spool;
struct wbatch;
struct irc_said {
	int64_t	incident;
	int	seq;
};
struct incidents {
	/* guests whose last event was SHUTDOWN_HOST (a signal on the
	   host): their STOPPED_SHUTDOWN is an outage */
	char		(*killed)[40];
	size_t		 nkilled, capkilled;
	/* timeline lines given to the IRC client, marked said in the
	   store once its queue is empty (incident_tell.c) */
	struct irc_said	*said;
	size_t		 nsaid, capsaid;
	/* notices may be due: tell_pump looks (not every loop turn) */
	int		 pump;
	/* the outbox, kept open between batches (opening it scans it) */
	struct spool	*spool;
	struct wbatch	*batch;		/* mails being written: not NULL */
	int		 unflushed;	/* spooled since the last flush */
	/* what the mails of the incident being told say happened */
	int64_t		 words_id;
	char		 words[600];
	/* TZ while mails are composed: the last customer's zone; the
	   daemon's own is put back at the end of each slice */
	char		 zone[64];
	char		*zone_was;	/* TZ before (owned); NULL: unset */
	int		 zoned;
};

#define LIVE_UNKNOWN	0	/* not connected yet (or in maintenance) */
#define LIVE_UP		1
#define LIVE_DOWN	2

/* A host that closed its connection has this long to answer again
   before it is declared down (and an incident opens). */
#define LIVE_GRACE_MS		2000
#define LIVE_BACKOFF_MIN_MS	1000
/* A host lost this soon after an incident of lost hosts opened joins
   it: one switch, one incident. */
#define INCIDENT_JOIN_MS	120000

/* incident_live.c */
/* Arms a connection a worker has just opened (worker thread). */
void	live_watch(struct hostw *hw, struct hv_conn *c);
/* The loop's share of the wake-up pipe: events queued by the watch. */
void	live_drain(struct daemon *d);
/* Once a second: reconnects due, hosts whose grace ran out. */
void	live_tick(struct daemon *d);
/* job_submit: 1 when hw is down and j was answered at once. */
int	live_refuse(struct hostw *hw, struct job *j);
/* run.c: a cycle stopped; a host lost while it patched the host, and
   not heard from since, is down now (and an incident after the grace). */
void	live_cycle_stopped(struct daemon *d);
/* jobs_complete: a job that found its host's connection dead marks the
   host down at once, as a closed connection does. */
void	live_job_done(struct daemon *d, struct job *j);
/* sync.c: a host's domains were read (rc 0) or could not be (rc -1). */
void	live_sync_done(struct daemon *d, struct job *j);
/* sync.c: whether the periodic sync should skip the host. */
int	live_is_down(const struct hostw *hw);
/* Unix ms. */
int64_t	live_now_ms(void);
/* At exit: frees the events still queued. */
void	live_free(struct daemon *d);

/* incident.c */
void	incident_init(struct daemon *d);
void	incident_free(struct daemon *d);
/* Opens (or joins) the incident of a host that stopped answering. */
void	incident_host_lost(struct daemon *d, struct hostw *hw);
/* The host answered with its domains: outages close, guests restart. */
void	incident_host_seen(struct daemon *d, struct hostw *hw,
	    const struct hv_dom *doms, size_t n);
/* A lifecycle event of a guest of hw. */
void	incident_guest_event(struct daemon *d, struct hostw *hw,
	    const struct hv_event *ev);
/* Once a second: posts due, resolutions due, IRC lines to say. */
void	incident_tick(struct daemon *d);
/* Resolves (text: the operator's words, or NULL). */
int	incident_resolve_now(struct daemon *d, int64_t id, const char *text,
	    struct herr *e);
/* Opens an incident; fills r->id.  hosts/guests are added by the caller. */
int	incident_open(struct daemon *d, struct incident_rec *r,
	    const char *irc_text, struct herr *e);
/* Adds a guest of host to incident id, down since down_ms (0: not down). */
int	incident_add_guest(struct daemon *d, int64_t id,
	    const struct guest_rec *g, const char *cause, int64_t down_ms,
	    struct herr *e);
/* HANGARD_FAILPOINT=incident:NAME kills the daemon here (tests). */
void	incident_failpoint(const char *name);

/* incident_tell.c */
/* Posts the incident (feed, notices) if it has lasted long enough. */
void	tell_due(struct daemon *d, const struct incident_rec *r);
/* Says timeline lines on IRC and posts updates, as journaled. */
void	tell_timeline(struct daemon *d, const struct incident_rec *r);
/* Marks the lines said once the IRC client has sent them all. */
void	tell_irc_sent(struct daemon *d);
/* Composes due notices (a slice of the loop's time) and hands them to
   a thread that spools them; 1 if the loop should come back at once. */
int	tell_pump(struct daemon *d);
/* At exit, after the loop: waits a little for a batch being written. */
void	tell_free(struct daemon *d);
/* At start-up, before the outbox is flushed: notices a crash left
   spooled but unrecorded are recorded, not spooled again. */
void	tell_resume(struct daemon *d);
/* The feed's post for a resolved incident's retrospective. */
int	tell_retrospective(struct daemon *d, struct incident_rec *r,
	    json_object *report, struct herr *e);
/* "2017-03-08 20:17 UTC" of unix ms. */
void	tell_utc(int64_t ms, char *buf, size_t size);
/* "1 h 04 min", "12 min", "45 s" */
void	tell_span(int64_t ms, char *buf, size_t size);

/* incident_rpc.c */
/* guest.show's "incident" member (NULL if none); customer-safe. */
json_object	*incident_for_guest(struct daemon *d, const char *guest);
/* guest.list for customers: the incident of each guest (0: none). */
struct inc_marks;
struct inc_marks *incident_marks(struct daemon *d, const char *customer);
int64_t		 incident_mark_of(const struct inc_marks *m, const char *guest);
void		 incident_marks_free(struct inc_marks *m);
/* The methods, as methods.c's table calls them, and their parameters. */
extern const struct proto_param incident_p_list[], incident_p_id[],
	    incident_p_text[], incident_p_resolve[], incident_p_report[],
	    guest_p_set[], host_p_key_set[], host_p_key[], ingest_p_report[];
int	incident_m_list(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
int	incident_m_show(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
int	incident_m_update(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
int	incident_m_resolve(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
int	incident_m_report(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
int	guest_m_set(struct daemon *d, struct client *c, struct proto_req *r,
	    json_object **res, struct herr *e);
int	host_m_key_set(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
int	host_m_key_remove(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);
/* host.show's "reachable": yes, no since when and why, not connected. */
void	live_json(struct daemon *d, int64_t host_id, json_object *o);
/* Rewrites the ingest account's authorized_keys from the store. */
int	ingest_keys_write(struct daemon *d, struct herr *e);

/* ingest.c */
int	ingest_m_report(struct daemon *d, struct client *c,
	    struct proto_req *r, json_object **res, struct herr *e);

#endif
