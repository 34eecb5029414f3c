/*
 * libFuzzer target for notify/irc's pure code: the server line parser
 * (a parsed line written back and parsed again gives the same fields)
 * and the text cleaning and splitting irc_say uses (no CR, LF or NUL
 * survive; every piece fits and starts on a UTF-8 character).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/irc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const struct irc_msg *m)
{
	static struct irc_msg m2;
	char line[IRC_RECV_MAX * 2];
	size_t o = 0;
	int i;

	if (m->command == NULL || m->command[0] == '\0' ||
	    m->nparams > IRC_PARAMS_MAX)
		abort();
	if (m->prefix)
		o += (size_t)snprintf(line + o, sizeof(line) - o, ":%s ",
		    m->prefix);
	o += (size_t)snprintf(line + o, sizeof(line) - o, "%s", m->command);
	for (i = 0; i < m->nparams; i++) {
		const char *p = m->params[i];
		int last = i == m->nparams - 1;

		if (strpbrk(p, "\r\n") != NULL)
			abort();
		if (!last && (p[0] == '\0' || p[0] == ':' || strchr(p, ' ')))
			abort();	/* a middle parameter is one word */
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %s%s",
		    last && (p[0] == '\0' || p[0] == ':' || strchr(p, ' ')) ?
		    ":" : "", p);
	}
	if (o >= sizeof(m2.buf))
		return;
	if (irc_parse(line, o, &m2) != 0)
		abort();
	if ((m->prefix == NULL) != (m2.prefix == NULL) ||
	    (m->prefix && strcmp(m->prefix, m2.prefix) != 0) ||
	    strcmp(m->command, m2.command) != 0)
		abort();
	/* the 15th parameter may hold spaces and come back as more words */
	if (m->nparams < IRC_PARAMS_MAX) {
		if (m2.nparams != m->nparams)
			abort();
		for (i = 0; i < m->nparams; i++)
			if (strcmp(m->params[i], m2.params[i]) != 0)
				abort();
	}
}

static void
text(const char *s, size_t max)
{
	size_t len, cut;
	char *c = malloc(strlen(s) + 1);

	irc_clean(c, strlen(s) + 1, s);
	if (strpbrk(c, "\r\n") != NULL)
		abort();
	len = strlen(c);
	s = c;
	while (len > 0) {
		cut = irc_split(s, len, max);
		if (cut == 0 || cut > max || cut > len)
			abort();
		s += cut;
		len -= cut;
	}
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct irc_msg m;
	char *s;

	if (irc_parse((const char *)data, size, &m) == 0)
		roundtrip(&m);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	text(s, 1 + (size > 0 ? data[0] % 64 : 0));
	free(s);
	return 0;
}
