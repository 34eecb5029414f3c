/*
 * store.backup: a consistent copy of the store while hangard runs, into
 * STATE/backups/hangar-YYYYMMDDTHHMMSSZ.db (0640, group admin_group).
 *
 * The daemon picks the name: it runs as root, and a path from the
 * request would let an operator of admin_group have root create a file
 * anywhere with text of their choosing inside.  The copy is made on a
 * thread of its own with its own read-only connection (store/backup.c),
 * so the loop and its writes go on meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

struct backup_job {
	char	db[1100];
	char	dest[1200];
	int	fd;		/* dest, new and empty; store_backup closes */
	off_t	size;
};

static void
backup_run(struct job *j)
{
	struct backup_job *b = j->ext;

	j->rc = store_backup(b->db, b->dest, b->fd, &b->size, &j->err);
}

static void
backup_done(struct daemon *d, struct job *j)
{
	struct backup_job *b = j->ext;
	json_object *res = NULL;

	if (j->rc == 0) {
		res = json_object_new_object();
		json_object_object_add(res, "path",
		    json_object_new_string(b->dest));
		json_object_object_add(res, "bytes",
		    json_object_new_int64((int64_t)b->size));
		log_info("store backed up to %s (%lld bytes)", b->dest,
		    (long long)b->size);
	} else
		log_warnx("store backup: %s", j->err.msg);
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
	free(b);
	j->ext = NULL;
}

/* STATE/backups, made 0750 with group admin_group where it can be. */
static int
backup_dir(struct daemon *d, char *dir, size_t size, struct herr *e)
{
	if ((size_t)snprintf(dir, size, "%s/backups", d->cfg.state_dir) >=
	    size)
		return herr_set(e, HERR_INTERNAL, "state_dir too long");
	if (mkdir(dir, 0700) == 0) {
		if (d->admin_gid != (gid_t)-1 &&
		    chown(dir, (uid_t)-1, d->admin_gid) == 0)
			(void)chmod(dir, 0750);
	} else if (errno != EEXIST)
		return herr_set(e, HERR_INTERNAL, "%s: %s", dir,
		    strerror(errno));
	return 0;
}

/*
 * Makes the backup file, empty: named for the time, with a suffix for a
 * second one in the same second (O_EXCL: never over another); readable
 * by admin_group where it can be given, else by the daemon's user only.
 */
static int
backup_file(struct daemon *d, const char *dir, struct backup_job *b,
    struct herr *e)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (n = 1; n < 100; n++) {
		if (n == 1)
			snprintf(b->dest, sizeof(b->dest), "%s/hangar-%s.db",
			    dir, stamp);
		else
			snprintf(b->dest, sizeof(b->dest), "%s/hangar-%s-%d.db",
			    dir, stamp, n);
		b->fd = open(b->dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (b->fd != -1)
			break;
		if (errno != EEXIST)
			return herr_set(e, HERR_INTERNAL, "%s: %s", b->dest,
			    strerror(errno));
	}
	if (b->fd == -1)
		return herr_set(e, HERR_STATE, "too many backups this second");
	if (d->admin_gid != (gid_t)-1 &&
	    fchown(b->fd, (uid_t)-1, d->admin_gid) == 0)
		(void)fchmod(b->fd, 0640);
	return 0;
}

int
store_backup_start(struct daemon *d, struct client *c, struct proto_req *r,
    struct herr *e)
{
	struct backup_job *b;
	struct job *j;
	char dir[1100];

	if (backup_dir(d, dir, sizeof(dir), e) == -1)
		return -1;
	b = xcalloc(1, sizeof(*b));
	snprintf(b->db, sizeof(b->db), "%s/hangar.db", d->cfg.state_dir);
	if (backup_file(d, dir, b, e) == -1) {
		free(b);
		return -1;
	}
	j = job_new(NULL, backup_run, backup_done, c, r->id);
	j->ext = b;
	job_spawn(d, j);
	return 1;
}
