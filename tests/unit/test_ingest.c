/*
** test_ingest.c — the pure pieces of bulk import (ingest.h): which file
** names and contents count as HTML, URLs built from a prefix and a
** relative path, the recorded value of an imported item, the summary line.
** The pipeline itself is driven end to end by tests/e2e/test_import.py.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"

/* One file name and what its extension says. */
struct ext_case {
	const char *name; /* file name or path */
	int kind;         /* ingest_ext_kind's answer */
};

static void test_ext_kind(void **state)
{
	static const struct ext_case cases[] = {
		{ "a.html", 1 },   { "dir/b.HTM", 1 },  { "x/y/z.shtml", 1 },
		{ "page.php", 1 }, { "photo.jpg", 0 },  { "logo.PNG", 0 },
		{ "site.css", 0 }, { "notes.txt", -1 }, { "feed.xml", 0 },
		{ "a.tar.gz", 0 }, { "noext", -1 },     { "dir.d/noext", -1 },
		{ ".hidden", -1 }, { "trailing.", -1 }, { "weird.qqq", -1 },
		{ "", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(ingest_ext_kind(cases[i].name), cases[i].kind);
}

/* One content and whether it sniffs as HTML. */
struct sniff_case {
	const char *data; /* bytes (NUL-terminated here; len below) */
	size_t len;       /* bytes to look at */
	int html;         /* ingest_sniff_html's answer */
};

static void test_sniff(void **state)
{
	static const struct sniff_case cases[] = {
		{ "<!DOCTYPE html><html>", 21, 1 },
		{ "\xef\xbb\xbf  \n<html lang=en>", 20, 1 },
		{ "<HEAD><TITLE>x</TITLE>", 22, 1 },
		{ "<p>just a paragraph", 19, 1 },
		{ "hello <html>", 12, 0 }, /* text first */
		{ "<?xml version=\"1.0\"?><rss>", 26, 0 },
		{ "<html>\0binary", 13, 0 }, /* a NUL byte */
		{ "", 0, 0 },
		{ "   ", 3, 0 },
		{ "<notatag>", 9, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(ingest_sniff_html(cases[i].data, cases[i].len),
				 cases[i].html);
}

static void test_mime(void **state)
{
	(void)state;
	assert_int_equal(ingest_mime_html("text/html"), 1);
	assert_int_equal(ingest_mime_html(" Text/HTML; charset=utf-8"), 1);
	assert_int_equal(ingest_mime_html("application/xhtml+xml"), 1);
	assert_int_equal(ingest_mime_html("image/png"), 0);
	assert_int_equal(ingest_mime_html("text/plain"), 0);
	assert_int_equal(ingest_mime_html(""), 0);
	assert_int_equal(ingest_mime_html(NULL), 0);
}

static void test_join_url(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ingest_join_url("http://a.example/", "x/y.html", out,
					 sizeof out),
			 0);
	assert_string_equal(out, "http://a.example/x/y.html");
	assert_int_equal(ingest_join_url("http://a.example/",
					 "with space#1?.html", out, sizeof out),
			 0);
	assert_string_equal(out, "http://a.example/with%20space%231%3F.html");
	assert_int_equal(ingest_join_url("p/", "caf\xc3\xa9", out, sizeof out),
			 0);
	assert_string_equal(out, "p/caf%C3%A9");
	assert_int_equal(ingest_join_url("p/", "100%", out, sizeof out), 0);
	assert_string_equal(out, "p/100%25");
	/* Too long: -1 and "". */
	assert_int_equal(
		ingest_join_url("http://a.example/", "0123456789", out, 20),
		-1);
	assert_string_equal(out, "");
	/* An escape that would straddle the end does not fit either. */
	assert_int_equal(ingest_join_url("ab", " ", out, 5), -1);
	assert_int_equal(ingest_join_url("ab", " ", out, 6), 0);
	assert_string_equal(out, "ab%20");
}

static void test_src_value(void **state)
{
	char out[128];

	(void)state;
	ingest_src_value(0x0123456789abcdefULL, 'a', "http://x.example/1", out,
			 sizeof out);
	assert_string_equal(out, "0123456789abcdef a http://x.example/1");
	ingest_src_value(0, 'n', "u", out, sizeof out);
	assert_string_equal(out, "0000000000000000 n u");
}

static void test_summary(void **state)
{
	struct ingest_stats st;
	char line[512];

	(void)state;
	memset(&st, 0, sizeof st);
	st.items = 12;
	st.added = 5;
	st.unchanged = 2;
	st.skipped = 4;
	st.failed = 1;
	st.bytes = 2500000;
	st.seconds = 1.5;
	ingest_summary(&st, line, sizeof line);
	assert_string_equal(
		line,
		"files=12 new=5 updated=0 unchanged=2 "
		"duplicates=0 skipped=4 failed=1 mb=2.5 seconds=1.5");
	assert_string_equal(ingest_skip_name(INGEST_SKIP_EXTENSION),
			    "extension");
	assert_string_equal(ingest_skip_name(INGEST_SKIP_WARC_TYPE),
			    "warc_type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext_kind),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_join_url),
		cmocka_unit_test(test_src_value),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
