/*
 * spool: fsync'd outbox directory with retry and backoff.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/spool.h"

#define SPOOL_NAMELEN	64
#define SPOOL_MAXMSG	(4 * 1024 * 1024)
#define SPOOL_MAXENV	((SPOOL_MAXRCPT + 1) * (SPOOL_ADDR_MAX + 8))
#define ORPHAN_AGE	60	/* an .env without its .eml: a crash, or a put
				   under way in another process */

struct retry {
	char		 name[SPOOL_NAMELEN];
	unsigned int	 attempts;
	time_t		 next;
};

struct spool {
	char		*dir;
	int		 dfd;
	unsigned int	 seq;
	struct retry	*r;
	size_t		 nr;
	size_t		 count;		/* messages seen by the last scan */
	time_t		 next_due;
	time_t		 bmin, bmax;
};

static time_t
backoff(time_t min, time_t max, unsigned int n)
{
	time_t t = min;

	while (n-- > 1 && t < max)
		t *= 2;
	return t > max ? max : t;
}

time_t
spool_backoff(unsigned int n)
{
	return backoff(SPOOL_BACKOFF_MIN, SPOOL_BACKOFF_MAX, n);
}

void
spool_set_backoff(struct spool *s, time_t min, time_t max)
{
	s->bmin = min < 1 ? 1 : min;
	s->bmax = max < s->bmin ? s->bmin : max;
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && strcmp(s + n - m, suf) == 0;
}

static int
is_msg(const struct dirent *d)
{
	return has_suffix(d->d_name, ".eml") &&
	    strlen(d->d_name) < SPOOL_NAMELEN;
}

static int
is_tmp(const struct dirent *d)
{
	return strncmp(d->d_name, "tmp.", 4) == 0;
}

static int
is_env(const struct dirent *d)
{
	return has_suffix(d->d_name, ".env") &&
	    strlen(d->d_name) < SPOOL_NAMELEN;
}

/* An envelope put in by a crash before its message: removed when old. */
static void
drop_orphans(struct spool *s)
{
	struct dirent **list = NULL;
	char eml[SPOOL_NAMELEN];
	struct stat sb;
	int n = scandir(s->dir, &list, is_env, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		snprintf(eml, sizeof(eml), "%.*s.eml",
		    (int)(strlen(name) - 4), name);
		if (faccessat(s->dfd, eml, F_OK, 0) == -1 &&
		    fstatat(s->dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sb.st_mtime + ORPHAN_AGE < time(NULL))
			unlinkat(s->dfd, name, 0);
		free(list[i]);
	}
	free(list);
}

struct spool *
spool_open(const char *dir, struct herr *e)
{
	struct dirent **list = NULL;
	struct spool *s;
	int n;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		herr_set(e, HERR_INTERNAL, "mkdir %s: %s", dir,
		    strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->bmin = SPOOL_BACKOFF_MIN;
	s->bmax = SPOOL_BACKOFF_MAX;
	if ((s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		herr_set(e, HERR_INTERNAL, "open %s: %s", dir, strerror(errno));
		spool_free(s);
		return NULL;
	}
	/* a crash inside spool_put leaves only tmp.*: never a half .eml */
	n = scandir(dir, &list, is_tmp, alphasort);
	for (int i = 0; i < n; i++) {
		unlinkat(s->dfd, list[i]->d_name, 0);
		free(list[i]);
	}
	free(list);
	drop_orphans(s);
	s->next_due = time(NULL);
	return s;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->dfd != -1)
		close(s->dfd);
	free(s->dir);
	free(s->r);
	free(s);
}

static int
write_file(int fd, const char *msg, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, msg, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		msg += n;
		len -= (size_t)n;
	}
	return fsync(fd);
}

/* Writes text to DIR/tmp.name, fsyncs it and renames it to DIR/name. */
static int
put_file(struct spool *s, const char *name, const char *text, size_t len,
    struct herr *e)
{
	char tmp[SPOOL_NAMELEN + 8];
	int fd;

	snprintf(tmp, sizeof(tmp), "tmp.%s", name);
	fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return herr_set(e, HERR_INTERNAL, "%s/%s: %s", s->dir, tmp,
		    strerror(errno));
	if (write_file(fd, text, len) == -1) {
		herr_set(e, HERR_INTERNAL, "%s/%s: %s", s->dir, tmp,
		    strerror(errno));
		close(fd);
		unlinkat(s->dfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(s->dfd, tmp, s->dfd, name) == -1) {
		herr_set(e, HERR_INTERNAL, "%s/%s: %s", s->dir, name,
		    strerror(errno));
		unlinkat(s->dfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* An envelope address: 1-254 printable ASCII bytes, no blank, < or >. */
static int
env_addr_ok(const char *a)
{
	size_t n = a != NULL ? strlen(a) : 0;

	if (n == 0 || n > SPOOL_ADDR_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (a[i] <= ' ' || a[i] >= 127 || a[i] == '<' || a[i] == '>')
			return 0;
	return 1;
}

/* "from ADDR\nrcpt ADDR\n..." into a new string (caller frees). */
static char *
env_text(const struct spool_env *env, struct herr *e)
{
	char *t, *p;

	if (env->nrcpt == 0 || env->nrcpt > SPOOL_MAXRCPT ||
	    !env_addr_ok(env->from)) {
		herr_set(e, HERR_USAGE, "spool: a bad envelope");
		return NULL;
	}
	for (size_t i = 0; i < env->nrcpt; i++)
		if (!env_addr_ok(env->rcpt[i])) {
			herr_set(e, HERR_USAGE, "spool: a bad envelope");
			return NULL;
		}
	p = t = xmalloc(SPOOL_MAXENV);
	p += sprintf(p, "from %s\n", env->from);
	for (size_t i = 0; i < env->nrcpt; i++)
		p += sprintf(p, "rcpt %s\n", env->rcpt[i]);
	return t;
}

int
spool_put_env(struct spool *s, const char *msg, size_t len,
    const struct spool_env *env, char *id, size_t idsize, struct herr *e)
{
	char name[SPOOL_NAMELEN], envname[SPOOL_NAMELEN], *text = NULL;
	struct timespec ts;
	size_t base;

	if (env != NULL && (text = env_text(env, e)) == NULL)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), "%016llx-%08x-%08x.eml",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000, (unsigned int)getpid(),
	    s->seq++);
	base = strlen(name) - 4;
	snprintf(envname, sizeof(envname), "%.*s.env", (int)base, name);
	/* the envelope first: the .eml is what makes the message exist */
	if (text != NULL && put_file(s, envname, text, strlen(text), e) == -1) {
		free(text);
		return -1;
	}
	free(text);
	if (put_file(s, name, msg, len, e) == -1) {
		if (env != NULL)
			unlinkat(s->dfd, envname, 0);
		return -1;
	}
	if (fsync(s->dfd) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", s->dir, strerror(errno));
		unlinkat(s->dfd, name, 0);
		if (env != NULL)
			unlinkat(s->dfd, envname, 0);
		return -1;
	}
	s->next_due = time(NULL);
	if (id != NULL)
		snprintf(id, idsize, "%.*s", (int)base, name);
	return 0;
}

int
spool_put(struct spool *s, const char *msg, size_t len, char *id,
    size_t idsize, struct herr *e)
{
	return spool_put_env(s, msg, len, NULL, id, idsize, e);
}

static struct retry *
retry_find(struct spool *s, const char *name)
{
	for (size_t i = 0; i < s->nr; i++)
		if (strcmp(s->r[i].name, name) == 0)
			return &s->r[i];
	return NULL;
}

static void
retry_drop(struct spool *s, const char *name)
{
	struct retry *r = retry_find(s, name);

	if (r != NULL)
		*r = s->r[--s->nr];
}

static struct retry *
retry_add(struct spool *s, const char *name)
{
	struct retry *r = retry_find(s, name);

	if (r != NULL)
		return r;
	s->r = xreallocarray(s->r, s->nr + 1, sizeof(*s->r));
	r = &s->r[s->nr++];
	memset(r, 0, sizeof(*r));
	str_copy(r->name, name, sizeof(r->name));
	return r;
}

/* Reads DIR/name into a new buffer (caller frees). */
static char *
read_msg(struct spool *s, const char *name, size_t *len)
{
	struct stat sb;
	char *p = NULL;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = openat(s->dfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || sb.st_size > SPOOL_MAXMSG)
		goto out;
	p = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		n = read(fd, p + got, (size_t)sb.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	p[got] = '\0';
	*len = got;
out:
	close(fd);
	return p;
}

/* A message's envelope, read into buf (the env points into it). */
static int
read_env(struct spool *s, const char *eml, char *buf, size_t size,
    struct spool_env *env)
{
	char name[SPOOL_NAMELEN], *line, *save = NULL;
	ssize_t n;
	int fd;

	memset(env, 0, sizeof(*env));
	snprintf(name, sizeof(name), "%.*s.env", (int)(strlen(eml) - 4), eml);
	if ((fd = openat(s->dfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0 || (size_t)n == size - 1)
		return -1;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "from ", 5) == 0 && env->from == NULL &&
		    env_addr_ok(line + 5))
			env->from = line + 5;
		else if (strncmp(line, "rcpt ", 5) == 0 &&
		    env->nrcpt < SPOOL_MAXRCPT && env_addr_ok(line + 5))
			env->rcpt[env->nrcpt++] = line + 5;
		else
			return -1;
	}
	return env->from != NULL && env->nrcpt > 0 ? 0 : -1;
}

/* Moves DIR/name (and its .env) to DIR/failed, with the reason beside. */
static int
set_aside(struct spool *s, const char *eml, const char *why)
{
	char base[SPOOL_NAMELEN], from[SPOOL_NAMELEN + 8];
	char to[SPOOL_NAMELEN + 16], text[600];
	int fd, ret = 0;

	snprintf(base, sizeof(base), "%.*s", (int)(strlen(eml) - 4), eml);
	if (mkdirat(s->dfd, "failed", 0700) == -1 && errno != EEXIST)
		return -1;
	snprintf(to, sizeof(to), "failed/%s.why", base);
	snprintf(text, sizeof(text), "%s\n", why);
	if ((fd = openat(s->dfd, to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (write_file(fd, text, strlen(text)) == -1)
		ret = -1;
	close(fd);
	snprintf(from, sizeof(from), "%s.env", base);
	snprintf(to, sizeof(to), "failed/%s.env", base);
	if (renameat(s->dfd, from, s->dfd, to) == -1 && errno != ENOENT)
		ret = -1;
	snprintf(to, sizeof(to), "failed/%s", eml);
	if (ret == 0 && renameat(s->dfd, eml, s->dfd, to) == -1)
		ret = -1;
	fsync(s->dfd);
	return ret;
}

/* Sends through an old-style function, which has no use for envelopes. */
struct plain {
	spool_send_fn	 fn;
	void		*arg;
};

static int
send_plain(const struct spool_msg *m, void *arg, struct herr *e)
{
	struct plain *p = arg;

	return p->fn(m->data, m->len, p->arg, e);
}

int
spool_flush(struct spool *s, time_t now, size_t max, spool_send_fn fn,
    void *arg, struct spool_stats *st, struct herr *e)
{
	struct plain p = { fn, arg };

	return spool_flush_msgs(s, now, max, send_plain, &p, st, e);
}

static void
due_at(struct spool *s, time_t t)
{
	if (s->next_due == 0 || t < s->next_due)
		s->next_due = t;
}

int
spool_flush_msgs(struct spool *s, time_t now, size_t max, spool_msg_fn fn,
    void *arg, struct spool_stats *st, struct herr *e)
{
	struct spool_stats tmp = { 0, 0, 0, 0 };
	struct dirent **list = NULL;
	struct spool_msg m;
	struct herr se;
	struct retry *r;
	size_t len = 0, tried = 0;
	char *msg, *envbuf = xmalloc(SPOOL_MAXENV + 1);
	int n, stop = 0, bad_env;

	if (st == NULL)
		st = &tmp;
	memset(st, 0, sizeof(*st));
	if ((n = scandir(s->dir, &list, is_msg, alphasort)) == -1) {
		free(envbuf);
		return herr_set(e, HERR_INTERNAL, "scandir %s: %s", s->dir,
		    strerror(errno));
	}
	s->next_due = 0;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		r = retry_find(s, name);
		if (stop || (r != NULL && r->next > now) ||
		    (max > 0 && tried >= max)) {
			due_at(s, r != NULL && r->next > now ? r->next : now);
			st->queued++;
			continue;
		}
		tried++;
		msg = read_msg(s, name, &len);
		herr_clear(&se);
		bad_env = read_env(s, name, envbuf, SPOOL_MAXENV + 1,
		    &m.env) == -1;
		m.id = name;
		m.data = msg;
		m.len = len;
		m.attempts = r != NULL ? r->attempts : 0;
		if (msg != NULL && !bad_env && fn(&m, arg, &se) == 0) {
			if (unlinkat(s->dfd, name, 0) == 0) {
				snprintf(envbuf, SPOOL_NAMELEN, "%.*s.env",
				    (int)(strlen(name) - 4), name);
				unlinkat(s->dfd, envbuf, 0);
				fsync(s->dfd);
			}
			retry_drop(s, name);
			st->sent++;
			free(msg);
			continue;
		}
		free(msg);
		st->failed++;
		if (bad_env)
			herr_set(&se, HERR_USAGE, "%s: unreadable envelope",
			    name);
		else if (msg == NULL)
			herr_set(&se, HERR_INTERNAL, "%s/%s: unreadable",
			    s->dir, name);
		if (e != NULL && se.code != HERR_OK)
			*e = se;
		if (se.code == HERR_USAGE && set_aside(s, name, se.msg) == 0) {
			/* refused for good: never tried again */
			retry_drop(s, name);
			st->set_aside++;
			continue;
		}
		r = retry_add(s, name);
		r->attempts++;
		r->next = now + backoff(s->bmin, s->bmax, r->attempts);
		due_at(s, r->next);
		st->queued++;
		/* the server cannot be reached: the rest would wait the same */
		if (se.code == HERR_UNREACHABLE)
			stop = 1;
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(envbuf);
	s->count = st->queued;
	return 0;
}

size_t
spool_count(struct spool *s)
{
	struct dirent **list = NULL;
	int n = scandir(s->dir, &list, is_msg, alphasort);

	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	s->count = n > 0 ? (size_t)n : 0;
	return s->count;
}

time_t
spool_next_due(const struct spool *s)
{
	return s->next_due;
}
