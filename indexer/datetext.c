/*
** datetext.c — dates in free text, meta values, feeds and URLs.
** See datetext.h for the forms recognised.
**
** One small recursive-descent scanner over a (pointer, length) pair: each
** pattern either matches at the cursor and advances it, or restores it and
** fails.  Every pattern reads a bounded number of bytes, so finding a date
** in a text costs time linear in its length.
*/
#include <stdint.h>
#include <string.h>

#include "datetext.h"
#include "gz_err.h"

/* A cursor over text[0..len). */
struct dt_cur {
	const char *s; /* text, not necessarily NUL-terminated */
	size_t len;    /* bytes in s */
	size_t pos;    /* next byte to read */
};

/* Return the byte at pos + k, or -1 past the end. */
static int dt_at(const struct dt_cur *c, size_t k)
{
	return c->pos + k < c->len ? (unsigned char)c->s[c->pos + k] : -1;
}

static int dt_isdigit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int dt_isalpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int dt_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* True when the bytes at the cursor are lit (len n), advancing past them. */
static int dt_lit(struct dt_cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->pos + n > c->len || memcmp(c->s + c->pos, lit, n) != 0)
		return 0;
	c->pos += n;
	return 1;
}

/* Skip ASCII blanks, no-break spaces and ideographic spaces. */
static void dt_skip_ws(struct dt_cur *c)
{
	for (;;) {
		int ch = dt_at(c, 0);

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
			c->pos++;
		else if (ch == 0xC2 && dt_at(c, 1) == 0xA0)
			c->pos += 2;
		else if (ch == 0xE3 && dt_at(c, 1) == 0x80 &&
			 dt_at(c, 2) == 0x80)
			c->pos += 3;
		else
			return;
	}
}

/*
** Read a run of min..max digits that is not followed by another digit into
** *val.  Returns 1 and advances, or 0 with the cursor unchanged.
*/
static int dt_num(struct dt_cur *c, int min, int max, int *val)
{
	int n = 0;
	int v = 0;

	while (n < max && dt_isdigit(dt_at(c, (size_t)n))) {
		v = v * 10 + (dt_at(c, (size_t)n) - '0');
		n++;
	}
	if (n < min || dt_isdigit(dt_at(c, (size_t)n)))
		return 0;
	c->pos += (size_t)n;
	*val = v;
	return 1;
}

/*
** Read a word at the cursor, ASCII letters lower-cased, into w (wsz bytes):
** ASCII letters and, after the first letter, two-byte UTF-8 letters of
** Latin-1 and Latin Extended-A ("février", "März").  Returns its length
** in bytes (0 when no letter is there, or when it does not fit) and
** advances past it.
*/
static size_t dt_word(struct dt_cur *c, char *w, size_t wsz)
{
	size_t n = 0;

	for (;;) {
		int ch = dt_at(c, n);

		if (dt_isalpha(ch)) {
			if (n + 1 >= wsz)
				return 0;
			w[n] = (char)dt_lower(ch);
			n++;
		} else if (n > 0 && ch >= 0xC3 && ch <= 0xC5 &&
			   (dt_at(c, n + 1) & 0xC0) == 0x80 &&
			   dt_at(c, n + 1) >= 0) {
			if (n + 2 >= wsz)
				return 0;
			w[n] = (char)ch;
			w[n + 1] = (char)dt_at(c, n + 1);
			/* upper-case Latin-1 letters À..Þ to lower-case */
			if (ch == 0xC3 && (unsigned char)w[n + 1] >= 0x80 &&
			    (unsigned char)w[n + 1] <= 0x9E &&
			    (unsigned char)w[n + 1] != 0x97)
				w[n + 1] =
					(char)((unsigned char)w[n + 1] + 0x20);
			n += 2;
		} else {
			break;
		}
	}
	w[n] = '\0';
	c->pos += n;
	return n;
}

/* True when w is name or a prefix of it at least 3 letters long. */
static int dt_prefix3(const char *w, const char *name)
{
	size_t n = strlen(w);

	return n >= 3 && n <= strlen(name) && memcmp(w, name, n) == 0;
}

/*
** Month number of a month name or abbreviation, or 0: English names and
** any prefix of them 3 letters long ("Sept", "Jul"), then the French,
** German, Spanish, Italian and Portuguese names and their usual
** abbreviations, matched whole (lower-case, accents as written).
*/
static int dt_month_name(const char *w)
{
	static const char *const names[12] = {
		"january",   "february", "march",    "april",
		"may",       "june",     "july",     "august",
		"september", "october",  "november", "december"
	};
	static const struct {
		const char *w; /* lower-case, UTF-8 */
		int m;         /* 1..12 */
	} other[] = {
		/* French */
		{ "janvier", 1 },
		{ "janv", 1 },
		{ "f\xC3\xA9vrier", 2 },
		{ "fevrier", 2 },
		{ "f\xC3\xA9vr", 2 },
		{ "fevr", 2 },
		{ "mars", 3 },
		{ "avril", 4 },
		{ "avr", 4 },
		{ "mai", 5 },
		{ "juin", 6 },
		{ "juillet", 7 },
		{ "juil", 7 },
		{ "ao\xC3\xBBt", 8 },
		{ "aout", 8 },
		{ "septembre", 9 },
		{ "octobre", 10 },
		{ "novembre", 11 },
		{ "d\303\251cembre", 12 },
		{ "decembre", 12 },
		{ "d\303\251c", 12 },
		/* German */
		{ "januar", 1 },
		{ "j\xC3\xA4nner", 1 },
		{ "jaenner", 1 },
		{ "februar", 2 },
		{ "m\xC3\xA4rz", 3 },
		{ "maerz", 3 },
		{ "m\xC3\xA4r", 3 },
		{ "juni", 6 },
		{ "juli", 7 },
		{ "oktober", 10 },
		{ "okt", 10 },
		{ "dezember", 12 },
		{ "dez", 12 },
		/* Spanish */
		{ "enero", 1 },
		{ "ene", 1 },
		{ "febrero", 2 },
		{ "marzo", 3 },
		{ "abril", 4 },
		{ "abr", 4 },
		{ "mayo", 5 },
		{ "junio", 6 },
		{ "julio", 7 },
		{ "agosto", 8 },
		{ "ago", 8 },
		{ "septiembre", 9 },
		{ "setiembre", 9 },
		{ "octubre", 10 },
		{ "noviembre", 11 },
		{ "diciembre", 12 },
		{ "dic", 12 },
		/* Italian */
		{ "gennaio", 1 },
		{ "gen", 1 },
		{ "febbraio", 2 },
		{ "aprile", 4 },
		{ "maggio", 5 },
		{ "mag", 5 },
		{ "giugno", 6 },
		{ "giu", 6 },
		{ "luglio", 7 },
		{ "lug", 7 },
		{ "settembre", 9 },
		{ "set", 9 },
		{ "ottobre", 10 },
		{ "ott", 10 },
		{ "dicembre", 12 },
		/* Portuguese */
		{ "janeiro", 1 },
		{ "fevereiro", 2 },
		{ "fev", 2 },
		{ "mar\xC3\xA7o", 3 },
		{ "marco", 3 },
		{ "maio", 5 },
		{ "junho", 6 },
		{ "julho", 7 },
		{ "setembro", 9 },
		{ "outubro", 10 },
		{ "out", 10 },
		{ "dezembro", 12 },
	};
	size_t i;

	for (i = 0; i < 12; i++)
		if (dt_prefix3(w, names[i]))
			return (int)i + 1;
	for (i = 0; i < sizeof other / sizeof other[0]; i++)
		if (!strcmp(w, other[i].w))
			return other[i].m;
	return 0;
}

/* True when w names a weekday in English, French, German or Spanish. */
static int dt_weekday(const char *w)
{
	static const char *const names[7] = { "monday",    "tuesday",
					      "wednesday", "thursday",
					      "friday",    "saturday",
					      "sunday" };
	static const char *const other[] = {
		"lundi",         "mardi",      "mercredi",
		"jeudi",         "vendredi",   "samedi",
		"dimanche",      "montag",     "dienstag",
		"mittwoch",      "donnerstag", "freitag",
		"samstag",       "sonnabend",  "sonntag",
		"lunes",         "martes",     "mi\xC3\xA9rcoles",
		"miercoles",     "jueves",     "viernes",
		"s\303\241bado", "sabado",     "domingo",
	};
	size_t i;

	for (i = 0; i < 7; i++)
		if (dt_prefix3(w, names[i]))
			return 1;
	for (i = 0; i < sizeof other / sizeof other[0]; i++)
		if (!strcmp(w, other[i]))
			return 1;
	return 0;
}

int datetext_valid_ymd(int y, int m, int d)
{
	return y >= DATETEXT_MIN_YEAR && y <= DATETEXT_MAX_YEAR && d >= 1 &&
		d <= gz_time_days_in_month(y, m);
}

/*
** Read a time zone after a time: "Z", "+08:00", "+0800", "+08", "GMT",
** "UTC+8", "UTC-05:30" or an upper-case abbreviation from the table.
** Sets t->has_tz/tz_min and returns 1, or returns 0 with the cursor
** unchanged.
*/
static int dt_zone(struct dt_cur *c, struct gz_time *t)
{
	static const struct {
		const char *name;
		int min;
	} zones[] = {
		{ "GMT", 0 },    { "UTC", 0 },    { "UT", 0 },
		{ "WET", 0 },    { "BST", 60 },   { "CET", 60 },
		{ "CEST", 120 }, { "EET", 120 },  { "EEST", 180 },
		{ "MSK", 180 },  { "HKT", 480 },  { "SGT", 480 },
		{ "AWST", 480 }, { "JST", 540 },  { "KST", 540 },
		{ "AEST", 600 }, { "AEDT", 660 }, { "NZST", 720 },
		{ "NZDT", 780 }, { "EST", -300 }, { "EDT", -240 },
		{ "CST", -360 }, { "CDT", -300 }, { "MST", -420 },
		{ "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	};
	size_t save = c->pos, start;
	int sign, h = 0, m = 0, i;
	int ch;

	dt_skip_ws(c);
	ch = dt_at(c, 0);
	if (ch == 'Z' && !dt_isalpha(dt_at(c, 1))) {
		c->pos++;
		t->has_tz = 1;
		t->tz_min = 0;
		return 1;
	}
	if ((ch == '+' || ch == '-') && dt_isdigit(dt_at(c, 1))) {
		sign = ch == '-' ? -1 : 1;
		c->pos++;
		if (dt_num(c, 4, 4, &h)) {
			m = h % 100;
			h /= 100;
		} else if (dt_num(c, 2, 2, &h)) {
			if (dt_at(c, 0) == ':' && dt_isdigit(dt_at(c, 1))) {
				c->pos++;
				if (!dt_num(c, 2, 2, &m))
					goto fail;
			}
		} else {
			goto fail;
		}
		if (h > 14 || m > 59)
			goto fail;
		t->has_tz = 1;
		t->tz_min = sign * (h * 60 + m);
		return 1;
	}
	start = c->pos;
	while (dt_at(c, 0) >= 'A' && dt_at(c, 0) <= 'Z')
		c->pos++;
	if (c->pos == start || dt_isalpha(dt_at(c, 0)))
		goto fail;
	for (i = 0; i < (int)(sizeof zones / sizeof zones[0]); i++) {
		if (strlen(zones[i].name) != c->pos - start ||
		    memcmp(c->s + start, zones[i].name, c->pos - start) != 0)
			continue;
		t->has_tz = 1;
		t->tz_min = zones[i].min;
		/* "GMT+8", "UTC-05:00" */
		ch = dt_at(c, 0);
		if (zones[i].min == 0 && (ch == '+' || ch == '-') &&
		    dt_isdigit(dt_at(c, 1))) {
			sign = ch == '-' ? -1 : 1;
			c->pos++;
			if (dt_num(c, 4, 4, &h)) {
				m = h % 100;
				h /= 100;
			} else if (dt_num(c, 1, 2, &h)) {
				if (dt_at(c, 0) == ':' &&
				    dt_isdigit(dt_at(c, 1))) {
					c->pos++;
					if (!dt_num(c, 2, 2, &m))
						goto fail;
				}
			} else {
				goto fail;
			}
			if (h > 14 || m > 59)
				goto fail;
			t->tz_min = sign * (h * 60 + m);
		}
		return 1;
	}
fail:
	c->pos = save;
	t->has_tz = 0;
	t->tz_min = 0;
	return 0;
}

/*
** Read "am", "pm", "a.m." or "p.m." (any case) after optional blanks.
** Returns 1 for am, 2 for pm, 0 (cursor unchanged) for neither.
*/
static int dt_ampm(struct dt_cur *c)
{
	size_t save = c->pos;
	int ch, r;

	dt_skip_ws(c);
	ch = dt_lower(dt_at(c, 0));
	if (ch != 'a' && ch != 'p')
		goto none;
	r = ch == 'a' ? 1 : 2;
	c->pos++;
	if (dt_at(c, 0) == '.')
		c->pos++;
	if (dt_lower(dt_at(c, 0)) != 'm')
		goto none;
	c->pos++;
	if (dt_at(c, 0) == '.')
		c->pos++;
	if (dt_isalpha(dt_at(c, 0)))
		goto none;
	return r;
none:
	c->pos = save;
	return 0;
}

/*
** Read a time of day at the cursor: "18:53", "18:53:02", "18:53:02.5",
** "5:30 PM", "18时53分02秒", each with an optional zone.  Fills the time
** fields of *t and returns 1, or returns 0 with the cursor unchanged.
*/
static int dt_time(struct dt_cur *c, struct gz_time *t)
{
	size_t save = c->pos;
	int h, m, s = 0, ap;
	int cjk = 0;

	if (!dt_num(c, 1, 2, &h))
		return 0;
	if (dt_at(c, 0) == ':')
		c->pos++;
	else if (dt_lit(c, "\xE6\x97\xB6") || dt_lit(c, "\xE7\x82\xB9"))
		cjk = 1; /* 时, 点 */
	else
		goto fail;
	if (!dt_num(c, 2, 2, &m))
		goto fail;
	if (cjk) {
		dt_lit(c, "\xE5\x88\x86"); /* 分 */
		if (dt_num(c, 1, 2, &s))
			dt_lit(c, "\xE7\xA7\x92"); /* 秒 */
	} else if (dt_at(c, 0) == ':' && dt_isdigit(dt_at(c, 1))) {
		c->pos++;
		if (!dt_num(c, 2, 2, &s))
			goto fail;
		if (dt_at(c, 0) == '.' && dt_isdigit(dt_at(c, 1))) {
			c->pos++;
			while (dt_isdigit(dt_at(c, 0)))
				c->pos++;
		}
	}
	ap = dt_ampm(c);
	if (ap) {
		if (h < 1 || h > 12)
			goto fail;
		if (ap == 1 && h == 12)
			h = 0;
		else if (ap == 2 && h < 12)
			h += 12;
	}
	if (h > 23 || m > 59 || s > 60)
		goto fail;
	t->hour = h;
	t->min = m;
	t->sec = s;
	t->has_time = 1;
	dt_zone(c, t);
	return 1;
fail:
	c->pos = save;
	return 0;
}

/*
** After a date, read an optional time introduced by "T", blanks, ",", "at",
** "-" or "|".  Leaves the cursor after the date when no time follows.
*/
static void dt_opt_time(struct dt_cur *c, struct gz_time *t)
{
	size_t save = c->pos;
	char w[8];

	if ((dt_at(c, 0) == 'T' || dt_at(c, 0) == 't') &&
	    dt_isdigit(dt_at(c, 1))) {
		c->pos++;
		if (dt_time(c, t))
			return;
		c->pos = save;
		return;
	}
	dt_skip_ws(c);
	if (dt_at(c, 0) == ',' || dt_at(c, 0) == '-' || dt_at(c, 0) == '|') {
		c->pos++;
		dt_skip_ws(c);
	} else if (dt_lower(dt_at(c, 0)) == 'a') {
		size_t at = c->pos;

		if (dt_word(c, w, sizeof w) != 2 || strcmp(w, "at") != 0)
			c->pos = at;
		dt_skip_ws(c);
	}
	if (c->pos == save || !dt_time(c, t))
		c->pos = save;
}

/* Skip an ordinal suffix ("st", "nd", "rd", "th", French "er") after a day. */
static void dt_ordinal(struct dt_cur *c)
{
	int a = dt_lower(dt_at(c, 0)), b = dt_lower(dt_at(c, 1));

	if (((a == 's' && b == 't') || (a == 'n' && b == 'd') ||
	     (a == 'r' && b == 'd') || (a == 't' && b == 'h')) &&
	    !dt_isalpha(dt_at(c, 2)))
		c->pos += 2;
	else if (a == 'e' && b == 'r' && !dt_isalpha(dt_at(c, 2)))
		c->pos += 2; /* French "1er" */
}

/* Year-first numeric dates: 2013-07-16, 2013/7/16, 2013.07.16, 2013年7月16日. */
static int dt_year_first(struct dt_cur *c, struct gz_time *t)
{
	size_t save = c->pos;
	int y, m, d, sep;

	if (!dt_num(c, 4, 4, &y))
		return 0;
	sep = dt_at(c, 0);
	if (sep == '-' || sep == '/' || sep == '.') {
		c->pos++;
		if (!dt_num(c, 1, 2, &m) || dt_at(c, 0) != sep)
			goto fail;
		c->pos++;
		if (!dt_num(c, 1, 2, &d))
			goto fail;
	} else {
		dt_skip_ws(c);
		if (!dt_lit(c, "\xE5\xB9\xB4")) /* 年 */
			goto fail;
		dt_skip_ws(c);
		if (!dt_num(c, 1, 2, &m))
			goto fail;
		dt_skip_ws(c);
		if (!dt_lit(c, "\xE6\x9C\x88")) /* 月 */
			goto fail;
		dt_skip_ws(c);
		if (!dt_num(c, 1, 2, &d))
			goto fail;
		dt_skip_ws(c);
		if (!dt_lit(c, "\xE6\x97\xA5") && /* 日 */
		    !dt_lit(c, "\xE5\x8F\xB7"))   /* 号 */
			goto fail;
		sep = 0;
	}
	if (!datetext_valid_ymd(y, m, d))
		goto fail;
	t->year = y;
	t->month = m;
	t->day = d;
	/* after 日 a time may follow with no space: 2013年7月16日18:53 */
	if (sep || !dt_time(c, t))
		dt_opt_time(c, t);
	return 1;
fail:
	c->pos = save;
	return 0;
}

/*
** Day-first numeric dates: 16.07.2013 (always day first), 16/07/2013 and
** 07/16/2013 (only when one of the two numbers cannot be a month).
*/
static int dt_day_first(struct dt_cur *c, struct gz_time *t)
{
	size_t save = c->pos;
	int a, b, y, m, d, sep;

	if (!dt_num(c, 1, 2, &a))
		return 0;
	sep = dt_at(c, 0);
	if (sep != '.' && sep != '/' && sep != '-')
		goto fail;
	c->pos++;
	if (!dt_num(c, 1, 2, &b) || dt_at(c, 0) != sep)
		goto fail;
	c->pos++;
	if (!dt_num(c, 4, 4, &y))
		goto fail;
	if (sep == '.' || (a > 12 && b <= 12) || a == b) {
		d = a;
		m = b;
	} else if (b > 12 && a <= 12) {
		m = a;
		d = b;
	} else {
		goto fail;
	}
	if (!datetext_valid_ymd(y, m, d))
		goto fail;
	t->year = y;
	t->month = m;
	t->day = d;
	dt_opt_time(c, t);
	return 1;
fail:
	c->pos = save;
	return 0;
}

/*
** Dates with a month name: [Weekday,] July 16[th][,] 2013 and
** [Weekday,] 16[th] [of] July[,] 2013, with an optional time after.
*/
static int dt_named(struct dt_cur *c, struct gz_time *t)
{
	size_t save = c->pos, mark;
	char w[16];
	int y, m = 0, d;

	if (dt_isalpha(dt_at(c, 0))) {
		mark = c->pos;
		if (dt_word(c, w, sizeof w) && dt_weekday(w)) {
			if (dt_at(c, 0) == '.')
				c->pos++;
			if (dt_at(c, 0) == ',')
				c->pos++;
			dt_skip_ws(c);
		} else {
			c->pos = mark;
		}
	}
	if (dt_isalpha(dt_at(c, 0))) {
		if (!dt_word(c, w, sizeof w) || !(m = dt_month_name(w)))
			goto fail;
		if (dt_at(c, 0) == '.')
			c->pos++;
		dt_skip_ws(c);
		if (!dt_num(c, 1, 2, &d))
			goto fail;
		dt_ordinal(c);
		if (dt_at(c, 0) == ',')
			c->pos++;
		dt_skip_ws(c);
	} else {
		if (!dt_num(c, 1, 2, &d))
			goto fail;
		dt_ordinal(c);
		if (dt_at(c, 0) == '.')
			c->pos++;
		dt_skip_ws(c);
		mark = c->pos;
		if (dt_word(c, w, sizeof w) == 2 &&
		    (strcmp(w, "of") == 0 || strcmp(w, "de") == 0))
			dt_skip_ws(c);
		else
			c->pos = mark;
		if (!dt_word(c, w, sizeof w) || !(m = dt_month_name(w)))
			goto fail;
		if (dt_at(c, 0) == '.')
			c->pos++;
		if (dt_at(c, 0) == ',')
			c->pos++;
		dt_skip_ws(c);
		/* "16 de julio de 2013", "5 de março del 2013" */
		mark = c->pos;
		if (dt_isalpha(dt_at(c, 0)) && dt_word(c, w, sizeof w) &&
		    (strcmp(w, "de") == 0 || strcmp(w, "del") == 0))
			dt_skip_ws(c);
		else
			c->pos = mark;
	}
	if (!dt_num(c, 4, 4, &y) || !datetext_valid_ymd(y, m, d))
		goto fail;
	t->year = y;
	t->month = m;
	t->day = d;
	dt_opt_time(c, t);
	return 1;
fail:
	c->pos = save;
	return 0;
}

/* Try every pattern at the cursor.  1 with *t filled and the cursor moved. */
static int dt_try(struct dt_cur *c, struct gz_time *t)
{
	memset(t, 0, sizeof *t);
	if (dt_isdigit(dt_at(c, 0))) {
		if (dt_year_first(c, t) || dt_day_first(c, t) || dt_named(c, t))
			return 1;
	} else if (dt_isalpha(dt_at(c, 0))) {
		if (dt_named(c, t))
			return 1;
	}
	memset(t, 0, sizeof *t);
	return 0;
}

/*
** True when the bytes just before text[at] carry a copyright mark ("©",
** "(c)", "copyright"), so that what follows is not a publication date.
*/
static int dt_after_copyright(const char *text, size_t at)
{
	size_t from = at > 24 ? at - 24 : 0;
	size_t i, j;
	static const char word[] = "copyright";

	for (i = from; i < at; i++) {
		if ((unsigned char)text[i] == 0xC2 && i + 1 < at &&
		    (unsigned char)text[i + 1] == 0xA9)
			return 1;
		if (text[i] == '(' && i + 2 < at &&
		    dt_lower(text[i + 1]) == 'c' && text[i + 2] == ')')
			return 1;
		for (j = 0; j < sizeof word - 1 && i + j < at; j++)
			if (dt_lower((unsigned char)text[i + j]) != word[j])
				break;
		if (j == sizeof word - 1)
			return 1;
	}
	return 0;
}

int datetext_find(const char *text, size_t len, struct gz_time *out,
		  size_t *start, size_t *end)
{
	struct dt_cur c;
	struct gz_time t;
	size_t i;
	int prev = -1, ch;

	if (!text)
		return GZ_ENOTFOUND;
	c.s = text;
	c.len = len;
	for (i = 0; i < len; prev = ch, i++) {
		ch = (unsigned char)text[i];
		if (!dt_isdigit(ch) && !dt_isalpha(ch))
			continue;
		if (dt_isdigit(prev) || dt_isalpha(prev))
			continue;
		c.pos = i;
		if (!dt_try(&c, &t))
			continue;
		if (dt_after_copyright(text, i)) {
			continue;
		}
		*out = t;
		if (start)
			*start = i;
		if (end)
			*end = c.pos;
		return GZ_OK;
	}
	return GZ_ENOTFOUND;
}

/* Parse an all-digit value: YYYYMMDD or YYYYMMDDhhmmss.  1 on success. */
static int dt_compact(const char *s, size_t n, struct gz_time *t)
{
	int v[7] = { 0 };
	size_t i;

	if (n != 8 && n != 14)
		return 0;
	for (i = 0; i < n; i++)
		if (!dt_isdigit((unsigned char)s[i]))
			return 0;
	for (i = 0; i < n; i++) {
		size_t k = i < 4 ? 0 : (i - 4) / 2 + 1;

		v[k] = v[k] * 10 + (s[i] - '0');
	}
	memset(t, 0, sizeof *t);
	if (!datetext_valid_ymd(v[0], v[1], v[2]))
		return 0;
	t->year = v[0];
	t->month = v[1];
	t->day = v[2];
	if (n == 14) {
		if (v[3] > 23 || v[4] > 59 || v[5] > 60)
			return 0;
		t->hour = v[3];
		t->min = v[4];
		t->sec = v[5];
		t->has_time = 1;
	}
	return 1;
}

int datetext_parse(const char *s, struct gz_time *out)
{
	struct dt_cur c;
	struct gz_time t;
	size_t len, b, e;

	if (!s)
		return GZ_EPARSE;
	len = strlen(s);
	c.s = s;
	c.len = len;
	c.pos = 0;
	dt_skip_ws(&c);
	b = c.pos;
	e = len;
	while (e > b &&
	       (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' ||
		s[e - 1] == '\r'))
		e--;
	if (dt_compact(s + b, e - b, &t)) {
		*out = t;
		return GZ_OK;
	}
	if (!dt_try(&c, &t))
		return GZ_EPARSE;
	/* Only blanks, punctuation or a parenthesised remark may follow. */
	for (;;) {
		int ch;

		dt_skip_ws(&c);
		ch = dt_at(&c, 0);
		if (ch == '.' || ch == ',' || ch == ';') {
			c.pos++;
			continue;
		}
		if (ch == '(') {
			while (c.pos < c.len && s[c.pos] != ')')
				c.pos++;
			if (c.pos < c.len)
				c.pos++;
			continue;
		}
		break;
	}
	if (c.pos < c.len)
		return GZ_EPARSE;
	*out = t;
	return GZ_OK;
}

int datetext_from_url(const char *url, struct gz_time *out)
{
	const char *p, *s;
	int y, m, d;
	size_t n, i;

	if (!url)
		return GZ_ENOTFOUND;
	p = strstr(url, "://");
	if (p) {
		p += 3;
		while (*p && *p != '/')
			p++;
	} else {
		p = url;
	}
	for (s = p; *s; s++) {
		struct dt_cur c;

		if (!dt_isdigit((unsigned char)*s) ||
		    (s > p && dt_isdigit((unsigned char)s[-1])))
			continue;
		for (n = 0; dt_isdigit((unsigned char)s[n]); n++)
			;
		if (n == 8) {
			y = m = d = 0;
			for (i = 0; i < 8; i++) {
				int *v = i < 4 ? &y : i < 6 ? &m : &d;

				*v = *v * 10 + (s[i] - '0');
			}
			if (datetext_valid_ymd(y, m, d))
				goto found;
			continue;
		}
		if (n != 4)
			continue;
		c.s = s;
		c.len = strlen(s);
		c.pos = 0;
		if (!dt_num(&c, 4, 4, &y))
			continue;
		{
			int sep = dt_at(&c, 0);

			if (sep != '/' && sep != '-' && sep != '_' &&
			    sep != '.')
				continue;
			c.pos++;
			if (sep == '/' && dt_num(&c, 4, 4, &m)) {
				d = m % 100;
				m /= 100;
			} else if (!dt_num(&c, 1, 2, &m) ||
				   dt_at(&c, 0) != sep) {
				continue;
			} else {
				c.pos++;
				if (!dt_num(&c, 1, 2, &d))
					continue;
			}
		}
		if (datetext_valid_ymd(y, m, d))
			goto found;
	}
	return GZ_ENOTFOUND;
found:
	memset(out, 0, sizeof *out);
	out->year = y;
	out->month = m;
	out->day = d;
	return GZ_OK;
}
