#!/bin/sh
# Reports to the control node through a real OpenSSH sshd on 127.0.0.1:
# real keys, a pinned known_hosts, and as the forced command of the
# client key a stub of hangar-ingest that acknowledges each line ("ok
# SEQ") and logs it once (a line sent again after a lost answer is
# acknowledged and not logged twice, as hangard does).  sshd is killed;
# incidents happen meanwhile (their mails still go out); hangar-health
# is killed with SIGKILL and started again (the spool and the numbers
# survive); one more incident; sshd comes back: every line arrives once,
# in order, numbers strictly increasing.  Then with known_hosts pinned
# to another key nothing is delivered, and with the right key again it
# is.
# Usage: report_ssh.sh HANGAR-HEALTH FIXTURE-SYSFS
set -u
bin=$1 sysfs=$2
py=/usr/bin/python3
for t in /usr/sbin/sshd ssh ssh-keygen $py; do
	command -v "$t" > /dev/null 2>&1 || { echo "SKIP: no $t"; exit 77; }
done
d=$(mktemp -d)
chmod 755 "$d"
sshd_pid="" hh=""
cleanup() {
	[ -n "$hh" ] && kill -9 "$hh" 2>/dev/null
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in hh1.err hh2.err hh3.err sshd.log ingest.err; do
		[ -s "$d/$f" ] && { echo "--- $f"; tail -15 "$d/$f"; }
	done
	exit 1
}
wait_for() {	# SECONDS COMMAND...: polls every 0.1 s, bounded
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
lines() { [ -f "$d/got.log" ] && grep -c . "$d/got.log" || echo 0; }
has_lines() { [ "$(lines)" -ge "$1" ]; }
mails() { ls "$d/mail" | grep -c eml; }
has_mails() { [ "$(mails)" -ge "$1" ]; }
port_up() {
	$py -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.5)" 2>/dev/null
}

# ---- the control node: sshd whose only use of this key is the stub ----
[ "$(id -u)" = 0 ] && { [ -d /run/sshd ] || mkdir -m 755 /run/sshd; }
ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" || fail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$d/otherkey" || fail "other key"
ssh-keygen -q -t ed25519 -N '' -f "$d/client" || fail "client key"
cat > "$d/ingest.py" <<'EOT'
import json, os, sys
host, log = sys.argv[2], sys.argv[3]
seen = set()
if os.path.exists(log):
    seen = {json.loads(l)["seq"] for l in open(log)}
for line in sys.stdin:
    o = json.loads(line)
    seq = o["seq"]
    if o.get("host") != host:
        print(f"error {seq} host {o.get('host')} is not {host}", flush=True)
        continue
    if seq in seen:
        with open(log + ".dups", "a") as f:
            f.write(f"{seq}\n")
    else:
        with open(log, "a") as f:
            f.write(line)
        seen.add(seq)
    print(f"ok {seq}", flush=True)
EOT
printf 'restrict,command="%s %s --host h3 %s 2>>%s" %s\n' "$py" \
    "$d/ingest.py" "$d/got.log" "$d/ingest.err" "$(cat "$d/client.pub")" \
    > "$d/authorized_keys"
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$d/sshd_config" <<EOT
Port $port
ListenAddress 127.0.0.1
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
# the files live under /tmp
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin forced-commands-only
LogLevel VERBOSE
EOT
start_sshd() {
	/usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" &
	sshd_pid=$!
	wait_for 10 port_up || fail "sshd did not start"
}
stop_sshd() {
	kill "$sshd_pid"
	wait "$sshd_pid" 2>/dev/null
	sshd_pid=""
	wait_for 5 sh -c "! $py -c \"import socket; socket.create_connection(('127.0.0.1', $port), 0.5)\" 2>/dev/null" ||
	    fail "sshd still answers"
}
pin() { printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$d/$1.pub")" > "$d/known_hosts"; }
pin hostkey
# kernel log stamps: in the past of this machine's clock (the daemon
# compares them with CLOCK_MONOTONIC), far enough apart for window 5
up=$(cut -d. -f1 /proc/uptime)
t0=$((up > 200 ? up - 100 : 1))
at() { echo "$(( (t0 + $1) * 1000000 ))"; }

# ---- the host ----
mkdir -p "$d/mail"
cat > "$d/sendmail" <<EOT
#!/bin/sh
cat > "$d/mail/\$(date +%s%N).eml"
EOT
chmod +x "$d/sendmail"
printf 'Personalities : [raid6]\nunused devices: <none>\n' > "$d/mdstat"
conf() {	# conf NAME KMSG
	: > "$d/$2"
	cat > "$d/$1.conf" <<EOT
host test-host.example
host_name h3
mail-from hangar-health <health@test-host.example>
mail-to ops@example.net
sendmail $d/sendmail
spool $d/spool
state $d/state
textfile none
sysfs $sysfs
mdstat $d/mdstat
kmsg $d/$2
mountinfo /dev/null
smartctl /bin/false
mdadm none
md-interval 1
settle 1
window 5
retry-min 1
retry-max 2
report_to ssh://$(id -un)@127.0.0.1:$port
report_key $d/client
report_known_hosts $d/known_hosts
EOT
}
conf a kmsg1
conf b kmsg2
conf c kmsg3
out=$("$bin" -n -f "$d/a.conf" 2>&1) || fail "config: $out"
sed 's/^report_known_hosts .*/report_known_hosts \/nonexistent/' "$d/a.conf" \
    > "$d/bad.conf"
"$bin" -n -f "$d/bad.conf" > /dev/null 2>&1 && fail "-n took a missing known_hosts"
printf 'report_to -oProxyCommand=x\n' > "$d/bad2.conf"
"$bin" -n -f "$d/bad2.conf" > /dev/null 2>&1 && fail "-n took an option as report_to"
start_sshd
"$bin" -d -f "$d/a.conf" > "$d/hh1.out" 2> "$d/hh1.err" &
hh=$!
wait_for 10 grep -q "reports to" "$d/hh1.err" || fail "no reports configured"

# 1. an incident: its line reaches the control node, acknowledged
printf '%s\n' "2,1,$(at 1),-;md/raid:md0: Disk failure on sdf, disabling device." >> "$d/kmsg1"
wait_for 20 has_lines 1 || fail "first line not delivered"
wait_for 5 test -s "$d/state/reports/acked" || fail "not acknowledged"
first=$($py -c "import json; print(json.loads(open('$d/got.log').readline())['seq'])")

# 2. the control node goes away; two more incidents: mailed, spooled
stop_sshd
mails_before=$(mails)
printf '%s\n' "2,2,$(at 20),-;md/raid:md0: Disk failure on sde, disabling device." \
    "4,3,$(at 40),-;mpt3sas_cm0: fault_state(0x0d03)!" >> "$d/kmsg1"
wait_for 20 has_mails $((mails_before + 2)) || fail "mail held back by the reports"
wait_for 15 grep -q "reports: .*retry in" "$d/hh1.err" || fail "no retry logged"
[ "$(lines)" -eq 1 ] || fail "lines arrived while sshd was down"

# 3. hangar-health killed and started again: the spool waits
kill -9 "$hh"
wait "$hh" 2>/dev/null
hh=""
pending=$(($(grep -c . "$d/state/reports/log") - 1))
[ "$pending" -ge 2 ] || fail "spool has $pending pending lines"
"$bin" -d -f "$d/b.conf" > "$d/hh2.out" 2> "$d/hh2.err" &
hh=$!
wait_for 10 grep -q "line(s) waiting" "$d/hh2.err" || fail "restart"
grep -q "reports to .* $pending line(s) waiting" "$d/hh2.err" ||
    fail "restarted with the wrong count: $(grep 'reports to' "$d/hh2.err")"
printf '%s\n' "2,4,$(at 60),-;md/raid:md0: Disk failure on sdd, disabling device." >> "$d/kmsg2"
wait_for 10 has_mails $((mails_before + 3)) || fail "no mail after restart"
sleep 1.5

# 4. the control node is back: everything, once, in order
start_sshd
want=$((1 + pending + 1))
wait_for 30 has_lines "$want" || fail "$(lines) of $want lines delivered"
sleep 1
$py - "$d/got.log" "$first" "$want" <<'PY' || fail "order"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
seqs = [o["seq"] for o in got]
first, want = int(sys.argv[2]), int(sys.argv[3])
assert len(seqs) == want, seqs
assert seqs == list(range(first, first + want)), seqs
assert all(o["host"] == "h3" and o["v"] == 1 for o in got)
assert [o["incident"]["kind"] for o in got] == \
    ["disk", "disk", "controller", "disk"], [o["incident"] for o in got]
print("ok: %d lines, seq %d..%d, in order" % (len(seqs), seqs[0], seqs[-1]))
PY
[ -s "$d/got.log.dups" ] && echo "note: re-sent after a lost answer: $(cat "$d/got.log.dups")"
kill "$hh"
wait "$hh" || fail "hangar-health exit status $?"
hh=""

# 5. known_hosts pinned to another key: nothing goes; the right one: it does
pin otherkey
"$bin" -d -f "$d/c.conf" > "$d/hh3.out" 2> "$d/hh3.err" &
hh=$!
wait_for 10 grep -q "reports to" "$d/hh3.err" || fail "third start"
printf '%s\n' "2,5,$(at 80),-;md/raid:md0: Disk failure on sdc, disabling device." >> "$d/kmsg3"
wait_for 15 grep -q "Host key verification failed" "$d/hh3.err" ||
    fail "a wrong host key was not refused"
[ "$(lines)" -eq "$want" ] || fail "delivered to a host with the wrong key"
pin hostkey
wait_for 15 has_lines $((want + 1)) || fail "not delivered once the key is right"
echo "ok: $((want + 1)) report lines, each once and in order, through sshd"
