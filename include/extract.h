/*
** extract.h — from one HTML page to one struct article.
**
** The same code serves the crawler, `gazette-indexer add` and
** `gazette-indexer extract`.  It parses with libxml2's HTML parser with the
** network and external entities disabled, and bounds size and depth before
** parsing (see gz_limits.h).  It never fails on a malformed page: it returns
** what it could find, and says in `kind` whether that looks like an article.
*/
#ifndef GZ_EXTRACT_H
#define GZ_EXTRACT_H

#include <stddef.h>
#include <time.h>
#include "article.h"

/* What a page looks like, so that the crawler indexes only articles. */
enum page_kind {
	PAGE_ARTICLE = 0, /* one article: index it */
	PAGE_LISTING = 1, /* section/home page: follow its links only */
	PAGE_OTHER = 2    /* neither (empty, error page, not HTML) */
};

/* Called once per link found in the page, already resolved to absolute. */
typedef void (*extract_link_fn)(void *ctx, const char *url,
				const char *anchor_text);

struct extract_opts {
	const char *url; /* URL of the page, for resolving links; may be NULL */
	const char *
		content_type; /* HTTP Content-Type (charset hint); may be NULL */
	const char *
		default_source; /* outlet name from config when the page names none; may be NULL */
	const char *fallback_source; /* name to use when the page names no
					* outlet, not even after the headline in
					* <title>, and default_source is NULL (the
					* config section's name); may be NULL */
	int has_tz; /* 1 when the source's config fixes a UTC offset */
	int tz_min; /* that offset in minutes east of UTC */
	time_t now; /* fetch time: later dates are rejected; 0 = time(NULL) */
	extract_link_fn on_link; /* link callback, or NULL */
	void *link_ctx;          /* passed to on_link */
};

/*
** Set up the HTML parser's global state.  libxml2 2.9 does it on first
** use, which is not safe from two threads at once: call this once before
** extracting on several threads.  Cheap to call again.
*/
void extract_global_init(void);

/*
** Extract the article in html[0..len) into *out (initialised by the caller;
** on return it owns whatever was found, even on error).  Sets *kind.
** Returns GZ_OK; GZ_ETOOBIG when the page exceeds GZ_MAX_PAGE_BYTES (nothing
** parsed); GZ_EPARSE when nothing could be parsed at all; GZ_ENOMEM.
** A message naming the reason goes into err.
*/
int extract_html(const char *html, size_t len, const struct extract_opts *opts,
		 struct article *out, enum page_kind *kind, char *err);

#endif /* GZ_EXTRACT_H */
