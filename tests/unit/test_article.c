/*
** test_article.c — the article record and its JSON round trip.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "article.h"
#include "gz_err.h"
#include "gztime.h"

/* Compare two string members that may be NULL. */
static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_string_equal(a, b);
}

/* Assert that every member of a and b is equal. */
static void assert_same_article(const struct article *a,
				const struct article *b, int with_text)
{
	size_t i;

	assert_same_str(a->url, b->url);
	assert_same_str(a->canonical_url, b->canonical_url);
	assert_same_str(a->title, b->title);
	assert_same_str(a->source, b->source);
	assert_same_str(a->section, b->section);
	assert_int_equal(a->n_authors, b->n_authors);
	for (i = 0; i < a->n_authors; i++)
		assert_string_equal(a->authors[i], b->authors[i]);
	assert_same_str(a->language, b->language);
	assert_same_str(a->description, b->description);
	if (with_text)
		assert_same_str(a->text, b->text);
	else
		assert_null(b->text);
	assert_memory_equal(&a->published, &b->published, sizeof a->published);
	assert_memory_equal(&a->modified, &b->modified, sizeof a->modified);
	assert_same_str(a->confidence, b->confidence);
}

/* Serialise a, parse it back and compare. */
static void round_trip(const struct article *a, int with_text)
{
	struct article b;
	char err[GZ_ERRLEN] = "";
	char *json = article_to_json(a, with_text);

	assert_non_null(json);
	article_init(&b);
	if (article_from_json(json, strlen(json), &b, err) != GZ_OK)
		fail_msg("%s: %s", json, err);
	assert_same_article(a, &b, with_text);
	article_free(&b);
	free(json);
}

static void test_init_free(void **state)
{
	struct article a;

	(void)state;
	article_init(&a);
	assert_null(a.title);
	assert_int_equal(a.n_authors, 0);
	article_free(&a);
	article_free(&a); /* safe twice */
}

static void test_add_author(void **state)
{
	struct article a;
	char name[32];
	int i;

	(void)state;
	article_init(&a);
	assert_int_equal(article_add_author(&a, "Jane Doe"), GZ_OK);
	assert_int_equal(article_add_author(&a, "JANE DOE"), GZ_OK);
	assert_int_equal(article_add_author(&a, NULL), GZ_OK);
	assert_int_equal(a.n_authors, 1);
	for (i = 0; i < ARTICLE_MAX_AUTHORS + 5; i++) {
		snprintf(name, sizeof name, "Author %d", i);
		assert_int_equal(article_add_author(&a, name), GZ_OK);
	}
	assert_int_equal(a.n_authors, ARTICLE_MAX_AUTHORS);
	assert_string_equal(a.authors[0], "Jane Doe");
	article_free(&a);
}

static void test_set_and_key(void **state)
{
	struct article a;

	(void)state;
	article_init(&a);
	assert_null(article_key_url(&a));
	assert_int_equal(article_set(&a.url, "http://x.example/a"), GZ_OK);
	assert_string_equal(article_key_url(&a), "http://x.example/a");
	assert_int_equal(article_set(&a.canonical_url, ""), GZ_OK);
	assert_string_equal(article_key_url(&a), "http://x.example/a");
	assert_int_equal(article_set(&a.canonical_url, "http://x.example/c"),
			 GZ_OK);
	assert_string_equal(article_key_url(&a), "http://x.example/c");
	assert_int_equal(article_set(&a.canonical_url, NULL), GZ_OK);
	assert_null(a.canonical_url);
	article_free(&a);
}

static void test_round_trip_full(void **state)
{
	struct article a;

	(void)state;
	article_init(&a);
	article_set(&a.url, "http://www.globaltimes.cn/content/797127.shtml");
	article_set(&a.canonical_url,
		    "http://www.globaltimes.cn/content/797127.shtml");
	article_set(&a.title,
		    "City diplomacy integral to boosting economic, cultural "
		    "exchanges");
	article_set(&a.source, "Global Times");
	article_set(&a.section, "Viewpoint");
	article_add_author(&a, "Xiong Wei");
	article_add_author(&a, "陈雪飞");
	article_set(&a.language, "en");
	article_set(&a.description, "Quotes \"and\" back\\slash\ttab");
	article_set(&a.text,
		    "Editor's Note:\n\nAlong with China's increasing "
		    "involvement...");
	assert_int_equal(gz_time_parse_iso("2013-07-16T18:53:02", &a.published),
			 GZ_OK);
	assert_int_equal(
		gz_time_parse_iso("2013-07-17T08:00:00+08:00", &a.modified),
		GZ_OK);
	article_set(&a.confidence, "published:text");
	round_trip(&a, 1);
	round_trip(&a, 0);
	article_free(&a);
}

static void test_round_trip_sparse(void **state)
{
	struct article a;
	char *json;

	(void)state;
	article_init(&a);
	round_trip(&a, 1);
	/* "" stays "", NULL stays NULL, a date alone stays a date */
	article_set(&a.title, "");
	article_set(&a.text, "");
	assert_int_equal(gz_time_parse_iso("2013-07-16", &a.published), GZ_OK);
	round_trip(&a, 1);
	assert_int_equal(
		gz_time_parse_iso("2013-07-16T10:53:02Z", &a.published), GZ_OK);
	round_trip(&a, 1);
	json = article_to_json(&a, 1);
	assert_non_null(strstr(json, "\"published\":\"2013-07-16T10:53:02Z\""));
	assert_non_null(strstr(json, "\"modified\":\"\""));
	assert_non_null(strstr(json, "\"authors\":[]"));
	assert_null(strstr(json, "\"url\""));
	free(json);
	article_free(&a);
}

/* Bad records and the error each gives. */
static const struct {
	const char *json;
	int rc;
} bad_json[] = {
	{ "", GZ_EPARSE },
	{ "not json", GZ_EPARSE },
	{ "[1,2]", GZ_EPARSE },
	{ "{\"title\": 5}", GZ_EPARSE },
	{ "{\"authors\": \"Jane\"}", GZ_EPARSE },
	{ "{\"authors\": [1]}", GZ_EPARSE },
	{ "{\"published\": \"July 16\"}", GZ_EPARSE },
	{ "{\"published\": 2013}", GZ_EPARSE },
	{ "{\"title\": \"a\", \"title\": \"b\"}", GZ_EPARSE },
	{ "{\"title\": null, \"published\": \"\", \"authors\": null}", GZ_OK },
	{ "{\"extra\": {\"ignored\": true}}", GZ_OK },
};

static void test_from_json_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
		struct article a;
		char err[GZ_ERRLEN] = "";
		int rc;

		article_init(&a);
		rc = article_from_json(bad_json[i].json,
				       strlen(bad_json[i].json), &a, err);
		if (rc != bad_json[i].rc)
			fail_msg("%s: rc %d, want %d", bad_json[i].json, rc,
				 bad_json[i].rc);
		if (rc != GZ_OK)
			assert_true(err[0] != '\0');
		article_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_free),
		cmocka_unit_test(test_add_author),
		cmocka_unit_test(test_set_and_key),
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_round_trip_sparse),
		cmocka_unit_test(test_from_json_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
