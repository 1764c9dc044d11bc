/*
** schema.h — how an article is laid out in the Xapian index.
**
** Terms (prefixes follow Xapian Omega's conventions, docs/termprefixes):
**   Q<url>          unique id: the article's key URL (article_key_url), or,
**                   when longer than GZ_MAX_TERM_BYTES-1, "Q#" + 32 hex
**                   digits of its hash
**   U<url>          the fetched URL when it differs from the key URL
**   (none)          body, title and description words, with positions;
**                   stemmed forms under Z (Xapian's STEM_SOME)
**   S               title words (also indexed unprefixed, with more weight)
**   XSOURCE<name>   source, lower-cased, whole name        (source:)
**   XSECTION<name>  section, lower-cased                   (section:)
**   A<name>         each author, lower-cased               (author:)
**   H<host>         host name, lower-cased, no "www."      (site:)
**   L<lang>         language code                          (lang:)
**   D<YYYYMMDD> M<YYYYMM> Y<YYYY>   publication date as stated
**   XGONE           the page has disappeared from the web (kept anyway)
**
** Values (slots never change meaning once released):
*/
#ifndef GZ_SCHEMA_H
#define GZ_SCHEMA_H

#define SLOT_PUBLISHED 0 /* "YYYYMMDDhhmmss" as stated (gz_time_sortkey) */
#define SLOT_SOURCE 1    /* source name as stated, for facets */
#define SLOT_SECTION 2   /* section name as stated, for facets */
#define SLOT_MONTH 3     /* "YYYY-MM", for the timeline facet */
#define SLOT_YEAR 4      /* "YYYY", for the year facet */
#define SLOT_COLLAPSE 5  /* near-duplicate key (hex), for collapse */
#define SLOT_HASH 6      /* content hash (hex) of title + text, to skip unchanged pages */
#define SLOT_INDEXED 7   /* "YYYYMMDDhhmmss" UTC when this version was indexed */

#define PFX_ID "Q"
#define PFX_URL "U"
#define PFX_TITLE "S"
#define PFX_SOURCE "XSOURCE"
#define PFX_SECTION "XSECTION"
#define PFX_AUTHOR "A"
#define PFX_HOST "H"
#define PFX_LANG "L"
#define PFX_DAY "D"
#define PFX_MONTH "M"
#define PFX_YEAR "Y"
#define TERM_GONE "XGONE"

/*
** Document data is the JSON of article_to_json(a, 1): everything needed to
** render a hit and its snippet without refetching.
**
** Metadata keys written by the indexer:
**   gazette.schema      "1"
**   gazette.last_run    JSON summary of the last indexer run
*/
#define SCHEMA_VERSION "1"
#define META_SCHEMA "gazette.schema"
#define META_LAST_RUN "gazette.last_run"

#include <stddef.h>

/*
** Write the unique id term for url into out (size n >= GZ_MAX_TERM_BYTES+1).
** Returns 0, or -1 when url is NULL or empty.
*/
int schema_idterm(const char *url, char *out, size_t n);

/*
** Write the lower-cased (UTF-8 aware for ASCII and Latin letters) form of
** prefix + value into out of size n, truncated at a character boundary to
** GZ_MAX_TERM_BYTES.  Used for XSOURCE, XSECTION, A, H, L terms both when
** indexing and when building filter queries.
*/
void schema_filter_term(const char *prefix, const char *value, char *out,
			size_t n);

/*
** The host of url for an H term: lower-cased, port and a leading "www."
** removed, into out of size n.  Returns 0, or -1 when url has no host.
*/
int schema_host(const char *url, char *out, size_t n);

#endif /* GZ_SCHEMA_H */
