#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* No libburn here: libisofs.h then declares struct burn_source itself. */
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>
#include <openssl/evp.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "images/isoedit.h"

#define SECTOR		2048
#define MAX_PATCHED	(64 * 1024)	/* a boot loader's config file */

static int	isofs_ok;

static void
isofs_init_once(void)
{
	if (iso_init() < 0)
		return;
	/* Errors come back as codes; keep libisofs quiet on stderr. */
	iso_set_msgs_severities("NEVER", "NEVER", "hangar");
	isofs_ok = 1;
}

/* libisofs is initialized once per process, from any thread. */
static int
isoedit_init(struct herr *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, isofs_init_once);
	if (!isofs_ok)
		return herr_set(e, HERR_INTERNAL, "libisofs: cannot "
		    "initialize");
	return 0;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* The primary volume descriptor: is it there, and is the file complete? */
static int
check_pvd(const char *path, struct herr *e)
{
	unsigned char pvd[SECTOR];
	struct stat st;
	uint64_t need;
	ssize_t n;
	int fd, rc = -1;
	unsigned bs;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return herr_set(e, HERR_USAGE, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		herr_set(e, HERR_USAGE, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size < 17 * SECTOR) {
		herr_set(e, HERR_USAGE, "%s: too short for an ISO 9660 "
		    "image (%lld bytes)", path, (long long)st.st_size);
		goto out;
	}
	n = pread(fd, pvd, sizeof(pvd), 16 * SECTOR);
	if (n != (ssize_t)sizeof(pvd)) {
		herr_set(e, HERR_USAGE, "%s: cannot read the volume "
		    "descriptor: %s", path, n == -1 ? strerror(errno) :
		    "short read");
		goto out;
	}
	if (pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0) {
		herr_set(e, HERR_USAGE, "%s: not an ISO 9660 image (no "
		    "primary volume descriptor)", path);
		goto out;
	}
	bs = (unsigned)pvd[128] | (unsigned)pvd[129] << 8;
	need = (uint64_t)le32(pvd + 80) * (bs != 0 ? bs : SECTOR);
	if ((uint64_t)st.st_size < need) {
		herr_set(e, HERR_USAGE, "%s: truncated ISO image: %lld of "
		    "%llu bytes", path, (long long)st.st_size,
		    (unsigned long long)need);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Imports src into a new image (the caller unrefs *img). */
static int
import(const char *src, IsoImage **img, int *joliet, struct herr *e)
{
	IsoReadImageFeatures *feat = NULL;
	IsoDataSource *ds = NULL;
	IsoReadOpts *ro = NULL;
	int r, rc = -1;

	*img = NULL;
	if (isoedit_init(e) == -1)
		return -1;
	if ((r = iso_image_new("hangar", img)) < 0 ||
	    (r = iso_read_opts_new(&ro, 0)) < 0 ||
	    (r = iso_read_opts_load_system_area(ro, 1)) < 0 ||
	    (r = iso_data_source_new_from_file(src, &ds)) < 0) {
		herr_set(e, HERR_INTERNAL, "libisofs: %s", iso_error_to_msg(r));
		goto out;
	}
	if ((r = iso_image_import(*img, ds, ro, &feat)) < 0) {
		herr_set(e, HERR_USAGE, "%s: not a readable ISO 9660 image: "
		    "%s", src, iso_error_to_msg(r));
		goto out;
	}
	if (!iso_read_image_features_has_eltorito(feat) ||
	    iso_image_get_boot_image(*img, NULL, NULL, NULL) != 1) {
		herr_set(e, HERR_USAGE, "%s: no El Torito boot record: the "
		    "ISO is not bootable", src);
		goto out;
	}
	if (joliet != NULL)
		*joliet = iso_read_image_features_has_joliet(feat);
	rc = 0;
out:
	if (feat != NULL)
		iso_read_image_features_destroy(feat);
	if (ds != NULL)
		iso_data_source_unref(ds);
	iso_read_opts_free(ro);
	if (rc == -1 && *img != NULL) {
		iso_image_unref(*img);
		*img = NULL;
	}
	return rc;
}

int
isoedit_check(const char *path, struct herr *e)
{
	IsoImage *img;

	if (check_pvd(path, e) == -1 || import(path, &img, NULL, e) == -1)
		return -1;
	iso_image_unref(img);
	return 0;
}

/* Reads the regular file node into a new buffer (len bytes, NUL added). */
static int
read_node(IsoNode *node, const char *file, char **buf, size_t *len,
    struct herr *e)
{
	IsoStream *st;
	off_t size;
	int r, rc = -1;

	*buf = NULL;
	if (iso_node_get_type(node) != LIBISO_FILE)
		return herr_set(e, HERR_USAGE, "ISO: %s is not a regular file",
		    file);
	st = iso_file_get_stream((IsoFile *)node);
	size = iso_stream_get_size(st);
	if (size < 0 || size > MAX_PATCHED)
		return herr_set(e, HERR_USAGE, "ISO: %s is larger than %d "
		    "bytes", file, MAX_PATCHED);
	if ((r = iso_stream_open(st)) < 0)
		return herr_set(e, HERR_USAGE, "ISO: cannot read %s: %s", file,
		    iso_error_to_msg(r));
	*buf = xmalloc((size_t)size + 1);
	*len = 0;
	while (*len < (size_t)size) {
		r = iso_stream_read(st, *buf + *len, (size_t)size - *len);
		if (r <= 0) {
			herr_set(e, HERR_USAGE, "ISO: cannot read %s: %s",
			    file, r < 0 ? iso_error_to_msg(r) : "short file");
			goto out;
		}
		*len += (size_t)r;
	}
	(*buf)[*len] = '\0';
	rc = 0;
out:
	iso_stream_close(st);
	if (rc == -1) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int
dropped(const char *line, size_t len, const char *const *drop)
{
	size_t n;

	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	for (; *drop != NULL; drop++) {
		n = strlen(*drop);
		if (len >= n && memcmp(line, *drop, n) == 0)
			return 1;
	}
	return 0;
}

/* Our lines, then the old ones that are not dropped; a new buffer. */
static unsigned char *
compose(const char *old, size_t oldlen, const char *const *lines,
    const char *const *drop, size_t *outlen)
{
	size_t cap = oldlen + 2, n = 0, i, l;
	const char *p, *nl;
	unsigned char *out;

	for (i = 0; lines[i] != NULL; i++)
		cap += strlen(lines[i]) + 1;
	out = xmalloc(cap);
	for (i = 0; lines[i] != NULL; i++) {
		l = strlen(lines[i]);
		memcpy(out + n, lines[i], l);
		n += l;
		out[n++] = '\n';
	}
	for (p = old; p < old + oldlen; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(old + oldlen - p));
		l = nl != NULL ? (size_t)(nl - p) : (size_t)(old + oldlen - p);
		if (!dropped(p, l, drop)) {
			memcpy(out + n, p, l);
			n += l;
			out[n++] = '\n';
		}
		if (nl == NULL)
			break;
	}
	*outlen = n;
	return out;
}

/* The directory that holds file (created as needed); *base is its name. */
static int
parent_dir(IsoImage *img, const char *file, IsoDir **dir, char *base,
    size_t basesz, struct herr *e)
{
	char comp[256];
	const char *p = file, *slash;
	IsoNode *node;
	size_t l;
	int r;

	*dir = iso_image_get_root(img);
	if (*p != '/')
		return herr_set(e, HERR_INTERNAL, "isoedit: %s: not absolute",
		    file);
	for (;;) {
		p++;
		slash = strchr(p, '/');
		l = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (l == 0 || l >= sizeof(comp) || l >= basesz)
			return herr_set(e, HERR_INTERNAL, "isoedit: bad path "
			    "%s", file);
		memcpy(comp, p, l);
		comp[l] = '\0';
		if (slash == NULL)
			break;
		if ((r = iso_dir_get_node(*dir, comp, &node)) == 1) {
			if (iso_node_get_type(node) != LIBISO_DIR)
				return herr_set(e, HERR_USAGE, "ISO: %s in %s "
				    "is not a directory", comp, file);
			*dir = (IsoDir *)node;
		} else if (r < 0 ||
		    (r = iso_tree_add_new_dir(*dir, comp, dir)) < 0)
			return herr_set(e, HERR_INTERNAL, "libisofs: %s",
			    iso_error_to_msg(r));
		iso_node_set_permissions((IsoNode *)*dir, 0555);
		p = slash;
	}
	memcpy(base, comp, l + 1);
	return 0;
}

/* Replaces (or creates) file in img with the composed content. */
static int
replace_file(IsoImage *img, const char *file, const char *const *lines,
    const char *const *drop, struct herr *e)
{
	char base[256], *old = NULL;
	size_t oldlen = 0, len;
	unsigned char *buf;
	IsoStream *st;
	IsoFile *f;
	IsoNode *node;
	IsoDir *dir;
	int r;

	if ((r = iso_tree_path_to_node(img, file, &node)) < 0)
		return herr_set(e, HERR_INTERNAL, "libisofs: %s",
		    iso_error_to_msg(r));
	if (r == 1) {
		if (read_node(node, file, &old, &oldlen, e) == -1)
			return -1;
		iso_node_remove(node);
	}
	buf = compose(old != NULL ? old : "", oldlen, lines, drop, &len);
	free(old);
	if (parent_dir(img, file, &dir, base, sizeof(base), e) == -1) {
		free(buf);
		return -1;
	}
	/* The stream owns buf from here on, the file owns the stream. */
	if ((r = iso_memory_stream_new(buf, len, &st)) < 0) {
		free(buf);
		return herr_set(e, HERR_INTERNAL, "libisofs: %s",
		    iso_error_to_msg(r));
	}
	if ((r = iso_tree_add_new_file(dir, base, st, &f)) < 0) {
		iso_stream_unref(st);
		return herr_set(e, HERR_INTERNAL, "libisofs: %s",
		    iso_error_to_msg(r));
	}
	iso_node_set_permissions((IsoNode *)f, 0444);
	iso_node_set_mtime((IsoNode *)f, time(NULL));
	return 0;
}

/* The number after prefix in libisofs's system area report, or -1. */
static long
report_number(char **lines, int n, const char *prefix, int base)
{
	size_t l = strlen(prefix);
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(lines[i], prefix, l) == 0)
			return strtol(lines[i] + l, NULL, base);
	return -1;
}

/*
 * Hands the imported system area back with the options libisofs's own
 * analysis found (iso_image_get_system_area() returns them as 0): for an
 * isohybrid MBR that makes libisofs point it at the boot image's new
 * place and size its partition again, instead of copying stale values.
 */
static int
keep_system_area(IsoImage *img, IsoWriteOpts *wo, struct herr *e)
{
	char sa[32768], **lines = NULL;
	long opts, heads, secs;
	int n = 0, r, unused;

	if (iso_image_get_system_area(img, sa, &unused, 0) != 1)
		return 0;
	if (iso_image_report_system_area(img, &lines, &n, 0) != 1)
		return 0;
	opts = report_number(lines, n, "System area options: ", 16);
	heads = report_number(lines, n, "MBR heads per cyl  : ", 10);
	secs = report_number(lines, n, "MBR secs per head  : ", 10);
	iso_image_report_system_area(img, &lines, &n, 1 << 15);
	if (opts < 0)
		return 0;
	if ((r = iso_write_opts_set_system_area(wo, sa, (int)opts, 0)) < 0)
		return herr_set(e, HERR_INTERNAL, "libisofs: system area: %s",
		    iso_error_to_msg(r));
	if (heads > 0 && heads <= 255 && secs > 0 && secs <= 63)
		iso_write_opts_set_part_offset(wo, 0, (int)secs, (int)heads);
	return 0;
}

/* Writes the image to dst, hashing what it writes into d and *size. */
static int
write_image(IsoImage *img, int joliet, const char *dst, unsigned char d[32],
    uint64_t *size, struct herr *e)
{
	EVP_MD_CTX *h = NULL;
	unsigned int dlen = 0;
	struct burn_source *bs = NULL;
	IsoWriteOpts *wo = NULL;
	unsigned char buf[SECTOR];
	int fd = -1, r, rc = -1;

	if ((r = iso_write_opts_new(&wo, 0)) < 0)
		return herr_set(e, HERR_INTERNAL, "libisofs: %s",
		    iso_error_to_msg(r));
	/*
	 * Names as BSD boot loaders look them up, the way OpenBSD's release
	 * ISOs are made (mkhybrid -l -d -N): ISO 9660 level 3 (31 upper-case
	 * characters, files over 4 GiB), no ";1" version and no forced dot,
	 * dots kept in directory names ("7.3"); Rock Ridge for the real
	 * names, Joliet when the original had it.
	 */
	iso_write_opts_set_iso_level(wo, 3);
	iso_write_opts_set_omit_version_numbers(wo, 1);
	iso_write_opts_set_no_force_dots(wo, 1);
	iso_write_opts_set_rockridge(wo, 1);
	iso_write_opts_set_joliet(wo, joliet);
	iso_write_opts_set_allow_dir_id_ext(wo, 1);
	iso_write_opts_set_allow_deep_paths(wo, 1);
	iso_write_opts_set_allow_longer_paths(wo, 1);
	if (keep_system_area(img, wo, e) == -1)
		goto out;
	if ((r = iso_image_create_burn_source(img, wo, &bs)) < 0) {
		herr_set(e, HERR_INTERNAL, "libisofs: cannot write the ISO: "
		    "%s", iso_error_to_msg(r));
		bs = NULL;
		goto out;
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", dst, strerror(errno));
		goto out;
	}
	if ((h = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		herr_set(e, HERR_INTERNAL, "libcrypto: cannot hash");
		goto out;
	}
	*size = 0;
	while ((r = bs->read_xt(bs, buf, sizeof(buf))) == (int)sizeof(buf)) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			herr_set(e, HERR_INTERNAL, "%s: write: %s", dst,
			    errno != 0 ? strerror(errno) : "short write");
			goto out;
		}
		if (EVP_DigestUpdate(h, buf, sizeof(buf)) != 1) {
			herr_set(e, HERR_INTERNAL, "libcrypto: cannot hash");
			goto out;
		}
		*size += sizeof(buf);
	}
	if (r != 0) {
		herr_set(e, HERR_INTERNAL, "libisofs: writing the ISO failed");
		goto out;
	}
	if (EVP_DigestFinal_ex(h, d, &dlen) != 1 || dlen != 32) {
		herr_set(e, HERR_INTERNAL, "libcrypto: cannot hash");
		goto out;
	}
	if (fsync(fd) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: fsync: %s", dst,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(h);
	if (bs != NULL) {
		if (rc == -1)
			bs->cancel(bs);
		bs->free_data(bs);
		free(bs);
	}
	if (fd != -1 && close(fd) == -1 && rc == 0)
		rc = herr_set(e, HERR_INTERNAL, "%s: close: %s", dst,
		    strerror(errno));
	if (rc == -1 && fd != -1)
		unlink(dst);
	iso_write_opts_free(wo);
	return rc;
}

/*
 * Boot images that carry a boot info table (ISOLINUX, mkisofs
 * -boot-info-table) or GRUB2's boot info must get them patched again,
 * since the image moves to new blocks.
 */
static int
keep_boot_info(IsoImage *img, struct herr *e)
{
	ElToritoBootImage **boots = NULL;
	IsoFile **nodes = NULL;
	int i, n = 0, opts, r;

	if ((r = iso_image_get_all_boot_imgs(img, &n, &boots, &nodes, 0)) < 0)
		return herr_set(e, HERR_INTERNAL, "libisofs: %s",
		    iso_error_to_msg(r));
	for (i = 0; i < n; i++) {
		opts = el_torito_get_isolinux_options(boots[i], 0);
		if (opts < 0)
			opts = 0;
		if (el_torito_seems_boot_info_table(boots[i], 0) == 1)
			opts |= 1;
		if (el_torito_seems_boot_info_table(boots[i], 1) == 1)
			opts |= 1 << 9;
		el_torito_set_isolinux_options(boots[i], opts, 0);
	}
	free(boots);
	free(nodes);
	return 0;
}

int
isoedit_patch(const char *src, const char *dst, const char *file,
    const char *const *lines, const char *const *drop, unsigned char d[32],
    uint64_t *size, struct herr *e)
{
	IsoImage *img;
	int joliet = 0, rc = -1;

	if (check_pvd(src, e) == -1 || import(src, &img, &joliet, e) == -1)
		return -1;
	if (keep_boot_info(img, e) == -1 ||
	    replace_file(img, file, lines, drop, e) == -1)
		goto out;
	if (write_image(img, joliet, dst, d, size, e) == -1)
		goto out;
	rc = 0;
out:
	iso_image_unref(img);
	return rc;
}
