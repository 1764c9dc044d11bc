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
#include <stdio.h>
#include <string.h>

#include "indexer_cmd.h"
#include "log.h"
#include "version.h"

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
