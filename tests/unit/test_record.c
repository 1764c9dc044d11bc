/*
** test_record.c — stored records (record.h): a packed record reads back
** as the same JSON, with or without a reader; plain JSON (records written
** before) is read in place; damaged, truncated and oversized records are
** refused, never read past their end.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "article.h"
#include "gz_err.h"
#include "record.h"

static const char *JSON =
	"{\"url\":\"https://www.globaltimes.example/content/1.html\","
	"\"title\":\"City diplomacy\",\"text\":\"The core of city diplomacy "
	"is how to expand a city's influence. The core of city diplomacy is "
	"how to expand a city's influence.\"}";

/* Pack JSON, then read it back through r (may be NULL). */
static void roundtrip(struct record_reader *r, const char *json, size_t len)
{
	char *rec = NULL, *owned = NULL;
	const char *out = NULL;
	size_t rec_len = 0, out_len = 0;

	assert_int_equal(record_pack(json, len, &rec, &rec_len), GZ_OK);
	assert_true(rec_len > RECORD_MAGIC_LEN);
	assert_memory_equal(rec, RECORD_MAGIC, RECORD_MAGIC_LEN);
	assert_int_equal(record_json(r, rec, rec_len, &out, &out_len, &owned),
			 GZ_OK);
	assert_non_null(owned);
	assert_ptr_equal(out, owned);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, json, len);
	assert_int_equal(out[out_len], '\0');
	free(owned);
	free(rec);
}

static void test_roundtrip(void **state)
{
	struct record_reader *r = NULL;
	char *big;
	size_t i, n = 300000;

	(void)state;
	assert_int_equal(record_reader_new(&r), GZ_OK);
	roundtrip(r, JSON, strlen(JSON));
	roundtrip(NULL, JSON, strlen(JSON));
	roundtrip(r, "", 0);
	/* Larger than zstd's block, and again through the same reader. */
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + (i * 7919) % 26);
	roundtrip(r, big, n);
	roundtrip(r, JSON, strlen(JSON));
	free(big);
	record_reader_free(r);
	record_reader_free(NULL);
}

/* Records written before packing: plain JSON, read where it lies. */
static void test_plain_json_in_place(void **state)
{
	const char *out = NULL;
	char *owned = (char *)1;
	size_t out_len = 0;

	(void)state;
	assert_int_equal(
		record_json(NULL, JSON, strlen(JSON), &out, &out_len, &owned),
		GZ_OK);
	assert_ptr_equal(out, JSON);
	assert_int_equal(out_len, strlen(JSON));
	assert_null(owned);
	/* Shorter than the mark. */
	assert_int_equal(record_json(NULL, "{}", 2, &out, &out_len, &owned),
			 GZ_OK);
	assert_memory_equal(out, "{}", 2);
	assert_int_equal(out_len, 2);
	assert_int_equal(record_json(NULL, NULL, 0, &out, &out_len, &owned),
			 GZ_EINVAL);
}

/* Every truncation and a flipped byte in each position: refused or
** read, never a crash (ASan checks the reads). */
static void test_damaged(void **state)
{
	struct record_reader *r = NULL;
	char *rec = NULL, *owned = NULL, *bad;
	const char *out = NULL;
	size_t rec_len = 0, out_len = 0, i;
	int rc;

	(void)state;
	assert_int_equal(record_reader_new(&r), GZ_OK);
	assert_int_equal(record_pack(JSON, strlen(JSON), &rec, &rec_len),
			 GZ_OK);
	for (i = RECORD_MAGIC_LEN; i < rec_len; i++) {
		bad = malloc(i);
		assert_non_null(bad);
		memcpy(bad, rec, i);
		assert_int_equal(record_json(r, bad, i, &out, &out_len, &owned),
				 GZ_EINVAL);
		assert_null(out);
		assert_null(owned);
		free(bad);
	}
	bad = malloc(rec_len);
	assert_non_null(bad);
	for (i = RECORD_MAGIC_LEN; i < rec_len; i++) {
		memcpy(bad, rec, rec_len);
		bad[i] ^= 0x5a;
		rc = record_json(r, bad, rec_len, &out, &out_len, &owned);
		assert_true(rc == GZ_OK || rc == GZ_EINVAL);
		if (rc == GZ_OK)
			assert_true(out_len <= RECORD_MAX_JSON);
		free(owned);
		owned = NULL;
	}
	free(bad);
	free(rec);
	record_reader_free(r);
}

/* A frame that claims more than RECORD_MAX_JSON is refused unread. */
static void test_oversized(void **state)
{
	size_t n = (size_t)RECORD_MAX_JSON + 1, cap, len;
	char *src = calloc(1, n), *rec, *owned = NULL;
	const char *out = NULL;
	size_t out_len = 0;

	(void)state;
	assert_non_null(src);
	cap = ZSTD_compressBound(n);
	rec = malloc(RECORD_MAGIC_LEN + cap);
	assert_non_null(rec);
	memcpy(rec, RECORD_MAGIC, RECORD_MAGIC_LEN);
	len = ZSTD_compress(rec + RECORD_MAGIC_LEN, cap, src, n, 1);
	assert_false(ZSTD_isError(len));
	assert_int_equal(record_json(NULL, rec, RECORD_MAGIC_LEN + len, &out,
				     &out_len, &owned),
			 GZ_EINVAL);
	assert_null(owned);
	free(rec);
	free(src);
}

/* record_article: a packed record and plain JSON give the same article;
** a damaged record is an error, the article left empty. */
static void test_article(void **state)
{
	struct article a;
	char err[GZ_ERRLEN] = "", *rec = NULL;
	size_t rec_len = 0;

	(void)state;
	assert_int_equal(record_pack(JSON, strlen(JSON), &rec, &rec_len),
			 GZ_OK);
	article_init(&a);
	assert_int_equal(record_article(NULL, rec, rec_len, &a, err), GZ_OK);
	assert_string_equal(a.title, "City diplomacy");
	article_free(&a);
	article_init(&a);
	assert_int_equal(record_article(NULL, JSON, strlen(JSON), &a, err),
			 GZ_OK);
	assert_string_equal(a.title, "City diplomacy");
	article_free(&a);
	article_init(&a);
	assert_int_equal(record_article(NULL, rec, rec_len - 1, &a, err),
			 GZ_EINVAL);
	assert_non_null(strstr(err, "stored record"));
	assert_null(a.title);
	article_free(&a);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_plain_json_in_place),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_article),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
