#!/bin/sh
# hangar-health record: a replay directory written from a system (here
# each hand-written fixture's sysfs stands in for /sys) mirrors every
# file and link topology reads, with relative links, and replays to the
# same notices as the fixture itself; the kmsg and mdstat taken now are
# in it; a second recording into the same directory is refused.
# Usage: record.sh HANGAR-HEALTH REPLAY-DIR
set -u
bin=$1 replay=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
printf '%s\n' '6,1,900000,-;md/raid:md0: raid level 6 active with 6 out of 6 devices' \
    '2,2,1000000,-;md/raid:md0: Disk failure on sdf, disabling device.' > "$d/kmsg"
printf 'Personalities : [raid6]\nunused devices: <none>\n' > "$d/mdstat"
n=0
for fx in "$replay"/*/; do
	[ -f "${fx}layout" ] || continue	# hand-written: has a layout
	name=$(basename "$fx")
	n=$((n + 1))
	printf 'sysfs %s\nmdstat %s\nkmsg %s\nbaseline %s\nmdadm none\n' \
	    "${fx}sysfs" "$d/mdstat" "$d/kmsg" "$d/nobaseline" > "$d/conf"
	rec="$d/rec-$name"
	"$bin" record -f "$d/conf" "$rec" || fail "$name: record"
	# what topology reads: every file and link but the PCI bus lists
	# and the uevent files (which it never opens)
	want=$(cd "${fx}sysfs" && find . \( -type f -o -type l \) \
	    ! -path './bus/pci/devices/*' ! -name uevent | sort)
	got=$(cd "$rec/sysfs" && find . \( -type f -o -type l \) | sort)
	if [ "$want" != "$got" ]; then
		echo "$want" > "$d/w"; echo "$got" > "$d/g"; diff "$d/w" "$d/g"
		fail "$name: sysfs mirror differs"
	fi
	for l in $(cd "$rec/sysfs" && find . -type l); do
		case $(readlink "$rec/sysfs/$l") in
		/*) fail "$name: absolute link $l";;
		esac
	done
	cmp -s "$d/kmsg" "$rec/kmsg" || fail "$name: kmsg"
	[ "$(ls "$rec/mdstat" | wc -l)" -eq 1 ] || fail "$name: mdstat snapshot"
	# the recorded sysfs with the fixture's inputs replays the same
	rm -rf "$rec/kmsg" "$rec/mdstat" "$rec/md" "$rec/examine"
	for f in kmsg mdstat md smart examine baseline; do
		[ -e "$fx$f" ] && cp -R "$fx$f" "$rec/$f"
	done
	"$bin" replay "$fx" > "$d/want.jsonl" || fail "$name: replay fixture"
	"$bin" replay "$rec" > "$d/got.jsonl" || fail "$name: replay recording"
	cmp -s "$d/want.jsonl" "$d/got.jsonl" || {
		diff "$d/want.jsonl" "$d/got.jsonl" | head -5
		fail "$name: the recording replays differently"
	}
done
[ "$n" -ge 4 ] || fail "only $n hand-written fixtures"
"$bin" record -f "$d/conf" "$rec" 2> "$d/err" && fail "recorded twice"
grep -q 'already holds a recording' "$d/err" || fail "$(cat "$d/err")"
echo "ok: $n fixtures recorded, mirrored and replayed alike"
