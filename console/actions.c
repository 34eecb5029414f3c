/*
 * actions: the handlers of the console's table.  Each one makes the
 * hangard calls for one action and prints the outcome; every string that
 * came from hangard (names, states, log text) goes through str_sanitize.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/console.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define DEFAULT_FORCE_AFTER	60	/* menu: seconds before force off */

void
console_puts(struct console *cs, const char *text)
{
	char buf[1024];

	str_sanitize(buf, sizeof(buf), text);
	fprintf(cs->out, "%s\n", buf);
}

static const char *
gs(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int64_t
gi(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	return json_object_get_int64(v);
}

/* A copy of o with every string (keys too) sanitized; a new reference. */
static json_object *
json_sanitized(json_object *o)
{
	char buf[4096];
	json_object *r;
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		str_sanitize(buf, sizeof(buf), json_object_get_string(o));
		return json_object_new_string(buf);
	case json_type_array:
		n = json_object_array_length(o);
		r = json_object_new_array_ext((int)n);
		for (i = 0; i < n; i++)
			json_object_array_add(r,
			    json_sanitized(json_object_array_get_idx(o, i)));
		return r;
	case json_type_object:
		r = json_object_new_object();
		json_object_object_foreach(o, k, v) {
			str_sanitize(buf, sizeof(buf), k);
			json_object_object_add(r, buf, json_sanitized(v));
		}
		return r;
	default:
		return json_object_get(o);
	}
}

void
console_print_json(struct console *cs, json_object *o)
{
	json_object *s = json_sanitized(o);

	fprintf(cs->out, "%s\n", json_object_to_json_string_ext(s,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(s);
}

/* Uptime as hangar(8) prints it; "-" for a VPS that is not running. */
static const char *
fmt_uptime(char *buf, size_t size, json_object *g)
{
	if (strcmp(gs(g, "state"), "running") != 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	return str_fmt_uptime(buf, size, gi(g, "uptime_s"));
}

/* The VPS a request acts on: the one it names, else the menu's. */
static const char *
target(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	if (req->vps[0] != '\0')
		return req->vps;
	if (cs->vps[0] != '\0')
		return cs->vps;
	herr_set(e, HERR_USAGE, "usage: %s %s", req->cmd->name,
	    req->cmd->usage);
	return NULL;
}

static json_object *
name_params(const char *name)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "name", json_object_new_string(name));
	return p;
}

struct rpc_client *
console_connect(const char *sockpath, struct herr *e)
{
	struct rpc_client *rc;

	if ((rc = rpc_connect(sockpath, e)) == NULL)
		return NULL;
	if (strcmp(rpc_role(rc), "customer") != 0) {
		rpc_close(rc);
		herr_set(e, HERR_PERM, "hangar-console is for customers; "
		    "operators use hangar(8)");
		return NULL;
	}
	return rc;
}

json_object *
console_guests(struct console *cs, struct herr *e)
{
	json_object *res = NULL;

	if (rpc_call(cs->rpc, "guest.list", NULL, &res, e) == -1)
		return NULL;
	if (!json_object_is_type(res, json_type_array)) {
		json_object_put(res);
		herr_set(e, HERR_PROTO, "hangard sent no list");
		return NULL;
	}
	return res;
}

int
act_list(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	char up[32], line[512], name[128], state[64], plan[128], host[128];
	json_object *res, *g;
	size_t i, n;

	if ((res = console_guests(cs, e)) == NULL)
		return -1;
	n = json_object_array_length(res);
	if (req->json)
		console_print_json(cs, res);
	else if (n == 0)
		fprintf(cs->out, "You have no VPS yet.\n");
	else {
		fprintf(cs->out, "%-3s %-24s %-10s %-12s %-16s %s\n", "#",
		    "NAME", "STATE", "PLAN", "HOST", "UPTIME");
		for (i = 0; i < n; i++) {
			g = json_object_array_get_idx(res, i);
			str_sanitize(name, sizeof(name), gs(g, "name"));
			str_sanitize(state, sizeof(state), gs(g, "state"));
			str_sanitize(plan, sizeof(plan), gs(g, "plan"));
			str_sanitize(host, sizeof(host), gs(g, "host"));
			snprintf(line, sizeof(line), "%-3zu %-24s %-10s %-12s "
			    "%-16s %s", i + 1, name, state, plan, host,
			    fmt_uptime(up, sizeof(up), g));
			/* an ongoing incident: status VPS tells more */
			if (gi(g, "incident") > 0)
				fprintf(cs->out, "%s  ! incident %" PRId64 "\n",
				    line, gi(g, "incident"));
			else
				fprintf(cs->out, "%s\n", line);
		}
	}
	json_object_put(res);
	return 0;
}

static int
show(struct console *cs, const char *name, json_object **res, struct herr *e)
{
	return rpc_call(cs->rpc, "guest.show", name_params(name), res, e);
}

/* "a new host server with SSDs", from a move's target_disk. */
static const char *
new_host(json_object *m)
{
	return strcmp(gs(m, "target_disk"), "ssd") == 0 ? "a new host server "
	    "with SSDs" : strcmp(gs(m, "target_disk"), "hdd") == 0 ? "a new "
	    "host server with HDDs" : "a new host server";
}

/* What the maintenance is for: its advisories, or a move. */
static void
maint_what(json_object *m, char *buf, size_t size)
{
	if (gs(m, "advisories")[0] != '\0')
		str_sanitize(buf, size, gs(m, "advisories"));
	else
		snprintf(buf, size, "a move to %s", new_host(m));
}

/*
 * A roll-forward cycle: the VPS moves to a patched host and stays there
 * (where, customers are told only as "a newer host in the same place").
 */
static int
rolls(json_object *m)
{
	return strcmp(gs(m, "roll"), "forward") == 0;
}

/* What happens to it in a roll forward, for status (short) or notice. */
static void
roll_happens(struct console *cs, json_object *m, int notice)
{
	const char *pre = notice ? "  happens:   " : "         ";
	const char *in = notice ? "             " : "         ";
	int64_t moves = gi(m, "moves");

	if (strcmp(gs(m, "action"), CHOICE_MIGRATE) == 0 && moves <= 1)
		fprintf(cs->out, "%slive-migrated once to a newer host in the "
		    "same place, where it\n%sstays: it keeps running, with a "
		    "single pause under a second\n", pre, in);
	else if (strcmp(gs(m, "action"), CHOICE_MIGRATE) == 0)
		fprintf(cs->out, "%slive-migrated to a newer host in the same "
		    "place, where it stays:\n%sit keeps running, with a pause "
		    "under a second each of %" PRId64 " times\n", pre, in,
		    moves);
	else if (moves > 0)
		fprintf(cs->out, "%smoved to a newer host in the same place, "
		    "where it stays, and\n%sshut down cleanly while that host "
		    "reboots; about %" PRId64 " minutes\n%sof downtime\n", pre,
		    in, (gi(m, "downtime_s") + 59) / 60, in);
	else
		fprintf(cs->out, "%sreboot: shut down cleanly while its host "
		    "reboots and started\n%sagain; about %" PRId64 " minutes of "
		    "downtime\n", pre, in, (gi(m, "downtime_s") + 59) / 60);
}

/* The scheduled maintenance hangard attached to a guest.show, if any. */
static void
print_maintenance(struct console *cs, json_object *g)
{
	char adv[128], from[64], to[64];
	json_object *m;

	if (!json_object_object_get_ex(g, "maintenance", &m))
		return;
	maint_what(m, adv, sizeof(adv));
	str_sanitize(from, sizeof(from), gs(m, "window_start"));
	str_sanitize(to, sizeof(to), gs(m, "window_end"));
	fprintf(cs->out, "maintenance: %s, between %s and %s:\n", adv, from, to);
	if (rolls(m))
		roll_happens(cs, m, 0);
	else if (strcmp(gs(m, "action"), "move") == 0)
		fprintf(cs->out, "         moves to %s, live: a pause under a "
		    "second\n", new_host(m));
	else if (strcmp(gs(m, "action"), "move-offline") == 0)
		fprintf(cs->out, "         moves to %s, shut down while its "
		    "disk is copied; about %" PRId64 " minutes of downtime\n",
		    new_host(m), (gi(m, "downtime_s") + 59) / 60);
	else if (strcmp(gs(m, "action"), CHOICE_MIGRATE) == 0)
		fprintf(cs->out, "         live-migrated away and back; a pause "
		    "under a second each time\n");
	else
		fprintf(cs->out, "         shut down while its host reboots; "
		    "about %" PRId64 " minutes of downtime\n",
		    (gi(m, "downtime_s") + 59) / 60);
	str_sanitize(adv, sizeof(adv), gs(g, "name"));
	fprintf(cs->out, "         %s; details: maintenance %s\n",
	    gs(m, "chosen")[0] != '\0' ? "as you chose" : "as planned", adv);
}

/* The ongoing incident hangard attached to a guest.show, if any. */
static void
print_incident(struct console *cs, json_object *g, const char *indent)
{
	char title[300], since[64], vps[64], down[64];
	json_object *m;

	if (!json_object_object_get_ex(g, "incident", &m))
		return;
	str_sanitize(title, sizeof(title), gs(m, "title"));
	str_sanitize(since, sizeof(since), gs(m, "since"));
	str_sanitize(vps, sizeof(vps), gs(m, "vps"));
	str_sanitize(down, sizeof(down), gs(m, "down_since"));
	fprintf(cs->out, "%sincident: %" PRId64 ", %s, since %s\n", indent,
	    gi(m, "id"), title, since);
	if (strcmp(vps, "down") == 0)
		fprintf(cs->out, "%s          this VPS is down since %s; we "
		    "are on it and will mail you\n", indent, down);
	else
		fprintf(cs->out, "%s          this VPS: %s\n", indent, vps);
}

/* The menu's header: an incident on the VPS, in one or two lines. */
void
console_header_incident(struct console *cs)
{
	json_object *g = NULL;
	struct herr e;

	herr_clear(&e);
	if (cs->vps[0] == '\0' || show(cs, cs->vps, &g, &e) == -1)
		return;
	print_incident(cs, g, "  ! ");
	json_object_put(g);
}

int
act_status(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	char a[128], b[128], up[32], ram[32], disk[32];
	const char *name;
	json_object *g;

	if ((name = target(cs, req, e)) == NULL || show(cs, name, &g, e) == -1)
		return -1;
	if (req->json) {
		console_print_json(cs, g);
		json_object_put(g);
		return 0;
	}
	str_sanitize(a, sizeof(a), gs(g, "name"));
	str_sanitize(b, sizeof(b), gs(g, "state"));
	fprintf(cs->out, "VPS:     %s\nstate:   %s\nuptime:  %s\n", a, b,
	    fmt_uptime(up, sizeof(up), g));
	str_sanitize(a, sizeof(a), gs(g, "plan"));
	str_fmt_mib(ram, sizeof(ram), (uint64_t)gi(g, "ram_mib"));
	str_fmt_mib(disk, sizeof(disk), (uint64_t)gi(g, "disk_mib"));
	fprintf(cs->out, "plan:    %s (%" PRId64 " vCPU, %s RAM, %s disk)\n",
	    a, gi(g, "vcpus"), ram, disk);
	str_sanitize(a, sizeof(a), gs(g, "host"));
	fprintf(cs->out, "host:    %s\n", a);
	print_maintenance(cs, g);
	print_incident(cs, g, "");
	json_object_put(g);
	return 0;
}

/* Calls a power method and prints "NAME: STATE" from the reply. */
static int
power(struct console *cs, const struct cmd_req *req, const char *method,
    int force_after, struct herr *e)
{
	char a[128], b[64];
	const char *name;
	json_object *p, *g = NULL;

	if ((name = target(cs, req, e)) == NULL)
		return -1;
	p = name_params(name);
	if (force_after > 0)
		json_object_object_add(p, "force_after",
		    json_object_new_int(force_after));
	if (rpc_call(cs->rpc, method, p, &g, e) == -1)
		return -1;
	str_sanitize(a, sizeof(a), gs(g, "name"));
	str_sanitize(b, sizeof(b), gs(g, "state"));
	fprintf(cs->out, "%s: %s\n", a, b);
	json_object_put(g);
	return 0;
}

int
act_start(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	return power(cs, req, "guest.start", 0, e);
}

/* Menu: asks how long to wait before forcing off; -1 on EOF. */
static int
ask_force_after(struct console *cs)
{
	char buf[CMD_MAX_INPUT + 2];
	long long v;
	size_t len;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		fprintf(cs->out, "Force off if it is still running after how "
		    "many seconds? [%d; 0 = never] ", DEFAULT_FORCE_AFTER);
		fflush(cs->out);
		if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1)
			return -1;
		if (len == 0)
			return DEFAULT_FORCE_AFTER;
		if (str_parse_int(buf, 0, CMD_FORCE_MAX, &v) == 0 &&
		    buf[0] >= '0' && buf[0] <= '9')
			return (int)v;
		fprintf(cs->out, "Give a number of seconds, 0 to %d.\n",
		    CMD_FORCE_MAX);
	}
	return -1;
}

int
act_shutdown(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	const char *name;
	json_object *g;
	int fa = req->force_after;

	/* a VPS that is not ours is answered before anything is asked */
	if ((name = target(cs, req, e)) == NULL || show(cs, name, &g, e) == -1)
		return -1;
	json_object_put(g);
	if (cs->mode == MODE_MENU) {
		if (fa == -1 && (fa = ask_force_after(cs)) == -1)
			return herr_set(e, HERR_USAGE, "shutdown cancelled");
		if (fa > 0)
			fprintf(cs->out, "Shutting down (ACPI); forcing off "
			    "after %d s...\n", fa);
		else
			fprintf(cs->out, "Asking the VPS to shut down "
			    "(ACPI)...\n");
		fflush(cs->out);
	}
	return power(cs, req, "guest.shutdown", fa, e);
}

int
act_destroy(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	return power(cs, req, "guest.destroy", 0, e);
}

int
act_reboot(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	return power(cs, req, "guest.reboot", 0, e);
}

/*
 * A console method: the VPS is looked up first so that every miss gives
 * hangard's one "no such VPS", whatever the console methods answer.
 */
static int
console_method(struct console *cs, const struct cmd_req *req,
    const char *method, const char *what, json_object **res, struct herr *e)
{
	const char *name;
	json_object *g;
	struct herr e2;

	if ((name = target(cs, req, e)) == NULL || show(cs, name, &g, e) == -1)
		return -1;
	json_object_put(g);
	if (rpc_call(cs->rpc, method, name_params(name), res, &e2) == 0)
		return 0;
	if (e2.code == HERR_USAGE || e2.code == HERR_PROTO)
		e2.code = HERR_INTERNAL;	/* an older hangard: not ours */
	return herr_set(e, e2.code, "%s: hangard refused: %s", what, e2.msg);
}

/* Menu: a yes/no question; 0 unless the answer is "y" or "yes". */
static int
ask_yes(struct console *cs, const char *question)
{
	char buf[CMD_MAX_INPUT + 2];
	size_t len;

	fprintf(cs->out, "%s [y/N] ", question);
	fflush(cs->out);
	if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1)
		return 0;
	return strcmp(buf, "y") == 0 || strcmp(buf, "yes") == 0;
}

int
act_console(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	char vis[128], *head = NULL;
	const char *name;
	json_object *g;
	struct herr e2;
	size_t headlen;
	int fd, rc, force = req->force;

	if ((name = target(cs, req, e)) == NULL || show(cs, name, &g, e) == -1)
		return -1;
	json_object_put(g);
	str_sanitize(vis, sizeof(vis), name);
	while (attach_open(cs->sockpath, name, force, &fd, &head, &headlen,
	    &e2) == -1) {
		/* held by another session: hangard says who and since when */
		if (e2.code == HERR_STATE && !force && cs->mode == MODE_MENU) {
			console_error(cs, &e2);
			if (!ask_yes(cs, "Take the console over?"))
				return herr_set(e, HERR_STATE, "serial console: "
				    "left to the other session");
			force = 1;
			continue;
		}
		if (e2.code == HERR_USAGE || e2.code == HERR_PROTO)
			e2.code = HERR_INTERNAL;	/* an older hangard */
		return herr_set(e, e2.code, "serial console: hangard refused: "
		    "%s%s", e2.msg, e2.code == HERR_STATE && !force &&
		    cs->mode == MODE_CLI ? " (console VPS --force)" : "");
	}
	fprintf(cs->out, "Serial console of %s. Leave with ~. at the start of "
	    "a line (~~. through ssh), or Ctrl-].\r\n", vis);
	fflush(cs->out);
	rc = relay_run(STDIN_FILENO, fileno(cs->out), fd, head, headlen, e);
	free(head);
	close(fd);
	fprintf(cs->out, "\r\nLeft the serial console of %s.\n", vis);
	return rc;
}

void
console_print_log(struct console *cs, const char *text)
{
	const char *nl;
	char *line;
	size_t n;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		n = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (n > 0 && text[n - 1] == '\r')
			line = xstrndup(text, n - 1);
		else
			line = xstrndup(text, n);
		console_puts(cs, line);
		free(line);
		text += nl != NULL ? n + 1 : n;
	}
}

int
act_logview(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	char vis[128];
	json_object *res = NULL, *v;

	if (console_method(cs, req, "console.log", "console log", &res,
	    e) == -1)
		return -1;
	if (json_object_object_get_ex(res, "text", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		console_print_log(cs, json_object_get_string(v));
	else {
		str_sanitize(vis, sizeof(vis), target(cs, req, e));
		fprintf(cs->out, "The console log of %s is empty.\n", vis);
	}
	json_object_put(res);
	return 0;
}

void
console_help(struct console *cs)
{
	const struct cmd *c;
	char words[64];
	int n;

	if (cs->mode == MODE_CLI) {
		fprintf(cs->out, "Commands (ssh HOST COMMAND):\n");
		for (c = console_cmds; c->name != NULL; c++) {
			if ((c->flags & (CMD_CLI | CMD_HIDDEN)) != CMD_CLI)
				continue;
			snprintf(words, sizeof(words), "%s %s", c->name,
			    c->usage);
			/* a long usage gets a line of its own */
			if (strlen(words) > 38)
				fprintf(cs->out, "  %s\n  %-38s %s\n", words, "",
				    c->help);
			else
				fprintf(cs->out, "  %-38s %s\n", words,
				    c->help);
		}
		fprintf(cs->out, "Without a command you get the menu.\n");
		return;
	}
	for (c = console_cmds; c->name != NULL; c++) {
		if (c->flags & (CMD_HIDDEN | CMD_ALIAS))
			continue;
		if ((n = cmd_menu_number(console_cmds, c)) > 0)
			fprintf(cs->out, "  %2d) %-11s %s\n", n, c->name,
			    c->help);
		else if (c->flags & CMD_WORD)
			fprintf(cs->out, "      %-11s %s\n", c->name, c->help);
	}
	fprintf(cs->out, "Type a number or a name, ? for this help. A VPS name "
	    "after a command\nacts on that VPS.\n");
}

int
act_help(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	console_help(cs);
	return 0;
}

int
act_pick(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	cs->repick = 1;
	return 0;
}

int
act_exit(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	cs->quit = 1;
	return 0;
}

/* ---- installers and rescue ---- */

static json_object *
catalog(struct console *cs, struct herr *e)
{
	json_object *res = NULL;

	if (rpc_call(cs->rpc, "image.list", NULL, &res, e) == -1)
		return NULL;
	if (!json_object_is_type(res, json_type_array)) {
		json_object_put(res);
		herr_set(e, HERR_PROTO, "hangard sent no list");
		return NULL;
	}
	return res;
}

static void
print_catalog(struct console *cs, json_object *arr, int rescue_only)
{
	char n[128], os[64], v[96], ser[256];
	size_t i, k = 0;

	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i), *r;
		int rescue = json_object_object_get_ex(m, "rescue", &r) &&
		    json_object_get_boolean(r);
		if (rescue_only && !rescue)
			continue;
		str_sanitize(n, sizeof(n), gs(m, "name"));
		str_sanitize(os, sizeof(os), gs(m, "os"));
		str_sanitize(v, sizeof(v), gs(m, "version"));
		str_sanitize(ser, sizeof(ser), gs(m, "serial"));
		fprintf(cs->out, "%2zu  %-20s %s %s%s\n      %s\n", ++k, n, os, v,
		    rescue ? " (rescue)" : "", ser);
	}
	if (k == 0)
		fprintf(cs->out, "The catalog is empty.\n");
}

int
act_images(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	json_object *arr = catalog(cs, e);

	if (arr == NULL)
		return -1;
	if (req->json)
		console_print_json(cs, arr);
	else
		print_catalog(cs, arr, 0);
	json_object_put(arr);
	return 0;
}

/* Menu: picks an image by number or name; 0 with out filled. */
static int
ask_image(struct console *cs, json_object *arr, char *out, size_t size,
    struct herr *e)
{
	char buf[CMD_MAX_INPUT + 2];
	const char *names[64];
	size_t len, n, idx;

	n = json_object_array_length(arr);
	if (n > 64)
		n = 64;
	for (idx = 0; idx < n; idx++)
		names[idx] = gs(json_object_array_get_idx(arr, idx), "name");
	print_catalog(cs, arr, 0);
	fprintf(cs->out, "Which image? ");
	fflush(cs->out);
	if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1 ||
	    cmd_pick(names, n, buf, len, &idx, e) == -1)
		return herr_set(e, HERR_NOTFOUND, "no such image");
	str_copy(out, names[idx], size);
	return 0;
}

/* Boots the image (method guest.install or guest.rescue), then attaches. */
static int
boot_and_attach(struct console *cs, const struct cmd_req *req,
    const char *method, const char *name, const char *image, struct herr *e)
{
	json_object *p = json_object_new_object(), *res = NULL;
	struct cmd_req creq;

	json_object_object_add(p, "name", json_object_new_string(name));
	if (image != NULL && image[0] != '\0')
		json_object_object_add(p, "image", json_object_new_string(image));
	json_object_object_add(p, "confirm", json_object_new_string(name));
	if (rpc_call(cs->rpc, method, p, &res, e) == -1)
		return -1;
	json_object_put(res);
	fprintf(cs->out, "Booted. The next boot is from the VPS's own disk "
	    "again.\n");
	fflush(cs->out);
	creq = *req;
	creq.force = 0;
	return act_console(cs, &creq, e);
}

int
act_install(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	char image[CMD_NAME_MAX + 1], buf[CMD_MAX_INPUT + 2], vis[128];
	const char *name;
	json_object *g, *arr;
	size_t len;

	if ((name = target(cs, req, e)) == NULL || show(cs, name, &g, e) == -1)
		return -1;
	json_object_put(g);
	str_copy(image, req->image, sizeof(image));
	if (cs->mode == MODE_CLI) {
		if (image[0] == '\0')
			return herr_set(e, HERR_USAGE, "usage: install VPS IMAGE "
			    "(the catalog: images)");
		return boot_and_attach(cs, req, "guest.install", name, image, e);
	}
	if (image[0] == '\0') {
		if ((arr = catalog(cs, e)) == NULL)
			return -1;
		if (json_object_array_length(arr) == 0) {
			json_object_put(arr);
			return herr_set(e, HERR_NOTFOUND, "the catalog is empty");
		}
		if (ask_image(cs, arr, image, sizeof(image), e) == -1) {
			json_object_put(arr);
			return -1;
		}
		json_object_put(arr);
	}
	str_sanitize(vis, sizeof(vis), name);
	fprintf(cs->out, "Installing an OS OVERWRITES THE DISK of %s: "
	    "everything on it will be lost.\nType the VPS name (%s) to go on: ",
	    vis, vis);
	fflush(cs->out);
	if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1 ||
	    strcmp(buf, name) != 0)
		return herr_set(e, HERR_USAGE, "install cancelled: the name did "
		    "not match");
	return boot_and_attach(cs, req, "guest.install", name, image, e);
}

int
act_rescue(struct console *cs, const struct cmd_req *req, struct herr *e)
{
	const char *name;
	json_object *g;

	if ((name = target(cs, req, e)) == NULL || show(cs, name, &g, e) == -1)
		return -1;
	json_object_put(g);
	if (cs->mode == MODE_MENU)
		fprintf(cs->out, "Booting the rescue system; your disk is "
		    "attached and left untouched.\n");
	return boot_and_attach(cs, req, "guest.rescue", name, req->image, e);
}

/* ---- maintenance: the notice, and the customer's choice ---- */

/* guest.show's "maintenance" object of g (borrowed), or NULL if none. */
static json_object *
maint_of(json_object *g)
{
	json_object *m;

	if (!json_object_object_get_ex(g, "maintenance", &m) ||
	    !json_object_is_type(m, json_type_object))
		return NULL;
	return m;
}

/* The choice the customer can make instead of m's action, or NULL. */
static const char *
maint_other(json_object *m)
{
	/* a roll forward's plan was made with the choice: it shows it */
	if (rolls(m) && gs(m, "chosen")[0] != '\0')
		return strcmp(gs(m, "action"), CHOICE_REBOOT) == 0 ?
		    CHOICE_MIGRATE : CHOICE_REBOOT;
	/* a move: live, or shut down and copied (a reboot) */
	if (strcmp(gs(m, "planned"), "move") == 0)
		return strcmp(gs(m, "action"), "move") == 0 ? CHOICE_REBOOT :
		    CHOICE_MIGRATE;
	/* planned as a reboot: no host had room, so nothing to choose */
	if (strcmp(gs(m, "planned"), CHOICE_MIGRATE) != 0)
		return NULL;
	return strcmp(gs(m, "action"), CHOICE_MIGRATE) == 0 ? CHOICE_REBOOT :
	    CHOICE_MIGRATE;
}

/*
 * The notice for VPS vis (sanitized): advisories, window, what happens
 * and whose decision it was.  In the CLI, also the command that changes
 * it; the menu asks instead.
 */
static void
print_notice(struct console *cs, const char *vis, json_object *m)
{
	char adv[128], from[64], to[64];
	const char *other;

	maint_what(m, adv, sizeof(adv));
	str_sanitize(from, sizeof(from), gs(m, "window_start"));
	str_sanitize(to, sizeof(to), gs(m, "window_end"));
	fprintf(cs->out, "Maintenance of %s for %s\n", vis, adv);
	fprintf(cs->out, "  window:    %s to %s\n", from, to);
	if (rolls(m))
		roll_happens(cs, m, 1);
	else if (strcmp(gs(m, "action"), "move") == 0)
		fprintf(cs->out, "  happens:   it moves to %s for good,\n"
		    "             live-migrated with its disk: it keeps "
		    "running, with a pause\n             under a second\n",
		    new_host(m));
	else if (strcmp(gs(m, "action"), "move-offline") == 0)
		fprintf(cs->out, "  happens:   it moves to %s for good:\n"
		    "             shut down cleanly, its disk copied there, "
		    "started again;\n             about %" PRId64 " minutes "
		    "of downtime\n", new_host(m), (gi(m, "downtime_s") + 59) /
		    60);
	else if (strcmp(gs(m, "action"), CHOICE_MIGRATE) == 0)
		fprintf(cs->out, "  happens:   live migration to another host "
		    "and back: it keeps running,\n"
		    "             with a pause under a second each time\n");
	else
		fprintf(cs->out, "  happens:   reboot: shut down cleanly while "
		    "its host reboots and started\n"
		    "             again; about %" PRId64 " minutes of "
		    "downtime\n", (gi(m, "downtime_s") + 59) / 60);
	other = maint_other(m);
	if (gs(m, "chosen")[0] != '\0')
		fprintf(cs->out, "  decided:   by you\n");
	else if (other != NULL)
		fprintf(cs->out, "  decided:   by the plan\n");
	else if (strcmp(gs(m, "planned"), "move-offline") == 0)
		fprintf(cs->out, "  decided:   by us: it is moved only shut "
		    "down\n");
	else
		fprintf(cs->out, "  decided:   by the plan: no host has room "
		    "to take it while its host\n"
		    "             reboots, so it reboots with it\n");
	if (other != NULL && cs->mode == MODE_CLI)
		fprintf(cs->out, "  change it: maintenance %s %s\n", vis, other);
	if (gi(m, "windows") > 1 && gi(m, "windows") <= 16 &&
	    strncmp(gs(m, "planned"), "move", 4) != 0)
		fprintf(cs->out, "  window %" PRId64 " of %" PRId64 "; to reboot "
		    "in another instead: maintenance %s window-N\n",
		    gi(m, "window"), gi(m, "windows"), vis);
}

/* Prints {"name", "maintenance"}: what maint.choose answers, too. */
static void
print_maint_json(struct console *cs, const char *name, json_object *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "maintenance", json_object_get(m));
	console_print_json(cs, o);
	json_object_put(o);
}

/* maint.choose, then the new notice. */
static int
record_choice(struct console *cs, const char *name, const char *choice,
    int json, struct herr *e)
{
	char vis[128];
	json_object *p, *res = NULL, *m;

	p = name_params(name);
	if (strncmp(choice, CHOICE_WINDOW, strlen(CHOICE_WINDOW)) == 0) {
		/* another window: it reboots there, with a host patched then */
		json_object_object_add(p, "action",
		    json_object_new_string(CHOICE_REBOOT));
		json_object_object_add(p, "window", json_object_new_int(
		    atoi(choice + strlen(CHOICE_WINDOW))));
	} else
		json_object_object_add(p, "action",
		    json_object_new_string(choice));
	if (rpc_call(cs->rpc, "maint.choose", p, &res, e) == -1)
		return -1;
	str_sanitize(vis, sizeof(vis), gs(res, "name"));
	if (json)
		console_print_json(cs, res);
	else {
		fprintf(cs->out, "Your choice is recorded.\n");
		if ((m = maint_of(res)) != NULL)
			print_notice(cs, vis, m);
	}
	json_object_put(res);
	return 0;
}

/* Menu: asks for a choice; CHOICE_*, or NULL for Enter or end of input. */
static const char *
ask_choice(struct console *cs)
{
	char buf[CMD_MAX_INPUT + 2];
	const char *choice;
	size_t len;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		fprintf(cs->out, "live-migrate, reboot, window-N, or Enter to "
		    "keep? ");
		fflush(cs->out);
		if (console_read_line(cs->in, buf, sizeof(buf), &len) == -1 ||
		    len == 0)
			return NULL;
		if ((choice = cmd_choice(buf, len)) != NULL)
			return choice;
		fprintf(cs->out, "Type live-migrate, reboot or window-N, or "
		    "press Enter to keep it as it is.\n");
	}
	return NULL;
}

int
act_maintenance(struct console *cs, const struct cmd_req *req,
    struct herr *e)
{
	char vis[128];
	const char *name, *choice = req->choice;
	json_object *g, *m;
	int rc = 0;

	if ((name = target(cs, req, e)) == NULL)
		return -1;
	if (choice != NULL)
		return record_choice(cs, name, choice, req->json, e);
	if (show(cs, name, &g, e) == -1)
		return -1;
	m = maint_of(g);
	str_sanitize(vis, sizeof(vis), gs(g, "name"));
	if (req->json)
		print_maint_json(cs, gs(g, "name"), m);
	else if (m == NULL)
		fprintf(cs->out, "No maintenance is scheduled for %s.\n", vis);
	else {
		print_notice(cs, vis, m);
		/* choices close when the cycle starts */
		if (cs->mode == MODE_MENU && strcmp(gs(m, "run_state"),
		    "planned") == 0 && (maint_other(m) != NULL ||
		    (gi(m, "windows") > 1 && strncmp(gs(m, "planned"),
		    "move", 4) != 0))) {
			if ((choice = ask_choice(cs)) != NULL)
				rc = record_choice(cs, name, choice, 0, e);
			else
				fprintf(cs->out, "Kept as it is.\n");
		}
	}
	json_object_put(g);
	return rc;
}
