/*
** querylog.h — searchd's query log (searchd/querylog.c): one line per
** search, apart from the daemon's event log, for looking at what people
** ask and how long it takes:
**
**   2026-11-28T13:00:00.123Z q="city diplomacy" hits=3 total=3 ms=0.512 status=ok via=tcp rev=12 wait=0.031
**
** Fields are key=value; q is escaped and cut as log_escape does; wait is
** the part of ms the search spent queued for a worker.  Writes
** from several threads are serialised; SIGHUP reopens the file (possibly
** at a new path).
*/
#ifndef GZ_QUERYLOG_H
#define GZ_QUERYLOG_H

#include <stddef.h>

#define QUERYLOG_MAX_QUERY 512 /* query bytes written, at most */

struct querylog;

/* One logged search; every pointer borrowed for the call. */
struct querylog_entry {
	const char *q;          /* query text, or NULL */
	const char *via;        /* "tcp", "unix" or "http" */
	const char *status;     /* "ok" or an error code name */
	unsigned long hits;     /* hits returned */
	unsigned long total;    /* estimated matches */
	double ms;              /* time from request read to reply made */
	double wait_ms;         /* of ms, the time queued for a worker */
	unsigned long revision; /* index revision searched (0: unknown) */
};

/*
** A query log writing to path (appending), or a disabled one when path is
** NULL or "".  *out is the caller's, to free with querylog_close.  GZ_OK,
** GZ_ENOMEM, or GZ_EIO when the file cannot be opened (err says why).
*/
int querylog_open(const char *path, struct querylog **out, char *err);

/*
** Close the file and open path (NULL: the same path again; "": switch the
** log off).  On failure the old file stays in use.  GZ_OK or GZ_EIO.
*/
int querylog_reopen(struct querylog *ql, const char *path, char *err);

/* Append one line for e; does nothing when the log is off. */
void querylog_write(struct querylog *ql, const struct querylog_entry *e);

/* Close the file and free ql; NULL is a no-op. */
void querylog_close(struct querylog *ql);

#endif /* GZ_QUERYLOG_H */
