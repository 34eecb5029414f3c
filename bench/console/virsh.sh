#!/bin/sh
# `virsh console` next to hangard's relay on one real guest (TCG; ACCEL=kvm) whose
# init echoes its serial line (virshcmp.py).  Skipped without KVM, QEMU,
# a static busybox, or the Debian installer kernel.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
skip() { echo "virsh console comparison: skipped ($*)"; exit 0; }
[ "${ACCEL:-tcg}" = tcg ] || [ -w /dev/kvm ] || skip "no /dev/kvm"
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86"
command -v virsh >/dev/null || skip "no virsh"
command -v cpio >/dev/null || skip "no cpio"
[ -r "$DI/linux" ] || skip "no debian-installer-12-netboot-amd64 kernel"
file -L /usr/bin/busybox 2>/dev/null | grep -q "statically linked" ||
    skip "no static busybox"
tmp=$(mktemp -d /tmp/hangar-bench.XXXXXX)
chmod 755 "$tmp"
# only the guests' pid files: driver.pid is libvirt's own (virsh, hangard)
trap 'for p in "$tmp"/*/run/qemu/echo.pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/initrd/bin" "$tmp/initrd/dev"
cp /usr/bin/busybox "$tmp/initrd/bin/busybox"
cat >"$tmp/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox stty -F /dev/ttyS0 raw -echo
exec /bin/busybox cat /dev/ttyS0 >/dev/ttyS0
INIT
chmod 755 "$tmp/initrd/init"
(cd "$tmp/initrd" && find . | cpio -o -H newc --quiet | gzip) >"$tmp/echo.cpio.gz"
python3 "$here/virshcmp.py" "$build" "$tmp" "$DI/linux" "$tmp/echo.cpio.gz"
