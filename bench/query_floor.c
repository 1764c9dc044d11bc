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
**   query_floor INDEX --serve PORT_FILE [--data]
**
** The first form prints one JSON object: requests run, threads, wall
** seconds, requests per second.
**
** The second is the same matcher behind the cheapest server there is, for
** bench/query.py's clients: it listens on 127.0.0.1 (an ephemeral port,
** written to PORT_FILE) and deals the connections out to one thread per
** core, each with a database of its own, which runs every request to
** completion where it reads it (no hand-off between threads) and answers
** it with the ten docids on one line, {"ids":[...]}.  With --data it also reads each hit's stored record, as a
** server that returns titles, URLs or snippets must (the reply then adds
** the records' total size, "bytes").  It runs until killed.  Whatever a
** search service adds to Xapian (an event loop, a worker pool, facets,
** collapse, snippets, JSON hits) comes on top of what this answers with.
**
** Built with benchlib.build_tool(BUILD, "query_floor").
*/
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"
#include "gz_err.h"
#include "gztime.h"
#include "schema.h"
#include "xsh.h"

#define MAX_QUERIES 1000
#define MAX_THREADS 16
#define MAX_LINE    65536 /* --serve: a request line, as searchd's bound */
#define MAX_HITS    10

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

/*
** Fill fq from the JSON request line (len bytes): its "q", "from" and
** "to".  Returns 0, or -1 for a line that is not an object with a "q".
** fq->q is the caller's to free.
*/
static int floor_query_parse(const char *line, size_t len,
			     struct floor_query *fq)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	const char *q = o ? json_string_value(json_object_get(o, "q")) : NULL;

	fq->q = q ? strdup(q) : NULL;
	if (q && !fq->q)
		abort();
	if (q) {
		member_copy(o, "from", fq->from, sizeof(fq->from));
		member_copy(o, "to", fq->to, sizeof(fq->to));
	}
	json_decref(o);
	return fq->q ? 0 : -1;
}

/* Load up to MAX_QUERIES requests of path into qs; returns the count. */
static size_t load_queries(const char *path, struct floor_query *qs)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if (!f) {
		perror(path);
		return 0;
	}
	while (n < MAX_QUERIES && (len = getline(&line, &cap, f)) > 0)
		if (floor_query_parse(line, (size_t)len, &qs[n]) == 0)
			n++;
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

/* Run fq once over db: the best 10 matches by relevance, into *out
** (the caller's to free with xsh_mset_free). */
static int floor_query_run(struct xsh_db *db, struct xsh_qp *qp,
			   const struct floor_query *fq, struct xsh_mset **out,
			   char *err)
{
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	int rc;

	*out = NULL;
	rc = floor_query_build(qp, fq, &q, err);
	if (rc == GZ_OK)
		rc = xsh_enquire_new(db, q, &e, err);
	if (rc == GZ_OK)
		rc = xsh_enquire_run(e, 0, MAX_HITS, 0, out, err);
	xsh_enquire_free(e);
	xsh_query_free(q);
	return rc;
}

/* Open index and a parser for it as bench/query's requests need; both the
** caller's to free. */
static int floor_open(const char *index, struct xsh_db **db, struct xsh_qp **qp,
		      char *err)
{
	int rc;

	*db = NULL;
	*qp = NULL;
	rc = xsh_db_open(index, db, err);
	if (rc == GZ_OK)
		rc = xsh_qp_new(*db, "en", qp, err);
	if (rc == GZ_OK)
		rc = xsh_qp_add_prefix(*qp, "title", PFX_TITLE, err);
	if (rc == GZ_OK)
		rc = xsh_qp_add_boolean_prefix(*qp, "source", PFX_SOURCE,
					       XSH_BP_LOWERCASE, err);
	return rc;
}

/* Thread body: every request, rounds times, on a database of its own. */
static void *floor_main(void *arg)
{
	struct floor_thread *t = arg;
	const struct floor_run *run = t->run;
	struct xsh_db *db = NULL;
	struct xsh_qp *qp = NULL;
	struct xsh_mset *m = NULL;
	unsigned r;
	size_t i;
	int rc;

	rc = floor_open(run->index, &db, &qp, t->err);
	for (r = 0; rc == GZ_OK && r < run->rounds; r++)
		for (i = 0; rc == GZ_OK && i < run->n; i++) {
			rc = floor_query_run(db, qp, &run->qs[i], &m, t->err);
			xsh_mset_free(m);
			t->done++;
		}
	xsh_qp_free(qp);
	xsh_db_close(db);
	t->rc = rc;
	return NULL;
}

/* --serve: one serving thread: its epoll set and its database. */
struct floor_server {
	int ep;            /* epoll fd of this thread's connections */
	const char *index; /* database path */
	int data;          /* read each hit's stored record */
};

/* --serve: one connection and its unanswered input. */
struct floor_conn {
	int fd;
	size_t have;        /* bytes in buf */
	char buf[MAX_LINE]; /* input not yet answered */
};

/* Write all of buf to the non-blocking fd; 0, or -1 when the peer is gone. */
static int floor_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
** The reply to one request line into out (size n): the hits' docids, and
** with data the size of their records, or an error object.
*/
static void floor_answer(int data, struct xsh_db *db, struct xsh_qp *qp,
			 const char *line, size_t len, char *out, size_t n)
{
	struct floor_query fq = { 0 };
	struct xsh_mset *m = NULL;
	char err[GZ_ERRLEN];
	size_t used, bytes = 0;
	unsigned i, hits;

	if (floor_query_parse(line, len, &fq) != 0) {
		snprintf(out, n, "{\"error\":\"not a request\"}\n");
		return;
	}
	if (floor_query_run(db, qp, &fq, &m, err) != GZ_OK) {
		snprintf(out, n, "{\"error\":\"search failed\"}\n");
		free(fq.q);
		return;
	}
	used = (size_t)snprintf(out, n, "{\"ids\":[");
	hits = xsh_mset_size(m);
	for (i = 0; i < hits; i++) {
		struct xsh_hit h;
		char *rec = NULL;
		size_t rlen = 0;

		if (xsh_mset_hit(m, i, &h, err) != GZ_OK)
			break;
		used += (size_t)snprintf(out + used, n - used, "%s%u",
					 i ? "," : "", h.docid);
		if (data &&
		    xsh_db_get_data(db, h.docid, &rec, &rlen, err) == GZ_OK)
			bytes += rlen;
		free(rec);
	}
	snprintf(out + used, n - used, "],\"bytes\":%zu}\n", bytes);
	xsh_mset_free(m);
	free(fq.q);
}

/*
** Read what c has sent and answer every whole line in it.  Returns 0, or
** -1 when c is done (closed, failed, or a line past MAX_LINE).
*/
static int floor_serve_input(const struct floor_server *sv, struct xsh_db *db,
			     struct xsh_qp *qp, struct floor_conn *c)
{
	char reply[512];

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->have);
		ssize_t r;

		if (nl) {
			size_t len = (size_t)(nl - c->buf) + 1;

			floor_answer(sv->data, db, qp, c->buf, len, reply,
				     sizeof reply);
			if (floor_write_all(c->fd, reply, strlen(reply)))
				return -1;
			memmove(c->buf, c->buf + len, c->have - len);
			c->have -= len;
			continue;
		}
		if (c->have == MAX_LINE)
			return -1;
		r = read(c->fd, c->buf + c->have, MAX_LINE - c->have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0)
			return -1;
		c->have += (size_t)r;
	}
}

/* Thread body of --serve: run its connections' requests to completion. */
static void *floor_serve_main(void *arg)
{
	struct floor_server *sv = arg;
	struct xsh_db *db = NULL;
	struct xsh_qp *qp = NULL;
	char err[GZ_ERRLEN];

	if (floor_open(sv->index, &db, &qp, err) != GZ_OK) {
		fprintf(stderr, "query_floor: %s\n", err);
		exit(1);
	}
	for (;;) {
		struct epoll_event ev[16];
		int n = epoll_wait(sv->ep, ev, 16, -1), i;

		for (i = 0; i < n; i++) {
			struct floor_conn *c = ev[i].data.ptr;

			if (floor_serve_input(sv, db, qp, c)) {
				close(c->fd); /* leaves the epoll set */
				free(c);
			}
		}
	}
	return NULL;
}

/*
** Listen on 127.0.0.1 and serve index until killed, with one thread per
** core each running its connections' requests to completion; 1 on a setup
** error.
*/
static int floor_serve(const char *index, const char *port_file, int data)
{
	struct floor_server sv[MAX_THREADS];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nsv = cores < 1      ? 1
		: cores > MAX_THREADS ? MAX_THREADS
				      : (unsigned)cores;
	unsigned i, next = 0;
	FILE *pf;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
	    listen(fd, 64) || getsockname(fd, (struct sockaddr *)&sa, &salen)) {
		perror("query_floor: listen");
		return 1;
	}
	for (i = 0; i < nsv; i++) {
		pthread_t tid;

		sv[i] = (struct floor_server){ epoll_create1(0), index, data };
		if (sv[i].ep < 0 ||
		    pthread_create(&tid, NULL, floor_serve_main, &sv[i]))
			abort();
		pthread_detach(tid);
	}
	pf = fopen(port_file, "w");
	if (!pf || fprintf(pf, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(pf)) {
		perror(port_file);
		return 1;
	}
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct floor_conn *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("query_floor: accept");
			return 1;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c = malloc(sizeof *c);
		if (!c)
			abort();
		c->fd = cfd;
		c->have = 0;
		ev.data.ptr = c;
		if (epoll_ctl(sv[next].ep, EPOLL_CTL_ADD, cfd, &ev))
			abort();
		next = (next + 1) % nsv;
	}
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

	if ((argc == 4 || argc == 5) && !strcmp(argv[2], "--serve") &&
	    (argc == 4 || !strcmp(argv[4], "--data")))
		return floor_serve(argv[1], argv[3], argc == 5);
	if ((argc != 4 &&
	     (argc != 6 || strcmp(argv[4], "--threads") ||
	      bench_count(argv[5], 1, MAX_THREADS, &threads))) ||
	    bench_count(argv[3], 1, 1000000, &run.rounds)) {
		fprintf(stderr,
			"usage: query_floor INDEX QUERIES.jsonl ROUNDS "
			"[--threads N]\n"
			"       query_floor INDEX --serve PORT_FILE "
			"[--data]\n");
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
