/*
 * A string -> index map for the parser: open addressing with FNV-1a;
 * a slot holds the key, 32 bits of its hash, the value and the key's
 * first bytes side by side, so a lookup of a short key reads one slot
 * and no string (the maps of a large fleet are out of the cache).
 * glibc's hsearch_r was the first choice, but its hash makes names such
 * as vps0000001..vps0200000 collide: it took 60% of the time to parse a
 * 200,000-guest file.  Keys are not copied: they must outlive the map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "plan/plan_int.h"

#define HEAD	16

struct slot {
	const char	*key;		/* NULL: free */
	uint32_t	 hash;
	int32_t		 val;
	char		 head[HEAD];	/* key's first HEAD - 1 bytes, NULs */
};

struct strmap {
	struct slot	*slot;
	size_t		 mask;		/* slots - 1, a power of two */
	size_t		 n;
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * Free slots, written here rather than calloc()'d: a page of fresh zeroes
 * is mapped at its first lookup, then copied at its first put, and while
 * a second thread of the process runs (the parser's) that copy flushes
 * the other CPU's TLB: an interrupt, which a virtual machine makes dear.
 */
static struct slot *
slots_new(size_t n)
{
	struct slot *sl = xreallocarray(NULL, n, sizeof(*sl));

	memset(sl, 0, n * sizeof(*sl));
	return sl;
}

struct strmap *
strmap_new(size_t expect)
{
	struct strmap *m = xcalloc(1, sizeof(*m));
	size_t slots = 16;

	while (slots < expect * 2)
		slots *= 2;
	m->slot = slots_new(slots);
	m->mask = slots - 1;
	return m;
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	free(m->slot);
	free(m);
}

/* Is the key of (used) slot sl key?  Short keys end in its head. */
static int
same_key(const struct slot *sl, const char *key)
{
	size_t i;

	for (i = 0; i < HEAD - 1; i++) {
		if (sl->head[i] != key[i])
			return 0;
		if (key[i] == '\0')
			return 1;
	}
	return strcmp(sl->key + i, key + i) == 0;
}

/* The slot of key (hash h), or the free one where it would go. */
static struct slot *
find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & m->mask;
	struct slot *sl;

	for (;; i = (i + 1) & m->mask) {
		sl = &m->slot[i];
		if (sl->key == NULL || (sl->hash == (uint32_t)(h >> 32) &&
		    same_key(sl, key)))
			return sl;
	}
}

int32_t
strmap_get(const struct strmap *m, const char *key)
{
	return strmap_get_hashed(m, key, fnv1a(key));
}

uint64_t
strmap_hash(const char *key)
{
	return fnv1a(key);
}

void
strmap_prefetch(const struct strmap *m, uint64_t h)
{
	__builtin_prefetch(&m->slot[(size_t)h & m->mask]);
}

int32_t
strmap_get_hashed(const struct strmap *m, const char *key, uint64_t h)
{
	const struct slot *sl = find(m, key, h);

	return sl->key != NULL ? sl->val : PLAN_NONE;
}

static void
grow(struct strmap *m)
{
	struct strmap big;
	struct slot *sl;
	size_t i;

	big.mask = m->mask * 2 + 1;
	big.slot = slots_new(big.mask + 1);
	for (i = 0; i <= m->mask; i++) {
		if (m->slot[i].key == NULL)
			continue;
		/* the hash is kept in halves: the low one places the key */
		sl = &big.slot[(size_t)fnv1a(m->slot[i].key) & big.mask];
		while (sl->key != NULL)
			sl = &big.slot[(size_t)(sl - big.slot + 1) & big.mask];
		*sl = m->slot[i];
	}
	free(m->slot);
	m->slot = big.slot;
	m->mask = big.mask;
}

void
strmap_put(struct strmap *m, const char *key, int32_t val)
{
	struct slot *sl;
	uint64_t h;

	if ((m->n + 1) * 2 > m->mask + 1)
		grow(m);
	h = fnv1a(key);
	sl = find(m, key, h);
	if (sl->key == NULL)
		m->n++;
	sl->key = key;
	sl->hash = (uint32_t)(h >> 32);
	sl->val = val;
	strncpy(sl->head, key, HEAD - 1);	/* NUL-padded */
	sl->head[HEAD - 1] = '\0';
}
