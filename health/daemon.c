/*
 * daemon: one poll(2) loop; every periodic job is a deadline in it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/mail.h"
#include "notify/send.h"
#include "notify/spool.h"
#include "health/alert.h"
#include "health/daemon.h"
#include "health/job.h"
#include "health/prom.h"
#include "health/replay.h"
#include "health/report.h"
#include "health/rspool.h"
#include "health/sender.h"

#define KMSG_BUF	8192
#define FILE_POLL_MS	200	/* kmsg as a plain file: read this often */
#define SMART_MAXOUT	(1024 * 1024)
#define SMART_TIMEOUT	60
#define EXAM_MAXOUT	4096
#define EXAM_TIMEOUT	10

struct hd {
	struct health_cfg	*cfg;
	struct topo		*t;
	struct corr		*c;
	struct spool		*spool;
	int			 kfd;
	int			 kfile;		/* a regular file, not a device */
	char			 carry[KMSG_BUF];
	size_t			 ncarry;
	uint64_t		 next_md, next_smart;
	size_t			 smart_disk;	/* next disk of the round */
	struct job		 sj;		/* smartctl */
	char			 smart_dev[64];
	struct job		 ej;		/* mdadm --examine */
	char			 exam_member[32];
	char			 topo_sig[4096];	/* names and states */
	uint64_t		 next_xen;
	char			 xen_last[512];	/* last xl dmesg line seen */
	int			 xen_seen;
	int			 foreground;
	int			 prom_warned;
	struct rspool		*rs;		/* reports, or NULL */
	struct sender		*snd;
};

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	quit = sig;
}

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
send_one(const char *msg, size_t len, void *arg, struct herr *e)
{
	struct health_cfg *cfg = arg;

	return send_mail(&cfg->send, msg, len, e);
}

static void
flush_spool(struct hd *h)
{
	struct spool_stats st;
	struct herr e;

	herr_clear(&e);
	if (spool_next_due(h->spool) == 0 ||
	    spool_next_due(h->spool) > time(NULL))
		return;
	if (spool_flush(h->spool, time(NULL), 0, send_one, h->cfg, &st,
	    &e) == -1) {
		log_warnx("spool: %s", e.msg);
		return;
	}
	if (st.sent > 0) {
		log_info("spool: %zu alert(s) handed to the mail server, %zu "
		    "waiting", st.sent, st.queued);
		if (h->foreground) {
			printf("{\"sent\":%zu,\"usec\":%llu}\n", st.sent,
			    (unsigned long long)now_usec());
			fflush(stdout);
		}
	}
	if (st.failed > 0)
		log_warnx("spool: %s; %zu alert(s) kept, retry in %lld s",
		    e.msg, st.queued,
		    (long long)(spool_next_due(h->spool) - time(NULL)));
}

/* The control node hears of every incident change: appended to the
 * report spool (fsynced) here, sent by the sender from the loop. */
static void
report(struct hd *h, const struct corr *c, const struct incident *inc,
    enum notice n)
{
	uint64_t seq = rspool_next_seq(h->rs);
	char *line = report_line(h->cfg->host_name, c, inc, n, seq, time(NULL));
	struct herr e;

	if (line == NULL)
		return;
	if (rspool_append(h->rs, seq, line, &e) == -1)
		log_warnx("incident %s: report not spooled: %s", inc->id,
		    e.msg);
	else
		log_debug("incident %s: report %llu spooled", inc->id,
		    (unsigned long long)seq);
	free(line);
}

/* An alert must go out even if its full text cannot be built: then the
 * incident's JSON record is the body of a plain mail. */
static int
fallback_mail(struct hd *h, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t usec, char **out, size_t *len)
{
	char subject[200], *json = alert_json(c, inc, n, usec);
	struct mail *m = mail_new();
	struct herr e;
	int ret = -1;

	snprintf(subject, sizeof(subject), "[hangar-health] %s: incident %s "
	    "%s (%s)", h->cfg->alert.host, inc->id, notice_name(n),
	    inc_sev_name(inc->sev));
	if (mail_header(m, "From", h->cfg->alert.from, &e) == 0 &&
	    mail_header(m, "To", h->cfg->alert.to, &e) == 0 &&
	    mail_header(m, "Subject", subject, &e) == 0 &&
	    mail_header(m, "Auto-Submitted", "auto-generated", &e) == 0 &&
	    mail_body(m, json, &e) == 0 &&
	    mail_render(m, out, len, &e) == 0)
		ret = 0;
	else
		log_warnx("incident %s: no mail at all: %s", inc->id, e.msg);
	mail_free(m);
	free(json);
	return ret;
}

static void
emit(void *arg, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t usec)
{
	struct hd *h = arg;
	char *json = alert_json(c, inc, n, usec), *mail = NULL, id[80];
	struct herr e;
	size_t len;

	if (h->foreground) {
		printf("%s\n", json);
		fflush(stdout);
	}
	log_info("incident %s %s: %s %s", inc->id, notice_name(n),
	    inc_kind_name(inc->kind), inc_sev_name(inc->sev));
	free(json);
	if (n == NOTICE_MERGED) {
		if (h->rs != NULL)	/* the control node closes it */
			report(h, c, inc, n);
		return;		/* the incident it joined says so */
	}
	if (alert_mail(&h->cfg->alert, c, inc, n, usec, time(NULL), &mail,
	    &len, &e) == -1) {
		log_warnx("incident %s: cannot build the mail: %s; sending "
		    "the plain record", inc->id, e.msg);
		if (fallback_mail(h, c, inc, n, usec, &mail, &len) == -1)
			return;
	}
	if (spool_put(h->spool, mail, len, id, sizeof(id), &e) == -1)
		log_warnx("incident %s: %s", inc->id, e.msg);
	else
		log_debug("incident %s: spooled as %s", inc->id, id);
	free(mail);
	/* after the mail: a report never delays an alert */
	if (h->rs != NULL)
		report(h, c, inc, n);
}

static void
kmsg_line(struct hd *h, const char *line, size_t len)
{
	struct kevent ev;
	struct kmsg k;

	if (kmsg_parse(line, len, &k) == -1)
		return;		/* continuation lines (" KEY=value") too */
	kmsg_classify(&k, &ev);
	if (ev.type != KEV_NONE) {
		log_debug("kmsg: %s: %s", kev_name(ev.type), ev.text);
		corr_kevent(h->c, &ev);
	}
}

/* Reads what is there: whole records from /dev/kmsg, or lines from a
 * file (a partial last line waits in carry for the rest). */
static void
kmsg_read(struct hd *h)
{
	char buf[KMSG_BUF];
	ssize_t n, s, j;

	for (int i = 0; i < 10000; i++) {
		n = read(h->kfd, buf, sizeof(buf));
		if (n == -1 && errno == EPIPE)
			continue;	/* records overwritten: go on */
		if (n <= 0)
			break;
		for (s = 0, j = 0; j < n; j++) {
			size_t seg = (size_t)(j - s);

			if (buf[j] != '\n')
				continue;
			if (h->ncarry + seg < sizeof(h->carry)) {
				memcpy(h->carry + h->ncarry, buf + s, seg);
				kmsg_line(h, h->carry, h->ncarry + seg);
			}
			h->ncarry = 0;
			s = j + 1;
		}
		if (s < n) {
			size_t rest = (size_t)(n - s);

			if (h->ncarry + rest < sizeof(h->carry)) {
				memcpy(h->carry + h->ncarry, buf + s, rest);
				h->ncarry += rest;
			} else
				h->ncarry = sizeof(h->carry);	/* too long: drop */
		}
	}
}

static int
kmsg_open(struct hd *h)
{
	struct stat sb;

	h->kfd = open(h->cfg->kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (h->kfd == -1) {
		log_warn("%s", h->cfg->kmsg);
		return -1;
	}
	h->kfile = fstat(h->kfd, &sb) == 0 && !S_ISCHR(sb.st_mode);
	if (!h->kfile)
		lseek(h->kfd, 0, SEEK_END);	/* only what happens now */
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	char *p = xmalloc(SMART_MAXOUT);
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		free(p);
		return NULL;
	}
	while (got < SMART_MAXOUT - 1 &&
	    (n = read(fd, p + got, SMART_MAXOUT - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	p[got] = '\0';
	*len = got;
	return p;
}

/* What the topology looks like cheaply: the names in /sys/block and
 * each disk's state (a disk that went offline and came back). */
static void
topo_signature(const struct hd *h, char *sig, size_t size)
{
	char path[PATH_MAX], state[32];
	struct dirent **list = NULL;
	size_t o = 0;
	int n;

	sig[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/block", h->cfg->sysfs) >=
	    (int)sizeof(path) || (n = scandir(path, &list, NULL,
	    alphasort)) == -1)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		ssize_t r;
		int fd;

		state[0] = '\0';
		if (name[0] != '.' && snprintf(path, sizeof(path),
		    "%s/block/%s/device/state", h->cfg->sysfs, name) <
		    (int)sizeof(path) && (fd = open(path, O_RDONLY |
		    O_CLOEXEC)) != -1) {
			if ((r = read(fd, state, sizeof(state) - 1)) < 0)
				r = 0;
			state[r] = '\0';
			state[strcspn(state, "\n")] = '\0';
			close(fd);
		}
		if (name[0] != '.' && o < size)
			o += (size_t)snprintf(sig + o, size - o, "%s=%s ",
			    name, state);
		free(list[i]);
	}
	free(list);
}

/* Rescans the topology when /sys/block changed: a disk was replaced or
 * hot-plugged (sdX names move), a dm or md device came or went, or a
 * disk went offline or came back. */
static void
check_topology(struct hd *h, uint64_t now)
{
	char sig[sizeof(h->topo_sig)];
	struct topo *t;
	struct herr e;

	topo_signature(h, sig, sizeof(sig));
	if (strcmp(sig, h->topo_sig) == 0)
		return;
	str_copy(h->topo_sig, sig, sizeof(h->topo_sig));
	t = xcalloc(1, sizeof(*t));
	if (topo_scan(h->cfg->sysfs, t, &e) == 0) {
		topo_read_mounts(t, h->cfg->mountinfo);
		log_info("topology changed: %zu disks behind %zu controllers, "
		    "%zu block devices", t->nd, t->nc, t->nb);
		corr_update_topo(h->c, t, now);
		*h->t = *t;
	}
	free(t);
}

static void
poll_md(struct hd *h, uint64_t now)
{
	struct md_sysfs *s = xmalloc(sizeof(*s));
	char path[PATH_MAX], buf[64];
	struct mdstat ms;
	struct herr e;
	size_t len;
	char *text;

	check_topology(h, now);
	if ((text = read_file(h->cfg->mdstat, &len)) != NULL) {
		if (mdstat_parse(text, len, &ms, &e) == 0) {
			corr_mdstat(h->c, now, &ms);
			for (size_t i = 0; i < ms.n; i++) {
				if (snprintf(path, sizeof(path), "%s/block/%s/md",
				    h->cfg->sysfs, ms.a[i].name) <
				    (int)sizeof(path) &&
				    md_sysfs_read(path, ms.a[i].name, s,
				    &e) == 0)
					corr_mdsysfs(h->c, now, s);
			}
			mdstat_release(&ms);
		}
		free(text);
	}
	for (size_t i = 0; i < h->t->nc; i++) {
		long long v;
		int fd;
		ssize_t n;

		if (h->t->c[i].ioc_reset_count < 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/class/scsi_host/%s/"
		    "ioc_reset_count", h->cfg->sysfs, h->t->c[i].host) >=
		    (int)sizeof(path) ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (str_parse_int(buf, 0, 1LL << 40, &v) == 0)
			corr_ioc_resets(h->c, now, (int)i, v);
	}
	free(s);
	if (h->cfg->textfile[0] != '\0' && strcmp(h->cfg->textfile, "none")) {
		if (prom_write(h->cfg->textfile, h->c,
		    spool_count(h->spool), &e) == -1 && !h->prom_warned) {
			log_warnx("textfile: %s", e.msg);
			h->prom_warned = 1;
		}
	}
}

/*
 * The hypervisor's log (xl dmesg) is not in dom0's /dev/kmsg.  Each read
 * returns the whole ring: lines after the last one seen are new; the
 * first read only sets the mark (old WARNs were someone's past).
 */
static void
poll_xen(struct hd *h, uint64_t now)
{
	char *argv[] = { h->cfg->xl, "dmesg", NULL }, *out, *line, *save = NULL;
	char *lines[4096];
	size_t len, n = 0, from = 0;

	if ((out = job_run(argv, SMART_MAXOUT, SMART_TIMEOUT * 1000000ULL,
	    &len)) == NULL)
		return;
	for (line = strtok_r(out, "\n", &save); line != NULL && n < 4096;
	    line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	if (h->xen_seen) {
		from = 0;
		for (size_t i = n; i > 0; i--)
			if (strcmp(lines[i - 1], h->xen_last) == 0) {
				from = i;
				break;
			}
		for (size_t i = from; i < n; i++) {
			struct kevent ev;
			struct kmsg k;

			k.prio = 4;
			k.seq = 0;
			k.usec = now;
			k.msg = lines[i];
			k.msglen = strlen(lines[i]);
			kmsg_classify(&k, &ev);
			if (ev.type != KEV_NONE)
				corr_kevent(h->c, &ev);
		}
	}
	if (n > 0)
		str_copy(h->xen_last, lines[n - 1], sizeof(h->xen_last));
	h->xen_seen = 1;
	free(out);
}

/* Starts smartctl for the next disk; its output is collected by
 * smart_step from the main poll loop, so a slow or hung disk never
 * holds up the kernel log. */
static void
smart_start(struct hd *h, uint64_t now)
{
	char *argv[] = { h->cfg->smartctl, "smartctl", "--json=c", "-a",
	    "-n", "standby", h->smart_dev, NULL };

	if (h->smart_disk >= h->t->nd) {
		h->smart_disk = 0;
		h->next_smart = now + (uint64_t)h->cfg->smart_interval *
		    1000000;
		return;
	}
	snprintf(h->smart_dev, sizeof(h->smart_dev), "/dev/%s",
	    h->t->d[h->smart_disk++].name);
	/* -n standby: a sleeping disk is left asleep, not failed */
	argv[1] = argv[0];
	if (job_start(&h->sj, argv + 1, SMART_MAXOUT,
	    SMART_TIMEOUT * 1000000ULL) == -1)
		log_warn("smartctl %s", h->smart_dev);
}

/* Reads what smartctl wrote; at its end (or timeout) judges it. */
static void
smart_step(struct hd *h, uint64_t now)
{
	struct smart s;
	struct herr e;

	if (!job_step(&h->sj))
		return;
	job_end(&h->sj);
	if (h->sj.timed_out)
		log_warnx("smartctl %s: no answer in %d s, killed",
		    h->smart_dev, SMART_TIMEOUT);
	else if (smart_parse(h->sj.buf, h->sj.len, &s, &e) == 0)
		corr_smart(h->c, now, &s);
	else
		log_debug("smartctl %s: %s", h->smart_dev, e.msg);
	job_clear(&h->sj);
}

/* The superblock of the next member of a failed array, for the
 * recovery advice: mdadm --examine --export, one at a time. */
static void
exam_start(struct hd *h)
{
	char dev[64], *argv[] = { h->cfg->mdadm, "--examine", "--export", dev,
	    NULL };
	const char *name;

	if (h->cfg->mdadm[0] == '\0' || (name = corr_examine_next(h->c)) ==
	    NULL)
		return;
	str_copy(h->exam_member, name, sizeof(h->exam_member));
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	if (job_start(&h->ej, argv, EXAM_MAXOUT, EXAM_TIMEOUT * 1000000ULL) ==
	    -1) {
		log_warn("%s", h->cfg->mdadm);
		corr_examine(h->c, job_now(), h->exam_member, NULL, 0);
	}
}

static void
exam_step(struct hd *h)
{
	if (!job_step(&h->ej))
		return;
	job_end(&h->ej);
	if (h->ej.timed_out)
		log_warnx("mdadm --examine /dev/%s: no answer in %d s, killed",
		    h->exam_member, EXAM_TIMEOUT);
	log_debug("superblock of %s: %zu bytes", h->exam_member, h->ej.len);
	corr_examine(h->c, job_now(), h->exam_member, h->ej.timed_out ?
	    NULL : h->ej.buf, h->ej.len);
	job_clear(&h->ej);
}

static int
loop_timeout(struct hd *h, uint64_t now)
{
	uint64_t next = h->next_md;
	time_t sd = spool_next_due(h->spool);

	if (h->sj.pid != 0 && h->sj.deadline < next)
		next = h->sj.deadline;
	else if (h->sj.pid == 0 && h->next_smart < next)
		next = h->next_smart;
	if (h->ej.pid != 0 && h->ej.deadline < next)
		next = h->ej.deadline;
	if (h->cfg->xl[0] != '\0' && h->next_xen < next)
		next = h->next_xen;
	if (corr_next_due(h->c) < next)
		next = corr_next_due(h->c);
	if (h->snd != NULL && sender_next_due(h->snd) < next)
		next = sender_next_due(h->snd);
	if (next <= now)
		return 0;
	next -= now;
	if (sd != 0) {
		time_t w = sd - time(NULL);
		uint64_t su = w <= 0 ? 0 : (uint64_t)w * 1000000;

		if (su < next)
			next = su;
	}
	if (h->kfile && next > FILE_POLL_MS * 1000ULL)
		next = FILE_POLL_MS * 1000ULL;
	return next > 60000000ULL ? 60000 : (int)(next / 1000) + 1;
}

static int
start_reports(struct hd *h)
{
	struct sender_cfg sc;
	char dir[PATH_MAX];
	struct herr e;

	if (health_cfg_check_reports(h->cfg, &e) == -1) {
		log_warnx("%s", e.msg);
		return -1;
	}
	if (mkdir(h->cfg->state, 0700) == -1 && errno != EEXIST) {
		log_warn("%s", h->cfg->state);
		return -1;
	}
	if (snprintf(dir, sizeof(dir), "%s/reports", h->cfg->state) >=
	    (int)sizeof(dir) || (h->rs = rspool_open(dir, time(NULL),
	    &e)) == NULL) {
		log_warnx("reports: %s", e.msg);
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	str_copy(sc.ssh, h->cfg->ssh, sizeof(sc.ssh));
	str_copy(sc.dest, h->cfg->report_to, sizeof(sc.dest));
	str_copy(sc.key, h->cfg->report_key, sizeof(sc.key));
	str_copy(sc.known_hosts, h->cfg->report_known_hosts,
	    sizeof(sc.known_hosts));
	sc.retry_min = h->cfg->retry_min;
	sc.retry_max = h->cfg->retry_max;
	h->snd = sender_new(&sc, h->rs);
	log_info("reports to %s as %s: %zu line(s) waiting, next %llu",
	    h->cfg->report_to, h->cfg->host_name, rspool_pending(h->rs),
	    (unsigned long long)rspool_next_seq(h->rs));
	return 0;
}

int
daemon_run(struct health_cfg *cfg, int foreground)
{
	struct hd h = { .cfg = cfg, .foreground = foreground, .kfd = -1,
	    .sj = { .fd = -1 }, .ej = { .fd = -1 } };
	struct sigaction sa;
	struct herr e;
	uint64_t now;
	int status = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);	/* no reload: restart to reconfigure */
	if (access(cfg->baseline, R_OK) == 0 &&
	    baseline_load(cfg->baseline, &cfg->corr, &e) == -1) {
		log_warnx("%s", e.msg);
		return 1;
	}
	h.t = xcalloc(1, sizeof(*h.t));
	topo_signature(&h, h.topo_sig, sizeof(h.topo_sig));
	if (topo_scan(cfg->sysfs, h.t, &e) == -1)
		log_warnx("topology: %s", e.msg);
	topo_read_mounts(h.t, cfg->mountinfo);
	if (cfg->mdadm[0] == '\0' || access(cfg->mdadm, X_OK) == -1) {
		cfg->mdadm[0] = '\0';
		cfg->corr.examine_hold_us = 0;	/* nothing will read them */
	}
	if ((h.spool = spool_open(cfg->spool, &e)) == NULL) {
		log_warnx("spool: %s", e.msg);
		goto out;
	}
	spool_set_backoff(h.spool, cfg->retry_min, cfg->retry_max);
	if (kmsg_open(&h) == -1)
		goto out;
	if (cfg->report_to[0] != '\0' && start_reports(&h) == -1)
		goto out;
	now = now_usec();
	/* incident ids must not repeat across restarts (nor hosts): the
	 * host, the start time and the pid, as in h3-20170308T201105Z.1a2b */
	{
		time_t t = time(NULL);
		char when[24] = "";
		struct tm tm;

		if (gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(cfg->corr.id_prefix, sizeof(cfg->corr.id_prefix),
		    "%.15s%s%.16s.%x", cfg->host_name, cfg->host_name[0] ?
		    "-" : "", when, (unsigned int)getpid() & 0xffffff);
	}
	h.c = corr_new(h.t, &cfg->corr, emit, &h, now);
	log_info("started: %zu disks behind %zu controllers, %zu alert(s) "
	    "in the spool", h.t->nd, h.t->nc, spool_count(h.spool));
	h.next_md = now;
	h.next_smart = now;
	while (!quit) {
		struct pollfd p[6] = { { .fd = h.kfd, .events = POLLIN },
		    { .fd = h.sj.pid != 0 ? h.sj.fd : -1, .events = POLLIN },
		    { .fd = h.ej.pid != 0 ? h.ej.fd : -1, .events = POLLIN } };
		size_t np = 3;
		int r;

		now = now_usec();
		if (h.kfile)
			p[0].fd = -1;	/* a file: read on the timer */
		if (h.snd != NULL)
			np += sender_pollfds(h.snd, p + 3);
		r = poll(p, (nfds_t)np, loop_timeout(&h, now));
		if (r == -1 && errno != EINTR) {
			log_warn("poll");
			break;
		}
		kmsg_read(&h);
		now = now_usec();
		if (now >= h.next_md) {
			poll_md(&h, now);
			h.next_md = now + (uint64_t)cfg->md_interval * 1000000;
		}
		if (h.sj.pid != 0)
			smart_step(&h, now);
		else if (now >= h.next_smart)
			smart_start(&h, now);
		if (cfg->xl[0] != '\0' && now >= h.next_xen) {
			poll_xen(&h, now);
			h.next_xen = now + (uint64_t)cfg->xen_interval *
			    1000000;
		}
		if (h.ej.pid != 0)
			exam_step(&h);
		if (h.ej.pid == 0)
			exam_start(&h);
		corr_tick(h.c, now_usec());
		flush_spool(&h);
		if (h.snd != NULL)
			sender_step(h.snd, now_usec());
		job_reap();
	}
	job_kill(&h.sj);
	job_kill(&h.ej);
	log_info("exiting on signal %d", (int)quit);
	status = 0;
out:
	if (h.kfd != -1)
		close(h.kfd);
	corr_free(h.c);
	sender_free(h.snd);
	rspool_free(h.rs);
	spool_free(h.spool);
	free(h.t);
	return status;
}
