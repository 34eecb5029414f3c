/*
 * The independent plan checker.  It shares only the cluster model with
 * the planners: it keeps its own placement and its own per-host sums,
 * replays a plan step by step and stops at the first step that breaks a
 * rule.  The tests run every plan through it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

struct replay {
	const struct plan_cluster	*c;
	int32_t		*prim;		/* guest -> primary host */
	int32_t		*sec;		/* guest -> secondary or NONE */
	int64_t		*ram;		/* host -> sums */
	int64_t		*disk;
	int64_t		*vcpu;
	int64_t		*count;
	int		 pct;		/* target capacity, percent */
};

static void
replay_init(struct replay *r, const struct plan_cluster *c, int pct)
{
	size_t i;

	r->c = c;
	r->pct = pct > 0 && pct <= 100 ? pct : 100;
	r->prim = xcalloc(c->nguests + 1, sizeof(int32_t));
	r->sec = xcalloc(c->nguests + 1, sizeof(int32_t));
	r->ram = xcalloc(c->nhosts + 1, sizeof(int64_t));
	r->disk = xcalloc(c->nhosts + 1, sizeof(int64_t));
	r->vcpu = xcalloc(c->nhosts + 1, sizeof(int64_t));
	r->count = xcalloc(c->nhosts + 1, sizeof(int64_t));
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];

		r->prim[i] = g->host;
		r->sec[i] = g->secondary;
		r->ram[g->host] += g->ram_mib;
		r->vcpu[g->host] += g->vcpus;
		r->disk[g->host] += g->disk_mib;
		r->count[g->host]++;
		if (g->secondary != PLAN_NONE) {
			r->disk[g->secondary] += g->disk_mib;
			r->count[g->secondary]++;
		}
	}
}

static void
replay_release(struct replay *r)
{
	free(r->prim);
	free(r->sec);
	free(r->ram);
	free(r->disk);
	free(r->vcpu);
	free(r->count);
}

/* Is host h within capacity?  Fills what/val/cap when it is not. */
static int
host_ok(const struct replay *r, int32_t h, const char **what, int64_t *val,
    int64_t *cap)
{
	const struct plan_host *ho = &r->c->hosts[h];
	int64_t ram = ho->ram_mib - ho->reserved_mib;
	int64_t cpu = (int64_t)floor((double)ho->cpus * r->c->vcpu_ratio +
	    1e-9);
	/* free disk: the lower of the file's f_dsk and what guests leave */
	int64_t disk = ho->disk_mib - ho->reserved_disk_mib;

	if (ram < 0)
		ram = 0;
	if (disk < 0)
		disk = 0;
	if (r->ram[h] > ram * r->pct / 100) {
		*what = "RAM MiB";
		*val = r->ram[h];
		*cap = ram * r->pct / 100;
		return 0;
	}
	if (r->disk[h] > disk * r->pct / 100) {
		*what = "disk MiB";
		*val = r->disk[h];
		*cap = disk * r->pct / 100;
		return 0;
	}
	if (r->vcpu[h] > cpu * r->pct / 100) {
		*what = "vCPUs";
		*val = r->vcpu[h];
		*cap = cpu * r->pct / 100;
		return 0;
	}
	return 1;
}

/* Are hosts a and b (or PLAN_NONE) in one node group? */
static int
same_group(const struct plan_cluster *c, int32_t a, int32_t b)
{
	if (a < 0 || b < 0 || (size_t)a >= c->nhosts || (size_t)b >= c->nhosts)
		return 0;
	return c->hosts[a].group == c->hosts[b].group;
}

/* Applies one move; -1 with a message naming step n on any rule broken. */
static int
replay_move(struct replay *r, size_t n, int32_t gi, enum plan_move_kind kind,
    int32_t from, int32_t to, struct herr *e)
{
	const struct plan_cluster *c = r->c;
	const struct plan_guest *g;
	const char *what;
	int64_t val, cap;

	if (gi < 0 || (size_t)gi >= c->nguests || to < 0 ||
	    (size_t)to >= c->nhosts)
		return herr_set(e, HERR_INTERNAL, "step %zu: bad guest or "
		    "host index", n);
	g = &c->guests[gi];
	if (kind == PLAN_MOVE_PRIMARY ? r->prim[gi] != from : r->sec[gi] != from)
		return herr_set(e, HERR_INTERNAL, "step %zu: %s is not on "
		    "host %s", n, g->name, from >= 0 && (size_t)from < c->nhosts ?
		    c->hosts[from].name : "?");
	if (to == from || to == (kind == PLAN_MOVE_PRIMARY ? r->sec[gi] :
	    r->prim[gi]))
		return herr_set(e, HERR_INTERNAL, "step %zu: %s would have "
		    "both copies on %s", n, g->name, c->hosts[to].name);
	if (kind == PLAN_MOVE_PRIMARY) {
		r->prim[gi] = to;
		r->ram[from] -= g->ram_mib;
		r->ram[to] += g->ram_mib;
		r->vcpu[from] -= g->vcpus;
		r->vcpu[to] += g->vcpus;
	} else
		r->sec[gi] = to;
	r->disk[from] -= g->disk_mib;
	r->disk[to] += g->disk_mib;
	r->count[from]--;
	r->count[to]++;
	if (!host_ok(r, to, &what, &val, &cap))
		return herr_set(e, HERR_CAPACITY, "step %zu: moving %s puts %s "
		    "over capacity: %lld > %lld %s", n, g->name,
		    c->hosts[to].name, (long long)val, (long long)cap, what);
	return 0;
}

int
plan_check_consolidation(const struct plan_cluster *c,
    const struct plan_consolidate_opts *o, const struct plan_consolidation *p,
    struct herr *e)
{
	struct replay r;
	uint8_t *left = NULL;
	size_t i, nempty = 0;
	int rc = -1;

	replay_init(&r, c, o->max_util_pct);
	for (i = 0; i < c->nhosts; i++)
		if ((uint8_t)plan_selector_match(&c->hosts[i], o->retire,
		    o->nretire) != p->retired[i]) {
			herr_set(e, HERR_INTERNAL, "host %s: retired flag "
			    "differs from the selectors", c->hosts[i].name);
			goto out;
		}
	for (i = 0; i < p->nmoves; i++) {
		const struct plan_move *m = &p->moves[i];
		const struct plan_host *t;

		if (m->to < 0 || (size_t)m->to >= c->nhosts) {
			herr_set(e, HERR_INTERNAL, "step %zu: bad host", i + 1);
			goto out;
		}
		t = &c->hosts[m->to];
		if (t->state != PLAN_HOST_ACTIVE || t->offline ||
		    p->retired[m->to] ||
		    (o->to != PLAN_DISK_UNKNOWN && t->disk_kind != o->to)) {
			herr_set(e, HERR_INTERNAL, "step %zu: %s is not an "
			    "eligible target", i + 1, t->name);
			goto out;
		}
		if (m->guest >= 0 && (size_t)m->guest < c->nguests &&
		    !same_group(c, m->kind == PLAN_MOVE_PRIMARY ?
		    c->guests[m->guest].host : c->guests[m->guest].secondary,
		    m->to)) {
			herr_set(e, HERR_INTERNAL, "step %zu: %s would leave "
			    "its node group for %s", i + 1,
			    c->guests[m->guest].name, t->name);
			goto out;
		}
		if (replay_move(&r, i + 1, m->guest, m->kind, m->from, m->to,
		    e) == -1)
			goto out;
		if (m->reboot != (m->kind == PLAN_MOVE_PRIMARY &&
		    (!c->guests[m->guest].live_migrate ||
		    c->hosts[m->from].offline))) {
			herr_set(e, HERR_INTERNAL, "step %zu: %s: reboot flag "
			    "is wrong", i + 1, c->guests[m->guest].name);
			goto out;
		}
	}
	/* what is left on a retired host must be reported, and only that */
	left = xcalloc(2 * c->nguests + 1, 1);
	for (i = 0; i < p->nunplaced; i++) {
		const struct plan_unplaced *u = &p->unplaced[i];
		int32_t at = u->kind == PLAN_MOVE_PRIMARY ? r.prim[u->guest] :
		    r.sec[u->guest];

		if (at == PLAN_NONE || !p->retired[at]) {
			herr_set(e, HERR_INTERNAL, "%s is reported unplaced "
			    "but is not on a retired host",
			    c->guests[u->guest].name);
			goto out;
		}
		left[2 * (size_t)u->guest + (u->kind != PLAN_MOVE_PRIMARY)] = 1;
	}
	for (i = 0; i < c->nguests; i++) {
		if ((p->retired[r.prim[i]] && !left[2 * i]) ||
		    (r.sec[i] != PLAN_NONE && p->retired[r.sec[i]] &&
		    !left[2 * i + 1])) {
			herr_set(e, HERR_INTERNAL, "%s is left on a retired "
			    "host and not reported", c->guests[i].name);
			goto out;
		}
	}
	for (i = 0; i < c->nhosts; i++) {
		if ((r.count[i] == 0) != (p->empty_after[i] != 0)) {
			herr_set(e, HERR_INTERNAL, "host %s: empty flag is "
			    "wrong", c->hosts[i].name);
			goto out;
		}
		nempty += r.count[i] == 0;
	}
	if (nempty != p->nempty_after) {
		herr_set(e, HERR_INTERNAL, "%zu hosts end empty, plan says %zu",
		    nempty, p->nempty_after);
		goto out;
	}
	rc = 0;
out:
	free(left);
	replay_release(&r);
	return rc;
}

/* The DRBD, size and customer rules of one batch. */
static int
check_batch_rules(const struct plan_cluster *c,
    const struct plan_maint_opts *o, const struct plan_maintenance *p,
    size_t bi, const uint8_t *inb, size_t *cdown, const size_t *climit,
    struct herr *e)
{
	const struct plan_batch *b = &p->batches[bi];
	size_t i, over = 0;

	if (o->max_parallel > 0 && b->nhosts > o->max_parallel)
		return herr_set(e, HERR_INTERNAL, "batch %zu has %zu hosts, "
		    "more than %zu", bi + 1, b->nhosts, o->max_parallel);
	if (b->nhosts == 0)
		return herr_set(e, HERR_INTERNAL, "batch %zu is empty", bi + 1);
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];

		if (g->secondary != PLAN_NONE && inb[g->host] &&
		    inb[g->secondary])
			return herr_set(e, HERR_INTERNAL, "batch %zu reboots "
			    "both copies of %s", bi + 1, g->name);
	}
	for (i = b->first; i < b->first + b->nguests; i++) {
		const struct plan_guest *g = &c->guests[p->guests[i].guest];

		if (p->guests[i].fate == PLAN_FATE_REBOOT &&
		    g->owner != PLAN_NONE)
			cdown[g->owner]++;
	}
	/*
	 * Over a customer's limit only when one host alone holds that many
	 * of its guests that cannot move: then all of them are on that host.
	 */
	for (i = b->first; i < b->first + b->nguests && !over; i++) {
		const struct plan_maint_guest *f = &p->guests[i];
		const struct plan_guest *g = &c->guests[f->guest];
		size_t j;

		if (f->fate != PLAN_FATE_REBOOT || g->owner == PLAN_NONE ||
		    cdown[g->owner] <= climit[g->owner])
			continue;
		for (j = b->first; j < b->first + b->nguests; j++) {
			const struct plan_maint_guest *f2 = &p->guests[j];

			if (f2->fate == PLAN_FATE_REBOOT && f2->host != f->host &&
			    c->guests[f2->guest].owner == g->owner)
				over = 1;
		}
		if (p->nwarnings == 0)
			over = 1;
	}
	for (i = b->first; i < b->first + b->nguests; i++) {
		const struct plan_guest *g = &c->guests[p->guests[i].guest];

		if (g->owner != PLAN_NONE)
			cdown[g->owner] = 0;
	}
	if (over)
		return herr_set(e, HERR_INTERNAL, "batch %zu puts too many "
		    "guests of a customer down", bi + 1);
	return 0;
}

/*
 * Per host into cyc: does the maintenance cycle reboot it?  Not retired,
 * not offline, one of o's node tags if any, and with skip_non_redundant
 * no guest without a DRBD copy.  (The planners' rule, written again.)
 */
void
plan_check_cycle(const struct plan_cluster *c, const struct plan_maint_opts *o,
    uint8_t *cyc)
{
	size_t i, k;

	for (i = 0; i < c->nhosts; i++) {
		const struct plan_host *h = &c->hosts[i];

		cyc[i] = h->state != PLAN_HOST_RETIRED && !h->offline;
		if (o->nnode_tags > 0 && cyc[i]) {
			for (k = 0; k < o->nnode_tags; k++)
				if (plan_host_has_tag(h, o->node_tags[k]))
					break;
			cyc[i] = k < o->nnode_tags;
		}
	}
	for (i = 0; i < c->nguests && o->skip_non_redundant; i++)
		if (c->guests[i].secondary == PLAN_NONE)
			cyc[c->guests[i].host] = 0;
}

/* May maintenance move guest g at all under o (its choice aside)? */
int
plan_check_may_move(const struct plan_cluster *c,
    const struct plan_maint_opts *o, int32_t g)
{
	const struct plan_guest *gg = &c->guests[g];

	if (!gg->live_migrate || o->offline_maintenance ||
	    c->hosts[gg->host].offline)
		return 0;
	return !(o->ignore_non_redundant && gg->secondary == PLAN_NONE);
}

/* With master_last: no batch after one that holds a master lacks one. */
int
plan_check_master_last(const struct plan_cluster *c,
    const struct plan_maintenance *p, struct herr *e)
{
	size_t b, k;
	int seen = 0, has;

	for (b = 0; b < p->nbatches; b++) {
		for (k = 0, has = 0; k < p->batches[b].nhosts; k++)
			has |= c->hosts[p->batches[b].hosts[k]].master;
		if (seen && !has)
			return herr_set(e, HERR_INTERNAL, "batch %zu comes "
			    "after the master's", b + 1);
		seen |= has;
	}
	return 0;
}

/* Is host t a target for guest gi's copy on host from (its group)? */
static int
target_ok(const struct plan_cluster *c, const uint8_t *inb, int32_t from,
    int32_t t)
{
	return t >= 0 && (size_t)t < c->nhosts && !inb[t] &&
	    c->hosts[t].state == PLAN_HOST_ACTIVE && !c->hosts[t].offline &&
	    c->hosts[t].group == c->hosts[from].group;
}

/* A DRBD copy's move off a host that reboots (full evacuation). */
static int
copy_move(struct replay *r, const struct plan_maint_guest *f,
    const uint8_t *inb, size_t bi, int sign, struct herr *e)
{
	const struct plan_cluster *c = r->c;
	const struct plan_guest *g = &c->guests[f->guest];
	int32_t from = sign > 0 ? f->host : f->target;
	int32_t to = sign > 0 ? f->target : f->host;
	const char *what;
	int64_t val, cap;

	if (sign > 0 && (r->sec[f->guest] != f->host ||
	    !target_ok(c, inb, f->host, f->target) ||
	    f->target == r->prim[f->guest]))
		return herr_set(e, HERR_INTERNAL, "batch %zu: the copy of %s "
		    "cannot go to %s", bi + 1, g->name,
		    f->target >= 0 && (size_t)f->target < c->nhosts ?
		    c->hosts[f->target].name : "?");
	r->sec[f->guest] = to;
	r->disk[from] -= g->disk_mib;
	r->disk[to] += g->disk_mib;
	r->count[from]--;
	r->count[to]++;
	if (sign > 0 && !host_ok(r, to, &what, &val, &cap))
		return herr_set(e, HERR_CAPACITY, "batch %zu: the copy of %s "
		    "puts %s over capacity: %lld > %lld %s", bi + 1, g->name,
		    c->hosts[to].name, (long long)val, (long long)cap, what);
	return 0;
}

/* The rows of batch bi: each guest on a batch host once, each copy once. */
static int
check_rows(const struct plan_cluster *c, const struct plan_maint_opts *o,
    const struct plan_maintenance *p, size_t bi, const uint8_t *inb,
    size_t *seen, size_t *cseen, struct herr *e)
{
	const struct plan_batch *b = &p->batches[bi];
	size_t i, j;

	for (j = b->first; j < b->first + b->nguests; j++) {
		const struct plan_maint_guest *f = &p->guests[j];
		const struct plan_guest *g;

		if (f->guest < 0 || (size_t)f->guest >= c->nguests ||
		    f->host < 0 || (size_t)f->host >= c->nhosts ||
		    !inb[f->host])
			return herr_set(e, HERR_INTERNAL, "batch %zu: bad "
			    "entry %zu", bi + 1, j);
		g = &c->guests[f->guest];
		if (f->secondary) {
			if (!o->full_evacuation || g->secondary != f->host ||
			    f->fate != PLAN_FATE_MIGRATE ||
			    cseen[f->guest] == bi + 1)
				return herr_set(e, HERR_INTERNAL, "batch %zu: "
				    "bad copy entry %zu", bi + 1, j);
			cseen[f->guest] = bi + 1;
			continue;
		}
		if (g->host != f->host || seen[f->guest] == bi + 1)
			return herr_set(e, HERR_INTERNAL, "batch %zu: bad "
			    "entry %zu", bi + 1, j);
		seen[f->guest] = bi + 1;
	}
	for (i = 0; i < c->nguests; i++) {
		if (inb[c->guests[i].host] && seen[i] != bi + 1)
			return herr_set(e, HERR_INTERNAL, "batch %zu: %s has "
			    "no plan", bi + 1, c->guests[i].name);
		/* full evacuation: a copy stays only where no host had room
		 * (its host taken alone), and the plan says so */
		if (o->full_evacuation && c->guests[i].secondary != PLAN_NONE &&
		    inb[c->guests[i].secondary] && cseen[i] != bi + 1 &&
		    p->nwarnings == 0)
			return herr_set(e, HERR_INTERNAL, "batch %zu: the DRBD "
			    "copy of %s stays on a host that reboots", bi + 1,
			    c->guests[i].name);
	}
	return 0;
}

int
plan_check_maintenance(const struct plan_cluster *c,
    const struct plan_maint_opts *o, const struct plan_maintenance *p,
    struct herr *e)
{
	struct replay r;
	uint8_t *inb = xcalloc(c->nhosts + 1, 1);
	uint8_t *done = xcalloc(c->nhosts + 1, 1);
	uint8_t *cyc = xcalloc(c->nhosts + 1, 1);
	size_t *seen = xcalloc(c->nguests + 1, sizeof(size_t));
	size_t *cseen = xcalloc(c->nguests + 1, sizeof(size_t));
	size_t *ncust = xcalloc(c->ncustomers + 1, sizeof(size_t));
	size_t *climit = xcalloc(c->ncustomers + 1, sizeof(size_t));
	size_t *cdown = xcalloc(c->ncustomers + 1, sizeof(size_t));
	size_t bi, i, nreb = 0, nmig = 0, ncopy = 0;
	double total = 0;
	int rc = -1;

	if (p->roll == PLAN_ROLL_FORWARD) {
		free(inb);
		free(done);
		free(cyc);
		free(seen);
		free(cseen);
		free(ncust);
		free(climit);
		free(cdown);
		return plan_check_roll(c, o, p, e);
	}
	replay_init(&r, c, o->max_util_pct);
	plan_check_cycle(c, o, cyc);
	for (i = 0; i < c->nguests; i++)
		if (c->guests[i].owner != PLAN_NONE)
			ncust[c->guests[i].owner]++;
	for (i = 0; i < c->ncustomers; i++)
		climit[i] = plan_customer_limit(ncust[i],
		    o->max_customer_down_pct);
	if (o->master_last && plan_check_master_last(c, p, e) == -1)
		goto out;
	for (bi = 0; bi < p->nbatches; bi++) {
		const struct plan_batch *b = &p->batches[bi];
		double longest = 0;
		size_t k, j;

		for (k = 0; k < b->nhosts; k++) {
			int32_t h = b->hosts[k];

			if (h < 0 || (size_t)h >= c->nhosts || done[h] ||
			    !cyc[h]) {
				herr_set(e, HERR_INTERNAL, "batch %zu: host "
				    "%s twice, or not one to reboot (retired, "
				    "offline or left out)", bi + 1,
				    h >= 0 && (size_t)h < c->nhosts ?
				    c->hosts[h].name : "?");
				goto out;
			}
			done[h] = inb[h] = 1;
		}
		if (b->first + b->nguests > p->nguests ||
		    check_batch_rules(c, o, p, bi, inb, cdown, climit, e) == -1 ||
		    check_rows(c, o, p, bi, inb, seen, cseen, e) == -1)
			goto out;
		/* migrations all happen before the reboots: sum them */
		for (j = b->first; j < b->first + b->nguests; j++) {
			const struct plan_maint_guest *f = &p->guests[j];
			const struct plan_guest *g = &c->guests[f->guest];

			if (f->secondary) {
				if (copy_move(&r, f, inb, bi, 1, e) == -1)
					goto out;
				ncopy += 2;
				continue;
			}
			if (f->fate == PLAN_FATE_REBOOT) {
				nreb++;
				continue;
			}
			if (!plan_check_may_move(c, o, f->guest) ||
			    !target_ok(c, inb, f->host, f->target) ||
			    (o->full_evacuation && f->target == g->secondary)) {
				herr_set(e, HERR_INTERNAL, "batch %zu: %s "
				    "cannot migrate there", bi + 1, g->name);
				goto out;
			}
			if (f->target == g->secondary) {
				/* DRBD: only RAM and vCPUs move */
				r.disk[f->target] -= g->disk_mib;
				r.disk[f->host] += g->disk_mib;
				r.sec[f->guest] = f->host;
			}
			if (replay_move(&r, j + 1, f->guest, PLAN_MOVE_PRIMARY,
			    f->host, f->target, e) == -1)
				goto out;
			nmig += 2;
		}
		/* guests come home: undo in reverse */
		for (j = b->first + b->nguests; j > b->first; j--) {
			const struct plan_maint_guest *f = &p->guests[j - 1];
			const struct plan_guest *g = &c->guests[f->guest];

			if (f->fate != PLAN_FATE_MIGRATE)
				continue;
			if (f->secondary) {
				(void)copy_move(&r, f, inb, bi, -1, e);
				continue;
			}
			r.prim[f->guest] = f->host;
			r.ram[f->target] -= g->ram_mib;
			r.ram[f->host] += g->ram_mib;
			r.vcpu[f->target] -= g->vcpus;
			r.vcpu[f->host] += g->vcpus;
			r.disk[f->target] -= g->disk_mib;
			r.disk[f->host] += g->disk_mib;
			r.count[f->target]--;
			r.count[f->host]++;
			if (f->target == g->secondary) {
				r.disk[f->target] += g->disk_mib;
				r.disk[f->host] -= g->disk_mib;
				r.sec[f->guest] = f->target;
			}
		}
		for (k = 0; k < b->nhosts; k++) {
			double t = o->reboot_s;

			for (j = b->first; j < b->first + b->nguests; j++) {
				const struct plan_maint_guest *f = &p->guests[j];
				const struct plan_guest *g = &c->guests[f->guest];
				double gib;

				if (f->host != b->hosts[k] ||
				    f->fate != PLAN_FATE_MIGRATE)
					continue;
				/* a copy: its disk only; a guest: its RAM,
				 * and its disk unless onto its copy */
				gib = f->secondary ? 0 :
				    (double)g->ram_mib / 1024.0;
				if (f->secondary || f->target != g->secondary)
					gib += (double)g->disk_mib / 1024.0;
				t += 2 * gib * o->migrate_s_per_gib;
			}
			if (t > longest)
				longest = t;
		}
		if (fabs(longest - b->duration_s) > 1e-6 * (1 + longest)) {
			herr_set(e, HERR_INTERNAL, "batch %zu: duration %.1f s, "
			    "expected %.1f s", bi + 1, b->duration_s, longest);
			goto out;
		}
		total += longest;
		for (k = 0; k < b->nhosts; k++)
			inb[b->hosts[k]] = 0;
	}
	for (i = 0; i < c->nhosts; i++)
		if (!done[i] && cyc[i]) {
			herr_set(e, HERR_INTERNAL, "host %s never reboots",
			    c->hosts[i].name);
			goto out;
		}
	if (nreb != p->nrebooted || nmig != p->nmigrations ||
	    ncopy != p->ncopy_moves ||
	    fabs(total - p->total_s) > 1e-6 * (1 + total)) {
		herr_set(e, HERR_INTERNAL, "totals differ: %zu rebooted, %zu "
		    "migrations, %zu copy moves, %.1f s", nreb, nmig, ncopy,
		    total);
		goto out;
	}
	rc = 0;
out:
	replay_release(&r);
	free(inb);
	free(done);
	free(cyc);
	free(seen);
	free(cseen);
	free(ncust);
	free(climit);
	free(cdown);
	return rc;
}
