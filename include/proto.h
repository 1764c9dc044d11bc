/*
** proto.h — the searchd wire protocol, version 1 (docs/protocol.md).
**
** Pure functions, no I/O: one request line in, one struct search_request
** out; one reply struct in, one line of JSON out.  Requests are lines of at
** most GZ_MAX_REQUEST_LINE bytes.  A line whose first non-blank byte is '{'
** is a JSON request object; any other line is a plain-text query.  Every
** reply is one JSON object on one line, ending in "\n", whose "v" is
** PROTO_VERSION; errors carry {"error":{"code":NAME,"message":TEXT}} with
** NAME from gz_errname().
*/
#ifndef GZ_PROTO_H
#define GZ_PROTO_H

#include <stddef.h>

#include "search.h"

#define PROTO_VERSION 1

/*
** Parse one request line (len bytes, without its "\n"; a trailing "\r" is
** ignored; need not be NUL-terminated) into req, which the caller has
** initialised with search_request_init and frees with search_request_free
** whatever this returns.  Returns GZ_OK; GZ_EPARSE for JSON that does not
** parse (including invalid UTF-8 inside it and nesting deeper than
** jansson's limit); GZ_EINVAL for invalid UTF-8 in a plain line, an empty
** line, a field of the wrong type or value, or an unknown field;
** GZ_ETOOBIG for a line longer than GZ_MAX_REQUEST_LINE or a number past
** its bound.  err names the field at fault.  On error req->id_json is set
** when the request's id could be read, so the error reply can echo it.
*/
int proto_parse_line(const char *line, size_t len, struct search_request *req,
		     char *err);

/*
** Parse a request given as n form fields (an HTTP query string, already
** percent-decoded): keys[i] = values[i], each NUL-terminated.  The fields
** and their meaning are those of a JSON request; values are converted by
** field: "offset", "limit", "snippet", "facet_limit", "v" decimal numbers;
** "collapse" 1/0/true/false/yes/no/on/off; "facets" a comma-separated
** list; "id" and the rest strings.  req as for proto_parse_line; returns
** GZ_OK, GZ_EINVAL (bad or unknown field, repeated key, invalid UTF-8),
** GZ_ETOOBIG (a number past its bound) or GZ_ENOMEM.
*/
int proto_parse_form(const char *const *keys, const char *const *values,
		     size_t n, struct search_request *req, char *err);

/*
** True when the len bytes at s are valid UTF-8 (no overlong forms, no
** surrogates, nothing above U+10FFFF) with no NUL byte.
*/
int proto_utf8_valid(const char *s, size_t len);

/*
** The reply to a search: one line of JSON ending in "\n", malloc'd, the
** caller frees it.  Echoes req->id_json.  NULL only when out of memory.
*/
char *proto_reply_result(const struct search_request *req,
			 const struct search_result *res);

/*
** An error reply for code (an enum gz_err) with message (NULL: the code's
** gz_strerror text), echoing id_json (compact JSON text, or NULL for no
** id).  Malloc'd line ending in "\n"; NULL only when out of memory.
*/
char *proto_reply_error(int code, const char *message, const char *id_json);

/*
** The reply to a stats request: documents, revision, the time of the last
** commit and its age ("last_update", "last_update_age_s"), the indexer's
** last run (when known; a key=value summary becomes an object of its
** fields plus "summary"), uptime in seconds and the index path.  Malloc'd
** line; NULL only when out of memory.
*/
char *proto_reply_stats(const struct search_stats *st, const char *index_path,
			double uptime_s, const char *id_json);

/*
** The /health report: "status" is "ok", "stale" (the last commit is older
** than max_age_s seconds; 0 never goes stale) or "error" (rc is the code
** of the failed stats call, message its text); the index fields of a stats
** reply and the uptime.  *healthy is set to 1 for "ok", else 0.
** Malloc'd line; NULL only when out of memory.
*/
char *proto_reply_health(const struct search_stats *st, int rc,
			 const char *message, double uptime_s,
			 unsigned max_age_s, int *healthy);

/* The reply to a ping: {"v":1,"ok":true}.  Malloc'd line; NULL on ENOMEM. */
char *proto_reply_ping(const char *id_json);

#endif /* GZ_PROTO_H */
