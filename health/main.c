/*
 * hangar-health: disks, RAID and controllers on every host, correlated
 * into incidents, alerts that always arrive.  See hangar-health(8).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/log.h"
#include "lib/str.h"
#include "health/config.h"
#include "health/daemon.h"
#include "health/record.h"
#include "health/replay.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: hangar-health [-dnv] [-f config]\n"
	    "       hangar-health replay [--outbox dir] [--reports file] "
	    "[-f config] dir\n"
	    "       hangar-health record [-f config] dir\n");
	exit(2);
}

static int
cmd_replay(int argc, char **argv, const char *conffile)
{
	static const struct option opts[] = {
		{ "outbox", required_argument, NULL, 'o' },
		{ "reports", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct health_cfg cfg;
	const char *outbox = NULL, *reports = NULL;
	FILE *rf = NULL;
	int ret;
	struct herr e;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:o:r:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			conffile = optarg;
			break;
		case 'o':
			outbox = optarg;
			break;
		case 'r':
			reports = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	health_cfg_default(&cfg);
	/* replay output must not depend on this machine's name */
	str_copy(cfg.alert.host, "replay.invalid", sizeof(cfg.alert.host));
	if (conffile != NULL && health_cfg_load(conffile, 1, &cfg, &e) == -1) {
		fprintf(stderr, "hangar-health: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	if (reports != NULL && (rf = fopen(reports, "w")) == NULL) {
		fprintf(stderr, "hangar-health: %s: %s\n", reports,
		    strerror(errno));
		return 1;
	}
	ret = replay_run(argv[optind], outbox, rf, &cfg.alert, &cfg.corr,
	    stdout, &e);
	if (rf != NULL && fclose(rf) != 0 && ret == 0) {
		herr_set(&e, HERR_INTERNAL, "%s: %s", reports,
		    strerror(errno));
		ret = -1;
	}
	if (ret == -1) {
		fprintf(stderr, "hangar-health: replay: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	return 0;
}

static int
cmd_record(int argc, char **argv)
{
	const char *conffile = HEALTH_CONF;
	struct health_cfg cfg;
	struct record_cfg rc;
	struct herr e;
	int ch, named = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "f:")) != -1) {
		switch (ch) {
		case 'f':
			conffile = optarg;
			named = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	health_cfg_default(&cfg);
	if (health_cfg_load(conffile, named, &cfg, &e) == -1) {
		fprintf(stderr, "hangar-health: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	memset(&rc, 0, sizeof(rc));
	str_copy(rc.dir, argv[optind], sizeof(rc.dir));
	/* the mirror is made of paths below the sysfs root */
	if (realpath(cfg.sysfs, rc.sysfs) == NULL) {
		fprintf(stderr, "hangar-health: %s: cannot resolve\n",
		    cfg.sysfs);
		return 3;
	}
	str_copy(rc.mdstat, cfg.mdstat, sizeof(rc.mdstat));
	str_copy(rc.kmsg, cfg.kmsg, sizeof(rc.kmsg));
	str_copy(rc.mountinfo, cfg.mountinfo, sizeof(rc.mountinfo));
	if (cfg.mdadm[0] != '\0' && access(cfg.mdadm, X_OK) == 0)
		str_copy(rc.mdadm, cfg.mdadm, sizeof(rc.mdadm));
	if (access(cfg.baseline, R_OK) == 0)
		str_copy(rc.baseline, cfg.baseline, sizeof(rc.baseline));
	if (record_run(&rc, &e) == -1) {
		fprintf(stderr, "hangar-health: record: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conffile = HEALTH_CONF;
	int ch, foreground = 0, check = 0, verbose = 0, named = 0;
	struct health_cfg cfg;
	struct herr e;

	if (argc > 1 && strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1, NULL);
	if (argc > 1 && strcmp(argv[1], "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			conffile = optarg;
			named = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();
	health_cfg_default(&cfg);
	if (health_cfg_load(conffile, named, &cfg, &e) == -1) {
		fprintf(stderr, "hangar-health: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	if (check) {
		if (health_cfg_check(&cfg, &e) == -1) {
			fprintf(stderr, "hangar-health: %s\n", e.msg);
			return herr_exit_status(e.code);
		}
		printf("configuration OK\n");
		return 0;
	}
	log_init("hangar-health", foreground, verbose);
	return daemon_run(&cfg, foreground);
}
