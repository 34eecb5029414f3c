#!/bin/sh
# t0430-console-maint: a customer answers a maintenance notice from
# hangar-console, run as their own unix user (setpriv) against a private
# hangard on libvirt's test driver.  `maintenance VPS` shows the notice,
# `maintenance VPS reboot` records the choice (the operator sees it),
# another customer's VPS gets the same "no such VPS" as a name that does
# not exist, a bad choice is a usage error, the menu asks, and once the
# cycle has run the choices are closed.  TAP.  Needs root (a unix user).
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root: creates a unix user"
for p in setpriv useradd userdel python3; do
	command -v $p >/dev/null 2>&1 || skip_all "$p is not installed"
done
state_new
U=hgm$$
mkdir -m 755 "$STATE/bin"
cp "$HANGAR_BUILD/console/hangar-console" "$STATE/bin/"
chmod 755 "$STATE/bin/hangar-console"
# without a patch hook, a run waits for `maint host-done`
printf 'patch_hook /bin/true\n' >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
EXTRA_CLEANUP="userdel -r $U >/dev/null 2>&1"

# h3 alone has room for dora2 (xlarge, 8 GiB): it has to reboot with h3
for hst in h1:4 h2:4 h3:16; do
	h host add ${hst%:*} --uri "$(node_xml ${hst%:*} 16 ${hst#*:})" \
	    --disk 2T --disk-kind ssd >/dev/null
done
userdel -r "$U" >/dev/null 2>&1
h customer add dora --create-user --user "$U" >/dev/null
h customer add erin >/dev/null
h guest create dora1 --owner dora --plan micro --host h2 --start >/dev/null
h guest create dora2 --owner dora --plan xlarge --host h3 --start >/dev/null
h guest create erin1 --owner erin --plan micro --host h1 --start >/dev/null

# con NAME EXPECTED_RC COMMAND: hangar-console -c COMMAND as dora
con() {
	n=$1 want=$2; shift 2
	run "$want" "$n" setpriv --reuid="$U" --regid="$U" --init-groups \
	    "$STATE/bin/hangar-console" -S "$STATE/hangard.sock" -c "$*"
}
# menu NAME INPUT: the menu as dora, INPUT on its standard input
menu() {
	T_OUT="$STATE/$1.out"
	printf "$2" | setpriv --reuid="$U" --regid="$U" --init-groups \
	    "$STATE/bin/hangar-console" -S "$STATE/hangard.sock" \
	    >"$T_OUT" 2>&1
	check "$1: the menu exits 0" test $? -eq 0
}
# jq_check DESC FILE PYTHON: PYTHON asserts on the JSON in FILE (as j)
jq_check() {
	check "$1" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
$3" "$2"
}
chosen_of() {
	h --json guest show "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["maintenance"].get("chosen", "-"))'
}

# ---- before any plan ----
con none 0 maintenance dora1
check "no plan: the notice says there is none" \
    grep -qx "No maintenance is scheduled for dora1." "$T_OUT"
con none-choose 4 maintenance dora1 reboot
check "no plan: nothing to choose, hangard's words" \
    grep -qx "hangar-console: no maintenance is scheduled for dora1" "$T_ERR"
con none-json 0 maintenance dora1 --json
jq_check "no plan: --json says so with null" "$T_OUT" \
    'assert j == {"name": "dora1", "maintenance": None}, j'
menu menu-none 'dora1\nmaintenance\nexit\n'
check "menu, no plan: answered, nothing asked" sh -c "
	grep -q 'No maintenance is scheduled for dora1.' '$T_OUT' &&
	! grep -q 'Enter to keep' '$T_OUT'"

h advisory add XSA-213 --title "PV breakout" --affects 'test < 1' >/dev/null
run 0 plan h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h --roll back
run 0 guest-show h --json guest show dora1
jq_check "dora1 is planned for a live migration" "$T_OUT" '
m = j["maintenance"]
assert m["action"] == "live-migrate" and "chosen" not in m, m'
run 0 guest-show2 h --json guest show dora2
jq_check "dora2 is planned for a reboot: no other host has room" "$T_OUT" '
m = j["maintenance"]
assert m["action"] == m["planned"] == "reboot" and "chosen" not in m, m'
WIN=$(python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["maintenance"]
print(m["window_start"] + " to " + m["window_end"])' "$STATE/guest-show.out")

# ---- the notice ----
con show 0 maintenance dora1
check "the notice names the advisory and the VPS" \
    grep -qx "Maintenance of dora1 for XSA-213" "$T_OUT"
check "the window, in UTC" grep -qx "  window:    $WIN" "$T_OUT"
check "what happens: live migration, a pause under a second" sh -c "
	grep -q '^  happens:   live migration' '$T_OUT' &&
	grep -q 'a pause under a second' '$T_OUT'"
check "decided by the plan" grep -qx "  decided:   by the plan" "$T_OUT"
check "and the exact command to change it" \
    grep -qx "  change it: maintenance dora1 reboot" "$T_OUT"
con show-json 0 maintenance dora1 --json
jq_check "--json: hangard's notice" "$T_OUT" '
m = j["maintenance"]
assert j["name"] == "dora1" and m["advisories"] == "XSA-213", j
assert m["action"] == m["planned"] == "live-migrate" and "chosen" not in m, m'
con status 0 status dora1
check "status points to the maintenance command" \
    grep -q "as planned; details: maintenance dora1" "$T_OUT"

# ---- a choice ----
con choose 0 maintenance dora1 reboot
check "the choice is recorded" grep -qx "Your choice is recorded." "$T_OUT"
check "the new notice: a clean reboot, downtime in minutes" sh -c "
	grep -q '^  happens:   reboot: shut down cleanly' '$T_OUT' &&
	grep -q 'about [0-9]* minutes of downtime' '$T_OUT'"
check "decided by the customer" grep -qx "  decided:   by you" "$T_OUT"
check "and how to go back" \
    grep -qx "  change it: maintenance dora1 live-migrate" "$T_OUT"
check "the operator's guest show has the choice" \
    test "$(chosen_of dora1)" = reboot
run 0 op-guest h --json guest show dora1
jq_check "and the guest's maintenance action is now a reboot" "$T_OUT" '
m = j["maintenance"]
assert m["action"] == "reboot" and m["planned"] == "live-migrate", m'
run 0 op-maint h --json maint show
# maint show is the plan as made; the choice is applied when the run
# reads it (checked in the run's report below)
jq_check "maint show: dora1 planned for a live migration" "$T_OUT" '
g = [g for g in j["guests"] if g["guest"] == "dora1"]
assert len(g) == 1 and g[0]["action"] == "live-migrate", j'
con status-chosen 0 status dora1
check "status says it was the customer's choice" \
    grep -q "as you chose; details: maintenance dora1" "$T_OUT"
con choose-json 0 maintenance dora1 live-migrate --json
jq_check "--json choice: hangard's reply" "$T_OUT" '
m = j["maintenance"]
assert j["name"] == "dora1" and m["chosen"] == m["action"] == "live-migrate", j'
check "back to live migration, for the operator too" \
    test "$(chosen_of dora1)" = live-migrate

# ---- no room elsewhere: nothing to choose ----
con noroom 0 maintenance dora2
check "no room: a reboot, decided by the plan, and why" sh -c "
	grep -q '^  happens:   reboot: shut down cleanly' '$T_OUT' &&
	grep -q '^  decided:   by the plan: no host has room' '$T_OUT'"
check "no room: no command to change it" sh -c "! grep -q 'change it:' '$T_OUT'"
con noroom-choose 4 maintenance dora2 live-migrate
check "no room: live-migrate is refused with hangard's reason" grep -qx \
    "hangar-console: no host has room to take dora2 while its host reboots: it has to reboot with it" \
    "$T_ERR"
check "no room: nothing recorded" test "$(chosen_of dora2)" = -
menu menu-noroom 'dora2\nmaintenance\nexit\n'
check "menu, no room: the notice; only another window can be chosen" sh -c "
	grep -q 'Maintenance of dora2 for XSA-213' '$T_OUT' &&
	grep -q 'to reboot in another instead: maintenance dora2 window-N' '$T_OUT'"

# ---- not theirs, or no such VPS: one answer ----
con other 3 maintenance erin1 reboot
cp "$T_ERR" "$STATE/not-theirs.err"
con nosuch 3 maintenance nosuch1 reboot
check "another customer's VPS: no such VPS" \
    grep -qx "hangar-console: no such VPS" "$STATE/not-theirs.err"
check "word for word as for a name that does not exist" \
    cmp -s "$STATE/not-theirs.err" "$T_ERR"
con other-show 3 maintenance erin1
check "showing another customer's notice: no such VPS" \
    cmp -s "$STATE/not-theirs.err" "$T_ERR"
check "erin1's maintenance is untouched" test "$(chosen_of erin1)" = -

# ---- bad choices: usage, before hangard is asked ----
for line in "maintenance dora1 sometimes" "maintenance dora1 Reboot" \
    "maintenance dora1 --reboot" "maintenance dora1 -reboot" \
    "maintenance dora1 reboot live-migrate" "maintenance dora1 live_migrate" \
    "maintenance" "status dora1 live-migrate" "reboot dora1 live-migrate" \
    "live-migrate dora1"; do
	con bad 2 "$line"
	check "usage error, nothing printed: $line" sh -c "
		[ ! -s '$T_OUT' ] && grep -q '^hangar-console: ' '$T_ERR'"
done
check "and the choice stayed" test "$(chosen_of dora1)" = live-migrate

# ---- the menu ----
menu menu-keep 'dora1\nmaintenance\n\nexit\n'
check "menu: the notice, then the question" sh -c "
	grep -q 'Maintenance of dora1 for XSA-213' '$T_OUT' &&
	grep -q 'live-migrate, reboot, window-N, or Enter to keep?' '$T_OUT' &&
	! grep -q 'change it:' '$T_OUT'"
check "menu: Enter keeps it" grep -q "Kept as it is." "$T_OUT"
check "menu: and the choice is as it was" \
    test "$(chosen_of dora1)" = live-migrate
menu menu-choose 'dora1\n10\nsometimes\nreboot\nexit\n'
check "menu: a wrong answer is asked again" \
    grep -q "Type live-migrate, reboot or window-N, or press Enter" "$T_OUT"
check "menu: reboot is recorded" grep -q "Your choice is recorded." "$T_OUT"
check "menu: the operator sees it" test "$(chosen_of dora1)" = reboot
menu menu-other 'dora1\nmaintenance erin1 live-migrate\nexit\n'
check "menu: another customer's VPS is no such VPS" \
    grep -q "hangar-console: no such VPS" "$T_OUT"
check "menu: and erin1 is untouched" test "$(chosen_of erin1)" = -

# ---- another window: the VPS reboots then, with a host patched then ----
run 0 show-plan h --json maint show
W1=$(python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
print([i + 1 for i, w in enumerate(p["windows"]) if "h1" in w["hosts"]][0])' "$T_OUT")
W3=$(python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
print([i + 1 for i, w in enumerate(p["windows"]) if "h3" in w["hosts"]][0])' "$T_OUT")
W2=$(python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
print([i + 1 for i, w in enumerate(p["windows"]) if "h2" in w["hosts"]][0])' "$T_OUT")
con win-noroom 4 maintenance dora2 "window-$W1"
check "another window without room for it is refused, saying so" grep -qx \
    "hangar-console: no host patched in window $W1 has room for dora2" "$T_ERR"
con win 0 maintenance dora1 "window-$W1"
check "dora1 moves to window $W1" grep -q "Your choice is recorded." "$T_OUT"
run 0 guest-show-win h --json guest show dora1
jq_check "the operator sees dora1 in h1's window, rebooting" "$T_OUT" "
m = j['maintenance']
assert m['window'] == $W1 and m['action'] == 'reboot', m"
con win-bad 2 maintenance dora1 window-0
con win-bad2 2 maintenance dora1 window-17

# ---- the cycle runs: choices are closed ----
run 0 run-wait timeout 120 "$HANGAR" -s "$STATE" --json maint run --wait
jq_check "the cycle is done" "$T_OUT" 'assert j["state"] == "done", j'
jq_check "the run honoured the choices: dora1 rebooted, erin1 migrated" \
    "$T_OUT" '
a = {g["guest"]: g["action"] for g in j["guests"]}
assert a["dora1"] == a["dora2"] == "reboot", a
assert a["erin1"] == "live-migrate", a'
jq_check "dora1 was moved from h2 and rebooted with h1 in its window" \
    "$T_OUT" "
g = [g for g in j['guests'] if g['guest'] == 'dora1'][0]
assert g['moved_from'] == 'h2' and g['host'] == 'h1', g
st = [s for s in j['steps'] if s['guest'] == 'dora1']
move = 'move-in' if $W1 < $W2 else 'move-out'
assert sorted(s['kind'] for s in st) == sorted([move, 'shutdown', 'start']), st
assert all(s['state'] == 'done' for s in st), st"
run 0 dora1-after h guest list
check "dora1 lives on h1 now" grep -q "^dora1 .* h1 " "$T_OUT"
con closed 4 maintenance dora1 live-migrate
check "after the run, nothing is scheduled any more" grep -qx \
    "hangar-console: no maintenance is scheduled for dora1" "$T_ERR"
con closed-show 0 maintenance dora1
check "and the notice is gone" grep -q "No maintenance is scheduled for dora1" "$T_OUT"

# ---- rolling forward (the default): one move, to a newer host, for good ----
h advisory add XSA-214 --title "again" --affects 'test < 1' >/dev/null
run 0 plan-fwd h maint plan XSA-214 --start 2017-05-27T06:00Z --window 4h
con fwd 0 maintenance dora1
check "the notice: live-migrated once to a newer host in the same place" sh -c "
	grep -q '^  happens:   live-migrated once to a newer host in the same place, where it' '$T_OUT' &&
	grep -q 'stays: it keeps running, with a single pause under a second' '$T_OUT' &&
	grep -qx '  decided:   by the plan' '$T_OUT' &&
	grep -qx '  change it: maintenance dora1 reboot' '$T_OUT'"
check "and no host is named" sh -c "! grep -q 'h[123]' '$T_OUT'"
con fwd-status 0 status dora1
check "status says the same, briefly" grep -q \
    "^         live-migrated once to a newer host in the same place, where it" "$T_OUT"
con fwd-noroom 0 maintenance dora2
check "no room anywhere: a reboot, decided by the plan" sh -c "
	grep -q '^  happens:   reboot: shut down cleanly' '$T_OUT' &&
	grep -q 'decided:   by the plan: no host has room' '$T_OUT'"
con fwd-choose 0 maintenance dora1 reboot
check "reboot chosen: the plan, made again, reboots it in place" sh -c "
	grep -q 'Your choice is recorded.' '$T_OUT' &&
	grep -q '^  happens:   reboot: shut down cleanly' '$T_OUT' &&
	grep -qx '  decided:   by you' '$T_OUT' &&
	grep -qx '  change it: maintenance dora1 live-migrate' '$T_OUT'"
run 0 fwd-plan h --json maint show
jq_check "the operator's plan has the choice in it" "$T_OUT" '
g = {x["guest"]: x for x in j["guests"]}
assert g["dora1"]["action"] == "reboot" and g["dora1"]["moves"] == 0, g["dora1"]
assert g["dora1"]["reason"] == "customer" + chr(39) + "s choice", g["dora1"]'
con fwd-back 0 maintenance dora1 live-migrate
check "live-migrate again: one move" grep -q \
    "^  happens:   live-migrated once to a newer host in the same place" "$T_OUT"
con fwd-noroom-choose 4 maintenance dora2 live-migrate
check "no room: live-migrate refused with the planner's reason" grep -qx \
    "hangar-console: no host has room to take dora2 while its host reboots: it has to reboot with it" \
    "$T_ERR"
done_testing
