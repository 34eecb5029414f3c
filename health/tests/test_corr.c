/*
 * Unit tests for the correlator, on the topology of the replay fixture
 * (argv[1]: its sysfs): sda-sdd behind mpt3sas 0000:03:00.0, sde/sdf on
 * AHCI 0000:00:1f.2, nvme0n1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "health/corr.h"
#include "health/prom.h"

#define S(x)	((uint64_t)(x) * 1000000)

static const char *sysroot;
static struct topo topo;

struct rec {
	struct incident	inc[16];
	enum notice	n[16];
	uint64_t	at[16];
	char		plan[16][256];	/* "sda:safe sdb:check ..." of md0 */
	char		command[16][256];
	size_t		count;
};

static void
record(void *arg, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t usec)
{
	struct rec *r = arg;

	assert_true(r->count < 16);
	r->plan[r->count][0] = r->command[r->count][0] = '\0';
	for (size_t i = 0; i < inc->narrays; i++) {
		struct recovery *p = malloc(sizeof(*p));

		if (corr_gives_recovery(inc, corr_array(c, inc->arrays[i])) &&
		    corr_recovery(c, inc->arrays[i], inc, p) == 0) {
			for (size_t j = 0; j < p->nm; j++) {
				size_t l = strlen(r->plan[r->count]);

				snprintf(r->plan[r->count] + l, 256 - l,
				    "%s%s:%s", j ? " " : "", p->m[j].name,
				    rm_verdict_name(p->m[j].verdict));
			}
			snprintf(r->command[r->count], 256, "%.255s",
			    p->command);
		}
		free(p);
	}
	r->inc[r->count] = *inc;
	r->n[r->count] = n;
	r->at[r->count] = usec;
	r->count++;
}

static struct corr *
setup_corr(struct rec *r, struct corr_cfg *cfg)
{
	struct corr_cfg def;

	memset(r, 0, sizeof(*r));
	if (cfg == NULL) {
		corr_cfg_default(&def);
		def.examine_hold_us = 0;	/* nobody reads superblocks */
		cfg = &def;
	}
	return corr_new(&topo, cfg, record, r, 0);
}

static void
ev(struct corr *c, uint64_t usec, const char *line)
{
	char buf[300];
	struct kevent e;
	struct kmsg k;

	snprintf(buf, sizeof(buf), "3,1,%llu,-;%s", (unsigned long long)usec,
	    line);
	assert_int_equal(kmsg_parse(buf, strlen(buf), &k), 0);
	kmsg_classify(&k, &e);
	assert_int_not_equal(e.type, KEV_NONE);
	corr_kevent(c, &e);
}

static void
mdstat(struct corr *c, uint64_t usec, const char *text)
{
	struct mdstat s;
	struct herr e;

	assert_int_equal(mdstat_parse(text, strlen(text), &s, &e), 0);
	corr_mdstat(c, usec, &s);
	mdstat_release(&s);
}

static const char clean[] = "Personalities : [raid6]\n"
    "md0 : active raid6 sdf[5] sde[4] sdd[3] sdc[2] sdb[1] sda[0]\n"
    "      100 blocks super 1.2 level 6, 512k chunk, algorithm 2 [6/6] "
    "[UUUUUU]\n\nunused devices: <none>\n";

static void
topology(void **state)
{
	struct disk *d;

	assert_int_equal(topo.nd, 7);
	assert_int_equal(topo.nc, 3);
	assert_non_null(d = topo_disk(&topo, "sdc"));
	assert_string_equal(d->serial, "ZC10A003");
	assert_string_equal(d->hctl, "0:0:2:0");
	assert_string_equal(d->path, "pci-0000:03:00.0-scsi-0:0:2:0");
	assert_string_equal(topo.c[d->ctrl].driver, "mpt3sas");
	assert_string_equal(topo.c[d->ctrl].board, "SAS9300-4i");
	assert_string_equal(topo.c[d->ctrl].firmware, "05.00.00.00");
	assert_string_equal(topo.c[d->ctrl].ids, "1000:0097");
	assert_int_equal(topo.c[d->ctrl].ioc_reset_count, 0);
	/* AHCI: two SCSI hosts, one controller */
	assert_int_equal(topo_disk(&topo, "sde")->ctrl,
	    topo_disk(&topo, "sdf")->ctrl);
	assert_string_equal(topo_disk(&topo, "sdf")->path,
	    "pci-0000:00:1f.2-ata-2");
	assert_non_null(d = topo_disk(&topo, "nvme0n1"));
	assert_string_equal(d->serial, "S4EVNX0N700123");
	assert_string_equal(topo.c[d->ctrl].driver, "nvme");
	assert_string_equal(topo.c[d->ctrl].firmware, "2B2QEXM7");
	assert_int_equal(topo_ctrl_ioc(&topo, "mpt3sas_cm0"),
	    topo_disk(&topo, "sda")->ctrl);
	assert_int_equal(topo_ctrl_ioc(&topo, "mpt3sas0"),
	    topo_disk(&topo, "sda")->ctrl);
	assert_int_equal(topo_ctrl_ioc(&topo, "ata1"), -1);
	assert_ptr_equal(topo_disk_serial(&topo, "ZC10A001"),
	    topo_disk(&topo, "sda"));
}

static void
four_disks_one_controller(void **state)
{
	static struct rec r;
	struct corr *c = setup_corr(&r, NULL);

	mdstat(c, S(10), clean);
	ev(c, S(100), "sd 0:0:0:0: rejecting I/O to offline device");
	ev(c, S(100) + 100, "md/raid:md0: Disk failure on sda, disabling "
	    "device.");
	ev(c, S(100) + 60000, "md/raid:md0: Disk failure on sdb, disabling "
	    "device.");
	ev(c, S(100) + 120000, "md/raid:md0: Disk failure on sdc, disabling "
	    "device.");
	ev(c, S(100) + 120100, "md/raid:md0: Cannot continue operation "
	    "(3/6 failed).");
	ev(c, S(100) + 230000, "md/raid:md0: Disk failure on sdd, disabling "
	    "device.");
	corr_tick(c, S(101));
	assert_int_equal(r.count, 0);		/* settling */
	assert_int_equal(corr_next_due(c), S(102) + 230000);
	corr_tick(c, S(103));
	assert_int_equal(r.count, 1);
	assert_int_equal(r.n[0], NOTICE_OPEN);
	assert_int_equal(r.inc[0].kind, INC_CONTROLLER);
	assert_int_equal(r.inc[0].sev, SEV_CRITICAL);
	assert_int_equal(r.inc[0].ndisks, 4);
	assert_string_equal(r.inc[0].disks[3].serial, "ZC10A004");
	assert_string_equal(r.inc[0].arrays[0], "md0");
	assert_int_equal(corr_array(c, "md0")->state, ARR_FAILED);
	corr_tick(c, UINT64_MAX);
	assert_int_equal(r.count, 1);
	assert_int_equal(corr_open_count(c, SEV_CRITICAL), 1);
	{
		char *text = NULL;
		size_t len;
		FILE *f = open_memstream(&text, &len);

		prom_write_to(f, c, 3);
		fclose(f);
		assert_non_null(strstr(text, "hangar_health_disk_failed{disk="
		    "\"sdd\",serial=\"ZC10A004\",path=\"pci-0000:03:00.0-"
		    "scsi-0:0:3:0\",controller=\"0000:03:00.0\"} 1\n"));
		assert_non_null(strstr(text, "hangar_health_disk_failed{disk="
		    "\"sde\""));
		assert_non_null(strstr(text, "hangar_health_array_state{array="
		    "\"md0\",state=\"failed\"} 1\n"));
		assert_non_null(strstr(text, "hangar_health_array_state{array="
		    "\"md0\",state=\"clean\"} 0\n"));
		assert_non_null(strstr(text, "hangar_health_incidents_open{"
		    "severity=\"critical\"} 1\n"));
		assert_non_null(strstr(text, "hangar_health_controller_info{"
		    "controller=\"0000:03:00.0\",driver=\"mpt3sas\",board="
		    "\"SAS9300-4i\",firmware=\"05.00.00.00\"} 1\n"));
		assert_non_null(strstr(text, "hangar_health_spool_messages 3\n"));
		free(text);
	}
	corr_free(c);
}

static void
window_and_controllers_separate(void **state)
{
	static struct rec r;
	struct corr *c = setup_corr(&r, NULL);

	mdstat(c, S(10), clean);
	/* same controller but 200 s apart (window 120 s): two disks */
	ev(c, S(100), "md/raid:md0: Disk failure on sda, disabling device.");
	ev(c, S(300), "md/raid:md0: Disk failure on sdb, disabling device.");
	/* different controllers at once: still two disks */
	ev(c, S(300) + 1000, "md/raid:md0: Disk failure on sde, disabling "
	    "device.");
	corr_tick(c, UINT64_MAX);
	/* 3 opens; md0 failing is sde's doing, not news for sda's */
	assert_int_equal(r.count, 3);
	assert_int_equal(r.inc[0].kind, INC_DISK);
	assert_string_equal(r.inc[0].disks[0].name, "sda");
	assert_int_equal(r.at[0], S(102));
	for (size_t i = 0; i < r.count; i++)
		assert_int_equal(r.inc[i].kind, INC_DISK);
	assert_int_equal(corr_array(c, "md0")->state, ARR_FAILED);
	corr_free(c);
}

static void
followups_rate_limited_and_resolved(void **state)
{
	static const char degraded[] = "Personalities : [raid6]\n"
	    "md0 : active raid6 sdf[5] sde[4] sdd[3] sdc[2] sdb[1](F) sda[0]\n"
	    "      100 blocks super 1.2 level 6, 512k chunk, algorithm 2 "
	    "[6/5] [U_UUUU]\n\nunused devices: <none>\n";
	static const char rebuilding[] = "Personalities : [raid6]\n"
	    "md0 : active raid6 sdb[6] sdf[5] sde[4] sdd[3] sdc[2] sda[0]\n"
	    "      100 blocks super 1.2 level 6, 512k chunk, algorithm 2 "
	    "[6/5] [U_UUUU]\n"
	    "      [===>.................]  recovery = 17.5% (1/6) "
	    "finish=12.0min speed=1000K/sec\n\nunused devices: <none>\n";
	static struct rec r;
	struct corr *c = setup_corr(&r, NULL);

	mdstat(c, S(10), clean);
	mdstat(c, S(50), degraded);
	corr_tick(c, S(60));
	assert_int_equal(r.count, 1);
	assert_int_equal(r.inc[0].kind, INC_DISK);
	assert_string_equal(r.inc[0].disks[0].serial, "ZC10A002");
	assert_int_equal(corr_array(c, "md0")->state, ARR_DEGRADED);
	/* rebuild progress is news, but not before the follow-up interval */
	mdstat(c, S(100), rebuilding);
	corr_tick(c, S(200));
	assert_int_equal(r.count, 1);
	corr_tick(c, S(52 + 300));
	assert_int_equal(r.count, 2);
	assert_int_equal(r.n[1], NOTICE_UPDATE);
	assert_int_equal(corr_array(c, "md0")->state, ARR_REBUILDING);
	assert_int_equal(corr_array(c, "md0")->permille, 175);
	/* whole again: resolved at once, not after the interval */
	mdstat(c, S(400), clean);
	corr_tick(c, S(403));
	assert_int_equal(r.count, 3);
	assert_int_equal(r.n[2], NOTICE_RESOLVED);
	assert_int_equal(corr_open_count(c, SEV_CRITICAL), 0);
	corr_free(c);
}

static void
warnings(void **state)
{
	struct corr_cfg cfg;
	struct smart s;
	static struct rec r;
	struct corr *c;
	int sas = topo_disk(&topo, "sda")->ctrl;

	assert_true(fw_compare("05.00.00.00", "16.00.01.00") < 0);
	assert_true(fw_compare("16.00.10.00", "16.00.9.00") > 0);
	assert_int_equal(fw_compare("2B2QEXM7", "2B2QEXM7"), 0);
	corr_cfg_default(&cfg);
	strcpy(cfg.base[0].match, "SAS9300-4i");
	strcpy(cfg.base[0].min_fw, "16.00.01.00");
	strcpy(cfg.base[1].match, "ahci");
	strcpy(cfg.base[1].min_fw, "1");
	cfg.nbase = 2;
	c = setup_corr(&r, &cfg);
	corr_ioc_resets(c, S(1), sas, 0);
	corr_ioc_resets(c, S(2), sas, 2);
	memset(&s, 0, sizeof(s));
	strcpy(s.serial, "WD-WX11A006");
	s.passed = 1;
	s.pending = 0;
	s.realloc = s.offline_unc = s.crc = s.media_errors = -1;
	s.grown_defects = s.uncorrected = s.critical_warning = -1;
	s.percentage_used = s.spare = s.spare_threshold = -1;
	corr_smart(c, S(40), &s);
	s.pending = 16;
	corr_smart(c, S(50), &s);
	corr_tick(c, UINT64_MAX);
	/* firmware + ioc resets in one controller warning; SMART for sdf */
	assert_int_equal(r.count, 2);
	assert_int_equal(r.inc[0].kind, INC_WARNING);
	assert_int_equal(r.inc[0].nevents, 2);
	assert_non_null(strstr(r.inc[0].events[0], "older than the baseline"));
	assert_non_null(strstr(r.inc[0].events[1], "from 0 to 2"));
	assert_non_null(strstr(r.inc[1].events[0], "from 0 to 16"));
	assert_string_equal(r.inc[1].disks[0].name, "sdf");
	/* quiet warnings are over after a week, and freed */
	assert_int_equal(corr_count(c), 2);
	corr_tick(c, S(6 * 86400));
	assert_int_equal(corr_count(c), 2);
	corr_tick(c, S(8 * 86400));
	assert_int_equal(corr_count(c), 0);
	assert_int_equal(r.count, 2);		/* silently */
	corr_free(c);
}

static void
unacked_bad_blocks_are_not_a_failure(void **state)
{
	struct md_sysfs s;
	static struct rec r;
	struct corr *c = setup_corr(&r, NULL);

	memset(&s, 0, sizeof(s));
	strcpy(s.name, "md1");
	strcpy(s.level, "raid1");
	strcpy(s.array_state, "clean");
	strcpy(s.sync_action, "idle");
	s.raid_disks = 2;
	s.nd = 1;
	strcpy(s.d[0].dev, "sde");
	/* md prints "faulty" while bad blocks are unacknowledged */
	s.d[0].state = MDS_FAULTY | MDS_IN_SYNC;
	s.d[0].bb_ranges = 1;
	s.d[0].bb_sectors = 8;
	corr_mdsysfs(c, S(10), &s);
	corr_tick(c, UINT64_MAX);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.inc[0].kind, INC_WARNING);
	assert_non_null(strstr(r.inc[0].events[0], "1 bad-block range"));
	/* a member that left is not in_sync any more: that is a failure */
	s.d[0].state = MDS_FAULTY;
	corr_mdsysfs(c, S(20), &s);
	corr_tick(c, UINT64_MAX);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.inc[1].kind, INC_DISK);
	corr_free(c);
}

static void
topology_changes(void **state)
{
	struct topo *t = malloc(sizeof(*t));
	static struct rec r;
	struct corr *c = setup_corr(&r, NULL);
	int failed;
	unsigned int bb;

	ev(c, S(10), "md/raid:md0: Disk failure on sdf, disabling device.");
	/* sdf goes away and the replacement shows up as sdg */
	*t = topo;
	strcpy(topo_disk(t, "sdf")->serial, "WD-NEW0001");
	strcpy(topo_disk(t, "sdf")->name, "sdg");
	for (size_t i = 0; i < t->nb; i++)
		if (strcmp(t->b[i].name, "sdf") == 0)
			strcpy(t->b[i].name, "sdg");
	corr_update_topo(c, t, S(15));
	assert_string_equal(topo_disk((struct topo *)corr_topo(c),
	    "sdg")->serial, "WD-NEW0001");
	corr_disk_state(c, "sdf", &failed, &bb);
	assert_int_equal(failed, 1);
	ev(c, S(20), "I/O error, dev sdg, sector 8 op 0x0:(READ) flags 0x0");
	corr_tick(c, UINT64_MAX);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.inc[0].kind, INC_DISK);
	assert_string_equal(r.inc[0].disks[0].serial, "WD-WX11A006");
	assert_int_equal(r.inc[1].kind, INC_WARNING);
	assert_string_equal(r.inc[1].disks[0].serial, "WD-NEW0001");
	corr_free(c);
	free(t);
}

static void
degraded_at_start(void **state)
{
	static const char removed[] = "Personalities : [raid1]\n"
	    "md5 : active raid1 sde[0]\n"
	    "      100 blocks super 1.2 [2/1] [U_]\n\nunused devices: <none>\n";
	static struct rec r;
	struct corr *c = setup_corr(&r, NULL);

	mdstat(c, S(5), removed);
	mdstat(c, S(6), removed);
	corr_tick(c, UINT64_MAX);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.inc[0].kind, INC_ARRAY);
	assert_string_equal(r.inc[0].arrays[0], "md5");
	assert_int_equal(corr_array(c, "md5")->state, ARR_DEGRADED);
	corr_free(c);
}

static const char inactive[] = "Personalities : [raid6]\n"
    "md0 : inactive sdf[5](S) sde[4](S) sdd[3](S) sdc[2](S) sdb[1](S) "
    "sda[0](S)\n      600 blocks super 1.2\n\nunused devices: <none>\n";

static void
examine(struct corr *c, uint64_t usec, const char *dev, long long events,
    long long utime)
{
	char text[256];

	if (events < 0) {
		corr_examine(c, usec, dev, NULL, 0);
		return;
	}
	snprintf(text, sizeof(text), "MD_LEVEL=raid6\nMD_DEVICES=6\n"
	    "MD_UUID=66027158:d278c599:b6c9331c:d9e53d70\n"
	    "MD_UPDATE_TIME=%lld\nMD_EVENTS=%lld\n", utime, events);
	corr_examine(c, usec, dev, text, strlen(text));
}

/* The controller drops four members: the notice waits for the
 * superblocks (two readable); when the disks come back and every
 * superblock is read, the verified advice is news. */
static void
recovery_verified_when_disks_return(void **state)
{
	static struct rec r;
	struct corr_cfg cfg;
	struct corr *c;
	const char *name;
	char asked[8][32];
	size_t n = 0;

	corr_cfg_default(&cfg);
	c = setup_corr(&r, &cfg);
	mdstat(c, S(10), clean);
	for (int i = 0; i < 4; i++) {
		char line[100];

		snprintf(line, sizeof(line), "md/raid:md0: Disk failure on "
		    "sd%c, disabling device.", 'a' + i);
		ev(c, S(100) + i * 1000, line);
	}
	assert_int_equal(corr_array(c, "md0")->state, ARR_FAILED);
	/* the settle time is over, but the superblocks are awaited */
	corr_tick(c, S(102) + 5000);
	assert_int_equal(r.count, 0);
	while ((name = corr_examine_next(c)) != NULL && n < 8)
		snprintf(asked[n++], sizeof(asked[0]), "%s", name);
	assert_int_equal(n, 6);
	assert_null(corr_examine_next(c));	/* each asked once */
	for (size_t i = 0; i < n; i++)
		examine(c, S(102) + 6000, asked[i], asked[i][2] >= 'e' ?
		    100 : -1, 1700000100);
	corr_tick(c, S(104));
	assert_int_equal(r.count, 1);
	assert_int_equal(r.inc[0].kind, INC_CONTROLLER);
	assert_string_equal(r.plan[0], "sda:check sdb:check sdc:check "
	    "sdd:check sde:safe sdf:safe");
	/* the controller is back: disks reappear, superblocks are read */
	corr_update_topo(c, &topo, S(200));
	n = 0;
	while ((name = corr_examine_next(c)) != NULL && n < 8)
		examine(c, S(200) + 1000, name, name[2] >= 'e' ? 100 :
		    96 + (name[2] - 'a'), 1700000099);
	corr_tick(c, S(210));
	assert_int_equal(r.count, 2);
	assert_int_equal(r.n[1], NOTICE_UPDATE);
	assert_string_equal(r.plan[1], "sda:safe sdb:safe sdc:safe sdd:safe "
	    "sde:safe sdf:safe");
	assert_string_equal(r.command[1], "mdadm --assemble --force /dev/md0 "
	    "/dev/sda /dev/sdb /dev/sdc /dev/sdd /dev/sde /dev/sdf");
	assert_true(corr_array(c, "md0")->verified);
	corr_free(c);
}

/* After a reboot md0 is inactive: an array incident whose opening
 * notice already says which members are safe; one left an hour before
 * the others is stale. */
static void
array_inactive_at_start(void **state)
{
	static struct rec r;
	struct corr_cfg cfg;
	struct corr *c;
	const char *name;

	corr_cfg_default(&cfg);
	c = setup_corr(&r, &cfg);
	mdstat(c, S(5), inactive);
	assert_int_equal(corr_array(c, "md0")->state, ARR_FAILED);
	while ((name = corr_examine_next(c)) != NULL)
		examine(c, S(6), name, name[2] == 'f' ? 80 : 120,
		    name[2] == 'f' ? 1700000000 - 3600 : 1700000000);
	corr_tick(c, UINT64_MAX);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.inc[0].kind, INC_ARRAY);
	assert_string_equal(r.plan[0], "sda:safe sdb:safe sdc:safe sdd:safe "
	    "sde:safe sdf:stale");
	assert_string_equal(r.command[0], "mdadm --assemble --force /dev/md0 "
	    "/dev/sda /dev/sdb /dev/sdc /dev/sdd /dev/sde");
	corr_free(c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(topology),
		cmocka_unit_test(four_disks_one_controller),
		cmocka_unit_test(window_and_controllers_separate),
		cmocka_unit_test(followups_rate_limited_and_resolved),
		cmocka_unit_test(warnings),
		cmocka_unit_test(unacked_bad_blocks_are_not_a_failure),
		cmocka_unit_test(topology_changes),
		cmocka_unit_test(degraded_at_start),
		cmocka_unit_test(recovery_verified_when_disks_return),
		cmocka_unit_test(array_inactive_at_start),
	};
	struct herr e;

	if (argc != 2) {
		fprintf(stderr, "usage: test-health-corr SYSFS\n");
		return 2;
	}
	sysroot = argv[1];
	if (topo_scan(sysroot, &topo, &e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
