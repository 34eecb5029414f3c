/*
 * Fuzzes the whole pipeline after the parsers: kernel log lines (first
 * part of the input) and an mdstat snapshot (after an empty line) go
 * through the correlator on a small synthetic host (six disks with two
 * partitions each, a dm-crypt volume on one of them); every notice must
 * become a JSON line and a mail the strict builder accepts -- no kernel
 * text may make an alert impossible to send -- and no notice may advise
 * replacing a disk that is in a controller incident.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "health/alert.h"
#include "health/corr.h"
#include "notify/tests/mail_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct topo topo;

static void
host(void)
{
	static const char *names[] = { "sda", "sdb", "sdc", "sdd", "sde",
	    "sdf" };

	if (topo.nd != 0)
		return;
	str_copy(topo.c[0].key, "0000:03:00.0", sizeof(topo.c[0].key));
	str_copy(topo.c[0].driver, "mpt3sas", sizeof(topo.c[0].driver));
	str_copy(topo.c[0].firmware, "05.00.00.00",
	    sizeof(topo.c[0].firmware));
	topo.c[0].unique_id = 0;
	topo.c[0].ioc_reset_count = 0;
	str_copy(topo.c[1].key, "0000:00:1f.2", sizeof(topo.c[1].key));
	str_copy(topo.c[1].driver, "ahci", sizeof(topo.c[1].driver));
	topo.c[1].unique_id = -1;
	topo.c[1].ioc_reset_count = -1;
	topo.nc = 2;
	for (size_t i = 0; i < 6; i++) {
		struct disk *d = &topo.d[i];

		str_copy(d->name, names[i], sizeof(d->name));
		snprintf(d->serial, sizeof(d->serial), "SER%zu", i);
		snprintf(d->hctl, sizeof(d->hctl), "0:0:%zu:0", i);
		snprintf(d->path, sizeof(d->path), "pci-x-scsi-0:0:%zu:0", i);
		d->ctrl = i < 4 ? 0 : 1;
		/* the disk and two partitions, as sysfs has them */
		for (int p = 0; p < 3; p++) {
			struct blkdev *b = &topo.b[topo.nb++];

			if (p == 0)
				str_copy(b->name, names[i], sizeof(b->name));
			else
				snprintf(b->name, sizeof(b->name), "%s%d",
				    names[i], p);
			b->kind = p == 0 ? BLK_DISK : BLK_PART;
			b->disk = (int)i;
			b->partno = p;
		}
	}
	topo.nd = 6;
	/* dm-0: a dm-crypt volume on sde2 */
	{
		struct blkdev *b = &topo.b[topo.nb++];

		str_copy(b->name, "dm-0", sizeof(b->name));
		b->kind = BLK_DM;
		b->disk = -1;
		str_copy(b->dm_name, "crypt-sde2", sizeof(b->dm_name));
		str_copy(b->dm_uuid, "CRYPT-PLAIN", sizeof(b->dm_uuid));
		str_copy(b->slaves[0], "sde2", sizeof(b->slaves[0]));
		b->nslaves = 1;
	}
}

static void
emit(void *arg, const struct corr *c, const struct incident *inc,
    enum notice n, uint64_t usec)
{
	struct alert_cfg cfg = { "fuzz.example", "h <h@fuzz.example>",
	    "ops@example.net" };
	char *json = alert_json(c, inc, n, usec), *mail = NULL, why[128];
	struct herr e;
	size_t len;

	if (json == NULL || (n != NOTICE_MERGED && (alert_mail(&cfg, c, inc, n,
	    usec, 1700000000, &mail, &len, &e) == -1 ||
	    mail_check_rendered(mail, len, why, sizeof(why)) < 0)))
		abort();
	if (inc->kind == INC_CONTROLLER && strstr(json, "\"advice\":\"Replace"))
		abort();
	free(json);
	free(mail);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *end, *sep;
	struct corr_cfg cfg;
	struct mdstat ms;
	struct corr *c;
	struct herr e;

	host();
	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	sep = strstr(buf, "\n\n");
	corr_cfg_default(&cfg);
	str_copy(cfg.base[0].match, "mpt3sas", sizeof(cfg.base[0].match));
	str_copy(cfg.base[0].min_fw, "16.00.01.00",
	    sizeof(cfg.base[0].min_fw));
	cfg.nbase = 1;
	c = corr_new(&topo, &cfg, emit, NULL, 0);
	for (p = buf; p < (sep != NULL ? sep : end); ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		struct kevent ev;
		struct kmsg k;

		if (kmsg_parse(p, n, &k) == 0) {
			kmsg_classify(&k, &ev);
			corr_kevent(c, &ev);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (sep != NULL && mdstat_parse(sep + 2, strlen(sep + 2), &ms, &e) ==
	    0) {
		corr_mdstat(c, UINT64_MAX / 2, &ms);
		mdstat_release(&ms);
	}
	corr_tick(c, UINT64_MAX);
	corr_free(c);
	free(buf);
	return 0;
}
