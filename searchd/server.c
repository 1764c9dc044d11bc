/*
** server.c — the searchd event loop, connections and worker pool.
**
** Threads: the loop thread owns every connection, listener and bufferevent;
** worker threads own one searcher each and touch nothing else but the two
** job lists below, under the server mutex.
**
**   loop thread                               worker threads
**   read line -> proto_parse_line -> job
**   ping, errors: reply at once
**   search, stats: push on the connection's  --> pop, search_run, serialise
**     work queue (full: reply "busy" at once)     push on the done list,
**                                        <--  event_active(notify)
**   notify: take the done list, put each reply in its connection's FIFO,
**   write the FIFO's finished head in request order.
**
** Fairness: each connection has its own work queue, and the connections
** with queued work form a ring that workers serve round-robin, one job per
** turn, so a client pipelining many (or slow) requests delays another
** client's request by at most one of its own jobs per worker.  A
** connection has at most SERVER_MAX_CONN_JOBS jobs with workers; past that
** its reading pauses.  A request that is its connection's only work (a
** client waiting for each answer before it asks again, as people and most
** programs do) goes into a first lane that workers serve before the ring,
** so it waits for no queued job of a pipelining client, only for the jobs
** already running; after SERVER_FIRST_RUN first-lane jobs in a row the
** ring gets a turn, so that neither lane can starve the other.
**
** Slots: at max_connections a new client takes the place of the
** connection stalled longest (an incomplete request line, else idle with
** nothing owed), if it has been stalled SERVER_EVICT_MS; otherwise it is
** refused "busy".  Slow clients cannot keep everyone else out.
**
** A connection closed while its jobs are with workers stays allocated (no
** bufferevent) until the last of them comes back; jobs still queued for
** it are taken off the queue at once, and one a worker has already taken
** but not started is marked cancelled and dropped without searching.  A
** worker also drops a job whose client has reset its connection (a client
** that sent a batch and vanished) before the loop has seen it go.
**
** The HTTP front's connections are conns too, with a different reader:
** one request head per connection, one job, a reply with HTTP headers,
** then close.  Counters for /metrics are atomics any thread may bump.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "http.h"
#include "log.h"
#include "proto.h"
#include "querylog.h"
#include "search.h"
#include "server.h"
#include "version.h"

/*
** After a fatal protocol error the reply is sent, the write side shut and
** the input discarded for at most this long (or this many bytes), so the
** client reads the error instead of a connection reset.
*/
#define CONN_LINGER_SEC   2
#define CONN_LINGER_BYTES (1u << 20)

/*
** The rest of a line longer than GZ_MAX_REQUEST_LINE is skipped up to its
** "\n", after which the connection reads requests again; a "line" longer
** than this is not a client speaking the protocol, and the connection
** closes.
*/
#define CONN_MAX_SKIP (16u << 20)

/*
** At max_connections, a new client may take the place of a connection
** that has been stalled (an incomplete request line, or idle) this long.
*/
#define SERVER_EVICT_MS 1000.0

/* Upper bounds (ms) of the latency histogram's buckets, for /metrics. */
static const double server_buckets_ms[] = { 0.25, 0.5,  1,    2.5, 5,
					    10,   25,   50,   100, 250,
					    500,  1000, 2500, 5000 };
#define SERVER_N_BUCKETS \
	(sizeof server_buckets_ms / sizeof server_buckets_ms[0])

struct conn;

/* What a job is. */
enum job_kind {
	JOB_LINE = 0,        /* a protocol line: search or stats */
	JOB_HTTP_SEARCH = 1, /* GET /search */
	JOB_HTTP_HEALTH = 2, /* GET /health */
	JOB_HTTP_METRICS = 3 /* GET /metrics */
};

/* One request, from the line read to the reply written. */
struct job {
	struct job *next;          /* link in the work queue or the done list */
	struct job *fifo_next;     /* link in the connection's reply FIFO */
	struct conn *conn;         /* the connection that asked */
	struct search_request req; /* the parsed request */
	enum job_kind kind;        /* line or HTTP, and which HTTP route */
	char *reply; /* reply bytes (malloc'd) once answered; NULL = close */
	int with_worker;      /* 1 from queueing until the loop takes it back */
	int close_after;      /* close the connection once this reply is sent */
	atomic_int cancelled; /* set by the loop when the client went away */
	double t_start;       /* monotonic ms when the line was read */
	size_t sent; /* bytes of reply a worker wrote itself (worker_send) */
};

/* Counters for /metrics; any thread updates them. */
struct server_metrics {
	atomic_ulong
		replies[GZ_ERR_LAST]; /* replies sent, by code (GZ_OK: fine) */
	atomic_ulong searches;        /* searches run by workers */
	atomic_ulong latency[SERVER_N_BUCKETS +
			     1];    /* searches per bucket; last: +Inf */
	atomic_ulong latency_us;    /* sum of search latencies, microseconds */
	atomic_ulong http_requests; /* HTTP requests read */
	atomic_ulong accepted;      /* connections accepted */
	atomic_ulong refused;       /* connections refused (too many) */
	atomic_ulong evicted;       /* stalled connections closed for others */
	atomic_ulong skipped;       /* queued jobs dropped: client gone */
	atomic_ulong reloads;       /* SIGHUP reloads applied */
	atomic_uint connections;    /* open connections now */
};

/* One client connection. */
struct conn {
	struct server *srv;       /* the server */
	struct bufferevent *bev;  /* the socket; NULL once closed */
	struct conn *prev, *next; /* in srv->conns */
	unsigned long id;         /* for the log */
	char peer[80];            /* "ADDR:PORT" or "unix" */
	const char *via;          /* "tcp", "unix" or "http" (static) */
	int http;                 /* an HTTP front connection */
	int needs_token;          /* accepted on a non-loopback TCP listener */
	struct job *head, *tail;  /* replies owed, in request order */
	struct job *q_head,
		*q_tail;       /* its jobs waiting for a worker (srv->mu) */
	struct conn *rr_next;  /* next in the lane of srv's connections
				     * with queued jobs it is in (srv->mu) */
	int in_rr;             /* 1 while in a lane (srv->mu) */
	unsigned owed;         /* jobs in the FIFO */
	unsigned with_workers; /* jobs workers still hold */
	int eof;               /* the client has finished sending */
	int closing;           /* close once everything owed is written */
	int linger;            /* close politely: half-close, drain input */
	int lingering;         /* half-closed, discarding input until EOF */
	int skip;              /* discarding the rest of an overlong line */
	size_t skipped;        /* bytes of it discarded so far */
	size_t discarded;      /* bytes discarded while lingering */
	double line_since_ms;  /* monotonic ms when the incomplete line
				     * now buffered began arriving; 0: none */
	double active_ms;      /* monotonic ms of the last request read or
				     * reply written */
	evutil_socket_t fd;    /* the socket, for worker_send */
	int fd_open;           /* fd is still c's: workers may look at it
				     * (srv->mu; cleared before it is closed) */
	int direct;            /* a worker may write the reply at the head
				     * itself: open, line protocol, nothing in
				     * the output buffer, not closing (srv->mu) */
};

/* A FIFO of connections with queued jobs, linked by rr_next (srv->mu). */
struct conn_lane {
	struct conn *head, *tail;
};

/* One worker thread and its searcher. */
struct worker {
	struct server *srv;  /* the server */
	struct searcher *se; /* its own index handle */
	pthread_t tid;       /* thread id, valid when started */
	unsigned shard_gen;  /* srv->shard_gen its shards were opened at */
	unsigned id;         /* 1 + its index in srv->workers */
	int started;         /* 1 once pthread_create succeeded */
};

struct server {
	struct server_options opt;     /* as given (strings borrowed) */
	struct event_base *base;       /* the loop */
	struct evconnlistener *tcp;    /* TCP listener or NULL */
	struct evconnlistener *unix_l; /* Unix socket listener or NULL */
	struct evconnlistener *http_l; /* HTTP front listener or NULL */
	int tcp_needs_token;           /* the TCP address is not loopback */
	int http_needs_token;          /* the HTTP address is not loopback */
	int unix_created;              /* we made opt.socket_path */
	char tcp_addr[80];             /* the bound address, "127.0.0.1:7700" */
	char http_addr[80];            /* the bound HTTP address */
	struct querylog *qlog;         /* the query log (maybe switched off) */
	struct server_tunables tun;    /* in force; loop thread only */
	atomic_uint query_timeout_ms;  /* tun.query_timeout_ms, for workers */
	atomic_uint shard_timeout_ms;  /* tun.shard_timeout_ms, for workers */
	atomic_int shard_partial;      /* tun.shard_partial, for workers */
	atomic_uint shard_gen;         /* bumped by SIGHUP: reopen the shards */
	atomic_uint health_max_age;    /* tun.health_max_age_sec, for workers */
	struct server_metrics m;       /* counters for /metrics */
	struct event *ev_term, *ev_int, *ev_hup; /* signal events */
	struct event *ev_notify; /* workers activate it when jobs are done */
	struct event *ev_drain;  /* shutdown deadline */
	struct worker *workers;  /* opt.workers of them */
	unsigned documents;      /* at start, for the log */

	pthread_mutex_t mu;     /* guards the fields down to stop_workers */
	pthread_cond_t cv;      /* signalled when work is queued or on stop */
	struct conn_lane first; /* connections whose only work is queued */
	struct conn_lane rr;    /* the others with queued jobs, served
				 * round-robin */
	unsigned first_run;     /* first-lane jobs taken in a row */
	atomic_uint q_len; /* jobs queued over all connections (changed under
			    * mu; read without it by worker_spin) */
	struct job *d_head, *d_tail; /* done list */
	atomic_int stop_workers;     /* workers exit when the queue is empty
				  * (set under mu; worker_spin reads it) */
	atomic_uint spinner; /* id of the worker spinning for the next job
			      * (worker_spin), 0: none, so none to wake */

	struct conn *conns;    /* open connections */
	unsigned n_conns;      /* how many */
	unsigned long next_id; /* next connection id */
	int stopping;          /* shutting down: no new requests */
	double started_ms;     /* monotonic ms at start, for uptime */
};

/* ------------------------------------------------------------ addresses */

int server_split_hostport(const char *s, char *host, size_t hn, char *port,
			  size_t pn)
{
	const char *colon, *h = s, *p;
	size_t hl;
	long v = 0;

	if (!s || hn == 0 || pn == 0)
		return -1;
	if (*s == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(colon - h);
		p = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -1;
		hl = (size_t)(colon - s);
		p = colon + 1;
	}
	if (!*p || strlen(p) > 5 || strlen(p) >= pn)
		return -1;
	for (const char *c = p; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	if (v > 65535)
		return -1;
	if (hl == 0) {
		h = "127.0.0.1";
		hl = strlen(h);
	}
	if (hl >= hn)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, p, strlen(p) + 1);
	return 0;
}

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int server_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
	}
	return 0;
}

/* Format sa as "ADDR:PORT" ("[ADDR]:PORT" for IPv6) into out of size n. */
static void server_format_addr(const struct sockaddr *sa, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof a);
		snprintf(out, n, "%s:%u", a, (unsigned)ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a);
		snprintf(out, n, "[%s]:%u", a, (unsigned)ntohs(in6->sin6_port));
	} else {
		snprintf(out, n, "unix");
	}
}

/* ------------------------------------------------------------ jobs */

/* Free a job and everything it owns. */
static void job_free(struct job *j)
{
	search_request_free(&j->req);
	free(j->reply);
	free(j);
}

/* Constant-time string equality, for the token. */
static int server_token_ok(const char *want, const char *got)
{
	size_t wl, gl, i;
	unsigned char d = 0;

	if (!want || !got)
		return 0;
	wl = strlen(want);
	gl = strlen(got);
	for (i = 0; i < wl; i++)
		d |= (unsigned char)(want[i] ^ (i < gl ? got[i] : 0));
	return d == 0 && wl == gl;
}

/* Count one reply with code (an enum gz_err) for /metrics. */
static void server_count(struct server *s, int code)
{
	if (code < 0 || code >= GZ_ERR_LAST)
		code = GZ_EINTERNAL;
	atomic_fetch_add(&s->m.replies[code], 1);
}

/*
** Make j's reply from body (a JSON reply line, taken; NULL when out of
** memory) answering with code: the line itself, or for an HTTP job a
** response with status (0: http_status_for(code)).  Counts the reply.
*/
static void job_set(struct job *j, int code, int status, char *body)
{
	free(j->reply);
	j->reply = NULL;
	server_count(j->conn->srv, code);
	if (j->kind == JOB_LINE || !body) {
		j->reply = body;
		return;
	}
	j->reply = http_response(status ? status : http_status_for(code),
				 "application/json", NULL, body, strlen(body));
	free(body);
}

/* Record a search's latency in the histogram. */
static void server_observe(struct server *s, double ms)
{
	size_t b = 0;

	while (b < SERVER_N_BUCKETS && ms > server_buckets_ms[b])
		b++;
	atomic_fetch_add(&s->m.searches, 1);
	atomic_fetch_add(&s->m.latency[b], 1);
	atomic_fetch_add(&s->m.latency_us, (unsigned long)(ms * 1000.0));
}

/* Append printf-style text to the malloc'd string *b of length *len. */
static void metrics_add(char **b, size_t *len, size_t *cap, const char *fmt,
			...) __attribute__((format(printf, 4, 5)));
static void metrics_add(char **b, size_t *len, size_t *cap, const char *fmt,
			...)
{
	va_list ap;
	char *nb;
	int n;

	if (!*b)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*b + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			free(*b);
			*b = NULL;
			return;
		}
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		nb = realloc(*b, *cap * 2 + (size_t)n);
		if (!nb) {
			free(*b);
			*b = NULL;
			return;
		}
		*b = nb;
		*cap = *cap * 2 + (size_t)n;
	}
}

/*
** The /metrics page in Prometheus text format (version 0.0.4), with the
** index figures of st (when rc is GZ_OK).  Malloc'd; NULL on ENOMEM.
*/
static char *server_metrics_text(struct server *s,
				 const struct search_stats *st, int rc)
{
	size_t len = 0, cap = 8192, b;
	unsigned long cum = 0;
	unsigned queued;
	char *t = malloc(cap);
	int k;

	pthread_mutex_lock(&s->mu);
	queued = s->q_len;
	pthread_mutex_unlock(&s->mu);
	metrics_add(&t, &len, &cap,
		    "# HELP gazette_searchd_info Build information.\n"
		    "# TYPE gazette_searchd_info gauge\n"
		    "gazette_searchd_info{version=\"%s\"} 1\n"
		    "# HELP gazette_searchd_uptime_seconds Seconds since the "
		    "daemon started.\n"
		    "# TYPE gazette_searchd_uptime_seconds gauge\n"
		    "gazette_searchd_uptime_seconds %.0f\n"
		    "# HELP gazette_searchd_replies_total Replies sent, by "
		    "code (\"ok\" or an error code).\n"
		    "# TYPE gazette_searchd_replies_total counter\n",
		    GZ_VERSION, (gz_mono_ms() - s->started_ms) / 1000.0);
	for (k = 0; k < GZ_ERR_LAST; k++) {
		unsigned long n = atomic_load(&s->m.replies[k]);

		if (n || k == GZ_OK)
			metrics_add(&t, &len, &cap,
				    "gazette_searchd_replies_total{code=\"%s\"}"
				    " %lu\n",
				    k == GZ_OK ? "ok" : gz_errname(k), n);
	}
	metrics_add(
		&t, &len, &cap,
		"# HELP gazette_searchd_search_duration_seconds Time from "
		"request read to reply made.\n"
		"# TYPE gazette_searchd_search_duration_seconds histogram\n");
	for (b = 0; b <= SERVER_N_BUCKETS; b++) {
		cum += atomic_load(&s->m.latency[b]);
		if (b < SERVER_N_BUCKETS)
			metrics_add(&t, &len, &cap,
				    "gazette_searchd_search_duration_seconds_"
				    "bucket{le=\"%g\"} %lu\n",
				    server_buckets_ms[b] / 1000.0, cum);
		else
			metrics_add(&t, &len, &cap,
				    "gazette_searchd_search_duration_seconds_"
				    "bucket{le=\"+Inf\"} %lu\n",
				    cum);
	}
	metrics_add(
		&t, &len, &cap,
		"gazette_searchd_search_duration_seconds_sum %.6f\n"
		"gazette_searchd_search_duration_seconds_count %lu\n"
		"# HELP gazette_searchd_connections Open client connections.\n"
		"# TYPE gazette_searchd_connections gauge\n"
		"gazette_searchd_connections %u\n"
		"# HELP gazette_searchd_connections_total Connections "
		"accepted.\n"
		"# TYPE gazette_searchd_connections_total counter\n"
		"gazette_searchd_connections_total %lu\n"
		"# HELP gazette_searchd_connections_refused_total Connections "
		"refused: too many open.\n"
		"# TYPE gazette_searchd_connections_refused_total counter\n"
		"gazette_searchd_connections_refused_total %lu\n"
		"# HELP gazette_searchd_connections_evicted_total Stalled "
		"connections closed to admit new ones at the limit.\n"
		"# TYPE gazette_searchd_connections_evicted_total counter\n"
		"gazette_searchd_connections_evicted_total %lu\n"
		"# HELP gazette_searchd_queue_length Requests waiting for a "
		"worker.\n"
		"# TYPE gazette_searchd_queue_length gauge\n"
		"gazette_searchd_queue_length %u\n"
		"# HELP gazette_searchd_workers Query worker threads.\n"
		"# TYPE gazette_searchd_workers gauge\n"
		"gazette_searchd_workers %u\n"
		"# HELP gazette_searchd_skipped_total Queued requests dropped "
		"because their client left.\n"
		"# TYPE gazette_searchd_skipped_total counter\n"
		"gazette_searchd_skipped_total %lu\n"
		"# HELP gazette_searchd_http_requests_total HTTP requests "
		"read.\n"
		"# TYPE gazette_searchd_http_requests_total counter\n"
		"gazette_searchd_http_requests_total %lu\n"
		"# HELP gazette_searchd_reloads_total Configuration reloads "
		"(SIGHUP).\n"
		"# TYPE gazette_searchd_reloads_total counter\n"
		"gazette_searchd_reloads_total %lu\n",
		(double)atomic_load(&s->m.latency_us) / 1e6, cum,
		atomic_load(&s->m.connections), atomic_load(&s->m.accepted),
		atomic_load(&s->m.refused), atomic_load(&s->m.evicted), queued,
		s->opt.workers, atomic_load(&s->m.skipped),
		atomic_load(&s->m.http_requests), atomic_load(&s->m.reloads));
	if (rc == GZ_OK)
		metrics_add(
			&t, &len, &cap,
			"# HELP gazette_index_documents Articles in the "
			"index.\n"
			"# TYPE gazette_index_documents gauge\n"
			"gazette_index_documents %u\n"
			"# HELP gazette_index_revision Index revision (grows "
			"with each commit).\n"
			"# TYPE gazette_index_revision gauge\n"
			"gazette_index_revision %lu\n"
			"# HELP gazette_index_last_update_timestamp_seconds "
			"Unix time of the last commit.\n"
			"# TYPE gazette_index_last_update_timestamp_seconds "
			"gauge\n"
			"gazette_index_last_update_timestamp_seconds %lld\n",
			st->documents, st->revision, st->modified);
	metrics_add(&t, &len, &cap,
		    "# HELP gazette_index_up 1 when the index could be read.\n"
		    "# TYPE gazette_index_up gauge\n"
		    "gazette_index_up %d\n",
		    rc == GZ_OK);
	return t;
}

/* Answer a stats, health or metrics job on w's searcher. */
static void worker_run_stats(struct worker *w, struct job *j)
{
	struct server *s = w->srv;
	struct search_stats st;
	char err[GZ_ERRLEN] = "";
	double up = (gz_mono_ms() - s->started_ms) / 1000.0;
	char *body;
	int rc, healthy = 0;

	rc = searcher_stats(w->se, &st, err);
	if (j->kind == JOB_HTTP_METRICS) {
		body = server_metrics_text(s, &st, rc);
		server_count(s, GZ_OK);
		j->reply = body ? http_response(200,
						"text/plain; version=0.0.4; "
						"charset=utf-8",
						NULL, body, strlen(body))
				: NULL;
		free(body);
	} else if (j->kind == JOB_HTTP_HEALTH) {
		body = proto_reply_health(&st, rc, err, up,
					  atomic_load(&s->health_max_age),
					  &healthy);
		job_set(j, GZ_OK, healthy ? 200 : 503, body);
	} else if (rc == GZ_OK) {
		job_set(j, GZ_OK, 0,
			proto_reply_stats(&st, s->opt.index_path, up,
					  j->req.id_json));
	} else {
		job_set(j, rc, 0, proto_reply_error(rc, err, j->req.id_json));
	}
	search_stats_free(&st);
}

/*
** Apply the shard options in force to w's searcher and, after a SIGHUP,
** read the stub again and reopen the shards (a failure is logged and the
** shards it had are kept).
*/
static void worker_shards(struct worker *w)
{
	struct server *s = w->srv;
	struct searcher_options so;
	unsigned gen = atomic_load(&s->shard_gen);
	char err[GZ_ERRLEN] = "";
	int rc;

	so.shard_timeout_ms = atomic_load(&s->shard_timeout_ms);
	so.shard_partial = atomic_load(&s->shard_partial);
	searcher_set_options(w->se, &so);
	if (gen == w->shard_gen)
		return;
	w->shard_gen = gen;
	if (searcher_shard_count(w->se) == 0)
		return;
	rc = searcher_reload(w->se, err);
	if (rc != GZ_OK)
		log_warn("msg=\"cannot reopen the shards\" error=%s "
			 "detail=\"%s\"",
			 gz_errname(rc), err);
	else
		log_info("msg=\"shards reopened\" shards=%zu",
			 searcher_shard_count(w->se));
}

/* Run one job on a worker's searcher, setting j->reply. */
static void worker_run_job(struct worker *w, struct job *j)
{
	struct server *s = w->srv;
	struct querylog_entry qe;
	struct search_result res;
	char err[GZ_ERRLEN] = "";
	char q[160];
	double ms, t_pick = gz_mono_ms();
	int rc;

	worker_shards(w);
	if (j->req.cmd == SEARCH_CMD_STATS || j->kind == JOB_HTTP_HEALTH ||
	    j->kind == JOB_HTTP_METRICS) {
		worker_run_stats(w, j);
		return;
	}
	searcher_set_time_limit(w->se, atomic_load(&s->query_timeout_ms));
	rc = search_run(w->se, &j->req, &res, err);
	if (rc == GZ_OK)
		job_set(j, GZ_OK, 0, proto_reply_result(&j->req, &res));
	else
		job_set(j, rc, 0, proto_reply_error(rc, err, j->req.id_json));
	ms = gz_mono_ms() - j->t_start;
	server_observe(s, ms);
	log_escape(j->req.q ? j->req.q : "", j->req.q ? strlen(j->req.q) : 0,
		   64, q, sizeof q);
	if (rc == GZ_OK)
		log_debug("msg=query conn=%lu q=\"%s\" hits=%zu estimate=%u "
			  "ms=%.3f",
			  j->conn->id, q, res.n_hits, res.estimate, ms);
	else
		log_info("msg=query conn=%lu q=\"%s\" error=%s ms=%.3f",
			 j->conn->id, q, gz_errname(rc), ms);
	memset(&qe, 0, sizeof qe);
	qe.q = j->req.q;
	qe.via = j->conn->via;
	qe.status = rc == GZ_OK ? "ok" : gz_errname(rc);
	qe.hits = res.n_hits;
	qe.total = res.estimate;
	qe.ms = ms;
	qe.wait_ms = t_pick - j->t_start;
	qe.revision = res.revision;
	querylog_write(s->qlog, &qe);
	search_result_free(&res);
}

/* Append c to lane l (c is in no lane).  Called with s->mu held. */
static void lane_push(struct conn_lane *l, struct conn *c)
{
	c->in_rr = 1;
	c->rr_next = NULL;
	if (l->tail)
		l->tail->rr_next = c;
	else
		l->head = c;
	l->tail = c;
}

/* Take c out of lane l; 0 when it was not there.  Called with s->mu held. */
static int lane_remove(struct conn_lane *l, struct conn *c)
{
	struct conn **pp, *prev = NULL;

	for (pp = &l->head; *pp; prev = *pp, pp = &(*pp)->rr_next)
		if (*pp == c) {
			*pp = c->rr_next;
			if (l->tail == c)
				l->tail = prev;
			c->rr_next = NULL;
			c->in_rr = 0;
			return 1;
		}
	return 0;
}

/* First-lane jobs taken in a row before the ring gets a turn. */
#define SERVER_FIRST_RUN 4

/*
** Take the next job: from the first lane's first connection, or, when
** that lane is empty or has had SERVER_FIRST_RUN turns in a row while the
** ring waited, from the ring's first; a connection with more jobs goes to
** the ring's end.  NULL when nothing is queued.  Called with s->mu held.
*/
static struct job *server_pop(struct server *s)
{
	struct conn_lane *l = &s->first;
	struct conn *c;
	struct job *j;

	if (!s->first.head || (s->rr.head && s->first_run >= SERVER_FIRST_RUN))
		l = &s->rr;
	c = l->head;
	if (!c)
		return NULL;
	s->first_run = l == &s->first ? s->first_run + 1 : 0;
	l->head = c->rr_next;
	if (!l->head)
		l->tail = NULL;
	c->rr_next = NULL;
	c->in_rr = 0;
	j = c->q_head;
	c->q_head = j->next;
	if (!c->q_head)
		c->q_tail = NULL;
	j->next = NULL;
	s->q_len--;
	if (c->q_head)
		lane_push(&s->rr, c);
	return j;
}

/*
** Take c's queued jobs off the work queue (c is going away): they are
** returned as a list through next, no longer with workers.  Called with
** s->mu held.
*/
static struct job *server_unqueue(struct server *s, struct conn *c)
{
	struct job *list = c->q_head, *j;

	if (c->in_rr && !lane_remove(&s->first, c))
		lane_remove(&s->rr, c);
	for (j = list; j; j = j->next)
		s->q_len--;
	c->q_head = c->q_tail = NULL;
	return list;
}

/*
** Wait up to WORKER_SPIN_MS for a job to be queued, without sleeping: a
** client that sends its next request as soon as it has read a reply finds
** the worker awake, instead of paying for the thread to be woken (tens
** of microseconds here, a tenth of a short search).  Only the worker that
** finished a job last spins (s->spinner), and a queued job wakes no other
** while it does: a client asking one question after another is served by
** the same worker, whose caches (its searcher's tables, Xapian's blocks,
** the core's) are warm, instead of by whichever worker wakes.  Costs at
** most WORKER_SPIN_MS of CPU per job when the daemon is nearly idle,
** nothing when busy.
*/
#define WORKER_SPIN_MS 0.1

static void worker_spin(struct worker *w)
{
	struct server *s = w->srv;
	double t0 = gz_mono_ms();
	unsigned i, me = w->id;

	for (i = 1; atomic_load(&s->spinner) == me; i++) {
		if (atomic_load_explicit(&s->q_len, memory_order_relaxed) ||
		    atomic_load_explicit(&s->stop_workers,
					 memory_order_relaxed))
			break;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		if (i % 64 == 0 && gz_mono_ms() - t0 > WORKER_SPIN_MS)
			break;
	}
	/* Before looking at the queue under s->mu, so that a job queued
	** while this worker was still the spinner is seen (server_enqueue). */
	atomic_compare_exchange_strong(&s->spinner, &me, 0);
}

/*
** Write j's reply to its client from the worker, when nothing can come
** before it: j heads its connection's FIFO, the loop has nothing queued
** for it and it is open (c->direct).  The loop otherwise wakes up only to
** write it, tens of microseconds later.  A short write leaves the rest to
** the loop (j->sent says how much went).  Called with s->mu held, which
** conn_close also takes before the socket is closed.
*/
static void worker_send(struct job *j)
{
	struct conn *c = j->conn;
	size_t len;
	ssize_t n;

	if (!c->direct || c->head != j || !j->reply || j->close_after ||
	    atomic_load(&j->cancelled))
		return;
	len = strlen(j->reply);
	n = send(c->fd, j->reply, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		j->sent = (size_t)n;
	if (n < 0 || (size_t)n < len)
		c->direct = 0; /* the loop writes the rest */
}

/*
** 1 when c's peer has reset the connection or both directions are shut,
** so that no reply can reach it; a peer that only finished sending (a
** half-close) still reads its replies and gives 0.  Called with s->mu
** held, which keeps c->fd c's own (conn_close).
*/
static int conn_peer_gone(const struct conn *c)
{
	struct pollfd p;

	if (!c->fd_open)
		return 0;
	p.fd = c->fd;
	p.events = 0;
	p.revents = 0;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* A worker thread: take jobs from the queue until told to stop. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	struct job *j;

	for (;;) {
		worker_spin(w);
		pthread_mutex_lock(&s->mu);
		while (!s->first.head && !s->rr.head && !s->stop_workers)
			pthread_cond_wait(&s->cv, &s->mu);
		j = server_pop(s);
		/* More queued than this worker takes: a job queued while a
		** worker spun woke no one (server_enqueue), so wake one now. */
		if (j && s->q_len > 0)
			pthread_cond_signal(&s->cv);
		if (j && conn_peer_gone(j->conn))
			atomic_store(&j->cancelled, 1);
		pthread_mutex_unlock(&s->mu);
		if (!j)
			break;

		/* Nobody will read the answer: do not search for it. */
		if (atomic_load(&j->cancelled))
			atomic_fetch_add(&s->m.skipped, 1);
		else
			worker_run_job(w, j);

		pthread_mutex_lock(&s->mu);
		worker_send(j);
		j->next = NULL;
		if (s->d_tail)
			s->d_tail->next = j;
		else
			s->d_head = j;
		s->d_tail = j;
		pthread_mutex_unlock(&s->mu);
		event_active(s->ev_notify, EV_READ, 0);
		atomic_store(&s->spinner, w->id);
	}
	return NULL;
}

/* ------------------------------------------------------------ connections */

static void conn_flush(struct conn *c);
static void conn_finish(struct conn *c);
static void conn_abort(struct conn *c);
static void conn_abort_oom(struct conn *c);

/* Free c itself (its bufferevent is gone and no worker holds a job). */
static void conn_destroy(struct conn *c)
{
	free(c);
}

/*
** Let workers write c's replies themselves (on: when c is open, speaks the
** line protocol, is not lingering and its output buffer is empty) or not
** (off: before the loop writes to c, half-closes or closes it).
*/
static void conn_set_direct(struct conn *c, int on)
{
	int ok = on && c->bev && !c->http && !c->lingering &&
		evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;

	pthread_mutex_lock(&c->srv->mu);
	c->direct = ok;
	pthread_mutex_unlock(&c->srv->mu);
}

/* If shutting down and nothing is left, leave the loop. */
static void server_maybe_done(struct server *s)
{
	if (s->stopping && s->n_conns == 0)
		event_base_loopexit(s->base, NULL);
}

/*
** Close c now: free the socket, drop the replies not yet sent and forget
** the jobs workers hold (they are freed when they come back).
*/
static void conn_close(struct conn *c, const char *why)
{
	struct server *s = c->srv;
	struct job *j, *next;

	if (!c->bev)
		return;
	log_debug("msg=close conn=%lu peer=%s reason=\"%s\"", c->id, c->peer,
		  why);
	/* No worker writes to the socket once this returns (worker_send). */
	pthread_mutex_lock(&s->mu);
	c->direct = 0;
	c->fd_open = 0;
	pthread_mutex_unlock(&s->mu);
	bufferevent_free(c->bev);
	c->bev = NULL;
	/* Searches nobody will read: off the queue before a worker sees them. */
	pthread_mutex_lock(&s->mu);
	j = server_unqueue(s, c);
	pthread_mutex_unlock(&s->mu);
	for (; j; j = j->next) {
		j->with_worker = 0;
		c->with_workers--;
		atomic_fetch_add(&s->m.skipped, 1);
	}
	for (j = c->head; j; j = next) {
		next = j->fifo_next;
		j->fifo_next = NULL;
		if (!j->with_worker)
			job_free(j);
		else
			atomic_store(&j->cancelled, 1);
	}
	c->head = c->tail = NULL;
	c->owed = 0;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	atomic_store(&s->m.connections, s->n_conns);
	if (c->with_workers == 0)
		conn_destroy(c);
	server_maybe_done(s);
}

/* Append a new job for c to its FIFO; NULL when out of memory. */
static struct job *conn_new_job(struct conn *c)
{
	struct job *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	search_request_init(&j->req);
	j->conn = c;
	j->t_start = gz_mono_ms();
	if (c->tail)
		c->tail->fifo_next = j;
	else
		c->head = j;
	c->tail = j;
	c->owed++;
	return j;
}

/* Answer j at once with an error. */
static void job_fail(struct job *j, int code, const char *msg)
{
	job_set(j, code, 0, proto_reply_error(code, msg, j->req.id_json));
}

/* Queue j for a worker, or answer "busy" when the queue is full. */
static void server_enqueue(struct server *s, struct job *j)
{
	struct conn *c = j->conn;
	int full;

	pthread_mutex_lock(&s->mu);
	full = s->q_len >= s->tun.queue_max;
	if (!full) {
		j->next = NULL;
		j->with_worker = 1;
		c->with_workers++;
		if (c->q_tail)
			c->q_tail->next = j;
		else
			c->q_head = j;
		c->q_tail = j;
		/* Its only work: nothing else of c's queued or running. */
		if (!c->in_rr)
			lane_push(c->with_workers == 1 ? &s->first : &s->rr, c);
		s->q_len++;
		/* A spinning worker takes it (worker_spin); else wake one. */
		if (atomic_load(&s->spinner) == 0)
			pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (full) {
		log_warn("msg=busy conn=%lu queue=%u", j->conn->id,
			 s->tun.queue_max);
		job_fail(j, GZ_EBUSY, "server busy, retry later");
	}
}

/* Handle one complete request line of c (n bytes, no "\n"). */
static void conn_handle_line(struct conn *c, const char *line, size_t n)
{
	struct server *s = c->srv;
	char err[GZ_ERRLEN] = "";
	char esc[160];
	struct job *j;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == n)
		return; /* blank lines are ignored */
	j = conn_new_job(c);
	if (!j) {
		/* Not conn_close: the callers go on using c (conn_abort). */
		conn_abort_oom(c);
		return;
	}
	rc = proto_parse_line(line, n, &j->req, err);
	if (rc != GZ_OK) {
		log_escape(line, n, 64, esc, sizeof esc);
		log_warn("msg=\"bad request\" conn=%lu peer=%s error=%s "
			 "detail=\"%s\" bytes=%zu line=\"%s\"",
			 c->id, c->peer, gz_errname(rc), err, n, esc);
		job_fail(j, rc, err);
	} else if (c->needs_token &&
		   !server_token_ok(s->opt.token, j->req.token)) {
		log_warn("msg=\"bad token\" conn=%lu peer=%s", c->id, c->peer);
		job_fail(j, GZ_EDENIED, "missing or wrong token");
	} else if (j->req.cmd == SEARCH_CMD_PING) {
		job_set(j, GZ_OK, 0, proto_reply_ping(j->req.id_json));
	} else {
		server_enqueue(s, j);
	}
}

/* True when c may read more requests now. */
static int conn_can_read(const struct conn *c)
{
	return c->bev && !c->closing && !c->srv->stopping &&
		c->owed < SERVER_MAX_PIPELINE &&
		c->with_workers < SERVER_MAX_CONN_JOBS &&
		evbuffer_get_length(bufferevent_get_output(c->bev)) <
		SERVER_MAX_OUTPUT;
}

/* True when got matches the server's token (HTTP: bearer or field). */
static int server_http_token_ok(const struct server *s,
				const struct http_request *hr,
				const struct search_request *req)
{
	return server_token_ok(s->opt.token, hr->bearer) ||
		server_token_ok(s->opt.token, req->token);
}

/*
** The HTTP front's reader: wait for one whole request head, answer it
** (queueing the work for a worker where the index is needed), and close
** after the reply; bytes after the head are ignored.
*/
static void conn_read_http(struct conn *c)
{
	struct server *s = c->srv;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), head_len = 0, n;
	struct http_request hr;
	char err[GZ_ERRLEN] = "";
	const char *data;
	struct job *j;
	int rc, qrc;

	if (c->owed > 0 || c->closing || c->srv->stopping) {
		evbuffer_drain(in, len);
		return;
	}
	if (len == 0)
		return;
	n = len > HTTP_MAX_HEAD ? HTTP_MAX_HEAD : len;
	data = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
	if (!data) {
		conn_abort_oom(c);
		return;
	}
	rc = http_parse_head(data, n, &head_len, &hr, err);
	if (rc == GZ_EAGAIN && !c->eof) {
		http_request_free(&hr);
		return;
	}
	evbuffer_drain(in, len);
	atomic_fetch_add(&s->m.http_requests, 1);
	j = conn_new_job(c);
	if (!j) {
		http_request_free(&hr);
		conn_abort_oom(c);
		return;
	}
	j->close_after = 1;
	j->kind = JOB_HTTP_SEARCH;
	if (rc == GZ_EAGAIN)
		rc = gz_fail(err, GZ_EPARSE, "incomplete request head");
	if (rc != GZ_OK) {
		log_warn("msg=\"bad http request\" conn=%lu peer=%s error=%s "
			 "detail=\"%s\"",
			 c->id, c->peer, gz_errname(rc), err);
		job_set(j, rc, rc == GZ_ETOOBIG ? 431 : 400,
			proto_reply_error(rc, err, NULL));
		http_request_free(&hr);
		return;
	}
	log_debug("msg=http conn=%lu peer=%s method=%s route=%d", c->id,
		  c->peer, hr.method, (int)hr.route);
	qrc = http_query_to_request(hr.query, &j->req, err);
	if (strcmp(hr.method, "GET") != 0) {
		static const char body[] = "{\"v\":1,\"error\":{\"code\":"
					   "\"bad_request\",\"message\":\"only "
					   "GET is served\"}}\n";

		free(j->reply);
		server_count(s, GZ_EINVAL);
		j->reply =
			http_response(405, "application/json", "Allow: GET\r\n",
				      body, sizeof body - 1);
	} else if (c->needs_token && !server_http_token_ok(s, &hr, &j->req)) {
		log_warn("msg=\"bad token\" conn=%lu peer=%s", c->id, c->peer);
		job_fail(j, GZ_EDENIED, "missing or wrong token");
	} else if (hr.route == HTTP_ROUTE_SEARCH) {
		if (qrc != GZ_OK)
			job_fail(j, qrc, err);
		else if (j->req.cmd == SEARCH_CMD_PING)
			job_set(j, GZ_OK, 0, proto_reply_ping(j->req.id_json));
		else
			server_enqueue(s, j);
	} else if (hr.route == HTTP_ROUTE_HEALTH) {
		j->kind = JOB_HTTP_HEALTH;
		server_enqueue(s, j);
	} else if (hr.route == HTTP_ROUTE_METRICS) {
		j->kind = JOB_HTTP_METRICS;
		server_enqueue(s, j);
	} else if (hr.route == HTTP_ROUTE_ROOT) {
		static const char text[] =
			"gazette-searchd: GET /search?q=QUERY, /health, "
			"/metrics\n";

		free(j->reply);
		server_count(s, GZ_OK);
		j->reply = http_response(200, "text/plain; charset=utf-8", NULL,
					 text, sizeof text - 1);
	} else {
		job_set(j, GZ_ENOTFOUND, 0,
			proto_reply_error(GZ_ENOTFOUND, "no such path", NULL));
	}
	http_request_free(&hr);
}

/*
** Stop reading from c and drop what it sent: it closes once the replies it
** is owed have gone out (conn_flush).  Unlike conn_close, c stays valid
** for the caller.
*/
static void conn_abort(struct conn *c)
{
	evbuffer_drain(bufferevent_get_input(c->bev),
		       evbuffer_get_length(bufferevent_get_input(c->bev)));
	c->closing = 1;
	c->linger = 0;
	c->skip = 0;
}

/* Out of memory while reading c's requests: log it and conn_abort c. */
static void conn_abort_oom(struct conn *c)
{
	log_error("msg=\"out of memory\" conn=%lu", c->id);
	conn_abort(c);
}

/*
** Read every complete line buffered on c while it may take more work.  A
** line past GZ_MAX_REQUEST_LINE is answered "too_big"; when its end has
** not been seen, the stream position is lost and c closes after replying.
** After EOF, a last line without "\n" counts as a line.
*/
static void conn_read_lines(struct conn *c)
{
	struct evbuffer *in;
	struct evbuffer_ptr eol;
	size_t eol_len, n, len;
	char *line;
	struct job *j;

	if (c->http) {
		if (c->bev)
			conn_read_http(c);
		return;
	}
	while (c->bev && conn_can_read(c)) {
		in = bufferevent_get_input(c->bev);
		len = evbuffer_get_length(in);
		if (len == 0)
			break;
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (c->skip) {
			if (eol.pos >= 0) {
				evbuffer_drain(in, (size_t)eol.pos + eol_len);
				c->skip = 0;
				continue;
			}
			c->skipped += len;
			evbuffer_drain(in, len);
			if (c->skipped > CONN_MAX_SKIP) {
				/* Not the protocol: close politely. */
				log_warn(
					"msg=\"endless line\" conn=%lu peer=%s "
					"bytes=%zu",
					c->id, c->peer, c->skipped);
				c->closing = 1;
				c->linger = 1;
			}
			break;
		}
		if (eol.pos < 0 && len <= GZ_MAX_REQUEST_LINE && !c->eof) {
			/*
			** The idle timeout restarts with every byte, so a
			** client dribbling one now and then would hold its
			** connection for ever: a line must also be complete
			** within idle_timeout of its first byte.
			*/
			double now = gz_mono_ms();

			if (c->line_since_ms == 0)
				c->line_since_ms = now;
			else if (now - c->line_since_ms >=
				 1000.0 * c->srv->tun.idle_timeout_sec) {
				log_info("msg=\"request line too slow\" "
					 "conn=%lu "
					 "peer=%s bytes=%zu",
					 c->id, c->peer, len);
				conn_abort(c);
				return;
			}
			break;
		}
		c->line_since_ms = 0;
		c->active_ms = gz_mono_ms();
		if (eol.pos < 0 && len <= GZ_MAX_REQUEST_LINE) {
			eol.pos = (ev_ssize_t)len;
			eol_len = 0;
		}
		if (eol.pos < 0 || (size_t)eol.pos > GZ_MAX_REQUEST_LINE) {
			j = conn_new_job(c);
			log_warn("msg=\"request too large\" conn=%lu peer=%s "
				 "bytes=%zu",
				 c->id, c->peer,
				 eol.pos < 0 ? len : (size_t)eol.pos);
			if (!j) {
				conn_abort_oom(c);
				return;
			}
			job_fail(j, GZ_ETOOBIG, "request line too long");
			if (eol.pos < 0) {
				/* The next request starts after the next "\n". */
				evbuffer_drain(in, len);
				c->skip = 1;
				c->skipped = len;
				continue;
			}
			evbuffer_drain(in, (size_t)eol.pos + eol_len);
			continue;
		}
		n = (size_t)eol.pos;
		line = malloc(n + 1);
		if (!line) {
			conn_abort_oom(c);
			return;
		}
		evbuffer_remove(in, line, n);
		line[n] = '\0';
		evbuffer_drain(in, eol_len);
		conn_handle_line(c, line, n);
		free(line);
	}
	if (c->bev) {
		if (conn_can_read(c) && !c->eof)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
	}
}

/*
** c owes nothing and its output has drained: close it, or, after a fatal
** protocol error, shut its write side and discard input for a while first.
*/
static void conn_finish(struct conn *c)
{
	struct timeval tv = { CONN_LINGER_SEC, 0 };

	if (!c->linger || c->srv->stopping || c->eof) {
		conn_close(c,
			   c->srv->stopping ? "shutdown"
				   : c->eof ? "eof"
					    : "error");
		return;
	}
	conn_set_direct(c, 0);
	c->lingering = 1;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

/*
** Write c's finished replies in order.  Once c is closing (fatal error,
** EOF with nothing left to read, or shutdown) and owes nothing more, close
** it as soon as its output has drained.  May free c (through conn_close).
*/
static void conn_flush(struct conn *c)
{
	struct job *j;
	int done;

	if (c->lingering) {
		if (c->srv->stopping)
			conn_close(c, "shutdown");
		return;
	}
	while (c->bev && (j = c->head) && !j->with_worker) {
		size_t len = j->reply ? strlen(j->reply) : 0;

		/*
		** Under the lock: workers compare the head with their job, and
		** once the next job heads the FIFO its worker must not write
		** before this reply, which the loop is about to write itself.
		*/
		pthread_mutex_lock(&c->srv->mu);
		c->head = j->fifo_next;
		if (j->sent < len)
			c->direct = 0;
		pthread_mutex_unlock(&c->srv->mu);
		if (!c->head)
			c->tail = NULL;
		c->owed--;
		if (!j->reply) {
			/* Its client reset the connection (conn_peer_gone), or
			** not even an error could be built: give up on c. */
			int gone = atomic_load(&j->cancelled);

			job_free(j);
			conn_close(c, gone ? "reset by peer" : "out of memory");
			return;
		}
		if (j->sent < len) {
			/* From here the output buffer is not empty (and direct
			** writes are off, above). */
			bufferevent_write(c->bev, j->reply + j->sent,
					  len - j->sent);
		} else {
			c->active_ms = gz_mono_ms(); /* written by a worker */
		}
		if (j->close_after)
			c->closing = 1;
		job_free(j);
	}
	if (!c->bev || c->head)
		return;
	done = c->closing || c->srv->stopping ||
		(c->eof &&
		 evbuffer_get_length(bufferevent_get_input(c->bev)) == 0);
	if (!done)
		return;
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_finish(c);
	/* Otherwise conn_on_write finishes it once the output drains. */
}

/* bufferevent read callback: new bytes arrived. */
static void conn_on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->lingering) {
		c->discarded += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		if (c->discarded > CONN_LINGER_BYTES)
			conn_close(c, "error");
		return;
	}
	conn_read_lines(c);
	if (c->bev)
		conn_flush(c);
}

/* bufferevent write callback: the output buffer drained. */
static void conn_on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->lingering)
		return;
	c->active_ms = gz_mono_ms();
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0 &&
	    c->closing && !c->head) {
		conn_finish(c);
		return;
	}
	conn_set_direct(c, 1); /* when the output has drained */
	/* Room again: read what was waiting. */
	conn_read_lines(c);
	if (c->bev)
		conn_flush(c);
}

/* bufferevent event callback: EOF, error or timeout. */
static void conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (c->lingering) {
		conn_close(c, "error");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* The client is done sending; answer what it sent, then close. */
		c->eof = 1;
		bufferevent_disable(bev, EV_READ);
		conn_read_lines(c);
		if (c->bev)
			conn_flush(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		conn_close(
			c,
			evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if ((what & BEV_EVENT_READING) && c->head) {
			/* Waiting on our workers, not idle: keep reading. */
			bufferevent_enable(bev, EV_READ);
			return;
		}
		log_info("msg=\"idle timeout\" conn=%lu peer=%s", c->id,
			 c->peer);
		conn_close(c,
			   (what & BEV_EVENT_WRITING) ? "write timeout"
						      : "idle timeout");
	}
}

/* Refuse a connection past max_connections with a "busy" line. */
static void server_refuse(struct server *s, evutil_socket_t fd)
{
	char *reply = proto_reply_error(GZ_EBUSY, "too many connections", NULL);

	if (reply) {
		ssize_t w = send(fd, reply, strlen(reply),
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
		free(reply);
	}
	evutil_closesocket(fd);
	atomic_fetch_add(&s->m.refused, 1);
	log_warn("msg=\"too many connections\" max=%u", s->tun.max_connections);
}

/*
** At max_connections: the connection that has made the least progress,
** to be closed so that a new client gets in (a slow-loris defence):
** first the one whose incomplete request line began longest ago, else
** an idle one (nothing owed or with workers) quiet for longest; either
** only when stalled for at least SERVER_EVICT_MS.  NULL when none is.
*/
static struct conn *server_stalled_conn(struct server *s)
{
	double now = gz_mono_ms(), best_line = now, best_idle = now;
	struct conn *c, *line = NULL, *idle = NULL;

	for (c = s->conns; c; c = c->next) {
		if (!c->bev || c->http || c->closing)
			continue;
		if (c->line_since_ms > 0 && c->line_since_ms < best_line) {
			best_line = c->line_since_ms;
			line = c;
		} else if (c->line_since_ms == 0 && !c->head &&
			   c->with_workers == 0 && c->active_ms < best_idle) {
			best_idle = c->active_ms;
			idle = c;
		}
	}
	if (line && now - best_line >= SERVER_EVICT_MS)
		return line;
	if (idle && now - best_idle >= SERVER_EVICT_MS)
		return idle;
	return NULL;
}

/* Set up a connection for an accepted socket. */
static void server_accept(struct server *s, evutil_socket_t fd,
			  const struct sockaddr *sa, int needs_token,
			  const char *via)
{
	struct timeval idle = { (time_t)s->tun.idle_timeout_sec, 0 };
	struct conn *c;

	if (s->stopping) {
		evutil_closesocket(fd);
		return;
	}
	if (s->n_conns >= s->tun.max_connections) {
		struct conn *victim = server_stalled_conn(s);

		if (!victim) {
			server_refuse(s, fd);
			return;
		}
		log_info("msg=\"stalled connection closed for a new one\" "
			 "conn=%lu peer=%s",
			 victim->id, victim->peer);
		atomic_fetch_add(&s->m.evicted, 1);
		conn_close(victim, "evicted");
	}
	c = calloc(1, sizeof *c);
	if (c)
		c->bev = bufferevent_socket_new(s->base, fd,
						BEV_OPT_CLOSE_ON_FREE);
	if (!c || !c->bev) {
		free(c);
		evutil_closesocket(fd);
		log_error("msg=\"out of memory\" what=accept");
		return;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		int one = 1;

		/* Replies are whole lines written at once: send them now. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	c->srv = s;
	c->active_ms = gz_mono_ms();
	c->id = ++s->next_id;
	c->needs_token = needs_token;
	c->via = via;
	c->http = strcmp(via, "http") == 0;
	c->fd = fd;
	c->fd_open = 1;
	c->direct = !c->http; /* no job can see c yet: no lock needed */
	server_format_addr(sa, c->peer, sizeof c->peer);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	atomic_store(&s->m.connections, s->n_conns);
	atomic_fetch_add(&s->m.accepted, 1);
	bufferevent_setcb(c->bev, conn_on_read, conn_on_write, conn_on_event,
			  c);
	/* Read no further than one request line past what was parsed. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, GZ_MAX_REQUEST_LINE + 2);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("msg=accept conn=%lu peer=%s", c->id, c->peer);
}

/* evconnlistener callback for the TCP listener. */
static void server_on_tcp(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	struct server *s = arg;

	(void)l;
	(void)salen;
	server_accept(s, fd, sa, s->tcp_needs_token, "tcp");
}

/* evconnlistener callback for the HTTP front. */
static void server_on_http(struct evconnlistener *l, evutil_socket_t fd,
			   struct sockaddr *sa, int salen, void *arg)
{
	struct server *s = arg;

	(void)l;
	(void)salen;
	server_accept(s, fd, sa, s->http_needs_token, "http");
}

/* evconnlistener callback for the Unix socket listener. */
static void server_on_unix(struct evconnlistener *l, evutil_socket_t fd,
			   struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)salen;
	server_accept(arg, fd, sa, 0, "unix");
}

/* evconnlistener error callback: log and carry on. */
static void server_on_accept_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	log_warn("msg=\"accept failed\" error=\"%s\"",
		 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* Workers finished jobs: route each reply to its connection. */
static void server_on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	struct job *j, *next;
	struct conn *c;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&s->mu);
	j = s->d_head;
	s->d_head = s->d_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	for (; j; j = next) {
		next = j->next;
		c = j->conn;
		j->with_worker = 0;
		c->with_workers--;
		if (!c->bev) {
			job_free(j);
			if (c->with_workers == 0)
				conn_destroy(c);
			continue;
		}
		/*
		** Hold c while flushing: with a reply a worker already wrote,
		** the flush can finish and close c at once, and conn_close frees
		** a connection no worker holds a job of.
		*/
		c->with_workers++;
		conn_flush(c);
		if (c->bev) {
			conn_read_lines(c);
			if (c->bev)
				conn_flush(c);
		}
		if (--c->with_workers == 0 && !c->bev)
			conn_destroy(c);
	}
}

/* ------------------------------------------------------------ signals */

/* Shutdown deadline passed: leave the loop with queries unfinished. */
static void server_on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	log_warn("msg=\"shutdown deadline passed\" connections=%u", s->n_conns);
	event_base_loopbreak(s->base);
}

/* Free the listeners; remove the Unix socket file if we made it. */
static void server_close_listeners(struct server *s)
{
	if (s->tcp)
		evconnlistener_free(s->tcp);
	s->tcp = NULL;
	if (s->unix_l)
		evconnlistener_free(s->unix_l);
	s->unix_l = NULL;
	if (s->http_l)
		evconnlistener_free(s->http_l);
	s->http_l = NULL;
	if (s->unix_created)
		unlink(s->opt.socket_path);
	s->unix_created = 0;
}

/* SIGTERM/SIGINT: stop accepting, let connections finish, then exit. */
static void server_on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	struct timeval dl = { SERVER_DRAIN_SEC, 0 };
	struct conn *c, *next;

	(void)what;
	if (s->stopping) {
		log_warn("msg=\"second signal, exiting now\" signal=%d",
			 (int)sig);
		event_base_loopbreak(s->base);
		return;
	}
	s->stopping = 1;
	log_info("msg=stopping signal=%d connections=%u", (int)sig, s->n_conns);
	server_close_listeners(s);
	s->ev_drain = evtimer_new(s->base, server_on_drain_timeout, s);
	if (s->ev_drain)
		evtimer_add(s->ev_drain, &dl);
	for (c = s->conns; c; c = next) {
		next = c->next;
		bufferevent_disable(c->bev, EV_READ);
		conn_flush(c);
	}
	server_maybe_done(s);
}

/*
** SIGHUP: reopen the log files (after logrotate moved them) and apply the
** tunables read again from the configuration; on a bad configuration,
** keep everything as it was and say so.
*/
static void server_on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	struct server_tunables t = s->tun;
	char err[GZ_ERRLEN] = "";
	int rc = GZ_OK;

	(void)sig;
	(void)what;
	if (log_reopen() < 0)
		log_warn("msg=\"cannot reopen the log file\"");
	if (s->opt.reload)
		rc = s->opt.reload(s->opt.reload_ctx, &t, err);
	if (rc != GZ_OK) {
		log_warn("msg=\"reload failed, keeping the configuration\" "
			 "error=%s detail=\"%s\"",
			 gz_errname(rc), err);
		t = s->tun;
	}
	if (querylog_reopen(s->qlog, t.query_log, err) != GZ_OK) {
		log_warn("msg=\"cannot reopen the query log\" detail=\"%s\"",
			 err);
		memcpy(t.query_log, s->tun.query_log, sizeof t.query_log);
	}
	if (t.queue_max == 0)
		t.queue_max = 1;
	if (t.max_connections == 0)
		t.max_connections = GZ_MAX_CONNECTIONS;
	if (t.idle_timeout_sec == 0)
		t.idle_timeout_sec = GZ_IDLE_TIMEOUT_SEC;
	pthread_mutex_lock(&s->mu);
	s->tun = t;
	pthread_mutex_unlock(&s->mu);
	atomic_store(&s->query_timeout_ms, t.query_timeout_ms);
	atomic_store(&s->health_max_age, t.health_max_age_sec);
	atomic_store(&s->shard_timeout_ms, t.shard_timeout_ms);
	atomic_store(&s->shard_partial, t.shard_partial);
	if (rc == GZ_OK)
		atomic_fetch_add(&s->shard_gen, 1);
	if (rc == GZ_OK)
		atomic_fetch_add(&s->m.reloads, 1);
	log_info("msg=reloaded ok=%d queue_max=%u max_connections=%u "
		 "idle_timeout=%u query_timeout_ms=%u shard_timeout_ms=%u "
		 "shard_failure=%s query_log=%s",
		 rc == GZ_OK, t.queue_max, t.max_connections,
		 t.idle_timeout_sec, t.query_timeout_ms, t.shard_timeout_ms,
		 t.shard_partial ? "partial" : "fail",
		 t.query_log[0] ? t.query_log : "-");
}

/* ------------------------------------------------------------ setup */

/* Write the bound port into path (through a rename, so readers never see
** half a file). */
static int server_write_port_file(const char *path, unsigned port, char *err)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return gz_fail(err, GZ_EINVAL, "%s: path too long", path);
	f = fopen(tmp, "w");
	if (!f)
		return gz_fail(err, GZ_EIO, "%s: %s", tmp, strerror(errno));
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return gz_fail(err, GZ_EIO, "%s: %s", path, strerror(errno));
	}
	return GZ_OK;
}

/*
** Bind a TCP listener on addr ("HOST:PORT") calling cb, into *out; set
** *needs_token for a non-loopback address (refused without a token), the
** bound address into bound (size 80), and write the port to port_file
** when it is not NULL.  what names the listener in messages.
*/
static int server_listen_inet(struct server *s, const char *what,
			      const char *addr, evconnlistener_cb cb,
			      struct evconnlistener **out, int *needs_token,
			      char *bound, const char *port_file, char *err)
{
	char host[256], port[8];
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int rc;

	if (server_split_hostport(addr, host, sizeof host, port, sizeof port) <
	    0)
		return gz_fail(err, GZ_EINVAL, "%s: %s: expected HOST:PORT",
			       what, addr);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || !ai)
		return gz_fail(err, GZ_EINVAL, "%s: %s: %s", what, addr,
			       gai_strerror(rc));
	if (!server_is_loopback(ai->ai_addr)) {
		if (!s->opt.token || !*s->opt.token) {
			freeaddrinfo(ai);
			return gz_fail(err, GZ_EDENIED,
				       "%s: %s is not a loopback address; "
				       "set [searchd] token to serve it",
				       what, addr);
		}
		*needs_token = 1;
	}
	*out = evconnlistener_new_bind(
		s->base, cb, s,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
			LEV_OPT_CLOSE_ON_EXEC,
		SERVER_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!*out)
		return gz_fail(err, GZ_EIO, "cannot listen on %s: %s", addr,
			       strerror(errno));
	evconnlistener_set_error_cb(*out, server_on_accept_error);
	if (getsockname(evconnlistener_get_fd(*out), (struct sockaddr *)&ss,
			&sl) != 0)
		return gz_fail(err, GZ_EIO, "getsockname: %s", strerror(errno));
	server_format_addr((struct sockaddr *)&ss, bound, 80);
	if (port_file) {
		unsigned p = ss.ss_family == AF_INET6
			? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			: ntohs(((struct sockaddr_in *)&ss)->sin_port);

		return server_write_port_file(port_file, p, err);
	}
	return GZ_OK;
}

/*
** Bind the Unix socket listener on s->opt.socket_path (mode 0600).  An
** existing file is replaced only when it is a socket nobody answers on.
*/
static int server_listen_unix(struct server *s, char *err)
{
	const char *path = s->opt.socket_path;
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return gz_fail(err, GZ_EINVAL, "socket: %s: path too long",
			       path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return gz_fail(err, GZ_EIO,
				       "socket: %s exists and is not a socket",
				       path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return gz_fail(err, GZ_EIO, "socket: %s",
				       strerror(errno));
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
			close(fd);
			return gz_fail(
				err, GZ_EIO,
				"socket: %s: another server is answering "
				"on it",
				path);
		}
		close(fd);
		if (errno != ECONNREFUSED && errno != ENOENT)
			return gz_fail(err, GZ_EIO, "socket: %s: %s", path,
				       strerror(errno));
		log_info("msg=\"removing stale socket\" path=%s", path);
		if (unlink(path) != 0 && errno != ENOENT)
			return gz_fail(err, GZ_EIO,
				       "socket: cannot remove %s: %s", path,
				       strerror(errno));
	}
	/* No thread runs yet, so the process-wide umask is ours to bend. */
	old = umask(0177);
	s->unix_l = evconnlistener_new_bind(
		s->base, server_on_unix, s,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, SERVER_BACKLOG,
		(struct sockaddr *)&sun, (int)sizeof sun);
	umask(old);
	if (!s->unix_l)
		return gz_fail(err, GZ_EIO, "cannot listen on %s: %s", path,
			       strerror(errno));
	s->unix_created = 1;
	chmod(path, 0600);
	evconnlistener_set_error_cb(s->unix_l, server_on_accept_error);
	return GZ_OK;
}

/* Open the searchers, set up the loop, signals and listeners (server.h). */
int server_new(const struct server_options *opt, struct server **out, char *err)
{
	struct search_stats st;
	struct server *s;
	unsigned i;
	int rc;

	*out = NULL;
	if (opt->workers < 1 || opt->workers > SERVER_MAX_WORKERS)
		return gz_fail(err, GZ_EINVAL, "workers: %u is not in 1..%d",
			       opt->workers, SERVER_MAX_WORKERS);
	if ((!opt->listen || !*opt->listen) &&
	    (!opt->socket_path || !*opt->socket_path) &&
	    (!opt->http_listen || !*opt->http_listen))
		return gz_fail(err, GZ_EINVAL,
			       "nothing to listen on: give --listen, --socket "
			       "or --http-listen");
	s = calloc(1, sizeof *s);
	if (!s)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	s->opt = *opt;
	s->tun.queue_max = opt->queue_max ? opt->queue_max : 1;
	s->tun.max_connections = opt->max_connections ? opt->max_connections
						      : GZ_MAX_CONNECTIONS;
	s->tun.idle_timeout_sec = opt->idle_timeout_sec ? opt->idle_timeout_sec
							: GZ_IDLE_TIMEOUT_SEC;
	s->tun.query_timeout_ms = opt->query_timeout_ms;
	s->tun.health_max_age_sec = opt->health_max_age_sec;
	snprintf(s->tun.query_log, sizeof s->tun.query_log, "%s",
		 opt->query_log ? opt->query_log : "");
	s->tun.shard_timeout_ms = opt->shard_timeout_ms;
	s->tun.shard_partial = opt->shard_partial;
	atomic_init(&s->query_timeout_ms, opt->query_timeout_ms);
	atomic_init(&s->shard_timeout_ms, opt->shard_timeout_ms);
	atomic_init(&s->shard_partial, opt->shard_partial);
	atomic_init(&s->shard_gen, 0);
	atomic_init(&s->health_max_age, opt->health_max_age_sec);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->started_ms = gz_mono_ms();

	s->workers = calloc(opt->workers, sizeof *s->workers);
	if (!s->workers) {
		server_free(s);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	for (i = 0; i < opt->workers; i++) {
		s->workers[i].srv = s;
		s->workers[i].id = (unsigned)i + 1;
		struct searcher_options so;

		so.shard_timeout_ms = opt->shard_timeout_ms;
		so.shard_partial = opt->shard_partial;
		rc = searcher_open_with(opt->index_path, &so, &s->workers[i].se,
					err);
		if (rc != GZ_OK) {
			server_free(s);
			return rc;
		}
		searcher_set_time_limit(s->workers[i].se,
					opt->query_timeout_ms);
	}
	rc = querylog_open(opt->query_log, &s->qlog, err);
	if (rc != GZ_OK) {
		server_free(s);
		return rc;
	}
	rc = searcher_stats(s->workers[0].se, &st, err);
	if (rc != GZ_OK) {
		server_free(s);
		return rc;
	}
	s->documents = st.documents;
	search_stats_free(&st);

	if (evthread_use_pthreads() != 0) {
		server_free(s);
		return gz_fail(err, GZ_EINTERNAL,
			       "libevent: no thread support");
	}
	s->base = event_base_new();
	if (s->base)
		s->ev_notify = event_new(s->base, -1, 0, server_on_notify, s);
	if (s->ev_notify) {
		s->ev_term = evsignal_new(s->base, SIGTERM, server_on_stop, s);
		s->ev_int = evsignal_new(s->base, SIGINT, server_on_stop, s);
		s->ev_hup = evsignal_new(s->base, SIGHUP, server_on_hup, s);
	}
	if (!s->ev_term || !s->ev_int || !s->ev_hup ||
	    evsignal_add(s->ev_term, NULL) || evsignal_add(s->ev_int, NULL) ||
	    evsignal_add(s->ev_hup, NULL)) {
		server_free(s);
		return gz_fail(err, GZ_EINTERNAL,
			       "libevent: cannot set up loop");
	}
	rc = GZ_OK;
	if (opt->listen && *opt->listen)
		rc = server_listen_inet(s, "listen", opt->listen, server_on_tcp,
					&s->tcp, &s->tcp_needs_token,
					s->tcp_addr, opt->port_file, err);
	if (rc == GZ_OK && opt->socket_path && *opt->socket_path)
		rc = server_listen_unix(s, err);
	if (rc == GZ_OK && opt->http_listen && *opt->http_listen)
		rc = server_listen_inet(s, "http_listen", opt->http_listen,
					server_on_http, &s->http_l,
					&s->http_needs_token, s->http_addr,
					opt->http_port_file, err);
	if (rc != GZ_OK) {
		server_free(s);
		return rc;
	}
	*out = s;
	return GZ_OK;
}

/*
** Start the workers, run the loop until shutdown, join the workers
** (server.h).
*/
int server_run(struct server *s, char *err)
{
	unsigned i;
	int rc = GZ_OK;

	for (i = 0; i < s->opt.workers; i++) {
		if (pthread_create(&s->workers[i].tid, NULL, worker_main,
				   &s->workers[i]) != 0) {
			rc = gz_fail(err, GZ_EINTERNAL,
				     "cannot start worker thread %u", i);
			break;
		}
		s->workers[i].started = 1;
	}
	if (rc == GZ_OK) {
		log_info("msg=ready listen=%s socket=%s http=%s index=%s "
			 "documents=%u workers=%u",
			 s->tcp ? s->tcp_addr : "-",
			 s->unix_l ? s->opt.socket_path : "-",
			 s->http_l ? s->http_addr : "-", s->opt.index_path,
			 s->documents, s->opt.workers);
		if (event_base_dispatch(s->base) < 0)
			rc = gz_fail(err, GZ_EINTERNAL, "event loop failed");
	}
	server_close_listeners(s);
	pthread_mutex_lock(&s->mu);
	s->stop_workers = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->opt.workers; i++)
		if (s->workers[i].started) {
			pthread_join(s->workers[i].tid, NULL);
			s->workers[i].started = 0;
		}
	log_info("msg=stopped");
	return rc;
}

/*
** Release everything: leftover jobs, connections, events, searchers
** (server.h).  The workers must be joined or never started.
*/
void server_free(struct server *s)
{
	struct conn *c;
	struct job *j, *next;
	unsigned i;

	if (!s)
		return;
	/* Workers are joined (server_run) or never started. */
	server_close_listeners(s);
	for (j = s->d_head; j; j = next) {
		next = j->next;
		j->with_worker = 0;
		j->conn->with_workers--;
		if (!j->conn->bev) {
			if (j->conn->with_workers == 0)
				conn_destroy(j->conn);
			job_free(j);
		}
	}
	while (s->first.head || s->rr.head) {
		c = s->first.head ? s->first.head : s->rr.head;
		j = server_unqueue(s, c);
		for (; j; j = next) {
			next = j->next;
			j->with_worker = 0;
			c->with_workers--;
			if (!c->bev)
				job_free(j);
		}
		if (!c->bev && c->with_workers == 0)
			conn_destroy(c);
	}
	s->d_head = NULL;
	while ((c = s->conns) != NULL) {
		s->stopping = 0; /* no loopexit from a loop that is over */
		conn_close(c, "exit");
	}
	if (s->ev_drain)
		event_free(s->ev_drain);
	if (s->ev_term)
		event_free(s->ev_term);
	if (s->ev_int)
		event_free(s->ev_int);
	if (s->ev_hup)
		event_free(s->ev_hup);
	if (s->ev_notify)
		event_free(s->ev_notify);
	if (s->base)
		event_base_free(s->base);
	if (s->workers) {
		for (i = 0; i < s->opt.workers; i++)
			searcher_close(s->workers[i].se);
		free(s->workers);
	}
	querylog_close(s->qlog);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
