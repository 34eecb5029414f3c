/*
 * hangar demo: a private fleet on libvirt's test driver, in a state
 * folder of its own, served by its own hangard left running in the
 * background until `hangar demo --stop`, with every part in one step:
 * the customers' console (demo customers are mapped to unused uids, and
 * `hangar demo console NAME` runs hangar-console as that uid), serial
 * consoles and console logs played by labguest.c, a maintenance cycle,
 * the status page, the planners and a replay of a controller failure
 * through hangar-health.  It reads nothing from the source tree: what it
 * needs is beside the binary (build tree) or installed (sbin, share).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangar/hangar.h"
#include "lib/str.h"

#define DEMO_UID_FIRST	65601	/* unallocated in Debian (65536-99999) */
#define DEMO_UID_LAST	65999
#define REPLAY_TAR	"demo-controller-replay.tar"
#define REPLAY_DIR	"controller-mpt3sas"

struct demo_host {
	const char	*name, *kind, *disk, *disk_tib;
	int		 cpus;
	unsigned long	 ram_kib;
};

static const struct demo_host hosts[] = {
	{ "old-hdd-1", "hdd", "2T", "2", 8, 32UL * 1024 * 1024 },
	{ "old-hdd-2", "hdd", "2T", "2", 8, 32UL * 1024 * 1024 },
	{ "new-ssd-1", "ssd", "4T", "4", 32, 128UL * 1024 * 1024 },
};

static const struct {
	const char	*customer, *email;
	const char	*guest, *plan, *host;
} vpses[] = {
	{ "alice", "alice@example.net", "alice-web", "small", "old-hdd-1" },
	{ "alice", NULL, "alice-db", "large", "new-ssd-1" },
	{ "bob", "bob@example.org", "bob-mail", "medium", "old-hdd-2" },
	{ "bob", NULL, "bob-vpn", "micro", "old-hdd-1" },
	{ "carol", "carol@example.com", "carol-ci", "xlarge", "new-ssd-1" },
	{ "carol", NULL, "carol-blog", "micro", "old-hdd-2" },
};

#define NVPSES	(sizeof(vpses) / sizeof(vpses[0]))

static int
path_join(char *dst, size_t size, const char *a, const char *b)
{
	if ((size_t)snprintf(dst, size, "%s/%s", a, b) >= size) {
		fprintf(stderr, "hangar demo: path too long: %s/%s\n", a, b);
		return -1;
	}
	return 0;
}

/*
 * A file of ours beside this binary: cands are tried relative to its
 * folder (the build tree's layout first, then the installed one); 0 and
 * out set if one exists, else -1.
 */
static int
find_beside(const char *const *cands, char *out, size_t size)
{
	char self[PATH_MAX], *slash;
	ssize_t n;
	int i;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	for (i = 0; cands[i] != NULL; i++)
		if (path_join(out, size, self, cands[i]) == 0 &&
		    access(out, F_OK) == 0)
			return 0;
	return -1;
}

/* hangard beside us (build tree or sbin), else from PATH. */
static void
find_hangard(char *out, size_t size)
{
	static const char *const cands[] = { "../hangard/hangard", "hangard",
	    "../sbin/hangard", NULL };

	if (getenv("HANGARD") != NULL)
		str_copy(out, getenv("HANGARD"), size);
	else if (find_beside(cands, out, size) == -1)
		str_copy(out, "hangard", size);
}

static long
read_pid(const char *state, const char *file)
{
	char path[PATH_MAX];
	long pid = -1;
	FILE *f;

	if (path_join(path, sizeof(path), state, file) == -1 ||
	    (f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

/* Ends the process of STATE/file, if it runs; waits up to 10 s. */
static int
stop_pid(const char *state, const char *file, const char *what, int quiet)
{
	char path[PATH_MAX];
	long pid = read_pid(state, file);
	int i;

	if (path_join(path, sizeof(path), state, file) == -1)
		return -1;
	if (pid <= 1 || kill((pid_t)pid, 0) == -1) {
		unlink(path);
		return 0;
	}
	kill((pid_t)pid, SIGTERM);
	for (i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++)
		usleep(100000);
	if (kill((pid_t)pid, 0) == 0) {
		fprintf(stderr, "hangar demo: %s (pid %ld) did not stop\n", what,
		    pid);
		return -1;
	}
	unlink(path);
	if (!quiet)
		printf("stopped the demo's %s (pid %ld)\n", what, pid);
	return 1;
}

/*
 * Stops the demo's guest consoles and hangard, and removes their pids:
 * only in a demo's folder (HANGAR_STATE may name a real one).
 */
static int
demo_stop(const char *state, int quiet)
{
	char mark[PATH_MAX];
	int g, h;

	if (path_join(mark, sizeof(mark), state, DEMO_MARK) == -1)
		return 1;
	if (access(mark, F_OK) == -1) {
		if (!quiet)
			fprintf(stderr, "hangar demo: %s is not a demo's state "
			    "folder; nothing stopped\n", state);
		return quiet ? 0 : 1;
	}

	g = stop_pid(state, "guests.pid", "guest consoles", quiet);
	h = stop_pid(state, "hangard.pid", "hangard", quiet);
	if (g == -1 || h == -1)
		return 1;
	if (!quiet && g == 0 && h == 0)
		printf("no demo is running in %s\n", state);
	return 0;
}

/* A fresh state folder; an old demo folder is replaced, nothing else is. */
static int
prepare_state(const char *state)
{
	char mark[PATH_MAX], cmd[PATH_MAX + 32];
	struct stat sb;
	int fd;

	if (path_join(mark, sizeof(mark), state, DEMO_MARK) == -1)
		return -1;
	if (stat(state, &sb) == 0) {
		if (access(mark, F_OK) == -1) {
			fprintf(stderr, "hangar demo: %s exists and is not a demo "
			    "state folder; refusing to touch it\n", state);
			return -1;
		}
		if (demo_stop(state, 1) != 0)
			return -1;
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", state);
		if (strchr(state, '\'') != NULL || system(cmd) != 0) {
			fprintf(stderr, "hangar demo: cannot remove %s\n", state);
			return -1;
		}
	}
	if (mkdir(state, 0755) == -1) {
		fprintf(stderr, "hangar demo: mkdir %s: %s\n", state,
		    strerror(errno));
		return -1;
	}
	/* the customers' console runs as other uids: they must get in */
	chmod(state, 0755);
	if ((fd = open(mark, O_WRONLY | O_CREAT, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
write_node_xml(const char *path, const struct demo_host *h)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "hangar demo: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "<node>\n  <cpu>\n    <mhz>2400</mhz>\n"
	    "    <model>x86_64</model>\n    <active>%d</active>\n"
	    "    <nodes>1</nodes>\n    <sockets>1</sockets>\n"
	    "    <cores>%d</cores>\n    <threads>2</threads>\n  </cpu>\n"
	    "  <memory>%lu</memory>\n"
	    "  <pool type='dir'>\n    <name>default-pool</name>\n"
	    "    <capacity unit='TiB'>%s</capacity>\n"
	    "    <available unit='TiB'>%s</available>\n"
	    "    <target><path>/var/lib/hangar/%s</path></target>\n"
	    "  </pool>\n</node>\n", h->cpus, h->cpus / 2, h->ram_kib,
	    h->disk_tib, h->disk_tib, h->name);
	return fclose(f) == 0 ? 0 : -1;
}

static int
write_conf(const char *state, const char *conf)
{
	FILE *f;

	if ((f = fopen(conf, "w")) == NULL) {
		fprintf(stderr, "hangar demo: %s: %s\n", conf, strerror(errno));
		return -1;
	}
	/* test hosts "reboot" at once: a maintenance run ends by itself */
	fprintf(f, "patch_hook /bin/true\n"
	    "# the guests' serial consoles and logs (labguest.c plays them)\n"
	    "test_console_dir %s/consoles\n"
	    "feed_dir %s/status\n"
	    "feed_title \"hangar demo status\"\n", state, state);
	return fclose(f) == 0 ? 0 : -1;
}

static int
start_daemon(const char *state, const char *sock)
{
	char hangard[PATH_MAX], log[PATH_MAX], conf[PATH_MAX];
	struct rpc_client *rc;
	struct herr e;
	pid_t pid;
	int fd, i, st;

	find_hangard(hangard, sizeof(hangard));
	if (path_join(log, sizeof(log), state, "hangard.log") == -1 ||
	    path_join(conf, sizeof(conf), state, "hangard.conf") == -1 ||
	    write_conf(state, conf) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* the daemon outlives us: its own session, logs to a file */
		setsid();
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, 0);
		if (fork() != 0)
			_exit(0);
		execl(hangard, "hangard", "-d", "-s", state, "-f", conf,
		    (char *)NULL);
		fprintf(stderr, "hangar demo: exec %s: %s\n", hangard,
		    strerror(errno));
		_exit(127);
	}
	waitpid(pid, &st, 0);
	for (i = 0; i < 100; i++) {
		if ((rc = rpc_connect(sock, &e)) != NULL) {
			rpc_close(rc);
			return 0;
		}
		usleep(100000);
	}
	fprintf(stderr, "hangar demo: hangard did not come up; see %s\n", log);
	return -1;
}

/* Calls a method; prints the error and returns -1 on failure. */
static int
call(struct rpc_client *rc, const char *method, json_object *params,
    json_object **res)
{
	json_object *r = NULL;
	struct herr e;

	if (rpc_call(rc, method, params, &r, &e) == -1) {
		fprintf(stderr, "hangar demo: %s: %s\n", method, e.msg);
		return -1;
	}
	if (res != NULL)
		*res = r;
	else
		json_object_put(r);
	return 0;
}

static json_object *
obj(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_object *o = json_object_new_object();

	if (k1 != NULL && v1 != NULL)
		json_object_object_add(o, k1, json_object_new_string(v1));
	if (k2 != NULL && v2 != NULL)
		json_object_object_add(o, k2, json_object_new_string(v2));
	return o;
}

/* The next uid from *next on that no account has; -1 if none is left. */
static long
free_uid(long *next)
{
	for (; *next <= DEMO_UID_LAST; (*next)++)
		if (getpwuid((uid_t)*next) == NULL)
			return (*next)++;
	return -1;
}

static int
populate(struct rpc_client *rc, const char *state, long *uid_first,
    long *uid_last)
{
	char node[PATH_MAX], uri[PATH_MAX + 16];
	long next = DEMO_UID_FIRST, uid;
	json_object *p;
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		char fname[96];
		snprintf(fname, sizeof(fname), "%s.xml", hosts[i].name);
		if (path_join(node, sizeof(node), state, fname) == -1 ||
		    write_node_xml(node, &hosts[i]) == -1)
			return -1;
		snprintf(uri, sizeof(uri), "test://%s", node);
		p = obj("name", hosts[i].name, "uri", uri);
		json_object_object_add(p, "disk_kind",
		    json_object_new_string(hosts[i].kind));
		json_object_object_add(p, "disk",
		    json_object_new_string(hosts[i].disk));
		/* the test driver's own pool holds the guests' disks */
		json_object_object_add(p, "pool",
		    json_object_new_string("default-pool"));
		if (call(rc, "host.add", p, NULL) == -1)
			return -1;
	}
	*uid_first = -1;
	for (i = 0; i < NVPSES; i++) {
		if (vpses[i].email != NULL) {
			/* a uid no account has: demo console switches to it */
			p = obj("name", vpses[i].customer, "email",
			    vpses[i].email);
			if ((uid = free_uid(&next)) != -1)
				json_object_object_add(p, "uid",
				    json_object_new_int64(uid));
			if (*uid_first == -1)
				*uid_first = uid;
			*uid_last = uid;
			if (call(rc, "customer.add", p, NULL) == -1)
				return -1;
		}
		p = obj("name", vpses[i].guest, "owner", vpses[i].customer);
		json_object_object_add(p, "plan",
		    json_object_new_string(vpses[i].plan));
		json_object_object_add(p, "host",
		    json_object_new_string(vpses[i].host));
		json_object_object_add(p, "start", json_object_new_boolean(1));
		if (call(rc, "guest.create", p, NULL) == -1)
			return -1;
	}
	/* the seed's advisory, against the test driver's version */
	p = obj("id", "XSA-213", "title", "x86: 64bit PV guest breakout via "
	    "pagetable use-after-mode-change");
	json_object_object_add(p, "affects",
	    json_object_new_string("test < 1"));
	if (call(rc, "advisory.add", p, NULL) == -1)
		return -1;
	/* the status page exists from the start */
	p = obj("kind", "announcement", "title", "Welcome to the demo's "
	    "status page");
	json_object_object_add(p, "body", json_object_new_string("Customers "
	    "read about maintenance and incidents here and in the Atom feed "
	    "beside this page. Run the demo's maintenance cycle and publish "
	    "its report: its timeline appears above this post."));
	if (call(rc, "post.add", p, NULL) == -1)
		return -1;
	return call(rc, "post.publish", NULL, NULL);
}

/* Runs argv (a program of ours or a system tool); 0 if it exits 0. */
static int
run_tool(char *const argv[], const char *out_path)
{
	pid_t pid;
	int st, fd;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (out_path != NULL && (fd = open(out_path, O_WRONLY |
		    O_CREAT | O_TRUNC, 0644)) != -1)
			dup2(fd, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "hangar demo: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

/* "controller 0000:03:00.0 (mpt3sas)", or what the notice is about. */
static void
notice_about(json_object *o, char *buf, size_t size)
{
	json_object *c, *v, *d;

	if (json_object_object_get_ex(o, "controller", &c) &&
	    json_object_object_get_ex(c, "pci", &v) &&
	    json_object_object_get_ex(c, "driver", &d))
		snprintf(buf, size, "controller %s (%s)",
		    json_object_get_string(v), json_object_get_string(d));
	else if (json_object_object_get_ex(o, "about", &v))
		str_copy(buf, json_object_get_string(v), size);
	else
		str_copy(buf, "?", size);
}

/* Prints one line per notice of the replay (its JSON lines). */
static void
print_incidents(const char *jsonl)
{
	char line[65536], about[256], what[256], vis[600];
	json_object *o, *v, *a, *x;
	size_t i, k;
	FILE *f;

	if ((f = fopen(jsonl, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((o = json_tokener_parse(line)) == NULL)
			continue;
		notice_about(o, about, sizeof(about));
		what[0] = '\0';
		if (json_object_object_get_ex(o, "kind", &v) &&
		    strcmp(json_object_get_string(v), "warning") == 0) {
			/* its first event, without the stamp and device */
			const char *ev = "a warning", *t;
			if (json_object_object_get_ex(o, "events", &a) &&
			    (x = json_object_array_get_idx(a, 0)) != NULL &&
			    json_object_is_type(x, json_type_string)) {
				ev = json_object_get_string(x);
				if ((t = strstr(ev, "): ")) != NULL)
					ev = t + 3;
			}
			snprintf(what, sizeof(what), ": %s", ev);
		}
		else if (json_object_object_get_ex(o, "disks", &v) &&
		    (k = json_object_array_length(v)) > 0)
			snprintf(what, sizeof(what), " lost %zu disk%s", k,
			    k == 1 ? "" : "s");
		else
			str_copy(what, " faulted", sizeof(what));
		if (json_object_object_get_ex(o, "arrays", &a))
			for (i = 0; i < json_object_array_length(a); i++) {
				x = json_object_array_get_idx(a, i);
				if (json_object_object_get_ex(x, "state", &v) &&
				    strcmp(json_object_get_string(v),
				    "failed") == 0 &&
				    json_object_object_get_ex(x, "name", &v))
					snprintf(what + strlen(what),
					    sizeof(what) - strlen(what),
					    "; %s FAILED",
					    json_object_get_string(v));
			}
		snprintf(line, sizeof(line), "%s %s, %s: %s%s",
		    json_object_object_get_ex(o, "id", &v) ?
		    json_object_get_string(v) : "?",
		    json_object_object_get_ex(o, "notice", &v) ?
		    json_object_get_string(v) : "?",
		    json_object_object_get_ex(o, "severity", &v) ?
		    json_object_get_string(v) : "?", about, what);
		str_sanitize(vis, sizeof(vis), line);
		printf("     %s\n", vis);
		json_object_put(o);
	}
	fclose(f);
}

/*
 * The seed's controller failure (recorded from a lab host: an mpt3sas
 * fault that took four disks and the RAID with it), unpacked into
 * STATE/health and replayed through hangar-health, whose mails land in
 * STATE/health/mail.  Sets tool to the hangar-health used; -1 if it or
 * the recording is not there (a build without the health part).
 */
static int
health_replay(const char *state, char tool[PATH_MAX])
{
	static const char *const bins[] = { "../health/hangar-health",
	    "hangar-health", NULL };
	static const char *const tars[] = { REPLAY_TAR,
	    "../share/hangar/" REPLAY_TAR, NULL };
	char tar[PATH_MAX], dir[PATH_MAX], rec[PATH_MAX], mail[PATH_MAX],
	    out[PATH_MAX];

	if (find_beside(bins, rec, sizeof(rec)) == -1 ||
	    realpath(rec, tool) == NULL ||
	    find_beside(tars, tar, sizeof(tar)) == -1)
		return -1;
	if (path_join(dir, sizeof(dir), state, "health") == -1 ||
	    path_join(rec, sizeof(rec), dir, REPLAY_DIR) == -1 ||
	    path_join(mail, sizeof(mail), dir, "mail") == -1)
		return -1;
	if ((mkdir(dir, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(mail, 0755) == -1 && errno != EEXIST))
		return -1;
	/* for the command the demo prints, to replay it again */
	if (path_join(out, sizeof(out), dir, "again") == -1 ||
	    (mkdir(out, 0755) == -1 && errno != EEXIST))
		return -1;
	{
		char *const untar[] = { "tar", "-xf", tar, "-C", dir, NULL };
		char *const replay[] = { tool, "replay", "--outbox", mail, rec,
		    NULL };

		if (run_tool(untar, NULL) == -1 ||
		    path_join(out, sizeof(out), dir, "notices.jsonl") == -1 ||
		    run_tool(replay, out) == -1)
			return -1;
	}
	return 0;
}

/* The newest mail in dir whose name has key, into out; -1 if none. */
static int
newest_mail(const char *dir, const char *key, char *out, size_t size)
{
	struct dirent *de;
	DIR *d;
	char best[256] = "";

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, key) != NULL &&
		    strcmp(de->d_name, best) > 0)
			str_copy(best, de->d_name, sizeof(best));
	closedir(d);
	if (best[0] == '\0')
		return -1;
	return path_join(out, size, dir, best);
}

static void
print_steps(const char *me, const char *state, long uid_first,
    long uid_last, const char *health_tool, double secs)
{
	char mail[PATH_MAX], dir[PATH_MAX + 16], jsonl[PATH_MAX + 32];

	printf("\nBuilt in %.2f s. Its hangard (log: %s/hangard.log) and the "
	    "guests' serial\nconsoles keep running in the background until "
	    "you stop them.\n\n", secs, state);
	printf("Point hangar at the demo once, so that no command below needs "
	    "-s:\n\n  export HANGAR_STATE=%s\n\n", state);
	printf("1. The fleet: hosts, customers, VPSes.\n"
	    "  %s guest list\n  %s host show new-ssd-1\n"
	    "  %s customer show alice\n  %s --json guest show alice-db\n"
	    "  %s guest create dave-web --owner alice --plan small --start\n\n",
	    me, me, me, me, me);
	printf("2. A customer's management console, the program customers get "
	    "over SSH.\n   alice, bob and carol are mapped to uids %ld-%ld that "
	    "no account has;\n   this runs it as alice's uid (as root): try "
	    "status, console (log in as\n   root, password demo; leave with "
	    "Ctrl-]), logview, maintenance, quit.\n"
	    "  %s demo console alice\n"
	    "  %s demo console bob logview bob-mail\n\n", uid_first,
	    uid_last, me, me);
	printf("3. A maintenance cycle for the seed's XSA-213, rolling "
	    "forward: every VPS is\n   live-migrated to a host already "
	    "patched, where it stays (the plan says\n   what that costs "
	    "against the floor); the report, published with its\n   "
	    "timeline, and the same page for this cycle alone.\n"
	    "  %s maint plan XSA-213 --start 2017-04-27T06:00Z --window 4h\n"
	    "  %s maint run --wait\n"
	    "  %s maint report --publish\n"
	    "  %s maint report --html %s/cycle.html\n"
	    "   Run again, a cycle that is done says how to plan the next "
	    "one.\n\n", me, me, me, me, state);
	snprintf(dir, sizeof(dir), "%s/status", state);
	printf("4. The status page and its Atom feed, written to %s\n"
	    "   (again by step 3's --publish): open it in a browser.\n"
	    "  xdg-open %s/index.html\n"
	    "   or, without a desktop: file://%s/index.html\n\n", dir, dir,
	    dir);
	printf("5. Empty the old HDD hosts onto the new SSD host, as the seed's "
	    "operators did:\n   what the planner would do, then a consolidation "
	    "of its own that moves\n   every VPS live and retires the HDD hosts "
	    "(or fold it into a patch cycle:\n   maint plan XSA-213 ... --retire "
	    "stor:hdd --to ssd).\n"
	    "  %s plan consolidate --retire stor:hdd --to ssd\n"
	    "  %s consolidate plan --retire stor:hdd --to ssd "
	    "--start 2017-05-01T06:00Z --window 4h\n"
	    "  %s consolidate run --wait\n"
	    "  %s host list\n\n", me, me, me, me);
	if (health_tool != NULL) {
		snprintf(dir, sizeof(dir), "%s/health", state);
		printf("6. A RAID controller failure, replayed through "
		    "hangar-health: the seed's\n   mpt3sas fault, recorded on "
		    "a lab host, that took four disks and the\n   array with "
		    "it.  One incident, not four disk alerts (and an older\n"
		    "   firmware warning):\n");
		snprintf(jsonl, sizeof(jsonl), "%s/notices.jsonl", dir);
		print_incidents(jsonl);
		snprintf(dir, sizeof(dir), "%s/health/mail", state);
		if (newest_mail(dir, "inc-2", mail, sizeof(mail)) == 0)
			printf("  less %s\n", mail);
		printf("  %s replay --outbox %s/health/again %s/health/%s\n\n",
		    health_tool, state, state, REPLAY_DIR);
	}
	printf("Stop it all (hangard and the guests' consoles) with:\n\n"
	    "  %s demo --stop\n", me);
}

/*
 * hangar demo console CUSTOMER [COMMAND ...]: hangar-console as the
 * customer's uid, through setpriv, in the state folder so that the
 * socket's relative path needs no search permission on its parents.
 */
static int
demo_console(struct cli *cli, const char *state, int argc, char **argv)
{
	static const char *const cands[] = { "../console/hangar-console",
	    "hangar-console", NULL };
	char found[PATH_MAX], console[PATH_MAX], sock[PATH_MAX + 16], ru[32], rg[32],
	    cmd[1024] = "";
	char *args[12];
	struct rpc_client *rc;
	json_object *res = NULL, *v;
	struct herr e;
	long uid;
	int i, k = 0;

	snprintf(sock, sizeof(sock), "%s/hangard.sock", state);
	if ((rc = rpc_connect(sock, &e)) == NULL) {
		fprintf(stderr, "hangar demo: %s (is the demo running? "
		    "hangar demo)\n", e.msg);
		return herr_exit_status(e.code);
	}
	if (call(rc, "customer.show", obj("name", argv[0], NULL, NULL),
	    &res) == -1) {
		rpc_close(rc);
		return 3;
	}
	rpc_close(rc);
	uid = json_object_object_get_ex(res, "uid", &v) ?
	    (long)json_object_get_int64(v) : -1;
	json_object_put(res);
	if (uid <= 0) {
		fprintf(stderr, "hangar demo: customer %s has no uid to run "
		    "the console as\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "hangar demo: console switches to %s's uid "
		    "%ld: run it as root\n", argv[0], uid);
		return 5;
	}
	if (find_beside(cands, found, sizeof(found)) == -1 ||
	    realpath(found, console) == NULL) {
		fprintf(stderr, "hangar demo: hangar-console is not beside "
		    "%s\n", cli->argv0);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (strlen(cmd) + strlen(argv[i]) + 2 >= sizeof(cmd)) {
			fprintf(stderr, "hangar demo: command too long\n");
			return 2;
		}
		if (i > 1)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	snprintf(ru, sizeof(ru), "--reuid=%ld", uid);
	snprintf(rg, sizeof(rg), "--regid=%ld", getgrgid((gid_t)uid) == NULL ?
	    uid : 65534L);
	if (chdir(state) == -1) {
		fprintf(stderr, "hangar demo: %s: %s\n", state, strerror(errno));
		return 1;
	}
	args[k++] = "setpriv";
	args[k++] = ru;
	args[k++] = rg;
	args[k++] = "--clear-groups";
	args[k++] = "--";
	args[k++] = console;
	args[k++] = "-S";
	args[k++] = "hangard.sock";
	if (cmd[0] != '\0') {
		args[k++] = "-c";
		args[k++] = cmd;
	}
	args[k] = NULL;
	unsetenv("SSH_ORIGINAL_COMMAND");	/* the menu, or -c */
	fflush(NULL);
	execvp("setpriv", args);
	fprintf(stderr, "hangar demo: setpriv: %s\n", strerror(errno));
	return 1;
}

static void
demo_usage(FILE *f)
{
	fprintf(f, "usage: hangar demo [-s state_dir] [--stop]\n"
	    "       hangar demo console CUSTOMER [COMMAND ...]\n");
}

int
demo_main(struct cli *cli, int argc, char **argv)
{
	char state[PATH_MAX], sock[PATH_MAX + 16], cwd[PATH_MAX],
	    cons[PATH_MAX], tool[PATH_MAX];
	const char *s = cli->state;
	struct rpc_client *rc;
	json_object *res;
	struct herr e;
	struct timespec t0, t1;
	long uid_first = -1, uid_last = -1;
	int i, stop = 0, console = 0, health;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stop") == 0)
			stop = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			s = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			demo_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "console") == 0 && i + 1 < argc) {
			console = i + 1;
			break;
		} else {
			demo_usage(stderr);
			return 2;
		}
	}
	if (s == NULL)
		s = getenv("HANGAR_STATE");
	if (s == NULL || s[0] == '\0') {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    path_join(state, sizeof(state), cwd, "hangar-demo") == -1)
			return 1;
	} else if (s[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    path_join(state, sizeof(state), cwd, s) == -1)
			return 1;
	} else
		str_copy(state, s, sizeof(state));
	if (stop)
		return demo_stop(state, 0);
	if (console)
		return demo_console(cli, state, argc - console, argv + console);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (prepare_state(state) == -1)
		return 1;
	snprintf(sock, sizeof(sock), "%s/hangard.sock", state);
	if (path_join(cons, sizeof(cons), state, "consoles") == -1 ||
	    mkdir(cons, 0755) == -1 || start_daemon(state, sock) == -1)
		return 1;
	if ((rc = rpc_connect(sock, &e)) == NULL) {
		fprintf(stderr, "hangar demo: %s\n", e.msg);
		return 1;
	}
	if (populate(rc, state, &uid_first, &uid_last) == -1) {
		rpc_close(rc);
		return 1;
	}
	if (labguest_start(state, sock, cons) == -1)
		fprintf(stderr, "hangar demo: the guests' consoles did not "
		    "start: %s\n", strerror(errno));
	health = health_replay(state, tool) == 0;
	printf("hangar demo: a private fleet in %s\n\nHosts:\n", state);
	if (call(rc, "host.list", NULL, &res) == 0) {
		render_hosts(res);
		json_object_put(res);
	}
	printf("\nGuests:\n");
	if (call(rc, "guest.list", NULL, &res) == 0) {
		render_guests(res);
		json_object_put(res);
	}
	rpc_close(rc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_steps(cli->argv0, state, uid_first, uid_last, health ? tool : NULL,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
