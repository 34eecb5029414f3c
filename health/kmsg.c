/*
 * kmsg: /dev/kmsg record parser and classifier.  Cheap prefix tests
 * first, so a busy log costs little (bench/health measures it).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "health/kmsg.h"
#include "health/names.h"

static const char *kev_names[KEV__MAX] = {
	[KEV_NONE] = "none",
	[KEV_MD_DISK_FAILURE] = "md-disk-failure",
	[KEV_MD_CANNOT_CONTINUE] = "md-cannot-continue",
	[KEV_MD_CONTINUING] = "md-continuing",
	[KEV_MD_SYNC_DONE] = "md-sync-done",
	[KEV_MD_SYNC_START] = "md-sync-start",
	[KEV_MD_READ_ERROR] = "md-read-error",
	[KEV_SCSI_OFFLINE] = "scsi-offline",
	[KEV_IO_ERROR] = "io-error",
	[KEV_MEDIUM_ERROR] = "medium-error",
	[KEV_ATA_LINK] = "ata-link",
	[KEV_ATA_ERROR] = "ata-error",
	[KEV_CTRL_FAULT] = "controller-fault",
	[KEV_CTRL_RESET] = "controller-reset",
	[KEV_CTRL_RESET_FAILED] = "controller-reset-failed",
	[KEV_CTRL_TIMEOUT] = "controller-timeout",
	[KEV_XEN_WARN] = "xen-warn",
};

const char *
kev_name(enum kev_type t)
{
	return (t >= 0 && t < KEV__MAX) ? kev_names[t] : "none";
}

static int
parse_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
		s++;
	}
	*v = n;
	*p = s;
	return 0;
}

int
kmsg_parse(const char *line, size_t len, struct kmsg *out)
{
	const char *p = line, *end = line + len, *semi, *nl;
	uint64_t prio;

	if (parse_u64(&p, end, &prio) == -1 || p >= end || *p++ != ',' ||
	    parse_u64(&p, end, &out->seq) == -1 || p >= end || *p++ != ',' ||
	    parse_u64(&p, end, &out->usec) == -1 || p >= end ||
	    (*p != ',' && *p != ';'))
		return -1;
	semi = memchr(p, ';', (size_t)(end - p));
	if (semi == NULL)
		return -1;
	out->prio = (int)(prio & 7);
	out->msg = semi + 1;
	nl = memchr(out->msg, '\n', (size_t)(end - out->msg));
	out->msglen = (size_t)((nl != NULL ? nl : end) - out->msg);
	return 0;
}

/* Copies the word at s up to one of the stop characters. */
static size_t
word(char *dst, size_t size, const char *s, const char *stop)
{
	size_t n = strcspn(s, stop);

	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return n;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
classify_md(const char *m, struct kevent *ev)
{
	const char *p = strchr(m, ':'), *rest;
	int x, y;

	/* "md/raid:md0: ..." or "md/raid1:md1: ..." */
	if (p == NULL)
		return;
	word(ev->array, sizeof(ev->array), p + 1, ": ");
	rest = strchr(p + 1, ':');
	if (rest == NULL)
		return;
	rest++;
	while (*rest == ' ')
		rest++;
	if (starts(rest, "Disk failure on ")) {
		ev->type = KEV_MD_DISK_FAILURE;
		word(ev->dev, sizeof(ev->dev), rest + 16, ", ");
	} else if (sscanf(rest, "Cannot continue operation (%d/%d failed)",
	    &x, &y) == 2) {
		ev->type = KEV_MD_CANNOT_CONTINUE;
		ev->a = x;
		ev->b = y;
	} else if (sscanf(rest, "Operation continuing on %d devices", &x) ==
	    1) {
		ev->type = KEV_MD_CONTINUING;
		ev->a = x;
	} else if (starts(rest, "read error corrected") ||
	    starts(rest, "redirecting sector") ||
	    strstr(rest, ": rescheduling sector") != NULL) {
		const char *on = strstr(rest, " on ");

		ev->type = KEV_MD_READ_ERROR;
		if (starts(rest, "redirecting"))
			return;	/* names the good mirror, not the bad one */
		if (on != NULL)
			word(ev->dev, sizeof(ev->dev), strchr(on + 1, ' ') + 1,
			    ")., ");
		else
			word(ev->dev, sizeof(ev->dev), rest, ": ");
	}
}

static void
classify_md_core(const char *m, struct kevent *ev)
{
	const char *p;

	/* "md: md0: recovery done."  "md: recovery of RAID array md0" */
	m += 4;
	if (starts(m, "md") && (p = strstr(m, ": ")) != NULL &&
	    strstr(p, " done.") != NULL) {
		ev->type = KEV_MD_SYNC_DONE;
		word(ev->array, sizeof(ev->array), m, ":");
		ev->a = strstr(p, "recovery") != NULL;
	} else if ((p = strstr(m, " of RAID array ")) != NULL) {
		ev->type = KEV_MD_SYNC_START;
		word(ev->array, sizeof(ev->array), p + 15, " \n");
		ev->a = starts(m, "recovery");
	}
}

static void
classify_sd(const char *m, struct kevent *ev)
{
	const char *p;

	/* "sd 7:0:0:0: rejecting I/O to offline device" */
	p = strstr(m + 3, ": ");
	if (p == NULL || (size_t)(p - (m + 3)) >= sizeof(ev->hctl))
		return;
	memcpy(ev->hctl, m + 3, (size_t)(p - (m + 3)));
	ev->hctl[p - (m + 3)] = '\0';
	p++;
	while (*p == ' ')
		p++;
	if (starts(p, "rejecting I/O to offline device"))
		ev->type = KEV_SCSI_OFFLINE;
	else if (*p == '[' && strstr(p, "Sense Key : Medium Error") != NULL) {
		ev->type = KEV_MEDIUM_ERROR;
		word(ev->dev, sizeof(ev->dev), p + 1, "]");
		ev->a = -1;
	}
}

static void
classify_ctrl(const char *m, struct kevent *ev)
{
	const char *rest;
	unsigned int code;

	/* "mpt3sas_cm0: ..." "mpt2sas0: ..." "mpt3sas_cm0 fault info ..." */
	rest = m + word(ev->ctrl, sizeof(ev->ctrl), m, ": ");
	if (*rest != ':' && *rest != ' ')
		return;
	if ((rest = strstr(rest, "fault_state(")) != NULL &&
	    sscanf(rest, "fault_state(0x%x)", &code) == 1) {
		ev->type = KEV_CTRL_FAULT;
		ev->a = code;
	} else if (strstr(m, "coredump_state(") != NULL ||
	    strstr(m, "Firmware is halted") != NULL ||
	    strstr(m, " fault info from func") != NULL)
		ev->type = KEV_CTRL_FAULT;
	else if (strstr(m, "hard reset: failed") != NULL ||
	    strstr(m, "diag reset: FAILED") != NULL ||
	    strstr(m, "port enable: FAILED") != NULL)
		ev->type = KEV_CTRL_RESET_FAILED;
	else if (strstr(m, "sending diag reset") != NULL ||
	    strstr(m, "diag reset: SUCCESS") != NULL ||
	    strstr(m, "hard reset: success") != NULL)
		ev->type = KEV_CTRL_RESET;
	else if (strlen(m) > 9 && strcmp(m + strlen(m) - 9, ": timeout") == 0)
		ev->type = KEV_CTRL_TIMEOUT;
}

static void
classify_ata(const char *m, struct kevent *ev)
{
	size_t n = word(ev->ctrl, sizeof(ev->ctrl), m, ".: ");
	const char *rest = m + n;

	if (n < 4 || ev->ctrl[3] < '0' || ev->ctrl[3] > '9')
		return;
	if (*rest == '.') {		/* ata2.00: failed command: READ DMA */
		rest = strchr(rest, ':');
		if (rest != NULL && (starts(rest, ": failed command:") ||
		    starts(rest, ": exception Emask")))
			ev->type = KEV_ATA_ERROR;
	} else if (*rest == ':' && (strstr(rest, "hard resetting link") ||
	    strstr(rest, "SATA link down") ||
	    strstr(rest, "limiting SATA link speed")))
		ev->type = KEV_ATA_LINK;
}

static void
classify_blk(const char *m, struct kevent *ev)
{
	const char *p;
	long long sector = -1;

	if ((p = strstr(m, "critical medium error, dev ")) != NULL) {
		ev->type = KEV_MEDIUM_ERROR;
		p += 27;
	} else if ((p = strstr(m, "I/O error, dev ")) != NULL) {
		ev->type = KEV_IO_ERROR;
		p += 15;
	} else
		return;
	p += word(ev->dev, sizeof(ev->dev), p, ", ");
	if (starts(p, ", sector "))
		sector = strtoll(p + 9, NULL, 10);
	ev->a = sector;
}

void
kmsg_classify(const struct kmsg *k, struct kevent *ev)
{
	char m[512];
	size_t n = k->msglen < sizeof(m) - 1 ? k->msglen : sizeof(m) - 1;

	memset(ev, 0, offsetof(struct kevent, text));
	ev->text[0] = '\0';
	ev->usec = k->usec;
	memcpy(m, k->msg, n);
	m[n] = '\0';
	switch (m[0]) {
	case 'm':
		if (starts(m, "md/raid"))
			classify_md(m, ev);
		else if (starts(m, "md: "))
			classify_md_core(m, ev);
		else if (starts(m, "mpt"))
			classify_ctrl(m, ev);
		break;
	case 's':
		if (starts(m, "sd "))
			classify_sd(m, ev);
		break;
	case 'a':
		if (starts(m, "ata"))
			classify_ata(m, ev);
		break;
	case '(':
		if (starts(m, "(XEN)") && (strstr(m, "WARN at") != NULL ||
		    strstr(m, "BUG at") != NULL))
			ev->type = KEV_XEN_WARN;
		break;
	default:
		break;
	}
	if (ev->type == KEV_NONE && (m[0] == 'I' || m[0] == 'b' ||
	    m[0] == 'c' || m[0] == 'p') && strstr(m, "error, dev ") != NULL)
		classify_blk(m, ev);
	if (ev->type != KEV_NONE) {
		str_sanitize(ev->text, sizeof(ev->text), m);
		name_clean(ev->array);
		name_clean(ev->dev);
		name_clean(ev->hctl);
		name_clean(ev->ctrl);
	}
}
