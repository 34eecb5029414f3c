/*
 * hv's own declarations, shared by its files (hv.c, migrate.c); nothing
 * outside hv/ includes this.
 */
#ifndef HANGAR_HV_PRIV_H
#define HANGAR_HV_PRIV_H

#include <libvirt/libvirt.h>

#include "lib/herr.h"

struct hv_conn {
	virConnectPtr	 conn;
	char		*uri;
};

/* Fills e from libvirt's last error (what: the operation); returns -1. */
int		lv_err(struct herr *e, const char *what);
/* The domain by UUID (caller frees with virDomainFree), or NULL with e. */
virDomainPtr	lookup(struct hv_conn *c, const char *uuid, struct herr *e);

#endif
