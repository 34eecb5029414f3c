/*
 * client: a blocking client of hangard's socket, for hangar(8) and
 * hangar-console.  Who we are is decided by the daemon from SO_PEERCRED;
 * nothing we send can change it.
 */
#ifndef HANGAR_CLIENT_H
#define HANGAR_CLIENT_H

#include <json-c/json.h>

#include "lib/herr.h"

struct rpc_client;

/* Connects and says hello; NULL with e set (HERR_UNREACHABLE, HERR_PERM). */
struct rpc_client	*rpc_connect(const char *sockpath, struct herr *e);
void			 rpc_close(struct rpc_client *c);
/* "operator" or "customer", and the customer's name (or ""). */
const char	*rpc_role(const struct rpc_client *c);
const char	*rpc_customer(const struct rpc_client *c);
/*
 * Calls method with params (consumed; may be NULL).  On success *result is
 * a new reference the caller puts, or NULL.
 */
int	 rpc_call(struct rpc_client *c, const char *method, json_object *params,
	    json_object **result, struct herr *e);
/*
 * The same, giving the result as JSON text (*text, *len; the caller
 * frees it), taken from the reply line as it is when it has the form
 * hangard writes for big replies, so a 20,000-guest list is not made
 * into objects first; an error reply fills e as rpc_call does.
 */
int	 rpc_call_text(struct rpc_client *c, const char *method,
	    json_object *params, char **text, size_t *len, struct herr *e);

#endif
