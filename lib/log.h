/*
 * log: stderr in the foreground (-d), syslog otherwise.
 * Never log secrets or raw customer input; sanitize with str_sanitize().
 */
#ifndef HANGAR_LOG_H
#define HANGAR_LOG_H

void	log_init(const char *progname, int foreground, int verbose);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
