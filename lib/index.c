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
** Documents become visible and durable at index_commit.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gz_limits.h"
#include "hash.h"
#include "index.h"
#include "schema.h"
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

/*
** The near-duplicate key: a hash of the title's and the body's first words,
** lower-cased, ignoring punctuation, so that a wire story syndicated under
** several outlets folds into one hit.  16 hex digits into out.
*/
static void collapse_key(const struct article *a, char *out)
{
	const char *texts[2] = { a->title ? a->title : "", a->text ? a->text : "" };
	uint64_t h = 0;
	int words = 0, t;

	for (t = 0; t < 2; t++) {
		const unsigned char *p = (const unsigned char *)texts[t];
		int limit = t == 0 ? 1000 : 60;
		int in_word = 0, n = 0;

		while (*p && n < limit) {
			unsigned char c = *p++;

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
				h = gz_hash64(&c, 1, h);
				in_word = 1;
			} else if (in_word) {
				h = gz_hash64(" ", 1, h);
				in_word = 0;
				n++;
			}
		}
		words += n;
	}
	if (words == 0)
		h = gz_hash64(a->url ? a->url : "", a->url ? strlen(a->url) : 0, h);
	gz_hash_hex(h, out);
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

/*
** Build the whole document for a into *out (the caller frees it), with
** idterm as its unique id, hash as its content hash and, when gone, the
** gone marker.
*/
static int build_doc(struct index_writer *w, const struct article *a,
		     const char *idterm, const char *hash, int gone,
		     struct xsh_doc **out, char *err)
{
	struct xsh_doc *d = NULL;
	char host[256], key[17], stamp[16], term[GZ_MAX_TERM_BYTES + 1];
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
		rc = xsh_doc_add_boolean_term(d, idterm, err);
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
	if (!rc && gone)
		rc = xsh_doc_add_boolean_term(d, TERM_GONE, err);
	if (!rc)
		rc = add_dates(d, &a->published, err);
	if (!rc)
		rc = set_value(d, SLOT_SOURCE, a->source, err);
	if (!rc)
		rc = set_value(d, SLOT_SECTION, a->section, err);
	collapse_key(a, key);
	if (!rc)
		rc = set_value(d, SLOT_COLLAPSE, key, err);
	if (!rc)
		rc = set_value(d, SLOT_HASH, hash, err);
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

int index_put(struct index_writer *w, const struct article *a,
	      enum index_put_result *res, char *err)
{
	char idterm[GZ_MAX_TERM_BYTES + 1], hash[17];
	struct xsh_doc *d;
	char *old = NULL;
	unsigned docid;
	int rc, exists;

	if (!w || !a)
		return gz_fail(err, GZ_EINVAL, "index_put: no writer or article");
	if (schema_idterm(article_key_url(a), idterm, sizeof idterm) < 0)
		return gz_fail(err, GZ_EINVAL, "article has no URL");
	content_hash(a, hash);
	rc = xsh_wdb_find_term(w->wdb, idterm, &docid, err);
	if (rc && rc != GZ_ENOTFOUND)
		return rc;
	exists = rc == GZ_OK;
	if (exists) {
		rc = xsh_wdb_get_value(w->wdb, docid, SLOT_HASH, &old, NULL, err);
		if (rc)
			return rc;
		if (strcmp(old, hash) == 0) {
			free(old);
			if (res)
				*res = INDEX_UNCHANGED;
			return GZ_OK;
		}
		free(old);
	}
	rc = build_doc(w, a, idterm, hash, 0, &d, err);
	if (!rc)
		rc = write_doc(w, idterm, d, err);
	if (!rc && res)
		*res = exists ? INDEX_UPDATED : INDEX_NEW;
	return rc;
}

int index_mark_gone(struct index_writer *w, const char *url, char *err)
{
	char idterm[GZ_MAX_TERM_BYTES + 1], hash[17];
	struct article a;
	struct xsh_doc *d;
	char *data = NULL;
	size_t len;
	unsigned docid;
	int rc;

	if (!w || schema_idterm(url, idterm, sizeof idterm) < 0)
		return gz_fail(err, GZ_EINVAL, "index_mark_gone: no writer or URL");
	rc = xsh_wdb_find_term(w->wdb, idterm, &docid, err);
	if (rc == GZ_ENOTFOUND)
		return gz_fail(err, rc, "%s: not in the index", url);
	if (!rc)
		rc = xsh_wdb_get_data(w->wdb, docid, &data, &len, err);
	if (rc)
		return rc;
	article_init(&a);
	rc = article_from_json(data, len, &a, err);
	free(data);
	if (!rc) {
		content_hash(&a, hash);
		rc = build_doc(w, &a, idterm, hash, 1, &d, err);
	}
	if (!rc)
		rc = write_doc(w, idterm, d, err);
	article_free(&a);
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
