/* Test helpers: clusters by hand and random clusters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "plan/tests/helpers.h"

int32_t
t_host(struct plan_cluster *c, const char *name, int64_t ram_gib,
    int64_t disk_gib, int32_t cpus, enum plan_disk_kind kind,
    enum plan_host_state state, const char *tags)
{
	assert_int_equal(plan_cluster_add_host(c, name, ram_gib * 1024,
	    disk_gib * 1024, cpus, kind, state, tags), 0);
	return (int32_t)c->nhosts - 1;
}

int32_t
t_guest(struct plan_cluster *c, const char *name, const char *owner,
    int64_t ram_mib, int64_t disk_gib, int32_t vcpus, int32_t host,
    int32_t secondary, int live)
{
	assert_int_equal(plan_cluster_add_guest(c, name, owner, ram_mib,
	    disk_gib * 1024, vcpus, host, secondary, live), 0);
	return (int32_t)c->nguests - 1;
}

uint32_t
t_rand(uint32_t *s)
{
	uint32_t x = *s != 0 ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

struct plan_cluster *
t_random_cluster(uint32_t seed)
{
	struct plan_cluster *c = plan_cluster_new();
	uint32_t s = seed * 2654435761u + 1;
	int64_t *ram, *disk, *cpu;
	int nh = 2 + (int)(t_rand(&s) % 23), i, n, tries;
	int ng = 1 + (int)(t_rand(&s) % 3);	/* node groups */
	char name[32], owner[32];

	c->vcpu_ratio = 1.0 + (double)(t_rand(&s) % 4);
	for (i = 0; i < ng && ng > 1; i++) {
		snprintf(name, sizeof(name), "group-%d", i);
		assert_int_equal(plan_cluster_add_group(c, name), i);
	}
	ram = calloc((size_t)nh, sizeof(int64_t));
	disk = calloc((size_t)nh, sizeof(int64_t));
	cpu = calloc((size_t)nh, sizeof(int64_t));
	assert_non_null(cpu);
	for (i = 0; i < nh; i++) {
		int ssd = t_rand(&s) % 5 < 3;
		uint32_t st = t_rand(&s) % 20;
		enum plan_host_state state = st == 0 ? PLAN_HOST_MAINTENANCE :
		    st == 1 ? PLAN_HOST_DRAINING : st == 2 ? PLAN_HOST_RETIRED :
		    PLAN_HOST_ACTIVE;

		snprintf(name, sizeof(name), "%s-%02d", ssd ? "ssd" : "hdd", i);
		t_host(c, name, 16 + (int64_t)(t_rand(&s) % 8) * 16,
		    500 + (int64_t)(t_rand(&s) % 8) * 250,
		    4 + (int32_t)(t_rand(&s) % 4) * 4,
		    ssd ? PLAN_DISK_SSD : PLAN_DISK_HDD, state,
		    ssd ? "stor:ssd" : "stor:hdd,old");
		/* Ganeti's: a node group, now and then offline, a master */
		c->hosts[i].group = (int32_t)(t_rand(&s) % (uint32_t)ng);
		c->hosts[i].offline = t_rand(&s) % 12 == 0;
		c->hosts[i].master = i == 1;
	}
	n = (int)(t_rand(&s) % (uint32_t)(nh * 12 + 1));
	for (i = 0; i < n; i++) {
		int64_t gr = 512LL << (t_rand(&s) % 6);
		int64_t gd = 10 + (int64_t)(t_rand(&s) % 20) * 10;
		int32_t gv = 1 + (int32_t)(t_rand(&s) % 4);
		int drbd = t_rand(&s) % 8 == 0;
		int32_t h, sec = PLAN_NONE;

		for (tries = 0; tries < 8; tries++) {
			h = (int32_t)(t_rand(&s) % (uint32_t)nh);
			if (ram[h] + gr > c->hosts[h].ram_mib * 9 / 10 ||
			    disk[h] + gd * 1024 > c->hosts[h].disk_mib ||
			    cpu[h] + gv > (int64_t)(c->hosts[h].cpus *
			    c->vcpu_ratio))
				continue;
			if (drbd) {
				/* its DRBD copy in its group, as Ganeti's */
				sec = (int32_t)(t_rand(&s) % (uint32_t)nh);
				if (sec == h || disk[sec] + gd * 1024 >
				    c->hosts[sec].disk_mib ||
				    c->hosts[sec].group != c->hosts[h].group)
					sec = PLAN_NONE;
			}
			snprintf(name, sizeof(name), "vm%04d", i);
			snprintf(owner, sizeof(owner), "cust%u",
			    t_rand(&s) % 6);
			t_guest(c, name, t_rand(&s) % 7 == 0 ? NULL : owner,
			    gr, gd, gv, h, sec, t_rand(&s) % 6 != 0);
			ram[h] += gr;
			disk[h] += gd * 1024;
			cpu[h] += gv;
			if (sec != PLAN_NONE)
				disk[sec] += gd * 1024;
			break;
		}
	}
	/* disk used by nobody we know (f_dsk lower than guests leave):
	 * now and then up to all of what is free */
	for (i = 0; i < nh; i++)
		if (t_rand(&s) % 4 == 0 && c->hosts[i].disk_mib > disk[i])
			c->hosts[i].reserved_disk_mib = (int64_t)(t_rand(&s) %
			    (uint32_t)(c->hosts[i].disk_mib - disk[i] + 1));
	free(ram);
	free(disk);
	free(cpu);
	return c;
}
