#!/bin/bash
# t0410-console-qemu: the serial console through a real OpenSSH sshd and
# hangar-console's menu on a real QEMU guest (TCG, libvirt's embedded
# driver, the Debian installer kernel with console=ttyS0).  A customer
# logs in with an SSH key (ssh in a tmux pseudo-terminal), powers the VPS
# on, attaches, sees the installer's first dialog, leaves with "~.", and
# finds the dialog again in the console log.  The same run uses the
# non-interactive commands over ssh and proves a second customer cannot
# reach that VPS.  TAP output.  Needs root; skip with HANGAR_SKIP_QEMU=1.
set -u

B=${HANGAR_BUILD:?set HANGAR_BUILD to the build folder}
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64

skip() { echo "1..0 # SKIP $*"; exit 0; }
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip "needs root: creates a user, runs QEMU"
[ -r "$DI/linux" ] || skip "no debian-installer-12-netboot-amd64"
S=${HANGAR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
for p in qemu-system-x86_64 tmux useradd ssh ssh-keygen /usr/sbin/sshd; do
	command -v "$p" >/dev/null 2>&1 || skip "$p is not installed"
done

T=$(mktemp -d /tmp/hangar-console-qemu.XXXXXX) || exit 1
chmod 755 "$T"
ST=$T/state
root=$ST/libvirt
UQ=hcq$$
UR=hcr$$	# a second customer
hangard_pid=
sshd_pid=
TMUX_SOCK=$T/tmux.sock

cleanup() {
	tmux -S "$TMUX_SOCK" kill-server >/dev/null 2>&1
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	if [ -n "$hangard_pid" ]; then
		H guest destroy di1 >/dev/null 2>&1
		H guest delete di1 --force >/dev/null 2>&1
		kill "$hangard_pid" 2>/dev/null
		wait "$hangard_pid" 2>/dev/null
	fi
	for p in "$root"/run/qemu/*.pid; do	# the guests', not driver.pid
		[ "${p##*/}" != driver.pid ] && [ -f "$p" ] &&
		    kill -9 "$(cat "$p")" 2>/dev/null
	done
	userdel -r "$UQ" >/dev/null 2>&1
	userdel -r "$UR" >/dev/null 2>&1
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
	for l in "$@"; do printf '%s\n' "$l" | tail -20 | sed 's/^/#   /'; done
}
bail() { echo "Bail out! $*"; exit 1; }
H() { "$B/hangar/hangar" -s "$ST" "$@"; }

mkdir -m 755 "$ST"
mkdir -p "$root/etc"
# as root: no virtlogd, QEMU runs as root, the installer files untouched
cat >"$root/etc/qemu.conf" <<'EOF'
stdio_handler = "file"
user = "root"
group = "root"
dynamic_ownership = 0
EOF
mkdir -m 755 "$T/keys"
printf 'keys_dir = %s\n' "$T/keys" >"$T/hangard.conf"
"$B/hangard/hangard" -d -f "$T/hangard.conf" -s "$ST" >"$T/hangard.log" 2>&1 &
hangard_pid=$!
for _ in $(seq 100); do
	[ -S "$ST/hangard.sock" ] && break
	sleep 0.1
done
[ -S "$ST/hangard.sock" ] || bail "hangard did not start"

H host add qemu1 --uri "qemu:///embed?root=$root" --accel tcg \
    --disk 100G --disk-kind ssd >/dev/null || bail "host add"
# hangar makes the accounts (group hangar-customers) and their key files
H customer add carol --create-user --user "$UQ" >/dev/null ||
    bail "customer add carol"
H customer add dave --create-user --user "$UR" >/dev/null ||
    bail "customer add dave"
# sshd without PAM refuses a locked account ('!') even for keys
usermod -p '*' "$UQ" && usermod -p '*' "$UR" || bail "usermod"
ssh-keygen -q -t ed25519 -N '' -f "$T/key-carol" || bail "key"
ssh-keygen -q -t ed25519 -N '' -f "$T/key-dave" || bail "key"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || bail "host key"
H customer key add carol "$T/key-carol.pub" >/dev/null || bail "key add"
H customer key add dave "$T/key-dave.pub" >/dev/null || bail "key add"
H guest create di1 --owner carol --plan small --host qemu1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    >/dev/null || bail "guest create"

H guest create dave1 --owner dave --plan micro --host qemu1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    >/dev/null || bail "guest create dave1"

# ---- a real sshd on 127.0.0.1 with the shipped snippet ----
[ -d /run/sshd ] || mkdir -m 755 /run/sshd
cp "$B/console/hangar-console" "$T/hangar-console"
chmod 755 "$T/hangar-console"
PORT=$(python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
	printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\n' \
	    "$PORT" "$T/hostkey" "$T/sshd.pid"
	printf 'StrictModes no\nUsePAM no\nPermitRootLogin no\n'
	sed -e "s|/usr/sbin/hangar-console -S /var/lib/hangar/hangard.sock|$T/hangar-console -S $ST/hangard.sock|" \
	    -e "s|AuthorizedKeysFile /etc/hangar/keys/%u|AuthorizedKeysFile $T/keys/%u|" \
	    "$S/console/sshd_config.hangar"
} >"$T/sshd_config"
/usr/sbin/sshd -D -f "$T/sshd_config" -E "$T/sshd.log" &
sshd_pid=$!
SSH="ssh -F /dev/null -p $PORT -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5"
for _ in $(seq 50); do
	$SSH -i "$T/key-carol" "$UQ@127.0.0.1" list >/dev/null 2>&1 && break
	sleep 0.1
done
out=$($SSH -i "$T/key-carol" "$UQ@127.0.0.1" list 2>&1)
if printf '%s' "$out" | grep -q "di1" && ! printf '%s' "$out" | grep -q dave1; then
	ok "over ssh, 'list' shows carol's VPS only"
else
	not_ok "over ssh, 'list' shows carol's VPS only" "$out"
fi
out=$($SSH -i "$T/key-dave" "$UR@127.0.0.1" status di1 2>&1) && rc=0 || rc=$?
if [ "$rc" = 3 ] && printf '%s' "$out" | grep -q "no such VPS"; then
	ok "over ssh, the second customer cannot reach carol's VPS (exit 3)"
else
	not_ok "over ssh, the second customer cannot reach carol's VPS" "rc=$rc" "$out"
fi
out=$($SSH -i "$T/key-dave" "$UR@127.0.0.1" console di1 2>&1) && rc=0 || rc=$?
if [ "$rc" = 3 ]; then
	ok "over ssh, nor its serial console (exit 3)"
else
	not_ok "over ssh, nor its serial console" "rc=$rc" "$out"
fi

tm() { tmux -S "$TMUX_SOCK" "$@"; }
screen() { tm capture-pane -p -J -S -2000 -t menu; }
count() { screen | grep -cF -- "$1"; }
wait_for() {	# wait_for TEXT MIN SECONDS
	for _ in $(seq $(($3 * 5))); do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
# step DESC TEXT SECONDS INPUT [ENTER]: types INPUT, waits for one more TEXT
step() {
	local desc=$1 text=$2 secs=$3 before
	before=$(count "$text")
	tm send-keys -t menu -l "$4"
	[ "${5:-Enter}" = Enter ] && tm send-keys -t menu Enter
	if wait_for "$text" $((before + 1)) "$secs"; then
		ok "$desc"
	else
		not_ok "$desc" "$(screen | tail -20)"
	fi
}

t0=$(date +%s)
# -e none: '~.' goes to hangar-console, not to the ssh client
tm new-session -d -s menu -x 100 -y 30 \
    "$SSH -tt -e none -i $T/key-carol $UQ@127.0.0.1" \; \
    set-option -t menu remain-on-exit on
if wait_for "VPS di1:" 1 20; then
	ok "one VPS: the menu opens on it"
else
	not_ok "one VPS: the menu opens on it" "$(screen)"
fi
step "2 powers the VPS on" "di1: running" 60 "2"
step "6 attaches to the serial console" "Serial console of di1" 20 "6"
if wait_for "Select a language" 1 240; then
	ok "the installer's first dialog arrives ($(( $(date +%s) - t0 )) s)"
else
	not_ok "the installer's first dialog arrives" "$(screen | tail -20)"
fi
step "~. leaves the console" "Left the serial console of di1" 30 "~." none
step "back in the menu" "di1> " 10 ""
step "7 shows the console log with the dialog" "Select a language" 20 "7"
step "4 forces it off" "di1: shutoff" 60 "4"
step "12 leaves" "Bye." 10 "12"
out=$($SSH -i "$T/key-carol" "$UQ@127.0.0.1" logview di1 2>&1)
if printf '%s' "$out" | grep -q "Select a language"; then
	ok "over ssh, 'logview di1' has the dialog too"
else
	not_ok "over ssh, 'logview di1' has the dialog too" "$(printf '%s' "$out" | tail -5)"
fi

echo "1..$n"
[ $failed = 0 ]
