/*
 * tell: the IRC channel where hangard says what a maintenance run is
 * doing, as it happens (notify/irc: in the poll loop, reconnecting by
 * itself, flood-controlled).
 */
#include <string.h>

#include "hangard/hangard.h"
#include "lib/log.h"
#include "lib/str.h"
#include "notify/irc.h"

int
tell_start(struct daemon *d, struct herr *e)
{
	struct irc_cfg ic;
	char host[256], *colon;

	if (d->cfg.irc_server[0] == '\0')
		return 0;
	if (d->cfg.irc_channel[0] == '\0')
		return herr_set(e, HERR_USAGE, "irc_server is set but "
		    "irc_channel is not");
	str_copy(host, d->cfg.irc_server, sizeof(host));
	colon = strrchr(host, ':');
	*colon = '\0';
	memset(&ic, 0, sizeof(ic));
	ic.host = host[0] == '[' ? host + 1 : host;
	if (host[0] == '[' && colon > host && colon[-1] == ']')
		colon[-1] = '\0';
	ic.port = colon + 1;
	ic.nick = d->cfg.irc_nick;
	ic.channel = d->cfg.irc_channel;
	ic.realname = "hangar maintenance";
	if ((d->irc = irc_new(&ic, e)) == NULL)
		return -1;
	log_info("IRC: telling %s on %s", d->cfg.irc_channel,
	    d->cfg.irc_server);
	return 0;
}

void
tell_stop(struct daemon *d)
{
	irc_free(d->irc);
	d->irc = NULL;
}

void
tell_irc(struct daemon *d, const char *text)
{
	if (d->irc != NULL)
		irc_say(d->irc, text);
}
