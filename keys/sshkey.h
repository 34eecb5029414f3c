/*
 * sshkey: checks an OpenSSH public key line as a customer hands it over
 * ("ssh-ed25519 AAAA... comment") and computes its SHA256 fingerprint.
 * Pure code, fuzzed: no options prefix (command=, from=, ...), a known
 * key type, base64 that decodes to a blob naming the same type, a short
 * comment of printable characters.
 */
#ifndef HANGAR_SSHKEY_H
#define HANGAR_SSHKEY_H

#include <stddef.h>

#include "lib/herr.h"

#define SSHKEY_LINE_MAX	16384

struct sshkey {
	char	type[48];
	char	b64[12288];
	char	comment[128];
	char	fingerprint[80];	/* "SHA256:..." as ssh-keygen -l shows */
};

int	sshkey_parse(const char *line, struct sshkey *out, struct herr *e);
/* The authorized_keys line hangar writes: restricted, pty allowed. */
int	sshkey_authorized_line(const struct sshkey *k, char *buf, size_t size);

#endif
