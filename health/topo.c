/*
 * topo: sysfs walk from /sys/block to controllers.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "health/topo.h"

/* dst = a/b; -1 when it does not fit. */
static int
pjoin(char *dst, size_t size, const char *a, const char *b)
{
	int n = snprintf(dst, size, "%s/%s", a, b);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Reads PATH into buf, blanks and control characters trimmed. */
static int
read_text(const char *path, char *buf, size_t size)
{
	char raw[512];
	ssize_t n;
	size_t i, o = 0;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, raw, sizeof(raw) - 1);
	close(fd);
	if (n < 0)
		return -1;
	raw[n] = '\0';
	for (i = 0; i < (size_t)n && raw[i] != '\0' && raw[i] != '\n'; i++)
		;
	raw[i] = '\0';
	str_sanitize(buf, size, raw);
	/* trim, and collapse runs of blanks (SCSI fields are padded) */
	for (i = 0; buf[i] != '\0'; i++)
		if (!(buf[i] == ' ' && (o == 0 || buf[o - 1] == ' ')))
			buf[o++] = buf[i];
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return 0;
}

static int
read_attr(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];

	if (pjoin(path, sizeof(path), dir, name) == -1)
		return -1;
	return read_text(path, buf, size);
}

/* VPD page 0x80: 4 header bytes, then the serial number. */
static void
read_vpd80(const char *dir, char *buf, size_t size)
{
	char path[PATH_MAX], raw[300], clean[300];
	ssize_t n;
	size_t len, i, o = 0;
	int fd;

	buf[0] = '\0';
	if (pjoin(path, sizeof(path), dir, "vpd_pg80") == -1)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, raw, sizeof(raw) - 1);
	close(fd);
	if (n < 5 || (unsigned char)raw[1] != 0x80)
		return;
	len = (size_t)(unsigned char)raw[3];
	if (len > (size_t)n - 4)
		len = (size_t)n - 4;
	for (i = 4; i < 4 + len; i++)
		if (isgraph((unsigned char)raw[i]))
			clean[o++] = raw[i];
	clean[o] = '\0';
	str_copy(buf, clean, size);
}

static int
is_bdf(const char *s, size_t n)
{
	/* dddd:bb:dd.f */
	return n == 12 && s[4] == ':' && s[7] == ':' && s[10] == '.' &&
	    isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[11]);
}

struct devpath {
	char	pcidir[PATH_MAX];	/* up to the last PCI function */
	char	bdf[16];
	char	host[16];
	char	ata[16];		/* "ata2" */
	char	last[32];		/* the last component */
};

static void
split_path(const char *real, struct devpath *p)
{
	const char *s = real, *c;
	size_t n;

	memset(p, 0, sizeof(*p));
	while (*s != '\0') {
		while (*s == '/')
			s++;
		c = s;
		n = strcspn(c, "/");
		if (n == 0)
			break;
		if (is_bdf(c, n)) {
			memcpy(p->bdf, c, n);
			p->bdf[n] = '\0';
			snprintf(p->pcidir, sizeof(p->pcidir), "%.*s",
			    (int)(c + n - real), real);
		} else if (n < sizeof(p->host) && strncmp(c, "host", 4) == 0 &&
		    isdigit((unsigned char)c[4]))
			snprintf(p->host, sizeof(p->host), "%.*s", (int)n, c);
		else if (n < sizeof(p->ata) && strncmp(c, "ata", 3) == 0 &&
		    isdigit((unsigned char)c[3]))
			snprintf(p->ata, sizeof(p->ata), "%.*s", (int)n, c);
		if (n < sizeof(p->last))
			snprintf(p->last, sizeof(p->last), "%.*s", (int)n, c);
		s = c + n;
	}
}

static int
find_ctrl(struct topo *t, const char *key)
{
	for (size_t i = 0; i < t->nc; i++)
		if (strcmp(t->c[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int
add_ctrl(struct topo *t, const char *root, const struct devpath *p,
    const char *nvmedir)
{
	char key[48], dir[PATH_MAX], buf[128], link[PATH_MAX];
	struct ctrl *c;
	long long v;
	ssize_t n;
	int i;

	if (p->bdf[0] != '\0')
		snprintf(key, sizeof(key), "%s", p->bdf);
	else
		snprintf(key, sizeof(key), "virtual:%s", p->host);
	if ((i = find_ctrl(t, key)) != -1)
		return i;
	if (t->nc >= TOPO_MAXCTRL)
		return -1;
	c = &t->c[t->nc];
	memset(c, 0, sizeof(*c));
	str_copy(c->key, key, sizeof(c->key));
	str_copy(c->host, p->host, sizeof(c->host));
	c->unique_id = -1;
	c->ioc_reset_count = -1;
	if (p->pcidir[0] != '\0') {
		char ven[16] = "", dev[16] = "";

		read_attr(p->pcidir, "vendor", ven, sizeof(ven));
		read_attr(p->pcidir, "device", dev, sizeof(dev));
		if (ven[0] != '\0' && dev[0] != '\0')
			snprintf(c->ids, sizeof(c->ids), "%.4s:%.4s",
			    strncmp(ven, "0x", 2) == 0 ? ven + 2 : ven,
			    strncmp(dev, "0x", 2) == 0 ? dev + 2 : dev);
		if (pjoin(dir, sizeof(dir), p->pcidir, "driver") == 0 &&
		    (n = readlink(dir, link, sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			str_sanitize(c->driver, sizeof(c->driver),
			    strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
		}
	}
	if (nvmedir != NULL) {
		str_copy(c->driver, "nvme", sizeof(c->driver));
		read_attr(nvmedir, "model", c->board, sizeof(c->board));
		read_attr(nvmedir, "firmware_rev", c->firmware,
		    sizeof(c->firmware));
	} else if (p->host[0] != '\0') {
		snprintf(dir, sizeof(dir), "%s/class/scsi_host/%s", root,
		    p->host);
		if (read_attr(dir, "proc_name", buf, sizeof(buf)) == 0 &&
		    buf[0] != '\0')
			str_copy(c->driver, buf, sizeof(c->driver));
		if (read_attr(dir, "board_name", c->board,
		    sizeof(c->board)) == -1 || c->board[0] == '\0')
			read_attr(dir, "version_product", c->board,
			    sizeof(c->board));
		read_attr(dir, "version_fw", c->firmware, sizeof(c->firmware));
		if (read_attr(dir, "unique_id", buf, sizeof(buf)) == 0 &&
		    str_parse_int(buf, 0, 1 << 20, &v) == 0)
			c->unique_id = (int)v;
		if (read_attr(dir, "ioc_reset_count", buf, sizeof(buf)) == 0 &&
		    str_parse_int(buf, 0, 1LL << 40, &v) == 0)
			c->ioc_reset_count = v;
	}
	return (int)t->nc++;
}

static void
scan_sd(struct topo *t, const char *root, const char *name)
{
	char dev[PATH_MAX], real[PATH_MAX], buf[128];
	struct devpath p;
	struct disk *d;

	snprintf(dev, sizeof(dev), "%s/block/%s/device", root, name);
	if (realpath(dev, real) == NULL || t->nd >= TOPO_MAXDISK)
		return;
	split_path(real, &p);
	d = &t->d[t->nd];
	memset(d, 0, sizeof(*d));
	str_copy(d->name, name, sizeof(d->name));
	str_copy(d->hctl, p.last, sizeof(d->hctl));
	read_vpd80(dev, d->serial, sizeof(d->serial));
	if (read_attr(dev, "wwid", buf, sizeof(buf)) == 0) {
		if (strncmp(buf, "naa.", 4) == 0)
			str_copy(d->wwn, buf + 4, sizeof(d->wwn));
		if (d->serial[0] == '\0' && strncmp(buf, "t10.", 4) == 0 &&
		    strrchr(buf, ' ') != NULL)
			str_copy(d->serial, strrchr(buf, ' ') + 1,
			    sizeof(d->serial));
	}
	read_attr(dev, "model", d->model, sizeof(d->model));
	read_attr(dev, "rev", d->firmware, sizeof(d->firmware));
	read_attr(dev, "state", d->state, sizeof(d->state));
	d->ctrl = add_ctrl(t, root, &p, NULL);
	if (p.ata[0] != '\0')
		snprintf(d->path, sizeof(d->path), "pci-%s-ata-%s",
		    p.bdf[0] ? p.bdf : "none", p.ata + 3);
	else {
		const char *ctl = strchr(d->hctl, ':');

		snprintf(d->path, sizeof(d->path), "%s%s-scsi-0%s",
		    p.bdf[0] ? "pci-" : "", p.bdf[0] ? p.bdf : p.host,
		    ctl != NULL ? ctl : "");
	}
	if (d->ctrl != -1)
		t->c[d->ctrl].ndisks++;
	t->nd++;
}

static void
scan_nvme(struct topo *t, const char *root, const char *name)
{
	char dev[PATH_MAX], real[PATH_MAX];
	struct devpath p;
	struct disk *d;

	/* /sys/block/nvme0n1/device -> .../0000:00:06.0/nvme/nvme0 */
	snprintf(dev, sizeof(dev), "%s/block/%s/device", root, name);
	if (realpath(dev, real) == NULL || t->nd >= TOPO_MAXDISK)
		return;
	split_path(real, &p);
	d = &t->d[t->nd];
	memset(d, 0, sizeof(*d));
	str_copy(d->name, name, sizeof(d->name));
	read_attr(real, "serial", d->serial, sizeof(d->serial));
	read_attr(real, "model", d->model, sizeof(d->model));
	read_attr(real, "firmware_rev", d->firmware, sizeof(d->firmware));
	read_attr(real, "state", d->state, sizeof(d->state));
	snprintf(d->path, sizeof(d->path), "pci-%s-nvme-1",
	    p.bdf[0] ? p.bdf : "none");
	d->ctrl = add_ctrl(t, root, &p, real);
	if (d->ctrl != -1)
		t->c[d->ctrl].ndisks++;
	t->nd++;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
topo_scan(const char *root, struct topo *t, struct herr *e)
{
	struct dirent **list = NULL;
	char dir[PATH_MAX];
	int n;

	memset(t, 0, sizeof(*t));
	snprintf(dir, sizeof(dir), "%s/block", root);
	if ((n = scandir(dir, &list, NULL, by_name)) == -1)
		return herr_set(e, HERR_NOTFOUND, "%s: cannot read", dir);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (strncmp(name, "sd", 2) == 0)
			scan_sd(t, root, name);
		else if (strncmp(name, "nvme", 4) == 0)
			scan_nvme(t, root, name);
		free(list[i]);
	}
	free(list);
	return 0;
}

struct disk *
topo_disk(struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->nd; i++)
		if (strcmp(t->d[i].name, name) == 0)
			return &t->d[i];
	return NULL;
}

struct disk *
topo_disk_hctl(struct topo *t, const char *hctl)
{
	for (size_t i = 0; i < t->nd; i++)
		if (strcmp(t->d[i].hctl, hctl) == 0)
			return &t->d[i];
	return NULL;
}

struct disk *
topo_disk_serial(struct topo *t, const char *serial)
{
	for (size_t i = 0; i < t->nd; i++)
		if (serial[0] != '\0' && (strcmp(t->d[i].serial, serial) == 0 ||
		    strcmp(t->d[i].wwn, serial) == 0))
			return &t->d[i];
	return NULL;
}

int
topo_ctrl_ioc(const struct topo *t, const char *ioc)
{
	char drv[16];
	const char *p;
	int inst, found = -1, count = 0;

	/* mpt3sas_cm0, mpt2sas_cm1, mpt3sas0, mpt2sas1 */
	if (strncmp(ioc, "mpt", 3) != 0 || strlen(ioc) < 8)
		return -1;
	snprintf(drv, sizeof(drv), "%.7s", ioc);
	p = ioc + 7;
	if (strncmp(p, "_cm", 3) == 0)
		p += 3;
	inst = isdigit((unsigned char)*p) ? atoi(p) : -1;
	for (size_t i = 0; i < t->nc; i++) {
		if (strncmp(t->c[i].driver, "mpt", 3) != 0 ||
		    strstr(t->c[i].driver, "sas") == NULL)
			continue;
		if (t->c[i].unique_id == inst &&
		    strcmp(t->c[i].driver, drv) == 0)
			return (int)i;
		found = (int)i;
		count++;
	}
	return count == 1 ? found : -1;
}

const char *
disk_id(const struct disk *d)
{
	if (d->serial[0] != '\0')
		return d->serial;
	if (d->wwn[0] != '\0')
		return d->wwn;
	return d->name;
}
