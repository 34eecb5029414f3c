/*
 * kmsg: /dev/kmsg records ("prio,seq,usec,flags;message") and the kernel
 * messages hangar-health acts on.  Pure: one line in, one event out.
 */
#ifndef HANGAR_HEALTH_KMSG_H
#define HANGAR_HEALTH_KMSG_H

#include <stddef.h>
#include <stdint.h>

#define KEV_TEXTLEN	200

struct kmsg {
	int		 prio;		/* syslog level (facility removed) */
	uint64_t	 seq;
	uint64_t	 usec;		/* since boot */
	const char	*msg;		/* into the caller's line */
	size_t		 msglen;
};

enum kev_type {
	KEV_NONE = 0,
	KEV_MD_DISK_FAILURE,	/* md/raid:md0: Disk failure on sdc, ... */
	KEV_MD_CANNOT_CONTINUE,	/* ... Cannot continue operation (4/6 failed) */
	KEV_MD_CONTINUING,	/* ... Operation continuing on 5 devices */
	KEV_MD_SYNC_DONE,	/* md: md0: recovery done. / resync done. */
	KEV_MD_SYNC_START,	/* md: recovery of RAID array md0 */
	KEV_MD_READ_ERROR,	/* raid1/10: read error corrected / redirecting */
	KEV_SCSI_OFFLINE,	/* sd H:C:T:L: rejecting I/O to offline device */
	KEV_IO_ERROR,		/* I/O error, dev sdc, sector 8 ... */
	KEV_MEDIUM_ERROR,	/* critical medium error, dev sdg, sector ... */
	KEV_ATA_LINK,		/* ataN: hard resetting link / SATA link down */
	KEV_ATA_ERROR,		/* ataN.DD: failed command / exception Emask */
	KEV_CTRL_FAULT,		/* mpt3sas_cm0: fault_state(0x2666)! */
	KEV_CTRL_RESET,		/* sending diag reset / diag reset: SUCCESS */
	KEV_CTRL_RESET_FAILED,	/* hard reset: failed / diag reset: FAILED */
	KEV_CTRL_TIMEOUT,	/* _base_event_notification: timeout */
	KEV_XEN_WARN,		/* (XEN) Xen WARN at msi.c:510 */
	KEV__MAX
};

struct kevent {
	enum kev_type	type;
	uint64_t	usec;
	char		array[32];	/* md0 */
	char		dev[32];	/* sdc, dm-0 */
	char		hctl[32];	/* 7:0:0:0 */
	char		ctrl[32];	/* mpt3sas_cm0, ata2 */
	long long	a, b;		/* failed/total, sector, fault code */
	char		text[KEV_TEXTLEN];	/* the message, sanitized */
};

/* Parses one record (its first line); 0 or -1 when malformed. */
int	 kmsg_parse(const char *line, size_t len, struct kmsg *out);
/* Classifies a record; ev->type is KEV_NONE for anything else. */
void	 kmsg_classify(const struct kmsg *k, struct kevent *ev);
const char	*kev_name(enum kev_type t);

#endif
