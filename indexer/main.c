/*
** main.c — gazette-indexer: crawl the web or add local files into the index.
**
**   gazette-indexer crawl   [--config FILE] [--index DIR]
**   gazette-indexer add     [--config FILE] [--index DIR] [--url URL] FILE...
**   gazette-indexer extract [--json] [--url URL] FILE|-
**   gazette-indexer robots-check --user-agent UA ROBOTS_FILE URL...
**
** Options on the command line win over the configuration file.  Exit codes
** are in version.h: 0 done, 1 finished with failures, 2 usage or config,
** 70 index error, 75 another run holds the index.
*/
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "config.h"
#include "crawl.h"
#include "extract.h"
#include "gz_limits.h"
#include "index.h"
#include "log.h"
#include "robots.h"
#include "url.h"
#include "version.h"

/* Options shared by the subcommands. */
struct cli_opts {
	const char *config;   /* --config, or NULL for the default search */
	const char *index;    /* --index, or NULL for the config's */
	const char *url;      /* --url for add and extract */
	const char *agent;    /* --user-agent for robots-check */
	int json;             /* --json for extract */
	int verbose;          /* --verbose: debug logging */
	int quiet;            /* --quiet: warnings and errors only */
};

static void usage(FILE *f)
{
	fputs("usage: gazette-indexer COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  crawl   [--config FILE] [--index DIR]         crawl the configured sources\n"
	      "  add     [--config FILE] [--index DIR] [--url URL] FILE...\n"
	      "                                                index local HTML files\n"
	      "  extract [--json] [--url URL] FILE|-           show what a page yields\n"
	      "  robots-check --user-agent UA ROBOTS_FILE URL...\n"
	      "                                                test URLs against robots.txt\n"
	      "\n"
	      "options:\n"
	      "  -c, --config FILE   configuration file (default $GAZETTE_CONFIG,\n"
	      "                      then /etc/gazette/gazette.conf)\n"
	      "  -i, --index DIR     index directory (overrides [index] path)\n"
	      "  -u, --url URL       URL of the page (add: one FILE only)\n"
	      "  -A, --user-agent UA robots.txt product token to check\n"
	      "  -j, --json          JSON output (extract)\n"
	      "  -v, --verbose       log debugging detail\n"
	      "  -q, --quiet         log warnings and errors only\n"
	      "  -h, --help          this help\n"
	      "  -V, --version       print the version\n"
	      "\n"
	      "exit status: 0 done, 1 finished but some pages failed, 2 usage or\n"
	      "configuration error, 70 index error, 75 the index is locked by\n"
	      "another run.\n",
	      f);
}

/*
** Load the configuration: defaults, then the file (a missing file is an
** error only when it was named explicitly), then command-line overrides.
** Returns GZ_EXIT_OK or GZ_EXIT_USAGE after printing why.
*/
static int load_config(const struct cli_opts *o, struct gz_config *cfg)
{
	char err[GZ_ERRLEN];
	const char *path = config_path(o->config);
	int rc;

	rc = config_defaults(cfg, err);
	if (!rc && (o->config || access(path, F_OK) == 0))
		rc = config_load(cfg, path, err);
	if (!rc && o->index)
		rc = config_set_string(&cfg->index_path, o->index);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s\n", err);
		return GZ_EXIT_USAGE;
	}
	return GZ_EXIT_OK;
}

/* Open the index for writing; map a lock conflict to exit 75. */
static int open_index(const struct gz_config *cfg, struct index_writer **w)
{
	char err[GZ_ERRLEN];
	int rc;

	rc = index_open(cfg->index_path, cfg->no_sync ? INDEX_NO_SYNC : 0, w, err);
	if (rc == GZ_ELOCKED) {
		fprintf(stderr, "gazette-indexer: %s: index is locked by another writer\n",
			cfg->index_path);
		return GZ_EXIT_TEMPFAIL;
	}
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", cfg->index_path, err);
		return GZ_EXIT_SOFTWARE;
	}
	return GZ_EXIT_OK;
}

/* Close the index, committing; report a failed commit.  Returns an exit code. */
static int close_index(struct index_writer *w, const char *path)
{
	char err[GZ_ERRLEN];

	if (index_close(w, err)) {
		fprintf(stderr, "gazette-indexer: %s: commit failed: %s\n", path, err);
		return GZ_EXIT_SOFTWARE;
	}
	return GZ_EXIT_OK;
}

static int cmd_crawl(const struct cli_opts *o, int argc, char **argv)
{
	struct gz_config cfg;
	struct index_writer *w = NULL;
	struct crawl_stats stats;
	char err[GZ_ERRLEN], line[512];
	int rc, ex;

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "gazette-indexer: crawl takes no arguments\n");
		return GZ_EXIT_USAGE;
	}
	ex = load_config(o, &cfg);
	if (ex)
		return ex;
	if (cfg.n_sources == 0) {
		fprintf(stderr, "gazette-indexer: %s: no [source NAME] section to crawl\n",
			config_path(o->config));
		config_free(&cfg);
		return GZ_EXIT_USAGE;
	}
	ex = open_index(&cfg, &w);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	memset(&stats, 0, sizeof stats);
	rc = crawl_run(&cfg, w, &stats, err);
	crawl_summary(&stats, line, sizeof line);
	if (index_set_meta(w, "gazette.last_run", line, NULL) != GZ_OK)
		log_warn("msg=\"cannot record the run summary\"");
	ex = close_index(w, cfg.index_path);
	if (rc) {
		fprintf(stderr, "gazette-indexer: crawl: %s\n", err);
		if (!ex)
			ex = rc == GZ_ECONFIG || rc == GZ_EINVAL ? GZ_EXIT_USAGE
								  : GZ_EXIT_SOFTWARE;
	}
	printf("%s\n", line);
	if (!ex && stats.failed > 0)
		ex = GZ_EXIT_PARTIAL;
	config_free(&cfg);
	return ex;
}

/*
** The URL a local file is indexed under when none is given: file:// and
** its absolute path, into out of size n.
*/
static void file_url(const char *path, char *out, size_t n)
{
	char abs[PATH_MAX];

	if (realpath(path, abs))
		snprintf(out, n, "file://%s", abs);
	else
		snprintf(out, n, "file://%s", path);
}

/* Counters for add. */
struct add_stats {
	unsigned added;     /* new documents */
	unsigned updated;   /* replaced documents */
	unsigned unchanged; /* same content as indexed */
	unsigned skipped;   /* not articles */
	unsigned failed;    /* unreadable or unparsable */
};

/* Read, extract and stage one file.  Counts the outcome in st. */
static void add_one(struct index_writer *w, const char *path, const char *url,
		    struct add_stats *st)
{
	char err[GZ_ERRLEN], fallback[PATH_MAX + 8];
	struct extract_opts eo;
	struct article a;
	enum page_kind kind;
	enum index_put_result res;
	struct buf b;
	int rc;

	buf_init(&b, GZ_MAX_PAGE_BYTES);
	rc = buf_read_file(&b, path, err);
	if (rc) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		st->failed++;
		buf_release(&b);
		return;
	}
	if (!url) {
		file_url(path, fallback, sizeof fallback);
		url = fallback;
	}
	memset(&eo, 0, sizeof eo);
	eo.url = url;
	article_init(&a);
	rc = extract_html(b.ptr, b.len, &eo, &a, &kind, err);
	buf_release(&b);
	if (rc) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		st->failed++;
	} else if (kind != PAGE_ARTICLE) {
		log_info("file=\"%s\" msg=\"not an article, skipped\"", path);
		st->skipped++;
	} else if ((rc = index_put(w, &a, &res, err)) != GZ_OK) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		st->failed++;
	} else {
		if (res == INDEX_NEW)
			st->added++;
		else if (res == INDEX_UPDATED)
			st->updated++;
		else
			st->unchanged++;
	}
	article_free(&a);
}

static int cmd_add(const struct cli_opts *o, int argc, char **argv)
{
	struct gz_config cfg;
	struct index_writer *w = NULL;
	struct add_stats st;
	char err[GZ_ERRLEN];
	time_t start = time(NULL);
	int i, ex;

	if (argc < 1) {
		fprintf(stderr, "gazette-indexer: add needs at least one FILE\n");
		return GZ_EXIT_USAGE;
	}
	if (o->url && argc > 1) {
		fprintf(stderr, "gazette-indexer: --url applies to one FILE only\n");
		return GZ_EXIT_USAGE;
	}
	ex = load_config(o, &cfg);
	if (ex)
		return ex;
	ex = open_index(&cfg, &w);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	memset(&st, 0, sizeof st);
	for (i = 0; i < argc; i++) {
		add_one(w, argv[i], o->url, &st);
		if ((i + 1) % cfg.commit_every == 0 && index_commit(w, err))
			log_error("msg=\"commit failed: %s\"", err);
	}
	ex = close_index(w, cfg.index_path);
	printf("files=%d new=%u updated=%u unchanged=%u skipped=%u failed=%u seconds=%ld\n",
	       argc, st.added, st.updated, st.unchanged, st.skipped, st.failed,
	       (long)(time(NULL) - start));
	if (!ex && st.failed)
		ex = GZ_EXIT_PARTIAL;
	config_free(&cfg);
	return ex;
}

/* Print a for a person: one field per line, then the text. */
static void print_article(const struct article *a, enum page_kind kind)
{
	static const char *const kinds[] = { "article", "listing", "other" };
	char when[GZ_TIME_ISOLEN];
	size_t i;

	printf("kind:        %s\n", kinds[kind]);
	printf("url:         %s\n", a->url ? a->url : "");
	if (a->canonical_url)
		printf("canonical:   %s\n", a->canonical_url);
	printf("title:       %s\n", a->title ? a->title : "");
	printf("source:      %s\n", a->source ? a->source : "");
	gz_time_iso(&a->published, when);
	printf("published:   %s\n", when);
	gz_time_iso(&a->modified, when);
	if (*when)
		printf("modified:    %s\n", when);
	printf("section:     %s\n", a->section ? a->section : "");
	printf("authors:     ");
	for (i = 0; i < a->n_authors; i++)
		printf("%s%s", i ? "; " : "", a->authors[i]);
	printf("\nlanguage:    %s\n", a->language ? a->language : "");
	if (a->description)
		printf("description: %s\n", a->description);
	if (a->confidence)
		printf("guessed:     %s\n", a->confidence);
	printf("\n%s\n", a->text ? a->text : "");
}

static int cmd_extract(const struct cli_opts *o, int argc, char **argv)
{
	char err[GZ_ERRLEN], fallback[PATH_MAX + 8];
	struct extract_opts eo;
	struct article a;
	enum page_kind kind = PAGE_OTHER;
	struct buf b;
	char *json;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "gazette-indexer: extract takes one FILE (or -)\n");
		return GZ_EXIT_USAGE;
	}
	buf_init(&b, GZ_MAX_PAGE_BYTES);
	rc = buf_read_file(&b, argv[0], err);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s\n", err);
		buf_release(&b);
		return GZ_EXIT_PARTIAL;
	}
	memset(&eo, 0, sizeof eo);
	if (o->url) {
		eo.url = o->url;
	} else if (strcmp(argv[0], "-") != 0) {
		file_url(argv[0], fallback, sizeof fallback);
		eo.url = fallback;
	}
	article_init(&a);
	rc = extract_html(b.ptr, b.len, &eo, &a, &kind, err);
	buf_release(&b);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", argv[0], err);
		article_free(&a);
		return GZ_EXIT_PARTIAL;
	}
	if (o->json) {
		json = article_to_json(&a, 1);
		if (!json) {
			article_free(&a);
			fprintf(stderr, "gazette-indexer: out of memory\n");
			return GZ_EXIT_SOFTWARE;
		}
		printf("%s\n", json);
		free(json);
	} else {
		print_article(&a, kind);
	}
	article_free(&a);
	return GZ_EXIT_OK;
}

static int cmd_robots_check(const struct cli_opts *o, int argc, char **argv)
{
	char err[GZ_ERRLEN];
	struct robots r;
	struct buf b;
	char *pq;
	int i, rc, ex = GZ_EXIT_OK;

	if (!o->agent || argc < 2) {
		fprintf(stderr, "gazette-indexer: usage: robots-check --user-agent UA "
				"ROBOTS_FILE URL...\n");
		return GZ_EXIT_USAGE;
	}
	buf_init(&b, GZ_MAX_ROBOTS_BYTES);
	rc = buf_read_file(&b, argv[0], err);
	if (rc && rc != GZ_ETOOBIG) { /* past the cap: parse what was read, as the crawler does */
		fprintf(stderr, "gazette-indexer: %s\n", err);
		buf_release(&b);
		return GZ_EXIT_USAGE;
	}
	robots_init(&r);
	rc = robots_parse(b.ptr, b.len, o->agent, &r, err);
	buf_release(&b);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", argv[0], err);
		robots_free(&r);
		return GZ_EXIT_SOFTWARE;
	}
	for (i = 1; i < argc; i++) {
		if (url_path_query(argv[i], &pq) != GZ_OK) {
			fprintf(stderr, "gazette-indexer: %s: not a URL\n", argv[i]);
			printf("invalid\n");
			ex = GZ_EXIT_PARTIAL;
			continue;
		}
		printf("%s\n", robots_allowed(&r, pq) ? "allowed" : "disallowed");
		free(pq);
	}
	robots_free(&r);
	return ex;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "index", required_argument, NULL, 'i' },
		{ "url", required_argument, NULL, 'u' },
		{ "user-agent", required_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_opts o;
	const char *cmd;
	int c, ex;

	memset(&o, 0, sizeof o);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return GZ_EXIT_OK;
	}
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		printf("gazette-indexer %s\n", GZ_VERSION);
		return GZ_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return GZ_EXIT_USAGE;
	}
	cmd = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "c:i:u:A:jvqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'i': o.index = optarg; break;
		case 'u': o.url = optarg; break;
		case 'A': o.agent = optarg; break;
		case 'j': o.json = 1; break;
		case 'v': o.verbose = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage(stdout); return GZ_EXIT_OK;
		case 'V': printf("gazette-indexer %s\n", GZ_VERSION); return GZ_EXIT_OK;
		default: usage(stderr); return GZ_EXIT_USAGE;
		}
	}
	log_init("gazette-indexer", o.verbose ? LOG_DEBUG : o.quiet ? LOG_WARN : LOG_INFO,
		 NULL);
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "crawl") == 0)
		ex = cmd_crawl(&o, argc, argv);
	else if (strcmp(cmd, "add") == 0)
		ex = cmd_add(&o, argc, argv);
	else if (strcmp(cmd, "extract") == 0)
		ex = cmd_extract(&o, argc, argv);
	else if (strcmp(cmd, "robots-check") == 0)
		ex = cmd_robots_check(&o, argc, argv);
	else {
		fprintf(stderr, "gazette-indexer: unknown command \"%s\" (try --help)\n", cmd);
		ex = GZ_EXIT_USAGE;
	}
	log_close();
	return ex;
}
