#!/bin/sh
# mksysfs.sh: helpers that build a small fake /sys tree (real layout,
# relative symlinks) for replay fixtures.  Source it, then call:
#   pci BDF VENDOR DEVICE DRIVER          a PCI function under pci0000:00
#   scsi_host BDF HOST DRIVER [ATTR=VALUE ...]   a SCSI host on BDF (AHCI:
#                                          one per port; give ata=N)
#   sd HOST H:C:T:L NAME SERIAL MODEL [ata=N] [state=running]
#   nvme BDF CTRL NAME SERIAL MODEL FIRMWARE
# S must name the sysfs root.
set -eu

_pcidir() { echo "devices/pci0000:00/$1"; }

pci() {
	d="$S/$(_pcidir "$1")"
	mkdir -p "$d" "$S/bus/pci/drivers/$4"
	echo "0x$2" > "$d/vendor"
	echo "0x$3" > "$d/device"
	ln -sfn "../../../bus/pci/drivers/$4" "$d/driver"
}

# scsi_host BDF hostN driver [key=value ...]; ata=N puts it under ataN
scsi_host() {
	bdf=$1 host=$2 drv=$3
	shift 3
	base="$(_pcidir "$bdf")"
	for kv in "$@"; do
		case $kv in ata=*) base="$base/ata${kv#ata=}";; esac
	done
	d="$S/$base/$host/scsi_host/$host"
	mkdir -p "$d" "$S/class/scsi_host"
	echo "$drv" > "$d/proc_name"
	for kv in "$@"; do
		case $kv in ata=*) ;; *) echo "${kv#*=}" > "$d/${kv%%=*}";; esac
	done
	ln -sfn "../../$base/$host/scsi_host/$host" "$S/class/scsi_host/$host"
	echo "$base/$host" > "$S/.host-$host"
}

# sd hostN H:C:T:L name serial model [state]
sd() {
	hostdir=$(cat "$S/.host-$1")
	hctl=$2 name=$3 serial=$4 model=$5 state=${6:-running}
	t=${hctl%:*}
	d="$S/$hostdir/target$t/$hctl"
	mkdir -p "$d/block/$name" "$S/block"
	# VPD page 0x80: 4 header bytes, then the serial
	len=$(printf %s "$serial" | wc -c)
	printf "\000\200\000\\$(printf %03o "$len")%s" "$serial" > "$d/vpd_pg80"
	echo "$model" > "$d/model"
	echo "ATA" > "$d/vendor"
	echo "0001" > "$d/rev"
	echo "$state" > "$d/state"
	ln -sfn "../../../$hctl" "$d/block/$name/device"
	ln -sfn "../$hostdir/target$t/$hctl/block/$name" "$S/block/$name"
}

# nvme BDF nvmeN name serial model firmware
nvme() {
	d="$S/$(_pcidir "$1")/nvme/$2"
	mkdir -p "$d/$3" "$S/block" "$S/class/nvme"
	echo "$4" > "$d/serial"
	echo "$5" > "$d/model"
	echo "$6" > "$d/firmware_rev"
	echo live > "$d/state"
	ln -sfn "../../$2" "$d/$3/device"
	ln -sfn "../$(_pcidir "$1")/nvme/$2/$3" "$S/block/$3"
	ln -sfn "../../$(_pcidir "$1")/nvme/$2" "$S/class/nvme/$2"
}
