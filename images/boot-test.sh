#!/bin/sh
# End to end (TAP): the adapted copy of an ISO still boots.  Builds an
# ISOLINUX CD (isolinux.bin with a boot info table, ldlinux.c32, a config
# that loads a file and says so on the serial port), adapts it as an OpenBSD ISO
# with hangar-image-tool, and boots original and copy in QEMU (TCG, BIOS,
# no display): ISOLINUX only finds its files and prints the marker if the
# El Torito record, the patched boot info table and the ISO 9660 tree of
# the copy are right.  Skip with HANGAR_SKIP_QEMU=1.
set -u
ISOLINUX=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX=/usr/lib/syslinux/modules/bios/ldlinux.c32
# ISOLINUX loads the "kernel" (a text file) from the ISO, then fails to
# boot it: "ok" proves it found a file in the tree.
MARK="Loading /isolinux/marker.txt... ok"

skip_all() { echo "1..0 # SKIP $1"; exit 0; }
[ "${HANGAR_SKIP_QEMU:-0}" = 1 ] && skip_all "HANGAR_SKIP_QEMU=1"
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86"
command -v xorriso >/dev/null || skip_all "no xorriso"
[ -r "$ISOLINUX" ] && [ -r "$LDLINUX" ] || skip_all "no isolinux/syslinux-common"
[ -x "${IMAGES_TOOL:-}" ] || skip_all "IMAGES_TOOL not set"

tmp=$(mktemp -d)
qpid=""
cleanup() {
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# Boots ISO $1 as a CD-ROM (or as a disk with $2 = disk) and waits (at
# most 60 s) for MARK on the serial port.
boots() {
	out="$tmp/serial.$n"
	: >"$out"
	if [ "${2:-cd}" = disk ]; then
		media="-drive file=$1,format=raw,if=ide,snapshot=on -boot c"
	else
		media="-cdrom $1 -boot d"
	fi
	# shellcheck disable=SC2086
	qemu-system-x86_64 -accel tcg -m 64 -display none -monitor none \
	    -no-reboot $media -serial "file:$out" \
	    -nodefaults -vga none >/dev/null 2>&1 &
	qpid=$!
	i=0
	while [ $i -lt 120 ]; do
		if grep -qF "$MARK" "$out"; then
			kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
			qpid=""
			return 0
		fi
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
		i=$((i + 1))
	done
	kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
	qpid=""
	sed 's/^/# serial: /' "$out" | head -20
	return 1
}

echo "1..7"
mkdir -p "$tmp/tree/isolinux"
cp "$ISOLINUX" "$LDLINUX" "$tmp/tree/isolinux/"
echo "not a kernel" >"$tmp/tree/isolinux/marker.txt"
cat >"$tmp/tree/isolinux/isolinux.cfg" <<CFG
SERIAL 0 115200
PROMPT 0
DEFAULT marker
LABEL marker
  KERNEL /isolinux/marker.txt
CFG
if xorriso -as mkisofs -quiet -R -V HANGARBOOT -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    -o "$tmp/orig.iso" "$tmp/tree" 2>/dev/null; then
	ok "built an ISOLINUX CD with xorriso"
else
	notok "built an ISOLINUX CD with xorriso"
fi
if boots "$tmp/orig.iso"; then
	ok "the original loads a file and says so on the serial port (fixture works)"
else
	notok "the original loads a file and says so on the serial port (fixture works)"
fi
sha=$(sha256sum "$tmp/orig.iso" | cut -d' ' -f1)
if "$IMAGES_TOOL" add bootme --images-dir "$tmp/catalog" --os openbsd \
    --version 7.3 --iso "$tmp/orig.iso" --sha256 "$sha" >"$tmp/rec.json"; then
	ok "hangar-image-tool adapted it"
else
	notok "hangar-image-tool adapted it"
fi
if boots "$tmp/catalog/bootme/installer-serial.iso"; then
	ok "the adapted copy boots and loads the file too"
else
	notok "the adapted copy boots and loads the file too"
fi
# The same as an isohybrid image (MBR from isohdpfx.bin), booted as a disk:
# the copy's MBR must point at the boot image's new place.
if xorriso -as mkisofs -quiet -R -V HANGARBOOT -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
    -o "$tmp/hybrid.iso" "$tmp/tree" 2>/dev/null &&
    boots "$tmp/hybrid.iso" disk; then
	ok "an isohybrid original boots as a disk (fixture works)"
else
	notok "an isohybrid original boots as a disk (fixture works)"
fi
sha=$(sha256sum "$tmp/hybrid.iso" | cut -d' ' -f1)
if "$IMAGES_TOOL" add hybrid --images-dir "$tmp/catalog" --os openbsd \
    --version 7.3 --iso "$tmp/hybrid.iso" --sha256 "$sha" >"$tmp/rec.json"
then
	ok "hangar-image-tool adapted it"
else
	notok "hangar-image-tool adapted it"
fi
if boots "$tmp/catalog/hybrid/installer-serial.iso" disk; then
	ok "its adapted copy boots as a disk too"
else
	notok "its adapted copy boots as a disk too"
fi
[ "$fails" -eq 0 ]
