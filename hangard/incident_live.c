/*
 * incident_live: is each host answering?
 *
 * Every connection a worker opens is watched (hv_watch): libvirt pings
 * the host when it is idle (keepalive_interval, keepalive_count in
 * hangard.conf) and calls back when the connection closes; the host's
 * domains' lifecycle events come the same way.  The callbacks run on
 * libvirt's event thread: they queue the event and write a byte to the
 * wake-up pipe, as the workers do with their results, and the loop
 * takes them from there (live_drain).
 *
 * A host whose connection closed is DOWN at once: jobs for it are
 * answered "host unreachable" (exit 7) without waiting on its worker,
 * the periodic sync leaves it alone, and a reconnect (a sync job that
 * runs anyway) is tried at once, then with backoff from 1 s doubling to
 * reconnect_max (30 s), and within a second of a refused job (someone
 * needs the host).  If it has not answered within LIVE_GRACE_MS (2 s) it is
 * declared down and an incident opens (or it joins one).  The first
 * sync that reads its domains again brings it UP and lets the incident
 * recover its guests.
 *
 * A host in maintenance (a cycle is patching it) that closes its
 * connection is expected to: no DOWN, no incident; the run's wait-up
 * step takes it from there.  If the cycle stops instead, with the host
 * not heard from since, the loss was no longer planned: it is DOWN
 * from when it was lost (live_cycle_stopped).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/incident.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define EV_MAX	65536	/* events queued for the loop, at most */

struct hvev {
	struct hvev	*next;
	struct hostw	*hw;
	struct hv_event	 ev;
};

int64_t
live_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* hv's callback, on libvirt's event thread: queue it, wake the loop. */
static void
on_event(void *arg, const struct hv_event *ev)
{
	struct hostw *hw = arg;
	struct daemon *d = hw->d;
	struct hvev *x;
	char b = 'e';

	pthread_mutex_lock(&d->done_mu);
	if (d->nev >= EV_MAX) {
		d->ev_dropped++;
		pthread_mutex_unlock(&d->done_mu);
		return;
	}
	x = xcalloc(1, sizeof(*x));
	x->hw = hw;
	x->ev = *ev;
	if (d->ev_tail != NULL)
		d->ev_tail->next = x;
	else
		d->ev_head = x;
	d->ev_tail = x;
	d->nev++;
	pthread_mutex_unlock(&d->done_mu);
	while (write(d->wake[1], &b, 1) == -1 && errno == EINTR)
		;
}

void
live_watch(struct hostw *hw, struct hv_conn *c)
{
	struct hv_watch_opts o;
	struct herr e;

	o.keepalive_interval = hw->d->cfg.keepalive_interval;
	o.keepalive_count = hw->d->cfg.keepalive_count;
	herr_clear(&e);
	if (hv_watch(c, &o, on_event, hw, &e) == -1)
		log_warnx("host %s: no lifecycle events: %s", hw->name, e.msg);
}

int
live_is_down(const struct hostw *hw)
{
	return hw->live == LIVE_DOWN;
}

static int
in_maintenance(struct daemon *d, const char *host)
{
	struct host_rec h;

	return store_host_get(d->st, host, &h, NULL) == 0 &&
	    strcmp(h.state, "maintenance") == 0;
}

/* The host stopped answering at at_ms: DOWN, reconnect at once. */
static void
live_lost(struct daemon *d, struct hostw *hw, int64_t at_ms, const char *why)
{
	int64_t lost;

	if (hw->live == LIVE_DOWN)
		return;
	if (in_maintenance(d, hw->name)) {
		/* kept for live_cycle_stopped: a cycle that stops here
		   leaves an outage nobody planned */
		if (hw->maint_lost_ms == 0) {
			hw->maint_lost_ms = at_ms;
			str_copy(hw->lost_why, why, sizeof(hw->lost_why));
		}
		log_info("host %s (in maintenance): %s", hw->name, why);
		return;
	}
	hw->live = LIVE_DOWN;
	hw->lost_ms = at_ms;
	hw->declare_ms = at_ms + LIVE_GRACE_MS;
	hw->tries = 0;
	hw->next_try_ms = 0;
	hw->declared = 0;
	str_copy(hw->lost_why, why, sizeof(hw->lost_why));
	/* still down in an incident from before a restart of ours */
	if (store_inc_host_is_down(d->st, hw->name, &lost)) {
		hw->lost_ms = lost;
		hw->declared = 1;
	}
	log_warnx("host %s: %s; reconnecting", hw->name, why);
}

void
live_drain(struct daemon *d)
{
	struct hvev *list, *x;
	char why[200];
	size_t dropped;

	pthread_mutex_lock(&d->done_mu);
	list = d->ev_head;
	d->ev_head = d->ev_tail = NULL;
	d->nev = 0;
	dropped = d->ev_dropped;
	d->ev_dropped = 0;
	pthread_mutex_unlock(&d->done_mu);
	if (dropped > 0)
		log_warnx("%zu libvirt events dropped (the loop fell behind); "
		    "the next host syncs will catch up", dropped);
	while ((x = list) != NULL) {
		list = x->next;
		if (x->ev.kind == HV_EV_CLOSED) {
			/* a connection replaced since is old news */
			if (x->ev.serial >= x->hw->serial) {
				snprintf(why, sizeof(why), "%s",
				    hv_close_reason_name(x->ev.reason));
				live_lost(d, x->hw, x->ev.at_ms, why);
			}
		} else
			incident_guest_event(d, x->hw, &x->ev);
		free(x);
	}
}

void
live_tick(struct daemon *d)
{
	struct hostw *hw;
	int64_t now = live_now_ms();

	for (hw = d->hosts; hw != NULL; hw = hw->next) {
		if (hw->live != LIVE_DOWN)
			continue;
		if (!hw->declared && now >= hw->declare_ms) {
			hw->declared = 1;
			incident_host_lost(d, hw);
		}
		if (now >= hw->next_try_ms)
			sync_host_anyway(hw);
	}
}

int
live_refuse(struct hostw *hw, struct job *j)
{
	char when[40];

	if (hw->live != LIVE_DOWN || j->anyway)
		return 0;
	/* someone needs the host: the next reconnect is in a second */
	if (hw->next_try_ms > live_now_ms() + LIVE_BACKOFF_MIN_MS)
		hw->next_try_ms = live_now_ms() + LIVE_BACKOFF_MIN_MS;
	tell_utc(hw->lost_ms, when, sizeof(when));
	j->rc = herr_set(&j->err, HERR_UNREACHABLE, "host %s is unreachable "
	    "since %s (%s)", hw->name, when, hw->lost_why);
	return 1;
}

void
live_cycle_stopped(struct daemon *d)
{
	struct hostw *hw;
	int64_t at;

	for (hw = d->hosts; hw != NULL; hw = hw->next) {
		if ((at = hw->maint_lost_ms) == 0 || hw->live == LIVE_DOWN)
			continue;
		hw->maint_lost_ms = 0;
		hw->live = LIVE_DOWN;
		hw->lost_ms = at;	/* the outage began then */
		/* ... but it may be back: a grace for the reconnect */
		hw->declare_ms = live_now_ms() + LIVE_GRACE_MS;
		hw->tries = 0;
		hw->next_try_ms = 0;	/* it may be back: try at once */
		hw->declared = 0;
		log_warnx("host %s: %s, and the cycle that patched it "
		    "stopped; reconnecting", hw->name, hw->lost_why);
	}
}

void
live_job_done(struct daemon *d, struct job *j)
{
	struct hostw *hw = j->hw;

	/* it answered: a loss seen during its maintenance is over, and a
	   host marked down is up (a cycle's wait-up found it first); the
	   sync that follows lets an incident recover its guests */
	if (hw != NULL && j->rc == 0) {
		hw->maint_lost_ms = 0;
		if (hw->live == LIVE_DOWN && !j->is_sync) {
			log_info("host %s answers again after %lld s", hw->name,
			    (long long)(live_now_ms() - hw->lost_ms) / 1000);
			hw->live = LIVE_UP;
			hw->tries = 0;
			sync_host_anyway(hw);
		}
	}
	/*
	 * Without this, a host whose connection a job found dead (a
	 * migration's call that failed before keepalive spoke) stayed UP
	 * until the next periodic sync failed too: the next request
	 * waited on a connect of its own, the system's TCP timeout.
	 */
	if (j->hw != NULL && j->conn_lost && j->rc == -1 &&
	    j->err.code == HERR_UNREACHABLE)
		live_lost(d, j->hw, live_now_ms(), j->err.msg);
}

void
live_sync_done(struct daemon *d, struct job *j)
{
	struct hostw *hw = j->hw;
	int64_t now = live_now_ms(), wait, max;

	if (j->rc == -1) {
		if (j->err.code != HERR_UNREACHABLE)
			return;
		if (hw->live != LIVE_DOWN) {
			live_lost(d, hw, now, j->err.msg);
			if (hw->live != LIVE_DOWN)
				return;
		}
		hw->tries++;
		max = (int64_t)d->cfg.reconnect_max * 1000;
		wait = LIVE_BACKOFF_MIN_MS;
		for (int i = 1; i < hw->tries && wait < max; i++)
			wait *= 2;
		if (wait > max)
			wait = max;
		hw->next_try_ms = now + wait;
		log_debug("host %s: reconnect %d failed (%s); next in %lld ms",
		    hw->name, hw->tries, j->err.msg, (long long)wait);
		return;
	}
	if (j->serial > hw->serial)
		hw->serial = j->serial;
	if (hw->live == LIVE_DOWN)
		log_info("host %s answers again after %lld s", hw->name,
		    (long long)(now - hw->lost_ms) / 1000);
	hw->live = LIVE_UP;
	hw->tries = 0;
	hw->declared = 0;
	incident_host_seen(d, hw, j->doms, j->ndoms);
}

void
live_free(struct daemon *d)
{
	struct hvev *x;

	/* events queued at exit (a connection hv_close found dead) */
	pthread_mutex_lock(&d->done_mu);
	while ((x = d->ev_head) != NULL) {
		d->ev_head = x->next;
		free(x);
	}
	d->ev_tail = NULL;
	d->nev = 0;
	pthread_mutex_unlock(&d->done_mu);
}
