/*
 * signify: OpenBSD's signature files, verified with libsodium's Ed25519.
 *
 * A signify file is two lines, "untrusted comment: TEXT" and the base64 of
 * a binary blob: "Ed" + an 8-byte key number + the 32-byte public key (key
 * file) or the 64-byte signature (signature file).  An embedded signature
 * (signify -S -e, OpenBSD's SHA256.sig) is followed by the signed message.
 * The parsers are pure code and are fuzzed (fuzz/images_signify.c).
 */
#ifndef HANGAR_IMAGES_SIGNIFY_H
#define HANGAR_IMAGES_SIGNIFY_H

#include <stddef.h>

struct herr;

#define SIGNIFY_MAX_COMMENT	1024	/* as signify(1) */

struct signify_pubkey {
	unsigned char	keynum[8];
	unsigned char	key[32];
};

struct signify_sig {
	unsigned char	keynum[8];
	unsigned char	sig[64];
};

int	 signify_parse_pubkey(const char *buf, size_t len,
	    struct signify_pubkey *out, struct herr *e);
/* *msgoff is set to the offset of what follows the two lines. */
int	 signify_parse_sig(const char *buf, size_t len, struct signify_sig *out,
	    size_t *msgoff, struct herr *e);
/* 0 when sig is a signature of msg by key; -1 (HERR_PERM) otherwise. */
int	 signify_verify(const struct signify_pubkey *key,
	    const struct signify_sig *sig, const unsigned char *msg,
	    size_t len, struct herr *e);

#endif
