/*
** gztime.h — calendar times as news pages state them.
**
** A page says "2013-7-16 18:53:02" (no zone), "2013-07-16T10:53:02Z" or
** "July 16, 2013" (no time).  struct gz_time keeps exactly what was stated:
** which parts are known and, only when the page or the configuration gives
** one, the UTC offset.  No zone is ever invented.
*/
#ifndef GZ_GZTIME_H
#define GZ_GZTIME_H

#include <stddef.h>
#include <time.h>

#define GZ_TIME_ISOLEN 32 /* enough for "2013-07-16T18:53:02+08:00" + NUL */

struct gz_time {
	int year;     /* e.g. 2013; 0 means "no date" */
	int month;    /* 1..12 */
	int day;      /* 1..31 */
	int hour;     /* 0..23, valid when has_time */
	int min;      /* 0..59 */
	int sec;      /* 0..60 */
	int has_time; /* 1 when the hour and minute were stated */
	int has_tz;   /* 1 when tz_min is known */
	int tz_min;   /* offset east of UTC in minutes, e.g. +480 */
};

/* True when t holds a date. */
int gz_time_valid(const struct gz_time *t);

/*
** Parse an ISO 8601 / RFC 3339 string ("2013-07-16", "2013-07-16T18:53:02",
** "2013-07-16T18:53:02+08:00", "...Z") as written by gz_time_iso().
** Returns GZ_OK or GZ_EPARSE.
*/
int gz_time_parse_iso(const char *s, struct gz_time *out);

/*
** Write t as ISO 8601 into out (GZ_TIME_ISOLEN bytes): "2013-07-16" when
** there is no time, "2013-07-16T18:53:02" without a zone, with "+08:00" or
** "Z" when the zone is known.  An invalid t gives "".
*/
void gz_time_iso(const struct gz_time *t, char *out);

/*
** Write the sortable value used in the index: "YYYYMMDDhhmmss" of the wall
** time as stated (time 000000 when unknown) into out (15 bytes).
*/
void gz_time_sortkey(const struct gz_time *t, char *out);

/*
** Write a date a person reads, "16 Jul 2013 18:53" (or "16 Jul 2013"), plus
** " +08:00" when the zone is known, into out of size n.
*/
void gz_time_human(const struct gz_time *t, char *out, size_t n);

/*
** Compare two times as stated, ignoring zones: <0, 0, >0.
*/
int gz_time_cmp(const struct gz_time *a, const struct gz_time *b);

/* Set out from a UTC time_t (has_tz set, offset 0). */
void gz_time_from_unix(time_t t, struct gz_time *out);

/* Days in month (1..12) of year, leap years included; 0 for a bad month. */
int gz_time_days_in_month(int year, int month);

/*
** Seconds since 1970-01-01T00:00:00Z of t: the stated wall time less the
** stated offset, or taken as UTC when no zone is known (midnight when no
** time).  0 for an invalid t.
*/
long long gz_time_to_unix(const struct gz_time *t);

/* ------------------------------------------------ the monotonic clock */

/*
** Milliseconds on CLOCK_MONOTONIC (for durations and deadlines, never for
** dates): fractional, from an arbitrary start.
*/
double gz_mono_ms(void);

/*
** Into *out, the CLOCK_MONOTONIC time ms milliseconds from now (ms >= 0),
** for pthread_cond_timedwait on a condition set to that clock.
*/
void gz_mono_after(long ms, struct timespec *out);

#endif /* GZ_GZTIME_H */
