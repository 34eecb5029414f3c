#!/bin/busybox sh
# /init of the hangar-health lab guest (Debian's stock kernel, busybox).
# Runs the scenarios named on the kernel command line (hl=a,b,c), with
# hangar-health watching; every marker line goes to the serial console.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run /var/spool
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

vs="" sata="" sdbg=""
for d in $(ls /sys/block | grep '^sd'); do
	case $(driver_of "$d") in
	virtio_scsi) vs="$vs /dev/$d";;
	ahci) sata="$sata /dev/$d";;
	scsi_debug) sdbg="/dev/$d";;
	esac
done
say "members virtio:$vs ahci:$sata scsi_debug:$sdbg"
echo 200000 > /proc/sys/dev/raid/speed_limit_max
mdadm --create /dev/md0 --run --assume-clean --level=6 --raid-devices=6 \
    --metadata=1.2 $vs $sata > /tmp/mdadm.log 2>&1 ||
    die "mdadm md0: $(cat /tmp/mdadm.log)"
# (a) fails the disk on AHCI port 2 (serial SATA0001): sdX names move
SATA_FAIL=""
for d in $sata; do
	readlink -f "/sys/block/${d#/dev/}/device" | grep -q /ata2/ &&
	    SATA_FAIL=$d
done
mdadm --create /dev/md1 --run --assume-clean --level=1 --raid-devices=2 \
    --metadata=1.2 $sdbg /dev/nvme0n1 >> /tmp/mdadm.log 2>&1 ||
    cat /tmp/mdadm.log
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
notices() { grep -c "\"kind\":\"$1\"" /tmp/notices.jsonl; }
have() { [ "$(notices "$1")" -ge 1 ]; }
spool_empty() { [ -z "$(ls /var/spool/hangar-health)" ]; }

case $SCEN in *a*)
	say "A fail $SATA_FAIL at $(up)"
	mdadm /dev/md0 --fail "$SATA_FAIL" > /dev/null 2>&1
	wait_for 30 have disk || say "A timeout"
	say "A done at $(up)"
esac
case $SCEN in *b*)
	say "B offline$vs at $(up)"
	for d in $vs; do echo offline > "/sys/block/${d#/dev/}/device/state"; done
	dd if=/dev/zero of=/dev/md0 bs=64k count=16 oflag=direct 2>/dev/null
	wait_for 30 have controller || say "B timeout"
	sleep 3
	say "B done at $(up)"
	# a recording of this, replayed on the host by check.py
	if /usr/sbin/hangar-health record -f /etc/health.conf /tmp/rec; then
		echo "=====BEGIN record"
		tar -C /tmp -cf - rec | gzip | base64
		echo "=====END record"
	fi
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
