/*
 * send: sendmail(8) through fork/exec (no shell), or SMTP through libcurl.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_CURL
#include <curl/curl.h>
#endif

#include "lib/herr.h"
#include "notify/send.h"

#define DEFAULT_SENDMAIL	"/usr/sbin/sendmail"
#define DEFAULT_TIMEOUT		30

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes msg to fd within the deadline; SIGPIPE-free (a socket). */
static int
write_all(int fd, const char *msg, size_t len, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len > 0) {
		long long left = deadline - now_ms();

		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = send(fd, msg, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		msg += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Waits for pid until the deadline, then kills it; returns its status. */
static int
wait_child(pid_t pid, long long deadline, int *status)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
}

int
send_sendmail(const char *path, const char *msg, size_t len, int timeout,
    struct herr *e)
{
	long long deadline;
	int sv[2], status = 0, werr;
	pid_t pid;

	if (path == NULL || *path == '\0')
		path = DEFAULT_SENDMAIL;
	if (timeout <= 0)
		timeout = DEFAULT_TIMEOUT;
	deadline = now_ms() + timeout * 1000LL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return herr_set(e, HERR_INTERNAL, "socketpair: %s",
		    strerror(errno));
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return herr_set(e, HERR_INTERNAL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (dup2(sv[1], STDIN_FILENO) == -1)
			_exit(127);
		if (null != -1)
			dup2(null, STDOUT_FILENO);
		shutdown(STDIN_FILENO, SHUT_WR);
		execl(path, "sendmail", "-t", "-oi", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	werr = write_all(sv[0], msg, len, deadline);
	close(sv[0]);
	if (wait_child(pid, deadline, &status) == -1)
		return herr_set(e, HERR_UNREACHABLE, "%s: timed out", path);
	if (!WIFEXITED(status))
		return herr_set(e, HERR_UNREACHABLE, "%s: killed by signal %d",
		    path, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (WEXITSTATUS(status) == 127)
		return herr_set(e, HERR_UNREACHABLE, "%s: cannot run", path);
	switch (WEXITSTATUS(status)) {
	case 0:
		break;
	case EX_DATAERR:
	case EX_NOUSER:
	case EX_NOHOST:
		/* refused for good: this message or its recipient */
		return herr_set(e, HERR_USAGE, "%s: exit status %d (refused)",
		    path, WEXITSTATUS(status));
	case EX_TEMPFAIL:
		return herr_set(e, HERR_STATE, "%s: exit status %d (try "
		    "later)", path, WEXITSTATUS(status));
	default:
		return herr_set(e, HERR_UNREACHABLE, "%s: exit status %d",
		    path, WEXITSTATUS(status));
	}
	if (werr == -1)
		return herr_set(e, HERR_UNREACHABLE,
		    "%s: did not read the whole message", path);
	return 0;
}

#ifdef HAVE_CURL
struct reader {
	const char	*p;
	size_t		 left;
};

/* What the server said last, and to what (for telling failures apart). */
enum stage { ST_CONNECT, ST_MAIL, ST_RCPT, ST_DATA, ST_BODY };
struct talk {
	enum stage	 stage;
	int		 quit;		/* QUIT sent: what follows is no answer */
	char		 last[160];	/* the server's last line, printable */
};

static int
talk_cb(CURL *c, curl_infotype type, char *d, size_t n, void *arg)
{
	struct talk *t = arg;
	size_t i, o = 0;

	(void)c;
	if (type == CURLINFO_HEADER_OUT) {
		if (n >= 4 && strncasecmp(d, "MAIL", 4) == 0)
			t->stage = ST_MAIL;
		else if (n >= 4 && strncasecmp(d, "RCPT", 4) == 0)
			t->stage = ST_RCPT;
		else if (n >= 4 && strncasecmp(d, "DATA", 4) == 0)
			t->stage = ST_DATA;
		else if (n >= 4 && strncasecmp(d, "QUIT", 4) == 0)
			t->quit = 1;
	} else if (type == CURLINFO_DATA_OUT)
		t->stage = ST_BODY;
	else if (type == CURLINFO_HEADER_IN && !t->quit) {
		for (i = 0; i < n && o + 1 < sizeof(t->last); i++)
			if (d[i] >= ' ' && d[i] < 127)
				t->last[o++] = d[i];
		t->last[o] = '\0';
	}
	return 0;
}

/*
 * A failed transfer as the spool needs it (notify/spool.h): a 5xx for
 * the recipient or the message is HERR_USAGE (never retried), a 4xx for
 * them HERR_STATE (retried), anything else (no connection, a refusal of
 * our sender or login, a timeout) HERR_UNREACHABLE.
 */
static int
smtp_failed(const struct send_cfg *cfg, CURLcode rc, long code,
    const struct talk *t, struct herr *e)
{
	int mine = t->stage == ST_RCPT || t->stage == ST_DATA ||
	    t->stage == ST_BODY;

	if (mine && code >= 500 && code < 600)
		return herr_set(e, HERR_USAGE, "smtp %s refused %s: %s",
		    cfg->smtp_url, t->stage == ST_RCPT ? "the recipient" :
		    "the message", t->last);
	if (mine && code >= 400 && code < 500)
		return herr_set(e, HERR_STATE, "smtp %s: %s", cfg->smtp_url,
		    t->last);
	return herr_set(e, HERR_UNREACHABLE, "smtp %s: %s%s%s",
	    cfg->smtp_url, curl_easy_strerror(rc), code > 0 ? ": " : "",
	    code > 0 ? t->last : "");
}

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb;

	if (n > r->left)
		n = r->left;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

int
send_have_smtp(void)
{
	return 1;
}

int
send_smtp(const struct send_cfg *cfg, const char *msg, size_t len,
    struct herr *e)
{
	struct reader r = { msg, len };
	struct curl_slist *rcpt = NULL;
	struct talk t = { ST_CONNECT, 0, "" };
	long code = 0;
	CURL *c;
	CURLcode rc;
	int ret = 0;

	if (cfg->smtp_url == NULL || cfg->from == NULL)
		return herr_set(e, HERR_STATE, "smtp needs a url and a sender");
	if (cfg->nrcpt == 0)
		return herr_set(e, HERR_USAGE, "smtp: a message without "
		    "recipients");
	if ((c = curl_easy_init()) == NULL)
		return herr_set(e, HERR_INTERNAL, "curl_easy_init failed");
	for (size_t i = 0; i < cfg->nrcpt; i++)
		rcpt = curl_slist_append(rcpt, cfg->rcpt[i]);
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, cfg->from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(cfg->timeout > 0 ?
	    cfg->timeout : DEFAULT_TIMEOUT));
	/* one refused recipient must not keep the others from the mail */
#if LIBCURL_VERSION_NUM >= 0x080200
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#elif LIBCURL_VERSION_NUM >= 0x074500
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
	/* the dialogue, to tell a refusal for good from one for now */
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, talk_cb);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &t);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		ret = smtp_failed(cfg, rc, code, &t, e);
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return ret;
}
#else
int
send_have_smtp(void)
{
	return 0;
}

int
send_smtp(const struct send_cfg *cfg, const char *msg, size_t len,
    struct herr *e)
{
	return herr_set(e, HERR_STATE, "built without libcurl: no smtp");
}
#endif

int
send_mail(const struct send_cfg *cfg, const char *msg, size_t len,
    struct herr *e)
{
	if (cfg->method == SEND_SMTP)
		return send_smtp(cfg, msg, len, e);
	return send_sendmail(cfg->sendmail, msg, len, cfg->timeout, e);
}
