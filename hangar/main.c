/*
 * hangar: the operator's command.  See hangar(8).
 *
 * Every command is one row of cmds[]: the words that name it, the
 * hangard method it calls, its positional arguments and options (each
 * mapped to one request parameter), and how its reply is shown.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangar/hangar.h"
#include "lib/str.h"
#include "rpc/proto.h"
#ifdef HANGAR_HAVE_PLAN
#include "plan/cli.h"
#endif

#define DEFAULT_STATE	"/var/lib/hangar"

/*
 * O_PATH: made absolute; O_TEXT: "-" reads the text from standard input;
 * O_OUT: a file this command writes here (not sent: param is NULL)
 */
enum otype { O_STR, O_INT, O_BOOL, O_PATH, O_TEXT, O_OUT };

#define KEYFILE_MAX	16384

struct opt {
	const char	*flag;		/* "--disk-kind" */
	const char	*param;		/* "disk_kind" */
	enum otype	 type;
	int		 required;
};

struct cmd {
	const char	*noun, *verb;
	const char	*method;
	const char	*args[3];	/* positional parameter names; "id#"
					   is a number, a trailing '?' optional */
	struct opt	 opts[12];	/* ended by a NULL flag */
	void		(*render)(json_object *);
	const char	*usage;
	const char	*file_arg;	/* this positional names a file whose
					   text is sent ("-": standard input) */
};

static void render_notify(json_object *);

static const struct cmd cmds[] = {
	{ "host", "add", "host.add", { "name" }, {
	    { "--uri", "uri", O_STR, 1 }, { "--disk", "disk", O_STR, 1 },
	    { "--disk-kind", "disk_kind", O_STR, 1 },
	    { "--ram", "ram", O_STR, 0 }, { "--cpus", "cpus", O_INT, 0 },
	    { "--accel", "accel", O_STR, 0 }, { "--pool", "pool", O_STR, 0 } },
	  render_object,
	  "NAME --uri URI --disk SIZE --disk-kind hdd|ssd [--ram SIZE] "
	  "[--cpus N] [--accel kvm|tcg] [--pool POOL]", NULL },
	{ "host", "list", "host.list", { NULL }, { { NULL } }, render_hosts,
	  "", NULL },
	{ "host", "show", "host.show", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "host", "set-state", "host.set_state", { "name", "state", NULL },
	  { { NULL } }, render_object,
	  "NAME active|maintenance|draining|retired", NULL },
	{ "customer", "add", "customer.add", { "name" }, {
	    { "--user", "user", O_STR, 0 }, { "--uid", "uid", O_INT, 0 },
	    { "--email", "email", O_STR, 0 }, { "--tz", "tz", O_STR, 0 },
	    { "--create-user", "create_user", O_BOOL, 0 } },
	  render_object, "NAME [--create-user [--user USER] | --user USER | "
	  "--uid UID] [--email ADDR] [--tz ZONE]", NULL },
	{ "customer", "list", "customer.list", { NULL }, { { NULL } },
	  render_customers, "", NULL },
	{ "customer key", "add", "customer.key_add", { "name", "key" }, { { NULL } },
	  render_object, "NAME KEYFILE|-", "key" },
	{ "customer key", "list", "customer.key_list", { "name" }, { { NULL } },
	  render_keys, "NAME", NULL },
	{ "customer key", "remove", "customer.key_remove",
	  { "name", "fingerprint" }, { { NULL } }, render_object,
	  "NAME SHA256:FINGERPRINT", NULL },
	{ "customer", "show", "customer.show", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "plan", "list", "plan.list", { NULL }, { { NULL } }, render_plans,
	  "", NULL },
	{ "guest", "create", "guest.create", { "name" }, {
	    { "--owner", "owner", O_STR, 1 }, { "--plan", "plan", O_STR, 1 },
	    { "--host", "host", O_STR, 0 }, { "--kind", "kind", O_STR, 0 },
	    { "--kernel", "kernel", O_STR, 0 },
	    { "--initrd", "initrd", O_STR, 0 },
	    { "--cmdline", "cmdline", O_STR, 0 },
	    { "--start", "start", O_BOOL, 0 } }, render_object,
	  "NAME --owner CUSTOMER --plan PLAN [--host HOST] "
	  "[--kind kvm|xen-pv|xen-hvm] [--kernel FILE [--initrd FILE] "
	  "[--cmdline TEXT]] [--start]", NULL },
	{ "guest", "list", "guest.list", { NULL }, {
	    { "--owner", "owner", O_STR, 0 }, { "--host", "host", O_STR, 0 } },
	  render_guests, "[--owner CUSTOMER] [--host HOST]", NULL },
	{ "guest", "show", "guest.show", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "guest", "start", "guest.start", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "guest", "shutdown", "guest.shutdown", { "name" }, {
	    { "--force-after", "force_after", O_INT, 0 } }, render_object,
	  "NAME [--force-after SECONDS]", NULL },
	{ "guest", "destroy", "guest.destroy", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "guest", "reboot", "guest.reboot", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "guest", "install", "guest.install", { "name", "image" }, {
	    { "--confirm", "confirm", O_STR, 1 } }, render_object,
	  "NAME IMAGE --confirm NAME", NULL },
	{ "guest", "rescue", "guest.rescue", { "name" }, {
	    { "--image", "image", O_STR, 0 } }, render_object,
	  "NAME [--image IMAGE]", NULL },
	{ "guest", "boot", "guest.boot", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "guest", "log", "console.log", { "name" }, {
	    { "--bytes", "bytes", O_INT, 0 } }, render_log,
	  "NAME [--bytes N]", NULL },
	{ "advisory", "add", "advisory.add", { "id" }, {
	    { "--title", "title", O_STR, 1 }, { "--affects", "affects", O_STR, 1 },
	    { "--action", "action", O_STR, 0 }, { "--cves", "cves", O_STR, 0 } },
	  render_object, "ID --title TEXT --affects 'xen >= 4.0, < 4.8.2' "
	  "[--action reboot|live-patch|none] [--cves LIST]", NULL },
	{ "advisory", "import", "advisory.import", { "file" }, {
	    { "--only", "only", O_STR, 1 }, { "--affects", "affects", O_STR, 1 },
	    { "--action", "action", O_STR, 0 } }, render_object,
	  "XSA.JSON --only XSA-213,XSA-214 --affects 'xen >= 4.0, < 4.8.2' "
	  "[--action reboot|live-patch|none]", NULL },
	{ "advisory", "list", "advisory.list", { NULL }, { { NULL } },
	  render_advisories, "", NULL },
	{ "advisory", "impact", "advisory.impact", { "id" }, { { NULL } },
	  render_impact, "ID", NULL },
	{ "maint", "plan", "maint.plan", { "advisories" }, {
	    { "--start", "start", O_STR, 1 }, { "--window", "window", O_STR, 1 },
	    { "--max-parallel", "max_parallel", O_INT, 0 },
	    { "--roll", "roll", O_STR, 0 },
	    { "--per-link", "per_link", O_INT, 0 },
	    { "--reboot-time", "reboot_time", O_STR, 0 },
	    { "--retire", "retire", O_STR, 0 }, { "--to", "to", O_STR, 0 } },
	  render_maint, "ADVISORY[,ADVISORY...] --start 2017-04-27T06:00Z "
	  "--window 4h [--max-parallel N] [--roll forward|back] "
	  "[--per-link N] [--reboot-time DURATION] "
	  "[--retire SELECTOR[,SELECTOR...] [--to ssd|hdd]]", NULL },
	{ "maint", "show", "maint.show", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 } }, render_maint, "[--cycle N]",
	  NULL },
	{ "maint", "notify", "maint.notify", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 } }, render_notify, "[--cycle N]",
	  NULL },
	{ "maint", "run", "maint.run", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 },
	    { "--allow-fallback", "allow_fallback", O_BOOL, 0 },
	    { "--steps", "steps", O_INT, 0 }, { "--wait", "wait", O_BOOL, 0 } },
	  render_maint_report, "[--cycle N] [--allow-fallback] [--steps N] "
	  "[--wait]", NULL },
	{ "maint", "host-done", "maint.host_done", { "host" }, { { NULL } },
	  render_object, "HOST", NULL },
	{ "maint", "report", "maint.report", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 },
	    { "--publish", "publish", O_BOOL, 0 },
	    { "--html", NULL, O_OUT, 0 } }, render_maint_report,
	  "[--cycle N] [--publish] [--html FILE]", NULL },
	{ "maint", "service", "maint.service", { "services" }, {
	    { "--start", "start", O_STR, 1 }, { "--window", "window", O_STR, 1 },
	    { "--note", "note", O_STR, 0 } }, render_object,
	  "'SERVICES' --start 2017-04-04T05:00Z --window 20m [--note TEXT]",
	  NULL },
	{ "maint", "services", "maint.services", { NULL }, { { NULL } },
	  render_services, "", NULL },
	{ "maint", "choose", "maint.choose", { "name", "action" }, {
	    { "--window", "window", O_INT, 0 } },
	  render_object, "VPS live-migrate|reboot [--window N]", NULL },
	{ "consolidate", "plan", "consolidate.plan", { NULL }, {
	    { "--retire", "retire", O_STR, 1 }, { "--to", "to", O_STR, 0 },
	    { "--start", "start", O_STR, 1 },
	    { "--window", "window", O_STR, 1 } }, render_maint,
	  "--retire SELECTOR[,SELECTOR...] [--to ssd|hdd] "
	  "--start 2017-04-27T06:00Z --window 4h", NULL },
	{ "consolidate", "show", "consolidate.show", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 } }, render_maint, "[--cycle N]",
	  NULL },
	{ "consolidate", "notify", "consolidate.notify", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 } }, render_object, "[--cycle N]",
	  NULL },
	{ "consolidate", "run", "consolidate.run", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 },
	    { "--allow-fallback", "allow_fallback", O_BOOL, 0 },
	    { "--steps", "steps", O_INT, 0 }, { "--wait", "wait", O_BOOL, 0 } },
	  render_maint_report, "[--cycle N] [--allow-fallback] [--steps N] "
	  "[--wait]", NULL },
	{ "consolidate", "report", "consolidate.report", { NULL }, {
	    { "--cycle", "cycle", O_INT, 0 },
	    { "--publish", "publish", O_BOOL, 0 },
	    { "--html", NULL, O_OUT, 0 } }, render_maint_report,
	  "[--cycle N] [--publish] [--html FILE]", NULL },
	{ "post", "add", "post.add", { NULL }, {
	    { "--kind", "kind", O_STR, 1 }, { "--title", "title", O_STR, 1 },
	    { "--body", "body", O_TEXT, 1 }, { "--author", "author", O_STR, 0 },
	    { "--parent", "parent", O_INT, 0 }, { "--avg", "avg", O_INT, 0 },
	    { "--longest", "longest", O_INT, 0 },
	    { "--shortest", "shortest", O_INT, 0 } }, render_object,
	  "--kind KIND --title TEXT --body TEXT|- [--author NAME] "
	  "[--parent POST] [--avg MIN --longest MIN --shortest MIN]", NULL },
	{ "post", "list", "post.list", { NULL }, { { NULL } }, render_posts,
	  "", NULL },
	{ "post", "publish", "post.publish", { NULL }, { { NULL } },
	  render_object, "", NULL },
	{ "store", "backup", "store.backup", { NULL }, { { NULL } },
	  render_object, "", NULL },
	{ "image", "add", "image.add", { "name" }, {
	    { "--os", "os", O_STR, 1 }, { "--version", "version", O_STR, 1 },
	    { "--iso", "iso", O_PATH, 0 }, { "--kernel", "kernel", O_PATH, 0 },
	    { "--initrd", "initrd", O_PATH, 0 },
	    { "--sha256", "sha256", O_STR, 0 },
	    { "--initrd-sha256", "initrd_sha256", O_STR, 0 },
	    { "--sums", "sums", O_PATH, 0 },
	    { "--signify-key", "signify_key", O_PATH, 0 },
	    { "--rescue", "rescue", O_BOOL, 0 } }, render_object,
	  "NAME --os OS --version V (--iso FILE | --kernel FILE --initrd FILE) "
	  "(--sha256 HEX [--initrd-sha256 HEX] | --sums FILE "
	  "[--signify-key KEY]) [--rescue]", NULL },
	{ "image", "list", "image.list", { NULL }, { { NULL } }, render_images,
	  "", NULL },
	{ "image", "show", "image.show", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "image", "remove", "image.remove", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "guest", "delete", "guest.delete", { "name" }, {
	    { "--force", "force", O_BOOL, 0 } }, render_object,
	  "NAME [--force]", NULL },
	{ "guest", "set-migration", "guest.set_migration", { "name", "mode" },
	  { { NULL } }, render_object, "NAME live|offline", NULL },
	{ "customer", "set", "customer.set", { "name" }, {
	    { "--email", "email", O_STR, 0 }, { "--tz", "tz", O_STR, 0 } },
	  render_object, "NAME [--email ADDR] [--tz ZONE]", NULL },
	{ "guest", "set-restart", "guest.set_restart", { "name", "restart" },
	  { { NULL } }, render_object, "NAME yes|no", NULL },
	{ "host key", "set", "host.key_set", { "name", "key" }, { { NULL } },
	  render_object, "NAME 'ssh-ed25519 AAAA...'|KEYFILE|-", "key" },
	{ "host key", "remove", "host.key_remove", { "name" }, { { NULL } },
	  render_object, "NAME", NULL },
	{ "incident", "list", "incident.list", { NULL }, {
	    { "--open", "open", O_BOOL, 0 } }, render_incidents, "[--open]",
	  NULL },
	{ "incident", "show", "incident.show", { "id#?" }, { { NULL } },
	  render_incident, "[ID]", NULL },
	{ "incident", "update", "incident.update", { "id#", "text" },
	  { { NULL } }, render_incident, "ID 'TEXT FOR CUSTOMERS'", NULL },
	{ "incident", "resolve", "incident.resolve", { "id#" }, {
	    { "--text", "text", O_STR, 0 } }, render_incident,
	  "ID [--text 'TEXT FOR CUSTOMERS']", NULL },
	{ "incident", "report", "incident.report", { "id#?" }, {
	    { "--publish", "publish", O_BOOL, 0 } }, render_incident_report,
	  "[ID] [--publish]", NULL },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* maint notify: who was told, and each customer who could not be, why. */
static void
render_notify(json_object *o)
{
	static const char *lists[] = { "notified", "already_notified",
	    "no_email" };
	char buf[512];
	json_object *a, *v;
	size_t i, k;

	printf("%-17s %lld\n", "cycle", (long long)proto_get_int(o, "cycle"));
	for (k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		if (!json_object_object_get_ex(o, lists[k], &a) ||
		    json_object_array_length(a) == 0)
			continue;
		printf("%-17s", lists[k]);
		for (i = 0; i < json_object_array_length(a); i++) {
			str_sanitize(buf, sizeof(buf), json_object_get_string(
			    json_object_array_get_idx(a, i)));
			printf(" %s", buf);
		}
		printf("\n");
	}
	if (!json_object_object_get_ex(o, "refused", &a))
		return;
	for (i = 0; i < json_object_array_length(a); i++) {
		v = json_object_array_get_idx(a, i);
		str_sanitize(buf, sizeof(buf), proto_get_str(v, "customer"));
		printf("%-17s %s: ", "not notified", buf);
		str_sanitize(buf, sizeof(buf), proto_get_str(v, "reason"));
		printf("%s\n", buf);
	}
}

/*
 * Commands that are not rows of cmds[] (they call no single method), for
 * the help only.  Keep them beside their noun's rows in hangar(8).
 */
static const struct {
	const char	*noun, *usage;
} extra_usage[] = {
#ifdef HANGAR_HAVE_PLAN
	{ "plan", "plan consolidate|maintenance [-t FILE] ... "
	    "(see hangar-plan(8))" },
#endif
	{ "demo", "demo [-s state_dir] [--stop]" },
	{ "demo", "demo console CUSTOMER [COMMAND ...]" },
};

#define NEXTRA	(sizeof(extra_usage) / sizeof(extra_usage[0]))

/* Whether the first word of noun (e.g. "customer key") is word. */
static int
noun_is(const char *noun, const char *word)
{
	size_t n = strcspn(noun, " ");

	return strlen(word) == n && strncmp(noun, word, n) == 0;
}

/* Prints one usage line: "usage: hangar ..." first, then aligned. */
static void
usage_line(FILE *f, int *first, const char *a, const char *b,
    const char *c)
{
	fprintf(f, "%s hangar %s%s%s%s%s\n", *first ? "usage:" : "      ",
	    a, b[0] ? " " : "", b, c[0] ? " " : "", c);
	*first = 0;
}

/* Every command of one noun, in table order; returns how many. */
static size_t
usage_noun(FILE *f, const char *word, int *first)
{
	size_t i, n = 0;

	for (i = 0; i < NCMDS; i++)
		if (noun_is(cmds[i].noun, word)) {
			usage_line(f, first, cmds[i].noun, cmds[i].verb,
			    cmds[i].usage);
			n++;
		}
	for (i = 0; i < NEXTRA; i++)
		if (strcmp(extra_usage[i].noun, word) == 0) {
			usage_line(f, first, extra_usage[i].usage, "", "");
			n++;
		}
	return n;
}

/* Whether the noun of row i (or extra row i - NCMDS) came up before. */
static int
noun_seen(size_t i)
{
	const char *noun = i < NCMDS ? cmds[i].noun : extra_usage[i -
	    NCMDS].noun;
	char word[64];
	size_t k;

	snprintf(word, sizeof(word), "%.*s", (int)strcspn(noun, " "), noun);
	for (k = 0; k < i; k++)
		if (noun_is(k < NCMDS ? cmds[k].noun : extra_usage[k -
		    NCMDS].noun, word))
			return 1;
	return 0;
}

/* hangar help: every command, grouped by noun in table order. */
static void
usage(FILE *f)
{
	char word[64];
	const char *noun;
	size_t i;
	int first = 0;

	fprintf(f, "usage: hangar [-s state_dir | -S socket] [--json] "
	    "NOUN VERB [ARGUMENT ...]\n"
	    "       hangar NOUN --help     (that noun's commands)\n"
	    "       hangar --version\n");
	for (i = 0; i < NCMDS + NEXTRA; i++) {
		if (noun_seen(i))
			continue;
		noun = i < NCMDS ? cmds[i].noun : extra_usage[i - NCMDS].noun;
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(noun, " "),
		    noun);
		fprintf(f, "\n");
		usage_noun(f, word, &first);
	}
	fprintf(f, "\nThe state folder is -s, else $HANGAR_STATE, else "
	    DEFAULT_STATE ". See hangar(8).\n");
}

/*
 * hangar NOUN [--help]: that noun's commands; returns the exit status,
 * or -1 when NOUN is no noun.
 */
static int
usage_of_noun(const char *word, int asked)
{
	int first = 1;

	if (usage_noun(asked ? stdout : stderr, word, &first) == 0)
		return -1;
	return asked ? 0 : 2;
}

static int
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 ||
	    strcmp(arg, "help") == 0;
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hangar: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 2;
}

/* Reads a small text file ("-": stdin) without its trailing newlines. */
static int
read_text(const char *path, char *buf, size_t size)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "hangar: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, size - 1, f);
	if (f != stdin)
		fclose(f);
	if (n == size - 1) {
		fprintf(stderr, "hangar: %s: too long\n", path);
		return -1;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

static const struct opt *
find_opt(const struct cmd *c, const char *flag)
{
	const struct opt *o;

	for (o = c->opts; o->flag != NULL; o++)
		if (strcmp(o->flag, flag) == 0)
			return o;
	return NULL;
}

/* Builds the request parameters from argv; returns an exit status. */
static int
build_params(const struct cmd *c, int argc, char **argv, json_object *p,
    struct cli *cli)
{
	const struct opt *o;
	long long n;
	int i, pos = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			cli->json = 1;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return -1;	/* the caller prints the usage */
		if (strncmp(argv[i], "--", 2) == 0) {
			if ((o = find_opt(c, argv[i])) == NULL)
				return usage_error("unknown option %s", argv[i]);
			if (o->type == O_BOOL) {
				json_object_object_add(p, o->param,
				    json_object_new_boolean(1));
				continue;
			}
			if (++i == argc)
				return usage_error("%s needs a value", o->flag);
			if (o->type == O_OUT) {
				if (argv[i][0] == '\0')
					return usage_error("%s needs a file",
					    o->flag);
				cli->out_file = argv[i];
				continue;
			}
			if (o->type == O_PATH) {
				char abs[PATH_MAX];
				if (realpath(argv[i], abs) == NULL) {
					fprintf(stderr, "hangar: %s: %s\n", argv[i],
					    strerror(errno));
					return 2;
				}
				json_object_object_add(p, o->param,
				    json_object_new_string(abs));
				continue;
			}
			if (o->type == O_TEXT && strcmp(argv[i], "-") == 0) {
				static char text[60001];
				if (read_text("-", text, sizeof(text)) == -1)
					return 2;
				json_object_object_add(p, o->param,
				    json_object_new_string(text));
				continue;
			}
			if (o->type == O_INT) {
				if (str_parse_int(argv[i], 0, 0x7fffffff, &n) == -1)
					return usage_error("%s needs a number",
					    o->flag);
				json_object_object_add(p, o->param,
				    json_object_new_int64(n));
			} else
				json_object_object_add(p, o->param,
				    json_object_new_string(argv[i]));
			continue;
		}
		if (pos >= 3 || c->args[pos] == NULL)
			return usage_error("unexpected argument '%s'", argv[i]);
		if (c->file_arg != NULL && strcmp(c->file_arg, c->args[pos]) == 0) {
			char text[KEYFILE_MAX + 1];
			/* a host key may be given as its text */
			if (strncmp(argv[i], "ssh-", 4) == 0 ||
			    strncmp(argv[i], "ecdsa-", 6) == 0 ||
			    strncmp(argv[i], "sk-", 3) == 0)
				str_copy(text, argv[i], sizeof(text));
			else if (read_text(argv[i], text, sizeof(text)) == -1)
				return 2;
			json_object_object_add(p, c->args[pos++],
			    json_object_new_string(text));
			continue;
		}
		if (strncmp(c->args[pos], "id#", 3) == 0) {
			if (str_parse_int(argv[i], 1, 0x7fffffffffffLL, &n) == -1)
				return usage_error("not an incident number: %s",
				    argv[i]);
			json_object_object_add(p, "id",
			    json_object_new_int64(n));
			pos++;
			continue;
		}
		json_object_object_add(p, c->args[pos++],
		    json_object_new_string(argv[i]));
	}
	if (pos < 3 && c->args[pos] != NULL &&
	    strchr(c->args[pos], '?') == NULL)
		return usage_error("missing %s", strncmp(c->args[pos], "id#",
		    3) == 0 ? "the incident number" : c->args[pos]);
	for (o = c->opts; o->flag != NULL; o++)
		if (o->required && !json_object_object_get_ex(p, o->param,
		    NULL))
			return usage_error("missing %s", o->flag);
	return 0;
}

struct rpc_client *
cli_connect(struct cli *cli, struct herr *e)
{
	return rpc_connect(cli->sockpath, e);
}

int
cli_call_print(struct cli *cli, struct rpc_client *rc, const char *method,
    json_object *params, void (*render)(json_object *))
{
	json_object *res = NULL;
	struct herr e;
	int r;

	herr_clear(&e);
	if (rpc_call(rc, method, params, &res, &e) == -1) {
		fprintf(stderr, "hangar: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	if (render == NULL && cli->out_file != NULL) {
		r = report_html(cli->out_file, res, &e);
		if (r == -1)
			fprintf(stderr, "hangar: %s\n", e.msg);
		else if (!cli->json)
			printf("wrote %s\n", cli->out_file);
		json_object_put(res);
		return r == -1 ? herr_exit_status(e.code) : 0;
	}
	if (cli->json)
		render_json(res);
	else if (res != NULL)
		render(res);
	json_object_put(res);
	return 0;
}

/* guest list as a table: the rows straight from the reply's text. */
static int
call_guest_rows(struct rpc_client *rc, json_object *params)
{
	json_object *res;
	struct herr e;
	char *text;
	size_t len;
	int r;

	herr_clear(&e);
	if (rpc_call_text(rc, "guest.list", json_object_get(params), &text,
	    &len, &e) == -1) {
		fprintf(stderr, "hangar: %s\n", e.msg);
		json_object_put(params);
		return herr_exit_status(e.code);
	}
	r = rows_render_guests(text, len, stdout);
	free(text);
	if (r != -1) {
		json_object_put(params);
		return r;
	}
	/* not the simple form (and the text decoded in part): the usual way */
	if (rpc_call(rc, "guest.list", params, &res, &e) == -1) {
		fprintf(stderr, "hangar: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	render_guests(res);
	json_object_put(res);
	return 0;
}

static int
run_cmd(struct cli *cli, int argc, char **argv)
{
	const struct cmd *c = NULL;
	struct rpc_client *rc;
	json_object *params;
	struct herr e;
	size_t i;
	int r, skip = 2;

	for (i = 0; i < NCMDS && c == NULL; i++) {
		char noun[64];
		int words = strchr(cmds[i].noun, ' ') != NULL ? 2 : 1;
		if (argc <= words)
			continue;
		if (words == 2)
			snprintf(noun, sizeof(noun), "%s %s", argv[0], argv[1]);
		else
			str_copy(noun, argv[0], sizeof(noun));
		if (strcmp(cmds[i].noun, noun) == 0 &&
		    strcmp(cmds[i].verb, argv[words]) == 0) {
			c = &cmds[i];
			skip = words + 1;
		}
	}
	if (c == NULL) {
		if (argc == 1 || is_help(argv[1])) {
			/* "hangar guest", "hangar guest --help" */
			if ((r = usage_of_noun(argv[0], argc > 1)) >= 0)
				return r;
		}
		for (i = 0; i < NCMDS && !noun_is(cmds[i].noun, argv[0]); i++)
			;
		if (i < NCMDS)
			fprintf(stderr, "hangar: unknown command '%s %s'; "
			    "'hangar %s --help' lists its commands\n", argv[0],
			    argc > 1 ? argv[1] : "", argv[0]);
		else
			fprintf(stderr, "hangar: unknown command '%s'; 'hangar "
			    "help' lists every command\n", argv[0]);
		return 2;
	}
	params = json_object_new_object();
	if ((r = build_params(c, argc - skip, argv + skip, params, cli)) != 0) {
		/* --help: the usage on stdout, exit 0 */
		fprintf(r == -1 ? stdout : stderr, "usage: hangar %s %s %s\n",
		    c->noun, c->verb, c->usage);
		json_object_put(params);
		return r == -1 ? 0 : r;
	}
	if (strcmp(c->method, "advisory.import") == 0) {
		r = advisory_import(cli, params);	/* read here, sent one by one */
		json_object_put(params);
		return r;
	}
	/* a table needs no keys on every row: ask for compact rows */
	if (!cli->json && strcmp(c->method, "guest.list") == 0)
		json_object_object_add(params, "rows",
		    json_object_new_boolean(1));
	herr_clear(&e);
	if ((rc = cli_connect(cli, &e)) == NULL) {
		fprintf(stderr, "hangar: %s\n", e.msg);
		json_object_put(params);
		return herr_exit_status(e.code);
	}
	if (!cli->json && cli->out_file == NULL &&
	    strcmp(c->method, "guest.list") == 0)
		r = call_guest_rows(rc, params);
	else
		r = cli_call_print(cli, rc, c->method, params,
		    cli->out_file != NULL ? NULL : c->render);
	rpc_close(rc);
	return r;
}

#ifdef HANGAR_HAVE_PLAN
/* `hangar plan` without -t: the fleet from the daemon, fetched once. */
struct plan_live {
	struct cli		*cli;
	struct plan_cluster	*c;	/* freed by main after the plan */
};

static const struct plan_cluster *
plan_live_get(void *arg, struct herr *e)
{
	struct plan_live *pl = arg;

	if (pl->c == NULL)
		pl->c = live_cluster(pl->cli, e);
	return pl->c;
}
#endif

int
main(int argc, char **argv)
{
	static char sockbuf[1100];
	struct cli cli = { 0 };
	int i, r;

	cli.argv0 = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			cli.state = argv[++i];
		else if (strcmp(argv[i], "-S") == 0 && i + 1 < argc)
			cli.sockpath = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			cli.json = 1;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("hangar %s\n", HANGAR_VERSION);
			return 0;
		} else if (is_help(argv[i])) {
			if (i + 1 < argc && (r = usage_of_noun(argv[i + 1],
			    1)) >= 0)
				return r;	/* hangar help NOUN */
			if (i + 1 < argc) {
				fprintf(stderr, "hangar: no such noun '%s'; "
				    "'hangar help' lists every command\n",
				    argv[i + 1]);
				return 2;
			}
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "hangar: unknown option %s; 'hangar "
			    "help' lists every command\n", argv[i]);
			return 2;
		} else
			break;
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[i], "demo") == 0)
		return demo_main(&cli, argc - i, argv + i);
#ifdef HANGAR_HAVE_PLAN
	/* the planners (plan/): a cluster file (-t), else the live fleet */
	if (strcmp(argv[i], "plan") == 0 && i + 1 < argc &&
	    (strcmp(argv[i + 1], "consolidate") == 0 ||
	    strcmp(argv[i + 1], "maintenance") == 0)) {
		struct plan_live pl = { &cli, NULL };

		if (cli.state == NULL)
			cli.state = getenv("HANGAR_STATE") ?
			    getenv("HANGAR_STATE") : DEFAULT_STATE;
		if (cli.sockpath == NULL) {
			snprintf(sockbuf, sizeof(sockbuf), "%s/hangard.sock",
			    cli.state);
			cli.sockpath = sockbuf;
		}
		r = plan_cli_main(argc - i - 1, argv + i + 1, plan_live_get,
		    &pl);
		plan_cluster_free(pl.c);
		return r;
	}
#endif
	if (cli.sockpath == NULL) {
		if (cli.state == NULL)
			cli.state = getenv("HANGAR_STATE") ? getenv("HANGAR_STATE") :
			    DEFAULT_STATE;
		snprintf(sockbuf, sizeof(sockbuf), "%s/hangard.sock", cli.state);
		cli.sockpath = sockbuf;
	}
	r = run_cmd(&cli, argc - i, argv + i);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("hangar: stdout");
		return 1;
	}
	return r;
}
