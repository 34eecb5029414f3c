/*
 * prom: Prometheus textfile-collector output (node_exporter convention:
 * written to NAME.prom.tmp, then renamed over NAME.prom).
 */
#ifndef HANGAR_HEALTH_PROM_H
#define HANGAR_HEALTH_PROM_H

#include <stdio.h>

#include "lib/herr.h"
#include "health/corr.h"

void	 prom_write_to(FILE *f, const struct corr *c, size_t spooled);
int	 prom_write(const char *path, const struct corr *c, size_t spooled,
	    struct herr *e);

#endif
