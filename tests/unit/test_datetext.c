/*
** test_datetext.c — dates from meta values, free text and URLs.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "datetext.h"
#include "gz_err.h"
#include "gztime.h"

/* An input and the ISO 8601 form expected, or NULL when no date. */
struct dt_case {
	const char *in;
	const char *iso;
};

static const struct dt_case parse_cases[] = {
	/* ISO 8601 and near variants */
	{ "2013-07-16", "2013-07-16" },
	{ "2013-07-16T10:53:02Z", "2013-07-16T10:53:02Z" },
	{ "2013-07-16T18:53:02+08:00", "2013-07-16T18:53:02+08:00" },
	{ "2013-07-16T18:53:02.000+0800", "2013-07-16T18:53:02+08:00" },
	{ "2013-07-16T18:53", "2013-07-16T18:53:00" },
	{ "2013-7-16 18:53:02", "2013-07-16T18:53:02" },
	{ "  2013-7-16 18:53:02  ", "2013-07-16T18:53:02" },
	{ "2013/07/16", "2013-07-16" },
	{ "2013.07.16", "2013-07-16" },
	{ "20130716", "2013-07-16" },
	{ "20130716185302", "2013-07-16T18:53:02" },
	/* RFC 822 / 1123 as RSS writes it */
	{ "Tue, 16 Jul 2013 10:53:02 GMT", "2013-07-16T10:53:02Z" },
	{ "Tue, 16 Jul 2013 10:53:02 +0000", "2013-07-16T10:53:02Z" },
	{ "Tue, 16 Jul 2013 06:53:02 EDT", "2013-07-16T06:53:02-04:00" },
	{ "16 Jul 2013 10:53 -0700", "2013-07-16T10:53:00-07:00" },
	{ "Tue, 16 Jul 2013 18:53:02 GMT+8", "2013-07-16T18:53:02+08:00" },
	/* English prose */
	{ "July 16, 2013", "2013-07-16" },
	{ "16 July 2013", "2013-07-16" },
	{ "mardi 16 juillet 2013", "2013-07-16" },
	{ "1er ao\xC3\xBBt 2013", "2013-08-01" },
	{ "16 f\xC3\xA9vr. 2014", "2014-02-16" },
	{ "Dienstag, 16. Juli 2013", "2013-07-16" },
	{ "4. M\xC3\xA4rz 2014", "2014-03-04" },
	{ "16. Dez. 2014", "2014-12-16" },
	{ "martes, 16 de julio de 2013", "2013-07-16" },
	{ "5 de marzo del 2013", "2013-03-05" },
	{ "16 luglio 2013", "2013-07-16" },
	{ "16 de julho de 2013", "2013-07-16" },
	{ "Jul. 16, 2013 5:30 PM", "2013-07-16T17:30:00" },
	{ "Jul 16, 2013 12:05 am", "2013-07-16T00:05:00" },
	{ "Tuesday, July 16th, 2013", "2013-07-16" },
	{ "Sept. 3, 2013", "2013-09-03" },
	{ "3rd of September 2013", "2013-09-03" },
	{ "July 16, 2013 at 5:30 p.m. EST", "2013-07-16T17:30:00-05:00" },
	/* day first */
	{ "16.07.2013", "2013-07-16" },
	{ "02.10.2013", "2013-10-02" },
	{ "16/07/2013", "2013-07-16" },
	{ "07/16/2013", "2013-07-16" },
	{ "16.07.2013, 16:45", "2013-07-16T16:45:00" },
	/* Chinese */
	{ "2013年7月16日 18:53", "2013-07-16T18:53:00" },
	{ "2013年07月16日18:53:02", "2013-07-16T18:53:02" },
	{ "2013年7月16日", "2013-07-16" },
	{ "2013年7月16日 18时53分", "2013-07-16T18:53:00" },
	/* trailing remarks */
	{ "2013-07-16 (updated)", "2013-07-16" },
	/* refused */
	{ "07/08/2013", NULL }, /* ambiguous day and month */
	{ "2013-02-29", NULL },
	{ "2012-02-30", NULL },
	{ "2013-13-01", NULL },
	{ "1985-07-16", NULL }, /* before DATETEXT_MIN_YEAR */
	{ "2101-01-01", NULL },
	{ "2013", NULL },
	{ "July 2013", NULL },
	{ "© 2013", NULL },
	{ "Copyright 2013", NULL },
	{ "Copyright 2013 Global Times", NULL },
	{ "2013-07-16 and more words", NULL },
	{ "Smarch 16, 2013", NULL },
	{ "", NULL },
	{ "2013-07-161", NULL },
	{ "25:00 July 16, 2013", NULL },
};

static void test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		struct gz_time t;
		char iso[GZ_TIME_ISOLEN];
		int rc = datetext_parse(parse_cases[i].in, &t);

		if (!parse_cases[i].iso) {
			if (rc == GZ_OK) {
				gz_time_iso(&t, iso);
				fail_msg("\"%s\" gave %s", parse_cases[i].in,
					 iso);
			}
			continue;
		}
		if (rc != GZ_OK)
			fail_msg("\"%s\" did not parse", parse_cases[i].in);
		gz_time_iso(&t, iso);
		if (strcmp(iso, parse_cases[i].iso))
			fail_msg("\"%s\" gave %s, want %s", parse_cases[i].in,
				 iso, parse_cases[i].iso);
	}
}

static const struct dt_case find_cases[] = {
	{ "Source:Global Times Published: 2013-7-16 18:53:02",
	  "2013-07-16T18:53:02" },
	{ "By Jane Doe | July 22, 2013 6:00 AM | 3 comments",
	  "2013-07-22T06:00:00" },
	{ "Posted on Tuesday, 16 July 2013", "2013-07-16" },
	{ "Published 10.04.2014, 16:45 | Updated 11.04.2014",
	  "2014-04-10T16:45:00" },
	{ "2013年7月18日 09:30来源：东方观察报", "2013-07-18T09:30:00" },
	{ "Copyright © 2013-2014 Global Times. Updated July 16, 2013",
	  "2013-07-16" },
	{ "© 2013 Global Times. All rights reserved.", NULL },
	{ "Copyright 2013, the paper", NULL },
	{ "Call 0800 000 000 or visit room 12.10.", NULL },
	{ "Version 3.2.1 was released", NULL },
	{ "No date here at all", NULL },
	{ "The match ended 2-1 in 2013.", NULL },
	{ "ID 1234567/2013/07/16x", "2013-07-16" },
};

static void test_find_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof find_cases / sizeof find_cases[0]; i++) {
		struct gz_time t;
		char iso[GZ_TIME_ISOLEN];
		const char *s = find_cases[i].in;
		int rc = datetext_find(s, strlen(s), &t, NULL, NULL);

		if (!find_cases[i].iso) {
			if (rc == GZ_OK) {
				gz_time_iso(&t, iso);
				fail_msg("\"%s\" gave %s", s, iso);
			}
			continue;
		}
		if (rc != GZ_OK)
			fail_msg("no date found in \"%s\"", s);
		gz_time_iso(&t, iso);
		if (strcmp(iso, find_cases[i].iso))
			fail_msg("\"%s\" gave %s, want %s", s, iso,
				 find_cases[i].iso);
	}
}

static void test_find_span_and_length(void **state)
{
	const char *s = "Published: July 16, 2013 — more";
	struct gz_time t;
	size_t b = 0, e = 0;

	(void)state;
	assert_int_equal(datetext_find(s, strlen(s), &t, &b, &e), GZ_OK);
	assert_int_equal(b, 11);
	assert_int_equal(e, 24);
	/* the length bounds the search: text need not be NUL-terminated */
	assert_int_equal(datetext_find(s, 20, &t, NULL, NULL), GZ_ENOTFOUND);
	assert_int_equal(datetext_find(NULL, 0, &t, NULL, NULL), GZ_ENOTFOUND);
}

static void test_find_long_text(void **state)
{
	static char big[200000];
	struct gz_time t;
	char iso[GZ_TIME_ISOLEN];

	(void)state;
	memset(big, '1', sizeof big);
	for (size_t i = 0; i < sizeof big; i += 7)
		big[i] = ' ';
	memcpy(big + sizeof big - 20, " 16 July 2013 ", 14);
	assert_int_equal(datetext_find(big, sizeof big, &t, NULL, NULL), GZ_OK);
	gz_time_iso(&t, iso);
	assert_string_equal(iso, "2013-07-16");
}

static const struct dt_case url_cases[] = {
	{ "http://news.example/2013/07/16/city-diplomacy.html", "2013-07-16" },
	{ "https://news.example/world/2013-07-16/story", "2013-07-16" },
	{ "https://news.example/a/20130716/story.html", "2013-07-16" },
	{ "https://news.example/china/2013/0716/c123.html", "2013-07-16" },
	{ "/dongfang/guoji/2013-07/18/c_1185234.htm", NULL },
	{ "http://www.globaltimes.cn/content/797127.shtml", NULL },
	{ "http://20130716.example/story", NULL },
	{ "https://news.example/2013/13/45/x", NULL },
	{ "https://news.example/1985/07/16/x", NULL },
	{ NULL, NULL },
};

static void test_url_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
		struct gz_time t;
		char iso[GZ_TIME_ISOLEN];
		int rc = datetext_from_url(url_cases[i].in, &t);

		if (!url_cases[i].iso) {
			if (rc == GZ_OK)
				fail_msg("%s gave a date", url_cases[i].in);
			continue;
		}
		if (rc != GZ_OK)
			fail_msg("no date in %s", url_cases[i].in);
		gz_time_iso(&t, iso);
		assert_string_equal(iso, url_cases[i].iso);
	}
}

static void test_valid_ymd(void **state)
{
	(void)state;
	assert_true(datetext_valid_ymd(2012, 2, 29));
	assert_false(datetext_valid_ymd(2013, 2, 29));
	assert_true(datetext_valid_ymd(2000, 2, 29));
	assert_false(datetext_valid_ymd(2100, 2, 29));
	assert_false(datetext_valid_ymd(1989, 12, 31));
	assert_true(datetext_valid_ymd(1990, 1, 1));
	assert_false(datetext_valid_ymd(2013, 4, 31));
	assert_false(datetext_valid_ymd(2013, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_find_table),
		cmocka_unit_test(test_find_span_and_length),
		cmocka_unit_test(test_find_long_text),
		cmocka_unit_test(test_url_table),
		cmocka_unit_test(test_valid_ymd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
