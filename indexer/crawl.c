/*
** crawl.c — the crawl run: frontier, politeness, discovery and indexing.
**
** The frontier is one FIFO queue of jobs per host (origin), and a hash set
** of every URL queued this run.  The loop walks the hosts round-robin and
** starts the next job of each host that is idle, past its delay and within
** the concurrency limit; a host's first request is its robots.txt, unless
** an answer from the last 24 hours is stored in the index.
** Completed requests come back from the fetcher one at a time and are
** handled by kind: robots.txt sets the host's rules and delay, a feed or
** sitemap queues its entries, a page is extracted, indexed and its links
** queued.  Redirects of pages are not followed by curl but queued as new
** jobs, so that the target's robots.txt, scope and host delay apply.
**
** Each feed and page job loads its URL's state (index.h) when it is
** queued: an indexed page visited within the source's revisit interval is
** not queued at all, and the stored validators become If-None-Match and
** If-Modified-Since.  What a feed, sitemap or followed page led to is saved
** with its state and queued again when it answers 304.  Each answer updates
** the state, which is staged with the documents and committed with them,
** after the URL's document (crawl.h tells the rules).  With warc_dir set,
** every response goes to a WARC writer.
**
** The loop thread owns the frontier, the index writer and the WARC
** writer; a pool of worker threads (workq.h) does the costly part of each
** answer in between.  Every answer, in the order the fetcher hands them
** back, becomes a struct crawl_item pushed on the pool's queue: a 2xx HTML
** page goes to a worker, which extracts it (keeping its links), builds
** its document (index_build, one builder per worker) and packs its WARC
** record (digests and deflate, warc_pack_response); other answers need no
** worker (a large one, a sitemap say, still has its record packed there).
** The loop takes the items back strictly in that order and does the rest
** as before: the WARC record appended, links queued, the document put
** (index_put_built), the state staged, commits.  So what the run does with
** a sequence of answers is the same whatever the threads' timing, and the
** same as with one thread.  The queue's slots and bytes are bounded, and
** a transfer starts only while a slot is free for its answer beyond those
** of the transfers running: a full pool stops new transfers.
**
** The run stops early, cleanly, when one of the caller's stop signals is
** pending (polled between events: the signals stay blocked, so no handler
** and no global flag are needed): transfers still running are dropped,
** the answers already received are taken back from the pool and handled,
** and what is staged is committed.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "article.h"
#include "buf.h"
#include "config.h"
#include "crawl.h"
#include "extract.h"
#include "feeds.h"
#include "fetch.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "hash.h"
#include "index.h"
#include "log.h"
#include "robots.h"
#include "schema.h"
#include "url.h"
#include "version.h"
#include "warc.h"
#include "workq.h"

/* Retries of one URL after 429/503 with a Retry-After within bounds. */
#define CRAWL_MAX_RETRIES 2

/* Longest poll while transfers run (ms): bounds the delay in noticing a
** host whose politeness delay has passed. */
#define CRAWL_MAX_WAIT_MS 250

/* How long a robots.txt answer is reused (RFC 9309: at most 24 hours). */
#define CRAWL_ROBOTS_TTL (24L * 3600)

/* Staged state changes (documents excluded) that force a commit: bounds
** what a kill loses in a run that mostly answers 304. */
#define CRAWL_STATE_BATCH 1000

/* Flags of crawl_enqueue. */
#define CQ_SCOPE  0x01 /* check the source's scope */
#define CQ_ALWAYS 0x02 /* a configured seed: fetched whatever revisit says */

/* Largest list of links kept for one feed, sitemap or listing page. */
#define CRAWL_MAX_LINKS_BYTES (8u * 1024 * 1024)

/* Queue slots per worker beyond those kept for the running transfers:
** answers waiting for a worker or for the loop. */
#define CRAWL_SLOTS_PER_WORKER 4

/* Bytes of response bodies in the pool's queue past which no transfer
** starts (a larger body than this still goes through, alone). */
#define CRAWL_POOL_BUDGET (64u * 1024 * 1024)

/* Responses at least this large that need no extraction (sitemaps, say)
** still go to a worker, to have their WARC record packed there; smaller
** ones are packed by the loop thread. */
#define CRAWL_PACK_AWAY_BYTES (16u * 1024)

/* What a job fetches. */
enum crawl_kind {
	CK_ROBOTS = 0, /* a host's /robots.txt */
	CK_FEED = 1,   /* a feed or sitemap (the body tells which) */
	CK_PAGE = 2    /* an HTML page */
};

struct crawl_host;

/* One URL to fetch. */
struct crawl_job {
	char *url;            /* normalised URL */
	enum crawl_kind kind; /* what it is */
	size_t source;        /* index into cfg->sources */
	int depth;            /* link depth from a seed or feed entry */
	int hops;             /* redirects followed to get here */
	int attempts;         /* retries after 429/503 */
	int always;           /* ignore revisit (feeds, sitemaps, seeds) */
	int has_state;        /* state was loaded (or started) for this URL */
	struct index_url_state
		state;            /* what is known of url from earlier runs */
	struct buf links;         /* discovery jobs: "F url" / "P url" lines of
				  * what the body led to (crawl_links_save) */
	char *title_hint;         /* title from a feed or sitemap, or NULL */
	struct gz_time date_hint; /* date from a feed or sitemap; year 0 none */
	struct crawl_host *host;  /* where it is queued */
	struct crawl_job *next;   /* queue link */
};

/* Where a host stands with its robots.txt. */
enum crawl_robots_state {
	HR_UNKNOWN = 0, /* not fetched yet */
	HR_PENDING = 1, /* being fetched */
	HR_READY = 2,   /* rules known */
	HR_SKIPPED = 3  /* host skipped (Crawl-delay above the limit) */
};

/* One origin (scheme://host:port): its robots rules, delay and queue. */
struct crawl_host {
	char *origin;  /* "https://example.com" */
	size_t source; /* source that first queued a URL here */
	enum crawl_robots_state rstate; /* robots.txt state */
	struct robots robots;           /* its rules once HR_READY */
	long delay_ms;                  /* between two requests */
	long long next_ok;         /* monotonic ms of the next allowed start */
	int busy;                  /* a request is in flight */
	struct crawl_job *current; /* that request's job (freed with the
					* host if the run stops early) */
	struct crawl_job *head;    /* queue */
	struct crawl_job *tail;
};

/* The set of URLs queued this run (open addressing, strings owned). */
struct crawl_seen {
	char **slots; /* cap slots, NULL when empty */
	size_t cap;   /* power of two */
	size_t n;     /* in use */
};

/* Normalised scope entries of one source. */
struct crawl_scope {
	char **items; /* n entries, owned */
	size_t n;
};

/* The state of one run. */
struct crawl {
	const struct gz_config *cfg; /* borrowed */
	struct index_writer *w;      /* borrowed */
	struct crawl_stats *st;      /* borrowed, updated */
	struct fetch *f;             /* the fetcher */
	struct crawl_host **hosts;   /* n_hosts hosts */
	size_t n_hosts;
	size_t cap_hosts;
	size_t rr;                  /* round-robin start */
	struct crawl_seen seen;     /* URLs queued */
	struct crawl_scope *scopes; /* one per source */
	size_t pages_queued;        /* page jobs accepted (<= max_pages) */
	size_t feeds_queued;        /* feed/sitemap jobs accepted */
	int full_logged;            /* "max_pages reached" was logged */
	size_t inflight;            /* requests running */
	size_t uncommitted;         /* documents staged since the last commit */
	size_t dirty;               /* state records staged since then */
	const struct crawl_opts *o; /* borrowed; never NULL */
	struct warc_writer *warc;   /* open when warc_dir is set */
	struct warc_packer *packer; /* the loop's, for small records */
	struct workq *pool;         /* the workers (see the top of the file) */
	struct crawl_shared *sh;    /* what the workers read */
	struct crawl_job *recording; /* job whose links crawl_enqueue records */
	long long next_progress; /* monotonic ms of the next progress line */
	int fatal;               /* a fatal error code, or 0 */
	char *err;               /* the caller's message buffer */
};

/*
** What the workers read: set up before the pool starts and unchanged until
** it stops.  Builder i is worker i's own.
*/
struct crawl_shared {
	const struct gz_config *cfg;      /* borrowed */
	const struct crawl_scope *scopes; /* one per source, borrowed */
	struct index_builder **builders;  /* n_builders, owned */
	struct warc_packer **packers;     /* n_builders when WARC is on */
	unsigned n_builders;              /* one per worker */
	struct fetch *f;                  /* woken when an item is done */
};

/*
** One answered request on its way through the pool: made by the loop when
** the fetcher hands it back, processed by a worker when it has work,
** applied by the loop in its turn.  The worker writes only the fields
** below "worker", and reads the job and the answer, which nobody else
** touches meanwhile.
*/
struct crawl_item {
	struct fetch_result *r; /* the answer (owned) */
	struct crawl_job *j;    /* its job (owned); NULL once requeued for a
				  * retry */
	int archive;            /* write r to the WARC files */
	int extract;            /* a 2xx HTML page: extract, build */
	int follow;             /* its links are followed (depth left) */
	/* worker */
	struct warc_packed *packed; /* r's WARC record, ready to append */
	char pack_err[GZ_ERRLEN];   /* why there is none, when archive */
	int xrc;                    /* extract_html's code */
	enum page_kind kind;        /* what the page is */
	int to_index;               /* the kind of page that is indexed */
	int canonical_dropped;      /* the page's canonical URL was refused */
	int brc;                    /* index_build's code, when to_index */
	struct index_built *built;  /* the document, when brc is GZ_OK */
	char err[GZ_ERRLEN];        /* why xrc or brc is not GZ_OK */
	char body_hash[17];         /* hash of the 2xx body, "" not yet */
	struct buf links;           /* links found: NUL-terminated URLs */
	size_t n_links;             /* how many */
};

/* What crawl_enqueue did with a URL. */
enum crawl_q {
	Q_ADDED = 0, /* queued */
	Q_SEEN,      /* already queued this run */
	Q_SCOPE,     /* outside the source's scope */
	Q_BAD,       /* not an http(s) URL */
	Q_FULL,      /* max_pages (or the feed bound) reached */
	Q_SKIPPED,   /* its host is skipped */
	Q_FRESH,     /* visited less than revisit seconds ago */
	Q_NOMEM      /* out of memory (c->fatal set) */
};

/* Sleep for ms milliseconds. */
static void crawl_sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Record a fatal error (the first one wins). */
static void crawl_fatal(struct crawl *c, int rc, const char *msg)
{
	if (!c->fatal) {
		c->fatal = rc;
		gz_fail(c->err, rc, "%s", msg);
	}
}

/*
** Log, at level, an event about url with a reason, both escaped for the
** log line.  what is a fixed message such as "fetch failed".
*/
static void crawl_log(enum log_level level, const char *what, const char *url,
		      const char *reason)
{
	char eu[600], er[400];

	log_escape(url ? url : "", url ? strlen(url) : 0, 512, eu, sizeof eu);
	log_escape(reason ? reason : "", reason ? strlen(reason) : 0, 300, er,
		   sizeof er);
	log_msg(level, "msg=\"%s\" url=\"%s\" reason=\"%s\"", what, eu, er);
}

/* Log a warning about url (see crawl_log). */
static void crawl_warn(const char *what, const char *url, const char *reason)
{
	crawl_log(LOG_WARN, what, url, reason);
}

/* Free a job. */
static void crawl_job_free(struct crawl_job *j)
{
	if (!j)
		return;
	free(j->url);
	free(j->title_hint);
	index_url_state_free(&j->state);
	buf_release(&j->links);
	free(j);
}

/* ------------------------------------------------------------ seen set */

/* Insert url (copied) unless present.  1 inserted, 0 present, -1 no memory. */
static int crawl_seen_add(struct crawl_seen *s, const char *url)
{
	size_t i, mask;

	if (2 * (s->n + 1) > s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 1024, k;
		char **nslots = calloc(ncap, sizeof *nslots);

		if (!nslots)
			return -1;
		for (k = 0; k < s->cap; k++) {
			if (!s->slots[k])
				continue;
			i = gz_hash64(s->slots[k], strlen(s->slots[k]), 0) &
				(ncap - 1);
			while (nslots[i])
				i = (i + 1) & (ncap - 1);
			nslots[i] = s->slots[k];
		}
		free(s->slots);
		s->slots = nslots;
		s->cap = ncap;
	}
	mask = s->cap - 1;
	i = gz_hash64(url, strlen(url), 0) & mask;
	while (s->slots[i]) {
		if (strcmp(s->slots[i], url) == 0)
			return 0;
		i = (i + 1) & mask;
	}
	s->slots[i] = strdup(url);
	if (!s->slots[i])
		return -1;
	s->n++;
	return 1;
}

/* Free the set. */
static void crawl_seen_free(struct crawl_seen *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ scope */

/* Add a copy of entry to sc unless present.  GZ_OK or GZ_ENOMEM. */
static int crawl_scope_add(struct crawl_scope *sc, const char *entry)
{
	char **n;
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->items[i], entry) == 0)
			return GZ_OK;
	n = realloc(sc->items, (sc->n + 1) * sizeof *n);
	if (!n)
		return GZ_ENOMEM;
	sc->items = n;
	sc->items[sc->n] = strdup(entry);
	if (!sc->items[sc->n])
		return GZ_ENOMEM;
	sc->n++;
	return GZ_OK;
}

/* Add the authority of each URL of list to sc.  GZ_OK or GZ_ENOMEM. */
static int crawl_scope_hosts(struct crawl_scope *sc,
			     const struct config_list *list)
{
	char auth[512];
	size_t i;
	int rc = GZ_OK;

	for (i = 0; i < list->n && rc == GZ_OK; i++)
		if (url_authority(list->items[i], auth, sizeof auth) == GZ_OK)
			rc = crawl_scope_add(sc, auth);
	return rc;
}

/*
** Build the scope of source src: its scope entries (URL prefixes
** normalised), or when there are none the authorities of its feeds,
** sitemaps and seeds.  GZ_OK or GZ_ENOMEM.
*/
static int crawl_scope_build(const struct config_source *src,
			     struct crawl_scope *sc)
{
	size_t i;
	int rc = GZ_OK;

	for (i = 0; i < src->scope.n && rc == GZ_OK; i++) {
		const char *e = src->scope.items[i];
		char *norm = NULL;

		if (strstr(e, "://") &&
		    url_normalize(e, &norm, NULL) == GZ_OK) {
			/* "http://a.com/news" must not match "/newsletter":
			** the normalised prefix keeps what was written. */
			rc = crawl_scope_add(sc, norm);
			free(norm);
		} else {
			rc = crawl_scope_add(sc, e);
		}
	}
	if (src->scope.n == 0 && rc == GZ_OK) {
		rc = crawl_scope_hosts(sc, &src->feeds);
		if (rc == GZ_OK)
			rc = crawl_scope_hosts(sc, &src->sitemaps);
		if (rc == GZ_OK)
			rc = crawl_scope_hosts(sc, &src->seeds);
	}
	return rc;
}

/* ------------------------------------------------------------ hosts */

/* Drop every job queued on h, counting them as skipped by robots. */
static void crawl_host_drop(struct crawl *c, struct crawl_host *h)
{
	while (h->head) {
		struct crawl_job *j = h->head;

		h->head = j->next;
		c->st->skipped_robots++;
		crawl_job_free(j);
	}
	h->tail = NULL;
}

/* The host for origin, created when new (NULL when out of memory). */
static struct crawl_host *crawl_host_get(struct crawl *c, const char *origin,
					 size_t source)
{
	struct crawl_host *h;
	size_t i;

	for (i = 0; i < c->n_hosts; i++)
		if (strcmp(c->hosts[i]->origin, origin) == 0)
			return c->hosts[i];
	if (c->n_hosts == c->cap_hosts) {
		size_t ncap = c->cap_hosts ? 2 * c->cap_hosts : 16;
		struct crawl_host **n = realloc(c->hosts, ncap * sizeof *n);

		if (!n)
			return NULL;
		c->hosts = n;
		c->cap_hosts = ncap;
	}
	h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->origin = strdup(origin);
	if (!h->origin) {
		free(h);
		return NULL;
	}
	robots_init(&h->robots);
	h->source = source;
	h->delay_ms = c->cfg->delay_ms;
	h->rstate = c->cfg->obey_robots ? HR_UNKNOWN : HR_READY;
	c->hosts[c->n_hosts++] = h;
	return h;
}

/* Free every host and its queue. */
static void crawl_hosts_free(struct crawl *c)
{
	size_t i;

	for (i = 0; i < c->n_hosts; i++) {
		struct crawl_host *h = c->hosts[i];

		while (h->head) {
			struct crawl_job *j = h->head;

			h->head = j->next;
			crawl_job_free(j);
		}
		crawl_job_free(h->current);
		robots_free(&h->robots);
		free(h->origin);
		free(h);
	}
	free(c->hosts);
	c->hosts = NULL;
	c->n_hosts = c->cap_hosts = 0;
}

/* ------------------------------------------------------------ frontier */

/*
** Load the stored state of j's URL into j->state.  Returns 1 when j is a
** page (not a seed) that gave a document, a redirect or a 404/410 less than
** its source's revisit seconds ago (not to be fetched now), else 0.  A
** state that cannot be read counts as none.
*/
static int crawl_load_state(struct crawl *c, struct crawl_job *j)
{
	const struct config_source *src = &c->cfg->sources[j->source];
	const struct index_url_state *st = &j->state;
	char err[GZ_ERRLEN];
	long long now = (long long)time(NULL);
	int rc;

	rc = index_url_state_get(c->w, j->url, &j->state, err);
	j->has_state = 1;
	if (rc != GZ_OK) {
		if (rc != GZ_ENOTFOUND)
			crawl_warn("crawl state unreadable", j->url, err);
		index_url_state_init(&j->state);
		return 0;
	}
	/* Indexed pages, redirects to them and broken links wait; listing
	** pages (no document) are read every run. */
	if (j->always || j->kind != CK_PAGE || src->revisit_sec <= 0 ||
	    st->fetched <= 0 ||
	    (!st->doc_url && st->status != 404 && st->status != 410))
		return 0;
	/* Only a settled answer counts as a visit: errors are retried. */
	if (!((st->status >= 200 && st->status < 400) || st->status == 404 ||
	      st->status == 410))
		return 0;
	return now >= st->fetched && now - st->fetched < src->revisit_sec;
}

/*
** Queue ref (resolved against base, which may be NULL) as a job of kind
** for source, unless it is not http(s), already queued, out of scope (with
** CQ_SCOPE in flags), past the bounds or on a skipped host.  title and
** date are hints for a page (may be NULL).  Returns what was done.
*/
static enum crawl_q crawl_enqueue(struct crawl *c, const char *base,
				  const char *ref, enum crawl_kind kind,
				  size_t source, int depth, int hops, int flags,
				  const char *title, const struct gz_time *date)
{
	const struct crawl_scope *sc = &c->scopes[source];
	char origin[600];
	char *url = NULL;
	struct crawl_host *h;
	struct crawl_job *j;
	int r;

	if (url_resolve(base, ref, &url, NULL) != GZ_OK)
		return Q_BAD;
	if ((flags & CQ_SCOPE) && !url_in_scope(url, sc->items, sc->n)) {
		free(url);
		return Q_SCOPE;
	}
	if (c->recording) {
		/* Past the bound the list is cut: those links are found again
		** when the page changes. */
		struct buf *l = &c->recording->links;

		if (buf_addf(l, "%c %s\n", kind == CK_FEED ? 'F' : 'P', url) !=
		    GZ_OK)
			c->recording = NULL;
	}
	if (kind == CK_PAGE && c->pages_queued >= (size_t)c->cfg->max_pages) {
		if (!c->full_logged)
			log_warn("msg=\"max_pages reached; further URLs not "
				 "queued\" "
				 "max_pages=%d",
				 c->cfg->max_pages);
		c->full_logged = 1;
		free(url);
		return Q_FULL;
	}
	if (kind == CK_FEED && c->feeds_queued >= GZ_MAX_SITEMAPS) {
		free(url);
		return Q_FULL;
	}
	if (url_origin(url, origin, sizeof origin) != GZ_OK) {
		free(url);
		return Q_BAD;
	}
	r = crawl_seen_add(&c->seen, url);
	if (r <= 0) {
		free(url);
		if (r < 0) {
			crawl_fatal(c, GZ_ENOMEM, "out of memory");
			return Q_NOMEM;
		}
		return Q_SEEN;
	}
	h = crawl_host_get(c, origin, source);
	j = calloc(1, sizeof *j);
	if (!h || !j || (title && !(j->title_hint = strdup(title)))) {
		free(url);
		crawl_job_free(j);
		crawl_fatal(c, GZ_ENOMEM, "out of memory");
		return Q_NOMEM;
	}
	if (h->rstate == HR_SKIPPED) {
		c->st->skipped_robots++;
		free(url);
		crawl_job_free(j);
		return Q_SKIPPED;
	}
	j->url = url;
	j->kind = kind;
	j->source = source;
	j->depth = depth;
	j->hops = hops;
	j->host = h;
	j->always = kind != CK_PAGE || (flags & CQ_ALWAYS);
	index_url_state_init(&j->state);
	buf_init(&j->links, CRAWL_MAX_LINKS_BYTES);
	if (crawl_load_state(c, j)) {
		/* Not queued, so not counted against max_pages. */
		log_debug("msg=\"visited recently; not fetched\" url=\"%s\"",
			  j->url);
		c->st->fresh++;
		crawl_job_free(j);
		return Q_FRESH;
	}
	if (date)
		j->date_hint = *date;
	if (h->tail)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	if (kind == CK_PAGE)
		c->pages_queued++;
	else
		c->feeds_queued++;
	return Q_ADDED;
}

/* Put j back at the head of its host's queue (for a retry). */
static void crawl_requeue(struct crawl_job *j)
{
	struct crawl_host *h = j->host;

	j->next = h->head;
	h->head = j;
	if (!h->tail)
		h->tail = j;
}

/* Start the request for j (robots.txt, feed or page).  0 started, -1 not. */
static int crawl_start(struct crawl *c, struct crawl_job *j)
{
	struct fetch_request req;
	char err[GZ_ERRLEN];
	int rc;

	memset(&req, 0, sizeof req);
	req.url = j->url;
	req.user = j;
	if (j->has_state) {
		req.if_none_match = j->state.etag;
		req.if_modified_since = j->state.last_modified;
	}
	switch (j->kind) {
	case CK_ROBOTS:
		req.max_bytes = GZ_MAX_ROBOTS_BYTES;
		req.flags = FETCH_FOLLOW | FETCH_TRUNCATE;
		break;
	case CK_FEED:
		req.max_bytes = GZ_MAX_FEED_BYTES;
		req.flags = FETCH_FOLLOW;
		break;
	case CK_PAGE:
		req.max_bytes = (size_t)c->cfg->max_page_bytes;
		if (req.max_bytes == 0 || req.max_bytes > GZ_MAX_PAGE_BYTES)
			req.max_bytes = GZ_MAX_PAGE_BYTES;
		req.flags = 0;
		break;
	}
	if (c->warc)
		req.flags |= FETCH_KEEP_HEAD;
	rc = fetch_add(c->f, &req, err);
	if (rc != GZ_OK) {
		crawl_warn("fetch failed", j->url, err);
		if (j->kind != CK_ROBOTS)
			c->st->failed++;
		if (rc == GZ_ENOMEM)
			crawl_fatal(c, rc, "out of memory");
		return -1;
	}
	j->host->busy = 1;
	j->host->current = j;
	c->inflight++;
	return 0;
}

/* Start robots.txt for h.  0 started, -1 not (then h is ready, allow all). */
static int crawl_start_robots(struct crawl *c, struct crawl_host *h)
{
	struct crawl_job *j = calloc(1, sizeof *j);
	size_t n = strlen(h->origin) + sizeof "/robots.txt";

	if (j)
		j->url = malloc(n);
	if (!j || !j->url) {
		crawl_job_free(j);
		crawl_fatal(c, GZ_ENOMEM, "out of memory");
		return -1;
	}
	snprintf(j->url, n, "%s/robots.txt", h->origin);
	j->kind = CK_ROBOTS;
	j->source = h->source;
	j->host = h;
	h->rstate = HR_PENDING;
	if (crawl_start(c, j) != 0) {
		crawl_job_free(j);
		robots_set_policy(&h->robots, ROBOTS_DISALLOW_ALL);
		h->rstate = HR_READY;
		return -1;
	}
	return 0;
}

static int crawl_robots_cached(struct crawl *c, struct crawl_host *h);

/*
** Start the next request of idle host h: its robots.txt when unknown,
** else the first queued job robots.txt allows (disallowed ones are dropped
** and counted).  1 when a request started, 0 when none did.
*/
static int crawl_host_step(struct crawl *c, struct crawl_host *h)
{
	if (h->rstate == HR_UNKNOWN && !crawl_robots_cached(c, h))
		return crawl_start_robots(c, h) == 0;
	if (h->rstate != HR_READY)
		return 0;
	while (h->head && !c->fatal) {
		struct crawl_job *j = h->head;
		char *pq = NULL;
		int ok, rc;

		h->head = j->next;
		if (!h->head)
			h->tail = NULL;
		j->next = NULL;
		if (c->cfg->obey_robots) {
			ok = url_path_query(j->url, &pq) == GZ_OK &&
				robots_allowed(&h->robots, pq);
			free(pq);
			if (!ok) {
				log_info("msg=\"disallowed by robots.txt\" "
					 "url=\"%s\"",
					 j->url);
				c->st->skipped_robots++;
				crawl_job_free(j);
				continue;
			}
		}
		rc = crawl_start(c, j);
		if (rc == 0)
			return 1;
		crawl_job_free(j);
	}
	return 0;
}

/* ------------------------------------------------------------ results */

/*
** Apply a robots.txt answer to h: policy pol, and for ROBOTS_RULES the
** body[0..len).  why (may be NULL) says why a disallow-all came about.
** Sets the host's rules and delay (or skips the host past the Crawl-delay
** cap) and queues its Sitemap: lines.
*/
static void crawl_robots_apply(struct crawl *c, struct crawl_host *h,
			       enum robots_policy pol, const char *body,
			       size_t len, const char *why)
{
	const struct gz_config *cfg = c->cfg;
	char err[GZ_ERRLEN];
	size_t i;

	if (pol == ROBOTS_RULES) {
		if (robots_parse(body, len, cfg->user_agent, &h->robots, err) !=
		    GZ_OK) {
			crawl_fatal(c, GZ_ENOMEM, err);
			robots_set_policy(&h->robots, ROBOTS_DISALLOW_ALL);
		}
	} else {
		robots_set_policy(&h->robots, pol);
	}
	h->rstate = HR_READY;
	if (pol == ROBOTS_DISALLOW_ALL) {
		char url[700];

		snprintf(url, sizeof url, "%s/robots.txt", h->origin);
		crawl_warn("robots.txt unavailable; host not crawled", url,
			   why ? why : "");
		c->st->failed++; /* once per host: the site is down */
	}
	if (h->robots.crawl_delay_ms >= 0) {
		if (h->robots.crawl_delay_ms >
		    1000L * cfg->max_crawl_delay_sec) {
			log_warn(
				"msg=\"Crawl-delay above max_crawl_delay; host "
				"skipped\" host=\"%s\" crawl_delay_ms=%ld "
				"max_crawl_delay=%d",
				h->origin, h->robots.crawl_delay_ms,
				cfg->max_crawl_delay_sec);
			h->rstate = HR_SKIPPED;
			crawl_host_drop(c, h);
			return;
		}
		if (h->robots.crawl_delay_ms > h->delay_ms)
			h->delay_ms = h->robots.crawl_delay_ms;
	}
	for (i = 0; i < h->robots.n_sitemaps && !c->fatal; i++) {
		const char *sm = h->robots.sitemaps[i];
		char origin[600];

		/* The host's own sitemaps, and others within the scope. */
		if (url_origin(sm, origin, sizeof origin) == GZ_OK &&
		    strcmp(origin, h->origin) == 0)
			crawl_enqueue(c, NULL, sm, CK_FEED, h->source, 0, 0, 0,
				      NULL, NULL);
		else
			crawl_enqueue(c, NULL, sm, CK_FEED, h->source, 0, 0,
				      CQ_SCOPE, NULL, NULL);
	}
}

/*
** Use h's robots.txt from the index when it was fetched less than
** CRAWL_ROBOTS_TTL ago and answered 2xx or 4xx (failures are not cached).
** Returns 1 when it was applied, 0 when it must be fetched.
*/
static int crawl_robots_cached(struct crawl *c, struct crawl_host *h)
{
	char key[64], err[GZ_ERRLEN];
	char *val = NULL, *nl, *f[4];
	long long fetched, now = (long long)time(NULL);
	long status;
	size_t k;
	int ok = 0;

	index_url_key(META_ROBOTS_PREFIX, h->origin, key, sizeof key);
	if (index_get_meta(c->w, key, &val, err) != GZ_OK || !val[0])
		goto done;
	nl = strchr(val, '\n');
	if (!nl)
		goto done;
	*nl = '\0';
	f[0] = val;
	for (k = 1; k < 4; k++) {
		f[k] = strchr(f[k - 1], '\t');
		if (!f[k])
			goto done;
		*f[k]++ = '\0';
	}
	if (strcmp(f[0], "v1") != 0 || strcmp(f[1], h->origin) != 0)
		goto done;
	fetched = strtoll(f[2], NULL, 10);
	status = strtol(f[3], NULL, 10);
	if (fetched > now || now - fetched >= CRAWL_ROBOTS_TTL ||
	    robots_status_policy(status) == ROBOTS_DISALLOW_ALL)
		goto done;
	log_debug("msg=\"robots.txt from cache\" host=\"%s\" status=%ld",
		  h->origin, status);
	c->st->robots_cached++;
	crawl_robots_apply(c, h, robots_status_policy(status), nl + 1,
			   strlen(nl + 1), NULL);
	ok = 1;
done:
	free(val);
	return ok;
}

/* Remember a robots.txt answer (2xx or 4xx) for CRAWL_ROBOTS_TTL. */
static void crawl_robots_store(struct crawl *c, struct crawl_host *h,
			       const struct fetch_result *r)
{
	char key[64], err[GZ_ERRLEN];
	struct buf b;

	if (r->rc != GZ_OK ||
	    robots_status_policy(r->status) == ROBOTS_DISALLOW_ALL ||
	    strpbrk(h->origin, "\t\n"))
		return;
	buf_init(&b, GZ_MAX_ROBOTS_BYTES + 1024);
	if (buf_addf(&b, "v1\t%s\t%lld\t%ld\n", h->origin,
		     (long long)time(NULL), r->status) == GZ_OK &&
	    (r->status < 200 || r->status >= 300 ||
	     buf_add(&b, r->body.ptr, strnlen(r->body.ptr, r->body.len)) ==
		     GZ_OK)) {
		index_url_key(META_ROBOTS_PREFIX, h->origin, key, sizeof key);
		if (index_set_meta(c->w, key, b.ptr, err) == GZ_OK)
			c->dirty++;
	}
	buf_release(&b);
}

/* Handle the answer for a host's robots.txt. */
static void crawl_robots_done(struct crawl *c, struct crawl_job *j,
			      struct fetch_result *r)
{
	char why[GZ_ERRLEN];
	enum robots_policy pol;

	/* Too many redirects ends with the last 3xx: unavailable, so allow
	** all (RFC 9309 2.3.1.2); any other failure is unreachable. */
	pol = r->rc == GZ_OK || (r->status >= 300 && r->status < 400)
		? robots_status_policy(r->status)
		: ROBOTS_DISALLOW_ALL;
	if (r->rc != GZ_OK)
		snprintf(why, sizeof why, "%s", r->err);
	else
		snprintf(why, sizeof why, "status %ld", r->status);
	crawl_robots_store(c, j->host, r);
	crawl_robots_apply(c, j->host, pol, r->body.ptr, r->body.len, why);
}

/*
** Stage the links j's body led to (j->links) under gazette.links.*, so that
** a later 304 for j can queue them again (crawl_links_replay).
*/
static void crawl_links_save(struct crawl *c, struct crawl_job *j)
{
	char key[64], err[GZ_ERRLEN];
	struct buf b;

	if (strpbrk(j->url, "\t\n"))
		return;
	buf_init(&b, CRAWL_MAX_LINKS_BYTES + GZ_MAX_URL_LEN + 16);
	if (buf_addf(&b, "v1\t%s\n", j->url) == GZ_OK &&
	    buf_add(&b, j->links.ptr, j->links.len) == GZ_OK) {
		index_url_key(META_LINKS_PREFIX, j->url, key, sizeof key);
		if (index_set_meta(c->w, key, b.ptr, err) == GZ_OK)
			c->dirty++;
		else
			crawl_warn("links not saved", j->url, err);
	}
	buf_release(&b);
}

/*
** j answered 304: queue again what its body led to last time (saved by
** crawl_links_save), as if the body had been read.
*/
static void crawl_links_replay(struct crawl *c, struct crawl_job *j)
{
	char key[64], err[GZ_ERRLEN];
	char *val = NULL, *p, *nl;
	size_t n = 0;
	int depth = j->kind == CK_PAGE ? j->depth + 1 : 0;

	index_url_key(META_LINKS_PREFIX, j->url, key, sizeof key);
	if (index_get_meta(c->w, key, &val, err) != GZ_OK) {
		crawl_warn("links not read", j->url, err);
		return;
	}
	nl = strchr(val, '\n');
	if (!nl || strncmp(val, "v1\t", 3) != 0 ||
	    (size_t)(nl - val - 3) != strlen(j->url) ||
	    strncmp(val + 3, j->url, strlen(j->url)) != 0) {
		free(val);
		return;
	}
	for (p = nl + 1; *p && !c->fatal; p = nl + 1) {
		enum crawl_q q;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if ((p[0] != 'F' && p[0] != 'P') || p[1] != ' ')
			continue;
		q = crawl_enqueue(c, NULL, p + 2,
				  p[0] == 'F' ? CK_FEED : CK_PAGE, j->source,
				  depth, 0, CQ_SCOPE, NULL, NULL);
		if (q == Q_ADDED)
			n++;
	}
	free(val);
	log_debug("msg=\"not modified; earlier links queued\" url=\"%s\" "
		  "queued=%zu",
		  j->url, n);
}

/* Context of the feed entry callback. */
struct crawl_feed_ctx {
	struct crawl *c;           /* the run */
	const struct crawl_job *j; /* the feed's job */
	const char *base;          /* URL to resolve entries against */
};

/* feed_entry_fn: queue a feed or sitemap entry. */
static int crawl_feed_entry(void *ctx, const struct feed_entry *e)
{
	struct crawl_feed_ctx *fc = ctx;
	struct crawl *c = fc->c;
	enum crawl_q q;

	if (e->is_sitemap)
		q = crawl_enqueue(c, fc->base, e->url, CK_FEED, fc->j->source,
				  0, 0, 1, NULL, NULL);
	else
		q = crawl_enqueue(c, fc->base, e->url, CK_PAGE, fc->j->source,
				  0, 0, 1, e->title, &e->date);
	if (q == Q_SCOPE)
		c->st->skipped_scope++;
	return c->fatal ? 1 : 0;
}

/* Handle a feed or sitemap. */
static void crawl_feed_done(struct crawl *c, struct crawl_job *j,
			    struct fetch_result *r)
{
	struct crawl_feed_ctx fc;
	struct feed_info info;
	char err[GZ_ERRLEN] = "";
	int rc;

	if (r->rc == GZ_OK && r->status == 304) {
		log_debug("msg=\"feed not modified\" url=\"%s\"", j->url);
		c->st->not_modified++;
		crawl_links_replay(c, j);
		return;
	}
	if (r->rc != GZ_OK || r->status < 200 || r->status >= 300) {
		char why[GZ_ERRLEN];

		if (r->rc != GZ_OK)
			snprintf(why, sizeof why, "%s", r->err);
		else
			snprintf(why, sizeof why, "status %ld", r->status);
		crawl_warn("feed fetch failed", j->url, why);
		c->st->failed++;
		return;
	}
	fc.c = c;
	fc.j = j;
	fc.base = r->final_url ? r->final_url : j->url;
	c->recording = j;
	rc = feed_parse(r->body.ptr, r->body.len, crawl_feed_entry, &fc, &info,
			err);
	c->recording = NULL;
	if (rc == GZ_OK)
		crawl_links_save(c, j);
	c->st->feeds++;
	if (rc != GZ_OK) {
		crawl_warn(info.entries ? "feed partly read"
					: "feed unreadable",
			   j->url, err);
		if (rc != GZ_ETOOBIG)
			c->st->failed++;
	}
	log_info("msg=\"feed read\" url=\"%s\" kind=%s entries=%zu", j->url,
		 feed_kind_name(info.kind), info.entries);
}

/* True when content type ct names HTML (or is absent: extract decides). */
static int crawl_is_html(const char *ct)
{
	size_t n;

	if (!ct)
		return 1;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; \t");
	return (n == 9 && strncasecmp(ct, "text/html", 9) == 0) ||
		(n == 21 && strncasecmp(ct, "application/xhtml+xml", 21) == 0);
}

/* Commit the staged documents and state.  Sets c->fatal on failure. */
static void crawl_commit(struct crawl *c)
{
	char err[GZ_ERRLEN];
	int rc;

	if (!c->uncommitted && !c->dirty)
		return;
	rc = index_commit(c->w, err);
	if (rc != GZ_OK) {
		crawl_fatal(c, rc, err);
		return;
	}
	log_info("msg=\"committed\" documents=%zu states=%zu", c->uncommitted,
		 c->dirty);
	c->uncommitted = 0;
	c->dirty = 0;
}

/* ------------------------------------------------------------ workers */

/*
** Keep a's canonical URL only when it is an http(s) URL within sc (the
** scope of the page's source), normalised; a page may not claim another
** site's article.  Returns 1 when a canonical URL was dropped, else 0.
** Any thread.
*/
static int crawl_canonical(const struct crawl_scope *sc, struct article *a)
{
	char *norm = NULL;

	if (!a->canonical_url)
		return 0;
	if (url_normalize(a->canonical_url, &norm, NULL) == GZ_OK &&
	    url_in_scope(norm, sc->items, sc->n)) {
		free(a->canonical_url);
		a->canonical_url = norm;
		return 0;
	}
	free(norm);
	free(a->canonical_url);
	a->canonical_url = NULL;
	return 1;
}

/* extract_link_fn: keep a link found on a page (at most
** GZ_MAX_LINKS_PER_PAGE), for the loop to queue (crawl_links_found). */
static void crawl_link_keep(void *ctx, const char *url, const char *anchor)
{
	struct crawl_item *it = ctx;

	(void)anchor;
	if (it->n_links >= GZ_MAX_LINKS_PER_PAGE)
		return;
	it->n_links++;
	if (buf_add(&it->links, url, strlen(url) + 1) != GZ_OK)
		it->n_links = GZ_MAX_LINKS_PER_PAGE; /* the list is cut */
}

/*
** Extract the page of it and, when its kind is indexed, build its
** document with builder b: it->xrc, kind, links, to_index, brc, built.
** The feed's hints fill what the page does not say.  Worker thread.
*/
static void crawl_extract(const struct crawl_shared *sh,
			  struct index_builder *b, struct crawl_item *it)
{
	const struct crawl_job *j = it->j;
	const struct config_source *src = &sh->cfg->sources[j->source];
	struct extract_opts o;
	struct article a;
	enum page_kind kind = PAGE_OTHER;

	memset(&o, 0, sizeof o);
	o.url = j->url;
	o.content_type = it->r->content_type;
	o.default_source = src->outlet;
	o.fallback_source = src->name;
	o.has_tz = src->has_tz;
	o.tz_min = src->tz_min;
	if (it->follow) {
		o.on_link = crawl_link_keep;
		o.link_ctx = it;
	}
	article_init(&a);
	it->xrc = extract_html(it->r->body.ptr, it->r->body.len, &o, &a, &kind,
			       it->err);
	it->kind = kind;
	it->to_index = it->xrc == GZ_OK &&
		(kind == PAGE_ARTICLE ||
		 (kind == PAGE_LISTING && src->index_listings));
	if (it->to_index) {
		if (!gz_time_valid(&a.published) &&
		    gz_time_valid(&j->date_hint)) {
			a.published = j->date_hint;
			if (!a.confidence)
				article_set(&a.confidence, "published:feed");
		}
		if ((!a.title || !a.title[0]) && j->title_hint)
			article_set(&a.title, j->title_hint);
		if (!a.url)
			article_set(&a.url, j->url);
		it->canonical_dropped =
			crawl_canonical(&sh->scopes[j->source], &a);
		it->brc = index_build(b, &a, &it->built, it->err);
	}
	article_free(&a);
}

/*
** Pack r's WARC record into it->packed (its head rewritten for the
** decoded body), or say why not in it->pack_err.  Any thread.
*/
static void crawl_pack(struct warc_packer *pk, struct crawl_item *it)
{
	const struct fetch_result *r = it->r;
	struct warc_exchange x;
	struct buf head;

	buf_init(&head, FETCH_MAX_HEAD + 256);
	if (fetch_head_decoded(r->head.ptr, r->head.len, r->body.len, &head) !=
	    GZ_OK) {
		snprintf(it->pack_err, sizeof it->pack_err, "unusable head");
		buf_release(&head);
		return;
	}
	memset(&x, 0, sizeof x);
	x.url = r->final_url ? r->final_url : r->url;
	x.ip = r->remote_ip;
	x.response_head = head.ptr;
	x.response_head_len = head.len;
	x.body = r->body.ptr;
	x.body_len = r->body.len;
	warc_pack_response(pk, &x, &it->packed, it->pack_err);
	buf_release(&head);
}

/* Hash a 2xx body for the URL's state (once). */
static void crawl_hash_body(struct crawl_item *it)
{
	const struct fetch_result *r = it->r;

	if (!it->body_hash[0] && r->rc == GZ_OK && r->status >= 200 &&
	    r->status < 300)
		gz_hash_hex(gz_hash64(r->body.ptr, r->body.len, 0),
			    it->body_hash);
}

/*
** workq_fn: the costly part of one answer, on worker thread `worker`.
** A page's body is not needed afterwards and is freed here.
*/
static void crawl_work(void *arg, unsigned worker, void *item)
{
	const struct crawl_shared *sh = arg;
	struct crawl_item *it = item;

	crawl_hash_body(it);
	if (it->archive)
		crawl_pack(sh->packers[worker], it);
	if (it->extract) {
		crawl_extract(sh, sh->builders[worker], it);
		buf_release(&it->r->body);
	}
}

/* workq_notify_fn: an item is done; wake the loop from curl's poll. */
static void crawl_notify(void *arg)
{
	const struct crawl_shared *sh = arg;

	fetch_wakeup(sh->f);
}

/* Free an item and all it holds; NULL is a no-op. */
static void crawl_item_free(void *item)
{
	struct crawl_item *it = item;

	if (!it)
		return;
	crawl_job_free(it->j);
	fetch_result_free(it->r);
	warc_packed_free(it->packed);
	index_built_free(it->built);
	buf_release(&it->links);
	free(it);
}

/* ------------------------------------------------------------ results */

/*
** Queue the links the page of it led to, as found, recording them in its
** job; then, when it was read whole, stage them for a later 304
** (crawl_links_save).
*/
static void crawl_links_found(struct crawl *c, struct crawl_item *it)
{
	struct crawl_job *j = it->j;
	const char *p = it->links.ptr, *end = p + it->links.len;

	c->recording = j;
	for (; p < end && !c->fatal; p += strlen(p) + 1) {
		enum crawl_q q =
			crawl_enqueue(c, j->url, p, CK_PAGE, j->source,
				      j->depth + 1, 0, CQ_SCOPE, NULL, NULL);

		if (q == Q_SCOPE)
			c->st->skipped_scope++;
	}
	c->recording = NULL;
	if (it->xrc == GZ_OK)
		crawl_links_save(c, j);
}

/* Put the document a worker built for the page of it into the index. */
static void crawl_put(struct crawl *c, struct crawl_item *it)
{
	struct crawl_job *j = it->j;
	enum index_put_result res = INDEX_NEW;
	char err[GZ_ERRLEN];
	int rc = it->brc;

	if (rc == GZ_OK)
		rc = index_put_built(c->w, it->built, &res, err);
	else
		snprintf(err, sizeof err, "%s", it->err);
	if (rc == GZ_OK && res != INDEX_DUPLICATE &&
	    article_set(&j->state.doc_url, index_built_key(it->built)) != GZ_OK)
		crawl_fatal(c, GZ_ENOMEM, "out of memory");
	if (rc != GZ_OK) {
		crawl_warn("index failed", j->url, err);
		c->st->failed++;
		if (rc == GZ_ENOMEM || rc == GZ_ECORRUPT || rc == GZ_ELOCKED)
			crawl_fatal(c, rc, err);
		return;
	}
	switch (res) {
	case INDEX_NEW: c->st->new_docs++; break;
	case INDEX_UPDATED: c->st->updated++; break;
	case INDEX_UNCHANGED: c->st->unchanged++; break;
	case INDEX_DUPLICATE:
		log_info(
			"msg=\"same content as another document; not indexed\" "
			"url=\"%s\"",
			j->url);
		c->st->duplicates++;
		break;
	}
	/* Committed by crawl_apply, once the URL's state is staged too. */
	if (res == INDEX_NEW || res == INDEX_UPDATED)
		c->uncommitted++;
}

/* Index the extracted HTML page of it (its links first). */
static void crawl_index_page(struct crawl *c, struct crawl_item *it)
{
	struct crawl_job *j = it->j;

	if (it->follow)
		crawl_links_found(c, it);
	if (it->xrc != GZ_OK) {
		crawl_warn("extraction failed", j->url, it->err);
		c->st->failed++;
		return;
	}
	if (it->kind == PAGE_LISTING)
		c->st->listings++;
	if (!it->to_index) {
		log_debug("msg=\"not indexed\" url=\"%s\" kind=%s", j->url,
			  it->kind == PAGE_LISTING ? "listing" : "other");
		return;
	}
	if (it->canonical_dropped)
		log_debug("msg=\"canonical URL ignored\" url=\"%s\"", j->url);
	crawl_put(c, it);
}

/* Handle a page answering 404 or 410: mark its document gone, if any. */
static void crawl_page_gone(struct crawl *c, struct crawl_job *j,
			    struct fetch_result *r)
{
	/* doc_url of a redirect is its target, which is not gone. */
	const char *doc = j->state.doc_url &&
			!(j->state.status >= 300 && j->state.status < 400)
		? j->state.doc_url
		: j->url;
	char why[GZ_ERRLEN];
	time_t when = j->state.gone > 0 ? (time_t)j->state.gone : time(NULL);
	int changed = 0, rc;

	if (j->state.gone <= 0)
		j->state.gone = (long long)when;
	rc = index_mark_gone_at(c->w, doc, when, &changed, why);
	if (rc == GZ_OK) {
		if (changed) {
			c->st->gone++;
			c->uncommitted++;
			log_info("msg=\"gone\" url=\"%s\" status=%ld", j->url,
				 r->status);
		} else {
			c->st->not_found++;
			log_debug("msg=\"still gone\" url=\"%s\"", j->url);
		}
		return;
	}
	if (rc != GZ_ENOTFOUND) {
		crawl_warn("index failed", j->url, why);
		c->st->failed++;
		if (rc == GZ_ENOMEM || rc == GZ_ECORRUPT || rc == GZ_ELOCKED)
			crawl_fatal(c, rc, why);
		return;
	}
	if (j->depth > 0 || j->state.gone > 0 || j->hops > 0) {
		/* A broken link on a page: the site's problem, not a failure
		** of the run. */
		log_info("msg=\"broken link\" url=\"%s\" status=%ld", j->url,
			 r->status);
		c->st->not_found++;
		return;
	}
	snprintf(why, sizeof why, "status %ld", r->status);
	crawl_warn("fetch failed", j->url, why);
	c->st->failed++;
}

/* Handle a page answering with a redirect that was not followed. */
static void crawl_page_redirect(struct crawl *c, struct crawl_job *j,
				struct fetch_result *r)
{
	enum crawl_q q;
	char *target = NULL;
	char why[GZ_ERRLEN];

	if (j->hops >= GZ_MAX_REDIRECTS) {
		snprintf(why, sizeof why, "more than %d redirects",
			 GZ_MAX_REDIRECTS);
		crawl_warn("fetch failed", j->url, why);
		c->st->failed++;
		return;
	}
	c->st->redirects++;
	if (url_resolve(j->url, r->redirect_url, &target, NULL) == GZ_OK) {
		/* Recorded: the next run knows where this URL led. */
		free(j->state.doc_url);
		j->state.doc_url = target;
	}
	q = crawl_enqueue(c, j->url, r->redirect_url, CK_PAGE, j->source,
			  j->depth, j->hops + 1,
			  CQ_SCOPE | (j->always ? CQ_ALWAYS : 0), j->title_hint,
			  &j->date_hint);
	if (q == Q_BAD) {
		crawl_warn("fetch failed", j->url,
			   "redirect to a URL that is not http(s)");
		c->st->failed++;
	} else if (q == Q_SCOPE) {
		c->st->skipped_scope++;
		log_info("msg=\"redirect out of scope\" url=\"%s\"", j->url);
	}
}

/*
** Handle a page response (429 and 503 with a usable Retry-After were
** requeued when they arrived: crawl_retry).
*/
static void crawl_page_done(struct crawl *c, struct crawl_item *it)
{
	struct crawl_job *j = it->j;
	struct fetch_result *r = it->r;
	char why[GZ_ERRLEN];

	if (r->rc != GZ_OK) {
		crawl_warn("fetch failed", j->url, r->err);
		c->st->failed++;
		return;
	}
	if (r->status == 304) {
		log_debug("msg=\"not modified\" url=\"%s\"", j->url);
		c->st->not_modified++;
		if (j->depth < c->cfg->sources[j->source].depth)
			crawl_links_replay(c, j);
		return;
	}
	if (r->status >= 300 && r->status < 400 && r->redirect_url) {
		crawl_page_redirect(c, j, r);
		return;
	}
	if (r->status == 404 || r->status == 410) {
		crawl_page_gone(c, j, r);
		return;
	}
	if (r->status < 200 || r->status >= 300) {
		if (r->retry_after_sec >= 0)
			snprintf(why, sizeof why,
				 "status %ld, retry after %ld s", r->status,
				 r->retry_after_sec);
		else
			snprintf(why, sizeof why, "status %ld", r->status);
		crawl_warn("fetch failed", j->url, why);
		c->st->failed++;
		return;
	}
	j->state.gone = 0;
	if (!it->extract) {
		/* links to PDFs, images and feeds are ordinary: not a warning */
		crawl_log(LOG_INFO, "not HTML; skipped", j->url,
			  r->content_type);
		c->st->skipped_type++;
		return;
	}
	crawl_index_page(c, it);
}

/*
** Update j's state from its answer r and stage it.  Validators and the
** body hash (body_hash, as crawl_hash_body made it) come from a 2xx
** answer; a 304 keeps the old ones unless it sends new ones; failures
** count up until an answer settles them.
*/
static void crawl_save_state(struct crawl *c, struct crawl_job *j,
			     const struct fetch_result *r,
			     const char *body_hash)
{
	struct index_url_state *st = &j->state;
	char err[GZ_ERRLEN];
	int rc, ok;

	if (!j->has_state)
		return;
	ok = r->rc == GZ_OK &&
		((r->status >= 200 && r->status < 400) || r->status == 404 ||
		 r->status == 410);
	st->status = r->rc == GZ_OK ? (int)r->status : 0;
	if (ok) {
		st->fetched = (long long)time(NULL);
		st->failures = 0;
	} else if (st->failures < 1000000) {
		st->failures++;
	}
	if (r->rc == GZ_OK && r->status >= 200 && r->status < 300) {
		snprintf(st->body_hash, sizeof st->body_hash, "%s", body_hash);
		rc = article_set(&st->etag, r->etag);
		if (rc == GZ_OK)
			rc = article_set(&st->last_modified, r->last_modified);
		if (rc != GZ_OK) {
			crawl_fatal(c, GZ_ENOMEM, "out of memory");
			return;
		}
	} else if (r->rc == GZ_OK && r->status == 304) {
		if (r->etag && article_set(&st->etag, r->etag) != GZ_OK)
			crawl_fatal(c, GZ_ENOMEM, "out of memory");
		if (r->last_modified &&
		    article_set(&st->last_modified, r->last_modified) != GZ_OK)
			crawl_fatal(c, GZ_ENOMEM, "out of memory");
	}
	rc = index_url_state_put(c->w, j->url, st, err);
	if (rc != GZ_OK) {
		crawl_warn("crawl state not saved", j->url, err);
		if (rc == GZ_ENOMEM || rc == GZ_ECORRUPT || rc == GZ_ELOCKED)
			crawl_fatal(c, rc, err);
		return;
	}
	c->dirty++;
}

/*
** Append the WARC record of it, packed by a worker or, for a small answer,
** here and now.
*/
static void crawl_archive(struct crawl *c, struct crawl_item *it)
{
	char err[GZ_ERRLEN];

	if (!it->archive)
		return;
	if (!it->packed && !it->pack_err[0])
		crawl_pack(c->packer, it);
	if (!it->packed) {
		crawl_warn("response not archived", it->r->url, it->pack_err);
		return;
	}
	if (warc_writer_add_packed(c->warc, it->packed, NULL, err) == GZ_OK)
		c->st->warc_records++;
	else
		crawl_warn("response not archived", it->r->url, err);
}

/*
** Apply one item in its turn: its WARC record, what its answer means for
** the job, the job's state; then commit when a batch is full.  Frees it.
*/
static void crawl_apply(struct crawl *c, struct crawl_item *it)
{
	struct crawl_job *j = it->j;

	crawl_archive(c, it);
	if (j) {
		switch (j->kind) {
		case CK_ROBOTS: crawl_robots_done(c, j, it->r); break;
		case CK_FEED: crawl_feed_done(c, j, it->r); break;
		case CK_PAGE: crawl_page_done(c, it); break;
		}
		if (j->kind != CK_ROBOTS) {
			crawl_hash_body(it);
			crawl_save_state(c, j, it->r, it->body_hash);
		}
	}
	crawl_item_free(it);
	if (c->uncommitted >= (size_t)(c->cfg->commit_every > 0
					       ? c->cfg->commit_every
					       : 1) ||
	    c->dirty >= CRAWL_STATE_BATCH)
		crawl_commit(c);
}

/* Apply every item at the head of the pool's queue that is done. */
static void crawl_take(struct crawl *c)
{
	struct crawl_item *it;

	while (!c->fatal && (it = workq_take(c->pool)) != NULL)
		crawl_apply(c, it);
}

/*
** A page answering 429 or 503 with a Retry-After within max_crawl_delay
** goes back to the head of its host's queue, the host waiting that long,
** at most CRAWL_MAX_RETRIES times.  Returns 1 when j was requeued (r no
** longer refers to it), else 0.
*/
static int crawl_retry(struct crawl *c, struct crawl_job *j,
		       struct fetch_result *r, long long now)
{
	if (j->kind != CK_PAGE || r->rc != GZ_OK ||
	    (r->status != 429 && r->status != 503) || r->retry_after_sec < 0 ||
	    r->retry_after_sec > c->cfg->max_crawl_delay_sec ||
	    j->attempts >= CRAWL_MAX_RETRIES)
		return 0;
	log_info("msg=\"retry later\" url=\"%s\" status=%ld "
		 "retry_after=%ld",
		 j->url, r->status, r->retry_after_sec);
	j->host->next_ok = now + 1000LL * r->retry_after_sec;
	j->attempts++;
	r->user = NULL;
	crawl_requeue(j);
	return 1;
}

/*
** Take one completed request: free its host for the next request, then
** queue it as an item, for a worker when it has costly work.
*/
static void crawl_done(struct crawl *c, struct fetch_result *r)
{
	struct crawl_job *j = r->user;
	struct crawl_host *h = j->host;
	struct crawl_item *it;
	long long now = (long long)gz_mono_ms();
	int work;

	c->inflight--;
	h->busy = 0;
	h->current = NULL;
	h->next_ok = now + h->delay_ms;
	if (r->status > 0)
		c->st->fetched++;
	c->st->bytes += r->body.len;
	log_debug("msg=\"fetched\" url=\"%s\" status=%ld bytes=%zu rc=%s",
		  j->url, r->status, r->body.len, gz_errname(r->rc));
	it = calloc(1, sizeof *it);
	if (!it) {
		crawl_fatal(c, GZ_ENOMEM, "out of memory");
		crawl_job_free(j);
		fetch_result_free(r);
		return;
	}
	it->r = r;
	it->j = crawl_retry(c, j, r, now) ? NULL : j;
	buf_init(&it->links, CRAWL_MAX_LINKS_BYTES);
	it->archive = c->warc && r->status > 0 && r->head.len > 0;
	it->extract = it->j && j->kind == CK_PAGE && r->rc == GZ_OK &&
		r->status >= 200 && r->status < 300 &&
		crawl_is_html(r->content_type);
	it->follow = it->extract && j->depth < c->cfg->sources[j->source].depth;
	work = it->extract ||
		(it->archive && r->body.len >= CRAWL_PACK_AWAY_BYTES);
	if (workq_push(c->pool, it, r->body.len, !work) != GZ_OK) {
		/* Never: a slot is kept for every transfer running. */
		crawl_fatal(c, GZ_EINTERNAL, "work queue full");
		crawl_item_free(it);
	}
}

/* ------------------------------------------------------------ the run */

/* Queue the configured feeds, sitemaps and seeds of every source. */
static void crawl_seed(struct crawl *c)
{
	size_t s, i;

	for (s = 0; s < c->cfg->n_sources && !c->fatal; s++) {
		const struct config_source *src = &c->cfg->sources[s];
		const struct config_list *lists[2] = { &src->feeds,
						       &src->sitemaps };
		size_t l;

		for (l = 0; l < 2; l++)
			for (i = 0; i < lists[l]->n; i++)
				if (crawl_enqueue(c, NULL, lists[l]->items[i],
						  CK_FEED, s, 0, 0, 0, NULL,
						  NULL) == Q_BAD) {
					crawl_warn("bad URL in config",
						   lists[l]->items[i],
						   "not an http(s) URL");
					c->st->failed++;
				}
		for (i = 0; i < src->seeds.n; i++)
			if (crawl_enqueue(c, NULL, src->seeds.items[i], CK_PAGE,
					  s, 0, 0, CQ_ALWAYS, NULL,
					  NULL) == Q_BAD) {
				crawl_warn("bad URL in config",
					   src->seeds.items[i],
					   "not an http(s) URL");
				c->st->failed++;
			}
	}
}

/*
** One pass over the hosts: start what may start, while the pool has room
** for the answers.  Returns 1 when any work remains (queued, in flight or
** in the pool), and lowers *wait_ms to the time until the next host's
** delay ends.
*/
static int crawl_schedule(struct crawl *c, long *wait_ms)
{
	long long now = (long long)gz_mono_ms();
	size_t concurrency =
		(size_t)(c->cfg->concurrency > 0 ? c->cfg->concurrency : 1);
	size_t k, n = c->n_hosts, room = workq_room(c->pool, c->inflight);
	int work = workq_count(c->pool) > 0;

	for (k = 0; k < n && !c->fatal; k++) {
		struct crawl_host *h = c->hosts[(c->rr + k) % n];

		if (h->busy) {
			work = 1;
			continue;
		}
		if (!h->head)
			continue;
		work = 1;
		if (c->inflight >= concurrency || room == 0)
			continue;
		if (now < h->next_ok) {
			if (h->next_ok - now < *wait_ms)
				*wait_ms = (long)(h->next_ok - now);
			continue;
		}
		if (crawl_host_step(c, h))
			room--;
	}
	if (n)
		c->rr = (c->rr + 1) % n;
	return work || c->inflight > 0;
}

/* The first of the stop signals that is pending, or 0. */
static int crawl_stop_pending(const struct crawl *c)
{
	sigset_t pending;
	int sig;

	if (!c->o->stop_signals || sigpending(&pending) != 0)
		return 0;
	for (sig = 1; sig < 32; sig++)
		if (sigismember(c->o->stop_signals, sig) == 1 &&
		    sigismember(&pending, sig) == 1)
			return sig;
	return 0;
}

/*
** Wait up to ms, in short steps so that a pending stop signal ends the
** wait early (it is only peeked at with sigpending: it stays pending for
** crawl_stop_pending); and while the pool holds items, only until the
** next one is done.
*/
static void crawl_wait(const struct crawl *c, long ms)
{
	while (ms > 0 && !crawl_stop_pending(c)) {
		long step = ms < 50 ? ms : 50;

		if (workq_count(c->pool) > 0) {
			if (workq_wait(c->pool, step))
				return;
		} else {
			crawl_sleep_ms(step);
		}
		ms -= step;
	}
}

/* Jobs queued on every host. */
static size_t crawl_queued(const struct crawl *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_hosts; i++) {
		const struct crawl_job *j;

		for (j = c->hosts[i]->head; j; j = j->next)
			n++;
	}
	return n;
}

/* Redraw the progress line on stderr, at most once a second. */
static void crawl_progress(struct crawl *c, int final)
{
	const struct crawl_stats *s = c->st;
	long long now = (long long)gz_mono_ms();

	if (!c->o->progress)
		return;
	if (final) {
		fputs("\033[K", stderr);
		fflush(stderr);
		return;
	}
	if (now < c->next_progress)
		return;
	c->next_progress = now + 1000;
	/* Cursor left at the start: a log line that follows overwrites it. */
	fprintf(stderr,
		"\033[Kcrawl: fetched=%lu not_modified=%lu new=%lu "
		"updated=%lu failed=%lu queued=%zu running=%zu "
		"processing=%zu\r",
		s->fetched, s->not_modified, s->new_docs, s->updated, s->failed,
		crawl_queued(c), c->inflight, workq_count(c->pool));
	fflush(stderr);
}

/*
** gzip level of the crawl's WARC records: zlib's fast levels (1-3) take
** about 40% less CPU than its default 6 on news pages, for files about 5%
** larger (bench/RESULTS.md, Crawl).
*/
#define CRAWL_WARC_LEVEL 3

/* Open the WARC writer when warc_dir is set.  GZ_OK or an error in err. */
static int crawl_open_warc(struct crawl *c, char *err)
{
	const char *dir = c->cfg->warc_dir;

	if (!dir || !*dir)
		return GZ_OK;
	return warc_writer_open(dir, "gazette", GZ_VERSION, 0,
				(c->cfg->no_sync ? WARC_W_NO_FSYNC : 0) |
					WARC_W_LEVEL(CRAWL_WARC_LEVEL),
				&c->warc, err);
}

/*
** Start the pool: a builder (and with WARC on a packer) per worker, then
** the threads (see the top of the file).  GZ_OK, or an error in err.
*/
static int crawl_pool_start(struct crawl *c, struct crawl_shared *sh, char *err)
{
	struct workq_opts wo;
	/* The loop thread keeps a core busy with the writes. */
	unsigned n = workq_default_workers(c->o->workers, 1), i;
	int rc;

	sh->cfg = c->cfg;
	sh->scopes = c->scopes;
	sh->f = c->f;
	sh->builders = calloc(n, sizeof *sh->builders);
	sh->packers = calloc(n, sizeof *sh->packers);
	if (!sh->builders || !sh->packers)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		rc = index_builder_new(&sh->builders[i], err);
		if (rc != GZ_OK)
			return rc;
		sh->n_builders++;
		if (c->warc)
			rc = warc_packer_new(WARC_W_LEVEL(CRAWL_WARC_LEVEL),
					     &sh->packers[i], err);
		if (rc != GZ_OK)
			return rc;
	}
	if (c->warc) {
		rc = warc_packer_new(WARC_W_LEVEL(CRAWL_WARC_LEVEL), &c->packer,
				     err);
		if (rc != GZ_OK)
			return rc;
	}
	extract_global_init();
	memset(&wo, 0, sizeof wo);
	wo.workers = n;
	wo.slots = (size_t)(c->cfg->concurrency > 0 ? c->cfg->concurrency : 1) +
		CRAWL_SLOTS_PER_WORKER * (size_t)n;
	wo.budget = CRAWL_POOL_BUDGET;
	wo.process = crawl_work;
	wo.notify = crawl_notify;
	wo.arg = sh;
	c->sh = sh;
	rc = workq_new(&wo, &c->pool, err);
	if (rc == GZ_OK)
		log_debug("msg=\"crawl pool started\" workers=%u slots=%zu", n,
			  wo.slots);
	return rc;
}

/* Stop the pool, dropping what it holds; free the builders and packers. */
static void crawl_pool_stop(struct crawl *c, struct crawl_shared *sh)
{
	unsigned i;

	workq_free(c->pool, crawl_item_free);
	c->pool = NULL;
	for (i = 0; i < sh->n_builders; i++) {
		index_builder_free(sh->builders[i]);
		warc_packer_free(sh->packers[i]);
	}
	free(sh->builders);
	free(sh->packers);
	memset(sh, 0, sizeof *sh);
	warc_packer_free(c->packer);
	c->packer = NULL;
}

/*
** Apply what the pool still holds, waiting for the workers: after the
** loop, so that every answer received is handled (and committed).
*/
static void crawl_drain(struct crawl *c)
{
	while (!c->fatal && workq_count(c->pool) > 0) {
		workq_wait(c->pool, 1000);
		crawl_take(c);
	}
}

int crawl_run(const struct gz_config *cfg, struct index_writer *w,
	      const struct crawl_opts *o, struct crawl_stats *stats, char *err)
{
	static const struct crawl_opts no_opts;
	struct crawl c;
	struct crawl_shared sh;
	struct fetch_opts fo;
	long long start = (long long)gz_mono_ms();
	size_t s;
	int rc;

	memset(&c, 0, sizeof c);
	memset(&sh, 0, sizeof sh);
	c.cfg = cfg;
	c.w = w;
	c.st = stats;
	c.err = err;
	c.o = o ? o : &no_opts;
	if (cfg->n_sources == 0)
		return gz_fail(err, GZ_EINVAL, "no sources to crawl");
	c.scopes = calloc(cfg->n_sources, sizeof *c.scopes);
	if (!c.scopes)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	for (s = 0; s < cfg->n_sources; s++) {
		if (crawl_scope_build(&cfg->sources[s], &c.scopes[s]) !=
		    GZ_OK) {
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			goto done;
		}
	}
	rc = crawl_open_warc(&c, err);
	if (rc != GZ_OK)
		goto done;
	memset(&fo, 0, sizeof fo);
	fo.user_agent = cfg->user_agent;
	fo.connect_timeout_sec = cfg->connect_timeout_sec;
	fo.timeout_sec = cfg->timeout_sec;
	fo.low_speed_bytes = 1;
	fo.low_speed_sec = cfg->timeout_sec > 0 && cfg->timeout_sec < 30
		? cfg->timeout_sec
		: 30;
	fo.allow_addresses = cfg->allow_addresses.items;
	fo.n_allow = cfg->allow_addresses.n;
	fo.max_host_connections = 1;
	rc = fetch_new(&fo, &c.f, err);
	if (rc != GZ_OK)
		goto done;
	rc = crawl_pool_start(&c, &sh, err);
	if (rc != GZ_OK)
		goto done;

	crawl_seed(&c);
	while (!c.fatal) {
		struct fetch_result *r = NULL;
		long wait = CRAWL_MAX_WAIT_MS;
		char ferr[GZ_ERRLEN];

		stats->stop_signal = crawl_stop_pending(&c);
		if (stats->stop_signal) {
			log_warn("msg=\"stopping on signal; committing what is "
				 "done\" signal=%d",
				 stats->stop_signal);
			break;
		}
		crawl_progress(&c, 0);
		crawl_take(&c);
		if (c.fatal || !crawl_schedule(&c, &wait))
			break;
		if (c.inflight == 0) {
			crawl_wait(&c, wait);
			continue;
		}
		rc = fetch_next(c.f, wait, &r, ferr);
		if (rc != GZ_OK) {
			crawl_fatal(&c, rc, ferr);
			break;
		}
		if (r)
			crawl_done(&c, r);
	}
	crawl_progress(&c, 1);
	crawl_drain(&c);
	if (!c.fatal)
		crawl_commit(&c);
	rc = c.fatal;
done:
	crawl_pool_stop(&c, &sh);
	fetch_free(c.f);
	if (c.warc) {
		char werr[GZ_ERRLEN];

		if (warc_writer_close(c.warc, werr) != GZ_OK)
			log_warn("msg=\"WARC file not closed\" reason=\"%s\"",
				 werr);
	}
	crawl_hosts_free(&c);
	crawl_seen_free(&c.seen);
	if (c.scopes) {
		for (s = 0; s < cfg->n_sources; s++) {
			size_t i;

			for (i = 0; i < c.scopes[s].n; i++)
				free(c.scopes[s].items[i]);
			free(c.scopes[s].items);
		}
		free(c.scopes);
	}
	stats->seconds += (double)((long long)gz_mono_ms() - start) / 1000.0;
	return rc;
}

void crawl_summary(const struct crawl_stats *s, char *out, size_t n)
{
	snprintf(out, n,
		 "fetched=%lu not_modified=%lu new=%lu updated=%lu "
		 "unchanged=%lu "
		 "duplicates=%lu gone=%lu failed=%lu robots=%lu fresh=%lu "
		 "seconds=%.1f",
		 s->fetched, s->not_modified, s->new_docs, s->updated,
		 s->unchanged, s->duplicates, s->gone, s->failed,
		 s->skipped_robots, s->fresh, s->seconds);
}
