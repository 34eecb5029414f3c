/*
 * mdstat: /proc/mdstat parser.
 *   md0 : active raid6 sdc[6](F) sdb[5] ...
 *         253952 blocks super 1.2 level 6, 512k chunk, algorithm 2 [6/5] [_UUUUU]
 *         [====>....]  recovery = 20.0% (13184/63488) finish=0.2min speed=3296K/sec
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/mdstat.h"
#include "health/names.h"

static const char *sync_names[] = { "idle", "resync", "recover", "reshape",
	"check", "repair", "pending" };

const char *
md_sync_name(enum md_sync s)
{
	return (s >= 0 && s <= MD_SYNC_PENDING) ? sync_names[s] : "idle";
}

/* Copies the next blank-separated word of *p (at most size-1) into w. */
static int
next_word(const char **p, const char *end, char *w, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end)
		return 0;
	while (s < end && *s != ' ' && *s != '\t') {
		if (n + 1 < size)
			w[n++] = *s;
		s++;
	}
	w[n] = '\0';
	*p = s;
	return 1;
}

/* "sdc[6](F)(W)" */
static void
parse_member(struct md_array *a, const char *w)
{
	struct md_member *m;
	const char *br = strchr(w, '[');
	size_t n;

	if (br == NULL || a->nm >= MD_MAXMEMBERS)
		return;
	m = &a->m[a->nm];
	memset(m, 0, sizeof(*m));
	n = (size_t)(br - w);
	if (n == 0 || n >= sizeof(m->dev))
		return;
	memcpy(m->dev, w, n);
	m->dev[n] = '\0';
	name_clean(m->dev);
	m->slot = atoi(br + 1);
	for (const char *f = strchr(br, ']'); f != NULL && *f != '\0'; f++) {
		if (f[0] != '(' || f[1] == '\0' || f[2] != ')')
			continue;
		switch (f[1]) {
		case 'F': m->flags |= MDM_FAULTY; break;
		case 'S': m->flags |= MDM_SPARE; break;
		case 'W': m->flags |= MDM_WRITEMOSTLY; break;
		case 'J': m->flags |= MDM_JOURNAL; break;
		case 'R': m->flags |= MDM_REPLACEMENT; break;
		default: break;
		}
	}
	a->nm++;
}

static void
parse_head(struct md_array *a, const char *s, const char *end)
{
	char w[96];

	/* "md0 : active raid6 members..." */
	if (!next_word(&s, end, w, sizeof(w)))
		return;
	str_copy(a->name, w, sizeof(a->name));
	name_clean(a->name);
	if (!next_word(&s, end, w, sizeof(w)) || strcmp(w, ":") != 0)
		return;
	if (!next_word(&s, end, w, sizeof(w)))
		return;
	a->active = strcmp(w, "active") == 0;
	while (next_word(&s, end, w, sizeof(w))) {
		if (w[0] == '(') {
			if (strstr(w, "read-only") != NULL)
				a->readonly = 1;
			continue;
		}
		if (strchr(w, '[') == NULL && a->level[0] == '\0' &&
		    a->nm == 0 && a->active) {
			str_copy(a->level, w, sizeof(a->level));
			continue;
		}
		parse_member(a, w);
	}
}

/* "... [6/5] [_UUUUU]" anywhere on the line. */
static void
parse_counts(struct md_array *a, const char *s, const char *end)
{
	const char *p;
	int n, m;

	for (p = s; p < end; p++) {
		if (*p != '[')
			continue;
		if (sscanf(p, "[%d/%d]", &n, &m) == 2 && n >= 0 && m >= 0) {
			a->raid_disks = n;
			a->working = m;
			continue;
		}
		if (p + 1 < end && (p[1] == 'U' || p[1] == '_')) {
			size_t k = 0;

			p++;
			while (p < end && (*p == 'U' || *p == '_') &&
			    k < MD_MAXMEMBERS)
				a->status[k++] = *p++;
			a->status[k] = '\0';
		}
	}
}

static int
parse_sync(struct md_array *a, const char *s, const char *end)
{
	static const struct { const char *word; enum md_sync v; } acts[] = {
		{ "resync", MD_SYNC_RESYNC }, { "recovery", MD_SYNC_RECOVERY },
		{ "reshape", MD_SYNC_RESHAPE }, { "check", MD_SYNC_CHECK },
		{ "repair", MD_SYNC_REPAIR },
	};
	char line[256];
	const char *p, *q;
	size_t n = (size_t)(end - s) < sizeof(line) ? (size_t)(end - s) :
	    sizeof(line) - 1;
	double pct, fin;
	long sp;

	memcpy(line, s, n);
	line[n] = '\0';
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		size_t wl = strlen(acts[i].word);

		p = strstr(line, acts[i].word);
		if (p == NULL || (p > line && p[-1] != ' ' && p[-1] != ']' &&
		    p[-1] != '\t'))
			continue;
		q = p + wl;
		while (*q == ' ')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ')
			q++;
		if (strncmp(q, "PENDING", 7) == 0 ||
		    strncmp(q, "DELAYED", 7) == 0) {
			a->sync = MD_SYNC_PENDING;
			return 1;
		}
		a->sync = acts[i].v;
		if (sscanf(q, "%lf%%", &pct) == 1 && pct >= 0 && pct <= 100)
			a->permille = (int)(pct * 10 + 0.5);
		if ((p = strstr(q, "finish=")) != NULL &&
		    sscanf(p, "finish=%lfmin", &fin) == 1 && fin >= 0 &&
		    fin < 1e9)
			a->finish_min = fin;
		if ((p = strstr(q, "speed=")) != NULL &&
		    sscanf(p, "speed=%ldK/sec", &sp) == 1 && sp >= 0)
			a->speed_kps = sp;
		return 1;
	}
	return 0;
}

static struct md_array *
new_array(struct mdstat *out)
{
	struct md_array *a;

	out->a = xreallocarray(out->a, out->n + 1, sizeof(*out->a));
	a = &out->a[out->n++];
	memset(a, 0, sizeof(*a));
	a->raid_disks = -1;
	a->working = -1;
	a->permille = -1;
	a->finish_min = -1;
	a->speed_kps = -1;
	return a;
}

int
mdstat_parse(const char *text, size_t len, struct mdstat *out,
    struct herr *e)
{
	char *copy = xmalloc(len + 1);	/* the helpers want a NUL */
	const char *s = copy, *end = copy + len, *eol;
	struct md_array *cur = NULL;

	memcpy(copy, text, len);
	copy[len] = '\0';
	len = strlen(copy);
	end = copy + len;
	memset(out, 0, sizeof(*out));
	while (s < end) {
		eol = memchr(s, '\n', (size_t)(end - s));
		if (eol == NULL)
			eol = end;
		if (strncmp(s, "md", 2) == 0 && (size_t)(eol - s) > 2 &&
		    memmem(s, (size_t)(eol - s), " : ", 3) != NULL) {
			cur = new_array(out);
			parse_head(cur, s, eol);
			if (cur->name[0] == '\0')
				out->n--;	/* not an array line after all */
			cur = cur->name[0] ? cur : NULL;
		} else if (cur != NULL && (*s == ' ' || *s == '\t')) {
			if (!parse_sync(cur, s, eol))
				parse_counts(cur, s, eol);
		} else if (s != eol)
			cur = NULL;	/* Personalities, unused devices */
		s = eol + 1;
	}
	if (len > 0 && out->n == 0 && memmem(copy, len, "Personalities",
	    13) == NULL) {
		free(copy);
		return herr_set(e, HERR_PROTO, "not /proc/mdstat");
	}
	free(copy);
	return 0;
}

void
mdstat_release(struct mdstat *s)
{
	free(s->a);
	s->a = NULL;
	s->n = 0;
}

const struct md_array *
mdstat_find(const struct mdstat *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->a[i].name, name) == 0)
			return &s->a[i];
	return NULL;
}

int
md_array_failed(const struct md_array *a)
{
	int n = 0;

	for (size_t i = 0; i < a->nm; i++)
		if (a->m[i].flags & MDM_FAULTY)
			n++;
	if (a->raid_disks >= 0 && a->working >= 0 &&
	    a->raid_disks - a->working > n)
		n = a->raid_disks - a->working;
	return n;
}
