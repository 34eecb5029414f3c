/*
 * Aligned text tables: collect rows, then print with column widths.
 * A plan of a large fleet has a row per guest: the cells are kept one
 * after another in one block of text (no allocation per cell), and
 * printed with fwrite() and padding rather than a printf() per cell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/table.h"

struct table {
	size_t	  ncols;
	size_t	 *cell;		/* row-major offsets into text, header first */
	size_t	  nrows;	/* header included */
	size_t	  cap;		/* rows cell has room for */
	char	 *text;		/* every cell, NUL-terminated */
	size_t	  tlen;
	size_t	  tcap;
	int	 *right;
	size_t	 *width;
};

/* Room for n more bytes of text. */
static void
text_room(struct table *t, size_t n)
{
	if (t->tlen + n <= t->tcap)
		return;
	while (t->tlen + n > t->tcap)
		t->tcap = t->tcap == 0 ? 4096 : t->tcap * 2;
	t->text = xreallocarray(t->text, t->tcap, 1);
}

/* Printable ASCII all through: copied as it is. */
static int
plain(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Appends cell s (sanitized) to the text; returns its length. */
static size_t
put_cell(struct table *t, const char *s)
{
	size_t len = strlen(s);

	text_room(t, len + 1);
	/* names come from files: never print control characters */
	if (plain(s, len))
		memcpy(t->text + t->tlen, s, len + 1);
	else {
		str_sanitize(t->text + t->tlen, len + 1, s);
		len = strlen(t->text + t->tlen);
	}
	return len;
}

static void
add(struct table *t, const char *const *cells, int header)
{
	size_t i, len;

	if (t->nrows == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cell = xreallocarray(t->cell, t->cap * t->ncols,
		    sizeof(size_t));
	}
	for (i = 0; i < t->ncols; i++) {
		const char *s = cells[i] != NULL ? cells[i] : "";

		if (header && *s == '>') {
			t->right[i] = 1;
			s++;
		}
		t->cell[t->nrows * t->ncols + i] = t->tlen;
		len = put_cell(t, s);
		t->tlen += len + 1;
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
	if (t == NULL)
		return;
	free(t->cell);
	free(t->text);
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

static void
pad(FILE *f, size_t n)
{
	static const char sp[] = "                                ";

	for (; n > sizeof(sp) - 1; n -= sizeof(sp) - 1)
		fwrite(sp, 1, sizeof(sp) - 1, f);
	fwrite(sp, 1, n, f);
}

void
table_print(const struct table *t, FILE *f, int indent)
{
	size_t r, i, len;

	for (r = 0; r < t->nrows; r++) {
		pad(f, indent > 0 ? (size_t)indent : 0);
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->text + t->cell[r * t->ncols + i];
			int last = i + 1 == t->ncols;

			len = strlen(c);
			if (t->right[i])
				pad(f, t->width[i] - len);
			fwrite(c, 1, len, f);
			if (!last && !t->right[i])
				pad(f, t->width[i] - len);
			if (!last)
				fwrite("  ", 1, 2, f);
		}
		fputc('\n', f);
	}
}
