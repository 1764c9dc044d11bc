/*
** article.c — the article record and its JSON form.  See article.h.
**
** JSON layout (one object, keys in this order):
**   url, canonical_url, title, source, section  strings, absent when NULL
**   authors                                     array of strings, always
**   language, description                       strings, absent when NULL
**   text                                        string, only with_text
**   published, modified                         ISO 8601 via gz_time_iso(),
**                                               "" when unknown
**   confidence                                  string, absent when NULL
** article_from_json() also accepts null for any string member and a missing
** "published"/"modified", so that the two functions round-trip exactly: a
** NULL member stays NULL and "" stays "".  A time with no hour keeps no
** zone (gz_time_iso() writes the date alone).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "article.h"
#include "buf.h"
#include "gz_err.h"

void article_init(struct article *a)
{
	memset(a, 0, sizeof *a);
}

void article_free(struct article *a)
{
	size_t i;

	free(a->url);
	free(a->canonical_url);
	free(a->title);
	free(a->source);
	free(a->section);
	for (i = 0; i < a->n_authors && i < ARTICLE_MAX_AUTHORS; i++)
		free(a->authors[i]);
	free(a->language);
	free(a->description);
	free(a->text);
	free(a->confidence);
	memset(a, 0, sizeof *a);
}

int article_add_author(struct article *a, const char *name)
{
	size_t i;
	char *copy;

	if (!name)
		return GZ_OK;
	for (i = 0; i < a->n_authors; i++)
		if (strcasecmp(a->authors[i], name) == 0)
			return GZ_OK;
	if (a->n_authors >= ARTICLE_MAX_AUTHORS)
		return GZ_OK;
	copy = strdup(name);
	if (!copy)
		return GZ_ENOMEM;
	a->authors[a->n_authors++] = copy;
	return GZ_OK;
}

int article_set(char **field, const char *value)
{
	return str_set(field, value);
}

const char *article_key_url(const struct article *a)
{
	if (a->canonical_url && a->canonical_url[0])
		return a->canonical_url;
	return a->url;
}

/*
** Add key: value to obj when value is not NULL.  Returns 0 on success, -1
** when jansson could not build the string (no memory, bad UTF-8).
*/
static int art_put_str(json_t *obj, const char *key, const char *value)
{
	json_t *s;

	if (!value)
		return 0;
	s = json_string(value);
	if (!s)
		return -1;
	return json_object_set_new(obj, key, s) == 0 ? 0 : -1;
}

/* Add key: ISO string of t ("" when t holds no date).  0 or -1. */
static int art_put_time(json_t *obj, const char *key, const struct gz_time *t)
{
	char iso[GZ_TIME_ISOLEN];

	gz_time_iso(t, iso);
	return art_put_str(obj, key, iso);
}

char *article_to_json(const struct article *a, int with_text)
{
	json_t *obj, *authors, *s;
	char *out = NULL;
	size_t i;
	int bad = 0;

	obj = json_object();
	authors = json_array();
	if (!obj || !authors) {
		json_decref(obj);
		json_decref(authors);
		return NULL;
	}
	bad |= art_put_str(obj, "url", a->url);
	bad |= art_put_str(obj, "canonical_url", a->canonical_url);
	bad |= art_put_str(obj, "title", a->title);
	bad |= art_put_str(obj, "source", a->source);
	bad |= art_put_str(obj, "section", a->section);
	for (i = 0; i < a->n_authors && i < ARTICLE_MAX_AUTHORS; i++) {
		s = json_string(a->authors[i]);
		if (!s || json_array_append_new(authors, s) != 0)
			bad = -1;
	}
	if (json_object_set_new(obj, "authors", authors) != 0)
		bad = -1;
	bad |= art_put_str(obj, "language", a->language);
	bad |= art_put_str(obj, "description", a->description);
	if (with_text)
		bad |= art_put_str(obj, "text", a->text);
	bad |= art_put_time(obj, "published", &a->published);
	bad |= art_put_time(obj, "modified", &a->modified);
	bad |= art_put_str(obj, "confidence", a->confidence);
	if (!bad)
		out = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	return out;
}

/*
** Copy obj[key] into *field: absent or null leaves NULL, a string is
** copied, anything else is a parse error.
*/
static int art_get_str(json_t *obj, const char *key, char **field, char *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return GZ_OK;
	if (!json_is_string(v))
		return gz_fail(err, GZ_EPARSE,
			       "article JSON: %s is not a string", key);
	return article_set(field, json_string_value(v));
}

/* Parse obj[key] as an ISO time into *t; absent or "" leaves it empty. */
static int art_get_time(json_t *obj, const char *key, struct gz_time *t,
			char *err)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	memset(t, 0, sizeof *t);
	if (!v || json_is_null(v))
		return GZ_OK;
	if (!json_is_string(v))
		return gz_fail(err, GZ_EPARSE,
			       "article JSON: %s is not a string", key);
	s = json_string_value(v);
	if (!s[0])
		return GZ_OK;
	if (gz_time_parse_iso(s, t) != GZ_OK) {
		memset(t, 0, sizeof *t);
		return gz_fail(err, GZ_EPARSE, "article JSON: bad %s date",
			       key);
	}
	return GZ_OK;
}

const struct article_field article_string_fields[ARTICLE_N_STRING_FIELDS] = {
	{ "url", offsetof(struct article, url) },
	{ "canonical_url", offsetof(struct article, canonical_url) },
	{ "title", offsetof(struct article, title) },
	{ "source", offsetof(struct article, source) },
	{ "section", offsetof(struct article, section) },
	{ "language", offsetof(struct article, language) },
	{ "description", offsetof(struct article, description) },
	{ "text", offsetof(struct article, text) },
	{ "confidence", offsetof(struct article, confidence) },
};

int article_from_json(const char *json, size_t len, struct article *a,
		      char *err)
{
	const struct article_field *fields = article_string_fields;
	json_error_t jerr;
	json_t *root, *authors, *v;
	size_t i;
	int rc = GZ_OK;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return gz_fail(err, GZ_EPARSE, "article JSON: %s (line %d)",
			       jerr.text, jerr.line);
	if (!json_is_object(root)) {
		json_decref(root);
		return gz_fail(err, GZ_EPARSE, "article JSON: not an object");
	}
	for (i = 0; rc == GZ_OK && i < ARTICLE_N_STRING_FIELDS; i++)
		rc = art_get_str(root, fields[i].key,
				 (char **)((char *)a + fields[i].off), err);
	authors = json_object_get(root, "authors");
	if (rc == GZ_OK && authors && !json_is_null(authors)) {
		if (!json_is_array(authors))
			rc = gz_fail(err, GZ_EPARSE,
				     "article JSON: authors is not an array");
		json_array_foreach(authors, i, v)
		{
			if (rc != GZ_OK)
				break;
			if (!json_is_string(v))
				rc = gz_fail(
					err, GZ_EPARSE,
					"article JSON: author is not a string");
			else
				rc = article_add_author(a,
							json_string_value(v));
		}
	}
	if (rc == GZ_OK)
		rc = art_get_time(root, "published", &a->published, err);
	if (rc == GZ_OK)
		rc = art_get_time(root, "modified", &a->modified, err);
	if (rc == GZ_ENOMEM)
		gz_fail(err, rc, "article JSON: out of memory");
	json_decref(root);
	return rc;
}
