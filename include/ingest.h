/*
** ingest.h — bulk import: files, directory trees, WARC files and JSON-lines
** article records, into the index, on every core, in bounded memory.
**
** The pipeline (indexer/ingest.c) has three stages joined by one bounded
** ring of in-flight items:
**
**   reader thread   walks the inputs in order (directories recursively,
**                   names sorted), skips what is not HTML, reads files and
**                   WARC records, and hands each item a sequence number;
**   N workers       check whether the item is already indexed with the
**                   same bytes (a metadata lookup on their own read
**                   handle), else extract the article (extract_html, or
**                   article_from_json for JSON lines);
**   one writer      (the calling thread) puts the articles into the index
**                   in sequence order, committing every commit_every
**                   documents, and draws the progress line.
**
** The ring holds at most INGEST_RING items and its raw bytes stay under
** the memory budget (one oversized item is always let through alone), so
** memory is bounded whatever the size of the input.  Because the writer
** follows the input order, what a commit makes durable is always a prefix
** of the input, and a run stopped by a signal or a crash resumes where it
** stopped: a re-run skips, without extracting, every item whose URL and
** raw bytes are recorded as indexed (metadata "gazette.src.H", see
** docs/import.md).
*/
#ifndef GZ_INGEST_H
#define GZ_INGEST_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct index_writer;

/* Items in flight between the reader and the writer, at most. */
#define INGEST_RING 1024
/* Default memory budget for raw bytes in flight, and its allowed range. */
#define INGEST_DEFAULT_BUDGET (64u * 1024 * 1024)
#define INGEST_MIN_BUDGET     (1u * 1024 * 1024)
#define INGEST_MAX_BUDGET     (4096u * 1024 * 1024)
/* Extraction workers, at most. */
#define INGEST_MAX_JOBS 64
/* Longest JSON line accepted from a --jsonl input. */
#define INGEST_MAX_JSONL (16u * 1024 * 1024)
/* Directory depth followed, at most (deeper trees are reported). */
#define INGEST_MAX_DEPTH 64

/* Metadata key prefix of the record of what was imported from a URL. */
#define INGEST_META_PREFIX "gazette.src."

/* Why an item was skipped (struct ingest_stats.why). */
enum ingest_skip {
	INGEST_SKIP_EXTENSION = 0,  /* file name says it is not HTML */
	INGEST_SKIP_CONTENT,        /* content does not look like HTML */
	INGEST_SKIP_NOT_ARTICLE,    /* HTML, but no article in it */
	INGEST_SKIP_WARC_TYPE,      /* WARC record other than a response */
	INGEST_SKIP_WARC_STATUS,    /* WARC response whose status is not 200 */
	INGEST_SKIP_WARC_TYPE_MIME, /* WARC response that is not HTML */
	INGEST_SKIP_OTHER,          /* special files, empty files, duplicates */
	INGEST_SKIP_N
};

/* How a run is done. */
struct ingest_opts {
	const char *index_path; /* the index (for the workers' read handles) */
	const char *url;        /* URL of the one input, or NULL */
	const char *url_prefix; /* URL = prefix + path below a directory
				  * argument (or the file's name), or NULL */
	int jsonl;              /* inputs are JSON lines of article records */
	int force;              /* extract even what is recorded as indexed */
	unsigned jobs;          /* extraction workers; 0 = online cores */
	size_t budget;          /* raw bytes in flight; 0 = the default */
	unsigned commit_every;  /* documents per commit (>= 1) */
	int progress;           /* draw a progress line on stderr */
	volatile sig_atomic_t *stop; /* non-zero (a signal number) to stop;
				  * may be NULL */
};

/* What a run did. */
struct ingest_stats {
	unsigned long items;      /* files, WARC records and JSON lines seen */
	unsigned long added;      /* new documents */
	unsigned long updated;    /* replaced documents */
	unsigned long unchanged;  /* already indexed with the same content */
	unsigned long known;      /* of those, skipped before extraction */
	unsigned long duplicates; /* same content as another URL: not added */
	unsigned long skipped; /* not articles, not HTML, other WARC records */
	unsigned long why[INGEST_SKIP_N]; /* skipped, by reason */
	unsigned long failed;  /* unreadable, unparsable, malformed records */
	unsigned long commits; /* commits made */
	uint64_t bytes;        /* raw bytes read */
	double seconds;        /* wall time of the run */
	int stop_signal;       /* the signal that stopped the run, or 0 */
	int index_error;       /* 1 when the run stopped on an index error */
};

/*
** Import the inputs paths[0..n) (files, directories, .warc/.warc.gz files,
** "-" for standard input; every one JSON lines with o->jsonl) into w.
** Commits as it goes and at the end; *st is filled in either case.
** Returns GZ_OK when the run went through (items may have failed: see
** st->failed), GZ_EINVAL for bad options (message in err), or the index
** error that stopped it (message in err; what was committed stays).
** w stays the caller's.  Not reentrant on one writer.
*/
int ingest_run(struct index_writer *w, const struct ingest_opts *o, int n,
	       char **paths, struct ingest_stats *st, char *err);

/*
** The one-line summary of st ("files=... new=... seconds=...") into out
** of size n, NUL-terminated.
*/
void ingest_summary(const struct ingest_stats *st, char *out, size_t n);

/* The name of a skip reason ("extension", "content", ...); static. */
const char *ingest_skip_name(enum ingest_skip why);

/*
** Pure helpers, exposed for tests.
**
** ingest_ext_kind: 1 when the file name's extension says HTML, 0 when it
** says something else (images, styles, scripts, data, archives...), -1
** when it says nothing (no or unknown extension: sniff the content).
** ".txt" says nothing here: a plain-text article (textpage.h).
*/
int ingest_ext_kind(const char *name);

/* 1 when the first bytes of data[0..len) look like HTML, else 0. */
int ingest_sniff_html(const char *data, size_t len);

/* 1 when a Content-Type names HTML (text/html, application/xhtml+xml). */
int ingest_mime_html(const char *content_type);

/*
** prefix + rel, each byte of rel outside the URL-safe set (and '%')
** percent-encoded, into out of size n.  Returns 0, or -1 when it does not
** fit (out is then "").
*/
int ingest_join_url(const char *prefix, const char *rel, char *out, size_t n);

/*
** The recorded value for an item: 16 hex digits of the hash of its raw
** bytes, a kind letter ('a' indexed, 'n' not an article) and the URL, into
** out of size n.
*/
void ingest_src_value(uint64_t raw_hash, char kind, const char *url, char *out,
		      size_t n);

#endif /* GZ_INGEST_H */
