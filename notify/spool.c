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

int
spool_put(struct spool *s, const char *msg, size_t len, char *id,
    size_t idsize, struct herr *e)
{
	char tmp[SPOOL_NAMELEN + 8], name[SPOOL_NAMELEN];
	struct timespec ts;
	int fd, ret = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), "%016llx-%08x-%08x.eml",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000, (unsigned int)getpid(),
	    s->seq++);
	snprintf(tmp, sizeof(tmp), "tmp.%s", name);
	fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return herr_set(e, HERR_INTERNAL, "%s/%s: %s", s->dir, tmp,
		    strerror(errno));
	if (write_file(fd, msg, len) == -1) {
		herr_set(e, HERR_INTERNAL, "%s/%s: %s", s->dir, tmp,
		    strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (renameat(s->dfd, tmp, s->dfd, name) == -1 || fsync(s->dfd) == -1) {
		herr_set(e, HERR_INTERNAL, "%s/%s: %s", s->dir, name,
		    strerror(errno));
		goto out;
	}
	ret = 0;
	s->next_due = time(NULL);
	if (id != NULL)
		snprintf(id, idsize, "%.*s", (int)(strlen(name) - 4), name);
out:
	if (ret == -1)
		unlinkat(s->dfd, tmp, 0);
	return ret;
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

int
spool_flush(struct spool *s, time_t now, size_t max, spool_send_fn fn,
    void *arg, struct spool_stats *st, struct herr *e)
{
	struct spool_stats tmp = { 0, 0, 0 };
	struct dirent **list = NULL;
	struct herr se;
	struct retry *r;
	size_t len, tried = 0;
	char *msg;
	int n, stop = 0;

	if (st == NULL)
		st = &tmp;
	memset(st, 0, sizeof(*st));
	if ((n = scandir(s->dir, &list, is_msg, alphasort)) == -1)
		return herr_set(e, HERR_INTERNAL, "scandir %s: %s", s->dir,
		    strerror(errno));
	s->next_due = 0;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		r = retry_find(s, name);
		if (stop || (r != NULL && r->next > now) ||
		    (max > 0 && tried >= max)) {
			time_t due = r != NULL ? r->next : now;

			if (s->next_due == 0 || due < s->next_due)
				s->next_due = due;
			st->queued++;
			continue;
		}
		tried++;
		msg = read_msg(s, name, &len);
		herr_clear(&se);
		if (msg != NULL && fn(msg, len, arg, &se) == 0) {
			if (unlinkat(s->dfd, name, 0) == 0)
				fsync(s->dfd);
			retry_drop(s, name);
			st->sent++;
		} else {
			r = retry_add(s, name);
			r->attempts++;
			r->next = now + backoff(s->bmin, s->bmax, r->attempts);
			if (s->next_due == 0 || r->next < s->next_due)
				s->next_due = r->next;
			st->failed++;
			st->queued++;
			/* the server is probably down: try again later */
			stop = 1;
			if (e != NULL && se.code != HERR_OK)
				*e = se;
		}
		free(msg);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
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
