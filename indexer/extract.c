/*
** extract.c — from one HTML page to one struct article.  See extract.h.
**
** Pipeline:
**   1. Bound the size (GZ_MAX_PAGE_BYTES, checked before anything else),
**      then decode to UTF-8 with charset_to_utf8() (charset.h: BOM, the
**      Content-Type header, <meta charset>, checked against the bytes so
**      that lying and missing declarations are guessed; clean UTF-8 is not
**      copied).  The result is parsed by htmlReadMemory() as "UTF-8" with
**      EX_PARSE_OPTIONS: NONET, NOERROR, NOWARNING, RECOVER and COMPACT —
**      no network, no DTD, no external entity is ever loaded.
**   2. One iterative walk (explicit stack, GZ_MAX_HTML_DEPTH deep at most)
**      collects metadata and cuts the visible text into paragraphs.
**      Nothing inside comment sections (ids/classes with comment, disqus,
**      respond, reply, discussion) is read, except for links.
**   3. A readability-style score picks the content container: each
**      paragraph of 25+ characters scores 1 + commas + length/100 (at most
**      3) for its block, half for the parent, less further up; class/id
**      hints add or take 25; the score is scaled by 1 - link density.  The
**      best container and its good siblings give the text.  Boilerplate
**      (nav, header, footer, aside, share/related/popular/ad/cookie/
**      newsletter boxes, captions) is left out unless that leaves almost
**      nothing; metadata lines, bylines and link lists are dropped.
**      JSON-LD articleBody replaces the text when the DOM gives clearly less.
**
** Metadata precedence (first source that gives a usable value wins):
**   title      JSON-LD headline > og:title > twitter:title > DC.title >
**              itemprop=headline > meta title/headline > <title> > <h1>
**              (a " - Outlet", " | Outlet" suffix naming the source, the
**              host or og:site_name is stripped from each)
**   published  JSON-LD datePublished > article:published_time >
**              DC.date(.issued)/dcterms.issued/created > itemprop=
**              datePublished > meta date/pubdate/publishdate/parsely-pub-
**              date/sailthru.date/... > <time datetime> (pubdate or
**              itemprop first, then inside article/header, then any) >
**              visible labelled line ("Published: ...") > date-classed
**              element text > date in the URL.  Never after opts->now,
**              never a copyright year; a zone only when stated, or from
**              opts->has_tz when the page gives a time without one.
**   modified   JSON-LD dateModified > article:modified_time/og:updated_time
**              > dcterms.modified > itemprop=dateModified > meta variants >
**              visible "Updated:" line.  Never fills published.
**   authors    JSON-LD author > article:author (not a URL) > DC.creator >
**              itemprop=author > meta author/parsely-author/sailthru.author
**              > byline elements (class byline/author, rel=author) >
**              visible "By A and B" / "Author:" lines.
**   section    JSON-LD articleSection > article:section > itemprop=
**              articleSection > meta section variants > visible "Posted in:",
**              "Section:", "Filed under:", "Category:" lines.
**   source     visible "Source:" line (with a date on the same line or
**              above the text) > og:site_name > JSON-LD publisher.name >
**              DC.publisher/itemprop publisher > opts->default_source >
**              the outlet after the headline in <title> >
**              opts->fallback_source > host name of the URL.
**   language   <html lang> > content-language meta > og:locale > JSON-LD
**              inLanguage > DC.language, unless the body text strongly
**              contradicts it (lang_choose(): another script, or another
**              Latin-script language by a wide margin); else a guess from
**              the text (lang.h: script, then stop words of en, fr, de, es,
**              it, pt, nl).
**   published  (also) dates in visible text in English, French, German,
**              Spanish, Italian and Portuguese (datetext.h); a dateline or
**              byline between the headline and the first paragraph counts;
**              date-classed elements in sidebars outside the article and
**              lines led by "Updated:" do not.
**   description JSON-LD description > og:description > meta description >
**              DC.description > twitter:description.
**   canonical  <link rel=canonical> > og:url, resolved, http(s) only.
** Fields taken from weak sources are noted in article.confidence, e.g.
** "published:text,language:guess"; "charset:NAME" when the declared
** encoding was overruled or missing and NAME was guessed.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "buf.h"
#include "charset.h"
#include "datetext.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "lang.h"

#define EX_MAX_META     1024       /* <meta> tags kept */
#define EX_MAX_VALUE    4096       /* bytes kept of one metadata value */
#define EX_MAX_LD       16         /* JSON-LD scripts parsed */
#define EX_MAX_LD_BYTES (2u << 20) /* largest JSON-LD script parsed */
#define EX_MAX_PARS     200000     /* paragraphs kept per page */
#define EX_MAX_CANDS    16         /* byline / date-element candidates */
#define EX_MIN_PAR      25         /* characters for a paragraph to score */
#define EX_ANCHOR_MAX   512        /* bytes of anchor text passed on */
#define EX_MAX_ALINKS   4096       /* visible links kept for page-kind tests */

/* libxml2's HTML parser: recover from anything, no network, no DTD loading,
** no external entities (the HTML parser never substitutes them), quiet. */
#define EX_PARSE_OPTIONS                                                \
	(HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
	 HTML_PARSE_RECOVER | HTML_PARSE_COMPACT)

/* ---------------------------------------------------------------- tags */

enum ex_tag {
	T_OTHER,
	T_A,
	T_AREA,
	T_ARTICLE,
	T_BASE,
	T_BODY,
	T_BR,
	T_H1,
	T_HEAD,
	T_HEADER,
	T_HTML,
	T_LINK,
	T_LI,
	T_MAIN,
	T_META,
	T_P,
	T_SCRIPT,
	T_TIME,
	T_TITLE,
	T_DIV,
	T_HN,
	T_TD,
	T_QUOTE,
	T_PRE,
	T_LIST,
	T_FIGURE
};

#define TF_BLOCK  1 /* starts and ends a paragraph */
#define TF_SKIP   2 /* never descend (script, style, media, controls) */
#define TF_BOILER 4 /* boilerplate container (nav, aside, footer, ...) */
#define TF_NOTEXT 8 /* descend for metadata, but no visible text */

struct ex_tagdef {
	const char *name; /* lower-case tag name */
	unsigned char id; /* enum ex_tag */
	unsigned char fl; /* TF_* */
};

/* Sorted by name for bsearch. */
static const struct ex_tagdef ex_tags[] = {
	{ "a", T_A, 0 },
	{ "address", T_OTHER, TF_BLOCK },
	{ "area", T_AREA, 0 },
	{ "article", T_ARTICLE, TF_BLOCK },
	{ "aside", T_OTHER, TF_BLOCK | TF_BOILER },
	{ "audio", T_OTHER, TF_SKIP },
	{ "base", T_BASE, 0 },
	{ "blockquote", T_QUOTE, TF_BLOCK },
	{ "body", T_BODY, TF_BLOCK },
	{ "br", T_BR, 0 },
	{ "button", T_OTHER, TF_SKIP },
	{ "canvas", T_OTHER, TF_SKIP },
	{ "caption", T_OTHER, TF_BLOCK },
	{ "center", T_OTHER, TF_BLOCK },
	{ "dd", T_OTHER, TF_BLOCK },
	{ "details", T_OTHER, TF_BLOCK },
	{ "dialog", T_OTHER, TF_BLOCK | TF_BOILER },
	{ "dir", T_LIST, TF_BLOCK },
	{ "div", T_DIV, TF_BLOCK },
	{ "dl", T_LIST, TF_BLOCK },
	{ "dt", T_OTHER, TF_BLOCK },
	{ "embed", T_OTHER, TF_SKIP },
	{ "fieldset", T_OTHER, TF_BLOCK },
	{ "figcaption", T_FIGURE, TF_BLOCK | TF_BOILER },
	{ "figure", T_FIGURE, TF_BLOCK | TF_BOILER },
	{ "footer", T_OTHER, TF_BLOCK | TF_BOILER },
	{ "form", T_OTHER, TF_BLOCK },
	{ "frameset", T_OTHER, TF_SKIP },
	{ "h1", T_H1, TF_BLOCK },
	{ "h2", T_HN, TF_BLOCK },
	{ "h3", T_HN, TF_BLOCK },
	{ "h4", T_HN, TF_BLOCK },
	{ "h5", T_HN, TF_BLOCK },
	{ "h6", T_HN, TF_BLOCK },
	{ "head", T_HEAD, TF_NOTEXT },
	{ "header", T_HEADER, TF_BLOCK | TF_BOILER },
	{ "hgroup", T_OTHER, TF_BLOCK },
	{ "hr", T_OTHER, TF_BLOCK },
	{ "html", T_HTML, TF_BLOCK },
	{ "iframe", T_OTHER, TF_SKIP },
	{ "input", T_OTHER, TF_SKIP },
	{ "legend", T_OTHER, TF_BLOCK },
	{ "li", T_LI, TF_BLOCK },
	{ "link", T_LINK, 0 },
	{ "main", T_MAIN, TF_BLOCK },
	{ "math", T_OTHER, TF_SKIP },
	{ "menu", T_LIST, TF_BLOCK | TF_BOILER },
	{ "meta", T_META, 0 },
	{ "nav", T_OTHER, TF_BLOCK | TF_BOILER },
	{ "noscript", T_OTHER, TF_SKIP },
	{ "object", T_OTHER, TF_SKIP },
	{ "ol", T_LIST, TF_BLOCK },
	{ "option", T_OTHER, TF_SKIP },
	{ "p", T_P, TF_BLOCK },
	{ "pre", T_PRE, TF_BLOCK },
	{ "script", T_SCRIPT, TF_SKIP },
	{ "section", T_OTHER, TF_BLOCK },
	{ "select", T_OTHER, TF_SKIP },
	{ "style", T_OTHER, TF_SKIP },
	{ "summary", T_OTHER, TF_BLOCK },
	{ "svg", T_OTHER, TF_SKIP },
	{ "table", T_OTHER, TF_BLOCK },
	{ "tbody", T_OTHER, TF_BLOCK },
	{ "td", T_TD, TF_BLOCK },
	{ "template", T_OTHER, TF_SKIP },
	{ "textarea", T_OTHER, TF_SKIP },
	{ "tfoot", T_OTHER, TF_BLOCK },
	{ "th", T_OTHER, TF_BLOCK },
	{ "thead", T_OTHER, TF_BLOCK },
	{ "time", T_TIME, 0 },
	{ "title", T_TITLE, TF_SKIP },
	{ "tr", T_OTHER, TF_BLOCK },
	{ "ul", T_LIST, TF_BLOCK },
	{ "video", T_OTHER, TF_SKIP },
};

/* bsearch comparator: a tag name against a table row. */
static int ex_tag_cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct ex_tagdef *)row)->name);
}

/* The table row of element n, or NULL for an unlisted (inline) tag. */
static const struct ex_tagdef *ex_tag(const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE || !n->name)
		return NULL;
	return bsearch(n->name, ex_tags, sizeof ex_tags / sizeof ex_tags[0],
		       sizeof ex_tags[0], ex_tag_cmp);
}

static int ex_tag_id(const xmlNode *n)
{
	const struct ex_tagdef *t = ex_tag(n);

	return t ? t->id : T_OTHER;
}

static int ex_tag_fl(const xmlNode *n)
{
	const struct ex_tagdef *t = ex_tag(n);

	return t ? t->fl : 0;
}

/* ----------------------------------------------------- small helpers */

static int ex_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static int ex_isalnum(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		(ch >= 'A' && ch <= 'Z');
}

/* Case-insensitive (ASCII) search for needle in hay[0..n). */
static const char *ex_memcasemem(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i, j;

	if (k == 0 || k > n)
		return k == 0 ? hay : NULL;
	for (i = 0; i + k <= n; i++) {
		for (j = 0; j < k; j++)
			if (ex_lower((unsigned char)hay[i + j]) !=
			    ex_lower((unsigned char)needle[j]))
				break;
		if (j == k)
			return hay + i;
	}
	return NULL;
}

static const char *ex_strcasestr(const char *hay, const char *needle)
{
	return ex_memcasemem(hay, strlen(hay), needle);
}

/* True when s starts with prefix, ignoring ASCII case. */
static int ex_startcase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Characters (not bytes) in UTF-8 s[0..n). */
static size_t ex_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* The value of attribute name of element n (borrowed), or NULL. */
static const char *ex_attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	if (n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a; a = a->next) {
		if (!a->name || strcasecmp((const char *)a->name, name) != 0)
			continue;
		if (a->children && a->children->type == XML_TEXT_NODE &&
		    a->children->content)
			return (const char *)a->children->content;
		return "";
	}
	return NULL;
}

/* Append code point cp to b as UTF-8 (invalid ones as U+FFFD). */
static int ex_put_cp(struct buf *b, unsigned long cp)
{
	char u[4];

	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80)
		return buf_addc(b, (char)cp);
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		return buf_add(b, u, 2);
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return buf_add(b, u, 3);
	}
	u[0] = (char)(0xF0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return buf_add(b, u, 4);
}

/*
** Append s[0..n) to out with runs of white space (ASCII and U+00A0)
** collapsed to one space, leading and trailing ones dropped and, when
** entities is set, the common HTML entities decoded (JSON-LD strings often
** carry them).
*/
static int ex_clean_into(struct buf *out, const char *s, size_t n, int entities)
{
	static const struct {
		const char *name;
		unsigned cp;
	} ents[] = {
		{ "amp;", '&' },      { "lt;", '<' },
		{ "gt;", '>' },       { "quot;", '"' },
		{ "apos;", '\'' },    { "nbsp;", ' ' },
		{ "#39;", '\'' },     { "rsquo;", 0x2019 },
		{ "lsquo;", 0x2018 }, { "ldquo;", 0x201C },
		{ "rdquo;", 0x201D }, { "mdash;", 0x2014 },
		{ "ndash;", 0x2013 }, { "hellip;", 0x2026 },
	};
	size_t i = 0, start = out->len, k;
	int space = 0, rc = GZ_OK;

	while (i < n && rc == GZ_OK) {
		unsigned char ch = (unsigned char)s[i];
		unsigned long cp = 0;
		int is_ws = ch == ' ' || ch == '\t' || ch == '\n' ||
			ch == '\r' || ch == '\f' || ch == '\v';

		if (ch == 0xC2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xA0) {
			i++;
			is_ws = 1;
		}
		if (is_ws) {
			space = 1;
			i++;
			continue;
		}
		if (space && out->len > start)
			rc = buf_addc(out, ' ');
		space = 0;
		if (rc != GZ_OK)
			break;
		if (entities && ch == '&') {
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
				size_t l = strlen(ents[k].name);

				if (i + 1 + l <= n &&
				    memcmp(s + i + 1, ents[k].name, l) == 0) {
					rc = ents[k].cp == ' '
						? buf_addc(out, ' ')
						: ex_put_cp(out, ents[k].cp);
					i += 1 + l;
					break;
				}
			}
			if (k < sizeof ents / sizeof ents[0])
				continue;
			if (i + 2 < n && s[i + 1] == '#') {
				size_t j = i + 2;
				int hex = s[j] == 'x' || s[j] == 'X';

				if (hex)
					j++;
				while (j < n && j < i + 12 &&
				       ((s[j] >= '0' && s[j] <= '9') ||
					(hex &&
					 ((s[j] >= 'a' && s[j] <= 'f') ||
					  (s[j] >= 'A' && s[j] <= 'F'))))) {
					int d = s[j] <= '9'
						? s[j] - '0'
						: ex_lower(s[j]) - 'a' + 10;

					cp = cp * (hex ? 16 : 10) + (unsigned)d;
					j++;
				}
				if (j < n && s[j] == ';' && j > i + 2 + hex) {
					rc = ex_put_cp(out, cp);
					i = j + 1;
					continue;
				}
			}
		}
		rc = buf_addc(out, (char)ch);
		i++;
	}
	return rc;
}

/* ------------------------------------------------------ class patterns */

#define P_COMMENT 1 /* a comment section: never read */
#define P_STRONG  2 /* boilerplate whatever else the name says */
#define P_WEAK    4 /* boilerplate unless also positive */
#define P_POS     8 /* likely the article */

#define M_SUB  0 /* substring of the class name */
#define M_TOK  1 /* a whole token (split on - _ : .) */
#define M_TOKP 2 /* the start of a token */

struct ex_pat {
	const char *word;   /* lower-case */
	unsigned char mode; /* M_* */
	unsigned char kind; /* P_* */
};

static const struct ex_pat ex_pats[] = {
	{ "comment", M_SUB, P_COMMENT },
	{ "disqus", M_SUB, P_COMMENT },
	{ "discussion", M_SUB, P_COMMENT },
	{ "respond", M_TOK, P_COMMENT },
	{ "reply", M_TOK, P_COMMENT },
	{ "replies", M_TOK, P_COMMENT },
	{ "dsq", M_TOKP, P_COMMENT },
	{ "share", M_SUB, P_STRONG },
	{ "sharing", M_SUB, P_STRONG },
	{ "social", M_SUB, P_STRONG },
	{ "related", M_SUB, P_STRONG },
	{ "popular", M_SUB, P_STRONG },
	{ "mostread", M_SUB, P_STRONG },
	{ "most-read", M_SUB, P_STRONG },
	{ "trending", M_SUB, P_STRONG },
	{ "recommend", M_SUB, P_STRONG },
	{ "cookie", M_SUB, P_STRONG },
	{ "consent", M_SUB, P_STRONG },
	{ "gdpr", M_SUB, P_STRONG },
	{ "newsletter", M_SUB, P_STRONG },
	{ "subscri", M_SUB, P_STRONG },
	{ "signup", M_SUB, P_STRONG },
	{ "sign-up", M_SUB, P_STRONG },
	{ "promo", M_SUB, P_STRONG },
	{ "sponsor", M_SUB, P_STRONG },
	{ "advert", M_SUB, P_STRONG },
	{ "outbrain", M_SUB, P_STRONG },
	{ "taboola", M_SUB, P_STRONG },
	{ "breadcrumb", M_SUB, P_STRONG },
	{ "pagination", M_SUB, P_STRONG },
	{ "pager", M_TOK, P_STRONG },
	{ "sidebar", M_SUB, P_STRONG },
	{ "widget", M_SUB, P_STRONG },
	{ "caption", M_SUB, P_STRONG },
	{ "credit", M_SUB, P_STRONG },
	{ "byline", M_SUB, P_STRONG },
	{ "masthead", M_SUB, P_STRONG },
	{ "toolbar", M_SUB, P_STRONG },
	{ "popup", M_SUB, P_STRONG },
	{ "modal", M_SUB, P_STRONG },
	{ "banner", M_SUB, P_STRONG },
	{ "skip", M_TOKP, P_STRONG },
	{ "sr", M_TOK, P_STRONG },
	{ "visually-hidden", M_SUB, P_STRONG },
	{ "screen-reader", M_SUB, P_STRONG },
	{ "hidden", M_TOK, P_STRONG },
	{ "tags", M_TOK, P_STRONG },
	{ "taglist", M_SUB, P_STRONG },
	{ "tag-list", M_SUB, P_STRONG },
	{ "meta", M_TOK, P_STRONG },
	{ "copyright", M_SUB, P_STRONG },
	{ "disclaimer", M_SUB, P_STRONG },
	{ "rss", M_TOK, P_STRONG },
	{ "login", M_SUB, P_STRONG },
	{ "search", M_TOK, P_STRONG },
	{ "ad", M_TOK, P_STRONG },
	{ "ads", M_TOK, P_STRONG },
	{ "adsense", M_SUB, P_STRONG },
	{ "dfp", M_TOK, P_STRONG },
	{ "author-bio", M_SUB, P_STRONG },
	{ "footnote", M_SUB, P_STRONG },
	{ "nav", M_TOKP, P_WEAK },
	{ "menu", M_TOKP, P_WEAK },
	{ "footer", M_TOKP, P_WEAK },
	{ "foot", M_TOK, P_WEAK },
	{ "header", M_TOKP, P_WEAK },
	{ "head", M_TOK, P_WEAK },
	{ "extra", M_TOK, P_WEAK },
	{ "aside", M_TOK, P_WEAK },
	{ "tool", M_TOKP, P_WEAK },
	{ "links", M_TOK, P_WEAK },
	{ "article", M_SUB, P_POS },
	{ "content", M_SUB, P_POS },
	{ "story", M_SUB, P_POS },
	{ "body", M_SUB, P_POS },
	{ "text", M_SUB, P_POS },
	{ "entry", M_SUB, P_POS },
	{ "post", M_SUB, P_POS },
	{ "main", M_SUB, P_POS },
	{ "blog", M_SUB, P_POS },
};

/* ex_pats[] by first letter, built once per extraction (ex_patidx_init). */
struct ex_patidx {
	unsigned char n[26];     /* patterns starting with 'a' + i */
	unsigned char k[26][24]; /* their indexes in ex_pats[] */
};

/* Fill idx from ex_pats[]. */
static void ex_patidx_init(struct ex_patidx *idx)
{
	size_t k;

	memset(idx, 0, sizeof *idx);
	for (k = 0; k < sizeof ex_pats / sizeof ex_pats[0]; k++) {
		int c = ex_pats[k].word[0] - 'a';

		if (c >= 0 && c < 26 && idx->n[c] < sizeof idx->k[0])
			idx->k[c][idx->n[c]++] = (unsigned char)k;
	}
}

/* True when ch separates the parts of one class name (for M_TOK/M_TOKP). */
static int ex_pat_sep(int ch)
{
	return ch == '-' || ch == '_' || ch == ':' || ch == '.';
}

/*
** The P_* kinds matched by one lower-cased class name nm[0..n): every
** position is tried only against the patterns that start with its letter.
*/
static unsigned ex_classify_one(const struct ex_patidx *idx, const char *nm,
				size_t n)
{
	unsigned mask = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		int c = nm[i] - 'a';
		int at_part = i == 0 || ex_pat_sep(nm[i - 1]);

		if (c < 0 || c >= 26)
			continue;
		for (j = 0; j < idx->n[c]; j++) {
			const struct ex_pat *p = &ex_pats[idx->k[c][j]];
			size_t wl;

			if (mask & p->kind || (p->mode != M_SUB && !at_part))
				continue;
			wl = strlen(p->word);
			if (i + wl > n || memcmp(nm + i, p->word, wl) != 0)
				continue;
			if (p->mode == M_TOK && i + wl < n &&
			    !ex_pat_sep(nm[i + wl]))
				continue;
			mask |= p->kind;
		}
	}
	return mask;
}

/*
** Classify a class or id attribute value: a mask of P_* over its names.
** Names starting with "has-", "no-", "with-" or "is-" describe the page
** state, not the element, and are ignored.
*/
static unsigned ex_classify_names(const struct ex_patidx *idx, const char *v)
{
	char low[256];
	size_t n = 0, i, j;
	unsigned mask = 0;

	if (!v || !v[0])
		return 0;
	while (v[n] && n < sizeof low - 1) {
		low[n] = (char)ex_lower((unsigned char)v[n]);
		n++;
	}
	low[n] = '\0';
	for (i = 0; i < n;) {
		while (i < n &&
		       (low[i] == ' ' || low[i] == '\t' || low[i] == '\n' ||
			low[i] == '\r'))
			i++;
		j = i;
		while (j < n && low[j] != ' ' && low[j] != '\t' &&
		       low[j] != '\n' && low[j] != '\r')
			j++;
		if (j > i && strncmp(low + i, "has-", 4) != 0 &&
		    strncmp(low + i, "no-", 3) != 0 &&
		    strncmp(low + i, "with-", 5) != 0 &&
		    strncmp(low + i, "is-", 3) != 0)
			mask |= ex_classify_one(idx, low + i, j - i);
		i = j;
	}
	return mask;
}

/* P_* mask of element n from its class, id, role and microdata. */
static unsigned ex_classify(const struct ex_patidx *idx, const xmlNode *n)
{
	const char *role = ex_attr(n, "role");
	const char *ip = ex_attr(n, "itemprop");
	const char *it = ex_attr(n, "itemtype");
	unsigned m;

	m = ex_classify_names(idx, ex_attr(n, "class")) |
		ex_classify_names(idx, ex_attr(n, "id"));
	if (role) {
		if (!strcasecmp(role, "navigation") ||
		    !strcasecmp(role, "banner") ||
		    !strcasecmp(role, "contentinfo") ||
		    !strcasecmp(role, "complementary") ||
		    !strcasecmp(role, "menu") || !strcasecmp(role, "menubar") ||
		    !strcasecmp(role, "search") || !strcasecmp(role, "dialog"))
			m |= P_STRONG;
		else if (!strcasecmp(role, "main") ||
			 !strcasecmp(role, "article"))
			m |= P_POS;
	}
	if ((ip && ex_strcasestr(ip, "comment")) ||
	    (it && ex_strcasestr(it, "Comment")))
		m |= P_COMMENT;
	return m;
}

/* True when n is hidden by the hidden attribute or an inline style. */
static int ex_hidden(const xmlNode *n)
{
	const char *st = ex_attr(n, "style");
	char low[128];
	size_t i, k = 0;

	if (ex_attr(n, "hidden"))
		return 1;
	if (!st)
		return 0;
	for (i = 0; st[i] && k < sizeof low - 1; i++)
		if (st[i] != ' ' && st[i] != '\t')
			low[k++] = (char)ex_lower((unsigned char)st[i]);
	low[k] = '\0';
	return strstr(low, "display:none") || strstr(low, "visibility:hidden");
}

/* ------------------------------------------------------------ context */

#define EXM_NOTEXT  1  /* no visible text here */
#define EXM_NOMETA  2  /* no metadata here (comment sections) */
#define EXM_BOILER  4  /* inside boilerplate */
#define EXM_LINK    8  /* inside <a> */
#define EXM_ARTICLE 16 /* inside <article>, <header>, <main>, articleBody */
#define EXM_IAUTHOR 32 /* inside an itemprop=author itemscope */
#define EXM_IPUB    64 /* inside an itemprop=publisher itemscope */

struct ex_frame {
	xmlNode *block; /* innermost block element */
	unsigned mode;  /* EXM_* */
};

struct ex_par {
	size_t off;           /* text at pool.ptr + off */
	size_t len;           /* bytes of text */
	size_t chars;         /* characters of text */
	size_t link;          /* characters inside links */
	xmlNode *owner;       /* innermost block element around it */
	unsigned char tag;    /* ex_tag of owner */
	unsigned char boiler; /* inside boilerplate */
	unsigned char byline; /* inside a byline-classed element */
};

struct ex_info {
	double score; /* readability score */
	size_t text;  /* characters of paragraph text in the subtree */
	size_t link;  /* of which inside links */
	int scored;   /* score initialised */
	int chosen;   /* part of the content */
};

struct ex_meta {
	char *key; /* lower-case name/property ("og:title"), "ip:" + itemprop */
	char *value; /* cleaned content */
};

struct ex_time_cand {
	struct gz_time t; /* parsed time */
	int prio;         /* 3 pubdate/itemprop, 2 in article/header, 1 other */
};

struct ex_ctx {
	const struct extract_opts *opts;
	time_t now;
	xmlDoc *doc;
	int oom; /* an allocation failed */

	struct ex_frame frames[GZ_MAX_HTML_DEPTH + 2];

	struct buf pool;     /* paragraph text */
	struct ex_par *pars; /* paragraphs in document order */
	size_t n_pars, cap_pars;
	struct buf cur;  /* paragraph being built */
	size_t cur_link; /* link characters in cur */
	xmlNode *cur_owner;
	int cur_boiler, cur_byline, cur_br;

	struct ex_info *info; /* per scored element, via node->_private */
	size_t n_info, cap_info;

	struct ex_meta metas[EX_MAX_META];
	size_t n_meta;
	json_t *ld[EX_MAX_LD]; /* parsed JSON-LD scripts */
	size_t n_ld;

	char *html_lang, *base_href, *title_tag, *h1, *canonical;
	char *ip_authors[ARTICLE_MAX_AUTHORS];
	size_t n_ip_authors;
	char *ip_publisher;
	xmlNode *article_body; /* itemprop=articleBody element */
	struct ex_time_cand time_best;
	char *bylines[EX_MAX_CANDS];
	size_t n_bylines;
	char *datetexts[EX_MAX_CANDS];
	size_t n_datetexts;
	size_t n_article_elems;         /* <article> elements */
	size_t n_links;                 /* <a href> elements */
	xmlNode *alinks[EX_MAX_ALINKS]; /* visible <a href> elements */
	size_t n_alinks;
	int og_article;          /* og:type article */
	struct ex_patidx patidx; /* class-name patterns by first letter */
};

/* Record an allocation failure from rc; returns rc. */
static int ex_rc(struct ex_ctx *x, int rc)
{
	if (rc == GZ_ENOMEM)
		x->oom = 1;
	return rc;
}

/*
** Return a malloc'd cleaned copy of s[0..n) (white space collapsed, at most
** EX_MAX_VALUE bytes, entities decoded when asked), or NULL when it is
** empty or memory ran out (x->oom then set).
*/
static char *ex_clean_dup(struct ex_ctx *x, const char *s, size_t n,
			  int entities)
{
	struct buf b;
	char *r;
	int rc;

	if (!s)
		return NULL;
	buf_init(&b, EX_MAX_VALUE * 2);
	if (n > EX_MAX_VALUE)
		n = EX_MAX_VALUE;
	rc = ex_clean_into(&b, s, n, entities);
	if (rc == GZ_ENOMEM) {
		x->oom = 1;
		buf_release(&b);
		return NULL;
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	/* never end inside a UTF-8 sequence cut by the byte bound */
	while (b.len && !charset_utf8_valid(b.ptr, b.len))
		buf_truncate(&b, b.len - 1);
	r = buf_detach(&b, NULL);
	if (!r)
		x->oom = 1;
	return r;
}

/* ex_clean_dup of a NUL-terminated string. */
static char *ex_clean_str(struct ex_ctx *x, const char *s, int entities)
{
	return s ? ex_clean_dup(x, s, strlen(s), entities) : NULL;
}

/*
** The visible text of the subtree at n, cleaned, as a malloc'd string (or
** NULL when empty).  Bounded: at most max bytes and 4096 nodes are read;
** script, style and other skipped elements are left out.
*/
static char *ex_node_text(struct ex_ctx *x, xmlNode *n, size_t max)
{
	struct buf raw;
	xmlNode *c = n->children;
	int depth = 0, visits = 0;
	char *r;

	buf_init(&raw, max);
	if (n->type == XML_TEXT_NODE && n->content)
		buf_adds(&raw, (const char *)n->content);
	while (c && visits++ < 4096 && raw.len < max) {
		if ((c->type == XML_TEXT_NODE ||
		     c->type == XML_CDATA_SECTION_NODE) &&
		    c->content) {
			if (buf_adds(&raw, (const char *)c->content) != GZ_OK)
				break;
		} else if (c->type == XML_ELEMENT_NODE &&
			   !strcmp((const char *)c->name, "br")) {
			buf_addc(&raw, ' ');
		} else if (c->type == XML_ELEMENT_NODE &&
			   (ex_tag_fl(c) & TF_BLOCK)) {
			buf_addc(&raw, ' ');
		}
		if (c->type == XML_ELEMENT_NODE && c->children &&
		    !(ex_tag_fl(c) & TF_SKIP) && depth < 64) {
			c = c->children;
			depth++;
			continue;
		}
		while (c && !c->next && depth > 0) {
			c = c->parent;
			depth--;
		}
		c = (c && depth >= 0 && c != n) ? c->next : NULL;
	}
	r = ex_clean_dup(x, raw.ptr, raw.len, 0);
	buf_release(&raw);
	return r;
}

/* -------------------------------------------------------- paragraphs */

/* Finish the paragraph being built, if any, and store it. */
static void ex_flush(struct ex_ctx *x)
{
	struct ex_par *p;
	size_t len = x->cur.len;
	const char *s = x->cur.ptr;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n'))
		len--;
	x->cur_br = 0;
	if (!len || x->n_pars >= EX_MAX_PARS) {
		buf_reset(&x->cur);
		x->cur_link = 0;
		return;
	}
	if (x->n_pars == x->cap_pars) {
		size_t nc = x->cap_pars ? x->cap_pars * 2 : 256;
		struct ex_par *np = realloc(x->pars, nc * sizeof *np);

		if (!np) {
			x->oom = 1;
			buf_reset(&x->cur);
			return;
		}
		x->pars = np;
		x->cap_pars = nc;
	}
	if (buf_add(&x->pool, s, len) != GZ_OK ||
	    buf_addc(&x->pool, '\0') != GZ_OK) {
		buf_reset(&x->cur);
		x->cur_link = 0;
		return;
	}
	p = &x->pars[x->n_pars++];
	p->off = x->pool.len - len - 1;
	p->len = len;
	p->chars = ex_chars(s, len);
	p->link = x->cur_link > p->chars ? p->chars : x->cur_link;
	p->owner = x->cur_owner;
	p->tag = (unsigned char)(x->cur_owner ? ex_tag_id(x->cur_owner)
					      : T_OTHER);
	p->boiler = (unsigned char)x->cur_boiler;
	p->byline = (unsigned char)x->cur_byline;
	buf_reset(&x->cur);
	x->cur_link = 0;
}

/* Add the text of a text node seen in frame f to the current paragraph. */
static void ex_text(struct ex_ctx *x, const struct ex_frame *f, const char *s)
{
	int boiler = (f->mode & EXM_BOILER) != 0;
	size_t i, before;

	if (f->mode & EXM_NOTEXT)
		return;
	if (x->cur.len && boiler != x->cur_boiler)
		ex_flush(x);
	before = x->cur.len;
	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		int ws = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
			ch == '\f';

		if (ch == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
			i++;
			ws = 1;
		}
		if (ws) {
			if (x->cur.len && x->cur.ptr[x->cur.len - 1] != ' ' &&
			    x->cur.ptr[x->cur.len - 1] != '\n')
				buf_addc(&x->cur, ' ');
			continue;
		}
		if (!x->cur.len) {
			x->cur_owner = f->block;
			x->cur_boiler = boiler;
			x->cur_byline = 0;
		}
		x->cur_br = 0;
		if (ex_rc(x, buf_addc(&x->cur, (char)ch)) != GZ_OK)
			break;
	}
	if (f->mode & EXM_LINK)
		x->cur_link +=
			ex_chars(x->cur.ptr + before, x->cur.len - before);
}

/* A <br>: a line break, or a paragraph break when it follows another. */
static void ex_br(struct ex_ctx *x, const struct ex_frame *f)
{
	if (f->mode & EXM_NOTEXT)
		return;
	if (x->cur_br) {
		ex_flush(x);
		return;
	}
	if (x->cur.len) {
		while (x->cur.len && x->cur.ptr[x->cur.len - 1] == ' ')
			buf_truncate(&x->cur, x->cur.len - 1);
		buf_addc(&x->cur, '\n');
	}
	x->cur_br = 1;
}

/* ---------------------------------------------------------- metadata */

/* Store a <meta>-like key/value pair (key lower-cased, value cleaned). */
static void ex_meta_add(struct ex_ctx *x, const char *prefix, const char *key,
			const char *value)
{
	struct ex_meta *m;
	size_t pl = strlen(prefix), kl = strlen(key), i;
	char *v;

	if (x->n_meta >= EX_MAX_META || kl > 128)
		return;
	v = ex_clean_str(x, value, 1);
	if (!v)
		return;
	m = &x->metas[x->n_meta];
	m->key = malloc(pl + kl + 1);
	if (!m->key) {
		free(v);
		x->oom = 1;
		return;
	}
	memcpy(m->key, prefix, pl);
	for (i = 0; i < kl; i++)
		m->key[pl + i] = (char)ex_lower((unsigned char)key[i]);
	m->key[pl + kl] = '\0';
	m->value = v;
	x->n_meta++;
}

/* The first meta value stored under key (lower-case), borrowed, or NULL. */
static const char *ex_meta(const struct ex_ctx *x, const char *key)
{
	size_t i;

	for (i = 0; i < x->n_meta; i++)
		if (strcmp(x->metas[i].key, key) == 0)
			return x->metas[i].value;
	return NULL;
}

/* Parse a JSON-LD script body and keep it. */
static void ex_ldjson(struct ex_ctx *x, xmlNode *script)
{
	xmlChar *c;
	const char *s;
	size_t n;
	json_t *j;

	if (x->n_ld >= EX_MAX_LD)
		return;
	c = xmlNodeGetContent(script);
	if (!c)
		return;
	s = (const char *)c;
	n = strlen(s);
	while (n && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')) {
		s++;
		n--;
	}
	if (n >= 4 && !strncmp(s, "<!--", 4)) {
		s += 4;
		n -= 4;
	}
	if (n >= 12 && !strncmp(s, "//<![CDATA[", 11)) {
		s += 11;
		n -= 11;
	}
	if (n && n <= EX_MAX_LD_BYTES) {
		j = json_loadb(s, n, JSON_DISABLE_EOF_CHECK, NULL);
		if (j)
			x->ld[x->n_ld++] = j;
	}
	xmlFree(c);
}

/* Store a malloc'd string into *slot unless already set (else free it). */
static void ex_keep(char **slot, char *v)
{
	if (!*slot)
		*slot = v;
	else
		free(v);
}

/*
** Collect what element n (tag id tid) says about the article.  f is the
** frame n sits in; child is the frame its children will get.
*/
static void ex_meta_elem(struct ex_ctx *x, xmlNode *n, int tid,
			 const struct ex_frame *f, struct ex_frame *child)
{
	const char *v, *ip, *cls;

	switch (tid) {
	case T_HTML:
		if (!x->html_lang && (v = ex_attr(n, "lang")))
			x->html_lang = ex_clean_str(x, v, 0);
		if (!x->html_lang && (v = ex_attr(n, "xml:lang")))
			x->html_lang = ex_clean_str(x, v, 0);
		break;
	case T_BASE:
		if (!x->base_href && (v = ex_attr(n, "href")))
			x->base_href = ex_clean_str(x, v, 0);
		break;
	case T_TITLE:
		if (!x->title_tag)
			x->title_tag = ex_node_text(x, n, EX_MAX_VALUE);
		break;
	case T_H1:
		if (!x->h1 && !(f->mode & EXM_NOTEXT))
			x->h1 = ex_node_text(x, n, EX_MAX_VALUE);
		break;
	case T_LINK:
		v = ex_attr(n, "rel");
		if (v && !strcasecmp(v, "canonical") && !x->canonical &&
		    ex_attr(n, "href"))
			x->canonical = ex_clean_str(x, ex_attr(n, "href"), 0);
		break;
	case T_META: {
		const char *content = ex_attr(n, "content");

		if ((v = ex_attr(n, "charset")) || !content)
			break;
		if ((v = ex_attr(n, "property")))
			ex_meta_add(x, "", v, content);
		if ((v = ex_attr(n, "name")))
			ex_meta_add(x, "", v, content);
		if ((v = ex_attr(n, "http-equiv")))
			ex_meta_add(x, "http:", v, content);
		break;
	}
	case T_SCRIPT:
		v = ex_attr(n, "type");
		if (v && ex_strcasestr(v, "ld+json"))
			ex_ldjson(x, n);
		break;
	case T_TIME: {
		struct gz_time t;
		char *txt = NULL;
		int prio = 1;
		const char *pip = ex_attr(n, "itemprop");

		v = ex_attr(n, "datetime");
		if (!v || !v[0])
			v = txt = ex_node_text(x, n, 256);
		if (!v || datetext_parse(v, &t) != GZ_OK) {
			free(txt);
			break;
		}
		free(txt);
		if (ex_attr(n, "pubdate") ||
		    (pip && !strcasecmp(pip, "datePublished")))
			prio = 3;
		else if (pip && !strcasecmp(pip, "dateModified"))
			prio = 0;
		else if (f->mode & EXM_ARTICLE)
			prio = 2;
		if (prio > x->time_best.prio) {
			x->time_best.t = t;
			x->time_best.prio = prio;
		}
		break;
	}
	case T_ARTICLE: x->n_article_elems++; break;
	default: break;
	}

	ip = ex_attr(n, "itemprop");
	if (ip && ip[0]) {
		char *val = NULL;
		int scope = ex_attr(n, "itemscope") != NULL;

		if (!strcasecmp(ip, "articleBody")) {
			if (!x->article_body)
				x->article_body = n;
		} else if (!strcasecmp(ip, "author") && scope) {
			child->mode |= EXM_IAUTHOR;
		} else if (!strcasecmp(ip, "publisher") && scope) {
			child->mode |= EXM_IPUB;
		} else {
			if ((v = ex_attr(n, "content")) ||
			    (v = ex_attr(n, "datetime")))
				val = ex_clean_str(x, v, 1);
			else if (tid == T_META || tid == T_LINK)
				val = NULL;
			else
				val = ex_node_text(x, n, 512);
			if (val && !strcasecmp(ip, "name") &&
			    (f->mode & EXM_IAUTHOR)) {
				if (x->n_ip_authors < ARTICLE_MAX_AUTHORS)
					x->ip_authors[x->n_ip_authors++] = val;
				else
					free(val);
				val = NULL;
			} else if (val && !strcasecmp(ip, "name") &&
				   (f->mode & EXM_IPUB)) {
				ex_keep(&x->ip_publisher, val);
				val = NULL;
			} else if (val && !strcasecmp(ip, "author")) {
				if (x->n_ip_authors < ARTICLE_MAX_AUTHORS)
					x->ip_authors[x->n_ip_authors++] = val;
				else
					free(val);
				val = NULL;
			} else if (val &&
				   !(f->mode & (EXM_IAUTHOR | EXM_IPUB))) {
				ex_meta_add(x, "ip:", ip, val);
			}
			free(val);
		}
	}

	cls = ex_attr(n, "class");
	v = ex_attr(n, "rel");
	if ((v && !strcasecmp(v, "author")) ||
	    (cls &&
	     (ex_strcasestr(cls, "byline") ||
	      (ex_strcasestr(cls, "author") && !ex_strcasestr(cls, "bio"))))) {
		if (x->n_bylines < EX_MAX_CANDS && !(f->mode & EXM_NOTEXT)) {
			char *t = ex_node_text(x, n, 256);

			if (t && strlen(t) < 200)
				x->bylines[x->n_bylines++] = t;
			else
				free(t);
		}
	}
	/* date-classed elements; not those in boilerplate outside the
	** article (sidebars of related stories carry their own dates) */
	if (cls && x->n_datetexts < EX_MAX_CANDS && !(f->mode & EXM_NOTEXT) &&
	    (!(f->mode & EXM_BOILER) || (f->mode & EXM_ARTICLE)) &&
	    (ex_strcasestr(cls, "date") || ex_strcasestr(cls, "time") ||
	     ex_strcasestr(cls, "publish") || ex_strcasestr(cls, "posted"))) {
		char *t = ex_node_text(x, n, 256);

		if (t && strlen(t) < 200)
			x->datetexts[x->n_datetexts++] = t;
		else
			free(t);
	}
}

/* ------------------------------------------------------------- walk */

/*
** Visit element n sitting in frame f: collect metadata, decide how its
** children are read (into *child) and whether they are read at all.
** Returns 1 to descend.
*/
static int ex_enter(struct ex_ctx *x, xmlNode *n, const struct ex_frame *f,
		    struct ex_frame *child)
{
	const struct ex_tagdef *td = ex_tag(n);
	int tid = td ? td->id : T_OTHER, fl = td ? td->fl : 0;
	unsigned pat;
	const char *href;

	*child = *f;
	if (tid == T_A || tid == T_AREA) {
		href = ex_attr(n, "href");
		if (href) {
			x->n_links++;
			if (!(f->mode & EXM_NOTEXT) &&
			    x->n_alinks < EX_MAX_ALINKS)
				x->alinks[x->n_alinks++] = n;
			if (ex_strcasestr(href, "disqus.com"))
				child->mode |= EXM_NOTEXT | EXM_NOMETA;
		}
		child->mode |= EXM_LINK;
	}
	pat = ex_classify(&x->patidx, n);
	if (pat & P_COMMENT && tid != T_HTML && tid != T_BODY)
		child->mode |= EXM_NOTEXT | EXM_NOMETA;
	if (!(f->mode & EXM_NOMETA))
		ex_meta_elem(x, n, tid, f, child);
	if (fl & TF_SKIP)
		return 0;
	if (fl & TF_NOTEXT || ex_hidden(n))
		child->mode |= EXM_NOTEXT;
	if (fl & TF_BOILER)
		child->mode |= EXM_BOILER;
	else if (tid != T_HTML && tid != T_BODY && tid != T_MAIN &&
		 n != x->article_body &&
		 ((pat & P_STRONG) || ((pat & P_WEAK) && !(pat & P_POS))))
		child->mode |= EXM_BOILER;
	if (tid == T_ARTICLE || tid == T_HEADER || tid == T_MAIN ||
	    n == x->article_body)
		child->mode |= EXM_ARTICLE;
	if (fl & TF_BLOCK) {
		ex_flush(x);
		child->block = n;
	}
	if (tid == T_BR)
		ex_br(x, f);
	return 1;
}

/* Leave element n: a block ends its paragraph. */
static void ex_leave(struct ex_ctx *x, xmlNode *n)
{
	if (n->type == XML_ELEMENT_NODE && (ex_tag_fl(n) & TF_BLOCK))
		ex_flush(x);
}

/*
** Walk the whole document once, iteratively, never deeper than
** GZ_MAX_HTML_DEPTH: metadata into x, visible text into x->pars.
*/
static void ex_walk(struct ex_ctx *x)
{
	xmlNode *n = x->doc->children;
	int depth = 0;

	memset(&x->frames[0], 0, sizeof x->frames[0]);
	while (n) {
		int down = 0;

		if (n->type == XML_ELEMENT_NODE)
			down = ex_enter(x, n, &x->frames[depth],
					&x->frames[depth + 1]);
		else if ((n->type == XML_TEXT_NODE ||
			  n->type == XML_CDATA_SECTION_NODE) &&
			 n->content)
			ex_text(x, &x->frames[depth], (const char *)n->content);
		if (down && n->children && depth + 1 < GZ_MAX_HTML_DEPTH) {
			n = n->children;
			depth++;
			continue;
		}
		for (;;) {
			ex_leave(x, n);
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (--depth < 0 || !n || n->type == XML_DOCUMENT_NODE ||
			    n->type == XML_HTML_DOCUMENT_NODE) {
				n = NULL;
				break;
			}
		}
	}
	ex_flush(x);
}

/* ---------------------------------------------------------- scoring */

/* The info record of n, created on first use; NULL when out of memory. */
static struct ex_info *ex_info(struct ex_ctx *x, xmlNode *n)
{
	uintptr_t i = (uintptr_t)n->_private;

	if (i)
		return &x->info[i - 1];
	if (x->n_info == x->cap_info) {
		size_t nc = x->cap_info ? x->cap_info * 2 : 256;
		struct ex_info *ni = realloc(x->info, nc * sizeof *ni);

		if (!ni) {
			x->oom = 1;
			return NULL;
		}
		x->info = ni;
		x->cap_info = nc;
	}
	memset(&x->info[x->n_info], 0, sizeof x->info[0]);
	x->n_info++;
	n->_private = (void *)(uintptr_t)x->n_info;
	return &x->info[x->n_info - 1];
}

/* Forget every score (before a second pass). */
static void ex_info_reset(struct ex_ctx *x)
{
	if (x->n_info)
		memset(x->info, 0, x->n_info * sizeof x->info[0]);
}

/* Readability's starting score of a candidate: tag plus class hints. */
static double ex_initial_score(const struct ex_ctx *x, const xmlNode *n)
{
	double s = 0;
	unsigned c = ex_classify_names(&x->patidx, ex_attr(n, "class"));
	unsigned i = ex_classify_names(&x->patidx, ex_attr(n, "id"));
	int tid = ex_tag_id(n);
	const char *name = (const char *)n->name;

	if (tid == T_DIV || tid == T_ARTICLE || tid == T_MAIN)
		s += 5;
	else if (tid == T_PRE || tid == T_TD || tid == T_QUOTE)
		s += 3;
	else if (tid == T_LIST || tid == T_LI || !strcmp(name, "form") ||
		 !strcmp(name, "address") || !strcmp(name, "dd") ||
		 !strcmp(name, "dt"))
		s -= 3;
	else if (tid == T_H1 || tid == T_HN || !strcmp(name, "th"))
		s -= 5;
	if (c & (P_STRONG | P_WEAK | P_COMMENT))
		s -= 25;
	if (c & P_POS)
		s += 25;
	if (i & (P_STRONG | P_WEAK | P_COMMENT))
		s -= 25;
	if (i & P_POS)
		s += 25;
	return s;
}

/* Commas (ASCII, full-width and ideographic) in s[0..n). */
static int ex_commas(const char *s, size_t n)
{
	size_t i;
	int c = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ',')
			c++;
		else if (i + 2 < n && (unsigned char)s[i] == 0xEF &&
			 (unsigned char)s[i + 1] == 0xBC &&
			 (unsigned char)s[i + 2] == 0x8C)
			c++;
		else if (i + 2 < n && (unsigned char)s[i] == 0xE3 &&
			 (unsigned char)s[i + 1] == 0x80 &&
			 (unsigned char)s[i + 2] == 0x81)
			c++;
	}
	return c;
}

/* True when paragraph p counts in this pass. */
static int ex_par_live(const struct ex_par *p, int pass)
{
	return p->owner && (pass == 2 || !p->boiler);
}

/*
** Score every element holding paragraphs (pass 1 leaves boilerplate out),
** then mark the chosen content (best candidate and good siblings).
** Returns 1 when a container was chosen, 0 when none scored.
*/
static int ex_score(struct ex_ctx *x, int pass)
{
	size_t i;
	xmlNode *best = NULL, *a, *s;
	double best_score = 0, thr;
	struct ex_info *bi;
	int level;

	ex_info_reset(x);
	for (i = 0; i < x->n_pars; i++) {
		struct ex_par *p = &x->pars[i];
		double sc;

		if (!ex_par_live(p, pass))
			continue;
		for (a = p->owner, level = 0; a &&
		     a->type == XML_ELEMENT_NODE && level < GZ_MAX_HTML_DEPTH;
		     a = a->parent, level++) {
			struct ex_info *in = ex_info(x, a);

			if (!in)
				return 0;
			in->text += p->chars;
			in->link += p->link;
		}
		if (p->chars < EX_MIN_PAR || p->tag == T_H1 || p->tag == T_HN)
			continue;
		sc = 1 + ex_commas(x->pool.ptr + p->off, p->len) +
			(p->chars / 100 > 3 ? 3 : (double)(p->chars / 100));
		for (a = p->owner, level = 0;
		     a && a->type == XML_ELEMENT_NODE && level < 5;
		     a = a->parent, level++) {
			struct ex_info *in = ex_info(x, a);

			if (!in)
				return 0;
			if (!in->scored) {
				in->scored = 1;
				in->score = ex_initial_score(x, a);
			}
			in->score += sc /
				(level == 0           ? 1
					 : level == 1 ? 2
						      : level * 3);
		}
	}
	/* itemprop=articleBody with real text is the answer. */
	if (x->article_body && x->article_body->_private) {
		bi = ex_info(x, x->article_body);
		if (bi && bi->text >= 200) {
			bi->chosen = 1;
			return 1;
		}
	}
	for (i = 0; i < x->n_pars; i++) {
		struct ex_par *p = &x->pars[i];

		if (!ex_par_live(p, pass))
			continue;
		for (a = p->owner, level = 0;
		     a && a->type == XML_ELEMENT_NODE && level < 5;
		     a = a->parent, level++) {
			struct ex_info *in = ex_info(x, a);
			double sc;

			if (!in || !in->scored)
				continue;
			sc = in->score *
				(1.0 -
				 (in->text ? (double)in->link / (double)in->text
					   : 0));
			if (!best || sc > best_score) {
				best = a;
				best_score = sc;
			}
		}
	}
	if (!best)
		return 0;
	bi = ex_info(x, best);
	bi->chosen = 1;
	if (!best->parent || best->parent->type != XML_ELEMENT_NODE)
		return 1;
	thr = best_score * 0.2 > 10 ? best_score * 0.2 : 10;
	for (s = best->parent->children; s; s = s->next) {
		struct ex_info *si;
		double ld, sc;
		const char *bc, *sclass;

		if (s == best || s->type != XML_ELEMENT_NODE || !s->_private)
			continue;
		si = ex_info(x, s);
		if (!si || !si->text)
			continue;
		ld = (double)si->link / (double)si->text;
		sc = si->scored ? si->score * (1 - ld) : 0;
		bc = ex_attr(best, "class");
		sclass = ex_attr(s, "class");
		if (bc && sclass && bc[0] && !strcmp(bc, sclass))
			sc += best_score * 0.2;
		if (sc >= thr) {
			si->chosen = 1;
		} else if (ex_tag_id(s) == T_P) {
			if (si->text > 80 && ld < 0.25)
				si->chosen = 1;
			else if (si->text <= 80 && si->link == 0)
				si->chosen = 1;
		}
	}
	return 1;
}

/* True when element n lies inside the chosen content. */
static int ex_node_chosen(struct ex_ctx *x, xmlNode *n)
{
	xmlNode *a;
	int level;

	for (a = n, level = 0;
	     a && a->type == XML_ELEMENT_NODE && level < GZ_MAX_HTML_DEPTH;
	     a = a->parent, level++) {
		if (a->_private && x->info[(uintptr_t)a->_private - 1].chosen)
			return 1;
	}
	return 0;
}

/* True when paragraph p lies inside the chosen content. */
static int ex_in_chosen(struct ex_ctx *x, const struct ex_par *p)
{
	return ex_node_chosen(x, p->owner);
}

/*
** Links inside the chosen content whose anchor reads like a headline (25+
** characters in 4+ words, or 10+ CJK characters): many of them make a
** listing page.
*/
static size_t ex_headline_links(struct ex_ctx *x, int all)
{
	size_t i, n = 0, k, words;
	char *t;

	for (i = 0; i < x->n_alinks; i++) {
		if (!all && !ex_node_chosen(x, x->alinks[i]))
			continue;
		t = ex_node_text(x, x->alinks[i], 256);
		if (!t)
			continue;
		for (words = 1, k = 0; t[k]; k++)
			if (t[k] == ' ')
				words++;
		k = ex_chars(t, strlen(t));
		/* CJK headlines have no spaces: ten characters will do */
		if ((k >= 25 && words >= 4) || (k >= 10 && strlen(t) >= 2 * k))
			n++;
		free(t);
	}
	return n;
}

/* ------------------------------------------------- visible metadata */

enum ex_label { L_NONE, L_SOURCE, L_PUB, L_MOD, L_SECTION, L_AUTHOR };

struct ex_labeldef {
	const char *word;   /* label as written (ASCII case-insensitive) */
	unsigned char kind; /* enum ex_label */
	unsigned char bare; /* may stand without a colon before a date */
};

static const struct ex_labeldef ex_labels[] = {
	{ "source", L_SOURCE, 0 },
	{ "\xE6\x9D\xA5\xE6\xBA\x90", L_SOURCE, 0 },
	{ "published on", L_PUB, 1 },
	{ "published at", L_PUB, 1 },
	{ "publish date", L_PUB, 0 },
	{ "publication date", L_PUB, 0 },
	{ "published", L_PUB, 1 },
	{ "posted on", L_PUB, 1 },
	{ "date", L_PUB, 0 },
	{ "\xE5\x8F\x91\xE5\xB8\x83\xE6\x97\xB6\xE9\x97\xB4", L_PUB, 0 },
	{ "\xE5\x8F\x91\xE8\xA1\xA8\xE6\x97\xB6\xE9\x97\xB4", L_PUB, 0 },
	{ "\xE6\x97\xB6\xE9\x97\xB4", L_PUB, 0 },
	{ "last updated", L_MOD, 1 },
	{ "updated on", L_MOD, 1 },
	{ "updated", L_MOD, 1 },
	{ "modified", L_MOD, 0 },
	{ "posted in", L_SECTION, 0 },
	{ "filed under", L_SECTION, 0 },
	{ "section", L_SECTION, 0 },
	{ "category", L_SECTION, 0 },
	{ "categories", L_SECTION, 0 },
	{ "written by", L_AUTHOR, 0 },
	{ "authors", L_AUTHOR, 0 },
	{ "author", L_AUTHOR, 0 },
	{ "reporter", L_AUTHOR, 0 },
	{ "\xE4\xBD\x9C\xE8\x80\x85", L_AUTHOR, 0 },
};

struct ex_labelhit {
	size_t at;    /* where the label starts */
	size_t value; /* where its value starts */
	int kind;     /* enum ex_label */
};

/*
** Find the labels in s[0..n) ("Source:", "Published: ...", "Posted in:").
** A label must start a word and be followed by a colon (ASCII or
** full-width), or for bare labels by a date.  Returns the number of hits
** (at most max).
*/
static size_t ex_find_labels(const char *s, size_t n, struct ex_labelhit *hits,
			     size_t max)
{
	size_t i, k, nh = 0;

	for (i = 0; i < n && nh < max; i++) {
		int bound = i == 0 || !ex_isalnum((unsigned char)s[i - 1]);

		int c0 = ex_lower((unsigned char)s[i]);

		if (bound ? !(c0 >= 'a' && c0 <= 'z') && c0 < 0x80 : c0 < 0x80)
			continue;
		for (k = 0; k < sizeof ex_labels / sizeof ex_labels[0]; k++) {
			size_t wl, j;
			struct gz_time t;

			if ((unsigned char)ex_labels[k].word[0] != c0)
				continue;
			/* CJK labels need no word boundary before them */
			if (!bound &&
			    (unsigned char)ex_labels[k].word[0] < 0x80)
				continue;
			wl = strlen(ex_labels[k].word);
			if (i + wl > n ||
			    strncasecmp(s + i, ex_labels[k].word, wl))
				continue;
			j = i + wl;
			if (j < n && ex_isalnum((unsigned char)s[j]))
				continue;
			while (j < n && s[j] == ' ')
				j++;
			if (j < n && s[j] == ':') {
				j++;
			} else if (j + 3 <= n &&
				   !memcmp(s + j, "\xEF\xBC\x9A", 3)) {
				j += 3;
			} else if (!ex_labels[k].bare ||
				   datetext_find(s + j, n - j < 40 ? n - j : 40,
						 &t, &wl, NULL) != GZ_OK ||
				   wl != 0) {
				continue;
			}
			while (j < n && s[j] == ' ')
				j++;
			hits[nh].at = i;
			hits[nh].value = j;
			hits[nh].kind = ex_labels[k].kind;
			nh++;
			i = j - 1;
			break;
		}
	}
	return nh;
}

/* True when paragraph text s starts with a byline "By Name". */
static int ex_is_byline(const char *s, size_t n)
{
	size_t i, words = 1;

	if (n < 4 || n > 120 ||
	    (strncmp(s, "By ", 3) && strncmp(s, "BY ", 3) &&
	     strncmp(s, "by ", 3)))
		return 0;
	if (!((s[3] >= 'A' && s[3] <= 'Z') || (unsigned char)s[3] >= 0x80))
		return 0;
	for (i = 3; i < n; i++)
		if (s[i] == ' ')
			words++;
	return words <= 14;
}

/* True when paragraph text s is a metadata line: label first, or a byline. */
static int ex_is_meta_line(const char *s, size_t n)
{
	struct ex_labelhit h[1];

	if (n > 200)
		return 0;
	if (ex_is_byline(s, n))
		return 1;
	return ex_find_labels(s, n, h, 1) == 1 && h[0].at == 0;
}

/* True when s[0..n) starts with an "Updated:"-like label. */
static int ex_starts_mod_label(const char *s, size_t n)
{
	struct ex_labelhit h[1];

	return ex_find_labels(s, n < 200 ? n : 200, h, 1) == 1 &&
		h[0].at == 0 && h[0].kind == L_MOD;
}

/* True when a short paragraph is boilerplate by its words alone. */
static int ex_is_boiler_text(const char *s, size_t n)
{
	static const char *const starts[] = {
		"advertisement",
		"share this",
		"share on",
		"read more",
		"related:",
		"related articles",
		"related stories",
		"most popular",
		"most read",
		"please enable javascript",
		"sign up",
		"subscribe",
		"follow us",
		"click here",
		"back to top",
		"skip to",
		"all rights reserved",
		"copyright",
		"\xC2\xA9",
		"image:",
		"photo:",
		"getty images",
		"loading",
		"print this",
		"email this",
	};
	size_t i;

	if (ex_memcasemem(s, n, "powered by disqus"))
		return 1;
	if (n > 100)
		return 0;
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++)
		if (ex_startcase(s, starts[i]))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ text */

/*
** Append the chosen paragraphs of this pass to out, "\n\n" apart, skipping
** link lists, metadata lines, boilerplate lines, repeats and a heading
** equal to title.  all = take every live paragraph (no container).
** Sets *npar to the paragraphs kept.
*/
static void ex_build_text(struct ex_ctx *x, int pass, int all,
			  const char *title, struct buf *out, size_t *npar)
{
	size_t i, last_off = (size_t)-1, last_len = 0;
	struct gz_time dt;

	*npar = 0;
	for (i = 0; i < x->n_pars; i++) {
		struct ex_par *p = &x->pars[i];
		const char *s = x->pool.ptr + p->off;

		if (!ex_par_live(p, pass) || (!all && !ex_in_chosen(x, p)))
			continue;
		if (p->chars && p->link * 2 > p->chars)
			continue;
		if (ex_is_meta_line(s, p->len) || ex_is_boiler_text(s, p->len))
			continue;
		if (p->len < 64 && datetext_parse(s, &dt) == GZ_OK)
			continue;
		if ((p->tag == T_H1 || p->tag == T_HN) && title &&
		    !strcasecmp(s, title))
			continue;
		if (last_off != (size_t)-1 && last_len == p->len &&
		    !memcmp(x->pool.ptr + last_off, s, p->len))
			continue;
		if (out->len && ex_rc(x, buf_add(out, "\n\n", 2)) != GZ_OK)
			break;
		if (ex_rc(x, buf_add(out, s, p->len)) != GZ_OK)
			break;
		last_off = p->off;
		last_len = p->len;
		(*npar)++;
	}
	/* a cut at the byte cap must not split a UTF-8 sequence */
	while (out->len && !charset_utf8_valid(out->ptr, out->len))
		buf_truncate(out, out->len - 1);
}

/* Turn a JSON-LD articleBody into paragraphs (lines; tags as breaks). */
static void ex_ld_body_text(struct ex_ctx *x, const char *body, struct buf *out)
{
	struct buf line;
	const char *p = body;

	buf_init(&line, GZ_MAX_TEXT_BYTES);
	while (*p) {
		const char *e = p;
		char *c;

		while (*e && *e != '\n' && *e != '<')
			e++;
		buf_reset(&line);
		ex_clean_into(&line, p, (size_t)(e - p), 1);
		if (line.len) {
			c = line.ptr;
			if (out->len)
				ex_rc(x, buf_add(out, "\n\n", 2));
			ex_rc(x, buf_add(out, c, line.len));
		}
		if (*e == '<') {
			while (*e && *e != '>')
				e++;
		}
		p = *e ? e + 1 : e;
	}
	buf_release(&line);
}

/* ---------------------------------------------------------- JSON-LD */

/* True when the @type of o names a kind of article. */
static int ld_is_article(json_t *o)
{
	static const char *const types[] = {
		"NewsArticle",           "Article",
		"ReportageNews",         "OpinionNewsArticle",
		"BlogPosting",           "AnalysisNewsArticle",
		"BackgroundNewsArticle", "ReviewNewsArticle",
		"LiveBlogPosting",       "Report",
		"SatiricalArticle",      "TechArticle",
		"AskPublicNewsArticle",
	};
	json_t *t = json_object_get(o, "@type"), *v;
	size_t i, k, n;

	n = json_is_array(t) ? json_array_size(t) : 1;
	for (i = 0; i < n; i++) {
		const char *s;

		v = json_is_array(t) ? json_array_get(t, i) : t;
		if (!json_is_string(v))
			continue;
		s = json_string_value(v);
		if (strrchr(s, '/'))
			s = strrchr(s, '/') + 1;
		if (strrchr(s, ':'))
			s = strrchr(s, ':') + 1;
		for (k = 0; k < sizeof types / sizeof types[0]; k++)
			if (!strcmp(s, types[k]))
				return 1;
	}
	return 0;
}

/* The first article object in v (@graph, arrays, mainEntity), or NULL. */
static json_t *ld_find_article(json_t *v, int depth)
{
	size_t i;
	json_t *r, *e;

	if (depth > 8 || !v)
		return NULL;
	if (json_is_array(v)) {
		json_array_foreach(
			v, i,
			e) if ((r = ld_find_article(e, depth + 1))) return r;
		return NULL;
	}
	if (!json_is_object(v))
		return NULL;
	if (ld_is_article(v))
		return v;
	if ((r = ld_find_article(json_object_get(v, "@graph"), depth + 1)))
		return r;
	return ld_find_article(json_object_get(v, "mainEntity"), depth + 1);
}

/* The object with "@id" id anywhere in v (bounded depth), or NULL. */
static json_t *ld_by_id(json_t *v, const char *id, int depth)
{
	size_t i;
	json_t *e, *r, *vid;

	if (depth > 6 || !v)
		return NULL;
	if (json_is_array(v)) {
		json_array_foreach(
			v, i, e) if ((r = ld_by_id(e, id, depth + 1))) return r;
		return NULL;
	}
	if (!json_is_object(v))
		return NULL;
	vid = json_object_get(v, "@id");
	if (json_is_string(vid) && !strcmp(json_string_value(vid), id) &&
	    json_object_size(v) > 1)
		return v;
	return ld_by_id(json_object_get(v, "@graph"), id, depth + 1);
}

/* Follow an {"@id": ...} reference through every script; else return o. */
static json_t *ld_resolve(struct ex_ctx *x, json_t *o)
{
	json_t *id = json_object_get(o, "@id"), *r;
	size_t i;

	if (!json_is_object(o) || json_object_size(o) != 1 ||
	    !json_is_string(id))
		return o;
	for (i = 0; i < x->n_ld; i++)
		if ((r = ld_by_id(x->ld[i], json_string_value(id), 0)))
			return r;
	return o;
}

/* A string member (or the first string of an array member), borrowed. */
static const char *ld_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_array(v))
		v = json_array_get(v, 0);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The name of a JSON-LD thing that is a string or an object, borrowed. */
static const char *ld_name(struct ex_ctx *x, json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	v = ld_resolve(x, v);
	if (json_is_object(v))
		return ld_str(v, "name");
	return NULL;
}

/* ------------------------------------------------------------ fields */

/* True when t is a date the page could have stated by opts->now. */
static int ex_time_ok(const struct ex_ctx *x, const struct gz_time *t)
{
	long long u, slack;

	if (!gz_time_valid(t) || t->year < DATETEXT_MIN_YEAR ||
	    t->year > DATETEXT_MAX_YEAR)
		return 0;
	u = gz_time_to_unix(t);
	slack = t->has_tz ? 300 : 14 * 3600 + 300;
	return u <= (long long)x->now + slack;
}

/* Parse a date value and accept it when it passes ex_time_ok. */
static int ex_try_date(const struct ex_ctx *x, const char *v, struct gz_time *t)
{
	if (!v || datetext_parse(v, t) != GZ_OK)
		return 0;
	return ex_time_ok(x, t);
}

/*
** Take the first acceptable date among the meta keys of one tier into *t,
** preferring a later key of the same tier that also states the time of
** the same day ("date" = 2014-04-10, "parsely-pub-date" with the hour).
*/
static void ex_date_tier(const struct ex_ctx *x, const char *const *keys,
			 struct gz_time *t)
{
	struct gz_time tt;

	for (; *keys; keys++) {
		if (!ex_try_date(x, ex_meta(x, *keys), &tt))
			continue;
		if (!gz_time_valid(t))
			*t = tt;
		else if (!t->has_time && tt.has_time && tt.year == t->year &&
			 tt.month == t->month && tt.day == t->day)
			*t = tt;
		if (t->has_time)
			return;
	}
}

/* Note "field:how" in the confidence list. */
static void ex_note(struct buf *conf, const char *field, const char *how)
{
	buf_addf(conf, "%s%s:%s", conf->len ? "," : "", field, how);
}

/* Set *field to a sanitised copy of v.  GZ_OK or GZ_ENOMEM. */
static int ex_set(struct ex_ctx *x, char **field, const char *v)
{
	struct buf b;

	if (!v)
		return article_set(field, NULL);
	buf_init(&b, strlen(v) * 3 + 16);
	if (charset_sanitise(&b, v, strlen(v)) != GZ_OK) {
		buf_release(&b);
		x->oom = 1;
		return GZ_ENOMEM;
	}
	free(*field);
	*field = buf_detach(&b, NULL);
	if (!*field)
		x->oom = 1;
	return *field ? GZ_OK : GZ_ENOMEM;
}

/* True when v looks like a URL rather than a name. */
static int ex_is_url(const char *v)
{
	return strstr(v, "://") || !strncasecmp(v, "www.", 4) ||
		strchr(v, '@') || v[0] == '/';
}

/*
** Split a byline ("By Jane Doe and John Smith, Staff Writer | July 16")
** into names and add them to a.  Returns the number added.
*/
static size_t ex_add_authors(struct ex_ctx *x, struct article *a, const char *v)
{
	static const char *const roles[] = {
		"staff",     "writer",      "correspondent", "reporter",
		"editor",    "contributor", "columnist",     "updated",
		"published", "posted",
	};
	static const char *const labels[] = {
		"by",
		"written by",
		"authors",
		"author",
		"reporter",
		"\xE4\xBD\x9C\xE8\x80\x85",
		"\xE8\xAE\xB0\xE8\x80\x85",
	};
	char *s, *p, *e, *part;
	size_t added = 0, n, k, words;

	if (!v || ex_is_url(v))
		return 0;
	s = ex_clean_str(x, v, 1);
	if (!s)
		return 0;
	p = s;
	for (k = 0; k < sizeof labels / sizeof labels[0]; k++) {
		size_t l = strlen(labels[k]);

		if (!strncasecmp(p, labels[k], l) &&
		    (p[l] == ' ' || p[l] == ':' ||
		     !strncmp(p + l, "\xEF\xBC\x9A", 3))) {
			p += l;
			break;
		}
	}
	while (*p == ' ' || *p == ':')
		p++;
	if (!strncmp(p, "\xEF\xBC\x9A", 3))
		p += 3;
	/* cut at a separator or a date */
	for (e = p; *e; e++) {
		if (*e == '|' || *e == '\n' || (*e >= '0' && *e <= '9') ||
		    !strncmp(e, " - ", 3) || !strncmp(e, "\xE2\x80\x94", 3) ||
		    !strncmp(e, "\xE2\x80\xA2", 3) ||
		    !strncmp(e, "\xC2\xB7", 2)) {
			*e = '\0';
			break;
		}
	}
	part = p;
	while (part && *part) {
		char *next = NULL, *sep;
		const char *seps[] = { ",", ";", " and ", " & ", " AND " };
		size_t best = (size_t)-1, bl = 0;

		for (k = 0; k < sizeof seps / sizeof seps[0]; k++) {
			sep = strstr(part, seps[k]);
			if (sep && (size_t)(sep - part) < best) {
				best = (size_t)(sep - part);
				bl = strlen(seps[k]);
			}
		}
		if (best != (size_t)-1) {
			part[best] = '\0';
			next = part + best + bl;
		}
		while (*part == ' ')
			part++;
		n = strlen(part);
		while (n &&
		       (part[n - 1] == ' ' || part[n - 1] == '.' ||
			part[n - 1] == ','))
			part[--n] = '\0';
		for (words = 1, k = 0; k < n; k++)
			if (part[k] == ' ')
				words++;
		for (k = 0; k < sizeof roles / sizeof roles[0]; k++)
			if (ex_strcasestr(part, roles[k]))
				break;
		if (n >= 2 && n <= 60 && words <= 5 &&
		    k == sizeof roles / sizeof roles[0] && !ex_is_url(part) &&
		    (!a->source || strcasecmp(part, a->source)) &&
		    a->n_authors < ARTICLE_MAX_AUTHORS) {
			if (article_add_author(a, part) == GZ_OK)
				added++;
			else
				x->oom = 1;
		}
		part = next;
	}
	free(s);
	return added;
}

/* Host of url without "www.", as a malloc'd string, or NULL. */
static char *ex_host(struct ex_ctx *x, const char *url)
{
	CURLU *u;
	char *h = NULL, *r = NULL;

	if (!url)
		return NULL;
	u = curl_url();
	if (!u) {
		x->oom = 1;
		return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && h) {
		r = strdup(!strncasecmp(h, "www.", 4) ? h + 4 : h);
		if (!r)
			x->oom = 1;
	}
	curl_free(h);
	curl_url_cleanup(u);
	return r;
}

/*
** Resolve href against base (may be NULL) into a malloc'd absolute http(s)
** URL without fragment, at most GZ_MAX_URL_LEN bytes; NULL otherwise.
*/
static char *ex_resolve(CURLU *base, const char *href)
{
	CURLU *u;
	char *scheme = NULL, *out = NULL, *r = NULL;
	char tmp[GZ_MAX_URL_LEN + 1];
	size_t n, i = 0;

	if (!href)
		return NULL;
	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	n = strlen(href);
	while (n &&
	       (href[n - 1] == ' ' || href[n - 1] == '\t' ||
		href[n - 1] == '\n' || href[n - 1] == '\r'))
		n--;
	if (!n || n > GZ_MAX_URL_LEN)
		return NULL;
	memcpy(tmp, href, n);
	tmp[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)tmp[i] < 0x20)
			return NULL;
	u = base ? curl_url_dup(base) : curl_url();
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, tmp, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")))
		goto done;
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK)
		goto done;
	if (strlen(out) <= GZ_MAX_URL_LEN)
		r = strdup(out);
done:
	curl_free(scheme);
	curl_free(out);
	curl_url_cleanup(u);
	return r;
}

/*
** Strip a " - Outlet" / " | Outlet" suffix (or "Outlet | " prefix) from
** title t in place when the outlet part matches one of names.
*/
static void ex_strip_title(char *t, const char *const *names, size_t nn)
{
	static const char *const seps[] = {
		" - ",  " | ",        " \xE2\x80\x93 ", " \xE2\x80\x94 ",
		" :: ", " \xC2\xBB ", " \xC2\xAB ",     " / ",
		"_",    " : ",
	};
	size_t k, i, tl = strlen(t);

	for (k = 0; k < sizeof seps / sizeof seps[0]; k++) {
		const char *sep = seps[k];
		size_t sl = strlen(sep);
		char *last = NULL, *p = t, *first = strstr(t, sep);

		while ((p = strstr(p, sep))) {
			last = p;
			p += sl;
		}
		if (!last)
			continue;
		for (i = 0; i < nn; i++) {
			if (!names[i] || !names[i][0])
				continue;
			if (ex_strcasestr(last + sl, names[i]) &&
			    strlen(last + sl) <= strlen(names[i]) + 24 &&
			    last > t) {
				*last = '\0';
				return;
			}
			if (first &&
			    (size_t)(first - t) <= strlen(names[i]) + 8 &&
			    ex_memcasemem(t, (size_t)(first - t), names[i]) &&
			    first + sl < t + tl) {
				memmove(t, first + sl, strlen(first + sl) + 1);
				return;
			}
		}
	}
}

/*
** Call opts->on_link for every <a>/<area> href, resolved against <base>
** or the page URL; at most GZ_MAX_LINKS_PER_PAGE calls.
*/
static void ex_links(struct ex_ctx *x, CURLU *base)
{
	xmlNode *n = x->doc->children;
	int depth = 0;
	size_t calls = 0, tried = 0;

	while (n && calls < GZ_MAX_LINKS_PER_PAGE &&
	       tried < 8 * GZ_MAX_LINKS_PER_PAGE) {
		int id = n->type == XML_ELEMENT_NODE ? ex_tag_id(n) : T_OTHER;

		if (id == T_A || id == T_AREA) {
			const char *href = ex_attr(n, "href");
			char *u, *anchor;

			if (href) {
				tried++;
				u = ex_resolve(base, href);
				if (u) {
					anchor = ex_node_text(x, n,
							      EX_ANCHOR_MAX);
					while (anchor && anchor[0] &&
					       !charset_utf8_valid(
						       anchor, strlen(anchor)))
						anchor[strlen(anchor) - 1] =
							'\0';
					x->opts->on_link(x->opts->link_ctx, u,
							 anchor ? anchor : "");
					calls++;
					free(anchor);
					free(u);
				}
			}
		}
		if (n->type == XML_ELEMENT_NODE && n->children &&
		    !(ex_tag_fl(n) & TF_SKIP) &&
		    depth + 1 < GZ_MAX_HTML_DEPTH) {
			n = n->children;
			depth++;
			continue;
		}
		while (n && !n->next) {
			n = n->parent;
			if (--depth < 0 || !n || n->type != XML_ELEMENT_NODE) {
				n = NULL;
				break;
			}
		}
		if (n)
			n = n->next;
	}
}

/* ------------------------------------------------------------ main */

/* Free everything the context holds. */
static void ex_ctx_free(struct ex_ctx *x)
{
	size_t i;

	buf_release(&x->pool);
	buf_release(&x->cur);
	free(x->pars);
	free(x->info);
	for (i = 0; i < x->n_meta; i++) {
		free(x->metas[i].key);
		free(x->metas[i].value);
	}
	for (i = 0; i < x->n_ld; i++)
		json_decref(x->ld[i]);
	for (i = 0; i < x->n_ip_authors; i++)
		free(x->ip_authors[i]);
	for (i = 0; i < x->n_bylines; i++)
		free(x->bylines[i]);
	for (i = 0; i < x->n_datetexts; i++)
		free(x->datetexts[i]);
	free(x->ip_publisher);
	free(x->html_lang);
	free(x->base_href);
	free(x->title_tag);
	free(x->h1);
	free(x->canonical);
}

/* Apply the configured zone to a time stated without one. */
static void ex_apply_tz(const struct extract_opts *o, struct gz_time *t)
{
	if (o->has_tz && gz_time_valid(t) && t->has_time && !t->has_tz) {
		t->has_tz = 1;
		t->tz_min = o->tz_min;
	}
}

/*
** Visible labelled lines: "Source:", "Published:", "Updated:",
** "Posted in:", "By ..." / "Author:".  first_content is the index of the
** first paragraph of the chosen text (a Source line must come before it
** or share its line with a date).  Fills only what is still empty.
*/
static void ex_visible_meta(struct ex_ctx *x, struct article *a,
			    size_t first_content, struct gz_time *pub,
			    struct gz_time *mod, char **source, char **section,
			    int want_authors)
{
	size_t i, k, nh;
	struct ex_labelhit h[8];

	for (i = 0; i < x->n_pars; i++) {
		const char *s = x->pool.ptr + x->pars[i].off;
		size_t n = x->pars[i].len;
		int has_date = 0;

		if (n > 300)
			continue;
		if (want_authors && !a->n_authors && ex_is_byline(s, n))
			ex_add_authors(x, a, s);
		nh = ex_find_labels(s, n, h, 8);
		for (k = 0; k < nh; k++)
			if (h[k].kind == L_PUB)
				has_date = 1;
		for (k = 0; k < nh; k++) {
			size_t vb = h[k].value;
			size_t ve = k + 1 < nh ? h[k + 1].at : n;
			char *v;
			struct gz_time t;

			while (ve > vb &&
			       (s[ve - 1] == ' ' || s[ve - 1] == '|' ||
				s[ve - 1] == ','))
				ve--;
			if (ve <= vb)
				continue;
			v = ex_clean_dup(x, s + vb, ve - vb, 0);
			if (!v)
				continue;
			switch (h[k].kind) {
			case L_SOURCE:
				if (!*source && strlen(v) <= 60 &&
				    (has_date || i < first_content)) {
					*source = v;
					v = NULL;
				}
				break;
			case L_PUB:
				if (!gz_time_valid(pub) &&
				    datetext_find(v, strlen(v), &t, NULL,
						  NULL) == GZ_OK &&
				    ex_time_ok(x, &t))
					*pub = t;
				break;
			case L_MOD:
				if (!gz_time_valid(mod) &&
				    datetext_find(v, strlen(v), &t, NULL,
						  NULL) == GZ_OK &&
				    ex_time_ok(x, &t))
					*mod = t;
				break;
			case L_SECTION:
				if (!*section) {
					size_t e = strcspn(v, ",|/>;");

					v[e] = '\0';
					while (e && v[e - 1] == ' ')
						v[--e] = '\0';
					if (e && e <= 60) {
						*section = v;
						v = NULL;
					}
				}
				break;
			case L_AUTHOR:
				if (want_authors && !a->n_authors)
					ex_add_authors(x, a, v);
				break;
			default: break;
			}
			free(v);
		}
	}
}

/*
** The outlet named after the headline in <title> ("Headline - Outlet"),
** when some other source gave the headline: a malloc'd string or NULL.
*/
static char *ex_title_outlet(struct ex_ctx *x)
{
	static const char *const seps[] = { " - ", " | ", " \xE2\x80\x93 ",
					    " \xE2\x80\x94 ", "_" };
	const char *head = ex_meta(x, "og:title");
	const char *tt = x->title_tag, *rest;
	size_t k, hl, words = 1;
	json_t *ld = NULL;

	for (k = 0; k < x->n_ld && !ld; k++)
		ld = ld_find_article(x->ld[k], 0);
	if (!head && ld)
		head = ld_str(ld, "headline");
	if (!head)
		head = ex_meta(x, "parsely-title");
	if (!head)
		head = ex_meta(x, "ip:headline");
	if (!head)
		head = x->h1;
	if (!head || !tt)
		return NULL;
	hl = strlen(head);
	if (strncasecmp(tt, head, hl))
		return NULL;
	for (k = 0; k < sizeof seps / sizeof seps[0]; k++)
		if (!strncmp(tt + hl, seps[k], strlen(seps[k])))
			break;
	if (k == sizeof seps / sizeof seps[0])
		return NULL;
	rest = tt + hl + strlen(seps[k]);
	for (k = 0; rest[k]; k++)
		if (rest[k] == ' ')
			words++;
	if (!rest[0] || words > 5 || strlen(rest) > 60)
		return NULL;
	return ex_clean_str(x, rest, 0);
}

/* Fill a's metadata from everything collected, in precedence order. */
static void ex_fields(struct ex_ctx *x, struct article *a, size_t first_content,
		      const char *body_text, struct buf *conf)
{
	static const char *const k_title[] = {
		"og:title",      "twitter:title",
		"dc.title",      "dcterms.title",
		"ip:headline",   "title",
		"headline",      "sailthru.title",
		"parsely-title", NULL
	};
	static const char *const k_pub1[] = {
		"article:published_time", "og:published_time",
		"article:published",      "dc.date",
		"dc.date.issued",         "dcterms.issued",
		"dcterms.created",        "dc.date.created",
		"dcterms.date",           NULL
	};
	static const char *const k_pub2[] = { "ip:datepublished", NULL };
	static const char *const k_pub3[] = { "date",
					      "pubdate",
					      "publishdate",
					      "publish-date",
					      "publish_date",
					      "parsely-pub-date",
					      "sailthru.date",
					      "article.published",
					      "article_date_original",
					      "publication_date",
					      "original-publish-date",
					      "datepublished",
					      "published_time",
					      "citation_publication_date",
					      "citation_date",
					      "ptime",
					      "og:pubdate",
					      "pub_date",
					      "release_date",
					      NULL };
	static const char *const k_mod[] = {
		"article:modified_time", "og:updated_time", "dcterms.modified",
		"dc.date.modified",      "ip:datemodified", "lastmod",
		"last-modified",         "article.updated", "datemodified",
		"modified_time",         "utime",           NULL
	};
	static const char *const k_author_meta[] = { "dc.creator",
						     "dcterms.creator", NULL };
	static const char *const k_author_names[] = {
		"author", "parsely-author", "sailthru.author",
		"byl",    "article.author", "dc.contributor",
		NULL
	};
	static const char *const k_section[] = {
		"article:section",  "ip:articlesection", "section",
		"article.section",  "article-section",   "parsely-section",
		"sailthru.section", "category",          NULL
	};
	static const char *const k_desc[] = { "og:description", "description",
					      "dc.description",
					      "twitter:description", NULL };
	json_t *ld = NULL;
	const char *v, *names[4];
	char *vis_source = NULL, *vis_section = NULL, *host, *t;
	struct gz_time pub, mod, tt;
	char lang[4];
	size_t i;
	int pub_how = 0; /* 0 markup, 1 time element, 2 text, 3 url */
	int from_text = 0;

	memset(&pub, 0, sizeof pub);
	memset(&mod, 0, sizeof mod);
	for (i = 0; i < x->n_ld && !ld; i++)
		ld = ld_find_article(x->ld[i], 0);

	/* published */
	if (ld && ex_try_date(x, ld_str(ld, "datePublished"), &tt))
		pub = tt;
	if (!gz_time_valid(&pub))
		ex_date_tier(x, k_pub1, &pub);
	if (!gz_time_valid(&pub))
		ex_date_tier(x, k_pub2, &pub);
	if (!gz_time_valid(&pub))
		ex_date_tier(x, k_pub3, &pub);
	if (!gz_time_valid(&pub) && x->time_best.prio > 0 &&
	    ex_time_ok(x, &x->time_best.t)) {
		pub = x->time_best.t;
		pub_how = 1;
	}

	/* modified */
	if (ld && ex_try_date(x, ld_str(ld, "dateModified"), &tt))
		mod = tt;
	if (!gz_time_valid(&mod))
		ex_date_tier(x, k_mod, &mod);

	/* authors */
	if (ld) {
		json_t *au = json_object_get(ld, "author"), *e;
		size_t n = json_is_array(au) ? json_array_size(au) : 1;

		for (i = 0; i < n; i++) {
			e = json_is_array(au) ? json_array_get(au, i) : au;
			e = ld_resolve(x, e);
			if (json_is_object(e)) {
				v = ld_str(e, "@type");
				if (v && !strcmp(v, "Organization"))
					continue;
			}
			ex_add_authors(x, a, ld_name(x, e));
		}
	}
	for (i = 0; i < x->n_meta && !a->n_authors; i++)
		if (!strcmp(x->metas[i].key, "article:author"))
			ex_add_authors(x, a, x->metas[i].value);
	for (i = 0; i < x->n_meta && !a->n_authors; i++)
		if (!strcmp(x->metas[i].key, k_author_meta[0]) ||
		    !strcmp(x->metas[i].key, k_author_meta[1]))
			ex_add_authors(x, a, x->metas[i].value);
	if (!a->n_authors)
		for (i = 0; i < x->n_ip_authors; i++)
			ex_add_authors(x, a, x->ip_authors[i]);
	for (i = 0; k_author_names[i] && !a->n_authors; i++)
		ex_add_authors(x, a, ex_meta(x, k_author_names[i]));
	for (i = 0; i < x->n_bylines && !a->n_authors; i++)
		ex_add_authors(x, a, x->bylines[i]);

	/* visible lines fill what markup left empty */
	if (!gz_time_valid(&pub))
		pub_how = 2;
	ex_visible_meta(x, a, first_content, &pub, &mod, &vis_source,
			&vis_section, !a->n_authors);
	for (i = 0; i < x->n_datetexts && !gz_time_valid(&pub); i++)
		if (!ex_starts_mod_label(x->datetexts[i],
					 strlen(x->datetexts[i])) &&
		    datetext_find(x->datetexts[i], strlen(x->datetexts[i]), &tt,
				  NULL, NULL) == GZ_OK &&
		    ex_time_ok(x, &tt))
			pub = tt;
	/* a short line just above the text, or between the headline and the
	** first real paragraph, that holds a date (a dateline, a byline);
	** boilerplate outside the chosen content (a site header showing
	** today's date) does not count */
	if (!gz_time_valid(&pub) && first_content != (size_t)-1) {
		size_t first_body = first_content, stop;

		while (first_body < x->n_pars &&
		       first_body < first_content + 12) {
			const struct ex_par *p = &x->pars[first_body];

			if (p->chars >= 80 && p->tag != T_H1 &&
			    p->tag != T_HN && !p->boiler &&
			    !ex_is_meta_line(x->pool.ptr + p->off, p->len))
				break;
			first_body++;
		}
		stop = first_body;
		for (i = first_content > 6 ? first_content - 6 : 0;
		     i < stop && i < x->n_pars && !gz_time_valid(&pub); i++) {
			const struct ex_par *p = &x->pars[i];

			if (p->len < 200 &&
			    (!p->boiler || ex_in_chosen(x, p)) &&
			    !ex_starts_mod_label(x->pool.ptr + p->off,
						 p->len) &&
			    datetext_find(x->pool.ptr + p->off, p->len, &tt,
					  NULL, NULL) == GZ_OK &&
			    ex_time_ok(x, &tt))
				pub = tt;
		}
	}
	if (!gz_time_valid(&pub)) {
		if ((datetext_from_url(x->opts->url, &tt) == GZ_OK &&
		     ex_time_ok(x, &tt)) ||
		    (datetext_from_url(a->canonical_url, &tt) == GZ_OK &&
		     ex_time_ok(x, &tt))) {
			pub = tt;
			pub_how = 3;
		}
	}
	if (pub_how == 2 && gz_time_valid(&pub))
		ex_note(conf, "published", "text");
	else if (pub_how == 3)
		ex_note(conf, "published", "url");
	ex_apply_tz(x->opts, &pub);
	ex_apply_tz(x->opts, &mod);
	a->published = pub;
	if (gz_time_valid(&mod)) {
		struct gz_time pd = pub, md = mod;

		if (!pd.has_time || !md.has_time)
			pd.has_time = md.has_time = 0;
		if (!gz_time_valid(&pub) || gz_time_cmp(&md, &pd) >= 0)
			a->modified = mod;
	}

	/* source */
	if (vis_source)
		ex_set(x, &a->source, vis_source);
	else if ((v = ex_meta(x, "og:site_name")))
		ex_set(x, &a->source, v);
	else if (ld && (v = ld_name(x, json_object_get(ld, "publisher"))) &&
		 (t = ex_clean_str(x, v, 1))) {
		ex_set(x, &a->source, t);
		free(t);
	} else if ((v = ex_meta(x, "dc.publisher")) ||
		   (v = ex_meta(x, "source")) || (v = x->ip_publisher))
		ex_set(x, &a->source, v);
	else if (x->opts->default_source && x->opts->default_source[0]) {
		ex_set(x, &a->source, x->opts->default_source);
		ex_note(conf, "source", "config");
	} else if ((t = ex_title_outlet(x))) {
		ex_set(x, &a->source, t);
		ex_note(conf, "source", "title");
		free(t);
	} else if (x->opts->fallback_source && x->opts->fallback_source[0]) {
		ex_set(x, &a->source, x->opts->fallback_source);
		ex_note(conf, "source", "config");
	} else if ((host = ex_host(x, x->opts->url))) {
		ex_set(x, &a->source, host);
		ex_note(conf, "source", "host");
		free(host);
	}
	free(vis_source);

	/* title */
	names[0] = a->source;
	names[1] = ex_meta(x, "og:site_name");
	names[2] = x->opts->default_source;
	host = ex_host(x, x->opts->url);
	names[3] = host;
	t = NULL;
	if (ld && (v = ld_str(ld, "headline")))
		t = ex_clean_str(x, v, 1);
	for (i = 0; k_title[i] && !t; i++)
		t = ex_clean_str(x, ex_meta(x, k_title[i]), 0);
	if (!t && x->title_tag) {
		t = strdup(x->title_tag);
		if (x->h1 && t && ex_strcasestr(t, x->h1) &&
		    strlen(x->h1) > 10) {
			free(t);
			t = strdup(x->h1);
		}
	}
	if (!t && x->h1) {
		t = strdup(x->h1);
		ex_note(conf, "title", "h1");
	}
	if (t) {
		ex_strip_title(t, names, 4);
		ex_set(x, &a->title, t);
		free(t);
	}
	free(host);

	/* section */
	t = NULL;
	if (ld && (v = ld_str(ld, "articleSection")))
		t = ex_clean_str(x, v, 1);
	for (i = 0; k_section[i] && !t; i++)
		t = ex_clean_str(x, ex_meta(x, k_section[i]), 0);
	if (t) {
		ex_set(x, &a->section, t);
		free(t);
	} else if (vis_section) {
		ex_set(x, &a->section, vis_section);
	}
	free(vis_section);

	/* description */
	t = NULL;
	if (ld && (v = ld_str(ld, "description")))
		t = ex_clean_str(x, v, 1);
	for (i = 0; k_desc[i] && !t; i++)
		t = ex_clean_str(x, ex_meta(x, k_desc[i]), 0);
	if (t) {
		ex_set(x, &a->description, t);
		free(t);
	}

	/* language: the markup unless the text plainly says otherwise */
	if (lang_from_tag(x->html_lang, lang) ||
	    lang_from_tag(ex_meta(x, "http:content-language"), lang) ||
	    lang_from_tag(ex_meta(x, "content-language"), lang) ||
	    lang_from_tag(ex_meta(x, "language"), lang) ||
	    lang_from_tag(ex_meta(x, "og:locale"), lang) ||
	    (ld && lang_from_tag(ld_str(ld, "inLanguage"), lang)) ||
	    lang_from_tag(ex_meta(x, "dc.language"), lang))
		v = lang;
	else
		v = NULL;
	v = lang_choose(v, body_text, body_text ? strlen(body_text) : 0,
			&from_text);
	if (v) {
		ex_set(x, &a->language, v);
		if (from_text)
			ex_note(conf, "language",
				lang[0] ? "text-over-markup" : "guess");
	}
}

/* libxml2's global set-up, before several threads parse (extract.h). */
void extract_global_init(void)
{
	xmlInitParser();
}

int extract_html(const char *html, size_t len, const struct extract_opts *opts,
		 struct article *out, enum page_kind *kind, char *err)
{
	static const struct extract_opts no_opts;
	struct ex_ctx *x;
	struct charset_result in;
	struct buf text, conf;
	CURLU *base = NULL;
	char *canon;
	const char *ldbody = NULL;
	json_t *ld = NULL;
	size_t npar = 0, first_content = (size_t)-1, i, chars;
	int chosen, pass = 1, rc = GZ_OK, markup;

	if (kind)
		*kind = PAGE_OTHER;
	if (!opts)
		opts = &no_opts;
	if (!html && len)
		return gz_fail(err, GZ_EINVAL, "extract: no input");
	if (len > GZ_MAX_PAGE_BYTES)
		return gz_fail(err, GZ_ETOOBIG, "page of %zu bytes exceeds %u",
			       len, GZ_MAX_PAGE_BYTES);
	if (opts->url && article_set(&out->url, opts->url) != GZ_OK)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	x = calloc(1, sizeof *x);
	if (!x)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	x->opts = opts;
	ex_patidx_init(&x->patidx);
	x->now = opts->now ? opts->now : time(NULL);
	buf_init(&x->pool, 4u * GZ_MAX_PAGE_BYTES);
	buf_init(&x->cur, GZ_MAX_TEXT_BYTES);
	buf_init(&text, GZ_MAX_TEXT_BYTES);
	buf_init(&conf, 1024);

	rc = charset_to_utf8(html, len, opts->content_type,
			     GZ_MAX_DECODED_BYTES, &in);
	if (rc == GZ_ENOMEM) {
		charset_result_free(&in);
		rc = gz_fail(err, rc, "out of memory");
		goto done;
	}
	rc = GZ_OK;
	if (in.len)
		x->doc = htmlReadMemory(in.ptr, (int)in.len, opts->url, "UTF-8",
					EX_PARSE_OPTIONS);
	if (in.how == CHARSET_GUESSED)
		ex_note(&conf, "charset", in.name);
	charset_result_free(&in);
	if (!x->doc) {
		rc = gz_fail(err, GZ_EPARSE, "no HTML could be parsed");
		goto done;
	}
	ex_walk(x);

	/* base URL for links and the canonical URL */
	if (opts->url) {
		base = curl_url();
		if (base &&
		    curl_url_set(base, CURLUPART_URL, opts->url, 0) !=
			    CURLUE_OK) {
			curl_url_cleanup(base);
			base = NULL;
		}
	}
	if (x->base_href) {
		char *b = ex_resolve(base, x->base_href);

		if (b) {
			CURLU *nb = curl_url();

			if (nb &&
			    curl_url_set(nb, CURLUPART_URL, b, 0) ==
				    CURLUE_OK) {
				curl_url_cleanup(base);
				base = nb;
			} else {
				curl_url_cleanup(nb);
			}
			free(b);
		}
	}
	canon = ex_resolve(base,
			   x->canonical ? x->canonical : ex_meta(x, "og:url"));
	if (!canon && x->canonical)
		canon = ex_resolve(base, ex_meta(x, "og:url"));
	if (canon) {
		ex_set(x, &out->canonical_url, canon);
		free(canon);
	}

	/* the text */
	chosen = ex_score(x, 1);
	ex_build_text(x, 1, !chosen, NULL, &text, &npar);
	if (ex_chars(text.ptr, text.len) < 150) {
		struct buf t2;
		size_t np2 = 0;
		int c2 = ex_score(x, 2);

		buf_init(&t2, GZ_MAX_TEXT_BYTES);
		ex_build_text(x, 2, !c2, NULL, &t2, &np2);
		if (ex_chars(t2.ptr, t2.len) >=
			    2 * ex_chars(text.ptr, text.len) &&
		    t2.len > 0) {
			buf_release(&text);
			text = t2;
			npar = np2;
			pass = 2;
			chosen = c2;
		} else {
			buf_release(&t2);
			ex_score(x, 1);
		}
	}
	for (i = 0; i < x->n_pars; i++) {
		if (ex_par_live(&x->pars[i], pass) &&
		    (!chosen || ex_in_chosen(x, &x->pars[i])) &&
		    !ex_is_meta_line(x->pool.ptr + x->pars[i].off,
				     x->pars[i].len)) {
			first_content = i;
			break;
		}
	}
	ex_fields(x, out, first_content, text.ptr, &conf);

	/* JSON-LD articleBody when the DOM gives clearly less */
	for (i = 0; i < x->n_ld && !ld; i++)
		ld = ld_find_article(x->ld[i], 0);
	if (ld)
		ldbody = ld_str(ld, "articleBody");
	chars = ex_chars(text.ptr, text.len);
	if (ldbody && ex_chars(ldbody, strlen(ldbody)) * 7 > chars * 10 &&
	    strlen(ldbody) >= 80) {
		buf_reset(&text);
		ex_ld_body_text(x, ldbody, &text);
		npar = 0;
		for (i = 0; i + 1 < text.len; i++)
			if (text.ptr[i] == '\n' && text.ptr[i + 1] == '\n')
				npar++;
		npar += text.len > 0;
		ex_note(&conf, "text", "json-ld");
	}
	/* headings that merely repeat the title go */
	if (out->title && text.len >= strlen(out->title) &&
	    !strncmp(text.ptr, out->title, strlen(out->title)) &&
	    (text.ptr[strlen(out->title)] == '\0' ||
	     text.ptr[strlen(out->title)] == '\n')) {
		size_t cut = strlen(out->title);

		while (cut < text.len && text.ptr[cut] == '\n')
			cut++;
		memmove(text.ptr, text.ptr + cut, text.len - cut + 1);
		text.len -= cut;
		if (npar)
			npar--;
	}
	if (text.len)
		ex_set(x, &out->text, text.ptr);
	if (!out->language && text.len) {
		int from_text;
		const char *g =
			lang_choose(NULL, text.ptr, text.len, &from_text);

		if (g) {
			ex_set(x, &out->language, g);
			ex_note(&conf, "language", "guess");
		}
	}
	if (conf.len)
		ex_set(x, &out->confidence, conf.ptr);

	/* what kind of page (bytes: a CJK character weighs three) */
	chars = text.len;
	markup = ld != NULL || x->article_body != NULL ||
		((canon = (char *)ex_meta(x, "og:type")) &&
		 !strcasecmp(canon, "article"));
	if (kind) {
		size_t heads = ld ? 0 : ex_headline_links(x, !chosen);

		/* many headline links and little text around them: a listing
		** (article markup asks for more evidence) */
		if (heads >= 4 && chars < heads * (markup ? 150 : 400))
			*kind = PAGE_LISTING;
		else if (out->title && markup && chars >= 150)
			*kind = PAGE_ARTICLE;
		else if (out->title && chars >= 250 && npar >= 2 &&
			 (x->n_article_elems < 3 || markup))
			*kind = PAGE_ARTICLE;
		else if (x->n_links >= 10)
			*kind = PAGE_LISTING;
		else
			*kind = PAGE_OTHER;
	}

	if (opts->on_link)
		ex_links(x, base);
	if (x->oom)
		rc = gz_fail(err, GZ_ENOMEM, "out of memory");
done:
	curl_url_cleanup(base);
	if (x->doc)
		xmlFreeDoc(x->doc);
	buf_release(&text);
	buf_release(&conf);
	ex_ctx_free(x);
	free(x);
	return rc;
}
