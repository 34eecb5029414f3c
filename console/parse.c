/*
 * parse: the console's command line, git-shell style.  Nothing here
 * echoes the input back: refusals name the rule, never the bytes.
 */
#include <string.h>

#include "console/console.h"
#include "lib/str.h"

struct word {
	const char	*p;
	size_t		 len;
};

/* Only [a-z0-9-]: no control bytes, no UTF-8, no upper case. */
static int
word_clean(const struct word *w)
{
	size_t i;

	for (i = 0; i < w->len; i++) {
		unsigned char c = (unsigned char)w->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return 0;
	}
	return 1;
}

static int
word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->p, s, w->len) == 0;
}

/* A decimal number in [1, max] made of digits only, or -1. */
static int
word_number(const struct word *w, int max)
{
	size_t i;
	int v = 0;

	if (w->len == 0 || w->len > 5 || w->p[0] == '0')
		return -1;
	for (i = 0; i < w->len; i++) {
		if (w->p[i] < '0' || w->p[i] > '9')
			return -1;
		v = v * 10 + (w->p[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Splits on ' ' only; fails when there are more than max words. */
static int
split(const char *line, size_t len, struct word *w, size_t max, size_t *n)
{
	size_t i = 0, start;

	*n = 0;
	while (i < len) {
		if (line[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		if (*n == max)
			return -1;
		w[*n].p = line + start;
		w[(*n)++].len = i - start;
	}
	return 0;
}

const struct cmd *
cmd_menu_row(const struct cmd *table, int n)
{
	int i = 0;

	for (; table->name != NULL; table++)
		if ((table->flags & (CMD_MENU | CMD_HIDDEN)) == CMD_MENU &&
		    ++i == n)
			return table;
	return NULL;
}

int
cmd_menu_number(const struct cmd *table, const struct cmd *row)
{
	int i = 0;

	for (; table->name != NULL; table++) {
		if ((table->flags & (CMD_MENU | CMD_HIDDEN)) == CMD_MENU)
			i++;
		if (table == row)
			return (row->flags & (CMD_MENU | CMD_HIDDEN)) ==
			    CMD_MENU ? i : 0;
	}
	return 0;
}

/* The row the first word names in this mode, or NULL. */
static const struct cmd *
find_cmd(const struct cmd *table, enum cmd_mode mode, const struct word *w)
{
	static const struct word help = { "help", 4 };
	const struct cmd *c;
	int n;

	if (mode == MODE_MENU) {
		if (word_is(w, "?"))
			w = &help;
		else if ((n = word_number(w, 99)) > 0)
			return cmd_menu_row(table, n);
	}
	if (!word_clean(w))
		return NULL;
	for (c = table; c->name != NULL; c++) {
		if (!word_is(w, c->name) || (c->flags & CMD_HIDDEN))
			continue;
		if (mode == MODE_CLI && !(c->flags & CMD_CLI))
			return NULL;
		if (mode == MODE_MENU && !(c->flags & (CMD_MENU | CMD_WORD)))
			return NULL;
		return c;
	}
	return NULL;
}

const char *
cmd_choice(const char *s, size_t len)
{
	/* a window: "window-N", its host's or another, where it reboots */
	static const char *const choices[] = { CHOICE_MIGRATE, CHOICE_REBOOT,
	    "window-1", "window-2", "window-3", "window-4", "window-5",
	    "window-6", "window-7", "window-8", "window-9", "window-10",
	    "window-11", "window-12", "window-13", "window-14", "window-15",
	    "window-16" };
	size_t i;

	for (i = 0; i < sizeof(choices) / sizeof(choices[0]); i++)
		if (len == strlen(choices[i]) && memcmp(s, choices[i], len) == 0)
			return choices[i];
	return NULL;
}

static int
usage(const struct cmd *c, struct herr *e)
{
	return herr_set(e, HERR_USAGE, "usage: %s%s%s", c->name,
	    c->usage[0] ? " " : "", c->usage);
}

int
cmd_parse(const struct cmd *table, enum cmd_mode mode, const char *line,
    size_t len, struct cmd_req *req, struct herr *e)
{
	struct word w[CMD_MAX_WORDS];
	const struct word *name = NULL, *image = NULL, *choice = NULL;
	const struct cmd *c;
	size_t n, i;
	int v;

	memset(w, 0, sizeof(w));	/* -O3 cannot see split() fill them */
	memset(req, 0, sizeof(*req));
	req->force_after = -1;
	if (len > CMD_MAX_INPUT)
		return herr_set(e, HERR_USAGE, "input too long (at most %d "
		    "bytes)", CMD_MAX_INPUT);
	if (split(line, len, w, CMD_MAX_WORDS, &n) == -1)
		return herr_set(e, HERR_USAGE, "too many words");
	if (n == 0)
		return 0;
	if ((c = find_cmd(table, mode, &w[0])) == NULL)
		return herr_set(e, HERR_USAGE, "unknown command; type %s for "
		    "help", mode == MODE_MENU ? "?" : "'help'");
	for (i = 1; i < n; i++) {
		if ((c->flags & CMD_JSON) && word_is(&w[i], "--json")) {
			if (req->json)
				return usage(c, e);
			req->json = 1;
		} else if ((c->flags & CMD_TAKE) && word_is(&w[i], "--force")) {
			if (req->force)
				return usage(c, e);
			req->force = 1;
		} else if ((c->flags & CMD_FORCE) &&
		    word_is(&w[i], "--force-after")) {
			if (req->force_after != -1 || i + 1 == n)
				return usage(c, e);
			/* 0 is allowed: never force */
			v = word_is(&w[++i], "0") ? 0 :
			    word_number(&w[i], CMD_FORCE_MAX);
			if (v < 0)
				return herr_set(e, HERR_USAGE, "--force-after "
				    "takes seconds, 0 to %d", CMD_FORCE_MAX);
			req->force_after = v;
		} else if ((c->flags & CMD_IMAGE) && name != NULL &&
		    image == NULL && w[i].p[0] != '-') {
			image = &w[i];
		} else if ((c->flags & CMD_CHOICE) && name != NULL &&
		    choice == NULL && w[i].p[0] != '-') {
			/* only here, after the VPS: checked below */
			choice = &w[i];
		} else if (!(c->flags & CMD_VPS) || name != NULL) {
			/* not the table's flag, and no room for a name */
			return usage(c, e);
		} else
			name = &w[i];
	}
	if (name == NULL && mode == MODE_CLI && (c->flags & CMD_VPS))
		return usage(c, e);
	if (name != NULL) {
		/* '-'-words, upper case, UTF-8, controls, too long: no name */
		if (name->len > CMD_NAME_MAX || !word_clean(name))
			return herr_set(e, HERR_NOTFOUND, NO_SUCH_VPS);
		memcpy(req->vps, name->p, name->len);
		req->vps[name->len] = '\0';
		if (!str_is_name(req->vps)) {
			req->vps[0] = '\0';
			return herr_set(e, HERR_NOTFOUND, NO_SUCH_VPS);
		}
	}
	/* the VPS is answered for first: "no such VPS" before the image */
	if (image != NULL) {
		if (image->len > CMD_NAME_MAX || !word_clean(image) ||
		    image->len == 0) {
			req->vps[0] = '\0';
			return herr_set(e, HERR_NOTFOUND, "no such image");
		}
		memcpy(req->image, image->p, image->len);
		req->image[image->len] = '\0';
		if (!str_is_name(req->image)) {
			req->vps[0] = req->image[0] = '\0';
			return herr_set(e, HERR_NOTFOUND, "no such image");
		}
	}
	/* a word that is not a choice is refused without being echoed */
	if (choice != NULL && (req->choice = cmd_choice(choice->p,
	    choice->len)) == NULL) {
		req->vps[0] = req->image[0] = '\0';
		return usage(c, e);
	}
	req->cmd = c;
	return 0;
}

int
cmd_pick(const char *const *names, size_t n, const char *line, size_t len,
    size_t *idx, struct herr *e)
{
	struct word w[2];
	size_t nw, i;
	int v;

	memset(w, 0, sizeof(w));
	if (len > CMD_MAX_INPUT || split(line, len, w, 1, &nw) == -1 ||
	    nw != 1)
		return herr_set(e, HERR_NOTFOUND, NO_SUCH_VPS);
	if ((v = word_number(&w[0], 9999)) > 0) {
		if ((size_t)v > n)
			return herr_set(e, HERR_NOTFOUND, NO_SUCH_VPS);
		*idx = (size_t)v - 1;
		return 0;
	}
	if (w[0].len > CMD_NAME_MAX || !word_clean(&w[0]))
		return herr_set(e, HERR_NOTFOUND, NO_SUCH_VPS);
	for (i = 0; i < n; i++)
		if (word_is(&w[0], names[i])) {
			*idx = i;
			return 0;
		}
	return herr_set(e, HERR_NOTFOUND, NO_SUCH_VPS);
}
