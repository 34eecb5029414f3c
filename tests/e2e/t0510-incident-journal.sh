#!/bin/sh
# An incident's life with hangard killed at every step of it.
#
# Two hosts are libvirt daemons serving the test driver (they outlive
# hangard).  h1's daemon is killed with SIGKILL: hangard must open one
# incident naming h1 and exactly the VPSes that ran on it, post it on
# the feed after incident_post_after, mail each affected customer with
# an address (a customer with a bad time zone, one with a bad address and
# one with none are skipped by name, and the others still get theirs),
# say it on IRC (a real ngircd), and when h1 "reboots" (a new daemon with
# the guests defined and shut off) start the VPSes that ran, except the
# one whose owner said no, close their outage intervals, resolve, and
# mail again.  Meanwhile hangard is killed (HANGARD_FAILPOINT=incident:
# STEP) right after the incident is stored, after its post, between
# spooling a mail and recording it, after recording one, before starting
# a guest again and after resolving, and started again each time.  At
# the end of each incident: every mail arrived exactly once, nothing is
# left in the outbox, each feed post and IRC line is there once, and the
# outage intervals run from the host's death to the guests running
# again.  A customer's own shutdown on the other host opens nothing.
# Needs root (the daemons run as nobody).
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -x /usr/sbin/libvirtd ] || skip_all "no libvirtd"
command -v virsh >/dev/null || skip_all "no virsh"
command -v ngircd >/dev/null || skip_all "no ngircd"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "no python3-aiosmtpd"
state_new
PIDS=""
EXTRA_CLEANUP='for p in $(cat "$STATE"/lv*/pid "$STATE"/lv*/keeper.pid 2>/dev/null) $PIDS; do kill $p 2>/dev/null; done'

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# keeper URI DIR: an idle connection, so the test driver keeps its
# domains while hangard is dead (it forgets them with its last client).
# It defines a domain "keeper" first: once another connection sees it,
# the keeper is connected.
keeper() {
	rm -f "$2/keeper.pid"
	echo "<domain type='test'><name>keeper</name><memory unit='MiB'>8</memory><os><type>hvm</type></os></domain>" \
	    >"$STATE/keeper.xml"
	{ echo "define $STATE/keeper.xml"
	  sleep 900 >/dev/null 2>&1 & echo $! >"$2/keeper.pid"; wait; } 2>/dev/null |
	    virsh -q -c "$1" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until virsh -q -c "$1" list --all 2>/dev/null | grep -q ' keeper ' ||
	    [ $i -gt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

lvd() { libvirtd_start "$1" test; keeper "$URI" "$STATE/lv$1"; }

# reboot_h1: h1 comes back as a host does after a reboot: a new daemon
# with hangard's guests defined and shut off.  It is made on a socket
# of its own and moved into place once the guests are there, so hangard
# cannot connect in between.
reboot_h1() {
	dd=$STATE/lv1
	rm -rf "$dd/run2"
	mkdir -p "$dd/run2"
	chown nobody:nogroup "$dd/run2"
	chmod 700 "$dd/run2"
	cd "$dd" || return 1
	HOME="$dd/home" XDG_RUNTIME_DIR="$dd/run2" XDG_CONFIG_HOME="$dd/config" \
	    XDG_CACHE_HOME="$dd/cache" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups /usr/sbin/libvirtd >>"$dd/log" 2>&1 </dev/null &
	echo $! >"$dd/pid"
	cd - >/dev/null
	tmp="test+unix:///default?socket=$dd/run2/libvirt/libvirt-sock"
	i=0
	until virsh -q -c "$tmp" version >/dev/null 2>&1 || [ $i -gt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	keeper "$tmp" "$dd"
	while read -r n u; do
		echo "<domain type='test'><name>$n</name><uuid>$u</uuid><memory unit='MiB'>1024</memory><os><type>hvm</type></os></domain>" |
		    virsh -q -c "$tmp" define /dev/stdin >/dev/null
	done <"$STATE/h1.guests"
	mv "$dd/run2/libvirt/libvirt-sock" "$dd/run/libvirt/libvirt-sock"
}

lvd 1; U1=$URI; lvd 2; U2=$URI
SMTP=$(free_port); IRC=$(free_port)
mkdir -p "$STATE/sink" "$STATE/irc"
$PY "$HANGAR_SRC/tests/e2e/smtpsink.py" "$SMTP" "$STATE/sink" 400 &
PIDS="$PIDS $!"
$PY "$HANGAR_SRC/tests/e2e/ircd.py" "$STATE/irc" "$IRC" "#status" 400 &
PIDS="$PIDS $!"
i=0
while [ ! -f "$STATE/irc/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "ngircd runs and the listener joined #status" test -f "$STATE/irc/ready"
cat >"$STATE/hangard.conf" <<EOF
smtp_url smtp://127.0.0.1:$SMTP
mail_from status@hangar.example
irc_server 127.0.0.1:$IRC
irc_channel "#status"
incident_post_after 1
reconnect_max 1
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
h host add h1 --uri "$U1" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h host add h2 --uri "$U2" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
# alice's uid (no account needed): hangar-console runs as it below
h customer add alice --uid 4242 --email alice@example.com --tz Europe/Berlin \
    >/dev/null
h customer add bob --email bob@example.com --tz America/New_York >/dev/null
h customer add carol --email carol@example.com >/dev/null
h customer add dave --email dave@example.com >/dev/null
run 2 bad-tz-refused h customer add zoe --tz Mars/Olympus
# records an older release let in, straight into the store: hangard
# refuses them at the door now (customer add, customer set)
sqlite3 "$STATE/hangar.db" "UPDATE customers SET tz = 'Mars/Olympus' WHERE
    name = 'carol'; UPDATE customers SET email = 'd$(printf '\303\244')ve@example.com'
    WHERE name = 'dave'"
h customer add erin >/dev/null
for g in a1:alice b1:bob c1:carol d1:dave e1:erin; do
	h guest create "${g%:*}" --owner "${g#*:}" --plan small --host h1 \
	    --start >/dev/null
done
h guest create a2 --owner alice --plan small --host h1 >/dev/null
h guest create b2 --owner bob --plan small --host h2 --start >/dev/null
# ---- a customer's own shutdown (and destroy) opens nothing ----
run 0 own-shutdown h guest shutdown b2
run 0 own-start h guest start b2
run 0 own-destroy h guest destroy b2
run 0 opt-out h guest set-restart b1 no
check "guest show says so" sh -c "h() { \"$HANGAR\" -s '$STATE' \"\$@\"; }
	h guest show b1 | grep -q '^restart_after_outage *no'"
run 2 opt-out-bad h guest set-restart b1 maybe
h --json guest list --host h1 | $PY -c 'import json, sys
for g in json.load(sys.stdin): print(g["name"], g["uuid"])' >"$STATE/h1.guests"
sleep 2		# with the commands above, some 3 s after the destroy
h --json incident list >"$STATE/none.json"
check "a customer's own shutdown and destroy open no incident" \
    $PY -c 'import json, sys; assert json.load(open(sys.argv[1])) == []' \
    "$STATE/none.json"

FPS_USED=0
# next_fp: pops the next failpoint of $FPS into FP (empty when none left)
next_fp() {
	FP=${FPS%% *}
	[ "$FP" = "$FPS" ] && FPS="" || FPS=${FPS#* }
}
# restart_hangard: hangard with the next failpoint, if any (it may hit
# it while it starts: that is fine, the caller starts it again)
restart_hangard() {
	next_fp
	if [ -n "$FP" ]; then
		FPS_USED=$((FPS_USED + 1))
		HANGARD_FAILPOINT="incident:$FP" hangard_start -f "$STATE/hangard.conf" ||
		    tail -1 "$STATE/hangard.log" | grep -q "failpoint incident:$FP hit"
	else
		hangard_start -f "$STATE/hangard.conf"
	fi
}
# until_ok DESC SECONDS CMD...: polls CMD; a hangard that killed itself
# is started again (with the next failpoint)
until_ok() {
	desc=$1; secs=$2; shift 2
	i=0
	while [ $i -lt $((secs * 5)) ]; do
		if ! kill -0 "$HPID" 2>/dev/null; then
			wait "$HPID" 2>/dev/null
			restart_hangard || return 1
		fi
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2; i=$((i + 1))
	done
	diag "timed out: $desc"
	return 1
}

# show_ok N CHECK: `incident show N --json` passes the Python CHECK (r)
show_ok() {
	h --json incident show "$1" >"$STATE/show.json" 2>/dev/null &&
	    $PY -c "import json, sys
r = json.load(open(sys.argv[1]))
$2" "$STATE/show.json"
}

# as_alice COMMAND...: hangar-console as alice's uid
as_alice() {
	setpriv --reuid=4242 --regid=4242 --clear-groups \
	    "$HANGAR_BUILD/console/hangar-console" -S "$STATE/hangard.sock" "$@"
}
# what alice sees of the incident in her console
console_checks() {
	until_ok "the console answers" 20 as_alice -c list
	as_alice -c list >"$STATE/c-list" 2>&1
	check "console list: a1 is in incident 1, a2 is not" sh -c "
		grep -q '^[0-9]  *a1 .*! incident 1\$' '$STATE/c-list' &&
		grep '^[0-9]  *a2 ' '$STATE/c-list' | grep -vq incident"
	as_alice -c "status a1" >"$STATE/c-status" 2>&1
	check "console status a1: the incident, and since when it is down" sh -c "
		grep -q '^incident: 1, Host h1 unreachable, since ' '$STATE/c-status' &&
		grep -q 'this VPS is down since ' '$STATE/c-status'"
	printf 'a1\n' | as_alice >"$STATE/c-menu" 2>&1
	check "the menu's header says so too" sh -c "
		grep -A1 '^VPS a1:' '$STATE/c-menu' | grep -q '! incident: 1, Host h1'"
	as_alice -c "status a2" >"$STATE/c-status2" 2>&1
	check "console status a2: no incident" sh -c "
		grep -q '^host: *h1' '$STATE/c-status2' && ! grep -q incident '$STATE/c-status2'"
}

# one incident of h1 with hangard killed at each step in $FPS
cycle() {
	N=$1; FPS=$2
	kill "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null
	restart_hangard || return 1
	KILL_MS=$(date +%s%3N)
	OLD_LV=$(cat "$STATE/lv1/pid")
	kill -9 "$OLD_LV" "$(cat "$STATE/lv1/keeper.pid")"
	until_ok "incident $N posted, its first mails spooled" 60 show_ok "$N" '
assert r["posted"] and r["notices"]
assert all(n["state"] != "due" for n in r["notices"]), r["notices"]' ||
	    return 1
	[ "$N" = 1 ] && console_checks
	sleep 0.5
	REBOOT_MS=$(date +%s%3N)
	reboot_h1
	check "incident $N: h1's old libvirtd is gone, its new one answers" \
	    daemon_replaced "$OLD_LV" "$(cat "$STATE/lv1/pid")" "$U1"
	until_ok "incident $N resolved, every mail spooled" 90 show_ok "$N" '
assert r["state"] == "resolved", r["state"]
assert len([n for n in r["notices"] if n["kind"] == "resolved"]) == 5
assert all(n["state"] != "due" for n in r["notices"]), r["notices"]' ||
	    return 1
	until_ok "the outbox empty" 30 sh -c "! ls '$STATE'/outbox/*.eml"
	until_ok "the IRC lines said" 30 sh -c "grep -q 'Incident $N resolved' '$STATE/irc/said.txt'"
	[ -z "$FPS" ] || diag "failpoints not reached: $FPS"
	sleep 1		# anything that would come twice, comes now
	h --json incident show "$N" >"$STATE/inc$N.json"
	h --json post list >"$STATE/posts.json"
	cat "$STATE"/sink/*.eml >"$STATE/mail.txt" 2>/dev/null
	check "incident $N: h1, exactly the VPSes that ran, one interval each from h1's death to running again" \
	    $PY - "$STATE/inc$N.json" "$KILL_MS" "$REBOOT_MS" <<'PY'
import json, sys
r, kill, boot = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert r["cause"] == "host-unreachable" and r["state"] == "resolved", r
assert [h["host"] for h in r["host_list"]] == ["h1"], r["host_list"]
h1 = r["host_list"][0]
assert h1["back"], h1
g = {x["guest"]: x for x in r["guests"]}
assert sorted(g) == ["a1", "b1", "c1", "d1", "e1"], sorted(g)
iv = {}
for o in r["intervals"]:
    iv.setdefault(o["guest"], []).append(o)
for n, x in g.items():
    assert len(iv[n]) == 1, (n, iv[n])
    o = iv[n][0]
    # from the death (the close callback), however often hangard died
    assert kill - 1000 <= o["down_ms"] <= kill + 1500, (n, o, kill)
    assert boot <= o["up_ms"] and o["up_ms"] > o["down_ms"], (n, o, boot)
    want = "opt-out" if n == "b1" else "started"
    assert x["recovery"] == want, (n, x)
assert r["not_started"] == ["b1"], r["not_started"]
PY
	check "incident $N: alice and bob mailed, carol, dave and erin skipped by name" \
	    $PY - "$STATE/inc$N.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ns = {(n["customer"], n["kind"]): n for n in r["notices"]}
for c in ("alice", "bob"):
    for k in ("open", "resolved"):
        assert ns[(c, k)]["state"] == "spooled", ns[(c, k)]
for k in ("open", "resolved"):
    assert "unknown time zone: Mars/Olympus" in ns[("carol", k)]["detail"], ns
    assert ns[("dave", k)]["state"] == "skipped" and "email" in ns[("dave", k)]["detail"], ns
    assert ns[("erin", k)]["detail"] == "no email address", ns
PY
	check "incident $N: each mail arrived exactly once, none for anyone else" \
	    $PY - "$STATE/mail.txt" "$N" <<'PY'
import re, sys
text, n = open(sys.argv[1]).read(), sys.argv[2]
ids = re.findall(r"Message-ID: <incident-%s-([a-z]+)-([a-z0-9-]+)@" % n, text)
want = sorted((k, c) for k in ("open", "resolved") for c in ("alice", "bob"))
assert sorted(ids) == want, sorted(ids)
PY
	check "incident $N: one post, one update, one resolution on the feed" \
	    $PY - "$STATE/inc$N.json" "$STATE/posts.json" "$STATE/feed/feed.atom" <<'PY'
import json, sys
r, posts = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
feed = open(sys.argv[3]).read()
pid = [t["post"] for t in r["timeline"] if t["kind"] == "resolved"][0]
parent = [q for q in posts if q["id"] == pid][0]["parent"]
top = [p for p in posts if p["id"] == parent]
kids = [p for p in posts if p.get("parent") == parent]
assert len(top) == 1 and top[0]["kind"] == "incident", top
assert sorted(p["title"].split(":")[0] for p in kids) == ["Resolved", "Update"], kids
assert "h1" in top[0]["body"] and "alice" not in top[0]["body"], top[0]
assert feed.count(top[0]["title"]) >= 1
PY
	check "incident $N: each IRC line said once" $PY - "$STATE/irc/said.txt" "$N" <<'PY'
import sys
said, n = open(sys.argv[1]).read().splitlines(), sys.argv[2]
for what in ("Incident %s: host h1 stopped answering" % n,
             "Incident %s: host h1 answers again" % n,
             "Incident %s resolved" % n):
    hits = [l for l in said if what in l]
    assert len(hits) == 1, (what, hits)
PY
	virsh -q -c "$U1" list --all | awk '{ print $2, $3 }' | sort >"$STATE/census"
	check "incident $N: the VPSes that ran run again on h1, b1 stays off" \
	    test "$(tr '\n' ' ' <"$STATE/census")" = "a1 running a2 shut b1 shut c1 running d1 running e1 running keeper shut test running "
	h guest start b1 >/dev/null
	as_alice -c "status a1" >"$STATE/c-after" 2>&1
	check "incident $N: once resolved, the console shows no incident" sh -c "
		grep -q '^state: *running' '$STATE/c-after' && ! grep -q incident '$STATE/c-after'"
}

cycle 1 "opened posted mail-spooled:open restart resolved mail-spooled:resolved"
cycle 2 "mail-recorded:open mail-recorded:resolved"
KILLS=$(grep -c "failpoint incident:[a-z:-]* hit" "$STATE/hangard.log")
check "hangard killed itself at each of the $FPS_USED failpoints ($KILLS)" \
    test "$KILLS" -eq "$FPS_USED"
check "found after a kill: a mail spooled but not recorded is not spooled again" \
    grep -q "incident notice(s) found spooled after a crash" "$STATE/hangard.log"

# ---- reports ----
run 0 report h incident report 1
check "the report lists h1 and each VPS's downtime" sh -c "
	grep -q '^Longest host outage: ' '$T_OUT' && grep -q '^VPS downtime: average' '$T_OUT' &&
	grep -q '^a1 *alice *h1 ' '$T_OUT' && grep -q '^b1 .*opt-out' '$T_OUT'"
run 0 publish h --json incident report 1 --publish
check "the retrospective is posted with its figures" $PY -c '
import json, sys
r = json.load(open(sys.argv[1])); posts = json.load(open(sys.argv[2]))
p = [x for x in posts if x["id"] == r["post"]][0]
assert p["title"].startswith("Retrospective"), p
assert "longest_downtime_min" in p and "alice" not in p["body"], p
' "$T_OUT" "$(h --json post list >"$STATE/p2.json"; echo "$STATE/p2.json")"
run 4 publish-again h incident report 1 --publish
run 4 resolve-again h incident resolve 1
done_testing
