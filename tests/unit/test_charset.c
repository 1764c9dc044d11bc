/*
** test_charset.c — page bytes to UTF-8: BOMs, HTTP and <meta>
** declarations, legacy encodings, lying declarations, NUL bytes.
**
** Legacy-encoded inputs are made here from UTF-8 text with iconv, so that
** the table stays readable; each row says how the page is encoded, what it
** declares (HTTP header and/or <meta>) and what must come out.
*/
#define _GNU_SOURCE /* memmem */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "charset.h"
#include "article.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"

/* Encode UTF-8 s into charset cs (iconv name) into out.  0 on success. */
static int encode(const char *s, const char *cs, struct buf *out)
{
	iconv_t cd = iconv_open(cs, "UTF-8");
	char *in = (char *)s, *o;
	size_t inl = strlen(s), ol;

	if (cd == (iconv_t)-1)
		return -1;
	buf_grow(out, inl * 4 + 16);
	o = out->ptr + out->len;
	ol = out->cap - out->len - 1;
	if (iconv(cd, &in, &inl, &o, &ol) == (size_t)-1) {
		iconv_close(cd);
		return -1;
	}
	out->len = (size_t)(o - out->ptr);
	out->ptr[out->len] = '\0';
	iconv_close(cd);
	return 0;
}

/* Chinese, Japanese, Korean and Western sample bodies (UTF-8). */
#define ZH_S                                                                                                     \
	"港务局周二投票决定将北码头延长二百米，这一项目已讨论了近十年，"          \
	"支持者说它将为本镇带来更大的船只和更多的就业机会。我们的城市是一个有" \
	"历史的地方，人们在这里生活了几百年。"
#define ZH_T                                                                                                     \
	"港務局週二投票決定將北碼頭延長二百米，這一項目已討論了近十年，"          \
	"支持者說它將為本鎮帶來更大的船隻和更多的就業機會。我們的城市是一個有" \
	"歷史的地方，人們在這裡生活了幾百年。"
#define JA                                                                                                       \
	"港湾局は火曜日に北の岸壁を二百メートル延長することを決めました。"       \
	"この計画は十年近く議論されてきたもので、支持者はより大きな船と雇用を" \
	"町にもたらすと言っています。"
#define KO                                                                                            \
	"항만청은 화요일에 북쪽 부두를 이백 미터 연장하기로 결정했다. 이 " \
	"계획은 거의 십 년 동안 논의되어 왔으며 지지자들은 더 큰 배와 "      \
	"일자리를 "                                                                               \
	"가져올 것이라고 말한다."
#define LATIN                                                             \
	"Caf\xC3\xA9 owners na\xC3\xAFve \xE2\x80\x9Cquoted\xE2\x80\x9D " \
	"d\xC3\xA9j\xC3\xA0 vu, \xC3\xBC\xC3\xB6\xC3\xA4 \xC3\x9F."
#define PL                                                               \
	"Za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 g\xC4\x99\xC5\x9Bl\xC4\x85 " \
	"ja\xC5\xBA\xC5\x84."

struct cs_case {
	const char *name;      /* row name */
	const char *body;      /* text of the page, UTF-8 */
	const char *encode_as; /* iconv name the bytes are written in */
	const char *http;      /* Content-Type header, or NULL */
	const char *meta;      /* <meta charset> value, or NULL */
	const char *want_name; /* charset_result.name expected */
	int guessed;           /* 1 when the declaration must be overruled */
};

static const struct cs_case cs_cases[] = {
	{ "utf8-undeclared", ZH_S, "UTF-8", NULL, NULL, "utf-8", 0 },
	{ "utf8-meta", JA, "UTF-8", NULL, "utf-8", "utf-8", 0 },
	{ "gbk-meta", ZH_S, "GBK", NULL, "gbk", "gb18030", 0 },
	{ "gb2312-http", ZH_S, "GB2312", "text/html; charset=GB2312", NULL,
	  "gb18030", 0 },
	{ "gb18030-meta", ZH_S, "GB18030", NULL, "gb18030", "gb18030", 0 },
	{ "big5-meta", ZH_T, "BIG5", NULL, "big5", "big5-hkscs", 0 },
	{ "sjis-meta", JA, "SHIFT_JIS", NULL, "shift_jis", "cp932", 0 },
	{ "eucjp-meta", JA, "EUC-JP", NULL, "euc-jp", "euc-jp", 0 },
	{ "euckr-meta", KO, "EUC-KR", NULL, "euc-kr", "cp949", 0 },
	{ "cp1252-meta", LATIN, "WINDOWS-1252", NULL, "windows-1252",
	  "windows-1252", 0 },
	{ "latin1-http", "Caf\xC3\xA9 cr\xC3\xA8me", "ISO-8859-1",
	  "text/html; charset=iso-8859-1", NULL, "windows-1252", 0 },
	{ "latin2-meta", PL, "ISO-8859-2", NULL, "iso-8859-2", "iso-8859-2",
	  0 },
	{ "http-beats-meta", ZH_S, "GBK", "text/html;charset=gbk", "utf-8",
	  "gb18030", 0 },
	/* lies and silence */
	{ "utf8-says-gbk", ZH_S, "GBK", NULL, "utf-8", "gb18030", 1 },
	{ "http-utf8-is-gbk", ZH_S, "GBK", "text/html; charset=utf-8", NULL,
	  "gb18030", 1 },
	{ "utf8-says-sjis", JA, "SHIFT_JIS", NULL, "utf-8", "cp932", 1 },
	{ "utf8-says-big5", ZH_T, "BIG5", NULL, "utf-8", "big5-hkscs", 1 },
	{ "utf8-says-eucjp", JA, "EUC-JP", NULL, "utf-8", "euc-jp", 1 },
	{ "gbk-is-utf8", ZH_S, "UTF-8", NULL, "gbk", "utf-8", 1 },
	{ "latin1-is-utf8", LATIN, "UTF-8", NULL, "iso-8859-1", "utf-8", 1 },
	{ "undeclared-gbk", ZH_S, "GBK", NULL, NULL, "gb18030", 1 },
	{ "undeclared-sjis", JA, "SHIFT_JIS", NULL, NULL, "cp932", 1 },
	{ "undeclared-euckr", KO, "EUC-KR", NULL, NULL, "cp949", 1 },
	{ "undeclared-cp1252", LATIN, "WINDOWS-1252", NULL, NULL,
	  "windows-1252", 1 },
	{ "sjis-says-gbk", JA, "SHIFT_JIS", NULL, "gbk", "cp932", 1 },
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cs_cases / sizeof cs_cases[0]; i++) {
		const struct cs_case *c = &cs_cases[i];
		struct buf page, body;
		struct charset_result r;
		char want[512];

		buf_init(&page, 1 << 20);
		buf_init(&body, 1 << 20);
		buf_adds(&page, "<html><head>");
		if (c->meta)
			buf_addf(&page, "<meta charset=\"%s\">", c->meta);
		buf_adds(&page, "<title>t</title></head><body><p>");
		if (encode(c->body, c->encode_as, &body) != 0)
			fail_msg("%s: iconv cannot write %s", c->name,
				 c->encode_as);
		buf_add(&page, body.ptr, body.len);
		buf_adds(&page, "</p></body></html>");
		assert_int_equal(charset_to_utf8(page.ptr, page.len, c->http,
						 1 << 22, &r),
				 GZ_OK);
		if (strcmp(r.name, c->want_name) != 0)
			fail_msg("%s: read as %s, want %s", c->name, r.name,
				 c->want_name);
		if ((r.how == CHARSET_GUESSED) != c->guessed)
			fail_msg("%s: how=%d", c->name, (int)r.how);
		assert_true(charset_utf8_valid(r.ptr, r.len));
		snprintf(want, sizeof want, "<p>%s</p>", c->body);
		if (!memmem(r.ptr, r.len, want, strlen(want)))
			fail_msg("%s: text not recovered: %.*s", c->name,
				 (int)(r.len < 300 ? r.len : 300), r.ptr);
		charset_result_free(&r);
		buf_release(&page);
		buf_release(&body);
	}
}

static void test_boms_and_zero_copy(void **state)
{
	static const char u8[] = "\xEF\xBB\xBF<p>caf\xC3\xA9</p>";
	static const char u16le[] = "\xFF\xFE<\0p\0>\0\xE9\0<\0/\0p\0>\0";
	static const char u16be[] = "\xFE\xFF\0<\0p\0>\0\xE9\0<\0/\0p\0>";
	static const char clean[] = "<p>plain \xE2\x80\x94 clean</p>";
	struct charset_result r;

	(void)state;
	assert_int_equal(charset_to_utf8(u8, sizeof u8 - 1, NULL, 1024, &r),
			 GZ_OK);
	assert_int_equal(r.how, CHARSET_BOM);
	assert_int_equal(r.len, sizeof u8 - 4);
	assert_memory_equal(r.ptr, "<p>caf\xC3\xA9</p>", r.len);
	charset_result_free(&r);

	assert_int_equal(
		charset_to_utf8(u16le, sizeof u16le - 1, NULL, 1024, &r),
		GZ_OK);
	assert_string_equal(r.name, "utf-16le");
	assert_memory_equal(r.ptr, "<p>\xC3\xA9</p>", r.len);
	charset_result_free(&r);

	assert_int_equal(
		charset_to_utf8(u16be, sizeof u16be - 1, NULL, 1024, &r),
		GZ_OK);
	assert_memory_equal(r.ptr, "<p>\xC3\xA9</p>", r.len);
	charset_result_free(&r);

	/* clean UTF-8 is not copied */
	assert_int_equal(
		charset_to_utf8(clean, sizeof clean - 1, NULL, 1024, &r),
		GZ_OK);
	assert_ptr_equal(r.ptr, clean);
	assert_int_equal(r.how, CHARSET_DEFAULT);
	charset_result_free(&r);

	/* empty input */
	assert_int_equal(charset_to_utf8("", 0, NULL, 1024, &r), GZ_OK);
	assert_int_equal(r.len, 0);
	charset_result_free(&r);
}

static void test_nul_and_controls(void **state)
{
	static const char in[] = "<p>a\0b\x01"
				 "c\x7F\td\xFF</p>";
	struct charset_result r;

	(void)state;
	assert_int_equal(charset_to_utf8(in, sizeof in - 1,
					 "text/html; charset=utf-8", 1024, &r),
			 GZ_OK);
	assert_true(charset_utf8_valid(r.ptr, r.len));
	assert_null(memchr(r.ptr, '\0', r.len));
	assert_memory_equal(r.ptr, "<p>a b c\x7F\td\xEF\xBF\xBD</p>", r.len);
	charset_result_free(&r);
}

static void test_declared_names(void **state)
{
	char name[CHARSET_NAMELEN];

	(void)state;
	assert_true(charset_from_type("text/html; charset=\"Shift_JIS\"", 30,
				      name, sizeof name));
	assert_string_equal(name, "shift_jis");
	assert_true(charset_from_type("text/html;CHARSET = gbk", 23, name,
				      sizeof name));
	assert_string_equal(name, "gbk");
	assert_false(charset_from_type("text/html", 9, name, sizeof name));
}

/* The bounded output cap holds, whatever the input expands to. */
static void test_bounded(void **state)
{
	struct buf page, big;
	struct charset_result r;
	size_t i;

	(void)state;
	buf_init(&page, 1 << 22);
	buf_init(&big, 1 << 22);
	buf_adds(&page, "<meta charset=\"windows-1252\">");
	for (i = 0; i < 100000; i++)
		buf_addc(&page, (char)0xE9);
	assert_int_not_equal(
		charset_to_utf8(page.ptr, page.len, NULL, 1000, &r), GZ_ENOMEM);
	assert_true(r.len <= 1000);
	assert_true(charset_utf8_valid(r.ptr, r.len));
	charset_result_free(&r);
	buf_release(&page);
	buf_release(&big);
}

/* Through the extractor: a lying page comes out readable. */
static void test_extract_lying_page(void **state)
{
	struct buf page, body;
	struct extract_opts o;
	struct article a;
	enum page_kind kind;
	char err[GZ_ERRLEN];

	(void)state;
	buf_init(&page, 1 << 20);
	buf_init(&body, 1 << 20);
	buf_adds(&page, "<html><head><meta charset=\"utf-8\"><title>");
	encode("港务局批准码头扩建", "GBK", &page);
	buf_adds(&page, "</title></head><body><div class=\"article\"><p>");
	encode(ZH_S ZH_S, "GBK", &page);
	buf_adds(&page, "</p></div></body></html>");
	memset(&o, 0, sizeof o);
	article_init(&a);
	assert_int_equal(extract_html(page.ptr, page.len, &o, &a, &kind, err),
			 GZ_OK);
	assert_string_equal(a.title, "港务局批准码头扩建");
	assert_non_null(a.text);
	assert_non_null(strstr(a.text, "港务局周二投票"));
	assert_string_equal(a.language, "zh");
	assert_non_null(a.confidence);
	assert_non_null(strstr(a.confidence, "charset:gb18030"));
	article_free(&a);

	/* and the HTTP header's charset wins over <meta> */
	buf_reset(&page);
	buf_adds(&page,
		 "<html><head><meta charset=\"utf-8\"><title>T</title>"
		 "</head><body><p>");
	encode("Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
	       "e",
	       "ISO-8859-1", &page);
	buf_adds(&page, "</p></body></html>");
	o.content_type = "text/html; charset=ISO-8859-1";
	article_init(&a);
	assert_int_equal(extract_html(page.ptr, page.len, &o, &a, &kind, err),
			 GZ_OK);
	assert_non_null(a.text);
	assert_string_equal(a.text,
			    "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
			    "e");
	article_free(&a);
	buf_release(&page);
	buf_release(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_boms_and_zero_copy),
		cmocka_unit_test(test_nul_and_controls),
		cmocka_unit_test(test_declared_names),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_extract_lying_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
