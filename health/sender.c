/*
 * sender: the report spool to the control node over ssh (see sender.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/job.h"
#include "health/report.h"
#include "health/sender.h"

#define ERRTAIL	256

struct sender {
	struct sender_cfg	 cfg;
	struct rspool		*sp;
	pid_t			 pid;		/* 0: no ssh running */
	int			 in, out, err;	/* its stdin, stdout, stderr */
	char			*w;		/* the line being written */
	size_t			 wlen, woff;
	uint64_t		 wseq;		/* written, awaiting its answer */
	int			 waiting;
	uint64_t		 deadline;	/* for that answer */
	char			 r[1024];	/* a partial answer line */
	size_t			 rlen;
	char			 errtail[ERRTAIL];
	uint64_t		 retry_at;	/* 0: may start now */
	uint64_t		 delay;		/* next backoff, microseconds */
	uint64_t		 refused_seq;
	unsigned int		 refused_n;
	struct sender_stats	 st;
};

struct sender *
sender_new(const struct sender_cfg *cfg, struct rspool *sp)
{
	struct sender *s = xcalloc(1, sizeof(*s));

	s->cfg = *cfg;
	s->sp = sp;
	s->in = s->out = s->err = -1;
	s->delay = (uint64_t)cfg->retry_min * 1000000;
	return s;
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Ends the session; failed: it ended badly, try again after a while. */
static void
end_session(struct sender *s, uint64_t now, int failed, const char *why)
{
	int status;

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		/* ssh exits at once on SIGKILL; reap without waiting long */
		for (int i = 0; i < 50 && waitpid(s->pid, &status, WNOHANG) ==
		    0; i++) {
			usleep(2000);
			if (i == 49)
				job_reap_later(s->pid);
		}
	}
	s->pid = 0;
	close_fd(&s->in);
	close_fd(&s->out);
	close_fd(&s->err);
	free(s->w);
	s->w = NULL;
	s->waiting = 0;
	s->rlen = 0;
	if (!failed) {
		s->delay = (uint64_t)s->cfg.retry_min * 1000000;
		return;
	}
	s->st.failures++;
	s->retry_at = now + s->delay;
	log_warnx("reports: %s%s%s; %zu line(s) kept, retry in %llu s", why,
	    s->errtail[0] ? ": " : "", s->errtail, rspool_pending(s->sp),
	    (unsigned long long)(s->delay / 1000000));
	s->delay *= 2;
	if (s->delay > (uint64_t)s->cfg.retry_max * 1000000)
		s->delay = (uint64_t)s->cfg.retry_max * 1000000;
}

static int
start_session(struct sender *s)
{
	char kh[PATH_MAX + 32];
	char *argv[] = { s->cfg.ssh, "-T", "-i", s->cfg.key,
	    "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
	    "-o", "StrictHostKeyChecking=yes", "-o", kh,
	    "-o", "GlobalKnownHostsFile=/dev/null",
	    "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=15",
	    "-o", "ServerAliveCountMax=2", "-o", "LogLevel=ERROR",
	    "--", s->cfg.dest, NULL };
	int pin[2], pout[2], perr[2];

	snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s", s->cfg.known_hosts);
	if (pipe2(pin, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(pout, O_CLOEXEC) == -1) {
		close(pin[0]);
		close(pin[1]);
		return -1;
	}
	if (pipe2(perr, O_CLOEXEC) == -1) {
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		return -1;
	}
	if ((s->pid = fork()) == -1) {
		s->pid = 0;
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		close(perr[0]);
		close(perr[1]);
		return -1;
	}
	if (s->pid == 0) {
		dup2(pin[0], STDIN_FILENO);
		dup2(pout[1], STDOUT_FILENO);
		dup2(perr[1], STDERR_FILENO);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	s->in = pin[1];
	s->out = pout[0];
	s->err = perr[0];
	fcntl(s->in, F_SETFL, O_NONBLOCK);
	fcntl(s->out, F_SETFL, O_NONBLOCK);
	fcntl(s->err, F_SETFL, O_NONBLOCK);
	s->errtail[0] = '\0';
	s->st.sessions++;
	return 0;
}

/* Queues the oldest pending line for writing. */
static void
next_line(struct sender *s, uint64_t now)
{
	const char *line;
	uint64_t seq;

	if ((line = rspool_line(s->sp, 0, &seq)) == NULL)
		return;
	free(s->w);
	s->w = xasprintf("%s\n", line);
	s->wlen = strlen(s->w);
	s->woff = 0;
	s->wseq = seq;
	s->waiting = 1;
	s->deadline = now + SENDER_ANSWER_TIMEOUT * 1000000ULL;
}

static void
read_err(struct sender *s)
{
	char buf[512];
	ssize_t n;

	while (s->err != -1 && (n = read(s->err, buf, sizeof(buf) - 1)) > 0) {
		char *nl;

		buf[n] = '\0';
		/* keep the last line it printed, for the log */
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		nl = strrchr(buf, '\n');
		str_sanitize(s->errtail, sizeof(s->errtail),
		    nl != NULL ? nl + 1 : buf);
	}
}

/* One answer line: 0 fine (go on), -1 the session must end. */
static int
answer(struct sender *s, const char *line, size_t len, uint64_t now,
    const char **why)
{
	struct report_ack a;
	struct herr e;

	if (report_ack_parse(line, len, &a, &e) == -1) {
		*why = "unexpected answer from the control node";
		return -1;
	}
	if (!s->waiting || a.seq != s->wseq) {
		*why = "answer for a line not sent";
		return -1;
	}
	s->waiting = 0;
	if (a.ok) {
		if (rspool_ack(s->sp, a.seq, &e) == -1) {
			log_warnx("reports: %s", e.msg);
			*why = "cannot record the acknowledgment";
			return -1;
		}
		s->st.sent++;
		s->refused_n = 0;
		s->delay = (uint64_t)s->cfg.retry_min * 1000000;
		return 0;
	}
	s->st.refused++;
	if (s->refused_seq != a.seq) {
		s->refused_seq = a.seq;
		s->refused_n = 0;
	}
	log_warnx("reports: the control node refused line %llu: %s",
	    (unsigned long long)a.seq, a.reason);
	if (++s->refused_n >= SENDER_MAXREFUSED) {
		log_warnx("reports: line %llu refused %u times, dropped",
		    (unsigned long long)a.seq, s->refused_n);
		s->st.dropped++;
		s->refused_n = 0;
		return rspool_ack(s->sp, a.seq, &e) == -1 ? -1 : 0;
	}
	*why = "a line was refused";
	(void)now;
	return -1;
}

static int
read_out(struct sender *s, uint64_t now, const char **why)
{
	char buf[1024];
	ssize_t n;

	while ((n = read(s->out, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (s->rlen < sizeof(s->r))
					s->r[s->rlen] = buf[i];
				s->rlen++;
				continue;
			}
			if (s->rlen > sizeof(s->r)) {
				*why = "answer line too long";
				return -1;
			}
			if (answer(s, s->r, s->rlen, now, why) == -1)
				return -1;
			s->rlen = 0;
		}
	}
	if (n == 0) {
		*why = "the connection ended";
		return -1;
	}
	if (errno != EAGAIN && errno != EINTR) {
		*why = "reading the control node's answers";
		return -1;
	}
	return 0;
}

void
sender_step(struct sender *s, uint64_t now)
{
	const char *why = NULL;
	int status;
	ssize_t n;

	if (s->pid == 0) {
		if (rspool_pending(s->sp) == 0 || now < s->retry_at)
			return;
		s->retry_at = 0;
		if (start_session(s) == -1) {
			end_session(s, now, 1, "cannot run ssh");
			return;
		}
	}
	read_err(s);
	if (s->out != -1 && read_out(s, now, &why) == -1) {
		/* ssh ending after we closed its input is the normal end
		 * (lines spooled meanwhile go in a new session at once) */
		int clean = s->in == -1 && !s->waiting && why != NULL &&
		    strcmp(why, "the connection ended") == 0;

		read_err(s);
		end_session(s, now, !clean, why);
		return;
	}
	if (!s->waiting && s->in != -1) {
		if (rspool_pending(s->sp) > 0)
			next_line(s, now);
		else
			close_fd(&s->in);	/* done: let ssh end */
	}
	if (s->waiting && s->woff < s->wlen && s->in != -1) {
		n = write(s->in, s->w + s->woff, s->wlen - s->woff);
		if (n > 0)
			s->woff += (size_t)n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			read_err(s);
			end_session(s, now, 1, "writing to ssh");
			return;
		}
	}
	if (s->waiting && now >= s->deadline) {
		read_err(s);
		end_session(s, now, 1, "no answer from the control node");
		return;
	}
	/* ssh gone without closing its output (it always closes it) */
	if (s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == s->pid) {
		s->pid = 0;
		read_err(s);
		end_session(s, now, s->waiting || rspool_pending(s->sp) > 0,
		    "ssh ended");
	}
}

size_t
sender_pollfds(const struct sender *s, struct pollfd *p)
{
	size_t n = 0;

	if (s->pid == 0)
		return 0;
	if (s->out != -1) {
		p[n].fd = s->out;
		p[n++].events = POLLIN;
	}
	if (s->err != -1) {
		p[n].fd = s->err;
		p[n++].events = POLLIN;
	}
	if (s->in != -1 && s->waiting && s->woff < s->wlen) {
		p[n].fd = s->in;
		p[n++].events = POLLOUT;
	}
	return n;
}

uint64_t
sender_next_due(const struct sender *s)
{
	if (s->pid != 0)
		return s->waiting ? s->deadline : UINT64_MAX;
	if (rspool_pending(s->sp) == 0)
		return UINT64_MAX;
	return s->retry_at;
}

const struct sender_stats *
sender_stats(const struct sender *s)
{
	return &s->st;
}

void
sender_free(struct sender *s)
{
	if (s == NULL)
		return;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	close_fd(&s->in);
	close_fd(&s->out);
	close_fd(&s->err);
	free(s->w);
	free(s);
}
