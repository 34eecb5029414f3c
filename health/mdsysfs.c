/*
 * mdsysfs: md sysfs attribute parsers and a directory reader.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "health/mdsysfs.h"
#include "health/names.h"

static const struct {
	const char	*word;
	unsigned int	 flag;
} dev_states[] = {
	{ "faulty", MDS_FAULTY }, { "in_sync", MDS_IN_SYNC },
	{ "write_error", MDS_WRITE_ERROR },
	{ "want_replacement", MDS_WANT_REPLACEMENT },
	{ "blocked", MDS_BLOCKED }, { "spare", MDS_SPARE },
	{ "write_mostly", MDS_WRITEMOSTLY },
	{ "replacement", MDS_REPLACEMENT }, { "journal", MDS_JOURNAL },
};

unsigned int
md_dev_state_parse(const char *s)
{
	unsigned int flags = 0;
	size_t n, i;

	while (*s != '\0') {
		n = strcspn(s, ",\n ");
		if (n > 0) {
			for (i = 0; i < sizeof(dev_states) /
			    sizeof(dev_states[0]); i++)
				if (strlen(dev_states[i].word) == n &&
				    strncmp(s, dev_states[i].word, n) == 0)
					break;
			flags |= i < sizeof(dev_states) /
			    sizeof(dev_states[0]) ? dev_states[i].flag :
			    MDS_UNKNOWN;
		}
		s += n;
		if (*s != '\0')
			s++;
	}
	return flags;
}

int
md_bad_blocks_parse(const char *s, unsigned int *ranges,
    unsigned long long *sectors)
{
	unsigned long long start, len;
	int used;

	*ranges = 0;
	*sectors = 0;
	for (;;) {
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (*s == '\0')
			return 0;
		if (sscanf(s, "%llu %llu%n", &start, &len, &used) != 2)
			return -1;
		(*ranges)++;
		if (*sectors + len >= *sectors)
			*sectors += len;
		s += used;
		if (*s != '\0' && *s != '\n' && *s != ' ')
			return -1;
	}
}

int
md_sync_completed_parse(const char *s)
{
	unsigned long long done, total;

	if (sscanf(s, "%llu / %llu", &done, &total) != 2 || total == 0 ||
	    done > total)
		return -1;
	return (int)(done * 1000 / total);
}

/* Reads DIR/FILE into buf (trailing newline removed); -1 if absent. */
static int
read_attr(const char *dir, const char *file, char *buf, size_t size)
{
	char path[1024];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return -1;	/* a path that long is not sysfs's */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int
md_sysfs_read(const char *dir, const char *name, struct md_sysfs *out,
    struct herr *e)
{
	char buf[4096], sub[1024];
	struct dirent *de;
	long long v;
	DIR *d;

	memset(out, 0, sizeof(*out));
	str_copy(out->name, name, sizeof(out->name));
	name_clean(out->name);
	out->sync_permille = -1;
	out->raid_disks = -1;
	if (read_attr(dir, "array_state", buf, sizeof(buf)) == -1)
		return herr_set(e, HERR_NOTFOUND, "%s/array_state: %s", dir,
		    strerror(errno));
	str_copy(out->array_state, buf, sizeof(out->array_state));
	if (read_attr(dir, "level", buf, sizeof(buf)) == 0)
		str_copy(out->level, buf, sizeof(out->level));
	if (read_attr(dir, "sync_action", buf, sizeof(buf)) == 0)
		str_copy(out->sync_action, buf, sizeof(out->sync_action));
	if (read_attr(dir, "degraded", buf, sizeof(buf)) == 0 &&
	    str_parse_int(buf, 0, 4096, &v) == 0)
		out->degraded = (int)v;
	if (read_attr(dir, "raid_disks", buf, sizeof(buf)) == 0 &&
	    str_parse_int(buf, 0, 4096, &v) == 0)
		out->raid_disks = (int)v;
	if (read_attr(dir, "sync_completed", buf, sizeof(buf)) == 0)
		out->sync_permille = md_sync_completed_parse(buf);
	if ((d = opendir(dir)) == NULL)
		return herr_set(e, HERR_NOTFOUND, "%s: %s", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL && out->nd < MD_MAXMEMBERS) {
		struct md_dev *m;

		if (strncmp(de->d_name, "dev-", 4) != 0)
			continue;
		m = &out->d[out->nd];
		memset(m, 0, sizeof(*m));
		str_copy(m->dev, de->d_name + 4, sizeof(m->dev));
		name_clean(m->dev);
		m->slot = -1;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (read_attr(sub, "state", buf, sizeof(buf)) == 0)
			m->state = md_dev_state_parse(buf);
		if (read_attr(sub, "slot", buf, sizeof(buf)) == 0 &&
		    str_parse_int(buf, 0, 4096, &v) == 0)
			m->slot = (int)v;
		if (read_attr(sub, "errors", buf, sizeof(buf)) == 0 &&
		    str_parse_int(buf, 0, (1LL << 62), &v) == 0)
			m->errors = v;
		if (read_attr(sub, "bad_blocks", buf, sizeof(buf)) == 0)
			md_bad_blocks_parse(buf, &m->bb_ranges,
			    &m->bb_sectors);
		out->nd++;
	}
	closedir(d);
	return 0;
}

const struct md_dev *
md_sysfs_dev(const struct md_sysfs *s, const char *dev)
{
	for (size_t i = 0; i < s->nd; i++)
		if (strcmp(s->d[i].dev, dev) == 0)
			return &s->d[i];
	return NULL;
}

int
md_sysfs_is_failed(const struct md_sysfs *s)
{
	return strcmp(s->array_state, "broken") == 0 ||
	    strcmp(s->array_state, "inactive") == 0 ||
	    strcmp(s->array_state, "clear") == 0;
}
