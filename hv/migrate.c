/*
 * Live migration between hosts.
 *
 * Real hypervisors: client-driven virDomainMigrate3, live, the guest made
 * persistent on the destination and undefined on the source, storage
 * copied over NBD unless the hosts share it.  The guest-visible pause is
 * QEMU's own downtime figure from the completed job's statistics.
 *
 * A guest's disk volume goes with it: hangar makes its copy in the
 * destination's pool first (libvirt would only look for one at the same
 * path), rewrites the disk's path in the XML the destination runs when
 * the pools differ, and deletes the volume left here afterwards, or the
 * copy when the migration failed.
 *
 * The test driver cannot migrate.  Between two test:/// hosts the guest
 * is moved the way a migration leaves things: suspended here, defined
 * and started there, destroyed and undefined here.  The pause is the
 * time that took, and the result says it was modelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

int64_t
hv_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The test driver, in this process or behind a daemon (test+unix://). */
int
uri_is_test(const char *uri)
{
	return strncmp(uri, "test:", 5) == 0 || strncmp(uri, "test+", 5) == 0;
}

/* Moves the definition (and the running state) between test hosts. */
int
move_test(virDomainPtr src, struct hv_conn *dc, int active,
    struct hv_migration *out, struct herr *e)
{
	virDomainPtr dd;
	char *xml;
	int64_t t0;

	if ((xml = virDomainGetXMLDesc(src, VIR_DOMAIN_XML_INACTIVE)) == NULL)
		return lv_err(e, "migrate: domain XML");
	t0 = hv_mono_ms();
	if (active && virDomainSuspend(src) < 0) {
		free(xml);
		return lv_err(e, "migrate: suspend");
	}
	dd = virDomainDefineXML(dc->conn, xml);
	free(xml);
	if (dd == NULL || (active && virDomainCreate(dd) < 0)) {
		lv_err(e, "migrate: start on the destination");
		if (dd != NULL) {
			virDomainUndefine(dd);
			virDomainFree(dd);
		}
		if (active)
			virDomainResume(src);
		return -1;
	}
	if (active)
		out->pause_ms = hv_mono_ms() - t0;
	virDomainFree(dd);
	if ((active && virDomainDestroy(src) < 0) || virDomainUndefine(src) < 0)
		return lv_err(e, "migrate: remove from the source");
	out->modelled = 1;
	return 0;
}

/* QEMU's figures for the migration that just completed. */
static void
job_stats(virDomainPtr dd, struct hv_migration *out)
{
	virTypedParameterPtr p = NULL;
	unsigned long long v;
	int type, n = 0;

	if (virDomainGetJobStats(dd, &type, &p, &n,
	    VIR_DOMAIN_JOB_STATS_COMPLETED) < 0) {
		virResetLastError();
		return;
	}
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DOWNTIME, &v) == 1)
		out->pause_ms = (int64_t)v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED, &v) == 1)
		out->total_ms = (int64_t)v;
	if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED,
	    &v) == 1)
		out->bytes = v;
	virTypedParamsFree(p, n);
}

/* ---- the guest's disk volume ---- */

int
has_text(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* s with XML's five special characters escaped (new string). */
static char *
xml_esc(const char *s)
{
	char *out = xmalloc(strlen(s) * 6 + 1), *o = out;

	for (; *s != '\0'; s++) {
		const char *r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '\'' ? "&apos;" :
		    *s == '"' ? "&quot;" : NULL;
		if (r == NULL)
			*o++ = *s;
		else
			o = stpcpy(o, r);
	}
	*o = '\0';
	return out;
}

/*
 * xml with each <TAG file='FROM' made <TAG file='TO' (a new string), or
 * NULL when there is none.
 */
static char *
xml_swap(const char *xml, const char *tag, const char *from, const char *to)
{
	char *f = xml_esc(from), *t = xml_esc(to), *pat, *rep, *out, *o;
	const char *p, *q;
	size_t n = 0;

	pat = xasprintf("<%s file='%s'", tag, f);
	rep = xasprintf("<%s file='%s'", tag, t);
	free(f);
	free(t);
	for (p = xml; (q = strstr(p, pat)) != NULL; p = q + strlen(pat))
		n++;
	out = NULL;
	if (n > 0) {
		out = o = xmalloc(strlen(xml) + n * strlen(rep) + 1);
		for (p = xml; (q = strstr(p, pat)) != NULL;
		    p = q + strlen(pat)) {
			memcpy(o, p, (size_t)(q - p));
			o = stpcpy(o + (q - p), rep);
		}
		strcpy(o, p);
	}
	free(pat);
	free(rep);
	return out;
}

/* Whether two connections reach the same machine (unsure: yes). */
int
same_machine(virConnectPtr a, virConnectPtr b)
{
	char *ha = virConnectGetHostname(a), *hb = virConnectGetHostname(b);
	int same = ha == NULL || hb == NULL || strcmp(ha, hb) == 0;

	free(ha);
	free(hb);
	virResetLastError();
	return same;
}

/*
 * The volume at path here: its name, capacity and format.  1: found;
 * 0: the path is not a volume; -1 on error.
 */
int
vol_here(virConnectPtr conn, const char *path, char *name, size_t namesize,
    unsigned long long *cap, char *fmt, size_t fmtsize, struct herr *e)
{
	virStorageVolPtr v;
	virStorageVolInfo vi;
	virErrorPtr err;
	const char *p, *q;
	char *xml;

	if ((v = virStorageVolLookupByPath(conn, path)) == NULL) {
		err = virGetLastError();
		if (err != NULL && err->code == VIR_ERR_NO_STORAGE_VOL) {
			virResetLastError();
			return 0;
		}
		return lv_err(e, "migrate: disk volume");
	}
	xml = virStorageVolGetXMLDesc(v, 0);
	if (virStorageVolGetName(v) == NULL ||
	    virStorageVolGetInfo(v, &vi) < 0 || xml == NULL) {
		free(xml);
		virStorageVolFree(v);
		return lv_err(e, "migrate: disk volume");
	}
	str_copy(name, virStorageVolGetName(v), namesize);
	virStorageVolFree(v);
	*cap = vi.capacity;
	str_copy(fmt, "raw", fmtsize);
	if ((p = strstr(xml, "<target>")) != NULL &&
	    (p = strstr(p, "<format type='")) != NULL) {
		p += strlen("<format type='");
		if ((q = strchr(p, '\'')) != NULL && (size_t)(q - p) < fmtsize) {
			memcpy(fmt, p, (size_t)(q - p));
			fmt[q - p] = '\0';
		}
	}
	free(xml);
	return 1;
}

/* The destination's pool, its volume list read again. */
virStoragePoolPtr
pool_there(virConnectPtr conn, const char *pool, struct herr *e)
{
	virStoragePoolPtr p;

	if ((p = virStoragePoolLookupByName(conn, pool)) == NULL) {
		lv_err(e, "migrate: destination storage pool");
		return NULL;
	}
	if (virStoragePoolRefresh(p, 0) < 0) {
		lv_err(e, "migrate: destination storage pool");
		virStoragePoolFree(p);
		return NULL;
	}
	return p;
}

/* The path of volume name in pool p: 1, 0 when there is none, -1. */
int
vol_path(virStoragePoolPtr p, const char *name, char *path, size_t size,
    struct herr *e)
{
	virStorageVolPtr v;
	char *vp;

	if ((v = virStorageVolLookupByName(p, name)) == NULL) {
		virResetLastError();
		return 0;
	}
	vp = virStorageVolGetPath(v);
	virStorageVolFree(v);
	if (vp == NULL)
		return lv_err(e, "migrate: destination disk path");
	str_copy(path, vp, size);
	free(vp);
	return 1;
}

/* Makes the copy's volume in p: empty, of the same capacity and format. */
static int
vol_make(virStoragePoolPtr p, struct mdisk *md, unsigned long long cap,
    const char *fmt, struct herr *e)
{
	char *name = xml_esc(md->name), *f = xml_esc(fmt), *xml, *vp;

	xml = xasprintf("<volume><name>%s</name><capacity unit='bytes'>%llu"
	    "</capacity><allocation>0</allocation><target><format type='%s'/>"
	    "</target></volume>", name, cap, f);
	free(name);
	free(f);
	md->made = virStorageVolCreateXML(p, xml, 0);
	free(xml);
	if (md->made == NULL)
		return lv_err(e, "migrate: create the disk on the destination");
	if ((vp = virStorageVolGetPath(md->made)) == NULL) {
		lv_err(e, "migrate: destination disk path");
		virStorageVolDelete(md->made, 0);
		virStorageVolFree(md->made);
		md->made = NULL;
		return -1;
	}
	str_copy(md->dst, vp, sizeof(md->dst));
	free(vp);
	return 0;
}

/*
 * Before a migration that copies storage: the guest's volume here and
 * its copy there, made if the destination's pool has none.  md->src is
 * "" when there is nothing to do (no volume, no pool there).
 */
static int
disk_prepare(struct hv_conn *c, struct hv_conn *dc,
    const struct hv_migrate_opts *o, struct mdisk *md, struct herr *e)
{
	virStoragePoolPtr p;
	unsigned long long cap;
	char fmt[32];
	int r;

	memset(md, 0, sizeof(*md));
	if (!o->copy_storage || !has_text(o->disk_path) ||
	    !has_text(o->dst_pool))
		return 0;
	if ((r = vol_here(c->conn, o->disk_path, md->name, sizeof(md->name),
	    &cap, fmt, sizeof(fmt), e)) != 1)
		return r;
	if ((p = pool_there(dc->conn, o->dst_pool, e)) == NULL)
		return -1;
	if ((r = vol_path(p, md->name, md->dst, sizeof(md->dst), e)) == 0)
		r = vol_make(p, md, cap, fmt, e);
	else if (r == 1) {
		r = 0;
		md->same = strcmp(md->dst, o->disk_path) == 0 &&
		    same_machine(c->conn, dc->conn);
	}
	virStoragePoolFree(p);
	if (r == 0)
		str_copy(md->src, o->disk_path, sizeof(md->src));
	return r;
}

/* After the migration: the copy made for it goes when it failed. */
void
disk_undo(struct mdisk *md)
{
	if (md->made == NULL)
		return;
	if (virStorageVolDelete(md->made, 0) < 0) {
		log_warnx("migrate: the disk copy %s was not deleted: %s",
		    md->dst, virGetLastErrorMessage());
		virResetLastError();
	}
	virStorageVolFree(md->made);
	md->made = NULL;
}

/*
 * After a migration that worked: the volume here goes, unless it is the
 * one the guest now uses.  The guest runs there either way, so a failure
 * is only logged (hv_migrate_settle tries again on a repeated step).
 */
void
disk_done(struct hv_conn *c, struct mdisk *md, struct hv_migration *out)
{
	struct herr e;
	int made = md->made != NULL;

	if (md->made != NULL)
		virStorageVolFree(md->made);
	md->made = NULL;
	if (md->src[0] == '\0')
		return;
	str_copy(out->disk_path, md->dst, sizeof(out->disk_path));
	if (md->same)
		return;
	/*
	 * A volume there at the very path of this one, which hangar did not
	 * make, may be this file itself (storage shared under the same
	 * path, with migrate_copy_storage left on): deleting it would
	 * delete the disk the guest runs on.  It stays, and says so.
	 */
	if (!made && strcmp(md->src, md->dst) == 0) {
		log_warnx("migrate: %s is kept: the destination had a volume "
		    "at the same path, which may be this file (shared "
		    "storage? then set migrate_copy_storage no)", md->src);
		return;
	}
	if (hv_disk_delete(c, md->src, &e) == -1)
		log_warnx("migrate: the disk %s left behind was not deleted: "
		    "%s", md->src, e.msg);
}

/*
 * The guest as the destination runs it (*live) and keeps it (*persist):
 * o->dest_xml or its XML here, with the disk's path there and the
 * console log's.  Both NULL when nothing differs.
 */
int
dest_xmls(virDomainPtr src, struct hv_conn *c, const char *dst_uri,
    const struct hv_migrate_opts *o, const struct mdisk *md, char **live,
    char **persist, struct herr *e)
{
	char *x[2], *y, from[1024], to[1024];
	const char *name = virDomainGetName(src);
	int disk = md->src[0] != '\0' && strcmp(md->src, md->dst) != 0;
	int log = name != NULL &&
	    hv_console_log_path(c->uri, name, from, sizeof(from)) == 0 &&
	    hv_console_log_path(dst_uri, name, to, sizeof(to)) == 0 &&
	    strcmp(from, to) != 0;
	int i;

	*live = *persist = NULL;
	if (o->dest_xml == NULL && !disk && !log)
		return 0;
	x[0] = o->dest_xml != NULL ? xstrdup(o->dest_xml) :
	    virDomainGetXMLDesc(src, VIR_DOMAIN_XML_MIGRATABLE);
	x[1] = o->dest_xml != NULL ? xstrdup(o->dest_xml) :
	    virDomainGetXMLDesc(src, VIR_DOMAIN_XML_MIGRATABLE |
	    VIR_DOMAIN_XML_INACTIVE);
	if (x[0] == NULL || x[1] == NULL) {
		free(x[0]);
		free(x[1]);
		return lv_err(e, "migrate: domain XML");
	}
	for (i = 0; i < 2; i++) {
		if (log && (y = xml_swap(x[i], "log", from, to)) != NULL) {
			free(x[i]);
			x[i] = y;
		}
		if (!disk)
			continue;
		if ((y = xml_swap(x[i], "source", md->src, md->dst)) == NULL) {
			free(x[0]);
			free(x[1]);
			return herr_set(e, HERR_HV, "migrate: the domain XML "
			    "has no disk %s", md->src);
		}
		free(x[i]);
		x[i] = y;
	}
	*live = x[0];
	*persist = x[1];
	return 0;
}

/*
 * Where QEMU sends the migration stream: tcp://ADDRESS, or the
 * destination URI's host; 0 when libvirt is to pick (no host in it).
 */
static int
stream_uri(const char *dst_uri, const struct hv_migrate_opts *o, char *buf,
    size_t size)
{
	char host[256];

	if (has_text(o->address))
		return snprintf(buf, size, "tcp://%s", o->address) <
		    (int)size;
	if (hv_uri_host(dst_uri, host, sizeof(host)) == 0)
		return 0;
	return snprintf(buf, size, "tcp://%s", host) < (int)size;
}

/* p2p: the destination as the source host reaches it (new string). */
static char *
peer_uri(const struct hv_migrate_opts *o, const char *dst_uri)
{
	char host[256], *out, *w;
	const char *t = has_text(o->peer_uri) ? o->peer_uri : dst_uri, *p;

	(void)hv_uri_host(dst_uri, host, sizeof(host));
	out = w = xmalloc(strlen(t) * (strlen(host) + 1) + 1);
	for (p = t; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'h') {
			w = stpcpy(w, host);
			p++;
		} else
			*w++ = *p;
	}
	*w = '\0';
	return out;
}

/*
 * The migration itself: managed direct (this process drives both
 * libvirtds; virDomainMigrate3) or peer to peer (the source's libvirtd
 * reaches the destination's itself; virDomainMigrateToURI3).  *dd gets
 * the guest on the destination.
 */
static int
migrate_go(virDomainPtr src, struct hv_conn *dc,
    const struct hv_migrate_opts *o, virTypedParameterPtr p, int n,
    unsigned int flags, virDomainPtr *dd, struct herr *e)
{
	char uuid[VIR_UUID_STRING_BUFLEN], *peer;
	int r;

	if (!o->p2p) {
		if ((*dd = virDomainMigrate3(src, dc->conn, p, (unsigned int)n,
		    flags)) == NULL)
			return lv_err(e, "migrate");
		return 0;
	}
	if (virDomainGetUUIDString(src, uuid) < 0)
		return lv_err(e, "migrate: uuid");
	peer = peer_uri(o, dc->uri);
	r = virDomainMigrateToURI3(src, peer, p, (unsigned int)n,
	    flags | VIR_MIGRATE_PEER2PEER);
	free(peer);
	if (r < 0)
		return lv_err(e, "migrate (peer to peer)");
	if ((*dd = virDomainLookupByUUIDString(dc->conn, uuid)) == NULL)
		return lv_err(e, "migrate: the guest on the destination");
	return 0;
}

static int
migrate_call(virDomainPtr src, struct hv_conn *c, struct hv_conn *dc,
    int active, const struct hv_migrate_opts *o, const struct mdisk *md,
    struct hv_migration *out, struct herr *e)
{
	virTypedParameterPtr p = NULL;
	virDomainPtr dd;
	unsigned int flags = VIR_MIGRATE_PERSIST_DEST |
	    VIR_MIGRATE_UNDEFINE_SOURCE;
	int n = 0, max = 0, r;
	char uri[300], *live, *persist;

	if (active) {
		flags |= VIR_MIGRATE_LIVE;
		if (o->copy_storage)
			flags |= VIR_MIGRATE_NON_SHARED_DISK;
		if (o->tls)
			flags |= VIR_MIGRATE_TLS;
	} else
		flags |= VIR_MIGRATE_OFFLINE;
	if (active && stream_uri(dc->uri, o, uri, sizeof(uri)) == 1 &&
	    virTypedParamsAddString(&p, &n, &max, VIR_MIGRATE_PARAM_URI,
	    uri) < 0)
		return lv_err(e, "migrate: parameters");
	if (dest_xmls(src, c, dc->uri, o, md, &live, &persist, e) == -1) {
		virTypedParamsFree(p, n);
		return -1;
	}
	if (live != NULL && (virTypedParamsAddString(&p, &n, &max,
	    VIR_MIGRATE_PARAM_DEST_XML, live) < 0 ||
	    virTypedParamsAddString(&p, &n, &max,
	    VIR_MIGRATE_PARAM_PERSIST_XML, persist) < 0)) {
		free(live);
		free(persist);
		virTypedParamsFree(p, n);
		return lv_err(e, "migrate: parameters");
	}
	free(live);
	free(persist);
	r = migrate_go(src, dc, o, p, n, flags, &dd, e);
	virTypedParamsFree(p, n);
	if (r == -1)
		return -1;
	if (active)
		job_stats(dd, out);
	virDomainFree(dd);
	return 0;
}

/*
 * A shut-off guest moves as a definition only: refused when its disk
 * volume would have to be copied (the destination has not the same file).
 */
static int
offline_check(struct hv_conn *c, struct hv_conn *dc,
    const struct hv_migrate_opts *o, struct herr *e)
{
	virStoragePoolPtr p;
	unsigned long long cap;
	char name[256], fmt[32], path[1024];
	int r;

	if (!o->copy_storage || !has_text(o->disk_path) ||
	    !has_text(o->dst_pool))
		return 0;
	if ((r = vol_here(c->conn, o->disk_path, name, sizeof(name), &cap,
	    fmt, sizeof(fmt), e)) != 1)
		return r;
	if ((p = pool_there(dc->conn, o->dst_pool, e)) == NULL)
		return -1;
	r = vol_path(p, name, path, sizeof(path), e);
	virStoragePoolFree(p);
	if (r == -1)
		return -1;
	if (r == 1 && strcmp(path, o->disk_path) == 0 &&
	    same_machine(c->conn, dc->conn))
		return 0;
	return herr_set(e, HERR_STATE, "migrate: the guest is shut off and "
	    "its disk %s is not copied offline: start it first", o->disk_path);
}

static int
migrate_real(virDomainPtr src, struct hv_conn *c, struct hv_conn *dc,
    int active, const struct hv_migrate_opts *o, struct hv_migration *out,
    struct herr *e)
{
	struct mdisk md;
	int r;

	memset(&md, 0, sizeof(md));
	if (!active && offline_check(c, dc, o, e) == -1)
		return -1;
	/* the folder its console log goes to there */
	if (hv_console_pool_ensure(dc, e) == -1)
		return -1;
	if (active && disk_prepare(c, dc, o, &md, e) == -1)
		return -1;
	if ((r = migrate_call(src, c, dc, active, o, &md, out, e)) == 0)
		disk_done(c, &md, out);
	else
		disk_undo(&md);
	return r;
}

int
hv_migrate(struct hv_conn *c, const char *uuid, const char *dst_uri,
    const struct hv_migrate_opts *o, struct hv_migration *out,
    struct herr *e)
{
	struct hv_conn *dc;
	virDomainPtr src;
	int64_t t0 = hv_mono_ms();
	int active, r;

	memset(out, 0, sizeof(*out));
	out->pause_ms = -1;
	if (uri_is_test(c->uri) != uri_is_test(dst_uri))
		return herr_set(e, HERR_USAGE, "cannot migrate between a test "
		    "host and a real one");
	if ((src = lookup(c, uuid, e)) == NULL)
		return -1;
	if ((active = virDomainIsActive(src)) < 0) {
		virDomainFree(src);
		return lv_err(e, "migrate: state");
	}
	if ((dc = hv_open(dst_uri, e)) == NULL) {
		virDomainFree(src);
		return -1;
	}
	r = uri_is_test(c->uri) ? move_test(src, dc, active, out, e) :
	    migrate_real(src, c, dc, active, o, out, e);
	virDomainFree(src);
	hv_close(dc);
	out->live = active;
	if (r == 0 && out->total_ms == 0)
		out->total_ms = hv_mono_ms() - t0;
	if (!active)
		out->pause_ms = 0;
	return r;
}

/* Whether the domain's disk is the file at path. */
static int
dom_uses(virDomainPtr d, const char *path)
{
	char *xml = virDomainGetXMLDesc(d, 0), *f, *pat;
	int r;

	if (xml == NULL) {
		virResetLastError();
		return 0;
	}
	f = xml_esc(path);
	pat = xasprintf("<source file='%s'", f);
	r = strstr(xml, pat) != NULL;
	free(f);
	free(pat);
	free(xml);
	return r;
}

/* The guest's copy there, if it runs on it: 1 (md filled), 0, -1. */
static int
copy_there(struct hv_conn *c, struct hv_conn *dc, const char *uuid,
    const struct hv_migrate_opts *o, struct mdisk *md, struct herr *e)
{
	virStoragePoolPtr p;
	virDomainPtr d;
	int r;

	if ((p = pool_there(dc->conn, o->dst_pool, e)) == NULL)
		return -1;
	r = vol_path(p, md->name, md->dst, sizeof(md->dst), e);
	virStoragePoolFree(p);
	if (r != 1)
		return r;
	if ((d = lookup(dc, uuid, e)) == NULL)
		return -1;
	r = dom_uses(d, md->dst);
	virDomainFree(d);
	if (r == 0)
		return 0;
	str_copy(md->src, o->disk_path, sizeof(md->src));
	md->same = strcmp(md->dst, md->src) == 0 &&
	    same_machine(c->conn, dc->conn);
	return 1;
}

int
hv_migrate_settle(struct hv_conn *c, const char *uuid, const char *dst_uri,
    const struct hv_migrate_opts *o, struct hv_migration *out,
    struct herr *e)
{
	struct hv_conn *dc;
	struct mdisk md;
	unsigned long long cap;
	const char *base;
	char fmt[32];
	int r;

	out->disk_path[0] = '\0';
	if (uri_is_test(c->uri) || !o->copy_storage || !has_text(o->disk_path) ||
	    !has_text(o->dst_pool))
		return 0;
	memset(&md, 0, sizeof(md));
	/* the volume here may be gone already: then it was named so */
	if ((r = vol_here(c->conn, o->disk_path, md.name, sizeof(md.name),
	    &cap, fmt, sizeof(fmt), e)) == -1)
		return -1;
	if (r == 0) {
		base = strrchr(o->disk_path, '/');
		str_copy(md.name, base != NULL ? base + 1 : o->disk_path,
		    sizeof(md.name));
	}
	if ((dc = hv_open(dst_uri, e)) == NULL)
		return -1;
	r = copy_there(c, dc, uuid, o, &md, e);
	hv_close(dc);
	if (r == 1)
		disk_done(c, &md, out);
	return r == -1 ? -1 : 0;
}

int
hv_has_domain(const char *uri, struct hv_conn *c, const char *uuid,
    struct hv_dom *out, struct herr *e)
{
	struct hv_conn *own = NULL;
	int r;

	if (c == NULL && (c = own = hv_open(uri, e)) == NULL)
		return -1;
	r = hv_dom_state(c, uuid, out, e);
	if (r == -1 && e != NULL && e->code == HERR_NOTFOUND)
		r = 0;
	else if (r == 0)
		r = 1;
	hv_close(own);
	return r;
}
