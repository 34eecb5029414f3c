#include "images/images_json.h"

static struct json_object *
file_to_json(const struct image_file *f)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(f->path));
	json_object_object_add(o, "sha256",
	    json_object_new_string(f->sha256));
	json_object_object_add(o, "source_sha256",
	    json_object_new_string(f->source_sha256));
	json_object_object_add(o, "size", json_object_new_uint64(f->size));
	return o;
}

struct json_object *
images_rec_to_json(const struct image_rec *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *files = json_object_new_object();
	struct json_object *cmd;

	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "os", json_object_new_string(r->os));
	json_object_object_add(o, "version",
	    json_object_new_string(r->version));
	json_object_object_add(o, "kind",
	    json_object_new_string(images_kind_name(r->kind)));
	json_object_object_add(o, "boot",
	    json_object_new_string(images_boot_name(r->boot)));
	json_object_object_add(o, "dir", json_object_new_string(r->dir));
	if (r->iso.path[0] != '\0')
		json_object_object_add(files, "iso", file_to_json(&r->iso));
	if (r->kernel.path[0] != '\0')
		json_object_object_add(files, "kernel",
		    file_to_json(&r->kernel));
	if (r->initrd.path[0] != '\0')
		json_object_object_add(files, "initrd",
		    file_to_json(&r->initrd));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "serial", json_object_new_string(r->serial));
	json_object_object_add(o, "verified",
	    json_object_new_string(r->verified));
	if (r->kind == IMAGE_KIND_KERNEL) {
		cmd = json_object_new_object();
		json_object_object_add(cmd, "kvm", json_object_new_string(
		    images_cmdline(r, IMAGE_GUEST_KVM)));
		json_object_object_add(cmd, "xen_hvm", json_object_new_string(
		    images_cmdline(r, IMAGE_GUEST_XEN_HVM)));
		json_object_object_add(cmd, "xen_pv", json_object_new_string(
		    images_cmdline(r, IMAGE_GUEST_XEN_PV)));
		json_object_object_add(o, "cmdline", cmd);
	}
	return o;
}
