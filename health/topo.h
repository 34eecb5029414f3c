/*
 * topo: which controller each disk is behind, and which physical disk
 * every block device (partition, dm-crypt/LVM, md) sits on, from sysfs.
 *
 * A disk's controller is the PCI function in the path of its device
 * (not the SCSI host number: AHCI has one host per port).  Disks are
 * known by serial/WWN, never only by sdX (names move between boots).
 * A partition is resolved to its disk through sysfs (the directory it
 * is in, which has a "partition" file), and a stacked device through
 * its slaves/ links, never by trimming its name.
 * topo_scan reads a sysfs root: "/sys" live, or a replay copy with its
 * relative symlinks kept.  Everything else here is pure.
 */
#ifndef HANGAR_HEALTH_TOPO_H
#define HANGAR_HEALTH_TOPO_H

#include <stddef.h>

#include "lib/herr.h"

#define TOPO_MAXCTRL	32
#define TOPO_MAXDISK	256
#define TOPO_MAXBLK	512
#define TOPO_MAXLINK	4	/* slaves/holders kept per device */
#define TOPO_MAXMNT	64

struct ctrl {
	char		key[48];	/* PCI function, or "virtual:hostN" */
	char		driver[32];	/* mpt3sas, ahci, virtio_scsi, nvme */
	char		board[64];	/* board_name / version_product */
	char		firmware[48];	/* version_fw / firmware_rev */
	char		ids[16];	/* PCI vendor:device */
	char		host[16];	/* first SCSI host seen ("host7") */
	int		unique_id;	/* scsi_host unique_id, -1 */
	long long	ioc_reset_count;	/* -1 unless mpt*sas */
	size_t		ndisks;
};

struct disk {
	char		name[32];	/* sdc, nvme0n1, mmcblk0 */
	char		serial[64];	/* "" when unknown */
	char		wwn[64];	/* "5000c500a1b2c3d4", "eui.00253..." */
	char		model[64];
	char		firmware[32];
	char		path[96];	/* by-path style: pci-...-scsi-0:0:1:0 */
	char		slot[64];	/* "port ata2", "bay 3", "phy 0:3" */
	char		hctl[32];
	char		state[24];	/* running, offline, live, dead */
	int		ctrl;		/* index into ctrls, -1 */
};

enum blk_kind { BLK_DISK, BLK_PART, BLK_MD, BLK_DM, BLK_OTHER };

/* Every block device in sysfs: whole disks, their partitions, md and
 * dm devices (dm-crypt, LVM), with the links that stack them. */
struct blkdev {
	char		name[32];	/* sdb3, nvme0n1p2, dm-0, md0 */
	enum blk_kind	kind;
	int		disk;		/* DISK/PART: index into d, else -1 */
	int		partno;		/* PART: its number */
	char		devno[16];	/* "8:19", for mounts */
	char		dm_name[64];	/* DM: "crypt-sdc2", "vg0-images" */
	char		dm_uuid[24];	/* DM: "CRYPT-PLAIN", "LVM" (prefix) */
	char		md_level[16];	/* MD: md/level ("raid6"), "" */
	int		md_disks;	/* MD: md/raid_disks, -1 */
	char		slaves[TOPO_MAXLINK][32];
	size_t		nslaves;
	char		holders[TOPO_MAXLINK][32];
	size_t		nholders;
};

/* A mounted file system (from mountinfo): device number and place. */
struct mnt {
	char		devno[16];
	char		path[128];
};

struct topo {
	struct ctrl	c[TOPO_MAXCTRL];
	size_t		nc;
	struct disk	d[TOPO_MAXDISK];
	size_t		nd;
	struct blkdev	b[TOPO_MAXBLK];
	size_t		nb;
	struct mnt	m[TOPO_MAXMNT];
	size_t		nm;
};

int	 topo_scan(const char *sysroot, struct topo *t, struct herr *e);
struct disk	*topo_disk(struct topo *t, const char *name);
struct disk	*topo_disk_hctl(struct topo *t, const char *hctl);
struct disk	*topo_disk_serial(struct topo *t, const char *serial);
/* The controller an IOC log name ("mpt3sas_cm0", "mpt2sas1") means. */
int	 topo_ctrl_ioc(const struct topo *t, const char *ioc);
/* A disk's stable identity: serial, else WWN, else its name. */
const char	*disk_id(const struct disk *d);

const struct blkdev	*topo_blk(const struct topo *t, const char *name);
/* The physical disks (indices into t->d) block device name sits on:
 * itself, the disk of a partition, or those under a stacked device's
 * slaves (recursively).  Returns how many were found (at most max
 * are stored); 0 for a name sysfs does not know. */
size_t	 topo_phys(const struct topo *t, const char *name, int *disks,
	    size_t max);
/* The one physical disk under name, or -1 (none, or several). */
int	 topo_phys1(const struct topo *t, const char *name);
/* The LVM volume group of a dm device ("vg0" of "vg0-images"), or "". */
void	 topo_vg(const struct blkdev *b, char *buf, size_t size);
/* Walks the holders of name upwards (dm on md, LVM on dm-crypt ...):
 * fn is called for name and every device above it, each once. */
void	 topo_above(const struct topo *t, const char *name,
	    void (*fn)(void *, const struct blkdev *), void *arg);

/* Parses /proc/self/mountinfo text into t->m (pure). */
int	 topo_mountinfo(struct topo *t, const char *text, size_t len);
/* Reads the mountinfo file at path into t->m; -1 when unreadable. */
int	 topo_read_mounts(struct topo *t, const char *path);

#endif
