/*
 * sums: parser for checksum lists as published next to installers.
 *
 * Two formats, one entry per line, SHA-256 or SHA-512:
 *   BSD  "SHA256 (install73.iso) = 9f3c..."   (OpenBSD, FreeBSD, NetBSD)
 *   GNU  "9f3c...  debian-12.iso"             (sha256sum, Debian, Alpine;
 *                                              128 digits for sha512sum)
 * BSD lines for another algorithm (MD5, RMD160, ...) are skipped; any
 * other line that is not blank or a '#' comment makes the file invalid.
 * Pure code: no I/O, so it is fuzzed (fuzz/images_sums.c).
 */
#ifndef HANGAR_IMAGES_SUMS_H
#define HANGAR_IMAGES_SUMS_H

#include <stddef.h>

struct herr;

#define SUMS_MAX_SIZE		(4 * 1024 * 1024)	/* bytes of input */
#define SUMS_MAX_LINE		4096
#define SUMS_MAX_ENTRIES	100000

enum sums_alg {
	SUMS_SHA256,		/* digest: 32 bytes */
	SUMS_SHA512		/* digest: 64 bytes */
};

struct sums_entry {
	char		*name;		/* as written, e.g. "./netboot/linux" */
	enum sums_alg	 alg;
	unsigned char	 digest[64];
};

struct sums {
	struct sums_entry	*v;
	size_t			 n;
};

/* Fills s (released by sums_release) from buf; on error s is empty. */
int	 sums_parse(struct sums *s, const char *buf, size_t len,
	    struct herr *e);
void	 sums_release(struct sums *s);

enum sums_result {
	SUMS_NOENTRY,	/* no entry names the file */
	SUMS_MISMATCH,	/* entries name it, none with this digest */
	SUMS_MATCH
};
/*
 * Looks for entries whose last path component is base (a file name without
 * '/') and compares their digests with the file's: sha256, and sha512
 * when not NULL (SHA-512 entries are not compared without it).
 */
enum sums_result sums_match(const struct sums *s, const char *base,
	    const unsigned char sha256[32], const unsigned char *sha512);
/* 1 when an entry for base uses alg. */
int	 sums_lists(const struct sums *s, const char *base, enum sums_alg alg);

/* Parses exactly 64 hex digits (either case) into out; -1 otherwise. */
int	 sums_hex_decode(const char *hex, size_t len, unsigned char out[32]);
/* The same for 2 * n digits into n bytes. */
int	 sums_hex_decode_n(const char *hex, size_t len, unsigned char *out,
	    size_t n);
/* Writes the 64 lower-case hex digits of d and a NUL into out. */
void	 sums_hex_encode(const unsigned char d[32], char out[65]);

#endif
