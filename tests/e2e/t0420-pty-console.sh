#!/bin/sh
# Lab consoles (test_console_dir): a test-driver guest whose serial
# console is a pty owned by a small python3 "guest".  console.attach over
# the socket relays it both ways, 8-bit clean and in order; one session
# per console, force takes it over; the guest closing its pty ends the
# session; a guest without a pty is refused.
. "$HANGAR_SRC/tests/lib.sh"

state_new
mkdir "$STATE/cons"
printf 'test_console_dir %s/cons\n' "$STATE" >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
hdd=$(node_xml hdd 8 32)
h host add hdd --uri "$hdd" --disk 1T --disk-kind hdd >/dev/null
h customer add tester >/dev/null
for g in g1 g2; do
	h guest create "$g" --owner tester --plan micro --host hdd --start \
	    >/dev/null
done

cat >"$STATE/pty.py" <<'PY'
import json, os, socket, sys, threading
sock, cons = sys.argv[1], sys.argv[2]

def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sock)
    f = s.makefile("rwb", buffering=0)
    def call(m, p):
        f.write(json.dumps({"id": 1, "method": m, "params": p}).encode() + b"\n")
        return json.loads(f.readline())
    assert call("hello", {"version": 1})["ok"]
    return s, f, call

def read_n(read, n):
    got = b""
    while len(got) < n:
        b = read(n - len(got))
        if not b:
            break
        got += b
    return got

def read_all(f):
    got = b""
    try:
        while True:
            b = f.read(4096)
            if not b:
                break
            got += b
    except OSError:
        pass
    return got

# the guest: a pty whose slave is the console, left cooked (echo, CR/LF
# mapping, ^S): the console side must make the line raw itself
master, slave = os.openpty()
os.symlink(os.ttyname(slave), os.path.join(cons, "g1"))

s1, f1, call1 = conn()
r = call1("console.attach", {"name": "g1"})
print("attach", r["ok"], r.get("result", {}).get("escape"))

# guest -> client: every byte value, rotated per block so order shows
out = b"".join(bytes((i + k) % 256 for k in range(256)) for i in range(256))
w = threading.Thread(target=os.write, args=(master, out), daemon=True)
w.start()
got = read_n(f1.read, len(out)); w.join()
print("guest->client", len(got), got == out)

# client -> guest: every byte value, nothing added (no echo, no CR/LF work)
f1.write(bytes(range(256)))
got = read_n(lambda n: os.read(master, n), 256)
print("client->guest", len(got), got == bytes(range(256)))

s2, f2, call2 = conn()
r = call2("console.attach", {"name": "g1"})
print("second", r["ok"], r.get("error", {}).get("code") == "state")
r = call2("console.attach", {"name": "g1", "force": True})
print("force", r["ok"])
print("first told", b"taken over" in read_all(f1))
os.write(master, b"after takeover\n")
print("second gets output", read_n(f2.read, 15) == b"after takeover\n")

# the guest goes away: its session ends, and says so
os.close(master); os.close(slave)
print("ended", b"console closed" in read_all(f2))

s3, f3, call3 = conn()
r = call3("console.attach", {"name": "g2"})
print("no pty", r["ok"], r.get("error", {}).get("code"),
      "no lab console" in r.get("error", {}).get("message", ""))
PY
timeout 60 python3 "$STATE/pty.py" "$STATE/hangard.sock" "$STATE/cons" \
    >"$STATE/pty.out" 2>&1
diag "$(cat "$STATE/pty.out")"
check "console.attach answers with the escape" grep -qx "attach True ~." "$STATE/pty.out"
check "guest output arrives whole, 8-bit clean and in order" \
    grep -qx "guest->client 65536 True" "$STATE/pty.out"
check "client input reaches the guest unchanged" \
    grep -qx "client->guest 256 True" "$STATE/pty.out"
check "a second attach is told the console is in use" \
    grep -qx "second False True" "$STATE/pty.out"
check "force takes it over" grep -qx "force True" "$STATE/pty.out"
check "the first session is told and closed" grep -qx "first told True" "$STATE/pty.out"
check "the new session gets the guest's output" \
    grep -qx "second gets output True" "$STATE/pty.out"
check "the guest closing its pty ends the session" grep -qx "ended True" "$STATE/pty.out"
check "a guest without a pty is refused by the hypervisor layer" \
    grep -qx "no pty False hypervisor True" "$STATE/pty.out"
hangard_stop
check "hangard stops cleanly" test "$rc" -eq 0
done_testing
