#!/bin/sh
# Live migration of a guest with a disk: two unprivileged libvirt daemons
# on this machine are two hosts, each with a dir pool in a DIFFERENT
# directory (so the disk cannot stay at its path), added with --pool, and
# migrate_copy_storage yes.  A QEMU guest (TCG, the Debian installer
# kernel) gets its qcow2 volume in h1's pool, with a known pattern
# written into it before it starts.  `maint run` live-migrates it to h2
# and back while each host is "rebooted" by the patch hook.  Then: the
# guest runs at home, its disk holds the pattern, no volume is left in
# h2's pool (nor was one left in h1's while it was away), and the store
# says where the disk is.  A migration that fails leaves no volume on the
# destination.  Needs root (the daemons run as nobody).  Skip with
# HANGAR_SKIP_QEMU=1.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"
command -v qemu-io >/dev/null || skip_all "no qemu-io (qemu-utils)"
[ -x /usr/sbin/libvirtd ] || skip_all "no libvirtd"
PY=/usr/bin/python3
state_new
EXTRA_CLEANUP='for u in "$U1" "$U2"; do virsh -c "$u" destroy dsk1 >/dev/null 2>&1; done
for p in $(cat "$STATE"/lv*/pid 2>/dev/null); do kill $p 2>/dev/null; done'

# lvd N DIR: a host (sets URI) with the pool pN in STATE/lvN/DIR
lvd() {
	libvirtd_start "$1" qemu
	virsh -q -c "$URI" pool-define-as "p$1" dir --target "$STATE/lv$1/$2" &&
	    virsh -q -c "$URI" pool-build "p$1" &&
	    virsh -q -c "$URI" pool-start "p$1" &&
	    virsh -q -c "$URI" pool-autostart "p$1"
}
U1=""; U2=""
lvd 1 disks-a >/dev/null; U1=$URI
lvd 2 images-b >/dev/null; U2=$URI
check "two libvirt daemons, each with its pool in its own directory" sh -c "
	virsh -q -c '$U1' pool-list | grep -q 'p1 *active' &&
	virsh -q -c '$U2' pool-list | grep -q 'p2 *active'"

# vols N: the volumes in host N's pool, one a line
vols() {
	eval "virsh -q -c \"\$U$1\" vol-list p$1" | awk 'NF { print $1 }'
}
# the host "reboot": its libvirtd is killed and started again.  While
# h1 is patched the guest is on h2: what h1's pool and the store say then
# is kept for the checks.
restart_hook "$STATE/patch" "if [ \"\$1\" = h1 ]; then
	ls '$STATE/lv1/disks-a' >'$STATE/pool-a-away' || echo 'ls failed' >'$STATE/pool-a-away'
	'$HANGAR' -s '$STATE' --json guest show dsk1 >'$STATE/show-away.json'
	virsh -q -c '$U2' domblklist dsk1 >'$STATE/blk-away'
fi"
cat >"$STATE/hangard.conf" <<EOF
patch_hook $STATE/patch
migration_address 127.0.0.1
migrate_copy_storage yes
shutdown_timeout 5
host_up_timeout 120
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
run 0 host1 h host add h1 --uri "$U1" --accel tcg --disk 20G --disk-kind ssd \
    --pool p1
run 0 host2 h host add h2 --uri "$U2" --accel tcg --disk 20G --disk-kind ssd \
    --pool p2
h customer add tester >/dev/null
run 0 create h --json guest create dsk1 --owner tester --plan micro --host h1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0

# has_pattern PATH: the disk's first 4 MiB hold the pattern (read-only,
# beside a running QEMU)
has_pattern() {
	qemu-io -r -U -f qcow2 -c 'read -P 0x5a 0 4M' "$1" >>"$STATE/qemu-io.log" 2>&1
}
# disk_of FILE: the disk path in a `guest show --json`
disk_of() {
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["disk"])' "$1"
}
DISK=$(disk_of "$T_OUT")
check "the disk is a volume in h1's pool ($DISK)" test \
    "$DISK:$(vols 1)" = "$STATE/lv1/disks-a/dsk1.qcow2:dsk1.qcow2"
run 0 pattern qemu-io -f qcow2 -c 'write -P 0x5a 0 4M' "$DISK"
run 0 start h guest start dsk1
check "the guest runs on h1" sh -c "virsh -q -c '$U1' list | grep -q 'dsk1 *running'"

h advisory add XSA-910 --title "QEMU escape" --affects 'qemu >= 1' >/dev/null
run 0 plan h maint plan XSA-910 --start 2017-04-27T06:00Z --window 4h --roll back
check "the plan live-migrates dsk1 to h2" grep -q "dsk1 .*h1 .*live-migrate" "$T_OUT"
run 0 run h --json maint run --wait
cp "$T_OUT" "$STATE/report.json"
check "the cycle is done, both hosts were rebooted, dsk1 went out and back live" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
steps = [s for s in r["steps"] if s["guest"] == "dsk1"]
assert [s["kind"] for s in steps] == ["migrate-out", "migrate-back"], steps
for s in steps:
    assert s["state"] == "done" and s["detail"].startswith("live, pause"), s
' "$STATE/report.json"
check "both hosts were patched" test "$(sort -u "$STATE/patched" | wc -l)" -eq 2
check_restarts 2

B="$STATE/lv2/images-b/dsk1.qcow2"
check "while away, the guest ran on its copy in h2's pool" sh -c "
	awk '{ print \$2 }' '$STATE/blk-away' | grep -qx '$B'"
check "while away, the store had the disk in h2's pool" test \
    "$(disk_of "$STATE/show-away.json")" = "$B"
check "while away, nothing was left in h1's pool" test ! -s "$STATE/pool-a-away"
check "dsk1 is home on h1, running, and not on h2" sh -c "
	virsh -q -c '$U1' list | grep -q 'dsk1 *running' &&
	! virsh -q -c '$U2' list --all | grep -q dsk1"
run 0 show h --json guest show dsk1
check "the store has the disk at its path on h1 again" test "$(disk_of "$T_OUT")" = "$DISK"
check "h1's pool holds the disk, h2's pool holds nothing" test \
    "$(vols 1):$(vols 2):$(ls "$STATE/lv2/images-b")" = "dsk1.qcow2::"
check "the disk came back with the pattern written before the guest started" \
    has_pattern "$DISK"

# ---- a migration that fails: no volume is left on the destination ----
# a domain named dsk1 already defined on h2 makes the migration fail
# after hangar made the disk's copy there
stray_domain "$U2" dsk1
check "a stray dsk1 is defined on h2" sh -c "virsh -q -c '$U2' list --all | grep -q dsk1"
h advisory add XSA-911 --title "again" --affects 'qemu >= 1' >/dev/null
run 0 plan2 h maint plan XSA-911 --start 2017-05-27T06:00Z --window 4h --roll back
run 0 run2 h --json maint run --wait
cp "$T_OUT" "$STATE/report2.json"
check "the failed migration stopped the cycle, saying why" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "stopped", r["state"]
assert "migrate-out dsk1" in r["error"], r["error"]
' "$T_OUT"
check "no volume was left in h2's pool" test \
    "$(vols 2):$(ls "$STATE/lv2/images-b")" = ":"
check "dsk1 still runs on h1 on its own disk" sh -c "
	virsh -q -c '$U1' list | grep -q 'dsk1 *running' &&
	virsh -q -c '$U1' domblklist dsk1 | grep -q '$DISK'"
run 0 show2 h --json guest show dsk1
check "the store still has the disk on h1" test "$(disk_of "$T_OUT")" = "$DISK"
check "and the disk still holds the pattern" \
    has_pattern "$DISK"
SEQ=$($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([s for s in r["steps"] if s["kind"] == "migrate-out"][0]["seq"])' \
    "$STATE/report2.json")

# ---- the retry, killed after the migration, before the journal ----
# hangard dies right after the migration (HANGARD_FAILPOINT); a volume
# put back in h1's pool stands for one a crash left behind before it
# was deleted.  The resumed step finds the guest on h2: it deletes that
# volume and gives the store the copy's path.
virsh -q -c "$U2" undefine dsk1 >/dev/null
hangard_stop
HANGARD_FAILPOINT="maint:$SEQ:after" hangard_start -f "$STATE/hangard.conf" ||
    { done_testing; exit 1; }
rm -f "$STATE/pool-a-away" "$STATE/show-away.json"
h maint run >/dev/null 2>&1
i=0
while kill -0 "$HPID" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "hangard killed itself after migrate-out (step $SEQ)" sh -c "
	! kill -0 $HPID 2>/dev/null &&
	grep -q 'failpoint maint:$SEQ:after hit' '$STATE/hangard.log' &&
	virsh -q -c '$U2' list | grep -q 'dsk1 *running'"
hangard_stop 2>/dev/null	# it died at the failpoint; if not, do not leave it running
virsh -q -c "$U1" vol-create-as p1 dsk1.qcow2 10G --format qcow2 >/dev/null
check "a stale volume is back in h1's pool" test "$(vols 1)" = dsk1.qcow2
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
i=0
while [ $i -lt 1200 ]; do
	h --json maint report >"$STATE/rep3.json" 2>/dev/null
	st=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' \
	    "$STATE/rep3.json" 2>/dev/null)
	[ "$st" = "done" ] || [ "$st" = "stopped" ] && break
	sleep 0.1; i=$((i + 1))
done
check "the cycle resumed by itself and is done" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
s = {x["kind"]: x for x in r["steps"] if x["guest"] == "dsk1"}
assert "found there after a restart" in s["migrate-out"]["detail"], s
' "$STATE/rep3.json"
check "while away: the stale volume in h1's pool was deleted" sh -c "
	[ -f '$STATE/pool-a-away' ] && [ ! -s '$STATE/pool-a-away' ]"
check "while away: the store had the disk in h2's pool" test \
    "$(disk_of "$STATE/show-away.json" 2>/dev/null)" = "$B"
run 0 show3 h --json guest show dsk1
check "home again: running on h1, the store and the pools agree" test \
    "$(virsh -q -c "$U1" domstate dsk1):$(disk_of "$T_OUT"):$(vols 1):$(vols 2)" = \
    "running:$DISK:dsk1.qcow2:"
check "the disk still holds the pattern" \
    has_pattern "$DISK"
done_testing
