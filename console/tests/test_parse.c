/*
 * Unit tests of the console's command parser against the real table:
 * what it accepts, and every way a customer might try to get past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "console/console.h"
#include "lib/str.h"

static int
parse_n(enum cmd_mode mode, const char *line, size_t len, struct cmd_req *req,
    struct herr *e)
{
	herr_clear(e);
	return cmd_parse(console_cmds, mode, line, len, req, e);
}

static int
parse(enum cmd_mode mode, const char *line, struct cmd_req *req,
    struct herr *e)
{
	return parse_n(mode, line, strlen(line), req, e);
}

/* line parses to command name, acting on vps ("" for none). */
static void
accept_line(enum cmd_mode mode, const char *line, const char *name,
    const char *vps)
{
	struct cmd_req req;
	struct herr e;

	if (parse(mode, line, &req, &e) != 0)
		fail_msg("refused \"%s\": %s", line, e.msg);
	assert_non_null(req.cmd);
	assert_string_equal(req.cmd->name, name);
	assert_string_equal(req.vps, vps);
}

static void
refuse_n(enum cmd_mode mode, const char *line, size_t len,
    enum herr_code code, const char *msg)
{
	struct cmd_req req;
	struct herr e;

	if (parse_n(mode, line, len, &req, &e) != -1)
		fail_msg("accepted \"%.*s\"", (int)len, line);
	assert_int_equal(e.code, code);
	if (msg != NULL)
		assert_string_equal(e.msg, msg);
	assert_null(req.cmd);
	assert_string_equal(req.vps, "");
	assert_null(req.choice);
}

static void
refuse(enum cmd_mode mode, const char *line, enum herr_code code,
    const char *msg)
{
	refuse_n(mode, line, strlen(line), code, msg);
}

static void
test_accepts(void **state)
{
	struct cmd_req req;
	struct herr e;

	(void)state;
	accept_line(MODE_CLI, "list", "list", "");
	accept_line(MODE_CLI, "status web1", "status", "web1");
	accept_line(MODE_CLI, "  start   web-1  ", "start", "web-1");
	accept_line(MODE_CLI, "destroy 0db", "destroy", "0db");
	accept_line(MODE_CLI, "reboot web1", "reboot", "web1");
	accept_line(MODE_CLI, "console web1", "console", "web1");
	accept_line(MODE_CLI, "logview web1", "logview", "web1");
	accept_line(MODE_CLI, "help", "help", "");

	assert_int_equal(parse(MODE_CLI, "status web1 --json", &req, &e), 0);
	assert_true(req.json);
	assert_int_equal(req.force_after, -1);
	assert_int_equal(parse(MODE_CLI, "status --json web1", &req, &e), 0);
	assert_true(req.json);
	assert_string_equal(req.vps, "web1");
	assert_int_equal(parse(MODE_CLI, "list --json", &req, &e), 0);
	assert_true(req.json);
	assert_int_equal(parse(MODE_CLI, "console web1", &req, &e), 0);
	assert_false(req.force);
	assert_int_equal(parse(MODE_CLI, "console --force web1", &req, &e), 0);
	assert_true(req.force);
	assert_string_equal(req.vps, "web1");
	assert_int_equal(parse(MODE_CLI, "shutdown web1", &req, &e), 0);
	assert_int_equal(req.force_after, -1);
	assert_int_equal(parse(MODE_CLI, "shutdown web1 --force-after 30",
	    &req, &e), 0);
	assert_int_equal(req.force_after, 30);
	assert_int_equal(parse(MODE_CLI, "shutdown --force-after 0 web1",
	    &req, &e), 0);
	assert_int_equal(req.force_after, 0);
	assert_int_equal(parse(MODE_CLI, "shutdown web1 --force-after 3600",
	    &req, &e), 0);
	assert_int_equal(req.force_after, 3600);

	/* the longest name, and the longest line */
	accept_line(MODE_CLI, "status "
	    "a23456789012345678901234567890123456789012345678901234567890123",
	    "status",
	    "a23456789012345678901234567890123456789012345678901234567890123");
	{
		char line[CMD_MAX_INPUT + 1];
		memset(line, ' ', CMD_MAX_INPUT);
		memcpy(line, "status", 6);
		memcpy(line + CMD_MAX_INPUT - 4, "web1", 4);
		line[CMD_MAX_INPUT] = '\0';
		accept_line(MODE_CLI, line, "status", "web1");
	}
}

static void
test_empty(void **state)
{
	struct cmd_req req;
	struct herr e;

	(void)state;
	assert_int_equal(parse(MODE_CLI, "", &req, &e), 0);
	assert_null(req.cmd);
	assert_int_equal(parse(MODE_MENU, "    ", &req, &e), 0);
	assert_null(req.cmd);
}

static void
test_unknown_commands(void **state)
{
	static const char *lines[] = {
		"foo", "stat", "statuss", "STATUS web1", "Status web1",
		"LIST", "lIst",
		"status\tweb1", "list\t", "\tlist", "list\r", "list\n",
		"\x1b[2Jlist", "list\x1b", "li\x00st",
		"\xd1\x95tatus web1",		/* Cyrillic dze for 's' */
		"l\xc4\xb1st",			/* dotless i */
		"\xef\xbd\x8c\x69st",		/* fullwidth l */
		"list\xc2\xa0",			/* no-break space */
		"\xc2\x9blist",			/* C1 CSI */
		"sh", "/bin/sh", "bash -i", "../list", "./list", "/list",
		"'list'", "\"list\"", "list;id", "list|sh", "list&&id",
		"$(id)", "`id`", "list>x", "*", "~", ".", "..",
		"--help", "-c list", "-", "--", "-list",
		"internal-sftp", "sftp", "scp -t .", "rsync --server",
		"git-upload-pack 'x'",
		"pick", "exit", "1", "?",	/* the menu's, not the CLI's */
		"guest.start web1", "guest.list",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		refuse(MODE_CLI, lines[i], HERR_USAGE,
		    "unknown command; type 'help' for help");
	refuse_n(MODE_CLI, "li\0st", 5, HERR_USAGE,
	    "unknown command; type 'help' for help");
	refuse_n(MODE_CLI, "list\0", 5, HERR_USAGE,
	    "unknown command; type 'help' for help");
}

static void
test_bad_flags(void **state)
{
	static const char *lines[] = {
		"list --all", "list -a", "list --json --json", "list --JSON",
		"list --json=1", "list web1", "list -", "list --",
		"status web1 --evil", "status web1 -x", "status web1 --json "
		"--json", "status web1 web2", "status --evil web1",
		"start web1 --json", "start web1 --force-after 5",
		"start web1 --force", "destroy web1 --force",
		"status web1 --force", "console web1 --force --force",
		"console web1 --json", "console web1 --force-after 5",
		"console --force", "logview web1 --force",
		"shutdown web1 --force-after", "shutdown --force-after",
		"shutdown web1 --force-after 5 --force-after 5",
		"reboot web1 --", "help me", "help --json",
		"status", "start", "shutdown", "destroy", "reboot", "console",
		"logview", "status --json", "shutdown --force-after 5",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		refuse(MODE_CLI, lines[i], HERR_USAGE, NULL);
}

static void
test_bad_force_after(void **state)
{
	static const char *vals[] = { "-1", "3601", "99999", "1e3", "007",
	    "0x10", "+5", "5s", "", "\xd9\xa5" /* Arabic-Indic five */,
	    "--json" };
	char line[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(line, sizeof(line), "shutdown web1 --force-after %s",
		    vals[i]);
		refuse(MODE_CLI, line, HERR_USAGE, NULL);
	}
}

/* Every word that cannot be a VPS name gets hangard's answer, exactly. */
static void
test_no_such_vps(void **state)
{
	static const char *names[] = {
		"WEB1", "Web1", "wEB1",
		"w\xd0\xb5" "b1",		/* Cyrillic ie */
		"web\xef\xbc\x91",		/* fullwidth 1 */
		"we\xcc\x81" "b1",		/* combining accent */
		"\xc3\xa9", "web1\xc2\xa0",
		"web1\x1b[2J", "\x1b]0;pwned\x07", "web1\x07", "web1\x7f",
		"web1\x08\x08\x08\x08" "bob1", "web1\r", "web1\xc2\x9b" "31m",
		"\xff\xfe", "\xc0\xae\xc0\xae",	/* overlong ".." */
		"../web1", "web1/..", "..", ".", "/", "~bob", "~",
		"web1/", "/var/lib/hangar/hangard.sock",
		"'web1'", "\"web1\"", "web1\\", "web1'", "web1;id",
		"$(id)", "`id`", "web1*", "web?", "web[1]", "{web1}",
		"web1&", "web1|id", "web1>x", "%s%s%n", "web1%00",
		"-web1", "--web1", "-", "--", "--json=1", "-rf",
		"--force-after=5", "--name=bob1", "--owner",
		"web_1", "web.1", "web1:", "web1@bob", "web1,bob1",
		"a234567890123456789012345678901234567890123456789012345678901234",
		"3b1c2f0e-5d6a-4c1e-9d9f-0b8a2f3c4d5e",	/* ok: a name */
	};
	size_t i, n = sizeof(names) / sizeof(names[0]) - 1;
	char line[128];

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "status %s", names[i]);
		refuse(MODE_CLI, line, HERR_NOTFOUND, NO_SUCH_VPS);
		snprintf(line, sizeof(line), "destroy %s", names[i]);
		refuse(MODE_CLI, line, HERR_NOTFOUND, NO_SUCH_VPS);
		snprintf(line, sizeof(line), "status %s", names[i]);
		refuse(MODE_MENU, line, HERR_NOTFOUND, NO_SUCH_VPS);
		/* the VPS is answered for before the choice, good or bad */
		snprintf(line, sizeof(line), "maintenance %s reboot", names[i]);
		refuse(MODE_CLI, line, HERR_NOTFOUND, NO_SUCH_VPS);
		snprintf(line, sizeof(line), "maintenance %s sometimes",
		    names[i]);
		refuse(MODE_CLI, line, HERR_NOTFOUND, NO_SUCH_VPS);
	}
	/* a UUID or a number is name-shaped: hangard answers for it */
	snprintf(line, sizeof(line), "status %s", names[n]);
	accept_line(MODE_CLI, line, "status", names[n]);
	accept_line(MODE_CLI, "status 42", "status", "42");
	refuse_n(MODE_CLI, "status web1\0bob1", 16, HERR_NOTFOUND,
	    NO_SUCH_VPS);
	refuse_n(MODE_CLI, "status \0", 8, HERR_NOTFOUND, NO_SUCH_VPS);
}

static void
test_too_long(void **state)
{
	char line[4096];

	(void)state;
	memset(line, 'a', sizeof(line));
	memcpy(line, "status ", 7);
	refuse_n(MODE_CLI, line, CMD_MAX_INPUT + 1, HERR_USAGE,
	    "input too long (at most 256 bytes)");
	refuse_n(MODE_CLI, line, sizeof(line), HERR_USAGE,
	    "input too long (at most 256 bytes)");
	refuse_n(MODE_MENU, line, CMD_MAX_INPUT + 1, HERR_USAGE,
	    "input too long (at most 256 bytes)");
	/* within the cap, an over-long name is no name */
	refuse_n(MODE_CLI, line, 7 + CMD_NAME_MAX + 1, HERR_NOTFOUND,
	    NO_SUCH_VPS);
	refuse_n(MODE_CLI, line, CMD_MAX_INPUT, HERR_NOTFOUND, NO_SUCH_VPS);
	refuse(MODE_CLI, "status a b c d e f g h", HERR_USAGE,
	    "too many words");
	refuse(MODE_CLI, "a a a a a a a a a", HERR_USAGE, "too many words");
}

static void
test_menu(void **state)
{
	struct cmd_req req;
	struct herr e;

	(void)state;
	accept_line(MODE_MENU, "1", "status", "");
	accept_line(MODE_MENU, "2", "start", "");
	accept_line(MODE_MENU, "3", "shutdown", "");
	accept_line(MODE_MENU, "4", "destroy", "");
	accept_line(MODE_MENU, "5", "reboot", "");
	accept_line(MODE_MENU, "6", "console", "");
	accept_line(MODE_MENU, "7", "logview", "");
	accept_line(MODE_MENU, "8", "install", "");
	accept_line(MODE_MENU, "9", "rescue", "");
	accept_line(MODE_MENU, "10", "maintenance", "");
	accept_line(MODE_MENU, "11", "pick", "");
	accept_line(MODE_MENU, "12", "exit", "");
	assert_int_equal(parse(MODE_MENU, "install web2 debian-12", &req, &e),
	    0);
	assert_string_equal(req.vps, "web2");
	assert_string_equal(req.image, "debian-12");
	assert_int_equal(parse(MODE_CLI, "rescue web2", &req, &e), 0);
	assert_string_equal(req.image, "");
	refuse(MODE_CLI, "install", HERR_USAGE, "usage: install VPS IMAGE");
	refuse(MODE_CLI, "install web1 debian-12 x", HERR_USAGE, NULL);
	refuse(MODE_CLI, "rescue web1 --force", HERR_USAGE, NULL);
	refuse(MODE_CLI, "install web1 Debian", HERR_NOTFOUND, "no such image");
	refuse(MODE_CLI, "install web1 ../etc", HERR_NOTFOUND, "no such image");
	accept_line(MODE_MENU, "status", "status", "");
	accept_line(MODE_MENU, "status web2", "status", "web2");
	accept_line(MODE_MENU, "1 web2", "status", "web2");
	accept_line(MODE_MENU, "?", "help", "");
	accept_line(MODE_MENU, "help", "help", "");
	accept_line(MODE_MENU, "list", "list", "");
	accept_line(MODE_MENU, "exit", "exit", "");
	assert_int_equal(parse(MODE_MENU, "shutdown --force-after 10", &req,
	    &e), 0);
	assert_int_equal(req.force_after, 10);

	static const char *bad[] = { "0", "13", "01", "99", "100", "-1",
	    "+1", "1.", "１", "??", "? ", "?x", "help?", "installs", "rescue!",
	    "EXIT", "quit!", "1;2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strcmp(bad[i], "? ") != 0)
			refuse(MODE_MENU, bad[i], HERR_USAGE,
			    "unknown command; type ? for help");
	/* "? " is "?" and spaces */
	accept_line(MODE_MENU, "? ", "help", "");
}

static void
test_pick(void **state)
{
	const char *names[] = { "web1", "db1" };
	static const char *bad[] = { "0", "3", "00", "01", "-1", "web", "WEB1",
	    "web1 db1", "web1 x", "", "  ", "db1\x1b", "d\xd0\xb1" "1",
	    "../web1", "bob1", "99999999999999999999" };
	struct herr e;
	size_t idx = 99, i;

	(void)state;
	assert_int_equal(cmd_pick(names, 2, "1", 1, &idx, &e), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(cmd_pick(names, 2, " 2 ", 3, &idx, &e), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(cmd_pick(names, 2, "db1", 3, &idx, &e), 0);
	assert_int_equal(idx, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		herr_clear(&e);
		if (cmd_pick(names, 2, bad[i], strlen(bad[i]), &idx, &e) != -1)
			fail_msg("picked \"%s\"", bad[i]);
		assert_int_equal(e.code, HERR_NOTFOUND);
		assert_string_equal(e.msg, NO_SUCH_VPS);
	}
}

/* line parses to maintenance on vps with choice (NULL: show). */
static void
accept_choice(enum cmd_mode mode, const char *line, const char *vps,
    const char *choice, int json)
{
	struct cmd_req req;
	struct herr e;

	if (parse(mode, line, &req, &e) != 0)
		fail_msg("refused \"%s\": %s", line, e.msg);
	assert_non_null(req.cmd);
	assert_string_equal(req.cmd->name, "maintenance");
	assert_string_equal(req.vps, vps);
	if (choice == NULL)
		assert_null(req.choice);
	else
		assert_string_equal(req.choice, choice);
	assert_int_equal(req.json, json);
}

static void
test_maintenance(void **state)
{
	static const char *bad[] = {
		/* not a choice, or not exactly one */
		"maintenance web1 sometimes", "maintenance web1 Reboot",
		"maintenance web1 REBOOT", "maintenance web1 live_migrate",
		"maintenance web1 livemigrate", "maintenance web1 live-migrat",
		"maintenance web1 live-migrate-", "maintenance web1 migrate",
		"maintenance web1 live", "maintenance web1 reboots",
		"maintenance web1 reboot reboot",
		"maintenance web1 reboot live-migrate",
		"maintenance web1 live-migrate web2",
		"maintenance web1 r\xd0\xb5" "boot",	/* Cyrillic ie */
		"maintenance web1 live\xe2\x80\x90migrate",	/* U+2010 */
		"maintenance web1 reboot\xc2\xa0",
		"maintenance web1 reboot\x1b[2J",
		/* words starting with '-' are flags, and not these */
		"maintenance web1 --reboot", "maintenance web1 -reboot",
		"maintenance web1 --live-migrate", "maintenance web1 -live-migrate",
		"maintenance web1 --action=reboot", "maintenance web1 -",
		"maintenance web1 --", "maintenance web1 --force",
		"maintenance web1 --force-after 5",
		"maintenance web1 reboot --json --json",
		/* the choices are words of this command only */
		"status web1 live-migrate", "status web1 reboot",
		"reboot web1 live-migrate", "reboot web1 reboot",
		"shutdown web1 reboot", "start web1 live-migrate",
		"console web1 live-migrate", "logview web1 reboot",
		"list live-migrate", "images reboot", "help live-migrate",
	};
	size_t i;

	(void)state;
	accept_choice(MODE_CLI, "maintenance web1", "web1", NULL, 0);
	accept_choice(MODE_CLI, "maintenance web1 --json", "web1", NULL, 1);
	accept_choice(MODE_CLI, "maintenance web1 reboot", "web1",
	    CHOICE_REBOOT, 0);
	accept_choice(MODE_CLI, "maintenance web1 live-migrate", "web1",
	    CHOICE_MIGRATE, 0);
	accept_choice(MODE_CLI, " maintenance  web1  live-migrate ", "web1",
	    CHOICE_MIGRATE, 0);
	accept_choice(MODE_CLI, "maintenance --json web1 reboot", "web1",
	    CHOICE_REBOOT, 1);
	accept_choice(MODE_CLI, "maintenance web1 live-migrate --json", "web1",
	    CHOICE_MIGRATE, 1);
	/* a choice comes after the VPS: the first word is always the VPS */
	accept_choice(MODE_CLI, "maintenance live-migrate", "live-migrate",
	    NULL, 0);
	accept_choice(MODE_CLI, "maintenance reboot reboot", "reboot",
	    CHOICE_REBOOT, 0);
	accept_choice(MODE_MENU, "maintenance", "", NULL, 0);
	accept_choice(MODE_MENU, "10", "", NULL, 0);
	accept_choice(MODE_MENU, "10 web2 reboot", "web2", CHOICE_REBOOT, 0);
	accept_choice(MODE_MENU, "maintenance web2 live-migrate", "web2",
	    CHOICE_MIGRATE, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refuse(MODE_CLI, bad[i], HERR_USAGE, NULL);
		refuse(MODE_MENU, bad[i], HERR_USAGE, NULL);
	}
	/* no VPS on the command line (the menu has its own) */
	refuse(MODE_CLI, "maintenance", HERR_USAGE, NULL);
	refuse(MODE_CLI, "maintenance --json", HERR_USAGE, NULL);
	accept_choice(MODE_MENU, "maintenance --json", "", NULL, 1);
	refuse(MODE_CLI, "maintenance web1 sometimes", HERR_USAGE,
	    "usage: maintenance VPS [live-migrate|reboot|window-N] [--json]");
	refuse_n(MODE_CLI, "maintenance web1 reb\0oot", 24, HERR_USAGE, NULL);
	refuse_n(MODE_CLI, "maintenance web1 reboot\0", 24, HERR_USAGE, NULL);
	/* the menu's answer to its question: the same exact words */
	assert_string_equal(cmd_choice("reboot", 6), CHOICE_REBOOT);
	assert_string_equal(cmd_choice("live-migrate", 12), CHOICE_MIGRATE);
	assert_null(cmd_choice("reboot ", 7));
	assert_null(cmd_choice(" reboot", 7));
	assert_null(cmd_choice("reboot\0", 7));
	assert_null(cmd_choice("reboo", 5));
	assert_null(cmd_choice("Reboot", 6));
	assert_null(cmd_choice("live-migrate\r", 13));
	assert_null(cmd_choice("live", 4));
	assert_null(cmd_choice("", 0));
	/* the choices are no commands */
	refuse(MODE_CLI, "live-migrate web1", HERR_USAGE,
	    "unknown command; type 'help' for help");
	refuse(MODE_MENU, "live-migrate", HERR_USAGE,
	    "unknown command; type ? for help");
}

/* The table itself: the rules the parser and the man page rely on. */
static void
test_table(void **state)
{
	const struct cmd *c, *d;
	int n = 0, i;

	(void)state;
	for (c = console_cmds; c->name != NULL; c++) {
		assert_true(str_is_name(c->name));
		assert_non_null(c->usage);
		assert_non_null(c->help);
		if (!(c->flags & CMD_HIDDEN))
			assert_non_null(c->fn);
		if (c->flags & CMD_VPS)
			assert_memory_equal(c->usage, "VPS", 3);
		for (d = c + 1; d->name != NULL; d++)
			assert_string_not_equal(c->name, d->name);
		if ((c->flags & (CMD_MENU | CMD_HIDDEN)) == CMD_MENU)
			assert_int_equal(cmd_menu_number(console_cmds, c), ++n);
		else
			assert_int_equal(cmd_menu_number(console_cmds, c), 0);
	}
	for (i = 1; i <= n; i++)
		assert_non_null(cmd_menu_row(console_cmds, i));
	assert_null(cmd_menu_row(console_cmds, n + 1));
	assert_null(cmd_menu_row(console_cmds, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_unknown_commands),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_bad_force_after),
		cmocka_unit_test(test_no_such_vps),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_menu),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
