/*
 * proto: hangar's wire protocol.  One JSON object per line (json-c).
 *
 *   request:  {"id": 7, "method": "guest.start", "params": {"name": "web1"}}
 *   reply:    {"id": 7, "ok": true, "result": ...}
 *             {"id": 7, "ok": false, "error": {"code": "notfound",
 *                                               "message": "no such VPS"}}
 *
 * The first request on a connection must be "hello" with
 * {"version": PROTO_VERSION}.  Every line, field and nesting level is
 * size-checked; unknown fields and wrong types are refused.  This file is
 * pure code: it is unit-tested and fuzzed on its own.
 */
#ifndef HANGAR_PROTO_H
#define HANGAR_PROTO_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/herr.h"

#define PROTO_VERSION		1
#define PROTO_MAX_LINE		(64 * 1024)	/* a request line, newline included */
#define PROTO_MAX_METHOD	48
#define PROTO_MAX_DEPTH		8
#define PROTO_MAX_REPLY		(256 * 1024 * 1024)

/* PT_TEXT: a string that may also hold newlines and tabs (a post's body) */
enum proto_type { PT_STR, PT_INT, PT_BOOL, PT_TEXT };

/* A method's parameter schema; a table ends with a NULL name. */
struct proto_param {
	const char	*name;
	enum proto_type	 type;
	size_t		 max;	/* PT_STR: max bytes; PT_INT: max value */
	int		 required;
};

struct proto_req {
	int64_t		 id;
	char		 method[PROTO_MAX_METHOD + 1];
	json_object	*params;	/* owned; an empty object if absent */
};

/* Parses one line (without its newline).  On error req->id is set if known. */
int	 proto_parse_request(const char *line, size_t len, struct proto_req *req,
	    struct herr *e);
void	 proto_req_release(struct proto_req *req);
/* Checks params against schema: types, sizes, required, no unknown names. */
int	 proto_check_params(const struct proto_param *schema,
	    json_object *params, struct herr *e);

/* Accessors for checked params: NULL / def when absent. */
const char	*proto_str(json_object *params, const char *name);
int64_t		 proto_int(json_object *params, const char *name, int64_t def);
int		 proto_bool(json_object *params, const char *name, int def);

/* Reading replies: "" / 0 when the member is absent or of another type. */
const char	*proto_get_str(json_object *o, const char *name);
int64_t		 proto_get_int(json_object *o, const char *name);

/* Encoders: each returns a new line ending in '\n' that the caller frees. */
char	*proto_request(int64_t id, const char *method, json_object *params);
char	*proto_reply_ok(int64_t id, json_object *result);	/* consumes result */
char	*proto_reply_err(int64_t id, const struct herr *e);
/* A reply whose result is JSON text already (from jsonw). */
char	*proto_reply_raw(int64_t id, const char *json, size_t len);

/*
 * Parses a reply line.  On success *result is a new reference the caller
 * puts (json_object_put), or NULL; on an error reply e is filled from it.
 */
int	 proto_parse_reply(const char *line, size_t len, int64_t *id,
	    json_object **result, struct herr *e);

#endif
