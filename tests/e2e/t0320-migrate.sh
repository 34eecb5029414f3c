#!/bin/sh
# Real live migration in a maintenance run: two unprivileged libvirt
# daemons on this machine are two hosts (qemu+unix:///session), a QEMU
# guest under TCG (the Debian installer kernel, console=ttyS0) runs on
# h1.  `maint run` live-migrates it to h2 and back while each host is
# "rebooted" by the patch hook (its libvirtd is killed and started
# again); the report shows its pauses, QEMU's own figures, and its serial
# console answers afterwards.  Then a roll-forward cycle (the default):
# h2 is patched first and the guest is live-migrated there once, for
# good, and its console answers there.  Last, a migration that fails
# stops the cycle, and --allow-fallback reboots the guest in place.
# Needs root (the daemons run as nobody).  Skip with HANGAR_SKIP_QEMU=1.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"
[ -x /usr/sbin/libvirtd ] || skip_all "no libvirtd"
PY=/usr/bin/python3
state_new
PIDS=""
EXTRA_CLEANUP='for u in "$U1" "$U2"; do virsh -c "$u" destroy mig1 >/dev/null 2>&1; done
for p in $(cat "$STATE"/lv*/pid 2>/dev/null) $PIDS; do kill $p 2>/dev/null; done'

lvd() { libvirtd_start "$1" qemu; }
lvd 1; U1=$URI; lvd 2; U2=$URI
check "two libvirt daemons run QEMU as nobody" sh -c "
	virsh -q -c '$U1' list --all >/dev/null && virsh -q -c '$U2' list --all >/dev/null"

# the host "reboot": its libvirtd is killed and started again
restart_hook "$STATE/patch"
cat >"$STATE/hangard.conf" <<EOF
patch_hook $STATE/patch
migration_address 127.0.0.1
migrate_copy_storage no
shutdown_timeout 5
host_up_timeout 120
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
run 0 host1 h host add h1 --uri "$U1" --accel tcg --disk 20G --disk-kind ssd
run 0 host2 h host add h2 --uri "$U2" --accel tcg --disk 20G --disk-kind ssd
h customer add tester >/dev/null
run 0 create h guest create mig1 --owner tester --plan small --host h1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    --start
check "the guest runs on h1" sh -c "virsh -q -c '$U1' list | grep -q 'mig1 *running'"

# console.py NAME SECONDS WANT [KEYS]: attaches, optionally sends KEYS
# (after a second), and waits for WANT in the output (after KEYS, if any)
cat >"$STATE/console.py" <<'PY'
import json, socket, sys, time
path, name, secs, want = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4].encode()
keys = sys.argv[5].encode().decode("unicode_escape").encode() if len(sys.argv) > 5 else b""
s = socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect(path)
f = s.makefile("rwb", buffering=0)
def call(m, p):
    f.write(json.dumps({"id": 1, "method": m, "params": p}).encode() + b"\n")
    return json.loads(f.readline())
assert call("hello", {"version": 1})["ok"]
r = call("console.attach", {"name": name, "force": True})
if not r["ok"]:
    print("attach failed", r); sys.exit(1)
got, t0, sent = b"", time.time(), False
while time.time() - t0 < secs:
    if keys and not sent and time.time() - t0 > 1:
        s.sendall(keys); sent = True; got = b""
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d:
        break
    got += d
    if want in got:
        print("seen after %.0f s" % (time.time() - t0)); sys.exit(0)
print("not seen; last bytes:", got[-300:]); sys.exit(1)
PY
run 0 installer $PY "$STATE/console.py" "$STATE/hangard.sock" mig1 240 "Select a language"

h advisory add XSA-900 --title "QEMU escape" --affects 'qemu >= 1' >/dev/null
run 0 plan h maint plan XSA-900 --start 2017-04-27T06:00Z --window 4h --roll back
check "the plan live-migrates mig1 to h2" grep -q "mig1 .*h1 .*live-migrate" "$T_OUT"
run 0 run h --json maint run --wait
cp "$T_OUT" "$STATE/report.json"
check "the cycle is done, both hosts were rebooted by the hook" sh -c "
	grep -q '\"state\":\"done\"' '$STATE/report.json' &&
	[ \$(sort -u '$STATE/patched' | wc -l) -eq 2 ]"
check_restarts 2
check "mig1 was live-migrated out and back: QEMU's pauses recorded" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
g = {x["guest"]: x for x in r["guests"]}["mig1"]
assert g["action"] == "live-migrate" and g["measured"], g
assert 0 < g["downtime_ms"] < 5000, g
steps = [s for s in r["steps"] if s["guest"] == "mig1"]
assert [s["kind"] for s in steps] == ["migrate-out", "migrate-back"], steps
for s in steps:
    assert s["state"] == "done" and 0 < s["pause_ms"] < 3000, s
    assert s["detail"].startswith("live, pause"), s
print("pauses:", [s["pause_ms"] for s in steps], file=sys.stderr)
' "$STATE/report.json"
diag "$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("mig1 pauses (ms):", [s.get("pause_ms") for s in r["steps"] if s["guest"] == "mig1"])' "$STATE/report.json")"
check "mig1 is home on h1, running, and not left on h2" sh -c "
	virsh -q -c '$U1' list | grep -q 'mig1 *running' &&
	! virsh -q -c '$U2' list --all | grep -q mig1"
run 0 report h maint report
check "the report shows the pause" grep -q "^mig1 .*live-migrate .* ms" "$T_OUT"
# the installer kept running: Enter on the language dialog moves it on
run 0 console-after $PY "$STATE/console.py" "$STATE/hangard.sock" mig1 120 \
    "location" '\r'

# ---- rolling forward: h2 (empty) is patched first, mig1 moves there once ----
h advisory add XSA-902 --title "forward" --affects 'qemu >= 1' >/dev/null
mv "$STATE/restarts" "$STATE/restarts-back"
run 0 plan-fwd h --json maint plan XSA-902 --start 2017-06-27T06:00Z --window 4h
check "the plan rolls forward: mig1 moves once, to h2, patched first" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["summary"]["mode"] == "forward" and p["summary"]["migrations"] == 1, p["summary"]
assert [(m["guest"], m["from"], m["to"]) for m in p["moves"]] == [("mig1", "h1", "h2")]
assert p["roll_hosts"][0]["host"] == "h2", p["roll_hosts"]
' "$T_OUT"
run 0 run-fwd h --json maint run --wait
cp "$T_OUT" "$STATE/report-fwd.json"
check_restarts 2
check "mig1 was live-migrated once, after h2 came back; QEMU's pause recorded" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
g = {x["guest"]: x for x in r["guests"]}["mig1"]
assert g["action"] == "live-migrate" and g["moves"] == 1 and g["pauses"] == 1, g
assert g["measured"] and 0 < g["downtime_ms"] < 5000 and g["ended_on"] == "h2", g
st = [s for s in r["steps"] if s["guest"] == "mig1"]
assert [s["kind"] for s in st] == ["migrate"] and st[0]["detail"].startswith("live, pause"), st
w = [s for s in r["steps"] if s["host"] == "h2" and s["kind"] == "wait-up"][0]
p = [s for s in r["steps"] if s["host"] == "h1" and s["kind"] == "patch"][0]
assert w["ended"] <= st[0]["started"] and st[0]["ended"] <= p["started"], (w, st, p)
assert r["wall_ms"] > 0 and r["roll"] == "forward", r
print("pause:", st[0]["pause_ms"], "ms", file=sys.stderr)
' "$STATE/report-fwd.json"
check "mig1 lives on h2 now, running, the store agreeing, nothing left on h1" sh -c "
	virsh -q -c '$U2' list | grep -q 'mig1 *running' &&
	! virsh -q -c '$U1' list --all | grep -q mig1 &&
	'$HANGAR' -s '$STATE' guest list | grep -q '^mig1 .* h2 .*running'"
# the installer kept running there: the location list answers a key
# (Down moves its highlight: newt redraws it, starting with an escape)
run 0 console-fwd $PY "$STATE/console.py" "$STATE/hangard.sock" mig1 120 \
    "$(printf '\033[')" '\x1b[B'

# ---- a migration that fails: the cycle stops; --allow-fallback reboots ----
# a domain named mig1 already defined on h1 makes the migration fail
stray_domain "$U1" mig1
check "a stray mig1 is defined on h1" sh -c "virsh -q -c '$U1' list --all | grep -q mig1"
h advisory add XSA-901 --title "again" --affects 'qemu >= 1' >/dev/null
run 0 plan2 h maint plan XSA-901 --start 2017-05-27T06:00Z --window 4h --roll back
run 0 run2 h --json maint run --wait
check "the failed migration stopped the cycle, saying why" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "stopped", r["state"]
assert "migrate-out mig1" in r["error"], r["error"]
' "$T_OUT"
check "mig1 still runs on h2" sh -c "virsh -q -c '$U2' list | grep -q 'mig1 *running'"
run 0 run2-fallback h --json maint run --allow-fallback --wait
check "with --allow-fallback mig1 rebooted in place and the cycle ended" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
g = {x["guest"]: x for x in r["guests"]}["mig1"]
assert g["action"] == "reboot" and g["downtime_ms"] >= 1000, g
' "$T_OUT"
check "mig1 runs again on h2" sh -c "virsh -q -c '$U2' list | grep -q 'mig1 *running'"
done_testing
