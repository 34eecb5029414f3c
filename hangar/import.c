/*
 * advisory import: advisories from the Xen Project's xsa.json (id,
 * title, public time, CVEs), read here (the file is far larger than a
 * request line) and added one by one with the operator's version range
 * and action, which xsa.json does not carry.  Every named advisory must
 * be in the file before anything is added.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangar/hangar.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "maint/xsa.h"
#include "rpc/client.h"

#define IMPORT_MAX	64	/* advisories in one import */

/* The whole file; *len gets its size.  NULL with a message printed. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "hangar: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(XSA_FILE_MAX + 1);
	n = fread(buf, 1, XSA_FILE_MAX + 1, f);
	if (f != stdin)
		fclose(f);
	if (n > XSA_FILE_MAX) {
		fprintf(stderr, "hangar: %s: over %d MiB\n", path,
		    XSA_FILE_MAX >> 20);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int
advisory_import(struct cli *cli, json_object *params)
{
	const struct xsa_entry *pick[IMPORT_MAX];
	const char *path = json_object_get_string(json_object_object_get(
	    params, "file"));
	const char *action = json_object_get_string(json_object_object_get(
	    params, "action"));
	struct xsa_entry *v = NULL;
	struct rpc_client *rc;
	json_object *p, *res;
	struct herr e;
	char *text, *only, *tok, *save;
	size_t len, n, np = 0, i;
	int r = 0;

	if ((text = slurp(path, &len)) == NULL)
		return 2;
	herr_clear(&e);
	r = xsa_parse(text, len, &v, &n, &e);
	free(text);
	if (r == -1) {
		fprintf(stderr, "hangar: %s: %s\n", path, e.msg);
		return 2;
	}
	only = xstrdup(json_object_get_string(json_object_object_get(params,
	    "only")));
	for (tok = strtok_r(only, ", ", &save); tok != NULL && r == 0;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (np == IMPORT_MAX) {
			fprintf(stderr, "hangar: at most %d advisories at once\n",
			    IMPORT_MAX);
			r = 2;
		} else if ((pick[np++] = xsa_find(v, n, tok)) == NULL) {
			fprintf(stderr, "hangar: %s is not in %s\n", tok, path);
			r = 3;
		}
	}
	free(only);
	if (r != 0 || np == 0) {
		free(v);
		if (np == 0)
			fprintf(stderr, "hangar: --only names no advisory\n");
		return r != 0 ? r : 2;
	}
	if ((rc = cli_connect(cli, &e)) == NULL) {
		fprintf(stderr, "hangar: %s\n", e.msg);
		free(v);
		return herr_exit_status(e.code);
	}
	for (i = 0; i < np && r == 0; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "id",
		    json_object_new_string(pick[i]->id));
		json_object_object_add(p, "title",
		    json_object_new_string(pick[i]->title));
		json_object_object_add(p, "affects", json_object_new_string(
		    json_object_get_string(json_object_object_get(params,
		    "affects"))));
		if (action != NULL)
			json_object_object_add(p, "action",
			    json_object_new_string(action));
		json_object_object_add(p, "cves",
		    json_object_new_string(pick[i]->cves));
		json_object_object_add(p, "public_time",
		    json_object_new_int64(pick[i]->public_time));
		res = NULL;
		herr_clear(&e);
		if (rpc_call(rc, "advisory.add", p, &res, &e) == -1) {
			fprintf(stderr, "hangar: %s: %s%s\n", pick[i]->id, e.msg,
			    i > 0 ? " (the ones before it were added)" : "");
			r = herr_exit_status(e.code);
		} else if (cli->json)
			render_json(res);
		else
			printf("%s imported: %s\n", pick[i]->id, pick[i]->title);
		json_object_put(res);
	}
	rpc_close(rc);
	free(v);
	return r;
}
