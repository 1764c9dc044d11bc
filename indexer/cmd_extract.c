/*
** cmd_extract.c — gazette-indexer extract: what one page yields, as text or JSON.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "indexer_cmd.h"
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

int cmd_extract(const struct cli_opts *o, int argc, char **argv)
{
	char err[GZ_ERRLEN], fallback[PATH_MAX + 8];
	struct extract_opts eo;
	struct article a;
	enum page_kind kind = PAGE_OTHER;
	struct buf b;
	char *json;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "gazette-indexer: extract takes one FILE (or -)\n");
		return GZ_EXIT_USAGE;
	}
	buf_init(&b, GZ_MAX_PAGE_BYTES);
	rc = buf_read_file(&b, argv[0], err);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s\n", err);
		buf_release(&b);
		return GZ_EXIT_PARTIAL;
	}
	memset(&eo, 0, sizeof eo);
	if (o->url) {
		eo.url = o->url;
	} else if (strcmp(argv[0], "-") != 0) {
		cmd_file_url(argv[0], fallback, sizeof fallback);
		eo.url = fallback;
	}
	article_init(&a);
	rc = extract_html(b.ptr, b.len, &eo, &a, &kind, err);
	buf_release(&b);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", argv[0], err);
		article_free(&a);
		return GZ_EXIT_PARTIAL;
	}
	if (o->json) {
		json = article_to_json(&a, 1);
		if (!json) {
			article_free(&a);
			fprintf(stderr, "gazette-indexer: out of memory\n");
			return GZ_EXIT_SOFTWARE;
		}
		printf("%s\n", json);
		free(json);
	} else {
		print_article(&a, kind);
	}
	article_free(&a);
	return GZ_EXIT_OK;
}
