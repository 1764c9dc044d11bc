/*
** textpage.h — plain-text articles, read as the extractor reads a page.
**
** An archive's articles are not all HTML: exports and clippings come as
** plain text, headline first.  textpage_to_html() wraps such a text in the
** HTML extract_html() expects, so that it gets the same treatment: title,
** visible "Source:" and date lines, language, body.
*/
#ifndef GZ_TEXTPAGE_H
#define GZ_TEXTPAGE_H

#include <stddef.h>

#include "buf.h"

/*
** Append to out the HTML for the plain-text article text[0..len): the
** first line that is not blank is the headline (<title> and <h1>); each
** run of lines up to a blank line is a paragraph (<p>); &, < and > are
** escaped, and NUL bytes dropped.  The HTML declares UTF-8 when the text
** is valid UTF-8, and otherwise leaves the charset to the extractor's
** detection.  GZ_OK, or what buf_add returns (out's cap reached, or out
** of memory); out then holds part of the page.
*/
int textpage_to_html(const char *text, size_t len, struct buf *out);

/*
** Whether the file name says plain text (".txt", any case).
*/
int textpage_name(const char *name);

#endif /* GZ_TEXTPAGE_H */
