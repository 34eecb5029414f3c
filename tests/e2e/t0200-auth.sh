#!/bin/sh
# Authorization end to end, through the real socket: two unix users mapped
# to two customers each see and act on their own guests only; a third,
# unmapped user is refused; a member of the admin group is an operator.
. "$HANGAR_SRC/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root to create unix users"
command -v useradd >/dev/null || skip_all "needs useradd"
command -v setpriv >/dev/null || skip_all "needs setpriv"

users="hgt-alice hgt-bob hgt-eve hgt-ops hgt-carol"
EXTRA_CLEANUP='for u in $users; do userdel -r "$u" 2>/dev/null; done; groupdel hgt-admins 2>/dev/null'
for u in $users; do userdel "$u" 2>/dev/null; done
groupdel hgt-admins 2>/dev/null
groupadd hgt-admins
for u in hgt-alice hgt-bob hgt-eve hgt-ops; do
	useradd -M -s /usr/sbin/nologin "$u"
done
usermod -a -G hgt-admins hgt-ops

state_new
# the users must be able to run the binaries wherever the tree lives
mkdir -m 755 "$STATE/bin"
cp "$HANGAR" "$STATE/bin/hangar"
chmod 755 "$STATE/bin/hangar"
printf 'admin_group hgt-admins\nkeys_dir %s/keys\n' "$STATE" >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }
hdd=$(node_xml hdd 8 32)
h host add hdd --uri "$hdd" --disk 1T --disk-kind hdd >/dev/null
run 0 map-alice h customer add alice --user hgt-alice
run 0 map-bob h customer add bob --user hgt-bob
run 2 map-root h customer add root --uid 0
for g in "a-web alice" "a-db alice" "b-mail bob"; do
	set -- $g
	h guest create "$1" --owner "$2" --plan micro --host hdd --start >/dev/null
done

as() { u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups \
    "$STATE/bin/hangar" -S "$STATE/hangard.sock" "$@"; }

run 0 alice-list as hgt-alice guest list
check "alice sees her guests" grep -q "a-web" "$T_OUT"
check "alice sees her second guest" grep -q "a-db" "$T_OUT"
check "alice does not see bob's guest" sh -c "! grep -q b-mail '$T_OUT'"
run 0 alice-list-owner as hgt-alice guest list --owner bob
check "asking for bob's list still gives only alice's" \
    sh -c "! grep -q b-mail '$T_OUT' && grep -q a-web '$T_OUT'"
run 0 alice-json as hgt-alice --json guest show a-web
check "a customer is not shown the libvirt uuid" sh -c "! grep -q uuid '$T_OUT'"
run 0 bob-list as hgt-bob guest list
check "bob sees only his guest" sh -c "grep -q b-mail '$T_OUT' && ! grep -q a-web '$T_OUT'"

run 0 alice-acts as hgt-alice guest shutdown a-web --force-after 5
run 0 alice-starts as hgt-alice guest start a-web
for op in show start shutdown destroy reboot; do
	run 3 "alice-$op-bobs" as hgt-alice guest $op b-mail
	check "alice $op b-mail: the same 'no such VPS'" \
	    grep -qx "hangar: no such VPS" "$T_ERR"
done
run 3 alice-unknown as hgt-alice guest show nosuch
check "an unknown name gives the same answer" grep -qx "hangar: no such VPS" "$T_ERR"
run 3 alice-case as hgt-alice guest show B-MAIL
check "a case variant gives the same answer" grep -qx "hangar: no such VPS" "$T_ERR"
run 0 bob-still h guest show b-mail
check "bob's guest is untouched" grep -q "state *running" "$T_OUT"

for cmd in "host list" "customer list" "guest delete a-web" \
    "guest create z --owner alice --plan micro" "host set-state hdd retired" \
    "store backup" "customer set alice --email mallory@example.net"; do
	run 5 "alice-operator-only-$(echo $cmd | tr ' ' '-')" as hgt-alice $cmd
	check "alice: $cmd is refused" grep -q "permission denied" "$T_ERR"
done

check "no backup was made for a customer" sh -c "! ls '$STATE'/backups/*.db 2>/dev/null"

run 5 eve-refused as hgt-eve guest list
check "an unmapped user is refused, told why" \
    grep -q "neither an operator nor a customer" "$T_ERR"
run 0 ops-operator as hgt-ops host list
check "a member of the admin group is an operator" grep -q "hdd" "$T_OUT"
run 0 ops-sees-all as hgt-ops guest list
check "an operator sees every guest" grep -q "b-mail" "$T_OUT"

# raw JSON straight to the socket as alice: identity is the uid, not a claim
cat >"$STATE/raw.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
f = s.makefile("rwb")
def call(m, p, extra=None):
    req = {"id": 1, "method": m, "params": p}
    if extra: req.update(extra)
    f.write(json.dumps(req).encode() + b"\n"); f.flush()
    return json.loads(f.readline())
print(call("hello", {"version": 1})["result"]["role"])
for name in ["b-mail", "B-mail", "b-mail ", "../b-mail", "b\u2010mail", "%s" % ("b" * 80)]:
    r = call("guest.destroy", {"name": name})
    print(r["ok"], r["error"]["code"], r["error"]["message"])
r = call("guest.list", {"owner": "bob"})
print("list", sorted(g["name"] for g in r["result"]))
r = call("guest.list", {}, {"uid": 0})
print("claim", r["ok"], r.get("error", {}).get("code"))
PY
chmod 644 "$STATE/raw.py"
setpriv --reuid=hgt-alice --regid=hgt-alice --init-groups \
    /usr/bin/python3 "$STATE/raw.py" "$STATE/hangard.sock" >"$STATE/raw.out" 2>&1
check "raw socket: alice is a customer" grep -qx customer "$STATE/raw.out"
check "raw socket: destroy bob's guest in 6 spellings, all 'no such VPS'" \
    sh -c "[ \$(grep -c '^False notfound no such VPS$' '$STATE/raw.out') -eq 6 ]"
check "raw socket: listing bob's guests gives alice's" \
    grep -qx "list \['a-db', 'a-web'\]" "$STATE/raw.out"
check "raw socket: a uid claimed in the request is refused" \
    grep -qx "claim False protocol" "$STATE/raw.out"
run 0 bob-survives h guest show b-mail
check "bob's guest is still running" grep -q "state *running" "$T_OUT"
diag "$(cat "$STATE/raw.out")"

# accounts and keys: hangar makes the unix account and its authorized_keys
run 0 create-user h customer add carol --create-user --user hgt-carol \
    --email carol@example.com
check "the account exists, in group hangar-customers" \
    sh -c "id -nG hgt-carol | grep -qw hangar-customers"
check "the customer maps to the new uid" \
    grep -q "uid *$(id -u hgt-carol)" "$T_OUT"
run 4 create-user-again h customer add carol2 --create-user --user hgt-carol
check "an existing unix user is not taken over" grep -q "already exists" "$T_ERR"
ssh-keygen -q -t ed25519 -N '' -C 'carol@laptop' -f "$STATE/carol" </dev/null
ssh-keygen -q -t rsa -b 2048 -N '' -f "$STATE/carol2" </dev/null
run 0 key-add h customer key add carol "$STATE/carol.pub"
fp=$(ssh-keygen -lf "$STATE/carol.pub" | awk '{print $2}')
check "the fingerprint is ssh-keygen's" grep -q "fingerprint *$fp" "$T_OUT"
run 0 key-add-stdin sh -c "h() { \"$HANGAR\" -s \"$STATE\" \"\$@\"; }; h customer key add carol - <'$STATE/carol2.pub'"
run 4 key-dup h customer key add carol "$STATE/carol.pub"
printf 'command="/bin/sh" %s\n' "$(cat "$STATE/carol.pub")" >"$STATE/evil.pub"
run 2 key-options h customer key add carol "$STATE/evil.pub"
printf '%s\n%s\n' "$(cat "$STATE/carol.pub")" "$(cat "$STATE/carol2.pub")" >"$STATE/two.pub"
run 2 key-two-lines h customer key add carol "$STATE/two.pub"
printf 'ssh-ed25519 AAAAnotakey\n' >"$STATE/bad.pub"
run 2 key-garbage h customer key add carol "$STATE/bad.pub"
run 0 key-list h customer key list carol
check "both keys are listed" sh -c "[ \$(grep -c SHA256: '$T_OUT') -eq 2 ]"
kf="$STATE/keys/hgt-carol"
check "authorized_keys holds both keys, restricted" \
    sh -c "[ \$(grep -c '^restrict,pty ssh-' '$kf') -eq 2 ]"
check "authorized_keys is 0644 and not writable by the customer" \
    sh -c "[ \$(stat -c %a '$kf') = 644 ] && [ \$(stat -c %U '$kf') = root ]"
run 0 key-remove h customer key remove carol "$fp"
check "a removed key is gone from authorized_keys" \
    sh -c "! grep -q '$(cut -d' ' -f2 "$STATE/carol.pub")' '$kf' && [ \$(grep -c '^restrict' '$kf') -eq 1 ]"
run 3 key-remove-again h customer key remove carol "$fp"
run 5 key-by-customer as hgt-alice customer key add alice "$STATE/carol.pub"
done_testing
