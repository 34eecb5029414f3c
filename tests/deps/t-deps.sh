#!/bin/sh
# scripts/install-deps and the package lists (TAP):
# - the demo set (scripts/deps/demo-*.txt) has none of the test-only
#   packages: browsers, QEMU, installers, servers, test tools;
# - every package of the demo set is in the full set, and every file is
#   read by one of the sets;
# - with a stand-in apt-get first in PATH (no real package is touched):
#   apt-get update is tried again while another apt holds the lists' lock,
#   then install waits for the dpkg lock itself (DPkg::Lock::Timeout),
#   and a failure that is not the lock stops at once.
set -u
src=${HANGAR_SRC:?set by meson test}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

demo=$(sh "$src/scripts/install-deps" --list demo)
all=$(sh "$src/scripts/install-deps" --list check)
check "the demo set is not empty" test -n "$demo"
# what building and running the demo must never pull in
for p in chromium tidy qemu-system-x86 qemu-utils debian-installer-12-netboot-amd64 \
    ngircd openssh-server openssh-client tmux mdadm smartmontools \
    libvirt-daemon-system libvirt-daemon-driver-qemu clang libcmocka-dev \
    python3-aiosmtpd python3-feedparser xorriso isolinux busybox-static \
    signify-openbsd mandoc; do
	if printf '%s\n' "$demo" | grep -qx "$p"; then
		not_ok "the demo set has test-only $p"
	else
		ok "the demo set has no $p"
	fi
	check "the full set has $p" sh -c "printf '%s\n' \"\$0\" | grep -qx '$p'" "$all"
done
missing=$(printf '%s\n' "$demo" | while read -r p; do
	printf '%s\n' "$all" | grep -qx "$p" || echo "$p"; done)
check "every demo package is in the full set${missing:+ (not: $missing)}" test -z "$missing"
check "an unknown set is a usage error" sh -c \
    "sh '$src/scripts/install-deps' --list everything 2>/dev/null; test \$? -eq 2"

# the lock: a stand-in apt-get, in a copy of the script with one list
if [ "$(id -u)" != 0 ]; then
	echo "# not root: install-deps would not call apt-get; lock checks skipped"
else
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	mkdir -p "$T/scripts/deps" "$T/bin"
	cp "$src/scripts/install-deps" "$T/scripts/"
	echo "hangar-no-such-package-for-the-test" >"$T/scripts/deps/demo-x.txt"
	cat >"$T/bin/apt-get" <<'SH'
#!/bin/sh
echo "$*" >>"$T/calls"
case " $* " in
*" update "*)
	n=$(cat "$T/held" 2>/dev/null || echo 0)
	if [ "$n" -gt 0 ]; then
		echo $((n - 1)) >"$T/held"
		echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt-get)" >&2
		exit 100
	fi
	[ -f "$T/broken" ] && { echo "E: The repository is not signed." >&2; exit 100; }
	exit 0 ;;
*" install "*)
	exit 0 ;;
esac
exit 1
SH
	chmod 755 "$T/bin/apt-get"
	export T
	echo 2 >"$T/held"
	PATH="$T/bin:$PATH" HANGAR_APT_RETRY=0.1 sh "$T/scripts/install-deps" demo \
	    >"$T/out" 2>"$T/err"
	rc=$?
	check "install-deps waits while the lists are locked, then installs (rc $rc)" \
	    test "$rc" -eq 0
	check "apt-get update was tried three times" \
	    test "$(grep -c ' update' "$T/calls")" -eq 3
	check "it said it was waiting, once" test "$(grep -c 'waiting up to' "$T/err")" -eq 1
	check "apt-get install waits for the dpkg lock (DPkg::Lock::Timeout)" \
	    grep -q 'DPkg::Lock::Timeout=600 .*install\|install.*DPkg::Lock::Timeout=600' "$T/calls"
	check "only the missing package is installed" \
	    grep -q 'install .*hangar-no-such-package-for-the-test$' "$T/calls"
	: >"$T/calls"
	echo 1000 >"$T/held"
	PATH="$T/bin:$PATH" HANGAR_APT_RETRY=0.1 HANGAR_APT_WAIT=1 \
	    sh "$T/scripts/install-deps" demo >"$T/out" 2>"$T/err"
	check "a lock held past HANGAR_APT_WAIT fails" test $? -ne 0
	check "and apt's own message is shown" grep -q 'Could not get lock' "$T/err"
	: >"$T/calls"
	echo 0 >"$T/held"
	touch "$T/broken"
	PATH="$T/bin:$PATH" HANGAR_APT_RETRY=0.1 sh "$T/scripts/install-deps" demo \
	    >"$T/out" 2>"$T/err"
	rc=$?
	check "another apt-get update failure stops at once (rc $rc)" \
	    test "$rc" -ne 0 -a "$(grep -c ' update' "$T/calls")" -eq 1
fi
echo "1..$n"
[ "$failed" -eq 0 ]
