/*
 * libFuzzer target: the console's command parser (both modes) and the
 * VPS picker.  Whatever the bytes, an accepted line names a visible row
 * allowed in its mode, a VPS that is a well-formed name, flags the row
 * takes and a maintenance choice only where the row takes one; a refusal
 * is a usage error or exactly "no such VPS".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console/console.h"
#include "lib/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(enum cmd_mode mode, const char *line, size_t len)
{
	struct cmd_req req;
	struct herr e;

	herr_clear(&e);
	if (cmd_parse(console_cmds, mode, line, len, &req, &e) == -1) {
		/* image names are the public catalog's: they may be named */
		if (e.code == HERR_NOTFOUND && strcmp(e.msg, NO_SUCH_VPS) != 0 &&
		    strcmp(e.msg, "no such image") != 0)
			abort();
		if (e.code != HERR_NOTFOUND && e.code != HERR_USAGE)
			abort();
		if (req.cmd != NULL || req.vps[0] != '\0')
			abort();
		return;
	}
	if (len > CMD_MAX_INPUT)
		abort();
	if (req.cmd == NULL)
		return;
	if (req.cmd->flags & CMD_HIDDEN || req.cmd->fn == NULL)
		abort();
	if (mode == MODE_CLI && !(req.cmd->flags & CMD_CLI))
		abort();
	if (req.vps[0] != '\0' && (!str_is_name(req.vps) ||
	    !(req.cmd->flags & CMD_VPS)))
		abort();
	if (mode == MODE_CLI && (req.cmd->flags & CMD_VPS) &&
	    req.vps[0] == '\0')
		abort();
	if (req.json && !(req.cmd->flags & CMD_JSON))
		abort();
	/* a choice: this row's, after a VPS, one of the two words as typed */
	if (req.choice != NULL && (!(req.cmd->flags & CMD_CHOICE) ||
	    req.vps[0] == '\0' || (strcmp(req.choice, CHOICE_MIGRATE) != 0 &&
	    strcmp(req.choice, CHOICE_REBOOT) != 0 &&
	    strncmp(req.choice, CHOICE_WINDOW, strlen(CHOICE_WINDOW)) != 0) ||
	    memmem(line, len, req.choice, strlen(req.choice)) == NULL))
		abort();
	if (req.force_after != -1 && (!(req.cmd->flags & CMD_FORCE) ||
	    req.force_after < 0 || req.force_after > CMD_FORCE_MAX))
		abort();
	/* a VPS name the customer typed is always in the line as such */
	if (req.vps[0] != '\0' && memmem(line, len, req.vps,
	    strlen(req.vps)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "web1", "db1", "a" };
	const char *line = (const char *)data;
	struct herr e;
	size_t idx;

	check(MODE_CLI, line, size);
	check(MODE_MENU, line, size);
	if (cmd_pick(names, 3, line, size, &idx, &e) == 0 && idx >= 3)
		abort();
	return 0;
}
