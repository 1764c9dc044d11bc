/*
** feeds.h — discovery documents: RSS, Atom and sitemaps, one entry at a time.
**
** feed_parse reads RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 1.0, sitemap urlset
** (with Google News extensions), sitemapindex, gzip-compressed sitemaps
** (detected by their magic bytes) and plain-text sitemaps (one URL per
** line), and calls back once per entry as it goes, so a document broken
** half-way still yields what came before the break.
**
** XML is read with libxml2's streaming reader with the network off, no DTD
** loading and no entity substitution: an external entity (XXE) is never
** read, and libxml2's default amplification limits stop "billion laughs".
** Counts and sizes are bounded by GZ_MAX_FEED_BYTES, GZ_MAX_FEED_ITEMS and
** GZ_MAX_SITEMAPS (gz_limits.h).
*/
#ifndef GZ_FEEDS_H
#define GZ_FEEDS_H

#include <stddef.h>
#include "gztime.h"

/* What kind of document was read. */
enum feed_kind {
	FEED_UNKNOWN = 0,      /* nothing recognised (yet) */
	FEED_RSS = 1,          /* RSS 0.9x / 2.0 */
	FEED_RDF = 2,          /* RSS 1.0 */
	FEED_ATOM = 3,         /* Atom 1.0 */
	FEED_URLSET = 4,       /* sitemap <urlset> */
	FEED_SITEMAPINDEX = 5, /* sitemap <sitemapindex> */
	FEED_TEXT = 6          /* plain-text sitemap */
};

/* One entry, borrowed by the callback for the duration of the call. */
struct feed_entry {
	const char *url; /* link / loc as written (trimmed; may be relative) */
	const char *title;   /* title hint, or NULL */
	struct gz_time date; /* publication (or, failing that, modification)
			       * date hint; year 0 when none */
	int is_sitemap;      /* 1: a child sitemap of a sitemapindex */
};

/*
** Called once per entry.  Return 0 to go on, anything else to stop
** (feed_parse then returns GZ_OK with what was delivered).
*/
typedef int (*feed_entry_fn)(void *ctx, const struct feed_entry *e);

/* A summary of one parse. */
struct feed_info {
	enum feed_kind kind; /* what the document was */
	size_t entries;      /* entries delivered */
	size_t skipped; /* entries without a URL, or past the count bound */
	int gzip;       /* 1 when the body was gzip-compressed */
};

/*
** Parse data[0..len) (need not be NUL-terminated) and call fn(ctx, entry)
** per entry.  *info (may be NULL) is filled even on error.
** Returns GZ_OK; GZ_EPARSE for malformed or unrecognised input (entries
** before the fault were delivered; err names the reason and line);
** GZ_ETOOBIG when the body, once decompressed, exceeds GZ_MAX_FEED_BYTES
** (nothing delivered) or the entry count bound was reached (the first
** entries were delivered); GZ_ENOMEM.
*/
int feed_parse(const char *data, size_t len, feed_entry_fn fn, void *ctx,
	       struct feed_info *info, char *err);

/* Name of kind for logs ("rss", "atom", "sitemap", ...).  Static. */
const char *feed_kind_name(enum feed_kind kind);

#endif /* GZ_FEEDS_H */
