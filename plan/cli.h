/*
 * The command front end of the planners: `hangar plan consolidate ...`
 * and `hangar plan maintenance ...` (see hangar-plan.8).
 */
#ifndef HANGAR_PLAN_CLI_H
#define HANGAR_PLAN_CLI_H

#include "plan/plan.h"

#define PLAN_EXIT_OK	0	/* a complete plan was printed */
#define PLAN_EXIT_ERR	1	/* an error, or some guests do not fit */
#define PLAN_EXIT_USAGE	2	/* bad command line */

struct herr;

/*
 * Where the cluster comes from without -t FILE (the live fleet): called
 * once, only after the command line has been checked, so a usage error
 * never waits on the daemon.  Returns a cluster that stays the caller's
 * (it frees it after plan_cli_main), or NULL with e set.
 */
typedef const struct plan_cluster *(*plan_live_fn)(void *arg,
		    struct herr *e);

/*
 * argv[0] is the subcommand ("consolidate" or "maintenance").  Plans over
 * the cluster file given with -t FILE, or else over what live(arg) gives
 * (live may be NULL: then -t is required, with a clear message).  Prints
 * the plan on stdout (a table, or JSON with --json), errors on stderr,
 * and returns the exit status (herr_exit_status's when live fails).
 */
int	plan_cli_main(int argc, char **argv, plan_live_fn live, void *arg);

#endif
