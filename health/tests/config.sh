#!/bin/sh
# hangar-health -n: a good config passes, each bad one fails with its line.
set -u
bin=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
cat > "$d/good.conf" <<EOT
# alerts
host h7.example.net
mail-from hangar-health <health@h7.example.net>
mail-to ops@example.net, noc@example.net
send sendmail
sendmail /bin/true
spool $d/spool
baseline $d/baseline
window 120
settle 2
EOT
echo "mpt3sas 16.00.01.00" > "$d/baseline"
out=$("$bin" -n -f "$d/good.conf" 2>&1) || { echo "good: $out"; fail=1; }
[ "$out" = "configuration OK" ] || { echo "good said: $out"; fail=1; }
bad() {
	printf '%s\n' "$2" > "$d/bad.conf"
	if out=$("$bin" -n -f "$d/bad.conf" 2>&1); then
		echo "accepted: $2"; fail=1
	elif ! echo "$out" | grep -q -- "$1"; then
		echo "for '$2' want '$1', got: $out"; fail=1
	fi
}
bad 'bad.conf:1: unknown keyword "colour"' 'colour blue'
bad 'bad.conf:1: mail-to: not an address' 'mail-to nobody'
bad 'bad.conf:1: window: want seconds' 'window soon'
bad 'bad.conf:1: send: want sendmail or smtp' 'send pigeon'
bad 'bad.conf:1: settle needs a value' 'settle'
bad 'sendmail /nonexistent' 'sendmail /nonexistent'
bad 'settle is longer than window' "$(printf 'sendmail /bin/true\nwindow 1\nsettle 5')"
bad 'bad.conf:1: report_to: want user@host' 'report_to -oProxyCommand=evil'
bad 'bad.conf:1: report_to: want user@host' 'report_to control.example.net'
bad 'bad.conf:1: report_to: want user@host' 'report_to a@b;rm'
bad 'bad.conf:1: report_to: want user@host' 'report_to a@b/../c'
bad 'bad.conf:1: host_name: want a host name' 'host_name H3.example.net'
bad 'report_to needs report_key and report_known_hosts' "$(printf 'sendmail /bin/true\nreport_to ingest@control.example.net')"
bad 'report_key /nonexistent' "$(printf 'sendmail /bin/true\nreport_to ingest@c.example\nreport_key /nonexistent\nreport_known_hosts /etc/hostname')"
bad 'no blanks or % in these paths' "$(printf 'sendmail /bin/true\nreport_to i@c.example\nreport_key /etc/host%%name\nreport_known_hosts /etc/hostname')"
printf 'sendmail /bin/true\nhost_name h3\nreport_to ssh://ingest@127.0.0.1:2222\nreport_key %s/good.conf\nreport_known_hosts %s/good.conf\n' "$d" "$d" > "$d/rep.conf"
out=$("$bin" -n -f "$d/rep.conf" 2>&1) || { echo "reports: $out"; fail=1; }
printf 'sendmail /bin/true\nbaseline %s/badbase\n' "$d" > "$d/bb.conf"
echo "justoneword" > "$d/badbase"
"$bin" -n -f "$d/bb.conf" > /dev/null 2>&1 && { echo "bad baseline ok"; fail=1; }
"$bin" -n -f "$d/missing.conf" > /dev/null 2>&1 && { echo "missing ok"; fail=1; }
exit $fail
