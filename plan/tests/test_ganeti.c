/*
 * Ganeti's own test data (Debian's ganeti-testsuite, fetched by
 * ganeti.sh): every .data file of test/data/htools parses, but invalid-node.data,
 * refused naming its file, line and field; and every plan the planners
 * make of them, with every option that changes who takes part, passes
 * the checker.  Besides the checker, this asserts on its own the rules
 * Ganeti keeps: no move leaves its node group, no offline host reboots
 * or receives, no host ends a step over its free disk.
 *
 *   test-plan-ganeti DIR      DIR: .../test/data/htools
 * Prints one line per file; exits 1 on the first failure.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

static const char *file;	/* the one being planned, for messages */

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Disk on each host, as the cluster places it (secondaries too). */
static int64_t *
disk_now(const struct plan_cluster *c)
{
	int64_t *d = calloc(c->nhosts + 1, sizeof(int64_t));
	size_t i;

	if (d == NULL)
		die("out of memory");
	for (i = 0; i < c->nguests; i++) {
		d[c->guests[i].host] += c->guests[i].disk_mib;
		if (c->guests[i].secondary != PLAN_NONE)
			d[c->guests[i].secondary] += c->guests[i].disk_mib;
	}
	return d;
}

/* A target must take part: same group as where the copy was, online. */
static void
target_rule(const struct plan_cluster *c, int32_t from, int32_t to,
    const char *what, const char *guest)
{
	if (c->hosts[to].offline)
		die("%s: %s goes to offline host %s", what, guest,
		    c->hosts[to].name);
	if (c->hosts[to].group != c->hosts[from].group)
		die("%s: %s leaves group %s for %s of group %s", what, guest,
		    plan_group_name(c, c->hosts[from].group),
		    c->hosts[to].name, plan_group_name(c, c->hosts[to].group));
}

/* What grows on a target never passes its free disk (the file's). */
static void
disk_rule(const struct plan_cluster *c, const int64_t *d, int32_t h,
    int64_t before, const char *what)
{
	int64_t cap = c->hosts[h].disk_mib - c->hosts[h].reserved_disk_mib;

	if (d[h] > before && d[h] > cap)
		die("%s: %s holds %lld MiB of disk, more than its %lld free",
		    what, c->hosts[h].name, (long long)d[h], (long long)cap);
}

static void
check_consolidation(const struct plan_cluster *c, const char **sel,
    size_t nsel, int pack)
{
	struct plan_consolidate_opts o;
	struct plan_consolidation *p = NULL;
	struct herr e;
	int64_t *d = disk_now(c), *d0 = disk_now(c);
	size_t i;

	plan_consolidate_opts_init(&o);
	o.retire = sel;
	o.nretire = nsel;
	o.pack = pack;
	herr_clear(&e);
	if (plan_consolidate(c, &o, &p, &e) == -1) {
		/* a retire selector that matches nothing, or no order of
		 * the moves fits: both said, neither a plan */
		if (e.code != HERR_NOTFOUND && e.code != HERR_CAPACITY)
			die("consolidate: %s", e.msg);
		free(d);
		free(d0);
		return;
	}
	if (plan_check_consolidation(c, &o, p, &e) == -1)
		die("consolidate%s: checker: %s", pack ? " --pack" : "", e.msg);
	for (i = 0; i < p->nmoves; i++) {
		const struct plan_move *m = &p->moves[i];
		const char *g = c->guests[m->guest].name;

		target_rule(c, m->from, m->to, "consolidate", g);
		d[m->from] -= c->guests[m->guest].disk_mib;
		d[m->to] += c->guests[m->guest].disk_mib;
		disk_rule(c, d, m->to, d0[m->to], "consolidate");
	}
	plan_consolidation_free(p);
	free(d);
	free(d0);
}

/* Rolling back: each batch from the start, its rows' targets. */
static void
back_rules(const struct plan_cluster *c, const struct plan_maintenance *p)
{
	int64_t *d0 = disk_now(c), *d = disk_now(c);
	size_t b, i;

	for (b = 0; b < p->nbatches; b++) {
		const struct plan_batch *bt = &p->batches[b];

		memcpy(d, d0, c->nhosts * sizeof(int64_t));
		for (i = bt->first; i < bt->first + bt->nguests; i++) {
			const struct plan_maint_guest *f = &p->guests[i];
			const struct plan_guest *g = &c->guests[f->guest];

			if (f->fate != PLAN_FATE_MIGRATE)
				continue;
			target_rule(c, f->host, f->target, "maintenance",
			    g->name);
			/* onto its DRBD copy: the disk is there already */
			if (!f->secondary && f->target == g->secondary)
				continue;
			d[f->target] += g->disk_mib;
			disk_rule(c, d, f->target, d0[f->target],
			    "maintenance");
		}
	}
	free(d0);
	free(d);
}

/* Rolling forward: every move, in order. */
static void
forward_rules(const struct plan_cluster *c, const struct plan_maintenance *p)
{
	int64_t *d0 = disk_now(c), *d = disk_now(c);
	int32_t *sec = malloc((c->nguests + 1) * sizeof(int32_t));
	size_t i;

	if (sec == NULL)
		die("out of memory");
	for (i = 0; i < c->nguests; i++)
		sec[i] = c->guests[i].secondary;
	for (i = 0; i < p->nmoves; i++) {
		const struct plan_maint_move *m = &p->moves[i];
		const struct plan_guest *g = &c->guests[m->guest];

		target_rule(c, g->host, m->to, "roll forward", g->name);
		if (m->to == sec[m->guest]) {
			sec[m->guest] = m->from;	/* the copies swap */
			continue;
		}
		d[m->to] += g->disk_mib;
		disk_rule(c, d, m->to, d0[m->to], "roll forward");
		d[m->from] -= g->disk_mib;
	}
	free(sec);
	free(d0);
	free(d);
}

static void
check_maintenance(const struct plan_cluster *c, struct plan_maint_opts *o,
    const char *what)
{
	struct plan_maintenance *p = NULL;
	struct herr e;
	size_t b, k;

	herr_clear(&e);
	if (plan_maintenance(c, o, &p, &e) == -1)
		die("maintenance %s: %s", what, e.msg);
	if (plan_check_maintenance(c, o, p, &e) == -1)
		die("maintenance %s: checker: %s", what, e.msg);
	for (b = 0; b < p->nbatches; b++)
		for (k = 0; k < p->batches[b].nhosts; k++)
			if (c->hosts[p->batches[b].hosts[k]].offline)
				die("maintenance %s: offline host %s reboots "
				    "in batch %zu", what,
				    c->hosts[p->batches[b].hosts[k]].name, b + 1);
	if (o->roll == PLAN_ROLL_FORWARD)
		forward_rules(c, p);
	else
		back_rules(c, p);
	plan_maintenance_free(p);
}

/* Every way of taking part, both modes (full evacuation rolling back). */
static void
plan_all(const struct plan_cluster *c)
{
	static const char *byname[1], *tag[1];
	struct plan_maint_opts o;
	size_t i, roll;
	char what[64], first[128];

	for (roll = 0; roll < 2; roll++)
		for (i = 0; i < 9; i++) {
			plan_maint_opts_init(&o);
			o.roll = roll ? PLAN_ROLL_FORWARD : PLAN_ROLL_BACK;
			o.max_customer_down_pct = 50;
			switch (i) {
			case 1:
				o.max_parallel = 2;
				o.master_last = 1;
				break;
			case 2:
				o.ignore_non_redundant = 1;
				break;
			case 3:
				o.skip_non_redundant = 1;
				break;
			case 4:
				o.offline_maintenance = 1;
				break;
			case 5:
				if (roll)
					continue;
				o.full_evacuation = 1;
				o.master_last = 1;
				break;
			case 6:
				/* the first host's first tag, if any */
				if (c->nhosts == 0 || c->hosts[0].tags[0] == '\0')
					continue;
				snprintf(first, sizeof(first), "%.*s",
				    (int)strcspn(c->hosts[0].tags, ","),
				    c->hosts[0].tags);
				tag[0] = first;
				o.node_tags = tag;
				o.nnode_tags = 1;
				break;
			case 7:
				o.max_util_pct = 80;
				o.link_parallel = 2;
				break;
			case 8:
				o.max_parallel = 1;
				break;
			}
			snprintf(what, sizeof(what), "(roll %s, case %zu)",
			    roll ? "forward" : "back", i);
			check_maintenance(c, &o, what);
		}
	/* consolidation: --pack, and each host emptied in turn */
	check_consolidation(c, NULL, 0, 1);
	for (i = 0; i < c->nhosts; i++) {
		byname[0] = c->hosts[i].name;
		check_consolidation(c, byname, 1, 0);
	}
}

/* Does msg read "PATH:LINE: field..." (a line number from 1)? */
static int
names_line(const char *msg, const char *path, const char *field)
{
	size_t n = strlen(path), k;

	if (strncmp(msg, path, n) != 0 || msg[n] != ':' || msg[n + 1] < '1' ||
	    msg[n + 1] > '9')
		return 0;
	k = n + 1 + strspn(msg + n + 1, "0123456789");
	return strncmp(msg + k, field, strlen(field)) == 0;
}

static int
is_data(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".data") == 0;
}

int
main(int argc, char **argv)
{
	struct dirent **ents;
	struct plan_cluster *c;
	struct herr e;
	char path[4096];
	int n, i, nparsed = 0, nrefused = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test-plan-ganeti DATA_DIR\n");
		return 2;
	}
	if ((n = scandir(argv[1], &ents, is_data, alphasort)) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], ents[i]->d_name);
		file = ents[i]->d_name;
		herr_clear(&e);
		c = NULL;
		if (strcmp(file, "invalid-node.data") == 0) {
			/* its instance names a node the file does not have */
			if (plan_load_file(path, &c, &e) == 0)
				die("parsed, but it is invalid");
			if (!names_line(e.msg, path, ": field 7 (pnode): no "
			    "host"))
				die("refused, but \"%s\" does not name file, "
				    "line and field", e.msg);
			printf("ok %s: refused: %s\n", file, e.msg + strlen(
			    argv[1]) + 1);
			nrefused++;
			free(ents[i]);
			continue;
		}
		if (plan_load_file(path, &c, &e) == -1)
			die("not parsed: %s", e.msg);
		plan_all(c);
		printf("ok %s: %zu hosts in %zu group%s, %zu guests, %zu "
		    "warning%s; every plan checked\n", file, c->nhosts,
		    plan_ngroups(c), plan_ngroups(c) == 1 ? "" : "s",
		    c->nguests, c->nwarnings, c->nwarnings == 1 ? "" : "s");
		plan_cluster_free(c);
		nparsed++;
		free(ents[i]);
	}
	free(ents);
	printf("%d files parsed and planned, %d refused\n", nparsed, nrefused);
	if (nparsed < 40 || nrefused != 1) {
		fprintf(stderr, "FAIL: expected Ganeti's ~50 files with "
		    "invalid-node.data among them in %s\n", argv[1]);
		return 1;
	}
	return 0;
}
