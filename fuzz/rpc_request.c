/* libFuzzer target: hangard's request parser and parameter checker. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rpc/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct proto_param schema[] = {
	{ "name", PT_STR, 63, 1 },
	{ "uri", PT_STR, 511, 0 },
	{ "force_after", PT_INT, 3600, 0 },
	{ "json", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_req req;
	struct herr e;
	char *line;

	if (proto_parse_request((const char *)data, size, &req, &e) == 0) {
		if (proto_check_params(schema, req.params, &e) == 0)
			(void)proto_str(req.params, "name");
		line = proto_reply_ok(req.id, json_object_get(req.params));
		free(line);
		proto_req_release(&req);
	} else {
		line = proto_reply_err(req.id, &e);
		free(line);
	}
	return 0;
}
