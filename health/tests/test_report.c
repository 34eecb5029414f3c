/*
 * Unit tests for the reports to the control node: the report lines
 * (the shape agreed for hangar-ingest, checked field by field on the
 * replays of real and hand-written fixtures), the answer parser, and
 * the durable spool (numbers survive restarts, a torn line is cut off,
 * acknowledgments only in order).  argv[1]: health/tests/replay.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "lib/str.h"
#include "health/replay.h"
#include "health/report.h"
#include "health/rspool.h"

static const char *replay;

static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		fail_msg("no string %s in %s", key,
		    json_object_to_json_string(o));
	return json_object_get_string(v);
}

static struct json_object *
get(struct json_object *o, const char *key, enum json_type t)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, t))
		fail_msg("no %s of the right type in %s", key,
		    json_object_to_json_string(o));
	return v;
}

static int
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/* Every line of the replay of fixture is a report of the agreed shape;
 * returns them parsed (an array; the caller puts it). */
static struct json_object *
lines_of(const char *fixture)
{
	static const char *const kinds[] = { "controller", "disk", "array",
	    "smart", NULL };
	static const char *const states[] = { "open", "update", "resolved",
	    NULL };
	static const char *const sevs[] = { "warning", "critical", NULL };
	static const char *const astates[] = { "failed", "degraded", "active",
	    "recovering", NULL };
	struct json_object *all = json_object_new_array();
	struct alert_cfg acfg = { "h", "a <a@b.example>", "c@d.example" };
	char path[1024], *text = NULL, *line, *save = NULL;
	struct corr_cfg ccfg;
	size_t len;
	struct herr e;
	FILE *out = fopen("/dev/null", "w"), *rf;
	uint64_t last = 0;

	rf = open_memstream(&text, &len);
	corr_cfg_default(&ccfg);
	snprintf(path, sizeof(path), "%s/%s", replay, fixture);
	assert_int_equal(replay_run(path, NULL, rf, &acfg, &ccfg, out, &e), 0);
	fclose(rf);
	fclose(out);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *i, *l;
		uint64_t seq;

		assert_non_null(o);
		assert_true(strlen(line) <= REPORT_MAXLINE);
		assert_int_equal(json_object_get_int(get(o, "v",
		    json_type_int)), 1);
		assert_string_equal(str(o, "host"), "replay");
		seq = (uint64_t)json_object_get_int64(get(o, "seq",
		    json_type_int));
		assert_true(seq == last + 1);	/* from 1, no gaps */
		last = seq;
		assert_int_equal(strlen(str(o, "time")), 20);
		assert_true(str(o, "time")[19] == 'Z');
		i = get(o, "incident", json_type_object);
		assert_true(str(i, "id")[0] != '\0');
		assert_true(one_of(str(i, "kind"), kinds));
		assert_true(one_of(str(i, "state"), states));
		assert_true(one_of(str(i, "severity"), sevs));
		assert_null(strchr(str(i, "summary"), '\n'));
		l = get(i, "disks", json_type_array);
		for (size_t j = 0; j < json_object_array_length(l); j++) {
			struct json_object *d = json_object_array_get_idx(l, j);

			assert_true(str(d, "serial")[0] != '\0');
			str(d, "model");
			str(d, "dev");
			str(d, "slot");
		}
		l = get(i, "arrays", json_type_array);
		for (size_t j = 0; j < json_object_array_length(l); j++) {
			struct json_object *a = json_object_array_get_idx(l, j);

			assert_true(strncmp(str(a, "name"), "md", 2) == 0);
			assert_true(one_of(str(a, "state"), astates));
			get(a, "mounts", json_type_array);
			get(a, "vgs", json_type_array);
		}
		json_object_array_add(all, o);
	}
	free(text);
	return all;
}

static struct json_object *
incident(struct json_object *all, size_t i)
{
	return get(json_object_array_get_idx(all, i), "incident",
	    json_type_object);
}

static void
issue12_lines(void **state)
{
	struct json_object *all = lines_of("issue12-sas"), *c, *d;

	assert_int_equal(json_object_array_length(all), 4);
	/* the SMART warning, then the same incident failed */
	assert_string_equal(str(incident(all, 0), "kind"), "smart");
	assert_string_equal(str(incident(all, 1), "kind"), "disk");
	assert_string_equal(str(incident(all, 1), "id"),
	    str(incident(all, 0), "id"));
	assert_string_equal(str(incident(all, 1), "summary"), "Disk ZA1002BB "
	    "(ST4000NM0035, port ata2) failed; md1 degraded, md0 degraded");
	c = incident(all, 3);
	assert_string_equal(str(c, "kind"), "controller");
	assert_string_equal(str(c, "state"), "update");
	assert_string_equal(str(c, "severity"), "critical");
	assert_string_equal(str(c, "summary"), "Controller 0000:01:00.0 "
	    "(mpt3sas) faulted; 4 disks dropped; md0 failed");
	d = get(c, "controller", json_type_object);
	assert_string_equal(str(d, "name"), "mpt3sas_cm0");
	assert_string_equal(str(d, "pci"), "0000:01:00.0");
	assert_string_equal(str(d, "driver"), "mpt3sas");
	d = json_object_array_get_idx(get(c, "disks", json_type_array), 0);
	assert_string_equal(str(d, "serial"), "ZC2003CC");
	assert_string_equal(str(d, "wwn"), "0x5000c500b0000003");
	assert_string_equal(str(d, "slot"), "bay 4");
	d = json_object_array_get_idx(get(c, "arrays", json_type_array), 0);
	assert_string_equal(str(d, "state"), "failed");
	json_object_put(all);
}

static void
mounts_and_volume_groups(void **state)
{
	struct json_object *all = lines_of("mpt2sas-crypt"), *a;

	assert_int_equal(json_object_array_length(all), 2);
	a = json_object_array_get_idx(get(incident(all, 1), "arrays",
	    json_type_array), 0);
	assert_string_equal(str(a, "name"), "md3");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    get(a, "mounts", json_type_array), 0)), "/var/lib/libvirt/images");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    get(a, "vgs", json_type_array), 0)), "vg0");
	json_object_put(all);
}

static void
lab_lines(void **state)
{
	struct json_object *all = lines_of("lab-resolved"), *a;
	size_t n = json_object_array_length(all);

	assert_int_equal(n, 4);
	assert_string_equal(str(incident(all, n - 1), "state"), "resolved");
	/* md1 carries the guests' images in the lab guest */
	for (size_t j = 0; j < 3; j++) {
		a = json_object_array_get_idx(get(incident(all, 0), "arrays",
		    json_type_array), j);
		if (strcmp(str(a, "name"), "md1") == 0)
			assert_string_equal(json_object_get_string(
			    json_object_array_get_idx(get(a, "mounts",
			    json_type_array), 0)), "/var/lib/libvirt/images");
	}
	json_object_put(all);
}

static void
answers(void **state)
{
	struct report_ack a;
	struct herr e;

	assert_int_equal(report_ack_parse("ok 17", 5, &a, &e), 0);
	assert_true(a.ok && a.seq == 17);
	assert_int_equal(report_ack_parse("error 18 host h4 is not yours", 29,
	    &a, &e), 0);
	assert_true(!a.ok && a.seq == 18);
	assert_string_equal(a.reason, "host h4 is not yours");
	assert_int_equal(report_ack_parse("ok 19\r", 6, &a, &e), 0);
	assert_int_equal(report_ack_parse("ok", 2, &a, &e), -1);
	assert_int_equal(report_ack_parse("ok 1 2", 6, &a, &e), -1);
	assert_int_equal(report_ack_parse("ok x", 4, &a, &e), -1);
	assert_int_equal(report_ack_parse("okay 1", 6, &a, &e), -1);
	assert_int_equal(report_ack_parse("ok 99999999999999999999", 23, &a,
	    &e), -1);
	assert_int_equal(report_ack_parse("error 3 \x1b[31mred", 15, &a, &e),
	    0);
	assert_null(strchr(a.reason, '\x1b'));
}

static void
xen_is_not_reported(void **state)
{
	struct topo *t = calloc(1, sizeof(*t));
	struct corr_cfg cfg;
	struct corr *c;
	struct kevent ev;
	struct kmsg k;
	const char *l = "4,1,5000000,-;(XEN) Xen WARN at msi.c:510";

	corr_cfg_default(&cfg);
	c = corr_new(t, &cfg, NULL, NULL, 0);
	assert_int_equal(kmsg_parse(l, strlen(l), &k), 0);
	kmsg_classify(&k, &ev);
	corr_kevent(c, &ev);
	assert_int_equal(corr_count(c), 1);
	assert_null(report_line("h3", c, corr_incident(c, 0), NOTICE_OPEN, 1,
	    0));
	corr_free(c);
	free(t);
}

static void
spool_survives_restarts(void **state)
{
	char dir[64] = "/tmp/test-rspool.XXXXXX", path[96], *line;
	struct rspool *s;
	struct herr e;
	uint64_t seq;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	strcat(dir, "/r");
	/* a new spool starts at "now" */
	assert_non_null(s = rspool_open(dir, 1000, &e));
	assert_int_equal(rspool_next_seq(s), 1000);
	for (int i = 0; i < 3; i++) {
		line = NULL;
		assert_true(asprintf(&line, "{\"v\":1,\"seq\":%llu}",
		    (unsigned long long)rspool_next_seq(s)) > 0);
		assert_int_equal(rspool_append(s, rspool_next_seq(s), line,
		    &e), 0);
		free(line);
	}
	assert_int_equal(rspool_append(s, 5, "{\"seq\":5}", &e), -1);
	assert_int_equal(rspool_append(s, 1003, "a\nb", &e), -1);
	assert_int_equal(rspool_pending(s), 3);
	assert_int_equal(rspool_ack(s, 1001, &e), -1);	/* not the oldest */
	assert_int_equal(rspool_ack(s, 1000, &e), 0);
	rspool_free(s);
	/* a crash in the middle of a write leaves a torn line */
	snprintf(path, sizeof(path), "%s/log", dir);
	assert_non_null(f = fopen(path, "a"));
	fputs("{\"v\":1,\"seq\":10", f);
	fclose(f);
	/* reopened: the acknowledged one is gone, the torn one too */
	assert_non_null(s = rspool_open(dir, 5000, &e));
	assert_int_equal(rspool_acked(s), 1000);
	assert_int_equal(rspool_pending(s), 2);
	assert_non_null(rspool_line(s, 0, &seq));
	assert_int_equal(seq, 1001);
	assert_int_equal(rspool_next_seq(s), 1003);	/* not 5000 */
	assert_int_equal(rspool_ack(s, 1001, &e), 0);
	assert_int_equal(rspool_ack(s, 1002, &e), 0);
	assert_int_equal(rspool_pending(s), 0);
	rspool_free(s);
	/* the numbers go on even with an empty log */
	assert_int_equal(truncate(path, 0), 0);
	assert_non_null(s = rspool_open(dir, 9000, &e));
	assert_int_equal(rspool_next_seq(s), 1003);
	rspool_free(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/acked", dir);
	unlink(path);
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issue12_lines),
		cmocka_unit_test(mounts_and_volume_groups),
		cmocka_unit_test(lab_lines),
		cmocka_unit_test(answers),
		cmocka_unit_test(xen_is_not_reported),
		cmocka_unit_test(spool_survives_restarts),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test-health-report REPLAY-DIR\n");
		return 2;
	}
	replay = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
