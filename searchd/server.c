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
**   search, stats: push on the work queue --> pop, search_run, serialise
**     (full: reply "busy" at once)            push on the done list,
**                                        <--  event_active(notify)
**   notify: take the done list, put each reply in its connection's FIFO,
**   write the FIFO's finished head in request order.
**
** A connection closed while its jobs are with workers stays allocated (no
** bufferevent) until the last of them comes back.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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
#include "log.h"
#include "proto.h"
#include "search.h"
#include "server.h"

/*
** After a fatal protocol error the reply is sent, the write side shut and
** the input discarded for at most this long (or this many bytes), so the
** client reads the error instead of a connection reset.
*/
#define CONN_LINGER_SEC 2
#define CONN_LINGER_BYTES (1u << 20)

struct conn;

/* One request, from the line read to the reply written. */
struct job {
	struct job *next;      /* link in the work queue or the done list */
	struct job *fifo_next; /* link in the connection's reply FIFO */
	struct conn *conn;     /* the connection that asked */
	struct search_request req; /* the parsed request */
	char *reply;           /* reply line (malloc'd) once answered; NULL = close */
	int with_worker;       /* 1 from queueing until the loop takes it back */
	int close_after;       /* close the connection once this reply is sent */
	double t_start;        /* monotonic ms when the line was read */
};

/* One client connection. */
struct conn {
	struct server *srv;         /* the server */
	struct bufferevent *bev;    /* the socket; NULL once closed */
	struct conn *prev, *next;   /* in srv->conns */
	unsigned long id;           /* for the log */
	char peer[80];              /* "ADDR:PORT" or "unix" */
	int needs_token;            /* accepted on a non-loopback TCP listener */
	struct job *head, *tail;    /* replies owed, in request order */
	unsigned owed;              /* jobs in the FIFO */
	unsigned with_workers;      /* jobs workers still hold */
	int eof;                    /* the client has finished sending */
	int closing;                /* close once everything owed is written */
	int linger;                 /* close politely: half-close, drain input */
	int lingering;              /* half-closed, discarding input until EOF */
	size_t discarded;           /* bytes discarded while lingering */
};

/* One worker thread and its searcher. */
struct worker {
	struct server *srv;     /* the server */
	struct searcher *se;    /* its own index handle */
	pthread_t tid;          /* thread id, valid when started */
	int started;            /* 1 once pthread_create succeeded */
};

struct server {
	struct server_options opt;    /* as given (strings borrowed) */
	struct event_base *base;      /* the loop */
	struct evconnlistener *tcp;   /* TCP listener or NULL */
	struct evconnlistener *unix_l;/* Unix socket listener or NULL */
	int tcp_needs_token;          /* the TCP address is not loopback */
	int unix_created;             /* we made opt.socket_path */
	char tcp_addr[80];            /* the bound address, "127.0.0.1:7700" */
	struct event *ev_term, *ev_int, *ev_hup; /* signal events */
	struct event *ev_notify;      /* workers activate it when jobs are done */
	struct event *ev_drain;       /* shutdown deadline */
	struct worker *workers;       /* opt.workers of them */
	unsigned documents;           /* at start, for the log */

	pthread_mutex_t mu;           /* guards the fields down to stop_workers */
	pthread_cond_t cv;            /* signalled when work is queued or on stop */
	struct job *q_head, *q_tail;  /* work queue */
	unsigned q_len;               /* jobs in the work queue */
	struct job *d_head, *d_tail;  /* done list */
	int stop_workers;             /* workers exit when the queue is empty */

	struct conn *conns;           /* open connections */
	unsigned n_conns;             /* how many */
	unsigned long next_id;        /* next connection id */
	int stopping;                 /* shutting down: no new requests */
	double started_ms;            /* monotonic ms at start, for uptime */
};

/* Milliseconds on the monotonic clock. */
static double server_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

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
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
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
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

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

/* Run one job on a worker's searcher, setting j->reply. */
static void worker_run_job(struct worker *w, struct job *j)
{
	struct search_result res;
	struct search_stats st;
	char err[GZ_ERRLEN] = "";
	char q[160];
	int rc;

	if (j->req.cmd == SEARCH_CMD_STATS) {
		rc = searcher_stats(w->se, &st, err);
		if (rc == GZ_OK)
			j->reply = proto_reply_stats(
				&st, w->srv->opt.index_path,
				(server_now_ms() - w->srv->started_ms) / 1000.0,
				j->req.id_json);
		else
			j->reply = proto_reply_error(rc, err, j->req.id_json);
		search_stats_free(&st);
		return;
	}
	rc = search_run(w->se, &j->req, &res, err);
	log_escape(j->req.q ? j->req.q : "", j->req.q ? strlen(j->req.q) : 0,
		   64, q, sizeof q);
	if (rc == GZ_OK) {
		j->reply = proto_reply_result(&j->req, &res);
		log_info("msg=query conn=%lu q=\"%s\" hits=%zu estimate=%u "
			 "ms=%.3f", j->conn->id, q, res.n_hits, res.estimate,
			 server_now_ms() - j->t_start);
	} else {
		j->reply = proto_reply_error(rc, err, j->req.id_json);
		log_info("msg=query conn=%lu q=\"%s\" error=%s ms=%.3f",
			 j->conn->id, q, gz_errname(rc),
			 server_now_ms() - j->t_start);
	}
	search_result_free(&res);
}

/* A worker thread: take jobs from the queue until told to stop. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct server *s = w->srv;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->q_head && !s->stop_workers)
			pthread_cond_wait(&s->cv, &s->mu);
		j = s->q_head;
		if (!j) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		s->q_head = j->next;
		if (!s->q_head)
			s->q_tail = NULL;
		s->q_len--;
		pthread_mutex_unlock(&s->mu);

		worker_run_job(w, j);

		pthread_mutex_lock(&s->mu);
		j->next = NULL;
		if (s->d_tail)
			s->d_tail->next = j;
		else
			s->d_head = j;
		s->d_tail = j;
		pthread_mutex_unlock(&s->mu);
		event_active(s->ev_notify, EV_READ, 0);
	}
	return NULL;
}

/* ------------------------------------------------------------ connections */

static void conn_flush(struct conn *c);
static void conn_finish(struct conn *c);

/* Free c itself (its bufferevent is gone and no worker holds a job). */
static void conn_destroy(struct conn *c)
{
	free(c);
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
	bufferevent_free(c->bev);
	c->bev = NULL;
	for (j = c->head; j; j = next) {
		next = j->fifo_next;
		j->fifo_next = NULL;
		if (!j->with_worker)
			job_free(j);
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
	j->t_start = server_now_ms();
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
	free(j->reply);
	j->reply = proto_reply_error(code, msg, j->req.id_json);
}

/* Queue j for a worker, or answer "busy" when the queue is full. */
static void server_enqueue(struct server *s, struct job *j)
{
	int full;

	pthread_mutex_lock(&s->mu);
	full = s->q_len >= s->opt.queue_max;
	if (!full) {
		j->next = NULL;
		j->with_worker = 1;
		j->conn->with_workers++;
		if (s->q_tail)
			s->q_tail->next = j;
		else
			s->q_head = j;
		s->q_tail = j;
		s->q_len++;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (full) {
		log_warn("msg=busy conn=%lu queue=%u", j->conn->id,
			 s->opt.queue_max);
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
		conn_close(c, "out of memory");
		return;
	}
	rc = proto_parse_line(line, n, &j->req, err);
	if (rc != GZ_OK) {
		log_escape(line, n, 64, esc, sizeof esc);
		log_warn("msg=\"bad request\" conn=%lu peer=%s error=%s "
			 "detail=\"%s\" bytes=%zu line=\"%s\"", c->id, c->peer,
			 gz_errname(rc), err, n, esc);
		job_fail(j, rc, err);
	} else if (c->needs_token &&
		   !server_token_ok(s->opt.token, j->req.token)) {
		log_warn("msg=\"bad token\" conn=%lu peer=%s", c->id, c->peer);
		job_fail(j, GZ_EDENIED, "missing or wrong token");
	} else if (j->req.cmd == SEARCH_CMD_PING) {
		j->reply = proto_reply_ping(j->req.id_json);
	} else {
		server_enqueue(s, j);
	}
}

/* True when c may read more requests now. */
static int conn_can_read(const struct conn *c)
{
	return c->bev && !c->closing && !c->srv->stopping &&
	       c->owed < SERVER_MAX_PIPELINE &&
	       evbuffer_get_length(bufferevent_get_output(c->bev)) <
		       SERVER_MAX_OUTPUT;
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

	while (c->bev && conn_can_read(c)) {
		in = bufferevent_get_input(c->bev);
		len = evbuffer_get_length(in);
		if (len == 0)
			break;
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos < 0 && len <= GZ_MAX_REQUEST_LINE && !c->eof)
			break;
		if (eol.pos < 0 && len <= GZ_MAX_REQUEST_LINE) {
			eol.pos = (ev_ssize_t)len;
			eol_len = 0;
		}
		if (eol.pos < 0 || (size_t)eol.pos > GZ_MAX_REQUEST_LINE) {
			j = conn_new_job(c);
			log_warn("msg=\"request too large\" conn=%lu peer=%s "
				 "bytes=%zu", c->id, c->peer,
				 eol.pos < 0 ? len : (size_t)eol.pos);
			if (!j) {
				conn_close(c, "out of memory");
				return;
			}
			job_fail(j, GZ_ETOOBIG, "request line too long");
			if (eol.pos < 0) {
				/* Where the next request starts is unknown. */
				evbuffer_drain(in, len);
				j->close_after = 1;
				c->closing = 1;
				c->linger = 1;
				break;
			}
			evbuffer_drain(in, (size_t)eol.pos + eol_len);
			continue;
		}
		n = (size_t)eol.pos;
		line = malloc(n + 1);
		if (!line) {
			conn_close(c, "out of memory");
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
		conn_close(c, c->srv->stopping ? "shutdown" :
			   c->eof ? "eof" : "error");
		return;
	}
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
		c->head = j->fifo_next;
		if (!c->head)
			c->tail = NULL;
		c->owed--;
		if (!j->reply) {
			/* Could not even build an error: give up on c. */
			job_free(j);
			conn_close(c, "out of memory");
			return;
		}
		bufferevent_write(c->bev, j->reply, strlen(j->reply));
		if (j->close_after)
			c->closing = 1;
		job_free(j);
	}
	if (!c->bev || c->head)
		return;
	done = c->closing || c->srv->stopping ||
	       (c->eof && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0);
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
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0 &&
	    c->closing && !c->head) {
		conn_finish(c);
		return;
	}
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
		conn_close(c, evutil_socket_error_to_string(
				      EVUTIL_SOCKET_ERROR()));
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if ((what & BEV_EVENT_READING) && c->head) {
			/* Waiting on our workers, not idle: keep reading. */
			bufferevent_enable(bev, EV_READ);
			return;
		}
		log_info("msg=\"idle timeout\" conn=%lu peer=%s", c->id, c->peer);
		conn_close(c, (what & BEV_EVENT_WRITING) ? "write timeout" :
			   "idle timeout");
	}
}

/* Refuse a connection past max_connections with a "busy" line. */
static void server_refuse(struct server *s, evutil_socket_t fd)
{
	char *reply = proto_reply_error(GZ_EBUSY, "too many connections",
					NULL);

	if (reply) {
		ssize_t w = send(fd, reply, strlen(reply),
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
		free(reply);
	}
	evutil_closesocket(fd);
	log_warn("msg=\"too many connections\" max=%u", s->opt.max_connections);
}

/* Set up a connection for an accepted socket. */
static void server_accept(struct server *s, evutil_socket_t fd,
			  const struct sockaddr *sa, int needs_token)
{
	struct timeval idle = { (time_t)s->opt.idle_timeout_sec, 0 };
	struct conn *c;

	if (s->stopping) {
		evutil_closesocket(fd);
		return;
	}
	if (s->n_conns >= s->opt.max_connections) {
		server_refuse(s, fd);
		return;
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
	c->srv = s;
	c->id = ++s->next_id;
	c->needs_token = needs_token;
	server_format_addr(sa, c->peer, sizeof c->peer);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	bufferevent_setcb(c->bev, conn_on_read, conn_on_write, conn_on_event, c);
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
	server_accept(s, fd, sa, s->tcp_needs_token);
}

/* evconnlistener callback for the Unix socket listener. */
static void server_on_unix(struct evconnlistener *l, evutil_socket_t fd,
			   struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)salen;
	server_accept(arg, fd, sa, 0);
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
		conn_flush(c);
		if (c->bev) {
			conn_read_lines(c);
			if (c->bev)
				conn_flush(c);
		}
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
		log_warn("msg=\"second signal, exiting now\" signal=%d", (int)sig);
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

/* SIGHUP: reopen the log file (after logrotate moved it). */
static void server_on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	log_reopen();
	log_info("msg=\"log reopened\"");
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

/* Bind the TCP listener on s->opt.listen. */
static int server_listen_tcp(struct server *s, char *err)
{
	char host[256], port[8];
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int rc;

	if (server_split_hostport(s->opt.listen, host, sizeof host, port,
				  sizeof port) < 0)
		return gz_fail(err, GZ_EINVAL,
			       "listen: %s: expected HOST:PORT", s->opt.listen);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || !ai)
		return gz_fail(err, GZ_EINVAL, "listen: %s: %s", s->opt.listen,
			       gai_strerror(rc));
	if (!server_is_loopback(ai->ai_addr)) {
		if (!s->opt.token || !*s->opt.token) {
			freeaddrinfo(ai);
			return gz_fail(err, GZ_EDENIED,
				       "listen: %s is not a loopback address; "
				       "set [searchd] token to serve it",
				       s->opt.listen);
		}
		s->tcp_needs_token = 1;
	}
	s->tcp = evconnlistener_new_bind(
		s->base, server_on_tcp, s,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		SERVER_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!s->tcp)
		return gz_fail(err, GZ_EIO, "cannot listen on %s: %s",
			       s->opt.listen, strerror(errno));
	evconnlistener_set_error_cb(s->tcp, server_on_accept_error);
	if (getsockname(evconnlistener_get_fd(s->tcp), (struct sockaddr *)&ss,
			&sl) != 0)
		return gz_fail(err, GZ_EIO, "getsockname: %s", strerror(errno));
	server_format_addr((struct sockaddr *)&ss, s->tcp_addr,
			   sizeof s->tcp_addr);
	if (s->opt.port_file) {
		unsigned p = ss.ss_family == AF_INET6 ?
			ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
			ntohs(((struct sockaddr_in *)&ss)->sin_port);

		return server_write_port_file(s->opt.port_file, p, err);
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
		return gz_fail(err, GZ_EINVAL, "socket: %s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return gz_fail(err, GZ_EIO,
				       "socket: %s exists and is not a socket",
				       path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return gz_fail(err, GZ_EIO, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
			close(fd);
			return gz_fail(err, GZ_EIO,
				       "socket: %s: another server is answering "
				       "on it", path);
		}
		close(fd);
		if (errno != ECONNREFUSED && errno != ENOENT)
			return gz_fail(err, GZ_EIO, "socket: %s: %s", path,
				       strerror(errno));
		log_info("msg=\"removing stale socket\" path=%s", path);
		if (unlink(path) != 0 && errno != ENOENT)
			return gz_fail(err, GZ_EIO, "socket: cannot remove %s: %s",
				       path, strerror(errno));
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
int server_new(const struct server_options *opt, struct server **out,
	       char *err)
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
	    (!opt->socket_path || !*opt->socket_path))
		return gz_fail(err, GZ_EINVAL,
			       "nothing to listen on: give --listen or --socket");
	s = calloc(1, sizeof *s);
	if (!s)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	s->opt = *opt;
	if (s->opt.queue_max == 0)
		s->opt.queue_max = 1;
	if (s->opt.max_connections == 0)
		s->opt.max_connections = GZ_MAX_CONNECTIONS;
	if (s->opt.idle_timeout_sec == 0)
		s->opt.idle_timeout_sec = GZ_IDLE_TIMEOUT_SEC;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->started_ms = server_now_ms();

	s->workers = calloc(opt->workers, sizeof *s->workers);
	if (!s->workers) {
		server_free(s);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	for (i = 0; i < opt->workers; i++) {
		s->workers[i].srv = s;
		rc = searcher_open(opt->index_path, &s->workers[i].se, err);
		if (rc != GZ_OK) {
			server_free(s);
			return rc;
		}
		searcher_set_time_limit(s->workers[i].se, opt->query_timeout_ms);
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
		return gz_fail(err, GZ_EINTERNAL, "libevent: no thread support");
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
		return gz_fail(err, GZ_EINTERNAL, "libevent: cannot set up loop");
	}
	rc = GZ_OK;
	if (opt->listen && *opt->listen)
		rc = server_listen_tcp(s, err);
	if (rc == GZ_OK && opt->socket_path && *opt->socket_path)
		rc = server_listen_unix(s, err);
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
		log_info("msg=ready listen=%s socket=%s index=%s documents=%u "
			 "workers=%u", s->tcp ? s->tcp_addr : "-",
			 s->unix_l ? s->opt.socket_path : "-",
			 s->opt.index_path, s->documents, s->opt.workers);
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
	for (j = s->q_head; j; j = next) {
		next = j->next;
		j->with_worker = 0;
		j->conn->with_workers--;
		if (!j->conn->bev) {
			if (j->conn->with_workers == 0)
				conn_destroy(j->conn);
			job_free(j);
		}
	}
	s->d_head = s->q_head = NULL;
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
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
