/*
 * Tests of images_import() and images_remove(): each refusal leaves the
 * catalog byte-for-byte unchanged; the serial adaptation of BSD ISOs is
 * read back with xorriso (an independent reader), and the boot record
 * and the original file are checked to be intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "lib/herr.h"
#include "images/images.h"
#include "images/test_util.h"

#define ISOLINUX	"/usr/lib/ISOLINUX/isolinux.bin"
#define DI_DIR		"/usr/lib/debian-installer/images/12/amd64/text/" \
			    "debian-installer/amd64"
#define ZERO_HEX	"00000000000000000000000000000000" \
			    "00000000000000000000000000000000"

static char	*dir;		/* the fixture folder */
static char	*cat;		/* a catalog that already holds "base" */

static char *
fx(const char *name)
{
	return tu_path(dir, name);
}

/* Builds NAME.iso from the tree dir/NAME.d, booting bootdir/cdbr. */
static int
make_iso(const char *name, const char *bootdir, const char *extra)
{
	char *boot = NULL;
	int rc;

	if (bootdir != NULL)
		boot = xasprintf("-b %s/cdbr -c %s/boot.catalog -no-emul-boot "
		    "-boot-load-size 4 -boot-info-table", bootdir, bootdir);
	rc = tu_run("cd %s && xorriso -as mkisofs -quiet -R -V HANGARTEST "
	    "%s %s -o %s.iso %s.d 2>/dev/null", dir, boot != NULL ? boot : "",
	    extra, name, name);
	free(boot);
	return rc;
}

static int
make_tree(const char *name, const char *bootdir, const char *conf,
    const char *content)
{
	if (tu_run("cd %s && mkdir -p %s.d/%s && cp %s %s.d/%s/cdbr && "
	    "head -c 100000 /dev/urandom > %s.d/%s/bsd.rd", dir, name,
	    bootdir, ISOLINUX, name, bootdir, name, bootdir) != 0)
		return -1;
	if (conf != NULL && tu_run("cd %s && mkdir -p $(dirname %s.d/%s) && "
	    "printf '%s' > %s.d/%s", dir, name, conf, content, name, conf) != 0)
		return -1;
	return 0;
}

/* A Linux x86 boot protocol header saying the file is 1024+4096 bytes. */
static void
make_kernel(const char *path, size_t len)
{
	unsigned char *k = xcalloc(1, 1024 + 4096);

	k[0x1f1] = 1;			/* setup sectors */
	k[0x1f4] = 0;			/* syssize: 256 paragraphs */
	k[0x1f5] = 1;
	k[0x1fe] = 0x55;
	k[0x1ff] = 0xaa;
	memcpy(k + 0x202, "HdrS", 4);
	randombytes_buf(k + 1024, 4096);
	tu_write(path, k, len);
	free(k);
}

static int
setup(void **state)
{
	struct image_req r = { 0 };
	struct image_rec rec;
	struct herr e;
	char sha[65], *iso;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	dir = tu_tmpdir();
	cat = fx("catalog");
	if (make_tree("obsd", "7.3/amd64", NULL, NULL) != 0 ||
	    make_iso("obsd", "7.3/amd64", "") != 0 ||
	    make_tree("obsdconf", "7.3/amd64", "etc/boot.conf",
	    "set tty pc0\\nset timeout 5\\n  stty com0 9600\\n") != 0 ||
	    make_iso("obsdconf", "7.3/amd64", "") != 0 ||
	    make_tree("fbsd", "boot", "boot/loader.conf",
	    "loader_menu_multi_user_prompt=\"Installer\"\\n"
	    "console=\"vidconsole\"\\n") != 0 ||
	    tu_run("head -c 1474560 /dev/zero > %s/fbsd.d/boot/efi.img",
	    dir) != 0 ||
	    make_iso("fbsd", "boot", "-J -eltorito-alt-boot -e boot/efi.img "
	    "-no-emul-boot") != 0 ||
	    make_tree("nbsd", "boot", "boot.cfg",
	    "menu=Install NetBSD:boot netbsd\\nconsdev=pc\\n") != 0 ||
	    make_iso("nbsd", "boot", "") != 0 ||
	    make_tree("etcfile", "7.3/amd64", NULL, NULL) != 0 ||
	    tu_run("echo not a folder > %s/etcfile.d/etc", dir) != 0 ||
	    make_iso("etcfile", "7.3/amd64", "") != 0 ||
	    make_tree("noboot", "7.3/amd64", NULL, NULL) != 0 ||
	    make_iso("noboot", NULL, "") != 0 ||
	    make_tree("hybrid", "7.3/amd64", NULL, NULL) != 0 ||
	    make_iso("hybrid", "7.3/amd64",
	    "-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin") != 0)
		return -1;
	iso = fx("obsd.iso");
	tu_sha256(iso, sha);
	r.name = "base";
	r.os = "openbsd";
	r.version = "7.3";
	r.iso = iso;
	r.sha256 = sha;
	if (images_import(&r, cat, &rec, &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	free(iso);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(cat);
	return 0;
}

/* Runs images_import on the shared catalog, expecting a refusal. */
static void
refused(const struct image_req *r, enum herr_code code, const char *msg)
{
	struct image_rec rec;
	struct herr e;
	char *before, *after;

	before = tu_snapshot(cat);
	assert_int_equal(images_import(r, cat, &rec, &e), -1);
	after = tu_snapshot(cat);
	if (strncmp(e.msg, msg, strlen(msg)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", e.msg, msg);
	assert_int_equal(e.code, code);
	assert_null(strchr(e.msg, '\n'));
	assert_string_equal(before, after);
	assert_string_equal(rec.name, "");	/* nothing half-filled */
	free(before);
	free(after);
}

static struct image_req
obsd_req(const char *iso, const char *sha)
{
	struct image_req r = { 0 };

	r.name = "obsd";
	r.os = "openbsd";
	r.version = "7.3";
	r.iso = iso;
	r.sha256 = sha;
	return r;
}

static void
test_refuse_wrong_sha256(void **state)
{
	char *iso = fx("obsd.iso"), *none = fx("no-catalog-yet");
	struct image_req r = obsd_req(iso, ZERO_HEX);
	struct image_rec rec;
	struct herr e;

	(void)state;
	refused(&r, HERR_USAGE, "checksum mismatch: ");
	/* A refusal does not even create a missing catalog folder. */
	assert_int_equal(images_import(&r, none, &rec, &e), -1);
	assert_int_equal(access(none, F_OK), -1);
	free(none);
	r.sha256 = "abc";
	refused(&r, HERR_USAGE, "bad SHA-256 for the ISO: not 64 hex digits");
	free(iso);
}

static void
test_refuse_sums(void **state)
{
	char *iso = fx("obsd.iso"), *sums = fx("SHA256.wrong");
	struct image_req r = obsd_req(iso, NULL);
	char *msg;

	(void)state;
	r.sums = sums;
	tu_write_str(sums, "SHA256 (obsd.iso) = " ZERO_HEX "\n");
	msg = xasprintf("checksum mismatch: %s does not match its entry", iso);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	tu_write_str(sums, "SHA256 (cd73.iso) = " ZERO_HEX "\n");
	msg = xasprintf("%s: no SHA256 or SHA512 entry for obsd.iso", sums);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	tu_write_str(sums, "this is not a sums file\n");
	refused(&r, HERR_USAGE, "sums file line 1: not a SHA256 or SHA512 "
	    "entry");
	/* A SHA-512 list (NetBSD publishes no SHA-256) with a wrong one. */
	tu_write_str(sums, "SHA512 (obsd.iso) = " ZERO_HEX ZERO_HEX "\n");
	msg = xasprintf("checksum mismatch: %s does not match its entry", iso);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	free(iso);
	free(sums);
}

/* SHA256 (BSD format) of obsd.iso, signed with signify-openbsd. */
static void
make_signed(char **key, char **other, char **emb, char **plain)
{
	char sha[65], *iso = fx("obsd.iso"), *text;

	*key = fx("test.pub");
	*other = fx("other.pub");
	*emb = fx("SHA256.sig");
	*plain = fx("SHA256");
	tu_sha256(iso, sha);
	text = xasprintf("SHA256 (bsd.rd) = %s\nSHA256 (obsd.iso) = %s\n",
	    ZERO_HEX, sha);
	tu_write_str(*plain, text);
	if (access(*key, F_OK) != 0)
		assert_int_equal(tu_run("cd %s && "
		    "signify-openbsd -G -n -p test.pub -s test.sec && "
		    "signify-openbsd -G -n -p other.pub -s other.sec && "
		    "signify-openbsd -S -e -s test.sec -m SHA256 -x SHA256.sig",
		    dir), 0);
	free(text);
	free(iso);
}

static void
test_refuse_bad_signature(void **state)
{
	char *iso = fx("obsd.iso"), *key, *other, *emb, *plain, *bad, *buf;
	char *msg;
	struct image_req r = obsd_req(iso, NULL);
	size_t len = 0;

	(void)state;
	make_signed(&key, &other, &emb, &plain);
	/* The signed file with one listed digest changed. */
	bad = fx("SHA256.tampered.sig");
	buf = tu_read(emb, &len);
	buf[len - 3] = buf[len - 3] == '0' ? '1' : '0';
	tu_write(bad, buf, len);
	r.sums = bad;
	r.signify_key = key;
	refused(&r, HERR_PERM, "signify: bad signature of the sums file");
	/* The right file, someone else's key. */
	r.sums = emb;
	r.signify_key = other;
	refused(&r, HERR_PERM, "signify: signature was made by another key");
	/* A plain sums file whose detached signature does not match it. */
	tu_write_str(plain, "SHA256 (obsd.iso) = " ZERO_HEX "\n");
	r.sums = plain;
	r.signify_key = key;
	r.signify_sig = emb;
	refused(&r, HERR_PERM, "signify: bad signature of the sums file");
	/* Key or signature file missing. */
	r.signify_sig = NULL;
	r.signify_key = plain;	/* not a key */
	r.sums = emb;
	refused(&r, HERR_USAGE, "signify public key: does not start with");
	free(bad);
	bad = fx("missing.pub");
	r.signify_key = bad;
	msg = xasprintf("cannot read %s: No such file or directory", bad);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	r.signify_key = key;
	r.sums = iso;		/* no ISO.sig next to it */
	msg = xasprintf("cannot read %s.sig: No such file or directory", iso);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	/* A signed sums file and no key to check it. */
	r.sums = emb;
	r.signify_key = NULL;
	r.signify_sig = NULL;
	refused(&r, HERR_USAGE, emb);
	free(buf);
	free(bad);
	free(key);
	free(other);
	free(emb);
	free(plain);
	free(iso);
}

static void
test_refuse_truncated(void **state)
{
	char *iso = fx("short.iso"), *k = fx("short-kernel"), *i = fx("initrd");
	char sha[65], ksha[65], isha[65];
	struct image_req r = obsd_req(iso, sha);
	struct image_rec rec;
	struct herr e;

	(void)state;
	assert_int_equal(tu_run("head -c 120000 %s/obsd.iso > %s", dir, iso),
	    0);
	tu_sha256(iso, sha);
	assert_int_equal(images_import(&r, cat, &rec, &e), -1);
	assert_non_null(strstr(e.msg, "truncated ISO image: 120000 of "));
	refused(&r, HERR_USAGE, iso);
	/* A kernel cut short of the length its header gives. */
	make_kernel(k, 1024 + 4000);
	tu_write_str(i, "initrd");
	tu_sha256(k, ksha);
	tu_sha256(i, isha);
	r = (struct image_req){ .name = "deb", .os = "debian", .version = "12",
	    .kernel = k, .initrd = i, .sha256 = ksha, .initrd_sha256 = isha };
	refused(&r, HERR_USAGE, k);
	assert_int_equal(images_import(&r, cat, &rec, &e), -1);
	assert_non_null(strstr(e.msg, ": truncated kernel: 5024 of 5120 "
	    "bytes"));
	/* Not a kernel at all. */
	r.kernel = i;
	r.sha256 = isha;
	refused(&r, HERR_USAGE, i);
	assert_int_equal(images_import(&r, cat, &rec, &e), -1);
	assert_non_null(strstr(e.msg, ": not a Linux x86 kernel (bzImage)"));
	free(iso);
	free(k);
	free(i);
}

static void
test_refuse_no_el_torito(void **state)
{
	char *iso = fx("noboot.iso"), *junk = fx("junk.iso"), sha[65], *msg;
	struct image_req r = obsd_req(iso, sha);

	(void)state;
	tu_sha256(iso, sha);
	msg = xasprintf("%s: no El Torito boot record: the ISO is not "
	    "bootable", iso);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	assert_int_equal(tu_run("head -c 100000 /dev/urandom > %s", junk), 0);
	tu_sha256(junk, sha);
	r.iso = junk;
	msg = xasprintf("%s: not an ISO 9660 image", junk);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	free(iso);
	free(junk);
}

/*
 * A refusal that comes late, while the copy is adapted in the temporary
 * folder: the folder goes, and everything in the catalog stays as it was
 * (only the catalog folder's own mtime moves).
 */
static void
test_refuse_while_adapting(void **state)
{
	char *iso = fx("etcfile.iso"), sha[65], *before, *after;
	struct image_req r = obsd_req(iso, sha);
	struct image_rec rec;
	struct herr e;

	(void)state;
	tu_sha256(iso, sha);
	before = tu_snapshot(cat);
	assert_int_equal(images_import(&r, cat, &rec, &e), -1);
	after = tu_snapshot(cat);
	assert_int_equal(e.code, HERR_USAGE);
	assert_string_equal(e.msg, "ISO: etc in /etc/boot.conf is not a "
	    "directory");
	assert_string_equal(strchr(before, '\n'), strchr(after, '\n'));
	assert_null(strstr(after, ".tmp-"));
	free(before);
	free(after);
	free(iso);
}

static void
test_refuse_missing_and_unreadable(void **state)
{
	char *iso = fx("nonexistent.iso"), *msg;
	struct image_req r = obsd_req(iso, ZERO_HEX);

	(void)state;
	msg = xasprintf("cannot read %s: No such file or directory", iso);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	r.iso = dir;		/* a directory is no installer */
	msg = xasprintf("%s: not a regular file", dir);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	free(iso);
	iso = fx("empty.iso");
	tu_write_str(iso, "");
	r.iso = iso;
	msg = xasprintf("%s: empty file", iso);
	refused(&r, HERR_USAGE, msg);
	free(msg);
	free(iso);
}

static void
test_refuse_bad_requests(void **state)
{
	static const char *names[] = { "", "Bad", "a_b", "-x", "a/b", "..",
	    "x0123456789012345678901234567890123456789012345678901234567890123",
	    NULL };
	char *iso = fx("obsd.iso"), sha[65], *k = fx("kernel"), *i;
	struct image_req r = obsd_req(iso, sha);
	size_t n;

	(void)state;
	tu_sha256(iso, sha);
	for (n = 0; names[n] != NULL; n++) {
		r.name = names[n];
		refused(&r, HERR_USAGE, "bad image name: ");
	}
	r.name = NULL;
	refused(&r, HERR_USAGE, "bad image name: ");
	r = obsd_req(iso, sha);
	r.name = "base";
	refused(&r, HERR_EXISTS, "image base already exists");
	r = obsd_req(iso, sha);
	r.os = "windows";
	refused(&r, HERR_USAGE, "unsupported OS: choose one of openbsd, "
	    "freebsd, netbsd, ");
	r = obsd_req(iso, sha);
	r.version = "7.3 beta";
	refused(&r, HERR_USAGE, "bad version: ");
	r = obsd_req(iso, sha);
	r.sums = iso;
	refused(&r, HERR_USAGE, "give either a SHA-256 or a sums file");
	r = obsd_req(iso, NULL);
	refused(&r, HERR_USAGE, "give either a SHA-256 or a sums file");
	r = obsd_req(iso, sha);
	r.kernel = k;
	refused(&r, HERR_USAGE, "give either an ISO or a kernel and an "
	    "initrd");
	r = obsd_req(NULL, sha);
	r.kernel = k;
	refused(&r, HERR_USAGE, "a kernel image needs both a kernel and an "
	    "initrd");
	i = fx("initrd");
	r.initrd = i;
	refused(&r, HERR_USAGE, "openbsd images must be ISOs: ");
	r.os = "debian";
	refused(&r, HERR_USAGE, "a kernel image needs the SHA-256 of both");
	r = obsd_req(iso, sha);
	r.signify_key = iso;
	refused(&r, HERR_USAGE, "a signify key verifies a sums file");
	free(iso);
	free(k);
	free(i);
}

/* Extracts path from iso with xorriso; the caller frees the content. */
static char *
extract(const char *iso, const char *path)
{
	char *out = fx("extracted"), *buf;

	unlink(out);
	if (tu_run("xorriso -osirrox on -indev %s -extract %s %s "
	    ">/dev/null 2>&1", iso, path, out) != 0)
		fail_msg("xorriso could not extract %s from %s", path, iso);
	buf = tu_read(out, NULL);
	unlink(out);
	free(out);
	return buf;
}

/*
 * The boot setup as xorriso reports it (El Torito as mkisofs options and
 * in plain text, the system area), without the date, block addresses and
 * the file's own path.
 */
static char *
el_torito(const char *iso)
{
	char *out = fx("eltorito"), *buf;

	assert_int_equal(tu_run("xorriso -indev %s -report_el_torito "
	    "as_mkisofs -report_el_torito plain -report_system_area plain "
	    "2>/dev/null | grep -v -e -date= -e 'El Torito catalog' -e "
	    "'El Torito boot img' | sed \"s|:'/[^']*'|:PATH|\" > %s",
	    iso, out), 0);
	buf = tu_read(out, NULL);
	free(out);
	return buf;
}

static void
check_modes(const struct image_rec *rec)
{
	struct stat st;

	assert_int_equal(stat(rec->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0555);
	if (rec->iso.path[0] != '\0') {
		assert_int_equal(stat(rec->iso.path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0444);
		assert_int_equal((uint64_t)st.st_size, rec->iso.size);
	}
}

/* Imports iso (by its SHA-256) as os into a fresh catalog. */
static void
import_iso(const char *name, const char *os, struct image_rec *rec,
    char *catdir)
{
	char *iso = fx(name), sha[65], stored[65];
	struct image_req r = obsd_req(iso, sha);
	struct herr e;

	tu_sha256(iso, sha);
	r.os = os;
	if (images_import(&r, catdir, rec, &e) != 0)
		fail_msg("import %s: %s", name, e.msg);
	assert_string_equal(rec->iso.source_sha256, sha);
	tu_sha256(rec->iso.path, stored);
	assert_string_equal(rec->iso.sha256, stored);
	check_modes(rec);
	/* The original is only read. */
	tu_sha256(iso, stored);
	assert_string_equal(stored, sha);
	free(iso);
}

static void
test_openbsd_adapted(void **state)
{
	struct image_rec rec;
	char *c = fx("cat-obsd"), *orig = fx("obsd.iso"), *conf, *a, *b;

	(void)state;
	import_iso("obsd.iso", "openbsd", &rec, c);
	assert_string_equal(rec.os, "openbsd");
	assert_int_equal(rec.kind, IMAGE_KIND_ISO);
	assert_int_equal(rec.boot, IMAGE_BOOT_CDROM);
	assert_null(images_cmdline(&rec, IMAGE_GUEST_KVM));
	assert_string_not_equal(rec.iso.sha256, rec.iso.source_sha256);
	assert_string_equal(rec.serial, "ISO copy with etc/boot.conf: "
	    "stty com0 115200; set tty com0");
	assert_string_equal(rec.verified, "SHA-256 given by the operator");
	conf = extract(rec.iso.path, "/etc/boot.conf");
	assert_string_equal(conf, "stty com0 115200\nset tty com0\n");
	/* Same boot image, catalog and options (boot info table too). */
	a = el_torito(orig);
	b = el_torito(rec.iso.path);
	assert_non_null(strstr(a, "-b '/7.3/amd64/cdbr'"));
	assert_non_null(strstr(a, "-boot-info-table"));
	assert_string_equal(a, b);
	/* The plain ISO 9660 names, as OpenBSD's loader looks them up. */
	free(a);
	a = fx("names");
	assert_int_equal(tu_run("xorriso -read_fs norock -ecma119_map "
	    "unmapped -indev %s -find / 2>/dev/null | tr '\\n' ' ' > %s",
	    rec.iso.path, a), 0);
	free(b);
	b = tu_read(a, NULL);
	assert_string_equal(b, "'/' '/7.3' '/7.3/AMD64' "
	    "'/7.3/AMD64/BOOT.CATALOG' '/7.3/AMD64/BSD.RD' '/7.3/AMD64/CDBR' "
	    "'/ETC' '/ETC/BOOT.CONF' ");
	/* The rest of the tree is there, byte for byte. */
	free(conf);
	conf = extract(rec.iso.path, "/7.3/amd64/bsd.rd");
	free(a);
	free(b);
	a = xasprintf("%s/obsd.d/7.3/amd64/bsd.rd", dir);
	b = tu_read(a, NULL);
	assert_memory_equal(conf, b, 100000);
	free(a);
	free(b);
	free(conf);
	free(orig);
	free(c);
}

static void
test_openbsd_existing_conf(void **state)
{
	struct image_rec rec;
	char *c = fx("cat-obsdconf"), *conf;

	(void)state;
	import_iso("obsdconf.iso", "openbsd", &rec, c);
	conf = extract(rec.iso.path, "/etc/boot.conf");
	/* Ours first; contradicting lines dropped, the others kept. */
	assert_string_equal(conf, "stty com0 115200\nset tty com0\n"
	    "set timeout 5\n");
	free(conf);
	free(c);
}

static void
test_hybrid_kept(void **state)
{
	struct image_rec rec;
	char *c = fx("cat-hybrid"), *orig = fx("hybrid.iso"), *a, *b;

	(void)state;
	import_iso("hybrid.iso", "openbsd", &rec, c);
	/*
	 * Same El Torito record and the same kind of isohybrid MBR, which
	 * libisofs points at the moved boot image and sizes again.
	 */
	a = el_torito(orig);
	b = el_torito(rec.iso.path);
	assert_non_null(strstr(a, "System area summary: MBR isohybrid"));
	assert_non_null(strstr(a, "-isohybrid-mbr"));
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* The MBR's boot code is carried over. */
	a = tu_read(orig, NULL);
	b = tu_read(rec.iso.path, NULL);
	assert_memory_equal(a, b, 0x1b0);
	free(a);
	free(b);
	free(orig);
	free(c);
}

static void
test_freebsd_netbsd(void **state)
{
	struct image_rec rec;
	char *c = fx("cat-bsd"), *conf, *a, *b, *orig;

	(void)state;
	import_iso("fbsd.iso", "freebsd", &rec, c);
	conf = extract(rec.iso.path, "/boot/loader.conf");
	assert_string_equal(conf, "boot_serial=\"YES\"\n"
	    "comconsole_speed=\"115200\"\nconsole=\"comconsole\"\n"
	    "loader_menu_multi_user_prompt=\"Installer\"\n");
	free(conf);
	/* Both boot images (BIOS and UEFI) are kept. */
	orig = fx("fbsd.iso");
	a = el_torito(orig);
	b = el_torito(rec.iso.path);
	assert_non_null(strstr(a, "-eltorito-alt-boot\n-e '/boot/efi.img'"));
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(orig);
	free(c);
	c = fx("cat-nbsd");
	import_iso("nbsd.iso", "netbsd", &rec, c);
	conf = extract(rec.iso.path, "/boot.cfg");
	assert_string_equal(conf, "consdev=com0,115200\n"
	    "menu=Install NetBSD:boot netbsd\n");
	assert_string_equal(rec.serial, "ISO copy with boot.cfg: "
	    "consdev=com0,115200");
	free(conf);
	free(c);
}

static void
test_linux_iso_unchanged(void **state)
{
	struct image_rec rec;
	char *c = fx("cat-alpine");

	(void)state;
	import_iso("obsd.iso", "alpine", &rec, c);
	assert_string_equal(rec.iso.sha256, rec.iso.source_sha256);
	assert_non_null(strstr(rec.iso.path, "/installer.iso"));
	assert_string_equal(rec.serial, "none: the ISO boots as published, "
	    "so its own boot menu must use the serial console");
	free(c);
}

static void
test_signed_sums(void **state)
{
	char *iso = fx("obsd.iso"), *key, *other, *emb, *plain, *c;
	struct image_req r = obsd_req(iso, NULL);
	struct image_rec rec;
	struct herr e;

	(void)state;
	make_signed(&key, &other, &emb, &plain);
	c = fx("cat-signed");
	r.sums = emb;
	r.signify_key = key;
	assert_int_equal(images_import(&r, c, &rec, &e), 0);
	assert_string_equal(rec.verified, "SHA-256 listed in SHA256.sig, "
	    "signify signature checked with test.pub");
	/* Plain SHA256 next to SHA256.sig, as on OpenBSD's mirrors. */
	r.name = "obsd2";
	r.sums = plain;
	assert_int_equal(images_import(&r, c, &rec, &e), 0);
	assert_string_equal(rec.verified, "SHA-256 listed in SHA256, "
	    "signify signature checked with test.pub");
	free(c);
	free(key);
	free(other);
	free(emb);
	free(plain);
	free(iso);
}

static void
test_sha512_sums(void **state)
{
	char *iso = fx("nbsd.iso"), *sums = fx("SHA512"), *c = fx("cat-512");
	struct image_req r = obsd_req(iso, NULL);
	struct image_rec rec;
	struct herr e;

	(void)state;
	assert_int_equal(tu_run("cd %s && printf 'SHA512 (nbsd.iso) = %%s\\n' "
	    "$(sha512sum nbsd.iso | cut -d' ' -f1) > SHA512", dir), 0);
	r.os = "netbsd";
	r.sums = sums;
	if (images_import(&r, c, &rec, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(rec.verified, "SHA-512 listed in SHA512 (no "
	    "signature checked)");
	free(iso);
	free(sums);
	free(c);
}

static void
test_linux_kernel(void **state)
{
	char *k = fx("linux"), *i = fx("initrd.gz"), *sums = fx("SHA256SUMS");
	char ksha[65], isha[65], *text, *c = fx("cat-linux"), *a;
	struct image_req r = { 0 };
	struct image_rec rec;
	struct herr e;

	(void)state;
	make_kernel(k, 1024 + 4096);
	assert_int_equal(tu_run("head -c 5000 /dev/urandom > %s", i), 0);
	tu_sha256(k, ksha);
	tu_sha256(i, isha);
	text = xasprintf("%s  ./netboot/debian-installer/amd64/linux\n"
	    "%s  ./netboot/debian-installer/amd64/initrd.gz\n", ksha, isha);
	tu_write_str(sums, text);
	r = (struct image_req){ .name = "debian-12", .os = "debian",
	    .version = "12", .kernel = k, .initrd = i, .sums = sums };
	assert_int_equal(images_import(&r, c, &rec, &e), 0);
	assert_int_equal(rec.kind, IMAGE_KIND_KERNEL);
	assert_int_equal(rec.boot, IMAGE_BOOT_KERNEL);
	assert_string_equal(images_cmdline(&rec, IMAGE_GUEST_KVM),
	    "console=ttyS0,115200");
	assert_string_equal(images_cmdline(&rec, IMAGE_GUEST_XEN_HVM),
	    "console=ttyS0,115200");
	assert_string_equal(images_cmdline(&rec, IMAGE_GUEST_XEN_PV),
	    "console=hvc0");
	assert_string_equal(rec.kernel.sha256, ksha);
	assert_string_equal(rec.initrd.sha256, isha);
	tu_sha256(rec.kernel.path, ksha);
	assert_string_equal(rec.kernel.sha256, ksha);
	assert_string_equal(rec.iso.path, "");
	a = xasprintf("%s/debian-12/initrd", c);
	assert_string_equal(rec.initrd.path, a);
	free(a);
	check_modes(&rec);
	/* The same by two digests on the command line. */
	r = (struct image_req){ .name = "debian-12b", .os = "debian",
	    .version = "12", .kernel = k, .initrd = i, .sha256 = ksha,
	    .initrd_sha256 = isha };
	assert_int_equal(images_import(&r, c, &rec, &e), 0);
	r.name = "debian-12c";
	r.initrd_sha256 = ksha;
	assert_int_equal(images_import(&r, c, &rec, &e), -1);
	assert_non_null(strstr(e.msg, "checksum mismatch: "));
	free(text);
	free(k);
	free(i);
	free(sums);
	free(c);
}

static void
test_real_debian_installer(void **state)
{
	struct image_req r = { 0 };
	struct image_rec rec;
	struct herr e;
	char ksha[65], isha[65], *c;

	(void)state;
	if (access(DI_DIR "/linux", R_OK) != 0)
		skip();		/* debian-installer-12-netboot-amd64 */
	tu_sha256(DI_DIR "/linux", ksha);
	tu_sha256(DI_DIR "/initrd.gz", isha);
	c = fx("cat-di");
	r = (struct image_req){ .name = "debian-12", .os = "debian",
	    .version = "12", .kernel = DI_DIR "/linux",
	    .initrd = DI_DIR "/initrd.gz", .sha256 = ksha,
	    .initrd_sha256 = isha };
	if (images_import(&r, c, &rec, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(rec.kernel.sha256, ksha);
	assert_int_equal(images_remove(c, "debian-12", &e), 0);
	free(c);
}

static void
test_remove(void **state)
{
	struct image_rec rec;
	struct herr e;
	char *c = fx("cat-remove"), *before, *after;

	(void)state;
	import_iso("obsd.iso", "openbsd", &rec, c);
	assert_int_equal(images_remove(c, "obsd", &e), 0);
	assert_int_equal(access(rec.dir, F_OK), -1);
	before = tu_snapshot(c);
	assert_int_equal(images_remove(c, "obsd", &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	assert_string_equal(e.msg, "no image obsd");
	assert_int_equal(images_remove(c, "../catalog", &e), -1);
	assert_int_equal(e.code, HERR_USAGE);
	after = tu_snapshot(c);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(c);
}

static void
test_check_and_sweep(void **state)
{
	struct image_rec rec;
	struct herr e;
	char *c = fx("cat-check"), *before, *after;
	int n = -1;

	(void)state;
	import_iso("obsd.iso", "openbsd", &rec, c);
	assert_int_equal(images_check(&rec, &e), 0);
	/* Leftovers of an import and a removal cut short by a crash. */
	assert_int_equal(tu_run("cd %s && mkdir .tmp-x-abc .rm-y-def && "
	    "echo partial > .tmp-x-abc/installer.iso && chmod 555 .tmp-x-abc",
	    c), 0);
	before = tu_snapshot(rec.dir);
	assert_int_equal(images_sweep(c, &n, &e), 0);
	assert_int_equal(n, 2);
	after = tu_snapshot(c);
	assert_null(strstr(after, ".tmp-"));
	assert_null(strstr(after, ".rm-"));
	free(after);
	after = tu_snapshot(rec.dir);
	assert_string_equal(before, after);	/* the image is untouched */
	/* A stored file changed or gone is caught. */
	assert_int_equal(tu_run("chmod u+w %s %s && echo x >> %s", rec.dir,
	    rec.iso.path, rec.iso.path), 0);
	assert_int_equal(images_check(&rec, &e), -1);
	assert_int_equal(e.code, HERR_STATE);
	assert_non_null(strstr(e.msg, ": changed since it was imported"));
	assert_int_equal(unlink(rec.iso.path), 0);
	assert_int_equal(images_check(&rec, &e), -1);
	assert_int_equal(e.code, HERR_STATE);
	assert_non_null(strstr(e.msg, "No such file or directory"));
	free(before);
	free(after);
	free(c);
}

struct race {
	struct image_req	 req;
	const char		*cat;
	struct image_rec	 rec;
	struct herr		 e;
	int			 rc;
};

static void *
race_import(void *arg)
{
	struct race *r = arg;

	r->rc = images_import(&r->req, r->cat, &r->rec, &r->e);
	return NULL;
}

/*
 * Imports run on the daemon's worker threads: two at once under the same
 * name give one image and one HERR_EXISTS, with nothing left behind; two
 * under other names both succeed.
 */
static void
test_concurrent(void **state)
{
	char *iso = fx("obsd.iso"), *c = fx("cat-race"), sha[65], *snap;
	struct race *r = xcalloc(4, sizeof(*r));
	pthread_t t[4];
	int i, ok = 0, exists = 0;

	(void)state;
	tu_sha256(iso, sha);
	for (i = 0; i < 4; i++) {
		r[i].req = obsd_req(iso, sha);
		r[i].req.name = i < 2 ? "same" : (i == 2 ? "one" : "two");
		r[i].cat = c;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_import,
		    &r[i]), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < 2; i++) {
		ok += r[i].rc == 0;
		exists += r[i].rc == -1 && r[i].e.code == HERR_EXISTS;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(exists, 1);
	assert_int_equal(r[2].rc, 0);
	assert_int_equal(r[3].rc, 0);
	snap = tu_snapshot(c);
	assert_null(strstr(snap, "/.tmp-"));
	free(snap);
	free(r);
	free(iso);
	free(c);
}

/* The test tool prints the record as JSON and exits 2 on a refusal. */
static void
test_tool(void **state)
{
	const char *tool = getenv("IMAGES_TOOL");
	struct json_object *o, *v;
	char *out = fx("tool.json"), *json, *c = fx("cat-tool"), sha[65];
	char *iso = fx("obsd.iso");

	(void)state;
	if (tool == NULL)
		skip();
	tu_sha256(iso, sha);
	free(iso);
	assert_int_equal(tu_run("%s add obsd --images-dir %s --os openbsd "
	    "--version 7.3 --iso %s/obsd.iso --sha256 %s > %s", tool, c, dir,
	    sha, out), 0);
	json = tu_read(out, NULL);
	o = json_tokener_parse(json);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "serial", &v));
	assert_string_equal(json_object_get_string(v), "ISO copy with "
	    "etc/boot.conf: stty com0 115200; set tty com0");
	assert_true(json_object_object_get_ex(o, "boot", &v));
	assert_string_equal(json_object_get_string(v), "cdrom");
	json_object_put(o);
	free(json);
	assert_int_equal(tu_run("%s add obsd2 --images-dir %s --os openbsd "
	    "--version 7.3 --iso %s/obsd.iso --sha256 %s 2>%s; echo $? >%s.rc",
	    tool, c, dir, ZERO_HEX, out, out), 0);
	json = tu_read(out, NULL);
	assert_non_null(strstr(json, "hangar-image-tool: checksum mismatch"));
	free(json);
	json = xasprintf("%s.rc", out);
	free(out);
	out = json;
	json = tu_read(out, NULL);
	assert_string_equal(json, "2\n");	/* HERR_USAGE */
	free(json);
	free(out);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuse_wrong_sha256),
		cmocka_unit_test(test_refuse_sums),
		cmocka_unit_test(test_refuse_bad_signature),
		cmocka_unit_test(test_refuse_truncated),
		cmocka_unit_test(test_refuse_no_el_torito),
		cmocka_unit_test(test_refuse_while_adapting),
		cmocka_unit_test(test_refuse_missing_and_unreadable),
		cmocka_unit_test(test_refuse_bad_requests),
		cmocka_unit_test(test_openbsd_adapted),
		cmocka_unit_test(test_openbsd_existing_conf),
		cmocka_unit_test(test_hybrid_kept),
		cmocka_unit_test(test_freebsd_netbsd),
		cmocka_unit_test(test_linux_iso_unchanged),
		cmocka_unit_test(test_signed_sums),
		cmocka_unit_test(test_sha512_sums),
		cmocka_unit_test(test_linux_kernel),
		cmocka_unit_test(test_real_debian_installer),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_check_and_sweep),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_tool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
