/*
** xsh.h — Gazette's C interface to Xapian 1.4 (implemented in lib/xsh.cc,
** the only C++ in the tree).
**
** Every handle is opaque.  Every function that can fail returns an enum
** gz_err code and writes a one-line message into err (GZ_ERRLEN bytes, may be
** NULL).  No C++ exception ever crosses this boundary: each function catches
** everything and maps it:
**
**   Xapian::DatabaseModifiedError          -> GZ_EAGAIN (reopen, retry)
**   Xapian::DatabaseLockError              -> GZ_ELOCKED
**   Xapian::DatabaseCorruptError           -> GZ_ECORRUPT
**   Xapian::DatabaseOpeningError (+Version)-> GZ_EOPEN
**   Xapian::QueryParserError, WildcardError-> GZ_EQUERY
**   Xapian::DocNotFoundError               -> GZ_ENOTFOUND
**   Xapian::NetworkTimeoutError            -> GZ_ETIMEOUT
**   Xapian::NetworkError                   -> GZ_ENETWORK
**   Xapian::InvalidArgumentError, RangeError, InvalidOperationError
**                                          -> GZ_EINVAL
**   any other Xapian::Error                -> GZ_EINDEX
**   std::bad_alloc                         -> GZ_ENOMEM
**   any other std::exception, or (...)     -> GZ_EINTERNAL
**
** Ownership, everywhere below:
**   - const char * arguments are borrowed for the duration of the call.
**   - a char * returned through an out-parameter is malloc'd and the
**     caller's to free().
**   - a handle returned through an out-parameter is the caller's; release it
**     with its own _free/_close function.  A handle must not outlive the
**     database it was made from unless its comment says otherwise.
**   - handles are not thread-safe: use one database handle per thread.
*/
#ifndef GZ_XSH_H
#define GZ_XSH_H

#include <stddef.h>

#include "gz_err.h"

/* The C++ side promises no exception escapes; to C this is nothing. */
#ifdef __cplusplus
#define XSH_NOEXCEPT noexcept
#else
#define XSH_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct xsh_db;      /* a read-only database (one or several combined) */
struct xsh_wdb;     /* a writable database */
struct xsh_doc;     /* a document being built */
struct xsh_tg;      /* a term generator (tokenizer + stemmer) */
struct xsh_qp;      /* a query parser */
struct xsh_query;   /* a parsed or combined query */
struct xsh_enquire; /* one search: query, sort, collapse, facets */
struct xsh_mset;    /* the results of one search */

/* ---------------------------------------------------------------- writing */

/* Flags for xsh_wdb_open. */
#define XSH_WDB_CREATE  0x01 /* create the database if missing */
#define XSH_WDB_NO_SYNC 0x02 /* skip fsync on commit (bulk imports, tests) */

/*
** Open (or create) the writable database at path.  Fails with GZ_ELOCKED
** when another process holds the write lock.  With XSH_WDB_CREATE, a
** directory holding only the leftovers of an interrupted creation
** (Xapian's own table and lock files, no "iamglass") is created afresh;
** a directory holding anything else is never touched.
*/
int xsh_wdb_open(const char *path, int flags, struct xsh_wdb **out,
		 char *err) XSH_NOEXCEPT;

/* Commit pending changes (unless cancelled) and close; NULL is a no-op. */
void xsh_wdb_close(struct xsh_wdb *w) XSH_NOEXCEPT;

/*
** Replace the document indexed by the unique term idterm with doc (adding it
** when none has the term).  The doc must carry idterm itself.  Stores the
** document id in *docid when docid is not NULL.  doc stays the caller's.
*/
int xsh_wdb_replace(struct xsh_wdb *w, const char *idterm, struct xsh_doc *doc,
		    unsigned *docid, char *err) XSH_NOEXCEPT;

/* Delete every document indexed by term.  GZ_OK even when none had it. */
int xsh_wdb_delete_term(struct xsh_wdb *w, const char *term,
			char *err) XSH_NOEXCEPT;

/* Find the first document indexed by term: GZ_OK with *docid, or GZ_ENOTFOUND. */
int xsh_wdb_find_term(struct xsh_wdb *w, const char *term, unsigned *docid,
		      char *err) XSH_NOEXCEPT;

/* Commit pending changes durably (a new revision readers can see). */
int xsh_wdb_commit(struct xsh_wdb *w, char *err) XSH_NOEXCEPT;

/* Transactions: changes between begin and commit become visible at once.
** A flushed transaction commits durably at xsh_wdb_tx_commit. */
int xsh_wdb_tx_begin(struct xsh_wdb *w, char *err) XSH_NOEXCEPT;
int xsh_wdb_tx_commit(struct xsh_wdb *w, char *err) XSH_NOEXCEPT;
int xsh_wdb_tx_cancel(struct xsh_wdb *w, char *err) XSH_NOEXCEPT;

/* Set (or, with len 0, delete) the user metadata key. */
int xsh_wdb_set_metadata(struct xsh_wdb *w, const char *key, const char *value,
			 size_t len, char *err) XSH_NOEXCEPT;

/*
** Delete every user metadata key that starts with prefix (not empty);
** *n (may be NULL) receives how many were deleted.  Uncommitted, as
** xsh_wdb_set_metadata.
*/
int xsh_wdb_delete_metadata_prefix(struct xsh_wdb *w, const char *prefix,
				   unsigned long *n, char *err) XSH_NOEXCEPT;

/*
** Fetch user metadata key into *out (malloc'd, NUL-terminated, caller
** frees) and its length into *len.  A missing key gives "" and GZ_OK.
*/
int xsh_wdb_get_metadata(struct xsh_wdb *w, const char *key, char **out,
			 size_t *len, char *err) XSH_NOEXCEPT;

/* Fetch a stored document's data or one of its values (caller frees *out). */
int xsh_wdb_get_data(struct xsh_wdb *w, unsigned docid, char **out, size_t *len,
		     char *err) XSH_NOEXCEPT;
int xsh_wdb_get_value(struct xsh_wdb *w, unsigned docid, unsigned slot,
		      char **out, size_t *len, char *err) XSH_NOEXCEPT;

/* Number of documents. */
int xsh_wdb_doccount(struct xsh_wdb *w, unsigned *out, char *err) XSH_NOEXCEPT;

/*
** Add words of d (borrowed) to w's spelling table, as a term generator
** with XSH_TG_SPELLING would have: with prefix "" every unprefixed term
** (those not starting with an ASCII capital), else every term starting
** with prefix followed by a character that is not an ASCII capital,
** without the prefix; each with its within-document frequency.  Lets
** documents be built without a database (in other threads) and their
** words reach the spelling table in the writer's.
*/
int xsh_wdb_add_spelling_doc(struct xsh_wdb *w, const struct xsh_doc *d,
			     const char *prefix, char *err) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- documents */

/* A new empty document; free it with xsh_doc_free. */
int xsh_doc_new(struct xsh_doc **out, char *err) XSH_NOEXCEPT;
void xsh_doc_free(struct xsh_doc *d) XSH_NOEXCEPT;

/* Set the stored data (opaque bytes). */
int xsh_doc_set_data(struct xsh_doc *d, const char *data, size_t len,
		     char *err) XSH_NOEXCEPT;

/* Set value slot to bytes (for sorting, ranges, facets, collapse). */
int xsh_doc_set_value(struct xsh_doc *d, unsigned slot, const char *value,
		      size_t len, char *err) XSH_NOEXCEPT;

/* Add a term with no positions (boolean filter or unique id), wdf 0. */
int xsh_doc_add_boolean_term(struct xsh_doc *d, const char *term,
			     char *err) XSH_NOEXCEPT;

/* Add a term with a within-document frequency increment. */
int xsh_doc_add_term(struct xsh_doc *d, const char *term, unsigned wdf_inc,
		     char *err) XSH_NOEXCEPT;

/* -------------------------------------------------------- term generation */

/* Flags for xsh_tg_new. */
#define XSH_TG_POSITIONS \
	0x01 /* store term positions (phrases, NEAR, snippets) */
#define XSH_TG_SPELLING 0x02 /* add words to the spelling table (needs a wdb) */
#define XSH_TG_CJK      0x04 /* index Chinese/Japanese/Korean text as n-grams */
#define XSH_TG_STEM_ALL \
	0x08 /* index stems only (smaller, faster; no exact words) */

/*
** A term generator.  w may be NULL unless XSH_TG_SPELLING is set; when
** given it must outlive the generator.  lang is an ISO 639-1 code or a
** Xapian stemmer name ("en", "english", "fr", ...); NULL or unknown means
** no stemming.
*/
int xsh_tg_new(struct xsh_wdb *w, const char *lang, int flags,
	       struct xsh_tg **out, char *err) XSH_NOEXCEPT;
void xsh_tg_free(struct xsh_tg *tg) XSH_NOEXCEPT;

/* Change the stemmer (same language rules as xsh_tg_new). */
int xsh_tg_set_language(struct xsh_tg *tg, const char *lang,
			char *err) XSH_NOEXCEPT;

/* Start indexing into doc (which must outlive the generator's use of it). */
int xsh_tg_set_document(struct xsh_tg *tg, struct xsh_doc *d,
			char *err) XSH_NOEXCEPT;

/*
** Let go of the document given to xsh_tg_set_document.  The term
** generator keeps a handle on it otherwise, and Xapian's handles are
** reference-counted without atomics: a document passed to another thread
** (to be written there) must first be released by the generator that
** built it.
*/
int xsh_tg_clear_document(struct xsh_tg *tg, char *err) XSH_NOEXCEPT;

/*
** Index len bytes of UTF-8 text into the current document with weight
** wdf_inc per word, each term prefixed with prefix ("" for none).
*/
int xsh_tg_index_text(struct xsh_tg *tg, const char *text, size_t len,
		      unsigned wdf_inc, const char *prefix,
		      char *err) XSH_NOEXCEPT;

/* Leave a gap in positions so phrases do not span two fields. */
int xsh_tg_increase_termpos(struct xsh_tg *tg, unsigned delta,
			    char *err) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- reading */

/* Open the database at path (a directory, or a stub database file). */
int xsh_db_open(const char *path, struct xsh_db **out, char *err) XSH_NOEXCEPT;

/* Add another database at path: searches then cover all of them as one. */
int xsh_db_add(struct xsh_db *db, const char *path, char *err) XSH_NOEXCEPT;

/* Close; NULL is a no-op.  Every handle made from db must be freed first. */
void xsh_db_close(struct xsh_db *db) XSH_NOEXCEPT;

/*
** Move to the latest revision.  *changed (may be NULL) is set to 1 when
** there was a newer one.
*/
int xsh_db_reopen(struct xsh_db *db, int *changed, char *err) XSH_NOEXCEPT;

/* Number of documents, and the highest document id in use. */
int xsh_db_doccount(struct xsh_db *db, unsigned *out, char *err) XSH_NOEXCEPT;
int xsh_db_lastdocid(struct xsh_db *db, unsigned *out, char *err) XSH_NOEXCEPT;

/* The revision of a single (non-combined) database, 0 when unknown. */
int xsh_db_revision(struct xsh_db *db, unsigned long *out,
		    char *err) XSH_NOEXCEPT;

/* User metadata, as xsh_wdb_get_metadata. */
int xsh_db_get_metadata(struct xsh_db *db, const char *key, char **out,
			size_t *len, char *err) XSH_NOEXCEPT;

/* Document data and values by id (caller frees *out); GZ_ENOTFOUND if none. */
int xsh_db_get_data(struct xsh_db *db, unsigned docid, char **out, size_t *len,
		    char *err) XSH_NOEXCEPT;
int xsh_db_get_value(struct xsh_db *db, unsigned docid, unsigned slot,
		     char **out, size_t *len, char *err) XSH_NOEXCEPT;

/* Find the first document indexed by term: GZ_OK with *docid, or GZ_ENOTFOUND. */
int xsh_db_find_term(struct xsh_db *db, const char *term, unsigned *docid,
		     char *err) XSH_NOEXCEPT;

/* Number of documents indexed by term (0 when none). */
int xsh_db_termfreq(struct xsh_db *db, const char *term, unsigned *out,
		    char *err) XSH_NOEXCEPT;

/*
** The spelling table's best correction for word, in *out (caller frees);
** "" when there is none.
*/
int xsh_db_spelling(struct xsh_db *db, const char *word, char **out,
		    char *err) XSH_NOEXCEPT;

/* ------------------------------------------------------------ shards */

/*
** Open the database that xapian-tcpsrv serves at host:port (read-only).
** Every network operation on it, the connection included, is bounded by
** timeout_ms (Xapian::NetworkTimeoutError -> GZ_ETIMEOUT); a refused or
** broken connection is GZ_ENETWORK.  *out as for xsh_db_open.
*/
int xsh_db_open_remote(const char *host, unsigned port, unsigned timeout_ms,
		       struct xsh_db **out, char *err) XSH_NOEXCEPT;

/*
** A combined database holding no shard yet, to fill with xsh_db_add_db.
** *out is the caller's; release it with xsh_db_release (not xsh_db_close,
** which would close the shards it shares).
*/
int xsh_db_new_combined(struct xsh_db **out, char *err) XSH_NOEXCEPT;

/*
** Add the database(s) of other to db: searches of db then cover them as
** well.  db shares other's connections and files (other stays the
** caller's, and closing other closes them for db too).
*/
int xsh_db_add_db(struct xsh_db *db, const struct xsh_db *other,
		  char *err) XSH_NOEXCEPT;

/*
** Free the handle db without closing the databases it holds (they may be
** shared with other handles, see xsh_db_add_db); NULL is a no-op.
*/
void xsh_db_release(struct xsh_db *db) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- queries */

/* Flags for xsh_qp_parse (a subset of Xapian::QueryParser's). */
#define XSH_QP_BOOLEAN          0x001 /* AND OR NOT XOR and parentheses */
#define XSH_QP_PHRASE           0x002 /* "quoted phrases" */
#define XSH_QP_LOVEHATE         0x004 /* +word -word */
#define XSH_QP_WILDCARD         0x008 /* trailing * */
#define XSH_QP_NEAR             0x010 /* NEAR and ADJ (in 1.4: same as BOOLEAN) */
#define XSH_QP_SPELLING         0x020 /* compute a spelling-corrected form */
#define XSH_QP_BOOLEAN_ANY_CASE 0x040 /* and/or/not in lower case too */
#define XSH_QP_CJK              0x080 /* CJK text as n-grams */
#define XSH_QP_DEFAULT_AND      0x100 /* words combine with AND, not OR */
#define XSH_QP_PURE_NOT         0x200 /* allow a query of only NOT terms */
#define XSH_QP_STEM_ALL         0x400 /* stems only, for XSH_TG_STEM_ALL indexes */

/*
** A query parser over db (used for stemming statistics, wildcard expansion
** and spelling; may be NULL when those are not needed).  lang as for
** xsh_tg_new.  db must outlive the parser.
*/
int xsh_qp_new(struct xsh_db *db, const char *lang, struct xsh_qp **out,
	       char *err) XSH_NOEXCEPT;
void xsh_qp_free(struct xsh_qp *qp) XSH_NOEXCEPT;

/* A free-text field: "title:word" searches terms with prefix "S". */
int xsh_qp_add_prefix(struct xsh_qp *qp, const char *field, const char *prefix,
		      char *err) XSH_NOEXCEPT;

/* Flags for xsh_qp_add_boolean_prefix. */
#define XSH_BP_LOWERCASE 0x01 /* fold the value to lower case (UTF-8 aware) */
/* A document may carry several values of the field, so several values of it
** in one query AND; without this flag (a field with one value per document,
** like a source) they OR, as with Xapian's exclusive boolean prefixes. */
#define XSH_BP_NONEXCLUSIVE 0x02

/*
** A filter field: `source:"Global Times"` becomes the boolean term
** prefix + value (lower-cased with XSH_BP_LOWERCASE).  Quoted values may
** contain spaces.
*/
int xsh_qp_add_boolean_prefix(struct xsh_qp *qp, const char *field,
			      const char *prefix, int flags,
			      char *err) XSH_NOEXCEPT;

/*
** The converter behind a range field.  Given the two ends as typed (either
** may be "" for an open end), write the value-slot bounds into lo and hi
** (each of size n; "" for open) and return 1, or return 0 when the text is
** not a range this converter understands (the parser then reports an
** error).  Or return 2 with lo holding terms separated by single spaces
** (none: an empty range): the field then matches documents indexed by
** any of them instead of a value range.  n is at least 1024.  Called
** synchronously from inside xsh_qp_parse.
*/
typedef int (*xsh_range_fn)(void *ctx, const char *begin, const char *end,
			    char *lo, char *hi, size_t n);

/*
** A range field: `field:BEGIN..END` (field may be "" for bare ranges)
** becomes a value range on slot, with bounds from fn.  ctx is passed to fn
** and must outlive the parser.
*/
int xsh_qp_add_range(struct xsh_qp *qp, const char *field, unsigned slot,
		     xsh_range_fn fn, void *ctx, char *err) XSH_NOEXCEPT;

/*
** Xapian 1.4 cannot read the spelling table of a remote database.  Build
** a stand-in at dir (a new database, made or overwritten): a spelling
** entry for each term of the n databases that starts with prefix followed
** by no capital letter, the word after the prefix, with the term's
** document frequency as its frequency; at most max_words entries
** (*words: how many, may be NULL).  Over remote databases this reads
** their whole term list for prefix, over the network.
*/
int xsh_spelling_copy(struct xsh_db *const *from, size_t n, const char *prefix,
		      const char *dir, unsigned max_words, unsigned *words,
		      char *err) XSH_NOEXCEPT;

/*
** Let qp's spelling correction also use the spelling table of the
** database at dir (one xsh_spelling_copy made); qp's parsing is otherwise
** unchanged.  dir must stay until qp is freed.
*/
int xsh_qp_add_spelling_db(struct xsh_qp *qp, const char *dir,
			   char *err) XSH_NOEXCEPT;

/*
** Largest number of terms the wildcards of one query may expand to, shared
** equally among them (0: Xapian's default, per wildcard).
*/
int xsh_qp_set_max_expansion(struct xsh_qp *qp, unsigned n,
			     char *err) XSH_NOEXCEPT;

/*
** Parse text with flags into *out.  Bad syntax gives GZ_EQUERY with the
** parser's message.  Wildcards are expanded when the query runs, so a
** wildcard past the limit makes xsh_enquire_run (and the other calls that
** run *out) fail with GZ_EQUERY, not this call: checking here would expand
** every wildcard twice.
*/
int xsh_qp_parse(struct xsh_qp *qp, const char *text, int flags,
		 struct xsh_query **out, char *err) XSH_NOEXCEPT;

/*
** The spelling-corrected form of the last parsed query, in *out (caller
** frees); "" when no correction was found or XSH_QP_SPELLING was not set.
*/
int xsh_qp_corrected(struct xsh_qp *qp, char **out, char *err) XSH_NOEXCEPT;

/* A query matching documents indexed by term. */
int xsh_query_term(const char *term, struct xsh_query **out,
		   char *err) XSH_NOEXCEPT;

/* A query matching documents whose value slot is within [lo, hi] ("" = open). */
int xsh_query_range(unsigned slot, const char *lo, const char *hi,
		    struct xsh_query **out, char *err) XSH_NOEXCEPT;

/* Combining operators for xsh_query_combine. */
enum xsh_op {
	XSH_OP_AND = 0,     /* both */
	XSH_OP_OR = 1,      /* either */
	XSH_OP_AND_NOT = 2, /* left but not right */
	XSH_OP_FILTER =
		3 /* left, restricted by right without affecting weights */
};

/*
** Combine a and b with op into a new query in *out.  a and b stay the
** caller's.  Either may be NULL, meaning "match everything" for a and
** "nothing to combine" for b.
*/
int xsh_query_combine(enum xsh_op op, const struct xsh_query *a,
		      const struct xsh_query *b, struct xsh_query **out,
		      char *err) XSH_NOEXCEPT;

/* A query matching every document. */
int xsh_query_all(struct xsh_query **out, char *err) XSH_NOEXCEPT;

/* Number of terms in q (for bounds). */
int xsh_query_term_count(const struct xsh_query *q, unsigned *out,
			 char *err) XSH_NOEXCEPT;

/* Xapian's description of q, for debugging (caller frees *out). */
int xsh_query_describe(const struct xsh_query *q, char **out,
		       char *err) XSH_NOEXCEPT;

void xsh_query_free(struct xsh_query *q) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- search */

/*
** A search of q over db.  The enquire copies q; db must outlive it.
*/
int xsh_enquire_new(struct xsh_db *db, const struct xsh_query *q,
		    struct xsh_enquire **out, char *err) XSH_NOEXCEPT;
void xsh_enquire_free(struct xsh_enquire *e) XSH_NOEXCEPT;

/*
** Sort by value slot (ascending unless reverse), relevance breaking ties;
** slot XSH_SORT_RELEVANCE (the default) sorts by relevance only.
*/
#define XSH_SORT_RELEVANCE ((unsigned)-1)
int xsh_enquire_set_sort(struct xsh_enquire *e, unsigned slot, int reverse,
			 char *err) XSH_NOEXCEPT;

/* Keep at most max hits per distinct value of slot (0 switches it off). */
int xsh_enquire_set_collapse(struct xsh_enquire *e, unsigned slot, unsigned max,
			     char *err) XSH_NOEXCEPT;

/*
** Count the values of slot among all matches (a facet).  Returns the facet's
** index for xsh_enquire_facet in *idx.  At most 8 facets per enquire.
*/
int xsh_enquire_add_facet(struct xsh_enquire *e, unsigned slot, unsigned *idx,
			  char *err) XSH_NOEXCEPT;

/* Stop matching after seconds (0 = no limit); results are then partial. */
int xsh_enquire_set_time_limit(struct xsh_enquire *e, double seconds,
			       char *err) XSH_NOEXCEPT;

/*
** Run the search: hits offset .. offset+limit-1 into *out, looking at no
** fewer than check_at_least matches (for exact facet counts pass the
** database size).  The mset keeps what it needs of the search, so it may
** outlive e (not db).
*/
int xsh_enquire_run(struct xsh_enquire *e, unsigned offset, unsigned limit,
		    unsigned check_at_least, struct xsh_mset **out,
		    char *err) XSH_NOEXCEPT;

/* ------------------------------------------------- whole-result passes */

/*
** Call fn(ctx, docid, value, len) for every document of db that has a
** value in slot, in docid order (value borrowed for the call).  fn returns
** GZ_OK to go on; any other code stops the walk and is returned.  Meant
** for building docid-indexed tables once per index revision.
*/
typedef int (*xsh_value_fn)(void *ctx, unsigned docid, const char *value,
			    size_t len);
int xsh_db_values(struct xsh_db *db, unsigned slot, xsh_value_fn fn, void *ctx,
		  char *err) XSH_NOEXCEPT;

/*
** Every document q matches over db, in docid order, handed to fn in
** batches (docids borrowed for the call); fn returns GZ_OK to go on, any
** other code stops the match and is returned.  Nothing is weighed, ranked
** or sorted: for counting and selecting over a whole result set.  db must
** be one local database (docids as the matcher sees them).
*/
typedef int (*xsh_docids_fn)(void *ctx, const unsigned *docids, size_t n);
int xsh_db_match_docids(struct xsh_db *db, const struct xsh_query *q,
			xsh_docids_fn fn, void *ctx, char *err) XSH_NOEXCEPT;

/*
** Like xsh_db_match_docids, over only the n documents docids (ascending,
** no duplicates; not kept): hands fn those of them q matches, in docid
** order.  For a query of one term (or of every document) each docid is
** looked up in the term's posting list; any other query runs through the
** matcher filtered to docids.  Meant for a few documents of one local
** database.
*/
int xsh_db_match_among(struct xsh_db *db, const struct xsh_query *q,
		       const unsigned *docids, size_t n, xsh_docids_fn fn,
		       void *ctx, char *err) XSH_NOEXCEPT;

/*
** A query matching exactly the n documents docids (ascending, no
** duplicates; copied), weightless: meant as the right side of
** XSH_OP_FILTER over one local database.
*/
int xsh_query_docids(const unsigned *docids, size_t n, struct xsh_query **out,
		     char *err) XSH_NOEXCEPT;

/*
** A weightless query matching documents indexed by any of the n terms
** (each NUL-terminated), as one flat OR.  n may be 0: matches nothing.
*/
int xsh_query_any_term(const char *const *terms, size_t n,
		       struct xsh_query **out, char *err) XSH_NOEXCEPT;

/*
** After a run: call fn for each value of facet idx, most frequent first,
** at most max values.  value is borrowed for the call.
*/
typedef void (*xsh_facet_fn)(void *ctx, const char *value, size_t len,
			     unsigned count);
int xsh_enquire_facet(struct xsh_enquire *e, unsigned idx, unsigned max,
		      xsh_facet_fn fn, void *ctx, char *err) XSH_NOEXCEPT;

/*
** "More like this": a query of the nterms best terms of document docid
** (excluding those with prefixes, i.e. starting with an upper-case letter),
** in *out (caller frees).  GZ_ENOTFOUND when docid does not exist.
*/
int xsh_db_more_like(struct xsh_db *db, unsigned docid, unsigned nterms,
		     struct xsh_query **out, char *err) XSH_NOEXCEPT;

/*
** xsh_db_more_like for combined databases (shards): the terms are chosen
** with their exact frequencies over all of db, as on one database (Xapian
** otherwise scales up those of the shard holding docid).  Same contract
** as xsh_db_more_like; on a single database the same result.
*/
int xsh_db_more_like_exact(struct xsh_db *db, unsigned docid, unsigned nterms,
			   struct xsh_query **out, char *err) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- results */

/* One hit of an mset. */
struct xsh_hit {
	unsigned docid; /* document id */
	unsigned rank;  /* 0-based rank in the whole result set */
	double weight;  /* relevance weight */
	int percent;    /* relevance as a percentage */
	unsigned
		collapse_count; /* hits folded into this one by collapse (lower bound) */
};

/*
** weight as a percentage on m's scale (Xapian's MSet::convert_to_percent:
** relative to the greatest weight among m's matches), into *out.
*/
int xsh_mset_percent(const struct xsh_mset *m, double weight, int *out,
		     char *err) XSH_NOEXCEPT;

/* Number of hits in m; the estimate and bounds of all matches. */
unsigned xsh_mset_size(const struct xsh_mset *m) XSH_NOEXCEPT;
int xsh_mset_counts(const struct xsh_mset *m, unsigned *estimate,
		    unsigned *lower, unsigned *upper, char *err) XSH_NOEXCEPT;

/* Hit i (0 .. size-1). */
int xsh_mset_hit(const struct xsh_mset *m, unsigned i, struct xsh_hit *out,
		 char *err) XSH_NOEXCEPT;

/* Hit i's stored data (caller frees *out). */
int xsh_mset_data(const struct xsh_mset *m, unsigned i, char **out, size_t *len,
		  char *err) XSH_NOEXCEPT;

/* Hit i's value in slot, "" when it has none (caller frees *out); from the
** document the mset fetched for xsh_mset_data, so no further round trip
** to a remote shard. */
int xsh_mset_value(const struct xsh_mset *m, unsigned i, unsigned slot,
		   char **out, size_t *len, char *err) XSH_NOEXCEPT;

/*
** A snippet of text of at most length bytes around the matches of the
** query, with matched words between hi_start and hi_end (HTML-escaped
** text, as Xapian's MSet::snippet makes it), in *out (caller frees).  lang
** as for xsh_tg_new (stemmed matches); flags XSH_SNIPPET_*.
*/
#define XSH_SNIPPET_EXHAUSTIVE          0x01 /* look at the whole text */
#define XSH_SNIPPET_EMPTY_WITHOUT_MATCH 0x02 /* "" when nothing matches */
#define XSH_SNIPPET_CJK                 0x04 /* CJK n-gram matching */
int xsh_mset_snippet(const struct xsh_mset *m, const char *text, size_t len,
		     size_t length, const char *lang, const char *hi_start,
		     const char *hi_end, int flags, char **out,
		     char *err) XSH_NOEXCEPT;

/*
** xsh_mset_snippet without Xapian's background model (which looks each
** word of text up in the database to favour passages with rare words):
** the passage is chosen by the query's matches alone.  Over remote
** databases each lookup is a network round trip; this needs none.
*/
int xsh_mset_snippet_matches(const struct xsh_mset *m, const char *text,
			     size_t len, size_t length, const char *lang,
			     const char *hi_start, const char *hi_end,
			     int flags, char **out, char *err) XSH_NOEXCEPT;

void xsh_mset_free(struct xsh_mset *m) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- text */

/*
** Lower-case len bytes of UTF-8 text with Xapian's Unicode tables (the same
** folding the query parser's XSH_BP_LOWERCASE fields use) into out of size
** n, NUL-terminated; output that does not fit is cut at a character
** boundary.  GZ_OK, or GZ_EINVAL on NULL arguments or n == 0.
*/
int xsh_utf8_lower(const char *s, size_t len, char *out, size_t n) XSH_NOEXCEPT;

/* ------------------------------------------------------------ compaction */

/*
** Write a compact copy of the n databases at srcs[0..n) (directories, or
** symlinks to them) into the new directory dst, which must not exist yet:
** Xapian::Database::compact, as xapian-compact does, with full B-tree
** blocks and document ids kept (several sources must not share ids).
** The copy is a new database at revision 1; its user metadata is the
** first source's for a key held by several.  Reading the sources needs no
** lock; the caller holds the write lock when the source must not change
** meanwhile.  GZ_OK, or GZ_EINVAL, GZ_EOPEN, GZ_EINDEX, GZ_ENOMEM (dst
** may then be left half-written: the caller removes it).
*/
int xsh_compact(const char *const *srcs, size_t n, const char *dst,
		char *err) XSH_NOEXCEPT;

/*
** As xsh_compact, but the documents are renumbered: those of srcs[0] keep
** their order and come first, then srcs[1]'s, and so on, so sources whose
** ids overlap (the shards of one index) merge into one database.
*/
int xsh_merge(const char *const *srcs, size_t n, const char *dst,
	      char *err) XSH_NOEXCEPT;

/* ---------------------------------------------------------------- tests */

/*
** Throw exception number kind inside the shim and return the code it maps
** to, so a unit test can drive every mapping.  kind 0..N-1 as listed in
** lib/xsh.cc; an out-of-range kind returns GZ_EINVAL.  *n_kinds (may be
** NULL) receives N.
*/
int xsh_test_throw(int kind, unsigned *n_kinds, char *err) XSH_NOEXCEPT;

/* The Xapian library version, e.g. "1.4.22" (static). */
const char *xsh_version(void) XSH_NOEXCEPT;

/* ------------------------------------------- query terms and stemming */

/*
** Terms of a query, for making snippets outside Xapian.  fn is called
** once per distinct term of q (Xapian's get_unique_terms: "city",
** "Zciti", "XTdiplomacy", CJK n-grams ...), with len bytes at term (not
** NUL-terminated, borrowed for the call).  *flags gets XSH_QT_* bits for
** what the term list cannot express.  GZ_OK or GZ_ENOMEM/GZ_EINTERNAL.
*/
#define XSH_QT_WILDCARD 0x01 /* the query holds a wildcard (diplom*) */
typedef void (*xsh_term_fn)(void *ctx, const char *term, size_t len);
int xsh_query_terms(const struct xsh_query *q, xsh_term_fn fn, void *ctx,
		    unsigned *flags, char *err) XSH_NOEXCEPT;

/*
** A stemmer for lang (as xsh_tg_new names languages; NULL, "" or an
** unknown language: words are returned unchanged), into *out (the
** caller's, to free with xsh_stemmer_free).  Not thread-safe: one per
** thread.
*/
struct xsh_stemmer;
int xsh_stemmer_new(const char *lang, struct xsh_stemmer **out,
		    char *err) XSH_NOEXCEPT;

/*
** Stem len bytes of a lower-cased word into out (size n, NUL-terminated).
** Returns the stem's length, or -1 when it does not fit or on error.
*/
long xsh_stem(struct xsh_stemmer *st, const char *word, size_t len, char *out,
	      size_t n) XSH_NOEXCEPT;

/* Free st; NULL is a no-op. */
void xsh_stemmer_free(struct xsh_stemmer *st) XSH_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* GZ_XSH_H */
