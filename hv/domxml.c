#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/domxml.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1024;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_add(b, s, (size_t)n);
	free(s);
}

/* Appends text escaped for XML character data and attribute values. */
static void
buf_esc(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': buf_add(b, "&lt;", 4); break;
		case '>': buf_add(b, "&gt;", 4); break;
		case '&': buf_add(b, "&amp;", 5); break;
		case '\'': buf_add(b, "&apos;", 6); break;
		case '"': buf_add(b, "&quot;", 6); break;
		default: buf_add(b, s, 1); break;
		}
	}
}

/* <tag>escaped text</tag> on its own line at the given indent. */
static void
buf_elem(struct buf *b, int indent, const char *tag, const char *text)
{
	buf_printf(b, "%*s<%s>", indent, "", tag);
	buf_esc(b, text);
	buf_printf(b, "</%s>\n", tag);
}

int
guest_kind_parse(const char *s, enum guest_kind *out)
{
	if (strcmp(s, "kvm") == 0)
		*out = GUEST_KVM;
	else if (strcmp(s, "xen-pv") == 0)
		*out = GUEST_XEN_PV;
	else if (strcmp(s, "xen-hvm") == 0)
		*out = GUEST_XEN_HVM;
	else
		return -1;
	return 0;
}

const char *
guest_kind_name(enum guest_kind k)
{
	switch (k) {
	case GUEST_KVM: return "kvm";
	case GUEST_XEN_PV: return "xen-pv";
	case GUEST_XEN_HVM: return "xen-hvm";
	}
	return "?";
}

/* A path for libvirt must be absolute and free of control characters. */
static int
check_path(const char *what, const char *p, struct herr *e)
{
	if (p == NULL)
		return 0;
	if (p[0] != '/')
		return herr_set(e, HERR_USAGE, "%s must be an absolute path", what);
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return herr_set(e, HERR_USAGE, "%s contains a control "
			    "character", what);
	return 0;
}

static int
check_spec(const struct guest_spec *g, struct herr *e)
{
	if (!str_is_name(g->name))
		return herr_set(e, HERR_USAGE, "bad guest name");
	if (g->uuid == NULL || strlen(g->uuid) != 36)
		return herr_set(e, HERR_USAGE, "bad guest uuid");
	if (g->ram_mib == 0 || g->ram_mib > 16 * 1024 * 1024)
		return herr_set(e, HERR_USAGE, "bad memory size");
	if (g->vcpus < 1 || g->vcpus > 512)
		return herr_set(e, HERR_USAGE, "bad vCPU count");
	if (g->boot == BOOT_KERNEL && g->kernel == NULL)
		return herr_set(e, HERR_USAGE, "kernel boot needs a kernel");
	if (g->boot == BOOT_CDROM && g->cdrom_path == NULL)
		return herr_set(e, HERR_USAGE, "CD-ROM boot needs an ISO");
	if (g->boot == BOOT_CDROM && g->kind == GUEST_XEN_PV)
		return herr_set(e, HERR_USAGE, "Xen PV guests cannot boot "
		    "from a CD-ROM; use a kernel and initrd");
	if (check_path("disk", g->disk_path, e) == -1 ||
	    check_path("ISO", g->cdrom_path, e) == -1 ||
	    check_path("kernel", g->kernel, e) == -1 ||
	    check_path("initrd", g->initrd, e) == -1 ||
	    check_path("console log", g->serial_log, e) == -1)
		return -1;
	if (g->cmdline != NULL && strlen(g->cmdline) > 1024)
		return herr_set(e, HERR_USAGE, "kernel command line too long");
	if (g->bridge != NULL && strcmp(g->bridge, "user") != 0 &&
	    !str_is_name(g->bridge))
		return herr_set(e, HERR_USAGE, "bad bridge name");
	return 0;
}

static void
os_section(struct buf *b, const struct guest_spec *g)
{
	/* libvirt's schema wants the PV bootloader before <os> */
	if (g->kind == GUEST_XEN_PV && g->boot != BOOT_KERNEL)
		buf_printf(b, "  <bootloader>/usr/lib/xen/bin/pygrub</bootloader>\n");
	buf_printf(b, "  <os>\n");
	switch (g->kind) {
	case GUEST_KVM:
		buf_printf(b, "    <type arch='x86_64'>hvm</type>\n");
		break;
	case GUEST_XEN_HVM:
		buf_printf(b, "    <type arch='x86_64' machine='xenfv'>hvm</type>\n"
		    "    <loader>/usr/lib/xen/boot/hvmloader</loader>\n");
		break;
	case GUEST_XEN_PV:
		buf_printf(b, "    <type arch='x86_64' machine='xenpv'>xen</type>\n");
		break;
	}
	if (g->boot == BOOT_KERNEL) {
		buf_elem(b, 4, "kernel", g->kernel);
		if (g->initrd != NULL)
			buf_elem(b, 4, "initrd", g->initrd);
		if (g->cmdline != NULL)
			buf_elem(b, 4, "cmdline", g->cmdline);
	} else if (g->kind != GUEST_XEN_PV) {
		if (g->boot == BOOT_CDROM)
			buf_printf(b, "    <boot dev='cdrom'/>\n");
		buf_printf(b, "    <boot dev='hd'/>\n");
	}
	buf_printf(b, "  </os>\n");
}

static void
disks(struct buf *b, const struct guest_spec *g)
{
	const char *bus = g->kind == GUEST_KVM ? "virtio" : "xen";
	const char *dev = g->kind == GUEST_KVM ? "vda" : "xvda";

	if (g->disk_path != NULL) {
		buf_printf(b, "    <disk type='file' device='disk'>\n"
		    "      <driver name='qemu' type='%s'/>\n"
		    "      <source file='", g->disk_format ? g->disk_format :
		    "qcow2");
		buf_esc(b, g->disk_path);
		buf_printf(b, "'/>\n      <target dev='%s' bus='%s'/>\n"
		    "    </disk>\n", dev, bus);
	}
	if (g->boot == BOOT_CDROM) {
		buf_printf(b, "    <disk type='file' device='cdrom'>\n"
		    "      <driver name='qemu' type='raw'/>\n"
		    "      <source file='");
		buf_esc(b, g->cdrom_path);
		buf_printf(b, "'/>\n      <target dev='hdc' bus='%s'/>\n"
		    "      <readonly/>\n    </disk>\n",
		    g->kind == GUEST_KVM ? "sata" : "ide");
	}
}

static void
console(struct buf *b, const struct guest_spec *g)
{
	if (g->kind == GUEST_XEN_PV) {
		/* The PV console (hvc0) is the guest's serial console. */
		buf_printf(b, "    <console type='pty'>\n");
		if (g->serial_log != NULL) {
			buf_printf(b, "      <log file='");
			buf_esc(b, g->serial_log);
			buf_printf(b, "' append='on'/>\n");
		}
		buf_printf(b, "      <target type='xen' port='0'/>\n"
		    "    </console>\n");
		return;
	}
	buf_printf(b, "    <serial type='pty'>\n");
	if (g->serial_log != NULL) {
		buf_printf(b, "      <log file='");
		buf_esc(b, g->serial_log);
		buf_printf(b, "' append='on'/>\n");
	}
	buf_printf(b, "      <target port='0'/>\n    </serial>\n"
	    "    <console type='pty'>\n"
	    "      <target type='serial' port='0'/>\n    </console>\n");
}

char *
domxml_build(const struct guest_spec *g, struct herr *e)
{
	struct buf b = { 0 };
	const char *type;

	if (check_spec(g, e) == -1)
		return NULL;
	type = g->kind == GUEST_KVM ? (g->tcg ? "qemu" : "kvm") : "xen";
	buf_printf(&b, "<domain type='%s'>\n", type);
	buf_elem(&b, 2, "name", g->name);
	buf_elem(&b, 2, "uuid", g->uuid);
	buf_printf(&b, "  <memory unit='MiB'>%llu</memory>\n"
	    "  <vcpu>%d</vcpu>\n", (unsigned long long)g->ram_mib, g->vcpus);
	os_section(&b, g);
	if (g->kind != GUEST_XEN_PV)
		buf_printf(&b, "  <features>\n    <acpi/>\n    <apic/>\n"
		    "  </features>\n");
	buf_printf(&b, "  <on_poweroff>destroy</on_poweroff>\n"
	    "  <on_reboot>%s</on_reboot>\n", g->once ? "destroy" : "restart");
	buf_printf(&b,
	    "  <on_crash>destroy</on_crash>\n  <devices>\n");
	disks(&b, g);
	if (g->bridge != NULL && strcmp(g->bridge, "user") == 0)
		buf_printf(&b, "    <interface type='user'>\n"
		    "      <model type='%s'/>\n    </interface>\n",
		    g->kind == GUEST_KVM ? "virtio" : "netfront");
	else if (g->bridge != NULL)
		buf_printf(&b, "    <interface type='bridge'>\n"
		    "      <source bridge='%s'/>\n      <model type='%s'/>\n"
		    "    </interface>\n", g->bridge,
		    g->kind == GUEST_KVM ? "virtio" : "netfront");
	console(&b, g);
	if (g->kind != GUEST_XEN_PV)	/* fleet policy: no VGA, no graphics */
		buf_printf(&b, "    <video>\n      <model type='none'/>\n"
		    "    </video>\n");
	buf_printf(&b, "  </devices>\n</domain>\n");
	return b.s;
}
