#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "store/store.h"
#include "store/store_priv.h"

/*
 * Prepared statements are kept for the next use of the same SQL text:
 * parsing was half of hangard's time answering guest.show.  A slot
 * handed out (store_stmt) and not yet given back (store_stmt_done) is
 * in use; a second use of the same SQL meanwhile (a query run from
 * inside another's loop) gets a statement of its own, finalized when
 * given back.  4-way probing by a hash of the text; a full set evicts
 * a slot not in use.
 */
#define STMT_SLOTS	256
#define STMT_WAYS	4

struct stmt_slot {
	sqlite3_stmt	*s;
	int		 inuse;
};

struct store {
	sqlite3			*db;
	struct stmt_slot	 stmts[STMT_SLOTS];
};

/*
 * Forward migrations: migrations[i] takes the schema from version i to
 * i + 1.  Never edit a released entry; append a new one.
 */
static const char *migrations[] = {
	/* 0 -> 1: the foundation */
	"CREATE TABLE plans ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  ram_mib INTEGER NOT NULL CHECK (ram_mib > 0),"
	"  vcpus INTEGER NOT NULL CHECK (vcpus > 0),"
	"  disk_mib INTEGER NOT NULL CHECK (disk_mib >= 0));"
	"INSERT INTO plans (name, ram_mib, vcpus, disk_mib) VALUES"
	"  ('micro', 512, 1, 10240), ('small', 1024, 1, 20480),"
	"  ('medium', 2048, 2, 40960), ('large', 4096, 2, 81920),"
	"  ('xlarge', 8192, 4, 163840);"
	"CREATE TABLE customers ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  uid INTEGER UNIQUE,"
	"  email TEXT NOT NULL DEFAULT '',"
	"  tz TEXT NOT NULL DEFAULT 'UTC',"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE hosts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  uri TEXT NOT NULL UNIQUE,"
	"  cpus INTEGER NOT NULL CHECK (cpus > 0),"
	"  ram_mib INTEGER NOT NULL CHECK (ram_mib > 0),"
	"  disk_mib INTEGER NOT NULL CHECK (disk_mib >= 0),"
	"  disk_kind TEXT NOT NULL CHECK (disk_kind IN ('hdd', 'ssd')),"
	"  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN"
	"    ('active', 'maintenance', 'draining', 'retired')),"
	"  accel TEXT NOT NULL DEFAULT 'kvm' CHECK (accel IN ('kvm', 'tcg')),"
	"  hv_type TEXT NOT NULL DEFAULT '',"
	"  hv_version TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE guests ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  uuid TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('kvm', 'xen-pv', 'xen-hvm')),"
	"  status TEXT NOT NULL DEFAULT 'defining' CHECK (status IN"
	"    ('defining', 'defined', 'deleting')),"
	"  state TEXT NOT NULL DEFAULT 'unknown',"
	"  state_since INTEGER NOT NULL DEFAULT 0,"
	"  customer_id INTEGER NOT NULL REFERENCES customers (id),"
	"  plan_id INTEGER NOT NULL REFERENCES plans (id),"
	"  host_id INTEGER NOT NULL REFERENCES hosts (id),"
	"  kernel TEXT NOT NULL DEFAULT '',"
	"  initrd TEXT NOT NULL DEFAULT '',"
	"  cmdline TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX guests_host ON guests (host_id);"
	"CREATE INDEX guests_customer ON guests (customer_id);",
	/* 1 -> 2: customers' unix accounts and SSH keys (the console) */
	"ALTER TABLE customers ADD COLUMN unix_user TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE ssh_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL REFERENCES customers (id)"
	"    ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  fingerprint TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (customer_id, fingerprint));",
	/* 2 -> 3: guest disks and the installer catalog */
	"ALTER TABLE hosts ADD COLUMN pool TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE guests ADD COLUMN disk_path TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE images ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  os TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('iso', 'kernel')),"
	"  boot TEXT NOT NULL CHECK (boot IN ('cdrom', 'kernel')),"
	"  dir TEXT NOT NULL,"
	"  iso TEXT NOT NULL DEFAULT '',"
	"  kernel TEXT NOT NULL DEFAULT '',"
	"  initrd TEXT NOT NULL DEFAULT '',"
	"  sha256 TEXT NOT NULL DEFAULT '',"
	"  serial TEXT NOT NULL DEFAULT '',"
	"  verified TEXT NOT NULL DEFAULT '',"
	"  cmdline_hvm TEXT NOT NULL DEFAULT '',"
	"  cmdline_pv TEXT NOT NULL DEFAULT '',"
	"  rescue INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);",
	/* 3 -> 4: advisories and the status feed's posts */
	"CREATE TABLE advisories ("
	"  id TEXT PRIMARY KEY,"
	"  title TEXT NOT NULL,"
	"  affects TEXT NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('reboot', 'live-patch', 'none')),"
	"  cves TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE posts ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  author TEXT NOT NULL DEFAULT '',"
	"  body TEXT NOT NULL,"
	"  published INTEGER NOT NULL,"
	"  parent INTEGER REFERENCES posts (id),"
	"  avg_min INTEGER, longest_min INTEGER, shortest_min INTEGER);",
	/* 4 -> 5: maintenance cycles (the plan, as JSON) and their notices */
	"CREATE TABLE maint_cycles ("
	"  id INTEGER PRIMARY KEY,"
	"  advisories TEXT NOT NULL,"
	"  start INTEGER NOT NULL,"
	"  window_s INTEGER NOT NULL,"
	"  plan TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE maint_notices ("
	"  cycle_id INTEGER NOT NULL REFERENCES maint_cycles (id)"
	"    ON DELETE CASCADE,"
	"  customer TEXT NOT NULL,"
	"  spooled INTEGER NOT NULL,"
	"  PRIMARY KEY (cycle_id, customer));",
	/* 5 -> 6: running a cycle: its journal of steps, customers' choices */
	"ALTER TABLE maint_cycles ADD COLUMN run_state TEXT NOT NULL "
	"  DEFAULT 'planned';"
	"ALTER TABLE maint_cycles ADD COLUMN run_error TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE maint_cycles ADD COLUMN allow_fallback INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE maint_cycles ADD COLUMN step_budget INTEGER NOT NULL "
	"  DEFAULT -1;"
	"CREATE TABLE maint_steps ("
	"  cycle_id INTEGER NOT NULL REFERENCES maint_cycles (id)"
	"    ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  win INTEGER NOT NULL,"
	"  host TEXT NOT NULL,"
	"  guest TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL,"
	"  target TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT 'todo',"
	"  started_ms INTEGER NOT NULL DEFAULT 0,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  pause_ms INTEGER NOT NULL DEFAULT -1,"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (cycle_id, seq));"
	"CREATE TABLE maint_choices ("
	"  cycle_id INTEGER NOT NULL REFERENCES maint_cycles (id)"
	"    ON DELETE CASCADE,"
	"  guest TEXT NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('live-migrate', 'reboot')),"
	"  chosen INTEGER NOT NULL,"
	"  PRIMARY KEY (cycle_id, guest));",
	/* 6 -> 7: when an advisory was made public (xsa.json's public_time) */
	"ALTER TABLE advisories ADD COLUMN public_time INTEGER NOT NULL "
	"  DEFAULT 0;",
	/* 7 -> 8: a customer's VPS moved to another window (and host) */
	"ALTER TABLE maint_choices ADD COLUMN win INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE maint_choices ADD COLUMN target TEXT NOT NULL DEFAULT '';",
	/* 8 -> 9: scheduled downtime of internal systems (website, ...) */
	"CREATE TABLE service_windows ("
	"  id INTEGER PRIMARY KEY,"
	"  services TEXT NOT NULL,"
	"  start INTEGER NOT NULL,"
	"  end INTEGER NOT NULL,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);",
	/* 9 -> 10: a post's picture (notify/timeline_json.h), or NULL */
	"ALTER TABLE posts ADD COLUMN timeline TEXT;",
	/* 10 -> 11: consolidation: cycles that retire hosts, the bytes a
	 * step copied, guests that move only shut down */
	"ALTER TABLE maint_cycles ADD COLUMN kind TEXT NOT NULL DEFAULT "
	"  'patch' CHECK (kind IN ('patch', 'consolidate'));"
	"ALTER TABLE maint_steps ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE guests ADD COLUMN live_migrate INTEGER NOT NULL DEFAULT 1 "
	"  CHECK (live_migrate IN (0, 1));",
	/* 11 -> 12: unplanned outages (store/incident.c) and host reports */
	"ALTER TABLE guests ADD COLUMN restart_after_outage INTEGER NOT NULL "
	"  DEFAULT 1;"
	"CREATE TABLE incidents ("
	"  id INTEGER PRIMARY KEY,"
	"  cause TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', "
	"    'resolved')),"
	"  announce INTEGER NOT NULL DEFAULT 1,"
	"  opened_ms INTEGER NOT NULL,"
	"  resolved_ms INTEGER NOT NULL DEFAULT 0,"
	"  posted INTEGER NOT NULL DEFAULT 0,"
	"  post_id INTEGER NOT NULL DEFAULT 0,"
	"  report_post INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE incident_hosts ("
	"  incident_id INTEGER NOT NULL REFERENCES incidents (id)"
	"    ON DELETE CASCADE,"
	"  host TEXT NOT NULL,"
	"  cause TEXT NOT NULL,"
	"  lost_ms INTEGER NOT NULL,"
	"  back_ms INTEGER NOT NULL DEFAULT 0,"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (incident_id, host));"
	"CREATE TABLE incident_guests ("
	"  incident_id INTEGER NOT NULL REFERENCES incidents (id)"
	"    ON DELETE CASCADE,"
	"  guest TEXT NOT NULL,"
	"  customer TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  cause TEXT NOT NULL,"
	"  recovery TEXT NOT NULL DEFAULT '',"
	"  note TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (incident_id, guest));"
	"CREATE INDEX incident_guests_guest ON incident_guests (guest);"
	"CREATE INDEX incident_guests_customer ON incident_guests "
	"  (incident_id, customer);"
	"CREATE TABLE incident_outages ("
	"  incident_id INTEGER NOT NULL REFERENCES incidents (id)"
	"    ON DELETE CASCADE,"
	"  guest TEXT NOT NULL,"
	"  down_ms INTEGER NOT NULL,"
	"  up_ms INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (incident_id, guest, down_ms));"
	"CREATE TABLE incident_timeline ("
	"  incident_id INTEGER NOT NULL REFERENCES incidents (id)"
	"    ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  irc INTEGER NOT NULL DEFAULT 0,"
	"  post INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (incident_id, seq));"
	"CREATE TABLE incident_notices ("
	"  incident_id INTEGER NOT NULL REFERENCES incidents (id)"
	"    ON DELETE CASCADE,"
	"  customer TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('open', 'resolved')),"
	"  state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', "
	"    'spooled', 'skipped')),"
	"  detail TEXT NOT NULL DEFAULT '',"
	"  at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (incident_id, customer, kind));"
	"CREATE INDEX incident_notices_state ON incident_notices (state);"
	"CREATE TABLE incident_health ("
	"  incident_id INTEGER NOT NULL REFERENCES incidents (id)"
	"    ON DELETE CASCADE,"
	"  host TEXT NOT NULL,"
	"  health_id TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  severity TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (host, health_id));"
	"CREATE TABLE host_keys ("
	"  host_id INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  fingerprint TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  report_seq INTEGER NOT NULL DEFAULT -1);",
	/* 12 -> 13: a roll-forward cycle's steps keep their planned times
	 * (seconds from the cycle's start; -1: none), which order them */
	"ALTER TABLE maint_steps ADD COLUMN plan_start_s REAL NOT NULL "
	"  DEFAULT -1;"
	"ALTER TABLE maint_steps ADD COLUMN plan_end_s REAL NOT NULL "
	"  DEFAULT -1;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* For the store's other files (store_priv.h). */
sqlite3 *
store_sqlite(struct store *st)
{
	return st->db;
}

static uint32_t
sql_hash(const char *sql)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *sql != '\0'; sql++)
		h = (h ^ (unsigned char)*sql) * 16777619u;
	return h;
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	uint32_t h = sql_hash(sql);
	struct stmt_slot *free_slot = NULL, *x;
	sqlite3_stmt *s;

	for (uint32_t i = 0; i < STMT_WAYS; i++) {
		x = &st->stmts[(h + i) % STMT_SLOTS];
		if (x->s != NULL && strcmp(sqlite3_sql(x->s), sql) == 0) {
			if (x->inuse)
				break;	/* in use: one of its own */
			x->inuse = 1;
			return x->s;
		}
		if (free_slot == NULL && (x->s == NULL || !x->inuse))
			free_slot = x;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	for (uint32_t i = 0; i < STMT_WAYS; i++) {
		x = &st->stmts[(h + i) % STMT_SLOTS];
		if (x->s != NULL && x->inuse &&
		    strcmp(sqlite3_sql(x->s), sql) == 0)
			return s;	/* the kept one is in use */
	}
	if (free_slot != NULL) {
		sqlite3_finalize(free_slot->s);	/* NULL, or evicted */
		free_slot->s = s;
		free_slot->inuse = 1;
	}
	return s;
}

void
store_stmt_done(struct store *st, sqlite3_stmt *s)
{
	uint32_t h;

	if (s == NULL)
		return;
	h = sql_hash(sqlite3_sql(s));
	for (uint32_t i = 0; i < STMT_WAYS; i++) {
		struct stmt_slot *x = &st->stmts[(h + i) % STMT_SLOTS];

		if (x->s == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			x->inuse = 0;
			return;
		}
	}
	sqlite3_finalize(s);	/* not kept */
}

int
store_schema_latest(void)
{
	return NMIGRATIONS;
}

static int
db_error(struct store *st, struct herr *e, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return herr_set(e, HERR_EXISTS, "%s: already exists", what);
	if ((ext & 0xff) == SQLITE_CONSTRAINT)
		return herr_set(e, HERR_USAGE, "%s: %s", what,
		    sqlite3_errmsg(st->db));
	return herr_set(e, HERR_INTERNAL, "%s: store: %s", what,
	    sqlite3_errmsg(st->db));
}

static int
exec_sql(struct store *st, const char *sql, struct herr *e)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		herr_set(e, HERR_INTERNAL, "store: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	store_stmt_done(st, s);
	return v;
}

static int
migrate(struct store *st, struct herr *e)
{
	int v = store_schema_version(st);
	char pragma[64];

	if (v < 0)
		return herr_set(e, HERR_INTERNAL, "store: cannot read schema "
		    "version: %s", sqlite3_errmsg(st->db));
	if (v > NMIGRATIONS)
		return herr_set(e, HERR_STATE, "store schema version %d is newer "
		    "than this hangar (%d): refusing to touch it", v, NMIGRATIONS);
	for (; v < NMIGRATIONS; v++) {
		if (store_begin(st, e) == -1)
			return -1;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, migrations[v], e) == -1 ||
		    exec_sql(st, pragma, e) == -1) {
			store_rollback(st);
			return -1;
		}
		if (store_commit(st, e) == -1)
			return -1;
	}
	return 0;
}

struct store *
store_open(const char *path, struct herr *e)
{
	struct store *st = xcalloc(1, sizeof(*st));

	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		herr_set(e, HERR_INTERNAL, "store %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (exec_sql(st, "PRAGMA journal_mode = WAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA synchronous = NORMAL;", e) == -1)
		goto fail;
	if (migrate(st, e) == -1)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(st->stmts[i].s);
	sqlite3_close(st->db);
	free(st);
}

int
store_begin(struct store *st, struct herr *e)
{
	return exec_sql(st, "BEGIN IMMEDIATE", e);
}

int
store_commit(struct store *st, struct herr *e)
{
	return exec_sql(st, "COMMIT", e);
}

void
store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *
prepare(struct store *st, const char *sql, struct herr *e)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql)) == NULL) {
		db_error(st, e, "prepare");
		return NULL;
	}
	return s;
}

static void
col_text(sqlite3_stmt *s, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	str_copy(dst, t ? (const char *)t : "", size);
}

/* Runs a statement that returns no rows. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what, struct herr *e)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE) {
		db_error(st, e, what);
		store_stmt_done(st, s);
		return -1;
	}
	store_stmt_done(st, s);
	return 0;
}

/* Grows *arr by one element of size sz; returns the new (zeroed) element. */
static void *
grow(void **arr, size_t *n, size_t *cap, size_t sz)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*arr = xreallocarray(*arr, *cap, sz);
	}
	memset((char *)*arr + *n * sz, 0, sz);
	return (char *)*arr + (*n)++ * sz;
}

/*
 * Runs a query and collects every row into a new array (*out, freed by
 * the caller) of elements of size sz, filled by row().
 */
static int
list_rows(struct store *st, const char *sql, void (*row)(sqlite3_stmt *,
    void *), size_t sz, void **out, size_t *n, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, sql, e);
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW)
		row(s, grow(out, n, &cap, sz));
	store_stmt_done(st, s);
	return 0;
}

/*
 * Runs a query with one text parameter and fills out from its first row
 * with row(): 1 when there was a row, 0 when none, -1 on error.
 */
static int
get_row(struct store *st, const char *sql, const char *key,
    void (*row)(sqlite3_stmt *, void *), void *out, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, sql, e);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		row(s, out);
	store_stmt_done(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, e, "lookup");
	return rc == SQLITE_ROW;
}

/*
 * As get_row, for a row found by a number (?1) and, unless key is NULL, a
 * text (?2).
 */
static int
get_row_id(struct store *st, const char *sql, int64_t id, const char *key,
    void (*row)(sqlite3_stmt *, void *), void *out, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, sql, e);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (key != NULL)
		sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		row(s, out);
	store_stmt_done(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, e, "lookup");
	return rc == SQLITE_ROW;
}

/* ---- plans ---- */

#define PLAN_COLS "id, name, ram_mib, vcpus, disk_mib"

static void
plan_row(sqlite3_stmt *s, void *arg)
{
	struct plan_rec *p = arg;

	p->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, p->name, sizeof(p->name));
	p->ram_mib = (uint64_t)sqlite3_column_int64(s, 2);
	p->vcpus = sqlite3_column_int(s, 3);
	p->disk_mib = (uint64_t)sqlite3_column_int64(s, 4);
}

int
store_plan_get(struct store *st, const char *name, struct plan_rec *out,
    struct herr *e)
{
	int r = get_row(st, "SELECT " PLAN_COLS
	    " FROM plans WHERE name = ?", name, plan_row, out, e);

	if (r == 0)
		return herr_set(e, HERR_NOTFOUND, "no such plan: %s", name);
	return r == 1 ? 0 : -1;
}

int
store_plan_list(struct store *st, struct plan_rec **out, size_t *n,
    struct herr *e)
{
	return list_rows(st, "SELECT " PLAN_COLS
	    " FROM plans ORDER BY ram_mib, name", plan_row,
	    sizeof(**out), (void **)out, n, e);
}

/* ---- customers ---- */

#define CUSTOMER_COLS "c.id, c.name, c.uid, c.email, c.tz, " \
	"(SELECT count(*) FROM guests g WHERE g.customer_id = c.id), " \
	"c.unix_user, (SELECT count(*) FROM ssh_keys k WHERE k.customer_id = c.id)"

static void
customer_row(sqlite3_stmt *s, void *arg)
{
	struct customer_rec *c = arg;

	c->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, c->name, sizeof(c->name));
	c->uid = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 2);
	col_text(s, 3, c->email, sizeof(c->email));
	col_text(s, 4, c->tz, sizeof(c->tz));
	c->guests = sqlite3_column_int(s, 5);
	col_text(s, 6, c->unix_user, sizeof(c->unix_user));
	c->keys = sqlite3_column_int(s, 7);
}

int
store_customer_add(struct store *st, struct customer_rec *c, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO customers "
	    "(name, uid, email, tz, created, unix_user) "
	    "VALUES (?, ?, ?, ?, ?, ?)", e);
	char what[128];

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, c->name, -1, SQLITE_STATIC);
	if (c->uid >= 0)
		sqlite3_bind_int64(s, 2, c->uid);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_text(s, 3, c->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, c->tz[0] ? c->tz : "UTC", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(s, 6, c->unix_user, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "customer %s (or its uid)", c->name);
	if (step_done(st, s, what, e) == -1)
		return -1;
	c->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int
customer_one(struct store *st, const char *where, const char *name,
    int64_t uid, struct customer_rec *out, struct herr *e)
{
	char sql[256];
	sqlite3_stmt *s;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " CUSTOMER_COLS
	    " FROM customers c WHERE %s", where);
	if ((s = prepare(st, sql, e)) == NULL)
		return -1;
	if (name != NULL)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		customer_row(s, out);
	store_stmt_done(st, s);
	if (rc != SQLITE_ROW) {
		if (name != NULL)
			return herr_set(e, HERR_NOTFOUND, "no such customer: %s",
			    name);
		return herr_set(e, HERR_NOTFOUND, "no customer for uid %lld",
		    (long long)uid);
	}
	return 0;
}

int
store_customer_get(struct store *st, const char *name,
    struct customer_rec *out, struct herr *e)
{
	return customer_one(st, "c.name = ?", name, 0, out, e);
}

int
store_customer_by_uid(struct store *st, int64_t uid, struct customer_rec *out,
    struct herr *e)
{
	return customer_one(st, "c.uid = ?", NULL, uid, out, e);
}

int
store_customer_list(struct store *st, struct customer_rec **out, size_t *n,
    struct herr *e)
{
	return list_rows(st, "SELECT " CUSTOMER_COLS
	    " FROM customers c ORDER BY c.name", customer_row,
	    sizeof(**out), (void **)out, n, e);
}

/* ---- hosts ---- */

#define HOST_COLS "h.id, h.name, h.uri, h.cpus, h.ram_mib, h.disk_mib, " \
	"h.disk_kind, h.state, h.accel, h.hv_type, h.hv_version, h.pool, " \
	"count(g.id), coalesce(sum(p.ram_mib), 0), " \
	"coalesce(sum(p.disk_mib), 0), coalesce(sum(p.vcpus), 0)"
#define HOST_FROM " FROM hosts h LEFT JOIN guests g ON g.host_id = h.id " \
	"LEFT JOIN plans p ON p.id = g.plan_id "

static void
host_row(sqlite3_stmt *s, void *arg)
{
	struct host_rec *h = arg;

	h->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, h->name, sizeof(h->name));
	col_text(s, 2, h->uri, sizeof(h->uri));
	h->cpus = sqlite3_column_int(s, 3);
	h->ram_mib = (uint64_t)sqlite3_column_int64(s, 4);
	h->disk_mib = (uint64_t)sqlite3_column_int64(s, 5);
	col_text(s, 6, h->disk_kind, sizeof(h->disk_kind));
	col_text(s, 7, h->state, sizeof(h->state));
	col_text(s, 8, h->accel, sizeof(h->accel));
	col_text(s, 9, h->hv_type, sizeof(h->hv_type));
	col_text(s, 10, h->hv_version, sizeof(h->hv_version));
	col_text(s, 11, h->pool, sizeof(h->pool));
	h->guests = sqlite3_column_int(s, 12);
	h->used_ram_mib = (uint64_t)sqlite3_column_int64(s, 13);
	h->used_disk_mib = (uint64_t)sqlite3_column_int64(s, 14);
	h->used_vcpus = sqlite3_column_int(s, 15);
}

int
store_host_add(struct store *st, struct host_rec *h, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO hosts (name, uri, cpus, "
	    "ram_mib, disk_mib, disk_kind, state, accel, hv_type, hv_version, "
	    "created, pool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
	char what[STORE_URI_MAX + 128];

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, h->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, h->uri, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, h->cpus);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)h->ram_mib);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)h->disk_mib);
	sqlite3_bind_text(s, 6, h->disk_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, h->state[0] ? h->state : "active", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 8, h->accel[0] ? h->accel : "kvm", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 9, h->hv_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, h->hv_version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(s, 12, h->pool, -1, SQLITE_STATIC);
	snprintf(what, sizeof(what), "host %s (or its URI %s)", h->name, h->uri);
	if (step_done(st, s, what, e) == -1)
		return -1;
	h->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_host_get(struct store *st, const char *name, struct host_rec *out,
    struct herr *e)
{
	int r = get_row(st, "SELECT " HOST_COLS HOST_FROM
	    "WHERE h.name = ? GROUP BY h.id", name, host_row, out, e);

	if (r == 0)
		return herr_set(e, HERR_NOTFOUND, "no such host: %s", name);
	return r == 1 ? 0 : -1;
}

int
store_host_list(struct store *st, struct host_rec **out, size_t *n,
    struct herr *e)
{
	return list_rows(st, "SELECT " HOST_COLS HOST_FROM
	    "GROUP BY h.id ORDER BY h.name", host_row,
	    sizeof(**out), (void **)out, n, e);
}

int
store_host_set_state(struct store *st, const char *name, const char *state,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE hosts SET state = ? "
	    "WHERE name = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (step_done(st, s, "host state", e) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return herr_set(e, HERR_NOTFOUND, "no such host: %s", name);
	return 0;
}

int
store_host_set_hv(struct store *st, int64_t id, const char *type,
    const char *version, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE hosts SET hv_type = ?, "
	    "hv_version = ? WHERE id = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	return step_done(st, s, "host hypervisor", e);
}

/* ---- guests ---- */

#define GUEST_COLS "g.id, g.name, g.uuid, g.kind, g.status, g.state, " \
	"g.state_since, c.name, p.name, h.name, p.ram_mib, p.vcpus, " \
	"p.disk_mib, g.kernel, g.initrd, g.cmdline, g.created, g.disk_path"
#define GUEST_FROM " FROM guests g JOIN customers c ON c.id = g.customer_id " \
	"JOIN plans p ON p.id = g.plan_id JOIN hosts h ON h.id = g.host_id "

static void
guest_row(sqlite3_stmt *s, struct guest_rec *g)
{
	g->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, g->name, sizeof(g->name));
	col_text(s, 2, g->uuid, sizeof(g->uuid));
	col_text(s, 3, g->kind, sizeof(g->kind));
	col_text(s, 4, g->status, sizeof(g->status));
	col_text(s, 5, g->state, sizeof(g->state));
	g->state_since = sqlite3_column_int64(s, 6);
	col_text(s, 7, g->customer, sizeof(g->customer));
	col_text(s, 8, g->plan, sizeof(g->plan));
	col_text(s, 9, g->host, sizeof(g->host));
	g->ram_mib = (uint64_t)sqlite3_column_int64(s, 10);
	g->vcpus = sqlite3_column_int(s, 11);
	g->disk_mib = (uint64_t)sqlite3_column_int64(s, 12);
	col_text(s, 13, g->kernel, sizeof(g->kernel));
	col_text(s, 14, g->initrd, sizeof(g->initrd));
	col_text(s, 15, g->cmdline, sizeof(g->cmdline));
	g->created = sqlite3_column_int64(s, 16);
	col_text(s, 17, g->disk_path, sizeof(g->disk_path));
}

static int
fits(struct store *st, const struct host_rec *h, const struct plan_rec *p,
    int vcpu_ratio, struct herr *e)
{
	char need[32], fr[32];

	if (h->used_ram_mib + p->ram_mib > h->ram_mib)
		return herr_set(e, HERR_CAPACITY, "plan %s does not fit on host "
		    "%s: needs %s RAM, %s free", p->name, h->name,
		    str_fmt_mib(need, sizeof(need), p->ram_mib),
		    str_fmt_mib(fr, sizeof(fr), h->ram_mib - h->used_ram_mib));
	if (h->used_disk_mib + p->disk_mib > h->disk_mib)
		return herr_set(e, HERR_CAPACITY, "plan %s does not fit on host "
		    "%s: needs %s disk, %s free", p->name, h->name,
		    str_fmt_mib(need, sizeof(need), p->disk_mib),
		    str_fmt_mib(fr, sizeof(fr), h->disk_mib - h->used_disk_mib));
	if (h->used_vcpus + p->vcpus > h->cpus * vcpu_ratio)
		return herr_set(e, HERR_CAPACITY, "plan %s does not fit on host "
		    "%s: needs %d vCPUs, %d free (ratio %d per CPU)", p->name,
		    h->name, p->vcpus, h->cpus * vcpu_ratio - h->used_vcpus,
		    vcpu_ratio);
	(void)st;
	return 0;
}

int
store_guest_reserve(struct store *st, struct guest_rec *g, int vcpu_ratio,
    struct herr *e)
{
	struct customer_rec c;
	struct host_rec h;
	struct plan_rec p;
	sqlite3_stmt *s;
	char what[128];

	if (store_begin(st, e) == -1)
		return -1;
	if (store_customer_get(st, g->customer, &c, e) == -1 ||
	    store_plan_get(st, g->plan, &p, e) == -1 ||
	    store_host_get(st, g->host, &h, e) == -1)
		goto fail;
	if (strcmp(h.state, "active") != 0) {
		herr_set(e, HERR_STATE, "host %s is %s, not active: no new "
		    "guests there", h.name, h.state);
		goto fail;
	}
	if (fits(st, &h, &p, vcpu_ratio, e) == -1)
		goto fail;
	s = prepare(st, "INSERT INTO guests (name, uuid, kind, status, state, "
	    "state_since, customer_id, plan_id, host_id, kernel, initrd, "
	    "cmdline, created) VALUES (?, ?, ?, 'defining', 'unknown', ?, ?, "
	    "?, ?, ?, ?, ?, ?)", e);
	if (s == NULL)
		goto fail;
	g->created = (int64_t)time(NULL);
	sqlite3_bind_text(s, 1, g->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, g->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, g->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, g->created);
	sqlite3_bind_int64(s, 5, c.id);
	sqlite3_bind_int64(s, 6, p.id);
	sqlite3_bind_int64(s, 7, h.id);
	sqlite3_bind_text(s, 8, g->kernel, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, g->initrd, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, g->cmdline, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, g->created);
	snprintf(what, sizeof(what), "guest %s", g->name);
	if (step_done(st, s, what, e) == -1)
		goto fail;
	g->id = sqlite3_last_insert_rowid(st->db);
	g->ram_mib = p.ram_mib;
	g->vcpus = p.vcpus;
	g->disk_mib = p.disk_mib;
	str_copy(g->status, "defining", sizeof(g->status));
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

int
store_guest_get(struct store *st, const char *name, const char *customer,
    struct guest_rec *out, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "SELECT " GUEST_COLS GUEST_FROM
	    "WHERE g.name = ?1 AND (?2 IS NULL OR c.name = ?2)", e);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (customer != NULL)
		sqlite3_bind_text(s, 2, customer, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		guest_row(s, out);
	store_stmt_done(st, s);
	if (rc != SQLITE_ROW)
		return herr_set(e, HERR_NOTFOUND, "no such VPS");
	return 0;
}

/*
 * Only the filters given become WHERE terms, so SQLite can use the
 * indexes on customers.name and hosts.name (a term like "?1 IS NULL OR
 * c.name = ?1" would force a scan of every guest).
 */
int
store_guest_each(struct store *st, const char *customer, const char *host,
    int (*fn)(const struct guest_rec *, void *), void *arg, struct herr *e)
{
	char sql[1024];
	sqlite3_stmt *s;
	struct guest_rec *g;
	int i = 1, rc, r = 0;

	snprintf(sql, sizeof(sql), "SELECT " GUEST_COLS GUEST_FROM "WHERE 1%s%s "
	    "ORDER BY g.name", customer ? " AND c.name = ?" : "",
	    host ? " AND h.name = ?" : "");
	if ((s = prepare(st, sql, e)) == NULL)
		return -1;
	if (customer != NULL)
		sqlite3_bind_text(s, i++, customer, -1, SQLITE_STATIC);
	if (host != NULL)
		sqlite3_bind_text(s, i++, host, -1, SQLITE_STATIC);
	g = xmalloc(sizeof(*g));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		guest_row(s, g);
		if (fn(g, arg) == -1)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_error(st, e, "guest list");
	free(g);
	store_stmt_done(st, s);
	return r;
}

struct guest_array {
	struct guest_rec	*a;
	size_t			 n, cap;
};

static int
guest_append(const struct guest_rec *g, void *arg)
{
	struct guest_array *ga = arg;

	memcpy(grow((void **)&ga->a, &ga->n, &ga->cap, sizeof(*g)), g,
	    sizeof(*g));
	return 0;
}

int
store_guest_list(struct store *st, const char *customer, const char *host,
    struct guest_rec **out, size_t *n, struct herr *e)
{
	struct guest_array ga = { NULL, 0, 0 };
	int r = store_guest_each(st, customer, host, guest_append, &ga, e);

	*out = ga.a;
	*n = ga.n;
	return r;
}

int
store_guest_set_status(struct store *st, int64_t id, const char *status,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE guests SET status = ? "
	    "WHERE id = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	return step_done(st, s, "guest status", e);
}

int
store_guest_set_state(struct store *st, int64_t id, const char *state,
    int64_t now, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE guests SET state = ?1, "
	    "state_since = ?2 WHERE id = ?3 AND state <> ?1", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, id);
	if (step_done(st, s, "guest state", e) == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_guest_delete(struct store *st, int64_t id, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "DELETE FROM guests WHERE id = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return step_done(st, s, "guest delete", e);
}

/* ---- SSH keys ---- */

int
store_key_add(struct store *st, const char *customer, const struct key_rec *k,
    struct herr *e)
{
	struct customer_rec c;
	sqlite3_stmt *s;

	if (store_customer_get(st, customer, &c, e) == -1)
		return -1;
	if ((s = prepare(st, "INSERT INTO ssh_keys (customer_id, type, key, "
	    "comment, fingerprint, created) VALUES (?, ?, ?, ?, ?, ?)", e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, c.id);
	sqlite3_bind_text(s, 2, k->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, k->comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, k->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)time(NULL));
	return step_done(st, s, "this key of the customer", e);
}

int
store_key_list(struct store *st, const char *customer, struct key_rec **out,
    size_t *n, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "SELECT k.type, k.key, k.comment, "
	    "k.fingerprint, k.created FROM ssh_keys k JOIN customers c ON "
	    "c.id = k.customer_id WHERE c.name = ? ORDER BY k.id", e);
	struct key_rec *k;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, customer, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		k = grow((void **)out, n, &cap, sizeof(**out));
		col_text(s, 0, k->type, sizeof(k->type));
		col_text(s, 1, k->key, sizeof(k->key));
		col_text(s, 2, k->comment, sizeof(k->comment));
		col_text(s, 3, k->fingerprint, sizeof(k->fingerprint));
		k->created = sqlite3_column_int64(s, 4);
	}
	store_stmt_done(st, s);
	return 0;
}

int
store_key_remove(struct store *st, const char *customer,
    const char *fingerprint, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "DELETE FROM ssh_keys WHERE fingerprint = ? "
	    "AND customer_id = (SELECT id FROM customers WHERE name = ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, customer, -1, SQLITE_STATIC);
	if (step_done(st, s, "key", e) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return herr_set(e, HERR_NOTFOUND, "customer %s has no key %s",
		    customer, fingerprint);
	return 0;
}

int
store_guest_set_disk(struct store *st, int64_t id, const char *path,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE guests SET disk_path = ? "
	    "WHERE id = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	return step_done(st, s, "guest disk", e);
}

/* ---- installer images ---- */

#define IMAGE_COLS "name, os, version, kind, boot, dir, iso, kernel, initrd, " \
	"sha256, serial, verified, cmdline_hvm, cmdline_pv, rescue"

static void
image_row(sqlite3_stmt *s, void *arg)
{
	struct image_row *m = arg;

	col_text(s, 0, m->name, sizeof(m->name));
	col_text(s, 1, m->os, sizeof(m->os));
	col_text(s, 2, m->version, sizeof(m->version));
	col_text(s, 3, m->kind, sizeof(m->kind));
	col_text(s, 4, m->boot, sizeof(m->boot));
	col_text(s, 5, m->dir, sizeof(m->dir));
	col_text(s, 6, m->iso, sizeof(m->iso));
	col_text(s, 7, m->kernel, sizeof(m->kernel));
	col_text(s, 8, m->initrd, sizeof(m->initrd));
	col_text(s, 9, m->sha256, sizeof(m->sha256));
	col_text(s, 10, m->serial, sizeof(m->serial));
	col_text(s, 11, m->verified, sizeof(m->verified));
	col_text(s, 12, m->cmdline_hvm, sizeof(m->cmdline_hvm));
	col_text(s, 13, m->cmdline_pv, sizeof(m->cmdline_pv));
	m->rescue = sqlite3_column_int(s, 14);
}

int
store_image_add(struct store *st, const struct image_row *m, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO images (" IMAGE_COLS
	    ", created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    e);
	const char *v[] = { m->name, m->os, m->version, m->kind, m->boot, m->dir,
	    m->iso, m->kernel, m->initrd, m->sha256, m->serial, m->verified,
	    m->cmdline_hvm, m->cmdline_pv };
	char what[128];
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < 14; i++)
		sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 15, m->rescue);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)time(NULL));
	snprintf(what, sizeof(what), "image %s", m->name);
	return step_done(st, s, what, e);
}

int
store_image_get(struct store *st, const char *name, struct image_row *out,
    struct herr *e)
{
	int r = get_row(st, "SELECT " IMAGE_COLS " FROM images "
	    "WHERE name = ?", name, image_row, out, e);

	if (r == 0)
		return herr_set(e, HERR_NOTFOUND, "no such image: %s", name);
	return r == 1 ? 0 : -1;
}

int
store_image_list(struct store *st, struct image_row **out, size_t *n,
    struct herr *e)
{
	return list_rows(st, "SELECT " IMAGE_COLS " FROM images "
	    "ORDER BY os, version, name", image_row,
	    sizeof(**out), (void **)out, n, e);
}

int
store_image_remove(struct store *st, const char *name, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "DELETE FROM images WHERE name = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (step_done(st, s, "image", e) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return herr_set(e, HERR_NOTFOUND, "no such image: %s", name);
	return 0;
}

/* ---- advisories ---- */

int
store_advisory_add(struct store *st, const struct advisory_rec *a,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO advisories (id, title, "
	    "affects, action, cves, created, public_time) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", e);
	char what[96];

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->affects, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->cves, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(s, 7, a->public_time);
	snprintf(what, sizeof(what), "advisory %s", a->id);
	return step_done(st, s, what, e);
}

static void
advisory_row(sqlite3_stmt *s, void *arg)
{
	struct advisory_rec *a = arg;

	col_text(s, 0, a->id, sizeof(a->id));
	col_text(s, 1, a->title, sizeof(a->title));
	col_text(s, 2, a->affects, sizeof(a->affects));
	col_text(s, 3, a->action, sizeof(a->action));
	col_text(s, 4, a->cves, sizeof(a->cves));
	a->public_time = sqlite3_column_int64(s, 5);
}

int
store_advisory_get(struct store *st, const char *id, struct advisory_rec *out,
    struct herr *e)
{
	int r = get_row(st, "SELECT id, title, affects, action, cves, "
	    "public_time FROM advisories WHERE id = ?", id, advisory_row, out,
	    e);

	if (r == 0)
		return herr_set(e, HERR_NOTFOUND, "no such advisory: %s", id);
	return r == 1 ? 0 : -1;
}

int
store_advisory_list(struct store *st, struct advisory_rec **out, size_t *n,
    struct herr *e)
{
	return list_rows(st, "SELECT id, title, affects, action, cves, "
	    "public_time FROM advisories ORDER BY created, id", advisory_row,
	    sizeof(**out), (void **)out, n, e);
}

/* ---- posts ---- */

int
store_post_add(struct store *st, struct post_rec *p, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO posts (kind, title, author, "
	    "body, published, parent, avg_min, longest_min, shortest_min) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
	int i;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, p->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, p->published);
	if (p->parent > 0)
		sqlite3_bind_int64(s, 6, p->parent);
	else
		sqlite3_bind_null(s, 6);
	for (i = 0; i < 3; i++) {
		if (p->downtime[i] >= 0)
			sqlite3_bind_int(s, 7 + i, p->downtime[i]);
		else
			sqlite3_bind_null(s, 7 + i);
	}
	if (step_done(st, s, "post", e) == -1)
		return -1;
	p->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_post_list(struct store *st, struct post_rec **out, size_t *n,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "SELECT id, kind, title, author, body, "
	    "published, coalesce(parent, 0), coalesce(avg_min, -1), "
	    "coalesce(longest_min, -1), coalesce(shortest_min, -1) "
	    "FROM posts ORDER BY published DESC, id DESC", e);
	struct post_rec *p;
	size_t cap = 0;
	int i;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		p = grow((void **)out, n, &cap, sizeof(**out));
		p->id = sqlite3_column_int64(s, 0);
		col_text(s, 1, p->kind, sizeof(p->kind));
		col_text(s, 2, p->title, sizeof(p->title));
		col_text(s, 3, p->author, sizeof(p->author));
		p->body = xstrdup((const char *)(sqlite3_column_text(s, 4) ?
		    sqlite3_column_text(s, 4) : (const unsigned char *)""));
		p->published = sqlite3_column_int64(s, 5);
		p->parent = sqlite3_column_int64(s, 6);
		for (i = 0; i < 3; i++)
			p->downtime[i] = sqlite3_column_int(s, 7 + i);
	}
	store_stmt_done(st, s);
	return 0;
}

void
store_post_list_free(struct post_rec *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(p[i].body);
	free(p);
}

/* ---- maintenance cycles ---- */

int
store_cycle_add(struct store *st, const char *kind, const char *advisories,
    int64_t start, int64_t window_s, const char *plan, int64_t *id,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO maint_cycles (advisories, "
	    "start, window_s, plan, created, kind) VALUES (?, ?, ?, ?, ?, ?)",
	    e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, advisories, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, start);
	sqlite3_bind_int64(s, 3, window_s);
	sqlite3_bind_text(s, 4, plan, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(s, 6, kind, -1, SQLITE_STATIC);
	if (step_done(st, s, "maintenance cycle", e) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* id 0: the newest cycle.  *plan is the caller's to free. */
int
store_cycle_get(struct store *st, int64_t id, int64_t *out_id, char **plan,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "SELECT id, plan FROM maint_cycles "
	    "WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC LIMIT 1", e);
	int rc;

	*plan = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(s, 0);
		*plan = xstrdup((const char *)sqlite3_column_text(s, 1));
	}
	store_stmt_done(st, s);
	if (rc != SQLITE_ROW)
		return id == 0 ? herr_set(e, HERR_NOTFOUND, "no maintenance "
		    "cycle planned yet") : herr_set(e, HERR_NOTFOUND, "no such "
		    "maintenance cycle: %lld", (long long)id);
	return 0;
}

/* 1 if the customer was already notified for the cycle. */
int
store_notice_done(struct store *st, int64_t cycle, const char *customer)
{
	sqlite3_stmt *s = prepare(st, "SELECT 1 FROM maint_notices WHERE "
	    "cycle_id = ? AND customer = ?", NULL);
	int r;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, cycle);
	sqlite3_bind_text(s, 2, customer, -1, SQLITE_STATIC);
	r = sqlite3_step(s) == SQLITE_ROW;
	store_stmt_done(st, s);
	return r;
}

int
store_notice_add(struct store *st, int64_t cycle, const char *customer,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO maint_notices (cycle_id, "
	    "customer, spooled) VALUES (?, ?, ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cycle);
	sqlite3_bind_text(s, 2, customer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)time(NULL));
	return step_done(st, s, "notice", e);
}

/* ---- running a cycle ---- */

#define CYCLE_COLS "id, advisories, start, window_s, run_state, run_error, " \
	"allow_fallback, step_budget, kind"

static void
cycle_row(sqlite3_stmt *s, void *arg)
{
	struct cycle_rec *c = arg;

	c->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, c->advisories, sizeof(c->advisories));
	c->start = sqlite3_column_int64(s, 2);
	c->window_s = sqlite3_column_int64(s, 3);
	col_text(s, 4, c->run_state, sizeof(c->run_state));
	col_text(s, 5, c->run_error, sizeof(c->run_error));
	c->allow_fallback = sqlite3_column_int(s, 6);
	c->step_budget = sqlite3_column_int(s, 7);
	col_text(s, 8, c->kind, sizeof(c->kind));
}

int
store_cycle_info(struct store *st, int64_t id, struct cycle_rec *out,
    struct herr *e)
{
	int r = get_row_id(st, "SELECT " CYCLE_COLS " FROM maint_cycles "
	    "WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC LIMIT 1", id, NULL,
	    cycle_row, out, e);

	if (r == 0)
		return id == 0 ? herr_set(e, HERR_NOTFOUND, "no maintenance "
		    "cycle planned yet") : herr_set(e, HERR_NOTFOUND, "no such "
		    "maintenance cycle: %lld", (long long)id);
	return r == 1 ? 0 : -1;
}

int
store_cycle_list_running(struct store *st, struct cycle_rec **out,
    size_t *n, struct herr *e)
{
	return list_rows(st, "SELECT " CYCLE_COLS " FROM maint_cycles WHERE "
	    "run_state = 'running' ORDER BY id", cycle_row, sizeof(**out),
	    (void **)out, n, e);
}

int
store_cycle_set_run(struct store *st, const struct cycle_rec *c,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE maint_cycles SET run_state = ?, "
	    "run_error = ?, allow_fallback = ?, step_budget = ? WHERE id = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, c->run_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->run_error, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, c->allow_fallback);
	sqlite3_bind_int(s, 4, c->step_budget);
	sqlite3_bind_int64(s, 5, c->id);
	return step_done(st, s, "maintenance cycle", e);
}

static int
step_insert(struct store *st, const struct step_rec *r, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO maint_steps (cycle_id, seq, "
	    "win, host, guest, kind, target, state, started_ms, ended_ms, "
	    "pause_ms, detail, bytes, plan_start_s, plan_end_s) VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->cycle_id);
	sqlite3_bind_int(s, 2, r->seq);
	sqlite3_bind_int(s, 3, r->win);
	sqlite3_bind_text(s, 4, r->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->guest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, r->started_ms);
	sqlite3_bind_int64(s, 10, r->ended_ms);
	sqlite3_bind_int64(s, 11, r->pause_ms);
	sqlite3_bind_text(s, 12, r->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 13, r->bytes);
	sqlite3_bind_double(s, 14, r->plan_start_s);
	sqlite3_bind_double(s, 15, r->plan_end_s);
	return step_done(st, s, "maintenance step", e);
}

int
store_steps_add(struct store *st, const struct cycle_rec *c,
    const struct step_rec *steps, size_t n, struct herr *e)
{
	size_t i;

	if (store_begin(st, e) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (step_insert(st, &steps[i], e) == -1) {
			store_rollback(st);
			return -1;
		}
	if (store_cycle_set_run(st, c, e) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

static void
step_row(sqlite3_stmt *s, void *arg)
{
	struct step_rec *r = arg;

	r->cycle_id = sqlite3_column_int64(s, 0);
	r->seq = sqlite3_column_int(s, 1);
	r->win = sqlite3_column_int(s, 2);
	col_text(s, 3, r->host, sizeof(r->host));
	col_text(s, 4, r->guest, sizeof(r->guest));
	col_text(s, 5, r->kind, sizeof(r->kind));
	col_text(s, 6, r->target, sizeof(r->target));
	col_text(s, 7, r->state, sizeof(r->state));
	r->started_ms = sqlite3_column_int64(s, 8);
	r->ended_ms = sqlite3_column_int64(s, 9);
	r->pause_ms = sqlite3_column_int64(s, 10);
	col_text(s, 11, r->detail, sizeof(r->detail));
	r->bytes = sqlite3_column_int64(s, 12);
	r->plan_start_s = sqlite3_column_double(s, 13);
	r->plan_end_s = sqlite3_column_double(s, 14);
}

int
store_steps_list(struct store *st, int64_t cycle, struct step_rec **out,
    size_t *n, struct herr *e)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT cycle_id, seq, win, host, guest, "
	    "kind, target, state, started_ms, ended_ms, pause_ms, detail, "
	    "bytes, plan_start_s, plan_end_s FROM "
	    "maint_steps WHERE cycle_id = %lld ORDER BY seq", (long long)cycle);
	return list_rows(st, sql, step_row, sizeof(**out), (void **)out, n, e);
}

int
store_step_update(struct store *st, const struct step_rec *r, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE maint_steps SET kind = ?, "
	    "state = ?, started_ms = ?, ended_ms = ?, pause_ms = ?, detail = ?, "
	    "bytes = ? WHERE cycle_id = ? AND seq = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, r->started_ms);
	sqlite3_bind_int64(s, 4, r->ended_ms);
	sqlite3_bind_int64(s, 5, r->pause_ms);
	sqlite3_bind_text(s, 6, r->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, r->bytes);
	sqlite3_bind_int64(s, 8, r->cycle_id);
	sqlite3_bind_int(s, 9, r->seq);
	return step_done(st, s, "maintenance step", e);
}

int
store_guest_set_host(struct store *st, int64_t guest_id, const char *host,
    struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "UPDATE guests SET host_id = (SELECT id "
	    "FROM hosts WHERE name = ?) WHERE id = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, guest_id);
	return step_done(st, s, "guest host", e);
}

int
store_choice_set(struct store *st, int64_t cycle, const char *guest,
    const struct choice_rec *c, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT OR REPLACE INTO maint_choices "
	    "(cycle_id, guest, action, chosen, win, target) "
	    "VALUES (?, ?, ?, ?, ?, ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cycle);
	sqlite3_bind_text(s, 2, guest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, c->action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(s, 5, c->win);
	sqlite3_bind_text(s, 6, c->target, -1, SQLITE_STATIC);
	return step_done(st, s, "maintenance choice", e);
}

static void
choice_row(sqlite3_stmt *s, void *arg)
{
	struct choice_rec *c = arg;

	col_text(s, 0, c->action, sizeof(c->action));
	c->win = sqlite3_column_int(s, 1);
	col_text(s, 2, c->target, sizeof(c->target));
	col_text(s, 3, c->guest, sizeof(c->guest));
}

int
store_choice_get(struct store *st, int64_t cycle, const char *guest,
    struct choice_rec *out, struct herr *e)
{
	memset(out, 0, sizeof(*out));
	out->win = -1;
	/* by the primary key: asked for every VPS that guest.show shows */
	return get_row_id(st, "SELECT action, win, target, guest FROM "
	    "maint_choices WHERE cycle_id = ?1 AND guest = ?2", cycle, guest,
	    choice_row, out, e) == -1 ? -1 : 0;
}

int
store_choice_moves(struct store *st, int64_t cycle, struct choice_rec **out,
    size_t *n, struct herr *e)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT action, win, target, guest FROM "
	    "maint_choices WHERE cycle_id = %lld AND target <> '' ORDER BY "
	    "guest", (long long)cycle);
	return list_rows(st, sql, choice_row, sizeof(**out), (void **)out, n,
	    e);
}

/* ---- internal systems' windows ---- */

int
store_service_add(struct store *st, struct service_rec *w, struct herr *e)
{
	sqlite3_stmt *s = prepare(st, "INSERT INTO service_windows (services, "
	    "start, end, note, created) VALUES (?, ?, ?, ?, ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, w->services, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, w->start);
	sqlite3_bind_int64(s, 3, w->end);
	sqlite3_bind_text(s, 4, w->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
	if (step_done(st, s, "service window", e) == -1)
		return -1;
	w->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static void
service_row(sqlite3_stmt *s, void *arg)
{
	struct service_rec *w = arg;

	w->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, w->services, sizeof(w->services));
	w->start = sqlite3_column_int64(s, 2);
	w->end = sqlite3_column_int64(s, 3);
	col_text(s, 4, w->note, sizeof(w->note));
}

int
store_service_list(struct store *st, int64_t after, struct service_rec **out,
    size_t *n, struct herr *e)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT id, services, start, end, note FROM "
	    "service_windows WHERE end > %lld ORDER BY start, id",
	    (long long)after);
	return list_rows(st, sql, service_row, sizeof(**out), (void **)out, n,
	    e);
}
