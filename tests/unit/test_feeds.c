/*
** test_feeds.c — RSS, RDF, Atom, sitemaps and their failure modes (feeds.h).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "buf.h"
#include "feeds.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"

#define MAX_GOT 64

/* What the callback saw. */
struct got {
	size_t n;                           /* entries */
	char *url[MAX_GOT];                 /* copies */
	char *title[MAX_GOT];               /* copies; NULL when none */
	char date[MAX_GOT][GZ_TIME_ISOLEN]; /* ISO date, "" when none */
	int is_sitemap[MAX_GOT];            /* flag */
	size_t stop_after; /* return 1 after this many; 0 never */
};

/* feed_entry_fn collecting into a struct got. */
static int collect(void *ctx, const struct feed_entry *e)
{
	struct got *g = ctx;

	if (g->n < MAX_GOT) {
		g->url[g->n] = strdup(e->url);
		g->title[g->n] = e->title ? strdup(e->title) : NULL;
		gz_time_iso(&e->date, g->date[g->n]);
		g->is_sitemap[g->n] = e->is_sitemap;
	}
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

/* Free the copies in g. */
static void got_free(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n && i < MAX_GOT; i++) {
		free(g->url[i]);
		free(g->title[i]);
	}
	memset(g, 0, sizeof *g);
}

/* Read fixture feeds/name into b (max 1 MiB). */
static void fixture(const char *name, struct buf *b)
{
	const char *dir = getenv("GZ_FIXTURES");
	char path[1024], err[GZ_ERRLEN];

	snprintf(path, sizeof path, "%s/feeds/%s", dir ? dir : "tests/fixtures",
		 name);
	buf_init(b, 1u << 20);
	if (buf_read_file(b, path, err) != GZ_OK)
		fail_msg("%s", err);
}

/* Parse fixture name into g, expecting rc; returns the info. */
static struct feed_info parse_fixture(const char *name, struct got *g, int rc)
{
	struct buf b;
	struct feed_info info;
	char err[GZ_ERRLEN] = "";
	int got;

	fixture(name, &b);
	got = feed_parse(b.ptr, b.len, collect, g, &info, err);
	if (got != rc)
		fail_msg("%s: rc %d, want %d (%s)", name, got, rc, err);
	if (rc != GZ_OK)
		assert_true(err[0] != '\0');
	buf_release(&b);
	return info;
}

static void test_rss2(void **state)
{
	struct got g = { 0 };
	struct feed_info info = parse_fixture("rss2.xml", &g, GZ_OK);

	(void)state;
	assert_int_equal(info.kind, FEED_RSS);
	assert_int_equal(g.n, 3);
	assert_int_equal(info.entries, 3);
	assert_int_equal(info.skipped, 1);
	assert_string_equal(
		g.url[0],
		"https://www.example.com/opinion/2013/07/16/city.html");
	assert_string_equal(g.title[0],
			    "City diplomacy integral to boosting exchanges");
	assert_string_equal(g.date[0], "2013-07-16T10:53:02Z");
	assert_string_equal(g.url[1], "/business/rates.html");
	assert_string_equal(g.title[1], "Rates & <b>markets</b>");
	assert_string_equal(g.date[1], "2013-07-17T08:00:00+08:00");
	assert_string_equal(g.url[2],
			    "https://www.example.com/world/guid-only.html");
	assert_string_equal(g.date[2], "");
	assert_false(g.is_sitemap[0]);
	got_free(&g);
}

static void test_rdf(void **state)
{
	struct got g = { 0 };
	struct feed_info info = parse_fixture("rdf.xml", &g, GZ_OK);

	(void)state;
	assert_int_equal(info.kind, FEED_RDF);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.url[0], "https://rdf.example.org/a.html");
	assert_string_equal(g.title[0], "First RDF item");
	assert_string_equal(g.date[0], "2013-07-16");
	assert_string_equal(g.url[1], "https://rdf.example.org/b.html");
	got_free(&g);
}

static void test_atom(void **state)
{
	struct got g = { 0 };
	struct feed_info info = parse_fixture("atom.xml", &g, GZ_OK);

	(void)state;
	assert_int_equal(info.kind, FEED_ATOM);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.url[0],
			    "https://atom.example.net/2013/port.html");
	assert_string_equal(g.title[0], "Port & harbour");
	assert_string_equal(g.date[0], "2013-07-16T18:53:02+08:00");
	assert_string_equal(g.url[1],
			    "https://atom.example.net/2013/updated.html");
	assert_string_equal(g.date[1], "2013-07-18T09:00:00Z");
	got_free(&g);
}

static void test_urlset(void **state)
{
	struct got g = { 0 };
	struct feed_info info = parse_fixture("urlset.xml", &g, GZ_OK);

	(void)state;
	assert_int_equal(info.kind, FEED_URLSET);
	assert_int_equal(g.n, 2);
	assert_int_equal(info.skipped, 1);
	assert_string_equal(g.url[0], "https://www.example.com/a.html");
	assert_string_equal(g.date[0], "2013-07-16");
	assert_null(g.title[0]);
	assert_string_equal(g.url[1], "https://www.example.com/b.html?x=1&y=2");
	got_free(&g);
}

static void test_sitemapindex(void **state)
{
	struct got g = { 0 };
	struct feed_info info = parse_fixture("sitemapindex.xml", &g, GZ_OK);

	(void)state;
	assert_int_equal(info.kind, FEED_SITEMAPINDEX);
	assert_int_equal(g.n, 2);
	assert_true(g.is_sitemap[0]);
	assert_true(g.is_sitemap[1]);
	assert_string_equal(g.url[0],
			    "https://www.example.com/sitemap-2013-07.xml.gz");
	assert_string_equal(g.date[0], "2013-07-31T00:00:00Z");
	got_free(&g);
}

static void test_news_sitemap(void **state)
{
	struct got g = { 0 };

	(void)state;
	parse_fixture("news-sitemap.xml", &g, GZ_OK);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.url[0],
			    "https://www.example.com/world/summit.html");
	assert_string_equal(g.title[0], "Summit opens in the city");
	/* The publication date wins over lastmod. */
	assert_string_equal(g.date[0], "2013-07-16T18:53:02+08:00");
	got_free(&g);
}

/* gzip data[0..n) into out with zlib. */
static void gzip_buf(const char *data, size_t n, struct buf *out)
{
	z_stream z;
	unsigned char chunk[16384];
	int zr;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zr = deflate(&z, Z_FINISH);
		assert_int_equal(
			buf_add(out, chunk, sizeof chunk - z.avail_out), GZ_OK);
	} while (zr == Z_OK);
	assert_int_equal(zr, Z_STREAM_END);
	deflateEnd(&z);
}

static void test_gzip_sitemap(void **state)
{
	struct buf plain, gz;
	struct got g = { 0 };
	struct feed_info info;

	(void)state;
	fixture("urlset.xml", &plain);
	buf_init(&gz, 1u << 20);
	gzip_buf(plain.ptr, plain.len, &gz);
	assert_int_equal(feed_parse(gz.ptr, gz.len, collect, &g, &info, NULL),
			 GZ_OK);
	assert_true(info.gzip);
	assert_int_equal(info.kind, FEED_URLSET);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.url[0], "https://www.example.com/a.html");
	got_free(&g);

	/* Truncated gzip: an error, not a crash. */
	assert_int_equal(
		feed_parse(gz.ptr, gz.len / 2, collect, &g, &info, NULL),
		GZ_EPARSE);
	got_free(&g);
	buf_release(&plain);
	buf_release(&gz);
}

/* A gzip bomb stops at GZ_MAX_FEED_BYTES. */
static void test_gzip_bomb(void **state)
{
	size_t n = GZ_MAX_FEED_BYTES + 4096;
	char *zeros = calloc(1, n);
	struct buf gz;
	struct got g = { 0 };
	char err[GZ_ERRLEN];

	(void)state;
	assert_non_null(zeros);
	buf_init(&gz, 1u << 20);
	gzip_buf(zeros, n, &gz);
	free(zeros);
	assert_true(gz.len < 200u * 1024);
	assert_int_equal(feed_parse(gz.ptr, gz.len, collect, &g, NULL, err),
			 GZ_ETOOBIG);
	assert_int_equal(g.n, 0);
	buf_release(&gz);
}

static void test_text_sitemap(void **state)
{
	struct got g = { 0 };
	struct feed_info info = parse_fixture("sitemap.txt", &g, GZ_OK);

	(void)state;
	assert_int_equal(info.kind, FEED_TEXT);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.url[0], "https://www.example.com/t1.html");
	assert_string_equal(g.url[1], "https://www.example.com/t2.html");
	assert_string_equal(g.url[2], "HTTP://WWW.EXAMPLE.COM/t3.html");
	assert_int_equal(info.skipped, 2);
	got_free(&g);
}

/* Malformed XML: what came before the fault is kept, the reason is given. */
static void test_malformed_keeps_prefix(void **state)
{
	struct got g = { 0 };
	struct buf b;
	char err[GZ_ERRLEN] = "";

	(void)state;
	fixture("broken.xml", &b);
	assert_int_equal(feed_parse(b.ptr, b.len, collect, &g, NULL, err),
			 GZ_EPARSE);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.url[0], "https://www.example.com/ok1.html");
	assert_string_equal(g.url[1], "https://www.example.com/ok2.html");
	assert_non_null(strstr(err, "line 5"));
	got_free(&g);
	buf_release(&b);
}

/* An external entity is never read. */
static void test_xxe(void **state)
{
	struct got g = { 0 };
	size_t i;

	(void)state;
	parse_fixture("xxe.xml", &g, GZ_OK);
	for (i = 0; i < g.n; i++) {
		assert_null(strstr(g.url[i], "root:"));
		if (g.title[i])
			assert_null(strstr(g.title[i], "root:"));
	}
	assert_int_equal(g.n, 1);
	assert_string_equal(g.title[0], "Leak  here");
	got_free(&g);
}

/* Exponential entities do not blow up (libxml2 refuses or skips them). */
static void test_billion_laughs(void **state)
{
	struct buf b;
	struct got g = { 0 };
	size_t i;

	(void)state;
	fixture("laughs.xml", &b);
	(void)feed_parse(b.ptr, b.len, collect, &g, NULL, NULL);
	for (i = 0; i < g.n && i < MAX_GOT; i++)
		if (g.title[i])
			assert_true(strlen(g.title[i]) < 100000);
	got_free(&g);
	buf_release(&b);
}

/* Not a feed: HTML, empty input, garbage. */
static void test_not_a_feed(void **state)
{
	static const char *const bad[] = {
		"<html><body><a href='x'>x</a></body></html>",
		"",
		"   \n",
		"<",
		"<?xml version='1.0'?>",
		"<rss><channel><item><link>http://a/</link>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct got g = { 0 };
		char err[GZ_ERRLEN] = "";

		assert_int_equal(feed_parse(bad[i], strlen(bad[i]), collect, &g,
					    NULL, err),
				 GZ_EPARSE);
		assert_true(err[0] != '\0');
		assert_int_equal(g.n, 0);
		got_free(&g);
	}
}

/* The callback can stop the parse; the entry bound is enforced. */
static void test_stop_and_bound(void **state)
{
	struct got g = { 0 };
	struct buf b;
	struct feed_info info;
	size_t i;

	(void)state;
	g.stop_after = 1;
	parse_fixture("rss2.xml", &g, GZ_OK);
	assert_int_equal(g.n, 1);
	got_free(&g);

	buf_init(&b, 16u << 20);
	for (i = 0; i < GZ_MAX_FEED_ITEMS + 5; i++)
		assert_int_equal(buf_addf(&b, "http://e.com/%zu\n", i), GZ_OK);
	assert_int_equal(feed_parse(b.ptr, b.len, collect, &g, &info, NULL),
			 GZ_ETOOBIG);
	assert_int_equal(info.entries, GZ_MAX_FEED_ITEMS);
	got_free(&g);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss2),
		cmocka_unit_test(test_rdf),
		cmocka_unit_test(test_atom),
		cmocka_unit_test(test_urlset),
		cmocka_unit_test(test_sitemapindex),
		cmocka_unit_test(test_news_sitemap),
		cmocka_unit_test(test_gzip_sitemap),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_text_sitemap),
		cmocka_unit_test(test_malformed_keeps_prefix),
		cmocka_unit_test(test_xxe),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_not_a_feed),
		cmocka_unit_test(test_stop_and_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
