/*
 * rpcload: requests/s that hangard answers on its socket, from C clients
 * that cost far less than the daemon (bench/fleet's Python threads share
 * one interpreter lock and were the limit, not hangard).
 *
 *   rpcload SOCKET CLIENTS SECONDS GUESTS
 *
 * CLIENTS threads, each on its own connection: hello, then guest.show of
 * g000000 .. g(GUESTS-1) in a spread order, one request in flight per
 * connection, until SECONDS pass.  Prints "requests N errors N seconds S
 * rps R p50_us P p99_us P" on one line.  Every reply is checked: it must
 * answer the request's id with "ok":true.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCLIENTS	1024
#define LATS		4096	/* latency samples kept per client */

struct client {
	pthread_t	 t;
	int		 k;
	long		 n;		/* requests answered ok */
	long		 errors;
	int		 nlat;
	uint32_t	 lat[LATS];	/* microseconds */
};

static const char *sockpath;
static int64_t	 stop_ns;
static long	 nguests;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
dial(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, one reply line; 0 when it answered id with ok. */
static int
call(int fd, char *buf, size_t size, long id, const char *req, size_t len)
{
	size_t got = 0, off = 0;
	char want[48];
	char *nl = NULL;
	ssize_t r;

	while (off < len) {
		if ((r = write(fd, req + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)r;
	}
	while (nl == NULL) {
		if (got + 1 >= size)
			return -1;	/* a reply longer than the bench needs */
		if ((r = read(fd, buf + got, size - 1 - got)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
		buf[got] = '\0';
		nl = strchr(buf, '\n');
	}
	if (nl != buf + got - 1)
		return -1;	/* one request in flight: one line back */
	snprintf(want, sizeof(want), "\"id\":%ld,", id);
	if (strstr(buf, want) == NULL || strstr(buf, "\"ok\":true") == NULL)
		return -1;
	return 0;
}

static void *
run(void *arg)
{
	struct client *c = arg;
	char req[160], buf[65536];
	long id = 1, i = 0;
	int fd, len;

	if ((fd = dial()) == -1) {
		c->errors++;
		return NULL;
	}
	len = snprintf(req, sizeof(req), "{\"id\":%ld,\"method\":\"hello\","
	    "\"params\":{\"version\":1}}\n", id);
	if (call(fd, buf, sizeof(buf), id, req, (size_t)len) == -1) {
		c->errors++;
		close(fd);
		return NULL;
	}
	while (now_ns() < stop_ns) {
		int64_t t0 = now_ns();

		id++;
		len = snprintf(req, sizeof(req), "{\"id\":%ld,\"method\":"
		    "\"guest.show\",\"params\":{\"name\":\"g%06ld\"}}\n", id,
		    ((long)c->k * 7919 + i++) % nguests);
		if (call(fd, buf, sizeof(buf), id, req, (size_t)len) == -1) {
			c->errors++;
			break;
		}
		c->n++;
		if (c->nlat < LATS)
			c->lat[c->nlat++] = (uint32_t)((now_ns() - t0) / 1000);
	}
	close(fd);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct client *cs;
	uint32_t *all;
	long total = 0, errors = 0;
	size_t nall = 0;
	int nclients, secs;
	int64_t t0, t1;

	if (argc != 5 || (nclients = atoi(argv[2])) < 1 ||
	    nclients > MAXCLIENTS || (secs = atoi(argv[3])) < 1 ||
	    secs > 60 || (nguests = atol(argv[4])) < 1) {
		fprintf(stderr, "usage: rpcload SOCKET CLIENTS(1-%d) "
		    "SECONDS(1-60) GUESTS\n", MAXCLIENTS);
		return 2;
	}
	sockpath = argv[1];
	if ((cs = calloc((size_t)nclients, sizeof(*cs))) == NULL ||
	    (all = calloc((size_t)nclients * LATS, sizeof(*all))) == NULL) {
		perror("rpcload");
		return 1;
	}
	t0 = now_ns();
	stop_ns = t0 + (int64_t)secs * 1000000000;
	for (int k = 0; k < nclients; k++) {
		cs[k].k = k;
		if (pthread_create(&cs[k].t, NULL, run, &cs[k]) != 0) {
			perror("rpcload: pthread_create");
			return 1;
		}
	}
	for (int k = 0; k < nclients; k++) {
		pthread_join(cs[k].t, NULL);
		total += cs[k].n;
		errors += cs[k].errors;
		memcpy(all + nall, cs[k].lat, (size_t)cs[k].nlat * sizeof(*all));
		nall += (size_t)cs[k].nlat;
	}
	t1 = now_ns();
	qsort(all, nall, sizeof(*all), cmp_u32);
	printf("requests %ld errors %ld seconds %.2f rps %.0f p50_us %u "
	    "p99_us %u\n", total, errors, (double)(t1 - t0) / 1e9,
	    (double)total / ((double)(t1 - t0) / 1e9),
	    nall ? all[nall / 2] : 0, nall ? all[nall * 99 / 100] : 0);
	free(all);
	free(cs);
	return errors > 0 ? 1 : 0;
}
