/*
** proto.c — parsing request lines and serialising replies (protocol v1).
**
** No I/O and no global state, so it can be fuzzed alone: every input byte
** sequence either becomes a struct search_request or an error code with a
** message naming the field at fault.  JSON is read and written with
** jansson; plain lines are checked for UTF-8 here.
*/
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gz_err.h"
#include "gz_limits.h"
#include "proto.h"
#include "search.h"

/* ------------------------------------------------------------- helpers */

/*
** Skip the run of ASCII bytes other than NUL at p, eight at a time; return
** where it ends (end, or within eight bytes of where the run ends: the
** zero test may stop early on a 0x01 after a NUL, never late).
*/
static const unsigned char *proto_ascii_run(const unsigned char *p,
					    const unsigned char *end)
{
	const uint64_t high = 0x8080808080808080ULL;
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t v;

	while (end - p >= 8) {
		memcpy(&v, p, sizeof v);
		if ((v & high) || ((v - ones) & ~v & high))
			break;
		p += 8;
	}
	return p;
}

int proto_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	unsigned cp;
	int n, i;

	while (p < end) {
		unsigned char c;

		p = proto_ascii_run(p, end);
		if (p == end)
			break;
		c = *p;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - p) < (size_t)n + 1)
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Return a malloc'd copy of the n bytes at s, NUL-terminated, or NULL. */
static char *proto_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Store a copy of JSON string v into *dst (replacing it). */
static int proto_take_string(json_t *v, const char *key, char **dst, char *err)
{
	char *s;

	if (json_is_null(v)) {
		free(*dst);
		*dst = NULL;
		return GZ_OK;
	}
	if (!json_is_string(v))
		return gz_fail(err, GZ_EINVAL, "%s: must be a string", key);
	s = proto_strndup(json_string_value(v), json_string_length(v));
	if (!s)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return GZ_OK;
}

/* Store JSON integer v, 0 <= v <= max, into *dst. */
static int proto_take_uint(json_t *v, const char *key, unsigned max,
			   unsigned *dst, char *err)
{
	json_int_t n;

	if (!json_is_integer(v))
		return gz_fail(err, GZ_EINVAL, "%s: must be an integer", key);
	n = json_integer_value(v);
	if (n < 0)
		return gz_fail(err, GZ_EINVAL, "%s: must not be negative", key);
	if ((unsigned long long)n > max)
		return gz_fail(err, GZ_ETOOBIG, "%s: %lld is more than %u", key,
			       (long long)n, max);
	*dst = (unsigned)n;
	return GZ_OK;
}

/* Read the "facets" array of names into *mask. */
static int proto_take_facets(json_t *v, unsigned *mask, char *err)
{
	size_t i;
	json_t *e;
	int k;

	if (!json_is_array(v))
		return gz_fail(err, GZ_EINVAL,
			       "facets: must be an array of names");
	if (json_array_size(v) > SEARCH_N_FACETS)
		return gz_fail(err, GZ_ETOOBIG, "facets: more than %d names",
			       SEARCH_N_FACETS);
	*mask = 0;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return gz_fail(err, GZ_EINVAL,
				       "facets: must be an array of names");
		k = search_facet_kind(json_string_value(e));
		if (k < 0)
			return gz_fail(err, GZ_EINVAL,
				       "facets: unknown facet \"%.32s\" "
				       "(source, section, year, month)",
				       json_string_value(e));
		if (*mask & SEARCH_FACET_BIT(k))
			return gz_fail(err, GZ_EINVAL,
				       "facets: \"%s\" named twice",
				       search_facet_name(k));
		*mask |= SEARCH_FACET_BIT(k);
	}
	return GZ_OK;
}

/* Read one field of a JSON request into req. */
static int proto_take_field(const char *key, json_t *v,
			    struct search_request *req, char *err)
{
	static const struct {
		const char *key;
		size_t off;
	} strings[] = {
		{ "q", offsetof(struct search_request, q) },
		{ "source", offsetof(struct search_request, source) },
		{ "section", offsetof(struct search_request, section) },
		{ "lang", offsetof(struct search_request, lang) },
		{ "from", offsetof(struct search_request, from) },
		{ "to", offsetof(struct search_request, to) },
		{ "token", offsetof(struct search_request, token) },
	};
	const char *s;
	size_t i;

	for (i = 0; i < sizeof strings / sizeof strings[0]; i++)
		if (strcmp(key, strings[i].key) == 0)
			return proto_take_string(
				v, key, (char **)((char *)req + strings[i].off),
				err);
	if (strcmp(key, "id") == 0)
		return GZ_OK; /* read first, by proto_parse_json */
	if (strcmp(key, "v") == 0) {
		if (!json_is_integer(v) ||
		    json_integer_value(v) != PROTO_VERSION)
			return gz_fail(err, GZ_EINVAL,
				       "v: unsupported protocol version "
				       "(this server speaks %d)",
				       PROTO_VERSION);
		return GZ_OK;
	}
	if (strcmp(key, "cmd") == 0) {
		s = json_is_string(v) ? json_string_value(v) : NULL;
		if (s && strcmp(s, "search") == 0)
			req->cmd = SEARCH_CMD_SEARCH;
		else if (s && strcmp(s, "stats") == 0)
			req->cmd = SEARCH_CMD_STATS;
		else if (s && strcmp(s, "ping") == 0)
			req->cmd = SEARCH_CMD_PING;
		else
			return gz_fail(err, GZ_EINVAL,
				       "cmd: must be \"search\", \"stats\" or "
				       "\"ping\"");
		return GZ_OK;
	}
	if (strcmp(key, "sort") == 0) {
		s = json_is_string(v) ? json_string_value(v) : NULL;
		if (s && strcmp(s, "relevance") == 0)
			req->sort = SEARCH_SORT_RELEVANCE;
		else if (s && strcmp(s, "date") == 0)
			req->sort = SEARCH_SORT_DATE;
		else if (s && strcmp(s, "-date") == 0)
			req->sort = SEARCH_SORT_DATE_DESC;
		else
			return gz_fail(
				err, GZ_EINVAL,
				"sort: must be \"relevance\", \"date\" or "
				"\"-date\"");
		return GZ_OK;
	}
	if (strcmp(key, "offset") == 0)
		return proto_take_uint(v, key, GZ_MAX_RESULTS, &req->offset,
				       err);
	if (strcmp(key, "limit") == 0)
		return proto_take_uint(v, key, GZ_MAX_LIMIT, &req->limit, err);
	if (strcmp(key, "snippet") == 0)
		return proto_take_uint(v, key, GZ_MAX_SNIPPET_LEN,
				       &req->snippet_len, err);
	if (strcmp(key, "facets") == 0)
		return proto_take_facets(v, &req->facets, err);
	if (strcmp(key, "facet_limit") == 0) {
		int rc = proto_take_uint(v, key, GZ_MAX_FACET_VALUES,
					 &req->facet_limit, err);

		if (rc == GZ_OK && req->facet_limit == 0)
			rc = gz_fail(err, GZ_EINVAL,
				     "facet_limit: must be at least 1");
		return rc;
	}
	if (strcmp(key, "collapse") == 0) {
		if (!json_is_boolean(v))
			return gz_fail(err, GZ_EINVAL,
				       "collapse: must be true or false");
		req->collapse = json_is_true(v);
		return GZ_OK;
	}
	if (strcmp(key, "like") == 0) {
		if (json_is_integer(v)) {
			char num[32];

			if (json_integer_value(v) <= 0 ||
			    json_integer_value(v) > (json_int_t)UINT_MAX)
				return gz_fail(err, GZ_EINVAL,
					       "like: not a document id");
			snprintf(num, sizeof num, "%lld",
				 (long long)json_integer_value(v));
			free(req->like);
			req->like = proto_strndup(num, strlen(num));
			return req->like
				? GZ_OK
				: gz_fail(err, GZ_ENOMEM, "out of memory");
		}
		return proto_take_string(v, key, &req->like, err);
	}
	return gz_fail(err, GZ_EINVAL, "unknown field \"%.32s\"", key);
}

/* Parse a JSON request object of len bytes at line into req. */
static int proto_parse_json(const char *line, size_t len,
			    struct search_request *req, char *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int rc = GZ_OK;

	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return gz_fail(err, GZ_EPARSE, "invalid JSON at column %d: %s",
			       jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return gz_fail(err, GZ_EINVAL, "request must be a JSON object");
	}
	/* The id first, so that any later error can echo it. */
	v = json_object_get(root, "id");
	if (v) {
		if (json_is_object(v) || json_is_array(v)) {
			rc = gz_fail(err, GZ_EINVAL,
				     "id: must be a string, number, boolean "
				     "or null");
		} else {
			req->id_json =
				json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			if (!req->id_json)
				rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		}
	}
	json_object_foreach(root, key, v)
	{
		if (rc != GZ_OK)
			break;
		rc = proto_take_field(key, v, req, err);
	}
	json_decref(root);
	return rc;
}

/*
** Bound the line, then dispatch: JSON object or plain-text query
** (proto.h).
*/
int proto_parse_line(const char *line, size_t len, struct search_request *req,
		     char *err)
{
	size_t start = 0;

	if (len > GZ_MAX_REQUEST_LINE)
		return gz_fail(err, GZ_ETOOBIG,
			       "request line longer than %u bytes",
			       GZ_MAX_REQUEST_LINE);
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	while (start < len && (line[start] == ' ' || line[start] == '\t'))
		start++;
	if (start < len && line[start] == '{')
		return proto_parse_json(line + start, len - start, req, err);

	while (len > start && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (start == len)
		return gz_fail(err, GZ_EINVAL, "empty request");
	if (!proto_utf8_valid(line + start, len - start))
		return gz_fail(err, GZ_EINVAL, "request is not valid UTF-8");
	free(req->q);
	req->q = proto_strndup(line + start, len - start);
	if (!req->q)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	return GZ_OK;
}

/* Field types of a form (key=value) request. */
enum proto_form_type { PF_STRING, PF_UINT, PF_BOOL, PF_LIST, PF_ID };

/* The type of form field key; PF_STRING for unknown keys (refused later). */
static enum proto_form_type proto_form_type(const char *key)
{
	static const char *uints[] = { "v", "offset", "limit", "snippet",
				       "facet_limit" };
	size_t i;

	for (i = 0; i < sizeof uints / sizeof uints[0]; i++)
		if (strcmp(key, uints[i]) == 0)
			return PF_UINT;
	if (strcmp(key, "collapse") == 0)
		return PF_BOOL;
	if (strcmp(key, "facets") == 0)
		return PF_LIST;
	if (strcmp(key, "id") == 0)
		return PF_ID;
	return PF_STRING;
}

/*
** The JSON value of one form field: a decimal number, a boolean
** (1/0/true/false/yes/no/on/off), a comma-separated list of names or a
** string.  NULL with err set when value does not fit the type.
*/
static json_t *proto_form_value(const char *key, const char *value, char *err)
{
	const char *p, *c;
	json_t *a, *e;
	char *end;
	long long n;

	switch (proto_form_type(key)) {
	case PF_UINT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (!*value || *end || errno || value[0] == '+')
			break;
		return json_integer(n);
	case PF_BOOL:
		if (!strcmp(value, "1") || !strcmp(value, "true") ||
		    !strcmp(value, "yes") || !strcmp(value, "on"))
			return json_true();
		if (!strcmp(value, "0") || !strcmp(value, "false") ||
		    !strcmp(value, "no") || !strcmp(value, "off"))
			return json_false();
		gz_fail(err, GZ_EINVAL, "%s: must be true or false", key);
		return NULL;
	case PF_LIST:
		a = json_array();
		for (p = value; a && *p; p = *c ? c + 1 : c) {
			c = strchr(p, ',');
			if (!c)
				c = p + strlen(p);
			if (c == p)
				continue;
			e = json_stringn(p, (size_t)(c - p));
			if (!e || json_array_append_new(a, e) != 0) {
				json_decref(a);
				a = NULL;
			}
		}
		if (!a)
			gz_fail(err, GZ_ENOMEM, "out of memory");
		return a;
	case PF_ID:
	case PF_STRING:
		e = json_string(value);
		if (!e)
			gz_fail(err, GZ_EINVAL, "%s: not valid UTF-8", key);
		return e;
	}
	gz_fail(err, GZ_EINVAL, "%s: must be an integer", key);
	return NULL;
}

/* Read n decoded form fields (HTTP query string) into req (proto.h). */
int proto_parse_form(const char *const *keys, const char *const *values,
		     size_t n, struct search_request *req, char *err)
{
	json_t *id = NULL, *v;
	size_t i, j;
	int rc = GZ_OK;

	for (i = 0; i < n; i++) {
		if (!proto_utf8_valid(keys[i], strlen(keys[i])) ||
		    !proto_utf8_valid(values[i], strlen(values[i])))
			return gz_fail(err, GZ_EINVAL,
				       "request is not valid UTF-8");
		for (j = 0; j < i; j++)
			if (strcmp(keys[i], keys[j]) == 0)
				return gz_fail(err, GZ_EINVAL,
					       "%.32s: given twice", keys[i]);
	}
	/* The id first, so that any later error can echo it. */
	for (i = 0; i < n; i++)
		if (strcmp(keys[i], "id") == 0) {
			id = json_string(values[i]);
			req->id_json = id
				? json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)
				: NULL;
			json_decref(id);
			if (!req->id_json)
				return gz_fail(err, GZ_ENOMEM, "out of memory");
		}
	for (i = 0; i < n && rc == GZ_OK; i++) {
		if (strcmp(keys[i], "id") == 0)
			continue;
		v = proto_form_value(keys[i], values[i], err);
		if (!v)
			return strstr(err ? err : "", "memory") ? GZ_ENOMEM
								: GZ_EINVAL;
		rc = proto_take_field(keys[i], v, req, err);
		json_decref(v);
	}
	return rc;
}

/* ------------------------------------------------------------- replies */

/*
** Builds a reply object; the first failed allocation sets bad, after which
** every call is a no-op and the reply becomes NULL.
*/
struct proto_out {
	json_t *root; /* the reply object */
	int bad;      /* an allocation failed */
};

/* Set o[key] = v (stealing v); a NULL v marks the reply bad. */
static void proto_set(struct proto_out *out, json_t *o, const char *key,
		      json_t *v)
{
	if (!v || !o || out->bad) {
		out->bad = 1;
		json_decref(v);
		return;
	}
	if (json_object_set_new(o, key, v) != 0)
		out->bad = 1;
}

/* Append v to array a (stealing v); a NULL v marks the reply bad. */
static void proto_append(struct proto_out *out, json_t *a, json_t *v)
{
	if (!v || !a || out->bad) {
		out->bad = 1;
		json_decref(v);
		return;
	}
	if (json_array_append_new(a, v) != 0)
		out->bad = 1;
}

/*
** A JSON string for s, or null when s is NULL.  Invalid UTF-8 (which the
** stored records should never hold) is replaced byte by byte with U+FFFD
** rather than dropping the whole reply.
*/
static json_t *proto_jstr(const char *s)
{
	size_t len, i;
	char *clean;
	json_t *v;
	char *w;

	if (!s)
		return json_null();
	len = strlen(s);
	if (proto_utf8_valid(s, len)) /* checked: jansson need not again */
		return json_stringn_nocheck(s, len);
	clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	w = clean;
	for (i = 0; i < len; i++) {
		size_t n = 1;

		while (n <= 4 && i + n <= len && !proto_utf8_valid(s + i, n))
			n++;
		if (n <= 4 && i + n <= len) {
			memcpy(w, s + i, n);
			w += n;
			i += n - 1;
		} else {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
		}
	}
	*w = '\0';
	v = json_string(clean);
	free(clean);
	return v;
}

/* Start a reply: {"v":1} plus the echoed id when there is one. */
static void proto_begin(struct proto_out *out, const char *id_json)
{
	json_t *id;

	out->bad = 0;
	out->root = json_object();
	proto_set(out, out->root, "v", json_integer(PROTO_VERSION));
	if (id_json) {
		id = json_loads(id_json, JSON_DECODE_ANY, NULL);
		proto_set(out, out->root, "id", id);
	}
}

/* Serialise the reply as one line ending in "\n"; frees the object. */
static char *proto_finish(struct proto_out *out)
{
	char *s = NULL, *line;
	size_t n;

	if (!out->bad && out->root)
		s = json_dumps(out->root,
			       JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(out->root);
	out->root = NULL;
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

/* The JSON object of one hit. */
static json_t *proto_hit(struct proto_out *out, const struct search_hit *h)
{
	json_t *o = json_object();
	json_t *authors = json_array();
	size_t i;

	proto_set(out, o, "rank", json_integer(h->rank));
	proto_set(out, o, "score", json_integer(h->score));
	proto_set(out, o, "id", json_integer(h->docid));
	proto_set(out, o, "url", proto_jstr(h->art.url));
	proto_set(out, o, "title", proto_jstr(h->art.title));
	proto_set(out, o, "source", proto_jstr(h->art.source));
	proto_set(out, o, "section", proto_jstr(h->art.section));
	for (i = 0; i < h->art.n_authors; i++)
		proto_append(out, authors, proto_jstr(h->art.authors[i]));
	proto_set(out, o, "authors", authors);
	proto_set(out, o, "published",
		  h->published[0] ? proto_jstr(h->published) : json_null());
	proto_set(out, o, "snippet", proto_jstr(h->snippet));
	proto_set(out, o, "collapsed", json_integer(h->collapsed));
	if (out->bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Serialise a search result; malloc'd line, caller frees (proto.h). */
char *proto_reply_result(const struct search_request *req,
			 const struct search_result *res)
{
	struct proto_out out;
	json_t *total, *hits, *facets, *f, *pair;
	size_t i;
	int k;

	proto_begin(&out, req ? req->id_json : NULL);
	total = json_object();
	proto_set(&out, total, "estimate", json_integer(res->estimate));
	proto_set(&out, total, "lower", json_integer(res->lower));
	proto_set(&out, total, "upper", json_integer(res->upper));
	proto_set(&out, out.root, "total", total);
	/* Microsecond resolution is all a reader can use. */
	proto_set(&out, out.root, "took_ms",
		  json_real((double)(long long)(res->took_ms * 1000.0 + 0.5) /
			    1000.0));
	proto_set(&out, out.root, "revision", json_integer(res->revision));
	hits = json_array();
	for (i = 0; i < res->n_hits && !out.bad; i++)
		proto_append(&out, hits, proto_hit(&out, &res->hits[i]));
	proto_set(&out, out.root, "hits", hits);
	facets = json_object();
	for (k = 0; k < SEARCH_N_FACETS && !out.bad; k++) {
		if (!(res->facets & SEARCH_FACET_BIT(k)))
			continue;
		f = json_array();
		for (i = 0; i < res->facet[k].n && !out.bad; i++) {
			pair = json_array();
			proto_append(&out, pair,
				     proto_jstr(res->facet[k].values[i].value));
			proto_append(
				&out, pair,
				json_integer(res->facet[k].values[i].count));
			proto_append(&out, f, pair);
		}
		proto_set(&out, facets, search_facet_name(k), f);
	}
	proto_set(&out, out.root, "facets", facets);
	if (res->suggestion)
		proto_set(&out, out.root, "suggestion",
			  proto_jstr(res->suggestion));
	if (res->partial) {
		json_t *missing = json_array();

		proto_set(&out, out.root, "partial", json_true());
		for (i = 0; i < res->n_missing && !out.bad; i++)
			proto_append(&out, missing,
				     proto_jstr(res->missing[i]));
		proto_set(&out, out.root, "missing", missing);
	}
	return proto_finish(&out);
}

/* Serialise an error; malloc'd line, caller frees (proto.h). */
char *proto_reply_error(int code, const char *message, const char *id_json)
{
	struct proto_out out;
	json_t *e;

	proto_begin(&out, id_json);
	e = json_object();
	proto_set(&out, e, "code", json_string(gz_errname(code)));
	proto_set(&out, e, "message",
		  proto_jstr(message ? message : gz_strerror(code)));
	proto_set(&out, out.root, "error", e);
	return proto_finish(&out);
}

/*
** The indexer's run summary as a JSON object: a JSON object as stored, or
** "key=value key=value" text with numbers as numbers and "summary" holding
** the text itself.  NULL when text is NULL or empty, or out of memory.
*/
static json_t *proto_last_run(const char *text)
{
	const char *p, *k, *eq, *e;
	json_t *o, *v;
	char key[64], val[256], *end;
	size_t kl, vl;
	double d;
	long long n;

	if (!text || !*text)
		return NULL;
	o = json_loads(text, 0, NULL);
	if (json_is_object(o))
		return o;
	json_decref(o);
	o = json_object();
	if (!o)
		return NULL;
	for (p = text; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		k = p;
		e = p + strcspn(p, " \t");
		eq = memchr(k, '=', (size_t)(e - k));
		p = e;
		if (!eq || eq == k)
			continue;
		kl = (size_t)(eq - k);
		vl = (size_t)(e - eq - 1);
		if (kl >= sizeof key || vl >= sizeof val)
			continue;
		memcpy(key, k, kl);
		key[kl] = '\0';
		memcpy(val, eq + 1, vl);
		val[vl] = '\0';
		if (!proto_utf8_valid(key, kl) || !proto_utf8_valid(val, vl))
			continue;
		errno = 0;
		n = strtoll(val, &end, 10);
		if (vl > 0 && !*end && !errno) {
			v = json_integer(n);
		} else {
			d = strtod(val, &end);
			v = vl > 0 && !*end ? json_real(d) : json_string(val);
		}
		if (!v || json_object_set_new(o, key, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	v = proto_jstr(text);
	if (!v || json_object_set_new(o, "summary", v) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "YYYY-MM-DDThh:mm:ssZ" for Unix time t into out (size >= 21). */
static void proto_utc(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}

/*
** Add the fields stats and health share: documents, revision, the last
** commit's time and age, and the last run summary.
*/
static void proto_index_fields(struct proto_out *out,
			       const struct search_stats *st, long long now)
{
	char when[32];

	proto_set(out, out->root, "documents", json_integer(st->documents));
	proto_set(out, out->root, "revision", json_integer(st->revision));
	if (st->modified > 0) {
		proto_utc(st->modified, when, sizeof when);
		proto_set(out, out->root, "last_update", json_string(when));
		proto_set(out, out->root, "last_update_age_s",
			  json_integer(now > st->modified ? now - st->modified
							  : 0));
	}
	if (st->last_run) {
		json_t *last = proto_last_run(st->last_run);

		if (last)
			proto_set(out, out->root, "last_run", last);
	}
}

/* Serialise stats; malloc'd line, caller frees (proto.h). */
char *proto_reply_stats(const struct search_stats *st, const char *index_path,
			double uptime_s, const char *id_json)
{
	struct proto_out out;

	proto_begin(&out, id_json);
	proto_index_fields(&out, st, (long long)time(NULL));
	proto_set(&out, out.root, "uptime_s",
		  json_integer(uptime_s > 0 ? (json_int_t)uptime_s : 0));
	proto_set(&out, out.root, "index", proto_jstr(index_path));
	return proto_finish(&out);
}

/* Serialise the health report; malloc'd line, caller frees (proto.h). */
char *proto_reply_health(const struct search_stats *st, int rc,
			 const char *message, double uptime_s,
			 unsigned max_age_s, int *healthy)
{
	struct proto_out out;
	long long now = (long long)time(NULL);
	const char *status = "ok";

	*healthy = 1;
	if (rc != GZ_OK) {
		status = "error";
		*healthy = 0;
	} else if (max_age_s > 0 && st->modified > 0 &&
		   now - st->modified > (long long)max_age_s) {
		status = "stale";
		*healthy = 0;
	}
	proto_begin(&out, NULL);
	proto_set(&out, out.root, "status", json_string(status));
	if (rc == GZ_OK) {
		proto_index_fields(&out, st, now);
		if (max_age_s > 0)
			proto_set(&out, out.root, "max_age_s",
				  json_integer(max_age_s));
	} else {
		proto_set(&out, out.root, "error", json_string(gz_errname(rc)));
		proto_set(&out, out.root, "message",
			  proto_jstr(message ? message : gz_strerror(rc)));
	}
	proto_set(&out, out.root, "uptime_s",
		  json_integer(uptime_s > 0 ? (json_int_t)uptime_s : 0));
	return proto_finish(&out);
}

/* Serialise the ping answer; malloc'd line, caller frees (proto.h). */
char *proto_reply_ping(const char *id_json)
{
	struct proto_out out;

	proto_begin(&out, id_json);
	proto_set(&out, out.root, "ok", json_true());
	return proto_finish(&out);
}
