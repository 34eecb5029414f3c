/* Unit tests for rpc/proto.c: parsing, size limits, schemas, replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/jsonw.h"
#include "rpc/proto.h"

static int
parse(const char *s, struct proto_req *r, struct herr *e)
{
	return proto_parse_request(s, strlen(s), r, e);
}

static void
test_valid(void **state)
{
	struct proto_req r;
	struct herr e;

	(void)state;
	assert_int_equal(parse("{\"id\":7,\"method\":\"guest.start\","
	    "\"params\":{\"name\":\"web1\"}}", &r, &e), 0);
	assert_int_equal(r.id, 7);
	assert_string_equal(r.method, "guest.start");
	assert_string_equal(proto_str(r.params, "name"), "web1");
	proto_req_release(&r);
	assert_int_equal(parse("{\"method\":\"host.list\"}", &r, &e), 0);
	assert_non_null(r.params);	/* empty object, never NULL */
	proto_req_release(&r);
}

static void
expect_proto_error(const char *line, size_t len, const char *what)
{
	struct proto_req r;
	struct herr e;

	herr_clear(&e);
	assert_int_equal(proto_parse_request(line, len, &r, &e), -1);
	assert_int_equal(e.code, HERR_PROTO);
	if (strstr(e.msg, what) == NULL)
		fail_msg("'%s' does not mention '%s'", e.msg, what);
}

static void
test_malformed(void **state)
{
	char nul[] = "{\"method\":\"a\0b\"}";
	char *big, *deep;
	size_t i;

	(void)state;
	expect_proto_error("{", strlen("{"), "incomplete");
	expect_proto_error("[1,2]", strlen("[1,2]"), "object");
	expect_proto_error("{\"method\":\"x\"} {}", strlen("{\"method\":\"x\"} {}"), "malformed");
	expect_proto_error(nul, sizeof(nul) - 1, "NUL");
	expect_proto_error("{\"id\":\"1\",\"method\":\"x\"}", strlen("{\"id\":\"1\",\"method\":\"x\"}"), "id");
	expect_proto_error("{\"method\":\"X;rm\"}", strlen("{\"method\":\"X;rm\"}"), "method");
	expect_proto_error("{\"method\":\"x\",\"evil\":1}", strlen("{\"method\":\"x\",\"evil\":1}"), "unknown");
	expect_proto_error("{\"id\":1}", strlen("{\"id\":1}"), "method");
	expect_proto_error("{\"method\":\"x\",\"params\":[]}", strlen("{\"method\":\"x\",\"params\":[]}"), "params");
	big = malloc(PROTO_MAX_LINE + 10);
	memset(big, ' ', PROTO_MAX_LINE + 10);
	big[0] = '{';
	expect_proto_error(big, PROTO_MAX_LINE + 10, "too long");
	free(big);
	deep = calloc(1, 64);
	strcpy(deep, "{\"method\":\"x\",\"params\":{\"a\":");
	for (i = 0; i < 10; i++)
		strcat(deep, "[");
	expect_proto_error(deep, strlen(deep), "malformed");
	free(deep);
}

static const struct proto_param schema[] = {
	{ "name", PT_STR, 8, 1 },
	{ "n", PT_INT, 100, 0 },
	{ "b", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static void
expect_param_error(const char *params, const char *what)
{
	json_object *o = json_tokener_parse(params);
	struct herr e;

	assert_non_null(o);
	herr_clear(&e);
	assert_int_equal(proto_check_params(schema, o, &e), -1);
	assert_int_equal(e.code, HERR_USAGE);
	if (strstr(e.msg, what) == NULL)
		fail_msg("'%s' does not mention '%s'", e.msg, what);
	json_object_put(o);
}

static void
test_params(void **state)
{
	json_object *o = json_tokener_parse("{\"name\":\"web1\",\"n\":5,"
	    "\"b\":true}");
	struct herr e;

	(void)state;
	assert_int_equal(proto_check_params(schema, o, &e), 0);
	assert_int_equal(proto_int(o, "n", -1), 5);
	assert_true(proto_bool(o, "b", 0));
	json_object_put(o);
	expect_param_error("{}", "missing parameter name");
	expect_param_error("{\"name\":\"123456789\"}", "too long");
	expect_param_error("{\"name\":\"a\\u001b[2J\"}", "control");
	expect_param_error("{\"name\":\"a\\u0000b\"}", "control");
	expect_param_error("{\"name\":1}", "string");
	expect_param_error("{\"name\":\"a\",\"n\":101}", "range");
	expect_param_error("{\"name\":\"a\",\"n\":-1}", "range");
	expect_param_error("{\"name\":\"a\",\"b\":1}", "true or false");
	expect_param_error("{\"name\":\"a\",\"uid\":0}", "unknown");
}

static void
test_text(void **state)
{
	static const struct proto_param text[] = {
		{ "body", PT_TEXT, 100, 1 }, { NULL, 0, 0, 0 } };
	json_object *ok = json_tokener_parse("{\"body\":\"a\\nb\\tc\"}");
	json_object *bad = json_tokener_parse("{\"body\":\"a\\u001b[2J\"}");
	json_object *cr = json_tokener_parse("{\"body\":\"a\\rb\"}");
	struct herr e;

	(void)state;
	assert_int_equal(proto_check_params(text, ok, &e), 0);
	assert_int_equal(proto_check_params(text, bad, &e), -1);
	assert_int_equal(proto_check_params(text, cr, &e), -1);
	json_object_put(ok);
	json_object_put(bad);
	json_object_put(cr);
}

static void
test_replies(void **state)
{
	struct herr e, got;
	json_object *res;
	int64_t id;
	char *line;

	(void)state;
	line = proto_reply_ok(3, json_object_new_string("fine"));
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(proto_parse_reply(line, strlen(line) - 1, &id, &res,
	    &got), 0);
	assert_int_equal(id, 3);
	assert_string_equal(json_object_get_string(res), "fine");
	json_object_put(res);
	free(line);
	herr_set(&e, HERR_NOTFOUND, "no such VPS");
	line = proto_reply_err(4, &e);
	assert_int_equal(proto_parse_reply(line, strlen(line) - 1, &id, &res,
	    &got), -1);
	assert_int_equal(got.code, HERR_NOTFOUND);
	assert_string_equal(got.msg, "no such VPS");
	assert_null(res);
	free(line);
	line = proto_request(9, "guest.list", NULL);
	assert_string_equal(line, "{\"id\":9,\"method\":\"guest.list\","
	    "\"params\":{}}\n");
	free(line);
}

/* jsonw's text is what json-c reads back: numbers at the extremes, escapes. */
static void
test_jsonw(void **state)
{
	static const int64_t nums[] = { 0, 7, -1, 10, -10, 512, 1000000007,
	    INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	struct jsonw w;
	json_object *o, *v;
	char *text;
	size_t len;

	(void)state;
	jw_init(&w);
	jw_begin(&w, '[');
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		jw_int(&w, NULL, nums[i]);
	jw_str(&w, NULL, "a\"b\\c\n\x01\xc3\xa4");
	jw_bool(&w, NULL, 1);
	jw_end(&w, ']');
	text = jw_take(&w, &len);
	assert_int_equal(strlen(text), len);
	assert_non_null(o = json_tokener_parse(text));
	assert_int_equal(json_object_array_length(o), 12);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		v = json_object_array_get_idx(o, i);
		assert_true(json_object_is_type(v, json_type_int));
		assert_true(json_object_get_int64(v) == nums[i]);
	}
	assert_string_equal(json_object_get_string(json_object_array_get_idx(o,
	    10)), "a\"b\\c\n\x01\xc3\xa4");
	assert_non_null(strstr(text, "-9223372036854775808,"));
	json_object_put(o);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_jsonw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
