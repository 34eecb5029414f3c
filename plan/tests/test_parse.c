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
	assert_true(c->hosts[2].offline);
	assert_false(plan_host_target(&c->hosts[2]));
	assert_int_equal(c->hosts[2].state, PLAN_HOST_ACTIVE);
	assert_int_equal(c->hosts[2].ram_mib, 0);
	assert_true(c->hosts[0].master);
	assert_false(c->hosts[1].master || c->hosts[0].offline);
	/* one group; the guests explain more disk than t_dsk - f_dsk */
	assert_int_equal(c->ngroups, 1);
	assert_string_equal(plan_group_name(c, c->hosts[1].group), "grp");
	assert_int_equal(c->hosts[0].reserved_disk_mib, 0);
	assert_int_equal(c->nwarnings, 0);
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

/* A host's disk kind and state from its tags (and role Y). */
static void
test_host_tags(void **state)
{
	static const struct {
		const char		*role;
		const char		*tags;
		enum plan_disk_kind	 kind;
		enum plan_host_state	 st;
	} want[] = {
		{ "N", "", PLAN_DISK_UNKNOWN, PLAN_HOST_ACTIVE },
		{ "N", "stor:hdd,disk:ssd", PLAN_DISK_SSD, PLAN_HOST_ACTIVE },
		{ "N", "disk:hdd,rack:2", PLAN_DISK_HDD, PLAN_HOST_ACTIVE },
		{ "N", "xstor:ssd,stor:ss,stor:ssdx,,", PLAN_DISK_UNKNOWN,
		    PLAN_HOST_ACTIVE },
		{ "N", "hangar:state:draining", PLAN_DISK_UNKNOWN,
		    PLAN_HOST_DRAINING },
		{ "N", "hangar:state:retired,hangar:state:draining",
		    PLAN_DISK_UNKNOWN, PLAN_HOST_RETIRED },
		{ "N", "hangar:state:draining,stor:ssd,hangar:state:retired",
		    PLAN_DISK_SSD, PLAN_HOST_RETIRED },
		{ "N", "hangar:state:draining,hangar:state:maintenance",
		    PLAN_DISK_UNKNOWN, PLAN_HOST_DRAINING },
		{ "N", "hangar:state:maintenance", PLAN_DISK_UNKNOWN,
		    PLAN_HOST_MAINTENANCE },
		{ "Y", "", PLAN_DISK_UNKNOWN, PLAN_HOST_ACTIVE },
		{ "Y", "hangar:state:draining", PLAN_DISK_UNKNOWN,
		    PLAN_HOST_DRAINING },
		{ "D", "", PLAN_DISK_UNKNOWN, PLAN_HOST_DRAINING },
		{ "D", "hangar:state:retired", PLAN_DISK_UNKNOWN,
		    PLAN_HOST_RETIRED },
		{ "M", "stor:ssd", PLAN_DISK_SSD, PLAN_HOST_ACTIVE },
		{ "N", "hangar:state:retiredx,hangar:state", PLAN_DISK_UNKNOWN,
		    PLAN_HOST_ACTIVE },
	};
	const size_t n = sizeof(want) / sizeof(want[0]);
	struct plan_cluster *c = NULL;
	struct herr e;
	char text[4096];
	size_t i, len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "g|u1|preferred||\n\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "h%zu|32768|2048|30720|1000|1000|8|%s|u1|1|%s\n", i,
		    want[i].role, want[i].tags);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\n\n");
	assert_true(len < sizeof(text));
	assert_int_equal(plan_parse_text(text, len, "tags.data", &c, &e), 0);
	assert_int_equal(c->nhosts, n);
	for (i = 0; i < n; i++) {
		if (c->hosts[i].disk_kind != want[i].kind ||
		    c->hosts[i].state != want[i].st ||
		    c->hosts[i].offline != (want[i].role[0] == 'Y') ||
		    c->hosts[i].master != (want[i].role[0] == 'M'))
			fail_msg("host %zu (role %s, tags \"%s\"): kind %d "
			    "state %d, want %d %d", i, want[i].role,
			    want[i].tags, c->hosts[i].disk_kind,
			    c->hosts[i].state, want[i].kind, want[i].st);
	}
	plan_cluster_free(c);
}

/*
 * What Ganeti's files say beyond resources: node groups, roles (master,
 * drained, offline), disk free that guests do not explain, guests named
 * alike (kept, told, at most MAXDUPWARN one by one).
 */
static void
test_ganeti_fields(void **state)
{
	char text[8192];
	struct plan_cluster *c = NULL;
	struct herr e;
	size_t len, i;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text),
	    "ga|u-a|preferred||\n"
	    "gb|u-b|preferred||\n"
	    "\n"
	    /* 1000 - 400 = 600 used, guests 100 + 50: 450 unexplained */
	    "a1|4096|0|4096|1000|400|4|M|u-a|1\n"
	    /* 0 free: all but the guest's 100 is taken */
	    "a2|4096|0|4096|1000|0|4|D|u-a|1\n"
	    "b1|4096|0|4096|1000|1000|4|Y|u-b|1\n"
	    "b2|4096|0|4096|1000|900|4|N|u-b|1\n"
	    "\n"
	    "d|1|100|1|running|Y|a1|a2|drbd||1\n"
	    "e|1|50|1|running|Y|a1||plain||1\n");
	for (i = 0; i < 13; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "x|1|10|1|running|Y|b2||ext||1\n");
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\n\n");
	assert_true(len < sizeof(text));
	assert_int_equal(plan_parse_text(text, len, "g.data", &c, &e), 0);
	assert_int_equal(c->ngroups, 2);
	assert_int_equal(plan_ngroups(c), 2);
	assert_string_equal(plan_group_name(c, 0), "ga");
	assert_string_equal(plan_group_name(c, 1), "gb");
	assert_int_equal(c->hosts[0].group, 0);
	assert_int_equal(c->hosts[1].group, 0);
	assert_int_equal(c->hosts[2].group, 1);
	assert_int_equal(c->hosts[3].group, 1);
	assert_true(c->hosts[0].master && !c->hosts[1].master);
	assert_int_equal(c->hosts[1].state, PLAN_HOST_DRAINING);
	assert_false(plan_host_target(&c->hosts[1]));
	assert_true(c->hosts[2].offline && !plan_host_target(&c->hosts[2]));
	assert_true(plan_host_target(&c->hosts[3]));
	assert_int_equal(c->hosts[0].reserved_disk_mib, 450);
	assert_int_equal(plan_host_disk_cap(&c->hosts[0]), 550);
	assert_int_equal(c->hosts[1].reserved_disk_mib, 900);
	assert_int_equal(plan_host_disk_cap(&c->hosts[1]), 100);
	/* guests' disks beyond t_dsk - f_dsk (ext: htools does not count
	 * it): nothing reserved */
	assert_int_equal(c->hosts[3].reserved_disk_mib, 0);
	/* 12 guests named as one before: 10 told, then how many more */
	assert_int_equal(c->nguests, 15);
	assert_int_equal(c->nwarnings, 11);
	assert_non_null(strstr(c->warnings[0], "g.data:12: field 1 (name): "
	    "guest \"x\" is named as one before it"));
	assert_non_null(strstr(c->warnings[10], "2 more guests named"));
	plan_cluster_free(c);
	/* a group that is not one of the cluster's: planners refuse */
	c = plan_cluster_new();
	assert_int_equal(plan_cluster_add_host(c, "h", 1024, 1024, 1,
	    PLAN_DISK_SSD, PLAN_HOST_ACTIVE, ""), 0);
	assert_int_equal(plan_ngroups(c), 1);
	assert_string_equal(plan_group_name(c, 0), "default");
	c->hosts[0].group = 1;
	herr_clear(&e);
	assert_int_equal(plan_cluster_groups_ok(c, &e), -1);
	assert_int_equal(e.code, HERR_USAGE);
	assert_int_equal(plan_cluster_add_group(c, "x"), 0);
	assert_int_equal(plan_cluster_add_group(c, "y"), 1);
	assert_int_equal(plan_cluster_groups_ok(c, &e), 0);
	plan_cluster_free(c);
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
 * Lines read 16 bytes at a time: every line end, '|' and NUL offset
 * against those blocks, CRLF, and a file whose last line has no '\n'.
 */
static void
test_line_scan(void **state)
{
	static const char head[] = "grp|uuid-1|preferred||\n\n"
	    "h1|1048576|2048|1000000|100000000|90000000|64|N|uuid-1\n\n";
	char buf[65536], name[64];
	struct plan_cluster *c = NULL;
	struct herr e;
	size_t len, i, k, n;

	(void)state;
	for (k = 0; k < 2; k++) {	/* LF, then CRLF */
		len = (size_t)snprintf(buf, sizeof(buf), "%s", head);
		for (i = 1; i <= 40; i++) {
			memset(name, 'a', i);
			name[i] = '\0';
			name[i - 1] = (char)('a' + i % 26);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%03zu|%zu|%zu|1|running|Y|h1||plain|owner:o%zu"
			    "%s", name, i, i, 10 * i, i % 7,
			    k ? "\r\n" : "\n");
		}
		/* cluster tags, then the file ends inside the policies */
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "\ntag1\n\ngrp|x|y|plain|2.0");
		assert_int_equal(plan_parse_text(buf, len, "s.data", &c, &e),
		    0);
		assert_int_equal(c->nguests, 40);
		for (i = 1; i <= 40; i++) {
			const struct plan_guest *g = &c->guests[i - 1];

			n = strlen(g->name);
			assert_int_equal(n, i + 3);
			assert_int_equal(g->ram_mib, (int64_t)i);
			assert_int_equal(g->disk_mib, (int64_t)(10 * i));
			snprintf(name, sizeof(name), "o%zu", i % 7);
			assert_string_equal(c->customers[g->owner], name);
		}
		assert_true(c->vcpu_ratio > 1.99 && c->vcpu_ratio < 2.01);
		plan_cluster_free(c);
		c = NULL;
	}
	/* a NUL anywhere in a line, even one with too many fields, is
	 * what is reported, with the line's number */
	for (i = 0; i < 40; i++) {
		len = (size_t)snprintf(buf, sizeof(buf), "%s"
		    "vm1|1024|10240|1|running|Y|h1||plain|owner:x|"
		    "||||||||||||||||||||||||||||||\n\n\n", head);
		buf[strlen(head) + i] = '\0';
		assert_int_equal(plan_parse_text(buf, len, "n.data", &c, &e),
		    -1);
		assert_non_null(strstr(e.msg, "n.data:5: NUL byte in line"));
	}
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
	/* a, c, b: b is out of order; the second c is found all the same,
	 * and kept (as Ganeti's tools do), with a warning */
	snprintf(buf, sizeof(buf), "%s%s", head, tails[1]);
	assert_int_equal(plan_parse_text(buf, strlen(buf), "o.data", &c, &e),
	    0);
	assert_int_equal(c->nguests, 4);
	assert_int_equal(c->nwarnings, 1);
	assert_non_null(strstr(c->warnings[0], "o.data:8: field 1 (name): "
	    "guest \"c\" is named as one before it"));
	plan_cluster_free(c);
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
	assert_int_equal(big_parse(big_dup, &c, &e), 0);
	assert_int_equal(c->nguests, BIGN);
	assert_int_equal(c->nwarnings, 1);
	assert_non_null(strstr(c->warnings[0], "big.data:8007: field 1 "
	    "(name): guest \"g00012\" is named as one before it"));
	plan_cluster_free(c);
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

/* ---- the instance section on two threads ---- */

/*
 * Parses buf on one thread, then forced onto two: the same return, the
 * same message, the same model.  1 if two threads made the model, 0 if
 * they gave way to one (an error, names out of order).
 */
static int
parse_both(const char *buf, size_t len, struct herr *e)
{
	struct plan_cluster *c1 = NULL, *c2 = NULL;
	struct herr e2;
	size_t saved = plan_parse_par_lines;
	unsigned long before;
	char why[160];
	int rc1, rc2;

	herr_clear(e);
	herr_clear(&e2);
	plan_parse_par_lines = SIZE_MAX;
	before = plan_parse_par_count;
	rc1 = plan_parse_text(buf, len, "p.data", &c1, e);
	assert_true(plan_parse_par_count == before);
	plan_parse_par_lines = 0;
	rc2 = plan_parse_text(buf, len, "p.data", &c2, &e2);
	plan_parse_par_lines = saved;
	assert_int_equal(rc1, rc2);
	if (rc1 == -1) {
		assert_null(c2);
		assert_string_equal(e->msg, e2.msg);
	} else if (plan_cluster_diff(c1, c2, why, sizeof(why)) != 0)
		fail_msg("one thread and two differ: %s", why);
	plan_cluster_free(c1);
	plan_cluster_free(c2);
	return plan_parse_par_count != before;
}

struct gen {
	int		 n;		/* guests */
	uint32_t	 seed;		/* 0: names sorted, else shuffled */
	int		 crlf;
	int		 tail;		/* guest lines after the sections too */
};

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A file of g->n guests on hosts h0..h5 (h5 offline: '?' fields); guest
 * i is "v%05d" of i (sorted) or of a permutation; customers a0..a16 from
 * the first half on, b0..b22 only in the second half, some guests none;
 * DRBD secondaries, hangar:no-migrate, auto_balance N and stopped guests
 * here and there.  edit(i, line) may change guest i's line.
 */
static char *
gen_text(const struct gen *g, void (*edit)(int, char *, size_t))
{
	size_t cap = (size_t)g->n * 128 * (g->tail ? 2 : 1) + 4096, len;
	char *buf = malloc(cap), line[128], owner[32];
	const char *eol = g->crlf ? "\r\n" : "\n";
	int *name = malloc(sizeof(int) * (size_t)(g->n > 0 ? g->n : 1));
	uint32_t s = g->seed;
	int i, j, t, h;

	assert_non_null(buf);
	assert_non_null(name);
	for (i = 0; i < g->n; i++)
		name[i] = i;
	for (i = g->n - 1; g->seed != 0 && i > 0; i--) {
		j = (int)(xorshift(&s) % (uint32_t)(i + 1));
		t = name[i];
		name[i] = name[j];
		name[j] = t;
	}
	len = (size_t)snprintf(buf, cap, "grp|uuid-1|preferred||%s%s", eol,
	    eol);
	for (h = 0; h < 5; h++)
		len += (size_t)snprintf(buf + len, cap - len, "h%d|8388608|1024|"
		    "%d|4000000|4000000|64|N|uuid-1|4|%s%s", h, 1000 + h,
		    h % 2 ? "stor:hdd" : "stor:ssd", eol);
	len += (size_t)snprintf(buf + len, cap - len,
	    "h5|?|0|0|0|0|0|N|uuid-1%s%s", eol, eol);
	for (i = 0; i < g->n; i++) {
		h = i % 5;
		if (i < g->n / 2 || i % 3 == 1)
			snprintf(owner, sizeof(owner), "owner:a%d", i % 17);
		else if (i % 3 == 0)
			snprintf(owner, sizeof(owner), "customer:b%d", i % 23);
		else
			snprintf(owner, sizeof(owner), "x:y");
		snprintf(line, sizeof(line), "v%05d|%d|%d|%d|%s|%s|h%d|%s%s|%s|"
		    "%s%s%s%s", name[i], 512 + i % 7 * 256, 10240 + i, 1 + i % 4,
		    i % 13 == 0 ? "ADMIN_down" : i % 17 == 0 ? "ERROR_up" :
		    "running", i % 11 == 0 ? "N" : "Y", h,
		    i % 7 == 0 ? "h" : "", i % 7 == 0 ? (h == 0 ? "1" : "0") :
		    "", i % 7 == 0 ? "drbd" : "plain", owner,
		    i % 5 == 0 ? ",hangar:no-migrate" : "",
		    i % 4 == 0 ? "|1|-|N" : "", eol);
		if (edit != NULL)
			edit(i, line, sizeof(line));
		len += (size_t)snprintf(buf + len, cap - len, "%s", line);
	}
	len += (size_t)snprintf(buf + len, cap - len, "%shtools:iextags:x%s%s"
	    "|2048,1,51200,1,1,1|512,1,10240,1,1,1|plain|8.0|32.0%s"
	    "grp|2048,1,51200,1,1,1|512,1,10240,1,1,1|plain|3.5|32.0%s", eol,
	    eol, eol, eol, eol);
	/* a sixth section, ignored: lines that read as guests */
	for (i = 0; g->tail && i < g->n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%sw%05d|1|1|1|"
		    "running|Y|h0||plain|owner:zz", i == 0 ? eol : "", i);
	if (g->tail)
		len += (size_t)snprintf(buf + len, cap - len, "%s", eol);
	free(name);
	return buf;
}

static int
gen_both(const struct gen *g, void (*edit)(int, char *, size_t),
    struct herr *e)
{
	char *buf = gen_text(g, edit);
	int par = parse_both(buf, strlen(buf), e);

	free(buf);
	return par;
}

/* Well-formed files: two threads make what one makes. */
static void
test_par_same(void **state)
{
	static const struct gen gens[] = {
		{ 1, 0, 0, 0 }, { 2, 0, 1, 0 }, { 40, 0, 0, 0 },
		{ 1000, 0, 1, 0 }, { 3000, 0, 0, 0 }, { 200, 0, 0, 1 },
	};
	struct plan_cluster *c = NULL;
	struct herr e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (!gen_both(&gens[i], NULL, &e))
			fail_msg("gens[%zu]: not parsed on two threads", i);
	assert_true(parse_both(good, strlen(good), &e));
	/* the model is the one the file says: customers numbered as they
	 * first show up, b0 only in the second half */
	{
		const struct gen g = { 3000, 0, 0, 0 };
		char *buf = gen_text(&g, NULL);
		size_t saved = plan_parse_par_lines;

		plan_parse_par_lines = 0;
		assert_int_equal(plan_parse_text(buf, strlen(buf), "x", &c,
		    &e), 0);
		plan_parse_par_lines = saved;
		free(buf);
	}
	assert_int_equal(c->nguests, 3000);
	assert_int_equal(c->ncustomers, 17 + 23);
	for (i = 0; i < 17; i++)
		assert_int_equal(c->customers[i][0], 'a');
	assert_string_equal(c->customers[17], "b5");	/* guest 1500 */
	assert_string_equal(c->guests[1500].name, "v01500");
	assert_int_equal(c->guests[1500].owner, 17);
	assert_int_equal(c->guests[2999].owner, PLAN_NONE);
	assert_int_equal(c->guests[7].secondary, 0);
	assert_false(c->guests[5].live_migrate);
	assert_false(c->guests[11].live_migrate);
	assert_true(c->vcpu_ratio > 3.49 && c->vcpu_ratio < 3.51);
	assert_true(c->hosts[5].offline);
	/* f_mem and running RAM leave some unexplained: every guest's
	 * running RAM counted, from both threads */
	for (i = 0; i < 5; i++)
		assert_true(c->hosts[i].reserved_mib > 0);
	plan_cluster_free(c);
}

/* Names that fill their lines: the two threads' names share the block of
 * one text's size (from its two ends) and do not meet. */
static void
test_par_long_names(void **state)
{
	size_t cap = 500 * 160 + 256, len;
	char *buf = malloc(cap);
	struct herr e;
	int i;

	(void)state;
	assert_non_null(buf);
	len = (size_t)snprintf(buf, cap, "g|u|preferred||\n\n"
	    "h|1024|0|1024|10|10|1|N|u\n\n");
	for (i = 0; i < 500; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%03d%0120d|1|1|1|"
		    "running|Y|h||plain|\n", i, i);
	len += (size_t)snprintf(buf + len, cap - len, "\n");
	assert_true(parse_both(buf, len, &e));
	free(buf);
}

/* Names out of order: two threads give way to one, which says the same. */
static void
test_par_unsorted(void **state)
{
	struct gen g = { 2000, 0, 0, 0 };
	struct herr e;
	uint32_t seed;

	(void)state;
	for (seed = 1; seed <= 5; seed++) {
		g.seed = seed;
		g.crlf = (int)seed % 2;
		assert_false(gen_both(&g, NULL, &e));
	}
}

static int dup_at;

/* Guest dup_at + 1 named as guest dup_at: next to it, so on either
 * side of wherever a chunk ends. */
static void
edit_dup(int i, char *line, size_t n)
{
	if (i == dup_at + 1)
		snprintf(line, n, "v%05d|1|1|1|running|Y|h0||plain|\n", dup_at);
}

static int err_at[3];

/* Guests err_at[] get an unknown host, a bad mem field, too few fields. */
static void
edit_err(int i, char *line, size_t n)
{
	if (i == err_at[0])
		snprintf(line, n, "v%05d|1|1|1|running|Y|h9||plain|\n", i);
	if (i == err_at[1])
		snprintf(line, n, "v%05d|x|1|1|running|Y|h0||plain|\n", i);
	if (i == err_at[2])
		snprintf(line, n, "v%05d|1|1\n", i);
}

/* Errors are the one-thread parse's: the first in the file wins. */
static void
test_par_errors(void **state)
{
	const struct gen g = { 600, 0, 0, 0 }, big = { 20000, 0, 0, 0 };
	struct herr e;
	char want[64];
	int i;

	(void)state;
	for (dup_at = 0; dup_at < 60; dup_at++) {
		struct plan_cluster *c = NULL;
		char *buf = gen_text(&g, edit_dup);

		/* two threads give way to one, which keeps both, warned */
		assert_false(parse_both(buf, strlen(buf), &e));
		assert_int_equal(plan_parse_text(buf, strlen(buf), "p.data",
		    &c, &e), 0);
		snprintf(want, sizeof(want), "p.data:%d: field 1 (name): "
		    "guest \"v%05d\"", 10 + dup_at + 1, dup_at);
		assert_int_equal(c->nwarnings, 1);
		if (strncmp(c->warnings[0], want, strlen(want)) != 0)
			fail_msg("got \"%s\", want \"%s...\"", c->warnings[0],
			    want);
		plan_cluster_free(c);
		free(buf);
	}
	/* first half, second half, both (either order of kinds) */
	static const int at[][3] = {
		{ 100, -1, -1 }, { -1, 19000, -1 }, { -1, -1, 15000 },
		{ 3000, 17000, -1 }, { 18000, 2000, -1 }, { 19999, -1, 9999 },
		{ 10000, 10001, 10002 },
	};
	for (i = 0; i < (int)(sizeof(at) / sizeof(at[0])); i++) {
		int first = -1, k;

		memcpy(err_at, at[i], sizeof(err_at));
		assert_false(gen_both(&big, edit_err, &e));
		for (k = 0; k < 3; k++)
			if (err_at[k] >= 0 && (first == -1 || err_at[k] < first))
				first = err_at[k];
		snprintf(want, sizeof(want), "p.data:%d: ", 10 + first);
		if (strncmp(e.msg, want, strlen(want)) != 0)
			fail_msg("case %d: got \"%s\", want \"%s...\"", i, e.msg,
			    want);
	}
}

/* Mangled files (a byte changed, a line cut): the same either way. */
static void
test_par_mangled(void **state)
{
	const struct gen g = { 60, 0, 0, 0 };
	char *orig = gen_text(&g, NULL), *buf;
	size_t len = strlen(orig), pos;
	uint32_t s = 12345;
	struct herr e;
	int round, ok = 0;

	(void)state;
	buf = malloc(len + 1);
	assert_non_null(buf);
	for (round = 0; round < 400; round++) {
		memcpy(buf, orig, len + 1);
		pos = xorshift(&s) % len;
		buf[pos] = "|\n\r0a?-,:\0"[xorshift(&s) % 10];
		if (round % 4 == 0)
			buf[xorshift(&s) % len] = '\n';
		ok += parse_both(buf, round % 8 == 0 ? pos : len, &e);
	}
	/* and some were still well-formed, and read on two threads */
	assert_true(ok > 0);
	free(buf);
	free(orig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_host_tags),
		cmocka_unit_test(test_ganeti_fields),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_line_scan),
		cmocka_unit_test(test_guest_order_and_tags),
		cmocka_unit_test(test_big_section),
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_par_same),
		cmocka_unit_test(test_par_long_names),
		cmocka_unit_test(test_par_unsorted),
		cmocka_unit_test(test_par_errors),
		cmocka_unit_test(test_par_mangled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
