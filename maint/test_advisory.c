/* Unit tests for maint/advisory.c: version ranges of advisories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "maint/advisory.h"

static void
test_versions(void **state)
{
	(void)state;
	assert_true(adv_version_cmp("4.8.2", "4.8.10") < 0);
	assert_true(adv_version_cmp("4.10", "4.9") > 0);
	assert_int_equal(adv_version_cmp("4.8", "4.8.0"), 0);
	assert_true(adv_version_cmp("4.6.3-5.el6", "4.6.4") < 0);
	assert_int_equal(adv_version_cmp("7.2.0", "7.2.0"), 0);
}

static void
test_match(void **state)
{
	const char *xsa213 = "xen >= 4.0, < 4.8.2";
	struct herr e;

	(void)state;
	/* the seed's dom0s: Xen 4.6.3 is affected, a patched 4.8.2 is not */
	assert_int_equal(adv_affects(xsa213, "Xen", "4.6.3", &e), 1);
	assert_int_equal(adv_affects(xsa213, "Xen", "4.8.2", &e), 0);
	assert_int_equal(adv_affects(xsa213, "Xen", "3.4.1", &e), 0);
	assert_int_equal(adv_affects(xsa213, "QEMU", "4.6.3", &e), 0);
	assert_int_equal(adv_affects("qemu <= 7.2", "QEMU", "7.2.0", &e), 1);
	assert_int_equal(adv_affects("kvm < 8", "QEMU", "7.2.0", &e), 1);
	assert_int_equal(adv_affects("xen < 4.9; qemu >= 2.0, < 7.0",
	    "QEMU", "7.2.0", &e), 0);
	assert_int_equal(adv_affects("xen < 4.9; qemu >= 2.0, < 8.0",
	    "QEMU", "7.2.0", &e), 1);
	assert_int_equal(adv_affects("xen = 4.6.3", "Xen", "4.6.3", &e), 1);
	/* an unknown version is not claimed affected */
	assert_int_equal(adv_affects(xsa213, "Xen", "", &e), 0);
}

static void
test_refused(void **state)
{
	static const char *bad[] = { "", "xen", "xen 4.0", "xen >= ", "xen >= 4.",
	    "xen >= .4", "xen >= 4..1", ">= 4.0", "xen >= 4.0,", "xen >= 4.0;",
	    "xen => 4.0", "xen >= 4.0 x", "xen >= 4.0; ; qemu < 1",
	    "xen >= 4.0\n< 5" };
	struct herr e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		herr_clear(&e);
		if (adv_affects_check(bad[i], &e) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(e.code, HERR_USAGE);
	}
	assert_int_equal(adv_affects_check("xen >= 4.0, < 4.8.2", &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
