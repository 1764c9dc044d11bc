/*
** test_shard.c — sharded writing (schema.h, docs/sharding.md): shard
** names for each layout, documents routed to their shards and moved when
** their date changes, the stub file read as one database, one lock for the
** whole index, metadata kept in meta, a single-database index refused as
** a sharded one; and index_build / index_put_built used apart (documents
** built in other threads).
*/
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	snprintf(f->dir, sizeof f->dir, "/tmp/gz-shard-test-XXXXXX");
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

/* An article at url, published on year-month-day (year 0: no date). */
static void make(struct article *a, const char *url, int year, int month,
		 int day, const char *words)
{
	article_init(a);
	article_set(&a->url, url);
	article_set(&a->title, words);
	article_set(&a->text, words);
	article_set(&a->language, "en");
	a->published.year = year;
	a->published.month = month;
	a->published.day = day;
}

/* Documents in the database at path (a shard, or the stub's directory). */
static unsigned count_at(const char *path)
{
	struct xsh_db *db = NULL;
	unsigned n = 0;

	assert_int_equal(xsh_db_open(path, &db, NULL), GZ_OK);
	assert_int_equal(xsh_db_doccount(db, &n, NULL), GZ_OK);
	xsh_db_close(db);
	return n;
}

/* Documents of shard name below f's index. */
static unsigned shard_count(const struct fixture *f, const char *name)
{
	char p[160];

	snprintf(p, sizeof p, "%s/%s", f->path, name);
	return count_at(p);
}

static void test_shard_names(void **state)
{
	struct gz_time t = { 0 };
	char out[32], again[32];

	(void)state;
	t.year = 2013;
	t.month = 7;
	t.day = 16;
	index_shard_name("year", 0, &t, "http://a.example/x", out, sizeof out);
	assert_string_equal(out, "2013");
	index_shard_name("month", 0, &t, "http://a.example/x", out, sizeof out);
	assert_string_equal(out, "2013-07");
	index_shard_name("none", 0, &t, "http://a.example/x", out, sizeof out);
	assert_string_equal(out, "");
	t.year = 0;
	index_shard_name("month", 0, &t, "http://a.example/x", out, sizeof out);
	assert_string_equal(out, SHARD_UNDATED);
	/* Host: by the host (no www., no port), stable, within the count. */
	index_shard_name("host", 4, &t, "http://www.a.example:8080/x", out,
			 sizeof out);
	index_shard_name("host", 4, &t, "https://a.example/y", again,
			 sizeof again);
	assert_string_equal(out, again);
	assert_int_equal(strncmp(out, "host-0", 6), 0);
	assert_true(out[6] >= '0' && out[6] <= '3' && out[7] == '\0');
	index_shard_name("host", 200, &t, "http://a.example/", out, sizeof out);
	assert_int_equal(strlen(out), strlen("host-000"));
}

static void test_routed_moved_and_stub(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w = NULL, *w2 = NULL;
	enum index_put_result res;
	struct article a;
	char stub[160], line[256], *val = NULL;
	unsigned n;
	FILE *fp;

	assert_int_equal(
		index_open_layout(f->path, INDEX_NO_SYNC, "year", 0, &w, NULL),
		GZ_OK);
	make(&a, "http://a.example/1", 2013, 7, 16, "city diplomacy");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_NEW);
	article_free(&a);
	make(&a, "http://a.example/2", 2014, 1, 2, "sister cities");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	article_free(&a);
	make(&a, "http://a.example/3", 0, 0, 0, "no date at all");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	article_free(&a);
	assert_int_equal(index_set_meta(w, "gazette.test", "kept", NULL),
			 GZ_OK);
	/* One lock for the whole index. */
	assert_int_equal(index_open_layout(f->path, 0, "year", 0, &w2, NULL),
			 GZ_ELOCKED);
	assert_int_equal(index_open(f->path, 0, &w2, NULL), GZ_ELOCKED);
	assert_int_equal(index_commit(w, NULL), GZ_OK);
	assert_int_equal(index_doccount(w, &n, NULL), GZ_OK);
	assert_int_equal(n, 3);
	assert_int_equal(shard_count(f, "2013"), 1);
	assert_int_equal(shard_count(f, "2014"), 1);
	assert_int_equal(shard_count(f, SHARD_UNDATED), 1);
	assert_int_equal(shard_count(f, SHARD_META), 0);
	/* The stub: meta first, then the shards in name order. */
	snprintf(stub, sizeof stub, "%s/%s", f->path, SHARD_STUB);
	fp = fopen(stub, "r");
	assert_non_null(fp);
	line[0] = '\0';
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "auto meta\n");
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "auto 2013\n");
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "auto 2014\n");
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "auto undated\n");
	assert_null(fgets(line, sizeof line, fp));
	fclose(fp);
	assert_int_equal(count_at(f->path), 3);
	assert_int_equal(count_at(stub), 3);

	/* Same content: unchanged.  A new date: moved to its year. */
	make(&a, "http://a.example/1", 2013, 7, 16, "city diplomacy");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_UNCHANGED);
	a.published.year = 2014;
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_UPDATED);
	article_free(&a);
	/* Gone pages are found in whatever shard holds them. */
	assert_int_equal(index_mark_gone(w, "http://a.example/3", NULL), GZ_OK);
	assert_int_equal(index_close(w, NULL), GZ_OK);
	assert_int_equal(shard_count(f, "2013"), 0);
	assert_int_equal(shard_count(f, "2014"), 2);
	assert_int_equal(count_at(f->path), 3);

	/* Reopened without a layout: it keeps its own, metadata in meta. */
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, NULL), GZ_OK);
	assert_string_equal(index_layout(w, NULL), "year");
	assert_int_equal(index_get_meta(w, "gazette.test", &val, NULL), GZ_OK);
	assert_string_equal(val, "kept");
	free(val);
	val = NULL;
	assert_int_equal(index_get_meta(w, META_SHARD_BY, &val, NULL), GZ_OK);
	assert_string_equal(val, "year");
	free(val);
	assert_int_equal(index_close(w, NULL), GZ_OK);
}

static void test_single_index_not_resharded(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w = NULL;
	char *val = NULL;

	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, NULL), GZ_OK);
	assert_string_equal(index_layout(w, NULL), "none");
	assert_int_equal(index_get_meta(w, META_STEM, &val, NULL), GZ_OK);
	assert_string_equal(val, "some");
	free(val);
	assert_int_equal(index_close(w, NULL), GZ_OK);
	assert_int_equal(index_open_layout(f->path, 0, "month", 0, &w, NULL),
			 GZ_ECONFIG);
	assert_int_equal(index_open_layout(f->path, 0, "decade", 0, &w, NULL),
			 GZ_ECONFIG);
	assert_int_equal(index_open_layout(f->path, 0, "host", 0, &w, NULL),
			 GZ_ECONFIG);
}

/* Build a batch of documents in a thread of its own. */
struct build_job {
	int first;                     /* first article number */
	int n;                         /* articles */
	struct index_built *built[16]; /* out */
	int rc;                        /* first error */
};

static void *build_thread(void *arg)
{
	struct build_job *j = arg;
	struct index_builder *b = NULL;
	char url[64], words[64];
	int i;

	j->rc = index_builder_new(&b, NULL);
	for (i = 0; i < j->n && !j->rc; i++) {
		struct article a;

		snprintf(url, sizeof url, "http://b.example/%d", j->first + i);
		snprintf(words, sizeof words, "story number w%d about harbours",
			 j->first + i);
		make(&a, url, 2015, 3, 1 + i, words);
		j->rc = index_build(b, &a, &j->built[i], NULL);
		article_free(&a);
	}
	index_builder_free(b);
	return NULL;
}

static void test_build_in_threads_put_in_order(void **state)
{
	struct fixture *f = *state;
	struct build_job jobs[2];
	pthread_t th[2];
	struct index_writer *w = NULL;
	enum index_put_result res;
	unsigned n;
	int i, k;

	memset(jobs, 0, sizeof jobs);
	for (k = 0; k < 2; k++) {
		jobs[k].first = k * 16;
		jobs[k].n = 16;
		assert_int_equal(
			pthread_create(&th[k], NULL, build_thread, &jobs[k]),
			0);
	}
	for (k = 0; k < 2; k++) {
		pthread_join(th[k], NULL);
		assert_int_equal(jobs[k].rc, GZ_OK);
	}
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, NULL), GZ_OK);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 16; i++) {
			assert_non_null(index_built_key(jobs[k].built[i]));
			assert_int_equal(index_put_built(w, jobs[k].built[i],
							 &res, NULL),
					 GZ_OK);
			assert_int_equal(res, INDEX_NEW);
			index_built_free(jobs[k].built[i]);
		}
	assert_int_equal(index_doccount(w, &n, NULL), GZ_OK);
	assert_int_equal(n, 32);
	assert_int_equal(index_close(w, NULL), GZ_OK);
}

/*
** Layout "id": documents spread by a hash of their key URL, written by
** one thread per shard.  New, unchanged, updated and exact duplicates are
** told apart across shards within one batch and after a commit, and a
** re-opened index finds what the last run wrote.
*/
static void test_id_layout_parallel_writers(void **state)
{
	struct fixture *f = *state;
	struct index_writer *w = NULL;
	enum index_put_result res;
	struct article a;
	char url[64], words[96], name[32], again[32];
	unsigned n, c0, c1;
	int i, round;

	index_shard_name("id", 2, NULL, "http://c.example/1", name,
			 sizeof name);
	index_shard_name("id", 2, NULL, "http://c.example/1", again,
			 sizeof again);
	assert_string_equal(name, again);
	assert_int_equal(strncmp(name, SHARD_PART_PREFIX "0", 6), 0);
	assert_int_equal(
		index_open_layout(f->path, INDEX_NO_SYNC, "id", 2, &w, NULL),
		GZ_OK);
	assert_string_equal(index_layout(w, &n), "id");
	assert_int_equal(n, 2);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 200; i++) {
			snprintf(url, sizeof url, "http://c.example/%d", i);
			snprintf(words, sizeof words,
				 "report w%d on harbour trade", i);
			make(&a, url, 2015, 1 + i % 12, 1, words);
			assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
			assert_int_equal(res,
					 round ? INDEX_UNCHANGED : INDEX_NEW);
			article_free(&a);
		}
		/* Same content under a new URL: a duplicate, whatever its shard. */
		for (i = 0; i < 20; i++) {
			snprintf(url, sizeof url, "http://copy.example/%d", i);
			snprintf(words, sizeof words,
				 "report w%d on harbour trade", i);
			make(&a, url, 2015, 1 + i % 12, 1, words);
			assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
			assert_int_equal(res, INDEX_DUPLICATE);
			article_free(&a);
		}
		if (round == 0)
			assert_int_equal(index_commit(w, NULL), GZ_OK);
	}
	/* Changed content: updated, in place. */
	make(&a, "http://c.example/7", 2015, 8, 1, "a corrected report");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_UPDATED);
	article_free(&a);
	assert_int_equal(index_mark_gone(w, "http://c.example/8", NULL), GZ_OK);
	assert_int_equal(index_doccount(w, &n, NULL), GZ_OK);
	assert_int_equal(n, 200);
	assert_int_equal(index_close(w, NULL), GZ_OK);
	c0 = shard_count(f, SHARD_PART_PREFIX "00");
	c1 = shard_count(f, SHARD_PART_PREFIX "01");
	assert_int_equal(c0 + c1, 200);
	assert_true(c0 > 50 && c1 > 50);
	assert_int_equal(count_at(f->path), 200);

	/* A new run: the map is empty, the databases answer. */
	assert_int_equal(index_open(f->path, INDEX_NO_SYNC, &w, NULL), GZ_OK);
	assert_string_equal(index_layout(w, NULL), "id");
	make(&a, "http://c.example/7", 2015, 8, 1, "a corrected report");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_UNCHANGED);
	article_free(&a);
	make(&a, "http://c.example/8", 2015, 9, 1,
	     "report w8 on harbour trade");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_UPDATED); /* clears the gone mark */
	article_free(&a);
	make(&a, "http://other.example/9", 2015, 10, 1,
	     "report w9 on harbour trade");
	assert_int_equal(index_put(w, &a, &res, NULL), GZ_OK);
	assert_int_equal(res, INDEX_DUPLICATE);
	article_free(&a);
	assert_int_equal(index_close(w, NULL), GZ_OK);
	assert_int_equal(count_at(f->path), 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_names),
		cmocka_unit_test_setup_teardown(test_routed_moved_and_stub,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_index_not_resharded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_build_in_threads_put_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_layout_parallel_writers,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
