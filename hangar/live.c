/*
 * live: the fleet as the planners see it, read from hangard (host.list,
 * guest.list), so `hangar plan consolidate|maintenance` works on the live
 * fleet as well as on an htools cluster file (-t).  Hosts are tagged
 * stor:hdd / stor:ssd like htools clusters, so the same selectors work.
 */
#ifdef HANGAR_HAVE_PLAN
#include <stdio.h>
#include <string.h>

#include "hangar/hangar.h"
#include "plan/plan.h"
#include "rpc/proto.h"

struct plan_cluster *
live_cluster(struct cli *cli, struct herr *e)
{
	struct rpc_client *rc;
	struct plan_cluster *c = NULL;
	json_object *hosts = NULL, *guests = NULL, *o;
	const char *kind;
	char tags[32];
	size_t i;

	if ((rc = cli_connect(cli, e)) == NULL)
		return NULL;
	if (rpc_call(rc, "host.list", NULL, &hosts, e) == -1 ||
	    rpc_call(rc, "guest.list", NULL, &guests, e) == -1)
		goto out;
	c = plan_cluster_new();
	for (i = 0; i < json_object_array_length(hosts); i++) {
		o = json_object_array_get_idx(hosts, i);
		kind = proto_get_str(o, "disk_kind");
		snprintf(tags, sizeof(tags), "stor:%s", kind);
		if (plan_cluster_add_host(c, proto_get_str(o, "name"),
		    proto_get_int(o, "ram_mib"), proto_get_int(o, "disk_mib"),
		    (int32_t)proto_get_int(o, "cpus"),
		    strcmp(kind, "ssd") == 0 ? PLAN_DISK_SSD : PLAN_DISK_HDD,
		    plan_host_state_parse(proto_get_str(o, "state")), tags) == -1)
			goto fail;
	}
	for (i = 0; i < json_object_array_length(guests); i++) {
		o = json_object_array_get_idx(guests, i);
		if (plan_cluster_add_guest(c, proto_get_str(o, "name"),
		    proto_get_str(o, "owner"), proto_get_int(o, "ram_mib"),
		    proto_get_int(o, "disk_mib"),
		    (int32_t)proto_get_int(o, "vcpus"),
		    plan_host_find(c, proto_get_str(o, "host")), PLAN_NONE, 1) == -1)
			goto fail;
	}
	goto out;
fail:
	herr_set(e, HERR_INTERNAL, "the live fleet does not fit the planner's "
	    "model");
	plan_cluster_free(c);
	c = NULL;
out:
	json_object_put(hosts);
	json_object_put(guests);
	rpc_close(rc);
	return c;
}
#endif
