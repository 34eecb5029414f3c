/*
 * Property test of the correlator over generated hosts: controllers
 * (SAS HBAs that log faults, AHCI that does not) with disks, partitions
 * in md arrays, some members behind dm-crypt; then a random set of
 * disks failing alone and of controllers faulting, as kernel log lines
 * through the real parser.  For every host and fault set:
 *   - the number of incidents equals the number of distinct physical
 *     causes, each cause has its own incident of the right kind holding
 *     exactly its disks;
 *   - no incident advises replacing a disk that dropped because its
 *     controller faulted (advice given before the fault was known must
 *     have been withdrawn);
 *   - every notice renders as a mail the strict builder accepts.
 * Causes are separated by more than the correlation window (faults of
 * disks behind a controller come before the controller's), since two
 * disks dropping together behind one controller are, by design, the
 * controller.  Usage: test-health-property [ITERATIONS [SEED]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "health/alert.h"
#include "health/corr.h"
#include "notify/tests/mail_check.h"

#define S(x)		((uint64_t)(x) * 1000000)
#define MAXNOTE		256
#define MAXCAUSE	24

static uint64_t rng;

static unsigned int
rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n == 0 ? 0 : (unsigned int)(rng % n);
}

struct note {
	char		id[48];
	enum inc_kind	kind;
	enum notice	n;
	char		advice[1024];
	char		withdrawn[INC_MAXMERGED][400];
	size_t		nwithdrawn;
	char		serials[INC_MAXDISKS][64];
	int		failed[INC_MAXDISKS];
	size_t		nd;
};

struct world {
	struct topo	*t;
	char		 members[TOPO_MAXBLK][32];	/* per blk: md member */
	char		 arrays[TOPO_MAXBLK][16];	/* and its array */
	int		 ctrl_fault[TOPO_MAXCTRL];	/* slot, -1 */
	int		 disk_fault[TOPO_MAXDISK];	/* slot, -1 */
	struct note	 notes[MAXNOTE];
	size_t		 nnotes;
	int		 bad;
	char		 why[512];
};

static void
emit(void *arg, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t usec)
{
	struct alert_cfg cfg = { "prop.example", "h <h@prop.example>",
	    "ops@example.net" };
	struct world *w = arg;
	struct note *o;
	char *mail = NULL, *json, why[128];
	struct herr e;
	size_t len;

	json = alert_json(c, inc, n, usec);
	if (n != NOTICE_MERGED && (alert_mail(&cfg, c, inc, n, usec,
	    1700000000, &mail, &len, &e) == -1 ||
	    mail_check_rendered(mail, len, why, sizeof(why)) < 0)) {
		w->bad = 1;
		snprintf(w->why, sizeof(w->why), "%s: bad mail", inc->id);
	}
	free(mail);
	free(json);
	if (w->nnotes >= MAXNOTE)
		return;
	o = &w->notes[w->nnotes++];
	memset(o, 0, sizeof(*o));
	str_copy(o->id, inc->id, sizeof(o->id));
	o->kind = inc->kind;
	o->n = n;
	inc_advice(inc, o->advice, sizeof(o->advice));
	for (size_t i = 0; i < inc->nwithdrawn; i++)
		str_copy(o->withdrawn[i], inc->withdrawn[i],
		    sizeof(o->withdrawn[0]));
	o->nwithdrawn = inc->nwithdrawn;
	for (size_t i = 0; i < inc->ndisks; i++) {
		str_copy(o->serials[i], inc->disks[i].serial,
		    sizeof(o->serials[0]));
		o->failed[i] = inc->disks[i].failed;
	}
	o->nd = inc->ndisks;
}

static struct blkdev *
add_blk(struct topo *t, const char *name, enum blk_kind kind, int disk)
{
	struct blkdev *b = &t->b[t->nb++];

	memset(b, 0, sizeof(*b));
	str_copy(b->name, name, sizeof(b->name));
	b->kind = kind;
	b->disk = disk;
	return b;
}

/* Controllers, disks, partitions, arrays; dm-crypt under some members. */
static void
build(struct world *w)
{
	struct topo *t = w->t;
	int parts[TOPO_MAXBLK], nparts = 0, ndm = 0, nmd = 0, host = 0;
	unsigned int nc = 1 + rnd(4);

	memset(t, 0, sizeof(*t));
	memset(w->members, 0, sizeof(w->members));
	memset(w->arrays, 0, sizeof(w->arrays));
	for (unsigned int i = 0; i < nc; i++) {
		struct ctrl *k = &t->c[t->nc];
		unsigned int nd = 1 + rnd(5);
		int sas = rnd(2);

		memset(k, 0, sizeof(*k));
		snprintf(k->key, sizeof(k->key), "0000:%02x:00.0", i + 1);
		str_copy(k->driver, sas ? "mpt3sas" : "ahci",
		    sizeof(k->driver));
		k->unique_id = sas ? (int)i : -1;
		k->ioc_reset_count = -1;
		for (unsigned int j = 0; j < nd && t->nd < 16; j++) {
			struct disk *d = &t->d[t->nd];
			unsigned int np = 1 + rnd(3);

			memset(d, 0, sizeof(*d));
			snprintf(d->name, sizeof(d->name), "sd%c",
			    (char)('a' + t->nd));
			snprintf(d->serial, sizeof(d->serial), "SER%02zu",
			    t->nd);
			snprintf(d->hctl, sizeof(d->hctl), "%d:0:%u:0", host +
			    (sas ? 0 : (int)j), j);
			snprintf(d->path, sizeof(d->path), "pci-0000:%02x:00.0"
			    "-x-%u", i + 1, j);
			d->ctrl = (int)t->nc;
			add_blk(t, d->name, BLK_DISK, (int)t->nd);
			for (unsigned int p = 1; p <= np; p++) {
				char pn[32];

				snprintf(pn, sizeof(pn), "%s%u", d->name, p);
				parts[nparts++] = (int)t->nb;
				add_blk(t, pn, BLK_PART, (int)t->nd)->partno =
				    (int)p;
			}
			k->ndisks++;
			t->nd++;
		}
		host += sas ? 1 : (int)nd;
		t->nc++;
	}
	/* arrays over partitions of distinct disks */
	for (int tries = 0; tries < 6; tries++) {
		static const struct { const char *level; int min, max; }
		    lv[] = { { "raid1", 2, 2 }, { "raid5", 3, 4 },
		    { "raid6", 4, 6 } };
		int l = (int)rnd(3), want = lv[l].min +
		    (int)rnd((unsigned)(lv[l].max - lv[l].min + 1)), got = 0;
		int used[TOPO_MAXDISK] = { 0 };
		char md[16];

		snprintf(md, sizeof(md), "md%d", nmd);
		for (int k = 0; k < nparts && got < want; k++) {
			int b = parts[(k + (int)rnd((unsigned)nparts)) %
			    nparts];
			struct blkdev *bp = &t->b[b];

			if (w->members[b][0] != '\0' || used[bp->disk])
				continue;
			used[bp->disk] = 1;
			got++;
			if (rnd(5) == 0) {	/* dm-crypt under this one */
				char dn[32];
				struct blkdev *dm;

				snprintf(dn, sizeof(dn), "dm-%d", ndm++);
				dm = add_blk(t, dn, BLK_DM, -1);
				{
					char cn[64];

					snprintf(cn, sizeof(cn), "crypt-%s",
					    dn);
					str_copy(dm->dm_name, cn,
					    sizeof(dm->dm_name));
				}
				str_copy(dm->dm_uuid, "CRYPT-LUKS2",
				    sizeof(dm->dm_uuid));
				str_copy(dm->slaves[0], bp->name,
				    sizeof(dm->slaves[0]));
				dm->nslaves = 1;
				str_copy(w->members[b], dn, sizeof(w->members[b]));
			} else
				str_copy(w->members[b], bp->name,
				    sizeof(w->members[b]));
			str_copy(w->arrays[b], md, sizeof(w->arrays[b]));
		}
		if (got < lv[l].min) {	/* undo: not enough disks */
			for (int b = 0; b < (int)t->nb; b++)
				if (strcmp(w->arrays[b], md) == 0)
					w->members[b][0] = w->arrays[b][0] =
					    '\0';
			continue;
		}
		nmd++;
	}
}

static void
line(struct corr *c, uint64_t usec, const char *fmt, const char *a,
    const char *b)
{
	char buf[400], msg[300];
	struct kevent ev;
	struct kmsg k;

	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(buf, sizeof(buf), "3,1,%llu,-;%s", (unsigned long long)usec,
	    msg);
	if (kmsg_parse(buf, strlen(buf), &k) == 0) {
		kmsg_classify(&k, &ev);
		corr_kevent(c, &ev);
	}
}

/* Disk d drops: SCSI takes it offline, md fails its members. */
static void
drop_disk(struct world *w, struct corr *c, int d, uint64_t *at)
{
	const struct topo *t = w->t;

	if (rnd(2))
		line(c, *at, "I/O error, dev %s, sector 8 op 0x1:(WRITE) "
		    "flags 0x9800%s", t->d[d].name, "");
	*at += 1000 + rnd(30000);
	line(c, *at, "sd %s: rejecting I/O to offline device%s",
	    t->d[d].hctl, "");
	for (size_t b = 0; b < t->nb; b++) {
		if (t->b[b].disk != d || w->members[b][0] == '\0')
			continue;
		*at += 100 + rnd(20000);
		line(c, *at, "md/raid:%s: Disk failure on %s, disabling "
		    "device.", w->arrays[b], w->members[b]);
	}
}

static int
ioc_name(const struct topo *t, int k, char *buf, size_t size)
{
	if (strcmp(t->c[k].driver, "mpt3sas") != 0)
		return -1;
	snprintf(buf, size, "mpt3sas_cm%d", t->c[k].unique_id);
	return 0;
}

/* One run; 0 when the properties hold. */
static int
run(struct world *w)
{
	struct topo *t = w->t;
	struct corr_cfg cfg;
	struct corr *c;
	int slots = 0, causes = 0, order[MAXCAUSE], nord = 0;
	uint64_t at;

	build(w);
	w->nnotes = 0;
	w->bad = 0;
	for (size_t i = 0; i < TOPO_MAXCTRL; i++)
		w->ctrl_fault[i] = -1;
	for (size_t i = 0; i < TOPO_MAXDISK; i++)
		w->disk_fault[i] = -1;
	/* disks failing alone first, then controllers: one slot each */
	for (size_t d = 0; d < t->nd; d++)
		if (rnd(4) == 0 && nord < MAXCAUSE)
			order[nord++] = (int)d;
	for (int i = nord - 1; i > 0; i--) {
		int j = (int)rnd((unsigned)i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	for (int i = 0; i < nord; i++)
		w->disk_fault[order[i]] = slots++;
	for (size_t k = 0; k < t->nc; k++) {
		char ioc[32];
		int live = 0;

		/* a controller that logs nothing and loses one disk looks
		 * like that disk: only faults that can be told apart */
		for (size_t d = 0; d < t->nd; d++)
			live += t->d[d].ctrl == (int)k && w->disk_fault[d] < 0;
		if (rnd(3) == 0 && live > 0 && (live >= 2 ||
		    ioc_name(t, (int)k, ioc, sizeof(ioc)) == 0))
			w->ctrl_fault[k] = slots++;
	}
	causes = slots;
	corr_cfg_default(&cfg);
	cfg.examine_hold_us = 0;
	c = corr_new(t, &cfg, emit, w, 0);
	for (int s = 0; s < slots; s++) {
		at = S(1000) + (uint64_t)s * (cfg.window_us + S(60));
		for (size_t d = 0; d < t->nd; d++)
			if (w->disk_fault[d] == s)
				drop_disk(w, c, (int)d, &at);
		for (size_t k = 0; k < t->nc; k++) {
			char ioc[32];
			int how = (int)rnd(3), has = ioc_name(t, (int)k, ioc,
			    sizeof(ioc)) == 0;

			if (w->ctrl_fault[k] != s)
				continue;
			/* the fault line before the drops, after them (up
			 * to 30 s later) or, if it has none, not at all */
			if (has && how == 0)
				line(c, at, "%s: fault_state(0x0d03)!%s", ioc,
				    "");
			for (size_t d = 0; d < t->nd; d++)
				if (t->d[d].ctrl == (int)k &&
				    w->disk_fault[d] < 0)
					drop_disk(w, c, (int)d, &at);
			if (has && how != 0) {
				at += rnd(30) * S(1);
				line(c, at, "%s: _base_fault_reset_work: hard "
				    "reset: %s", ioc, "failed");
			}
		}
	}
	corr_tick(c, UINT64_MAX);
	corr_free(c);
	if (w->bad)
		return -1;
	/* the final notice of each incident */
	{
		char ids[MAXNOTE][48];
		size_t nids = 0;
		const struct note *last[MAXNOTE];

		for (size_t i = 0; i < w->nnotes; i++) {
			size_t j;

			for (j = 0; j < nids; j++)
				if (strcmp(ids[j], w->notes[i].id) == 0)
					break;
			if (j == nids)
				str_copy(ids[nids++], w->notes[i].id, 48);
			last[j] = &w->notes[i];
		}
		{
			int live = 0;

			for (size_t j = 0; j < nids; j++)
				live += last[j]->n != NOTICE_MERGED;
			if (live != causes) {
				snprintf(w->why, sizeof(w->why), "%d incidents "
				    "for %d causes", live, causes);
				return -1;
			}
		}
		/* each cause: its own incident, the right kind and disks */
		for (size_t j = 0; j < nids; j++) {
			const struct note *o = last[j];
			int cause = -1, ctrl = -1;

			if (o->n == NOTICE_MERGED)
				continue;
			for (size_t i = 0; i < o->nd; i++) {
				const struct disk *d = topo_disk_serial(t,
				    (char *)o->serials[i]);
				int s;

				if (d == NULL || !o->failed[i])
					continue;
				s = w->disk_fault[d - t->d] >= 0 ?
				    w->disk_fault[d - t->d] :
				    w->ctrl_fault[d->ctrl];
				if (cause != -1 && s != cause) {
					snprintf(w->why, sizeof(w->why), "%s "
					    "mixes two causes", o->id);
					return -1;
				}
				cause = s;
				if (w->disk_fault[d - t->d] < 0)
					ctrl = d->ctrl;
			}
			if (cause == -1 || (ctrl >= 0) != (o->kind ==
			    INC_CONTROLLER) || (ctrl < 0 && o->kind !=
			    INC_DISK)) {
				snprintf(w->why, sizeof(w->why), "%s: kind %s "
				    "for cause %d", o->id,
				    inc_kind_name(o->kind), cause);
				return -1;
			}
		}
	}
	/* never "replace" a disk its controller dropped, unless withdrawn */
	for (size_t i = 0; i < w->nnotes; i++) {
		const struct note *o = &w->notes[i];

		if (strncmp(o->advice, "Replace", 7) != 0)
			continue;
		for (size_t k = 0; k < o->nd; k++) {
			const struct disk *d = topo_disk_serial(t,
			    (char *)o->serials[k]);
			int withdrawn = 0;

			if (d == NULL || w->disk_fault[d - t->d] >= 0 ||
			    w->ctrl_fault[d->ctrl] < 0 ||
			    strstr(o->advice, d->serial) == NULL)
				continue;
			for (size_t j = i + 1; j < w->nnotes; j++)
				for (size_t m = 0; m < w->notes[j].nwithdrawn;
				    m++)
					if (strncmp(w->notes[j].withdrawn[m],
					    o->id, strlen(o->id)) == 0)
						withdrawn = 1;
			if (!withdrawn) {
				snprintf(w->why, sizeof(w->why), "%s advises "
				    "replacing %s behind a faulted "
				    "controller", o->id, d->serial);
				return -1;
			}
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 400;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 2017;
	struct world *w = calloc(1, sizeof(*w));
	unsigned long withdrawn = 0, ctrls = 0, disks = 0;

	w->t = calloc(1, sizeof(*w->t));
	for (unsigned long i = 0; i < n; i++) {
		rng = seed + i * 7919 + 1;
		if (run(w) == -1) {
			printf("not ok: host %lu (again: %s 1 %llu): %s\n", i,
			    argv[0], (unsigned long long)(seed + i * 7919),
			    w->why);
			free(w->t);
			free(w);
			return 1;
		}
		for (size_t k = 0; k < w->t->nc; k++)
			ctrls += w->ctrl_fault[k] >= 0;
		for (size_t d = 0; d < w->t->nd; d++)
			disks += w->disk_fault[d] >= 0;
		for (size_t j = 0; j < w->nnotes; j++)
			withdrawn += w->notes[j].nwithdrawn > 0 &&
			    w->notes[j].n != NOTICE_MERGED;
	}
	printf("ok: %lu hosts, %lu controller faults, %lu disks failing "
	    "alone, %lu notices withdrawing advice\n", n, ctrls, disks,
	    withdrawn);
	free(w->t);
	free(w);
	return 0;
}
