#include <stdlib.h>

#include "hangard/hangard.h"
#include "lib/xmalloc.h"

void
busy_add(struct daemon *d, int64_t guest_id)
{
	if (d->nbusy == d->capbusy) {
		d->capbusy = d->capbusy ? d->capbusy * 2 : 16;
		d->busy = xreallocarray(d->busy, d->capbusy, sizeof(*d->busy));
	}
	d->busy[d->nbusy++] = guest_id;
}

/* Removes one entry (a guest may have several jobs queued). */
void
busy_del(struct daemon *d, int64_t guest_id)
{
	size_t i;

	for (i = 0; i < d->nbusy; i++)
		if (d->busy[i] == guest_id) {
			d->busy[i] = d->busy[--d->nbusy];
			return;
		}
}

int
busy_has(const struct daemon *d, int64_t guest_id)
{
	size_t i;

	for (i = 0; i < d->nbusy; i++)
		if (d->busy[i] == guest_id)
			return 1;
	return 0;
}
