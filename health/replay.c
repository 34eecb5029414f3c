/*
 * replay: recorded inputs through parse + correlate, in stamp order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/replay.h"
#include "health/report.h"

enum input_kind { IN_KMSG, IN_MDSTAT, IN_MD, IN_SMART, IN_EXAMINE };

struct input {
	uint64_t	 usec;
	enum input_kind	 kind;
	size_t		 order;		/* ties keep file order */
	char		*data;		/* kmsg line, or a path */
};

struct replay {
	struct input	*in;
	size_t		 n;
	FILE		*out;
	const char	*outbox;
	const struct alert_cfg *acfg;
	FILE		*reports;	/* report lines, or NULL */
	uint64_t	 seq;
	unsigned int	 mails;
	int		 failed;
	struct herr	 err;
};

static void
add_input(struct replay *r, uint64_t usec, enum input_kind kind, char *data)
{
	r->in = xreallocarray(r->in, r->n + 1, sizeof(*r->in));
	r->in[r->n].usec = usec;
	r->in[r->n].kind = kind;
	r->in[r->n].order = r->n;
	r->in[r->n].data = data;
	r->n++;
}

static int
cmp_input(const void *a, const void *b)
{
	const struct input *x = a, *y = b;

	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Reads a whole file (NUL-terminated; caller frees); NULL if absent. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat sb;
	char *p;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fstat(fileno(f), &sb) == -1 || sb.st_size > 64 * 1024 * 1024) {
		fclose(f);
		return NULL;
	}
	p = xmalloc((size_t)sb.st_size + 1);
	n = fread(p, 1, (size_t)sb.st_size, f);
	p[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = n;
	return p;
}

static int
parse_usec(const char *s, uint64_t *usec)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*usec = strtoull(s, &end, 10);
	return errno == 0 && (*end == '\0' || *end == '.') ? 0 : -1;
}

static void
load_kmsg(struct replay *r, const char *dir)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	struct kmsg k;

	snprintf(path, sizeof(path), "%s/kmsg", dir);
	if ((text = slurp(path, NULL)) == NULL)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (kmsg_parse(line, strlen(line), &k) == 0)
			add_input(r, k.usec, IN_KMSG, xstrdup(line));
	free(text);
}

/* Every DIR/sub/<USEC>[...] entry becomes an input of kind. */
static void
load_stamped(struct replay *r, const char *dir, const char *sub,
    enum input_kind kind)
{
	char path[PATH_MAX];
	struct dirent **list = NULL;
	uint64_t usec;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((n = scandir(path, &list, NULL, alphasort)) == -1)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name, *stamp = name;

		if (kind == IN_SMART) {
			/* SERIAL.USEC.json: the stamp is the second-last part */
			const char *dot = strrchr(name, '.'), *p;

			if (dot == NULL || strcmp(dot, ".json") != 0)
				goto next;
			for (p = dot - 1; p > name && *p != '.'; p--)
				;
			stamp = p + 1;
		}
		if (name[0] != '.' && parse_usec(stamp, &usec) == 0)
			add_input(r, usec, kind, xasprintf("%s/%s", path,
			    name));
next:
		free(list[i]);
	}
	free(list);
}

static void
feed_md(struct corr *c, uint64_t usec, const char *dir)
{
	struct dirent **list = NULL;
	struct md_sysfs *s = xmalloc(sizeof(*s));
	char path[PATH_MAX];
	struct herr e;
	int n;

	/* md/USEC/mdN/ holds the files of /sys/block/mdN/md/ */
	if ((n = scandir(dir, &list, NULL, alphasort)) == -1)
		n = 0;
	for (int i = 0; i < n; i++) {
		if (strncmp(list[i]->d_name, "md", 2) == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    list[i]->d_name);
			if (md_sysfs_read(path, list[i]->d_name, s, &e) == 0)
				corr_mdsysfs(c, usec, s);
		}
		free(list[i]);
	}
	free(list);
	free(s);
}

/* examine/USEC/MEMBER: `mdadm --examine --export /dev/MEMBER` then
 * (empty: the superblock could not be read) */
static void
feed_examine(struct corr *c, uint64_t usec, const char *dir)
{
	struct dirent **list = NULL;
	char path[PATH_MAX], *text;
	size_t len;
	int n;

	if ((n = scandir(dir, &list, NULL, alphasort)) == -1)
		n = 0;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (name[0] != '.' && strlen(name) < 32) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if ((text = slurp(path, &len)) != NULL) {
				corr_examine(c, usec, name, len > 0 ? text :
				    NULL, len);
				free(text);
			}
		}
		free(list[i]);
	}
	free(list);
}

static void
feed(struct corr *c, const struct input *in)
{
	struct mdstat ms;
	struct kmsg k;
	struct kevent ev;
	struct smart sm;
	struct herr e;
	char *text;
	size_t len;

	switch (in->kind) {
	case IN_KMSG:
		if (kmsg_parse(in->data, strlen(in->data), &k) == 0) {
			kmsg_classify(&k, &ev);
			corr_kevent(c, &ev);
		}
		break;
	case IN_MDSTAT:
		if ((text = slurp(in->data, &len)) == NULL)
			break;
		if (mdstat_parse(text, len, &ms, &e) == 0)
			corr_mdstat(c, in->usec, &ms);
		mdstat_release(&ms);
		free(text);
		break;
	case IN_MD:
		feed_md(c, in->usec, in->data);
		break;
	case IN_EXAMINE:
		feed_examine(c, in->usec, in->data);
		break;
	case IN_SMART:
		if ((text = slurp(in->data, &len)) == NULL)
			break;
		if (smart_parse(text, len, &sm, &e) == 0)
			corr_smart(c, in->usec, &sm);
		free(text);
		break;
	}
}

static void
emit(void *arg, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t usec)
{
	struct replay *r = arg;
	char *json = alert_json(c, inc, n, usec), *mail = NULL, path[PATH_MAX];
	size_t len;
	FILE *f;

	fprintf(r->out, "%s\n", json);
	free(json);
	if (r->reports != NULL) {
		/* numbered from 1, dated by the event: no clock involved */
		char *line = report_line("replay", c, inc, n, r->seq + 1,
		    (time_t)(usec / 1000000));

		if (line != NULL) {
			fprintf(r->reports, "%s\n", line);
			r->seq++;
		}
		free(line);
	}
	if (r->outbox == NULL || n == NOTICE_MERGED)
		return;		/* merged: the incident it joined says so */
	/* a fixed date: the replay's output does not depend on the clock */
	if (alert_mail(r->acfg, c, inc, n, usec, (time_t)(usec / 1000000),
	    &mail, &len, &r->err) == -1) {
		r->failed = 1;
		return;
	}
	snprintf(path, sizeof(path), "%s/%03u-%s-%s.eml", r->outbox,
	    ++r->mails, inc->id, notice_name(n));
	if ((f = fopen(path, "wb")) == NULL || fwrite(mail, 1, len, f) != len ||
	    fclose(f) != 0) {
		herr_set(&r->err, HERR_INTERNAL, "%s: %s", path,
		    strerror(errno));
		r->failed = 1;
	}
	free(mail);
}

int
baseline_load(const char *path, struct corr_cfg *cfg, struct herr *e)
{
	char line[256], *p, *ver;
	int lineno = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return herr_set(e, HERR_NOTFOUND, "%s: %s", path,
		    strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		for (p = line + strlen(line); p > line && p[-1] == ' '; p--)
			*--p = '\0';
		p = line + strspn(line, " \t");
		if (*p == '\0')
			continue;
		if ((ver = strrchr(p, ' ')) == NULL || cfg->nbase >=
		    CORR_MAXBASE) {
			fclose(f);
			return herr_set(e, HERR_USAGE, "%s:%d: want "
			    "\"DRIVER-OR-BOARD MIN-FIRMWARE\"", path, lineno);
		}
		*ver++ = '\0';
		str_copy(cfg->base[cfg->nbase].match, p,
		    sizeof(cfg->base[0].match));
		str_copy(cfg->base[cfg->nbase].min_fw, ver,
		    sizeof(cfg->base[0].min_fw));
		cfg->nbase++;
	}
	fclose(f);
	return 0;
}

int
replay_run(const char *dir, const char *outbox, FILE *reports,
    const struct alert_cfg *acfg, struct corr_cfg *ccfg, FILE *out,
    struct herr *e)
{
	struct replay r = { .out = out, .outbox = outbox, .acfg = acfg,
	    .reports = reports };
	struct topo *t = xcalloc(1, sizeof(*t));
	char path[PATH_MAX];
	struct corr *c = NULL;
	int ret = -1;

	herr_clear(&r.err);
	snprintf(path, sizeof(path), "%s/sysfs", dir);
	if (access(dir, R_OK) == -1) {
		herr_set(e, HERR_NOTFOUND, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (access(path, R_OK) == 0 && topo_scan(path, t, e) == -1)
		goto out;
	snprintf(path, sizeof(path), "%s/mountinfo", dir);
	topo_read_mounts(t, path);	/* optional */
	snprintf(path, sizeof(path), "%s/baseline", dir);
	if (access(path, R_OK) == 0 && baseline_load(path, ccfg, e) == -1)
		goto out;
	load_kmsg(&r, dir);
	load_stamped(&r, dir, "mdstat", IN_MDSTAT);
	load_stamped(&r, dir, "md", IN_MD);
	load_stamped(&r, dir, "smart", IN_SMART);
	load_stamped(&r, dir, "examine", IN_EXAMINE);
	/* superblocks are awaited only where the recording has them */
	snprintf(path, sizeof(path), "%s/examine", dir);
	if (access(path, R_OK) == -1)
		ccfg->examine_hold_us = 0;
	qsort(r.in, r.n, sizeof(*r.in), cmp_input);
	c = corr_new(t, ccfg, emit, &r, r.n > 0 ? r.in[0].usec : 0);
	for (size_t i = 0; i < r.n; i++)
		feed(c, &r.in[i]);
	corr_tick(c, UINT64_MAX);
	if (r.failed) {
		*e = r.err;
		goto out;
	}
	if (fflush(out) == EOF || ferror(out) || (reports != NULL &&
	    (fflush(reports) == EOF || ferror(reports)))) {
		herr_set(e, HERR_INTERNAL, "write error on output");
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < r.n; i++)
		free(r.in[i].data);
	free(r.in);
	corr_free(c);
	free(t);
	return ret;
}
