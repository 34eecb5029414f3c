/*
 * topo: which controller each disk is behind, from sysfs.
 *
 * A disk's controller is the PCI function in the path of its device
 * (not the SCSI host number: AHCI has one host per port).  Disks are
 * known by serial/WWN, never only by sdX (names move between boots).
 * topo_scan reads a sysfs root: "/sys" live, or a replay copy with its
 * relative symlinks kept.
 */
#ifndef HANGAR_HEALTH_TOPO_H
#define HANGAR_HEALTH_TOPO_H

#include <stddef.h>

#include "lib/herr.h"

#define TOPO_MAXCTRL	32
#define TOPO_MAXDISK	256

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
	char		name[32];	/* sdc, nvme0n1 */
	char		serial[64];	/* "" when unknown */
	char		wwn[64];
	char		model[64];
	char		firmware[32];
	char		path[96];	/* by-path style: pci-...-scsi-0:0:1:0 */
	char		hctl[32];
	char		state[24];	/* running, offline, live, dead */
	int		ctrl;		/* index into ctrls, -1 */
};

struct topo {
	struct ctrl	c[TOPO_MAXCTRL];
	size_t		nc;
	struct disk	d[TOPO_MAXDISK];
	size_t		nd;
};

int	 topo_scan(const char *sysroot, struct topo *t, struct herr *e);
struct disk	*topo_disk(struct topo *t, const char *name);
struct disk	*topo_disk_hctl(struct topo *t, const char *hctl);
struct disk	*topo_disk_serial(struct topo *t, const char *serial);
/* The controller an IOC log name ("mpt3sas_cm0", "mpt2sas1") means. */
int	 topo_ctrl_ioc(const struct topo *t, const char *ioc);
/* A disk's stable identity: serial, else WWN, else its name. */
const char	*disk_id(const struct disk *d);

#endif
