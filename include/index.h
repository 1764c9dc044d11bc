/*
** index.h — writing articles into the index (the only writer of documents).
**
** An index_writer holds the index's write lock from index_open to
** index_close.  Writes are batched: index_put stages a document and
** index_commit makes everything staged durable and visible at once, so a
** kill at any moment loses at most the uncommitted batch.
*/
#ifndef GZ_INDEX_H
#define GZ_INDEX_H

#include "article.h"
#include "gz_err.h"

struct index_writer;

/* What index_put did with an article. */
enum index_put_result {
	INDEX_NEW = 0,       /* no document had this key: added */
	INDEX_UPDATED = 1,   /* replaced a document whose content differed */
	INDEX_UNCHANGED = 2  /* same key and same content hash: nothing written */
};

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
** Mark the document for url as gone from the web (it stays searchable).
** GZ_ENOTFOUND when no document has that key.
*/
int index_mark_gone(struct index_writer *w, const char *url, char *err);

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
