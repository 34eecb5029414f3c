#!/bin/sh
# Golden tests of the hangar command against hangard and libvirt's test
# driver: tables, JSON, and every bad input (one clear line, a documented
# exit status, nothing changed in the store or on the hypervisor).
. "$HANGAR_SRC/tests/lib.sh"

state_new
# a test-driver host that already has a domain named "clash": defining a
# guest of that name there fails inside libvirt, after the store reserved it
clash='<domain type="test"><name>clash</name><memory>65536</memory><os><type>hvm</type></os></domain>'
hdd1=$(node_xml hdd1 8 32)
hdd2=$(node_xml hdd2 8 32 "$clash")
ssd1=$(node_xml ssd1 32 128)
run 0 config-default "$HANGARD" -n -s "$STATE"
printf 'vcpu_ratio 4\nrefresh_interval = 1\n# comment\nconnect_timeout 0.5\n' >"$STATE/good.conf"
run 0 config-good "$HANGARD" -n -f "$STATE/good.conf" -s "$STATE"
printf 'vcpu_ratio 4\nbogus_key 1\n' >"$STATE/bad.conf"
run 1 config-bad "$HANGARD" -n -f "$STATE/bad.conf"
check "a config error names file, line and key" \
    grep -q "bad.conf:2: bogus_key: unknown setting" "$T_ERR"
printf 'vcpu_ratio 400\n' >"$STATE/bad2.conf"
run 1 config-range "$HANGARD" -n -f "$STATE/bad2.conf"
check "a config value out of range is refused" grep -q "from 1 to 64" "$T_ERR"
run 1 config-missing "$HANGARD" -n -f "$STATE/nonexistent.conf"
for v in 5s -1 121 nan; do
	printf 'connect_timeout %s\n' "$v" >"$STATE/bad3.conf"
	run 1 "config-connect-timeout-$v" "$HANGARD" -n -f "$STATE/bad3.conf"
	check "connect_timeout $v is refused, saying what it takes" \
	    grep -q "connect_timeout: must be seconds from 0" "$T_ERR"
done

hangard_start -f "$STATE/good.conf" || { done_testing; exit 1; }

run 0 host-add-1 h host add hdd1 --uri "$hdd1" --disk 2T --disk-kind hdd
run 0 host-add-2 h host add hdd2 --uri "$hdd2" --disk 2T --disk-kind hdd
run 0 host-add-3 h host add ssd1 --uri "$ssd1" --disk 4T --disk-kind ssd \
    --ram 120G
golden host-add.out "$STATE/host-add-3.out"
run 0 customer-add-1 h customer add alice --email alice@example.net \
    --tz Europe/Berlin
run 0 customer-add-2 h customer add bob --uid 4242
for g in "web1 alice small hdd1" "db1 alice large ssd1" "mail bob medium hdd2"; do
	set -- $g
	run 0 "create-$1" h guest create "$1" --owner "$2" --plan "$3" \
	    --host "$4" --start
done
run 0 create-auto h guest create auto1 --owner bob --plan micro
check "without --host the roomiest host is chosen" grep -q "host *ssd1" "$T_OUT"

run 0 host-list h host list
golden host-list.out "$T_OUT"
run 0 guest-list h guest list
golden guest-list.out "$T_OUT"
check "guest.list with rows: field names first, then one row a guest" python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb")
def call(m, p):
    f.write(json.dumps({"id": 1, "method": m, "params": p}).encode() + b"\n"); f.flush()
    return json.loads(f.readline())["result"]
call("hello", {"version": 1})
objs = call("guest.list", {})
rows = call("guest.list", {"rows": True})
names = rows[0]
assert names[:3] == ["name", "owner", "plan"], names
assert len(rows) == len(objs) + 1
for o, r in zip(objs, rows[1:]):
    keep = [k for k in names if k != "uptime_s"]	# may tick between calls
    assert {k: v for k, v in zip(names, r) if k in keep} == {k: o[k] for k in keep}, (o, r)
' "$STATE/hangard.sock"
run 0 guest-list-owner h guest list --owner bob
golden guest-list-bob.out "$T_OUT"
run 0 customer-list h customer list
golden customer-list.out "$T_OUT"
run 0 customer-show h customer show alice
check "customer show prints - for no uid and no user, as customer list" sh -c \
    "grep -qx 'uid  *-' '$T_OUT' && grep -qx 'unix_user  *-' '$T_OUT'"
run 0 plan-list h plan list
golden plan-list.out "$T_OUT"
run 0 guest-show-json h --json guest show db1
check "--json gives the guest as JSON" python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
assert g["name"] == "db1" and g["owner"] == "alice" and g["state"] == "running"
assert g["plan"] == "large" and g["ram_mib"] == 4096 and len(g["uuid"]) == 36
' "$T_OUT"

# lifecycle, read back from libvirt
run 0 shutdown h guest shutdown web1 --force-after 5
check "shutdown leaves web1 shut off" grep -q "state *shutoff" "$T_OUT"
run 0 start h guest start web1
check "start makes web1 running" grep -q "state *running" "$T_OUT"
run 0 reboot h guest reboot web1
run 0 destroy h guest destroy web1
check "destroy leaves web1 shut off" grep -q "state *shutoff" "$T_OUT"
run 4 start-start h guest start mail
check "starting a running guest says why" grep -q "already running" "$T_ERR"

# bad input: one line on stderr, documented exit status, nothing changed
h --json guest list >"$STATE/before.json"
h --json host list >"$STATE/before-hosts.json"
run 3 unknown-host h guest create x1 --owner alice --plan small --host nohost
run 3 unknown-owner h guest create x1 --owner nobody --plan small --host hdd1
run 3 unknown-plan h guest create x1 --owner alice --plan huge --host hdd1
run 0 fill-1 h guest create x1 --owner alice --plan xlarge --host hdd1
run 0 fill-2 h guest create x2 --owner alice --plan xlarge --host hdd1
run 0 fill-3 h guest create x3 --owner alice --plan xlarge --host hdd1
h --json guest list >"$STATE/before.json"
run 4 too-big h guest create x4 --owner alice --plan xlarge --host hdd1
check "capacity error names host and free RAM" \
    grep -q "does not fit on host hdd1: needs 8G RAM, .* free" "$T_ERR"
h --json guest list >"$STATE/after.json"
# uptimes may tick between the two lists (a loaded machine): not compared
check "a refused create changed nothing" python3 -c '
import json, sys
strip = lambda g: {k: v for k, v in g.items() if k != "uptime_s"}
a = [strip(g) for g in json.load(open(sys.argv[1]))]
b = [strip(g) for g in json.load(open(sys.argv[2]))]
assert a == b, (a, b)
' "$STATE/before.json" "$STATE/after.json"
for x in x1 x2 x3; do h guest delete $x --force >/dev/null; done
h --json guest list >"$STATE/before.json"
run 4 duplicate h guest create db1 --owner alice --plan small --host hdd1
check "duplicate name is named" grep -q "guest db1: already exists" "$T_ERR"
run 6 libvirt-refuses h guest create clash --owner alice --plan small \
    --host hdd2
run 2 bad-name h guest create Web_1 --owner alice --plan small
run 2 bad-kind h guest create x9 --owner alice --plan small --kind lxc
run 2 relative-kernel h guest create x9 --owner alice --plan small \
    --kernel vmlinuz
run 2 bad-uri h host add h9 --uri 'foo:bar' --disk 1T --disk-kind ssd
run 2 bad-uri-driver h host add h9 --uri 'vbox:///session' --disk 1T \
    --disk-kind ssd
run 7 unreachable h host add h9 --uri 'qemu+tcp://127.0.0.1:1/system' \
    --disk 1T --disk-kind ssd
run 4 dup-host h host add hdd1 --uri "$ssd1" --disk 1T --disk-kind ssd
run 4 dup-uri h host add h9 --uri "$hdd1" --disk 1T --disk-kind ssd
run 2 bad-disk-kind h host add h9 --uri "$hdd1" --disk 1T --disk-kind nvme
run 2 bad-size h host add h9 --uri "$hdd1" --disk lots --disk-kind ssd
run 2 usage-missing h guest create x9 --owner alice
check "usage error names the missing option" grep -q "missing --plan" "$T_ERR"
run 2 usage-unknown h guest list --colour
run 2 usage-command h frobnicate now
check "an unknown command is one line naming hangar help" sh -c \
    "[ \$(wc -l <'$T_ERR') -eq 1 ] && grep -q \"'hangar help'\" '$T_ERR'"
run 2 usage-verb h guest frobnicate
check "an unknown verb names its noun's help" grep -q "'hangar guest --help'" "$T_ERR"
run 0 help-noun h guest --help
# as many as `hangar help` lists for guest (12 or more), every line one
n=$(h help | grep -c ' hangar guest [a-z]')
check "guest --help lists the guest commands, and only those ($n)" sh -c \
    "[ $n -ge 12 ] &&
	[ \$(grep -c '^\(usage:\|      \) hangar guest [a-z]' '$T_OUT') -eq $n ] &&
	[ \$(wc -l <'$T_OUT') -eq $n ]"
run 0 help-noun-2 h help maint
check "help maint is maint's commands" grep -q "^usage: hangar maint plan" "$T_OUT"
run 0 help-all h help
check "help lists every noun's commands" sh -c "for n in host customer plan \
    guest advisory maint consolidate post store image incident demo; do grep -q \"hangar \$n \" \
    '$T_OUT' || exit 1; done"
run 0 help-cmd h guest show --help
check "a command's --help is its usage" grep -qx "usage: hangar guest show NAME" "$T_OUT"
run 2 noun-alone h guest
run 2 help-bad-noun h help frobnicate
run 0 version h --version
check "--version prints the version" grep -qx "hangar [0-9][0-9.]*" "$T_OUT"
run 2 bad-option h --frobnicate
check "an unknown option is one line naming hangar help" sh -c \
    "[ \$(wc -l <'$T_ERR') -eq 1 ] && grep -q 'hangar help' '$T_ERR'"
run 3 no-guest h guest start nosuch
run 2 bad-state h host set-state hdd1 sleeping
run 4 delete-running h guest delete db1
check "deleting a running guest says how" grep -q "use --force\|--force" "$T_ERR"
run 4 cust-dup h customer add alice
run 4 uid-dup h customer add carol --uid 4242
run 2 bad-email h customer add carol --email 'x@y
Bcc: z'
for f in $(ls "$STATE"/*.err); do
	case "$f" in *config-*) continue ;; esac
	[ -s "$f" ] || continue
	if [ "$(wc -l <"$f")" -gt 1 ] && ! grep -q '^usage:' "$f" &&
	    ! grep -q '^       hangar' "$f"; then
		not_ok "$(basename "$f"): more than one line of error"
		diag "$(cat "$f")"
	fi
done
ok "every error is one line (usage errors add the usage)"
h --json guest list >"$STATE/after.json"
h --json host list >"$STATE/after-hosts.json"
check "failed commands changed no guest" python3 -c '
import json, sys
strip = lambda g: {k: v for k, v in g.items() if k != "uptime_s"}
a = [strip(g) for g in json.load(open(sys.argv[1]))]
b = [strip(g) for g in json.load(open(sys.argv[2]))]
assert a == b, (a, b)
' "$STATE/before.json" "$STATE/after.json"
check "failed commands changed no host" cmp -s "$STATE/before-hosts.json" \
    "$STATE/after-hosts.json"
check "a failed libvirt define left no guest in the store" \
    sh -c "! h guest show clash >/dev/null 2>&1"

# guest disks: in the host's storage pool, created and removed with the guest
pool="<pool type='dir'><name>vms</name><capacity unit='TiB'>1</capacity><available unit='TiB'>1</available><target><path>/srv/vms</path></target></pool>"
pooled=$(node_xml pooled 8 32 "$pool")
run 6 no-such-pool h host add pooled --uri "$pooled" --disk 1T --disk-kind ssd \
    --pool nosuchpool
check "a missing pool is named" grep -q "nosuchpool" "$T_ERR"
run 3 no-such-pool-nothing-stored h host show pooled
run 0 pooled-host h host add pooled --uri "$pooled" --disk 1T --disk-kind ssd \
    --pool vms
run 0 disk-guest h --json guest create withdisk --owner bob --plan small \
    --host pooled
check "the guest's disk is a volume in the pool" \
    grep -q '"disk":"/srv/vms/withdisk.qcow2"' "$T_OUT"
run 0 disk-guest-delete h guest delete withdisk
run 0 disk-guest-again h --json guest create withdisk --owner bob --plan small \
    --host pooled
check "deleting the guest removed its volume (the name is free again)" \
    grep -q '"disk":"/srv/vms/withdisk.qcow2"' "$T_OUT"
h guest delete withdisk >/dev/null

# host states: a host in maintenance takes no new guests
run 0 maint h host set-state hdd2 maintenance
run 4 maint-create h guest create x7 --owner bob --plan micro --host hdd2
check "the state is named" grep -q "hdd2 is maintenance" "$T_ERR"
run 0 active h host set-state hdd2 active

# delete: gone from libvirt and the store; capacity comes back
run 0 delete h guest delete db1 --force
run 3 deleted-show h guest show db1
run 0 delete-stopped h guest delete web1
run 0 host-after h --json host show hdd1
check "capacity is freed on delete" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h["guests"] == 0 and h["used_ram_mib"] == 0, h
' "$T_OUT"

# advisories: which hosts need what, from the versions libvirt reported
run 0 adv-add h advisory add XSA-213 --title "64-bit PV guest breakout" \
    --affects 'test >= 0.0.1, < 0.0.3; xen >= 4.0, < 4.8.2' --action reboot
run 0 adv-add-2 h advisory add XSA-999 --title "not us" \
    --affects 'xen < 4.8.2' --action live-patch
run 2 adv-bad-range h advisory add XSA-1 --title x --affects 'xen => 4'
check "a bad range is explained" grep -q "affects: bad version at '> 4'" "$T_ERR"
run 2 adv-bad-action h advisory add XSA-2 --title x --affects 'xen < 5' \
    --action pray
run 4 adv-dup h advisory add XSA-213 --title x --affects 'xen < 5'
run 0 adv-list h advisory list
golden advisory-list.out "$T_OUT"
run 0 adv-impact h advisory impact XSA-213
check "every test-driver host (TEST 0.0.2) needs a reboot" \
    sh -c "[ \$(grep -c '  reboot\$' '$T_OUT') -eq \$('$HANGAR' -s '$STATE' --json host list | grep -c '\"uri\"') ]"
run 0 adv-impact-none h --json advisory impact XSA-999
check "a Xen advisory affects no test-driver host" \
    grep -q '"affected_hosts":0' "$T_OUT"
run 3 adv-unknown h advisory impact XSA-404

# the status feed: posts rendered as Atom and a static HTML page
run 0 post-1 h post add --kind announcement \
    --title "OpenBSD installer now pre-downloaded" \
    --body "We've added the OpenBSD 6.1 installer with boot.conf edited to use the serial console."
printf 'From Thursday April 27th through Monday May 1st we patched XSA-213.\n\nSee <https://xenbits.xen.org/> & thanks.\n' >"$STATE/body.txt"
run 0 post-2 sh -c "'$HANGAR' -s '$STATE' post add --kind maintenance-completed \
    --title 'XSA 213-215 security patches applied' --body - --avg 35 \
    --longest 67 --shortest 15 <'$STATE/body.txt'"
run 2 post-bad-kind h post add --kind gossip --title x --body y
run 2 post-partial-figures h post add --kind maintenance-completed \
    --title x --body y --avg 35
run 2 post-update-orphan h post add --kind incident-update --title x --body y
run 0 post-list h post list
check "posts are listed newest first" sh -c \
    "sed -n 2p '$T_OUT' | grep -q 'XSA 213-215'"
run 0 publish h post publish
check "the feed is valid Atom with both entries" python3 -c '
import sys, xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
f = ET.parse(sys.argv[1]).getroot()
assert f.tag == A + "feed", f.tag
for el in ("id", "title", "updated"):
    assert f.find(A + el) is not None, el
es = f.findall(A + "entry")
assert len(es) == 2, len(es)
titles = [e.find(A + "title").text for e in es]
assert "XSA 213-215 security patches applied" in titles, titles
for e in es:
    for el in ("id", "title", "updated", "published", "content"):
        assert e.find(A + el) is not None, el
body = [e for e in es if "XSA" in e.find(A + "title").text][0]
assert "35" in body.find(A + "content").text
' "$STATE/feed/feed.atom"
check "the HTML page escapes the body" sh -c \
    "grep -q '&lt;https://xenbits.xen.org/&gt; &amp; thanks' '$STATE/feed/index.html'"

# the planners on the live fleet (no -t): empty the HDD hosts onto SSD
run 0 plan-live h plan consolidate --retire stor:hdd --to ssd --json
check "the live plan moves every guest off the HDD hosts onto ssd1" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
moves = p["moves"]
assert moves and all(m["to"] == "ssd1" for m in moves), moves
assert sorted(m["guest"] for m in moves) == ["mail"], moves
' "$T_OUT"
run 0 plan-live-maint h plan maintenance --max-parallel 1
check "the live maintenance plan names every host" \
    sh -c "grep -q hdd1 '$T_OUT' && grep -q ssd1 '$T_OUT' && grep -q pooled '$T_OUT'"
run 7 plan-no-daemon "$HANGAR" -s "$STATE/nowhere" plan consolidate --retire stor:hdd

# an online backup of the store, then a restore from it
h --json guest list >"$STATE/backed-up.json"
run 0 backup h store backup
bk=$(sed -n 's/^path  *//p' "$T_OUT")
check "the backup is a new file in STATE/backups, for root (or admins) only" \
    sh -c "case '$bk' in '$STATE'/backups/hangar-*.db) ;; *) exit 1 ;; esac
	case \$(stat -c %a '$bk') in 600|640) ;; *) exit 1 ;; esac"
check "the backup is a whole, sound store with every guest" python3 -c '
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
names = sorted(r[0] for r in c.execute("select name from guests"))
want = sorted(g["name"] for g in json.load(open(sys.argv[2])))
assert names and names == want, (names, want)
' "$bk" "$STATE/backed-up.json"
sha_bk=$(sha256sum <"$bk")
run 0 backup-2 h store backup
check "a second backup in the same second is another file" sh -c \
    "test \"\$(sed -n 's/^path  *//p' '$T_OUT')\" != '$bk' &&
	test \"\$(sha256sum <'$bk')\" = '$sha_bk'"
run 0 after-backup h guest delete auto1 --force
hangard_stop
cp "$bk" "$STATE/hangar.db" && rm -f "$STATE/hangar.db-wal" "$STATE/hangar.db-shm"
hangard_start -f "$STATE/good.conf"
run 0 restored h guest show auto1
check "a restored backup has what it held: the guest deleted after it" \
    grep -q "owner *bob" "$T_OUT"
h guest delete auto1 --force >/dev/null

# the daemon survives a restart and keeps its store
hangard_stop
check "hangard exits 0 on SIGTERM" test "$rc" -eq 0
check "hangard removes its socket" test ! -e "$STATE/hangard.sock"
hangard_start -f "$STATE/good.conf"
run 0 after-restart h guest show mail
check "guests survive a daemon restart" grep -q "owner *bob" "$T_OUT"
run 7 no-daemon "$HANGAR" -s "$STATE/nowhere" guest list
check "no daemon: says so" grep -q "is hangard running" "$T_ERR"

done_testing
