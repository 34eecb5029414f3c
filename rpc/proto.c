#include <stdio.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "rpc/proto.h"

/* Parses a complete JSON object from buf; NULL with e set otherwise. */
static json_object *
parse_object(const char *buf, size_t len, size_t maxlen, struct herr *e)
{
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error jerr;

	if (len > maxlen)
		return herr_set(e, HERR_PROTO, "line too long (%zu bytes, "
		    "limit %zu)", len, maxlen), NULL;
	if (memchr(buf, '\0', len) != NULL)
		return herr_set(e, HERR_PROTO, "NUL byte in line"), NULL;
	if ((tok = json_tokener_new_ex(PROTO_MAX_DEPTH)) == NULL)
		return herr_set(e, HERR_INTERNAL, "out of memory"), NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		herr_set(e, HERR_PROTO, "malformed JSON: %s",
		    jerr == json_tokener_continue ? "incomplete object" :
		    json_tokener_error_desc(jerr));
		json_object_put(o);
		o = NULL;
	} else if ((size_t)json_tokener_get_parse_end(tok) != len) {
		herr_set(e, HERR_PROTO, "trailing bytes after the JSON object");
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		herr_set(e, HERR_PROTO, "a request must be a JSON object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static int
method_ok(const char *m)
{
	size_t i;

	if (m[0] == '\0')
		return 0;
	for (i = 0; m[i] != '\0'; i++)
		if (!((m[i] >= 'a' && m[i] <= 'z') || m[i] == '.' ||
		    m[i] == '_' || (m[i] >= '0' && m[i] <= '9')))
			return 0;
	return 1;
}

int
proto_parse_request(const char *line, size_t len, struct proto_req *req,
    struct herr *e)
{
	json_object *o, *v;
	const char *m;
	int have_method = 0;

	memset(req, 0, sizeof(*req));
	if ((o = parse_object(line, len, PROTO_MAX_LINE, e)) == NULL)
		return -1;
	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "id") == 0) {
			if (!json_object_is_type(val, json_type_int)) {
				herr_set(e, HERR_PROTO, "\"id\" must be an integer");
				goto fail;
			}
			req->id = json_object_get_int64(val);
		} else if (strcmp(key, "method") == 0) {
			if (!json_object_is_type(val, json_type_string) ||
			    json_object_get_string_len(val) > PROTO_MAX_METHOD) {
				herr_set(e, HERR_PROTO, "\"method\" must be a "
				    "string of at most %d bytes", PROTO_MAX_METHOD);
				goto fail;
			}
			m = json_object_get_string(val);
			if ((size_t)json_object_get_string_len(val) != strlen(m) ||
			    !method_ok(m)) {
				herr_set(e, HERR_PROTO, "bad method name");
				goto fail;
			}
			memcpy(req->method, m, strlen(m) + 1);
			have_method = 1;
		} else if (strcmp(key, "params") == 0) {
			if (!json_object_is_type(val, json_type_object)) {
				herr_set(e, HERR_PROTO, "\"params\" must be an "
				    "object");
				goto fail;
			}
		} else {
			herr_set(e, HERR_PROTO, "unknown field in request");
			goto fail;
		}
	}
	if (!have_method) {
		herr_set(e, HERR_PROTO, "request has no \"method\"");
		goto fail;
	}
	if (json_object_object_get_ex(o, "params", &v))
		req->params = json_object_get(v);
	else
		req->params = json_object_new_object();
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	return -1;
}

void
proto_req_release(struct proto_req *req)
{
	json_object_put(req->params);
	req->params = NULL;
}

static const struct proto_param *
schema_find(const struct proto_param *schema, const char *name)
{
	for (; schema->name != NULL; schema++)
		if (strcmp(schema->name, name) == 0)
			return schema;
	return NULL;
}

static int
check_one(const struct proto_param *p, json_object *v, struct herr *e)
{
	const char *s;
	size_t len, i;
	int64_t n;

	switch (p->type) {
	case PT_STR:
	case PT_TEXT:
		if (!json_object_is_type(v, json_type_string))
			return herr_set(e, HERR_USAGE, "parameter %s must be a "
			    "string", p->name);
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (len > p->max)
			return herr_set(e, HERR_USAGE, "parameter %s is too long "
			    "(%zu bytes, limit %zu)", p->name, len, p->max);
		for (i = 0; i < len; i++)
			if (((unsigned char)s[i] < 0x20 || s[i] == 0x7f) &&
			    !(p->type == PT_TEXT && (s[i] == '\n' || s[i] == '\t')))
				return herr_set(e, HERR_USAGE, "parameter %s "
				    "contains a control character", p->name);
		break;
	case PT_INT:
		if (!json_object_is_type(v, json_type_int))
			return herr_set(e, HERR_USAGE, "parameter %s must be an "
			    "integer", p->name);
		n = json_object_get_int64(v);
		if (n < 0 || (uint64_t)n > p->max)
			return herr_set(e, HERR_USAGE, "parameter %s out of range "
			    "(0..%zu)", p->name, p->max);
		break;
	case PT_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return herr_set(e, HERR_USAGE, "parameter %s must be true "
			    "or false", p->name);
		break;
	}
	return 0;
}

int
proto_check_params(const struct proto_param *schema, json_object *params,
    struct herr *e)
{
	const struct proto_param *p;

	json_object_object_foreach(params, key, val) {
		if ((p = schema_find(schema, key)) == NULL)
			return herr_set(e, HERR_USAGE, "unknown parameter");
		if (check_one(p, val, e) == -1)
			return -1;
	}
	for (p = schema; p->name != NULL; p++)
		if (p->required && !json_object_object_get_ex(params, p->name,
		    NULL))
			return herr_set(e, HERR_USAGE, "missing parameter %s",
			    p->name);
	return 0;
}

const char *
proto_str(json_object *params, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(params, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t
proto_int(json_object *params, const char *name, int64_t def)
{
	json_object *v;

	if (!json_object_object_get_ex(params, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

int
proto_bool(json_object *params, const char *name, int def)
{
	json_object *v;

	if (!json_object_object_get_ex(params, name, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return def;
	return json_object_get_boolean(v);
}

const char *
proto_get_str(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

int64_t
proto_get_int(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	return json_object_get_int64(v);
}

/* Serializes o (consumed) as one line ending in '\n'. */
static char *
to_line(json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *line = xmalloc(len + 2);

	memcpy(line, s, len);
	line[len] = '\n';
	line[len + 1] = '\0';
	json_object_put(o);
	return line;
}

char *
proto_request(int64_t id, const char *method, json_object *params)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "params", params ? json_object_get(params) :
	    json_object_new_object());
	return to_line(o);
}

char *
proto_reply_ok(int64_t id, json_object *result)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "result", result);
	return to_line(o);
}

char *
proto_reply_raw(int64_t id, const char *json, size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "{\"id\":%lld,\"ok\":true,"
	    "\"result\":", (long long)id);
	char *line = xmalloc((size_t)n + len + 3);

	memcpy(line, head, (size_t)n);
	memcpy(line + n, json, len);
	memcpy(line + n + len, "}\n", 3);
	return line;
}

char *
proto_reply_err(int64_t id, const struct herr *e)
{
	json_object *o = json_object_new_object(), *err;

	err = json_object_new_object();
	json_object_object_add(err, "code",
	    json_object_new_string(herr_name(e->code)));
	json_object_object_add(err, "message", json_object_new_string(e->msg));
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", err);
	return to_line(o);
}

int
proto_parse_reply(const char *line, size_t len, int64_t *id,
    json_object **result, struct herr *e)
{
	json_object *o, *v, *err, *code, *msg;
	int r = -1;

	*result = NULL;
	if ((o = parse_object(line, len, PROTO_MAX_REPLY, e)) == NULL)
		return -1;
	*id = json_object_object_get_ex(o, "id", &v) ?
	    json_object_get_int64(v) : 0;
	if (!json_object_object_get_ex(o, "ok", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		herr_set(e, HERR_PROTO, "reply has no \"ok\"");
	} else if (json_object_get_boolean(v)) {
		if (json_object_object_get_ex(o, "result", &v))
			*result = json_object_get(v);
		r = 0;
	} else if (json_object_object_get_ex(o, "error", &err) &&
	    json_object_object_get_ex(err, "code", &code) &&
	    json_object_object_get_ex(err, "message", &msg)) {
		herr_set(e, herr_from_name(json_object_get_string(code)), "%s",
		    json_object_get_string(msg));
	} else
		herr_set(e, HERR_PROTO, "malformed error reply");
	json_object_put(o);
	return r;
}
