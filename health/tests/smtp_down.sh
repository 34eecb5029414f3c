#!/bin/sh
# Mail server down: alerts queue in the spool; hangar-health is killed
# with SIGKILL meanwhile; once the server (python3-aiosmtpd on 127.0.0.1)
# is back, a restarted hangar-health delivers every one of them.  Then,
# with the daemon running, the server goes away and comes back: the alert
# made in between arrives by retry, without a restart.
# Usage: smtp_down.sh HANGAR-HEALTH FIXTURE-SYSFS smtp_sink.py
set -u
bin=$1 sysfs=$2 sink=$3
py=/usr/bin/python3
if ! $py -c 'import aiosmtpd' 2>/dev/null; then
	echo "SKIP: python3-aiosmtpd is not installed"; exit 77
fi
d=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# wait_for SECONDS COMMAND...: polls every 0.1 s, bounded
wait_for() {
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
count() { find "$1" -maxdepth 1 -name '*.eml' | wc -l; }
has() { [ "$(count "$1")" -ge "$2" ]; }
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$d/got" "$d/spool"
: > "$d/kmsg1"
: > "$d/kmsg2"
printf 'Personalities : [raid6]\nunused devices: <none>\n' > "$d/mdstat"
conf() {
	cat > "$d/$1.conf" <<EOT
host test-host.example
mail-from hangar-health <health@test-host.example>
mail-to ops@example.net
send smtp
smtp-url smtp://127.0.0.1:$port
send-timeout 5
spool $d/spool
textfile $d/health.prom
sysfs $sysfs
mdstat $d/mdstat
kmsg $d/$2
smartctl /bin/false
smart-interval 3600
md-interval 1
settle 1
retry-min 1
retry-max 2
EOT
}
conf a kmsg1
conf b kmsg2
if ! out=$("$bin" -n -f "$d/a.conf" 2>&1); then
	case $out in *libcurl*) echo "SKIP: $out"; exit 77;; esac
	fail "config: $out"
fi

# 1. server down: two incidents are spooled, not lost
"$bin" -d -f "$d/a.conf" > "$d/a.out" 2> "$d/a.err" &
a=$!; pids="$pids $a"
printf '%s\n' \
    '2,1,100000000,-;md/raid:md0: Disk failure on sdf, disabling device.' \
    '4,2,100000100,-;mpt3sas_cm0: fault_state(0x0d03)!' >> "$d/kmsg1"
wait_for 15 has "$d/spool" 2 || { cat "$d/a.err"; fail "not spooled"; }
wait_for 10 grep -q 'retry in' "$d/a.err" || fail "no failed send logged"
kill -9 "$a"
wait "$a" 2>/dev/null
[ "$(count "$d/spool")" -eq 2 ] || fail "spool lost alerts: $(count "$d/spool")"
grep -q 'hangar_health_spool_messages' "$d/health.prom" || fail "no textfile"

# 2. server back, daemon restarted: both arrive, the spool empties
$py "$sink" "$port" "$d/got" 60 &
pids="$pids $!"
wait_for 10 test -e "$d/got/.ready" || fail "sink did not start"
"$bin" -d -f "$d/b.conf" > "$d/b.out" 2> "$d/b.err" &
b=$!; pids="$pids $b"
wait_for 15 has "$d/got" 2 || { cat "$d/b.err"; fail "not delivered"; }
wait_for 5 test "$(count "$d/spool")" -eq 0 || fail "spool not emptied"

# 3. server gone while running: queued, then delivered by retry
for p in $pids; do [ "$p" = "$b" ] || kill "$p" 2>/dev/null; done
wait_for 5 sh -c "! $py -c 'import socket; socket.create_connection((\"127.0.0.1\", $port), 0.5)' 2>/dev/null" || fail "sink still up"
# written in two pieces: the daemon must wait for the rest of the line
printf '%s' '2,3,200000000,-;md/raid:md0: Disk fail' >> "$d/kmsg2"
sleep 0.5
printf '%s\n' 'ure on sde, disabling device.' >> "$d/kmsg2"
wait_for 10 has "$d/spool" 1 || fail "third alert not spooled"
wait_for 10 grep -q 'retry in' "$d/b.err" || fail "no failed send"
$py "$sink" "$port" "$d/got" 60 &
pids="$pids $!"
wait_for 15 has "$d/got" 3 || { cat "$d/b.err"; fail "retry did not deliver"; }
wait_for 5 test "$(count "$d/spool")" -eq 0 || fail "spool not emptied"
kill "$b"
wait "$b" || fail "daemon exit status $?"

# every mail parses strictly; each incident arrived once
$py - "$d/got" <<'PY' || fail "mails"
import email, email.policy, os, sys
d = sys.argv[1]
ids = []
for f in sorted(os.listdir(d)):
    if not f.endswith(".eml"):
        continue
    m = email.message_from_bytes(open(os.path.join(d, f), "rb").read(),
                                 policy=email.policy.strict)
    for k in m.keys():
        assert not m[k].defects, (f, k)
    ids.append(m["X-Hangar-Incident"])
    assert "test-host.example" in m["Subject"], m["Subject"]
assert len(ids) == 3 and len(set(ids)) == 3, ids
PY
echo "ok: 3 alerts queued while the server was down arrived once each"
