/*
 * jout against json-c: the plan's JSON is written without json-c now,
 * and must still read exactly as json-c wrote it (strings with every
 * kind of byte, doubles whole and not).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "plan/jout.h"

/* What jout writes for one value, through a memory stream. */
static char *
jout_text(const char *s, const double *d)
{
	struct jout *j = malloc(sizeof(*j));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(j);
	assert_non_null(f);
	jout_init(j, f);
	if (s != NULL)
		jout_str(j, s);
	else
		jout_double(j, *d);
	assert_int_equal(jout_flush(j), 0);
	fclose(f);
	free(j);
	return buf;
}

static void
same(struct json_object *o, char *got)
{
	assert_string_equal(got, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(got);
}

static void
test_strings(void **state)
{
	static const char *const strs[] = { "", "vps0000001", "a/b",
	    "q\"uote", "back\\slash", "\b\f\n\r\t", "\x01\x1f\x7f",
	    "caf\xc3\xa9", "\xff\xfe", "ends in /" };
	char all[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		same(json_object_new_string(strs[i]), jout_text(strs[i], NULL));
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	same(json_object_new_string(all), jout_text(all, NULL));
}

/* Strings longer than jout's buffer go out in parts, escapes whole. */
static void
test_long_strings(void **state)
{
	size_t n = 3 * sizeof(((struct jout *)NULL)->buf) + 7, i;
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = "ab/\"\n\x01" "cd"[i % 8];
	s[n] = '\0';
	same(json_object_new_string(s), jout_text(s, NULL));
	memset(s, 'x', n);
	same(json_object_new_string(s), jout_text(s, NULL));
	free(s);
}

/* jout_quote() into memory: the same text as jout_str(), its length. */
static void
test_quote(void **state)
{
	static const char *const strs[] = { "", "hdd00001", "a/\"b\x02" };
	char q[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		n = jout_quote(q, strs[i]);
		assert_true(n <= JOUT_QUOTE_MAX(strlen(strs[i])));
		q[n] = '\0';
		same(json_object_new_string(strs[i]), strdup(q));
	}
}

static void
test_doubles(void **state)
{
	static const double ds[] = { 0, -0.0, 300, 36516, -3, 0.1, 2.5,
	    1e-7, 1e15 - 1, 1e15, 1e16, 1e17, 123456789012345678.0, 1e300,
	    -1e300, 5e-324 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++)
		same(json_object_new_double(ds[i]), jout_text(NULL, &ds[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_doubles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
