/*
 * xsa: the Xen Project's list of security advisories, xsa.json
 * (https://xenbits.xen.org/xsa/xsa.json): [{"xsas": [{"xsa": 213,
 * "title": "...", "public_time": "2017-05-02 12:00", "cve": [...]},
 * ...]}].  Only the fields hangar keeps are read; anything else is
 * ignored.  Pure code (json-c): unit-tested and fuzzed.
 */
#ifndef HANGAR_XSA_H
#define HANGAR_XSA_H

#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"

#define XSA_FILE_MAX	(32 * 1024 * 1024)

struct xsa_entry {
	char	id[32];		/* "XSA-213" */
	char	title[200];	/* control characters replaced */
	int64_t	public_time;	/* unix time, UTC; 0 when not given */
	char	cves[200];	/* "CVE-2017-8903,CVE-2017-8904" */
};

/*
 * Parses the file's text; *out (freed by the caller) gets every advisory
 * with a valid number, in file order.  A text that is not such a list is
 * an error that says where it went wrong.
 */
int	xsa_parse(const char *text, size_t len, struct xsa_entry **out,
	    size_t *n, struct herr *e);
/* The entry with this id ("XSA-213", any case, or "213"), or NULL. */
const struct xsa_entry *xsa_find(const struct xsa_entry *v, size_t n,
	    const char *id);

#endif
