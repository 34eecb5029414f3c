/* Internals shared by the plan sources; not part of the library's API. */
#ifndef HANGAR_PLAN_INT_H
#define HANGAR_PLAN_INT_H

#include <pthread.h>
#include <stdint.h>

#include "lib/herr.h"
#include "plan/plan.h"

/* What a host carries (or can carry): RAM MiB, disk MiB, vCPUs. */
struct plan_load {
	int64_t	ram;
	int64_t	disk;
	int64_t	vcpu;
	int64_t	nguests;	/* primaries and secondaries */
};

void	 plan_load_init(const struct plan_cluster *, struct plan_load *);
void	 plan_caps_init(const struct plan_cluster *, int max_util_pct,
	    struct plan_load *);
int	 plan_load_fits(const struct plan_load *, const struct plan_load *cap);
void	 plan_move_need(const struct plan_guest *, enum plan_move_kind,
	    struct plan_load *);
void	 plan_load_add(struct plan_load *, const struct plan_load *, int sign);

int32_t	 plan_customer_intern(struct plan_cluster *, const char *owner);
int32_t	 plan_customer_append(struct plan_cluster *, const char *owner);
struct plan_guest	*plan_guest_append(struct plan_cluster *, const char *);
/* Room for n guests in all, so that appending them moves nothing. */
void			 plan_guest_reserve(struct plan_cluster *, size_t n);
/* The same with a name in c->names, not copied (only while nnamed ==
 * nguests, which it keeps). */
struct plan_guest	*plan_guest_append_named(struct plan_cluster *,
			    char *name);

/*
 * A max-tree over the hosts, in a chosen order, of their free RAM, disk
 * and vCPUs: finds the first host (in that order) where a guest fits in
 * O(log n) in the usual case.  Hosts left out of the order, or removed
 * with plan_fit_set(NULL), are never returned.
 */
struct plan_fit;

struct plan_fit	*plan_fit_new(size_t nhosts, const int32_t *order,
		    size_t norder);
void		 plan_fit_free(struct plan_fit *);
/* Another tree, as f is now (its saved copy too). */
struct plan_fit	*plan_fit_copy(const struct plan_fit *f);
void		 plan_fit_set(struct plan_fit *, int32_t host,
		    const struct plan_load *free_or_null);
/* First host with room for need, skipping ex1 and ex2 (or PLAN_NONE). */
int32_t		 plan_fit_first(struct plan_fit *,
		    const struct plan_load *need, int32_t ex1, int32_t ex2);
/* The same among the hosts at positions lo .. hi-1 of the order (a node
 * group's, see plan_order_by_group()). */
int32_t		 plan_fit_first_in(struct plan_fit *,
		    const struct plan_load *need, int32_t ex1, int32_t ex2,
		    size_t lo, size_t hi);
/*
 * Keeps the tree as it is now; plan_fit_restore() brings it back, in
 * time proportional to the hosts set since (not to the fleet).
 */
void		 plan_fit_save(struct plan_fit *);
void		 plan_fit_restore(struct plan_fit *);

/* A string -> index map (plan/strmap.c); keys must outlive it. */
struct strmap;

struct strmap	*strmap_new(size_t expect);
void		 strmap_free(struct strmap *);
int32_t		 strmap_get(const struct strmap *, const char *key);
/*
 * The same in steps: the key's hash, then a hint to bring its slot into
 * the cache, and the lookup some work later (a map of thousands of keys
 * is out of the cache while a file streams by).
 */
uint64_t	 strmap_hash(const char *key);
void		 strmap_prefetch(const struct strmap *, uint64_t hash);
int32_t		 strmap_get_hashed(const struct strmap *, const char *key,
		    uint64_t hash);
void		 strmap_put(struct strmap *, const char *key, int32_t val);

/*
 * The parser's instance section on two threads (plan/parse.c): from
 * plan_parse_par_lines lines on (about: the lines left in the file) and
 * only with a second CPU online; 0 forces two threads on any file and
 * any machine, each reading every other chunk whatever its speed (tests,
 * fuzzer); SIZE_MAX keeps to one.  Set it before
 * parsing, not while another thread parses.
 */
extern size_t	 plan_parse_par_lines;
/* Parses whose instances two threads read (for the tests). */
extern _Atomic unsigned long plan_parse_par_count;
/* A guest named name (not copied), with no host, owner or secondary. */
void		 plan_guest_init(struct plan_guest *, char *name);
/*
 * Counts the n slots after the last guest, filled by plan_guest_init()
 * with names in c->names, as guests (within gcap, while nnamed ==
 * nguests).
 */
void		 plan_guest_adopt_named(struct plan_cluster *, size_t n);
/* plan_customer_append() of an allocated name, which c now owns. */
int32_t		 plan_customer_adopt(struct plan_cluster *, char *owner);
/* 0 if a and b hold the same model, guest names by value; else -1 and
 * the first difference in why. */
int		 plan_cluster_diff(const struct plan_cluster *a,
		    const struct plan_cluster *b, char *why, size_t size);

/* plan_migrate_s() of g's cheapest move (onto its DRBD secondary). */
double		 plan_migrate_min_s(const struct plan_maint_opts *,
		    const struct plan_guest *);

/* ---- who takes part (plan/rules.c) ---- */

/*
 * Per host into cyc (room for nhosts): 1 if the maintenance cycle
 * reboots it: not retired, not offline, with one of o's node tags if
 * any, and, with skip_non_redundant, no guest without a DRBD copy.
 */
void		 plan_maint_cycle(const struct plan_cluster *,
		    const struct plan_maint_opts *, uint8_t *cyc);
/*
 * May maintenance live-migrate guest g (its customer's choice aside)?
 * It can live-migrate, its host is not offline, and neither
 * offline_maintenance nor (having no DRBD copy) ignore_non_redundant
 * keeps it in place.  Inline: the planners ask it of every guest.
 */
static inline int
plan_guest_may_move(const struct plan_cluster *c,
    const struct plan_maint_opts *o, int32_t g)
{
	const struct plan_guest *gg = &c->guests[g];

	return gg->live_migrate && !o->offline_maintenance &&
	    !(o->ignore_non_redundant && gg->secondary == PLAN_NONE) &&
	    !c->hosts[gg->host].offline;
}

/* The same, and no customer's choice for it. */
static inline int
plan_guest_movable(const struct plan_cluster *c,
    const struct plan_maint_opts *o, int32_t g)
{
	return plan_guest_may_move(c, o, g) && (c->choice == NULL ||
	    (size_t)g >= c->nchoice || c->choice[g] == PLAN_CHOICE_NONE);
}
/*
 * Sorts order[0..n) (hosts) by node group, keeping the order within a
 * group; group g's hosts are then order[gstart[g] .. gstart[g+1]-1]
 * (gstart: room for plan_ngroups() + 1).
 */
void		 plan_order_by_group(const struct plan_cluster *,
		    int32_t *order, size_t n, size_t *gstart);
/* -1 (HERR_USAGE) if a host's group is not one of the cluster's. */
int		 plan_cluster_groups_ok(const struct plan_cluster *,
		    struct herr *);
/*
 * plan_maintenance() of a PLAN_ROLL_FORWARD plan (plan/roll.c).  Its
 * builds run on two threads from plan_roll_par_guests guests on (and a
 * second CPU): below, a thread costs more than it saves; tests set 0.
 */
extern size_t	 plan_roll_par_guests;
int		 plan_roll_forward(const struct plan_cluster *,
		    const struct plan_maint_opts *, struct plan_maintenance **,
		    struct herr *);
/* The cost against the floor, and notes on it, into p (plan/cost.c). */
void		 plan_maint_cost(const struct plan_cluster *,
		    const struct plan_maint_opts *, struct plan_maintenance *);
/* The checker's own rules of who takes part (plan/check.c): hosts the
 * cycle reboots, guests that may move, and --master-last's order. */
void		 plan_check_cycle(const struct plan_cluster *,
		    const struct plan_maint_opts *, uint8_t *cyc);
int		 plan_check_may_move(const struct plan_cluster *,
		    const struct plan_maint_opts *, int32_t g);
int		 plan_check_master_last(const struct plan_cluster *,
		    const struct plan_maintenance *, struct herr *);
/* plan_check_maintenance() of a FORWARD plan (plan/check_roll.c). */
int		 plan_check_roll(const struct plan_cluster *,
		    const struct plan_maint_opts *,
		    const struct plan_maintenance *, struct herr *);

/*
 * pthread_create() for a short task, on another CPU than the caller's
 * where there is one (plan/thread.c); 0 or -1.
 */
int	 plan_thread_start(pthread_t *, void *(*)(void *), void *);

#endif
