#!/bin/sh
# Replays every fixture under DIR twice (the output must be identical),
# writes JSON lines and .eml files, and lets replay_check.py judge them.
# Usage: replay.sh HANGAR-HEALTH FIXTURES-DIR replay_check.py
set -eu
bin=$1 fixtures=$2 check=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for fx in "$fixtures"/*/; do
	name=$(basename "$fx")
	mkdir -p "$out/$name.outbox" "$out/$name.again"
	"$bin" replay --outbox "$out/$name.outbox" "$fx" > "$out/$name.jsonl"
	"$bin" replay --outbox "$out/$name.again" "$fx" > "$out/$name.jsonl2"
	cmp "$out/$name.jsonl" "$out/$name.jsonl2"
	diff -r "$out/$name.outbox" "$out/$name.again"
done
# a missing directory is an error with the documented exit status
if "$bin" replay "$out/nonexistent" > /dev/null 2>&1; then
	echo "replay of a missing directory succeeded" >&2
	exit 1
fi
/usr/bin/python3 "$check" "$out"
