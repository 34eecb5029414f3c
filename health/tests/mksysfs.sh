#!/bin/sh
# mksysfs.sh: helpers that build a fake /sys tree with the layout and
# relative symlinks of a real one (what the QEMU lab cannot make:
# mpt2sas/mpt3sas HBAs, NVMe), for replay fixtures.  Source it, then:
#   pci BDF VENDOR DEVICE DRIVER [BRIDGE-BDF]   a PCI function
#   scsi_host BDF HOST DRIVER [ATTR=VALUE ...]  a SCSI host on BDF (AHCI:
#                                     one per port, give ata=N)
#   sd HOST H:C:T:L NAME SERIAL MODEL [state=S] [wwn=NAA] [sas=PHY]
#      [bay=N] [enclosure=SLOTNAME]      a SCSI disk (sas=: behind a SAS
#                                     port and end_device, like mpt3sas)
#   nvme BDF CTRL NAME SERIAL MODEL FIRMWARE [slot=N] [state=S]
#   mmc BDF HOST NAME SERIAL CARDNAME    an SD/eMMC card
#   part DISK N...                    partitions N... of DISK (sdb3,
#                                     nvme0n1p2, mmcblk0p1)
#   dm NAME DMNAME UUID SLAVE...       a device-mapper device (dm-crypt:
#                                     UUID CRYPT-..., LVM: LVM-...)
#   md NAME LEVEL SLAVE...            an md array's block device
# Every block device gets dev, holders/ and slaves/, /sys/block (whole
# devices) and /sys/class/block links.  S must name the sysfs root.
set -eu

_pcidir() { cat "$S/.pci-$1" 2>/dev/null || echo "devices/pci0000:00/$1"; }

pci() {
	if [ -n "${5:-}" ]; then
		rel="$(_pcidir "$5")/$1"
	else
		rel="devices/pci0000:00/$1"
	fi
	echo "$rel" > "$S/.pci-$1"
	d="$S/$rel"
	mkdir -p "$d" "$S/bus/pci/drivers/$4" "$S/bus/pci/devices"
	# every sysfs directory has a uevent; it also keeps the directory in
	# git, which drops empty ones (the driver link would dangle in a
	# clean checkout)
	: > "$S/bus/pci/drivers/$4/uevent"
	echo "0x$2" > "$d/vendor"
	echo "0x$3" > "$d/device"
	up=$(echo "$rel" | sed 's|[^/]*|..|g')
	ln -sfn "$up/bus/pci/drivers/$4" "$d/driver"
	ln -sfn "../../../$rel" "$S/bus/pci/devices/$1"
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

# _up REL: the ../ path from $S/REL back to $S
_up() { echo "$1" | sed 's|[^/]*|..|g'; }

# _blk NAME REL DEVNO WHOLE: common files of a block device at $S/REL
_blk() {
	mkdir -p "$S/$2/holders" "$S/$2/slaves" "$S/class/block" "$S/block"
	echo "$3" > "$S/$2/dev"
	echo "$2" > "$S/.blk-$1"
	ln -sfn "../../$2" "$S/class/block/$1"
	[ "$4" = 1 ] && ln -sfn "../$2" "$S/block/$1"
	return 0
}

_next() {
	n=$(cat "$S/.next-$1" 2>/dev/null || echo 0)
	echo $((n + 1)) > "$S/.next-$1"
	echo "$n"
}

# sd hostN H:C:T:L name serial model [key=value ...]
sd() {
	hostdir=$(cat "$S/.host-$1")
	hctl=$2 name=$3 serial=$4 model=$5
	shift 5
	state=running wwn="" sas="" bay="" encl=""
	for kv in "$@"; do
		case $kv in
		state=*) state=${kv#state=};;
		wwn=*) wwn=${kv#wwn=};;
		sas=*) sas=${kv#sas=};;
		bay=*) bay=${kv#bay=};;
		enclosure=*) encl=${kv#enclosure=};;
		esac
	done
	t=${hctl%:*}
	h=${hctl%%:*}
	under=$hostdir
	if [ -n "$sas" ]; then
		# host/port-H:P/end_device-H:P/target..., phy-H:P beside
		mkdir -p "$S/$hostdir/phy-$h:$sas" "$S/$hostdir/port-$h:$sas"
		: > "$S/$hostdir/phy-$h:$sas/uevent"
		ln -sfn "../phy-$h:$sas" "$S/$hostdir/port-$h:$sas/phy-$h:$sas"
		under="$hostdir/port-$h:$sas/end_device-$h:$sas"
		e="$S/$under/sas_device/end_device-$h:$sas"
		mkdir -p "$e"
		echo "${bay:--1}" > "$e/bay_identifier"
		echo "0x500605b00aaf0000" > "$e/enclosure_identifier"
		echo "0x5000c500a0b1c2$(printf %02x "$sas")" > "$e/sas_address"
	fi
	rel="$under/target$t/$hctl"
	d="$S/$rel"
	mkdir -p "$d/block"
	# VPD page 0x80: 4 header bytes, then the serial
	len=$(printf %s "$serial" | wc -c)
	printf "\000\200\000\\$(printf %03o "$len")%s" "$serial" > "$d/vpd_pg80"
	if [ -n "$wwn" ]; then
		echo "naa.$wwn" > "$d/wwid"
	else
		printf 't10.ATA     %-40s%s\n' "$model" "$serial" > "$d/wwid"
	fi
	echo "$model" > "$d/model"
	echo "ATA" > "$d/vendor"
	echo "0001" > "$d/rev"
	echo "$state" > "$d/state"
	if [ -n "$encl" ]; then
		mkdir -p "$S/devices/virtual/enclosure/$encl"
		: > "$S/devices/virtual/enclosure/$encl/uevent"
		ln -sfn "$(_up "$rel")/devices/virtual/enclosure/$encl" \
		    "$d/enclosure_device:$encl"
	fi
	idx=$(printf %d "'$(echo "$name" | cut -c3)")
	_blk "$name" "$rel/block/$name" "8:$(( (idx - 97) * 16 ))" 1
	ln -sfn "../../../$hctl" "$d/block/$name/device"
}

# nvme BDF nvmeN name serial model firmware [slot=N] [state=S]
nvme() {
	bdf=$1 ctrl=$2 name=$3
	base="$(_pcidir "$bdf")/nvme/$ctrl"
	d="$S/$base"
	mkdir -p "$d" "$S/class/nvme"
	echo "$4" > "$d/serial"
	echo "$5" > "$d/model"
	echo "$6" > "$d/firmware_rev"
	echo live > "$d/state"
	shift 6
	for kv in "$@"; do
		case $kv in
		slot=*)
			mkdir -p "$S/bus/pci/slots/${kv#slot=}"
			echo "${bdf%.*}" > "$S/bus/pci/slots/${kv#slot=}/address";;
		state=*) echo "${kv#state=}" > "$d/state";;
		esac
	done
	_blk "$name" "$base/$name" "259:$(_next 259)" 1
	echo "eui.00253858$(echo "$name" | md5sum | cut -c1-8)" > \
	    "$S/$base/$name/wwid"
	ln -sfn "../../$ctrl" "$d/$name/device"
	ln -sfn "../../$base" "$S/class/nvme/$ctrl"
}

# mmc BDF mmcN name serial cardname
mmc() {
	card="$(_pcidir "$1")/mmc_host/$2/$2:0001"
	mkdir -p "$S/$card/block"
	echo "$4" > "$S/$card/serial"
	echo "$5" > "$S/$card/name"
	echo "0x0" > "$S/$card/fwrev"
	_blk "$3" "$card/block/$3" "179:$(( $(_next 179) * 8 ))" 1
	ln -sfn "../../../$2:0001" "$S/$card/block/$3/device"
}

# part DISK N...
part() {
	disk=$1
	shift
	rel=$(cat "$S/.blk-$disk")
	maj=$(cut -d: -f1 "$S/$rel/dev")
	min=$(cut -d: -f2 "$S/$rel/dev")
	for n in "$@"; do
		case $disk in
		*[0-9]) p="${disk}p$n";;
		*) p="$disk$n";;
		esac
		_blk "$p" "$rel/$p" "$maj:$((min + n))" 0
		echo "$n" > "$S/$rel/$p/partition"
		echo $((2048 + n * 1048576)) > "$S/$rel/$p/start"
	done
}

# _stack NAME SLAVE...: slaves/ and holders/ links between them
_stack() {
	_sn=$1
	shift
	_sr=$(cat "$S/.blk-$_sn")
	for _s in "$@"; do
		_ss=$(cat "$S/.blk-$_s")
		ln -sfn "$(_up "$_sr/slaves")/$_ss" "$S/$_sr/slaves/$_s"
		ln -sfn "$(_up "$_ss/holders")/$_sr" "$S/$_ss/holders/$_sn"
	done
}

# dm dm-N dmname uuid slave...
dm() {
	name=$1 dmname=$2 uuid=$3
	shift 3
	rel="devices/virtual/block/$name"
	_blk "$name" "$rel" "253:${name#dm-}" 1
	mkdir -p "$S/$rel/dm"
	echo "$dmname" > "$S/$rel/dm/name"
	echo "$uuid" > "$S/$rel/dm/uuid"
	_stack "$name" "$@"
}

# md mdN level slave...
md() {
	name=$1 level=$2
	shift 2
	rel="devices/virtual/block/$name"
	_blk "$name" "$rel" "9:${name#md}" 1
	mkdir -p "$S/$rel/md"
	echo "$level" > "$S/$rel/md/level"
	echo "$#" > "$S/$rel/md/raid_disks"
	_stack "$name" "$@"
}
