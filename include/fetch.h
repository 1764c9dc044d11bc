/*
** fetch.h — HTTP(S) fetching over libcurl's multi interface.
**
** A struct fetch runs many transfers at once on one thread: fetch_add
** queues a request, fetch_next drives the transfers until one completes
** and hands back its result.  Politeness (one request per host, delays)
** is the caller's business; safety is this module's:
**   - http and https only, for the request and every redirect;
**   - at most GZ_MAX_REDIRECTS redirects, when redirects are followed;
**   - connect, total and low-speed timeouts;
**   - the decoded body capped in the write callback (a gzip bomb stops at
**     the cap);
**   - private, loopback, link-local, unique-local, multicast and
**     unspecified addresses refused (IPv4, IPv6 and IPv4-mapped IPv6) unless
**     allow-listed, checked on the resolved address as the socket is opened,
**     so a name resolving to 127.0.0.1 is caught;
**   - proxies from the environment ignored (the check must see the target).
** A struct fetch is not thread-safe (fetch_wakeup aside); use one per
** thread.
*/
#ifndef GZ_FETCH_H
#define GZ_FETCH_H

#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"
#include "gz_err.h"

/* Settings shared by every request of a struct fetch. */
struct fetch_opts {
	const char *user_agent;   /* User-Agent header; copied */
	long connect_timeout_sec; /* connect time limit; <= 0: 10 */
	long timeout_sec;         /* total time limit per request; <= 0: 60 */
	long low_speed_bytes; /* abort when slower than this many bytes/s ... */
	long low_speed_sec;   /* ... for this many seconds; 0: 1 B/s for 30 s */
	char *const *allow_addresses; /* addresses or CIDR blocks the policy
				       * lets through; copied */
	size_t n_allow;               /* number of allow_addresses */
	long max_host_connections;    /* curl's own per-host cap; <= 0: 1 */
};

/* Flags of one request. */
#define FETCH_FOLLOW    0x01 /* follow redirects (else report them) */
#define FETCH_TRUNCATE  0x02 /* a body past max_bytes is cut, not an error */
#define FETCH_KEEP_HEAD 0x04 /* keep the final response's raw head (WARC) */

/* Largest response head kept with FETCH_KEEP_HEAD. */
#define FETCH_MAX_HEAD (64u * 1024)

/* One request; strings are copied by fetch_add. */
struct fetch_request {
	const char *url;               /* absolute http(s) URL */
	size_t max_bytes;              /* decoded body cap */
	int flags;                     /* FETCH_* */
	const char *if_none_match;     /* ETag for a conditional GET, or NULL */
	const char *if_modified_since; /* Last-Modified value, or NULL */
	void *user;                    /* handed back in the result */
};

/* The outcome of one request, owned by the caller (fetch_result_free). */
struct fetch_result {
	void *user;          /* from the request */
	int rc;              /* GZ_OK when an HTTP response arrived (any
			       * status); GZ_EDENIED (scheme or address
			       * policy), GZ_ETOOBIG (body cap), GZ_ETIMEOUT,
			       * GZ_EFETCH (DNS, connect, TLS, protocol) */
	char err[GZ_ERRLEN]; /* why, when rc is not GZ_OK */
	long status;         /* HTTP status; 0 when no response */
	char *url;           /* the URL requested */
	char *final_url;     /* the URL after redirects (== url when none) */
	char *redirect_url; /* Location of a 3xx not followed, resolved; or NULL */
	char *content_type;  /* Content-Type header, or NULL */
	char *etag;          /* ETag header of the final response, or NULL */
	char *last_modified; /* Last-Modified header, or NULL */
	long retry_after_sec; /* Retry-After in seconds (dates converted); -1 none */
	char *remote_ip;      /* the address the response came from, or NULL */
	int truncated;        /* 1 when FETCH_TRUNCATE cut the body */
	int redirects;        /* redirects followed */
	double seconds;       /* time the transfer took */
	struct buf body;      /* decoded body, at most max_bytes */
	struct buf head;      /* with FETCH_KEEP_HEAD: status line and header
			       * lines of the final response as received */
};

struct fetch;

/*
** A new fetcher in *out (the caller's, to free with fetch_free).
** GZ_OK, GZ_ENOMEM, GZ_EINVAL (a bad allow-list entry, named in err) or
** GZ_EFETCH (libcurl could not start).
*/
int fetch_new(const struct fetch_opts *opts, struct fetch **out, char *err);

/* Abort every transfer and free f; NULL is a no-op. */
void fetch_free(struct fetch *f);

/*
** Queue a request.  GZ_OK; GZ_EDENIED for a scheme other than http(s);
** GZ_ENOMEM; GZ_EFETCH when curl refuses it.  Nothing is sent until
** fetch_next runs.
*/
int fetch_add(struct fetch *f, const struct fetch_request *req, char *err);

/* Number of requests queued or running. */
size_t fetch_pending(const struct fetch *f);

/*
** Drive the transfers for at most timeout_ms (0: do what is ready and
** return) until one completes; its result goes to *out (the caller's, free
** with fetch_result_free).  *out is NULL when nothing completed in time,
** nothing is pending or fetch_wakeup was called.  GZ_OK, or
** GZ_EFETCH/GZ_ENOMEM when the multi interface itself fails.
*/
int fetch_next(struct fetch *f, long timeout_ms, struct fetch_result **out,
	       char *err);

/*
** Make fetch_next return soon, with no result, from wherever it waits: the
** one function that may be called from another thread (while f lives),
** e.g. by a worker whose result the fetching thread should pick up.
*/
void fetch_wakeup(struct fetch *f);

/* Free a result; NULL is a no-op. */
void fetch_result_free(struct fetch_result *r);

/*
** The address policy on one socket address (struct sockaddr_in or
** sockaddr_in6): GZ_OK when it may be contacted, GZ_EDENIED when it is
** private, loopback, link-local, unique-local, multicast, reserved or
** unspecified (IPv4-mapped, IPv4-compatible and NAT64 IPv6 addresses are
** judged by their IPv4 part) and not matched by one of the n entries of
** allow (addresses "127.0.0.1", "::1" or CIDR blocks "10.0.0.0/8").
** GZ_EINVAL for another address family.  The address as text goes into
** text (size textn, may be NULL) for messages.
*/
int fetch_address_check(const struct sockaddr *sa, socklen_t len,
			char *const *allow, size_t n, char *text, size_t textn);

/*
** Rewrite the raw response head[0..len) (status line and header lines, as
** kept by FETCH_KEEP_HEAD) so that it describes the decoded body of
** body_len bytes the result carries: Content-Encoding and Transfer-Encoding
** lines are kept as X-Archive-Orig-Content-Encoding and
** X-Archive-Orig-Transfer-Encoding, Content-Length lines likewise, and a
** Content-Length of body_len is added; line ends become CRLF and the head
** ends with one blank line.  Appends to out (initialised by the caller).
** GZ_OK, GZ_EPARSE when head does not start with "HTTP/", GZ_ETOOBIG or
** GZ_ENOMEM from out.  For WARC records of decoded responses.
*/
int fetch_head_decoded(const char *head, size_t len, size_t body_len,
		       struct buf *out);

/* Same, on an address written as text ("10.1.2.3", "::ffff:127.0.0.1"). */
int fetch_address_check_text(const char *addr, char *const *allow, size_t n);

#endif /* GZ_FETCH_H */
