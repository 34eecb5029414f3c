/*
 * hangard: hangar's control daemon.  See hangard(8).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "hangard/incident.h"
#include "images/images.h"
#include "lib/log.h"
#include "lib/str.h"
#include "notify/mail.h"

#define DEFAULT_CONFIG	"/etc/hangar/hangard.conf"
#define DEFAULT_STATE	"/var/lib/hangar"

static void
usage(void)
{
	fprintf(stderr, "usage: hangard [-dnv] [-f file] [-s state_dir]\n");
	exit(2);
}

int
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_copy(cfg->state_dir, DEFAULT_STATE, sizeof(cfg->state_dir));
	str_copy(cfg->admin_group, "hangar-admin", sizeof(cfg->admin_group));
	str_copy(cfg->keys_dir, "/etc/hangar/keys", sizeof(cfg->keys_dir));
	str_copy(cfg->feed_title, "Service status", sizeof(cfg->feed_title));
	str_copy(cfg->feed_base_url, "http://localhost/",
	    sizeof(cfg->feed_base_url));
	str_copy(cfg->feed_author, "Operations", sizeof(cfg->feed_author));
	str_copy(cfg->mail_from, "hangar@localhost", sizeof(cfg->mail_from));
	str_copy(cfg->sendmail, "/usr/sbin/sendmail", sizeof(cfg->sendmail));
	cfg->vcpu_ratio = 4;
	cfg->migrate_copy_storage = 1;
	cfg->host_up_timeout = 1800;
	cfg->shutdown_timeout = 120;
	str_copy(cfg->irc_nick, "hangar", sizeof(cfg->irc_nick));
	cfg->refresh_interval = 10;
	cfg->worker_idle = 30;
	cfg->max_clients = 0;		/* from the descriptor limit */
	cfg->max_clients_per_uid = 32;
	cfg->hello_timeout = 10;
	cfg->idle_timeout = 1800;
	cfg->write_timeout = 60;
	cfg->max_client_output = 64;
	cfg->max_output = 256;
	/* a silent host is closed after 2 * (3 + 1) = 8 s (hangard(8)) */
	cfg->keepalive_interval = 2;
	cfg->keepalive_count = 3;
	cfg->reconnect_max = 30;
	cfg->connect_timeout = HV_PROBE_DEFAULT_MS;
	cfg->incident_post_after = 300;
	str_copy(cfg->ingest_user, "hangar-ingest", sizeof(cfg->ingest_user));
	str_copy(cfg->ingest_command, "/usr/sbin/hangar-ingest",
	    sizeof(cfg->ingest_command));
	return 0;
}

static int
set_int(const char *v, int min, int max, int *out)
{
	long long n;

	if (str_parse_int(v, min, max, &n) == -1)
		return -1;
	*out = (int)n;
	return 0;
}

/* The client limits (hangard(8), LIMITS): 1 if key is one of them. */
static int
config_limit(struct config *cfg, const char *key, const char *val,
    const char **why)
{
	static const struct {
		const char	*key;
		size_t		 off;
		int		 min, max;
		const char	*why;
	} lims[] = {
		{ "max_clients", offsetof(struct config, max_clients),
		  1, 1 << 20, "must be a number from 1 to 1048576" },
		{ "max_clients_per_uid",
		  offsetof(struct config, max_clients_per_uid), 1, 1 << 20,
		  "must be a number from 1 to 1048576" },
		{ "hello_timeout", offsetof(struct config, hello_timeout),
		  1, 3600, "must be seconds from 1 to 3600" },
		{ "idle_timeout", offsetof(struct config, idle_timeout),
		  1, 604800, "must be seconds from 1 to 604800" },
		{ "write_timeout", offsetof(struct config, write_timeout),
		  1, 3600, "must be seconds from 1 to 3600" },
		{ "max_client_output",
		  offsetof(struct config, max_client_output), 1, 4096,
		  "must be MiB from 1 to 4096" },
		{ "max_output", offsetof(struct config, max_output),
		  1, 65536, "must be MiB from 1 to 65536" },
	};

	for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++)
		if (strcmp(key, lims[i].key) == 0) {
			if (set_int(val, lims[i].min, lims[i].max,
			    (int *)((char *)cfg + lims[i].off)) == -1)
				*why = lims[i].why;
			return 1;
		}
	return 0;
}

/* Applies one "key value" setting; -1 with a reason in *why. */
static int
config_set(struct config *cfg, const char *key, const char *val,
    const char **why)
{
	*why = NULL;
	if (strcmp(key, "state_dir") == 0) {
		if (val[0] != '/' || str_copy(cfg->state_dir, val,
		    sizeof(cfg->state_dir)) >= sizeof(cfg->state_dir))
			*why = "must be an absolute path";
	} else if (strcmp(key, "socket") == 0) {
		if (val[0] != '/' || str_copy(cfg->socket, val,
		    sizeof(cfg->socket)) >= sizeof(cfg->socket))
			*why = "must be an absolute path under 108 bytes";
	} else if (strcmp(key, "keys_dir") == 0) {
		if (val[0] != '/' || str_copy(cfg->keys_dir, val,
		    sizeof(cfg->keys_dir)) >= sizeof(cfg->keys_dir))
			*why = "must be an absolute path";
	} else if (strcmp(key, "mail_from") == 0) {
		if (str_copy(cfg->mail_from, val, sizeof(cfg->mail_from)) >=
		    sizeof(cfg->mail_from) ||
		    mail_check_mailboxes(val, NULL) == -1)
			*why = "must be an email address (see hangar(8), "
			    "EMAIL ADDRESSES)";
	} else if (strcmp(key, "smtp_url") == 0) {
		if (str_copy(cfg->smtp_url, val, sizeof(cfg->smtp_url)) >=
		    sizeof(cfg->smtp_url) || (strncmp(val, "smtp://", 7) != 0 &&
		    strncmp(val, "smtps://", 8) != 0))
			*why = "must be an smtp:// or smtps:// URL";
	} else if (strcmp(key, "sendmail") == 0) {
		if (val[0] != '/' || str_copy(cfg->sendmail, val,
		    sizeof(cfg->sendmail)) >= sizeof(cfg->sendmail))
			*why = "must be an absolute path";
	} else if (strcmp(key, "outbox_dir") == 0) {
		if (val[0] != '/' || str_copy(cfg->outbox_dir, val,
		    sizeof(cfg->outbox_dir)) >= sizeof(cfg->outbox_dir))
			*why = "must be an absolute path";
	} else if (strcmp(key, "feed_dir") == 0) {
		if (val[0] != '/' || str_copy(cfg->feed_dir, val,
		    sizeof(cfg->feed_dir)) >= sizeof(cfg->feed_dir))
			*why = "must be an absolute path";
	} else if (strcmp(key, "feed_title") == 0) {
		if (str_copy(cfg->feed_title, val, sizeof(cfg->feed_title)) >=
		    sizeof(cfg->feed_title))
			*why = "too long";
	} else if (strcmp(key, "feed_base_url") == 0) {
		if (str_copy(cfg->feed_base_url, val,
		    sizeof(cfg->feed_base_url)) >= sizeof(cfg->feed_base_url) ||
		    (strncmp(val, "http://", 7) != 0 &&
		    strncmp(val, "https://", 8) != 0))
			*why = "must be an http:// or https:// URL";
	} else if (strcmp(key, "feed_author") == 0) {
		if (str_copy(cfg->feed_author, val, sizeof(cfg->feed_author)) >=
		    sizeof(cfg->feed_author))
			*why = "too long";
	} else if (strcmp(key, "images_dir") == 0) {
		if (val[0] != '/' || str_copy(cfg->images_dir, val,
		    sizeof(cfg->images_dir)) >= sizeof(cfg->images_dir))
			*why = "must be an absolute path";
	} else if (strcmp(key, "admin_group") == 0) {
		if (str_copy(cfg->admin_group, val, sizeof(cfg->admin_group)) >=
		    sizeof(cfg->admin_group))
			*why = "too long";
	} else if (strcmp(key, "patch_hook") == 0) {
		if (val[0] != '/' || str_copy(cfg->patch_hook, val,
		    sizeof(cfg->patch_hook)) >= sizeof(cfg->patch_hook))
			*why = "must be an absolute path";
	} else if (strcmp(key, "migration_address") == 0) {
		if (str_copy(cfg->migration_address, val,
		    sizeof(cfg->migration_address)) >=
		    sizeof(cfg->migration_address) ||
		    strspn(val, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != strlen(val))
			*why = "must be a host name or address";
	} else if (strcmp(key, "migrate_copy_storage") == 0) {
		if (strcmp(val, "yes") == 0)
			cfg->migrate_copy_storage = 1;
		else if (strcmp(val, "no") == 0)
			cfg->migrate_copy_storage = 0;
		else
			*why = "must be yes or no";
	} else if (strcmp(key, "migration_mode") == 0) {
		if (strcmp(val, "direct") == 0)
			cfg->migration_p2p = 0;
		else if (strcmp(val, "p2p") == 0)
			cfg->migration_p2p = 1;
		else
			*why = "must be direct or p2p";
	} else if (strcmp(key, "migration_peer_uri") == 0) {
		if (str_copy(cfg->migration_peer_uri, val,
		    sizeof(cfg->migration_peer_uri)) >=
		    sizeof(cfg->migration_peer_uri) ||
		    hv_uri_check(val, NULL) == -1)
			*why = "must be a libvirt URI (%h: the destination's "
			    "host)";
	} else if (strcmp(key, "migration_tls") == 0) {
		if (strcmp(val, "yes") == 0)
			cfg->migration_tls = 1;
		else if (strcmp(val, "no") == 0)
			cfg->migration_tls = 0;
		else
			*why = "must be yes or no";
	} else if (strcmp(key, "host_up_timeout") == 0) {
		if (set_int(val, 1, 86400, &cfg->host_up_timeout) == -1)
			*why = "must be seconds from 1 to 86400";
	} else if (strcmp(key, "shutdown_timeout") == 0) {
		if (set_int(val, 1, 3600, &cfg->shutdown_timeout) == -1)
			*why = "must be seconds from 1 to 3600";
	} else if (strcmp(key, "irc_server") == 0) {
		if (str_copy(cfg->irc_server, val, sizeof(cfg->irc_server)) >=
		    sizeof(cfg->irc_server) || strchr(val, ':') == NULL)
			*why = "must be host:port";
	} else if (strcmp(key, "irc_channel") == 0) {
		if (str_copy(cfg->irc_channel, val, sizeof(cfg->irc_channel)) >=
		    sizeof(cfg->irc_channel) || (val[0] != '#' && val[0] != '&') ||
		    strpbrk(val, " ,\a") != NULL)
			*why = "must be a channel name like #status";
	} else if (strcmp(key, "irc_nick") == 0) {
		if (str_copy(cfg->irc_nick, val, sizeof(cfg->irc_nick)) >=
		    sizeof(cfg->irc_nick) || !str_is_name(val))
			*why = "must be a nick of letters, digits, - and _";
	} else if (strcmp(key, "test_console_dir") == 0) {
		if (val[0] != '/' || str_copy(cfg->test_console_dir, val,
		    sizeof(cfg->test_console_dir)) >=
		    sizeof(cfg->test_console_dir))
			*why = "must be an absolute path";
	} else if (strcmp(key, "vcpu_ratio") == 0) {
		if (set_int(val, 1, 64, &cfg->vcpu_ratio) == -1)
			*why = "must be an integer from 1 to 64";
	} else if (strcmp(key, "refresh_interval") == 0) {
		if (set_int(val, 1, 86400, &cfg->refresh_interval) == -1)
			*why = "must be seconds from 1 to 86400";
	} else if (strcmp(key, "worker_idle") == 0) {
		if (set_int(val, 1, 86400, &cfg->worker_idle) == -1)
			*why = "must be seconds from 1 to 86400";
	} else if (strcmp(key, "keepalive_interval") == 0) {
		if (set_int(val, 0, 60, &cfg->keepalive_interval) == -1)
			*why = "must be seconds from 0 (off) to 60";
	} else if (strcmp(key, "keepalive_count") == 0) {
		if (set_int(val, 1, 20, &cfg->keepalive_count) == -1)
			*why = "must be a count from 1 to 20";
	} else if (strcmp(key, "reconnect_max") == 0) {
		if (set_int(val, 1, 300, &cfg->reconnect_max) == -1)
			*why = "must be seconds from 1 to 300";
	} else if (strcmp(key, "connect_timeout") == 0) {
		double sec;
		char *end;

		errno = 0;
		sec = strtod(val, &end);
		if (errno != 0 || end == val || *end != '\0' || !(sec >= 0) ||
		    sec > 120)
			*why = "must be seconds from 0 (no limit) to 120, "
			    "such as 5 or 0.5";
		else
			cfg->connect_timeout = (int)(sec * 1000 + 0.5);
	} else if (strcmp(key, "incident_post_after") == 0) {
		if (set_int(val, 0, 86400, &cfg->incident_post_after) == -1)
			*why = "must be seconds from 0 to 86400";
	} else if (strcmp(key, "ingest_user") == 0) {
		if (str_copy(cfg->ingest_user, val, sizeof(cfg->ingest_user)) >=
		    sizeof(cfg->ingest_user) || !str_is_name(val))
			*why = "must be a user name of a-z, 0-9 and '-'";
	} else if (strcmp(key, "ingest_command") == 0) {
		if (val[0] != '/' || str_copy(cfg->ingest_command, val,
		    sizeof(cfg->ingest_command)) >= sizeof(cfg->ingest_command) ||
		    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789/._-+") != strlen(val))
			*why = "must be an absolute path of letters, digits and "
			    "/ . _ - +";
	} else if (strcmp(key, "test_migrate_us_per_gib") == 0) {
		if (set_int(val, 0, 100000000, &cfg->test_migrate_us_per_gib) ==
		    -1)
			*why = "must be microseconds from 0 to 100000000";
	} else if (config_limit(cfg, key, val, why) == 1) {
		/* a client limit: config_limit set *why on error */
	} else
		*why = "unknown setting";
	return *why == NULL ? 0 : -1;
}

int
config_load(struct config *cfg, const char *path, struct herr *e)
{
	char line[2048], *p, *key, *val, *end;
	const char *why;
	FILE *f;
	int lineno = 0, r = 0, quoted;

	if ((f = fopen(path, "r")) == NULL)
		return herr_set(e, errno == ENOENT ? HERR_NOTFOUND : HERR_USAGE,
		    "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			r = herr_set(e, HERR_USAGE, "%s:%d: line too long", path,
			    lineno);
			break;
		}
		/* a comment starts at a '#' outside double quotes */
		for (p = line, quoted = 0; *p != '\0'; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '#' && !quoted) {
				*p = '\0';
				break;
			}
		}
		key = line + strspn(line, " \t");
		end = key + strlen(key);
		while (end > key && strchr(" \t\r\n", end[-1]) != NULL)
			*--end = '\0';
		if (*key == '\0')
			continue;
		val = key + strcspn(key, " \t=");
		if (*val == '\0') {
			r = herr_set(e, HERR_USAGE, "%s:%d: %s: missing value",
			    path, lineno, key);
			break;
		}
		*val++ = '\0';
		val += strspn(val, " \t=");
		/* "value": for a value with a '#' (an IRC channel) */
		if (val[0] == '"' && end - val >= 2 && end[-1] == '"') {
			end[-1] = '\0';
			val++;
		}
		if (config_set(cfg, key, val, &why) == -1) {
			r = herr_set(e, HERR_USAGE, "%s:%d: %s: %s", path, lineno,
			    key, why);
			break;
		}
	}
	fclose(f);
	return r;
}

int
config_finish(struct config *cfg, struct herr *e)
{
	if (cfg->outbox_dir[0] == '\0' &&
	    (size_t)snprintf(cfg->outbox_dir, sizeof(cfg->outbox_dir),
	    "%s/outbox", cfg->state_dir) >= sizeof(cfg->outbox_dir))
		return herr_set(e, HERR_USAGE, "state directory path too long");
	if (cfg->feed_dir[0] == '\0' &&
	    (size_t)snprintf(cfg->feed_dir, sizeof(cfg->feed_dir),
	    "%s/feed", cfg->state_dir) >= sizeof(cfg->feed_dir))
		return herr_set(e, HERR_USAGE, "state directory path too long");
	if (cfg->images_dir[0] == '\0' &&
	    (size_t)snprintf(cfg->images_dir, sizeof(cfg->images_dir),
	    "%s/images", cfg->state_dir) >= sizeof(cfg->images_dir))
		return herr_set(e, HERR_USAGE, "state directory path too long");
	if (cfg->socket[0] == '\0' &&
	    (size_t)snprintf(cfg->socket, sizeof(cfg->socket), "%s/hangard.sock",
	    cfg->state_dir) >= sizeof(cfg->socket))
		return herr_set(e, HERR_USAGE, "state directory path too long "
		    "for a socket; set socket in the config");
	return 0;
}

static int
write_pidfile(const char *state_dir)
{
	char path[1100];
	FILE *f;

	snprintf(path, sizeof(path), "%s/hangard.pid", state_dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

static void
daemonize(void)
{
	int fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

int
main(int argc, char **argv)
{
	struct daemon d;
	struct herr e;
	struct group *gr;
	struct passwd *pw;
	const char *cfgfile = NULL, *state = NULL;
	char dbpath[1100];
	int ch, debug = 0, check = 0, verbose = 0, fixed;
	mode_t old_umask;

	while ((ch = getopt(argc, argv, "df:ns:v")) != -1) {
		switch (ch) {
		case 'd': debug = 1; break;
		case 'f': cfgfile = optarg; break;
		case 'n': check = 1; break;
		case 's': state = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("hangard", 1, verbose);

	memset(&d, 0, sizeof(d));
	config_defaults(&d.cfg);
	herr_clear(&e);
	if (config_load(&d.cfg, cfgfile ? cfgfile : DEFAULT_CONFIG, &e) == -1 &&
	    (cfgfile != NULL || e.code != HERR_NOTFOUND))
		fatalx("%s", e.msg);
	if (state != NULL) {
		if (state[0] != '/')
			fatalx("-s %s: the state directory must be an absolute "
			    "path", state);
		str_copy(d.cfg.state_dir, state, sizeof(d.cfg.state_dir));
	}
	if (config_finish(&d.cfg, &e) == -1)
		fatalx("%s", e.msg);
	if (check) {
		printf("configuration OK: state %s, socket %s\n",
		    d.cfg.state_dir, d.cfg.socket);
		return 0;
	}

	if (mkdir(d.cfg.state_dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", d.cfg.state_dir);
	snprintf(dbpath, sizeof(dbpath), "%s/hangar.db", d.cfg.state_dir);
	/*
	 * The store holds customers' addresses: it and the -wal and -shm
	 * SQLite makes beside it (with the database's mode) are 0600 from
	 * the first byte, and files an older hangard left open are closed.
	 */
	old_umask = umask(077);
	if ((fixed = store_fix_modes(dbpath, 0600, &e)) == -1)
		fatalx("%s", e.msg);
	if (fixed > 0)
		log_warnx("%s: %d store file(s) were readable by others: now "
		    "0600", d.cfg.state_dir, fixed);
	if ((d.st = store_open(dbpath, &e)) == NULL)
		fatalx("%s", e.msg);
	umask(old_umask);
	d.self_uid = getuid();
	d.admin_gid = (gr = getgrnam(d.cfg.admin_group)) ? gr->gr_gid :
	    (gid_t)-1;
	/* hangar-health's reports come as this user (never an operator) */
	d.ingest_uid = (pw = getpwnam(d.cfg.ingest_user)) != NULL &&
	    pw->pw_uid != 0 ? pw->pw_uid : (uid_t)-1;
	if (pipe2(d.wake, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    pipe2(d.sigpipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("pipe");
	pthread_mutex_init(&d.done_mu, NULL);
	{
		int swept = 0;
		/* leftovers of an image import or removal cut short by a crash */
		if (images_sweep(d.cfg.images_dir, &swept, &e) == -1)
			log_warnx("%s", e.msg);
		else if (swept > 0)
			log_info("removed %d unfinished image folder(s)", swept);
	}
	hv_test_console_dir(d.cfg.test_console_dir);
	hv_set_probe_timeout(d.cfg.connect_timeout);
	if (hv_global_init(&e) == -1)
		fatalx("%s", e.msg);
	d.reserve_fd = -1;
	admit_init(&d);
	if (server_listen(&d, &e) == -1)
		fatalx("%s", e.msg);
	if (!debug) {
		log_init("hangard", 0, verbose);
		daemonize();
	}
	if (write_pidfile(d.cfg.state_dir) == -1)
		log_warn("pid file");
	log_info("listening on %s (state %s, schema %d)", d.cfg.socket,
	    d.cfg.state_dir, store_schema_version(d.st));
	if (tell_start(&d, &e) == -1)
		log_warnx("IRC: %s", e.msg);
	incident_init(&d);
	sync_all_hosts(&d);
	tell_resume(&d);	/* before the outbox goes: see incident_tell.c */
	outbox_flush(&d);	/* what a crash left in the outbox */
	runs_resume(&d);	/* maintenance runs a crash interrupted */
	server_loop(&d);
	workers_shutdown(&d);
	incident_free(&d);
	runs_free(&d);
	maint_cache_free();
	tell_stop(&d);
	outbox_free(&d);
	admit_free(&d);
	store_close(d.st);
	log_info("stopped");
	return 0;
}
