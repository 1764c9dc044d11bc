/*
** search.c — one search request over the index, for searchd and the CLI.
**
** A searcher owns a read-only database handle and a query parser configured
** once with Gazette's query language (see search.h).  search_run() moves to
** the newest revision, parses the query, adds the request's filters as
** boolean FILTER terms and a value range, runs Xapian's Enquire with the
** requested sort, collapse and facets, and copies each hit's stored record
** (the article JSON) and a snippet into plain C structs, so the caller can
** serialise them after the searcher has moved on.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "article.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "schema.h"
#include "search.h"
#include "xsh.h"

/* One query parser and the language it stems in. */
struct search_qp {
	char lang[16];      /* language code ("en") */
	struct xsh_qp *qp;  /* parser over the searcher's db */
};

struct searcher {
	struct xsh_db *db;       /* the index, read-only */
	struct search_qp qps[SEARCH_MAX_LANGS]; /* [0] is SEARCH_LANG's */
	unsigned n_qps;          /* parsers made so far */
	unsigned time_limit_ms;  /* per-search time limit, 0 = none */
	char *path;              /* index path, for the commit time */
};

/* Parser flags for queries typed by a person. */
#define SEARCH_QP_FLAGS (XSH_QP_BOOLEAN | XSH_QP_PHRASE | XSH_QP_LOVEHATE | \
			 XSH_QP_WILDCARD | XSH_QP_NEAR | \
			 XSH_QP_BOOLEAN_ANY_CASE | XSH_QP_CJK | \
			 XSH_QP_DEFAULT_AND)

/* Bytes of a "YYYYMMDDhhmmss" bound with its NUL. */
#define SEARCH_BOUND_LEN 15

/* ------------------------------------------------------------ requests */

void search_request_init(struct search_request *req)
{
	memset(req, 0, sizeof *req);
	req->cmd = SEARCH_CMD_SEARCH;
	req->sort = SEARCH_SORT_RELEVANCE;
	req->limit = SEARCH_DEFAULT_LIMIT;
	req->collapse = 1;
	req->snippet_len = GZ_DEFAULT_SNIPPET_LEN;
	req->facet_limit = GZ_MAX_FACET_VALUES;
}

/* Free req's strings and reset it to the defaults (search.h). */
void search_request_free(struct search_request *req)
{
	free(req->q);
	free(req->source);
	free(req->section);
	free(req->lang);
	free(req->from);
	free(req->to);
	free(req->like);
	free(req->id_json);
	free(req->token);
	search_request_init(req);
}

/* Zero res (search.h). */
void search_result_init(struct search_result *res)
{
	memset(res, 0, sizeof *res);
}

/* Free one hit's members. */
static void search_hit_free(struct search_hit *h)
{
	article_free(&h->art);
	free(h->snippet);
	h->snippet = NULL;
}

/* Free every hit, facet and the suggestion; res ends zeroed (search.h). */
void search_result_free(struct search_result *res)
{
	size_t i, k;

	for (i = 0; i < res->n_hits; i++)
		search_hit_free(&res->hits[i]);
	free(res->hits);
	for (k = 0; k < SEARCH_N_FACETS; k++) {
		for (i = 0; i < res->facet[k].n; i++)
			free(res->facet[k].values[i].value);
		free(res->facet[k].values);
	}
	free(res->suggestion);
	search_result_init(res);
}

/* Free st->last_run and zero st (search.h). */
void search_stats_free(struct search_stats *st)
{
	free(st->last_run);
	memset(st, 0, sizeof *st);
}

/* Facet kinds: wire name and value slot, indexed by enum search_facet_kind. */
static const struct {
	const char *name; /* name in requests and replies */
	unsigned slot;    /* value slot counted */
} search_facets[SEARCH_N_FACETS] = {
	{ "source", SLOT_SOURCE },
	{ "section", SLOT_SECTION },
	{ "year", SLOT_YEAR },
	{ "month", SLOT_MONTH },
};

/* Wire name of a facet kind; static string or NULL (search.h). */
const char *search_facet_name(int kind)
{
	if (kind < 0 || kind >= SEARCH_N_FACETS)
		return NULL;
	return search_facets[kind].name;
}

/* Facet kind for a wire name, or -1 (search.h). */
int search_facet_kind(const char *name)
{
	int k;

	for (k = 0; k < SEARCH_N_FACETS; k++)
		if (strcmp(search_facets[k].name, name) == 0)
			return k;
	return -1;
}

/* ---------------------------------------------------------------- dates */

/*
** Read between 1 and max decimal digits at *p into *out, advancing *p.
** Returns 0, or -1 when there is no digit or more than max.
*/
static int search_digits(const char **p, int max, int *out)
{
	int n = 0, v = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > max)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/* Typed date to "YYYYMMDDhhmmss", start or end of the period (search.h). */
int search_date_bound(const char *text, int end, char *out, size_t n)
{
	const char *p = text;
	int y, mo = -1, d = -1, h = -1, mi = -1, s = -1;

	if (n < SEARCH_BOUND_LEN)
		return -1;
	out[0] = '\0';
	if (!text)
		return -1;
	/* The year: exactly four digits. */
	if (strlen(p) < 4 || search_digits(&p, 4, &y) < 0 || p != text + 4 ||
	    y < 1)
		return -1;
	if (*p == '-') {
		p++;
		if (search_digits(&p, 2, &mo) < 0 || mo < 1 || mo > 12)
			return -1;
		if (*p == '-') {
			p++;
			if (search_digits(&p, 2, &d) < 0 || d < 1 ||
			    d > gz_time_days_in_month(y, mo))
				return -1;
			if (*p == 'T' || *p == 't' || *p == ' ') {
				p++;
				if (search_digits(&p, 2, &h) < 0 || h > 23 ||
				    *p++ != ':' ||
				    search_digits(&p, 2, &mi) < 0 || mi > 59)
					return -1;
				if (*p == ':') {
					p++;
					if (search_digits(&p, 2, &s) < 0 ||
					    s > 60)
						return -1;
				}
			}
		}
	}
	if (*p != '\0')
		return -1;
	if (mo < 0)
		mo = end ? 12 : 1;
	if (d < 0)
		d = end ? gz_time_days_in_month(y, mo) : 1;
	if (h < 0) {
		h = end ? 23 : 0;
		mi = end ? 59 : 0;
	}
	if (s < 0)
		s = end ? 59 : 0;
	snprintf(out, n, "%04d%02d%02d%02d%02d%02d", y, mo, d, h, mi, s);
	return 0;
}

/*
** The converter behind `date:BEGIN..END` (xsh_range_fn): either end may be
** "" for an open range, but not both.  Returns 1 with the bounds in lo and
** hi, or 0 when either end is not a date.
*/
static int search_date_range(void *ctx, const char *begin, const char *end,
			     char *lo, char *hi, size_t n)
{
	(void)ctx;
	if (n == 0)
		return 0;
	lo[0] = hi[0] = '\0';
	if (!*begin && !*end)
		return 0;
	if (*begin && search_date_bound(begin, 0, lo, n) < 0)
		return 0;
	if (*end && search_date_bound(end, 1, hi, n) < 0)
		return 0;
	return 1;
}

/* ------------------------------------------------------------ searcher */

/*
** Make a query parser over s->db stemming in lang, with Gazette's fields,
** into *out (the caller's, to free with xsh_qp_free).
*/
static int search_qp_new(struct searcher *s, const char *lang,
			 struct xsh_qp **out, char *err)
{
	/* Filter fields.  One value per document (source, section, host,
	** language): several values in a query OR; authors AND. */
	static const struct {
		const char *field;
		const char *prefix;
		int flags;
	} fields[] = {
		{ "source", PFX_SOURCE, XSH_BP_LOWERCASE },
		{ "section", PFX_SECTION, XSH_BP_LOWERCASE },
		{ "author", PFX_AUTHOR, XSH_BP_LOWERCASE | XSH_BP_NONEXCLUSIVE },
		{ "site", PFX_HOST, XSH_BP_LOWERCASE },
		{ "lang", PFX_LANG, XSH_BP_LOWERCASE },
	};
	struct xsh_qp *qp = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = xsh_qp_new(s->db, lang, &qp, err);
	if (rc == GZ_OK)
		rc = xsh_qp_add_prefix(qp, "title", PFX_TITLE, err);
	for (i = 0; rc == GZ_OK && i < sizeof fields / sizeof fields[0]; i++)
		rc = xsh_qp_add_boolean_prefix(qp, fields[i].field,
					       fields[i].prefix,
					       fields[i].flags, err);
	if (rc == GZ_OK)
		rc = xsh_qp_add_range(qp, "date", SLOT_PUBLISHED,
				      search_date_range, NULL, err);
	if (rc == GZ_OK)
		rc = xsh_qp_set_max_expansion(qp, GZ_MAX_WILDCARD_EXPANSION, err);
	if (rc != GZ_OK) {
		xsh_qp_free(qp);
		return rc;
	}
	*out = qp;
	return GZ_OK;
}

/*
** The parser stemming in lang (a short code of letters), made on first
** use; the default language's parser when lang is NULL, not a code, or
** the searcher already keeps SEARCH_MAX_LANGS parsers.  Borrowed from s.
*/
static struct xsh_qp *search_qp_for(struct searcher *s, const char *lang)
{
	char code[16];
	struct xsh_qp *qp = NULL;
	size_t i, n;

	if (!lang || !*lang)
		return s->qps[0].qp;
	n = strlen(lang);
	if (n < 2 || n >= sizeof code)
		return s->qps[0].qp;
	for (i = 0; i < n; i++) {
		char c = lang[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z')
			return s->qps[0].qp;
		code[i] = c;
	}
	code[n] = '\0';
	for (i = 0; i < s->n_qps; i++)
		if (strcmp(s->qps[i].lang, code) == 0)
			return s->qps[i].qp;
	if (s->n_qps >= SEARCH_MAX_LANGS ||
	    search_qp_new(s, code, &qp, NULL) != GZ_OK)
		return s->qps[0].qp;
	memcpy(s->qps[s->n_qps].lang, code, n + 1);
	s->qps[s->n_qps].qp = qp;
	s->n_qps++;
	return qp;
}

int searcher_open(const char *path, struct searcher **out, char *err)
{
	struct searcher *s;
	char xerr[GZ_ERRLEN];
	int rc;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s)
		s->path = strdup(path);
	if (!s || !s->path) {
		free(s);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	rc = xsh_db_open(path, &s->db, xerr);
	if (rc != GZ_OK) {
		free(s->path);
		free(s);
		return gz_fail(err, rc, "cannot open index %s: %s", path, xerr);
	}
	rc = search_qp_new(s, SEARCH_LANG, &s->qps[0].qp, xerr);
	if (rc != GZ_OK) {
		searcher_close(s);
		return gz_fail(err, rc, "query parser: %s", xerr);
	}
	memcpy(s->qps[0].lang, SEARCH_LANG, sizeof SEARCH_LANG);
	s->n_qps = 1;
	*out = s;
	return GZ_OK;
}

/* Free the parsers, then the database they point into (search.h). */
void searcher_close(struct searcher *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < SEARCH_MAX_LANGS; i++)
		xsh_qp_free(s->qps[i].qp);
	xsh_db_close(s->db);
	free(s->path);
	free(s);
}

/* Set the per-search time limit in ms, 0 for none (search.h). */
void searcher_set_time_limit(struct searcher *s, unsigned ms)
{
	s->time_limit_ms = ms;
}

/*
** The time of the index's last commit: Xapian rewrites the version file
** ("iamglass", "iamchert") at each commit; a stub database file is its own
** witness.  0 when none can be read.
*/
static long long search_commit_time(const char *path)
{
	static const char *names[] = { "iamglass", "iamchert", "iamhoney" };
	char file[4096];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (snprintf(file, sizeof file, "%s/%s", path, names[i]) >=
		    (int)sizeof file)
			return 0;
		if (stat(file, &st) == 0)
			return (long long)st.st_mtime;
	}
	if (stat(path, &st) == 0)
		return (long long)st.st_mtime;
	return 0;
}

/*
** Documents, revision and last-run metadata at the newest revision;
** *st is the caller's to free with search_stats_free (search.h).
*/
int searcher_stats(struct searcher *s, struct search_stats *st, char *err)
{
	char *meta = NULL;
	size_t len = 0;
	int rc;

	memset(st, 0, sizeof *st);
	rc = xsh_db_reopen(s->db, NULL, err);
	if (rc == GZ_OK)
		rc = xsh_db_doccount(s->db, &st->documents, err);
	if (rc == GZ_OK)
		rc = xsh_db_revision(s->db, &st->revision, err);
	if (rc == GZ_OK)
		rc = xsh_db_get_metadata(s->db, META_LAST_RUN, &meta, &len,
					 err);
	if (rc != GZ_OK) {
		free(meta);
		return rc;
	}
	if (meta && len > 0)
		st->last_run = meta;
	else
		free(meta);
	st->modified = search_commit_time(s->path);
	return GZ_OK;
}

/* ------------------------------------------------------- query rewrite */

/* True when the byte before a field name lets it start a term. */
static int search_term_start(const char *q, size_t i)
{
	return i == 0 || strchr(" \t\r\n(+-", q[i - 1]) != NULL;
}

/*
** The end of the field value starting at q[i] (after "name:"): a quoted
** value runs to its closing quote (or the end), a bare one to white space
** or ')'.  *quoted says which.
*/
static size_t search_value_end(const char *q, size_t i, int *quoted)
{
	*quoted = q[i] == '"';
	if (*quoted) {
		i++;
		while (q[i] && q[i] != '"')
			i++;
		return q[i] ? i + 1 : i;
	}
	while (q[i] && !strchr(" \t\r\n)", q[i]))
		i++;
	return i;
}

/* Rewrite site: values to hosts and find a single lang: (search.h). */
char *search_rewrite_query(const char *q, char *lang, size_t langn)
{
	char url[GZ_MAX_URL_LEN + 16], host[GZ_MAX_URL_LEN];
	size_t i = 0, end, vs, vl, n = strlen(q);
	int quoted, langs = 0;
	char *out, *o;

	if (langn)
		lang[0] = '\0';
	/* A host is never longer than the value it comes from; an unclosed
	** quote may gain its closing one. */
	out = malloc(n + 2);
	if (!out)
		return NULL;
	o = out;
	while (i < n) {
		if (search_term_start(q, i) && strncmp(q + i, "site:", 5) == 0 &&
		    q[i + 5] && !strchr(" \t\r\n)", q[i + 5])) {
			end = search_value_end(q, i + 5, &quoted);
			vs = i + 5 + (size_t)quoted;
			vl = end - vs - (quoted && q[end - 1] == '"' && end - 1 >= vs
					 ? 1 : 0);
			host[0] = '\0';
			if (vl > 0 && vl < GZ_MAX_URL_LEN) {
				int has_scheme = 0;
				size_t k;

				for (k = 0; k + 3 <= vl && !has_scheme; k++)
					has_scheme = memcmp(q + vs + k, "://",
							    3) == 0;

				snprintf(url, sizeof url, "%s%.*s",
					 has_scheme ? "" : "http://", (int)vl,
					 q + vs);
				if (schema_host(url, host, sizeof host) < 0)
					host[0] = '\0';
			}
			if (host[0] && strlen(host) <= vl) {
				memcpy(o, "site:", 5);
				o += 5;
				if (quoted)
					*o++ = '"';
				memcpy(o, host, strlen(host));
				o += strlen(host);
				if (quoted)
					*o++ = '"';
			} else {
				memcpy(o, q + i, end - i);
				o += end - i;
			}
			i = end;
			continue;
		}
		if (search_term_start(q, i) && strncmp(q + i, "lang:", 5) == 0) {
			end = search_value_end(q, i + 5, &quoted);
			vs = i + 5 + (size_t)quoted;
			vl = end > vs ? end - vs : 0;
			if (quoted && vl > 0 && q[end - 1] == '"')
				vl--;
			if (vl > 0 && vl < langn &&
			    (langs == 0 || strlen(lang) != vl ||
			     strncmp(lang, q + vs, vl) != 0)) {
				langs++;
				memcpy(lang, q + vs, vl);
				lang[vl] = '\0';
			}
			memcpy(o, q + i, end - i);
			o += end - i;
			i = end;
			continue;
		}
		*o++ = q[i++];
	}
	*o = '\0';
	if (langs != 1 && langn)
		lang[0] = '\0';
	return out;
}

/* ------------------------------------------------------------- running */

/* Milliseconds on the monotonic clock. */
static double search_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* What search_run works out once for all attempts at a request. */
struct search_plan {
	const char *q;        /* query text after search_rewrite_query */
	struct xsh_qp *qp;    /* parser in the query's language */
	char lo[SEARCH_BOUND_LEN]; /* from bound, "" when open */
	char hi[SEARCH_BOUND_LEN]; /* to bound, "" when open */
	double deadline;      /* monotonic ms; 0 = no time limit */
	unsigned limit_ms;    /* the time limit, for the message */
};

/* GZ_ETIMEOUT with a message when the plan's deadline has passed. */
static int search_check_time(const struct search_plan *p, char *err)
{
	if (p->deadline > 0 && search_now_ms() > p->deadline)
		return gz_fail(err, GZ_ETIMEOUT,
			       "search ran past the time limit of %u ms",
			       p->limit_ms);
	return GZ_OK;
}

/*
** Replace *q by (*q op b), freeing the old *q (and b when own_b).  On
** failure *q is left as it was.
*/
static int search_combine(struct xsh_query **q, enum xsh_op op,
			  struct xsh_query *b, int own_b, char *err)
{
	struct xsh_query *n = NULL;
	int rc = xsh_query_combine(op, *q, b, &n, err);

	if (own_b)
		xsh_query_free(b);
	if (rc != GZ_OK)
		return rc;
	xsh_query_free(*q);
	*q = n;
	return GZ_OK;
}

/* Restrict *q to documents with the filter term prefix+value. */
static int search_filter_term(struct xsh_query **q, const char *prefix,
			      const char *value, char *err)
{
	char term[GZ_MAX_TERM_BYTES + 16];
	struct xsh_query *t = NULL;
	int rc;

	schema_filter_term(prefix, value, term, sizeof term);
	rc = xsh_query_term(term, &t, err);
	if (rc != GZ_OK)
		return rc;
	return search_combine(q, XSH_OP_FILTER, t, 1, err);
}

/* Parse a decimal document id (no sign, no spaces).  0, or -1. */
static int search_parse_docid(const char *s, unsigned *out)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 0xffffffffUL)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/*
** Resolve the more-like-this target (a document id or a URL) and build its
** query into *out: the article's best terms, excluding the article itself.
*/
static int search_like_query(struct searcher *s, const char *like,
			     struct xsh_query **out, char *err)
{
	char term[GZ_MAX_TERM_BYTES + 16];
	struct xsh_query *mlt = NULL, *self = NULL;
	struct article a;
	char *data = NULL;
	size_t len = 0;
	unsigned docid = 0;
	int rc;

	*out = NULL;
	if (search_parse_docid(like, &docid) < 0) {
		if (schema_idterm(like, term, sizeof term) < 0)
			return gz_fail(err, GZ_EINVAL, "like: empty URL");
		rc = xsh_db_find_term(s->db, term, &docid, NULL);
		if (rc == GZ_ENOTFOUND && strlen(like) + 1 < GZ_MAX_TERM_BYTES) {
			snprintf(term, sizeof term, "%s%s", PFX_URL, like);
			rc = xsh_db_find_term(s->db, term, &docid, NULL);
		}
		if (rc == GZ_ENOTFOUND)
			return gz_fail(err, rc, "like: no article has URL %.160s",
				       like);
		if (rc != GZ_OK)
			return gz_fail(err, rc, "like: index error");
	}
	rc = xsh_db_get_data(s->db, docid, &data, &len, err);
	if (rc == GZ_ENOTFOUND)
		return gz_fail(err, rc, "like: no document %u", docid);
	if (rc != GZ_OK)
		return rc;
	article_init(&a);
	term[0] = '\0';
	if (article_from_json(data, len, &a, NULL) == GZ_OK &&
	    article_key_url(&a))
		schema_idterm(article_key_url(&a), term, sizeof term);
	article_free(&a);
	free(data);

	rc = xsh_db_more_like(s->db, docid, SEARCH_LIKE_TERMS, &mlt, err);
	if (rc != GZ_OK)
		return rc;
	if (term[0]) {
		rc = xsh_query_term(term, &self, err);
		if (rc == GZ_OK)
			rc = search_combine(&mlt, XSH_OP_AND_NOT, self, 1, err);
		if (rc != GZ_OK) {
			xsh_query_free(mlt);
			return rc;
		}
	}
	*out = mlt;
	return GZ_OK;
}

/*
** Build the whole query of req (the plan's text, more-like-this, filters,
** date range) into *out, the caller's to free.
*/
static int search_build_query(struct searcher *s,
			      const struct search_request *req,
			      const struct search_plan *p,
			      struct xsh_query **out, char *err)
{
	const char *lo = p->lo, *hi = p->hi;
	struct xsh_query *q = NULL, *t = NULL;
	char xerr[GZ_ERRLEN];
	unsigned nterms = 0;
	int rc = GZ_OK;

	*out = NULL;
	if (p->q && p->q[strspn(p->q, " \t\r\n")]) {
		rc = xsh_qp_parse(p->qp, p->q, SEARCH_QP_FLAGS, &q, xerr);
		if (rc != GZ_OK)
			return gz_fail(err, rc, "query: %s", xerr);
		rc = xsh_query_term_count(q, &nterms, err);
		if (rc == GZ_OK && nterms > GZ_MAX_QUERY_TERMS)
			rc = gz_fail(err, GZ_ETOOBIG,
				     "query: %u terms, more than %d",
				     nterms, GZ_MAX_QUERY_TERMS);
	}
	if (rc == GZ_OK && req->like && *req->like) {
		rc = search_like_query(s, req->like, &t, err);
		if (rc == GZ_OK)
			rc = search_combine(&q, XSH_OP_AND, t, 1, err);
	}
	if (rc == GZ_OK && req->source && *req->source)
		rc = search_filter_term(&q, PFX_SOURCE, req->source, err);
	if (rc == GZ_OK && req->section && *req->section)
		rc = search_filter_term(&q, PFX_SECTION, req->section, err);
	if (rc == GZ_OK && req->lang && *req->lang)
		rc = search_filter_term(&q, PFX_LANG, req->lang, err);
	if (rc == GZ_OK && (*lo || *hi)) {
		rc = xsh_query_range(SLOT_PUBLISHED, lo, hi, &t, err);
		if (rc == GZ_OK)
			rc = search_combine(&q, XSH_OP_FILTER, t, 1, err);
	}
	if (rc == GZ_OK && !q)
		rc = xsh_query_all(&q, err);
	if (rc != GZ_OK) {
		xsh_query_free(q);
		return rc;
	}
	*out = q;
	return GZ_OK;
}

/* Collects one facet's values (xsh_facet_fn context). */
struct search_facet_ctx {
	struct search_facet *f; /* facet being filled */
	int failed;             /* 1 after an allocation failure */
};

/* xsh_facet_fn: append value/count to the facet. */
static void search_facet_add(void *vctx, const char *value, size_t len,
			     unsigned count)
{
	struct search_facet_ctx *ctx = vctx;
	struct search_facet *f = ctx->f;
	struct search_facet_value *nv;
	char *v;

	if (ctx->failed || len == 0)
		return;
	nv = realloc(f->values, (f->n + 1) * sizeof *nv);
	if (!nv) {
		ctx->failed = 1;
		return;
	}
	f->values = nv;
	v = malloc(len + 1);
	if (!v) {
		ctx->failed = 1;
		return;
	}
	memcpy(v, value, len);
	v[len] = '\0';
	f->values[f->n].value = v;
	f->values[f->n].count = count;
	f->n++;
}

/* qsort comparator: facet values in byte order (dates ascending). */
static int search_facet_cmp(const void *a, const void *b)
{
	const struct search_facet_value *x = a, *y = b;

	return strcmp(x->value, y->value);
}

/* True when lang names a language written without spaces between words. */
static int search_lang_cjk(const char *lang)
{
	return lang && (strncmp(lang, "zh", 2) == 0 ||
			strncmp(lang, "ja", 2) == 0 ||
			strncmp(lang, "ko", 2) == 0);
}

/*
** Make hit's snippet: a window of the body around the matches; failing
** that, of the description; failing that, the start of whichever exists.
*/
static int search_snippet(const struct xsh_mset *m, struct search_hit *hit,
			  size_t length, char *err)
{
	const char *lang = hit->art.language ? hit->art.language : SEARCH_LANG;
	const char *texts[2] = { hit->art.text, hit->art.description };
	int flags = search_lang_cjk(lang) ? XSH_SNIPPET_CJK : 0;
	char *out = NULL;
	int i, rc;

	for (i = 0; i < 2; i++) {
		if (!texts[i] || !*texts[i])
			continue;
		rc = xsh_mset_snippet(m, texts[i], strlen(texts[i]), length,
				      lang, "<mark>", "</mark>",
				      flags | XSH_SNIPPET_EMPTY_WITHOUT_MATCH,
				      &out, err);
		if (rc != GZ_OK)
			return rc;
		if (*out) {
			hit->snippet = out;
			return GZ_OK;
		}
		free(out);
		out = NULL;
	}
	for (i = 0; i < 2; i++) {
		if (!texts[i] || !*texts[i])
			continue;
		rc = xsh_mset_snippet(m, texts[i], strlen(texts[i]), length,
				      lang, "<mark>", "</mark>", flags, &out,
				      err);
		if (rc != GZ_OK)
			return rc;
		hit->snippet = out;
		return GZ_OK;
	}
	return GZ_OK;
}

/* Fill hit from hit i of m. */
static int search_fill_hit(const struct xsh_mset *m, unsigned i,
			   const struct search_request *req,
			   struct search_hit *hit, char *err)
{
	struct xsh_hit xh;
	char *data = NULL;
	size_t len = 0;
	int rc;

	rc = xsh_mset_hit(m, i, &xh, err);
	if (rc != GZ_OK)
		return rc;
	hit->rank = xh.rank + 1;
	hit->score = xh.percent;
	hit->docid = xh.docid;
	hit->collapsed = xh.collapse_count;
	rc = xsh_mset_data(m, i, &data, &len, err);
	if (rc != GZ_OK)
		return rc;
	if (article_from_json(data, len, &hit->art, NULL) != GZ_OK) {
		/* A damaged record still counts as a hit, shown bare. */
		article_free(&hit->art);
		article_init(&hit->art);
	}
	free(data);
	gz_time_iso(&hit->art.published, hit->published);
	if (req->snippet_len > 0) {
		rc = search_snippet(m, hit, req->snippet_len, err);
		if (rc != GZ_OK)
			return rc;
	}
	/* The reply needs neither; do not keep megabytes per hit. */
	article_set(&hit->art.text, NULL);
	article_set(&hit->art.description, NULL);
	return GZ_OK;
}

/* True when a and b hold the same digits in the same order. */
static int search_same_digits(const char *a, const char *b)
{
	for (;;) {
		while (*a && (*a < '0' || *a > '9'))
			a++;
		while (*b && (*b < '0' || *b > '9'))
			b++;
		if (*a != *b)
			return 0;
		if (!*a)
			return 1;
		a++;
		b++;
	}
}

/*
** Ask the spelling table for a better query when the first found little,
** and offer it only when it leaves the numbers alone and finds more (with
** the same filters).  Failures here only mean no suggestion.
*/
static void search_suggest(struct searcher *s, const struct search_request *req,
			   const struct search_plan *p,
			   struct search_result *res)
{
	struct search_plan alt;
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	unsigned est = 0, lower, upper;
	char *corr = NULL;

	if (xsh_qp_parse(p->qp, p->q, SEARCH_QP_FLAGS | XSH_QP_SPELLING, &q,
			 NULL) != GZ_OK)
		return;
	xsh_query_free(q);
	q = NULL;
	if (xsh_qp_corrected(p->qp, &corr, NULL) != GZ_OK)
		return;
	/* Years and other numbers are never corrected. */
	if (!corr || !*corr || strcmp(corr, p->q) == 0 ||
	    !search_same_digits(corr, p->q)) {
		free(corr);
		return;
	}
	alt = *p; /* shallow: nothing in alt is freed */
	alt.q = corr;
	if (search_build_query(s, req, &alt, &q, NULL) == GZ_OK &&
	    xsh_enquire_new(s->db, q, &e, NULL) == GZ_OK &&
	    xsh_enquire_run(e, 0, 0, SEARCH_SUGGEST_BELOW, &m, NULL) == GZ_OK &&
	    xsh_mset_counts(m, &est, &lower, &upper, NULL) == GZ_OK &&
	    est > res->estimate) {
		res->suggestion = corr;
		corr = NULL;
	}
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	free(corr);
}

/* One attempt at req over the current revision; see search_run. */
static int search_once(struct searcher *s, const struct search_request *req,
		       const struct search_plan *p, struct search_result *res,
		       char *err)
{
	struct xsh_query *q = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL;
	unsigned facet_idx[SEARCH_N_FACETS] = { 0 };
	unsigned check = 0, n, i;
	int k, rc;

	rc = search_build_query(s, req, p, &q, err);
	if (rc != GZ_OK)
		return rc;
	rc = xsh_enquire_new(s->db, q, &e, err);
	xsh_query_free(q);
	if (rc != GZ_OK)
		return rc;
	if (req->sort == SEARCH_SORT_DATE || req->sort == SEARCH_SORT_DATE_DESC)
		rc = xsh_enquire_set_sort(e, SLOT_PUBLISHED,
					  req->sort == SEARCH_SORT_DATE_DESC,
					  err);
	if (rc == GZ_OK && req->collapse)
		rc = xsh_enquire_set_collapse(e, SLOT_COLLAPSE, 1, err);
	for (k = 0; rc == GZ_OK && k < SEARCH_N_FACETS; k++)
		if (req->facets & SEARCH_FACET_BIT(k))
			rc = xsh_enquire_add_facet(e, search_facets[k].slot,
						   &facet_idx[k], err);
	if (rc == GZ_OK && s->time_limit_ms)
		rc = xsh_enquire_set_time_limit(e, s->time_limit_ms / 1000.0,
						err);
	/* Exact facet counts need every match looked at. */
	if (rc == GZ_OK && req->facets)
		rc = xsh_db_doccount(s->db, &check, err);
	if (rc == GZ_OK)
		rc = xsh_enquire_run(e, req->offset, req->limit, check, &m, err);
	if (rc == GZ_OK)
		rc = search_check_time(p, err);
	if (rc == GZ_OK)
		rc = xsh_mset_counts(m, &res->estimate, &res->lower,
				     &res->upper, err);
	if (rc != GZ_OK)
		goto out;

	n = xsh_mset_size(m);
	/*
	** A short page is the end of the matches, so the total is known
	** exactly, whatever Xapian estimated (its estimates with collapse and
	** value ranges can be far off on small sets).
	*/
	if (req->limit > 0 && n < req->limit && (n > 0 || req->offset == 0)) {
		res->estimate = res->lower = res->upper = req->offset + n;
	}
	if (n > 0) {
		res->hits = calloc(n, sizeof *res->hits);
		if (!res->hits) {
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		article_init(&res->hits[i].art);
		res->n_hits = i + 1;
		rc = search_fill_hit(m, i, req, &res->hits[i], err);
		if (rc == GZ_OK)
			rc = search_check_time(p, err);
		if (rc != GZ_OK)
			goto out;
	}

	for (k = 0; k < SEARCH_N_FACETS; k++) {
		struct search_facet_ctx ctx = { &res->facet[k], 0 };

		if (!(req->facets & SEARCH_FACET_BIT(k)))
			continue;
		rc = xsh_enquire_facet(e, facet_idx[k],
				       k == SEARCH_FACET_YEAR ||
				       k == SEARCH_FACET_MONTH ?
				       SEARCH_MAX_DATE_FACET_VALUES :
				       req->facet_limit,
				       search_facet_add, &ctx, err);
		if (rc == GZ_OK && ctx.failed)
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		if (rc != GZ_OK)
			goto out;
		if (k == SEARCH_FACET_YEAR || k == SEARCH_FACET_MONTH)
			qsort(res->facet[k].values, res->facet[k].n,
			      sizeof *res->facet[k].values, search_facet_cmp);
		res->facets |= SEARCH_FACET_BIT(k);
	}

	rc = xsh_db_revision(s->db, &res->revision, err);
	if (rc == GZ_OK && p->q && *p->q && !(req->like && *req->like) &&
	    res->estimate < SEARCH_SUGGEST_BELOW)
		search_suggest(s, req, p, res);
out:
	xsh_mset_free(m);
	xsh_enquire_free(e);
	return rc;
}

/*
** Validate req's bounds and dates, then search, reopening first and
** rerunning once when the index changes underneath (search.h).
*/
int search_run(struct searcher *s, const struct search_request *req,
	       struct search_result *res, char *err)
{
	struct search_plan plan;
	char lang[16] = "";
	char *qtext = NULL;
	double t0 = search_now_ms();
	int attempt, rc = GZ_OK;

	search_result_init(res);
	memset(&plan, 0, sizeof plan);
	if (req->cmd != SEARCH_CMD_SEARCH)
		return gz_fail(err, GZ_EINVAL, "not a search request");
	if (req->limit > GZ_MAX_LIMIT)
		return gz_fail(err, GZ_ETOOBIG, "limit: %u is more than %d",
			       req->limit, GZ_MAX_LIMIT);
	if (req->offset > GZ_MAX_RESULTS ||
	    req->offset + req->limit > GZ_MAX_RESULTS)
		return gz_fail(err, GZ_ETOOBIG,
			       "offset+limit: %u is more than %d",
			       req->offset > GZ_MAX_RESULTS ? req->offset :
			       req->offset + req->limit, GZ_MAX_RESULTS);
	if (req->snippet_len > GZ_MAX_SNIPPET_LEN)
		return gz_fail(err, GZ_ETOOBIG, "snippet: %u is more than %d",
			       req->snippet_len, GZ_MAX_SNIPPET_LEN);
	if (req->facet_limit > GZ_MAX_FACET_VALUES)
		return gz_fail(err, GZ_ETOOBIG, "facet_limit: %u is more than %d",
			       req->facet_limit, GZ_MAX_FACET_VALUES);
	if (req->facet_limit == 0)
		return gz_fail(err, GZ_EINVAL, "facet_limit: must be at least 1");
	if (req->facets & ~((1u << SEARCH_N_FACETS) - 1))
		return gz_fail(err, GZ_EINVAL, "facets: unknown facet");
	if (req->sort != SEARCH_SORT_RELEVANCE && req->sort != SEARCH_SORT_DATE &&
	    req->sort != SEARCH_SORT_DATE_DESC)
		return gz_fail(err, GZ_EINVAL, "sort: unknown order");
	if (req->from && *req->from &&
	    search_date_bound(req->from, 0, plan.lo, sizeof plan.lo) < 0)
		return gz_fail(err, GZ_EINVAL,
			       "from: not a date (YYYY[-MM[-DD]]): %.64s",
			       req->from);
	if (req->to && *req->to &&
	    search_date_bound(req->to, 1, plan.hi, sizeof plan.hi) < 0)
		return gz_fail(err, GZ_EINVAL,
			       "to: not a date (YYYY[-MM[-DD]]): %.64s", req->to);
	if (req->q) {
		qtext = search_rewrite_query(req->q, lang, sizeof lang);
		if (!qtext)
			return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	plan.q = qtext;
	plan.qp = search_qp_for(s, req->lang && *req->lang ? req->lang : lang);
	plan.limit_ms = s->time_limit_ms;
	if (s->time_limit_ms)
		plan.deadline = t0 + s->time_limit_ms;

	for (attempt = 0; attempt < 2; attempt++) {
		rc = xsh_db_reopen(s->db, NULL, err);
		if (rc != GZ_OK)
			break;
		rc = search_once(s, req, &plan, res, err);
		if (rc != GZ_EAGAIN)
			break;
		search_result_free(res);
	}
	free(qtext);
	if (rc != GZ_OK) {
		search_result_free(res);
		return rc;
	}
	res->took_ms = search_now_ms() - t0;
	return GZ_OK;
}
