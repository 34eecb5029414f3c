/* Shared by the output halves of plan_cli_main (cli.c, cli_roll.c). */
#ifndef HANGAR_PLAN_CLI_INT_H
#define HANGAR_PLAN_CLI_INT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "plan/jout.h"
#include "plan/plan.h"

/* "1h02m03s", "4m05s", "6s" */
const char	*fmt_dur(char *buf, size_t size, double s);

/*
 * Every host's name quoted once, one after another in text: a host
 * shows in thousands of rows.
 */
struct qhosts {
	char	*text;
	size_t	*off;		/* host -> its quoted name in text */
	size_t	*len;
};

void	 qhosts_init(struct qhosts *, const struct plan_cluster *);
void	 qhosts_free(struct qhosts *);

/*
 * Text kept in memory as written, in pieces of jout's buffer size: a
 * buffer grown by doubling (open_memstream) touched and copied twice
 * what it held, some 4 MB for a 2 MB half at 40,000 guests.
 * pieces_write() is a cookie write function (fopencookie(3));
 * pieces_out() writes the pieces to f and frees them.
 */
struct pieces {
	char	**p;
	size_t	 *len;
	size_t	  n;
	size_t	  cap;
};

ssize_t	 pieces_write(void *cookie, const char *buf, size_t n);
void	 pieces_out(struct pieces *, FILE *);

/* A JSON array of the n strings. */
void	 jout_strings(struct jout *, char *const *v, size_t n);
/* "mode", "all_reboot_s", "floor_s" and "notes" of a summary. */
void	 maint_cost_json(struct jout *, const struct plan_maintenance *);
/* The cost line and the notes, after a summary. */
void	 maint_cost_human(const struct plan_maintenance *);

/* A FORWARD plan as tables, or as JSON (cli_roll.c). */
/* one_step: the first batch only (its moves too), the summary whole. */
void	 roll_human(const struct plan_cluster *,
	    const struct plan_maint_opts *, const struct plan_maintenance *,
	    int one_step);
void	 roll_json(const struct plan_cluster *,
	    const struct plan_maint_opts *, const struct plan_maintenance *,
	    int one_step);

#endif
