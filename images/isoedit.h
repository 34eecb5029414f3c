/*
 * isoedit: the ISO 9660 work of the catalog, done with libisofs.
 * (Not named iso_*: that prefix belongs to libisofs.)
 */
#ifndef HANGAR_IMAGES_ISOEDIT_H
#define HANGAR_IMAGES_ISOEDIT_H

#include <stdint.h>

struct herr;

/*
 * Checks that path is an ISO 9660 image, not shorter than its primary
 * volume descriptor says, with an El Torito boot record.
 */
int	 isoedit_check(const char *path, struct herr *e);

/*
 * Writes dst (created, must not exist) as a copy of the ISO src in which
 * the file `file` (an absolute path in the ISO, e.g. "/etc/boot.conf")
 * starts with `lines` (NULL-terminated); the lines it held before are kept
 * after them, except those that start with one of the `drop` prefixes
 * (NULL-terminated; leading blanks ignored).  The file and its parent
 * directories are created when missing.  The El Torito boot images and the
 * system area (MBR of hybrid images) are kept; src is only read.  d and
 * *size get the SHA-256 and length of what was written to dst (fsync'ed).
 */
int	 isoedit_patch(const char *src, const char *dst, const char *file,
	    const char *const *lines, const char *const *drop,
	    unsigned char d[32], uint64_t *size, struct herr *e);

#endif
