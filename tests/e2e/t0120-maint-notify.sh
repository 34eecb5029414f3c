#!/bin/sh
# Maintenance notices, end to end: an advisory, a cycle planned into
# windows by the rolling planner, and one email per affected customer sent
# to a real SMTP server (python3-aiosmtpd) on 127.0.0.1: valid headers,
# their VPSes, the window in UTC and in their own time zone; asking again
# sends nothing twice.
. "$HANGAR_SRC/tests/lib.sh"

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "no python3-aiosmtpd"
state_new
mkdir -p "$STATE/mail"
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$HANGAR_SRC/tests/e2e/smtpsink.py" "$PORT" "$STATE/mail" 120 &
SINK=$!
EXTRA_CLEANUP='kill $SINK 2>/dev/null'
printf 'smtp_url smtp://127.0.0.1:%s\nmail_from maint@example.net\n' "$PORT" \
    >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }

for hst in h1 h2 h3; do
	h host add $hst --uri "$(node_xml $hst 16 64)" --disk 2T --disk-kind ssd \
	    >/dev/null
done
h customer add alice --email alice@example.net --tz Europe/Berlin >/dev/null
h customer add bob --email bob@example.org --tz America/Los_Angeles >/dev/null
h customer add carol >/dev/null
h guest create web1 --owner alice --plan small --host h1 --start >/dev/null
h guest create db1 --owner alice --plan large --host h2 --start >/dev/null
h guest create mail1 --owner bob --plan medium --host h3 --start >/dev/null
h guest create ci1 --owner carol --plan micro --host h1 --start >/dev/null
# a customer with a unix account, to read the notice in hangar-console
U=hgt-dora
if [ "$(id -u)" = 0 ]; then
	userdel -r "$U" >/dev/null 2>&1
	h customer add dora --create-user --user "$U" >/dev/null
	h guest create dora1 --owner dora --plan micro --host h2 --start >/dev/null
	mkdir -m 755 "$STATE/bin"
	cp "$HANGAR_BUILD/console/hangar-console" "$STATE/bin/"
	chmod 755 "$STATE/bin/hangar-console"
	EXTRA_CLEANUP="$EXTRA_CLEANUP; userdel -r $U >/dev/null 2>&1"
fi
h advisory add XSA-213 --title "PV breakout" --affects 'test < 1' >/dev/null
h advisory add XSA-900 --title "not here" --affects 'xen < 4' >/dev/null

run 4 plan-none h maint plan XSA-900 --start 2017-04-27T06:00Z --window 4h
check "an advisory that affects no host is said so" grep -q "no host is affected" "$T_ERR"
run 2 plan-bad-time h maint plan XSA-213 --start tomorrow --window 4h
run 4 plan-short-window h maint plan XSA-213 --start 2017-04-27T06:00Z \
    --window 1m
run 0 plan h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h --roll back
check "three hosts in three windows" grep -q "window 3: 2017-04-27 14:00 UTC" "$T_OUT"
check "guests are live-migrated where there is room" grep -q "live-migrate" "$T_OUT"
run 0 show-json h --json maint show
check "the plan is kept: every guest, with a window" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert sorted(g["guest"] for g in p["guests"] if g["guest"] != "dora1") == ["ci1", "db1", "mail1", "web1"]
assert all(1 <= g["window"] <= len(p["windows"]) for g in p["guests"])  # from 1
' "$T_OUT"

run 0 show-guest h --json guest show web1
check "guest show carries the guest's maintenance window" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["maintenance"]
assert m["advisories"] == "XSA-213" and m["action"] == "live-migrate", m
assert m["window_start"].startswith("2017-04-27 "), m
' "$T_OUT"
if [ "$(id -u)" = 0 ]; then
	run 0 console-status setpriv --reuid="$U" --regid="$U" --init-groups \
	    "$STATE/bin/hangar-console" -S "$STATE/hangard.sock" -c "status dora1"
	check "the customer's console status shows the maintenance notice" \
	    grep -q "^maintenance: XSA-213, between 2017-04-27" "$T_OUT"
fi

run 0 notify h --json maint notify
check "alice and bob are notified, carol has no address" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert sorted(r["notified"]) == ["alice", "bob"], r
assert "carol" in r["no_email"], r
' "$T_OUT"
i=0
while [ "$(ls "$STATE/mail" | grep -c '\.eml$')" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.2; i=$((i + 1))
done
check "two mails reached the SMTP server" \
    test "$(ls "$STATE/mail" | grep -c '\.eml$')" -eq 2
check "each mail parses strictly and says what happens when" /usr/bin/python3 -c '
import email, email.policy, glob, sys
seen = {}
for f in glob.glob(sys.argv[1] + "/*.eml"):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.strict)
    for h in ("From", "To", "Subject", "Date", "Message-ID"):
        assert m[h], (f, h)
    assert m["Subject"] == "Scheduled maintenance: XSA-213", m["Subject"]
    body = m.get_body().get_content()
    seen[str(m["To"])] = body
a = seen["alice@example.net"]
assert "web1" in a and "db1" in a and "mail1" not in a and "ci1" not in a, a
assert "UTC" in a and "CEST" in a, a
b = seen["bob@example.org"]
assert "mail1" in b and "PDT" in b and "web1" not in b, b
' "$STATE/mail"
run 0 notify-again h --json maint notify
check "asking again notifies nobody twice" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["notified"] == [] and sorted(r["already_notified"]) == ["alice", "bob"], r
' "$T_OUT"
sleep 2
check "and no third mail is sent" \
    test "$(ls "$STATE/mail" | grep -c '\.eml$')" -eq 2
check "the outbox is empty once the server took them" \
    sh -c "[ -z \"\$(ls '$STATE/outbox' | grep '\.eml$')\" ]"
done_testing
