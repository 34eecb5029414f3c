/*
 * events: a host connection's liveness and its domains' lifecycle, from
 * libvirt itself (see hv_watch in hv.h).
 *
 * The callbacks run on libvirt's event thread.  They share one small
 * struct hv_watch: its mutex is held while the owner's fn runs, so once
 * hv_unwatch has turned it off no fn call is running or will run.  The
 * struct is freed by whoever drops the last reference: the connection
 * holds one, and each registration libvirt keeps holds one (released by
 * libvirt's free callback when it forgets the registration).
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

struct hv_watch {
	pthread_mutex_t	 mu;
	hv_event_fn	 fn;
	void		*arg;
	uint64_t	 serial;
	int		 refs;
	int		 off;		/* hv_unwatch ran: no more fn calls */
	int		 closed;	/* fn had its HV_EV_CLOSED */
	int		 lifecycle;	/* callback id, -1: none */
	int		 close_cb;	/* the close callback is ours */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
watch_unref(struct hv_watch *w)
{
	int left;

	pthread_mutex_lock(&w->mu);
	left = --w->refs;
	pthread_mutex_unlock(&w->mu);
	if (left == 0) {
		pthread_mutex_destroy(&w->mu);
		free(w);
	}
}

static void
free_cb(void *opaque)
{
	watch_unref(opaque);
}

/* Hands ev to the owner, unless turned off; one HV_EV_CLOSED only. */
static void
emit(struct hv_watch *w, struct hv_event *ev)
{
	ev->serial = w->serial;
	pthread_mutex_lock(&w->mu);
	if (!w->off && !(ev->kind == HV_EV_CLOSED && w->closed)) {
		if (ev->kind == HV_EV_CLOSED)
			w->closed = 1;
		w->fn(w->arg, ev);
	}
	pthread_mutex_unlock(&w->mu);
}

static void
close_cb(virConnectPtr conn, int reason, void *opaque)
{
	struct hv_event ev;

	(void)conn;
	memset(&ev, 0, sizeof(ev));
	ev.kind = HV_EV_CLOSED;
	switch (reason) {
	case VIR_CONNECT_CLOSE_REASON_EOF:
		ev.reason = HV_CLOSE_EOF;
		break;
	case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
		ev.reason = HV_CLOSE_KEEPALIVE;
		break;
	case VIR_CONNECT_CLOSE_REASON_CLIENT:
		ev.reason = HV_CLOSE_CLIENT;
		break;
	default:
		ev.reason = HV_CLOSE_ERROR;
		break;
	}
	ev.at_ms = now_ms();
	emit(opaque, &ev);
}

static enum hv_dom_event
dom_event(int event, int detail)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
		return HV_DOM_STARTED;
	case VIR_DOMAIN_EVENT_RESUMED:
		return HV_DOM_RESUMED;
	case VIR_DOMAIN_EVENT_SUSPENDED:
		return detail == VIR_DOMAIN_EVENT_SUSPENDED_IOERROR ?
		    HV_DOM_IOERROR : HV_DOM_SUSPENDED;
	case VIR_DOMAIN_EVENT_SHUTDOWN:
		return detail == VIR_DOMAIN_EVENT_SHUTDOWN_HOST ?
		    HV_DOM_SHUTDOWN_HOST : HV_DOM_SHUTDOWN_GUEST;
	case VIR_DOMAIN_EVENT_CRASHED:
		return HV_DOM_CRASHED;
	case VIR_DOMAIN_EVENT_STOPPED:
		switch (detail) {
		case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
			return HV_DOM_STOPPED_SHUTDOWN;
		case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
			return HV_DOM_STOPPED_DESTROYED;
		case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
			return HV_DOM_STOPPED_CRASHED;
		case VIR_DOMAIN_EVENT_STOPPED_MIGRATED:
			return HV_DOM_STOPPED_MIGRATED;
		case VIR_DOMAIN_EVENT_STOPPED_SAVED:
			return HV_DOM_STOPPED_SAVED;
		case VIR_DOMAIN_EVENT_STOPPED_FAILED:
			return HV_DOM_STOPPED_FAILED;
		default:
			return HV_DOM_STOPPED_OTHER;
		}
	default:
		return HV_DOM_OTHER;
	}
}

static int
lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail,
    void *opaque)
{
	struct hv_event ev;
	const char *name;

	(void)conn;
	memset(&ev, 0, sizeof(ev));
	ev.kind = HV_EV_DOMAIN;
	ev.what = dom_event(event, detail);
	if (ev.what == HV_DOM_OTHER)
		return 0;
	ev.at_ms = now_ms();
	/* both are kept in the domain object: no call to the host */
	if (virDomainGetUUIDString(dom, ev.uuid) < 0) {
		virResetLastError();
		return 0;
	}
	if ((name = virDomainGetName(dom)) != NULL)
		str_copy(ev.name, name, sizeof(ev.name));
	emit(opaque, &ev);
	return 0;
}

static int
is_local(const char *uri)
{
	return strncmp(uri, "test:///", 8) == 0 ||
	    strncmp(uri, "qemu:///embed", 13) == 0;
}

int
hv_watch(struct hv_conn *c, const struct hv_watch_opts *o, hv_event_fn fn,
    void *arg, struct herr *e)
{
	struct hv_watch *w;
	int id;

	if (c->w != NULL)
		return 0;
	w = xcalloc(1, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	w->fn = fn;
	w->arg = arg;
	w->serial = c->serial;
	w->refs = 1;		/* the connection's */
	w->lifecycle = -1;
	if (o->keepalive_interval > 0 && !is_local(c->uri)) {
		/* 1: the other end does not know keepalive */
		c->keepalive = virConnectSetKeepAlive(c->conn,
		    o->keepalive_interval, (unsigned int)o->keepalive_count) ==
		    0;
		if (!c->keepalive)
			log_warnx("%s: no keepalive: a host that stops "
			    "answering is noticed only by a failed call", c->uri);
		virResetLastError();
	}
	/*
	 * Only the remote driver has a close callback: for the others
	 * libvirt takes the registration and never calls it, nor its free
	 * callback.  A local connection cannot lose its host anyway.
	 */
	if (!is_local(c->uri)) {
		w->refs++;
		if (virConnectRegisterCloseCallback(c->conn, close_cb, w,
		    free_cb) == 0)
			w->close_cb = 1;
		else {
			w->refs--;
			virResetLastError();
		}
	}
	w->refs++;
	id = virConnectDomainEventRegisterAny(c->conn, NULL,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	    VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), w, free_cb);
	if (id < 0) {
		w->refs--;
		lv_err(e, "domain events");
	} else
		w->lifecycle = id;
	c->w = w;
	return id < 0 ? -1 : 0;
}

void
hv_unwatch(struct hv_conn *c)
{
	struct hv_watch *w = c->w;
	struct hv_event ev;

	if (w == NULL)
		return;
	/* died under a call before libvirt told us: tell the owner now */
	if (w->close_cb && virConnectIsAlive(c->conn) == 0) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = HV_EV_CLOSED;
		ev.reason = HV_CLOSE_CLIENT;
		ev.at_ms = now_ms();
		emit(w, &ev);
	}
	pthread_mutex_lock(&w->mu);
	w->off = 1;
	pthread_mutex_unlock(&w->mu);
	if (w->lifecycle >= 0 &&
	    virConnectDomainEventDeregisterAny(c->conn, w->lifecycle) < 0)
		virResetLastError();	/* a dead connection: forgotten anyway */
	if (w->close_cb &&
	    virConnectUnregisterCloseCallback(c->conn, close_cb) < 0)
		virResetLastError();
	virResetLastError();
	c->w = NULL;
	watch_unref(w);
}

int
hv_alive(struct hv_conn *c)
{
	int r = virConnectIsAlive(c->conn);

	if (r < 0)
		virResetLastError();
	return r == 1;
}

uint64_t
hv_serial(const struct hv_conn *c)
{
	return c->serial;
}

int
hv_keepalive_on(const struct hv_conn *c)
{
	return c->keepalive;
}

/* ---- pure classification ---- */

int
hv_dom_event_is_outage(enum hv_dom_event what, int after_host_shutdown)
{
	switch (what) {
	case HV_DOM_STOPPED_CRASHED:
	case HV_DOM_STOPPED_FAILED:
	case HV_DOM_CRASHED:
	case HV_DOM_IOERROR:
		return 1;
	case HV_DOM_STOPPED_SHUTDOWN:
		/*
		 * QEMU killed with SIGTERM on the host ends this way too,
		 * after a SHUTDOWN_HOST; libvirt's own destroy also sends
		 * SIGTERM first, but ends in STOPPED_DESTROYED
		 */
		return after_host_shutdown;
	default:
		return 0;
	}
}

const char *
hv_dom_event_name(enum hv_dom_event what)
{
	static const char *names[] = {
		[HV_DOM_OTHER] = "other",
		[HV_DOM_STARTED] = "started",
		[HV_DOM_RESUMED] = "resumed",
		[HV_DOM_SUSPENDED] = "suspended",
		[HV_DOM_IOERROR] = "paused on an I/O error",
		[HV_DOM_SHUTDOWN_GUEST] = "shutting down",
		[HV_DOM_SHUTDOWN_HOST] = "killed by a signal on its host",
		[HV_DOM_STOPPED_SHUTDOWN] = "shut down",
		[HV_DOM_STOPPED_DESTROYED] = "destroyed",
		[HV_DOM_STOPPED_CRASHED] = "crashed",
		[HV_DOM_STOPPED_FAILED] = "failed (its hypervisor process "
		    "died)",
		[HV_DOM_STOPPED_MIGRATED] = "migrated away",
		[HV_DOM_STOPPED_SAVED] = "saved",
		[HV_DOM_STOPPED_OTHER] = "stopped",
		[HV_DOM_CRASHED] = "crashed",
	};

	if ((unsigned)what >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[what];
}

const char *
hv_close_reason_name(enum hv_close_reason r)
{
	switch (r) {
	case HV_CLOSE_EOF:
		return "connection closed by the host";
	case HV_CLOSE_KEEPALIVE:
		return "no answer to keepalive";
	case HV_CLOSE_CLIENT:
		return "connection found dead";
	default:
		return "connection error";
	}
}

int
hv_state_is_outage(const char *state, const char *reason)
{
	if (strcmp(state, "crashed") == 0)
		return 1;
	if (strcmp(state, "shutoff") == 0)
		return strcmp(reason, "crashed") == 0 ||
		    strcmp(reason, "failed") == 0 ||
		    strcmp(reason, "unknown") == 0 ||
		    strcmp(reason, "daemon") == 0;
	if (strcmp(state, "paused") == 0)
		return strcmp(reason, "ioerror") == 0 ||
		    strcmp(reason, "crashed") == 0 ||
		    strcmp(reason, "watchdog") == 0;
	return 0;
}

const char *
hv_reason_name(int st, int reason)
{
	switch (st) {
	case VIR_DOMAIN_SHUTOFF:
		switch (reason) {
		case VIR_DOMAIN_SHUTOFF_SHUTDOWN: return "shutdown";
		case VIR_DOMAIN_SHUTOFF_DESTROYED: return "destroyed";
		case VIR_DOMAIN_SHUTOFF_CRASHED: return "crashed";
		case VIR_DOMAIN_SHUTOFF_MIGRATED: return "migrated";
		case VIR_DOMAIN_SHUTOFF_SAVED: return "saved";
		case VIR_DOMAIN_SHUTOFF_FAILED: return "failed";
		case VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT: return "from-snapshot";
		case VIR_DOMAIN_SHUTOFF_DAEMON: return "daemon";
		default: return "unknown";
		}
	case VIR_DOMAIN_CRASHED:
		return reason == VIR_DOMAIN_CRASHED_PANICKED ? "panicked" :
		    "unknown";
	case VIR_DOMAIN_PAUSED:
		switch (reason) {
		case VIR_DOMAIN_PAUSED_USER: return "user";
		case VIR_DOMAIN_PAUSED_MIGRATION: return "migration";
		case VIR_DOMAIN_PAUSED_SAVE: return "save";
		case VIR_DOMAIN_PAUSED_IOERROR: return "ioerror";
		case VIR_DOMAIN_PAUSED_WATCHDOG: return "watchdog";
		case VIR_DOMAIN_PAUSED_CRASHED: return "crashed";
		case VIR_DOMAIN_PAUSED_STARTING_UP: return "starting-up";
		default: return "other";
		}
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		return reason == VIR_DOMAIN_RUNNING_BOOTED ? "booted" :
		    reason == VIR_DOMAIN_RUNNING_MIGRATED ? "migrated" :
		    reason == VIR_DOMAIN_RUNNING_RESTORED ? "restored" :
		    reason == VIR_DOMAIN_RUNNING_UNPAUSED ? "unpaused" : "other";
	default:
		return "unknown";
	}
}
