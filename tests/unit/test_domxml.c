/* Unit tests for hv/domxml.c: golden files and the fleet's VGA policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/domxml.h"

static const char *golden_dir;

static void
spec_base(struct guest_spec *s, enum guest_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->name = "web1";
	s->uuid = "6f2c1d0e-8b1a-4c3e-9d2f-0a1b2c3d4e5f";
	s->kind = kind;
	s->ram_mib = 1024;
	s->vcpus = 2;
	s->disk_path = "/var/lib/hangar/disks/web1.qcow2";
	s->serial_log = "/var/log/hangar/console/web1.log";
	s->bridge = "br0";
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Compares xml with tests/golden/domxml/NAME.xml (HANGAR_UPDATE_GOLDEN=1
 * rewrites it). */
static void
golden(const char *name, const char *xml)
{
	char path[1024];
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.xml", golden_dir, name);
	if (getenv("HANGAR_UPDATE_GOLDEN") != NULL) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(xml, f);
		fclose(f);
	}
	want = read_file(path);
	if (want == NULL)
		fail_msg("missing golden file %s", path);
	if (strcmp(want, xml) != 0)
		fail_msg("%s differs from the generated XML:\n%s", path, xml);
	free(want);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* Fleet policy: no VGA, no graphics; always a serial console. */
static void
assert_policy(const char *xml, enum guest_kind kind)
{
	assert_int_equal(count(xml, "<graphics"), 0);
	assert_int_equal(count(xml, "vga"), 0);
	assert_int_equal(count(xml, "cirrus"), 0);
	assert_int_equal(count(xml, "<console type='pty'>"), 1);
	if (kind == GUEST_XEN_PV) {
		assert_int_equal(count(xml, "<target type='xen' port='0'/>"), 1);
		assert_int_equal(count(xml, "<video>"), 0);
	} else {
		assert_int_equal(count(xml, "<serial type='pty'>"), 1);
		assert_int_equal(count(xml, "<video>\n      <model type='none'/>"),
		    1);
		assert_int_equal(count(xml, "<model type='"), count(xml,
		    "<model type='none'/>") + count(xml, "<model type='virtio'/>") +
		    count(xml, "<model type='netfront'/>"));
	}
}

static void
test_kinds(void **state)
{
	static const struct { enum guest_kind k; int tcg; enum guest_boot b;
	    const char *golden; } cases[] = {
		{ GUEST_KVM, 0, BOOT_DISK, "kvm-disk" },
		{ GUEST_KVM, 1, BOOT_KERNEL, "kvm-tcg-kernel" },
		{ GUEST_KVM, 0, BOOT_CDROM, "kvm-cdrom" },
		{ GUEST_XEN_HVM, 0, BOOT_DISK, "xen-hvm-disk" },
		{ GUEST_XEN_HVM, 0, BOOT_CDROM, "xen-hvm-cdrom" },
		{ GUEST_XEN_PV, 0, BOOT_DISK, "xen-pv-pygrub" },
		{ GUEST_XEN_PV, 0, BOOT_KERNEL, "xen-pv-kernel" },
	};
	struct guest_spec s;
	struct herr e;
	size_t i;
	char *xml;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spec_base(&s, cases[i].k);
		s.tcg = cases[i].tcg;
		s.boot = cases[i].b;
		if (s.boot == BOOT_KERNEL) {
			s.kernel = "/srv/images/debian-12/linux";
			s.initrd = "/srv/images/debian-12/initrd.gz";
			s.cmdline = cases[i].k == GUEST_XEN_PV ? "console=hvc0" :
			    "console=ttyS0,115200";
		}
		if (s.boot == BOOT_CDROM)
			s.cdrom_path = "/srv/images/openbsd-6.1/install61.iso";
		xml = domxml_build(&s, &e);
		if (xml == NULL)
			fail_msg("%s: %s", cases[i].golden, e.msg);
		assert_policy(xml, cases[i].k);
		golden(cases[i].golden, xml);
		free(xml);
	}
}

static void
test_escaping(void **state)
{
	struct guest_spec s;
	struct herr e;
	char *xml;

	(void)state;
	spec_base(&s, GUEST_KVM);
	s.boot = BOOT_KERNEL;
	s.kernel = "/srv/a&b/<linux>";
	s.cmdline = "console=ttyS0 x='1' y=\"2\"";
	xml = domxml_build(&s, &e);
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<kernel>/srv/a&amp;b/&lt;linux&gt;</kernel>"));
	assert_non_null(strstr(xml, "x=&apos;1&apos; y=&quot;2&quot;"));
	assert_null(strstr(xml, "<linux>"));
	free(xml);
}

static void
test_refusals(void **state)
{
	struct guest_spec s;
	struct herr e;

	(void)state;
	spec_base(&s, GUEST_KVM);
	s.name = "Web1";
	assert_null(domxml_build(&s, &e));
	assert_int_equal(e.code, HERR_USAGE);
	spec_base(&s, GUEST_KVM);
	s.disk_path = "relative/disk.qcow2";
	assert_null(domxml_build(&s, &e));
	assert_non_null(strstr(e.msg, "absolute"));
	spec_base(&s, GUEST_KVM);
	s.boot = BOOT_KERNEL;
	s.kernel = "/srv/linux\n</kernel>";
	assert_null(domxml_build(&s, &e));
	assert_non_null(strstr(e.msg, "control"));
	spec_base(&s, GUEST_XEN_PV);
	s.boot = BOOT_CDROM;
	s.cdrom_path = "/srv/x.iso";
	assert_null(domxml_build(&s, &e));
	spec_base(&s, GUEST_KVM);
	s.vcpus = 0;
	assert_null(domxml_build(&s, &e));
	spec_base(&s, GUEST_KVM);
	s.bridge = "br0'/><graphics";
	assert_null(domxml_build(&s, &e));
	spec_base(&s, GUEST_KVM);
	s.uuid = "short";
	assert_null(domxml_build(&s, &e));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_refusals),
	};

	golden_dir = argc > 1 ? argv[1] : "tests/golden/domxml";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
