/*
 * hangar-plan: the planners without the store, for the tests and
 * bench/planner.  `hangar-plan consolidate -t FILE --retire stor:hdd`
 * does what `hangar plan consolidate ...` does with a cluster file.
 */
#include <stdio.h>
#include <string.h>

#include "plan/cli.h"

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: hangar-plan consolidate|maintenance "
		    "-t FILE [options]\n");
		return PLAN_EXIT_USAGE;
	}
	return plan_cli_main(argc - 1, argv + 1, NULL);
}
