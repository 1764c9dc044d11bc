/*
** textpage.c — plain-text articles as HTML for the extractor (textpage.h).
*/
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "gz_err.h"
#include "textpage.h"

/* Append s[0..n) to out with &, < and > escaped and NULs dropped. */
static int textpage_escaped(struct buf *out, const char *s, size_t n)
{
	size_t i, run = 0;
	int rc = GZ_OK;

	for (i = 0; i < n && rc == GZ_OK; i++) {
		const char *esc = s[i] == '&' ? "&amp;"
			: s[i] == '<'         ? "&lt;"
			: s[i] == '>'         ? "&gt;"
			: s[i] == '\0'        ? ""
					      : NULL;

		if (!esc)
			continue;
		rc = buf_add(out, s + run, i - run);
		if (rc == GZ_OK)
			rc = buf_adds(out, esc);
		run = i + 1;
	}
	return rc == GZ_OK ? buf_add(out, s + run, n - run) : rc;
}

/* Whether s[0..n) holds nothing but white space. */
static int textpage_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr(" \t\r\f\v", s[i]))
			return 0;
	return 1;
}

int textpage_to_html(const char *text, size_t len, struct buf *out)
{
	size_t i = 0, end, n;
	int rc, headline = 0, in_p = 0;

	rc = buf_adds(out,
		      charset_utf8_valid(text, len)
			      ? "<!DOCTYPE html><html><head>"
				"<meta charset=\"utf-8\">"
			      : "<!DOCTYPE html><html><head>");
	for (; rc == GZ_OK && i < len; i = end + 1) {
		const char *nl = memchr(text + i, '\n', len - i);

		end = nl ? (size_t)(nl - text) : len;
		n = end - i;
		if (textpage_blank(text + i, n)) {
			if (in_p)
				rc = buf_adds(out, "</p>\n");
			in_p = 0;
			continue;
		}
		if (n && text[i + n - 1] == '\r')
			n--;
		if (!headline) {
			headline = 1;
			rc = buf_adds(out, "<title>");
			if (rc == GZ_OK)
				rc = textpage_escaped(out, text + i, n);
			if (rc == GZ_OK)
				rc = buf_adds(out, "</title></head><body><h1>");
			if (rc == GZ_OK)
				rc = textpage_escaped(out, text + i, n);
			if (rc == GZ_OK)
				rc = buf_adds(out, "</h1>\n");
			continue;
		}
		rc = buf_adds(out, in_p ? "\n" : "<p>");
		in_p = 1;
		if (rc == GZ_OK)
			rc = textpage_escaped(out, text + i, n);
	}
	if (rc == GZ_OK && in_p)
		rc = buf_adds(out, "</p>\n");
	if (rc == GZ_OK)
		rc = buf_adds(out,
			      headline ? "</body></html>\n"
				       : "</head><body></body></html>\n");
	return rc;
}

int textpage_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcasecmp(name + n - 4, ".txt") == 0;
}
