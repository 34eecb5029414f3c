#!/bin/sh
# A consolidation with real disks: two unprivileged libvirt daemons on
# this machine are two hosts, an old one with HDDs and a new one with
# SSDs, each with a dir pool in a DIFFERENT directory, added with --pool.
# Two QEMU guests (TCG) have qcow2 volumes in the old host's pool, each
# with a known pattern written before the move: dsk1 runs (the Debian
# installer kernel) and is live-migrated with its disk (NBD); dsk2 is
# shut off, so its volume is copied offline through libvirt's volume
# streams and it is defined on the new host.  hangard is killed right
# after dsk2's copy, before that is journaled, and a stale volume stands
# for one the crash left behind; the resumed step deletes it.  Then: both
# guests are on the new host, their disks in its pool with the patterns,
# the old pool empty, the store agreeing, the old host retired, and dsk2
# starts there.  Needs root (the daemons run as nobody).  Skip with
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
EXTRA_CLEANUP='for u in "$U1" "$U2"; do for g in dsk1 dsk2; do
virsh -c "$u" destroy $g >/dev/null 2>&1; done; done
for p in $(cat "$STATE"/lv*/pid 2>/dev/null); do kill $p 2>/dev/null; done'

# lvd N DIR: a host (sets URI) with the pool pN in STATE/lvN/DIR
lvd() {
	libvirtd_start "$1" qemu
	virsh -q -c "$URI" pool-define-as "p$1" dir --target "$STATE/lv$1/$2" &&
	    virsh -q -c "$URI" pool-build "p$1" &&
	    virsh -q -c "$URI" pool-start "p$1"
}
U1=""; U2=""
lvd 1 hdd-disks >/dev/null; U1=$URI
lvd 2 ssd-images >/dev/null; U2=$URI
check "two libvirt daemons, each with its pool in its own directory" sh -c "
	virsh -q -c '$U1' pool-list | grep -q 'p1 *active' &&
	virsh -q -c '$U2' pool-list | grep -q 'p2 *active'"
vols() {
	eval "virsh -q -c \"\$U$1\" vol-list p$1" | awk 'NF { print $1 }' | sort |
	    tr '\n' ' '
}
cat >"$STATE/hangard.conf" <<EOF
migration_address 127.0.0.1
migrate_copy_storage yes
shutdown_timeout 5
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
run 0 host1 h host add old1 --uri "$U1" --accel tcg --disk 40G --disk-kind hdd \
    --pool p1
run 0 host2 h host add new1 --uri "$U2" --accel tcg --disk 40G --disk-kind ssd \
    --pool p2
h customer add tester >/dev/null
for g in dsk1 dsk2; do
	h guest create $g --owner tester --plan micro --host old1 \
	    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
	    >/dev/null
done
A=$STATE/lv1/hdd-disks
B=$STATE/lv2/ssd-images
check "both disks are volumes in old1's pool" test "$(vols 1)" = "dsk1.qcow2 dsk2.qcow2 "
run 0 pattern1 qemu-io -f qcow2 -c 'write -P 0x5a 0 4M' "$A/dsk1.qcow2"
run 0 pattern2 qemu-io -f qcow2 -c 'write -P 0xa5 1M 3M' "$A/dsk2.qcow2"
run 0 start h guest start dsk1
check "dsk1 runs on old1, dsk2 is shut off there" sh -c "
	virsh -q -c '$U1' list --all | grep -q 'dsk1 *running' &&
	virsh -q -c '$U1' list --all | grep -q 'dsk2 *shut off'"

# has PATTERN OFFSET LEN PATH: read-only, beside a running QEMU
has() {
	qemu-io -r -U -f qcow2 -c "read -P $1 $2 $3" "$4" >>"$STATE/qemu-io.log" 2>&1
}
disk_of() {
	h --json guest show "$1" | $PY -c 'import json, sys; print(json.load(sys.stdin)["disk"])'
}

run 0 plan h --json consolidate plan --retire stor:hdd --to ssd \
    --start 2017-04-27T06:00Z --window 4h
check "the plan moves both to new1" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert sorted((g["guest"], g["action"], g["target"]) for g in p["guests"]) == \
    [("dsk1", "move", "new1"), ("dsk2", "move", "new1")], p["guests"]
' "$T_OUT"
# the journal first (--steps 0), to kill hangard after dsk2's step
run 0 journal h --json consolidate run --steps 0 --wait
SEQ=$($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([s["seq"] for s in r["steps"] if s["guest"] == "dsk2"][0])' "$T_OUT")
hangard_stop
HANGARD_FAILPOINT="maint:$SEQ:after" hangard_start -f "$STATE/hangard.conf" ||
    { done_testing; exit 1; }
h consolidate run >/dev/null 2>&1
i=0
while kill -0 "$HPID" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
check "hangard killed itself right after dsk2's copy (step $SEQ)" sh -c "
	! kill -0 $HPID 2>/dev/null &&
	grep -q 'failpoint maint:$SEQ:after hit' '$STATE/hangard.log' &&
	virsh -q -c '$U2' list --all | grep -q 'dsk2 *shut off' &&
	! virsh -q -c '$U1' list --all | grep -q dsk2"
hangard_stop 2>/dev/null	# it died at the failpoint; if not, do not leave it running
# as if the crash had come before the old volume was deleted
virsh -q -c "$U1" vol-create-as p1 dsk2.qcow2 10G --format qcow2 >/dev/null
check "a stale dsk2 volume is back in old1's pool" test "$(vols 1)" = "dsk2.qcow2 "
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
i=0
while [ $i -lt 1200 ]; do
	h --json consolidate report >"$STATE/rep.json" 2>/dev/null
	st=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' \
	    "$STATE/rep.json" 2>/dev/null)
	[ "$st" = "done" ] || [ "$st" = "stopped" ] && break
	sleep 0.1; i=$((i + 1))
done
check "the consolidation resumed by itself and is done: moves, bytes, hosts freed" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
assert r["moves_done"] == 2 and r["hosts_freed"] == ["old1"], r
s = {x["guest"]: x for x in r["steps"] if x["guest"]}
assert s["dsk1"]["detail"].startswith("live, pause"), s["dsk1"]
assert "found there after a restart" in s["dsk2"]["detail"], s["dsk2"]
g = {x["guest"]: x for x in r["guests"]}
assert g["dsk1"]["action"] == "move" and g["dsk1"]["measured"], g["dsk1"]
assert 0 <= g["dsk1"]["downtime_ms"] < 5000, g["dsk1"]
assert g["dsk2"]["action"] == "was off", g["dsk2"]
# the live move copied RAM and disk (QEMU: processed bytes)
assert r["bytes_copied"] > 4 << 20, r["bytes_copied"]
' "$STATE/rep.json"
check "both guests are on new1 (dsk1 running, dsk2 off), none on old1" sh -c "
	virsh -q -c '$U2' list --all | grep -q 'dsk1 *running' &&
	virsh -q -c '$U2' list --all | grep -q 'dsk2 *shut off' &&
	[ -z \"\$(virsh -q -c '$U1' list --all)\" ]"
check "their disks are volumes in new1's pool; old1's pool is empty" test \
    "$(vols 1):$(vols 2)" = ":dsk1.qcow2 dsk2.qcow2 "
check "the copied volume is a qcow2 to new1's pool" sh -c "
	virsh -q -c '$U2' vol-dumpxml --pool p2 dsk2.qcow2 | grep -q \"<format type='qcow2'/>\""
check "the store has both disks in new1's pool" test \
    "$(disk_of dsk1):$(disk_of dsk2)" = "$B/dsk1.qcow2:$B/dsk2.qcow2"
check "dsk1 runs on its copy" sh -c "
	virsh -q -c '$U2' domblklist dsk1 | grep -q '$B/dsk1.qcow2'"
check "dsk1's data read back intact" has 0x5a 0 4M "$B/dsk1.qcow2"
check "dsk2's data read back intact, and the rest of it empty" sh -c "
	qemu-io -r -U -f qcow2 -c 'read -P 0xa5 1M 3M' -c 'read -P 0 0 1M' \
	    -c 'read -P 0 4M 4M' '$B/dsk2.qcow2' >>'$STATE/qemu-io.log' 2>&1"
run 0 hosts h host list
check "old1 is retired with no guest" grep -q "^old1 .* retired  *0 " "$T_OUT"
run 0 start2 h guest start dsk2
check "dsk2 starts on new1, from its copy" sh -c "
	virsh -q -c '$U2' list | grep -q 'dsk2 *running' &&
	virsh -q -c '$U2' domblklist dsk2 | grep -q '$B/dsk2.qcow2'"
done_testing
