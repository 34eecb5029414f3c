/* The cluster model: hosts, guests, customers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

static void	*grow(void *, size_t, size_t);

struct plan_cluster *
plan_cluster_new(void)
{
	struct plan_cluster *c = xcalloc(1, sizeof(*c));

	c->vcpu_ratio = PLAN_DEFAULT_VCPU_RATIO;
	return c;
}

void
plan_cluster_free(struct plan_cluster *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nhosts; i++) {
		free(c->hosts[i].name);
		free(c->hosts[i].tags);
	}
	for (i = c->nnamed; i < c->nguests; i++)
		free(c->guests[i].name);
	free(c->names);
	for (i = 0; i < c->ncustomers; i++)
		free(c->customers[i]);
	free(c->hosts);
	free(c->guests);
	free(c->customers);
	free(c->choice);
	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	free(c->groups);
	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c);
}

int32_t
plan_cluster_add_group(struct plan_cluster *c, const char *name)
{
	c->groups = grow(c->groups, c->ngroups, sizeof(*c->groups));
	c->groups[c->ngroups] = xstrdup(name != NULL ? name : "");
	return (int32_t)c->ngroups++;
}

size_t
plan_ngroups(const struct plan_cluster *c)
{
	return c->ngroups > 0 ? c->ngroups : 1;
}

const char *
plan_group_name(const struct plan_cluster *c, int32_t g)
{
	if (g < 0 || (size_t)g >= c->ngroups)
		return "default";
	return c->groups[g];
}

int
plan_cluster_set_choice(struct plan_cluster *c, int32_t guest, int32_t choice)
{
	size_t i;

	if (guest < 0 || (size_t)guest >= c->nguests ||
	    choice < PLAN_CHOICE_NONE)
		return -1;
	if (c->nchoice < c->nguests) {
		c->choice = xreallocarray(c->choice, c->nguests,
		    sizeof(int32_t));
		for (i = c->nchoice; i < c->nguests; i++)
			c->choice[i] = PLAN_CHOICE_NONE;
		c->nchoice = c->nguests;
	}
	c->choice[guest] = choice;
	return 0;
}

int32_t
plan_guest_choice(const struct plan_cluster *c, int32_t guest)
{
	if (c->choice == NULL || guest < 0 || (size_t)guest >= c->nchoice)
		return PLAN_CHOICE_NONE;
	return c->choice[guest];
}

/* Makes room for element n; capacity is the next power of two >= 16. */
static void *
grow(void *p, size_t n, size_t elem)
{
	if (n == 0)
		return xreallocarray(p, 16, elem);
	if (n >= 16 && (n & (n - 1)) == 0)
		return xreallocarray(p, n * 2, elem);
	return p;
}

int
plan_cluster_add_host(struct plan_cluster *c, const char *name,
    int64_t ram_mib, int64_t disk_mib, int32_t cpus, enum plan_disk_kind kind,
    enum plan_host_state state, const char *tags)
{
	struct plan_host *h;

	if (name == NULL || *name == '\0')
		return -1;
	if (ram_mib < 0 || disk_mib < 0 || cpus < 0)
		return -1;
	c->hosts = grow(c->hosts, c->nhosts, sizeof(*c->hosts));
	h = &c->hosts[c->nhosts++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->ram_mib = ram_mib;
	h->disk_mib = disk_mib;
	h->cpus = cpus;
	h->disk_kind = kind;
	h->state = state;
	h->tags = xstrdup(tags != NULL ? tags : "");
	return 0;
}

int32_t
plan_customer_intern(struct plan_cluster *c, const char *owner)
{
	size_t i;

	if (owner == NULL || *owner == '\0')
		return PLAN_NONE;
	/* callers with many customers go through the parser's hash */
	for (i = c->ncustomers; i > 0; i--)
		if (strcmp(c->customers[i - 1], owner) == 0)
			return (int32_t)(i - 1);
	return plan_customer_append(c, owner);
}

int32_t
plan_customer_append(struct plan_cluster *c, const char *owner)
{
	return plan_customer_adopt(c, xstrdup(owner));
}

int32_t
plan_customer_adopt(struct plan_cluster *c, char *owner)
{
	c->customers = grow(c->customers, c->ncustomers,
	    sizeof(*c->customers));
	c->customers[c->ncustomers] = owner;
	return (int32_t)c->ncustomers++;
}

void
plan_guest_reserve(struct plan_cluster *c, size_t n)
{
	if (n <= c->gcap)
		return;
	c->guests = xreallocarray(c->guests, n, sizeof(*c->guests));
	c->gcap = n;
}

void
plan_guest_init(struct plan_guest *g, char *name)
{
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->owner = PLAN_NONE;
	g->host = PLAN_NONE;
	g->secondary = PLAN_NONE;
}

static struct plan_guest *
guest_append(struct plan_cluster *c, char *name)
{
	struct plan_guest *g;

	if (c->nguests == c->gcap)
		plan_guest_reserve(c, c->gcap > 0 ? 2 * c->gcap : 16);
	g = &c->guests[c->nguests++];
	plan_guest_init(g, name);
	return g;
}

struct plan_guest *
plan_guest_append(struct plan_cluster *c, const char *name)
{
	return guest_append(c, xstrdup(name));
}

struct plan_guest *
plan_guest_append_named(struct plan_cluster *c, char *name)
{
	struct plan_guest *g;

	if (c->nnamed != c->nguests)
		abort();	/* a name in the block after one that is not */
	g = guest_append(c, name);
	c->nnamed++;
	return g;
}

void
plan_guest_adopt_named(struct plan_cluster *c, size_t n)
{
	if (c->nnamed != c->nguests || n > c->gcap - c->nguests)
		abort();	/* not slots of named guests after the last */
	c->nguests += n;
	c->nnamed += n;
}

int
plan_cluster_add_guest(struct plan_cluster *c, const char *name,
    const char *owner, int64_t ram_mib, int64_t disk_mib, int32_t vcpus,
    int32_t host, int32_t secondary, int live_migrate)
{
	struct plan_guest *g;

	if (name == NULL || *name == '\0' || ram_mib < 0 || disk_mib < 0 ||
	    vcpus < 0)
		return -1;
	if (host < 0 || (size_t)host >= c->nhosts)
		return -1;
	if (secondary != PLAN_NONE && (secondary < 0 ||
	    (size_t)secondary >= c->nhosts || secondary == host))
		return -1;
	g = plan_guest_append(c, name);
	g->owner = plan_customer_intern(c, owner);
	g->ram_mib = ram_mib;
	g->disk_mib = disk_mib;
	g->vcpus = vcpus;
	g->host = host;
	g->secondary = secondary;
	g->live_migrate = live_migrate != 0;
	return 0;
}

int32_t
plan_host_find(const struct plan_cluster *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return (int32_t)i;
	return PLAN_NONE;
}

int
plan_host_has_tag(const struct plan_host *h, const char *tag)
{
	size_t n = strlen(tag);
	const char *p = h->tags;

	if (n == 0)
		return 0;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, tag, n) == 0)
			return 1;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

int64_t
plan_host_vcpu_cap(const struct plan_cluster *c, const struct plan_host *h)
{
	return (int64_t)floor((double)h->cpus * c->vcpu_ratio + 1e-9);
}

int64_t
plan_host_ram_cap(const struct plan_host *h)
{
	int64_t r = h->ram_mib - h->reserved_mib;

	return r > 0 ? r : 0;
}

int64_t
plan_host_disk_cap(const struct plan_host *h)
{
	int64_t d = h->disk_mib - h->reserved_disk_mib;

	return d > 0 ? d : 0;
}

int
plan_host_target(const struct plan_host *h)
{
	return h->state == PLAN_HOST_ACTIVE && !h->offline;
}

const char *
plan_disk_kind_name(enum plan_disk_kind k)
{
	switch (k) {
	case PLAN_DISK_HDD:
		return "hdd";
	case PLAN_DISK_SSD:
		return "ssd";
	default:
		return "-";
	}
}

const char *
plan_host_state_name(enum plan_host_state s)
{
	switch (s) {
	case PLAN_HOST_ACTIVE:
		return "active";
	case PLAN_HOST_MAINTENANCE:
		return "maintenance";
	case PLAN_HOST_DRAINING:
		return "draining";
	case PLAN_HOST_RETIRED:
		return "retired";
	}
	return "?";
}

/* The store's spelling of a host state; anything else is active. */
enum plan_host_state
plan_host_state_parse(const char *s)
{
	if (strcmp(s, "maintenance") == 0)
		return PLAN_HOST_MAINTENANCE;
	if (strcmp(s, "draining") == 0)
		return PLAN_HOST_DRAINING;
	if (strcmp(s, "retired") == 0)
		return PLAN_HOST_RETIRED;
	return PLAN_HOST_ACTIVE;
}

const char *
plan_why_text(enum plan_unplaced_why w)
{
	switch (w) {
	case PLAN_WHY_NO_TARGET:
		return "no eligible target host";
	case PLAN_WHY_RAM:
		return "not enough free RAM on any eligible host";
	case PLAN_WHY_DISK:
		return "not enough free disk on any eligible host";
	case PLAN_WHY_VCPU:
		return "not enough free vCPUs on any eligible host";
	case PLAN_WHY_COMBINED:
		return "no eligible host has enough RAM, disk and vCPUs at once";
	}
	return "?";
}

/* ---- load accounting shared by the planners and the checker ---- */

void
plan_load_init(const struct plan_cluster *c, struct plan_load *ld)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		ld[i] = (struct plan_load){0, 0, 0, 0};
	for (i = 0; i < c->nguests; i++) {
		const struct plan_guest *g = &c->guests[i];

		ld[g->host].ram += g->ram_mib;
		ld[g->host].disk += g->disk_mib;
		ld[g->host].vcpu += g->vcpus;
		ld[g->host].nguests++;
		if (g->secondary != PLAN_NONE) {
			ld[g->secondary].disk += g->disk_mib;
			ld[g->secondary].nguests++;
		}
	}
}

void
plan_caps_init(const struct plan_cluster *c, int max_util_pct,
    struct plan_load *cap)
{
	size_t i;
	int pct = max_util_pct > 0 && max_util_pct <= 100 ? max_util_pct : 100;

	for (i = 0; i < c->nhosts; i++) {
		const struct plan_host *h = &c->hosts[i];

		cap[i].ram = plan_host_ram_cap(h) * pct / 100;
		cap[i].disk = plan_host_disk_cap(h) * pct / 100;
		cap[i].vcpu = plan_host_vcpu_cap(c, h) * pct / 100;
		cap[i].nguests = 0;
	}
}

int
plan_load_fits(const struct plan_load *ld, const struct plan_load *cap)
{
	return ld->ram <= cap->ram && ld->disk <= cap->disk &&
	    ld->vcpu <= cap->vcpu;
}

/* What a move adds to the target (and takes from the source). */
void
plan_move_need(const struct plan_guest *g, enum plan_move_kind kind,
    struct plan_load *need)
{
	need->disk = g->disk_mib;
	need->nguests = 1;
	if (kind == PLAN_MOVE_PRIMARY) {
		need->ram = g->ram_mib;
		need->vcpu = g->vcpus;
	} else {
		need->ram = 0;
		need->vcpu = 0;
	}
}

void
plan_load_add(struct plan_load *ld, const struct plan_load *d, int sign)
{
	ld->ram += sign * d->ram;
	ld->disk += sign * d->disk;
	ld->vcpu += sign * d->vcpu;
	ld->nguests += sign * d->nguests;
}

/* ---- comparing two models (the parser's tests and fuzzer) ---- */

static int
differ(char *why, size_t size, const char *what, size_t i)
{
	snprintf(why, size, "%s %zu differs", what, i);
	return -1;
}

static int
host_same(const struct plan_host *a, const struct plan_host *b)
{
	return strcmp(a->name, b->name) == 0 && a->ram_mib == b->ram_mib &&
	    a->reserved_mib == b->reserved_mib && a->disk_mib == b->disk_mib &&
	    a->cpus == b->cpus && a->disk_kind == b->disk_kind &&
	    a->state == b->state && strcmp(a->tags, b->tags) == 0 &&
	    a->group == b->group && a->offline == b->offline &&
	    a->master == b->master &&
	    a->reserved_disk_mib == b->reserved_disk_mib;
}

static int
guest_same(const struct plan_guest *a, const struct plan_guest *b)
{
	return strcmp(a->name, b->name) == 0 && a->owner == b->owner &&
	    a->ram_mib == b->ram_mib && a->disk_mib == b->disk_mib &&
	    a->vcpus == b->vcpus && a->host == b->host &&
	    a->secondary == b->secondary &&
	    a->live_migrate == b->live_migrate;
}

int
plan_cluster_diff(const struct plan_cluster *a, const struct plan_cluster *b,
    char *why, size_t size)
{
	size_t i;

	if (a->nhosts != b->nhosts || a->nguests != b->nguests ||
	    a->ncustomers != b->ncustomers || a->nnamed != b->nnamed) {
		snprintf(why, size, "counts differ: %zu/%zu hosts, %zu/%zu "
		    "guests, %zu/%zu customers, %zu/%zu named", a->nhosts,
		    b->nhosts, a->nguests, b->nguests, a->ncustomers,
		    b->ncustomers, a->nnamed, b->nnamed);
		return -1;
	}
	if (memcmp(&a->vcpu_ratio, &b->vcpu_ratio, sizeof(double)) != 0)
		return differ(why, size, "vcpu_ratio", 0);
	for (i = 0; i < a->nhosts; i++)
		if (!host_same(&a->hosts[i], &b->hosts[i]))
			return differ(why, size, "host", i);
	for (i = 0; i < a->nguests; i++)
		if (!guest_same(&a->guests[i], &b->guests[i]))
			return differ(why, size, "guest", i);
	for (i = 0; i < a->ncustomers; i++)
		if (strcmp(a->customers[i], b->customers[i]) != 0)
			return differ(why, size, "customer", i);
	if (a->ngroups != b->ngroups || a->nwarnings != b->nwarnings)
		return differ(why, size, "group or warning count", 0);
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], b->groups[i]) != 0)
			return differ(why, size, "group", i);
	for (i = 0; i < a->nwarnings; i++)
		if (strcmp(a->warnings[i], b->warnings[i]) != 0)
			return differ(why, size, "warning", i);
	return 0;
}
