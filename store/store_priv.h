/*
 * For the store's own files beside store.c (new queries go in files of
 * their own): the connection of a struct store.  Nothing outside store/
 * includes this.
 */
#ifndef HANGAR_STORE_PRIV_H
#define HANGAR_STORE_PRIV_H

#include <sqlite3.h>

#include "store/store.h"

sqlite3	*store_sqlite(struct store *st);
/*
 * A prepared statement for sql, kept for the next use of the same text;
 * NULL when it does not prepare (the error is the connection's).  Give
 * it back with store_stmt_done, never sqlite3_finalize: it resets and
 * unbinds a kept one and finalizes any other.
 */
sqlite3_stmt	*store_stmt(struct store *st, const char *sql);
void		 store_stmt_done(struct store *st, sqlite3_stmt *s);

#endif
