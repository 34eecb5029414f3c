/*
 * prom: metrics for disks, arrays, controllers and open incidents.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "health/prom.h"

/* Label values: escape backslash and double quote; no newlines exist
 * (sysfs values are sanitized when read). */
static void
label(FILE *f, const char *name, const char *v, int last)
{
	fprintf(f, "%s=\"", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v != '\n')
			fputc(*v, f);
	}
	fprintf(f, "\"%s", last ? "" : ",");
}

void
prom_write_to(FILE *f, const struct corr *c, size_t spooled)
{
	const struct topo *t = corr_topo(c);
	static const enum arr_state states[] = { ARR_CLEAN, ARR_DEGRADED,
	    ARR_REBUILDING, ARR_FAILED };

	fprintf(f, "# HELP hangar_health_disk_failed 1 when the disk "
	    "dropped out (md or SCSI offline).\n"
	    "# TYPE hangar_health_disk_failed gauge\n");
	for (size_t i = 0; i < t->nd; i++) {
		const struct disk *d = &t->d[i];
		unsigned int bb;
		int failed;

		corr_disk_state(c, d->name, &failed, &bb);
		fprintf(f, "hangar_health_disk_failed{");
		label(f, "disk", d->name, 0);
		label(f, "serial", disk_id(d), 0);
		label(f, "path", d->path, 0);
		label(f, "controller", d->ctrl >= 0 ? t->c[d->ctrl].key : "",
		    1);
		fprintf(f, "} %d\n", failed);
	}
	fprintf(f, "# HELP hangar_health_disk_bad_block_ranges md bad-block "
	    "entries of the disk.\n"
	    "# TYPE hangar_health_disk_bad_block_ranges gauge\n");
	for (size_t i = 0; i < t->nd; i++) {
		unsigned int bb;
		int failed;

		corr_disk_state(c, t->d[i].name, &failed, &bb);
		fprintf(f, "hangar_health_disk_bad_block_ranges{");
		label(f, "disk", t->d[i].name, 0);
		label(f, "serial", disk_id(&t->d[i]), 1);
		fprintf(f, "} %u\n", bb);
	}
	fprintf(f, "# HELP hangar_health_array_state 1 for the md array's "
	    "current state.\n# TYPE hangar_health_array_state gauge\n");
	for (size_t i = 0; i < corr_narrays(c); i++) {
		const struct arr *a = corr_array_at(c, i);

		for (size_t s = 0; s < sizeof(states) / sizeof(states[0]);
		    s++) {
			fprintf(f, "hangar_health_array_state{");
			label(f, "array", a->name, 0);
			label(f, "state", arr_state_name(states[s]), 1);
			fprintf(f, "} %d\n", a->state == states[s]);
		}
	}
	fprintf(f, "# HELP hangar_health_array_failed_members Members "
	    "missing or faulty.\n"
	    "# TYPE hangar_health_array_failed_members gauge\n");
	for (size_t i = 0; i < corr_narrays(c); i++) {
		const struct arr *a = corr_array_at(c, i);

		fprintf(f, "hangar_health_array_failed_members{");
		label(f, "array", a->name, 1);
		fprintf(f, "} %d\n", a->failed);
	}
	fprintf(f, "# HELP hangar_health_controller_info Controllers seen "
	    "in sysfs.\n# TYPE hangar_health_controller_info gauge\n");
	for (size_t i = 0; i < t->nc; i++) {
		fprintf(f, "hangar_health_controller_info{");
		label(f, "controller", t->c[i].key, 0);
		label(f, "driver", t->c[i].driver, 0);
		label(f, "board", t->c[i].board, 0);
		label(f, "firmware", t->c[i].firmware, 1);
		fprintf(f, "} 1\n");
	}
	fprintf(f, "# HELP hangar_health_controller_ioc_resets "
	    "ioc_reset_count of mpt2sas/mpt3sas controllers.\n"
	    "# TYPE hangar_health_controller_ioc_resets counter\n");
	for (size_t i = 0; i < t->nc; i++) {
		if (t->c[i].ioc_reset_count < 0)
			continue;
		fprintf(f, "hangar_health_controller_ioc_resets{");
		label(f, "controller", t->c[i].key, 1);
		fprintf(f, "} %lld\n", t->c[i].ioc_reset_count);
	}
	fprintf(f, "# HELP hangar_health_incidents_open Open incidents.\n"
	    "# TYPE hangar_health_incidents_open gauge\n"
	    "hangar_health_incidents_open{severity=\"warning\"} %zu\n"
	    "hangar_health_incidents_open{severity=\"critical\"} %zu\n",
	    corr_open_count(c, SEV_WARNING), corr_open_count(c, SEV_CRITICAL));
	fprintf(f, "# HELP hangar_health_spool_messages Alerts waiting in "
	    "the spool.\n# TYPE hangar_health_spool_messages gauge\n"
	    "hangar_health_spool_messages %zu\n", spooled);
}

int
prom_write(const char *path, const struct corr *c, size_t spooled,
    struct herr *e)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp,
		    strerror(errno));
	prom_write_to(f, c, spooled);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		unlink(tmp);
		return herr_set(e, HERR_INTERNAL, "%s: %s", path,
		    strerror(errno));
	}
	return 0;
}
