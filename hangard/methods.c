/*
 * methods: the request table of hangard.  Every method names who may
 * call it and the exact parameters it takes; the dispatcher checks both
 * before a handler runs.  A customer only ever sees its own guests, and
 * every miss answers the same "no such VPS".
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <pwd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hangard/hangard.h"
#include "hangard/incident.h"
#include "keys/sshkey.h"
#include "rpc/jsonw.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define F_OPERATOR	0x1	/* operators may call it */
#define F_CUSTOMER	0x2	/* customers may call it (own guests only) */
#define F_INGEST	0x4	/* the ingest account (hangar-health) */

/* Handlers return 0 (result ready), -1 (e set) or 1 (a job will reply). */
typedef int (*method_fn)(struct daemon *, struct client *, struct proto_req *,
    json_object **, struct herr *);

struct method {
	const char		*name;
	method_fn		 fn;
	int			 flags;
	const struct proto_param *params;
};

#define NAME_MAX_LEN	63
/*
 * Names that only look something up may be longer on the wire, so that an
 * over-long name gets the same "no such VPS" as any other miss.
 */
#define LOOKUP_MAX_LEN	255

/* ---- JSON renderings of records ---- */

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static json_object *
host_json(const struct host_rec *h)
{
	json_object *o = json_object_new_object();

	add_str(o, "name", h->name);
	add_str(o, "uri", h->uri);
	add_str(o, "disk_kind", h->disk_kind);
	add_str(o, "state", h->state);
	add_str(o, "accel", h->accel);
	add_str(o, "pool", h->pool);
	add_str(o, "hv_type", h->hv_type);
	add_str(o, "hv_version", h->hv_version);
	add_int(o, "cpus", h->cpus);
	add_int(o, "ram_mib", (int64_t)h->ram_mib);
	add_int(o, "disk_mib", (int64_t)h->disk_mib);
	add_int(o, "guests", h->guests);
	add_int(o, "used_vcpus", h->used_vcpus);
	add_int(o, "used_ram_mib", (int64_t)h->used_ram_mib);
	add_int(o, "used_disk_mib", (int64_t)h->used_disk_mib);
	add_int(o, "free_ram_mib", (int64_t)(h->ram_mib - h->used_ram_mib));
	add_int(o, "free_disk_mib", (int64_t)(h->disk_mib - h->used_disk_mib));
	return o;
}

/*
 * A guest's fields, once, for both encoders: json-c objects for single
 * replies, jsonw text for long lists.
 */
struct field_sink {
	void	(*str)(void *, const char *, const char *);
	void	(*num)(void *, const char *, int64_t);
	void	*arg;
};

static void
guest_fields(const struct guest_rec *g, enum role role,
    const struct field_sink *f)
{
	int64_t now = (int64_t)time(NULL);

	f->str(f->arg, "name", g->name);
	f->str(f->arg, "owner", g->customer);
	f->str(f->arg, "plan", g->plan);
	f->str(f->arg, "host", g->host);
	f->str(f->arg, "kind", g->kind);
	f->str(f->arg, "state", strcmp(g->status, "defined") == 0 ? g->state :
	    g->status);
	f->num(f->arg, "ram_mib", (int64_t)g->ram_mib);
	f->num(f->arg, "vcpus", g->vcpus);
	f->num(f->arg, "disk_mib", (int64_t)g->disk_mib);
	f->num(f->arg, "uptime_s", strcmp(g->state, "running") == 0 &&
	    g->state_since > 0 && now >= g->state_since ?
	    now - g->state_since : 0);
	if (role == ROLE_OPERATOR) {
		f->str(f->arg, "uuid", g->uuid);
		f->str(f->arg, "disk", g->disk_path);
	}
}

static void
jc_str(void *o, const char *k, const char *v)
{
	add_str(o, k, v);
}

static void
jc_num(void *o, const char *k, int64_t v)
{
	add_int(o, k, v);
}

static json_object *
guest_json(const struct guest_rec *g, enum role role)
{
	json_object *o = json_object_new_object();
	struct field_sink f = { jc_str, jc_num, o };

	guest_fields(g, role, &f);
	return o;
}

static void
jw_str_cb(void *w, const char *k, const char *v)
{
	jw_str(w, k, v);
}

static void
jw_int_cb(void *w, const char *k, int64_t v)
{
	jw_int(w, k, v);
}

static json_object *
customer_json(const struct customer_rec *c)
{
	json_object *o = json_object_new_object();

	add_str(o, "name", c->name);
	add_int(o, "uid", c->uid);
	add_str(o, "email", c->email);
	add_str(o, "tz", c->tz);
	add_int(o, "guests", c->guests);
	add_str(o, "unix_user", c->unix_user);
	add_int(o, "keys", c->keys);
	return o;
}

struct json_list {
	json_object	*arr;
	enum role	 role;
};

static int
add_guest_json(const struct guest_rec *g, void *arg)
{
	struct json_list *l = arg;

	json_object_array_add(l->arr, guest_json(g, l->role));
	return 0;
}

/* ---- hello ---- */

static const struct proto_param p_hello[] = {
	{ "version", PT_INT, 1000, 1 },
	{ "client", PT_STR, 32, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_hello(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)d;
	if (proto_int(r->params, "version", 0) != PROTO_VERSION)
		return herr_set(e, HERR_PROTO, "protocol version %lld not "
		    "supported (this hangard speaks %d)",
		    (long long)proto_int(r->params, "version", 0), PROTO_VERSION);
	if (c->role == ROLE_NONE) {
		c->close_after = 1;
		return herr_set(e, HERR_PERM, "permission denied: uid %u is "
		    "neither an operator nor a customer", (unsigned)c->uid);
	}
	c->hello = 1;
	*res = json_object_new_object();
	add_int(*res, "version", PROTO_VERSION);
	add_str(*res, "role", c->role == ROLE_OPERATOR ? "operator" :
	    c->role == ROLE_INGEST ? "ingest" : "customer");
	add_str(*res, "customer", c->customer);
	return 0;
}

/* ---- hosts ---- */

static const struct proto_param p_host_add[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "uri", PT_STR, STORE_URI_MAX - 1, 1 },
	{ "disk_kind", PT_STR, 3, 1 },
	{ "disk", PT_STR, 32, 1 },
	{ "ram", PT_STR, 32, 0 },
	{ "cpus", PT_INT, 100000, 0 },
	{ "accel", PT_STR, 3, 0 },
	{ "pool", PT_STR, 63, 0 },
	{ NULL, 0, 0, 0 },
};

static void
host_probe_run(struct job *j)
{
	char path[1200];

	j->conn = hv_open(j->h.uri, &j->err);
	if (j->conn == NULL || hv_node_info(j->conn, &j->node, &j->err) == -1) {
		j->rc = -1;
		return;
	}
	/* the pool must be there: try a tiny volume now, not at first guest */
	if (j->h.pool[0] != '\0') {
		char probe[64];
		snprintf(probe, sizeof(probe), "hangar-probe-%ld", (long)getpid());
		if (hv_disk_create(j->conn, j->h.pool, probe, 1, path,
		    sizeof(path), &j->err) == -1) {
			j->rc = -1;
			return;
		}
		hv_disk_delete(j->conn, path, NULL);
	}
}

static void
host_probe_done(struct daemon *d, struct job *j)
{
	json_object *res = NULL;

	if (j->rc == 0) {
		if (j->h.cpus == 0)
			j->h.cpus = j->node.cpus;
		if (j->h.ram_mib == 0)
			j->h.ram_mib = j->node.ram_mib;
		str_copy(j->h.hv_type, j->node.hv_type, sizeof(j->h.hv_type));
		str_copy(j->h.hv_version, j->node.hv_version,
		    sizeof(j->h.hv_version));
		if (j->h.cpus <= 0 || j->h.ram_mib == 0)
			j->rc = herr_set(&j->err, HERR_HV, "host %s reports no "
			    "CPUs or memory; give --cpus and --ram", j->h.name);
	}
	if (j->rc == 0)
		j->rc = store_host_add(d->st, &j->h, &j->err);
	if (j->rc == 0) {
		hostw_adopt(d, &j->h, j->conn);
		j->conn = NULL;
		if (store_host_get(d->st, j->h.name, &j->h, &j->err) == 0)
			res = host_json(&j->h);
		log_info("host %s added (%s)", j->h.name, j->h.uri);
	}
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
}

static int
m_host_add(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct host_rec h, old;
	const char *kind = proto_str(r->params, "disk_kind");
	const char *ram = proto_str(r->params, "ram");
	const char *accel = proto_str(r->params, "accel");
	struct job *j;

	memset(&h, 0, sizeof(h));
	if (!str_is_name(proto_str(r->params, "name")))
		return herr_set(e, HERR_USAGE, "bad host name: use 1-63 of "
		    "a-z, 0-9 and '-'");
	str_copy(h.name, proto_str(r->params, "name"), sizeof(h.name));
	str_copy(h.uri, proto_str(r->params, "uri"), sizeof(h.uri));
	if (hv_uri_check(h.uri, e) == -1)
		return -1;
	if (strcmp(kind, "hdd") != 0 && strcmp(kind, "ssd") != 0)
		return herr_set(e, HERR_USAGE, "disk kind must be hdd or ssd");
	str_copy(h.disk_kind, kind, sizeof(h.disk_kind));
	if (str_parse_mib(proto_str(r->params, "disk"), &h.disk_mib) == -1)
		return herr_set(e, HERR_USAGE, "bad disk size (e.g. 2T, 500G)");
	if (ram != NULL && (str_parse_mib(ram, &h.ram_mib) == -1 ||
	    h.ram_mib == 0))
		return herr_set(e, HERR_USAGE, "bad RAM size (e.g. 64G)");
	h.cpus = (int)proto_int(r->params, "cpus", 0);
	if (accel != NULL && strcmp(accel, "kvm") != 0 &&
	    strcmp(accel, "tcg") != 0)
		return herr_set(e, HERR_USAGE, "accel must be kvm or tcg");
	str_copy(h.accel, accel ? accel : "kvm", sizeof(h.accel));
	if (proto_str(r->params, "pool") != NULL) {
		if (!str_is_name(proto_str(r->params, "pool")))
			return herr_set(e, HERR_USAGE, "bad storage pool name");
		str_copy(h.pool, proto_str(r->params, "pool"), sizeof(h.pool));
	}
	if (store_host_get(d->st, h.name, &old, NULL) == 0)
		return herr_set(e, HERR_EXISTS, "host %s already exists", h.name);
	j = job_new(NULL, host_probe_run, host_probe_done, c, r->id);
	j->h = h;
	job_spawn(d, j);
	(void)res;
	return 1;
}

static const struct proto_param p_name[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ NULL, 0, 0, 0 },
};

static int
m_host_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct host_rec *hs;
	size_t n, i;

	(void)c;
	(void)r;
	if (store_host_list(d->st, &hs, &n, e) == -1)
		return -1;
	*res = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++)
		json_object_array_add(*res, host_json(&hs[i]));
	free(hs);
	return 0;
}

static int
m_host_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct host_rec h;

	(void)c;
	if (store_host_get(d->st, proto_str(r->params, "name"), &h, e) == -1)
		return -1;
	*res = host_json(&h);
	live_json(d, h.id, *res);	/* whether it answers (not in lists) */
	return 0;
}

static const struct proto_param p_host_state[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "state", PT_STR, 16, 1 },
	{ NULL, 0, 0, 0 },
};

static int
m_host_set_state(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	static const char *states[] = { "active", "maintenance", "draining",
	    "retired", NULL };
	const char *st = proto_str(r->params, "state");
	int i;

	for (i = 0; states[i] != NULL && strcmp(states[i], st) != 0; i++)
		;
	if (states[i] == NULL)
		return herr_set(e, HERR_USAGE, "host state must be active, "
		    "maintenance, draining or retired");
	if (store_host_set_state(d->st, proto_str(r->params, "name"), st,
	    e) == -1)
		return -1;
	log_info("host %s is now %s", proto_str(r->params, "name"), st);
	return m_host_show(d, c, r, res, e);
}

/* ---- customers and plans ---- */

static const struct proto_param p_customer_add[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "user", PT_STR, 32, 0 },
	{ "uid", PT_INT, 0x7fffffff, 0 },
	{ "email", PT_STR, 254, 0 },
	{ "tz", PT_STR, 63, 0 },
	{ "create_user", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_customer_add(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec cu, old;
	const char *user = proto_str(r->params, "user");
	const char *email = proto_str(r->params, "email");
	const char *tz = proto_str(r->params, "tz");
	struct passwd *pw;

	(void)c;
	memset(&cu, 0, sizeof(cu));
	if (!str_is_name(proto_str(r->params, "name")))
		return herr_set(e, HERR_USAGE, "bad customer name: use 1-63 of "
		    "a-z, 0-9 and '-'");
	str_copy(cu.name, proto_str(r->params, "name"), sizeof(cu.name));
	cu.uid = proto_int(r->params, "uid", -1);
	if (user != NULL && !proto_bool(r->params, "create_user", 0)) {
		if ((pw = getpwnam(user)) == NULL)
			return herr_set(e, HERR_NOTFOUND, "no such unix user: %s",
			    user);
		if (cu.uid >= 0 && (uid_t)cu.uid != pw->pw_uid)
			return herr_set(e, HERR_USAGE, "user %s has uid %u, not "
			    "%lld", user, (unsigned)pw->pw_uid, (long long)cu.uid);
		cu.uid = pw->pw_uid;
	}
	if (cu.uid == 0)
		return herr_set(e, HERR_USAGE, "uid 0 cannot be a customer");
	if (customer_check_notice(email, tz, e) == -1)
		return -1;
	str_copy(cu.email, email ? email : "", sizeof(cu.email));
	str_copy(cu.tz, tz ? tz : "UTC", sizeof(cu.tz));
	if (proto_bool(r->params, "create_user", 0)) {
		uid_t uid;
		const char *u = user ? user : cu.name;
		if (cu.uid >= 0 && user == NULL)
			return herr_set(e, HERR_USAGE, "--create-user makes the "
			    "account: give no --uid");
		if (!str_is_name(u) || strlen(u) > 32)
			return herr_set(e, HERR_USAGE, "bad unix user name");
		/* the name must be free before anything is made */
		if (store_customer_get(d->st, cu.name, &old, NULL) == 0)
			return herr_set(e, HERR_EXISTS, "customer %s: already "
			    "exists", cu.name);
		if (account_create(u, cu.name, &uid, e) == -1)
			return -1;
		cu.uid = uid;
		str_copy(cu.unix_user, u, sizeof(cu.unix_user));
		if (store_customer_add(d->st, &cu, e) == -1) {
			account_remove(u);	/* nothing half-made */
			return -1;
		}
		log_info("customer %s added with account %s", cu.name, u);
		*res = customer_json(&cu);
		return 0;
	}
	if (user != NULL)
		str_copy(cu.unix_user, user, sizeof(cu.unix_user));
	if (store_customer_add(d->st, &cu, e) == -1)
		return -1;
	log_info("customer %s added (uid %lld)", cu.name, (long long)cu.uid);
	*res = customer_json(&cu);
	return 0;
}

static int
m_customer_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec *cs;
	size_t n, i;

	(void)c;
	(void)r;
	if (store_customer_list(d->st, &cs, &n, e) == -1)
		return -1;
	*res = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++)
		json_object_array_add(*res, customer_json(&cs[i]));
	free(cs);
	return 0;
}

static int
m_customer_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec cu;
	struct json_list l = { NULL, c->role };

	if (store_customer_get(d->st, proto_str(r->params, "name"), &cu,
	    e) == -1)
		return -1;
	l.arr = json_object_new_array();
	if (store_guest_each(d->st, cu.name, NULL, add_guest_json, &l,
	    e) == -1) {
		json_object_put(l.arr);
		return -1;
	}
	*res = customer_json(&cu);
	json_object_object_add(*res, "vpses", l.arr);
	return 0;
}

static int
m_plan_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct plan_rec *ps;
	json_object *o;
	size_t n, i;

	(void)c;
	(void)r;
	if (store_plan_list(d->st, &ps, &n, e) == -1)
		return -1;
	*res = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		add_str(o, "name", ps[i].name);
		add_int(o, "ram_mib", (int64_t)ps[i].ram_mib);
		add_int(o, "vcpus", ps[i].vcpus);
		add_int(o, "disk_mib", (int64_t)ps[i].disk_mib);
		json_object_array_add(*res, o);
	}
	free(ps);
	return 0;
}

/* ---- guests ---- */

/*
 * Finds a guest the caller may act on.  A customer gets the same answer
 * for a name that is malformed, unknown, or another customer's.
 */
int
guest_lookup(struct daemon *d, struct client *c, const char *name,
    struct guest_rec *g, struct herr *e)
{
	if (c->role == ROLE_CUSTOMER) {
		if (!str_is_name(name) ||
		    store_guest_get(d->st, name, c->customer, g, NULL) == -1)
			return herr_set(e, HERR_NOTFOUND, "no such VPS");
		return 0;
	}
	if (!str_is_name(name) || store_guest_get(d->st, name, NULL, g,
	    NULL) == -1)
		return herr_set(e, HERR_NOTFOUND, "no such guest: %s",
		    str_is_name(name) ? name : "(bad name)");
	return 0;
}

static int
make_uuid(char *out, size_t size)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static void
spec_from_guest(const struct guest_rec *g, int tcg, struct guest_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->name = g->name;
	s->uuid = g->uuid;
	guest_kind_parse(g->kind, &s->kind);
	s->tcg = tcg;
	s->ram_mib = g->ram_mib;
	s->vcpus = g->vcpus;
	if (g->kernel[0] != '\0') {
		s->boot = BOOT_KERNEL;
		s->kernel = g->kernel;
		s->initrd = g->initrd[0] ? g->initrd : NULL;
		s->cmdline = g->cmdline[0] ? g->cmdline : NULL;
	}
}

/* Reads the guest's state back after an operation (worker thread). */
static void
read_state(struct job *j, struct hv_conn *conn)
{
	if (hv_dom_state(conn, j->g.uuid, &j->dom, NULL) == -1)
		str_copy(j->dom.state, "unknown", sizeof(j->dom.state));
}

/*
 * The guest's spec as its host runs it: the disk it has, and on embed
 * hosts the console log.  Pointers go into j->g and logpath.
 */
void
guest_spec_full(struct job *j, struct guest_spec *spec, char *logpath,
    size_t logsize)
{
	spec_from_guest(&j->g, j->tcg, spec);
	if (j->g.disk_path[0] != '\0')
		spec->disk_path = j->g.disk_path;
	/*
	 * the console log (Linode's logview): kept by the hypervisor itself,
	 * on an embed host under its root, on a remote one in its console
	 * log pool (hv_define makes it)
	 */
	if (strncmp(j->hw->uri, "test", 4) != 0 &&
	    hv_console_log_path(j->hw->uri, j->g.name, logpath, logsize) == 0) {
		if (strncmp(j->hw->uri, "qemu:///embed?", 14) == 0) {
			char *slash = strrchr(logpath, '/');
			*slash = '\0';
			(void)mkdir(logpath, 0755);
			*slash = '/';
		}
		spec->serial_log = logpath;
	}
}

static void
guest_create_run(struct job *j)
{
	char logpath[1200];
	struct guest_spec spec;
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);

	if (conn == NULL) {
		j->rc = -1;
		return;
	}
	/* the disk: in the host's pool, or a file under an embed root */
	if (j->h.pool[0] != '\0' ||
	    strncmp(j->hw->uri, "qemu:///embed?", 14) == 0) {
		if ((j->rc = hv_disk_create(conn, j->h.pool, j->g.name,
		    j->g.disk_mib, j->g.disk_path, sizeof(j->g.disk_path),
		    &j->err)) == -1)
			return;
	}
	guest_spec_full(j, &spec, logpath, sizeof(logpath));
	if ((j->rc = hv_define(conn, &spec, &j->err)) == -1) {
		hv_disk_delete(conn, j->g.disk_path, NULL);
		return;
	}
	if (j->start && hv_start(conn, j->g.uuid, &j->err) == -1) {
		/* nothing half-made is left behind */
		hv_undefine(conn, j->g.uuid, NULL);
		hv_disk_delete(conn, j->g.disk_path, NULL);
		j->rc = -1;
		return;
	}
	read_state(j, conn);
}

static void
finish_state(struct daemon *d, struct job *j)
{
	if (j->dom.state[0] != '\0')
		store_guest_set_state(d->st, j->g.id, j->dom.state,
		    (int64_t)time(NULL), NULL);
}

static void
guest_reply(struct daemon *d, struct job *j, enum role role)
{
	json_object *res = NULL;

	if (j->rc == 0 && store_guest_get(d->st, j->g.name, NULL, &j->g,
	    &j->err) == 0)
		res = guest_json(&j->g, role);
	else if (j->rc == 0)
		j->rc = -1;
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
}

static void
guest_create_done(struct daemon *d, struct job *j)
{
	busy_del(d, j->g.id);
	if (j->rc == -1) {
		store_guest_delete(d->st, j->g.id, NULL);
		log_warnx("guest %s not created: %s", j->g.name, j->err.msg);
	} else {
		store_guest_set_status(d->st, j->g.id, "defined", NULL);
		store_guest_set_disk(d->st, j->g.id, j->g.disk_path, NULL);
		finish_state(d, j);
		log_info("guest %s defined on host %s", j->g.name, j->g.host);
	}
	guest_reply(d, j, ROLE_OPERATOR);
}

/* The active host with the most free RAM that fits the plan. */
static int
pick_host(struct daemon *d, const char *plan, char *out, size_t size,
    struct herr *e)
{
	struct host_rec *hs;
	struct plan_rec p;
	size_t n, i, best = (size_t)-1;

	if (store_plan_get(d->st, plan, &p, e) == -1 ||
	    store_host_list(d->st, &hs, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(hs[i].state, "active") != 0 ||
		    hs[i].used_ram_mib + p.ram_mib > hs[i].ram_mib ||
		    hs[i].used_disk_mib + p.disk_mib > hs[i].disk_mib ||
		    hs[i].used_vcpus + p.vcpus > hs[i].cpus * d->cfg.vcpu_ratio)
			continue;
		if (best == (size_t)-1 || hs[i].ram_mib - hs[i].used_ram_mib >
		    hs[best].ram_mib - hs[best].used_ram_mib)
			best = i;
	}
	if (best != (size_t)-1)
		str_copy(out, hs[best].name, size);
	free(hs);
	if (best == (size_t)-1)
		return herr_set(e, HERR_CAPACITY, "no active host has room for "
		    "plan %s", plan);
	return 0;
}

static const struct proto_param p_guest_create[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "owner", PT_STR, NAME_MAX_LEN, 1 },
	{ "plan", PT_STR, NAME_MAX_LEN, 1 },
	{ "host", PT_STR, NAME_MAX_LEN, 0 },
	{ "kind", PT_STR, 8, 0 },
	{ "kernel", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "initrd", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "cmdline", PT_STR, 511, 0 },
	{ "start", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_guest_create(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct guest_rec g;
	struct host_rec h;
	struct guest_spec spec;
	enum guest_kind kind = GUEST_KVM;
	const char *s;
	char *xml;
	struct job *j;

	(void)res;
	memset(&g, 0, sizeof(g));
	if (!str_is_name(proto_str(r->params, "name")))
		return herr_set(e, HERR_USAGE, "bad guest name: use 1-63 of "
		    "a-z, 0-9 and '-'");
	str_copy(g.name, proto_str(r->params, "name"), sizeof(g.name));
	str_copy(g.customer, proto_str(r->params, "owner"), sizeof(g.customer));
	str_copy(g.plan, proto_str(r->params, "plan"), sizeof(g.plan));
	if ((s = proto_str(r->params, "kind")) != NULL &&
	    guest_kind_parse(s, &kind) == -1)
		return herr_set(e, HERR_USAGE, "kind must be kvm, xen-pv or "
		    "xen-hvm");
	str_copy(g.kind, guest_kind_name(kind), sizeof(g.kind));
	if ((s = proto_str(r->params, "kernel")) != NULL)
		str_copy(g.kernel, s, sizeof(g.kernel));
	if ((s = proto_str(r->params, "initrd")) != NULL)
		str_copy(g.initrd, s, sizeof(g.initrd));
	if ((s = proto_str(r->params, "cmdline")) != NULL)
		str_copy(g.cmdline, s, sizeof(g.cmdline));
	if (g.kernel[0] == '\0' && (g.initrd[0] || g.cmdline[0]))
		return herr_set(e, HERR_USAGE, "--initrd and --cmdline need "
		    "--kernel");
	if ((s = proto_str(r->params, "host")) != NULL)
		str_copy(g.host, s, sizeof(g.host));
	else if (pick_host(d, g.plan, g.host, sizeof(g.host), e) == -1)
		return -1;
	if (store_host_get(d->st, g.host, &h, e) == -1)
		return -1;
	if (make_uuid(g.uuid, sizeof(g.uuid)) == -1)
		return herr_set(e, HERR_INTERNAL, "cannot make a UUID");
	/* check the spec before anything is reserved or defined */
	g.ram_mib = 1;
	g.vcpus = 1;
	spec_from_guest(&g, 0, &spec);
	if ((xml = domxml_build(&spec, e)) == NULL)
		return -1;
	free(xml);
	if (store_guest_reserve(d->st, &g, d->cfg.vcpu_ratio, e) == -1)
		return -1;
	j = job_new(hostw_get(d, &h), guest_create_run,
	    guest_create_done, c, r->id);
	j->g = g;
	j->h = h;
	j->tcg = strcmp(h.accel, "tcg") == 0;
	j->start = proto_bool(r->params, "start", 0);
	busy_add(d, g.id);
	job_submit(j);
	return 1;
}

static const struct proto_param p_guest_list[] = {
	{ "owner", PT_STR, NAME_MAX_LEN, 0 },
	{ "host", PT_STR, NAME_MAX_LEN, 0 },
	{ "rows", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

struct text_list {
	struct jsonw	 w;
	enum role	 role;
	int		 rows;		/* compact: {"fields":[..],"rows":[[..]]} */
	int		 n;
	struct inc_marks *marks;	/* customers: their incidents */
};

/* Compact rows: the values only; the first row also names the fields. */
static void
jw_key_cb(void *w, const char *k, int64_t v)
{
	(void)v;
	jw_str(w, NULL, k);
}

static void
jw_keys_cb(void *w, const char *k, const char *v)
{
	(void)v;
	jw_str(w, NULL, k);
}

static void
jw_vstr_cb(void *w, const char *k, const char *v)
{
	(void)k;
	jw_str(w, NULL, v);
}

static void
jw_vint_cb(void *w, const char *k, int64_t v)
{
	(void)k;
	jw_int(w, NULL, v);
}

static int
add_guest_text(const struct guest_rec *g, void *arg)
{
	struct text_list *l = arg;
	struct field_sink f = { jw_str_cb, jw_int_cb, &l->w };
	struct field_sink keys = { jw_keys_cb, jw_key_cb, &l->w };
	struct field_sink vals = { jw_vstr_cb, jw_vint_cb, &l->w };

	int64_t inc = l->marks != NULL ? incident_mark_of(l->marks, g->name) :
	    0;

	if (!l->rows) {
		jw_begin(&l->w, '{');
		guest_fields(g, l->role, &f);
		if (l->marks != NULL)
			f.num(f.arg, "incident", inc);
		jw_end(&l->w, '}');
		return 0;
	}
	/* rows are a table's: its columns, which are what a customer sees
	 * (no uuid or disk path: a fifth of a fleet's list, never shown) */
	if (l->n++ == 0) {
		jw_begin(&l->w, '[');
		guest_fields(g, ROLE_CUSTOMER, &keys);
		if (l->marks != NULL)
			keys.num(keys.arg, "incident", inc);
		jw_end(&l->w, ']');
	}
	jw_begin(&l->w, '[');
	guest_fields(g, ROLE_CUSTOMER, &vals);
	if (l->marks != NULL)
		vals.num(vals.arg, "incident", inc);
	jw_end(&l->w, ']');
	return 0;
}

/* Written as text as it is read: 20,000 guests are one reply. */
static int
m_guest_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct text_list l;
	const char *owner = proto_str(r->params, "owner");
	char *text;
	size_t len;

	(void)res;
	if (c->role == ROLE_CUSTOMER)
		owner = c->customer;	/* never anyone else's */
	jw_init(&l.w);
	l.role = c->role;
	l.rows = proto_bool(r->params, "rows", 0);
	l.n = 0;
	/* a customer sees the ongoing incident of each VPS */
	l.marks = c->role == ROLE_CUSTOMER ? incident_marks(d, c->customer) :
	    NULL;
	/* rows: a list of arrays, the first one the field names */
	jw_begin(&l.w, '[');
	if (store_guest_each(d->st, owner, c->role == ROLE_CUSTOMER ? NULL :
	    proto_str(r->params, "host"), add_guest_text, &l, e) == -1) {
		incident_marks_free(l.marks);
		jw_release(&l.w);
		return -1;
	}
	incident_marks_free(l.marks);
	jw_end(&l.w, ']');
	text = jw_take(&l.w, &len);
	client_reply_raw(d, c->serial, r->id, text, len);
	free(text);
	return 1;	/* replied */
}

static int
m_guest_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct guest_rec g;
	json_object *m;
	int on;

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	*res = guest_json(&g, c->role);
	if (c->role == ROLE_OPERATOR)
		json_object_object_add(*res, "migration", json_object_new_string(
		    store_guest_live(d->st, g.name, NULL) == 0 ? "offline" :
		    "live"));
	if ((m = maint_for_guest(d, g.name)) != NULL)
		json_object_object_add(*res, "maintenance", m);
	if ((m = incident_for_guest(d, g.name)) != NULL)
		json_object_object_add(*res, "incident", m);
	if (c->role == ROLE_OPERATOR && store_guest_restart_get(d->st, g.name,
	    &on, NULL) == 0)
		add_str(*res, "restart_after_outage", on ? "yes" : "no");
	return 0;
}

/* ---- power operations: one run function per libvirt call ---- */

enum power_op { OP_START, OP_SHUTDOWN, OP_DESTROY, OP_REBOOT };

static void
power_run(struct job *j, enum power_op op)
{
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);

	if (conn == NULL) {
		j->rc = -1;
		return;
	}
	read_state(j, conn);
	if (op == OP_START && strcmp(j->dom.state, "running") == 0) {
		j->rc = herr_set(&j->err, HERR_STATE, "%s is already running",
		    j->g.name);
		return;
	}
	if (op != OP_START && strcmp(j->dom.state, "shutoff") == 0) {
		j->rc = herr_set(&j->err, HERR_STATE, "%s is not running",
		    j->g.name);
		return;
	}
	switch (op) {
	case OP_START:
		j->rc = hv_start(conn, j->g.uuid, &j->err);
		break;
	case OP_SHUTDOWN:
		j->rc = hv_shutdown(conn, j->g.uuid, j->force_after, &j->forced,
		    &j->err);
		break;
	case OP_DESTROY:
		j->rc = hv_destroy(conn, j->g.uuid, &j->err);
		break;
	case OP_REBOOT:
		j->rc = hv_reboot(conn, j->g.uuid, &j->err);
		break;
	}
	read_state(j, conn);
}

static void run_start(struct job *j) { power_run(j, OP_START); }
static void run_shutdown(struct job *j) { power_run(j, OP_SHUTDOWN); }
static void run_destroy(struct job *j) { power_run(j, OP_DESTROY); }
static void run_reboot(struct job *j) { power_run(j, OP_REBOOT); }

static void
power_done(struct daemon *d, struct job *j)
{
	busy_del(d, j->g.id);
	finish_state(d, j);
	if (j->rc == 0 && j->forced)
		log_info("guest %s did not shut down in %d s: forced off",
		    j->g.name, j->force_after);
	guest_reply(d, j, j->role);
}

static const struct proto_param p_guest_power[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ "force_after", PT_INT, 3600, 0 },
	{ NULL, 0, 0, 0 },
};

static int
power(struct daemon *d, struct client *c, struct proto_req *r,
    job_run_fn run, struct herr *e)
{
	struct guest_rec g;
	struct host_rec h;
	struct job *j;

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	if (strcmp(g.status, "defined") != 0)
		return herr_set(e, HERR_STATE, "%s is being %s", g.name,
		    strcmp(g.status, "defining") == 0 ? "created" : "deleted");
	if (store_host_get(d->st, g.host, &h, e) == -1)
		return -1;
	j = job_new(hostw_get(d, &h), run, power_done, c, r->id);
	j->g = g;
	j->role = c->role;
	j->force_after = (int)proto_int(r->params, "force_after", 0);
	busy_add(d, g.id);
	job_submit(j);
	return 1;
}

#define POWER_METHOD(fname, run)					\
static int								\
fname(struct daemon *d, struct client *c, struct proto_req *r,		\
    json_object **res, struct herr *e)					\
{									\
	(void)res;							\
	return power(d, c, r, run, e);					\
}
POWER_METHOD(m_guest_start, run_start)
POWER_METHOD(m_guest_shutdown, run_shutdown)
POWER_METHOD(m_guest_destroy, run_destroy)
POWER_METHOD(m_guest_reboot, run_reboot)

static const struct proto_param p_guest_delete[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ "force", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static void
guest_delete_run(struct job *j)
{
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);
	struct hv_dom dom;

	if (conn == NULL) {
		j->rc = -1;
		return;
	}
	if (hv_dom_state(conn, j->g.uuid, &dom, NULL) == 0 &&
	    strcmp(dom.state, "shutoff") != 0) {
		if (!j->force) {
			j->rc = herr_set(&j->err, HERR_STATE, "guest %s is %s: "
			    "shut it down first, or delete with --force",
			    j->g.name, dom.state);
			return;
		}
		if ((j->rc = hv_destroy(conn, j->g.uuid, &j->err)) == -1)
			return;
	}
	if ((j->rc = hv_undefine(conn, j->g.uuid, &j->err)) == 0 &&
	    hv_disk_delete(conn, j->g.disk_path, &j->err) == -1)
		log_warnx("guest %s: disk %s not removed: %s", j->g.name,
		    j->g.disk_path, j->err.msg);
}

static void
guest_delete_done(struct daemon *d, struct job *j)
{
	json_object *res = NULL;

	busy_del(d, j->g.id);
	if (j->rc == 0) {
		store_guest_delete(d->st, j->g.id, NULL);
		log_info("guest %s deleted", j->g.name);
		res = json_object_new_object();
		add_str(res, "name", j->g.name);
		add_str(res, "state", "deleted");
	} else
		store_guest_set_status(d->st, j->g.id, "defined", NULL);
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
}

static int
m_guest_delete(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct guest_rec g;
	struct host_rec h;
	struct job *j;

	(void)res;
	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	if (strcmp(g.status, "defined") != 0)
		return herr_set(e, HERR_STATE, "%s is being %s", g.name,
		    strcmp(g.status, "defining") == 0 ? "created" : "deleted");
	if (store_host_get(d->st, g.host, &h, e) == -1 ||
	    store_guest_set_status(d->st, g.id, "deleting", e) == -1)
		return -1;
	j = job_new(hostw_get(d, &h), guest_delete_run,
	    guest_delete_done, c, r->id);
	j->g = g;
	j->force = proto_bool(r->params, "force", 0);
	busy_add(d, g.id);
	job_submit(j);
	return 1;
}

/* ---- SSH keys ---- */

static const struct proto_param p_key_add[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "key", PT_STR, SSHKEY_LINE_MAX, 1 },
	{ NULL, 0, 0, 0 },
};

static const struct proto_param p_key_remove[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "fingerprint", PT_STR, 79, 1 },
	{ NULL, 0, 0, 0 },
};

static json_object *
key_json(const char *type, const char *comment, const char *fp)
{
	json_object *o = json_object_new_object();

	add_str(o, "type", type);
	add_str(o, "comment", comment);
	add_str(o, "fingerprint", fp);
	return o;
}

static int
m_key_add(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec cu;
	struct sshkey k;
	struct key_rec kr;

	(void)c;
	if (store_customer_get(d->st, proto_str(r->params, "name"), &cu,
	    e) == -1 || sshkey_parse(proto_str(r->params, "key"), &k, e) == -1)
		return -1;
	memset(&kr, 0, sizeof(kr));
	str_copy(kr.type, k.type, sizeof(kr.type));
	str_copy(kr.key, k.b64, sizeof(kr.key));
	str_copy(kr.comment, k.comment, sizeof(kr.comment));
	str_copy(kr.fingerprint, k.fingerprint, sizeof(kr.fingerprint));
	if (store_key_add(d->st, cu.name, &kr, e) == -1)
		return -1;
	if (keys_write(d, &cu, e) == -1) {
		store_key_remove(d->st, cu.name, kr.fingerprint, NULL);
		return -1;
	}
	log_info("customer %s: key %s added", cu.name, kr.fingerprint);
	*res = key_json(kr.type, kr.comment, kr.fingerprint);
	return 0;
}

static int
m_key_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec cu;
	struct key_rec *ks;
	size_t n, i;

	(void)c;
	if (store_customer_get(d->st, proto_str(r->params, "name"), &cu,
	    e) == -1 || store_key_list(d->st, cu.name, &ks, &n, e) == -1)
		return -1;
	*res = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(*res, key_json(ks[i].type, ks[i].comment,
		    ks[i].fingerprint));
	free(ks);
	return 0;
}

static int
m_key_remove(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec cu;

	(void)c;
	if (store_customer_get(d->st, proto_str(r->params, "name"), &cu,
	    e) == -1 || store_key_remove(d->st, cu.name,
	    proto_str(r->params, "fingerprint"), e) == -1 ||
	    keys_write(d, &cu, e) == -1)
		return -1;
	log_info("customer %s: key %s removed", cu.name,
	    proto_str(r->params, "fingerprint"));
	*res = json_object_new_object();
	add_str(*res, "removed", proto_str(r->params, "fingerprint"));
	return 0;
}

/* ---- serial console (console.c) ---- */

static const struct proto_param p_console_attach[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ "force", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct proto_param p_console_log[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ "bytes", PT_INT, 1024 * 1024, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_console_attach(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)res;
	return console_attach(d, c, r, e);
}

/* ---- installer catalog (catalog.c) ---- */

static const struct proto_param p_image_add[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "os", PT_STR, 31, 1 },
	{ "version", PT_STR, 63, 1 },
	{ "iso", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "kernel", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "initrd", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "sha256", PT_STR, 64, 0 },
	{ "initrd_sha256", PT_STR, 64, 0 },
	{ "sums", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "signify_key", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "signify_sig", PT_STR, STORE_PATH_MAX - 1, 0 },
	{ "rescue", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct proto_param p_guest_install[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ "image", PT_STR, LOOKUP_MAX_LEN, 0 },
	{ "confirm", PT_STR, LOOKUP_MAX_LEN, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_store_backup(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)res;
	return store_backup_start(d, c, r, e);
}

static int
m_image_add(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)res;
	return image_add(d, c, r, e);
}

static int
m_image_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct image_row *ms;
	size_t n, i;

	(void)r;
	if (store_image_list(d->st, &ms, &n, e) == -1)
		return -1;
	*res = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(*res, image_json(&ms[i], c->role));
	free(ms);
	return 0;
}

static int
m_image_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct image_row m;

	if (store_image_get(d->st, proto_str(r->params, "name"), &m, e) == -1)
		return -1;
	*res = image_json(&m, c->role);
	return 0;
}

static int
m_image_remove(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (image_remove(d, proto_str(r->params, "name"), e) == -1)
		return -1;
	*res = json_object_new_object();
	add_str(*res, "removed", proto_str(r->params, "name"));
	return 0;
}

static int
m_guest_install(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)res;
	return guest_boot_image(d, c, r, 0, e);
}

static int
m_guest_rescue(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)res;
	return guest_boot_image(d, c, r, 1, e);
}

static int
m_guest_boot(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)res;
	return guest_boot_show(d, c, r, e);
}

/* ---- advisories and posts (announce.c) ---- */

static const struct proto_param p_advisory_add[] = {
	{ "id", PT_STR, 31, 1 },
	{ "title", PT_STR, 199, 1 },
	{ "affects", PT_STR, 512, 1 },
	{ "action", PT_STR, 15, 0 },
	{ "cves", PT_STR, 199, 0 },
	{ "public_time", PT_INT, 0x7fffffffffffLL, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct proto_param p_advisory_id[] = {
	{ "id", PT_STR, 31, 1 },
	{ NULL, 0, 0, 0 },
};

static const struct proto_param p_post_add[] = {
	{ "kind", PT_STR, 31, 1 },
	{ "title", PT_STR, 255, 1 },
	{ "body", PT_TEXT, 60000, 1 },
	{ "author", PT_STR, 63, 0 },
	{ "parent", PT_INT, 0x7fffffff, 0 },
	{ "avg", PT_INT, 1000000, 0 },
	{ "longest", PT_INT, 1000000, 0 },
	{ "shortest", PT_INT, 1000000, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_advisory_add(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return advisory_add(d, r, res, e);
}

static int
m_advisory_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	(void)r;
	return advisory_list(d, res, e);
}

static int
m_advisory_impact(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return advisory_impact(d, r, res, e);
}

static int
m_post_add(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return post_add(d, r, res, e);
}

static int
m_post_list(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	(void)r;
	return post_list(d, res, e);
}

static int
m_post_publish(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	(void)r;
	return post_publish(d, res, e);
}

/* ---- maintenance cycles (maint.c) ---- */

static const struct proto_param p_maint_plan[] = {
	{ "advisories", PT_STR, 500, 1 },
	{ "start", PT_STR, 32, 1 },
	{ "window", PT_STR, 16, 1 },
	{ "max_parallel", PT_INT, 10000, 0 },
	{ "retire", PT_STR, 255, 0 },
	{ "to", PT_STR, 8, 0 },
	{ "roll", PT_STR, 16, 0 },
	{ "per_link", PT_INT, 64, 0 },
	{ "reboot_time", PT_STR, 16, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct proto_param p_cycle[] = {
	{ "cycle", PT_INT, 0x7fffffff, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_maint_plan(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return maint_plan(d, r, res, e);
}

static int
m_maint_show(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (cycle_pick(d, r, "patch", e) == -1)
		return -1;
	return maint_show(d, r, res, e);
}

static int
m_maint_notify(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (cycle_pick(d, r, "patch", e) == -1)
		return -1;
	return maint_notify(d, r, res, e);
}

static const struct proto_param p_maint_run[] = {
	{ "cycle", PT_INT, 0x7fffffff, 0 },
	{ "allow_fallback", PT_BOOL, 0, 0 },
	{ "steps", PT_INT, 1000000, 0 },
	{ "wait", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_maint_run(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	if (cycle_pick(d, r, "patch", e) == -1)
		return -1;
	return maint_run(d, c, r, res, e);
}

static const struct proto_param p_maint_host_done[] = {
	{ "host", PT_STR, STORE_NAME_MAX - 1, 1 },
	{ NULL, 0, 0, 0 },
};

static int
m_maint_host_done(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return maint_host_done(d, r, res, e);
}

static const struct proto_param p_maint_report[] = {
	{ "cycle", PT_INT, 0x7fffffff, 0 },
	{ "publish", PT_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_maint_report(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	if (cycle_pick(d, r, "patch", e) == -1)
		return -1;
	return maint_report(d, r, res, e);
}

static const struct proto_param p_maint_service[] = {
	{ "services", PT_STR, 255, 1 },
	{ "start", PT_STR, 32, 1 },
	{ "window", PT_STR, 16, 1 },
	{ "note", PT_STR, 500, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_maint_service(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	return maint_service(d, r, res, e);
}

static int
m_maint_services(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	(void)c;
	(void)r;
	return maint_services(d, res, e);
}

static const struct proto_param p_maint_choose[] = {
	{ "name", PT_STR, LOOKUP_MAX_LEN, 1 },
	{ "action", PT_STR, 16, 0 },
	{ "window", PT_INT, 1000, 0 },
	{ NULL, 0, 0, 0 },
};

/* A customer's choice for one VPS: live-migrate or reboot in place. */
static int
m_maint_choose(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct guest_rec g;

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	if (proto_str(r->params, "action") == NULL &&
	    proto_int(r->params, "window", 0) <= 0)
		return herr_set(e, HERR_USAGE, "choose live-migrate or reboot, "
		    "or a window");
	if (maint_choose(d, &g, proto_str(r->params, "action"),
	    proto_int(r->params, "window", 0), e) == -1)
		return -1;
	*res = json_object_new_object();
	json_object_object_add(*res, "name", json_object_new_string(g.name));
	json_object_object_add(*res, "maintenance", maint_for_guest(d, g.name));
	return 0;
}

/* ---- customer.set (hangard/customer.c) ---- */

static const struct proto_param p_customer_set[] = {
	{ "name", PT_STR, NAME_MAX_LEN, 1 },
	{ "email", PT_STR, 254, 0 },
	{ "tz", PT_STR, 63, 0 },
	{ NULL, 0, 0, 0 },
};

static int
m_customer_set(struct daemon *d, struct client *c, struct proto_req *r,
    json_object **res, struct herr *e)
{
	struct customer_rec cu;

	(void)c;
	if (customer_set(d, r, &cu, e) == -1)
		return -1;
	*res = customer_json(&cu);
	return 0;
}

/* ---- the table ---- */

static const struct method methods[] = {
	{ "hello", m_hello, F_OPERATOR | F_CUSTOMER | F_INGEST, p_hello },
	{ "host.add", m_host_add, F_OPERATOR, p_host_add },
	{ "host.list", m_host_list, F_OPERATOR, NULL },
	{ "host.show", m_host_show, F_OPERATOR, p_name },
	{ "host.set_state", m_host_set_state, F_OPERATOR, p_host_state },
	{ "customer.add", m_customer_add, F_OPERATOR, p_customer_add },
	{ "customer.list", m_customer_list, F_OPERATOR, NULL },
	{ "customer.show", m_customer_show, F_OPERATOR, p_name },
	{ "customer.key_add", m_key_add, F_OPERATOR, p_key_add },
	{ "customer.key_list", m_key_list, F_OPERATOR, p_name },
	{ "customer.key_remove", m_key_remove, F_OPERATOR, p_key_remove },
	{ "plan.list", m_plan_list, F_OPERATOR | F_CUSTOMER, NULL },
	{ "guest.create", m_guest_create, F_OPERATOR, p_guest_create },
	{ "guest.list", m_guest_list, F_OPERATOR | F_CUSTOMER, p_guest_list },
	{ "guest.show", m_guest_show, F_OPERATOR | F_CUSTOMER, p_name },
	{ "guest.start", m_guest_start, F_OPERATOR | F_CUSTOMER, p_name },
	{ "guest.shutdown", m_guest_shutdown, F_OPERATOR | F_CUSTOMER,
	    p_guest_power },
	{ "guest.destroy", m_guest_destroy, F_OPERATOR | F_CUSTOMER, p_name },
	{ "guest.reboot", m_guest_reboot, F_OPERATOR | F_CUSTOMER, p_name },
	{ "guest.delete", m_guest_delete, F_OPERATOR, p_guest_delete },
	{ "advisory.add", m_advisory_add, F_OPERATOR, p_advisory_add },
	{ "advisory.list", m_advisory_list, F_OPERATOR, NULL },
	{ "advisory.impact", m_advisory_impact, F_OPERATOR, p_advisory_id },
	{ "maint.plan", m_maint_plan, F_OPERATOR, p_maint_plan },
	{ "maint.show", m_maint_show, F_OPERATOR, p_cycle },
	{ "maint.notify", m_maint_notify, F_OPERATOR, p_cycle },
	{ "maint.run", m_maint_run, F_OPERATOR, p_maint_run },
	{ "maint.host_done", m_maint_host_done, F_OPERATOR,
	    p_maint_host_done },
	{ "maint.report", m_maint_report, F_OPERATOR, p_maint_report },
	{ "maint.service", m_maint_service, F_OPERATOR, p_maint_service },
	{ "maint.services", m_maint_services, F_OPERATOR | F_CUSTOMER, NULL },
	{ "maint.choose", m_maint_choose, F_OPERATOR | F_CUSTOMER,
	    p_maint_choose },
	/* consolidate.c */
	{ "consolidate.plan", cons_m_plan, F_OPERATOR, cons_plan_params },
	{ "consolidate.show", cons_m_show, F_OPERATOR, p_cycle },
	{ "consolidate.notify", cons_m_notify, F_OPERATOR, p_cycle },
	{ "consolidate.run", cons_m_run, F_OPERATOR, p_maint_run },
	{ "consolidate.report", cons_m_report, F_OPERATOR, p_maint_report },
	{ "guest.set_migration", cons_m_migration, F_OPERATOR,
	    cons_migration_params },
	{ "post.add", m_post_add, F_OPERATOR, p_post_add },
	{ "post.list", m_post_list, F_OPERATOR | F_CUSTOMER, NULL },
	{ "post.publish", m_post_publish, F_OPERATOR, NULL },
	{ "store.backup", m_store_backup, F_OPERATOR, NULL },
	{ "image.add", m_image_add, F_OPERATOR, p_image_add },
	{ "image.list", m_image_list, F_OPERATOR | F_CUSTOMER, NULL },
	{ "image.show", m_image_show, F_OPERATOR | F_CUSTOMER, p_name },
	{ "image.remove", m_image_remove, F_OPERATOR, p_name },
	{ "guest.install", m_guest_install, F_OPERATOR | F_CUSTOMER,
	    p_guest_install },
	{ "guest.rescue", m_guest_rescue, F_OPERATOR | F_CUSTOMER,
	    p_guest_install },
	{ "guest.boot", m_guest_boot, F_OPERATOR | F_CUSTOMER, p_name },
	{ "console.attach", m_console_attach, F_OPERATOR | F_CUSTOMER,
	    p_console_attach },
	{ "console.log", console_log, F_OPERATOR | F_CUSTOMER, p_console_log },
	{ "customer.set", m_customer_set, F_OPERATOR, p_customer_set },
	/* incidents and hangar-health's reports (incident_rpc.c, ingest.c) */
	{ "incident.list", incident_m_list, F_OPERATOR, incident_p_list },
	{ "incident.show", incident_m_show, F_OPERATOR, incident_p_id },
	{ "incident.update", incident_m_update, F_OPERATOR, incident_p_text },
	{ "incident.resolve", incident_m_resolve, F_OPERATOR,
	    incident_p_resolve },
	{ "incident.report", incident_m_report, F_OPERATOR,
	    incident_p_report },
	{ "guest.set_restart", guest_m_set, F_OPERATOR, guest_p_set },
	{ "host.key_set", host_m_key_set, F_OPERATOR, host_p_key_set },
	{ "host.key_remove", host_m_key_remove, F_OPERATOR, host_p_key },
	{ "ingest.report", ingest_m_report, F_INGEST, ingest_p_report },
};

static const struct proto_param p_none[] = { { NULL, 0, 0, 0 } };

void
methods_dispatch(struct daemon *d, struct client *c, const char *line,
    size_t len)
{
	const struct method *m = NULL;
	struct proto_req req;
	json_object *res = NULL;
	struct herr e;
	size_t i;
	int rc;

	herr_clear(&e);
	if (proto_parse_request(line, len, &req, &e) == -1) {
		client_reply(d, c->serial, req.id, -1, NULL, &e);
		return;
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, req.method) == 0)
			m = &methods[i];
	if (m == NULL)
		rc = herr_set(&e, HERR_USAGE, "unknown method");
	else if (!c->hello && m->fn != m_hello)
		rc = herr_set(&e, HERR_PROTO, "say hello first");
	else if (c->hello && !(m->flags & (c->role == ROLE_OPERATOR ?
	    F_OPERATOR : c->role == ROLE_INGEST ? F_INGEST : F_CUSTOMER)))
		rc = herr_set(&e, HERR_PERM, "permission denied");
	else if (proto_check_params(m->params ? m->params : p_none, req.params,
	    &e) == -1)
		rc = -1;
	else
		rc = m->fn(d, c, &req, &res, &e);
	if (rc != 1)
		client_reply(d, c->serial, req.id, rc, res, &e);
	proto_req_release(&req);
}
