/*
** datetext.h — dates as people and feeds write them.
**
** Recognised forms (month names in English, full or abbreviated, with or
** without a period, and in French, German, Spanish, Italian and
** Portuguese with their usual abbreviations; a leading weekday in English,
** French, German or Spanish is skipped):
**   2013-07-16T10:53:02Z, 2013-07-16T18:53:02.123+08:00, 2013-7-16 18:53:02
**   2013/07/16, 2013.07.16, 20130716 and 20130716185302 (datetext_parse only)
**   Tue, 16 Jul 2013 10:53:02 GMT (RFC 822/1123, RSS), 16 July 2013
**   July 16, 2013, Jul. 16, 2013 5:30 PM, Tuesday, July 16th, 2013
**   16.07.2013, 16/07/2013 and 07/16/2013 when the day is above 12
**   2013年7月16日 18:53 (also 18时53分)
**   16 juillet 2013, 1er août 2013, 16. Juli 2013, 16 de julio de 2013
** followed by an optional time (hh:mm[:ss[.frac]], am/pm) and zone
** ("Z", "+08:00", "+0800", "GMT", "UTC+8", "EST", ...).  A zone is set only
** when one is written.  Years outside DATETEXT_MIN_YEAR..DATETEXT_MAX_YEAR,
** impossible days (2013-02-29) and ambiguous day/month orders are refused,
** and so is anything led by a copyright mark ("© 2013", "Copyright 2013").
*/
#ifndef GZ_DATETEXT_H
#define GZ_DATETEXT_H

#include <stddef.h>
#include "gztime.h"

#define DATETEXT_MIN_YEAR 1990 /* older "dates" on news pages are noise */
#define DATETEXT_MAX_YEAR 2100

/*
** Parse s, which must hold one date and nothing else but spaces, trailing
** punctuation or a trailing parenthesised remark, into *out.  For meta
** values and feed fields.  GZ_OK or GZ_EPARSE (*out untouched).
*/
int datetext_parse(const char *s, struct gz_time *out);

/*
** Find the first date in text[0..len) (need not be NUL-terminated).  On
** success fill *out and, when not NULL, *start and *end with the byte span
** of the match.  GZ_OK or GZ_ENOTFOUND.  Time is linear in len.
*/
int datetext_find(const char *text, size_t len, struct gz_time *out,
		  size_t *start, size_t *end);

/*
** Find a date in the path of url: /2013/07/16/, /2013-07-16/, /20130716/,
** /2013/0716/.  Only the date is set (no time, no zone).
** GZ_OK or GZ_ENOTFOUND.
*/
int datetext_from_url(const char *url, struct gz_time *out);

/* True when y-m-d is a real day and y lies in the accepted range. */
int datetext_valid_ymd(int y, int m, int d);

#endif /* GZ_DATETEXT_H */
