/* Unit tests: reading xsa.json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "maint/xsa.h"

/* The shape of xenbits' file, with its three advisories of April 2017. */
static const char sample[] =
    "[{\"xsas\": ["
    "{\"xsa\": 213, \"title\": \"x86: 64bit PV guest breakout via pagetable "
    "use-after-mode-change\", \"public_time\": \"2017-05-02 12:00\", "
    "\"cve\": [\"CVE-2017-8903\"], \"unknown\": {\"kept\": false}},"
    "{\"xsa\": \"214\", \"title\": \"grant transfer allows PV guest to "
    "elevate privileges\", \"public_time\": \"2017-05-02 12:00:30\", "
    "\"cve\": [\"CVE-2017-8904\", \"not a cve\", 7]},"
    "{\"xsa\": 215, \"title\": \"possible memory corruption via failsafe "
    "callback\\u0007\", \"cve\": []},"
    "{\"xsa\": -1, \"title\": \"dropped\"},"
    "{\"title\": \"no number: dropped\"}"
    "]}]\n";

static void
test_parse(void **state)
{
	struct xsa_entry *v;
	const struct xsa_entry *x;
	size_t n;

	(void)state;
	assert_int_equal(xsa_parse(sample, strlen(sample), &v, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].id, "XSA-213");
	assert_string_equal(v[0].cves, "CVE-2017-8903");
	assert_int_equal(v[0].public_time, 1493726400);	/* 2017-05-02 12:00Z */
	assert_int_equal(v[1].public_time, 1493726430);
	assert_string_equal(v[1].cves, "CVE-2017-8904");
	assert_null(strchr(v[2].title, '\a'));	/* control characters go */
	assert_int_equal(v[2].public_time, 0);
	x = xsa_find(v, n, "xsa-214");
	assert_non_null(x);
	assert_string_equal(x->id, "XSA-214");
	assert_ptr_equal(xsa_find(v, n, "215"), &v[2]);
	assert_null(xsa_find(v, n, "XSA-216"));
	free(v);
}

static void
test_bad(void **state)
{
	static const char *bad[] = { "", "{}", "[1]", "[{\"xsas\": 3}]",
	    "[{\"xsas\": []}] trailing", "[{\"xsas\": [", "nul\0l" };
	struct xsa_entry *v;
	struct herr e;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		herr_clear(&e);
		assert_int_equal(xsa_parse(bad[i], strlen(bad[i]) +
		    (i == 6 ? 3 : 0), &v, &n, &e), -1);
		assert_null(v);
		assert_true(strncmp(e.msg, "xsa.json: ", 10) == 0);
	}
	assert_int_equal(xsa_parse("[{\"xsas\": []}]", 14, &v, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
