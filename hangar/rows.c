/*
 * rows: `hangar guest list` of a whole fleet, fast.
 *
 * The table of 20,000 guests spent most of its time in json-c: 200,000
 * objects made, read once and freed, then a printf for every cell.  Here
 * the compact rows hangard sends for a table ([[field names], [values],
 * ...], strings and integers) are read straight from the reply's text
 * into one buffer, and the table is written with one fwrite a row.  The
 * output is byte for byte what render_guests prints for the same reply
 * (fuzz/hangar_rows.c checks it); anything but that simple form (objects,
 * floats, true/false/null, \u0000, surrogates, raw control bytes) is
 * left to render_guests.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hangar/hangar.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define NCOLS		9
#define CELL_MAX	256	/* as render.c's table: 255 bytes a cell */

static const char *keys[NCOLS] = { "name", "owner", "plan", "host", "kind",
	"vcpus", "ram_mib", "state", "uptime_s" };
static const char *heads[NCOLS] = { "NAME", "OWNER", "PLAN", "HOST", "KIND",
	"VCPUS", "RAM", "STATE", "UPTIME" };

/* A value of the reply: a string (decoded in place) or an integer. */
struct val {
	const char	*s;	/* NUL-terminated; digits for an integer */
	int		 is_int;
	int64_t		 n;
};

struct parser {
	char		*p, *end;
};

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
hex4(const char *h, unsigned int *out)
{
	unsigned int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = h[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string at ps->p ('"'), decoded in place; -1: not the simple form. */
static int
parse_string(struct parser *ps, struct val *v)
{
	char *in = ps->p + 1, *out = in;
	unsigned int cp;

	v->s = out;
	v->is_int = 0;
	for (;;) {
		if (in >= ps->end)
			return -1;
		unsigned char c = (unsigned char)*in;

		if (c == '"')
			break;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			*out++ = *in++;
			continue;
		}
		if (in + 1 >= ps->end)
			return -1;
		switch (in[1]) {
		case '"': *out++ = '"'; break;
		case '\\': *out++ = '\\'; break;
		case '/': *out++ = '/'; break;
		case 'b': *out++ = '\b'; break;
		case 'f': *out++ = '\f'; break;
		case 'n': *out++ = '\n'; break;
		case 'r': *out++ = '\r'; break;
		case 't': *out++ = '\t'; break;
		case 'u':
			if (ps->end - in < 6 || hex4(in + 2, &cp) == -1 ||
			    cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				return -1;
			if (cp < 0x80)
				*out++ = (char)cp;
			else if (cp < 0x800) {
				*out++ = (char)(0xc0 | cp >> 6);
				*out++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*out++ = (char)(0xe0 | cp >> 12);
				*out++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*out++ = (char)(0x80 | (cp & 0x3f));
			}
			in += 6;
			continue;
		default:
			return -1;
		}
		in += 2;
	}
	*out = '\0';		/* out <= in: the text is only ever shorter */
	ps->p = in + 1;
	return 0;
}

/* An integer as JSON writes it (no '-0', leading 0, fraction, exponent). */
static int
parse_int(struct parser *ps, struct val *v)
{
	char *q = ps->p;
	uint64_t u = 0;
	int neg = 0;

	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q >= ps->end || *q < '0' || *q > '9' ||
	    (*q == '0' && (neg || (q + 1 < ps->end && q[1] >= '0' &&
	    q[1] <= '9'))))
		return -1;
	for (; q < ps->end && *q >= '0' && *q <= '9'; q++) {
		if (u > (UINT64_MAX - 9) / 10)
			return -1;
		u = u * 10 + (uint64_t)(*q - '0');
	}
	if (q < ps->end && (*q == '.' || *q == 'e' || *q == 'E'))
		return -1;
	if (u > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -1;
	v->is_int = 1;
	v->n = neg ? (int64_t)(0 - u) : (int64_t)u;
	v->s = ps->p;
	ps->p = q;
	return 0;
}

/*
 * One array of scalars at ps->p ('['): its values into vals (at most
 * max; *n counts them all); -1 if it is not that.
 */
static int
parse_row(struct parser *ps, struct val *vals, size_t max, size_t *n)
{
	struct val v;
	char *vend, sep;

	*n = 0;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end)
			return -1;
		if (*ps->p == '"') {
			if (parse_string(ps, &v) == -1)
				return -1;
		} else if (parse_int(ps, &v) == -1)
			return -1;
		vend = ps->p;
		skip_ws(ps);
		if (ps->p >= ps->end || (*ps->p != ',' && *ps->p != ']'))
			return -1;
		sep = *ps->p++;
		if (v.is_int)
			*vend = '\0';	/* the digits end where the blank or
					   separator was: both read already */
		if (*n < max)
			vals[*n] = v;
		(*n)++;
		if (sep == ']')
			return 0;
	}
}

/* A cell as render.c's table keeps it: sanitized, at most 255 bytes. */
static size_t
cell(char *dst, const char *s)
{
	size_t i;

	for (i = 0; i < CELL_MAX - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0') {
			memcpy(dst, s, i);
			dst[i] = '\0';
			return i;
		}
		if (c < 0x20 || c >= 0x7f)
			break;		/* not plain ASCII: the long way */
	}
	str_sanitize(dst, CELL_MAX, s);
	return strlen(dst);
}

/* Display width: UTF-8 lead bytes, as render.c counts. */
static size_t
width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* The sanitized cells of the whole table, one after another. */
struct cells {
	char	*buf;
	size_t	 len, cap;
	size_t	*off;		/* rows * NCOLS offsets into buf */
	size_t	 rows, rcap;
	size_t	 w[NCOLS];
};

static void
add_row(struct cells *t, const char *vals[NCOLS])
{
	char tmp[CELL_MAX];
	size_t n, x;

	if (t->rows == t->rcap) {
		t->rcap = t->rcap ? t->rcap * 2 : 1024;
		t->off = xreallocarray(t->off, t->rcap * NCOLS,
		    sizeof(*t->off));
	}
	for (int i = 0; i < NCOLS; i++) {
		n = cell(tmp, vals[i]);
		if (t->len + n + 1 > t->cap) {
			t->cap = t->cap ? t->cap * 2 : 65536;
			while (t->len + n + 1 > t->cap)
				t->cap *= 2;
			t->buf = xreallocarray(t->buf, t->cap, 1);
		}
		memcpy(t->buf + t->len, tmp, n + 1);
		t->off[t->rows * NCOLS + (size_t)i] = t->len;
		t->len += n + 1;
		if ((x = width(tmp, n)) > t->w[i])
			t->w[i] = x;
	}
	t->rows++;
}

static int
print_cells(struct cells *t, FILE *out)
{
	char line[NCOLS * (CELL_MAX + 2 * CELL_MAX) + 2];
	size_t r, o, n, pad;
	const char *c;

	for (r = 0; r < t->rows; r++) {
		o = 0;
		for (int i = 0; i < NCOLS; i++) {
			c = t->buf + t->off[r * NCOLS + (size_t)i];
			n = strlen(c);
			memcpy(line + o, c, n);
			o += n;
			if (i == NCOLS - 1) {
				line[o++] = '\n';
				break;
			}
			pad = t->w[i] - width(c, n) + 2;
			memset(line + o, ' ', pad);
			o += pad;
		}
		if (fwrite(line, 1, o, out) != o)
			return -1;
	}
	return 0;
}

int
rows_render_guests(char *text, size_t len, FILE *out)
{
	struct parser ps = { text, text + len };
	struct cells t;
	struct val names[64], row[64];
	const char *vals[NCOLS];
	char ram[32], up[32], lastram[32] = "";
	int idx[NCOLS], ok = -1, havemib = 0;
	int64_t lastmib = 0;	/* RAM repeats: its text is kept */
	size_t n, i;
	const struct val *v;

	memset(&t, 0, sizeof(t));
	skip_ws(&ps);
	if (ps.p >= ps.end || *ps.p != '[')
		return -1;
	ps.p++;
	skip_ws(&ps);
	add_row(&t, heads);
	if (ps.p < ps.end && *ps.p == ']') {
		ps.p++;
		goto done;		/* no guests at all */
	}
	/* the names row first: where each column is (the last one named) */
	if (ps.p >= ps.end || *ps.p != '[' ||
	    parse_row(&ps, names, 64, &n) == -1 || n > 64)
		goto out;
	for (int k = 0; k < NCOLS; k++) {
		idx[k] = -1;
		for (i = 0; i < n; i++)
			if (!names[i].is_int && strcmp(names[i].s, keys[k]) == 0)
				idx[k] = (int)i;
	}
	for (;;) {
		skip_ws(&ps);
		if (ps.p >= ps.end)
			goto out;
		if (*ps.p == ']') {
			ps.p++;
			break;
		}
		if (*ps.p != ',')
			goto out;
		ps.p++;
		skip_ws(&ps);
		if (ps.p >= ps.end || *ps.p != '[' ||
		    parse_row(&ps, row, 64, &n) == -1 || n > 64)
			goto out;
		for (int k = 0; k < NCOLS; k++) {
			v = idx[k] >= 0 && (size_t)idx[k] < n ? &row[idx[k]] :
			    NULL;
			if (k == 6 || k == 8) {
				if (v != NULL && !v->is_int)
					goto out;	/* json-c would read a number */
				continue;
			}
			vals[k] = v != NULL ? v->s : "";
		}
		v = idx[6] >= 0 && (size_t)idx[6] < n ? &row[idx[6]] : NULL;
		if (!havemib || (v != NULL ? v->n : 0) != lastmib) {
			havemib = 1;
			lastmib = v != NULL ? v->n : 0;
			str_fmt_mib(lastram, sizeof(lastram), lastmib < 0 ? 0 :
			    (uint64_t)lastmib);
		}
		memcpy(ram, lastram, sizeof(ram));
		vals[6] = ram;
		v = idx[8] >= 0 && (size_t)idx[8] < n ? &row[idx[8]] : NULL;
		vals[8] = strcmp(vals[7], "running") == 0 ? str_fmt_uptime(up,
		    sizeof(up), v != NULL ? v->n : 0) : "-";
		add_row(&t, vals);
	}
done:
	skip_ws(&ps);
	if (ps.p != ps.end)
		goto out;
	ok = print_cells(&t, out) == 0 ? 0 : 1;
out:
	free(t.buf);
	free(t.off);
	return ok;
}
