/*
 * Fuzzes the superblock parser (`mdadm --examine --export` output) and
 * the force-assembly advice built from it: whatever a member's
 * superblock says, the advice stays within its buffers, only members
 * judged safe or to check are in the command, and a stale member never
 * is.  The input is one superblock, used for two of six members.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "health/recover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char good[] = "MD_UUID=66027158:d278c599:b6c9331c:d9e53d70"
	    "\nMD_EVENTS=10\nMD_UPDATE_TIME=1796408021\n";
	struct recovery *r = calloc(1, sizeof(*r));
	struct md_examine ex;
	struct herr e;

	if (md_examine_parse((const char *)data, size, &ex, &e) == 0) {
		if (ex.uuid[0] == '\0' || strlen(ex.uuid) >= sizeof(ex.uuid))
			abort();
		str_copy(r->array, "md0", sizeof(r->array));
		str_copy(r->level, ex.level[0] ? ex.level : "raid6",
		    sizeof(r->level));
		r->raid_disks = 6;
		r->nm = 6;
		for (size_t i = 0; i < r->nm; i++) {
			struct rmember *m = &r->m[i];

			snprintf(m->name, sizeof(m->name), "sd%c1", (char)('a' + i));
			snprintf(m->dev, sizeof(m->dev), "/dev/%s", m->name);
			m->failed = i > 1;
			m->failed_usec = i > 1 ? 1000000 * (uint64_t)i : 0;
			m->sb = i < 2 ? 1 : -1;
		}
		r->m[0].ex = ex;
		md_examine_parse(good, strlen(good), &r->m[1].ex, &e);
		recovery_plan(r, 120000000);
		for (size_t i = 0; i < r->nm; i++)
			if (r->m[i].verdict == RM_STALE &&
			    strstr(r->command, r->m[i].dev) != NULL &&
			    strstr(r->command, r->m[i].dev)[strlen(
			    r->m[i].dev)] <= ' ')
				abort();
	}
	free(r);
	return 0;
}
