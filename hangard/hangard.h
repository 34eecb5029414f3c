/*
 * hangard: the control daemon.  One event loop (poll + epoll) owns the
 * socket, the clients and the store; libvirt calls run on one worker
 * thread per host and hand their results back to the loop through a pipe.
 */
#ifndef HANGAR_HANGARD_H
#define HANGAR_HANGARD_H

#include <sys/types.h>

#include <time.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>

#include "hv/hv.h"
#include "lib/herr.h"
#include "rpc/proto.h"
#include "store/store.h"

struct config {
	char	state_dir[1024];	/* hangar.db lives here */
	char	socket[108];		/* default STATE/hangard.sock */
	char	admin_group[64];	/* members are operators */
	char	keys_dir[1024];		/* customers' authorized_keys files */
	char	images_dir[1024];	/* the installer catalog's files */
	char	feed_dir[1024];		/* status feed: feed.atom, index.html */
	char	feed_title[128];
	char	feed_base_url[256];
	char	feed_author[64];
	char	outbox_dir[1024];	/* customer notices, until sent */
	char	mail_from[256];
	char	smtp_url[256];		/* "": sendmail(8) */
	char	sendmail[256];
	char	patch_hook[1024];	/* maint run: patches+reboots a host;
					   "": wait for maint host-done */
	char	migration_address[256];	/* "": libvirt picks the host name */
	int	migrate_copy_storage;	/* local disks: copy during migration */
	int	migration_p2p;		/* the source's libvirtd drives it */
	char	migration_peer_uri[256];	/* p2p: the destination as a
					   host reaches it ("%h"); "": its URI */
	int	migration_tls;		/* QEMU's streams over TLS */
	int	host_up_timeout;	/* seconds for a patched host to answer */
	int	shutdown_timeout;	/* ACPI shutdown, then force off */
	char	irc_server[256];	/* "host:port"; "": no IRC */
	char	irc_channel[64];
	char	irc_nick[32];
	char	test_console_dir[1024];	/* test hosts' consoles: ptys here */
	int	vcpu_ratio;		/* vCPUs per host CPU thread */
	int	refresh_interval;	/* seconds between host state syncs */
	int	worker_idle;		/* seconds before an idle worker exits */
	/* clients (hangard(8), LIMITS) */
	int	max_clients;		/* 0: from the descriptor limit */
	int	max_clients_per_uid;	/* operators are not counted */
	int	hello_timeout;		/* seconds to say hello */
	int	idle_timeout;		/* seconds a customer may say nothing */
	int	write_timeout;		/* seconds replies may go unread */
	int	max_client_output;	/* MiB of unread replies per client */
	int	max_output;		/* MiB of unread replies in all */
	/* incidents (incident*.c) */
	int	keepalive_interval;	/* libvirt keepalive: seconds idle */
	int	keepalive_count;	/* unanswered pings before closing */
	int	reconnect_max;		/* seconds between tries, at most */
	int	connect_timeout;	/* ms a remote host has to answer a
					   connect (hv_probe); 0: no limit */
	int	incident_post_after;	/* seconds before the feed and mails */
	char	ingest_user[33];	/* hangar-health reports as this user */
	char	ingest_command[1024];	/* hangar-ingest, for the keys file */
	int	test_migrate_us_per_gib; /* test-driver hosts: a modelled
					   migration takes this long per GiB
					   of RAM and disk (benchmarks) */
};

int	config_defaults(struct config *cfg);
/* Reads "key = value" lines; every error names the file and line. */
int	config_load(struct config *cfg, const char *path, struct herr *e);
int	config_finish(struct config *cfg, struct herr *e);

enum role { ROLE_NONE, ROLE_OPERATOR, ROLE_CUSTOMER, ROLE_INGEST };

struct console_sess;

struct client {
	int		 fd;
	uint64_t	 serial;	/* never reused; jobs refer to it */
	uid_t		 uid;
	pid_t		 pid;
	enum role	 role;		/* from SO_PEERCRED at accept */
	int		 hello;		/* hello done */
	int		 prehello;	/* requests before it */
	char		 customer[STORE_NAME_MAX];
	char		 ingest_host[STORE_NAME_MAX];	/* ROLE_INGEST: fixed by
						   its first report */
	char		*in;
	size_t		 inlen, incap;
	int		 discard;	/* skipping an oversized line */
	char		*out;
	size_t		 outoff, outlen, outcap;	/* sent up to outoff */
	int		 close_after;	/* close once out is flushed */
	struct console_sess *relay;	/* raw console bytes, not requests */
	uint32_t	 ep;		/* the events epoll watches for it */
	int		 watched;	/* fd is in the epoll set */
	struct daemon	*d;
	time_t		 since;		/* accepted */
	time_t		 active;	/* last request or reply */
	time_t		 out_since;	/* replies waiting, sent nothing since */
	int		 unanswered;	/* requests without their reply yet */
	int		 held;		/* lines wait: replies not read (yet) */
	int		 dropped;	/* its replies were thrown away */
	struct client	*next;
};

/* One attached serial console (at most one per guest). */
struct console_sess {
	int64_t			 guest_id;
	char			 guest[STORE_NAME_MAX];
	uint64_t		 client;	/* 0 until attached */
	char			 holder[96];	/* who, for a second attacher */
	time_t			 since;
	struct hv_console	*hc;
	int			 pipe[2];	/* guest bytes: libvirt -> loop */
	int			 taken;		/* a forced attach is under way */
	int			 held;		/* its client is behind: not read */
	uint64_t		 serial;	/* names it in epoll events */
	int			 watched;	/* pipe[0] is in the epoll set */
	uint32_t		 ep;
	struct console_sess	*next;
};

struct job;
struct daemon;
struct mrun;
struct irc;
struct spool;
typedef void	(*job_run_fn)(struct job *);		/* worker thread */
typedef void	(*job_done_fn)(struct daemon *, struct job *);	/* loop */

struct hostw;

struct job {
	struct daemon	*d;
	struct hostw	*hw;		/* NULL for a spawned job */
	struct hv_conn	*conn;		/* spawned probe: the new connection */
	job_run_fn	 run;
	job_done_fn	 done;
	uint64_t	 client;	/* client serial, 0: none */
	int64_t		 req_id;
	int		 rc;
	struct herr	 err;
	/* inputs and outputs, by kind of job */
	struct guest_rec g;
	struct host_rec	 h;
	int		 force_after, forced, force;
	int		 start;		/* guest.create --start */
	enum role	 role;		/* the caller's, for the reply */
	int		 tcg;
	struct hv_node	 node;
	struct hv_dom	 dom;
	struct hv_dom	*doms;		/* owned */
	struct console_sess *sess;	/* console.attach: given to done */
	void		*ext;		/* a job kind's own data (done frees) */
	size_t		 ndoms;
	int		 anyway;	/* run even if the host is down */
	uint64_t	 serial;	/* the connection the job used */
	uint64_t	 lost_before;	/* the host's worker's lost, queued */
	int		 is_sync;	/* a host sync (sync.c) */
	int		 conn_lost;	/* the job found its host's own
					   connection dead (worker sets) */
	struct job	*next;
};

/* A host's worker: one thread at a time, created on demand. */
struct hostw {
	int64_t		 host_id;
	char		 name[STORE_NAME_MAX];
	char		 uri[STORE_URI_MAX];
	struct hv_conn	*conn;		/* used only by the worker thread */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct job	*head, *tail;
	int		 running;
	int		 syncing;	/* a sync job is queued (loop only) */
	int		 quit;		/* shutting down: exit when idle */
	/* jobs that found the host unreachable (worker, under mu) */
	uint64_t	 lost;
	char		 lost_msg[160];
	/* liveness (incident_live.c; loop only) */
	int		 live;		/* LIVE_UNKNOWN, LIVE_UP, LIVE_DOWN */
	int64_t		 lost_ms;	/* DOWN: when it stopped answering */
	int64_t		 next_try_ms;	/* DOWN: the next reconnect */
	int		 tries;		/* failed reconnects in a row */
	int		 declared;	/* DOWN, and an incident says so */
	int64_t		 declare_ms;	/* DOWN: an incident opens then */
	uint64_t	 serial;	/* the connection seen working last */
	char		 lost_why[160];
	int64_t		 maint_lost_ms;	/* lost while a cycle patched it
					   (expected then), or 0 */
	struct daemon	*d;
	struct hostw	*next;
};

struct daemon {
	struct config	 cfg;
	struct store	*st;
	int		 lfd;
	int		 epfd;		/* clients and console sessions */
	int		 wake[2];	/* workers -> loop */
	int		 sigpipe[2];	/* signal handler -> loop */
	struct client	*clients;
	int		 nclients;
	uint64_t	 next_serial;
	struct hostw	*hosts;
	pthread_mutex_t	 done_mu;
	struct job	*done_head, *done_tail;
	int		 busy_workers;	/* guarded by done_mu */
	int		 stopping;
	struct console_sess *consoles;
	size_t		 sync_cursor;	/* where the next slice starts */
	int		 flushing;	/* an outbox send is running */
	int		 outbox_waiting;	/* messages left after it */
	struct spool	*outbox;	/* for flushing (NULL: lent to one) */
	time_t		 outbox_due;	/* when the next one is due */
	int64_t		*busy;		/* guests with a job in flight */
	size_t		 nbusy, capbusy;
	struct mrun	*runs;		/* maintenance cycles being run */
	struct irc	*irc;		/* NULL: no IRC configured */
	gid_t		 admin_gid;	/* (gid_t)-1: no such group */
	uid_t		 self_uid;
	/* admit.c: who may connect, and how many */
	struct uidcount	**uidtab;	/* clients per uid */
	int		 nops;		/* of nclients, operators */
	int		 max_clients;	/* in effect (cfg, descriptors) */
	int		 reserve_fd;	/* given up to accept at EMFILE */
	int64_t		 accept_paused;	/* ms (monotonic) until accept again */
	size_t		 out_total;	/* unread reply bytes of all clients */
	struct ratelog	*rl;		/* rate-limited warnings */
	uid_t		 ingest_uid;	/* (uid_t)-1: no ingest user */
	/* libvirt events for the loop (incident_live.c; done_mu) */
	struct hvev	*ev_head, *ev_tail;
	size_t		 nev, ev_dropped;
	struct incidents *inc;		/* incident*.c's own state */
};

/* admit.c: accepting clients (per-uid caps, out of descriptors) */
/* Raises the descriptor limit, sizes the client table (before the loop). */
void	admit_init(struct daemon *d);
void	admit_free(struct daemon *d);
/* Takes what waits on the listening socket (a bounded batch). */
void	admit_accept(struct daemon *d);
/* A client is going: its uid's count goes down. */
void	admit_release(struct daemon *d, const struct client *c);
/* ms until accepting again (0: now), after running out of descriptors. */
int	admit_paused(struct daemon *d);
int64_t	mono_ms(void);	/* CLOCK_MONOTONIC */
/* One warning a minute for each kind; the rest are counted in the next. */
enum rl_kind { RL_REFUSED, RL_NOFILE, RL_DROPPED, RL_TIMEOUT, RL_ACCEPT,
	RL__MAX };
void	log_limited(struct daemon *d, enum rl_kind kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* server.c */
int	server_listen(struct daemon *d, struct herr *e);
/* Sets c->role (and customer) from the peer's uid and gid. */
void	authorize(struct daemon *d, struct client *c, gid_t gid);
int	server_loop(struct daemon *d);
/* The client with this serial, or NULL if it has gone. */
struct client	*client_find(struct daemon *d, uint64_t serial);
/* Queues bytes for the client (dropped with it if it stops reading). */
void	client_write(struct client *c, const char *s, size_t n);
/* A reply whose result is JSON text already. */
void	client_reply_raw(struct daemon *d, uint64_t serial, int64_t id,
	    const char *json, size_t len);
void	client_reply(struct daemon *d, uint64_t serial, int64_t id,
	    int rc, json_object *result, const struct herr *e);

/* worker.c */
struct hostw	*hostw_get(struct daemon *d, const struct host_rec *h);
/* Registers a worker for a new host, adopting its open connection. */
struct hostw	*hostw_adopt(struct daemon *d, const struct host_rec *h,
		    struct hv_conn *conn);
struct job	*job_new(struct hostw *hw, job_run_fn run, job_done_fn done,
		    struct client *c, int64_t req_id);
void		 job_free(struct job *j);
void		 job_submit(struct job *j);
/* Runs j on a thread of its own (probing a host not yet registered). */
void		 job_spawn(struct daemon *d, struct job *j);
/* Runs the completions queued by workers (loop thread). */
void		 jobs_complete(struct daemon *d);
/* Opens the host's connection if needed (worker thread). */
struct hv_conn	*hostw_conn(struct hostw *hw, struct herr *e);
void		 hostw_drop_conn(struct hostw *hw);
/* At exit: drops queued jobs, waits up to 5 s for running ones, frees. */
void		 workers_shutdown(struct daemon *d);

/* console.c: the serial console relay */
int	console_attach(struct daemon *d, struct client *c, struct proto_req *r,
	    struct herr *e);
int	console_log(struct daemon *d, struct client *c, struct proto_req *r,
	    json_object **res, struct herr *e);
/* Relays a client's bytes to the guest; -1 when the session is over. */
int	console_input(struct daemon *d, struct client *c);
/* Moves guest bytes to the client; -1 when the session is over. */
int	console_output(struct daemon *d, struct console_sess *s);
void	console_end(struct daemon *d, struct console_sess *s, const char *why);
/* Looks a guest up as the caller may (methods.c). */
int	guest_lookup(struct daemon *d, struct client *c, const char *name,
	    struct guest_rec *g, struct herr *e);

/* backup.c: store.backup, a copy of the store while running */
int	store_backup_start(struct daemon *d, struct client *c,
	    struct proto_req *r, struct herr *e);

/* catalog.c: installer images and booting guests from them */
int	image_add(struct daemon *d, struct client *c, struct proto_req *r,
	    struct herr *e);
int	image_remove(struct daemon *d, const char *name, struct herr *e);
json_object	*image_json(const struct image_row *m, enum role role);
int	guest_boot_image(struct daemon *d, struct client *c,
	    struct proto_req *r, int rescue, struct herr *e);
int	guest_boot_show(struct daemon *d, struct client *c,
	    struct proto_req *r, struct herr *e);
/* methods.c: a guest's full spec (disk, console log) for its host */
void	guest_spec_full(struct job *j, struct guest_spec *spec, char *logpath,
	    size_t logsize);

/* maint.c: maintenance cycles */
int	maint_plan(struct daemon *d, struct proto_req *r, json_object **res,
	    struct herr *e);
int	maint_show(struct daemon *d, struct proto_req *r, json_object **res,
	    struct herr *e);
int	maint_notify(struct daemon *d, struct proto_req *r, json_object **res,
	    struct herr *e);
void	outbox_flush(struct daemon *d);
void	outbox_free(struct daemon *d);	/* at exit */
/* Scheduled downtime of internal systems, posted to the feed and IRC. */
int	maint_service(struct daemon *d, struct proto_req *r,
	    json_object **res, struct herr *e);
int	maint_services(struct daemon *d, json_object **res, struct herr *e);
json_object	*maint_for_guest(struct daemon *d, const char *guest);
void	maint_cache_free(void);	/* at exit */
/*
 * Records a customer's choice for the VPS: live-migrate | reboot, and/or
 * another window (1-based; 0: its host's), where it reboots with a host
 * patched then, live-migrated there first.
 */
int	maint_choose(struct daemon *d, const struct guest_rec *g,
	    const char *action, int64_t window, struct herr *e);

/* A plan as replies show it: windows counted from 1 (stored from 0). */
void	plan_reply_windows(json_object *plan);
/* maint.c's parsers, shared with consolidate.c: -1 on error */
int64_t	maint_parse_utc(const char *s);		/* 2017-04-27T06:00Z */
int64_t	maint_parse_duration(const char *s);	/* 4h, 90m, 3600s */

/* consolidate.c: planning the retirement of hosts */
struct retire_plan;
/*
 * The fleet's consolidation off the hosts the selectors name (a host
 * name, a tag such as stor:hdd, or a glob; comma-separated) onto hosts
 * of disk kind to ("ssd", "hdd", or NULL/"" for any); refuses, naming
 * it, a guest that fits nowhere.
 */
struct retire_plan	*retire_plan_new(struct daemon *d, const char *retire,
			    const char *to, struct herr *e);
void	retire_plan_free(struct retire_plan *rp);
/* Whether the plan retires the host. */
int	retire_host(const struct retire_plan *rp, const char *host);
/*
 * Adds the retire window (index win) to a plan's "windows", its guests
 * to "guests" and the moves as "retire"; returns its estimate (s).
 */
int64_t	retire_plan_json(const struct retire_plan *rp, json_object *plan,
	    int win, int64_t start, int64_t window);
/* consolidate.plan: a cycle of kind consolidate. */
int	consolidate_plan(struct daemon *d, struct proto_req *r,
	    json_object **res, struct herr *e);
/* Sets the request's "cycle" to the newest of kind when 0; checks it. */
int	cycle_pick(struct daemon *d, struct proto_req *r, const char *kind,
	    struct herr *e);
int	guest_set_migration(struct daemon *d, struct proto_req *r,
	    json_object **res, struct herr *e);
/* The methods consolidate.plan|show|notify|run|report, guest.set_migration */
extern const struct proto_param cons_plan_params[];
extern const struct proto_param cons_migration_params[];
int	cons_m_plan(struct daemon *, struct client *, struct proto_req *,
	    json_object **, struct herr *);
int	cons_m_show(struct daemon *, struct client *, struct proto_req *,
	    json_object **, struct herr *);
int	cons_m_notify(struct daemon *, struct client *, struct proto_req *,
	    json_object **, struct herr *);
int	cons_m_run(struct daemon *, struct client *, struct proto_req *,
	    json_object **, struct herr *);
int	cons_m_report(struct daemon *, struct client *, struct proto_req *,
	    json_object **, struct herr *);
int	cons_m_migration(struct daemon *, struct client *, struct proto_req *,
	    json_object **, struct herr *);

/* run.c: running a maintenance cycle, as a journaled job */
/* Returns 1 when the answer comes later (--wait). */
int	maint_run(struct daemon *d, struct client *c, struct proto_req *r,
	    json_object **res, struct herr *e);
int	maint_host_done(struct daemon *d, struct proto_req *r,
	    json_object **res, struct herr *e);
int	maint_report(struct daemon *d, struct proto_req *r, json_object **res,
	    struct herr *e);
/* At start-up, after the store is open: cycles that were running go on. */
void	runs_resume(struct daemon *d);
void	runs_free(struct daemon *d);
/* A stored plan's entry for guest in its "guests" list gsl, or NULL. */
json_object	*plan_json_guest(json_object *gsl, const char *name);

/* tell.c: the IRC channel */
int	tell_start(struct daemon *d, struct herr *e);
void	tell_stop(struct daemon *d);
/* Queues a line for the channel (nothing if IRC is not configured). */
void	tell_irc(struct daemon *d, const char *text);

/* sync.c: the hypervisor version a host answered with after a patch */
void	host_version_seen(struct daemon *d, const char *host,
	    const struct hv_node *node);

/* announce.c: advisories and the status feed's posts */
int	post_auto(struct daemon *d, const char *kind, const char *title,
	    const char *body, int64_t parent, const int *downtime,
	    struct herr *e);
/*
 * The same with a picture: timeline (borrowed; NULL for none) as
 * notify/timeline_json.h reads it, e.g. from feed_timeline_to_json():
 * bands and lanes of intervals, drawn beside the post's figures.
 */
int	post_auto_timeline(struct daemon *d, const char *kind,
	    const char *title, const char *body, int64_t parent,
	    const int *downtime, json_object *timeline, struct herr *e);

/* timeline.c: a cycle's timeline from its journal (NULL: nothing yet) */
json_object	*maint_timeline(const struct step_rec *steps, size_t n,
		    int64_t cycle, const char *advisories);
int	advisory_add(struct daemon *d, struct proto_req *r, json_object **res,
	    struct herr *e);
int	advisory_list(struct daemon *d, json_object **res, struct herr *e);
int	advisory_impact(struct daemon *d, struct proto_req *r,
	    json_object **res, struct herr *e);
int	post_add(struct daemon *d, struct proto_req *r, json_object **res,
	    struct herr *e);
int	post_list(struct daemon *d, json_object **res, struct herr *e);
int	post_publish(struct daemon *d, json_object **res, struct herr *e);

/* customer.c: a customer's notice settings (email, time zone) */
/* The address in the mail builder's grammar, a zone that exists. */
int	customer_check_notice(const char *email, const char *tz,
	    struct herr *e);
/* customer.set: changes them; *cu is the customer afterwards. */
int	customer_set(struct daemon *d, struct proto_req *r,
	    struct customer_rec *cu, struct herr *e);

/* accounts.c: customers' unix accounts and authorized_keys files */
int	account_create(const char *user, const char *customer, uid_t *uid,
	    struct herr *e);
void	account_remove(const char *user);
int	keys_write(struct daemon *d, const struct customer_rec *c,
	    struct herr *e);

/* busy.c: guests with a job in flight are left alone by host syncs */
void	busy_add(struct daemon *d, int64_t guest_id);
void	busy_del(struct daemon *d, int64_t guest_id);
int	busy_has(const struct daemon *d, int64_t guest_id);

/* incident*.c: unplanned outages; see incident.h */
struct hvev;
struct incidents;

/* methods.c */
void	methods_dispatch(struct daemon *d, struct client *c, const char *line,
	    size_t len);
/* Queues a state sync of every host (start-up and the refresh timer). */
void	sync_all_hosts(struct daemon *d);
/* A slice of them, from the once-a-second timer. */
void	sync_some_hosts(struct daemon *d);
/* A sync of one host even while it is down: a reconnect (incidents). */
void	sync_host_anyway(struct hostw *hw);

#endif
