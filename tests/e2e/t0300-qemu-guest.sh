#!/bin/sh
# A real guest: hangard drives libvirt's embedded QEMU driver
# (qemu:///embed?root=DIR, no libvirtd) under TCG; the guest boots the
# Debian installer kernel directly with console=ttyS0, runs, and is
# destroyed and deleted again.  Skip with HANGAR_SKIP_QEMU=1.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"

state_new
root="$STATE/libvirt"
mkdir -p "$root/etc"
# as root: no virtlogd needed, QEMU runs as root, shared images untouched
cat >"$root/etc/qemu.conf" <<CONF
stdio_handler = "file"
user = "root"
group = "root"
dynamic_ownership = 0
CONF
EXTRA_CLEANUP='for p in "$root"/run/qemu/*.pid; do [ "${p##*/}" != driver.pid ] && [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done'
hangard_start || { done_testing; exit 1; }

t0=$(date +%s)
run 0 host-add h host add qemu1 --uri "qemu:///embed?root=$root" \
    --accel tcg --disk 20G --disk-kind ssd
check "the host's hypervisor is read from libvirt" grep -q "hv_type *QEMU" "$T_OUT"
run 0 customer h customer add tester
run 0 create h guest create di1 --owner tester --plan small --host qemu1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    --start
check "the guest is running" grep -q "state *running" "$T_OUT"
pidfile="$root/run/qemu/di1.pid"
check "a QEMU process runs for it" sh -c "kill -0 \$(cat '$pidfile')"
tr '\0' ' ' </proc/"$(cat "$pidfile")"/cmdline >"$STATE/qemu.cmdline"
check "it runs under TCG" grep -q -- '-accel tcg' "$STATE/qemu.cmdline"
check "it has no VGA device and no display (fleet policy)" sh -c \
    "grep -q -- '-display none' '$STATE/qemu.cmdline' &&
     ! grep -Eqi 'vga|cirrus|qxl|bochs|-vnc|-spice' '$STATE/qemu.cmdline'"
check "it has a serial port" sh -c \
    "tr '\\0' ' ' </proc/\$(cat '$pidfile')/cmdline | grep -q -- '-chardev pty'"
# the serial console, relayed by hangard from libvirt's console stream
cat >"$STATE/console.py" <<'PY'
import json, socket, sys, time
path, name = sys.argv[1], sys.argv[2]
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path)
    f = s.makefile("rwb", buffering=0)
    def call(m, p):
        f.write(json.dumps({"id": 1, "method": m, "params": p}).encode() + b"\n")
        return json.loads(f.readline())
    assert call("hello", {"version": 1})["ok"]
    return s, f, call
s1, f1, call1 = conn()
r = call1("console.attach", {"name": name})
print("attach", r["ok"], r.get("result", {}).get("escape"))
got = b""
deadline = time.time() + 240
want = [b"Linux version", b"Select a language"]
seen = []
while time.time() < deadline and len(seen) < len(want):
    try:
        d = s1.recv(65536)
    except socket.timeout:
        continue
    if not d:
        break
    got += d
    for w in want:
        if w in got and w not in seen:
            seen.append(w)
            print("seen", w.decode(), "after %.0f s" % (240 - (deadline - time.time())))
            sys.stdout.flush()
s2, f2, call2 = conn()
r = call2("console.attach", {"name": name})
print("second", r["ok"], r.get("error", {}).get("code"), "in use by" in r.get("error", {}).get("message", ""))
r = call2("console.attach", {"name": name, "force": True})
print("force", r["ok"])
s1.settimeout(10)
tail = b""
try:
    while True:
        d = s1.recv(65536)
        if not d:
            break
        tail += d
except socket.timeout:
    pass
print("first told", b"taken over" in tail)
print("tail", len(tail), repr(tail[-120:]))
s2.sendall(b"\r")   # Enter: the installer moves on
s2.close()
PY
python3 "$STATE/console.py" "$STATE/hangard.sock" di1 >"$STATE/console.out" 2>&1
diag "$(cat "$STATE/console.out")"
check "console.attach answers with the escape" grep -qx "attach True ~." "$STATE/console.out"
check "the kernel's banner arrives on the console" grep -q "seen Linux version" "$STATE/console.out"
check "the installer's first dialog arrives on the console" \
    grep -q "seen Select a language" "$STATE/console.out"
check "a second attach is told the console is in use" \
    grep -qx "second False state True" "$STATE/console.out"
check "force takes it over" grep -qx "force True" "$STATE/console.out"
check "the first session is told and closed" grep -qx "first told True" "$STATE/console.out"
run 0 logview h --json guest show di1
cat >"$STATE/log.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb", buffering=0)
for m, p in (("hello", {"version": 1}), ("console.log", {"name": sys.argv[2], "bytes": 1048576})):
    f.write(json.dumps({"id": 1, "method": m, "params": p}).encode() + b"\n")
    r = json.loads(f.readline())
print(r["result"]["text"])
PY
python3 "$STATE/log.py" "$STATE/hangard.sock" di1 >"$STATE/log.out" 2>&1
check "the console log kept the kernel banner" grep -q "Linux version" "$STATE/log.out"
check "the console log kept the installer's dialog" grep -q "Select a language" "$STATE/log.out"
sleep 1
run 0 show h guest show di1
check "state read back: running" grep -q "state *running" "$T_OUT"
run 0 destroy h guest destroy di1
check "destroyed: shut off" grep -q "state *shutoff" "$T_OUT"
check "the QEMU process is gone" sh -c "! [ -f '$pidfile' ] || ! kill -0 \$(cat '$pidfile') 2>/dev/null"
run 0 delete h guest delete di1
run 3 gone h guest show di1
check "the domain definition is gone from the embed root" \
    sh -c "! ls '$root'/etc/qemu/*.xml >/dev/null 2>&1 || ! grep -l di1 '$root'/etc/qemu/*.xml"
diag "real guest cycle took $(( $(date +%s) - t0 )) s"
hangard_stop
check "hangard stops cleanly" test "$rc" -eq 0
done_testing
