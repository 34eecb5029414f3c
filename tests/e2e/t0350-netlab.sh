#!/bin/sh
# Hosts that are other machines: the networked lab of tests/lib.sh
# (netlab_*), three hosts in network namespaces of their own, each with
# its own system-mode libvirtd, sshd and QEMU; hangard runs in the control
# node's namespaces and reaches them only by their addresses: h1 and h2
# over qemu+ssh (host keys pinned in known_hosts), h3 over qemu+tls (a
# throwaway CA).
#
# host add refuses an unknown or changed host key and a certificate that
# is not the host's (or not from hangard's CA), storing nothing.  Two real
# QEMU guests under TCG (the Debian installer's kernel with a busybox
# initramfs): g1 on h1 with a qcow2 disk in h1's pool holding a known
# pattern, g2 on h2 with no disk.  Their console logs are kept on their
# hosts and read through libvirt (operator and customer); a customer
# reaches g1's serial console through a real sshd and hangar-console,
# 8-bit clean.  An XSA cycle migrates them across the network (peer to
# peer, QEMU's streams over TLS, g1's disk copied); the patch hook cuts
# h2 off while it patches h1, so the cycle stops at h2's steps with the
# reason; meanwhile commands for the other hosts answer and h2's own fail
# as unreachable (hangard's keepalive found it down: an incident names
# h2 and g2); h2 comes back and `maint run` finishes the cycle; g1's
# disk reads back intact.  g2 goes to h1 and back managed direct, in
# clear.  Then h3's libvirtd dies (an incident) and comes back (it
# resolves), and h3 (TLS) is cut off: keepalive notices it, a command
# for h3 fails as unreachable and an incident names h3 within 15 s.
# Needs root.  Skip with HANGAR_SKIP_QEMU=1.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
for p in qemu-system-x86_64 qemu-io /usr/sbin/libvirtd /usr/sbin/sshd ssh \
    certtool ip nsenter unshare cpio /bin/busybox useradd python3; do
	command -v "$p" >/dev/null 2>&1 || skip_all "no $p"
done
PY=/usr/bin/python3
state_new
U=hnl$$
GRP=hng$$
EXTRA_CLEANUP="userdel $U >/dev/null 2>&1; groupdel $GRP >/dev/null 2>&1"
t_begin=$(date +%s)

# the migration settings: checked by hangard -n, each error one line
for bad in "migration_mode sideways|must be direct or p2p" \
    "migration_tls maybe|must be yes or no" \
    "migration_peer_uri ftp://%h/|must be a libvirt URI" \
    "migration_peer_uri qemu+tls://%h/system?no_verify=1|must be a libvirt URI"; do
	printf '%s\n' "${bad%%|*}" >"$STATE/bad.conf"
	"$HANGARD" -n -f "$STATE/bad.conf" -s "$STATE" >/dev/null 2>"$STATE/bad.err"
	rc=$?
	check "hangard -n refuses '${bad%%|*}'" sh -c "[ $rc -eq 1 ] &&
	    grep -qF 'bad.conf:1: ${bad%% *}: ${bad#*|}' '$STATE/bad.err'"
done
printf 'migration_mode p2p\nmigration_tls yes\nmigration_peer_uri qemu+tls://%%h/system\n' \
    >"$STATE/good.conf"
run 0 config-good "$HANGARD" -n -f "$STATE/good.conf" -s "$STATE"

if ! netlab_up 3; then
	not_ok "the lab came up"
	diag "$(tail -5 "$STATE"/lab/h*/libvirtd.out 2>/dev/null)"
	done_testing
	exit 1
fi
ok "the lab is up: control node and h1..h3, each with sshd and libvirtd ($(($(date +%s) - t_begin)) s)"
check "h1, h2, h3 are three machines to libvirt (host names)" test \
    "$(netlab_virsh 1 hostname):$(netlab_virsh 2 hostname):$(netlab_virsh 3 hostname)" = "h1:h2:h3"
addrs=$(netlab_exec c ip -o -4 addr show | awk '{ print $4 }' | sort | tr '\n' ' ')
check "the control node has only the lab's network ($addrs)" test \
    "$addrs" = "10.77.0.1/24 127.0.0.1/8 "
# the guests' disks: a dir pool "p" on h1 and h3; h2 has none
for n in 1 3; do
	netlab_virsh $n pool-define-as p dir --target /var/lib/libvirt/images \
	    >/dev/null &&
	    netlab_virsh $n pool-build p >/dev/null &&
	    netlab_virsh $n pool-start p >/dev/null
done
guest_initrd "$STATE/initrd.gz"

# ---- hangard on the control node; a customer's sshd there too ----
mkdir -m 755 "$STATE/keys"
cat >"$STATE/hangard.conf" <<EOF
refresh_interval 2
keys_dir $STATE/keys
patch_hook $STATE/patch
migration_mode p2p
migration_peer_uri qemu+tls://%h/system?pkipath=/root/pki
migration_tls yes
migrate_copy_storage yes
shutdown_timeout 5
host_up_timeout 120
reconnect_max 2
EOF
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }

U1="qemu+ssh://root@$(netlab_addr h1)/system"
U2="qemu+ssh://root@$(netlab_addr h2)/system"
U3="qemu+tls://$(netlab_addr h3)/system?pkipath=/root/pki"
# host_absent NAME: the store has no such host
host_absent() { h host show "$1" >/dev/null 2>&1; [ $? -eq 3 ]; }

# ---- host add: who the host is, checked ----
netlab_pin 1
run 0 add-h1 h host add h1 --uri "$U1" --accel tcg --disk 20G \
    --disk-kind ssd --pool p
run 7 add-h2-unknown-key h host add h2 --uri "$U2" --accel tcg --disk 20G \
    --disk-kind ssd
check "an unknown host key is refused, saying so, and nothing is stored" sh -c "
	grep -q 'ssh key is not in known_hosts' '$T_ERR' && [ \$(wc -l <'$T_ERR') -eq 1 ]" &&
    check "... h2 is not in the store" host_absent h2
diag "$(cat "$T_ERR")"
# a changed key: h1's key stands under h2's address
echo "$(netlab_addr h2) $(cut -d' ' -f1,2 "$STATE/lab/h1/ssh/host_key.pub")" \
    >>"$STATE/lab/c/root/.ssh/known_hosts"
run 7 add-h2-changed-key h host add h2 --uri "$U2" --accel tcg --disk 20G \
    --disk-kind ssd
check "a changed host key is refused, and nothing is stored" sh -c "
	grep -q 'ssh key is not the one in known_hosts' '$T_ERR'" &&
    check "... still no h2" host_absent h2
diag "$(cat "$T_ERR")"
grep -v "^$(netlab_addr h2) " "$STATE/lab/c/root/.ssh/known_hosts" \
    >"$STATE/kh" && cat "$STATE/kh" >"$STATE/lab/c/root/.ssh/known_hosts"
netlab_pin 2
# h2 has no pool (its guests have no disk: nothing to copy) and room for
# one micro guest only, so g1 (with a disk) never goes there
run 0 add-h2 h host add h2 --uri "$U2" --accel tcg --disk 20G --disk-kind ssd \
    --ram 768M
run 2 add-h3-no-verify h host add h3 --uri "$U3&no_verify=1" --accel tcg \
    --disk 20G --disk-kind ssd
check "a URI that turns verification off is refused" grep -q no_verify "$T_ERR"
# h3 by a name its certificate does not carry
echo "$(netlab_addr h3) not-h3" >>"$STATE/lab/hosts"
run 7 add-h3-wrong-name h host add h3 --uri \
    "qemu+tls://not-h3/system?pkipath=/root/pki" --accel tcg --disk 20G \
    --disk-kind ssd
check "a certificate for another name is refused, and nothing is stored" \
    grep -q "TLS certificate did not verify" "$T_ERR" &&
    check "... no h3" host_absent h3
diag "$(cat "$T_ERR")"
# a CA hangard does not trust (its client certificate from that CA too)
nl_ca "$STATE/rogue" "rogue CA"
mkdir -p "$STATE/lab/c/root/pki-rogue"
cp "$STATE/rogue/cacert.pem" "$STATE/lab/c/root/pki-rogue/cacert.pem"
( NL="$STATE/rogue-as-ca"; mkdir -p "$NL/ca"; cp "$STATE/rogue/"*.pem "$NL/ca/"
  nl_cert "$STATE/lab/c/root/pki-rogue" client "$STATE/lab/c/client.info" )
mv "$STATE/lab/c/root/pki-rogue/client-cert.pem" "$STATE/lab/c/root/pki-rogue/clientcert.pem"
mv "$STATE/lab/c/root/pki-rogue/client-key.pem" "$STATE/lab/c/root/pki-rogue/clientkey.pem"
run 7 add-h3-untrusted h host add h3 --uri \
    "qemu+tls://$(netlab_addr h3)/system?pkipath=/root/pki-rogue" \
    --accel tcg --disk 20G --disk-kind ssd
check "a certificate from a CA hangard does not trust is refused, nothing stored" \
    grep -q "TLS certificate did not verify" "$T_ERR" &&
    check "... no h3" host_absent h3
diag "$(cat "$T_ERR")"
run 0 add-h3 h host add h3 --uri "$U3" --accel tcg --disk 20G \
    --disk-kind ssd --pool p
check "the control node's key reaches libvirt on h1, and no shell" sh -c "
	! nsenter -t $(cat "$STATE/lab/c/anchor") -n -m -u -- ssh -n \
	    root@$(netlab_addr h1) id 2>/dev/null | grep -q uid="
run 0 hosts h host list
check "three hosts: h1 and h2 over ssh, h3 over TLS, all QEMU" sh -c "
	[ \$(grep -c ' QEMU ' '$T_OUT') -eq 3 ]"

# ---- two guests of customer carol, a unix user ----
groupadd "$GRP" && useradd -M -d "$STATE" -s /bin/sh -p '*' -G "$GRP" "$U" ||
    { not_ok "useradd"; done_testing; exit 1; }
h customer add carol --user "$U" >/dev/null
run 0 create-g1 h --json guest create g1 --owner carol --plan micro \
    --host h1 --kernel "$DI/linux" --initrd "$STATE/initrd.gz" \
    --cmdline "console=ttyS0 quiet"
# disk_of FILE: the disk path in a `guest show --json`
disk_of() {
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["disk"])' "$1"
}
DISK=$(disk_of "$T_OUT")
check "g1's disk is a volume in h1's pool ($DISK)" test \
    "$DISK" = /var/lib/libvirt/images/g1.qcow2
# h1's /var/lib/libvirt is the lab's folder h1/lib
HDISK1="$STATE/lab/h1/lib/images/g1.qcow2"
run 0 pattern qemu-io -f qcow2 -c 'write -P 0x5a 0 4M' "$HDISK1"
run 0 start-g1 h guest start g1
run 0 create-g2 h --json guest create g2 --owner carol --plan micro \
    --host h2 --kernel "$DI/linux" --initrd "$STATE/initrd.gz" \
    --cmdline "console=ttyS0 quiet" --start
cp "$T_OUT" "$STATE/g2.json"
check "g1 runs on h1, g2 on h2" test \
    "$(netlab_virsh 1 domstate g1):$(netlab_virsh 2 domstate g2)" = "running:running"
check "h1 and h2 got the console log pool at /var/log/hangar/console" test \
    "$(netlab_virsh 1 pool-dumpxml hangar-console | grep -c '<path>/var/log/hangar/console</path>'):$(netlab_virsh 2 pool-list | grep -c 'hangar-console *active')" = 1:1

# wait_log NAME TEXT: the guest's console log, read by hangard from its
# host through libvirt, comes to hold TEXT (up to a minute)
wait_log() {
	i=0
	while [ $i -lt 120 ]; do
		h guest log "$1" >"$STATE/log-$1" 2>&1 &&
		    grep -q "$2" "$STATE/log-$1" && return 0
		sleep 0.5; i=$((i + 1))
	done
	return 1
}
check "g1's console log, kept on h1, read through libvirt: the guest came up" \
    wait_log g1 "lab guest up"
check "g2's too (h2)" wait_log g2 "lab guest up"
h guest log g1 >"$STATE/log-all"
run 0 log-tail h guest log g1 --bytes 13
check "a tail of 13 bytes is the end of the whole log" $PY -c '
import sys
whole, tail = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert 0 < len(tail.rstrip("\n")) <= 13 and whole.rstrip("\n").endswith(tail.rstrip("\n")), (whole[-40:], tail)
' "$STATE/log-all" "$T_OUT"

# a slow, lossy link to h1 (netem, or tbf and iptables without it)
netlab_slow 1 100 2
check "h1's link is slowed" sh -c "ip netns exec ${NL_NS}h1 tc qdisc show dev eth0 |
	grep -Eq 'netem|tbf'"
run 0 log-slow h guest log g1
check "the log still reads over it" grep -q "lab guest up" "$T_OUT"
netlab_slow 1 off

# ---- the customer's serial console through sshd and hangar-console ----
# carol's sshd on the control node (10.77.0.1:22), the shipped snippet;
# her ssh client pins its host key too
ssh-keygen -q -t ed25519 -N '' -f "$STATE/custkey"
ssh-keygen -q -t ed25519 -N '' -f "$STATE/console_hostkey"
h customer key add carol "$STATE/custkey.pub" >/dev/null
echo "$(netlab_addr c) $(cut -d' ' -f1,2 "$STATE/console_hostkey.pub")" \
    >"$STATE/console_known_hosts"
CONSOLE="$HANGAR_BUILD/console/hangar-console -S $STATE/hangard.sock"
{
	cat <<EOF
ListenAddress $(netlab_addr c)
HostKey $STATE/console_hostkey
PidFile $STATE/console_sshd.pid
StrictModes no
UsePAM no
PermitRootLogin no
AllowGroups $GRP
EOF
	sed -e "s|^Match Group hangar-customers|Match Group $GRP|" \
	    -e "s|/usr/sbin/hangar-console -S /var/lib/hangar/hangard.sock|$CONSOLE|" \
	    -e "s|AuthorizedKeysFile /etc/hangar/keys/%u|AuthorizedKeysFile $STATE/keys/%u|" \
	    "$HANGAR_SRC/console/sshd_config.hangar"
} >"$STATE/console_sshd_config"
netlab_exec c /usr/sbin/sshd -f "$STATE/console_sshd_config" \
    -E "$STATE/console_sshd.log"
# cust CMD...: carol runs a console command over ssh (from the control
# node's network)
cust() {
	netlab_exec c ssh -F /dev/null -i "$STATE/custkey" -o BatchMode=yes \
	    -o StrictHostKeyChecking=yes \
	    -o "UserKnownHostsFile=$STATE/console_known_hosts" \
	    -o ConnectTimeout=5 "$U@$(netlab_addr c)" "$@"
}
i=0
until cust help >/dev/null 2>&1 || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
run 0 cust-logview cust logview g1
check "carol's logview shows g1's console log from h1" grep -q "lab guest up" \
    "$T_OUT"

# eight.py: carol attaches to g1's console over ssh (a pty, ssh -tt);
# the guest's shell is put raw (stty raw -echo) and replaced by cat, so
# the guest sends back every byte it gets: all 256 values but Ctrl-] (the
# console's escape), four times over, must come back unchanged
cat >"$STATE/eight.py" <<'PY'
import os, pty, select, sys, time
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
def read_until(want, secs):
    got, t0 = b"", time.time()
    while time.time() - t0 < secs:
        r, _, _ = select.select([fd], [], [], 0.5)
        if fd in r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                break
            if not d:
                break
            got += d
            if want in got:
                return got
    return got
got = read_until(b"Leave with", 30)
if b"Leave with" not in got:
    print("no console:", got[-300:]); sys.exit(1)
os.write(fd, b"\r")
time.sleep(0.5)
# the echoed command must not carry the marker: R""EADY
os.write(fd, b'stty raw -echo; echo R""EADY; exec cat\r')
got = read_until(b"READY", 30)
if b"READY" not in got.replace(b'R""EADY', b""):
    print("no shell:", got[-300:]); sys.exit(1)
# the newline after READY may come in a read of its own: wait for it,
# then drop whatever else is in flight, so the payload's echo starts clean
tail = got[got.rindex(b"READY"):]
if b"\n" not in tail:
    read_until(b"\n", 10)
t0 = time.time()
while time.time() - t0 < 5 and select.select([fd], [], [], 0.5)[0]:
    if not os.read(fd, 65536):
        break
payload = bytes(b for b in range(256) if b != 0x1d) * 4
os.write(fd, payload)
got, t0 = b"", time.time()
while len(got) < len(payload) and time.time() - t0 < 60:
    r, _, _ = select.select([fd], [], [], 0.5)
    if fd in r:
        got += os.read(fd, 65536)
os.write(fd, b"\x1d")
read_until(b"Left the serial console", 10)
if got != payload:
    print("sent %d bytes, got %d" % (len(payload), len(got)))
    for i, (a, b) in enumerate(zip(payload, got)):
        if a != b:
            print("first difference at byte %d: sent %d, got %d" % (i, a, b))
            break
    sys.exit(1)
print("%d bytes back unchanged" % len(got))
PY
run 0 console-8bit netlab_exec c $PY "$STATE/eight.py" ssh -tt -e none \
    -F /dev/null -i "$STATE/custkey" -o BatchMode=yes \
    -o StrictHostKeyChecking=yes \
    -o "UserKnownHostsFile=$STATE/console_known_hosts" \
    "$U@$(netlab_addr c)" console g1
diag "$(cat "$T_OUT")"
# the shell comes back for later checks (cat ended with the session? no:
# it still runs; a new one after Ctrl-D)

# ---- an XSA cycle across the network: peer to peer, TLS; h2 cut off ----
# the patch hook cuts h2 off while it patches h1
netlab_reboot_hook "$STATE/patch" "if [ \"\$1\" = h1 ]; then
	ip -n '${NL_NS}br' link set h2 down
	: >'$STATE/h2-down'
fi"
h advisory add XSA-920 --title "QEMU escape" --affects 'qemu >= 1' >/dev/null
run 0 plan h maint plan XSA-920 --start 2017-04-27T06:00Z --window 4h --roll back
diag "$(cat "$T_OUT")"
check "the plan patches h1 before h2" $PY -c '
import sys
w = {l.split(":")[-1].split()[0]: i for i, l in enumerate(open(sys.argv[1])) if "window" in l}
assert w["h1"] < w["h2"], w
' "$T_OUT"
t0=$(date +%s)
h --json maint run --wait >"$STATE/cycle.json" 2>&1
diag "the cycle, until it stopped: $(($(date +%s) - t0)) s"
check "the hook cut h2 off during the cycle" test -f "$STATE/h2-down"
check "the cycle stopped at h2's steps, saying why; g1 went out and back" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "stopped", r["state"]
assert r["error"].startswith("h2 "), r["error"]
assert "unreachable" in r["error"] or "keepalive" in r["error"], r["error"]
bad = [s for s in r["steps"] if s["state"] == "failed"]
assert bad and all(s["host"] == "h2" for s in bad), bad
steps = [s for s in r["steps"] if s["guest"] == "g1"]
assert [s["state"] for s in steps] == ["done", "done"], steps
' "$STATE/cycle.json" || diag "$(head -c 600 "$STATE/cycle.json")"
diag "the cycle stopped: $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$STATE/cycle.json" 2>/dev/null)"

# h2 still cut off: a command for it (its guest's log, a libvirt call on
# h2's worker) must end as unreachable; meanwhile, commands for g1 (h1)
# and the fleet, operator's and customer's, all at once, answer
ms() { echo $(($(date +%s%N) / 1000000)); }
# timed NAME CMD...: runs CMD, then writes "EXIT MS" to STATE/NAME.t
timed() {
	_t=$(ms); _n=$1; shift
	"$@" >/dev/null 2>"$STATE/$_n.err"
	echo "$? $(($(ms) - _t))" >"$STATE/$_n.t"
}
timed h2-log h guest log g2 &
H2PID=$!
sleep 0.5
for f in show log hosts guests status logview; do
	case $f in
	show) timed $f h guest show g1 & ;;
	log) timed $f h guest log g1 & ;;
	hosts) timed $f h host list & ;;
	guests) timed $f h guest list & ;;
	status) timed $f cust status g1 & ;;
	logview) timed $f cust logview g1 & ;;
	esac
done
i=0
while [ $i -lt 300 ]; do
	n=0
	for f in show log hosts guests status logview; do
		[ -f "$STATE/$f.t" ] && n=$((n + 1))
	done
	[ $n -eq 6 ] && break
	sleep 0.1; i=$((i + 1))
done
lat=""; bad=""
for f in show log hosts guests status logview; do
	read -r rc t <"$STATE/$f.t" 2>/dev/null
	lat="$lat $f=${t:-?}ms"
	[ "${rc:-1}" = 0 ] || bad="$bad $f:exit-${rc:-none}"
done
check "while h2 is cut off, commands for g1 and the fleet answer (failures:${bad:- none})" \
    test -z "$bad"
diag "latencies while h2 is cut off, the six started together (the customer's two through real sshd):$lat"
wait $H2PID
read -r h2rc h2ms <"$STATE/h2-log.t" 2>/dev/null
# keepalive closed h2's connection while the cycle waited on it: hangard
# knows h2 is down and answers at once, without a call of its own
check "h2's own command failed as unreachable (exit 7) after ${h2ms:-?} ms: hangard knew h2 was down" \
    sh -c "[ '${h2rc:-none}' = 7 ] && grep -q 'host h2 is unreachable since' '$STATE/h2-log.err'"
diag "$(cat "$STATE/h2-log.err")"
# newest_incident: the newest incident's state, cause and hosts, or none
newest_incident() {
	h --json incident show 2>/dev/null | $PY -c 'import json, sys
r = json.load(sys.stdin)
print(r["state"], r["cause"], ",".join(x["host"] for x in r["host_list"]),
      ",".join(x["guest"] for x in r["guests"]))' 2>/dev/null || echo none
}
# declared once h2 has not answered for the grace (2 s) after it was lost
i=0
until [ "$(newest_incident)" = "open host-unreachable h2 g2" ] || [ $i -gt 30 ]; do
	sleep 0.5; i=$((i + 1))
done
check "h2, cut off outside its window, is in an incident with g2" \
    test "$(newest_incident)" = "open host-unreachable h2 g2"
netlab_link 2 up
# hangard reconnects by itself (backoff, and within a second of a
# command refused for h2): an operator's command works again
t0=$(date +%s)
i=0
until h guest log g2 >/dev/null 2>&1 || [ $i -gt 120 ]; do
	sleep 0.5; i=$((i + 1))
done
diag "hangard reached h2 again $(($(date +%s) - t0)) s after its link came back"
t0=$(date +%s)
run 0 resume h --json maint run --wait
cp "$T_OUT" "$STATE/report.json"
diag "the rest of the cycle: $(($(date +%s) - t0)) s"
check "with h2 back, the cycle resumed when asked and is done; every guest went out and back live, pauses measured" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "done", (r["state"], r.get("error"))
for g in ("g1", "g2"):
    steps = [s for s in r["steps"] if s["guest"] == g]
    assert [s["kind"] for s in steps] == ["migrate-out", "migrate-back"], steps
    for s in steps:
        assert s["state"] == "done" and s["detail"].startswith("live, pause"), s
        assert 0 < s["pause_ms"] < 5000, s
' "$STATE/report.json"
diag "$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("pauses (ms):", [(s["guest"], s["target"], s.get("pause_ms")) for s in r["steps"] if s["guest"]])' "$STATE/report.json")"
check "every host was rebooted by the hook" test \
    "$(sort -u "$STATE/patched" | tr '\n' ' ')" = "h1 h2 h3 "
check "g1 is home on h1 and g2 on h2, running, and nowhere else" test \
    "$(netlab_virsh 1 list --all --name | sort | tr '\n' ' '):$(netlab_virsh 2 list --all --name | sort | tr '\n' ' '):$(netlab_virsh 3 list --all --name | tr -d '\n')" = \
    "g1 :g2 :"
# has_pattern PATH: the disk's first 4 MiB hold the pattern (read-only,
# beside a running QEMU)
has_pattern() {
	qemu-io -r -U -f qcow2 -c 'read -P 0x5a 0 4M' "$1" >>"$STATE/qemu-io.log" 2>&1
}
check "g1's disk came back with the pattern written before it started" \
    has_pattern "$HDISK1"
check "no disk copy is left in h3's or h2's pools" test \
    "$(ls "$STATE/lab/h3/lib/images" "$STATE/lab/h2/lib/images" 2>/dev/null | grep -c qcow2)" = 0
check "g1's console log is still read after the trip (on h1 again)" \
    wait_log g1 "lab guest up"

# ---- managed direct, in clear: hangar's hv_migrate, g2 to h1 and back ----
run 0 direct netlab_exec c "$HANGAR_BUILD/bench/migbench" -n 2 "$U2" "$U1" \
    "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["uuid"])' "$STATE/g2.json")"
check "g2 went to h1 and back, managed direct, pauses measured" $PY -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
assert [r[2:4] for r in rows] == [["a", "b"], ["b", "a"]], rows
assert all(0 < int(r[4]) < 5000 for r in rows), rows
' "$T_OUT"
diag "managed direct: $(cat "$T_OUT" | tr '\n' ';')"
check "g2 runs on h2 again" test "$(netlab_virsh 2 domstate g2)" = running

# ---- h3's libvirtd dies, and comes back ----
netlab_kill 3
run 7 h3-dead h guest create g3 --owner carol --plan micro --host h3
check "a command for dead h3 fails as unreachable, and leaves nothing" sh -c "
	! '$HANGAR' -s '$STATE' guest show g3 >/dev/null 2>&1"
t1=$(ms)
run 0 while-h3-dead h guest log g1
diag "g1's log while h3 is dead: $(($(ms) - t1)) ms"
i=0
until [ "$(newest_incident)" = "open host-unreachable h3 " ] ||
    [ $i -gt 30 ]; do sleep 0.5; i=$((i + 1)); done
check "h3's death is an incident naming it" \
    test "$(newest_incident)" = "open host-unreachable h3 "
netlab_revive 3
# hangard reconnects to h3 by itself: its incident resolves, and the
# next command works the first time
i=0
until [ "$(newest_incident)" = "resolved host-unreachable h3 " ] ||
    [ $i -gt 120 ]; do sleep 0.5; i=$((i + 1)); done
check "h3 back: its incident resolved by itself" \
    test "$(newest_incident)" = "resolved host-unreachable h3 "
run 0 h3-back h guest create g3 --owner carol --plan micro --host h3
run 0 g3-delete h guest delete g3

# ---- h3 (TLS) cut off: libvirt's keepalive must notice ----
# a silent host's connection is closed within keepalive's bound (2 s
# idle, 3 pings: 8 s after it last spoke; hangard(8)), and h3 is down:
# the command fails as unreachable, and an incident names h3 within the
# 15 s hangard promises, though a TCP connect to h3 would hang for
# minutes
netlab_link 3 down
t1=$(ms)
timeout 25 "$HANGAR" -s "$STATE" guest create g4 --owner carol --plan micro \
    --host h3 >/dev/null 2>"$STATE/h3-cut.err"
rc=$?
check "a command for cut-off h3 (TLS) fails as unreachable (exit $rc after $(($(ms) - t1)) ms)" \
    test $rc -eq 7
diag "$(cat "$STATE/h3-cut.err")"
until [ "$(newest_incident)" = "open host-unreachable h3 " ] ||
    [ $(($(ms) - t1)) -gt 15000 ]; do sleep 0.2; done
check "an incident names cut-off h3 within 15 s ($(($(ms) - t1)) ms)" \
    test "$(newest_incident)" = "open host-unreachable h3 "
check "... and g4 was not left half-made" sh -c "
	! '$HANGAR' -s '$STATE' guest show g4 >/dev/null 2>&1"
netlab_link 3 up
diag "the whole test: $(($(date +%s) - t_begin)) s"
done_testing
