#!/bin/sh
# The consolidation's journal: hangard is killed with SIGKILL at every
# step of a consolidation (drain, a live move, the move of a shut-off
# guest, the offline copy of a guest pinned to offline moves, retire),
# once right after the step is journaled as begun and once right after
# its action and before that is journaled (HANGARD_FAILPOINT), and
# started again.  Each time the consolidation must end as if nothing
# happened: every guest defined on exactly one host, the new one, running
# if it ran, the store agreeing, the old host retired.  Each round moves
# the guests the other way, so no round needs a reset.  Then a move that
# fails stops its host, and running again finishes the consolidation.
#
# The hosts must outlive hangard, so they are two libvirt daemons
# (unprivileged, each with its own socket) serving the test driver, as in
# t0140.  Needs root (to run them as nobody).
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -x /usr/sbin/libvirtd ] || skip_all "no libvirtd"
command -v virsh >/dev/null || skip_all "no virsh"
PY=/usr/bin/python3
state_new
PIDS=""
EXTRA_CLEANUP='for p in $(cat "$STATE"/lv*/pid 2>/dev/null) $PIDS; do kill $p 2>/dev/null; done'

libvirtd_keep 1; U1=$URI; libvirtd_keep 2; U2=$URI
check "two libvirt daemons serve the test driver" sh -c "
	virsh -q -c '$U1' list --all >/dev/null && virsh -q -c '$U2' list --all >/dev/null"

printf 'shutdown_timeout 5\n' >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
h host add h1 --uri "$U1" --disk 1T --disk-kind hdd --ram 64G --cpus 16 >/dev/null
h host add h2 --uri "$U2" --disk 1T --disk-kind ssd --ram 64G --cpus 16 >/dev/null
h customer add alice >/dev/null
h guest create a1 --owner alice --plan small --host h1 --start >/dev/null
h guest create a2 --owner alice --plan micro --host h1 >/dev/null
h guest create b1 --owner alice --plan small --host h1 --start >/dev/null
h guest set-migration b1 offline >/dev/null

# where every guest is, as the hosts themselves say: "NAME HOST STATE"
census() {
	for n in 1 2; do
		eval uri=\$U$n
		virsh -q -c "$uri" list --all 2>/dev/null |
		    awk -v h=h$n '$2 != "test" { s = $3; if (s == "shut") s = "off";
			print $2, h, s }'
	done | sort
}
# want HOST: every guest there, as it was
want() {
	printf 'a1 %s running\na2 %s off\nb1 %s running\n' "$1" "$1" "$1"
}
check "the fleet starts on h1" test "$(census)" = "$(want h1)"

# new_round FROM TO: a consolidation retiring FROM (TO made active again)
new_round() {
	h host set-state "$2" active >/dev/null &&
	    h consolidate plan --retire "$1" --start 2017-04-27T06:00Z \
	    --window 4h >/dev/null
}
run_state() {
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' \
	    "$1" 2>/dev/null
}
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	! kill -0 "$1" 2>/dev/null
}

new_round h1 h2
run 0 dry h --json consolidate run --steps 0
NSTEPS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' "$T_OUT")
check "the consolidation has every kind of step ($NSTEPS)" test "$NSTEPS" -eq 5
run 0 dry-report h --json consolidate report
# the copy is also killed between its copy and the start there ("mid")
COPY=$($PY -c 'import json, sys
print([s["seq"] for s in json.load(open(sys.argv[1]))["steps"] if s["kind"] == "copy"][0])' \
    "$T_OUT")
run 0 finish-dry h --json consolidate run --wait
check "run without a crash: done, everything on h2" test \
    "$(run_state "$T_OUT"):$(census)" = "done:$(want h2)"
FROM=h2; TO=h1

bad=""
seq=0
while [ "$seq" -lt "$NSTEPS" ]; do
	points="before after"
	[ "$seq" = "$COPY" ] && points="before mid after"
	for point in $points; do
		new_round $FROM $TO
		kill "$HPID"; wait_gone "$HPID"
		export HANGARD_FAILPOINT="maint:$seq:$point"
		hangard_start -f "$STATE/hangard.conf" || break 2
		unset HANGARD_FAILPOINT
		h consolidate run >/dev/null 2>&1
		if ! wait_gone "$HPID"; then
			bad="$bad $seq:$point(not-killed)"
			continue
		fi
		hangard_start -f "$STATE/hangard.conf" || break 2
		# it resumes by itself; wait for the end (bounded)
		i=0
		while [ $i -lt 150 ]; do
			h --json consolidate report >"$STATE/rep.json" 2>/dev/null
			st=$(run_state "$STATE/rep.json")
			[ "$st" = done ] || [ "$st" = stopped ] && break
			sleep 0.1; i=$((i + 1))
		done
		if ! $PY - "$STATE/rep.json" "$FROM" "$TO" <<'PY' >>"$STATE/why" 2>&1
import json, sys
r, src, dst = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
assert r["state"] == "done", (r["state"], r.get("error"))
assert r["steps_done"] == r["steps_total"] == 5, r["steps_done"]
assert r["moves_done"] == 3 and r["hosts_freed"] == [src], r
g = {x["guest"]: x for x in r["guests"]}
assert all(x["host"] == src and x["target"] == dst for x in g.values()), g
assert g["a1"]["action"] == "move" and g["a1"]["downtime_ms"] < 5000, g["a1"]
assert g["a2"]["action"] == "was off", g["a2"]
# from its first begin (before a crash) to running there
assert g["b1"]["action"] == "move (offline)", g["b1"]
assert 0 < g["b1"]["downtime_ms"] < 60000, g["b1"]
PY
		then
			bad="$bad $seq:$point(report)"
		fi
		if [ "$(census)" != "$(want $TO)" ]; then
			bad="$bad $seq:$point(fleet)"
			diag "after $seq:$point: $(census | tr '\n' ';')"
		fi
		h guest list >"$STATE/gl" 2>&1
		[ "$(awk 'NR > 1 { print $1, $4, $8 }' "$STATE/gl" | sort)" = \
		    "$(want $TO | sed 's/ off$/ shutoff/')" ] ||
		    bad="$bad $seq:$point(store)"
		h host list >"$STATE/hl" 2>&1
		grep -q "^$FROM .* retired  *0 " "$STATE/hl" &&
		    grep -q "^$TO .* active  *3 " "$STATE/hl" ||
		    bad="$bad $seq:$point(host-state)"
		t=$FROM; FROM=$TO; TO=$t
	done
	seq=$((seq + 1))
done
[ -n "$bad" ] && diag "failed at:$bad" && diag "$(tail -20 "$STATE/why" 2>/dev/null)"
check "killed at each of the $NSTEPS steps, before and after (and in the copy): every consolidation ended whole" \
    test -z "$bad"
KILLS=$(grep -c "failpoint maint:[0-9]*:[a-z]* hit" "$STATE/hangard.log")
check "and hangard killed itself at each of them ($KILLS of $((2 * NSTEPS + 1)))" \
    test "$KILLS" -eq $((2 * NSTEPS + 1))

# ---- a move that fails stops its host; running again retries it ----
# a domain named a1 already on the new host makes a1's move fail
eval "UTO=\$U${TO#h}"
stray_domain "$UTO" a1
new_round $FROM $TO
run 0 fail h --json consolidate run --wait
check "the failed move stopped the consolidation, saying why; $FROM not retired" $PY -c '
import json, sys
r, src = json.load(open(sys.argv[1])), sys.argv[2]
assert r["state"] == "stopped", r["state"]
assert src + " move a1" in r["error"], r["error"]
s = {x["kind"] + " " + x["guest"]: x["state"] for x in r["steps"]}
assert s["move a1"] == "failed" and s["retire "] == "todo", s
assert r["hosts_freed"] == [], r
' "$T_OUT" "$FROM"
run 0 hosts-stopped h host list
check "$FROM stays draining, a1 where it was" sh -c "
	grep -q '^$FROM .* draining' '$T_OUT' &&
	virsh -q -c '$(eval echo \$U${FROM#h})' list | grep -q 'a1 *running'"
virsh -q -c "$UTO" undefine a1 >/dev/null
run 0 fail-again h --json consolidate run --wait
check "run again: the move is retried and $FROM is retired" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["steps_failed"] == 0 and r["moves_done"] == 3, r
assert r["hosts_freed"] == [sys.argv[2]], r
' "$T_OUT" "$FROM"
check "and every guest is on $TO, as it was" test "$(census)" = "$(want $TO)"

# ---- a host is retired only when none of our guests is left there ----
t=$FROM; FROM=$TO; TO=$t
eval "UFROM=\$U${FROM#h}"
new_round $FROM $TO
run 0 upto-retire h --json consolidate run --steps 4 --wait
check "four steps: every guest moved, the retire step still to do" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "stopped" and r["moves_done"] == 3, r
assert r["steps"][-1]["kind"] == "retire" and r["steps"][-1]["state"] == "todo", r
' "$T_OUT"
# a domain named like one of our guests (a2) is on the old host again
stray_domain "$UFROM" a2
run 0 retire-refused h --json consolidate run --wait
check "retire refuses while a guest of ours is defined there, naming it" $PY -c '
import json, sys
r, src = json.load(open(sys.argv[1])), sys.argv[2]
assert r["state"] == "stopped", r
assert r["error"] == src + " retire: a2 is still defined on " + src, r["error"]
' "$T_OUT" "$FROM"
run 0 hosts-not-retired h host list
check "$FROM is still draining" grep -q "^$FROM .* draining" "$T_OUT"
virsh -q -c "$UFROM" undefine a2 >/dev/null
run 0 retire-again h --json consolidate run --wait
check "run again: $FROM retired" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done" and r["hosts_freed"] == [sys.argv[2]], r
' "$T_OUT" "$FROM"
done_testing
