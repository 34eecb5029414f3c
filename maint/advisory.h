/*
 * advisory: which hypervisors a security advisory (XSA-213, ...) affects.
 * An "affects" text names a product and version bounds, e.g.
 *   "xen >= 4.0, < 4.8.2"      "xen < 4.9 ; qemu >= 2.0, <= 7.2"
 * (';' separates products, ',' joins bounds of one product).  Pure code:
 * unit-tested and fuzzed.
 */
#ifndef HANGAR_ADVISORY_H
#define HANGAR_ADVISORY_H

#include "lib/herr.h"

#define ADV_AFFECTS_MAX	512

/* Checks an affects text; 0 if it parses. */
int	adv_affects_check(const char *affects, struct herr *e);
/*
 * 1 if the hypervisor (libvirt's type: "Xen", "QEMU", ...; and version
 * "4.6.3") is affected, 0 if not, -1 if the text does not parse.
 * "kvm" and "qemu" name the same product.
 */
int	adv_affects(const char *affects, const char *hv_type,
	    const char *hv_version, struct herr *e);
/* Compares dotted versions numerically: <0, 0, >0. */
int	adv_version_cmp(const char *a, const char *b);

#endif
