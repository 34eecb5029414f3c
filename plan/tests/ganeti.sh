#!/bin/sh
# The planners on Ganeti's own test data, from Debian's ganeti-testsuite
# (fetched like the health lab's kernel: apt-get download into a cache,
# dpkg-deb -x; it need not be installed):
#  1. test-plan-ganeti: every test/data/htools/*.data parses (but
#     invalid-node.data, refused naming file, line and field), every plan
#     of them passes the checker, no move leaves its node group, no
#     offline host reboots or receives, no target passes its free disk;
#  2. the expectations of Ganeti's own shelltests of hroller and hsqueeze
#     (test/hs/shelltests/htools-hroller.test, htools-hsqueeze.test), on
#     hangar's plans: where the two agree, the very pattern hroller's
#     output must match; where they differ (hangar-plan(8), HROLLER AND
#     HSQUEEZE), hangar's own answer, and why.
#
#   ganeti.sh HANGAR_PLAN TEST_PLAN_GANETI BUILD_DIR
# Env: HANGAR_GANETI_CACHE  where the .deb and its files are kept (default
#      /var/cache/hangar-ganeti, else BUILD_DIR/ganeti-cache).
# Exit 77 (skip) only when the package cannot be downloaded.
set -u
bin=$1 tg=$2 build=$3
py=python3
skip() { echo "SKIP: $*"; exit 77; }
cache=${HANGAR_GANETI_CACHE:-/var/cache/hangar-ganeti}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=$build/ganeti-cache
	mkdir -p "$cache" || skip "cannot create $cache"
fi
deb=$(ls "$cache"/ganeti-testsuite_*.deb 2>/dev/null | tail -1)
if [ -z "$deb" ]; then
	command -v apt-get >/dev/null 2>&1 || skip "no apt-get here"
	# into a folder of its own, then renamed: a run beside this one (the
	# same tests of another build) never sees half a package
	dl=$(mktemp -d "$cache/dl.XXXXXX") || skip "cannot write in $cache"
	(cd "$dl" && apt-get download ganeti-testsuite >/dev/null 2>&1) || {
		rm -rf "$dl"
		skip "apt-get download ganeti-testsuite failed (no network, or" \
		    "no package lists: apt-get update)"
	}
	for f in "$dl"/ganeti-testsuite_*.deb; do
		[ -f "$f" ] && mv -f "$f" "$cache/"
	done
	rm -rf "$dl"
	deb=$(ls "$cache"/ganeti-testsuite_*.deb 2>/dev/null | tail -1)
	[ -n "$deb" ] || skip "no ganeti-testsuite package after apt-get download"
fi
x="$cache/$(basename "$deb" .deb)"
t=$x/usr/share/ganeti/testsuite/test
if [ ! -d "$t/data/htools" ]; then
	rm -rf "$x.tmp.$$"
	# an extraction that fails is an error, not a skip: the file is here.
	# mv -T does not move it into an $x another run made meanwhile.
	dpkg-deb -x "$deb" "$x.tmp.$$" || {
		rm -rf "$x.tmp.$$"
		echo "not ok - cannot extract $deb"
		exit 1
	}
	mv -T "$x.tmp.$$" "$x" 2>/dev/null || rm -rf "$x.tmp.$$"
	[ -d "$t/data/htools" ] || { echo "not ok - no test/data/htools in $deb"
		exit 1; }
fi
data=$t/data/htools
for f in htools-hroller.test htools-hsqueeze.test; do
	[ -f "$t/hs/shelltests/$f" ] || { echo "not ok - no $f in $deb"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }

# 1. every file, every plan
if "$tg" "$data" >"$tmp/tg.out" 2>&1; then
	ok "$(tail -1 "$tmp/tg.out")"
else
	no "test-plan-ganeti:"
	sed 's/^/# /' "$tmp/tg.out" | grep -v '^# ok ' | head -20
fi

# 2. the shelltests' expectations.  Each case runs hangar-plan ARGS
# --json; one python3 afterwards (it starts slowly) judges them all.
# case_ WHO STATUS KIND PATTERN -- ARGS: the exit status must be STATUS
# and the plan, shown as KIND, match PATTERN as a whole (a Python regex
# on the text without its last newline).  WHO: hroller or hsqueeze (the shelltest's
# own pattern), or hangar (where it differs; why= says why).  KIND, the
# plan as hroller or hsqueeze print theirs (--no-headers): "batches", a
# batch a line, its hosts comma-separated; "first", the first batch's
# hosts a line each and its moves ("  guest target"); "emptied", the
# moves as gnt-instance commands and the hosts emptied as power-offs.
why=""
nc=0
: >"$tmp/cases"
case_() {
	who=$1 want=$2 kind=$3 pat=$4
	shift 5
	nc=$((nc + 1))
	"$bin" "$@" --json >"$tmp/out.$nc" 2>"$tmp/err.$nc"
	st=$?
	name="$who: hangar-plan $(echo "$*" | sed "s|$data/||g")"
	[ -n "$why" ] && name="$name ($why)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$nc" "$st" "$want" "$kind" \
	    "$pat" "$name" >>"$tmp/cases"
}
m="maintenance --master-last"
uro=$data/unique-reboot-order.data

why=""
case_ hroller 0 batches '^node-01-002\nnode-01-003,node-01-001$' -- \
    $m --ignore-non-redundant -t "$uro"
case_ hroller 0 batches '^node-01-002$' -- \
    $m --skip-non-redundant -t "$uro"
case_ hroller 0 batches '^node-01-00.\nnode-01-00.\nnode-01-001$' -- \
    $m -t "$uro"
why="new-0's DRBD copy is on the offline host: it moves with its disk"
case_ hangar 0 batches '^node-01-003\nnode-01-001$' -- \
    $m --ignore-non-redundant -O node-01-002 -t "$uro"
why=""
case_ hroller 0 batches '^node-01-002\nnode-01-001$' -- \
    $m --ignore-non-redundant -O node-01-003 -t "$uro"
case_ hroller 0 batches '^node-01-00[45],node-01-00[45],node-01-001$' -- \
    $m --node-tags=red -t "$data/multiple-tags.data"
case_ hroller 0 batches '^node-01-00[246],node-01-00[246],node-01-00[246]$' \
    -- $m --node-tags=blue -t "$data/multiple-tags.data"
case_ hroller 0 batches 'node-01-00.,node-01-00.\nnode-01-001,node-01-003' \
    -- $m --offline-maintenance -t "$data/hroller-online.data"
why="two primaries of one DRBD secondary reboot together: it has room"
case_ hangar 0 batches '^node-01-00[24],node-01-00[24]\nnode-01-001,node-01-003$' \
    -- $m -t "$data/hroller-online.data"
why=""
case_ hroller 0 batches '^node-01-00.,node-01-00.\nnode-01-00.,node-01-00.\nnode-01-00.,node-01-000$' \
    -- $m -t "$data/hroller-nonredundant.data"
why="nothing to reboot is an empty plan, not an error"
case_ hangar 0 batches '' -- \
    $m --skip-non-redundant -t "$data/hroller-nonredundant.data"
why=""
case_ hroller 0 batches '^node-01-00.,node-01-00.,node-01-00.,node-01-00.,node-01-00.,node-01-000$' \
    -- $m --ignore-non-redundant -t "$data/hroller-nonredundant.data"
case_ hroller 0 batches '^node-01-00.\nnode-01-00.\nnode-01-00.,node-02-000$' \
    -- $m -t "$data/hroller-nodegroups.data"
case_ hroller 0 batches '^node-..,node-..,node-..,node-..\nnode-..,node-..,node-..,node-31$' \
    -- $m -t "$data/hroller-full.data"
case_ hroller 0 batches '^node-..,node-..\nnode-..,node-..\nnode-..,node-..\nnode-..,node-31$' \
    -- $m --full-evacuation -t "$data/hroller-full.data"
why="a DRBD guest and its copy move in a row each, with one target"
case_ hangar 0 first '^node-..\nnode-..\n  inst-.. node-..\n  inst-.. node-..\n  inst-.. node-..\n  inst-.. node-..$' \
    -- $m --full-evacuation --one-step-only -t "$data/hroller-full.data"
why="a primary leaves with its disk, not onto its DRBD copy: room enough"
case_ hangar 0 batches '^node-01-00[23]\nnode-01-00[23]\nnode-01-001$' -- \
    $m --full-evacuation -t "$uro"
# hsqueeze --target-resources=0 empties what it can, as --pack does
why=""
case_ hsqueeze 0 emptied '^(.*\n)*gnt-node power -f off node-01-00[2345]\ngnt-node power -f off node-01-00[2345]\ngnt-node power -f off node-01-00[2345]\ngnt-node power -f off node-01-00[2345]$' \
    -- consolidate --pack -t "$data/hsqueeze-underutilized.data"
case_ hsqueeze 0 emptied '(.|\n)*gnt-instance migrate -f -n node-01-00[01] inst-50(.|\n)*gnt-node power -f off node-01-005(.|\n)*' \
    -- consolidate --pack -t "$data/hsqueeze-underutilized.data"
why="DRBD copies move too; the master is a host like the others"
case_ hangar 0 emptied '(.*\n)*gnt-node power -f off node-01-003\ngnt-node power -f off node-01-005' \
    -- consolidate --pack -t "$data/hsqueeze-mixed-instances.data"
why="offline hosts are neither emptied nor targets: nothing moves"
case_ hangar 0 emptied '' \
    -- consolidate --pack -t "$data/hsqueeze-overutilized.data"

# the offline host of hbal-evac.data never reboots nor receives; no
# guest of hroller-nodegroups.data leaves its group; node2 of
# missing-resources.data, 0 MiB free, offers no disk (judged below)
"$bin" maintenance -t "$data/hbal-evac.data" --json >"$tmp/x.evac" 2>&1
for roll in back forward; do
	"$bin" maintenance --roll $roll -t "$data/hroller-nodegroups.data" \
	    --json >"$tmp/x.groups.$roll" 2>&1
done
"$bin" consolidate --pack -t "$data/missing-resources.data" --json \
    >"$tmp/x.disk" 2>&1

$py - "$tmp" "$n" <<'PY' >"$tmp/judged"
import json, re, sys
tmp, n = sys.argv[1], int(sys.argv[2])

def show(kind, d):
    out = []
    if kind == "batches":
        out = [",".join(b["hosts"]) for b in d["batches"]]
    elif kind == "first":
        b = d["batches"][0]
        out = list(b["hosts"]) + ["  %s %s" % (g["guest"], g["target"])
                                  for g in b["guests"]
                                  if g["action"] == "migrate"]
    elif kind == "emptied":
        out = ["gnt-instance migrate -f -n %s %s" % (m["to"], m["guest"])
               for m in d["moves"]]
        left = {m["from"] for m in d["moves"]}
        out += ["gnt-node power -f off %s" % h["name"] for h in d["hosts"]
                if h["empty"] and h["name"] in left]
    return "".join(l + "\n" for l in out)

for line in open(tmp + "/cases"):
    k, st, want, kind, pat, name = line.rstrip("\n").split("\t")
    n += 1
    if st != want:
        print("not ok %d - %s: exit %s, want %s" % (n, name, st, want))
        print("".join("# " + l for l in open("%s/err.%s" % (tmp, k))))
        continue
    try:
        shown = show(kind, json.load(open("%s/out.%s" % (tmp, k))))
    except (ValueError, KeyError, IndexError) as e:
        print("not ok %d - %s: no plan (%s)" % (n, name, e))
        continue
    if re.fullmatch(pat, shown[:-1] if shown else shown, re.M):
        print("ok %d - %s" % (n, name))
    else:
        print("not ok %d - %s: does not match /%s/" % (n, name, pat))
        print("".join("# " + l + "\n" for l in shown.splitlines()))

def evac(d):
    hosts = [h for b in d["batches"] for h in b["hosts"]]
    assert sorted(hosts) == ["node-1", "node-2", "node-3"], hosts
    assert d["summary"]["skipped_hosts"] == 1
    for b in d["batches"]:
        for g in b["guests"]:
            assert g.get("target") != "node-E", g

def groups(d):
    group = lambda h: h[:7]          # node-01-.. / node-02-..
    rows = [g for b in d["batches"] for g in b["guests"]]
    assert rows
    for g in rows:
        assert group(g["host"]) == group(g.get("target", g["host"])), g
    for m in d.get("moves", []):
        assert group(m["from"]) == group(m["to"]), m

def disk(d):
    cap = {h["name"]: h["disk_cap_mib"] for h in d["hosts"]}
    assert cap == {"node1": 95367, "node2": 0}, cap

for f, check, name in [
        ("x.evac", evac, "hbal-evac: offline node-E neither reboots nor "
         "receives"),
        ("x.groups.back", groups, "hroller-nodegroups, roll back: no guest "
         "leaves its group"),
        ("x.groups.forward", groups, "hroller-nodegroups, roll forward: no "
         "guest leaves its group"),
        ("x.disk", disk, "missing-resources: node2's f_dsk 0 leaves it no "
         "disk to offer")]:
    n += 1
    try:
        check(json.load(open(tmp + "/" + f)))
        print("ok %d - %s" % (n, name))
    except (AssertionError, ValueError, KeyError) as e:
        print("not ok %d - %s: %r" % (n, name, e))
PY
cat "$tmp/judged"
fails=$((fails + $(grep -c '^not ok' "$tmp/judged")))
n=$(grep -c '^ok\|^not ok' "$tmp/judged")
n=$((n + 1))

echo "1..$n"
[ "$fails" -eq 0 ]
