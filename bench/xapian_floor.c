/*
** xapian_floor.c — what Xapian's write path costs on its own, with none of
** Gazette's work around it: the article records of a JSON-lines file are
** loaded into memory first, then each thread indexes its share (every
** N-th record) into a database of its own, the way `add --bulk` writes its
** parts: title (prefixed and plain) and text through the term generator
** (English, STEM_SOME, positions), one unique id term, replace_document,
** a commit every --batch documents.  Nothing else: no record, values,
** hashes, spelling, duplicates or metadata.  The figure it prints is the
** most any indexer built on Xapian's API can do with this term layout on
** this machine.
**
**   xapian_floor DOCS.jsonl OUTDIR [--threads N] [--batch N]
**                [--no-positions] [--stem-all] [--tokenize-only] [--sync]
**                [--values N] [--data BYTES] [--spelling]
**
** --values N adds N value slots of 16 bytes to each document, --data
** BYTES a stored blob of that size (the text's first bytes) and
** --spelling the title's words to the spelling table, to see what such
** extras cost the writer.
**
** Prints one JSON object: documents, threads, wall seconds, CPU seconds
** (user + system of the indexing phase only), documents per wall second
** and per CPU second.  Built by bench/index (--floor) against the tree's
** libgazette.a.
*/
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_args.h"
#include "gz_err.h"
#include "gztime.h"
#include "xsh.h"

#define MAX_THREADS 16
#define MAX_VALUES  64        /* --values at most */
#define MAX_DATA    (1 << 20) /* --data bytes at most */

/* One article: the fields the floor indexes.  Strings owned by the record. */
struct rec {
	char *url;
	char *title;
	char *text;
};

/* What every thread shares (read-only once the threads start). */
struct floor_run {
	const struct rec *recs;
	size_t n;
	unsigned threads;
	unsigned batch;
	int tg_flags;
	int wdb_flags;
	int tokenize_only;
	unsigned values;
	unsigned data;
	int spelling;
	const char *outdir;
};

/* One thread's part of the work. */
struct floor_part {
	const struct floor_run *run;
	unsigned id;
	int rc;
	char err[GZ_ERRLEN];
};

/* CPU seconds (user + system) used by the process so far. */
static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* strdup of a JSON string member, or "" when absent; NULL on no memory. */
static char *member_dup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return strdup(s ? s : "");
}

/*
** Load the records of path into *out (caller frees with free_recs).
** Returns the count, or 0 with a message on stderr.
*/
static size_t load_recs(const char *path, struct rec **out)
{
	FILE *f = fopen(path, "r");
	struct rec *v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;

	if (!f) {
		perror(path);
		return 0;
	}
	while (getline(&line, &lcap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);

		if (!o)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[n].url = member_dup(o, "url");
		v[n].title = member_dup(o, "title");
		v[n].text = member_dup(o, "text");
		if (!v[n].url || !v[n].title || !v[n].text)
			abort();
		n++;
		json_decref(o);
	}
	free(line);
	fclose(f);
	*out = v;
	return n;
}

/* Free n records loaded by load_recs. */
static void free_recs(struct rec *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].url);
		free(v[i].title);
		free(v[i].text);
	}
	free(v);
}

/* Build r's document into d through tg: title prefixed, title, text. */
static int build_doc(struct xsh_tg *tg, struct xsh_doc *d, const struct rec *r,
		     char *err)
{
	int rc = xsh_tg_set_document(tg, d, err);

	if (!rc)
		rc = xsh_tg_index_text(tg, r->title, strlen(r->title), 1, "S",
				       err);
	if (!rc)
		rc = xsh_tg_increase_termpos(tg, 100, err);
	if (!rc)
		rc = xsh_tg_index_text(tg, r->title, strlen(r->title), 3, "",
				       err);
	if (!rc)
		rc = xsh_tg_increase_termpos(tg, 100, err);
	if (!rc)
		rc = xsh_tg_index_text(tg, r->text, strlen(r->text), 1, "",
				       err);
	if (!rc)
		rc = xsh_tg_clear_document(tg, err);
	return rc;
}

/* Add run's extras to d: values slots of 16 bytes, a blob of data bytes. */
static int add_extras(const struct floor_run *run, struct xsh_doc *d,
		      const struct rec *r, char *err)
{
	char v[17];
	size_t len = strlen(r->text);
	unsigned i;
	int rc = GZ_OK;

	for (i = 0; rc == GZ_OK && i < run->values; i++) {
		snprintf(v, sizeof v, "%08x%08x", i, (unsigned)len);
		rc = xsh_doc_set_value(d, i, v, 16, err);
	}
	if (rc == GZ_OK && run->data)
		rc = xsh_doc_set_data(d, r->text,
				      len < run->data ? len : run->data, err);
	return rc;
}

/* Index one record into w (or only build it when w is NULL). */
static int index_one(const struct floor_run *run, struct xsh_wdb *w,
		     struct xsh_tg *tg, const struct rec *r, char *err)
{
	struct xsh_doc *d = NULL;
	char idterm[1024];
	int rc;

	snprintf(idterm, sizeof(idterm), "Q%.1000s", r->url);
	rc = xsh_doc_new(&d, err);
	if (!rc)
		rc = build_doc(tg, d, r, err);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, idterm, err);
	if (!rc)
		rc = add_extras(run, d, r, err);
	if (!rc && w && run->spelling)
		rc = xsh_wdb_add_spelling_doc(w, d, "S", err);
	if (!rc && w)
		rc = xsh_wdb_replace(w, idterm, d, NULL, err);
	xsh_doc_free(d);
	return rc;
}

/* Thread body: index every threads-th record from id into part-ID. */
static void *part_main(void *arg)
{
	struct floor_part *p = arg;
	const struct floor_run *run = p->run;
	struct xsh_wdb *w = NULL;
	struct xsh_tg *tg = NULL;
	char path[4096];
	size_t i, done = 0;
	int rc = GZ_OK;

	snprintf(path, sizeof(path), "%s/part-%02u", run->outdir, p->id);
	if (!run->tokenize_only)
		rc = xsh_wdb_open(path, run->wdb_flags, &w, p->err);
	if (!rc)
		rc = xsh_tg_new(NULL, "en", run->tg_flags, &tg, p->err);
	for (i = p->id; !rc && i < run->n; i += run->threads) {
		rc = index_one(run, w, tg, &run->recs[i], p->err);
		if (!rc && w && ++done % run->batch == 0)
			rc = xsh_wdb_commit(w, p->err);
	}
	if (!rc && w)
		rc = xsh_wdb_commit(w, p->err);
	xsh_tg_free(tg);
	xsh_wdb_close(w);
	p->rc = rc;
	return NULL;
}

/* Print usage and return 2. */
static int usage(void)
{
	fprintf(stderr,
		"usage: xapian_floor DOCS.jsonl OUTDIR [--threads N] "
		"[--batch N] [--no-positions] [--stem-all] "
		"[--tokenize-only] [--sync] [--values N] [--data BYTES] "
		"[--spelling]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct floor_run run = { 0 };
	struct floor_part parts[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	struct rec *recs = NULL;
	double w0, c0, wall, cpu;
	unsigned t;
	int i, failed = 0;

	if (argc < 3)
		return usage();
	run.outdir = argv[2];
	run.threads = 1;
	run.batch = 1000;
	run.tg_flags = XSH_TG_POSITIONS;
	run.wdb_flags = XSH_WDB_CREATE | XSH_WDB_NO_SYNC;
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			if (bench_count(argv[++i], 1, MAX_THREADS,
					&run.threads))
				return usage();
		} else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
			if (bench_count(argv[++i], 1, 1000000, &run.batch))
				return usage();
		} else if (!strcmp(argv[i], "--no-positions"))
			run.tg_flags &= ~XSH_TG_POSITIONS;
		else if (!strcmp(argv[i], "--stem-all"))
			run.tg_flags |= XSH_TG_STEM_ALL;
		else if (!strcmp(argv[i], "--tokenize-only"))
			run.tokenize_only = 1;
		else if (!strcmp(argv[i], "--values") && i + 1 < argc) {
			if (bench_count(argv[++i], 0, MAX_VALUES, &run.values))
				return usage();
		} else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
			if (bench_count(argv[++i], 0, MAX_DATA, &run.data))
				return usage();
		} else if (!strcmp(argv[i], "--spelling"))
			run.spelling = 1;
		else if (!strcmp(argv[i], "--sync"))
			run.wdb_flags &= ~XSH_WDB_NO_SYNC;
		else
			return usage();
	}
	run.n = load_recs(argv[1], &recs);
	if (!run.n)
		return 1;
	run.recs = recs;

	w0 = gz_mono_ms();
	c0 = cpu_s();
	for (t = 0; t < run.threads; t++) {
		parts[t] = (struct floor_part){ .run = &run, .id = t };
		if (pthread_create(&tids[t], NULL, part_main, &parts[t]))
			abort();
	}
	for (t = 0; t < run.threads; t++) {
		pthread_join(tids[t], NULL);
		if (parts[t].rc) {
			fprintf(stderr, "xapian_floor: part %u: %s\n", t,
				parts[t].err);
			failed = 1;
		}
	}
	wall = (gz_mono_ms() - w0) / 1000.0;
	cpu = cpu_s() - c0;
	printf("{\"docs\":%zu,\"threads\":%u,\"wall_s\":%.3f,\"cpu_s\":%.3f,"
	       "\"docs_per_s\":%.0f,\"docs_per_cpu_s\":%.0f}\n",
	       run.n, run.threads, wall, cpu, run.n / wall, run.n / cpu);
	free_recs(recs, run.n);
	return failed;
}
