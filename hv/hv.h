/*
 * hv: the only part of hangar that includes <libvirt/libvirt.h>.
 *
 * One struct hv_conn per host URI (test:///FILE, qemu:///embed?root=DIR,
 * xen+ssh://, qemu+ssh://, qemu+tls://, ...).  Every call is a synchronous
 * libvirt RPC that may take seconds or hang on a dead host: hangard calls
 * these only from the host's worker thread, never from its event loop.
 */
#ifndef HANGAR_HV_H
#define HANGAR_HV_H

#include <stdint.h>

#include "hv/domxml.h"
#include "lib/herr.h"

struct hv_conn;

struct hv_node {
	int		cpus;
	uint64_t	ram_mib;
	char		hv_type[32];	/* "QEMU", "Xen", "TEST", ... */
	char		hv_version[32];	/* "7.2.0" */
};

struct hv_dom {
	char		uuid[40];
	char		name[64];
	char		state[16];	/* running, paused, shutoff, crashed, ... */
	char		reason[16];	/* why it is in that state: shutdown,
					   destroyed, crashed, failed, unknown,
					   ioerror, ... (see hv_state_is_outage) */
};

/* Registers libvirt's event loop and runs it on a thread; call once, first. */
int		 hv_global_init(struct herr *e);
struct hv_conn	*hv_open(const char *uri, struct herr *e);
void		 hv_close(struct hv_conn *c);
/* Checks that a URI is well-formed before anything is touched. */
int		 hv_uri_check(const char *uri, struct herr *e);
/*
 * The host a URI names, without user or port ("10.0.0.2", "[fd00::2]"):
 * 1, or 0 ("" in buf) when it names none (local, unix socket).
 */
int		 hv_uri_host(const char *uri, char *buf, size_t size);
/*
 * probe.c: whether a remote URI's host answers on its port within the
 * probe timeout (hv_open asks first: libvirt has no connect timeout).
 * 0 answered, or not a TCP transport; -1 HERR_UNREACHABLE.
 */
#define HV_PROBE_DEFAULT_MS	5000
int		 hv_probe(const char *uri, struct herr *e);
/* The probe's limit for every later hv_open; 0 turns the probe off. */
void		 hv_set_probe_timeout(int ms);

int	hv_node_info(struct hv_conn *c, struct hv_node *out, struct herr *e);
/* Defines the guest from spec (XML built by domxml); nothing left on error. */
int	hv_define(struct hv_conn *c, const struct guest_spec *spec,
	    struct herr *e);
int	hv_start(struct hv_conn *c, const char *uuid, struct herr *e);
/* ACPI power button; force_after > 0: destroy if still up after that many s. */
int	hv_shutdown(struct hv_conn *c, const char *uuid, int force_after,
	    int *forced, struct herr *e);
int	hv_destroy(struct hv_conn *c, const char *uuid, struct herr *e);
int	hv_reboot(struct hv_conn *c, const char *uuid, struct herr *e);
/* Undefines; an unknown uuid is not an error (already gone). */
int	hv_undefine(struct hv_conn *c, const char *uuid, struct herr *e);
int	hv_dom_state(struct hv_conn *c, const char *uuid, struct hv_dom *out,
	    struct herr *e);
/* All domains on the host; *out is freed by the caller with free(). */
int	hv_list(struct hv_conn *c, struct hv_dom **out, size_t *n,
	    struct herr *e);

/*
 * How the running domain booted and how it will boot next ("kernel" or
 * the boot device list, e.g. "cdrom,hd"); live is "" when it is not
 * running.
 */
int	hv_dom_boot(struct hv_conn *c, const char *uuid, char *live,
	    char *next, size_t size, struct herr *e);

/*
 * Guest disks: a qcow2 volume in the host's storage pool, or a qcow2 file
 * under the root for qemu:///embed (which has no storage driver).  path
 * gets where libvirt finds it.  Deleting an unknown disk is not an error.
 */
int	hv_disk_create(struct hv_conn *c, const char *pool, const char *name,
	    uint64_t size_mib, char *path, size_t pathsize, struct herr *e);
int	hv_disk_delete(struct hv_conn *c, const char *path, struct herr *e);

/*
 * Live migration to another host (migrate.c).  A shut-off guest has its
 * definition moved.  Between test:/// hosts (the test driver cannot
 * migrate) the move is modelled: suspend, define and start there,
 * destroy and undefine here; modelled is set.
 *
 * A running guest whose disk is a volume here (disk_path), copied
 * (copy_storage) to a host with a pool (dst_pool): a volume of the same
 * name, capacity and format is made in that pool if it has none, the
 * guest is told its new path when that differs, and after the migration
 * the volume here is deleted (out->disk_path: the new path).  If the
 * migration fails, a volume made for it is deleted.  A volume the
 * destination already had at the same path on the same machine is the
 * same file: nothing is made or deleted.  A shut-off guest whose volume
 * would have to be copied is refused (HERR_STATE): only its definition
 * would move.
 */
struct hv_migrate_opts {
	int		 copy_storage;	/* local disks: copy them over NBD */
	const char	*address;	/* migration stream to tcp://ADDRESS;
					   NULL: the host of dst_uri, or, if
					   it has none, libvirt picks the
					   destination's host name */
	const char	*dest_xml;	/* the guest as the destination runs it;
					   NULL: its XML here, with its disk
					   and console log paths there */
	const char	*disk_path;	/* its disk volume here, or NULL */
	const char	*dst_pool;	/* the destination's pool, or NULL */
	int		 p2p;		/* peer to peer: this host's libvirtd
					   drives the migration, reaching the
					   destination at peer_uri */
	const char	*peer_uri;	/* p2p: the destination's libvirt URI
					   as this host reaches it, "%h" the
					   host of dst_uri; NULL: dst_uri */
	int		 tls;		/* QEMU's migration and disk streams
					   over TLS (both hosts need QEMU's
					   migration TLS credentials) */
};
struct hv_migration {
	int		 live;		/* it was running */
	int		 modelled;	/* test driver: no real migration */
	int64_t		 pause_ms;	/* guest-visible pause; -1: unknown */
	int64_t		 total_ms;
	uint64_t	 bytes;
	char		 disk_path[1024];	/* its disk there; "": as it was */
};
int	hv_migrate(struct hv_conn *c, const char *uuid, const char *dst_uri,
	    const struct hv_migrate_opts *o, struct hv_migration *out,
	    struct herr *e);
/*
 * The guest already runs on dst_uri (a migration finished before a
 * crash): as hv_migrate would have left it, the volume here (o->disk_path)
 * is deleted if the guest there runs on its own copy in the destination's
 * pool, whose path goes to out->disk_path ("": nothing to do).
 */
int	hv_migrate_settle(struct hv_conn *c, const char *uuid,
	    const char *dst_uri,
	    const struct hv_migrate_opts *o, struct hv_migration *out,
	    struct herr *e);
/*
 * A shut-off guest moved to dst_uri with its disk (volcopy.c): the volume
 * at o->disk_path is copied into o->dst_pool there through libvirt's
 * volume streams (download here, upload there, holes kept), the guest
 * defined there with its disk's new path and undefined here, and the
 * volume here deleted (out->disk_path: the new path; out->bytes: the
 * bytes sent).  A guest already defined there (a move cut short after
 * its copy) is only undefined here and settled.  Without copy_storage or
 * a pool there, only the definition moves; a disk that is not a volume
 * is refused, as is a running guest (HERR_STATE).
 */
int	hv_move_offline(struct hv_conn *c, const char *uuid,
	    const char *dst_uri, const struct hv_migrate_opts *o,
	    struct hv_migration *out, struct herr *e);
/*
 * Whether the host has the domain: 1 (out filled), 0 not there, -1 on
 * error.  Uses c, or opens uri for the call when c is NULL.
 */
int	hv_has_domain(const char *uri, struct hv_conn *c, const char *uuid,
	    struct hv_dom *out, struct herr *e);
/*
 * Serial console streams.  fn is called on libvirt's event thread with the
 * guest's bytes, and with n == 0 once when the stream ends or fails.
 */
struct hv_console;
typedef void	(*hv_console_fn)(void *arg, const char *buf, size_t n);

/* force: take the console over from another session (libvirt FORCE). */
int	hv_console_open(struct hv_conn *c, const char *uuid, int force,
	    hv_console_fn fn, void *arg, struct hv_console **out,
	    struct herr *e);
/*
 * Labs and benchmarks: the test driver has no consoles, so a test host's
 * guest NAME gets its serial console from the pty at DIR/NAME (made by
 * whoever plays the guest).  "" or NULL: off.  Call once, at start.
 */
void	hv_test_console_dir(const char *dir);
/* Sends to the guest; returns bytes taken (0: try later), -1 on error. */
long	hv_console_send(struct hv_console *hc, const char *buf, size_t n);
/* Stops the callbacks and frees hc (any thread; NULL is fine). */
void	hv_console_close(struct hv_console *hc);
/*
 * Console logs (conslog.c).  Where the guest's serial output is logged on
 * its host (libvirt <log file=... append='on'/>): under the embed root
 * for qemu:///embed?root=DIR; /var/log/hangar/console/NAME.log on a QEMU
 * host in system mode (qemu:///system, qemu+ssh://HOST/system, ...),
 * the host's libvirt dir pool "hangar-console"; DIR/NAME.log for a lab
 * console (hv_test_console_dir) on a test host, written by its program;
 * -1: this host keeps no console log (other test hosts, session
 * daemons).
 */
int	hv_console_log_path(const char *uri, const char *name, char *buf,
	    size_t size);
/* The host's console log pool, made and started if need be (hv_define
 * and hv_migrate do it; nothing to do on hosts without one). */
int	hv_console_pool_ensure(struct hv_conn *c, struct herr *e);
/*
 * Up to want bytes from the end of the guest's console log, read through
 * libvirt (a ranged volume download) or, on an embed host, from the
 * file.  *buf (freed by the caller; NULL when empty) gets *n bytes; no
 * log yet, or a test-driver host, is not an error; another host that
 * keeps no log is (HERR_STATE).
 */
int	hv_console_log_read(struct hv_conn *c, const char *name, size_t want,
	    char **buf, size_t *n, struct herr *e);

/*
 * Liveness and domain events (events.c).
 *
 * hv_watch arms a connection the caller has just opened:
 *
 *  - keepalive (virConnectSetKeepAlive): when the connection has been
 *    idle for `interval` seconds libvirt sends a ping, and after `count`
 *    pings without an answer it closes the connection, so a host that
 *    stops answering is noticed at most interval * (count + 1) seconds
 *    after it last spoke (hangard: 2 s and 3, so 8 s; see hangard(8)).
 *    Local drivers (test:///FILE, qemu:///embed) have no keepalive;
 *  - the close callback (virConnectRegisterCloseCallback): fn gets one
 *    HV_EV_CLOSED when the connection dies (EOF: the daemon or the ssh
 *    went away; keepalive: no answer; error).  A connection that died
 *    without libvirt calling back (a call failed first) gets its
 *    HV_EV_CLOSED from hv_close.  A close the caller asked for on a live
 *    connection gives none;
 *  - lifecycle events of every domain on the host
 *    (virConnectDomainEventRegisterAny, VIR_DOMAIN_EVENT_ID_LIFECYCLE),
 *    as HV_EV_DOMAIN with what happened (enum hv_dom_event).
 *
 * fn runs on libvirt's event thread (or on the thread in hv_close): it
 * must only copy the event and hand it on, never call libvirt.  After
 * hv_close returns fn is not called again for that connection.
 * Reconnecting is the caller's business: a closed connection stays
 * closed (hv_alive says so); open a new one with hv_open and watch it.
 * A connect to a host that drops packets can take the system's TCP
 * connect timeout: give the transport a timeout in the URI (for ssh,
 * ?command=... or ConnectTimeout in ssh_config) where that matters.
 */
enum hv_ev_kind { HV_EV_CLOSED, HV_EV_DOMAIN };
enum hv_close_reason {
	HV_CLOSE_ERROR,		/* misc I/O error */
	HV_CLOSE_EOF,		/* the other end closed the connection */
	HV_CLOSE_KEEPALIVE,	/* no answer to keepalive pings */
	HV_CLOSE_CLIENT		/* found dead when we closed it */
};
enum hv_dom_event {
	HV_DOM_OTHER,			/* defined, undefined, pm, ... */
	HV_DOM_STARTED,			/* booted, restored, migrated in */
	HV_DOM_RESUMED,
	HV_DOM_SUSPENDED,		/* paused (by someone) */
	HV_DOM_IOERROR,			/* paused on a disk I/O error */
	HV_DOM_SHUTDOWN_GUEST,		/* the guest is shutting itself down */
	HV_DOM_SHUTDOWN_HOST,		/* a signal from the host (kill) */
	HV_DOM_STOPPED_SHUTDOWN,	/* stopped after a shutdown */
	HV_DOM_STOPPED_DESTROYED,	/* destroyed on request */
	HV_DOM_STOPPED_CRASHED,
	HV_DOM_STOPPED_FAILED,		/* the hypervisor died under it */
	HV_DOM_STOPPED_MIGRATED,
	HV_DOM_STOPPED_SAVED,
	HV_DOM_STOPPED_OTHER,
	HV_DOM_CRASHED			/* crashed, kept (on_crash=preserve) */
};
struct hv_event {
	enum hv_ev_kind		kind;
	enum hv_close_reason	reason;		/* HV_EV_CLOSED */
	enum hv_dom_event	what;		/* HV_EV_DOMAIN */
	uint64_t		serial;		/* of the connection */
	int64_t			at_ms;		/* unix ms it was seen */
	char			uuid[40];
	char			name[64];
};
typedef void	(*hv_event_fn)(void *arg, const struct hv_event *ev);

struct hv_watch_opts {
	int	keepalive_interval;	/* seconds; 0: no keepalive */
	int	keepalive_count;
};

/* 0, or -1 if the lifecycle events cannot be had (e set). */
int	hv_watch(struct hv_conn *c, const struct hv_watch_opts *o,
	    hv_event_fn fn, void *arg, struct herr *e);
/* 1 while the connection is open and answering (virConnectIsAlive). */
int	hv_alive(struct hv_conn *c);
/* Each hv_open gets a number, increasing: events name theirs. */
uint64_t	hv_serial(const struct hv_conn *c);
/* Whether keepalive is on (the driver supports it). */
int	hv_keepalive_on(const struct hv_conn *c);

/*
 * Pure classification (events.c).  A stop or state is an outage when
 * the guest did not ask for it and nobody asked for it through
 * libvirt: crashed, failed (its hypervisor process died), stopped after
 * a signal from the host (HV_DOM_STOPPED_SHUTDOWN that followed an
 * HV_DOM_SHUTDOWN_HOST: after_host_shutdown), paused on an I/O error;
 * shut off for an unknown reason (a host that rebooted under it).  A
 * shutdown, destroy, migration or save is not.
 */
int		 hv_dom_event_is_outage(enum hv_dom_event what,
		    int after_host_shutdown);
const char	*hv_dom_event_name(enum hv_dom_event what);
const char	*hv_close_reason_name(enum hv_close_reason r);
int		 hv_state_is_outage(const char *state, const char *reason);

#endif
