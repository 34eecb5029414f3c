#!/bin/sh
# The maintenance journal: hangard is killed with SIGKILL at every step
# of a small cycle, once right after the step is journaled as begun and
# once right after its action and before that is journaled
# (HANGARD_FAILPOINT), and started again.  Each time the cycle must end
# as if nothing happened: every guest defined on exactly one host (its
# own), running again if it ran, the store agreeing, the hosts active,
# and the downtime figures still measured from the first begin.
#
# The hosts must outlive hangard, so they are three libvirt daemons
# (unprivileged, each with its own socket) serving the test driver:
# test+unix:///default?socket=...  Needs root (to run them as nobody).
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
LIBVIRTD=/usr/sbin/libvirtd
[ -x "$LIBVIRTD" ] || skip_all "no libvirtd"
command -v virsh >/dev/null || skip_all "no virsh"
PY=/usr/bin/python3
state_new
PIDS=""
EXTRA_CLEANUP='for p in $(cat "$STATE"/lv*/pid 2>/dev/null) $PIDS; do kill $p 2>/dev/null; done'

libvirtd_keep 1; U1=$URI; libvirtd_keep 2; U2=$URI; libvirtd_keep 3; U3=$URI
check "three libvirt daemons serve the test driver" sh -c "
	virsh -q -c '$U1' list --all >/dev/null && virsh -q -c '$U2' list --all >/dev/null &&
	virsh -q -c '$U3' list --all >/dev/null"

# the hook; a host named in STATE/DOWN does not come back from it
cat >"$STATE/patch" <<EOF
#!/bin/sh
echo "\$1" >>"$STATE/patched"
if [ -f "$STATE/DOWN" ] && grep -qx "\$1" "$STATE/DOWN"; then
	kill "\$(cat "$STATE/lv\${1#h}/pid")"
fi
sleep 0.3
EOF
chmod 755 "$STATE/patch"
printf 'patch_hook %s\nshutdown_timeout 5\n' "$STATE/patch" >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
h host add h1 --uri "$U1" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h host add h2 --uri "$U2" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h host add h3 --uri "$U3" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h customer add alice >/dev/null
h guest create a1 --owner alice --plan small --host h1 --start >/dev/null
h guest create a2 --owner alice --plan micro --host h1 >/dev/null
h guest create b1 --owner alice --plan small --host h2 --start >/dev/null
h guest create c1 --owner alice --plan small --host h3 --start >/dev/null
h advisory add XSA-213 --title "PV breakout" --affects 'test < 1' >/dev/null

# where every guest is, as the hosts themselves say: "NAME HOST STATE"
census() {
	for n in 1 2 3; do
		eval uri=\$U$n
		virsh -q -c "$uri" list --all 2>/dev/null |
		    awk -v h=h$n '$2 != "test" { s = $3; if (s == "shut") s = "off";
			print $2, h, s }'
	done | sort
}
WANT="a1 h1 running
a2 h1 off
b1 h2 running
c1 h3 running"
check "the fleet starts as planned" test "$(census)" = "$WANT"

# a cycle, b1 rebooting by its owner's choice, the others migrating
new_cycle() {
	h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h \
	    --max-parallel 1 --roll back >/dev/null &&
	h maint choose b1 reboot >/dev/null
}
new_cycle
run 0 dry h --json maint run --steps 0
NSTEPS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' "$T_OUT")
check "the cycle has every kind of step ($NSTEPS)" test "$NSTEPS" -ge 16
run 0 finish-dry h --json maint run --wait
check "run without a crash: done" $PY -c '
import json, sys; assert json.load(open(sys.argv[1]))["state"] == "done"' "$T_OUT"

# run_state FILE: the state of the cycle in a `maint report --json`
run_state() {
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' \
	    "$1" 2>/dev/null
}

# wait_gone PID: until the process has gone (bounded)
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	! kill -0 "$1" 2>/dev/null
}

bad=""
seq=0
while [ "$seq" -lt "$NSTEPS" ]; do
	for point in before after; do
		new_cycle
		kill "$HPID"; wait_gone "$HPID"
		export HANGARD_FAILPOINT="maint:$seq:$point"
		hangard_start -f "$STATE/hangard.conf" || break 2
		unset HANGARD_FAILPOINT
		h maint run >/dev/null 2>&1
		if ! wait_gone "$HPID"; then
			bad="$bad $seq:$point(not-killed)"
			continue
		fi
		hangard_start -f "$STATE/hangard.conf" || break 2
		# it resumes by itself; wait for the end (bounded)
		i=0
		while [ $i -lt 150 ]; do
			h --json maint report >"$STATE/rep.json" 2>/dev/null
			st=$(run_state "$STATE/rep.json")
			[ "$st" = done ] || [ "$st" = stopped ] && break
			sleep 0.1; i=$((i + 1))
		done
		if ! $PY - "$STATE/rep.json" "$seq" "$point" <<'PY' >>"$STATE/why" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
assert r["steps_done"] == r["steps_total"], r["steps_done"]
g = {x["guest"]: x for x in r["guests"]}
assert g["b1"]["action"] == "reboot"
# the interval runs from the first shutdown to running again, through a patch
assert 300 <= g["b1"]["downtime_ms"] < 60000, g["b1"]
for n in ("a1", "c1"):
    assert g[n]["action"] == "live-migrate", g[n]
    assert g[n]["downtime_ms"] is not None and g[n]["downtime_ms"] < 5000, g[n]
assert g["a2"]["action"] == "was off", g["a2"]
assert all(h["downtime_s"] is not None for h in r["hosts"]), r["hosts"]
PY
		then
			bad="$bad $seq:$point(report)"
		fi
		if [ "$(census)" != "$WANT" ]; then
			bad="$bad $seq:$point(fleet)"
			diag "after $seq:$point: $(census | tr '\n' ';')"
		fi
		h guest list >"$STATE/gl" 2>&1
		if ! awk 'NR > 1 { print $1, $4, $8 }' "$STATE/gl" |
		    grep -qx "a1 h1 running" ||
		    ! grep -q "^b1 .* h2 .*running" "$STATE/gl" ||
		    grep -q maintenance "$STATE/gl"; then
			bad="$bad $seq:$point(store)"
		fi
		h host list | grep -q maintenance && bad="$bad $seq:$point(host-state)"
	done
	seq=$((seq + 1))
done
[ -n "$bad" ] && diag "failed at:$bad" && diag "$(cat "$STATE/why" 2>/dev/null | tail -20)"
check "killed at each of the $NSTEPS steps, before and after: every cycle ended whole" \
    test -z "$bad"
# hangard logs each failpoint it hits just before it kills itself
KILLS=$(grep -c "failpoint maint:[0-9]*:[a-z]* hit" "$STATE/hangard.log")
check "and hangard killed itself at each of them ($KILLS of $((2 * NSTEPS)))" \
    test "$KILLS" -eq $((2 * NSTEPS))
check "no guest was ever lost or defined twice" test "$(census)" = "$WANT"

# ---- a host that does not come back blocks the next window ----
kill "$HPID"; wait_gone "$HPID"
printf 'patch_hook %s\nshutdown_timeout 5\nhost_up_timeout 3\n' "$STATE/patch" \
    >"$STATE/short.conf"
hangard_start -f "$STATE/short.conf" || { done_testing; exit 1; }
# (every guest migrates in this cycle: the host that dies holds none)
h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h --max-parallel 1 \
    --roll back >/dev/null
run 0 down-plan h --json maint show
DOWN=$($PY -c 'import json, sys
p = json.load(open(sys.argv[1]))
assert all(g["action"] == "live-migrate" for g in p["guests"]), p["guests"]
print(p["windows"][0]["hosts"][0])' "$T_OUT")
echo "$DOWN" >"$STATE/DOWN"
run 0 down h --json maint run --wait
check "$DOWN did not come back: the cycle stopped there, saying so" $PY -c '
import json, sys
r, down = json.load(open(sys.argv[1])), sys.argv[2]
assert r["state"] == "stopped", r["state"]
assert down + " wait-up" in r["error"] and "did not come back" in r["error"], r["error"]
later = [s for s in r["steps"] if s["window"] > 1]  # windows count from 1
assert later and all(s["state"] == "todo" for s in later), later
' "$T_OUT" "$DOWN"
rm "$STATE/DOWN"
libvirtd_keep "${DOWN#h}"	# the host is back (its guests had been migrated away)
run 0 down-again h --json maint run --wait
check "once it answers, maint run finishes the cycle" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["steps_failed"] == 0, r
' "$T_OUT"
check "and every guest is home again" test "$(census)" = "$WANT"
done_testing
