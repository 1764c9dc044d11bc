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
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "article.h"
#include "files.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "hash.h"
#include "log.h"
#include "proto.h"
#include "schema.h"
#include "record.h"
#include "search.h"
#include "snippet.h"
#include "xsh.h"

/* One query parser and the language it stems in. */
struct search_qp {
	char lang[16];     /* language code ("en") */
	struct xsh_qp *qp; /* parser over the searcher's db */
	int spell;         /* 1 once given the remote shards' spelling copy */
};

/* One database of a stub file. */
struct search_shard {
	char *name;        /* "host:port", or the path as the stub gives it */
	char *path;        /* local: the path (relative to the stub's
			      * directory resolved); NULL for remote */
	char *host;        /* remote: the host; NULL for local */
	unsigned port;     /* remote: the port */
	struct xsh_db *db; /* open handle; NULL while down */
	int down_rc;       /* while down: the code of the failure */
	double retry_at;   /* while down: monotonic ms of the next attempt */
};

/* A stemmer for snippets and the stems it made (one per hit language). */
struct search_stemmer {
	char lang[16];               /* language code as the hit gives it */
	struct xsh_stemmer *st;      /* Xapian's stemmer for it */
	struct snippet_cache *cache; /* word -> stem */
};

/*
** A docid-indexed table of one value slot, built from the value stream on
** first use and kept for one index generation (searcher.gen).  Searches
** that must look at every match (exact facet counts, date order) read
** these instead of having the matcher fetch values document by document:
** a facet count is then one array load per match.  Strings get small
** codes (1 + index in names; 0: no value); dates are kept as numbers.
*/
struct search_table {
	unsigned long gen; /* generation built at; 0: not built */
	int failed;        /* 1: cannot be used at gen (see search_table_for) */
	size_t n;          /* entries: the last docid + 1 */
	uint32_t *code;    /* [n] value codes (string tables) */
	uint64_t *key;     /* [n] YYYYMMDDhhmmss as a number (date table) */
	char **names;      /* n_names distinct values, by code - 1 */
	size_t n_names;    /* number of distinct values */
	size_t cap_names;  /* allocated names */
	unsigned *count;   /* [n_names + 1] scratch counts, kept all zero
			    * between searches */
	uint64_t *best;    /* [n_names + 1] scratch (collapse table: a
			    * cluster's best date in a date-sorted search) */
	uint32_t *touched; /* [n_names] scratch: codes counted */
	size_t n_touched;  /* codes in touched */
	uint32_t *hash;    /* while building: open-addressed codes */
	size_t hash_cap;   /* slots of hash (a power of two) */
	uint32_t *first;   /* collapse table, once asked for: [n_names + 2],
			    * code c's documents are members[first[c] ..
			    * first[c + 1]) (search_table_members) */
	unsigned *members; /* docids by code, ascending within each */
};

/* The tables a searcher keeps: the four facets, collapse keys, dates. */
enum {
	SEARCH_TABLE_COLLAPSE = SEARCH_N_FACETS,
	SEARCH_TABLE_DATE,
	SEARCH_N_TABLES
};

/* Past this many docids the tables are not built (memory: about 4 bytes
** per docid per facet table, 8 for dates) and the matcher counts. */
#define SEARCH_TABLE_MAX_DOCS (4u * 1024 * 1024)

/* Title words a spelling copy of remote shards takes at most, and how
** long after a failed copy the next is tried (search_spelling). */
#define SEARCH_SPELL_MAX_WORDS 2000000u
#define SEARCH_SPELL_RETRY_MS  60000.0

/* Matches a search folds by the collapse table at most (search_fold);
** past that, Xapian's collapse finds the page. */
#define SEARCH_FOLD_MAX 20000u

/* Documents of a folded page's clusters counted exactly at most
** (search_fold_copies); past that, the copies seen are a lower bound. */
#define SEARCH_COPIES_MAX 5000u

struct searcher {
	struct xsh_db *db; /* the index, read-only (over shards: all
				  * shards that are up, combined) */
	struct search_qp qps[SEARCH_MAX_LANGS]; /* [0] is SEARCH_LANG's */
	unsigned n_qps;                         /* parsers made so far */
	unsigned time_limit_ms; /* per-search time limit, 0 = none */
	char *path;             /* index path, for the commit time */
	char *stub;             /* the stub file read, NULL when not sharded */
	struct search_shard *shards; /* n_shards of them (stub order) */
	size_t n_shards;             /* 0: not sharded */
	struct searcher_options opt; /* shard options */
	struct search_stemmer stems[SEARCH_MAX_LANGS]; /* snippet stemmers */
	unsigned n_stems;  /* stemmers made so far */
	unsigned long gen; /* index generation: changes whenever the
			    * database handle may show other documents */
	struct search_table tables[SEARCH_N_TABLES]; /* see search_table */
	struct record_reader *rec; /* decompresses stored records */
	char *spell_dir;       /* the remote shards' spelling copy (a private
				* temporary database; search_spelling), or NULL */
	double spell_retry_at; /* after a failed copy: monotonic ms of the
				* next attempt */
};

/* Parser flags for queries typed by a person. */
#define SEARCH_QP_FLAGS                                                       \
	(XSH_QP_BOOLEAN | XSH_QP_PHRASE | XSH_QP_LOVEHATE | XSH_QP_WILDCARD | \
	 XSH_QP_NEAR | XSH_QP_BOOLEAN_ANY_CASE | XSH_QP_CJK |                 \
	 XSH_QP_DEFAULT_AND)

/* Bytes of a "YYYYMMDDhhmmss" bound with its NUL. */
#define SEARCH_BOUND_LEN 15

/* Terms at most that a date range is written with (else a value range). */
#define SEARCH_DATE_TERMS 64

static void search_table_clear(struct search_table *t);
static int search_date_terms(const char *lo, const char *hi,
			     struct xsh_query **out, char *err);
static int search_date_term_list(const char *lo, const char *hi,
				 char buf[SEARCH_DATE_TERMS][16]);

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
	for (i = 0; i < res->n_missing; i++)
		free(res->missing[i]);
	free(res->missing);
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
	if (*lo && *hi) {
		/* Whole days: the index's date terms instead (xsh_range_fn). */
		char buf[SEARCH_DATE_TERMS][16];
		int i, k = search_date_term_list(lo, hi, buf);
		size_t len = 0;

		for (i = 0; i < k; i++)
			len += strlen(buf[i]) + 1;
		if (k >= 0 && len + 1 <= n) {
			lo[0] = hi[0] = '\0';
			for (i = 0, len = 0; i < k; i++)
				len += (size_t)snprintf(lo + len, n - len,
							"%s%s", i ? " " : "",
							buf[i]);
			return 2;
		}
	}
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
		{ "author", PFX_AUTHOR,
		  XSH_BP_LOWERCASE | XSH_BP_NONEXCLUSIVE },
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
		rc = xsh_qp_set_max_expansion(qp, GZ_MAX_WILDCARD_EXPANSION,
					      err);
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

/* Remove the spelling copy of remote shards, if any, and forget it. */
static void search_spelling_drop(struct searcher *s)
{
	if (!s->spell_dir)
		return;
	files_rm_tree(s->spell_dir);
	free(s->spell_dir);
	s->spell_dir = NULL;
}

/* Free the parsers (they hold references to s->db). */
static void search_qps_free(struct searcher *s)
{
	unsigned i;

	for (i = 0; i < SEARCH_MAX_LANGS; i++) {
		xsh_qp_free(s->qps[i].qp);
		s->qps[i].qp = NULL;
		s->qps[i].spell = 0;
	}
	s->n_qps = 0;
	/* The copy is of the shards the parsers were made over. */
	search_spelling_drop(s);
}

/* Make the default language's parser over s->db. */
static int search_qps_init(struct searcher *s, char *err)
{
	char xerr[GZ_ERRLEN];
	int rc;

	rc = search_qp_new(s, SEARCH_LANG, &s->qps[0].qp, xerr);
	if (rc != GZ_OK)
		return gz_fail(err, rc, "query parser: %s", xerr);
	memcpy(s->qps[0].lang, SEARCH_LANG, sizeof SEARCH_LANG);
	s->n_qps = 1;
	return GZ_OK;
}

/* ------------------------------------------------------------- shards */

/* Free n shards and the array. */
static void search_shards_free(struct search_shard *sh, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		xsh_db_close(sh[i].db);
		free(sh[i].name);
		free(sh[i].path);
		free(sh[i].host);
	}
	free(sh);
}

/*
** The stub file of path: path itself when it is a regular file, or
** path/XAPIANDB when path is a directory holding one and no database of
** its own.  Malloc'd into *out (NULL when path is a plain database).
** GZ_OK or GZ_ENOMEM.
*/
static int search_find_stub(const char *path, char **out)
{
	static const char *own[] = { "iamglass", "iamchert", "iamhoney" };
	char file[4096];
	struct stat st;
	size_t i;

	*out = NULL;
	if (stat(path, &st) != 0)
		return GZ_OK; /* let the open report it */
	if (S_ISREG(st.st_mode)) {
		*out = strdup(path);
		return *out ? GZ_OK : GZ_ENOMEM;
	}
	if (!S_ISDIR(st.st_mode))
		return GZ_OK;
	for (i = 0; i < sizeof own / sizeof own[0]; i++)
		if (snprintf(file, sizeof file, "%s/%s", path, own[i]) <
			    (int)sizeof file &&
		    stat(file, &st) == 0)
			return GZ_OK;
	if (snprintf(file, sizeof file, "%s/XAPIANDB", path) >=
		    (int)sizeof file ||
	    stat(file, &st) != 0 || !S_ISREG(st.st_mode))
		return GZ_OK;
	*out = strdup(file);
	return *out ? GZ_OK : GZ_ENOMEM;
}

/*
** Parse the value of a "remote" stub line, "HOST:PORT" or "[V6]:PORT",
** into sh->host and sh->port.  0, -1 when malformed, -2 out of memory.
*/
static int search_parse_remote(const char *v, struct search_shard *sh)
{
	const char *colon = strrchr(v, ':'), *h = v, *p;
	size_t hl;
	unsigned long port = 0;

	if (!colon || colon == v || !colon[1])
		return -1;
	hl = (size_t)(colon - v);
	if (v[0] == '[') {
		if (colon[-1] != ']' || hl < 3)
			return -1;
		h = v + 1;
		hl -= 2;
	}
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return -1;
	}
	if (port == 0)
		return -1;
	sh->host = strndup(h, hl);
	if (!sh->host)
		return -2;
	sh->port = (unsigned)port;
	return 0;
}

/*
** Read the stub file at stub into *out (n in *n): one shard per database
** line, as Xapian reads stubs (see search.h).  GZ_OK; GZ_EOPEN when the
** file cannot be read, is empty of databases or too large; GZ_EINVAL for
** a line this reader does not take; GZ_ETOOBIG past SEARCH_MAX_SHARDS.
*/
static int search_read_stub(const char *stub, struct search_shard **out,
			    size_t *n, char *err)
{
	struct search_shard *sh = NULL, *nsh;
	char line[4096 + 64], dir[4096];
	const char *slash = strrchr(stub, '/');
	size_t cap = 0, count = 0, lineno = 0, len;
	FILE *f;
	int rc = GZ_OK;

	*out = NULL;
	*n = 0;
	if (slash && (size_t)(slash - stub) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - stub), stub);
	else
		snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
	if (slash == stub)
		snprintf(dir, sizeof dir, "/");
	f = fopen(stub, "r");
	if (!f)
		return gz_fail(err, GZ_EOPEN, "stub %s: %s", stub,
			       strerror(errno));
	while (rc == GZ_OK && fgets(line, sizeof line, f)) {
		char *type = line, *v;
		struct search_shard *cur;

		lineno++;
		len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			rc = gz_fail(err, GZ_EINVAL,
				     "stub %s:%zu: line too long", stub,
				     lineno);
			break;
		}
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!*line || *line == '#')
			continue;
		v = strchr(line, ' ');
		if (!v) {
			rc = gz_fail(err, GZ_EINVAL,
				     "stub %s:%zu: no database "
				     "named",
				     stub, lineno);
			break;
		}
		*v++ = '\0';
		if (count >= SEARCH_MAX_SHARDS) {
			rc = gz_fail(err, GZ_ETOOBIG,
				     "stub %s: more than %d "
				     "databases",
				     stub, SEARCH_MAX_SHARDS);
			break;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			nsh = realloc(sh, cap * sizeof *sh);
			if (!nsh) {
				rc = gz_fail(err, GZ_ENOMEM, "out of memory");
				break;
			}
			sh = nsh;
		}
		cur = &sh[count];
		memset(cur, 0, sizeof *cur);
		count++;
		cur->name = strdup(v);
		if (!cur->name) {
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		} else if (strcmp(type, "auto") == 0 ||
			   strcmp(type, "glass") == 0 ||
			   strcmp(type, "chert") == 0 ||
			   strcmp(type, "honey") == 0) {
			if (!*v)
				rc = gz_fail(err, GZ_EINVAL,
					     "stub %s:%zu: empty "
					     "path",
					     stub, lineno);
			else if (*v == '/')
				cur->path = strdup(v);
			else if ((cur->path = malloc(strlen(dir) + strlen(v) +
						     2)) != NULL)
				snprintf(cur->path, strlen(dir) + strlen(v) + 2,
					 "%s/%s", dir, v);
			if (rc == GZ_OK && !cur->path)
				rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		} else if (strcmp(type, "remote") == 0 && *v == ':') {
			rc = gz_fail(err, GZ_EINVAL,
				     "stub %s:%zu: remote "
				     "programs are not supported; serve the "
				     "shard with xapian-tcpsrv and write "
				     "\"remote HOST:PORT\"",
				     stub, lineno);
		} else if (strcmp(type, "remote") == 0) {
			int r = search_parse_remote(v, cur);

			if (r == -2)
				rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			else if (r < 0)
				rc = gz_fail(err, GZ_EINVAL,
					     "stub %s:%zu: remote "
					     "%.200s: expected HOST:PORT",
					     stub, lineno, v);
		} else {
			rc = gz_fail(err, GZ_EINVAL,
				     "stub %s:%zu: unknown "
				     "database type '%.40s'",
				     stub, lineno, type);
		}
	}
	if (rc == GZ_OK && ferror(f))
		rc = gz_fail(err, GZ_EOPEN, "stub %s: %s", stub,
			     strerror(errno));
	if (rc == GZ_OK && ftell(f) > (long)SEARCH_MAX_STUB_BYTES)
		rc = gz_fail(err, GZ_EOPEN, "stub %s: larger than %u bytes",
			     stub, SEARCH_MAX_STUB_BYTES);
	fclose(f);
	if (rc == GZ_OK && count == 0)
		rc = gz_fail(err, GZ_EOPEN, "stub %s: lists no database", stub);
	if (rc != GZ_OK) {
		search_shards_free(sh, count);
		return rc;
	}
	*out = sh;
	*n = count;
	return GZ_OK;
}

/* The shard timeout in force. */
static unsigned search_shard_timeout(const struct searcher *s)
{
	return s->opt.shard_timeout_ms ? s->opt.shard_timeout_ms
				       : SEARCH_SHARD_TIMEOUT_MS;
}

/*
** (Re)open shard sh: close its handle if any, open it again; on failure
** it is down until SEARCH_SHARD_RETRY_MS from now.  Returns the code.
*/
static int search_shard_connect(struct searcher *s, struct search_shard *sh,
				char *err)
{
	int rc;

	xsh_db_close(sh->db);
	sh->db = NULL;
	if (sh->host)
		rc = xsh_db_open_remote(sh->host, sh->port,
					search_shard_timeout(s), &sh->db, err);
	else
		rc = xsh_db_open(sh->path, &sh->db, err);
	if (rc != GZ_OK) {
		sh->db = NULL;
		sh->down_rc = rc;
		sh->retry_at = gz_mono_ms() + SEARCH_SHARD_RETRY_MS;
	}
	return rc;
}

/*
** Make s->db the combination of the shards that are up, with fresh
** parsers over it.  When none is up: the first down shard's code, with a
** message, and s->db stays NULL.
*/
static int search_combine_shards(struct searcher *s, char *err)
{
	struct search_shard *first_down = NULL;
	size_t i, up = 0;
	int rc;

	search_qps_free(s);
	xsh_db_release(s->db); /* the shards' handles still hold them */
	s->db = NULL;
	s->gen++;
	rc = xsh_db_new_combined(&s->db, err);
	for (i = 0; rc == GZ_OK && i < s->n_shards; i++) {
		if (!s->shards[i].db) {
			if (!first_down)
				first_down = &s->shards[i];
			continue;
		}
		rc = xsh_db_add_db(s->db, s->shards[i].db, err);
		up++;
	}
	if (rc == GZ_OK && up == 0)
		rc = gz_fail(err,
			     first_down->down_rc == GZ_ETIMEOUT ? GZ_ETIMEOUT
				     : first_down->down_rc == GZ_EOPEN
				     ? GZ_EOPEN
				     : GZ_ENETWORK,
			     "no shard of %s could be opened (%s: %s)", s->stub,
			     first_down->name, gz_errname(first_down->down_rc));
	if (rc == GZ_OK)
		rc = search_qps_init(s, err);
	if (rc != GZ_OK) {
		search_qps_free(s);
		xsh_db_release(s->db);
		s->db = NULL;
	}
	return rc;
}

/*
** Open every shard again (after a failure, or on reload) and combine those
** that open.  GZ_OK when at least one did.
*/
static int search_shards_reconnect(struct searcher *s, char *err)
{
	size_t i;

	search_qps_free(s);
	xsh_db_release(s->db);
	s->db = NULL;
	for (i = 0; i < s->n_shards; i++)
		search_shard_connect(s, &s->shards[i], NULL);
	return search_combine_shards(s, err);
}

/*
** Before a search: try the down shards whose retry time has come, and
** combine again when one came back (or when nothing is combined).
*/
static int search_shards_check(struct searcher *s, char *err)
{
	double now = gz_mono_ms();
	size_t i;
	int back = 0;

	for (i = 0; i < s->n_shards; i++) {
		struct search_shard *sh = &s->shards[i];

		if (sh->db || now < sh->retry_at)
			continue;
		if (search_shard_connect(s, sh, NULL) == GZ_OK)
			back = 1;
	}
	if (back || !s->db)
		return search_combine_shards(s, err);
	return GZ_OK;
}

/* The number of shards that are down, and the first of them in *first. */
static size_t search_shards_down(const struct searcher *s,
				 const struct search_shard **first)
{
	size_t i, n = 0;

	*first = NULL;
	for (i = 0; i < s->n_shards; i++)
		if (!s->shards[i].db) {
			if (!*first)
				*first = &s->shards[i];
			n++;
		}
	return n;
}

/* Name the down shards in res (partial, missing).  GZ_OK or GZ_ENOMEM. */
static int search_note_missing(const struct searcher *s,
			       struct search_result *res, char *err)
{
	const struct search_shard *first;
	size_t i, n = search_shards_down(s, &first);

	if (n == 0)
		return GZ_OK;
	res->missing = calloc(n, sizeof *res->missing);
	if (!res->missing)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	res->partial = 1;
	for (i = 0; i < s->n_shards; i++) {
		if (s->shards[i].db)
			continue;
		res->missing[res->n_missing] = strdup(s->shards[i].name);
		if (!res->missing[res->n_missing])
			return gz_fail(err, GZ_ENOMEM, "out of memory");
		res->n_missing++;
	}
	return GZ_OK;
}

/*
** The failure of a search because of down shards (policy "fail"): the
** first one's code (network or timeout) and a message naming them.
*/
static int search_shards_fail(const struct searcher *s, char *err)
{
	const struct search_shard *first;
	size_t n = search_shards_down(s, &first);
	int code = first && first->down_rc == GZ_ETIMEOUT ? GZ_ETIMEOUT
							  : GZ_ENETWORK;

	return gz_fail(err, code, "shard %s %s%s", first ? first->name : "?",
		       code == GZ_ETIMEOUT ? "did not answer in time"
					   : "is unreachable",
		       n > 1 ? " (and others)" : "");
}

/*
** The revision searched: the database's own, or 0 over shards when Xapian
** has none to give (a remote shard alone: its backend does not say).
*/
static int search_revision(struct searcher *s, unsigned long *out, char *err)
{
	int rc = xsh_db_revision(s->db, out, s->n_shards ? NULL : err);

	if (rc != GZ_OK && s->n_shards && rc != GZ_ENETWORK &&
	    rc != GZ_ETIMEOUT) {
		*out = 0;
		return GZ_OK;
	}
	if (rc != GZ_OK && s->n_shards)
		return gz_fail(err, rc, "revision: shard unreachable");
	return rc;
}

/*
** Move s->db to the newest revision; a new generation when it may have
** moved (or on failure), so that tables of the old one are rebuilt.
*/
static int search_reopen(struct searcher *s, char *err)
{
	int changed = 0, rc = xsh_db_reopen(s->db, &changed, err);

	if (rc != GZ_OK || changed)
		s->gen++;
	return rc;
}

/* ------------------------------------------------------------ opening */

/*
** Open s->path as its layout says: with s->stub, the shards it lists;
** otherwise one database and its query parsers.  GZ_OK or the error; what
** was opened is s's either way (searcher_close frees it).
*/
static int search_open_layout(struct searcher *s, char *err)
{
	char xerr[GZ_ERRLEN];
	int rc;

	if (s->stub) {
		rc = search_read_stub(s->stub, &s->shards, &s->n_shards, err);
		return rc ? rc : search_shards_reconnect(s, err);
	}
	rc = xsh_db_open(s->path, &s->db, xerr);
	if (rc != GZ_OK)
		return gz_fail(err, rc, "cannot open index %s: %s", s->path,
			       xerr);
	return search_qps_init(s, err);
}

int searcher_open_with(const char *path, const struct searcher_options *opt,
		       struct searcher **out, char *err)
{
	struct searcher *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s)
		s->path = strdup(path);
	if (!s || !s->path || record_reader_new(&s->rec) != GZ_OK) {
		if (s)
			free(s->path);
		free(s);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	if (opt)
		s->opt = *opt;
	s->gen = 1;
	if (search_find_stub(path, &s->stub) != GZ_OK) {
		searcher_close(s);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	rc = search_open_layout(s, err);
	if (rc != GZ_OK) {
		searcher_close(s);
		return rc;
	}
	*out = s;
	return GZ_OK;
}

/* searcher_open_with without options (search.h). */
int searcher_open(const char *path, struct searcher **out, char *err)
{
	return searcher_open_with(path, NULL, out, err);
}

/* Set the shard options (search.h). */
void searcher_set_options(struct searcher *s,
			  const struct searcher_options *opt)
{
	s->opt = *opt;
}

/*
** The index at s->path changed layout (a sharded index merged into one
** database by `compact --merge`, or the reverse): close what s has open
** and open the path afresh as it is now, taking *stub (may be NULL).
*/
static int search_relayout(struct searcher *s, char *stub, char *err)
{
	search_qps_free(s);
	s->gen++; /* tables of the old layout are stale */
	if (s->stub)
		xsh_db_release(s->db);
	else
		xsh_db_close(s->db);
	s->db = NULL;
	search_shards_free(s->shards, s->n_shards);
	s->shards = NULL;
	s->n_shards = 0;
	free(s->stub);
	s->stub = stub;
	return search_open_layout(s, err);
}

/* Re-read the stub and reopen every shard (search.h). */
int searcher_reload(struct searcher *s, char *err)
{
	struct search_shard *sh = NULL, *old;
	size_t n = 0, old_n;
	char *stub = NULL;
	int rc;

	if (search_find_stub(s->path, &stub) != GZ_OK)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	if (!stub != !s->stub)
		return search_relayout(s, stub, err);
	free(stub);
	if (!s->stub)
		return search_reopen(s, err);
	rc = search_read_stub(s->stub, &sh, &n, err);
	if (rc != GZ_OK)
		return rc;
	search_qps_free(s);
	xsh_db_release(s->db);
	s->db = NULL;
	old = s->shards;
	old_n = s->n_shards;
	s->shards = sh;
	s->n_shards = n;
	search_shards_free(old, old_n);
	return search_shards_reconnect(s, err);
}

/* Shards searched (search.h). */
size_t searcher_shard_count(const struct searcher *s)
{
	return s->n_shards;
}

/* Free the parsers, then the database they point into (search.h). */
void searcher_close(struct searcher *s)
{
	if (!s)
		return;
	search_qps_free(s);
	for (unsigned i = 0; i < s->n_stems; i++) {
		xsh_stemmer_free(s->stems[i].st);
		snippet_cache_free(s->stems[i].cache);
	}
	for (unsigned i = 0; i < SEARCH_N_TABLES; i++)
		search_table_clear(&s->tables[i]);
	if (s->stub)
		xsh_db_release(s->db); /* the shards close their own */
	else
		xsh_db_close(s->db);
	search_shards_free(s->shards, s->n_shards);
	record_reader_free(s->rec);
	free(s->stub);
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

	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		memset(st, 0, sizeof *st);
		rc = s->n_shards ? search_shards_check(s, err) : GZ_OK;
		if (rc == GZ_OK)
			rc = search_reopen(s, err);
		if (rc == GZ_OK)
			rc = xsh_db_doccount(s->db, &st->documents, err);
		if (rc == GZ_OK)
			rc = search_revision(s, &st->revision, err);
		if (rc == GZ_OK)
			rc = xsh_db_get_metadata(s->db, META_LAST_RUN, &meta,
						 &len, err);
		if (rc == GZ_OK)
			break;
		free(meta);
		meta = NULL;
		if (!s->n_shards || attempt > 0 ||
		    (rc != GZ_ENETWORK && rc != GZ_ETIMEOUT))
			return rc;
		rc = search_shards_reconnect(s, err);
		if (rc != GZ_OK)
			return rc;
	}
	if (meta && len > 0)
		st->last_run = meta;
	else
		free(meta);
	st->modified = search_commit_time(s->path);
	for (size_t i = 0; i < s->n_shards; i++) {
		long long m;

		if (!s->shards[i].path)
			continue;
		m = search_commit_time(s->shards[i].path);
		if (m > st->modified)
			st->modified = m;
	}
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

/* Whether byte c can start a word of a query: a letter, digit or UTF-8. */
static int search_word_start(char c)
{
	return isalnum((unsigned char)c) || (unsigned char)c >= 0x80;
}

/* Whether the n bytes at t are a NEAR or ADJ operator, in any case, with
** or without a window ("NEAR/5"). */
static int search_is_near_op(const char *t, size_t n)
{
	size_t k = n >= 4 && strncasecmp(t, "near", 4) == 0 ? 4
		: n >= 3 && strncasecmp(t, "adj", 3) == 0   ? 3
							    : 0;

	if (k == 0 || k == n)
		return k != 0;
	if (t[k] != '/' || k + 1 == n)
		return 0;
	for (k++; k < n; k++)
		if (t[k] < '0' || t[k] > '9')
			return 0;
	return 1;
}

/*
** Copy q into out (room for 2 * strlen(q) + 1 bytes), with a ',' before
** each word next to a NEAR or ADJ chain outside quotes: the word before
** the operator and the word after its right operand.  Xapian 1.4's parser
** reads words separated only by spaces as one group, and a group cannot
** be an operand of NEAR: "city diplomacy NEAR cities" would fail and be
** parsed again as plain words ("near" among them).  The comma ends the
** group and is otherwise ignored.
*/
static void search_near_breaks(const char *q, char *out)
{
	enum { MAX_TOKENS = 1024 };
	size_t start[MAX_TOKENS], len[MAX_TOKENS], n = 0, i, k;
	unsigned char brk[MAX_TOKENS], quoted[MAX_TOKENS];
	int inq = 0;

	for (i = 0; q[i] && n < MAX_TOKENS;) {
		if (strchr(" \t\r\n", q[i])) {
			i++;
			continue;
		}
		start[n] = i;
		quoted[n] = (unsigned char)(inq || q[i] == '"');
		for (; q[i] && !strchr(" \t\r\n", q[i]); i++)
			if (q[i] == '"')
				inq = !inq;
		len[n] = i - start[n];
		brk[n++] = 0;
	}
	for (k = 0; k < n; k++) {
		if (quoted[k] || !search_is_near_op(q + start[k], len[k]))
			continue;
		if (k > 0)
			brk[k - 1] = 1;
		if (k + 2 < n)
			brk[k + 2] = 1;
	}
	for (i = 0, k = 0; q[i]; i++) {
		while (k < n && start[k] < i)
			k++;
		if (k < n && start[k] == i && brk[k] && !quoted[k] &&
		    search_word_start(q[i]) &&
		    !search_is_near_op(q + i, len[k]))
			*out++ = ',';
		*out++ = q[i];
	}
	*out = '\0';
}

/*
** Take the commas search_near_breaks put before words out of s again (in
** place), for text shown to people: a ',' at the start or after white
** space, before a word.
*/
static void search_drop_breaks(char *s)
{
	char *o = s;
	size_t i;

	for (i = 0; s[i]; i++)
		if (!(s[i] == ',' && (i == 0 || strchr(" \t\r\n", s[i - 1])) &&
		      search_word_start(s[i + 1])))
			*o++ = s[i];
	*o = '\0';
}

/* Whether q[0..n) is a date of one period: YYYY, YYYY-MM or YYYY-MM-DD. */
static int search_one_period(const char *q, size_t n)
{
	size_t i;

	if (n != 4 && n != 7 && n != 10)
		return 0;
	for (i = 0; i < n; i++)
		if (i == 4 || i == 7 ? q[i] != '-'
				     : !isdigit((unsigned char)q[i]))
			return 0;
	return 1;
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
	** quote may gain its closing one; a date of one period doubles. */
	out = malloc(2 * n + 2);
	if (!out)
		return NULL;
	o = out;
	while (i < n) {
		if (search_term_start(q, i) &&
		    strncmp(q + i, "site:", 5) == 0 && q[i + 5] &&
		    !strchr(" \t\r\n)", q[i + 5])) {
			end = search_value_end(q, i + 5, &quoted);
			vs = i + 5 + (size_t)quoted;
			vl = end - vs -
				(quoted && q[end - 1] == '"' && end - 1 >= vs
					 ? 1
					 : 0);
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
		if (search_term_start(q, i) &&
		    strncmp(q + i, "date:", 5) == 0) {
			end = search_value_end(q, i + 5, &quoted);
			vl = end - (i + 5);
			memcpy(o, q + i, end - i);
			o += end - i;
			if (!quoted && search_one_period(q + i + 5, vl)) {
				*o++ = '.';
				*o++ = '.';
				memcpy(o, q + i + 5, vl);
				o += vl;
			}
			i = end;
			continue;
		}
		if (search_term_start(q, i) &&
		    strncmp(q + i, "lang:", 5) == 0) {
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
	o = malloc(2 * strlen(out) + 1);
	if (o)
		search_near_breaks(out, o);
	free(out);
	return o;
}

/* ------------------------------------------------------------- running */

/* What search_run works out once for all attempts at a request. */
struct search_plan {
	const char *q;               /* query text after search_rewrite_query */
	struct xsh_qp *qp;           /* parser in the query's language */
	char lo[SEARCH_BOUND_LEN];   /* from bound, "" when open */
	char hi[SEARCH_BOUND_LEN];   /* to bound, "" when open */
	double deadline;             /* monotonic ms; 0 = no time limit */
	unsigned limit_ms;           /* the time limit, for the message */
	struct snippet_terms *terms; /* the query's words for snippets
				      * (owned by search_once); NULL: snippets
				      * by Xapian's MSet::snippet */
};

/* GZ_ETIMEOUT with a message when the plan's deadline has passed. */
static int search_check_time(const struct search_plan *p, char *err)
{
	if (p->deadline > 0 && gz_mono_ms() > p->deadline)
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
		if (rc == GZ_ENOTFOUND &&
		    strlen(like) + 1 < GZ_MAX_TERM_BYTES) {
			snprintf(term, sizeof term, "%s%s", PFX_URL, like);
			rc = xsh_db_find_term(s->db, term, &docid, NULL);
		}
		if (rc == GZ_ENOTFOUND)
			return gz_fail(err, rc,
				       "like: no article has URL %.160s", like);
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
	if (record_article(s->rec, data, len, &a, NULL) == GZ_OK &&
	    article_key_url(&a))
		schema_idterm(article_key_url(&a), term, sizeof term);
	article_free(&a);
	free(data);

	rc = s->n_shards
		? xsh_db_more_like_exact(s->db, docid, SEARCH_LIKE_TERMS, &mlt,
					 err)
		: xsh_db_more_like(s->db, docid, SEARCH_LIKE_TERMS, &mlt, err);
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
				     "query: %u terms, more than %d", nterms,
				     GZ_MAX_QUERY_TERMS);
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
		t = NULL;
		if (*lo && *hi)
			rc = search_date_terms(lo, hi, &t, err);
		if (rc == GZ_OK && !t)
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
	return lang &&
		(strncmp(lang, "zh", 2) == 0 || strncmp(lang, "ja", 2) == 0 ||
		 strncmp(lang, "ko", 2) == 0);
}

/* snippet_lang.lower: Xapian's Unicode lower-casing. */
static long search_lower(void *ctx, const char *w, size_t len, char *out,
			 size_t n)
{
	(void)ctx;
	if (xsh_utf8_lower(w, len, out, n) != GZ_OK)
		return -1;
	return (long)strlen(out);
}

/* snippet_lang.stem: the hit language's stemmer. */
static long search_stem(void *ctx, const char *w, size_t len, char *out,
			size_t n)
{
	return xsh_stem(ctx, w, len, out, n);
}

/*
** True when lang's stemmer never changes a word's first letter if it is
** ASCII: the Snowball stemmers that only take suffixes off (and mark
** letters they put back).  Irish, Indonesian and others take prefixes
** off, so they are not listed; a language not listed is stemmed word by
** word as before.
*/
static int search_stem_keeps_initial(const char *lang)
{
	static const char *const keeps[] = {
		"en",      "english", "porter",     "fr",        "french",
		"de",      "german",  "es",         "spanish",   "it",
		"italian", "pt",      "portuguese", "da",        "danish",
		"no",      "nb",      "nn",         "norwegian", "sv",
		"swedish", "fi",      "finnish",    "ru",        "russian"
	};
	size_t n = strcspn(lang, "-_"), i;

	for (i = 0; i < sizeof keeps / sizeof keeps[0]; i++)
		if (strlen(keeps[i]) == n &&
		    strncasecmp(lang, keeps[i], n) == 0)
			return 1;
	return 0;
}

/*
** The snippet stemmer for lang (made on first use; borrowed from s), or
** NULL when out of memory or past SEARCH_MAX_LANGS languages.
*/
static struct search_stemmer *search_stemmer_for(struct searcher *s,
						 const char *lang)
{
	struct search_stemmer *ss;
	size_t n = strlen(lang);
	unsigned i;

	if (n >= sizeof ss->lang)
		n = sizeof ss->lang - 1;
	for (i = 0; i < s->n_stems; i++)
		if (strncmp(s->stems[i].lang, lang, n) == 0 &&
		    s->stems[i].lang[n] == '\0')
			return &s->stems[i];
	if (s->n_stems >= SEARCH_MAX_LANGS)
		return NULL;
	ss = &s->stems[s->n_stems];
	if (xsh_stemmer_new(lang, &ss->st, NULL) != GZ_OK)
		return NULL;
	if (snippet_cache_new(&ss->cache) != GZ_OK) {
		xsh_stemmer_free(ss->st);
		ss->st = NULL;
		return NULL;
	}
	memcpy(ss->lang, lang, n);
	ss->lang[n] = '\0';
	s->n_stems++;
	return ss;
}

/* xsh_term_fn: collect a query term for snippets (ENOMEM: none kept). */
static void search_term_add(void *ctx, const char *term, size_t len)
{
	struct search_plan *p = ctx;

	if (p->terms && snippet_terms_add(p->terms, term, len) != GZ_OK) {
		snippet_terms_free(p->terms);
		p->terms = NULL;
	}
}

/*
** Add to t the word prefix of every wildcard "word*" of the query text q
** outside fields, lower-cased: what the snippet marks for it.  Returns
** how many were added (0: the caller falls back to Xapian's snippets),
** or -1 (out of memory).
*/
static int search_wildcard_prefixes(const char *q, struct snippet_terms *t)
{
	char low[SNIPPET_MAX_WORD * 4 + 8];
	const char *p = q, *b, *e, *colon;
	int n = 0;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == '(' || *p == ')')
			p++;
		b = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '(' && *p != ')')
			p++;
		while (b < p && *b == ',') /* search_near_breaks' */
			b++;
		if (p - b < 2 || p[-1] != '*')
			continue;
		e = p - 1;
		if (*b == '-')
			continue; /* excluded: in no hit */
		if (*b == '+')
			b++;
		if (b >= e)
			continue;
		/* A field's wildcard (title:diplom*) marks no body words, as
		** a field's terms do not. */
		colon = memchr(b, ':', (size_t)(e - b));
		if (colon || *b == '"' || (size_t)(e - b) > SNIPPET_MAX_WORD ||
		    xsh_utf8_lower(b, (size_t)(e - b), low, sizeof low) !=
			    GZ_OK)
			continue;
		if (snippet_terms_add_prefix(t, low, strlen(low)) != GZ_OK)
			return -1;
		n++;
	}
	return n;
}

/*
** Make hit's snippet: a window of the body around the matches; failing
** that, of the description; failing that, the start of whichever exists.
** With the query's terms (p->terms), by snippet_make; otherwise (a
** wildcard query whose patterns could not be read) by Xapian's
** MSet::snippet, and with remote set (remote
** shards) without its background model, which would look every word up
** over the network.
*/
static int search_snippet(struct searcher *s, const struct search_plan *p,
			  const struct xsh_mset *m, struct search_hit *hit,
			  size_t length, int remote, char *err)
{
	int (*snip)(const struct xsh_mset *, const char *, size_t, size_t,
		    const char *, const char *, const char *, int, char **,
		    char *) =
		remote ? xsh_mset_snippet_matches : xsh_mset_snippet;
	const char *lang = hit->art.language ? hit->art.language : SEARCH_LANG;
	const char *texts[2] = { hit->art.text, hit->art.description };
	int flags = search_lang_cjk(lang) ? XSH_SNIPPET_CJK : 0;
	struct search_stemmer *ss = NULL;
	struct snippet_lang sl = { search_lower, NULL, NULL, 0 };
	char *out = NULL;
	int i, pass, rc;

	if (p->terms && (ss = search_stemmer_for(s, lang)) != NULL) {
		sl.stem = search_stem;
		sl.ctx = ss->st;
		sl.keeps_initial = search_stem_keeps_initial(lang);
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 2; i++) {
			if (!texts[i] || !*texts[i])
				continue;
			if (ss)
				rc = snippet_make(
					p->terms, texts[i], strlen(texts[i]),
					length, &sl, ss->cache,
					pass == 0 ? SNIPPET_EMPTY_WITHOUT_MATCH
						  : 0,
					&out);
			else
				rc = snip(
					m, texts[i], strlen(texts[i]), length,
					lang, "<mark>", "</mark>",
					flags |
						(pass == 0
							 ? XSH_SNIPPET_EMPTY_WITHOUT_MATCH
							 : 0),
					&out, err);
			if (rc != GZ_OK)
				return ss ? gz_fail(err, rc, "snippet: %s",
						    gz_strerror(rc))
					  : rc;
			if (pass == 1 || *out) {
				hit->snippet = out;
				return GZ_OK;
			}
			free(out);
			out = NULL;
		}
	}
	return GZ_OK;
}

/* ------------------------------------------------------ stored records */

/*
** The stored record of a hit is the article JSON article_to_json wrote.
** Parsing it with jansson builds a tree of the whole record, the body
** text included, for every hit: about a third of a search's time.  The
** reader below takes the same fields in one pass over the bytes.  It only
** accepts what article_to_json writes (an object of string or null
** members and one array of strings, no member twice, valid UTF-8, no
** \u0000); on anything else it gives up and search_fill_hit falls back to
** article_from_json, so a record reads the same either way.
*/

/* A cursor over the record's bytes. */
struct rec_cur {
	const char *p;   /* next byte */
	const char *end; /* one past the last byte */
};

/* Skip JSON white space. */
static void rec_ws(struct rec_cur *c)
{
	while (c->p < c->end &&
	       (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' ||
		*c->p == '\r'))
		c->p++;
}

/* Four hex digits at s into *out.  0, or -1. */
static int rec_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char ch = s[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Append code point cp as UTF-8 at *o, advancing it. */
static void rec_put_utf8(char **o, unsigned cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80) {
		*u++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*u++ = (unsigned char)(0xc0 | (cp >> 6));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xe0 | (cp >> 12));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*u++ = (unsigned char)(0xf0 | (cp >> 18));
		*u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = (char *)u;
}

/*
** Read the JSON string at c (its opening quote) and, when out is not
** NULL, store its decoded value in *out (malloc'd, the caller's; it is
** never longer than the escaped form).  0, or -1 on anything this reader
** does not accept (or out of memory).
*/
static int rec_string(struct rec_cur *c, char **out)
{
	const char *s, *q;
	char *v = NULL, *o = NULL;
	unsigned cp, lo;

	if (c->p >= c->end || *c->p != '"')
		return -1;
	s = ++c->p;
	/* Find the closing quote, stepping over escapes. */
	for (q = s; q < c->end && *q != '"'; q++) {
		if (*q == '\\') {
			q++;
			if (q >= c->end)
				return -1;
		} else if ((unsigned char)*q < 0x20) {
			return -1;
		}
	}
	if (q >= c->end || !proto_utf8_valid(s, (size_t)(q - s)))
		return -1;
	c->p = q + 1;
	if (!out)
		return 0;
	v = malloc((size_t)(q - s) + 1);
	if (!v)
		return -1;
	o = v;
	while (s < q) {
		const char *bs = memchr(s, '\\', (size_t)(q - s));
		size_t run = bs ? (size_t)(bs - s) : (size_t)(q - s);

		memcpy(o, s, run);
		o += run;
		s += run;
		if (s >= q)
			break;
		s++; /* the backslash */
		switch (*s++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (q - s < 4 || rec_hex4(s, &cp) < 0 || cp == 0)
				goto bad;
			s += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (q - s < 6 || s[0] != '\\' || s[1] != 'u' ||
				    rec_hex4(s + 2, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					goto bad;
				s += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
					(lo - 0xdc00);
			}
			rec_put_utf8(&o, cp);
			break;
		default: goto bad;
		}
	}
	*o = '\0';
	*out = v;
	return 0;
bad:
	free(v);
	return -1;
}

/*
** Read the record (len bytes of article JSON) into a, which the caller
** has initialised; the body text only when want_text.  0, or -1 when the
** record is not in the form article_to_json writes (a is then emptied
** again and the caller falls back to article_from_json).
*/
static int search_read_record(const char *json, size_t len, int want_text,
			      struct article *a)
{
	/* the string members first (indices into article_string_fields) */
	enum {
		F_AUTHORS = ARTICLE_N_STRING_FIELDS,
		F_PUBLISHED,
		F_MODIFIED,
		F_N
	};
	static const char *const other_keys[] = { "authors", "published",
						  "modified" };
	const struct article_field *fields = article_string_fields;
	struct rec_cur c = { json, json + len };
	unsigned seen = 0;
	char *key = NULL, *val = NULL;
	size_t f;

	rec_ws(&c);
	if (c.p >= c.end || *c.p++ != '{')
		return -1;
	rec_ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
		goto end;
	}
	for (;;) {
		rec_ws(&c);
		if (rec_string(&c, &key) < 0)
			goto bad;
		for (f = 0; f < F_N; f++)
			if (strcmp(key,
				   f < F_AUTHORS
					   ? fields[f].key
					   : other_keys[f - F_AUTHORS]) == 0)
				break;
		free(key);
		key = NULL;
		if (f < F_N) {
			if (seen & (1u << f))
				goto bad; /* jansson refuses duplicates */
			seen |= 1u << f;
		}
		rec_ws(&c);
		if (c.p >= c.end || *c.p++ != ':')
			goto bad;
		rec_ws(&c);
		if (c.p >= c.end)
			goto bad;
		if (c.end - c.p >= 4 && memcmp(c.p, "null", 4) == 0) {
			c.p += 4;
		} else if (f == F_AUTHORS) {
			if (*c.p++ != '[')
				goto bad;
			rec_ws(&c);
			if (c.p < c.end && *c.p == ']') {
				c.p++;
			} else {
				for (;;) {
					rec_ws(&c);
					if (rec_string(&c, &val) < 0 ||
					    article_add_author(a, val) != GZ_OK)
						goto bad;
					free(val);
					val = NULL;
					rec_ws(&c);
					if (c.p < c.end && *c.p == ',') {
						c.p++;
						continue;
					}
					if (c.p < c.end && *c.p == ']') {
						c.p++;
						break;
					}
					goto bad;
				}
			}
		} else if (f == F_PUBLISHED || f == F_MODIFIED) {
			struct gz_time *t =
				f == F_PUBLISHED ? &a->published : &a->modified;

			if (rec_string(&c, &val) < 0)
				goto bad;
			if (val[0] && gz_time_parse_iso(val, t) != GZ_OK)
				goto bad;
			free(val);
			val = NULL;
		} else if (f < F_N) {
			if (rec_string(&c,
				       fields[f].off ==
							       offsetof(struct
									article,
									text) &&
						       !want_text
					       ? NULL
					       : (char **)((char *)a +
							   fields[f].off)) < 0)
				goto bad;
		} else if (rec_string(&c, NULL) < 0) {
			goto bad; /* an unknown member: only strings here */
		}
		rec_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}') {
			c.p++;
			break;
		}
		goto bad;
	}
end:
	rec_ws(&c);
	if (c.p == c.end)
		return 0;
bad:
	free(key);
	free(val);
	article_free(a);
	article_init(a);
	return -1;
}

/* True when s searches a remote shard. */
static int search_has_remote(const struct searcher *s)
{
	size_t i;

	for (i = 0; i < s->n_shards; i++)
		if (s->shards[i].host && s->shards[i].db)
			return 1;
	return 0;
}

/* Fill hit from hit i of m (remote: see search_snippet). */
static int search_fill_hit(struct searcher *s, const struct search_plan *p,
			   const struct xsh_mset *m, unsigned i,
			   const struct search_request *req, int remote,
			   struct search_hit *hit, char *err)
{
	struct xsh_hit xh;
	char *data = NULL, *owned = NULL;
	const char *json = NULL;
	size_t len = 0, jlen = 0;
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
	rc = record_json(s->rec, data, len, &json, &jlen, &owned);
	if (rc == GZ_ENOMEM) {
		free(data);
		return gz_fail(err, rc, "out of memory");
	}
	if (rc != GZ_OK ||
	    (search_read_record(json, jlen, req->snippet_len > 0, &hit->art) <
		     0 &&
	     article_from_json(json, jlen, &hit->art, NULL) != GZ_OK)) {
		/* A damaged record still counts as a hit, shown bare. */
		article_free(&hit->art);
		article_init(&hit->art);
	}
	free(owned);
	free(data);
	gz_time_iso(&hit->art.published, hit->published);
	if (req->snippet_len > 0) {
		rc = search_snippet(s, p, m, hit, req->snippet_len, remote,
				    err);
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
** Xapian 1.4 reads no spelling table over the network, so over remote
** shards searchd makes its own: a private temporary database with a
** spelling entry for each title word of the remote shards that are up
** (what the indexer puts in their spelling tables, with document counts
** as frequencies), made when a suggestion is first wanted and kept until
** the shards are combined again (a reconnection, SIGHUP).  qp is then
** given it.  A copy that cannot be made is tried again a minute later;
** meanwhile suggestions come from local shards alone.
*/
static void search_spelling(struct searcher *s, struct xsh_qp *qp)
{
	struct xsh_db *from[SEARCH_MAX_SHARDS];
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	unsigned i, n = 0, words = 0;
	struct search_qp *sq = NULL;
	double t0;

	for (i = 0; i < s->n_qps; i++)
		if (s->qps[i].qp == qp)
			sq = &s->qps[i];
	if (!sq || sq->spell || !search_has_remote(s))
		return;
	if (!s->spell_dir) {
		t0 = gz_mono_ms();
		if (t0 < s->spell_retry_at)
			return;
		for (i = 0; i < s->n_shards && n < SEARCH_MAX_SHARDS; i++)
			if (s->shards[i].host && s->shards[i].db)
				from[n++] = s->shards[i].db;
		snprintf(dir, sizeof dir, "%s/gazette-spell-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir) || !(s->spell_dir = strdup(dir))) {
			s->spell_retry_at = t0 + SEARCH_SPELL_RETRY_MS;
			return;
		}
		if (xsh_spelling_copy(from, n, PFX_TITLE, dir,
				      SEARCH_SPELL_MAX_WORDS, &words,
				      NULL) != GZ_OK) {
			search_spelling_drop(s);
			s->spell_retry_at = t0 + SEARCH_SPELL_RETRY_MS;
			return;
		}
		log_info("msg=\"spelling copy\" shards=%u words=%u ms=%.0f", n,
			 words, gz_mono_ms() - t0);
	}
	if (xsh_qp_add_spelling_db(qp, s->spell_dir, NULL) == GZ_OK)
		sq->spell = 1;
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

	search_spelling(s, p->qp);
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
		search_drop_breaks(corr);
		res->suggestion = corr;
		corr = NULL;
	}
	xsh_mset_free(m);
	xsh_enquire_free(e);
	xsh_query_free(q);
	free(corr);
}

/* ------------------------------------------------ tables and whole passes */

/* Free what t holds and zero it (search_table). */
static void search_table_clear(struct search_table *t)
{
	size_t i;

	for (i = 0; i < t->n_names; i++)
		free(t->names[i]);
	free(t->names);
	free(t->code);
	free(t->key);
	free(t->count);
	free(t->best);
	free(t->touched);
	free(t->hash);
	free(t->first);
	free(t->members);
	memset(t, 0, sizeof *t);
}

/*
** Give the string table t its lists of documents by code (t->first,
** t->members), made on first use in a generation.  GZ_OK or GZ_ENOMEM.
*/
static int search_table_members(struct search_table *t)
{
	uint32_t *at;
	size_t c, d;

	if (t->first)
		return GZ_OK;
	t->first = calloc(t->n_names + 2, sizeof *t->first);
	at = malloc((t->n_names + 2) * sizeof *at);
	if (!t->first || !at)
		goto nomem;
	for (d = 0; d < t->n; d++)
		if (t->code[d])
			t->first[t->code[d] + 1]++;
	for (c = 1; c < t->n_names + 2; c++)
		t->first[c] += t->first[c - 1];
	t->members =
		malloc((t->first[t->n_names + 1] + 1) * sizeof *t->members);
	if (!t->members)
		goto nomem;
	memcpy(at, t->first, (t->n_names + 2) * sizeof *at);
	for (d = 0; d < t->n; d++)
		if (t->code[d])
			t->members[at[t->code[d]]++] = (unsigned)d;
	free(at);
	return GZ_OK;
nomem:
	free(at);
	free(t->first);
	t->first = NULL;
	return GZ_ENOMEM;
}

/* The value slot table i is made from. */
static unsigned search_table_slot(int i)
{
	if (i < SEARCH_N_FACETS)
		return search_facets[i].slot;
	return i == SEARCH_TABLE_COLLAPSE ? SLOT_COLLAPSE : SLOT_PUBLISHED;
}

/* Slot of value (len bytes) in t's hash of size cap (a power of two). */
static size_t search_table_home(const char *v, size_t len, size_t cap)
{
	return (size_t)(gz_hash64(v, len, 0) & (uint64_t)(cap - 1));
}

/*
** The code of the len bytes at v in t (1 + index in names), the value
** added when new; 0 when out of memory.
*/
static uint32_t search_table_intern(struct search_table *t, const char *v,
				    size_t len)
{
	size_t i, mask;
	uint32_t c;
	char *copy;

	if ((t->n_names + 1) * 2 > t->hash_cap) {
		size_t cap = t->hash_cap ? t->hash_cap * 2 : 256;
		uint32_t *nh = calloc(cap, sizeof *nh);

		if (!nh)
			return 0;
		for (i = 0; i < t->n_names; i++) {
			size_t j = search_table_home(t->names[i],
						     strlen(t->names[i]), cap);

			while (nh[j])
				j = (j + 1) & (cap - 1);
			nh[j] = (uint32_t)(i + 1);
		}
		free(t->hash);
		t->hash = nh;
		t->hash_cap = cap;
	}
	mask = t->hash_cap - 1;
	for (i = search_table_home(v, len, t->hash_cap); (c = t->hash[i]) != 0;
	     i = (i + 1) & mask)
		if (strncmp(t->names[c - 1], v, len) == 0 &&
		    t->names[c - 1][len] == '\0')
			return c;
	if (t->n_names == t->cap_names) {
		size_t cap = t->cap_names ? t->cap_names * 2 : 64;
		char **nn = realloc(t->names, cap * sizeof *nn);

		if (!nn)
			return 0;
		t->names = nn;
		t->cap_names = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return 0;
	memcpy(copy, v, len);
	copy[len] = '\0';
	t->names[t->n_names++] = copy;
	t->hash[i] = (uint32_t)t->n_names;
	return (uint32_t)t->n_names;
}

/* Building a table (xsh_value_fn context). */
struct search_build {
	struct search_table *t; /* the table */
	int date;               /* 1: dates into t->key, else codes */
	int odd;                /* 1: a value the table cannot hold */
};

/* xsh_value_fn: enter one document's value into the table being built. */
static int search_table_add(void *ctx, unsigned docid, const char *v,
			    size_t len)
{
	struct search_build *b = ctx;
	struct search_table *t = b->t;
	uint64_t k = 0;
	size_t i;

	if (docid >= t->n || len == 0 || memchr(v, '\0', len)) {
		b->odd = 1;
		return GZ_EINVAL;
	}
	if (!b->date) {
		t->code[docid] = search_table_intern(t, v, len);
		return t->code[docid] ? GZ_OK : GZ_ENOMEM;
	}
	/* "YYYYMMDDhhmmss": as a number it sorts as the string does. */
	if (len != 14) {
		b->odd = 1;
		return GZ_EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9') {
			b->odd = 1;
			return GZ_EINVAL;
		}
		k = k * 10 + (uint64_t)(v[i] - '0');
	}
	t->key[docid] = k ? k : 1; /* 0 is "no date" */
	return GZ_OK;
}

/*
** Table i of s at the current generation in *out, built when missing;
** *out is NULL when it cannot be had (a database too large for tables,
** shards, a value it cannot hold): the caller then lets the matcher do
** the work.  GZ_OK, or the index's error (or GZ_ENOMEM).
*/
static int search_table_for(struct searcher *s, int i,
			    struct search_table **out, char *err)
{
	struct search_table *t = &s->tables[i];
	struct search_build b = { t, i == SEARCH_TABLE_DATE, 0 };
	unsigned last = 0;
	int rc;

	*out = NULL;
	if (t->gen == s->gen) {
		if (!t->failed)
			*out = t;
		return GZ_OK;
	}
	search_table_clear(t);
	if (s->n_shards) {
		/* Docids of combined shards are not the shards' own. */
		t->gen = s->gen;
		t->failed = 1;
		return GZ_OK;
	}
	rc = xsh_db_lastdocid(s->db, &last, err);
	if (rc != GZ_OK)
		return rc;
	t->gen = s->gen;
	if (last >= SEARCH_TABLE_MAX_DOCS) {
		t->failed = 1;
		return GZ_OK;
	}
	t->n = (size_t)last + 1;
	if (b.date)
		t->key = calloc(t->n, sizeof *t->key);
	else
		t->code = calloc(t->n, sizeof *t->code);
	if (!t->key && !t->code)
		rc = gz_fail(err, GZ_ENOMEM, "out of memory");
	if (rc == GZ_OK)
		rc = xsh_db_values(s->db, search_table_slot(i),
				   search_table_add, &b, err);
	if (rc != GZ_OK && b.odd) {
		search_table_clear(t);
		t->gen = s->gen;
		t->failed = 1;
		return GZ_OK;
	}
	if (rc == GZ_ENOMEM)
		rc = gz_fail(err, GZ_ENOMEM, "out of memory");
	if (rc == GZ_OK && !b.date) {
		free(t->hash);
		t->hash = NULL;
		t->hash_cap = 0;
		t->count = calloc(t->n_names + 1, sizeof *t->count);
		t->touched = calloc(t->n_names + 1, sizeof *t->touched);
		if (i == SEARCH_TABLE_COLLAPSE)
			t->best = calloc(t->n_names + 1, sizeof *t->best);
		if (!t->count || !t->touched ||
		    (i == SEARCH_TABLE_COLLAPSE && !t->best))
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	if (rc != GZ_OK) {
		search_table_clear(t); /* tried again at the next search */
		return rc;
	}
	*out = t;
	return GZ_OK;
}

/*
** One pass over every match of a search (xsh_db_match_docids) that counts
** what the reply must state exactly: the facets, the number of matches
** and of hits once near-duplicates are folded, each cluster's size, and
** for date order the docids and each cluster's best date.
*/
struct search_pass {
	const struct search_plan *p;
	struct search_table *ft[SEARCH_N_FACETS]; /* facets counted, or NULL */
	struct search_table *clu;  /* collapse keys; NULL: no collapse */
	struct search_table *date; /* dates, for date order; else NULL */
	int desc;                  /* date order is newest first */
	size_t n;                  /* docids below this are in every table */
	unsigned matches;          /* documents matched */
	unsigned groups;           /* hits once collapsed (= matches without) */
	unsigned *docs;            /* date order: every match, ascending */
	size_t n_docs, cap_docs;   /* entries and room in docs */
	int unsorted;              /* docs came out of docid order */
};

/* The date of docid in "larger is better" form for the pass's order. */
static uint64_t search_pass_key(const struct search_pass *ps, unsigned docid)
{
	uint64_t k = ps->date->key[docid];

	return ps->desc ? k : UINT64_MAX - k;
}

/* xsh_docids_fn: count a batch of matches. */
static int search_pass_add(void *ctx, const unsigned *ids, size_t n)
{
	struct search_pass *ps = ctx;
	struct search_table *clu = ps->clu;
	size_t i;
	int k;

	if (ps->date && ps->n_docs + n > ps->cap_docs) {
		size_t cap = ps->cap_docs ? ps->cap_docs : 4096;
		unsigned *nd;

		while (cap < ps->n_docs + n)
			cap *= 2;
		nd = realloc(ps->docs, cap * sizeof *nd);
		if (!nd)
			return GZ_ENOMEM;
		ps->docs = nd;
		ps->cap_docs = cap;
	}
	for (i = 0; i < n; i++) {
		unsigned d = ids[i];

		if (d >= ps->n)
			return GZ_EAGAIN; /* not of the tables' revision */
		ps->matches++;
		for (k = 0; k < SEARCH_N_FACETS; k++)
			if (ps->ft[k])
				ps->ft[k]->count[ps->ft[k]->code[d]]++;
		if (clu && clu->code[d]) {
			uint32_t c = clu->code[d];

			if (clu->count[c]++ == 0) {
				ps->groups++;
				clu->touched[clu->n_touched++] = c;
				if (ps->date)
					clu->best[c] = search_pass_key(ps, d);
			} else if (ps->date) {
				uint64_t key = search_pass_key(ps, d);

				if (key > clu->best[c])
					clu->best[c] = key;
			}
		} else {
			ps->groups++;
		}
		if (ps->date) {
			if (ps->n_docs && ps->docs[ps->n_docs - 1] >= d)
				ps->unsorted = 1;
			ps->docs[ps->n_docs++] = d;
		}
	}
	if (ps->p->deadline > 0 && gz_mono_ms() > ps->p->deadline)
		return GZ_ETIMEOUT;
	return GZ_OK;
}

/*
** Zero the scratch counts of the codes t->touched lists, and empty the
** list (t->best needs no clearing: it is set when a code is first
** counted).
*/
static void search_table_untouch(struct search_table *t)
{
	size_t i;

	for (i = 0; i < t->n_touched; i++)
		t->count[t->touched[i]] = 0;
	t->n_touched = 0;
}

/* Leave the tables' scratch counts at zero again and free the pass. */
static void search_pass_done(struct search_pass *ps)
{
	int k;

	for (k = 0; k < SEARCH_N_FACETS; k++)
		if (ps->ft[k])
			memset(ps->ft[k]->count, 0,
			       (ps->ft[k]->n_names + 1) *
				       sizeof *ps->ft[k]->count);
	if (ps->clu)
		search_table_untouch(ps->clu);
	free(ps->docs);
	memset(ps, 0, sizeof *ps);
}

/*
** rc of xsh_db_match_docids over search_pass_add, with err saying why
** where the callback stopped the pass.
*/
static int search_pass_error(const struct search_plan *p, int rc, char *err)
{
	if (rc == GZ_ETIMEOUT)
		return search_check_time(p, err) != GZ_OK
			? GZ_ETIMEOUT
			: gz_fail(err, GZ_ETIMEOUT,
				  "search ran past the time limit of %u ms",
				  p->limit_ms);
	if (rc == GZ_ENOMEM)
		return gz_fail(err, rc, "out of memory");
	if (rc == GZ_EAGAIN)
		return gz_fail(err, rc, "index changed during the search");
	return rc;
}

/* Near-duplicates folded into the hit docid (exact, from the pass). */
static unsigned search_pass_folded(const struct search_pass *ps, unsigned docid)
{
	uint32_t c;

	if (!ps->clu || docid >= ps->n)
		return 0;
	c = ps->clu->code[docid];
	return c && ps->clu->count[c] > 0 ? ps->clu->count[c] - 1 : 0;
}

/* qsort comparator for unsigned docids. */
static int search_docid_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* Sift heap[i] down a min-heap of n keys. */
static void search_heap_down(uint64_t *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint64_t t;

		if (l < n && heap[l] < heap[m])
			m = l;
		if (l + 1 < n && heap[l + 1] < heap[m])
			m = l + 1;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/* Offer key to the min-heap of the k largest keys (n of them so far). */
static void search_heap_offer(uint64_t *heap, size_t *n, size_t k, uint64_t key)
{
	size_t i;

	if (*n < k) {
		i = (*n)++;
		heap[i] = key;
		while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
			uint64_t t = heap[i];

			heap[i] = heap[(i - 1) / 2];
			heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (key > heap[0]) {
		heap[0] = key;
		search_heap_down(heap, *n, 0);
	}
}

/*
** For a date-ordered page ending at hit k: the matches the matcher needs
** to see to give exactly the page it would give over all of them, into
** *out (malloc'd, ascending, *n of them).  Those are every match of every
** cluster (and every unclustered match) whose best date is at least that
** of the k-th best cluster: ties at that date included, so that
** relevance still breaks them, and whole clusters, so that each is
** represented by the match the matcher would pick.  *out is NULL when
** the subset would be every match.  GZ_OK or GZ_ENOMEM.
*/
static int search_date_subset(struct search_pass *ps, size_t k, unsigned **out,
			      size_t *n, char *err)
{
	struct search_table *clu = ps->clu;
	uint64_t *heap, t;
	unsigned *sub;
	size_t i, nh = 0, m = 0;

	*out = NULL;
	*n = 0;
	if (k == 0 || ps->groups <= k)
		return GZ_OK;
	if (ps->unsorted)
		qsort(ps->docs, ps->n_docs, sizeof *ps->docs, search_docid_cmp);
	heap = malloc(k * sizeof *heap);
	if (!heap)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	if (clu)
		for (i = 0; i < clu->n_touched; i++)
			search_heap_offer(heap, &nh, k,
					  clu->best[clu->touched[i]]);
	for (i = 0; i < ps->n_docs; i++)
		if (!clu || !clu->code[ps->docs[i]])
			search_heap_offer(heap, &nh, k,
					  search_pass_key(ps, ps->docs[i]));
	t = heap[0];
	free(heap);
	sub = malloc(ps->n_docs * sizeof *sub);
	if (!sub)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	for (i = 0; i < ps->n_docs; i++) {
		unsigned d = ps->docs[i];
		uint32_t c = clu ? clu->code[d] : 0;

		if ((c ? clu->best[c] : search_pass_key(ps, d)) >= t)
			sub[m++] = d;
	}
	if (m >= ps->n_docs) {
		free(sub);
		return GZ_OK;
	}
	*out = sub;
	*n = m;
	return GZ_OK;
}

/* A facet value being ranked. */
struct search_fv {
	const char *name; /* the value (the table's) */
	unsigned count;   /* matches with it */
};

/* qsort comparator: most frequent first, then in byte order (Xapian's). */
static int search_fv_cmp(const void *a, const void *b)
{
	const struct search_fv *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
** Fill f with the counts the pass left in facet table t: at most max
** values, most frequent first (ties in byte order), as Xapian's
** ValueCountMatchSpy ranks them.  GZ_OK or GZ_ENOMEM.
*/
static int search_facet_from_table(const struct search_table *t, unsigned max,
				   struct search_facet *f, char *err)
{
	struct search_fv *v = malloc((t->n_names + 1) * sizeof *v);
	size_t i, n = 0;

	if (!v)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	for (i = 1; i <= t->n_names; i++)
		if (t->count[i]) {
			v[n].name = t->names[i - 1];
			v[n].count = t->count[i];
			n++;
		}
	if (n > 1)
		qsort(v, n, sizeof *v, search_fv_cmp);
	if (n > max)
		n = max;
	f->values = n ? calloc(n, sizeof *f->values) : NULL;
	for (i = 0; f->values && i < n; i++) {
		f->values[i].value = strdup(v[i].name);
		if (!f->values[i].value)
			break;
		f->values[i].count = v[i].count;
		f->n = i + 1;
	}
	free(v);
	if (f->n < n)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	return GZ_OK;
}

/*
** A range of whole days lo..hi ("YYYYMMDD000000" .. "YYYYMMDD235959") as
** the index's date terms (schema.h: whole years as Y, whole months as M,
** the other days as D) into buf, which the matcher intersects far faster
** than it reads a value per candidate -- and Xapian 1.4 counts a value
** range as a matched subquery, scaling every filtered hit's percentage
** up.  Returns the number of terms (0: an empty range), or -1 when the
** range is not of whole days or needs more than SEARCH_DATE_TERMS terms.
*/
static int search_date_term_list(const char *lo, const char *hi,
				 char buf[SEARCH_DATE_TERMS][16])
{
	int y, m, d, y2, m2, d2, n = 0;
	long end;

	if (strlen(lo) != 14 || strlen(hi) != 14 ||
	    strcmp(lo + 8, "000000") != 0 || strcmp(hi + 8, "235959") != 0 ||
	    sscanf(lo, "%4d%2d%2d", &y, &m, &d) != 3 ||
	    sscanf(hi, "%4d%2d%2d", &y2, &m2, &d2) != 3)
		return -1;
	end = y2 * 10000L + m2 * 100L + d2;
	while (y * 10000L + m * 100L + d <= end) {
		if (n == SEARCH_DATE_TERMS)
			return -1;
		if (m == 1 && d == 1 && y * 10000L + 1231 <= end) {
			snprintf(buf[n++], 16, PFX_YEAR "%04d", y);
			y++;
			continue;
		}
		if (d == 1 &&
		    y * 10000L + m * 100L + gz_time_days_in_month(y, m) <=
			    end) {
			snprintf(buf[n++], 16, PFX_MONTH "%04d%02d", y, m);
			d = 32; /* on to the next month below */
		} else {
			snprintf(buf[n++], 16, PFX_DAY "%04d%02d%02d", y, m, d);
			d++;
		}
		if (d > gz_time_days_in_month(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	return n;
}

/*
** The request's from..to as a query of date terms in *out
** (search_date_term_list); *out is NULL (and GZ_OK) when the range is to
** be a value range.
*/
static int search_date_terms(const char *lo, const char *hi,
			     struct xsh_query **out, char *err)
{
	char buf[SEARCH_DATE_TERMS][16];
	const char *terms[SEARCH_DATE_TERMS];
	int i, n = search_date_term_list(lo, hi, buf);

	*out = NULL;
	if (n < 0)
		return GZ_OK;
	for (i = 0; i < n; i++)
		terms[i] = buf[i];
	return xsh_query_any_term(terms, (size_t)n, out, err);
}

/* Score hit i of m on the scale of the mset scale (search_once). */
static int search_rescore(const struct xsh_mset *m, unsigned i,
			  const struct xsh_mset *scale, struct search_hit *hit,
			  char *err)
{
	struct xsh_hit xh;
	int rc = xsh_mset_hit(m, i, &xh, err);

	if (rc == GZ_OK)
		rc = xsh_mset_percent(scale, xh.weight, &hit->score, err);
	return rc;
}

/*
** Whether req can be served by a pass over every match (search_pass)
** instead of the matcher looking at every match itself: it asks for
** facets or date order.  Gets the tables into ps; *use is 0 when some
** table cannot be had (shards, a huge index), and the matcher does it all.
*/
static int search_pass_prepare(struct searcher *s,
			       const struct search_request *req,
			       const struct search_plan *p,
			       struct search_pass *ps, int *use, char *err)
{
	int date = req->sort == SEARCH_SORT_DATE ||
		req->sort == SEARCH_SORT_DATE_DESC;
	int k, rc = GZ_OK;

	memset(ps, 0, sizeof *ps);
	*use = 0;
	if (s->n_shards || (!req->facets && !date))
		return GZ_OK;
	ps->p = p;
	ps->desc = req->sort == SEARCH_SORT_DATE_DESC;
	ps->n = SIZE_MAX;
	for (k = 0; k < SEARCH_N_TABLES; k++) {
		struct search_table *t = NULL;

		if (k < SEARCH_N_FACETS && !(req->facets & SEARCH_FACET_BIT(k)))
			continue;
		if (k == SEARCH_TABLE_COLLAPSE && !req->collapse)
			continue;
		if (k == SEARCH_TABLE_DATE && !date)
			continue;
		rc = search_table_for(s, k, &t, err);
		if (rc != GZ_OK || !t) {
			memset(ps, 0, sizeof *ps);
			return rc;
		}
		if (t->n < ps->n)
			ps->n = t->n;
		if (k < SEARCH_N_FACETS)
			ps->ft[k] = t;
		else if (k == SEARCH_TABLE_COLLAPSE)
			ps->clu = t;
		else
			ps->date = t;
	}
	*use = 1;
	return GZ_OK;
}

/*
** Collapse by the collapse table, for a search by relevance (with a pass
** for facets or without).  Xapian's collapse reads each candidate's key
** from the value stream on disk as the matcher goes (about 80 scattered
** block reads for a common word over 100,000 articles, a sixth of the
** search); instead the matcher finds the best `fetch` matches
** uncollapsed, and the first match of each cluster in that order becomes
** the cluster's hit.  That is the page Xapian's collapse gives (the best
** match of each key, ties in docid order, the same weights and
** percentages), found with one array load and one probe of a small hash
** table per match looked at.  When the matches fetched hold too few
** clusters, the caller fetches more.
*/
struct search_fold {
	unsigned *keep;   /* mset indexes of the hits, in rank order */
	unsigned *folded; /* copies folded into each hit (seen in the mset) */
	unsigned n_keep;  /* hits */
	unsigned seen;    /* matches looked at: the mset's size */
	unsigned *ids;    /* [seen] their docids, ascending once sorted */
	int odd;          /* a docid past the table: fall back to Xapian */
};

/*
** Matches to fetch first for want hits: more where clusters are big.
** Enough for want clusters of the mean size; the copies of the page's
** hits are counted afterwards (search_fold_copies), not from these.
*/
static unsigned search_fold_first(const struct search_table *t, unsigned want)
{
	double per = t->n_names ? (double)t->n / (double)t->n_names : 1.0;
	double n = (double)want * (per < 1.0 ? 1.0 : per) + 10.0;

	return n > SEARCH_FOLD_MAX ? SEARCH_FOLD_MAX : (unsigned)n;
}

/* Free what f holds. */
static void search_fold_done(struct search_fold *f)
{
	free(f->keep);
	free(f->folded);
	free(f->ids);
	memset(f, 0, sizeof *f);
}

/* A cluster met by search_fold_mset: its code (0: a free slot), its hit. */
struct search_fold_slot {
	uint32_t code;
	unsigned hit;
};

/*
** Fold m by t into f (emptied first).  The clusters met are marked in a
** table of the fold's own, so t is only read: a pass's counts in t stay as
** they are.  GZ_OK, or the shim's error.
*/
static int search_fold_mset(const struct search_table *t,
			    const struct xsh_mset *m, struct search_fold *f,
			    char *err)
{
	unsigned n = xsh_mset_size(m), i;
	struct search_fold_slot *met;
	size_t cap = 16, j;
	int rc = GZ_OK;

	search_fold_done(f);
	f->seen = n;
	if (n == 0)
		return GZ_OK;
	while (cap < 2 * (size_t)n)
		cap *= 2;
	f->keep = malloc(n * sizeof *f->keep);
	f->folded = calloc(n, sizeof *f->folded);
	f->ids = malloc(n * sizeof *f->ids);
	met = calloc(cap, sizeof *met);
	if (!f->keep || !f->folded || !f->ids || !met) {
		free(met);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	for (i = 0; i < n && rc == GZ_OK; i++) {
		struct xsh_hit h;
		uint32_t c;

		rc = xsh_mset_hit(m, i, &h, err);
		if (rc != GZ_OK)
			break;
		f->ids[i] = h.docid;
		if (h.docid >= t->n) {
			f->odd = 1;
			break;
		}
		c = t->code[h.docid];
		if (c) {
			j = (c * 2654435761u) & (cap - 1);
			while (met[j].code && met[j].code != c)
				j = (j + 1) & (cap - 1);
			if (met[j].code) {
				f->folded[met[j].hit]++;
				continue;
			}
			met[j].code = c;
			met[j].hit = f->n_keep;
		}
		f->keep[f->n_keep++] = i;
	}
	free(met);
	return rc;
}

/*
** The cluster code of hit h when the fold may have missed copies of it:
** its cluster in t (search_table_members) holds more documents than h and
** the copies the fold saw.  0 when the fold's count is exact.
*/
static uint32_t search_copies_unseen(const struct search_table *t,
				     const struct search_hit *h)
{
	uint32_t c = t->code[h->docid];

	return c && h->collapsed + 1 < t->first[c + 1] - t->first[c] ? c : 0;
}

/*
** Count the copies of each hit of a folded page exactly, where the fold
** may have missed some: those of its cluster among the matches fetched
** (the fold's count) and, by a pass (search_pass) over the rest of the
** cluster, those of them that q matches.  Leaves the hits' counts as the
** fold found them (a lower bound) when those clusters hold more than
** SEARCH_COPIES_MAX documents between them.  Sorts f->ids.  t's scratch
** counts must be zero, as they are outside a pass.  GZ_OK or an error, as
** for a pass.
*/
static int search_fold_copies(struct searcher *s, const struct xsh_query *q,
			      struct search_table *t,
			      const struct search_plan *p,
			      struct search_fold *f, struct search_result *res,
			      char *err)
{
	struct search_pass ps;
	unsigned *ids;
	size_t total = 0, n = 0, i, j;
	uint32_t c;
	int rc;

	if (search_table_members(t) != GZ_OK)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	for (i = 0; i < res->n_hits; i++)
		if ((c = search_copies_unseen(t, &res->hits[i])))
			total += t->first[c + 1] - t->first[c];
	if (total == 0 || total > SEARCH_COPIES_MAX)
		return GZ_OK;
	ids = malloc(total * sizeof *ids);
	if (!ids)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	qsort(f->ids, f->seen, sizeof *f->ids, search_docid_cmp);
	for (i = 0; i < res->n_hits; i++) {
		if (!(c = search_copies_unseen(t, &res->hits[i])))
			continue;
		for (j = t->first[c]; j < t->first[c + 1]; j++)
			if (!bsearch(&t->members[j], f->ids, f->seen,
				     sizeof *f->ids, search_docid_cmp))
				ids[n++] = t->members[j];
	}
	qsort(ids, n, sizeof *ids, search_docid_cmp);
	for (i = 1, j = n ? 1 : 0; i < n; i++) /* one cluster a hit; in case */
		if (ids[i] != ids[j - 1])
			ids[j++] = ids[i];
	memset(&ps, 0, sizeof ps);
	ps.p = p;
	ps.clu = t;
	ps.n = t->n;
	rc = xsh_db_match_among(s->db, q, ids, j, search_pass_add, &ps, err);
	free(ids);
	for (i = 0; rc == GZ_OK && i < res->n_hits; i++)
		if ((c = search_copies_unseen(t, &res->hits[i])))
			res->hits[i].collapsed += t->count[c];
	search_pass_done(&ps);
	return search_pass_error(p, rc, err);
}

/*
** The total once folded, from the uncollapsed counts of the mset: exact
** when the mset held every match, else the estimate scaled by the share
** of clusters among the matches looked at, at least the hits found.
*/
static void search_fold_total(const struct search_fold *f, unsigned fetch,
			      struct search_result *res)
{
	double est;

	if (f->seen < fetch) {
		res->estimate = res->lower = res->upper = f->n_keep;
		return;
	}
	est = (double)res->estimate * f->n_keep / (f->seen ? f->seen : 1);
	res->lower = f->n_keep;
	res->estimate = est < f->n_keep ? f->n_keep : (unsigned)(est + 0.5);
	if (res->upper < res->estimate)
		res->upper = res->estimate;
}

/* The page's collapse keys, to match facet values to hits. */
struct search_keys {
	char **key;                /* [n] each hit's key ("" for none) */
	struct search_result *res; /* the hits */
	size_t n;
};

/* xsh_facet_fn: a key's matches, less the hit itself, are its copies. */
static void search_keys_count(void *ctx, const char *value, size_t len,
			      unsigned count)
{
	struct search_keys *k = ctx;
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->key[i] && k->key[i][0] && strlen(k->key[i]) == len &&
		    memcmp(k->key[i], value, len) == 0 && count > 0)
			k->res->hits[i].collapsed = count - 1;
}

/*
** Over remote shards Xapian 1.4 does not say how many copies it folded
** into a hit (the count arrives as 0).  Count them exactly instead: one
** more match of the query restricted to the page's collapse keys, with
** those keys counted.  A failure leaves the counts as they were: they are
** not worth failing the search for, and a shard that is down fails the
** next search anyway.
*/
static void search_remote_folded(struct searcher *s, const struct xsh_query *q,
				 const struct xsh_mset *m,
				 struct search_result *res)
{
	struct search_keys keys = { NULL, res, res->n_hits };
	char(*terms)[GZ_MAX_TERM_BYTES + 1] = NULL;
	const char **list = NULL;
	struct xsh_query *any = NULL, *cq = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *cm = NULL;
	unsigned idx = 0, docs = 0;
	size_t i, len, n = 0;
	int rc = GZ_OK;

	keys.key = calloc(keys.n, sizeof *keys.key);
	terms = calloc(keys.n, sizeof *terms);
	list = calloc(keys.n, sizeof *list);
	if (!keys.key || !terms || !list)
		rc = GZ_ENOMEM;
	for (i = 0; rc == GZ_OK && i < keys.n; i++) {
		rc = xsh_mset_value(m, (unsigned)i, SLOT_COLLAPSE, &keys.key[i],
				    &len, NULL);
		if (rc == GZ_OK &&
		    schema_cluster_term(keys.key[i], terms[n],
					sizeof terms[n]) == 0) {
			list[n] = terms[n];
			n++;
		}
	}
	if (rc == GZ_OK && n > 0)
		rc = xsh_query_any_term(list, n, &any, NULL);
	if (rc == GZ_OK && any)
		rc = xsh_query_combine(XSH_OP_FILTER, q, any, &cq, NULL);
	if (rc == GZ_OK && cq)
		rc = xsh_enquire_new(s->db, cq, &e, NULL);
	if (rc == GZ_OK && e)
		rc = xsh_enquire_add_facet(e, SLOT_COLLAPSE, &idx, NULL);
	if (rc == GZ_OK && e && s->time_limit_ms)
		rc = xsh_enquire_set_time_limit(e, s->time_limit_ms / 1000.0,
						NULL);
	if (rc == GZ_OK && e)
		rc = xsh_db_doccount(s->db, &docs, NULL);
	if (rc == GZ_OK && e)
		rc = xsh_enquire_run(e, 0, 0, docs, &cm, NULL);
	if (rc == GZ_OK && e)
		xsh_enquire_facet(e, idx, (unsigned)keys.n, search_keys_count,
				  &keys, NULL);
	xsh_mset_free(cm);
	xsh_enquire_free(e);
	xsh_query_free(cq);
	xsh_query_free(any);
	for (i = 0; keys.key && i < keys.n; i++)
		free(keys.key[i]);
	free(keys.key);
	free(terms);
	free(list);
}

/* One attempt at req over the current revision; see search_run. */
static int search_once(struct searcher *s, const struct search_request *req,
		       const struct search_plan *p, struct search_result *res,
		       char *err)
{
	struct xsh_query *q = NULL, *only = NULL;
	struct xsh_enquire *e = NULL;
	struct xsh_mset *m = NULL, *scale = NULL;
	struct search_plan plan = *p; /* shallow, plus the snippet terms */
	struct search_pass ps;
	unsigned facet_idx[SEARCH_N_FACETS] = { 0 };
	unsigned check = 0, n, i, qflags = 0;
	unsigned *sub = NULL;
	size_t n_sub = 0;
	/* Collapse by table (search_fold): its table, else NULL. */
	struct search_table *fold_t = NULL;
	struct search_fold fold;
	unsigned fetch = 0;
	int k, rc, pass = 0;

	memset(&ps, 0, sizeof ps);
	memset(&fold, 0, sizeof fold);
	rc = search_build_query(s, req, p, &q, err);
	if (rc != GZ_OK)
		return rc;
	/* The query's words for snippet_make, wildcards as word prefixes. */
	plan.terms = NULL;
	if (req->snippet_len > 0 && req->limit > 0 &&
	    snippet_terms_new(&plan.terms) == GZ_OK &&
	    (xsh_query_terms(q, search_term_add, &plan, &qflags, NULL) !=
		     GZ_OK ||
	     ((qflags & XSH_QT_WILDCARD) &&
	      search_wildcard_prefixes(p->q, plan.terms) <= 0))) {
		snippet_terms_free(plan.terms);
		plan.terms = NULL;
	}
	/*
	** Facets and date order need every match looked at.  The matcher
	** would weigh, collapse and fetch values for each; one weightless
	** pass over the matches with the value tables counts exactly the
	** same, and then the matcher only has to find the page: by
	** relevance with its usual shortcuts, by date over just the
	** clusters that can reach the page (search_date_subset).
	*/
	rc = search_pass_prepare(s, req, p, &ps, &pass, err);
	if (rc == GZ_OK && pass)
		rc = search_pass_error(p,
				       xsh_db_match_docids(s->db, q,
							   search_pass_add, &ps,
							   err),
				       err);
	if (rc == GZ_OK && pass && ps.date)
		rc = search_date_subset(&ps, (size_t)req->offset + req->limit,
					&sub, &n_sub, err);
	/*
	** Over a subset the matcher would scale percentages to the subset's
	** best match, and Xapian 1.4 counts the docid filter as a matched
	** subquery besides: score the page on the scale of the best match of
	** all (the first hit of a relevance search) instead.
	*/
	if (rc == GZ_OK && sub) {
		rc = xsh_enquire_new(s->db, q, &e, err);
		if (rc == GZ_OK)
			rc = xsh_enquire_run(e, 0, 1, 0, &scale, err);
		xsh_enquire_free(e);
		e = NULL;
	}
	if (rc == GZ_OK && sub) {
		rc = xsh_query_docids(sub, n_sub, &only, err);
		if (rc == GZ_OK)
			rc = search_combine(&q, XSH_OP_FILTER, only, 1, err);
	}
	free(sub);
	if (rc == GZ_OK)
		rc = xsh_enquire_new(s->db, q, &e, err);
	if (rc != GZ_OK)
		goto out;
	if (req->sort == SEARCH_SORT_DATE || req->sort == SEARCH_SORT_DATE_DESC)
		rc = xsh_enquire_set_sort(e, SLOT_PUBLISHED,
					  req->sort == SEARCH_SORT_DATE_DESC,
					  err);
	if (rc == GZ_OK && req->collapse && req->limit > 0 &&
	    req->sort == SEARCH_SORT_RELEVANCE)
		rc = search_table_for(s, SEARCH_TABLE_COLLAPSE, &fold_t, err);
	if (rc == GZ_OK && req->collapse && !fold_t)
		rc = xsh_enquire_set_collapse(e, SLOT_COLLAPSE, 1, err);
	for (k = 0; rc == GZ_OK && !pass && k < SEARCH_N_FACETS; k++)
		if (req->facets & SEARCH_FACET_BIT(k))
			rc = xsh_enquire_add_facet(e, search_facets[k].slot,
						   &facet_idx[k], err);
	if (rc == GZ_OK && s->time_limit_ms)
		rc = xsh_enquire_set_time_limit(e, s->time_limit_ms / 1000.0,
						err);
	/* Without the pass, exact facet counts need every match looked at. */
	if (rc == GZ_OK && req->facets && !pass)
		rc = xsh_db_doccount(s->db, &check, err);
	/*
	** Folding by the table: fetch more matches until the page's clusters
	** are all there (or the matches run out); past SEARCH_FOLD_MAX, or
	** on a docid the table does not know, Xapian's collapse instead.
	*/
	if (rc == GZ_OK && fold_t) {
		unsigned want = req->offset + req->limit;

		fetch = search_fold_first(fold_t, want);
		for (;;) {
			rc = xsh_enquire_run(e, 0, fetch, 0, &m, err);
			if (rc == GZ_OK)
				rc = search_fold_mset(fold_t, m, &fold, err);
			if (rc != GZ_OK || fold.odd || fold.n_keep >= want ||
			    fold.seen < fetch || fetch >= SEARCH_FOLD_MAX)
				break;
			rc = search_check_time(p, err);
			if (rc != GZ_OK)
				break;
			xsh_mset_free(m);
			m = NULL;
			fetch = fetch > SEARCH_FOLD_MAX / 4 ? SEARCH_FOLD_MAX
							    : fetch * 4;
		}
		if (rc == GZ_OK &&
		    (fold.odd || (fold.n_keep < want && fold.seen >= fetch))) {
			xsh_mset_free(m);
			m = NULL;
			search_fold_done(&fold);
			fold_t = NULL;
			rc = xsh_enquire_set_collapse(e, SLOT_COLLAPSE, 1, err);
		}
	}
	if (rc == GZ_OK && !fold_t)
		rc = xsh_enquire_run(e, req->offset, req->limit, check, &m,
				     err);
	if (rc == GZ_OK)
		rc = search_check_time(p, err);
	if (rc == GZ_OK)
		rc = xsh_mset_counts(m, &res->estimate, &res->lower,
				     &res->upper, err);
	if (rc != GZ_OK)
		goto out;
	/* The pass counted the matches (and the clusters) exactly. */
	if (pass)
		res->estimate = res->lower = res->upper = ps.groups;
	if (fold_t && !pass)
		search_fold_total(&fold, fetch, res);

	/* The page: from the folded hits, or the mset as it is. */
	n = xsh_mset_size(m);
	if (fold_t) {
		n = fold.n_keep > req->offset ? fold.n_keep - req->offset : 0;
		if (n > req->limit)
			n = req->limit;
	}
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
		rc = search_fill_hit(
			s, &plan, m, fold_t ? fold.keep[req->offset + i] : i,
			req, search_has_remote(s), &res->hits[i], err);
		if (rc == GZ_OK && fold_t) {
			res->hits[i].rank = req->offset + i + 1;
			res->hits[i].collapsed = fold.folded[req->offset + i];
		}
		if (rc == GZ_OK && pass && ps.clu)
			res->hits[i].collapsed =
				search_pass_folded(&ps, res->hits[i].docid);
		if (rc == GZ_OK && scale)
			rc = search_rescore(m, i, scale, &res->hits[i], err);
		if (rc == GZ_OK)
			rc = search_check_time(p, err);
		if (rc != GZ_OK)
			goto out;
	}

	if (n > 0 && fold_t && !pass) {
		rc = search_fold_copies(s, q, fold_t, p, &fold, res, err);
		if (rc != GZ_OK)
			goto out;
	}
	if (req->collapse && n > 0 && !pass && !fold_t && search_has_remote(s))
		search_remote_folded(s, q, m, res);

	for (k = 0; k < SEARCH_N_FACETS; k++) {
		struct search_facet_ctx ctx = { &res->facet[k], 0 };
		unsigned max = k == SEARCH_FACET_YEAR || k == SEARCH_FACET_MONTH
			? SEARCH_MAX_DATE_FACET_VALUES
			: req->facet_limit;

		if (!(req->facets & SEARCH_FACET_BIT(k)))
			continue;
		if (pass) {
			rc = search_facet_from_table(ps.ft[k], max,
						     &res->facet[k], err);
		} else {
			rc = xsh_enquire_facet(e, facet_idx[k], max,
					       search_facet_add, &ctx, err);
			if (rc == GZ_OK && ctx.failed)
				rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		}
		if (rc != GZ_OK)
			goto out;
		if ((k == SEARCH_FACET_YEAR || k == SEARCH_FACET_MONTH) &&
		    res->facet[k].n > 1) /* qsort(NULL, 0) is undefined */
			qsort(res->facet[k].values, res->facet[k].n,
			      sizeof *res->facet[k].values, search_facet_cmp);
		res->facets |= SEARCH_FACET_BIT(k);
	}

	rc = search_revision(s, &res->revision, err);
	if (rc == GZ_OK && p->q && *p->q && !(req->like && *req->like) &&
	    res->estimate < SEARCH_SUGGEST_BELOW)
		search_suggest(s, req, p, res);
out:
	xsh_query_free(q);
	search_pass_done(&ps);
	search_fold_done(&fold);
	xsh_mset_free(scale);
	snippet_terms_free(plan.terms);
	xsh_mset_free(m);
	xsh_enquire_free(e);
	return rc;
}

/*
** True when rc from a search over shards means a shard failed: a network
** error, or a network timeout (not the search's own time limit).
*/
static int search_shard_error(int rc, const struct search_plan *p)
{
	if (rc == GZ_ENETWORK)
		return 1;
	return rc == GZ_ETIMEOUT &&
		(p->deadline <= 0 || gz_mono_ms() <= p->deadline);
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
	struct stat stub_st;
	int relaid = 0;
	const char *qlang;
	double t0 = gz_mono_ms();
	int attempt, reran = 0, rc = GZ_OK;

	search_result_init(res);
	memset(&plan, 0, sizeof plan);
	if (req->cmd != SEARCH_CMD_SEARCH)
		return gz_fail(err, GZ_EINVAL, "not a search request");
	if (req->limit > GZ_MAX_LIMIT)
		return gz_fail(err, GZ_ETOOBIG, "limit: %u is more than %d",
			       req->limit, GZ_MAX_LIMIT);
	if (req->offset > GZ_MAX_RESULTS ||
	    req->offset + req->limit > GZ_MAX_RESULTS)
		return gz_fail(
			err, GZ_ETOOBIG, "offset+limit: %u is more than %d",
			req->offset > GZ_MAX_RESULTS ? req->offset
						     : req->offset + req->limit,
			GZ_MAX_RESULTS);
	if (req->snippet_len > GZ_MAX_SNIPPET_LEN)
		return gz_fail(err, GZ_ETOOBIG, "snippet: %u is more than %d",
			       req->snippet_len, GZ_MAX_SNIPPET_LEN);
	if (req->facet_limit > GZ_MAX_FACET_VALUES)
		return gz_fail(err, GZ_ETOOBIG,
			       "facet_limit: %u is more than %d",
			       req->facet_limit, GZ_MAX_FACET_VALUES);
	if (req->facet_limit == 0)
		return gz_fail(err, GZ_EINVAL,
			       "facet_limit: must be at least 1");
	if (req->facets & ~((1u << SEARCH_N_FACETS) - 1))
		return gz_fail(err, GZ_EINVAL, "facets: unknown facet");
	if (req->sort != SEARCH_SORT_RELEVANCE &&
	    req->sort != SEARCH_SORT_DATE && req->sort != SEARCH_SORT_DATE_DESC)
		return gz_fail(err, GZ_EINVAL, "sort: unknown order");
	if (req->from && *req->from &&
	    search_date_bound(req->from, 0, plan.lo, sizeof plan.lo) < 0)
		return gz_fail(err, GZ_EINVAL,
			       "from: not a date (YYYY[-MM[-DD]]): %.64s",
			       req->from);
	if (req->to && *req->to &&
	    search_date_bound(req->to, 1, plan.hi, sizeof plan.hi) < 0)
		return gz_fail(err, GZ_EINVAL,
			       "to: not a date (YYYY[-MM[-DD]]): %.64s",
			       req->to);
	if (req->q) {
		qtext = search_rewrite_query(req->q, lang, sizeof lang);
		if (!qtext)
			return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	qlang = req->lang && *req->lang ? req->lang : lang;
	plan.q = qtext;
	plan.limit_ms = s->time_limit_ms;
	if (s->time_limit_ms)
		plan.deadline = t0 + s->time_limit_ms;

	/* A sharded index merged into one database (compact --merge): its
	** stub file is gone, and the path is opened again as it is now. */
	if (s->stub && stat(s->stub, &stub_st) != 0) {
		rc = searcher_reload(s, err);
		if (rc != GZ_OK) {
			free(qtext);
			return rc;
		}
	}
	/* At most: one rerun after a change underneath, and after a shard
	** failure one over the shards that still answer. */
	for (attempt = 0; attempt < 3; attempt++) {
		const struct search_shard *first;

		if (s->n_shards) {
			rc = search_shards_check(s, err);
			if (rc != GZ_OK)
				break;
			if (!s->opt.shard_partial &&
			    search_shards_down(s, &first) > 0) {
				rc = search_shards_fail(s, err);
				break;
			}
		}
		plan.qp = search_qp_for(s, qlang);
		if (attempt > 0)
			s->gen++; /* a rerun: whatever was read is stale */
		rc = search_reopen(s, err);
		if (rc == GZ_OK)
			rc = search_once(s, req, &plan, res, err);
		if (rc == GZ_OK && s->n_shards)
			rc = search_note_missing(s, res, err);
		if (rc == GZ_OK)
			break;
		search_result_free(res);
		if (rc == GZ_EAGAIN && !reran) {
			reran = 1;
			continue;
		}
		if (rc == GZ_EOPEN && s->stub && !relaid) {
			/* Merged into one database while this search ran. */
			relaid = 1;
			rc = searcher_reload(s, err);
			if (rc == GZ_OK)
				continue;
			break;
		}
		if (s->n_shards && search_shard_error(rc, &plan)) {
			int code = rc;

			/* Which shard failed is not said: reconnect them all
			** (the others' connections may hold half a reply).  A
			** connection the server closed as idle comes back at
			** once, and the search simply runs again. */
			rc = search_shards_reconnect(s, err);
			if (rc != GZ_OK)
				break;
			if (!s->opt.shard_partial &&
			    search_shards_down(s, &first) > 0) {
				rc = search_shards_fail(s, err);
				break;
			}
			rc = code; /* err still says why, should this be the last try */
			continue;
		}
		break;
	}
	free(qtext);
	if (rc != GZ_OK) {
		search_result_free(res);
		return rc;
	}
	res->took_ms = gz_mono_ms() - t0;
	return GZ_OK;
}
