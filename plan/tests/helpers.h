/* Test helpers: small clusters by hand, random clusters by seed. */
#ifndef HANGAR_PLAN_TEST_HELPERS_H
#define HANGAR_PLAN_TEST_HELPERS_H

#include <stdint.h>

#include "plan/plan.h"

/* Adds a host (RAM and disk in GiB); returns its index. */
int32_t	 t_host(struct plan_cluster *, const char *name, int64_t ram_gib,
	    int64_t disk_gib, int32_t cpus, enum plan_disk_kind,
	    enum plan_host_state, const char *tags);
/* Adds a guest (RAM in MiB, disk in GiB); returns its index. */
int32_t	 t_guest(struct plan_cluster *, const char *name, const char *owner,
	    int64_t ram_mib, int64_t disk_gib, int32_t vcpus, int32_t host,
	    int32_t secondary, int live);
/*
 * A random fleet for seed: 2-24 hosts (HDD hosts tagged stor:hdd, SSD
 * hosts stor:ssd, a few in maintenance, draining or retired, a few
 * offline, host 1 the master) in 1-3 node groups, some with disk used
 * by nobody (reserved_disk_mib), guests placed where they fit, some
 * DRBD (both copies in one group), some that cannot live-migrate, owned
 * by a handful of customers.
 */
struct plan_cluster	*t_random_cluster(uint32_t seed);
/* A small deterministic PRNG (xorshift32). */
uint32_t	 t_rand(uint32_t *state);

#endif
