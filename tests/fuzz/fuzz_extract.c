/*
** fuzz_extract.c — extract_html on arbitrary bytes.
**
** Input: the first line (up to 300 bytes) is the page URL (opts.url, so
** that link resolution sees hostile bases too), its first byte also picks a
** Content-Type hint; the rest is the page, or, when bit 1 of the second
** byte is set, a plain-text article made into a page by textpage_to_html.
** Every string the extractor returns must be valid UTF-8 and every link it
** reports NUL-terminated.
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "fuzz.h"
#include "textpage.h"

/* Link callback: touch every byte, so that ASan sees a bad string. */
static void fx_on_link(void *ctx, const char *url, const char *anchor)
{
	size_t *n = ctx;

	*n += strlen(url) + (anchor ? strlen(anchor) : 0);
}

static const char *const fx_types[] = {
	NULL,
	"text/html",
	"text/html; charset=utf-8",
	"text/html; charset=iso-8859-1",
	"text/html; charset=gb2312",
	"text/html; charset=shift_jis",
	"text/html; charset=bogus-42",
	"application/xhtml+xml; charset=utf-16",
};

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct extract_opts eo;
	struct article a;
	enum page_kind kind;
	char err[GZ_ERRLEN];
	const uint8_t *page;
	size_t page_len, links = 0;
	char *url;
	struct buf text;

	if (fuzz_split(data, size, 300, &url, &page, &page_len))
		return 0;
	buf_init(&text, GZ_MAX_PAGE_BYTES);
	if (size > 1 && (data[1] & 2)) {
		(void)textpage_to_html((const char *)page, page_len, &text);
		page = (const uint8_t *)text.ptr;
		page_len = text.len;
	}
	memset(&eo, 0, sizeof eo);
	eo.url = *url ? url : NULL;
	eo.content_type = fx_types[(size ? data[0] : 0) %
				   (sizeof fx_types / sizeof fx_types[0])];
	eo.default_source = "Fuzz";
	eo.has_tz = size > 1 && (data[1] & 1);
	eo.tz_min = 480;
	eo.now = 1700000000;
	eo.on_link = fx_on_link;
	eo.link_ctx = &links;
	article_init(&a);
	(void)extract_html((const char *)page, page_len, &eo, &a, &kind, err);
	/* The record must serialise (every field valid UTF-8 for JSON). */
	char *json = article_to_json(&a, 1);
	free(json);
	article_free(&a);
	buf_release(&text);
	free(url);
	return 0;
}
