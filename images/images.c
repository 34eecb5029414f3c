#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "images/files.h"
#include "images/images.h"
#include "images/isoedit.h"
#include "images/signify.h"
#include "images/sums.h"

#define KEY_MAX		4096
#define SIG_MAX		(SUMS_MAX_SIZE + 4096)

enum family { FAM_LINUX, FAM_OPENBSD, FAM_FREEBSD, FAM_NETBSD };

static const struct os {
	const char	*name;
	enum family	 fam;
} oses[] = {
	{ "openbsd", FAM_OPENBSD },
	{ "freebsd", FAM_FREEBSD },
	{ "netbsd", FAM_NETBSD },
	{ "alpine", FAM_LINUX },
	{ "almalinux", FAM_LINUX },
	{ "archlinux", FAM_LINUX },
	{ "centos", FAM_LINUX },
	{ "debian", FAM_LINUX },
	{ "fedora", FAM_LINUX },
	{ "gentoo", FAM_LINUX },
	{ "linux", FAM_LINUX },
	{ "opensuse", FAM_LINUX },
	{ "rocky", FAM_LINUX },
	{ "ubuntu", FAM_LINUX },
	{ "void", FAM_LINUX },
};

/* The serial console settings written into a BSD install ISO. */
static const struct adapt {
	enum family	 fam;
	const char	*file;		/* in the ISO */
	const char	*lines[4];
	const char	*drop[5];	/* old lines that would contradict */
	const char	*text;		/* for `image show` */
} adapts[] = {
	{ FAM_OPENBSD, "/etc/boot.conf",
	  { "stty com0 115200", "set tty com0", NULL },
	  { "stty com0", "set tty", NULL },
	  "ISO copy with etc/boot.conf: stty com0 115200; set tty com0" },
	{ FAM_FREEBSD, "/boot/loader.conf",
	  { "boot_serial=\"YES\"", "comconsole_speed=\"115200\"",
	    "console=\"comconsole\"", NULL },
	  { "boot_serial=", "comconsole_speed=", "console=",
	    "boot_multicons=", NULL },
	  "ISO copy with boot/loader.conf: boot_serial=\"YES\" "
	  "comconsole_speed=\"115200\" console=\"comconsole\"" },
	{ FAM_NETBSD, "/boot.cfg",
	  { "consdev=com0,115200", NULL },
	  { "consdev=", NULL },
	  "ISO copy with boot.cfg: consdev=com0,115200" },
};

#define ISO_STORED	"installer.iso"
#define ISO_ADAPTED	"installer-serial.iso"
#define ISO_TMP		".original.iso"

static const struct os *
os_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(oses) / sizeof(oses[0]); i++)
		if (strcmp(oses[i].name, name) == 0)
			return &oses[i];
	return NULL;
}

static const struct adapt *
adapt_find(enum family fam)
{
	size_t i;

	for (i = 0; i < sizeof(adapts) / sizeof(adapts[0]); i++)
		if (adapts[i].fam == fam)
			return &adapts[i];
	return NULL;
}

int
images_os_supported(const char *os)
{
	return os != NULL && os_find(os) != NULL;
}

const char *
images_kind_name(enum image_kind kind)
{
	return kind == IMAGE_KIND_KERNEL ? "kernel" : "iso";
}

const char *
images_boot_name(enum image_boot boot)
{
	return boot == IMAGE_BOOT_KERNEL ? "kernel" : "cdrom";
}

const char *
images_cmdline(const struct image_rec *rec, enum image_guest guest)
{
	if (rec->kind != IMAGE_KIND_KERNEL)
		return NULL;
	return guest == IMAGE_GUEST_XEN_PV ? rec->cmdline_pv :
	    rec->cmdline_hvm;
}

static int
os_unsupported(struct herr *e)
{
	char list[512];
	size_t i, n = 0;

	list[0] = '\0';
	for (i = 0; i < sizeof(oses) / sizeof(oses[0]); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i > 0 ? ", " : "", oses[i].name);
	return herr_set(e, HERR_USAGE, "unsupported OS: choose one of %s",
	    list);
}

static int
is_version(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || strchr("._+-", s[n])))
			return 0;
	return n >= 1 && n <= 63;
}

static int
given(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Checks the shape of the request; nothing is read yet. */
static int
check_req(const struct image_req *r, const struct os **os, struct herr *e)
{
	if (!given(r->name) || !str_is_name(r->name))
		return herr_set(e, HERR_USAGE, "bad image name: 1-63 "
		    "characters of a-z, 0-9 and '-', not starting with '-'");
	if (!given(r->os) || (*os = os_find(r->os)) == NULL)
		return os_unsupported(e);
	if (!given(r->version) || !is_version(r->version))
		return herr_set(e, HERR_USAGE, "bad version: 1-63 characters "
		    "of A-Z, a-z, 0-9 and ._+-");
	if (given(r->iso) == (given(r->kernel) || given(r->initrd)))
		return herr_set(e, HERR_USAGE, "give either an ISO or a "
		    "kernel and an initrd");
	if (!given(r->iso) && !(given(r->kernel) && given(r->initrd)))
		return herr_set(e, HERR_USAGE, "a kernel image needs both a "
		    "kernel and an initrd");
	if (!given(r->iso) && (*os)->fam != FAM_LINUX)
		return herr_set(e, HERR_USAGE, "%s images must be ISOs: "
		    "kernel and initrd are for Linux only", r->os);
	if (given(r->sha256) == given(r->sums))
		return herr_set(e, HERR_USAGE, "give either a SHA-256 or a "
		    "sums file");
	if (given(r->sha256) && given(r->kernel) && !given(r->initrd_sha256))
		return herr_set(e, HERR_USAGE, "a kernel image needs the "
		    "SHA-256 of both kernel and initrd");
	if (given(r->initrd_sha256) && !given(r->kernel))
		return herr_set(e, HERR_USAGE, "an initrd SHA-256 is only for "
		    "kernel images");
	if ((given(r->signify_key) || given(r->signify_sig)) &&
	    !given(r->sums))
		return herr_set(e, HERR_USAGE, "a signify key verifies a sums "
		    "file: give one");
	if (given(r->signify_sig) && !given(r->signify_key))
		return herr_set(e, HERR_USAGE, "a signify signature needs a "
		    "signify public key");
	return 0;
}

/* One input file of the request and what was learned about it. */
struct input {
	const char	*role;		/* "ISO", "kernel", "initrd" */
	const char	*path;		/* as given */
	const char	*expect;	/* hex from the request, or NULL */
	unsigned char	 d[32];		/* its SHA-256 */
	uint64_t	 size;
};

static const char *
base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p != NULL ? p + 1 : path;
}

static int
check_expected(const struct input *in, struct herr *e)
{
	unsigned char want[32];
	char got[65];

	if (sums_hex_decode(in->expect, strlen(in->expect), want) == -1)
		return herr_set(e, HERR_USAGE, "bad SHA-256 for the %s: not "
		    "64 hex digits", in->role);
	if (sodium_memcmp(want, in->d, 32) != 0) {
		sums_hex_encode(in->d, got);
		return herr_set(e, HERR_USAGE, "checksum mismatch: %s has "
		    "SHA-256 %s, not the one given", in->path, got);
	}
	return 0;
}

/*
 * Verifies the signify signature of the sums file (embedded, or in a
 * separate file) and points *msg at the signed sums text inside buf.
 */
static int
verify_signed(const struct image_req *r, const char *buf, size_t len,
    const char **msg, size_t *msglen, struct herr *e)
{
	struct signify_pubkey key;
	struct signify_sig sig;
	char *kbuf = NULL, *sbuf = NULL, *sigpath = NULL;
	size_t klen, slen, off;
	int rc = -1;

	if (files_read(r->signify_key, KEY_MAX, &kbuf, &klen, e) == -1 ||
	    signify_parse_pubkey(kbuf, klen, &key, e) == -1)
		goto out;
	if (!given(r->signify_sig) &&
	    strncmp(buf, "untrusted comment: ", 19) == 0) {
		if (signify_parse_sig(buf, len, &sig, &off, e) == -1)
			goto out;
		*msg = buf + off;
		*msglen = len - off;
	} else {
		sigpath = given(r->signify_sig) ? xstrdup(r->signify_sig) :
		    xasprintf("%s.sig", r->sums);
		if (files_read(sigpath, SIG_MAX, &sbuf, &slen, e) == -1 ||
		    signify_parse_sig(sbuf, slen, &sig, &off, e) == -1)
			goto out;
		*msg = buf;
		*msglen = len;
	}
	if (signify_verify(&key, &sig, (const unsigned char *)*msg, *msglen,
	    e) == -1)
		goto out;
	rc = 0;
out:
	free(kbuf);
	free(sbuf);
	free(sigpath);
	return rc;
}

/* Reads the sums file, checks its signature if asked, parses it. */
static int
load_sums(const struct image_req *r, struct sums *sums, struct herr *e)
{
	const char *msg;
	char *buf = NULL;
	size_t len, msglen;
	int rc = -1;

	memset(sums, 0, sizeof(*sums));
	if (files_read(r->sums, SIG_MAX, &buf, &len, e) == -1)
		return -1;
	msg = buf;
	msglen = len;
	if (given(r->signify_key)) {
		if (verify_signed(r, buf, len, &msg, &msglen, e) == -1)
			goto out;
	} else if (strncmp(buf, "untrusted comment: ", 19) == 0) {
		herr_set(e, HERR_USAGE, "%s is signify-signed: give the "
		    "public key to verify it", r->sums);
		goto out;
	}
	if (sums_parse(sums, msg, msglen, e) == -1)
		goto out;
	rc = 0;
out:
	free(buf);
	return rc;
}

/*
 * Hashes each input once (SHA-256, plus SHA-512 in the same pass when the
 * sums file lists the file by SHA-512 only, as NetBSD's do) and looks it
 * up in the sums file.
 */
static int
check_sums(const struct image_req *r, struct input *in, size_t nin,
    struct image_rec *out, struct herr *e)
{
	struct sums sums;
	unsigned char d512[64];
	const char *base;
	int use512, any512 = 0, rc = -1;
	size_t i;

	if (load_sums(r, &sums, e) == -1)
		return -1;
	for (i = 0; i < nin; i++) {
		base = base_name(in[i].path);
		use512 = !sums_lists(&sums, base, SUMS_SHA256) &&
		    sums_lists(&sums, base, SUMS_SHA512);
		any512 |= use512;
		if (files_digests(in[i].path, in[i].d, use512 ? d512 : NULL,
		    &in[i].size, e) == -1)
			goto out;
		switch (sums_match(&sums, base, in[i].d,
		    use512 ? d512 : NULL)) {
		case SUMS_NOENTRY:
			herr_set(e, HERR_USAGE, "%s: no SHA256 or SHA512 "
			    "entry for %s", r->sums, base);
			goto out;
		case SUMS_MISMATCH:
			herr_set(e, HERR_USAGE, "checksum mismatch: %s does "
			    "not match its entry in %s", in[i].path, r->sums);
			goto out;
		case SUMS_MATCH:
			break;
		}
	}
	if (given(r->signify_key))
		snprintf(out->verified, sizeof(out->verified), "%s listed in "
		    "%s, signify signature checked with %s",
		    any512 ? "SHA-512" : "SHA-256", base_name(r->sums),
		    base_name(r->signify_key));
	else
		snprintf(out->verified, sizeof(out->verified), "%s listed in "
		    "%s (no signature checked)", any512 ? "SHA-512" :
		    "SHA-256", base_name(r->sums));
	rc = 0;
out:
	sums_release(&sums);
	return rc;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * A Linux x86 kernel (bzImage, boot protocol "HdrS"): its header says how
 * long the file is, so a truncated kernel is caught before it is booted.
 */
static int
check_kernel(const struct input *in, struct herr *e)
{
	unsigned char hdr[0x264];
	uint64_t need;
	unsigned setup;
	ssize_t n;
	int fd;

	if ((fd = open(in->path, O_RDONLY | O_CLOEXEC)) == -1)
		return herr_set(e, HERR_USAGE, "cannot read %s: %s", in->path,
		    strerror(errno));
	n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4) != 0
	    || hdr[0x1fe] != 0x55 || hdr[0x1ff] != 0xaa)
		return herr_set(e, HERR_USAGE, "%s: not a Linux x86 kernel "
		    "(bzImage)", in->path);
	setup = hdr[0x1f1] != 0 ? hdr[0x1f1] : 4;
	need = (uint64_t)(setup + 1) * 512 + (uint64_t)le32(hdr + 0x1f4) * 16;
	if (in->size < need)
		return herr_set(e, HERR_USAGE, "%s: truncated kernel: %llu of "
		    "%llu bytes", in->path, (unsigned long long)in->size,
		    (unsigned long long)need);
	return 0;
}

/* Every check, in order; nothing is written. */
static int
verify(const struct image_req *r, struct input *in, size_t nin,
    struct image_rec *out, struct herr *e)
{
	size_t i;

	if (given(r->sha256)) {
		for (i = 0; i < nin; i++)
			if (files_sha256(in[i].path, in[i].d, &in[i].size,
			    e) == -1 || check_expected(&in[i], e) == -1)
				return -1;
		str_copy(out->verified, "SHA-256 given by the operator",
		    sizeof(out->verified));
	} else if (check_sums(r, in, nin, out, e) == -1)
		return -1;
	if (given(r->iso))
		return isoedit_check(r->iso, e);
	return check_kernel(&in[0], e);
}

static void
set_file(struct image_file *f, const char *dir, const char *name,
    const unsigned char src[32], const unsigned char stored[32],
    uint64_t size)
{
	/* images_import() keeps dir short enough for our names. */
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir, name) >=
	    sizeof(f->path))
		abort();
	sums_hex_encode(src, f->source_sha256);
	sums_hex_encode(stored, f->sha256);
	f->size = size;
}

/* Copies the verified ISO into tmp and writes the serial copy of it. */
static int
store_adapted(const struct adapt *a, const struct input *in, const char *tmp,
    struct image_rec *out, struct herr *e)
{
	char *orig, *dst;
	unsigned char d[32];
	uint64_t size;
	int rc = -1;

	orig = xasprintf("%s/%s", tmp, ISO_TMP);
	dst = xasprintf("%s/%s", tmp, ISO_ADAPTED);
	/*
	 * Adapt a verified copy (not durable: deleted right after), not the
	 * original, which could change under us.
	 */
	if (files_copy_verified(in->path, orig, in->d, 0, &size, e) == -1 ||
	    isoedit_patch(orig, dst, a->file, a->lines, a->drop, d, &size,
	    e) == -1)
		goto out;
	if (chmod(dst, 0444) == -1 || unlink(orig) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	set_file(&out->iso, out->dir, ISO_ADAPTED, in->d, d, size);
	str_copy(out->serial, a->text, sizeof(out->serial));
	rc = 0;
out:
	free(orig);
	free(dst);
	return rc;
}

static int
store_copy(const struct input *in, const char *tmp, const char *name,
    struct image_file *f, const char *dir, struct herr *e)
{
	char *dst = xasprintf("%s/%s", tmp, name);
	uint64_t size;
	int rc;

	rc = files_copy_verified(in->path, dst, in->d, 1, &size, e);
	if (rc == 0)
		set_file(f, dir, name, in->d, in->d, size);
	free(dst);
	return rc;
}

static int
store_files(const struct image_req *r, const struct os *os,
    const struct input *in, const char *tmp, struct image_rec *out,
    struct herr *e)
{
	const struct adapt *a;

	if (!given(r->iso)) {
		out->kind = IMAGE_KIND_KERNEL;
		out->boot = IMAGE_BOOT_KERNEL;
		str_copy(out->cmdline_hvm, "console=ttyS0,115200",
		    sizeof(out->cmdline_hvm));
		str_copy(out->cmdline_pv, "console=hvc0",
		    sizeof(out->cmdline_pv));
		str_copy(out->serial, "kernel command line console=ttyS0,"
		    "115200 (KVM, Xen HVM) or console=hvc0 (Xen PV)",
		    sizeof(out->serial));
		if (store_copy(&in[0], tmp, "kernel", &out->kernel, out->dir,
		    e) == -1)
			return -1;
		return store_copy(&in[1], tmp, "initrd", &out->initrd,
		    out->dir, e);
	}
	out->kind = IMAGE_KIND_ISO;
	out->boot = IMAGE_BOOT_CDROM;
	if ((a = adapt_find(os->fam)) != NULL)
		return store_adapted(a, &in[0], tmp, out, e);
	str_copy(out->serial, "none: the ISO boots as published, so its own "
	    "boot menu must use the serial console", sizeof(out->serial));
	return store_copy(&in[0], tmp, ISO_STORED, &out->iso, out->dir, e);
}

static int
ensure_dir(const char *dir, struct herr *e)
{
	struct stat st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return herr_set(e, HERR_INTERNAL, "images directory %s: %s",
		    dir, strerror(errno));
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return herr_set(e, HERR_INTERNAL, "images directory %s: not "
		    "a directory", dir);
	return 0;
}

static int
sync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes the verified files into a temporary directory, renamed last. */
static int
commit(const struct image_req *r, const struct os *os, const struct input *in,
    const char *images_dir, struct image_rec *out, struct herr *e)
{
	char *tmp;
	int rc = -1;

	if (ensure_dir(images_dir, e) == -1)
		return -1;
	tmp = xasprintf("%s/.tmp-%s-XXXXXX", images_dir, r->name);
	if (mkdtemp(tmp) == NULL) {
		herr_set(e, HERR_INTERNAL, "%s: %s", images_dir,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	if (store_files(r, os, in, tmp, out, e) == -1)
		goto out;
	if (chmod(tmp, 0555) == -1 || sync_dir(tmp) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out->dir,
	    RENAME_NOREPLACE) == -1) {
		if (errno == EEXIST)
			herr_set(e, HERR_EXISTS, "image %s already exists",
			    r->name);
		else
			herr_set(e, HERR_INTERNAL, "%s: %s", out->dir,
			    strerror(errno));
		goto out;
	}
	sync_dir(images_dir);
	rc = 0;
out:
	if (rc == -1)
		files_remove_flat(tmp, NULL);
	free(tmp);
	return rc;
}

static int	import_locked(const struct image_req *, const char *,
		    struct image_rec *, struct herr *);

/*
 * One import at a time in a process: libisofs keeps process-wide state,
 * and two imports at once (hangard runs each on a thread of its own)
 * ended the concurrent-import test with exit status 255 about one run in
 * seven.  Imports are rare and take seconds; serializing costs nothing.
 */
int
images_import(const struct image_req *r, const char *images_dir,
    struct image_rec *out, struct herr *e)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	int rc;

	pthread_mutex_lock(&mu);
	rc = import_locked(r, images_dir, out, e);
	pthread_mutex_unlock(&mu);
	return rc;
}

static int
import_locked(const struct image_req *r, const char *images_dir,
    struct image_rec *out, struct herr *e)
{
	struct input in[2];
	const struct os *os = NULL;
	struct stat st;
	size_t nin;

	herr_clear(e);
	memset(out, 0, sizeof(*out));
	memset(in, 0, sizeof(in));
	if (sodium_init() < 0)
		return herr_set(e, HERR_INTERNAL, "libsodium: cannot "
		    "initialize");
	if (check_req(r, &os, e) == -1)
		return -1;
	if ((size_t)snprintf(out->dir, sizeof(out->dir), "%s/%s", images_dir,
	    r->name) >= sizeof(out->dir) - 64)
		return herr_set(e, HERR_USAGE, "images directory path too "
		    "long");
	if (lstat(out->dir, &st) == 0)
		return herr_set(e, HERR_EXISTS, "image %s already exists",
		    r->name);
	str_copy(out->name, r->name, sizeof(out->name));
	str_copy(out->os, r->os, sizeof(out->os));
	str_copy(out->version, r->version, sizeof(out->version));
	if (given(r->iso)) {
		in[0] = (struct input){ "ISO", r->iso, r->sha256, {0}, 0 };
		nin = 1;
	} else {
		in[0] = (struct input){ "kernel", r->kernel, r->sha256,
		    {0}, 0 };
		in[1] = (struct input){ "initrd", r->initrd,
		    r->initrd_sha256, {0}, 0 };
		nin = 2;
	}
	if (verify(r, in, nin, out, e) == -1 ||
	    commit(r, os, in, images_dir, out, e) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int
images_remove(const char *images_dir, const char *name, struct herr *e)
{
	char *path, *gone;
	struct stat st;
	int rc = -1;

	herr_clear(e);
	if (name == NULL || !str_is_name(name))
		return herr_set(e, HERR_USAGE, "bad image name");
	path = xasprintf("%s/%s", images_dir, name);
	gone = xasprintf("%s/.rm-%s-XXXXXX", images_dir, name);
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		herr_set(e, HERR_NOTFOUND, "no image %s", name);
		goto out;
	}
	/* Out of the catalog in one step (onto an empty directory), then
	 * emptied at leisure. */
	if (mkdtemp(gone) == NULL || rename(path, gone) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", path, strerror(errno));
		rmdir(gone);
		goto out;
	}
	if (files_remove_flat(gone, e) == -1)
		goto out;
	sync_dir(images_dir);
	rc = 0;
out:
	free(path);
	free(gone);
	return rc;
}

static int
check_file(const struct image_file *f, struct herr *e)
{
	unsigned char d[32];
	char hex[65];
	uint64_t size;
	struct herr e2;

	if (f->path[0] == '\0')
		return 0;
	if (files_sha256(f->path, d, &size, &e2) == -1)
		return herr_set(e, HERR_STATE, "%s", e2.msg);
	sums_hex_encode(d, hex);
	if (strcmp(hex, f->sha256) != 0 || size != f->size)
		return herr_set(e, HERR_STATE, "%s: changed since it was "
		    "imported (SHA-256 %s)", f->path, hex);
	return 0;
}

int
images_check(const struct image_rec *rec, struct herr *e)
{
	herr_clear(e);
	if (sodium_init() < 0)
		return herr_set(e, HERR_INTERNAL, "libsodium: cannot "
		    "initialize");
	if (check_file(&rec->iso, e) == -1 ||
	    check_file(&rec->kernel, e) == -1 ||
	    check_file(&rec->initrd, e) == -1)
		return -1;
	return 0;
}

int
images_sweep(const char *images_dir, int *n, struct herr *e)
{
	struct dirent *de;
	DIR *d;
	char *path;
	int rc = 0;

	herr_clear(e);
	if (n != NULL)
		*n = 0;
	if ((d = opendir(images_dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return herr_set(e, HERR_INTERNAL, "%s: %s", images_dir,
		    strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0 &&
		    strncmp(de->d_name, ".rm-", 4) != 0)
			continue;
		path = xasprintf("%s/%s", images_dir, de->d_name);
		rc = files_remove_flat(path, e);
		free(path);
		if (rc == 0 && n != NULL)
			(*n)++;
	}
	closedir(d);
	return rc;
}
