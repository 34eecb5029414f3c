/*
 * Unit tests of the signify parsers and Ed25519 verification, against
 * keys and signatures made by Debian's signify-openbsd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/herr.h"
#include "images/signify.h"
#include "images/test_util.h"

struct fx {
	char	*dir;
	char	*pub, *pub2;		/* key files */
	char	*msg;			/* the signed text */
	char	*sig;			/* detached signature file */
	char	*emb;			/* embedded signature, message */
};

static const char msg_text[] =
    "SHA256 (install73.iso) = "
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *m, *sec, *sec2;

	f->dir = tu_tmpdir();
	f->pub = tu_path(f->dir, "key.pub");
	f->pub2 = tu_path(f->dir, "other.pub");
	sec = tu_path(f->dir, "key.sec");
	sec2 = tu_path(f->dir, "other.sec");
	m = tu_path(f->dir, "SHA256");
	f->sig = tu_path(f->dir, "SHA256.detached");
	f->emb = tu_path(f->dir, "SHA256.sig");
	tu_write_str(m, msg_text);
	if (tu_run("signify-openbsd -G -n -c 'hangar test key' -p %s -s %s &&"
	    " signify-openbsd -G -n -p %s -s %s &&"
	    " signify-openbsd -S -s %s -m %s -x %s &&"
	    " signify-openbsd -S -e -s %s -m %s -x %s",
	    f->pub, sec, f->pub2, sec2, sec, m, f->sig, sec, m, f->emb) != 0)
		return -1;
	f->msg = tu_read(m, NULL);
	free(m);
	free(sec);
	free(sec2);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f->pub);
	free(f->pub2);
	free(f->msg);
	free(f->sig);
	free(f->emb);
	free(f);
	return 0;
}

static void
load_key(const char *path, struct signify_pubkey *k)
{
	struct herr e;
	size_t len = 0;
	char *buf = tu_read(path, &len);

	assert_non_null(buf);
	assert_int_equal(signify_parse_pubkey(buf, len, k, &e), 0);
	free(buf);
}

static void
test_detached(void **state)
{
	struct fx *f = *state;
	struct signify_pubkey k;
	struct signify_sig s;
	struct herr e;
	size_t len = 0, off = 0;
	char *buf;

	load_key(f->pub, &k);
	buf = tu_read(f->sig, &len);
	assert_int_equal(signify_parse_sig(buf, len, &s, &off, &e), 0);
	assert_int_equal(off, len);	/* nothing embedded */
	assert_int_equal(signify_verify(&k, &s, (unsigned char *)f->msg,
	    strlen(f->msg), &e), 0);
	free(buf);
}

static void
test_embedded(void **state)
{
	struct fx *f = *state;
	struct signify_pubkey k;
	struct signify_sig s;
	struct herr e;
	size_t len = 0, off = 0;
	char *buf;

	load_key(f->pub, &k);
	buf = tu_read(f->emb, &len);
	assert_int_equal(signify_parse_sig(buf, len, &s, &off, &e), 0);
	assert_string_equal(buf + off, msg_text);
	assert_int_equal(signify_verify(&k, &s, (unsigned char *)buf + off,
	    len - off, &e), 0);
	free(buf);
}

static void
test_tampered(void **state)
{
	struct fx *f = *state;
	struct signify_pubkey k;
	struct signify_sig s;
	struct herr e;
	size_t len = 0, off = 0;
	char *buf;

	load_key(f->pub, &k);
	buf = tu_read(f->emb, &len);
	assert_int_equal(signify_parse_sig(buf, len, &s, &off, &e), 0);
	buf[off + 30] ^= 1;	/* one bit of the listed digest */
	assert_int_equal(signify_verify(&k, &s, (unsigned char *)buf + off,
	    len - off, &e), -1);
	assert_int_equal(e.code, HERR_PERM);
	assert_string_equal(e.msg, "signify: bad signature of the sums file");
	free(buf);
}

static void
test_other_key(void **state)
{
	struct fx *f = *state;
	struct signify_pubkey k;
	struct signify_sig s;
	struct herr e;
	size_t len = 0, off = 0;
	char *buf;

	load_key(f->pub2, &k);
	buf = tu_read(f->sig, &len);
	assert_int_equal(signify_parse_sig(buf, len, &s, &off, &e), 0);
	assert_int_equal(signify_verify(&k, &s, (unsigned char *)f->msg,
	    strlen(f->msg), &e), -1);
	assert_int_equal(e.code, HERR_PERM);
	assert_string_equal(e.msg, "signify: signature was made by another "
	    "key than the one given");
	/* Same key number, other key: the signature itself must fail. */
	load_key(f->pub, &k);
	k.key[0] ^= 0x40;
	assert_int_equal(signify_verify(&k, &s, (unsigned char *)f->msg,
	    strlen(f->msg), &e), -1);
	assert_string_equal(e.msg, "signify: bad signature of the sums file");
	free(buf);
}

static void
test_malformed(void **state)
{
	struct fx *f = *state;
	struct signify_pubkey k;
	struct signify_sig s;
	struct herr e;
	size_t len = 0, off = 0;
	char *key, *bad;

	key = tu_read(f->pub, &len);
	/* A key is not a signature (wrong length), and the other way. */
	assert_int_equal(signify_parse_sig(key, len, &s, &off, &e), -1);
	assert_string_equal(e.msg, "signify signature: invalid base64 or "
	    "wrong length");
	assert_int_equal(signify_parse_pubkey("hello\n", 6, &k, &e), -1);
	assert_string_equal(e.msg, "signify public key: does not start with "
	    "\"untrusted comment: \"");
	assert_int_equal(signify_parse_pubkey("untrusted comment: x", 20, &k,
	    &e), -1);
	assert_string_equal(e.msg, "signify public key: comment line missing "
	    "or too long");
	/* Base64 line not terminated. */
	assert_int_equal(signify_parse_pubkey(key, len - 1, &k, &e), -1);
	assert_string_equal(e.msg, "signify public key: base64 line missing "
	    "or not terminated");
	/* Another algorithm: "Ed" becomes "Fd" in the first base64 chars. */
	bad = xstrdup(key);
	*(strchr(bad, '\n') + 1 + 0) = 'R';
	*(strchr(bad, '\n') + 1 + 1) = 'k';
	assert_int_equal(signify_parse_pubkey(bad, len, &k, &e), -1);
	assert_string_equal(e.msg, "signify public key: unsupported "
	    "algorithm (not Ed25519)");
	free(bad);
	free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detached),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
