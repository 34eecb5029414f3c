/*
 * config: hangar-health.conf parser.  One "keyword value" per line, '#'
 * starts a comment; unknown keywords and bad values are errors with the
 * line number, so `hangar-health -n` catches them before a restart.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/herr.h"
#include "lib/str.h"
#include "notify/mail.h"
#include "health/config.h"
#include "health/replay.h"

enum vtype { V_STR, V_SECONDS, V_RCPT, V_METHOD, V_ADDR, V_DEST, V_NAME };

static const struct {
	const char	*key;
	enum vtype	 type;
	size_t		 off;
	size_t		 size;
} keys[] = {
#define S(k, f) { k, V_STR, offsetof(struct health_cfg, f), \
	sizeof(((struct health_cfg *)0)->f) }
	S("host", alert.host),
	{ "mail-from", V_ADDR, offsetof(struct health_cfg, alert.from),
	    sizeof(((struct health_cfg *)0)->alert.from) },
	{ "mail-to", V_RCPT, offsetof(struct health_cfg, alert.to),
	    sizeof(((struct health_cfg *)0)->alert.to) },
	{ "send", V_METHOD, 0, 0 },
	S("sendmail", sendmail),
	S("smtp-url", smtp_url),
	S("spool", spool),
	S("textfile", textfile),
	S("baseline", baseline),
	S("smartctl", smartctl),
	S("mdadm", mdadm),
	S("sysfs", sysfs),
	S("mdstat", mdstat),
	S("kmsg", kmsg),
	S("mountinfo", mountinfo),
	S("state", state),
	S("ssh", ssh),
	S("report_key", report_key),
	S("report_known_hosts", report_known_hosts),
	{ "report_to", V_DEST, offsetof(struct health_cfg, report_to),
	    sizeof(((struct health_cfg *)0)->report_to) },
	{ "host_name", V_NAME, offsetof(struct health_cfg, host_name),
	    sizeof(((struct health_cfg *)0)->host_name) },
	S("xl", xl),
	{ "md-interval", V_SECONDS, offsetof(struct health_cfg, md_interval),
	    0 },
	{ "smart-interval", V_SECONDS, offsetof(struct health_cfg,
	    smart_interval), 0 },
	{ "xen-interval", V_SECONDS, offsetof(struct health_cfg,
	    xen_interval), 0 },
	{ "send-timeout", V_SECONDS, offsetof(struct health_cfg, send_timeout),
	    0 },
	{ "retry-min", V_SECONDS, offsetof(struct health_cfg, retry_min), 0 },
	{ "retry-max", V_SECONDS, offsetof(struct health_cfg, retry_max), 0 },
	{ "window", V_SECONDS, 1, 0 },
	{ "settle", V_SECONDS, 2, 0 },
	{ "followup", V_SECONDS, 3, 0 },
#undef S
};

/* A Xen control domain: its hypervisor log is read with xl dmesg. */
static int
is_dom0(void)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/xen/capabilities", "r");

	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "control_d") != NULL;
}

/* An ssh destination: user@host or ssh://user@host[:port], nothing ssh
 * could read as an option. */
static int
dest_ok(const char *v)
{
	const char *at = strchr(v, '@');

	if (v[0] == '-' || at == NULL || at == v || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-@:/[]", *p)))
			return 0;
	return strchr(v, '/') == NULL || strncmp(v, "ssh://", 6) == 0;
}

void
health_cfg_default(struct health_cfg *cfg)
{
	char host[64];

	memset(cfg, 0, sizeof(*cfg));
	corr_cfg_default(&cfg->corr);
	if (gethostname(host, sizeof(host)) == -1)
		str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	str_sanitize(cfg->alert.host, sizeof(cfg->alert.host), host);
	/* hangar's host names are short: hostname -s */
	host[strcspn(host, ".")] = '\0';
	for (char *p = host; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (str_is_name(host))
		str_copy(cfg->host_name, host, sizeof(cfg->host_name));
	str_copy(cfg->state, "/var/lib/hangar-health", sizeof(cfg->state));
	str_copy(cfg->ssh, "/usr/bin/ssh", sizeof(cfg->ssh));
	snprintf(cfg->alert.from, sizeof(cfg->alert.from),
	    "hangar-health <root@%s>", "localhost");
	str_copy(cfg->alert.to, "root@localhost", sizeof(cfg->alert.to));
	str_copy(cfg->sendmail, "/usr/sbin/sendmail", sizeof(cfg->sendmail));
	str_copy(cfg->spool, "/var/spool/hangar-health", sizeof(cfg->spool));
	str_copy(cfg->textfile,
	    "/var/lib/prometheus/node-exporter/hangar_health.prom",
	    sizeof(cfg->textfile));
	str_copy(cfg->baseline, "/etc/hangar/health-baseline",
	    sizeof(cfg->baseline));
	str_copy(cfg->smartctl, "/usr/sbin/smartctl", sizeof(cfg->smartctl));
	str_copy(cfg->mdadm, "/sbin/mdadm", sizeof(cfg->mdadm));
	str_copy(cfg->sysfs, "/sys", sizeof(cfg->sysfs));
	str_copy(cfg->mdstat, "/proc/mdstat", sizeof(cfg->mdstat));
	str_copy(cfg->kmsg, "/dev/kmsg", sizeof(cfg->kmsg));
	str_copy(cfg->mountinfo, "/proc/self/mountinfo",
	    sizeof(cfg->mountinfo));
	cfg->md_interval = 5;
	cfg->smart_interval = 3600;
	cfg->xen_interval = 30;
	if (is_dom0())
		str_copy(cfg->xl, "/usr/sbin/xl", sizeof(cfg->xl));
	cfg->send_timeout = 30;
	cfg->retry_min = 15;
	cfg->retry_max = 900;
}

static int
set_seconds(struct health_cfg *cfg, size_t off, const char *v)
{
	long long n;

	if (str_parse_int(v, 0, 7 * 86400, &n) == -1)
		return -1;
	switch (off) {
	case 1: cfg->corr.window_us = (uint64_t)n * 1000000; break;
	case 2: cfg->corr.settle_us = (uint64_t)n * 1000000; break;
	case 3: cfg->corr.followup_us = (uint64_t)n * 1000000; break;
	default:
		if (n < 1)
			return -1;
		*(int *)((char *)cfg + off) = (int)n;
		break;
	}
	return 0;
}

static int
set_key(struct health_cfg *cfg, size_t k, const char *v, struct herr *e)
{
	char *dst = (char *)cfg + keys[k].off;

	switch (keys[k].type) {
	case V_SECONDS:
		if (set_seconds(cfg, keys[k].off, v) == -1)
			return herr_set(e, HERR_USAGE, "%s: want seconds",
			    keys[k].key);
		return 0;
	case V_METHOD:
		if (strcmp(v, "sendmail") == 0)
			cfg->send.method = SEND_SENDMAIL;
		else if (strcmp(v, "smtp") == 0)
			cfg->send.method = SEND_SMTP;
		else
			return herr_set(e, HERR_USAGE,
			    "send: want sendmail or smtp");
		return 0;
	case V_ADDR:
	case V_RCPT:
		/* the mail builder is the judge of header values */
		if (mail_check_value(v, e) == -1 || strchr(v, '@') == NULL)
			return herr_set(e, HERR_USAGE, "%s: not an address",
			    keys[k].key);
		break;
	case V_DEST:
		if (!dest_ok(v))
			return herr_set(e, HERR_USAGE, "%s: want user@host or "
			    "ssh://user@host:port", keys[k].key);
		break;
	case V_NAME:
		if (!str_is_name(v))
			return herr_set(e, HERR_USAGE, "%s: want a host name "
			    "of letters, digits and '-'", keys[k].key);
		break;
	case V_STR:
		if (mail_check_value(v, e) == -1)
			return herr_set(e, HERR_USAGE, "%s: bad value",
			    keys[k].key);
		break;
	}
	if (strlen(v) >= keys[k].size)
		return herr_set(e, HERR_USAGE, "%s: too long", keys[k].key);
	str_copy(dst, v, keys[k].size);
	return 0;
}

/* SMTP envelope from "a@b, Name <c@d>" style lists. */
static void
split_rcpts(struct health_cfg *cfg)
{
	char list[256], *tok, *save = NULL;

	str_copy(list, cfg->alert.to, sizeof(list));
	cfg->send.nrcpt = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL &&
	    cfg->send.nrcpt < SEND_MAXRCPT; tok = strtok_r(NULL, ",", &save)) {
		char *lt = strchr(tok, '<'), *gt;

		if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
			*gt = '\0';
			tok = lt + 1;
		}
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (*tok == '\0')
			continue;
		str_copy(cfg->rcpt[cfg->send.nrcpt], tok, sizeof(cfg->rcpt[0]));
		cfg->send.rcpt[cfg->send.nrcpt] = cfg->rcpt[cfg->send.nrcpt];
		cfg->send.nrcpt++;
	}
	{
		const char *f = cfg->alert.from, *lt = strchr(f, '<');

		str_copy(cfg->smtp_from, lt != NULL ? lt + 1 : f,
		    sizeof(cfg->smtp_from));
		cfg->smtp_from[strcspn(cfg->smtp_from, "> \t")] = '\0';
	}
}

static void
finish(struct health_cfg *cfg)
{
	if (strcmp(cfg->xl, "none") == 0)
		cfg->xl[0] = '\0';
	if (strcmp(cfg->mdadm, "none") == 0)
		cfg->mdadm[0] = '\0';
	cfg->send.sendmail = cfg->sendmail;
	cfg->send.smtp_url = cfg->smtp_url[0] ? cfg->smtp_url : NULL;
	cfg->send.timeout = cfg->send_timeout;
	split_rcpts(cfg);
	cfg->send.from = cfg->smtp_from;
}

int
health_cfg_load(const char *path, int required, struct health_cfg *cfg,
    struct herr *e)
{
	char line[1024], *key, *val, *end;
	int lineno = 0, ret = -1;
	size_t k;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		if (!required && errno == ENOENT) {
			finish(cfg);
			return 0;
		}
		return herr_set(e, HERR_NOTFOUND, "%s: %s", path,
		    strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			herr_set(e, HERR_USAGE, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		line[strcspn(line, "#\n")] = '\0';
		key = line + strspn(line, " \t");
		if (*key == '\0')
			continue;
		val = key + strcspn(key, " \t");
		if (*val != '\0')
			*val++ = '\0';
		val += strspn(val, " \t");
		for (end = val + strlen(val); end > val &&
		    (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(keys[k].key, key) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			herr_set(e, HERR_USAGE, "%s:%d: unknown keyword \"%s\"",
			    path, lineno, key);
			goto out;
		}
		if (*val == '\0') {
			herr_set(e, HERR_USAGE, "%s:%d: %s needs a value", path,
			    lineno, key);
			goto out;
		}
		if (set_key(cfg, k, val, e) == -1) {
			char msg[sizeof(e->msg)];

			str_copy(msg, e->msg, sizeof(msg));
			herr_set(e, HERR_USAGE, "%s:%d: %s", path, lineno, msg);
			goto out;
		}
	}
	finish(cfg);
	ret = 0;
out:
	fclose(f);
	return ret;
}

int
health_cfg_check_reports(const struct health_cfg *cfg, struct herr *e)
{
	if (cfg->report_to[0] == '\0')
		return 0;
	if (cfg->host_name[0] == '\0')
		return herr_set(e, HERR_USAGE, "report_to needs host_name (the "
		    "host's name is no hangar host name)");
	/* never without a pinned host key */
	if (cfg->report_key[0] == '\0' || cfg->report_known_hosts[0] == '\0')
		return herr_set(e, HERR_USAGE, "report_to needs report_key and "
		    "report_known_hosts");
	/* ssh splits -o values at blanks and expands % tokens in them */
	if (strpbrk(cfg->report_key, " \t%") != NULL ||
	    strpbrk(cfg->report_known_hosts, " \t%") != NULL)
		return herr_set(e, HERR_USAGE, "report_key and "
		    "report_known_hosts: no blanks or %% in these paths");
	if (access(cfg->report_key, R_OK) == -1)
		return herr_set(e, HERR_NOTFOUND, "report_key %s: %s",
		    cfg->report_key, strerror(errno));
	if (access(cfg->report_known_hosts, R_OK) == -1)
		return herr_set(e, HERR_NOTFOUND, "report_known_hosts %s: %s",
		    cfg->report_known_hosts, strerror(errno));
	if (access(cfg->ssh, X_OK) == -1)
		return herr_set(e, HERR_NOTFOUND, "ssh %s: %s", cfg->ssh,
		    strerror(errno));
	return 0;
}

int
health_cfg_check(const struct health_cfg *cfg, struct herr *e)
{
	struct corr_cfg cc = cfg->corr;
	struct mail *m = mail_new();
	char *out = NULL;
	size_t len;
	int ret = -1;

	/* the alert headers must build: a bad address fails here, not at
	 * 3 a.m. when a disk dies */
	if (mail_header(m, "From", cfg->alert.from, e) == -1 ||
	    mail_header(m, "To", cfg->alert.to, e) == -1 ||
	    mail_header(m, "Subject", cfg->alert.host, e) == -1 ||
	    mail_render(m, &out, &len, e) == -1)
		goto out;
	if (cfg->send.method == SEND_SMTP && !send_have_smtp()) {
		herr_set(e, HERR_USAGE, "send smtp: built without libcurl");
		goto out;
	}
	if (cfg->send.method == SEND_SMTP && cfg->send.smtp_url == NULL) {
		herr_set(e, HERR_USAGE, "send smtp needs smtp-url");
		goto out;
	}
	if (cfg->send.method == SEND_SENDMAIL &&
	    access(cfg->sendmail, X_OK) == -1) {
		herr_set(e, HERR_NOTFOUND, "sendmail %s: %s", cfg->sendmail,
		    strerror(errno));
		goto out;
	}
	if (access(cfg->baseline, R_OK) == 0 &&
	    baseline_load(cfg->baseline, &cc, e) == -1)
		goto out;
	if (cfg->corr.settle_us > cfg->corr.window_us) {
		herr_set(e, HERR_USAGE, "settle is longer than window");
		goto out;
	}
	if (health_cfg_check_reports(cfg, e) == -1)
		goto out;
	ret = 0;
out:
	free(out);
	mail_free(m);
	return ret;
}
