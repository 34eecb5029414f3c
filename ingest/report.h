/*
 * report: one line hangar-health sends the control node about one of
 * its incidents (the agreed interface: hangar-ingest(8), INGEST in
 * hangard(8)).  Pure code, fuzzed (fuzz/ingest_report.c): no I/O, no
 * global state.
 *
 *   {"v": 1, "host": "h3", "seq": 17, "time": "2017-03-08T20:17:05Z",
 *    "incident": {"id": "h3-20170308T201105Z-1",
 *                 "kind": "controller" | "disk" | "array" | "smart",
 *                 "state": "open" | "update" | "resolved",
 *                 "severity": "warning" | "critical",
 *                 "summary": "one line",
 *                 "controller": {"name", "pci", "driver"},
 *                 "disks": [{"serial", "wwn", "model", "dev", "slot"}],
 *                 "arrays": [{"name", "state": "failed" | "degraded" |
 *                             "active" | "recovering",
 *                             "mounts": ["/var/lib/libvirt/images"],
 *                             "vgs": ["vg0"]}]}}
 *
 * At most REPORT_MAX_LINE bytes of UTF-8, one JSON object, nesting at
 * most 8 deep.  v, host, seq, time and incident.id/kind/state are
 * required; unknown fields are ignored (newer senders); a known field of
 * the wrong type or with a bad value is refused with the reason.  No
 * string may hold a control character (a NUL or newline escaped in the
 * JSON included).
 */
#ifndef HANGAR_INGEST_REPORT_H
#define HANGAR_INGEST_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"

#define REPORT_MAX_LINE		(64 * 1024)
#define REPORT_MAX_DISKS	256
#define REPORT_MAX_ARRAYS	64
#define REPORT_MAX_PATHS	16	/* mounts, and VGs, per array */

struct report_disk {
	char	serial[64];
	char	wwn[64];
	char	model[64];
	char	dev[32];
	char	slot[64];
};

struct report_array {
	char	name[64];
	char	state[16];
	char	mounts[REPORT_MAX_PATHS][256];
	size_t	nmounts;
	char	vgs[REPORT_MAX_PATHS][128];
	size_t	nvgs;
};

struct report {
	int		v;
	char		host[64];
	int64_t		seq;
	int64_t		time;		/* unix seconds (UTC) */
	char		id[128];	/* hangar-health's incident id */
	char		kind[16];
	char		state[16];
	char		severity[16];	/* "" if not given */
	char		summary[512];
	char		ctrl_name[64];
	char		ctrl_pci[32];
	char		ctrl_driver[32];
	struct report_disk	*disks;		/* owned */
	size_t			 ndisks;
	struct report_array	*arrays;	/* owned */
	size_t			 narrays;
};

/* Parses len bytes (no newline); on error *out holds nothing to free. */
int	report_parse(const char *line, size_t len, struct report *out,
	    struct herr *e);
void	report_release(struct report *r);
/* "2017-03-08T20:17:05Z" (fractions of a second allowed) into *t. */
int	report_time(const char *s, int64_t *t);
/*
 * Whether a guest disk at path lies on the array: under one of its
 * mount points, or a logical volume of one of its VGs
 * (/dev/VG/..., /dev/mapper/VG-...).
 */
int	report_array_holds(const struct report_array *a, const char *path);

#endif
