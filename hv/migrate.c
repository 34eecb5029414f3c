/*
 * Live migration between hosts.
 *
 * Real hypervisors: client-driven virDomainMigrate3, live, the guest made
 * persistent on the destination and undefined on the source, storage
 * copied over NBD unless the hosts share it.  The guest-visible pause is
 * QEMU's own downtime figure from the completed job's statistics.
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
#include "lib/str.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The test driver, in this process or behind a daemon (test+unix://). */
static int
is_test(const char *uri)
{
	return strncmp(uri, "test:", 5) == 0 || strncmp(uri, "test+", 5) == 0;
}

/* Moves the definition (and the running state) between test hosts. */
static int
move_test(virDomainPtr src, struct hv_conn *dc, int active,
    struct hv_migration *out, struct herr *e)
{
	virDomainPtr dd;
	char *xml;
	int64_t t0;

	if ((xml = virDomainGetXMLDesc(src, VIR_DOMAIN_XML_INACTIVE)) == NULL)
		return lv_err(e, "migrate: domain XML");
	t0 = now_ms();
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
		out->pause_ms = now_ms() - t0;
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

static int
migrate_real(virDomainPtr src, struct hv_conn *dc, int active,
    const struct hv_migrate_opts *o, struct hv_migration *out,
    struct herr *e)
{
	virTypedParameterPtr p = NULL;
	virDomainPtr dd;
	unsigned int flags = VIR_MIGRATE_PERSIST_DEST |
	    VIR_MIGRATE_UNDEFINE_SOURCE;
	int n = 0, max = 0;
	char uri[300];

	if (active) {
		flags |= VIR_MIGRATE_LIVE;
		if (o->copy_storage)
			flags |= VIR_MIGRATE_NON_SHARED_DISK;
	} else
		flags |= VIR_MIGRATE_OFFLINE;
	if (o->address != NULL && o->address[0] != '\0' && active) {
		snprintf(uri, sizeof(uri), "tcp://%s", o->address);
		if (virTypedParamsAddString(&p, &n, &max,
		    VIR_MIGRATE_PARAM_URI, uri) < 0)
			return lv_err(e, "migrate: parameters");
	}
	if (o->dest_xml != NULL && (virTypedParamsAddString(&p, &n, &max,
	    VIR_MIGRATE_PARAM_DEST_XML, o->dest_xml) < 0 ||
	    virTypedParamsAddString(&p, &n, &max,
	    VIR_MIGRATE_PARAM_PERSIST_XML, o->dest_xml) < 0)) {
		virTypedParamsFree(p, n);
		return lv_err(e, "migrate: parameters");
	}
	dd = virDomainMigrate3(src, dc->conn, p, (unsigned int)n, flags);
	virTypedParamsFree(p, n);
	if (dd == NULL)
		return lv_err(e, "migrate");
	if (active)
		job_stats(dd, out);
	virDomainFree(dd);
	return 0;
}

int
hv_migrate(struct hv_conn *c, const char *uuid, const char *dst_uri,
    const struct hv_migrate_opts *o, struct hv_migration *out,
    struct herr *e)
{
	struct hv_conn *dc;
	virDomainPtr src;
	int64_t t0 = now_ms();
	int active, r;

	memset(out, 0, sizeof(*out));
	out->pause_ms = -1;
	if (is_test(c->uri) != is_test(dst_uri))
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
	r = is_test(c->uri) ? move_test(src, dc, active, out, e) :
	    migrate_real(src, dc, active, o, out, e);
	virDomainFree(src);
	hv_close(dc);
	out->live = active;
	if (r == 0 && out->total_ms == 0)
		out->total_ms = now_ms() - t0;
	if (!active)
		out->pause_ms = 0;
	return r;
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
