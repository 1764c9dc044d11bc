/*
** cmd_add.c — gazette-indexer add: local files, directory trees, WARC
** files and JSON lines of articles, into the index (see ingest.h and
** docs/import.md).
**
** With --bulk, a new index is written as one `id` part per core (one
** writer thread each) and merged into one database at the end of the run
** (cmd_merge.c); an interrupted run leaves the parts, which the next
** --bulk run continues and merges.
**
** Exit codes as the crawler's: 0 all went well, 1 some items failed, 2
** usage or configuration, 70 index error, 75 the index is locked; a run
** stopped by SIGINT or SIGTERM commits what is done, prints its summary
** and exits 128 + the signal's number.
*/
#include <dirent.h>
#include <errno.h>
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
#include "schema.h"
#include "version.h"

/* The most parts a bulk import writes at once. */
#define ADD_MAX_PARTS 16

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

/* 1 when nothing is at path yet, or an empty directory. */
static int add_path_is_new(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if (access(path, F_OK) < 0)
		return errno == ENOENT;
	d = opendir(path);
	if (!d)
		return 0;
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
			strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Parts of a bulk import: one per core, at least 2. */
static unsigned add_bulk_parts(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		return 2;
	return n > ADD_MAX_PARTS ? ADD_MAX_PARTS : (unsigned)n;
}

/*
** Prepare cfg for --bulk: a new index is laid out as id parts.  Returns
** 1 when the run is a bulk one (parts to merge at the end), 0 when the
** index exists and is added to as usual, or -1 after saying why the
** configuration excludes it.
*/
static int add_bulk_layout(struct gz_config *cfg)
{
	if (strcmp(cfg->shard_by, "none") != 0) {
		fprintf(stderr,
			"gazette-indexer: --bulk builds one database; the "
			"configuration asks for shard_by = %s\n",
			cfg->shard_by);
		return -1;
	}
	if (!add_path_is_new(cfg->index_path))
		return 0;
	if (config_set_string(&cfg->shard_by, "id") != GZ_OK) {
		fprintf(stderr, "gazette-indexer: out of memory\n");
		return -1;
	}
	cfg->shard_count = (int)add_bulk_parts();
	return 1;
}

/*
** After opening: mark a new bulk index as such (committed at once, so a
** killed run is recognised), or learn whether an existing index is the
** parts of an unfinished bulk import.  Returns 1 (bulk), 0, or -1 with
** err set.
*/
static int add_bulk_mark(struct index_writer *w, int fresh, char *err)
{
	char *mark = NULL;
	int rc, bulk;

	if (fresh) {
		rc = index_set_meta(w, META_BULK, "1", err);
		if (!rc)
			rc = index_commit(w, err);
		return rc ? -1 : 1;
	}
	if (index_get_meta(w, META_BULK, &mark, err) != GZ_OK)
		return -1;
	bulk = strcmp(mark, "1") == 0;
	free(mark);
	return bulk;
}

int cmd_add(const struct cli_opts *o, int argc, char **argv)
{
	struct gz_config cfg;
	struct index_writer *w = NULL;
	struct ingest_opts io;
	struct ingest_stats st;
	char err[GZ_ERRLEN], line[512];
	int rc, ex, fresh, bulk;

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
	fresh = o->bulk ? add_bulk_layout(&cfg) : 0;
	if (fresh < 0) {
		config_free(&cfg);
		return GZ_EXIT_USAGE;
	}
	ex = cmd_open_index(&cfg, &w);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	bulk = o->bulk ? add_bulk_mark(w, fresh, err) : 0;
	if (bulk < 0) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", cfg.index_path,
			err);
		index_close(w, NULL);
		config_free(&cfg);
		return GZ_EXIT_SOFTWARE;
	}
	if (o->bulk)
		cmd_merge_sweep(cfg.index_path); /* the lock is ours */
	if (o->bulk && !bulk)
		log_info("msg=\"--bulk applies to a new index; adding as "
			 "usual\" index=\"%s\"",
			 cfg.index_path);
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
	if (!ex && bulk && st.stop_signal)
		log_info("msg=\"stopped: the index stays in parts until "
			 "add --bulk or compact --merge completes it\" "
			 "index=\"%s\"",
			 cfg.index_path);
	else if (!ex && bulk)
		ex = cmd_merge_index(cfg.index_path, cfg.no_sync, o->stop);
	printf("%s\n", line);
	fflush(stdout);
	if (!ex && st.stop_signal)
		ex = 128 + st.stop_signal;
	if (!ex && st.failed)
		ex = GZ_EXIT_PARTIAL;
	config_free(&cfg);
	return ex;
}
