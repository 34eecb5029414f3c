/*
 * xsa: reads the Xen Project's xsa.json (see xsa.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "maint/xsa.h"

/* "2017-05-02 12:00" (UTC; seconds optional) into a time, 0 if not. */
static int64_t
parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL)
		return 0;
	if (*end == ':' && (end = strptime(end, ":%S", &tm)) == NULL)
		return 0;
	return *end == '\0' ? (int64_t)timegm(&tm) : 0;
}

/* The CVE list, joined by commas; entries that are not CVE ids dropped. */
static void
join_cves(json_object *arr, char *buf, size_t size)
{
	const char *c;
	size_t i, k;

	buf[0] = '\0';
	if (!json_object_is_type(arr, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(arr); i++) {
		c = json_object_get_string(json_object_array_get_idx(arr, i));
		if (c == NULL || strncmp(c, "CVE-", 4) != 0 || strlen(c) > 24)
			continue;
		for (k = 4; c[k] != '\0'; k++)
			if (!isdigit((unsigned char)c[k]) && c[k] != '-')
				break;
		if (c[k] != '\0' ||
		    strlen(buf) + strlen(c) + 2 > size)
			continue;
		if (buf[0] != '\0')
			strcat(buf, ",");
		strcat(buf, c);
	}
}

/* One advisory object into e; 0 if it has a usable number. */
static int
entry(json_object *o, struct xsa_entry *x)
{
	json_object *v;
	long long num;
	char *end;
	const char *s;

	memset(x, 0, sizeof(*x));
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "xsa", &v))
		return -1;
	if (json_object_is_type(v, json_type_int))
		num = json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		num = strtoll(s, &end, 10);
		if (end == s || *end != '\0')
			return -1;
	} else
		return -1;
	if (num <= 0 || num > 999999)
		return -1;
	snprintf(x->id, sizeof(x->id), "XSA-%lld", num);
	if (json_object_object_get_ex(o, "title", &v) &&
	    (s = json_object_get_string(v)) != NULL)
		str_sanitize(x->title, sizeof(x->title), s);
	if (x->title[0] == '\0')
		snprintf(x->title, sizeof(x->title), "%s", x->id);
	if (json_object_object_get_ex(o, "public_time", &v) &&
	    (s = json_object_get_string(v)) != NULL)
		x->public_time = parse_time(s);
	if (json_object_object_get_ex(o, "cve", &v))
		join_cves(v, x->cves, sizeof(x->cves));
	return 0;
}

int
xsa_parse(const char *text, size_t len, struct xsa_entry **out, size_t *n,
    struct herr *e)
{
	struct json_tokener *tok;
	json_object *root, *list;
	enum json_tokener_error err;
	size_t i, k, cap = 0;

	*out = NULL;
	*n = 0;
	if (len > XSA_FILE_MAX)
		return herr_set(e, HERR_USAGE, "xsa.json: over %d MiB",
		    XSA_FILE_MAX >> 20);
	tok = json_tokener_new_ex(64);
	root = json_tokener_parse_ex(tok, text, (int)len);
	err = json_tokener_get_error(tok);
	if (root != NULL && err == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len)
		for (k = json_tokener_get_parse_end(tok); k < len; k++)
			if (!isspace((unsigned char)text[k])) {
				err = json_tokener_error_parse_unexpected;
				break;
			}
	if (root == NULL || err != json_tokener_success) {
		herr_set(e, HERR_USAGE, "xsa.json: not JSON (%s at byte %zu)",
		    json_tokener_error_desc(err),
		    (size_t)json_tokener_get_parse_end(tok));
		json_tokener_free(tok);
		json_object_put(root);
		return -1;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		return herr_set(e, HERR_USAGE, "xsa.json: expected a list of "
		    "objects with \"xsas\"");
	}
	for (i = 0; i < json_object_array_length(root); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(root,
		    i), "xsas", &list) ||
		    !json_object_is_type(list, json_type_array)) {
			json_object_put(root);
			free(*out);
			*out = NULL;
			*n = 0;
			return herr_set(e, HERR_USAGE, "xsa.json: element %zu has "
			    "no \"xsas\" list", i);
		}
		for (k = 0; k < json_object_array_length(list); k++) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				*out = xreallocarray(*out, cap, sizeof(**out));
			}
			if (entry(json_object_array_get_idx(list, k),
			    &(*out)[*n]) == 0)
				(*n)++;
		}
	}
	json_object_put(root);
	return 0;
}

const struct xsa_entry *
xsa_find(const struct xsa_entry *v, size_t n, const char *id)
{
	char want[32];
	size_t i;

	if (strncasecmp(id, "XSA-", 4) == 0)
		id += 4;
	snprintf(want, sizeof(want), "XSA-%s", id);
	for (i = 0; i < n; i++)
		if (strcasecmp(v[i].id, want) == 0)
			return &v[i];
	return NULL;
}
