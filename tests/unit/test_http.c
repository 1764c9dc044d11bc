/*
** test_http.c — the HTTP front's pure parts: request heads (complete,
** partial, oversized, malformed), query strings into search requests, and
** responses.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gz_err.h"
#include "http.h"
#include "search.h"

static void test_head_complete(void **state)
{
	static const char h[] =
		"GET /search?q=city+diplomacy HTTP/1.1\r\n"
		"Host: x\r\nAuthorization: Bearer s3cret\r\n\r\nextra";
	struct http_request r;
	size_t n = 0;

	(void)state;
	assert_int_equal(http_parse_head(h, strlen(h), &n, &r, NULL), GZ_OK);
	assert_int_equal(n, strlen(h) - 5);
	assert_string_equal(r.method, "GET");
	assert_int_equal(r.route, HTTP_ROUTE_SEARCH);
	assert_string_equal(r.query, "q=city+diplomacy");
	assert_string_equal(r.bearer, "s3cret");
	http_request_free(&r);

	assert_int_equal(
		http_parse_head("GET /health HTTP/1.0\n\n", 22, &n, &r, NULL),
		GZ_OK);
	assert_int_equal(r.route, HTTP_ROUTE_HEALTH);
	assert_null(r.query);
	http_request_free(&r);
	assert_int_equal(http_parse_head("GET /metrics?x HTTP/1.1\r\n\r\n", 27,
					 &n, &r, NULL),
			 GZ_OK);
	assert_int_equal(r.route, HTTP_ROUTE_METRICS);
	http_request_free(&r);
	assert_int_equal(
		http_parse_head("GET /nope HTTP/1.1\r\n\r\n", 22, &n, &r, NULL),
		GZ_OK);
	assert_int_equal(r.route, HTTP_ROUTE_NONE);
	http_request_free(&r);
}

static void test_head_partial_big_bad(void **state)
{
	static const char *bad[] = {
		"GET\r\n\r\n",
		"GET /x\r\n\r\n",
		"GET /x HTTP/2.0\r\n\r\n",
		" /x HTTP/1.1\r\n\r\n",
		"GET /x HTTP/1.1\r\nno colon\r\n\r\n",
		"GET /a\x01b HTTP/1.1\r\n\r\n",
	};
	struct http_request r;
	char *big;
	size_t n, i;

	(void)state;
	assert_int_equal(http_parse_head("GET / HTTP/1.1\r\nHost: x\r\n", 25,
					 &n, &r, NULL),
			 GZ_EAGAIN);
	http_request_free(&r);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(
			http_parse_head(bad[i], strlen(bad[i]), &n, &r, NULL),
			GZ_EPARSE);
		http_request_free(&r);
	}
	big = malloc(HTTP_MAX_HEAD + 10);
	assert_non_null(big);
	memset(big, 'a', HTTP_MAX_HEAD + 10);
	assert_int_equal(http_parse_head(big, HTTP_MAX_HEAD + 10, &n, &r, NULL),
			 GZ_ETOOBIG);
	http_request_free(&r);
	free(big);
}

static void test_query_string(void **state)
{
	struct search_request req;
	char err[GZ_ERRLEN];

	(void)state;
	search_request_init(&req);
	assert_int_equal(
		http_query_to_request("q=%22sister+cities%22&limit=3&facets="
				      "source,month&collapse=false"
				      "&sort=-date&id=r9&from=2013",
				      &req, err),
		GZ_OK);
	assert_string_equal(req.q, "\"sister cities\"");
	assert_int_equal(req.limit, 3);
	assert_int_equal(req.facets,
			 SEARCH_FACET_BIT(SEARCH_FACET_SOURCE) |
				 SEARCH_FACET_BIT(SEARCH_FACET_MONTH));
	assert_int_equal(req.collapse, 0);
	assert_int_equal(req.sort, SEARCH_SORT_DATE_DESC);
	assert_string_equal(req.id_json, "\"r9\"");
	assert_string_equal(req.from, "2013");
	search_request_free(&req);

	assert_int_equal(http_query_to_request(NULL, &req, err), GZ_OK);
	assert_int_equal(http_query_to_request("q=%zz", &req, err), GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("q=a%00b", &req, err),
			 GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("q=a&q=b", &req, err),
			 GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("limit=ten", &req, err),
			 GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("limit=1000", &req, err),
			 GZ_ETOOBIG);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("nope=1", &req, err), GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("q", &req, err), GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(http_query_to_request("q=%ff", &req, err), GZ_EINVAL);
	search_request_free(&req);
}

static void test_response(void **state)
{
	char *r;

	(void)state;
	r = http_response(200, "application/json", NULL, "{}\n", 3);
	assert_non_null(r);
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r, "Content-Length: 3\r\n"));
	assert_non_null(strstr(r, "Connection: close\r\n"));
	assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n{}\n");
	free(r);
	r = http_response(405, "text/plain", "Allow: GET\r\n", "", 0);
	assert_non_null(strstr(r, "405 Method Not Allowed"));
	assert_non_null(strstr(r, "Allow: GET\r\n"));
	free(r);
	assert_int_equal(http_status_for(GZ_OK), 200);
	assert_int_equal(http_status_for(GZ_EQUERY), 400);
	assert_int_equal(http_status_for(GZ_ENOTFOUND), 404);
	assert_int_equal(http_status_for(GZ_EBUSY), 503);
	assert_int_equal(http_status_for(GZ_ETIMEOUT), 504);
	assert_int_equal(http_status_for(GZ_EINDEX), 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_complete),
		cmocka_unit_test(test_head_partial_big_bad),
		cmocka_unit_test(test_query_string),
		cmocka_unit_test(test_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
