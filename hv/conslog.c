/*
 * Console logs: where a guest's serial output is kept on its host, and
 * reading its tail from the control node through libvirt alone.
 *
 * On a host reached through a libvirtd in system mode (qemu:///system,
 * qemu+ssh://HOST/system, qemu+tls://HOST/system, ...) the logs are
 * files in /var/log/hangar/console, which is that host's libvirt `dir`
 * storage pool "hangar-console": hangar makes the pool when it first
 * defines a guest there (or migrates one there), and reads a log as a
 * volume of it with virStorageVolDownload, from an offset, so a tail
 * never fetches the whole file.  No other way into the host is needed.
 *
 * The embedded driver (qemu:///embed?root=DIR) has no storage driver:
 * its logs are files under DIR/console on this machine, read directly;
 * so are lab consoles' logs (test_console_dir, hv/ptycons.c).  Other
 * hosts keep no console log: reading one from a test-driver host gives
 * nothing, from any other (a session daemon, Xen) an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define POOL_NAME	"hangar-console"
#define POOL_DIR	"/var/log/hangar/console"

/* The URI's path ("/system"), up to its query; "" when it has none. */
static void
uri_path(const char *uri, char *buf, size_t size)
{
	const char *p = strstr(uri, "://"), *q;
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return;
	p += 3;
	if ((p = strchr(p, '/')) == NULL)
		return;
	q = p + strcspn(p, "?#");
	n = (size_t)(q - p);
	if (n >= size)
		return;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* A QEMU host's libvirtd in system mode: logs in its pool. */
static int
is_system(const char *uri)
{
	char path[64];

	if (strncmp(uri, "qemu:", 5) != 0 && strncmp(uri, "qemu+", 5) != 0)
		return 0;
	uri_path(uri, path, sizeof(path));
	return strcmp(path, "/system") == 0;
}

static int
is_embed(const char *uri)
{
	return strncmp(uri, "qemu:///embed?", 14) == 0 &&
	    strstr(uri, "root=") != NULL;
}

int
hv_console_log_path(const char *uri, const char *name, char *buf, size_t size)
{
	const char *root = strstr(uri, "embed?root=");
	size_t n;

	if (ptycons_log_path(uri, name, buf, size) == 0)
		return 0;	/* a lab console's, written by its program */
	if (is_embed(uri) && root != NULL) {
		root += strlen("embed?root=");
		n = strcspn(root, "&");
		if ((size_t)snprintf(buf, size, "%.*s/console/%s.log", (int)n,
		    root, name) >= size)
			return -1;
		return 0;
	}
	if (!is_system(uri))
		return -1;
	if ((size_t)snprintf(buf, size, POOL_DIR "/%s.log", name) >= size)
		return -1;
	return 0;
}

/* Whether the pool's target is dir (read from its XML). */
static int
pool_at(virStoragePoolPtr p, const char *dir)
{
	char *xml = virStoragePoolGetXMLDesc(p, 0), *want;
	int r;

	if (xml == NULL)
		return -1;
	want = xasprintf("<path>%s</path>", dir);
	r = strstr(xml, want) != NULL;
	free(want);
	free(xml);
	return r;
}

int
hv_console_pool_ensure(struct hv_conn *c, struct herr *e)
{
	virStoragePoolPtr p;
	int active, r = -1;

	if (!is_system(c->uri))
		return 0;
	if ((p = virStoragePoolLookupByName(c->conn, POOL_NAME)) == NULL) {
		virErrorPtr err = virGetLastError();
		if (err == NULL || err->code != VIR_ERR_NO_STORAGE_POOL)
			return lv_err(e, "console log pool");
		virResetLastError();
		p = virStoragePoolDefineXML(c->conn, "<pool type='dir'><name>"
		    POOL_NAME "</name><target><path>" POOL_DIR "</path>"
		    "</target></pool>", 0);
		if (p == NULL)
			return lv_err(e, "console log pool: define");
		/* makes the folder (and its parents) if need be */
		if (virStoragePoolBuild(p, 0) < 0) {
			lv_err(e, "console log pool: build " POOL_DIR);
			virStoragePoolUndefine(p);
			goto out;
		}
		(void)virStoragePoolSetAutostart(p, 1);
	}
	switch (pool_at(p, POOL_DIR)) {
	case -1:
		lv_err(e, "console log pool");
		goto out;
	case 0:
		herr_set(e, HERR_STATE, "the host's storage pool " POOL_NAME
		    " is not at " POOL_DIR ", where hangar keeps console logs");
		goto out;
	}
	if ((active = virStoragePoolIsActive(p)) < 0) {
		lv_err(e, "console log pool");
		goto out;
	}
	if (!active && virStoragePoolCreate(p, 0) < 0) {
		lv_err(e, "console log pool: start");
		goto out;
	}
	r = 0;
out:
	virStoragePoolFree(p);
	return r;
}

/* The tail of a local file (embedded driver); a missing file is empty. */
static int
tail_file(const char *path, size_t want, char **buf, size_t *n,
    struct herr *e)
{
	off_t size;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return herr_set(e, HERR_INTERNAL, "console log: %s",
		    strerror(errno));
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, size > (off_t)want ? size - (off_t)want : 0,
	    SEEK_SET) < 0) {
		close(fd);
		return herr_set(e, HERR_INTERNAL, "console log: %s",
		    strerror(errno));
	}
	*buf = xmalloc(want + 1);
	r = read(fd, *buf, want);
	close(fd);
	*n = r > 0 ? (size_t)r : 0;
	return 0;
}

/*
 * The guest's log volume (*out), looked up again after a refresh if it
 * is new: 1, 0 when there is none (never started), -1 on error.
 */
static int
log_vol(virStoragePoolPtr p, const char *name, virStorageVolPtr *out,
    struct herr *e)
{
	char vname[300];

	snprintf(vname, sizeof(vname), "%s.log", name);
	if ((*out = virStorageVolLookupByName(p, vname)) != NULL)
		return 1;
	virResetLastError();
	if (virStoragePoolRefresh(p, 0) < 0)
		return lv_err(e, "console log pool: refresh");
	if ((*out = virStorageVolLookupByName(p, vname)) != NULL)
		return 1;
	virResetLastError();
	return 0;
}

/* Up to want bytes from the end of v, by a ranged download. */
static int
tail_vol(virConnectPtr conn, virStorageVolPtr v, size_t want, char **buf,
    size_t *n, struct herr *e)
{
	virStorageVolInfo vi;
	virStreamPtr st;
	unsigned long long off, len;
	int got;

	/* a dir pool reads the file's size again for this */
	if (virStorageVolGetInfo(v, &vi) < 0)
		return lv_err(e, "console log");
	len = vi.capacity < want ? vi.capacity : want;
	off = vi.capacity - len;
	*buf = xmalloc(len + 1);
	if (len == 0)
		return 0;
	if ((st = virStreamNew(conn, 0)) == NULL)
		return lv_err(e, "console log: stream");
	if (virStorageVolDownload(v, st, off, len, 0) < 0) {
		lv_err(e, "console log: download");
		virStreamFree(st);
		return -1;
	}
	while (*n < len) {
		got = virStreamRecv(st, *buf + *n, (size_t)(len - *n));
		if (got < 0) {
			lv_err(e, "console log: download");
			virStreamAbort(st);
			virStreamFree(st);
			return -1;
		}
		if (got == 0)
			break;
		*n += (size_t)got;
	}
	if (*n < len)	/* the file shrank under us: what came is fine */
		virStreamAbort(st);
	else if (virStreamFinish(st) < 0)
		virResetLastError();	/* we have every byte we asked */
	virStreamFree(st);
	return 0;
}

int
hv_console_log_read(struct hv_conn *c, const char *name, size_t want,
    char **buf, size_t *n, struct herr *e)
{
	virStoragePoolPtr p;
	virStorageVolPtr v;
	char path[1200];
	int r;

	*buf = NULL;
	*n = 0;
	if (is_embed(c->uri) || ptycons_log_path(c->uri, name, path,
	    sizeof(path)) == 0) {
		if (hv_console_log_path(c->uri, name, path, sizeof(path)) == -1)
			return herr_set(e, HERR_USAGE, "console log path too "
			    "long");
		r = tail_file(path, want, buf, n, e);
	} else if (is_system(c->uri)) {
		if ((p = virStoragePoolLookupByName(c->conn, POOL_NAME)) ==
		    NULL) {
			virErrorPtr err = virGetLastError();
			if (err != NULL && err->code == VIR_ERR_NO_STORAGE_POOL) {
				virResetLastError();
				return 0;	/* no guest ever logged */
			}
			return lv_err(e, "console log pool");
		}
		if ((r = log_vol(p, name, &v, e)) == 1) {
			r = tail_vol(c->conn, v, want, buf, n, e);
			virStorageVolFree(v);
		}
		virStoragePoolFree(p);
	} else if (strncmp(c->uri, "test", 4) == 0)
		r = 0;		/* test-driver guests print nothing */
	else
		r = herr_set(e, HERR_STATE, "the host of %s keeps no console "
		    "log (QEMU hosts in system mode and embed hosts do)", name);
	if (r == -1) {
		free(*buf);
		*buf = NULL;
		*n = 0;
	}
	return r;
}
