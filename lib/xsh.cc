/*
** xsh.cc — Gazette's C interface to Xapian 1.4: the only C++ in the tree.
**
** The contract is include/xsh.h.  Every extern "C" function here is
** noexcept, runs its whole body inside try { }, and ends with
** `catch (...) { return xsh_fail(err); }`: xsh_fail rethrows the exception
** in flight and maps it to an enum gz_err, copying the exception's
** description into err.  Functions returning void catch everything and
** ignore it.  No C++ exception ever reaches a C frame.
**
** Strings handed to C are malloc'd copies (never c_str() of a temporary).
** Handles are plain structs wrapping Xapian's reference-counted objects, so
** copying a Xapian object into a second handle only takes a reference.
*/
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <xapian.h>

#include "gz_err.h"
#include "xsh.h"

/* ---------------------------------------------------------------- handles */

/* A read-only database, possibly several combined with xsh_db_add. */
struct xsh_db {
	Xapian::Database db; /* the (combined) database */
};

/* A writable database. */
struct xsh_wdb {
	Xapian::WritableDatabase db; /* the database; closed by xsh_wdb_close */
};

/* A document being built. */
struct xsh_doc {
	Xapian::Document
		doc; /* the document (a handle: TermGenerator shares it) */
};

/* A term generator. */
struct xsh_tg {
	Xapian::TermGenerator tg; /* tokenizer, stemmer, current document */
	int flags;                /* XSH_TG_* given to xsh_tg_new */
};

/* A query parser. */
struct xsh_qp {
	Xapian::QueryParser qp; /* the parser, with its prefixes and ranges */
	Xapian::Database db;    /* the database given to xsh_qp_new */
	bool has_db;            /* db is meaningful */
	unsigned max_expansion; /* wildcard limit; 0 = Xapian's default */
	std::string corrected;  /* corrected form of the last parse, or "" */
};

/* A parsed or combined query. */
struct xsh_query {
	Xapian::Query q; /* the query */
};

/* The most facets one enquire counts (see xsh_enquire_add_facet). */
#define XSH_MAX_FACETS 8

/*
** One search.  The match spies are owned here (not released to Xapian);
** they are replaced by fresh ones at every run, so the counts of a run never
** add to those of an earlier one, and are detached from the Enquire before
** they are deleted.
*/
struct xsh_enquire {
	std::vector<Xapian::valueno> facet_slots; /* slot of each facet */
	std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
	/* spy of each facet, after a run */
	bool ran;            /* xsh_enquire_run succeeded */
	Xapian::Enquire enq; /* the search (holds the db) */

	explicit xsh_enquire(const Xapian::Database &db) : ran(false), enq(db)
	{
	}
	~xsh_enquire()
	{
		try {
			enq.clear_matchspies();
		} catch (...) {
		}
	}
};

/*
** The results of one search.  The MSet keeps a reference to the Enquire's
** internals (query, database) that snippet() and get_document() use; a copy
** of the Enquire handle is kept here as well, so the mset stays valid after
** xsh_enquire_free (it must still not outlive its database).
*/
struct xsh_mset {
	Xapian::Enquire enq; /* the search that made m */
	Xapian::MSet m;      /* the hits */
	/* Documents fetched so far, by index: over a remote database each
	** get_document() is a round trip, and data and values are read
	** from one fetch. */
	mutable std::vector<Xapian::Document> docs;
	mutable std::vector<bool> have;

	xsh_mset(const Xapian::Enquire &e, const Xapian::MSet &ms)
	    : enq(e), m(ms)
	{
	}

	/* Hit i's document (i < m.size()), fetched once. */
	const Xapian::Document &doc(unsigned i) const
	{
		if (docs.size() != m.size()) {
			docs.assign(m.size(), Xapian::Document());
			have.assign(m.size(), false);
		}
		if (!have[i]) {
			docs[i] = m[i].get_document();
			have[i] = true;
		}
		return docs[i];
	}
};

/* ---------------------------------------------------------------- errors */

/* Copy a Xapian error's description into err and return code. */
static int xsh_put(char *err, int code, const Xapian::Error &e) noexcept
{
	if (!err)
		return code;
	try {
		std::string d = e.get_description();
		snprintf(err, GZ_ERRLEN, "%s", d.c_str());
	} catch (...) {
		snprintf(err, GZ_ERRLEN, "%s", e.get_type());
	}
	return code;
}

/* Write a fixed message into err and return code. */
static int xsh_msg(char *err, int code, const char *msg) noexcept
{
	if (err)
		snprintf(err, GZ_ERRLEN, "%s", msg);
	return code;
}

/*
** Map the exception being handled to a gz_err code, as the table at the top
** of include/xsh.h says.  Call only from inside a catch block.  The catch
** clauses go most-derived first (see <xapian/error.h>).
*/
static int xsh_fail(char *err) noexcept
{
	try {
		throw;
	} catch (const Xapian::DatabaseModifiedError &e) {
		return xsh_put(err, GZ_EAGAIN, e);
	} catch (const Xapian::DatabaseLockError &e) {
		return xsh_put(err, GZ_ELOCKED, e);
	} catch (const Xapian::DatabaseCorruptError &e) {
		return xsh_put(err, GZ_ECORRUPT, e);
	} catch (const Xapian::DatabaseOpeningError &e) {
		/* also DatabaseVersionError and DatabaseNotFoundError */
		return xsh_put(err, GZ_EOPEN, e);
	} catch (const Xapian::QueryParserError &e) {
		return xsh_put(err, GZ_EQUERY, e);
	} catch (const Xapian::WildcardError &e) {
		return xsh_put(err, GZ_EQUERY, e);
	} catch (const Xapian::DocNotFoundError &e) {
		return xsh_put(err, GZ_ENOTFOUND, e);
	} catch (const Xapian::NetworkTimeoutError &e) {
		return xsh_put(err, GZ_ETIMEOUT, e);
	} catch (const Xapian::NetworkError &e) {
		return xsh_put(err, GZ_ENETWORK, e);
	} catch (const Xapian::InvalidArgumentError &e) {
		return xsh_put(err, GZ_EINVAL, e);
	} catch (const Xapian::RangeError &e) {
		return xsh_put(err, GZ_EINVAL, e);
	} catch (const Xapian::InvalidOperationError &e) {
		return xsh_put(err, GZ_EINVAL, e);
	} catch (const Xapian::Error &e) {
		return xsh_put(err, GZ_EINDEX, e);
	} catch (const std::bad_alloc &) {
		return xsh_msg(err, GZ_ENOMEM, "out of memory");
	} catch (const std::exception &e) {
		if (err)
			snprintf(err, GZ_ERRLEN, "C++ exception: %s", e.what());
		return GZ_EINTERNAL;
	} catch (...) {
		return xsh_msg(err, GZ_EINTERNAL, "unknown C++ exception");
	}
}

/* Argument checks: fail with GZ_EINVAL naming the function. */
#define XSH_CHECK(cond)                                       \
	do {                                                  \
		if (!(cond))                                  \
			return xsh_bad(err, __func__, #cond); \
	} while (0)

static int xsh_bad(char *err, const char *fn, const char *what) noexcept
{
	if (err)
		snprintf(err, GZ_ERRLEN, "%s: invalid argument (%s)", fn, what);
	return GZ_EINVAL;
}

/* ---------------------------------------------------------------- helpers */

/*
** Store a malloc'd, NUL-terminated copy of s in *out and its length in *len
** (when len is not NULL).  Throws std::bad_alloc when malloc fails.
*/
static void xsh_strout(const std::string &s, char **out, size_t *len)
{
	char *p = static_cast<char *>(malloc(s.size() + 1));
	if (!p)
		throw std::bad_alloc();
	if (!s.empty())
		memcpy(p, s.data(), s.size());
	p[s.size()] = '\0';
	*out = p;
	if (len)
		*len = s.size();
}

/*
** The stemmer for lang: an ISO 639-1 code or a Xapian stemmer name, case
** and any region suffix ("en-GB", "pt_BR") ignored.  Xapian 1.4 itself maps
** the codes to its stemmers (en -> english, fr -> french, de -> german,
** es -> spanish, it -> italian, pt -> portuguese, nl -> dutch,
** sv -> swedish, no/nb/nn -> norwegian, da -> danish, fi -> finnish,
** ru -> russian, hu -> hungarian, ro -> romanian, tr -> turkish,
** ar -> arabic, ...).  NULL, "" or an unknown language gives no stemming.
*/
static Xapian::Stem xsh_stemmer(const char *lang)
{
	if (!lang || !*lang)
		return Xapian::Stem();
	std::string l;
	for (const char *p = lang; *p; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
		l += c;
	}
	if (l.size() > 2 && (l[2] == '-' || l[2] == '_'))
		l.resize(2);
	return Xapian::Stem(l, true);
}

/* A value-slot query for [lo, hi], either end "" for open. */
static Xapian::Query xsh_value_range(Xapian::valueno slot,
				     const std::string &lo,
				     const std::string &hi)
{
	if (lo.empty() && hi.empty())
		return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot,
				     std::string());
	if (lo.empty())
		return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, hi);
	if (hi.empty())
		return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, lo);
	return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, lo, hi);
}

/* ---------------------------------------------------------------- writing */

#include <dirent.h>
#include <sys/stat.h>

/*
** 1 when the directory path holds no iamglass and nothing but what an
** interrupted creation of a glass database leaves behind: regular files named
** flintlock, v.tmp, or <table>.glass / <table>.tmp for one of glass's tables.
** Anything else (a subdirectory, a symlink, a sharded index's XAPIANDB stub,
** a user's file) makes it 0, as does an unreadable directory.
*/
static int xsh_creation_leftovers(const char *path) noexcept
{
	static const char *const tables[] = { "postlist", "docdata",
					      "termlist", "position",
					      "spelling", "synonym" };
	DIR *d = opendir(path);
	struct dirent *de;
	int ok = 1;

	if (!d)
		return 0;
	while (ok && (de = readdir(d)) != nullptr) {
		const char *n = de->d_name;
		const char *dot = strrchr(n, '.');
		std::string f(path);
		struct stat st;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		ok = 0;
		if (!strcmp(n, "flintlock") || !strcmp(n, "v.tmp")) {
			ok = 1;
		} else if (dot &&
			   (!strcmp(dot, ".glass") || !strcmp(dot, ".tmp"))) {
			for (const char *t : tables)
				if (strlen(t) == (size_t)(dot - n) &&
				    !strncmp(n, t, strlen(t)))
					ok = 1;
		}
		f += '/';
		f += n;
		if (ok && (lstat(f.c_str(), &st) != 0 || !S_ISREG(st.st_mode)))
			ok = 0;
	}
	closedir(d);
	return ok;
}

/*
** With XSH_WDB_CREATE, a directory left by a creation that failed before
** iamglass was written (a failed fsync, a kill) would make every later open
** fail with DatabaseNotFoundError; when it holds only such leftovers (see
** xsh_creation_leftovers) the database is created afresh instead.  Xapian
** takes the write lock before overwriting, so a creation still in progress
** in another process makes this fail with GZ_ELOCKED.
*/
extern "C" int xsh_wdb_open(const char *path, int flags, struct xsh_wdb **out,
			    char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(path && *path);
		int action = (flags & XSH_WDB_CREATE)
			? Xapian::DB_CREATE_OR_OPEN
			: Xapian::DB_OPEN;
		int extra = (flags & XSH_WDB_NO_SYNC) ? Xapian::DB_NO_SYNC : 0;
		std::unique_ptr<xsh_wdb> w;
		try {
			w.reset(new xsh_wdb{ Xapian::WritableDatabase(
				path, action | extra) });
		} catch (const Xapian::DatabaseNotFoundError &) {
			if (!(flags & XSH_WDB_CREATE) ||
			    !xsh_creation_leftovers(path))
				throw;
			w.reset(new xsh_wdb{ Xapian::WritableDatabase(
				path,
				Xapian::DB_CREATE_OR_OVERWRITE | extra) });
		}
		*out = w.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/*
** Commit, then close.  A transaction still open is cancelled (Xapian refuses
** to commit inside one, and close() discards it), so half a transaction
** never becomes visible.
*/
extern "C" void xsh_wdb_close(struct xsh_wdb *w) noexcept
{
	if (!w)
		return;
	try {
		w->db.commit();
	} catch (...) {
	}
	try {
		w->db.close();
	} catch (...) {
	}
	delete w;
}

extern "C" int xsh_wdb_replace(struct xsh_wdb *w, const char *idterm,
			       struct xsh_doc *doc, unsigned *docid,
			       char *err) noexcept
{
	try {
		XSH_CHECK(w);
		XSH_CHECK(idterm && *idterm);
		XSH_CHECK(doc);
		std::string id(idterm);
		Xapian::TermIterator t = doc->doc.termlist_begin();
		t.skip_to(id);
		if (t == doc->doc.termlist_end() || *t != id)
			return gz_fail(err, GZ_EINVAL,
				       "xsh_wdb_replace: document lacks its "
				       "id term");
		Xapian::docid did = w->db.replace_document(id, doc->doc);
		if (docid)
			*docid = did;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_delete_term(struct xsh_wdb *w, const char *term,
				   char *err) noexcept
{
	try {
		XSH_CHECK(w);
		XSH_CHECK(term && *term);
		w->db.delete_document(std::string(term));
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* The first document of term's posting list in db, or 0. */
static Xapian::docid xsh_first_doc(const Xapian::Database &db, const char *term)
{
	std::string t(term);
	Xapian::PostingIterator p = db.postlist_begin(t);
	if (p == db.postlist_end(t))
		return 0;
	return *p;
}

/* Fetch document docid of db: data (slot < 0) or value slot. */
static int xsh_doc_field(const Xapian::Database &db, unsigned docid, long slot,
			 char **out, size_t *len, char *err)
{
	if (docid == 0)
		return gz_fail(err, GZ_ENOTFOUND, "no document 0");
	Xapian::Document d = db.get_document(docid);
	if (slot < 0)
		xsh_strout(d.get_data(), out, len);
	else
		xsh_strout(d.get_value(static_cast<Xapian::valueno>(slot)), out,
			   len);
	return GZ_OK;
}

/*
** The reads both kinds of handle offer.  h is a struct xsh_db or a struct
** xsh_wdb (each keeps its database as h->db); fn names the public function
** for argument errors.  Each catches everything, as the public ones must.
*/
#define XSH_CHECK_IN(fn, cond)                          \
	do {                                            \
		if (!(cond))                            \
			return xsh_bad(err, fn, #cond); \
	} while (0)

/* Find the first document indexed by term (xsh_db_find_term). */
template <class H>
static int xsh_read_find_term(H *h, const char *term, unsigned *docid,
			      char *err, const char *fn) noexcept
{
	try {
		XSH_CHECK_IN(fn, docid);
		*docid = 0;
		XSH_CHECK_IN(fn, h);
		XSH_CHECK_IN(fn, term);
		Xapian::docid d = *term ? xsh_first_doc(h->db, term) : 0;
		if (!d)
			return gz_fail(err, GZ_ENOTFOUND,
				       "no document has term '%.200s'", term);
		*docid = d;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* User metadata key (xsh_db_get_metadata); *out is the caller's. */
template <class H>
static int xsh_read_metadata(H *h, const char *key, char **out, size_t *len,
			     char *err, const char *fn) noexcept
{
	try {
		XSH_CHECK_IN(fn, out);
		*out = nullptr;
		XSH_CHECK_IN(fn, h);
		XSH_CHECK_IN(fn, key && *key);
		xsh_strout(h->db.get_metadata(key), out, len);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* Document data (slot < 0) or a value (xsh_db_get_data, _get_value). */
template <class H>
static int xsh_read_field(H *h, unsigned docid, long slot, char **out,
			  size_t *len, char *err, const char *fn) noexcept
{
	try {
		XSH_CHECK_IN(fn, out);
		*out = nullptr;
		XSH_CHECK_IN(fn, h);
		XSH_CHECK_IN(fn, slot < 0 || slot != (long)Xapian::BAD_VALUENO);
		return xsh_doc_field(h->db, docid, slot, out, len, err);
	} catch (...) {
		return xsh_fail(err);
	}
}

/* Number of documents (xsh_db_doccount). */
template <class H>
static int xsh_read_doccount(H *h, unsigned *out, char *err,
			     const char *fn) noexcept
{
	try {
		XSH_CHECK_IN(fn, out);
		*out = 0;
		XSH_CHECK_IN(fn, h);
		*out = h->db.get_doccount();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_find_term(struct xsh_wdb *w, const char *term,
				 unsigned *docid, char *err) noexcept
{
	return xsh_read_find_term(w, term, docid, err, __func__);
}

extern "C" int xsh_wdb_commit(struct xsh_wdb *w, char *err) noexcept
{
	try {
		XSH_CHECK(w);
		w->db.commit();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_tx_begin(struct xsh_wdb *w, char *err) noexcept
{
	try {
		XSH_CHECK(w);
		w->db.begin_transaction(true);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_tx_commit(struct xsh_wdb *w, char *err) noexcept
{
	try {
		XSH_CHECK(w);
		w->db.commit_transaction();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_tx_cancel(struct xsh_wdb *w, char *err) noexcept
{
	try {
		XSH_CHECK(w);
		w->db.cancel_transaction();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_set_metadata(struct xsh_wdb *w, const char *key,
				    const char *value, size_t len,
				    char *err) noexcept
{
	try {
		XSH_CHECK(w);
		XSH_CHECK(key && *key);
		XSH_CHECK(value || len == 0);
		w->db.set_metadata(
			key, len ? std::string(value, len) : std::string());
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_delete_metadata_prefix(struct xsh_wdb *w,
					      const char *prefix,
					      unsigned long *n,
					      char *err) noexcept
{
	try {
		XSH_CHECK(w);
		XSH_CHECK(prefix && *prefix);
		std::vector<std::string> keys;
		for (auto k = w->db.metadata_keys_begin(prefix);
		     k != w->db.metadata_keys_end(prefix); ++k)
			keys.push_back(*k);
		for (const auto &k : keys)
			w->db.set_metadata(k, std::string());
		if (n)
			*n = keys.size();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_wdb_get_metadata(struct xsh_wdb *w, const char *key,
				    char **out, size_t *len, char *err) noexcept
{
	return xsh_read_metadata(w, key, out, len, err, __func__);
}

extern "C" int xsh_wdb_get_data(struct xsh_wdb *w, unsigned docid, char **out,
				size_t *len, char *err) noexcept
{
	return xsh_read_field(w, docid, -1, out, len, err, __func__);
}

extern "C" int xsh_wdb_get_value(struct xsh_wdb *w, unsigned docid,
				 unsigned slot, char **out, size_t *len,
				 char *err) noexcept
{
	return xsh_read_field(w, docid, slot, out, len, err, __func__);
}

extern "C" int xsh_wdb_doccount(struct xsh_wdb *w, unsigned *out,
				char *err) noexcept
{
	return xsh_read_doccount(w, out, err, __func__);
}

/* ---------------------------------------------------------------- documents */

extern "C" int xsh_doc_new(struct xsh_doc **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = new xsh_doc();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_doc_free(struct xsh_doc *d) noexcept
{
	try {
		delete d;
	} catch (...) {
	}
}

extern "C" int xsh_doc_set_data(struct xsh_doc *d, const char *data, size_t len,
				char *err) noexcept
{
	try {
		XSH_CHECK(d);
		XSH_CHECK(data || len == 0);
		d->doc.set_data(len ? std::string(data, len) : std::string());
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_doc_set_value(struct xsh_doc *d, unsigned slot,
				 const char *value, size_t len,
				 char *err) noexcept
{
	try {
		XSH_CHECK(d);
		XSH_CHECK(value || len == 0);
		XSH_CHECK(slot != Xapian::BAD_VALUENO);
		d->doc.add_value(slot,
				 len ? std::string(value, len) : std::string());
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_doc_add_boolean_term(struct xsh_doc *d, const char *term,
					char *err) noexcept
{
	try {
		XSH_CHECK(d);
		XSH_CHECK(term && *term);
		d->doc.add_boolean_term(term);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_doc_add_term(struct xsh_doc *d, const char *term,
				unsigned wdf_inc, char *err) noexcept
{
	try {
		XSH_CHECK(d);
		XSH_CHECK(term && *term);
		d->doc.add_term(term, wdf_inc);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/*
** True when term, which starts with a prefix of plen bytes, goes on with a
** word for the spelling table: something, not starting with a capital
** (another prefix, or Z for a stem).
*/
static bool xsh_spelling_word(const std::string &term, size_t plen)
{
	if (term.size() <= plen)
		return false;
	unsigned char c = (unsigned char)term[plen];
	return !(c >= 'A' && c <= 'Z');
}

extern "C" int xsh_wdb_add_spelling_doc(struct xsh_wdb *w,
					const struct xsh_doc *d,
					const char *prefix, char *err) noexcept
{
	try {
		XSH_CHECK(w);
		XSH_CHECK(d);
		std::string p(prefix ? prefix : "");
		Xapian::TermIterator t = d->doc.termlist_begin();
		Xapian::TermIterator end = d->doc.termlist_end();
		if (!p.empty())
			t.skip_to(p);
		for (; t != end; ++t) {
			const std::string &term = *t;
			if (term.compare(0, p.size(), p) != 0) {
				if (!p.empty())
					break; /* past the prefix's terms */
				continue;
			}
			if (!xsh_spelling_word(term, p.size()))
				continue;
			Xapian::termcount wdf = t.get_wdf();
			w->db.add_spelling(term.substr(p.size()),
					   wdf ? wdf : 1);
		}
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* -------------------------------------------------------- term generation */

extern "C" int xsh_tg_new(struct xsh_wdb *w, const char *lang, int flags,
			  struct xsh_tg **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(w || !(flags & XSH_TG_SPELLING));
		std::unique_ptr<xsh_tg> t(new xsh_tg());
		t->flags = flags;
		t->tg.set_stemmer(xsh_stemmer(lang));
		/*
		 * STEM_SOME: unstemmed words with positions plus Z-prefixed
		 * stems, which is what QueryParser's default STEM_SOME
		 * searches.  STEM_ALL_Z: Z-prefixed stems only, so plain
		 * (non-phrase) queries still match; phrases need
		 * XSH_QP_STEM_ALL on the query side.
		 */
		t->tg.set_stemming_strategy(
			(flags & XSH_TG_STEM_ALL)
				? Xapian::TermGenerator::STEM_ALL_Z
				: Xapian::TermGenerator::STEM_SOME);
		int tf = 0;
		if (flags & XSH_TG_SPELLING) {
			t->tg.set_database(w->db);
			tf |= Xapian::TermGenerator::FLAG_SPELLING;
		}
		if (flags & XSH_TG_CJK)
			tf |= Xapian::TermGenerator::FLAG_CJK_NGRAM;
		t->tg.set_flags(tf);
		*out = t.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_tg_free(struct xsh_tg *tg) noexcept
{
	try {
		delete tg;
	} catch (...) {
	}
}

extern "C" int xsh_tg_set_language(struct xsh_tg *tg, const char *lang,
				   char *err) noexcept
{
	try {
		XSH_CHECK(tg);
		tg->tg.set_stemmer(xsh_stemmer(lang));
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_tg_set_document(struct xsh_tg *tg, struct xsh_doc *d,
				   char *err) noexcept
{
	try {
		XSH_CHECK(tg);
		XSH_CHECK(d);
		tg->tg.set_document(d->doc);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_tg_clear_document(struct xsh_tg *tg, char *err) noexcept
{
	try {
		XSH_CHECK(tg);
		tg->tg.set_document(Xapian::Document());
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_tg_index_text(struct xsh_tg *tg, const char *text,
				 size_t len, unsigned wdf_inc,
				 const char *prefix, char *err) noexcept
{
	try {
		XSH_CHECK(tg);
		XSH_CHECK(text || len == 0);
		if (len == 0)
			return GZ_OK;
		std::string s(text, len);
		std::string p(prefix ? prefix : "");
		if (tg->flags & XSH_TG_POSITIONS)
			tg->tg.index_text(s, wdf_inc, p);
		else
			tg->tg.index_text_without_positions(s, wdf_inc, p);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_tg_increase_termpos(struct xsh_tg *tg, unsigned delta,
				       char *err) noexcept
{
	try {
		XSH_CHECK(tg);
		tg->tg.increase_termpos(delta);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* ---------------------------------------------------------------- reading */

extern "C" int xsh_db_open(const char *path, struct xsh_db **out,
			   char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(path && *path);
		std::unique_ptr<xsh_db> d(new xsh_db{ Xapian::Database(path) });
		*out = d.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_add(struct xsh_db *db, const char *path,
			  char *err) noexcept
{
	try {
		XSH_CHECK(db);
		XSH_CHECK(path && *path);
		Xapian::Database other(path);
		db->db.add_database(other);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_db_close(struct xsh_db *db) noexcept
{
	if (!db)
		return;
	try {
		db->db.close();
	} catch (...) {
	}
	try {
		delete db;
	} catch (...) {
	}
}

extern "C" int xsh_db_reopen(struct xsh_db *db, int *changed,
			     char *err) noexcept
{
	try {
		if (changed)
			*changed = 0;
		XSH_CHECK(db);
		bool c = db->db.reopen();
		if (changed)
			*changed = c ? 1 : 0;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_doccount(struct xsh_db *db, unsigned *out,
			       char *err) noexcept
{
	return xsh_read_doccount(db, out, err, __func__);
}

extern "C" int xsh_db_lastdocid(struct xsh_db *db, unsigned *out,
				char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = 0;
		XSH_CHECK(db);
		*out = db->db.get_lastdocid();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_revision(struct xsh_db *db, unsigned long *out,
			       char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = 0;
		XSH_CHECK(db);
		try {
			*out = db->db.get_revision();
		} catch (const Xapian::InvalidOperationError &) {
			*out = 0; /* a combined database has no one revision */
		}
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_get_metadata(struct xsh_db *db, const char *key,
				   char **out, size_t *len, char *err) noexcept
{
	return xsh_read_metadata(db, key, out, len, err, __func__);
}

extern "C" int xsh_db_get_data(struct xsh_db *db, unsigned docid, char **out,
			       size_t *len, char *err) noexcept
{
	return xsh_read_field(db, docid, -1, out, len, err, __func__);
}

extern "C" int xsh_db_get_value(struct xsh_db *db, unsigned docid,
				unsigned slot, char **out, size_t *len,
				char *err) noexcept
{
	return xsh_read_field(db, docid, slot, out, len, err, __func__);
}

extern "C" int xsh_db_find_term(struct xsh_db *db, const char *term,
				unsigned *docid, char *err) noexcept
{
	return xsh_read_find_term(db, term, docid, err, __func__);
}

extern "C" int xsh_db_termfreq(struct xsh_db *db, const char *term,
			       unsigned *out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = 0;
		XSH_CHECK(db);
		XSH_CHECK(term);
		*out = *term ? db->db.get_termfreq(term) : 0;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_spelling(struct xsh_db *db, const char *word, char **out,
			       char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(db);
		XSH_CHECK(word);
		xsh_strout(db->db.get_spelling_suggestion(word), out, nullptr);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* ------------------------------------------------------------ shards */

extern "C" int xsh_db_open_remote(const char *host, unsigned port,
				  unsigned timeout_ms, struct xsh_db **out,
				  char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(host && *host);
		XSH_CHECK(port > 0 && port < 65536);
		/* Xapian 1.4 takes milliseconds here (typed useconds_t). */
		std::unique_ptr<xsh_db> d(new xsh_db{ Xapian::Remote::open(
			host, port, timeout_ms, timeout_ms) });
		*out = d.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_new_combined(struct xsh_db **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		std::unique_ptr<xsh_db> d(new xsh_db{ Xapian::Database() });
		*out = d.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_add_db(struct xsh_db *db, const struct xsh_db *other,
			     char *err) noexcept
{
	try {
		XSH_CHECK(db);
		XSH_CHECK(other);
		db->db.add_database(other->db);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_db_release(struct xsh_db *db) noexcept
{
	try {
		delete db;
	} catch (...) {
	}
}

/* ---------------------------------------------------------------- queries */

/*
** A query matching every document.  Not Xapian::Query::MatchAll: copying
** that shared static object bumps a reference count that is not atomic,
** so query threads copying it at once corrupt it and crash.
*/
static Xapian::Query xsh_match_all()
{
	return Xapian::Query(std::string());
}

/*
** A boolean filter field whose value is folded to lower case (UTF-8 aware)
** before the prefix is put on: `source:"Global Times"` gives the term
** prefix + "global times".  The parser hands over the value already
** unquoted.
*/
/* str folded to lower case with Xapian's Unicode tables. */
static std::string lower_utf8(const std::string &str)
{
	std::string t;
	for (Xapian::Utf8Iterator i(str); i != Xapian::Utf8Iterator(); ++i)
		Xapian::Unicode::append_utf8(t, Xapian::Unicode::tolower(*i));
	return t;
}

class xsh_lower_field : public Xapian::FieldProcessor
{
	std::string prefix; /* term prefix, e.g. "XSOURCE" */

      public:
	explicit xsh_lower_field(const std::string &p) : prefix(p)
	{
	}

	Xapian::Query operator()(const std::string &str) override
	{
		return Xapian::Query(prefix + lower_utf8(str));
	}
};

/*
** Any of terms, without weight: the filter of a list of terms (date terms,
** xsh_query_any_term), which should neither score nor count as a matched
** subquery for percentages.
*/
static Xapian::Query xsh_weightless_any(const std::vector<Xapian::Query> &terms)
{
	return Xapian::Query(
		Xapian::Query::OP_SCALE_WEIGHT,
		Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
		0.0);
}

/*
** A range field handled by a C callback.  Constructed with the field
** prefix "field:" (or "" for bare ranges); Xapian's check_range strips it
** from begin before calling operator().
*/
class xsh_range_proc : public Xapian::RangeProcessor
{
	xsh_range_fn fn; /* the converter */
	void *ctx;       /* its context */

      public:
	xsh_range_proc(Xapian::valueno slot_, const std::string &str_,
		       xsh_range_fn fn_, void *ctx_)
	    : Xapian::RangeProcessor(slot_, str_), fn(fn_), ctx(ctx_)
	{
	}

	Xapian::Query operator()(const std::string &begin,
				 const std::string &end) override
	{
		/* Bounds of a value slot, or a list of terms (xsh_range_fn). */
		char lo[1024], hi[1024];
		lo[0] = hi[0] = '\0';
		int r = fn(ctx, begin.c_str(), end.c_str(), lo, hi, sizeof lo);
		if (!r)
			return Xapian::Query(Xapian::Query::OP_INVALID);
		lo[sizeof lo - 1] = hi[sizeof hi - 1] = '\0';
		if (r != 2)
			return xsh_value_range(slot, lo, hi);
		std::vector<Xapian::Query> terms;
		for (const char *p = lo; *p;) {
			const char *sp = std::strchr(p, ' ');
			size_t len = sp ? static_cast<size_t>(sp - p)
					: std::strlen(p);
			if (len)
				terms.emplace_back(std::string(p, len));
			p += len + (sp ? 1 : 0);
		}
		return xsh_weightless_any(terms);
	}
};

extern "C" int xsh_qp_new(struct xsh_db *db, const char *lang,
			  struct xsh_qp **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		std::unique_ptr<xsh_qp> p(new xsh_qp());
		p->has_db = db != nullptr;
		p->max_expansion = 0;
		if (db) {
			p->db = db->db;
			p->qp.set_database(db->db);
		}
		p->qp.set_stemmer(xsh_stemmer(lang));
		p->qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
		*out = p.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_qp_free(struct xsh_qp *qp) noexcept
{
	try {
		delete qp;
	} catch (...) {
	}
}

extern "C" int xsh_qp_add_prefix(struct xsh_qp *qp, const char *field,
				 const char *prefix, char *err) noexcept
{
	try {
		XSH_CHECK(qp);
		XSH_CHECK(field);
		XSH_CHECK(prefix);
		qp->qp.add_prefix(field, prefix);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_qp_add_boolean_prefix(struct xsh_qp *qp, const char *field,
					 const char *prefix, int flags,
					 char *err) noexcept
{
	try {
		XSH_CHECK(qp);
		XSH_CHECK(field && *field);
		XSH_CHECK(prefix);
		bool exclusive = !(flags & XSH_BP_NONEXCLUSIVE);
		if (flags & XSH_BP_LOWERCASE) {
			Xapian::FieldProcessor *fp =
				new xsh_lower_field(prefix);
			qp->qp.add_boolean_prefix(field, fp->release(),
						  exclusive);
		} else {
			qp->qp.add_boolean_prefix(field, prefix, exclusive);
		}
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_qp_add_range(struct xsh_qp *qp, const char *field,
				unsigned slot, xsh_range_fn fn, void *ctx,
				char *err) noexcept
{
	try {
		XSH_CHECK(qp);
		XSH_CHECK(fn);
		XSH_CHECK(slot != Xapian::BAD_VALUENO);
		std::string str;
		if (field && *field) {
			str = field;
			str += ':';
		}
		Xapian::RangeProcessor *rp =
			new xsh_range_proc(slot, str, fn, ctx);
		qp->qp.add_rangeprocessor(rp->release());
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_spelling_copy(struct xsh_db *const *from, size_t n,
				 const char *prefix, const char *dir,
				 unsigned max_words, unsigned *words,
				 char *err) noexcept
{
	try {
		XSH_CHECK(from || n == 0);
		XSH_CHECK(dir && *dir);
		std::string p(prefix ? prefix : "");
		unsigned added = 0;
		Xapian::WritableDatabase w(dir,
					   Xapian::DB_CREATE_OR_OVERWRITE |
						   Xapian::DB_NO_SYNC);
		for (size_t i = 0; i < n && added < max_words; i++) {
			XSH_CHECK(from[i]);
			Xapian::TermIterator t = from[i]->db.allterms_begin(p);
			Xapian::TermIterator end = from[i]->db.allterms_end(p);
			for (; t != end && added < max_words; ++t) {
				const std::string &term = *t;
				if (!xsh_spelling_word(term, p.size()))
					continue;
				w.add_spelling(term.substr(p.size()),
					       t.get_termfreq());
				added++;
			}
		}
		w.commit();
		w.close();
		if (words)
			*words = added;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_qp_add_spelling_db(struct xsh_qp *qp, const char *dir,
				      char *err) noexcept
{
	try {
		XSH_CHECK(qp && qp->has_db);
		XSH_CHECK(dir && *dir);
		Xapian::Database combined(qp->db);
		combined.add_database(Xapian::Database(dir));
		qp->qp.set_database(combined);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* The number of OP_WILDCARD leaves of q. */
static unsigned xsh_count_wildcards(const Xapian::Query &q)
{
	if (q.get_type() == Xapian::Query::OP_WILDCARD)
		return 1;
	unsigned n = 0;
	size_t k = q.get_num_subqueries();
	for (size_t i = 0; i < k; i++)
		n += xsh_count_wildcards(q.get_subquery(i));
	return n;
}

/* qp's parser with wildcards limited to n terms each (n > 0). */
static void xsh_limit_wildcards(xsh_qp *qp, unsigned n)
{
	qp->qp.set_max_expansion(n, Xapian::Query::WILDCARD_LIMIT_ERROR,
				 Xapian::QueryParser::FLAG_WILDCARD |
					 Xapian::QueryParser::FLAG_PARTIAL);
}

extern "C" int xsh_qp_set_max_expansion(struct xsh_qp *qp, unsigned n,
					char *err) noexcept
{
	try {
		XSH_CHECK(qp);
		xsh_limit_wildcards(qp, n);
		qp->max_expansion = n;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_qp_parse(struct xsh_qp *qp, const char *text, int flags,
			    struct xsh_query **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(qp);
		XSH_CHECK(text);
		qp->corrected.clear();
		unsigned f = 0;
		if (flags & XSH_QP_BOOLEAN)
			f |= Xapian::QueryParser::FLAG_BOOLEAN;
		if (flags & XSH_QP_PHRASE)
			f |= Xapian::QueryParser::FLAG_PHRASE;
		if (flags & XSH_QP_LOVEHATE)
			f |= Xapian::QueryParser::FLAG_LOVEHATE;
		if (flags & XSH_QP_WILDCARD)
			f |= Xapian::QueryParser::FLAG_WILDCARD;
		if (flags & XSH_QP_NEAR) /* 1.4 parses NEAR/ADJ with these */
			f |= Xapian::QueryParser::FLAG_BOOLEAN;
		if (flags & XSH_QP_SPELLING)
			f |= Xapian::QueryParser::FLAG_SPELLING_CORRECTION;
		if (flags & XSH_QP_BOOLEAN_ANY_CASE)
			f |= Xapian::QueryParser::FLAG_BOOLEAN_ANY_CASE;
		if (flags & XSH_QP_CJK)
			f |= Xapian::QueryParser::FLAG_CJK_NGRAM;
		if (flags & XSH_QP_PURE_NOT)
			f |= Xapian::QueryParser::FLAG_PURE_NOT;
		if ((flags & XSH_QP_SPELLING) && !qp->has_db)
			return gz_fail(err, GZ_EINVAL,
				       "xsh_qp_parse: spelling needs a "
				       "database");
		qp->qp.set_default_op((flags & XSH_QP_DEFAULT_AND)
					      ? Xapian::Query::OP_AND
					      : Xapian::Query::OP_OR);
		qp->qp.set_stemming_strategy(
			(flags & XSH_QP_STEM_ALL)
				? Xapian::QueryParser::STEM_ALL_Z
				: Xapian::QueryParser::STEM_SOME);
		std::unique_ptr<xsh_query> q(new xsh_query());
		q->q = qp->qp.parse_query(text, f);
		/*
		** The expansion limit is the query's, shared by its wildcards:
		** otherwise 256 wildcards of 1,000 words each would open a
		** quarter of a million posting lists.  Parsing is cheap next to
		** expanding, so parse again with each wildcard's share.
		*/
		unsigned nw = (flags & XSH_QP_WILDCARD) && qp->max_expansion
			? xsh_count_wildcards(q->q)
			: 0;
		if (nw > 1) {
			unsigned share = qp->max_expansion / nw;
			xsh_limit_wildcards(qp, share ? share : 1);
			try {
				q->q = qp->qp.parse_query(text, f);
			} catch (...) {
				xsh_limit_wildcards(qp, qp->max_expansion);
				throw;
			}
			xsh_limit_wildcards(qp, qp->max_expansion);
		}
		if (flags & XSH_QP_SPELLING)
			qp->corrected = qp->qp.get_corrected_query_string();
		*out = q.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_qp_corrected(struct xsh_qp *qp, char **out,
				char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(qp);
		xsh_strout(qp->corrected, out, nullptr);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_term(const char *term, struct xsh_query **out,
			      char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(term && *term);
		*out = new xsh_query{ Xapian::Query(std::string(term)) };
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_range(unsigned slot, const char *lo, const char *hi,
			       struct xsh_query **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(slot != Xapian::BAD_VALUENO);
		*out = new xsh_query{ xsh_value_range(slot, lo ? lo : "",
						      hi ? hi : "") };
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_combine(enum xsh_op op, const struct xsh_query *a,
				 const struct xsh_query *b,
				 struct xsh_query **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		Xapian::Query::op xop;
		switch (op) {
		case XSH_OP_AND: xop = Xapian::Query::OP_AND; break;
		case XSH_OP_OR: xop = Xapian::Query::OP_OR; break;
		case XSH_OP_AND_NOT: xop = Xapian::Query::OP_AND_NOT; break;
		case XSH_OP_FILTER: xop = Xapian::Query::OP_FILTER; break;
		default:
			return gz_fail(err, GZ_EINVAL,
				       "xsh_query_combine: bad operator %d",
				       static_cast<int>(op));
		}
		Xapian::Query left = a ? a->q : xsh_match_all();
		std::unique_ptr<xsh_query> r(new xsh_query());
		r->q = b ? Xapian::Query(xop, left, b->q) : left;
		*out = r.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_all(struct xsh_query **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = new xsh_query{ xsh_match_all() };
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_term_count(const struct xsh_query *q, unsigned *out,
				    char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = 0;
		XSH_CHECK(q);
		unsigned n = 0;
		for (Xapian::TermIterator t = q->q.get_terms_begin();
		     t != q->q.get_terms_end(); ++t)
			n++;
		*out = n;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_describe(const struct xsh_query *q, char **out,
				  char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(q);
		xsh_strout(q->q.get_description(), out, nullptr);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_query_free(struct xsh_query *q) noexcept
{
	try {
		delete q;
	} catch (...) {
	}
}

/* ---------------------------------------------------------------- search */

extern "C" int xsh_enquire_new(struct xsh_db *db, const struct xsh_query *q,
			       struct xsh_enquire **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(db);
		XSH_CHECK(q);
		std::unique_ptr<xsh_enquire> e(new xsh_enquire(db->db));
		e->enq.set_query(q->q);
		*out = e.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" void xsh_enquire_free(struct xsh_enquire *e) noexcept
{
	try {
		delete e;
	} catch (...) {
	}
}

extern "C" int xsh_enquire_set_sort(struct xsh_enquire *e, unsigned slot,
				    int reverse, char *err) noexcept
{
	try {
		XSH_CHECK(e);
		if (slot == XSH_SORT_RELEVANCE)
			e->enq.set_sort_by_relevance();
		else
			e->enq.set_sort_by_value_then_relevance(slot,
								reverse != 0);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_enquire_set_collapse(struct xsh_enquire *e, unsigned slot,
					unsigned max, char *err) noexcept
{
	try {
		XSH_CHECK(e);
		XSH_CHECK(slot != Xapian::BAD_VALUENO || max == 0);
		if (max == 0)
			e->enq.set_collapse_key(Xapian::BAD_VALUENO);
		else
			e->enq.set_collapse_key(slot, max);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_enquire_add_facet(struct xsh_enquire *e, unsigned slot,
				     unsigned *idx, char *err) noexcept
{
	try {
		XSH_CHECK(e);
		XSH_CHECK(slot != Xapian::BAD_VALUENO);
		if (e->facet_slots.size() >= XSH_MAX_FACETS)
			return gz_fail(err, GZ_ETOOBIG,
				       "at most %d facets per search",
				       XSH_MAX_FACETS);
		e->facet_slots.push_back(slot);
		if (idx)
			*idx = static_cast<unsigned>(e->facet_slots.size() - 1);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_enquire_set_time_limit(struct xsh_enquire *e, double seconds,
					  char *err) noexcept
{
	try {
		XSH_CHECK(e);
		XSH_CHECK(seconds >= 0.0);
		e->enq.set_time_limit(seconds);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_enquire_run(struct xsh_enquire *e, unsigned offset,
			       unsigned limit, unsigned check_at_least,
			       struct xsh_mset **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(e);
		/* Fresh spies each run so counts never accumulate. */
		e->ran = false;
		e->enq.clear_matchspies();
		e->spies.clear();
		for (Xapian::valueno slot : e->facet_slots) {
			std::unique_ptr<Xapian::ValueCountMatchSpy> s(
				new Xapian::ValueCountMatchSpy(slot));
			e->spies.push_back(std::move(s));
			e->enq.add_matchspy(e->spies.back().get());
		}
		Xapian::MSet ms =
			e->enq.get_mset(offset, limit, check_at_least);
		*out = new xsh_mset(e->enq, ms);
		e->ran = true;
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_enquire_facet(struct xsh_enquire *e, unsigned idx,
				 unsigned max, xsh_facet_fn fn, void *ctx,
				 char *err) noexcept
{
	try {
		XSH_CHECK(e);
		XSH_CHECK(fn);
		if (!e->ran)
			return gz_fail(err, GZ_EINVAL,
				       "xsh_enquire_facet: search not run");
		if (idx >= e->spies.size())
			return gz_fail(err, GZ_EINVAL,
				       "xsh_enquire_facet: no facet %u", idx);
		const Xapian::ValueCountMatchSpy &s = *e->spies[idx];
		for (Xapian::TermIterator t = s.top_values_begin(max);
		     t != s.top_values_end(max); ++t) {
			std::string v = *t;
			fn(ctx, v.data(), v.size(), t.get_termfreq());
		}
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* ------------------------------------------------- whole-result passes */

extern "C" int xsh_db_values(struct xsh_db *db, unsigned slot, xsh_value_fn fn,
			     void *ctx, char *err) noexcept
{
	try {
		XSH_CHECK(db);
		XSH_CHECK(fn);
		XSH_CHECK(slot != Xapian::BAD_VALUENO);
		Xapian::ValueIterator end = db->db.valuestream_end(slot);
		for (Xapian::ValueIterator v = db->db.valuestream_begin(slot);
		     v != end; ++v) {
			const std::string val = *v;
			int rc = fn(ctx, v.get_docid(), val.data(), val.size());
			if (rc != GZ_OK)
				return rc;
		}
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* Thrown by xsh_docid_batch to stop a whole-result walk with the
** callback's code. */
struct xsh_stop {
	int code; /* what the callback returned */
};

/* Docids handed to a C callback in batches; throws xsh_stop when told to. */
class xsh_docid_batch
{
	xsh_docids_fn fn;   /* the callback */
	void *ctx;          /* its context */
	unsigned buf[1024]; /* docids not yet handed over */
	size_t n;           /* how many of buf */

      public:
	xsh_docid_batch(xsh_docids_fn fn_, void *ctx_)
	    : fn(fn_), ctx(ctx_), n(0)
	{
	}

	void add(Xapian::docid d)
	{
		buf[n++] = d;
		if (n == sizeof buf / sizeof buf[0])
			flush();
	}

	/* Hand the buffered docids over. */
	void flush()
	{
		if (n == 0)
			return;
		int rc = fn(ctx, buf, n);
		n = 0;
		if (rc != GZ_OK)
			throw xsh_stop{ rc };
	}
};

/* A match spy handing each match's docid to a batch. */
class xsh_docid_spy : public Xapian::MatchSpy
{
	xsh_docid_batch &out; /* where the docids go */

      public:
	explicit xsh_docid_spy(xsh_docid_batch &out_) : out(out_)
	{
	}

	void operator()(const Xapian::Document &doc, double) override
	{
		out.add(doc.get_docid());
	}
};

/*
** Hand every match of query over db to out, docid by docid, through a
** weightless matcher run that looks at every match.  Throws as Xapian or
** out does.
*/
static void xsh_spy_matches(Xapian::Database &db, const Xapian::Query &query,
			    xsh_docid_batch &out)
{
	xsh_docid_spy spy(out);
	Xapian::Enquire enq(db);
	enq.set_query(query);
	enq.set_weighting_scheme(Xapian::BoolWeight());
	enq.add_matchspy(&spy);
	Xapian::doccount all = db.get_doccount();
	/* No hits wanted, every match looked at: the spy sees all. */
	(void)enq.get_mset(0, 0, all ? all : 1);
	enq.clear_matchspies();
	out.flush();
}

/*
** The term whose posting list holds q's matches when q is one term, or
** "" for every document (Xapian's name for the list of all documents);
** false for any other query.
*/
static bool xsh_posting_term(const Xapian::Query &q, std::string &term)
{
	Xapian::Query::op type = q.get_type();

	if (type == Xapian::Query::LEAF_TERM)
		term = *q.get_terms_begin();
	else if (type == Xapian::Query::LEAF_MATCH_ALL)
		term.clear();
	else
		return false;
	return true;
}

extern "C" int xsh_db_match_docids(struct xsh_db *db, const struct xsh_query *q,
				   xsh_docids_fn fn, void *ctx,
				   char *err) noexcept
{
	try {
		XSH_CHECK(db);
		XSH_CHECK(q);
		XSH_CHECK(fn);
		xsh_docid_batch out(fn, ctx);
		std::string term;
		if (xsh_posting_term(q->q, term)) {
			/*
			** One term (or "" for every document): its posting
			** list holds the same docids in the same order that
			** the matcher would visit, at a fraction of the cost.
			*/
			for (Xapian::PostingIterator
				     it = db->db.postlist_begin(term),
				     end = db->db.postlist_end(term);
			     it != end; ++it)
				out.add(*it);
			out.flush();
			return GZ_OK;
		}
		xsh_spy_matches(db->db, q->q, out);
		return GZ_OK;
	} catch (const xsh_stop &stop) {
		return stop.code;
	} catch (...) {
		return xsh_fail(err);
	}
}

/*
** The documents of a sorted docid list, weightless, for OP_FILTER.  The
** list is shared between clones (one per use of the query).
*/
class xsh_docid_source : public Xapian::PostingSource
{
	std::shared_ptr<const std::vector<Xapian::docid>> ids; /* ascending */
	size_t i;     /* current position */
	bool started; /* next() or skip_to() called since init() */

      public:
	explicit xsh_docid_source(
		std::shared_ptr<const std::vector<Xapian::docid>> ids_)
	    : ids(std::move(ids_)), i(0), started(false)
	{
	}

	Xapian::doccount get_termfreq_min() const override
	{
		return 0; /* a listed document may have gone */
	}
	Xapian::doccount get_termfreq_est() const override
	{
		return static_cast<Xapian::doccount>(ids->size());
	}
	Xapian::doccount get_termfreq_max() const override
	{
		return static_cast<Xapian::doccount>(ids->size());
	}
	void init(const Xapian::Database &) override
	{
		i = 0;
		started = false;
	}
	void next(double) override
	{
		if (started)
			++i;
		started = true;
	}
	void skip_to(Xapian::docid did, double) override
	{
		if (!started) {
			started = true;
			i = 0;
		}
		if (i < ids->size() && (*ids)[i] < did)
			i = static_cast<size_t>(
				std::lower_bound(ids->begin() + i, ids->end(),
						 did) -
				ids->begin());
	}
	bool at_end() const override
	{
		return i >= ids->size();
	}
	Xapian::docid get_docid() const override
	{
		return (*ids)[i];
	}
	Xapian::PostingSource *clone() const override
	{
		return new xsh_docid_source(ids);
	}
};

/* Whether docids[0..n) is a list xsh_docid_source takes: strictly rising. */
static bool xsh_docids_ascend(const unsigned *docids, size_t n)
{
	if (!docids)
		return n == 0;
	for (size_t i = 1; i < n; i++)
		if (docids[i - 1] >= docids[i])
			return false;
	return true;
}

/* The weightless query of the documents docids[0..n) (xsh_docids_ascend;
** copied).  Throws as std::make_shared does. */
static Xapian::Query xsh_docids_query(const unsigned *docids, size_t n)
{
	auto v = std::make_shared<std::vector<Xapian::docid>>(docids,
							      docids + n);
	Xapian::PostingSource *src = new xsh_docid_source(v);
	return Xapian::Query(src->release());
}

extern "C" int xsh_query_docids(const unsigned *docids, size_t n,
				struct xsh_query **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(xsh_docids_ascend(docids, n));
		*out = new xsh_query{ xsh_docids_query(docids, n) };
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/*
** A query's boolean shape over posting lists, to check a few documents in
** ascending docid order (xsh_db_match_among): terms, every document,
** nothing, and AND, FILTER, OR, SYNONYM, AND_NOT, AND_MAYBE and
** SCALE_WEIGHT of those.  Any other query (phrases, NEAR, value ranges,
** posting sources, ...) has no such shape: build() returns false, and the
** matcher does the work.
*/
class xsh_bool_tree
{
	struct node {
		Xapian::Query::op op;
		Xapian::PostingIterator it, end; /* a leaf's posting list */
		std::vector<size_t> kids;        /* other nodes */
	};
	std::vector<node> nodes; /* nodes[0] is the root */
	static const unsigned max_depth = 64;
	static const size_t max_nodes = 4096;

	/* Add q as a node (and its subqueries); its index, or -1. */
	long add(const Xapian::Database &db, const Xapian::Query &q,
		 unsigned depth)
	{
		using Q = Xapian::Query;
		Q::op op = q.get_type();
		size_t i = nodes.size();

		if (depth > max_depth || nodes.size() >= max_nodes)
			return -1; /* left to the matcher */
		nodes.push_back(node{ op, {}, {}, {} });
		switch (op) {
		case Q::LEAF_TERM:
		case Q::LEAF_MATCH_ALL: {
			std::string term = op == Q::LEAF_TERM
				? *q.get_terms_begin()
				: std::string();
			nodes[i].it = db.postlist_begin(term);
			nodes[i].end = db.postlist_end(term);
			return static_cast<long>(i);
		}
		case Q::LEAF_MATCH_NOTHING: return static_cast<long>(i);
		case Q::OP_AND:
		case Q::OP_FILTER:
		case Q::OP_OR:
		case Q::OP_SYNONYM:
		case Q::OP_AND_NOT:
		case Q::OP_AND_MAYBE:
		case Q::OP_SCALE_WEIGHT: break;
		default: return -1;
		}
		size_t n = q.get_num_subqueries();
		if (n == 0)
			return -1;
		for (size_t k = 0; k < n; k++) {
			long kid = add(db, q.get_subquery(k), depth + 1);
			if (kid < 0)
				return -1;
			nodes[i].kids.push_back(static_cast<size_t>(kid));
		}
		return static_cast<long>(i);
	}

	/* Whether node i matches d (no smaller than any asked before). */
	bool matches(size_t i, Xapian::docid d)
	{
		using Q = Xapian::Query;
		node &nd = nodes[i];

		switch (nd.op) {
		case Q::LEAF_TERM:
		case Q::LEAF_MATCH_ALL:
			if (nd.it == nd.end)
				return false;
			nd.it.skip_to(d);
			return nd.it != nd.end && *nd.it == d;
		case Q::LEAF_MATCH_NOTHING: return false;
		case Q::OP_AND:
		case Q::OP_FILTER:
			for (size_t k : nd.kids)
				if (!matches(k, d))
					return false;
			return true;
		case Q::OP_OR:
		case Q::OP_SYNONYM:
			for (size_t k : nd.kids)
				if (matches(k, d))
					return true;
			return false;
		case Q::OP_AND_NOT:
			if (!matches(nd.kids[0], d))
				return false;
			for (size_t k = 1; k < nd.kids.size(); k++)
				if (matches(nd.kids[k], d))
					return false;
			return true;
		default: /* AND_MAYBE, SCALE_WEIGHT: as the first */
			return matches(nd.kids[0], d);
		}
	}

      public:
	/* Take q's shape over db; false when q has none. */
	bool build(const Xapian::Database &db, const Xapian::Query &q)
	{
		nodes.clear();
		return add(db, q, 0) == 0;
	}

	/* Whether the query matches d; ask in ascending docid order. */
	bool matches(Xapian::docid d)
	{
		return matches(0, d);
	}
};

extern "C" int xsh_db_match_among(struct xsh_db *db, const struct xsh_query *q,
				  const unsigned *docids, size_t n,
				  xsh_docids_fn fn, void *ctx,
				  char *err) noexcept
{
	try {
		XSH_CHECK(db);
		XSH_CHECK(q);
		XSH_CHECK(fn);
		XSH_CHECK(xsh_docids_ascend(docids, n));
		xsh_docid_batch out(fn, ctx);
		xsh_bool_tree tree;
		if (n == 0)
			return GZ_OK;
		if (tree.build(db->db, q->q)) {
			/* A few documents: look each up in the posting lists. */
			for (size_t i = 0; i < n; i++)
				if (tree.matches(docids[i]))
					out.add(docids[i]);
			out.flush();
			return GZ_OK;
		}
		xsh_spy_matches(db->db,
				Xapian::Query(Xapian::Query::OP_FILTER, q->q,
					      xsh_docids_query(docids, n)),
				out);
		return GZ_OK;
	} catch (const xsh_stop &stop) {
		return stop.code;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_query_any_term(const char *const *terms, size_t n,
				  struct xsh_query **out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(terms || n == 0);
		std::vector<Xapian::Query> qs;
		qs.reserve(n);
		for (size_t i = 0; i < n; i++) {
			XSH_CHECK(terms[i] && *terms[i]);
			qs.emplace_back(std::string(terms[i]));
		}
		*out = new xsh_query{ xsh_weightless_any(qs) };
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* Keep only unprefixed terms: those not starting with an ASCII capital. */
class xsh_unprefixed : public Xapian::ExpandDecider
{
      public:
	bool operator()(const std::string &term) const override
	{
		return !term.empty() && !(term[0] >= 'A' && term[0] <= 'Z');
	}
};

/*
** The body of xsh_db_more_like and xsh_db_more_like_exact: the nterms
** best unprefixed terms of docid, weighted with estimated or (exact)
** exact term frequencies, as an OR query.
*/
static int xsh_more_like(struct xsh_db *db, unsigned docid, unsigned nterms,
			 int exact, struct xsh_query **out, char *err,
			 const char *fn) noexcept
{
	try {
		XSH_CHECK_IN(fn, out);
		*out = nullptr;
		XSH_CHECK_IN(fn, db);
		XSH_CHECK_IN(fn, nterms > 0);
		if (docid == 0)
			return gz_fail(err, GZ_ENOTFOUND, "no document 0");
		(void)db->db.get_document(docid); /* DocNotFoundError */
		Xapian::RSet rset;
		rset.add_document(docid);
		Xapian::Enquire enq(db->db);
		enq.set_query(xsh_match_all());
		xsh_unprefixed decider;
		Xapian::ESet es = enq.get_eset(
			nterms, rset,
			exact ? Xapian::Enquire::USE_EXACT_TERMFREQ : 0,
			&decider);
		std::vector<std::string> terms;
		for (Xapian::ESetIterator t = es.begin(); t != es.end(); ++t)
			terms.push_back(*t);
		std::unique_ptr<xsh_query> q(new xsh_query());
		q->q = Xapian::Query(Xapian::Query::OP_OR, terms.begin(),
				     terms.end());
		*out = q.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_db_more_like(struct xsh_db *db, unsigned docid,
				unsigned nterms, struct xsh_query **out,
				char *err) noexcept
{
	return xsh_more_like(db, docid, nterms, 0, out, err, __func__);
}

extern "C" int xsh_db_more_like_exact(struct xsh_db *db, unsigned docid,
				      unsigned nterms, struct xsh_query **out,
				      char *err) noexcept
{
	return xsh_more_like(db, docid, nterms, 1, out, err, __func__);
}

/* ---------------------------------------------------------------- results */

extern "C" unsigned xsh_mset_size(const struct xsh_mset *m) noexcept
{
	try {
		return m ? m->m.size() : 0;
	} catch (...) {
		return 0;
	}
}

extern "C" int xsh_mset_counts(const struct xsh_mset *m, unsigned *estimate,
			       unsigned *lower, unsigned *upper,
			       char *err) noexcept
{
	try {
		XSH_CHECK(m);
		if (estimate)
			*estimate = m->m.get_matches_estimated();
		if (lower)
			*lower = m->m.get_matches_lower_bound();
		if (upper)
			*upper = m->m.get_matches_upper_bound();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_mset_percent(const struct xsh_mset *m, double weight,
				int *out, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = 0;
		XSH_CHECK(m);
		*out = m->m.convert_to_percent(weight);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/* GZ_OK when m has a hit i, else GZ_EINVAL with fn named in err. */
static int xsh_mset_has(const struct xsh_mset *m, unsigned i, const char *fn,
			char *err)
{
	if (i < m->m.size())
		return GZ_OK;
	return gz_fail(err, GZ_EINVAL, "%s: no hit %u of %u", fn, i,
		       static_cast<unsigned>(m->m.size()));
}

extern "C" int xsh_mset_hit(const struct xsh_mset *m, unsigned i,
			    struct xsh_hit *out, char *err) noexcept
{
	try {
		XSH_CHECK(m);
		XSH_CHECK(out);
		if (int rc = xsh_mset_has(m, i, "xsh_mset_hit", err))
			return rc;
		Xapian::MSetIterator it = m->m[i];
		out->docid = *it;
		out->rank = it.get_rank();
		out->weight = it.get_weight();
		out->percent = it.get_percent();
		out->collapse_count = it.get_collapse_count();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_mset_data(const struct xsh_mset *m, unsigned i, char **out,
			     size_t *len, char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(m);
		if (int rc = xsh_mset_has(m, i, "xsh_mset_data", err))
			return rc;
		xsh_strout(m->doc(i).get_data(), out, len);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_mset_value(const struct xsh_mset *m, unsigned i,
			      unsigned slot, char **out, size_t *len,
			      char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		XSH_CHECK(m);
		if (int rc = xsh_mset_has(m, i, "xsh_mset_value", err))
			return rc;
		xsh_strout(m->doc(i).get_value(slot), out, len);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

/*
** The body of xsh_mset_snippet and xsh_mset_snippet_matches: Xapian's
** MSet::snippet with or without its background model (which looks every
** word of the text up in the database).
*/
static int xsh_snippet(const struct xsh_mset *m, const char *text, size_t len,
		       size_t length, const char *lang, const char *hi_start,
		       const char *hi_end, int flags, int background,
		       char **out, char *err, const char *fn) noexcept
{
	try {
		XSH_CHECK_IN(fn, out);
		*out = nullptr;
		XSH_CHECK_IN(fn, m);
		XSH_CHECK_IN(fn, text || len == 0);
		unsigned f =
			background ? Xapian::MSet::SNIPPET_BACKGROUND_MODEL : 0;
		if (flags & XSH_SNIPPET_EXHAUSTIVE)
			f |= Xapian::MSet::SNIPPET_EXHAUSTIVE;
		if (flags & XSH_SNIPPET_EMPTY_WITHOUT_MATCH)
			f |= Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH;
		if (flags & XSH_SNIPPET_CJK)
			f |= Xapian::MSet::SNIPPET_CJK_NGRAM;
		std::string s = m->m.snippet(
			len ? std::string(text, len) : std::string(), length,
			xsh_stemmer(lang), f, hi_start ? hi_start : "",
			hi_end ? hi_end : "", "\xe2\x80\xa6");
		xsh_strout(s, out, nullptr);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_mset_snippet(const struct xsh_mset *m, const char *text,
				size_t len, size_t length, const char *lang,
				const char *hi_start, const char *hi_end,
				int flags, char **out, char *err) noexcept
{
	return xsh_snippet(m, text, len, length, lang, hi_start, hi_end, flags,
			   1, out, err, __func__);
}

extern "C" int xsh_mset_snippet_matches(const struct xsh_mset *m,
					const char *text, size_t len,
					size_t length, const char *lang,
					const char *hi_start,
					const char *hi_end, int flags,
					char **out, char *err) noexcept
{
	return xsh_snippet(m, text, len, length, lang, hi_start, hi_end, flags,
			   0, out, err, __func__);
}

extern "C" void xsh_mset_free(struct xsh_mset *m) noexcept
{
	try {
		delete m;
	} catch (...) {
	}
}

/* ------------------------------------------------------------ compaction */

/* Compact srcs[0..n) into dst with Xapian's compaction flags. */
static int xsh_compact_with(const char *const *srcs, size_t n, const char *dst,
			    unsigned flags, char *err) noexcept
{
	try {
		XSH_CHECK(srcs && n > 0);
		XSH_CHECK(dst && *dst);
		Xapian::Database db;
		for (size_t i = 0; i < n; i++) {
			XSH_CHECK(srcs[i] && *srcs[i]);
			db.add_database(Xapian::Database(srcs[i]));
		}
		db.compact(dst, flags);
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_compact(const char *const *srcs, size_t n, const char *dst,
			   char *err) noexcept
{
	return xsh_compact_with(srcs, n, dst, Xapian::DBCOMPACT_NO_RENUMBER,
				err);
}

extern "C" int xsh_merge(const char *const *srcs, size_t n, const char *dst,
			 char *err) noexcept
{
	return xsh_compact_with(srcs, n, dst, 0, err);
}

/* ---------------------------------------------------------------- tests */

/*
** The exceptions xsh_test_throw can raise, by kind, and the code each maps
** to (the table at the top of include/xsh.h).
**
**   kind  exception                        code
**    0    Xapian::DatabaseModifiedError    GZ_EAGAIN
**    1    Xapian::DatabaseLockError        GZ_ELOCKED
**    2    Xapian::DatabaseCorruptError     GZ_ECORRUPT
**    3    Xapian::DatabaseOpeningError     GZ_EOPEN
**    4    Xapian::DatabaseVersionError     GZ_EOPEN
**    5    Xapian::QueryParserError         GZ_EQUERY
**    6    Xapian::WildcardError            GZ_EQUERY
**    7    Xapian::DocNotFoundError         GZ_ENOTFOUND
**    8    Xapian::NetworkTimeoutError      GZ_ETIMEOUT
**    9    Xapian::NetworkError             GZ_ENETWORK
**   10    Xapian::InvalidArgumentError     GZ_EINVAL
**   11    Xapian::RangeError               GZ_EINVAL
**   12    Xapian::InvalidOperationError    GZ_EINVAL
**   13    Xapian::AssertionError           GZ_EINDEX
**   14    Xapian::UnimplementedError       GZ_EINDEX
**   15    std::bad_alloc                   GZ_ENOMEM
**   16    std::runtime_error               GZ_EINTERNAL
**   17    int                              GZ_EINTERNAL
**   18    Xapian::DatabaseNotFoundError    GZ_EOPEN
**   19    Xapian::DatabaseError            GZ_EINDEX
*/
#define XSH_TEST_KINDS 20

/* Throw exception number kind (see the table above). */
[[noreturn]] static void xsh_throw_kind(int kind)
{
	const std::string m("test exception");
	switch (kind) {
	case 0: throw Xapian::DatabaseModifiedError(m);
	case 1: throw Xapian::DatabaseLockError(m);
	case 2: throw Xapian::DatabaseCorruptError(m);
	case 3: throw Xapian::DatabaseOpeningError(m);
	case 4: throw Xapian::DatabaseVersionError(m);
	case 5: throw Xapian::QueryParserError(m);
	case 6: throw Xapian::WildcardError(m);
	case 7: throw Xapian::DocNotFoundError(m);
	case 8: throw Xapian::NetworkTimeoutError(m);
	case 9: throw Xapian::NetworkError(m);
	case 10: throw Xapian::InvalidArgumentError(m);
	case 11: throw Xapian::RangeError(m);
	case 12: throw Xapian::InvalidOperationError(m);
	case 13: throw Xapian::AssertionError(m);
	case 14: throw Xapian::UnimplementedError(m);
	case 15: throw std::bad_alloc();
	case 16: throw std::runtime_error(m);
	case 17: throw 42;
	case 18: throw Xapian::DatabaseNotFoundError(m);
	default: throw Xapian::DatabaseError(m);
	}
}

extern "C" int xsh_test_throw(int kind, unsigned *n_kinds, char *err) noexcept
{
	try {
		if (n_kinds)
			*n_kinds = XSH_TEST_KINDS;
		if (kind < 0 || kind >= XSH_TEST_KINDS)
			return gz_fail(err, GZ_EINVAL,
				       "xsh_test_throw: no kind %d", kind);
		xsh_throw_kind(kind);
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_utf8_lower(const char *s, size_t len, char *out,
			      size_t n) noexcept
{
	if (!s || !out || n == 0)
		return gz_fail(NULL, GZ_EINVAL,
			       "xsh_utf8_lower: bad arguments");
	try {
		std::string t = lower_utf8(std::string(s, len));
		size_t k = t.size() < n - 1 ? t.size() : n - 1;

		/* cut at a character boundary */
		while (k < t.size() && k > 0 &&
		       (static_cast<unsigned char>(t[k]) & 0xc0) == 0x80)
			k--;
		memcpy(out, t.data(), k);
		out[k] = '\0';
		return GZ_OK;
	} catch (...) {
		out[0] = '\0';
		return GZ_ENOMEM;
	}
}

extern "C" const char *xsh_version(void) noexcept
{
	return Xapian::version_string();
}

/* ------------------------------------------- query terms and stemming */

/* A stemmer handle (xsh.h). */
struct xsh_stemmer {
	Xapian::Stem stem; /* Xapian's, or none */
};

/* True when q or any subquery of it is a wildcard. */
static bool xsh_has_wildcard(const Xapian::Query &q, int depth)
{
	if (q.get_type() == Xapian::Query::OP_WILDCARD)
		return true;
	if (depth > 4096)
		return true; /* too deep to look at: treat as unknown */
	size_t n = q.get_num_subqueries();
	for (size_t i = 0; i < n; i++)
		if (xsh_has_wildcard(q.get_subquery(i), depth + 1))
			return true;
	return false;
}

extern "C" int xsh_query_terms(const struct xsh_query *q, xsh_term_fn fn,
			       void *ctx, unsigned *flags, char *err) noexcept
{
	try {
		XSH_CHECK(q && fn && flags);
		*flags = xsh_has_wildcard(q->q, 0) ? XSH_QT_WILDCARD : 0;
		for (Xapian::TermIterator t = q->q.get_unique_terms_begin();
		     t != q->q.get_unique_terms_end(); ++t) {
			const std::string &term = *t;
			fn(ctx, term.data(), term.size());
		}
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" int xsh_stemmer_new(const char *lang, struct xsh_stemmer **out,
			       char *err) noexcept
{
	try {
		XSH_CHECK(out);
		*out = nullptr;
		std::unique_ptr<struct xsh_stemmer> st(new struct xsh_stemmer);
		st->stem = xsh_stemmer(lang);
		*out = st.release();
		return GZ_OK;
	} catch (...) {
		return xsh_fail(err);
	}
}

extern "C" long xsh_stem(struct xsh_stemmer *st, const char *word, size_t len,
			 char *out, size_t n) noexcept
{
	try {
		if (!st || !word || !out || n == 0)
			return -1;
		std::string s = st->stem(std::string(word, len));
		if (s.size() >= n)
			return -1;
		memcpy(out, s.data(), s.size());
		out[s.size()] = '\0';
		return static_cast<long>(s.size());
	} catch (...) {
		return -1;
	}
}

extern "C" void xsh_stemmer_free(struct xsh_stemmer *st) noexcept
{
	delete st;
}
