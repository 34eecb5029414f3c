/*
 * corr: health events into incidents.  See corr.h for the rules; this
 * file holds the inputs, arrays, md members and physical disks, and
 * corr_inc.c the incidents and their notices.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/corr_priv.h"
#include "health/names.h"

#define EXAMINE_HOLD_US	(3ULL * 1000000)

static const char *kind_names[] = { "disk", "controller", "array", "warning" };
static const char *sev_names[] = { "warning", "critical" };
static const char *arr_names[] = { "unknown", "clean", "degraded",
	"rebuilding", "failed" };

const char *
inc_kind_name(enum inc_kind k)
{
	return kind_names[k];
}

const char *
inc_sev_name(enum inc_sev s)
{
	return sev_names[s];
}

const char *
arr_state_name(enum arr_state s)
{
	return arr_names[s];
}

void
corr_cfg_default(struct corr_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->window_us = 120ULL * 1000000;
	cfg->settle_us = 2ULL * 1000000;
	cfg->followup_us = 300ULL * 1000000;
	cfg->examine_hold_us = EXAMINE_HOLD_US;
	str_copy(cfg->id_prefix, "inc", sizeof(cfg->id_prefix));
}

int
fw_compare(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long long x = strtoull(a, (char **)&a, 10);
			unsigned long long y = strtoull(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return 0;
}

/* ---- arrays ---- */

/*
 * An array's level as md spells it ("raid6", "linear", "multipath"):
 * [a-z0-9-] only, or "" (unknown).  It comes from /proc/mdstat and sysfs
 * and goes into mails and reports, which must stay valid text whatever
 * a corrupt or hostile source says.
 */
static void
level_set(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0'; i++)
		if (!((src[i] >= 'a' && src[i] <= 'z') ||
		    (src[i] >= '0' && src[i] <= '9') || src[i] == '-'))
			return;	/* keep what we had */
	if (i > 0 && i < size)
		str_copy(dst, src, size);
}

static int
tolerance(const struct arr *a)
{
	if (a->level[0] == '\0')
		return MD_MAXMEMBERS;	/* unknown: md will say "cannot continue" */
	return a->raid_disks - md_level_need(a->level, a->raid_disks);
}

enum arr_state
arr_compute(const struct arr *a)
{
	if (a->cannot_run || a->failed > tolerance(a))
		return ARR_FAILED;
	if (a->sync == MD_SYNC_RECOVERY || a->sync == MD_SYNC_RESHAPE)
		return ARR_REBUILDING;
	if (a->failed > 0)
		return ARR_DEGRADED;
	return ARR_CLEAN;
}

struct arr *
arr_get(struct corr *c, const char *name)
{
	struct arr *a;

	for (size_t i = 0; i < c->narr; i++)
		if (strcmp(c->arrs[i].name, name) == 0)
			return &c->arrs[i];
	c->arrs = xreallocarray(c->arrs, c->narr + 1, sizeof(*c->arrs));
	a = &c->arrs[c->narr++];
	memset(a, 0, sizeof(*a));
	str_copy(a->name, name, sizeof(a->name));
	a->raid_disks = -1;
	a->permille = -1;
	a->finish_min = -1;
	return a;
}

const struct arr *
corr_array(const struct corr *c, const char *name)
{
	for (size_t i = 0; i < c->narr; i++)
		if (strcmp(c->arrs[i].name, name) == 0)
			return &c->arrs[i];
	return NULL;
}

/* ---- physical disks and md members ---- */

static struct pdisk *
pdisk_by_id(struct corr *c, const char *id, const char *name, int topo,
    int ctrl)
{
	struct pdisk *p;

	for (size_t i = 0; i < c->npd; i++)
		if (strcmp(c->pd[i].id, id) == 0)
			return &c->pd[i];
	c->pd = xreallocarray(c->pd, c->npd + 1, sizeof(*c->pd));
	p = &c->pd[c->npd++];
	memset(p, 0, sizeof(*p));
	str_copy(p->id, id, sizeof(p->id));
	str_copy(p->name, name, sizeof(p->name));
	p->topo = topo;
	p->ctrl = ctrl;
	return p;
}

/* The physical disk block device name (a disk, partition, dm ...) sits
 * on; a name sysfs does not resolve is its own "disk". */
struct pdisk *
pdisk_get(struct corr *c, const char *name)
{
	int d = topo_phys1(c->t, name);
	const struct disk *td;

	if (d < 0) {
		int all[4];

		/* several disks under one member (a striped LV): the first */
		if (topo_phys(c->t, name, all, 4) > 1)
			d = all[0];
	}
	if (d < 0)
		return pdisk_by_id(c, name, name, -1, -1);
	td = &c->t->d[d];
	return pdisk_by_id(c, disk_id(td), td->name, d, td->ctrl);
}

int
pdisk_behind(const struct corr *c, const struct pdisk *p, int ctrl)
{
	return ctrl >= 0 && p->ctrl == ctrl;
}

const char *
ctrl_key(const struct corr *c, int ctrl)
{
	return ctrl >= 0 && ctrl < (int)c->t->nc ? c->t->c[ctrl].key : "";
}

/* The path an operator types for md member name: /dev/mapper/NAME for
 * a dm device (dm-N names move), else /dev/NAME. */
void
member_dev(const struct corr *c, const char *name, char *buf, size_t size)
{
	const struct blkdev *b = topo_blk(c->t, name);

	if (b != NULL && b->kind == BLK_DM && b->dm_name[0] != '\0')
		snprintf(buf, size, "/dev/mapper/%s", b->dm_name);
	else
		snprintf(buf, size, "/dev/%s", name);
}

static struct member *
member_get(struct corr *c, const char *name, const char *array)
{
	struct member *m;

	for (size_t i = 0; i < c->nmem; i++)
		if (strcmp(c->mem[i].name, name) == 0) {
			m = &c->mem[i];
			if (array != NULL && array[0] != '\0')
				str_copy(m->array, array, sizeof(m->array));
			return m;
		}
	c->mem = xreallocarray(c->mem, c->nmem + 1, sizeof(*c->mem));
	m = &c->mem[c->nmem++];
	memset(m, 0, sizeof(*m));
	str_copy(m->name, name, sizeof(m->name));
	if (array != NULL)
		str_copy(m->array, array, sizeof(m->array));
	m->slot = -1;
	m->pd = (int)(pdisk_get(c, name) - c->pd);
	return m;
}

/* md dropped member m: the incident of its disk (the cause, for the
 * array's state change that follows). */
static const struct incident *
member_fail(struct corr *c, struct member *m, uint64_t usec,
    const char *text)
{
	m->failed = 1;
	if (m->failed_usec == 0)
		m->failed_usec = usec;
	return pdisk_drop(c, &c->pd[m->pd], usec, text);
}

/* The incident of the array's member md failed last (within the
 * window): what "Cannot continue" is blamed on. */
static const struct incident *
last_cause(struct corr *c, const struct arr *a, uint64_t usec)
{
	const struct member *last = NULL;

	for (size_t i = 0; i < c->nmem; i++) {
		const struct member *m = &c->mem[i];

		if (m->failed && strcmp(m->array, a->name) == 0 &&
		    m->failed_usec + c->cfg.window_us >= usec &&
		    (last == NULL || m->failed_usec > last->failed_usec))
			last = m;
	}
	return last != NULL ? inc_of_pdisk(c, &c->pd[last->pd]) : NULL;
}

static struct pdisk *
disk_of_ata(struct corr *c, const char *ata)
{
	char suffix[24];

	snprintf(suffix, sizeof(suffix), "-ata-%s", ata + 3);
	for (size_t i = 0; i < c->t->nd; i++) {
		const char *p = c->t->d[i].path;
		size_t n = strlen(p), m = strlen(suffix);

		if (n >= m && strcmp(p + n - m, suffix) == 0)
			return pdisk_get(c, c->t->d[i].name);
	}
	return NULL;
}

/* A kernel line naming a device: its disk, when sysfs knows it or it
 * already failed (an unknown name is someone else's business). */
static struct pdisk *
pdisk_of_dev(struct corr *c, const char *dev)
{
	struct pdisk *p;

	if (dev[0] == '\0' || strncmp(dev, "md", 2) == 0)
		return NULL;
	p = pdisk_get(c, dev);
	return p->topo >= 0 || p->failed ? p : NULL;
}

/* ---- inputs ---- */

void
corr_kevent(struct corr *c, const struct kevent *ev)
{
	const struct incident *cause;
	struct pdisk *p;
	struct disk *td;
	struct member *m;
	struct arr *a;

	corr_tick(c, ev->usec);
	switch (ev->type) {
	case KEV_MD_DISK_FAILURE:
		a = arr_get(c, ev->array);
		m = member_get(c, ev->dev, ev->array);
		if (!m->md_counted) {
			m->md_counted = 1;
			a->failed++;
			if (a->state == ARR_UNKNOWN)
				a->state = ARR_CLEAN;	/* it was running */
		}
		cause = member_fail(c, m, ev->usec, ev->text);
		array_changed(c, a, ev->usec, "", cause);
		break;
	case KEV_SCSI_OFFLINE:
		if ((td = topo_disk_hctl(c->t, ev->hctl)) != NULL)
			pdisk_drop(c, pdisk_get(c, td->name), ev->usec,
			    ev->text);
		break;
	case KEV_MD_CANNOT_CONTINUE:
		a = arr_get(c, ev->array);
		a->cannot_run = 1;
		if (ev->b > 0)
			a->raid_disks = (int)ev->b;
		if (ev->a > a->failed)
			a->failed = (int)ev->a;
		array_changed(c, a, ev->usec, " (md: cannot continue)",
		    last_cause(c, a, ev->usec));
		break;
	case KEV_MD_CONTINUING:
		a = arr_get(c, ev->array);
		if (a->raid_disks > 0 && a->raid_disks - ev->a > a->failed)
			a->failed = a->raid_disks - (int)ev->a;
		array_changed(c, a, ev->usec, "", last_cause(c, a, ev->usec));
		break;
	case KEV_MD_SYNC_START:
		a = arr_get(c, ev->array);
		a->sync = ev->a ? MD_SYNC_RECOVERY : MD_SYNC_RESYNC;
		array_changed(c, a, ev->usec, "", NULL);
		break;
	case KEV_MD_SYNC_DONE:
		a = arr_get(c, ev->array);
		a->sync = MD_SYNC_NONE;
		array_changed(c, a, ev->usec, "", NULL);
		break;
	case KEV_MEDIUM_ERROR:
	case KEV_IO_ERROR:
	case KEV_MD_READ_ERROR:
		if ((p = pdisk_of_dev(c, ev->dev)) != NULL)
			warn_disk(c, p, SEV_WARNING, ev->usec, ev->text, 0);
		break;
	case KEV_ATA_LINK:
	case KEV_ATA_ERROR:
		if ((p = disk_of_ata(c, ev->ctrl)) != NULL)
			warn_disk(c, p, SEV_WARNING, ev->usec, ev->text, 0);
		break;
	case KEV_CTRL_FAULT:
	case KEV_CTRL_RESET:
	case KEV_CTRL_RESET_FAILED:
	case KEV_CTRL_TIMEOUT:
		ctrl_event(c, ev);
		break;
	case KEV_XEN_WARN:
		xen_warn(c, ev);
		break;
	default:
		break;
	}
}

void
corr_mdstat(struct corr *c, uint64_t usec, const struct mdstat *s)
{
	char text[KEV_TEXTLEN];

	corr_tick(c, usec);
	for (size_t i = 0; i < s->n; i++) {
		const struct md_array *md = &s->a[i];
		struct arr *a = arr_get(c, md->name);
		const struct incident *cause = NULL;

		if (md->level[0] != '\0')
			level_set(a->level, sizeof(a->level), md->level);
		if (md->raid_disks >= 0)
			a->raid_disks = md->raid_disks;
		a->nm = 0;
		for (size_t j = 0; j < md->nm; j++)
			str_copy(a->members[a->nm++], md->m[j].dev, MD_NAMELEN);
		for (size_t j = 0; j < md->nm; j++) {
			struct member *m = member_get(c, md->m[j].dev,
			    md->name);

			if (md->m[j].slot >= 0 && md->active)
				m->slot = md->m[j].slot;
			if (!(md->m[j].flags & MDM_FAULTY) || m->failed)
				continue;
			snprintf(text, sizeof(text), "mdstat: %s member %s "
			    "faulty (F)", md->name, md->m[j].dev);
			cause = member_fail(c, m, usec, text);
		}
		a->failed = md_array_failed(md);
		if (!md->active)
			a->cannot_run = 1;
		a->sync = md->sync;
		a->permille = md->permille;
		a->finish_min = md->finish_min;
		array_changed(c, a, usec, "", cause);
	}
}

void
corr_mdsysfs(struct corr *c, uint64_t usec, const struct md_sysfs *s)
{
	struct arr *a = arr_get(c, s->name);
	const struct incident *cause = NULL;
	char text[KEV_TEXTLEN];

	corr_tick(c, usec);
	if (s->level[0] != '\0')
		level_set(a->level, sizeof(a->level), s->level);
	if (s->raid_disks >= 0)
		a->raid_disks = s->raid_disks;
	for (size_t i = 0; i < s->nd; i++) {
		const struct md_dev *d = &s->d[i];
		struct member *m = member_get(c, d->dev, s->name);
		struct pdisk *p = &c->pd[m->pd];
		unsigned int fresh = d->state & ~m->md_flags;
		/* md shows "faulty" also for a member with unacknowledged
		 * bad blocks; a failed member is no longer in_sync */
		int gone = (d->state & MDS_FAULTY) &&
		    !(d->state & MDS_IN_SYNC);

		if (gone && !m->failed) {
			snprintf(text, sizeof(text), "md sysfs: %s dev-%s "
			    "state faulty", s->name, d->dev);
			cause = member_fail(c, m, usec, text);
		} else if (!gone && (fresh & (MDS_WRITE_ERROR |
		    MDS_WANT_REPLACEMENT | MDS_BLOCKED))) {
			snprintf(text, sizeof(text), "md sysfs: %s dev-%s%s%s%s "
			    "(mdstat shows nothing)", s->name, d->dev,
			    d->state & MDS_WRITE_ERROR ? " write_error" : "",
			    d->state & MDS_WANT_REPLACEMENT ?
			    " want_replacement" : "",
			    d->state & MDS_BLOCKED ? " blocked" : "");
			/* md itself asks for the device to be replaced */
			warn_disk(c, p, d->state & MDS_WANT_REPLACEMENT ?
			    SEV_CRITICAL : SEV_WARNING, usec, text, 0);
		}
		if (d->bb_ranges > m->bb_ranges) {
			snprintf(text, sizeof(text), "md sysfs: %s dev-%s has "
			    "%u bad-block range%s (%llu sectors), was %u "
			    "(mdstat shows nothing)", s->name, d->dev,
			    d->bb_ranges, d->bb_ranges == 1 ? "" : "s",
			    d->bb_sectors, m->bb_ranges);
			warn_disk(c, p, SEV_WARNING, usec, text, 0);
		}
		m->bb_ranges = d->bb_ranges;
		m->md_flags = d->state;
	}
	a->cannot_run = md_sysfs_is_failed(s);
	if (s->degraded >= 0 && a->raid_disks > 0 && s->degraded > a->failed)
		a->failed = s->degraded;
	else if (s->degraded == 0)
		a->failed = 0;
	if (strcmp(s->sync_action, "recover") == 0) {
		a->sync = MD_SYNC_RECOVERY;
		a->permille = s->sync_permille;
	} else if (strcmp(s->sync_action, "idle") == 0 &&
	    a->sync == MD_SYNC_RECOVERY)
		a->sync = MD_SYNC_NONE;
	array_changed(c, a, usec, "", cause);
}

void
corr_smart(struct corr *c, uint64_t usec, const struct smart *s)
{
	struct smart_finding f[12];
	struct pdisk *p = NULL;
	struct disk *td;
	char text[KEV_TEXTLEN];
	size_t n;

	corr_tick(c, usec);
	if ((td = topo_disk_serial(c->t, s->serial)) != NULL)
		p = pdisk_get(c, td->name);
	else if (strncmp(s->device, "/dev/", 5) == 0) {
		char name[32];

		str_copy(name, s->device + 5, sizeof(name));
		name_clean(name);
		p = pdisk_get(c, name);
	}
	if (p == NULL)
		return;
	n = smart_judge(p->smart_seen ? &p->smart : NULL, s, f, 12);
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "SMART %s: %s", p->name,
		    f[i].what);
		warn_disk(c, p, f[i].sev == SMART_CRIT ? SEV_CRITICAL :
		    SEV_WARNING, usec, text, 1);
	}
	if (!s->standby && !s->open_failed) {
		p->smart = *s;
		p->smart_seen = 1;
	}
}

void
corr_ioc_resets(struct corr *c, uint64_t usec, int ctrl, long long count)
{
	char text[KEV_TEXTLEN];

	if (ctrl < 0 || ctrl >= (int)c->t->nc || count < 0)
		return;
	corr_tick(c, usec);
	if (c->ioc_resets[ctrl] >= 0 && count > c->ioc_resets[ctrl]) {
		snprintf(text, sizeof(text), "%s (%s): ioc_reset_count rose "
		    "from %lld to %lld", c->t->c[ctrl].key,
		    c->t->c[ctrl].driver, c->ioc_resets[ctrl], count);
		warn_ctrl(c, ctrl, usec, text, 1);
	}
	c->ioc_resets[ctrl] = count;
}

/* ---- superblocks of failed arrays ---- */

static int
array_has_member(const struct corr *c, const struct arr *a,
    const struct member *m)
{
	if (strcmp(m->array, a->name) == 0)
		return 1;
	for (size_t j = 0; j < a->nm; j++)
		if (strcmp(a->members[j], m->name) == 0)
			return 1;
	return 0;
}

/* Members still working first: their superblocks are readable and the
 * newest, the ones the advice is measured against. */
const char *
corr_examine_next(struct corr *c)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->narr; i++) {
			const struct arr *a = &c->arrs[i];

			if (a->exam_since == 0)
				continue;
			for (size_t j = 0; j < c->nmem; j++) {
				struct member *m = &c->mem[j];

				if (!array_has_member(c, a, m) ||
				    m->sb_usec >= a->exam_since ||
				    m->sb_asked == a->exam_since ||
				    m->failed != pass)
					continue;
				m->sb_asked = a->exam_since;
				return m->name;
			}
		}
	return NULL;
}

int
corr_gives_recovery(const struct incident *inc, const struct arr *a)
{
	return a != NULL && a->state == ARR_FAILED &&
	    (inc->kind == INC_CONTROLLER || inc->kind == INC_ARRAY ||
	    strcmp(a->cause, inc->id) == 0);
}

/* Once all superblocks of a failed array are in: when every member to
 * force-assemble could be read (the controller is back), that is news
 * for the incidents giving its recovery -- now it can be acted on. */
static void
exam_complete(struct corr *c, uint64_t usec)
{
	struct recovery *r = NULL;
	char text[KEV_TEXTLEN];
	uint64_t until;

	for (size_t i = 0; i < c->narr; i++) {
		struct arr *a = &c->arrs[i];

		if (a->state != ARR_FAILED || a->exam_since == 0 ||
		    a->verified || corr_exam_pending(c, a, &until))
			continue;
		if (r == NULL)
			r = xmalloc(sizeof(*r));
		if (corr_recovery(c, a->name, NULL, r) == -1 || !r->possible ||
		    r->ncheck > 0)
			continue;
		a->verified = 1;
		snprintf(text, sizeof(text), "%s: every member to "
		    "force-assemble has a readable superblock (%zu of %d "
		    "needed)", a->name, r->nsafe, r->need);
		for (size_t j = 0; j < c->ninc; j++) {
			struct incident *inc = c->inc[j];

			if (!inc_live(c, j) || !inc_has_array(inc, a->name) ||
			    !corr_gives_recovery(inc, a))
				continue;
			inc_event(inc, usec, text);
			inc_note(inc, usec, 1);
		}
	}
	free(r);
}

void
corr_examine(struct corr *c, uint64_t usec, const char *name,
    const char *text, size_t len)
{
	struct member *m = NULL;
	struct md_examine ex;
	struct herr e;

	for (size_t i = 0; i < c->nmem && m == NULL; i++)
		if (strcmp(c->mem[i].name, name) == 0)
			m = &c->mem[i];
	if (m == NULL)
		m = member_get(c, name, NULL);
	m->sb_usec = usec > 0 ? usec : 1;
	if (text != NULL && len > 0 && md_examine_parse(text, len, &ex,
	    &e) == 0) {
		m->sb = 1;
		m->ex = ex;
	} else
		m->sb = -1;
	exam_complete(c, usec);
	corr_tick(c, usec);
}

/* 1 while superblocks of array a are still awaited (and worth waiting
 * for), with the time the wait ends in *until. */
int
corr_exam_pending(const struct corr *c, const struct arr *a,
    uint64_t *until)
{
	if (a->exam_since == 0 || c->cfg.examine_hold_us == 0)
		return 0;
	for (size_t j = 0; j < c->nmem; j++) {
		const struct member *m = &c->mem[j];

		if (array_has_member(c, a, m) && m->sb_usec < a->exam_since) {
			*until = a->exam_since + c->cfg.examine_hold_us;
			return 1;
		}
	}
	return 0;
}

static int
by_slot(const void *a, const void *b)
{
	const struct rmember *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < 0 ? 1 : y->slot < 0 ? -1 :
		    x->slot < y->slot ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The first time a member of array a failed in incident cause. */
static uint64_t
first_failure(struct corr *c, const struct arr *a, const char *cause)
{
	uint64_t first = UINT64_MAX;

	for (size_t j = 0; j < c->nmem; j++) {
		const struct member *m = &c->mem[j];
		const struct incident *o;

		if (m->failed && strcmp(m->array, a->name) == 0 &&
		    (o = inc_of_pdisk(c, &c->pd[m->pd])) != NULL &&
		    strcmp(o->id, cause) == 0 && m->failed_usec < first)
			first = m->failed_usec;
	}
	return first;
}

int
corr_recovery(const struct corr *c, const char *name,
    const struct incident *inc, struct recovery *r)
{
	struct corr *cc = (struct corr *)c;	/* lookups only */
	const struct arr *a = corr_array(c, name);
	uint64_t cause_first;

	(void)inc;
	if (a == NULL || a->state != ARR_FAILED)
		return -1;
	cause_first = a->cause[0] != '\0' ? first_failure(cc, a, a->cause) :
	    UINT64_MAX;
	memset(r, 0, sizeof(*r));
	str_copy(r->array, a->name, sizeof(r->array));
	str_copy(r->level, a->level, sizeof(r->level));
	r->raid_disks = a->raid_disks;
	for (size_t j = 0; j < c->nmem && r->nm < MD_MAXMEMBERS; j++) {
		const struct member *m = &c->mem[j];
		const struct pdisk *p = &c->pd[m->pd];
		struct rmember *rm;

		if (!array_has_member(c, a, m))
			continue;
		rm = &r->m[r->nm++];
		str_copy(rm->name, m->name, sizeof(rm->name));
		member_dev(c, m->name, rm->dev, sizeof(rm->dev));
		str_copy(rm->disk, p->id, sizeof(rm->disk));
		rm->slot = m->slot;
		rm->failed = m->failed;
		rm->failed_usec = m->failed_usec;
		/* failed in another incident before this array's cause */
		if (m->failed && cause_first != UINT64_MAX &&
		    m->failed_usec < cause_first) {
			const struct incident *o = inc_of_pdisk(cc,
			    &cc->pd[m->pd]);

			if (o != NULL && strcmp(o->id, a->cause) != 0)
				str_copy(rm->apart, o->id, sizeof(rm->apart));
		}
		rm->working = !m->failed;
		if (m->sb_usec != 0 && m->sb_usec >= a->exam_since) {
			rm->sb = m->sb;
			if (m->sb == 1)
				rm->ex = m->ex;
		}
	}
	qsort(r->m, r->nm, sizeof(r->m[0]), by_slot);
	recovery_plan(r, c->cfg.window_us);
	return 0;
}

/* ---- controllers ---- */

/* The firmware-below-baseline text for controller i, or 0. */
int
firmware_old(const struct corr *c, size_t i, char *text, size_t size)
{
	const struct ctrl *k = &c->t->c[i];

	for (size_t j = 0; j < c->cfg.nbase; j++) {
		const struct baseline *b = &c->cfg.base[j];

		if (strcasecmp(b->match, k->driver) != 0 &&
		    strcasecmp(b->match, k->board) != 0)
			continue;
		if (k->firmware[0] == '\0' ||
		    fw_compare(k->firmware, b->min_fw) >= 0)
			return 0;
		snprintf(text, size, "%s (%s%s%s): firmware %s is older than "
		    "the baseline %s for %s", k->key, k->driver,
		    k->board[0] ? ", " : "", k->board, k->firmware, b->min_fw,
		    b->match);
		return 1;
	}
	return 0;
}

/* The md arrays sysfs shows, their level and members (a device whose
 * holder is an md array): known before any /proc/mdstat, as a replay
 * of a recording needs. */
static void
members_from_topo(struct corr *c)
{
	for (size_t i = 0; i < c->t->nb; i++) {
		const struct blkdev *b = &c->t->b[i];

		if (b->kind == BLK_MD && b->md_level[0] != '\0') {
			struct arr *a = arr_get(c, b->name);

			if (a->level[0] == '\0')
				level_set(a->level, sizeof(a->level),
				    b->md_level);
			if (a->raid_disks < 0)
				a->raid_disks = b->md_disks;
		}
		for (size_t h = 0; h < b->nholders; h++) {
			const struct blkdev *md = topo_blk(c->t,
			    b->holders[h]);

			if (md != NULL && md->kind == BLK_MD)
				member_get(c, b->name, md->name);
		}
	}
}

static void
check_firmware(struct corr *c, uint64_t usec)
{
	char text[KEV_TEXTLEN];

	for (size_t i = 0; i < c->t->nc; i++)
		if (firmware_old(c, i, text, sizeof(text)))
			warn_ctrl(c, (int)i, usec, text, 0);
}

struct corr *
corr_new(const struct topo *t, const struct corr_cfg *cfg, corr_emit_fn fn,
    void *arg, uint64_t usec)
{
	struct corr *c = xcalloc(1, sizeof(*c));

	c->cfg = *cfg;
	c->t = xmalloc(sizeof(*c->t));
	*c->t = *t;
	c->fn = fn;
	c->arg = arg;
	for (size_t i = 0; i < TOPO_MAXCTRL; i++)
		c->ioc_resets[i] = i < t->nc ? t->c[i].ioc_reset_count : -1;
	members_from_topo(c);
	check_firmware(c, usec);
	return c;
}

void
corr_free(struct corr *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ninc; i++)
		free(c->inc[i]);
	free(c->inc);
	free(c->done);
	free(c->arrs);
	free(c->mem);
	free(c->pd);
	free(c->t);
	free(c);
}

static int
ctrl_index(const struct topo *t, const char *key)
{
	for (size_t i = 0; i < t->nc; i++)
		if (strcmp(t->c[i].key, key) == 0)
			return (int)i;
	return -1;
}

void
corr_update_topo(struct corr *c, const struct topo *t, uint64_t usec)
{
	long long resets[TOPO_MAXCTRL];
	struct topo *old = c->t;

	c->t = xmalloc(sizeof(*c->t));
	*c->t = *t;
	for (size_t i = 0; i < TOPO_MAXCTRL; i++)
		resets[i] = i < t->nc ? t->c[i].ioc_reset_count : -1;
	for (size_t i = 0; i < old->nc; i++) {
		int n = ctrl_index(t, old->c[i].key);

		if (n >= 0)
			resets[n] = c->ioc_resets[i];
	}
	memcpy(c->ioc_resets, resets, sizeof(resets));
	/* disks by serial (their sdX name may have moved) */
	for (size_t i = 0; i < c->npd; i++) {
		struct pdisk *p = &c->pd[i];
		struct disk *td = p->topo >= 0 ? topo_disk_serial(c->t, p->id) :
		    NULL;

		if (td == NULL && p->topo >= 0)
			td = topo_disk(c->t, p->name);
		if (td != NULL && strcmp(disk_id(td), p->id) != 0)
			td = NULL;	/* another disk took the name */
		p->topo = td != NULL ? (int)(td - c->t->d) : -1;
		p->ctrl = td != NULL ? td->ctrl : -1;
		if (td != NULL)
			str_copy(p->name, td->name, sizeof(p->name));
	}
	/* a member name now on another disk (a replacement) is new */
	for (size_t i = 0; i < c->nmem; i++) {
		struct member *m = &c->mem[i];
		int d = topo_phys1(c->t, m->name);

		if (d >= 0 && strcmp(disk_id(&c->t->d[d]),
		    c->pd[m->pd].id) != 0) {
			m->pd = (int)(pdisk_get(c, m->name) - c->pd);
			m->failed = m->md_counted = 0;
			m->failed_usec = 0;
			m->sb = 0;
			m->sb_usec = 0;
		}
	}
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];

		if (inc->ctrl < 0)
			continue;
		if (inc->ctrl_name[0] == '\0')
			str_copy(inc->ctrl_name, old->c[inc->ctrl].key,
			    sizeof(inc->ctrl_name));
		inc->ctrl = ctrl_index(c->t, old->c[inc->ctrl].key);
	}
	members_from_topo(c);
	/* disks came back (or moved): read the superblocks of failed
	 * arrays again */
	for (size_t i = 0; i < c->narr; i++)
		if (c->arrs[i].state == ARR_FAILED && usec > 0)
			c->arrs[i].exam_since = usec;
	free(old);
}

const struct topo *
corr_topo(const struct corr *c)
{
	return c->t;
}

void
corr_disk_state(const struct corr *c, const char *name, int *failed,
    unsigned int *bb_ranges)
{
	*failed = 0;
	*bb_ranges = 0;
	for (size_t i = 0; i < c->npd; i++) {
		const struct pdisk *p = &c->pd[i];

		if (strcmp(p->name, name) != 0)
			continue;
		*failed = p->failed;
		for (size_t j = 0; j < c->nmem; j++)
			if (c->mem[j].pd == (int)i)
				*bb_ranges += c->mem[j].bb_ranges;
	}
}

size_t
corr_narrays(const struct corr *c)
{
	return c->narr;
}

const struct arr *
corr_array_at(const struct corr *c, size_t i)
{
	return i < c->narr ? &c->arrs[i] : NULL;
}

size_t
corr_count(const struct corr *c)
{
	return c->ninc;
}

const struct incident *
corr_incident(const struct corr *c, size_t i)
{
	return i < c->ninc ? c->inc[i] : NULL;
}

size_t
corr_open_count(const struct corr *c, enum inc_sev sev)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ninc; i++)
		if (!c->done[i] && !c->inc[i]->resolved &&
		    c->inc[i]->announced && c->inc[i]->sev == sev)
			n++;
	return n;
}
