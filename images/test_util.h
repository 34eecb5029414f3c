/*
 * Helpers shared by the images tests: temporary folders, files, external
 * tools (xorriso, signify-openbsd) and a snapshot of a directory tree that
 * proves a refusal left the catalog byte-for-byte as it was.
 */
#ifndef HANGAR_IMAGES_TEST_UTIL_H
#define HANGAR_IMAGES_TEST_UTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/xmalloc.h"

/* A new temporary folder; the caller frees the string. */
static inline char *
tu_tmpdir(void)
{
	char *d = xstrdup("/tmp/hangar-images-test-XXXXXX");

	if (mkdtemp(d) == NULL)
		abort();
	return d;
}

static inline char *
tu_path(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static inline void
tu_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		abort();
}

static inline void
tu_write_str(const char *path, const char *s)
{
	tu_write(path, s, strlen(s));
}

/* Whole file as a NUL-terminated string (NULL when unreadable). */
static inline char *
tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		abort();
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Runs a shell command (our own fixed strings); returns its status. */
static inline int
tu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int
tu_run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) == -1)
		abort();
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	free(cmd);
	return rc;
}

/* Lower-case hex SHA-256 of a file into out. */
static inline void
tu_sha256(const char *path, char out[65])
{
	unsigned char d[32];
	size_t len;
	char *buf = tu_read(path, &len);

	if (buf == NULL)
		abort();
	crypto_hash_sha256(d, (unsigned char *)buf, len);
	sodium_bin2hex(out, 65, d, 32);
	free(buf);
}

static char	*tu_snap_buf;
static size_t	 tu_snap_len;
static size_t	 tu_snap_root;

static inline int
tu_snap_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	char hex[65] = "-", *line;
	size_t l;

	(void)type;
	(void)ftw;
	if (S_ISREG(st->st_mode))
		tu_sha256(path, hex);
	line = xasprintf("%s mode=%o size=%lld mtime=%lld.%09ld sha256=%s\n",
	    path + tu_snap_root, (unsigned)st->st_mode,
	    (long long)st->st_size, (long long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec, hex);
	l = strlen(line);
	tu_snap_buf = xreallocarray(tu_snap_buf, tu_snap_len + l + 1, 1);
	memcpy(tu_snap_buf + tu_snap_len, line, l + 1);
	tu_snap_len += l;
	free(line);
	return 0;
}

/*
 * Every entry under dir (names, modes, sizes, mtimes, content digests)
 * as one string the caller frees; "(none)" when dir does not exist.
 * nftw order is the readdir order, stable for an unchanged directory.
 */
static inline char *
tu_snapshot(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return xstrdup("(none)");
	tu_snap_buf = xstrdup("");
	tu_snap_len = 0;
	tu_snap_root = strlen(dir);
	if (nftw(dir, tu_snap_one, 16, FTW_PHYS) != 0)
		abort();
	return tu_snap_buf;
}

static inline void
tu_rmrf(const char *dir)
{
	if (dir != NULL)
		tu_run("chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
}

#endif
