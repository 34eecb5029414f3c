#!/bin/bash
# t0410-console-qemu: the serial console through hangar-console's menu on
# a real QEMU guest (TCG, libvirt's embedded driver, the Debian installer
# kernel with console=ttyS0).  A customer (a unix user of its own, running
# the built hangar-console in a tmux pseudo-terminal) powers the VPS on,
# attaches, sees the installer's first dialog, leaves with "~.", and finds
# the dialog again in the console log.  TAP output.  Needs root; skip
# with HANGAR_SKIP_QEMU=1.
set -u

B=${HANGAR_BUILD:?set HANGAR_BUILD to the build folder}
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64

skip() { echo "1..0 # SKIP $*"; exit 0; }
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip "needs root: creates a user, runs QEMU"
[ -r "$DI/linux" ] || skip "no debian-installer-12-netboot-amd64"
for p in qemu-system-x86_64 tmux setpriv useradd; do
	command -v "$p" >/dev/null 2>&1 || skip "$p is not installed"
done

T=$(mktemp -d /tmp/hangar-console-qemu.XXXXXX) || exit 1
chmod 755 "$T"
ST=$T/state
root=$ST/libvirt
UQ=hcq$$
hangard_pid=
TMUX_SOCK=$T/tmux.sock

cleanup() {
	tmux -S "$TMUX_SOCK" kill-server >/dev/null 2>&1
	if [ -n "$hangard_pid" ]; then
		H guest destroy di1 >/dev/null 2>&1
		H guest delete di1 --force >/dev/null 2>&1
		kill "$hangard_pid" 2>/dev/null
		wait "$hangard_pid" 2>/dev/null
	fi
	for p in "$root"/run/qemu/*.pid; do
		[ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	userdel "$UQ" >/dev/null 2>&1
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
"$B/hangard/hangard" -d -s "$ST" >"$T/hangard.log" 2>&1 &
hangard_pid=$!
for _ in $(seq 100); do
	[ -S "$ST/hangard.sock" ] && break
	sleep 0.1
done
[ -S "$ST/hangard.sock" ] || bail "hangard did not start"

useradd -M -d "$T" -s /bin/sh -p '*' "$UQ" || bail "useradd"
H host add qemu1 --uri "qemu:///embed?root=$root" --accel tcg \
    --disk 20G --disk-kind ssd >/dev/null || bail "host add"
H customer add carol --user "$UQ" >/dev/null || bail "customer add"
H guest create di1 --owner carol --plan small --host qemu1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    >/dev/null || bail "guest create"

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
tm new-session -d -s menu -x 100 -y 30 \
    "setpriv --reuid=$(id -u "$UQ") --regid=$(id -g "$UQ") --clear-groups \
    env -i TERM=xterm $B/console/hangar-console -S $ST/hangard.sock" \; \
    set-option -t menu remain-on-exit on
if wait_for "VPS di1:" 1 10; then
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
step "~. leaves the console" "Left the serial console of di1" 10 "~." none
step "back in the menu" "di1> " 10 ""
step "7 shows the console log with the dialog" "Select a language" 20 "7"
step "4 forces it off" "di1: shutoff" 60 "4"
step "11 leaves" "Bye." 10 "11"

echo "1..$n"
[ $failed = 0 ]
