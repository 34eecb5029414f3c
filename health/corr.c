/*
 * corr: health events into incidents.  See corr.h for the rules.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/corr.h"
#include "health/names.h"

#define WARN_EXPIRE_US	(7ULL * 86400 * 1000000)	/* quiet warnings */
#define WARN_SETTLE_FACTOR	5	/* warnings wait longer: a failure
					 * may follow and absorb them */

struct cdisk {
	char		name[32];
	int		topo;		/* index in t->d, -1 */
	int		ctrl;		/* index in t->c, -1 */
	int		failed;
	int		md_counted;	/* md reported it: in arr->failed */
	char		array[MD_NAMELEN];
	unsigned int	bb_ranges;
	unsigned int	md_flags;
	int		smart_seen;
	struct smart	smart;
};

struct corr {
	struct corr_cfg	  cfg;
	struct topo	 *t;
	corr_emit_fn	  fn;
	void		 *arg;
	struct incident	**inc;
	int		 *done;		/* per incident: resolved and sent */
	size_t		  ninc;
	unsigned int	  seq;
	struct arr	 *arrs;
	size_t		  narr;
	struct cdisk	 *dk;
	size_t		  ndk;
	long long	  ioc_resets[TOPO_MAXCTRL];
};

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

static int	firmware_old(const struct corr *, size_t, char *, size_t);
static void	note_firmware(const struct corr *, struct incident *, uint64_t);

/* ---- arrays ---- */

static int
tolerance(const struct arr *a)
{
	if (strcmp(a->level, "raid1") == 0)
		return a->raid_disks > 0 ? a->raid_disks - 1 : 0;
	if (strcmp(a->level, "raid6") == 0)
		return 2;
	if (strcmp(a->level, "raid4") == 0 || strcmp(a->level, "raid5") == 0 ||
	    strcmp(a->level, "raid10") == 0)
		return 1;
	if (a->level[0] == '\0')
		return MD_MAXMEMBERS;	/* unknown: md will say "cannot continue" */
	return 0;	/* raid0, linear */
}

static enum arr_state
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

static struct arr *
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

/* ---- disks ---- */

static struct cdisk *
disk_get(struct corr *c, const char *name)
{
	struct cdisk *d;
	struct disk *td;

	for (size_t i = 0; i < c->ndk; i++)
		if (strcmp(c->dk[i].name, name) == 0)
			return &c->dk[i];
	c->dk = xreallocarray(c->dk, c->ndk + 1, sizeof(*c->dk));
	d = &c->dk[c->ndk++];
	memset(d, 0, sizeof(*d));
	str_copy(d->name, name, sizeof(d->name));
	td = topo_disk(c->t, name);
	d->topo = td != NULL ? (int)(td - c->t->d) : -1;
	d->ctrl = td != NULL ? td->ctrl : -1;
	for (size_t i = 0; i < c->narr && d->array[0] == '\0'; i++)
		for (size_t j = 0; j < c->arrs[i].nm; j++)
			if (strcmp(c->arrs[i].members[j], name) == 0)
				str_copy(d->array, c->arrs[i].name,
				    sizeof(d->array));
	return d;
}

static const char *
cdisk_id(const struct corr *c, const struct cdisk *d)
{
	return d->topo >= 0 ? disk_id(&c->t->d[d->topo]) : d->name;
}

/* ---- incidents ---- */

static struct incident *
inc_new(struct corr *c, enum inc_kind kind, enum inc_sev sev,
    const char *subject, uint64_t usec)
{
	struct incident *inc = xcalloc(1, sizeof(*inc));

	c->seq++;
	snprintf(inc->id, sizeof(inc->id), "%s-%u", c->cfg.id_prefix, c->seq);
	inc->kind = kind;
	inc->sev = sev;
	str_copy(inc->subject, subject, sizeof(inc->subject));
	inc->ctrl = -1;
	inc->first_usec = inc->last_usec = inc->changed_usec = usec;
	inc->dirty = 1;
	c->inc = xreallocarray(c->inc, c->ninc + 1, sizeof(*c->inc));
	c->done = xreallocarray(c->done, c->ninc + 1, sizeof(*c->done));
	c->inc[c->ninc] = inc;
	c->done[c->ninc] = 0;
	c->ninc++;
	return inc;
}

static int
inc_live(const struct corr *c, size_t i)
{
	return !c->done[i] && !c->inc[i]->resolved;
}

static struct incident *
inc_by_subject(struct corr *c, const char *subject)
{
	for (size_t i = 0; i < c->ninc; i++)
		if (inc_live(c, i) && strcmp(c->inc[i]->subject, subject) == 0)
			return c->inc[i];
	return NULL;
}

static void
inc_touch(struct incident *inc, uint64_t usec, int worse)
{
	if (usec > inc->last_usec)
		inc->last_usec = usec;
	inc->changed_usec = usec > inc->changed_usec ? usec :
	    inc->changed_usec;
	inc->dirty = 1;
	inc->worse |= worse;
}

static void
inc_event(struct incident *inc, uint64_t usec, const char *text)
{
	char *slot;

	if (inc->nevents == INC_MAXEVENTS) {
		memmove(inc->events[0], inc->events[1],
		    sizeof(inc->events[0]) * (INC_MAXEVENTS - 1));
		inc->nevents--;
	}
	slot = inc->events[inc->nevents++];
	snprintf(slot, sizeof(inc->events[0]), "[%5llu.%06llu] %s",
	    (unsigned long long)(usec / 1000000),
	    (unsigned long long)(usec % 1000000), text);
	inc->nevents_total++;
}

static int
inc_has_array(const struct incident *inc, const char *name)
{
	for (size_t i = 0; i < inc->narrays; i++)
		if (strcmp(inc->arrays[i], name) == 0)
			return 1;
	return 0;
}

static void
inc_add_array(struct incident *inc, const char *name)
{
	if (name[0] == '\0' || inc_has_array(inc, name) ||
	    inc->narrays >= INC_MAXARRAYS)
		return;
	str_copy(inc->arrays[inc->narrays++], name, MD_NAMELEN);
}

static int
inc_has_disk(const struct incident *inc, const char *name)
{
	for (size_t i = 0; i < inc->ndisks; i++)
		if (strcmp(inc->disks[i].name, name) == 0)
			return 1;
	return 0;
}

static int
inc_add_disk(const struct corr *c, struct incident *inc,
    const struct cdisk *d, uint64_t usec)
{
	struct inc_disk *id;

	if (inc_has_disk(inc, d->name) || inc->ndisks >= INC_MAXDISKS)
		return 0;
	id = &inc->disks[inc->ndisks++];
	memset(id, 0, sizeof(*id));
	str_copy(id->name, d->name, sizeof(id->name));
	str_copy(id->serial, cdisk_id(c, d), sizeof(id->serial));
	if (d->topo >= 0)
		str_copy(id->path, c->t->d[d->topo].path, sizeof(id->path));
	str_copy(id->array, d->array, sizeof(id->array));
	id->usec = usec;
	inc_add_array(inc, d->array);
	return 1;
}

/* The open failure incident (disk/controller/array) holding disk d. */
static struct incident *
inc_of_disk(struct corr *c, const char *name)
{
	for (size_t i = 0; i < c->ninc; i++)
		if (inc_live(c, i) && c->inc[i]->kind != INC_WARNING &&
		    inc_has_disk(c->inc[i], name))
			return c->inc[i];
	return NULL;
}

static void
ctrl_subject(const struct corr *c, int ctrl, const char *name, char *buf,
    size_t size)
{
	snprintf(buf, size, "ctrl:%s", ctrl >= 0 ? c->t->c[ctrl].key : name);
}

/* An open controller incident for ctrl that saw an event in the window. */
static struct incident *
inc_of_ctrl(struct corr *c, int ctrl, const char *name, uint64_t usec)
{
	char subject[96];

	ctrl_subject(c, ctrl, name, subject, sizeof(subject));
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];

		if (inc_live(c, i) && inc->kind == INC_CONTROLLER &&
		    strcmp(inc->subject, subject) == 0 &&
		    usec <= inc->last_usec + c->cfg.window_us)
			return inc;
	}
	return NULL;
}

/* Moves an unannounced warning about disk d into inc (no alert for it). */
static void
absorb_warning(struct corr *c, struct incident *inc, const struct cdisk *d)
{
	char subject[96];
	struct incident *w;

	snprintf(subject, sizeof(subject), "warn:disk:%s", cdisk_id(c, d));
	if ((w = inc_by_subject(c, subject)) == NULL || w->announced)
		return;
	for (size_t i = 0; i < w->nevents; i++)
		if (inc->nevents < INC_MAXEVENTS) {
			str_copy(inc->events[inc->nevents++], w->events[i],
			    sizeof(inc->events[0]));
			inc->nevents_total++;
		}
	for (size_t i = 0; i < c->ninc; i++)
		if (c->inc[i] == w)
			c->done[i] = 1;
}

static void
disk_drop(struct corr *c, struct cdisk *d, const char *array, uint64_t usec,
    const char *text)
{
	struct incident *inc;
	char subject[96];
	int worse = 0;

	if (array != NULL && array[0] != '\0' && d->array[0] == '\0')
		str_copy(d->array, array, sizeof(d->array));
	if (d->failed && (inc = inc_of_disk(c, d->name)) != NULL) {
		inc_add_array(inc, d->array);
		inc_event(inc, usec, text);
		inc_touch(inc, usec, 0);
		return;
	}
	d->failed = 1;
	inc = inc_of_ctrl(c, d->ctrl, "", usec);
	if (inc == NULL && d->ctrl >= 0) {
		/* another disk behind the same controller, within the window:
		 * this is the controller, not the disks */
		for (size_t i = 0; i < c->ninc && inc == NULL; i++) {
			struct incident *o = c->inc[i];
			struct cdisk *od;

			if (!inc_live(c, i) || o->kind != INC_DISK ||
			    usec > o->first_usec + c->cfg.window_us)
				continue;
			od = disk_get(c, o->disks[0].name);
			if (od->ctrl != d->ctrl)
				continue;
			inc = o;
			inc->kind = INC_CONTROLLER;
			inc->ctrl = d->ctrl;
			ctrl_subject(c, d->ctrl, "", inc->subject,
			    sizeof(inc->subject));
			note_firmware(c, inc, usec);
			worse = 1;
		}
	}
	if (inc == NULL) {
		snprintf(subject, sizeof(subject), "disk:%s", cdisk_id(c, d));
		inc = inc_new(c, INC_DISK, SEV_CRITICAL, subject, usec);
		inc->ctrl = d->ctrl;
	}
	if (inc->sev != SEV_CRITICAL) {
		inc->sev = SEV_CRITICAL;
		worse = 1;
	}
	if (inc_add_disk(c, inc, d, usec) && inc->announced)
		worse = 1;
	absorb_warning(c, inc, d);
	inc_event(inc, usec, text);
	inc_touch(inc, usec, worse);
}

/* Opens or updates the warning incident about subject. */
static void
warn(struct corr *c, const char *subject, const char *title, int ctrl,
    enum inc_sev sev, uint64_t usec, const char *text, int worse)
{
	struct incident *inc = inc_by_subject(c, subject);

	if (inc == NULL) {
		inc = inc_new(c, INC_WARNING, sev, subject, usec);
		str_copy(inc->title, title, sizeof(inc->title));
		inc->ctrl = ctrl;
	} else if (sev > inc->sev) {
		inc->sev = sev;
		worse = 1;
	}
	inc_event(inc, usec, text);
	inc_touch(inc, usec, worse);
}

/* worse: news that should not wait for the follow-up interval */
static void
warn_disk(struct corr *c, struct cdisk *d, enum inc_sev sev, uint64_t usec,
    const char *text, int worse)
{
	struct incident *inc;
	char subject[96], title[160];

	if (d->failed && (inc = inc_of_disk(c, d->name)) != NULL) {
		inc_event(inc, usec, text);	/* part of the failure */
		inc_touch(inc, usec, 0);
		return;
	}
	snprintf(subject, sizeof(subject), "warn:disk:%s", cdisk_id(c, d));
	snprintf(title, sizeof(title), "disk %s (%s%s%s)", cdisk_id(c, d),
	    d->name, d->topo >= 0 ? " at " : "",
	    d->topo >= 0 ? c->t->d[d->topo].path : "");
	warn(c, subject, title, d->ctrl, sev, usec, text, worse);
	inc = inc_by_subject(c, subject);
	if (inc != NULL && inc_add_disk(c, inc, d, usec))
		inc_add_array(inc, d->array);
}

static void
warn_ctrl(struct corr *c, int ctrl, uint64_t usec, const char *text)
{
	const struct ctrl *k = &c->t->c[ctrl];
	char subject[96], title[160];
	struct incident *inc;

	if ((inc = inc_of_ctrl(c, ctrl, "", usec)) != NULL) {
		inc_event(inc, usec, text);
		inc_touch(inc, usec, 0);
		return;
	}
	snprintf(subject, sizeof(subject), "warn:ctrl:%s", k->key);
	snprintf(title, sizeof(title), "controller %s (%s%s%s)", k->key,
	    k->driver, k->board[0] ? ", " : "", k->board);
	warn(c, subject, title, ctrl, SEV_WARNING, usec, text, 0);
}

/* Array state changes reach every incident naming the array; whole
 * again resolves incidents whose arrays are all whole. */
static void
array_changed(struct corr *c, struct arr *a, uint64_t usec, const char *why)
{
	enum arr_state old = a->state, now = arr_compute(a);
	char text[KEV_TEXTLEN], subject[96];
	int found = 0;

	a->state = now;
	if (now == old)
		return;
	if (now == ARR_REBUILDING && a->permille >= 0)
		snprintf(text, sizeof(text), "%s: %s -> rebuilding, %d.%d%% "
		    "done%s", a->name, arr_state_name(old), a->permille / 10,
		    a->permille % 10, why);
	else
		snprintf(text, sizeof(text), "%s: %s -> %s%s", a->name,
		    arr_state_name(old), arr_state_name(now), why);
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];
		int whole = 1;

		if (!inc_live(c, i) || inc->kind == INC_WARNING ||
		    !inc_has_array(inc, a->name))
			continue;
		found = 1;
		inc_event(inc, usec, text);
		inc_touch(inc, usec, now == ARR_FAILED);
		for (size_t j = 0; j < inc->narrays; j++) {
			const struct arr *o = corr_array(c, inc->arrays[j]);

			if (o == NULL || o->state != ARR_CLEAN)
				whole = 0;
		}
		if (whole) {
			inc->resolved = 1;
			for (size_t j = 0; j < inc->ndisks; j++) {
				struct cdisk *d = disk_get(c,
				    inc->disks[j].name);

				d->failed = d->md_counted = 0;
			}
		}
	}
	/* degraded or failed with no disk to blame (a member removed, or
	 * already so when we started): the array is the incident */
	if (!found && (now == ARR_FAILED || now == ARR_DEGRADED)) {
		struct incident *inc;

		snprintf(subject, sizeof(subject), "array:%s", a->name);
		inc = inc_new(c, INC_ARRAY, SEV_CRITICAL, subject, usec);
		inc_add_array(inc, a->name);
		inc_event(inc, usec, text);
	}
}

/* A controller incident says when its firmware is below the baseline. */
static void
note_firmware(const struct corr *c, struct incident *inc, uint64_t usec)
{
	char text[KEV_TEXTLEN];

	if (inc->ctrl >= 0 && firmware_old(c, (size_t)inc->ctrl, text,
	    sizeof(text)))
		inc_event(inc, usec, text);
}

/* ---- inputs ---- */

static void
ctrl_event(struct corr *c, const struct kevent *ev)
{
	int ctrl = topo_ctrl_ioc(c->t, ev->ctrl), worse = 0;
	struct incident *inc = inc_of_ctrl(c, ctrl, ev->ctrl, ev->usec);
	enum inc_sev sev = ev->type == KEV_CTRL_RESET_FAILED ? SEV_CRITICAL :
	    SEV_WARNING;
	char subject[96];

	if (inc == NULL) {
		ctrl_subject(c, ctrl, ev->ctrl, subject, sizeof(subject));
		inc = inc_new(c, INC_CONTROLLER, sev, subject, ev->usec);
		inc->ctrl = ctrl;
		str_copy(inc->ctrl_name, ev->ctrl, sizeof(inc->ctrl_name));
		note_firmware(c, inc, ev->usec);
	} else if (sev > inc->sev) {
		inc->sev = sev;
		worse = 1;
	}
	if (inc->ctrl_name[0] == '\0')
		str_copy(inc->ctrl_name, ev->ctrl, sizeof(inc->ctrl_name));
	inc_event(inc, ev->usec, ev->text);
	inc_touch(inc, ev->usec, worse);
}

/* Xen WARNs during controller trouble are usually its side effect
 * (interrupt remapping of a resetting device): same incident. */
static void
xen_warn(struct corr *c, const struct kevent *ev)
{
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];

		if (inc_live(c, i) && inc->kind == INC_CONTROLLER &&
		    ev->usec <= inc->last_usec + c->cfg.window_us) {
			inc_event(inc, ev->usec, ev->text);
			inc_touch(inc, ev->usec, 0);
			return;
		}
	}
	warn(c, "warn:xen", "the Xen hypervisor", -1, SEV_WARNING, ev->usec,
	    ev->text, 0);
}

static struct cdisk *
disk_of_ata(struct corr *c, const char *ata)
{
	char suffix[24];

	snprintf(suffix, sizeof(suffix), "-ata-%s", ata + 3);
	for (size_t i = 0; i < c->t->nd; i++) {
		const char *p = c->t->d[i].path;
		size_t n = strlen(p), m = strlen(suffix);

		if (n >= m && strcmp(p + n - m, suffix) == 0)
			return disk_get(c, c->t->d[i].name);
	}
	return NULL;
}

void
corr_kevent(struct corr *c, const struct kevent *ev)
{
	struct cdisk *d = NULL;
	struct disk *td;
	struct arr *a;

	corr_tick(c, ev->usec);
	switch (ev->type) {
	case KEV_MD_DISK_FAILURE:
		d = disk_get(c, ev->dev);
		a = arr_get(c, ev->array);
		if (!d->md_counted) {
			d->md_counted = 1;
			a->failed++;
			if (a->state == ARR_UNKNOWN)
				a->state = ARR_CLEAN;	/* it was running */
		}
		disk_drop(c, d, ev->array, ev->usec, ev->text);
		array_changed(c, a, ev->usec, "");
		break;
	case KEV_SCSI_OFFLINE:
		if ((td = topo_disk_hctl(c->t, ev->hctl)) != NULL)
			disk_drop(c, disk_get(c, td->name), NULL, ev->usec,
			    ev->text);
		break;
	case KEV_MD_CANNOT_CONTINUE:
		a = arr_get(c, ev->array);
		a->cannot_run = 1;
		if (ev->b > 0)
			a->raid_disks = (int)ev->b;
		if (ev->a > a->failed)
			a->failed = (int)ev->a;
		array_changed(c, a, ev->usec, " (md: cannot continue)");
		break;
	case KEV_MD_CONTINUING:
		a = arr_get(c, ev->array);
		if (a->raid_disks > 0 && a->raid_disks - ev->a > a->failed)
			a->failed = a->raid_disks - (int)ev->a;
		array_changed(c, a, ev->usec, "");
		break;
	case KEV_MD_SYNC_START:
		a = arr_get(c, ev->array);
		a->sync = ev->a ? MD_SYNC_RECOVERY : MD_SYNC_RESYNC;
		array_changed(c, a, ev->usec, "");
		break;
	case KEV_MD_SYNC_DONE:
		a = arr_get(c, ev->array);
		a->sync = MD_SYNC_NONE;
		array_changed(c, a, ev->usec, "");
		break;
	case KEV_MEDIUM_ERROR:
	case KEV_IO_ERROR:
	case KEV_MD_READ_ERROR:
		if (ev->dev[0] != '\0' && strncmp(ev->dev, "md", 2) != 0)
			d = disk_get(c, ev->dev);
		if (d != NULL && (d->topo >= 0 || d->failed))
			warn_disk(c, d, SEV_WARNING, ev->usec, ev->text, 0);
		break;
	case KEV_ATA_LINK:
	case KEV_ATA_ERROR:
		if ((d = disk_of_ata(c, ev->ctrl)) != NULL)
			warn_disk(c, d, SEV_WARNING, ev->usec, ev->text, 0);
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
		const struct md_array *m = &s->a[i];
		struct arr *a = arr_get(c, m->name);

		if (m->level[0] != '\0')
			str_copy(a->level, m->level, sizeof(a->level));
		if (m->raid_disks >= 0)
			a->raid_disks = m->raid_disks;
		a->nm = 0;
		for (size_t j = 0; j < m->nm; j++)
			str_copy(a->members[a->nm++], m->m[j].dev, MD_NAMELEN);
		for (size_t j = 0; j < m->nm; j++) {
			struct cdisk *d = disk_get(c, m->m[j].dev);

			str_copy(d->array, m->name, sizeof(d->array));
			if (!(m->m[j].flags & MDM_FAULTY) || d->failed)
				continue;
			snprintf(text, sizeof(text), "mdstat: %s member %s "
			    "faulty (F)", m->name, m->m[j].dev);
			disk_drop(c, d, m->name, usec, text);
		}
		a->failed = md_array_failed(m);
		if (!m->active)
			a->cannot_run = 1;
		a->sync = m->sync;
		a->permille = m->permille;
		a->finish_min = m->finish_min;
		array_changed(c, a, usec, "");
	}
}

void
corr_mdsysfs(struct corr *c, uint64_t usec, const struct md_sysfs *s)
{
	struct arr *a = arr_get(c, s->name);
	char text[KEV_TEXTLEN];

	corr_tick(c, usec);
	if (s->level[0] != '\0')
		str_copy(a->level, s->level, sizeof(a->level));
	if (s->raid_disks >= 0)
		a->raid_disks = s->raid_disks;
	for (size_t i = 0; i < s->nd; i++) {
		const struct md_dev *m = &s->d[i];
		struct cdisk *d = disk_get(c, m->dev);
		unsigned int fresh = m->state & ~d->md_flags;
		/* md shows "faulty" also for a member with unacknowledged
		 * bad blocks; a failed member is no longer in_sync */
		int gone = (m->state & MDS_FAULTY) &&
		    !(m->state & MDS_IN_SYNC);

		str_copy(d->array, s->name, sizeof(d->array));
		if (gone && !d->failed) {
			snprintf(text, sizeof(text), "md sysfs: %s dev-%s "
			    "state faulty", s->name, m->dev);
			disk_drop(c, d, s->name, usec, text);
		} else if (!gone && (fresh & (MDS_WRITE_ERROR |
		    MDS_WANT_REPLACEMENT | MDS_BLOCKED))) {
			snprintf(text, sizeof(text), "md sysfs: %s dev-%s%s%s%s "
			    "(mdstat shows nothing)", s->name, m->dev,
			    m->state & MDS_WRITE_ERROR ? " write_error" : "",
			    m->state & MDS_WANT_REPLACEMENT ?
			    " want_replacement" : "",
			    m->state & MDS_BLOCKED ? " blocked" : "");
			warn_disk(c, d, SEV_WARNING, usec, text, 1);
		}
		if (m->bb_ranges > d->bb_ranges) {
			snprintf(text, sizeof(text), "md sysfs: %s dev-%s has "
			    "%u bad-block range%s (%llu sectors), was %u "
			    "(mdstat shows nothing)", s->name, m->dev,
			    m->bb_ranges, m->bb_ranges == 1 ? "" : "s",
			    m->bb_sectors, d->bb_ranges);
			/* the first bad block of a disk is news at once */
			warn_disk(c, d, SEV_WARNING, usec, text,
			    d->bb_ranges == 0);
		}
		d->bb_ranges = m->bb_ranges;
		d->md_flags = m->state;
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
	array_changed(c, a, usec, "");
}

void
corr_smart(struct corr *c, uint64_t usec, const struct smart *s)
{
	struct smart_finding f[12];
	struct cdisk *d = NULL;
	struct disk *td;
	char text[KEV_TEXTLEN];
	size_t n;

	corr_tick(c, usec);
	if ((td = topo_disk_serial(c->t, s->serial)) != NULL)
		d = disk_get(c, td->name);
	else if (strncmp(s->device, "/dev/", 5) == 0) {
		char name[32];

		str_copy(name, s->device + 5, sizeof(name));
		name_clean(name);
		d = disk_get(c, name);
	}
	if (d == NULL)
		return;
	n = smart_judge(d->smart_seen ? &d->smart : NULL, s, f, 12);
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "SMART %s: %s", d->name,
		    f[i].what);
		warn_disk(c, d, f[i].sev == SMART_CRIT ? SEV_CRITICAL :
		    SEV_WARNING, usec, text, 0);
	}
	if (!s->standby && !s->open_failed) {
		d->smart = *s;
		d->smart_seen = 1;
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
		warn_ctrl(c, ctrl, usec, text);
	}
	c->ioc_resets[ctrl] = count;
}

/* The firmware-below-baseline text for controller i, or 0. */
static int
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

static void
check_firmware(struct corr *c, uint64_t usec)
{
	char text[KEV_TEXTLEN];

	for (size_t i = 0; i < c->t->nc; i++)
		if (firmware_old(c, i, text, sizeof(text)))
			warn_ctrl(c, (int)i, usec, text);
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
	free(c->dk);
	free(c->t);
	free(c);
}

/* ---- notices ---- */

static uint64_t
due_at(const struct corr *c, const struct incident *inc)
{
	uint64_t settle = c->cfg.settle_us, due;

	if (inc->kind == INC_WARNING && !inc->announced)
		settle *= WARN_SETTLE_FACTOR;
	due = inc->changed_usec + settle;
	if (inc->announced && !inc->worse && !inc->resolved &&
	    inc->notice_usec + c->cfg.followup_us > due)
		due = inc->notice_usec + c->cfg.followup_us;
	return due;
}

uint64_t
corr_next_due(const struct corr *c)
{
	uint64_t next = UINT64_MAX, due;

	for (size_t i = 0; i < c->ninc; i++) {
		if (c->done[i] || !c->inc[i]->dirty)
			continue;
		due = due_at(c, c->inc[i]);
		if (due < next)
			next = due;
	}
	return next;
}

/* Frees incidents that are over; quiet warnings are over after a week. */
static void
prune(struct corr *c, uint64_t usec)
{
	size_t o = 0;

	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];

		if (!c->done[i] && inc->kind == INC_WARNING && inc->announced &&
		    !inc->dirty && usec != UINT64_MAX &&
		    usec > inc->last_usec + WARN_EXPIRE_US)
			c->done[i] = 1;
		if (c->done[i]) {
			free(inc);
			continue;
		}
		c->inc[o] = inc;
		c->done[o] = 0;
		o++;
	}
	c->ninc = o;
}

void
corr_tick(struct corr *c, uint64_t usec)
{
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];
		uint64_t due, at;
		enum notice n;

		if (c->done[i] || !inc->dirty)
			continue;
		due = due_at(c, inc);
		if (usec < due)
			continue;
		if (inc->resolved && !inc->announced) {
			c->done[i] = 1;		/* healed before anyone knew */
			continue;
		}
		/* report when it was due: a replay ticks only at its next
		 * input, the daemon wakes up at the due time anyway */
		at = due;
		n = inc->resolved ? NOTICE_RESOLVED : inc->announced ?
		    NOTICE_UPDATE : NOTICE_OPEN;
		inc->announced = 1;
		inc->dirty = 0;
		inc->worse = 0;
		inc->notice_usec = at;
		inc->notices++;
		if (inc->resolved)
			c->done[i] = 1;
		if (c->fn != NULL)
			c->fn(c->arg, c, inc, n, at);
	}
	if (usec != UINT64_MAX)
		prune(c, usec);
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
corr_update_topo(struct corr *c, const struct topo *t)
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
	for (size_t i = 0; i < c->ndk; i++) {
		struct disk *td = topo_disk(c->t, c->dk[i].name);

		c->dk[i].topo = td != NULL ? (int)(td - c->t->d) : -1;
		c->dk[i].ctrl = td != NULL ? td->ctrl : -1;
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
	for (size_t i = 0; i < c->ndk; i++)
		if (strcmp(c->dk[i].name, name) == 0) {
			*failed = c->dk[i].failed;
			*bb_ranges = c->dk[i].bb_ranges;
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
