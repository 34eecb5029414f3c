/*
 * hangar-ingest: the forced command of hangar-health's reports on the
 * control node.  See hangar-ingest(8).
 *
 * sshd runs it for a host's key as
 *	restrict,command="/usr/sbin/hangar-ingest -S SOCKET --host NAME"
 * (the line hangard writes for `hangar host key set`).  It is a thin
 * client of hangard's socket, like hangar-console: it reads report lines
 * on standard input, hands each to hangard (ingest.report), and answers
 * each with one line, "ok SEQ" or "error SEQ reason".  hangard decides
 * who may report (SO_PEERCRED: the ingest account), parses the line and
 * refuses a report about any host but NAME.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/report.h"
#include "lib/str.h"
#include "rpc/client.h"
#include "rpc/proto.h"

#define DEFAULT_SOCKET	"/var/lib/hangar/hangard.sock"

static void
usage(void)
{
	fprintf(stderr, "usage: hangar-ingest [-S socket] --host NAME\n");
	exit(2);
}

/* The report's seq as text for the answer, or "-" if it has none. */
static void
seq_of(const char *line, size_t len, char *buf, size_t size)
{
	json_tokener *tok = json_tokener_new_ex(8);
	json_object *o = NULL, *v;

	str_copy(buf, "-", size);
	if (tok == NULL)
		return;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o != NULL && json_object_object_get_ex(o, "seq", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0)
		snprintf(buf, size, "%lld", (long long)json_object_get_int64(v));
	json_object_put(o);
	json_tokener_free(tok);
}

/* The reason, on one line and printable. */
static void
answer_error(const char *seq, const char *why)
{
	char clean[600];

	str_sanitize(clean, sizeof(clean), why);
	printf("error %s %s\n", seq, clean);
	fflush(stdout);
}

/* Bytes the line takes once put in a request as a JSON string. */
static size_t
encoded_len(const char *s, size_t len)
{
	size_t i, n = len;

	for (i = 0; i < len; i++)
		n += s[i] == '"' || s[i] == '\\';
	return n;
}

/* Reads one line into *buf (grown); 0, 1 at EOF, 2 if too long. */
static int
read_line(char **buf, size_t *cap, size_t *len)
{
	int c, over = 0;
	size_t n = 0;

	while ((c = getchar()) != EOF && c != '\n') {
		if (n >= REPORT_MAX_LINE) {
			over = 1;
			continue;
		}
		if (n + 1 >= *cap) {
			*cap = *cap ? *cap * 2 : 4096;
			if ((*buf = realloc(*buf, *cap)) == NULL) {
				perror("hangar-ingest");
				exit(1);
			}
		}
		(*buf)[n++] = (char)c;
	}
	if (c == EOF && n == 0 && !over)
		return 1;
	if (*buf == NULL && (*buf = malloc(*cap = 1)) == NULL)
		exit(1);
	if (n > 0 && (*buf)[n - 1] == '\r')
		n--;
	(*buf)[n] = '\0';
	*len = n;
	return over ? 2 : 0;
}

int
main(int argc, char **argv)
{
	const char *sock = DEFAULT_SOCKET, *host = NULL;
	struct rpc_client *rc;
	json_object *params, *res;
	struct herr e;
	char *line = NULL, seq[32];
	size_t cap = 0, len;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-S") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
			host = argv[++i];
		else
			usage();
	}
	if (host == NULL || !str_is_name(host))
		usage();
	herr_clear(&e);
	if ((rc = rpc_connect(sock, &e)) == NULL) {
		fprintf(stderr, "hangar-ingest: %s\n", e.msg);
		return herr_exit_status(e.code);
	}
	if (strcmp(rpc_role(rc), "ingest") != 0) {
		fprintf(stderr, "hangar-ingest: hangard does not take reports "
		    "from this user (it must be ingest_user in hangard.conf)\n");
		rpc_close(rc);
		return herr_exit_status(HERR_PERM);
	}
	while ((r = read_line(&line, &cap, &len)) != 1) {
		if (r == 2) {
			answer_error("-", "line too long (a report is at most "
			    "65536 bytes)");
			continue;
		}
		if (len == 0)
			continue;
		seq_of(line, len, seq, sizeof(seq));
		if (encoded_len(line, len) + 256 > PROTO_MAX_LINE) {
			answer_error(seq, "report too long once encoded for "
			    "hangard (keep it under about 60 KiB)");
			continue;
		}
		params = json_object_new_object();
		json_object_object_add(params, "host",
		    json_object_new_string(host));
		json_object_object_add(params, "report",
		    json_object_new_string_len(line, (int)len));
		res = NULL;
		herr_clear(&e);
		if (rpc_call(rc, "ingest.report", params, &res, &e) == -1) {
			answer_error(seq, e.msg);
			if (e.code == HERR_UNREACHABLE || e.code == HERR_PROTO)
				break;	/* hangard went away: the rest waits */
			continue;
		}
		if (json_object_object_get_ex(res, "seq", NULL))
			snprintf(seq, sizeof(seq), "%lld",
			    (long long)proto_get_int(res, "seq"));
		json_object_put(res);
		printf("ok %s\n", seq);
		if (fflush(stdout) == EOF)
			break;
	}
	free(line);
	rpc_close(rc);
	if (ferror(stdout)) {
		perror("hangar-ingest: stdout");
		return 1;
	}
	return r == 1 ? 0 : herr_exit_status(e.code);
}
