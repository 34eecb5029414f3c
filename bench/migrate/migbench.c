/*
 * migbench: live migrations through hangar's own hv_migrate (hv/migrate.c),
 * back and forth between two hosts, one line of figures per migration:
 *
 *	hangar N SRC DST pause_ms job_ms wall_ms bytes
 *
 * pause_ms and job_ms are QEMU's figures from the completed job (what
 * `maint report` shows), wall_ms the whole call as hangard's worker
 * waits for it (hangar's disk copy made and the source volume deleted).
 * bench/migrate/run runs it beside `virsh migrate --live` and prints the
 * figures and ratios.
 *
 * usage: migbench [-d disk_path -P pool] [-p peer_uri] [-t] [-n count]
 *            uri_a uri_b uuid
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "lib/str.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: migbench [-d disk_path -P pool] [-p peer_uri] "
	    "[-t] [-n count] uri_a uri_b uuid\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct hv_migrate_opts o;
	struct hv_migration m;
	struct hv_conn *c[2];
	struct herr e;
	char disk[1024] = "";
	const char *uri[2], *uuid, *pool = NULL;
	int ch, i, n = 20, from;
	int64_t t0;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "d:n:p:P:t")) != -1) {
		switch (ch) {
		case 'd':
			str_copy(disk, optarg, sizeof(disk));
			o.copy_storage = 1;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'p':
			o.p2p = 1;
			o.peer_uri = optarg;
			break;
		case 'P':
			pool = optarg;
			break;
		case 't':
			o.tls = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3 || n < 1 || (disk[0] != '\0' && pool == NULL))
		usage();
	uri[0] = argv[optind];
	uri[1] = argv[optind + 1];
	uuid = argv[optind + 2];
	if (hv_global_init(&e) == -1 || (c[0] = hv_open(uri[0], &e)) == NULL ||
	    (c[1] = hv_open(uri[1], &e)) == NULL) {
		fprintf(stderr, "migbench: %s\n", e.msg);
		return 1;
	}
	/* the guest is on uri_a to begin with */
	for (i = 0; i < n; i++) {
		from = i % 2;
		o.disk_path = disk[0] != '\0' ? disk : NULL;
		o.dst_pool = pool;
		t0 = now_ms();
		if (hv_migrate(c[from], uuid, uri[1 - from], &o, &m, &e) == -1) {
			fprintf(stderr, "migbench: migration %d: %s\n", i + 1,
			    e.msg);
			break;
		}
		printf("hangar %d %c %c %lld %lld %lld %llu\n", i + 1,
		    from == 0 ? 'a' : 'b', from == 0 ? 'b' : 'a',
		    (long long)m.pause_ms, (long long)m.total_ms,
		    (long long)(now_ms() - t0), (unsigned long long)m.bytes);
		fflush(stdout);
		if (m.disk_path[0] != '\0')
			str_copy(disk, m.disk_path, sizeof(disk));
	}
	hv_close(c[0]);
	hv_close(c[1]);
	return i == n ? 0 : 1;
}
