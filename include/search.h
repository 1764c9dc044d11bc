/*
** search.h — running one search request over the index.
**
** This is the query side shared by gazette-searchd (one searcher per worker
** thread) and by `gazette search --index DIR` (one searcher in process).  A
** struct search_request says what to look for (the query text in Gazette's
** query language plus filters, sort, paging, facets, collapse, snippet
** length and more-like-this); search_run() turns it into a struct
** search_result holding everything a reply needs.
**
** The query language (parsed by Xapian's QueryParser, configured once per
** searcher):
**   words (AND by default), "exact phrases", AND OR NOT XOR in any case,
**   parentheses, +required -excluded, NEAR, trailing wildcards (diplom*,
**   at most GZ_MAX_WILDCARD_EXPANSION terms), CJK text;
**   title:word (free text in titles), source:, section:, author:, site:,
**   lang: (filters, case-insensitive; quote values with spaces:
**   source:"Global Times");
**   date:2013..2014, date:2013-07..2013-08, date:2013-07-01..2013-07-31,
**   date:..2013-12-31, date:2013.. (on the publication time as stated).
**
** Before parsing, site: values are reduced to the host as the index keeps
** it (site:www.Example.com/x -> site:example.com, see schema_host), and
** words are stemmed in the language of the request's lang filter, or of a
** single lang: in the query, or English (SEARCH_LANG).
**
** Threads: a searcher is not thread-safe; use one per thread.  Requests and
** results are plain data and may be handed between threads.
*/
#ifndef GZ_SEARCH_H
#define GZ_SEARCH_H

#include <stddef.h>

#include "article.h"
#include "gztime.h"

/* What a request asks the daemon to do. */
enum search_cmd {
	SEARCH_CMD_SEARCH = 0, /* run a search (the default) */
	SEARCH_CMD_STATS = 1,  /* report documents, revision, uptime */
	SEARCH_CMD_PING = 2    /* answer {"ok":true} */
};

/* Result order. */
enum search_sort {
	SEARCH_SORT_RELEVANCE = 0, /* best match first (the default) */
	SEARCH_SORT_DATE = 1,      /* oldest first */
	SEARCH_SORT_DATE_DESC = 2  /* newest first ("-date") */
};

/* Facets a request may ask for (bits of search_request.facets). */
enum search_facet_kind {
	SEARCH_FACET_SOURCE = 0,  /* counts by source name */
	SEARCH_FACET_SECTION = 1, /* counts by section name */
	SEARCH_FACET_YEAR = 2,    /* counts by "YYYY", in date order */
	SEARCH_FACET_MONTH =
		3,          /* counts by "YYYY-MM", in date order (timeline) */
	SEARCH_N_FACETS = 4 /* number of kinds */
};
#define SEARCH_FACET_BIT(kind) (1u << (kind))

#define SEARCH_DEFAULT_LIMIT 10 /* hits per page when a request names none */
#define SEARCH_SUGGEST_BELOW \
	3 /* offer a spelling suggestion below this many matches */
#define SEARCH_LIKE_TERMS \
	25               /* terms taken from an article for more-like-this */
#define SEARCH_LANG "en" /* stemming language of queries */
#define SEARCH_MAX_LANGS \
	8 /* query parsers (one per language) a searcher keeps */
/* Values returned for the year and month facets: a timeline must not have
** holes, and a century of months is 1,200 values. */

/*
** One request.  Every string member is NULL or a malloc'd, NUL-terminated
** UTF-8 string owned by the struct; search_request_free() releases them.
*/
struct search_request {
	enum search_cmd cmd; /* search, stats or ping */
	char *q;             /* query text; NULL or "" matches every article */
	char *source;        /* filter: exact source name (case-insensitive) */
	char *section;       /* filter: exact section name (case-insensitive) */
	char *lang;          /* filter: language code, e.g. "en" */
	char *from; /* filter: published on or after (YYYY[-MM[-DD[Thh:mm[:ss]]]]) */
	char *to; /* filter: published on or before (same forms; inclusive) */
	enum search_sort sort; /* result order */
	unsigned offset;       /* hits skipped (paging) */
	unsigned limit;        /* hits returned (0: counts and facets only) */
	unsigned facets;       /* SEARCH_FACET_BIT()s of the facets wanted */
	unsigned
		facet_limit; /* values per source/section facet, 1..GZ_MAX_FACET_VALUES */
	int collapse; /* 1: fold near-duplicates into one hit (default) */
	unsigned snippet_len; /* snippet length in bytes; 0: no snippets */
	char *like;    /* more like this article: its URL or document id */
	char *id_json; /* request id as compact JSON text, echoed; NULL if none */
	char *token; /* shared secret for non-loopback listeners; NULL if none */
};

/* One hit.  Owns every pointer in it; freed by search_result_free(). */
struct search_hit {
	unsigned rank;  /* 1-based rank in the whole result set */
	int score;      /* relevance in percent (0..100) */
	unsigned docid; /* Xapian document id */
	struct article
		art; /* the stored record, without text and description */
	char published
		[GZ_TIME_ISOLEN]; /* ISO 8601 as stated, "" when unknown */
	char *snippet; /* HTML-escaped text with <mark>..</mark>; NULL if none */
	unsigned collapsed; /* near-duplicates folded into this hit: exact
			     * with facets or date order, else a lower
			     * bound */
};

/* One value of a facet. */
struct search_facet_value {
	char *value;    /* malloc'd, owned by the facet */
	unsigned count; /* matching articles with this value */
};

/* One facet's counts, most frequent first (year, month: in date order). */
struct search_facet {
	struct search_facet_value *values; /* n of them, owned */
	size_t n;                          /* number of values */
};

/* Everything a search reply carries.  Free with search_result_free(). */
struct search_result {
	unsigned estimate;      /* estimated number of hits (collapsed);
				 * exact, = lower = upper, with facets or
				 * date order or a short page */
	unsigned lower, upper;  /* bounds on the number of matches */
	double took_ms;         /* wall time of search_run, milliseconds */
	unsigned long revision; /* index revision searched */
	struct search_hit
		*hits;   /* n_hits hits, best (or first by date) first */
	size_t n_hits;   /* number of hits */
	unsigned facets; /* SEARCH_FACET_BIT()s computed */
	struct search_facet
		facet[SEARCH_N_FACETS]; /* indexed by search_facet_kind */
	char *suggestion;               /* "did you mean" query, or NULL */
	int partial;      /* 1: some shards did not answer (see missing) */
	char **missing;   /* n_missing names of the shards left out
				  * ("host:port" or a path), each owned */
	size_t n_missing; /* number of missing[] */
};

/* Index statistics for the stats command. */
struct search_stats {
	unsigned documents;     /* number of articles */
	unsigned long revision; /* current revision */
	char *last_run;         /* the indexer's gazette.last_run summary
				 * (key=value text or JSON), or NULL; owned */
	long long modified;     /* Unix time of the last commit (the index
				 * files' mtime), 0 when unknown */
};

struct searcher; /* an open read-only index plus a configured query parser */

#define SEARCH_MAX_SHARDS     1024       /* shards one stub file may list */
#define SEARCH_MAX_STUB_BYTES (1u << 20) /* size of a stub file, at most */
#define SEARCH_SHARD_RETRY_MS \
	1000 /* a failed shard is tried again after this */
#define SEARCH_SHARD_TIMEOUT_MS 2000 /* default per-shard network time limit */

/* How a searcher treats shards (a stub file's databases). */
struct searcher_options {
	unsigned shard_timeout_ms; /* bound on each network operation of a
				    * remote shard, connecting included
				    * (0: SEARCH_SHARD_TIMEOUT_MS) */
	int shard_partial;         /* 1: answer from the shards that work,
				    * flagged partial; 0: fail the search */
};

/* Initialise req with the defaults (relevance, limit 10, collapse on,
** GZ_DEFAULT_SNIPPET_LEN, facet_limit GZ_MAX_FACET_VALUES) and no strings. */
void search_request_init(struct search_request *req);

/* Free every string req owns and re-initialise it. */
void search_request_free(struct search_request *req);

/* Zero res; search_run() does this itself. */
void search_result_init(struct search_result *res);

/* Free everything res owns and zero it; safe on an initialised result. */
void search_result_free(struct search_result *res);

/* Free what st owns and zero it. */
void search_stats_free(struct search_stats *st);

/* The wire name of a facet kind ("source", "section", "year", "month"),
** static; NULL for an unknown kind. */
const char *search_facet_name(int kind);

/* The facet kind named name, or -1. */
int search_facet_kind(const char *name);

/*
** Convert a date as typed (YYYY, YYYY-MM, YYYY-MM-DD, optionally followed
** by Thh:mm[:ss] or " hh:mm[:ss]") into the index's sortable form
** "YYYYMMDDhhmmss" in out (n >= 15).  With end set, missing parts are
** filled to the end of the period ("2014" -> "20141231235959"), otherwise
** to its start ("2013" -> "20130101000000").  Returns 0, or -1 when text
** is not such a date (out is then "").
*/
int search_date_bound(const char *text, int end, char *out, size_t n);

/*
** Open the index at path read-only and configure its query parser.
** *out is the caller's, to close with searcher_close.  GZ_EOPEN and the
** other index codes, with a message naming path in err.  The same as
** searcher_open_with(path, NULL, out, err).
*/
int searcher_open(const char *path, struct searcher **out, char *err);

/*
** As searcher_open, with shard options.  path may be an index directory,
** a Xapian stub database file, or a directory holding one as XAPIANDB (a
** sharded index, schema.h).  A stub's lines are "auto PATH" (or "glass",
** "chert", "honey"; relative to the stub's directory) and "remote
** HOST:PORT" (xapian-tcpsrv; "[V6]:PORT" for IPv6), with blank lines and
** "#" comments; remote programs ("remote :PROG ARGS") are refused with
** GZ_EINVAL.  Each shard is opened by the searcher itself, remote ones
** with opt->shard_timeout_ms; a shard that cannot be opened counts as
** missing (and is tried again every SEARCH_SHARD_RETRY_MS) unless none
** can be opened at all (GZ_ENETWORK, GZ_ETIMEOUT or GZ_EOPEN).  opt may
** be NULL for the defaults (timeout SEARCH_SHARD_TIMEOUT_MS, fail).
*/
int searcher_open_with(const char *path, const struct searcher_options *opt,
		       struct searcher **out, char *err);

/*
** Change the shard options: the failure policy applies to the next search,
** the timeout to the connections made from now on (after a failure or a
** searcher_reload).
*/
void searcher_set_options(struct searcher *s,
			  const struct searcher_options *opt);

/*
** Read the stub file again and reopen every shard (a shard added to or
** removed from the stub is picked up; a shard that cannot be opened is
** missing, as at searcher_open_with).  GZ_OK (also for an index that is
** not sharded, which is only reopened), or the stub's error, in which
** case the searcher keeps the shards it had.
*/
int searcher_reload(struct searcher *s, char *err);

/* Number of shards s searches (0 for an index that is not sharded). */
size_t searcher_shard_count(const struct searcher *s);

/* Close s and everything it owns; NULL is a no-op. */
void searcher_close(struct searcher *s);

/*
** Bound each search to ms milliseconds (0: no limit).  A search that runs
** past it (matching, counting facets, reading hits, making snippets) stops
** and search_run returns GZ_ETIMEOUT: results are never silently partial.
*/
void searcher_set_time_limit(struct searcher *s, unsigned ms);

/*
** Rewrite query text q before parsing: each site:VALUE (bare or quoted)
** becomes the host as the index stores it (scheme, "www.", port and path
** dropped, see schema_host); date:PERIOD (YYYY, YYYY-MM or YYYY-MM-DD)
** becomes the range date:PERIOD..PERIOD.  When q holds exactly one
** lang:CODE (one
** distinct code), that code is copied into lang (size langn), else lang
** is "".  The words next to a NEAR or ADJ chain (outside quotes) get a ','
** before them, which Xapian's parser ignores but which keeps "a b NEAR c"
** from failing to parse.  Returns a malloc'd string the caller frees, or
** NULL when out of memory.
*/
char *search_rewrite_query(const char *q, char *lang, size_t langn);

/*
** Run req (cmd must be SEARCH_CMD_SEARCH) and fill *res (which need not be
** initialised; on error it is left empty).  Moves to the newest index
** revision first, and reruns once when the index changes underneath.
** Returns GZ_OK; GZ_EINVAL for a bad filter or more-like-this target;
** GZ_ETOOBIG when offset+limit, limit, snippet, facet_limit or the number
** of query terms exceeds its bound; GZ_EQUERY when q does not parse;
** GZ_ENOTFOUND when the like article does not exist; GZ_ETIMEOUT past
** the time limit; index codes otherwise.  err gets a
** one-line message fit to show the client.
**
** Facets and date order look at every match: by one pass over the
** matches with value tables the searcher keeps per index revision
** (built on first use after each change; not over shards or past 4M
** docids, where the matcher does it), then the matcher ranks the page.
**
** Over shards (searcher_open_with): a shard that fails (GZ_ENETWORK, or
** GZ_ETIMEOUT past the shard timeout) makes the searcher reconnect every
** remote shard and, with shard_partial, rerun the search over the shards
** that answer, setting res->partial and res->missing; without it, the
** search fails with that code and a message naming the shard.  Shards
** already known to be down are left out at once (partial) or fail the
** search at once (fail) until they answer again.
*/
int search_run(struct searcher *s, const struct search_request *req,
	       struct search_result *res, char *err);

/*
** Fill *st (owned by the caller, free with search_stats_free) with the
** index's statistics at its newest revision.
*/
int searcher_stats(struct searcher *s, struct search_stats *st, char *err);

#endif /* GZ_SEARCH_H */
