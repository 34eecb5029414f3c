#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangar/hangar.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

static void
table_row(struct table *t, const char **vals)
{
	int i;

	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = xreallocarray(t->cells, t->cap * (size_t)t->ncols,
		    sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++) {
		char buf[256];
		str_sanitize(buf, sizeof(buf), vals[i] ? vals[i] : "");
		t->cells[t->rows * (size_t)t->ncols + (size_t)i] = xstrdup(buf);
	}
	t->rows++;
}

/* Display width: count UTF-8 lead bytes. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
table_print(struct table *t)
{
	size_t w[MAXCOLS] = { 0 }, r, x;
	int i;

	for (r = 0; r < t->rows; r++)
		for (i = 0; i < t->ncols; i++) {
			x = width(t->cells[r * (size_t)t->ncols + (size_t)i]);
			if (x > w[i])
				w[i] = x;
		}
	for (r = 0; r < t->rows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * (size_t)t->ncols + (size_t)i];
			if (i == t->ncols - 1)
				printf("%s\n", c);
			else
				printf("%s%*s", c, (int)(w[i] - width(c) + 2), "");
			free((void *)c);
		}
	}
	free(t->cells);
}

static const char *
gs(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return "";
	return json_object_get_string(v);
}

static int64_t
gi(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	return json_object_get_int64(v);
}

static const char *
mib(char *buf, size_t size, int64_t v)
{
	return str_fmt_mib(buf, size, v < 0 ? 0 : (uint64_t)v);
}

void
render_hosts(json_object *arr)
{
	struct table t = { .ncols = 9 };
	const char *hdr[] = { "NAME", "DISK", "STATE", "GUESTS", "VCPUS",
	    "RAM USED/TOTAL", "RAM FREE", "DISK USED/TOTAL", "HYPERVISOR" };
	char a[32], b[32], ram[80], rfree[32], disk[80], cpu[40], g[16], hv[80];
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *h = json_object_array_get_idx(arr, i);
		const char *row[9];
		snprintf(ram, sizeof(ram), "%s/%s", mib(a, sizeof(a),
		    gi(h, "used_ram_mib")), mib(b, sizeof(b), gi(h, "ram_mib")));
		mib(rfree, sizeof(rfree), gi(h, "free_ram_mib"));
		snprintf(disk, sizeof(disk), "%s/%s", mib(a, sizeof(a),
		    gi(h, "used_disk_mib")), mib(b, sizeof(b),
		    gi(h, "disk_mib")));
		snprintf(cpu, sizeof(cpu), "%lld/%lld",
		    (long long)gi(h, "used_vcpus"), (long long)gi(h, "cpus"));
		snprintf(g, sizeof(g), "%lld", (long long)gi(h, "guests"));
		snprintf(hv, sizeof(hv), "%s %s", gs(h, "hv_type"),
		    gs(h, "hv_version"));
		row[0] = gs(h, "name");
		row[1] = gs(h, "disk_kind");
		row[2] = gs(h, "state");
		row[3] = g;
		row[4] = cpu;
		row[5] = ram;
		row[6] = rfree;
		row[7] = disk;
		row[8] = hv;
		table_row(&t, row);
	}
	table_print(&t);
}

/*
 * render_guests takes either form of guest.list: a list of objects, or
 * compact rows ([[field names], [values], ...]) that a table asks for.
 */
static const char *guest_keys[] = { "name", "owner", "plan", "host", "kind",
	"vcpus", "ram_mib", "state", "uptime_s" };
#define NGUEST_KEYS	(sizeof(guest_keys) / sizeof(guest_keys[0]))

/* Where each key is in the rows, from the names row; -1 if absent. */
static void
row_index(json_object *names, int idx[NGUEST_KEYS])
{
	size_t i, k;

	for (k = 0; k < NGUEST_KEYS; k++) {
		idx[k] = -1;
		for (i = 0; i < json_object_array_length(names); i++)
			if (strcmp(json_object_get_string(
			    json_object_array_get_idx(names, i)),
			    guest_keys[k]) == 0)
				idx[k] = (int)i;
	}
}

/* Field k of guest g, in either form. */
static json_object *
guest_field(json_object *g, const int *idx, size_t k)
{
	json_object *v = NULL;

	if (idx == NULL)
		json_object_object_get_ex(g, guest_keys[k], &v);
	else if (idx[k] >= 0)
		v = json_object_array_get_idx(g, (size_t)idx[k]);
	return v;
}

void
render_guests(json_object *arr)
{
	struct table t = { .ncols = 9 };
	const char *hdr[] = { "NAME", "OWNER", "PLAN", "HOST", "KIND", "VCPUS",
	    "RAM", "STATE", "UPTIME" };
	char ram[32], up[32];
	const char *row[9];
	json_object *first, *g, *v;
	int idx[NGUEST_KEYS], *ip = NULL;
	size_t i = 0, k;

	table_row(&t, hdr);
	first = json_object_array_get_idx(arr, 0);
	if (first != NULL && json_object_is_type(first, json_type_array)) {
		row_index(first, idx);	/* compact rows */
		ip = idx;
		i = 1;
	}
	for (; i < json_object_array_length(arr); i++) {
		g = json_object_array_get_idx(arr, i);
		for (k = 0; k < 6; k++) {	/* name .. vcpus, as text */
			v = guest_field(g, ip, k);
			row[k] = v ? json_object_get_string(v) : "";
		}
		v = guest_field(g, ip, 6);
		row[6] = mib(ram, sizeof(ram), v ? json_object_get_int64(v) : 0);
		v = guest_field(g, ip, 7);
		row[7] = v ? json_object_get_string(v) : "";
		v = guest_field(g, ip, 8);
		row[8] = strcmp(row[7], "running") == 0 ? str_fmt_uptime(up,
		    sizeof(up), v ? json_object_get_int64(v) : 0) : "-";
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_customers(json_object *arr)
{
	struct table t = { .ncols = 5 };
	const char *hdr[] = { "NAME", "UID", "EMAIL", "TZ", "VPSES" };
	char uid[24], n[16];
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *c = json_object_array_get_idx(arr, i);
		const char *row[5];
		if (gi(c, "uid") < 0)
			snprintf(uid, sizeof(uid), "-");
		else
			snprintf(uid, sizeof(uid), "%lld",
			    (long long)gi(c, "uid"));
		snprintf(n, sizeof(n), "%lld", (long long)gi(c, "guests"));
		row[0] = gs(c, "name");
		row[1] = uid;
		row[2] = gs(c, "email");
		row[3] = gs(c, "tz");
		row[4] = n;
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_plans(json_object *arr)
{
	struct table t = { .ncols = 4 };
	const char *hdr[] = { "PLAN", "RAM", "VCPUS", "DISK" };
	char ram[32], disk[32], cpu[16];
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);
		const char *row[4];
		snprintf(cpu, sizeof(cpu), "%lld", (long long)gi(p, "vcpus"));
		row[0] = gs(p, "name");
		row[1] = mib(ram, sizeof(ram), gi(p, "ram_mib"));
		row[2] = cpu;
		row[3] = mib(disk, sizeof(disk), gi(p, "disk_mib"));
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_keys(json_object *arr)
{
	struct table t = { .ncols = 3 };
	const char *hdr[] = { "TYPE", "FINGERPRINT", "COMMENT" };
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *k = json_object_array_get_idx(arr, i);
		const char *row[3] = { gs(k, "type"), gs(k, "fingerprint"),
		    gs(k, "comment") };
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_images(json_object *arr)
{
	struct table t = { .ncols = 5 };
	const char *hdr[] = { "IMAGE", "OS", "VERSION", "BOOT", "SERIAL" };
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		const char *row[5] = { gs(m, "name"), gs(m, "os"),
		    gs(m, "version"), gs(m, "boot"), gs(m, "serial") };
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_advisories(json_object *arr)
{
	struct table t = { .ncols = 4 };
	const char *hdr[] = { "ADVISORY", "ACTION", "AFFECTS", "TITLE" };
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *a = json_object_array_get_idx(arr, i);
		const char *row[4] = { gs(a, "id"), gs(a, "action"),
		    gs(a, "affects"), gs(a, "title") };
		table_row(&t, row);
	}
	table_print(&t);
}

/* "2 h 05 min", "3 min 20 s", "12.5 s": a wall clock that reads well */
static void
fmt_clock(char *buf, size_t size, int64_t ms)
{
	if (ms >= 3600000)
		snprintf(buf, size, "%lld h %02lld min", (long long)ms / 3600000,
		    (long long)ms / 60000 % 60);
	else if (ms >= 60000)
		snprintf(buf, size, "%lld min %02lld s", (long long)ms / 60000,
		    (long long)ms / 1000 % 60);
	else
		snprintf(buf, size, "%.1f s", (double)ms / 1000);
}

/*
 * A plan's cost against the floor: its estimate, the all-reboot cycle's
 * and the floor (every host sends its guests once over its own link,
 * overlapped with reboots), and what would shorten it.
 */
static void
render_cost(json_object *o)
{
	json_object *s, *notes;
	char est[40], all[40], fl[40], msg[600];
	size_t i;

	if (!json_object_object_get_ex(o, "summary", &s))
		return;
	if (strcmp(gs(s, "mode"), "forward") == 0)
		printf("Rolling forward: %lld hosts in %lld batches, %lld "
		    "migrations (%lld VPSes move twice), %lld VPSes end on "
		    "another host, %lld reboot\n", (long long)gi(s, "hosts"),
		    (long long)gi(s, "batches"), (long long)gi(s, "migrations"),
		    (long long)gi(s, "moved_twice"),
		    (long long)gi(s, "ended_away"),
		    (long long)gi(s, "rebooted"));
	else
		printf("Rolling back: %lld hosts in %lld batches, %lld "
		    "migrations (out and back), %lld VPSes reboot\n",
		    (long long)gi(s, "hosts"), (long long)gi(s, "batches"),
		    (long long)gi(s, "migrations"), (long long)gi(s, "rebooted"));
	fmt_clock(est, sizeof(est), gi(s, "total_s") * 1000);
	fmt_clock(all, sizeof(all), gi(s, "all_reboot_s") * 1000);
	fmt_clock(fl, sizeof(fl), gi(s, "floor_s") * 1000);
	printf("Estimated wall clock %s (%.2fx the floor); all-reboot cycle "
	    "%s; floor %s (with %lld s reboots, %lld migration%s at once per "
	    "host, %lld host%s at once)\n", est, gi(s, "floor_s") > 0 ?
	    (double)gi(s, "total_s") / (double)gi(s, "floor_s") : 0.0, all,
	    fl, (long long)gi(s, "reboot_s"), (long long)gi(s, "per_link"),
	    gi(s, "per_link") == 1 ? "" : "s", (long long)gi(s,
	    "max_parallel"), gi(s, "max_parallel") == 1 ? "" : "s");
	if (json_object_object_get_ex(s, "notes", &notes))
		for (i = 0; i < json_object_array_length(notes); i++) {
			str_sanitize(msg, sizeof(msg), json_object_get_string(
			    json_object_array_get_idx(notes, i)));
			printf("%s%s\n", i == 0 ? "To shorten it: " :
			    "               ", msg);
		}
	if (json_object_object_get_ex(s, "warnings", &notes))
		for (i = 0; i < json_object_array_length(notes); i++) {
			str_sanitize(msg, sizeof(msg), json_object_get_string(
			    json_object_array_get_idx(notes, i)));
			printf("Warning: %s\n", msg);
		}
}

/* maint services: upcoming downtime of internal systems. */
void
render_services(json_object *arr)
{
	struct table t = { .ncols = 3 };
	const char *hdr[] = { "START", "END", "SERVICES" };
	size_t i;

	if (json_object_array_length(arr) == 0) {
		printf("No downtime of internal systems is scheduled.\n");
		return;
	}
	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *a = json_object_array_get_idx(arr, i);
		const char *row[3] = { gs(a, "start"), gs(a, "end"),
		    gs(a, "services") };
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_impact(json_object *o)
{
	struct table t = { .ncols = 5 };
	const char *hdr[] = { "HOST", "HYPERVISOR", "VERSION", "GUESTS",
	    "NEEDS" };
	json_object *hosts;
	char g[16], buf[256];
	size_t i;

	str_sanitize(buf, sizeof(buf), gs(o, "title"));
	printf("%s: %s\naffects %s; %lld host%s need%s %s\n\n", gs(o, "id"),
	    buf, gs(o, "affects"), (long long)gi(o, "affected_hosts"),
	    gi(o, "affected_hosts") == 1 ? "" : "s",
	    gi(o, "affected_hosts") == 1 ? "s" : "", gs(o, "action"));
	if (!json_object_object_get_ex(o, "hosts", &hosts))
		return;
	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(hosts); i++) {
		json_object *h = json_object_array_get_idx(hosts, i);
		const char *row[5];
		snprintf(g, sizeof(g), "%lld", (long long)gi(h, "guests"));
		row[0] = gs(h, "host");
		row[1] = gs(h, "hypervisor");
		row[2] = gs(h, "version");
		row[3] = g;
		row[4] = gs(h, "needs");
		table_row(&t, row);
	}
	table_print(&t);
}

void
render_posts(json_object *arr)
{
	struct table t = { .ncols = 4 };
	const char *hdr[] = { "POST", "PUBLISHED", "KIND", "TITLE" };
	char id[24];
	size_t i;

	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);
		const char *row[4];
		snprintf(id, sizeof(id), "%lld", (long long)gi(p, "id"));
		row[0] = id;
		row[1] = gs(p, "published");
		row[2] = gs(p, "kind");
		row[3] = gs(p, "title");
		table_row(&t, row);
	}
	table_print(&t);
}

static void
utc(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

void
render_maint(json_object *o)
{
	struct table t = { .ncols = 7 };
	const char *hdr[] = { "WINDOW", "GUEST", "OWNER", "HOST", "ACTION",
	    "DOWNTIME", "TARGET" };
	json_object *ws, *gsl, *w, *hs, *rt;
	char a[40], b[40], win[24], dt[32], hosts[512];
	size_t i, k;

	if (strcmp(gs(o, "kind"), "consolidate") == 0)
		printf("Consolidation %lld: %s\n", (long long)gi(o, "cycle"),
		    gs(o, "title"));
	else
		printf("Maintenance cycle %lld for %s\n", (long long)gi(o,
		    "cycle"), gs(o, "advisories"));
	if (json_object_object_get_ex(o, "retire", &rt))
		printf("Retiring %s: its guests move to %s hosts; %lld hosts "
		    "freed\n", gs(rt, "selectors"), gs(rt, "to")[0] ?
		    gs(rt, "to") : "other", (long long)gi(rt, "hosts_freed"));
	render_cost(o);
	if (!json_object_object_get_ex(o, "windows", &ws) ||
	    !json_object_object_get_ex(o, "guests", &gsl))
		return;
	for (i = 0; i < json_object_array_length(ws); i++) {
		w = json_object_array_get_idx(ws, i);
		utc(a, sizeof(a), gi(w, "start"));
		utc(b, sizeof(b), gi(w, "end"));
		hosts[0] = '\0';
		if (json_object_object_get_ex(w, "hosts", &hs))
			for (k = 0; k < json_object_array_length(hs); k++) {
				if (k > 0)
					strncat(hosts, " ", sizeof(hosts) -
					    strlen(hosts) - 1);
				strncat(hosts, json_object_get_string(
				    json_object_array_get_idx(hs, k)),
				    sizeof(hosts) - strlen(hosts) - 1);
			}
		printf("  window %zu: %s - %s: %s%s (about %lld min)\n", i + 1,
		    a, b, strcmp(gs(w, "kind"), "retire") == 0 ? "retire " : "",
		    hosts, (long long)(gi(w, "estimate_s") + 59) / 60);
	}
	printf("\n");
	table_row(&t, hdr);
	for (i = 0; i < json_object_array_length(gsl); i++) {
		json_object *g = json_object_array_get_idx(gsl, i);
		const char *row[7];
		snprintf(win, sizeof(win), "%lld", (long long)gi(g, "window"));
		snprintf(dt, sizeof(dt), "%llds", (long long)gi(g, "downtime_s"));
		row[0] = win;
		row[1] = gs(g, "guest");
		row[2] = gs(g, "owner");
		row[3] = gs(g, "host");
		row[4] = gs(g, "action");
		if (gi(g, "moves") > 1) {
			/* it moves on: make room for the roll to start */
			snprintf(hosts, sizeof(hosts), "%s (%lld moves)",
			    gs(g, "action"), (long long)gi(g, "moves"));
			row[4] = hosts;
		}
		row[5] = dt;
		row[6] = gs(g, "target")[0] ? gs(g, "target") : "-";
		table_row(&t, row);
	}
	table_print(&t);
}

static void
fmt_ms(char *buf, size_t size, json_object *o, const char *k)
{
	json_object *v;
	int64_t ms;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	ms = json_object_get_int64(v);
	if (ms < 10000)
		snprintf(buf, size, "%lld ms", (long long)ms);
	else
		snprintf(buf, size, "%lld min %02lld s", (long long)ms / 60000,
		    (long long)ms / 1000 % 60);
}

/* maint run / maint report: progress, downtime per host and per guest. */
void
render_maint_report(json_object *o)
{
	struct table t = { .ncols = 5 };
	const char *hdr[] = { "GUEST", "OWNER", "HOST", "ACTION", "DOWNTIME" };
	const char *hh[] = { "HOST", "WINDOW", "DOWNTIME" };
	json_object *arr, *v, *x;
	char a[40], b[40], buf[512], hb[512];
	const char *row[5];
	size_t i;

	if (!json_object_object_get_ex(o, "steps_total", NULL)) {
		render_object(o);	/* maint run without --wait */
		return;
	}
	if (strcmp(gs(o, "kind"), "consolidate") == 0)
		printf("Consolidation %lld: %s, %lld of %lld steps done",
		    (long long)gi(o, "cycle"), gs(o, "state"),
		    (long long)gi(o, "steps_done"),
		    (long long)gi(o, "steps_total"));
	else
		printf("Maintenance cycle %lld for %s: %s, %lld of %lld steps "
		    "done", (long long)gi(o, "cycle"), gs(o, "advisories"),
		    gs(o, "state"), (long long)gi(o, "steps_done"),
		    (long long)gi(o, "steps_total"));
	if (gi(o, "steps_failed") > 0)
		printf(", %lld failed", (long long)gi(o, "steps_failed"));
	printf("\n");
	if (json_object_object_get_ex(o, "error", &v)) {
		str_sanitize(buf, sizeof(buf), json_object_get_string(v));
		printf("Stopped: %s\n", buf);
	}
	if (json_object_object_get_ex(o, "steps", &arr))
		for (i = 0; i < json_object_array_length(arr); i++) {
			x = json_object_array_get_idx(arr, i);
			if (strcmp(gs(x, "state"), "waiting") == 0)
				printf("Waiting: %s is ready to be patched "
				    "(hangar maint host-done %s)\n",
				    gs(x, "host"), gs(x, "host"));
		}
	if (json_object_object_get_ex(o, "host_avg_ms", &v)) {
		char c[40];
		fmt_ms(a, sizeof(a), o, "host_avg_ms");
		fmt_ms(b, sizeof(b), o, "host_longest_ms");
		fmt_ms(c, sizeof(c), o, "host_shortest_ms");
		printf("Host downtime: average %s, longest %s, shortest %s\n",
		    a, b, c);
	} else if (json_object_object_get_ex(o, "host_avg_s", &v)) {
		snprintf(a, sizeof(a), "%lld", (long long)(gi(o,
		    "host_avg_s") + 30) / 60);
		snprintf(b, sizeof(b), "%lld", (long long)(gi(o,
		    "host_longest_s") + 30) / 60);
		printf("Host downtime: average %s min, longest %s min, shortest "
		    "%lld min\n", a, b,
		    (long long)(gi(o, "host_shortest_s") + 30) / 60);
	}
	if (json_object_object_get_ex(o, "moves_total", NULL)) {
		printf("Moves: %lld of %lld done", (long long)gi(o,
		    "moves_done"), (long long)gi(o, "moves_total"));
		if (json_object_object_get_ex(o, "move_median_ms", NULL)) {
			fmt_ms(a, sizeof(a), o, "move_median_ms");
			fmt_ms(b, sizeof(b), o, "move_max_ms");
			printf(", live pauses: median %s, longest %s", a, b);
		}
		if (json_object_object_get_ex(o, "offline_max_ms", NULL)) {
			fmt_ms(a, sizeof(a), o, "offline_max_ms");
			printf(", offline: longest %s", a);
		}
		printf("\nCopied: %.1f MiB\n", (double)gi(o, "bytes_copied") /
		    1048576.0);
		buf[0] = '\0';
		if (!json_object_object_get_ex(o, "hosts_freed", &arr))
			arr = NULL;
		for (i = 0; arr != NULL && i < json_object_array_length(arr);
		    i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    " %s", json_object_get_string(
			    json_object_array_get_idx(arr, i)));
		printf("Hosts freed: %lld of %lld:", (long long)(arr != NULL ?
		    json_object_array_length(arr) : 0),
		    (long long)gi(o, "hosts_retiring"));
		str_sanitize(hb, sizeof(hb), buf);
		printf("%s\n", buf[0] ? hb : " none");
	}
	if (json_object_object_get_ex(o, "guest_median_ms", NULL)) {
		fmt_ms(a, sizeof(a), o, "guest_median_ms");
		fmt_ms(b, sizeof(b), o, "guest_max_ms");
		printf("VPS downtime: median %s, longest %s\n", a, b);
	}
	if (json_object_object_get_ex(o, "moved_once", NULL))
		printf("VPSes moved once: %lld, more than once: %lld, rebooted: "
		    "%lld; %lld live on another host now\n",
		    (long long)gi(o, "moved_once"),
		    (long long)gi(o, "moved_twice"),
		    (long long)gi(o, "rebooted"), (long long)gi(o,
		    "ended_away"));
	if (json_object_object_get_ex(o, "wall_ms", NULL)) {
		char c[40], f[40];

		fmt_clock(a, sizeof(a), gi(o, "wall_ms"));
		printf("Wall clock: %s", a);
		if (json_object_object_get_ex(o, "estimate_s", NULL)) {
			fmt_clock(b, sizeof(b), gi(o, "estimate_s") * 1000);
			fmt_clock(c, sizeof(c), gi(o, "all_reboot_s") * 1000);
			fmt_clock(f, sizeof(f), gi(o, "floor_s") * 1000);
			printf(" (planned %s, rolling %s; all-reboot cycle %s; "
			    "floor %s)", b, gs(o, "roll"), c, f);
		}
		printf("\n");
	}
	if (json_object_object_get_ex(o, "hosts", &arr) &&
	    json_object_array_length(arr) > 0) {
		struct table th = { .ncols = 3 };
		printf("\n");
		table_row(&th, hh);
		for (i = 0; i < json_object_array_length(arr); i++) {
			x = json_object_array_get_idx(arr, i);
			snprintf(a, sizeof(a), "%lld", (long long)gi(x,
			    "window"));
			if (json_object_object_get_ex(x, "retired", &v)) {
				/* a host emptied and retired, not rebooted */
				snprintf(a, sizeof(a), "-");
				snprintf(b, sizeof(b), "%s",
				    json_object_get_boolean(v) ? "retired" :
				    "not retired yet");
			} else if (json_object_object_get_ex(x, "downtime_ms",
			    &v) && v != NULL)
				fmt_ms(b, sizeof(b), x, "downtime_ms");
			else if (json_object_object_get_ex(x, "downtime_s",
			    &v) && v != NULL)
				snprintf(b, sizeof(b), "%lld min %02lld s",
				    (long long)json_object_get_int64(v) / 60,
				    (long long)json_object_get_int64(v) % 60);
			else
				snprintf(b, sizeof(b), "-");
			row[0] = gs(x, "host");
			row[1] = a;
			row[2] = b;
			table_row(&th, row);
		}
		table_print(&th);
	}
	if (json_object_object_get_ex(o, "guests", &arr) &&
	    json_object_array_length(arr) > 0) {
		printf("\n");
		table_row(&t, hdr);
		for (i = 0; i < json_object_array_length(arr); i++) {
			x = json_object_array_get_idx(arr, i);
			fmt_ms(a, sizeof(a), x, "downtime_ms");
			if (json_object_object_get_ex(x, "measured", &v) &&
			    !json_object_get_boolean(v))
				strncat(a, " (not measured)", sizeof(a) -
				    strlen(a) - 1);
			row[0] = gs(x, "guest");
			row[1] = gs(x, "owner");
			row[2] = gs(x, "host");
			if (gs(x, "target")[0] != '\0') {
				snprintf(hb, sizeof(hb), "%s>%s", gs(x, "host"),
				    gs(x, "target"));
				row[2] = hb;
			} else if (gs(x, "ended_on")[0] != '\0' &&
			    strcmp(gs(x, "ended_on"), gs(x, "host")) != 0) {
				/* a roll forward: it lives there now */
				snprintf(hb, sizeof(hb), "%s>%s", gs(x, "host"),
				    gs(x, "ended_on"));
				row[2] = hb;
			}
			row[3] = gs(x, "action");
			if (gi(x, "pauses") > 1) {
				snprintf(buf, sizeof(buf), "%s (%lld pauses)",
				    gs(x, "action"), (long long)gi(x, "pauses"));
				row[3] = buf;
			}
			row[4] = a;
			table_row(&t, row);
		}
		table_print(&t);
	}
}

/* "key: value" lines; nested arrays of guests as a table. */
void
render_object(json_object *o)
{
	char buf[512];

	json_object_object_foreach(o, key, val) {
		if (json_object_is_type(val, json_type_array)) {
			printf("%s:\n", key);
			render_guests(val);
			continue;
		}
		/* nothing (an unmapped uid, no user) reads "-", as in tables */
		if (val == NULL || (strcmp(key, "uid") == 0 &&
		    json_object_get_int64(val) < 0))
			str_copy(buf, "-", sizeof(buf));
		else
			str_sanitize(buf, sizeof(buf),
			    json_object_get_string(val));
		if (buf[0] == '\0')
			str_copy(buf, "-", sizeof(buf));
		printf("%-14s %s\n", key, buf);
	}
}

void
render_log(json_object *o)
{
	json_object *v;
	const char *t;
	size_t n;

	if (!json_object_object_get_ex(o, "text", &v) ||
	    (t = json_object_get_string(v)) == NULL || (n = strlen(t)) == 0)
		return;
	fputs(t, stdout);
	if (t[n - 1] != '\n')
		putchar('\n');
}

void
render_row(struct table *t, const char **vals)
{
	table_row(t, vals);
}

void
render_table(struct table *t)
{
	table_print(t);
}

void
render_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}
