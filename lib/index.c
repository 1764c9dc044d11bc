/*
** index.c — articles into the index (see index.h and schema.h).
**
** index_put turns one struct article into one Xapian document:
**
**   1. the key URL gives the unique id term; when a document with that term
**      already holds the same content hash, nothing is written;
**   2. otherwise the document is built: stored data (the article's JSON),
**      value slots, boolean filter terms, and free text (title with extra
**      weight and also under S, description, body) through a term generator
**      whose stemmer follows the article's language;
**   3. replace_document by the id term makes re-indexing idempotent.
**
** A new key whose content hash is already held by another document is an
** exact duplicate (the gazette.hash.* metadata maps a hash to its
** document) and writes nothing.  The collapse key comes from the SimHash
** clusters kept in the gazette.nd.* buckets (schema.h).  The crawler's
** per-URL state is serialised into gazette.url.* metadata here too, so
** that everything commits at once.
**
** Documents become visible and durable at index_commit.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "gz_limits.h"
#include "hash.h"
#include "index.h"
#include "schema.h"
#include "simhash.h"
#include "xsh.h"

#define TITLE_WDF 3 /* weight of a title word relative to a body word */

struct index_writer {
	struct xsh_wdb *wdb; /* the open writable database (holds the lock) */
	struct xsh_tg *tg;   /* term generator, reused for every document */
};

int index_open(const char *path, int flags, struct index_writer **out,
	       char *err)
{
	struct index_writer *w;
	char *schema = NULL;
	int rc;

	*out = NULL;
	w = calloc(1, sizeof *w);
	if (!w)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	rc = xsh_wdb_open(path, XSH_WDB_CREATE |
			  ((flags & INDEX_NO_SYNC) ? XSH_WDB_NO_SYNC : 0),
			  &w->wdb, err);
	if (rc)
		goto fail;
	rc = xsh_tg_new(w->wdb, NULL,
			XSH_TG_POSITIONS | XSH_TG_SPELLING | XSH_TG_CJK, &w->tg, err);
	if (rc)
		goto fail;
	rc = xsh_wdb_get_metadata(w->wdb, META_SCHEMA, &schema, NULL, err);
	if (rc)
		goto fail;
	if (!*schema) {
		rc = xsh_wdb_set_metadata(w->wdb, META_SCHEMA, SCHEMA_VERSION,
					  strlen(SCHEMA_VERSION), err);
	} else if (strcmp(schema, SCHEMA_VERSION) != 0) {
		rc = gz_fail(err, GZ_EOPEN, "%s: index schema %s, this program writes %s",
			     path, schema, SCHEMA_VERSION);
	}
	free(schema);
	if (rc)
		goto fail;
	*out = w;
	return GZ_OK;
fail:
	xsh_tg_free(w->tg);
	xsh_wdb_close(w->wdb);
	free(w);
	return rc;
}

/*
** The hash that tells a changed article from an unchanged one: the fields
** a reader sees.  Written as 16 hex digits into out (17 bytes).
*/
static void content_hash(const struct article *a, char *out)
{
	const char *parts[6] = { a->title, a->text, a->source, a->section,
				 a->description, a->language };
	char when[GZ_TIME_ISOLEN];
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < 6; i++) {
		const char *p = parts[i] ? parts[i] : "";

		h = gz_hash64(p, strlen(p) + 1, h);
	}
	for (i = 0; i < a->n_authors; i++)
		h = gz_hash64(a->authors[i], strlen(a->authors[i]) + 1, h);
	gz_time_iso(&a->published, when);
	h = gz_hash64(when, strlen(when) + 1, h);
	gz_time_iso(&a->modified, when);
	h = gz_hash64(when, strlen(when) + 1, h);
	gz_hash_hex(h, out);
}

/* The SimHash of a: its body, else its title and description. */
static uint64_t index_simhash(const struct article *a)
{
	size_t words = 0;
	uint64_t h = 0;

	if (a->text)
		h = simhash_text(a->text, strlen(a->text), &words);
	if (words == 0 && a->title) {
		struct buf b;

		buf_init(&b, SIMHASH_MAX_TEXT);
		buf_adds(&b, a->title);
		buf_addc(&b, ' ');
		if (a->description)
			buf_adds(&b, a->description);
		h = simhash_text(b.ptr, b.len, &words);
		buf_release(&b);
	}
	return words ? h : 0;
}

/* Parse 16 hex digits at p into *out.  0, or -1 when they are not hex. */
static int index_hex16(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint64_t)(c - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* The metadata key of block i of the SimHash sh, into out (32 bytes). */
static void index_nd_key(uint64_t sh, unsigned i, char *out, size_t n)
{
	snprintf(out, n, "%s%u%02x", META_ND_PREFIX, i, simhash_block(sh, i));
}

/*
** The collapse key for a document with SimHash sh (16 hex digits into
** key): the cluster of the nearest stored SimHash within SIMHASH_NEAR bits,
** found through the SIMHASH_BLOCKS buckets sh falls in, else sh itself;
** then sh joins those buckets.  A SimHash of 0 (no words) gets a key from
** url and joins nothing.  Index errors are returned.
*/
static int index_cluster(struct index_writer *w, uint64_t sh, const char *url,
			 char *key, char *err)
{
	char *vals[SIMHASH_BLOCKS] = { 0 };
	size_t lens[SIMHASH_BLOCKS] = { 0 };
	char mkey[48], entry[33], own[17];
	int best = SIMHASH_NEAR + 1, rc = GZ_OK;
	unsigned i;

	if (sh == 0) {
		gz_hash_hex(gz_hash64(url, strlen(url), 0x5bd1e995ULL), key);
		return GZ_OK;
	}
	gz_hash_hex(sh, own);
	snprintf(key, 17, "%s", own);
	for (i = 0; i < SIMHASH_BLOCKS && rc == GZ_OK; i++) {
		size_t off;

		index_nd_key(sh, i, mkey, sizeof mkey);
		rc = xsh_wdb_get_metadata(w->wdb, mkey, &vals[i], &lens[i], err);
		for (off = 0; rc == GZ_OK && off + 32 <= lens[i]; off += 32) {
			uint64_t other;
			int d;

			if (index_hex16(vals[i] + off, &other) != 0)
				continue;
			d = simhash_distance(sh, other);
			if (d < best) {
				best = d;
				memcpy(key, vals[i] + off + 16, 16);
				key[16] = '\0';
			}
		}
	}
	snprintf(entry, sizeof entry, "%s%s", own, key);
	for (i = 0; i < SIMHASH_BLOCKS && rc == GZ_OK; i++) {
		struct buf b;
		size_t off, skip = 0, n = lens[i] / 32;
		int present = 0;

		for (off = 0; off + 32 <= lens[i]; off += 32)
			if (memcmp(vals[i] + off, entry, 32) == 0)
				present = 1;
		if (present)
			continue;
		if (n >= INDEX_ND_BUCKET)
			skip = (n - INDEX_ND_BUCKET + 1) * 32; /* drop the oldest */
		buf_init(&b, (INDEX_ND_BUCKET + 1) * 32);
		if (buf_add(&b, vals[i] + skip, n * 32 - skip) != GZ_OK ||
		    buf_add(&b, entry, 32) != GZ_OK) {
			buf_release(&b);
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			break;
		}
		index_nd_key(sh, i, mkey, sizeof mkey);
		rc = xsh_wdb_set_metadata(w->wdb, mkey, b.ptr, b.len, err);
		buf_release(&b);
	}
	for (i = 0; i < SIMHASH_BLOCKS; i++)
		free(vals[i]);
	return rc;
}

/* Add prefix+value as a lower-cased boolean filter term (skipping empty values). */
static int add_filter(struct xsh_doc *d, const char *prefix, const char *value,
		      char *err)
{
	char term[GZ_MAX_TERM_BYTES + 1];

	if (!value || !*value)
		return GZ_OK;
	schema_filter_term(prefix, value, term, sizeof term);
	if (strlen(term) == strlen(prefix))
		return GZ_OK;
	return xsh_doc_add_boolean_term(d, term, err);
}

/* Set a string value slot unless value is empty. */
static int set_value(struct xsh_doc *d, unsigned slot, const char *value,
		     char *err)
{
	if (!value || !*value)
		return GZ_OK;
	return xsh_doc_set_value(d, slot, value, strlen(value), err);
}

/* Add the date terms and values for the publication time. */
static int add_dates(struct xsh_doc *d, const struct gz_time *t, char *err)
{
	char key[16], term[16], month[8], year[8];
	int rc;

	if (!gz_time_valid(t))
		return GZ_OK;
	gz_time_sortkey(t, key);
	snprintf(term, sizeof term, PFX_DAY "%04d%02d%02d", t->year, t->month, t->day);
	rc = xsh_doc_add_boolean_term(d, term, err);
	snprintf(term, sizeof term, PFX_MONTH "%04d%02d", t->year, t->month);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, term, err);
	snprintf(term, sizeof term, PFX_YEAR "%04d", t->year);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, term, err);
	snprintf(month, sizeof month, "%04d-%02d", t->year, t->month);
	snprintf(year, sizeof year, "%04d", t->year);
	if (!rc)
		rc = set_value(d, SLOT_PUBLISHED, key, err);
	if (!rc)
		rc = set_value(d, SLOT_MONTH, month, err);
	if (!rc)
		rc = set_value(d, SLOT_YEAR, year, err);
	return rc;
}

/* Index a's free text into d through the writer's term generator. */
static int add_text(struct index_writer *w, struct xsh_doc *d,
		    const struct article *a, char *err)
{
	const char *lang = a->language ? a->language : "en";
	size_t i;
	int rc;

	rc = xsh_tg_set_language(w->tg, lang, err);
	if (!rc)
		rc = xsh_tg_set_document(w->tg, d, err);
	if (!rc && a->title) {
		rc = xsh_tg_index_text(w->tg, a->title, strlen(a->title), 1,
				       PFX_TITLE, err);
		if (!rc)
			rc = xsh_tg_increase_termpos(w->tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(w->tg, a->title, strlen(a->title),
					       TITLE_WDF, "", err);
	}
	if (!rc && a->description) {
		rc = xsh_tg_increase_termpos(w->tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(w->tg, a->description,
					       strlen(a->description), 1, "", err);
	}
	for (i = 0; !rc && i < a->n_authors; i++) {
		rc = xsh_tg_increase_termpos(w->tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(w->tg, a->authors[i],
					       strlen(a->authors[i]), 1, "", err);
	}
	if (!rc && a->text) {
		rc = xsh_tg_increase_termpos(w->tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(w->tg, a->text, strlen(a->text), 1, "", err);
	}
	return rc;
}

/* How one document is keyed and marked, beyond the article itself. */
struct index_marks {
	const char *idterm;   /* unique id term */
	const char *hash;     /* content hash, 16 hex digits */
	const char *collapse; /* collapse key, 16 hex digits */
	const char *simhash;  /* SimHash, 16 hex digits, or "" */
	const char *gone;     /* "YYYYMMDD" gone date, or "" when not gone */
};

/*
** Build the whole document for a into *out (the caller frees it), keyed and
** marked as m says.
*/
static int build_doc(struct index_writer *w, const struct article *a,
		     const struct index_marks *m, struct xsh_doc **out,
		     char *err)
{
	struct xsh_doc *d = NULL;
	char host[256], stamp[16], term[GZ_MAX_TERM_BYTES + 1];
	struct gz_time now;
	char *json;
	size_t i;
	int rc;

	*out = NULL;
	json = article_to_json(a, 1);
	if (!json)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	rc = xsh_doc_new(&d, err);
	if (!rc)
		rc = xsh_doc_set_data(d, json, strlen(json), err);
	free(json);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, m->idterm, err);
	if (!rc && a->url && strcmp(a->url, article_key_url(a)) != 0 &&
	    strlen(a->url) + 1 <= GZ_MAX_TERM_BYTES) {
		snprintf(term, sizeof term, "%s%s", PFX_URL, a->url);
		rc = xsh_doc_add_boolean_term(d, term, err);
	}
	if (!rc)
		rc = add_filter(d, PFX_SOURCE, a->source, err);
	if (!rc)
		rc = add_filter(d, PFX_SECTION, a->section, err);
	for (i = 0; !rc && i < a->n_authors; i++)
		rc = add_filter(d, PFX_AUTHOR, a->authors[i], err);
	if (!rc && schema_host(article_key_url(a), host, sizeof host) == 0)
		rc = add_filter(d, PFX_HOST, host, err);
	if (!rc)
		rc = add_filter(d, PFX_LANG, a->language, err);
	if (!rc && m->gone[0])
		rc = xsh_doc_add_boolean_term(d, TERM_GONE, err);
	if (!rc)
		rc = set_value(d, SLOT_GONE, m->gone, err);
	if (!rc)
		rc = add_dates(d, &a->published, err);
	if (!rc)
		rc = set_value(d, SLOT_SOURCE, a->source, err);
	if (!rc)
		rc = set_value(d, SLOT_SECTION, a->section, err);
	if (!rc)
		rc = set_value(d, SLOT_COLLAPSE, m->collapse, err);
	if (!rc)
		rc = set_value(d, SLOT_SIMHASH, m->simhash, err);
	if (!rc)
		rc = set_value(d, SLOT_HASH, m->hash, err);
	gz_time_from_unix(time(NULL), &now);
	gz_time_sortkey(&now, stamp);
	if (!rc)
		rc = set_value(d, SLOT_INDEXED, stamp, err);
	if (!rc)
		rc = add_text(w, d, a, err);
	if (rc) {
		xsh_doc_free(d);
		return rc;
	}
	*out = d;
	return GZ_OK;
}

/* Write d under idterm, freeing d. */
static int write_doc(struct index_writer *w, const char *idterm,
		     struct xsh_doc *d, char *err)
{
	int rc = xsh_wdb_replace(w->wdb, idterm, d, NULL, err);

	xsh_doc_free(d);
	return rc;
}

/*
** Value slot of the document with idterm into *out (caller frees; "" when
** unset).  GZ_OK, GZ_ENOTFOUND when no document has idterm, index errors.
*/
static int index_doc_value(struct index_writer *w, const char *idterm,
			   unsigned slot, char **out, char *err)
{
	unsigned docid;
	int rc;

	*out = NULL;
	rc = xsh_wdb_find_term(w->wdb, idterm, &docid, err);
	if (rc)
		return rc;
	return xsh_wdb_get_value(w->wdb, docid, slot, out, NULL, err);
}

/*
** Set *dup to 1 when a document other than key holds exactly the content
** hash, as the gazette.hash.* map says and that document's SLOT_HASH
** confirms, else 0.  GZ_OK or an index error.
*/
static int index_is_duplicate(struct index_writer *w, const char *key,
			      const char *hash, int *dup, char *err)
{
	char mkey[64], other_id[GZ_MAX_TERM_BYTES + 1];
	char *other = NULL, *val = NULL;
	int rc;

	*dup = 0;
	snprintf(mkey, sizeof mkey, "%s%s", META_HASH_PREFIX, hash);
	rc = xsh_wdb_get_metadata(w->wdb, mkey, &other, NULL, err);
	if (rc)
		return rc;
	if (other[0] && strcmp(other, key) != 0 &&
	    schema_idterm(other, other_id, sizeof other_id) == 0) {
		rc = index_doc_value(w, other_id, SLOT_HASH, &val, err);
		if (rc == GZ_OK && strcmp(val, hash) == 0)
			*dup = 1;
		if (rc == GZ_ENOTFOUND)
			rc = GZ_OK;
	}
	free(val);
	free(other);
	return rc;
}

int index_put(struct index_writer *w, const struct article *a,
	      enum index_put_result *res, char *err)
{
	char idterm[GZ_MAX_TERM_BYTES + 1], hash[17], collapse[17], sh[17];
	char mkey[64];
	struct index_marks m;
	struct xsh_doc *d;
	const char *key;
	char *old = NULL, *gone = NULL;
	unsigned docid;
	int rc, exists, dup;
	uint64_t simh;

	if (!w || !a)
		return gz_fail(err, GZ_EINVAL, "index_put: no writer or article");
	key = article_key_url(a);
	if (schema_idterm(key, idterm, sizeof idterm) < 0)
		return gz_fail(err, GZ_EINVAL, "article has no URL");
	content_hash(a, hash);
	rc = xsh_wdb_find_term(w->wdb, idterm, &docid, err);
	if (rc && rc != GZ_ENOTFOUND)
		return rc;
	exists = rc == GZ_OK;
	if (exists) {
		rc = xsh_wdb_get_value(w->wdb, docid, SLOT_HASH, &old, NULL, err);
		if (!rc)
			rc = xsh_wdb_get_value(w->wdb, docid, SLOT_GONE, &gone,
					       NULL, err);
		if (!rc && strcmp(old, hash) == 0 && !gone[0]) {
			free(old);
			free(gone);
			if (res)
				*res = INDEX_UNCHANGED;
			return GZ_OK;
		}
		free(old);
		free(gone);
		if (rc)
			return rc;
	} else {
		rc = index_is_duplicate(w, key, hash, &dup, err);
		if (rc)
			return rc;
		if (dup) {
			if (res)
				*res = INDEX_DUPLICATE;
			return GZ_OK;
		}
	}
	simh = index_simhash(a);
	rc = index_cluster(w, simh, key, collapse, err);
	if (rc)
		return rc;
	gz_hash_hex(simh, sh);
	m.idterm = idterm;
	m.hash = hash;
	m.collapse = collapse;
	m.simhash = simh ? sh : "";
	m.gone = "";
	rc = build_doc(w, a, &m, &d, err);
	if (!rc)
		rc = write_doc(w, idterm, d, err);
	snprintf(mkey, sizeof mkey, "%s%s", META_HASH_PREFIX, hash);
	if (!rc)
		rc = xsh_wdb_set_metadata(w->wdb, mkey, key, strlen(key), err);
	if (!rc && res)
		*res = exists ? INDEX_UPDATED : INDEX_NEW;
	return rc;
}

int index_mark_gone_at(struct index_writer *w, const char *url, time_t when,
		       int *changed, char *err)
{
	char idterm[GZ_MAX_TERM_BYTES + 1], hash[17], day[16];
	struct index_marks m;
	struct article a;
	struct gz_time t;
	struct xsh_doc *d;
	char *data = NULL, *gone = NULL, *collapse = NULL, *sh = NULL;
	size_t len;
	unsigned docid;
	int rc;

	if (changed)
		*changed = 0;
	if (!w || schema_idterm(url, idterm, sizeof idterm) < 0)
		return gz_fail(err, GZ_EINVAL, "index_mark_gone: no writer or URL");
	rc = xsh_wdb_find_term(w->wdb, idterm, &docid, err);
	if (rc == GZ_ENOTFOUND)
		return gz_fail(err, rc, "%s: not in the index", url);
	if (!rc)
		rc = xsh_wdb_get_value(w->wdb, docid, SLOT_GONE, &gone, NULL, err);
	if (!rc && gone[0]) {
		free(gone);
		return GZ_OK; /* already marked: keep the first date */
	}
	if (!rc)
		rc = xsh_wdb_get_value(w->wdb, docid, SLOT_COLLAPSE, &collapse,
				       NULL, err);
	if (!rc)
		rc = xsh_wdb_get_value(w->wdb, docid, SLOT_SIMHASH, &sh, NULL, err);
	if (!rc)
		rc = xsh_wdb_get_data(w->wdb, docid, &data, &len, err);
	article_init(&a);
	if (!rc)
		rc = article_from_json(data, len, &a, err);
	free(data);
	if (!rc) {
		gz_time_from_unix(when, &t);
		snprintf(day, sizeof day, "%04d%02d%02d", t.year, t.month, t.day);
		content_hash(&a, hash);
		m.idterm = idterm;
		m.hash = hash;
		m.collapse = collapse;
		m.simhash = sh;
		m.gone = day;
		rc = build_doc(w, &a, &m, &d, err);
	}
	if (!rc)
		rc = write_doc(w, idterm, d, err);
	if (!rc && changed)
		*changed = 1;
	article_free(&a);
	free(gone);
	free(collapse);
	free(sh);
	return rc;
}

int index_mark_gone(struct index_writer *w, const char *url, char *err)
{
	return index_mark_gone_at(w, url, time(NULL), NULL, err);
}

/* ------------------------------------------------------------ URL state */

void index_url_state_init(struct index_url_state *s)
{
	memset(s, 0, sizeof *s);
}

void index_url_state_free(struct index_url_state *s)
{
	free(s->etag);
	free(s->last_modified);
	free(s->doc_url);
	index_url_state_init(s);
}

void index_url_key(const char *prefix, const char *url, char *out, size_t n)
{
	char h1[17], h2[17];
	size_t len = strlen(url);

	gz_hash_hex(gz_hash64(url, len, 0), h1);
	gz_hash_hex(gz_hash64(url, len, 0x9e3779b97f4a7c15ULL), h2);
	snprintf(out, n, "%s%s%s", prefix, h1, h2);
}

/* s when it can be stored in one tab-separated field, else "". */
static const char *index_field(const char *s)
{
	if (!s || strpbrk(s, "\t\r\n"))
		return "";
	return s;
}

char *index_url_state_format(const char *url, const struct index_url_state *s)
{
	struct buf b;

	buf_init(&b, 4 * GZ_MAX_URL_LEN + 4096);
	if (buf_addf(&b, "v1\t%s\t%lld\t%d\t%d\t%lld\t%s\t%s\t%s\t%s",
		     index_field(url), s->fetched, s->status, s->failures,
		     s->gone, index_field(s->body_hash), index_field(s->etag),
		     index_field(s->last_modified),
		     index_field(s->doc_url)) != GZ_OK) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The decimal number in f[0..n); sets *bad (and returns 0) when it is not one. */
static long long index_num(const char *f, size_t n, int *bad)
{
	long long v = 0;
	size_t i = 0;
	int neg = 0;

	if (n && f[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		*bad = 1;
	for (; i < n; i++) {
		if (f[i] < '0' || f[i] > '9' || v > (1LL << 56)) {
			*bad = 1;
			return 0;
		}
		v = v * 10 + (f[i] - '0');
	}
	return neg ? -v : v;
}

/* A copy of f[0..n) into *out, NULL when empty.  GZ_OK or GZ_ENOMEM. */
static int index_strfield(const char *f, size_t n, char **out)
{
	*out = NULL;
	if (n == 0)
		return GZ_OK;
	*out = strndup(f, n);
	return *out ? GZ_OK : GZ_ENOMEM;
}

int index_url_state_parse(const char *text, const char *url,
			  struct index_url_state *out, char *err)
{
	const char *f[10];
	size_t n[10], k = 0;
	const char *p = text;
	int bad = 0, rc;

	index_url_state_free(out);
	while (k < 10) {
		const char *tab = strchr(p, '\t');

		f[k] = p;
		n[k] = tab ? (size_t)(tab - p) : strlen(p);
		k++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (k != 10 || n[0] != 2 || memcmp(f[0], "v1", 2) != 0)
		return gz_fail(err, GZ_EPARSE, "crawl state: not a v1 record");
	if (url && (strlen(url) != n[1] || memcmp(url, f[1], n[1]) != 0))
		return gz_fail(err, GZ_ENOTFOUND, "crawl state: another URL");
	out->fetched = index_num(f[2], n[2], &bad);
	out->status = (int)index_num(f[3], n[3], &bad);
	out->failures = (int)index_num(f[4], n[4], &bad);
	out->gone = index_num(f[5], n[5], &bad);
	if (bad || (n[6] != 0 && n[6] != 16))
		return gz_fail(err, GZ_EPARSE, "crawl state: bad number or hash");
	memcpy(out->body_hash, f[6], n[6]);
	out->body_hash[n[6]] = '\0';
	rc = index_strfield(f[7], n[7], &out->etag);
	if (!rc)
		rc = index_strfield(f[8], n[8], &out->last_modified);
	if (!rc)
		rc = index_strfield(f[9], n[9], &out->doc_url);
	if (rc) {
		index_url_state_free(out);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	return GZ_OK;
}

int index_url_state_get(struct index_writer *w, const char *url,
			struct index_url_state *out, char *err)
{
	char key[64];
	char *val = NULL;
	int rc;

	index_url_state_free(out);
	if (!w || !url || !*url)
		return gz_fail(err, GZ_EINVAL, "index_url_state_get: no URL");
	index_url_key(META_URL_PREFIX, url, key, sizeof key);
	rc = xsh_wdb_get_metadata(w->wdb, key, &val, NULL, err);
	if (rc)
		return rc;
	if (!val[0])
		rc = gz_fail(err, GZ_ENOTFOUND, "no crawl state");
	else
		rc = index_url_state_parse(val, url, out, err);
	free(val);
	if (rc == GZ_EPARSE)
		rc = GZ_ENOTFOUND; /* an unreadable record is no record */
	return rc;
}

int index_url_state_put(struct index_writer *w, const char *url,
			const struct index_url_state *s, char *err)
{
	char key[64];
	char *val;
	int rc;

	if (!w || !url || !*url || strpbrk(url, "\t\r\n"))
		return gz_fail(err, GZ_EINVAL, "index_url_state_put: bad URL");
	val = index_url_state_format(url, s);
	if (!val)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	index_url_key(META_URL_PREFIX, url, key, sizeof key);
	rc = xsh_wdb_set_metadata(w->wdb, key, val, strlen(val), err);
	free(val);
	return rc;
}

int index_commit(struct index_writer *w, char *err)
{
	if (!w)
		return gz_fail(err, GZ_EINVAL, "index_commit: no writer");
	return xsh_wdb_commit(w->wdb, err);
}

int index_doccount(struct index_writer *w, unsigned *out, char *err)
{
	if (!w)
		return gz_fail(err, GZ_EINVAL, "index_doccount: no writer");
	return xsh_wdb_doccount(w->wdb, out, err);
}

int index_set_meta(struct index_writer *w, const char *key, const char *value,
		   char *err)
{
	if (!w || !key)
		return gz_fail(err, GZ_EINVAL, "index_set_meta: no writer or key");
	return xsh_wdb_set_metadata(w->wdb, key, value ? value : "",
				    value ? strlen(value) : 0, err);
}

int index_get_meta(struct index_writer *w, const char *key, char **out,
		   char *err)
{
	if (!w || !key || !out)
		return gz_fail(err, GZ_EINVAL, "index_get_meta: bad arguments");
	return xsh_wdb_get_metadata(w->wdb, key, out, NULL, err);
}

int index_close(struct index_writer *w, char *err)
{
	int rc;

	if (!w)
		return GZ_OK;
	rc = xsh_wdb_commit(w->wdb, err);
	xsh_tg_free(w->tg);
	xsh_wdb_close(w->wdb);
	free(w);
	return rc;
}
