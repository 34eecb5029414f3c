#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

/*
 * Connections to the test driver's private instances (test:///FILE) are
 * shared within the process: each virConnectOpen of such a URI would load
 * a new, separate fleet from FILE, so the host worker and a migration
 * into that host must use the same one.  Guarded by test_mu.
 */
struct test_conn {
	char		*uri;
	virConnectPtr	 conn;
	struct test_conn *next;
};
static struct test_conn	*test_conns;
static uint64_t		 conn_serial;	/* hv_open's count (atomic) */
static pthread_mutex_t	 test_mu = PTHREAD_MUTEX_INITIALIZER;

/* libvirt's default error handler prints to stderr; we report ourselves. */
static void
quiet_errors(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void *
event_thread(void *arg)
{
	(void)arg;
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			log_warnx("libvirt event loop: %s",
			    virGetLastErrorMessage());
	return NULL;
}

int
hv_global_init(struct herr *e)
{
	static int done;
	pthread_t t;

	if (done)
		return 0;
	if (virInitialize() < 0)
		return herr_set(e, HERR_INTERNAL, "libvirt: cannot initialize");
	virSetErrorFunc(NULL, quiet_errors);
	if (virEventRegisterDefaultImpl() < 0)
		return herr_set(e, HERR_INTERNAL, "libvirt: cannot register the "
		    "event loop: %s", virGetLastErrorMessage());
	if (pthread_create(&t, NULL, event_thread, NULL) != 0)
		return herr_set(e, HERR_INTERNAL, "cannot start the libvirt "
		    "event thread");
	pthread_detach(t);
	done = 1;
	return 0;
}

/* Fills e from libvirt's last error, classifying connection failures. */
int
lv_err(struct herr *e, const char *what)
{
	virErrorPtr err = virGetLastError();
	enum herr_code code = HERR_HV;
	const char *msg = err && err->message ? err->message : "unknown error";

	/*
	 * The transport's own errors (VIR_FROM_RPC: "client socket is
	 * closed" once the host's libvirtd went away, "End of file while
	 * reading data") mean the connection is gone: the worker drops it
	 * and the next call opens a new one.
	 */
	if (err != NULL && (err->code == VIR_ERR_NO_CONNECT ||
	    err->code == VIR_ERR_SYSTEM_ERROR || err->code == VIR_ERR_RPC ||
	    err->code == VIR_ERR_AUTH_FAILED || err->domain == VIR_FROM_RPC))
		code = HERR_UNREACHABLE;
	if (err != NULL && err->code == VIR_ERR_NO_DOMAIN)
		code = HERR_NOTFOUND;
	if (err != NULL && err->code == VIR_ERR_OPERATION_INVALID)
		code = HERR_STATE;
	herr_set(e, code, "%s: %s", what, msg);
	if (e != NULL)	/* one line: ssh and friends add newlines */
		for (char *p = e->msg; *p != '\0'; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	virResetLastError();
	return -1;
}

/*
 * The URI's parameters: the ones that turn off checking who the host is
 * (no_verify=1: ssh without host key checking, TLS without verifying the
 * certificate; libssh's known_hosts_verify=ignore|auto) are refused, so
 * an unknown host key or a bad certificate always stops a connection.
 */
static int
uri_params_check(const char *uri, struct herr *e)
{
	const char *p = strchr(uri, '?'), *v;
	size_t n;

	if (p == NULL)
		return 0;
	for (p++; *p != '\0'; p += n + (p[n] == '&')) {
		n = strcspn(p, "&");
		v = memchr(p, '=', n);
		v = v != NULL ? v + 1 : p + n;
		if (strncmp(p, "no_verify=", 10) == 0 &&
		    !(p + n - v == 1 && *v == '0'))
			return herr_set(e, HERR_USAGE, "bad libvirt URI: "
			    "no_verify would accept any host key or "
			    "certificate; pin the host's key in known_hosts "
			    "or give it a certificate from your CA instead");
		if (strncmp(p, "known_hosts_verify=", 19) == 0 &&
		    !(p + n - v == 6 && strncmp(v, "normal", 6) == 0))
			return herr_set(e, HERR_USAGE, "bad libvirt URI: "
			    "known_hosts_verify must be normal (an unknown or "
			    "changed host key is refused)");
	}
	return 0;
}

int
hv_uri_check(const char *uri, struct herr *e)
{
	static const char *schemes[] = { "test", "test+unix", "qemu", "xen",
	    "qemu+ssh",
	    "xen+ssh", "qemu+tls", "xen+tls", "qemu+tcp", "xen+tcp",
	    "qemu+unix", "xen+unix", "qemu+libssh", "qemu+libssh2", NULL };
	const char *colon;
	size_t i, n;

	if (uri == NULL || uri[0] == '\0')
		return herr_set(e, HERR_USAGE, "empty libvirt URI");
	for (i = 0; uri[i] != '\0'; i++)
		if ((unsigned char)uri[i] <= 0x20 || uri[i] == 0x7f)
			return herr_set(e, HERR_USAGE, "bad libvirt URI: contains "
			    "a space or control character");
	if ((colon = strstr(uri, "://")) == NULL)
		return herr_set(e, HERR_USAGE, "bad libvirt URI '%s': expected "
		    "DRIVER[+TRANSPORT]://[HOST]/PATH", uri);
	n = (size_t)(colon - uri);
	for (i = 0; schemes[i] != NULL; i++)
		if (strlen(schemes[i]) == n && strncmp(uri, schemes[i], n) == 0)
			return uri_params_check(uri, e);
	return herr_set(e, HERR_USAGE, "bad libvirt URI '%s': unsupported "
	    "driver or transport '%.*s'", uri, (int)n, uri);
}

int
hv_uri_host(const char *uri, char *buf, size_t size)
{
	const char *p = strstr(uri, "://"), *end, *at, *q;
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	/* user@host: the last '@' before the path */
	for (at = p; (q = memchr(at, '@', (size_t)(end - at))) != NULL;
	    at = q + 1)
		p = q + 1;
	if (*p == '[') {		/* [v6 address]:port */
		if ((q = memchr(p, ']', (size_t)(end - p))) == NULL)
			return 0;
		n = (size_t)(q - p) + 1;
	} else {
		q = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((q != NULL ? q : end) - p);
	}
	if (n == 0 || n >= size)
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 1;
}

static int
is_private_test(const char *uri)
{
	return strncmp(uri, "test:///", 8) == 0 &&
	    strcmp(uri, "test:///default") != 0;
}

/*
 * The shared connection for a private test URI: a new reference to the
 * open one, or a new connection remembered for the next caller.  Opened
 * under the lock, so two threads never load two fleets (~3 ms).
 */
static virConnectPtr
test_conn_open(const char *uri)
{
	struct test_conn *t;
	virConnectPtr conn = NULL;

	pthread_mutex_lock(&test_mu);
	for (t = test_conns; t != NULL; t = t->next)
		if (strcmp(t->uri, uri) == 0 && virConnectRef(t->conn) == 0) {
			conn = t->conn;
			break;
		}
	if (conn == NULL && (conn = virConnectOpen(uri)) != NULL) {
		t = xcalloc(1, sizeof(*t));
		t->uri = xstrdup(uri);
		t->conn = conn;
		t->next = test_conns;
		test_conns = t;
	}
	pthread_mutex_unlock(&test_mu);
	return conn;
}

/* Drops a reference; the entry goes with the last one. */
static void
conn_release(virConnectPtr conn)
{
	struct test_conn **tp, *t;

	pthread_mutex_lock(&test_mu);
	if (virConnectClose(conn) == 0)
		for (tp = &test_conns; *tp != NULL; tp = &(*tp)->next)
			if ((*tp)->conn == conn) {
				t = *tp;
				*tp = t->next;
				free(t->uri);
				free(t);
				break;
			}
	pthread_mutex_unlock(&test_mu);
}

/*
 * A connection refused because the host is not who it should be says so
 * first, in one short line: ssh's and GnuTLS's own words are long (a
 * banner of '@') or vague.
 */
static void
open_refused(struct herr *e, const char *uri)
{
	const char *why = NULL;

	if (e == NULL)
		return;
	if (strstr(e->msg, "REMOTE HOST IDENTIFICATION HAS CHANGED") != NULL)
		why = "the host's ssh key is not the one in known_hosts";
	else if (strstr(e->msg, "Host key verification failed") != NULL)
		why = "the host's ssh key is not in known_hosts";
	else if (strstr(e->msg, "verify peer's certificate") != NULL ||
	    strstr(e->msg, "certificate failed validation") != NULL ||
	    strstr(e->msg, "Certificate failed validation") != NULL)
		why = "the host's TLS certificate did not verify (not from a "
		    "trusted CA, or not issued for this host name)";
	if (why != NULL)
		herr_set(e, HERR_UNREACHABLE, "%s: refused: %s", uri, why);
}

struct hv_conn *
hv_open(const char *uri, struct herr *e)
{
	struct hv_conn *c;
	virConnectPtr conn;

	if (hv_uri_check(uri, e) == -1 || hv_probe(uri, e) == -1)
		return NULL;
	conn = is_private_test(uri) ? test_conn_open(uri) : virConnectOpen(uri);
	if (conn == NULL) {
		lv_err(e, uri);
		if (e != NULL)
			e->code = HERR_UNREACHABLE;
		open_refused(e, uri);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->conn = conn;
	c->uri = xstrdup(uri);
	c->serial = __atomic_add_fetch(&conn_serial, 1, __ATOMIC_RELAXED);
	return c;
}

void
hv_close(struct hv_conn *c)
{
	if (c == NULL)
		return;
	hv_unwatch(c);
	conn_release(c->conn);
	free(c->uri);
	free(c);
}

int
hv_node_info(struct hv_conn *c, struct hv_node *out, struct herr *e)
{
	virNodeInfo ni;
	unsigned long ver = 0;
	const char *type;

	memset(out, 0, sizeof(*out));
	if (virNodeGetInfo(c->conn, &ni) < 0)
		return lv_err(e, "node info");
	out->cpus = (int)ni.cpus;
	out->ram_mib = ni.memory / 1024;
	if ((type = virConnectGetType(c->conn)) != NULL)
		str_copy(out->hv_type, type, sizeof(out->hv_type));
	if (virConnectGetVersion(c->conn, &ver) == 0)
		snprintf(out->hv_version, sizeof(out->hv_version), "%lu.%lu.%lu",
		    ver / 1000000, ver / 1000 % 1000, ver % 1000);
	return 0;
}

virDomainPtr
lookup(struct hv_conn *c, const char *uuid, struct herr *e)
{
	virDomainPtr d = virDomainLookupByUUIDString(c->conn, uuid);

	if (d == NULL)
		lv_err(e, "lookup");
	return d;
}

int
hv_define(struct hv_conn *c, const struct guest_spec *spec, struct herr *e)
{
	virDomainPtr d;
	char *xml;

	/* the folder of its console log, on a host that keeps them */
	if (spec->serial_log != NULL && hv_console_pool_ensure(c, e) == -1)
		return -1;
	if ((xml = domxml_build(spec, e)) == NULL)
		return -1;
	d = virDomainDefineXML(c->conn, xml);
	free(xml);
	if (d == NULL)
		return lv_err(e, "define");
	virDomainFree(d);
	return 0;
}

#define DOM_CALL(c, uuid, e, call, what) do {				\
	virDomainPtr d_ = lookup((c), (uuid), (e));			\
	int r_;								\
	if (d_ == NULL)							\
		return -1;						\
	r_ = call;							\
	if (r_ < 0)							\
		lv_err((e), (what));					\
	virDomainFree(d_);						\
	return r_ < 0 ? -1 : 0;						\
} while (0)

int
hv_start(struct hv_conn *c, const char *uuid, struct herr *e)
{
	DOM_CALL(c, uuid, e, virDomainCreate(d_), "start");
}

int
hv_destroy(struct hv_conn *c, const char *uuid, struct herr *e)
{
	DOM_CALL(c, uuid, e, virDomainDestroy(d_), "destroy");
}

int
hv_reboot(struct hv_conn *c, const char *uuid, struct herr *e)
{
	DOM_CALL(c, uuid, e, virDomainReboot(d_, 0), "reboot");
}

static const char *
state_name(int st)
{
	switch (st) {
	case VIR_DOMAIN_RUNNING: return "running";
	case VIR_DOMAIN_BLOCKED: return "running";
	case VIR_DOMAIN_PAUSED: return "paused";
	case VIR_DOMAIN_SHUTDOWN: return "stopping";
	case VIR_DOMAIN_SHUTOFF: return "shutoff";
	case VIR_DOMAIN_CRASHED: return "crashed";
	case VIR_DOMAIN_PMSUSPENDED: return "suspended";
	default: return "unknown";
	}
}

static int
dom_fill(virDomainPtr d, struct hv_dom *out, struct herr *e)
{
	int st, reason;
	const char *name;

	memset(out, 0, sizeof(*out));
	if (virDomainGetUUIDString(d, out->uuid) < 0 ||
	    virDomainGetState(d, &st, &reason, 0) < 0)
		return lv_err(e, "domain state");
	if ((name = virDomainGetName(d)) != NULL)
		str_copy(out->name, name, sizeof(out->name));
	str_copy(out->state, state_name(st), sizeof(out->state));
	str_copy(out->reason, hv_reason_name(st, reason), sizeof(out->reason));
	return 0;
}

int
hv_dom_state(struct hv_conn *c, const char *uuid, struct hv_dom *out,
    struct herr *e)
{
	virDomainPtr d = lookup(c, uuid, e);
	int r;

	if (d == NULL)
		return -1;
	r = dom_fill(d, out, e);
	virDomainFree(d);
	return r;
}

int
hv_shutdown(struct hv_conn *c, const char *uuid, int force_after, int *forced,
    struct herr *e)
{
	virDomainPtr d = lookup(c, uuid, e);
	struct timespec ts = { 0, 250 * 1000 * 1000 };
	time_t deadline;
	int st, reason, r = -1;

	*forced = 0;
	if (d == NULL)
		return -1;
	if (virDomainShutdown(d) < 0) {
		lv_err(e, "shutdown");
		goto out;
	}
	r = 0;
	if (force_after <= 0)
		goto out;
	deadline = time(NULL) + force_after;
	while (time(NULL) < deadline) {
		if (virDomainGetState(d, &st, &reason, 0) == 0 &&
		    st == VIR_DOMAIN_SHUTOFF)
			goto out;
		nanosleep(&ts, NULL);
	}
	if (virDomainGetState(d, &st, &reason, 0) == 0 &&
	    st == VIR_DOMAIN_SHUTOFF)
		goto out;
	if (virDomainDestroy(d) < 0) {
		r = lv_err(e, "destroy after shutdown timeout");
		goto out;
	}
	*forced = 1;
out:
	virDomainFree(d);
	return r;
}

int
hv_undefine(struct hv_conn *c, const char *uuid, struct herr *e)
{
	virDomainPtr d = virDomainLookupByUUIDString(c->conn, uuid);
	int r;

	if (d == NULL) {
		virErrorPtr err = virGetLastError();
		if (err != NULL && err->code == VIR_ERR_NO_DOMAIN) {
			virResetLastError();
			return 0;
		}
		return lv_err(e, "lookup");
	}
	r = virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
	    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM);
	if (r < 0)	/* older drivers refuse some flags */
		r = virDomainUndefine(d);
	if (r < 0)
		lv_err(e, "undefine");
	virDomainFree(d);
	return r < 0 ? -1 : 0;
}

int
hv_list(struct hv_conn *c, struct hv_dom **out, size_t *n, struct herr *e)
{
	virDomainPtr *doms = NULL;
	int count, i;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if ((count = virConnectListAllDomains(c->conn, &doms, 0)) < 0)
		return lv_err(e, "list domains");
	*out = xcalloc((size_t)count, sizeof(**out));
	for (i = 0; i < count; i++) {
		if (dom_fill(doms[i], &(*out)[k], NULL) == 0)
			k++;
		virDomainFree(doms[i]);
	}
	free(doms);
	*n = k;
	return 0;
}

/* ---- serial console streams ---- */

struct hv_console {
	struct ptycons	*pty;		/* a lab pty (ptycons.c); NULL: stream */
	virStreamPtr	 st;
	hv_console_fn	 fn;
	void		*arg;
	pthread_mutex_t	 mu;
	int		 ended;		/* fn got its n == 0 */
	int		 closed;	/* hv_console_close was called */
};

/* Tells the owner once that the stream ended; never after close. */
static void
console_end(struct hv_console *hc)
{
	pthread_mutex_lock(&hc->mu);
	if (!hc->ended && !hc->closed) {
		hc->ended = 1;
		hc->fn(hc->arg, NULL, 0);
	}
	pthread_mutex_unlock(&hc->mu);
}

static void
console_event(virStreamPtr st, int events, void *opaque)
{
	struct hv_console *hc = opaque;
	char buf[16384];
	int n;

	if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)) {
		console_end(hc);
		return;
	}
	if (!(events & VIR_STREAM_EVENT_READABLE))
		return;
	for (;;) {
		n = virStreamRecv(st, buf, sizeof(buf));
		if (n == -2)
			return;		/* drained */
		if (n <= 0) {
			console_end(hc);
			return;
		}
		pthread_mutex_lock(&hc->mu);
		if (!hc->closed)
			hc->fn(hc->arg, buf, (size_t)n);
		pthread_mutex_unlock(&hc->mu);
	}
}

static void
console_free_cb(void *opaque)
{
	struct hv_console *hc = opaque;

	pthread_mutex_destroy(&hc->mu);
	free(hc);
}

/* A test host's guest with a lab pty (hv_test_console_dir). */
static int
console_open_pty(struct hv_conn *c, const char *uuid, int force,
    hv_console_fn fn, void *arg, struct hv_console **out, struct herr *e)
{
	struct hv_console *hc = xcalloc(1, sizeof(*hc));

	if (ptycons_open(c, uuid, force, fn, arg, &hc->pty, e) == -1) {
		free(hc);
		return -1;
	}
	*out = hc;
	return 0;
}

int
hv_console_open(struct hv_conn *c, const char *uuid, int force,
    hv_console_fn fn, void *arg, struct hv_console **out, struct herr *e)
{
	struct hv_console *hc;
	virDomainPtr d;

	*out = NULL;
	if (ptycons_wanted(c))
		return console_open_pty(c, uuid, force, fn, arg, out, e);
	if ((d = lookup(c, uuid, e)) == NULL)
		return -1;
	hc = xcalloc(1, sizeof(*hc));
	pthread_mutex_init(&hc->mu, NULL);
	hc->fn = fn;
	hc->arg = arg;
	if ((hc->st = virStreamNew(c->conn, VIR_STREAM_NONBLOCK)) == NULL) {
		lv_err(e, "console stream");
		goto fail;
	}
	if (virDomainOpenConsole(d, NULL, hc->st, force ?
	    VIR_DOMAIN_CONSOLE_FORCE : VIR_DOMAIN_CONSOLE_SAFE) < 0) {
		lv_err(e, "console");
		goto fail;
	}
	if (virStreamEventAddCallback(hc->st, VIR_STREAM_EVENT_READABLE |
	    VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP, console_event, hc,
	    console_free_cb) < 0) {
		lv_err(e, "console events");
		virStreamAbort(hc->st);
		goto fail;
	}
	virDomainFree(d);
	*out = hc;
	return 0;
fail:
	if (hc->st != NULL)
		virStreamFree(hc->st);
	pthread_mutex_destroy(&hc->mu);
	free(hc);
	virDomainFree(d);
	return -1;
}

long
hv_console_send(struct hv_console *hc, const char *buf, size_t n)
{
	int r;

	if (hc->pty != NULL)
		return ptycons_send(hc->pty, buf, n);
	if ((r = virStreamSend(hc->st, buf, n)) == -2)
		return 0;
	if (r < 0) {
		virResetLastError();
		return -1;
	}
	return r;
}

void
hv_console_close(struct hv_console *hc)
{
	virStreamPtr st;

	if (hc == NULL)
		return;
	if (hc->pty != NULL) {
		ptycons_close(hc->pty);	/* no more callbacks after this */
		free(hc);
		return;
	}
	pthread_mutex_lock(&hc->mu);
	hc->closed = 1;
	st = hc->st;
	pthread_mutex_unlock(&hc->mu);
	/* the free callback releases hc once libvirt drops the callback */
	virStreamEventRemoveCallback(st);
	virStreamAbort(st);
	virResetLastError();
	virStreamFree(st);
}

/* ---- guest disks ---- */

/* qemu:///embed?root=DIR has no storage driver: disks are files there. */
static int
embed_root(const char *uri, char *buf, size_t size)
{
	const char *root;
	size_t n;

	if (strncmp(uri, "qemu:///embed?", 14) != 0 ||
	    (root = strstr(uri, "root=")) == NULL)
		return -1;
	root += 5;
	n = strcspn(root, "&");
	if (n + 1 > size)
		return -1;
	memcpy(buf, root, n);
	buf[n] = '\0';
	return 0;
}

static int
run_qemu_img(const char *path, uint64_t size_mib, struct herr *e)
{
	char size[32];
	pid_t pid;
	int st;

	snprintf(size, sizeof(size), "%lluM", (unsigned long long)size_mib);
	if ((pid = fork()) == -1)
		return herr_set(e, HERR_INTERNAL, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("qemu-img", "qemu-img", "create", "-q", "-f", "qcow2",
		    path, size, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return herr_set(e, HERR_INTERNAL, "waitpid: %s",
			    strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return herr_set(e, HERR_HV, "qemu-img create %s failed", path);
	return 0;
}

int
hv_disk_create(struct hv_conn *c, const char *pool, const char *name,
    uint64_t size_mib, char *path, size_t pathsize, struct herr *e)
{
	char root[1024], xml[512];
	virStoragePoolPtr p;
	virStorageVolPtr v;
	char *vpath;

	if (embed_root(c->uri, root, sizeof(root)) == 0) {
		if ((size_t)snprintf(path, pathsize, "%s/disks", root) >= pathsize)
			return herr_set(e, HERR_USAGE, "disk path too long");
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			return herr_set(e, HERR_INTERNAL, "mkdir %s: %s", path,
			    strerror(errno));
		if ((size_t)snprintf(path, pathsize, "%s/disks/%s.qcow2", root,
		    name) >= pathsize)
			return herr_set(e, HERR_USAGE, "disk path too long");
		if (access(path, F_OK) == 0)
			return herr_set(e, HERR_EXISTS, "disk %s already exists",
			    path);
		return run_qemu_img(path, size_mib, e);
	}
	if (pool == NULL || pool[0] == '\0')
		return herr_set(e, HERR_USAGE, "host has no storage pool");
	if ((p = virStoragePoolLookupByName(c->conn, pool)) == NULL)
		return lv_err(e, "storage pool");
	snprintf(xml, sizeof(xml), "<volume><name>%s.qcow2</name>"
	    "<capacity unit='MiB'>%llu</capacity><allocation>0</allocation>"
	    "<target><format type='qcow2'/></target></volume>", name,
	    (unsigned long long)size_mib);
	v = virStorageVolCreateXML(p, xml, 0);
	virStoragePoolFree(p);
	if (v == NULL)
		return lv_err(e, "create disk");
	vpath = virStorageVolGetPath(v);
	virStorageVolFree(v);
	if (vpath == NULL)
		return lv_err(e, "disk path");
	str_copy(path, vpath, pathsize);
	free(vpath);
	return 0;
}

int
hv_disk_delete(struct hv_conn *c, const char *path, struct herr *e)
{
	char root[1024];
	virStorageVolPtr v;
	int r;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (embed_root(c->uri, root, sizeof(root)) == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			return herr_set(e, HERR_INTERNAL, "rm %s: %s", path,
			    strerror(errno));
		return 0;
	}
	if ((v = virStorageVolLookupByPath(c->conn, path)) == NULL) {
		virResetLastError();
		return 0;	/* already gone */
	}
	r = virStorageVolDelete(v, 0);
	virStorageVolFree(v);
	return r < 0 ? lv_err(e, "delete disk") : 0;
}

/* "kernel", or the <boot dev=...> list ("cdrom,hd"), of a domain XML. */
static void
boot_of(const char *xml, char *buf, size_t size)
{
	const char *p = xml, *q;
	size_t o = 0;

	buf[0] = '\0';
	if (xml == NULL)
		return;
	if (strstr(xml, "<kernel>") != NULL) {
		str_copy(buf, "kernel", size);
		return;
	}
	while ((p = strstr(p, "<boot dev='")) != NULL) {
		p += strlen("<boot dev='");
		if ((q = strchr(p, '\'')) == NULL)
			break;
		if (o + (size_t)(q - p) + 2 >= size)
			break;
		if (o > 0)
			buf[o++] = ',';
		memcpy(buf + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		buf[o] = '\0';
	}
}

int
hv_dom_boot(struct hv_conn *c, const char *uuid, char *live, char *next,
    size_t size, struct herr *e)
{
	virDomainPtr d = lookup(c, uuid, e);
	char *x;

	if (d == NULL)
		return -1;
	x = virDomainIsActive(d) == 1 ? virDomainGetXMLDesc(d, 0) : NULL;
	boot_of(x, live, size);
	free(x);
	x = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
	if (x == NULL) {
		virDomainFree(d);
		return lv_err(e, "domain XML");
	}
	boot_of(x, next, size);
	free(x);
	virDomainFree(d);
	return 0;
}
