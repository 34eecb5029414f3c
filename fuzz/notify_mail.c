/*
 * Fuzzes the strict mail builder: NUL-separated name/value pairs, then a
 * body.  Whatever the builder accepts must render into a message that
 * mail_check_rendered finds valid, with exactly the fields accepted (the
 * 2017 bug, an empty line inside the header, would fail here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/herr.h"
#include "notify/mail.h"
#include "notify/tests/mail_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *end, *name = NULL, *out = NULL;
	struct mail *m = mail_new();
	struct herr e;
	size_t len, accepted = 2;
	int has_id = 0, fields;
	char why[128];

	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	if (mail_header(m, "From", "hangar-health <root@host.example>", &e) ||
	    mail_header(m, "To", "ops@example.net", &e))
		abort();
	mail_set_date(m, 1700000000);
	for (p = buf; p < end; p += strlen(p) + 1) {
		if (p + strlen(p) >= end) {	/* last part: the body */
			mail_body(m, p, &e);
			break;
		}
		if (name == NULL) {
			name = p;
			continue;
		}
		if (mail_header(m, name, p, &e) == 0) {
			accepted++;
			if (strcasecmp(name, "Message-ID") == 0)
				has_id = 1;
		}
		name = NULL;
	}
	if (mail_render(m, &out, &len, &e) == -1)
		abort();
	if (strlen(out) != len)
		abort();
	fields = mail_check_rendered(out, len, why, sizeof(why));
	if (fields < 0 || (size_t)fields != accepted + 1 + !has_id + 3)
		abort();
	free(out);
	mail_free(m);
	free(buf);
	return 0;
}
