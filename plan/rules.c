/*
 * Rules the planners share about which hosts and guests take part:
 * which hosts a maintenance cycle reboots (hroller's options), which
 * guests it may move, and the hosts in node-group order (a group is a
 * migration domain: a guest never leaves its host's group).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

/* Has host h one of the n tags? */
static int
has_any_tag(const struct plan_host *h, const char **tags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (plan_host_has_tag(h, tags[i]))
			return 1;
	return 0;
}

void
plan_maint_cycle(const struct plan_cluster *c, const struct plan_maint_opts *o,
    uint8_t *cyc)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		const struct plan_host *h = &c->hosts[i];

		cyc[i] = h->state != PLAN_HOST_RETIRED && !h->offline &&
		    (o->nnode_tags == 0 || has_any_tag(h, o->node_tags,
		    o->nnode_tags));
	}
	if (o->skip_non_redundant)
		for (i = 0; i < c->nguests; i++)
			if (c->guests[i].secondary == PLAN_NONE)
				cyc[c->guests[i].host] = 0;
}

void
plan_order_by_group(const struct plan_cluster *c, int32_t *order, size_t n,
    size_t *gstart)
{
	size_t ng = plan_ngroups(c), i, *fill;
	int32_t *tmp;

	memset(gstart, 0, (ng + 1) * sizeof(size_t));
	for (i = 0; i < n; i++)
		gstart[c->hosts[order[i]].group + 1]++;
	for (i = 0; i < ng; i++)
		gstart[i + 1] += gstart[i];
	if (ng == 1)
		return;		/* one group: the order as it is */
	fill = xcalloc(ng, sizeof(size_t));
	tmp = xreallocarray(NULL, n + 1, sizeof(int32_t));
	for (i = 0; i < n; i++) {
		int32_t g = c->hosts[order[i]].group;

		tmp[gstart[g] + fill[g]++] = order[i];
	}
	memcpy(order, tmp, n * sizeof(int32_t));
	free(tmp);
	free(fill);
}

int
plan_cluster_groups_ok(const struct plan_cluster *c, struct herr *e)
{
	size_t i, ng = plan_ngroups(c);

	for (i = 0; i < c->nhosts; i++)
		if (c->hosts[i].group < 0 || (size_t)c->hosts[i].group >= ng)
			return herr_set(e, HERR_USAGE, "host %s: node group %d "
			    "of %zu", c->hosts[i].name, (int)c->hosts[i].group,
			    ng);
	return 0;
}
