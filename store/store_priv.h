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

#endif
