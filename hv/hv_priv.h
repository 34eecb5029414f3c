/*
 * hv's own declarations, shared by its files (hv.c, migrate.c, probe.c,
 * volcopy.c); nothing outside hv/ includes this.
 */
#ifndef HANGAR_HV_PRIV_H
#define HANGAR_HV_PRIV_H

#include <libvirt/libvirt.h>

#include "hv/hv.h"
#include "lib/herr.h"

struct hv_watch;

struct hv_conn {
	virConnectPtr	 conn;
	char		*uri;
	uint64_t	 serial;	/* hv_open's count */
	struct hv_watch	*w;		/* events.c; NULL: not watched */
	int		 keepalive;	/* set up and supported */
};

/* events.c: stops a connection's callbacks (hv_close calls it first). */
void	hv_unwatch(struct hv_conn *c);
/* The name of a state's reason (virDomainGetState), as hv_dom has it. */
const char	*hv_reason_name(int state, int reason);

/* Milliseconds of CLOCK_MONOTONIC (migrate.c), for timeouts and pauses. */
int64_t		hv_mono_ms(void);

/* Fills e from libvirt's last error (what: the operation); returns -1. */
int		lv_err(struct herr *e, const char *what);
/* The domain by UUID (caller frees with virDomainFree), or NULL with e. */
virDomainPtr	lookup(struct hv_conn *c, const char *uuid, struct herr *e);

/* ---- migrate.c, shared with volcopy.c ---- */

/* The disk volume of a move: here, and its copy there. */
struct mdisk {
	char		 name[256];	/* the volume's name, in both pools */
	char		 src[1024];	/* its path here; "": no volume */
	char		 dst[1024];	/* its path there */
	virStorageVolPtr made;		/* the copy, when we made it */
	int		 same;		/* dst is src, on the same machine */
};

/* The test driver, in this process or behind a daemon (test+unix://). */
int	uri_is_test(const char *uri);
int	has_text(const char *s);
/* Whether two connections reach the same machine (unsure: yes). */
int	same_machine(virConnectPtr a, virConnectPtr b);
/* The volume at path: 1 (name, capacity, format), 0 not a volume, -1. */
int	vol_here(virConnectPtr conn, const char *path, char *name,
	    size_t namesize, unsigned long long *cap, char *fmt,
	    size_t fmtsize, struct herr *e);
/* The destination's pool, its volume list read again (virStoragePoolFree). */
virStoragePoolPtr pool_there(virConnectPtr conn, const char *pool,
	    struct herr *e);
/* The path of volume name in pool p: 1, 0 when there is none, -1. */
int	vol_path(virStoragePoolPtr p, const char *name, char *path,
	    size_t size, struct herr *e);
/* A move that failed: the copy made for it (md->made) is deleted. */
void	disk_undo(struct mdisk *md);
/* A move that worked: the volume here goes, unless it is the copy. */
void	disk_done(struct hv_conn *c, struct mdisk *md,
	    struct hv_migration *out);
/*
 * The guest as the destination runs it (*live) and keeps it (*persist),
 * its disk's and console log's paths there; both NULL when nothing
 * differs.
 */
int	dest_xmls(virDomainPtr src, struct hv_conn *c, const char *dst_uri,
	    const struct hv_migrate_opts *o, const struct mdisk *md,
	    char **live, char **persist, struct herr *e);
/* Test hosts: the definition (and running state) moved by hand. */
int	move_test(virDomainPtr src, struct hv_conn *dc, int active,
	    struct hv_migration *out, struct herr *e);

/*
 * ptycons.c: lab consoles of test-driver guests from ptys, with the
 * contract of hv_console_open / _send / _close (see hv.h).
 */
struct ptycons;
int	ptycons_wanted(const struct hv_conn *c);
int	ptycons_open(struct hv_conn *c, const char *uuid, int force,
	    hv_console_fn fn, void *arg, struct ptycons **out, struct herr *e);
long	ptycons_send(struct ptycons *pc, const char *buf, size_t n);
void	ptycons_close(struct ptycons *pc);
/* DIR/NAME.log for a test host's guest when lab consoles are on; -1 if not */
int	ptycons_log_path(const char *uri, const char *name, char *buf,
	    size_t size);

#endif
