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

static const char *notice_names[] = { "open", "update", "resolved" };

const char *
notice_name(enum notice n)
{
	return notice_names[n];
}

static const char *
advice(const struct corr *c, const struct incident *inc, char *buf,
    size_t size)
{
	switch (inc->kind) {
	case INC_CONTROLLER:
		snprintf(buf, size, "Do not replace these disks: check the "
		    "controller, its firmware and cabling.");
		break;
	case INC_DISK:
		if (inc->ndisks > 0)
			snprintf(buf, size, "Replace disk %s at %s%s%s.",
			    inc->disks[0].serial, inc->disks[0].path[0] ?
			    inc->disks[0].path : inc->disks[0].name,
			    inc->disks[0].array[0] ? ", in array " : "",
			    inc->disks[0].array);
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

char *
alert_json(const struct corr *c, const struct incident *inc, enum notice n,
    uint64_t usec)
{
	struct json_object *o = json_object_new_object(), *l;
	char buf[256];
	char *s;

	json_object_object_add(o, "id", json_object_new_string(inc->id));
	json_object_object_add(o, "notice",
	    json_object_new_string(notice_name(n)));
	json_object_object_add(o, "usec", json_object_new_int64((int64_t)usec));
	json_object_object_add(o, "kind",
	    json_object_new_string(inc_kind_name(inc->kind)));
	json_object_object_add(o, "severity",
	    json_object_new_string(inc_sev_name(inc->sev)));
	if (inc->title[0] != '\0')
		json_object_object_add(o, "about",
		    json_object_new_string(inc->title));
	json_object_object_add(o, "first_usec",
	    json_object_new_int64((int64_t)inc->first_usec));
	json_object_object_add(o, "last_usec",
	    json_object_new_int64((int64_t)inc->last_usec));
	if (inc->ctrl >= 0 || inc->ctrl_name[0] != '\0')
		json_object_object_add(o, "controller", ctrl_json(c, inc));
	l = json_object_new_array();
	for (size_t i = 0; i < inc->ndisks; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "serial",
		    json_object_new_string(inc->disks[i].serial));
		json_object_object_add(d, "name",
		    json_object_new_string(inc->disks[i].name));
		json_object_object_add(d, "path",
		    json_object_new_string(inc->disks[i].path));
		json_object_object_add(d, "array",
		    json_object_new_string(inc->disks[i].array));
		json_object_array_add(l, d);
	}
	json_object_object_add(o, "disks", l);
	l = json_object_new_array();
	for (size_t i = 0; i < inc->narrays; i++) {
		const struct arr *a = corr_array(c, inc->arrays[i]);
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "name",
		    json_object_new_string(inc->arrays[i]));
		json_object_object_add(j, "state", json_object_new_string(
		    arr_state_name(a != NULL ? a->state : ARR_UNKNOWN)));
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
		}
		json_object_array_add(l, j);
	}
	json_object_object_add(o, "arrays", l);
	json_object_object_add(o, "advice",
	    json_object_new_string(advice(c, inc, buf, sizeof(buf))));
	l = json_object_new_array();
	for (size_t i = 0; i < inc->nevents; i++)
		json_object_array_add(l, json_object_new_string(inc->events[i]));
	json_object_object_add(o, "events", l);
	json_object_object_add(o, "events_total",
	    json_object_new_int64((int64_t)inc->nevents_total));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static void
subject(const struct alert_cfg *cfg, const struct corr *c,
    const struct incident *inc, enum notice n, char *buf, size_t size)
{
	const struct topo *t = corr_topo(c);
	char what[200] = "", arrays[120] = "";
	const char *tag = n == NOTICE_RESOLVED ? "RESOLVED" :
	    inc->sev == SEV_CRITICAL ? "CRITICAL" : "warning";

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
		    "?", inc->ndisks ? "lost " : "faults, ", inc->ndisks,
		    inc->ndisks == 1 ? "" : "s");
		break;
	case INC_DISK:
		snprintf(what, sizeof(what), "disk %s failed (%s)",
		    inc->ndisks ? inc->disks[0].serial : "?",
		    inc->ndisks ? inc->disks[0].name : "?");
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
body(FILE *f, const struct alert_cfg *cfg, const struct corr *c,
    const struct incident *inc, enum notice n, uint64_t usec)
{
	const struct topo *t = corr_topo(c);
	char buf[256];

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
	if (inc->ndisks > 0)
		fprintf(f, "%s (%zu):\n", inc->kind == INC_WARNING ? "Disk" :
		    "Disks that failed", inc->ndisks);
	for (size_t i = 0; i < inc->ndisks; i++)
		fprintf(f, "  serial %s  %s  %s%s%s\n", inc->disks[i].serial,
		    inc->disks[i].name, inc->disks[i].path,
		    inc->disks[i].array[0] ? "  in " : "",
		    inc->disks[i].array);
	if (inc->narrays > 0)
		fprintf(f, "Arrays:\n");
	for (size_t i = 0; i < inc->narrays; i++) {
		array_line(corr_array(c, inc->arrays[i]), buf, sizeof(buf));
		fprintf(f, "  %s: %s\n", inc->arrays[i], buf);
	}
	fprintf(f, "\nAdvice: %s\n\nEvents (%zu of %zu):\n",
	    advice(c, inc, buf, sizeof(buf)), inc->nevents,
	    inc->nevents_total);
	for (size_t i = 0; i < inc->nevents; i++)
		fprintf(f, "  %s\n", inc->events[i]);
	fprintf(f, "\n-- \nhangar-health on %s, notice at %llu.%06llu s\n",
	    cfg->host, (unsigned long long)(usec / 1000000),
	    (unsigned long long)(usec % 1000000));
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
	char subj[400], host[64], id[160], first[160], *text = NULL;
	size_t tlen;
	FILE *f;
	int ret = -1;

	msgid_host(cfg->host, host, sizeof(host));
	subject(cfg, c, inc, n, subj, sizeof(subj));
	snprintf(id, sizeof(id), "<%s.%u@%s>", inc->id, inc->notices, host);
	snprintf(first, sizeof(first), "<%s.1@%s>", inc->id, host);
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
	    (mail_header(m, "In-Reply-To", first, e) == -1 ||
	    mail_header(m, "References", first, e) == -1)) ||
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
