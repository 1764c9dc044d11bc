/*
** index.h — writing articles into the index (the only writer of documents).
**
** An index_writer holds the index's write lock from index_open to
** index_close.  Writes are batched: index_put stages a document and
** index_commit makes everything staged durable and visible at once, so a
** kill at any moment loses at most the uncommitted batch.
**
** The crawler's per-URL state (struct index_url_state) and its other
** bookkeeping are kept as user metadata of the same database (schema.h
** lists the keys), so they commit together with the documents.
**
** One article is one document: the unique id is the key URL (the
** canonical URL when there is one); a new key whose content hash equals a
** stored document's is a duplicate and writes nothing; near-duplicates
** share a collapse key found through their SimHash (schema.h, simhash.h).
**
** Building and writing are two steps, so that the costly one runs on
** every core: index_build (thread-safe, one struct index_builder per
** thread) turns an article into a ready document with its hashes, and
** index_put_built (the writer's thread) does the lookups, the duplicate and
** near-duplicate checks and the write.  index_put is the two in a row.
**
** Sharded indexes (docs/sharding.md, schema.h): with a shard layout the
** index path is a directory holding one database per shard, a "meta"
** database for the crawl state and bookkeeping, and a stub file XAPIANDB
** listing them, so that opening the path reads all shards as one.  The
** writer routes each document to its shard and moves it when its date (or
** host) changes; the lock of the meta database is the lock of the whole
** index.
*/
#ifndef GZ_INDEX_H
#define GZ_INDEX_H

#include <stddef.h>
#include <time.h>

#include "article.h"
#include "gz_err.h"

struct index_writer;

/* What index_put did with an article. */
enum index_put_result {
	INDEX_NEW = 0,     /* no document had this key: added */
	INDEX_UPDATED = 1, /* replaced a document whose content differed */
	INDEX_UNCHANGED =
		2, /* same key and same content hash: nothing written */
	INDEX_DUPLICATE = 3 /* new key, but another document has exactly this
			      * content: nothing written */
};

/* Entries kept per near-duplicate bucket (the most recent ones). */
#define INDEX_ND_BUCKET 256

/* Flags for index_open. */
#define INDEX_NO_SYNC 0x01 /* no fsync on commit (tests, bulk loads) */

/*
** Open or create the index directory at path for writing.  GZ_ELOCKED when
** another writer holds it (the caller exits 75).  *out is the caller's, to
** close with index_close.  An existing sharded index is opened as such
** (its stored layout); a new one is a single database.
*/
int index_open(const char *path, int flags, struct index_writer **out,
	       char *err);

/*
** index_open with a shard layout for a new index: shard_by "year",
** "month" or "host" (shard_count shards, 1..INDEX_MAX_SHARD_COUNT), or
** NULL / "none" for a single database.  An existing index keeps the layout
** it was made with (a different shard_by is logged and ignored), except
** that a single-database index cannot become sharded in place: GZ_ECONFIG.
** Otherwise as index_open.
*/
int index_open_layout(const char *path, int flags, const char *shard_by,
		      unsigned shard_count, struct index_writer **out,
		      char *err);

/* Shards of a host-sharded index, at most. */
#define INDEX_MAX_SHARD_COUNT 1024

/* ---------------------------------------------------------- build, put */

struct index_builder; /* per-thread: a term generator and scratch */
struct index_built;   /* one article made into a document, ready to write */

/*
** A builder for index_build.  One per thread: a builder is not
** thread-safe, but builders are independent of each other and of every
** writer.  *out is the caller's, to free with index_builder_free.
*/
int index_builder_new(struct index_builder **out, char *err);
void index_builder_free(struct index_builder *b);

/*
** Make a (borrowed) into a ready document: stored data, terms, values and
** text, its key, content hash and SimHash.  Thread-safe with one builder
** per thread; touches no index.  *out is the caller's (index_built_free).
** GZ_EINVAL when a has no URL, GZ_ENOMEM, index errors.
*/
int index_build(struct index_builder *b, const struct article *a,
		struct index_built **out, char *err);
void index_built_free(struct index_built *d);

/* The key URL of a built document (borrowed from d). */
const char *index_built_key(const struct index_built *d);

/*
** Stage the built document d (which stays the caller's; it is changed, so
** put it once) as index_put does.  Writer thread only.
*/
int index_put_built(struct index_writer *w, struct index_built *d,
		    enum index_put_result *res, char *err);

/*
** Stage a (which stays the caller's) for the next commit, replacing any
** document with the same key URL.  *res (may be NULL) says what happened.
** GZ_EINVAL when a has no URL; index errors otherwise.
*/
int index_put(struct index_writer *w, const struct article *a,
	      enum index_put_result *res, char *err);

/*
** Mark the document for url as gone from the web (it stays searchable),
** recording the day of when (UTC) in SLOT_GONE.  A document already marked
** is left as it is (its first gone date stays).  *changed (may be NULL) is
** 1 when the document was rewritten.  GZ_ENOTFOUND when no document has
** that key.  index_put of the same URL later clears the mark.
*/
int index_mark_gone_at(struct index_writer *w, const char *url, time_t when,
		       int *changed, char *err);

/* index_mark_gone_at(w, url, now, NULL, err). */
int index_mark_gone(struct index_writer *w, const char *url, char *err);

/*
** What the crawler remembers about one fetched URL between runs.  Strings
** are NULL or malloc'd and owned by the struct (index_url_state_free).
*/
struct index_url_state {
	long long fetched;  /* Unix time of the last answer; 0 never */
	int status;         /* HTTP status of the last answer; 0 no answer */
	int failures;       /* consecutive failed fetches (0 after a success) */
	long long gone;     /* Unix time it was first found 404/410; 0 not */
	char body_hash[17]; /* hex FNV-1a of the last 2xx body; "" none */
	char *etag;         /* ETag of the last 2xx answer, or NULL */
	char *last_modified; /* Last-Modified of the last 2xx answer, or NULL */
	char *doc_url;       /* key URL of the document this URL produced, or
			       * the target of its redirect; NULL none */
};

/* Zero s (no validators, never fetched). */
void index_url_state_init(struct index_url_state *s);

/* Free what s owns and re-initialise it; safe on an initialised state. */
void index_url_state_free(struct index_url_state *s);

/*
** Load the state stored for the normalised URL url into *out (initialised
** by the caller; its old contents are freed).  GZ_OK; GZ_ENOTFOUND when
** nothing is stored for url (*out is then initialised); GZ_ENOMEM; index
** errors.  Sees what is staged and not yet committed.
*/
int index_url_state_get(struct index_writer *w, const char *url,
			struct index_url_state *out, char *err);

/*
** Stage s (borrowed) as the state of url, to be committed with the next
** index_commit.  Strings holding a tab, CR or LF are stored as absent.
** GZ_OK, GZ_EINVAL (no URL), GZ_ENOMEM, index errors.
*/
int index_url_state_put(struct index_writer *w, const char *url,
			const struct index_url_state *s, char *err);

/*
** Serialise s for url into a malloc'd string (the caller frees), or NULL
** when out of memory; parse one back (GZ_OK, GZ_EPARSE, GZ_ENOMEM; *out
** initialised by the caller; url, when not NULL, must match the stored
** one, else GZ_ENOTFOUND).  Exposed for tests.
*/
char *index_url_state_format(const char *url, const struct index_url_state *s);
int index_url_state_parse(const char *text, const char *url,
			  struct index_url_state *out, char *err);

/*
** The metadata key for url under prefix (one of schema.h's META_*_PREFIX),
** prefix + 32 hex digits, into out of size n (at least strlen(prefix)+33).
*/
void index_url_key(const char *prefix, const char *url, char *out, size_t n);

/*
** Commit what is staged: every shard written to, then the meta database
** (so that its crawl state never runs ahead of the documents).  Index
** errors are returned; nothing is lost.
*/
int index_commit(struct index_writer *w, char *err);

/* Number of documents (committed and staged), over all shards. */
int index_doccount(struct index_writer *w, unsigned *out, char *err);

/*
** The shard layout w writes: "none", "year", "month" or "host" (static);
** *count (may be NULL) receives the number of host shards.
*/
const char *index_layout(const struct index_writer *w, unsigned *count);

/*
** The shard a document with this publication time (may be invalid: no
** date) and key URL goes to under layout shard_by/count, into out of size
** n ("2013", "2013-07", "undated", "host-03"; "" for "none").  Pure, for
** tests and tools.
*/
void index_shard_name(const char *shard_by, unsigned count,
		      const struct gz_time *published, const char *key_url,
		      char *out, size_t n);

/* Store / fetch a metadata value under key (fetch: caller frees *out). */
int index_set_meta(struct index_writer *w, const char *key, const char *value,
		   char *err);
int index_get_meta(struct index_writer *w, const char *key, char **out,
		   char *err);

/*
** Commit and close, releasing the lock; NULL is a no-op.  Returns the commit's
** code (GZ_OK when w is NULL).
*/
int index_close(struct index_writer *w, char *err);

#endif /* GZ_INDEX_H */
