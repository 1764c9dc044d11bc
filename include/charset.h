/*
** charset.h — any page's bytes to valid UTF-8, whatever it claims to be.
**
** The encoding is chosen in this order:
**   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE);
**   2. charset= in the HTTP Content-Type, then <meta charset> or
**      <meta http-equiv=Content-Type> in the first CHARSET_SNIFF_BYTES;
**   3. no declaration: UTF-8 when the bytes are valid UTF-8, else a guess.
** A declaration is checked against the bytes, because pages lie: a page
** declared as a legacy charset whose bytes are valid UTF-8 with multi-byte
** sequences is read as UTF-8; a page declared UTF-8 (or a legacy charset)
** whose bytes do not decode is guessed afresh.  The guess decodes a sample
** with each of GB18030, Big5, Shift_JIS (CP932), EUC-JP, EUC-KR (CP949)
** and counts the most frequent characters of Chinese, Japanese and Korean
** text in the result; when none reads like CJK text it is windows-1252.
** ISO-8859-1 and US-ASCII are read as windows-1252, as browsers do.
**
** The output is always valid UTF-8: bytes that do not decode become
** U+FFFD, NUL and C0 controls other than tab, LF and CR become spaces.
*/
#ifndef GZ_CHARSET_H
#define GZ_CHARSET_H

#include <stddef.h>
#include "buf.h"

#define CHARSET_SNIFF_BYTES 8192  /* bytes searched for <meta charset> */
#define CHARSET_GUESS_BYTES 65536 /* bytes decoded per candidate guess */
#define CHARSET_NAMELEN     32    /* room for a charset name + NUL */

/* How the encoding was chosen. */
enum charset_how {
	CHARSET_DEFAULT = 0, /* nothing declared, valid UTF-8 (or empty) */
	CHARSET_BOM = 1,     /* byte order mark */
	CHARSET_HTTP = 2,    /* Content-Type header */
	CHARSET_META = 3,    /* <meta> in the page */
	CHARSET_GUESSED = 4  /* from the bytes: undeclared or a lie */
};

/*
** The page's text as UTF-8.  ptr points either into the caller's input
** (when it was clean UTF-8 already: nothing copied) or into own; use
** charset_result_free() in both cases.
*/
struct charset_result {
	const char *ptr;            /* UTF-8 text, len bytes (not NUL-terminated
				       ** when it points into the input) */
	size_t len;                 /* bytes at ptr */
	struct buf own;             /* converted copy, when one was needed */
	char name[CHARSET_NAMELEN]; /* encoding used, e.g. "utf-8", "gb18030" */
	char declared[CHARSET_NAMELEN]; /* encoding declared, "" if none */
	enum charset_how how;           /* how name was chosen */
};

/*
** Decode html[0..len) (BOM included) to UTF-8 into *r.  content_type is
** the HTTP header value or NULL.  The converted text is bounded by max
** bytes.  Returns GZ_OK, GZ_ENOMEM or GZ_ETOOBIG; r must be released with
** charset_result_free() whatever the return.
*/
int charset_to_utf8(const char *html, size_t len, const char *content_type,
		    size_t max, struct charset_result *r);

/* Release what r owns; r may then be reused. */
void charset_result_free(struct charset_result *r);

/*
** Find "charset=NAME" in s[0..n) (a Content-Type value or a <meta> tag)
** and write NAME, lower-cased, into out (n_out bytes).  1 when found.
*/
int charset_from_type(const char *s, size_t n, char *out, size_t n_out);

/*
** Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one
** (overlong forms, surrogates and code points past U+10FFFF are invalid).
*/
size_t charset_utf8_seq(const unsigned char *s, size_t n);

/* True when s[0..n) is valid UTF-8. */
int charset_utf8_valid(const char *s, size_t n);

/*
** Append s[0..n) to out as valid UTF-8: invalid sequences become U+FFFD,
** NUL and C0 controls other than tab, LF and CR become spaces.  GZ_OK,
** GZ_ENOMEM or GZ_ETOOBIG.
*/
int charset_sanitise(struct buf *out, const char *s, size_t n);

#endif /* GZ_CHARSET_H */
