/* The only I/O of the plan library: read a cluster file, then parse it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"

/* The whole of fd, read(2) into a buffer the caller frees. */
static int
read_all(int fd, const char *path, size_t hint, char **bufp, size_t *lenp,
    struct herr *e)
{
	size_t len = 0, cap = hint > 0 ? hint + 1 : 65536;
	char *buf = xmalloc(cap);
	ssize_t n;

	for (;;) {
		if (len == cap)
			buf = xreallocarray(buf, cap *= 2, 1);
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return herr_set(e, HERR_INTERNAL, "%s: %s", path,
			    strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
plan_load_file(const char *path, struct plan_cluster **out, struct herr *e)
{
	struct stat st;
	char *buf = NULL;
	void *map = MAP_FAILED;
	size_t len = 0;
	int fd, rc = -1;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return herr_set(e, HERR_NOTFOUND, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", path, strerror(errno));
		goto out;
	}
	/*
	 * a regular file is mapped, not copied: fleets run to megabytes
	 * (one cut short while we read it ends us with SIGBUS), its page
	 * tables filled at once rather than a fault per few pages
	 */
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size <= SIZE_MAX &&
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ,
	    MAP_PRIVATE | MAP_POPULATE, fd, 0)) != MAP_FAILED) {
		len = (size_t)st.st_size;
		(void)madvise(map, len, MADV_SEQUENTIAL);
		rc = plan_parse_text(map, len, path, out, e);
		munmap(map, len);
		goto out;
	}
	if (read_all(fd, path, S_ISREG(st.st_mode) && st.st_size > 0 ?
	    (size_t)st.st_size : 0, &buf, &len, e) == -1)
		goto out;
	rc = plan_parse_text(buf, len, path, out, e);
	free(buf);
out:
	close(fd);
	return rc;
}
