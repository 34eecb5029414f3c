/*
 * The store's queries for consolidation: cycles by kind, and guests an
 * operator pinned to offline moves (guests.live_migrate, schema 10).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "store/store.h"
#include "store/store_priv.h"

static int
db_fail(struct store *st, struct herr *e, const char *what)
{
	return herr_set(e, HERR_INTERNAL, "%s: store: %s", what,
	    sqlite3_errmsg(store_sqlite(st)));
}

static sqlite3_stmt *
prep(struct store *st, const char *sql)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql)) == NULL)
		return NULL;
	return s;
}

int
store_cycle_newest(struct store *st, const char *kind, int64_t *id,
    struct herr *e)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = prep(st, "SELECT id FROM maint_cycles WHERE "
	    "kind = ? ORDER BY id DESC LIMIT 1")) == NULL)
		return db_fail(st, e, "cycle");
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	store_stmt_done(st, s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_fail(st, e, "cycle");
	return herr_set(e, HERR_NOTFOUND, strcmp(kind, "consolidate") == 0 ?
	    "no consolidation planned yet" : "no maintenance cycle planned "
	    "yet");
}

int
store_guest_set_live(struct store *st, const char *name, int live,
    struct herr *e)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = prep(st, "UPDATE guests SET live_migrate = ? "
	    "WHERE name = ?")) == NULL)
		return db_fail(st, e, "guest");
	sqlite3_bind_int(s, 1, live != 0);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	store_stmt_done(st, s);
	if (rc != SQLITE_DONE)
		return db_fail(st, e, "guest");
	if (sqlite3_changes(store_sqlite(st)) == 0)
		return herr_set(e, HERR_NOTFOUND, "no such guest: %s", name);
	return 0;
}

int
store_guest_live(struct store *st, const char *name, struct herr *e)
{
	sqlite3_stmt *s;
	int rc, live = -1;

	if ((s = prep(st, "SELECT live_migrate FROM guests "
	    "WHERE name = ?")) == NULL)
		return db_fail(st, e, "guest");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		live = sqlite3_column_int(s, 0) != 0;
	store_stmt_done(st, s);
	if (rc == SQLITE_ROW)
		return live;
	if (rc != SQLITE_DONE)
		return db_fail(st, e, "guest");
	return herr_set(e, HERR_NOTFOUND, "no such guest: %s", name);
}

int
store_guest_offline_list(struct store *st, char (**out)[STORE_NAME_MAX],
    size_t *n, struct herr *e)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = prep(st, "SELECT name FROM guests WHERE "
	    "live_migrate = 0 ORDER BY name")) == NULL)
		return db_fail(st, e, "guests");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		str_copy((*out)[(*n)++], (const char *)sqlite3_column_text(s,
		    0), STORE_NAME_MAX);
	}
	store_stmt_done(st, s);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return db_fail(st, e, "guests");
	}
	return 0;
}
