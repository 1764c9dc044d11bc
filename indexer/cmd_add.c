/*
** cmd_add.c — gazette-indexer add: local files, directory trees, WARC
** files and JSON lines of articles, into the index (see ingest.h and
** docs/import.md).
**
** Exit codes as the crawler's: 0 all went well, 1 some items failed, 2
** usage or configuration, 70 index error, 75 the index is locked; a run
** stopped by SIGINT or SIGTERM commits what is done, prints its summary
** and exits 128 + the signal's number.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "gz_err.h"
#include "index.h"
#include "indexer_cmd.h"
#include "ingest.h"
#include "log.h"
#include "version.h"

/* Log the skip reasons of st, when any, as one line. */
static void add_log_skips(const struct ingest_stats *st)
{
	char line[512];
	size_t k = 0;
	int i;

	if (!st->skipped && !st->known)
		return;
	for (i = 0; i < INGEST_SKIP_N && k < sizeof line; i++)
		if (st->why[i])
			k += (size_t)snprintf(
				line + k, sizeof line - k, " %s=%lu",
				ingest_skip_name((enum ingest_skip)i),
				st->why[i]);
	if (k >= sizeof line)
		k = sizeof line - 1;
	line[k] = '\0';
	log_info("msg=\"skipped by reason\"%s already_indexed=%lu", line,
		 st->known);
}

int cmd_add(const struct cli_opts *o, int argc, char **argv)
{
	struct gz_config cfg;
	struct index_writer *w = NULL;
	struct ingest_opts io;
	struct ingest_stats st;
	char err[GZ_ERRLEN], line[512];
	int rc, ex;

	if (argc < 1) {
		fprintf(stderr,
			"gazette-indexer: add needs at least one PATH\n");
		return GZ_EXIT_USAGE;
	}
	if (o->url && argc > 1) {
		fprintf(stderr,
			"gazette-indexer: --url applies to one FILE only\n");
		return GZ_EXIT_USAGE;
	}
	if (o->url && o->url_prefix) {
		fprintf(stderr,
			"gazette-indexer: --url and --url-prefix exclude each "
			"other\n");
		return GZ_EXIT_USAGE;
	}
	if (o->jsonl && (o->url || o->url_prefix)) {
		fprintf(stderr,
			"gazette-indexer: JSON lines carry their own URLs\n");
		return GZ_EXIT_USAGE;
	}
	ex = cmd_load_config(o, &cfg);
	if (ex)
		return ex;
	ex = cmd_open_index(&cfg, &w);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	memset(&io, 0, sizeof io);
	io.index_path = cfg.index_path;
	io.url = o->url;
	io.url_prefix = o->url_prefix;
	io.jsonl = o->jsonl;
	io.force = o->force;
	io.jobs = o->jobs;
	io.budget = (size_t)o->budget_mb * 1024 * 1024;
	io.commit_every = o->batch ? o->batch : (unsigned)cfg.commit_every;
	io.progress = isatty(STDERR_FILENO) && !o->quiet;
	io.stop = o->stop;
	rc = ingest_run(w, &io, argc, argv, &st, err);
	ingest_summary(&st, line, sizeof line);
	add_log_skips(&st);
	if (rc == GZ_OK &&
	    index_set_meta(w, "gazette.last_run", line, NULL) != GZ_OK)
		log_warn("msg=\"cannot record the run summary\"");
	if (rc) {
		/* The index refused a write or a commit: what was committed
		** stays; closing commits nothing more that could half-succeed. */
		fprintf(stderr, "gazette-indexer: %s: %s\n", cfg.index_path,
			err);
		index_close(w, NULL);
		ex = rc == GZ_EINVAL ? GZ_EXIT_USAGE : GZ_EXIT_SOFTWARE;
	} else {
		ex = cmd_close_index(w, cfg.index_path);
	}
	printf("%s\n", line);
	fflush(stdout);
	if (!ex && st.stop_signal)
		ex = 128 + st.stop_signal;
	if (!ex && st.failed)
		ex = GZ_EXIT_PARTIAL;
	config_free(&cfg);
	return ex;
}
