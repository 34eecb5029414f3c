/*
 * job: helper programs with a deadline (see job.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/xmalloc.h"
#include "health/job.h"

#define MAXSTRAYS	16

static pid_t strays[MAXSTRAYS];

uint64_t
job_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
job_start(struct job *j, char *const argv[], size_t max, uint64_t timeout_us)
{
	int pfd[2];

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	if ((j->pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		j->pid = 0;
		return -1;
	}
	if (j->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(pfd[1], STDOUT_FILENO);
		if (null != -1) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	j->fd = pfd[0];
	j->max = max;
	j->buf = xmalloc(max + 1);
	j->buf[0] = '\0';
	j->deadline = job_now() + timeout_us;
	return 0;
}

int
job_step(struct job *j)
{
	ssize_t n;

	for (;;) {
		n = read(j->fd, j->buf + j->len, j->max - j->len);
		if (n > 0) {
			j->len += (size_t)n;
			if (j->len >= j->max)
				return 1;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return 1;
		break;
	}
	if (job_now() >= j->deadline) {
		kill(j->pid, SIGKILL);
		j->timed_out = 1;
		return 1;
	}
	return 0;
}

void
job_reap_later(pid_t pid)
{
	for (size_t i = 0; i < MAXSTRAYS; i++)
		if (strays[i] == 0) {
			strays[i] = pid;
			return;
		}
}

void
job_end(struct job *j)
{
	int status;

	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	j->buf[j->len] = '\0';
	if (j->pid > 0 && waitpid(j->pid, &status, WNOHANG) == 0) {
		/* still there: give it a moment, then leave it for later */
		for (int i = 0; i < 20; i++) {
			struct timespec ts = { 0, 5000000 };

			nanosleep(&ts, NULL);
			if (waitpid(j->pid, &status, WNOHANG) != 0)
				break;
			if (i == 19)
				job_reap_later(j->pid);
		}
	}
	j->pid = 0;
}

void
job_clear(struct job *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = 0;
}

void
job_kill(struct job *j)
{
	if (j->pid == 0)
		return;
	kill(j->pid, SIGKILL);
	job_end(j);
	job_clear(j);
}

void
job_reap(void)
{
	int status;

	for (size_t i = 0; i < MAXSTRAYS; i++)
		if (strays[i] != 0 && waitpid(strays[i], &status, WNOHANG) != 0)
			strays[i] = 0;
}

char *
job_run(char *const argv[], size_t max, uint64_t timeout_us, size_t *len)
{
	struct job j;
	char *out;

	if (job_start(&j, argv, max, timeout_us) == -1)
		return NULL;
	while (!job_step(&j)) {
		struct pollfd p = { .fd = j.fd, .events = POLLIN };
		uint64_t now = job_now();

		poll(&p, 1, now >= j.deadline ? 0 :
		    (int)((j.deadline - now) / 1000) + 1);
	}
	job_end(&j);
	out = j.buf;
	*len = j.len;
	return out;
}
