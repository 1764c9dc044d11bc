/*
** article.h — one news article, the currency between extract and index.
**
** Every string member is either NULL or a malloc'd, NUL-terminated, valid
** UTF-8 string owned by the struct; article_free() releases them all.
** The extractor fills it, the indexer reads it, and the search side rebuilds
** it from the stored document data (article_from_json).
*/
#ifndef GZ_ARTICLE_H
#define GZ_ARTICLE_H

#include <stddef.h>
#include "gztime.h"

#define ARTICLE_MAX_AUTHORS 16 /* authors kept per article; more are dropped */

struct article {
	char *url; /* URL the page was fetched from (or given for a file) */
	char *canonical_url; /* rel=canonical / og:url, resolved; NULL if none */
	char *title;         /* headline */
	char *source;        /* outlet name, e.g. "Global Times" */
	char *section;       /* e.g. "Viewpoint" */
	char *authors[ARTICLE_MAX_AUTHORS]; /* bylines, n_authors of them */
	size_t n_authors;                   /* number of authors[] in use */
	char *language;    /* lower-case ISO 639-1 code, e.g. "en", "zh" */
	char *description; /* standfirst / meta description */
	char *text;        /* body: paragraphs separated by "\n\n" */
	struct gz_time published; /* publication time as stated */
	struct gz_time modified;  /* last modification, if stated */
	char *confidence; /* notes on guessed fields, e.g. "published:text"; may be NULL */
};

/* A string member of struct article and its key in the article's JSON. */
struct article_field {
	const char *key; /* JSON key, e.g. "title" */
	size_t off;      /* offsetof the char * member */
};

/*
** Every string member, in one table, for the readers of the JSON record
** (article_from_json and the searcher's fast record reader), so that a
** member added here is read by both.  ARTICLE_N_STRING_FIELDS entries.
*/
#define ARTICLE_N_STRING_FIELDS 9
extern const struct article_field
	article_string_fields[ARTICLE_N_STRING_FIELDS];

/* Zero every member. */
void article_init(struct article *a);

/* Free every member and zero the struct; safe on an initialised article. */
void article_free(struct article *a);

/*
** Append a copy of name to a->authors unless it is already there (compared
** case-insensitively) or the list is full.  GZ_OK or GZ_ENOMEM.
*/
int article_add_author(struct article *a, const char *name);

/*
** Replace *field (one of a's string members) with a copy of value (which may
** be NULL).  GZ_OK or GZ_ENOMEM.
*/
int article_set(char **field, const char *value);

/*
** The key the index uses to tell articles apart: the canonical URL when
** there is one, else the URL.  Borrowed from a; NULL if neither is set.
*/
const char *article_key_url(const struct article *a);

/*
** Serialise a as a JSON object (the stored document record and the
** extract --json output) into a malloc'd string the caller frees.
** Returns NULL on allocation failure.  `with_text` includes the body.
*/
char *article_to_json(const struct article *a, int with_text);

/*
** Rebuild *a (initialised by the caller) from JSON made by article_to_json.
** GZ_OK, GZ_EPARSE (message in err) or GZ_ENOMEM.
*/
int article_from_json(const char *json, size_t len, struct article *a,
		      char *err);

#endif /* GZ_ARTICLE_H */
