/*
** http.h — the HTTP front of gazette-searchd (searchd/http.c).
**
** Pure functions, no I/O, like proto.h: one request head in, a path and a
** struct search_request out; a status and a body in, one complete HTTP/1.1
** response out.  The front serves GET only, one request per connection
** ("Connection: close"), which is all curl, browsers and monitoring
** probes need:
**
**   GET /search?q=city+diplomacy&limit=3&facets=source,month
**   GET /health      index revision, documents, last crawl, commit age
**   GET /metrics     Prometheus text format
**
** The fields of /search are those of a JSON request (docs/protocol.md),
** percent-encoded; the reply body is the JSON reply line of the socket
** protocol, so the answers are the same.
*/
#ifndef GZ_HTTP_H
#define GZ_HTTP_H

#include <stddef.h>

#include "search.h"

/* Largest request head (request line and headers) read.  Browsers send
** 1-2 KiB; a query string is bounded by it too. */
#define HTTP_MAX_HEAD (16u * 1024)

/* Query-string fields read from one request, at most. */
#define HTTP_MAX_FIELDS 32

/* What a request head asks for. */
enum http_route {
	HTTP_ROUTE_NONE = 0,    /* no such path: 404 */
	HTTP_ROUTE_SEARCH = 1,  /* /search */
	HTTP_ROUTE_HEALTH = 2,  /* /health */
	HTTP_ROUTE_METRICS = 3, /* /metrics */
	HTTP_ROUTE_ROOT = 4     /* / : a short text naming the others */
};

/* A parsed request head.  Owns query and bearer (malloc'd or NULL). */
struct http_request {
	char method[16];       /* "GET", ... as sent */
	enum http_route route; /* the path's route */
	char *query;           /* the raw query string (no '?'), or NULL */
	char *bearer; /* token from "Authorization: Bearer X", or NULL */
};

/*
** Parse the request head at buf (len bytes, need not be NUL-terminated).
** Returns GZ_OK when a whole head (ending in an empty line) is there, with
** its length including the empty line in *head_len and the request in
** *out (the caller frees it with http_request_free, whatever this
** returns); GZ_EAGAIN when more bytes are needed; GZ_ETOOBIG when no head
** ends within HTTP_MAX_HEAD bytes; GZ_EPARSE for a malformed request line
** or header, or an HTTP version other than 1.0 or 1.1.  err says why.
*/
int http_parse_head(const char *buf, size_t len, size_t *head_len,
		    struct http_request *out, char *err);

/* Free what r owns and zero it; safe on a zeroed request. */
void http_request_free(struct http_request *r);

/*
** Decode a query string ("a=1&b=x+y%21") and read it into req, which the
** caller initialised with search_request_init and frees whatever this
** returns.  '+' is a space; a bad %-escape, a NUL byte, a key without
** '=', or more than HTTP_MAX_FIELDS fields is GZ_EINVAL; the fields
** themselves are checked by proto_parse_form.  A NULL or empty query is
** an empty request (it matches every article).
*/
int http_query_to_request(const char *query, struct search_request *req,
			  char *err);

/* The HTTP status for an enum gz_err reply code (GZ_OK: 200). */
int http_status_for(int code);

/*
** A complete response: status line, Content-Type ctype, Content-Length,
** "Connection: close", "Cache-Control: no-store", extra header lines
** (each ending in "\r\n"; NULL for none), then len bytes of body.
** Malloc'd and NUL-terminated (the body may itself hold no NUL); NULL
** only when out of memory.
*/
char *http_response(int status, const char *ctype, const char *extra,
		    const char *body, size_t len);

#endif /* GZ_HTTP_H */
