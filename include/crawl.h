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
*/
#ifndef GZ_CRAWL_H
#define GZ_CRAWL_H

#include <stddef.h>

#include "config.h"
#include "index.h"

/* What a run did; every counter starts at the value the caller set (0). */
struct crawl_stats {
	unsigned long fetched;        /* HTTP responses received (robots.txt,
				       * feeds, sitemaps and pages) */
	unsigned long new_docs;       /* documents added */
	unsigned long updated;        /* documents replaced with new content */
	unsigned long unchanged;      /* pages indexed with the same content */
	unsigned long gone;           /* indexed pages now answering 404/410 */
	unsigned long failed;         /* pages, feeds and sitemaps that failed
				       * (network, status, parse, index) */
	unsigned long not_found;      /* followed links answering 404/410 that
				       * were never indexed (broken links, not
				       * failures) */
	unsigned long skipped_robots; /* URLs not fetched because of robots.txt */
	unsigned long skipped_scope;  /* links and entries outside the scope */
	unsigned long skipped_type;   /* responses that were not HTML */
	unsigned long listings;       /* listing pages seen (followed) */
	unsigned long feeds;          /* feeds and sitemaps read */
	unsigned long redirects;      /* redirects followed */
	unsigned long long bytes;     /* body bytes received */
	double seconds;               /* wall time of the run */
};

/*
** Crawl every source of cfg into w (both borrowed), adding to *stats.
** Returns GZ_OK when the run finished, however many pages failed (see
** stats->failed); GZ_EINDEX (or the index's code) when a commit fails,
** GZ_ENOMEM, GZ_EINVAL for an unusable setting (e.g. a bad allow_address),
** each with a message in err (GZ_ERRLEN bytes).  Documents committed
** before an error stay committed.
*/
int crawl_run(const struct gz_config *cfg, struct index_writer *w,
	      struct crawl_stats *stats, char *err);

/*
** Write the one-line summary of s into out (size n), e.g.
** "fetched=12 new=10 updated=0 unchanged=1 gone=0 failed=1 robots=2 seconds=3.4".
*/
void crawl_summary(const struct crawl_stats *s, char *out, size_t n);

#endif /* GZ_CRAWL_H */
