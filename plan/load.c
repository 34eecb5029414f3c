/* The only I/O of the plan library: read a cluster file, then parse it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"

int
plan_load_file(const char *path, struct plan_cluster **out, struct herr *e)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t n;
	int fd, rc = -1;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return herr_set(e, HERR_NOTFOUND, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		herr_set(e, HERR_INTERNAL, "%s: %s", path, strerror(errno));
		goto out;
	}
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap)
			buf = xreallocarray(buf, cap *= 2, 1);
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			herr_set(e, HERR_INTERNAL, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = plan_parse_text(buf, len, path, out, e);
out:
	free(buf);
	close(fd);
	return rc;
}
