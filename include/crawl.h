/*
** crawl.h — one crawl run over the configured sources.
**
** For every [source]: robots.txt first for each host (RFC 9309; a
** Crawl-delay above max_crawl_delay skips the host), then the feeds,
** sitemaps (and the Sitemap: lines of robots.txt) and seed pages; entries
** of feeds and sitemaps within the source's scope are fetched as pages,
** and links on pages are followed within scope up to the source's depth.
** URLs are normalised (url.h) and fetched once per run, at most max_pages
** of them.  One request per host at a time with delay_ms between them,
** many hosts in parallel up to concurrency (fetch.h).  Each HTML page is
** extracted (extract.h); articles, and listing pages when the source says
** so, are indexed and committed every commit_every documents and at the
** end.  A page, feed or host that fails is logged and counted, never fatal.
**
** Re-crawls are incremental.  Per-URL state (index.h) is read before each
** request and written after each answer, in the same commits as the
** documents: feeds, sitemaps, seeds and pages not indexed are fetched again
** every run with If-None-Match / If-Modified-Since; an indexed page is left
** alone for the source's revisit seconds, then asked for conditionally.  A
** 304 costs nothing more; a changed page replaces its document; a 404/410
** keeps the document and marks it gone with the date.  The links a feed,
** sitemap or followed page led to are saved with its state, so that when
** it answers 304 they are queued again (each then subject to revisit and
** its own conditional request).  robots.txt answers (2xx and 4xx) are
** reused for 24 hours.  With warc_dir set, every response is written to
** WARC files there (warc.h), its head rewritten to describe the decoded
** body (fetch_head_decoded).
**
** Requests, the frontier and every write (index, state, WARC) stay on the
** calling thread; extraction, building documents and compressing WARC
** records run on a pool of worker threads (by default one per core but
** the one the calling thread keeps busy, at least one), whose
** results are taken back in the order the answers arrived: the pool
** changes when things happen, not what happens.  Memory stays bounded: no
** request starts while the pool is full.
*/
#ifndef GZ_CRAWL_H
#define GZ_CRAWL_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "index.h"

/* What a run did; every counter starts at the value the caller set (0). */
struct crawl_stats {
	unsigned long fetched;   /* HTTP responses received (robots.txt,
				       * feeds, sitemaps and pages) */
	unsigned long new_docs;  /* documents added */
	unsigned long updated;   /* documents replaced with new content */
	unsigned long unchanged; /* pages indexed with the same content */
	unsigned long gone;      /* indexed pages now answering 404/410 */
	unsigned long failed;    /* pages, feeds and sitemaps that failed
				       * (network, status, parse, index) */
	unsigned long not_found; /* followed links answering 404/410 that
				       * were never indexed (broken links, not
				       * failures) */
	unsigned long
		skipped_robots; /* URLs not fetched because of robots.txt */
	unsigned long skipped_scope; /* links and entries outside the scope */
	unsigned long skipped_type;  /* responses that were not HTML */
	unsigned long listings;      /* listing pages seen (followed) */
	unsigned long feeds;         /* feeds and sitemaps read */
	unsigned long redirects;     /* redirects followed */
	unsigned long not_modified;  /* 304 answers to conditional requests */
	unsigned long duplicates;    /* pages whose content another document
				       * already holds (not indexed again) */
	unsigned long fresh;         /* indexed pages not fetched: visited
				       * less than revisit seconds ago */
	unsigned long robots_cached; /* hosts whose robots.txt came from the
				       * 24-hour cache */
	unsigned long warc_records;  /* responses written to WARC files */
	unsigned long long bytes;    /* body bytes received */
	double seconds;              /* wall time of the run */
	int stop_signal;             /* signal that stopped the run, or 0 */
};

/* How crawl_run behaves beyond the configuration; all optional. */
struct crawl_opts {
	const sigset_t *stop_signals; /* signals the caller has blocked; when
				       * one is pending the run stops starting
				       * requests, commits what is done and
				       * returns GZ_OK with stats->stop_signal
				       * set.  NULL: none */
	int progress;                 /* 1: a progress line on stderr, redrawn
				       * about once a second (for a terminal) */
	unsigned workers;             /* threads extracting, indexing and
				       * compressing; 0: the cores less one
				       * (at least one) */
};

/*
** Crawl every source of cfg into w (cfg, w and o borrowed; o may be NULL),
** adding to *stats.
** Returns GZ_OK when the run finished, however many pages failed (see
** stats->failed); GZ_EINDEX (or the index's code) when a commit fails,
** GZ_ENOMEM, GZ_EINVAL for an unusable setting (e.g. a bad allow_address),
** each with a message in err (GZ_ERRLEN bytes).  Documents committed
** before an error stay committed.
*/
int crawl_run(const struct gz_config *cfg, struct index_writer *w,
	      const struct crawl_opts *o, struct crawl_stats *stats, char *err);

/*
** Write the one-line summary of s into out (size n), e.g.
** "fetched=12 not_modified=0 new=10 updated=0 unchanged=1 duplicates=0
** gone=0 failed=1 robots=2 fresh=0 seconds=3.4".
*/
void crawl_summary(const struct crawl_stats *s, char *out, size_t n);

#endif /* GZ_CRAWL_H */
