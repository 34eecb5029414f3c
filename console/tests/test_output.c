/*
 * Unit tests: text from hangard (names, JSON, console log) reaches the
 * customer's terminal with every control character replaced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "console/console.h"

struct capture {
	struct console	 cs;
	char		*buf;
	size_t		 len;
};

static void
cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->cs.out = open_memstream(&c->buf, &c->len);
	assert_non_null(c->cs.out);
}

/* Closes the stream; c->buf holds the output (caller frees). */
static void
cap_close(struct capture *c)
{
	assert_int_equal(fclose(c->cs.out), 0);
}

/* No C0 byte but '\n', no DEL, no C1 (as UTF-8) in s. */
static void
assert_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p == '\n')
			continue;
		assert_false(*p < 0x20 || *p == 0x7f);
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
			fail_msg("C1 control in output");
	}
}

static void
test_puts(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	console_puts(&c.cs, "web1\x1b[2J\x1b]0;owned\x07\r\x7f\xc2\x9b" "31m");
	cap_close(&c);
	assert_string_equal(c.buf, "web1?[2J?]0;owned?????31m\n");
	free(c.buf);
}

static void
test_json(void **state)
{
	struct capture c;
	json_object *o, *arr, *back;

	(void)state;
	o = json_object_new_object();
	json_object_object_add(o, "name",
	    json_object_new_string("web1\x1b[31m\x7f"));
	json_object_object_add(o, "ke\x1by", json_object_new_string("\xc2\x9b"));
	json_object_object_add(o, "ram_mib", json_object_new_int(512));
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string("a\x07" "b"));
	json_object_object_add(o, "list", arr);
	cap_open(&c);
	console_print_json(&c.cs, o);
	cap_close(&c);
	assert_clean(c.buf);
	/* still JSON, with the control characters replaced */
	back = json_tokener_parse(c.buf);
	assert_non_null(back);
	assert_string_equal(json_object_get_string(
	    json_object_object_get(back, "name")), "web1?[31m?");
	assert_string_equal(json_object_get_string(
	    json_object_object_get(back, "ke?y")), "??");
	assert_int_equal(json_object_get_int(
	    json_object_object_get(back, "ram_mib")), 512);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(back, "list"), 0)), "a?b");
	json_object_put(back);
	json_object_put(o);
	free(c.buf);
}

static void
test_log(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	console_print_log(&c.cs, "Booting\r\n\x1b[1;1H\x1b[2JInstaller\r\n"
	    "caf\xc3\xa9 \xff\r\nlast");
	cap_close(&c);
	assert_clean(c.buf);
	assert_string_equal(c.buf, "Booting\n?[1;1H?[2JInstaller\n"
	    "caf\xc3\xa9 ?\nlast\n");
	free(c.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_puts),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
