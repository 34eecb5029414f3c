/* plan_thread_start(): the task runs, with its creator's CPUs again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <cmocka.h>

#include "plan/plan_int.h"

struct seen {
	int		 arg;
	cpu_set_t	 mask;
	int		 got_mask;
};

static void *
task(void *p)
{
	struct seen *s = p;

	s->arg++;
	s->got_mask = pthread_getaffinity_np(pthread_self(), sizeof(s->mask),
	    &s->mask) == 0;
	return s;
}

static void
test_start(void **state)
{
	cpu_set_t mine;
	struct seen s;
	pthread_t t;
	void *ret = NULL;
	int i;

	(void)state;
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(mine),
	    &mine), 0);
	for (i = 0; i < 20; i++) {
		memset(&s, 0, sizeof(s));
		s.arg = i;
		assert_int_equal(plan_thread_start(&t, task, &s), 0);
		assert_int_equal(pthread_join(t, &ret), 0);
		assert_ptr_equal(ret, &s);
		assert_int_equal(s.arg, i + 1);
		/* not left pinned away from any CPU the creator may use */
		assert_true(s.got_mask);
		assert_true(CPU_EQUAL(&s.mask, &mine));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
