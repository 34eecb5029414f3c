/*
 * images: the installer catalog.  Imports an OS installer (an ISO, or a
 * Linux kernel and initrd), verifies it, adapts it to the serial console
 * and stores it read-only under images_dir/NAME/, shared by every guest.
 *
 * The store keeps the struct image_rec that images_import() fills; the
 * daemon calls images_cmdline() when it boots a guest from a kernel image.
 * See hangar-image(8) for the user's view.
 */
#ifndef HANGAR_IMAGES_H
#define HANGAR_IMAGES_H

#include <limits.h>
#include <stdint.h>

struct herr;

enum image_kind {
	IMAGE_KIND_ISO,		/* a bootable ISO 9660 image */
	IMAGE_KIND_KERNEL	/* a Linux kernel and its initrd */
};

enum image_boot {
	IMAGE_BOOT_CDROM,	/* attach the ISO as a CD-ROM, boot from it */
	IMAGE_BOOT_KERNEL	/* direct kernel boot with images_cmdline() */
};

enum image_guest {
	IMAGE_GUEST_KVM,
	IMAGE_GUEST_XEN_HVM,
	IMAGE_GUEST_XEN_PV
};

/* What to import; the strings are borrowed for the call only. */
struct image_req {
	const char	*name;		/* catalog name: a-z 0-9 -, 1-63 */
	const char	*os;		/* "openbsd", "debian", ... */
	const char	*version;	/* "7.3": [A-Za-z0-9._+-], 1-63 */
	const char	*iso;		/* either an ISO ... */
	const char	*kernel;	/* ... or a kernel and an initrd */
	const char	*initrd;
	/* Either the expected SHA-256 (hex) of each file given ... */
	const char	*sha256;	/* of the ISO or of the kernel */
	const char	*initrd_sha256;	/* of the initrd */
	/* ... or a sums file that lists them by file name. */
	const char	*sums;
	const char	*signify_key;	/* optional: verify the sums file */
	const char	*signify_sig;	/* optional: default SUMS.sig, unless
					   the sums file has an embedded one */
};

/* One stored file; path is "" when the image has no such file. */
struct image_file {
	char		path[PATH_MAX];		/* images_dir/NAME/... */
	char		sha256[65];		/* of the stored file */
	char		source_sha256[65];	/* of the file given */
	uint64_t	size;			/* of the stored file */
};

/* Everything the store keeps about an image. */
struct image_rec {
	char			name[64];
	char			os[32];
	char			version[64];
	enum image_kind		kind;
	enum image_boot		boot;
	char			dir[PATH_MAX];	/* images_dir/NAME */
	struct image_file	iso;
	struct image_file	kernel;
	struct image_file	initrd;
	char			serial[256];	/* adaptation, human text */
	char			verified[256];	/* how, human text */
	char			cmdline_hvm[64];/* kernel: KVM, Xen HVM */
	char			cmdline_pv[64];	/* kernel: Xen PV */
};

/*
 * Verifies everything in req first (checksums, signature, El Torito boot
 * record, completeness), then writes images_dir/NAME/ (files 0444,
 * directory 0555) through a temporary directory renamed into place, and
 * fills out.  On error images_dir is left as it was and e says why in one
 * line: HERR_USAGE (bad request, unreadable, truncated or unbootable
 * file, wrong checksum), HERR_PERM (bad signature), HERR_EXISTS,
 * HERR_INTERNAL.  images_dir is created (0755) when missing.
 */
int	 images_import(const struct image_req *req, const char *images_dir,
	    struct image_rec *out, struct herr *e);

/* Removes images_dir/NAME/ (HERR_NOTFOUND when there is none). */
int	 images_remove(const char *images_dir, const char *name,
	    struct herr *e);

/*
 * Re-reads the stored files of rec and checks their SHA-256 against the
 * record (HERR_STATE on a mismatch or a missing file), e.g. before a guest
 * boots from them or for `image show`.
 */
int	 images_check(const struct image_rec *rec, struct herr *e);

/*
 * Deletes what an import or removal cut short by a crash left in
 * images_dir (.tmp-* and .rm-* folders); for the daemon's start, when no
 * import runs.  *n (if not NULL) gets how many were deleted.
 */
int	 images_sweep(const char *images_dir, int *n, struct herr *e);

/*
 * The kernel command line that puts a kernel image's console on the
 * guest's serial port, or NULL for ISO images.
 */
const char	*images_cmdline(const struct image_rec *rec,
		    enum image_guest guest);

/* Names for the store and JSON: "iso"/"kernel", "cdrom"/"kernel". */
const char	*images_kind_name(enum image_kind kind);
const char	*images_boot_name(enum image_boot boot);
/* 1 when os is a supported OS name; the list is in hangar-image(8). */
int		 images_os_supported(const char *os);

#endif
