#!/bin/sh
# Notices that one bad record cannot stop, end to end with a real SMTP
# server (python3-aiosmtpd) on 127.0.0.1: between good customers, one
# whose address the server refuses for good (550), two whose stored
# records the mail builder refuses (left by an older release: ':' and a
# C1 control), and one whose 75-character address the builder folds onto
# a header line of its own.  Every good customer gets exactly one mail,
# addressed by the envelope the builder returned; the 550 is set aside
# with its reason and logged; the refused records are named; after
# `customer set` fixes one, asking again notifies that customer only.
. "$HANGAR_SRC/tests/lib.sh"

/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "no python3-aiosmtpd"
state_new
mkdir -p "$STATE/mail"
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$HANGAR_SRC/tests/e2e/smtpsink.py" "$PORT" "$STATE/mail" 120 \
    550:zed@example.org &
SINK=$!
EXTRA_CLEANUP='kill $SINK 2>/dev/null'
printf 'smtp_url smtp://127.0.0.1:%s\nmail_from maint@example.net\n' "$PORT" \
    >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }

h host add h1 --uri "$(node_xml h1 8 32)" --disk 1T --disk-kind ssd >/dev/null
# 76 characters, the most there may be: "To: " and it make 80, so the
# builder folds it onto a line of its own
LONG=lena.marie.schmidt-vonderheide.customer-relations@mails.schmidt-examples.org
h customer add alice --email alice@example.net >/dev/null
h customer add zed --email zed@example.org >/dev/null
h customer add lena --email "$LONG" --tz Europe/Berlin >/dev/null
h customer add carol --email carol@example.com --tz America/Los_Angeles >/dev/null

# the grammar at the door: what the builder would refuse never gets in
for bad in 'bob@example.org:evil@attacker.example' 'jörg@example.net' \
    '"a b"@example.net' 'x@[127.0.0.1]' '=?utf-8?q?a?=@example.net' \
    "$LONG.xy" 'a@b.c, d@e.f'; do
	run 2 "add-bad-$(echo "$bad" | tr -c 'a-z0-9\n' _)" \
	    h customer add eve --email "$bad"
done
check "a refused address is told in one line, not echoed" \
    sh -c "grep -q 'not an email address' '$STATE'/add-bad-*.err &&
	! grep -q evil '$STATE'/add-bad-*.err"
run 2 bad-tz h customer add eve --email eve@example.net --tz Mars/Olympus
run 3 set-nobody h customer set nosuch --email a@example.net

# records an older release let in, straight into the store
sqlite3 "$STATE/hangar.db" "INSERT INTO customers (name, email, tz, created,
    unix_user) VALUES ('bob', 'bob@example.org:evil@attacker.example', 'UTC',
    0, ''), ('dave', 'dav$(printf '\302\205')e@example.net', 'UTC', 0, '')"
i=1
for c in alice zed bob lena dave carol; do
	h guest create "g$i-$c" --owner "$c" --plan micro --host h1 >/dev/null
	i=$((i + 1))
done
h advisory add XSA-213 --title "PV breakout" --affects 'test < 1' >/dev/null
h maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h >/dev/null

run 0 notify h --json maint notify
diag "$(cat "$T_OUT" | tr -d '\n')"
check "everyone with a good record is notified, the 550 one too (spooled)" \
    /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["notified"] == ["alice", "zed", "lena", "carol"], r
' "$T_OUT"
check "the two bad records are named, with why" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
got = {x["customer"]: x["reason"] for x in r["refused"]}
assert sorted(got) == ["bob", "dave"], r
assert "not an email address" in got["bob"] and "evil" not in got["bob"], got
' "$T_OUT"
check "the log names them" sh -c "grep -q 'customer bob not notified' '$STATE/hangard.log' &&
    grep -q 'customer dave not notified' '$STATE/hangard.log'"

mails() { ls "$STATE/mail" | grep -c '\.eml$'; }
i=0
while { [ "$(mails)" -lt 3 ] || ! ls "$STATE/outbox/failed/"*.why >/dev/null 2>&1; } &&
    [ $i -lt 150 ]; do
	sleep 0.2; i=$((i + 1))
done
sleep 1		# anything more would come now
check "three mails reached the server" test "$(mails)" -eq 3
check "each good customer got exactly one, by envelope and by To" \
    /usr/bin/python3 -c '
import email, email.policy, glob, sys
d, long = sys.argv[1], sys.argv[2]
env, to = [], []
for f in sorted(glob.glob(d + "/*.eml")):
    env += open(f + ".rcpt").read().split()
    raw = open(f, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.strict)
    to += [a.addr_spec for a in m["To"].addresses]
    if long in to[-1:]:
        assert b"To:\r\n " + long.encode() in raw, "not folded: " + repr(raw[:300])
want = sorted(["alice@example.net", "carol@example.com", long])
assert sorted(env) == want, env
assert sorted(to) == want, to
' "$STATE/mail" "$LONG"
check "the server refused zed for good, once" \
    test "$(grep -c zed@example.org "$STATE/mail/refused.log")" -eq 1
check "zed's notice is set aside with the server's reason" \
    sh -c "grep -q '550 5.1.1 mailbox unknown' '$STATE'/outbox/failed/*.why &&
	test \$(ls '$STATE'/outbox/failed/*.eml | wc -l) -eq 1"
check "and the log says so, naming the address" \
    grep -q "set aside for good.*zed@example.org.*550" "$STATE/hangard.log"
check "nothing else waits in the outbox" \
    test -z "$(ls "$STATE/outbox" | grep '\.eml$')"

# fixing a record: operators only (t0200), checked like customer add
run 2 set-bad h customer set bob --email 'bob@example.org:evil@attacker.example'
run 2 set-bad-tz h customer set bob --tz 'Europe/../../etc/passwd'
run 0 set-bob h customer set bob --email bob@example.org --tz Europe/Paris
check "customer set shows the new record" \
    sh -c "grep -q 'bob@example.org' '$T_OUT' && grep -q Europe/Paris '$T_OUT'"
run 0 notify-again h --json maint notify
check "asking again notifies bob only; dave is still named" \
    /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["notified"] == ["bob"], r
assert sorted(r["already_notified"]) == ["alice", "carol", "lena", "zed"], r
assert [x["customer"] for x in r["refused"]] == ["dave"], r
' "$T_OUT"
run 0 notify-plain h maint notify
check "the plain output names dave and why" \
    grep -q "^not notified *dave: not an email address" "$T_OUT"
i=0
while [ "$(mails)" -lt 4 ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
sleep 1
check "bob's one mail arrived, no one got a second" /usr/bin/python3 -c '
import glob, sys
env = []
for f in glob.glob(sys.argv[1] + "/*.eml"):
    env += open(f + ".rcpt").read().split()
assert sorted(env) == sorted(["alice@example.net", "carol@example.com",
    "bob@example.org", sys.argv[2]]), env
' "$STATE/mail" "$LONG"
done_testing
