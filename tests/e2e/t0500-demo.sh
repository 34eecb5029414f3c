#!/bin/sh
# hangar demo as a newcomer meets it: every command it prints works as
# printed (with the HANGAR_STATE it says to export), its customers reach
# the management console as their uids, each VPS has a serial console
# with a boot log and a login prompt that answers, and a console log; the
# health replay shows the controller incident and its mail; a cycle run
# twice says how to plan the next; the status page shows the cycle's
# timeline (tidy-clean, drawn at phone and desktop widths in Chromium,
# tests/e2e/page_check.py); --stop ends everything and leaves no pid file.
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (the console runs as the customers' uids)"
state_new
D="$STATE/demo"
stop_demo() { "$HANGAR" -s "$D" demo --stop >/dev/null 2>&1; }
EXTRA_CLEANUP=stop_demo
# like make demo: from the folder it runs in, the command as it was typed
cd "$STATE" || exit 1
run 0 demo "$HANGAR" demo -s demo
out=$T_OUT
check "the demo says to export HANGAR_STATE" \
    grep -qx "  export HANGAR_STATE=$D" "$out"
check "no printed command repeats -s" sh -c "! grep -q '^  $HANGAR -s' '$out'"

# every printed command, as printed (the menu and --stop aside)
export HANGAR_STATE="$D"
grep "^  $HANGAR \|^  /.*hangar-health replay " "$out" | sed 's/^  //' \
    >"$STATE/printed"
i=0
while read -r line; do
	case $line in
	*"demo console alice"|*"demo --stop") continue ;;	# below
	esac
	i=$((i + 1))
	if sh -c "$line" >"$STATE/printed-$i.out" 2>&1; then
		ok "printed: ${line#"$HANGAR" }"
	else
		not_ok "printed: ${line#"$HANGAR" }"
		diag "$(tail -5 "$STATE/printed-$i.out")"
	fi
done <"$STATE/printed"
check "the demo printed at least 15 commands to run ($i)" test "$i" -ge 15
run 0 hosts-after "$HANGAR" host list
check "the printed consolidation emptied and retired both HDD hosts" test \
    "$(awk '$1 ~ /^old-hdd/ { print $1, $3, $4 }' "$T_OUT" | tr '\n' ' ')" = \
    "old-hdd-1 retired 0 old-hdd-2 retired 0 "

# the customers: unused uids, shown as such; the console as alice's uid
run 0 customer-show "$HANGAR" customer show alice
uid=$(sed -n 's/^uid  *//p' "$T_OUT")
check "alice is mapped to a uid no account has ($uid)" sh -c \
    "[ '$uid' -gt 65535 ] && ! getent passwd '$uid' >/dev/null"
run 0 console-list "$HANGAR" demo console alice list
check "alice's console lists her VPSes, and only hers" sh -c \
    "grep -q alice-web '$T_OUT' && grep -q alice-db '$T_OUT' && ! grep -q bob '$T_OUT'"
run 3 console-other "$HANGAR" demo console alice status bob-mail
check "bob's VPS is no VPS of alice's" grep -q "no such VPS" "$T_ERR"
run 0 logview "$HANGAR" demo console bob logview bob-mail
check "the console log has the boot and the login prompt" sh -c \
    "grep -q 'Hostname set to <bob-mail>' '$T_OUT' && grep -q 'bob-mail login:' '$T_OUT'"
check "the console log's lines end without a stray ?" sh -c "! grep -q '?\$' '$T_OUT'"

# the menu and a serial console, on a pty, as a person types
cat >"$STATE/menu.py" <<'PY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "demo", "console", "alice"])
buf = b""
def wait_for(s, t=30, since=0):
    global buf
    end = time.time() + t
    while time.time() < end:
        if s.encode() in buf[since:]:
            return True
        if select.select([fd], [], [], 0.2)[0]:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return False
            if not d:
                return False
            buf += d
    return s.encode() in buf[since:]
def step(name, send, want):
    since = len(buf)
    if send:
        os.write(fd, send)
    print(name, wait_for(want, since=since))
step("pick", b"", "Pick a VPS")
step("menu", b"2\n", "alice-web> ")
step("attach", b"console\n", "Serial console of alice-web")
# what is typed before the relay made the terminal raw is flushed (as
# any terminal program does): press Enter until the guest answers
for i in range(10):
    since = len(buf)
    os.write(fd, b"\r")
    if wait_for("alice-web login: ", 2, since):
        break
print("login", "alice-web login: ".encode() in buf[since:])
step("password", b"root\r", "Password: ")
step("shell", b"demo\r", "root@alice-web:~# ")
step("uname", b"uname -a\r", "Linux alice-web")
step("left", b"\x1d", "Left the serial console")
step("q", b"q\n", "Bye.")
_, st = os.waitpid(pid, 0)
print("exit", os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1)
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "demo", "console", "carol"])
buf = b""
step("carol", b"", "Pick a VPS")
step("ctrl-c", b"\x03", "Bye.")
_, st = os.waitpid(pid, 0)
print("ctrl-c exit", os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1)
PY
timeout 120 python3 "$STATE/menu.py" "$HANGAR" >"$STATE/menu.out" 2>&1
cp "$D/consoles/alice-web.log" "$STATE/alice-web.log"
diag "$(cat "$STATE/menu.out")"
for s in pick menu attach login password shell uname left q; do
	check "menu: $s" grep -qx "$s True" "$STATE/menu.out"
done
check "q leaves the menu with exit 0" grep -qx "exit 0" "$STATE/menu.out"
check "Ctrl-C at a prompt says Bye. and exits 0" sh -c \
    "grep -qx 'ctrl-c True' '$STATE/menu.out' && grep -qx 'ctrl-c exit 0' '$STATE/menu.out'"

# the health replay: one controller incident, its mail
check "the replay's controller incident lost 4 disks and md0" \
    grep -q "inc-2 update, critical: controller 0000:03:00.0 (mpt3sas) lost 4 disks; md0 FAILED" "$out"
mail=$(sed -n 's/^  less //p' "$out")
check "its mail is where the demo says" sh -c \
    "[ -f '$mail' ] && grep -q '^Subject: .*CRITICAL: controller' '$mail'"

# the cycle: done, run again says what to do next
run 4 cycle-again "$HANGAR" maint run --wait
check "a cycle run twice says how to plan the next one" \
    grep -q "already done; to patch again, plan a new one: maint plan XSA-213" "$T_ERR"
run 0 report-json "$HANGAR" --json maint report
check "the JSON report counts windows from 1, as the tables" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert sorted(h["window"] for h in r["hosts"]) == [1, 2, 3], r["hosts"]
assert min(s["window"] for s in r["steps"]) == 1
t = r["timeline"]
assert [b["label"] for b in t["bands"]] == ["window 1", "window 2", "window 3"]
# 3 hosts, the 6 VPSes of the demo and dave-web, rolling forward: each
# moved to a host already patched (twice where the fleet has no room to
# start the roll), a pause a move
assert len(t["lanes"]) == 10, len(t["lanes"])
moves = {g["guest"]: g["moves"] for g in r["guests"]}
assert all(g["action"] == "live-migrate" and g["moves"] >= 1 and
           g["ended_on"] != g["host"] or g["moves"] == 2 for g in r["guests"]), r["guests"]
pauses = [l for l in t["lanes"] if l["bar"] == "pause"]
assert len(pauses) == 7 and all(len(l["spans"]) == moves[l["label"].split()[0]]
                                for l in pauses), pauses
print(sum(moves.values()), file=open(sys.argv[2], "w"))
' "$T_OUT" "$STATE/pauses"

# the pages: the status page and the cycle's own, tidy and drawn
check "the status page has the cycle's timeline" \
    grep -q '<svg class="timeline"' "$D/status/index.html"
check "maint report --html wrote the cycle's page with its timeline" \
    grep -q '<svg class="timeline"' "$D/cycle.html"
for p in "$D/status/index.html" "$D/cycle.html"; do
	check "tidy -errors -q finds nothing in $(basename "$p")" sh -c \
	    "tidy -errors -q '$p' >'$STATE/tidy.out' 2>&1 && ! test -s '$STATE/tidy.out'"
	diag "$(cat "$STATE/tidy.out")"
done
timeout 300 python3 "$HANGAR_SRC/tests/e2e/page_check.py" "$D/status/index.html" \
    "${KEEP_PNG:-$STATE}" "$(cat "$STATE/pauses" 2>/dev/null || echo 0)" >"$STATE/page.tap" 2>&1
while read -r l; do
	case $l in
	"ok "*) ok "page: ${l#ok * - }" ;;
	"not ok "*) not_ok "page: ${l#not ok * - }" ;;
	"1.."*) ;;	# the plan is ours
	"#"*) echo "$l" ;;
	*) diag "$l" ;;
	esac
done <"$STATE/page.tap"
grep -q '^1\.\.[1-9]' "$STATE/page.tap" || not_ok "page_check.py ran to its end"

# --stop in a folder that is not a demo's (HANGAR_STATE may name a real
# one): refused, and its daemon left alone
mkdir "$STATE/real"
sleep 300 &
sleeper=$!
EXTRA_CLEANUP="stop_demo; kill $sleeper 2>/dev/null"
echo "$sleeper" >"$STATE/real/hangard.pid"
run 1 stop-real env HANGAR_STATE="$STATE/real" "$HANGAR" demo --stop
check "--stop refuses a folder that is not a demo's" grep -q "not a demo" "$T_ERR"
check "and leaves its daemon running" kill -0 "$sleeper"
kill "$sleeper"

# stop: nothing left behind
run 0 stop "$HANGAR" demo --stop
check "--stop stopped hangard and the consoles" sh -c \
    "grep -q 'hangard' '$T_OUT' && grep -q 'guest consoles' '$T_OUT'"
check "--stop leaves no pid file" sh -c "! ls '$D'/*.pid 2>/dev/null"
check "--stop leaves no console pty link" sh -c \
    "! find '$D/consoles' -type l | grep -q ."
cd / || exit 1
done_testing
