#!/bin/sh
# Regenerates the sysfs trees of the hand-written replay fixtures (those
# with a `layout` file; the others are recorded in the QEMU lab):
#   sh health/tests/mkfixtures.sh health/tests/replay
# They are what the lab cannot make: mpt2sas/mpt3sas HBAs and NVMe.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/mksysfs.sh"

# An LSI SAS3008 (mpt3sas, firmware 05.00.00.00) with four whole disks
# in md0, an AHCI controller with two SATA disks, one NVMe drive.
layout_classic() {
	pci 0000:00:01.0 8086 1901 pcieport
	pci 0000:03:00.0 1000 0097 mpt3sas 0000:00:01.0
	scsi_host 0000:03:00.0 host0 mpt3sas board_name=SAS9300-4i \
	    version_fw=05.00.00.00 version_bios=08.11.00.00 \
	    ioc_reset_count=0 unique_id=0
	sd host0 0:0:0:0 sda ZC10A001 ST4000NM0023 sas=0 bay=0 wwn=5000c500a0000001
	sd host0 0:0:1:0 sdb ZC10A002 ST4000NM0023 sas=1 bay=1 wwn=5000c500a0000002
	sd host0 0:0:2:0 sdc ZC10A003 ST4000NM0023 sas=2 bay=2 wwn=5000c500a0000003
	sd host0 0:0:3:0 sdd ZC10A004 ST4000NM0023 sas=3 bay=3 wwn=5000c500a0000004
	pci 0000:00:1f.2 8086 2922 ahci
	scsi_host 0000:00:1f.2 host1 ahci ata=1 unique_id=1
	scsi_host 0000:00:1f.2 host2 ahci ata=2 unique_id=2
	sd host1 1:0:0:0 sde WD-WX11A005 "WDC WD40EFRX"
	sd host2 2:0:0:0 sdf WD-WX11A006 "WDC WD40EFRX"
	nvme 0000:04:00.0 nvme0 nvme0n1 S4EVNX0N700123 "Samsung SSD 970" 2B2QEXM7
	md md0 raid6 sda sdb sdc sdd sde sdf
}

# Issue 12's host: GPT partitions on every disk; sda and sdb on the
# board's AHCI, sdc-sdf behind one SAS HBA (mpt3sas); md1 is a RAID1 of
# sda2 sdb2, md0 a RAID6 of sda3 sdb3 sdc1 sdd1 sde1 sdf1.
layout_issue12() {
	pci 0000:00:17.0 8086 a352 ahci
	scsi_host 0000:00:17.0 host0 ahci ata=1 unique_id=0
	scsi_host 0000:00:17.0 host1 ahci ata=2 unique_id=1
	sd host0 0:0:0:0 sda ZA1001AA ST4000NM0035
	sd host1 1:0:0:0 sdb ZA1002BB ST4000NM0035
	part sda 1 2 3
	part sdb 1 2 3
	pci 0000:00:01.0 8086 1901 pcieport
	pci 0000:01:00.0 1000 0097 mpt3sas 0000:00:01.0
	scsi_host 0000:01:00.0 host2 mpt3sas board_name=SAS9300-4i \
	    version_fw=05.00.00.00 version_bios=08.11.00.00 \
	    ioc_reset_count=0 unique_id=0
	sd host2 2:0:0:0 sdc ZC2003CC ST4000NM0023 sas=0 bay=4 wwn=5000c500b0000003
	sd host2 2:0:1:0 sdd ZC2004DD ST4000NM0023 sas=1 bay=5 wwn=5000c500b0000004
	sd host2 2:0:2:0 sde ZC2005EE ST4000NM0023 sas=2 bay=6 wwn=5000c500b0000005
	sd host2 2:0:3:0 sdf ZC2006FF ST4000NM0023 sas=3 bay=7 wwn=5000c500b0000006
	for d in sdc sdd sde sdf; do part $d 1; done
	md md1 raid1 sda2 sdb2
	md md0 raid6 sda3 sdb3 sdc1 sdd1 sde1 sdf1
}

# Two NVMe drives in PCIe slots, a RAID1 of their second partitions,
# and an SD card (not in any array).
layout_nvme() {
	pci 0000:00:1c.0 8086 a33c pcieport
	pci 0000:00:1d.0 8086 a330 pcieport
	pci 0000:02:00.0 144d a808 nvme 0000:00:1c.0
	pci 0000:03:00.0 144d a808 nvme 0000:00:1d.0
	nvme 0000:02:00.0 nvme0 nvme0n1 S4EVNX0N800001 "Samsung SSD 970 EVO Plus 1TB" 2B2QEXM7 slot=2
	nvme 0000:03:00.0 nvme1 nvme1n1 S4EVNX0N800002 "Samsung SSD 970 EVO Plus 1TB" 2B2QEXM7 slot=3 state=dead
	part nvme0n1 1 2
	part nvme1n1 1 2
	pci 0000:00:1e.6 8086 a375 sdhci-pci
	mmc 0000:00:1e.6 mmc0 mmcblk0 0x4a2b3c4d SL16G
	part mmcblk0 1
	md md2 raid1 nvme0n1p2 nvme1n1p2
}

# An LSI SAS2008 (mpt2sas) with disks in enclosure slots, each a
# dm-crypt volume on its first partition, and md3 a RAID5 of those.
layout_mpt2sas() {
	pci 0000:00:03.0 8086 3c08 pcieport
	pci 0000:05:00.0 1000 0072 mpt3sas 0000:00:03.0
	scsi_host 0000:05:00.0 host4 mpt2sas board_name=SAS9211-8i \
	    version_fw=20.00.07.00 version_bios=07.39.02.00 \
	    ioc_reset_count=0 unique_id=0
	sd host4 4:0:0:0 sdg 9XG1A0G7 ST2000NM0033 sas=0 enclosure=Slot01 wwn=5000c50040000007
	sd host4 4:0:1:0 sdh 9XG1A0H8 ST2000NM0033 sas=1 enclosure=Slot02 wwn=5000c50040000008
	sd host4 4:0:2:0 sdi 9XG1A0I9 ST2000NM0033 sas=2 enclosure=Slot03 wwn=5000c50040000009
	for d in sdg sdh sdi; do part $d 1; done
	dm dm-0 crypt-sdg1 CRYPT-LUKS2-0a1b2c3d4e5f60718293a4b5c6d7e8f9-crypt-sdg1 sdg1
	dm dm-1 crypt-sdh1 CRYPT-LUKS2-1a1b2c3d4e5f60718293a4b5c6d7e8f9-crypt-sdh1 sdh1
	dm dm-2 crypt-sdi1 CRYPT-LUKS2-2a1b2c3d4e5f60718293a4b5c6d7e8f9-crypt-sdi1 sdi1
	md md3 raid5 dm-0 dm-1 dm-2
	dm dm-3 vg0-images LVM-Jx3k0aBcDeFgHiJkLmNoPqRsTuVwXyZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ01 md3
}

for fx in "$1"/*/; do
	[ -f "${fx}layout" ] || continue
	S="${fx}sysfs"
	rm -rf "$S"
	mkdir -p "$S"
	"layout_$(cat "${fx}layout")"
	rm -f "$S"/.host-* "$S"/.blk-* "$S"/.pci-* "$S"/.next-*
done
