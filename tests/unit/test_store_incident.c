/* Unit tests for store/incident.c, and hv's pure outage classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "lib/str.h"
#include "store/incident.h"
#include "store/store.h"

static char dir[] = "/tmp/hangar-test-incident.XXXXXX";

/* A store with host h1 (guests g1 g2 of alice, g3 of bob) and h2. */
static struct store *
fleet(const char *name)
{
	static char p[256];
	struct customer_rec c;
	struct host_rec h;
	struct guest_rec g;
	struct store *st;
	struct herr e;
	const char *gs[][3] = { { "g1", "alice", "h1" }, { "g2", "alice", "h1" },
	    { "g3", "bob", "h1" }, { "g4", "bob", "h2" } };
	size_t i;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	assert_non_null(st = store_open(p, &e));
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		str_copy(c.name, i == 0 ? "alice" : "bob", sizeof(c.name));
		c.uid = -1;
		str_copy(c.tz, "UTC", sizeof(c.tz));
		assert_int_equal(store_customer_add(st, &c, &e), 0);
		memset(&h, 0, sizeof(h));
		snprintf(h.name, sizeof(h.name), "h%zu", i + 1);
		snprintf(h.uri, sizeof(h.uri), "test:///h%zu.xml", i + 1);
		h.cpus = 8;
		h.ram_mib = 65536;
		h.disk_mib = 1 << 20;
		str_copy(h.disk_kind, "ssd", sizeof(h.disk_kind));
		str_copy(h.accel, "kvm", sizeof(h.accel));
		assert_int_equal(store_host_add(st, &h, &e), 0);
	}
	for (i = 0; i < 4; i++) {
		memset(&g, 0, sizeof(g));
		str_copy(g.name, gs[i][0], sizeof(g.name));
		snprintf(g.uuid, sizeof(g.uuid), "00000000-0000-4000-8000-00000000000%zu",
		    i);
		str_copy(g.kind, "kvm", sizeof(g.kind));
		str_copy(g.customer, gs[i][1], sizeof(g.customer));
		str_copy(g.plan, "small", sizeof(g.plan));
		str_copy(g.host, gs[i][2], sizeof(g.host));
		assert_int_equal(store_guest_reserve(st, &g, 4, &e), 0);
	}
	return st;
}

static int64_t
open_incident(struct store *st, const char *host, int64_t at)
{
	struct incident_rec r;
	struct inc_host_rec h;
	struct herr e;

	memset(&r, 0, sizeof(r));
	str_copy(r.cause, "host-unreachable", sizeof(r.cause));
	str_copy(r.title, "Host h1 unreachable", sizeof(r.title));
	r.announce = 1;
	r.opened_ms = at;
	assert_int_equal(store_incident_add(st, &r, &e), 0);
	memset(&h, 0, sizeof(h));
	str_copy(h.host, host, sizeof(h.host));
	str_copy(h.cause, "host-unreachable", sizeof(h.cause));
	h.lost_ms = at;
	assert_int_equal(store_inc_host_add(st, r.id, &h, &e), 0);
	return r.id;
}

static void
add_guest(struct store *st, int64_t id, const char *name, const char *owner,
    int64_t down)
{
	struct inc_guest_rec g;
	struct herr e;

	memset(&g, 0, sizeof(g));
	str_copy(g.guest, name, sizeof(g.guest));
	str_copy(g.customer, owner, sizeof(g.customer));
	str_copy(g.host, "h1", sizeof(g.host));
	str_copy(g.cause, "host-unreachable", sizeof(g.cause));
	assert_true(store_inc_guest_add(st, id, &g, down, &e) >= 0);
}

static void
test_intervals(void **state)
{
	struct store *st = fleet("intervals.db");
	struct inc_guest_rec *gs, one;
	struct incident_rec r;
	struct herr e;
	int64_t id, lost, of;
	size_t n;

	(void)state;
	id = open_incident(st, "h1", 1000);
	add_guest(st, id, "g1", "alice", 1000);
	add_guest(st, id, "g3", "bob", 1000);
	/* adding again while down opens no second interval */
	add_guest(st, id, "g1", "alice", 5000);
	assert_int_equal(store_incident_get(st, id, &r, &e), 0);
	assert_int_equal(r.nguests, 2);
	assert_int_equal(r.ncustomers, 2);
	assert_int_equal(r.ndown, 2);
	assert_true(store_inc_host_is_down(st, "h1", &lost));
	assert_int_equal(lost, 1000);
	assert_false(store_inc_host_is_down(st, "h2", &lost));
	/* running again: closed once */
	assert_int_equal(store_inc_guest_up(st, "g1", 61000, &e), 1);
	assert_int_equal(store_inc_guest_up(st, "g1", 99000, &e), 0);
	/* a clock going back never makes an interval negative */
	assert_int_equal(store_inc_guest_up(st, "g3", 500, &e), 1);
	assert_int_equal(store_inc_guests(st, id, &gs, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(gs[0].guest, "g1");
	assert_int_equal(gs[0].total_ms, 60000);
	assert_int_equal(gs[0].up_ms, 61000);
	assert_int_equal(gs[1].total_ms, 0);
	free(gs);
	/* down again in the same incident: a second interval */
	add_guest(st, id, "g1", "alice", 70000);
	assert_int_equal(store_inc_guest_get(st, id, "g1", &one, &e), 0);
	assert_int_equal(one.nintervals, 2);
	assert_int_equal(one.up_ms, 0);
	assert_int_equal(one.down_ms, 1000);
	assert_int_equal(store_inc_of_guest(st, "g1", &of, &e), 0);
	assert_int_equal(of, id);
	assert_int_equal(store_inc_of_guest(st, "g4", &of, &e), 0);
	assert_int_equal(of, 0);
	/* resolved: every open interval closes, and no open incident holds it */
	assert_int_equal(store_inc_close_all(st, id, 80000, &e), 0);
	str_copy(r.state, "resolved", sizeof(r.state));
	r.resolved_ms = 80000;
	assert_int_equal(store_incident_set(st, &r, &e), 0);
	assert_int_equal(store_inc_guest_get(st, id, "g1", &one, &e), 0);
	assert_int_equal(one.total_ms, 60000 + 10000);
	assert_int_equal(store_inc_of_guest(st, "g1", &of, &e), 0);
	assert_int_equal(of, 0);
	assert_false(store_inc_host_is_down(st, "h1", &lost));
	store_close(st);
}

static void
test_notices_once(void **state)
{
	struct store *st = fleet("notices.db");
	struct inc_notice_rec *ns;
	struct herr e;
	int64_t id;
	size_t n;

	(void)state;
	id = open_incident(st, "h1", 1000);
	assert_int_equal(store_inc_notice_add(st, id, "alice", "open", "due", "",
	    &e), 0);
	assert_int_equal(store_inc_notice_add(st, id, "bob", "open", "due", "",
	    &e), 0);
	assert_int_equal(store_inc_notice_add(st, id, "alice", "resolved", "due",
	    "", &e), 0);
	/* a second add of the same (incident, customer, kind) is ignored */
	assert_int_equal(store_inc_notice_set(st, id, "alice", "open",
	    "spooled", "", &e), 0);
	assert_int_equal(store_inc_notice_add(st, id, "alice", "open", "due", "",
	    &e), 0);
	assert_int_equal(store_inc_notices_due(st, 10, &ns, &n, &e), 0);
	assert_int_equal(n, 2);
	/* an incident's open notices go first */
	assert_string_equal(ns[0].kind, "open");
	assert_string_equal(ns[0].customer, "bob");
	assert_string_equal(ns[1].kind, "resolved");
	free(ns);
	assert_int_equal(store_inc_notices_due(st, 1, &ns, &n, &e), 0);
	assert_int_equal(n, 1);
	free(ns);
	/* only the values the schema allows */
	assert_int_equal(store_inc_notice_add(st, id, "bob", "maybe", "due", "",
	    &e), -1);
	store_close(st);
}

static void
test_timeline_and_marks(void **state)
{
	struct store *st = fleet("timeline.db");
	struct inc_event_rec *ev;
	struct inc_mark *m;
	struct herr e;
	int64_t id;
	size_t n;
	int seq;

	(void)state;
	id = open_incident(st, "h1", 1000);
	add_guest(st, id, "g2", "alice", 1000);
	add_guest(st, id, "g3", "bob", 1000);
	assert_int_equal(store_inc_event_add(st, id, 1000, "opened", "a", 0, -1,
	    &seq, &e), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(store_inc_event_add(st, id, 2000, "update", "b", 0, 0,
	    &seq, &e), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_inc_event_mark(st, id, 1, 1, 7, &e), 0);
	assert_int_equal(store_inc_events(st, id, &ev, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[1].irc, 1);
	assert_int_equal(ev[1].post, 7);
	assert_string_equal(ev[1].text, "b");
	free(ev);
	/* a customer sees the marks of its own VPSes only */
	assert_int_equal(store_inc_marks(st, "alice", &m, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].guest, "g2");
	assert_int_equal(m[0].incident_id, id);
	assert_true(m[0].down);
	free(m);
	store_close(st);
}

static void
test_keys_and_choices(void **state)
{
	struct store *st = fleet("keys.db");
	struct host_key_rec k, *ks;
	struct herr e;
	size_t n;
	int on;

	(void)state;
	memset(&k, 0, sizeof(k));
	str_copy(k.type, "ssh-ed25519", sizeof(k.type));
	str_copy(k.key, "AAAA", sizeof(k.key));
	str_copy(k.fingerprint, "SHA256:x", sizeof(k.fingerprint));
	assert_int_equal(store_host_key_set(st, "h1", &k, &e), 0);
	assert_int_equal(store_host_key_set(st, "h9", &k, &e), -1);
	assert_int_equal(e.code, HERR_NOTFOUND);
	assert_int_equal(store_host_report_seq_set(st, "h1", 17, &e), 0);
	assert_int_equal(store_host_key_get(st, "h1", &k, &e), 0);
	assert_int_equal(k.report_seq, 17);
	/* a new key restarts the sequence */
	assert_int_equal(store_host_key_set(st, "h1", &k, &e), 0);
	assert_int_equal(store_host_key_get(st, "h1", &k, &e), 0);
	assert_int_equal(k.report_seq, -1);
	assert_int_equal(store_host_key_list(st, &ks, &n, &e), 0);
	assert_int_equal(n, 1);
	free(ks);
	assert_int_equal(store_host_key_remove(st, "h1", &e), 0);
	assert_int_equal(store_host_key_remove(st, "h1", &e), -1);
	assert_int_equal(store_guest_restart_get(st, "g1", &on, &e), 0);
	assert_true(on);
	assert_int_equal(store_guest_restart_set(st, "g1", 0, &e), 0);
	assert_int_equal(store_guest_restart_get(st, "g1", &on, &e), 0);
	assert_false(on);
	assert_int_equal(store_guest_restart_set(st, "nope", 0, &e), -1);
	store_close(st);
}

/* What is an outage and what was asked for (hv/events.c). */
static void
test_outage_classification(void **state)
{
	(void)state;
	assert_true(hv_dom_event_is_outage(HV_DOM_STOPPED_CRASHED, 0));
	assert_true(hv_dom_event_is_outage(HV_DOM_STOPPED_FAILED, 0));
	assert_true(hv_dom_event_is_outage(HV_DOM_CRASHED, 0));
	assert_true(hv_dom_event_is_outage(HV_DOM_IOERROR, 0));
	/* QEMU killed with SIGTERM on the host */
	assert_true(hv_dom_event_is_outage(HV_DOM_STOPPED_SHUTDOWN, 1));
	/* the guest, the customer or an operator asked for these */
	assert_false(hv_dom_event_is_outage(HV_DOM_STOPPED_SHUTDOWN, 0));
	assert_false(hv_dom_event_is_outage(HV_DOM_STOPPED_DESTROYED, 0));
	assert_false(hv_dom_event_is_outage(HV_DOM_STOPPED_DESTROYED, 1));
	assert_false(hv_dom_event_is_outage(HV_DOM_STOPPED_MIGRATED, 0));
	assert_false(hv_dom_event_is_outage(HV_DOM_STOPPED_SAVED, 0));
	assert_false(hv_dom_event_is_outage(HV_DOM_SHUTDOWN_GUEST, 0));
	assert_false(hv_dom_event_is_outage(HV_DOM_SUSPENDED, 0));
	assert_false(hv_dom_event_is_outage(HV_DOM_STARTED, 0));
	/* states read after a reconnect */
	assert_true(hv_state_is_outage("crashed", "panicked"));
	assert_true(hv_state_is_outage("shutoff", "failed"));
	assert_true(hv_state_is_outage("shutoff", "crashed"));
	assert_true(hv_state_is_outage("shutoff", "unknown"));
	assert_true(hv_state_is_outage("paused", "ioerror"));
	assert_false(hv_state_is_outage("shutoff", "shutdown"));
	assert_false(hv_state_is_outage("shutoff", "destroyed"));
	assert_false(hv_state_is_outage("shutoff", "migrated"));
	assert_false(hv_state_is_outage("paused", "user"));
	assert_false(hv_state_is_outage("running", "booted"));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_notices_once),
		cmocka_unit_test(test_timeline_and_marks),
		cmocka_unit_test(test_keys_and_choices),
		cmocka_unit_test(test_outage_classification),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
