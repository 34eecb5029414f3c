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

/*
 * argv[0] is the subcommand ("consolidate" or "maintenance").  Plans over
 * the cluster file given with -t FILE, or else over live_or_null (the
 * fleet from the store); with neither it fails with a clear message.
 * Prints the plan on stdout (a table, or JSON with --json), errors on
 * stderr, and returns the exit status.
 */
int	plan_cli_main(int argc, char **argv,
	    const struct plan_cluster *live_or_null);

#endif
