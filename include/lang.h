/*
** lang.h — the language of a text, so that the indexer picks the right
** stemmer (or CJK n-grams).
**
** Scripts decide first: kana means Japanese, hangul Korean, han characters
** alone Chinese; Cyrillic, Greek, Arabic, Hebrew, Thai and Devanagari give
** ru, el, ar, he, th and hi.  Latin-script text is matched against
** stop-word profiles of English, French, German, Spanish, Italian,
** Portuguese and Dutch.  Codes are lower-case ISO 639-1.
*/
#ifndef GZ_LANG_H
#define GZ_LANG_H

#include <stddef.h>

#define LANG_SAMPLE_BYTES 20000 /* bytes of text looked at */

/* What lang_guess found. */
struct lang_guess {
	const char *code; /* static ISO 639-1 code, or NULL when unsure */
	int strong;       /* 1 when the evidence is overwhelming */
	int script;       /* 1 when decided by script, 0 by stop words */
};

/*
** Guess the language of UTF-8 text[0..n) (only the first
** LANG_SAMPLE_BYTES are read) into *out.  Returns out->code.
*/
const char *lang_guess(const char *text, size_t n, struct lang_guess *out);

/*
** The language to record for a page whose markup says markup (an ISO code
** or NULL) and whose body is text[0..n): the markup, unless the text
** strongly contradicts it (another script, or another Latin-script
** language by a wide margin), else the text's guess.  Sets *from_text
** when the result comes from the text.  Static string or NULL.
*/
const char *lang_choose(const char *markup, const char *text, size_t n,
			int *from_text);

/*
** Write the lower-case primary subtag of a language tag ("en-US" -> "en",
** "zh_CN" -> "zh") into out.  1 on success, 0 when v is not a tag.
*/
int lang_from_tag(const char *v, char out[4]);

#endif /* GZ_LANG_H */
