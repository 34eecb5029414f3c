/*
 * volcopy: a shut-off guest moved to another host, its disk with it.
 *
 * The guest's disk volume is copied between the two hosts' storage
 * pools through libvirt's own volume streams: virStorageVolDownload on
 * this host, virStorageVolUpload into a volume made for it in the
 * destination's pool, holes sent as holes (sparse streams).  The bytes
 * go over the two libvirt connections; nothing of ours opens the files.
 * The copy is the volume's file byte for byte (a qcow2 file stays one),
 * so the volume made for it is raw and exactly as long as the file here;
 * the pool reads its format from it when it is refreshed.  Then the
 * guest is defined there with its disk's and console log's paths there
 * (hv_migrate's own rewrite), undefined here, and the volume here is
 * deleted.
 *
 * Every stage can be met again after a crash.  A guest already defined
 * there was copied in full (it is defined only after its copy is), so
 * only the undefine here and the delete are left (hv_migrate_settle).
 * A copy without a definition is made again from the start.
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

#define CHUNK	(256 * 1024)	/* libvirt's stream payload at most */

/* Sends all n bytes (a blocking stream may take part of them). */
static int
send_all(virStreamPtr st, const char *buf, size_t n)
{
	int k;

	while (n > 0) {
		if ((k = virStreamSend(st, buf, n)) < 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The download stream into the upload stream, holes as holes. */
static int
pump(virStreamPtr in, virStreamPtr out, uint64_t *bytes, struct herr *e)
{
	char *buf = xmalloc(CHUNK);
	long long hole;
	int n, r = -1;

	for (;;) {
		n = virStreamRecvFlags(in, buf, CHUNK,
		    VIR_STREAM_RECV_STOP_AT_HOLE);
		if (n == -3) {
			if (virStreamRecvHole(in, &hole, 0) < 0 ||
			    virStreamSendHole(out, hole, 0) < 0) {
				lv_err(e, "copy: a hole in the disk");
				break;
			}
			continue;
		}
		if (n < 0) {
			lv_err(e, "copy: reading the disk here");
			break;
		}
		if (n == 0) {
			r = 0;
			break;
		}
		if (send_all(out, buf, (size_t)n) == -1) {
			lv_err(e, "copy: writing the disk there");
			break;
		}
		*bytes += (uint64_t)n;
	}
	free(buf);
	return r;
}

/* An empty raw volume of exactly size bytes in p, for the copy. */
static int
vol_blank(virStoragePoolPtr p, struct mdisk *md, unsigned long long size,
    struct herr *e)
{
	char *xml, *vp;

	/* the name is the source volume's, from libvirt: no markup in it */
	if (strpbrk(md->name, "<>&'\"") != NULL)
		return herr_set(e, HERR_HV, "copy: volume name %s", md->name);
	xml = xasprintf("<volume><name>%s</name><capacity unit='bytes'>%llu"
	    "</capacity><allocation>0</allocation><target><format "
	    "type='raw'/></target></volume>", md->name, size);
	md->made = virStorageVolCreateXML(p, xml, 0);
	free(xml);
	if (md->made == NULL)
		return lv_err(e, "copy: create the disk on the destination");
	if ((vp = virStorageVolGetPath(md->made)) == NULL) {
		lv_err(e, "copy: destination disk path");
		disk_undo(md);
		return -1;
	}
	str_copy(md->dst, vp, sizeof(md->dst));
	free(vp);
	return 0;
}

/* Replaces the volume name in p, left by a copy that did not finish. */
static int
vol_drop(virStoragePoolPtr p, const char *name, struct herr *e)
{
	virStorageVolPtr v;
	int r;

	if ((v = virStorageVolLookupByName(p, name)) == NULL)
		return lv_err(e, "copy: earlier copy");
	log_warnx("copy: the destination's volume %s is left from a copy that "
	    "did not finish: it is made again", name);
	r = virStorageVolDelete(v, 0);
	virStorageVolFree(v);
	return r < 0 ? lv_err(e, "copy: delete the earlier copy") : 0;
}

/* Streams volume sv here into md->made there. */
static int
stream_copy(struct hv_conn *c, struct hv_conn *dc, virStorageVolPtr sv,
    struct mdisk *md, uint64_t *bytes, struct herr *e)
{
	virStreamPtr in = virStreamNew(c->conn, 0);
	virStreamPtr out = virStreamNew(dc->conn, 0);
	int r = -1;

	if (in == NULL || out == NULL)
		lv_err(e, "copy: stream");
	else if (virStorageVolDownload(sv, in, 0, 0,
	    VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) < 0)
		lv_err(e, "copy: download the disk here");
	else if (virStorageVolUpload(md->made, out, 0, 0,
	    VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) < 0) {
		lv_err(e, "copy: upload the disk there");
		virStreamAbort(in);
	} else if (pump(in, out, bytes, e) == -1) {
		virStreamAbort(in);
		virStreamAbort(out);
	} else if (virStreamFinish(in) < 0) {
		lv_err(e, "copy: the download did not finish");
		virStreamAbort(out);
	} else if (virStreamFinish(out) < 0)
		lv_err(e, "copy: the upload did not finish");
	else
		r = 0;
	if (in != NULL)
		virStreamFree(in);
	if (out != NULL)
		virStreamFree(out);
	return r;
}

/*
 * Copies the guest's volume (o->disk_path) into the destination's pool:
 * md as hv_migrate fills it (md->made: the copy).  Nothing to copy
 * without copy_storage or a pool there, or when the destination's volume
 * is this very file (same path, same machine).
 */
static int
vol_copy(struct hv_conn *c, struct hv_conn *dc,
    const struct hv_migrate_opts *o, struct mdisk *md, uint64_t *bytes,
    struct herr *e)
{
	virStorageVolPtr sv;
	virStoragePoolPtr p;
	virStorageVolInfo vi;
	const char *name;
	int r;

	memset(md, 0, sizeof(*md));
	if (!o->copy_storage || !has_text(o->disk_path) ||
	    !has_text(o->dst_pool))
		return 0;
	if ((sv = virStorageVolLookupByPath(c->conn, o->disk_path)) == NULL)
		return herr_set(e, HERR_STATE, "copy: the disk %s is not a "
		    "volume of a storage pool here: it cannot be copied",
		    o->disk_path);
	/* the physical size: the file's length, which the copy must have */
	if ((name = virStorageVolGetName(sv)) == NULL ||
	    virStorageVolGetInfoFlags(sv, &vi,
	    VIR_STORAGE_VOL_GET_PHYSICAL) < 0) {
		virStorageVolFree(sv);
		return lv_err(e, "copy: disk volume");
	}
	str_copy(md->name, name, sizeof(md->name));
	if ((p = pool_there(dc->conn, o->dst_pool, e)) == NULL) {
		virStorageVolFree(sv);
		return -1;
	}
	r = vol_path(p, md->name, md->dst, sizeof(md->dst), e);
	if (r == 1 && strcmp(md->dst, o->disk_path) == 0 &&
	    same_machine(c->conn, dc->conn))
		md->same = 1;	/* shared: the file is there already */
	else if (r == 1)
		r = vol_drop(p, md->name, e);
	if (r == 0 && (r = vol_blank(p, md, vi.allocation, e)) == 0)
		r = stream_copy(c, dc, sv, md, bytes, e);
	/* the copy's format (qcow2) is read from it */
	if (r == 0 && virStoragePoolRefresh(p, 0) < 0)
		r = lv_err(e, "copy: refresh the destination pool");
	if (r == -1)
		disk_undo(md);
	virStoragePoolFree(p);
	virStorageVolFree(sv);
	if (r == -1)
		return -1;
	str_copy(md->src, o->disk_path, sizeof(md->src));
	return 0;
}

/* Defines the guest there as dest_xmls gives it (or its XML here). */
static int
define_there(virDomainPtr src, struct hv_conn *c, struct hv_conn *dc,
    const struct hv_migrate_opts *o, const struct mdisk *md, struct herr *e)
{
	virDomainPtr dd;
	char *live, *persist;

	/* the folder its console log goes to there, for its next start */
	if (hv_console_pool_ensure(dc, e) == -1 ||
	    dest_xmls(src, c, dc->uri, o, md, &live, &persist, e) == -1)
		return -1;
	free(live);
	if (persist == NULL && (persist = virDomainGetXMLDesc(src,
	    VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_MIGRATABLE)) == NULL)
		return lv_err(e, "copy: domain XML");
	dd = virDomainDefineXML(dc->conn, persist);
	free(persist);
	if (dd == NULL)
		return lv_err(e, "copy: define on the destination");
	virDomainFree(dd);
	return 0;
}

static int
undefine_here(virDomainPtr src, struct herr *e)
{
	int r = virDomainUndefineFlags(src, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
	    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM);

	if (r < 0)	/* older drivers refuse some flags */
		r = virDomainUndefine(src);
	return r < 0 ? lv_err(e, "copy: undefine here") : 0;
}

static int
move_real(virDomainPtr src, struct hv_conn *c, struct hv_conn *dc,
    const char *uuid, const struct hv_migrate_opts *o,
    struct hv_migration *out, struct herr *e)
{
	struct hv_dom dom;
	struct mdisk md;
	int there;

	if ((there = hv_has_domain(dc->uri, dc, uuid, &dom, e)) == -1)
		return -1;
	if (there) {
		/* defined there after its copy: what is left of the move */
		if (undefine_here(src, e) == -1)
			return -1;
		return hv_migrate_settle(c, uuid, dc->uri, o, out, e);
	}
	if (vol_copy(c, dc, o, &md, &out->bytes, e) == -1)
		return -1;
	if (define_there(src, c, dc, o, &md, e) == -1) {
		disk_undo(&md);
		return -1;
	}
	/* from here the guest is there: a failure is settled next time */
	if (undefine_here(src, e) == -1) {
		if (md.made != NULL)
			virStorageVolFree(md.made);
		return -1;
	}
	disk_done(c, &md, out);
	return 0;
}

int
hv_move_offline(struct hv_conn *c, const char *uuid, const char *dst_uri,
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
		return herr_set(e, HERR_USAGE, "cannot move between a test "
		    "host and a real one");
	if ((src = lookup(c, uuid, e)) == NULL)
		return -1;
	if ((active = virDomainIsActive(src)) != 0) {
		virDomainFree(src);
		return active < 0 ? lv_err(e, "copy: state") : herr_set(e,
		    HERR_STATE, "copy: the guest is running: it is copied "
		    "only shut down");
	}
	if ((dc = hv_open(dst_uri, e)) == NULL) {
		virDomainFree(src);
		return -1;
	}
	/* the test driver has no volumes to stream: its definition moves */
	r = uri_is_test(c->uri) ? move_test(src, dc, 0, out, e) :
	    move_real(src, c, dc, uuid, o, out, e);
	virDomainFree(src);
	hv_close(dc);
	out->total_ms = hv_mono_ms() - t0;
	return r;
}
