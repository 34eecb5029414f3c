/*
 * hv_probe: a remote host that drops the TCP handshake is given up on
 * within the limit; one that answers, even with a refusal, is left to
 * libvirt.  The host that drops packets is a loopback listener whose
 * accept queue is full (the kernel then drops new SYNs, as a powered-off
 * host's network does); no packet leaves the machine.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hv/hv.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A loopback listener; its port in *port.  backlog 0 holds one. */
static int
listener(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 0), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Fills the listener's accept queue: later SYNs go unanswered. */
static int
fill(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static void
test_silent_host(void **state)
{
	static const char *fmts[] = { "qemu+tls://127.0.0.1:%d/system",
	    "qemu+tcp://127.0.0.1:%d/system", "xen+tls://localhost:%d/",
	    "qemu+ssh://root@127.0.0.1:%d/system",
	    "qemu+libssh2://127.0.0.1:%d/system?sshauth=privkey" };
	char uri[128];
	struct herr e;
	int64_t t0, ms;
	int lfd, cfd, port;

	(void)state;
	lfd = listener(&port);
	cfd = fill(port);
	hv_set_probe_timeout(400);
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(uri, sizeof(uri), fmts[i], port);
		herr_clear(&e);
		t0 = now_ms();
		assert_int_equal(hv_probe(uri, &e), -1);
		ms = now_ms() - t0;
		assert_int_equal(e.code, HERR_UNREACHABLE);
		assert_non_null(strstr(e.msg, "no answer"));
		assert_non_null(strstr(e.msg, "within 0.4 s"));
		assert_true(ms >= 350 && ms < 3000);
		/* hv_open asks first: the same error, in the same time */
		herr_clear(&e);
		t0 = now_ms();
		assert_null(hv_open(uri, &e));
		assert_true(now_ms() - t0 < 3000);
		assert_non_null(strstr(e.msg, "no answer"));
	}
	close(cfd);
	close(lfd);
}

static void
test_answering_host(void **state)
{
	char uri[128];
	struct herr e;
	int lfd, port;

	(void)state;
	hv_set_probe_timeout(400);
	/* a listener with room answers */
	lfd = listener(&port);
	snprintf(uri, sizeof(uri), "qemu+tls://127.0.0.1:%d/system", port);
	herr_clear(&e);
	assert_int_equal(hv_probe(uri, &e), 0);
	close(lfd);
	/* a closed port answers too, with a refusal: libvirt says so */
	assert_int_equal(hv_probe(uri, &e), 0);
	/* local drivers and sockets are not probed */
	assert_int_equal(hv_probe("qemu:///system", &e), 0);
	assert_int_equal(hv_probe("test:///default", &e), 0);
	assert_int_equal(hv_probe("qemu+unix:///system?socket=/nonexistent",
	    &e), 0);
}

/* A fake ssh first in PATH (sh script body), for ssh -G. */
static void
fake_ssh(const char *dir, const char *body)
{
	char path[256], newpath[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ssh", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, getenv("PATH"));
	assert_int_equal(setenv("PATH", newpath, 1), 0);
}

/*
 * ssh URIs knock where ssh -G says ssh would connect, not where the URI
 * says; an ssh -G that hangs (ssh_config's Match exec can run anything)
 * is given up at the same limit, and then there is no knock.
 */
static void
test_ssh_config(void **state)
{
	char dir[] = "/tmp/hangar-probe.XXXXXX", body[256], uri[128];
	char *path = strdup(getenv("PATH"));
	struct herr e;
	int64_t t0;
	int lfd, cfd, port;

	(void)state;
	assert_non_null(mkdtemp(dir));
	lfd = listener(&port);
	cfd = fill(port);
	hv_set_probe_timeout(400);
	/* the URI names port 1 on a host that does not exist; the config
	   sends ssh to the silent listener */
	snprintf(body, sizeof(body), "printf 'user root\\nhostname 127.0.0.1"
	    "\\nport %d\\nproxycommand none\\n'", port);
	fake_ssh(dir, body);
	snprintf(uri, sizeof(uri), "qemu+ssh://alias.invalid:1/system");
	herr_clear(&e);
	assert_int_equal(hv_probe(uri, &e), -1);
	assert_non_null(strstr(e.msg, "127.0.0.1"));
	/* through a jump host: ssh's business, no knock */
	assert_int_equal(setenv("PATH", path, 1), 0);
	snprintf(body, sizeof(body), "printf 'hostname 127.0.0.1\\nport %d"
	    "\\nproxyjump bastion\\n'", port);
	fake_ssh(dir, body);
	assert_int_equal(hv_probe(uri, &e), 0);
	/* ssh -G that never ends: given up within the limit, no knock */
	assert_int_equal(setenv("PATH", path, 1), 0);
	fake_ssh(dir, "exec sleep 30");
	t0 = now_ms();
	assert_int_equal(hv_probe(uri, &e), 0);
	assert_true(now_ms() - t0 < 3000);
	assert_int_equal(setenv("PATH", path, 1), 0);
	free(path);
	snprintf(body, sizeof(body), "rm -rf '%s'", dir);
	assert_int_equal(system(body), 0);
	close(cfd);
	close(lfd);
}

static void
test_off(void **state)
{
	char uri[128];
	struct herr e;
	int lfd, cfd, port;

	(void)state;
	lfd = listener(&port);
	cfd = fill(port);
	hv_set_probe_timeout(0);
	snprintf(uri, sizeof(uri), "qemu+tls://127.0.0.1:%d/system", port);
	assert_int_equal(hv_probe(uri, &e), 0);
	hv_set_probe_timeout(HV_PROBE_DEFAULT_MS);
	close(cfd);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_host),
		cmocka_unit_test(test_answering_host),
		cmocka_unit_test(test_ssh_config),
		cmocka_unit_test(test_off),
	};
	struct herr e;

	if (hv_global_init(&e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
