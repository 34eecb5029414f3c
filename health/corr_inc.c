/*
 * corr_inc: incidents -- one per physical cause -- and their notices.
 * See corr.h for the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/corr_priv.h"

#define WARN_EXPIRE_US	(7ULL * 86400 * 1000000)	/* quiet warnings */
#define WARN_SETTLE_FACTOR	5	/* warnings wait longer: a failure
					 * may follow and absorb them */
#define HOLD_FACTOR	10	/* a stream of events delays a notice by
				 * at most this many settle times */

/* ---- incidents ---- */

struct incident *
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
	inc->first_usec = inc->last_usec = inc->quiet_usec = usec;
	inc->pending = 1;
	inc->pending_usec = usec;
	c->inc = xreallocarray(c->inc, c->ninc + 1, sizeof(*c->inc));
	c->done = xreallocarray(c->done, c->ninc + 1, sizeof(*c->done));
	c->inc[c->ninc] = inc;
	c->done[c->ninc] = 0;
	c->ninc++;
	return inc;
}

int
inc_live(const struct corr *c, size_t i)
{
	return !c->done[i] && !c->inc[i]->resolved;
}

struct incident *
inc_by_subject(struct corr *c, const char *subject)
{
	for (size_t i = 0; i < c->ninc; i++)
		if (inc_live(c, i) && strcmp(c->inc[i]->subject, subject) == 0)
			return c->inc[i];
	return NULL;
}

const struct incident *
inc_by_id(const struct corr *c, const char *id)
{
	for (size_t i = 0; i < c->ninc; i++)
		if (!c->done[i] && strcmp(c->inc[i]->id, id) == 0)
			return c->inc[i];
	return NULL;
}

static size_t
inc_index(const struct corr *c, const struct incident *inc)
{
	for (size_t i = 0; i < c->ninc; i++)
		if (c->inc[i] == inc)
			return i;
	return c->ninc;
}

/* Something happened: the incident is not quiet yet. */
static void
inc_touch(struct incident *inc, uint64_t usec)
{
	if (usec > inc->last_usec)
		inc->last_usec = usec;
	if (usec > inc->quiet_usec)
		inc->quiet_usec = usec;
}

void
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
	inc_touch(inc, usec);
}

/* News worth a notice; urgent news does not wait for the follow-up
 * interval. */
void
inc_note(struct incident *inc, uint64_t usec, int urgent)
{
	if (!inc->pending) {
		inc->pending = 1;
		inc->pending_usec = usec;
	}
	inc->urgent |= urgent;
	inc_touch(inc, usec);
}

int
inc_has_array(const struct incident *inc, const char *name)
{
	for (size_t i = 0; i < inc->narrays; i++)
		if (strcmp(inc->arrays[i], name) == 0)
			return 1;
	return 0;
}

void
inc_add_array(struct incident *inc, const char *name)
{
	if (name[0] == '\0' || inc_has_array(inc, name) ||
	    inc->narrays >= INC_MAXARRAYS)
		return;
	str_copy(inc->arrays[inc->narrays++], name, MD_NAMELEN);
}

static struct inc_disk *
inc_disk_of(struct incident *inc, const char *id)
{
	for (size_t i = 0; i < inc->ndisks; i++)
		if (strcmp(inc->disks[i].serial, id) == 0)
			return &inc->disks[i];
	return NULL;
}

/* Refreshes what a disk entry says from the disk (names move) and the
 * md members on it: every partition or volume of it in an array. */
static void
disk_refresh(const struct corr *c, struct incident *inc, struct inc_disk *d)
{
	const struct pdisk *p = NULL;
	int pi = -1;

	for (size_t i = 0; i < c->npd && p == NULL; i++)
		if (strcmp(c->pd[i].id, d->serial) == 0) {
			p = &c->pd[i];
			pi = (int)i;
		}
	if (p == NULL)
		return;
	if (p->topo >= 0) {
		const struct disk *td = &c->t->d[p->topo];

		str_copy(d->name, td->name, sizeof(d->name));
		str_copy(d->wwn, td->wwn, sizeof(d->wwn));
		str_copy(d->model, td->model, sizeof(d->model));
		str_copy(d->path, td->path, sizeof(d->path));
		str_copy(d->slot, td->slot, sizeof(d->slot));
		str_copy(d->ctrl, ctrl_key(c, td->ctrl), sizeof(d->ctrl));
	}
	d->nm = 0;
	for (size_t j = 0; j < c->nmem && d->nm < INC_MAXMEMBERS; j++) {
		const struct member *m = &c->mem[j];

		if (m->pd != pi || m->array[0] == '\0')
			continue;
		str_copy(d->m[d->nm].name, m->name, sizeof(d->m[0].name));
		member_dev(c, m->name, d->m[d->nm].dev, sizeof(d->m[0].dev));
		str_copy(d->m[d->nm].array, m->array, sizeof(d->m[0].array));
		d->m[d->nm].failed = m->failed;
		d->nm++;
		inc_add_array(inc, m->array);
	}
	if (d->nm > 0 && d->array[0] == '\0')
		str_copy(d->array, d->m[0].array, sizeof(d->array));
}

static void
inc_refresh(const struct corr *c, struct incident *inc)
{
	for (size_t i = 0; i < inc->ndisks; i++)
		disk_refresh(c, inc, &inc->disks[i]);
}

/* Adds (or marks failed) disk p in inc: 1 when that is news. */
int
inc_add_pdisk(struct corr *c, struct incident *inc, const struct pdisk *p,
    uint64_t usec, int failed)
{
	struct inc_disk *d = inc_disk_of(inc, p->id);

	if (d != NULL) {
		if (!failed || d->failed)
			return 0;
		d->failed = 1;
		d->usec = usec;
		return 1;
	}
	if (inc->ndisks >= INC_MAXDISKS)
		return 0;
	d = &inc->disks[inc->ndisks++];
	memset(d, 0, sizeof(*d));
	str_copy(d->name, p->name, sizeof(d->name));
	str_copy(d->serial, p->id, sizeof(d->serial));
	d->failed = failed;
	d->usec = usec;
	disk_refresh(c, inc, d);
	return 1;
}

/* The open failure incident in which disk p dropped. */
struct incident *
inc_of_pdisk(struct corr *c, const struct pdisk *p)
{
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];
		struct inc_disk *d;

		if (inc_live(c, i) && inc->kind != INC_WARNING &&
		    (d = inc_disk_of(inc, p->id)) != NULL && d->failed)
			return inc;
	}
	return NULL;
}

static void
ctrl_subject(const struct corr *c, int ctrl, const char *name, char *buf,
    size_t size)
{
	snprintf(buf, size, "ctrl:%s", ctrl >= 0 ? ctrl_key(c, ctrl) : name);
}

/* The open controller incident of ctrl (or of an IOC name not in
 * sysfs). */
static struct incident *
ctrl_open(struct corr *c, int ctrl, const char *name)
{
	char subject[96];

	if (ctrl < 0 && name[0] == '\0')
		return NULL;
	ctrl_subject(c, ctrl, name, subject, sizeof(subject));
	for (size_t i = 0; i < c->ninc; i++)
		if (inc_live(c, i) && c->inc[i]->kind == INC_CONTROLLER &&
		    strcmp(c->inc[i]->subject, subject) == 0)
			return c->inc[i];
	return NULL;
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

/* Keeps the advice an announced incident gave, to withdraw it. */
static void
withdraw(struct incident *into, const struct incident *from)
{
	char advice[600], id[64];

	if (!from->announced || from->kind != INC_DISK ||
	    into->nwithdrawn >= INC_MAXMERGED)
		return;
	inc_advice(from, advice, sizeof(advice));
	str_copy(id, from->id, sizeof(id));	/* from may be into */
	snprintf(into->withdrawn[into->nwithdrawn++],
	    sizeof(into->withdrawn[0]), "%.63s (notice %u): %.320s", id,
	    from->notices, advice);
}

/* Turns inc (a disk incident, or a controller warning) into the
 * controller incident of ctrl, in place: same id. */
static void
inc_to_ctrl(struct corr *c, struct incident *inc, int ctrl, uint64_t usec)
{
	char text[KEV_TEXTLEN];

	if (inc->kind == INC_CONTROLLER)
		return;
	withdraw(inc, inc);
	snprintf(text, sizeof(text), "the disks dropping behind controller %s "
	    "are its doing: this is the controller, not the disks",
	    ctrl_key(c, ctrl));
	inc->kind = INC_CONTROLLER;
	inc->title[0] = '\0';
	inc->ctrl = ctrl;
	ctrl_subject(c, ctrl, "", inc->subject, sizeof(inc->subject));
	note_firmware(c, inc, usec);
	inc_event(inc, usec, text);
	if (inc->announced)
		inc_note(inc, usec, 1);
}

static uint64_t
event_usec(const char *e)
{
	unsigned long long s = 0, us = 0;

	sscanf(e, "[%llu.%llu]", &s, &us);
	return (uint64_t)s * 1000000 + us;
}

static int
cmp_event(const void *a, const void *b)
{
	uint64_t x = event_usec(a), y = event_usec(b);

	return x < y ? -1 : x > y;
}

/* Folds from into into: its disks, arrays and events become into's
 * history; from is over (a NOTICE_MERGED if anyone heard of it). */
static void
inc_merge(struct corr *c, struct incident *into, struct incident *from,
    uint64_t usec)
{
	char all[2 * INC_MAXEVENTS][KEV_TEXTLEN + 24];
	size_t n = 0, i;

	for (i = 0; i < from->ndisks && into->ndisks < INC_MAXDISKS; i++) {
		struct inc_disk *d = inc_disk_of(into, from->disks[i].serial);

		if (d == NULL)
			into->disks[into->ndisks++] = from->disks[i];
		else if (from->disks[i].failed && !d->failed) {
			d->failed = 1;
			d->usec = from->disks[i].usec;
		}
	}
	for (i = 0; i < from->narrays; i++)
		inc_add_array(into, from->arrays[i]);
	for (i = 0; i < into->nevents; i++)
		memcpy(all[n++], into->events[i], sizeof(all[0]));
	for (i = 0; i < from->nevents; i++)
		memcpy(all[n++], from->events[i], sizeof(all[0]));
	qsort(all, n, sizeof(all[0]), cmp_event);
	i = n > INC_MAXEVENTS ? n - INC_MAXEVENTS : 0;
	into->nevents = n - i;
	memcpy(into->events, all[i], sizeof(all[0]) * into->nevents);
	into->nevents_total += from->nevents_total;
	if (from->first_usec < into->first_usec)
		into->first_usec = from->first_usec;
	if (from->sev > into->sev)
		into->sev = from->sev;
	withdraw(into, from);
	if (from->announced && into->nmerged < INC_MAXMERGED)
		str_copy(into->merged[into->nmerged++], from->id,
		    sizeof(into->merged[0]));
	str_copy(from->merged_into, into->id, sizeof(from->merged_into));
	c->done[inc_index(c, from)] = 1;
	if (from->announced) {
		if (into->announced)
			inc_note(into, usec, 1);
		if (c->fn != NULL)
			c->fn(c->arg, c, from, NOTICE_MERGED, usec);
	}
}

static int
disks_behind(const struct corr *c, const struct incident *inc, int ctrl,
    int failed_only)
{
	size_t n = 0;

	for (size_t i = 0; i < inc->ndisks; i++) {
		const struct inc_disk *d = &inc->disks[i];

		if (failed_only && !d->failed)
			continue;
		if (strcmp(d->ctrl, ctrl_key(c, ctrl)) != 0)
			return 0;
		n++;
	}
	return n > 0;
}

static uint64_t
last_drop(const struct incident *inc)
{
	uint64_t t = 0;

	for (size_t i = 0; i < inc->ndisks; i++)
		if (inc->disks[i].failed && inc->disks[i].usec > t)
			t = inc->disks[i].usec;
	return t;
}

/* A controller warning whose resets are recent evidence of trouble. */
static struct incident *
ctrl_warning(struct corr *c, int ctrl, uint64_t usec)
{
	char subject[96];
	struct incident *w;

	snprintf(subject, sizeof(subject), "warn:ctrl:%s", ctrl_key(c, ctrl));
	w = inc_by_subject(c, subject);
	return w != NULL && w->evidence_usec != 0 &&
	    w->evidence_usec + c->cfg.window_us >= usec ? w : NULL;
}

/*
 * Gathers what the window holds about controller ctrl into one
 * controller incident: disk incidents behind it whose disks dropped
 * within the window before usec, its warning with recent resets, and
 * warnings about its disks from within the window.  For a disk drop
 * (fault 0) another disk incident or recent resets are needed; for
 * the controller's own fault line the incident is made anyway.
 */
static struct incident *
ctrl_gather(struct corr *c, int ctrl, const char *name, uint64_t usec,
    int fault)
{
	struct incident *base = NULL, *w = NULL;
	char subject[96];

	if (ctrl >= 0) {
		for (size_t i = 0; i < c->ninc; i++) {
			struct incident *o = c->inc[i];

			if (inc_live(c, i) && o->kind == INC_DISK &&
			    disks_behind(c, o, ctrl, 1) &&
			    last_drop(o) + c->cfg.window_us >= usec &&
			    (base == NULL || o->first_usec < base->first_usec))
				base = o;
		}
		w = ctrl_warning(c, ctrl, usec);
	}
	if (base == NULL)
		base = w;
	if (base == NULL && !fault)
		return NULL;
	if (base == NULL) {
		ctrl_subject(c, ctrl, name, subject, sizeof(subject));
		base = inc_new(c, INC_CONTROLLER, SEV_WARNING, subject, usec);
		base->ctrl = ctrl;
		note_firmware(c, base, usec);
	} else
		inc_to_ctrl(c, base, ctrl, usec);
	for (size_t i = 0; ctrl >= 0 && i < c->ninc; i++) {
		struct incident *o = c->inc[i];

		if (o == base || !inc_live(c, i))
			continue;
		if ((o->kind == INC_DISK && disks_behind(c, o, ctrl, 1) &&
		    last_drop(o) + c->cfg.window_us >= usec) || o == w ||
		    (o->kind == INC_WARNING && strncmp(o->subject,
		    "warn:disk:", 10) == 0 && disks_behind(c, o, ctrl, 0) &&
		    o->first_usec + c->cfg.window_us >= usec))
			inc_merge(c, base, o, usec);
	}
	return base;
}

static struct incident *
disk_warning(struct corr *c, const struct pdisk *p)
{
	char subject[96];

	snprintf(subject, sizeof(subject), "warn:disk:%s", p->id);
	return inc_by_subject(c, subject);
}

/*
 * Disk p dropped out (md failed a member on it, or SCSI took it
 * offline): the incident it belongs to.  Behind a controller with an
 * open incident, or with other disks dropping, it is the controller's;
 * else its own disk incident, which its earlier warning becomes.
 */
struct incident *
pdisk_drop(struct corr *c, struct pdisk *p, uint64_t usec, const char *text)
{
	struct incident *inc, *w;

	if (p->failed && (inc = inc_of_pdisk(c, p)) != NULL) {
		inc_refresh(c, inc);
		inc_event(inc, usec, text);
		return inc;
	}
	p->failed = 1;
	p->failed_usec = usec;
	inc = ctrl_open(c, p->ctrl, "");
	if (inc == NULL)
		inc = ctrl_gather(c, p->ctrl, "", usec, 0);
	w = disk_warning(c, p);
	if (inc != NULL) {
		if (w != NULL && w->first_usec + c->cfg.window_us >= usec)
			inc_merge(c, inc, w, usec);
		if (inc->sev != SEV_CRITICAL) {
			inc->sev = SEV_CRITICAL;
			inc_note(inc, usec, 1);
		}
	} else if (w != NULL) {
		/* the warning was the start of it: same incident, worse */
		inc = w;
		inc->kind = INC_DISK;
		inc->title[0] = '\0';
		snprintf(inc->subject, sizeof(inc->subject), "disk:%s", p->id);
		inc->ctrl = p->ctrl;
		inc->sev = SEV_CRITICAL;
		inc_note(inc, usec, 1);
	} else {
		char subject[96];

		snprintf(subject, sizeof(subject), "disk:%s", p->id);
		inc = inc_new(c, INC_DISK, SEV_CRITICAL, subject, usec);
		inc->ctrl = p->ctrl;
	}
	inc_add_pdisk(c, inc, p, usec, 1);
	inc_event(inc, usec, text);
	return inc;
}

/* Opens or updates the warning incident about subject. */
void
warn(struct corr *c, const char *subject, const char *title, int ctrl,
    enum inc_sev sev, uint64_t usec, const char *text)
{
	struct incident *inc = inc_by_subject(c, subject);

	if (inc == NULL) {
		inc = inc_new(c, INC_WARNING, sev, subject, usec);
		str_copy(inc->title, title, sizeof(inc->title));
		inc->ctrl = ctrl;
	} else if (sev > inc->sev) {
		inc->sev = sev;
		inc_note(inc, usec, 1);
	}
	inc_event(inc, usec, text);
}

/* A warning about disk p (smart: from its own SMART data, not the
 * kernel's I/O path). */
void
warn_disk(struct corr *c, struct pdisk *p, enum inc_sev sev, uint64_t usec,
    const char *text, int smart)
{
	struct incident *inc;
	char subject[96], title[200];
	const struct disk *td = p->topo >= 0 ? &c->t->d[p->topo] : NULL;

	if (p->failed && (inc = inc_of_pdisk(c, p)) != NULL) {
		inc_event(inc, usec, text);	/* part of the failure */
		return;
	}
	/* I/O errors behind a faulted controller are the controller's */
	if (!smart && (inc = ctrl_open(c, p->ctrl, "")) != NULL) {
		inc_add_pdisk(c, inc, p, usec, 0);
		inc_event(inc, usec, text);
		return;
	}
	snprintf(subject, sizeof(subject), "warn:disk:%s", p->id);
	snprintf(title, sizeof(title), "disk %.60s (%.40s%s%.30s, now %.31s)",
	    p->id, td != NULL ? td->model : "model unknown",
	    td != NULL && td->slot[0] ? ", " : "", td != NULL ? td->slot : "",
	    p->name);
	warn(c, subject, title, p->ctrl, sev, usec, text);
	if ((inc = inc_by_subject(c, subject)) != NULL)
		inc_add_pdisk(c, inc, p, usec, 0);
}

/* evidence: a reset, which makes disks dropping soon after the
 * controller's doing. */
void
warn_ctrl(struct corr *c, int ctrl, uint64_t usec, const char *text,
    int evidence)
{
	const struct ctrl *k = &c->t->c[ctrl];
	char subject[96], title[160];
	struct incident *inc;

	if ((inc = ctrl_open(c, ctrl, "")) != NULL) {
		inc_event(inc, usec, text);
		return;
	}
	snprintf(subject, sizeof(subject), "warn:ctrl:%s", k->key);
	snprintf(title, sizeof(title), "controller %s (%s%s%s)", k->key,
	    k->driver, k->board[0] ? ", " : "", k->board);
	warn(c, subject, title, ctrl, SEV_WARNING, usec, text);
	if (evidence && (inc = inc_by_subject(c, subject)) != NULL)
		inc->evidence_usec = usec;
}

/* A controller's own fault, reset or timeout line. */
void
ctrl_event(struct corr *c, const struct kevent *ev)
{
	int ctrl = topo_ctrl_ioc(c->t, ev->ctrl);
	enum inc_sev sev = ev->type == KEV_CTRL_RESET_FAILED ? SEV_CRITICAL :
	    SEV_WARNING;
	struct incident *inc = ctrl_open(c, ctrl, ev->ctrl);

	if (inc == NULL)
		inc = ctrl_gather(c, ctrl, ev->ctrl, ev->usec, 1);
	if (sev > inc->sev) {
		inc->sev = sev;
		inc_note(inc, ev->usec, 1);
	}
	if (inc->ctrl_name[0] == '\0')
		str_copy(inc->ctrl_name, ev->ctrl, sizeof(inc->ctrl_name));
	inc_event(inc, ev->usec, ev->text);
}

/* Xen WARNs during controller trouble are usually its side effect
 * (interrupt remapping of a resetting device): same incident. */
void
xen_warn(struct corr *c, const struct kevent *ev)
{
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];

		if (inc_live(c, i) && inc->kind == INC_CONTROLLER &&
		    ev->usec <= inc->last_usec + c->cfg.window_us) {
			inc_event(inc, ev->usec, ev->text);
			return;
		}
	}
	warn(c, "warn:xen", "the Xen hypervisor", -1, SEV_WARNING, ev->usec,
	    ev->text);
}

static int
state_worse(enum arr_state old, enum arr_state now)
{
	return now == ARR_FAILED || (now == ARR_DEGRADED &&
	    (old == ARR_CLEAN || old == ARR_REBUILDING || old == ARR_UNKNOWN));
}

/* Clears the failure marks of a resolved incident's disks: a later
 * failure of the same disk is a new incident. */
static void
resolve(struct corr *c, struct incident *inc, uint64_t usec)
{
	inc->resolved = 1;
	inc_note(inc, usec, 1);
	for (size_t j = 0; j < inc->ndisks; j++)
		for (size_t k = 0; k < c->npd; k++) {
			if (strcmp(c->pd[k].id, inc->disks[j].serial) != 0)
				continue;
			c->pd[k].failed = 0;
			for (size_t m = 0; m < c->nmem; m++)
				if (c->mem[m].pd == (int)k) {
					c->mem[m].failed = 0;
					c->mem[m].md_counted = 0;
					c->mem[m].failed_usec = 0;
				}
		}
}

/*
 * Array state changes reach every incident naming the array: news for
 * the incident that caused it (cause; NULL: nobody in particular) and,
 * when it is for the better, for all of them.  Whole again resolves
 * incidents whose arrays are all whole.
 */
void
array_changed(struct corr *c, struct arr *a, uint64_t usec, const char *why,
    const struct incident *cause)
{
	enum arr_state old = a->state, now;
	char text[KEV_TEXTLEN], subject[96];
	int found = 0, worse;

	now = arr_compute(a);
	a->state = now;
	if (now == old)
		return;
	worse = state_worse(old, now);
	if (now == ARR_REBUILDING && a->permille >= 0)
		snprintf(text, sizeof(text), "%s: %s -> rebuilding, %d.%d%% "
		    "done%s", a->name, arr_state_name(old), a->permille / 10,
		    a->permille % 10, why);
	else
		snprintf(text, sizeof(text), "%s: %s -> %s%s%s%s", a->name,
		    arr_state_name(old), arr_state_name(now), why,
		    cause != NULL ? " by " : "", cause != NULL ? cause->id : "");
	a->exam_since = now == ARR_FAILED ? (usec > 0 ? usec : 1) : 0;
	a->verified = 0;
	a->cause[0] = '\0';
	if (now == ARR_FAILED && cause != NULL)
		str_copy(a->cause, cause->id, sizeof(a->cause));
	for (size_t i = 0; i < c->ninc; i++) {
		struct incident *inc = c->inc[i];
		int whole = 1;

		if (!inc_live(c, i) || inc->kind == INC_WARNING ||
		    !inc_has_array(inc, a->name))
			continue;
		found = 1;
		inc_event(inc, usec, text);
		if (!worse || cause == NULL || cause == inc)
			inc_note(inc, usec, now == ARR_FAILED);
		for (size_t j = 0; j < inc->narrays; j++) {
			const struct arr *o = corr_array(c, inc->arrays[j]);

			if (o == NULL || o->state != ARR_CLEAN)
				whole = 0;
		}
		if (whole)
			resolve(c, inc, usec);
	}
	/* degraded or failed with no disk to blame (a member removed, or
	 * already so when we started): the array is the incident */
	if (!found && (now == ARR_FAILED || now == ARR_DEGRADED)) {
		struct incident *inc;

		snprintf(subject, sizeof(subject), "array:%s", a->name);
		inc = inc_new(c, INC_ARRAY, SEV_CRITICAL, subject, usec);
		inc_add_array(inc, a->name);
		inc_event(inc, usec, text);
		if (now == ARR_FAILED)
			str_copy(a->cause, inc->id, sizeof(a->cause));
	}
}

/* ---- advice ---- */

static void
disk_advice(const struct incident *inc, char *buf, size_t size)
{
	const struct inc_disk *d = &inc->disks[0];
	size_t o;

	for (size_t i = 0; i < inc->ndisks; i++)
		if (inc->disks[i].failed) {
			d = &inc->disks[i];
			break;
		}
	o = (size_t)snprintf(buf, size, "Replace disk %s (%s%s%s) at %s.",
	    d->serial, d->model[0] ? d->model : "model unknown",
	    d->slot[0] ? ", " : "", d->slot, d->path[0] ? d->path : d->name);
	for (size_t i = 0; i < d->nm && o < size; i++) {
		const struct inc_member *m = &d->m[i];

		if (m->failed)
			o += (size_t)snprintf(buf + o, size - o, "%s mdadm "
			    "/dev/%s --remove %s%s", i == 0 ?
			    " Before pulling it:" : "", m->array, m->dev,
			    i + 1 < d->nm ? ";" : ".");
		else
			o += (size_t)snprintf(buf + o, size - o, "%s mdadm "
			    "/dev/%s --fail %s --remove %s%s",
			    i == 0 ? " Before pulling it:" : "", m->array,
			    m->dev, m->dev, i + 1 < d->nm ? ";" : ".");
	}
}

const char *
inc_advice(const struct incident *inc, char *buf, size_t size)
{
	switch (inc->kind) {
	case INC_CONTROLLER:
		snprintf(buf, size, "Do not replace these disks: check the "
		    "controller, its firmware and cabling.");
		break;
	case INC_DISK:
		if (inc->ndisks > 0)
			disk_advice(inc, buf, size);
		else
			snprintf(buf, size, "Replace the failed disk.");
		break;
	case INC_ARRAY:
		snprintf(buf, size, "Check the array's members and the "
		    "kernel log; restore from backup if it cannot be "
		    "assembled.");
		break;
	default:
		snprintf(buf, size, "Nothing has failed yet: plan the repair "
		    "before it does.");
		break;
	}
	return buf;
}

/* ---- notices ---- */

/* When superblocks of a failed array of inc are awaited: until then. */
static uint64_t
exam_hold(const struct corr *c, const struct incident *inc)
{
	uint64_t until = 0, u;

	for (size_t i = 0; i < inc->narrays; i++) {
		const struct arr *a = corr_array(c, inc->arrays[i]);

		if (a != NULL && a->state == ARR_FAILED &&
		    corr_exam_pending(c, a, &u) && u > until)
			until = u;
	}
	return until;
}

static uint64_t
due_at(const struct corr *c, const struct incident *inc)
{
	uint64_t settle = c->cfg.settle_us, due, cap, hold;

	if (inc->kind == INC_WARNING && !inc->announced)
		settle *= WARN_SETTLE_FACTOR;
	cap = settle * HOLD_FACTOR;
	if (!inc->announced) {
		due = inc->quiet_usec + settle;
		if (due > inc->first_usec + cap)
			due = inc->first_usec + cap;
	} else {
		due = inc->quiet_usec + settle;
		if (due > inc->pending_usec + cap)
			due = inc->pending_usec + cap;
		if (!inc->urgent && !inc->resolved &&
		    inc->notice_usec + c->cfg.followup_us > due)
			due = inc->notice_usec + c->cfg.followup_us;
	}
	if ((hold = exam_hold(c, inc)) > due)
		due = hold;
	return due;
}

uint64_t
corr_next_due(const struct corr *c)
{
	uint64_t next = UINT64_MAX, due;

	for (size_t i = 0; i < c->ninc; i++) {
		if (c->done[i] || !c->inc[i]->pending)
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
		    !inc->pending && usec != UINT64_MAX &&
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

		if (c->done[i] || !inc->pending)
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
		inc->pending = 0;
		inc->urgent = 0;
		inc->notice_usec = at;
		inc->notices++;
		if (inc->resolved)
			c->done[i] = 1;
		inc_refresh(c, inc);
		if (c->fn != NULL)
			c->fn(c->arg, c, inc, n, at);
	}
	if (usec != UINT64_MAX)
		prune(c, usec);
}
