/*
** query_inproc.c — the bench/query.py queries run in process, without
** gazette-searchd: each request line is parsed (proto_parse_line), run
** (search_run) and serialised (proto_reply_result), the same work a worker
** does, so that the daemon's own overhead is the difference.
**
**   query_inproc INDEX QUERIES.jsonl ROUNDS [--print | --each]
**
** Prints one JSON object: {"n":..,"p50_ms":..,"p99_ms":..,"qps":..,"errors":..};
** with --print, first every reply line of the last round (or error line),
** so that two builds' answers can be compared; with --each, first one line
** per query: its median and worst time over the rounds and the request,
** slowest first, to find the queries that make the tail.
** Built by bench/query.py against the tree's libgazette.a.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gz_err.h"
#include "proto.h"
#include "search.h"

#define MAX_QUERIES 1000

/* Milliseconds on the monotonic clock.  Not gz_mono_ms: bench/query.py
** builds this file against older trees' libgazette.a too. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* qsort comparator for doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One query's figures for --each. */
struct each {
	double p50, max; /* median and worst over the rounds, ms */
	size_t i;        /* index of the query line */
};

/* qsort comparator: slowest median first. */
static int cmp_each(const void *a, const void *b)
{
	const struct each *x = a, *y = b;

	return (x->p50 < y->p50) - (x->p50 > y->p50);
}

/*
** Print each query's median and worst time (lat holds rounds x n times,
** round by round), slowest first.
*/
static void print_each(char **lines, size_t n, const double *lat, size_t rounds)
{
	struct each *e = calloc(n, sizeof *e);
	double *t = calloc(rounds + 1, sizeof *t);
	size_t i, r;

	if (!e || !t) {
		free(e);
		free(t);
		return;
	}
	for (i = 0; i < n; i++) {
		for (r = 0; r < rounds; r++)
			t[r] = lat[r * n + i];
		qsort(t, rounds, sizeof *t, cmp_double);
		e[i].p50 = rounds ? t[rounds / 2] : 0.0;
		e[i].max = rounds ? t[rounds - 1] : 0.0;
		e[i].i = i;
	}
	qsort(e, n, sizeof *e, cmp_each);
	for (i = 0; i < n; i++)
		printf("%8.3f %8.3f  %s\n", e[i].p50, e[i].max, lines[e[i].i]);
	free(e);
	free(t);
}

/* Read, run and time every query ROUNDS times; print the figures. */
int main(int argc, char **argv)
{
	char *lines[MAX_QUERIES], buf[65536], err[GZ_ERRLEN];
	struct searcher *se = NULL;
	size_t n = 0, i, k = 0, rounds, errors = 0;
	double *lat, t0, total;
	FILE *f;

	int print = argc == 5 && strcmp(argv[4], "--print") == 0;
	int each = argc == 5 && strcmp(argv[4], "--each") == 0;

	if (argc != 4 && !print && !each) {
		fprintf(stderr,
			"usage: query_inproc INDEX QUERIES.jsonl ROUNDS "
			"[--print | --each]\n");
		return 2;
	}
	rounds = strtoul(argv[3], NULL, 10);
	f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 2;
	}
	while (n < MAX_QUERIES && fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		lines[n] = strdup(buf);
		if (!lines[n])
			return 2;
		n++;
	}
	fclose(f);
	if (searcher_open(argv[1], &se, err) != GZ_OK) {
		fprintf(stderr, "query_inproc: %s\n", err);
		return 2;
	}
	lat = calloc(n * rounds + 1, sizeof *lat);
	if (!lat)
		return 2;
	total = now_ms();
	for (size_t r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			struct search_request req;
			struct search_result res;
			char *reply = NULL;

			t0 = now_ms();
			search_request_init(&req);
			if (proto_parse_line(lines[i], strlen(lines[i]), &req,
					     err) == GZ_OK &&
			    search_run(se, &req, &res, err) == GZ_OK) {
				reply = proto_reply_result(&req, &res);
				search_result_free(&res);
			} else {
				errors++;
				reply = proto_reply_error(GZ_EINVAL, err, NULL);
			}
			if (print && r + 1 == rounds && reply)
				fputs(reply, stdout);
			free(reply);
			search_request_free(&req);
			lat[k++] = now_ms() - t0;
		}
	}
	total = now_ms() - total;
	if (each)
		print_each(lines, n, lat, rounds);
	qsort(lat, k, sizeof *lat, cmp_double);
	printf("{\"n\":%zu,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"qps\":%.1f,"
	       "\"errors\":%zu}\n",
	       k, k ? lat[k / 2] : 0.0, k ? lat[(k * 99) / 100] : 0.0,
	       k / (total / 1000.0), errors);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lat);
	searcher_close(se);
	return 0;
}
