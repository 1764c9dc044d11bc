/*
** main.c — gazette-indexer: crawl the web or add local files into the index.
**
**   gazette-indexer crawl   [--config FILE] [--index DIR]
**   gazette-indexer add     [--config FILE] [--index DIR] [--url URL |
**                           --url-prefix PREFIX] [--jsonl] [--jobs N]
**                           [--bulk] PATH...
**   gazette-indexer compact [--config FILE] [--index DIR] [--keep-old]
**                           [--shard NAME | --merge]
**   gazette-indexer shards  [--config FILE] [--index DIR] [--json]
**   gazette-indexer extract [--json] [--url URL] [--content-type TYPE] FILE|-
**   gazette-indexer robots-check --user-agent UA ROBOTS_FILE URL...
**
** Options on the command line win over the configuration file.  Exit codes
** are in version.h: 0 done, 1 finished with failures, 2 usage or config,
** 70 index error, 75 another run holds the index.
*/
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer_cmd.h"
#include "log.h"
#include "version.h"

/*
** Set by SIGINT/SIGTERM during add and compact: the signal's number.  The
** one piece of process-wide mutable state, written only by the handler.
*/
static volatile sig_atomic_t stop_signal;

/* The handler: note the signal; a second one kills (SA_RESETHAND). */
static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Install on_stop for SIGINT and SIGTERM, without SA_RESTART. */
static void install_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
** Parse a decimal option value within [min, max] into *out.  0, or -1
** after saying why on stderr.
*/
static int parse_uint(const char *name, const char *s, unsigned long min,
		      unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr,
			"gazette-indexer: --%s: not a number in %lu..%lu: %s\n",
			name, min, max, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: gazette-indexer COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  crawl   [--config FILE] [--index DIR]         crawl the "
	      "configured sources\n"
	      "  add     [--config FILE] [--index DIR] [--url URL | "
	      "--url-prefix P]\n"
	      "          [--jsonl] [--jobs N] [--batch N] [--memory MB] "
	      "[--force]\n"
	      "          [--bulk] PATH...                      index HTML "
	      "files, directory\n"
	      "                                                trees, "
	      ".warc/.warc.gz files\n"
	      "  compact [--config FILE] [--index DIR] [--keep-old]\n"
	      "          [--shard NAME | --merge]\n"
	      "                                                rewrite the "
	      "index (or one\n"
	      "                                                shard) "
	      "compactly and swap\n"
	      "                                                it in "
	      "atomically\n"
	      "  shards  [--config FILE] [--index DIR] [--json]\n"
	      "                                                list the "
	      "shards: documents,\n"
	      "                                                size, last "
	      "update\n"
	      "  extract [--json] [--url URL] [--content-type TYPE] FILE|-\n"
	      "                                                show what a "
	      "page yields\n"
	      "  robots-check --user-agent UA ROBOTS_FILE URL...\n"
	      "                                                test URLs "
	      "against robots.txt\n"
	      "\n"
	      "options:\n"
	      "  -c, --config FILE   configuration file (default "
	      "$GAZETTE_CONFIG,\n"
	      "                      then /etc/gazette/gazette.conf)\n"
	      "  -i, --index DIR     index directory (overrides [index] path)\n"
	      "  -u, --url URL       URL of the page (add: one FILE only)\n"
	      "      --url-prefix P  add: a file's URL is P + its path below "
	      "the\n"
	      "                      directory argument (or its name)\n"
	      "      --jsonl         add: inputs are JSON lines of article "
	      "records\n"
	      "      --jobs N        add: extraction workers (default: cores)\n"
	      "      --batch N       add: documents per commit (default "
	      "[index]\n"
	      "                      commit_every)\n"
	      "      --memory MB     add: raw input in flight, at most "
	      "(default 64)\n"
	      "      --force         add: extract even what was imported "
	      "unchanged\n"
	      "      --bulk          add: a new index is written as one part "
	      "per "
	      "core,\n"
	      "                      merged into one database at the end\n"
	      "      --keep-old      compact: keep the previous generation\n"
	      "      --shard NAME    compact: the shard of a sharded index\n"
	      "      --merge         compact: merge a sharded index into one "
	      "database\n"
	      "  -A, --user-agent UA robots.txt product token to check\n"
	      "  -j, --json          JSON output (extract, shards)\n"
	      "  -T, --content-type TYPE  the page's HTTP Content-Type "
	      "(extract)\n"
	      "  -v, --verbose       log debugging detail\n"
	      "  -q, --quiet         log warnings and errors only\n"
	      "  -h, --help          this help\n"
	      "  -V, --version       print the version\n"
	      "\n"
	      "exit status: 0 done, 1 finished but some pages failed, 2 usage "
	      "or\n"
	      "configuration error, 70 index error, 75 the index is locked by\n"
	      "another run.\n",
	      f);
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
		{ "url-prefix", required_argument, NULL, 256 },
		{ "jsonl", no_argument, NULL, 257 },
		{ "jobs", required_argument, NULL, 258 },
		{ "batch", required_argument, NULL, 259 },
		{ "memory", required_argument, NULL, 260 },
		{ "force", no_argument, NULL, 261 },
		{ "keep-old", no_argument, NULL, 262 },
		{ "shard", required_argument, NULL, 263 },
		{ "bulk", no_argument, NULL, 264 },
		{ "merge", no_argument, NULL, 265 },
		{ "content-type", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_opts o;
	const char *cmd;
	int c, ex;

	memset(&o, 0, sizeof o);
	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return GZ_EXIT_OK;
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
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
	while ((c = getopt_long(argc, argv, "c:i:u:A:T:jvqhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'i': o.index = optarg; break;
		case 'u': o.url = optarg; break;
		case 'A': o.agent = optarg; break;
		case 'T': o.content_type = optarg; break;
		case 'j': o.json = 1; break;
		case 'v': o.verbose = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': usage(stdout); return GZ_EXIT_OK;
		case 'V':
			printf("gazette-indexer %s\n", GZ_VERSION);
			return GZ_EXIT_OK;
		case 256: o.url_prefix = optarg; break;
		case 257: o.jsonl = 1; break;
		case 258:
			if (parse_uint("jobs", optarg, 1, 64, &o.jobs))
				return GZ_EXIT_USAGE;
			break;
		case 259:
			if (parse_uint("batch", optarg, 1, 1000000, &o.batch))
				return GZ_EXIT_USAGE;
			break;
		case 260:
			if (parse_uint("memory", optarg, 1, 4096, &o.budget_mb))
				return GZ_EXIT_USAGE;
			break;
		case 261: o.force = 1; break;
		case 262: o.keep_old = 1; break;
		case 263: o.shard = optarg; break;
		case 264: o.bulk = 1; break;
		case 265: o.merge = 1; break;
		default: usage(stderr); return GZ_EXIT_USAGE;
		}
	}
	log_init("gazette-indexer",
		 o.verbose         ? LOG_DEBUG
			 : o.quiet ? LOG_WARN
				   : LOG_INFO,
		 NULL);
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "crawl") == 0)
		ex = cmd_crawl(&o, argc, argv);
	else if (strcmp(cmd, "add") == 0 || strcmp(cmd, "compact") == 0) {
		install_stop_handlers();
		o.stop = &stop_signal;
		ex = cmd[0] == 'a' ? cmd_add(&o, argc, argv)
				   : cmd_compact(&o, argc, argv);
	} else if (strcmp(cmd, "shards") == 0)
		ex = cmd_shards(&o, argc, argv);
	else if (strcmp(cmd, "extract") == 0)
		ex = cmd_extract(&o, argc, argv);
	else if (strcmp(cmd, "robots-check") == 0)
		ex = cmd_robots_check(&o, argc, argv);
	else {
		fprintf(stderr,
			"gazette-indexer: unknown command \"%s\" (try "
			"--help)\n",
			cmd);
		ex = GZ_EXIT_USAGE;
	}
	log_close();
	return ex;
}
