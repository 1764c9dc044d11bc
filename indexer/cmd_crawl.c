/*
** cmd_crawl.c — gazette-indexer crawl: the configured sources, into the index.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crawl.h"
#include "gz_err.h"
#include "index.h"
#include "indexer_cmd.h"
#include "log.h"
#include "version.h"


int cmd_crawl(const struct cli_opts *o, int argc, char **argv)
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
	ex = cmd_load_config(o, &cfg);
	if (ex)
		return ex;
	if (cfg.n_sources == 0) {
		fprintf(stderr, "gazette-indexer: %s: no [source NAME] section to crawl\n",
			config_path(o->config));
		config_free(&cfg);
		return GZ_EXIT_USAGE;
	}
	ex = cmd_open_index(&cfg, &w);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	memset(&stats, 0, sizeof stats);
	rc = crawl_run(&cfg, w, &stats, err);
	crawl_summary(&stats, line, sizeof line);
	if (index_set_meta(w, "gazette.last_run", line, NULL) != GZ_OK)
		log_warn("msg=\"cannot record the run summary\"");
	ex = cmd_close_index(w, cfg.index_path);
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
