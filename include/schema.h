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
**   XGONE           the page has disappeared from the web (kept anyway);
**                   SLOT_GONE holds the day it was first found gone
**   XK<key>         its near-duplicate cluster, as SLOT_COLLAPSE holds
**                   it, so that a story's copies can be found by term
**                   (older indexes lack it; see search_remote_folded)
**
** Values (slots never change meaning once released):
*/
#ifndef GZ_SCHEMA_H
#define GZ_SCHEMA_H

#define SLOT_PUBLISHED 0 /* "YYYYMMDDhhmmss" as stated (gz_time_sortkey) */
#define SLOT_SOURCE    1 /* source name as stated, for facets */
#define SLOT_SECTION   2 /* section name as stated, for facets */
#define SLOT_MONTH     3 /* "YYYY-MM", for the timeline facet */
#define SLOT_YEAR      4 /* "YYYY", for the year facet */
#define SLOT_COLLAPSE  5 /* near-duplicate key (hex), for collapse */
#define SLOT_HASH \
	6 /* content hash (hex) of title + text, to skip unchanged pages */
#define SLOT_INDEXED 7 /* "YYYYMMDDhhmmss" UTC when this version was indexed */

#define PFX_ID      "Q"
#define PFX_URL     "U"
#define PFX_TITLE   "S"
#define PFX_SOURCE  "XSOURCE"
#define PFX_SECTION "XSECTION"
#define PFX_AUTHOR  "A"
#define PFX_HOST    "H"
#define PFX_LANG    "L"
#define PFX_DAY     "D"
#define PFX_MONTH   "M"
#define PFX_YEAR    "Y"
#define TERM_GONE   "XGONE"
#define PFX_CLUSTER "XK" /* + SLOT_COLLAPSE's key: copies of one story */

/*
** Document data is the JSON of article_to_json(a, 1), everything needed to
** render a hit and its snippet without refetching, packed by record_pack
** (record.h: zstd behind the mark "\0GZz"); data written before that is
** the plain JSON, and both are read.
**
** Metadata keys written by the indexer:
**   gazette.schema      "1"
**   gazette.last_run    the last run's summary line (key=value fields)
**   gazette.src.<H>     an imported input's raw-bytes hash, kind letter and
**                       URL (H: index_url_key of the URL), so a re-run of
**                       `add` skips unchanged files without extracting them
**   gazette.compacted   time of the last `gazette-indexer compact`
**
** Crawl state lives in the same database as the documents, as user
** metadata, so that a commit makes documents and the state that produced
** them durable together (a kill -9 loses both or neither).  URL-keyed
** entries use "H" = 32 hex digits: two 64-bit FNV-1a hashes (seeds 0 and
** 0x9e3779b97f4a7c15) of the normalised URL or origin, which is also
** stored in the value and checked on reading.
**   gazette.url.H       one fetched URL (articles, listings, feeds,
**                       sitemaps, redirects): "v1" TAB url TAB fetched TAB
**                       status TAB failures TAB gone TAB body-hash TAB etag
**                       TAB last-modified TAB doc-url (times in Unix
**                       seconds, 0 for none; empty strings for none); see
**                       struct index_url_state in index.h
**   gazette.robots.H    a host's robots.txt: "v1" TAB origin TAB fetched
**                       TAB status LF body; reused for 24 hours
**   gazette.hash.X      X = a document's content hash (SLOT_HASH): the key
**                       URL of the document holding that content, so a
**                       second URL with identical content adds nothing
**   gazette.nd.BXX      near-duplicate buckets: B = block 0-7 of the
**                       SimHash (simhash.h), XX = that block's 8 bits in
**                       hex; the value is a run of 32-hex-digit entries,
**                       16 for a document's SimHash and 16 for its cluster
**                       key, oldest first, at most INDEX_ND_BUCKET of them
**   gazette.links.H     what a feed, sitemap or followed page led to:
**                       "v1" TAB url LF, then one line per link, "F url"
**                       (a sitemap) or "P url" (a page), so that when it
**                       answers 304 the crawler queues them again
**
** Near-duplicates: SLOT_SIMHASH holds the 64-bit SimHash of the body's
** word shingles.  When a new document's SimHash is within SIMHASH_NEAR bits
** of one already in the buckets, it takes that document's cluster key as
** its SLOT_COLLAPSE value, else its own SimHash starts a cluster; so
** collapsing on SLOT_COLLAPSE folds wire copies into one hit while the
** exact value never merges unrelated articles whose top bits happen to
** agree.  Documents without body words get a key from their URL hash.
*/
#define SCHEMA_VERSION "1"
#define META_SCHEMA    "gazette.schema"
#define META_LAST_RUN  "gazette.last_run"

#define SLOT_SIMHASH 8 /* 64-bit SimHash of the body's shingles (16 hex) */
#define SLOT_GONE    9 /* "YYYYMMDD" UTC the page was first found gone */

/*
** Sharded indexes ([index] shard_by = year | month | host; docs/sharding.md).
** The index path is a directory:
**
**   PATH/XAPIANDB   a Xapian stub database file, one "auto NAME" line per
**                   database, "meta" first, then the shards in byte order
**                   of their names; Xapian's Database(PATH) (and so
**                   xsh_db_open(PATH), xapian-delve PATH) opens it as all
**                   shards combined
**   PATH/meta/      no documents: every metadata key above (crawl state,
**                   robots, links, gazette.src.*, duplicate and
**                   near-duplicate maps, last run), the layout keys below
**                   and the location map; its write lock is the lock of
**                   the whole index
**   PATH/NAME/      one shard, a plain database (or, once compacted, a
**                   link to NAME.d/G as `compact` lays it out): "2013"
**                   (year), "2013-07" (month), "undated" (no publication
**                   date), "host-03" (hash of the key URL's host modulo
**                   shard_count, two digits or more)
**
** Each shard's metadata holds gazette.schema and gazette.shard (its name);
** spelling data is in the shard of the documents it came from.  Commits
** go to the shards first and to meta last.
**   gazette.shard_by    (meta) "year", "month", "host" or "id"
**   gazette.shard_count (meta) shards of a host or id layout, decimal
**   gazette.loc.H       (meta) H as for gazette.url.: the shard holding
**                       the document whose key URL hashes to H (not in
**                       the id layout, where the key URL names the shard)
**   gazette.bulk        (meta) "1" while `add --bulk` builds the index as
**                       id shards that are merged into one at its end
**   gazette.stem        "some": documents are indexed with Xapian's
**                       STEM_SOME (unstemmed words with positions, stems
**                       under Z), which searchers parse with STEM_SOME; an
**                       index without the key is "some" too
*/
#define META_SHARD_BY     "gazette.shard_by"
#define META_SHARD_COUNT  "gazette.shard_count"
#define META_SHARD_NAME   "gazette.shard"
#define META_LOC_PREFIX   "gazette.loc."
#define META_BULK         "gazette.bulk"
#define META_STEM         "gazette.stem"
#define SHARD_STUB        "XAPIANDB"
#define SHARD_META        "meta"
#define SHARD_UNDATED     "undated"
#define SHARD_HOST_PREFIX "host-"
/* Layout "id": shard part-NN holds the documents whose key URL hashes to NN. */
#define SHARD_PART_PREFIX "part-"

#define META_URL_PREFIX    "gazette.url."
#define META_ROBOTS_PREFIX "gazette.robots."
#define META_HASH_PREFIX   "gazette.hash."
#define META_ND_PREFIX     "gazette.nd."
#define META_LINKS_PREFIX  "gazette.links."

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
** Write the term of the near-duplicate cluster key (PFX_CLUSTER + key, as
** SLOT_COLLAPSE holds the key) into out of size n.  Returns 0, or -1 when
** key is NULL or empty or the term would not fit (in n, or in
** GZ_MAX_TERM_BYTES).
*/
int schema_cluster_term(const char *key, char *out, size_t n);

/*
** The host of url for an H term: lower-cased, port and a leading "www."
** removed, into out of size n.  Returns 0, or -1 when url has no host.
*/
int schema_host(const char *url, char *out, size_t n);

#endif /* GZ_SCHEMA_H */
