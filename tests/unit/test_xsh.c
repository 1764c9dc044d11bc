/*
** test_xsh.c — unit tests of the Xapian shim (lib/xsh.cc) through its C
** interface, include/xsh.h.
**
** Most tests search one small corpus of six articles, built once in a
** temporary directory by the group setup.  Tests that need a database of
** their own (locking, transactions, revisions) make another and remove it.
*/
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gz_err.h"
#include "xsh.h"

/*
** A search with a time limit makes glibc start its POSIX-timer helper
** thread, which lives until exit; valgrind reports that thread's TLS as
** "possibly lost".  Under valgrind the timed search is skipped.
*/
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* Value slots of the corpus. */
#define SLOT_DATE   0 /* YYYY-MM-DD */
#define SLOT_SOURCE 1 /* publication name, as written */
#define SLOT_STORY  2 /* story id, for collapsing */

/* One article of the test corpus. */
struct row {
	const char *id;     /* unique id (term "Q" + id) */
	const char *title;  /* indexed with prefix "S" and unprefixed */
	const char *body;   /* indexed unprefixed */
	const char *source; /* value and boolean term "XS" + lower case */
	const char *date;   /* value SLOT_DATE */
	const char *story;  /* value SLOT_STORY */
};

static const struct row corpus[] = {
	{ "1", "Floods in the river valley",
	  "Heavy rains flooded the river valley. Farmers feared more "
	  "flooding before the harvest.",
	  "Global Times", "2013-07-15", "s1" },
	{ "2", "River cruise season opens",
	  "The cruise ships sail the river each summer, carrying tourists "
	  "past old towns.",
	  "Daily Planet", "2013-12-31", "s1" },
	{ "3", "Election results announced",
	  "Voters elected a new mayor after a close election count.",
	  "Global Times", "2014-03-01", "s2" },
	{ "4",
	  "\xe5\x8c\x97\xe4\xba\xac\xe5\xa4\xa7\xe5\xad\xa6", /* 北京大学 */
	  /* 北京大学的学生在图书馆学习。 */
	  "\xe5\x8c\x97\xe4\xba\xac\xe5\xa4\xa7\xe5\xad\xa6\xe7\x9a\x84\xe5"
	  "\xad\xa6\xe7\x94\x9f\xe5\x9c\xa8\xe5\x9b\xbe\xe4\xb9\xa6\xe9\xa6"
	  "\x86\xe5\xad\xa6\xe4\xb9\xa0\xe3\x80\x82",
	  "Daily Planet", "2012-01-01", "s3" },
	{ "5", "Markets rally",
	  "Stock markets rallied as investors cheered the results.",
	  "Market Watch", "2014-06-30", "s4" },
	{ "6", "River river", "river river river", "Herald", "2015-01-01",
	  "s5" },
};
#define NROWS (sizeof corpus / sizeof corpus[0])

/* The corpus database, built by the group setup. */
static char corpus_dir[64];
static unsigned corpus_ids[NROWS]; /* docid of each row */

/* ---------------------------------------------------------------- helpers */

static int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove directory dir and everything in it. */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make a fresh temporary directory into buf (at least 64 bytes). */
static void make_tmp(char *buf)
{
	snprintf(buf, 64, "/tmp/test_xsh.XXXXXX");
	assert_non_null(mkdtemp(buf));
}

/* Lower-case ASCII copy of s into out (n bytes). */
static void lower(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	out[i] = '\0';
}

/* Index row r into w with generator tg; return its docid. */
static unsigned add_row(struct xsh_wdb *w, struct xsh_tg *tg,
			const struct row *r)
{
	char err[GZ_ERRLEN], term[128], src[64], data[256];
	struct xsh_doc *d = NULL;
	unsigned docid = 0;

	assert_int_equal(xsh_doc_new(&d, err), GZ_OK);
	snprintf(data, sizeof data, "%s|%s", r->id, r->title);
	assert_int_equal(xsh_doc_set_data(d, data, strlen(data), err), GZ_OK);
	assert_int_equal(
		xsh_doc_set_value(d, SLOT_DATE, r->date, strlen(r->date), err),
		GZ_OK);
	assert_int_equal(xsh_doc_set_value(d, SLOT_SOURCE, r->source,
					   strlen(r->source), err),
			 GZ_OK);
	assert_int_equal(xsh_doc_set_value(d, SLOT_STORY, r->story,
					   strlen(r->story), err),
			 GZ_OK);
	snprintf(term, sizeof term, "Q%s", r->id);
	assert_int_equal(xsh_doc_add_boolean_term(d, term, err), GZ_OK);
	lower(r->source, src, sizeof src);
	snprintf(term, sizeof term, "XS%s", src);
	assert_int_equal(xsh_doc_add_boolean_term(d, term, err), GZ_OK);
	assert_int_equal(xsh_tg_set_document(tg, d, err), GZ_OK);
	assert_int_equal(
		xsh_tg_index_text(tg, r->title, strlen(r->title), 1, "S", err),
		GZ_OK);
	assert_int_equal(xsh_tg_increase_termpos(tg, 100, err), GZ_OK);
	assert_int_equal(
		xsh_tg_index_text(tg, r->title, strlen(r->title), 1, "", err),
		GZ_OK);
	assert_int_equal(xsh_tg_increase_termpos(tg, 100, err), GZ_OK);
	assert_int_equal(
		xsh_tg_index_text(tg, r->body, strlen(r->body), 1, NULL, err),
		GZ_OK);
	snprintf(term, sizeof term, "Q%s", r->id);
	assert_int_equal(xsh_wdb_replace(w, term, d, &docid, err), GZ_OK);
	xsh_doc_free(d);
	return docid;
}

/* Row index of docid in the corpus, or -1. */
static int row_of(unsigned docid)
{
	for (size_t i = 0; i < NROWS; i++)
		if (corpus_ids[i] == docid)
			return (int)i;
	return -1;
}

/* Open the corpus for reading. */
static struct xsh_db *open_corpus(void)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = NULL;

	assert_int_equal(xsh_db_open(corpus_dir, &db, err), GZ_OK);
	return db;
}

/* Parse text with qp and flags; fail the test on error. */
static struct xsh_query *parse(struct xsh_qp *qp, const char *text, int flags)
{
	char err[GZ_ERRLEN] = "";
	struct xsh_query *q = NULL;
	int rc = xsh_qp_parse(qp, text, flags, &q, err);

	if (rc != GZ_OK)
		fail_msg("parse '%s': %d %s", text, rc, err);
	return q;
}

/* Run q over db; store up to max docids in ids; return the hit count. */
static unsigned search(struct xsh_db *db, const struct xsh_query *q,
		       unsigned *ids, unsigned max)
{
	char err[GZ_ERRLEN];
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct xsh_hit h;
	unsigned n;

	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 50, 50, &m, err), GZ_OK);
	n = xsh_mset_size(m);
	for (unsigned i = 0; i < n && i < max; i++) {
		assert_int_equal(xsh_mset_hit(m, i, &h, err), GZ_OK);
		ids[i] = h.docid;
	}
	xsh_mset_free(m);
	xsh_enquire_free(e);
	return n;
}

static int has_id(const unsigned *ids, unsigned n, unsigned id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Build the corpus once for the whole group. */
static int group_setup(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;

	(void)state;
	snprintf(corpus_dir, sizeof corpus_dir, "/tmp/test_xsh.XXXXXX");
	if (!mkdtemp(corpus_dir))
		return -1;
	if (xsh_wdb_open(corpus_dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w,
			 err) != GZ_OK)
		return -1;
	if (xsh_tg_new(w, "en", XSH_TG_POSITIONS | XSH_TG_SPELLING | XSH_TG_CJK,
		       &tg, err) != GZ_OK)
		return -1;
	for (size_t i = 0; i < NROWS; i++)
		corpus_ids[i] = add_row(w, tg, &corpus[i]);
	if (xsh_wdb_set_metadata(w, "schema", "1", 1, err) != GZ_OK)
		return -1;
	xsh_tg_free(tg);
	xsh_wdb_close(w); /* commits */
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rm_tree(corpus_dir);
	return 0;
}

/* ---------------------------------------------------------- error mapping */

/* The kinds of xsh_test_throw, in the order of the table in lib/xsh.cc. */
static const struct {
	const char *name; /* text the description must contain */
	int code;         /* the code it must map to */
} kinds[] = {
	{ "DatabaseModifiedError", GZ_EAGAIN },
	{ "DatabaseLockError", GZ_ELOCKED },
	{ "DatabaseCorruptError", GZ_ECORRUPT },
	{ "DatabaseOpeningError", GZ_EOPEN },
	{ "DatabaseVersionError", GZ_EOPEN },
	{ "QueryParserError", GZ_EQUERY },
	{ "WildcardError", GZ_EQUERY },
	{ "DocNotFoundError", GZ_ENOTFOUND },
	{ "NetworkTimeoutError", GZ_ETIMEOUT },
	{ "NetworkError", GZ_ENETWORK },
	{ "InvalidArgumentError", GZ_EINVAL },
	{ "RangeError", GZ_EINVAL },
	{ "InvalidOperationError", GZ_EINVAL },
	{ "AssertionError", GZ_EINDEX },
	{ "UnimplementedError", GZ_EINDEX },
	{ "out of memory", GZ_ENOMEM },
	{ "test exception", GZ_EINTERNAL }, /* std::runtime_error */
	{ "unknown", GZ_EINTERNAL },        /* an int */
	{ "DatabaseNotFoundError", GZ_EOPEN },
	{ "DatabaseError", GZ_EINDEX },
};

static void test_throw_table(void **state)
{
	char err[GZ_ERRLEN];
	unsigned n = 0;

	(void)state;
	assert_int_equal(xsh_test_throw(-1, &n, err), GZ_EINVAL);
	assert_int_equal(n, sizeof kinds / sizeof kinds[0]);
	for (unsigned k = 0; k < n; k++) {
		err[0] = '\0';
		int rc = xsh_test_throw((int)k, NULL, err);
		if (rc != kinds[k].code || !strstr(err, kinds[k].name))
			fail_msg("kind %u (%s): code %d (%s), message '%s'", k,
				 kinds[k].name, rc, gz_errname(rc), err);
		/* A NULL error buffer is allowed. */
		assert_int_equal(xsh_test_throw((int)k, NULL, NULL),
				 kinds[k].code);
	}
	assert_int_equal(xsh_test_throw((int)n, NULL, err), GZ_EINVAL);
}

static void test_version(void **state)
{
	(void)state;
	assert_non_null(xsh_version());
	assert_true(strncmp(xsh_version(), "1.4.", 4) == 0);
}

/* ---------------------------------------------------------------- writing */

static void test_write(void **state)
{
	char dir[64], err[GZ_ERRLEN];
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	struct xsh_doc *d = NULL;
	unsigned n, id, id2, found;
	char *s;
	size_t len;

	(void)state;
	make_tmp(dir);
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_int_equal(
		xsh_tg_new(NULL, "english", XSH_TG_POSITIONS, &tg, err), GZ_OK);
	id = add_row(w, tg, &corpus[0]);
	add_row(w, tg, &corpus[1]);
	assert_int_equal(xsh_wdb_doccount(w, &n, err), GZ_OK);
	assert_int_equal(n, 2);

	/* Replacing by the unique term keeps the count and the docid. */
	id2 = add_row(w, tg, &corpus[0]);
	assert_int_equal(id2, id);
	assert_int_equal(xsh_wdb_doccount(w, &n, err), GZ_OK);
	assert_int_equal(n, 2);

	/* A doc without its id term is refused. */
	assert_int_equal(xsh_doc_new(&d, err), GZ_OK);
	assert_int_equal(xsh_doc_add_term(d, "other", 2, err), GZ_OK);
	assert_int_equal(xsh_wdb_replace(w, "Q9", d, NULL, err), GZ_EINVAL);
	xsh_doc_free(d);

	/* Terms: unstemmed with positions, Z-prefixed stems, prefixed. */
	assert_int_equal(xsh_wdb_find_term(w, "Q1", &found, err), GZ_OK);
	assert_int_equal(found, id);
	assert_int_equal(xsh_wdb_find_term(w, "flooded", &found, err), GZ_OK);
	assert_int_equal(xsh_wdb_find_term(w, "Zflood", &found, err), GZ_OK);
	assert_int_equal(found, id);
	assert_int_equal(xsh_wdb_find_term(w, "Sriver", &found, err), GZ_OK);
	assert_int_equal(xsh_wdb_find_term(w, "XSglobal times", &found, err),
			 GZ_OK);
	assert_int_equal(xsh_wdb_find_term(w, "nosuchterm", &found, err),
			 GZ_ENOTFOUND);
	assert_int_equal(xsh_wdb_find_term(w, "", &found, err), GZ_ENOTFOUND);

	/* Data and values. */
	assert_int_equal(xsh_wdb_get_data(w, id, &s, &len, err), GZ_OK);
	assert_string_equal(s, "1|Floods in the river valley");
	assert_int_equal(len, strlen(s));
	free(s);
	assert_int_equal(xsh_wdb_get_value(w, id, SLOT_DATE, &s, &len, err),
			 GZ_OK);
	assert_string_equal(s, "2013-07-15");
	free(s);
	assert_int_equal(xsh_wdb_get_value(w, id, 77, &s, &len, err), GZ_OK);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	s = (char *)1;
	assert_int_equal(xsh_wdb_get_data(w, 999, &s, &len, err), GZ_ENOTFOUND);
	assert_null(s);
	assert_int_equal(xsh_wdb_get_data(w, 0, &s, &len, err), GZ_ENOTFOUND);

	/* Metadata, with embedded NUL. */
	assert_int_equal(xsh_wdb_set_metadata(w, "k", "a\0b", 3, err), GZ_OK);
	assert_int_equal(xsh_wdb_get_metadata(w, "k", &s, &len, err), GZ_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 3);
	free(s);
	assert_int_equal(xsh_wdb_set_metadata(w, "k", NULL, 0, err), GZ_OK);
	assert_int_equal(xsh_wdb_get_metadata(w, "k", &s, &len, err), GZ_OK);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	assert_int_equal(xsh_wdb_get_metadata(w, "missing", &s, NULL, err),
			 GZ_OK);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(xsh_wdb_set_metadata(w, "", "x", 1, err), GZ_EINVAL);

	/* Deleting by prefix takes exactly the keys that start with it. */
	{
		unsigned long gone = 0;

		assert_int_equal(xsh_wdb_set_metadata(w, "loc.a", "1", 1, err),
				 GZ_OK);
		assert_int_equal(xsh_wdb_set_metadata(w, "loc.b", "2", 1, err),
				 GZ_OK);
		assert_int_equal(xsh_wdb_set_metadata(w, "lod", "3", 1, err),
				 GZ_OK);
		assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);
		assert_int_equal(
			xsh_wdb_delete_metadata_prefix(w, "loc.", &gone, err),
			GZ_OK);
		assert_int_equal(gone, 2);
		assert_int_equal(
			xsh_wdb_get_metadata(w, "loc.b", &s, &len, err), GZ_OK);
		assert_int_equal(len, 0);
		free(s);
		assert_int_equal(xsh_wdb_get_metadata(w, "lod", &s, &len, err),
				 GZ_OK);
		assert_string_equal(s, "3");
		free(s);
		assert_int_equal(
			xsh_wdb_delete_metadata_prefix(w, "", NULL, err),
			GZ_EINVAL);
	}

	/* Delete by term; deleting what is not there is fine. */
	assert_int_equal(xsh_wdb_delete_term(w, "Q2", err), GZ_OK);
	assert_int_equal(xsh_wdb_doccount(w, &n, err), GZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(xsh_wdb_delete_term(w, "Q2", err), GZ_OK);
	assert_int_equal(xsh_wdb_find_term(w, "Q2", &found, err), GZ_ENOTFOUND);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);

	xsh_tg_free(tg);
	xsh_wdb_close(w);
	rm_tree(dir);
}

static void test_transactions(void **state)
{
	char dir[64], err[GZ_ERRLEN];
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	struct xsh_db *db = NULL;
	unsigned n;

	(void)state;
	make_tmp(dir);
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_int_equal(xsh_tg_new(NULL, NULL, 0, &tg, err), GZ_OK);
	add_row(w, tg, &corpus[0]);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);

	/* Cancel discards. */
	assert_int_equal(xsh_wdb_tx_begin(w, err), GZ_OK);
	add_row(w, tg, &corpus[1]);
	add_row(w, tg, &corpus[2]);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_EINVAL);   /* inside tx */
	assert_int_equal(xsh_wdb_tx_begin(w, err), GZ_EINVAL); /* nested */
	assert_int_equal(xsh_wdb_tx_cancel(w, err), GZ_OK);
	assert_int_equal(xsh_wdb_doccount(w, &n, err), GZ_OK);
	assert_int_equal(n, 1);
	assert_int_equal(xsh_wdb_tx_cancel(w, err), GZ_EINVAL); /* none */

	/* Commit makes it durable and visible to a reader. */
	assert_int_equal(xsh_wdb_tx_begin(w, err), GZ_OK);
	add_row(w, tg, &corpus[1]);
	assert_int_equal(xsh_wdb_tx_commit(w, err), GZ_OK);
	assert_int_equal(xsh_wdb_tx_commit(w, err), GZ_EINVAL);
	assert_int_equal(xsh_db_open(dir, &db, err), GZ_OK);
	assert_int_equal(xsh_db_doccount(db, &n, err), GZ_OK);
	assert_int_equal(n, 2);
	xsh_db_close(db);

	/* A transaction left open at close is not committed. */
	assert_int_equal(xsh_wdb_tx_begin(w, err), GZ_OK);
	add_row(w, tg, &corpus[2]);
	xsh_tg_free(tg);
	xsh_wdb_close(w);
	assert_int_equal(xsh_db_open(dir, &db, err), GZ_OK);
	assert_int_equal(xsh_db_doccount(db, &n, err), GZ_OK);
	assert_int_equal(n, 2);
	xsh_db_close(db);
	rm_tree(dir);
}

static void test_lock(void **state)
{
	char dir[64], err[GZ_ERRLEN] = "";
	struct xsh_wdb *w1 = NULL, *w2 = NULL;

	(void)state;
	make_tmp(dir);
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w1, err),
		GZ_OK);
	assert_int_equal(xsh_wdb_open(dir, XSH_WDB_NO_SYNC, &w2, err),
			 GZ_ELOCKED);
	assert_null(w2);
	assert_true(strlen(err) > 0);
	xsh_wdb_close(w1);
	assert_int_equal(xsh_wdb_open(dir, 0, &w2, err), GZ_OK);
	xsh_wdb_close(w2);
	rm_tree(dir);

	/* Without XSH_WDB_CREATE a missing database does not open. */
	assert_int_equal(xsh_wdb_open("/tmp/test_xsh.none/db", 0, &w1, err),
			 GZ_EOPEN);
}

/* ---------------------------------------------------------------- reading */

static void test_read(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus(), *bad = NULL;
	unsigned n, id;
	unsigned long rev;
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(xsh_db_doccount(db, &n, err), GZ_OK);
	assert_int_equal(n, NROWS);
	assert_int_equal(xsh_db_lastdocid(db, &n, err), GZ_OK);
	assert_int_equal(n, corpus_ids[NROWS - 1]);
	assert_int_equal(xsh_db_revision(db, &rev, err), GZ_OK);
	assert_true(rev > 0);

	assert_int_equal(xsh_db_find_term(db, "Q3", &id, err), GZ_OK);
	assert_int_equal(id, corpus_ids[2]);
	assert_int_equal(xsh_db_find_term(db, "Qnone", &id, err), GZ_ENOTFOUND);
	assert_int_equal(xsh_db_get_data(db, id = corpus_ids[2], &s, &len, err),
			 GZ_OK);
	assert_string_equal(s, "3|Election results announced");
	free(s);
	assert_int_equal(xsh_db_get_value(db, id, SLOT_SOURCE, &s, &len, err),
			 GZ_OK);
	assert_string_equal(s, "Global Times");
	assert_int_equal(len, 12);
	free(s);
	assert_int_equal(xsh_db_get_data(db, 12345, &s, &len, err),
			 GZ_ENOTFOUND);
	assert_int_equal(xsh_db_get_value(db, 12345, 0, &s, &len, err),
			 GZ_ENOTFOUND);

	assert_int_equal(xsh_db_termfreq(db, "XSglobal times", &n, err), GZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(xsh_db_termfreq(db, "Zriver", &n, err), GZ_OK);
	assert_int_equal(n, 3);
	assert_int_equal(xsh_db_termfreq(db, "zzzz", &n, err), GZ_OK);
	assert_int_equal(n, 0);

	assert_int_equal(xsh_db_get_metadata(db, "schema", &s, &len, err),
			 GZ_OK);
	assert_string_equal(s, "1");
	free(s);

	assert_int_equal(xsh_db_open("/tmp/test_xsh.none/db", &bad, err),
			 GZ_EOPEN);
	assert_null(bad);
	assert_true(strlen(err) > 0);
	xsh_db_close(db);
}

static void test_revision_reopen(void **state)
{
	char dir[64], err[GZ_ERRLEN];
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	struct xsh_db *db = NULL;
	unsigned long r1, r2;
	unsigned n;
	int changed = -1;

	(void)state;
	make_tmp(dir);
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_int_equal(xsh_tg_new(NULL, "fr", 0, &tg, err), GZ_OK);
	add_row(w, tg, &corpus[0]);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);

	assert_int_equal(xsh_db_open(dir, &db, err), GZ_OK);
	assert_int_equal(xsh_db_revision(db, &r1, err), GZ_OK);
	assert_int_equal(xsh_db_reopen(db, &changed, err), GZ_OK);
	assert_int_equal(changed, 0);

	add_row(w, tg, &corpus[1]);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);
	assert_int_equal(xsh_db_doccount(db, &n, err), GZ_OK);
	assert_int_equal(n, 1); /* still the old revision */
	assert_int_equal(xsh_db_reopen(db, &changed, err), GZ_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(xsh_db_doccount(db, &n, err), GZ_OK);
	assert_int_equal(n, 2);
	assert_int_equal(xsh_db_revision(db, &r2, err), GZ_OK);
	assert_true(r2 > r1);
	assert_int_equal(xsh_db_reopen(db, NULL, err), GZ_OK);

	/* Combined databases: counts add up, and there is no one revision. */
	assert_int_equal(xsh_db_add(db, corpus_dir, err), GZ_OK);
	assert_int_equal(xsh_db_doccount(db, &n, err), GZ_OK);
	assert_int_equal(n, 2 + NROWS);
	assert_int_equal(xsh_db_revision(db, &r2, err), GZ_OK);
	assert_int_equal(r2, 0);
	assert_int_equal(xsh_db_add(db, "/tmp/test_xsh.none/db", err),
			 GZ_EOPEN);

	xsh_db_close(db);
	xsh_tg_free(tg);
	xsh_wdb_close(w);
	rm_tree(dir);
}

/*
** A spelling copy (what searchd makes of remote shards): the words of a
** database's terms give a parser over a database without spelling data
** its corrections; the word bound holds.
*/
static void test_spelling_copy(void **state)
{
	char err[GZ_ERRLEN], empty[64], copy[64], small[64], cmd[256];
	struct xsh_db *corpus = open_corpus(), *db = NULL;
	struct xsh_wdb *w = NULL;
	struct xsh_qp *qp = NULL;
	struct xsh_query *q;
	unsigned words = 0;
	char *s;

	(void)state;
	make_tmp(empty);
	make_tmp(copy);
	make_tmp(small);
	assert_int_equal(xsh_wdb_open(empty, XSH_WDB_CREATE, &w, err), GZ_OK);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);
	xsh_wdb_close(w);
	assert_int_equal(xsh_db_open(empty, &db, err), GZ_OK);
	assert_int_equal(xsh_qp_new(db, "en", &qp, err), GZ_OK);
	q = parse(qp, "rivr", XSH_QP_SPELLING);
	assert_int_equal(xsh_qp_corrected(qp, &s, err), GZ_OK);
	assert_string_equal(s, ""); /* nothing to correct with */
	free(s);
	xsh_query_free(q);

	assert_int_equal(
		xsh_spelling_copy(&corpus, 1, "", copy, 100000, &words, err),
		GZ_OK);
	assert_true(words > 10);
	assert_int_equal(xsh_qp_add_spelling_db(qp, copy, err), GZ_OK);
	q = parse(qp, "rivr", XSH_QP_SPELLING);
	assert_int_equal(xsh_qp_corrected(qp, &s, err), GZ_OK);
	assert_string_equal(s, "river");
	free(s);
	xsh_query_free(q);

	assert_int_equal(
		xsh_spelling_copy(&corpus, 1, "", small, 3, &words, err),
		GZ_OK);
	assert_int_equal(words, 3);
	assert_int_equal(xsh_qp_add_spelling_db(qp, "", err), GZ_EINVAL);

	xsh_qp_free(qp);
	xsh_db_close(db);
	xsh_db_close(corpus);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s'", empty, copy, small);
	assert_int_equal(system(cmd), 0);
}

static void test_spelling(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = NULL;
	struct xsh_query *q;
	struct xsh_tg *tg = NULL;
	char *s;

	(void)state;
	assert_int_equal(xsh_db_spelling(db, "rivr", &s, err), GZ_OK);
	assert_string_equal(s, "river");
	free(s);
	assert_int_equal(xsh_db_spelling(db, "xqzzyv", &s, err), GZ_OK);
	assert_string_equal(s, "");
	free(s);

	assert_int_equal(xsh_qp_new(db, "en", &qp, err), GZ_OK);
	q = parse(qp, "electon rivr", XSH_QP_SPELLING);
	assert_int_equal(xsh_qp_corrected(qp, &s, err), GZ_OK);
	assert_string_equal(s, "election river");
	free(s);
	xsh_query_free(q);
	q = parse(qp, "rivr", 0); /* no XSH_QP_SPELLING: no correction */
	assert_int_equal(xsh_qp_corrected(qp, &s, err), GZ_OK);
	assert_string_equal(s, "");
	free(s);
	xsh_query_free(q);
	xsh_qp_free(qp);

	/* Spelling needs a database on both sides. */
	assert_int_equal(xsh_qp_new(NULL, "en", &qp, err), GZ_OK);
	assert_int_equal(xsh_qp_parse(qp, "rivr", XSH_QP_SPELLING, &q, err),
			 GZ_EINVAL);
	xsh_qp_free(qp);
	assert_int_equal(xsh_tg_new(NULL, "en", XSH_TG_SPELLING, &tg, err),
			 GZ_EINVAL);
	assert_null(tg);
	xsh_db_close(db);
}

/* ---------------------------------------------------------------- queries */

/* What the range callback saw, and how many times it was called. */
struct range_log {
	char begin[64]; /* last begin */
	char end[64];   /* last end */
	int calls;      /* calls so far */
};

/* A date bound: "" stays open, YYYY widens to the year, YYYY-MM-DD stays. */
static int date_bound(const char *in, int is_hi, char *out, size_t n)
{
	size_t len = strlen(in);

	for (size_t i = 0; i < len; i++)
		if (!(in[i] >= '0' && in[i] <= '9') && in[i] != '-')
			return 0;
	if (len == 0)
		snprintf(out, n, "%s", "");
	else if (len == 4)
		snprintf(out, n, "%s-%s", in, is_hi ? "12-31" : "01-01");
	else if (len == 10)
		snprintf(out, n, "%s", in);
	else
		return 0;
	return 1;
}

static int date_range(void *ctx, const char *begin, const char *end, char *lo,
		      char *hi, size_t n)
{
	struct range_log *log = ctx;

	log->calls++;
	snprintf(log->begin, sizeof log->begin, "%s", begin);
	snprintf(log->end, sizeof log->end, "%s", end);
	return date_bound(begin, 0, lo, n) && date_bound(end, 1, hi, n);
}

/* An English parser over db with the corpus's fields. */
static struct xsh_qp *corpus_parser(struct xsh_db *db, struct range_log *log)
{
	char err[GZ_ERRLEN];
	struct xsh_qp *qp = NULL;

	assert_int_equal(xsh_qp_new(db, "en", &qp, err), GZ_OK);
	assert_int_equal(xsh_qp_add_prefix(qp, "title", "S", err), GZ_OK);
	assert_int_equal(xsh_qp_add_boolean_prefix(qp, "source", "XS",
						   XSH_BP_LOWERCASE, err),
			 GZ_OK);
	assert_int_equal(xsh_qp_add_boolean_prefix(qp, "id", "Q", 0, err),
			 GZ_OK);
	if (log)
		assert_int_equal(xsh_qp_add_range(qp, "date", SLOT_DATE,
						  date_range, log, err),
				 GZ_OK);
	return qp;
}

/* Parse text with the corpus parser (no ranges) and count its hits. */
static unsigned count_hits(struct xsh_db *db, const char *text, int flags)
{
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q;
	unsigned ids[NROWS], n;

	q = parse(qp, text, flags);
	n = search(db, q, ids, NROWS);
	xsh_query_free(q);
	xsh_qp_free(qp);
	return n;
}

static char *describe(const struct xsh_query *q)
{
	char err[GZ_ERRLEN];
	char *s = NULL;

	assert_int_equal(xsh_query_describe(q, &s, err), GZ_OK);
	return s;
}

static void test_qp_basic(void **state)
{
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q;
	unsigned ids[NROWS], n;
	char *s;

	(void)state;
	/* Default OR, and AND with XSH_QP_DEFAULT_AND. */
	q = parse(qp, "river election", 0);
	s = describe(q);
	assert_non_null(strstr(s, " OR "));
	free(s);
	assert_int_equal(search(db, q, ids, NROWS), 4);
	xsh_query_free(q);
	q = parse(qp, "river election", XSH_QP_DEFAULT_AND);
	s = describe(q);
	assert_non_null(strstr(s, " AND "));
	free(s);
	assert_int_equal(search(db, q, ids, NROWS), 0);
	xsh_query_free(q);
	q = parse(qp, "river valley", XSH_QP_DEFAULT_AND);
	n = search(db, q, ids, NROWS);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], corpus_ids[0]);
	xsh_query_free(q);

	/* Phrases: words in order only. */
	assert_int_equal(count_hits(db, "\"river valley\"", XSH_QP_PHRASE), 1);
	assert_int_equal(count_hits(db, "\"valley river\"", XSH_QP_PHRASE), 0);

	/* NEAR, boolean operators, love/hate, pure NOT. */
	assert_int_equal(count_hits(db, "cruise NEAR summer", XSH_QP_NEAR), 1);
	assert_int_equal(count_hits(db, "river AND NOT cruise", XSH_QP_BOOLEAN),
			 2);
	assert_int_equal(count_hits(db, "river or election",
				    XSH_QP_BOOLEAN | XSH_QP_BOOLEAN_ANY_CASE),
			 4);
	assert_int_equal(count_hits(db, "river -cruise", XSH_QP_LOVEHATE), 2);
	assert_int_equal(
		count_hits(db, "NOT river", XSH_QP_BOOLEAN | XSH_QP_PURE_NOT),
		3);

	/* Stemming: "flooding" finds "flooded" and "Floods". */
	assert_int_equal(count_hits(db, "flooding", 0), 1);

	xsh_qp_free(qp);
	xsh_db_close(db);
}

static void test_qp_fields(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q;
	unsigned ids[NROWS], n;
	char *s;

	(void)state;
	/* Boolean filter, lower-cased, with a quoted two-word value. */
	q = parse(qp, "source:\"Global Times\"", 0);
	s = describe(q);
	assert_non_null(strstr(s, "XSglobal times"));
	free(s);
	n = search(db, q, ids, NROWS);
	assert_int_equal(n, 2);
	assert_true(has_id(ids, n, corpus_ids[0]));
	assert_true(has_id(ids, n, corpus_ids[2]));
	xsh_query_free(q);
	/* Non-ASCII upper case folds too. */
	q = parse(qp, "source:\xc3\x89LYS\xc3\x89\x45", 0); /* ÉLYSÉE */
	s = describe(q);
	assert_non_null(strstr(s, "XS\xc3\xa9lys\xc3\xa9\x65")); /* élysée */
	free(s);
	xsh_query_free(q);
	/* A filter with free text, and two values of one exclusive field. */
	assert_int_equal(count_hits(db, "river source:\"GLOBAL TIMES\"", 0), 1);
	assert_int_equal(count_hits(db,
				    "source:\"Global Times\" "
				    "source:\"daily planet\"",
				    0),
			 4);
	/* A filter without lower-casing keeps case. */
	assert_int_equal(count_hits(db, "id:3", 0), 1);

	/* Non-exclusive: two values AND. */
	assert_int_equal(xsh_qp_add_boolean_prefix(
				 qp, "src", "XS",
				 XSH_BP_LOWERCASE | XSH_BP_NONEXCLUSIVE, err),
			 GZ_OK);
	q = parse(qp, "src:\"global times\" src:herald", 0);
	assert_int_equal(search(db, q, ids, NROWS), 0);
	xsh_query_free(q);

	/* A free-text field. */
	q = parse(qp, "title:election", 0);
	s = describe(q);
	assert_non_null(strstr(s, "ZSelect"));
	free(s);
	n = search(db, q, ids, NROWS);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], corpus_ids[2]);
	xsh_query_free(q);
	assert_int_equal(count_hits(db, "title:river", 0), 3);
	assert_int_equal(count_hits(db, "title:harvest", 0), 0);
	assert_int_equal(count_hits(db, "harvest", 0), 1);

	/* Wildcards. */
	q = parse(qp, "flood*", XSH_QP_WILDCARD);
	n = search(db, q, ids, NROWS);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], corpus_ids[0]);
	xsh_query_free(q);

	xsh_qp_free(qp);
	xsh_db_close(db);
}

static void test_qp_ranges(void **state)
{
	static const struct {
		const char *text;  /* query */
		const char *begin; /* begin the callback must see */
		const char *end;   /* end it must see */
		unsigned hits;     /* matches in the corpus */
	} cases[] = {
		{ "date:2013..2014", "2013", "2014", 4 },
		{ "date:..2013-12-31", "", "2013-12-31", 3 },
		{ "date:2013-07-01..2013-07-31", "2013-07-01", "2013-07-31",
		  1 },
		{ "date:2014..", "2014", "", 3 },
		{ "river date:2013..2013", "2013", "2013", 2 },
	};
	char err[GZ_ERRLEN];
	struct range_log log;
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, &log);
	struct xsh_query *q = NULL;
	unsigned ids[NROWS];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&log, 0, sizeof log);
		q = parse(qp, cases[i].text, 0);
		assert_int_equal(log.calls, 1);
		assert_string_equal(log.begin, cases[i].begin);
		assert_string_equal(log.end, cases[i].end);
		if (search(db, q, ids, NROWS) != cases[i].hits)
			fail_msg("%s: wrong hit count", cases[i].text);
		xsh_query_free(q);
	}

	/* The callback refuses: the parser reports an error. */
	memset(&log, 0, sizeof log);
	err[0] = '\0';
	q = (struct xsh_query *)1;
	assert_int_equal(xsh_qp_parse(qp, "date:soon..later", 0, &q, err),
			 GZ_EQUERY);
	assert_null(q);
	assert_int_equal(log.calls, 1);
	assert_true(strlen(err) > 0);

	/* Ranges built directly. */
	assert_int_equal(xsh_query_range(SLOT_DATE, "2014-01-01", "", &q, err),
			 GZ_OK);
	assert_int_equal(search(db, q, ids, NROWS), 3);
	xsh_query_free(q);
	assert_int_equal(
		xsh_query_range(SLOT_DATE, NULL, "2012-12-31", &q, err), GZ_OK);
	assert_int_equal(search(db, q, ids, NROWS), 1);
	xsh_query_free(q);
	assert_int_equal(xsh_query_range(SLOT_DATE, "", "", &q, err), GZ_OK);
	assert_int_equal(search(db, q, ids, NROWS), NROWS);
	xsh_query_free(q);

	xsh_qp_free(qp);
	xsh_db_close(db);
}

/*
** Parse text (wildcards and boolean operators on) and run it over db: the
** code of the run, its message in err.  A failed run gives no mset.
*/
static int run_parsed(struct xsh_db *db, struct xsh_qp *qp, const char *text,
		      char *err)
{
	struct xsh_query *q = parse(qp, text, XSH_QP_WILDCARD | XSH_QP_BOOLEAN);
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	int rc;

	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	rc = xsh_enquire_run(e, 0, 10, 0, &m, err);
	if (rc != GZ_OK)
		assert_null(m);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	return rc;
}

static void test_qp_errors(void **state)
{
	char err[GZ_ERRLEN] = "";
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q = NULL;

	(void)state;
	/* Syntax errors. */
	assert_int_equal(xsh_qp_parse(qp, "river AND", XSH_QP_BOOLEAN, &q, err),
			 GZ_EQUERY);
	assert_null(q);
	assert_non_null(strstr(err, "Syntax"));
	err[0] = '\0';
	assert_int_equal(xsh_qp_parse(qp, "NOT river", XSH_QP_BOOLEAN, &q, err),
			 GZ_EQUERY);
	assert_true(strlen(err) > 0);

	/*
	** Wildcard expansion past the limit ("r*": river, rains, ...) parses,
	** and running it fails with GZ_EQUERY naming the wildcard.
	*/
	assert_int_equal(xsh_qp_set_max_expansion(qp, 3, err), GZ_OK);
	err[0] = '\0';
	assert_int_equal(run_parsed(db, qp, "valley OR r*", err), GZ_EQUERY);
	assert_non_null(strstr(err, "r"));
	assert_true(strlen(err) > 0);
	/* Within the limit (flooded, flooding, floods) it runs. */
	assert_int_equal(run_parsed(db, qp, "flood*", err), GZ_OK);
	/*
	** The limit is the query's, shared by its wildcards: 6 terms for two
	** wildcards is 3 each (flood* has 3: it runs), for three is 2 each
	** (it does not); a query of one wildcard still has all 6.
	*/
	assert_int_equal(xsh_qp_set_max_expansion(qp, 6, err), GZ_OK);
	assert_int_equal(run_parsed(db, qp, "flood* OR flood*", err), GZ_OK);
	assert_int_equal(run_parsed(db, qp, "flood* OR flood* OR flood*", err),
			 GZ_EQUERY);
	assert_non_null(strstr(err, "2 terms"));
	assert_int_equal(run_parsed(db, qp, "flood*", err), GZ_OK);
	assert_int_equal(xsh_qp_set_max_expansion(qp, 0, err), GZ_OK);
	q = parse(qp, "r*", XSH_QP_WILDCARD);
	xsh_query_free(q);

	xsh_qp_free(qp);
	xsh_db_close(db);
}

static void test_query_build(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_query *a = NULL, *b = NULL, *c = NULL;
	unsigned ids[NROWS], n;

	(void)state;
	assert_int_equal(xsh_query_term("Zriver", &a, err), GZ_OK);
	assert_int_equal(xsh_query_term("XSglobal times", &b, err), GZ_OK);
	assert_int_equal(xsh_query_term("", &c, err), GZ_EINVAL);

	assert_int_equal(xsh_query_combine(XSH_OP_AND, a, b, &c, err), GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), 1);
	xsh_query_free(c);
	assert_int_equal(xsh_query_combine(XSH_OP_OR, a, b, &c, err), GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), 4);
	assert_int_equal(xsh_query_term_count(c, &n, err), GZ_OK);
	assert_int_equal(n, 2);
	xsh_query_free(c);
	assert_int_equal(xsh_query_combine(XSH_OP_AND_NOT, a, b, &c, err),
			 GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), 2);
	xsh_query_free(c);
	assert_int_equal(xsh_query_combine(XSH_OP_FILTER, a, b, &c, err),
			 GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), 1);
	xsh_query_free(c);
	/* NULL a is everything; NULL b is nothing to combine. */
	assert_int_equal(xsh_query_combine(XSH_OP_AND_NOT, NULL, b, &c, err),
			 GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), NROWS - 2);
	xsh_query_free(c);
	assert_int_equal(xsh_query_combine(XSH_OP_AND, a, NULL, &c, err),
			 GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), 3);
	xsh_query_free(c);
	assert_int_equal(xsh_query_combine((enum xsh_op)9, a, b, &c, err),
			 GZ_EINVAL);
	assert_null(c);
	assert_int_equal(xsh_query_all(&c, err), GZ_OK);
	assert_int_equal(search(db, c, ids, NROWS), NROWS);
	assert_int_equal(xsh_query_term_count(c, &n, err), GZ_OK);
	assert_int_equal(n, 0);
	xsh_query_free(c);

	xsh_query_free(a);
	xsh_query_free(b);
	xsh_db_close(db);
}

/* ---------------------------------------------------------------- search */

static void test_enquire_rank(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q = parse(qp, "river", 0);
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct xsh_hit h, prev;
	unsigned est, lo, hi;
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_set_time_limit(e, 5.0, err), GZ_OK);
	assert_int_equal(xsh_enquire_set_time_limit(e, -1.0, err), GZ_EINVAL);
	if (RUNNING_ON_VALGRIND) /* see the top of this file */
		assert_int_equal(xsh_enquire_set_time_limit(e, 0, err), GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 10, NROWS, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_size(m), 3);
	assert_int_equal(xsh_mset_counts(m, &est, &lo, &hi, err), GZ_OK);
	assert_int_equal(est, 3);
	assert_true(lo <= est && est <= hi);
	assert_int_equal(xsh_mset_counts(m, NULL, NULL, NULL, err), GZ_OK);

	/* The short all-"river" article ranks first; weights descend. */
	assert_int_equal(xsh_mset_hit(m, 0, &h, err), GZ_OK);
	assert_int_equal(h.docid, corpus_ids[5]);
	assert_int_equal(h.rank, 0);
	assert_true(h.percent > 0 && h.percent <= 100);
	for (unsigned i = 1; i < xsh_mset_size(m); i++) {
		prev = h;
		assert_int_equal(xsh_mset_hit(m, i, &h, err), GZ_OK);
		assert_int_equal(h.rank, i);
		assert_true(h.weight <= prev.weight);
	}
	assert_int_equal(xsh_mset_hit(m, 3, &h, err), GZ_EINVAL);

	assert_int_equal(xsh_mset_data(m, 0, &s, &len, err), GZ_OK);
	assert_string_equal(s, "6|River river");
	assert_int_equal(len, strlen(s));
	free(s);
	assert_int_equal(xsh_mset_data(m, 3, &s, &len, err), GZ_EINVAL);
	xsh_mset_free(m);

	/* Offset: the second page starts at rank 1. */
	assert_int_equal(xsh_enquire_run(e, 1, 1, 0, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_size(m), 1);
	assert_int_equal(xsh_mset_hit(m, 0, &h, err), GZ_OK);
	assert_int_equal(h.rank, 1);

	/* The mset outlives its enquire and query. */
	xsh_enquire_free(e);
	xsh_query_free(q);
	assert_int_equal(xsh_mset_data(m, 0, &s, NULL, err), GZ_OK);
	free(s);
	xsh_mset_free(m);
	xsh_qp_free(qp);
	xsh_db_close(db);
}

static void test_enquire_sort(void **state)
{
	static const int asc[] = { 3, 0, 1, 2, 4, 5 }; /* rows by date */
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct xsh_hit h;

	(void)state;
	assert_int_equal(xsh_query_all(&q, err), GZ_OK);
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	for (int reverse = 0; reverse <= 1; reverse++) {
		assert_int_equal(
			xsh_enquire_set_sort(e, SLOT_DATE, reverse, err),
			GZ_OK);
		assert_int_equal(xsh_enquire_run(e, 0, 10, 10, &m, err), GZ_OK);
		assert_int_equal(xsh_mset_size(m), NROWS);
		for (unsigned i = 0; i < NROWS; i++) {
			int want = reverse ? asc[NROWS - 1 - i] : asc[i];

			assert_int_equal(xsh_mset_hit(m, i, &h, err), GZ_OK);
			assert_int_equal(row_of(h.docid), want);
		}
		xsh_mset_free(m);
	}
	assert_int_equal(xsh_enquire_set_sort(e, XSH_SORT_RELEVANCE, 0, err),
			 GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 10, 10, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_size(m), NROWS);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	xsh_db_close(db);
}

static void test_enquire_collapse(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q = parse(qp, "river", 0);
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct xsh_hit h;
	unsigned folded = 0, s1 = 0;

	(void)state;
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_set_collapse(e, SLOT_STORY, 1, err),
			 GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 10, NROWS, &m, err), GZ_OK);
	/* Rows 1 and 2 share story s1 and fold into one hit. */
	assert_int_equal(xsh_mset_size(m), 2);
	for (unsigned i = 0; i < xsh_mset_size(m); i++) {
		assert_int_equal(xsh_mset_hit(m, i, &h, err), GZ_OK);
		if (row_of(h.docid) == 0 || row_of(h.docid) == 1) {
			s1++;
			folded = h.collapse_count;
		}
	}
	assert_int_equal(s1, 1);
	assert_true(folded >= 1);
	/* Each hit's key, from the fetched document; bounds checked. */
	for (unsigned i = 0; i < xsh_mset_size(m); i++) {
		char *v = NULL;
		size_t vlen = 0;

		assert_int_equal(xsh_mset_hit(m, i, &h, err), GZ_OK);
		assert_int_equal(
			xsh_mset_value(m, i, SLOT_STORY, &v, &vlen, err),
			GZ_OK);
		assert_int_equal(vlen, strlen(v));
		if (row_of(h.docid) <= 1)
			assert_string_equal(v, "s1");
		free(v);
	}
	{
		char *v = (char *)1;

		assert_int_equal(
			xsh_mset_value(m, 9, SLOT_STORY, &v, NULL, err),
			GZ_EINVAL);
		assert_null(v);
		assert_int_equal(xsh_mset_value(m, 0, 77, &v, NULL, err),
				 GZ_OK);
		assert_string_equal(v, "");
		free(v);
	}
	xsh_mset_free(m);

	/* Switched off, both come back. */
	assert_int_equal(xsh_enquire_set_collapse(e, SLOT_STORY, 0, err),
			 GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 10, NROWS, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_size(m), 3);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	xsh_qp_free(qp);
	xsh_db_close(db);
}

/* Facet values seen by the callback. */
struct facet_log {
	char value[8][32]; /* values, in order */
	unsigned count[8]; /* their counts */
	unsigned n;        /* values seen */
};

static void facet_cb(void *ctx, const char *value, size_t len, unsigned count)
{
	struct facet_log *log = ctx;

	if (log->n < 8) {
		snprintf(log->value[log->n], sizeof log->value[0], "%.*s",
			 (int)len, value);
		log->count[log->n] = count;
	}
	log->n++;
}

/* Count of value in log, or 0. */
static unsigned facet_count(const struct facet_log *log, const char *value)
{
	for (unsigned i = 0; i < log->n && i < 8; i++)
		if (strcmp(log->value[i], value) == 0)
			return log->count[i];
	return 0;
}

static void test_enquire_facets(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct facet_log log;
	unsigned idx, idx2, i;

	(void)state;
	assert_int_equal(xsh_query_all(&q, err), GZ_OK);
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_add_facet(e, SLOT_SOURCE, &idx, err),
			 GZ_OK);
	assert_int_equal(idx, 0);
	assert_int_equal(xsh_enquire_add_facet(e, SLOT_STORY, &idx2, err),
			 GZ_OK);
	assert_int_equal(idx2, 1);
	memset(&log, 0, sizeof log);
	assert_int_equal(xsh_enquire_facet(e, idx, 10, facet_cb, &log, err),
			 GZ_EINVAL); /* not run yet */

	/* Run twice: the counts are those of one run. */
	for (int run = 0; run < 2; run++) {
		assert_int_equal(xsh_enquire_run(e, 0, 2, NROWS, &m, err),
				 GZ_OK);
		xsh_mset_free(m);
	}
	memset(&log, 0, sizeof log);
	assert_int_equal(xsh_enquire_facet(e, idx, 10, facet_cb, &log, err),
			 GZ_OK);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.count[0], 2); /* most frequent first */
	assert_int_equal(facet_count(&log, "Global Times"), 2);
	assert_int_equal(facet_count(&log, "Daily Planet"), 2);
	assert_int_equal(facet_count(&log, "Market Watch"), 1);
	assert_int_equal(facet_count(&log, "Herald"), 1);
	memset(&log, 0, sizeof log);
	assert_int_equal(xsh_enquire_facet(e, idx, 1, facet_cb, &log, err),
			 GZ_OK);
	assert_int_equal(log.n, 1);
	memset(&log, 0, sizeof log);
	assert_int_equal(xsh_enquire_facet(e, idx2, 10, facet_cb, &log, err),
			 GZ_OK);
	assert_int_equal(log.n, 5);
	assert_int_equal(facet_count(&log, "s1"), 2);
	assert_int_equal(xsh_enquire_facet(e, 2, 10, facet_cb, &log, err),
			 GZ_EINVAL);
	assert_int_equal(xsh_enquire_facet(e, idx, 10, NULL, &log, err),
			 GZ_EINVAL);

	/* At most 8 facets. */
	for (i = 2; i < 8; i++)
		assert_int_equal(xsh_enquire_add_facet(e, SLOT_DATE, NULL, err),
				 GZ_OK);
	assert_int_equal(xsh_enquire_add_facet(e, SLOT_DATE, NULL, err),
			 GZ_ETOOBIG);
	assert_int_equal(xsh_enquire_run(e, 0, 10, NROWS, &m, err), GZ_OK);
	xsh_mset_free(m);

	xsh_enquire_free(e);
	xsh_query_free(q);
	xsh_db_close(db);
}

/* Collects what xsh_db_values and xsh_db_match_docids hand over. */
struct pass_log {
	unsigned ids[64];  /* docids, in the order given */
	char vals[64][16]; /* values (xsh_db_values) */
	unsigned n;        /* entries */
	unsigned batches;  /* calls */
	int stop_at;       /* stop (GZ_ETIMEOUT) at this call; 0: never */
};

static int values_cb(void *ctx, unsigned docid, const char *v, size_t len)
{
	struct pass_log *l = ctx;

	assert_true(l->n < 64 && len < 16);
	l->ids[l->n] = docid;
	memcpy(l->vals[l->n], v, len);
	l->vals[l->n][len] = '\0';
	l->n++;
	return GZ_OK;
}

static int docids_cb(void *ctx, const unsigned *ids, size_t n)
{
	struct pass_log *l = ctx;

	l->batches++;
	for (size_t i = 0; i < n; i++) {
		assert_true(l->n < 64);
		l->ids[l->n++] = ids[i];
	}
	if (l->stop_at && (int)l->batches >= l->stop_at)
		return GZ_ETIMEOUT;
	return GZ_OK;
}

/*
** A one-term query's matches come straight from its posting list; the
** same term ORed with a word no document has goes through the matcher.
** Both must hand over the same docids, in the same order, and a query
** of every document every docid.
*/
static void match_paths_agree(struct xsh_db *db, struct xsh_qp *qp,
			      const struct xsh_query *one)
{
	char err[GZ_ERRLEN];
	struct xsh_query *either =
		parse(qp, "river OR zzyzxnowhere", XSH_QP_BOOLEAN);
	struct xsh_query *all = NULL;
	struct pass_log a, b;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	assert_int_equal(xsh_db_match_docids(db, one, docids_cb, &a, err),
			 GZ_OK);
	assert_int_equal(xsh_db_match_docids(db, either, docids_cb, &b, err),
			 GZ_OK);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.ids, b.ids, a.n * sizeof a.ids[0]);
	assert_int_equal(xsh_query_all(&all, err), GZ_OK);
	memset(&a, 0, sizeof a);
	assert_int_equal(xsh_db_match_docids(db, all, docids_cb, &a, err),
			 GZ_OK);
	assert_int_equal(a.n, NROWS);
	xsh_query_free(all);
	xsh_query_free(either);
}

/*
** The whole-result primitives: a slot's values in docid order, every
** match of a query (and a callback's code stopping it), a docid list as a
** filter, and an OR of terms.
*/
static void test_whole_passes(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = NULL;
	struct xsh_query *q = NULL, *ids = NULL, *f = NULL, *any = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct xsh_hit h;
	struct pass_log log;
	const char *terms[] = { "XSherald", "XSmarket watch", "XSnone" };
	unsigned some[2], i, n, got[NROWS];
	int pct = -1;

	(void)state;
	memset(&log, 0, sizeof log);
	assert_int_equal(xsh_db_values(db, SLOT_SOURCE, values_cb, &log, err),
			 GZ_OK);
	assert_int_equal(log.n, NROWS);
	for (i = 0; i < log.n; i++) {
		assert_int_equal(log.ids[i], corpus_ids[i]);
		assert_string_equal(log.vals[i], corpus[i].source);
	}
	assert_int_equal(xsh_db_values(NULL, 0, values_cb, &log, err),
			 GZ_EINVAL);

	assert_int_equal(xsh_qp_new(db, "en", &qp, err), GZ_OK);
	q = parse(qp, "river", XSH_QP_DEFAULT_AND);
	memset(&log, 0, sizeof log);
	assert_int_equal(xsh_db_match_docids(db, q, docids_cb, &log, err),
			 GZ_OK);
	assert_int_equal(log.n, 3); /* rows 1, 2 and 6 */
	assert_true(has_id(log.ids, log.n, corpus_ids[0]));
	assert_true(has_id(log.ids, log.n, corpus_ids[1]));
	assert_true(has_id(log.ids, log.n, corpus_ids[5]));
	for (i = 1; i < log.n; i++)
		assert_true(log.ids[i - 1] < log.ids[i]);
	memset(&log, 0, sizeof log);
	log.stop_at = 1;
	assert_int_equal(xsh_db_match_docids(db, q, docids_cb, &log, err),
			 GZ_ETIMEOUT);
	match_paths_agree(db, qp, q);

	/* Rows 1 and 6 only, weights as without the filter. */
	some[0] = corpus_ids[0];
	some[1] = corpus_ids[5];
	assert_int_equal(xsh_query_docids(some, 2, &ids, err), GZ_OK);
	assert_int_equal(xsh_query_combine(XSH_OP_FILTER, q, ids, &f, err),
			 GZ_OK);
	n = search(db, f, got, NROWS);
	assert_int_equal(n, 2);
	assert_true(has_id(got, n, corpus_ids[0]) &&
		    has_id(got, n, corpus_ids[5]));
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 1, 0, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_hit(m, 0, &h, err), GZ_OK);
	assert_int_equal(xsh_mset_percent(m, h.weight, &pct, err), GZ_OK);
	assert_int_equal(pct, h.percent);
	assert_int_equal(xsh_mset_percent(NULL, 1.0, &pct, err), GZ_EINVAL);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(f);
	xsh_query_free(ids);
	some[1] = some[0];
	assert_int_equal(xsh_query_docids(some, 2, &ids, err), GZ_EINVAL);
	assert_null(ids);
	assert_int_equal(xsh_query_docids(some, 0, &ids, err), GZ_OK);
	n = search(db, ids, got, NROWS);
	assert_int_equal(n, 0);
	xsh_query_free(ids);

	assert_int_equal(xsh_query_any_term(terms, 3, &any, err), GZ_OK);
	n = search(db, any, got, NROWS);
	assert_int_equal(n, 2); /* rows 5 and 6 */
	assert_true(has_id(got, n, corpus_ids[4]) &&
		    has_id(got, n, corpus_ids[5]));
	xsh_query_free(any);
	assert_int_equal(xsh_query_any_term(terms, 0, &any, err), GZ_OK);
	assert_int_equal(search(db, any, got, NROWS), 0);
	xsh_query_free(any);

	xsh_query_free(q);
	xsh_qp_free(qp);
	xsh_db_close(db);
}

/*
** Check xsh_db_match_among for query text over db: asked every other
** docid (from the first or the second), it gives the matches of
** xsh_db_match_docids among them, in order.
*/
static void among_agrees(struct xsh_db *db, struct xsh_qp *qp, const char *text)
{
	char err[GZ_ERRLEN];
	struct xsh_query *q =
		parse(qp, text,
		      XSH_QP_BOOLEAN | XSH_QP_PHRASE | XSH_QP_LOVEHATE |
			      XSH_QP_WILDCARD | XSH_QP_DEFAULT_AND);
	struct pass_log all, got;
	unsigned asked[NROWS], want[NROWS];
	size_t na, nw, i, j, from;

	memset(&all, 0, sizeof all);
	assert_int_equal(xsh_db_match_docids(db, q, docids_cb, &all, err),
			 GZ_OK);
	for (from = 0; from < 2; from++) {
		for (i = 1, na = 0; i <= NROWS + 1; i++) /* docids 1.. */
			if (i % 2 == from)
				asked[na++] = (unsigned)i;
		for (i = 0, nw = 0; i < all.n; i++)
			for (j = 0; j < na; j++)
				if (all.ids[i] == asked[j])
					want[nw++] = all.ids[i];
		memset(&got, 0, sizeof got);
		assert_int_equal(xsh_db_match_among(db, q, asked, na, docids_cb,
						    &got, err),
				 GZ_OK);
		if (got.n != nw ||
		    memcmp(got.ids, want, nw * sizeof want[0]) != 0)
			fail_msg("'%s' from %zu: %u matches among %zu asked, "
				 "want %zu",
				 text, from, got.n, na, nw);
	}
	xsh_query_free(q);
}

/*
** The matches among a few documents, by the posting lists (terms and
** their boolean operators) or by the matcher (phrases, wildcards), agree
** with all of a query's matches; the callback can stop it; an empty list
** asks nothing; a list out of order is refused.
*/
static void test_match_among(void **state)
{
	static const char *queries[] = {
		"river",
		"river OR election",
		"river valley",
		"river NOT cruise",
		"river AND NOT flood*",
		"\"river valley\"",
		"riv*",
		"zzyzxnowhere",
		"(river OR markets) AND (rain* OR stock)",
	};
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = NULL;
	struct xsh_query *one, *all = NULL;
	struct pass_log a;
	unsigned some[3] = { corpus_ids[0], corpus_ids[2], corpus_ids[5] };
	unsigned swapped[2] = { corpus_ids[5], corpus_ids[0] };
	size_t i;

	(void)state;
	assert_true(some[0] < some[1] && some[1] < some[2]);
	assert_int_equal(xsh_qp_new(db, "en", &qp, err), GZ_OK);
	for (i = 0; i < sizeof queries / sizeof queries[0]; i++)
		among_agrees(db, qp, queries[i]);

	one = parse(qp, "river", XSH_QP_DEFAULT_AND);
	memset(&a, 0, sizeof a);
	assert_int_equal(
		xsh_db_match_among(db, one, some, 3, docids_cb, &a, err),
		GZ_OK);
	assert_int_equal(a.n, 2); /* rows 1 and 6 */
	assert_int_equal(a.ids[0], some[0]);
	assert_int_equal(a.ids[1], some[2]);
	assert_int_equal(xsh_query_all(&all, err), GZ_OK);
	memset(&a, 0, sizeof a);
	assert_int_equal(
		xsh_db_match_among(db, all, some, 3, docids_cb, &a, err),
		GZ_OK);
	assert_int_equal(a.n, 3);
	memset(&a, 0, sizeof a);
	assert_int_equal(
		xsh_db_match_among(db, one, some, 0, docids_cb, &a, err),
		GZ_OK);
	assert_int_equal(a.n, 0);
	a.stop_at = 1;
	assert_int_equal(
		xsh_db_match_among(db, one, some, 3, docids_cb, &a, err),
		GZ_ETIMEOUT);
	assert_int_equal(
		xsh_db_match_among(db, one, swapped, 2, docids_cb, &a, err),
		GZ_EINVAL);
	xsh_query_free(all);
	xsh_query_free(one);
	xsh_qp_free(qp);
	xsh_db_close(db);
}

static void test_snippet(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q = parse(qp, "flooding", 0);
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	const char *body = corpus[0].body;
	char *s;

	(void)state;
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 10, 10, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_size(m), 1);
	assert_int_equal(xsh_mset_snippet(m, body, strlen(body), 200, "en",
					  "<b>", "</b>", XSH_SNIPPET_EXHAUSTIVE,
					  &s, err),
			 GZ_OK);
	/* The stemmed match "flooded" is highlighted, as is "flooding". */
	assert_non_null(strstr(s, "<b>flooded</b>"));
	assert_non_null(strstr(s, "<b>flooding</b>"));
	free(s);
	/* No match: empty with the flag. */
	assert_int_equal(xsh_mset_snippet(m, "Nothing here.", 13, 200, "en",
					  "<b>", "</b>",
					  XSH_SNIPPET_EMPTY_WITHOUT_MATCH, &s,
					  err),
			 GZ_OK);
	assert_string_equal(s, "");
	free(s);
	/* A short length trims; NULL markers mean none. */
	assert_int_equal(xsh_mset_snippet(m, body, strlen(body), 30, NULL, NULL,
					  NULL, 0, &s, err),
			 GZ_OK);
	assert_null(strchr(s, '<'));
	assert_true(strlen(s) <= 30 + 6);
	free(s);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	xsh_qp_free(qp);
	xsh_db_close(db);
}

static void test_more_like(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_query *q = NULL;
	unsigned ids[NROWS], n;
	char *s;

	(void)state;
	assert_int_equal(xsh_db_more_like(db, corpus_ids[0], 30, &q, err),
			 GZ_OK);
	s = describe(q);
	/* No prefixed terms (Z stems, S titles, Q ids, XS sources). */
	assert_null(strstr(s, "Zriver"));
	assert_null(strstr(s, "Sriver"));
	assert_null(strstr(s, "Q1"));
	assert_non_null(strstr(s, "river"));
	free(s);
	n = search(db, q, ids, NROWS);
	assert_true(n >= 2);
	assert_true(has_id(ids, n, corpus_ids[0]));
	assert_true(has_id(ids, n, corpus_ids[1]) ||
		    has_id(ids, n, corpus_ids[5]));
	xsh_query_free(q);

	q = (struct xsh_query *)1;
	assert_int_equal(xsh_db_more_like(db, 9999, 10, &q, err), GZ_ENOTFOUND);
	assert_null(q);
	assert_int_equal(xsh_db_more_like(db, 0, 10, &q, err), GZ_ENOTFOUND);
	assert_int_equal(xsh_db_more_like(db, corpus_ids[0], 0, &q, err),
			 GZ_EINVAL);
	xsh_db_close(db);
}

static void test_cjk(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_db *db = open_corpus();
	struct xsh_qp *qp = corpus_parser(db, NULL);
	struct xsh_query *q;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	unsigned ids[NROWS], n;
	char *s;

	(void)state;
	/* 图书 ("books"), two characters inside 图书馆. */
	q = parse(qp, "\xe5\x9b\xbe\xe4\xb9\xa6", XSH_QP_CJK);
	n = search(db, q, ids, NROWS);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], corpus_ids[3]);
	assert_int_equal(xsh_enquire_new(db, q, &e, err), GZ_OK);
	assert_int_equal(xsh_enquire_run(e, 0, 10, 10, &m, err), GZ_OK);
	assert_int_equal(xsh_mset_snippet(m, corpus[3].body,
					  strlen(corpus[3].body), 100, NULL,
					  "[", "]", XSH_SNIPPET_CJK, &s, err),
			 GZ_OK);
	/* Each character of the match is marked. */
	assert_non_null(strstr(s, "[\xe5\x9b\xbe][\xe4\xb9\xa6]"));
	free(s);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	/* 北京 ("Beijing") is in the title too. */
	q = parse(qp, "title:\xe5\x8c\x97\xe4\xba\xac", XSH_QP_CJK);
	assert_int_equal(search(db, q, ids, NROWS), 1);
	xsh_query_free(q);
	xsh_qp_free(qp);
	xsh_db_close(db);
}

/* Language names: ISO codes, stemmer names, case and regions; else none. */
static void test_languages(void **state)
{
	static const struct {
		const char *lang; /* as given */
		int stems;        /* 1 if a stemmer results */
	} cases[] = {
		{ "en", 1 },   { "fr", 1 },      { "de", 1 },
		{ "es", 1 },   { "it", 1 },      { "pt", 1 },
		{ "nl", 1 },   { "sv", 1 },      { "no", 1 },
		{ "da", 1 },   { "fi", 1 },      { "ru", 1 },
		{ "hu", 1 },   { "ro", 1 },      { "tr", 1 },
		{ "ar", 1 },   { "english", 1 }, { "french", 1 },
		{ "EN", 1 },   { "en-GB", 1 },   { "pt_BR", 1 },
		{ "none", 0 }, { "ja", 0 },      { "klingon", 0 },
		{ "", 0 },     { NULL, 0 },
	};
	char err[GZ_ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct xsh_qp *qp = NULL;
		struct xsh_query *q;
		char *s;

		assert_int_equal(xsh_qp_new(NULL, cases[i].lang, &qp, err),
				 GZ_OK);
		q = parse(qp, "houses", 0);
		s = describe(q);
		if ((strncmp(s, "Query(Z", 7) == 0) != cases[i].stems)
			fail_msg("lang %s: %s",
				 cases[i].lang ? cases[i].lang : "NULL", s);
		free(s);
		xsh_query_free(q);
		xsh_qp_free(qp);
	}
}

/* Index stems only: plain words and (with XSH_QP_STEM_ALL) phrases match. */
static void test_stem_all(void **state)
{
	char dir[64], err[GZ_ERRLEN];
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	struct xsh_db *db = NULL;
	unsigned id;

	(void)state;
	make_tmp(dir);
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_int_equal(xsh_tg_new(NULL, "EN-gb",
				    XSH_TG_POSITIONS | XSH_TG_STEM_ALL, &tg,
				    err),
			 GZ_OK);
	add_row(w, tg, &corpus[0]);
	assert_int_equal(xsh_wdb_find_term(w, "flooded", &id, err),
			 GZ_ENOTFOUND);
	assert_int_equal(xsh_wdb_find_term(w, "Zflood", &id, err), GZ_OK);
	/* A language nobody knows means no stemming, not an error. */
	assert_int_equal(xsh_tg_set_language(tg, "klingon", err), GZ_OK);
	assert_int_equal(xsh_tg_set_language(tg, NULL, err), GZ_OK);
	assert_int_equal(xsh_tg_set_language(tg, "de", err), GZ_OK);
	xsh_tg_free(tg);
	xsh_wdb_close(w);

	assert_int_equal(xsh_db_open(dir, &db, err), GZ_OK);
	assert_int_equal(count_hits(db, "flooding", 0), 1);
	assert_int_equal(count_hits(db, "\"river valleys\"",
				    XSH_QP_PHRASE | XSH_QP_STEM_ALL),
			 1);
	xsh_db_close(db);
	rm_tree(dir);
}

/* ---------------------------------------------------------- NULL handles */

static void test_null_handles(void **state)
{
	char err[GZ_ERRLEN];
	struct xsh_wdb *w = NULL;
	struct xsh_db *db = NULL;
	struct xsh_doc *d = NULL;
	struct xsh_tg *tg = NULL;
	struct xsh_qp *qp = NULL;
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	struct xsh_hit h;
	unsigned u;
	unsigned long ul;
	char *s = NULL;
	size_t len;
	int i;

	(void)state;
	/* Freeing NULL does nothing. */
	xsh_wdb_close(NULL);
	xsh_doc_free(NULL);
	xsh_tg_free(NULL);
	xsh_db_close(NULL);
	xsh_qp_free(NULL);
	xsh_query_free(NULL);
	xsh_enquire_free(NULL);
	xsh_mset_free(NULL);

#define BAD(call)                                    \
	do {                                         \
		err[0] = '\0';                       \
		assert_int_equal((call), GZ_EINVAL); \
		assert_true(strlen(err) > 0);        \
	} while (0)

	BAD(xsh_wdb_open(NULL, XSH_WDB_CREATE, &w, err));
	BAD(xsh_wdb_open("/tmp/x", XSH_WDB_CREATE, NULL, err));
	BAD(xsh_wdb_replace(NULL, "Q1", d, &u, err));
	BAD(xsh_wdb_delete_term(NULL, "Q1", err));
	BAD(xsh_wdb_find_term(NULL, "Q1", &u, err));
	BAD(xsh_wdb_commit(NULL, err));
	BAD(xsh_wdb_tx_begin(NULL, err));
	BAD(xsh_wdb_tx_commit(NULL, err));
	BAD(xsh_wdb_tx_cancel(NULL, err));
	BAD(xsh_wdb_set_metadata(NULL, "k", "v", 1, err));
	BAD(xsh_wdb_get_metadata(NULL, "k", &s, &len, err));
	BAD(xsh_wdb_get_data(NULL, 1, &s, &len, err));
	BAD(xsh_wdb_get_value(NULL, 1, 0, &s, &len, err));
	BAD(xsh_wdb_doccount(NULL, &u, err));

	BAD(xsh_doc_new(NULL, err));
	BAD(xsh_doc_set_data(NULL, "x", 1, err));
	BAD(xsh_doc_set_value(NULL, 0, "x", 1, err));
	BAD(xsh_doc_add_boolean_term(NULL, "x", err));
	BAD(xsh_doc_add_term(NULL, "x", 1, err));

	BAD(xsh_tg_new(NULL, "en", 0, NULL, err));
	BAD(xsh_tg_set_language(NULL, "en", err));
	BAD(xsh_tg_set_document(NULL, d, err));
	BAD(xsh_tg_index_text(NULL, "x", 1, 1, "", err));
	BAD(xsh_tg_increase_termpos(NULL, 1, err));

	BAD(xsh_db_open(NULL, &db, err));
	BAD(xsh_db_open("/tmp/x", NULL, err));
	BAD(xsh_db_add(NULL, "/tmp/x", err));
	BAD(xsh_db_reopen(NULL, &i, err));
	BAD(xsh_db_doccount(NULL, &u, err));
	BAD(xsh_db_lastdocid(NULL, &u, err));
	BAD(xsh_db_revision(NULL, &ul, err));
	BAD(xsh_db_get_metadata(NULL, "k", &s, &len, err));
	BAD(xsh_db_get_data(NULL, 1, &s, &len, err));
	BAD(xsh_db_get_value(NULL, 1, 0, &s, &len, err));
	BAD(xsh_db_find_term(NULL, "Q1", &u, err));
	BAD(xsh_db_termfreq(NULL, "Q1", &u, err));
	BAD(xsh_db_spelling(NULL, "x", &s, err));
	BAD(xsh_db_more_like(NULL, 1, 10, &q, err));

	BAD(xsh_qp_new(NULL, "en", NULL, err));
	BAD(xsh_qp_add_prefix(NULL, "title", "S", err));
	BAD(xsh_qp_add_boolean_prefix(NULL, "site", "H", 0, err));
	BAD(xsh_qp_add_range(NULL, "date", 0, date_range, NULL, err));
	BAD(xsh_qp_set_max_expansion(NULL, 10, err));
	BAD(xsh_qp_parse(NULL, "x", 0, &q, err));
	BAD(xsh_qp_corrected(NULL, &s, err));
	BAD(xsh_query_term(NULL, &q, err));
	BAD(xsh_query_term("x", NULL, err));
	BAD(xsh_query_range(0, "a", "b", NULL, err));
	BAD(xsh_query_combine(XSH_OP_AND, NULL, NULL, NULL, err));
	BAD(xsh_query_all(NULL, err));
	BAD(xsh_query_term_count(NULL, &u, err));
	BAD(xsh_query_describe(NULL, &s, err));

	BAD(xsh_enquire_new(NULL, q, &e, err));
	BAD(xsh_enquire_set_sort(NULL, 0, 0, err));
	BAD(xsh_enquire_set_collapse(NULL, 0, 1, err));
	BAD(xsh_enquire_add_facet(NULL, 0, &u, err));
	BAD(xsh_enquire_set_time_limit(NULL, 1.0, err));
	BAD(xsh_enquire_run(NULL, 0, 10, 10, &m, err));
	BAD(xsh_enquire_facet(NULL, 0, 10, facet_cb, NULL, err));

	assert_int_equal(xsh_mset_size(NULL), 0);
	BAD(xsh_mset_counts(NULL, &u, &u, &u, err));
	BAD(xsh_mset_hit(NULL, 0, &h, err));
	BAD(xsh_mset_data(NULL, 0, &s, &len, err));
	BAD(xsh_mset_snippet(NULL, "x", 1, 100, "en", "<b>", "</b>", 0, &s,
			     err));
#undef BAD

	/* A NULL err buffer is fine too. */
	assert_int_equal(xsh_db_doccount(NULL, &u, NULL), GZ_EINVAL);

	/* NULL handles inside calls on real ones. */
	assert_int_equal(xsh_doc_new(&d, err), GZ_OK);
	assert_int_equal(xsh_tg_new(NULL, "en", 0, &tg, err), GZ_OK);
	assert_int_equal(xsh_tg_set_document(tg, NULL, err), GZ_EINVAL);
	assert_int_equal(xsh_doc_set_data(d, NULL, 3, err), GZ_EINVAL);
	assert_int_equal(xsh_doc_add_term(d, NULL, 1, err), GZ_EINVAL);
	assert_int_equal(xsh_tg_index_text(tg, NULL, 0, 1, NULL, err), GZ_OK);
	db = open_corpus();
	assert_int_equal(xsh_enquire_new(db, NULL, &e, err), GZ_EINVAL);
	assert_int_equal(xsh_qp_new(db, NULL, &qp, err), GZ_OK);
	assert_int_equal(xsh_qp_parse(qp, NULL, 0, &q, err), GZ_EINVAL);
	assert_int_equal(xsh_qp_add_range(qp, "d", 0, NULL, NULL, err),
			 GZ_EINVAL);
	assert_int_equal(xsh_db_find_term(db, NULL, &u, err), GZ_EINVAL);
	assert_int_equal(xsh_db_get_data(db, 1, NULL, &len, err), GZ_EINVAL);
	xsh_qp_free(qp);
	xsh_db_close(db);
	xsh_tg_free(tg);
	xsh_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_throw_table),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_revision_reopen),
		cmocka_unit_test(test_spelling),
		cmocka_unit_test(test_qp_basic),
		cmocka_unit_test(test_qp_fields),
		cmocka_unit_test(test_qp_ranges),
		cmocka_unit_test(test_qp_errors),
		cmocka_unit_test(test_spelling_copy),
		cmocka_unit_test(test_query_build),
		cmocka_unit_test(test_enquire_rank),
		cmocka_unit_test(test_enquire_sort),
		cmocka_unit_test(test_enquire_collapse),
		cmocka_unit_test(test_enquire_facets),
		cmocka_unit_test(test_whole_passes),
		cmocka_unit_test(test_match_among),
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_more_like),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_stem_all),
		cmocka_unit_test(test_null_handles),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
