#!/bin/sh
# End-to-end tests of hangar-plan (plan_cli_main): exit statuses, human
# tables, --json output, and error messages naming file, line and field.
#   cli.sh HANGAR_PLAN TESTS_DIR
set -u
bin=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }
# run NAME WANT_STATUS ARGS...: output in $tmp/out, $tmp/err
run() {
	name=$1 want=$2
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" -eq "$want" ]; then ok "$name (exit $st)"
	else no "$name: exit $st, want $want"; cat "$tmp/err"; fi
}
has() {  # FILE TEXT NAME
	if grep -qF -- "$2" "$1"; then ok "$3"; else no "$3: no \"$2\" in:"
		sed 's/^/# /' "$1" | head -20; fi
}

run "consolidate" 0 consolidate -t "$dir/small.data" --retire stor:hdd
has "$tmp/out" "STEP  GUEST" "move table header"
has "$tmp/out" "3 of 3 retired hosts emptied" "summary line"
has "$tmp/out" "REBOOT (no live migration)" "a pinned guest moves with a reboot"

run "consolidate --json" 0 consolidate -t "$dir/small.data" \
    --retire 'old-*' --to ssd --json
if python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert d["command"] == "consolidate"
assert s["moves"] == len(d["moves"]) == 12, s
assert s["unplaced"] == 0 and s["hosts_freed"] == 3, s
assert [m["step"] for m in d["moves"]] == list(range(1, 13))
kind = {h["name"]: h["disk_kind"] for h in d["hosts"]}
assert all(kind[m["to"]] == "ssd" for m in d["moves"])
for h in d["hosts"]:
    assert h["ram_mib"] <= h["ram_cap_mib"] and h["disk_mib"] <= h["disk_cap_mib"]
PY
then ok "json plan is consistent"; else no "json plan is consistent"; fi

# a vCPU ratio so low that some guests cannot move anywhere
run "consolidate, some guests do not fit" 1 consolidate -t "$dir/small.data" \
    --retire stor:hdd --vcpu-ratio 0.4
has "$tmp/out" "Not placed" "unplaced guests are listed"
has "$tmp/out" "vCPU" "the reason names the resource"

run "maintenance" 0 maintenance -t "$dir/small.data" --max-parallel 2 \
    --reboot-time 60 --migrate-time 1
has "$tmp/out" "Batch 1:" "batch table"
has "$tmp/out" "legacy" "pinned guest listed"
run "maintenance --json" 0 maintenance -t "$dir/small.data" \
    --max-parallel 2 --max-customer-down 50 --json
if python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["batches"] == len(d["batches"]) >= 3, s
hosts = [h for b in d["batches"] for h in b["hosts"]]
assert len(hosts) == len(set(hosts)) == 6, hosts
assert all(len(b["hosts"]) <= 2 for b in d["batches"])
down = [g["guest"] for b in d["batches"] for g in b["guests"] if g["action"] == "reboot"]
assert down == ["legacy"], down
assert s["rebooted"] == 1
PY
then ok "json batches are consistent"; else no "json batches are consistent"; fi

# roll forward: one move per guest here (new-c is empty), and the JSON
# replayed on its own by roll_check.py
run "maintenance --roll forward" 0 maintenance -t "$dir/small.data" \
    --roll forward --max-parallel 2 --reboot-time 60 --migrate-time 1
has "$tmp/out" "Moves, in the order they start (15)" "moves table"
has "$tmp/out" "migrate once" "guests move once"
has "$tmp/out" "the floor" "cost against the floor"
run "maintenance --roll forward --json" 0 maintenance -t "$dir/small.data" \
    --roll forward --max-parallel 2 --reboot-time 60 --migrate-time 1 \
    --per-link 2 --json
if python3 "$dir/roll_check.py" "$dir/small.data" "$tmp/out" 60 2 2 \
    >"$tmp/rc" && python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["mode"] == "forward" and s["per_link"] == 2, s
assert s["moved_twice"] == 0 and s["rebooted"] == 1, s
assert s["floor_s"] <= s["total_s"] and s["all_reboot_s"] > 0, s
rows = {g["guest"]: g for b in d["batches"] for g in b["guests"]}
assert rows["legacy"]["action"] == "reboot" and rows["legacy"]["moves"] == 0
assert rows["legacy"]["reason"] == "no live migration"
assert all(r["moves"] == 1 for n, r in rows.items() if n != "legacy")
assert all(r["end_host"] == r["target"] != r["host"]
           for n, r in rows.items() if n != "legacy")
# the empty host goes first; each host's moves come before its reboot
assert d["batches"][0]["hosts"] == ["new-c"], d["batches"][0]
slot = {h["host"]: h for h in d["hosts"]}
for m in d["moves"]:
    assert m["end_s"] <= slot[m["from"]]["reboot_start_s"]
    assert m["start_s"] >= slot[m["to"]]["reboot_end_s"]
PY
then ok "roll-forward json replays: $(cat "$tmp/rc")"
else no "roll-forward json replays"; cat "$tmp/rc"; fi
run "bad --roll" 2 maintenance -t "$dir/small.data" --roll sideways
has "$tmp/err" "--roll: \"sideways\": use forward or back" "names the mode"
run "bad --per-link" 2 maintenance -t "$dir/small.data" --per-link 0
run "--roll is for maintenance" 2 consolidate -t "$dir/small.data" \
    --retire x --roll forward

# a plan large enough that a second thread writes half of its JSON
gen=$dir/../../bench/planner/gen.py
if python3 "$gen" --hosts 1200 --guests 24000 --seed 3 --pinned 0.02 \
    -o "$tmp/large.data"; then
	run "maintenance --json, large" 0 maintenance -t "$tmp/large.data" \
	    --max-parallel 300 --json
	if python3 - "$tmp/out" "$tmp/large.data" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
guests = [l.split("|") for l in open(sys.argv[2]).read().split("\n\n")[2].split("\n") if l]
home = {g[0]: g[6] for g in guests}
rows = [(b["batch"], g) for b in d["batches"] for g in b["guests"]]
assert len(rows) == len(home) == d["summary"]["guests"] == 24000, len(rows)
assert len({g["guest"] for _, g in rows}) == 24000
assert [b["batch"] for b in d["batches"]] == list(range(1, len(d["batches"]) + 1))
for b in d["batches"]:
    hosts = set(b["hosts"])
    assert all(g["host"] in hosts and home[g["guest"]] == g["host"] for g in b["guests"])
assert sum(g["action"] == "reboot" for _, g in rows) == d["summary"]["rebooted"]
PY
	then ok "large json plan: every guest once, in its host's batch"
	else no "large json plan: every guest once, in its host's batch"; fi
	# and rolled forward, with two threads building, replayed
	run "maintenance --roll forward --json, large" 0 maintenance \
	    -t "$tmp/large.data" --roll forward --max-parallel 120 \
	    --reboot-time 600 --json
	if python3 "$dir/roll_check.py" "$tmp/large.data" "$tmp/out" 600 1 \
	    120 >"$tmp/rc"; then
		ok "large roll-forward plan replays: $(cat "$tmp/rc")"
	else
		no "large roll-forward plan replays"; cat "$tmp/rc"
	fi
else
	no "gen.py made no large fleet"
fi

# names longer than any column buffer are shown whole; control bytes not
long=web1-$(printf 'x%.0s' $(seq 90)).example.net
sed "s/^web1|/$long|/" "$dir/small.data" >"$tmp/long.data"
run "maintenance, a long guest name" 0 maintenance -t "$tmp/long.data"
has "$tmp/out" "$long" "a 106-character name is printed whole"
run "consolidate, a long guest name" 0 consolidate -t "$tmp/long.data" \
    --retire stor:hdd
has "$tmp/out" "$long" "a 106-character name is printed whole in the moves"
sed "s/^web2|/evil$(printf '\033')[2J|/" "$dir/small.data" >"$tmp/evil.data"
run "maintenance, a name with an escape" 0 maintenance -t "$tmp/evil.data"
if grep -q "$(printf '\033')" "$tmp/out"; then
	no "an escape byte in a name reaches the terminal"
else
	has "$tmp/out" "evil?[2J" "an escape byte in a name is printed as ?"
fi

run "no cluster" 2 consolidate --retire stor:hdd
has "$tmp/err" "-t FILE" "asks for a cluster file"
run "malformed file" 1 consolidate -t "$dir/bad.data" --retire stor:hdd
has "$tmp/err" "bad.data:19: field 9 (disk_template)" "error names file, line, field"
run "missing file" 1 maintenance -t "$tmp/nope.data"
has "$tmp/err" "nope.data" "error names the file"
run "no --retire" 2 consolidate -t "$dir/small.data"
run "option of the other command" 2 consolidate -t "$dir/small.data" \
    --retire x --max-parallel 2
run "bad number" 2 maintenance -t "$dir/small.data" --max-parallel 0
run "unknown command" 2 rebalance -t "$dir/small.data"
run "nothing matches" 1 consolidate -t "$dir/small.data" --retire 'zz-*'
has "$tmp/err" "no host matches" "says the selector matched nothing"
run "help" 0 consolidate -h
has "$tmp/out" "usage: hangar plan consolidate" "usage text"
has "$tmp/out" "--ignore-non-redundant" "usage lists hroller's options"

# hroller's options: which hosts reboot, which guests move, the master
# last, the first batch only (the plans: ganeti.sh and test_rules.c)
run "-O a host not in the file" 2 maintenance -t "$dir/small.data" \
    -O old-a,nosuch
has "$tmp/err" '-O: no host "nosuch"' "names the host -O does not know"
run "-O, --node-tags" 0 maintenance -t "$dir/small.data" -O old-a \
    --node-tags stor:hdd --json
if python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
hosts = sorted(h for b in d["batches"] for h in b["hosts"])
assert hosts == ["old-b", "old-c"], hosts
assert d["summary"]["skipped_hosts"] == 4
for b in d["batches"]:
    for g in b["guests"]:
        assert g.get("target") != "old-a", g
PY
then ok "offline and untagged hosts do not reboot; offline receives none"
else no "offline and untagged hosts do not reboot; offline receives none"; fi
run "--one-step-only" 0 maintenance -t "$dir/small.data" --max-parallel 1 \
    --one-step-only --master-last
has "$tmp/out" "Batch 1:" "first batch shown"
has "$tmp/out" "(--one-step-only: batches 2-6 not shown)" "the others are not"
run "--full-evacuation forward" 2 maintenance -t "$dir/small.data" \
    --full-evacuation --roll forward
run "consolidate -O" 0 consolidate -t "$dir/small.data" --retire old-a \
    -O new-a,new-b
has "$tmp/out" "offline" "offline hosts are shown as such"
if grep -E '^ +[0-9]+ +[a-z0-9]+ +primary +old-a +new-[ab] ' "$tmp/out"; then
	no "no guest goes to an offline host"
else ok "no guest goes to an offline host"; fi

# hangar plan without -t plans over hangard's fleet; without hangard: 7,
# but a bad command line is a usage error (2) first, hangard or not
hangar=$(dirname "$bin")/../hangar/hangar
if [ -x "$hangar" ]; then
	for cmd in "maintenance" "consolidate --retire stor:hdd" \
	    "consolidate" "maintenance --max-parallel 0"; do
		want=7
		case $cmd in
		consolidate|*--max-parallel*) want=2 ;;
		esac
		# shellcheck disable=SC2086
		HANGAR_STATE=$tmp/nostate "$hangar" plan $cmd \
		    >"$tmp/out" 2>"$tmp/err"
		st=$?
		if [ "$st" -eq "$want" ]; then
			ok "hangar plan $cmd, no hangard: exit $want"
		else
			no "hangar plan $cmd, no hangard: exit $st, want $want"
		fi
	done
fi

echo "1..$n"
[ "$fails" -eq 0 ]
