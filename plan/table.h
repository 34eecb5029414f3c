/* table: aligned text tables for the human output of plan_cli_main. */
#ifndef HANGAR_PLAN_TABLE_H
#define HANGAR_PLAN_TABLE_H

#include <stdio.h>

struct table;

/* header: column titles; a title starting with '>' is right-aligned. */
struct table	*table_new(size_t ncols, const char *const *header);
void		 table_free(struct table *);
/* Adds a row of ncols cells (copied). */
void		 table_row(struct table *, const char *const *cells);
size_t		 table_rows(const struct table *);
/* Prints the table, each line indented by indent spaces. */
void		 table_print(const struct table *, FILE *, int indent);

#endif
