/*
** config.c — the INI configuration file (see config.h).
**
** Every key is one row of option_table: its section, name, type, range and
** default.  The same table fills the defaults, checks the file and lets a
** test compare the keys the code knows with the documented ones.  Parsing
** is inih's; this file only interprets what inih hands it.
*/
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "gz_err.h"
#include "gz_limits.h"

enum opt_type {
	OPT_STRING, /* char *, "" allowed */
	OPT_INT,    /* int within [min, max] */
	OPT_LONG,   /* long within [min, max] */
	OPT_BOOL,   /* int, 0 or 1: yes/no, true/false, on/off, 1/0 */
	OPT_LIST,   /* struct config_list, values appended */
	OPT_OFFSET, /* utc_offset: "+08:00", "-0500", "Z" -> has_tz, tz_min */
	OPT_CHOICE /* char *, one of the words listed in def's row (see choices) */
};

enum opt_scope { IN_INDEX, IN_CRAWL, IN_SEARCHD, IN_SOURCE };

struct option {
	enum opt_scope scope; /* which section */
	const char *key;      /* key name as written in the file */
	enum opt_type type;   /* how the value is read */
	long min, max;        /* range for OPT_INT and OPT_LONG */
	size_t offset;        /* field in struct gz_config or config_source */
	const char *def;      /* default as text; NULL = none */
	const char *choices;  /* OPT_CHOICE: the allowed words, "|"-separated */
};

#define G(f) offsetof(struct gz_config, f)
#define S(f) offsetof(struct config_source, f)

static const struct option option_table[] = {
	{ IN_INDEX, "path", OPT_STRING, 0, 0, G(index_path), NULL, NULL },
	{ IN_INDEX, "commit_every", OPT_INT, 1, 1000000, G(commit_every),
	  "1000", NULL },
	{ IN_INDEX, "no_sync", OPT_BOOL, 0, 1, G(no_sync), "no", NULL },
	{ IN_INDEX, "shard_by", OPT_CHOICE, 0, 0, G(shard_by), "none",
	  "none|year|month|host|id" },
	{ IN_INDEX, "shard_count", OPT_INT, 1, 1024, G(shard_count), "4",
	  NULL },

	{ IN_CRAWL, "user_agent", OPT_STRING, 0, 0, G(user_agent),
	  "Gazette/0.1 (+https://gazette.invalid/bot)", NULL },
	{ IN_CRAWL, "delay_ms", OPT_INT, 0, 600000, G(delay_ms), "1000", NULL },
	{ IN_CRAWL, "max_crawl_delay", OPT_INT, 0, 86400,
	  G(max_crawl_delay_sec), "60", NULL },
	{ IN_CRAWL, "timeout", OPT_INT, 1, 3600, G(timeout_sec), "30", NULL },
	{ IN_CRAWL, "connect_timeout", OPT_INT, 1, 300, G(connect_timeout_sec),
	  "10", NULL },
	{ IN_CRAWL, "max_pages", OPT_INT, 1, 100000000, G(max_pages), "10000",
	  NULL },
	{ IN_CRAWL, "max_page_bytes", OPT_LONG, 1024, GZ_MAX_PAGE_BYTES,
	  G(max_page_bytes), "10485760", NULL },
	{ IN_CRAWL, "concurrency", OPT_INT, 1, 256, G(concurrency), "8", NULL },
	{ IN_CRAWL, "obey_robots", OPT_BOOL, 0, 1, G(obey_robots), "yes",
	  NULL },
	{ IN_CRAWL, "allow_address", OPT_LIST, 0, 0, G(allow_addresses), NULL,
	  NULL },
	{ IN_CRAWL, "warc_dir", OPT_STRING, 0, 0, G(warc_dir), NULL, NULL },

	{ IN_SEARCHD, "listen", OPT_STRING, 0, 0, G(listen),
	  CONFIG_DEFAULT_LISTEN, NULL },
	{ IN_SEARCHD, "socket", OPT_STRING, 0, 0, G(socket_path), "", NULL },
	{ IN_SEARCHD, "http_listen", OPT_STRING, 0, 0, G(http_listen), "",
	  NULL },
	{ IN_SEARCHD, "workers", OPT_INT, 1, 256, G(workers), "2", NULL },
	{ IN_SEARCHD, "queue_max", OPT_INT, 1, 100000, G(queue_max), "256",
	  NULL },
	{ IN_SEARCHD, "max_connections", OPT_INT, 1, GZ_MAX_CONNECTIONS,
	  G(max_connections), "256", NULL },
	{ IN_SEARCHD, "idle_timeout", OPT_INT, 1, 86400, G(idle_timeout_sec),
	  "60", NULL },
	{ IN_SEARCHD, "query_timeout_ms", OPT_INT, 1, 600000,
	  G(query_timeout_ms), "5000", NULL },
	{ IN_SEARCHD, "health_max_age", OPT_INT, 0, 31536000,
	  G(health_max_age_sec), "0", NULL },
	{ IN_SEARCHD, "shard_timeout_ms", OPT_INT, 1, 600000,
	  G(shard_timeout_ms), "2000", NULL },
	{ IN_SEARCHD, "shard_failure", OPT_CHOICE, 0, 0, G(shard_failure),
	  "fail", "fail|partial" },
	{ IN_SEARCHD, "log_file", OPT_STRING, 0, 0, G(log_file), NULL, NULL },
	{ IN_SEARCHD, "query_log", OPT_STRING, 0, 0, G(query_log), NULL, NULL },
	{ IN_SEARCHD, "token", OPT_STRING, 0, 0, G(token), NULL, NULL },

	{ IN_SOURCE, "outlet", OPT_STRING, 0, 0, S(outlet), NULL, NULL },
	{ IN_SOURCE, "feed", OPT_LIST, 0, 0, S(feeds), NULL, NULL },
	{ IN_SOURCE, "sitemap", OPT_LIST, 0, 0, S(sitemaps), NULL, NULL },
	{ IN_SOURCE, "seed", OPT_LIST, 0, 0, S(seeds), NULL, NULL },
	{ IN_SOURCE, "scope", OPT_LIST, 0, 0, S(scope), NULL, NULL },
	{ IN_SOURCE, "depth", OPT_INT, 0, 100, S(depth), "2", NULL },
	{ IN_SOURCE, "revisit", OPT_INT, 0, 100000000, S(revisit_sec), "86400",
	  NULL },
	{ IN_SOURCE, "utc_offset", OPT_OFFSET, 0, 0, S(has_tz), NULL, NULL },
	{ IN_SOURCE, "index_listings", OPT_BOOL, 0, 1, S(index_listings), "no",
	  NULL },
};

#define N_OPTIONS (sizeof option_table / sizeof option_table[0])

static const char *scope_name(enum opt_scope s)
{
	switch (s) {
	case IN_INDEX: return "index";
	case IN_CRAWL: return "crawl";
	case IN_SEARCHD: return "searchd";
	case IN_SOURCE: return "source";
	}
	return "?";
}

int config_set_string(char **field, const char *value)
{
	return str_set(field, value);
}

int config_list_add(struct config_list *list, const char *value)
{
	char **items;
	char *copy;

	if (list->n >= CONFIG_MAX_LIST)
		return GZ_ETOOBIG;
	copy = strdup(value);
	if (!copy)
		return GZ_ENOMEM;
	items = realloc(list->items, (list->n + 1) * sizeof *items);
	if (!items) {
		free(copy);
		return GZ_ENOMEM;
	}
	items[list->n++] = copy;
	list->items = items;
	return GZ_OK;
}

static void list_free(struct config_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

/* True when word is one of the "|"-separated words of list. */
static int word_in_list(const char *word, const char *list)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, "|");

		if (len == n && n && strncmp(p, word, n) == 0)
			return 1;
		p += len;
		if (*p == '|')
			p++;
	}
	return 0;
}

/* Parse a boolean word into *out; 0 on success, -1 when it is none. */
static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
** Parse a UTC offset: "Z", "UTC", "+08:00", "+0800", "-5", "+5:30".  Writes
** minutes east of UTC into *out; 0 on success, -1 on bad syntax or range.
*/
static int parse_offset(const char *v, int *out)
{
	int sign, h = 0, m = 0, digits = 0;
	const char *p = v;

	if (strcasecmp(v, "Z") == 0 || strcasecmp(v, "UTC") == 0 ||
	    strcasecmp(v, "GMT") == 0) {
		*out = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	while (isdigit((unsigned char)*p) && digits < 2) {
		h = h * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits)
		return -1;
	if (*p == ':')
		p++;
	if (*p) {
		if (!isdigit((unsigned char)p[0]) ||
		    !isdigit((unsigned char)p[1]) || p[2])
			return -1;
		m = (p[0] - '0') * 10 + (p[1] - '0');
	}
	if (h > 14 || m > 59)
		return -1;
	*out = sign * (h * 60 + m);
	return 0;
}

/*
** Store the text value v into the field described by o at base.  Lists get
** each white-space separated word appended.  Returns GZ_OK or GZ_ECONFIG /
** GZ_ENOMEM with the reason in why (GZ_ERRLEN bytes).
*/
static int option_store(const struct option *o, void *base, const char *v,
			char *why)
{
	char *field = (char *)base + o->offset;
	char *end;
	long n;
	int b, rc;

	switch (o->type) {
	case OPT_STRING: return config_set_string((char **)field, v);
	case OPT_CHOICE:
		if (!word_in_list(v, o->choices))
			return gz_fail(why, GZ_ECONFIG,
				       "expected one of %s, got \"%s\"",
				       o->choices, v);
		return config_set_string((char **)field, v);
	case OPT_INT:
	case OPT_LONG:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || end == v || *end)
			return gz_fail(why, GZ_ECONFIG,
				       "expected a whole number, got \"%s\"",
				       v);
		if (n < o->min || n > o->max)
			return gz_fail(why, GZ_ECONFIG,
				       "%ld is out of range [%ld, %ld]", n,
				       o->min, o->max);
		if (o->type == OPT_INT)
			*(int *)field = (int)n;
		else
			*(long *)field = n;
		return GZ_OK;
	case OPT_BOOL:
		if (parse_bool(v, &b) < 0)
			return gz_fail(why, GZ_ECONFIG,
				       "expected yes or no, got \"%s\"", v);
		*(int *)field = b;
		return GZ_OK;
	case OPT_OFFSET: {
		struct config_source *src = base;

		if (parse_offset(v, &src->tz_min) < 0)
			return gz_fail(
				why, GZ_ECONFIG,
				"expected an offset like +08:00, got \"%s\"",
				v);
		src->has_tz = 1;
		return GZ_OK;
	}
	case OPT_LIST: {
		const char *p = v;

		while (*p) {
			size_t len;
			char word[GZ_MAX_URL_LEN + 1];

			while (isspace((unsigned char)*p) || *p == ',')
				p++;
			len = strcspn(p, " \t\r\n,");
			if (!len)
				break;
			if (len > GZ_MAX_URL_LEN)
				return gz_fail(why, GZ_ECONFIG,
					       "value longer than %d bytes",
					       GZ_MAX_URL_LEN);
			memcpy(word, p, len);
			word[len] = '\0';
			rc = config_list_add((struct config_list *)field, word);
			if (rc == GZ_ETOOBIG)
				return gz_fail(why, GZ_ECONFIG,
					       "more than %d values",
					       CONFIG_MAX_LIST);
			if (rc)
				return gz_fail(why, rc, "out of memory");
			p += len;
		}
		return GZ_OK;
	}
	}
	return gz_fail(why, GZ_EINTERNAL, "unknown option type");
}

/* Fill the defaults of every option of scope at base. */
static int scope_defaults(enum opt_scope scope, void *base, char *err)
{
	size_t i;
	int rc;

	for (i = 0; i < N_OPTIONS; i++) {
		const struct option *o = &option_table[i];

		if (o->scope != scope || !o->def)
			continue;
		rc = option_store(o, base, o->def, err);
		if (rc)
			return rc;
	}
	return GZ_OK;
}

/*
** The default index path: /var/lib/gazette/index for root, else under
** $XDG_DATA_HOME or ~/.local/share.  Writes into out of size n.
*/
static void default_index_path(char *out, size_t n)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (geteuid() == 0 || (!(xdg && *xdg) && !(home && *home)))
		snprintf(out, n, "%s", CONFIG_DEFAULT_INDEX);
	else if (xdg && *xdg)
		snprintf(out, n, "%s/gazette/index", xdg);
	else
		snprintf(out, n, "%s/.local/share/gazette/index", home);
}

int config_defaults(struct gz_config *cfg, char *err)
{
	char path[4096];
	int rc;

	memset(cfg, 0, sizeof *cfg);
	default_index_path(path, sizeof path);
	rc = config_set_string(&cfg->index_path, path);
	if (!rc)
		rc = scope_defaults(IN_INDEX, cfg, err);
	if (!rc)
		rc = scope_defaults(IN_CRAWL, cfg, err);
	if (!rc)
		rc = scope_defaults(IN_SEARCHD, cfg, err);
	return rc;
}

/* State threaded through inih's callbacks. */
struct load_ctx {
	struct gz_config *cfg;     /* being filled */
	int failed;                /* 1 once a handler call failed */
	int rc;                    /* that failure's code */
	char why[GZ_ERRLEN];       /* the current line's reason */
	char first_why[GZ_ERRLEN]; /* the first failure's reason */
	char cur_section
		[256]; /* section of the current source, to spot new ones */
};

/* Find or start the [source NAME] section named name. */
static struct config_source *source_for(struct load_ctx *ctx, const char *name,
					char *why)
{
	struct gz_config *cfg = ctx->cfg;
	struct config_source *src, *grown;
	size_t i;

	for (i = 0; i < cfg->n_sources; i++)
		if (strcmp(cfg->sources[i].name, name) == 0)
			return &cfg->sources[i];
	if (cfg->n_sources >= CONFIG_MAX_SOURCES) {
		gz_fail(why, GZ_ECONFIG, "more than %d sources",
			CONFIG_MAX_SOURCES);
		return NULL;
	}
	grown = realloc(cfg->sources, (cfg->n_sources + 1) * sizeof *grown);
	if (!grown) {
		gz_fail(why, GZ_ENOMEM, "out of memory");
		return NULL;
	}
	cfg->sources = grown;
	src = &cfg->sources[cfg->n_sources];
	memset(src, 0, sizeof *src);
	src->name = strdup(name);
	if (!src->name || scope_defaults(IN_SOURCE, src, why)) {
		free(src->name);
		gz_fail(why, GZ_ENOMEM, "out of memory");
		return NULL;
	}
	cfg->n_sources++;
	return src;
}

/* inih's per-line callback: nonzero means the line was good. */
static int on_ini_line(void *user, const char *section, const char *key,
		       const char *value)
{
	struct load_ctx *ctx = user;
	enum opt_scope scope;
	void *base = ctx->cfg;
	const char *name = NULL;
	size_t i;
	int rc;

	if (strcmp(section, "index") == 0)
		scope = IN_INDEX;
	else if (strcmp(section, "crawl") == 0)
		scope = IN_CRAWL;
	else if (strcmp(section, "searchd") == 0)
		scope = IN_SEARCHD;
	else if (strncmp(section, "source", 6) == 0 &&
		 (section[6] == ' ' || section[6] == '\t')) {
		scope = IN_SOURCE;
		name = section + 7;
		while (*name == ' ' || *name == '\t' || *name == '"')
			name++;
	} else {
		rc = gz_fail(ctx->why, GZ_ECONFIG, "[%s]: unknown section",
			     section);
		goto fail;
	}
	if (scope == IN_SOURCE) {
		char clean[256];
		size_t len = strlen(name);

		while (len && (name[len - 1] == '"' || name[len - 1] == ' '))
			len--;
		if (!len || len >= sizeof clean) {
			rc = gz_fail(ctx->why, GZ_ECONFIG,
				     "[%s]: a source needs a name, as in "
				     "[source demo]",
				     section);
			goto fail;
		}
		memcpy(clean, name, len);
		clean[len] = '\0';
		base = source_for(ctx, clean, ctx->why);
		if (!base) {
			rc = GZ_ECONFIG;
			goto fail;
		}
	}
	for (i = 0; i < N_OPTIONS; i++) {
		const struct option *o = &option_table[i];
		char why[GZ_ERRLEN];

		if (o->scope != scope || strcmp(o->key, key) != 0)
			continue;
		rc = option_store(o, base, value, why);
		if (rc) {
			gz_fail(ctx->why, rc, "[%s] %s: %s", section, key, why);
			goto fail;
		}
		return 1;
	}
	rc = gz_fail(ctx->why, GZ_ECONFIG, "[%s] %s: unknown key", section,
		     key);
fail:
	if (!ctx->failed) { /* keep the first: inih reports the first bad line */
		ctx->failed = 1;
		ctx->rc = rc;
		memcpy(ctx->first_why, ctx->why, sizeof ctx->why);
	}
	return 0;
}

/*
** Copy line number lineno of path into out (size n), without the newline;
** "" when it cannot be read.
*/
static void read_line(const char *path, int lineno, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int i = 0;

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strchr(line, '\n') || feof(f))
			i++;
		if (i == lineno) {
			size_t len = strcspn(line, "\r\n");

			if (len >= n)
				len = n - 1;
			memcpy(out, line, len);
			out[len] = '\0';
			break;
		}
	}
	fclose(f);
}

/* True when line, stripped, looks like "key = value" or "key: value". */
static int looks_like_pair(const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	if (*line == '[' || *line == ';' || *line == '#' || !*line)
		return 0;
	return strpbrk(line, "=:") != NULL;
}

int config_load(struct gz_config *cfg, const char *path, char *err)
{
	struct load_ctx ctx;
	char line[200];
	FILE *f;
	int lineno;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	f = fopen(path, "r");
	if (!f)
		return gz_fail(err, GZ_EIO, "%s: %s", path, strerror(errno));
	lineno = ini_parse_file(f, on_ini_line, &ctx);
	fclose(f);
	if (lineno == 0 && !ctx.failed)
		return GZ_OK;
	if (lineno < 0)
		return gz_fail(err, GZ_EIO, "%s: cannot read", path);
	read_line(path, lineno, line, sizeof line);
	if (ctx.failed && looks_like_pair(line))
		return gz_fail(err,
			       ctx.rc == GZ_ENOMEM ? GZ_ENOMEM : GZ_ECONFIG,
			       "%s:%d: %s", path, lineno, ctx.first_why);
	return gz_fail(
		err, GZ_ECONFIG,
		"%s:%d: expected \"key = value\" or \"[section]\", got \"%s\"",
		path, lineno, line);
}

const char *config_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path)
		return explicit_path;
	env = getenv("GAZETTE_CONFIG");
	if (env && *env)
		return env;
	return "/etc/gazette/gazette.conf";
}

void config_free(struct gz_config *cfg)
{
	size_t i, j;

	for (i = 0; i < N_OPTIONS; i++) {
		const struct option *o = &option_table[i];

		if (o->scope == IN_SOURCE)
			continue;
		if (o->type == OPT_STRING || o->type == OPT_CHOICE)
			free(*(char **)((char *)cfg + o->offset));
		else if (o->type == OPT_LIST)
			list_free((struct config_list *)((char *)cfg +
							 o->offset));
	}
	for (j = 0; j < cfg->n_sources; j++) {
		struct config_source *src = &cfg->sources[j];

		free(src->name);
		for (i = 0; i < N_OPTIONS; i++) {
			const struct option *o = &option_table[i];

			if (o->scope != IN_SOURCE)
				continue;
			if (o->type == OPT_STRING || o->type == OPT_CHOICE)
				free(*(char **)((char *)src + o->offset));
			else if (o->type == OPT_LIST)
				list_free((struct config_list *)((char *)src +
								 o->offset));
		}
	}
	free(cfg->sources);
	memset(cfg, 0, sizeof *cfg);
}

int config_key_count(void)
{
	return (int)N_OPTIONS;
}

const char *config_key_name(int i, const char **section)
{
	if (i < 0 || (size_t)i >= N_OPTIONS)
		return NULL;
	if (section)
		*section = scope_name(option_table[i].scope);
	return option_table[i].key;
}
