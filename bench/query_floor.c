/*
** query_floor.c — what Xapian's matcher costs on its own for the
** bench/query.py requests: each request's "q" is parsed by Xapian's query
** parser (English stemming, AND by default, phrases, title: and source:),
** its "from"/"to" become a filter on the year or month terms, and the
** best 10 matches by relevance are fetched.  Nothing else: no facets, no
** date order, no collapse, no snippets, no stored records, no JSON.  Each
** of --threads threads has its own database handle and runs every request
** ROUNDS times.  The rate it prints is more than any search service on
** Xapian's matcher can answer these requests with on this machine.
**
**   query_floor INDEX QUERIES.jsonl ROUNDS [--threads N]
**
** Prints one JSON object: requests run, threads, wall seconds, requests
** per second.  Built with benchlib.build_tool(BUILD, "query_floor").
*/
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_args.h"
#include "gz_err.h"
#include "gztime.h"
#include "schema.h"
#include "xsh.h"

#define MAX_QUERIES 1000
#define MAX_THREADS 16

/* One request: the query text and its date bounds ("" when open). */
struct floor_query {
	char *q;
	char from[16];
	char to[16];
};

/* What the threads share, read-only once they start. */
struct floor_run {
	const char *index;
	const struct floor_query *qs;
	size_t n;
	unsigned rounds;
};

/* One thread's result. */
struct floor_thread {
	const struct floor_run *run;
	unsigned long done;
	int rc;
	char err[GZ_ERRLEN];
};

/* Copy JSON string member key of o into buf (size n), or "" if absent. */
static void member_copy(json_t *o, const char *key, char *buf, size_t n)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(buf, n, "%s", s ? s : "");
}

/* Load up to MAX_QUERIES requests of path into qs; returns the count. */
static size_t load_queries(const char *path, struct floor_query *qs)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		perror(path);
		return 0;
	}
	while (n < MAX_QUERIES && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		const char *q =
			o ? json_string_value(json_object_get(o, "q")) : NULL;

		if (q) {
			qs[n].q = strdup(q);
			if (!qs[n].q)
				abort();
			member_copy(o, "from", qs[n].from, sizeof(qs[n].from));
			member_copy(o, "to", qs[n].to, sizeof(qs[n].to));
			n++;
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	return n;
}

/*
** The date terms of from..to, years ("2004") or months ("1987-03") of
** one year, into terms (each of size 16); returns how many (0: no filter).
*/
static size_t date_terms(const struct floor_query *fq, char (*terms)[16],
			 size_t max)
{
	int y0, y1, m0, m1;
	size_t n = 0;

	if (sscanf(fq->from, "%d-%d", &y0, &m0) == 2 &&
	    sscanf(fq->to, "%d-%d", &y1, &m1) == 2 && y0 == y1) {
		for (; m0 <= m1 && n < max; m0++)
			snprintf(terms[n++], 16, PFX_MONTH "%04d%02d", y0, m0);
	} else if (sscanf(fq->from, "%d", &y0) == 1 &&
		   sscanf(fq->to, "%d", &y1) == 1) {
		for (; y0 <= y1 && n < max; y0++)
			snprintf(terms[n++], 16, PFX_YEAR "%04d", y0);
	}
	return n;
}

/* Parse fq with qp and add its date filter; *out is the caller's. */
static int floor_query_build(struct xsh_qp *qp, const struct floor_query *fq,
			     struct xsh_query **out, char *err)
{
	char terms[64][16];
	const char *ptrs[64];
	struct xsh_query *q = NULL, *dates = NULL;
	size_t n = date_terms(fq, terms, 64), i;
	int rc;

	rc = xsh_qp_parse(qp, fq->q,
			  XSH_QP_BOOLEAN | XSH_QP_PHRASE | XSH_QP_LOVEHATE |
				  XSH_QP_DEFAULT_AND,
			  &q, err);
	if (rc != GZ_OK || n == 0) {
		*out = q;
		return rc;
	}
	for (i = 0; i < n; i++)
		ptrs[i] = terms[i];
	rc = xsh_query_any_term(ptrs, n, &dates, err);
	if (rc == GZ_OK)
		rc = xsh_query_combine(XSH_OP_FILTER, q, dates, out, err);
	xsh_query_free(q);
	xsh_query_free(dates);
	return rc;
}

/* Run fq once over db: the best 10 matches by relevance. */
static int floor_query_run(struct xsh_db *db, struct xsh_qp *qp,
			   const struct floor_query *fq, char *err)
{
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	int rc;

	rc = floor_query_build(qp, fq, &q, err);
	if (rc == GZ_OK)
		rc = xsh_enquire_new(db, q, &e, err);
	if (rc == GZ_OK)
		rc = xsh_enquire_run(e, 0, 10, 0, &m, err);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	return rc;
}

/* Thread body: every request, rounds times, on a database of its own. */
static void *floor_main(void *arg)
{
	struct floor_thread *t = arg;
	const struct floor_run *run = t->run;
	struct xsh_db *db = NULL;
	struct xsh_qp *qp = NULL;
	unsigned r;
	size_t i;
	int rc;

	rc = xsh_db_open(run->index, &db, t->err);
	if (rc == GZ_OK)
		rc = xsh_qp_new(db, "en", &qp, t->err);
	if (rc == GZ_OK)
		rc = xsh_qp_add_prefix(qp, "title", PFX_TITLE, t->err);
	if (rc == GZ_OK)
		rc = xsh_qp_add_boolean_prefix(qp, "source", PFX_SOURCE,
					       XSH_BP_LOWERCASE, t->err);
	for (r = 0; rc == GZ_OK && r < run->rounds; r++)
		for (i = 0; rc == GZ_OK && i < run->n; i++) {
			rc = floor_query_run(db, qp, &run->qs[i], t->err);
			t->done++;
		}
	xsh_qp_free(qp);
	xsh_db_close(db);
	t->rc = rc;
	return NULL;
}

int main(int argc, char **argv)
{
	static struct floor_query qs[MAX_QUERIES];
	struct floor_thread ts[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	struct floor_run run = { 0 };
	unsigned threads = 1, i;
	unsigned long done = 0;
	double t0, wall;
	int failed = 0;

	if ((argc != 4 &&
	     (argc != 6 || strcmp(argv[4], "--threads") ||
	      bench_count(argv[5], 1, MAX_THREADS, &threads))) ||
	    bench_count(argv[3], 1, 1000000, &run.rounds)) {
		fprintf(stderr,
			"usage: query_floor INDEX QUERIES.jsonl ROUNDS "
			"[--threads N]\n");
		return 2;
	}
	run.index = argv[1];
	run.n = load_queries(argv[2], qs);
	run.qs = qs;
	if (!run.n)
		return 1;
	t0 = gz_mono_ms();
	for (i = 0; i < threads; i++) {
		ts[i] = (struct floor_thread){ .run = &run };
		if (pthread_create(&tids[i], NULL, floor_main, &ts[i]))
			abort();
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tids[i], NULL);
		done += ts[i].done;
		if (ts[i].rc != GZ_OK) {
			fprintf(stderr, "query_floor: %s\n", ts[i].err);
			failed = 1;
		}
	}
	wall = (gz_mono_ms() - t0) / 1000.0;
	printf("{\"requests\":%lu,\"threads\":%u,\"wall_s\":%.3f,\"qps\":%.1f}"
	       "\n",
	       done, threads, wall, done / wall);
	for (i = 0; i < run.n; i++)
		free(qs[i].q);
	return failed;
}
