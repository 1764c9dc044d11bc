/*
** test_url.c — URL normalisation, resolution, hosts and scope (url.h).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gz_err.h"
#include "gz_limits.h"
#include "url.h"

/* One normalisation case: input, expected code, expected output. */
struct url_case {
	const char *base; /* NULL: url_normalize */
	const char *in;   /* input URL or reference */
	int rc;           /* expected return */
	const char *out;  /* expected result when rc is GZ_OK */
};

static const struct url_case url_cases[] = {
	{ NULL, "HTTP://Example.COM", GZ_OK, "http://example.com/" },
	{ NULL, "http://example.com:80/a", GZ_OK, "http://example.com/a" },
	{ NULL, "https://example.com:443/a", GZ_OK, "https://example.com/a" },
	/* escapes decoded into dots form no second spelling (B11) */
	{ NULL, "http://t/a/%2e%2e/b", GZ_OK, "http://t/b" },
	{ NULL, "http://t/a/%2E/b/%2e", GZ_OK, "http://t/a/b/" },
	{ NULL, "http://t/%2e%2e/%2e%2e/x", GZ_OK, "http://t/x" },
	{ NULL, "http://t/a/b/%2e%2e", GZ_OK, "http://t/a/" },
	/* a stray '%' is escaped, so no new escape forms (B1) */
	{ NULL, "http://a/%7%41", GZ_OK, "http://a/%257A" },
	{ NULL, "https://example.com:80/a", GZ_OK, "https://example.com:80/a" },
	{ NULL, "http://example.com:8080/a", GZ_OK,
	  "http://example.com:8080/a" },
	{ NULL, "http://example.com/a#frag", GZ_OK, "http://example.com/a" },
	{ NULL, "http://example.com/a?b=2&a=1", GZ_OK,
	  "http://example.com/a?a=1&b=2" },
	{ NULL, "http://example.com/a?utm_source=x&id=7&utm_medium=y", GZ_OK,
	  "http://example.com/a?id=7" },
	{ NULL, "http://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4",
	  GZ_OK, "http://example.com/a" },
	{ NULL, "http://example.com/a?UTM_Campaign=x&z=1", GZ_OK,
	  "http://example.com/a?z=1" },
	/* Tracking names are judged once normalised, however long (B13). */
	{ NULL, "http://example.com/a?utm%5Fsource=x&z=1", GZ_OK,
	  "http://example.com/a?z=1" },
	{ NULL, "http://example.com/a?utm_source_platform=x&z=1", GZ_OK,
	  "http://example.com/a?z=1" },
	{ NULL, "http://example.com/a?utm_X.com%41%C0y&z=1", GZ_OK,
	  "http://example.com/a?z=1" },
	{ NULL, "http://example.com/a?fbcl%69d=1&z=1", GZ_OK,
	  "http://example.com/a?z=1" },
	/* A %-escaped host is read as a number too, at once (B14). */
	{ NULL, "HTTP:/%37", GZ_OK, "http://0.0.0.7/" },
	{ NULL, "http://%31%32%37.1/x", GZ_OK, "http://127.0.0.1/x" },
	{ NULL, "http://example.com/a?&&x=1&", GZ_OK,
	  "http://example.com/a?x=1" },
	{ NULL, "http://example.com/a/./b/../c", GZ_OK,
	  "http://example.com/a/c" },
	{ NULL, "http://example.com/%7euser/%2f%3A", GZ_OK,
	  "http://example.com/~user/%2F%3A" },
	{ NULL, "  http://example.com/x\n ", GZ_OK, "http://example.com/x" },
	{ NULL, "http://user:pw@example.com/", GZ_OK, "http://example.com/" },
	{ NULL, "http://[::1]:8080/x", GZ_OK, "http://[::1]:8080/x" },
	{ NULL, "http://127.0.0.1:80/", GZ_OK, "http://127.0.0.1/" },
	{ NULL, "ftp://example.com/x", GZ_EDENIED, NULL },
	{ NULL, "file:///etc/passwd", GZ_EDENIED, NULL },
	{ NULL, "javascript:alert(1)", GZ_EDENIED, NULL },
	{ NULL, "mailto:a@example.com", GZ_EDENIED, NULL },
	{ NULL, "not a url", GZ_EPARSE, NULL },
	{ NULL, "", GZ_EPARSE, NULL },
	{ NULL, "http://", GZ_EPARSE, NULL },
	{ "http://example.com/news/a.html", "b.html", GZ_OK,
	  "http://example.com/news/b.html" },
	{ "http://example.com/news/a.html", "../b.html?utm_x=1#top", GZ_OK,
	  "http://example.com/b.html" },
	{ "http://example.com/news/a.html", "/c", GZ_OK,
	  "http://example.com/c" },
	{ "http://example.com/news/a.html", "//Other.org/x", GZ_OK,
	  "http://other.org/x" },
	{ "https://example.com/news/a.html", "?p=2", GZ_OK,
	  "https://example.com/news/a.html?p=2" },
	{ "http://example.com/news/a.html", "#top", GZ_OK,
	  "http://example.com/news/a.html" },
	{ "http://example.com/news/a.html", "mailto:x@y", GZ_EDENIED, NULL },
	{ "http://example.com/news/a.html", "file:///etc/passwd", GZ_EDENIED,
	  NULL },
	{ "http://example.com/", "a b.html", GZ_OK,
	  "http://example.com/a%20b.html" },
};

/* Every row of url_cases. */
static void test_url_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
		const struct url_case *c = &url_cases[i];
		char err[GZ_ERRLEN] = "";
		char *out = NULL;
		int rc = url_resolve(c->base, c->in, &out, err);

		if (rc != c->rc)
			fail_msg("case %zu '%s': rc %d, want %d (%s)", i, c->in,
				 rc, c->rc, err);
		if (c->out) {
			assert_non_null(out);
			if (strcmp(out, c->out) != 0)
				fail_msg("case %zu '%s': got '%s', want '%s'",
					 i, c->in, out, c->out);
		} else {
			assert_null(out);
			assert_true(err[0] != '\0');
		}
		free(out);
	}
}

/* Normalising a normalised URL changes nothing. */
static void test_url_idempotent(void **state)
{
	char *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(
		url_normalize("HTTP://A.com:80/x/../y?utm_a=1&b=2&a=1#f", &a,
			      NULL),
		GZ_OK);
	assert_int_equal(url_normalize(a, &b, NULL), GZ_OK);
	assert_string_equal(a, b);
	assert_string_equal(a, "http://a.com/y?a=1&b=2");
	free(a);
	free(b);
}

/* Inputs and results longer than GZ_MAX_URL_LEN are refused. */
static void test_url_too_long(void **state)
{
	size_t n = GZ_MAX_URL_LEN + 100;
	char *u = malloc(n + 1), *out = NULL;

	(void)state;
	assert_non_null(u);
	memcpy(u, "http://example.com/", 19);
	memset(u + 19, 'a', n - 19);
	u[n] = '\0';
	assert_int_equal(url_normalize(u, &out, NULL), GZ_ETOOBIG);
	assert_null(out);
	free(u);
}

/* url_host, url_authority, url_origin and url_path_query. */
static void test_url_parts(void **state)
{
	char out[256];
	char *pq = NULL;

	(void)state;
	assert_int_equal(url_host("http://Example.com:8080/x", out, sizeof out),
			 GZ_OK);
	assert_string_equal(out, "example.com");
	assert_int_equal(url_host("http://[::1]:8080/x", out, sizeof out),
			 GZ_OK);
	assert_string_equal(out, "::1");
	assert_int_equal(
		url_authority("http://Example.com:8080/x", out, sizeof out),
		GZ_OK);
	assert_string_equal(out, "example.com:8080");
	assert_int_equal(
		url_authority("https://example.com:443/x", out, sizeof out),
		GZ_OK);
	assert_string_equal(out, "example.com");
	assert_int_equal(
		url_origin("https://example.com:8443/x?y", out, sizeof out),
		GZ_OK);
	assert_string_equal(out, "https://example.com:8443");
	assert_int_equal(url_origin("http://example.com/x", out, 5),
			 GZ_ETOOBIG);
	assert_int_equal(url_host("no url", out, sizeof out), GZ_EPARSE);
	assert_int_equal(url_path_query("http://a.com/x/y?b=1", &pq), GZ_OK);
	assert_string_equal(pq, "/x/y?b=1");
	free(pq);
	assert_int_equal(url_path_query("http://a.com", &pq), GZ_OK);
	assert_string_equal(pq, "/");
	free(pq);
}

/* Scope entries: URL prefixes, authorities, ports and subdomains. */
static void test_url_scope(void **state)
{
	char *scope[] = { "https://news.example.com/world/", "example.org",
			  "127.0.0.1:8080", "*.example.net" };
	size_t n = sizeof scope / sizeof scope[0];

	(void)state;
	assert_true(url_in_scope("https://news.example.com/world/a.html", scope,
				 n));
	assert_false(url_in_scope("https://news.example.com/sport/a.html",
				  scope, n));
	assert_false(
		url_in_scope("http://news.example.com/world/a.html", scope, n));
	assert_true(url_in_scope("http://example.org/x", scope, n));
	assert_true(url_in_scope("https://example.org:8443/x", scope, n));
	assert_false(url_in_scope("http://www.example.org/x", scope, n));
	assert_true(url_in_scope("http://127.0.0.1:8080/x", scope, n));
	assert_false(url_in_scope("http://127.0.0.1:8081/x", scope, n));
	assert_true(url_in_scope("http://example.net/", scope, n));
	assert_true(url_in_scope("http://a.b.example.net/", scope, n));
	assert_false(url_in_scope("http://badexample.net/", scope, n));
	assert_false(url_in_scope("http://example.org.evil.com/", scope, n));
	assert_false(url_in_scope("http://example.org/", scope, 0));
}

/* The tracking parameter list. */
static void test_url_tracking(void **state)
{
	(void)state;
	assert_true(url_is_tracking_param("utm_source", 10));
	assert_true(url_is_tracking_param("fbclid", 6));
	assert_false(url_is_tracking_param("id", 2));
	assert_false(url_is_tracking_param("fbclid2", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_table),
		cmocka_unit_test(test_url_idempotent),
		cmocka_unit_test(test_url_too_long),
		cmocka_unit_test(test_url_parts),
		cmocka_unit_test(test_url_scope),
		cmocka_unit_test(test_url_tracking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
