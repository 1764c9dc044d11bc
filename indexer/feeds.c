/*
** feeds.c — RSS, Atom and sitemap reading over libxml2's SAX2 parser.
**
** Parsing streams: entries are handed to the caller as each one closes,
** so memory stays bounded by the largest entry, and a parse error keeps
** everything before it.  The root element decides the kind of document;
** within an entry only direct children in the document's own namespace
** (plus Dublin Core dates and Google News fields) are read, so an image
** sitemap's <image:loc> or a media:title never replaces the real one.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <zlib.h>

#include "buf.h"
#include "datetext.h"
#include "feeds.h"
#include "gz_err.h"
#include "gz_limits.h"

#define NS_RSS1 "http://purl.org/rss/1.0/"
#define NS_RDF  "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_DC   "http://purl.org/dc/elements/1.1/"
#define NS_NEWS "http://www.google.com/schemas/sitemap-news/0.9"

/* Longest title or date text kept; longer text is cut. */
#define FEED_MAX_FIELD 4096

/* The fields of an entry that are read. */
enum feed_field {
	FF_NONE = 0,
	FF_LINK,      /* RSS <link>, sitemap <loc> */
	FF_GUID,      /* RSS <guid>, a link when it is a permalink */
	FF_TITLE,     /* <title> */
	FF_PUB,       /* pubDate, dc:date, published, news:publication_date */
	FF_MOD,       /* Atom updated, sitemap lastmod */
	FF_NEWS_TITLE /* news:title */
};

/* The state of one parse. */
struct feed_state {
	enum feed_kind kind;    /* from the root element */
	const char *main_ns;    /* namespace of entry children; NULL = none */
	char main_ns_buf[256];  /* storage for main_ns */
	int depth;              /* depth of the next element (root: 0) */
	int rc;                 /* first error raised inside a callback */
	char *err;              /* the caller's message buffer */
	const char *entry_name; /* local name of an entry element */
	int entry_depth;        /* depth of the open entry; -1 none */
	int news_depth;         /* depth of an open news:news; -1 none */
	enum feed_field field;  /* field being read */
	int field_depth;        /* its depth */
	struct buf text;        /* text of the open field */
	struct buf link;        /* the entry's link */
	struct buf guid;        /* its guid when a permalink */
	struct buf title;       /* its title */
	struct buf news_title;  /* its news:title */
	struct gz_time pub;     /* its publication date */
	struct gz_time mod;     /* its modification date */
	int guid_perma;         /* the guid is a permalink */
	feed_entry_fn fn;       /* callback */
	void *ctx;              /* its context */
	struct feed_info *info; /* summary being filled */
	size_t max_entries;     /* entry bound for this kind */
	int stop;               /* the callback asked to stop */
	int full;               /* the entry bound was reached */
	char xml_err[200];      /* first XML error message */
	int xml_err_line;       /* and its line */
};

const char *feed_kind_name(enum feed_kind kind)
{
	switch (kind) {
	case FEED_UNKNOWN: return "unknown";
	case FEED_RSS: return "rss";
	case FEED_RDF: return "rdf";
	case FEED_ATOM: return "atom";
	case FEED_URLSET: return "sitemap";
	case FEED_SITEMAPINDEX: return "sitemapindex";
	case FEED_TEXT: return "text-sitemap";
	}
	return "unknown";
}

/* Trim ASCII white space from both ends of b in place. */
static void feed_trim(struct buf *b)
{
	size_t start = 0, end = b->len;

	while (start < end && (unsigned char)b->ptr[start] <= 0x20)
		start++;
	while (end > start && (unsigned char)b->ptr[end - 1] <= 0x20)
		end--;
	if (start)
		memmove(b->ptr, b->ptr + start, end - start);
	buf_truncate(b, end - start);
}

/* Replace dst's contents with src's, cut at dst's cap.  GZ_OK or GZ_ENOMEM. */
static int feed_copy(struct buf *dst, const struct buf *src)
{
	size_t n = src->len < dst->max ? src->len : dst->max;

	buf_reset(dst);
	return buf_add(dst, src->ptr, n) == GZ_ENOMEM ? GZ_ENOMEM : GZ_OK;
}

/* Forget the entry being read. */
static void feed_entry_reset(struct feed_state *st)
{
	buf_reset(&st->link);
	buf_reset(&st->guid);
	buf_reset(&st->title);
	buf_reset(&st->news_title);
	memset(&st->pub, 0, sizeof st->pub);
	memset(&st->mod, 0, sizeof st->mod);
	st->guid_perma = 0;
	st->news_depth = -1;
	st->field = FF_NONE;
}

/* Deliver the entry just closed, if it has a URL. */
static void feed_emit(struct feed_state *st)
{
	struct feed_entry e;
	const char *url = st->link.len             ? st->link.ptr
		: (st->guid_perma && st->guid.len) ? st->guid.ptr
						   : NULL;

	if (!url) {
		st->info->skipped++;
		return;
	}
	if (st->info->entries >= st->max_entries) {
		st->full = 1;
		st->info->skipped++;
		return;
	}
	e.url = url;
	e.title = st->title.len      ? st->title.ptr
		: st->news_title.len ? st->news_title.ptr
				     : NULL;
	e.date = gz_time_valid(&st->pub) ? st->pub : st->mod;
	e.is_sitemap = st->kind == FEED_SITEMAPINDEX;
	st->info->entries++;
	if (st->fn(st->ctx, &e) != 0)
		st->stop = 1;
}

/* True when a and b are both NULL or equal strings. */
static int feed_ns_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parse the date text of a field into *t (left zero when it does not parse). */
static void feed_date(const struct buf *text, struct gz_time *t)
{
	struct gz_time tmp;

	memset(&tmp, 0, sizeof tmp);
	if (text->len && datetext_parse(text->ptr, &tmp) == GZ_OK)
		*t = tmp;
}

/* The field an element starting at depth is, inside an open entry. */
static enum feed_field feed_classify(struct feed_state *st, const char *name,
				     const char *ns, int depth)
{
	if (st->news_depth >= 0 && depth == st->news_depth + 1 &&
	    feed_ns_eq(ns, NS_NEWS)) {
		if (strcmp(name, "publication_date") == 0)
			return FF_PUB;
		if (strcmp(name, "title") == 0)
			return FF_NEWS_TITLE;
		return FF_NONE;
	}
	if (depth != st->entry_depth + 1)
		return FF_NONE;
	if (feed_ns_eq(ns, NS_DC) && strcmp(name, "date") == 0)
		return FF_PUB;
	if (!feed_ns_eq(ns, st->main_ns))
		return FF_NONE;
	switch (st->kind) {
	case FEED_RSS:
	case FEED_RDF:
		if (strcmp(name, "link") == 0)
			return FF_LINK;
		if (strcmp(name, "guid") == 0)
			return FF_GUID;
		if (strcmp(name, "title") == 0)
			return FF_TITLE;
		if (strcmp(name, "pubDate") == 0)
			return FF_PUB;
		return FF_NONE;
	case FEED_ATOM:
		if (strcmp(name, "title") == 0)
			return FF_TITLE;
		if (strcmp(name, "published") == 0)
			return FF_PUB;
		if (strcmp(name, "updated") == 0)
			return FF_MOD;
		return FF_NONE;
	case FEED_URLSET:
	case FEED_SITEMAPINDEX:
		if (strcmp(name, "loc") == 0)
			return FF_LINK;
		if (strcmp(name, "lastmod") == 0)
			return FF_MOD;
		return FF_NONE;
	case FEED_UNKNOWN:
	case FEED_TEXT: break;
	}
	return FF_NONE;
}

/* Store the text of the field that just closed.  GZ_OK or GZ_ENOMEM. */
static int feed_field_end(struct feed_state *st)
{
	int rc = GZ_OK;

	feed_trim(&st->text);
	switch (st->field) {
	case FF_LINK:
		if (!st->link.len)
			rc = feed_copy(&st->link, &st->text);
		break;
	case FF_GUID:
		if (st->guid_perma)
			rc = feed_copy(&st->guid, &st->text);
		if (strncasecmp(st->guid.ptr, "http://", 7) != 0 &&
		    strncasecmp(st->guid.ptr, "https://", 8) != 0)
			st->guid_perma = 0;
		break;
	case FF_TITLE: rc = feed_copy(&st->title, &st->text); break;
	case FF_NEWS_TITLE: rc = feed_copy(&st->news_title, &st->text); break;
	case FF_PUB:
		if (!gz_time_valid(&st->pub))
			feed_date(&st->text, &st->pub);
		break;
	case FF_MOD: feed_date(&st->text, &st->mod); break;
	case FF_NONE: break;
	}
	st->field = FF_NONE;
	buf_reset(&st->text);
	return rc;
}

/*
** The value of attribute name (no namespace) among a SAX2 attribute array
** (nb 5-tuples: localname, prefix, URI, value, value end) into out of size
** n, with the numeric character references libxml2 leaves in attribute
** values ("&#38;") decoded.  Returns 1 when present, 0 when absent or too
** long.
*/
static int feed_attr(const xmlChar **attrs, int nb, const char *name, char *out,
		     size_t n)
{
	int i;

	for (i = 0; i < nb; i++) {
		const char *v = (const char *)attrs[5 * i + 3];
		const char *end = (const char *)attrs[5 * i + 4];
		size_t j = 0;

		if (attrs[5 * i + 2] ||
		    strcmp((const char *)attrs[5 * i], name))
			continue;
		while (v < end) {
			unsigned long c = 0;
			const char *q = v + 2;

			if (v[0] == '&' && v + 2 < end && v[1] == '#') {
				while (q < end && *q >= '0' && *q <= '9' &&
				       c < 256)
					c = c * 10 +
						(unsigned long)(*q++ - '0');
				if (q < end && *q == ';' && q > v + 2 &&
				    c > 0 && c < 128) {
					if (j + 1 >= n)
						return 0;
					out[j++] = (char)c;
					v = q + 1;
					continue;
				}
			}
			if (j + 1 >= n)
				return 0;
			out[j++] = *v++;
		}
		out[j] = '\0';
		return 1;
	}
	return 0;
}

/*
** An Atom <link>: take href of the first link whose rel is absent or
** "alternate".  GZ_OK or GZ_ENOMEM.
*/
static int feed_atom_link(struct feed_state *st, const xmlChar **attrs, int nb)
{
	char rel[64];
	char *href;
	int rc = GZ_OK;

	if (st->link.len)
		return GZ_OK;
	if (feed_attr(attrs, nb, "rel", rel, sizeof rel) &&
	    strcmp(rel, "alternate") != 0)
		return GZ_OK;
	href = malloc(GZ_MAX_URL_LEN + 1);
	if (!href)
		return GZ_ENOMEM;
	if (feed_attr(attrs, nb, "href", href, GZ_MAX_URL_LEN + 1)) {
		rc = buf_adds(&st->link, href) == GZ_ENOMEM ? GZ_ENOMEM : GZ_OK;
		feed_trim(&st->link);
	}
	free(href);
	return rc;
}

/* Remember ns as the namespace of entry children (NULL: none). */
static void feed_set_main_ns(struct feed_state *st, const char *ns)
{
	st->main_ns = NULL;
	if (ns && strlen(ns) < sizeof st->main_ns_buf) {
		memcpy(st->main_ns_buf, ns, strlen(ns) + 1);
		st->main_ns = st->main_ns_buf;
	} else if (ns) {
		st->main_ns = "\x01"; /* matches no namespace */
	}
}

/* Recognise the root element.  GZ_OK or GZ_EPARSE. */
static int feed_root(struct feed_state *st, const char *name, const char *ns,
		     char *err)
{
	if (strcmp(name, "rss") == 0) {
		st->kind = FEED_RSS;
		st->main_ns = NULL;
		st->entry_name = "item";
	} else if (strcmp(name, "RDF") == 0 && feed_ns_eq(ns, NS_RDF)) {
		st->kind = FEED_RDF;
		feed_set_main_ns(st, NS_RSS1);
		st->entry_name = "item";
	} else if (strcmp(name, "feed") == 0 && feed_ns_eq(ns, NS_ATOM)) {
		st->kind = FEED_ATOM;
		feed_set_main_ns(st, NS_ATOM);
		st->entry_name = "entry";
	} else if (strcmp(name, "urlset") == 0) {
		/* Any namespace the root declares (0.9, old Google ones, none). */
		st->kind = FEED_URLSET;
		feed_set_main_ns(st, ns);
		st->entry_name = "url";
	} else if (strcmp(name, "sitemapindex") == 0) {
		st->kind = FEED_SITEMAPINDEX;
		feed_set_main_ns(st, ns);
		st->entry_name = "sitemap";
		st->max_entries = GZ_MAX_SITEMAPS;
	} else {
		return gz_fail(err, GZ_EPARSE,
			       "not a feed or sitemap: root element <%.64s>",
			       name);
	}
	st->info->kind = st->kind;
	return GZ_OK;
}

/* Handle an element start at depth.  GZ_OK, GZ_EPARSE or GZ_ENOMEM. */
static int feed_start(struct feed_state *st, const char *name, const char *ns,
		      const xmlChar **attrs, int nb, int depth)
{
	enum feed_field f;

	if (st->kind == FEED_UNKNOWN)
		return feed_root(st, name, ns, st->err);
	if (st->entry_depth < 0) {
		if (st->kind == FEED_RDF && strcmp(name, "item") == 0 &&
		    !feed_ns_eq(ns, NS_RDF))
			feed_set_main_ns(st, ns); /* RSS 1.0, or 0.90's own */
		if (strcmp(name, st->entry_name) == 0 &&
		    feed_ns_eq(ns, st->main_ns)) {
			feed_entry_reset(st);
			st->entry_depth = depth;
		}
		return GZ_OK;
	}
	if (st->field != FF_NONE)
		return GZ_OK; /* markup inside a field: its text still counts */
	if (st->kind == FEED_URLSET && depth == st->entry_depth + 1 &&
	    strcmp(name, "news") == 0 && feed_ns_eq(ns, NS_NEWS)) {
		st->news_depth = depth;
		return GZ_OK;
	}
	if (st->kind == FEED_ATOM && depth == st->entry_depth + 1 &&
	    strcmp(name, "link") == 0 && feed_ns_eq(ns, NS_ATOM))
		return feed_atom_link(st, attrs, nb);
	f = feed_classify(st, name, ns, depth);
	if (f == FF_NONE)
		return GZ_OK;
	if (f == FF_GUID) {
		char v[16];

		st->guid_perma =
			!feed_attr(attrs, nb, "isPermaLink", v, sizeof v) ||
			strcmp(v, "false") != 0;
	}
	st->field = f;
	st->field_depth = depth;
	buf_reset(&st->text);
	return GZ_OK;
}

/* Handle the end of an element at depth. */
static int feed_end(struct feed_state *st, int depth)
{
	int rc = GZ_OK;

	if (st->field != FF_NONE && depth == st->field_depth)
		rc = feed_field_end(st);
	else if (st->news_depth >= 0 && depth == st->news_depth)
		st->news_depth = -1;
	else if (st->entry_depth >= 0 && depth == st->entry_depth) {
		feed_emit(st);
		st->entry_depth = -1;
	}
	return rc;
}

/* Stop the parser from inside a callback with rc (unless already stopped). */
static void feed_sax_stop(xmlParserCtxtPtr ctxt, struct feed_state *st, int rc)
{
	if (rc != GZ_OK && st->rc == GZ_OK)
		st->rc = rc;
	if (st->rc != GZ_OK || st->stop || st->full)
		xmlStopParser(ctxt);
}

/* SAX2 startElementNs: ctx is the parser context, our state in _private. */
static void feed_sax_start(void *ctx, const xmlChar *localname,
			   const xmlChar *prefix, const xmlChar *uri,
			   int nb_namespaces, const xmlChar **namespaces,
			   int nb_attributes, int nb_defaulted,
			   const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct feed_state *st = ctxt->_private;
	int depth = st->depth++;

	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	if (st->rc != GZ_OK || st->stop || st->full)
		return;
	feed_sax_stop(ctxt, st,
		      feed_start(st, (const char *)localname, (const char *)uri,
				 attributes, nb_attributes, depth));
}

/* SAX2 endElementNs. */
static void feed_sax_end(void *ctx, const xmlChar *localname,
			 const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct feed_state *st = ctxt->_private;
	int depth = --st->depth;

	(void)localname;
	(void)prefix;
	(void)uri;
	if (st->rc != GZ_OK || st->stop || st->full)
		return;
	feed_sax_stop(ctxt, st, feed_end(st, depth));
}

/* SAX characters and CDATA: text of the open field. */
static void feed_sax_text(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct feed_state *st = ctxt->_private;

	if (st->field == FF_NONE || len <= 0)
		return;
	if (buf_add(&st->text, ch, (size_t)len) == GZ_ENOMEM)
		feed_sax_stop(ctxt, st, GZ_ENOMEM);
	/* GZ_ETOOBIG: the field keeps its first FEED_MAX_FIELD bytes. */
}

/* SAX entity reference: never expanded, never fetched. */
static void feed_sax_reference(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
}

/* libxml2 structured error handler: keep the first error of the parse. */
static void feed_sax_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct feed_state *st = ctxt ? ctxt->_private : NULL;
	size_t n;

	if (!st || !e || st->xml_err[0] || e->level < XML_ERR_ERROR)
		return;
	snprintf(st->xml_err, sizeof st->xml_err, "%s",
		 e->message ? e->message : "XML error");
	n = strlen(st->xml_err);
	while (n && (st->xml_err[n - 1] == '\n' || st->xml_err[n - 1] == ' '))
		st->xml_err[--n] = '\0';
	st->xml_err_line = e->line;
}

/*
** Parse an XML feed or sitemap with SAX2 callbacks, so that each entry is
** delivered when it closes and a fault keeps everything before it.  The
** default SAX2 handlers stay in place for the DTD (entity declarations are
** recorded, never loaded); content callbacks are ours.  Returns as
** feed_parse.
*/
static int feed_parse_xml(struct feed_state *st, const char *data, size_t len,
			  char *err)
{
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		XML_PARSE_NOCDATA;
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	int rc = GZ_OK, wf;

	if (len > GZ_MAX_FEED_BYTES)
		return gz_fail(err, GZ_ETOOBIG, "feed larger than %u bytes",
			       GZ_MAX_FEED_BYTES);
	ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (!ctxt)
		return gz_fail(err, GZ_ENOMEM, "cannot create XML parser");
	memset(&sax, 0, sizeof sax);
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = feed_sax_start;
	sax.endElementNs = feed_sax_end;
	sax.characters = feed_sax_text;
	sax.cdataBlock = feed_sax_text;
	sax.ignorableWhitespace = feed_sax_text;
	sax.reference = feed_sax_reference;
	sax.serror = feed_sax_error;
	sax.comment = NULL;
	sax.processingInstruction = NULL;
	memcpy(ctxt->sax, &sax, sizeof sax);
	ctxt->_private = st;
	st->err = err;
	xmlCtxtUseOptions(ctxt, opts);
	xmlParseDocument(ctxt);
	wf = ctxt->wellFormed;
	if (st->rc != GZ_OK) {
		rc = st->rc;
		if (rc == GZ_ENOMEM)
			gz_fail(err, rc, "out of memory");
	} else if (!st->stop && !st->full && !wf) {
		rc = gz_fail(err, GZ_EPARSE, "malformed XML at line %d: %s",
			     st->xml_err_line,
			     st->xml_err[0] ? st->xml_err : "parse error");
	} else if (st->kind == FEED_UNKNOWN && !st->stop) {
		rc = gz_fail(err, GZ_EPARSE, "empty document");
	} else if (st->full) {
		rc = gz_fail(err, GZ_ETOOBIG,
			     "more than %zu entries; the rest ignored",
			     st->max_entries);
	}
	if (ctxt->myDoc)
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	return rc;
}

/* Parse a plain-text sitemap: one absolute http(s) URL per line. */
static int feed_parse_text(struct feed_state *st, const char *data, size_t len,
			   char *err)
{
	size_t pos = 0;
	int rc = GZ_OK;

	st->kind = st->info->kind = FEED_TEXT;
	while (pos < len && !st->stop && !st->full && rc == GZ_OK) {
		size_t end = pos;

		while (end < len && data[end] != '\n' && data[end] != '\r')
			end++;
		buf_reset(&st->text);
		if (end - pos <= GZ_MAX_URL_LEN + 64 &&
		    (rc = buf_add(&st->text, data + pos, end - pos)) == GZ_OK) {
			feed_trim(&st->text);
			if (strncasecmp(st->text.ptr, "http://", 7) == 0 ||
			    strncasecmp(st->text.ptr, "https://", 8) == 0) {
				feed_entry_reset(st);
				rc = feed_copy(&st->link, &st->text);
				if (rc == GZ_OK)
					feed_emit(st);
			} else if (st->text.len) {
				st->info->skipped++;
			}
		} else if (rc == GZ_ETOOBIG) {
			st->info->skipped++;
			rc = GZ_OK;
		}
		pos = end + 1;
	}
	if (rc != GZ_OK)
		return gz_fail(err, rc, "%s", gz_strerror(rc));
	if (st->full)
		return gz_fail(err, GZ_ETOOBIG,
			       "more than %zu entries; the rest ignored",
			       st->max_entries);
	return GZ_OK;
}

/*
** Inflate the gzip data[0..len) (one or more members) into out, bounded
** by out->max.  GZ_OK, GZ_ETOOBIG, GZ_EPARSE or GZ_ENOMEM, err set.
*/
static int feed_gunzip(const char *data, size_t len, struct buf *out, char *err)
{
	z_stream z;
	unsigned char chunk[65536];
	int zr = Z_OK, rc = GZ_OK;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return gz_fail(err, GZ_ENOMEM, "cannot start gzip decoder");
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	while (rc == GZ_OK) {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			rc = gz_fail(err, GZ_EPARSE, "bad gzip data: %s",
				     z.msg ? z.msg : "error");
			break;
		}
		rc = buf_add(out, chunk, sizeof chunk - z.avail_out);
		if (rc == GZ_ETOOBIG) {
			rc = gz_fail(err, rc, "gzip body larger than %zu bytes",
				     out->max);
			break;
		}
		if (rc != GZ_OK) {
			rc = gz_fail(err, rc, "out of memory");
			break;
		}
		if (zr == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			inflateReset(&z); /* another member follows */
		} else if (zr == Z_BUF_ERROR && z.avail_in == 0) {
			rc = gz_fail(err, GZ_EPARSE, "truncated gzip data");
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

int feed_parse(const char *data, size_t len, feed_entry_fn fn, void *ctx,
	       struct feed_info *info, char *err)
{
	struct feed_info local;
	struct feed_state st;
	struct buf plain;
	size_t i = 0;
	int rc;

	if (!info)
		info = &local;
	memset(info, 0, sizeof *info);
	memset(&st, 0, sizeof st);
	st.fn = fn;
	st.ctx = ctx;
	st.info = info;
	st.entry_depth = -1;
	st.news_depth = -1;
	st.max_entries = GZ_MAX_FEED_ITEMS;
	buf_init(&st.text,
		 FEED_MAX_FIELD > GZ_MAX_URL_LEN ? FEED_MAX_FIELD
						 : GZ_MAX_URL_LEN);
	buf_init(&st.link, GZ_MAX_URL_LEN);
	buf_init(&st.guid, GZ_MAX_URL_LEN);
	buf_init(&st.title, FEED_MAX_FIELD);
	buf_init(&st.news_title, FEED_MAX_FIELD);
	buf_init(&plain, GZ_MAX_FEED_BYTES);

	if (len >= 2 && (unsigned char)data[0] == 0x1f &&
	    (unsigned char)data[1] == 0x8b) {
		info->gzip = 1;
		rc = feed_gunzip(data, len, &plain, err);
		if (rc != GZ_OK)
			goto done;
		data = plain.ptr;
		len = plain.len;
	}
	if (len > GZ_MAX_FEED_BYTES) {
		rc = gz_fail(err, GZ_ETOOBIG, "feed larger than %u bytes",
			     GZ_MAX_FEED_BYTES);
		goto done;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (unsigned char)data[i] <= 0x20)
		i++;
	if (i == len)
		rc = gz_fail(err, GZ_EPARSE, "empty document");
	else if (data[i] == '<')
		rc = feed_parse_xml(&st, data, len, err);
	else
		rc = feed_parse_text(&st, data + i, len - i, err);
done:
	buf_release(&st.text);
	buf_release(&st.link);
	buf_release(&st.guid);
	buf_release(&st.title);
	buf_release(&st.news_title);
	buf_release(&plain);
	return rc;
}
