/* Aligned text tables: collect rows, then print with column widths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/table.h"

struct table {
	size_t	  ncols;
	char	**cells;	/* row-major, header first */
	size_t	  nrows;	/* header included */
	size_t	  cap;
	int	 *right;
	size_t	 *width;
};

static void
add(struct table *t, const char *const *cells, int header)
{
	size_t i, len;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols,
		    sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++) {
		const char *s = cells[i] != NULL ? cells[i] : "";
		char *c;

		if (header && *s == '>') {
			t->right[i] = 1;
			s++;
		}
		/* names come from files: never print control characters */
		len = strlen(s) + 1;
		c = xmalloc(len);
		str_sanitize(c, len, s);
		t->cells[t->nrows * t->ncols + i] = c;
		len = strlen(c);
		if (len > t->width[i])
			t->width[i] = len;
	}
	t->nrows++;
}

struct table *
table_new(size_t ncols, const char *const *header)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	t->right = xcalloc(ncols, sizeof(int));
	t->width = xcalloc(ncols, sizeof(size_t));
	add(t, header, 1);
	return t;
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t->width);
	free(t);
}

void
table_row(struct table *t, const char *const *cells)
{
	add(t, cells, 0);
}

size_t
table_rows(const struct table *t)
{
	return t->nrows - 1;
}

void
table_print(const struct table *t, FILE *f, int indent)
{
	size_t r, i;

	for (r = 0; r < t->nrows; r++) {
		fprintf(f, "%*s", indent, "");
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];
			int w = (int)t->width[i];
			int last = i + 1 == t->ncols;

			if (t->right[i])
				fprintf(f, "%*s", w, c);
			else if (last)
				fputs(c, f);
			else
				fprintf(f, "%-*s", w, c);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}
