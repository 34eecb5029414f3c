#include <string.h>

#include <sodium.h>

#include "lib/herr.h"
#include "images/signify.h"

#define COMMENT_HDR	"untrusted comment: "

/*
 * Decodes the two-line signify format in buf into out (exactly outlen
 * bytes, starting with "Ed").  what names the file in errors.
 */
static int
parse_b64file(const char *buf, size_t len, unsigned char *out, size_t outlen,
    size_t *next, const char *what, struct herr *e)
{
	const size_t hdr = sizeof(COMMENT_HDR) - 1;
	const char *nl, *b64, *end = NULL;
	size_t n = 0, b64len;

	if (len < hdr || memcmp(buf, COMMENT_HDR, hdr) != 0)
		return herr_set(e, HERR_USAGE, "%s: does not start with "
		    "\"untrusted comment: \"", what);
	nl = memchr(buf, '\n', len);
	if (nl == NULL || (size_t)(nl - buf) - hdr >= SIGNIFY_MAX_COMMENT)
		return herr_set(e, HERR_USAGE, "%s: comment line missing or "
		    "too long", what);
	if (memchr(buf, '\0', (size_t)(nl - buf)) != NULL)
		return herr_set(e, HERR_USAGE, "%s: NUL byte in comment",
		    what);
	b64 = nl + 1;
	nl = memchr(b64, '\n', len - (size_t)(b64 - buf));
	if (nl == NULL)
		return herr_set(e, HERR_USAGE, "%s: base64 line missing or "
		    "not terminated", what);
	b64len = (size_t)(nl - b64);
	if (sodium_base642bin(out, outlen, b64, b64len, NULL, &n, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != nl || n != outlen)
		return herr_set(e, HERR_USAGE, "%s: invalid base64 or wrong "
		    "length", what);
	if (out[0] != 'E' || out[1] != 'd')
		return herr_set(e, HERR_USAGE, "%s: unsupported algorithm "
		    "(not Ed25519)", what);
	*next = (size_t)(nl - buf) + 1;
	return 0;
}

int
signify_parse_pubkey(const char *buf, size_t len, struct signify_pubkey *out,
    struct herr *e)
{
	unsigned char raw[2 + 8 + 32];
	size_t next;

	if (parse_b64file(buf, len, raw, sizeof(raw), &next,
	    "signify public key", e) == -1)
		return -1;
	memcpy(out->keynum, raw + 2, 8);
	memcpy(out->key, raw + 10, 32);
	return 0;
}

int
signify_parse_sig(const char *buf, size_t len, struct signify_sig *out,
    size_t *msgoff, struct herr *e)
{
	unsigned char raw[2 + 8 + 64];

	if (parse_b64file(buf, len, raw, sizeof(raw), msgoff,
	    "signify signature", e) == -1)
		return -1;
	memcpy(out->keynum, raw + 2, 8);
	memcpy(out->sig, raw + 10, 64);
	return 0;
}

int
signify_verify(const struct signify_pubkey *key, const struct signify_sig *sig,
    const unsigned char *msg, size_t len, struct herr *e)
{
	if (memcmp(key->keynum, sig->keynum, 8) != 0)
		return herr_set(e, HERR_PERM, "signify: signature was made "
		    "by another key than the one given");
	if (crypto_sign_verify_detached(sig->sig, msg, len, key->key) != 0)
		return herr_set(e, HERR_PERM, "signify: bad signature of "
		    "the sums file");
	return 0;
}
