/*
 * The roll-forward planner's internals, shared by its two halves:
 * plan/roll.c (one build: batches, placement, schedule) and
 * plan/roll_pick.c (the setup the builds share, the builds on two
 * threads, and the plan made of the best).  See roll.c.
 */
#ifndef HANGAR_PLAN_ROLL_INT_H
#define HANGAR_PLAN_ROLL_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "plan/plan_int.h"

#define NSEED	4		/* builds: 0 .. NSEED - 1 seed batches */
#define SLACK	1.05		/* fewer double moves within 5 % of fastest */
#define ONCE	1.25		/* none at all within 25 % of it */
#define NSKIP	2		/* busy targets passed over for one guest */
#define SEEDDIV	8		/* with no --max-parallel, a seed batch
				   takes at most 1/SEEDDIV of the hosts */
#define FAILMAX	64		/* hosts in a row that could not join: the
				   batch stops looking */

enum { H_UNPATCHED, H_INBATCH, H_PATCHED, H_SKIP };
enum { IN_NONE, IN_PAT, IN_SEED };
/* how a host's guests may be placed */
enum { MODE_NORMAL, MODE_SEED, MODE_FORCED };

/* What every build shares, read only once made. */
struct rshared {
	const struct plan_cluster	*c;
	const struct plan_maint_opts	*o;
	size_t		 nlink;
	struct plan_load *cap;
	struct plan_load *ld0;
	uint8_t		*active;	/* may receive guests */
	uint8_t		*cyc;		/* reboots (plan_maint_cycle()); an
					   active host that does not is
					   patched from the start */
	uint8_t		*movable;	/* guest -> plan_guest_movable() */
	uint8_t		*may;		/* guest -> plan_guest_may_move() */
	size_t		 ngroups;
	int32_t		*pstart;	/* host -> its guests, biggest first */
	int32_t		*plist;
	int32_t		*sstart;	/* host -> guests with a DRBD copy */
	int32_t		*slist;
	int32_t		*cand;		/* hosts that reboot, least to send
					   first */
	size_t		 ncand;
	int32_t		*pat_order;	/* fit order of patched targets */
	int32_t		*seed_order;	/* of unpatched: the last candidates
					   first */
	size_t		 npat;		/* in pat_order */
	size_t		 nseedt;	/* in seed_order */
	size_t		*gpat;		/* node group -> its range of */
	size_t		*gseed;		/* pat_order, of seed_order */
	size_t		*seedp;		/* node group -> hosts of it in a
					   seed batch, at most */
	size_t		*climit;	/* customer -> down limit */
	int32_t		*choice;	/* guest -> PLAN_CHOICE_* or batch */
	int32_t		*wguests;	/* guests that chose a batch */
	size_t		 nwguests;
};

/* A move while planning; times come when its host joins a batch. */
struct rmove {
	int32_t	guest;
	int32_t	from;
	int32_t	to;
	int32_t	batch;
	int32_t	sec;		/* the guest's secondary before it */
	int32_t	into;		/* 1: into a batch host, for a chosen batch */
	size_t	seq;		/* order scheduled in: ties of time */
	double	start;
	double	end;
};

/* A reboot: when guests of a customer are down. */
struct ivl {
	double	from;
	double	to;
	int32_t	n;		/* guests down */
};

/* A double that try_host() changed, and what it was. */
struct undo {
	double	*at;
	double	 was;
};

/* A guest that goes down, recorded by the batch it goes down in. */
struct rdown {
	int32_t	guest;
	int32_t	host;
	int	why;		/* 0 cannot move, 1 no room, 2 chosen */
};


struct rtrials;

struct roll {
	const struct rshared	*s;
	struct rtrials		*ts;	/* the builds this one is of, or NULL */
	int			 done;	/* 1 built, 2 given up */
	const struct plan_cluster *c;
	int		 nseed;		/* seed batches of this build */
	struct plan_load *ld;
	uint8_t		*hst;		/* H_* */
	uint8_t		*intree;	/* IN_* */
	uint8_t		*stale;		/* its room in the tree is more than
					   it has (refreshed when found) */
	uint8_t		*used;		/* has received in this batch */
	int32_t		*cur;		/* guest -> primary host now */
	int32_t		*csec;		/* guest -> DRBD secondary now */
	int32_t		*bfrom;		/* guest -> host it left, this batch */
	int32_t		*bmark;		/* guest -> batch of bfrom */
	int32_t		*nmv;		/* guest -> moves so far */
	double		*ready;		/* guest -> its last move's end */
	int64_t		*wantr;		/* host -> RAM of guests to move off */
	uint8_t		*isdown;	/* guest -> went down (why + 1) */
	int32_t		**arr;		/* host -> guests that came to it */
	size_t		*narr;
	size_t		*carr;
	struct plan_fit	*tpat;
	struct plan_fit	*tseed;
	int64_t		*patched_free;	/* node group -> RAM free on its
					   patched targets */
	size_t		*gbatches;	/* node group -> batches with a host
					   of it, closed */
	size_t		*gtaken;	/* node group -> hosts in this batch */
	size_t		*gfail;		/* node group -> hosts in a row that
					   could not join */
	size_t		*cdown;
	struct rmove	*mv;
	size_t		 nmv_all;
	size_t		 cmv;
	struct rdown	*dn;
	size_t		 ndn;
	size_t		 cdn;
	int32_t		*usedl;		/* hosts that received, this batch */
	int32_t		*part;		/* partners_of() */
	size_t		 npart;
	size_t		 nused;
	int32_t		*bhost;		/* hosts of all batches, in order */
	size_t		 nbhost;
	size_t		*bstart;	/* batch -> first in bhost */
	size_t		 nb;
	double		*sendf;		/* host * nlink -> slot free at */
	double		*recvf;
	double		*rs, *re, *es;	/* host -> reboot start, end, first
					   move out */
	double		*rslot;		/* reboot slot -> free from (P of
					   them; NULL: no limit) */
	size_t		 nrslot;
	struct ivl	**civ;		/* customer -> its down intervals */
	size_t		*nciv;
	size_t		*cciv;
	double		 last;		/* the last reboot's end */
	struct undo	*ul;		/* slot and time changes to undo */
	size_t		 nul;
	size_t		 cul;
	size_t		 nsched;	/* moves scheduled */
	char		**warn;
	size_t		 nwarn;
	/* the result */
	size_t		 nrebooted;
	size_t		 ntwice;
	double		 total;
};


struct rtrials {
	pthread_mutex_t	 mu;
	const struct rshared *s;
	size_t		 next;
	struct roll	 t[NSEED];
};

/* roll.c */
void	 roll_init(struct roll *, const struct rshared *, int nseed);
void	 roll_release(struct roll *);
/* Builds every batch; the plan's figures are in r afterwards. */
void	 roll_build(struct roll *);

/* roll_pick.c */
/* Can build r, so far, still be the plan chosen? */
int	 roll_still_needed(struct roll *);

#endif
