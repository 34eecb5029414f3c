/*
 * Unit tests for topo on the hand-written replay fixtures' sysfs trees
 * (argv[1]: health/tests/replay) and on lab recordings: every md member
 * resolves to its physical disk through sysfs -- partitions of SATA,
 * SAS, NVMe and SD disks, dm-crypt volumes, LVM on md -- and disks are
 * named by serial, WWN, model and slot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "health/topo.h"

static const char *replay;

static struct topo *
scan(const char *fixture)
{
	struct topo *t = malloc(sizeof(*t));
	char path[1024];
	struct herr e;

	assert_non_null(t);
	snprintf(path, sizeof(path), "%s/%s/sysfs", replay, fixture);
	if (topo_scan(path, t, &e) == -1)
		fail_msg("%s", e.msg);
	return t;
}

static const char *
phys(const struct topo *t, const char *name)
{
	int d = topo_phys1(t, name);

	return d >= 0 ? t->d[d].name : "(none)";
}

static void
issue12_partitions(void **state)
{
	struct topo *t = scan("issue12-sas");
	const struct disk *d;
	const struct blkdev *b;

	assert_int_equal(t->nd, 6);
	assert_string_equal(phys(t, "sdb3"), "sdb");
	assert_string_equal(phys(t, "sdb2"), "sdb");
	assert_string_equal(phys(t, "sdc1"), "sdc");
	assert_string_equal(phys(t, "sdf"), "sdf");
	assert_string_equal(phys(t, "md0"), "(none)");	/* six disks */
	assert_int_equal(topo_phys1(t, "sdz9"), -1);
	assert_non_null(b = topo_blk(t, "sdb3"));
	assert_int_equal(b->kind, BLK_PART);
	assert_int_equal(b->partno, 3);
	assert_string_equal(b->devno, "8:19");
	assert_string_equal(b->holders[0], "md0");
	assert_non_null(b = topo_blk(t, "md0"));
	assert_int_equal(b->kind, BLK_MD);
	assert_int_equal(b->nslaves, 4);	/* TOPO_MAXLINK kept */
	d = topo_disk(t, "sdb");
	assert_string_equal(d->serial, "ZA1002BB");
	assert_string_equal(d->model, "ST4000NM0035");
	assert_string_equal(d->slot, "port ata2");
	assert_string_equal(d->path, "pci-0000:00:17.0-ata-2");
	d = topo_disk(t, "sde");
	assert_string_equal(d->serial, "ZC2005EE");
	assert_string_equal(d->wwn, "5000c500b0000005");
	assert_string_equal(d->slot, "bay 6");
	assert_string_equal(t->c[d->ctrl].key, "0000:01:00.0");
	assert_string_equal(t->c[d->ctrl].driver, "mpt3sas");
	assert_string_equal(t->c[d->ctrl].firmware, "05.00.00.00");
	assert_int_equal(t->c[d->ctrl].ndisks, 4);
	free(t);
}

static void
nvme_and_sd_card(void **state)
{
	struct topo *t = scan("nvme-raid1");
	const struct disk *d;

	assert_string_equal(phys(t, "nvme0n1p2"), "nvme0n1");
	assert_string_equal(phys(t, "nvme1n1p2"), "nvme1n1");
	assert_string_equal(phys(t, "mmcblk0p1"), "mmcblk0");
	d = topo_disk(t, "nvme1n1");
	assert_string_equal(d->serial, "S4EVNX0N800002");
	assert_string_equal(d->state, "dead");
	assert_string_equal(d->slot, "PCIe slot 3");
	assert_string_equal(d->path, "pci-0000:03:00.0-nvme-1");
	assert_true(strncmp(d->wwn, "eui.", 4) == 0);
	/* each NVMe drive is its own controller */
	assert_int_not_equal(topo_disk(t, "nvme0n1")->ctrl, d->ctrl);
	d = topo_disk(t, "mmcblk0");
	assert_string_equal(d->serial, "0x4a2b3c4d");
	assert_string_equal(d->model, "SL16G");
	assert_string_equal(d->slot, "mmc0");
	free(t);
}

static void
above(void *arg, const struct blkdev *b)
{
	char *out = arg, vg[64];

	topo_vg(b, vg, sizeof(vg));
	strcat(out, b->name);
	if (vg[0] != '\0') {
		strcat(out, "(vg ");
		strcat(out, vg);
		strcat(out, ")");
	}
	strcat(out, " ");
}

static void
dm_crypt_and_lvm(void **state)
{
	struct topo *t = scan("mpt2sas-crypt");
	const struct blkdev *b;
	const struct disk *d;
	char out[256] = "";
	int disks[4];

	/* md3 over dm-crypt over partitions */
	assert_string_equal(phys(t, "dm-1"), "sdh");
	assert_int_equal(topo_phys(t, "md3", disks, 4), 3);
	assert_int_equal(topo_phys(t, "dm-3", disks, 4), 3);
	assert_non_null(b = topo_blk(t, "dm-1"));
	assert_int_equal(b->kind, BLK_DM);
	assert_string_equal(b->dm_name, "crypt-sdh1");
	assert_string_equal(b->dm_uuid, "CRYPT-LUKS2");
	topo_above(t, "sdh1", above, out);
	assert_string_equal(out, "sdh1 dm-1 md3 dm-3(vg vg0) ");
	d = topo_disk(t, "sdi");
	assert_string_equal(d->slot, "enclosure Slot03");
	assert_string_equal(t->c[d->ctrl].driver, "mpt2sas");
	assert_int_equal(topo_ctrl_ioc(t, "mpt2sas_cm0"), d->ctrl);
	free(t);
}

static void
lvm_names(void **state)
{
	struct blkdev b;
	char vg[64];

	memset(&b, 0, sizeof(b));
	b.kind = BLK_DM;
	strcpy(b.dm_uuid, "LVM");
	strcpy(b.dm_name, "my--vg-root--fs");
	topo_vg(&b, vg, sizeof(vg));
	assert_string_equal(vg, "my-vg");
	strcpy(b.dm_uuid, "CRYPT-PLAIN");
	topo_vg(&b, vg, sizeof(vg));
	assert_string_equal(vg, "");
}

static void
mountinfo(void **state)
{
	static const char text[] =
	    "22 1 253:3 / /var/lib/libvirt/images rw,relatime shared:1 - ext4 "
	    "/dev/mapper/vg0-images rw\n"
	    "23 22 9:1 / /srv/with\\040space rw - ext4 /dev/md1 rw\n"
	    "24 1 0:21 / /proc rw - proc proc rw\n"
	    "garbage\n";
	struct topo *t = calloc(1, sizeof(*t));

	assert_int_equal(topo_mountinfo(t, text, strlen(text)), 0);
	assert_int_equal(t->nm, 3);
	assert_string_equal(t->m[0].devno, "253:3");
	assert_string_equal(t->m[0].path, "/var/lib/libvirt/images");
	assert_string_equal(t->m[1].path, "/srv/with space");
	free(t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issue12_partitions),
		cmocka_unit_test(nvme_and_sd_card),
		cmocka_unit_test(dm_crypt_and_lvm),
		cmocka_unit_test(lvm_names),
		cmocka_unit_test(mountinfo),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test-health-topo REPLAY-DIR\n");
		return 2;
	}
	replay = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
