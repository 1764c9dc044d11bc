/*
** config.h — the INI configuration file shared by all three programs.
**
** Every key is one row of the option table in lib/config.c (name, type,
** range, default, help) and is documented in data/gazette.conf.  A
** malformed line, an unknown key or an out-of-range value fails the load
** with "FILE:LINE: [section] key: reason".
**
** Sections: [index], [crawl], [searchd], and one [source NAME] per source.
** List-valued keys (feed, sitemap, seed, scope, allow_address) may be
** repeated, or given several values separated by white space.
*/
#ifndef GZ_CONFIG_H
#define GZ_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_SOURCES 1024 /* [source] sections per file */
#define CONFIG_MAX_LIST    4096 /* values per list key */

/* A list of strings; every item malloc'd and owned by the list. */
struct config_list {
	char **items; /* n items */
	size_t n;     /* number in use */
};

/* One [source NAME] section: where to find one outlet's articles. */
struct config_source {
	char *name;   /* the NAME in [source NAME] */
	char *outlet; /* outlet name used when pages name none; NULL = NAME */
	struct config_list feeds;    /* RSS/Atom feed URLs */
	struct config_list sitemaps; /* sitemap URLs */
	struct config_list seeds;    /* start pages */
	struct config_list scope;    /* URL prefixes links may be followed into;
				      * empty = the hosts of feeds, sitemaps, seeds */
	int depth;       /* link depth followed from seeds (0 = seeds only) */
	int revisit_sec; /* re-fetch an indexed page after this long */
	int has_tz;      /* 1 when utc_offset was given */
	int tz_min;      /* fixed UTC offset for pages that print none */
	int index_listings; /* 1: index listing pages too; 0: only follow them */
};

struct gz_config {
	/* [index] */
	char *index_path; /* index directory */
	int commit_every; /* documents per committed batch */
	int no_sync;      /* 1: skip fsync on commit (faster, less safe) */
	char *shard_by; /* "none", "year", "month", "host" or "id": how documents split into shards */
	int shard_count; /* shards when shard_by = host or id */

	/* [crawl] */
	char *user_agent; /* User-Agent header and robots.txt product token */
	int delay_ms;     /* per-host delay between requests */
	int max_crawl_delay_sec; /* Crawl-delay above this: skip the host */
	int timeout_sec;         /* total time per request */
	int connect_timeout_sec; /* connect time per request */
	int max_pages;           /* pages fetched per run, at most */
	long max_page_bytes;     /* decoded body size cap */
	int concurrency;         /* requests in flight across all hosts */
	int obey_robots;         /* 1: honour robots.txt (default) */
	struct config_list
		allow_addresses; /* private/loopback addresses the crawler may reach */
	char *warc_dir;          /* write responses as WARC here; NULL = off */

	/* [searchd] */
	char *listen;         /* TCP HOST:PORT; "" = no TCP listener */
	char *socket_path;    /* Unix socket path; "" = none */
	char *http_listen;    /* HTTP front HOST:PORT; "" = none */
	int workers;          /* query worker threads */
	int queue_max;        /* queued queries before answering busy */
	int max_connections;  /* open client connections */
	int idle_timeout_sec; /* close idle clients after this */
	int query_timeout_ms; /* per-query time limit */
	int health_max_age_sec; /* /health is "stale" when the last commit is older; 0 = never */
	int shard_timeout_ms; /* a shard (remote above all) slower than this has failed */
	char *shard_failure; /* "fail": the query fails; "partial": answer from the rest */
	char *log_file;  /* NULL = stderr */
	char *query_log; /* NULL = off */
	char *token;     /* shared secret required on non-loopback listeners */

	/* [source NAME] */
	struct config_source *sources; /* n_sources of them */
	size_t n_sources;
};

/* Fill cfg with the documented defaults (allocates; free with config_free). */
int config_defaults(struct gz_config *cfg, char *err);

/*
** Read path over the values already in cfg (call config_defaults first).
** GZ_OK; GZ_EIO when the file cannot be read; GZ_ECONFIG with
** "path:line: reason" in err for the first bad line.
*/
int config_load(struct gz_config *cfg, const char *path, char *err);

/*
** The config path to use: explicit (from --config) when not NULL, else
** $GAZETTE_CONFIG, else "/etc/gazette/gazette.conf".  Borrowed.
*/
const char *config_path(const char *explicit_path);

/* Free everything cfg owns and zero it. */
void config_free(struct gz_config *cfg);

/*
** Replace *field with a copy of value.  GZ_OK or GZ_ENOMEM.  For command
** line options that win over the file.
*/
int config_set_string(char **field, const char *value);

/* Append a copy of value to list.  GZ_OK, GZ_ENOMEM or GZ_ETOOBIG. */
int config_list_add(struct config_list *list, const char *value);

/*
** The keys the code knows, for documentation checks: the number of keys,
** and key i's name (static) with its section ("index", "crawl", "searchd"
** or "source") in *section.  NULL past the end.
*/
int config_key_count(void);
const char *config_key_name(int i, const char **section);

/* Default index directory when neither the command line nor config gives one. */
#define CONFIG_DEFAULT_INDEX  "/var/lib/gazette/index"
#define CONFIG_DEFAULT_LISTEN "127.0.0.1:7700"

#endif /* GZ_CONFIG_H */
