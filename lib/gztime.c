/*
** gztime.c — calendar times as news pages state them.  See gztime.h.
**
** Nothing here consults the local time zone: a struct gz_time carries the
** wall time the page stated and, only when stated, its UTC offset.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gz_err.h"
#include "gztime.h"

static const char *const gz_month_abbr[12] = { "Jan", "Feb", "Mar", "Apr",
					       "May", "Jun", "Jul", "Aug",
					       "Sep", "Oct", "Nov", "Dec" };

int gz_time_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 &&
	    ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

int gz_time_valid(const struct gz_time *t)
{
	if (!t || t->year <= 0 || t->year > 9999)
		return 0;
	if (t->day < 1 || t->day > gz_time_days_in_month(t->year, t->month))
		return 0;
	if (t->has_time &&
	    (t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 ||
	     t->sec < 0 || t->sec > 60))
		return 0;
	if (t->has_tz && (t->tz_min < -24 * 60 || t->tz_min > 24 * 60))
		return 0;
	return 1;
}

/*
** Read exactly n decimal digits at *p into *val and advance *p.
** Returns 1 on success, 0 (nothing consumed) otherwise.
*/
static int iso_digits(const char **p, int n, int *val)
{
	int v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return 0;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*val = v;
	return 1;
}

int gz_time_parse_iso(const char *s, struct gz_time *out)
{
	struct gz_time t;
	const char *p = s;
	int sign, tzh, tzm;

	memset(&t, 0, sizeof t);
	if (!s)
		return GZ_EINVAL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!iso_digits(&p, 4, &t.year) || *p++ != '-' ||
	    !iso_digits(&p, 2, &t.month) || *p++ != '-' ||
	    !iso_digits(&p, 2, &t.day))
		return GZ_EPARSE;
	if (*p == 'T' || *p == 't' ||
	    (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
		p++;
		if (!iso_digits(&p, 2, &t.hour) || *p++ != ':' ||
		    !iso_digits(&p, 2, &t.min))
			return GZ_EPARSE;
		if (*p == ':') {
			p++;
			if (!iso_digits(&p, 2, &t.sec))
				return GZ_EPARSE;
			if (*p == '.' || *p == ',') {
				p++;
				if (*p < '0' || *p > '9')
					return GZ_EPARSE;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		t.has_time = 1;
		if (*p == 'Z' || *p == 'z') {
			p++;
			t.has_tz = 1;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (!iso_digits(&p, 2, &tzh))
				return GZ_EPARSE;
			if (*p == ':')
				p++;
			if (!iso_digits(&p, 2, &tzm))
				tzm = 0;
			if (tzh > 14 || tzm > 59)
				return GZ_EPARSE;
			t.has_tz = 1;
			t.tz_min = sign * (tzh * 60 + tzm);
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p || !gz_time_valid(&t))
		return GZ_EPARSE;
	*out = t;
	return GZ_OK;
}

void gz_time_iso(const struct gz_time *t, char *out)
{
	int off;

	out[0] = '\0';
	if (!gz_time_valid(t))
		return;
	if (!t->has_time) {
		snprintf(out, GZ_TIME_ISOLEN, "%04d-%02d-%02d", t->year,
			 t->month, t->day);
		return;
	}
	if (!t->has_tz) {
		snprintf(out, GZ_TIME_ISOLEN, "%04d-%02d-%02dT%02d:%02d:%02d",
			 t->year, t->month, t->day, t->hour, t->min, t->sec);
		return;
	}
	if (t->tz_min == 0) {
		snprintf(out, GZ_TIME_ISOLEN, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 t->year, t->month, t->day, t->hour, t->min, t->sec);
		return;
	}
	off = t->tz_min < 0 ? -t->tz_min : t->tz_min;
	snprintf(out, GZ_TIME_ISOLEN,
		 "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", t->year, t->month,
		 t->day, t->hour, t->min, t->sec, t->tz_min < 0 ? '-' : '+',
		 off / 60, off % 60);
}

void gz_time_sortkey(const struct gz_time *t, char *out)
{
	if (!gz_time_valid(t)) {
		memcpy(out, "00000000000000", 15);
		return;
	}
	if (t->has_time)
		snprintf(out, 15, "%04d%02d%02d%02d%02d%02d", t->year, t->month,
			 t->day, t->hour, t->min, t->sec);
	else
		snprintf(out, 15, "%04d%02d%02d000000", t->year, t->month,
			 t->day);
}

void gz_time_human(const struct gz_time *t, char *out, size_t n)
{
	int off;

	if (!n)
		return;
	out[0] = '\0';
	if (!gz_time_valid(t))
		return;
	if (!t->has_time) {
		snprintf(out, n, "%d %s %04d", t->day,
			 gz_month_abbr[t->month - 1], t->year);
		return;
	}
	if (!t->has_tz) {
		snprintf(out, n, "%d %s %04d %02d:%02d", t->day,
			 gz_month_abbr[t->month - 1], t->year, t->hour, t->min);
		return;
	}
	off = t->tz_min < 0 ? -t->tz_min : t->tz_min;
	snprintf(out, n, "%d %s %04d %02d:%02d %c%02d:%02d", t->day,
		 gz_month_abbr[t->month - 1], t->year, t->hour, t->min,
		 t->tz_min < 0 ? '-' : '+', off / 60, off % 60);
}

/* Order two ints: <0, 0, >0. */
static int gz_cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

int gz_time_cmp(const struct gz_time *a, const struct gz_time *b)
{
	int c;

	if ((c = gz_cmp_int(a->year, b->year)) != 0)
		return c;
	if ((c = gz_cmp_int(a->month, b->month)) != 0)
		return c;
	if ((c = gz_cmp_int(a->day, b->day)) != 0)
		return c;
	if ((c = gz_cmp_int(a->has_time ? a->hour : 0,
			    b->has_time ? b->hour : 0)) != 0)
		return c;
	if ((c = gz_cmp_int(a->has_time ? a->min : 0,
			    b->has_time ? b->min : 0)) != 0)
		return c;
	return gz_cmp_int(a->has_time ? a->sec : 0, b->has_time ? b->sec : 0);
}

void gz_time_from_unix(time_t t, struct gz_time *out)
{
	struct tm tm;

	memset(out, 0, sizeof *out);
	if (!gmtime_r(&t, &tm))
		return;
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	out->hour = tm.tm_hour;
	out->min = tm.tm_min;
	out->sec = tm.tm_sec;
	out->has_time = 1;
	out->has_tz = 1;
	out->tz_min = 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long gz_days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

long long gz_time_to_unix(const struct gz_time *t)
{
	long long s;

	if (!gz_time_valid(t))
		return 0;
	s = gz_days_from_civil(t->year, t->month, t->day) * 86400LL;
	if (t->has_time)
		s += t->hour * 3600LL + t->min * 60LL + t->sec;
	if (t->has_tz)
		s -= t->tz_min * 60LL;
	return s;
}

double gz_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void gz_mono_after(long ms, struct timespec *out)
{
	clock_gettime(CLOCK_MONOTONIC, out);
	out->tv_sec += ms / 1000;
	out->tv_nsec += (ms % 1000) * 1000000L;
	if (out->tv_nsec >= 1000000000L) {
		out->tv_sec++;
		out->tv_nsec -= 1000000000L;
	}
}
