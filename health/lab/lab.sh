#!/bin/sh
# hangar-health lab: boots Debian's stock kernel under QEMU (TCG) with a
# virtio-scsi HBA carrying 4 disks, AHCI with 2, scsi_debug and NVMe, and
# runs guest scenarios with hangar-health watching:
#   p  the layout of issue 12: GPT partitions on every disk made here
#      with sfdisk; md0 a RAID6 of sda3 sdb3 and the HBA disks' first
#      partitions, md1 a RAID1 of sda2 sdb2, md2 a RAID1 of dm-crypt
#      volumes on sda4 sdb4.  sdb dies (one disk in three arrays), then
#      the HBA loses its four disks (md0 fails), then they come back and
#      the guest runs the forced assembly hangar-health advised, then sdb
#      returns and everything is rebuilt.  Each stage is recorded with
#      `hangar-health record` in the guest and replayed here.
#   c  whole disks: a RAID1 of scsi_debug and NVMe; a medium error md
#      absorbs (only md sysfs shows it).
# hangar-health in the guest sends its alerts over SMTP to a
# python3-aiosmtpd sink on this host (QEMU user networking), and
# check.py judges the mails, the guest's notices and the replays.
#
# Usage: lab.sh HANGAR-HEALTH SCENARIOS (p or c)
# Env:   HANGAR_LAB_CACHE  where the kernel .deb is kept
#                          (default /var/cache/hangar-lab)
#        LAB_TIMEOUT       seconds for the VM (default 170)
#        LAB_CONSOLE       copy the guest's console log to this file
#        LAB_SAVE          copy the guest's recordings to this directory
#                          as lab-STAGE/ (how the replay fixtures of
#                          health/tests/replay/lab-* were made)
# Exit 77 (skip) with a message when QEMU, busybox or the kernel package
# cannot be had, or HANGAR_SKIP_QEMU=1 (scripts/check).
set -u
bin=$1 scen=$2
here=$(cd "$(dirname "$0")" && pwd)
cache=${HANGAR_LAB_CACHE:-/var/cache/hangar-lab}
py=/usr/bin/python3
skip() { echo "SKIP: $*"; exit 77; }
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip "HANGAR_SKIP_QEMU=1"
for t in qemu-system-x86_64 qemu-img busybox cpio modprobe mdadm smartctl dpkg-deb sfdisk dmsetup; do
	command -v "$t" > /dev/null 2>&1 || skip "$t is not installed (scripts/deps/health.txt)"
done
$py -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd is not installed"
printf 'send smtp\nsmtp-url smtp://10.0.2.2:25\n' > "${TMPDIR:-/tmp}/lab-check.$$.conf"
if ! out=$("$bin" -n -f "${TMPDIR:-/tmp}/lab-check.$$.conf" 2>&1); then
	rm -f "${TMPDIR:-/tmp}/lab-check.$$.conf"
	skip "hangar-health cannot send SMTP: $out"
fi
rm -f "${TMPDIR:-/tmp}/lab-check.$$.conf"

# the kernel: Debian's stock one, downloaded once into the cache
mkdir -p "$cache" || skip "cannot create $cache"
# both lab scenarios may run at once (meson runs e2e tests two at a
# time): one fetches and unpacks, the other waits for it
exec 9>"$cache/.lock" || skip "cannot open $cache/.lock"
flock -w 300 9 || skip "$cache is locked by another lab for 5 minutes"
deb=$(ls "$cache"/linux-image-*-amd64_*.deb 2>/dev/null | tail -1)
if [ -z "$deb" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || skip "apt-cache knows no linux-image-amd64"
	(cd "$cache" && apt-get download "$pkg" > /dev/null 2>&1) ||
	    skip "apt-get download $pkg failed (no network or archive?)"
	deb=$(ls "$cache"/linux-image-*-amd64_*.deb 2>/dev/null | tail -1)
	[ -n "$deb" ] || skip "no kernel package after apt-get download"
fi
kx="$cache/$(basename "$deb" .deb)"
if [ ! -d "$kx/boot" ]; then
	rm -rf "$kx.tmp"
	dpkg-deb -x "$deb" "$kx.tmp" && mv "$kx.tmp" "$kx" ||
	    skip "cannot extract $deb"
fi
kv=$(ls "$kx/lib/modules" | head -1)
# the package leaves modules.dep to the postinst: make it here
if [ ! -s "$kx/lib/modules/$kv/modules.dep" ]; then
	command -v depmod > /dev/null 2>&1 || skip "depmod (kmod) is missing"
	depmod -b "$kx" "$kv" || skip "depmod failed on $kx"
fi
kernel="$kx/boot/vmlinuz-$kv"
[ -r "$kernel" ] || skip "no kernel image in $deb"
flock -u 9
exec 9>&-

w=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT INT TERM

# initramfs: busybox, mdadm, smartctl, hangar-health and their libraries,
# and the modules in dependency order
r="$w/root"
mkdir -p "$r/bin" "$r/usr/sbin" "$r/lib/modules/$kv" "$r/proc" "$r/sys" \
    "$r/dev" "$r/etc" "$r/tmp" "$r/run" "$r/var/spool"
cp "$(command -v busybox)" "$r/bin/busybox"
copy_bin() {
	mkdir -p "$r$(dirname "$2")"
	cp "$1" "$r$2"
	for l in $(ldd "$1" | awk '/=> \//{ print $3 } /^\t\/lib/{ print $1 }'); do
		mkdir -p "$r$(dirname "$l")"
		cp -L "$l" "$r$l"
	done
}
copy_bin "$(command -v mdadm)" /usr/sbin/mdadm
copy_bin "$(command -v dmsetup)" /usr/sbin/dmsetup
copy_bin "$(command -v smartctl)" /usr/sbin/smartctl
copy_bin "$bin" /usr/sbin/hangar-health
: > "$r/modlist"
for m in md-mod raid1 raid456 sd_mod ahci virtio_pci virtio_scsi \
    virtio_net nvme scsi_debug dm-mod dm-crypt ext4; do
	modprobe -d "$kx" -S "$kv" --show-depends "$m" 2>/dev/null |
	    awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r p; do
	rel=${p#"$kx/lib/modules/$kv/"}
	mkdir -p "$r/lib/modules/$kv/$(dirname "$rel")"
	cp "$p" "$r/lib/modules/$kv/$rel"
	case $rel in *scsi_debug.ko) ;; *) echo "$rel" >> "$r/modlist";; esac
done
[ -s "$r/modlist" ] || skip "modprobe found no modules in $kx"
cp "$here/guest-init.sh" "$r/init"
chmod +x "$r/init"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$w/initrd.gz"

# the SMTP sink on this host's loopback, which QEMU's user networking
# shows the guest as 10.0.2.2
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$w/got"
$py "$here/../tests/smtp_sink.py" "$port" "$w/got" 600 &
pids="$pids $!"
n=0
while [ ! -e "$w/got/.ready" ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done

for d in hba0 hba1 hba2 hba3 sata0 sata1 nv0; do
	qemu-img create -q -f raw "$w/$d.img" 64M
done
# p: GPT on every disk, made here (the guest has no partitioning tool)
case $scen in *p*)
	for d in sata0 sata1; do
		printf 'label: gpt\nsize=4M, name=boot\nsize=8M, name=md1\n%s\n%s\n' \
		    'size=8M, name=md0' 'size=8M, name=crypt' |
		    sfdisk -q "$w/$d.img" || skip "sfdisk failed"
	done
	for d in hba0 hba1 hba2 hba3; do
		printf 'label: gpt\nsize=8M, name=md0\nsize=4M, name=spare\n' |
		    sfdisk -q "$w/$d.img" || skip "sfdisk failed"
	done
esac
set -- -accel tcg -m 1024 -smp 2 -kernel "$kernel" -initrd "$w/initrd.gz" \
    -display none -no-reboot -serial "file:$w/console.log" \
    -append "console=ttyS0 quiet panic=-1 hl=$scen hlport=$port" \
    -netdev user,id=n0 \
    -device virtio-net-pci,netdev=n0 \
    -device virtio-scsi-pci,id=hba0 -device ahci,id=ahci0
for i in 0 1 2 3; do
	set -- "$@" -drive "file=$w/hba$i.img,format=raw,if=none,id=hba$i" \
	    -device "scsi-hd,bus=hba0.0,scsi-id=$i,drive=hba$i,serial=HBA000$i"
done
for i in 0 1; do
	set -- "$@" -drive "file=$w/sata$i.img,format=raw,if=none,id=sata$i" \
	    -device "ide-hd,bus=ahci0.$i,drive=sata$i,serial=SATA000$i"
done
set -- "$@" -drive "file=$w/nv0.img,format=raw,if=none,id=nv0" \
    -device nvme,drive=nv0,serial=NVME0000
start=$(date +%s)
timeout "${LAB_TIMEOUT:-170}" qemu-system-x86_64 "$@" &
q=$!
pids="$pids $q"
wait $q
rc=$?
echo "lab: QEMU ran $(( $(date +%s) - start )) s (exit $rc)"
grep '=====LAB' "$w/console.log"
[ -n "${LAB_CONSOLE:-}" ] && cp "$w/console.log" "$LAB_CONSOLE"
# the guest's recordings: replayed here, saved with LAB_SAVE
mkdir -p "$w/rec"
for name in $(sed -n 's/^=====BEGIN record \([a-z]*\).*/\1/p' "$w/console.log"); do
	sed -n "/=====BEGIN record $name/,/=====END record $name/p" "$w/console.log" |
	    grep -v '=====' | tr -d '\r' | base64 -d | tar -C "$w/rec" -xzf - || continue
	mkdir -p "$w/rec/$name.outbox"
	"$bin" replay --outbox "$w/rec/$name.outbox" "$w/rec/$name" > "$w/rec/$name.jsonl"
	if [ -n "${LAB_SAVE:-}" ]; then
		rm -rf "$LAB_SAVE/lab-$name"
		cp -a "$w/rec/$name" "$LAB_SAVE/lab-$name"
	fi
done
$py "$here/check.py" "$scen" "$w/console.log" "$w/got" "$w/rec"
