#!/bin/sh
# Installing an OS from the catalog, end to end: the operator adds the
# Debian installer (kernel + initrd, SHA-256 checked) to the catalog; a
# customer, through hangar-console, installs it on a VPS (QEMU, TCG) and
# sees the installer's first dialog on the serial console; the VPS's next
# boot is from its disk again.  Rescue boots a kernel with the disk
# attached.  Every refusal leaves the catalog unchanged.
. "$HANGAR_SRC/tests/lib.sh"

DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
[ "$(id -u)" = 0 ] || skip_all "needs root: creates a user, runs QEMU"
[ -r "$DI/linux" ] || skip_all "no debian-installer-12-netboot-amd64"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"

U=hgt-inst
userdel -r "$U" >/dev/null 2>&1
state_new
root="$STATE/libvirt"
mkdir -p "$root/etc" "$STATE/bin"
printf 'stdio_handler = "file"\nuser = "root"\ngroup = "root"\ndynamic_ownership = 0\n' \
    >"$root/etc/qemu.conf"
cp "$HANGAR_BUILD/console/hangar-console" "$STATE/bin/"
chmod 755 "$STATE/bin" "$STATE/bin/hangar-console"
EXTRA_CLEANUP='for p in "$root"/run/qemu/*.pid; do [ "${p##*/}" != driver.pid ] && [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done; userdel -r "$U" >/dev/null 2>&1'
printf 'keys_dir %s/keys\n' "$STATE" >"$STATE/hangard.conf"
hangard_start -f "$STATE/hangard.conf" || { done_testing; exit 1; }

k=$(sha256sum "$DI/linux" | cut -d' ' -f1)
i=$(sha256sum "$DI/initrd.gz" | cut -d' ' -f1)
bad=$(echo "$k" | tr '0-9a-f' '1-9a-f0')
run 0 image-list-empty h --json image list
cp "$T_OUT" "$STATE/catalog-before"
run 2 image-bad-sum h image add debian-12 --os debian --version 12 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --sha256 "$bad" \
    --initrd-sha256 "$i"
check "a wrong checksum is named" grep -qi "sha-\?256\|checksum" "$T_ERR"
run 2 image-missing h image add debian-12 --os debian --version 12 \
    --kernel "$DI/linux" --sha256 "$k"
h --json image list >"$STATE/catalog-after"
check "refused imports leave the catalog unchanged" \
    cmp -s "$STATE/catalog-before" "$STATE/catalog-after"
check "and leave no files behind" sh -c "[ -z \"\$(ls -A '$STATE/images' 2>/dev/null)\" ]"
run 0 image-add h image add debian-12 --os debian --version 12 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --sha256 "$k" \
    --initrd-sha256 "$i"
run 0 image-show h image show debian-12
check "the serial adaptation is recorded" grep -q "console=ttyS0,115200" "$T_OUT"
run 4 image-dup h image add debian-12 --os debian --version 12 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --sha256 "$k" \
    --initrd-sha256 "$i"
run 0 rescue-add h image add rescue --os debian --version 12 \
    --kernel "$DI/linux" --initrd "$DI/initrd.gz" --sha256 "$k" \
    --initrd-sha256 "$i" --rescue

run 0 host-add h host add q1 --uri "qemu:///embed?root=$root" --accel tcg \
    --disk 40G --disk-kind ssd
run 0 customer h customer add inst --create-user --user "$U"
run 0 guest h --json guest create vps1 --owner inst --plan small --host q1
check "the VPS has its own disk" grep -q '"disk":".*/disks/vps1.qcow2"' "$T_OUT"
check "the disk file exists" test -f "$root/disks/vps1.qcow2"
run 0 boot-before h guest boot vps1
check "before: the next boot is from disk" grep -q "next *hd" "$T_OUT"
run 2 install-needs-confirm h guest install vps1 debian-12 --confirm nope

# the customer installs through hangar-console and watches the serial console
cat >"$STATE/drive.py" <<'PY'
import os, select, subprocess, sys, time
console, sock, user = sys.argv[1], sys.argv[2], sys.argv[3]
p = subprocess.Popen(["setpriv", "--reuid=" + user, "--regid=" + user,
                      "--init-groups", console, "-S", sock, "-c",
                      "install vps1 debian-12"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT)
got = b""
deadline = time.time() + 240
while time.time() < deadline and b"Select a language" not in got:
    r, _, _ = select.select([p.stdout], [], [], 1)
    if r:
        d = os.read(p.stdout.fileno(), 65536)
        if not d:
            break
        got += d
print("booted" if b"Booted." in got else "not booted")
print("dialog" if b"Select a language" in got else "no dialog")
p.stdin.write(b"\r~.")
p.stdin.flush()
try:
    p.wait(20)
except subprocess.TimeoutExpired:
    p.kill()
print("exit", p.returncode)
sys.stdout.write(got[-300:].decode("utf-8", "replace") + "\n")
PY
/usr/bin/python3 "$STATE/drive.py" "$STATE/bin/hangar-console" \
    "$STATE/hangard.sock" "$U" >"$STATE/drive.out" 2>&1
diag "$(head -3 "$STATE/drive.out")"
check "the customer's install booted the installer" grep -qx booted "$STATE/drive.out"
check "the installer's first dialog reached the customer's console" \
    grep -qx dialog "$STATE/drive.out"
check "leaving with ~. ends the console cleanly" grep -qx "exit 0" "$STATE/drive.out"
run 0 boot-during h guest boot vps1
check "the running VPS booted the installer kernel" grep -q "live *kernel" "$T_OUT"
check "its next boot is from disk again" grep -q "next *hd" "$T_OUT"
run 0 destroy h guest destroy vps1
run 0 start-again h guest start vps1
run 0 boot-after h guest boot vps1
check "started again: it boots from disk" grep -q "live *hd" "$T_OUT"
run 0 destroy-2 h guest destroy vps1

# rescue: the rescue image boots with the disk attached, untouched
run 0 rescue h guest rescue vps1
check "rescue uses the catalog's rescue image" grep -q "image *rescue" "$T_OUT"
pidfile="$root/run/qemu/vps1.pid"
check "the rescue system has the VPS disk attached" sh -c \
    "tr '\\0' ' ' </proc/\$(cat '$pidfile')/cmdline | grep -q 'disks/vps1.qcow2'"
run 0 rescue-destroy h guest destroy vps1
run 0 boot-after-rescue h guest boot vps1
check "after rescue the next boot is from disk" grep -q "next *hd" "$T_OUT"
run 4 install-running-refused sh -c "'$HANGAR' -s '$STATE' guest start vps1 >/dev/null && '$HANGAR' -s '$STATE' guest install vps1 debian-12 --confirm vps1"
check "installing on a running VPS says to shut it down" grep -q "shut it down" "$T_ERR"
h guest destroy vps1 >/dev/null 2>&1
run 0 image-remove h image remove rescue
check "a removed image's files are gone" test ! -e "$STATE/images/rescue"
run 0 delete h guest delete vps1
check "deleting the VPS removed its disk" test ! -e "$root/disks/vps1.qcow2"
done_testing
