#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "images/files.h"

#define BUFSZ	(1024 * 1024)

/*
 * SHA-256 of large files comes from OpenSSL's libcrypto, which uses the
 * CPU's SHA extensions (about 8 times libsodium's portable code here).
 */
static EVP_MD_CTX *
sha256_new(void)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();

	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		abort();
	return h;
}

static void
sha256_update(EVP_MD_CTX *h, const void *p, size_t n)
{
	if (EVP_DigestUpdate(h, p, n) != 1)
		abort();
}

/* Writes the digest and frees h. */
static void
sha256_final(EVP_MD_CTX *h, unsigned char d[32])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(h, d, &n) != 1 || n != 32)
		abort();
	EVP_MD_CTX_free(h);
}

static int
open_regular(const char *path, struct stat *st, struct herr *e)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return herr_set(e, HERR_USAGE, "cannot read %s: %s", path,
		    strerror(errno));
	if (fstat(fd, st) == -1) {
		herr_set(e, HERR_USAGE, "cannot read %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return herr_set(e, HERR_USAGE, "%s: not a regular file", path);
	}
	return fd;
}

int
files_digests(const char *path, unsigned char d256[32], unsigned char *d512,
    uint64_t *size, struct herr *e)
{
	EVP_MD_CTX *h = NULL, *h512 = NULL;
	unsigned char *buf = NULL;
	unsigned int n512 = 0;
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open_regular(path, &st, e)) == -1)
		return -1;
	if (st.st_size == 0) {
		herr_set(e, HERR_USAGE, "%s: empty file", path);
		goto out;
	}
	buf = xmalloc(BUFSZ);
	h = sha256_new();
	if (d512 != NULL && ((h512 = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h512, EVP_sha512(), NULL) != 1))
		abort();
	*size = 0;
	while ((n = read(fd, buf, BUFSZ)) > 0) {
		sha256_update(h, buf, (size_t)n);
		if (h512 != NULL && EVP_DigestUpdate(h512, buf, (size_t)n) != 1)
			abort();
		*size += (uint64_t)n;
	}
	if (n == -1) {
		herr_set(e, HERR_USAGE, "cannot read %s: %s", path,
		    strerror(errno));
		goto out;
	}
	sha256_final(h, d256);
	h = NULL;
	if (h512 != NULL && (EVP_DigestFinal_ex(h512, d512, &n512) != 1 ||
	    n512 != 64))
		abort();
	rc = 0;
out:
	EVP_MD_CTX_free(h);
	EVP_MD_CTX_free(h512);
	free(buf);
	close(fd);
	return rc;
}

int
files_sha256(const char *path, unsigned char d[32], uint64_t *size,
    struct herr *e)
{
	return files_digests(path, d, NULL, size, e);
}

int
files_read(const char *path, size_t max, char **buf, size_t *len,
    struct herr *e)
{
	struct stat st;
	ssize_t n = 0;
	int fd, rc = -1;

	*buf = NULL;
	if ((fd = open_regular(path, &st, e)) == -1)
		return -1;
	if ((uint64_t)st.st_size > max) {
		herr_set(e, HERR_USAGE, "%s: larger than %zu bytes", path,
		    max);
		goto out;
	}
	*buf = xmalloc(max + 1);
	*len = 0;
	while (*len < max + 1 &&
	    (n = read(fd, *buf + *len, max + 1 - *len)) > 0)
		*len += (size_t)n;
	if (n == -1) {
		herr_set(e, HERR_USAGE, "cannot read %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (*len > max) {
		herr_set(e, HERR_USAGE, "%s: larger than %zu bytes", path,
		    max);
		goto out;
	}
	(*buf)[*len] = '\0';
	rc = 0;
out:
	close(fd);
	if (rc == -1) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
files_copy_verified(const char *src, const char *dst,
    const unsigned char want[32], int durable, uint64_t *size,
    struct herr *e)
{
	EVP_MD_CTX *h = NULL;
	unsigned char *buf = NULL, d[32];
	struct stat st;
	ssize_t n;
	int in, out = -1, rc = -1;

	if ((in = open_regular(src, &st, e)) == -1)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", dst, strerror(errno));
		goto out;
	}
	buf = xmalloc(BUFSZ);
	h = sha256_new();
	*size = 0;
	while ((n = read(in, buf, BUFSZ)) > 0) {
		sha256_update(h, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) == -1) {
			herr_set(e, HERR_INTERNAL, "%s: write: %s", dst,
			    strerror(errno));
			goto out;
		}
		*size += (uint64_t)n;
	}
	if (n == -1) {
		herr_set(e, HERR_USAGE, "cannot read %s: %s", src,
		    strerror(errno));
		goto out;
	}
	sha256_final(h, d);
	h = NULL;
	if (sodium_memcmp(d, want, 32) != 0) {
		herr_set(e, HERR_USAGE, "%s changed while it was imported",
		    src);
		goto out;
	}
	if ((durable && fsync(out) == -1) || fchmod(out, 0444) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(h);
	free(buf);
	close(in);
	if (out != -1 && close(out) == -1 && rc == 0)
		rc = herr_set(e, HERR_INTERNAL, "%s: close: %s", dst,
		    strerror(errno));
	return rc;
}

int
files_remove_flat(const char *dir, struct herr *e)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	/* Our directories are 0555: make this one writable again first. */
	if (chmod(dir, 0700) == -1 || (d = opendir(dir)) == NULL)
		return herr_set(e, HERR_INTERNAL, "%s: %s", dir,
		    strerror(errno));
	fd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1) {
			rc = herr_set(e, HERR_INTERNAL, "%s/%s: %s", dir,
			    de->d_name, strerror(errno));
			break;
		}
	}
	closedir(d);
	if (rc == 0 && rmdir(dir) == -1)
		rc = herr_set(e, HERR_INTERNAL, "%s: %s", dir,
		    strerror(errno));
	return rc;
}
