/*
 * plan_cli_main over a live cluster (what `hangar plan` passes from the
 * store), called several times in one process as hangar may.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "plan/cli.h"
#include "plan/plan.h"
#include "plan/tests/helpers.h"

static int live_calls;	/* how often plan_cli_main asked for the fleet */

/* The live fleet, as hangar's daemon would give it; failing when NULL. */
static const struct plan_cluster *
live_get(void *arg, struct herr *e)
{
	live_calls++;
	if (arg == NULL)
		herr_set(e, HERR_UNREACHABLE, "cannot connect to hangard");
	return arg;
}

/* Runs plan_cli_main with stdout in a buffer; returns the exit status. */
static int
run(const struct plan_cluster *live, char *out, size_t size, int argc, ...)
{
	char *argv[16];
	char path[] = "/tmp/plan-cli-XXXXXX";
	va_list ap;
	int fd, saved, rc, i;
	ssize_t n;

	va_start(ap, argc);
	for (i = 0; i < argc && i < 15; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[i] = NULL;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	rc = plan_cli_main(argc, argv, live_get, (void *)live);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return rc;
}

static struct plan_cluster *
fleet(void)
{
	struct plan_cluster *c = plan_cluster_new();
	int32_t old, new1;

	old = t_host(c, "old", 32, 1000, 8, PLAN_DISK_HDD, PLAN_HOST_ACTIVE,
	    "stor:hdd");
	new1 = t_host(c, "new1", 128, 4000, 32, PLAN_DISK_SSD,
	    PLAN_HOST_ACTIVE, "stor:ssd");
	t_host(c, "new2", 128, 4000, 32, PLAN_DISK_SSD, PLAN_HOST_ACTIVE,
	    "stor:ssd");
	t_guest(c, "web", "acme", 4096, 80, 2, old, PLAN_NONE, 1);
	t_guest(c, "db", "acme", 8192, 160, 4, old, PLAN_NONE, 0);
	t_guest(c, "shop", "bolt", 2048, 50, 1, new1, PLAN_NONE, 1);
	return c;
}

static void
test_live(void **state)
{
	struct plan_cluster *c = fleet();
	char out[65536];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {	/* getopt starts over each time */
		assert_int_equal(run(c, out, sizeof(out), 4, "consolidate",
		    "--retire", "stor:hdd", "--json"), PLAN_EXIT_OK);
		assert_non_null(strstr(out, "\"command\":\"consolidate\""));
		assert_non_null(strstr(out, "\"moves\":2,\"reboots\":1"));
		assert_int_equal(run(c, out, sizeof(out), 3, "maintenance",
		    "--max-parallel", "1"), PLAN_EXIT_OK);
		assert_non_null(strstr(out, "3 batches"));
		assert_non_null(strstr(out, "1 of 3 guests see a reboot"));
	}
	/* --vcpu-ratio applies to the live cluster without changing it */
	assert_int_equal(run(c, out, sizeof(out), 5, "consolidate", "--retire",
	    "old", "--vcpu-ratio", "0.01"), PLAN_EXIT_ERR);
	assert_non_null(strstr(out, "Not placed (2)"));
	assert_true(c->vcpu_ratio > 3.99 && c->vcpu_ratio < 4.01);
	/* no fleet to be had: the daemon's error and its exit status */
	assert_int_equal(run(NULL, out, sizeof(out), 3, "consolidate",
	    "--retire", "old"), herr_exit_status(HERR_UNREACHABLE));
	/* a bad command line is refused before the daemon is asked */
	live_calls = 0;
	assert_int_equal(run(c, out, sizeof(out), 1, "bogus"),
	    PLAN_EXIT_USAGE);
	assert_int_equal(run(c, out, sizeof(out), 0), PLAN_EXIT_USAGE);
	assert_int_equal(run(NULL, out, sizeof(out), 3, "maintenance",
	    "--max-parallel", "0"), PLAN_EXIT_USAGE);
	assert_int_equal(run(NULL, out, sizeof(out), 2, "consolidate",
	    "--no-such-option"), PLAN_EXIT_USAGE);
	assert_int_equal(live_calls, 0);
	/* with -t FILE the daemon is not asked either */
	assert_int_equal(run(c, out, sizeof(out), 4, "consolidate", "--pack",
	    "-t", "/nonexistent/cluster.data"), PLAN_EXIT_ERR);
	assert_int_equal(live_calls, 0);
	plan_cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
