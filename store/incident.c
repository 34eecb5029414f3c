/*
 * store/incident: the queries of unplanned outages (see incident.h).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "store/incident.h"
#include "store/store_priv.h"

static int
fail(struct store *st, struct herr *e, const char *what)
{
	int ext = sqlite3_extended_errcode(store_sqlite(st));

	if (ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return herr_set(e, HERR_EXISTS, "%s: already exists", what);
	return herr_set(e, HERR_INTERNAL, "%s: store: %s", what,
	    sqlite3_errmsg(store_sqlite(st)));
}

static sqlite3_stmt *
prep(struct store *st, const char *sql, struct herr *e)
{
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql)) == NULL) {
		fail(st, e, "prepare");
		return NULL;
	}
	return s;
}

/* Steps s to its end and finalizes it. */
static int
done(struct store *st, sqlite3_stmt *s, const char *what, struct herr *e)
{
	int r = sqlite3_step(s);

	if (r != SQLITE_DONE) {
		fail(st, e, what);
		store_stmt_done(st, s);
		return -1;
	}
	store_stmt_done(st, s);
	return 0;
}

static void
col(sqlite3_stmt *s, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	str_copy(dst, t != NULL ? (const char *)t : "", size);
}

static void
bind_s(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v != NULL ? v : "", -1, SQLITE_TRANSIENT);
}

/* A growing array of records. */
struct vec {
	void	*v;
	size_t	 n, cap, size;
};

static void *
vec_push(struct vec *a)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, a->size);
	}
	memset((char *)a->v + a->n * a->size, 0, a->size);
	return (char *)a->v + a->n++ * a->size;
}

/* ---- incidents ---- */

#define INC_COLS "i.id, i.cause, i.title, i.state, i.announce, " \
	"i.opened_ms, i.resolved_ms, i.posted, i.post_id, i.report_post, " \
	"(SELECT COUNT(*) FROM incident_hosts h WHERE h.incident_id = i.id), " \
	"(SELECT COUNT(*) FROM incident_guests g WHERE g.incident_id = i.id), " \
	"(SELECT COUNT(DISTINCT customer) FROM incident_guests g " \
	"  WHERE g.incident_id = i.id), " \
	"(SELECT COUNT(DISTINCT guest) FROM incident_outages o " \
	"  WHERE o.incident_id = i.id AND o.up_ms = 0)"

static void
inc_row(sqlite3_stmt *s, struct incident_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	col(s, 1, r->cause, sizeof(r->cause));
	col(s, 2, r->title, sizeof(r->title));
	col(s, 3, r->state, sizeof(r->state));
	r->announce = sqlite3_column_int(s, 4);
	r->opened_ms = sqlite3_column_int64(s, 5);
	r->resolved_ms = sqlite3_column_int64(s, 6);
	r->posted = sqlite3_column_int64(s, 7);
	r->post_id = sqlite3_column_int64(s, 8);
	r->report_post = sqlite3_column_int64(s, 9);
	r->nhosts = sqlite3_column_int(s, 10);
	r->nguests = sqlite3_column_int(s, 11);
	r->ncustomers = sqlite3_column_int(s, 12);
	r->ndown = sqlite3_column_int(s, 13);
}

int
store_incident_add(struct store *st, struct incident_rec *r, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "INSERT INTO incidents (cause, title, "
	    "state, announce, opened_ms) VALUES (?, ?, 'open', ?, ?)", e);

	if (s == NULL)
		return -1;
	bind_s(s, 1, r->cause);
	bind_s(s, 2, r->title);
	sqlite3_bind_int(s, 3, r->announce);
	sqlite3_bind_int64(s, 4, r->opened_ms);
	if (done(st, s, "incident", e) == -1)
		return -1;
	r->id = sqlite3_last_insert_rowid(store_sqlite(st));
	str_copy(r->state, "open", sizeof(r->state));
	return 0;
}

int
store_incident_get(struct store *st, int64_t id, struct incident_rec *out,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, id > 0 ? "SELECT " INC_COLS " FROM "
	    "incidents i WHERE i.id = ?" : "SELECT " INC_COLS " FROM "
	    "incidents i ORDER BY i.id DESC LIMIT 1", e);
	int r;

	if (s == NULL)
		return -1;
	if (id > 0)
		sqlite3_bind_int64(s, 1, id);
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		inc_row(s, out);
	store_stmt_done(st, s);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return fail(st, e, "incident");
	if (id > 0)
		return herr_set(e, HERR_NOTFOUND, "no such incident: %lld",
		    (long long)id);
	return herr_set(e, HERR_NOTFOUND, "no incident yet");
}

int
store_incident_list(struct store *st, int64_t since_ms,
    struct incident_rec **out, size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	sqlite3_stmt *s = prep(st, since_ms > 0 ? "SELECT " INC_COLS " FROM "
	    "incidents i WHERE i.state = 'open' OR i.resolved_ms >= ? "
	    "ORDER BY i.id DESC" : since_ms < 0 ? "SELECT " INC_COLS " FROM "
	    "incidents i WHERE i.state = 'open' ORDER BY i.id DESC" :
	    "SELECT " INC_COLS " FROM incidents i ORDER BY i.id DESC", e);
	int r;

	if (s == NULL)
		return -1;
	if (since_ms > 0)
		sqlite3_bind_int64(s, 1, since_ms);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		inc_row(s, vec_push(&a));
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "incidents");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_incident_set(struct store *st, const struct incident_rec *r,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incidents SET cause = ?, title = ?, "
	    "state = ?, announce = ?, resolved_ms = ?, posted = ?, "
	    "post_id = ?, report_post = ? WHERE id = ?", e);

	if (s == NULL)
		return -1;
	bind_s(s, 1, r->cause);
	bind_s(s, 2, r->title);
	bind_s(s, 3, r->state);
	sqlite3_bind_int(s, 4, r->announce);
	sqlite3_bind_int64(s, 5, r->resolved_ms);
	sqlite3_bind_int64(s, 6, r->posted);
	sqlite3_bind_int64(s, 7, r->post_id);
	sqlite3_bind_int64(s, 8, r->report_post);
	sqlite3_bind_int64(s, 9, r->id);
	return done(st, s, "incident", e);
}

/* The first column of a one-row query as an integer (def if no row). */
static int
one_int(struct store *st, sqlite3_stmt *s, int64_t def, int64_t *out,
    struct herr *e)
{
	int r;

	*out = def;
	if (s == NULL)
		return -1;
	if ((r = sqlite3_step(s)) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	store_stmt_done(st, s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return fail(st, e, "query");
	return 0;
}

int
store_incident_posted(struct store *st, int64_t id, int *posted,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT posted > 0 AND announce = 1 FROM "
	    "incidents WHERE id = ?", e);
	int64_t v;

	if (s != NULL)
		sqlite3_bind_int64(s, 1, id);
	if (one_int(st, s, 0, &v, e) == -1)
		return -1;
	*posted = v != 0;
	return 0;
}

int
store_incident_for_host(struct store *st, const char *host, int64_t *id,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT i.id FROM incidents i JOIN "
	    "incident_hosts h ON h.incident_id = i.id WHERE i.state = 'open' "
	    "AND h.host = ? ORDER BY i.id DESC LIMIT 1", e);

	if (s != NULL)
		bind_s(s, 1, host);
	return one_int(st, s, 0, id, e);
}

/* ---- hosts ---- */

int
store_inc_host_add(struct store *st, int64_t id, const struct inc_host_rec *h,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "INSERT OR IGNORE INTO incident_hosts "
	    "(incident_id, host, cause, lost_ms, back_ms, detail) "
	    "VALUES (?, ?, ?, ?, ?, ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, h->host);
	bind_s(s, 3, h->cause);
	sqlite3_bind_int64(s, 4, h->lost_ms);
	sqlite3_bind_int64(s, 5, h->back_ms);
	bind_s(s, 6, h->detail);
	return done(st, s, "incident host", e);
}

int
store_inc_host_back(struct store *st, const char *host, int64_t back_ms,
    int *n, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_hosts SET back_ms = ? "
	    "WHERE host = ? AND back_ms = 0 AND cause = 'host-unreachable' "
	    "AND incident_id IN (SELECT id FROM incidents WHERE state = 'open')",
	    e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, back_ms);
	bind_s(s, 2, host);
	if (done(st, s, "incident host", e) == -1)
		return -1;
	if (n != NULL)
		*n = sqlite3_changes(store_sqlite(st));
	return 0;
}

int
store_inc_host_lost_again(struct store *st, int64_t id, const char *host,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_hosts SET back_ms = 0, "
	    "cause = 'host-unreachable' WHERE incident_id = ? AND host = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, host);
	return done(st, s, "incident host", e);
}

int
store_inc_hosts(struct store *st, int64_t id, struct inc_host_rec **out,
    size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	struct inc_host_rec *h;
	sqlite3_stmt *s = prep(st, "SELECT host, cause, lost_ms, back_ms, "
	    "detail FROM incident_hosts WHERE incident_id = ? ORDER BY host",
	    e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		h = vec_push(&a);
		col(s, 0, h->host, sizeof(h->host));
		col(s, 1, h->cause, sizeof(h->cause));
		h->lost_ms = sqlite3_column_int64(s, 2);
		h->back_ms = sqlite3_column_int64(s, 3);
		col(s, 4, h->detail, sizeof(h->detail));
	}
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "incident hosts");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_host_is_down(struct store *st, const char *host, int64_t *lost)
{
	sqlite3_stmt *s = prep(st, "SELECT MIN(h.lost_ms) FROM incident_hosts "
	    "h JOIN incidents i ON i.id = h.incident_id WHERE i.state = 'open' "
	    "AND h.host = ? AND h.back_ms = 0 AND h.cause = "
	    "'host-unreachable'", NULL);

	if (s != NULL)
		bind_s(s, 1, host);
	if (one_int(st, s, 0, lost, NULL) == -1)
		return 0;
	return *lost > 0;
}

/* ---- guests and their outage intervals ---- */

int
store_inc_guest_add(struct store *st, int64_t id, const struct inc_guest_rec *g,
    int64_t down_ms, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "INSERT OR IGNORE INTO incident_guests "
	    "(incident_id, guest, customer, host, cause, recovery, note) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", e);
	int64_t open;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, g->guest);
	bind_s(s, 3, g->customer);
	bind_s(s, 4, g->host);
	bind_s(s, 5, g->cause);
	bind_s(s, 6, g->recovery);
	bind_s(s, 7, g->note);
	if (done(st, s, "incident guest", e) == -1)
		return -1;
	if (down_ms <= 0)
		return 0;
	s = prep(st, "SELECT COUNT(*) FROM incident_outages WHERE "
	    "incident_id = ? AND guest = ? AND up_ms = 0", e);
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, id);
		bind_s(s, 2, g->guest);
	}
	if (one_int(st, s, 0, &open, e) == -1)
		return -1;
	if (open > 0)
		return 0;
	s = prep(st, "INSERT OR IGNORE INTO incident_outages (incident_id, "
	    "guest, down_ms) VALUES (?, ?, ?)", e);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, g->guest);
	sqlite3_bind_int64(s, 3, down_ms);
	if (done(st, s, "outage", e) == -1)
		return -1;
	return sqlite3_changes(store_sqlite(st)) > 0;
}

int
store_inc_host_guests_add(struct store *st, int64_t id, const char *host,
    const char *cause, int64_t down_ms, size_t *n, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "INSERT OR IGNORE INTO incident_guests "
	    "(incident_id, guest, customer, host, cause) SELECT ?1, g.name, "
	    "c.name, h.name, ?3 FROM guests g JOIN hosts h ON h.id = g.host_id "
	    "JOIN customers c ON c.id = g.customer_id WHERE h.name = ?2 AND "
	    "g.status = 'defined' AND g.state IN ('running', 'paused')", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, host);
	bind_s(s, 3, cause);
	if (done(st, s, "incident guests", e) == -1)
		return -1;
	if ((s = prep(st, "INSERT OR IGNORE INTO incident_outages (incident_id, "
	    "guest, down_ms) SELECT ?1, g.name, ?3 FROM guests g JOIN hosts h "
	    "ON h.id = g.host_id WHERE h.name = ?2 AND g.status = 'defined' "
	    "AND g.state IN ('running', 'paused') AND NOT EXISTS (SELECT 1 "
	    "FROM incident_outages o WHERE o.incident_id = ?1 AND "
	    "o.guest = g.name AND o.up_ms = 0)", e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, host);
	sqlite3_bind_int64(s, 3, down_ms);
	if (done(st, s, "outages", e) == -1)
		return -1;
	if (n != NULL)
		*n = (size_t)sqlite3_changes(store_sqlite(st));
	return 0;
}

int
store_inc_guest_set(struct store *st, int64_t id, const char *guest,
    const char *recovery, const char *note, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_guests SET recovery = ?, "
	    "note = ? WHERE incident_id = ? AND guest = ?", e);

	if (s == NULL)
		return -1;
	bind_s(s, 1, recovery);
	bind_s(s, 2, note);
	sqlite3_bind_int64(s, 3, id);
	bind_s(s, 4, guest);
	return done(st, s, "incident guest", e);
}

int
store_inc_guest_up(struct store *st, const char *guest, int64_t up_ms,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_outages SET up_ms = "
	    "MAX(?, down_ms) WHERE guest = ? AND up_ms = 0 AND incident_id IN "
	    "(SELECT id FROM incidents WHERE state = 'open')", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, up_ms);
	bind_s(s, 2, guest);
	if (done(st, s, "outage", e) == -1)
		return -1;
	return sqlite3_changes(store_sqlite(st));
}

#define GUEST_COLS "g.guest, g.customer, g.host, g.cause, g.recovery, " \
	"g.note, MIN(o.down_ms), CASE WHEN COUNT(o.down_ms) = 0 THEN 0 " \
	"WHEN SUM(o.up_ms = 0) > 0 THEN 0 ELSE MAX(o.up_ms) END, " \
	"SUM(CASE WHEN o.up_ms > 0 THEN o.up_ms - o.down_ms ELSE 0 END), " \
	"COUNT(o.down_ms) FROM incident_guests g LEFT JOIN incident_outages o " \
	"ON o.incident_id = g.incident_id AND o.guest = g.guest "

static void
guest_row(sqlite3_stmt *s, struct inc_guest_rec *g)
{
	col(s, 0, g->guest, sizeof(g->guest));
	col(s, 1, g->customer, sizeof(g->customer));
	col(s, 2, g->host, sizeof(g->host));
	col(s, 3, g->cause, sizeof(g->cause));
	col(s, 4, g->recovery, sizeof(g->recovery));
	col(s, 5, g->note, sizeof(g->note));
	g->down_ms = sqlite3_column_int64(s, 6);
	g->up_ms = sqlite3_column_int64(s, 7);
	g->total_ms = sqlite3_column_int64(s, 8);
	g->nintervals = sqlite3_column_int(s, 9);
}

int
store_inc_guest_get(struct store *st, int64_t id, const char *guest,
    struct inc_guest_rec *out, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT " GUEST_COLS "WHERE "
	    "g.incident_id = ? AND g.guest = ? GROUP BY g.guest", e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, guest);
	memset(out, 0, sizeof(*out));
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		guest_row(s, out);
	store_stmt_done(st, s);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return fail(st, e, "incident guest");
	return herr_set(e, HERR_NOTFOUND, "guest %s is not in incident %lld",
	    guest, (long long)id);
}

int
store_inc_guests(struct store *st, int64_t id, struct inc_guest_rec **out,
    size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	sqlite3_stmt *s = prep(st, "SELECT " GUEST_COLS "WHERE "
	    "g.incident_id = ? GROUP BY g.guest ORDER BY g.guest", e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		guest_row(s, vec_push(&a));
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "incident guests");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_guests_of(struct store *st, int64_t id, const char *customer,
    struct inc_guest_rec **out, size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	sqlite3_stmt *s = prep(st, "SELECT " GUEST_COLS "WHERE "
	    "g.incident_id = ? AND g.customer = ? GROUP BY g.guest "
	    "ORDER BY g.guest", e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, customer);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		guest_row(s, vec_push(&a));
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "incident guests");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_close_all(struct store *st, int64_t id, int64_t up_ms,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_outages SET up_ms = "
	    "MAX(?, down_ms) WHERE incident_id = ? AND up_ms = 0", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, up_ms);
	sqlite3_bind_int64(s, 2, id);
	return done(st, s, "outages", e);
}

int
store_inc_outages(struct store *st, int64_t id, struct inc_outage_rec **out,
    size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	struct inc_outage_rec *o;
	sqlite3_stmt *s = prep(st, "SELECT guest, down_ms, up_ms FROM "
	    "incident_outages WHERE incident_id = ? ORDER BY guest, down_ms",
	    e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		o = vec_push(&a);
		col(s, 0, o->guest, sizeof(o->guest));
		o->down_ms = sqlite3_column_int64(s, 1);
		o->up_ms = sqlite3_column_int64(s, 2);
	}
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "outages");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_of_guest(struct store *st, const char *guest, int64_t *id,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT i.id FROM incidents i JOIN "
	    "incident_guests g ON g.incident_id = i.id WHERE i.state = 'open' "
	    "AND g.guest = ? ORDER BY i.id DESC LIMIT 1", e);

	if (s != NULL)
		bind_s(s, 1, guest);
	return one_int(st, s, 0, id, e);
}

int
store_inc_marks(struct store *st, const char *customer, struct inc_mark **out,
    size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	struct inc_mark *m;
	sqlite3_stmt *s = prep(st, "SELECT g.guest, i.id, EXISTS (SELECT 1 "
	    "FROM incident_outages o WHERE o.incident_id = i.id AND "
	    "o.guest = g.guest AND o.up_ms = 0) FROM incident_guests g JOIN "
	    "incidents i ON i.id = g.incident_id WHERE i.state = 'open' AND "
	    "i.announce = 1 AND (?1 = '' OR g.customer = ?1) "
	    "ORDER BY g.guest, i.id", e);
	int r;

	if (s == NULL)
		return -1;
	bind_s(s, 1, customer);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		/* a guest in two open incidents: the newest one */
		if (a.n > 0 && strcmp(((struct inc_mark *)a.v)[a.n - 1].guest,
		    (const char *)sqlite3_column_text(s, 0)) == 0)
			m = &((struct inc_mark *)a.v)[a.n - 1];
		else
			m = vec_push(&a);
		col(s, 0, m->guest, sizeof(m->guest));
		m->incident_id = sqlite3_column_int64(s, 1);
		m->down = sqlite3_column_int(s, 2) > 0;
	}
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "incident marks");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_customers(struct store *st, int64_t id, char (**out)[64], size_t *n,
    struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	sqlite3_stmt *s = prep(st, "SELECT DISTINCT customer FROM "
	    "incident_guests WHERE incident_id = ? ORDER BY customer", e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		col(s, 0, vec_push(&a), sizeof(**out));
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "incident customers");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

/* ---- timeline ---- */

int
store_inc_event_add(struct store *st, int64_t id, int64_t at_ms,
    const char *kind, const char *text, int irc, int64_t post, int *seq,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT MAX(seq) FROM incident_timeline "
	    "WHERE incident_id = ?", e);
	int64_t last;

	if (s != NULL)
		sqlite3_bind_int64(s, 1, id);
	if (one_int(st, s, -1, &last, e) == -1)
		return -1;
	if ((s = prep(st, "INSERT INTO incident_timeline (incident_id, seq, "
	    "at_ms, kind, text, irc, post) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, last + 1);
	sqlite3_bind_int64(s, 3, at_ms);
	bind_s(s, 4, kind);
	bind_s(s, 5, text);
	sqlite3_bind_int(s, 6, irc);
	sqlite3_bind_int64(s, 7, post);
	if (done(st, s, "timeline", e) == -1)
		return -1;
	if (seq != NULL)
		*seq = (int)(last + 1);
	return 0;
}

int
store_inc_events(struct store *st, int64_t id, struct inc_event_rec **out,
    size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	struct inc_event_rec *v;
	sqlite3_stmt *s = prep(st, "SELECT seq, at_ms, kind, text, irc, post "
	    "FROM incident_timeline WHERE incident_id = ? ORDER BY seq", e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		v = vec_push(&a);
		v->seq = sqlite3_column_int(s, 0);
		v->at_ms = sqlite3_column_int64(s, 1);
		col(s, 2, v->kind, sizeof(v->kind));
		col(s, 3, v->text, sizeof(v->text));
		v->irc = sqlite3_column_int(s, 4);
		v->post = sqlite3_column_int64(s, 5);
	}
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "timeline");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_event_mark(struct store *st, int64_t id, int seq, int irc,
    int64_t post, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_timeline SET irc = ?, "
	    "post = ? WHERE incident_id = ? AND seq = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, irc);
	sqlite3_bind_int64(s, 2, post);
	sqlite3_bind_int64(s, 3, id);
	sqlite3_bind_int(s, 4, seq);
	return done(st, s, "timeline", e);
}

/* ---- notices ---- */

int
store_inc_notice_add(struct store *st, int64_t id, const char *customer,
    const char *kind, const char *state, const char *detail, struct herr *e)
{
	sqlite3_stmt *s;

	/* OR IGNORE would skip a row the CHECKs refuse, silently */
	if ((strcmp(kind, "open") != 0 && strcmp(kind, "resolved") != 0) ||
	    (strcmp(state, "due") != 0 && strcmp(state, "spooled") != 0 &&
	    strcmp(state, "skipped") != 0))
		return herr_set(e, HERR_USAGE, "notice: bad kind or state");
	if ((s = prep(st, "INSERT OR IGNORE INTO incident_notices "
	    "(incident_id, customer, kind, state, detail, at) "
	    "VALUES (?, ?, ?, ?, ?, ?)", e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, customer);
	bind_s(s, 3, kind);
	bind_s(s, 4, state);
	bind_s(s, 5, detail);
	sqlite3_bind_int64(s, 6, strcmp(state, "due") == 0 ? 0 :
	    (int64_t)time(NULL));
	return done(st, s, "notice", e);
}

int
store_inc_notices_add_all(struct store *st, int64_t id, const char *kind,
    struct herr *e)
{
	sqlite3_stmt *s;

	if (strcmp(kind, "open") != 0 && strcmp(kind, "resolved") != 0)
		return herr_set(e, HERR_USAGE, "notice: bad kind");
	if ((s = prep(st, "INSERT OR IGNORE INTO incident_notices "
	    "(incident_id, customer, kind, state) SELECT DISTINCT ?1, "
	    "customer, ?2, 'due' FROM incident_guests WHERE incident_id = ?1",
	    e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, kind);
	return done(st, s, "notices", e);
}

int
store_inc_notice_set(struct store *st, int64_t id, const char *customer,
    const char *kind, const char *state, const char *detail, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE incident_notices SET state = ?, "
	    "detail = ?, at = ? WHERE incident_id = ? AND customer = ? AND "
	    "kind = ?", e);

	if (s == NULL)
		return -1;
	bind_s(s, 1, state);
	bind_s(s, 2, detail);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 4, id);
	bind_s(s, 5, customer);
	bind_s(s, 6, kind);
	return done(st, s, "notice", e);
}

static int
notice_query(struct store *st, sqlite3_stmt *s, struct inc_notice_rec **out,
    size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	struct inc_notice_rec *v;
	int r;

	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		v = vec_push(&a);
		v->incident_id = sqlite3_column_int64(s, 0);
		col(s, 1, v->customer, sizeof(v->customer));
		col(s, 2, v->kind, sizeof(v->kind));
		col(s, 3, v->state, sizeof(v->state));
		col(s, 4, v->detail, sizeof(v->detail));
		v->at = sqlite3_column_int64(s, 5);
	}
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "notices");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_inc_notices(struct store *st, int64_t id, struct inc_notice_rec **out,
    size_t *n, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT incident_id, customer, kind, state, "
	    "detail, at FROM incident_notices WHERE incident_id = ? "
	    "ORDER BY kind, customer", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return notice_query(st, s, out, n, e);
}

int
store_inc_notices_due(struct store *st, size_t max,
    struct inc_notice_rec **out, size_t *n, struct herr *e)
{
	/* an incident's open notices go before its resolved ones */
	sqlite3_stmt *s = prep(st, "SELECT incident_id, customer, kind, state, "
	    "detail, at FROM incident_notices WHERE state = 'due' "
	    "ORDER BY incident_id, kind, customer LIMIT ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)max);
	return notice_query(st, s, out, n, e);
}

/* ---- hangar-health's incidents ---- */

static void
health_row(sqlite3_stmt *s, struct inc_health_rec *h)
{
	h->incident_id = sqlite3_column_int64(s, 0);
	col(s, 1, h->host, sizeof(h->host));
	col(s, 2, h->health_id, sizeof(h->health_id));
	col(s, 3, h->kind, sizeof(h->kind));
	col(s, 4, h->state, sizeof(h->state));
	col(s, 5, h->severity, sizeof(h->severity));
	col(s, 6, h->summary, sizeof(h->summary));
	h->updated_ms = sqlite3_column_int64(s, 7);
}

#define HEALTH_COLS "incident_id, host, health_id, kind, state, severity, " \
	"summary, updated_ms"

int
store_inc_health_get(struct store *st, const char *host, const char *health_id,
    struct inc_health_rec *out, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT " HEALTH_COLS " FROM incident_health "
	    "WHERE host = ? AND health_id = ?", e);
	int r;

	if (s == NULL)
		return -1;
	bind_s(s, 1, host);
	bind_s(s, 2, health_id);
	memset(out, 0, sizeof(*out));
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		health_row(s, out);
	store_stmt_done(st, s);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return fail(st, e, "health incident");
	return herr_set(e, HERR_NOTFOUND, "no such health incident");
}

int
store_inc_health_put(struct store *st, const struct inc_health_rec *h,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "INSERT OR REPLACE INTO incident_health "
	    "(" HEALTH_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, h->incident_id);
	bind_s(s, 2, h->host);
	bind_s(s, 3, h->health_id);
	bind_s(s, 4, h->kind);
	bind_s(s, 5, h->state);
	bind_s(s, 6, h->severity);
	bind_s(s, 7, h->summary);
	sqlite3_bind_int64(s, 8, h->updated_ms);
	return done(st, s, "health incident", e);
}

int
store_inc_health_open(struct store *st, int64_t id)
{
	sqlite3_stmt *s = prep(st, "SELECT COUNT(*) FROM incident_health WHERE "
	    "incident_id = ? AND state != 'resolved'", NULL);
	int64_t n;

	if (s != NULL)
		sqlite3_bind_int64(s, 1, id);
	if (one_int(st, s, 0, &n, NULL) == -1)
		return 0;
	return (int)n;
}

int
store_inc_health_list(struct store *st, int64_t id,
    struct inc_health_rec **out, size_t *n, struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	sqlite3_stmt *s = prep(st, "SELECT " HEALTH_COLS " FROM incident_health "
	    "WHERE incident_id = ? ORDER BY host, health_id", e);
	int r;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		health_row(s, vec_push(&a));
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "health incidents");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

/* ---- hosts' ingest keys ---- */

static int
host_id(struct store *st, const char *host, int64_t *id, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT id FROM hosts WHERE name = ?", e);

	if (s != NULL)
		bind_s(s, 1, host);
	if (one_int(st, s, 0, id, e) == -1)
		return -1;
	if (*id == 0)
		return herr_set(e, HERR_NOTFOUND, "no such host: %s", host);
	return 0;
}

int
store_host_key_set(struct store *st, const char *host,
    const struct host_key_rec *k, struct herr *e)
{
	sqlite3_stmt *s;
	int64_t id;

	if (host_id(st, host, &id, e) == -1)
		return -1;
	if ((s = prep(st, "INSERT OR REPLACE INTO host_keys (host_id, type, "
	    "key, comment, fingerprint, created, report_seq) "
	    "VALUES (?, ?, ?, ?, ?, ?, -1)", e)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_s(s, 2, k->type);
	bind_s(s, 3, k->key);
	bind_s(s, 4, k->comment);
	bind_s(s, 5, k->fingerprint);
	sqlite3_bind_int64(s, 6, (int64_t)time(NULL));
	return done(st, s, "host key", e);
}

int
store_host_key_remove(struct store *st, const char *host, struct herr *e)
{
	sqlite3_stmt *s;
	int64_t id;

	if (host_id(st, host, &id, e) == -1)
		return -1;
	if ((s = prep(st, "DELETE FROM host_keys WHERE host_id = ?", e)) ==
	    NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (done(st, s, "host key", e) == -1)
		return -1;
	if (sqlite3_changes(store_sqlite(st)) == 0)
		return herr_set(e, HERR_NOTFOUND, "host %s has no key", host);
	return 0;
}

#define KEY_COLS "h.name, k.type, k.key, k.comment, k.fingerprint, " \
	"k.created, k.report_seq FROM host_keys k JOIN hosts h ON h.id = " \
	"k.host_id"

static void
key_row(sqlite3_stmt *s, struct host_key_rec *k)
{
	col(s, 0, k->host, sizeof(k->host));
	col(s, 1, k->type, sizeof(k->type));
	col(s, 2, k->key, sizeof(k->key));
	col(s, 3, k->comment, sizeof(k->comment));
	col(s, 4, k->fingerprint, sizeof(k->fingerprint));
	k->created = sqlite3_column_int64(s, 5);
	k->report_seq = sqlite3_column_int64(s, 6);
}

int
store_host_key_get(struct store *st, const char *host,
    struct host_key_rec *out, struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT " KEY_COLS " WHERE h.name = ?", e);
	int r;

	if (s == NULL)
		return -1;
	bind_s(s, 1, host);
	memset(out, 0, sizeof(*out));
	if ((r = sqlite3_step(s)) == SQLITE_ROW)
		key_row(s, out);
	store_stmt_done(st, s);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return fail(st, e, "host key");
	return herr_set(e, HERR_NOTFOUND, "host %s has no key", host);
}

int
store_host_key_list(struct store *st, struct host_key_rec **out, size_t *n,
    struct herr *e)
{
	struct vec a = { NULL, 0, 0, sizeof(**out) };
	sqlite3_stmt *s = prep(st, "SELECT " KEY_COLS " ORDER BY h.name", e);
	int r;

	if (s == NULL)
		return -1;
	while ((r = sqlite3_step(s)) == SQLITE_ROW)
		key_row(s, vec_push(&a));
	store_stmt_done(st, s);
	if (r != SQLITE_DONE) {
		free(a.v);
		return fail(st, e, "host keys");
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_host_report_seq_set(struct store *st, const char *host, int64_t seq,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE host_keys SET report_seq = ? WHERE "
	    "host_id = (SELECT id FROM hosts WHERE name = ?)", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	bind_s(s, 2, host);
	return done(st, s, "report sequence", e);
}

/* ---- a guest's restart-after-outage choice ---- */

int
store_guest_restart_get(struct store *st, const char *guest, int *on,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "SELECT restart_after_outage FROM guests "
	    "WHERE name = ?", e);
	int64_t v;

	if (s != NULL)
		bind_s(s, 1, guest);
	if (one_int(st, s, -1, &v, e) == -1)
		return -1;
	if (v < 0)
		return herr_set(e, HERR_NOTFOUND, "no such guest: %s", guest);
	*on = v != 0;
	return 0;
}

int
store_guest_restart_set(struct store *st, const char *guest, int on,
    struct herr *e)
{
	sqlite3_stmt *s = prep(st, "UPDATE guests SET restart_after_outage = ? "
	    "WHERE name = ?", e);

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, on ? 1 : 0);
	bind_s(s, 2, guest);
	if (done(st, s, "guest", e) == -1)
		return -1;
	if (sqlite3_changes(store_sqlite(st)) == 0)
		return herr_set(e, HERR_NOTFOUND, "no such guest: %s", guest);
	return 0;
}
