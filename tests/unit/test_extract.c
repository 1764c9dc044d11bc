/*
** test_extract.c — HTML page to article: metadata sources, boilerplate
** removal, charsets, links, page kinds and hostile input (empty, binary,
** truncated, NUL bytes, 100,000-deep nesting, 50 MB, external entities).
**
** Fixtures are read from $GZ_FIXTURES (default "tests/fixtures") and the
** demo site from $GZ_DATA (default "data"), relative to the repository
** root where the tests run.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "article.h"
#include "buf.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"

#define NOW_2020 ((time_t)1577836800) /* 2020-01-01T00:00:00Z */

/* Read file dir/name (dir from env, else def) into b; 0 when missing. */
static int read_from(const char *env, const char *def, const char *name,
		     struct buf *b)
{
	const char *dir = getenv(env);
	char path[1024];
	char err[GZ_ERRLEN];

	snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : def, name);
	buf_init(b, GZ_MAX_PAGE_BYTES + 1);
	return buf_read_file(b, path, err) == GZ_OK;
}

/* Read a fixture page or fail the test. */
static void read_fixture(const char *name, struct buf *b)
{
	if (!read_from("GZ_FIXTURES", "tests/fixtures", name, b))
		fail_msg("fixture %s missing (set GZ_FIXTURES)", name);
}

/* Extract html with opts; returns the return code, fills *a and *kind. */
static int run(const char *html, size_t len, const struct extract_opts *o,
	       struct article *a, enum page_kind *kind)
{
	char err[GZ_ERRLEN] = "";

	article_init(a);
	return extract_html(html, len, o, a, kind, err);
}

/* ISO form of a time, in a static buffer per call site use. */
static const char *iso(const struct gz_time *t, char out[GZ_TIME_ISOLEN])
{
	gz_time_iso(t, out);
	return out;
}

/* Authors joined by ";" into out. */
static const char *authors(const struct article *a, char *out, size_t n)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < a->n_authors && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%s", i ? ";" : "",
				      a->authors[i]);
	return out;
}

/* One fixture page and what must come out of it (NULL: not checked). */
struct page_case {
	const char *file;
	const char *url;
	const char *content_type;
	const char *title;
	const char *source;
	const char *published; /* ISO, "" for none */
	const char *modified;
	const char *section;
	const char *authors; /* joined by ";", "" for none */
	const char *language;
	enum page_kind kind;
	const char *text_has;    /* must be in the text */
	const char *text_not[4]; /* must not be in the text */
};

static const struct page_case page_cases[] = {
	{ "pages/globaltimes-seed.html",
	  "http://www.globaltimes.cn/content/797127.shtml",
	  NULL,
	  "City diplomacy integral to boosting economic, cultural exchanges",
	  "Global Times",
	  "2013-07-16T18:53:02",
	  "",
	  "Viewpoint",
	  "",
	  "en",
	  PAGE_ARTICLE,
	  "The core of city diplomacy is how to expand",
	  { "Disqus", "Most popular", "Posted in", "Source:" } },
	{ "pages/jsonld-graph.html",
	  "https://courier.example/news/tunnel",
	  NULL,
	  "Harbour tunnel opens two years late & over budget",
	  "Northwind Courier",
	  "2015-03-02T07:30:00+01:00",
	  "2015-03-02T09:05:00+01:00",
	  "Transport",
	  "Elin Strand;Oskar Berg",
	  "en",
	  PAGE_ARTICLE,
	  "two years later than planned",
	  { "harbourwatcher", "scandal", "Home", NULL } },
	{ "pages/opengraph.html",
	  "http://bay.example/news/x",
	  NULL,
	  "Storm closes coastal road for third day",
	  "The Bay Chronicle",
	  "2014-06-12T14:25:00+10:00",
	  "2014-06-12T19:50:00+10:00",
	  "Local",
	  "Jane Doe;John Smith",
	  "en",
	  PAGE_ARTICLE,
	  "three separate slips",
	  { "cookies", "newsletter", "Related stories", "Photo: Bay" } },
	{ "pages/dublincore.html",
	  "http://campus.example/n/1",
	  NULL,
	  "University library reopens after flood repairs",
	  "Campus Weekly",
	  "2016-02-19",
	  "",
	  NULL,
	  "Hannah Wexford",
	  "en",
	  PAGE_ARTICLE,
	  "burst water main",
	  { "Events", "Campus Weekly", NULL, NULL } },
	{ "pages/itemprop.html",
	  "http://island.example/ferry",
	  NULL,
	  "Ferry fares to rise in April",
	  "Island Times",
	  "2015-01-22T08:10:00-08:00",
	  "",
	  "Business",
	  "Rosa Alvarez",
	  "en",
	  PAGE_ARTICLE,
	  "six percent from April 1",
	  { "Grumpy", "late half the time", NULL, NULL } },
	{ "pages/metanames.html",
	  "http://city.example/cycle",
	  NULL,
	  "Council approves new cycle lanes",
	  "city.example",
	  "2013-05-14T09:00:00Z",
	  "",
	  "Transport",
	  "Peter Quince",
	  "en",
	  PAGE_ARTICLE,
	  "protected cycle lanes",
	  { NULL } },
	{ "pages/time-element.html",
	  "http://town.example/choir",
	  NULL,
	  "Choir wins national title",
	  "town.example",
	  "2014-11-03T18:00:00",
	  "",
	  NULL,
	  "",
	  "en",
	  PAGE_ARTICLE,
	  "standing ovation",
	  { "Archive", "Copyright", NULL, NULL } },
	{ "pages/listing.html",
	  "http://valley.example/",
	  NULL,
	  NULL,
	  "valley.example",
	  "",
	  "",
	  NULL,
	  "",
	  "en",
	  PAGE_LISTING,
	  NULL,
	  { NULL } },
	{ "pages/french.html",
	  "http://port.example/terminal",
	  NULL,
	  "Le port agrandit son terminal",
	  NULL,
	  "",
	  "",
	  NULL,
	  "",
	  "fr",
	  PAGE_ARTICLE,
	  "centaine d'emplois",
	  { NULL } },
	{ "pages/gb2312.html",
	  "http://dongfang.example/c_1.htm",
	  NULL,
	  "青港举办国际友好城市论坛",
	  "东方观察报",
	  "2013-07-18T09:30:00",
	  "",
	  NULL,
	  "王晓峰",
	  "zh",
	  PAGE_ARTICLE,
	  "国际友好城市论坛",
	  { "责任编辑", "李娜", NULL, NULL } },
	{ "pages/latin1.html",
	  "http://cafe.example/rules",
	  "text/html; charset=ISO-8859-1",
	  "Café owners protest new rules",
	  NULL,
	  "",
	  "",
	  NULL,
	  "",
	  "en",
	  PAGE_ARTICLE,
	  "Café owners in the old town",
	  { NULL } },
	{ "pages/ldbody.html",
	  "http://county.example/bridge",
	  NULL,
	  "Bridge repairs to start in May",
	  NULL,
	  "2016-04-01",
	  "",
	  NULL,
	  "",
	  "en",
	  PAGE_ARTICLE,
	  "temporary crossing",
	  { "Loading", NULL, NULL, NULL } },
};

static void check_str(const char *file, const char *what, const char *want,
		      const char *got)
{
	if (!want)
		return;
	if (!got)
		got = "";
	if (strcmp(want, got))
		fail_msg("%s: %s is \"%s\", want \"%s\"", file, what, got,
			 want);
}

static void test_page_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof page_cases / sizeof page_cases[0]; i++) {
		const struct page_case *c = &page_cases[i];
		struct extract_opts o;
		struct article a;
		enum page_kind kind;
		struct buf b;
		char t[GZ_TIME_ISOLEN], au[512];

		read_fixture(c->file, &b);
		memset(&o, 0, sizeof o);
		o.url = c->url;
		o.content_type = c->content_type;
		o.now = NOW_2020;
		assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
		check_str(c->file, "title", c->title, a.title);
		check_str(c->file, "source", c->source, a.source);
		check_str(c->file, "published", c->published,
			  iso(&a.published, t));
		check_str(c->file, "modified", c->modified,
			  iso(&a.modified, t));
		check_str(c->file, "section", c->section, a.section);
		check_str(c->file, "authors", c->authors,
			  authors(&a, au, sizeof au));
		check_str(c->file, "language", c->language, a.language);
		if (kind != c->kind)
			fail_msg("%s: kind %d, want %d", c->file, kind,
				 c->kind);
		if (c->text_has && (!a.text || !strstr(a.text, c->text_has)))
			fail_msg("%s: text lacks \"%s\"", c->file, c->text_has);
		for (k = 0; k < 4 && c->text_not[k]; k++)
			if (a.text && strstr(a.text, c->text_not[k]))
				fail_msg("%s: text has \"%s\"", c->file,
					 c->text_not[k]);
		article_free(&a);
		buf_release(&b);
	}
}

/* The seed checks, on any copy of the Global Times page. */
static void check_seed(const char *html, size_t len, const char *url)
{
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	char t[GZ_TIME_ISOLEN];
	const char *nav[] = { "Home",       "Sports",    "Contact us",
			      "Share this", "Copyright", "Most popular",
			      "Search" };
	size_t i;

	memset(&o, 0, sizeof o);
	o.url = url;
	assert_int_equal(run(html, len, &o, &a, &kind), GZ_OK);
	assert_int_equal(kind, PAGE_ARTICLE);
	assert_string_equal(a.title,
			    "City diplomacy integral to boosting economic, "
			    "cultural exchanges");
	assert_string_equal(a.source, "Global Times");
	assert_string_equal(iso(&a.published, t), "2013-07-16T18:53:02");
	assert_false(a.published.has_tz);
	assert_string_equal(a.section, "Viewpoint");
	assert_int_equal(a.n_authors, 0);
	assert_non_null(a.text);
	assert_true(strncmp(a.text, "Editor's Note:", 14) == 0);
	assert_non_null(strstr(a.text, "Editor's Note:\n\nAlong with China's"));
	assert_non_null(strstr(a.text, "form a reciprocal situation."));
	assert_true(strlen(a.text) > 3000);
	assert_null(strstr(a.text, "Posted in"));
	assert_null(strstr(a.text, "Disqus"));
	assert_null(strstr(a.text, "Source:"));
	assert_null(strstr(a.text, "Published:"));
	for (i = 0; i < sizeof nav / sizeof nav[0]; i++)
		if (strstr(a.text, nav[i]))
			fail_msg("seed text has \"%s\"", nav[i]);
	/* the text ends with the last paragraph */
	assert_string_equal(a.text + strlen(a.text) - 28,
			    "form a reciprocal situation.");
	article_free(&a);

	/* a configured zone is applied to a time stated without one */
	o.has_tz = 1;
	o.tz_min = 480;
	assert_int_equal(run(html, len, &o, &a, &kind), GZ_OK);
	assert_string_equal(iso(&a.published, t), "2013-07-16T18:53:02+08:00");
	article_free(&a);
}

static void test_seed_fixture(void **state)
{
	struct buf b;

	(void)state;
	read_fixture("pages/globaltimes-seed.html", &b);
	check_seed(b.ptr, b.len,
		   "http://www.globaltimes.cn/content/797127.shtml");
	buf_release(&b);
}

static void test_seed_demo_site(void **state)
{
	struct buf b;

	(void)state;
	if (!read_from("GZ_DATA", "data",
		       "site/globaltimes/content/797127.shtml", &b)) {
		buf_release(&b);
		skip(); /* the demo site's seed page is not there (set GZ_DATA) */
		return;
	}
	check_seed(b.ptr, b.len,
		   "http://127.0.0.1:8080/globaltimes/content/797127.shtml");
	buf_release(&b);
}

/* Demo-site pages and the kind and byline each must give. */
static const struct {
	const char *path;
	enum page_kind kind;
	const char *authors;
} demo_pages[] = {
	{ "site/globaltimes/content/797127.shtml", PAGE_ARTICLE, "" },
	{ "site/globaltimes/viewpoint/index.html", PAGE_LISTING, NULL },
	{ "site/dongfang/guoji/2013-07/18/c_1185234.htm", PAGE_ARTICLE,
	  "王晓峰" },
	{ "site/dongfang/index.html", PAGE_LISTING, NULL },
	{ "site/pacificledger/politics/"
	  "governor-trade-mission-signs-twelve-agreements-in-asia-6610.html",
	  PAGE_ARTICLE, "Leilani Kahale" },
	{ "site/pacificledger/index.html", PAGE_LISTING, NULL },
	{ "site/meridiandaily/index.html", PAGE_LISTING, NULL },
	{ "site/harbourherald/index.html", PAGE_LISTING, NULL },
};

static void test_demo_site_kinds(void **state)
{
	size_t i, seen = 0;

	(void)state;
	for (i = 0; i < sizeof demo_pages / sizeof demo_pages[0]; i++) {
		struct extract_opts o;
		struct article a;
		enum page_kind kind;
		struct buf b;
		char url[512], au[512];

		if (!read_from("GZ_DATA", "data", demo_pages[i].path, &b)) {
			buf_release(&b);
			continue;
		}
		seen++;
		snprintf(url, sizeof url, "http://127.0.0.1:8080/%s",
			 demo_pages[i].path + 5);
		memset(&o, 0, sizeof o);
		o.url = url;
		assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
		if (kind != demo_pages[i].kind)
			fail_msg("%s: kind %d, want %d", demo_pages[i].path,
				 kind, demo_pages[i].kind);
		check_str(demo_pages[i].path, "authors", demo_pages[i].authors,
			  authors(&a, au, sizeof au));
		article_free(&a);
		buf_release(&b);
	}
	if (!seen)
		skip(); /* the demo site is not there (set GZ_DATA) */
}

/* Collected links. */
struct link_log {
	size_t n;
	char urls[16][256];
	char anchors[16][64];
};

static void log_link(void *ctx, const char *url, const char *anchor)
{
	struct link_log *l = ctx;

	if (l->n < 16) {
		snprintf(l->urls[l->n], sizeof l->urls[0], "%s", url);
		snprintf(l->anchors[l->n], sizeof l->anchors[0], "%s", anchor);
	}
	l->n++;
}

static void test_links(void **state)
{
	static const char *const want[] = {
		"http://news.example/",
		"http://news.example/section/page.html",
		"https://other.example/x?y=1",
		"http://cdn.example/path",
		"http://news.example/section/",
	};
	struct link_log log;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	struct buf b;
	size_t i;

	(void)state;
	read_fixture("pages/links.html", &b);
	memset(&log, 0, sizeof log);
	memset(&o, 0, sizeof o);
	o.url = "http://news.example/a/b.html";
	o.on_link = log_link;
	o.link_ctx = &log;
	assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
	assert_int_equal(log.n, sizeof want / sizeof want[0]);
	for (i = 0; i < log.n; i++)
		assert_string_equal(log.urls[i], want[i]);
	assert_string_equal(log.anchors[1], "Relative");
	article_free(&a);

	/* without a page URL, only absolute links come out */
	memset(&log, 0, sizeof log);
	o.url = NULL;
	assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.urls[0], "https://other.example/x?y=1");
	article_free(&a);
	buf_release(&b);
}

static void count_link(void *ctx, const char *url, const char *anchor)
{
	(void)url;
	(void)anchor;
	(*(size_t *)ctx)++;
}

static void test_links_capped(void **state)
{
	struct buf b;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	size_t i, n = 0;

	(void)state;
	buf_init(&b, GZ_MAX_PAGE_BYTES);
	buf_adds(&b, "<html><body>");
	for (i = 0; i < GZ_MAX_LINKS_PER_PAGE + 500; i++)
		buf_addf(&b, "<a href=\"/p%zu\">p</a>", i);
	buf_adds(&b, "<a href=\"http://x.example/");
	for (i = 0; i < GZ_MAX_URL_LEN; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "\">long</a></body></html>");
	memset(&o, 0, sizeof o);
	o.url = "http://x.example/";
	o.on_link = count_link;
	o.link_ctx = &n;
	assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
	assert_int_equal(n, GZ_MAX_LINKS_PER_PAGE);
	assert_int_equal(kind, PAGE_LISTING);
	article_free(&a);
	buf_release(&b);
}

/* Inline pages for focused checks. */
static void test_br_paragraphs_and_sanitising(void **state)
{
	static const char html[] =
		"<html><head><title>Br test</title></head><body><div "
		"class=\"content\">"
		"First paragraph of the story, long enough to be counted as "
		"text.<br><br>"
		"Second paragraph\xff with a bad byte, also long enough to "
		"count here.<br>"
		"same paragraph after one break.<br /><br />"
		"Third paragraph with a NUL\0byte inside it and more words "
		"after it."
		"</div></body></html>";
	struct extract_opts o;
	struct article a;
	enum page_kind kind;

	(void)state;
	memset(&o, 0, sizeof o);
	o.content_type = "text/html; charset=UTF-8";
	assert_int_equal(run(html, sizeof html - 1, &o, &a, &kind), GZ_OK);
	assert_non_null(a.text);
	assert_non_null(strstr(a.text, "counted as text.\n\nSecond paragraph"));
	assert_non_null(strstr(a.text, "\xEF\xBF\xBD with a bad byte"));
	assert_non_null(strstr(a.text, "count here.\nsame paragraph"));
	assert_non_null(strstr(a.text, "after one break.\n\nThird paragraph"));
	assert_non_null(strstr(a.text, "a NUL byte inside"));
	article_free(&a);
}

static void test_dates_rejected(void **state)
{
	static const char html[] = "<html><head><title>Future</title>"
				   "<meta property=\"article:published_time\" "
				   "content=\"2031-05-05T10:00:00Z\">"
				   "<meta property=\"article:modified_time\" "
				   "content=\"2013-05-05T10:00:00Z\">"
				   "</head><body><article><p>A story with a "
				   "date from the future in its "
				   "markup and only a copyright year in its "
				   "footer, which is no date.</p>"
				   "</article><footer>&copy; 2013 Example. "
				   "Copyright 2013</footer></body></html>";
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	char t[GZ_TIME_ISOLEN];

	(void)state;
	memset(&o, 0, sizeof o);
	o.url = "http://example.com/story";
	o.now = NOW_2020;
	assert_int_equal(run(html, sizeof html - 1, &o, &a, &kind), GZ_OK);
	assert_string_equal(iso(&a.published, t), "");
	/* modified never stands in for published */
	assert_string_equal(iso(&a.modified, t), "2013-05-05T10:00:00Z");
	assert_string_equal(a.source, "example.com");
	article_free(&a);
}

static void test_default_source_and_url_date(void **state)
{
	static const char html[] =
		"<html><head><title>Quiet day - Some Paper</title></head><body>"
		"<p>Nothing happened today in the town, and the paper reports "
		"it in "
		"two long paragraphs so that the page counts as an article at "
		"all.</p>"
		"<p>The second paragraph repeats that nothing happened, at "
		"length, "
		"for the benefit of those readers who missed the first one.</p>"
		"</body></html>";
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	char t[GZ_TIME_ISOLEN];

	(void)state;
	memset(&o, 0, sizeof o);
	o.url = "https://paper.example/2014/02/03/quiet-day.html";
	o.default_source = "Some Paper";
	o.now = NOW_2020;
	assert_int_equal(run(html, sizeof html - 1, &o, &a, &kind), GZ_OK);
	assert_string_equal(a.source, "Some Paper");
	assert_string_equal(a.title, "Quiet day");
	assert_string_equal(iso(&a.published, t), "2014-02-03");
	assert_non_null(strstr(a.confidence, "published:url"));
	assert_string_equal(a.url, o.url);
	assert_int_equal(kind, PAGE_ARTICLE);
	article_free(&a);
}

/*
** A config section's name is the outlet's last resort: the outlet after
** the headline in <title> comes first, and only a page with neither is
** named after the section (an outlet set in the config beats both: above).
*/
static void test_fallback_source(void **state)
{
	static const char body[] =
		"<p>Nothing happened today in the town, and the paper reports "
		"it in two long paragraphs so that the page counts as an "
		"article at all.</p><p>The second paragraph repeats that "
		"nothing happened, at length, for the benefit of those readers "
		"who missed the first one.</p></body></html>";
	static const char *const heads[] = {
		"<html><head><title>Quiet day - Some Paper</title></head>"
		"<body><h1>Quiet day</h1>",
		"<html><head><title>Quiet day</title></head><body>",
	};
	static const char *const want[] = { "Some Paper", "demo" };
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	char html[1024];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(&o, 0, sizeof o);
		o.url = "https://paper.example/2014/02/03/quiet-day.html";
		o.fallback_source = "demo";
		o.now = NOW_2020;
		snprintf(html, sizeof html, "%s%s", heads[i], body);
		assert_int_equal(run(html, strlen(html), &o, &a, &kind), GZ_OK);
		assert_string_equal(a.source, want[i]);
		assert_string_equal(a.title, "Quiet day");
		article_free(&a);
	}
}

/* Hostile and degenerate inputs: no crash, bounded, sane result. */
static void test_degenerate_inputs(void **state)
{
	static const struct {
		const char *html;
		size_t len;
	} cases[] = {
		{ "", 0 },
		{ "\0\0\0\0", 4 },
		{ "<", 1 },
		{ "<html><body><p>trunc", 20 },
		{ "<html><head><title>t</title><meta "
		  "charset=\"x-unknown-charset\">"
		  "</head><body><p>unknown charset</p></body></html>",
		  106 },
		{ "\xFF\xFE<\0h\0t\0m\0l\0>\0", 14 },
		{ "<script "
		  "type=\"application/ld+json\">{\"@type\":\"NewsArticle\","
		  "\"headline\":\"Only JSON\"",
		  80 },
		{ "<script "
		  "type=\"application/ld+json\">[[[[[[[[[[[[[[[[[[[[[]]]]]]"
		  "]]]]]]]]]]]]]]]</script>",
		  84 },
		{ "<a href=\"http://[::1\">x</a><a href=\"http://a b/\">y</a>",
		  52 },
		{ "<p>\xC3</p><p>\xE2\x82</p><p>\xF0\x9F\x98</"
		  "p><p>\xED\xA0\x80</p>",
		  34 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct extract_opts o;
		struct article a;
		enum page_kind kind = PAGE_ARTICLE;
		char err[GZ_ERRLEN] = "";
		size_t n = 0;
		int rc;

		memset(&o, 0, sizeof o);
		o.url = "http://x.example/";
		o.on_link = count_link;
		o.link_ctx = &n;
		article_init(&a);
		rc = extract_html(cases[i].html, cases[i].len, &o, &a, &kind,
				  err);
		assert_true(rc == GZ_OK || rc == GZ_EPARSE);
		if (rc == GZ_EPARSE)
			assert_true(err[0] != '\0');
		assert_int_not_equal(kind, PAGE_ARTICLE);
		article_free(&a);
	}
}

static void test_binary_garbage(void **state)
{
	struct buf b;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	unsigned x = 12345;
	size_t i;

	(void)state;
	buf_init(&b, 1 << 20);
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		buf_addc(&b, (char)(x >> 16));
		if (i % 97 == 0)
			buf_adds(&b, "<p><a href=\"/x\">");
	}
	memset(&o, 0, sizeof o);
	o.url = "http://x.example/";
	assert_true(run(b.ptr, b.len, &o, &a, &kind) == GZ_OK);
	if (a.text)
		assert_non_null(
			a.text); /* valid UTF-8 is checked by jansson below */
	{
		char *json = article_to_json(&a, 1);

		assert_non_null(json);
		free(json);
	}
	article_free(&a);
	buf_release(&b);
}

static void test_deep_nesting(void **state)
{
	struct buf b;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	size_t i;

	(void)state;
	buf_init(&b, GZ_MAX_PAGE_BYTES);
	buf_adds(&b, "<html><head><title>Deep</title></head><body>");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, i % 2 ? "<div>" : "<span>");
	buf_adds(&b, "<p>deep text</p>");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, i % 2 ? "</span>" : "</div>");
	buf_adds(&b, "</body></html>");
	memset(&o, 0, sizeof o);
	assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
	assert_string_equal(a.title, "Deep");
	article_free(&a);
	buf_release(&b);
}

static void test_too_big(void **state)
{
	struct extract_opts o;
	struct article a;
	enum page_kind kind = PAGE_ARTICLE;
	char err[GZ_ERRLEN] = "";
	char *big = malloc(GZ_MAX_PAGE_BYTES + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', GZ_MAX_PAGE_BYTES + 1);
	memset(&o, 0, sizeof o);
	article_init(&a);
	assert_int_equal(
		extract_html(big, GZ_MAX_PAGE_BYTES + 1, &o, &a, &kind, err),
		GZ_ETOOBIG);
	assert_int_equal(kind, PAGE_OTHER);
	assert_non_null(strstr(err, "exceeds"));
	assert_null(a.title);
	article_free(&a);
	free(big);
}

static void test_big_page_is_bounded(void **state)
{
	struct buf b;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	clock_t t0 = clock();
	size_t i;

	(void)state;
	buf_init(&b, GZ_MAX_PAGE_BYTES);
	buf_adds(&b,
		 "<html><head><title>Big</title></head><body><div "
		 "class=\"story\">");
	for (i = 0; b.len + 200 < GZ_MAX_PAGE_BYTES; i++)
		buf_addf(&b,
			 "<p>A long paragraph (number %zu) of ordinary text, "
			 "with commas, repeated to fill the page.</p>",
			 i);
	buf_adds(&b, "</div></body></html>");
	memset(&o, 0, sizeof o);
	assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
	assert_non_null(a.text);
	assert_true(strlen(a.text) <= GZ_MAX_TEXT_BYTES);
	assert_true(strlen(a.text) > GZ_MAX_TEXT_BYTES - 200);
	assert_int_equal(kind, PAGE_ARTICLE);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 60.0);
	article_free(&a);
	buf_release(&b);
}

/* Seconds on the monotonic clock. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A 50 MB page is refused before any parsing, at once. */
static void test_fifty_megabytes(void **state)
{
	size_t n = 50u * 1024 * 1024;
	char *big = malloc(n);
	struct extract_opts o;
	struct article a;
	enum page_kind kind = PAGE_ARTICLE;
	char err[GZ_ERRLEN] = "";
	double t0;

	(void)state;
	assert_non_null(big);
	memset(big, '<', n);
	memcpy(big, "<html><body><p>", 15);
	memset(&o, 0, sizeof o);
	article_init(&a);
	t0 = now_s();
	assert_int_equal(extract_html(big, n, &o, &a, &kind, err), GZ_ETOOBIG);
	assert_true(now_s() - t0 < 0.05);
	assert_int_equal(kind, PAGE_OTHER);
	assert_null(a.text);
	article_free(&a);
	free(big);
}

/* Truncated tags, unclosed comments and NUL bytes inside a real article. */
static void test_truncated_and_nul(void **state)
{
	static const char html[] =
		"<html><head><title>Quay</title></head><body><article>"
		"<p>The harbour board voted to extend the quay by two hundred "
		"metres\0 after a long debate that lasted for most of the "
		"night.</p>"
		"<p>Work will begin next spring, the board said, and last three"
		" years <b>in all<i> the <a href=\"/x\" class=\"";
	struct extract_opts o;
	struct article a;
	enum page_kind kind;

	(void)state;
	memset(&o, 0, sizeof o);
	assert_int_equal(run(html, sizeof html - 1, &o, &a, &kind), GZ_OK);
	assert_non_null(a.text);
	assert_non_null(strstr(a.text, "two hundred metres after a long"));
	assert_non_null(strstr(a.text, "Work will begin next spring"));
	article_free(&a);
}

/*
** External entities and DTDs are never loaded: not from the file system,
** not from the network (a listening socket on 127.0.0.1 sees no
** connection).
*/
static void test_no_external_entities(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	struct buf b;
	int fd, c;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);

	buf_init(&b, 1 << 16);
	buf_addf(
		&b,
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE html SYSTEM \"http://127.0.0.1:%d/evil.dtd\" [\n"
		"<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
		"<!ENTITY net SYSTEM \"http://127.0.0.1:%d/net\">\n"
		"<!ENTITY %% pe SYSTEM \"http://127.0.0.1:%d/pe\"> %%pe;\n]>\n"
		"<html><head><title>Entities &xxe;</title>"
		"<link rel=\"stylesheet\" href=\"http://127.0.0.1:%d/s.css\">"
		"</head><body><article><p>The harbour board voted to extend "
		"the "
		"quay &xxe; by two hundred metres &net; after a long "
		"debate.</p>"
		"<p>Work will begin next spring, the board said, and last for "
		"three years in all.</p><img src=\"http://127.0.0.1:%d/i.png\">"
		"<iframe src=\"http://127.0.0.1:%d/f\"></iframe>"
		"</article></body></html>",
		ntohs(sa.sin_port), ntohs(sa.sin_port), ntohs(sa.sin_port),
		ntohs(sa.sin_port), ntohs(sa.sin_port), ntohs(sa.sin_port));
	memset(&o, 0, sizeof o);
	o.url = "http://news.example/x";
	assert_int_equal(run(b.ptr, b.len, &o, &a, &kind), GZ_OK);
	assert_non_null(a.text);
	assert_non_null(strstr(a.text, "two hundred metres"));
	assert_null(strstr(a.text, "root:"));
	assert_true(!a.title || !strstr(a.title, "root:"));
	c = accept(fd, NULL, NULL);
	assert_true(c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
	article_free(&a);
	buf_release(&b);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_table),
		cmocka_unit_test(test_seed_fixture),
		cmocka_unit_test(test_seed_demo_site),
		cmocka_unit_test(test_demo_site_kinds),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_links_capped),
		cmocka_unit_test(test_br_paragraphs_and_sanitising),
		cmocka_unit_test(test_dates_rejected),
		cmocka_unit_test(test_default_source_and_url_date),
		cmocka_unit_test(test_fallback_source),
		cmocka_unit_test(test_degenerate_inputs),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_big_page_is_bounded),
		cmocka_unit_test(test_fifty_megabytes),
		cmocka_unit_test(test_truncated_and_nul),
		cmocka_unit_test(test_no_external_entities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
