#!/bin/sh
# A host dies under a real QEMU guest.  h1 is an unprivileged libvirtd
# running QEMU under TCG (the Debian installer kernel), h2 a libvirtd
# serving the test driver.  h1's libvirtd and its QEMU are killed with
# SIGKILL: within 15 s hangard opens an incident naming h1 and exactly
# the VPS that ran there, says it on IRC (a real ngircd), posts it on the
# Atom feed once it has lasted incident_post_after (2 s here) and mails
# its owner through a real SMTP server (aiosmtpd); h1's other, shut-off
# VPS and h2's are not in it.  Then h1 comes back (a new libvirtd with
# the same definitions): hangard starts the guest again, its outage
# interval closes when QEMU runs, the incident resolves, the owner gets
# one resolution mail, and `incident report` has the figures.  An
# operator's update is said on IRC and posted under the incident.  bob's own
# shutdown of his VPS on h2 opens nothing.
# Needs root (the daemons run as nobody).  Skip with HANGAR_SKIP_QEMU=1.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"
[ -x /usr/sbin/libvirtd ] || skip_all "no libvirtd"
command -v ngircd >/dev/null || skip_all "no ngircd"
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "no python3-aiosmtpd"
state_new
PIDS=""
EXTRA_CLEANUP='virsh -c "$U1" destroy q1 >/dev/null 2>&1
for p in $(cat "$STATE"/lv*/pid 2>/dev/null) $PIDS; do kill $p 2>/dev/null; done'

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# h1's libvirtd probes QEMU while the rest starts
libvirtd_begin 1 qemu; U1=$URI
SMTP=$(free_port); IRC=$(free_port)
mkdir -p "$STATE/sink" "$STATE/irc"
$PY "$HANGAR_SRC/tests/e2e/smtpsink.py" "$SMTP" "$STATE/sink" 300 &
PIDS="$PIDS $!"
$PY "$HANGAR_SRC/tests/e2e/ircd.py" "$STATE/irc" "$IRC" "#status" 300 &
PIDS="$PIDS $!"
libvirtd_start 2 test; U2=$URI
# the test driver keeps its domains only while someone is connected
(sleep 600 >/dev/null 2>&1 & echo $! >"$STATE/keeper.pid"; wait) 2>/dev/null |
    virsh -q -c "$U2" >/dev/null 2>&1 &
PIDS="$PIDS $!"
i=0
while [ ! -f "$STATE/irc/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PIDS="$PIDS $(cat "$STATE/keeper.pid" 2>/dev/null)"
# reconnect_max 1: h1 is seen back within a second of its return
cat >"$STATE/hangard.conf" <<EOF
smtp_url smtp://127.0.0.1:$SMTP
mail_from status@hangar.example
irc_server 127.0.0.1:$IRC
irc_channel "#status"
incident_post_after 2
reconnect_max 1
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
libvirtd_wait "$U1"
run 0 host1 h host add h1 --uri "$U1" --accel tcg --disk 40G --disk-kind ssd
run 0 host2 h host add h2 --uri "$U2" --disk 1T --disk-kind ssd --ram 64G --cpus 16
h customer add alice --email alice@example.com --tz Asia/Tokyo >/dev/null
h customer add bob --email bob@example.com >/dev/null
run 0 create h guest create q1 --owner alice --plan small --host h1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    --start
h guest create q2 --owner bob --plan micro --host h1 --kernel "$DI/linux" \
    --initrd "$DI/initrd.gz" >/dev/null
h guest create t2 --owner bob --plan small --host h2 --start >/dev/null
check "q1 runs in QEMU on h1" sh -c "virsh -q -c '$U1' list | grep -q 'q1 *running'"

# q1_pid: q1's QEMU, from h1's own pid file (not by name: the same test
# may be running beside this one)
q1_pid() {
	f="$STATE/lv1/run/libvirt/qemu/run/q1.pid"
	[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

# incidents: how many hangard has
incidents() {
	h --json incident list 2>/dev/null | $PY -c 'import json, sys
print(len(json.load(sys.stdin)))' 2>/dev/null
}

# ---- bob shuts his own VPS down on h2: no incident ----
run 0 bob-shutdown h guest shutdown t2
sleep 2
check "a customer's own shutdown opens no incident" test "$(incidents)" = 0

# ---- h1 dies: its libvirtd and its QEMU, with SIGKILL ----
QPID=$(q1_pid)
check "q1's QEMU process is there ($QPID)" test -n "$QPID"
KILL_MS=$(date +%s%3N)
OLD_LV=$(cat "$STATE/lv1/pid")
kill -9 "$OLD_LV" "$QPID"
SEEN_MS=0
i=0
while [ $i -lt 300 ]; do
	if [ "$(incidents)" = 1 ]; then
		SEEN_MS=$(date +%s%3N); break
	fi
	sleep 0.1; i=$((i + 1))
done
diag "incident seen $((SEEN_MS - KILL_MS)) ms after the kill"
check "an incident within 15 s of the kill" test "$SEEN_MS" -gt 0 -a \
    $((SEEN_MS - KILL_MS)) -lt 15000
run 0 show1 h --json incident show 1
check "it names h1 and exactly q1" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["cause"] == "host-unreachable", r["cause"]
assert [h["host"] for h in r["host_list"]] == ["h1"], r["host_list"]
assert [g["guest"] for g in r["guests"]] == ["q1"], r["guests"]
assert r["opened_ms"] - int(sys.argv[2]) < 15000, r["opened_ms"]
' "$T_OUT" "$KILL_MS"
run 7 down-host h guest start q2
check "a VPS of the dead host is refused at once, saying why" \
    grep -q "host h1 is unreachable since" "$T_ERR"

# the post after 2 s, and alice's mail
i=0
while [ $i -lt 150 ] && ! ls "$STATE"/sink/*.eml >/dev/null 2>&1; do
	sleep 0.1; i=$((i + 1))
done
sleep 1
check "alice got one mail about q1, bob none" sh -c "
	[ \$(cat '$STATE'/sink/*.eml | grep -c '^Message-ID: <incident-1-open-alice@') = 1 ] &&
	[ \$(cat '$STATE'/sink/*.eml | grep -c '^Message-ID: ') = 1 ] &&
	cat '$STATE'/sink/*.eml | grep -q '^- q1: down since .* JST)'"
check "the Atom feed has the incident" grep -q "Incident: Host h1 unreachable" \
    "$STATE/feed/feed.atom"
check "IRC was told" grep -q "Incident 1: host h1 stopped answering" \
    "$STATE/irc/said.txt"
# an operator's word for customers: said on IRC, posted under the
# incident; a text of two lines is refused, saying why
run 0 update h incident update 1 "The host's power supply is being replaced."
check "the operator's update is posted under the incident" $PY -c '
import json, sys
posts = json.load(sys.stdin)
top = [p for p in posts if p["kind"] == "incident"]
up = [p for p in posts if p["kind"] == "incident-update" and
      "power supply is being replaced" in p["body"]]
assert len(top) == 1 and len(up) == 1 and up[0]["parent"] == top[0]["id"], posts
' <<EOF
$(h --json post list)
EOF
i=0
until grep -q "Incident 1 update: The host's power supply" "$STATE/irc/said.txt" ||
    [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "... and said on IRC" grep -q "Incident 1 update: The host's power supply" \
    "$STATE/irc/said.txt"
run 2 update-2-lines h incident update 1 "$(printf 'one\ntwo')"
check "a text of two lines is refused in one line" sh -c "
	grep -q 'parameter text contains a control character' '$T_ERR' &&
	[ \$(wc -l <'$T_ERR') = 1 ]"

# ---- h1 comes back: same definitions, q1 off ----
BACK_MS=$(date +%s%3N)
libvirtd_spawn "$STATE/lv1"
i=0
until daemon_replaced "$OLD_LV" "$(cat "$STATE/lv1/pid")" "$U1" ||
    [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "h1's old libvirtd is gone and its new one answers" \
    daemon_replaced "$OLD_LV" "$(cat "$STATE/lv1/pid")" "$U1"
i=0
until h incident show 1 2>/dev/null | grep -q '^state *resolved' ||
    [ $i -gt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "q1 runs again on h1" sh -c "virsh -q -c '$U1' list | grep -q 'q1 *running'"
run 0 show2 h --json incident show 1
check "resolved; q1 started again; its outage from the kill to running again" \
    $PY -c '
import json, sys
r, kill, back = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert r["state"] == "resolved", r["state"]
g = r["guests"][0]
assert g["recovery"] == "started", g
iv = r["intervals"]
assert len(iv) == 1 and kill - 1000 <= iv[0]["down_ms"] <= kill + 1500, iv
assert back < iv[0]["up_ms"], (iv, back)
print("q1 down %.1f s" % ((iv[0]["up_ms"] - iv[0]["down_ms"]) / 1000.0),
      file=sys.stderr)
' "$T_OUT" "$KILL_MS" "$BACK_MS"
i=0
until [ "$(cat "$STATE"/sink/*.eml | grep -c '^Message-ID: ')" = 2 ] ||
    [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "one resolution mail to alice" sh -c "
	[ \$(cat '$STATE'/sink/*.eml | grep -c '^Message-ID: <incident-1-resolved-alice@') = 1 ]"
check "IRC was told of the resolution" grep -q "Incident 1 resolved" \
    "$STATE/irc/said.txt"
run 0 report h incident report 1
check "incident report: h1's and q1's outage" sh -c "
	grep -q '^h1 *host-unreachable ' '$T_OUT' &&
	grep -q '^q1 *alice *h1 .* started' '$T_OUT' &&
	grep -q '^VPS downtime: average ' '$T_OUT'"

# ---- q1's QEMU dies while h1's libvirtd lives: a crash, from its event ----
# crash N SIGNAL WHAT: q1's QEMU gets SIGNAL; incident N says so, starts
# q1 again and resolves
crash() {
	i=0
	until q1_pid >/dev/null || [ $i -gt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill "-$2" "$(q1_pid)"
	i=0
	until h incident show "$1" 2>/dev/null | grep -q '^state *resolved' ||
	    [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
	h --json incident show "$1" >"$STATE/crash$1.json" 2>&1
	check "SIG$2 on q1's QEMU: incident $1, $3, q1 started again" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["cause"] == "guest-crash" and r["state"] == "resolved", r
g = r["guests"]
assert [x["guest"] for x in g] == ["q1"] and g[0]["recovery"] == "started", g
assert len(r["intervals"]) == 1 and r["intervals"][0]["up_ms"] > 0, r
assert any(sys.argv[2] in t["text"] for t in r["timeline"]), r["timeline"]
' "$STATE/crash$1.json" "$3"
	check "q1 runs" sh -c "virsh -q -c '$U1' list | grep -q 'q1 *running'"
}
crash 2 KILL "failed"
crash 3 TERM "killed by a signal on its host"
# crash_mails: the crashes' mails are one open and one resolution mail
# each if it was posted (it lasted incident_post_after), none if not
cat >"$STATE/crash_mails.py" <<'PY'
import glob, json, re, sys
text = "".join(open(f).read() for f in glob.glob(sys.argv[1] + "/*.eml"))
ids = re.findall(r"^Message-ID: <incident-(\d+)-([a-z]+)-alice@", text, re.M)
for f in sys.argv[2:]:
    r = json.load(open(f))
    got = sorted(k for n, k in ids if int(n) == r["id"])
    want = ["open", "resolved"] if r["posted"] else []
    assert got == want, (r["id"], r["posted"], got)
PY
crash_mails() {
	$PY "$STATE/crash_mails.py" "$STATE/sink" "$STATE/crash2.json" \
	    "$STATE/crash3.json"
}
i=0
until crash_mails 2>/dev/null || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5	# and no more come
check "the crashes' mails: an open and a resolution mail each if it was posted, none if not" \
    crash_mails
done_testing
