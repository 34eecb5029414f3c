/*
 * A second thread for a few milliseconds of work, on the other CPU.
 *
 * Linux often put such a thread on its creator's CPU and moved it only
 * at a later load balance: in a 2-vCPU VM, 7 of 8 timed runs of the
 * parse had its second thread share the creator's CPU to the end, or
 * start 2-4.5 ms late, while the other CPU idled.  So the thread starts
 * pinned to the CPUs the caller may use but the one it is on, and unpins
 * itself before it works (the scheduler may move it as it likes from
 * there).  After: 10 of 12 runs started on the other CPU within 0.35 ms.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "lib/xmalloc.h"
#include "plan/plan_int.h"

struct start {
	void		*(*fn)(void *);
	void		*arg;
	cpu_set_t	 mask;		/* the creator's CPUs */
	int		 pinned;
};

static void *
trampoline(void *p)
{
	struct start s = *(struct start *)p;

	free(p);
	if (s.pinned)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(s.mask),
		    &s.mask);
	return s.fn(s.arg);
}

int
plan_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	struct start *s = xmalloc(sizeof(*s));
	pthread_attr_t attr;
	cpu_set_t other;
	int cpu, rc;

	s->fn = fn;
	s->arg = arg;
	s->pinned = 0;
	if (pthread_attr_init(&attr) != 0) {
		free(s);
		return -1;
	}
	if (pthread_getaffinity_np(pthread_self(), sizeof(s->mask),
	    &s->mask) == 0 && (cpu = sched_getcpu()) >= 0 &&
	    cpu < CPU_SETSIZE && CPU_ISSET(cpu, &s->mask)) {
		other = s->mask;
		CPU_CLR(cpu, &other);
		if (CPU_COUNT(&other) > 0 && pthread_attr_setaffinity_np(&attr,
		    sizeof(other), &other) == 0)
			s->pinned = 1;
	}
	rc = pthread_create(t, &attr, trampoline, s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(s);
		return -1;
	}
	return 0;
}
