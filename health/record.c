/*
 * record: writes a replay directory (see hangar-health(8)) from the live
 * system, so a field incident can be replayed and turned into a test:
 * the parts of sysfs topo_scan reads (every block device with its
 * partitions, slaves and holders, the controllers above the disks, all
 * with relative symlinks kept), the kernel log records still in
 * /dev/kmsg, /proc/mdstat, md sysfs and the md members' superblocks
 * now.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "health/job.h"
#include "health/record.h"

static const char *sd_attrs[] = { "vpd_pg80", "wwid", "model", "vendor",
	"rev", "state", NULL };
static const char *nvme_attrs[] = { "serial", "model", "firmware_rev",
	"state", NULL };
static const char *mmc_attrs[] = { "serial", "name", "fwrev", NULL };
static const char *blk_attrs[] = { "dev", "size", "partition", "start",
	"serial", "wwid", NULL };
static const char *dm_attrs[] = { "name", "uuid", NULL };
static const char *sas_attrs[] = { "bay_identifier", "enclosure_identifier",
	"sas_address", NULL };
static const char *host_attrs[] = { "proc_name", "board_name",
	"version_product", "version_fw", "version_bios", "unique_id",
	"ioc_reset_count", NULL };
static const char *pci_attrs[] = { "vendor", "device", NULL };
static const char *md_attrs[] = { "array_state", "degraded", "sync_action",
	"sync_completed", "level", "raid_disks", NULL };
static const char *mddev_attrs[] = { "state", "slot", "errors", "bad_blocks",
	NULL };

/* snprintf for paths: the same result; callers check truncation. */
static int	pathf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static int
mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	if (pathf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

/* Copies SRC/name to DST/name if it exists (at most 64 KiB). */
static void
copy_attr(const char *src, const char *dst, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX], buf[65536];
	ssize_t n;
	int in, out;

	if (pathf(from, sizeof(from), "%s/%s", src, name) >=
	    (int)sizeof(from) ||
	    pathf(to, sizeof(to), "%s/%s", dst, name) >= (int)sizeof(to))
		return;
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(in, buf, sizeof(buf));
	close(in);
	if (n < 0)
		return;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1)
		return;
	if (write(out, buf, (size_t)n) != n)
		n = -1;
	close(out);
}

static void
copy_attrs(const char *src, const char *dst, const char **names)
{
	for (size_t i = 0; names[i] != NULL; i++)
		copy_attr(src, dst, names[i]);
}

/* The path of "to" relative to the directory "from" (both absolute). */
static void
relpath(const char *from, const char *to, char *out, size_t size)
{
	size_t common = 0, i;

	for (i = 0; from[i] != '\0' && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	if (from[i] == '\0' && (to[i] == '/' || to[i] == '\0'))
		common = i;
	out[0] = '\0';
	for (const char *p = from + common; *p != '\0'; p++)
		if (*p == '/')
			strncat(out, "../", size - strlen(out) - 1);
	strncat(out, to[common] == '/' ? to + common + 1 : to + common,
	    size - strlen(out) - 1);
}

/* DIR/sysfs + the part of real below root. */
static int
mirror(const struct record_cfg *cfg, const char *real, char *out,
    size_t size)
{
	size_t n = strlen(cfg->sysfs);

	if (strncmp(real, cfg->sysfs, n) != 0 || (real[n] != '/' &&
	    real[n] != '\0'))
		return -1;
	return pathf(out, size, "%s/sysfs%s", cfg->dir, real + n) >=
	    (int)size ? -1 : 0;
}

/* Makes DIR/sysfs/LINK a relative symlink to the mirror of target. */
static void
mirror_link(const struct record_cfg *cfg, const char *link,
    const char *target)
{
	char l[PATH_MAX], t[PATH_MAX], dir[PATH_MAX], rel[PATH_MAX];

	if (mirror(cfg, link, l, sizeof(l)) == -1 ||
	    mirror(cfg, target, t, sizeof(t)) == -1)
		return;
	str_copy(dir, l, sizeof(dir));
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	relpath(dir, t, rel, sizeof(rel));
	unlink(l);
	if (symlink(rel, l) == -1)
		return;
}

static void
record_host(const struct record_cfg *cfg, const char *host)
{
	char link[PATH_MAX], real[PATH_MAX], m[PATH_MAX];

	if (pathf(link, sizeof(link), "%s/class/scsi_host/%s", cfg->sysfs,
	    host) >= (int)sizeof(link) || realpath(link, real) == NULL ||
	    mirror(cfg, real, m, sizeof(m)) == -1)
		return;
	mkdirs(m);
	copy_attrs(real, m, host_attrs);
	mirror_link(cfg, link, real);
}

/* Mirrors the entries of dir starting with prefix that are symbolic
 * links (holders/, slaves/, phy-*, enclosure_device:*), with their
 * targets' directories. */
static void
mirror_entries(const struct record_cfg *cfg, const char *dir,
    const char *prefix)
{
	char link[PATH_MAX], real[PATH_MAX], m[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix,
		    strlen(prefix)) != 0 || pathf(link, sizeof(link), "%s/%s",
		    dir, de->d_name) >= (int)sizeof(link) ||
		    realpath(link, real) == NULL)
			continue;
		if (mirror(cfg, real, m, sizeof(m)) == 0)
			mkdirs(m);
		mirror_link(cfg, link, real);
	}
	closedir(d);
}

/* Walks up from a device's directory: PCI functions, SCSI hosts, SAS
 * ports (their phys) and end devices (their bay). */
static void
record_parents(const struct record_cfg *cfg, const char *real)
{
	char path[PATH_MAX], m[PATH_MAX], link[PATH_MAX], drv[PATH_MAX];
	char sub[PATH_MAX];
	char *slash;
	ssize_t n;

	str_copy(path, real, sizeof(path));
	while ((slash = strrchr(path, '/')) != NULL && slash != path &&
	    strlen(path) > strlen(cfg->sysfs)) {
		const char *c = slash + 1;

		if (strlen(c) == 12 && c[4] == ':' && c[7] == ':' &&
		    c[10] == '.' && mirror(cfg, path, m, sizeof(m)) == 0) {
			mkdirs(m);
			copy_attrs(path, m, pci_attrs);
			pathf(link, sizeof(link), "%s/driver", path);
			if ((n = readlink(link, drv, sizeof(drv) - 1)) > 0) {
				drv[n] = '\0';
				pathf(link, sizeof(link), "%s/driver", m);
				unlink(link);
				if (symlink(drv, link) == -1)
					drv[0] = '\0';
			}
		} else if (strncmp(c, "host", 4) == 0 &&
		    c[4] >= '0' && c[4] <= '9')
			record_host(cfg, c);
		else if (strncmp(c, "end_device-", 11) == 0 &&
		    pathf(sub, sizeof(sub), "%s/sas_device/%s", path, c) <
		    (int)sizeof(sub) && mirror(cfg, sub, m, sizeof(m)) == 0) {
			mkdirs(m);
			copy_attrs(sub, m, sas_attrs);
		} else if (strncmp(c, "port-", 5) == 0)
			mirror_entries(cfg, path, "phy-");
		*slash = '\0';
	}
}

/* A block device's own directory: its attributes, slaves/ and holders/,
 * dm/ and the /sys/class/block link. */
static void
record_blkdir(const struct record_cfg *cfg, const char *name,
    const char *blk)
{
	char m[PATH_MAX], sub[PATH_MAX], msub[PATH_MAX], link[PATH_MAX];

	if (mirror(cfg, blk, m, sizeof(m)) == -1)
		return;
	mkdirs(m);
	copy_attrs(blk, m, blk_attrs);
	pathf(sub, sizeof(sub), "%s/dm", blk);
	if (access(sub, F_OK) == 0 && pathf(msub, sizeof(msub), "%s/dm", m) <
	    (int)sizeof(msub)) {
		mkdirs(msub);
		copy_attrs(sub, msub, dm_attrs);
	}
	pathf(sub, sizeof(sub), "%s/md", blk);
	if (access(sub, F_OK) == 0 && pathf(msub, sizeof(msub), "%s/md", m) <
	    (int)sizeof(msub)) {
		static const char *md_level[] = { "level", "raid_disks",
		    NULL };

		mkdirs(msub);
		copy_attrs(sub, msub, md_level);
	}
	for (int i = 0; i < 2; i++) {
		const char *which = i == 0 ? "slaves" : "holders";

		pathf(sub, sizeof(sub), "%s/%s", blk, which);
		pathf(msub, sizeof(msub), "%s/%s", m, which);
		mkdirs(msub);
		mirror_entries(cfg, sub, "");
	}
	if (pathf(link, sizeof(link), "%s/class/block/%s", cfg->sysfs, name) <
	    (int)sizeof(link))
		mirror_link(cfg, link, blk);
}

/* The partitions of a disk (or md array): subdirectories with a
 * partition file. */
static void
record_parts(const struct record_cfg *cfg, const char *blk)
{
	char sub[PATH_MAX], f[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(blk)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && pathf(sub, sizeof(sub), "%s/%s",
		    blk, de->d_name) < (int)sizeof(sub) &&
		    pathf(f, sizeof(f), "%s/partition", sub) <
		    (int)sizeof(f) && access(f, F_OK) == 0)
			record_blkdir(cfg, de->d_name, sub);
	closedir(d);
}

/* The PCI slots (NVMe drives are found in them by address). */
static void
record_slots(const struct record_cfg *cfg)
{
	char dir[PATH_MAX], src[PATH_MAX], m[PATH_MAX];
	struct dirent *de;
	DIR *d;

	pathf(dir, sizeof(dir), "%s/bus/pci/slots", cfg->sysfs);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		static const char *addr[] = { "address", NULL };

		if (de->d_name[0] == '.' || pathf(src, sizeof(src), "%s/%s",
		    dir, de->d_name) >= (int)sizeof(src) ||
		    mirror(cfg, src, m, sizeof(m)) == -1)
			continue;
		mkdirs(m);
		copy_attrs(src, m, addr);
	}
	closedir(d);
}

static void
record_disk(const struct record_cfg *cfg, const char *name)
{
	char link[PATH_MAX], blk[PATH_MAX], dev[PATH_MAX], m[PATH_MAX];
	char devlink[PATH_MAX];

	if (pathf(link, sizeof(link), "%s/block/%s", cfg->sysfs, name) >=
	    (int)sizeof(link) || realpath(link, blk) == NULL)
		return;
	record_blkdir(cfg, name, blk);
	mirror_link(cfg, link, blk);
	record_parts(cfg, blk);
	if (pathf(devlink, sizeof(devlink), "%s/device", blk) >=
	    (int)sizeof(devlink) || realpath(devlink, dev) == NULL)
		return;		/* md, dm: no device */
	mirror_link(cfg, devlink, dev);
	if (mirror(cfg, dev, m, sizeof(m)) == -1)
		return;
	mkdirs(m);
	copy_attrs(dev, m, strncmp(name, "nvme", 4) == 0 ? nvme_attrs :
	    strncmp(name, "mmcblk", 6) == 0 ? mmc_attrs : sd_attrs);
	mirror_entries(cfg, dev, "enclosure_device:");
	if (strncmp(name, "nvme", 4) == 0 && pathf(link, sizeof(link),
	    "%s/class/nvme/%s", cfg->sysfs, strrchr(dev, '/') + 1) <
	    (int)sizeof(link))
		mirror_link(cfg, link, dev);
	record_parents(cfg, dev);
}

/* Devices a recording leaves out: nothing of health's is on them. */
static int
boring(const char *name)
{
	return strncmp(name, "loop", 4) == 0 || strncmp(name, "ram", 3) == 0 ||
	    strncmp(name, "zram", 4) == 0 || strncmp(name, "sr", 2) == 0 ||
	    strncmp(name, "fd", 2) == 0 || name[0] == '.';
}

static int
record_sysfs(const struct record_cfg *cfg, struct herr *e)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	pathf(path, sizeof(path), "%s/block", cfg->sysfs);
	if ((d = opendir(path)) == NULL)
		return herr_set(e, HERR_NOTFOUND, "%s: %s", path,
		    strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (!boring(de->d_name))
			record_disk(cfg, de->d_name);
	closedir(d);
	record_slots(cfg);
	return 0;
}

static void
record_kmsg(const struct record_cfg *cfg)
{
	char path[PATH_MAX], buf[8192];
	struct stat sb;
	ssize_t n;
	FILE *out;
	int fd;

	if ((fd = open(cfg->kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return;
	pathf(path, sizeof(path), "%s/kmsg", cfg->dir);
	if ((out = fopen(path, "w")) == NULL) {
		close(fd);
		return;
	}
	/* /dev/kmsg: one record per read, from the oldest kept; a plain
	 * file (tests): its lines as they are */
	fstat(fd, &sb);
	for (int i = 0; i < 1000000; i++) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		if (S_ISCHR(sb.st_mode)) {
			/* keep the first line; drop " KEY=value" ones */
			char *nl = memchr(buf, '\n', (size_t)n);

			n = nl != NULL ? nl - buf + 1 : n;
		}
		fwrite(buf, 1, (size_t)n, out);
	}
	fclose(out);
	close(fd);
}

/* examine/USEC/MEMBER: its superblock (empty: unreadable). */
static void
record_examine(const struct record_cfg *cfg, unsigned long long usec,
    const char *member)
{
	char dev[PATH_MAX], path[PATH_MAX], *out;
	char *argv[] = { (char *)cfg->mdadm, "--examine", "--export", dev,
	    NULL };
	size_t len = 0;
	FILE *f;

	if (cfg->mdadm[0] == '\0' || strchr(member, '/') != NULL)
		return;
	pathf(dev, sizeof(dev), "/dev/%s", member);
	pathf(path, sizeof(path), "%s/examine/%llu", cfg->dir, usec);
	mkdirs(path);
	if (pathf(path, sizeof(path), "%s/examine/%llu/%s", cfg->dir, usec,
	    member) >= (int)sizeof(path) || (f = fopen(path, "w")) == NULL)
		return;
	if ((out = job_run(argv, 4096, 10000000, &len)) != NULL)
		fwrite(out, 1, len, f);
	fclose(f);
	free(out);
}

/* Whether the md directory says the array cannot run: the members'
 * superblocks are what its recovery advice is made of. */
static int
array_failed(const char *mddir)
{
	char path[PATH_MAX], state[32] = "";
	ssize_t n;
	int fd;

	if (pathf(path, sizeof(path), "%s/array_state", mddir) >=
	    (int)sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, state, sizeof(state) - 1);
	close(fd);
	state[n > 0 ? n : 0] = '\0';
	return strncmp(state, "broken", 6) == 0 ||
	    strncmp(state, "inactive", 8) == 0 ||
	    strncmp(state, "clear", 5) == 0;
}

static void
record_md(const struct record_cfg *cfg, unsigned long long usec)
{
	char path[PATH_MAX], dst[PATH_MAX], src[PATH_MAX];
	struct dirent *de, *dev;
	DIR *d, *m;
	int failed;

	pathf(path, sizeof(path), "%s/mdstat", cfg->dir);
	mkdirs(path);
	pathf(dst, sizeof(dst), "%s/%llu", path, usec);
	{
		char *slash = strrchr(cfg->mdstat, '/');
		char srcdir[PATH_MAX];

		str_copy(srcdir, cfg->mdstat, sizeof(srcdir));
		if (slash != NULL) {
			srcdir[slash - cfg->mdstat] = '\0';
			pathf(path, sizeof(path), "%s/mdstat", cfg->dir);
			copy_attr(srcdir, path, slash + 1);
			pathf(src, sizeof(src), "%s/%s", path, slash + 1);
			if (rename(src, dst) == -1)
				unlink(src);
		}
	}
	pathf(path, sizeof(path), "%s/block", cfg->sysfs);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "md", 2) != 0)
			continue;
		pathf(src, sizeof(src), "%s/block/%s/md", cfg->sysfs,
		    de->d_name);
		if (pathf(dst, sizeof(dst), "%s/md/%llu/%s", cfg->dir, usec,
		    de->d_name) >= (int)sizeof(dst) || (m = opendir(src)) ==
		    NULL)
			continue;
		mkdirs(dst);
		copy_attrs(src, dst, md_attrs);
		failed = array_failed(src);
		while ((dev = readdir(m)) != NULL) {
			char s2[PATH_MAX], d2[PATH_MAX];

			if (strncmp(dev->d_name, "dev-", 4) != 0 ||
			    pathf(s2, sizeof(s2), "%s/%s", src,
			    dev->d_name) >= (int)sizeof(s2) ||
			    pathf(d2, sizeof(d2), "%s/%s", dst,
			    dev->d_name) >= (int)sizeof(d2))
				continue;
			mkdirs(d2);
			copy_attrs(s2, d2, mddev_attrs);
			if (failed)
				record_examine(cfg, usec, dev->d_name + 4);
		}
		closedir(m);
	}
	closedir(d);
}

int
record_run(const struct record_cfg *cfg, struct herr *e)
{
	struct timespec ts;
	unsigned long long usec;
	char path[PATH_MAX];

	if (mkdirs(cfg->dir) == -1)
		return herr_set(e, HERR_INTERNAL, "%s: %s", cfg->dir,
		    strerror(errno));
	pathf(path, sizeof(path), "%s/sysfs", cfg->dir);
	if (access(path, F_OK) == 0)
		return herr_set(e, HERR_EXISTS, "%s already holds a "
		    "recording", cfg->dir);
	if (record_sysfs(cfg, e) == -1)
		return -1;
	/* the kernel's clock for log stamps is the monotonic one */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	usec = (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000;
	record_kmsg(cfg);
	record_md(cfg, usec);
	if (cfg->mountinfo[0] != '\0') {
		char src[PATH_MAX], dst[PATH_MAX], *slash;

		/* copy_attr copies DIR/NAME: split the path */
		str_copy(src, cfg->mountinfo, sizeof(src));
		if ((slash = strrchr(src, '/')) != NULL) {
			*slash = '\0';
			copy_attr(src, cfg->dir, slash + 1);
			pathf(src, sizeof(src), "%s/%s", cfg->dir, slash + 1);
			pathf(dst, sizeof(dst), "%s/mountinfo", cfg->dir);
			if (strcmp(src, dst) != 0 && rename(src, dst) == -1)
				unlink(src);
		}
	}
	if (cfg->baseline[0] != '\0') {
		char *slash = strrchr(cfg->baseline, '/');
		char srcdir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];

		if (slash != NULL) {
			str_copy(srcdir, cfg->baseline, sizeof(srcdir));
			srcdir[slash - cfg->baseline] = '\0';
			copy_attr(srcdir, cfg->dir, slash + 1);
			pathf(src, sizeof(src), "%s/%s", cfg->dir, slash + 1);
			pathf(dst, sizeof(dst), "%s/baseline", cfg->dir);
			if (strcmp(src, dst) != 0 && rename(src, dst) == -1)
				unlink(src);
		}
	}
	return 0;
}
