/*
** test_index.c — the index writer: new, unchanged and updated articles,
** filter terms and values as schema.h lays them out, gone pages kept,
** and the write lock.
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
	article_set(&a->title, "City diplomacy integral to boosting economic, cultural exchanges");
	article_set(&a->source, "Global Times");
	article_set(&a->section, "Viewpoint");
	article_set(&a->language, "en");
	article_set(&a->text, "Along with China's increasing involvement in the international "
			      "community, city diplomacy has become one of the most important "
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
	char err[GZ_ERRLEN], *data, *value;
	size_t len;
	unsigned docid;

	make_seed(&a);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_put(w, &a, NULL, err), GZ_OK);
	assert_int_equal(index_close(w, err), GZ_OK);

	assert_int_equal(xsh_db_open(f->path, &db, err), GZ_OK);
	assert_int_equal(xsh_db_find_term(db, "Qhttp://www.globaltimes.cn/content/797127.shtml",
					  &docid, err), GZ_OK);
	assert_int_equal(xsh_db_get_data(db, docid, &data, &len, err), GZ_OK);
	article_init(&back);
	assert_int_equal(article_from_json(data, len, &back, err), GZ_OK);
	assert_string_equal(back.title, a.title);
	assert_string_equal(back.source, "Global Times");
	assert_int_equal(back.published.hour, 18);
	free(data);
	assert_int_equal(xsh_db_get_value(db, docid, SLOT_PUBLISHED, &value, &len, err), GZ_OK);
	assert_string_equal(value, "20130716185302");
	free(value);
	assert_int_equal(xsh_db_get_value(db, docid, SLOT_MONTH, &value, &len, err), GZ_OK);
	assert_string_equal(value, "2013-07");
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
	assert_int_equal(index_mark_gone(w, "http://nowhere.example/x", err), GZ_ENOTFOUND);
	assert_int_equal(index_close(w, err), GZ_OK);
	assert_int_equal(count_term(f->path, TERM_GONE), 1);
	assert_int_equal(count_term(f->path, "XSOURCEglobal times"), 1);
	article_free(&a);
}

static void test_second_writer_is_locked_out(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w, *w2 = NULL;
	char err[GZ_ERRLEN];

	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, err), GZ_OK);
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w2, err), GZ_ELOCKED);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_new_unchanged_updated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_record_and_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_page_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_is_locked_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_article_without_url_is_refused, setup, teardown),
		cmocka_unit_test(test_long_url_gets_hashed_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
