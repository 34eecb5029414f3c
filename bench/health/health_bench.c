/*
 * health_bench: kernel-log lines per second through hangar-health's
 * parse (kmsg_parse + kmsg_classify) and correlate (corr_kevent) on one
 * core.  Usage: health-bench SYSFS [LINES]
 * The lines are a mix like a busy host's log: mostly noise, some
 * SCSI/ATA errors, md messages and controller resets on the fixture's
 * disks.  Prints lines/s and the ratio to the 1,000,000 lines/s target;
 * with -o FILE also writes the lines for the grep comparison in run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "health/corr.h"

static const char *noise[] = {
	"EXT4-fs (dm-3): mounted filesystem with ordered data mode. Quota mode: none.",
	"audit: type=1400 audit(1700000000.123:456): apparmor=\"STATUS\" operation=\"profile_load\"",
	"usb 1-1.2: new high-speed USB device number 5 using xhci_hcd",
	"xen-blkback: backend/vbd/12/51712: using 4 queues, protocol 1 (x86_64-abi) persistent grants",
	"vif vif-12-0 vif12.0: Guest Rx ready",
	"br0: port 3(vif12.0) entered forwarding state",
	"nf_conntrack: nf_conntrack: table full, dropping packet",
	"TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.",
	"sd 0:0:1:0: [sdb] Write cache: enabled, read cache: enabled",
	"md: data-check of RAID array md0",
	"ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
	"mpt3sas_cm0: log_info(0x31120303): originator(PL), code(0x12), sub_code(0x0303)",
};

static const char *events[] = {
	"I/O error, dev sdb, sector 123456 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	"critical medium error, dev sde, sector 4660 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	"sd 0:0:2:0: [sdc] tag#17 Sense Key : Medium Error [current] ",
	"ata2.00: failed command: READ FPDMA QUEUED",
	"ata1: hard resetting link",
	"md/raid1:md1: read error corrected (8 sectors at 2608 on sdf)",
	"mpt3sas_cm0: sending diag reset !!",
	"mpt3sas_cm0: diag reset: SUCCESS",
	"(XEN) Xen WARN at msi.c:510",
	"md/raid:md0: Operation continuing on 5 devices.",
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct topo *t = xcalloc(1, sizeof(*t));
	size_t n = 2000000, total = 0, hits = 0;
	struct corr_cfg cfg;
	const char *out = NULL;
	struct corr *c;
	struct herr e;
	char **lines;
	uint64_t t0, t1;
	double secs;
	int ch;

	while ((ch = getopt(argc, argv, "o:")) != -1)
		if (ch == 'o')
			out = optarg;
	argc -= optind;
	argv += optind;
	if (argc < 1 || topo_scan(argv[0], t, &e) == -1) {
		fprintf(stderr, "usage: health-bench [-o lines] SYSFS [LINES]\n");
		return 2;
	}
	if (argc > 1)
		n = strtoull(argv[1], NULL, 10);
	lines = xcalloc(n, sizeof(*lines));
	srand(2017);
	for (size_t i = 0; i < n; i++) {
		/* one line in 20 is something hangar-health acts on */
		const char *m = rand() % 20 == 0 ?
		    events[rand() % (sizeof(events) / sizeof(events[0]))] :
		    noise[rand() % (sizeof(noise) / sizeof(noise[0]))];

		lines[i] = xasprintf("%d,%zu,%llu,-;%s", 3 + rand() % 4, i,
		    (unsigned long long)(1000000 + i * 50), m);
		total += strlen(lines[i]) + 1;
	}
	if (out != NULL) {
		FILE *f = fopen(out, "w");

		for (size_t i = 0; f != NULL && i < n; i++)
			fprintf(f, "%s\n", lines[i]);
		if (f == NULL || fclose(f) != 0)
			return 1;
	}
	corr_cfg_default(&cfg);
	c = corr_new(t, &cfg, NULL, NULL, 0);
	t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		struct kevent ev;
		struct kmsg k;

		if (kmsg_parse(lines[i], strlen(lines[i]), &k) == -1)
			continue;
		kmsg_classify(&k, &ev);
		if (ev.type != KEV_NONE) {
			hits++;
			corr_kevent(c, &ev);
		}
	}
	t1 = now_ns();
	secs = (double)(t1 - t0) / 1e9;
	printf("health kmsg: %zu lines (%.1f MB, %zu acted on, %zu incidents) "
	    "in %.3f s: %.0f lines/s, %.2fx the 1,000,000 lines/s target\n",
	    n, total / 1e6, hits, corr_count(c), secs, n / secs,
	    n / secs / 1e6);
	corr_free(c);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(t);
	return 0;
}
