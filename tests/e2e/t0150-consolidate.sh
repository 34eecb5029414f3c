#!/bin/sh
# Consolidation carried out, on the demo's fleet (hangar/demo.c: two
# hosts with HDDs, one with SSDs, six VPSes) on test-driver hosts: the
# XSA-213 cycle with --retire stor:hdd --to ssd.  The plan refuses what
# cannot be placed, naming the guest; customers are told (a real SMTP
# server, python3-aiosmtpd) that their VPS moves to a new host with SSDs
# and what they will see; the run patches the SSD host, moves every
# guest off the HDD hosts (one pinned to offline moves, one shut off, one
# whose owner chose a reboot) and retires them; the report gives moves,
# pauses, bytes and hosts freed.  Then a consolidation of its own, to a
# second SSD host, paused after its first step and run to the end.
. "$HANGAR_SRC/tests/lib.sh"

PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "no python3-aiosmtpd"
state_new
SMTP=$($PY -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$STATE/mail"
$PY "$HANGAR_SRC/tests/e2e/smtpsink.py" "$SMTP" "$STATE/mail" 300 &
SINK=$!
EXTRA_CLEANUP='kill $SINK 2>/dev/null'
cat >"$STATE/hangard.conf" <<EOF
smtp_url smtp://127.0.0.1:$SMTP
mail_from maint@example.net
patch_hook /bin/true
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }

# the demo's fleet: node_xml NAME CPUS RAM_GIB, with the demo's pool
pool() {
	echo "<pool type='dir'><name>default-pool</name><capacity unit='TiB'>$1</capacity><available unit='TiB'>$1</available><target><path>/var/lib/hangar/$2</path></target></pool>"
}
h host add old-hdd-1 --uri "$(node_xml old-hdd-1 8 32 "$(pool 2 old-hdd-1)")" \
    --disk 2T --disk-kind hdd --pool default-pool >/dev/null
h host add old-hdd-2 --uri "$(node_xml old-hdd-2 8 32 "$(pool 2 old-hdd-2)")" \
    --disk 2T --disk-kind hdd --pool default-pool >/dev/null
h host add new-ssd-1 --uri "$(node_xml new-ssd-1 32 128 "$(pool 4 new-ssd-1)")" \
    --disk 4T --disk-kind ssd --pool default-pool >/dev/null
h customer add alice --email alice@example.net --tz Europe/Berlin >/dev/null
# bob reads his notices in hangar-console too, as his own unix user
U=hgc$$
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	userdel -r "$U" >/dev/null 2>&1
	h customer add bob --email bob@example.org --create-user --user "$U" \
	    >/dev/null
	mkdir -m 755 "$STATE/bin"
	cp "$HANGAR_BUILD/console/hangar-console" "$STATE/bin/"
	chmod 755 "$STATE/bin/hangar-console"
	EXTRA_CLEANUP="$EXTRA_CLEANUP; userdel -r $U >/dev/null 2>&1"
else
	h customer add bob --email bob@example.org >/dev/null
	U=""
fi
h customer add carol --email carol@example.com >/dev/null
h guest create alice-web --owner alice --plan small --host old-hdd-1 --start >/dev/null
h guest create alice-db --owner alice --plan large --host new-ssd-1 --start >/dev/null
h guest create bob-mail --owner bob --plan medium --host old-hdd-2 --start >/dev/null
h guest create bob-vpn --owner bob --plan micro --host old-hdd-1 --start >/dev/null
h guest create carol-ci --owner carol --plan xlarge --host new-ssd-1 --start >/dev/null
h guest create carol-blog --owner carol --plan micro --host old-hdd-2 >/dev/null
h advisory add XSA-213 --title "x86: 64bit PV guest breakout" \
    --affects 'test < 1' >/dev/null
run 0 pin h guest set-migration bob-vpn offline
run 2 pin-bad h guest set-migration bob-vpn sometimes
run 3 pin-nosuch h guest set-migration nosuch offline
run 0 show-pinned h --json guest show bob-vpn
check "guest show says bob-vpn moves only shut down" grep -q '"migration":"offline"' "$T_OUT"

# ---- refused at plan time ----
run 3 plan-nohost h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
    --retire 'old-sdd-*'
check "a selector that matches no host is said so" grep -q "no host matches" "$T_ERR"
run 2 plan-badkind h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
    --retire stor:hdd --to floppy
run 2 plan-to-alone h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
    --to ssd
run 4 plan-noroom h consolidate plan --retire new-ssd-1 --to ssd \
    --start 2017-04-27T06:00Z --window 4h
check "a guest that fits nowhere refuses the plan, by name" grep -q \
    "cannot place carol-ci (on new-ssd-1): no eligible target host (ssd)" "$T_ERR"
run 4 plan-noroom-patch h maint plan XSA-213 --start 2017-04-27T06:00Z \
    --window 4h --retire 'old-hdd-1,new-ssd-*' --to ssd
check "the same in a patch cycle, counting the others" grep -q \
    "cannot place carol-ci (on new-ssd-1): no eligible target host (ssd); and 3 more" "$T_ERR"
run 3 show-none h maint show
check "nothing was stored" grep -q "no maintenance cycle planned yet" "$T_ERR"

# ---- the demo's cycle, retiring the HDD hosts ----
run 0 plan h --json maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
    --retire stor:hdd --to ssd
check "the plan: new-ssd-1 patched first, then the HDD hosts emptied into it" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
ws = p["windows"]
assert [w["hosts"] for w in ws] == [["new-ssd-1"], ["old-hdd-1", "old-hdd-2"]], ws
assert ws[1]["kind"] == "retire" and ws[1]["start"] == ws[0]["end"], ws
g = {x["guest"]: x for x in p["guests"]}
for n in ("alice-web", "bob-mail", "carol-blog"):
    assert g[n]["action"] == "move" and g[n]["target"] == "new-ssd-1", g[n]
    assert g[n]["window"] == 2 and g[n]["downtime_s"] == 0, g[n]
assert g["bob-vpn"]["action"] == "move-offline" and g["bob-vpn"]["downtime_s"] > 60, g
for n in ("alice-db", "carol-ci"):
    assert g[n]["action"] == "live-migrate" and g[n]["target"].startswith("old-hdd-"), g[n]
assert p["retire"]["hosts"] == ["old-hdd-1", "old-hdd-2"], p["retire"]
assert len(p["retire"]["moves"]) == 4 and p["retire"]["hosts_freed"] == 2
' "$T_OUT"
run 0 plan-show h maint show
check "maint show prints the moves with their targets" sh -c "
	grep -q 'window 2: .* retire old-hdd-1 old-hdd-2' '$T_OUT' &&
	grep -q '^2  *bob-vpn  *bob  *old-hdd-1  *move-offline .* new-ssd-1' '$T_OUT'"
run 0 gshow h --json guest show alice-web
check "guest show: alice-web moves to a host with SSDs in window 2" $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["maintenance"]
assert m["action"] == "move" and m["target_disk"] == "ssd" and m["window"] == 2, m
assert m["advisories"] == "XSA-213" and m["window_start"] == "2017-04-27 10:00 UTC", m
' "$T_OUT"
if [ -n "$U" ]; then
	con() {
		n=$1; shift
		run 0 "$n" setpriv --reuid="$U" --regid="$U" --init-groups \
		    "$STATE/bin/hangar-console" -S "$STATE/hangard.sock" -c "$*"
	}
	con console-live maintenance bob-mail
	check "hangar-console: bob-mail moves live to a host with SSDs, in window 2" sh -c "
		grep -q '^Maintenance of bob-mail for XSA-213' '$T_OUT' &&
		grep -q 'window:    2017-04-27 10:00 UTC to 2017-04-27 14:00 UTC' '$T_OUT' &&
		grep -q 'it moves to a new host server with SSDs for good,' '$T_OUT' &&
		grep -q 'running, with a pause' '$T_OUT' &&
		grep -q 'change it: maintenance bob-mail reboot' '$T_OUT' &&
		! grep -q 'window-N' '$T_OUT'"
	con console-offline maintenance bob-vpn
	check "hangar-console: bob-vpn is shut down, copied, started; about 2 minutes" sh -c "
		grep -q 'it moves to a new host server with SSDs for good:' '$T_OUT' &&
		grep -q 'shut down cleanly, its disk copied there' '$T_OUT' &&
		grep -q 'about 2 minutes' '$T_OUT' &&
		grep -q 'decided:   by us: it is moved only shut down' '$T_OUT'"
	con console-status status bob-vpn
	check "hangar-console status shows the move" grep -q \
	    "moves to a new host server with SSDs, shut down while its disk is copied" "$T_OUT"
fi
# customers' choices: a reboot (copied offline) yes, another window no
run 0 choose-reboot h maint choose alice-web reboot
run 2 choose-window h maint choose bob-mail reboot --window 1
check "a moving VPS keeps its window" grep -q "cannot change" "$T_ERR"
run 4 choose-pinned h maint choose bob-vpn live-migrate
check "a pinned VPS is not live-migrated" grep -q "moved only shut down" "$T_ERR"
run 0 gshow-chosen h --json guest show alice-web
check "the choice shows: shut down, copied, started there" $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["maintenance"]
assert m["chosen"] == "reboot" and m["action"] == "move-offline", m
assert m["downtime_s"] >= 60, m
' "$T_OUT"

run 0 notify h --json maint notify
i=0
while [ "$(ls "$STATE/mail" | grep -c '\.eml$')" -lt 3 ] && [ $i -lt 100 ]; do
	sleep 0.2; i=$((i + 1))
done
check "each customer's notice says where each VPS goes, how, and when" $PY -c '
import email, email.policy, glob, sys
seen = {}
for f in glob.glob(sys.argv[1] + "/*.eml"):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.strict)
    assert m["Subject"] == "Scheduled maintenance: XSA-213", m["Subject"]
    seen[str(m["To"])] = m.get_body().get_content().replace("\n", " ")
a = seen["alice@example.net"]
assert "and retire older host servers" in a, a
assert "- alice-web: between 2017-04-27 10:00 UTC and 2017-04-27 14:00 UTC (2017-04-27 12:00 CEST" in a, a
assert "it moves to a new host server with SSDs for good, live-migrated with its disk: it keeps running, with a pause under a second" in a, a
assert "- alice-db: between 2017-04-27 06:00 UTC" in a and "live-migrated to another host and back" in a, a
b = seen["bob@example.org"]
assert "- bob-vpn: between 2017-04-27 10:00 UTC" in b, b
assert "it moves to a new host server with SSDs for good: it is shut down cleanly, its disk is copied there and it is started again: expect about 2 minutes of downtime" in b, b
assert "- bob-mail:" in b and "- carol" not in b, b
assert "- carol-blog:" in seen["carol@example.com"], seen
' "$STATE/mail"
check "the status feed announces the retirement" grep -q \
    "4 VPSes move from 2 older host servers to new ones with SSDs, which are then retired" \
    "$STATE/feed/feed.atom"

run 0 run h --json maint run --wait
cp "$T_OUT" "$STATE/report1.json"
check "the cycle is done: both HDD hosts empty and retired, the moves reported" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["steps_failed"] == 0, (r["state"], r.get("error"))
assert r["steps_done"] == r["steps_total"]
assert r["moves_done"] == r["moves_total"] == 4, r
assert r["hosts_freed"] == ["old-hdd-1", "old-hdd-2"] and r["hosts_retiring"] == 2, r
assert r["bytes_copied"] == 0	# the test driver copies no disk
assert 0 <= r["move_median_ms"] <= r["move_max_ms"] < 1000, r
g = {x["guest"]: x for x in r["guests"]}
assert g["bob-mail"]["action"] == "move" and g["bob-mail"]["target"] == "new-ssd-1"
assert g["bob-mail"]["measured"] and 0 <= g["bob-mail"]["downtime_ms"] < 1000, g["bob-mail"]
for n in ("alice-web", "bob-vpn"):
    assert g[n]["action"] == "move (offline)" and g[n]["downtime_ms"] > 0, g[n]
assert g["carol-blog"]["action"] == "was off", g["carol-blog"]
assert g["alice-db"]["action"] == "live-migrate" and g["carol-ci"]["action"] == "live-migrate"
h = {x["host"]: x for x in r["hosts"]}
assert h["old-hdd-1"]["retired"] and h["old-hdd-2"]["retired"], h
assert h["new-ssd-1"]["downtime_s"] is not None, h
k = [s["kind"] for s in r["steps"]]
assert k[:2] == ["drain", "drain"] and k[-1] == "retire" and k.count("retire") == 2, k
assert k.count("copy") == 2 and k.count("move") == 2, k
' "$STATE/report1.json"
run 0 hosts h host list
check "host list: old-hdd-1 and old-hdd-2 retired with no guest" sh -c "
	grep -q '^old-hdd-1 .* retired  *0 ' '$T_OUT' &&
	grep -q '^old-hdd-2 .* retired  *0 ' '$T_OUT' &&
	grep -q '^new-ssd-1 .* active  *6 ' '$T_OUT'"
run 0 guests h --json guest list
check "every guest is on the SSD host, running as before (carol-blog still off)" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"] if isinstance(d, dict) and "rows" in d else d
if rows and isinstance(rows[0], list):
    rows = [dict(zip(rows[0], v)) for v in rows[1:]]
where = {g["name"]: (g["host"], g["state"]) for g in rows}
want = {n: ("new-ssd-1", "running") for n in
        ("alice-web", "alice-db", "bob-mail", "bob-vpn", "carol-ci")}
want["carol-blog"] = ("new-ssd-1", "shutoff")
assert where == want, where
' "$T_OUT"
run 0 report h maint report
check "the report prints moves, pauses, bytes and hosts freed" sh -c "
	grep -q '^Moves: 4 of 4 done, live pauses: median [0-9]* ms, longest [0-9]* ms, offline: longest' '$T_OUT' &&
	grep -q '^Copied: 0.0 MiB' '$T_OUT' &&
	grep -q '^Hosts freed: 2 of 2: old-hdd-1 old-hdd-2' '$T_OUT' &&
	grep -q '^old-hdd-1  *-  *retired' '$T_OUT' &&
	grep -q '^bob-vpn  *bob  *old-hdd-1>new-ssd-1  *move (offline)' '$T_OUT'"
run 0 publish h maint report --publish
check "the timeline has a row for each moved VPS, the offline ones off" $PY -c '
import json, sys
t = json.load(open(sys.argv[1]))["timeline"]
lanes = {l["label"]: l for l in t["lanes"]}
for n in ("alice-web (old-hdd-1)", "bob-vpn (old-hdd-1)", "bob-mail (old-hdd-2)",
          "carol-blog (old-hdd-2)", "alice-db (new-ssd-1)", "new-ssd-1"):
    assert n in lanes, (n, sorted(lanes))
assert lanes["bob-vpn (old-hdd-1)"]["bar"] == "down", lanes["bob-vpn (old-hdd-1)"]
assert lanes["bob-mail (old-hdd-2)"]["bar"] == "pause", lanes["bob-mail (old-hdd-2)"]
' "$STATE/report1.json"
check "the completed post tells of the moves too" grep -q \
    "We also moved 4 VPSes from 2 older host servers to new ones with SSDs, and retired them. 1 was live-migrated and kept running, with a median pause of [0-9]* ms (the longest [0-9]* ms). 2 were shut down while their disks were copied, for at most 1 minute. 1 was shut off and stayed so." \
    "$STATE/feed/feed.atom"

# ---- a consolidation of its own: new-ssd-1 to a second SSD host ----
h host add new-ssd-2 --uri "$(node_xml new-ssd-2 32 128 "$(pool 4 new-ssd-2)")" \
    --disk 4T --disk-kind ssd --pool default-pool >/dev/null
run 0 cplan h --json consolidate plan --retire new-ssd-1 --to ssd \
    --start 2017-05-02T06:00Z --window 2h
check "one window: every guest of new-ssd-1 to new-ssd-2" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["kind"] == "consolidate" and p["cycle"] == 2 and len(p["windows"]) == 1, p
assert len(p["guests"]) == 6 and all(g["target"] == "new-ssd-2" for g in p["guests"])
' "$T_OUT"
run 2 cshow-wrong h maint show --cycle 2
check "maint commands refuse a consolidation, naming the right one" grep -q \
    "cycle 2 is a consolidation: use hangar consolidate" "$T_ERR"
run 0 mshow h --json maint show
check "maint show still names the patch cycle" grep -q '"cycle":1' "$T_OUT"
run 0 cnotify h --json consolidate notify
i=0
while [ "$(ls "$STATE/mail" | grep -c '\.eml$')" -lt 6 ] && [ $i -lt 100 ]; do
	sleep 0.2; i=$((i + 1))
done
check "customers get a notice of its own" $PY -c '
import email, email.policy, glob, sys
subj = []
for f in glob.glob(sys.argv[1] + "/*.eml"):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.strict)
    if m["Subject"] == "Scheduled maintenance: your VPS moves to a new host server":
        subj.append(m.get_body().get_content().replace("\n", " "))
assert len(subj) == 3, len(subj)
assert all("we are moving VPSes from older host servers to new ones" in b for b in subj)
' "$STATE/mail"
run 0 crun-step h --json consolidate run --steps 1 --wait
check "--steps 1: new-ssd-1 is draining, and the run paused" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kind"] == "consolidate" and r["state"] == "stopped" and r["steps_done"] == 1, r
assert r["steps"][0]["kind"] == "drain" and "paused" in r["error"], r
' "$T_OUT"
run 4 cpublish-early h consolidate report --publish
check "a consolidation not done is not published (and hangard stays up)" sh -c "
	grep -q 'consolidation 2 is not done yet' '$T_ERR' &&
	'$HANGAR' -s '$STATE' consolidate report >/dev/null"
run 0 hosts-draining h host list
check "new-ssd-1 is draining" grep -q "^new-ssd-1 .* draining" "$T_OUT"
run 4 create-draining h guest create late --owner alice --plan micro --host new-ssd-1
run 0 crun h --json consolidate run --wait
check "the consolidation is done: new-ssd-1 retired, all on new-ssd-2" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["moves_done"] == 6, r
assert r["hosts_freed"] == ["new-ssd-1"], r
' "$T_OUT"
run 0 guests2 h guest list --host new-ssd-2
check "six guests on new-ssd-2" test "$(grep -c -- '-' "$T_OUT")" -eq 6
# ---- room made first: a guest of a host that stays moves out of the way ----
# r1's xlarge (8 GiB) fits neither t1 (6 GiB free) nor t2 (6 GiB); with
# t1's large (4 GiB) on t2, it fits t1
h host add r1 --uri "$(node_xml r1 8 16)" --disk 1T --disk-kind hdd >/dev/null
h host add t1 --uri "$(node_xml t1 8 10)" --disk 1T --disk-kind ssd >/dev/null
h host add t2 --uri "$(node_xml t2 8 6)" --disk 1T --disk-kind ssd >/dev/null
h host set-state new-ssd-2 maintenance >/dev/null	# not a target here
h guest create big --owner carol --plan xlarge --host r1 --start >/dev/null
h guest create mid --owner carol --plan large --host t1 --start >/dev/null
run 0 eplan h --json consolidate plan --retire r1 --to ssd \
    --start 2017-05-03T06:00Z --window 2h
check "the plan moves mid to t2 first, then big to t1" $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["retire"]["moves"]
assert [(x["guest"], x["from"], x["to"]) for x in m] == \
    [("mid", "t1", "t2"), ("big", "r1", "t1")], m
' "$T_OUT"
run 0 erun h --json consolidate run --wait
check "mid moved in a window before big, and r1 is retired" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["hosts_freed"] == ["r1"], r
w = {s["guest"]: s["window"] for s in r["steps"] if s["guest"]}
assert w["mid"] < w["big"], w
' "$T_OUT"
run 0 eguests h guest list --owner carol
check "big is on t1, mid on t2" sh -c "
	grep -q '^big .* t1 ' '$T_OUT' && grep -q '^mid .* t2 ' '$T_OUT'"
run 0 cpublish h consolidate report --publish --cycle 2
check "the consolidation's own completed post" sh -c "
	grep -q 'Consolidation completed' '$STATE/feed/feed.atom' &&
	grep -q 'We moved 6 VPSes from 1 older host server to new ones with SSDs, and retired it' '$STATE/feed/feed.atom'"
done_testing
