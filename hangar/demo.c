/*
 * hangar demo: a private fleet on libvirt's test driver, in a state
 * folder of its own, served by its own hangard left running in the
 * background until `hangar demo --stop`.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hangar/hangar.h"
#include "lib/str.h"

#define DEMO_MARK	".hangar-demo"

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

static int
path_join(char *dst, size_t size, const char *a, const char *b)
{
	if ((size_t)snprintf(dst, size, "%s/%s", a, b) >= size) {
		fprintf(stderr, "hangar demo: path too long: %s/%s\n", a, b);
		return -1;
	}
	return 0;
}

/* hangard beside us (build tree or sbin), else from PATH. */
static void
find_hangard(char *out, size_t size)
{
	char self[PATH_MAX], *slash;
	const char *cands[] = { "../hangard/hangard", "hangard",
	    "../sbin/hangard", NULL };
	ssize_t n;
	int i;

	if (getenv("HANGARD") != NULL) {
		str_copy(out, getenv("HANGARD"), size);
		return;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		for (i = 0; cands[i] != NULL; i++) {
			if (path_join(out, size, self, cands[i]) == 0 &&
			    access(out, X_OK) == 0)
				return;
		}
	}
	str_copy(out, "hangard", size);
}

static long
read_pid(const char *state)
{
	char path[PATH_MAX];
	long pid = -1;
	FILE *f;

	if (path_join(path, sizeof(path), state, "hangard.pid") == -1 ||
	    (f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

/* Stops the demo's hangard, if one runs; waits up to 10 s. */
static int
demo_stop(const char *state, int quiet)
{
	long pid = read_pid(state);
	int i;

	if (pid <= 1 || kill((pid_t)pid, 0) == -1) {
		if (!quiet)
			printf("no demo hangard is running in %s\n", state);
		return 0;
	}
	kill((pid_t)pid, SIGTERM);
	for (i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++)
		usleep(100000);
	if (kill((pid_t)pid, 0) == 0) {
		fprintf(stderr, "hangar demo: hangard (pid %ld) did not stop\n",
		    pid);
		return 1;
	}
	if (!quiet)
		printf("stopped the demo hangard (pid %ld) in %s\n", pid, state);
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
		demo_stop(state, 1);
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
start_daemon(const char *state, const char *sock)
{
	char hangard[PATH_MAX], log[PATH_MAX], conf[PATH_MAX];
	struct rpc_client *rc;
	FILE *f;
	struct herr e;
	pid_t pid;
	int fd, i, st;

	find_hangard(hangard, sizeof(hangard));
	if (path_join(log, sizeof(log), state, "hangard.log") == -1 ||
	    path_join(conf, sizeof(conf), state, "hangard.conf") == -1)
		return -1;
	/* test hosts "reboot" at once: a maintenance run ends by itself */
	if ((f = fopen(conf, "w")) == NULL ||
	    fprintf(f, "patch_hook /bin/true\n") < 0 || fclose(f) != 0) {
		fprintf(stderr, "hangar demo: %s: %s\n", conf, strerror(errno));
		return -1;
	}
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

static int
populate(struct rpc_client *rc, const char *state)
{
	char node[PATH_MAX], uri[PATH_MAX + 16];
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
	for (i = 0; i < sizeof(vpses) / sizeof(vpses[0]); i++) {
		if (vpses[i].email != NULL &&
		    call(rc, "customer.add", obj("name", vpses[i].customer,
		    "email", vpses[i].email), NULL) == -1)
			return -1;
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
	return call(rc, "advisory.add", p, NULL);
}

int
demo_main(struct cli *cli, int argc, char **argv)
{
	char state[PATH_MAX], sock[PATH_MAX + 16], cwd[PATH_MAX];
	const char *s = cli->state;
	struct rpc_client *rc;
	json_object *res;
	struct herr e;
	struct timespec t0, t1;
	int i, stop = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stop") == 0)
			stop = 1;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			s = argv[++i];
		else {
			fprintf(stderr, "usage: hangar demo [-s state_dir] "
			    "[--stop]\n");
			return 2;
		}
	}
	if (s == NULL) {
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

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (prepare_state(state) == -1)
		return 1;
	snprintf(sock, sizeof(sock), "%s/hangard.sock", state);
	if (start_daemon(state, sock) == -1)
		return 1;
	if ((rc = rpc_connect(sock, &e)) == NULL) {
		fprintf(stderr, "hangar demo: %s\n", e.msg);
		return 1;
	}
	if (populate(rc, state) == -1) {
		rpc_close(rc);
		return 1;
	}
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
	printf("\nBuilt in %.2f s. Its hangard (log: %s/hangard.log) keeps "
	    "running in the\nbackground until you stop it. Try:\n\n"
	    "  %s -s %s guest list\n"
	    "  %s -s %s host show new-ssd-1\n"
	    "  %s -s %s guest shutdown bob-mail --force-after 30\n"
	    "  %s -s %s guest create dave-web --owner alice --plan small "
	    "--start\n"
	    "  %s -s %s customer show alice\n"
	    "  %s -s %s --json guest show alice-db\n"
	    "  %s -s %s plan consolidate --retire stor:hdd --to ssd\n"
	    "  %s -s %s plan maintenance --max-parallel 1\n"
	    "  %s -s %s maint plan XSA-213 --start 2017-04-27T06:00Z "
	    "--window 4h\n"
	    "  %s -s %s maint run --wait\n\n"
	    "Stop it with:\n\n  %s demo -s %s --stop\n",
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	    state, cli->argv0, state, cli->argv0, state, cli->argv0, state,
	    cli->argv0, state, cli->argv0, state, cli->argv0, state,
	    cli->argv0, state, cli->argv0, state, cli->argv0, state,
	    cli->argv0, state, cli->argv0, state);
	return 0;
}
