/*
** server.h — gazette-searchd's network server (searchd/server.c).
**
** One libevent loop accepts connections on a TCP address and/or a Unix
** socket, reads newline-delimited requests (protocol v1, proto.h), and
** hands searches to a fixed pool of worker threads, each with its own
** searcher (search.h), through a bounded queue.  Replies go back to each
** connection in request order.  An optional HTTP front (http.h) on its own
** address queues its requests the same way.  SIGTERM/SIGINT stop
** accepting, finish the queries in flight and make server_run return;
** SIGHUP reopens the log files, applies the tunables the reload
** callback reads from the configuration again, and has each worker read
** a sharded index's stub file again and reopen its shards before its
** next request.
*/
#ifndef GZ_SERVER_H
#define GZ_SERVER_H

#include <stddef.h>

#include "gz_err.h"

#define SERVER_MAX_WORKERS 256 /* worker threads, at most */
#define SERVER_MAX_PIPELINE \
	64 /* unanswered requests per connection before reading pauses */
#define SERVER_MAX_CONN_JOBS \
	4 /* requests per connection queued or searching before reading pauses */
#define SERVER_MAX_OUTPUT \
	(8u << 20) /* unsent reply bytes per connection before reading pauses */
#define SERVER_DRAIN_SEC 10 /* longest wait for in-flight queries at shutdown */
#define SERVER_BACKLOG   128 /* listen(2) backlog */

/*
** What SIGHUP may change without a restart.  Addresses, the socket, the
** index, the worker count and the token need one.
*/
struct server_tunables {
	unsigned queue_max;        /* queued searches before answering "busy" */
	unsigned max_connections;  /* open client connections, at most */
	unsigned idle_timeout_sec; /* for connections accepted from now on */
	unsigned query_timeout_ms; /* per-search time limit (0: none) */
	unsigned
		health_max_age_sec; /* /health says "stale" past this commit age (0: never) */
	unsigned
		shard_timeout_ms; /* per-shard network time limit (0: default) */
	int shard_partial;        /* 1: answer from the shards that work */
	char query_log[4096];     /* query log path, "" for none */
};

/*
** Called on SIGHUP in the loop thread: fill *t (which holds the values in
** force) from the configuration read again.  GZ_OK, or an error with a
** message in err, in which case nothing changes.
*/
typedef int (*server_reload_fn)(void *ctx, struct server_tunables *t,
				char *err);

/* What to serve and how; every string is borrowed for the server's life. */
struct server_options {
	const char *index_path; /* index directory searched */
	const char *
		listen; /* TCP "HOST:PORT" (port 0: ephemeral); NULL or "" = none */
	const char *socket_path; /* Unix socket path; NULL or "" = none */
	const char
		*token; /* shared secret; required for a non-loopback listen */
	const char *port_file; /* write the bound TCP port here; NULL = don't */
	unsigned workers;      /* query threads, 1..SERVER_MAX_WORKERS */
	unsigned queue_max;    /* queued searches before answering "busy" */
	unsigned max_connections;  /* open client connections, at most */
	unsigned idle_timeout_sec; /* close a connection idle this long */
	unsigned query_timeout_ms; /* per-search time limit (0: none) */
	const char *http_listen; /* HTTP front "HOST:PORT"; NULL or "" = none */
	const char *
		http_port_file; /* write the bound HTTP port here; NULL = don't */
	const char *query_log; /* query log path; NULL or "" = none */
	unsigned
		health_max_age_sec; /* /health: stale past this commit age (0: never) */
	unsigned
		shard_timeout_ms; /* per-shard network time limit (0: default) */
	int shard_partial;        /* shard failure: 1 answer partial, 0 fail */
	server_reload_fn
		reload; /* SIGHUP: re-read the tunables; NULL = only reopen logs */
	void *reload_ctx; /* passed to reload */
};

struct server;

/*
** Open one searcher per worker on the index and the query log, bind the
** listeners (refusing a non-loopback TCP or HTTP address without a token,
** and replacing a stale Unix socket file only when it is a socket nobody
** answers on) and write the port files.  No thread is started yet.  *out is the caller's, to free
** with server_free.  GZ_EINVAL (bad address), GZ_EDENIED (non-loopback
** without token), GZ_EIO (bind/listen failed), index codes (the index
** cannot be opened); err says which and where.
*/
int server_new(const struct server_options *opt, struct server **out,
	       char *err);

/*
** Start the workers and run the event loop until SIGTERM or SIGINT, then
** finish the queries in flight (at most SERVER_DRAIN_SEC), stop the
** workers and return GZ_OK.  Logs "msg=ready" once accepting.
*/
int server_run(struct server *s, char *err);

/* Close the listeners (removing the Unix socket file) and free s; NULL is
** a no-op. */
void server_free(struct server *s);

/*
** Split "HOST:PORT" or "[V6]:PORT" into host (size hn) and port (size pn).
** An empty host means 127.0.0.1.  Returns 0, or -1 when s is malformed or
** the port is not a number in 0..65535.
*/
int server_split_hostport(const char *s, char *host, size_t hn, char *port,
			  size_t pn);

#endif /* GZ_SERVER_H */
