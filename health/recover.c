/*
 * recover: superblock parser and force-assembly advice (see recover.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "health/recover.h"

static const char *verdict_names[] = { "safe", "check", "stale", "foreign",
	"unknown" };

const char *
rm_verdict_name(enum rm_verdict v)
{
	return verdict_names[v];
}

/* A value of the characters mdadm prints in these fields. */
static int
value_ok(const char *v)
{
	for (; *v != '\0'; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		    (*v >= '0' && *v <= '9') || strchr(":._-()+ ", *v) != NULL))
			return 0;
	return 1;
}

static int
parse_ull(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

int
md_examine_parse(const char *text, size_t len, struct md_examine *out,
    struct herr *e)
{
	const char *p = text, *end = text + len;
	unsigned int have = 0;
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	out->devices = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		char line[256], *eq, *v;
		unsigned long long u;

		lineno++;
		if (n >= sizeof(line))
			return herr_set(e, HERR_USAGE, "examine line %d is too "
			    "long", lineno);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (line[0] == '\0')
			continue;
		if ((eq = strchr(line, '=')) == NULL || strncmp(line, "MD_", 3))
			return herr_set(e, HERR_USAGE, "examine line %d: want "
			    "MD_KEY=VALUE", lineno);
		*eq = '\0';
		v = eq + 1;
		if (!value_ok(v))
			return herr_set(e, HERR_USAGE, "examine line %d: bad "
			    "value for %s", lineno, line);
		if (strcmp(line, "MD_UUID") == 0) {
			if (strlen(v) >= sizeof(out->uuid) || v[0] == '\0')
				return herr_set(e, HERR_USAGE, "examine: bad "
				    "MD_UUID");
			str_copy(out->uuid, v, sizeof(out->uuid));
			have |= 1;
		} else if (strcmp(line, "MD_EVENTS") == 0) {
			if (parse_ull(v, ~0ULL >> 1, &out->events) == -1)
				return herr_set(e, HERR_USAGE, "examine: bad "
				    "MD_EVENTS");
			have |= 2;
		} else if (strcmp(line, "MD_UPDATE_TIME") == 0) {
			if (parse_ull(v, 1ULL << 40, &u) == -1)
				return herr_set(e, HERR_USAGE, "examine: bad "
				    "MD_UPDATE_TIME");
			out->utime = (long long)u;
			have |= 4;
		} else if (strcmp(line, "MD_DEVICES") == 0) {
			if (parse_ull(v, 4096, &u) == -1)
				return herr_set(e, HERR_USAGE, "examine: bad "
				    "MD_DEVICES");
			out->devices = (int)u;
		} else if (strcmp(line, "MD_LEVEL") == 0)
			str_copy(out->level, v, sizeof(out->level));
		else if (strcmp(line, "MD_NAME") == 0)
			str_copy(out->name, v, sizeof(out->name));
		else if (strcmp(line, "MD_DEV_UUID") == 0)
			str_copy(out->dev_uuid, v, sizeof(out->dev_uuid));
		/* other keys (MD_ARRAY_SIZE ...) are fine */
	}
	if (have != 7)
		return herr_set(e, HERR_USAGE, "examine: no %s",
		    !(have & 1) ? "MD_UUID" : !(have & 2) ? "MD_EVENTS" :
		    "MD_UPDATE_TIME");
	return 0;
}

int
md_level_need(const char *level, int n)
{
	if (n <= 0)
		return 1;
	if (strcmp(level, "raid1") == 0)
		return 1;
	if (strcmp(level, "raid4") == 0 || strcmp(level, "raid5") == 0)
		return n - 1;
	if (strcmp(level, "raid6") == 0)
		return n > 2 ? n - 2 : 1;
	if (strcmp(level, "raid10") == 0)
		return (n + 1) / 2;
	return n;	/* raid0, linear, unknown: every member */
}

static void
fmt_time(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%lld", t);
}

static void
fmt_ago(long long secs, char *buf, size_t size)
{
	if (secs >= 3600)
		snprintf(buf, size, "%lld h %lld min", secs / 3600,
		    secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(buf, size, "%lld min %lld s", secs / 60, secs % 60);
	else
		snprintf(buf, size, "%lld s", secs);
}

/* The array UUID most readable superblocks carry. */
static const char *
majority_uuid(const struct recovery *r)
{
	const char *best = NULL;
	size_t bestn = 0;

	for (size_t i = 0; i < r->nm; i++) {
		size_t n = 0;

		if (r->m[i].sb != 1)
			continue;
		for (size_t j = 0; j < r->nm; j++)
			if (r->m[j].sb == 1 && strcmp(r->m[i].ex.uuid,
			    r->m[j].ex.uuid) == 0)
				n++;
		if (n > bestn) {
			best = r->m[i].ex.uuid;
			bestn = n;
		}
	}
	return best;
}

static void
judge(struct recovery *r, struct rmember *m, const char *uuid,
    long long tnew, unsigned long long enew, uint64_t fail_last,
    uint64_t window_us)
{
	long long wsec = (long long)(window_us / 1000000);
	char when[40], ago[40];

	if (m->sb == 1 && uuid != NULL && strcmp(m->ex.uuid, uuid) != 0) {
		m->verdict = RM_FOREIGN;
		snprintf(m->why, sizeof(m->why), "its superblock belongs to "
		    "array %.47s, not this one", m->ex.uuid);
		return;
	}
	if (m->failed && m->apart[0] != '\0') {
		m->verdict = RM_STALE;
		snprintf(m->why, sizeof(m->why), "md failed it on its own "
		    "before (incident %s) and ran on without it: its data is "
		    "old", m->apart);
		return;
	}
	if (m->sb == 1) {
		fmt_time(m->ex.utime, when, sizeof(when));
		if (m->ex.utime + wsec >= tnew) {
			m->verdict = RM_SAFE;
			snprintf(m->why, sizeof(m->why), "events %llu (newest "
			    "%llu), updated %s with the others", m->ex.events,
			    enew, when);
		} else {
			m->verdict = RM_STALE;
			fmt_ago(tnew - m->ex.utime, ago, sizeof(ago));
			snprintf(m->why, sizeof(m->why), "events %llu (newest "
			    "%llu), updated %s, %s before the others: its data "
			    "is old", m->ex.events, enew, when, ago);
		}
		return;
	}
	if (m->failed && m->failed_usec != 0 && fail_last != 0 &&
	    m->failed_usec + window_us >= fail_last) {
		m->verdict = RM_CHECK;
		snprintf(m->why, sizeof(m->why), "md failed it at %llu.%06llu "
		    "s with the others; its superblock cannot be read now",
		    (unsigned long long)(m->failed_usec / 1000000),
		    (unsigned long long)(m->failed_usec % 1000000));
	} else if (m->failed && m->failed_usec != 0 && fail_last != 0) {
		m->verdict = RM_STALE;
		fmt_ago((long long)((fail_last - m->failed_usec) / 1000000),
		    ago, sizeof(ago));
		snprintf(m->why, sizeof(m->why), "md failed it %s before the "
		    "others: its data is old", ago);
	} else if (m->working) {
		m->verdict = RM_CHECK;
		snprintf(m->why, sizeof(m->why), "still active in the array; "
		    "its superblock was not read");
	} else {
		m->verdict = RM_UNKNOWN;
		snprintf(m->why, sizeof(m->why), "no superblock could be read "
		    "and md said nothing about it");
	}
	(void)r;
}

void
recovery_plan(struct recovery *r, uint64_t window_us)
{
	const char *uuid = majority_uuid(r);
	unsigned long long enew = 0;
	long long tnew = 0;
	uint64_t fail_last = 0;
	size_t o, ro;

	for (size_t i = 0; i < r->nm; i++) {
		const struct rmember *m = &r->m[i];

		if (m->sb == 1 && (uuid == NULL || strcmp(m->ex.uuid,
		    uuid) == 0)) {
			if (m->ex.utime > tnew)
				tnew = m->ex.utime;
			if (m->ex.events > enew)
				enew = m->ex.events;
		}
		if (m->failed && m->failed_usec > fail_last)
			fail_last = m->failed_usec;
	}
	r->nsafe = r->ncheck = 0;
	for (size_t i = 0; i < r->nm; i++) {
		judge(r, &r->m[i], uuid, tnew, enew, fail_last, window_us);
		if (r->m[i].verdict == RM_SAFE)
			r->nsafe++;
		else if (r->m[i].verdict == RM_CHECK)
			r->ncheck++;
	}
	r->need = md_level_need(r->level, r->raid_disks);
	r->possible = r->nsafe + r->ncheck >= (size_t)r->need &&
	    r->nsafe + r->ncheck > 0;
	snprintf(r->stop, sizeof(r->stop), "mdadm --stop /dev/%s", r->array);
	o = (size_t)snprintf(r->command, sizeof(r->command),
	    "mdadm --assemble --force /dev/%s", r->array);
	ro = 0;
	r->readd[0] = '\0';
	for (size_t i = 0; i < r->nm; i++) {
		const struct rmember *m = &r->m[i];

		if ((m->verdict == RM_SAFE || m->verdict == RM_CHECK) &&
		    o < sizeof(r->command))
			o += (size_t)snprintf(r->command + o,
			    sizeof(r->command) - o, " %s", m->dev);
		if (m->verdict == RM_STALE && ro < sizeof(r->readd))
			ro += (size_t)snprintf(r->readd + ro,
			    sizeof(r->readd) - ro, "%smdadm /dev/%s --add %s",
			    ro ? "; " : "", r->array, m->dev);
	}
	if (o >= sizeof(r->command) || !r->possible)
		r->command[0] = '\0';
	if (ro >= sizeof(r->readd))
		r->readd[0] = '\0';
}
