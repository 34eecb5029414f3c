#!/bin/bash
# t0400-console-ssh: hangar-console end to end, through a real OpenSSH
# sshd on 127.0.0.1 configured with the shipped snippet
# (console/sshd_config.hangar), a private hangard on libvirt's test
# driver, and two unix users mapped to two customers.  Checks the
# non-interactive commands over ssh, the menu through a pseudo-terminal
# (tmux), and that alice can neither see nor act on bob's VPS, over ssh
# or by writing JSON straight to hangard's socket as her own uid.
# TAP output.  Needs root (useradd, sshd); skipped otherwise.
set -u

B=${HANGAR_BUILD:?set HANGAR_BUILD to the build folder}
S=${HANGAR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root: creates users and runs sshd"
	exit 0
fi
for p in /usr/sbin/sshd ssh ssh-keygen tmux python3 setpriv useradd; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "1..0 # SKIP $p is not installed"
		exit 0
	fi
done

T=$(mktemp -d /tmp/hangar-console-e2e.XXXXXX) || exit 1
chmod 755 "$T"
ST=$T/state
suffix=$$
UA=hca$suffix
UB=hcb$suffix
UC=hcc$suffix	# in the group, but no hangar customer
GRP=hcg$suffix
hangard_pid=
sshd_pid=
TMUX_SOCK=$T/tmux.sock

cleanup() {
	for cm in "$T"/cm-*; do
		[ -S "$cm" ] && ssh -F /dev/null -o "ControlPath=$cm" \
		    -O exit x@127.0.0.1 >/dev/null 2>&1
	done
	tmux -S "$TMUX_SOCK" kill-server >/dev/null 2>&1
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	[ -n "$hangard_pid" ] && kill "$hangard_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && wait "$sshd_pid" 2>/dev/null
	[ -n "$hangard_pid" ] && wait "$hangard_pid" 2>/dev/null
	userdel "$UA" >/dev/null 2>&1
	userdel "$UB" >/dev/null 2>&1
	userdel "$UC" >/dev/null 2>&1
	groupdel "$GRP" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	shift
	for l in "$@"; do printf '#   %s\n' "$l" | head -20; done
}
bail() { echo "Bail out! $*"; exit 1; }

H() { "$B/hangar/hangar" -s "$ST" "$@"; }

# ---- a private hangard with a test-driver host and three VPSes ----
mkdir -m 755 "$ST" "$T/keys"
cat >"$T/node.xml" <<'EOF'
<node>
  <cpu><mhz>2400</mhz><model>x86_64</model><active>8</active>
    <nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads>
  </cpu>
  <memory>33554432</memory>
</node>
EOF
# hangard writes the customers' key files here (hangar customer key add)
printf 'keys_dir = %s\n' "$T/keys" >"$T/hangard.conf"
start_hangard() {
	"$B/hangard/hangard" -d -f "$T/hangard.conf" -s "$ST" \
	    >>"$T/hangard.log" 2>&1 &
	hangard_pid=$!
	for _ in $(seq 100); do
		H plan list >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
start_hangard || bail "hangard did not start: $(tail -5 "$T/hangard.log")"

groupadd "$GRP" || bail "groupadd"
# '*' (not '!'): sshd without PAM refuses locked accounts even for keys
useradd -M -d "$T" -s /bin/sh -p '*' -G "$GRP" "$UA" || bail "useradd $UA"
useradd -M -d "$T" -s /bin/sh -p '*' -G "$GRP" "$UB" || bail "useradd $UB"
useradd -M -d "$T" -s /bin/sh -p '*' -G "$GRP" "$UC" || bail "useradd $UC"

H host add h1 --uri "test://$T/node.xml" --disk 1T --disk-kind ssd \
    >/dev/null || bail "host add"
H customer add alice --user "$UA" >/dev/null || bail "customer add alice"
H customer add bob --user "$UB" >/dev/null || bail "customer add bob"
H guest create alice-web --owner alice --plan small --host h1 --start \
    >/dev/null || bail "guest create alice-web"
H guest create alice-db --owner alice --plan micro --host h1 \
    >/dev/null || bail "guest create alice-db"
H guest create bob-vpn --owner bob --plan micro --host h1 --start \
    >/dev/null || bail "guest create bob-vpn"
BOB_UUID=$(H --json guest show bob-vpn | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["uuid"])') ||
    bail "no uuid for bob-vpn"

# ---- sshd with its own keys, port and the shipped snippet ----
# sshd's privilege separation directory (systemd's tmpfiles makes it at
# boot); left in place: another sshd on the machine may be using it
[ -d /run/sshd ] || mkdir -m 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || bail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$T/key-alice" || bail "alice key"
ssh-keygen -q -t ed25519 -N '' -f "$T/key-bob" || bail "bob key"
H customer key add alice "$T/key-alice.pub" >/dev/null || bail "key add alice"
H customer key add bob "$T/key-bob.pub" >/dev/null || bail "key add bob"
# a user of the group who is no customer: a key file by hand
cp "$T/key-bob.pub" "$T/keys/$UC"
chmod 644 "$T/keys/$UC"
if grep -q '^restrict,pty ssh-ed25519 ' "$T/keys/$UA"; then
	ok "hangard wrote alice's key file (restrict,pty)"
else
	not_ok "hangard wrote alice's key file (restrict,pty)" "$(cat "$T/keys/$UA" 2>&1)"
fi
PORT=$(python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CONSOLE="$B/console/hangar-console -S $ST/hangard.sock"
{
	cat <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
# the keys live under /tmp, which is world-writable
StrictModes no
Subsystem sftp internal-sftp
UsePAM no
PermitRootLogin no
AllowGroups $GRP
LogLevel VERBOSE
EOF
	sed -e "s|^Match Group hangar-customers|Match Group $GRP|" \
	    -e "s|/usr/sbin/hangar-console -S /var/lib/hangar/hangard.sock|$CONSOLE|" \
	    -e "s|AuthorizedKeysFile /etc/hangar/keys/%u|AuthorizedKeysFile $T/keys/%u|" \
	    "$S/console/sshd_config.hangar"
} >"$T/sshd_config"
if grep -q "^Match Group $GRP" "$T/sshd_config" &&
    grep -q "AuthorizedKeysFile $T/keys/%u\$" "$T/sshd_config" &&
    grep -q "ForceCommand $CONSOLE\$" "$T/sshd_config" &&
    out=$(/usr/sbin/sshd -t -f "$T/sshd_config" 2>&1); then
	ok "the shipped sshd snippet is valid (sshd -t)"
else
	not_ok "the shipped sshd snippet is valid (sshd -t)" "$out"
fi
/usr/sbin/sshd -D -f "$T/sshd_config" -E "$T/sshd.log" &
sshd_pid=$!

sshc() {	# sshc KEY USER COMMAND...
	local key=$1 user=$2
	shift 2
	# one connection per user, a new session (and console) per command
	ssh -F /dev/null -p "$PORT" -i "$T/key-$key" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -o ConnectTimeout=5 -o ControlMaster=auto \
	    -o "ControlPath=$T/cm-%r" -o ControlPersist=120 \
	    "$user@127.0.0.1" "$@"
}
alice() { sshc alice "$UA" "$@"; }
bob() { sshc bob "$UB" "$@"; }

# run CMD...: sets out, err, rc
run() {
	out=$("$@" 2>"$T/err") && rc=0 || rc=$?
	err=$(cat "$T/err")
}

up=
for _ in $(seq 50); do
	if alice help >/dev/null 2>&1; then up=1; break; fi
	sleep 0.1
done
[ -n "$up" ] || bail "cannot log in over ssh: $(tail -5 "$T/sshd.log")"

# ---- non-interactive commands ----
run alice list
if [ $rc = 0 ] && grep -q '^1 *alice-db *shutoff *micro *h1' <<<"$out" &&
    grep -q '^2 *alice-web *running *small *h1' <<<"$out" &&
    ! grep -q bob <<<"$out"; then
	ok "list shows alice's VPSes and nothing else"
else
	not_ok "list shows alice's VPSes and nothing else" "rc=$rc" "$out" "$err"
fi

run alice list --json
if [ $rc = 0 ] && python3 -c 'import json, sys
v = json.loads(sys.argv[1])
assert sorted(g["name"] for g in v) == ["alice-db", "alice-web"], v
assert all(g["owner"] == "alice" for g in v), v
assert all("uuid" not in g for g in v), v' "$out"; then
	ok "list --json is JSON with alice's VPSes only"
else
	not_ok "list --json is JSON with alice's VPSes only" "rc=$rc" "$out" "$err"
fi

run alice status alice-web
if [ $rc = 0 ] && grep -q '^state: *running$' <<<"$out" &&
    grep -q '^plan: *small (1 vCPU, 1G RAM, 20G disk)$' <<<"$out" &&
    grep -q '^host: *h1$' <<<"$out" && grep -q '^uptime: ' <<<"$out"; then
	ok "status shows state, uptime, plan and host"
else
	not_ok "status shows state, uptime, plan and host" "rc=$rc" "$out" "$err"
fi

state_of() {	# state_of USER-FUNCTION VPS
	"$1" status "$2" --json 2>/dev/null | python3 -c \
	    'import json, sys; print(json.load(sys.stdin)["state"])'
}

run alice shutdown alice-web --force-after 5
if [ $rc = 0 ] && [ "$(state_of alice alice-web)" = shutoff ]; then
	ok "shutdown --force-after powers the VPS off"
else
	not_ok "shutdown --force-after powers the VPS off" "rc=$rc" "$out" "$err"
fi
run alice start alice-web
if [ $rc = 0 ] && [ "$out" = "alice-web: running" ] &&
    [ "$(state_of alice alice-web)" = running ]; then
	ok "start powers the VPS on"
else
	not_ok "start powers the VPS on" "rc=$rc" "$out" "$err"
fi
run alice reboot alice-web
if [ $rc = 0 ] && [ "$out" = "alice-web: running" ]; then
	ok "reboot"
else
	not_ok "reboot" "rc=$rc" "$out" "$err"
fi
run alice destroy alice-web
if [ $rc = 0 ] && [ "$out" = "alice-web: shutoff" ] &&
    [ "$(H --json guest show alice-web | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["state"])')" = shutoff ]; then
	ok "destroy forces the VPS off (the operator sees it too)"
else
	not_ok "destroy forces the VPS off" "rc=$rc" "$out" "$err"
fi
alice start alice-web >/dev/null 2>&1

run alice start alice-web
if [ $rc = 4 ] && [ -z "$out" ] && grep -q '^hangar-console: .*running' <<<"$err"; then
	ok "starting a running VPS: hangard's refusal, exit 4 (state)"
else
	not_ok "starting a running VPS: hangard's refusal, exit 4 (state)" "rc=$rc" "$out" "$err"
fi

# test-driver hosts have no serial console and keep no console log; the
# relay itself is tested on a real QEMU guest (tests/e2e, the lead's)
run alice console alice-web
if [ $rc != 0 ] && [ -z "$out" ] &&
    grep -q '^hangar-console: serial console: hangard refused: ' <<<"$err"; then
	ok "console: hangard's refusal is shown (exit $rc)"
else
	not_ok "console: hangard's refusal is shown" "rc=$rc" "$out" "$err"
fi
run alice logview alice-web
if [ $rc = 0 ] && [ "$out" = "The console log of alice-web is empty." ]; then
	ok "logview: an empty console log"
else
	not_ok "logview: an empty console log" "rc=$rc" "$out" "$err"
fi

run alice help
if [ $rc = 0 ] && grep -q '^  shutdown VPS \[--force-after SECONDS\]' <<<"$out" &&
    grep -q '^  install VPS IMAGE' <<<"$out" && grep -q '^  rescue VPS' <<<"$out"; then
	ok "help lists the table, install and rescue included"
else
	not_ok "help lists the table" "rc=$rc" "$out" "$err"
fi

for line in "frobnicate" "status" "list --all" "status alice-web --evil" \
    "STATUS alice-web" "sh -c id" "install alice-web" \
    "shutdown alice-web --force-after 99999" "list;id" "\$(id)"; do
	run alice "$line"
	if [ $rc = 2 ] && [ -z "$out" ] && grep -q '^hangar-console: ' <<<"$err"; then
		ok "usage error, exit 2: $line"
	else
		not_ok "usage error, exit 2: $line" "rc=$rc" "$out" "$err"
	fi
done

run bob list
if [ $rc = 0 ] && grep -q 'bob-vpn' <<<"$out" && ! grep -q alice <<<"$out"; then
	ok "bob sees his own VPS only"
else
	not_ok "bob sees his own VPS only" "rc=$rc" "$out" "$err"
fi

run timeout 10 ssh -F /dev/null -p "$PORT" -i "$T/key-alice" \
    -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -N \
    -o ExitOnForwardFailure=yes -R 127.0.0.1:0:127.0.0.1:22 "$UA@127.0.0.1"
if [ $rc != 0 ] && [ $rc != 124 ]; then
	ok "port forwarding is refused"
else
	not_ok "port forwarding is refused" "rc=$rc"
fi

run sshc bob "$UC" list
if [ $rc = 5 ] && [ -z "$out" ] && grep -q '^hangar-console: permission denied' <<<"$err"; then
	ok "a user who is no customer is refused (exit 5)"
else
	not_ok "a user who is no customer is refused (exit 5)" "rc=$rc" "$out" "$err"
fi
run $CONSOLE -c list
if [ $rc = 5 ] && grep -q 'operators use hangar(8)' <<<"$err"; then
	ok "an operator (root) is sent to hangar(8) (exit 5)"
else
	not_ok "an operator (root) is sent to hangar(8) (exit 5)" "rc=$rc" "$out" "$err"
fi
# sftp: ForceCommand wins, and "internal-sftp" is no console command
run timeout 10 ssh -F /dev/null -p "$PORT" -i "$T/key-alice" \
    -o BatchMode=yes -o StrictHostKeyChecking=no -o LogLevel=ERROR \
    -o UserKnownHostsFile=/dev/null -s "$UA@127.0.0.1" sftp </dev/null
if [ $rc = 2 ] && [ -z "$out" ]; then
	ok "the sftp subsystem ends in the console's usage error (exit 2)"
else
	not_ok "the sftp subsystem ends in the console's usage error" "rc=$rc" "$out" "$err"
fi

# ---- alice against bob's VPS: always exactly "no such VPS" ----
NSV="hangar-console: no such VPS"
long=$(printf 'bob-vpn%.0s' $(seq 12))
probes=(bob-vpn BOB-VPN Bob-vpn bob-VPN "$BOB_UUID" 1 2 3 0 -1
    $'b\xd0\xbeb-vpn' $'bob\xe2\x80\x90vpn' $'bob-vpn\xc2\xa0'
    $'\xef\xbd\x82ob-vpn' $'bob-vpn\x1b[2J' $'bob-vpn\x07' $'\x1b]0;x\x07'
    $'bob-vpn\x7f' -bob-vpn --bob-vpn --name=bob-vpn ../bob-vpn
    bob-vpn/.. "/$ST/bob-vpn" "'bob-vpn'" '"bob-vpn"' 'bob-vpn\'
    'bob*' 'bob-vp?' "$long" nosuchvps)
# every probe with two actions; bob's name and a few variants with all
short=(bob-vpn BOB-VPN "$BOB_UUID" 3 $'b\xd0\xbeb-vpn' $'bob-vpn\x1b[2J'
    -bob-vpn ../bob-vpn "$long")
bad=0
tries=0
for cmd in status start shutdown destroy reboot console logview; do
	case $cmd in
	status|destroy) list=("${probes[@]}") ;;
	*) list=("${short[@]}") ;;
	esac
	for p in "${list[@]}"; do
		tries=$((tries + 1))
		run alice "$cmd $p"
		if [ $rc != 3 ] || [ -n "$out" ] || [ "$err" != "$NSV" ]; then
			bad=$((bad + 1))
			[ $bad -le 5 ] && echo "# $cmd $(printf %q "$p"): rc=$rc out=$(printf %q "$out") err=$(printf %q "$err")"
		fi
	done
done
if [ $bad = 0 ]; then
	ok "alice: $tries tries at bob's VPS (7 actions) all answer exactly '$NSV' (exit 3)"
else
	not_ok "alice: every probe of bob's VPS answers '$NSV' ($bad did not)"
fi
run alice status bob-vpn --json
if [ $rc = 3 ] && [ -z "$out" ] && [ "$err" = "$NSV" ]; then
	ok "status bob-vpn --json: no such VPS"
else
	not_ok "status bob-vpn --json: no such VPS" "rc=$rc" "$out" "$err"
fi
run alice shutdown bob-vpn --force-after 1
if [ $rc = 3 ] && [ -z "$out" ] && [ "$err" = "$NSV" ]; then
	ok "shutdown bob-vpn --force-after: no such VPS"
else
	not_ok "shutdown bob-vpn --force-after: no such VPS" "rc=$rc" "$out" "$err"
fi

# over-long input: refused before any lookup, the same for any name
pad=$(printf '%300s' '')
run alice "status bob-vpn$pad"; a="$rc|$out|$err"
run alice "status nosuchvps$pad"; b="$rc|$out|$err"
if [ "$a" = "$b" ] && [ $rc = 2 ] && grep -q 'input too long' <<<"$err"; then
	ok "over-long input is refused the same way for bob's VPS and no VPS"
else
	not_ok "over-long input is refused the same way" "$a" "$b"
fi

if [ "$(state_of bob bob-vpn)" = running ]; then
	ok "bob's VPS is still running after alice's tries"
else
	not_ok "bob's VPS is still running after alice's tries"
fi

# ---- raw JSON on hangard's socket as alice's uid ----
cat >"$T/raw.py" <<'EOF'
import json, socket, sys
sock, bob_uuid = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
f = s.makefile("rw")
n = 0
def call(method, params):
    global n
    n += 1
    f.write(json.dumps({"id": n, "method": method, "params": params}) + "\n")
    f.flush()
    return json.loads(f.readline())
def check(desc, cond, reply):
    print(("PASS " if cond else "FAIL ") + desc +
          ("" if cond else ": " + json.dumps(reply)))
r = call("hello", {"version": 1, "customer": "bob"})
check("hello cannot claim another customer", r["ok"] is False, r)
r = call("hello", {"version": 1})
check("hello: alice is a customer", r.get("result", {}).get("customer") ==
      "alice" and r["result"]["role"] == "customer", r)
NSV = {"code": "notfound", "message": "no such VPS"}
names = ["bob-vpn", "BOB-VPN", bob_uuid, "3", "../bob-vpn", "b\u043eb-vpn",
         "-bob-vpn", "bob-vpn" * 9, "nosuchvps"]
# bytes hangard's protocol refuses outright: judged against a name that
# does not exist at all, the answer must be the same
raw = ["bob-vpn\u0000", "bob-vpn\u001b[2J", "bob-vpn\u0085"]
for m in ["guest.show", "guest.start", "guest.shutdown", "guest.destroy",
          "guest.reboot"]:
    for name in names:
        r = call(m, {"name": name})
        check("%s %r: no such VPS" % (m, name),
              r["ok"] is False and r["error"] == NSV, r)
    for name in raw:
        a = call(m, {"name": name})
        b = call(m, {"name": name.replace("bob-vpn", "nosuchvps")})
        check("%s %r: as for no VPS" % (m, name), a["ok"] is False and
              a["error"] == b["error"], [a, b])
r = call("guest.shutdown", {"name": "bob-vpn", "force_after": 1})
check("guest.shutdown bob-vpn force_after: no such VPS",
      r["ok"] is False and r["error"] == NSV, r)
r = call("guest.list", {"owner": "bob"})
check("guest.list owner=bob lists alice's own only", r["ok"] and
      sorted(g["name"] for g in r["result"]) == ["alice-db", "alice-web"], r)
r = call("guest.list", {"host": "h1"})
check("guest.list host=h1 lists alice's own only", r["ok"] and
      all(g["owner"] == "alice" for g in r["result"]), r)
a = call("guest.delete", {"name": "bob-vpn"})
b = call("guest.delete", {"name": "nosuchvps"})
check("guest.delete is refused, the same for any name",
      a["ok"] is False and a["error"] == b["error"] and
      a["error"]["code"] == "perm", a)
r = call("customer.show", {"name": "bob"})
check("customer.show is refused", r["ok"] is False and
      r["error"]["code"] == "perm", r)
EOF
# the system's python3: a root-only one (pyenv) may come first in PATH
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
raw=$(setpriv --reuid="$(id -u "$UA")" --regid="$(id -g "$UA")" \
    --clear-groups "$PY" "$T/raw.py" "$ST/hangard.sock" "$BOB_UUID" 2>&1)
if [ -n "$raw" ] && ! grep -qv '^PASS ' <<<"$raw"; then
	ok "raw JSON as alice's uid: $(grep -c '^PASS' <<<"$raw") checks, none reaches bob's VPS"
else
	not_ok "raw JSON as alice's uid cannot reach bob's VPS" \
	    "$(grep -v '^PASS ' <<<"$raw" | head -5)"
fi

# ---- the menu, through a pseudo-terminal ----
tm() { tmux -S "$TMUX_SOCK" "$@"; }
screen() { tm capture-pane -p -J -S -1000 -t menu; }
count() { screen | grep -cF -- "$1"; }
# wait_for TEXT [MIN]: until TEXT is on screen at least MIN times (10 s)
wait_for() {
	for _ in $(seq 100); do
		[ "$(count "$1")" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}
step() {	# step DESC TEXT INPUT: types INPUT, Enter, waits for one more TEXT
	local desc=$1 text=$2 before
	before=$(count "$text")
	tm send-keys -t menu -l "$3"
	tm send-keys -t menu Enter
	if wait_for "$text" $((before + 1)); then
		ok "menu: $desc"
	else
		not_ok "menu: $desc" "$(screen | tail -15)"
	fi
}
tm new-session -d -s menu -x 150 -y 50 \
    "ssh -F /dev/null -p $PORT -i $T/key-alice -tt -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR $UA@127.0.0.1" \; set-option -t menu remain-on-exit on
if wait_for "Pick a VPS by number or name" &&
    screen | grep -q 'alice-web' && ! screen | grep -q bob; then
	ok "menu: greets alice and lists her VPSes only"
else
	not_ok "menu: greets alice and lists her VPSes only" "$(screen | tail -15)"
fi
step "bob's VPS cannot be picked" "$NSV" "bob-vpn"
step "a Unicode variant cannot be picked" "$NSV" $'b\xd0\xbeb-vpn'
step "an over-long name cannot be picked" "$NSV" "$long"
step "picking by name shows the numbered menu" "VPS alice-web:" "alice-web"
if screen | grep -q ' 1) status ' && screen | grep -q ' 8) install ' &&
    screen | grep -q ' 9) rescue ' && screen | grep -q '12) exit '; then
	ok "menu: numbered entries, install and rescue included"
else
	not_ok "menu: numbered entries, install and rescue included" "$(screen | tail -15)"
fi
step "1 is status" "plan:    small" "1"
step "status by name" "plan:    small" "status"
step "? gives help" "Type a number or a name" "?"
step "status of bob's VPS from the menu: no such VPS" "$NSV" "status bob-vpn"
step "start of bob's VPS from the menu: no such VPS" "$NSV" "2 bob-vpn"
step "a control sequence is an unknown command" "unknown command" \
    $'\x1b[2Jstatus'
step "over-long input is refused" "input too long" \
    "status alice-web $(printf '%300s' x)"
step "11 picks another VPS" "Pick a VPS by number or name" "11"
step "picking by number" "VPS alice-db:" "1"
step "2 powers on" "alice-db: running" "2"
step "3 asks before forcing off" "Force off if it is still running" "3"
step "shut down with a 5 s force-off" "alice-db: shutoff" "5"
step "serial console shows hangard's refusal" \
    "serial console: hangard refused" "console"
if [ "$(H --json guest show alice-db | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["state"])')" = shutoff ] &&
    [ "$(state_of bob bob-vpn)" = running ]; then
	ok "menu actions reached alice-db and nothing of bob's"
else
	not_ok "menu actions reached alice-db and nothing of bob's"
fi

# a restarted hangard (its test-driver hosts start empty, hence last)
kill "$hangard_pid"
wait "$hangard_pid"
if start_hangard; then
	step "after a hangard restart: the error, then a new connection" \
	    "Connected to hangard again" "1"
	step "and the menu works again" "plan:    micro" "1"
else
	not_ok "hangard restarts" "$(tail -5 "$T/hangard.log")"
fi
step "12 leaves" "Bye." "12"
echo "1..$n"
[ $failed = 0 ]
