/*
 * hv's own declarations, shared by its files (hv.c, migrate.c); nothing
 * outside hv/ includes this.
 */
#ifndef HANGAR_HV_PRIV_H
#define HANGAR_HV_PRIV_H

#include <libvirt/libvirt.h>

#include "hv/hv.h"
#include "lib/herr.h"

struct hv_conn {
	virConnectPtr	 conn;
	char		*uri;
};

/* Fills e from libvirt's last error (what: the operation); returns -1. */
int		lv_err(struct herr *e, const char *what);
/* The domain by UUID (caller frees with virDomainFree), or NULL with e. */
virDomainPtr	lookup(struct hv_conn *c, const char *uuid, struct herr *e);

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
