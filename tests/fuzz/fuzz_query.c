/*
** fuzz_query.c — the query side: a request line (plain query or JSON, as
** a client sends it) through proto_parse_line and search_run over a small
** index built once per process in a temporary directory, then the reply
** serialised with proto_reply_result.
*/
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "article.h"
#include "gz_err.h"
#include "gztime.h"
#include "index.h"
#include "proto.h"
#include "search.h"
#include "fuzz.h"

#ifndef FQ_ONCE
#define FQ_ONCE
static struct searcher *fq_searcher;
static char fq_dir[512];

/* At exit: close the searcher and remove the index (a flat directory). */
static void fq_cleanup(void)
{
	char path[1024];
	struct dirent *e;
	DIR *d;

	searcher_close(fq_searcher);
	fq_searcher = NULL;
	if (!fq_dir[0] || !(d = opendir(fq_dir)))
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof path, "%s/%s", fq_dir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	rmdir(fq_dir);
}

static const char *const fq_words[] = {
	"city",    "diplomacy", "exchange",   "trade",    "harbour",
	"sister",  "pacific",   "embassy",    "public",   "digital",
	"economy", "culture",   "mayor",      "student",  "shipping",
	"route",   "summit",    "minister",   "北京",     "外交",
	"城市",    "diplomat",  "diplomatic", "diplomas", "dipole",
	"dip",     "dipped",
};

/* Build the index (40 articles over a small vocabulary) and open it. */
static int fq_setup(void)
{
	struct index_writer *w = NULL;
	char err[GZ_ERRLEN], url[128], text[1024], date[32];
	const size_t nw = sizeof fq_words / sizeof fq_words[0];
	const char *dir = getenv("TMPDIR");
	enum index_put_result res;
	int i, j;

	snprintf(fq_dir, sizeof fq_dir, "%s/gz-fuzz-query-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	if (!mkdtemp(fq_dir)) {
		fq_dir[0] = '\0';
		return -1;
	}
	atexit(fq_cleanup);
	if (index_open(fq_dir, INDEX_NO_SYNC, &w, err))
		return -1;
	for (i = 0; i < 40; i++) {
		struct article a;
		size_t off = 0;

		article_init(&a);
		snprintf(url, sizeof url,
			 "http://news%d.example.com/%d/story-%d.html", i % 3,
			 2010 + i % 6, i);
		for (j = 0; j < 60 && off < sizeof text - 32; j++)
			off += (size_t)snprintf(
				text + off, sizeof text - off, "%s ",
				fq_words[(size_t)(i * 7 + j * 3 + j / 5) % nw]);
		snprintf(date, sizeof date, "%d-%02d-%02dT10:00:00",
			 2010 + i % 6, 1 + i % 12, 1 + i % 28);
		if (article_set(&a.url, url) ||
		    article_set(&a.title, fq_words[(size_t)i % nw]) ||
		    article_set(&a.source, i % 2 ? "Global Times" : "Xinhua") ||
		    article_set(&a.section, i % 3 ? "World" : "Viewpoint") ||
		    article_set(&a.language, i % 5 ? "en" : "zh") ||
		    article_set(&a.text, text) ||
		    article_add_author(&a, i % 2 ? "Xiong Wei" : "Li Na") ||
		    gz_time_parse_iso(date, &a.published) ||
		    index_put(w, &a, &res, err)) {
			article_free(&a);
			index_close(w, err);
			return -1;
		}
		article_free(&a);
	}
	if (index_close(w, err))
		return -1;
	if (searcher_open(fq_dir, &fq_searcher, err))
		return -1;
	searcher_set_time_limit(fq_searcher, 2000);
	return 0;
}
#endif /* FQ_ONCE */

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	static int ready; /* 1 set up, -1 failed */
	struct search_request req;
	struct search_result res;
	char err[GZ_ERRLEN];
	char *reply;

	if (!ready)
		ready = fq_setup() ? -1 : 1;
	if (ready < 0)
		abort(); /* the fixture itself is broken: say so loudly */
	search_request_init(&req);
	if (proto_parse_line((const char *)data, size, &req, err) == GZ_OK &&
	    req.cmd == SEARCH_CMD_SEARCH) {
		if (search_run(fq_searcher, &req, &res, err) == GZ_OK) {
			reply = proto_reply_result(&req, &res);
			free(reply);
			search_result_free(&res);
		}
	}
	search_request_free(&req);
	return 0;
}
