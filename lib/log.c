/*
** log.c — one-line key=value logging (see log.h).
**
** The logger's settings are written once by log_init() from main, before
** any thread starts; afterwards only the FILE pointer changes, under the
** mutex, when log_reopen() runs.  This is the one piece of process-wide
** state in the library, kept here so that every module logs the same way.
*/
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	pthread_mutex_t lock; /* serialises writes and reopen */
	char prog[64];        /* program name shown in each line */
	enum log_level min;   /* lowest level written */
	char path[4096];      /* log file, "" for stderr */
	FILE *fp;             /* open log file, or NULL for stderr */
} logger = { PTHREAD_MUTEX_INITIALIZER, "gazette", LOG_INFO, "", NULL };

int log_init(const char *prog, enum log_level min, const char *path)
{
	snprintf(logger.prog, sizeof logger.prog, "%s",
		 prog ? prog : "gazette");
	logger.min = min;
	logger.path[0] = '\0';
	if (path && *path) {
		snprintf(logger.path, sizeof logger.path, "%s", path);
		return log_reopen();
	}
	return 0;
}

int log_reopen(void)
{
	FILE *fp;
	int rc = 0;

	if (!logger.path[0])
		return 0;
	fp = fopen(logger.path, "a");
	pthread_mutex_lock(&logger.lock);
	if (fp) {
		setvbuf(fp, NULL, _IOLBF, 0);
		if (logger.fp)
			fclose(logger.fp);
		logger.fp = fp;
	} else {
		rc = -1;
	}
	pthread_mutex_unlock(&logger.lock);
	return rc;
}

void log_close(void)
{
	pthread_mutex_lock(&logger.lock);
	if (logger.fp)
		fclose(logger.fp);
	logger.fp = NULL;
	pthread_mutex_unlock(&logger.lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char letters[] = "DIWE";
	char stamp[32], line[4096];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	if (level < logger.min)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof line, "%s.%03ldZ %s[%ld] %c ", stamp,
		     (long)(tv.tv_usec / 1000), logger.prog, (long)getpid(),
		     letters[level & 3]);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&logger.lock);
	fprintf(logger.fp ? logger.fp : stderr, "%s\n", line);
	pthread_mutex_unlock(&logger.lock);
}

void log_escape(const char *s, size_t n, size_t max, char *out, size_t outn)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (!outn)
		return;
	for (i = 0; i < n && i < max; i++) {
		c = (unsigned char)s[i];
		if (o + 5 >= outn)
			break;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if ((i < n) && o + 4 < outn) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
