/*
 * hangar plan maintenance --roll forward: the plan as tables or JSON.
 *
 * The JSON (hangar-plan(8), plan.h) is what a runner follows:
 *   summary  counts, "total_s" (the estimate), "all_reboot_s", "floor_s",
 *            "warnings" and "notes"
 *   batches  per batch its hosts and, once each, the guests whose home is
 *            one of them: what happens to each ("migrate" or "reboot"),
 *            where it ends ("end_host"), how many moves it makes
 *   hosts    per host its batch and its slot: first move out, reboot
 *            start and end, in seconds from the start of the cycle
 *   moves    every move in the order to start them: guest, from, to,
 *            the batch it belongs to, estimated start and end
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/cli_int.h"
#include "plan/jout.h"
#include "plan/plan.h"
#include "plan/plan_int.h"
#include "plan/table.h"

static const char *
reason(const struct plan_maint_guest *f)
{
	return f->no_room ? "no room" : f->chosen ? "customer's choice" :
	    "no live migration";
}

static const char *
action(const struct plan_maint_guest *f)
{
	if (f->fate == PLAN_FATE_REBOOT)
		return f->nmoves > 0 ? "move, then reboot" : "reboot";
	return f->nmoves > 1 ? "migrate twice" : "migrate once";
}

static void
batch_tables(const struct plan_cluster *c, const struct plan_maintenance *p,
    size_t b)
{
	static const char *hh[] = { "HOST", ">EVACUATE", ">REBOOT",
	    ">PATCHED" };
	static const char *gh[] = { "GUEST", "OWNER", "HOST", "ACTION",
	    "ENDS ON", ">DOWNTIME", "WHY" };
	const struct plan_batch *bt = &p->batches[b];
	char t[7][64], d1[32], d2[32];
	const char *row[7];
	struct table *tb;
	size_t k, j;

	printf("\nBatch %zu: %zu host%s, from %s to %s:\n", b + 1, bt->nhosts,
	    bt->nhosts == 1 ? "" : "s", fmt_dur(d1, sizeof(d1), bt->start_s),
	    fmt_dur(d2, sizeof(d2), bt->end_s));
	tb = table_new(4, hh);
	for (k = 0; k < bt->nhosts; k++) {
		const struct plan_host_slot *sl = &p->slots[bt->hosts[k]];

		row[0] = c->hosts[bt->hosts[k]].name;
		row[1] = fmt_dur(t[1], 64, sl->evac_start_s);
		row[2] = fmt_dur(t[2], 64, sl->reboot_start_s);
		row[3] = fmt_dur(t[3], 64, sl->reboot_end_s);
		table_row(tb, row);
	}
	table_print(tb, stdout, 2);
	table_free(tb);
	tb = table_new(7, gh);
	for (j = bt->first; j < bt->first + bt->nguests; j++) {
		const struct plan_maint_guest *f = &p->guests[j];
		const struct plan_guest *g = &c->guests[f->guest];

		row[0] = g->name;
		row[1] = g->owner != PLAN_NONE ? c->customers[g->owner] : "-";
		row[2] = c->hosts[f->host].name;
		row[3] = action(f);
		row[4] = c->hosts[f->end_host].name;
		row[5] = fmt_dur(t[5], 64, f->downtime_s);
		row[6] = f->fate == PLAN_FATE_REBOOT ? reason(f) : "";
		table_row(tb, row);
	}
	if (table_rows(tb) > 0) {
		printf("  Guests at home here:\n");
		table_print(tb, stdout, 2);
	}
	table_free(tb);
}

void
roll_human(const struct plan_cluster *c, const struct plan_maint_opts *o,
    const struct plan_maintenance *p, int one_step)
{
	static const char *mh[] = { ">STEP", "GUEST", "FROM", "TO", ">BATCH",
	    ">START", ">END" };
	char t[7][64], d[32];
	const char *row[7];
	struct table *tb;
	size_t i, largest = 0;

	printf("Rolling maintenance, roll forward: %zu host%s reboot%s in %zu "
	    "batch%s (", c->nhosts - p->nskipped, c->nhosts - p->nskipped ==
	    1 ? "" : "s", c->nhosts - p->nskipped == 1 ? "s" : "",
	    p->nbatches, p->nbatches == 1 ? "" : "es");
	if (o->max_parallel > 0)
		printf("at most %zu host%s at once", o->max_parallel,
		    o->max_parallel == 1 ? "" : "s");
	else
		printf("no limit on hosts at once");
	printf(", at most %d%% of a customer's guests down, %zu migration%s "
	    "at once per host)\n", o->max_customer_down_pct,
	    o->link_parallel, o->link_parallel == 1 ? "" : "s");
	for (i = 0; i < p->nbatches; i++) {
		if (p->batches[i].nhosts > largest)
			largest = p->batches[i].nhosts;
		if (!one_step || i == 0)
			batch_tables(c, p, i);
	}
	tb = table_new(7, mh);
	for (i = 0; i < p->nmoves; i++) {
		const struct plan_maint_move *m = &p->moves[i];

		if (one_step && m->batch != 0)
			continue;
		snprintf(t[0], 64, "%zu", i + 1);
		row[0] = t[0];
		row[1] = c->guests[m->guest].name;
		row[2] = c->hosts[m->from].name;
		row[3] = c->hosts[m->to].name;
		snprintf(t[4], 64, "%d", (int)m->batch + 1);
		row[4] = t[4];
		row[5] = fmt_dur(t[5], 64, m->start_s);
		row[6] = fmt_dur(t[6], 64, m->end_s);
		table_row(tb, row);
	}
	printf("\nMoves, in the order they start (%zu):\n", table_rows(tb));
	if (table_rows(tb) > 0)
		table_print(tb, stdout, 2);
	table_free(tb);
	if (one_step && p->nbatches > 1)
		printf("\n(--one-step-only: batches 2-%zu and their moves not "
		    "shown)\n", p->nbatches);
	for (i = 0; i < p->nwarnings; i++)
		printf("\nwarning: %s", p->warnings[i]);
	printf("\nSummary: %zu batch%s (largest %zu host%s), %zu of %zu "
	    "guests see a reboot, %zu migration%s (%zu guest%s twice, %zu "
	    "end off their home host), %zu host%s not rebooted (retired, "
	    "offline or left out), about %s in total.\n", p->nbatches, p->nbatches == 1 ? "" : "es",
	    largest, largest == 1 ? "" : "s", p->nrebooted, c->nguests,
	    p->nmigrations, p->nmigrations == 1 ? "" : "s", p->nmoved_twice,
	    p->nmoved_twice == 1 ? " moves" : "s move", p->nended_away,
	    p->nskipped, p->nskipped == 1 ? "" : "s",
	    fmt_dur(d, sizeof(d), p->total_s));
	maint_cost_human(p);
}

/* ---- JSON ---- */

static char *
put_mem(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}
#define PUT_LIT(d, lit)	put_mem((d), "" lit, sizeof(lit) - 1)

static char *
put_int(char *d, int64_t v)
{
	char b[24], *p = b + sizeof(b);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	return put_mem(d, p, (size_t)(b + sizeof(b) - p));
}

static char *
put_double(char *d, double v)
{
	return d + jout_fmt_double(d, v);
}

static char *
put_host(char *d, const struct qhosts *qh, int32_t h)
{
	return put_mem(d, qh->text + qh->off[h], qh->len[h]);
}

#define ROW_FIXED	256	/* keys, punctuation, numbers of a row */

/* {"step":..,"guest":..,"from":..,"to":..,"batch":..,"start_s":..,..} */
static void
move_json(struct jout *j, const struct plan_cluster *c,
    const struct qhosts *qh, const struct plan_maint_move *m, size_t step)
{
	const char *name = c->guests[m->guest].name;
	size_t n = JOUT_QUOTE_MAX(strlen(name)) + qh->len[m->from] +
	    qh->len[m->to] + 2 * JOUT_DOUBLE_MAX + ROW_FIXED;
	char *row, *d;

	if (n > sizeof(j->buf)) {
		JOUT_LIT(j, "{\"step\":");
		jout_int(j, (int64_t)step);
		JOUT_LIT(j, ",\"guest\":");
		jout_str(j, name);
		JOUT_LIT(j, ",\"from\":");
		jout_mem(j, qh->text + qh->off[m->from], qh->len[m->from]);
		JOUT_LIT(j, ",\"to\":");
		jout_mem(j, qh->text + qh->off[m->to], qh->len[m->to]);
		JOUT_LIT(j, ",\"batch\":");
		jout_int(j, (int64_t)m->batch + 1);
		JOUT_LIT(j, ",\"start_s\":");
		jout_double(j, m->start_s);
		JOUT_LIT(j, ",\"end_s\":");
		jout_double(j, m->end_s);
		JOUT_LIT(j, "}");
		return;
	}
	row = d = jout_reserve(j, n);
	d = PUT_LIT(d, "{\"step\":");
	d = put_int(d, (int64_t)step);
	d = PUT_LIT(d, ",\"guest\":");
	d += jout_quote(d, name);
	d = PUT_LIT(d, ",\"from\":");
	d = put_host(d, qh, m->from);
	d = PUT_LIT(d, ",\"to\":");
	d = put_host(d, qh, m->to);
	d = PUT_LIT(d, ",\"batch\":");
	d = put_int(d, (int64_t)m->batch + 1);
	d = PUT_LIT(d, ",\"start_s\":");
	d = put_double(d, m->start_s);
	d = PUT_LIT(d, ",\"end_s\":");
	d = put_double(d, m->end_s);
	d = PUT_LIT(d, "}");
	jout_commit(j, (size_t)(d - row));
}

/* One guest's row: {"guest":..,"host":..,"action":..,"end_host":..,..} */
static void
guest_json(struct jout *j, const struct plan_cluster *c,
    const struct qhosts *qh, const struct plan_maint_guest *f)
{
	const char *name = c->guests[f->guest].name;
	size_t n = JOUT_QUOTE_MAX(strlen(name)) + qh->len[f->host] +
	    2 * qh->len[f->end_host] + JOUT_DOUBLE_MAX + ROW_FIXED;
	char *row, *d;

	if (n > sizeof(j->buf)) {
		JOUT_LIT(j, "{\"guest\":");
		jout_str(j, name);
		JOUT_LIT(j, ",\"host\":");
		jout_mem(j, qh->text + qh->off[f->host], qh->len[f->host]);
		JOUT_LIT(j, ",\"action\":");
		jout_str(j, f->fate == PLAN_FATE_MIGRATE ? "migrate" :
		    "reboot");
		if (f->target != PLAN_NONE) {
			JOUT_LIT(j, ",\"target\":");
			jout_mem(j, qh->text + qh->off[f->target],
			    qh->len[f->target]);
		}
		JOUT_LIT(j, ",\"end_host\":");
		jout_mem(j, qh->text + qh->off[f->end_host],
		    qh->len[f->end_host]);
		JOUT_LIT(j, ",\"moves\":");
		jout_int(j, f->nmoves);
		if (f->fate == PLAN_FATE_REBOOT) {
			JOUT_LIT(j, ",\"reason\":");
			jout_str(j, reason(f));
		}
		JOUT_LIT(j, ",\"downtime_s\":");
		jout_double(j, f->downtime_s);
		JOUT_LIT(j, "}");
		return;
	}
	row = d = jout_reserve(j, n);
	d = PUT_LIT(d, "{\"guest\":");
	d += jout_quote(d, name);
	d = PUT_LIT(d, ",\"host\":");
	d = put_host(d, qh, f->host);
	if (f->fate == PLAN_FATE_MIGRATE)
		d = PUT_LIT(d, ",\"action\":\"migrate\"");
	else
		d = PUT_LIT(d, ",\"action\":\"reboot\"");
	if (f->target != PLAN_NONE) {
		d = PUT_LIT(d, ",\"target\":");
		d = put_host(d, qh, f->target);
	}
	d = PUT_LIT(d, ",\"end_host\":");
	d = put_host(d, qh, f->end_host);
	d = PUT_LIT(d, ",\"moves\":");
	d = put_int(d, f->nmoves);
	if (f->fate == PLAN_FATE_REBOOT) {
		d = PUT_LIT(d, ",\"reason\":\"");
		d = put_mem(d, reason(f), strlen(reason(f)));
		d = PUT_LIT(d, "\"");
	}
	d = PUT_LIT(d, ",\"downtime_s\":");
	d = put_double(d, f->downtime_s);
	d = PUT_LIT(d, "}");
	jout_commit(j, (size_t)(d - row));
}

static void
summary_json(struct jout *j, const struct plan_cluster *c,
    const struct plan_maint_opts *o, const struct plan_maintenance *p)
{
	size_t i, largest = 0;

	for (i = 0; i < p->nbatches; i++)
		if (p->batches[i].nhosts > largest)
			largest = p->batches[i].nhosts;
#define KV_INT(k, v)	do {						\
	jout_key(j, k);							\
	jout_int(j, (int64_t)(v));					\
	jout_raw(j, ",");						\
} while (0)
	KV_INT("batches", p->nbatches);
	KV_INT("largest_batch", largest);
	KV_INT("guests", c->nguests);
	KV_INT("rebooted", p->nrebooted);
	KV_INT("migrations", p->nmigrations);
	KV_INT("moved_twice", p->nmoved_twice);
	KV_INT("ended_away", p->nended_away);
	KV_INT("skipped_hosts", p->nskipped);
	KV_INT("per_link", o->link_parallel);
	KV_INT("seed_ram_mib", p->seed_ram_mib);
	KV_INT("seed_disk_mib", p->seed_disk_mib);
#undef KV_INT
	jout_key(j, "total_s");
	jout_double(j, p->total_s);
	jout_raw(j, ",");
	jout_key(j, "warnings");
	jout_strings(j, p->warnings, p->nwarnings);
	jout_raw(j, ",");
	maint_cost_json(j, p);
}

/* The moves, from "[" to "]" (the largest part), written to j. */
static void
moves_json(struct jout *j, const struct plan_cluster *c,
    const struct qhosts *qh, const struct plan_maintenance *p)
{
	size_t k;

	jout_raw(j, "[");
	for (k = 0; k < p->nmoves; k++) {
		if (k > 0)
			jout_raw(j, ",");
		move_json(j, c, qh, &p->moves[k], k + 1);
	}
	jout_raw(j, "]");
}

/* The moves written by a thread of their own, into memory. */
struct moves_half {
	const struct plan_cluster	*c;
	const struct qhosts		*qh;
	const struct plan_maintenance	*p;
	struct pieces			 text;
	int				 failed;
};

static void *
moves_half_main(void *arg)
{
	static const cookie_io_functions_t io = { NULL, pieces_write, NULL,
	    NULL };
	struct moves_half *h = arg;
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
	moves_json(j, h->c, h->qh, h->p);
	if (jout_flush(j) == -1)
		h->failed = 1;
	if (fclose(f) == EOF)
		h->failed = 1;
	free(j);
	return NULL;
}

/* Moves from which a second CPU writes them while the rest is written. */
#define MOVES_SPLIT_MIN	20000

/*
 * --one-step-only: the first batch of full, and its moves (those of the
 * hosts it empties, and into its hosts), into v; moves owned by *mv.
 */
static void
first_batch(const struct plan_maintenance *full, struct plan_maintenance *v,
    struct plan_maint_move **mv)
{
	size_t i;

	*v = *full;
	*mv = xreallocarray(NULL, full->nmoves + 1, sizeof(**mv));
	v->nbatches = full->nbatches > 0 ? 1 : 0;
	v->nmoves = 0;
	for (i = 0; i < full->nmoves; i++)
		if (full->moves[i].batch == 0)
			(*mv)[v->nmoves++] = full->moves[i];
	v->moves = *mv;
}

void
roll_json(const struct plan_cluster *c, const struct plan_maint_opts *o,
    const struct plan_maintenance *full, int one_step)
{
	struct jout *j = xmalloc(sizeof(*j));
	struct qhosts qh;
	struct moves_half mh;
	struct plan_maintenance first;
	struct plan_maint_move *fmv = NULL;
	const struct plan_maintenance *p = full;
	pthread_t tid;
	size_t b, k, n = 0;
	char buf[160];
	int threaded = 0;

	if (one_step) {
		first_batch(full, &first, &fmv);
		p = &first;
	}
	qhosts_init(&qh, c);
	memset(&mh, 0, sizeof(mh));
	mh.c = c;
	mh.qh = &qh;
	mh.p = p;
	if (p->nmoves >= MOVES_SPLIT_MIN && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	    plan_thread_start(&tid, moves_half_main, &mh) == 0)
		threaded = 1;
	jout_init(j, stdout);
	jout_raw(j, "{\"command\":\"maintenance\",\"summary\":{");
	if (one_step)
		jout_raw(j, "\"one_step_only\":true,");
	summary_json(j, c, o, full);
	jout_raw(j, "},\"batches\":[");
	for (b = 0; b < p->nbatches; b++) {
		const struct plan_batch *bt = &p->batches[b];

		snprintf(buf, sizeof(buf), "%s{\"batch\":%zu,", b > 0 ? "," :
		    "", b + 1);
		jout_raw(j, buf);
		jout_key(j, "start_s");
		jout_double(j, bt->start_s);
		jout_raw(j, ",");
		jout_key(j, "end_s");
		jout_double(j, bt->end_s);
		jout_raw(j, ",");
		jout_key(j, "duration_s");
		jout_double(j, bt->duration_s);
		jout_raw(j, ",\"hosts\":[");
		for (k = 0; k < bt->nhosts; k++) {
			if (k > 0)
				jout_raw(j, ",");
			jout_mem(j, qh.text + qh.off[bt->hosts[k]],
			    qh.len[bt->hosts[k]]);
		}
		jout_raw(j, "],\"guests\":[");
		for (k = bt->first; k < bt->first + bt->nguests; k++) {
			if (k > bt->first)
				jout_raw(j, ",");
			guest_json(j, c, &qh, &p->guests[k]);
		}
		jout_raw(j, "]}");
	}
	jout_raw(j, "],\"hosts\":[");
	for (b = 0; b < p->nbatches; b++)
		for (k = 0; k < p->batches[b].nhosts; k++) {
			int32_t h = p->batches[b].hosts[k];
			const struct plan_host_slot *sl = &p->slots[h];

			jout_raw(j, n++ > 0 ? ",{\"host\":" : "{\"host\":");
			jout_mem(j, qh.text + qh.off[h], qh.len[h]);
			snprintf(buf, sizeof(buf), ",\"batch\":%zu,", b + 1);
			jout_raw(j, buf);
			jout_key(j, "evacuate_start_s");
			jout_double(j, sl->evac_start_s);
			jout_raw(j, ",");
			jout_key(j, "reboot_start_s");
			jout_double(j, sl->reboot_start_s);
			jout_raw(j, ",");
			jout_key(j, "reboot_end_s");
			jout_double(j, sl->reboot_end_s);
			jout_raw(j, "}");
		}
	jout_raw(j, "],\"moves\":");
	if (threaded) {
		(void)jout_flush(j);
		pthread_join(tid, NULL);
		if (mh.failed)
			abort();	/* no FILE for memory: as xmalloc() */
		pieces_out(&mh.text, stdout);
	} else
		moves_json(j, c, &qh, p);
	jout_raw(j, "}\n");
	(void)jout_flush(j);	/* plan_cli_main checks stdout */
	qhosts_free(&qh);
	free(fmv);
	free(j);
}
