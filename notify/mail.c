/*
 * mail: strict RFC 5322 builder (see mail.h for the rules it enforces).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "notify/mail.h"

#define MAIL_MAXNAME	40	/* "Name: " + an encoded-word fit in 78 */
#define MAIL_MAXVALUE	4000
#define MAIL_MAXBLANKS	16	/* longer runs could not be folded */
#define EW_MAX		75	/* RFC 2047: an encoded-word is <= 75 chars */
#define EW_PREFIX	"=?UTF-8?Q?"
#define EW_OVERHEAD	12	/* "=?UTF-8?Q?" + "?=" */

enum hkind { HK_TEXT, HK_ADDR, HK_MSGID, HK_REFUSED };

struct hdr {
	char		*name;
	char		*value;
};

struct mail {
	struct hdr	 h[MAIL_MAXHDRS];
	size_t		 nh;
	char		*body;
	time_t		 date;
	int		 have_date;
};

struct buf {
	char		*p;
	size_t		 len, cap;
};

static const char *singletons[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID",
	"In-Reply-To", "References", "Subject", NULL
};
static const char *addr_fields[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc", NULL
};
static const char *refused_fields[] = {
	"Date", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	NULL
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int
in_list(const char *name, const char **list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static enum hkind
header_kind(const char *name)
{
	if (in_list(name, refused_fields))
		return HK_REFUSED;
	if (in_list(name, addr_fields))
		return HK_ADDR;
	if (strcasecmp(name, "Message-ID") == 0 ||
	    strcasecmp(name, "In-Reply-To") == 0 ||
	    strcasecmp(name, "References") == 0)
		return HK_MSGID;
	return HK_TEXT;
}

/* Length of the valid UTF-8 character at s (not C1), or 0. */
static size_t
utf8_char(const unsigned char *s)
{
	uint32_t cp;
	size_t n = str_utf8_decode(s, &cp);

	return n > 0 && cp >= 0x80 && cp < 0xa0 ? 0 : n;
}

int
mail_check_name(const char *name, struct herr *e)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return herr_set(e, HERR_USAGE, "empty header name");
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i >= MAIL_MAXNAME)
			return herr_set(e, HERR_USAGE, "header name too long");
		if (c < 33 || c > 126 || c == ':')
			return herr_set(e, HERR_USAGE,
			    "bad character 0x%02x in header name", c);
	}
	return 0;
}

int
mail_check_value(const char *value, struct herr *e)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n, blanks = 0;

	if (value == NULL)
		return herr_set(e, HERR_USAGE, "missing header value");
	if (strlen(value) > MAIL_MAXVALUE)
		return herr_set(e, HERR_USAGE, "header value too long");
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t') {
			if (++blanks > MAIL_MAXBLANKS)
				return herr_set(e, HERR_USAGE,
				    "over %d blanks in a row in header value",
				    MAIL_MAXBLANKS);
		} else
			blanks = 0;
		if (*s == '\r' || *s == '\n')
			return herr_set(e, HERR_USAGE,
			    "CR or LF in header value");
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			return herr_set(e, HERR_USAGE,
			    "control character 0x%02x in header value", *s);
		if ((n = utf8_char(s)) == 0)
			return herr_set(e, HERR_USAGE,
			    "invalid UTF-8 or C1 control in header value");
		s += n;
	}
	return 0;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot-atom-text of n chars at s. */
static int
is_dot_atom(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* ---- addresses: the one grammar (mail.h) ---- */

static int
is_letdig(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Why byte c cannot be where it is, for an error message. */
static void
addr_bad_char(struct herr *e, unsigned char c, const char *where)
{
	if (c > 32 && c < 127)
		herr_set(e, HERR_USAGE, "not an email address: '%c' in the "
		    "%s", c, where);
	else
		herr_set(e, HERR_USAGE, "not an email address: byte 0x%02x in "
		    "the %s", c, where);
}

/* RFC 5321 Domain: letter-digit-hyphen labels of 1-63, dot-separated. */
static int
check_domain(const char *d, size_t n, struct herr *e)
{
	size_t i, lab = 0;

	if (n == 0)
		return herr_set(e, HERR_USAGE, "not an email address: no "
		    "domain after '@'");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (lab == 0)
				return herr_set(e, HERR_USAGE, "not an email "
				    "address: empty label in the domain");
			if (d[i - 1] == '-')
				return herr_set(e, HERR_USAGE, "not an email "
				    "address: a domain label ends in '-'");
			lab = 0;
			continue;
		}
		if (!is_letdig(c) && c != '-') {
			addr_bad_char(e, c, c == '[' ? "domain (address "
			    "literals are not accepted)" : "domain");
			return -1;
		}
		if (lab == 0 && c == '-')
			return herr_set(e, HERR_USAGE, "not an email address: a "
			    "domain label starts with '-'");
		if (++lab > 63)
			return herr_set(e, HERR_USAGE, "not an email address: a "
			    "domain label is longer than 63");
	}
	if (lab == 0)
		return herr_set(e, HERR_USAGE, "not an email address: the "
		    "domain ends in '.'");
	if (d[n - 1] == '-')
		return herr_set(e, HERR_USAGE, "not an email address: a domain "
		    "label ends in '-'");
	return 0;
}

/* An addr-spec of n bytes at a (not NUL-terminated). */
static int
check_addr(const char *a, size_t n, struct herr *e)
{
	const char *at;
	size_t local, i;

	if (n == 0)
		return herr_set(e, HERR_USAGE, "not an email address: empty");
	if (n > MAIL_ADDR_MAX)
		return herr_set(e, HERR_USAGE, "not an email address: longer "
		    "than %d characters", MAIL_ADDR_MAX);
	if ((at = memchr(a, '@', n)) == NULL)
		return herr_set(e, HERR_USAGE, "not an email address: no '@'");
	local = (size_t)(at - a);
	if (local == 0)
		return herr_set(e, HERR_USAGE, "not an email address: nothing "
		    "before '@'");
	if (local > 64)
		return herr_set(e, HERR_USAGE, "not an email address: the part "
		    "before '@' is longer than 64");
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c == '.') {
			if (i == 0 || i + 1 == local || a[i + 1] == '.')
				return herr_set(e, HERR_USAGE, "not an email "
				    "address: misplaced '.' before '@'");
		} else if (!is_atext(c)) {
			addr_bad_char(e, c, c == '"' ? "part before '@' "
			    "(quoted local parts are not accepted)" :
			    "part before '@'");
			return -1;
		}
		if (c == '=' && i + 1 < local && a[i + 1] == '?')
			return herr_set(e, HERR_USAGE, "not an email address: "
			    "'=?' (it would read as an encoded-word)");
	}
	return check_domain(at + 1, n - local - 1, e);
}

int
mail_check_addr(const char *addr, struct herr *e)
{
	if (addr == NULL)
		return herr_set(e, HERR_USAGE, "not an email address: empty");
	return check_addr(addr, strlen(addr), e);
}

/*
 * Walks an address field: a comma-separated list of mailboxes, each an
 * addr-spec or a display name (atoms, '.', quoted strings) followed by
 * <addr-spec>; blanks between.  No groups, comments, routes or
 * encoded-words.  fn (may be NULL) gets each addr-spec; 0 or -1.
 */
static int
walk_addrs(const char *v, int (*fn)(const char *, size_t, void *),
    void *arg, struct herr *e)
{
	const char *p = v, *a;
	size_t n, count = 0;
	int words, odd;		/* odd: '.' or '@' outside quotes */

	if (strstr(v, "=?") != NULL)
		return herr_set(e, HERR_USAGE, "'=?' in an address field (no "
		    "encoded-words there)");
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		/* a display name, or the addr-spec itself */
		a = p;
		words = odd = 0;
		for (;;) {
			if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\\' && p[1] > 31 &&
					    p[1] < 127)
						p++;
					else if (*p == '\0' || *p == '\\')
						return herr_set(e, HERR_USAGE,
						    "unfinished quoted name in "
						    "an address field");
				}
				p++;
			} else if (is_atext((unsigned char)*p) || *p == '.' ||
			    *p == '@') {
				while (is_atext((unsigned char)*p) ||
				    *p == '.' || *p == '@') {
					if (*p == '.' || *p == '@')
						odd = 1;
					p++;
				}
			} else
				break;
			words++;
			while (*p == ' ' || *p == '\t')
				p++;
		}
		if (*p == '<') {
			if (odd)
				return herr_set(e, HERR_USAGE, "a display "
				    "name with '.' or '@' must be quoted");
			a = ++p;
			p += strcspn(p, ">");
			if (*p != '>')
				return herr_set(e, HERR_USAGE, "'<' without "
				    "'>' in an address field");
			n = (size_t)(p - a);
			if (memchr(a, '<', n) != NULL)
				return herr_set(e, HERR_USAGE, "'<' inside "
				    "<...> in an address field");
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
		} else {
			/* a bare addr-spec: one word, nothing else */
			n = (size_t)(p - a);
			while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
				n--;
			if (words != 1) {
				if (*p != ',' && *p != '\0')
					addr_bad_char(e, (unsigned char)*p,
					    "address field");
				else
					herr_set(e, HERR_USAGE, "a name "
					    "without <address> in an address "
					    "field");
				return -1;
			}
		}
		if (check_addr(a, n, e) == -1)
			return -1;
		if (++count > MAIL_MAXRCPT)
			return herr_set(e, HERR_USAGE, "more than %d addresses "
			    "in a field", MAIL_MAXRCPT);
		if (fn != NULL && fn(a, n, arg) == -1)
			return herr_set(e, HERR_CAPACITY, "more than %d "
			    "recipients", MAIL_MAXRCPT);
		if (*p == '\0')
			return 0;
		if (*p != ',') {
			addr_bad_char(e, (unsigned char)*p, "address field");
			return -1;
		}
		p++;
	}
}

static int
env_add(const char *a, size_t n, void *arg)
{
	struct mail_env *env = arg;

	for (size_t i = 0; i < env->nrcpt; i++)
		if (strlen(env->rcpt[i]) == n && memcmp(env->rcpt[i], a, n) == 0)
			return 0;	/* each once */
	if (env->nrcpt >= MAIL_MAXRCPT)
		return -1;
	memcpy(env->rcpt[env->nrcpt], a, n);
	env->rcpt[env->nrcpt++][n] = '\0';
	return 0;
}

static int
env_from(const char *a, size_t n, void *arg)
{
	struct mail_env *env = arg;

	if (env->from[0] == '\0') {
		memcpy(env->from, a, n);
		env->from[n] = '\0';
	}
	return 0;
}

static const char *find_header(const struct mail *, const char *);

int
mail_envelope(const struct mail *m, struct mail_env *env, struct herr *e)
{
	static const char *rcpt_fields[] = { "To", "Cc", "Bcc" };
	const char *v;

	memset(env, 0, sizeof(*env));
	if ((v = find_header(m, "From")) == NULL)
		return herr_set(e, HERR_USAGE, "a mail needs a From header");
	if (walk_addrs(v, env_from, env, e) == -1)
		return -1;
	for (size_t i = 0; i < 3; i++)
		if ((v = find_header(m, rcpt_fields[i])) != NULL &&
		    walk_addrs(v, env_add, env, e) == -1)
			return -1;
	if (env->nrcpt == 0)
		return herr_set(e, HERR_USAGE, "a mail needs a recipient");
	return 0;
}

int
mail_check_mailboxes(const char *value, struct herr *e)
{
	if (mail_check_value(value, e) == -1)
		return -1;
	if (!is_ascii(value))
		return herr_set(e, HERR_USAGE, "an address field must be "
		    "ASCII");
	return walk_addrs(value, NULL, NULL, e);
}

/* "<left@right>" with dot-atom-text on both sides. */
static int
is_msgid(const char *s, size_t n)
{
	const char *at;

	if (n < 5 || s[0] != '<' || s[n - 1] != '>')
		return 0;
	at = memchr(s, '@', n);
	if (at == NULL || memchr(at + 1, '@', n - (size_t)(at + 1 - s)) != NULL)
		return 0;
	return is_dot_atom(s + 1, (size_t)(at - s - 1)) &&
	    is_dot_atom(at + 1, (size_t)(s + n - 1 - at - 1));
}

static int
check_msgids(const char *name, const char *v, struct herr *e)
{
	size_t n, count = 0;

	for (;;) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			break;
		n = strcspn(v, " \t");
		if (!is_msgid(v, n))
			return herr_set(e, HERR_USAGE, "%s: bad msg-id", name);
		count++;
		v += n;
	}
	if (count == 0 || (count > 1 && strcasecmp(name, "Message-ID") == 0))
		return herr_set(e, HERR_USAGE, "%s: want one msg-id", name);
	return 0;
}

static int
check_words(const char *name, const char *v, struct herr *e)
{
	const char *ws;
	size_t n;

	for (;;) {
		ws = v;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			return 0;
		n = strcspn(v, " \t");
		/* blanks and word must fit on a continuation line */
		if ((v > ws ? (size_t)(v - ws) : 1) + n > MAIL_FOLD)
			return herr_set(e, HERR_USAGE, "%s: word too long",
			    name);
		v += n;
	}
}

struct mail *
mail_new(void)
{
	return xcalloc(1, sizeof(struct mail));
}

void
mail_free(struct mail *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nh; i++) {
		free(m->h[i].name);
		free(m->h[i].value);
	}
	free(m->body);
	free(m);
}

static const char *
find_header(const struct mail *m, const char *name)
{
	for (size_t i = 0; i < m->nh; i++)
		if (strcasecmp(m->h[i].name, name) == 0)
			return m->h[i].value;
	return NULL;
}

int
mail_header(struct mail *m, const char *name, const char *value,
    struct herr *e)
{
	enum hkind kind;
	struct herr ae;

	if (mail_check_name(name, e) == -1 || mail_check_value(value, e) == -1)
		return -1;
	kind = header_kind(name);
	if (kind == HK_REFUSED)
		return herr_set(e, HERR_USAGE, "%s is set by the builder",
		    name);
	if (in_list(name, singletons) && find_header(m, name) != NULL)
		return herr_set(e, HERR_EXISTS, "a second %s header", name);
	if (m->nh >= MAIL_MAXHDRS)
		return herr_set(e, HERR_CAPACITY, "too many headers");
	if (kind != HK_TEXT && !is_ascii(value))
		return herr_set(e, HERR_USAGE, "%s: must be ASCII", name);
	if (kind == HK_ADDR && walk_addrs(value, NULL, NULL, &ae) == -1)
		return herr_set(e, HERR_USAGE, "%s: %s", name, ae.msg);
	if (kind == HK_MSGID && check_msgids(name, value, e) == -1)
		return -1;
	if (kind != HK_TEXT && check_words(name, value, e) == -1)
		return -1;
	m->h[m->nh].name = xstrdup(name);
	m->h[m->nh].value = xstrdup(value);
	m->nh++;
	return 0;
}

int
mail_body(struct mail *m, const char *text, struct herr *e)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n;

	while (*s != '\0') {
		if (*s == '\r' && s[1] != '\n')
			return herr_set(e, HERR_USAGE, "bare CR in body");
		if ((*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') ||
		    *s == 0x7f)
			return herr_set(e, HERR_USAGE,
			    "control character 0x%02x in body", *s);
		if ((n = utf8_char(s)) == 0)
			return herr_set(e, HERR_USAGE, "invalid UTF-8 in body");
		s += n;
	}
	free(m->body);
	m->body = xstrdup(text);
	return 0;
}

void
mail_set_date(struct mail *m, time_t t)
{
	m->date = t;
	m->have_date = 1;
}

/* Header folding state: the current column and whether the line has an
 * encoded-word (then lines stay within 76, RFC 2047 section 2). */
struct fold {
	struct buf	*b;
	size_t		 col;
	int		 ew;
	int		 first;	/* nothing after "Name:" yet: never fold */
};

static void
fold_token(struct fold *f, const char *ws, size_t wsn, const char *tok,
    size_t tokn, int is_ew)
{
	size_t limit = (is_ew || f->ew) ? 76 : MAIL_FOLD;

	if (wsn == 0) {
		ws = " ";
		wsn = 1;
	}
	if (!f->first && f->col + wsn + tokn > limit) {
		buf_add(f->b, "\r\n", 2);
		f->col = 0;
		f->ew = 0;
	}
	buf_add(f->b, ws, wsn);
	buf_add(f->b, tok, tokn);
	f->col += wsn + tokn;
	f->ew |= is_ew;
	f->first = 0;
}

static int
q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

/* Emits s (n bytes of valid UTF-8) as RFC 2047 Q encoded-words. */
static void
fold_encoded(struct fold *f, const char *ws, size_t wsn, const char *s,
    size_t n)
{
	char ew[EW_MAX + 1];
	size_t i = 0, len, cl, cost, k, max;
	int first = 1;

	while (i < n) {
		/* the first chunk must fit after its blanks (and after
		 * "Name:" when it is the field's first token) */
		max = EW_MAX;
		if (first) {
			size_t used = (wsn ? wsn : 1) + (f->first ? f->col : 0);

			if (76 - used < max)
				max = 76 - used;
		}
		memcpy(ew, EW_PREFIX, sizeof(EW_PREFIX) - 1);
		len = sizeof(EW_PREFIX) - 1;
		while (i < n) {
			cl = utf8_char((const unsigned char *)s + i);
			if (cl == 0)
				cl = 1;		/* checked before; be safe */
			for (cost = 0, k = 0; k < cl; k++)
				cost += (q_safe((unsigned char)s[i + k]) ||
				    s[i + k] == ' ') ? 1 : 3;
			if (len + cost + 2 > max &&
			    len > sizeof(EW_PREFIX) - 1)
				break;
			for (k = 0; k < cl; k++) {
				unsigned char c = (unsigned char)s[i + k];

				if (c == ' ')
					ew[len++] = '_';
				else if (q_safe(c))
					ew[len++] = (char)c;
				else
					len += (size_t)snprintf(ew + len,
					    sizeof(ew) - len, "=%02X", c);
			}
			i += cl;
		}
		ew[len++] = '?';
		ew[len++] = '=';
		fold_token(f, first ? ws : " ", first ? wsn : 1, ew, len, 1);
		first = 0;
	}
}

static int
needs_encoding(const char *w, size_t n, size_t wsn)
{
	if ((wsn ? wsn : 1) + n > MAIL_FOLD)
		return 1;		/* could not be folded otherwise */
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)w[i] >= 0x80)
			return 1;
		if (w[i] == '=' && i + 1 < n && w[i + 1] == '?')
			return 1;	/* would look like an encoded-word */
	}
	return 0;
}

static void
render_header(struct buf *b, const char *name, const char *value, int text)
{
	/* structured fields may fold before their first word */
	struct fold f = { b, 0, 0, text };
	const char *v = value, *ws, *w, *run, *end;
	size_t wsn, wn;

	buf_str(b, name);
	buf_str(b, ":");
	f.col = strlen(name) + 1;
	for (;;) {
		ws = v;
		while (*v == ' ' || *v == '\t')
			v++;
		wsn = (size_t)(v - ws);
		if (*v == '\0')
			break;
		if (ws == value)
			wsn = 0;	/* leading blanks are not kept */
		w = v;
		wn = strcspn(w, " \t");
		if (!text || (!needs_encoding(w, wn, wsn) &&
		    !(f.first && f.col + 1 + wn > MAIL_FOLD))) {
			fold_token(&f, ws, wsn, w, wn, 0);
			v = w + wn;
			continue;
		}
		/* a run of words that need encoding becomes one sequence
		 * of encoded-words, blanks inside it encoded too */
		run = w;
		end = w + wn;
		for (;;) {
			const char *p = end, *q;
			size_t qn;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				break;
			q = p;
			qn = strcspn(q, " \t");
			if (!needs_encoding(q, qn, (size_t)(p - end)))
				break;
			end = q + qn;
		}
		fold_encoded(&f, ws, wsn, run, (size_t)(end - run));
		v = end;
	}
	buf_add(b, "\r\n", 2);
}

static void
render_date(struct buf *b, time_t t)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	char line[80];

	gmtime_r(&t, &tm);
	snprintf(line, sizeof(line), "Date: %s, %d %s %04d %02d:%02d:%02d "
	    "+0000\r\n", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf_str(b, line);
}

static void
render_msgid(struct buf *b, time_t t)
{
	char host[256], line[400];
	uint32_t r[2] = { 0, 0 };

	if (gethostname(host, sizeof(host)) == -1 ||
	    (host[sizeof(host) - 1] = '\0', !is_dot_atom(host, strlen(host))))
		strcpy(host, "localhost");
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		r[0] = (uint32_t)getpid();
		r[1] = (uint32_t)clock();
	}
	snprintf(line, sizeof(line), "Message-ID: <%llx.%08x%08x@%s>\r\n",
	    (unsigned long long)t, r[0], r[1], host);
	buf_str(b, line);
}

/* 7bit when every line is ASCII and at most 998 octets. */
static int
body_is_7bit(const char *s)
{
	size_t col = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
		if (*s == '\n')
			col = 0;
		else if (*s != '\r' && ++col > 998)
			return 0;
	}
	return 1;
}

static void
render_body_7bit(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r')
			continue;	/* only CRLF reaches here */
		if (*s == '\n')
			buf_add(b, "\r\n", 2);
		else
			buf_add(b, s, 1);
	}
}

static void
render_body_qp(struct buf *b, const char *s)
{
	char enc[4];
	size_t col = 0, n;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\r')
			continue;
		if (c == '\n') {
			buf_add(b, "\r\n", 2);
			col = 0;
			continue;
		}
		if ((c == ' ' || c == '\t') && s[1] != '\n' && s[1] != '\r' &&
		    s[1] != '\0') {
			enc[0] = (char)c;
			n = 1;
		} else if (c >= 33 && c <= 126 && c != '=') {
			enc[0] = (char)c;
			n = 1;
		} else
			n = (size_t)snprintf(enc, sizeof(enc), "=%02X", c);
		if (col + n > 75) {
			buf_add(b, "=\r\n", 3);
			col = 0;
		}
		buf_add(b, enc, n);
		col += n;
	}
}

int
mail_render(const struct mail *m, char **out, size_t *len, struct herr *e)
{
	struct buf b = { NULL, 0, 0 };
	const char *body = m->body != NULL ? m->body : "";
	time_t t = m->have_date ? m->date : time(NULL);
	int qp;

	if (find_header(m, "From") == NULL)
		return herr_set(e, HERR_USAGE, "a mail needs a From header");
	if (find_header(m, "To") == NULL && find_header(m, "Cc") == NULL &&
	    find_header(m, "Bcc") == NULL)
		return herr_set(e, HERR_USAGE, "a mail needs a recipient");
	render_date(&b, t);
	for (size_t i = 0; i < m->nh; i++)
		render_header(&b, m->h[i].name, m->h[i].value,
		    header_kind(m->h[i].name) == HK_TEXT);
	if (find_header(m, "Message-ID") == NULL)
		render_msgid(&b, t);
	qp = !body_is_7bit(body);
	buf_str(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n");
	buf_str(&b, qp ? "Content-Transfer-Encoding: quoted-printable\r\n" :
	    "Content-Transfer-Encoding: 7bit\r\n");
	buf_add(&b, "\r\n", 2);
	if (qp)
		render_body_qp(&b, body);
	else
		render_body_7bit(&b, body);
	if (b.len < 2 || memcmp(b.p + b.len - 2, "\r\n", 2) != 0)
		buf_add(&b, "\r\n", 2);
	*out = b.p;
	*len = b.len;
	return 0;
}
