/* Unit tests for store/store.c: migrations, constraints, capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/str.h"
#include "store/store.h"
#include "store/store_priv.h"

static char dir[] = "/tmp/hangar-test-store.XXXXXX";

static char *
dbpath(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	return p;
}

static void
test_fresh_and_reopen(void **state)
{
	struct store *st;
	struct plan_rec *plans;
	struct herr e;
	size_t n;
	char *p = dbpath("fresh.db");

	(void)state;
	st = store_open(p, &e);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_int_equal(store_plan_list(st, &plans, &n, &e), 0);
	assert_true(n >= 3);
	assert_true(plans[0].ram_mib <= plans[n - 1].ram_mib);
	free(plans);
	store_close(st);
	/* reopening an up-to-date store changes nothing */
	st = store_open(p, &e);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	store_close(st);
}

static void
test_newer_schema_refused(void **state)
{
	char *p = dbpath("newer.db");
	struct herr e;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(p, &e));
	assert_int_equal(e.code, HERR_STATE);
	assert_non_null(strstr(e.msg, "newer"));
}

static void
test_partial_migration_rolls_back(void **state)
{
	char *p = dbpath("conflict.db");
	struct herr e;
	sqlite3 *db;
	int v = -1;
	sqlite3_stmt *s;

	(void)state;
	/* a table in the way makes migration 1 fail half way */
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE hosts (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(p, &e));
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	assert_int_equal(v, 0);
	/* and the plans table of the failed migration is not there */
	assert_int_not_equal(sqlite3_exec(db, "SELECT * FROM plans", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static struct store *
fleet(const char *name)
{
	struct store *st = store_open(dbpath(name), NULL);
	struct host_rec h;
	struct customer_rec c;

	assert_non_null(st);
	memset(&h, 0, sizeof(h));
	str_copy(h.name, "hdd1", sizeof(h.name));
	str_copy(h.uri, "test:///x.xml", sizeof(h.uri));
	str_copy(h.disk_kind, "hdd", sizeof(h.disk_kind));
	h.cpus = 2;
	h.ram_mib = 4096;
	h.disk_mib = 100 * 1024;
	assert_int_equal(store_host_add(st, &h, NULL), 0);
	memset(&c, 0, sizeof(c));
	str_copy(c.name, "alice", sizeof(c.name));
	c.uid = 1001;
	assert_int_equal(store_customer_add(st, &c, NULL), 0);
	return st;
}

static int
reserve(struct store *st, const char *name, const char *plan, struct herr *e)
{
	struct guest_rec g;
	static int n;

	memset(&g, 0, sizeof(g));
	str_copy(g.name, name, sizeof(g.name));
	snprintf(g.uuid, sizeof(g.uuid), "00000000-0000-4000-8000-%012d", ++n);
	str_copy(g.kind, "kvm", sizeof(g.kind));
	str_copy(g.customer, "alice", sizeof(g.customer));
	str_copy(g.plan, plan, sizeof(g.plan));
	str_copy(g.host, "hdd1", sizeof(g.host));
	return store_guest_reserve(st, &g, 4, e);
}

static void
test_capacity_and_duplicates(void **state)
{
	struct store *st = fleet("capacity.db");
	struct host_rec h;
	struct customer_rec c;
	struct guest_rec g, *gs;
	struct herr e;
	size_t n;

	(void)state;
	assert_int_equal(reserve(st, "web1", "medium", &e), 0);
	assert_int_equal(reserve(st, "web1", "micro", &e), -1);
	assert_int_equal(e.code, HERR_EXISTS);
	/* 4 GiB host: medium (2G) + medium (2G) fits, then nothing */
	assert_int_equal(reserve(st, "web2", "medium", &e), 0);
	assert_int_equal(reserve(st, "web3", "micro", &e), -1);
	assert_int_equal(e.code, HERR_CAPACITY);
	assert_non_null(strstr(e.msg, "RAM"));
	assert_int_equal(store_host_get(st, "hdd1", &h, &e), 0);
	assert_int_equal(h.guests, 2);
	assert_int_equal(h.used_ram_mib, 4096);
	/* a failed reservation left nothing behind */
	assert_int_equal(store_guest_list(st, NULL, NULL, &gs, &n, &e), 0);
	assert_int_equal(n, 2);
	free(gs);
	/* unknown references */
	assert_int_equal(reserve(st, "web4", "nosuchplan", &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	/* a host in maintenance takes no new guests */
	assert_int_equal(store_guest_delete(st, 2, &e), 0);
	assert_int_equal(store_host_set_state(st, "hdd1", "maintenance", &e), 0);
	assert_int_equal(reserve(st, "web5", "micro", &e), -1);
	assert_int_equal(e.code, HERR_STATE);
	assert_int_equal(store_host_set_state(st, "nohost", "active", &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	/* customer scoping: same answer for unknown and other's */
	assert_int_equal(store_guest_get(st, "web1", "alice", &g, &e), 0);
	assert_int_equal(store_guest_get(st, "web1", "bob", &g, &e), -1);
	assert_string_equal(e.msg, "no such VPS");
	assert_int_equal(store_customer_by_uid(st, 1001, &c, &e), 0);
	assert_string_equal(c.name, "alice");
	/* uid mapped twice is refused */
	memset(&c, 0, sizeof(c));
	str_copy(c.name, "mallory", sizeof(c.name));
	c.uid = 1001;
	assert_int_equal(store_customer_add(st, &c, &e), -1);
	assert_int_equal(e.code, HERR_EXISTS);
	/* state changes are only written when they change */
	assert_int_equal(store_guest_set_state(st, 1, "running", 100, &e), 1);
	assert_int_equal(store_guest_set_state(st, 1, "running", 200, &e), 0);
	assert_int_equal(store_guest_get(st, "web1", NULL, &g, &e), 0);
	assert_int_equal(g.state_since, 100);
	store_close(st);
}

static void
test_foreign_keys(void **state)
{
	struct store *st = fleet("fk.db");
	sqlite3 *db;
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/fk.db", dir);
	assert_int_equal(reserve(st, "web1", "micro", NULL), 0);
	store_close(st);
	/* the store turns foreign keys on: a customer with guests stays */
	st = store_open(p, NULL);
	assert_non_null(st);
	store_close(st);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM customers", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Schema 10: cycles by kind, steps' bytes, guests pinned to offline moves. */
static void
test_consolidation(void **state)
{
	struct store *st = fleet("cons.db");
	struct cycle_rec c;
	struct step_rec sr, *steps;
	char (*off)[STORE_NAME_MAX];
	struct herr e;
	int64_t id, p1, c1;
	size_t n;

	(void)state;
	assert_int_equal(store_cycle_newest(st, "consolidate", &id, &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no consolidation"));
	assert_int_equal(store_cycle_add(st, "patch", "XSA-1", 0, 60, "{}",
	    &p1, &e), 0);
	assert_int_equal(store_cycle_add(st, "consolidate", "", 0, 60, "{}",
	    &c1, &e), 0);
	assert_int_equal(store_cycle_add(st, "reboot", "", 0, 60, "{}", &id,
	    &e), -1);	/* not a kind */
	assert_int_equal(store_cycle_newest(st, "patch", &id, &e), 0);
	assert_int_equal(id, p1);
	assert_int_equal(store_cycle_newest(st, "consolidate", &id, &e), 0);
	assert_int_equal(id, c1);
	assert_int_equal(store_cycle_info(st, c1, &c, &e), 0);
	assert_string_equal(c.kind, "consolidate");
	/* a step's bytes are kept and updated */
	memset(&sr, 0, sizeof(sr));
	sr.cycle_id = c1;
	str_copy(sr.kind, "move", sizeof(sr.kind));
	str_copy(sr.state, "todo", sizeof(sr.state));
	sr.pause_ms = -1;
	str_copy(c.run_state, "running", sizeof(c.run_state));
	assert_int_equal(store_steps_add(st, &c, &sr, 1, &e), 0);
	sr.bytes = 5368709120LL;
	assert_int_equal(store_step_update(st, &sr, &e), 0);
	assert_int_equal(store_steps_list(st, c1, &steps, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_true(steps[0].bytes == 5368709120LL);
	free(steps);
	/* pinned guests: live by default */
	assert_int_equal(reserve(st, "web1", "micro", &e), 0);
	assert_int_equal(reserve(st, "db1", "micro", &e), 0);
	assert_int_equal(store_guest_live(st, "web1", &e), 1);
	assert_int_equal(store_guest_set_live(st, "db1", 0, &e), 0);
	assert_int_equal(store_guest_live(st, "db1", &e), 0);
	assert_int_equal(store_guest_set_live(st, "nosuch", 0, &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	assert_int_equal(store_guest_live(st, "nosuch", &e), -1);
	assert_int_equal(store_guest_offline_list(st, &off, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(off[0], "db1");
	free(off);
	store_close(st);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Kept statements: reused, unbound, never shared by two uses at once. */
static void
test_statement_cache(void **state)
{
	struct store *st = store_open(dbpath("stmt.db"), NULL);
	sqlite3_stmt *a, *b, *c;
	char sql[64];

	(void)state;
	assert_non_null(st);
	assert_non_null(a = store_stmt(st, "SELECT ?1"));
	sqlite3_bind_int(a, 1, 1);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	/* the same SQL while a is in use (stepped, not given back) */
	assert_non_null(b = store_stmt(st, "SELECT ?1"));
	assert_ptr_not_equal(a, b);
	sqlite3_bind_int(b, 1, 2);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 1);
	assert_int_equal(sqlite3_column_int(b, 0), 2);
	store_stmt_done(st, b);		/* finalized: not the kept one */
	store_stmt_done(st, a);
	assert_false(sqlite3_stmt_busy(a));	/* reset: no read left open */
	/* given back: the same statement again, with no binding left */
	assert_ptr_equal(store_stmt(st, "SELECT ?1"), a);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(a, 0), SQLITE_NULL);
	store_stmt_done(st, a);
	/* more texts than slots: evicted ones are finalized, all still work */
	for (int i = 0; i < 1000; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_non_null(c = store_stmt(st, sql));
		assert_int_equal(sqlite3_step(c), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(c, 0), i);
		store_stmt_done(st, c);
	}
	/* a bad statement is NULL, and the error is the connection's */
	assert_null(store_stmt(st, "SELEC nonsense"));
	assert_non_null(strstr(sqlite3_errmsg(store_sqlite(st)), "syntax"));
	/* held at close: store_close finalizes every kept one (ASan) */
	assert_non_null(store_stmt(st, "SELECT 42"));
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_and_reopen),
		cmocka_unit_test(test_statement_cache),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_partial_migration_rolls_back),
		cmocka_unit_test(test_capacity_and_duplicates),
		cmocka_unit_test(test_foreign_keys),
		cmocka_unit_test(test_consolidation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
