/* Unit tests of the htools text parser: the model, and error messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/herr.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

/* Three hosts, four guests, a DRBD pair, a cluster tag, two policies. */
static const char good[] =
    "grp|uuid-1|preferred|gtag|\n"
    "\n"
    "h1|32768|2048|22528|1000000|900000|8|M|uuid-1|4|stor:hdd,rack:1|N|4|1|1.0\n"
    "h2|65536|4096|61440|2000000|2000000|16|N|uuid-1|4|stor:ssd\n"
    "h3|?|0|0|0|0|0|N|uuid-1\n"
    "\n"
    "vm1|4096|81920|2|running|Y|h1||plain|owner:alice,plan:m|1|-|N\n"
    "vm2|2048|51200|1|ADMIN_down|Y|h1||plain|customer:bob\n"
    "vm3|2048|51200|1|running|N|h2|h1|drbd|owner:alice\n"
    "vm4|1024|10240|1|running|Y|h2||ext|hangar:no-migrate\n"
    "\n"
    "htools:iextags:service\n"
    "\n"
    "|2048,1,51200,1,1,1|512,1,10240,1,1,1;65536,16,1048576,16,8,12|plain|8.0|32.0\n"
    "grp|2048,1,51200,1,1,1|512,1,10240,1,1,1;65536,16,1048576,16,8,12|plain|2.5|32.0\n";

static void
test_good(void **state)
{
	struct plan_cluster *c = NULL;
	struct herr e;

	(void)state;
	assert_int_equal(plan_parse_text(good, strlen(good), "good.data", &c,
	    &e), 0);
	assert_int_equal(c->nhosts, 3);
	assert_int_equal(c->nguests, 4);
	assert_string_equal(c->hosts[0].name, "h1");
	assert_int_equal(c->hosts[0].ram_mib, 32768 - 2048);
	/* f_mem 22528 + running 4096 = 26624 of 30720: 4096 unexplained */
	assert_int_equal(c->hosts[0].reserved_mib, 4096);
	assert_int_equal(plan_host_ram_cap(&c->hosts[0]), 30720 - 4096);
	assert_int_equal(c->hosts[0].disk_mib, 1000000);
	assert_int_equal(c->hosts[0].cpus, 8);
	assert_int_equal(c->hosts[0].disk_kind, PLAN_DISK_HDD);
	assert_int_equal(c->hosts[1].disk_kind, PLAN_DISK_SSD);
	assert_int_equal(c->hosts[1].reserved_mib, 0);
	assert_true(plan_host_has_tag(&c->hosts[0], "rack:1"));
	assert_false(plan_host_has_tag(&c->hosts[0], "rack"));
	/* '?' resources: offline, nothing to offer */
	assert_int_equal(c->hosts[2].state, PLAN_HOST_MAINTENANCE);
	assert_int_equal(c->hosts[2].ram_mib, 0);
	/* the group's policy wins over the cluster line */
	assert_true(c->vcpu_ratio > 2.49 && c->vcpu_ratio < 2.51);
	assert_int_equal(c->ncustomers, 2);
	assert_string_equal(c->customers[c->guests[0].owner], "alice");
	assert_string_equal(c->customers[c->guests[1].owner], "bob");
	assert_int_equal(c->guests[2].owner, c->guests[0].owner);
	assert_int_equal(c->guests[3].owner, PLAN_NONE);
	assert_int_equal(c->guests[0].disk_mib, 81920);
	assert_int_equal(c->guests[2].host, 1);
	assert_int_equal(c->guests[2].secondary, 0);
	assert_int_equal(c->guests[0].secondary, PLAN_NONE);
	assert_true(c->guests[0].live_migrate);
	assert_false(c->guests[2].live_migrate);	/* auto_balance N */
	assert_false(c->guests[3].live_migrate);	/* hangar:no-migrate */
	assert_int_equal(plan_host_find(c, "h2"), 1);
	assert_int_equal(plan_host_find(c, "nope"), PLAN_NONE);
	/* names in one block; a guest added after has its own (ASan: both
	 * freed once) */
	assert_int_equal(c->nnamed, 4);
	assert_string_equal(c->guests[3].name, "vm4");
	assert_int_equal(plan_cluster_add_guest(c, "vm5", "carol", 1, 1, 1, 0,
	    PLAN_NONE, 1), 0);
	assert_int_equal(c->nnamed, 4);
	assert_string_equal(c->guests[4].name, "vm5");
	assert_string_equal(c->guests[0].name, "vm1");
	plan_cluster_free(c);
}

/* Replaces the first occurrence of from in good by to; parses it. */
static void
expect_error(const char *from, const char *to, const char *want)
{
	char buf[4096], *p;
	struct plan_cluster *c = NULL;
	struct herr e;

	p = strstr(good, from);
	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - good), good, to,
	    p + strlen(from));
	herr_clear(&e);
	assert_int_equal(plan_parse_text(buf, strlen(buf), "t.data", &c, &e),
	    -1);
	assert_null(c);
	assert_int_equal(e.code, HERR_USAGE);
	if (strstr(e.msg, want) == NULL)
		fail_msg("for \"%s\": got \"%s\", want \"%s\"", to, e.msg, want);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("h1|32768|", "h1|32k|", "t.data:3: field 2 (t_mem)");
	expect_error("|2048|22528|", "|2048.5|22528|",
	    "t.data:3: field 3 (n_mem)");
	expect_error("|1000000|900000|8|", "|1000000|900000|x|",
	    "t.data:3: field 7 (t_cpu)");
	expect_error("|M|uuid-1|", "|M|uuid-9|", "field 9 (group_uuid)");
	expect_error("stor:hdd,rack:1|N|", "stor:hdd,rack:1|Q|",
	    "field 12 (excl_stor)");
	expect_error("h2|65536|4096|61440|2000000|2000000|16|N|uuid-1|4|",
	    "h1|65536|4096|61440|2000000|2000000|16|N|uuid-1|4|",
	    "t.data:4: field 1 (name): duplicate host");
	expect_error("h3|?|0|0|0|0|0|N|uuid-1", "h3|?|0|0|0|0|0|N",
	    "t.data:5: node line has 8 fields");
	expect_error("vm1|4096|", "vm1|-4096|", "t.data:7: field 2 (mem)");
	expect_error("|2|running|", "|2|walking|", "field 5 (status)");
	expect_error("|running|Y|h1||plain|owner",
	    "|running|maybe|h1||plain|owner", "field 6 (auto_balance)");
	expect_error("|Y|h1||plain|owner", "|Y|h9||plain|owner",
	    "t.data:7: field 7 (pnode): no host \"h9\"");
	expect_error("|h2|h1|drbd|", "|h2|h2|drbd|", "field 8 (snode)");
	expect_error("|h2|h1|drbd|", "|h2||drbd|", "field 8 (snode)");
	expect_error("|h2|h1|drbd|", "|h2|hx|drbd|", "field 8 (snode)");
	expect_error("||ext|", "||zfs|", "t.data:10: field 9 (disk_template)");
	expect_error("vm4|", "vm1|", "t.data:10: field 1 (name): duplicate");
	expect_error("vm2|", "vm1|", "t.data:8: field 1 (name): duplicate");
	expect_error("plain|8.0|", "plain|fast|", "t.data:14: field 5 "
	    "(vcpu_ratio)");
	expect_error("|1|-|N\n", "|1|-|X\n", "field 13 (forthcoming)");
	/* 33 fields: one too many, wherever the '|' fall in a word */
	expect_error("|1|-|N\n", "|1|-|N|||||||||||||||||||||\n",
	    "t.data:7: more than 32 fields");
	expect_error("|1|-|N\n", "|1|-|N|}|}|}|}|}|}|}|}|}|}|}}|}|}|}}}|}|}"
	    "|}|}|}|}|}\n", "t.data:7: more than 32 fields");
	expect_error("vm4|", "vm4|||||||||||||||||||||||||||", "t.data:10: "
	    "more than 32 fields");
	expect_error("|1|-|N\n", "|1|z|N\n", "field 12 (spindles)");
	/* control characters are not echoed back */
	expect_error("vm1|4096|", "vm1|\033[2J|", "\"?[2J\"");
}

/*
 * Guests out of name order (the parser checks sorted names against the
 * last one, then switches to a map), and owners from tags.
 */
static void
test_guest_order_and_tags(void **state)
{
	static const char head[] =
	    "grp|uuid-1|preferred||\n"
	    "\n"
	    "h1|65536|2048|61440|1000000|900000|8|N|uuid-1\n"
	    "\n";
	static const char *const tails[] = {
	    "b|1|1|1|running|Y|h1||plain|customer:bob,owner:carol\n"
	    "c|1|1|1|running|Y|h1||plain|owner:,customer:dave\n"
	    "a|1|1|1|running|Y|h1||plain|x,hangar:no-migrate,owner:eve\n"
	    "d|1|1|1|running|Y|h1||plain|hangar:no-migrate2,customer:\n"
	    "\n\n",
	    "a|1|1|1|running|Y|h1||plain|\n"
	    "c|1|1|1|running|Y|h1||plain|\n"
	    "b|1|1|1|running|Y|h1||plain|\n"
	    "c|1|1|1|running|Y|h1||plain|\n"
	    "\n\n",
	};
	struct plan_cluster *c = NULL;
	struct herr e;
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), "%s%s", head, tails[0]);
	herr_clear(&e);
	assert_int_equal(plan_parse_text(buf, strlen(buf), "o.data", &c, &e),
	    0);
	assert_int_equal(c->nguests, 4);
	assert_string_equal(c->customers[c->guests[0].owner], "carol");
	assert_string_equal(c->customers[c->guests[1].owner], "dave");
	assert_string_equal(c->customers[c->guests[2].owner], "eve");
	assert_int_equal(c->guests[3].owner, PLAN_NONE);
	assert_true(c->guests[0].live_migrate);
	assert_false(c->guests[2].live_migrate);
	assert_true(c->guests[3].live_migrate);
	plan_cluster_free(c);
	c = NULL;
	/* a, c, b: b is out of order; the second c is found all the same */
	snprintf(buf, sizeof(buf), "%s%s", head, tails[1]);
	assert_int_equal(plan_parse_text(buf, strlen(buf), "o.data", &c, &e),
	    -1);
	assert_null(c);
	assert_non_null(strstr(e.msg, "o.data:8: field 1 (name): duplicate "
	    "guest \"c\""));
}

/*
 * A section of 10,000 guests
 * (customers numbered as they first show up, errors where they are): guest
 * i is "g%05d", on host i % 3, owner "o(i * 7 % 5000)",
 * every 10th pinned; line 7 + i.  edit(i, line) may change a line.
 */
#define BIGN	10000

static char *
big_text(void (*edit)(int, char *, size_t))
{
	size_t cap = (size_t)BIGN * 96 + 1024, len;
	char *buf = malloc(cap), line[96];
	int i;

	assert_non_null(buf);
	len = (size_t)snprintf(buf, cap, "grp|uuid-1|preferred||\n\n"
	    "h0|65536|0|65536|1000000|1000000|64|N|uuid-1\n"
	    "h1|65536|0|65536|1000000|1000000|64|N|uuid-1\n"
	    "h2|65536|0|65536|1000000|1000000|64|N|uuid-1\n\n");
	for (i = 0; i < BIGN; i++) {
		snprintf(line, sizeof(line), "g%05d|%d|10|1|running|Y|h%d||"
		    "plain|owner:o%d%s\r\n", i, 1 + i % 4, i % 3,
		    i * 7 % 5000, i % 10 == 0 ? ",hangar:no-migrate" : "");
		if (edit != NULL)
			edit(i, line, sizeof(line));
		len += (size_t)snprintf(buf + len, cap - len, "%s", line);
	}
	snprintf(buf + len, cap - len, "\n\n");
	return buf;
}

static int
big_parse(void (*edit)(int, char *, size_t), struct plan_cluster **c,
    struct herr *e)
{
	char *buf = big_text(edit);
	int rc;

	*c = NULL;
	herr_clear(e);
	rc = plan_parse_text(buf, strlen(buf), "big.data", c, e);
	free(buf);
	return rc;
}

static void
big_bad_mem(int i, char *line, size_t n)
{
	if (i == 7000 || i == 9000)
		snprintf(line, n, "g%05d|x|10|1|running|Y|h0||plain|\n", i);
}

static void
big_bad_both(int i, char *line, size_t n)
{
	big_bad_mem(i, line, n);
	if (i == 3000)
		snprintf(line, n, "g%05d|1|10|1|running|Y|h9||plain|\n", i);
}

static void
big_dup(int i, char *line, size_t n)
{
	if (i == 8000)
		snprintf(line, n, "g%05d|1|10|1|running|Y|h0||plain|\n", 12);
}

static void
big_swap(int i, char *line, size_t n)
{
	if (i == 7000 || i == 7001)
		snprintf(line, n, "g%05d|1|10|1|running|Y|h0||plain|\n",
		    i == 7000 ? 7001 : 7000);
}

static void
big_short(int i, char *line, size_t n)
{
	if (i == 9500)
		snprintf(line, n, "g%05d\n", i);
}

/* A large section parses as a small one does. */
static void
test_big_section(void **state)
{
	struct plan_cluster *c;
	struct herr e;
	int64_t ram = 0;
	int i;

	(void)state;
	assert_int_equal(big_parse(NULL, &c, &e), 0);
	assert_int_equal(c->nguests, BIGN);
	assert_int_equal(c->ncustomers, 5000);
	for (i = 0; i < BIGN; i++) {
		char want[16];

		snprintf(want, sizeof(want), "g%05d", i);
		assert_string_equal(c->guests[i].name, want);
		assert_int_equal(c->guests[i].host, i % 3);
		assert_int_equal(c->guests[i].ram_mib, 1 + i % 4);
		assert_int_equal(c->guests[i].live_migrate, i % 10 != 0);
		/* customers numbered as they first show up */
		snprintf(want, sizeof(want), "o%d", i * 7 % 5000);
		assert_string_equal(c->customers[c->guests[i].owner], want);
		if (i < 5000)
			assert_int_equal(c->guests[i].owner, i);
		ram += c->guests[i].ram_mib;
	}
	/* f_mem 65536 + running RAM of each host: nothing unexplained */
	for (i = 0; i < 3; i++)
		assert_int_equal(c->hosts[i].reserved_mib, 0);
	assert_true(ram > 0);
	plan_cluster_free(c);
	assert_int_equal(big_parse(big_bad_mem, &c, &e), -1);
	assert_null(c);
	assert_non_null(strstr(e.msg, "big.data:7007: field 2 (mem)"));
	assert_int_equal(big_parse(big_bad_both, &c, &e), -1);
	assert_non_null(strstr(e.msg, "big.data:3007: field 7 (pnode)"));
	assert_int_equal(big_parse(big_dup, &c, &e), -1);
	assert_non_null(strstr(e.msg, "big.data:8007: field 1 (name): "
	    "duplicate guest \"g00012\""));
	assert_int_equal(big_parse(big_short, &c, &e), -1);
	assert_non_null(strstr(e.msg, "big.data:9507: instance line has 1 "
	    "fields"));
	assert_int_equal(big_parse(big_swap, &c, &e), 0);
	assert_int_equal(c->nguests, BIGN);
	assert_string_equal(c->guests[7000].name, "g07001");
	assert_string_equal(c->guests[7001].name, "g07000");
	plan_cluster_free(c);
}

/*
 * The map keeps a key's first bytes in its slot: keys that share them,
 * are shorter or longer than that, or empty, are told apart all the same,
 * through growth; keys are not copied.
 */
static void
test_strmap(void **state)
{
	enum { N = 3000 };
	static char keys[N][48];
	struct strmap *m = strmap_new(4);
	char probe[48];
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		snprintf(keys[i], sizeof(keys[i]), "%.*s%d", i % 40,
		    "prefix-shared-by-all-the-keys-of-a-test", i);
	for (i = 0; i < N; i++) {
		assert_int_equal(strmap_get(m, keys[i]), PLAN_NONE);
		strmap_put(m, keys[i], i);
	}
	for (i = 0; i < N; i++) {
		memcpy(probe, keys[i], sizeof(probe));
		assert_int_equal(strmap_get(m, probe), i);
		assert_int_equal(strmap_get_hashed(m, probe,
		    strmap_hash(probe)), i);
		/* one byte more or less: another key, or none */
		probe[strlen(probe) - 1] = '\0';
		assert_true(strmap_get(m, probe) != i);
		strcat(probe, "xx");
		assert_int_equal(strmap_get(m, probe), PLAN_NONE);
	}
	assert_int_equal(strmap_get(m, ""), PLAN_NONE);
	strmap_put(m, "", N);
	assert_int_equal(strmap_get(m, ""), N);
	strmap_put(m, keys[7], 70);
	assert_int_equal(strmap_get(m, keys[7]), 70);
	strmap_free(m);
}

static void
test_structure(void **state)
{
	struct plan_cluster *c = NULL;
	struct herr e;
	const char *three = "g|u|preferred|\n\nh|1024|0|1024|10|10|1|N|u\n\n"
	    "vm|512|1|1|running|Y|h||plain|\n";
	const char *four = "g|u|preferred|\n\nh|1024|0|512|10|10|1|N|u\n\n"
	    "vm|512|1|1|running|Y|h||plain|\n\n";
	const char nul[] = "g|u|preferred|\n\nh|1\0|0|1|1|1|1|N|u\n\n\n\n";

	(void)state;
	assert_int_equal(plan_parse_text(three, strlen(three), "x", &c, &e),
	    -1);
	assert_non_null(strstr(e.msg, "x:5: file ends in section 3"));
	assert_int_equal(plan_parse_text(four, strlen(four), "x", &c, &e), 0);
	assert_int_equal(c->nguests, 1);
	assert_true(c->vcpu_ratio > 3.99 && c->vcpu_ratio < 4.01);
	plan_cluster_free(c);
	assert_int_equal(plan_parse_text("", 0, "empty", &c, &e), -1);
	assert_non_null(strstr(e.msg, "empty:"));
	assert_int_equal(plan_parse_text(nul, sizeof(nul) - 1, "n", &c, &e),
	    -1);
	assert_non_null(strstr(e.msg, "n:3: NUL"));
}

static void
test_load_file(void **state)
{
	char path[] = "/tmp/plan-test-XXXXXX";
	struct plan_cluster *c = NULL;
	struct herr e;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	assert_int_equal(plan_load_file(path, &c, &e), 0);
	assert_int_equal(c->nhosts, 3);
	plan_cluster_free(c);
	unlink(path);
	assert_int_equal(plan_load_file(path, &c, &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	assert_non_null(strstr(e.msg, path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_guest_order_and_tags),
		cmocka_unit_test(test_big_section),
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
