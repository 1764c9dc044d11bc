/*
** gz_limits.h — every bound Gazette puts on untrusted input, in one place.
**
** Each limit says why it has its value.  Where the configuration may move a
** bound, it may do so only within the [MIN, MAX] given here.
*/
#ifndef GZ_LIMITS_H
#define GZ_LIMITS_H

/* Largest HTML page parsed.  News articles are under 1 MiB; 10 MiB leaves
** room for inline scripts and styles while bounding parse time and memory. */
#define GZ_MAX_PAGE_BYTES (10u * 1024 * 1024)

/* Largest page once decoded to UTF-8: a legacy multi-byte page grows by at
** most half when converted, and U+FFFD replacements by 3x, so 4x bounds any
** input GZ_MAX_PAGE_BYTES allows. */
#define GZ_MAX_DECODED_BYTES (4u * GZ_MAX_PAGE_BYTES)

/* Largest feed or sitemap body (sitemaps may list 50,000 URLs at ~200 B). */
#define GZ_MAX_FEED_BYTES (50u * 1024 * 1024)

/* Largest robots.txt read; RFC 9309 asks for at least 500 KiB. */
#define GZ_MAX_ROBOTS_BYTES (512u * 1024)

/* Deepest element nesting the extractor walks; deeper nodes are ignored. */
#define GZ_MAX_HTML_DEPTH 256

/* Items read from one feed, URLs from one sitemap, sitemaps from an index. */
#define GZ_MAX_FEED_ITEMS 50000
#define GZ_MAX_SITEMAPS   1000

/* Longest URL kept; longer links are dropped (browsers cap near 2 KiB-64 KiB). */
#define GZ_MAX_URL_LEN 4096

/* Links followed per page. */
#define GZ_MAX_LINKS_PER_PAGE 2000

/* Body text kept per article after extraction. */
#define GZ_MAX_TEXT_BYTES (2u * 1024 * 1024)

/* Redirects followed per fetch. */
#define GZ_MAX_REDIRECTS 5

/* Longest request line searchd reads before answering "too_big". */
#define GZ_MAX_REQUEST_LINE (64u * 1024)

/* Largest offset + limit a query may ask for. */
#define GZ_MAX_RESULTS 1000
#define GZ_MAX_LIMIT   100

/* Terms per query and terms a wildcard may expand to. */
#define GZ_MAX_QUERY_TERMS        256
#define GZ_MAX_WILDCARD_EXPANSION 1000

/* Values returned per facet. */
#define GZ_MAX_FACET_VALUES 100

/* Values of the year and month facets: a century of months, so that the
** timeline has no holes. */
#define SEARCH_MAX_DATE_FACET_VALUES 1200

/* Characters in a snippet. */
#define GZ_DEFAULT_SNIPPET_LEN 200
#define GZ_MAX_SNIPPET_LEN     2000

/* Concurrent client connections to searchd and their idle timeout (s). */
#define GZ_MAX_CONNECTIONS  1024
#define GZ_IDLE_TIMEOUT_SEC 60

/* Xapian's own limit on term length is 245 bytes; keep terms below it. */
#define GZ_MAX_TERM_BYTES 240

#endif /* GZ_LIMITS_H */
