/*
 * hangar-console: what `ssh customer@console-host` runs (sshd's
 * ForceCommand).  See hangar-console(8).
 *
 * Who the customer is, is decided by hangard from the socket's peer
 * credentials; this program only relays what the customer typed, after
 * checking it against the command table.  It reads no environment but
 * SSH_ORIGINAL_COMMAND: the socket comes from the command line that
 * ForceCommand wrote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/console.h"
#include "lib/str.h"

#define DEFAULT_SOCKET	"/var/lib/hangar/hangard.sock"

static void
usage(void)
{
	fprintf(stderr, "usage: hangar-console [-S socket] [-c command]\n");
	exit(2);
}

/* Runs one command line non-interactively; returns the exit status. */
static int
run_command(struct console *cs, const char *sock, const char *line)
{
	struct cmd_req req;
	struct herr e;

	herr_clear(&e);
	if (cmd_parse(console_cmds, MODE_CLI, line, strlen(line), &req,
	    &e) == -1 || (req.cmd == NULL && herr_set(&e, HERR_USAGE,
	    "no command; type 'help'") == -1)) {
		console_error(cs, &e);
		return herr_exit_status(e.code);
	}
	if (req.cmd->fn == act_help) {
		console_help(cs);
		return 0;
	}
	if ((cs->rpc = console_connect(sock, &e)) == NULL) {
		console_error(cs, &e);
		return herr_exit_status(e.code);
	}
	if (req.cmd->fn(cs, &req, &e) == -1) {
		console_error(cs, &e);
		return herr_exit_status(e.code);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct console cs;
	struct herr e;
	const char *sock = DEFAULT_SOCKET, *cmd = NULL;
	int ch, rc;

	while ((ch = getopt(argc, argv, "S:c:")) != -1) {
		switch (ch) {
		case 'S':
			sock = optarg;
			break;
		case 'c':
			cmd = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (cmd == NULL)
		cmd = getenv("SSH_ORIGINAL_COMMAND");
	memset(&cs, 0, sizeof(cs));
	cs.in = stdin;
	cs.sockpath = sock;
	cs.out = stdout;
	if (cmd != NULL && cmd[0] != '\0') {
		cs.mode = MODE_CLI;
		rc = run_command(&cs, sock, cmd);
	} else {
		cs.mode = MODE_MENU;
		/* no read-ahead: the console relay reads fd 0 directly */
		setvbuf(stdin, NULL, _IONBF, 0);
		if ((cs.rpc = console_connect(sock, &e)) == NULL) {
			console_error(&cs, &e);
			return herr_exit_status(e.code);
		}
		rc = menu_run(&cs);
	}
	rpc_close(cs.rpc);
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = rc ? rc : 1;
	return rc;
}
