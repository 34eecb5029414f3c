#!/bin/sh
# A real guest: hangard drives libvirt's embedded QEMU driver
# (qemu:///embed?root=DIR, no libvirtd) under TCG; the guest boots the
# Debian installer kernel directly with console=ttyS0, runs, and is
# destroyed and deleted again.  Skip with HANGAR_SKIP_QEMU=1.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"

state_new
root="$STATE/libvirt"
mkdir -p "$root/etc"
# as root: no virtlogd needed, QEMU runs as root, shared images untouched
cat >"$root/etc/qemu.conf" <<CONF
stdio_handler = "file"
user = "root"
group = "root"
dynamic_ownership = 0
CONF
EXTRA_CLEANUP='for p in "$root"/run/qemu/*.pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done'
hangard_start || { done_testing; exit 1; }

t0=$(date +%s)
run 0 host-add h host add qemu1 --uri "qemu:///embed?root=$root" \
    --accel tcg --disk 20G --disk-kind ssd
check "the host's hypervisor is read from libvirt" grep -q "hv_type *QEMU" "$T_OUT"
run 0 customer h customer add tester
run 0 create h guest create di1 --owner tester --plan small --host qemu1 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --cmdline console=ttyS0 \
    --start
check "the guest is running" grep -q "state *running" "$T_OUT"
pidfile="$root/run/qemu/di1.pid"
check "a QEMU process runs for it" sh -c "kill -0 \$(cat '$pidfile')"
tr '\0' ' ' </proc/"$(cat "$pidfile")"/cmdline >"$STATE/qemu.cmdline"
check "it runs under TCG" grep -q -- '-accel tcg' "$STATE/qemu.cmdline"
check "it has no VGA device and no display (fleet policy)" sh -c \
    "grep -q -- '-display none' '$STATE/qemu.cmdline' &&
     ! grep -Eqi 'vga|cirrus|qxl|bochs|-vnc|-spice' '$STATE/qemu.cmdline'"
check "it has a serial port" sh -c \
    "tr '\\0' ' ' </proc/\$(cat '$pidfile')/cmdline | grep -q -- '-chardev pty'"
sleep 2
run 0 show h guest show di1
check "state read back: running" grep -q "state *running" "$T_OUT"
run 0 destroy h guest destroy di1
check "destroyed: shut off" grep -q "state *shutoff" "$T_OUT"
check "the QEMU process is gone" sh -c "! [ -f '$pidfile' ] || ! kill -0 \$(cat '$pidfile') 2>/dev/null"
run 0 delete h guest delete di1
run 3 gone h guest show di1
check "the domain definition is gone from the embed root" \
    sh -c "! ls '$root'/etc/qemu/*.xml >/dev/null 2>&1 || ! grep -l di1 '$root'/etc/qemu/*.xml"
diag "real guest cycle took $(( $(date +%s) - t0 )) s"
hangard_stop
check "hangard stops cleanly" test "$rc" -eq 0
done_testing
