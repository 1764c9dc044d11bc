/*
** test_search.c — search_run over a small real index built in a temporary
** directory through the shim, laid out as schema.h says: words, phrases,
** field filters, date ranges (closed and open), date sort, facets, paging,
** collapse, snippets with marks, more-like-this, spelling, fresh revisions,
** bounds and errors.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "article.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "schema.h"
#include "search.h"
#include "xsh.h"

/* One fixture article. */
struct fixture_article {
	const char *url;
	const char *title;
	const char *source;
	const char *section;
	const char *author;
	const char *lang;
	const char *published; /* ISO, as stated */
	const char *description;
	const char *text;
	const char *collapse; /* SLOT_COLLAPSE key */
};

static const struct fixture_article articles[] = {
	{ "http://www.globaltimes.cn/content/797127.shtml",
	  "City diplomacy integral to boosting economic, cultural exchanges",
	  "Global Times", "Viewpoint", "Xiong Wei", "en", "2013-07-16T18:53:02",
	  "Experts discuss the outlook for city diplomacy.",
	  "Along with China's increasing involvement in the international "
	  "community, city diplomacy has become one of the most important "
	  "elements that determine China's future position in the world.\n\n"
	  "The core of city diplomacy is how to expand the city's influence "
	  "to the external environment and get itself involved in "
	  "international affairs. The most basic drive is competition. "
	  "The round table met in 2013.",
	  "c1" },
	{ "http://news.example.org/world/sister-cities.html",
	  "Sister cities forge new ties across the Pacific", "Xinhua", "World",
	  "Li Na", "en", "2014-03-02T09:00:00", NULL,
	  "Sister cities on both sides of the Pacific signed agreements on "
	  "trade and student exchanges, a form of public diplomacy that "
	  "mayors say brings quick results.",
	  "c2" },
	{ "http://wire.example.com/sister-cities-copy.html",
	  "Sister cities forge new ties across the Pacific", "Wire Daily",
	  "World", NULL, "en", "2014-03-02T10:30:00", NULL,
	  "Sister cities on both sides of the Pacific signed agreements on "
	  "trade and student exchanges, a form of public diplomacy that "
	  "mayors say brings quick results.",
	  "c2" },
	{ "http://thediplomat.example.net/2012/11/public-diplomacy",
	  "Public diplomacy in the digital age", "The Diplomat", "Opinion",
	  "Anna Berg", "en", "2012-11-20", NULL,
	  "Embassies now speak to foreign publics directly. Public diplomacy "
	  "has moved online, and governments compete for attention.",
	  "c3" },
	{ "http://www.globaltimes.cn/content/811111.shtml",
	  "Harbour city expands trade links", "Global Times", "Business", NULL,
	  "en", "2013-12-31T23:00:00", NULL,
	  "The harbour city opened two new shipping routes this year, "
	  "doubling its container trade with Southeast Asia.",
	  "c4" },
	{ "http://harbourpost.example.com/2015/01/mayors",
	  "Mayors meet to discuss urban cooperation", "Harbour Post", "World",
	  NULL, "en", "2015-01-10T08:15:00",
	  "Forty mayors met in the harbour city to talk about cooperation "
	  "between cities.",
	  NULL, "c5" },
	{ "http://cn.example.cn/2013/08/city-diplomacy", "城市外交的新时代",
	  "China Daily", "观点", NULL, "zh", "2013-08-05T12:00:00", NULL,
	  "城市外交是国家总体外交的重要组成部分。", "c6" },
	{ "http://news.example.org/tech/ampersand.html",
	  "AT&T and <Partners> report results", "Xinhua", "Business", NULL,
	  "en", "2011-05-04T07:00:00", NULL,
	  "Quarterly results at AT&T beat <expectations> as partners grew.",
	  "c7" },
};
#define N_ARTICLES (sizeof articles / sizeof articles[0])
#define N_DISTINCT (N_ARTICLES - 1) /* one wire copy collapses */

/* The fixture: a temporary directory with the index, and a searcher. */
struct fixture {
	char dir[64];
	char path[96];
	struct searcher *s;
};

/* Add a boolean filter term prefix+value (lower-cased as schema.h says). */
static void add_filter(struct xsh_doc *d, const char *prefix, const char *v)
{
	char term[GZ_MAX_TERM_BYTES + 16];

	if (!v)
		return;
	schema_filter_term(prefix, v, term, sizeof term);
	assert_int_equal(xsh_doc_add_boolean_term(d, term, NULL), GZ_OK);
}

/* Set value slot to string v. */
static void set_value(struct xsh_doc *d, unsigned slot, const char *v)
{
	assert_int_equal(xsh_doc_set_value(d, slot, v, strlen(v), NULL), GZ_OK);
}

/* Write one fixture article as index.c lays it out. */
static void put_article(struct xsh_wdb *w, struct xsh_tg *tg,
			const struct fixture_article *fa)
{
	struct article a;
	struct xsh_doc *d = NULL;
	char idterm[GZ_MAX_TERM_BYTES + 16], host[256], key[16];
	char month[8], year[8], term[32];
	char err[GZ_ERRLEN] = "";
	char *json;

	article_init(&a);
	article_set(&a.url, fa->url);
	article_set(&a.title, fa->title);
	article_set(&a.source, fa->source);
	article_set(&a.section, fa->section);
	article_set(&a.language, fa->lang);
	article_set(&a.description, fa->description);
	article_set(&a.text, fa->text);
	if (fa->author)
		article_add_author(&a, fa->author);
	assert_int_equal(gz_time_parse_iso(fa->published, &a.published), GZ_OK);
	json = article_to_json(&a, 1);
	assert_non_null(json);

	assert_int_equal(xsh_doc_new(&d, NULL), GZ_OK);
	assert_int_equal(xsh_doc_set_data(d, json, strlen(json), NULL), GZ_OK);
	assert_int_equal(schema_idterm(fa->url, idterm, sizeof idterm), 0);
	assert_int_equal(xsh_doc_add_boolean_term(d, idterm, NULL), GZ_OK);
	add_filter(d, PFX_SOURCE, fa->source);
	add_filter(d, PFX_SECTION, fa->section);
	add_filter(d, PFX_AUTHOR, fa->author);
	add_filter(d, PFX_LANG, fa->lang);
	assert_int_equal(schema_host(fa->url, host, sizeof host), 0);
	add_filter(d, PFX_HOST, host);
	snprintf(term, sizeof term, PFX_YEAR "%04d", a.published.year);
	assert_int_equal(xsh_doc_add_boolean_term(d, term, NULL), GZ_OK);
	snprintf(term, sizeof term, PFX_MONTH "%04d%02d", a.published.year,
		 a.published.month);
	assert_int_equal(xsh_doc_add_boolean_term(d, term, NULL), GZ_OK);
	snprintf(term, sizeof term, PFX_DAY "%04d%02d%02d", a.published.year,
		 a.published.month, a.published.day);
	assert_int_equal(xsh_doc_add_boolean_term(d, term, NULL), GZ_OK);
	gz_time_sortkey(&a.published, key);
	set_value(d, SLOT_PUBLISHED, key);
	snprintf(month, sizeof month, "%04d-%02d", a.published.year,
		 a.published.month);
	snprintf(year, sizeof year, "%04d", a.published.year);
	set_value(d, SLOT_MONTH, month);
	set_value(d, SLOT_YEAR, year);
	set_value(d, SLOT_SOURCE, fa->source);
	set_value(d, SLOT_SECTION, fa->section);
	set_value(d, SLOT_COLLAPSE, fa->collapse);

	assert_int_equal(xsh_tg_set_language(tg, fa->lang, NULL), GZ_OK);
	assert_int_equal(xsh_tg_set_document(tg, d, NULL), GZ_OK);
	assert_int_equal(xsh_tg_index_text(tg, fa->title, strlen(fa->title), 1,
					   PFX_TITLE, NULL),
			 GZ_OK);
	assert_int_equal(xsh_tg_increase_termpos(tg, 100, NULL), GZ_OK);
	assert_int_equal(xsh_tg_index_text(tg, fa->title, strlen(fa->title), 3,
					   "", NULL),
			 GZ_OK);
	if (fa->description) {
		assert_int_equal(xsh_tg_increase_termpos(tg, 100, NULL), GZ_OK);
		assert_int_equal(xsh_tg_index_text(tg, fa->description,
						   strlen(fa->description), 1,
						   "", NULL),
				 GZ_OK);
	}
	if (fa->text) {
		assert_int_equal(xsh_tg_increase_termpos(tg, 100, NULL), GZ_OK);
		assert_int_equal(xsh_tg_index_text(tg, fa->text,
						   strlen(fa->text), 1, "",
						   NULL),
				 GZ_OK);
	}
	if (xsh_wdb_replace(w, idterm, d, NULL, err) != GZ_OK)
		fail_msg("replace: %s", err);
	xsh_doc_free(d);
	free(json);
	article_free(&a);
}

/* Open the index for writing, with a spelling-aware term generator. */
static void open_writer(const char *path, struct xsh_wdb **w,
			struct xsh_tg **tg)
{
	char err[GZ_ERRLEN] = "";

	if (xsh_wdb_open(path, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, w, err) !=
	    GZ_OK)
		fail_msg("wdb_open: %s", err);
	assert_int_equal(
		xsh_tg_new(*w, "en",
			   XSH_TG_POSITIONS | XSH_TG_SPELLING | XSH_TG_CJK, tg,
			   NULL),
		GZ_OK);
}

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	char err[GZ_ERRLEN] = "";
	size_t i;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/gz-search-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/index", f->dir);
	open_writer(f->path, &w, &tg);
	for (i = 0; i < N_ARTICLES; i++)
		put_article(w, tg, &articles[i]);
	if (xsh_wdb_commit(w, err) != GZ_OK)
		return -1;
	xsh_tg_free(tg);
	xsh_wdb_close(w);
	if (searcher_open(f->path, &f->s, err) != GZ_OK) {
		fprintf(stderr, "searcher_open: %s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	searcher_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Run q (with the request defaults) and fail with the message on error. */
static void run(struct fixture *f, struct search_request *req,
		struct search_result *res)
{
	char err[GZ_ERRLEN] = "";
	int rc = search_run(f->s, req, res, err);

	if (rc != GZ_OK)
		fail_msg("search_run(%s): %s: %s", req->q ? req->q : "",
			 gz_errname(rc), err);
}

/* A request for text q with the defaults. */
static void request(struct search_request *req, const char *q)
{
	search_request_init(req);
	if (q)
		req->q = strdup(q);
}

/* True when some hit has this URL. */
static int has_url(const struct search_result *res, const char *url)
{
	size_t i;

	for (i = 0; i < res->n_hits; i++)
		if (res->hits[i].art.url &&
		    strcmp(res->hits[i].art.url, url) == 0)
			return 1;
	return 0;
}

static void test_words(void **state)
{
	struct search_request req;
	struct search_result res;
	const struct search_hit *h;

	request(&req, "city diplomacy");
	run(*state, &req, &res);
	assert_true(res.n_hits >= 1);
	assert_true(res.estimate >= 1 && res.lower <= res.estimate &&
		    res.estimate <= res.upper);
	h = &res.hits[0];
	assert_int_equal(h->rank, 1);
	assert_true(h->score > 0 && h->score <= 100);
	assert_true(h->docid > 0);
	assert_string_equal(h->art.url, articles[0].url);
	assert_string_equal(h->art.title, articles[0].title);
	assert_string_equal(h->art.source, "Global Times");
	assert_string_equal(h->art.section, "Viewpoint");
	assert_int_equal(h->art.n_authors, 1);
	assert_string_equal(h->art.authors[0], "Xiong Wei");
	assert_string_equal(h->published, "2013-07-16T18:53:02");
	assert_null(h->art.text); /* not kept past the snippet */
	assert_true(res.revision > 0);
	assert_true(res.took_ms >= 0.0);
	/* AND by default: "harbour diplomacy" matches nothing. */
	search_result_free(&res);
	search_request_free(&req);
	request(&req, "harbour diplomacy");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 0);
	search_result_free(&res);
	search_request_free(&req);
	/* Boolean operators in any case. */
	request(&req, "harbour or diplomacy");
	run(*state, &req, &res);
	assert_true(res.n_hits >= 4);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_phrase(void **state)
{
	struct search_request req;
	struct search_result res;

	request(&req, "\"sister cities\"");
	req.collapse = 0;
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2);
	assert_true(has_url(&res, articles[1].url));
	assert_true(has_url(&res, articles[2].url));
	search_result_free(&res);
	search_request_free(&req);
	/* Words out of order are not the phrase. */
	request(&req, "\"cities sister\"");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 0);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_source_field(void **state)
{
	struct search_request req;
	struct search_result res;
	size_t i;

	request(&req, "source:\"Global Times\"");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2);
	for (i = 0; i < res.n_hits; i++)
		assert_string_equal(res.hits[i].art.source, "Global Times");
	search_result_free(&res);
	search_request_free(&req);

	/* Field plus words, case-insensitive value. */
	request(&req, "trade source:\"global times\"");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[4].url);
	search_result_free(&res);
	search_request_free(&req);

	/* The same as request filters. */
	request(&req, "city");
	req.source = strdup("Global Times");
	req.section = strdup("viewpoint");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[0].url);
	search_result_free(&res);
	search_request_free(&req);

	/* title:, author:, site:, lang: */
	request(&req, "title:diplomacy");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2); /* seed and The Diplomat */
	search_result_free(&res);
	search_request_free(&req);
	request(&req, "author:\"anna berg\"");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[3].url);
	search_result_free(&res);
	search_request_free(&req);
	request(&req, "site:globaltimes.cn");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2);
	search_result_free(&res);
	search_request_free(&req);
	request(&req, "lang:zh");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.source, "China Daily");
	search_result_free(&res);
	search_request_free(&req);
}

static void test_cjk(void **state)
{
	struct search_request req;
	struct search_result res;

	request(&req, "外交");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[6].url);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_date_range(void **state)
{
	struct search_request req;
	struct search_result res;
	size_t i;

	request(&req, "date:2013..2014");
	req.collapse = 0;
	run(*state, &req, &res);
	/* seed, both sister-cities copies, harbour city, Chinese article */
	assert_int_equal(res.n_hits, 5);
	/* A short page: the count is exact. */
	assert_int_equal(res.estimate, 5);
	assert_int_equal(res.lower, 5);
	assert_int_equal(res.upper, 5);
	for (i = 0; i < res.n_hits; i++)
		assert_true(strncmp(res.hits[i].published, "2013", 4) == 0 ||
			    strncmp(res.hits[i].published, "2014", 4) == 0);
	search_result_free(&res);
	search_request_free(&req);

	request(&req, "date:2013-07..2013-08");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2);
	search_result_free(&res);
	search_request_free(&req);

	request(&req, "diplomacy date:2013-07-01..2013-07-31");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[0].url);
	search_result_free(&res);
	search_request_free(&req);

	/* The last second of a day is inside the day. */
	request(&req, "date:2013-12-31..2013-12-31");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[4].url);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_date_open_end(void **state)
{
	struct search_request req;
	struct search_result res;
	size_t i;

	request(&req, "date:..2012-12-31");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2); /* 2012 and 2011 */
	for (i = 0; i < res.n_hits; i++)
		assert_true(strcmp(res.hits[i].published, "2013") < 0);
	search_result_free(&res);
	search_request_free(&req);

	request(&req, "date:2015..");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].art.url, articles[5].url);
	search_result_free(&res);
	search_request_free(&req);

	/* from/to request fields. */
	request(&req, NULL);
	req.from = strdup("2014");
	req.collapse = 0;
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 3);
	search_result_free(&res);
	search_request_free(&req);
	request(&req, NULL);
	req.to = strdup("2012-11-20");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 2);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_date_bound(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(search_date_bound("2013", 0, out, sizeof out), 0);
	assert_string_equal(out, "20130101000000");
	assert_int_equal(search_date_bound("2014", 1, out, sizeof out), 0);
	assert_string_equal(out, "20141231235959");
	assert_int_equal(search_date_bound("2013-07", 1, out, sizeof out), 0);
	assert_string_equal(out, "20130731235959");
	assert_int_equal(search_date_bound("2012-2", 1, out, sizeof out), 0);
	assert_string_equal(out, "20120229235959");
	assert_int_equal(
		search_date_bound("2013-07-16T18:53", 0, out, sizeof out), 0);
	assert_string_equal(out, "20130716185300");
	assert_int_equal(
		search_date_bound("2013-07-16 18:53:02", 1, out, sizeof out),
		0);
	assert_string_equal(out, "20130716185302");
	assert_int_equal(search_date_bound("13", 0, out, sizeof out), -1);
	assert_int_equal(search_date_bound("2013-13", 0, out, sizeof out), -1);
	assert_int_equal(search_date_bound("2013-02-30", 0, out, sizeof out),
			 -1);
	assert_int_equal(search_date_bound("2013-07-01x", 0, out, sizeof out),
			 -1);
	assert_int_equal(search_date_bound("20130", 0, out, sizeof out), -1);
	assert_int_equal(search_date_bound("", 0, out, sizeof out), -1);
	assert_int_equal(search_date_bound("2013", 0, out, 8), -1);
}

static void test_sort_date(void **state)
{
	struct search_request req;
	struct search_result res;
	size_t i;

	request(&req, NULL);
	req.sort = SEARCH_SORT_DATE;
	req.collapse = 0;
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, N_ARTICLES);
	for (i = 1; i < res.n_hits; i++)
		assert_true(strcmp(res.hits[i - 1].published,
				   res.hits[i].published) <= 0);
	assert_string_equal(res.hits[0].art.url, articles[7].url);
	search_result_free(&res);
	search_request_free(&req);

	request(&req, "diplomacy");
	req.sort = SEARCH_SORT_DATE_DESC;
	run(*state, &req, &res);
	assert_true(res.n_hits >= 3);
	for (i = 1; i < res.n_hits; i++)
		assert_true(strcmp(res.hits[i - 1].published,
				   res.hits[i].published) >= 0);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_facets(void **state)
{
	struct search_request req;
	struct search_result res;
	const struct search_facet *src, *mon, *yr;
	unsigned total = 0;
	size_t i;

	request(&req, NULL);
	req.collapse = 0;
	req.limit = 0;
	req.facets = SEARCH_FACET_BIT(SEARCH_FACET_SOURCE) |
		SEARCH_FACET_BIT(SEARCH_FACET_MONTH) |
		SEARCH_FACET_BIT(SEARCH_FACET_YEAR);
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 0);
	assert_true(res.estimate >= N_ARTICLES); /* test_fresh_revision adds */
	src = &res.facet[SEARCH_FACET_SOURCE];
	assert_true(src->n >= 2);
	/* Most frequent first: Global Times and Xinhua have 2 each. */
	assert_int_equal(src->values[0].count, 2);
	for (i = 0; i < src->n; i++) {
		total += src->values[i].count;
		if (strcmp(src->values[i].value, "Global Times") == 0)
			assert_int_equal(src->values[i].count, 2);
	}
	assert_int_equal(total, N_ARTICLES);
	mon = &res.facet[SEARCH_FACET_MONTH];
	assert_true(mon->n >= 6);
	for (i = 1; i < mon->n; i++) /* timeline: in date order */
		assert_true(strcmp(mon->values[i - 1].value,
				   mon->values[i].value) < 0);
	assert_string_equal(mon->values[0].value, "2011-05");
	yr = &res.facet[SEARCH_FACET_YEAR];
	assert_string_equal(yr->values[0].value, "2011");
	assert_int_equal(res.facet[SEARCH_FACET_SECTION].n, 0);
	assert_true(res.facets & SEARCH_FACET_BIT(SEARCH_FACET_SOURCE));
	assert_false(res.facets & SEARCH_FACET_BIT(SEARCH_FACET_SECTION));
	search_result_free(&res);
	search_request_free(&req);

	assert_int_equal(search_facet_kind("month"), SEARCH_FACET_MONTH);
	assert_int_equal(search_facet_kind("nope"), -1);
	assert_string_equal(search_facet_name(SEARCH_FACET_SECTION), "section");
	assert_null(search_facet_name(SEARCH_N_FACETS));
}

static void test_paging(void **state)
{
	struct search_request req;
	struct search_result a, b;
	size_t i, j;

	request(&req, NULL);
	req.sort = SEARCH_SORT_DATE;
	req.limit = 3;
	run(*state, &req, &a);
	assert_int_equal(a.n_hits, 3);
	req.offset = 3;
	run(*state, &req, &b);
	assert_int_equal(b.n_hits, 3);
	assert_int_equal(b.hits[0].rank, 4);
	for (i = 0; i < a.n_hits; i++)
		for (j = 0; j < b.n_hits; j++)
			assert_int_not_equal(a.hits[i].docid, b.hits[j].docid);
	assert_true(strcmp(a.hits[2].published, b.hits[0].published) <= 0);
	search_result_free(&a);
	search_result_free(&b);
	/* Past the end: no hits, but the count stands. */
	req.offset = 100;
	run(*state, &req, &a);
	assert_int_equal(a.n_hits, 0);
	assert_int_equal(a.estimate, N_DISTINCT);
	search_result_free(&a);
	search_request_free(&req);
}

static void test_collapse(void **state)
{
	struct search_request req;
	struct search_result res;

	request(&req, "\"sister cities\"");
	run(*state, &req, &res); /* collapse is on by default */
	assert_int_equal(res.n_hits, 1);
	assert_int_equal(res.hits[0].collapsed, 1);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_snippet_marks(void **state)
{
	struct search_request req;
	struct search_result res;
	const char *s;

	request(&req, "competition");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	s = res.hits[0].snippet;
	assert_non_null(s);
	assert_non_null(strstr(s, "<mark>competition</mark>"));
	assert_true(strlen(s) <= GZ_DEFAULT_SNIPPET_LEN + 64);
	search_result_free(&res);
	search_request_free(&req);

	/* Stemmed matches are marked too, and stored text is escaped. */
	request(&req, "expectation");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	s = res.hits[0].snippet;
	assert_non_null(s);
	assert_non_null(strstr(s, "&lt;<mark>expectations</mark>&gt;"));
	assert_non_null(strstr(s, "AT&amp;T"));
	search_result_free(&res);
	search_request_free(&req);

	/* No body: the description gives the snippet. */
	request(&req, "forty mayors");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_non_null(res.hits[0].snippet);
	assert_non_null(strstr(res.hits[0].snippet, "<mark>Forty</mark>"));
	search_result_free(&res);
	search_request_free(&req);

	/* snippet 0: none. */
	request(&req, "competition");
	req.snippet_len = 0;
	run(*state, &req, &res);
	assert_null(res.hits[0].snippet);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_like(void **state)
{
	struct search_request req;
	struct search_result res;
	char id[16];
	unsigned docid;

	request(&req, NULL);
	req.like = strdup(articles[0].url);
	run(*state, &req, &res);
	assert_true(res.n_hits >= 1);
	assert_false(has_url(&res, articles[0].url)); /* not itself */
	search_result_free(&res);
	search_request_free(&req);

	/* By document id. */
	request(&req, "competition");
	run(*state, &req, &res);
	docid = res.hits[0].docid;
	search_result_free(&res);
	search_request_free(&req);
	snprintf(id, sizeof id, "%u", docid);
	request(&req, NULL);
	req.like = strdup(id);
	run(*state, &req, &res);
	assert_false(has_url(&res, articles[0].url));
	search_result_free(&res);
	search_request_free(&req);

	request(&req, NULL);
	req.like = strdup("http://nowhere.example/none");
	assert_int_equal(
		search_run(((struct fixture *)*state)->s, &req, &res, NULL),
		GZ_ENOTFOUND);
	search_request_free(&req);
}

static void test_spelling(void **state)
{
	struct search_request req;
	struct search_result res;

	request(&req, "diplomacey");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 0);
	assert_non_null(res.suggestion);
	assert_string_equal(res.suggestion, "diplomacy");
	search_result_free(&res);
	search_request_free(&req);

	request(&req, "diplomacy");
	run(*state, &req, &res);
	assert_null(res.suggestion);
	search_result_free(&res);
	search_request_free(&req);

	/* Numbers are never fuzzed ("2014" is one edit from "2013"). */
	request(&req, "diplomacy 2014");
	run(*state, &req, &res);
	assert_int_equal(res.n_hits, 0);
	assert_null(res.suggestion);
	search_result_free(&res);
	search_request_free(&req);
	request(&req, "diplomacey 2014");
	run(*state, &req, &res);
	assert_null(res.suggestion);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_wildcard(void **state)
{
	struct search_request req;
	struct search_result res;

	request(&req, "diplom*");
	run(*state, &req, &res);
	assert_true(res.n_hits >= 3);
	search_result_free(&res);
	search_request_free(&req);
}

/* A new revision is seen by the next search without reopening by hand. */
static void test_fresh_revision(void **state)
{
	struct fixture *f = *state;
	static const struct fixture_article extra = {
		"http://late.example.com/news/zeppelin.html",
		"Zeppelin returns to the harbour",
		"Late News",
		"World",
		NULL,
		"en",
		"2016-02-02T02:02:02",
		NULL,
		"A zeppelin moored in the harbour for the first time in "
		"decades.",
		"c9"
	};
	struct search_request req;
	struct search_result res;
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	unsigned long rev0;

	request(&req, "zeppelin");
	run(f, &req, &res);
	assert_int_equal(res.n_hits, 0);
	rev0 = res.revision;
	search_result_free(&res);

	open_writer(f->path, &w, &tg);
	put_article(w, tg, &extra);
	assert_int_equal(xsh_wdb_commit(w, NULL), GZ_OK);
	xsh_tg_free(tg);
	xsh_wdb_close(w);

	run(f, &req, &res);
	assert_int_equal(res.n_hits, 1);
	assert_true(res.revision > rev0);
	search_result_free(&res);
	search_request_free(&req);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	struct search_stats st;

	assert_int_equal(searcher_stats(f->s, &st, NULL), GZ_OK);
	assert_true(st.documents >= N_ARTICLES);
	assert_true(st.revision > 0);
	assert_null(st.last_run);
	search_stats_free(&st);
}

static void test_bad_query(void **state)
{
	struct fixture *f = *state;
	struct search_request req;
	struct search_result res;
	char err[GZ_ERRLEN] = "";

	request(&req, "date:yesterday..today");
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_EQUERY);
	assert_true(strncmp(err, "query: ", 7) == 0);
	assert_int_equal(res.n_hits, 0);
	search_request_free(&req);

	request(&req, "date:2013-13..2014");
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_EQUERY);
	search_request_free(&req);
}

/* site: values become hosts; a single lang: is found. */
static void test_rewrite_query(void **state)
{
	static const struct {
		const char *in, *out, *lang;
	} cases[] = {
		{ "site:www.globaltimes.cn city", "site:globaltimes.cn city",
		  "" },
		{ "a site:\"https://WWW.X.com:8080/p\" b", "a site:\"x.com\" b",
		  "" },
		{ "(site:www.x.org OR site:y.org)",
		  "(site:x.org OR site:y.org)", "" },
		{ "website:www.x.org", "website:www.x.org", "" },
		{ "site:", "site:", "" },
		{ "site:\"www.x.org", "site:\"x.org\"", "" },
		{ "lang:fr diplomatie", "lang:fr diplomatie", "fr" },
		{ "lang:fr lang:fr x", "lang:fr lang:fr x", "fr" },
		{ "lang:fr lang:de x", "lang:fr lang:de x", "" },
		{ "city diplomacy NEAR cities", "city ,diplomacy NEAR cities",
		  "" },
		{ "x a near/3 b ADJ c y", "x ,a near/3 ,b ADJ c ,y", "" },
		{ "a NEAR b c", ",a NEAR b ,c", "" },
		{ "near future", "near future", "" },
		{ "\"x NEAR y\" z", "\"x NEAR y\" z", "" },
		{ "\"x y\" NEAR z", "\"x y\" NEAR z", "" },
		{ "(a b) NEAR c d", "(a ,b) NEAR c ,d", "" },
		{ "nearby NEAR/x y", "nearby NEAR/x y", "" },
		{ "2013 NEAR 2014", ",2013 NEAR 2014", "" },
		{ "date:2013 x", "date:2013..2013 x", "" },
		{ "(date:2013-07)", "(date:2013-07..2013-07)", "" },
		{ "date:2013-07-16", "date:2013-07-16..2013-07-16", "" },
		{ "date:2013..2014 date:2013-7 date:",
		  "date:2013..2014 date:2013-7 date:", "" },
		{ "update:2013", "update:2013", "" },
	};
	char lang[16];
	size_t i;
	char *out;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out = search_rewrite_query(cases[i].in, lang, sizeof lang);
		assert_non_null(out);
		assert_string_equal(out, cases[i].out);
		assert_string_equal(lang, cases[i].lang);
		free(out);
	}
}

/* A time limit that has passed gives GZ_ETIMEOUT, never partial results. */
static void test_time_limit(void **state)
{
	struct fixture *f = *state;
	struct search_request req;
	struct search_result res;
	char err[GZ_ERRLEN];
	int rc, seen_timeout = 0, i;

	search_request_init(&req);
	req.q = strdup("");
	req.limit = 100;
	req.snippet_len = GZ_MAX_SNIPPET_LEN;
	req.facets = (1u << SEARCH_N_FACETS) - 1;
	searcher_set_time_limit(f->s, 1);
	for (i = 0; i < 200 && !seen_timeout; i++) {
		rc = search_run(f->s, &req, &res, err);
		assert_true(rc == GZ_OK || rc == GZ_ETIMEOUT);
		if (rc == GZ_ETIMEOUT) {
			seen_timeout = 1;
			assert_int_equal(res.n_hits, 0);
			assert_non_null(strstr(err, "time limit"));
		}
		search_result_free(&res);
	}
	searcher_set_time_limit(f->s, 0);
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_OK);
	search_result_free(&res);
	search_request_free(&req);
	(void)seen_timeout; /* a fast machine may finish within 1 ms */
}

static void test_bounds(void **state)
{
	struct fixture *f = *state;
	struct search_request req;
	struct search_result res;
	char err[GZ_ERRLEN] = "";
	size_t i, off = 0, cap = (GZ_MAX_QUERY_TERMS + 10) * 8;
	char *q;

	request(&req, "city");
	req.limit = GZ_MAX_LIMIT + 1;
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_ETOOBIG);
	assert_non_null(strstr(err, "limit"));
	req.limit = GZ_MAX_LIMIT;
	req.offset = GZ_MAX_RESULTS - GZ_MAX_LIMIT + 1;
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_ETOOBIG);
	assert_non_null(strstr(err, "offset"));
	req.offset = GZ_MAX_RESULTS - GZ_MAX_LIMIT;
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_OK);
	search_result_free(&res);
	req.offset = 0;
	req.snippet_len = GZ_MAX_SNIPPET_LEN + 1;
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_ETOOBIG);
	req.snippet_len = GZ_DEFAULT_SNIPPET_LEN;
	req.from = strdup("last week");
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_EINVAL);
	assert_non_null(strstr(err, "from"));
	search_request_free(&req);

	/* Too many terms. */
	q = malloc(cap);
	assert_non_null(q);
	q[0] = '\0';
	for (i = 0; i < GZ_MAX_QUERY_TERMS + 10; i++)
		off += (size_t)snprintf(q + off, cap - off, "w%zu ", i);
	request(&req, NULL);
	req.q = q;
	assert_int_equal(search_run(f->s, &req, &res, err), GZ_ETOOBIG);
	assert_non_null(strstr(err, "terms"));
	search_request_free(&req);
}

/* Write text into the file name in f's directory; its path into out. */
static void write_stub(struct fixture *f, const char *name, const char *text,
		       char *out, size_t n)
{
	FILE *fp;

	snprintf(out, n, "%s/%s", f->dir, name);
	fp = fopen(out, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* A stub file: its databases searched as one; bad stubs refused; a shard
** that cannot be reached is missing (partial) or fails the search. */
static void test_stub(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		int rc;
	} bad[] = {
		{ "", GZ_EOPEN },
		{ "# only a comment\n", GZ_EOPEN },
		{ "remote :xapian-progsrv /srv/db\n", GZ_EINVAL },
		{ "remote 127.0.0.1\n", GZ_EINVAL },
		{ "remote 127.0.0.1:99999\n", GZ_EINVAL },
		{ "frob index\n", GZ_EINVAL },
		{ "auto\n", GZ_EINVAL },
	};
	struct searcher_options so = { 300, 1 };
	struct search_request req;
	struct search_result res;
	struct searcher *s = NULL;
	char path[512], err[GZ_ERRLEN];
	size_t i;

	write_stub(f, "one.stub", "# the fixture\n\nauto index\n", path,
		   sizeof path);
	assert_int_equal(searcher_open_with(path, &so, &s, err), GZ_OK);
	assert_int_equal(searcher_shard_count(s), 1);
	search_request_init(&req);
	req.limit = 0;
	req.collapse = 0;
	assert_int_equal(search_run(s, &req, &res, err), GZ_OK);
	assert_true(res.estimate >= N_ARTICLES); /* test_fresh_revision adds */
	assert_int_equal(res.partial, 0);
	search_result_free(&res);
	searcher_close(s);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_stub(f, "bad.stub", bad[i].text, path, sizeof path);
		s = NULL;
		assert_int_equal(searcher_open_with(path, &so, &s, err),
				 bad[i].rc);
		assert_null(s);
	}

	/* Nothing listens on port 1: partial, then fail. */
	write_stub(f, "two.stub", "auto index\nremote 127.0.0.1:1\n", path,
		   sizeof path);
	assert_int_equal(searcher_open_with(path, &so, &s, err), GZ_OK);
	assert_int_equal(searcher_shard_count(s), 2);
	assert_int_equal(search_run(s, &req, &res, err), GZ_OK);
	assert_true(res.estimate >= N_ARTICLES); /* test_fresh_revision adds */
	assert_int_equal(res.partial, 1);
	assert_int_equal(res.n_missing, 1);
	assert_string_equal(res.missing[0], "127.0.0.1:1");
	search_result_free(&res);
	so.shard_partial = 0;
	searcher_set_options(s, &so);
	assert_int_equal(search_run(s, &req, &res, err), GZ_ENETWORK);
	assert_non_null(strstr(err, "127.0.0.1:1"));
	assert_int_equal(searcher_reload(s, err), GZ_OK);
	searcher_close(s);

	/* No shard at all answers. */
	write_stub(f, "none.stub", "remote 127.0.0.1:1\n", path, sizeof path);
	s = NULL;
	assert_int_equal(searcher_open_with(path, &so, &s, err), GZ_ENETWORK);
	assert_null(s);
	search_request_free(&req);
}

/* The score of the hit with docid in res, or -1. */
static int score_of(const struct search_result *res, unsigned docid)
{
	size_t i;

	for (i = 0; i < res->n_hits; i++)
		if (res->hits[i].docid == docid)
			return res->hits[i].score;
	return -1;
}

/*
** The request fields from/to over whole days are matched with the
** index's date terms: the same articles as the value range, days at both
** ends included; and (the bug this fixed) scores as without the filter,
** where Xapian 1.4 counted a value range as a matched subquery and gave
** every filtered hit 100%.
*/
static void test_date_fields(void **state)
{
	struct search_request req;
	struct search_result all, some;
	size_t i;

	request(&req, "diplomacy OR cities OR trade");
	req.collapse = 0;
	req.snippet_len = 0;
	run(*state, &req, &all);
	assert_true(all.n_hits >= 5);
	req.from = strdup("2013-07-16"); /* the seed's day, 18:53 */
	req.to = strdup("2014-03-02");   /* both sister cities, 09:00, 10:30 */
	run(*state, &req, &some);
	/* seed, both sister-cities copies, harbour city (2013-12-31) */
	assert_int_equal(some.n_hits, 4);
	assert_true(has_url(&some, articles[0].url));
	assert_true(has_url(&some, articles[1].url));
	assert_true(has_url(&some, articles[2].url));
	assert_true(has_url(&some, articles[4].url));
	for (i = 0; i < some.n_hits; i++)
		assert_int_equal(some.hits[i].score,
				 score_of(&all, some.hits[i].docid));
	assert_true(some.hits[some.n_hits - 1].score < 100);
	search_result_free(&some);
	/* The same in the query language. */
	free(req.from);
	free(req.to);
	req.from = req.to = NULL;
	free(req.q);
	req.q = strdup("(diplomacy OR cities OR trade) "
		       "date:2013-07-16..2014-03-02");
	run(*state, &req, &some);
	assert_int_equal(some.n_hits, 4);
	for (i = 0; i < some.n_hits; i++)
		assert_int_equal(some.hits[i].score,
				 score_of(&all, some.hits[i].docid));
	search_result_free(&some);
	free(req.q);
	req.q = strdup("diplomacy OR cities OR trade");

	/* Whole months and years, and a single day. */
	free(req.from);
	free(req.to);
	req.from = strdup("2013-08");
	req.to = strdup("2014");
	run(*state, &req, &some);
	assert_int_equal(some.n_hits, 3); /* harbour city, sister cities x2 */
	search_result_free(&some);
	free(req.from);
	free(req.to);
	req.from = strdup("2013-12-31");
	req.to = strdup("2013-12-31");
	run(*state, &req, &some);
	assert_int_equal(some.n_hits, 1);
	assert_string_equal(some.hits[0].art.url, articles[4].url);
	search_result_free(&some);

	/* A bound with a time of day is a value range: 18:53 < 19:00. */
	free(req.from);
	free(req.to);
	req.from = strdup("2013-07-16T19:00");
	req.to = strdup("2013-07-16");
	run(*state, &req, &some);
	assert_int_equal(some.n_hits, 0);
	search_result_free(&some);
	/* An empty range. */
	free(req.from);
	req.from = strdup("2014-01-01");
	req.to[0] = '\0';
	free(req.to);
	req.to = strdup("2013-01-01");
	run(*state, &req, &some);
	assert_int_equal(some.n_hits, 0);
	search_result_free(&some);
	search_result_free(&all);
	search_request_free(&req);
}

/* The fields of two results that the pass must give as the matcher did. */
static void assert_same_page(const struct search_result *a,
			     const struct search_result *b)
{
	size_t i;

	assert_int_equal(a->n_hits, b->n_hits);
	for (i = 0; i < a->n_hits; i++) {
		assert_int_equal(a->hits[i].docid, b->hits[i].docid);
		assert_int_equal(a->hits[i].rank, b->hits[i].rank);
		assert_int_equal(a->hits[i].score, b->hits[i].score);
	}
}

/* The facets of two results, value by value. */
static void assert_same_facets(const struct search_result *a,
			       const struct search_result *b)
{
	size_t i;
	int k;

	assert_int_equal(a->facets, b->facets);
	for (k = 0; k < SEARCH_N_FACETS; k++) {
		assert_int_equal(a->facet[k].n, b->facet[k].n);
		for (i = 0; i < a->facet[k].n; i++) {
			assert_string_equal(a->facet[k].values[i].value,
					    b->facet[k].values[i].value);
			assert_int_equal(a->facet[k].values[i].count,
					 b->facet[k].values[i].count);
		}
	}
}

/*
** Facets and date order are served by one pass over the matches with
** per-revision value tables; over a stub (shards) the matcher does it all
** as before.  Both must give the same pages, scores and facets, and the
** pass exact counts: the total once collapsed and each hit's folded
** copies, also when the page is shorter than the matches (the matcher's
** are then estimates and lower bounds).
*/
static void test_pass_same_as_matcher(void **state)
{
	static const char *queries[] = { NULL, "diplomacy", "city OR cities",
					 "harbour OR trade OR diplomacy" };
	static const struct {
		int sort;
		unsigned offset, limit;
		int collapse;
	} pages[] = {
		{ SEARCH_SORT_RELEVANCE, 0, 10, 1 },
		{ SEARCH_SORT_RELEVANCE, 0, 1, 1 },
		{ SEARCH_SORT_RELEVANCE, 1, 2, 0 },
		{ SEARCH_SORT_DATE, 0, 10, 1 },
		{ SEARCH_SORT_DATE, 0, 1, 1 },
		{ SEARCH_SORT_DATE_DESC, 0, 2, 1 },
		{ SEARCH_SORT_DATE_DESC, 1, 2, 1 },
		{ SEARCH_SORT_DATE_DESC, 2, 3, 0 },
		{ SEARCH_SORT_DATE, 0, 0, 1 },
	};
	struct fixture *f = *state;
	struct searcher *stub = NULL;
	struct search_request req;
	struct search_result fast, slow;
	char path[512], err[GZ_ERRLEN];
	size_t qi, pi, i;

	write_stub(f, "same.stub", "auto index\n", path, sizeof path);
	assert_int_equal(searcher_open(path, &stub, err), GZ_OK);
	for (qi = 0; qi < sizeof queries / sizeof queries[0]; qi++)
		for (pi = 0; pi < sizeof pages / sizeof pages[0]; pi++) {
			request(&req, queries[qi]);
			req.sort = pages[pi].sort;
			req.offset = pages[pi].offset;
			req.limit = pages[pi].limit;
			req.collapse = pages[pi].collapse;
			req.snippet_len = 0;
			if (pi % 2 == 0)
				req.facets = (1u << SEARCH_N_FACETS) - 1;
			run(f, &req, &fast);
			assert_int_equal(search_run(stub, &req, &slow, err),
					 GZ_OK);
			assert_same_page(&fast, &slow);
			assert_same_facets(&fast, &slow);
			if (req.facets && req.sort == SEARCH_SORT_RELEVANCE) {
				/* The matcher looked at every match too. */
				assert_int_equal(fast.estimate, slow.estimate);
				for (i = 0; i < fast.n_hits; i++)
					assert_int_equal(
						fast.hits[i].collapsed,
						slow.hits[i].collapsed);
			}
			if (req.facets || req.sort != SEARCH_SORT_RELEVANCE) {
				assert_int_equal(fast.lower, fast.estimate);
				assert_int_equal(fast.upper, fast.estimate);
			}
			search_result_free(&fast);
			search_result_free(&slow);
			search_request_free(&req);
		}
	searcher_close(stub);

	/* Exact counts where the page is short of the matches. */
	request(&req, "diplomacy");
	req.sort = SEARCH_SORT_DATE_DESC;
	req.limit = 1;
	req.snippet_len = 0;
	run(f, &req, &fast);
	/* seed, sister cities (2 copies, one cluster), public diplomacy */
	assert_int_equal(fast.estimate, 3);
	assert_int_equal(fast.n_hits, 1);
	assert_string_equal(fast.hits[0].art.url, articles[2].url);
	assert_int_equal(fast.hits[0].collapsed, 1);
	search_result_free(&fast);
	req.offset = 1;
	run(f, &req, &fast);
	assert_int_equal(fast.n_hits, 1);
	assert_string_equal(fast.hits[0].art.url, articles[0].url);
	assert_int_equal(fast.hits[0].collapsed, 0);
	search_result_free(&fast);
	search_request_free(&req);
}

/* Facet counts follow the index: the tables are rebuilt after a commit. */
static void test_pass_fresh(void **state)
{
	struct fixture *f = *state;
	static const struct fixture_article extra = {
		"http://late.example.com/news/airship.html",
		"Airship lands in the harbour",
		"Late News",
		"World",
		NULL,
		"en",
		"2017-03-03T03:03:03",
		NULL,
		"An airship landed in the harbour city.",
		"c10"
	};
	struct search_request req;
	struct search_result res;
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	unsigned before;
	size_t i;

	request(&req, "harbour");
	req.facets = SEARCH_FACET_BIT(SEARCH_FACET_YEAR);
	req.sort = SEARCH_SORT_DATE_DESC;
	req.snippet_len = 0;
	run(f, &req, &res);
	before = res.estimate;
	for (i = 0; i < res.facet[SEARCH_FACET_YEAR].n; i++)
		assert_string_not_equal(
			res.facet[SEARCH_FACET_YEAR].values[i].value, "2017");
	search_result_free(&res);

	open_writer(f->path, &w, &tg);
	put_article(w, tg, &extra);
	assert_int_equal(xsh_wdb_commit(w, NULL), GZ_OK);
	xsh_tg_free(tg);
	xsh_wdb_close(w);

	run(f, &req, &res);
	assert_int_equal(res.estimate, before + 1);
	assert_string_equal(res.hits[0].art.url, extra.url);
	i = res.facet[SEARCH_FACET_YEAR].n;
	assert_true(i > 0);
	assert_string_equal(res.facet[SEARCH_FACET_YEAR].values[i - 1].value,
			    "2017");
	assert_int_equal(res.facet[SEARCH_FACET_YEAR].values[i - 1].count, 1);
	search_result_free(&res);
	search_request_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_source_field),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_date_range),
		cmocka_unit_test(test_date_open_end),
		cmocka_unit_test(test_date_bound),
		cmocka_unit_test(test_sort_date),
		cmocka_unit_test(test_facets),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_collapse),
		cmocka_unit_test(test_snippet_marks),
		cmocka_unit_test(test_like),
		cmocka_unit_test(test_spelling),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_bad_query),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_rewrite_query),
		cmocka_unit_test(test_time_limit),
		cmocka_unit_test(test_fresh_revision),
		cmocka_unit_test(test_stub),
		cmocka_unit_test(test_date_fields),
		cmocka_unit_test(test_pass_same_as_matcher),
		cmocka_unit_test(test_pass_fresh),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
