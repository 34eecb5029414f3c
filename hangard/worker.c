#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "hangard/incident.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

static struct hostw *
hostw_new(struct daemon *d, const struct host_rec *h)
{
	struct hostw *hw = xcalloc(1, sizeof(*hw));

	hw->host_id = h->id;
	hw->d = d;
	str_copy(hw->name, h->name, sizeof(hw->name));
	str_copy(hw->uri, h->uri, sizeof(hw->uri));
	pthread_mutex_init(&hw->mu, NULL);
	pthread_cond_init(&hw->cv, NULL);
	return hw;
}

static void
hostw_register(struct daemon *d, struct hostw *hw)
{
	hw->next = d->hosts;
	d->hosts = hw;
}

struct hostw *
hostw_adopt(struct daemon *d, const struct host_rec *h, struct hv_conn *conn)
{
	struct hostw *hw = hostw_get(d, h);

	if (hw->conn == NULL && !hw->running)
		hw->conn = conn;
	else
		hv_close(conn);
	return hw;
}

struct hostw *
hostw_get(struct daemon *d, const struct host_rec *h)
{
	struct hostw *hw;

	for (hw = d->hosts; hw != NULL; hw = hw->next)
		if (hw->host_id == h->id)
			return hw;
	hw = hostw_new(d, h);
	hostw_register(d, hw);
	return hw;
}

struct hv_conn *
hostw_conn(struct hostw *hw, struct herr *e)
{
	/* closed under us (keepalive, EOF): a new one */
	if (hw->conn != NULL && !hv_alive(hw->conn))
		hostw_drop_conn(hw);
	if (hw->conn == NULL)
		hw->conn = hv_open(hw->uri, e);
	if (hw->conn != NULL)
		live_watch(hw, hw->conn);	/* once per connection */
	return hw->conn;
}

void
hostw_drop_conn(struct hostw *hw)
{
	hv_close(hw->conn);
	hw->conn = NULL;
}

struct job *
job_new(struct hostw *hw, job_run_fn run, job_done_fn done, struct client *c,
    int64_t req_id)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->d = hw != NULL ? hw->d : NULL;
	j->hw = hw;
	j->run = run;
	j->done = done;
	j->client = c != NULL ? c->serial : 0;
	j->req_id = req_id;
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->doms);
	free(j->ext);	/* done handlers free nested data and clear it */
	hv_close(j->conn);
	free(j);
}

static void
post_done(struct daemon *d, struct job *j)
{
	char b = 'j';

	pthread_mutex_lock(&d->done_mu);
	if (d->done_tail != NULL)
		d->done_tail->next = j;
	else
		d->done_head = j;
	d->done_tail = j;
	pthread_mutex_unlock(&d->done_mu);
	while (write(d->wake[1], &b, 1) == -1 && errno == EINTR)
		;
}

/*
 * A job that was queued before another found the host unreachable is
 * answered the same way, without a connect of its own: the loop has not
 * heard yet (it refuses new jobs for a host it knows is down), and a
 * connect to a host that drops packets can take the system's TCP
 * timeout, minutes, for every job in the queue.  The loop's reconnects
 * and the run's wait for a host (j->anyway) try anyway.
 */
static int
behind_lost(struct hostw *hw, struct job *j)
{
	char msg[sizeof(hw->lost_msg)];
	int behind;

	pthread_mutex_lock(&hw->mu);
	behind = !j->anyway && j->lost_before != hw->lost;
	str_copy(msg, hw->lost_msg, sizeof(msg));
	pthread_mutex_unlock(&hw->mu);
	if (behind)
		j->rc = herr_set(&j->err, HERR_UNREACHABLE, "host %s is "
		    "unreachable (%s)", hw->name, msg);
	return behind;
}

/*
 * j found its host unreachable: the connection goes (the next job opens
 * a new one); if it is the host's own that died (not, say, a migration
 * peer's), the jobs queued meanwhile are behind_lost.
 */
static void
job_lost(struct hostw *hw, struct job *j)
{
	int dead = hw->conn == NULL || !hv_alive(hw->conn);

	hostw_drop_conn(hw);
	if (!dead)
		return;
	j->conn_lost = 1;	/* the loop marks the host down (live_job_done) */
	pthread_mutex_lock(&hw->mu);
	hw->lost++;
	str_copy(hw->lost_msg, j->err.msg, sizeof(hw->lost_msg));
	pthread_mutex_unlock(&hw->mu);
}

static void *
worker_main(void *arg)
{
	struct hostw *hw = arg;
	struct daemon *d = hw->d;
	struct timespec ts;
	struct job *j;

	pthread_mutex_lock(&hw->mu);
	for (;;) {
		while (hw->head == NULL) {
			if (hw->quit) {
				hw->running = 0;
				pthread_cond_broadcast(&hw->cv);
				pthread_mutex_unlock(&hw->mu);
				return NULL;
			}
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += d->cfg.worker_idle;
			if (pthread_cond_timedwait(&hw->cv, &hw->mu, &ts) ==
			    ETIMEDOUT && hw->head == NULL) {
				hw->running = 0;
				pthread_mutex_unlock(&hw->mu);
				return NULL;
			}
		}
		j = hw->head;
		hw->head = j->next;
		if (hw->head == NULL)
			hw->tail = NULL;
		j->next = NULL;
		pthread_mutex_unlock(&hw->mu);

		if (behind_lost(hw, j))
			;	/* answered without a connect */
		else {
			j->run(j);
			if (j->rc == -1 && j->err.code == HERR_UNREACHABLE)
				job_lost(hw, j);
		}
		post_done(d, j);

		pthread_mutex_lock(&hw->mu);
	}
}

void
job_submit(struct job *j)
{
	struct hostw *hw = j->hw;
	pthread_attr_t attr;
	pthread_t t;

	if (live_refuse(hw, j)) {
		post_done(hw->d, j);	/* answered on the loop, at once */
		return;
	}
	pthread_mutex_lock(&hw->mu);
	j->lost_before = hw->lost;
	if (hw->tail != NULL)
		hw->tail->next = j;
	else
		hw->head = j;
	hw->tail = j;
	if (!hw->running) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 512 * 1024);
		if (pthread_create(&t, &attr, worker_main, hw) != 0)
			fatalx("cannot start a worker thread");
		pthread_attr_destroy(&attr);
		hw->running = 1;
	} else
		pthread_cond_signal(&hw->cv);
	pthread_mutex_unlock(&hw->mu);
}

static void *
spawn_main(void *arg)
{
	struct job *j = arg;

	j->run(j);
	post_done(j->d, j);
	return NULL;
}

void
job_spawn(struct daemon *d, struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;

	j->d = d;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, spawn_main, j) != 0)
		fatalx("cannot start a probe thread");
	pthread_attr_destroy(&attr);
}

void
jobs_complete(struct daemon *d)
{
	struct job *list, *j;
	char buf[256];

	while (read(d->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&d->done_mu);
	list = d->done_head;
	d->done_head = d->done_tail = NULL;
	pthread_mutex_unlock(&d->done_mu);
	while ((j = list) != NULL) {
		list = j->next;
		live_job_done(d, j);	/* liveness first, as sync.c does */
		j->done(d, j);
		job_free(j);
	}
}

void
workers_shutdown(struct daemon *d)
{
	struct hostw *hw, *next;
	struct job *j;
	struct timespec ts;
	int busy;

	for (hw = d->hosts; hw != NULL; hw = hw->next) {
		pthread_mutex_lock(&hw->mu);
		hw->quit = 1;
		while ((j = hw->head) != NULL) {	/* never started: drop */
			hw->head = j->next;
			job_free(j);
		}
		hw->tail = NULL;
		pthread_cond_broadcast(&hw->cv);
		pthread_mutex_unlock(&hw->mu);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	for (hw = d->hosts; hw != NULL; hw = next) {
		next = hw->next;
		pthread_mutex_lock(&hw->mu);
		while (hw->running && pthread_cond_timedwait(&hw->cv, &hw->mu,
		    &ts) == 0)
			;
		busy = hw->running;
		pthread_mutex_unlock(&hw->mu);
		if (busy) {
			/* a call hangs on a dead host: leave it to exit(3) */
			log_warnx("host %s: a libvirt call is still running at exit",
			    hw->name);
			continue;
		}
		hv_close(hw->conn);
		pthread_mutex_destroy(&hw->mu);
		pthread_cond_destroy(&hw->cv);
		free(hw);
	}
	d->hosts = NULL;
	pthread_mutex_lock(&d->done_mu);
	while ((j = d->done_head) != NULL) {
		d->done_head = j->next;
		job_free(j);
	}
	d->done_tail = NULL;
	pthread_mutex_unlock(&d->done_mu);
	free(d->busy);
	d->busy = NULL;
}
