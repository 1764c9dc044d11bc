/*
** cmd_crawl.c — gazette-indexer crawl: the configured sources, into the index.
**
** Made to run from cron: one run at a time per index (the index lock; a
** second run exits 75 at once), exit 0 when all went well, 1 when some
** pages failed, 2 for usage or configuration errors, 70 for index errors.
** SIGTERM and SIGINT are blocked for the run and polled by the crawler,
** which then stops, commits what is done and returns; the process exits
** 128 + the signal's number, as a shell reports a killed command.  A
** progress line is drawn on stderr when stderr is a terminal (and not with
** --quiet); under cron only the log lines and the summary appear.
** --jobs sets the worker threads of the crawl (crawl.h; default: cores).
*/
#include <limits.h>
#include <signal.h>
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
	struct crawl_opts co;
	sigset_t stop, old;
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
		fprintf(stderr,
			"gazette-indexer: %s: no [source NAME] section to "
			"crawl\n",
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
	memset(&co, 0, sizeof co);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop, &old) == 0)
		co.stop_signals = &stop;
	co.progress = isatty(STDERR_FILENO) && !o->quiet;
	co.workers = o->jobs;
	rc = crawl_run(&cfg, w, &co, &stats, err);
	crawl_summary(&stats, line, sizeof line);
	if (index_set_meta(w, "gazette.last_run", line, NULL) != GZ_OK)
		log_warn("msg=\"cannot record the run summary\"");
	ex = cmd_close_index(w, cfg.index_path);
	if (rc) {
		fprintf(stderr, "gazette-indexer: crawl: %s\n", err);
		if (!ex)
			ex = rc == GZ_ECONFIG || rc == GZ_EINVAL
				? GZ_EXIT_USAGE
				: GZ_EXIT_SOFTWARE;
	}
	printf("%s\n", line);
	fflush(stdout);
	if (!ex && stats.stop_signal)
		ex = 128 + stats.stop_signal;
	if (!ex && stats.failed > 0)
		ex = GZ_EXIT_PARTIAL;
	config_free(&cfg);
	/* A stop signal that arrived stays pending while blocked: discard
	** it by restoring the mask only after the exit code is known. */
	if (co.stop_signals && stats.stop_signal) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
	}
	if (co.stop_signals)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return ex;
}
