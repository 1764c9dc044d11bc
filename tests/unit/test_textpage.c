/*
** test_textpage.c — plain-text articles as HTML: the page textpage_to_html
** writes, and what the extractor reads from it (headline, visible source
** and date lines, paragraphs), for well-formed and awkward texts.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "article.h"
#include "buf.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "textpage.h"

/* An article as a clipping service exports it (fictional). */
static const char clipping[] =
	"\r\n"
	"Harbour towns & river ports sign <trade> pact\r\n"
	"\r\n"
	"Source:Coastal Courier Published: 2014-3-9 08:15:00\r\n"
	"\r\n"
	"Mayors of six harbour towns and three river ports signed a trade\r\n"
	"pact on Sunday that lets their councils share customs offices,\r\n"
	"pilots and dredging crews for the next ten years.\r\n"
	"\r\n"
	"The mayors said the pact would cut the cost of keeping channels\r\n"
	"open in winter, when silt closes the smaller harbours for weeks,\r\n"
	"and that other towns along the coast had asked to join it.\r\n"
	"\r\n"
	"Posted in: Business\r\n";

/* The HTML of text (len bytes) as a NUL-terminated string in b. */
static void to_html(const char *text, size_t len, struct buf *b)
{
	buf_init(b, GZ_MAX_PAGE_BYTES);
	assert_int_equal(textpage_to_html(text, len, b), GZ_OK);
}

static void test_page_shape(void **state)
{
	static const char odd[] = "Title\n\nbad \xff byte\0and a NUL\n";
	struct buf b;

	(void)state;
	to_html(clipping, sizeof clipping - 1, &b);
	assert_non_null(strstr(b.ptr, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(b.ptr,
			       "<title>Harbour towns &amp; river ports "
			       "sign &lt;trade&gt; pact</title>"));
	assert_non_null(strstr(b.ptr,
			       "<h1>Harbour towns &amp; river ports "
			       "sign &lt;trade&gt; pact</h1>"));
	assert_non_null(strstr(b.ptr,
			       "<p>Source:Coastal Courier Published: "
			       "2014-3-9 08:15:00</p>"));
	assert_non_null(strstr(b.ptr, "a trade\npact on Sunday"));
	assert_null(strchr(b.ptr, '\r'));
	buf_release(&b);

	/* Not UTF-8: no charset claimed; NUL bytes dropped. */
	to_html(odd, sizeof odd - 1, &b);
	assert_null(strstr(b.ptr, "charset"));
	assert_non_null(strstr(b.ptr, "<p>bad \xff byteand a NUL</p>"));
	assert_int_equal(strlen(b.ptr), b.len);
	buf_release(&b);

	/* Nothing but blank lines: an empty page, still well formed. */
	to_html(" \n\t\n\n", 5, &b);
	assert_null(strstr(b.ptr, "<title>"));
	assert_non_null(strstr(b.ptr, "<body></body></html>"));
	buf_release(&b);
	to_html("", 0, &b);
	assert_non_null(strstr(b.ptr, "</html>"));
	buf_release(&b);
}

static void test_extracted_as_an_article(void **state)
{
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	char err[GZ_ERRLEN], when[GZ_TIME_ISOLEN];
	struct buf b;

	(void)state;
	to_html(clipping, sizeof clipping - 1, &b);
	memset(&o, 0, sizeof o);
	o.url = "file:///clippings/harbour-pact.txt";
	article_init(&a);
	assert_int_equal(extract_html(b.ptr, b.len, &o, &a, &kind, err), GZ_OK);
	assert_int_equal(kind, PAGE_ARTICLE);
	assert_string_equal(a.title,
			    "Harbour towns & river ports sign <trade> pact");
	assert_string_equal(a.source, "Coastal Courier");
	gz_time_iso(&a.published, when);
	assert_string_equal(when, "2014-03-09T08:15:00");
	assert_string_equal(a.section, "Business");
	assert_non_null(strstr(a.text, "Mayors of six harbour towns"));
	assert_non_null(strstr(a.text, "asked to join it."));
	assert_null(strstr(a.text, "Posted in"));
	article_free(&a);
	buf_release(&b);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(textpage_name("a/b/story.txt"));
	assert_true(textpage_name("STORY.TXT"));
	assert_false(textpage_name(".txt"));
	assert_false(textpage_name("story.txt.gz"));
	assert_false(textpage_name("story.html"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_shape),
		cmocka_unit_test(test_extracted_as_an_article),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
