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
	netlab_down
	[ -n "$STATE" ] && [ -z "${KEEP_STATE:-}" ] && rm -rf "$STATE"
	return 0
}
trap cleanup EXIT
# a signal ends the test: the EXIT trap cleans up once (a trap that only
# cleaned up let the test go on without its state)
trap 'exit 1' INT TERM

# A fresh state folder, traversable by other users (the socket is theirs too).
state_new() {
	STATE=$(mktemp -d /tmp/hangar-test.XXXXXX)
	chmod 755 "$STATE"
}

# Starts hangard on STATE (extra arguments are passed on); waits for it.
hangard_start() {
	# HANGARD_WRAP: a command it runs under (netlab: the control node)
	${HANGARD_WRAP:-} "$HANGARD" -d -s "$STATE" "$@" >>"$STATE/hangard.log" 2>&1 &
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

# daemon_replaced OLD NEW URI: the host's old daemon (pid OLD) is gone
# (exited; a zombie its parent has not reaped yet counts) and the new
# one (pid NEW) is a libvirtd that answers on URI
daemon_replaced() {
	{ ! [ -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; } &&
	    [ "$(cat "/proc/$2/comm" 2>/dev/null)" = libvirtd ] &&
	    virsh -q -c "$3" version >/dev/null 2>&1
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
	libvirtd_begin "$@"
	libvirtd_wait "$URI"
}

# libvirtd_begin N test|qemu: libvirtd_start without the wait, so that a
# QEMU daemon probes QEMU (seconds under TCG) while the test does other
# things; libvirtd_wait URI waits for it to answer.
libvirtd_begin() {
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
}
libvirtd_wait() {
	i=0
	until virsh -q -c "$1" version >/dev/null 2>&1 || [ $i -gt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# libvirtd_keep N: a host that outlives hangard: libvirtd_start N test
# (sets URI) and a keeper connection (virsh's shell, idle).  The test
# driver forgets test:///default when its last client leaves; a real
# host keeps its guests when hangard dies.  The keeper's pids are added
# to PIDS, for the test's EXTRA_CLEANUP to kill.
libvirtd_keep() {
	libvirtd_start "$1" test
	dd="$STATE/lv$1"
	# no output of theirs may stay open: the test's reader would wait
	(sleep 900 >/dev/null 2>&1 & echo $! >"$dd/keeper.pid"; wait) 2>/dev/null |
	    virsh -q -c "$URI" >/dev/null 2>&1 &
	PIDS="${PIDS:-} $!"
	i=0
	while [ ! -s "$dd/keeper.pid" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
	PIDS="$PIDS $(cat "$dd/keeper.pid" 2>/dev/null)"
}

# ---- the networked lab (netlab_*) ----
#
# Hosts that are other machines, inside this test's own sandbox: Linux
# network namespaces joined by veth pairs to a bridge in a namespace of
# its own, on 10.77.0.0/24, which exists only inside them.  Node "c" is
# the control node (10.77.0.1); host N is "hN" (10.77.0.1N).  Each node
# also has its own host name (a UTS namespace) and its own mount
# namespace, in which the lab's folders STATE/lab/NODE/... are mounted
# over /root, /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log: a host's system-mode libvirtd, its
# QEMUs, its sshd and whoever logs in to it by ssh see that host's files
# only, and nothing of the real machine's libvirt or root account is read
# or written.  A "sleep" process (the anchor, pid in NODE/anchor) holds a
# node's namespaces; netlab_exec enters them with nsenter.
#
# Each host runs sshd (keys only; its host key is pinned in the control
# node's known_hosts, ssh runs with StrictHostKeyChecking yes) and a
# libvirtd listening for TLS on 16514 with a certificate from a
# throwaway CA (certtool).  The control node's root has an ssh key and a
# client certificate (/root/pki); so does every host, for peer-to-peer
# migration.  QEMU's migration TLS credentials are in hN/qemu-pki.
# netlab_down (called by cleanup) kills every process in the namespaces
# and deletes them.  Needs root, iproute2, nsenter, certtool, sshd.
NL=""
NL_NS=""
NL_N=0
NL_NET=10.77.0
NL_DOWN_OK=""

netlab_addr() {
	case $1 in
	c)	echo "$NL_NET.1" ;;
	h*)	echo "$NL_NET.$((10 + ${1#h}))" ;;
	esac
}

# netlab_exec NODE CMD...: runs CMD in that node's namespaces
netlab_exec() {
	_a=$(cat "$NL/$1/anchor") || return 1
	shift
	nsenter -t "$_a" -n -m -u -- "$@"
}

# netlab_virsh N ARGS...: virsh on host hN itself (qemu:///system there)
netlab_virsh() {
	_n=$1
	shift
	netlab_exec "h$_n" virsh -q -c qemu:///system "$@"
}

# The libvirtd start, written once and copied into netlab_reboot_hook's
# hook: $1 is the host's folder.  $! is libvirtd's own pid (nsenter
# execs it).
NETLAB_SPAWN='netlab_spawn() {
	nsenter -t "$(cat "$1/anchor")" -n -m -u -- /usr/sbin/libvirtd \
	    --listen -f /etc/libvirt/libvirtd.conf -p "$1/libvirtd.pid" \
	    >>"$1/libvirtd.out" 2>&1 </dev/null &
	echo $! >"$1/pid"
}
netlab_wait() {
	i=0
	until nsenter -t "$(cat "$1/anchor")" -n -m -u -- virsh -q \
	    -c qemu:///system version >/dev/null 2>&1; do
		[ $i -gt 300 ] && return 1
		kill -0 "$(cat "$1/pid")" 2>/dev/null || return 1
		sleep 0.1; i=$((i + 1))
	done
}'
eval "$NETLAB_SPAWN"

# nl_cert DIR NAME TEMPLATE: a key and a certificate signed by the lab CA
nl_cert() {
	certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$1/$2-key.pem" \
	    >/dev/null 2>&1 &&
	certtool --generate-certificate --load-privkey "$1/$2-key.pem" \
	    --load-ca-certificate "$NL/ca/cacert.pem" \
	    --load-ca-privkey "$NL/ca/ca-key.pem" --template "$3" \
	    --outfile "$1/$2-cert.pem" >/dev/null 2>&1
}

# nl_ca DIR CN: a self-signed CA in DIR (cacert.pem, ca-key.pem)
nl_ca() {
	mkdir -p "$1"
	printf 'cn = %s\nca\ncert_signing_key\nexpiration_days = 2\n' "$2" \
	    >"$1/ca.info"
	certtool --generate-privkey --key-type=ecdsa --outfile "$1/ca-key.pem" \
	    >/dev/null 2>&1 &&
	certtool --generate-self-signed --load-privkey "$1/ca-key.pem" \
	    --template "$1/ca.info" --outfile "$1/cacert.pem" >/dev/null 2>&1
}

# nl_node NODE: its netns, its veth on the bridge, its address, and its
# anchor (UTS + mount namespace with the lab's folders mounted)
nl_node() {
	_d="$NL/$1"
	mkdir -p "$_d/root/.ssh" "$_d/etc" "$_d/run" "$_d/lib" "$_d/cache" \
	    "$_d/log" "$_d/empty"
	chmod 700 "$_d/root"
	ip netns add "$NL_NS$1" || return 1
	ip -n "$NL_NS$1" link set lo up
	ip -n "$NL_NS$1" link add eth0 type veth peer name "$1" \
	    netns "${NL_NS}br" || return 1
	ip -n "${NL_NS}br" link set "$1" master br0 up
	ip -n "$NL_NS$1" addr add "$(netlab_addr "$1")/24" dev eth0
	ip -n "$NL_NS$1" link set eth0 up
	# the bind mounts stay in this node's mount namespace (ip netns exec
	# makes one, a slave of the real root: nothing goes back out)
	ip netns exec "$NL_NS$1" unshare -u sh -c '
		d=$2
		hostname "$1" &&
		mount --bind "$d/root" /root &&
		mount --bind "$d/etc" /etc/libvirt &&
		mount --bind "$d/run" /run/libvirt &&
		mount --bind "$d/lib" /var/lib/libvirt &&
		mount --bind "$d/cache" /var/cache/libvirt &&
		mount --bind "$d/log" /var/log &&
		mount --bind "$3/hosts" /etc/hosts || exit 1
		# no system bus: nothing registers with the real machine
		[ -d /run/dbus ] && mount --bind "$d/empty" /run/dbus
		: >"$d/ready"
		exec sleep 2147483647' sh "$1" "$_d" "$NL" </dev/null >"$_d/anchor.log" 2>&1 &
	echo $! >"$_d/anchor"
	i=0
	until [ -f "$_d/ready" ]; do
		kill -0 "$(cat "$_d/anchor")" 2>/dev/null || return 1
		[ $i -gt 100 ] && return 1
		sleep 0.05; i=$((i + 1))
	done
}

# nl_host N: host hN's certificates, sshd and libvirtd
nl_host() {
	_h=h$1; _d="$NL/$_h"; _ip=$(netlab_addr "$_h")
	mkdir -p "$_d/pki" "$_d/root/pki" "$_d/qemu-pki" "$_d/ssh"
	printf 'cn = %s\nip_address = %s\ndns_name = %s\ntls_www_server\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
	    "$_h" "$_ip" "$_h" >"$_d/server.info"
	printf 'cn = %s\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
	    "$_h" >"$_d/client.info"
	nl_cert "$_d/pki" server "$_d/server.info" &&
	nl_cert "$_d/pki" client "$_d/client.info" || return 1
	# libvirt's client files (p2p migration from this host), QEMU's
	# migration TLS files: the same certificates, under their names
	cp "$NL/ca/cacert.pem" "$_d/pki/cacert.pem"
	cp "$NL/ca/cacert.pem" "$_d/root/pki/cacert.pem"
	cp "$_d/pki/client-cert.pem" "$_d/root/pki/clientcert.pem"
	cp "$_d/pki/client-key.pem" "$_d/root/pki/clientkey.pem"
	cp "$NL/ca/cacert.pem" "$_d/qemu-pki/ca-cert.pem"
	for f in server-cert server-key client-cert client-key; do
		cp "$_d/pki/$f.pem" "$_d/qemu-pki/$f.pem"
	done
	cat >"$_d/etc/libvirtd.conf" <<CONF
listen_tls = 1
listen_tcp = 0
listen_addr = "$_ip"
key_file = "$_d/pki/server-key.pem"
cert_file = "$_d/pki/server-cert.pem"
ca_file = "$_d/pki/cacert.pem"
tls_allowed_dn_list = ["CN=hangar-control", "CN=h*"]
auth_unix_ro = "none"
auth_unix_rw = "none"
auth_tls = "none"
unix_sock_rw_perms = "0700"
host_uuid = "$(printf '6c61620a-0000-4000-8000-%012d' "$1")"
CONF
	cat >"$_d/etc/qemu.conf" <<CONF
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migrate_tls_x509_cert_dir = "$_d/qemu-pki"
migrate_tls_x509_verify = 1
CONF
	ssh-keygen -q -t ed25519 -N '' -f "$_d/ssh/host_key" || return 1
	# the control node's key reaches libvirt and nothing else
	echo "command=\"/usr/bin/virt-ssh-helper qemu:///system\",restrict $(cat "$NL/c/root/.ssh/id_ed25519.pub")" \
	    >"$_d/root/.ssh/authorized_keys"
	cat >"$_d/ssh/sshd_config" <<CONF
ListenAddress $_ip
HostKey $_d/ssh/host_key
PidFile $_d/ssh/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
LogLevel VERBOSE
CONF
	echo "$_ip $(cut -d' ' -f1,2 "$_d/ssh/host_key.pub")" \
	    >>"$NL/known_hosts.all"
	netlab_exec "$_h" /usr/sbin/sshd -f "$_d/ssh/sshd_config" \
	    -E "$_d/ssh/log"
}

# netlab_up N: the lab with the control node and hosts h1..hN, each up
# and answering; known_hosts pins no host key yet (netlab_pin)
netlab_up() {
	netlab_sweep
	NL="$STATE/lab"
	NL_NS="hl$$"
	NL_N=$1
	mkdir -p "$NL/c/root/.ssh" "$NL/c/root/pki"
	printf '127.0.0.1 localhost\n%s c\n' "$(netlab_addr c)" >"$NL/hosts"
	_i=1
	while [ $_i -le "$1" ]; do
		echo "$(netlab_addr "h$_i") h$_i" >>"$NL/hosts"
		_i=$((_i + 1))
	done
	: >"$NL/known_hosts.all"
	ip netns add "${NL_NS}br" || return 1
	ip -n "${NL_NS}br" link add br0 type bridge
	ip -n "${NL_NS}br" link set br0 up
	nl_ca "$NL/ca" "hangar lab CA" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$NL/c/root/.ssh/id_ed25519" ||
	    return 1
	# the first libvirtd probes QEMU (seconds under TCG on a busy
	# machine) while the rest is built; the others start from its
	# capabilities cache, which libvirt checks against the binaries
	nl_node h1 && nl_host 1 || return 1
	netlab_spawn "$NL/h1"
	nl_node c || return 1
	cat >"$NL/c/root/.ssh/config" <<CONF
Host *
	BatchMode yes
	StrictHostKeyChecking yes
	ConnectTimeout 10
	ServerAliveInterval 5
	ServerAliveCountMax 3
CONF
	: >"$NL/c/root/.ssh/known_hosts"
	printf 'cn = hangar-control\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
	    >"$NL/c/client.info"
	nl_cert "$NL/c/root/pki" client "$NL/c/client.info" || return 1
	mv "$NL/c/root/pki/client-cert.pem" "$NL/c/root/pki/clientcert.pem"
	mv "$NL/c/root/pki/client-key.pem" "$NL/c/root/pki/clientkey.pem"
	cp "$NL/ca/cacert.pem" "$NL/c/root/pki/cacert.pem"
	_i=2
	while [ $_i -le "$1" ]; do
		nl_node "h$_i" && nl_host "$_i" || return 1
		_i=$((_i + 1))
	done
	netlab_wait "$NL/h1" || return 1
	_i=2
	while [ $_i -le "$1" ]; do
		cp -r "$NL/h1/cache/qemu" "$NL/h$_i/cache/"
		netlab_spawn "$NL/h$_i"
		_i=$((_i + 1))
	done
	_i=2
	while [ $_i -le "$1" ]; do
		netlab_wait "$NL/h$_i" || return 1
		_i=$((_i + 1))
	done
	# hangard (in the control node) runs in its namespaces
	HANGARD_WRAP="nsenter -t $(cat "$NL/c/anchor") -n -m -u --"
}

# netlab_pin N: host hN's ssh host key goes into the control node's
# known_hosts
netlab_pin() {
	grep "^$(netlab_addr "h$1") " "$NL/known_hosts.all" \
	    >>"$NL/c/root/.ssh/known_hosts"
}

# netlab_sweep: the labs of test runs that are gone (killed with -9, so
# their cleanup never ran) are taken down: namespaces hlPID* whose PID
# no longer runs
netlab_sweep() {
	for _ns in $(ip netns list | awk '/^hl[0-9]+(br|c|h[0-9]+)( |$)/ { print $1 }'); do
		_pid=$(echo "$_ns" | sed 's/^hl\([0-9]*\).*/\1/')
		kill -0 "$_pid" 2>/dev/null && continue
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			kill -9 "$_p" 2>/dev/null
		done
		ip netns del "$_ns" 2>/dev/null
	done
}

# netlab_down: every process of the lab killed, its namespaces deleted
netlab_down() {
	[ -n "$NL_NS" ] || return 0
	for _ns in $(ip netns list | awk -v p="$NL_NS" 'index($1, p) == 1 { print $1 }'); do
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			kill -9 "$_p" 2>/dev/null
		done
	done
	_i=0
	while [ $_i -lt 50 ]; do
		_left=""
		for _ns in $(ip netns list | awk -v p="$NL_NS" 'index($1, p) == 1 { print $1 }'); do
			_left="$_left$(ip netns pids "$_ns" 2>/dev/null)"
		done
		[ -z "$_left" ] && break
		sleep 0.1; _i=$((_i + 1))
	done
	for _ns in $(ip netns list | awk -v p="$NL_NS" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$_ns"
	done
	NL_NS=""
}

# guest_initrd FILE: a tiny initramfs for the Debian installer's kernel
# (busybox-static): it mounts /proc, /sys and /dev, says "lab guest up",
# runs the programs in /init.d (none here; a cpio appended to FILE can
# add some) and a shell on the serial console, again whenever one exits.
# Boots in seconds under TCG and touches little memory, so a live
# migration of its guest moves little.
guest_initrd() {
	_r=$(mktemp -d "$STATE/initrd.XXXXXX")
	mkdir -p "$_r/bin" "$_r/proc" "$_r/sys" "$_r/dev" "$_r/tmp"
	cp /bin/busybox "$_r/bin/busybox" || return 1
	ln -s busybox "$_r/bin/sh"
	cat >"$_r/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "lab guest up"
for f in /init.d/*; do [ -x "$f" ] && "$f"; done
while :; do setsid cttyhack sh; done
INIT
	chmod 755 "$_r/init"
	(cd "$_r" && find . | cpio -o -H newc 2>/dev/null) | gzip -1 >"$1"
	rm -rf "$_r"
}

# netlab_kill N: host hN's libvirtd and its QEMUs die (kill -9): the
# hypervisor is gone, the machine (sshd, its address) still answers
netlab_kill() {
	for _p in $(ip netns pids "${NL_NS}h$1"); do
		case $(cat "/proc/$_p/comm" 2>/dev/null) in
		libvirtd|qemu-system-*) kill -9 "$_p" ;;
		esac
	done
	_i=0
	while kill -0 "$(cat "$NL/h$1/pid")" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
}

# netlab_revive N: host hN's libvirtd started again; waits till it answers
netlab_revive() {
	netlab_spawn "$NL/h$1"
	netlab_wait "$NL/h$1"
}

# netlab_link N up|down: host hN's cable (its port on the bridge); down
# is a network partition: its packets are lost, nobody is told
netlab_link() {
	ip -n "${NL_NS}br" link set "h$1" "$2"
}

# netlab_slow N DELAY_MS LOSS_PCT | netlab_slow N off: a slow, lossy
# link to host hN, both ways, with tc netem where the kernel has it;
# else (kernels without sch_netem) the same loss by iptables' statistic
# match and a delay by a slow token bucket (tbf) instead
netlab_slow() {
	_ns="${NL_NS}h$1"
	ip netns exec "$_ns" tc qdisc del dev eth0 root 2>/dev/null
	ip netns exec "${NL_NS}br" tc qdisc del dev "h$1" root 2>/dev/null
	ip netns exec "$_ns" iptables -F 2>/dev/null
	[ "$2" = off ] && return 0
	_netem=1
	for _pair in "$_ns:eth0" "${NL_NS}br:h$1"; do
		_n=${_pair%%:*}; _dv=${_pair#*:}
		ip netns exec "$_n" tc qdisc add dev "$_dv" root netem \
		    delay "$2ms" loss "$3%" 2>/dev/null && continue
		_netem=0
		ip netns exec "$_n" tc qdisc add dev "$_dv" root tbf rate 8mbit \
		    burst 16kb latency "$2ms" || return 1
	done
	if [ $_netem = 0 ] && [ "$3" != 0 ]; then
		_p=$(awk -v l="$3" 'BEGIN { printf "%.4f", l / 100 }')
		for _c in INPUT OUTPUT; do
			ip netns exec "$_ns" iptables -A "$_c" -m statistic \
			    --mode random --probability "$_p" -j DROP || return 1
		done
	fi
}

# netlab_reboot_hook FILE [SNIPPET]: a patch hook that "reboots" host hN
# of the lab: its libvirtd and QEMUs killed, a new libvirtd started and
# awaited; SNIPPET (shell, $1 is the host) runs first.  Each reboot
# appends "HOST OLDPID NEWPID" to STATE/restarts.
netlab_reboot_hook() {
	{
		echo '#!/bin/sh'
		echo "echo \"\$1\" >>'$STATE/patched'"
		[ -n "${2:-}" ] && printf '%s\n' "$2"
		printf '%s\n' "$NETLAB_SPAWN"
		cat <<HOOK
dd="$NL/\$1"
old=\$(cat "\$dd/pid")
for p in \$(ip netns pids "$NL_NS\$1"); do
	case \$(cat "/proc/\$p/comm" 2>/dev/null) in
	libvirtd|qemu-system-*) kill -9 "\$p" ;;
	esac
done
i=0
while kill -0 "\$old" 2>/dev/null && [ \$i -lt 150 ]; do sleep 0.1; i=\$((i + 1)); done
if kill -0 "\$old" 2>/dev/null; then
	echo "\$1 \$old stuck" >>"$STATE/restarts"
	exit 1
fi
netlab_spawn "\$dd"
netlab_wait "\$dd" || exit 1
echo "\$1 \$old \$(cat "\$dd/pid")" >>"$STATE/restarts"
exit 0
HOOK
	} >"$1"
	chmod 755 "$1"
}
