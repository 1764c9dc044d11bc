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
	INDEX_NEW = 0,       /* no document had this key: added */
	INDEX_UPDATED = 1,   /* replaced a document whose content differed */
	INDEX_UNCHANGED = 2, /* same key and same content hash: nothing written */
	INDEX_DUPLICATE = 3  /* new key, but another document has exactly this
			      * content: nothing written */
};

/* Entries kept per near-duplicate bucket (the most recent ones). */
#define INDEX_ND_BUCKET 256

/* Flags for index_open. */
#define INDEX_NO_SYNC 0x01 /* no fsync on commit (tests, bulk loads) */

/*
** Open or create the index directory at path for writing.  GZ_ELOCKED when
** another writer holds it (the caller exits 75).  *out is the caller's, to
** close with index_close.
*/
int index_open(const char *path, int flags, struct index_writer **out,
	       char *err);

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
	long long fetched;    /* Unix time of the last answer; 0 never */
	int status;           /* HTTP status of the last answer; 0 no answer */
	int failures;         /* consecutive failed fetches (0 after a success) */
	long long gone;       /* Unix time it was first found 404/410; 0 not */
	char body_hash[17];   /* hex FNV-1a of the last 2xx body; "" none */
	char *etag;           /* ETag of the last 2xx answer, or NULL */
	char *last_modified;  /* Last-Modified of the last 2xx answer, or NULL */
	char *doc_url;        /* key URL of the document this URL produced, or
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

/* Commit what is staged.  Index errors are returned; nothing is lost. */
int index_commit(struct index_writer *w, char *err);

/* Number of documents (committed and staged). */
int index_doccount(struct index_writer *w, unsigned *out, char *err);

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
