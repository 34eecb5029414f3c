/*
 * rspool: report lines, durable until acknowledged (see rspool.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/report.h"
#include "health/rspool.h"

struct pline {
	uint64_t	 seq;
	char		*text;
};

struct rspool {
	char		 dir[PATH_MAX];
	int		 fd;		/* DIR/log, O_APPEND */
	off_t		 size;
	uint64_t	 acked;
	uint64_t	 next;
	struct pline	*p;		/* pending, oldest first */
	size_t		 np, first;	/* p[first..np) are pending */
};

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd == -1)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int
read_acked(struct rspool *s, struct herr *e)
{
	char path[PATH_MAX + 16], buf[32];
	long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/acked", s->dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : herr_set(e, HERR_INTERNAL,
		    "%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return herr_set(e, HERR_INTERNAL, "%s: %s", path,
		    strerror(errno));
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (str_parse_int(buf, 0, (long long)(~0ULL >> 2), &v) == -1)
		return herr_set(e, HERR_INTERNAL, "%s: not a number", path);
	s->acked = (uint64_t)v;
	return 1;
}

static int
write_acked(struct rspool *s, uint64_t seq, struct herr *e)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/acked", s->dir);
	snprintf(tmp, sizeof(tmp), "%s/acked.tmp", s->dir);
	n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)seq);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp,
		    strerror(errno));
	if (write(fd, buf, (size_t)n) != n || fsync(fd) == -1) {
		close(fd);
		unlink(tmp);
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp,
		    strerror(errno));
	}
	close(fd);
	if (rename(tmp, path) == -1 || fsync_dir(s->dir) == -1)
		return herr_set(e, HERR_INTERNAL, "%s: %s", path,
		    strerror(errno));
	return 0;
}

/* Reads DIR/log: the pending lines; a torn last line is cut off. */
static int
load(struct rspool *s, struct herr *e)
{
	struct stat sb;
	char *buf, *p, *end, *nl;
	off_t whole = 0;
	ssize_t n;
	size_t got = 0;

	if (fstat(s->fd, &sb) == -1)
		return herr_set(e, HERR_INTERNAL, "%s/log: %s", s->dir,
		    strerror(errno));
	if (sb.st_size > 256LL * 1024 * 1024)
		return herr_set(e, HERR_INTERNAL, "%s/log: larger than "
		    "256 MiB", s->dir);
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size && (n = pread(s->fd, buf + got,
	    (size_t)sb.st_size - got, (off_t)got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	end = buf + got;
	for (p = buf; p < end && (nl = memchr(p, '\n', (size_t)(end - p))) !=
	    NULL; p = nl + 1) {
		uint64_t seq;

		whole = nl + 1 - buf;
		if (report_seq(p, (size_t)(nl - p), &seq) == -1)
			continue;	/* not ours: kept, never sent */
		if (seq >= s->next)
			s->next = seq + 1;
		if (seq <= s->acked)
			continue;
		s->p = xreallocarray(s->p, s->np + 1, sizeof(*s->p));
		s->p[s->np].seq = seq;
		s->p[s->np].text = xstrndup(p, (size_t)(nl - p));
		s->np++;
	}
	free(buf);
	if (whole < (off_t)got && ftruncate(s->fd, whole) == -1)
		return herr_set(e, HERR_INTERNAL, "%s/log: %s", s->dir,
		    strerror(errno));
	s->size = whole;
	return 0;
}

struct rspool *
rspool_open(const char *dir, time_t now, struct herr *e)
{
	struct rspool *s = xcalloc(1, sizeof(*s));
	char path[PATH_MAX + 16];
	int had;

	s->fd = -1;
	if (str_copy(s->dir, dir, sizeof(s->dir)) >= sizeof(s->dir)) {
		herr_set(e, HERR_USAGE, "%s: path too long", dir);
		goto fail;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		herr_set(e, HERR_INTERNAL, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((had = read_acked(s, e)) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/log", dir);
	if (access(path, F_OK) == 0)
		had = 1;
	if ((s->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", path, strerror(errno));
		goto fail;
	}
	s->next = s->acked + 1;
	if (load(s, e) == -1)
		goto fail;
	/* a new spool: numbers the control node cannot have seen */
	if (!had && now > 0 && (uint64_t)now > s->next)
		s->next = (uint64_t)now;
	return s;
fail:
	rspool_free(s);
	return NULL;
}

void
rspool_free(struct rspool *s)
{
	if (s == NULL)
		return;
	if (s->fd != -1)
		close(s->fd);
	for (size_t i = s->first; i < s->np; i++)
		free(s->p[i].text);
	free(s->p);
	free(s);
}

uint64_t
rspool_next_seq(const struct rspool *s)
{
	return s->next;
}

uint64_t
rspool_acked(const struct rspool *s)
{
	return s->acked;
}

int
rspool_append(struct rspool *s, uint64_t seq, const char *line,
    struct herr *e)
{
	size_t len = strlen(line);
	char *rec;

	if (seq != s->next)
		return herr_set(e, HERR_INTERNAL, "report %llu out of order "
		    "(next is %llu)", (unsigned long long)seq,
		    (unsigned long long)s->next);
	if (len == 0 || len > REPORT_MAXLINE || memchr(line, '\n', len))
		return herr_set(e, HERR_INTERNAL, "report line of %zu bytes "
		    "refused", len);
	rec = xmalloc(len + 1);
	memcpy(rec, line, len);
	rec[len] = '\n';
	if (write(s->fd, rec, len + 1) != (ssize_t)(len + 1) ||
	    fsync(s->fd) == -1) {
		herr_set(e, HERR_INTERNAL, "%s/log: %s", s->dir,
		    strerror(errno));
		/* a short write is cut off at the next open */
		free(rec);
		return -1;
	}
	free(rec);
	s->size += (off_t)(len + 1);
	s->next = seq + 1;
	s->p = xreallocarray(s->p, s->np + 1, sizeof(*s->p));
	s->p[s->np].seq = seq;
	s->p[s->np].text = xstrdup(line);
	s->np++;
	return 0;
}

size_t
rspool_pending(const struct rspool *s)
{
	return s->np - s->first;
}

const char *
rspool_line(const struct rspool *s, size_t i, uint64_t *seq)
{
	if (s->first + i >= s->np)
		return NULL;
	*seq = s->p[s->first + i].seq;
	return s->p[s->first + i].text;
}

/* Everything acknowledged and the log is big: start it again. */
static void
compact(struct rspool *s)
{
	if (s->size < RSPOOL_COMPACT || rspool_pending(s) != 0 ||
	    ftruncate(s->fd, 0) == -1 || fsync(s->fd) == -1)
		return;
	s->size = 0;
	free(s->p);
	s->p = NULL;
	s->np = s->first = 0;
}

int
rspool_ack(struct rspool *s, uint64_t seq, struct herr *e)
{
	if (rspool_pending(s) == 0 || s->p[s->first].seq != seq)
		return herr_set(e, HERR_PROTO, "acknowledgment of %llu, "
		    "which is not the oldest pending line",
		    (unsigned long long)seq);
	if (write_acked(s, seq, e) == -1)
		return -1;
	s->acked = seq;
	free(s->p[s->first].text);
	s->p[s->first].text = NULL;
	s->first++;
	if (s->first == s->np) {
		s->np = s->first = 0;
		compact(s);
	}
	return 0;
}
