/*
 * job: a helper program (smartctl, mdadm, xl) run without a shell, its
 * standard output collected without blocking the caller's loop, killed
 * after a timeout.  A child stuck in the kernel (a disk that hangs) is
 * never waited for: it is reaped later, when it finally exits.
 */
#ifndef HANGAR_HEALTH_JOB_H
#define HANGAR_HEALTH_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct job {
	pid_t		 pid;		/* 0: none running */
	int		 fd;
	char		*buf;		/* NUL-terminated output */
	size_t		 len, max;
	uint64_t	 deadline;	/* CLOCK_MONOTONIC microseconds */
	int		 timed_out;
};

uint64_t job_now(void);
/* Starts argv[0] (a path) with stdin and stderr on /dev/null; -1 when
 * it cannot be started. */
int	 job_start(struct job *j, char *const argv[], size_t max,
	    uint64_t timeout_us);
/* Reads what is there: 1 when the job is over (end of output, output
 * full, or killed at its deadline), else 0. */
int	 job_step(struct job *j);
/* After job_step said 1: closes and reaps it (later if it hangs); the
 * output stays in j->buf until job_clear. */
void	 job_end(struct job *j);
void	 job_clear(struct job *j);
/* Kills a running job (shutdown). */
void	 job_kill(struct job *j);
/* Leaves a killed child to job_reap. */
void	 job_reap_later(pid_t pid);
/* Reaps children that outlived their job (call now and then). */
void	 job_reap(void);
/* Runs argv to the end (at most timeout_us); the output (caller frees)
 * or NULL. */
char	*job_run(char *const argv[], size_t max, uint64_t timeout_us,
	    size_t *len);

#endif
