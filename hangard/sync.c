/*
 * sync: makes the store agree with the hosts.  Each host's domains are
 * listed on its worker; the loop then refreshes every guest's state and
 * finishes a create or delete that a crash interrupted.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "hangard/incident.h"
#include "lib/log.h"

static void
sync_run(struct job *j)
{
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);

	if (conn == NULL)
		j->rc = -1;
	else {
		j->serial = hv_serial(conn);
		j->rc = hv_list(conn, &j->doms, &j->ndoms, &j->err);
	}
}

static const struct hv_dom *
find_dom(const struct job *j, const char *uuid)
{
	size_t i;

	for (i = 0; i < j->ndoms; i++)
		if (strcmp(j->doms[i].uuid, uuid) == 0)
			return &j->doms[i];
	return NULL;
}

/*
 * Makes the store agree with the host: states are refreshed; a guest left
 * 'defining' or 'deleting' by a crash is finished one way or the other.
 */
static void
sync_done(struct daemon *d, struct job *j)
{
	struct guest_rec *gs;
	const struct hv_dom *dom;
	size_t n, i;
	int64_t now = (int64_t)time(NULL);

	j->hw->syncing = 0;
	live_sync_done(d, j);	/* liveness and incidents first */
	if (j->rc == -1) {
		log_warnx("host sync: %s", j->err.msg);
		return;
	}
	if (store_guest_list(d->st, NULL, j->hw->name, &gs, &n, NULL) == -1)
		return;
	for (i = 0; i < n; i++) {
		if (busy_has(d, gs[i].id))
			continue;	/* its own job will tell */
		dom = find_dom(j, gs[i].uuid);
		if (dom != NULL) {
			if (strcmp(gs[i].status, "defined") != 0)
				store_guest_set_status(d->st, gs[i].id,
				    "defined", NULL);
			store_guest_set_state(d->st, gs[i].id, dom->state, now,
			    NULL);
		} else if (strcmp(gs[i].status, "defined") != 0)
			store_guest_delete(d->st, gs[i].id, NULL);
		else
			store_guest_set_state(d->st, gs[i].id, "missing", now,
			    NULL);
	}
	free(gs);
}

static void
sync_host(struct hostw *hw)
{
	struct job *j;

	if (hw->syncing || live_is_down(hw))
		return;	/* a host that is down is reconnected by live_tick */
	hw->syncing = 1;
	j = job_new(hw, sync_run, sync_done, NULL, 0);
	j->is_sync = 1;	/* live_sync_done, not live_job_done, says up */
	job_submit(j);
}

void
sync_host_anyway(struct hostw *hw)
{
	struct job *j;

	if (hw->syncing)
		return;	/* one is out (maybe hung in a connect) */
	hw->syncing = 1;
	j = job_new(hw, sync_run, sync_done, NULL, 0);
	j->is_sync = 1;	/* live_sync_done, not live_job_done, says up */
	j->anyway = 1;
	job_submit(j);
}

/*
 * The refresh timer, once a second: a slice of the hosts, so that each is
 * read about every refresh_interval seconds and a big fleet's replies do
 * not all land on the loop at once.
 */
void
sync_some_hosts(struct daemon *d)
{
	struct hostw *hw;
	size_t n = 0, i, slice, start;

	for (hw = d->hosts; hw != NULL; hw = hw->next)
		n++;
	if (n == 0)
		return;
	slice = (n + (size_t)d->cfg.refresh_interval - 1) /
	    (size_t)d->cfg.refresh_interval;
	start = d->sync_cursor % n;
	for (i = 0, hw = d->hosts; hw != NULL; hw = hw->next, i++)
		if ((i + n - start) % n < slice)
			sync_host(hw);
	d->sync_cursor = (start + slice) % n;
}

void
sync_all_hosts(struct daemon *d)
{
	struct host_rec *hs;
	struct hostw *hw;
	size_t n, i;

	if (store_host_list(d->st, &hs, &n, NULL) == -1)
		return;
	for (i = 0; i < n; i++) {
		hw = hostw_get(d, &hs[i]);
		sync_host(hw);
	}
	free(hs);
}


/* After a patch: the version the host answers with now, into the store. */
void
host_version_seen(struct daemon *d, const char *host,
    const struct hv_node *node)
{
	struct host_rec h;

	if (store_host_get(d->st, host, &h, NULL) == -1)
		return;
	if (strcmp(h.hv_version, node->hv_version) != 0)
		log_info("host %s: %s %s -> %s", host, node->hv_type,
		    h.hv_version, node->hv_version);
	store_host_set_hv(d->st, h.id, node->hv_type, node->hv_version, NULL);
}
