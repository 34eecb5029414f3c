/*
 * A customer's notice settings (email, time zone), changed by an
 * operator with `hangar customer set`.
 */
#include <sqlite3.h>
#include <string.h>

#include "store/store.h"
#include "store/store_priv.h"

int
store_customer_set(struct store *st, const char *name, const char *email,
    const char *tz, struct herr *e)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE customers SET "
	    "email = coalesce(?1, email), tz = coalesce(?2, tz) "
	    "WHERE name = ?3", -1, &s, NULL) != SQLITE_OK)
		return herr_set(e, HERR_INTERNAL, "store: %s",
		    sqlite3_errmsg(db));
	if (email != NULL)
		sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	if (tz != NULL)
		sqlite3_bind_text(s, 2, tz, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return herr_set(e, HERR_INTERNAL, "store: customer %s: %s",
		    name, sqlite3_errmsg(db));
	if (sqlite3_changes(db) == 0)
		return herr_set(e, HERR_NOTFOUND, "no such customer: %s", name);
	return 0;
}
