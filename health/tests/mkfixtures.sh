#!/bin/sh
# Regenerates the replay fixtures' sysfs trees (committed as they are):
#   sh health/tests/mkfixtures.sh health/tests/replay
# Host layout used by every fixture: an LSI SAS3008 (mpt3sas, firmware
# 05.00.00.00) with four disks, an AHCI controller with two SATA disks,
# and one NVMe drive.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/mksysfs.sh"
for fx in "$1"/*/; do
	S="${fx}sysfs"
	rm -rf "$S"
	mkdir -p "$S"
	pci 0000:03:00.0 1000 0097 mpt3sas
	scsi_host 0000:03:00.0 host0 mpt3sas board_name=SAS9300-4i \
	    version_fw=05.00.00.00 version_bios=08.11.00.00 \
	    ioc_reset_count=0 unique_id=0
	sd host0 0:0:0:0 sda ZC10A001 ST4000NM0023
	sd host0 0:0:1:0 sdb ZC10A002 ST4000NM0023
	sd host0 0:0:2:0 sdc ZC10A003 ST4000NM0023
	sd host0 0:0:3:0 sdd ZC10A004 ST4000NM0023
	pci 0000:00:1f.2 8086 2922 ahci
	scsi_host 0000:00:1f.2 host1 ahci ata=1 unique_id=1
	scsi_host 0000:00:1f.2 host2 ahci ata=2 unique_id=2
	sd host1 1:0:0:0 sde WD-WX11A005 "WDC WD40EFRX"
	sd host2 2:0:0:0 sdf WD-WX11A006 "WDC WD40EFRX"
	nvme 0000:04:00.0 nvme0 nvme0n1 S4EVNX0N700123 "Samsung SSD 970" 2B2QEXM7
	rm -f "$S"/.host-*
done
