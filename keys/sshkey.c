#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "keys/sshkey.h"
#include "lib/str.h"

static const char *types[] = {
	"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com", NULL
};

static int
known_type(const char *t, size_t n)
{
	int i;

	for (i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == n && memcmp(types[i], t, n) == 0)
			return 1;
	return 0;
}

/* Reads the SSH wire string at blob[0..] (uint32 length + bytes). */
static int
blob_string(const unsigned char *blob, size_t len, const unsigned char **s,
    size_t *slen)
{
	size_t n;

	if (len < 4)
		return -1;
	n = (size_t)blob[0] << 24 | (size_t)blob[1] << 16 |
	    (size_t)blob[2] << 8 | blob[3];
	if (n > len - 4)
		return -1;
	*s = blob + 4;
	*slen = n;
	return 0;
}

int
sshkey_parse(const char *line, struct sshkey *out, struct herr *e)
{
	unsigned char blob[9216], hash[crypto_hash_sha256_BYTES];
	const unsigned char *inner;
	const char *p = line, *tok, *b64_end;
	size_t n, bloblen, innerlen, i;
	char fp[64];

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return herr_set(e, HERR_INTERNAL, "libsodium did not start");
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n == 0 || n > SSHKEY_LINE_MAX)
		return herr_set(e, HERR_USAGE, "not an SSH public key: empty or "
		    "too long");
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return herr_set(e, HERR_USAGE, "not an SSH public key: "
			    "control character or more than one line");
	/* type */
	tok = p;
	while (p < line + n && *p != ' ' && *p != '\t')
		p++;
	if (!known_type(tok, (size_t)(p - tok)))
		return herr_set(e, HERR_USAGE, "not an SSH public key: expected "
		    "ssh-ed25519, ssh-rsa, ecdsa-sha2-* or sk-* first (no "
		    "options such as command=)");
	memcpy(out->type, tok, (size_t)(p - tok));
	while (p < line + n && (*p == ' ' || *p == '\t'))
		p++;
	/* base64 blob */
	tok = p;
	while (p < line + n && *p != ' ' && *p != '\t')
		p++;
	b64_end = p;
	if (b64_end == tok || (size_t)(b64_end - tok) >= sizeof(out->b64))
		return herr_set(e, HERR_USAGE, "not an SSH public key: missing "
		    "or over-long key data");
	if (sodium_base642bin(blob, sizeof(blob), tok, (size_t)(b64_end - tok),
	    NULL, &bloblen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return herr_set(e, HERR_USAGE, "not an SSH public key: the key "
		    "data is not valid base64");
	if (blob_string(blob, bloblen, &inner, &innerlen) == -1 ||
	    innerlen != strlen(out->type) ||
	    memcmp(inner, out->type, innerlen) != 0 ||
	    bloblen < 4 + innerlen + 4 + 16)
		return herr_set(e, HERR_USAGE, "not an SSH public key: the key "
		    "data does not hold a %s key", out->type);
	memcpy(out->b64, tok, (size_t)(b64_end - tok));
	/* comment: the rest, printable ASCII only */
	while (p < line + n && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(line + n - p) >= sizeof(out->comment))
		return herr_set(e, HERR_USAGE, "key comment too long");
	for (tok = p; tok < line + n; tok++)
		if ((unsigned char)*tok < 0x20 || (unsigned char)*tok > 0x7e)
			return herr_set(e, HERR_USAGE, "key comment: printable "
			    "ASCII only");
	memcpy(out->comment, p, (size_t)(line + n - p));
	/* SHA256 fingerprint, unpadded base64, as ssh-keygen prints it */
	crypto_hash_sha256(hash, blob, bloblen);
	sodium_bin2base64(fp, sizeof(fp), hash, sizeof(hash),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	snprintf(out->fingerprint, sizeof(out->fingerprint), "SHA256:%s", fp);
	return 0;
}

int
sshkey_authorized_line(const struct sshkey *k, char *buf, size_t size)
{
	int n = snprintf(buf, size, "restrict,pty %s %s%s%s\n", k->type, k->b64,
	    k->comment[0] ? " " : "", k->comment);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}
