/*
 * The store's queries for roll-forward maintenance (hangard/rollplan.c):
 * a planned cycle's plan replaced when a customer's choice makes the
 * planner run again, every choice of a cycle as the planner's input, and
 * a notice to send again when the new plan changed what it said.
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

/* Runs s (bound) to its end and finalizes it. */
static int
exec_one(struct store *st, sqlite3_stmt *s, const char *what, struct herr *e)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, e, what);
}

int
store_cycle_set_plan(struct store *st, int64_t id, const char *plan,
    struct herr *e)
{
	sqlite3_stmt *s;

	/* only while nothing of it has run: a journal follows its plan */
	if (sqlite3_prepare_v2(store_sqlite(st), "UPDATE maint_cycles SET "
	    "plan = ? WHERE id = ? AND run_state = 'planned'", -1, &s,
	    NULL) != SQLITE_OK)
		return db_fail(st, e, "maintenance cycle");
	sqlite3_bind_text(s, 1, plan, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	if (exec_one(st, s, "maintenance cycle", e) == -1)
		return -1;
	if (sqlite3_changes(store_sqlite(st)) == 0)
		return herr_set(e, HERR_STATE, "maintenance cycle %lld has "
		    "started: its plan cannot change", (long long)id);
	return 0;
}

int
store_notice_forget(struct store *st, int64_t cycle, const char *customer,
    struct herr *e)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(store_sqlite(st), "DELETE FROM maint_notices "
	    "WHERE cycle_id = ? AND customer = ?", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, e, "notice");
	sqlite3_bind_int64(s, 1, cycle);
	sqlite3_bind_text(s, 2, customer, -1, SQLITE_STATIC);
	return exec_one(st, s, "notice", e);
}

int
store_choice_list(struct store *st, int64_t cycle, struct choice_rec **out,
    size_t *n, struct herr *e)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(store_sqlite(st), "SELECT guest, action, win, "
	    "target FROM maint_choices WHERE cycle_id = ? ORDER BY guest", -1,
	    &s, NULL) != SQLITE_OK)
		return db_fail(st, e, "maintenance choices");
	sqlite3_bind_int64(s, 1, cycle);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct choice_rec *c;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		c = &(*out)[(*n)++];
		memset(c, 0, sizeof(*c));
		str_copy(c->guest, (const char *)sqlite3_column_text(s, 0),
		    sizeof(c->guest));
		str_copy(c->action, (const char *)sqlite3_column_text(s, 1),
		    sizeof(c->action));
		c->win = sqlite3_column_int(s, 2);
		str_copy(c->target, (const char *)sqlite3_column_text(s, 3),
		    sizeof(c->target));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return db_fail(st, e, "maintenance choices");
	}
	return 0;
}
