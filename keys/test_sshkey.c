/*
 * Unit tests for keys/sshkey.c.  The keys were made with ssh-keygen and
 * the expected fingerprints are what `ssh-keygen -lf` printed for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "keys/sshkey.h"

#define K_ED25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGOcQFAl86RV1UsoCtRbD4dvYrjuNhsEsmjPz5qT32Q1 alice@laptop"
#define F_ED25519 "SHA256:0lzr44uYkneeBLs1cxrroL6ac6rguIjwfaDw71bLcPs"
#define K_RSA "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCvSNbASUlgGnVR/1Itnd46twiFv1Kg43VSS8NWFWWzeEH/fIumvMMEVzECFEhOUFHfQCEX7n8oOg5MY7+lQd5UTMpS5/QhhH1d1iAJ38GRfTpNnSow7IdRHb4ej6vFHEmHXK/ADXLnhMwniZFSAbfBgHNhIknZ1c0bpZBNCvAm1BgPJLpOzqCKQQqkilwLDD2qaWX40wzllH7AaRBFf5WA3fq8P0OeP/1UWqtcao69L6Y5SaTWE5jhMRBg2mVVwmZHBO0ISYpL6phqH3H7S5P1VWr4qVNyZq0d4jqPqNIwXdVbG9BnHu5QqCfypJS2C4QLbvBEeZBCWi1DPJ6S1Cj5"
#define B_RSA "AAAAB3NzaC1yc2EAAAADAQABAAABAQCvSNbASUlgGnVR/1Itnd46twiFv1Kg43VSS8NWFWWzeEH/fIumvMMEVzECFEhOUFHfQCEX7n8oOg5MY7+lQd5UTMpS5/QhhH1d1iAJ38GRfTpNnSow7IdRHb4ej6vFHEmHXK/ADXLnhMwniZFSAbfBgHNhIknZ1c0bpZBNCvAm1BgPJLpOzqCKQQqkilwLDD2qaWX40wzllH7AaRBFf5WA3fq8P0OeP/1UWqtcao69L6Y5SaTWE5jhMRBg2mVVwmZHBO0ISYpL6phqH3H7S5P1VWr4qVNyZq0d4jqPqNIwXdVbG9BnHu5QqCfypJS2C4QLbvBEeZBCWi1DPJ6S1Cj5"
#define F_RSA "SHA256:5Uk4+NjaS13EukStsxqkQRNDQiAG4ZNnA8ro2CYqSL0"
#define K_ECDSA "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFNW9CwQP341y9AAFY/ZVBAoWYtaAa9OFCh4bwYGwdAgp0oidmPYz8vWcqdAT7eiy/cYctkn52L49Cn5T0lg0/4= ops key"
#define F_ECDSA "SHA256:zdLmf3MzFvPXR1gowjLCDgJBGgu5dLWZilgPkcKdJXU"

static void
test_good(void **state)
{
	struct sshkey k;
	char line[sizeof(k.b64) + 256];
	struct herr e;

	(void)state;
	assert_int_equal(sshkey_parse(K_ED25519 "\n", &k, &e), 0);
	assert_string_equal(k.type, "ssh-ed25519");
	assert_string_equal(k.comment, "alice@laptop");
	assert_string_equal(k.fingerprint, F_ED25519);
	assert_int_equal(sshkey_authorized_line(&k, line, sizeof(line)), 0);
	assert_string_equal(line, "restrict,pty " K_ED25519 "\n");
	assert_int_equal(sshkey_parse(K_RSA, &k, &e), 0);
	assert_string_equal(k.fingerprint, F_RSA);
	assert_string_equal(k.comment, "");
	assert_int_equal(sshkey_parse(K_ECDSA, &k, &e), 0);
	assert_string_equal(k.fingerprint, F_ECDSA);
}

static void
refused(const char *line, const char *what)
{
	struct sshkey k;
	struct herr e;

	herr_clear(&e);
	assert_int_equal(sshkey_parse(line, &k, &e), -1);
	assert_int_equal(e.code, HERR_USAGE);
	if (strstr(e.msg, what) == NULL)
		fail_msg("'%s' does not mention '%s'", e.msg, what);
}

static void
test_refused(void **state)
{
	char big[SSHKEY_LINE_MAX + 10];

	(void)state;
	refused("", "empty");
	refused("command=\"/bin/sh\" " K_ED25519, "no options");
	refused("restrict " K_ED25519, "no options");
	refused("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "expected");
	refused("ssh-ed25519", "missing");
	refused("ssh-ed25519 !!!notbase64!!!", "base64");
	/* an RSA blob labelled ed25519 */
	refused("ssh-ed25519 " B_RSA, "does not hold");
	refused(K_ED25519 "\nssh-ed25519 AAAA", "more than one line");
	refused(K_ED25519 "\r\n" K_RSA, "more than one line");
	refused(K_ED25519 " caf\xc3\xa9", "printable ASCII");
	refused(K_ED25519 " \x1b[2J", "control");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "ssh-rsa ", 8);
	refused(big, "too long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
