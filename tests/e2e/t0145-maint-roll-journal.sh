#!/bin/sh
# The journal of a roll-forward cycle (t0140 does the same rolling
# back): hangard is killed with SIGKILL at every step, once right after
# the step is journaled as begun and once right after its action, and
# started again.  Each time the cycle must end whole: every guest
# defined on exactly one host, running if it ran, where the store says,
# having moved once, to the host patched before it, the hosts active.
# The fleet is a loaded host and an empty one, so every cycle is the
# last one mirrored (the guests end on the host that was empty) and its
# steps are the same.  Then a migration that fails stops the host it
# leaves and what waits on it, and --allow-fallback reboots that guest
# with its host instead.
#
# The hosts are libvirt daemons serving the test driver, so that they
# outlive hangard (as in t0140).  Needs root (to run them as nobody).
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
LIBVIRTD=/usr/sbin/libvirtd
[ -x "$LIBVIRTD" ] || skip_all "no libvirtd"
command -v virsh >/dev/null || skip_all "no virsh"
PY=/usr/bin/python3
state_new
PIDS=""
EXTRA_CLEANUP='for p in $(cat "$STATE"/lv*/pid 2>/dev/null) $PIDS; do kill $p 2>/dev/null; done'

libvirtd_keep 1; U1=$URI; libvirtd_keep 2; U2=$URI
check "two libvirt daemons serve the test driver" sh -c "
	virsh -q -c '$U1' list --all >/dev/null && virsh -q -c '$U2' list --all >/dev/null"

cat >"$STATE/patch" <<EOF
#!/bin/sh
echo "\$1" >>"$STATE/patched"
sleep 0.1
EOF
chmod 755 "$STATE/patch"
printf 'patch_hook %s\nshutdown_timeout 5\n' "$STATE/patch" >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
h host add h1 --uri "$U1" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h host add h2 --uri "$U2" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h customer add alice >/dev/null
h guest create a1 --owner alice --plan small --host h1 --start >/dev/null
h guest create a2 --owner alice --plan micro --host h1 >/dev/null
h advisory add XSA-213 --title "PV breakout" --affects 'test < 1' >/dev/null

# where every guest is, as the hosts say: "NAME HOST STATE"
census() {
	for n in 1 2; do
		eval uri=\$U$n
		virsh -q -c "$uri" list --all 2>/dev/null |
		    awk -v h=h$n '$2 != "test" { s = $3; if (s == "shut") s = "off";
			print $2, h, s }'
	done | sort
}
# the same, as the store says
store_census() {
	h --json guest list 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)
rows = d["rows"] if isinstance(d, dict) and "rows" in d else d
for g in sorted(rows, key=lambda g: g["name"]):
    print(g["name"], g["host"], "off" if g["state"] == "shutoff" else g["state"])'
}
# both guests on one host, a1 running, a2 off, the store agreeing
whole() {
	c=$(census)
	echo "$c" | awk '{ print $2 }' | sort -u | grep -c . | grep -qx 1 &&
	    echo "$c" | grep -qx "a1 h[12] running" &&
	    echo "$c" | grep -qx "a2 h[12] off" &&
	    [ "$c" = "$(store_census)" ]
}
check "the fleet starts whole" whole

new_cycle() {
	h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h >/dev/null
}
new_cycle
run 0 dry h --json maint run --steps 0
NSTEPS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' "$T_OUT")
run 0 finish-dry h --json maint run --wait
check "run without a crash: done, each guest moved once ($NSTEPS steps)" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["roll"] == "forward", r.get("error")
assert sorted(s["kind"] for s in r["steps"] if s["guest"]) == ["migrate", "migrate"]
' "$T_OUT"
check "and the fleet is whole, mirrored" whole

wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	! kill -0 "$1" 2>/dev/null
}
# fp_start POINT CYCLE: hangard, set to kill itself at POINT (SEQ:WHERE)
# of cycle CYCLE only, so that it first finishes the cycle it resumes
fp_start() {
	[ -n "$1" ] && export HANGARD_FAILPOINT="maint:$1:$2"
	hangard_start -f "$STATE/hangard.conf"
	_rc=$?
	unset HANGARD_FAILPOINT
	return $_rc
}
# over: waits (bounded) for the newest cycle to be done or stopped
over() {
	i=0
	while [ $i -lt 150 ]; do
		h maint report 2>/dev/null | head -1 |
		    grep -q ': \(done\|stopped\), ' && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# Every cycle is killed once, at one point: the hangard that resumes it
# is already set for the next cycle's point (cycles are numbered in
# turn), and what each cycle left is kept and checked at the end.
POINTS=$(i=0; while [ $i -lt "$NSTEPS" ]; do
	echo "$i:before $i:after"; i=$((i + 1)); done)
CYC=$(h --json maint report | $PY -c 'import json, sys; print(json.load(sys.stdin)["cycle"])')
mkdir "$STATE/after"
hangard_stop
bad=""
set -- $POINTS
CYC=$((CYC + 1))
fp_start "$1" "$CYC" || { done_testing; exit 1; }
while [ $# -gt 0 ]; do
	p=$1; shift
	new_cycle
	h maint run >/dev/null 2>&1
	if ! wait_gone "$HPID"; then
		bad="$bad $p(not-killed)"
		hangard_stop
	fi
	CYC=$((CYC + 1))
	fp_start "${1:-}" "$CYC" || break
	over || bad="$bad $p(not-over)"
	a=$STATE/after/$p
	h --json maint report >"$a.report" 2>&1
	census >"$a.census"
	h --json guest list >"$a.store" 2>&1
	h --json host list >"$a.hosts" 2>&1
done
bad="$bad$($PY - "$STATE/after" $POINTS <<'PY' 2>>"$STATE/why"
import datetime, json, os, sys
t = lambda s, k: datetime.datetime.strptime(s[k], "%Y-%m-%dT%H:%M:%S.%fZ")
def report(r):
    assert r["state"] == "done", (r["state"], r.get("error"))
    assert r["steps_done"] == r["steps_total"], r["steps_done"]
    g = {x["guest"]: x for x in r["guests"]}
    for n in ("a1", "a2"):
        assert g[n]["moves"] == 1 and g[n]["ended_on"] != g[n]["host"], g[n]
    assert g["a1"]["action"] == "live-migrate", g["a1"]
    assert g["a1"]["downtime_ms"] is not None and g["a1"]["downtime_ms"] < 5000, g["a1"]
    assert g["a2"]["action"] == "was off", g["a2"]
    # it moved to the host patched before it, after that host came back
    w = [s for s in r["steps"] if s["kind"] == "wait-up" and s["host"] == g["a1"]["ended_on"]]
    m = [s for s in r["steps"] if s["guest"] == "a1" and s["kind"] == "migrate"]
    assert len(w) == 1 and len(m) == 1 and t(w[0], "ended") <= t(m[0], "started"), (w, m)
    assert all(h["downtime_s"] is not None for h in r["hosts"]), r["hosts"]
def fleet(census, store):
    # both guests on one host, a1 running, a2 off, the store agreeing
    c = sorted(tuple(l.split()) for l in census.splitlines() if l.strip())
    assert len({x[1] for x in c}) == 1, c
    assert [(x[0], x[2]) for x in c] == [("a1", "running"), ("a2", "off")], c
    rows = store["rows"] if isinstance(store, dict) and "rows" in store else store
    s = sorted((x["name"], x["host"], "off" if x["state"] == "shutoff" else x["state"])
               for x in rows)
    assert s == c, (s, c)
for p in sys.argv[2:]:
    a = os.path.join(sys.argv[1], p)
    for what, f in (("report", lambda: report(json.load(open(a + ".report")))),
                    ("fleet", lambda: fleet(open(a + ".census").read(),
                                            json.load(open(a + ".store")))),
                    ("host-state", lambda: [h["state"] for h in
                        json.load(open(a + ".hosts"))].count("maintenance") == 0 or
                        sys.exit(1))):
        try:
            f()
        except (AssertionError, OSError, ValueError, KeyError, SystemExit) as e:
            print(" %s(%s)" % (p, what), end="")
            print(p, what, repr(e), file=sys.stderr)
PY
)"
bad=$(echo $bad)
[ -n "$bad" ] && diag "failed at: $bad" && diag "$(tail -20 "$STATE/why" 2>/dev/null)"
check "killed at each of the $NSTEPS steps, before and after: every cycle ended whole" \
    test -z "$bad"
KILLS=$(grep -c "failpoint maint:[0-9]*:[a-z]* hit" "$STATE/hangard.log")
check "and hangard killed itself at each of them ($KILLS of $((2 * NSTEPS)))" \
    test "$KILLS" -eq $((2 * NSTEPS))

# ---- a migration that fails; --allow-fallback reboots the guest ----
FROM=$(census | awk '$1 == "a1" { print $2 }')
TO=$([ "$FROM" = h1 ] && echo h2 || echo h1)
eval TOURI=\$U${TO#h}
stray_domain "$TOURI" a1
new_cycle
run 0 fail h --json maint run --wait
check "a1's failed migration stopped what waits on it, saying why" $PY -c '
import json, sys
r, fr = json.load(open(sys.argv[1])), sys.argv[2]
assert r["state"] == "stopped" and fr + " migrate a1" in r["error"], r.get("error")
st = {(s["guest"] or s["host"], s["kind"]): s["state"] for s in r["steps"]}
assert st[("a2", "migrate")] == "done", st
assert st[(fr, "patch")] == "todo", st
' "$T_OUT" "$FROM"
# a1_on HOST: running there, as the host and the store say
a1_on() {
	census | grep -qx "a1 $1 running" && store_census | grep -x "a1 $1 running" >/dev/null
}
check "a1 still runs on $FROM" a1_on "$FROM"
run 0 fallback h --json maint run --allow-fallback --wait
virsh -q -c "$TOURI" undefine a1 >/dev/null 2>&1
check "with --allow-fallback a1 rebooted with $FROM and the cycle ended" $PY -c '
import json, sys
r, fr = json.load(open(sys.argv[1])), sys.argv[2]
assert r["state"] == "done" and r["steps_failed"] == 0, (r["state"], r.get("error"))
g = {x["guest"]: x for x in r["guests"]}
assert g["a1"]["action"] == "reboot" and g["a1"]["moves"] == 0, g["a1"]
assert g["a1"]["ended_on"] == fr and g["a1"]["downtime_ms"] >= 100, g["a1"]
assert g["a2"]["moves"] == 1 and g["a2"]["ended_on"] != fr, g["a2"]
' "$T_OUT" "$FROM"
check "a1 runs on $FROM, the store agreeing" a1_on "$FROM"
done_testing
