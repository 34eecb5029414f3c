/*
 * A string -> index map for the parser: open addressing with FNV-1a.
 * glibc's hsearch_r was the first choice, but its hash makes names such
 * as vps0000001..vps0200000 collide: it took 60% of the time to parse a
 * 200,000-guest file.  Keys are not copied: they must outlive the map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "plan/plan_int.h"

struct strmap {
	const char	**key;
	int32_t		 *val;
	size_t		  mask;		/* slots - 1, a power of two */
	size_t		  n;
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

struct strmap *
strmap_new(size_t expect)
{
	struct strmap *m = xcalloc(1, sizeof(*m));
	size_t slots = 16;

	while (slots < expect * 2)
		slots *= 2;
	m->key = xcalloc(slots, sizeof(*m->key));
	m->val = xcalloc(slots, sizeof(*m->val));
	m->mask = slots - 1;
	return m;
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	free(m->key);
	free(m->val);
	free(m);
}

static size_t
slot(const struct strmap *m, const char *key)
{
	size_t i = (size_t)fnv1a(key) & m->mask;

	while (m->key[i] != NULL && strcmp(m->key[i], key) != 0)
		i = (i + 1) & m->mask;
	return i;
}

int32_t
strmap_get(const struct strmap *m, const char *key)
{
	size_t i = slot(m, key);

	return m->key[i] != NULL ? m->val[i] : PLAN_NONE;
}

static void
grow(struct strmap *m)
{
	struct strmap big;
	size_t i, j;

	big.mask = m->mask * 2 + 1;
	big.key = xcalloc(big.mask + 1, sizeof(*big.key));
	big.val = xcalloc(big.mask + 1, sizeof(*big.val));
	for (i = 0; i <= m->mask; i++) {
		if (m->key[i] == NULL)
			continue;
		j = slot(&big, m->key[i]);
		big.key[j] = m->key[i];
		big.val[j] = m->val[i];
	}
	free(m->key);
	free(m->val);
	m->key = big.key;
	m->val = big.val;
	m->mask = big.mask;
}

void
strmap_put(struct strmap *m, const char *key, int32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->mask + 1)
		grow(m);
	i = slot(m, key);
	if (m->key[i] == NULL)
		m->n++;
	m->key[i] = key;
	m->val[i] = val;
}
