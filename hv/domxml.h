/*
 * domxml: libvirt domain XML generated from hangar's guest spec.
 * Pure code (no libvirt), so it is unit-tested with golden files.
 * The XML is never stored as hangar's state: it is derived each time.
 *
 * Fleet policy (prgmr, after XSA-179/208/209/211): no emulated VGA and no
 * graphics for any HVM guest (KVM and Xen HVM): <video><model type='none'/>
 * and no <graphics>.  Every guest gets a serial console.
 */
#ifndef HANGAR_DOMXML_H
#define HANGAR_DOMXML_H

#include <stdint.h>

#include "lib/herr.h"

enum guest_kind {
	GUEST_KVM,		/* QEMU/KVM (domain type kvm, or qemu under TCG) */
	GUEST_XEN_PV,
	GUEST_XEN_HVM,
};

enum guest_boot {
	BOOT_DISK,		/* default */
	BOOT_CDROM,		/* install ISO attached and first in boot order */
	BOOT_KERNEL,		/* direct kernel boot */
};

struct guest_spec {
	const char	*name;
	const char	*uuid;
	enum guest_kind	 kind;
	int		 tcg;		/* KVM kind on a host without KVM */
	uint64_t	 ram_mib;
	int		 vcpus;
	enum guest_boot	 boot;
	const char	*disk_path;	/* NULL: no disk */
	const char	*disk_format;	/* qcow2 (default) | raw */
	const char	*cdrom_path;	/* BOOT_CDROM */
	const char	*kernel;	/* BOOT_KERNEL */
	const char	*initrd;
	const char	*cmdline;
	const char	*serial_log;	/* NULL: no console log file */
	const char	*bridge;	/* NULL: no NIC; "user": user-mode NIC */
	int		 once;		/* an installer or rescue boot: power
					   off on reboot instead of restarting */
};

int	 guest_kind_parse(const char *s, enum guest_kind *out);
const char	*guest_kind_name(enum guest_kind k);
/* Returns a new XML document (caller frees) or NULL with e set. */
char	*domxml_build(const struct guest_spec *spec, struct herr *e);

#endif
