/*
** robots.h — robots.txt per RFC 9309, for one crawler's product token.
**
** robots_parse keeps only the rules of the group that applies to the
** crawler (every group naming its product token, merged; else every "*"
** group, merged), the Crawl-delay of that group and all Sitemap: lines.
** robots_allowed then answers for a path with the longest matching rule,
** Allow winning ties.  Paths and patterns are compared with their percent
** escapes normalised.  At most GZ_MAX_ROBOTS_BYTES of a file are read.
**
** The same matcher serves the crawler and `gazette-indexer robots-check`.
** A struct robots is owned by its caller and freed with robots_free; it is
** read-only after parsing and may be shared between threads.
*/
#ifndef GZ_ROBOTS_H
#define GZ_ROBOTS_H

#include <stddef.h>

/* How a robots.txt answer applies (RFC 9309 section 2.3.1). */
enum robots_policy {
	ROBOTS_RULES = 0,       /* the parsed rules decide */
	ROBOTS_ALLOW_ALL = 1,   /* no usable file (4xx): everything allowed */
	ROBOTS_DISALLOW_ALL = 2 /* unreachable (5xx, no answer): nothing */
};

/* One Allow or Disallow line of the group that applies. */
struct robots_rule {
	char *pattern; /* path pattern, escapes normalised; may hold '*' and a final '$' */
	size_t len; /* strlen(pattern): the rule's specificity */
	int allow;  /* 1 Allow, 0 Disallow */
};

struct robots {
	enum robots_policy policy; /* ROBOTS_RULES after robots_parse */
	struct robots_rule *rules; /* n_rules rules of the chosen group */
	size_t n_rules;            /* number of rules */
	long crawl_delay_ms; /* Crawl-delay of the chosen group in ms; -1 none */
	char **sitemaps;     /* n_sitemaps Sitemap: values, as written */
	size_t n_sitemaps;   /* at most GZ_MAX_SITEMAPS */
	int matched_agent;   /* 1 when a group named our product token */
	int truncated;       /* 1 when the file was longer than the limit */
};

/* Zero r: no rules, policy ROBOTS_ALLOW_ALL, no crawl delay. */
void robots_init(struct robots *r);

/* Free what r owns and re-initialise it. */
void robots_free(struct robots *r);

/*
** The product token of a User-Agent string: its leading run of letters,
** '_' and '-' ("GazetteBot" of "GazetteBot/1.0 (+https://...)"), into out
** of size n.  Returns its length (0 when there is none).
*/
size_t robots_product_token(const char *user_agent, char *out, size_t n);

/*
** Parse text[0..len) (the body of a robots.txt, any line ending, need not
** be NUL-terminated) for the crawler whose User-Agent is user_agent, into
** *r (initialised by the caller; its previous contents are freed).  Bytes
** past GZ_MAX_ROBOTS_BYTES are ignored (r->truncated set).  Malformed lines
** are skipped, as the RFC asks.  GZ_OK or GZ_ENOMEM (err says so).
*/
int robots_parse(const char *text, size_t len, const char *user_agent,
		 struct robots *r, char *err);

/*
** The policy an HTTP answer for /robots.txt implies: ROBOTS_RULES for 2xx
** (parse the body), ROBOTS_ALLOW_ALL for 4xx (and for a redirect chain
** too long to follow, 3xx), ROBOTS_DISALLOW_ALL for 5xx, 429 (a server
** asking for less traffic is not a missing file) and status 0 (no answer,
** connection or address refused).
*/
enum robots_policy robots_status_policy(long status);

/* Set r to policy with no rules (for the non-2xx cases above). */
void robots_set_policy(struct robots *r, enum robots_policy policy);

/*
** True (1) when path_query (the URL's path plus "?query", as from
** url_path_query; "" is taken as "/") may be fetched under r, else 0.
** "/robots.txt" itself is always allowed.
*/
int robots_allowed(const struct robots *r, const char *path_query);

/*
** True when the pattern (with '*' and a final '$') matches path from its
** start.  Both as normalised by robots_normalize.  Exposed for tests.
*/
int robots_match(const char *pattern, size_t plen, const char *path);

/*
** Write s[0..n) into *out (malloc'd, the caller frees) with percent escapes
** normalised for comparison: escapes of unreserved characters decoded,
** other escapes upper-cased, non-ASCII bytes, controls and spaces escaped.
** GZ_OK or GZ_ENOMEM.
*/
int robots_normalize(const char *s, size_t n, char **out);

#endif /* GZ_ROBOTS_H */
