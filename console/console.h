/*
 * hangar-console: the customer's restricted shell, reached through
 * sshd's ForceCommand.  See hangar-console(8).
 *
 * Every action is one row of console_cmds[] (table.c), shared by the
 * interactive menu and by non-interactive use (SSH_ORIGINAL_COMMAND).
 * Input is matched like git-shell does it: split on spaces only, no
 * quoting, words from [a-z0-9-], exact matches against the table, the
 * table's own flags and nothing else that starts with '-', and at most
 * CMD_MAX_INPUT bytes.  parse.c is pure code: unit-tested and fuzzed.
 */
#ifndef HANGAR_CONSOLE_H
#define HANGAR_CONSOLE_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "lib/herr.h"
#include "rpc/client.h"

#define CMD_MAX_INPUT	256	/* bytes in one command line */
#define CMD_MAX_WORDS	8
#define CMD_NAME_MAX	63	/* a VPS name, as str_is_name() */
#define CMD_FORCE_MAX	3600	/* --force-after, seconds */
#define NO_SUCH_VPS	"no such VPS"	/* hangard's answer, word for word */

/* Row flags */
#define CMD_CLI		0x01	/* a non-interactive command */
#define CMD_MENU	0x02	/* numbered in the VPS menu */
#define CMD_WORD	0x04	/* accepted by name in the menu, not numbered */
#define CMD_VPS		0x08	/* acts on one VPS (named, or the menu's) */
#define CMD_JSON	0x10	/* takes --json */
#define CMD_FORCE	0x20	/* takes --force-after SECONDS */
#define CMD_HIDDEN	0x40	/* not offered or accepted (not ready yet) */
#define CMD_TAKE	0x80	/* takes --force (take a console over) */
#define CMD_IMAGE	0x100	/* takes an image name after the VPS */
#define CMD_CHOICE	0x200	/* takes a maintenance choice after the VPS */
#define CMD_ALIAS	0x400	/* another name of the row above: accepted,
				   not listed by help */

/* The choices CMD_CHOICE takes, word for word as hangard spells them. */
#define CHOICE_MIGRATE	"live-migrate"
#define CHOICE_REBOOT	"reboot"
#define CHOICE_WINDOW	"window-"	/* + 1..16: reboot in that window */

enum cmd_mode { MODE_CLI, MODE_MENU };

struct console;
struct cmd_req;

typedef int (*cmd_fn)(struct console *, const struct cmd_req *,
    struct herr *);

struct cmd {
	const char	*name;
	cmd_fn		 fn;
	int		 flags;
	const char	*usage;		/* the arguments, after the name */
	const char	*help;		/* one line */
};

/* A parsed command line. */
struct cmd_req {
	const struct cmd *cmd;		/* NULL: empty line */
	char		 vps[CMD_NAME_MAX + 1];	/* "" if none was given */
	int		 json;
	int		 force;		/* --force */
	int		 force_after;	/* -1 when not given */
	char		 image[CMD_NAME_MAX + 1];	/* CMD_IMAGE, or "" */
	const char	*choice;	/* CMD_CHOICE: CHOICE_*, static; or NULL */
};

/* The table, ended by a NULL name. */
extern const struct cmd console_cmds[];

/*
 * Parses one line of len bytes (no newline) against table.  In
 * MODE_MENU a number picks the n-th CMD_MENU row and "?" means help.
 * Fails with HERR_USAGE (unknown command, bad flags, too long, ...) or
 * HERR_NOTFOUND with NO_SUCH_VPS when the VPS word cannot be a name:
 * the same answer hangard gives for a name that is not the caller's.
 * An empty line succeeds with req->cmd NULL.
 */
int	cmd_parse(const struct cmd *table, enum cmd_mode mode, const char *line,
	    size_t len, struct cmd_req *req, struct herr *e);
/*
 * Picks one of n VPS names by number (1..n) or exact name; *idx is set.
 * Anything else fails with HERR_NOTFOUND and NO_SUCH_VPS.
 */
int	cmd_pick(const char *const *names, size_t n, const char *line,
	    size_t len, size_t *idx, struct herr *e);
/*
 * The CHOICE_* (static) that the len bytes at s spell exactly, or NULL:
 * no prefix, no case folding, no byte more.
 */
const char *cmd_choice(const char *s, size_t len);
/* The n-th (1-based) CMD_MENU row of table, or NULL. */
const struct cmd *cmd_menu_row(const struct cmd *table, int n);
/* The menu number of row, or 0. */
int	cmd_menu_number(const struct cmd *table, const struct cmd *row);

/* The state of one console session. */
struct console {
	struct rpc_client	*rpc;
	const char		*sockpath;	/* for the serial relay */
	FILE			*in;		/* menu: the customer's input */
	FILE			*out;
	enum cmd_mode		 mode;
	char			 vps[CMD_NAME_MAX + 1];	/* menu: selected */
	int			 quit;		/* menu: leave */
	int			 repick;	/* menu: choose another VPS */
};

/* actions.c: the handlers named in the table. */
int	act_list(struct console *, const struct cmd_req *, struct herr *);
int	act_status(struct console *, const struct cmd_req *, struct herr *);
int	act_start(struct console *, const struct cmd_req *, struct herr *);
int	act_shutdown(struct console *, const struct cmd_req *, struct herr *);
int	act_destroy(struct console *, const struct cmd_req *, struct herr *);
int	act_reboot(struct console *, const struct cmd_req *, struct herr *);
int	act_console(struct console *, const struct cmd_req *, struct herr *);
int	act_logview(struct console *, const struct cmd_req *, struct herr *);
int	act_help(struct console *, const struct cmd_req *, struct herr *);
int	act_pick(struct console *, const struct cmd_req *, struct herr *);
int	act_exit(struct console *, const struct cmd_req *, struct herr *);
int	act_install(struct console *, const struct cmd_req *, struct herr *);
int	act_rescue(struct console *, const struct cmd_req *, struct herr *);
int	act_images(struct console *, const struct cmd_req *, struct herr *);
int	act_maintenance(struct console *, const struct cmd_req *,
	    struct herr *);

/* Connects to hangard as a customer (operators have hangar(8)). */
struct rpc_client	*console_connect(const char *sockpath, struct herr *e);
/* The menu's header line about an ongoing incident on cs->vps, if any. */
void	console_header_incident(struct console *cs);
/* Prints the help for mode (the table's usage and help lines). */
void	console_help(struct console *cs);
/* Fetches the caller's VPSes (guest.list); a new reference. */
json_object	*console_guests(struct console *cs, struct herr *e);
/* Prints text with control characters replaced, then a newline. */
void	console_puts(struct console *cs, const char *text);
/* Prints o as JSON with every string (keys too) sanitized. */
void	console_print_json(struct console *cs, json_object *o);
/* Prints log text line by line (a trailing '\r' dropped), sanitized. */
void	console_print_log(struct console *cs, const char *text);

/*
 * menu.c: reads one line (without '\n' or a trailing '\r') into buf
 * (size > CMD_MAX_INPUT + 1); *len is its length, capped at size - 1 so a
 * longer line is still seen as too long.  -1 at end of input, and from
 * Ctrl-C on (SIGINT, caught by menu_run): the session then ends.
 */
int	console_read_line(FILE *in, char *buf, size_t size, size_t *len);
/* Prints e's message, sanitized, where the session shows errors. */
void	console_error(struct console *cs, const struct herr *e);
/* The interactive session; returns the exit status. */
int	menu_run(struct console *cs);

/*
 * relay.c: the serial console's byte relay.  The escape filter looks at
 * what the customer types: "~." at the start of a line, or Ctrl-]
 * anywhere, leaves; "~~" sends one '~'.  Every other byte passes
 * unchanged, both ways (8-bit clean).
 */
#define ESC_CTRL_BRACKET	0x1d

struct esc {
	int	line_start;	/* the next byte starts a line */
	int	tilde;		/* a '~' at line start is held back */
};

void	esc_init(struct esc *es);
/*
 * Filters n input bytes into out (room for n + 1 bytes); *outn is set.
 * Returns 1 when the customer asked to leave (out holds what came
 * before), else 0.
 */
int	esc_feed(struct esc *es, const unsigned char *in, size_t n,
	    unsigned char *out, size_t *outn);
/*
 * Relays between the customer (in, out) and hangard (sock) until the
 * customer leaves (0), in reaches EOF (0), or hangard ends the relay
 * (-1, e set).  head/headlen: relay bytes already read with the reply.
 */
int	relay_run(int in, int out, int sock, const void *head, size_t headlen,
	    struct herr *e);

/*
 * attach.c: opens a connection of its own to hangard, says hello and
 * asks for console.attach on name (force: take it over from whoever
 * holds it); on success *fd is the relay and *head (caller frees) holds
 * bytes that came after the reply line.
 */
int	attach_open(const char *sockpath, const char *name, int force, int *fd,
	    char **head, size_t *headlen, struct herr *e);

#endif
