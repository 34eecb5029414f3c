#!/bin/sh
# A roll-forward cycle (the default) on the demo's fleet of test-driver
# hosts: two old HDD hosts and a new SSD host, their six VPSes.  The
# plan first says the fleet has no room to start the roll (VPSes would
# move twice) and how much would let it; with the spare host it asks
# for, every VPS migrates exactly once, to a host patched before it, and
# stays.  Customers' choices go into the planner (reboot in place, or
# another window) and customers whose notice the new plan changes are
# told again; notices never name a host.  `maint run` follows the plan's
# order with the next hosts evacuating while others reboot, records
# where each VPS lives now, and the report gives the real wall clock
# beside the estimate and the floor.  Then a host whose patch fails
# stops only what waits on it, and a run without a hook waits for
# maint host-done.  (t0145 kills hangard at every step of such a cycle.)
. "$HANGAR_SRC/tests/lib.sh"

PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "no python3-aiosmtpd"
state_new
SMTP=$($PY -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$STATE/mail"
$PY "$HANGAR_SRC/tests/e2e/smtpsink.py" "$SMTP" "$STATE/mail" 300 &
SINK=$!
EXTRA_CLEANUP='kill $SINK 2>/dev/null'

# the patch hook: records the host; fails for a host named in FAIL
cat >"$STATE/patch" <<EOF
#!/bin/sh
echo "\$1" >>"$STATE/patched"
[ -f "$STATE/FAIL" ] && grep -qx "\$1" "$STATE/FAIL" && exit 3
sleep 0.5
exit 0
EOF
chmod 755 "$STATE/patch"
# migrations take their time (5 ms per GiB of RAM and disk), as real ones do
cat >"$STATE/hangard.conf" <<EOF
smtp_url smtp://127.0.0.1:$SMTP
mail_from maint@example.net
patch_hook $STATE/patch
test_migrate_us_per_gib 5000
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }

# the demo's fleet (hangar/demo.c)
h host add old-hdd-1 --uri "$(node_xml old-hdd-1 8 32)" --disk 2T --disk-kind hdd >/dev/null
h host add old-hdd-2 --uri "$(node_xml old-hdd-2 8 32)" --disk 2T --disk-kind hdd >/dev/null
h host add new-ssd-1 --uri "$(node_xml new-ssd-1 32 128)" --disk 4T --disk-kind ssd >/dev/null
h customer add alice --email alice@example.net --tz Europe/Berlin >/dev/null
h customer add bob --email bob@example.org >/dev/null
h customer add carol --email carol@example.com >/dev/null
h guest create alice-web --owner alice --plan small --host old-hdd-1 --start >/dev/null
h guest create alice-db --owner alice --plan large --host new-ssd-1 --start >/dev/null
h guest create bob-mail --owner bob --plan medium --host old-hdd-2 --start >/dev/null
h guest create bob-vpn --owner bob --plan micro --host old-hdd-1 --start >/dev/null
h guest create carol-ci --owner carol --plan xlarge --host new-ssd-1 --start >/dev/null
h guest create carol-blog --owner carol --plan micro --host old-hdd-2 --start >/dev/null
h advisory add XSA-213 --title "PV breakout" --affects 'test < 1' >/dev/null

run 2 plan-badroll h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h --roll sideways
run 2 plan-badlink h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h --per-link 0
run 2 plan-linkback h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
    --roll back --per-link 2
run 2 plan-retire h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
    --roll forward --retire stor:hdd --to ssd
check "--retire with --roll forward is refused, saying why" grep -q \
    "retire goes with --roll back" "$T_ERR"
run 0 plan-full h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h
check "no room to start the roll: the plan says how much would let it" sh -c "
	grep -q '^Rolling forward: 3 hosts' '$T_OUT' &&
	grep -q 'move twice to start the roll: spare room of' '$T_OUT' &&
	grep -q 'Estimated wall clock .* the floor); all-reboot cycle' '$T_OUT'"
run 0 plan-full-json h --json maint show
check "it moves some VPSes twice" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
s = p["summary"]
assert s["mode"] == "forward" and s["moved_twice"] > 0 and s["seed_ram_mib"] > 0, s
assert s["floor_s"] <= s["total_s"] and s["all_reboot_s"] > 0, s
' "$T_OUT"

# the spare host the plan asks for
h host add new-ssd-2 --uri "$(node_xml new-ssd-2 32 128)" --disk 4T --disk-kind ssd >/dev/null
run 0 plan h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h
run 0 plan-json h --json maint show
cp "$T_OUT" "$STATE/plan1.json"
check "with room: every VPS moves exactly once, to a host patched before it" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
s = p["summary"]
assert s["moved_twice"] == 0 and s["migrations"] == 6 and s["rebooted"] == 0, s
g = {x["guest"]: x for x in p["guests"]}
assert len(g) == 6 and all(x["action"] == "live-migrate" and x["moves"] == 1 and
    x["target"] not in ("", x["host"]) for x in g.values()), g
rh = {x["host"]: x for x in p["roll_hosts"]}
for m in p["moves"]:
    assert rh[m["to"]]["reboot_end_s"] <= m["start_s"] + 1e-3, m
    assert m["end_s"] <= rh[m["from"]]["reboot_start_s"] + 1e-3, m
# windows counted from 1 in replies, batches too
assert min(x["window"] for x in p["guests"]) >= 1
assert min(x["batch"] for x in p["roll_hosts"]) == 1
' "$STATE/plan1.json"

# the notices, before any choice
run 0 notify h --json maint notify
check "every customer is told" $PY -c '
import json, sys
assert sorted(json.load(open(sys.argv[1]))["notified"]) == ["alice", "bob", "carol"]
' "$T_OUT"
# mail N: waits for N messages in the sink (bounded)
mails() {
	i=0
	while [ "$(ls "$STATE/mail" | grep -c '\.eml$')" -lt "$1" ] && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
mails 3
check "notices: one pause on a newer host in the same place, no host named" $PY -c '
import email, glob, sys
ms = [email.message_from_binary_file(open(f, "rb")) for f in glob.glob(sys.argv[1] + "/*.eml")]
assert len(ms) == 3, len(ms)
for m in ms:
    body = m.get_payload(decode=True).decode()
    for h in ("old-hdd", "new-ssd"):
        assert h not in body, (h, body)
    assert "live-migrated once to a newer host in the same place, where it stays" in body, body
    assert "with a single pause under a second" in body, body
    assert "and back" not in body, body
' "$STATE/mail"

# choices: bob-vpn reboots in place, carol-blog goes down in the last
# window (with new-ssd-1's reboot); the planner takes them
LAST=$($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["windows"]))' "$STATE/plan1.json")
run 2 choose-nowin h maint choose alice-web reboot --window 99
check "a window the plan lacks is refused" grep -q "the windows are 1 to $LAST" "$T_ERR"
run 2 choose-livewin h maint choose alice-web live-migrate --window 2
run 0 choose-inplace h maint choose bob-vpn reboot
run 0 choose-window h maint choose carol-blog reboot --window "$LAST"
run 0 plan2-json h --json maint show
cp "$T_OUT" "$STATE/plan2.json"
check "the plan was made again with the choices" $PY -c '
import json, sys
p, last = json.load(open(sys.argv[1])), int(sys.argv[2])
g = {x["guest"]: x for x in p["guests"]}
assert g["bob-vpn"]["action"] == "reboot" and g["bob-vpn"]["moves"] == 0, g["bob-vpn"]
assert g["bob-vpn"]["reason"] == "customer'"'"'s choice", g["bob-vpn"]
assert g["carol-blog"]["action"] == "reboot" and g["carol-blog"]["window_last"] == last, g["carol-blog"]
for n in ("alice-web", "alice-db", "bob-mail", "carol-ci"):
    assert g[n]["action"] == "live-migrate" and g[n]["moves"] == 1, g[n]
assert p["summary"]["moved_twice"] == 0
' "$STATE/plan2.json" "$LAST"
run 0 show-vpn h --json guest show bob-vpn
check "guest show: the choice, as the plan now has it, no host named" $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["maintenance"]
assert m["roll"] == "forward" and m["chosen"] == m["action"] == "reboot", m
assert m["moves"] == 0 and m["ends_away"] is False and "target" not in m, m
' "$T_OUT"
run 0 show-web h --json guest show alice-web
check "guest show: one move, ending away, no host named" $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["maintenance"]
assert m["roll"] == "forward" and m["action"] == "live-migrate", m
assert m["moves"] == 1 and m["ends_away"] is True, m
assert not any(h in json.dumps(m) for h in ("old-hdd", "new-ssd")), m
' "$T_OUT"
run 0 notify2 h --json maint notify
check "customers whose VPS the new plan changed (the choice aside) are told again" $PY -c '
import json, sys
a, b, r = (json.load(open(f)) for f in sys.argv[1:4])
ga = {x["guest"]: x for x in a["guests"]}
want = set()
for x in b["guests"]:
    if x["guest"] in ("bob-vpn", "carol-blog"):
        continue
    y = ga[x["guest"]]
    if any(x.get(k) != y.get(k) for k in ("window", "window_last", "action", "moves")):
        want.add(x["owner"])
assert set(r["notified"]) == want, (r["notified"], want)
' "$STATE/plan1.json" "$STATE/plan2.json" "$T_OUT"

# the run: one step, a pause; then the rest
run 0 run-step h --json maint run --steps 1 --wait
check "--steps 1 did one step and paused" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "stopped" and r["steps_done"] == 1 and "paused" in r["error"], r
' "$T_OUT"
run 4 choose-closed h maint choose alice-web reboot
run 0 run h --json maint run --wait
cp "$T_OUT" "$STATE/report.json"
run 0 guests-after h --json guest list
cp "$T_OUT" "$STATE/guests.json"
check "done: each VPS moved once and lives on a patched host now" $PY -c '
import json, sys
r, gl = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["state"] == "done" and r["steps_done"] == r["steps_total"], r.get("error")
st = r["steps"]
def t(s, k):
    import datetime
    return datetime.datetime.strptime(s[k], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
host = {}
for s in st:
    if not s["guest"]:
        host.setdefault(s["host"], {})[s["kind"]] = s
g = {x["guest"]: x for x in r["guests"]}
for n in ("alice-web", "alice-db", "bob-mail", "carol-ci"):
    x = g[n]
    assert x["action"] == "live-migrate" and x["moves"] == 1 and x["pauses"] == 1, x
    assert x["measured"] and 0 <= x["downtime_ms"] < 1000, x
    mv = [s for s in st if s["guest"] == n and s["kind"] == "migrate"]
    assert len(mv) == 1 and mv[0]["target"] == x["ended_on"] != x["host"], mv
    # its new host was patched before it arrived
    assert t(host[x["ended_on"]]["wait-up"], "ended") <= t(mv[0], "started"), n
x = g["bob-vpn"]
assert x["action"] == "reboot" and x["moves"] == 0 and x["ended_on"] == x["host"], x
assert x["downtime_ms"] >= 500, x
# the journal moves what the plan moves
plan = json.load(open(sys.argv[3]))
assert sorted((m["guest"], m["from"], m["to"]) for m in plan["moves"]) == \
    sorted((s["guest"], s["host"], s["target"]) for s in st if s["kind"] == "migrate")
# the store agrees: each VPS where its moves took it, running
rows = gl["rows"] if isinstance(gl, dict) and "rows" in gl else gl
where = {x["name"]: (x["host"], x["state"]) for x in rows}
for n, x in g.items():
    assert where[n] == (x["ended_on"], "running"), (n, where[n], x)
# each host rebooted once, the next hosts evacuating while others rebooted
assert sorted(host) == ["new-ssd-1", "new-ssd-2", "old-hdd-1", "old-hdd-2"]
over = [(s["guest"], h) for s in st if s["kind"] == "migrate" for h, k in host.items()
        if h not in (s["host"], s["target"]) and
        t(s, "started") < t(k["wait-up"], "ended") and t(k["patch"], "started") < t(s, "ended")]
assert over, "no migration overlapped the reboot of another host"
print(over, file=sys.stderr)
' "$STATE/report.json" "$STATE/guests.json" "$STATE/plan2.json"
# limits: LIMITS REPORT PER_LINK MAX_PARALLEL, from the journal's times
cat >"$STATE/limits.py" <<'PY'
import datetime, json, sys
r, link, par = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
t = lambda s, k: datetime.datetime.strptime(s[k], "%Y-%m-%dT%H:%M:%S.%fZ")
def most(ivs):
    ev = sorted([(a, 1) for a, b in ivs] + [(b, -1) for a, b in ivs],
                key=lambda e: (e[0], e[1]))
    n = m = 0
    for _, d in ev:
        n += d
        m = max(m, n)
    return m
mv = [s for s in r["steps"] if s["kind"] == "migrate"]
seen = 0
for h in {s["host"] for s in r["steps"]}:
    out = [(t(s, "started"), t(s, "ended")) for s in mv if s["host"] == h]
    inn = [(t(s, "started"), t(s, "ended")) for s in mv if s["target"] == h]
    assert most(out) <= link and most(inn) <= link, (h, most(out), most(inn))
    seen = max(seen, most(out), most(inn))
print("migrations at once on one link, at most:", seen, file=sys.stderr)
down = {}
for s in r["steps"]:
    if s["kind"] in ("shutdown", "patch") and s["host"] not in down:
        down[s["host"]] = t(s, "started")
ivs = [(down[s["host"]], t(s, "ended")) for s in r["steps"] if s["kind"] == "wait-up"]
assert most(ivs) <= par, ("hosts down at once", most(ivs))
PY
check "a host sent and received one migration at a time, one host was down at a time" \
    $PY "$STATE/limits.py" "$STATE/report.json" 1 1
check "every host was patched once" test "$(sort "$STATE/patched" | uniq -c | awk '$1 != 1' | wc -l)" -eq 0
check "carol-blog went down with a host of the window it chose" $PY -c '
import json, sys
r, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
win = {x["host"]: x["batch"] for x in p["roll_hosts"]}
g = {x["guest"]: x for x in r["guests"]}["carol-blog"]
sd = [s for s in r["steps"] if s["guest"] == "carol-blog" and s["kind"] == "shutdown"]
assert g["action"] == "reboot" and len(sd) == 1, (g, sd)
assert win[sd[0]["host"]] == int(sys.argv[3]) and g["ended_on"] == sd[0]["host"], (sd, win)
' "$STATE/report.json" "$STATE/plan2.json" "$LAST"
check "the report: the real wall clock beside the estimate, the all-reboot cycle and the floor" $PY -c '
import json, sys
r, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["roll"] == "forward" and r["wall_ms"] > 0, r
assert r["floor_s"] <= r["estimate_s"] and r["all_reboot_s"] > 0, r
s = p["summary"]
assert r["estimate_s"] == s["total_s"] and r["floor_s"] == s["floor_s"], (r, s)
once = sum(1 for g in p["guests"] if g["moves"] == 1)
assert r["moved_once"] == once >= 4 and r["moved_twice"] == 0, r
assert r["rebooted"] == 2 and r["ended_away"] == s["ended_away"], r
' "$STATE/report.json" "$STATE/plan2.json"
run 0 report h maint report
check "the printed report has it too" sh -c "
	grep -q '^Wall clock: .* (planned .*, rolling forward; all-reboot cycle .*; floor .*)' '$T_OUT' &&
	grep -q '^VPSes moved once: [45], more than once: 0, rebooted: 2; [45] live on another host now' '$T_OUT' &&
	grep -q '^alice-web .*old-hdd-1>new-ssd-2 .*live-migrate' '$T_OUT'"
run 0 hosts-after h host list
check "the hosts are active again" sh -c "! grep -q maintenance '$T_OUT'"
run 0 publish h maint report --publish
check "the post says where VPSes went without naming a host" sh -c "
	grep -q 'live-migrated to a newer host, where they stay' '$STATE/feed/feed.atom' &&
	! grep -q 'old-hdd\\|new-ssd' '$STATE/feed/feed.atom'"

# ---- a host whose patch fails stops what waits on it, not the others ----
h advisory add XSA-214 --title "again" --affects 'test < 1' >/dev/null
# alice-web is pinned: it cannot be live-migrated, so it reboots with its host
h guest set-migration alice-web offline >/dev/null
run 0 plan-f h --json maint plan XSA-214 --start 2017-05-27T06:00Z --window 4h \
    --max-parallel 2 --per-link 2
cp "$T_OUT" "$STATE/plan-f.json"
check "a pinned VPS reboots with its host; the others still move once" $PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
g = {x["guest"]: x for x in p["guests"]}
w = g["alice-web"]
assert w["action"] == "reboot" and w["moves"] == 0 and w["reason"] == "no live migration", w
assert all(x["moves"] == 1 for n, x in g.items() if x["action"] == "live-migrate"), g
' "$T_OUT"
run 4 choose-pinned h maint choose alice-web live-migrate
check "a pinned VPS cannot choose a live migration, saying why" grep -q \
    "alice-web is moved only shut down" "$T_ERR"
# a host no guest moves to after its reboot, and not the last to reboot:
# nothing of the other hosts waits on it
FAILH=$($PY -c 'import json, sys
p = json.load(open(sys.argv[1]))
rh = sorted(p["roll_hosts"], key=lambda x: x["reboot_start_s"])
for h in rh[:-1]:
    if not any(m["to"] == h["host"] and m["start_s"] >= h["reboot_end_s"] for m in p["moves"]):
        print(h["host"]); break' "$STATE/plan-f.json")
check "the plan has a host nothing waits on ($FAILH)" test -n "$FAILH"
echo "$FAILH" >"$STATE/FAIL"
run 0 run-f h --json maint run --wait
check "the cycle stopped at $FAILH's patch, after every other host went on" $PY -c '
import json, sys
r, fh = json.load(open(sys.argv[1])), sys.argv[2]
assert r["state"] == "stopped" and fh + " patch" in r["error"], r.get("error")
bad = [s for s in r["steps"] if s["state"] == "failed"]
assert len(bad) == 1 and bad[0]["host"] == fh, bad
end = bad[0]["ended"]
assert all(s["state"] == "done" for s in r["steps"] if s["host"] != fh), \
    [s for s in r["steps"] if s["host"] != fh and s["state"] != "done"]
assert [s for s in r["steps"] if s["host"] != fh and s.get("started", "") > end], \
    "nothing went on after the failure"
assert all(s["state"] == "todo" for s in r["steps"] if s["host"] == fh and
           s["kind"] in ("wait-up", "unmark")), r["steps"]
' "$T_OUT" "$FAILH"
cp "$T_OUT" "$STATE/report-f.json"
run 0 hosts-f h host list
check "$FAILH stays in maintenance" grep -q "^$FAILH .*maintenance" "$T_OUT"
rm "$STATE/FAIL"
run 0 run-f-again h --json maint run --wait
check "run again: the failed step is retried and the cycle ends" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["steps_failed"] == 0, r.get("error")
assert all(x["downtime_ms"] is not None for x in r["guests"]), r["guests"]
w = {x["guest"]: x for x in r["guests"]}["alice-web"]
assert w["action"] == "reboot" and w["moves"] == 0 and w["ended_on"] == w["host"], w
' "$T_OUT"
cp "$T_OUT" "$STATE/report-f2.json"
check "two migrations at a time per host, two hosts down at once, at most" \
    $PY "$STATE/limits.py" "$STATE/report-f2.json" 2 2
run 0 guests-f h --json guest list
check "every VPS runs, on one host" $PY -c '
import json, sys
gl = json.load(open(sys.argv[1]))
rows = gl["rows"] if isinstance(gl, dict) and "rows" in gl else gl
assert len(rows) == 6 and all(x["state"] == "running" for x in rows), rows
' "$T_OUT"

# ---- without a hook: the run waits for maint host-done, host by host ----
kill "$HPID"; wait "$HPID" 2>/dev/null
rm -f "$STATE"/hangar.db*
grep -v patch_hook "$STATE/hangard.conf" >"$STATE/nohook.conf"
hangard_start -f "$STATE/nohook.conf" || { done_testing; exit 1; }
h host add h1 --uri "$(node_xml h1 16 64)" --disk 2T --disk-kind ssd >/dev/null
h host add h2 --uri "$(node_xml h2 16 64)" --disk 2T --disk-kind ssd >/dev/null
h customer add alice >/dev/null
h guest create web1 --owner alice --plan small --host h1 --start >/dev/null
h advisory add XSA-215 --title "third" --affects 'test < 1' >/dev/null
run 0 plan3 h maint plan XSA-215 --start 2017-06-27T06:00Z --window 4h
n=0
while [ $n -lt 3 ]; do
	h --json maint report >"$STATE/r3.json" 2>/dev/null
	[ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$STATE/r3.json" 2>/dev/null)" = done ] && break
	h maint run --wait >"$STATE/run3.out" 2>&1
	w=$(sed -n 's/^Waiting: \([^ ]*\) .*/\1/p' "$STATE/run3.out" | head -1)
	[ -n "$w" ] && h maint host-done "$w" >/dev/null
	n=$((n + 1))
done
h --json maint report >"$STATE/r3.json"
check "host-done by host-done, the cycle ends, web1 on the host patched first" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", r["state"]
ps = [s for s in r["steps"] if s["kind"] == "patch"]
assert len(ps) == 2 and all("host-done" in s["detail"] for s in ps), ps
g = {x["guest"]: x for x in r["guests"]}["web1"]
assert g["moves"] == 1 and g["ended_on"] == ps[0]["host"] == "h2", (g, ps)
' "$STATE/r3.json"
done_testing
