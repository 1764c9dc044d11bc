/*
** url.h — one spelling per URL, so that one article is one document.
**
** Built on libcurl's URL API (curl_url).  A normalised URL has a lower-case
** scheme and host, no default port, no fragment, no tracking parameters
** (utm_*, fbclid, gclid, mc_cid, mc_eid), its remaining query parameters
** sorted, dot segments removed, "/" for an empty path, and percent escapes
** with upper-case hex digits, unreserved characters decoded.  Only http and
** https URLs are accepted, at most GZ_MAX_URL_LEN bytes long.
**
** All functions are pure: no state, safe from any thread.
*/
#ifndef GZ_URL_H
#define GZ_URL_H

#include <stddef.h>

/*
** Normalise the absolute URL url into *out, a malloc'd string the caller
** frees.  GZ_OK; GZ_EDENIED for a scheme other than http or https;
** GZ_ETOOBIG when url or the result is longer than GZ_MAX_URL_LEN;
** GZ_EPARSE when it is not a URL or has no host; GZ_ENOMEM.  *out is NULL
** on every error, and err (may be NULL) says why.
*/
int url_normalize(const char *url, char **out, char *err);

/*
** Resolve ref (absolute or relative) against base (absolute; may be NULL
** when ref is absolute), then normalise as url_normalize.  Same returns;
** *out is the caller's.
*/
int url_resolve(const char *base, const char *ref, char **out, char *err);

/*
** The host of url, lower-case, IPv6 addresses without brackets, into out
** of size n.  GZ_OK, GZ_EPARSE (no URL or no host) or GZ_ETOOBIG (out too
** small).
*/
int url_host(const char *url, char *out, size_t n);

/*
** The authority of url as a scope entry and politeness key: lower-case
** host, plus ":port" when the port is not the scheme's default
** ("example.com", "127.0.0.1:8080", "[::1]:8080").  Same returns as url_host.
*/
int url_authority(const char *url, char *out, size_t n);

/*
** The origin of url, "scheme://authority" (no trailing slash), the key for
** robots.txt.  Same returns as url_host.
*/
int url_origin(const char *url, char *out, size_t n);

/*
** The part of url robots.txt rules apply to: path plus "?query" when there
** is one, into *out (malloc'd, the caller frees).  GZ_OK, GZ_EPARSE or
** GZ_ENOMEM.
*/
int url_path_query(const char *url, char **out);

/*
** True (1) when the normalised URL url lies within one of the n scope
** entries, else 0.  An entry is either
**   - a URL prefix ("https://example.com/news/"), which must itself have
**     been normalised with url_normalize, compared byte for byte; or
**   - an authority ("example.com", "127.0.0.1:8080"): that host (with that
**     port, when one is given) under any scheme; "*.example.com" also
**     matches every subdomain.
** url is borrowed; nothing is allocated.
*/
int url_in_scope(const char *url, char *const *scope, size_t n);

/*
** True when the lower-case query parameter name (the text before '=', n
** bytes) is a tracking parameter that url_normalize drops.
*/
int url_is_tracking_param(const char *name, size_t n);

#endif /* GZ_URL_H */
