/* The fit tree: first host in a given order where a guest fits. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/xmalloc.h"
#include "plan/plan_int.h"

#define NOFIT	(INT64_MIN / 4)

struct plan_fit {
	size_t	  n;		/* leaves, a power of two */
	int64_t	 *ram;		/* 2n nodes each: max free in the subtree */
	int64_t	 *disk;
	int64_t	 *vcpu;
	int32_t	 *host_at;	/* leaf -> host or PLAN_NONE */
	int32_t	 *leaf_of;	/* host -> leaf or PLAN_NONE */
};

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

struct plan_fit *
plan_fit_new(size_t nhosts, const int32_t *order, size_t norder)
{
	struct plan_fit *f = xcalloc(1, sizeof(*f));
	size_t i;

	f->n = 1;
	while (f->n < norder)
		f->n *= 2;
	f->ram = xreallocarray(NULL, 2 * f->n, sizeof(int64_t));
	f->disk = xreallocarray(NULL, 2 * f->n, sizeof(int64_t));
	f->vcpu = xreallocarray(NULL, 2 * f->n, sizeof(int64_t));
	f->host_at = xreallocarray(NULL, f->n, sizeof(int32_t));
	f->leaf_of = xreallocarray(NULL, nhosts > 0 ? nhosts : 1,
	    sizeof(int32_t));
	for (i = 0; i < 2 * f->n; i++)
		f->ram[i] = f->disk[i] = f->vcpu[i] = NOFIT;
	for (i = 0; i < nhosts; i++)
		f->leaf_of[i] = PLAN_NONE;
	for (i = 0; i < f->n; i++)
		f->host_at[i] = i < norder ? order[i] : PLAN_NONE;
	for (i = 0; i < norder; i++)
		f->leaf_of[order[i]] = (int32_t)i;
	return f;
}

void
plan_fit_free(struct plan_fit *f)
{
	if (f == NULL)
		return;
	free(f->ram);
	free(f->disk);
	free(f->vcpu);
	free(f->host_at);
	free(f->leaf_of);
	free(f);
}

void
plan_fit_set(struct plan_fit *f, int32_t host, const struct plan_load *fr)
{
	size_t k;

	if (f->leaf_of[host] == PLAN_NONE)
		return;
	k = f->n + (size_t)f->leaf_of[host];
	f->ram[k] = fr != NULL ? fr->ram : NOFIT;
	f->disk[k] = fr != NULL ? fr->disk : NOFIT;
	f->vcpu[k] = fr != NULL ? fr->vcpu : NOFIT;
	for (k /= 2; k >= 1; k /= 2) {
		f->ram[k] = max64(f->ram[2 * k], f->ram[2 * k + 1]);
		f->disk[k] = max64(f->disk[2 * k], f->disk[2 * k + 1]);
		f->vcpu[k] = max64(f->vcpu[2 * k], f->vcpu[2 * k + 1]);
	}
}

static int32_t
find(const struct plan_fit *f, size_t k, const struct plan_load *need,
    int32_t ex1, int32_t ex2)
{
	int32_t h;

	if (f->ram[k] < need->ram || f->disk[k] < need->disk ||
	    f->vcpu[k] < need->vcpu)
		return PLAN_NONE;
	if (k >= f->n) {
		h = f->host_at[k - f->n];
		if (h == ex1 || h == ex2)
			return PLAN_NONE;
		return h;
	}
	h = find(f, 2 * k, need, ex1, ex2);
	if (h != PLAN_NONE)
		return h;
	return find(f, 2 * k + 1, need, ex1, ex2);
}

int32_t
plan_fit_first(const struct plan_fit *f, const struct plan_load *need,
    int32_t ex1, int32_t ex2)
{
	return find(f, 1, need, ex1, ex2);
}
