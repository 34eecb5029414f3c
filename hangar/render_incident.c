/*
 * render_incident: incident list, show and report as tables.  Every
 * string from hangard goes through the table (sanitized) or str_sanitize.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangar/hangar.h"
#include "lib/str.h"

static const char *
gs(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

static int64_t
gi(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);
}

static int
has(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && v != NULL;
}

static void
span(char *buf, size_t size, int64_t ms)
{
	int64_t s = (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, size, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lld min %02lld s", (long long)s / 60,
		    (long long)s % 60);
	else
		snprintf(buf, size, "%lld h %02lld min", (long long)s / 3600,
		    (long long)s % 3600 / 60);
}

static void
print_line(const char *label, const char *v)
{
	char buf[1024];

	str_sanitize(buf, sizeof(buf), v);
	printf("%-12s %s\n", label, buf);
}

void
render_incidents(json_object *arr)
{
	struct table t = { .ncols = 7 };
	const char *hdr[] = { "ID", "STATE", "CAUSE", "OPENED", "VPSES", "DOWN",
	    "TITLE" };
	char id[24], n[24], down[24];
	size_t i;

	render_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *row[7];

		snprintf(id, sizeof(id), "%lld", (long long)gi(o, "id"));
		snprintf(n, sizeof(n), "%lld", (long long)gi(o, "vpses"));
		snprintf(down, sizeof(down), "%lld", (long long)gi(o, "down"));
		row[0] = id;
		row[1] = gs(o, "state");
		row[2] = gs(o, "cause");
		row[3] = gs(o, "opened");
		row[4] = n;
		row[5] = down;
		row[6] = gs(o, "title");
		render_row(&t, row);
	}
	render_table(&t);
}

static void
render_hosts_of(json_object *o)
{
	struct table t = { .ncols = 5 };
	const char *hdr[] = { "HOST", "CAUSE", "LOST", "BACK", "DOWN" };
	json_object *arr;
	char d[40];
	size_t i;

	if (!json_object_object_get_ex(o, "host_list", &arr) ||
	    json_object_array_length(arr) == 0)
		return;
	printf("\n");
	render_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *h = json_object_array_get_idx(arr, i);
		const char *row[5];

		if (strcmp(gs(h, "cause"), "host-unreachable") == 0)
			span(d, sizeof(d), gi(h, "down_s") * 1000);
		else
			str_copy(d, "-", sizeof(d));
		row[0] = gs(h, "host");
		row[1] = gs(h, "cause");
		row[2] = gs(h, "lost");
		row[3] = has(h, "back") ? gs(h, "back") : "not yet";
		row[4] = d;
		render_row(&t, row);
	}
	render_table(&t);
}

static void
render_guests_of(json_object *o)
{
	struct table t = { .ncols = 7 };
	const char *hdr[] = { "VPS", "OWNER", "HOST", "DOWN", "UP", "DOWNTIME",
	    "RECOVERY" };
	json_object *arr;
	char d[40], rec[300];
	size_t i;

	if (!json_object_object_get_ex(o, "guests", &arr) ||
	    json_object_array_length(arr) == 0)
		return;
	printf("\n");
	render_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *g = json_object_array_get_idx(arr, i);
		const char *row[7];

		if (has(g, "downtime_ms"))
			span(d, sizeof(d), gi(g, "downtime_ms"));
		else
			str_copy(d, "still down", sizeof(d));
		snprintf(rec, sizeof(rec), "%s%s%s", gs(g, "recovery"),
		    gs(g, "note")[0] != '\0' ? ": " : "", gs(g, "note"));
		row[0] = gs(g, "guest");
		row[1] = gs(g, "owner");
		row[2] = gs(g, "host");
		row[3] = gs(g, "down");
		row[4] = has(g, "up") ? gs(g, "up") : "-";
		row[5] = d;
		row[6] = rec;
		render_row(&t, row);
	}
	render_table(&t);
}

void
render_incident(json_object *o)
{
	json_object *arr, *x;
	char buf[1200], line[64];
	size_t i, told = 0;

	snprintf(line, sizeof(line), "%lld", (long long)gi(o, "id"));
	print_line("incident", line);
	print_line("title", gs(o, "title"));
	print_line("cause", gs(o, "cause"));
	print_line("state", gs(o, "state"));
	print_line("opened", gs(o, "opened"));
	if (has(o, "resolved"))
		print_line("resolved", gs(o, "resolved"));
	print_line("announced", json_object_get_boolean(
	    json_object_object_get(o, "announced")) ? "yes" : "no (recorded "
	    "only: nothing was down)");
	print_line("posted", has(o, "posted") ? gs(o, "posted") : "not yet");
	snprintf(buf, sizeof(buf), "%lld VPSes of %lld customers, %lld down "
	    "now", (long long)gi(o, "vpses"), (long long)gi(o, "customers"),
	    (long long)gi(o, "down"));
	print_line("affected", buf);
	if (json_object_object_get_ex(o, "not_started", &arr) &&
	    json_object_array_length(arr) > 0) {
		buf[0] = '\0';
		for (i = 0; i < json_object_array_length(arr); i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    "%s%s", i ? ", " : "", json_object_get_string(
			    json_object_array_get_idx(arr, i)));
		print_line("not started", buf);
	}
	render_hosts_of(o);
	render_guests_of(o);
	if (json_object_object_get_ex(o, "notices", &arr)) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			x = json_object_array_get_idx(arr, i);
			if (strcmp(gs(x, "state"), "spooled") == 0) {
				told++;
				continue;
			}
			if (i == told)
				printf("\n");
			snprintf(buf, sizeof(buf), "%s mail to %s: %s%s%s",
			    gs(x, "kind"), gs(x, "customer"), gs(x, "state"),
			    gs(x, "detail")[0] ? ": " : "", gs(x, "detail"));
			print_line("notice", buf);
		}
		if (json_object_array_length(arr) > 0) {
			snprintf(buf, sizeof(buf), "%zu sent to the outbox, %zu "
			    "not (above)", told,
			    json_object_array_length(arr) - told);
			print_line("mails", buf);
		}
	}
	if (json_object_object_get_ex(o, "timeline", &arr)) {
		printf("\n");
		for (i = 0; i < json_object_array_length(arr); i++) {
			x = json_object_array_get_idx(arr, i);
			snprintf(buf, sizeof(buf), "%s  %s", gs(x, "at"),
			    gs(x, "text"));
			print_line(gs(x, "kind"), buf);
		}
	}
}

void
render_incident_report(json_object *o)
{
	char a[40], b[40], c[40], m[40];

	printf("Incident %lld: %s (%s, %s)\n", (long long)gi(o, "id"),
	    gs(o, "title"), gs(o, "cause"), gs(o, "state"));
	printf("Opened %s%s%s\n", gs(o, "opened"), has(o, "resolved") ?
	    ", resolved " : "", gs(o, "resolved"));
	if (has(o, "host_longest_s")) {
		span(a, sizeof(a), gi(o, "host_longest_s") * 1000);
		printf("Longest host outage: %s\n", a);
	}
	if (has(o, "guest_avg_ms")) {
		span(a, sizeof(a), gi(o, "guest_avg_ms"));
		span(b, sizeof(b), gi(o, "guest_longest_ms"));
		span(c, sizeof(c), gi(o, "guest_shortest_ms"));
		span(m, sizeof(m), gi(o, "guest_median_ms"));
		printf("VPS downtime: average %s, median %s, longest %s, "
		    "shortest %s (%lld VPSes)\n", a, m, b, c,
		    (long long)gi(o, "guests_measured"));
	}
	if (has(o, "post"))
		printf("Posted as %lld\n", (long long)gi(o, "post"));
	render_hosts_of(o);
	render_guests_of(o);
}
