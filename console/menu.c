/*
 * menu: the interactive session, when sshd gives no command.  With
 * several VPSes the customer first picks one; then every numbered row of
 * the table acts on it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/console.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

/* Ctrl-C at a prompt: the session ends as at the end of input. */
static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
console_read_line(FILE *in, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	if (interrupted)
		return -1;
	while ((c = getc(in)) != EOF && c != '\n') {
		if (n < size - 1)
			buf[n] = (char)c;
		n++;
	}
	if (interrupted || (c == EOF && n == 0))
		return -1;
	if (n > size - 1)
		n = size - 1;
	else if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

void
console_error(struct console *cs, const struct herr *e)
{
	char buf[sizeof(e->msg)];
	FILE *f = cs->mode == MODE_MENU ? cs->out : stderr;

	str_sanitize(buf, sizeof(buf), e->msg);
	fprintf(f, "hangar-console: %s\n", buf);
	fflush(f);
}

static void
prompt(struct console *cs, const char *text)
{
	fprintf(cs->out, "%s", text);
	fflush(cs->out);
}

/* The names of the VPSes in list; an array the caller frees. */
static const char **
list_names(json_object *list, size_t *n)
{
	const char **names;
	json_object *v;
	size_t i;

	*n = json_object_array_length(list);
	names = xcalloc(*n + 1, sizeof(*names));
	for (i = 0; i < *n; i++) {
		if (json_object_object_get_ex(json_object_array_get_idx(list, i),
		    "name", &v) && json_object_is_type(v, json_type_string))
			names[i] = json_object_get_string(v);
		else
			names[i] = "";
	}
	return names;
}

/*
 * Chooses cs->vps: the only one, or the one the customer picks.
 * Returns 0 when chosen, 1 to leave, -1 on error.
 */
static int
pick_vps(struct console *cs)
{
	char buf[CMD_MAX_INPUT + 2];
	struct cmd_req req = { 0 };
	const char **names = NULL;
	json_object *list;
	struct herr e;
	size_t n, len, idx;
	int rc = 1;

	if ((list = console_guests(cs, &e)) == NULL) {
		console_error(cs, &e);
		return -1;
	}
	names = list_names(list, &n);
	if (n == 0) {
		fprintf(cs->out, "You have no VPS yet.\n");
		goto out;
	}
	if (n == 1) {
		str_copy(cs->vps, names[0], sizeof(cs->vps));
		rc = 0;
		goto out;
	}
	act_list(cs, &req, &e);
	for (;;) {
		prompt(cs, "Pick a VPS by number or name (? for help): ");
		if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1)
			goto out;
		if ((strcmp(buf, "exit") == 0 || strcmp(buf, "quit") == 0 ||
		    strcmp(buf, "q") == 0) && len == strlen(buf))
			goto out;
		if ((strcmp(buf, "?") == 0 || strcmp(buf, "help") == 0) &&
		    len == strlen(buf)) {
			fprintf(cs->out, "Type the number or the name of a VPS "
			    "from the list, 'list' to see it again, or 'exit' "
			    "(or 'quit', 'q') to leave.\n");
			continue;
		}
		if (strcmp(buf, "list") == 0 && len == 4) {
			act_list(cs, &req, &e);
			continue;
		}
		if (len == 0)
			continue;
		if (cmd_pick(names, n, buf, len, &idx, &e) == 0) {
			str_copy(cs->vps, names[idx], sizeof(cs->vps));
			rc = 0;
			goto out;
		}
		console_error(cs, &e);
	}
out:
	free(names);
	json_object_put(list);
	return rc;
}

static void
show_menu(struct console *cs)
{
	char name[128];

	str_sanitize(name, sizeof(name), cs->vps);
	fprintf(cs->out, "\nVPS %s:\n", name);
	console_header_incident(cs);
	console_help(cs);
}

/* hangard went away (a restart?): one new connection, or give up. */
static int
reconnect(struct console *cs)
{
	struct rpc_client *rc;
	struct herr e;

	if ((rc = console_connect(cs->sockpath, &e)) == NULL) {
		console_error(cs, &e);
		return -1;
	}
	rpc_close(cs->rpc);
	cs->rpc = rc;
	fprintf(cs->out, "Connected to hangard again; try once more.\n");
	return 0;
}

int
menu_run(struct console *cs)
{
	char buf[CMD_MAX_INPUT + 2], name[128], p[160];
	struct cmd_req req;
	struct herr e;
	struct sigaction sa;
	size_t len;

	/* no SA_RESTART: a read at a prompt returns, and the session ends */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	str_sanitize(name, sizeof(name), rpc_customer(cs->rpc));
	fprintf(cs->out, "hangar console for %s. Type ? for help.\n", name);
	cs->repick = 1;
	while (!cs->quit) {
		if (cs->repick) {
			cs->repick = 0;
			if (pick_vps(cs) != 0)
				break;
			show_menu(cs);
		}
		str_sanitize(name, sizeof(name), cs->vps);
		snprintf(p, sizeof(p), "%s> ", name);
		prompt(cs, p);
		if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1)
			break;
		herr_clear(&e);
		if (cmd_parse(console_cmds, MODE_MENU, buf, len, &req,
		    &e) == -1) {
			console_error(cs, &e);
			continue;
		}
		if (req.cmd == NULL)
			continue;
		if (req.cmd->fn(cs, &req, &e) == -1) {
			console_error(cs, &e);
			if (e.code == HERR_UNREACHABLE && reconnect(cs) == -1)
				return herr_exit_status(HERR_UNREACHABLE);
		}
		fflush(cs->out);
	}
	fprintf(cs->out, "%sBye.\n", interrupted ? "\n" : "");
	return 0;
}
