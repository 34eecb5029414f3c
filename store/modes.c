/*
 * The store's files hold customers' addresses and host URIs: they are
 * readable by their owner only.  SQLite makes a new -wal and -shm with the
 * database file's own mode, so a database made 0600 from the start (the
 * caller's umask) keeps them so; files left by an older hangard, which
 * made them under umask 022, are set right here before the store opens.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

int
store_fix_modes(const char *db, mode_t mode, struct herr *e)
{
	static const char *suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[STORE_PATH_MAX + 16];
	struct stat sb;
	int fd, fixed = 0;

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", db, suffix[i]) >=
		    sizeof(path))
			return herr_set(e, HERR_USAGE, "store path too long");
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			return herr_set(e, HERR_INTERNAL, "%s: %s", path,
			    strerror(errno));
		}
		if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			close(fd);
			return herr_set(e, HERR_INTERNAL, "%s: not a file",
			    path);
		}
		if (fstat(fd, &sb) == -1 || ((sb.st_mode & 07777) != mode &&
		    fchmod(fd, mode) == -1)) {
			herr_set(e, HERR_INTERNAL, "%s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		fixed += (sb.st_mode & 07777) != mode;
		close(fd);
	}
	return fixed;
}
