/*
** http.c — parsing HTTP request heads and writing responses for the
** searchd HTTP front (http.h).  No I/O and no state: searchd/server.c
** reads the bytes and queues the work; this file only understands them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gz_err.h"
#include "http.h"
#include "proto.h"
#include "search.h"

/* The end of the head in buf: the index just past "\r\n\r\n" (or a bare
** "\n\n"), or 0 when it has not arrived. */
static size_t http_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Case-insensitive comparison of the n bytes at a with the string b. */
static int http_ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/* A malloc'd copy of n bytes at s, NUL-terminated; NULL on ENOMEM. */
static char *http_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The route of the n-byte path at p. */
static enum http_route http_route_of(const char *p, size_t n)
{
	static const struct {
		const char *path;
		enum http_route route;
	} routes[] = {
		{ "/search", HTTP_ROUTE_SEARCH },
		{ "/health", HTTP_ROUTE_HEALTH },
		{ "/metrics", HTTP_ROUTE_METRICS },
		{ "/", HTTP_ROUTE_ROOT },
	};
	size_t i;

	for (i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strlen(routes[i].path) == n &&
		    memcmp(routes[i].path, p, n) == 0)
			return routes[i].route;
	return HTTP_ROUTE_NONE;
}

/* Parse one request head (http.h). */
int http_parse_head(const char *buf, size_t len, size_t *head_len,
		    struct http_request *out, char *err)
{
	const char *line, *eol, *sp1, *sp2, *target, *q, *colon, *v;
	size_t end, n, tl;

	memset(out, 0, sizeof *out);
	*head_len = 0;
	end = http_head_end(buf, len > HTTP_MAX_HEAD ? HTTP_MAX_HEAD : len);
	if (end == 0)
		return len >= HTTP_MAX_HEAD
			? gz_fail(err, GZ_ETOOBIG,
				  "request head longer than %u "
				  "bytes",
				  HTTP_MAX_HEAD)
			: GZ_EAGAIN;
	*head_len = end;
	/* Request line: METHOD SP TARGET SP HTTP/1.x */
	line = buf;
	eol = memchr(line, '\n', end);
	n = (size_t)(eol - line);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	sp1 = memchr(line, ' ', n);
	if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof out->method)
		return gz_fail(err, GZ_EPARSE, "malformed request line");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
	if (!sp2 || sp2 == sp1 + 1)
		return gz_fail(err, GZ_EPARSE, "malformed request line");
	if ((size_t)(line + n - (sp2 + 1)) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 &&
	     memcmp(sp2 + 1, "HTTP/1.0", 8) != 0))
		return gz_fail(err, GZ_EPARSE, "not HTTP/1.0 or HTTP/1.1");
	memcpy(out->method, line, (size_t)(sp1 - line));
	out->method[sp1 - line] = '\0';
	target = sp1 + 1;
	tl = (size_t)(sp2 - target);
	for (v = target; v < sp2; v++)
		if ((unsigned char)*v <= 0x20 || *v == 0x7f)
			return gz_fail(err, GZ_EPARSE,
				       "bad byte in the target");
	q = memchr(target, '?', tl);
	out->route = http_route_of(target, q ? (size_t)(q - target) : tl);
	if (q) {
		out->query = http_strndup(q + 1, (size_t)(sp2 - q - 1));
		if (!out->query)
			return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	/* Headers: only Authorization matters. */
	for (line = eol + 1; line < buf + end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(buf + end - line));
		if (!eol)
			break;
		n = (size_t)(eol - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		colon = memchr(line, ':', n);
		if (!colon || colon == line || line[0] == ' ' ||
		    line[0] == '\t')
			return gz_fail(err, GZ_EPARSE, "malformed header line");
		if (!http_ieq(line, (size_t)(colon - line), "authorization"))
			continue;
		v = colon + 1;
		while (v < line + n && (*v == ' ' || *v == '\t'))
			v++;
		if ((size_t)(line + n - v) > 7 && http_ieq(v, 7, "bearer ")) {
			free(out->bearer);
			out->bearer =
				http_strndup(v + 7, (size_t)(line + n - v - 7));
			if (!out->bearer)
				return gz_fail(err, GZ_ENOMEM, "out of memory");
		}
	}
	return GZ_OK;
}

/* Free r's strings (http.h). */
void http_request_free(struct http_request *r)
{
	free(r->query);
	free(r->bearer);
	memset(r, 0, sizeof *r);
}

/* The value of hex digit c, or -1. */
static int http_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
** Percent-decode the n bytes at s in place into d (which may be s; the
** result is never longer), NUL-terminating it.  0, or -1 for a bad
** escape or a NUL byte.
*/
static int http_decode(const char *s, size_t n, char *d)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*d++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			hi = http_hex(s[i + 1]);
			lo = hi < 0 ? -1 : http_hex(s[i + 2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*d++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	return 0;
}

/* Decode a query string into req through proto_parse_form (http.h). */
int http_query_to_request(const char *query, struct search_request *req,
			  char *err)
{
	const char *keys[HTTP_MAX_FIELDS], *values[HTTP_MAX_FIELDS];
	size_t n = 0, len;
	char *copy, *p, *amp, *eq;
	int rc;

	if (!query || !*query)
		return GZ_OK;
	len = strlen(query);
	copy = malloc(len + 1);
	if (!copy)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	memcpy(copy, query, len + 1);
	for (p = copy; *p; p = amp ? amp + 1 : p + strlen(p)) {
		amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		if (!*p)
			continue;
		if (n == HTTP_MAX_FIELDS) {
			free(copy);
			return gz_fail(err, GZ_EINVAL, "more than %d fields",
				       HTTP_MAX_FIELDS);
		}
		eq = strchr(p, '=');
		if (!eq) {
			rc = gz_fail(err, GZ_EINVAL,
				     "field without a value: %.32s", p);
			free(copy);
			return rc;
		}
		*eq = '\0';
		if (http_decode(p, strlen(p), p) < 0 ||
		    http_decode(eq + 1, strlen(eq + 1), eq + 1) < 0) {
			free(copy);
			return gz_fail(err, GZ_EINVAL, "bad %%-escape");
		}
		keys[n] = p;
		values[n] = eq + 1;
		n++;
	}
	rc = proto_parse_form(keys, values, n, req, err);
	free(copy);
	return rc;
}

/* HTTP status for a reply code (http.h). */
int http_status_for(int code)
{
	switch (code) {
	case GZ_OK: return 200;
	case GZ_EINVAL:
	case GZ_EPARSE:
	case GZ_EQUERY:
	case GZ_ETOOBIG: return 400;
	case GZ_ENOTFOUND: return 404;
	case GZ_EDENIED: return 403;
	case GZ_EBUSY:
	case GZ_EAGAIN: return 503;
	case GZ_ETIMEOUT: return 504;
	default: return 500;
	}
}

/* The reason phrase of status. */
static const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Internal Server Error";
	}
}

/* Build a whole response (http.h). */
char *http_response(int status, const char *ctype, const char *extra,
		    const char *body, size_t len)
{
	char head[512];
	char *out;
	int n;

	n = snprintf(head, sizeof head,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: close\r\n"
		     "Cache-Control: no-store\r\n"
		     "%s\r\n",
		     status, http_reason(status), ctype, len,
		     extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof head)
		return NULL;
	out = malloc((size_t)n + len + 1);
	if (!out)
		return NULL;
	memcpy(out, head, (size_t)n);
	if (len)
		memcpy(out + n, body, len);
	out[(size_t)n + len] = '\0';
	return out;
}
