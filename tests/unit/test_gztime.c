/*
** test_gztime.c — gz_time parsing, formatting, ordering and conversion,
** and the monotonic clock helpers.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "gz_err.h"
#include "gztime.h"

/* One ISO string, whether it parses and what gz_time_iso writes back. */
struct iso_case {
	const char *in;  /* input */
	int ok;          /* 1 when it must parse */
	const char *out; /* gz_time_iso of the result */
};

static const struct iso_case iso_cases[] = {
	{ "2013-07-16", 1, "2013-07-16" },
	{ "2013-07-16T18:53:02", 1, "2013-07-16T18:53:02" },
	{ "2013-07-16T18:53", 1, "2013-07-16T18:53:00" },
	{ "2013-07-16T10:53:02Z", 1, "2013-07-16T10:53:02Z" },
	{ "2013-07-16T18:53:02+08:00", 1, "2013-07-16T18:53:02+08:00" },
	{ "2013-07-16T18:53:02+0800", 1, "2013-07-16T18:53:02+08:00" },
	{ "2013-07-16T05:53:02-05:30", 1, "2013-07-16T05:53:02-05:30" },
	{ "2013-07-16T18:53:02.123Z", 1, "2013-07-16T18:53:02Z" },
	{ "2013-07-16 18:53:02", 1, "2013-07-16T18:53:02" },
	{ " 2012-02-29 ", 1, "2012-02-29" },
	{ "2013-02-29", 0, NULL },
	{ "2013-13-01", 0, NULL },
	{ "2013-00-10", 0, NULL },
	{ "2013-07-32", 0, NULL },
	{ "2013-07-16T24:00:00", 0, NULL },
	{ "2013-07-16T18:60", 0, NULL },
	{ "2013-7-16", 0, NULL },
	{ "2013-07-16X", 0, NULL },
	{ "2013-07-16T18:53:02+15:00", 0, NULL },
	{ "", 0, NULL },
	{ "July 16, 2013", 0, NULL },
};

static void test_parse_iso_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof iso_cases / sizeof iso_cases[0]; i++) {
		struct gz_time t;
		char out[GZ_TIME_ISOLEN];
		int rc = gz_time_parse_iso(iso_cases[i].in, &t);

		if (!iso_cases[i].ok) {
			if (rc == GZ_OK)
				fail_msg("parsed %s", iso_cases[i].in);
			continue;
		}
		if (rc != GZ_OK)
			fail_msg("did not parse %s", iso_cases[i].in);
		gz_time_iso(&t, out);
		assert_string_equal(out, iso_cases[i].out);
	}
}

static void test_iso_invalid_is_empty(void **state)
{
	struct gz_time t;
	char out[GZ_TIME_ISOLEN] = "junk";

	(void)state;
	memset(&t, 0, sizeof t);
	gz_time_iso(&t, out);
	assert_string_equal(out, "");
	assert_false(gz_time_valid(&t));
}

static void test_sortkey(void **state)
{
	struct gz_time t;
	char key[15];

	(void)state;
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02+08:00", &t),
			 GZ_OK);
	gz_time_sortkey(&t, key);
	assert_string_equal(key, "20130716185302");
	assert_int_equal(gz_time_parse_iso("2013-07-16", &t), GZ_OK);
	gz_time_sortkey(&t, key);
	assert_string_equal(key, "20130716000000");
	memset(&t, 0, sizeof t);
	gz_time_sortkey(&t, key);
	assert_string_equal(key, "00000000000000");
}

static void test_human(void **state)
{
	struct gz_time t;
	char out[64];

	(void)state;
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02", &t), GZ_OK);
	gz_time_human(&t, out, sizeof out);
	assert_string_equal(out, "16 Jul 2013 18:53");
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02+08:00", &t),
			 GZ_OK);
	gz_time_human(&t, out, sizeof out);
	assert_string_equal(out, "16 Jul 2013 18:53 +08:00");
	assert_int_equal(gz_time_parse_iso("2013-07-06", &t), GZ_OK);
	gz_time_human(&t, out, sizeof out);
	assert_string_equal(out, "6 Jul 2013");
	gz_time_human(&t, out, 4);
	assert_string_equal(out, "6 J");
}

static void test_cmp(void **state)
{
	struct gz_time a, b;

	(void)state;
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02", &a), GZ_OK);
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:03", &b), GZ_OK);
	assert_true(gz_time_cmp(&a, &b) < 0);
	assert_true(gz_time_cmp(&b, &a) > 0);
	assert_int_equal(gz_time_cmp(&a, &a), 0);
	/* zones are ignored: wall times as stated */
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02Z", &b), GZ_OK);
	assert_int_equal(gz_time_cmp(&a, &b), 0);
	assert_int_equal(gz_time_parse_iso("2013-07-16", &b), GZ_OK);
	assert_true(gz_time_cmp(&b, &a) < 0);
}

static void test_unix(void **state)
{
	struct gz_time t;
	char out[GZ_TIME_ISOLEN];

	(void)state;
	gz_time_from_unix(1373971982, &t);
	gz_time_iso(&t, out);
	assert_string_equal(out, "2013-07-16T10:53:02Z");
	assert_int_equal(gz_time_to_unix(&t), 1373971982);
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02+08:00", &t),
			 GZ_OK);
	assert_int_equal(gz_time_to_unix(&t), 1373971982);
	gz_time_from_unix(0, &t);
	gz_time_iso(&t, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(gz_time_parse_iso("2000-03-01", &t), GZ_OK);
	assert_int_equal(gz_time_to_unix(&t), 951868800);
}

static void test_days_in_month(void **state)
{
	(void)state;
	assert_int_equal(gz_time_days_in_month(2012, 2), 29);
	assert_int_equal(gz_time_days_in_month(2013, 2), 28);
	assert_int_equal(gz_time_days_in_month(1900, 2), 28);
	assert_int_equal(gz_time_days_in_month(2000, 2), 29);
	assert_int_equal(gz_time_days_in_month(2013, 4), 30);
	assert_int_equal(gz_time_days_in_month(2013, 12), 31);
	assert_int_equal(gz_time_days_in_month(2013, 13), 0);
}

/* The monotonic clock moves forward; a deadline is normalised and ahead. */
static void test_mono(void **state)
{
	struct timespec now, at;
	double a, b, ms;

	(void)state;
	a = gz_mono_ms();
	b = gz_mono_ms();
	assert_true(b >= a);
	gz_mono_after(1999, &at);
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_true(at.tv_nsec >= 0 && at.tv_nsec < 1000000000L);
	ms = (double)(at.tv_sec - now.tv_sec) * 1000.0 +
		(double)(at.tv_nsec - now.tv_nsec) / 1e6;
	assert_true(ms > 1900.0 && ms <= 1999.0);
	gz_mono_after(0, &at);
	assert_true(at.tv_nsec >= 0 && at.tv_nsec < 1000000000L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_iso_table),
		cmocka_unit_test(test_iso_invalid_is_empty),
		cmocka_unit_test(test_sortkey),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_mono),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
