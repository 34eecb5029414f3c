/*
 * catalog: the installer images (images/ does the verifying and the
 * serial-console adaptation) and booting a guest from one.
 *
 * image.add hashes and copies whole ISOs, which takes seconds, so it runs
 * on a thread of its own; the store only learns of an image once its
 * files are in place, and the files are removed again if the store
 * refuses it.
 *
 * guest.install / guest.rescue start the guest once from the image with
 * its disk attached, then put the disk-boot definition back as the
 * persistent one: the installer runs now, the next boot is from disk.
 * The one-off definition powers off on reboot (on_reboot=destroy), so
 * the installer's final reboot does not start it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangard/hangard.h"
#include "images/images.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

static void
row_from_rec(const struct image_rec *r, int rescue, struct image_row *m)
{
	memset(m, 0, sizeof(*m));
	str_copy(m->name, r->name, sizeof(m->name));
	str_copy(m->os, r->os, sizeof(m->os));
	str_copy(m->version, r->version, sizeof(m->version));
	str_copy(m->kind, images_kind_name(r->kind), sizeof(m->kind));
	str_copy(m->boot, images_boot_name(r->boot), sizeof(m->boot));
	str_copy(m->dir, r->dir, sizeof(m->dir));
	str_copy(m->iso, r->iso.path, sizeof(m->iso));
	str_copy(m->kernel, r->kernel.path, sizeof(m->kernel));
	str_copy(m->initrd, r->initrd.path, sizeof(m->initrd));
	snprintf(m->sha256, sizeof(m->sha256), "%s%s%s",
	    r->kind == IMAGE_KIND_ISO ? r->iso.source_sha256 :
	    r->kernel.source_sha256, r->initrd.source_sha256[0] ? " " : "",
	    r->initrd.source_sha256);
	str_copy(m->serial, r->serial, sizeof(m->serial));
	str_copy(m->verified, r->verified, sizeof(m->verified));
	str_copy(m->cmdline_hvm, r->cmdline_hvm, sizeof(m->cmdline_hvm));
	str_copy(m->cmdline_pv, r->cmdline_pv, sizeof(m->cmdline_pv));
	m->rescue = rescue;
}

json_object *
image_json(const struct image_row *m, enum role role)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "os", json_object_new_string(m->os));
	json_object_object_add(o, "version",
	    json_object_new_string(m->version));
	json_object_object_add(o, "boot", json_object_new_string(m->boot));
	json_object_object_add(o, "rescue", json_object_new_boolean(m->rescue));
	json_object_object_add(o, "serial", json_object_new_string(m->serial));
	if (role != ROLE_OPERATOR)
		return o;
	json_object_object_add(o, "kind", json_object_new_string(m->kind));
	json_object_object_add(o, "sha256", json_object_new_string(m->sha256));
	json_object_object_add(o, "verified",
	    json_object_new_string(m->verified));
	json_object_object_add(o, "iso", json_object_new_string(m->iso));
	json_object_object_add(o, "kernel", json_object_new_string(m->kernel));
	json_object_object_add(o, "initrd", json_object_new_string(m->initrd));
	json_object_object_add(o, "cmdline_hvm",
	    json_object_new_string(m->cmdline_hvm));
	json_object_object_add(o, "cmdline_pv",
	    json_object_new_string(m->cmdline_pv));
	return o;
}

/* What an image.add job carries: the request's strings, owned. */
struct image_job {
	char			*s[11];	/* name os version iso kernel initrd
					   sha256 initrd_sha256 sums key sig */
	int			 rescue;
	struct image_rec	 rec;
	char			 dir[1100];
};

static const char *add_keys[11] = { "name", "os", "version", "iso",
	"kernel", "initrd", "sha256", "initrd_sha256", "sums", "signify_key",
	"signify_sig" };

static void
image_add_run(struct job *j)
{
	struct image_job *ij = j->ext;
	struct image_req req = {
		.name = ij->s[0], .os = ij->s[1], .version = ij->s[2],
		.iso = ij->s[3], .kernel = ij->s[4], .initrd = ij->s[5],
		.sha256 = ij->s[6], .initrd_sha256 = ij->s[7], .sums = ij->s[8],
		.signify_key = ij->s[9], .signify_sig = ij->s[10],
	};

	j->rc = images_import(&req, ij->dir, &ij->rec, &j->err);
}

static void
image_add_done(struct daemon *d, struct job *j)
{
	struct image_job *ij = j->ext;
	struct image_row m;
	json_object *res = NULL;
	int i;

	if (j->rc == 0) {
		row_from_rec(&ij->rec, ij->rescue, &m);
		if ((j->rc = store_image_add(d->st, &m, &j->err)) == -1)
			images_remove(ij->dir, m.name, NULL);
		else {
			res = image_json(&m, ROLE_OPERATOR);
			log_info("image %s added (%s %s)", m.name, m.os,
			    m.version);
		}
	}
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
	for (i = 0; i < 11; i++)
		free(ij->s[i]);
	free(ij);
	j->ext = NULL;
}

int
image_add(struct daemon *d, struct client *c, struct proto_req *r,
    struct herr *e)
{
	struct image_row old;
	struct image_job *ij;
	struct job *j;
	const char *v;
	int i;

	if (!str_is_name(proto_str(r->params, "name")))
		return herr_set(e, HERR_USAGE, "bad image name: use 1-63 of "
		    "a-z, 0-9 and '-'");
	if (store_image_get(d->st, proto_str(r->params, "name"), &old,
	    NULL) == 0)
		return herr_set(e, HERR_EXISTS, "image %s already exists",
		    old.name);
	for (i = 3; i < 11; i++)
		if (i != 6 && i != 7 && (v = proto_str(r->params,
		    add_keys[i])) != NULL && v[0] != '/')
			return herr_set(e, HERR_USAGE, "%s must be an absolute "
			    "path", add_keys[i]);
	ij = xcalloc(1, sizeof(*ij));
	for (i = 0; i < 11; i++)
		if ((v = proto_str(r->params, add_keys[i])) != NULL)
			ij->s[i] = xstrdup(v);
	ij->rescue = proto_bool(r->params, "rescue", 0);
	str_copy(ij->dir, d->cfg.images_dir, sizeof(ij->dir));
	j = job_new(NULL, image_add_run, image_add_done, c, r->id);
	j->ext = ij;
	job_spawn(d, j);
	return 1;
}

int
image_remove(struct daemon *d, const char *name, struct herr *e)
{
	struct image_row m;

	if (store_image_get(d->st, name, &m, e) == -1)
		return -1;
	if (store_image_remove(d->st, name, e) == -1)
		return -1;
	if (images_remove(d->cfg.images_dir, name, e) == -1)
		log_warnx("image %s: files not removed: %s", name, e->msg);
	log_info("image %s removed", name);
	return 0;
}

/* ---- booting a guest from an image ---- */

static void
boot_run(struct job *j)
{
	struct image_row *m = j->ext;
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);
	struct guest_spec normal, once;
	char logpath[1200];
	enum guest_kind kind;

	if (conn == NULL) {
		j->rc = -1;
		return;
	}
	if (hv_dom_state(conn, j->g.uuid, &j->dom, &j->err) == -1) {
		j->rc = -1;
		return;
	}
	if (strcmp(j->dom.state, "shutoff") != 0) {
		j->rc = herr_set(&j->err, HERR_STATE, "%s is %s: shut it down "
		    "first", j->g.name, j->dom.state);
		return;
	}
	guest_spec_full(j, &normal, logpath, sizeof(logpath));
	once = normal;
	once.once = 1;
	guest_kind_parse(j->g.kind, &kind);
	if (strcmp(m->boot, "cdrom") == 0) {
		once.boot = BOOT_CDROM;
		once.cdrom_path = m->iso;
	} else {
		once.boot = BOOT_KERNEL;
		once.kernel = m->kernel;
		once.initrd = m->initrd[0] ? m->initrd : NULL;
		once.cmdline = kind == GUEST_XEN_PV ? m->cmdline_pv :
		    m->cmdline_hvm;
	}
	if ((j->rc = hv_define(conn, &once, &j->err)) == -1)
		return;
	j->rc = hv_start(conn, j->g.uuid, &j->err);
	/* whatever happened, the next boot is from the guest's own disk */
	if (hv_define(conn, &normal, j->rc == 0 ? &j->err : NULL) == -1 &&
	    j->rc == 0) {
		hv_destroy(conn, j->g.uuid, NULL);
		j->rc = -1;
	}
	if (hv_dom_state(conn, j->g.uuid, &j->dom, NULL) == -1)
		str_copy(j->dom.state, "unknown", sizeof(j->dom.state));
}

static void
boot_done(struct daemon *d, struct job *j)
{
	struct image_row *m = j->ext;
	json_object *res = NULL;

	busy_del(d, j->g.id);
	if (j->dom.state[0] != '\0')
		store_guest_set_state(d->st, j->g.id, j->dom.state,
		    (int64_t)time(NULL), NULL);
	if (j->rc == 0) {
		res = json_object_new_object();
		json_object_object_add(res, "name",
		    json_object_new_string(j->g.name));
		json_object_object_add(res, "image",
		    json_object_new_string(m->name));
		json_object_object_add(res, "state",
		    json_object_new_string(j->dom.state));
		json_object_object_add(res, "next_boot",
		    json_object_new_string("disk"));
		log_info("guest %s booted %s %s", j->g.name,
		    m->rescue ? "rescue image" : "installer", m->name);
	}
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
	free(m);
	j->ext = NULL;
}

int
guest_boot_image(struct daemon *d, struct client *c, struct proto_req *r,
    int rescue, struct herr *e)
{
	struct image_row *m, *all;
	struct guest_rec g;
	struct host_rec h;
	struct job *j;
	const char *img = proto_str(r->params, "image");
	const char *confirm = proto_str(r->params, "confirm");
	size_t n, i;

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1)
		return -1;
	if (strcmp(g.status, "defined") != 0)
		return herr_set(e, HERR_STATE, "%s is being created or deleted",
		    g.name);
	if (!rescue && (confirm == NULL || strcmp(confirm, g.name) != 0))
		return herr_set(e, HERR_USAGE, "installing overwrites the disk "
		    "of %s: confirm with its name", g.name);
	m = xcalloc(1, sizeof(*m));
	if (img == NULL && rescue) {
		if (store_image_list(d->st, &all, &n, e) == -1) {
			free(m);
			return -1;
		}
		for (i = 0; i < n && !all[i].rescue; i++)
			;
		if (i < n)
			*m = all[i];
		free(all);
		if (i == n) {
			free(m);
			return herr_set(e, HERR_NOTFOUND, "no rescue image in "
			    "the catalog");
		}
	} else if (img == NULL || store_image_get(d->st, img, m, NULL) == -1) {
		free(m);
		return herr_set(e, HERR_NOTFOUND, "no such image%s%s",
		    img ? ": " : "", img && str_is_name(img) ? img : "");
	}
	if (rescue && strcmp(m->boot, "kernel") != 0) {
		free(m);
		return herr_set(e, HERR_USAGE, "a rescue image is a kernel and "
		    "initrd");
	}
	if (store_host_get(d->st, g.host, &h, e) == -1) {
		free(m);
		return -1;
	}
	j = job_new(hostw_get(d, &h), boot_run, boot_done, c, r->id);
	j->g = g;
	j->h = h;
	j->tcg = strcmp(h.accel, "tcg") == 0;
	j->ext = m;
	busy_add(d, g.id);
	job_submit(j);
	return 1;
}

static void
boot_show_run(struct job *j)
{
	struct hv_conn *conn = hostw_conn(j->hw, &j->err);
	char *b = j->ext;

	if (conn == NULL)
		j->rc = -1;
	else
		j->rc = hv_dom_boot(conn, j->g.uuid, b, b + 64, 64, &j->err);
}

static void
boot_show_done(struct daemon *d, struct job *j)
{
	char *b = j->ext;
	json_object *res = NULL;

	if (j->rc == 0) {
		res = json_object_new_object();
		json_object_object_add(res, "name",
		    json_object_new_string(j->g.name));
		json_object_object_add(res, "live", json_object_new_string(b));
		json_object_object_add(res, "next",
		    json_object_new_string(b + 64));
	}
	client_reply(d, j->client, j->req_id, j->rc, res, &j->err);
	free(b);
	j->ext = NULL;
}

int
guest_boot_show(struct daemon *d, struct client *c, struct proto_req *r,
    struct herr *e)
{
	struct guest_rec g;
	struct host_rec h;
	struct job *j;

	if (guest_lookup(d, c, proto_str(r->params, "name"), &g, e) == -1 ||
	    store_host_get(d->st, g.host, &h, e) == -1)
		return -1;
	j = job_new(hostw_get(d, &h), boot_show_run, boot_show_done, c, r->id);
	j->g = g;
	j->ext = xcalloc(1, 128);
	job_submit(j);
	return 1;
}
