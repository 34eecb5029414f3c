/* Unit tests for the pure parsers: mdstat, md sysfs, kmsg, smartctl JSON.
 * Fixtures are written here by hand from the formats' definitions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "health/kmsg.h"
#include "health/mdstat.h"
#include "health/mdsysfs.h"
#include "health/smart.h"

static const char mdstat_mixed[] =
    "Personalities : [raid1] [raid6] [raid5] [raid4] [raid10] \n"
    "md2 : active (auto-read-only) raid1 sdh[1](W) sdg[0] sdi[2](S)\n"
    "      1046528 blocks super 1.2 [2/2] [UU]\n"
    "      \n"
    "md1 : active raid10 sdd[3](R) sdc[2] sdb[1](F) sda[0]\n"
    "      2093056 blocks super 1.2 512K chunks 2 near-copies [4/3] [U_UU]\n"
    "      [=====>...............]  recovery = 27.5% (288000/1046528) "
    "finish=1.5min speed=8123K/sec\n"
    "      bitmap: 1/1 pages [4KB], 65536KB chunk\n"
    "\n"
    "md0 : inactive sde[0](S)\n"
    "      1046528 blocks super 1.2\n"
    "\n"
    "md3 : active raid5 sdm[2] sdl[1] sdk[0]\n"
    "      2093056 blocks level 5, 64k chunk, algorithm 2 [3/3] [UUU]\n"
    "      \tresync=PENDING\n"
    "\n"
    "unused devices: <none>\n";

static void
mdstat_parses_flags_and_progress(void **state)
{
	const struct md_array *a;
	struct mdstat s;
	struct herr e;

	assert_int_equal(mdstat_parse(mdstat_mixed, strlen(mdstat_mixed), &s,
	    &e), 0);
	assert_int_equal(s.n, 4);
	a = mdstat_find(&s, "md2");
	assert_non_null(a);
	assert_true(a->active && a->readonly);
	assert_string_equal(a->level, "raid1");
	assert_int_equal(a->nm, 3);
	assert_int_equal(a->m[0].flags, MDM_WRITEMOSTLY);
	assert_int_equal(a->m[2].flags, MDM_SPARE);
	assert_int_equal(md_array_failed(a), 0);
	a = mdstat_find(&s, "md1");
	assert_non_null(a);
	assert_string_equal(a->level, "raid10");
	assert_int_equal(a->m[0].flags, MDM_REPLACEMENT);
	assert_int_equal(a->m[2].flags, MDM_FAULTY);
	assert_int_equal(a->m[2].slot, 1);
	assert_int_equal(a->raid_disks, 4);
	assert_int_equal(a->working, 3);
	assert_string_equal(a->status, "U_UU");
	assert_int_equal(a->sync, MD_SYNC_RECOVERY);
	assert_int_equal(a->permille, 275);
	assert_true(a->finish_min > 1.49 && a->finish_min < 1.51);
	assert_int_equal(a->speed_kps, 8123);
	assert_int_equal(md_array_failed(a), 1);
	a = mdstat_find(&s, "md0");
	assert_non_null(a);
	assert_false(a->active);
	assert_string_equal(a->level, "");
	assert_int_equal(a->m[0].flags, MDM_SPARE);
	a = mdstat_find(&s, "md3");
	assert_int_equal(a->sync, MD_SYNC_PENDING);
	mdstat_release(&s);
}

static void
mdstat_failed_array(void **state)
{
	static const char t[] =
	    "Personalities : [raid6] \n"
	    "md0 : active raid6 sdf[5] sde[4] sdd[3](F) sdc[2](F) sdb[1](F) "
	    "sda[0](F)\n"
	    "      100 blocks super 1.2 level 6, 512k chunk, algorithm 2 "
	    "[6/2] [____UU]\n\nunused devices: <none>\n";
	struct mdstat s;
	struct herr e;

	assert_int_equal(mdstat_parse(t, strlen(t), &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(md_array_failed(&s.a[0]), 4);
	mdstat_release(&s);
	assert_int_equal(mdstat_parse("garbage\n", 8, &s, &e), -1);
	mdstat_release(&s);
}

static void
mdsysfs_strings(void **state)
{
	unsigned long long sectors;
	unsigned int ranges;

	assert_int_equal(md_dev_state_parse("in_sync,write_error,"
	    "want_replacement\n"), MDS_IN_SYNC | MDS_WRITE_ERROR |
	    MDS_WANT_REPLACEMENT);
	assert_int_equal(md_dev_state_parse("faulty"), MDS_FAULTY);
	assert_int_equal(md_dev_state_parse("spare,frobbed"),
	    MDS_SPARE | MDS_UNKNOWN);
	assert_int_equal(md_bad_blocks_parse("", &ranges, &sectors), 0);
	assert_int_equal(ranges, 0);
	assert_int_equal(md_bad_blocks_parse("4656 8\n9000 16\n", &ranges,
	    &sectors), 0);
	assert_int_equal(ranges, 2);
	assert_int_equal(sectors, 24);
	assert_int_equal(md_bad_blocks_parse("4656\n", &ranges, &sectors), -1);
	assert_int_equal(md_sync_completed_parse("13184 / 63488\n"), 207);
	assert_int_equal(md_sync_completed_parse("none\n"), -1);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) <
	    sizeof(path));
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
mdsysfs_reads_a_directory(void **state)
{
	char dir[] = "/tmp/mdsysfs.XXXXXX", sub[600], cmd[600];
	const struct md_dev *d;
	struct md_sysfs s;
	struct herr e;

	assert_non_null(mkdtemp(dir));
	put(dir, "array_state", "broken\n");
	put(dir, "degraded", "4\n");
	put(dir, "sync_action", "idle\n");
	put(dir, "raid_disks", "6\n");
	put(dir, "level", "raid6\n");
	snprintf(sub, sizeof(sub), "%s/dev-sdg", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	put(sub, "state", "in_sync\n");
	put(sub, "slot", "1\n");
	put(sub, "errors", "3\n");
	put(sub, "bad_blocks", "4656 8\n");
	snprintf(sub, sizeof(sub), "%s/dev-sdc", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	put(sub, "state", "faulty\n");
	put(sub, "slot", "none\n");
	assert_int_equal(md_sysfs_read(dir, "md0", &s, &e), 0);
	assert_string_equal(s.array_state, "broken");
	assert_true(md_sysfs_is_failed(&s));
	assert_int_equal(s.degraded, 4);
	assert_int_equal(s.nd, 2);
	assert_non_null(d = md_sysfs_dev(&s, "sdg"));
	assert_int_equal(d->bb_ranges, 1);
	assert_int_equal(d->bb_sectors, 8);
	assert_int_equal(d->errors, 3);
	assert_int_equal(d->slot, 1);
	assert_non_null(d = md_sysfs_dev(&s, "sdc"));
	assert_int_equal(d->state, MDS_FAULTY);
	assert_int_equal(d->slot, -1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(md_sysfs_read("/nonexistent", "md9", &s, &e), -1);
}

static void
classify(const char *line, struct kevent *ev)
{
	struct kmsg k;

	assert_int_equal(kmsg_parse(line, strlen(line), &k), 0);
	kmsg_classify(&k, ev);
}

static void
kmsg_records(void **state)
{
	struct kmsg k;
	const char *l = "27,4711,57314370,-;md/raid:md0: Disk failure on sdc, "
	    "disabling device.\n SUBSYSTEM=block\n";

	assert_int_equal(kmsg_parse(l, strlen(l), &k), 0);
	assert_int_equal(k.prio, 3);
	assert_int_equal(k.seq, 4711);
	assert_int_equal(k.usec, 57314370);
	assert_int_equal(k.msglen, strlen("md/raid:md0: Disk failure on sdc, "
	    "disabling device."));
	assert_int_equal(kmsg_parse(" SUBSYSTEM=block", 16, &k), -1);
	assert_int_equal(kmsg_parse("6,1,2", 5, &k), -1);
	assert_int_equal(kmsg_parse("6,x,2,-;m", 9, &k), -1);
	assert_int_equal(kmsg_parse("6,1,99999999999999999999999,-;m", 31,
	    &k), -1);
}

static void
kmsg_events(void **state)
{
	struct kevent ev;

	classify("2,1,5,-;md/raid:md0: Disk failure on sdc, disabling "
	    "device.", &ev);
	assert_int_equal(ev.type, KEV_MD_DISK_FAILURE);
	assert_string_equal(ev.array, "md0");
	assert_string_equal(ev.dev, "sdc");
	assert_int_equal(ev.usec, 5);
	classify("2,1,5,-;md/raid1:md1: Disk failure on dm-0, disabling "
	    "device.", &ev);
	assert_string_equal(ev.array, "md1");
	assert_string_equal(ev.dev, "dm-0");
	classify("2,1,5,-;md/raid:md0: Cannot continue operation (4/6 "
	    "failed).", &ev);
	assert_int_equal(ev.type, KEV_MD_CANNOT_CONTINUE);
	assert_int_equal(ev.a, 4);
	assert_int_equal(ev.b, 6);
	classify("2,1,5,-;md/raid:md0: Operation continuing on 5 devices.",
	    &ev);
	assert_int_equal(ev.type, KEV_MD_CONTINUING);
	assert_int_equal(ev.a, 5);
	classify("6,1,5,-;md: md0: recovery done.", &ev);
	assert_int_equal(ev.type, KEV_MD_SYNC_DONE);
	assert_string_equal(ev.array, "md0");
	classify("6,1,5,-;md: recovery of RAID array md0", &ev);
	assert_int_equal(ev.type, KEV_MD_SYNC_START);
	assert_int_equal(ev.a, 1);
	classify("3,1,5,-;sd 7:0:3:0: rejecting I/O to offline device", &ev);
	assert_int_equal(ev.type, KEV_SCSI_OFFLINE);
	assert_string_equal(ev.hctl, "7:0:3:0");
	classify("3,1,5,-;I/O error, dev sdc, sector 8 op 0x1:(WRITE) flags "
	    "0x9800 phys_seg 1 prio class 2", &ev);
	assert_int_equal(ev.type, KEV_IO_ERROR);
	assert_string_equal(ev.dev, "sdc");
	assert_int_equal(ev.a, 8);
	classify("3,1,5,-;critical medium error, dev sdg, sector 4660 op "
	    "0x0:(READ) flags 0x0", &ev);
	assert_int_equal(ev.type, KEV_MEDIUM_ERROR);
	assert_string_equal(ev.dev, "sdg");
	assert_int_equal(ev.a, 4660);
	classify("3,1,5,-;sd 8:0:0:0: [sdg] tag#17 Sense Key : Medium Error "
	    "[current] ", &ev);
	assert_int_equal(ev.type, KEV_MEDIUM_ERROR);
	assert_string_equal(ev.dev, "sdg");
	classify("4,1,5,-;mpt3sas_cm0: fault_state(0x2666)!", &ev);
	assert_int_equal(ev.type, KEV_CTRL_FAULT);
	assert_string_equal(ev.ctrl, "mpt3sas_cm0");
	assert_int_equal(ev.a, 0x2666);
	classify("4,1,5,-;mpt2sas0: _base_fault_reset_work: hard reset: "
	    "failed", &ev);
	assert_int_equal(ev.type, KEV_CTRL_RESET_FAILED);
	assert_string_equal(ev.ctrl, "mpt2sas0");
	classify("4,1,5,-;mpt3sas_cm1: sending diag reset !!", &ev);
	assert_int_equal(ev.type, KEV_CTRL_RESET);
	classify("4,1,5,-;mpt3sas_cm0: _base_event_notification: timeout",
	    &ev);
	assert_int_equal(ev.type, KEV_CTRL_TIMEOUT);
	classify("3,1,5,-;ata3: hard resetting link", &ev);
	assert_int_equal(ev.type, KEV_ATA_LINK);
	assert_string_equal(ev.ctrl, "ata3");
	classify("3,1,5,-;ata3.00: failed command: READ DMA", &ev);
	assert_int_equal(ev.type, KEV_ATA_ERROR);
	classify("4,1,5,-;(XEN) Xen WARN at msi.c:510", &ev);
	assert_int_equal(ev.type, KEV_XEN_WARN);
	classify("6,1,5,-;usb 1-1: new high-speed USB device", &ev);
	assert_int_equal(ev.type, KEV_NONE);
	classify("6,1,5,-;md/raid:md0: device sdb operational as raid disk 5",
	    &ev);
	assert_int_equal(ev.type, KEV_NONE);
	/* control characters never reach logs or mail */
	classify("3,1,5,-;I/O error, dev sd\x1b[31mx, sector 1", &ev);
	assert_null(strchr(ev.text, '\x1b'));
}

static const char smart_sata[] = "{\"json_format_version\":[1,0],"
    "\"smartctl\":{\"exit_status\":216},\"device\":{\"name\":\"/dev/sdb\","
    "\"protocol\":\"ATA\"},\"serial_number\":\"WD-X1\",\"model_name\":"
    "\"WDC X\",\"wwn\":{\"naa\":5,\"oui\":5358,\"id\":12345},"
    "\"smart_status\":{\"passed\":false},\"ata_smart_attributes\":"
    "{\"table\":[{\"id\":5,\"name\":\"Reallocated_Sector_Ct\","
    "\"when_failed\":\"now\",\"raw\":{\"value\":1975}},{\"id\":197,"
    "\"name\":\"Current_Pending_Sector\",\"when_failed\":\"\",\"raw\":"
    "{\"value\":8}},{\"id\":199,\"raw\":{\"value\":281474976710657}}]}}";

static void
smart_sata_failing(void **state)
{
	struct smart_finding f[16];
	struct smart s, prev;
	struct herr e;
	size_t n;

	assert_int_equal(smart_parse(smart_sata, strlen(smart_sata), &s, &e),
	    0);
	assert_string_equal(s.serial, "WD-X1");
	assert_string_equal(s.wwn, "50014ee000003039");
	assert_int_equal(s.proto, SMART_ATA);
	assert_int_equal(s.exit_status, 216);
	assert_int_equal(s.passed, 0);
	assert_int_equal(s.realloc, 1975);
	assert_int_equal(s.pending, 8);
	assert_int_equal(s.crc, 1);	/* low 32 bits of the packed raw */
	assert_string_equal(s.failing_attr, "Reallocated_Sector_Ct");
	n = smart_judge(NULL, &s, f, 16);
	assert_true(n >= 3);
	assert_int_equal(f[0].sev, SMART_CRIT);
	assert_string_equal(f[0].key, "failing");
	/* a stable count is not news; a growing one is */
	prev = s;
	prev.exit_status = 0;
	prev.passed = 1;
	s.exit_status = 0;
	s.passed = 1;
	assert_int_equal(smart_judge(&prev, &s, f, 16), 0);
	s.pending = 9;
	assert_int_equal(smart_judge(&prev, &s, f, 16), 1);
	assert_string_equal(f[0].key, "pending");
	assert_non_null(strstr(f[0].what, "from 8 to 9"));
}

static void
smart_other_protocols(void **state)
{
	static const char nvme[] = "{\"smartctl\":{\"exit_status\":8},"
	    "\"device\":{\"protocol\":\"NVMe\"},\"serial_number\":\"N1\","
	    "\"nvme_smart_health_information_log\":{\"critical_warning\":16,"
	    "\"media_errors\":7,\"percentage_used\":95,\"available_spare\":5,"
	    "\"available_spare_threshold\":10}}";
	static const char standby[] = "{\"smartctl\":{\"exit_status\":2,"
	    "\"messages\":[{\"string\":\"Device is in STANDBY mode, exit(2)\","
	    "\"severity\":\"information\"}]}}";
	static const char passed_qemu[] = "{\"smartctl\":{\"exit_status\":4},"
	    "\"device\":{\"protocol\":\"ATA\"},\"smart_status\":{\"passed\":"
	    "true}}";
	struct smart_finding f[16];
	struct smart s;
	struct herr e;
	size_t n;

	assert_int_equal(smart_parse(nvme, strlen(nvme), &s, &e), 0);
	assert_int_equal(s.proto, SMART_NVME);
	n = smart_judge(NULL, &s, f, 16);
	assert_int_equal(n, 5);	/* failing, cw, media, wear, spare */
	assert_int_equal(smart_parse(standby, strlen(standby), &s, &e), 0);
	assert_true(s.standby);
	assert_int_equal(smart_judge(NULL, &s, f, 16), 0);
	/* exit bit 2 (a SMART command failed) alone is not a failure */
	assert_int_equal(smart_parse(passed_qemu, strlen(passed_qemu), &s,
	    &e), 0);
	assert_int_equal(smart_judge(NULL, &s, f, 16), 0);
	{
		static const char sas[] = "{\"smartctl\":{\"exit_status\":0},"
		    "\"device\":{\"protocol\":\"SCSI\"},\"serial_number\":"
		    "\"S1\",\"scsi_grown_defect_list\":4,"
		    "\"scsi_error_counter_log\":{\"read\":{"
		    "\"total_uncorrected_errors\":2},\"write\":{"
		    "\"total_uncorrected_errors\":1},\"verify\":{"
		    "\"total_uncorrected_errors\":0}}}";

		assert_int_equal(smart_parse(sas, strlen(sas), &s, &e), 0);
		assert_int_equal(s.proto, SMART_SCSI);
		assert_int_equal(s.grown_defects, 4);
		assert_int_equal(s.uncorrected, 3);
		assert_int_equal(smart_judge(NULL, &s, f, 16), 2);
	}
	assert_int_equal(smart_parse("[1,2]", 5, &s, &e), -1);
	assert_int_equal(smart_parse("{\"a\":1}", 7, &s, &e), -1);
	assert_int_equal(smart_parse("{", 1, &s, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mdstat_parses_flags_and_progress),
		cmocka_unit_test(mdstat_failed_array),
		cmocka_unit_test(mdsysfs_strings),
		cmocka_unit_test(mdsysfs_reads_a_directory),
		cmocka_unit_test(kmsg_records),
		cmocka_unit_test(kmsg_events),
		cmocka_unit_test(smart_sata_failing),
		cmocka_unit_test(smart_other_protocols),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
