/* hangar plan consolidate|maintenance: options, tables and JSON. */
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/cli.h"
#include "plan/cli_int.h"
#include "plan/jout.h"
#include "plan/plan.h"
#include "plan/plan_int.h"
#include "plan/table.h"

enum {
	OPT_RETIRE = 256, OPT_TO, OPT_PACK, OPT_VCPU, OPT_MAXUTIL, OPT_JSON,
	OPT_PARALLEL, OPT_CUSTDOWN, OPT_REBOOT, OPT_MIGRATE, OPT_ROLL,
	OPT_PERLINK, OPT_NODETAGS, OPT_SKIPNR, OPT_IGNORENR, OPT_OFFMAINT,
	OPT_FULLEVAC, OPT_ONESTEP, OPT_MASTERLAST
};

static const struct option longopts[] = {
	{ "file", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "retire", required_argument, NULL, OPT_RETIRE },
	{ "to", required_argument, NULL, OPT_TO },
	{ "pack", no_argument, NULL, OPT_PACK },
	{ "vcpu-ratio", required_argument, NULL, OPT_VCPU },
	{ "max-util", required_argument, NULL, OPT_MAXUTIL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "max-parallel", required_argument, NULL, OPT_PARALLEL },
	{ "max-customer-down", required_argument, NULL, OPT_CUSTDOWN },
	{ "reboot-time", required_argument, NULL, OPT_REBOOT },
	{ "migrate-time", required_argument, NULL, OPT_MIGRATE },
	{ "roll", required_argument, NULL, OPT_ROLL },
	{ "per-link", required_argument, NULL, OPT_PERLINK },
	{ "offline", required_argument, NULL, 'O' },
	{ "node-tags", required_argument, NULL, OPT_NODETAGS },
	{ "skip-non-redundant", no_argument, NULL, OPT_SKIPNR },
	{ "ignore-non-redundant", no_argument, NULL, OPT_IGNORENR },
	{ "offline-maintenance", no_argument, NULL, OPT_OFFMAINT },
	{ "full-evacuation", no_argument, NULL, OPT_FULLEVAC },
	{ "one-step-only", no_argument, NULL, OPT_ONESTEP },
	{ "master-last", no_argument, NULL, OPT_MASTERLAST },
	{ NULL, 0, NULL, 0 }
};

struct cli {
	int			 maint;		/* else consolidate */
	const char		*file;
	int			 json;
	double			 vcpu_ratio;	/* 0: from the cluster */
	struct plan_consolidate_opts co;
	struct plan_maint_opts	 mo;
	const char		**sel;
	size_t			 nsel;
	const char		**tags;		/* --node-tags, split */
	size_t			 ntags;
	const char		**offline;	/* -O, split */
	size_t			 noffline;
	int			 one_step;
	char			**selbuf;	/* option values, split */
	size_t			 nselbuf;
};

static void
usage(FILE *f)
{
	fputs("usage: hangar plan consolidate [-t FILE] --retire SELECTOR "
	    "[--retire ...] | --pack\n"
	    "           [--to ssd|hdd] [--pack] [-O HOST] [--vcpu-ratio R] "
	    "[--max-util PCT]\n"
	    "           [--json]\n"
	    "       hangar plan maintenance [-t FILE] [--roll forward|back] "
	    "[--max-parallel N]\n"
	    "           [--max-customer-down PCT] [--reboot-time SEC] "
	    "[--migrate-time SEC]\n"
	    "           [--per-link N] [-O HOST] [--node-tags TAGS] "
	    "[--skip-non-redundant]\n"
	    "           [--ignore-non-redundant] [--offline-maintenance] "
	    "[--full-evacuation]\n"
	    "           [--master-last] [--one-step-only] [--vcpu-ratio R] "
	    "[--max-util PCT]\n"
	    "           [--json]\n", f);
}

static int
bad(const char *fmt, const char *arg)
{
	char q[80];

	str_sanitize(q, sizeof(q), arg);
	fprintf(stderr, "hangar plan: ");
	fprintf(stderr, fmt, q);
	fputc('\n', stderr);
	usage(stderr);
	return PLAN_EXIT_USAGE;
}

static int
parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (*s == '\0')
		return -1;
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The comma-separated words of arg, appended to *v (copies kept in cl). */
static void
add_words(struct cli *cl, const char *arg, const char ***v, size_t *n)
{
	char *copy = xstrdup(arg), *t, *save = NULL;

	cl->selbuf = xreallocarray(cl->selbuf, cl->nselbuf + 1,
	    sizeof(char *));
	cl->selbuf[cl->nselbuf++] = copy;
	for (t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		*v = xreallocarray(*v, *n + 1, sizeof(char *));
		(*v)[(*n)++] = t;
	}
}

/* Parses the options; returns -1 to go on, else an exit status. */
static int
parse_args(struct cli *cl, int argc, char **argv)
{
	long long n;
	double d;
	int ch;

	optind = 0;	/* GNU: start over, we may be called again */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+t:hO:", longopts, NULL)) != -1) {
		int only_c = 0, only_m = 0;

		switch (ch) {
		case 't':
			cl->file = optarg;
			break;
		case 'h':
			usage(stdout);
			return PLAN_EXIT_OK;
		case OPT_RETIRE:
			only_c = 1;
			add_words(cl, optarg, &cl->sel, &cl->nsel);
			break;
		case 'O':
			add_words(cl, optarg, &cl->offline, &cl->noffline);
			break;
		case OPT_NODETAGS:
			only_m = 1;
			add_words(cl, optarg, &cl->tags, &cl->ntags);
			break;
		case OPT_SKIPNR:
			only_m = 1;
			cl->mo.skip_non_redundant = 1;
			break;
		case OPT_IGNORENR:
			only_m = 1;
			cl->mo.ignore_non_redundant = 1;
			break;
		case OPT_OFFMAINT:
			only_m = 1;
			cl->mo.offline_maintenance = 1;
			break;
		case OPT_FULLEVAC:
			only_m = 1;
			cl->mo.full_evacuation = 1;
			break;
		case OPT_ONESTEP:
			only_m = 1;
			cl->one_step = 1;
			break;
		case OPT_MASTERLAST:
			only_m = 1;
			cl->mo.master_last = 1;
			break;
		case OPT_TO:
			only_c = 1;
			if (strcmp(optarg, "ssd") == 0)
				cl->co.to = PLAN_DISK_SSD;
			else if (strcmp(optarg, "hdd") == 0)
				cl->co.to = PLAN_DISK_HDD;
			else
				return bad("--to: \"%s\": use ssd or hdd",
				    optarg);
			break;
		case OPT_PACK:
			only_c = 1;
			cl->co.pack = 1;
			break;
		case OPT_VCPU:
			if (parse_num(optarg, 0.01, 1000, &cl->vcpu_ratio))
				return bad("--vcpu-ratio: \"%s\" is not a "
				    "number in 0.01-1000", optarg);
			break;
		case OPT_MAXUTIL:
			if (str_parse_int(optarg, 1, 100, &n) == -1)
				return bad("--max-util: \"%s\" is not 1-100",
				    optarg);
			cl->co.max_util_pct = cl->mo.max_util_pct = (int)n;
			break;
		case OPT_JSON:
			cl->json = 1;
			break;
		case OPT_PARALLEL:
			only_m = 1;
			if (str_parse_int(optarg, 1, 1000000, &n) == -1)
				return bad("--max-parallel: \"%s\" is not a "
				    "count >= 1", optarg);
			cl->mo.max_parallel = (size_t)n;
			break;
		case OPT_CUSTDOWN:
			only_m = 1;
			if (str_parse_int(optarg, 0, 100, &n) == -1)
				return bad("--max-customer-down: \"%s\" is "
				    "not 0-100", optarg);
			cl->mo.max_customer_down_pct = (int)n;
			break;
		case OPT_REBOOT:
		case OPT_MIGRATE:
			only_m = 1;
			if (parse_num(optarg, 0, 1e7, &d))
				return bad("duration: \"%s\" is not a number "
				    "of seconds", optarg);
			if (ch == OPT_REBOOT)
				cl->mo.reboot_s = d;
			else
				cl->mo.migrate_s_per_gib = d;
			break;
		case OPT_ROLL:
			only_m = 1;
			if (strcmp(optarg, "forward") == 0)
				cl->mo.roll = PLAN_ROLL_FORWARD;
			else if (strcmp(optarg, "back") == 0)
				cl->mo.roll = PLAN_ROLL_BACK;
			else
				return bad("--roll: \"%s\": use forward or back",
				    optarg);
			break;
		case OPT_PERLINK:
			only_m = 1;
			if (str_parse_int(optarg, 1, 64, &n) == -1)
				return bad("--per-link: \"%s\" is not 1-64",
				    optarg);
			cl->mo.link_parallel = (size_t)n;
			break;
		default:
			return bad("unknown or incomplete option \"%s\"",
			    argv[optind - 1]);
		}
		if ((only_c && cl->maint) || (only_m && !cl->maint))
			return bad("option \"%s\" does not apply to this "
			    "command", argv[optind - 1]);
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (!cl->maint && cl->nsel == 0 && !cl->co.pack)
		return bad("consolidate needs --retire SELECTOR or --pack%s",
		    "");
	if (cl->mo.full_evacuation && cl->mo.roll == PLAN_ROLL_FORWARD)
		return bad("--full-evacuation plans rolling back only%s", "");
	cl->co.retire = cl->sel;
	cl->co.nretire = cl->nsel;
	cl->mo.node_tags = cl->tags;
	cl->mo.nnode_tags = cl->ntags;
	return -1;
}

const char *
fmt_dur(char *buf, size_t size, double s)
{
	long t = lround(s);

	if (t >= 3600)
		snprintf(buf, size, "%ldh%02ldm%02lds", t / 3600,
		    t / 60 % 60, t % 60);
	else if (t >= 60)
		snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, size, "%lds", t);
	return buf;
}

static const char *
pct(char *buf, size_t size, int64_t used, int64_t cap)
{
	if (cap <= 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f", 100.0 * (double)used / (double)cap);
	return buf;
}

static void
json_out(FILE *f, struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), f);
	json_object_put(o);
}

static const char *
copy_name(enum plan_move_kind k)
{
	return k == PLAN_MOVE_PRIMARY ? "primary" : "secondary";
}

/* ---- consolidate ---- */

static void
cons_human(const struct plan_cluster *c, const struct cli *cl,
    const struct plan_consolidation *p, const struct plan_load *ld,
    const struct plan_load *cap)
{
	static const char *mh[] = { ">STEP", "GUEST", "COPY", "FROM", "TO",
	    ">RAM", ">DISK", ">VCPUS", "HOW" };
	static const char *uh[] = { "GUEST", "COPY", "HOST", ">NEED",
	    ">BEST", "WHY" };
	static const char *hh[] = { "HOST", "KIND", "STATE", ">GUESTS",
	    ">RAM%", ">DISK%", ">VCPU%", "NOTE" };
	char b[9][64];
	const char *row[9];
	struct table *t;
	size_t i, j;

	for (j = 0; j < 9; j++)
		row[j] = b[j];
	printf("Consolidation: %zu host%s to empty (--retire", p->nretired,
	    p->nretired == 1 ? "" : "s");
	for (i = 0; i < cl->nsel; i++)
		printf(" %s", cl->sel[i]);
	printf(")%s\n\n", cl->co.to == PLAN_DISK_SSD ? ", onto SSD hosts" :
	    cl->co.to == PLAN_DISK_HDD ? ", onto HDD hosts" : "");
	t = table_new(9, mh);
	for (i = 0; i < p->nmoves; i++) {
		const struct plan_move *m = &p->moves[i];
		const struct plan_guest *g = &c->guests[m->guest];

		row[0] = b[0];
		snprintf(b[0], 64, "%zu", i + 1);
		row[1] = g->name;
		row[2] = copy_name(m->kind);
		row[3] = c->hosts[m->from].name;
		row[4] = c->hosts[m->to].name;
		row[6] = b[6];
		str_fmt_mib(b[6], 64, (uint64_t)g->disk_mib);
		if (m->kind == PLAN_MOVE_PRIMARY) {
			row[5] = b[5];
			str_fmt_mib(b[5], 64, (uint64_t)g->ram_mib);
			row[7] = b[7];
			snprintf(b[7], 64, "%d", g->vcpus);
		} else {	/* a DRBD secondary: only its disk moves */
			row[5] = "-";
			row[7] = "-";
		}
		row[8] = m->kind == PLAN_MOVE_SECONDARY ? "copy disk" :
		    m->reboot ? "REBOOT (no live migration)" : "live";
		table_row(t, row);
	}
	printf("Moves, in order (%zu):\n", p->nmoves);
	table_print(t, stdout, 2);
	table_free(t);
	if (p->nunplaced > 0) {
		t = table_new(6, uh);
		for (i = 0; i < p->nunplaced; i++) {
			const struct plan_unplaced *u = &p->unplaced[i];
			const struct plan_guest *g = &c->guests[u->guest];
			int mib = u->why == PLAN_WHY_RAM ||
			    u->why == PLAN_WHY_DISK;

			row[0] = g->name;
			row[1] = copy_name(u->kind);
			row[2] = c->hosts[u->kind == PLAN_MOVE_PRIMARY ?
			    g->host : g->secondary].name;
			if (u->why == PLAN_WHY_NO_TARGET ||
			    u->why == PLAN_WHY_COMBINED) {
				row[3] = "-";
				row[4] = "-";
			} else if (mib) {
				row[3] = b[3];
				str_fmt_mib(b[3], 64, (uint64_t)u->need);
				row[4] = b[4];
				str_fmt_mib(b[4], 64, (uint64_t)u->best);
			} else {
				row[3] = b[3];
				snprintf(b[3], 64, "%lld", (long long)u->need);
				row[4] = b[4];
				snprintf(b[4], 64, "%lld", (long long)u->best);
			}
			row[5] = plan_why_text(u->why);
			table_row(t, row);
		}
		printf("\nNot placed (%zu), they stay where they are:\n",
		    p->nunplaced);
		table_print(t, stdout, 2);
		table_free(t);
	}
	t = table_new(8, hh);
	for (i = 0; i < c->nhosts; i++) {
		const struct plan_host *h = &c->hosts[i];

		row[0] = h->name;
		row[1] = plan_disk_kind_name(h->disk_kind);
		row[2] = h->offline ? "offline" : plan_host_state_name(h->state);
		row[3] = b[3];
		snprintf(b[3], 64, "%lld", (long long)ld[i].nguests);
		row[4] = b[4];
		pct(b[4], 64, ld[i].ram, cap[i].ram);
		row[5] = b[5];
		pct(b[5], 64, ld[i].disk, cap[i].disk);
		row[6] = b[6];
		pct(b[6], 64, ld[i].vcpu, cap[i].vcpu);
		row[7] = p->retired[i] ? (p->empty_after[i] ?
		    "retired, empty" : "retired, NOT empty") :
		    p->empty_after[i] ? "empty" : "";
		table_row(t, row);
	}
	printf("\nHosts after the plan:\n");
	table_print(t, stdout, 2);
	table_free(t);
	for (i = 0, j = 0; i < c->nhosts; i++)
		j += p->retired[i] && p->empty_after[i];
	printf("\nSummary: %zu move%s (%zu with a reboot), %zu not placed; "
	    "%zu of %zu retired host%s emptied, %zu host%s freed, %zu of %zu "
	    "host%s empty.\n", p->nmoves, p->nmoves == 1 ? "" : "s",
	    p->nreboots, p->nunplaced, j, p->nretired,
	    p->nretired == 1 ? "" : "s", p->nfreed, p->nfreed == 1 ? "" : "s",
	    p->nempty_after, c->nhosts, c->nhosts == 1 ? "" : "s");
}

static struct json_object *
jhost_load(const struct plan_host *h, const struct plan_load *ld,
    const struct plan_load *cap)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(h->name));
	json_object_object_add(o, "disk_kind",
	    json_object_new_string(plan_disk_kind_name(h->disk_kind)));
	json_object_object_add(o, "state", json_object_new_string(h->offline ?
	    "offline" : plan_host_state_name(h->state)));
	json_object_object_add(o, "guests", json_object_new_int64(ld->nguests));
	json_object_object_add(o, "ram_mib", json_object_new_int64(ld->ram));
	json_object_object_add(o, "ram_cap_mib", json_object_new_int64(cap->ram));
	json_object_object_add(o, "disk_mib", json_object_new_int64(ld->disk));
	json_object_object_add(o, "disk_cap_mib",
	    json_object_new_int64(cap->disk));
	json_object_object_add(o, "vcpus", json_object_new_int64(ld->vcpu));
	json_object_object_add(o, "vcpu_cap", json_object_new_int64(cap->vcpu));
	return o;
}

static void
cons_json(const struct plan_cluster *c, const struct plan_consolidation *p,
    const struct plan_load *ld, const struct plan_load *cap)
{
	struct json_object *o;
	size_t i;

	o = json_object_new_object();
	json_object_object_add(o, "moves", json_object_new_int64((int64_t)p->nmoves));
	json_object_object_add(o, "reboots",
	    json_object_new_int64((int64_t)p->nreboots));
	json_object_object_add(o, "unplaced",
	    json_object_new_int64((int64_t)p->nunplaced));
	json_object_object_add(o, "retired_hosts",
	    json_object_new_int64((int64_t)p->nretired));
	json_object_object_add(o, "hosts_freed",
	    json_object_new_int64((int64_t)p->nfreed));
	json_object_object_add(o, "hosts_empty_before",
	    json_object_new_int64((int64_t)p->nempty_before));
	json_object_object_add(o, "hosts_empty_after",
	    json_object_new_int64((int64_t)p->nempty_after));
	json_object_object_add(o, "hosts", json_object_new_int64((int64_t)c->nhosts));
	fputs("{\"command\":\"consolidate\",\"summary\":", stdout);
	json_out(stdout, o);
	fputs(",\"moves\":[", stdout);
	for (i = 0; i < p->nmoves; i++) {
		const struct plan_move *m = &p->moves[i];
		const struct plan_guest *g = &c->guests[m->guest];

		o = json_object_new_object();
		json_object_object_add(o, "step", json_object_new_int64((int64_t)i + 1));
		json_object_object_add(o, "guest", json_object_new_string(g->name));
		json_object_object_add(o, "copy",
		    json_object_new_string(copy_name(m->kind)));
		json_object_object_add(o, "from",
		    json_object_new_string(c->hosts[m->from].name));
		json_object_object_add(o, "to",
		    json_object_new_string(c->hosts[m->to].name));
		json_object_object_add(o, "reboot",
		    json_object_new_boolean(m->reboot));
		if (i > 0)
			fputc(',', stdout);
		json_out(stdout, o);
	}
	fputs("],\"unplaced\":[", stdout);
	for (i = 0; i < p->nunplaced; i++) {
		const struct plan_unplaced *u = &p->unplaced[i];
		const struct plan_guest *g = &c->guests[u->guest];

		o = json_object_new_object();
		json_object_object_add(o, "guest", json_object_new_string(g->name));
		json_object_object_add(o, "copy",
		    json_object_new_string(copy_name(u->kind)));
		json_object_object_add(o, "host", json_object_new_string(
		    c->hosts[u->kind == PLAN_MOVE_PRIMARY ? g->host :
		    g->secondary].name));
		json_object_object_add(o, "why",
		    json_object_new_string(plan_why_text(u->why)));
		json_object_object_add(o, "need", json_object_new_int64(u->need));
		json_object_object_add(o, "best", json_object_new_int64(u->best));
		if (i > 0)
			fputc(',', stdout);
		json_out(stdout, o);
	}
	fputs("],\"hosts\":[", stdout);
	for (i = 0; i < c->nhosts; i++) {
		o = jhost_load(&c->hosts[i], &ld[i], &cap[i]);
		json_object_object_add(o, "retired",
		    json_object_new_boolean(p->retired[i]));
		json_object_object_add(o, "empty",
		    json_object_new_boolean(p->empty_after[i]));
		if (i > 0)
			fputc(',', stdout);
		json_out(stdout, o);
	}
	fputs("]}\n", stdout);
}

static int
run_consolidate(const struct plan_cluster *c, struct cli *cl)
{
	struct plan_consolidation *p = NULL;
	struct plan_load *ld, *cap;
	struct herr e;
	size_t i;

	herr_clear(&e);
	if (plan_consolidate(c, &cl->co, &p, &e) == -1) {
		fprintf(stderr, "hangar plan: %s\n", e.msg);
		return e.code == HERR_USAGE ? PLAN_EXIT_USAGE : PLAN_EXIT_ERR;
	}
	ld = xcalloc(c->nhosts + 1, sizeof(*ld));
	cap = xcalloc(c->nhosts + 1, sizeof(*cap));
	plan_load_init(c, ld);
	plan_caps_init(c, 100, cap);
	for (i = 0; i < p->nmoves; i++) {
		struct plan_load need;

		plan_move_need(&c->guests[p->moves[i].guest],
		    p->moves[i].kind, &need);
		plan_load_add(&ld[p->moves[i].from], &need, -1);
		plan_load_add(&ld[p->moves[i].to], &need, 1);
	}
	if (cl->json)
		cons_json(c, p, ld, cap);
	else
		cons_human(c, cl, p, ld, cap);
	i = p->nunplaced;
	free(ld);
	free(cap);
	plan_consolidation_free(p);
	return i > 0 ? PLAN_EXIT_ERR : PLAN_EXIT_OK;
}

/* ---- maintenance ---- */

static void
maint_human(const struct plan_cluster *c, const struct cli *cl,
    const struct plan_maintenance *p)
{
	static const char *gh[] = { "GUEST", "OWNER", "HOST", "ACTION",
	    "TARGET", ">DOWNTIME" };
	char b[6][64], d[32];
	const char *row[6];
	size_t i, j, k, largest = 0;

	for (j = 0; j < 6; j++)
		row[j] = b[j];
	printf("Rolling maintenance: %zu host%s reboot%s in %zu batch%s (",
	    c->nhosts - p->nskipped, c->nhosts - p->nskipped == 1 ? "" : "s",
	    c->nhosts - p->nskipped == 1 ? "s" : "", p->nbatches,
	    p->nbatches == 1 ? "" : "es");
	if (cl->mo.max_parallel > 0)
		printf("at most %zu host%s at once", cl->mo.max_parallel,
		    cl->mo.max_parallel == 1 ? "" : "s");
	else
		printf("no limit on hosts at once");
	printf(", at most %d%% of a customer's guests down)\n",
	    cl->mo.max_customer_down_pct);
	for (i = 0; i < p->nbatches; i++)
		if (p->batches[i].nhosts > largest)
			largest = p->batches[i].nhosts;
	for (i = 0; i < p->nbatches && (!cl->one_step || i == 0); i++) {
		const struct plan_batch *bt = &p->batches[i];
		struct table *t = table_new(6, gh);

		printf("\nBatch %zu: %zu host%s, about %s:", i + 1, bt->nhosts,
		    bt->nhosts == 1 ? "" : "s", fmt_dur(d, sizeof(d),
		    bt->duration_s));
		for (k = 0; k < bt->nhosts; k++) {
			char q[80];

			str_sanitize(q, sizeof(q), c->hosts[bt->hosts[k]].name);
			printf(" %s", q);
		}
		printf("\n");
		for (j = bt->first; j < bt->first + bt->nguests; j++) {
			const struct plan_maint_guest *f = &p->guests[j];
			const struct plan_guest *g = &c->guests[f->guest];

			row[0] = g->name;
			row[1] = g->owner != PLAN_NONE ?
			    c->customers[g->owner] : "-";
			row[2] = c->hosts[f->host].name;
			row[3] = f->secondary ? "DRBD copy out, back after" :
			    f->fate == PLAN_FATE_MIGRATE ?
			    "migrate, back after" : f->no_room ?
			    "reboot (no room)" : "reboot (no live migration)";
			row[4] = f->target != PLAN_NONE ?
			    c->hosts[f->target].name : "-";
			row[5] = b[5];
			fmt_dur(b[5], 64, f->downtime_s);
			table_row(t, row);
		}
		if (table_rows(t) > 0)
			table_print(t, stdout, 2);
		table_free(t);
	}
	if (cl->one_step && p->nbatches > 1)
		printf("\n(--one-step-only: batches 2-%zu not shown)\n",
		    p->nbatches);
	for (i = 0; i < p->nwarnings; i++)
		printf("\nwarning: %s", p->warnings[i]);
	printf("\nSummary: %zu batch%s (largest %zu host%s), %zu of %zu "
	    "guests see a reboot, %zu migration%s (there and back), ",
	    p->nbatches, p->nbatches == 1 ? "" : "es", largest,
	    largest == 1 ? "" : "s", p->nrebooted, c->nguests,
	    p->nmigrations, p->nmigrations == 1 ? "" : "s");
	if (p->ncopy_moves > 0)
		printf("%zu DRBD copy move%s (there and back), ",
		    p->ncopy_moves, p->ncopy_moves == 1 ? "" : "s");
	printf("%zu host%s not rebooted (retired, offline or left out), "
	    "about %s in total.\n", p->nskipped, p->nskipped == 1 ? "" : "s",
	    fmt_dur(d, sizeof(d), p->total_s));
	maint_cost_human(p);
}

void
maint_cost_human(const struct plan_maintenance *p)
{
	char a[32], b[32], f[32];
	size_t i;

	printf("Cost: about %s; the all-reboot cycle %s; the floor %s "
	    "(%.2fx the floor, %.2fx all-reboot).\n",
	    fmt_dur(a, sizeof(a), p->total_s),
	    fmt_dur(b, sizeof(b), p->all_reboot_s),
	    fmt_dur(f, sizeof(f), p->floor_s),
	    p->floor_s > 0 ? p->total_s / p->floor_s : 1.0,
	    p->all_reboot_s > 0 ? p->total_s / p->all_reboot_s : 1.0);
	for (i = 0; i < p->nnotes; i++)
		printf("note: %s\n", p->notes[i]);
}

static void
maint_summary_json(struct jout *j, const struct plan_cluster *c,
    const struct plan_maintenance *p, int one_step)
{
	size_t i, largest = 0;

	for (i = 0; i < p->nbatches; i++)
		if (p->batches[i].nhosts > largest)
			largest = p->batches[i].nhosts;
	jout_key(j, "batches");
	jout_int(j, (int64_t)p->nbatches);
	jout_raw(j, ",");
	jout_key(j, "largest_batch");
	jout_int(j, (int64_t)largest);
	jout_raw(j, ",");
	jout_key(j, "guests");
	jout_int(j, (int64_t)c->nguests);
	jout_raw(j, ",");
	jout_key(j, "rebooted");
	jout_int(j, (int64_t)p->nrebooted);
	jout_raw(j, ",");
	jout_key(j, "migrations");
	jout_int(j, (int64_t)p->nmigrations);
	jout_raw(j, ",");
	if (p->ncopy_moves > 0) {
		jout_key(j, "copy_moves");
		jout_int(j, (int64_t)p->ncopy_moves);
		jout_raw(j, ",");
	}
	if (one_step)
		jout_raw(j, "\"one_step_only\":true,");
	jout_key(j, "skipped_hosts");
	jout_int(j, (int64_t)p->nskipped);
	jout_raw(j, ",");
	jout_key(j, "total_s");
	jout_double(j, p->total_s);
	jout_raw(j, ",");
	jout_key(j, "warnings");
	jout_strings(j, p->warnings, p->nwarnings);
	jout_raw(j, ",");
	maint_cost_json(j, p);
}

void
jout_strings(struct jout *j, char *const *v, size_t n)
{
	size_t i;

	jout_raw(j, "[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			jout_raw(j, ",");
		jout_str(j, v[i]);
	}
	jout_raw(j, "]");
}

void
maint_cost_json(struct jout *j, const struct plan_maintenance *p)
{
	jout_key(j, "mode");
	jout_str(j, p->roll == PLAN_ROLL_FORWARD ? "forward" : "back");
	jout_raw(j, ",");
	jout_key(j, "all_reboot_s");
	jout_double(j, p->all_reboot_s);
	jout_raw(j, ",");
	jout_key(j, "floor_s");
	jout_double(j, p->floor_s);
	jout_raw(j, ",");
	jout_key(j, "notes");
	jout_strings(j, p->notes, p->nnotes);
}

void
qhosts_init(struct qhosts *q, const struct plan_cluster *c)
{
	size_t i, n = 0;

	q->off = xreallocarray(NULL, c->nhosts + 1, sizeof(size_t));
	q->len = xreallocarray(NULL, c->nhosts + 1, sizeof(size_t));
	for (i = 0; i < c->nhosts; i++)
		n += JOUT_QUOTE_MAX(strlen(c->hosts[i].name));
	q->text = xmalloc(n + 1);
	for (i = 0, n = 0; i < c->nhosts; i++) {
		q->off[i] = n;
		q->len[i] = jout_quote(q->text + n, c->hosts[i].name);
		n += q->len[i];
	}
}

void
qhosts_free(struct qhosts *q)
{
	free(q->text);
	free(q->off);
	free(q->len);
}

/* The last downtime written and its text: they repeat, row after row. */
struct lastd {
	double	 v;
	size_t	 len;		/* 0: none yet */
	char	 text[JOUT_DOUBLE_MAX];
};

#define ROW_FIXED	128	/* a row's keys, punctuation and words */

static char *
put_mem(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}
#define PUT_LIT(d, lit)	put_mem((d), "" lit, sizeof(lit) - 1)

/* A row longer than jout's buffer (a guest name of kilobytes), piecewise. */
static void
maint_guest_long(struct jout *j, const struct plan_cluster *c,
    const struct plan_maint_guest *g)
{
	JOUT_LIT(j, "{\"guest\":");
	jout_str(j, c->guests[g->guest].name);
	JOUT_LIT(j, ",\"host\":");
	jout_str(j, c->hosts[g->host].name);
	if (g->fate == PLAN_FATE_MIGRATE)
		JOUT_LIT(j, ",\"action\":\"migrate\"");
	else
		JOUT_LIT(j, ",\"action\":\"reboot\"");
	if (g->secondary)
		JOUT_LIT(j, ",\"copy\":\"secondary\"");
	if (g->target != PLAN_NONE) {
		JOUT_LIT(j, ",\"target\":");
		jout_str(j, c->hosts[g->target].name);
	}
	if (g->fate == PLAN_FATE_REBOOT && g->no_room)
		JOUT_LIT(j, ",\"reason\":\"no room\"");
	else if (g->fate == PLAN_FATE_REBOOT)
		JOUT_LIT(j, ",\"reason\":\"no live migration\"");
	JOUT_LIT(j, ",\"downtime_s\":");
	jout_double(j, g->downtime_s);
	JOUT_LIT(j, "}");
}

/*
 * One guest's fate, {"guest":..,"host":..,"action":..[,"target"]..},
 * built in place in jout's buffer.
 */
static void
maint_guest_json(struct jout *j, const struct plan_cluster *c,
    const struct qhosts *qh, struct lastd *ld,
    const struct plan_maint_guest *g)
{
	const char *name = c->guests[g->guest].name;
	size_t n = JOUT_QUOTE_MAX(strlen(name)) + ROW_FIXED +
	    qh->len[g->host] + JOUT_DOUBLE_MAX;
	char *row, *d;

	if (g->target != PLAN_NONE)
		n += qh->len[g->target];
	if (n > sizeof(j->buf)) {
		maint_guest_long(j, c, g);
		return;
	}
	if (ld->len == 0 || memcmp(&ld->v, &g->downtime_s, sizeof(double))) {
		ld->v = g->downtime_s;
		ld->len = jout_fmt_double(ld->text, ld->v);
	}
	row = d = jout_reserve(j, n);
	d = PUT_LIT(d, "{\"guest\":");
	d += jout_quote(d, name);
	d = PUT_LIT(d, ",\"host\":");
	d = put_mem(d, qh->text + qh->off[g->host], qh->len[g->host]);
	if (g->fate == PLAN_FATE_MIGRATE)
		d = PUT_LIT(d, ",\"action\":\"migrate\"");
	else
		d = PUT_LIT(d, ",\"action\":\"reboot\"");
	if (g->secondary)
		d = PUT_LIT(d, ",\"copy\":\"secondary\"");
	if (g->target != PLAN_NONE) {
		d = PUT_LIT(d, ",\"target\":");
		d = put_mem(d, qh->text + qh->off[g->target],
		    qh->len[g->target]);
	}
	if (g->fate == PLAN_FATE_REBOOT && g->no_room)
		d = PUT_LIT(d, ",\"reason\":\"no room\"");
	else if (g->fate == PLAN_FATE_REBOOT)
		d = PUT_LIT(d, ",\"reason\":\"no live migration\"");
	d = PUT_LIT(d, ",\"downtime_s\":");
	d = put_mem(d, ld->text, ld->len);
	d = PUT_LIT(d, "}");
	jout_commit(j, (size_t)(d - row));
}

/*
 * The rows name guests in host order, all over the guests' array, which
 * planning has long pushed out of the caches: the guest PREFETCH rows
 * ahead is asked for, and its name when it is half as far.
 */
#define PREFETCH	16
/* a macro: gcc drops calls of a function that only prefetches */
#define PREFETCH_GUEST(c, p, k) do {					\
	if ((k) < (p)->nguests)						\
		__builtin_prefetch(					\
		    &(c)->guests[(p)->guests[(k)].guest]);		\
	if ((k) - PREFETCH / 2 < (p)->nguests)				\
		__builtin_prefetch((c)->guests[(p)->guests[(k) -	\
		    PREFETCH / 2].guest].name);				\
} while (0)

/* What writing a plan's JSON needs besides its jout. */
struct mjson {
	const struct plan_cluster	*c;
	const struct plan_maintenance	*p;		/* the batches shown */
	const struct qhosts		*qh;
	const struct plan_maintenance	*sum;		/* the whole plan */
	int				 one_step;
};

/* Batch i's text up to its first guest row. */
static void
batch_head(struct jout *j, const struct mjson *mj, size_t i)
{
	const struct plan_batch *bt = &mj->p->batches[i];
	const struct qhosts *qh = mj->qh;
	size_t k;
	char b[64];

	snprintf(b, sizeof(b), "%s{\"batch\":%zu,\"duration_s\":%.1f,"
	    "\"hosts\":[", i > 0 ? "," : "", i + 1, bt->duration_s);
	jout_raw(j, b);
	for (k = 0; k < bt->nhosts; k++) {
		if (k > 0)
			jout_raw(j, ",");
		jout_mem(j, qh->text + qh->off[bt->hosts[k]],
		    qh->len[bt->hosts[k]]);
	}
	jout_raw(j, "],\"guests\":[");
}

/* Guest rows from .. to-1 (plan order) of batch i. */
static void
batch_rows(struct jout *j, const struct mjson *mj, size_t i, size_t from,
    size_t to)
{
	const struct plan_maintenance *p = mj->p;
	struct lastd ld;
	size_t k;

	memset(&ld, 0, sizeof(ld));
	for (k = from; k < to; k++) {
		if (k > p->batches[i].first)
			jout_raw(j, ",");
		PREFETCH_GUEST(mj->c, p, k + PREFETCH);
		maint_guest_json(j, mj->c, mj->qh, &ld, &p->guests[k]);
	}
}

static size_t
batch_end(const struct plan_batch *bt)
{
	return bt->first + bt->nguests;
}

/*
 * The plan's text from guest row `from` on, or up to it (`upto`): cut
 * there, the two halves make the whole.  Row `from` is in batch i.
 */
static void
maint_json_upto(struct jout *j, const struct mjson *mj, size_t i,
    size_t upto)
{
	size_t b;

	jout_raw(j, "{\"command\":\"maintenance\",\"summary\":{");
	maint_summary_json(j, mj->c, mj->sum, mj->one_step);
	jout_raw(j, "},\"batches\":[");
	for (b = 0; b < i; b++) {
		batch_head(j, mj, b);
		batch_rows(j, mj, b, mj->p->batches[b].first,
		    batch_end(&mj->p->batches[b]));
		jout_raw(j, "]}");
	}
	if (i < mj->p->nbatches) {
		batch_head(j, mj, i);
		batch_rows(j, mj, i, mj->p->batches[i].first, upto);
	}
}

static void
maint_json_from(struct jout *j, const struct mjson *mj, size_t i,
    size_t from)
{
	size_t b;

	if (i < mj->p->nbatches) {
		batch_rows(j, mj, i, from, batch_end(&mj->p->batches[i]));
		jout_raw(j, "]}");
	}
	for (b = i + 1; b < mj->p->nbatches; b++) {
		batch_head(j, mj, b);
		batch_rows(j, mj, b, mj->p->batches[b].first,
		    batch_end(&mj->p->batches[b]));
		jout_raw(j, "]}");
	}
	jout_raw(j, "]}\n");
}

ssize_t
pieces_write(void *cookie, const char *buf, size_t n)
{
	struct pieces *pc = cookie;

	if (pc->n == pc->cap) {
		pc->cap = pc->cap == 0 ? 64 : pc->cap * 2;
		pc->p = xreallocarray(pc->p, pc->cap, sizeof(*pc->p));
		pc->len = xreallocarray(pc->len, pc->cap, sizeof(*pc->len));
	}
	pc->p[pc->n] = xmalloc(n > 0 ? n : 1);
	memcpy(pc->p[pc->n], buf, n);
	pc->len[pc->n++] = n;
	return (ssize_t)n;
}

/* Writes the pieces to f and frees them. */
void
pieces_out(struct pieces *pc, FILE *f)
{
	size_t i;

	for (i = 0; i < pc->n; i++) {
		fwrite(pc->p[i], 1, pc->len[i], f);
		free(pc->p[i]);
	}
	free(pc->p);
	free(pc->len);
	memset(pc, 0, sizeof(*pc));
}

/* The second half, written by a thread of its own into memory. */
struct mjson_half {
	const struct mjson	*mj;
	size_t			 i, from;
	struct pieces		 text;
	int			 failed;
};

static void *
mjson_half_main(void *arg)
{
	static const cookie_io_functions_t io = { NULL, pieces_write, NULL,
	    NULL };
	struct mjson_half *h = arg;
	struct jout *j = xmalloc(sizeof(*j));
	FILE *f;

	/* unbuffered: jout's buffer goes to pieces_write() as it is */
	if ((f = fopencookie(&h->text, "w", io)) == NULL ||
	    setvbuf(f, NULL, _IONBF, 0) != 0) {
		h->failed = 1;
		if (f != NULL)
			fclose(f);
		free(j);
		return NULL;
	}
	jout_init(j, f);
	maint_json_from(j, h->mj, h->i, h->from);
	if (jout_flush(j) == -1)
		h->failed = 1;
	if (fclose(f) == EOF)
		h->failed = 1;
	free(j);
	return NULL;
}

/* Rows from which a second CPU writes the second half of the rows. */
#define JSON_SPLIT_MIN	20000

/*
 * The plan as JSON text, written as it goes (jout.h): no objects.  A
 * large plan's rows are cut in two at a row, the second half written
 * into memory by a second thread meanwhile, then copied out after the
 * first: the same bytes as one pass (maint_json_upto(), _from()).
 */
static void
maint_json(const struct plan_cluster *c, const struct plan_maintenance *full,
    int one_step)
{
	struct jout *j = xmalloc(sizeof(*j));
	struct qhosts qh;
	struct plan_maintenance first = *full;
	const struct plan_maintenance *p = full;
	struct mjson mj = { c, full, &qh, full, one_step };
	struct mjson_half h;
	pthread_t tid;
	size_t i = 0, mid = p->nguests / 2;
	int threaded = 0;

	if (one_step && full->nbatches > 1) {
		/* --one-step-only: the first batch's rows only */
		first.nbatches = 1;
		first.nguests = batch_end(&full->batches[0]);
		mj.p = p = &first;
		mid = p->nguests / 2;
	}
	qhosts_init(&qh, c);
	while (i < p->nbatches && batch_end(&p->batches[i]) <= mid)
		i++;		/* the batch that holds row mid */
	if (i == p->nbatches)
		mid = p->nguests;
	memset(&h, 0, sizeof(h));
	h.mj = &mj;
	h.i = i;
	h.from = mid;
	if (p->nguests >= JSON_SPLIT_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	    plan_thread_start(&tid, mjson_half_main, &h) == 0)
		threaded = 1;
	jout_init(j, stdout);
	maint_json_upto(j, &mj, i, mid);
	if (threaded) {
		(void)jout_flush(j);
		pthread_join(tid, NULL);
		if (h.failed)
			abort();	/* no FILE for memory: as xmalloc() */
		pieces_out(&h.text, stdout);
	} else
		maint_json_from(j, &mj, i, mid);
	(void)jout_flush(j);	/* plan_cli_main checks stdout */
	qhosts_free(&qh);
	free(j);
}

static int
run_maintenance(const struct plan_cluster *c, struct cli *cl)
{
	struct plan_maintenance *p = NULL;
	struct herr e;

	herr_clear(&e);
	if (plan_maintenance(c, &cl->mo, &p, &e) == -1) {
		fprintf(stderr, "hangar plan: %s\n", e.msg);
		return e.code == HERR_USAGE ? PLAN_EXIT_USAGE : PLAN_EXIT_ERR;
	}
	if (p->roll == PLAN_ROLL_FORWARD && cl->json)
		roll_json(c, &cl->mo, p, cl->one_step);
	else if (p->roll == PLAN_ROLL_FORWARD)
		roll_human(c, &cl->mo, p, cl->one_step);
	else if (cl->json)
		maint_json(c, p, cl->one_step);
	else
		maint_human(c, cl, p);
	plan_maintenance_free(p);
	return PLAN_EXIT_OK;
}

/*
 * -O: v (a shallow copy of the cluster) gets its own hosts, those named
 * offline: neither rebooted nor a target.  -1 to go on, else the exit
 * status (a name that is no host).
 */
static int
set_offline(struct plan_cluster *v, const struct cli *cl)
{
	struct plan_host *h;
	size_t i;
	int32_t k;

	if (cl->noffline == 0)
		return -1;
	h = xreallocarray(NULL, v->nhosts + 1, sizeof(*h));
	memcpy(h, v->hosts, v->nhosts * sizeof(*h));
	v->hosts = h;
	for (i = 0; i < cl->noffline; i++) {
		if ((k = plan_host_find(v, cl->offline[i])) == PLAN_NONE)
			return bad("-O: no host \"%s\" in the cluster",
			    cl->offline[i]);
		h[k].offline = 1;
	}
	return -1;
}

int
plan_cli_main(int argc, char **argv, plan_live_fn live, void *arg)
{
	struct cli cl;
	struct plan_cluster *loaded = NULL, view;
	struct plan_host *ownhosts = NULL;	/* view's, with -O */
	const struct plan_cluster *c;
	struct herr e;
	size_t i;
	int rc;

	memset(&cl, 0, sizeof(cl));
	plan_consolidate_opts_init(&cl.co);
	plan_maint_opts_init(&cl.mo);
	if (argc < 1 || argv[0] == NULL) {
		usage(stderr);
		return PLAN_EXIT_USAGE;
	}
	if (strcmp(argv[0], "maintenance") == 0)
		cl.maint = 1;
	else if (strcmp(argv[0], "consolidate") != 0) {
		rc = bad("unknown command \"%s\": use consolidate or "
		    "maintenance", argv[0]);
		goto out;
	}
	if ((rc = parse_args(&cl, argc, argv)) != -1)
		goto out;
	herr_clear(&e);
	if (cl.file != NULL) {
		if (plan_load_file(cl.file, &loaded, &e) == -1) {
			fprintf(stderr, "hangar plan: %s\n", e.msg);
			rc = PLAN_EXIT_ERR;
			goto out;
		}
		c = loaded;
	} else if (live != NULL) {
		if ((c = live(arg, &e)) == NULL) {
			fprintf(stderr, "hangar: %s\n", e.msg);
			rc = herr_exit_status(e.code);
			goto out;
		}
	} else {
		fprintf(stderr, "hangar plan: no cluster to plan over: give a "
		    "cluster file with -t FILE (htools text format)\n");
		rc = PLAN_EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < c->nwarnings; i++)
		fprintf(stderr, "hangar plan: warning: %s\n", c->warnings[i]);
	if (cl.vcpu_ratio > 0 || cl.noffline > 0) {
		view = *c;	/* shallow: same guests, hosts copied */
		if (cl.vcpu_ratio > 0)
			view.vcpu_ratio = cl.vcpu_ratio;
		rc = set_offline(&view, &cl);
		if (cl.noffline > 0)
			ownhosts = view.hosts;
		if (rc != -1)
			goto out;
		c = &view;
	}
	rc = cl.maint ? run_maintenance(c, &cl) : run_consolidate(c, &cl);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "hangar plan: error writing the plan\n");
		rc = PLAN_EXIT_ERR;
	}
out:
	free(ownhosts);
	plan_cluster_free(loaded);
	for (i = 0; i < cl.nselbuf; i++)
		free(cl.selbuf[i]);
	free(cl.selbuf);
	free(cl.sel);
	free(cl.tags);
	free(cl.offline);
	return rc;
}
