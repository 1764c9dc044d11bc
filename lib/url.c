/*
** url.c — URL normalisation, resolution and scope checks over curl_url.
**
** curl_url does the parsing, relative resolution and dot-segment removal;
** this file adds what makes two spellings of one page compare equal: case,
** default ports, fragments, tracking parameters, parameter order and
** percent-escape spelling.  See url.h for the contract.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "url.h"

/* ASCII lower-case of c; bytes above 0x7f unchanged. */
static char url_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Lower-case s in place (ASCII only). */
static void url_lower_str(char *s)
{
	for (; *s; s++)
		*s = url_lower(*s);
}

/* Value of hex digit c, or -1. */
static int url_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True for RFC 3986 unreserved characters. */
static int url_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

int url_is_tracking_param(const char *name, size_t n)
{
	static const char *const exact[] = { "fbclid", "gclid", "mc_cid",
					     "mc_eid" };
	size_t i;

	if (n >= 4 && strncmp(name, "utm_", 4) == 0)
		return 1;
	for (i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (strlen(exact[i]) == n && memcmp(exact[i], name, n) == 0)
			return 1;
	return 0;
}

/*
** Append s[0..n) to out with percent escapes normalised: escapes of
** unreserved characters decoded, other escapes with upper-case hex, bytes
** that may not appear in a URL (controls, space, non-ASCII, and a '%' that
** starts no escape, so that decoding never forms a new one) escaped.
** GZ_OK or the buf error.
*/
static int url_pct_normalize(const char *s, size_t n, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	int rc = GZ_OK;

	for (i = 0; i < n && rc == GZ_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%' && i + 2 < n && (hi = url_hexval(s[i + 1])) >= 0 &&
		    (lo = url_hexval(s[i + 2])) >= 0) {
			int v = hi * 16 + lo;

			if (url_unreserved(v)) {
				rc = buf_addc(out, (char)v);
			} else {
				char e[3] = { '%', hex[hi], hex[lo] };

				rc = buf_add(out, e, 3);
			}
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f || c == '%' || c == '"' ||
			   c == '<' || c == '>' || c == '\\' || c == '^' ||
			   c == '`' || c == '{' || c == '|' || c == '}') {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			rc = buf_add(out, e, 3);
		} else {
			rc = buf_addc(out, (char)c);
		}
	}
	return rc;
}

/*
** Remove "." and ".." segments from the absolute path in b, in place
** (RFC 3986, section 5.2.4).  curl removes them before escapes are
** decoded; decoding "%2E%2E" makes new ones, which would otherwise leave a
** second spelling of the path (and one robots.txt rules would not match).
*/
static void url_remove_dot_segments(struct buf *b)
{
	char *s = b->ptr;
	size_t in = 0, out = 0, n = b->len;

	if (n == 0 || s[0] != '/')
		return;
	while (in < n) {
		size_t start = in + 1, end = start, len;
		int last;

		while (end < n && s[end] != '/')
			end++;
		len = end - start;
		last = end >= n;
		if (len == 1 && s[start] == '.') {
			if (last)
				s[out++] = '/';
		} else if (len == 2 && s[start] == '.' && s[start + 1] == '.') {
			while (out > 0 && s[--out] != '/')
				;
			if (last)
				s[out++] = '/';
		} else {
			memmove(s + out, s + in, end - in);
			out += end - in;
		}
		in = end;
	}
	if (out == 0)
		s[out++] = '/';
	buf_truncate(b, out);
}

/* qsort comparator for an array of char *. */
static int url_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
** 1 when the normalised parameter in b ("name" or "name=value") is a
** tracking one, its name compared without regard to case.
*/
static int url_param_is_tracking(const struct buf *b)
{
	char lname[16];
	size_t nlen = 0, i;

	while (nlen < b->len && b->ptr[nlen] != '=')
		nlen++;
	for (i = 0; i < nlen && i < sizeof lname; i++)
		lname[i] = url_lower(b->ptr[i]);
	if (nlen >= sizeof lname) /* too long for an exact name */
		return strncmp(lname, "utm_", 4) == 0;
	return url_is_tracking_param(lname, nlen);
}

/*
** Rebuild the query q: tracking and empty parameters dropped, the rest
** normalised and sorted.  *out is a malloc'd string ("" when nothing is
** left) the caller frees.  GZ_OK, GZ_ENOMEM or GZ_ETOOBIG.
*/
static int url_fix_query(const char *q, char **out)
{
	char **parts = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = q;
	struct buf b;
	int rc = GZ_OK;

	buf_init(&b, GZ_MAX_URL_LEN);
	*out = NULL;
	while (*p && rc == GZ_OK) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		buf_reset(&b);
		/* Judged by its normalised name: "utm%5Fx" is "utm_x", and a
		** second normalisation must drop nothing more (idempotence). */
		if (len > 0)
			rc = url_pct_normalize(p, len, &b);
		if (len > 0 && rc == GZ_OK && !url_param_is_tracking(&b)) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				char **np = realloc(parts, ncap * sizeof *np);

				if (!np)
					rc = GZ_ENOMEM;
				else {
					parts = np;
					cap = ncap;
				}
			}
			if (rc == GZ_OK) {
				parts[n] = buf_detach(&b, NULL);
				if (!parts[n])
					rc = GZ_ENOMEM;
				else
					n++;
			}
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (rc == GZ_OK) {
		if (n > 1)
			qsort(parts, n, sizeof *parts, url_cmp_str);
		buf_reset(&b);
		for (i = 0; i < n && rc == GZ_OK; i++) {
			if (i)
				rc = buf_addc(&b, '&');
			if (rc == GZ_OK)
				rc = buf_adds(&b, parts[i]);
		}
		if (rc == GZ_OK) {
			*out = buf_detach(&b, NULL);
			if (!*out)
				rc = GZ_ENOMEM;
		}
	}
	for (i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
	buf_release(&b);
	return rc;
}

/* Map a CURLUcode from parsing to a gz_err with a message. */
static int url_fail_uc(char *err, CURLUcode uc, const char *what)
{
	if (uc == CURLUE_OUT_OF_MEMORY)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	if (uc == CURLUE_UNSUPPORTED_SCHEME)
		return gz_fail(err, GZ_EDENIED, "%s: scheme not allowed", what);
	return gz_fail(err, GZ_EPARSE, "%s: %s", what, curl_url_strerror(uc));
}

/*
** Copy s into a malloc'd string with leading and trailing white space and
** control characters removed, and tabs and line breaks inside dropped (as
** browsers do for href values).  NULL on allocation failure.
*/
static char *url_clean_input(const char *s)
{
	size_t len = strlen(s), i, j;
	char *r;

	while (len && (unsigned char)s[len - 1] <= 0x20)
		len--;
	while (len && (unsigned char)*s <= 0x20) {
		s++;
		len--;
	}
	r = malloc(len + 1);
	if (!r)
		return NULL;
	for (i = j = 0; i < len; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			r[j++] = s[i];
	r[j] = '\0';
	return r;
}

/*
** Set the URL part of h from s (a full URL, or relative when h already
** holds a base), retrying with escaping for the spaces and non-ASCII bytes
** that real pages put in links.
*/
static CURLUcode url_set(CURLU *h, const char *s)
{
	CURLUcode uc = curl_url_set(h, CURLUPART_URL, s, 0);

	if (uc == CURLUE_MALFORMED_INPUT || uc == CURLUE_BAD_PATH ||
	    uc == CURLUE_BAD_QUERY || uc == CURLUE_BAD_FRAGMENT)
		uc = curl_url_set(h, CURLUPART_URL, s, CURLU_URLENCODE);
	return uc;
}

/*
** Upper-case the hex digits of every %XX escape in s, in place; curl's own
** spelling of escapes differs between versions.
*/
static void url_upper_escapes(char *s)
{
	for (; *s; s++) {
		if (s[0] == '%' && url_hexval(s[1]) >= 0 &&
		    url_hexval(s[2]) >= 0) {
			s[1] = s[1] >= 'a' ? (char)(s[1] - 'a' + 'A') : s[1];
			s[2] = s[2] >= 'a' ? (char)(s[2] - 'a' + 'A') : s[2];
			s += 2;
		}
	}
}

/* Default port of scheme s ("http" or "https"). */
static const char *url_default_port(const char *s)
{
	return strcmp(s, "https") == 0 ? "443" : "80";
}

/*
** Normalise the URL held in h into *out (malloc'd).  what names the input
** in messages.  Returns as url_normalize.
*/
static int url_finish(CURLU *h, const char *what, char **out, char *err)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *full = NULL, *nq = NULL;
	struct buf np;
	CURLUcode uc;
	int rc = GZ_OK;

	buf_init(&np, GZ_MAX_URL_LEN);
	uc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
	if (uc != CURLUE_OK) {
		rc = url_fail_uc(err, uc, what);
		goto done;
	}
	url_lower_str(scheme);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = gz_fail(err, GZ_EDENIED, "%s: scheme %s not allowed", what,
			     scheme);
		goto done;
	}
	uc = curl_url_get(h, CURLUPART_HOST, &host, 0);
	if (uc != CURLUE_OK || !host[0]) {
		rc = gz_fail(err, GZ_EPARSE, "%s: no host", what);
		goto done;
	}
	url_lower_str(host);
	if (host[strcspn(host,
			 "%\x7f\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r"
			 "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
			 "\x1b\x1c\x1d\x1e\x1f ")]) {
		rc = gz_fail(err, GZ_EPARSE, "%s: bad character in host", what);
		goto done;
	}
	if (curl_url_set(h, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK) {
		rc = gz_fail(err, GZ_EPARSE, "%s: cannot rebuild", what);
		goto done;
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, url_default_port(scheme)) == 0)
		curl_url_set(h, CURLUPART_PORT, NULL, 0);
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		rc = url_pct_normalize(path, strlen(path), &np);
		if (rc == GZ_OK && np.len == 0)
			rc = buf_addc(&np, '/');
		if (rc == GZ_OK)
			url_remove_dot_segments(&np);
		if (rc != GZ_OK) {
			rc = gz_fail(err, rc, "%s: %s", what, gz_strerror(rc));
			goto done;
		}
		if (curl_url_set(h, CURLUPART_PATH, np.ptr, 0) != CURLUE_OK) {
			rc = gz_fail(err, GZ_EPARSE, "%s: bad path", what);
			goto done;
		}
	}
	if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		rc = url_fix_query(query, &nq);
		if (rc != GZ_OK) {
			rc = gz_fail(err, rc, "%s: %s", what, gz_strerror(rc));
			goto done;
		}
		if (curl_url_set(h, CURLUPART_QUERY, nq[0] ? nq : NULL, 0) !=
		    CURLUE_OK) {
			rc = gz_fail(err, GZ_EPARSE, "%s: bad query", what);
			goto done;
		}
	}
	uc = curl_url_get(h, CURLUPART_URL, &full, 0);
	if (uc != CURLUE_OK) {
		rc = url_fail_uc(err, uc, what);
		goto done;
	}
	if (strlen(full) > GZ_MAX_URL_LEN) {
		rc = gz_fail(err, GZ_ETOOBIG, "URL longer than %d bytes",
			     GZ_MAX_URL_LEN);
		goto done;
	}
	url_upper_escapes(full);
	*out = strdup(full);
	if (!*out)
		rc = gz_fail(err, GZ_ENOMEM, "out of memory");
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(full);
	free(nq);
	buf_release(&np);
	return rc;
}

/*
** Normalise the URL *out again until it holds still (at most twice more):
** curl decodes a %-escaped host after deciding whether it is a number, so
** "http:/%37" first comes out as "http://7/", which the next parse reads
** as 0.0.0.7.  *out is replaced (the caller's); on error it is freed and
** set to NULL.  GZ_OK or the error of the parse.
*/
static int url_settle(char **out, char *err)
{
	int i, rc = GZ_OK;

	for (i = 0; i < 2 && rc == GZ_OK; i++) {
		CURLU *h = curl_url();
		char *again = NULL;
		CURLUcode uc;

		if (!h) {
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			break;
		}
		uc = url_set(h, *out);
		rc = uc == CURLUE_OK ? url_finish(h, "URL", &again, err)
				     : url_fail_uc(err, uc, "URL");
		curl_url_cleanup(h);
		if (rc == GZ_OK && strcmp(again, *out) == 0) {
			free(again);
			return GZ_OK;
		}
		if (rc == GZ_OK) {
			free(*out);
			*out = again;
		}
	}
	if (rc != GZ_OK) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int url_resolve(const char *base, const char *ref, char **out, char *err)
{
	CURLU *h;
	CURLUcode uc;
	char *clean;
	int rc;

	*out = NULL;
	if (!ref)
		return gz_fail(err, GZ_EINVAL, "no URL");
	if (strlen(ref) > GZ_MAX_URL_LEN ||
	    (base && strlen(base) > GZ_MAX_URL_LEN))
		return gz_fail(err, GZ_ETOOBIG, "URL longer than %d bytes",
			       GZ_MAX_URL_LEN);
	clean = url_clean_input(ref);
	h = curl_url();
	if (!clean || !h) {
		free(clean);
		curl_url_cleanup(h);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	if (!clean[0] && !base) {
		rc = gz_fail(err, GZ_EPARSE, "empty URL");
		goto done;
	}
	if (base) {
		uc = url_set(h, base);
		if (uc != CURLUE_OK) {
			rc = url_fail_uc(err, uc, "base URL");
			goto done;
		}
	}
	/* A fragment-only reference is the base itself (curl 7.88 drops the
	** last path segment for it). */
	uc = (clean[0] && !(base && clean[0] == '#')) ? url_set(h, clean)
						      : CURLUE_OK;
	if (uc != CURLUE_OK) {
		rc = url_fail_uc(err, uc, "URL");
		goto done;
	}
	rc = url_finish(h, "URL", out, err);
	/* Only escapes can make a second parse differ (url_settle). */
	if (rc == GZ_OK && (strchr(clean, '%') || (base && strchr(base, '%'))))
		rc = url_settle(out, err);
done:
	free(clean);
	curl_url_cleanup(h);
	return rc;
}

int url_normalize(const char *url, char **out, char *err)
{
	return url_resolve(NULL, url, out, err);
}

/*
** Parse url into a new handle (*h, the caller's to clean up), accepting any
** scheme curl knows.  GZ_OK, GZ_EPARSE or GZ_ENOMEM.
*/
static int url_parse_any(const char *url, CURLU **h)
{
	*h = curl_url();
	if (!*h)
		return GZ_ENOMEM;
	if (curl_url_set(*h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK) {
		curl_url_cleanup(*h);
		*h = NULL;
		return GZ_EPARSE;
	}
	return GZ_OK;
}

/*
** Write the parts of url named by what into out (size n): bit 1 the
** scheme and "://", bit 2 the host with IPv6 brackets, bit 4 ":port" when
** not the default, bit 8 the host without brackets.
*/
static int url_parts(const char *url, int what, char *out, size_t n)
{
	CURLU *h;
	char *scheme = NULL, *host = NULL, *port = NULL;
	struct buf b;
	int rc;

	rc = url_parse_any(url, &h);
	if (rc != GZ_OK)
		return rc;
	buf_init(&b, n ? n - 1 : 0);
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    !host[0]) {
		rc = GZ_EPARSE;
		goto done;
	}
	url_lower_str(scheme);
	url_lower_str(host);
	if (what & 1)
		rc = buf_addf(&b, "%s://", scheme);
	if (rc == GZ_OK && (what & 2))
		rc = buf_adds(&b, host);
	if (rc == GZ_OK && (what & 8)) {
		size_t hl = strlen(host);

		if (host[0] == '[' && hl >= 2)
			rc = buf_add(&b, host + 1, hl - 2);
		else
			rc = buf_adds(&b, host);
	}
	if (rc == GZ_OK && (what & 4) &&
	    curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, url_default_port(scheme)) != 0)
		rc = buf_addf(&b, ":%s", port);
	if (rc == GZ_OK && n) {
		memcpy(out, b.ptr, b.len + 1);
	} else if (rc == GZ_OK) {
		rc = GZ_ETOOBIG;
	}
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	buf_release(&b);
	curl_url_cleanup(h);
	return rc == GZ_ENOMEM ? GZ_ENOMEM : rc;
}

int url_host(const char *url, char *out, size_t n)
{
	return url_parts(url, 8, out, n);
}

int url_authority(const char *url, char *out, size_t n)
{
	return url_parts(url, 2 | 4, out, n);
}

int url_origin(const char *url, char *out, size_t n)
{
	return url_parts(url, 1 | 2 | 4, out, n);
}

int url_path_query(const char *url, char **out)
{
	CURLU *h;
	char *path = NULL, *query = NULL;
	struct buf b;
	int rc;

	*out = NULL;
	rc = url_parse_any(url, &h);
	if (rc != GZ_OK)
		return rc;
	buf_init(&b, GZ_MAX_URL_LEN);
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		rc = GZ_EPARSE;
		goto done;
	}
	rc = buf_adds(&b, path[0] ? path : "/");
	if (rc == GZ_OK &&
	    curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK)
		rc = buf_addf(&b, "?%s", query);
	if (rc == GZ_OK) {
		*out = buf_detach(&b, NULL);
		if (!*out)
			rc = GZ_ENOMEM;
	}
done:
	curl_free(path);
	curl_free(query);
	buf_release(&b);
	curl_url_cleanup(h);
	return rc;
}

/* True when entry (an authority, no scheme) names a port. */
static int url_entry_has_port(const char *entry)
{
	const char *rb = strrchr(entry, ']');
	const char *colon = strrchr(entry, ':');

	if (entry[0] == '[')
		return rb && rb[1] == ':';
	return colon != NULL;
}

/* True when host ends with "." + suffix, or equals suffix (any case). */
static int url_host_under(const char *host, const char *suffix)
{
	size_t hl = strlen(host), sl = strlen(suffix);

	if (hl == sl)
		return strcasecmp(host, suffix) == 0;
	return hl > sl && host[hl - sl - 1] == '.' &&
		strcasecmp(host + hl - sl, suffix) == 0;
}

int url_in_scope(const char *url, char *const *scope, size_t n)
{
	char auth[512], host[512];
	int have_auth = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *e = scope[i];

		if (!e || !e[0])
			continue;
		if (strstr(e, "://")) {
			if (strncmp(url, e, strlen(e)) == 0)
				return 1;
			continue;
		}
		if (have_auth < 0) {
			have_auth = url_authority(url, auth, sizeof auth) ==
					GZ_OK &&
				url_parts(url, 2, host, sizeof host) == GZ_OK;
		}
		if (!have_auth)
			continue;
		if (e[0] == '*' && e[1] == '.') {
			if (url_host_under(host, e + 2))
				return 1;
		} else if (url_entry_has_port(e)) {
			if (strcasecmp(auth, e) == 0)
				return 1;
		} else if (strcasecmp(host, e) == 0) {
			return 1;
		}
	}
	return 0;
}
