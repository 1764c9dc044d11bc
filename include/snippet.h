/*
** snippet.h — snippets of stored text around a query's matches.
**
** A snippet is a window of about `length` bytes of an article's text with
** the most distinct query words in it (then the most matches), cut at
** word boundaries (never inside a UTF-8 character), HTML-escaped (&, <,
** >; white space as the text has it), each match between
** <mark> and </mark>, and "…" where text was cut off at either end: the
** form Xapian's MSet::snippet gives, without its per-word database
** look-ups.
**
** Words are matched as Xapian's term generator makes terms: lower-cased
** runs of letters, digits and "_", with an apostrophe, "&" or "·" inside a
** word and "." or "," between digits kept; each character of Chinese,
** Japanese or Korean text is a word of its own, and a pair of such
** characters matches a query's bigram.  A text word matches a query term
** "word" when it is that word lower-cased, and a term "Zstem" when the
** stemmer turns it into stem.  Terms with other prefixes (fields,
** filters) are not looked for in the text.
**
** Threads: terms are read-only once built and may be shared; a cache is
** not thread-safe (one per thread).
*/
#ifndef GZ_SNIPPET_H
#define GZ_SNIPPET_H

#include <stddef.h>

#define SNIPPET_EMPTY_WITHOUT_MATCH 0x01 /* "" when no word matches */

#define SNIPPET_MAX_WORD \
	240 /* longer words never match (Xapian's term limit) */
#define SNIPPET_CACHE_SLOTS \
	8192 /* stems one cache keeps before starting over */

struct snippet_terms; /* a query's words and stems */
struct snippet_cache; /* word -> stem, for one stemmer */

/*
** How to lower-case non-ASCII words and stem words, for one language.
** lower: len bytes of a UTF-8 word into out (size n), NUL-terminated;
** returns the length, or -1 (the word then matches nothing).  stem: a
** lower-cased word, same contract.  Either may be NULL (ASCII folding
** only; no stems match).  ctx is passed to both.  keeps_initial: set
** when stem never changes a word's first letter if it is ASCII (true of
** the Snowball stemmers that only take suffixes off, such as English's),
** so that a word whose first letter starts no query stem is not stemmed.
*/
struct snippet_lang {
	long (*lower)(void *ctx, const char *w, size_t len, char *out,
		      size_t n);
	long (*stem)(void *ctx, const char *w, size_t len, char *out, size_t n);
	void *ctx;
	int keeps_initial;
};

/* A new, empty term set into *out (the caller's, to free with
** snippet_terms_free).  GZ_OK or GZ_ENOMEM. */
int snippet_terms_new(struct snippet_terms **out);

/*
** Add one Xapian query term (len bytes, copied): "word" (no prefix) or
** "Zstem"; any other term is ignored, as is a term already there.  GZ_OK
** or GZ_ENOMEM.
*/
int snippet_terms_add(struct snippet_terms *t, const char *term, size_t len);

/*
** Add a word prefix (len bytes, lower-case UTF-8, copied), from a wildcard
** "prefix*" of the query: every word that starts with it matches, as one
** query word.  A prefix already there, or empty, is ignored.  GZ_OK or
** GZ_ENOMEM.
*/
int snippet_terms_add_prefix(struct snippet_terms *t, const char *prefix,
			     size_t len);

/* Number of terms kept (words, stems and prefixes). */
size_t snippet_terms_count(const struct snippet_terms *t);

/* Free t; NULL is a no-op. */
void snippet_terms_free(struct snippet_terms *t);

/* A new, empty stem cache into *out (the caller's, to free with
** snippet_cache_free).  GZ_OK or GZ_ENOMEM. */
int snippet_cache_new(struct snippet_cache **out);

/* Free c; NULL is a no-op. */
void snippet_cache_free(struct snippet_cache *c);

/*
** The snippet of len bytes of UTF-8 text for terms t, at most about
** length bytes of text (plus markup, escapes and "…"), into *out
** (malloc'd, the caller's).  lang lower-cases and stems (may be NULL);
** cache (may be NULL) remembers lang's stems between calls and must be
** used with one lang only.  Without any match: with
** SNIPPET_EMPTY_WITHOUT_MATCH "", else the start of the text.  GZ_OK,
** GZ_EINVAL on NULL arguments, GZ_ENOMEM.
*/
int snippet_make(const struct snippet_terms *t, const char *text, size_t len,
		 size_t length, const struct snippet_lang *lang,
		 struct snippet_cache *cache, int flags, char **out);

#endif /* GZ_SNIPPET_H */
