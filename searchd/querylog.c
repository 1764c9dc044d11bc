/*
** querylog.c — the query log (querylog.h): a FILE under a mutex.
*/
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "gz_err.h"
#include "log.h"
#include "querylog.h"

struct querylog {
	pthread_mutex_t mu; /* serialises writes and reopen */
	char *path;         /* file path, NULL when off */
	FILE *fp;           /* open file, NULL when off */
};

/* Open path for appending, line-buffered; NULL with errno set. */
static FILE *querylog_fopen(const char *path)
{
	FILE *fp = fopen(path, "a");

	if (fp)
		setvbuf(fp, NULL, _IOLBF, 0);
	return fp;
}

/* A query log at path, or switched off (querylog.h). */
int querylog_open(const char *path, struct querylog **out, char *err)
{
	struct querylog *ql = calloc(1, sizeof *ql);

	*out = NULL;
	if (!ql)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	pthread_mutex_init(&ql->mu, NULL);
	if (path && *path) {
		ql->path = strdup(path);
		if (!ql->path) {
			querylog_close(ql);
			return gz_fail(err, GZ_ENOMEM, "out of memory");
		}
		ql->fp = querylog_fopen(path);
		if (!ql->fp) {
			int e = errno;

			querylog_close(ql);
			return gz_fail(err, GZ_EIO, "query log %s: %s", path,
				       strerror(e));
		}
	}
	*out = ql;
	return GZ_OK;
}

/* Reopen, possibly elsewhere; the old file stays on failure (querylog.h). */
int querylog_reopen(struct querylog *ql, const char *path, char *err)
{
	FILE *fp = NULL;
	char *np = NULL;

	pthread_mutex_lock(&ql->mu);
	if (!path)
		path = ql->path;
	if (path && *path) {
		np = strdup(path);
		fp = np ? querylog_fopen(np) : NULL;
		if (!fp) {
			int e = np ? errno : ENOMEM;

			free(np);
			pthread_mutex_unlock(&ql->mu);
			return gz_fail(err, GZ_EIO, "query log %s: %s", path,
				       strerror(e));
		}
	}
	if (ql->fp)
		fclose(ql->fp);
	free(ql->path);
	ql->fp = fp;
	ql->path = np;
	pthread_mutex_unlock(&ql->mu);
	return GZ_OK;
}

/* Append one line (querylog.h). */
void querylog_write(struct querylog *ql, const struct querylog_entry *e)
{
	char stamp[32], q[QUERYLOG_MAX_QUERY * 4 + 8];
	struct timeval tv;
	struct tm tm;

	if (!ql)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	log_escape(e->q ? e->q : "", e->q ? strlen(e->q) : 0,
		   QUERYLOG_MAX_QUERY, q, sizeof q);
	pthread_mutex_lock(&ql->mu);
	if (ql->fp)
		fprintf(ql->fp,
			"%s.%03ldZ q=\"%s\" hits=%lu total=%lu ms=%.3f "
			"status=%s via=%s rev=%lu wait=%.3f\n",
			stamp, (long)(tv.tv_usec / 1000), q, e->hits, e->total,
			e->ms, e->status ? e->status : "ok",
			e->via ? e->via : "-", e->revision, e->wait_ms);
	pthread_mutex_unlock(&ql->mu);
}

/* Close and free (querylog.h). */
void querylog_close(struct querylog *ql)
{
	if (!ql)
		return;
	if (ql->fp)
		fclose(ql->fp);
	free(ql->path);
	pthread_mutex_destroy(&ql->mu);
	free(ql);
}
