#!/bin/busybox sh
# /init of the hangar-health lab guest (Debian's stock kernel, busybox).
# Runs the scenarios named on the kernel command line (hl=p or hl=c),
# with hangar-health watching; every marker line goes to the serial
# console, and so do the recordings (`hangar-health record`, as
# base64 tar between =====BEGIN/END record NAME markers).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run/mdadm /var/spool
KV=$(uname -r)
for m in $(cat /modlist); do insmod "/lib/modules/$KV/$m" 2>/dev/null; done
say() { echo "=====LAB $*"; }
die() { say "ABORT: $*"; poweroff -f; }
up() { cut -d' ' -f1 /proc/uptime; }
# wait_for SECONDS COMMAND...: bounded polling
wait_for() {
	n=$(($1 * 5)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.2; n=$((n - 1)); done
	return 1
}
ndisks() { ls /sys/block | grep -c '^sd'; }
# conditions for wait_for are functions: evaluated on every poll
disks_ready() { [ "$(ndisks)" -ge 7 ]; }
host_of() { readlink -f "/sys/block/$1/device" | sed -n 's|.*/\(host[0-9]*\)/.*|\1|p'; }
driver_of() { cat "/sys/class/scsi_host/$(host_of "$1")/proc_name"; }

insmod /lib/modules/$KV/kernel/drivers/scsi/scsi_debug.ko dev_size_mb=64 \
    num_tgts=1 max_luns=1 opts=0 medium_error_start=4660 \
    medium_error_count=16 2>/dev/null
wait_for 60 disks_ready || die "only $(ndisks) disks"
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up &&
    ip route add default via 10.0.2.2
PORT=$(sed -n 's/.*hlport=\([0-9]*\).*/\1/p' /proc/cmdline)
SCEN=$(sed -n 's/.*hl=\([a-z,]*\).*/\1/p' /proc/cmdline)

vs="" sata="" sdbg="" SA="" SB=""
for d in $(ls /sys/block | grep '^sd'); do
	case $(driver_of "$d") in
	virtio_scsi) vs="$vs $d";;
	ahci) sata="$sata $d"
		case $(readlink -f "/sys/block/$d/device") in
		*/ata1/*) SA=$d;;
		*/ata2/*) SB=$d;;
		esac;;
	scsi_debug) sdbg="$d";;
	esac
done
say "disks virtio:$vs ahci:$sata (port 1 $SA, port 2 $SB) scsi_debug:$sdbg"
echo 200000 > /proc/sys/dev/raid/speed_limit_max
mk() { mdadm --create "$@" --run --assume-clean --metadata=1.2 \
    >> /tmp/mdadm.log 2>&1 || die "mdadm $1: $(cat /tmp/mdadm.log)"; }
case $SCEN in
*p*)
	# dm-crypt (plain, as dmsetup sets it up) under md2's members
	KEY=0123456789abcdef0123456789abcdef
	for x in $SA $SB; do
		sz=$(cat "/sys/class/block/${x}4/size")
		dmsetup create "crypt-${x}4" --uuid "CRYPT-PLAIN-crypt-${x}4" \
		    --table "0 $sz crypt aes-cbc-plain $KEY 0 /dev/${x}4 0" ||
		    die "dmsetup crypt-${x}4"
	done
	dmsetup mknodes
	md0=""
	for x in $vs; do md0="$md0 /dev/${x}1"; done
	mk /dev/md0 --level=6 --raid-devices=6 /dev/${SA}3 /dev/${SB}3 $md0
	mk /dev/md1 --level=1 --raid-devices=2 /dev/${SA}2 /dev/${SB}2
	mk /dev/md2 --level=1 --raid-devices=2 /dev/mapper/crypt-${SA}4 \
	    /dev/mapper/crypt-${SB}4
	# guests' images on md1: a mount the reports name
	mkdir -p /var/lib/libvirt/images
	mke2fs -q /dev/md1 > /dev/null 2>&1 &&
	    mount -t ext2 /dev/md1 /var/lib/libvirt/images ||
	    say "no file system on md1"
	# data to find again after the forced assembly
	dd if=/dev/urandom of=/dev/md0 bs=64k count=16 oflag=direct 2>/dev/null
	DATA=$(dd if=/dev/md0 bs=64k count=16 iflag=direct 2>/dev/null |
	    md5sum | cut -c1-32)
	;;
*)
	all=""
	for x in $vs $sata; do all="$all /dev/$x"; done
	mk /dev/md0 --level=6 --raid-devices=6 $all
	mk /dev/md1 --level=1 --raid-devices=2 /dev/$sdbg /dev/nvme0n1
	;;
esac
cat /proc/mdstat

cat > /etc/health.conf <<EOT
host lab-guest.example
mail-from hangar-health <health@lab-guest.example>
mail-to ops@example.net
send smtp
smtp-url smtp://10.0.2.2:$PORT
send-timeout 10
spool /var/spool/hangar-health
textfile /tmp/health.prom
md-interval 1
settle 2
smart-interval 86400
mdadm /usr/sbin/mdadm
retry-min 1
retry-max 4
EOT
export ASAN_OPTIONS=detect_leaks=0
/usr/sbin/hangar-health -d -f /etc/health.conf > /tmp/notices.jsonl \
    2> /tmp/health.log &
HP=$!
# the first SMART round runs now, before any fault
wait_for 120 grep -q started /tmp/health.log ||
    die "hangar-health did not start: $(cat /tmp/health.log)"
sleep 1
notices() { grep -c "$1" /tmp/notices.jsonl; }
have() { [ "$(notices "\"kind\":\"$1\"")" -ge 1 ]; }
have_n() { [ "$(notices "$1")" -ge "$2" ]; }
spool_empty() { [ -z "$(ls /var/spool/hangar-health)" ]; }
# record NAME: a replay directory of now, on the console
record() {
	say "record $1 at $(up)"
	if /usr/sbin/hangar-health record -f /etc/health.conf "/tmp/rec/$1"; then
		echo "=====BEGIN record $1"
		tar -C /tmp/rec -cf - "$1" | gzip | base64
		echo "=====END record $1"
		say "recorded $1 at $(up)"
	else
		say "record $1 failed"
	fi
}
# the last controller notice's recovery command, JSON unescaped
advised() {
	grep '"kind":"controller"' /tmp/notices.jsonl | tail -1 |
	    sed -n 's/.*"command":"\([^"]*\)".*/\1/p' | sed 's|\\/|/|g'
}

case $SCEN in *p*)
	say "P1 $SB dies at $(up)"
	echo offline > "/sys/block/$SB/device/state"
	for m in md0 md1 md2; do
		dd if=/dev/zero of=/dev/$m bs=4k count=4 seek=1024 oflag=direct \
		    2>/dev/null
	done
	wait_for 30 have disk || say "P1 timeout"
	say "P1 done at $(up)"
	record disk

	say "P2 offline$vs at $(up)"
	for d in $vs; do echo offline > "/sys/block/$d/device/state"; done
	dd if=/dev/zero of=/dev/md0 bs=4k count=4 seek=4096 oflag=direct \
	    2>/dev/null
	wait_for 30 have controller || say "P2 timeout"
	say "P2 done at $(up)"
	record controller

	say "P3 the HBA is back at $(up)"
	for d in $vs; do echo running > "/sys/block/$d/device/state"; done
	wait_for 30 have_n "every member to force-assemble" 1 ||
	    say "P3 timeout"
	record verified
	cmd=$(advised)
	say "P3 advised: $cmd"
	mdadm --stop /dev/md0 > /dev/null 2>&1
	case $cmd in
	"mdadm --assemble --force /dev/md0 "*)
		set -- $cmd
		"$@" > /tmp/assemble.log 2>&1 || say "P3 assemble failed: $(cat /tmp/assemble.log)";;
	*) say "P3 no command";;
	esac
	grep -q '^md0 : active' /proc/mdstat && say "P3 md0 active"
	got=$(dd if=/dev/md0 bs=64k count=16 iflag=direct 2>/dev/null |
	    md5sum | cut -c1-32)
	[ "$got" = "$DATA" ] && say "P3 data intact"
	say "P3 done at $(up)"

	say "P4 $SB is back, members added at $(up)"
	echo running > "/sys/block/$SB/device/state"
	mdadm /dev/md0 --add "/dev/${SB}3" > /dev/null 2>&1
	mdadm /dev/md1 --remove "/dev/${SB}2" > /dev/null 2>&1
	mdadm /dev/md1 --add "/dev/${SB}2" > /dev/null 2>&1
	for x in /sys/block/dm-*; do
		[ "$(cat "$x/dm/name")" = "crypt-${SB}4" ] &&
		    mdadm /dev/md2 --remove "/dev/${x##*/}" > /dev/null 2>&1
	done
	mdadm /dev/md2 --add "/dev/mapper/crypt-${SB}4" > /dev/null 2>&1
	wait_for 90 have_n '"notice":"resolved"' 2 || say "P4 timeout"
	cat /proc/mdstat
	record resolved
	say "P4 done at $(up)"
esac
case $SCEN in *c*)
	before=$(md5sum /proc/mdstat)
	say "C medium error on $sdbg at $(up)"
	echo 2 > /sys/bus/pseudo/drivers/scsi_debug/opts
	dd if=/dev/md1 of=/dev/null bs=4096 count=2048 iflag=direct 2>/dev/null
	echo 0 > /sys/bus/pseudo/drivers/scsi_debug/opts
	[ "$before" = "$(md5sum /proc/mdstat)" ] && say "C mdstat unchanged"
	cat /sys/block/md1/md/dev-*/bad_blocks | sed 's/^/bb /'
	wait_for 40 grep -q 'bad-block range' /tmp/notices.jsonl ||
	    say "C timeout"
	say "C done at $(up)"
esac
# let the spool drain to the host's SMTP sink
wait_for 30 spool_empty || say "spool not empty"
kill $HP
wait $HP
say "health exit $?"
echo "=====BEGIN notices"; cat /tmp/notices.jsonl; echo "=====END notices"
echo "=====BEGIN log"; cat /tmp/health.log; echo "=====END log"
echo "=====BEGIN prom"; cat /tmp/health.prom; echo "=====END prom"
say "spool left: $(ls /var/spool/hangar-health | wc -l)"
sync
poweroff -f
