#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "rpc/client.h"
#include "rpc/proto.h"

struct rpc_client {
	int	 fd;
	int64_t	 next_id;
	char	*buf;		/* bytes read past the last line */
	size_t	 len, cap;
	char	 role[16];
	char	 customer[64];
};

static int
write_all(int fd, const char *s, size_t n, struct herr *e)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, s, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return herr_set(e, HERR_UNREACHABLE, "hangard: write: %s",
			    strerror(errno));
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one line into *line (NUL-terminated, without '\n'), valid until
 * the next call. */
static int
read_line(struct rpc_client *c, char **line, size_t *linelen, struct herr *e)
{
	char *nl;
	ssize_t r;

	for (;;) {
		if (c->len > 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			*nl = '\0';
			*line = c->buf;
			*linelen = (size_t)(nl - c->buf);
			return 0;
		}
		if (c->len > PROTO_MAX_REPLY)
			return herr_set(e, HERR_PROTO, "hangard: reply too long");
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = xreallocarray(c->buf, c->cap, 1);
		}
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return herr_set(e, HERR_UNREACHABLE, "hangard: read: %s",
			    strerror(errno));
		if (r == 0)
			return herr_set(e, HERR_UNREACHABLE, "hangard closed the "
			    "connection");
		c->len += (size_t)r;
	}
}

/* Drops the line returned by read_line from the buffer. */
static void
consume_line(struct rpc_client *c, size_t linelen)
{
	size_t n = linelen + 1;

	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

int
rpc_call(struct rpc_client *c, const char *method, json_object *params,
    json_object **result, struct herr *e)
{
	char *req, *line = NULL;
	size_t linelen = 0;
	int64_t id = c->next_id++, rid;
	int r;

	*result = NULL;
	req = proto_request(id, method, params);
	json_object_put(params);
	r = write_all(c->fd, req, strlen(req), e);
	free(req);
	if (r == -1)
		return -1;
	for (;;) {
		if (read_line(c, &line, &linelen, e) == -1)
			return -1;
		r = proto_parse_reply(line, linelen, &rid, result, e);
		consume_line(c, linelen);
		if (rid == id || rid == 0)
			return r;
		/* a reply to an earlier, abandoned request: skip it */
		json_object_put(*result);
		*result = NULL;
	}
}

int
rpc_call_text(struct rpc_client *c, const char *method, json_object *params,
    char **text, size_t *len, struct herr *e)
{
	char *req, *line = NULL, head[64];
	size_t linelen = 0, hn;
	int64_t id = c->next_id++, rid;
	json_object *res;
	const char *js;
	int r;

	*text = NULL;
	req = proto_request(id, method, params);
	json_object_put(params);
	r = write_all(c->fd, req, strlen(req), e);
	free(req);
	if (r == -1)
		return -1;
	hn = (size_t)snprintf(head, sizeof(head), "{\"id\":%lld,\"ok\":true,"
	    "\"result\":", (long long)id);
	for (;;) {
		if (read_line(c, &line, &linelen, e) == -1)
			return -1;
		/* proto_reply_raw's form: the result is the text between */
		if (linelen > hn && memcmp(line, head, hn) == 0 &&
		    line[linelen - 1] == '}') {
			*len = linelen - hn - 1;
			*text = xmalloc(*len + 1);
			memcpy(*text, line + hn, *len);
			(*text)[*len] = '\0';
			consume_line(c, linelen);
			return 0;
		}
		r = proto_parse_reply(line, linelen, &rid, &res, e);
		consume_line(c, linelen);
		if (rid == id || rid == 0)
			break;
		json_object_put(res);	/* an abandoned request's */
	}
	if (r == 0) {
		js = res != NULL ? json_object_to_json_string_ext(res,
		    JSON_C_TO_STRING_PLAIN) : "null";
		*len = strlen(js);
		*text = xstrdup(js);
	}
	json_object_put(res);
	return r;
}

struct rpc_client *
rpc_connect(const char *sockpath, struct herr *e)
{
	struct sockaddr_un sun;
	struct rpc_client *c;
	json_object *params, *res = NULL, *v;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		herr_set(e, HERR_USAGE, "socket path too long: %s", sockpath);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->next_id = 1;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		herr_set(e, HERR_UNREACHABLE, "cannot reach hangard at %s: %s "
		    "(is hangard running?)", sockpath, strerror(errno));
		goto fail;
	}
	params = json_object_new_object();
	json_object_object_add(params, "version",
	    json_object_new_int(PROTO_VERSION));
	if (rpc_call(c, "hello", params, &res, e) == -1)
		goto fail;
	if (json_object_object_get_ex(res, "role", &v))
		str_copy(c->role, json_object_get_string(v), sizeof(c->role));
	if (json_object_object_get_ex(res, "customer", &v))
		str_copy(c->customer, json_object_get_string(v),
		    sizeof(c->customer));
	json_object_put(res);
	return c;
fail:
	rpc_close(c);
	return NULL;
}

void
rpc_close(struct rpc_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

const char *
rpc_role(const struct rpc_client *c)
{
	return c->role;
}

const char *
rpc_customer(const struct rpc_client *c)
{
	return c->customer;
}
