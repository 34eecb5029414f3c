/*
 * attach: a connection of its own for the serial console.  After hangard
 * answers console.attach with ok, the same connection carries the raw
 * console bytes both ways, so it cannot be the menu's RPC connection.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/console.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "rpc/proto.h"

#define ATTACH_MAX_REPLY	(64 * 1024)

struct conn {
	int	 fd;
	char	*buf;		/* bytes read, not yet used */
	size_t	 len;
};

static int
send_line(struct conn *c, int64_t id, const char *method, json_object *params,
    struct herr *e)
{
	char *line = proto_request(id, method, params);
	size_t n = strlen(line), off = 0;
	ssize_t w;

	json_object_put(params);
	while (off < n) {
		if ((w = send(c->fd, line + off, n - off, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			free(line);
			return herr_set(e, HERR_UNREACHABLE, "hangard: write: %s",
			    strerror(errno));
		}
		off += (size_t)w;
	}
	free(line);
	return 0;
}

/* Reads one reply line and parses it; the rest stays in c->buf. */
static int
read_reply(struct conn *c, json_object **res, struct herr *e)
{
	char *nl;
	size_t linelen;
	int64_t id;
	ssize_t r;
	int rc;

	while (c->len == 0 || (nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len >= ATTACH_MAX_REPLY)
			return herr_set(e, HERR_PROTO, "hangard: reply too long");
		c->buf = xreallocarray(c->buf, ATTACH_MAX_REPLY + 1, 1);
		r = read(c->fd, c->buf + c->len, ATTACH_MAX_REPLY - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return herr_set(e, HERR_UNREACHABLE, "hangard closed the "
			    "connection");
		c->len += (size_t)r;
	}
	linelen = (size_t)(nl - c->buf);
	*nl = '\0';
	rc = proto_parse_reply(c->buf, linelen, &id, res, e);
	memmove(c->buf, nl + 1, c->len - linelen - 1);
	c->len -= linelen + 1;
	return rc;
}

int
attach_open(const char *sockpath, const char *name, int force, int *fd,
    char **head, size_t *headlen, struct herr *e)
{
	struct sockaddr_un sun;
	struct conn c = { -1, NULL, 0 };
	json_object *p, *res = NULL;

	*fd = -1;
	*head = NULL;
	*headlen = 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return herr_set(e, HERR_USAGE, "socket path too long");
	if ((c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(c.fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		herr_set(e, HERR_UNREACHABLE, "cannot reach hangard: %s",
		    strerror(errno));
		goto fail;
	}
	p = json_object_new_object();
	json_object_object_add(p, "version", json_object_new_int(PROTO_VERSION));
	if (send_line(&c, 1, "hello", p, e) == -1 ||
	    read_reply(&c, &res, e) == -1)
		goto fail;
	json_object_put(res);
	res = NULL;
	p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string(name));
	if (force)
		json_object_object_add(p, "force", json_object_new_boolean(1));
	if (send_line(&c, 2, "console.attach", p, e) == -1 ||
	    read_reply(&c, &res, e) == -1)
		goto fail;
	json_object_put(res);
	*fd = c.fd;
	*head = c.buf;
	*headlen = c.len;
	return 0;
fail:
	if (c.fd != -1)
		close(c.fd);
	free(c.buf);
	return -1;
}
