/*
 * posts: a post's picture (its timeline, as JSON; schema 10), added with
 * the post in one transaction, and read back for publishing.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "store/store.h"
#include "store/store_priv.h"

static int
fail(struct store *st, struct herr *e, const char *what)
{
	return herr_set(e, HERR_INTERNAL, "%s: store: %s", what,
	    sqlite3_errmsg(store_sqlite(st)));
}

int
store_post_add_timeline(struct store *st, struct post_rec *p,
    const char *timeline, struct herr *e)
{
	sqlite3_stmt *s = NULL;

	if (store_begin(st, e) == -1)
		return -1;
	if (store_post_add(st, p, e) == -1)
		goto fail;
	if (timeline != NULL) {
		if (sqlite3_prepare_v2(store_sqlite(st), "UPDATE posts SET "
		    "timeline = ? WHERE id = ?", -1, &s, NULL) != SQLITE_OK) {
			fail(st, e, "post timeline");
			goto fail;
		}
		sqlite3_bind_text(s, 1, timeline, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, p->id);
		if (sqlite3_step(s) != SQLITE_DONE) {
			fail(st, e, "post timeline");
			goto fail;
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	if (store_commit(st, e) == -1)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(s);
	store_rollback(st);
	return -1;
}

int
store_post_timelines(struct store *st, struct post_timeline **out,
    size_t *n, struct herr *e)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(store_sqlite(st), "SELECT id, timeline FROM "
	    "posts WHERE timeline IS NOT NULL ORDER BY id", -1, &s,
	    NULL) != SQLITE_OK)
		return fail(st, e, "post timelines");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		(*out)[*n].post = sqlite3_column_int64(s, 0);
		(*out)[*n].json = xstrdup((const char *)sqlite3_column_text(s,
		    1));
		(*n)++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_post_timelines_free(*out, *n);
		*out = NULL;
		*n = 0;
		return fail(st, e, "post timelines");
	}
	return 0;
}

void
store_post_timelines_free(struct post_timeline *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(t[i].json);
	free(t);
}
