/*
 * report: report lines for the control node, and its answers.  See
 * report.h and hangar-health(8), REPORTS.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/report.h"

static void
jstr(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static const char *
kind_of(const struct incident *inc)
{
	switch (inc->kind) {
	case INC_CONTROLLER:
		return "controller";
	case INC_DISK:
		return "disk";
	case INC_ARRAY:
		return "array";
	default:
		if (strncmp(inc->subject, "warn:disk:", 10) == 0)
			return "smart";
		if (strncmp(inc->subject, "warn:ctrl:", 10) == 0)
			return "controller";
		return NULL;	/* the hypervisor's WARNs: not storage */
	}
}

static const char *
state_of(enum notice n)
{
	switch (n) {
	case NOTICE_OPEN:
		return "open";
	case NOTICE_UPDATE:
		return "update";
	default:
		return "resolved";	/* resolved, or merged into another */
	}
}

static const char *
array_state(const struct arr *a)
{
	switch (a != NULL ? a->state : ARR_UNKNOWN) {
	case ARR_FAILED:
		return "failed";
	case ARR_CLEAN:
		return "active";
	case ARR_REBUILDING:
		return "recovering";
	default:
		return "degraded";	/* degraded, or not known yet */
	}
}

static size_t
dropped(const struct incident *inc)
{
	size_t n = 0;

	for (size_t i = 0; i < inc->ndisks; i++)
		n += inc->disks[i].failed != 0;
	return n;
}

/* One line, no customer data: what failed and what it did to arrays. */
static void
summary(const struct corr *c, const struct incident *inc, enum notice n,
    char *buf, size_t size)
{
	const struct topo *t = corr_topo(c);
	const struct inc_disk *d = NULL;
	size_t o = 0, nd = dropped(inc);

	if (n == NOTICE_MERGED) {
		snprintf(buf, size, "Merged into incident %s", inc->merged_into);
		return;
	}
	for (size_t i = 0; i < inc->ndisks && d == NULL; i++)
		if (inc->disks[i].failed)
			d = &inc->disks[i];
	if (n == NOTICE_RESOLVED)
		o += (size_t)snprintf(buf + o, size - o, "Resolved: ");
	switch (inc->kind) {
	case INC_CONTROLLER:
		o += (size_t)snprintf(buf + o, size - o, "Controller %s (%s) ",
		    inc->ctrl >= 0 ? t->c[inc->ctrl].key : inc->ctrl_name,
		    inc->ctrl >= 0 ? t->c[inc->ctrl].driver : "?");
		if (nd > 0)
			o += (size_t)snprintf(buf + o, size - o, "faulted; %zu "
			    "disk%s dropped", nd, nd == 1 ? "" : "s");
		else
			o += (size_t)snprintf(buf + o, size - o, "logged "
			    "faults");
		break;
	case INC_DISK:
		if (d == NULL && inc->ndisks > 0)
			d = &inc->disks[0];
		o += (size_t)snprintf(buf + o, size - o, "Disk %s (%s%s%s) "
		    "failed", d != NULL ? d->serial : "?", d != NULL &&
		    d->model[0] ? d->model : "model unknown", d != NULL &&
		    d->slot[0] ? ", " : "", d != NULL ? d->slot : "");
		break;
	case INC_ARRAY:
		o += (size_t)snprintf(buf + o, size - o, "Array trouble");
		break;
	default:
		o += (size_t)snprintf(buf + o, size - o, "Warning about %s",
		    inc->title);
		break;
	}
	for (size_t i = 0; i < inc->narrays && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s %s",
		    i == 0 ? "; " : ", ", inc->arrays[i],
		    array_state(corr_array(c, inc->arrays[i])));
}

static void
add_unique(struct json_object *l, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(l); i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(l, i)), s) == 0)
			return;
	json_object_array_add(l, json_object_new_string(s));
}

struct above {
	const struct topo	*t;
	struct json_object	*mounts, *vgs;
};

/* A device on (or being) the array: its mounts and volume group. */
static void
above_one(void *arg, const struct blkdev *b)
{
	struct above *ab = arg;
	char vg[64];

	for (size_t i = 0; i < ab->t->nm; i++)
		if (b->devno[0] != '\0' && strcmp(ab->t->m[i].devno,
		    b->devno) == 0)
			add_unique(ab->mounts, ab->t->m[i].path);
	topo_vg(b, vg, sizeof(vg));
	if (vg[0] != '\0')
		add_unique(ab->vgs, vg);
}

static struct json_object *
array_json(const struct corr *c, const char *name, int mounts)
{
	struct json_object *o = json_object_new_object();
	struct above ab = { corr_topo(c), json_object_new_array(),
	    json_object_new_array() };

	jstr(o, "name", name);
	jstr(o, "state", array_state(corr_array(c, name)));
	if (mounts)
		topo_above(ab.t, name, above_one, &ab);
	json_object_object_add(o, "mounts", ab.mounts);
	json_object_object_add(o, "vgs", ab.vgs);
	return o;
}

static struct json_object *
disk_json(const struct inc_disk *d)
{
	struct json_object *o = json_object_new_object();
	char wwn[80];

	jstr(o, "serial", d->serial);
	if (d->wwn[0] != '\0') {
		snprintf(wwn, sizeof(wwn), "%s%s", isxdigit((unsigned char)
		    d->wwn[0]) && strchr(d->wwn, '.') == NULL ? "0x" : "",
		    d->wwn);
		jstr(o, "wwn", wwn);
	}
	jstr(o, "model", d->model);
	jstr(o, "dev", d->name);
	jstr(o, "slot", d->slot);
	json_object_object_add(o, "failed", json_object_new_boolean(d->failed));
	return o;
}

/* full: 0 leaves out the disks and mounts (a line too long otherwise) */
static char *
build(const char *host, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t seq, time_t when, int full)
{
	struct json_object *o = json_object_new_object(), *i, *l;
	const struct topo *t = corr_topo(c);
	char buf[512];
	struct tm tm;
	char *s;

	json_object_object_add(o, "v", json_object_new_int(REPORT_VERSION));
	jstr(o, "host", host);
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		str_copy(buf, "1970-01-01T00:00:00Z", sizeof(buf));
	jstr(o, "time", buf);
	i = json_object_new_object();
	jstr(i, "id", inc->id);
	jstr(i, "kind", kind_of(inc));
	jstr(i, "state", state_of(n));
	jstr(i, "severity", inc_sev_name(inc->sev));
	summary(c, inc, n, buf, sizeof(buf));
	jstr(i, "summary", buf);
	if (inc->ctrl >= 0 || inc->ctrl_name[0] != '\0') {
		struct json_object *k = json_object_new_object();

		jstr(k, "name", inc->ctrl_name[0] != '\0' ? inc->ctrl_name :
		    t->c[inc->ctrl].key);
		if (inc->ctrl >= 0) {
			jstr(k, "pci", t->c[inc->ctrl].key);
			jstr(k, "driver", t->c[inc->ctrl].driver);
		}
		json_object_object_add(i, "controller", k);
	}
	l = json_object_new_array();
	for (size_t j = 0; full && j < inc->ndisks; j++)
		json_object_array_add(l, disk_json(&inc->disks[j]));
	json_object_object_add(i, "disks", l);
	l = json_object_new_array();
	for (size_t j = 0; j < inc->narrays; j++)
		json_object_array_add(l, array_json(c, inc->arrays[j], full));
	json_object_object_add(i, "arrays", l);
	if (n == NOTICE_MERGED)
		jstr(i, "merged_into", inc->merged_into);
	json_object_object_add(o, "incident", i);
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

char *
report_line(const char *host, const struct corr *c,
    const struct incident *inc, enum notice n, uint64_t seq, time_t when)
{
	char *s;

	if (kind_of(inc) == NULL)
		return NULL;
	s = build(host, c, inc, n, seq, when, 1);
	if (strlen(s) > REPORT_MAXLINE) {
		free(s);
		s = build(host, c, inc, n, seq, when, 0);
	}
	return s;
}

static int
parse_seq(const char *p, const char **end, uint64_t *seq)
{
	uint64_t v = 0;
	const char *s = p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*seq = v;
	*end = s;
	return 0;
}

int
report_ack_parse(const char *line, size_t len, struct report_ack *a,
    struct herr *e)
{
	char buf[512];
	const char *p;

	memset(a, 0, sizeof(*a));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= sizeof(buf) || memchr(line, '\0', len) != NULL)
		return herr_set(e, HERR_PROTO, "answer line too long or "
		    "binary");
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (strncmp(buf, "ok ", 3) == 0)
		a->ok = 1;
	else if (strncmp(buf, "error ", 6) != 0)
		return herr_set(e, HERR_PROTO, "answer is neither ok nor "
		    "error");
	p = buf + (a->ok ? 3 : 6);
	if (parse_seq(p, &p, &a->seq) == -1)
		return herr_set(e, HERR_PROTO, "answer without a sequence "
		    "number");
	if (a->ok && *p != '\0')
		return herr_set(e, HERR_PROTO, "junk after ok SEQ");
	if (!a->ok) {
		if (*p == ' ')
			p++;
		else if (*p != '\0')
			return herr_set(e, HERR_PROTO, "junk after error SEQ");
		str_sanitize(a->reason, sizeof(a->reason), p);
	}
	return 0;
}

int
report_seq(const char *line, size_t len, uint64_t *seq)
{
	/* our own lines: {"v":1,"host":"...","seq":N,... -- json-c puts
	 * the keys in the order they were added; parse to be sure */
	struct json_tokener *tok;
	struct json_object *o, *s;
	int ret = -1;

	if (len == 0 || len > REPORT_MAXLINE)
		return -1;
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len &&
	    json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "seq", &s) &&
	    json_object_is_type(s, json_type_int) &&
	    json_object_get_int64(s) > 0) {
		*seq = (uint64_t)json_object_get_int64(s);
		ret = 0;
	}
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}
