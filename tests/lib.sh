# Shared helpers for hangar's shell tests (TAP).  Source it first.
# The test runner sets HANGAR_BUILD and HANGAR_SRC (see tests/meson.build).
set -u
: "${HANGAR_BUILD:?set by meson test}" "${HANGAR_SRC:?set by meson test}"
HANGAR="$HANGAR_BUILD/hangar/hangar"
HANGARD="$HANGAR_BUILD/hangard/hangard"
GOLDEN="$HANGAR_SRC/tests/golden"
t_n=0
t_failed=0
HPID=""
STATE=""

ok() { t_n=$((t_n + 1)); echo "ok $t_n - $*"; }
not_ok() { t_n=$((t_n + 1)); t_failed=$((t_failed + 1)); echo "not ok $t_n - $*"; }
# check DESC COMMAND...: ok if COMMAND succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$t_n"; [ "$t_failed" -eq 0 ]; }
diag() { echo "$*" | sed 's/^/# /'; }

cleanup() {
	if [ -n "$HPID" ] && kill -0 "$HPID" 2>/dev/null; then
		kill "$HPID"
		i=0
		while kill -0 "$HPID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$HPID" 2>/dev/null
	fi
	HPID=""
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	[ -n "$STATE" ] && [ -z "${KEEP_STATE:-}" ] && rm -rf "$STATE"
	return 0
}
trap cleanup EXIT INT TERM

# A fresh state folder, traversable by other users (the socket is theirs too).
state_new() {
	STATE=$(mktemp -d /tmp/hangar-test.XXXXXX)
	chmod 755 "$STATE"
}

# Starts hangard on STATE (extra arguments are passed on); waits for it.
hangard_start() {
	"$HANGARD" -d -s "$STATE" "$@" >>"$STATE/hangard.log" 2>&1 &
	HPID=$!
	i=0
	while [ $i -lt 200 ]; do
		[ -S "$STATE/hangard.sock" ] && "$HANGAR" -s "$STATE" plan list \
		    >/dev/null 2>&1 && return 0
		kill -0 "$HPID" 2>/dev/null || break
		sleep 0.05; i=$((i + 1))
	done
	diag "hangard did not start:"; diag "$(cat "$STATE/hangard.log")"
	return 1
}

hangard_stop() {
	kill "$HPID" 2>/dev/null
	wait "$HPID"
	rc=$?
	HPID=""
	return $rc
}

h() { "$HANGAR" -s "$STATE" "$@"; }

# node_xml NAME CPUS RAM_GIB: a libvirt test-driver host in STATE/NAME.xml
node_xml() {
	cat >"$STATE/$1.xml" <<XML
<node>
  <cpu><mhz>2400</mhz><model>x86_64</model><active>$2</active><nodes>1</nodes><sockets>1</sockets><cores>$2</cores><threads>1</threads></cpu>
  <memory>$(($3 * 1024 * 1024))</memory>
${4:-}
</node>
XML
	echo "test://$STATE/$1.xml"
}

# run EXPECTED_RC NAME CMD...: runs CMD, keeps stdout in $T_OUT and
# stderr in $T_ERR, and checks the exit status.
run() {
	want=$1; name=$2; shift 2
	T_OUT="$STATE/$name.out"; T_ERR="$STATE/$name.err"
	"$@" >"$T_OUT" 2>"$T_ERR"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name: exit $want"
	else
		not_ok "$name: exit $got, wanted $want"
		diag "stdout: $(cat "$T_OUT")"; diag "stderr: $(cat "$T_ERR")"
	fi
}

# golden NAME FILE: FILE (normalized) equals tests/golden/cli/NAME
normalize() {
	sed -e "s#$STATE#STATE#g" \
	    -e 's/[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}/UUID/g' \
	    -e 's/[0-9]*[mhd][0-9][0-9][smh]\( *\)$/UPTIME\1/' \
	    -e 's/\(uptime_s *\)[0-9]*/\1N/' "$1"
}
golden() {
	g="$GOLDEN/cli/$1"
	if [ -n "${HANGAR_UPDATE_GOLDEN:-}" ]; then
		normalize "$2" >"$g"
	fi
	if normalize "$2" | diff -u "$g" - >"$STATE/diff" 2>&1; then
		ok "$1 matches its golden file"
	else
		not_ok "$1 differs from tests/golden/cli/$1"
		diag "$(cat "$STATE/diff")"
	fi
}

# libvirtd_start N test|qemu: an unprivileged libvirtd (as nobody) in
# STATE/lvN with its own socket, libvirtd's own pid in STATE/lvN/pid; sets
# URI to test+unix:///default?socket=... or qemu+unix:///session?socket=...
# Call it in the test's shell, not in $(...): a subshell would run the
# cleanup trap.  Needs root.
#
# The start itself is the shell function below, written once and also
# copied into the hook that restart_hook writes.  The daemon must be the
# process whose pid is kept: cd and the environment come before the '&',
# so $! is setpriv, which execs libvirtd.  (With `(cd D && ... &)` the
# whole list went to the background and $! was a subshell's: a "reboot"
# that killed it left the old daemon running and the new one unable to
# bind its socket.)
LIBVIRTD_SPAWN='libvirtd_spawn() {
	cd "$1" || return 1
	HOME="$1/home" XDG_RUNTIME_DIR="$1/run" XDG_CONFIG_HOME="$1/config" \
	    XDG_CACHE_HOME="$1/cache" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups /usr/sbin/libvirtd >>"$1/log" 2>&1 </dev/null &
	echo $! >"$1/pid"
	cd - >/dev/null
}'
eval "$LIBVIRTD_SPAWN"

# restart_hook FILE [SNIPPET]: writes a patch hook that "reboots" host hN
# by killing the libvirtd of libvirtd_start N, waiting until it is gone,
# and starting a new one; SNIPPET (shell, $1 is the host) runs first.
# Each reboot appends "HOST OLDPID NEWPID" to STATE/restarts (or "HOST
# OLDPID stuck", failing the hook, if the old daemon would not die);
# check_restarts asserts on them.
restart_hook() {
	{
		echo '#!/bin/sh'
		echo "echo \"\$1\" >>'$STATE/patched'"
		[ -n "${2:-}" ] && printf '%s\n' "$2"
		printf '%s\n' "$LIBVIRTD_SPAWN"
		cat <<EOF
dd="$STATE/lv\${1#h}"
old=\$(cat "\$dd/pid")
kill "\$old"
i=0
while kill -0 "\$old" 2>/dev/null && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done
if kill -0 "\$old" 2>/dev/null; then
	echo "\$1 \$old stuck" >>"$STATE/restarts"
	exit 1
fi
libvirtd_spawn "\$dd"
echo "\$1 \$old \$(cat "\$dd/pid")" >>"$STATE/restarts"
exit 0
EOF
	} >"$1"
	chmod 755 "$1"
}

# check_restarts COUNT: the hook of restart_hook rebooted hosts COUNT
# times; each time the old libvirtd was gone afterwards, and the newest
# daemon of each rebooted host is a libvirtd that runs and answers
check_restarts() {
	n=$(grep -c . "$STATE/restarts" 2>/dev/null)
	check "the hook rebooted a host $1 times (got ${n:-0})" test "${n:-0}" -eq "$1"
	bad=""
	while read -r host old new; do
		[ "$new" = stuck ] && bad="$bad $host:$old-stuck"
		[ "$(cat "/proc/$old/comm" 2>/dev/null)" = libvirtd ] &&
		    bad="$bad $host:$old-alive"
	done <"$STATE/restarts"
	check "every rebooted host's old libvirtd is gone${bad:+ (not:$bad)}" test -z "$bad"
	for host in $(awk '{ print $1 }' "$STATE/restarts" | sort -u); do
		dd="$STATE/lv${host#h}"
		pid=$(cat "$dd/pid")
		sock="$dd/run/libvirt/libvirt-sock"
		check "$host: its new libvirtd ($pid) runs and answers" sh -c "
			[ \"\$(cat /proc/$pid/comm 2>/dev/null)\" = libvirtd ] &&
			{ virsh -q -c 'qemu+unix:///session?socket=$sock' version ||
			  virsh -q -c 'test+unix:///default?socket=$sock' version; } >/dev/null 2>&1"
	done
}

# stray_domain URI NAME: defines a bare domain NAME on that host, so that
# a live migration of guest NAME to it fails as the host prepares for it
stray_domain() {
	virsh -q -c "$1" define /dev/stdin >/dev/null 2>&1 <<XML
<domain type='qemu'><name>$2</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os></domain>
XML
}

libvirtd_start() {
	dd="$STATE/lv$1"
	mkdir -p "$dd/home" "$dd/run" "$dd/config/libvirt" "$dd/cache"
	# migrations (and their NBD disk copies) get ports from a range of
	# this daemon's own, so tests running at once do not race for
	# libvirt's default 49152-49215
	mp=$((49152 + $(od -An -N2 -tu2 /dev/urandom) % 250 * 64))
	printf 'migration_port_min = %d\nmigration_port_max = %d\n' \
	    "$mp" $((mp + 63)) >"$dd/config/libvirt/qemu.conf"
	chown -R nobody:nogroup "$dd"
	chmod 700 "$dd/run"
	libvirtd_spawn "$dd"
	case $2 in
	test)	URI="test+unix:///default?socket=$dd/run/libvirt/libvirt-sock" ;;
	*)	URI="qemu+unix:///session?socket=$dd/run/libvirt/libvirt-sock" ;;
	esac
	i=0
	until virsh -q -c "$URI" version >/dev/null 2>&1 || [ $i -gt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
