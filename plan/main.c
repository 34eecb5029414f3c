/*
 * hangar-plan: the planners without the store, for the tests and
 * bench/planner.  `hangar-plan consolidate -t FILE --retire stor:hdd`
 * does what `hangar plan consolidate ...` does with a cluster file.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plan/cli.h"

#define HEAP_PAD	(64 << 20)
#define HUGE_PAGE	((uintptr_t)2 << 20)

/*
 * A plan of a large fleet fills some 10 MB of heap in a few milliseconds,
 * and a 4 KiB page fault costs as much as planning 20 guests: the heap
 * grows with brk(2) only (no mmap(2) per large array, no trimming), 64 MiB
 * ahead, and asks for 2 MiB pages where the kernel allows them (a hint:
 * nothing changes where it does not); the planner's second thread
 * allocates there too, not in an arena of its own in 4 KiB pages.
 */
static void
heap_setup(void)
{
	uintptr_t lo, hi;
	void *x;

	if (mallopt(M_MMAP_THRESHOLD, 256 << 20) == 0 ||
	    mallopt(M_TOP_PAD, HEAP_PAD) == 0 ||
	    mallopt(M_TRIM_THRESHOLD, 512 << 20) == 0 ||
	    mallopt(M_ARENA_MAX, 1) == 0)
		return;
	if ((x = malloc(1)) == NULL)
		return;
	lo = ((uintptr_t)x + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	hi = (uintptr_t)sbrk(0) & ~(HUGE_PAGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	free(x);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: hangar-plan consolidate|maintenance "
		    "-t FILE [options]\n");
		return PLAN_EXIT_USAGE;
	}
	heap_setup();
	return plan_cli_main(argc - 1, argv + 1, NULL, NULL);
}
