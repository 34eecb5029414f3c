/*
 * smart: smartctl JSON through json-c, and the judgement of its counters.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "health/smart.h"

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static long long
get_int(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return -1;
	return json_object_get_int64(v);
}

static void
get_str(struct json_object *o, const char *key, char *dst, size_t size)
{
	struct json_object *v = get(o, key);

	if (v != NULL && json_object_is_type(v, json_type_string))
		str_sanitize(dst, size, json_object_get_string(v));
}

static void
parse_ata(struct json_object *root, struct smart *s)
{
	struct json_object *t = get(get(root, "ata_smart_attributes"), "table");
	size_t n;

	if (t == NULL || !json_object_is_type(t, json_type_array))
		return;
	n = json_object_array_length(t);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(t, i);
		long long id = get_int(a, "id");
		long long raw = get_int(get(a, "raw"), "value");
		struct json_object *wf = get(a, "when_failed");

		/* raw.value packs 48 bits; the counters use the low ones */
		if (raw >= 0)
			raw &= 0xffffffffLL;
		switch (id) {
		case 5: s->realloc = raw; break;
		case 197: s->pending = raw; break;
		case 198: s->offline_unc = raw; break;
		case 199: s->crc = raw; break;
		default: break;
		}
		if (wf != NULL && json_object_is_type(wf, json_type_string) &&
		    strcmp(json_object_get_string(wf), "now") == 0 &&
		    s->failing_attr[0] == '\0')
			get_str(a, "name", s->failing_attr,
			    sizeof(s->failing_attr));
	}
}

static void
parse_nvme(struct json_object *root, struct smart *s)
{
	struct json_object *l = get(root, "nvme_smart_health_information_log");

	if (l == NULL)
		return;
	s->critical_warning = get_int(l, "critical_warning");
	s->media_errors = get_int(l, "media_errors");
	s->percentage_used = get_int(l, "percentage_used");
	s->spare = get_int(l, "available_spare");
	s->spare_threshold = get_int(l, "available_spare_threshold");
}

static void
parse_scsi(struct json_object *root, struct smart *s)
{
	struct json_object *el = get(root, "scsi_error_counter_log");
	static const char *dirs[] = { "read", "write", "verify" };

	s->grown_defects = get_int(root, "scsi_grown_defect_list");
	if (el == NULL)
		return;
	for (size_t i = 0; i < 3; i++) {
		long long v = get_int(get(el, dirs[i]),
		    "total_uncorrected_errors");

		long long sum;

		if (v < 0)
			continue;
		/* a counter from the drive may be anything: saturate */
		if (__builtin_add_overflow(s->uncorrected < 0 ? 0 :
		    s->uncorrected, v, &sum))
			sum = LLONG_MAX;
		s->uncorrected = sum;
	}
}

static void
parse_messages(struct json_object *sc, struct smart *s)
{
	struct json_object *msgs = get(sc, "messages");
	size_t n;

	if (msgs == NULL || !json_object_is_type(msgs, json_type_array))
		return;
	n = json_object_array_length(msgs);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = get(json_object_array_get_idx(msgs, i),
		    "string");
		const char *str;

		if (v == NULL || !json_object_is_type(v, json_type_string))
			continue;
		str = json_object_get_string(v);
		if (strcasestr(str, "standby") != NULL ||
		    strcasestr(str, "sleep") != NULL)
			s->standby = 1;
		if (strstr(str, "open device") != NULL)
			s->open_failed = 1;
	}
}

int
smart_parse(const char *json, size_t len, struct smart *s, struct herr *e)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *sc, *st, *wwn;
	long long v;

	memset(s, 0, sizeof(*s));
	s->passed = -1;
	s->realloc = s->pending = s->offline_unc = s->crc = -1;
	s->critical_warning = s->media_errors = s->percentage_used = -1;
	s->spare = s->spare_threshold = -1;
	s->grown_defects = s->uncorrected = s->temperature = -1;
	root = json_tokener_parse_ex(tok, json, (int)(len > 1 << 24 ?
	    1 << 24 : len));
	json_tokener_free(tok);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return herr_set(e, HERR_PROTO, "not smartctl JSON");
	}
	sc = get(root, "smartctl");
	if (sc == NULL || (v = get_int(sc, "exit_status")) < 0) {
		json_object_put(root);
		return herr_set(e, HERR_PROTO, "no smartctl.exit_status");
	}
	s->exit_status = (int)(v & 0xff);
	parse_messages(sc, s);
	if (s->exit_status & SMX_OPEN)
		s->open_failed = !s->standby;
	get_str(root, "serial_number", s->serial, sizeof(s->serial));
	get_str(root, "model_name", s->model, sizeof(s->model));
	if (s->model[0] == '\0')
		get_str(root, "scsi_model_name", s->model, sizeof(s->model));
	get_str(root, "firmware_version", s->firmware, sizeof(s->firmware));
	get_str(get(root, "device"), "name", s->device, sizeof(s->device));
	if ((wwn = get(root, "wwn")) != NULL && get_int(wwn, "naa") >= 0)
		snprintf(s->wwn, sizeof(s->wwn), "%llx%06llx%09llx",
		    get_int(wwn, "naa"), get_int(wwn, "oui"),
		    get_int(wwn, "id"));
	{
		char proto[16] = "";

		get_str(get(root, "device"), "protocol", proto, sizeof(proto));
		s->proto = strcmp(proto, "ATA") == 0 ? SMART_ATA :
		    strcmp(proto, "NVMe") == 0 ? SMART_NVME :
		    strcmp(proto, "SCSI") == 0 ? SMART_SCSI : SMART_UNKNOWN;
	}
	if ((st = get(get(root, "smart_status"), "passed")) != NULL &&
	    json_object_is_type(st, json_type_boolean))
		s->passed = json_object_get_boolean(st);
	s->temperature = get_int(get(root, "temperature"), "current");
	parse_ata(root, s);
	parse_nvme(root, s);
	parse_scsi(root, s);
	json_object_put(root);
	return 0;
}

static size_t
add(struct smart_finding *f, size_t n, size_t max, enum smart_sev sev,
    const char *key, const char *fmt, long long a, long long b)
{
	if (n >= max)
		return n;
	f[n].sev = sev;
	str_copy(f[n].key, key, sizeof(f[n].key));
	snprintf(f[n].what, sizeof(f[n].what), fmt, a, b);
	return n + 1;
}

/* A counter that is non-zero on first sight, or grew since prev. */
static size_t
counter(struct smart_finding *f, size_t n, size_t max, const char *key,
    const char *label, long long prev, long long cur)
{
	if (cur <= 0)
		return n;
	char fmt[96];

	if (prev < 0) {
		snprintf(fmt, sizeof(fmt), "%%lld %s%%.0lld", label);
		return add(f, n, max, SMART_WARN, key, fmt, cur, 0);
	}
	if (cur > prev) {
		snprintf(fmt, sizeof(fmt), "%s grew from %%lld to %%lld",
		    label);
		return add(f, n, max, SMART_WARN, key, fmt, prev, cur);
	}
	return n;
}

size_t
smart_judge(const struct smart *prev, const struct smart *cur,
    struct smart_finding *f, size_t max)
{
	static const struct smart none = { .realloc = -1, .pending = -1,
	    .offline_unc = -1, .crc = -1, .media_errors = -1,
	    .grown_defects = -1, .uncorrected = -1 };
	size_t n = 0;

	if (cur->standby || cur->open_failed)
		return 0;	/* asleep, or gone: the kernel log tells */
	if (prev == NULL)
		prev = &none;
	if ((cur->exit_status & SMX_FAILING) || cur->passed == 0)
		n = add(f, n, max, SMART_CRIT, "failing",
		    "SMART overall health: FAILING (exit status %lld)",
		    cur->exit_status, 0);
	if (cur->exit_status & SMX_SELFTEST)
		n = add(f, n, max, SMART_WARN, "selftest",
		    "the self-test log has errors%.0lld", 0, 0);
	n = counter(f, n, max, "realloc", "reallocated sectors",
	    prev->realloc, cur->realloc);
	n = counter(f, n, max, "pending", "pending sectors", prev->pending,
	    cur->pending);
	n = counter(f, n, max, "offline-unc", "offline uncorrectable sectors",
	    prev->offline_unc, cur->offline_unc);
	if (cur->crc > 0 && prev->crc >= 0 && cur->crc > prev->crc)
		n = add(f, n, max, SMART_WARN, "crc", "UDMA CRC errors grew "
		    "from %lld to %lld: check the cable", prev->crc, cur->crc);
	if (cur->critical_warning > 0)
		n = add(f, n, max, SMART_CRIT, "nvme-cw",
		    "NVMe critical warning 0x%02llx%.0lld",
		    cur->critical_warning, 0);
	n = counter(f, n, max, "media-errors", "NVMe media errors",
	    prev->media_errors, cur->media_errors);
	if (cur->percentage_used >= 90)
		n = add(f, n, max, SMART_WARN, "wear",
		    "NVMe percentage used %lld%%%.0lld", cur->percentage_used,
		    0);
	if (cur->spare >= 0 && cur->spare_threshold > 0 &&
	    cur->spare < cur->spare_threshold)
		n = add(f, n, max, SMART_CRIT, "spare",
		    "NVMe available spare %lld%% below threshold %lld%%",
		    cur->spare, cur->spare_threshold);
	n = counter(f, n, max, "grown-defects", "SCSI grown defects",
	    prev->grown_defects, cur->grown_defects);
	n = counter(f, n, max, "uncorrected", "SCSI uncorrected errors",
	    prev->uncorrected, cur->uncorrected);
	return n;
}
