/*
 * feed_gen DIR: writes a sample status feed (feed.atom, index.html) into
 * DIR with feed_write, for the Python and Chromium checks.  The posts are
 * a maintenance cycle in the style of a provider's news page plus posts
 * whose texts try to break out of their context.  Prints one line per
 * post: "id kind parent-or-dash".
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/herr.h"
#include "notify/feed.h"

static const struct post posts[] = {
	{ .id = "2017-05-xsa-cycle", .kind = POST_MAINT_COMPLETED,
	  .title = "Maintenance for XSA-213, XSA-214 and XSA-215 completed",
	  .author = "Operations", .published = 1493683200,
	  .updated = 1493690400,
	  .body = "From Thursday through Monday we patched every host "
	      "server against three Xen advisories.\n\n"
	      "Guests on hosts with spare capacity were live-migrated and "
	      "paused for under a second; the others were rebooted.\n\n"
	      "Our average host downtime was 35 minutes.",
	  .downtime = { 1, 35, 67, 15 } },
	{ .id = "2017-05-xsa-progress", .kind = POST_MAINT_IN_PROGRESS,
	  .title = "Maintenance in progress: batch 3 of 5",
	  .published = 1493600000,
	  .body = "Hosts h11 to h15 are being patched now." },
	{ .id = "2017-04-xsa-scheduled", .kind = POST_MAINT_SCHEDULED,
	  .title = "Scheduled maintenance April 27 - May 1",
	  .published = 1493000000,
	  .body = "Every customer has been emailed the window of each "
	      "VPS.\nTimes are in UTC." },
	{ .id = "inc-7", .kind = POST_INCIDENT,
	  .title = "Host h7 unreachable", .published = 1493400000,
	  .body = "Host h7 stopped answering at 02:10 UTC." },
	{ .id = "inc-7-u1", .kind = POST_INCIDENT_UPDATE,
	  .title = "RAID controller replaced", .published = 1493403600,
	  .parent = "inc-7", .body = "The array is rebuilding." },
	{ .id = "inc-7-u2", .kind = POST_INCIDENT_UPDATE,
	  .title = "Resolved", .published = 1493407200, .parent = "inc-7",
	  .body = "All guests on h7 are running again." },
	{ .id = "obsd-installer", .kind = POST_ANNOUNCEMENT,
	  .title = "OpenBSD installer now pre-downloaded",
	  .published = 1492000000,
	  .body = "Pick it from the management console's install menu." },
	{ .id = "nasty", .kind = POST_ANNOUNCEMENT,
	  .title = "</title><script>alert(1)</script><img src=x "
	      "onerror=alert(2)> & \"Zo\xc3\xab\" \xe2\x80\x94 \xe6\x9d\xb1"
	      "\x1b[31m\x01\xff",
	  .author = "<b>eve</b> & 'co'", .published = 1491000000,
	  .body = "]]> <!-- --> <![CDATA[ x ]]> &amp; &#0; \x07\x7f\xc2\x85"
	      "\n\n<style>body{display:none}</style>" },
};

int
main(int argc, char *argv[])
{
	const struct feed_meta meta = {
		.title = "Example VPS status",
		.base_url = "https://status.example.net/",
		.author = "Example operations",
		.now = 1493690400,
	};
	size_t i, n = sizeof(posts) / sizeof(posts[0]);
	struct herr e;

	if (argc != 2) {
		fprintf(stderr, "usage: feed_gen DIR\n");
		return 2;
	}
	if (feed_write(argv[1], posts, n, &meta, &e) == -1) {
		fprintf(stderr, "feed_gen: %s\n", e.msg);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%s %s %s\n", posts[i].id, post_kind_name(posts[i].kind),
		    posts[i].parent ? posts[i].parent : "-");
	return fflush(stdout) == 0 ? 0 : 1;
}
