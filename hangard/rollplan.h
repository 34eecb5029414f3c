/*
 * rollplan.h: maintenance plans as hangard keeps them (maint.c makes
 * them, rollplan.c rolls them forward, rollrun.c runs those).
 */
#ifndef HANGAR_HANGARD_ROLLPLAN_H
#define HANGAR_HANGARD_ROLLPLAN_H

#include "hangard/hangard.h"
#include "plan/plan.h"

/* The hosts named in hostlist and their guests, as the planner sees them. */
struct plan_cluster	*maint_cluster(struct daemon *d, json_object *hostlist,
			    struct herr *e);
/*
 * maint plan's options: --max-parallel, --roll (forward, or back with
 * --retire), --per-link, --reboot-time.
 */
int	maint_opts(struct proto_req *r, int retire, struct plan_maint_opts *o,
	    struct herr *e);
/* A plan's cost against the floor and what would shorten it. */
json_object	*maint_summary(const struct plan_cluster *c,
		    const struct plan_maintenance *m,
		    const struct plan_maint_opts *o);
/* A roll-forward plan as hangard keeps it (see rollplan.c). */
json_object	*roll_plan_json(const struct plan_cluster *c,
		    const struct plan_maintenance *m,
		    const struct plan_maint_opts *o, int64_t start,
		    int64_t window, const char *advisories);
/* Whether a kept plan rolls forward. */
int	plan_rolls_forward(json_object *plan);
/* A reply's batches counted from 1 (roll_hosts, moves). */
void	roll_reply_batches(json_object *plan);
/*
 * A customer's choice in a roll-forward cycle not yet started: the plan
 * is made again with it (refused, with why, if it cannot honour it).
 */
int	roll_choose(struct daemon *d, int64_t cycle, const struct guest_rec *g,
	    const char *action, int64_t window, struct herr *e);

#endif
