/*
** test_snippet.c — snippets of stored text: matches marked, stems through
** the stemmer (and its cache), HTML escaping, the window with the most
** query words, cuts at word boundaries with "…", UTF-8 kept whole, CJK
** bigrams, field terms ignored, no match.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gz_err.h"
#include "snippet.h"

/* A toy stemmer: drops a final "s" and "ations"; counts its calls. */
static long toy_stem(void *ctx, const char *w, size_t len, char *out, size_t n)
{
	int *calls = ctx;

	(*calls)++;
	if (len > 6 && memcmp(w + len - 6, "ations", 6) == 0)
		len -= 6;
	else if (len > 1 && w[len - 1] == 's')
		len--;
	if (len >= n)
		return -1;
	memcpy(out, w, len);
	out[len] = '\0';
	return (long)len;
}

/* A lower-caser for the non-ASCII letters used below (É -> é). */
static long toy_lower(void *ctx, const char *w, size_t len, char *out, size_t n)
{
	size_t i, o = 0;

	(void)ctx;
	for (i = 0; i < len && o + 1 < n; i++) {
		if ((unsigned char)w[i] == 0xc3 && i + 1 < len &&
		    (unsigned char)w[i + 1] == 0x89) {
			out[o++] = (char)0xc3;
			out[o++] = (char)0xa9;
			i++;
		} else {
			out[o++] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32
								     : w[i]);
		}
	}
	out[o] = '\0';
	return (long)o;
}

/* Terms from a NULL-terminated list. */
static struct snippet_terms *terms(const char *const *list)
{
	struct snippet_terms *t = NULL;

	assert_int_equal(snippet_terms_new(&t), GZ_OK);
	for (; *list; list++)
		assert_int_equal(snippet_terms_add(t, *list, strlen(*list)),
				 GZ_OK);
	return t;
}

/* The snippet of text for list, with the toy language. */
static char *snip(const char *const *list, const char *text, size_t length,
		  int flags)
{
	static int calls;
	struct snippet_lang lang = { toy_lower, toy_stem, &calls, 0 };
	struct snippet_terms *t = terms(list);
	char *out = NULL;

	assert_int_equal(snippet_make(t, text, strlen(text), length, &lang,
				      NULL, flags, &out),
			 GZ_OK);
	snippet_terms_free(t);
	assert_non_null(out);
	return out;
}

/* True when s is valid UTF-8. */
static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80    ? 1
			: *p >= 0xf0 ? 4
			: *p >= 0xe0 ? 3
			: *p >= 0xc2 ? 2
				     : 0;

		if (n == 0)
			return 0;
		for (int k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

static void test_exact_stem_escape(void **state)
{
	static const char *const q[] = { "city", "Zexpect", NULL };
	char *s;

	(void)state;
	s = snip(q, "AT&T said <expectations> for the City grew.", 200, 0);
	assert_string_equal(s,
			    "AT&amp;T said &lt;<mark>expectations</mark>&gt; "
			    "for the <mark>City</mark> grew.");
	free(s);
}

static void test_prefixes(void **state)
{
	static int calls;
	struct snippet_lang lang = { toy_lower, toy_stem, &calls, 0 };
	static const char *const q[] = { "trade", NULL };
	static const char text[] = "A diplomat, Diplomacy and trade; "
				   "no diplo here.";
	struct snippet_terms *t = terms(q);
	char *out = NULL;

	(void)state;
	assert_int_equal(snippet_terms_add_prefix(t, "diplom", 6), GZ_OK);
	assert_int_equal(snippet_terms_add_prefix(t, "diplom", 6), GZ_OK);
	assert_int_equal(snippet_terms_add_prefix(t, "", 0), GZ_OK);
	assert_int_equal(snippet_terms_count(t), 2);
	assert_int_equal(
		snippet_make(t, text, strlen(text), 200, &lang, NULL, 0, &out),
		GZ_OK);
	assert_string_equal(out,
			    "A <mark>diplomat</mark>, "
			    "<mark>Diplomacy</mark> and "
			    "<mark>trade</mark>; no diplo here.");
	free(out);
	snippet_terms_free(t);
}

static void test_fields_ignored(void **state)
{
	static const char *const q[] = { "XTcity", "XSglobal times", "ZXTciti",
					 NULL };
	char *s;

	(void)state;
	s = snip(q, "city hall", 200, SNIPPET_EMPTY_WITHOUT_MATCH);
	assert_string_equal(s, "");
	free(s);
	s = snip(q, "city hall", 200, 0);
	assert_string_equal(s, "city hall");
	free(s);
}

static void test_best_window(void **state)
{
	static const char *const q[] = { "trade", "deficit", NULL };
	char text[4096];
	char *s;
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof text - n,
			      "The trade talks began. ");
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "Filler words here and there. ");
	snprintf(text + n, sizeof text - n,
		 "The trade deficit widened again in March. More filler.");
	s = snip(q, text, 60, 0);
	assert_non_null(strstr(s, "<mark>trade</mark> <mark>deficit</mark>"));
	assert_true(strncmp(s, "\xe2\x80\xa6", 3) == 0);
	free(s);
}

static void test_cut_at_words(void **state)
{
	static const char *const q[] = { "harbour", NULL };
	const char *text = "Alpha bravo charlie delta echo foxtrot golf hotel "
			   "india juliet harbour kilo lima mike november oscar "
			   "papa quebec romeo sierra tango";
	char *s, *plain;
	size_t i, o = 0;

	(void)state;
	s = snip(q, text, 40, 0);
	assert_true(strncmp(s, "\xe2\x80\xa6", 3) == 0);
	assert_true(strlen(s) >= 3 &&
		    strcmp(s + strlen(s) - 3, "\xe2\x80\xa6") == 0);
	assert_non_null(strstr(s, "<mark>harbour</mark>"));
	/* Whole words only: what is between the "…" is words of the text. */
	plain = malloc(strlen(s) + 1);
	assert_non_null(plain);
	for (i = 3; i + 3 < strlen(s); i++) {
		if (s[i] == '<') {
			while (s[i] != '>')
				i++;
			continue;
		}
		plain[o++] = s[i];
	}
	plain[o] = '\0';
	assert_non_null(strstr(text, plain));
	assert_true(plain[0] != ' ' && plain[o - 1] != ' ');
	{
		const char *at = strstr(text, plain);

		assert_true(at == text || at[-1] == ' ');
		assert_true(at[o] == ' ' || at[o] == '\0');
	}
	assert_true(o <= 40);
	free(plain);
	free(s);
}

static void test_utf8_whole(void **state)
{
	static const char *const q[] = { "\xc3\xa9t\xc3\xa9", NULL };
	const char *text =
		"\xc3\xa0\xc3\xa0\xc3\xa0\xc3\xa0\xc3\xa0\xc3\xa0"
		"\xc3\xa0\xc3\xa0 \xc3\x89T\xc3\x89 \xe2\x80\x94 "
		"\xc3\xa8\xc3\xa8\xc3\xa8\xc3\xa8\xc3\xa8\xc3\xa8\xc3"
		"\xa8\xc3\xa8\xc3\xa8\xc3\xa8";
	char *s;
	size_t len;

	(void)state;
	for (len = 1; len < 40; len++) {
		s = snip(q, text, len, 0);
		assert_true(utf8_ok(s));
		free(s);
	}
	s = snip(q, text, 200, 0);
	assert_non_null(strstr(s, "<mark>\xc3\x89T\xc3\x89</mark>"));
	free(s);
}

static void test_cjk(void **state)
{
	/* The query 城市 gives its characters and the bigram. */
	static const char *const q[] = { "\xe5\x9f\x8e",
					 "\xe5\x9f\x8e\xe5\xb8\x82",
					 "\xe5\xb8\x82", NULL };
	char *s;

	(void)state;
	s = snip(q,
		 "\xe5\x8c\x97\xe4\xba\xac\xe5\x9f\x8e\xe5\xb8\x82\xe5\xa4"
		 "\x96\xe4\xba\xa4",
		 200, 0);
	assert_string_equal(s,
			    "\xe5\x8c\x97\xe4\xba\xac<mark>\xe5\x9f\x8e\xe5"
			    "\xb8\x82</mark>\xe5\xa4\x96\xe4\xba\xa4");
	assert_true(utf8_ok(s));
	free(s);
}

static void test_no_match(void **state)
{
	static const char *const q[] = { "zebra", NULL };
	char *s;

	(void)state;
	s = snip(q, "Nothing to see here, move along please.", 200,
		 SNIPPET_EMPTY_WITHOUT_MATCH);
	assert_string_equal(s, "");
	free(s);
	s = snip(q, "Nothing to see here, move along please.", 16, 0);
	assert_string_equal(s, "Nothing to see\xe2\x80\xa6");
	free(s);
	s = snip(q, "", 16, 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_cache(void **state)
{
	static const char *const q[] = { "Zbank", NULL };
	struct snippet_terms *t = terms(q);
	struct snippet_cache *c = NULL;
	int calls = 0;
	struct snippet_lang lang = { toy_lower, toy_stem, &calls, 0 };
	const char *text = "banks and banks and more banks";
	char *out = NULL;
	int first;

	(void)state;
	assert_int_equal(snippet_cache_new(&c), GZ_OK);
	assert_int_equal(
		snippet_make(t, text, strlen(text), 200, &lang, c, 0, &out),
		GZ_OK);
	assert_string_equal(out,
			    "<mark>banks</mark> and <mark>banks</mark> and "
			    "more <mark>banks</mark>");
	free(out);
	first = calls;
	assert_true(first <= 3); /* banks, and, more: once each */
	assert_int_equal(
		snippet_make(t, text, strlen(text), 200, &lang, c, 0, &out),
		GZ_OK);
	free(out);
	assert_int_equal(calls, first);
	snippet_cache_free(c);
	snippet_terms_free(t);
	assert_int_equal(snippet_make(NULL, text, 1, 10, NULL, NULL, 0, &out),
			 GZ_EINVAL);
}

/*
** keeps_initial: only words whose first letter starts a stem are stemmed;
** the snippet is the same, words starting with another letter or with a
** non-ASCII one included.
*/
static void test_keeps_initial(void **state)
{
	static const char *const q[] = { "Zbank", "Zrel", NULL };
	struct snippet_terms *t = terms(q);
	int calls = 0, all;
	struct snippet_lang lang = { toy_lower, toy_stem, &calls, 0 };
	const char *text = "Banks and relations, more banks; \xc3\x89tudes "
			   "of Relations.";
	char *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(
		snippet_make(t, text, strlen(text), 200, &lang, NULL, 0, &a),
		GZ_OK);
	all = calls;
	calls = 0;
	lang.keeps_initial = 1;
	assert_int_equal(
		snippet_make(t, text, strlen(text), 200, &lang, NULL, 0, &b),
		GZ_OK);
	assert_string_equal(a, b);
	assert_string_equal(b,
			    "<mark>Banks</mark> and <mark>relations</mark>,"
			    " more <mark>banks</mark>; \xc3\x89tudes of "
			    "<mark>Relations</mark>.");
	/* banks, relations, banks, études, relations: not and/more/of. */
	assert_int_equal(calls, 5);
	assert_true(all > calls);
	free(a);
	free(b);
	snippet_terms_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_stem_escape),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_fields_ignored),
		cmocka_unit_test(test_best_window),
		cmocka_unit_test(test_cut_at_words),
		cmocka_unit_test(test_utf8_whole),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_keeps_initial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
