/*
 * alert: notices as JSON lines and as mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/mail.h"
#include "health/alert.h"

static const char *notice_names[] = { "open", "update", "resolved",
	"merged" };

const char *
notice_name(enum notice n)
{
	return notice_names[n];
}

static void
array_line(const struct arr *a, char *buf, size_t size)
{
	if (a == NULL) {
		snprintf(buf, size, "state unknown");
		return;
	}
	switch (a->state) {
	case ARR_FAILED:
		snprintf(buf, size, "FAILED: too few members to run (%d of "
		    "%d failed)", a->failed, a->raid_disks);
		break;
	case ARR_DEGRADED:
		snprintf(buf, size, "degraded (%d of %d failed)", a->failed,
		    a->raid_disks);
		break;
	case ARR_REBUILDING:
		if (a->permille >= 0 && a->finish_min >= 0)
			snprintf(buf, size, "rebuilding, %d.%d%% done, about "
			    "%.1f min left", a->permille / 10,
			    a->permille % 10, a->finish_min);
		else
			snprintf(buf, size, "rebuilding");
		break;
	case ARR_CLEAN:
		snprintf(buf, size, "whole");
		break;
	default:
		snprintf(buf, size, "state unknown");
		break;
	}
}

static struct json_object *
ctrl_json(const struct corr *c, const struct incident *inc)
{
	struct json_object *o = json_object_new_object();
	const struct ctrl *k;

	if (inc->ctrl < 0) {
		json_object_object_add(o, "name",
		    json_object_new_string(inc->ctrl_name));
		return o;
	}
	k = &corr_topo(c)->c[inc->ctrl];
	json_object_object_add(o, "pci", json_object_new_string(k->key));
	json_object_object_add(o, "driver", json_object_new_string(k->driver));
	json_object_object_add(o, "board", json_object_new_string(k->board));
	json_object_object_add(o, "firmware",
	    json_object_new_string(k->firmware));
	json_object_object_add(o, "ids", json_object_new_string(k->ids));
	if (inc->ctrl_name[0] != '\0')
		json_object_object_add(o, "name",
		    json_object_new_string(inc->ctrl_name));
	return o;
}

static void
jstr(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *
disk_json(const struct inc_disk *d)
{
	struct json_object *o = json_object_new_object(), *l;

	jstr(o, "serial", d->serial);
	jstr(o, "name", d->name);
	jstr(o, "path", d->path);
	jstr(o, "array", d->array);
	jstr(o, "wwn", d->wwn);
	jstr(o, "model", d->model);
	jstr(o, "slot", d->slot);
	jstr(o, "controller", d->ctrl);
	json_object_object_add(o, "failed", json_object_new_boolean(d->failed));
	l = json_object_new_array();
	for (size_t i = 0; i < d->nm; i++) {
		struct json_object *m = json_object_new_object();

		jstr(m, "name", d->m[i].name);
		jstr(m, "dev", d->m[i].dev);
		jstr(m, "array", d->m[i].array);
		json_object_object_add(m, "failed",
		    json_object_new_boolean(d->m[i].failed));
		json_object_array_add(l, m);
	}
	json_object_object_add(o, "members", l);
	return o;
}

static struct json_object *
recovery_json(const struct recovery *r)
{
	struct json_object *o = json_object_new_object(), *l;

	jstr(o, "array", r->array);
	json_object_object_add(o, "possible",
	    json_object_new_boolean(r->possible));
	json_object_object_add(o, "need", json_object_new_int(r->need));
	jstr(o, "stop", r->stop);
	jstr(o, "command", r->command);
	jstr(o, "readd", r->readd);
	l = json_object_new_array();
	for (size_t i = 0; i < r->nm; i++) {
		const struct rmember *m = &r->m[i];
		struct json_object *j = json_object_new_object();

		jstr(j, "name", m->name);
		jstr(j, "dev", m->dev);
		jstr(j, "disk", m->disk);
		jstr(j, "verdict", rm_verdict_name(m->verdict));
		if (m->sb == 1) {
			json_object_object_add(j, "events",
			    json_object_new_int64((int64_t)m->ex.events));
			json_object_object_add(j, "update_time",
			    json_object_new_int64(m->ex.utime));
		}
		jstr(j, "why", m->why);
		json_object_array_add(l, j);
	}
	json_object_object_add(o, "members", l);
	return o;
}

static struct json_object *
strings_json(const char (*s)[64], size_t n)
{
	struct json_object *l = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(l, json_object_new_string(s[i]));
	return l;
}

char *
alert_json(const struct corr *c, const struct incident *inc, enum notice n,
    uint64_t usec)
{
	struct json_object *o = json_object_new_object(), *l, *rl;
	struct recovery *r = xmalloc(sizeof(*r));
	char buf[1024];
	char *s;

	jstr(o, "id", inc->id);
	jstr(o, "notice", notice_name(n));
	json_object_object_add(o, "usec", json_object_new_int64((int64_t)usec));
	jstr(o, "kind", inc_kind_name(inc->kind));
	jstr(o, "severity", inc_sev_name(inc->sev));
	if (inc->title[0] != '\0')
		jstr(o, "about", inc->title);
	json_object_object_add(o, "first_usec",
	    json_object_new_int64((int64_t)inc->first_usec));
	json_object_object_add(o, "last_usec",
	    json_object_new_int64((int64_t)inc->last_usec));
	if (inc->ctrl >= 0 || inc->ctrl_name[0] != '\0')
		json_object_object_add(o, "controller", ctrl_json(c, inc));
	l = json_object_new_array();
	for (size_t i = 0; i < inc->ndisks; i++)
		json_object_array_add(l, disk_json(&inc->disks[i]));
	json_object_object_add(o, "disks", l);
	l = json_object_new_array();
	rl = json_object_new_array();
	for (size_t i = 0; i < inc->narrays; i++) {
		const struct arr *a = corr_array(c, inc->arrays[i]);
		struct json_object *j = json_object_new_object();

		jstr(j, "name", inc->arrays[i]);
		jstr(j, "state", arr_state_name(a != NULL ? a->state :
		    ARR_UNKNOWN));
		if (a != NULL) {
			json_object_object_add(j, "failed",
			    json_object_new_int(a->failed));
			json_object_object_add(j, "raid_disks",
			    json_object_new_int(a->raid_disks));
			if (a->state == ARR_REBUILDING && a->permille >= 0)
				json_object_object_add(j, "permille",
				    json_object_new_int(a->permille));
			if (a->state == ARR_REBUILDING && a->finish_min >= 0)
				json_object_object_add(j, "finish_min",
				    json_object_new_double(a->finish_min));
			if (a->state == ARR_FAILED && a->cause[0] != '\0')
				jstr(j, "cause", a->cause);
		}
		json_object_array_add(l, j);
		if (corr_gives_recovery(inc, a) &&
		    corr_recovery(c, a->name, inc, r) == 0)
			json_object_array_add(rl, recovery_json(r));
	}
	json_object_object_add(o, "arrays", l);
	if (json_object_array_length(rl) > 0)
		json_object_object_add(o, "recovery", rl);
	else
		json_object_put(rl);
	jstr(o, "advice", inc_advice(inc, buf, sizeof(buf)));
	if (inc->nwithdrawn > 0) {
		l = json_object_new_array();
		for (size_t i = 0; i < inc->nwithdrawn; i++)
			json_object_array_add(l,
			    json_object_new_string(inc->withdrawn[i]));
		json_object_object_add(o, "withdrawn", l);
	}
	if (inc->nmerged > 0)
		json_object_object_add(o, "merged",
		    strings_json(inc->merged, inc->nmerged));
	if (n == NOTICE_MERGED)
		jstr(o, "merged_into", inc->merged_into);
	l = json_object_new_array();
	for (size_t i = 0; i < inc->nevents; i++)
		json_object_array_add(l, json_object_new_string(inc->events[i]));
	json_object_object_add(o, "events", l);
	json_object_object_add(o, "events_total",
	    json_object_new_int64((int64_t)inc->nevents_total));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(r);
	return s;
}

/* "disk ZC1234 (ST4000NM0035, port ata2)" */
static void
disk_words(const struct inc_disk *d, char *buf, size_t size)
{
	snprintf(buf, size, "%s (%s%s%s)", d->serial,
	    d->model[0] ? d->model : d->name, d->slot[0] ? ", " : "",
	    d->slot);
}

static const struct inc_disk *
first_failed(const struct incident *inc)
{
	for (size_t i = 0; i < inc->ndisks; i++)
		if (inc->disks[i].failed)
			return &inc->disks[i];
	return inc->ndisks > 0 ? &inc->disks[0] : NULL;
}

static size_t
count_failed(const struct incident *inc)
{
	size_t n = 0;

	for (size_t i = 0; i < inc->ndisks; i++)
		n += inc->disks[i].failed != 0;
	return n;
}

static void
subject(const struct alert_cfg *cfg, const struct corr *c,
    const struct incident *inc, enum notice n, char *buf, size_t size)
{
	const struct topo *t = corr_topo(c);
	const struct inc_disk *d = first_failed(inc);
	char what[300] = "", arrays[160] = "", dw[256];
	const char *tag = n == NOTICE_RESOLVED ? "RESOLVED" :
	    inc->sev == SEV_CRITICAL ? "CRITICAL" : "warning";
	size_t nf = count_failed(inc);

	for (size_t i = 0; i < inc->narrays; i++) {
		const struct arr *a = corr_array(c, inc->arrays[i]);
		size_t l = strlen(arrays);

		snprintf(arrays + l, sizeof(arrays) - l, "%s%s %s",
		    i ? ", " : "; ", inc->arrays[i], a != NULL &&
		    a->state == ARR_FAILED ? "FAILED" : arr_state_name(a ?
		    a->state : ARR_UNKNOWN));
	}
	switch (inc->kind) {
	case INC_CONTROLLER:
		snprintf(what, sizeof(what), "controller %s (%s) %s%zu "
		    "disk%s", inc->ctrl >= 0 ? t->c[inc->ctrl].key :
		    inc->ctrl_name, inc->ctrl >= 0 ? t->c[inc->ctrl].driver :
		    "?", nf ? "lost " : "faults, ", nf, nf == 1 ? "" : "s");
		break;
	case INC_DISK:
		if (d != NULL)
			disk_words(d, dw, sizeof(dw));
		snprintf(what, sizeof(what), "disk %s failed",
		    d != NULL ? dw : "?");
		break;
	case INC_ARRAY:
		snprintf(what, sizeof(what), "array trouble");
		break;
	default:
		snprintf(what, sizeof(what), "%s", inc->title);
		arrays[0] = '\0';
		break;
	}
	snprintf(buf, size, "[hangar-health] %s: %s%s: %s%s", cfg->host,
	    n == NOTICE_UPDATE ? "update, " : "", tag, what, arrays);
}

static void
body_disks(FILE *f, const struct incident *inc, int failed)
{
	size_t n = 0;

	for (size_t i = 0; i < inc->ndisks; i++)
		n += (inc->disks[i].failed != 0) == failed;
	if (n == 0)
		return;
	fprintf(f, "%s (%zu):\n", inc->kind == INC_WARNING ? "Disk" :
	    failed ? "Disks that failed" : "Disks with errors", n);
	for (size_t i = 0; i < inc->ndisks; i++) {
		const struct inc_disk *d = &inc->disks[i];

		if ((d->failed != 0) != failed)
			continue;
		fprintf(f, "  serial %s%s%s, model %s, %s%sat %s (now %s)\n",
		    d->serial, d->wwn[0] ? ", WWN " : "", d->wwn,
		    d->model[0] ? d->model : "unknown", d->slot,
		    d->slot[0] ? " " : "", d->path[0] ? d->path : "?",
		    d->name);
		for (size_t j = 0; j < d->nm; j++)
			fprintf(f, "    %s %s%s%s%s in %s%s\n", j == 0 ?
			    "carries" : "       ", d->m[j].name,
			    strncmp(d->m[j].dev, "/dev/mapper/", 12) == 0 ?
			    " (" : "", strncmp(d->m[j].dev, "/dev/mapper/",
			    12) == 0 ? d->m[j].dev : "", strncmp(d->m[j].dev,
			    "/dev/mapper/", 12) == 0 ? ")" : "", d->m[j].array,
			    d->m[j].failed ? " (failed)" : "");
	}
}

static void
body_recovery(FILE *f, const struct recovery *r, const struct incident *inc)
{
	fprintf(f, "\nRecovery of %s (FAILED, %s needs %d of %d members):\n",
	    r->array, r->level[0] ? r->level : "level unknown", r->need,
	    r->raid_disks);
	for (size_t i = 0; i < r->nm; i++)
		fprintf(f, "  %-7s %s (disk %s): %s\n",
		    rm_verdict_name(r->m[i].verdict), r->m[i].dev,
		    r->m[i].disk, r->m[i].why);
	if (!r->possible) {
		fprintf(f, "  Not enough members can be trusted for a forced "
		    "assembly (%zu of %d): restore from backup.\n",
		    r->nsafe + r->ncheck, r->need);
		return;
	}
	fprintf(f, "  %s first: forcing the array while it still drops "
	    "disks loses data.\n", inc->kind == INC_CONTROLLER ?
	    "Fix the controller (firmware, cabling, a reset or a reboot)" :
	    "Find and fix why the members dropped");
	if (r->ncheck > 0)
		fprintf(f, "  Then check that `mdadm --examine` of the members "
		    "marked check shows event counts near the others'.\n");
	fprintf(f, "  Then, by hand (hangar-health never runs it):\n"
	    "    %s    (if /proc/mdstat still lists %s)\n    %s\n",
	    r->stop, r->array, r->command);
	if (r->readd[0] != '\0')
		fprintf(f, "  Once it runs, rebuild the stale members (a "
		    "replacement's, if their disk failed):\n    %s\n", r->readd);
}

static void
body(FILE *f, const struct alert_cfg *cfg, const struct corr *c,
    const struct incident *inc, enum notice n, uint64_t usec)
{
	const struct topo *t = corr_topo(c);
	struct recovery *r = xmalloc(sizeof(*r));
	char buf[1024];

	fprintf(f, "Incident %s on %s: %s, %s%s.\n", inc->id, cfg->host,
	    inc_kind_name(inc->kind), inc_sev_name(inc->sev),
	    n == NOTICE_RESOLVED ? ", RESOLVED (every array is whole again)" :
	    "");
	fprintf(f, "First event at %llu.%06llu s, last at %llu.%06llu s "
	    "after boot (notice %u).\n\n",
	    (unsigned long long)(inc->first_usec / 1000000),
	    (unsigned long long)(inc->first_usec % 1000000),
	    (unsigned long long)(inc->last_usec / 1000000),
	    (unsigned long long)(inc->last_usec % 1000000), inc->notices);
	if (inc->title[0] != '\0')
		fprintf(f, "About: %s\n", inc->title);
	if (inc->ctrl >= 0) {
		const struct ctrl *k = &t->c[inc->ctrl];

		fprintf(f, "Controller: PCI %s, driver %s, board %s, firmware "
		    "%s%s%s\n", k->key, k->driver, k->board[0] ? k->board :
		    "unknown", k->firmware[0] ? k->firmware : "unknown",
		    k->ids[0] ? ", ids " : "", k->ids);
	} else if (inc->ctrl_name[0] != '\0')
		fprintf(f, "Controller: %s (not found in sysfs)\n",
		    inc->ctrl_name);
	body_disks(f, inc, 1);
	body_disks(f, inc, 0);
	if (inc->narrays > 0)
		fprintf(f, "Arrays:\n");
	for (size_t i = 0; i < inc->narrays; i++) {
		const struct arr *a = corr_array(c, inc->arrays[i]);

		int other = a != NULL && a->state == ARR_FAILED &&
		    a->cause[0] != '\0' && strcmp(a->cause, inc->id) != 0;

		array_line(a, buf, sizeof(buf));
		fprintf(f, "  %s: %s%s%s%s\n", inc->arrays[i], buf,
		    other ? " (see incident " : "", other ? a->cause : "",
		    other ? ")" : "");
	}
	fprintf(f, "\nAdvice: %s\n", inc_advice(inc, buf, sizeof(buf)));
	for (size_t i = 0; i < inc->nwithdrawn; i++)
		fprintf(f, "%s %s\n", i == 0 ? "WITHDRAWN, this is the "
		    "controller, not the disk:" : "   and", inc->withdrawn[i]);
	for (size_t i = 0; i < inc->nmerged; i++)
		fprintf(f, "%s%s%s", i == 0 ? "This incident now includes "
		    "incident " : ", ", inc->merged[i],
		    i + 1 == inc->nmerged ? ".\n" : "");
	for (size_t i = 0; i < inc->narrays; i++) {
		const struct arr *a = corr_array(c, inc->arrays[i]);

		if (corr_gives_recovery(inc, a) &&
		    corr_recovery(c, a->name, inc, r) == 0)
			body_recovery(f, r, inc);
	}
	fprintf(f, "\nEvents (%zu of %zu):\n", inc->nevents,
	    inc->nevents_total);
	for (size_t i = 0; i < inc->nevents; i++)
		fprintf(f, "  %s\n", inc->events[i]);
	fprintf(f, "\n-- \nhangar-health on %s, notice at %llu.%06llu s\n",
	    cfg->host, (unsigned long long)(usec / 1000000),
	    (unsigned long long)(usec % 1000000));
	free(r);
}

/* A dot-atom form of the host name, for Message-IDs. */
static void
msgid_host(const char *host, char *buf, size_t size)
{
	size_t o = 0;

	for (const char *p = host; *p != '\0' && o + 1 < size; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' ||
		    (*p == '.' && o > 0 && buf[o - 1] != '.'))
			buf[o++] = *p;
	while (o > 0 && buf[o - 1] == '.')
		o--;
	buf[o] = '\0';
	if (o == 0)
		str_copy(buf, "localhost", size);
}

int
alert_mail(const struct alert_cfg *cfg, const struct corr *c,
    const struct incident *inc, enum notice n, uint64_t usec, time_t date,
    char **out, size_t *len, struct herr *e)
{
	struct mail *m = mail_new();
	char subj[400], host[64], id[160], first[160], refs[600], *text = NULL;
	size_t tlen;
	FILE *f;
	int ret = -1;

	msgid_host(cfg->host, host, sizeof(host));
	subject(cfg, c, inc, n, subj, sizeof(subj));
	snprintf(id, sizeof(id), "<%s.%u@%s>", inc->id, inc->notices, host);
	snprintf(first, sizeof(first), "<%s.1@%s>", inc->id, host);
	/* the threads of incidents folded into this one, too */
	str_copy(refs, first, sizeof(refs));
	for (size_t i = 0; i < inc->nmerged; i++) {
		size_t l = strlen(refs);

		snprintf(refs + l, sizeof(refs) - l, " <%s.1@%s>",
		    inc->merged[i], host);
	}
	if ((f = open_memstream(&text, &tlen)) == NULL) {
		herr_set(e, HERR_INTERNAL, "open_memstream failed");
		goto out;
	}
	body(f, cfg, c, inc, n, usec);
	fclose(f);
	mail_set_date(m, date);
	if (mail_header(m, "From", cfg->from, e) == -1 ||
	    mail_header(m, "To", cfg->to, e) == -1 ||
	    mail_header(m, "Subject", subj, e) == -1 ||
	    mail_header(m, "Message-ID", id, e) == -1 ||
	    (inc->notices > 1 &&
	    mail_header(m, "In-Reply-To", first, e) == -1) ||
	    ((inc->notices > 1 || inc->nmerged > 0) &&
	    mail_header(m, "References", inc->notices > 1 ? refs :
	    refs + strlen(first) + 1, e) == -1) ||
	    mail_header(m, "Auto-Submitted", "auto-generated", e) == -1 ||
	    mail_header(m, "X-Hangar-Incident", inc->id, e) == -1 ||
	    mail_header(m, "X-Hangar-Severity", n == NOTICE_RESOLVED ?
	    "resolved" : inc_sev_name(inc->sev), e) == -1 ||
	    mail_body(m, text, e) == -1 ||
	    mail_render(m, out, len, e) == -1)
		goto out;
	ret = 0;
out:
	free(text);
	mail_free(m);
	return ret;
}
