#!/bin/sh
# hangar-health's reports reach hangard through a real OpenSSH sshd on
# 127.0.0.1: the ingest account's authorized_keys is the file hangard
# writes for `hangar host key set`, each key forced into
# `hangar-ingest --host NAME`.  A report of a failed array on h1 opens
# one incident linked to h1's running VPSes; the same line sent again is
# acknowledged and ignored; h1's key cannot report for h2 (not in the
# line, not with another command); a degraded array is recorded, not
# announced (an operator resolves it); "resolved" resolves; a removed key
# no longer logs in.  On
# the socket itself, only the ingest account may report.
#
# Then the two ends together: hangar-health of host h3 (its daemon, on
# the mpt3sas replay tree of health/tests, with its report_to at this
# sshd and h3's key) sees the replayed kernel log of a controller fault
# that fails md0 while the control node's sshd is down: it mails, and
# its reports wait in its spool; sshd comes back and they arrive, in
# order: one incident on h3 linked to exactly h3's running VPSes.
# Needs root (useradd, sshd).
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
HH="$HANGAR_BUILD/health/hangar-health"
RT="$HANGAR_SRC/health/tests/replay/controller-mpt3sas"
for p in /usr/sbin/sshd ssh ssh-keygen setpriv useradd "$HH"; do
	command -v "$p" >/dev/null 2>&1 || skip_all "no $p"
done
PY=/usr/bin/python3
state_new
IU=hgi$$
SSHD=""
HHPID=""
EXTRA_CLEANUP='[ -n "$SSHD" ] && kill $SSHD 2>/dev/null
[ -n "$HHPID" ] && kill $HHPID 2>/dev/null; userdel "$IU" >/dev/null 2>&1'
# '*' (not '!'): sshd without PAM refuses locked accounts even for keys;
# a real shell: sshd runs the forced command through it
useradd -M -d "$STATE" -s /bin/sh -p '*' "$IU" || skip_all "useradd failed"

mkdir -m 755 "$STATE/keys"
cat >"$STATE/hangard.conf" <<EOF
keys_dir $STATE/keys
ingest_user $IU
ingest_command $HANGAR_BUILD/ingest/hangar-ingest
incident_post_after 0
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
h host add h1 --uri "$(node_xml h1 8 32)" --disk 1T --disk-kind ssd >/dev/null
h host add h2 --uri "$(node_xml h2 8 32)" --disk 1T --disk-kind ssd >/dev/null
h customer add alice >/dev/null
h guest create a1 --owner alice --plan small --host h1 --start >/dev/null
h guest create a2 --owner alice --plan small --host h1 >/dev/null
h guest create a3 --owner alice --plan small --host h2 --start >/dev/null
h host add h3 --uri "$(node_xml h3 8 32)" --disk 1T --disk-kind ssd >/dev/null
h customer add bob >/dev/null
for g in c1 c2 c3; do
	h guest create $g --owner bob --plan small --host h3 >/dev/null
done
h guest start c1 >/dev/null; h guest start c2 >/dev/null

for k in h1 h2 h3 stranger; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$STATE/key-$k" ||
	    skip_all "ssh-keygen"
done
ssh-keygen -q -t ed25519 -N '' -f "$STATE/hostkey"
run 0 key-h1 h host key set h1 "$(cat "$STATE/key-h1.pub")"
run 0 key-h2 h host key set h2 "$STATE/key-h2.pub"
run 0 key-h3 h host key set h3 "$STATE/key-h3.pub"
run 2 key-bad h host key set h1 'ssh-ed25519 AAAA-not-base64'
run 3 key-nohost h host key set h9 "$STATE/key-h2.pub"
KF="$STATE/keys/$IU"
check "hangard wrote the ingest account's keys, each forced to its host" sh -c "
	grep -q '^restrict,command=\"$HANGAR_BUILD/ingest/hangar-ingest -S $STATE/hangard.sock --host h1\" ssh-ed25519 [A-Za-z0-9+/=]* host:h1\$' '$KF' &&
	grep -q -- '--host h2\" ssh-ed25519 .* host:h2\$' '$KF' && [ \$(grep -c '^restrict' '$KF') = 3 ]"

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
{
	cat <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $STATE/hostkey
PidFile $STATE/sshd.pid
StrictModes no
UsePAM no
AllowUsers $IU
LogLevel VERBOSE
EOF
	sed -e "s|^Match User hangar-ingest|Match User $IU|" \
	    -e "s|AuthorizedKeysFile /etc/hangar/keys/%u|AuthorizedKeysFile $STATE/keys/%u|" \
	    "$HANGAR_SRC/ingest/sshd_config.ingest"
} >"$STATE/sshd_config"
check "the shipped sshd snippet is valid (sshd -t)" \
    /usr/sbin/sshd -t -f "$STATE/sshd_config"
[ -d /run/sshd ] || mkdir -m 755 /run/sshd
sshd_start() {
	/usr/sbin/sshd -D -f "$STATE/sshd_config" -E "$STATE/sshd.log" &
	SSHD=$!
}
sshd_start

# send KEY [COMMAND]: report lines on stdin, through ssh as the ingest
# account with that key
send() {
	ssh -F /dev/null -p "$PORT" -i "$STATE/key-$1" -T -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -o ConnectTimeout=5 "$IU@127.0.0.1" ${2:-}
}
# report SEQ HOST STATE ARRAY-STATE [ID]
report() {
	printf '{"v": 1, "host": "%s", "seq": %s, "time": "2017-03-08T20:17:05Z", "incident": {"id": "%s", "kind": "controller", "state": "%s", "severity": "critical", "summary": "Controller mpt3sas0 (0000:01:00.0) faulted; 4 disks dropped", "controller": {"name": "mpt3sas0", "pci": "0000:01:00.0", "driver": "mpt3sas"}, "disks": [{"serial": "ZC1234", "dev": "sdc"}], "arrays": [{"name": "md0", "state": "%s", "mounts": ["/var/lib/libvirt/images"]}]}}\n' \
	    "$2" "$1" "${5:-$2-20170308T201105Z-1}" "$3" "$4"
}
i=0
until [ $i -gt 50 ] || echo | send h1 >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done

report 1 h1 open failed | send h1 >"$STATE/r1" 2>&1
check "a controller fault on h1: ok 1" test "$(cat "$STATE/r1")" = "ok 1"
run 0 show h --json incident show
check "one incident on h1, linked to its running VPS (not h2's, not one that was off)" \
    $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["cause"] == "controller" and r["state"] == "open", r
assert [h["host"] for h in r["host_list"]] == ["h1"], r["host_list"]
assert [g["guest"] for g in r["guests"]] == ["a1"], r["guests"]
assert r["health"][0]["id"] == "h1-20170308T201105Z-1", r["health"]
assert "mpt3sas0" in r["title"] + r["health"][0]["summary"], r
' "$T_OUT"
{ report 1 h1 open failed; report 1 h1 update failed; } | send h1 >"$STATE/r2" 2>&1
check "the same seq again: acknowledged (twice), taken once" sh -c "
	[ \"\$(cat '$STATE/r2' | tr '\n' ' ')\" = 'ok 1 ok 1 ' ] &&
	grep -q 'report 1 again (last taken 1): acknowledged, ignored' '$STATE/hangard.log'"
check "still one incident" sh -c "
	[ \$('$HANGAR' -s '$STATE' --json incident list | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))') = 1 ]"

report 2 h2 open failed | send h1 >"$STATE/r3" 2>&1
check "h1's key cannot report about h2" sh -c "
	grep -q '^error 2 the report is about host h2; this key may report about host h1 only\$' '$STATE/r3'"
report 2 h2 open failed | send h1 "hangar-ingest --host h2" >"$STATE/r4" 2>&1
check "nor by asking for another command (the key's command runs)" \
    grep -q '^error 2 the report is about host h2' "$STATE/r4"
printf 'not json\n{"v": 1}\n' | send h1 >"$STATE/r5" 2>&1
check "bad lines get one error line each, with the reason" sh -c "
	[ \$(grep -c '^error - ' '$STATE/r5') = 2 ] && grep -q '^error - not one JSON object' '$STATE/r5' &&
	grep -q '^error - host is missing' '$STATE/r5'"
report 1 h2 open degraded h2-md1 | send h2 >"$STATE/r6" 2>&1
check "h2's own key reports a degraded array: ok" test "$(cat "$STATE/r6")" = "ok 1"
run 0 show2 h --json incident show
check "a degraded array is recorded, not announced, and downs nothing" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["host_list"][0]["host"] == "h2" and not r["announced"], r
assert r["guests"] == [], r["guests"]
' "$T_OUT"
check "no customer was told of it" sh -c "! '$HANGAR' -s '$STATE' post list | grep -q 'h2'"
# an operator resolves it, whatever hangar-health says
run 0 resolve-h2 h --json incident resolve 2 --text "md1 rebuilt on a new disk"
check "resolved by the operator, with the text in its timeline" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "resolved" and r["resolved_ms"] > 0, r
assert any("md1 rebuilt on a new disk" in t["text"] for t in r["timeline"]), r["timeline"]
' "$T_OUT"

report 3 h1 resolved active | send h1 >"$STATE/r7" 2>&1
check "resolved: ok 3" test "$(cat "$STATE/r7")" = "ok 3"
# (the incident's own state: its hangar-health report says "resolved" too)
i=0
until h incident show 1 2>/dev/null | grep -q '^state *resolved' ||
    [ $i -gt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
h incident show 1 >"$STATE/show1" 2>&1
grep -q '^state *resolved' "$STATE/show1" || diag "$(cat "$STATE/show1")"
check "the incident on h1 resolves, a1's interval closed" sh -c "
	'$HANGAR' -s '$STATE' --json incident show 1 | $PY -c '
import json, sys
r = json.load(sys.stdin)
assert r[\"state\"] == \"resolved\" and r[\"intervals\"][0][\"up_ms\"] > 0, r'"

# ---- hangar-health's own sender, the control node away meanwhile ----
# incidents: how many incidents hangard has, and the newest one's VPSes
incidents() {
	h --json incident list 2>/dev/null | $PY -c 'import json, sys
l = json.load(sys.stdin); print(len(l), l[0]["vpses"] if l else 0)'
}
N0=$(incidents)
mkdir -p "$STATE/hh/mail"
printf '#!/bin/sh\ncat >"%s/hh/mail/$$.eml"\n' "$STATE" >"$STATE/hh/sendmail"
chmod 755 "$STATE/hh/sendmail"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$STATE/hostkey.pub")" \
    >"$STATE/hh/known_hosts"
cp "$RT/mdstat/20000000" "$STATE/hh/mdstat"
: >"$STATE/hh/kmsg"
cat >"$STATE/hh/health.conf" <<EOF
host h3.example
host_name h3
mail-from hangar-health <health@h3.example>
mail-to ops@example.net
sendmail $STATE/hh/sendmail
spool $STATE/hh/spool
state $STATE/hh/state
textfile none
sysfs $RT/sysfs
mdstat $STATE/hh/mdstat
kmsg $STATE/hh/kmsg
mountinfo /dev/null
smartctl /bin/false
mdadm none
md-interval 1
settle 1
retry-min 1
retry-max 1
report_to ssh://$IU@127.0.0.1:$PORT
report_key $STATE/key-h3
report_known_hosts $STATE/hh/known_hosts
EOF
kill "$SSHD"; wait "$SSHD" 2>/dev/null; SSHD=""
"$HH" -d -f "$STATE/hh/health.conf" >/dev/null 2>"$STATE/hh/err" &
HHPID=$!
i=0
until grep -q "reports to" "$STATE/hh/err" || [ $i -gt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
# the replay tree's kernel log, its stamps moved to the last 100 s of
# this machine's (hangar-health compares them with CLOCK_MONOTONIC),
# and md0 failed in mdstat
$PY - "$RT/kmsg" >>"$STATE/hh/kmsg.new" <<'PY'
import sys
up = float(open("/proc/uptime").read().split()[0])
shift = int((up - 100) * 1e6) - 3590000000
for l in open(sys.argv[1]):
    p, n, us, rest = l.split(",", 3)
    if int(us) + shift > 0:
        sys.stdout.write("%s,%s,%d,%s" % (p, n, int(us) + shift, rest))
PY
cp "$RT/mdstat/3703000000" "$STATE/hh/mdstat"
cat "$STATE/hh/kmsg.new" >>"$STATE/hh/kmsg"
# spooled N: N report lines in h3's spool
spooled() { [ "$(grep -c '"seq"' "$STATE/hh/state/reports/log" 2>/dev/null)" -ge "$1" ]; }
i=0
until { spooled 2 && grep -q "retry in" "$STATE/hh/err"; } || [ $i -gt 150 ]; do
	sleep 0.1; i=$((i + 1))
done
check "the fault on h3, sshd down: mailed, its report lines wait in h3's spool" sh -c "
	ls '$STATE'/hh/mail/*.eml >/dev/null 2>&1 &&
	grep -q 'md0 failed' '$STATE/hh/state/reports/log' &&
	grep -q 'reports: .*retry in' '$STATE/hh/err'"
check "... and hangard has not heard of it (${N0% *} incidents)" test "$(incidents)" = "$N0"
sshd_start
i=0
until [ "$(incidents)" = "$((${N0% *} + 1)) 2" ] || [ $i -gt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.5	# anything more would come now
run 0 show-h3 h --json incident show
check "sshd back: one more incident, on h3, a controller fault, linked to exactly its running VPSes" \
    $PY - "$T_OUT" "$STATE/hh/state/reports/log" "$(incidents)" "${N0% *}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sent = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
assert sys.argv[3] == "%d 2" % (int(sys.argv[4]) + 1), sys.argv[3:]
assert r["cause"] == "controller" and r["state"] == "open", r
assert [h["host"] for h in r["host_list"]] == ["h3"], r["host_list"]
assert sorted(g["guest"] for g in r["guests"]) == ["c1", "c2"], r["guests"]
ids = {o["incident"]["id"] for o in sent}
assert [x["id"] for x in r["health"]] == sorted(ids), (r["health"], ids)
assert "md0 failed" in r["health"][0]["summary"], r["health"]
PY
check "h3 has every line acknowledged, the last one last" sh -c "
	[ \"\$(cat '$STATE/hh/state/reports/acked')\" = \"\$($PY -c 'import json, sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[\"seq\"])' '$STATE/hh/state/reports/log')\" ]"
kill "$HHPID"; wait "$HHPID" 2>/dev/null; HHPID=""

report 4 h1 open failed | send stranger >"$STATE/r8" 2>&1
check "a key hangard did not write does not log in" sh -c "
	! grep -q '^ok' '$STATE/r8' && grep -qi 'permission denied' '$STATE/r8'"
run 0 key-remove h host key remove h1
report 4 h1 open failed | send h1 >"$STATE/r9" 2>&1
check "a removed key no longer logs in" sh -c "! grep -q '^ok' '$STATE/r9'"
run 3 key-remove-again h host key remove h1

# ---- the socket itself: only the ingest account reports ----
ING="$HANGAR_BUILD/ingest/hangar-ingest -S $STATE/hangard.sock"
report 5 h2 open failed | setpriv --reuid=65534 --regid=65534 --clear-groups \
    $ING --host h2 >"$STATE/s1" 2>&1
check "as nobody: refused (exit 5)" grep -q 'permission denied' "$STATE/s1"
report 5 h2 open failed | $ING --host h2 >"$STATE/s2" 2>&1
check "as root (an operator): refused" grep -q 'does not take reports from this user' "$STATE/s2"
report 5 h1 open failed | setpriv --reuid="$(id -u "$IU")" \
    --regid="$(id -g "$IU")" --clear-groups $ING --host h1 >"$STATE/s3" 2>&1
check "as the ingest account for a host without a key: refused" \
    grep -q '^error 5 host h1 has no report key' "$STATE/s3"
run 2 ingest-usage $ING --host 'H1;id'
kill "$HPID"; wait "$HPID"; HPID=""
report 5 h2 open failed | setpriv --reuid="$(id -u "$IU")" \
    --regid="$(id -g "$IU")" --clear-groups $ING --host h2 >"$STATE/s4" 2>&1
check "hangard down: exit 7, and the sender keeps its lines" sh -c "
	grep -q 'cannot reach hangard' '$STATE/s4' && ! grep -q '^ok' '$STATE/s4'"
done_testing
