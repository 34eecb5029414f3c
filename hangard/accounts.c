/*
 * accounts: the unix side of customers.  `customer add --create-user`
 * makes the account the customer logs in with (group hangar-customers,
 * which the sshd snippet forces into hangar-console), and every key
 * change rewrites that customer's authorized_keys file under keys_dir
 * from the store, atomically.  sshd reads the files itself
 * (AuthorizedKeysFile keys_dir/%u), so logins do not depend on hangard
 * being up.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hangard/hangard.h"
#include "keys/sshkey.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmalloc.h"

#define CUSTOMER_GROUP	"hangar-customers"

/* Runs argv (no shell) and waits; 0 if it exited 0. */
static int
run_cmd(char *const argv[], struct herr *e)
{
	pid_t pid;
	int st, fd;

	if ((pid = fork()) == -1)
		return herr_set(e, HERR_INTERNAL, "fork: %s", strerror(errno));
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return herr_set(e, HERR_INTERNAL, "waitpid: %s",
			    strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return herr_set(e, HERR_INTERNAL, "%s failed (exit %d)", argv[0],
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

int
account_create(const char *user, const char *customer, uid_t *uid,
    struct herr *e)
{
	char gecos[128];
	struct passwd *pw;
	char *groupadd[] = { "groupadd", "-f", CUSTOMER_GROUP, NULL };
	char *useradd[] = { "useradd", "-m", "-s", "/bin/sh", "-G",
	    CUSTOMER_GROUP, "-c", gecos, (char *)user, NULL };

	if (geteuid() != 0)
		return herr_set(e, HERR_PERM, "hangard must run as root to "
		    "create unix accounts");
	if (getpwnam(user) != NULL)
		return herr_set(e, HERR_EXISTS, "unix user %s already exists; "
		    "map it with --user instead", user);
	snprintf(gecos, sizeof(gecos), "hangar customer %s", customer);
	if (getgrnam(CUSTOMER_GROUP) == NULL && run_cmd(groupadd, e) == -1)
		return -1;
	if (run_cmd(useradd, e) == -1)
		return -1;
	if ((pw = getpwnam(user)) == NULL)
		return herr_set(e, HERR_INTERNAL, "useradd made no user %s", user);
	*uid = pw->pw_uid;
	log_info("unix account %s (uid %u) created for customer %s", user,
	    (unsigned)*uid, customer);
	return 0;
}

void
account_remove(const char *user)
{
	char *userdel[] = { "userdel", "-r", (char *)user, NULL };

	if (run_cmd(userdel, NULL) == -1)
		log_warnx("could not remove unix user %s", user);
}

int
keys_write(struct daemon *d, const struct customer_rec *c, struct herr *e)
{
	char path[1200], tmp[1300], line[sizeof(((struct sshkey *)0)->b64) + 256];
	struct key_rec *ks;
	struct sshkey k;
	size_t n, i;
	FILE *f;
	int fd;

	if (c->unix_user[0] == '\0')
		return 0;	/* no account of ours: nothing to write */
	if (mkdir(d->cfg.keys_dir, 0755) == -1 && errno != EEXIST)
		return herr_set(e, HERR_INTERNAL, "mkdir %s: %s",
		    d->cfg.keys_dir, strerror(errno));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->cfg.keys_dir,
	    c->unix_user) >= sizeof(path))
		return herr_set(e, HERR_USAGE, "keys path too long");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (store_key_list(d->st, c->name, &ks, &n, e) == -1)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1 || (f = fdopen(fd, "w")) == NULL) {
		free(ks);
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
	}
	fprintf(f, "# written by hangard for customer %s; edit with "
	    "`hangar customer key`\n", c->name);
	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		str_copy(k.type, ks[i].type, sizeof(k.type));
		str_copy(k.b64, ks[i].key, sizeof(k.b64));
		str_copy(k.comment, ks[i].comment, sizeof(k.comment));
		if (sshkey_authorized_line(&k, line, sizeof(line)) == 0)
			fputs(line, f);
	}
	free(ks);
	if (fflush(f) == EOF || fsync(fileno(f)) == -1 || fclose(f) == EOF) {
		unlink(tmp);
		return herr_set(e, HERR_INTERNAL, "%s: %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) == -1) {
		unlink(tmp);
		return herr_set(e, HERR_INTERNAL, "rename %s: %s", path,
		    strerror(errno));
	}
	return 0;
}
