/*
** robots.c — robots.txt parsing and matching (RFC 9309).
**
** The parser reads the file line by line and keeps two rule lists: the
** rules of groups naming our product token and those of "*" groups.  A
** group is one or more consecutive User-agent lines and the rules after
** them; when several groups match they are merged, as section 2.2.1 asks.
** Only the list that applies is kept in the result.  See robots.h.
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gz_err.h"
#include "gz_limits.h"
#include "robots.h"

/* Longest pattern kept: a longer one cannot be needed to match a URL of at
** most GZ_MAX_URL_LEN bytes in any realistic file, and bounds match time. */
#define ROBOTS_MAX_PATTERN (2 * GZ_MAX_URL_LEN)

/* Largest Crawl-delay taken literally (one day); larger values are clamped. */
#define ROBOTS_MAX_DELAY_MS (86400L * 1000)

/* A growable list of rules, for one of the two candidate groups. */
struct robots_list {
	struct robots_rule *v; /* n rules */
	size_t n;              /* in use */
	size_t cap;            /* allocated */
	long delay_ms;         /* Crawl-delay of these groups; -1 none */
};

void robots_init(struct robots *r)
{
	memset(r, 0, sizeof *r);
	r->policy = ROBOTS_ALLOW_ALL;
	r->crawl_delay_ms = -1;
}

/* Free the rules of a list. */
static void robots_list_free(struct robots_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].pattern);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void robots_free(struct robots *r)
{
	size_t i;

	for (i = 0; i < r->n_rules; i++)
		free(r->rules[i].pattern);
	free(r->rules);
	for (i = 0; i < r->n_sitemaps; i++)
		free(r->sitemaps[i]);
	free(r->sitemaps);
	robots_init(r);
}

void robots_set_policy(struct robots *r, enum robots_policy policy)
{
	robots_free(r);
	r->policy = policy;
}

enum robots_policy robots_status_policy(long status)
{
	if (status >= 200 && status < 300)
		return ROBOTS_RULES;
	if (status == 429)
		return ROBOTS_DISALLOW_ALL;
	if (status >= 300 && status < 500)
		return ROBOTS_ALLOW_ALL;
	return ROBOTS_DISALLOW_ALL;
}

size_t robots_product_token(const char *ua, char *out, size_t n)
{
	size_t i = 0;

	if (!n)
		return 0;
	while (ua && i + 1 < n &&
	       ((ua[i] >= 'a' && ua[i] <= 'z') ||
		(ua[i] >= 'A' && ua[i] <= 'Z') || ua[i] == '_' ||
		ua[i] == '-')) {
		out[i] = ua[i];
		i++;
	}
	out[i] = '\0';
	return i;
}

/* Value of hex digit c, or -1. */
static int robots_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int robots_normalize(const char *s, size_t n, char **out)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = malloc(3 * n + 1);
	size_t i, j = 0;

	*out = o;
	if (!o)
		return GZ_ENOMEM;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%' && i + 2 < n &&
		    (hi = robots_hexval(s[i + 1])) >= 0 &&
		    (lo = robots_hexval(s[i + 2])) >= 0) {
			int v = hi * 16 + lo;

			if ((v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') ||
			    (v >= '0' && v <= '9') || v == '-' || v == '.' ||
			    v == '_' || v == '~') {
				o[j++] = (char)v;
			} else {
				o[j++] = '%';
				o[j++] = hex[hi];
				o[j++] = hex[lo];
			}
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f) {
			o[j++] = '%';
			o[j++] = hex[c >> 4];
			o[j++] = hex[c & 15];
		} else if (c == '*' && j > 0 && o[j - 1] == '*') {
			/* "**" matches what "*" matches: keep one. */
		} else {
			o[j++] = (char)c;
		}
	}
	o[j] = '\0';
	return GZ_OK;
}

int robots_match(const char *pat, size_t plen, const char *path)
{
	size_t p = 0, s = 0, star_p = 0, star_s = 0;
	int have_star = 0, anchored = 0;
	size_t slen = strlen(path);

	if (plen > 0 && pat[plen - 1] == '$') {
		anchored = 1;
		plen--;
	}
	/*
	** Glob matching with single-star backtracking: on a mismatch, let the
	** last '*' swallow one more byte.  Linear for patterns with at most
	** one '*', O(len(pattern) * len(path)) at worst.
	*/
	while (s < slen) {
		if (!anchored && p == plen)
			return 1;
		if (p < plen && pat[p] == '*') {
			have_star = 1;
			star_p = ++p;
			star_s = s;
			continue;
		}
		if (p < plen && pat[p] == path[s]) {
			p++;
			s++;
			continue;
		}
		if (!have_star)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

int robots_allowed(const struct robots *r, const char *path_query)
{
	char *path = NULL;
	size_t i, best_len = 0;
	int found = 0, best_allow = 1;

	if (r->policy == ROBOTS_ALLOW_ALL)
		return 1;
	if (!path_query || !path_query[0])
		path_query = "/";
	if (strcmp(path_query, "/robots.txt") == 0)
		return 1;
	if (r->policy == ROBOTS_DISALLOW_ALL)
		return 0;
	if (robots_normalize(path_query, strlen(path_query), &path) != GZ_OK)
		return 0; /* out of memory: refuse rather than guess */
	for (i = 0; i < r->n_rules; i++) {
		const struct robots_rule *rule = &r->rules[i];

		if (found &&
		    (rule->len < best_len ||
		     (rule->len == best_len && (best_allow || !rule->allow))))
			continue;
		if (!robots_match(rule->pattern, rule->len, path))
			continue;
		if (!found || rule->len > best_len || rule->allow) {
			found = 1;
			best_len = rule->len;
			best_allow = rule->allow;
		}
	}
	free(path);
	return found ? best_allow : 1;
}

/* Append a copy of the rule (pattern normalised) to l.  GZ_OK / GZ_ENOMEM. */
static int robots_list_add(struct robots_list *l, const char *pat, size_t n,
			   int allow)
{
	char *norm;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 16;
		struct robots_rule *nv = realloc(l->v, ncap * sizeof *nv);

		if (!nv)
			return GZ_ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	if (robots_normalize(pat, n, &norm) != GZ_OK)
		return GZ_ENOMEM;
	l->v[l->n].pattern = norm;
	l->v[l->n].len = strlen(norm);
	l->v[l->n].allow = allow;
	l->n++;
	return GZ_OK;
}

/* Add a copy of value[0..n) to r's sitemaps (bounded).  GZ_OK / GZ_ENOMEM. */
static int robots_add_sitemap(struct robots *r, const char *value, size_t n)
{
	char **nv, *copy;

	if (r->n_sitemaps >= GZ_MAX_SITEMAPS || n == 0 || n > GZ_MAX_URL_LEN)
		return GZ_OK;
	nv = realloc(r->sitemaps, (r->n_sitemaps + 1) * sizeof *nv);
	if (!nv)
		return GZ_ENOMEM;
	r->sitemaps = nv;
	copy = strndup(value, n);
	if (!copy)
		return GZ_ENOMEM;
	r->sitemaps[r->n_sitemaps++] = copy;
	return GZ_OK;
}

/* Crawl-delay value[0..n) in ms, or -1 when it is not a number. */
static long robots_parse_delay(const char *value, size_t n)
{
	char tmp[64], *end;
	double d;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, value, n);
	tmp[n] = '\0';
	errno = 0;
	d = strtod(tmp, &end);
	if (end == tmp || *end || errno || !isfinite(d) || d < 0)
		return -1;
	if (d * 1000.0 >= (double)ROBOTS_MAX_DELAY_MS)
		return ROBOTS_MAX_DELAY_MS;
	return (long)(d * 1000.0 + 0.5);
}

/* True when key[0..n) equals one of the NULL-terminated names (any case). */
static int robots_key_is(const char *key, size_t n, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == n && strncasecmp(key, *names, n) == 0)
			return 1;
	return 0;
}

/* Parser state across lines. */
struct robots_parser {
	char token[128];         /* our product token; "" when none */
	struct robots_list ours; /* rules of groups naming us */
	struct robots_list star; /* rules of "*" groups */
	int in_agents;           /* the previous member line was a User-agent */
	int cur_ours;            /* the current group names us */
	int cur_star;            /* the current group names "*" */
	int seen_ours;           /* some group named us */
};

/* Handle one line (without its line ending).  GZ_OK or GZ_ENOMEM. */
static int robots_line(struct robots_parser *ps, struct robots *r,
		       const char *line, size_t n)
{
	static const char *const k_agent[] = { "user-agent", "useragent",
					       "user agent", NULL };
	static const char *const k_allow[] = { "allow", NULL };
	static const char *const k_disallow[] = { "disallow", "dissallow",
						  "dissalow", "disalow", NULL };
	static const char *const k_delay[] = { "crawl-delay", "crawldelay",
					       NULL };
	static const char *const k_sitemap[] = { "sitemap", "site-map", NULL };
	const char *hash = memchr(line, '#', n);
	const char *colon, *key, *val;
	size_t klen, vlen;

	if (hash)
		n = (size_t)(hash - line);
	colon = memchr(line, ':', n);
	if (!colon)
		return GZ_OK;
	key = line;
	klen = (size_t)(colon - line);
	while (klen && (*key == ' ' || *key == '\t')) {
		key++;
		klen--;
	}
	while (klen && (key[klen - 1] == ' ' || key[klen - 1] == '\t'))
		klen--;
	val = colon + 1;
	vlen = n - (size_t)(val - line);
	while (vlen && (*val == ' ' || *val == '\t')) {
		val++;
		vlen--;
	}
	while (vlen && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
		vlen--;

	if (robots_key_is(key, klen, k_agent)) {
		char tok[128];
		size_t i = 0;

		if (!ps->in_agents)
			ps->cur_ours = ps->cur_star = 0;
		ps->in_agents = 1;
		while (i < vlen && i + 1 < sizeof tok &&
		       ((val[i] >= 'a' && val[i] <= 'z') ||
			(val[i] >= 'A' && val[i] <= 'Z') || val[i] == '_' ||
			val[i] == '-')) {
			tok[i] = val[i];
			i++;
		}
		tok[i] = '\0';
		if (vlen >= 1 && val[0] == '*') {
			ps->cur_star = 1;
		} else if (i > 0 && ps->token[0] &&
			   strcasecmp(tok, ps->token) == 0) {
			ps->cur_ours = 1;
			ps->seen_ours = 1;
		}
		return GZ_OK;
	}
	if (robots_key_is(key, klen, k_sitemap))
		return robots_add_sitemap(r, val, vlen);
	if (robots_key_is(key, klen, k_allow) ||
	    robots_key_is(key, klen, k_disallow)) {
		int allow = robots_key_is(key, klen, k_allow);
		int rc = GZ_OK;

		ps->in_agents = 0;
		if (vlen == 0 || vlen > ROBOTS_MAX_PATTERN)
			return GZ_OK; /* "Disallow:" with no path allows all */
		if (ps->cur_ours)
			rc = robots_list_add(&ps->ours, val, vlen, allow);
		if (rc == GZ_OK && ps->cur_star)
			rc = robots_list_add(&ps->star, val, vlen, allow);
		return rc;
	}
	if (robots_key_is(key, klen, k_delay)) {
		long d = robots_parse_delay(val, vlen);

		ps->in_agents = 0;
		if (d >= 0 && ps->cur_ours && d > ps->ours.delay_ms)
			ps->ours.delay_ms = d;
		if (d >= 0 && ps->cur_star && d > ps->star.delay_ms)
			ps->star.delay_ms = d;
		return GZ_OK;
	}
	/* Other members (Host, Clean-param, ...) neither end nor join a group. */
	return GZ_OK;
}

int robots_parse(const char *text, size_t len, const char *user_agent,
		 struct robots *r, char *err)
{
	struct robots_parser ps;
	struct robots_list *use;
	size_t pos = 0;
	int rc = GZ_OK;

	robots_free(r);
	r->policy = ROBOTS_RULES;
	memset(&ps, 0, sizeof ps);
	ps.ours.delay_ms = ps.star.delay_ms = -1;
	robots_product_token(user_agent, ps.token, sizeof ps.token);
	if (len > GZ_MAX_ROBOTS_BYTES) {
		/* Drop the line cut by the limit: half a rule may mean more. */
		len = GZ_MAX_ROBOTS_BYTES;
		while (len && text[len - 1] != '\n' && text[len - 1] != '\r')
			len--;
		r->truncated = 1;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len && rc == GZ_OK) {
		size_t end = pos;

		while (end < len && text[end] != '\n' && text[end] != '\r')
			end++;
		rc = robots_line(&ps, r, text + pos, end - pos);
		pos = end;
		if (pos < len && text[pos] == '\r')
			pos++;
		if (pos < len && text[pos] == '\n')
			pos++;
	}
	if (rc != GZ_OK) {
		robots_list_free(&ps.ours);
		robots_list_free(&ps.star);
		robots_free(r);
		return gz_fail(err, rc, "robots.txt: %s", gz_strerror(rc));
	}
	use = ps.seen_ours ? &ps.ours : &ps.star;
	r->matched_agent = ps.seen_ours;
	r->rules = use->v;
	r->n_rules = use->n;
	r->crawl_delay_ms = use->delay_ms;
	use->v = NULL;
	use->n = 0;
	robots_list_free(&ps.ours);
	robots_list_free(&ps.star);
	return GZ_OK;
}
