/*
** test_proto.c — the wire protocol: plain lines, JSON requests with every
** field, wrong types, invalid JSON and UTF-8, huge numbers, deep nesting,
** oversized lines, and replies read back with jansson.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "article.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "proto.h"
#include "search.h"

/* Parse the NUL-terminated line s into *req (initialised here). */
static int parse(const char *s, struct search_request *req, char *err)
{
	search_request_init(req);
	err[0] = '\0';
	return proto_parse_line(s, strlen(s), req, err);
}

/* Expect line to fail with code and a message containing needle. */
static void expect_fail(const char *line, int code, const char *needle)
{
	struct search_request req;
	char err[GZ_ERRLEN];
	int rc = parse(line, &req, err);

	if (rc != code)
		fail_msg("%s: got %s (%s), want %s", line, gz_errname(rc), err,
			 gz_errname(code));
	if (needle && !strstr(err, needle))
		fail_msg("%s: message '%s' lacks '%s'", line, err, needle);
	search_request_free(&req);
}

/* ------------------------------------------------------------ requests */

static void test_plain_lines(void **state)
{
	static const struct {
		const char *line;
		const char *q;
	} rows[] = {
		{ "city diplomacy", "city diplomacy" },
		{ "city diplomacy\r", "city diplomacy" },
		{ "city diplomacy\n", "city diplomacy" },
		{ "  \tsister cities  ", "sister cities" },
		{ "source:\"Global Times\" date:2013..2014",
		  "source:\"Global Times\" date:2013..2014" },
		{ "[1, 2]", "[1, 2]" },
		{ "城市外交", "城市外交" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
	};
	struct search_request req;
	char err[GZ_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(parse(rows[i].line, &req, err), GZ_OK);
		assert_string_equal(req.q, rows[i].q);
		assert_int_equal(req.cmd, SEARCH_CMD_SEARCH);
		assert_int_equal(req.limit, SEARCH_DEFAULT_LIMIT);
		assert_int_equal(req.collapse, 1);
		assert_null(req.id_json);
		search_request_free(&req);
	}
	/* len bounds the line: the bytes after it are not read. */
	search_request_init(&req);
	assert_int_equal(proto_parse_line("cityXXXX", 4, &req, err), GZ_OK);
	assert_string_equal(req.q, "city");
	search_request_free(&req);

	expect_fail("", GZ_EINVAL, "empty");
	expect_fail(" \t \r", GZ_EINVAL, "empty");
}

static void test_plain_invalid_utf8(void **state)
{
	static const char *bad[] = {
		"caf\xe9",          /* Latin-1 */
		"\xff",             /* never valid */
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong, 3 bytes */
		"\xed\xa0\x80",     /* surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"ok \xe2\x82",      /* truncated */
		"\x80 stray",       /* continuation first */
	};
	struct search_request req;
	char err[GZ_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_fail(bad[i], GZ_EINVAL, "UTF-8");
	/* An embedded NUL. */
	search_request_init(&req);
	assert_int_equal(proto_parse_line("a\0b", 3, &req, err), GZ_EINVAL);
	search_request_free(&req);

	assert_true(proto_utf8_valid("\xf0\x9f\x93\xb0", 4));
	assert_false(proto_utf8_valid("\xf0\x9f\x93", 3));
	assert_true(proto_utf8_valid("", 0));
}

/* UTF-8 checked one byte at a time (RFC 3629), as proto_utf8_valid was. */
static int utf8_reference(const unsigned char *p, size_t len)
{
	size_t i = 0, k, n;
	unsigned cp;

	while (i < len) {
		unsigned char c = p[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (len - i < n + 1)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
** Random strings, mostly ASCII with now and then a NUL, a control byte or
** a piece of a multi-byte character: the validator agrees with the
** byte-by-byte reference on every one.
*/
static void test_utf8_agrees_with_reference(void **state)
{
	static const char *pieces[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x93\xb0",
		"\xc3",     "\x80",         "\xed\xa0\x80",
		"\0",       "\x01",         "\x7f"
	};
	unsigned char buf[80];
	unsigned long seed = 12345;
	size_t len, n, k;
	int round;

	(void)state;
	for (round = 0; round < 200000; round++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		len = (seed >> 33) % 64;
		for (n = 0; n < len;) {
			seed = seed * 6364136223846793005UL +
				1442695040888963407UL;
			if ((seed >> 40) % 12 == 0) {
				const char *pc = pieces[(seed >> 20) % 9];
				size_t pl = pc[0] ? strlen(pc) : 1;

				for (k = 0; k < pl && n < len; k++)
					buf[n++] = (unsigned char)pc[k];
			} else {
				buf[n++] = (unsigned char)(' ' +
							   (seed >> 24) % 90);
			}
		}
		assert_int_equal(proto_utf8_valid((const char *)buf, len),
				 utf8_reference(buf, len));
	}
}

/*
** The validator reads ASCII eight bytes at a time: a NUL, a stray byte or
** a character at every offset of a long ASCII run, and runs of every
** length, are judged as byte by byte.
*/
static void test_utf8_every_offset(void **state)
{
	char buf[40];
	size_t len, at;

	(void)state;
	for (len = 0; len <= 32; len++) {
		memset(buf, 'a', len);
		assert_true(proto_utf8_valid(buf, len));
		for (at = 0; at < len; at++) {
			memset(buf, 'a', len);
			buf[at] = '\0';
			assert_false(proto_utf8_valid(buf, len));
			buf[at] = '\x80';
			assert_false(proto_utf8_valid(buf, len));
			buf[at] = '\x7f';
			assert_true(proto_utf8_valid(buf, len));
			buf[at] = '\x01';
			assert_true(proto_utf8_valid(buf, len));
			if (at + 2 <= len) {
				memcpy(buf + at, "\xc3\xa9", 2); /* é */
				assert_true(proto_utf8_valid(buf, len));
				assert_false(proto_utf8_valid(buf, at + 1));
			}
		}
	}
	/* A NUL then 0x01 inside one word: the zero test must not skip. */
	memcpy(buf,
	       "abc\0\x01"
	       "defgh\0",
	       12);
	assert_false(proto_utf8_valid(buf, 12));
	memcpy(buf, "abcdefg\x01\x01\x01\x01\x01\x01\x01\x01", 15);
	assert_true(proto_utf8_valid(buf, 15));
}

static void test_json_every_field(void **state)
{
	struct search_request req;
	char err[GZ_ERRLEN];

	(void)state;
	assert_int_equal(
		parse("{\"v\":1,\"id\":\"r-17\",\"cmd\":\"search\","
		      "\"q\":\"city diplomacy\",\"source\":\"Global Times\","
		      "\"section\":\"Viewpoint\",\"lang\":\"en\","
		      "\"from\":\"2013-01-01\",\"to\":\"2013-12\","
		      "\"sort\":\"-date\",\"offset\":20,\"limit\":5,"
		      "\"facets\":[\"source\",\"month\",\"year\","
		      "\"section\"],\"collapse\":false,\"snippet\":120,"
		      "\"like\":\"http://a.example/x\",\"token\":\"s3cret\"}",
		      &req, err),
		GZ_OK);
	assert_int_equal(req.cmd, SEARCH_CMD_SEARCH);
	assert_string_equal(req.q, "city diplomacy");
	assert_string_equal(req.source, "Global Times");
	assert_string_equal(req.section, "Viewpoint");
	assert_string_equal(req.lang, "en");
	assert_string_equal(req.from, "2013-01-01");
	assert_string_equal(req.to, "2013-12");
	assert_int_equal(req.sort, SEARCH_SORT_DATE_DESC);
	assert_int_equal(req.offset, 20);
	assert_int_equal(req.limit, 5);
	assert_int_equal(req.facets, (1u << SEARCH_N_FACETS) - 1);
	assert_int_equal(req.collapse, 0);
	assert_int_equal(req.snippet_len, 120);
	assert_string_equal(req.like, "http://a.example/x");
	assert_string_equal(req.token, "s3cret");
	assert_string_equal(req.id_json, "\"r-17\"");
	search_request_free(&req);

	/* Defaults, other enum values, like as a number, null as absent. */
	assert_int_equal(parse("  {\"q\":\"x\",\"sort\":\"date\",\"like\":42,"
			       "\"source\":null,\"facets\":[]}",
			       &req, err),
			 GZ_OK);
	assert_int_equal(req.sort, SEARCH_SORT_DATE);
	assert_string_equal(req.like, "42");
	assert_null(req.source);
	assert_int_equal(req.facets, 0);
	assert_int_equal(req.limit, SEARCH_DEFAULT_LIMIT);
	assert_int_equal(req.snippet_len, GZ_DEFAULT_SNIPPET_LEN);
	assert_int_equal(req.collapse, 1);
	search_request_free(&req);

	assert_int_equal(parse("{\"cmd\":\"stats\"}", &req, err), GZ_OK);
	assert_int_equal(req.cmd, SEARCH_CMD_STATS);
	search_request_free(&req);
	assert_int_equal(parse("{\"cmd\":\"ping\",\"id\":7}", &req, err),
			 GZ_OK);
	assert_int_equal(req.cmd, SEARCH_CMD_PING);
	assert_string_equal(req.id_json, "7");
	search_request_free(&req);
}

static void test_json_ids(void **state)
{
	static const struct {
		const char *line;
		const char *id;
	} rows[] = {
		{ "{\"id\":\"abc\"}", "\"abc\"" },
		{ "{\"id\":12}", "12" },
		{ "{\"id\":-3}", "-3" },
		{ "{\"id\":1.5}", "1.5" },
		{ "{\"id\":true}", "true" },
		{ "{\"id\":null}", "null" },
		{ "{\"id\":\"\\u00e9\\n\"}", "\"\xc3\xa9\\n\"" },
	};
	struct search_request req;
	char err[GZ_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_int_equal(parse(rows[i].line, &req, err), GZ_OK);
		assert_string_equal(req.id_json, rows[i].id);
		search_request_free(&req);
	}
	expect_fail("{\"id\":{\"a\":1}}", GZ_EINVAL, "id");
	expect_fail("{\"id\":[1]}", GZ_EINVAL, "id");
	/* A later error still has the id to echo. */
	assert_int_equal(parse("{\"limit\":\"ten\",\"id\":\"x1\"}", &req, err),
			 GZ_EINVAL);
	assert_string_equal(req.id_json, "\"x1\"");
	search_request_free(&req);
}

static void test_json_wrong_types(void **state)
{
	(void)state;
	expect_fail("{\"q\":12}", GZ_EINVAL, "q");
	expect_fail("{\"q\":[\"a\"]}", GZ_EINVAL, "q");
	expect_fail("{\"source\":true}", GZ_EINVAL, "source");
	expect_fail("{\"from\":2013}", GZ_EINVAL, "from");
	expect_fail("{\"limit\":\"10\"}", GZ_EINVAL, "limit");
	expect_fail("{\"limit\":1.5}", GZ_EINVAL, "limit");
	expect_fail("{\"limit\":-1}", GZ_EINVAL, "limit");
	expect_fail("{\"offset\":-5}", GZ_EINVAL, "offset");
	expect_fail("{\"snippet\":\"long\"}", GZ_EINVAL, "snippet");
	expect_fail("{\"collapse\":\"yes\"}", GZ_EINVAL, "collapse");
	expect_fail("{\"collapse\":1}", GZ_EINVAL, "collapse");
	expect_fail("{\"facets\":\"source\"}", GZ_EINVAL, "facets");
	expect_fail("{\"facets\":[1]}", GZ_EINVAL, "facets");
	expect_fail("{\"facets\":[\"source\",\"colour\"]}", GZ_EINVAL,
		    "colour");
	expect_fail("{\"sort\":\"up\"}", GZ_EINVAL, "sort");
	expect_fail("{\"sort\":1}", GZ_EINVAL, "sort");
	expect_fail("{\"cmd\":\"drop\"}", GZ_EINVAL, "cmd");
	expect_fail("{\"v\":2}", GZ_EINVAL, "version");
	expect_fail("{\"v\":\"1\"}", GZ_EINVAL, "version");
	expect_fail("{\"like\":-4}", GZ_EINVAL, "like");
	expect_fail("{\"like\":{}}", GZ_EINVAL, "like");
	expect_fail("{\"querry\":\"typo\"}", GZ_EINVAL, "querry");
}

static void test_json_invalid(void **state)
{
	(void)state;
	expect_fail("{", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":\"a\"} trailing", GZ_EPARSE, "JSON");
	expect_fail("{'q':'a'}", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":\"a\",}", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":\"a\",\"q\":\"b\"}", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":\"caf\xe9\"}", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":\"a\\u0000b\"}", GZ_EPARSE, "JSON");
	expect_fail("{\"q\":\"\\ud800\"}", GZ_EPARSE, "JSON");
}

static void test_json_huge_numbers(void **state)
{
	(void)state;
	expect_fail("{\"limit\":99999999999999999999999999}", GZ_EPARSE, NULL);
	expect_fail("{\"limit\":9223372036854775807}", GZ_ETOOBIG, "limit");
	expect_fail("{\"offset\":4294967296}", GZ_ETOOBIG, "offset");
	expect_fail("{\"limit\":101}", GZ_ETOOBIG, "limit");
	expect_fail("{\"offset\":1001}", GZ_ETOOBIG, "offset");
	expect_fail("{\"snippet\":2001}", GZ_ETOOBIG, "snippet");
	expect_fail("{\"limit\":1e400}", GZ_EPARSE, NULL);
	expect_fail("{\"like\":4294967296}", GZ_EINVAL, "like");
	expect_fail("{\"id\":1e400}", GZ_EPARSE, NULL);
}

/* A JSON request with depth levels of arrays inside field name. */
static char *nested(const char *field, size_t depth)
{
	size_t n = strlen(field) + 2 * depth + 16, i, off;
	char *s = malloc(n);

	assert_non_null(s);
	off = (size_t)snprintf(s, n, "{\"%s\":", field);
	for (i = 0; i < depth; i++)
		s[off++] = '[';
	for (i = 0; i < depth; i++)
		s[off++] = ']';
	s[off++] = '}';
	s[off] = '\0';
	return s;
}

static void test_json_deep_nesting(void **state)
{
	struct search_request req;
	char err[GZ_ERRLEN];
	char *s;

	(void)state;
	/* Past jansson's JSON_PARSER_MAX_DEPTH (2048): a parse error, no crash. */
	s = nested("q", 30000);
	assert_int_equal(parse(s, &req, err), GZ_EPARSE);
	assert_non_null(strstr(err, "depth"));
	search_request_free(&req);
	free(s);
	/* Within the limit: parsed, then refused by type. */
	s = nested("facets", 1000);
	assert_int_equal(parse(s, &req, err), GZ_EINVAL);
	assert_non_null(strstr(err, "facets"));
	search_request_free(&req);
	free(s);
	s = nested("id", 1000);
	assert_int_equal(parse(s, &req, err), GZ_EINVAL);
	search_request_free(&req);
	free(s);
}

static void test_line_too_long(void **state)
{
	struct search_request req;
	char err[GZ_ERRLEN];
	size_t n = GZ_MAX_REQUEST_LINE + 1;
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	assert_int_equal(parse(s, &req, err), GZ_ETOOBIG);
	search_request_free(&req);
	/* Exactly at the bound is fine. */
	s[n - 1] = '\0';
	assert_int_equal(parse(s, &req, err), GZ_OK);
	assert_int_equal(strlen(req.q), GZ_MAX_REQUEST_LINE);
	search_request_free(&req);
	free(s);
}

/* ------------------------------------------------------------ replies */

/* Check that line is exactly one line of JSON and return it parsed. */
static json_t *load_line(const char *line)
{
	json_error_t jerr;
	size_t n;
	json_t *v;

	assert_non_null(line);
	n = strlen(line);
	assert_true(n > 1);
	assert_int_equal(line[n - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + n - 1);
	v = json_loadb(line, n - 1, 0, &jerr);
	if (!v)
		fail_msg("reply is not JSON: %s: %s", jerr.text, line);
	assert_true(json_is_object(v));
	assert_int_equal(json_integer_value(json_object_get(v, "v")),
			 PROTO_VERSION);
	return v;
}

/* Fill hit with an article. */
static void make_hit(struct search_hit *h, unsigned rank, const char *title,
		     const char *snippet)
{
	memset(h, 0, sizeof *h);
	article_init(&h->art);
	h->rank = rank;
	h->score = 87;
	h->docid = 12;
	h->collapsed = 2;
	article_set(&h->art.url,
		    "http://www.globaltimes.cn/content/797127.shtml");
	article_set(&h->art.title, title);
	article_set(&h->art.source, "Global Times");
	article_set(&h->art.section, "Viewpoint");
	article_add_author(&h->art, "Xiong Wei");
	article_add_author(&h->art, "Li \"Lee\" Na");
	snprintf(h->published, sizeof h->published, "2013-07-16T18:53:02");
	h->snippet = snippet ? strdup(snippet) : NULL;
}

static void test_reply_result_roundtrip(void **state)
{
	struct search_request req;
	struct search_result res;
	json_t *r, *hits, *h, *facets, *src;
	char *line;

	(void)state;
	search_request_init(&req);
	req.id_json = strdup("\"q-1\"");
	search_result_init(&res);
	res.estimate = 3;
	res.lower = 2;
	res.upper = 4;
	res.took_ms = 0.4;
	res.revision = 17;
	res.n_hits = 2;
	res.hits = calloc(2, sizeof *res.hits);
	assert_non_null(res.hits);
	make_hit(&res.hits[0], 1,
		 "City diplomacy integral to boosting economic, cultural "
		 "exchanges",
		 "\xe2\x80\xa6the core of <mark>city</mark> "
		 "<mark>diplomacy</mark> is AT&amp;T\xe2\x80\xa6");
	make_hit(&res.hits[1], 2, "城市外交\t\"quoted\"", NULL);
	res.hits[1].published[0] = '\0';
	res.facets = SEARCH_FACET_BIT(SEARCH_FACET_SOURCE) |
		SEARCH_FACET_BIT(SEARCH_FACET_MONTH);
	res.facet[SEARCH_FACET_SOURCE].n = 2;
	res.facet[SEARCH_FACET_SOURCE].values =
		calloc(2, sizeof(struct search_facet_value));
	res.facet[SEARCH_FACET_SOURCE].values[0].value = strdup("Global Times");
	res.facet[SEARCH_FACET_SOURCE].values[0].count = 3;
	res.facet[SEARCH_FACET_SOURCE].values[1].value = strdup("Xinhua");
	res.facet[SEARCH_FACET_SOURCE].values[1].count = 1;
	res.suggestion = strdup("city diplomacy");

	line = proto_reply_result(&req, &res);
	r = load_line(line);
	/* The documented key order starts the line. */
	assert_true(strncmp(line,
			    "{\"v\":1,\"id\":\"q-1\",\"total\":{\"estimate\":3,"
			    "\"lower\":2,\"upper\":4},\"took_ms\":0.4,",
			    70) == 0);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "q-1");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(r, "total"), "estimate")),
			 3);
	assert_int_equal(json_integer_value(json_object_get(r, "revision")),
			 17);
	assert_true(json_real_value(json_object_get(r, "took_ms")) == 0.4);
	hits = json_object_get(r, "hits");
	assert_int_equal(json_array_size(hits), 2);
	h = json_array_get(hits, 0);
	assert_int_equal(json_integer_value(json_object_get(h, "rank")), 1);
	assert_int_equal(json_integer_value(json_object_get(h, "score")), 87);
	assert_int_equal(json_integer_value(json_object_get(h, "id")), 12);
	assert_int_equal(json_integer_value(json_object_get(h, "collapsed")),
			 2);
	assert_string_equal(json_string_value(json_object_get(h, "title")),
			    res.hits[0].art.title);
	assert_string_equal(json_string_value(json_object_get(h, "url")),
			    res.hits[0].art.url);
	assert_string_equal(json_string_value(json_object_get(h, "source")),
			    "Global Times");
	assert_string_equal(json_string_value(json_object_get(h, "section")),
			    "Viewpoint");
	assert_string_equal(json_string_value(json_object_get(h, "published")),
			    "2013-07-16T18:53:02");
	assert_string_equal(json_string_value(json_object_get(h, "snippet")),
			    res.hits[0].snippet);
	assert_int_equal(json_array_size(json_object_get(h, "authors")), 2);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(h, "authors"), 1)),
			    "Li \"Lee\" Na");
	h = json_array_get(hits, 1);
	assert_string_equal(json_string_value(json_object_get(h, "title")),
			    "城市外交\t\"quoted\"");
	assert_true(json_is_null(json_object_get(h, "published")));
	assert_true(json_is_null(json_object_get(h, "snippet")));
	facets = json_object_get(r, "facets");
	assert_int_equal(json_object_size(facets), 2);
	src = json_object_get(facets, "source");
	assert_string_equal(
		json_string_value(json_array_get(json_array_get(src, 0), 0)),
		"Global Times");
	assert_int_equal(
		json_integer_value(json_array_get(json_array_get(src, 0), 1)),
		3);
	assert_int_equal(json_array_size(json_object_get(facets, "month")), 0);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")),
			    "city diplomacy");
	json_decref(r);
	free(line);

	/* No id, no suggestion, no facets; invalid UTF-8 replaced, not fatal. */
	free(req.id_json);
	req.id_json = NULL;
	free(res.suggestion);
	res.suggestion = NULL;
	res.facets = 0;
	article_set(&res.hits[1].art.title, "bad \xff byte");
	line = proto_reply_result(&req, &res);
	r = load_line(line);
	assert_null(json_object_get(r, "id"));
	assert_null(json_object_get(r, "suggestion"));
	assert_int_equal(json_object_size(json_object_get(r, "facets")), 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(r, "hits"), 1),
			"title")),
		"bad \xef\xbf\xbd byte");
	json_decref(r);
	free(line);

	search_result_free(&res);
	search_request_free(&req);
}

static void test_reply_error(void **state)
{
	static const struct {
		int code;
		const char *name;
	} rows[] = {
		{ GZ_EQUERY, "bad_query" }, { GZ_EINVAL, "bad_request" },
		{ GZ_ETOOBIG, "too_big" },  { GZ_EBUSY, "busy" },
		{ GZ_EPARSE, "parse" },     { GZ_EDENIED, "denied" },
		{ GZ_ETIMEOUT, "timeout" }, { GZ_ENOTFOUND, "not_found" },
	};
	json_t *r, *e;
	char *line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		line = proto_reply_error(rows[i].code, "it \"failed\"\n badly",
					 "42");
		r = load_line(line);
		assert_int_equal(json_integer_value(json_object_get(r, "id")),
				 42);
		e = json_object_get(r, "error");
		assert_string_equal(
			json_string_value(json_object_get(e, "code")),
			rows[i].name);
		assert_string_equal(
			json_string_value(json_object_get(e, "message")),
			"it \"failed\"\n badly");
		json_decref(r);
		free(line);
	}
	line = proto_reply_error(GZ_EBUSY, NULL, NULL);
	assert_string_equal(line,
			    "{\"v\":1,\"error\":{\"code\":\"busy\","
			    "\"message\":\"busy, retry later\"}}\n");
	free(line);
}

static void test_reply_stats_ping(void **state)
{
	struct search_stats st = { 8, 3, NULL, 0 };
	json_t *r;
	char *line;

	(void)state;
	line = proto_reply_stats(&st, "/var/lib/gazette/index", 12.7, "\"s\"");
	r = load_line(line);
	assert_int_equal(json_integer_value(json_object_get(r, "documents")),
			 8);
	assert_int_equal(json_integer_value(json_object_get(r, "revision")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "uptime_s")),
			 12);
	assert_string_equal(json_string_value(json_object_get(r, "index")),
			    "/var/lib/gazette/index");
	assert_null(json_object_get(r, "last_run"));
	json_decref(r);
	free(line);

	st.last_run = "{\"finished\":\"2026-11-28T13:00:00Z\",\"fetched\":21}";
	line = proto_reply_stats(&st, "idx", 0, NULL);
	r = load_line(line);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(r, "last_run"), "fetched")),
			 21);
	json_decref(r);
	free(line);

	line = proto_reply_ping(NULL);
	assert_string_equal(line, "{\"v\":1,\"ok\":true}\n");
	free(line);
	line = proto_reply_ping("[1]");
	assert_string_equal(line, "{\"v\":1,\"id\":[1],\"ok\":true}\n");
	free(line);
}

/* Form fields (the HTTP query string) take each field's type. */
static void test_parse_form(void **state)
{
	const char *k1[] = {
		"q", "offset", "facets", "collapse", "like", "id"
	};
	const char *v1[] = { "city", "20", "year,,month", "no", "42", "7" };
	const char *k2[] = { "limit" };
	const char *v2[] = { "-1" };
	const char *k3[] = { "collapse" };
	const char *v3[] = { "maybe" };
	const char *k4[] = { "facet_limit" };
	const char *v4[] = { "5" };
	struct search_request req;
	char err[GZ_ERRLEN];

	(void)state;
	search_request_init(&req);
	assert_int_equal(proto_parse_form(k1, v1, 6, &req, err), GZ_OK);
	assert_string_equal(req.q, "city");
	assert_int_equal(req.offset, 20);
	assert_int_equal(req.facets,
			 SEARCH_FACET_BIT(SEARCH_FACET_YEAR) |
				 SEARCH_FACET_BIT(SEARCH_FACET_MONTH));
	assert_int_equal(req.collapse, 0);
	assert_string_equal(req.like, "42");
	assert_string_equal(req.id_json, "\"7\"");
	search_request_free(&req);
	assert_int_equal(proto_parse_form(k2, v2, 1, &req, err), GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(proto_parse_form(k3, v3, 1, &req, err), GZ_EINVAL);
	search_request_free(&req);
	assert_int_equal(proto_parse_form(k4, v4, 1, &req, err), GZ_OK);
	assert_int_equal(req.facet_limit, 5);
	search_request_free(&req);
}

/* A key=value run summary becomes an object; stats carry the commit time. */
static void test_stats_last_run_text(void **state)
{
	struct search_stats st = { 3, 2, NULL, 1700000000 };
	json_t *r, *lr;
	char *line;
	int healthy = 0;

	(void)state;
	st.last_run = "fetched=53 new=29 seconds=0.1 note=ok";
	line = proto_reply_stats(&st, "idx", 1, NULL);
	r = load_line(line);
	lr = json_object_get(r, "last_run");
	assert_int_equal(json_integer_value(json_object_get(lr, "fetched")),
			 53);
	assert_true(json_real_value(json_object_get(lr, "seconds")) > 0.09);
	assert_string_equal(json_string_value(json_object_get(lr, "note")),
			    "ok");
	assert_string_equal(json_string_value(json_object_get(lr, "summary")),
			    st.last_run);
	assert_string_equal(
		json_string_value(json_object_get(r, "last_update")),
		"2023-11-14T22:13:20Z");
	json_decref(r);
	free(line);

	line = proto_reply_health(&st, GZ_OK, NULL, 5, 60, &healthy);
	r = load_line(line);
	assert_int_equal(healthy, 0);
	assert_string_equal(json_string_value(json_object_get(r, "status")),
			    "stale");
	json_decref(r);
	free(line);
	line = proto_reply_health(&st, GZ_OK, NULL, 5, 0, &healthy);
	assert_int_equal(healthy, 1);
	free(line);
	line = proto_reply_health(&st, GZ_EOPEN, "gone", 5, 0, &healthy);
	r = load_line(line);
	assert_int_equal(healthy, 0);
	assert_string_equal(json_string_value(json_object_get(r, "error")),
			    "open");
	json_decref(r);
	free(line);
}

/* A request parsed, and its id echoed in the reply, byte for byte. */
static void test_id_echo_roundtrip(void **state)
{
	struct search_request req;
	char err[GZ_ERRLEN];
	char *line;

	(void)state;
	assert_int_equal(
		parse("{\"cmd\":\"ping\",\"id\":\"\\u2603 x\"}", &req, err),
		GZ_OK);
	line = proto_reply_ping(req.id_json);
	assert_string_equal(
		line, "{\"v\":1,\"id\":\"\xe2\x98\x83 x\",\"ok\":true}\n");
	free(line);
	search_request_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_plain_invalid_utf8),
		cmocka_unit_test(test_utf8_every_offset),
		cmocka_unit_test(test_utf8_agrees_with_reference),
		cmocka_unit_test(test_json_every_field),
		cmocka_unit_test(test_json_ids),
		cmocka_unit_test(test_json_wrong_types),
		cmocka_unit_test(test_json_invalid),
		cmocka_unit_test(test_json_huge_numbers),
		cmocka_unit_test(test_json_deep_nesting),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_reply_result_roundtrip),
		cmocka_unit_test(test_reply_error),
		cmocka_unit_test(test_reply_stats_ping),
		cmocka_unit_test(test_parse_form),
		cmocka_unit_test(test_stats_last_run_text),
		cmocka_unit_test(test_id_echo_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
