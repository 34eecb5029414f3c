#!/bin/sh
# hangar-health record: a replay directory written from a (fixture) system
# mirrors the sysfs parts topology needs, with relative links, and replays
# to the incident the live inputs make.
# Usage: record.sh HANGAR-HEALTH FIXTURE-SYSFS
set -u
bin=$1 sysfs=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
printf '%s\n' '6,1,900000,-;md/raid:md0: raid level 6 active with 6 out of 6 devices' \
    '2,2,1000000,-;md/raid:md0: Disk failure on sdf, disabling device.' \
    '2,3,1000100,-;md/raid:md0: Operation continuing on 5 devices.' > "$d/kmsg"
cat > "$d/mdstat" <<'EOT'
Personalities : [raid6] [raid5] [raid4]
md0 : active raid6 sdf[5](F) sde[4] sdd[3] sdc[2] sdb[1] sda[0]
      400 blocks super 1.2 level 6, 512k chunk, algorithm 2 [6/5] [UUUUU_]

unused devices: <none>
EOT
printf 'sysfs %s\nmdstat %s\nkmsg %s\nbaseline %s\n' "$sysfs" "$d/mdstat" \
    "$d/kmsg" "$d/nobaseline" > "$d/conf"
"$bin" record -f "$d/conf" "$d/rec" || fail "record"
"$bin" record -f "$d/conf" "$d/rec" 2> "$d/err" && fail "recorded twice"
grep -q 'already holds a recording' "$d/err" || fail "$(cat "$d/err")"
# the mirror: every file and link topology reads, links relative
want=$(cd "$sysfs" && find block devices class/scsi_host \( -type f -o -type l \) | sort)
got=$(cd "$d/rec/sysfs" && find block devices class/scsi_host \( -type f -o -type l \) | sort)
[ "$want" = "$got" ] || { echo "$want" > "$d/w"; echo "$got" > "$d/g"; diff "$d/w" "$d/g"; fail "sysfs mirror differs"; }
for l in $(cd "$d/rec/sysfs" && find . -type l); do
	case $(readlink "$d/rec/sysfs/$l") in
	/*) fail "absolute link $l";;
	esac
done
cmp "$d/kmsg" "$d/rec/kmsg" || fail "kmsg"
[ "$(ls "$d/rec/mdstat" | wc -l)" -eq 1 ] || fail "mdstat snapshot"
"$bin" replay "$d/rec" > "$d/out" || fail "replay"
/usr/bin/python3 - "$d/out" <<'PY' || fail "incidents"
import json, sys
n = [json.loads(l) for l in open(sys.argv[1])]
assert len(n) == 1, n
i = n[0]
assert i["kind"] == "disk", i
assert i["disks"] == [{"serial": "WD-WX11A006", "name": "sdf",
                       "path": "pci-0000:00:1f.2-ata-2", "array": "md0"}], i
assert i["arrays"][0]["state"] == "degraded", i["arrays"]
PY
echo "ok: recorded, mirrored and replayed"
