/*
 * libFuzzer target for notify/feed: posts built from the input are
 * rendered as Atom and HTML; the output must be valid UTF-8 without
 * control characters (other than newline) and without a script element,
 * whatever the titles, authors and bodies hold.
 *
 * Input: up to 8 records separated by 0x1e; in a record, fields separated
 * by 0x1f: kind digit, id, title, author, body, parent, downtime "a,l,s".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "notify/feed.h"

#define MAXP	8
#define NF	7

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *out)
{
	char *c;

	if (out == NULL)
		return;
	c = feed_clean(out, 1);
	if (strcmp(c, out) != 0)	/* cleaning must be a no-op */
		abort();
	free(c);
	if (strstr(out, "<script") != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct feed_meta meta = { .title = "t",
	    .base_url = "https://status.example.net/", .author = "ops",
	    .now = 1 };
	struct post p[MAXP];
	char *buf, *rec, *recs, *f[NF], *atom = NULL, *html = NULL;
	struct herr e;
	size_t n = 0, i;

	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(p, 0, sizeof(p));
	recs = buf;
	while (n < MAXP && (rec = strsep(&recs, "\x1e")) != NULL) {
		for (i = 0; i < NF; i++)
			f[i] = rec ? strsep(&rec, "\x1f") : NULL;
		p[n].kind = f[0] ? (enum post_kind)((unsigned char)f[0][0] % 8) : 0;
		p[n].id = f[1];
		p[n].title = f[2];
		p[n].author = f[3];
		p[n].body = f[4];
		p[n].parent = f[5] && f[5][0] ? f[5] : NULL;
		if (f[6] != NULL && sscanf(f[6], "%u,%u,%u",
		    &p[n].downtime.average, &p[n].downtime.longest,
		    &p[n].downtime.shortest) == 3)
			p[n].downtime.present = 1;
		p[n].published = 1000000 + (time_t)n * 3600;
		p[n].updated = (time_t)(n % 3) * 1800000;
		n++;
	}
	if (feed_atom(p, n, &meta, &atom, &e) == 0)
		check(atom);
	if (feed_html(p, n, &meta, &html, &e) == 0)
		check(html);
	free(atom);
	free(html);
	free(buf);
	return 0;
}
