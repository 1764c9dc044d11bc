/*
** cmd_add.c — gazette-indexer add: local HTML files, into the index.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "config.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "index.h"
#include "indexer_cmd.h"
#include "log.h"
#include "version.h"


/* Counters for add. */
struct add_stats {
	unsigned added;     /* new documents */
	unsigned updated;   /* replaced documents */
	unsigned unchanged; /* same content as indexed */
	unsigned skipped;   /* not articles */
	unsigned failed;    /* unreadable or unparsable */
};

/* Read, extract and stage one file.  Counts the outcome in st. */
static void add_one(struct index_writer *w, const char *path, const char *url,
		    struct add_stats *st)
{
	char err[GZ_ERRLEN], fallback[PATH_MAX + 8];
	struct extract_opts eo;
	struct article a;
	enum page_kind kind;
	enum index_put_result res;
	struct buf b;
	int rc;

	buf_init(&b, GZ_MAX_PAGE_BYTES);
	rc = buf_read_file(&b, path, err);
	if (rc) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		st->failed++;
		buf_release(&b);
		return;
	}
	if (!url) {
		cmd_file_url(path, fallback, sizeof fallback);
		url = fallback;
	}
	memset(&eo, 0, sizeof eo);
	eo.url = url;
	article_init(&a);
	rc = extract_html(b.ptr, b.len, &eo, &a, &kind, err);
	buf_release(&b);
	if (rc) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		st->failed++;
	} else if (kind != PAGE_ARTICLE) {
		log_info("file=\"%s\" msg=\"not an article, skipped\"", path);
		st->skipped++;
	} else if ((rc = index_put(w, &a, &res, err)) != GZ_OK) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		st->failed++;
	} else {
		if (res == INDEX_NEW)
			st->added++;
		else if (res == INDEX_UPDATED)
			st->updated++;
		else
			st->unchanged++;
	}
	article_free(&a);
}

int cmd_add(const struct cli_opts *o, int argc, char **argv)
{
	struct gz_config cfg;
	struct index_writer *w = NULL;
	struct add_stats st;
	char err[GZ_ERRLEN];
	time_t start = time(NULL);
	int i, ex;

	if (argc < 1) {
		fprintf(stderr, "gazette-indexer: add needs at least one FILE\n");
		return GZ_EXIT_USAGE;
	}
	if (o->url && argc > 1) {
		fprintf(stderr, "gazette-indexer: --url applies to one FILE only\n");
		return GZ_EXIT_USAGE;
	}
	ex = cmd_load_config(o, &cfg);
	if (ex)
		return ex;
	ex = cmd_open_index(&cfg, &w);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	memset(&st, 0, sizeof st);
	for (i = 0; i < argc; i++) {
		add_one(w, argv[i], o->url, &st);
		if ((i + 1) % cfg.commit_every == 0 && index_commit(w, err))
			log_error("msg=\"commit failed: %s\"", err);
	}
	ex = cmd_close_index(w, cfg.index_path);
	printf("files=%d new=%u updated=%u unchanged=%u skipped=%u failed=%u seconds=%ld\n",
	       argc, st.added, st.updated, st.unchanged, st.skipped, st.failed,
	       (long)(time(NULL) - start));
	if (!ex && st.failed)
		ex = GZ_EXIT_PARTIAL;
	config_free(&cfg);
	return ex;
}
