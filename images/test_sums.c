/* Unit tests of the sums-file parser (BSD and GNU formats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/herr.h"
#include "images/sums.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define BADLINE(n)	"sums file line " n ": not a SHA256 or SHA512 entry " \
			"in BSD (SHA256 (file) = hex) or GNU (hex  file) format"

static int
parse(struct sums *s, const char *text, struct herr *e)
{
	return sums_parse(s, text, strlen(text), e);
}

static void
digest(const char *hex, unsigned char d[32])
{
	assert_int_equal(sums_hex_decode(hex, strlen(hex), d), 0);
}

static void
test_bsd(void **state)
{
	struct sums s;
	struct herr e;
	unsigned char d[32];
	char hex[65];

	(void)state;
	assert_int_equal(parse(&s, "SHA256 (install73.iso) = " H1 "\n"
	    "SHA256 (bsd.rd) = " H2 "\n", &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name, "install73.iso");
	assert_string_equal(s.v[1].name, "bsd.rd");
	sums_hex_encode(s.v[1].digest, hex);
	assert_string_equal(hex, H2);
	digest(H1, d);
	assert_int_equal(sums_match(&s, "install73.iso", d, NULL), SUMS_MATCH);
	assert_int_equal(sums_match(&s, "bsd.rd", d, NULL), SUMS_MISMATCH);
	assert_int_equal(sums_match(&s, "cd73.iso", d, NULL), SUMS_NOENTRY);
	sums_release(&s);
}

static void
test_gnu(void **state)
{
	struct sums s;
	struct herr e;
	unsigned char d[32];

	(void)state;
	/* Text and binary mode, paths, CRLF, upper-case hex, comments. */
	assert_int_equal(parse(&s, "# Debian installer\n\n"
	    H1 "  ./netboot/debian-installer/amd64/linux\r\n"
	    "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"
	    " *initrd.gz", &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name,
	    "./netboot/debian-installer/amd64/linux");
	assert_string_equal(s.v[1].name, "initrd.gz");
	digest(H1, d);
	assert_int_equal(sums_match(&s, "linux", d, NULL), SUMS_MATCH);
	digest(H2, d);
	assert_int_equal(sums_match(&s, "initrd.gz", d, NULL), SUMS_MATCH);
	assert_int_equal(sums_match(&s, "amd64", d, NULL), SUMS_NOENTRY);
	sums_release(&s);
}

static void
test_same_name_twice(void **state)
{
	struct sums s;
	struct herr e;
	unsigned char d[32];

	(void)state;
	/* Debian lists "linux" once per flavour: any listed digest does. */
	assert_int_equal(parse(&s, H1 "  ./netboot/linux\n"
	    H2 "  ./netboot/gtk/linux\n", &e), 0);
	digest(H2, d);
	assert_int_equal(sums_match(&s, "linux", d, NULL), SUMS_MATCH);
	memset(d, 0, sizeof(d));
	assert_int_equal(sums_match(&s, "linux", d, NULL), SUMS_MISMATCH);
	sums_release(&s);
}

static void
test_other_algorithms_skipped(void **state)
{
	struct sums s;
	struct herr e;

	(void)state;
	assert_int_equal(parse(&s, "MD5 (x.iso) = 00112233\n"
	    "RMD160 (x.iso) = abcd\nSHA256 (x.iso) = " H1 "\n", &e), 0);
	assert_int_equal(s.n, 1);
	sums_release(&s);
	/* Only other algorithms: nothing to check against. */
	assert_int_equal(parse(&s, "MD5 (x.iso) = abcd\n", &e), -1);
	assert_string_equal(e.msg, "sums file has no SHA256 or SHA512 entry");
	assert_int_equal(s.n, 0);
}

static void
test_name_with_parenthesis(void **state)
{
	struct sums s;
	struct herr e;

	(void)state;
	assert_int_equal(parse(&s, "SHA256 (a (1)) = b.iso) = " H1 "\n", &e),
	    0);
	assert_string_equal(s.v[0].name, "a (1)) = b.iso");
	sums_release(&s);
}

static void
test_sha512(void **state)
{
	struct sums s;
	struct herr e;
	unsigned char d[32], d512[64];

	(void)state;
	/* NetBSD lists SHA512 (BSD format); sha512sum writes 128 digits. */
	assert_int_equal(parse(&s, "SHA512 (boot.iso) = " H1 H2 "\n"
	    H2 H1 "  initrd.gz\nSHA256 (both) = " H1 "\n"
	    "SHA512 (both) = " H2 H2 "\n", &e), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.v[0].alg, SUMS_SHA512);
	assert_int_equal(s.v[1].alg, SUMS_SHA512);
	assert_int_equal(s.v[2].alg, SUMS_SHA256);
	assert_true(sums_lists(&s, "boot.iso", SUMS_SHA512));
	assert_false(sums_lists(&s, "boot.iso", SUMS_SHA256));
	assert_true(sums_lists(&s, "both", SUMS_SHA256));
	memset(d, 0, sizeof(d));
	assert_int_equal(sums_hex_decode_n(H1 H2, 128, d512, 64), 0);
	assert_int_equal(sums_match(&s, "boot.iso", d, d512), SUMS_MATCH);
	/* Without the SHA-512 of the file, its SHA-512 entry cannot match. */
	assert_int_equal(sums_match(&s, "boot.iso", d, NULL), SUMS_MISMATCH);
	assert_int_equal(sums_match(&s, "initrd.gz", d, d512), SUMS_MISMATCH);
	assert_int_equal(sums_hex_decode_n(H2 H1, 128, d512, 64), 0);
	assert_int_equal(sums_match(&s, "initrd.gz", d, d512), SUMS_MATCH);
	digest(H1, d);
	assert_int_equal(sums_match(&s, "both", d, NULL), SUMS_MATCH);
	sums_release(&s);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} bad[] = {
		{ "", "sums file has no SHA256 or SHA512 entry" },
		{ "# only a comment\n", "sums file has no SHA256 or SHA512 "
		  "entry" },
		{ "SHA512 (x.iso) = " H1 "\n", BADLINE("1") },
		{ "SHA256 (x.iso) = " H1 "\nhello\n", BADLINE("2") },
		{ "SHA256 (x.iso) = 0123\n", BADLINE("1") },
		{ "SHA256 () = " H1 "\n", BADLINE("1") },
		{ H1 "  \n", BADLINE("1") },
		{ H1 " x.iso\n", BADLINE("1") },
		{ "g123456789abcdef0123456789abcdef0123456789abcdef0123456789"
		  "abcdef  x.iso\n", BADLINE("1") },
	};
	struct sums s;
	struct herr e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&s, bad[i].text, &e), -1);
		assert_int_equal(e.code, HERR_USAGE);
		assert_string_equal(e.msg, bad[i].msg);
		assert_int_equal(s.n, 0);
		assert_null(s.v);
	}
}

static void
test_nul_and_limits(void **state)
{
	static const char withnul[] = "SHA256 (x\0y) = " H1 "\n";
	struct sums s;
	struct herr e;
	char *big;

	(void)state;
	assert_int_equal(sums_parse(&s, withnul, sizeof(withnul) - 1, &e), -1);
	assert_string_equal(e.msg, "sums file line 1: contains a NUL byte");
	big = calloc(1, SUMS_MAX_LINE + 2);
	assert_non_null(big);
	memset(big, 'a', SUMS_MAX_LINE + 1);
	assert_int_equal(parse(&s, big, &e), -1);
	assert_string_equal(e.msg, "sums file line 1: longer than 4096 bytes");
	free(big);
}

static void
test_hex(void **state)
{
	unsigned char d[32];
	char out[65], bad[] = H1;

	(void)state;
	bad[10] = 'z';
	assert_int_equal(sums_hex_decode(H1, 64, d), 0);
	sums_hex_encode(d, out);
	assert_string_equal(out, H1);
	assert_int_equal(sums_hex_decode(H1, 63, d), -1);
	assert_int_equal(sums_hex_decode(H1 "00", 66, d), -1);
	assert_int_equal(sums_hex_decode(bad, 64, d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bsd),
		cmocka_unit_test(test_gnu),
		cmocka_unit_test(test_same_name_twice),
		cmocka_unit_test(test_other_algorithms_skipped),
		cmocka_unit_test(test_name_with_parenthesis),
		cmocka_unit_test(test_sha512),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_nul_and_limits),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
