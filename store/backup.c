/*
 * An online backup of the store: a consistent copy while hangard runs.
 *
 * VACUUM INTO on a read-only connection of its own: SQLite writes a
 * snapshot of one read transaction, so the daemon's writes go on (WAL)
 * and the copy holds either all or none of each.  Copying the file
 * instead could catch it between the database and its -wal.
 */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "store/store.h"

int
store_backup(const char *db, const char *dest, int fd, off_t *sizep,
    struct herr *e)
{
	sqlite3 *conn = NULL;
	sqlite3_stmt *s = NULL;
	struct stat sb;

	if (sqlite3_open_v2(db, &conn, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		herr_set(e, HERR_INTERNAL, "store %s: %s", db,
		    conn != NULL ? sqlite3_errmsg(conn) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(conn, 5000);
	/* VACUUM INTO fills a file that is empty (or makes one) */
	if (sqlite3_prepare_v2(conn, "VACUUM INTO ?1", -1, &s, NULL) !=
	    SQLITE_OK || sqlite3_bind_text(s, 1, dest, -1, SQLITE_STATIC) !=
	    SQLITE_OK) {
		herr_set(e, HERR_INTERNAL, "backup: %s", sqlite3_errmsg(conn));
		goto fail;
	}
	if (sqlite3_step(s) != SQLITE_DONE) {
		herr_set(e, HERR_INTERNAL, "backup: %s", sqlite3_errmsg(conn));
		goto fail;
	}
	sqlite3_finalize(s);
	sqlite3_close(conn);
	conn = NULL;
	s = NULL;
	/* the file as VACUUM INTO left it (the same inode), on disk */
	if (fstat(fd, &sb) == -1 || fsync(fd) == -1) {
		herr_set(e, HERR_INTERNAL, "backup: %s", strerror(errno));
		goto fail;
	}
	close(fd);
	*sizep = sb.st_size;
	return 0;
fail:
	sqlite3_finalize(s);
	sqlite3_close(conn);
	close(fd);
	unlink(dest);		/* empty or partial: the caller's new file */
	return -1;
}
