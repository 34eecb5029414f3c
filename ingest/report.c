/*
 * report: parsing one hangar-health report line (see report.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/report.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define MAX_DEPTH	8

/* A string member: NULL if absent; -1 for a wrong type or bad bytes. */
static int
get_str(json_object *o, const char *k, char *dst, size_t size, int required,
    struct herr *e, const char *where)
{
	json_object *v;
	const char *s;
	size_t n, i;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL) {
		if (required)
			return herr_set(e, HERR_USAGE, "%s%s is missing",
			    where, k);
		dst[0] = '\0';
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return herr_set(e, HERR_USAGE, "%s%s must be a string", where, k);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n >= size)
		return herr_set(e, HERR_USAGE, "%s%s is too long (at most %zu "
		    "bytes)", where, k, size - 1);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return herr_set(e, HERR_USAGE, "%s%s holds a control "
			    "character", where, k);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* dst must be one of the words in list (NULL-ended), if given. */
static int
one_of(const char *v, const char *const *list, const char *what,
    struct herr *e)
{
	size_t i;

	if (v[0] == '\0')
		return 0;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(v, list[i]) == 0)
			return 0;
	return herr_set(e, HERR_USAGE, "%s: unknown value", what);
}

int
report_time(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*end == '.') {
		end++;
		if (*end < '0' || *end > '9')
			return -1;
		while (*end >= '0' && *end <= '9')
			end++;
	}
	if (strcmp(end, "Z") != 0 || tm.tm_year < 70 || tm.tm_year > 1100)
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* An absolute path without "..", for a mount point. */
static int
path_ok(const char *p)
{
	return p[0] == '/' && strstr(p, "/../") == NULL &&
	    (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

/* A volume group name as LVM allows: [a-zA-Z0-9+_.-], not "." or "..". */
static int
vg_ok(const char *v)
{
	size_t i;

	if (v[0] == '\0' || v[0] == '-' || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '+' || v[i] == '_' || v[i] == '.' || v[i] == '-'))
			return 0;
	return 1;
}

/* hangar-health's incident id: [A-Za-z0-9._:-], 1-127. */
static int
id_ok(const char *v)
{
	size_t i;

	if (v[0] == '\0')
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '.' || v[i] == '_' || v[i] == ':' || v[i] == '-'))
			return 0;
	return 1;
}

/* An optional array member: NULL if absent; -1 if not an array. */
static int
get_array(json_object *o, const char *k, size_t max, json_object **out,
    struct herr *e, const char *where)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return herr_set(e, HERR_USAGE, "%s%s must be a list", where, k);
	if (json_object_array_length(v) > max)
		return herr_set(e, HERR_USAGE, "%s%s: more than %zu", where, k,
		    max);
	*out = v;
	return 0;
}

static int
parse_disks(json_object *inc, struct report *r, struct herr *e)
{
	json_object *arr, *d;
	size_t i, n;

	if (get_array(inc, "disks", REPORT_MAX_DISKS, &arr, e,
	    "incident.") == -1)
		return -1;
	if (arr == NULL || (n = json_object_array_length(arr)) == 0)
		return 0;
	r->disks = xcalloc(n, sizeof(*r->disks));
	for (i = 0; i < n; i++) {
		d = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(d, json_type_object))
			return herr_set(e, HERR_USAGE, "incident.disks: each "
			    "must be an object");
		if (get_str(d, "serial", r->disks[i].serial,
		    sizeof(r->disks[i].serial), 0, e, "disk.") == -1 ||
		    get_str(d, "wwn", r->disks[i].wwn, sizeof(r->disks[i].wwn),
		    0, e, "disk.") == -1 ||
		    get_str(d, "model", r->disks[i].model,
		    sizeof(r->disks[i].model), 0, e, "disk.") == -1 ||
		    get_str(d, "dev", r->disks[i].dev, sizeof(r->disks[i].dev),
		    0, e, "disk.") == -1 ||
		    get_str(d, "slot", r->disks[i].slot,
		    sizeof(r->disks[i].slot), 0, e, "disk.") == -1)
			return -1;
		r->ndisks++;
	}
	return 0;
}

/* Strings of a list member into dst (n of size each). */
static int
get_strs(json_object *o, const char *k, char *dst, size_t size, size_t *n,
    int (*ok)(const char *), struct herr *e)
{
	json_object *arr, *v;
	size_t i, len;

	*n = 0;
	if (get_array(o, k, REPORT_MAX_PATHS, &arr, e, "array.") == -1)
		return -1;
	if (arr == NULL)
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			return herr_set(e, HERR_USAGE, "array.%s: each must be "
			    "a string", k);
		len = (size_t)json_object_get_string_len(v);
		if (len == 0 || len >= size || strlen(json_object_get_string(
		    v)) != len)
			return herr_set(e, HERR_USAGE, "array.%s: empty, too "
			    "long or with a NUL", k);
		memcpy(dst + *n * size, json_object_get_string(v), len + 1);
		for (size_t c = 0; c < len; c++)
			if ((unsigned char)dst[*n * size + c] < 0x20 ||
			    dst[*n * size + c] == 0x7f)
				return herr_set(e, HERR_USAGE, "array.%s holds a "
				    "control character", k);
		if (!ok(dst + *n * size))
			return herr_set(e, HERR_USAGE, "array.%s: '%s' is not "
			    "valid", k, strcmp(k, "mounts") == 0 ?
			    "a mount point" : "a volume group");
		(*n)++;
	}
	return 0;
}

static int
parse_arrays(json_object *inc, struct report *r, struct herr *e)
{
	static const char *const states[] = { "failed", "degraded", "active",
	    "recovering", NULL };
	json_object *arr, *a;
	struct report_array *ra;
	size_t i, n;

	if (get_array(inc, "arrays", REPORT_MAX_ARRAYS, &arr, e,
	    "incident.") == -1)
		return -1;
	if (arr == NULL || (n = json_object_array_length(arr)) == 0)
		return 0;
	r->arrays = xcalloc(n, sizeof(*r->arrays));
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(arr, i);
		ra = &r->arrays[i];
		if (!json_object_is_type(a, json_type_object))
			return herr_set(e, HERR_USAGE, "incident.arrays: each "
			    "must be an object");
		if (get_str(a, "name", ra->name, sizeof(ra->name), 1, e,
		    "array.") == -1 ||
		    get_str(a, "state", ra->state, sizeof(ra->state), 1, e,
		    "array.") == -1 ||
		    one_of(ra->state, states, "array.state", e) == -1 ||
		    get_strs(a, "mounts", ra->mounts[0], sizeof(ra->mounts[0]),
		    &ra->nmounts, path_ok, e) == -1 ||
		    get_strs(a, "vgs", ra->vgs[0], sizeof(ra->vgs[0]),
		    &ra->nvgs, vg_ok, e) == -1)
			return -1;
		r->narrays++;
	}
	return 0;
}

static int
parse_incident(json_object *inc, struct report *r, struct herr *e)
{
	static const char *const kinds[] = { "controller", "disk", "array",
	    "smart", NULL };
	static const char *const states[] = { "open", "update", "resolved",
	    NULL };
	static const char *const severities[] = { "warning", "critical", NULL };
	json_object *c;

	if (get_str(inc, "id", r->id, sizeof(r->id), 1, e, "incident.") == -1)
		return -1;
	if (!id_ok(r->id))
		return herr_set(e, HERR_USAGE, "incident.id: use letters, "
		    "digits and . _ : -");
	if (get_str(inc, "kind", r->kind, sizeof(r->kind), 1, e,
	    "incident.") == -1 || one_of(r->kind, kinds, "incident.kind",
	    e) == -1 ||
	    get_str(inc, "state", r->state, sizeof(r->state), 1, e,
	    "incident.") == -1 || one_of(r->state, states, "incident.state",
	    e) == -1 ||
	    get_str(inc, "severity", r->severity, sizeof(r->severity), 0, e,
	    "incident.") == -1 || one_of(r->severity, severities,
	    "incident.severity", e) == -1 ||
	    get_str(inc, "summary", r->summary, sizeof(r->summary), 0, e,
	    "incident.") == -1)
		return -1;
	if (json_object_object_get_ex(inc, "controller", &c) && c != NULL) {
		if (!json_object_is_type(c, json_type_object))
			return herr_set(e, HERR_USAGE, "incident.controller "
			    "must be an object");
		if (get_str(c, "name", r->ctrl_name, sizeof(r->ctrl_name), 0,
		    e, "controller.") == -1 ||
		    get_str(c, "pci", r->ctrl_pci, sizeof(r->ctrl_pci), 0, e,
		    "controller.") == -1 ||
		    get_str(c, "driver", r->ctrl_driver,
		    sizeof(r->ctrl_driver), 0, e, "controller.") == -1)
			return -1;
	}
	return parse_disks(inc, r, e) == -1 || parse_arrays(inc, r, e) == -1 ?
	    -1 : 0;
}

static int
parse_obj(json_object *o, struct report *r, struct herr *e)
{
	json_object *v, *inc;
	char when[64];
	int64_t n;

	if (!json_object_is_type(o, json_type_object))
		return herr_set(e, HERR_USAGE, "a report is a JSON object");
	if (!json_object_object_get_ex(o, "v", &v) || v == NULL)
		return herr_set(e, HERR_USAGE, "v is missing");
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != 1)
		return herr_set(e, HERR_USAGE, "v: this hangard reads version 1");
	r->v = 1;
	if (get_str(o, "host", r->host, sizeof(r->host), 1, e, "") == -1)
		return -1;
	if (!str_is_name(r->host))
		return herr_set(e, HERR_USAGE, "host: not a host name");
	if (!json_object_object_get_ex(o, "seq", &v) || v == NULL)
		return herr_set(e, HERR_USAGE, "seq is missing");
	if (!json_object_is_type(v, json_type_int) ||
	    (n = json_object_get_int64(v)) < 0 || n > (1LL << 53))
		return herr_set(e, HERR_USAGE, "seq must be a whole number "
		    "from 0 to 2^53");
	r->seq = n;
	if (get_str(o, "time", when, sizeof(when), 1, e, "") == -1)
		return -1;
	if (report_time(when, &r->time) == -1)
		return herr_set(e, HERR_USAGE, "time: want UTC like "
		    "2017-03-08T20:17:05Z");
	if (!json_object_object_get_ex(o, "incident", &inc) || inc == NULL)
		return herr_set(e, HERR_USAGE, "incident is missing");
	if (!json_object_is_type(inc, json_type_object))
		return herr_set(e, HERR_USAGE, "incident must be an object");
	return parse_incident(inc, r, e);
}

int
report_parse(const char *line, size_t len, struct report *out, struct herr *e)
{
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error jerr;
	int r;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return herr_set(e, HERR_USAGE, "an empty report");
	if (len > REPORT_MAX_LINE)
		return herr_set(e, HERR_USAGE, "a report is at most %d bytes",
		    REPORT_MAX_LINE);
	if (memchr(line, '\0', len) != NULL || memchr(line, '\n', len) != NULL)
		return herr_set(e, HERR_USAGE, "a report is one line of text");
	if ((tok = json_tokener_new_ex(MAX_DEPTH)) == NULL)
		return herr_set(e, HERR_INTERNAL, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != len) {
		r = herr_set(e, HERR_USAGE, "not one JSON object: %s",
		    o != NULL && jerr == json_tokener_success ?
		    "text after it" : jerr == json_tokener_continue ?
		    "incomplete" : json_tokener_error_desc(jerr));
		json_object_put(o);
		json_tokener_free(tok);
		return r;
	}
	json_tokener_free(tok);
	r = parse_obj(o, out, e);
	json_object_put(o);
	if (r == -1)
		report_release(out);
	return r;
}

void
report_release(struct report *r)
{
	free(r->disks);
	free(r->arrays);
	r->disks = NULL;
	r->arrays = NULL;
	r->ndisks = r->narrays = 0;
}

int
report_array_holds(const struct report_array *a, const char *path)
{
	size_t i, n;
	char pre[160];

	for (i = 0; i < a->nmounts; i++) {
		n = strlen(a->mounts[i]);
		while (n > 1 && a->mounts[i][n - 1] == '/')
			n--;
		if (n == 1 && a->mounts[i][0] == '/')
			return path[0] == '/';
		if (strncmp(path, a->mounts[i], n) == 0 && path[n] == '/')
			return 1;
	}
	for (i = 0; i < a->nvgs; i++) {
		snprintf(pre, sizeof(pre), "/dev/%s/", a->vgs[i]);
		if (strncmp(path, pre, strlen(pre)) == 0)
			return 1;
		/* device-mapper doubles the VG's own dashes: vg-0 -> vg--0 */
		n = (size_t)snprintf(pre, sizeof(pre), "/dev/mapper/");
		for (const char *c = a->vgs[i]; *c != '\0' && n + 3 < sizeof(pre);
		    c++) {
			pre[n++] = *c;
			if (*c == '-')
				pre[n++] = '-';
		}
		pre[n++] = '-';
		pre[n] = '\0';
		/* and the LV's name must not start with a dash (vg--0-x is
		   vg-0's x, not vg's -0-x) */
		if (strncmp(path, pre, n) == 0 && path[n] != '-' &&
		    path[n] != '\0')
			return 1;
	}
	return 0;
}
