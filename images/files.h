/* files: the file work of the catalog (hashing, copying, removing). */
#ifndef HANGAR_IMAGES_FILES_H
#define HANGAR_IMAGES_FILES_H

#include <stddef.h>
#include <stdint.h>

struct herr;

/* SHA-256 of a non-empty regular file; *size gets its length. */
int	 files_sha256(const char *path, unsigned char d[32], uint64_t *size,
	    struct herr *e);
/* The same, and its SHA-512 in the same pass when d512 is not NULL. */
int	 files_digests(const char *path, unsigned char d256[32],
	    unsigned char *d512, uint64_t *size, struct herr *e);
/* Reads a whole regular file of at most max bytes into a new buffer. */
int	 files_read(const char *path, size_t max, char **buf, size_t *len,
	    struct herr *e);
/*
 * Copies src to dst (created, mode 0444; fsync'ed when durable) and checks
 * that what was written has the digest `want`: src may not change between
 * check and copy.
 */
int	 files_copy_verified(const char *src, const char *dst,
	    const unsigned char want[32], int durable, uint64_t *size,
	    struct herr *e);
/* Removes a directory holding only regular files (ours: flat). */
int	 files_remove_flat(const char *dir, struct herr *e);

#endif
