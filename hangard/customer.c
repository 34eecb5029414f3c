/*
 * customer: what a customer's notices need, checked once for every way
 * in (customer.add, customer.set): the email address in the one grammar
 * of the mail builder (notify/mail.h: an RFC 5321 mailbox in ASCII), so
 * that no record the builder would refuse reaches the store, and a time
 * zone that exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "notify/mail.h"

#define TZ_MAX	63

/* An IANA zone name with a compiled file under TZDIR (or "UTC"). */
static int
tz_check(const char *tz, struct herr *e)
{
	const char *dir = getenv("TZDIR");
	char path[1200], magic[4];
	size_t n = strlen(tz);
	int fd;
	ssize_t got;

	if (strcmp(tz, "UTC") == 0)
		return 0;
	if (n == 0 || n > TZ_MAX || tz[0] == '/' || tz[0] == '.' ||
	    strstr(tz, "..") != NULL || strspn(tz, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-") != n)
		return herr_set(e, HERR_USAGE, "bad time zone: use a name such "
		    "as Europe/Berlin or UTC");
	snprintf(path, sizeof(path), "%s/%s", dir != NULL && dir[0] == '/' ?
	    dir : "/usr/share/zoneinfo", tz);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return herr_set(e, HERR_USAGE, "unknown time zone: %s", tz);
	got = read(fd, magic, sizeof(magic));
	close(fd);
	if (got != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return herr_set(e, HERR_USAGE, "unknown time zone: %s", tz);
	return 0;
}

int
customer_check_notice(const char *email, const char *tz, struct herr *e)
{
	struct herr ae;

	/* "" (or none) is no address: the customer is not emailed */
	if (email != NULL && email[0] != '\0' &&
	    mail_check_addr(email, &ae) == -1)
		return herr_set(e, HERR_USAGE, "--email: %s", ae.msg);
	if (tz != NULL && tz_check(tz, e) == -1)
		return -1;
	return 0;
}

int
customer_set(struct daemon *d, struct proto_req *r, struct customer_rec *cu,
    struct herr *e)
{
	const char *name = proto_str(r->params, "name");
	const char *email = proto_str(r->params, "email");
	const char *tz = proto_str(r->params, "tz");

	if (email == NULL && tz == NULL)
		return herr_set(e, HERR_USAGE, "nothing to set: give --email "
		    "or --tz");
	if (customer_check_notice(email, tz, e) == -1 ||
	    store_customer_set(d->st, name, email, tz, e) == -1 ||
	    store_customer_get(d->st, name, cu, e) == -1)
		return -1;
	log_info("customer %s: %s%s%s changed", cu->name,
	    email != NULL ? "email" : "", email != NULL && tz != NULL ?
	    " and " : "", tz != NULL ? "time zone" : "");
	return 0;
}
