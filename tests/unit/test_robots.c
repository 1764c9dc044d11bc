/*
** test_robots.c — the robots.txt parser and matcher (robots.h), table-driven
** over the examples of RFC 9309 and the corner cases around them.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "robots.h"

/* One question: under this file, for this agent, may this path be fetched? */
struct robots_case {
	const char *file;  /* robots.txt body */
	const char *agent; /* the crawler's User-Agent */
	const char *path;  /* path and query */
	int allowed;       /* expected answer */
};

#define RFC_PAGE                                      \
	"User-agent: foobot\nAllow: /example/page/\n" \
	"Disallow: /example/page/disallowed.gif\n"

static const struct robots_case robots_cases[] = {
	/* RFC 9309 5.2: the longest match wins. */
	{ RFC_PAGE, "foobot", "/example/page/", 1 },
	{ RFC_PAGE, "foobot", "/example/page/disallowed.gif", 0 },
	{ RFC_PAGE, "foobot", "/example/page/other.gif", 1 },
	/* ... whichever order the lines come in. */
	{ "User-agent: *\nDisallow: /a/b\nAllow: /a\n", "x", "/a/b/c", 0 },
	{ "User-agent: *\nAllow: /a\nDisallow: /a/b\n", "x", "/a/b/c", 0 },
	{ "User-agent: *\nAllow: /a/b\nDisallow: /a\n", "x", "/a/b/c", 1 },
	/* Allow wins a tie of equal length. */
	{ "User-agent: *\nDisallow: /page\nAllow: /page\n", "x", "/page", 1 },
	{ "User-agent: *\nAllow: /page\nDisallow: /page\n", "x", "/page", 1 },
	{ "User-agent: *\nDisallow: /*.html\nAllow: /a.html\n", "x", "/a.html",
	  1 },
	/* '$' anchors the end; without it a pattern is a prefix. */
	{ "User-agent: *\nDisallow: /*.php$\n", "x", "/index.php", 0 },
	{ "User-agent: *\nDisallow: /*.php$\n", "x", "/index.php?x=1", 1 },
	{ "User-agent: *\nDisallow: /*.php$\n", "x", "/index.php5", 1 },
	{ "User-agent: *\nDisallow: /*.php\n", "x", "/index.php5", 0 },
	{ "User-agent: *\nDisallow: /$\n", "x", "/", 0 },
	{ "User-agent: *\nDisallow: /$\n", "x", "/a", 1 },
	/* '*' matches any run, including none and '/'. */
	{ "User-agent: *\nDisallow: /fish*\n", "x", "/fish", 0 },
	{ "User-agent: *\nDisallow: /fish*\n", "x", "/fishheads/yummy", 0 },
	{ "User-agent: *\nDisallow: /*/private/*\n", "x", "/a/b/private/c", 0 },
	{ "User-agent: *\nDisallow: /*/private/*\n", "x", "/private/c", 1 },
	{ "User-agent: *\nDisallow: /a*b*c\n", "x", "/aXbYbZc", 0 },
	{ "User-agent: *\nDisallow: /a*b*c$\n", "x", "/aXbYcZ", 1 },
	{ "User-agent: *\nDisallow: /**x\n", "x", "/ax", 0 },
	/* Paths are case-sensitive; queries count. */
	{ "User-agent: *\nDisallow: /Fish\n", "x", "/fish", 1 },
	{ "User-agent: *\nDisallow: /search?q=\n", "x", "/search?q=cats", 0 },
	{ "User-agent: *\nDisallow: /search?q=\n", "x", "/search", 1 },
	/* RFC 9309 2.2.2: escapes normalised on both sides. */
	{ "User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "x", "/foo/bar/baz",
	  0 },
	{ "User-agent: *\nDisallow: /foo/bar/baz\n", "x", "/foo/bar/%62%61%7A",
	  0 },
	{ "User-agent: *\nDisallow: /foo/bar/\xe3\x83\x84\n", "x",
	  "/foo/bar/%E3%83%84", 0 },
	{ "User-agent: *\nDisallow: /foo/bar/%e3%83%84\n", "x",
	  "/foo/bar/\xe3\x83\x84", 0 },
	{ "User-agent: *\nDisallow: /a%2Fb\n", "x", "/a/b", 1 },
	/* Empty Disallow allows everything. */
	{ "User-agent: *\nDisallow:\n", "x", "/anything", 1 },
	{ "User-agent: *\nDisallow: /\n", "x", "/anything", 0 },
	{ "User-agent: *\nDisallow: /\n", "x", "", 0 },
	/* /robots.txt itself is always allowed. */
	{ "User-agent: *\nDisallow: /\n", "x", "/robots.txt", 1 },
	/* Groups: product token, case-insensitive, version ignored. */
	{ "User-agent: GazetteBot\nDisallow: /g\n\nUser-agent: *\nDisallow: "
	  "/s\n",
	  "gazettebot/1.0 (+https://example.org/bot)", "/g", 0 },
	{ "User-agent: GazetteBot\nDisallow: /g\n\nUser-agent: *\nDisallow: "
	  "/s\n",
	  "GazetteBot/1.0", "/s", 1 },
	{ "User-agent: gazettebot/2.0\nDisallow: /g\n", "GAZETTEBOT", "/g", 0 },
	{ "User-agent: GazetteBotX\nDisallow: /g\n", "GazetteBot", "/g", 1 },
	{ "User-agent: Gazette\nDisallow: /g\n", "GazetteBot", "/g", 1 },
	/* No group for us: the "*" group applies. */
	{ "User-agent: other\nDisallow: /o\n\nUser-agent: *\nDisallow: /s\n",
	  "GazetteBot", "/s", 0 },
	{ "User-agent: other\nDisallow: /o\n\nUser-agent: *\nDisallow: /s\n",
	  "GazetteBot", "/o", 1 },
	/* No group at all, or rules before any User-agent: allowed. */
	{ "Disallow: /\n", "x", "/a", 1 },
	{ "User-agent: other\nDisallow: /\n", "x", "/a", 1 },
	/* Consecutive User-agent lines share a group. */
	{ "User-agent: a\nUser-agent: x\nDisallow: /p\n", "x", "/p", 0 },
	{ "User-agent: a\nDisallow: /p\nUser-agent: x\nDisallow: /q\n", "x",
	  "/p", 1 },
	/* Several groups for one agent are merged. */
	{ "User-agent: x\nDisallow: /p\n\nUser-agent: y\nDisallow: /r\n\n"
	  "User-agent: x\nDisallow: /q\n",
	  "x", "/q", 0 },
	{ "User-agent: x\nDisallow: /p\n\nUser-agent: y\nDisallow: /r\n\n"
	  "User-agent: x\nDisallow: /q\n",
	  "x", "/p", 0 },
	/* Comments, odd spacing, CR line ends, key case, a BOM. */
	{ "\xef\xbb\xbfuser-AGENT :  *  # all\r\nDISALLOW:/p # no\r\n", "x",
	  "/p", 0 },
	{ "User-agent: *\rDisallow: /p\r", "x", "/p", 0 },
	{ "User-agent: *\n# Disallow: /p\n", "x", "/p", 1 },
	/* Lines that are not rules are skipped without ending the group. */
	{ "User-agent: *\nnonsense line\nFoo: bar\nDisallow: /p\n", "x", "/p",
	  0 },
	/* Sitemap lines do not end a group. */
	{ "User-agent: a\nSitemap: http://e.com/s.xml\nUser-agent: x\n"
	  "Disallow: /p\n",
	  "x", "/p", 0 },
};

/* Every row of robots_cases. */
static void test_robots_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof robots_cases / sizeof robots_cases[0]; i++) {
		const struct robots_case *c = &robots_cases[i];
		struct robots r;
		int got;

		robots_init(&r);
		assert_int_equal(robots_parse(c->file, strlen(c->file),
					      c->agent, &r, NULL),
				 GZ_OK);
		got = robots_allowed(&r, c->path);
		if (got != c->allowed)
			fail_msg("case %zu: agent '%s' path '%s': got %d, want "
				 "%d",
				 i, c->agent, c->path, got, c->allowed);
		robots_free(&r);
	}
}

/* Read the fixture named name into b. */
static void robots_fixture(const char *name, struct buf *b)
{
	const char *dir = getenv("GZ_FIXTURES");
	char path[1024], err[GZ_ERRLEN];

	snprintf(path, sizeof path, "%s/robots/%s",
		 dir ? dir : "tests/fixtures", name);
	buf_init(b, 1u << 20);
	if (buf_read_file(b, path, err) != GZ_OK)
		fail_msg("%s", err);
}

/* The RFC 9309 section 5.1 example, for each of its agents. */
static void test_robots_rfc_example(void **state)
{
	static const struct {
		const char *agent, *path;
		int allowed;
	} q[] = {
		{ "foobot", "/example/page.html", 1 },
		{ "foobot", "/example/allowed.gif", 1 },
		{ "foobot", "/publications/", 0 },
		{ "FooBot/2.1", "/other", 0 },
		{ "barbot", "/example/page.html", 0 },
		{ "bazbot", "/example/page.html", 0 },
		{ "barbot", "/example/other.gif", 1 },
		{ "quxbot", "/example/page.html", 1 },
		{ "quxbot", "/x.gif", 1 },
		{ "otherbot", "/x.gif", 0 },
		{ "otherbot", "/x.gif?v=1", 1 },
		{ "otherbot", "/example/a", 0 },
		{ "otherbot", "/publications/a", 1 },
		{ "otherbot", "/", 1 },
	};
	struct buf b;
	size_t i;

	(void)state;
	robots_fixture("rfc9309.txt", &b);
	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		struct robots r;

		robots_init(&r);
		assert_int_equal(
			robots_parse(b.ptr, b.len, q[i].agent, &r, NULL),
			GZ_OK);
		if (robots_allowed(&r, q[i].path) != q[i].allowed)
			fail_msg("%s %s: want %d", q[i].agent, q[i].path,
				 q[i].allowed);
		assert_int_equal(r.n_sitemaps, 2);
		assert_string_equal(r.sitemaps[0],
				    "https://www.example.com/sitemap.xml");
		assert_string_equal(
			r.sitemaps[1],
			"https://www.example.com/news-sitemap.xml.gz");
		if (strcmp(q[i].agent, "otherbot") == 0) {
			assert_int_equal(r.crawl_delay_ms, 2000);
			assert_false(r.matched_agent);
		} else {
			assert_int_equal(r.crawl_delay_ms, -1);
			assert_true(r.matched_agent);
		}
		robots_free(&r);
	}
	buf_release(&b);
}

/* Crawl-delay: fractions, our group's value, junk ignored. */
static void test_robots_crawl_delay(void **state)
{
	static const struct {
		const char *file;
		long ms;
	} c[] = {
		{ "User-agent: *\nCrawl-delay: 0.5\n", 500 },
		{ "User-agent: *\nCrawl-delay: 10\n", 10000 },
		{ "User-agent: *\nCrawl-delay: soon\n", -1 },
		{ "User-agent: *\nCrawl-delay: -3\n", -1 },
		{ "User-agent: *\nCrawl-delay: 1e300\n", 86400L * 1000 },
		{ "User-agent: *\nCrawl-delay: 9\n\nUser-agent: "
		  "x\nCrawl-delay: 3\n",
		  3000 },
		{ "User-agent: x\nDisallow: /\n\nUser-agent: *\nCrawl-delay: "
		  "9\n",
		  -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct robots r;

		robots_init(&r);
		assert_int_equal(robots_parse(c[i].file, strlen(c[i].file), "x",
					      &r, NULL),
				 GZ_OK);
		if (r.crawl_delay_ms != c[i].ms)
			fail_msg("case %zu: %ld, want %ld", i, r.crawl_delay_ms,
				 c[i].ms);
		robots_free(&r);
	}
}

/* Rules within the first 500 KiB count; past GZ_MAX_ROBOTS_BYTES they don't. */
static void test_robots_size_limit(void **state)
{
	struct buf b;
	struct robots r;

	(void)state;
	buf_init(&b, 2u << 20);
	assert_int_equal(buf_adds(&b, "User-agent: *\n"), GZ_OK);
	while (b.len < 500u * 1024)
		assert_int_equal(
			buf_adds(&b, "# padding padding padding padding\n"),
			GZ_OK);
	assert_int_equal(buf_adds(&b, "Disallow: /late\n"), GZ_OK);
	while (b.len < GZ_MAX_ROBOTS_BYTES + 10)
		assert_int_equal(buf_adds(&b, "# more padding\n"), GZ_OK);
	assert_int_equal(buf_adds(&b, "Disallow: /toolate\n"), GZ_OK);

	robots_init(&r);
	assert_int_equal(robots_parse(b.ptr, b.len, "x", &r, NULL), GZ_OK);
	assert_true(r.truncated);
	assert_false(robots_allowed(&r, "/late"));
	assert_true(robots_allowed(&r, "/toolate"));
	robots_free(&r);

	/* A rule cut in half by the limit is dropped, not shortened. */
	buf_reset(&b);
	assert_int_equal(buf_adds(&b, "User-agent: *\nDisallow: /x\n"), GZ_OK);
	while (b.len < GZ_MAX_ROBOTS_BYTES - 8)
		assert_int_equal(buf_addc(&b, '\n'), GZ_OK);
	assert_int_equal(buf_adds(&b, "Allow: /xyzxyzxyz\n"), GZ_OK);
	robots_init(&r);
	assert_int_equal(robots_parse(b.ptr, b.len, "x", &r, NULL), GZ_OK);
	assert_true(r.truncated);
	assert_false(robots_allowed(&r, "/x"));
	assert_int_equal(r.n_rules, 1);
	robots_free(&r);
	buf_release(&b);
}

/* HTTP status to policy, and the policies themselves. */
static void test_robots_status(void **state)
{
	struct robots r;

	(void)state;
	assert_int_equal(robots_status_policy(200), ROBOTS_RULES);
	assert_int_equal(robots_status_policy(404), ROBOTS_ALLOW_ALL);
	assert_int_equal(robots_status_policy(410), ROBOTS_ALLOW_ALL);
	assert_int_equal(robots_status_policy(403), ROBOTS_ALLOW_ALL);
	assert_int_equal(robots_status_policy(301), ROBOTS_ALLOW_ALL);
	assert_int_equal(robots_status_policy(429), ROBOTS_DISALLOW_ALL);
	assert_int_equal(robots_status_policy(500), ROBOTS_DISALLOW_ALL);
	assert_int_equal(robots_status_policy(503), ROBOTS_DISALLOW_ALL);
	assert_int_equal(robots_status_policy(0), ROBOTS_DISALLOW_ALL);

	robots_init(&r);
	robots_set_policy(&r, ROBOTS_DISALLOW_ALL);
	assert_false(robots_allowed(&r, "/a"));
	assert_true(robots_allowed(&r, "/robots.txt"));
	robots_set_policy(&r, ROBOTS_ALLOW_ALL);
	assert_true(robots_allowed(&r, "/a"));
	robots_free(&r);
}

/* The matcher and the normaliser on their own. */
static void test_robots_match(void **state)
{
	char *n = NULL;

	(void)state;
	assert_true(robots_match("/a", 2, "/a/b"));
	assert_false(robots_match("/a$", 3, "/a/b"));
	assert_true(robots_match("*", 1, "/"));
	assert_true(robots_match("", 0, "/"));
	assert_true(robots_match("/a*$", 4, "/abc"));
	assert_int_equal(robots_normalize("/%7e%2f a\xc3\xa9**", 13, &n),
			 GZ_OK);
	assert_string_equal(n, "/~%2F%20a%C3%A9*");
	free(n);
	assert_int_equal(robots_product_token("GazetteBot/1.0 (+x)",
					      (char[32]){ 0 }, 32),
			 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robots_table),
		cmocka_unit_test(test_robots_rfc_example),
		cmocka_unit_test(test_robots_crawl_delay),
		cmocka_unit_test(test_robots_size_limit),
		cmocka_unit_test(test_robots_status),
		cmocka_unit_test(test_robots_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
