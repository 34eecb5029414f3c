#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "notify/tests/mail_check.h"

#define FAIL(...) do { snprintf(why, whysize, __VA_ARGS__); return -1; } \
	while (0)

static int
name_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

int
mail_check_rendered(const char *msg, size_t len, char *why, size_t whysize)
{
	size_t i = 0, fields = 0, dates = 0, ids = 0, lineno = 0;
	int in_header = 1, seen_sep = 0;

	while (i < len) {
		const char *line = msg + i;
		size_t n = 0, k;

		while (i + n < len && msg[i + n] != '\r' && msg[i + n] != '\n')
			n++;
		if (i + n + 1 >= len || msg[i + n] != '\r' ||
		    msg[i + n + 1] != '\n')
			FAIL("line %zu does not end in CRLF", lineno + 1);
		lineno++;
		for (k = 0; k < n; k++) {
			unsigned char c = (unsigned char)line[k];

			if ((c < 32 && c != '\t') || c > 126)
				FAIL("line %zu: byte 0x%02x", lineno, c);
		}
		if (n > 998)
			FAIL("line %zu longer than 998", lineno);
		if (in_header) {
			if (n == 0) {
				in_header = 0;
				seen_sep = 1;
			} else if (n > 78)
				FAIL("header line %zu longer than 78", lineno);
			else if (line[0] == ' ' || line[0] == '\t') {
				if (fields == 0)
					FAIL("continuation before a field");
				for (k = 0; k < n; k++)
					if (line[k] != ' ' && line[k] != '\t')
						break;
				if (k == n)
					FAIL("blank continuation line %zu",
					    lineno);
			} else {
				for (k = 0; k < n && line[k] != ':'; k++)
					if (line[k] <= 32 || line[k] >= 127)
						FAIL("bad field name, line %zu",
						    lineno);
				if (k == 0 || k == n)
					FAIL("line %zu is not a field", lineno);
				fields++;
				dates += name_is(line, n, "Date");
				ids += name_is(line, n, "Message-ID");
			}
		}
		i += n + 2;
	}
	if (!seen_sep)
		FAIL("no empty line after the header");
	if (dates != 1 || ids != 1)
		FAIL("Date x%zu, Message-ID x%zu", dates, ids);
	return (int)fields;
}
