#!/bin/sh
# The hypervisor's log: a Xen WARN that appears in `xl dmesg` becomes a
# warning mail, handed to sendmail(8) -t -oi; WARNs already in the ring
# when hangar-health starts do not.  (Fake xl and sendmail scripts.)
# smartctl hangs meanwhile: it must not hold anything up.
# Usage: xen_sendmail.sh HANGAR-HEALTH FIXTURE-SYSFS
set -u
bin=$1 sysfs=$2
d=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$d/err" ] && cat "$d/err"; exit 1; }
wait_for() {
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
mkdir -p "$d/mail"
cat > "$d/xl" <<EOT
#!/bin/sh
[ "\$1" = dmesg ] || exit 2
cat "$d/xl.out"
EOT
cat > "$d/sendmail" <<EOT
#!/bin/sh
echo "\$*" > "$d/args"
cat > "$d/mail/\$(date +%s%N).eml"
EOT
printf '#!/bin/sh\nexec sleep 30\n' > "$d/smartctl"
chmod +x "$d/xl" "$d/sendmail" "$d/smartctl"
printf '(XEN) Xen version 4.17.3 (Debian 4.17.3+10-deb12u1)\n(XEN) Xen WARN at old.c:1\n' > "$d/xl.out"
: > "$d/kmsg"
cat > "$d/conf" <<EOT
host xen-host.example
mail-from hangar-health <health@xen-host.example>
mail-to ops@example.net
sendmail $d/sendmail
spool $d/spool
textfile none
sysfs $sysfs
mdstat $d/none
kmsg $d/kmsg
smartctl $d/smartctl
xl $d/xl
xen-interval 1
settle 1
EOT
"$bin" -n -f "$d/conf" > /dev/null || fail "config"
"$bin" -d -f "$d/conf" > "$d/out" 2> "$d/err" &
pid=$!
wait_for 10 grep -q started "$d/err" || fail "did not start"
sleep 2		# the first xl dmesg only marks what is old
printf '(XEN) Xen WARN at msi.c:510\n(XEN) ----[ Xen-4.17.3  x86_64  debug=n  Not tainted ]----\n' >> "$d/xl.out"
# warnings settle 5 x settle before the first mail
wait_for 20 sh -c "ls '$d/mail' | grep -q eml" || fail "no mail"
sleep 1.5
[ "$(ls "$d/mail" | wc -l)" -eq 1 ] || fail "want 1 mail: $(ls "$d/mail")"
[ "$(cat "$d/args")" = "-t -oi" ] || fail "sendmail args: $(cat "$d/args")"
kill "$pid"
wait "$pid" || fail "exit status"
pid=""
/usr/bin/python3 - "$d/mail" <<'PY' || fail "mail"
import email, email.policy, os, sys
d = sys.argv[1]
f = os.listdir(d)[0]
m = email.message_from_bytes(open(os.path.join(d, f), "rb").read(),
                             policy=email.policy.strict)
for k in m.keys():
    assert not m[k].defects, k
body = m.get_content()
assert "Xen WARN at msi.c:510" in body, body
assert "old.c" not in body, body
assert "the Xen hypervisor" in str(m["Subject"]), m["Subject"]
assert m["To"] == "ops@example.net"
PY
echo "ok: one mail for the new Xen WARN, none for the old one"
