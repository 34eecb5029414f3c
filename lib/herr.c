#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/herr.h"

static const struct {
	const char	*name;
	int		 exit_status;
} codes[HERR__MAX] = {
	[HERR_OK] = { "ok", 0 },
	[HERR_INTERNAL] = { "internal", 1 },
	[HERR_USAGE] = { "usage", 2 },
	[HERR_NOTFOUND] = { "notfound", 3 },
	[HERR_EXISTS] = { "exists", 4 },
	[HERR_CAPACITY] = { "capacity", 4 },
	[HERR_PERM] = { "perm", 5 },
	[HERR_HV] = { "hypervisor", 6 },
	[HERR_UNREACHABLE] = { "unreachable", 7 },
	[HERR_STATE] = { "state", 4 },
	[HERR_PROTO] = { "protocol", 1 },
};

int
herr_set(struct herr *e, enum herr_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
herr_clear(struct herr *e)
{
	e->code = HERR_OK;
	e->msg[0] = '\0';
}

const char *
herr_name(enum herr_code code)
{
	if (code < 0 || code >= HERR__MAX)
		return "internal";
	return codes[code].name;
}

enum herr_code
herr_from_name(const char *name)
{
	for (int i = 0; i < HERR__MAX; i++)
		if (strcmp(codes[i].name, name) == 0)
			return (enum herr_code)i;
	return HERR_INTERNAL;
}

int
herr_exit_status(enum herr_code code)
{
	if (code < 0 || code >= HERR__MAX)
		return 1;
	return codes[code].exit_status;
}
