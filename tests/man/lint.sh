#!/bin/sh
# Every man page of the tree, linted and rendered (TAP).  Usage:
#   lint.sh SRC PAGE...   (meson passes every page of man_pages)
# Each page must be in the list meson installs, pass `mandoc -Tlint -W
# warning` without a message (mandoc exits 2 on a warning), and render
# without the mistakes lint does not see: an empty quote (`.Ql ,` renders
# as `') and a flag glued to a bracket (`Fl Oo` renders as -[).
set -u
src=$1
shift
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# every mdoc page in the source tree (fixtures have names like 1f.2 too)
for f in $(find "$src" -name '*.[1-9]' -type f -not -path '*/build*' \
    -not -path '*/.git/*' | sort); do
	head -1 "$f" | grep -q '^\.Dd' || continue
	found=0
	for p in "$@"; do
		[ "$(readlink -f "$p")" = "$(readlink -f "$f")" ] && found=1
	done
	if [ $found = 1 ]; then
		ok "${f#"$src"/} is linted"
	else
		not_ok "${f#"$src"/} is not in man_pages (meson.build)"
	fi
done
for p in "$@"; do
	name=$(basename "$p")
	if out=$(mandoc -Tlint -W warning "$p" 2>&1) && [ -z "$out" ]; then
		ok "$name: mandoc -Tlint -W warning is clean"
	else
		not_ok "$name: mandoc -Tlint -W warning"
		echo "$out" | sed 's/^/# /'
	fi
	text=$(mandoc -Tascii "$p" | sed 's/.\x08//g')
	bad=$(printf '%s\n' "$text" | grep -n "\`'\|-\[" || true)
	if [ -z "$bad" ]; then
		ok "$name: renders without empty quotes or -["
	else
		not_ok "$name: renders an empty quote or -["
		echo "$bad" | sed 's/^/# /'
	fi
done
echo "1..$n"
[ $failed -eq 0 ]
