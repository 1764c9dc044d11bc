/*
** test_index.c — the index writer: new, unchanged and updated articles,
** filter terms and values as schema.h lays them out, gone pages kept,
** the write lock, the crawler's per-URL state, exact duplicates and
** near-duplicate collapse keys.
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
#include "index.h"
#include "record.h"
#include "schema.h"
#include "xsh.h"

struct fixture {
	char dir[64];  /* temporary directory */
	char path[96]; /* index path inside it */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/gz-index-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/index", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* The seed article as the extractor gives it. */
static void make_seed(struct article *a)
{
	article_init(a);
	article_set(&a->url, "http://www.globaltimes.cn/content/797127.shtml");
	article_set(&a->title,
		    "City diplomacy integral to boosting economic, cultural "
		    "exchanges");
	article_set(&a->source, "Global Times");
	article_set(&a->section, "Viewpoint");
	article_set(&a->language, "en");
	article_set(&a->text,
		    "Along with China's increasing involvement in the "
		    "international "
		    "community, city diplomacy has become one of the most "
		    "important "
		    "elements.\n\nSister cities matter.");
	article_add_author(a, "Xiong Wei");
	a->published.year = 2013;
	a->published.month = 7;
	a->published.day = 16;
	a->published.hour = 18;
	a->published.min = 53;
	a->published.sec = 2;
	a->published.has_time = 1;
}

static unsigned count_term(const char *path, const char *term)
{
	struct xsh_db *db;
	unsigned n = 0;

	assert_int_equal(xsh_db_open(path, &db, NULL), GZ_OK);
	assert_int_equal(xsh_db_termfreq(db, term, &n, NULL), GZ_OK);
	xsh_db_close(db);
	return n;
}

static void test_put_new_unchanged_updated(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	enum index_put_result res;
	struct article a;
	char err[GZ_ERRLEN];
	unsigned n;

	make_seed(&a);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_NEW);
	assert_int_equal(index_put(w, &a, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_UNCHANGED);
	article_set(&a.text, "A corrected text about city diplomacy.");
	assert_int_equal(index_put(w, &a, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_UPDATED);
	assert_int_equal(index_doccount(w, &n, err), GZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(index_close(w, err), GZ_OK);

	assert_int_equal(count_term(f->path, "XSOURCEglobal times"), 1);
	assert_int_equal(count_term(f->path, "XSECTIONviewpoint"), 1);
	assert_int_equal(count_term(f->path, "Axiong wei"), 1);
	assert_int_equal(count_term(f->path, "Hglobaltimes.cn"), 1);
	assert_int_equal(count_term(f->path, "Len"), 1);
	assert_int_equal(count_term(f->path, "D20130716"), 1);
	assert_int_equal(count_term(f->path, "M201307"), 1);
	assert_int_equal(count_term(f->path, "Y2013"), 1);
	assert_int_equal(count_term(f->path, "Scity"), 1);
	assert_int_equal(count_term(f->path, "corrected"), 1);
	article_free(&a);
}

static void test_stored_record_and_values(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	struct article a, back;
	struct xsh_db *db;
	char err[GZ_ERRLEN], *data, *value, *owned = NULL;
	const char *json = NULL;
	size_t jlen = 0;
	size_t len;
	unsigned docid;

	make_seed(&a);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, NULL, err), GZ_OK);
	assert_int_equal(index_close(w, err), GZ_OK);

	assert_int_equal(xsh_db_open(f->path, &db, err), GZ_OK);
	assert_int_equal(
		xsh_db_find_term(
			db, "Qhttp://www.globaltimes.cn/content/797127.shtml",
			&docid, err),
		GZ_OK);
	assert_int_equal(xsh_db_get_data(db, docid, &data, &len, err), GZ_OK);
	/* Stored packed (record.h), and read back as the article's JSON. */
	assert_true(len > RECORD_MAGIC_LEN);
	assert_memory_equal(data, RECORD_MAGIC, RECORD_MAGIC_LEN);
	assert_int_equal(record_json(NULL, data, len, &json, &jlen, &owned),
			 GZ_OK);
	assert_non_null(owned);
	article_init(&back);
	assert_int_equal(article_from_json(json, jlen, &back, err), GZ_OK);
	assert_string_equal(back.title, a.title);
	assert_string_equal(back.source, "Global Times");
	assert_int_equal(back.published.hour, 18);
	assert_non_null(strstr(json, "\"text\":\"Along with China's"));
	free(owned);
	free(data);
	assert_int_equal(
		xsh_db_get_value(db, docid, SLOT_PUBLISHED, &value, &len, err),
		GZ_OK);
	assert_string_equal(value, "20130716185302");
	free(value);
	assert_int_equal(
		xsh_db_get_value(db, docid, SLOT_MONTH, &value, &len, err),
		GZ_OK);
	assert_string_equal(value, "2013-07");
	free(value);
	/* The near-duplicate cluster: a value, and the same key as a term. */
	assert_int_equal(
		xsh_db_get_value(db, docid, SLOT_COLLAPSE, &value, &len, err),
		GZ_OK);
	assert_true(len > 0);
	{
		char term[80];
		unsigned found = 0;

		snprintf(term, sizeof term, "%s%s", PFX_CLUSTER, value);
		assert_int_equal(xsh_db_find_term(db, term, &found, err),
				 GZ_OK);
		assert_int_equal(found, docid);
	}
	free(value);
	xsh_db_close(db);
	article_free(&back);
	article_free(&a);
}

static void test_gone_page_is_kept(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	struct article a;
	char err[GZ_ERRLEN];

	make_seed(&a);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, NULL, err), GZ_OK);
	assert_int_equal(index_mark_gone(w, a.url, err), GZ_OK);
	assert_int_equal(index_mark_gone(w, "http://nowhere.example/x", err),
			 GZ_ENOTFOUND);
	assert_int_equal(index_close(w, err), GZ_OK);
	assert_int_equal(count_term(f->path, TERM_GONE), 1);
	assert_int_equal(count_term(f->path, "XSOURCEglobal times"), 1);
	/* Rebuilt as gone, it keeps its cluster term. */
	{
		struct xsh_db *db;
		unsigned docid = 0;
		char *key = NULL, term[80];
		size_t len = 0;

		assert_int_equal(xsh_db_open(f->path, &db, err), GZ_OK);
		snprintf(term, sizeof term, "%s%s", PFX_ID, a.url);
		assert_int_equal(xsh_db_find_term(db, term, &docid, err),
				 GZ_OK);
		assert_int_equal(xsh_db_get_value(db, docid, SLOT_COLLAPSE,
						  &key, &len, err),
				 GZ_OK);
		xsh_db_close(db);
		assert_true(len > 0);
		snprintf(term, sizeof term, "%s%s", PFX_CLUSTER, key);
		free(key);
		assert_int_equal(count_term(f->path, term), 1);
	}
	article_free(&a);
}

static void test_second_writer_is_locked_out(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w, *w2 = NULL;
	char err[GZ_ERRLEN];

	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w2, err),
			 GZ_ELOCKED);
	assert_null(w2);
	assert_int_equal(index_close(w, err), GZ_OK);
}

static void test_article_without_url_is_refused(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	struct article a;
	char err[GZ_ERRLEN];

	article_init(&a);
	article_set(&a.title, "No address");
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, NULL, err), GZ_EINVAL);
	assert_int_equal(index_close(w, err), GZ_OK);
	article_free(&a);
}

static void test_long_url_gets_hashed_id(void **state)
{
	char url[600], term[300];

	(void)state;
	memset(url, 'a', sizeof url - 1);
	memcpy(url, "http://x/", 9);
	url[sizeof url - 1] = '\0';
	assert_int_equal(schema_idterm(url, term, sizeof term), 0);
	assert_true(strlen(term) < 245);
	assert_memory_equal(term, "Q#", 2);
	assert_int_equal(schema_idterm("", term, sizeof term), -1);
}

/* Value slot of the document with id term idterm, from a reader. */
static char *doc_value(const char *path, const char *idterm, unsigned slot)
{
	struct xsh_db *db;
	unsigned docid;
	char *v = NULL;

	assert_int_equal(xsh_db_open(path, &db, NULL), GZ_OK);
	assert_int_equal(xsh_db_find_term(db, idterm, &docid, NULL), GZ_OK);
	assert_int_equal(xsh_db_get_value(db, docid, slot, &v, NULL, NULL),
			 GZ_OK);
	xsh_db_close(db);
	return v;
}

static void test_gone_date_kept_and_cleared(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	enum index_put_result res;
	struct article a;
	char err[GZ_ERRLEN], id[300];
	char *v;
	int changed = -1;

	make_seed(&a);
	schema_idterm(a.url, id, sizeof id);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, NULL, err), GZ_OK);
	/* 2014-11-20T12:00:00Z */
	assert_int_equal(
		index_mark_gone_at(w, a.url, 1416484800, &changed, err), GZ_OK);
	assert_int_equal(changed, 1);
	/* A second 404 later keeps the first date and writes nothing. */
	assert_int_equal(
		index_mark_gone_at(w, a.url, 1500000000, &changed, err), GZ_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(index_commit(w, err), GZ_OK);
	v = doc_value(f->path, id, SLOT_GONE);
	assert_string_equal(v, "20141120");
	free(v);
	assert_int_equal(count_term(f->path, TERM_GONE), 1);
	/* The page comes back with the same content: no longer gone. */
	assert_int_equal(index_put(w, &a, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_UPDATED);
	assert_int_equal(index_close(w, err), GZ_OK);
	assert_int_equal(count_term(f->path, TERM_GONE), 0);
	v = doc_value(f->path, id, SLOT_GONE);
	assert_string_equal(v, "");
	free(v);
	article_free(&a);
}

static void test_url_state_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	struct index_url_state s, back;
	char err[GZ_ERRLEN];
	const char *url = "http://example.com/news/a.html";
	char *text;

	index_url_state_init(&s);
	index_url_state_init(&back);
	s.fetched = 1700000000;
	s.status = 200;
	s.failures = 0;
	s.gone = 0;
	memcpy(s.body_hash, "0123456789abcdef", 17);
	s.etag = strdup("\"abc\"");
	s.last_modified = strdup("Sat, 28 Nov 2026 13:37:21 GMT");
	s.doc_url = strdup("http://example.com/news/a");

	text = index_url_state_format(url, &s);
	assert_non_null(text);
	assert_int_equal(index_url_state_parse(text, url, &back, err), GZ_OK);
	assert_string_equal(back.etag, "\"abc\"");
	assert_int_equal(
		index_url_state_parse(text, "http://other/", &back, err),
		GZ_ENOTFOUND);
	assert_int_equal(index_url_state_parse("v2\tx", NULL, &back, err),
			 GZ_EPARSE);
	assert_int_equal(index_url_state_parse("v1\tu\tx\t1\t1\t1\t\t\t\t",
					       NULL, &back, err),
			 GZ_EPARSE);
	free(text);

	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_url_state_get(w, url, &back, err), GZ_ENOTFOUND);
	assert_int_equal(index_url_state_put(w, url, &s, err), GZ_OK);
	assert_int_equal(index_close(w, err), GZ_OK);

	/* Committed with the index: a new writer reads it back. */
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_url_state_get(w, url, &back, err), GZ_OK);
	assert_int_equal(back.fetched, 1700000000);
	assert_int_equal(back.status, 200);
	assert_string_equal(back.body_hash, "0123456789abcdef");
	assert_string_equal(back.etag, "\"abc\"");
	assert_string_equal(back.last_modified,
			    "Sat, 28 Nov 2026 13:37:21 GMT");
	assert_string_equal(back.doc_url, "http://example.com/news/a");
	/* A value with a line break is stored as absent, never injected. */
	free(s.etag);
	s.etag = strdup("\"x\"\r\nX-Evil: 1");
	s.failures = 3;
	assert_int_equal(index_url_state_put(w, url, &s, err), GZ_OK);
	assert_int_equal(index_url_state_get(w, url, &back, err), GZ_OK);
	assert_null(back.etag);
	assert_int_equal(back.failures, 3);
	assert_int_equal(index_close(w, err), GZ_OK);
	index_url_state_free(&s);
	index_url_state_free(&back);
}

static void test_exact_duplicate_not_added(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	enum index_put_result res;
	struct article a, b;
	char err[GZ_ERRLEN];
	unsigned n;

	make_seed(&a);
	make_seed(&b);
	article_set(&b.url, "http://mirror.example/797127.html");
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_NEW);
	assert_int_equal(index_put(w, &b, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_DUPLICATE);
	/* Different content under the second URL is a document of its own. */
	article_set(&b.title, "Another headline");
	assert_int_equal(index_put(w, &b, &res, err), GZ_OK);
	assert_int_equal(res, INDEX_NEW);
	assert_int_equal(index_doccount(w, &n, err), GZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(index_close(w, err), GZ_OK);
	article_free(&a);
	article_free(&b);
}

static void test_near_duplicates_share_collapse_key(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w;
	struct article a, b, c;
	char err[GZ_ERRLEN], ida[300], idb[300], idc[300];
	char *ka, *kb, *kc, *sa, *sb;
	static const char body[] =
		"Trade ministers from eleven Pacific Rim economies agreed on "
		"Thursday to phase out tariffs on most farm goods over the "
		"next "
		"eight years, in a deal officials described as the most "
		"significant step on agricultural trade in the region for a "
		"decade. The agreement, reached after two days of talks, "
		"covers "
		"grains, dairy, fresh fruit and processed meat. Tariffs on "
		"about "
		"80 percent of those products will fall to zero by 2022, with "
		"longer transition periods for rice and sugar, which several "
		"governments consider politically sensitive. Farm lobby groups "
		"in exporting countries welcomed the deal.";

	make_seed(&a);
	make_seed(&b);
	make_seed(&c);
	article_set(&a.url, "http://harbour.example/2014/11/20/tariffs.html");
	article_set(&a.title, "Trade ministers agree to phase out tariffs");
	article_set(&a.text, body);
	article_set(&b.url, "http://meridian.example/business/tariffs.html");
	article_set(&b.title,
		    "Pacific Rim ministers agree to cut farm tariffs");
	article_set(&b.source, "Meridian Daily");
	article_set(&b.text, body);
	article_set(
		&b.text,
		"Trade ministers from eleven Pacific Rim economies agreed on "
		"Thursday to phase out tariffs on most farm goods over the "
		"next "
		"eight years, in a deal officials called the most "
		"significant step on agricultural trade in the region for a "
		"decade. The agreement, reached after two days of talks, "
		"covers "
		"grains, dairy, fresh fruit and processed meat. Tariffs on "
		"about "
		"80 percent of those products will fall to zero by 2022, with "
		"longer transition periods for rice and sugar, which several "
		"governments consider politically sensitive. Farm lobby groups "
		"in exporting countries welcomed the deal.");
	schema_idterm(a.url, ida, sizeof ida);
	schema_idterm(b.url, idb, sizeof idb);
	schema_idterm(c.url, idc, sizeof idc);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, NULL, err), GZ_OK);
	assert_int_equal(index_put(w, &b, NULL, err), GZ_OK);
	assert_int_equal(index_put(w, &c, NULL, err), GZ_OK);
	assert_int_equal(index_close(w, err), GZ_OK);
	ka = doc_value(f->path, ida, SLOT_COLLAPSE);
	kb = doc_value(f->path, idb, SLOT_COLLAPSE);
	kc = doc_value(f->path, idc, SLOT_COLLAPSE);
	sa = doc_value(f->path, ida, SLOT_SIMHASH);
	sb = doc_value(f->path, idb, SLOT_SIMHASH);
	assert_int_equal(strlen(ka), 16);
	assert_string_equal(ka, kb);     /* the wire copy folds into a */
	assert_string_equal(ka, sa);     /* a started the cluster */
	assert_string_not_equal(sa, sb); /* though the texts differ */
	assert_string_not_equal(ka, kc); /* a different story does not */
	free(ka);
	free(kb);
	free(kc);
	free(sa);
	free(sb);
	article_free(&a);
	article_free(&b);
	article_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_new_unchanged_updated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_record_and_values,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_page_is_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_second_writer_is_locked_out, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_article_without_url_is_refused, setup, teardown),
		cmocka_unit_test(test_long_url_gets_hashed_id),
		cmocka_unit_test_setup_teardown(test_gone_date_kept_and_cleared,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_state_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exact_duplicate_not_added,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_near_duplicates_share_collapse_key, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
