/* Fuzzes the /dev/kmsg record parser and the classifier. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kevent ev;
	struct kmsg k;

	if (kmsg_parse((const char *)data, size, &k) == -1)
		return 0;
	if (k.msg < (const char *)data || k.msg + k.msglen >
	    (const char *)data + size || k.prio < 0 || k.prio > 7)
		abort();
	kmsg_classify(&k, &ev);
	if (ev.type < KEV_NONE || ev.type >= KEV__MAX ||
	    strlen(ev.text) >= sizeof(ev.text) ||
	    strlen(ev.dev) >= sizeof(ev.dev) || ev.usec != k.usec)
		abort();
	for (const char *p = ev.text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();	/* sanitized: safe for logs and mail */
	return 0;
}
