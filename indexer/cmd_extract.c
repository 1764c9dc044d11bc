/*
** cmd_extract.c — gazette-indexer extract: what one page yields, as text or JSON.
**
**   gazette-indexer extract [--json] [--url URL] [--content-type TYPE] FILE|-
**
** FILE "-" reads standard input.  --url gives the page's URL (for links,
** the canonical URL and dates in the path); without it a file's file://
** URL is used.  --content-type passes an HTTP Content-Type header value,
** whose charset= then wins over the page's own <meta charset>.  (While
** main.c does not know the option, write it after "--".)  A FILE named
** *.txt, or given as text/plain, is a plain-text article (textpage.h).
**
** The JSON object always carries every field, null when unknown: url,
** canonical_url, title, published, modified (ISO 8601, with the UTC offset
** only when the page states one), source, authors (a list), section,
** language, description, text, confidence, and kind.
*/
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "indexer_cmd.h"
#include "textpage.h"
#include "version.h"

/* Print a for a person: one field per line, then the text. */
static void print_article(const struct article *a, enum page_kind kind)
{
	static const char *const kinds[] = { "article", "listing", "other" };
	char when[GZ_TIME_ISOLEN];
	size_t i;

	printf("kind:        %s\n", kinds[kind]);
	printf("url:         %s\n", a->url ? a->url : "");
	if (a->canonical_url)
		printf("canonical:   %s\n", a->canonical_url);
	printf("title:       %s\n", a->title ? a->title : "");
	printf("source:      %s\n", a->source ? a->source : "");
	gz_time_iso(&a->published, when);
	printf("published:   %s\n", when);
	gz_time_iso(&a->modified, when);
	if (*when)
		printf("modified:    %s\n", when);
	printf("section:     %s\n", a->section ? a->section : "");
	printf("authors:     ");
	for (i = 0; i < a->n_authors; i++)
		printf("%s%s", i ? "; " : "", a->authors[i]);
	printf("\nlanguage:    %s\n", a->language ? a->language : "");
	if (a->description)
		printf("description: %s\n", a->description);
	if (a->confidence)
		printf("guessed:     %s\n", a->confidence);
	printf("\n%s\n", a->text ? a->text : "");
}

/*
** Print a as one JSON object with every field present (null when
** unknown).  Returns GZ_OK or GZ_ENOMEM.
*/
static int print_json(const struct article *a, enum page_kind kind)
{
	static const char *const kinds[] = { "article", "listing", "other" };
	static const char *const keys[] = {
		"url",      "canonical_url", "title",   "published",
		"modified", "source",        "authors", "section",
		"language", "description",   "text",    "confidence",
	};
	json_t *in, *out;
	char *json, iso[GZ_TIME_ISOLEN];
	size_t i;
	int rc = GZ_ENOMEM;

	json = article_to_json(a, 1);
	if (!json)
		return GZ_ENOMEM;
	in = json_loads(json, 0, NULL);
	free(json);
	out = json_object();
	if (!in || !out)
		goto done;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(in, keys[i]);

		if (json_is_string(v) && !json_string_length(v))
			v = NULL;
		if (json_object_set(out, keys[i], v ? v : json_null()))
			goto done;
	}
	/* the times as stated, straight from the article */
	gz_time_iso(&a->published, iso);
	json_object_set_new(out, "published",
			    iso[0] ? json_string(iso) : json_null());
	gz_time_iso(&a->modified, iso);
	json_object_set_new(out, "modified",
			    iso[0] ? json_string(iso) : json_null());
	json_object_set_new(out, "kind", json_string(kinds[kind]));
	json = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (json) {
		printf("%s\n", json);
		free(json);
		rc = GZ_OK;
	}
done:
	json_decref(in);
	json_decref(out);
	return rc;
}

int cmd_extract(const struct cli_opts *o, int argc, char **argv)
{
	char err[GZ_ERRLEN], fallback[PATH_MAX + 8];
	const char *file;
	struct extract_opts eo;
	struct article a;
	enum page_kind kind = PAGE_OTHER;
	struct buf b;
	int rc;

	if (argc != 1) {
		fprintf(stderr,
			"gazette-indexer: extract takes one FILE (or -)\n");
		return GZ_EXIT_USAGE;
	}
	file = argv[0];
	buf_init(&b, GZ_MAX_PAGE_BYTES);
	rc = buf_read_file(&b, file, err);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s\n", err);
		buf_release(&b);
		return GZ_EXIT_PARTIAL;
	}
	if (o->content_type
		    ? strncasecmp(o->content_type, "text/plain", 10) == 0
		    : textpage_name(file)) {
		struct buf h;

		buf_init(&h, GZ_MAX_PAGE_BYTES);
		rc = textpage_to_html(b.ptr, b.len, &h);
		buf_release(&b);
		b = h;
		if (rc) {
			fprintf(stderr, "gazette-indexer: %s: %s\n", file,
				gz_strerror(rc));
			buf_release(&b);
			return GZ_EXIT_PARTIAL;
		}
	}
	memset(&eo, 0, sizeof eo);
	eo.content_type = o->content_type;
	if (o->url) {
		eo.url = o->url;
	} else if (strcmp(file, "-") != 0) {
		cmd_file_url(file, fallback, sizeof fallback);
		eo.url = fallback;
	}
	article_init(&a);
	rc = extract_html(b.ptr, b.len, &eo, &a, &kind, err);
	buf_release(&b);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", file, err);
		article_free(&a);
		return GZ_EXIT_PARTIAL;
	}
	if (o->json) {
		if (print_json(&a, kind) != GZ_OK) {
			article_free(&a);
			fprintf(stderr, "gazette-indexer: out of memory\n");
			return GZ_EXIT_SOFTWARE;
		}
	} else {
		print_article(&a, kind);
	}
	article_free(&a);
	return GZ_EXIT_OK;
}
