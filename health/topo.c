/*
 * topo: sysfs walk from /sys/block to controllers, partitions and the
 * devices stacked on them.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "health/topo.h"

/* snprintf whose truncation is fine (names and paths are capped). */
static void	sfmt(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
sfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

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

/* The parts of a device's real path that say where it is plugged. */
struct devpath {
	char	pcidir[PATH_MAX];	/* up to the last PCI function */
	char	bdf[16];
	char	host[16];
	char	ata[16];		/* "ata2" */
	char	mmc[16];		/* "mmc0" (the mmc_host) */
	char	enddir[PATH_MAX];	/* up to the last end_device-* */
	char	portdir[PATH_MAX];	/* up to the last SAS port-* */
	char	last[32];		/* the last component */
};

static int
has_prefix_num(const char *c, size_t n, const char *prefix)
{
	size_t l = strlen(prefix);

	return n > l && strncmp(c, prefix, l) == 0 &&
	    isdigit((unsigned char)c[l]);
}

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
		} else if (n < sizeof(p->host) && has_prefix_num(c, n, "host"))
			snprintf(p->host, sizeof(p->host), "%.*s", (int)n, c);
		else if (n < sizeof(p->ata) && has_prefix_num(c, n, "ata"))
			snprintf(p->ata, sizeof(p->ata), "%.*s", (int)n, c);
		else if (n < sizeof(p->mmc) && has_prefix_num(c, n, "mmc") &&
		    memchr(c, ':', n) == NULL)
			snprintf(p->mmc, sizeof(p->mmc), "%.*s", (int)n, c);
		else if (has_prefix_num(c, n, "end_device-"))
			snprintf(p->enddir, sizeof(p->enddir), "%.*s",
			    (int)(c + n - real), real);
		else if (has_prefix_num(c, n, "port-"))
			snprintf(p->portdir, sizeof(p->portdir), "%.*s",
			    (int)(c + n - real), real);
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

static void
read_pci(struct ctrl *c, const char *pcidir)
{
	char ven[16] = "", dev[16] = "", dir[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	read_attr(pcidir, "vendor", ven, sizeof(ven));
	read_attr(pcidir, "device", dev, sizeof(dev));
	if (ven[0] != '\0' && dev[0] != '\0')
		snprintf(c->ids, sizeof(c->ids), "%.4s:%.4s",
		    strncmp(ven, "0x", 2) == 0 ? ven + 2 : ven,
		    strncmp(dev, "0x", 2) == 0 ? dev + 2 : dev);
	if (pjoin(dir, sizeof(dir), pcidir, "driver") == 0 &&
	    (n = readlink(dir, link, sizeof(link) - 1)) > 0) {
		link[n] = '\0';
		str_sanitize(c->driver, sizeof(c->driver),
		    strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
}

static void
read_scsi_host(struct ctrl *c, const char *root, const char *host)
{
	char dir[PATH_MAX], buf[128];
	long long v;

	snprintf(dir, sizeof(dir), "%s/class/scsi_host/%s", root, host);
	if (read_attr(dir, "proc_name", buf, sizeof(buf)) == 0 &&
	    buf[0] != '\0')
		str_copy(c->driver, buf, sizeof(c->driver));
	if (read_attr(dir, "board_name", c->board, sizeof(c->board)) == -1 ||
	    c->board[0] == '\0')
		read_attr(dir, "version_product", c->board, sizeof(c->board));
	read_attr(dir, "version_fw", c->firmware, sizeof(c->firmware));
	if (read_attr(dir, "unique_id", buf, sizeof(buf)) == 0 &&
	    str_parse_int(buf, 0, 1 << 20, &v) == 0)
		c->unique_id = (int)v;
	if (read_attr(dir, "ioc_reset_count", buf, sizeof(buf)) == 0 &&
	    str_parse_int(buf, 0, 1LL << 40, &v) == 0)
		c->ioc_reset_count = v;
}

/* kind: 's' SCSI, 'n' NVMe (nvmedir: its controller), 'm' MMC, 'v'
 * virtio-blk. */
static int
add_ctrl(struct topo *t, const char *root, const struct devpath *p,
    int kind, const char *nvmedir)
{
	char key[48];
	struct ctrl *c;
	int i;

	if (p->bdf[0] != '\0')
		snprintf(key, sizeof(key), "%s", p->bdf);
	else
		snprintf(key, sizeof(key), "virtual:%s", kind == 'm' ? p->mmc :
		    p->host);
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
	if (p->pcidir[0] != '\0')
		read_pci(c, p->pcidir);
	if (kind == 'n') {
		str_copy(c->driver, "nvme", sizeof(c->driver));
		read_attr(nvmedir, "model", c->board, sizeof(c->board));
		read_attr(nvmedir, "firmware_rev", c->firmware,
		    sizeof(c->firmware));
	} else if (kind == 's' && p->host[0] != '\0')
		read_scsi_host(c, root, p->host);
	return (int)t->nc++;
}

/* The first directory entry of dir starting with prefix, into buf. */
static int
first_entry(const char *dir, const char *prefix, char *buf, size_t size)
{
	struct dirent **list = NULL;
	int n, found = -1;

	if ((n = scandir(dir, &list, NULL, alphasort)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		if (found == -1 && strncmp(list[i]->d_name, prefix,
		    strlen(prefix)) == 0) {
			str_sanitize(buf, size, list[i]->d_name);
			found = 0;
		}
		free(list[i]);
	}
	free(list);
	return found;
}

/* Where a SCSI disk is plugged: an enclosure slot (ses), a SAS bay or
 * phy, a SATA port, else its SCSI address. */
static void
sd_slot(struct disk *d, const char *dev, const struct devpath *p)
{
	char dir[PATH_MAX], buf[96];
	long long bay;

	if (first_entry(dev, "enclosure_device:", buf, sizeof(buf)) == 0) {
		sfmt(d->slot, sizeof(d->slot), "enclosure %s", buf + 17);
		return;
	}
	if (p->enddir[0] != '\0') {
		const char *name = strrchr(p->enddir, '/') + 1;

		sfmt(dir, sizeof(dir), "%s/sas_device/%s", p->enddir,
		    name);
		if (read_attr(dir, "bay_identifier", buf, sizeof(buf)) == 0 &&
		    str_parse_int(buf, 0, 65535, &bay) == 0) {
			snprintf(d->slot, sizeof(d->slot), "bay %lld", bay);
			return;
		}
	}
	if (p->portdir[0] != '\0' &&
	    first_entry(p->portdir, "phy-", buf, sizeof(buf)) == 0) {
		sfmt(d->slot, sizeof(d->slot), "phy %s", buf + 4);
		return;
	}
	if (p->ata[0] != '\0') {
		snprintf(d->slot, sizeof(d->slot), "port %s", p->ata);
		return;
	}
	sfmt(d->slot, sizeof(d->slot), "target %s", d->hctl);
}

static struct disk *
new_disk(struct topo *t, const char *name)
{
	struct disk *d;

	if (t->nd >= TOPO_MAXDISK)
		return NULL;
	d = &t->d[t->nd];
	memset(d, 0, sizeof(*d));
	str_copy(d->name, name, sizeof(d->name));
	d->ctrl = -1;
	return d;
}

static void
done_disk(struct topo *t, struct disk *d)
{
	if (d->ctrl != -1)
		t->c[d->ctrl].ndisks++;
	t->nd++;
}

/* wwid: "naa.5000c500a1b2c3d4", "eui.0025388...", "t10.ATA  MODEL  SN" */
static void
read_wwid(const char *dir, struct disk *d)
{
	char buf[128];

	if (read_attr(dir, "wwid", buf, sizeof(buf)) == -1)
		return;
	if (strncmp(buf, "naa.", 4) == 0)
		str_copy(d->wwn, buf + 4, sizeof(d->wwn));
	else if (strncmp(buf, "eui.", 4) == 0)
		str_copy(d->wwn, buf, sizeof(d->wwn));
	if (d->serial[0] == '\0' && strncmp(buf, "t10.", 4) == 0 &&
	    strrchr(buf, ' ') != NULL)
		str_copy(d->serial, strrchr(buf, ' ') + 1, sizeof(d->serial));
}

static int
scan_sd(struct topo *t, const char *root, const char *name)
{
	char dev[PATH_MAX], real[PATH_MAX];
	struct devpath p;
	struct disk *d;

	snprintf(dev, sizeof(dev), "%s/block/%s/device", root, name);
	if (realpath(dev, real) == NULL || (d = new_disk(t, name)) == NULL)
		return -1;
	split_path(real, &p);
	str_copy(d->hctl, p.last, sizeof(d->hctl));
	read_vpd80(dev, d->serial, sizeof(d->serial));
	read_wwid(dev, d);
	read_attr(dev, "model", d->model, sizeof(d->model));
	read_attr(dev, "rev", d->firmware, sizeof(d->firmware));
	read_attr(dev, "state", d->state, sizeof(d->state));
	d->ctrl = add_ctrl(t, root, &p, 's', NULL);
	if (p.ata[0] != '\0')
		sfmt(d->path, sizeof(d->path), "pci-%s-ata-%s",
		    p.bdf[0] ? p.bdf : "none", p.ata + 3);
	else {
		const char *ctl = strchr(d->hctl, ':');

		snprintf(d->path, sizeof(d->path), "%s%s-scsi-0%s",
		    p.bdf[0] ? "pci-" : "", p.bdf[0] ? p.bdf : p.host,
		    ctl != NULL ? ctl : "");
	}
	sd_slot(d, dev, &p);
	done_disk(t, d);
	return (int)t->nd - 1;
}

/* The PCIe slot an NVMe drive is in, from /sys/bus/pci/slots. */
static void
pci_slot(const char *root, const char *bdf, char *buf, size_t size)
{
	struct dirent **list = NULL;
	char dir[PATH_MAX], addr[32];
	int n;

	snprintf(dir, sizeof(dir), "%s/bus/pci/slots", root);
	if ((n = scandir(dir, &list, NULL, alphasort)) == -1)
		return;
	for (int i = 0; i < n; i++) {
		char sdir[PATH_MAX];

		if (buf[0] == '\0' && list[i]->d_name[0] != '.' &&
		    snprintf(sdir, sizeof(sdir), "%s/%s", dir,
		    list[i]->d_name) < (int)sizeof(sdir) &&
		    read_attr(sdir, "address", addr, sizeof(addr)) == 0 &&
		    addr[0] != '\0' && strncmp(bdf, addr, strlen(addr)) == 0)
			snprintf(buf, size, "PCIe slot %.32s", list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

static int
scan_nvme(struct topo *t, const char *root, const char *name)
{
	char dev[PATH_MAX], real[PATH_MAX], blk[PATH_MAX];
	struct devpath p;
	struct disk *d;

	/* /sys/block/nvme0n1/device -> .../0000:00:06.0/nvme/nvme0 */
	snprintf(dev, sizeof(dev), "%s/block/%s/device", root, name);
	snprintf(blk, sizeof(blk), "%s/block/%s", root, name);
	if (realpath(dev, real) == NULL || (d = new_disk(t, name)) == NULL)
		return -1;
	split_path(real, &p);
	read_attr(real, "serial", d->serial, sizeof(d->serial));
	read_attr(real, "model", d->model, sizeof(d->model));
	read_attr(real, "firmware_rev", d->firmware, sizeof(d->firmware));
	read_attr(real, "state", d->state, sizeof(d->state));
	read_wwid(blk, d);
	snprintf(d->path, sizeof(d->path), "pci-%s-nvme-1",
	    p.bdf[0] ? p.bdf : "none");
	if (p.bdf[0] != '\0')
		pci_slot(root, p.bdf, d->slot, sizeof(d->slot));
	if (d->slot[0] == '\0')
		snprintf(d->slot, sizeof(d->slot), "%s", p.last);
	d->ctrl = add_ctrl(t, root, &p, 'n', real);
	done_disk(t, d);
	return (int)t->nd - 1;
}

/* SD/eMMC: /sys/block/mmcblk0/device -> .../mmc_host/mmc0/mmc0:0001 */
static int
scan_mmc(struct topo *t, const char *root, const char *name)
{
	char dev[PATH_MAX], real[PATH_MAX];
	struct devpath p;
	struct disk *d;

	snprintf(dev, sizeof(dev), "%s/block/%s/device", root, name);
	if (realpath(dev, real) == NULL || (d = new_disk(t, name)) == NULL)
		return -1;
	split_path(real, &p);
	read_attr(real, "serial", d->serial, sizeof(d->serial));
	read_attr(real, "name", d->model, sizeof(d->model));
	read_attr(real, "fwrev", d->firmware, sizeof(d->firmware));
	str_copy(d->state, "running", sizeof(d->state));
	snprintf(d->path, sizeof(d->path), "%s%s-%s", p.bdf[0] ? "pci-" : "",
	    p.bdf[0] ? p.bdf : "platform", p.mmc[0] ? p.mmc : "mmc");
	snprintf(d->slot, sizeof(d->slot), "%s", p.mmc);
	d->ctrl = add_ctrl(t, root, &p, 'm', NULL);
	done_disk(t, d);
	return (int)t->nd - 1;
}

/* virtio-blk: /sys/block/vda/serial, device -> .../0000:00:05.0/virtio2 */
static int
scan_vd(struct topo *t, const char *root, const char *name)
{
	char dev[PATH_MAX], real[PATH_MAX], blk[PATH_MAX];
	struct devpath p;
	struct disk *d;

	snprintf(dev, sizeof(dev), "%s/block/%s/device", root, name);
	snprintf(blk, sizeof(blk), "%s/block/%s", root, name);
	if (realpath(dev, real) == NULL || (d = new_disk(t, name)) == NULL)
		return -1;
	split_path(real, &p);
	read_attr(blk, "serial", d->serial, sizeof(d->serial));
	str_copy(d->state, "running", sizeof(d->state));
	snprintf(d->path, sizeof(d->path), "pci-%s-virtio",
	    p.bdf[0] ? p.bdf : "none");
	snprintf(d->slot, sizeof(d->slot), "%s", p.last);
	sfmt(p.host, sizeof(p.host), "%s", p.last);
	d->ctrl = add_ctrl(t, root, &p, 'v', NULL);
	done_disk(t, d);
	return (int)t->nd - 1;
}

/* "nvme0n1" (not "nvme0c0n1"), "mmcblk0" (not "mmcblk0boot0") */
static int
disk_kind(const char *name)
{
	const char *p;

	if (strncmp(name, "sd", 2) == 0 && islower((unsigned char)name[2]))
		return 's';
	if (strncmp(name, "vd", 2) == 0 && islower((unsigned char)name[2]))
		return 'v';
	if (strncmp(name, "nvme", 4) == 0) {
		for (p = name + 4; isdigit((unsigned char)*p); p++)
			;
		if (p == name + 4 || *p++ != 'n' ||
		    !isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
		return *p == '\0' ? 'n' : 0;
	}
	if (strncmp(name, "mmcblk", 6) == 0) {
		for (p = name + 6; isdigit((unsigned char)*p); p++)
			;
		return p > name + 6 && *p == '\0' ? 'm' : 0;
	}
	return 0;
}

/* The names in dir (slaves/, holders/), sorted, at most TOPO_MAXLINK. */
static size_t
read_links(const char *dir, char names[][32])
{
	struct dirent **list = NULL;
	size_t k = 0;
	int n;

	if ((n = scandir(dir, &list, NULL, alphasort)) == -1)
		return 0;
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && k < TOPO_MAXLINK &&
		    strlen(list[i]->d_name) < 32) {
			str_copy(names[k], list[i]->d_name, 32);
			k++;
		}
		free(list[i]);
	}
	free(list);
	return k;
}

static struct blkdev *
add_blk(struct topo *t, const char *dir, const char *name,
    enum blk_kind kind, int disk)
{
	char sub[PATH_MAX], buf[128];
	struct blkdev *b;

	if (t->nb >= TOPO_MAXBLK || strlen(name) >= sizeof(b->name))
		return NULL;
	b = &t->b[t->nb++];
	memset(b, 0, sizeof(*b));
	str_copy(b->name, name, sizeof(b->name));
	b->kind = kind;
	b->disk = disk;
	read_attr(dir, "dev", b->devno, sizeof(b->devno));
	if (pjoin(sub, sizeof(sub), dir, "slaves") == 0)
		b->nslaves = read_links(sub, b->slaves);
	if (pjoin(sub, sizeof(sub), dir, "holders") == 0)
		b->nholders = read_links(sub, b->holders);
	if (kind == BLK_PART && read_attr(dir, "partition", buf,
	    sizeof(buf)) == 0)
		b->partno = atoi(buf);
	b->md_disks = -1;
	if (kind == BLK_MD) {
		long long v;

		sfmt(sub, sizeof(sub), "%s/md", dir);
		read_attr(sub, "level", b->md_level, sizeof(b->md_level));
		if (read_attr(sub, "raid_disks", buf, sizeof(buf)) == 0 &&
		    str_parse_int(buf, 0, 4096, &v) == 0)
			b->md_disks = (int)v;
	}
	if (kind == BLK_DM) {
		snprintf(sub, sizeof(sub), "%s/dm", dir);
		read_attr(sub, "name", b->dm_name, sizeof(b->dm_name));
		read_attr(sub, "uuid", buf, sizeof(buf));
		/* "CRYPT-LUKS2-<uuid>-name", "LVM-<vg uuid><lv uuid>" */
		buf[strcspn(buf, "-")] = '\0';
		if (strcmp(buf, "CRYPT") == 0 &&
		    read_attr(sub, "uuid", buf, sizeof(buf)) == 0 &&
		    strlen(buf) > 6)
			buf[strcspn(buf + 6, "-") + 6] = '\0';
		str_copy(b->dm_uuid, buf, sizeof(b->dm_uuid));
	}
	return b;
}

/* The partitions of a whole disk: subdirectories with a partition file. */
static void
scan_parts(struct topo *t, const char *blkdir, int disk)
{
	struct dirent **list = NULL;
	char dir[PATH_MAX], f[PATH_MAX];
	int n;

	if ((n = scandir(blkdir, &list, NULL, alphasort)) == -1)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (name[0] != '.' && pjoin(dir, sizeof(dir), blkdir,
		    name) == 0 && pjoin(f, sizeof(f), dir, "partition") == 0 &&
		    access(f, F_OK) == 0)
			add_blk(t, dir, name, BLK_PART, disk);
		free(list[i]);
	}
	free(list);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
scan_one(struct topo *t, const char *root, const char *name)
{
	char dir[PATH_MAX], blk[PATH_MAX], sub[PATH_MAX];
	int k = disk_kind(name), disk = -1;

	if (snprintf(dir, sizeof(dir), "%s/block/%s", root, name) >=
	    (int)sizeof(dir) || realpath(dir, blk) == NULL)
		return;
	switch (k) {
	case 's':
		disk = scan_sd(t, root, name);
		break;
	case 'n':
		disk = scan_nvme(t, root, name);
		break;
	case 'm':
		disk = scan_mmc(t, root, name);
		break;
	case 'v':
		disk = scan_vd(t, root, name);
		break;
	default:
		break;
	}
	if (disk >= 0) {
		add_blk(t, blk, name, BLK_DISK, disk);
		scan_parts(t, blk, disk);
		return;
	}
	sfmt(sub, sizeof(sub), "%s/dm", blk);
	if (access(sub, F_OK) == 0) {
		add_blk(t, blk, name, BLK_DM, -1);
		return;
	}
	sfmt(sub, sizeof(sub), "%s/md", blk);
	add_blk(t, blk, name, access(sub, F_OK) == 0 ||
	    strncmp(name, "md", 2) == 0 ? BLK_MD : BLK_OTHER, -1);
	scan_parts(t, blk, -1);		/* partitions of an md array */
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
		if (list[i]->d_name[0] != '.')
			scan_one(t, root, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return 0;
}

const struct blkdev *
topo_blk(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->nb; i++)
		if (strcmp(t->b[i].name, name) == 0)
			return &t->b[i];
	return NULL;
}

static size_t
phys_walk(const struct topo *t, const char *name, int *disks, size_t max,
    size_t n, int depth)
{
	const struct blkdev *b = topo_blk(t, name);

	if (b == NULL || depth > 8)
		return n;
	if (b->disk >= 0) {
		for (size_t i = 0; i < n && i < max; i++)
			if (disks[i] == b->disk)
				return n;
		if (n < max)
			disks[n] = b->disk;
		return n + 1;
	}
	for (size_t i = 0; i < b->nslaves; i++)
		n = phys_walk(t, b->slaves[i], disks, max, n, depth + 1);
	return n;
}

size_t
topo_phys(const struct topo *t, const char *name, int *disks, size_t max)
{
	return phys_walk(t, name, disks, max, 0, 0);
}

int
topo_phys1(const struct topo *t, const char *name)
{
	int d[2];

	return topo_phys(t, name, d, 2) == 1 ? d[0] : -1;
}

void
topo_vg(const struct blkdev *b, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	if (b->kind != BLK_DM || strcmp(b->dm_uuid, "LVM") != 0)
		return;
	/* dm names of LVM volumes are VG-LV with '-' doubled inside each */
	for (const char *p = b->dm_name; *p != '\0' && o + 1 < size; p++) {
		if (*p == '-' && p[1] == '-')
			p++;
		else if (*p == '-')
			break;
		buf[o++] = *p;
	}
	buf[o] = '\0';
}

static void
above_walk(const struct topo *t, const char *name,
    void (*fn)(void *, const struct blkdev *), void *arg,
    const char **seen, size_t *nseen, int depth)
{
	const struct blkdev *b = topo_blk(t, name);

	if (b == NULL || depth > 8)
		return;
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == b->name)
			return;
	if (*nseen < 64)
		seen[(*nseen)++] = b->name;
	fn(arg, b);
	for (size_t i = 0; i < b->nholders; i++)
		above_walk(t, b->holders[i], fn, arg, seen, nseen, depth + 1);
}

void
topo_above(const struct topo *t, const char *name,
    void (*fn)(void *, const struct blkdev *), void *arg)
{
	const char *seen[64];
	size_t nseen = 0;

	above_walk(t, name, fn, arg, seen, &nseen, 0);
}

/* "MAJOR:MINOR" and nothing else. */
static int
is_devno(const char *s, size_t n)
{
	size_t colon = 0, i;

	for (i = 0; i < n; i++)
		if (s[i] == ':' && colon == 0 && i > 0)
			colon = i;
		else if (s[i] < '0' || s[i] > '9')
			return 0;
	return colon > 0 && colon + 1 < n;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape(char *dst, size_t size, const char *s, size_t n)
{
	size_t o = 0;
	char raw[512];

	for (size_t i = 0; i < n && o + 1 < sizeof(raw); i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			raw[o++] = (char)((s[i + 1] - '0') * 64 +
			    (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else
			raw[o++] = s[i];
	}
	raw[o] = '\0';
	str_sanitize(dst, size, raw);
}

int
topo_mountinfo(struct topo *t, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	t->nm = 0;
	while (p < end && t->nm < TOPO_MAXMNT) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end, *f[5], *q = p;
		size_t fl[5], k;

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		for (k = 0; k < 5 && q < le; k++) {
			while (q < le && *q == ' ')
				q++;
			f[k] = q;
			while (q < le && *q != ' ')
				q++;
			fl[k] = (size_t)(q - f[k]);
		}
		if (k == 5 && fl[2] < sizeof(t->m[0].devno) && fl[4] > 0 &&
		    is_devno(f[2], fl[2])) {
			struct mnt *m = &t->m[t->nm++];

			memcpy(m->devno, f[2], fl[2]);
			m->devno[fl[2]] = '\0';
			unescape(m->path, sizeof(m->path), f[4], fl[4]);
		}
		p = le + 1;
	}
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

int
topo_read_mounts(struct topo *t, const char *path)
{
	char *buf;
	ssize_t n;
	size_t got = 0, max = 256 * 1024;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	buf = malloc(max);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	while (got < max && (n = read(fd, buf + got, max - got)) > 0)
		got += (size_t)n;
	close(fd);
	topo_mountinfo(t, buf, got);
	free(buf);
	return 0;
}
