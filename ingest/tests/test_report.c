/* Unit tests of hangar-health's report lines as hangard reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/report.h"

#define GOOD "{\"v\": 1, \"host\": \"h3\", \"seq\": 17, " \
	"\"time\": \"2017-03-08T20:17:05Z\", \"incident\": {" \
	"\"id\": \"h3-20170308T201105Z-1\", \"kind\": \"controller\", " \
	"\"state\": \"open\", \"severity\": \"critical\", " \
	"\"summary\": \"Controller mpt3sas0 (0000:01:00.0) faulted; 4 disks " \
	"dropped\", \"controller\": {\"name\": \"mpt3sas0\", \"pci\": " \
	"\"0000:01:00.0\", \"driver\": \"mpt3sas\"}, \"disks\": [{\"serial\": " \
	"\"ZC1234\", \"wwn\": \"0x5000c5\", \"model\": \"ST4000NM0035\", " \
	"\"dev\": \"sdc\", \"slot\": \"3\"}], \"arrays\": [{\"name\": \"md0\", " \
	"\"state\": \"failed\", \"mounts\": [\"/var/lib/libvirt/images\"], " \
	"\"vgs\": [\"vg0\"]}]}}"

static int
parse(const char *s, struct report *r, struct herr *e)
{
	herr_clear(e);
	return report_parse(s, strlen(s), r, e);
}

static void
test_the_agreed_example(void **state)
{
	struct report r;
	struct herr e;

	(void)state;
	assert_int_equal(parse(GOOD, &r, &e), 0);
	assert_string_equal(r.host, "h3");
	assert_int_equal(r.seq, 17);
	assert_int_equal(r.time, 1489004225);
	assert_string_equal(r.id, "h3-20170308T201105Z-1");
	assert_string_equal(r.kind, "controller");
	assert_string_equal(r.state, "open");
	assert_string_equal(r.severity, "critical");
	assert_string_equal(r.ctrl_pci, "0000:01:00.0");
	assert_int_equal(r.ndisks, 1);
	assert_string_equal(r.disks[0].serial, "ZC1234");
	assert_int_equal(r.narrays, 1);
	assert_string_equal(r.arrays[0].state, "failed");
	assert_int_equal(r.arrays[0].nmounts, 1);
	assert_string_equal(r.arrays[0].mounts[0], "/var/lib/libvirt/images");
	assert_string_equal(r.arrays[0].vgs[0], "vg0");
	report_release(&r);
}

static void
test_unknown_fields_are_ignored(void **state)
{
	struct report r;
	struct herr e;

	(void)state;
	assert_int_equal(parse("{\"v\":1,\"host\":\"h1\",\"seq\":0,\"time\":"
	    "\"2024-02-29T23:59:59.5Z\",\"new\":[1,{\"x\":null}],\"incident\":"
	    "{\"id\":\"a:b.c_d-1\",\"kind\":\"smart\",\"state\":\"update\","
	    "\"later\":true}}", &r, &e), 0);
	assert_string_equal(r.severity, "");
	assert_int_equal(r.narrays, 0);
	report_release(&r);
}

/* Each line is refused, and the reason names the field. */
static void
test_refused(void **state)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "", "empty" },
		{ "[1]", "a report is a JSON object" },
		{ "{\"v\":1", "not one JSON object" },
		{ "{} {}", "not one JSON object" },
		{ "{\"host\":\"h1\"}", "v is missing" },
		{ "{\"v\":2}", "version 1" },
		{ "{\"v\":\"1\"}", "version 1" },
		{ "{\"v\":1,\"seq\":1}", "host is missing" },
		{ "{\"v\":1,\"host\":\"H1\"}", "not a host name" },
		{ "{\"v\":1,\"host\":\"h1\"}", "seq is missing" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":-1}", "seq must be" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1.5}", "seq must be" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1}", "time is missing" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":\"2017-03-08 "
		    "20:17:05\"}", "time: want UTC" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05+01:00\"}", "time: want UTC" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\"}", "incident is missing" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"kind\":\"disk\","
		    "\"state\":\"open\"}}", "incident.id is missing" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a b\","
		    "\"kind\":\"disk\",\"state\":\"open\"}}", "incident.id: use" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"fan\",\"state\":\"open\"}}", "incident.kind" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"closed\"}}", "incident.state" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"summary\":"
		    "\"two\\nlines\"}}", "control character" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"summary\":"
		    "\"a\\u0000b\"}}", "control character" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"arrays\":"
		    "[{\"name\":\"md0\",\"state\":\"failed\",\"mounts\":"
		    "[\"relative\"]}]}}", "not valid" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"arrays\":"
		    "[{\"name\":\"md0\",\"state\":\"failed\",\"mounts\":"
		    "[\"/srv/../etc\"]}]}}", "not valid" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"arrays\":"
		    "[{\"name\":\"md0\",\"state\":\"failed\",\"vgs\":"
		    "[\"../x\"]}]}}", "not valid" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"arrays\":"
		    "[{\"name\":\"md0\",\"state\":\"gone\"}]}}", "array.state" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"disks\":{}}}",
		    "must be a list" },
		{ "{\"v\":1,\"host\":\"h1\",\"seq\":1,\"time\":"
		    "\"2017-03-08T20:17:05Z\",\"incident\":{\"id\":\"a\","
		    "\"kind\":\"disk\",\"state\":\"open\",\"a\":[[[[[[[[1]]]]]]]]}}",
		    "not one JSON object" },
		{ "{\"v\":1,\"host\":\"h\xc3\x28\"}", "not one JSON object" },
	};
	struct report r;
	struct herr e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].line, &r, &e) != -1 ||
		    strstr(e.msg, bad[i].why) == NULL) {
			fprintf(stderr, "line %zu: %s: got '%s'\n", i,
			    bad[i].line, e.msg);
			fail();
		}
		assert_null(r.disks);
		assert_null(r.arrays);
	}
}

static void
test_size_limits(void **state)
{
	static char big[REPORT_MAX_LINE + 2];
	struct report r;
	struct herr e;
	size_t n;

	(void)state;
	/* a valid report padded with an unknown field to the limit */
	n = (size_t)snprintf(big, REPORT_MAX_LINE, "{\"pad\":\"");
	memset(big + n, 'x', REPORT_MAX_LINE - n);
	n = REPORT_MAX_LINE - 2 - (strlen(GOOD) - 1);
	memcpy(big + n, "\",", 2);
	memcpy(big + n + 2, GOOD + 1, strlen(GOOD + 1) + 1);
	assert_int_equal(strlen(big), REPORT_MAX_LINE);
	assert_int_equal(report_parse(big, strlen(big), &r, &e), 0);
	report_release(&r);
	/* one byte more: refused */
	memmove(big + 1, big, REPORT_MAX_LINE + 1);
	big[0] = ' ';
	assert_int_equal(report_parse(big, strlen(big), &r, &e), -1);
	assert_non_null(strstr(e.msg, "at most"));
}

static void
test_array_holds(void **state)
{
	struct report_array a;

	(void)state;
	memset(&a, 0, sizeof(a));
	strcpy(a.mounts[0], "/var/lib/libvirt/images/");
	a.nmounts = 1;
	strcpy(a.vgs[0], "vg-0");
	a.nvgs = 1;
	assert_true(report_array_holds(&a, "/var/lib/libvirt/images/a.qcow2"));
	assert_false(report_array_holds(&a, "/var/lib/libvirt/images2/a"));
	assert_false(report_array_holds(&a, "/var/lib/libvirt/images"));
	assert_true(report_array_holds(&a, "/dev/vg-0/web1"));
	assert_true(report_array_holds(&a, "/dev/mapper/vg--0-web1"));
	assert_false(report_array_holds(&a, "/dev/vg-01/web1"));
	assert_false(report_array_holds(&a, "/dev/mapper/vg--0--x"));
	strcpy(a.vgs[0], "vg");
	assert_false(report_array_holds(&a, "/dev/mapper/vg--0-web1"));
	assert_true(report_array_holds(&a, "/dev/mapper/vg-web1"));
	strcpy(a.mounts[0], "/");
	assert_true(report_array_holds(&a, "/srv/x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_agreed_example),
		cmocka_unit_test(test_unknown_fields_are_ignored),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_array_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
