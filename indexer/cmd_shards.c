/*
** cmd_shards.c — gazette-indexer shards: the databases of an index, with
** their document counts, sizes on disk and last update.
**
** A sharded index (schema.h, docs/sharding.md) lists its meta database and
** every shard, in the order of its stub file; a single-database index
** lists itself as one row named "-".  Reading needs no lock, so it runs
** beside a writer.  Output: a table, or with --json one object
**
**   {"index":PATH,"layout":"year","shards":[{"name":"2013","documents":12,
**    "bytes":331776,"updated":"2026-11-28T14:20:01Z"},...],
**    "documents":N,"bytes":B}
**
** "updated" is the time of the database's last commit (the modification
** time of its version file).  Exit status: 0, 2 usage, 70 an index that
** cannot be read.
*/
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "gz_err.h"
#include "gztime.h"
#include "indexer_cmd.h"
#include "schema.h"
#include "version.h"
#include "xsh.h"

/* What is listed of one database. */
struct shard_row {
	char name[64];                /* shard name, "meta", or "-" */
	unsigned docs;                /* documents */
	unsigned long long bytes;     /* bytes of its files */
	char updated[GZ_TIME_ISOLEN]; /* last commit, ISO UTC, or "" */
};

/* Fill row for the database at path.  GZ_OK or an index error (in err). */
static int shards_row(const char *path, const char *name, struct shard_row *row,
		      char *err)
{
	struct xsh_db *db = NULL;
	struct gz_time t;
	time_t when;
	int rc;

	memset(row, 0, sizeof *row);
	snprintf(row->name, sizeof row->name, "%s", name);
	rc = xsh_db_open(path, &db, err);
	if (!rc)
		rc = xsh_db_doccount(db, &row->docs, err);
	xsh_db_close(db);
	if (rc)
		return rc;
	row->bytes = cmd_db_bytes(path, &when);
	if (when) {
		gz_time_from_unix(when, &t);
		gz_time_iso(&t, row->updated);
	}
	return GZ_OK;
}

/* The layout recorded in the meta database at path (caller frees), or NULL. */
static char *shards_layout(const char *meta)
{
	struct xsh_db *db = NULL;
	char *by = NULL;

	if (xsh_db_open(meta, &db, NULL) == GZ_OK &&
	    xsh_db_get_metadata(db, META_SHARD_BY, &by, NULL, NULL) != GZ_OK) {
		free(by);
		by = NULL;
	}
	xsh_db_close(db);
	return by;
}

/* Print rows as a table or JSON.  Returns 0, or -1 when out of memory. */
static int shards_print(const char *index, const char *layout,
			const struct shard_row *rows, size_t n, int json)
{
	unsigned long long bytes = 0;
	unsigned long docs = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		docs += rows[i].docs;
		bytes += rows[i].bytes;
	}
	if (json) {
		json_t *o = json_object(), *arr = json_array();
		char *s;

		if (!o || !arr) {
			json_decref(o);
			json_decref(arr);
			return -1;
		}
		json_object_set_new(o, "index", json_string(index));
		json_object_set_new(o, "layout", json_string(layout));
		for (i = 0; i < n; i++)
			json_array_append_new(
				arr,
				json_pack("{s:s,s:I,s:I,s:s}", "name",
					  rows[i].name, "documents",
					  (json_int_t)rows[i].docs, "bytes",
					  (json_int_t)rows[i].bytes, "updated",
					  rows[i].updated));
		json_object_set_new(o, "shards", arr);
		json_object_set_new(o, "documents",
				    json_integer((json_int_t)docs));
		json_object_set_new(o, "bytes",
				    json_integer((json_int_t)bytes));
		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!s)
			return -1;
		printf("%s\n", s);
		free(s);
		return 0;
	}
	printf("index %s  layout %s\n", index, layout);
	printf("%-12s %10s %10s  %s\n", "shard", "documents", "MB", "updated");
	for (i = 0; i < n; i++)
		printf("%-12s %10u %10.1f  %s\n", rows[i].name, rows[i].docs,
		       (double)rows[i].bytes / 1e6,
		       rows[i].updated[0] ? rows[i].updated : "-");
	printf("%-12s %10lu %10.1f\n", "total", docs, (double)bytes / 1e6);
	return 0;
}

int cmd_shards(const struct cli_opts *o, int argc, char **argv)
{
	enum { MAX_ROWS = 4096 };
	struct gz_config cfg;
	char(*names)[64] = NULL;
	struct shard_row *rows = NULL;
	char stub[PATH_MAX], meta[PATH_MAX], p[PATH_MAX], err[GZ_ERRLEN];
	char *layout = NULL;
	size_t n = 0, i;
	struct stat st;
	int ex;

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "gazette-indexer: shards takes no arguments\n");
		return GZ_EXIT_USAGE;
	}
	ex = cmd_load_config(o, &cfg);
	if (ex)
		return ex;
	names = calloc(MAX_ROWS, sizeof *names);
	rows = calloc(MAX_ROWS, sizeof *rows);
	if (!names || !rows) {
		fprintf(stderr, "gazette-indexer: out of memory\n");
		ex = GZ_EXIT_SOFTWARE;
		goto out;
	}
	snprintf(stub, sizeof stub, "%s/%s", cfg.index_path, SHARD_STUB);
	snprintf(meta, sizeof meta, "%s/%s", cfg.index_path, SHARD_META);
	if (stat(stub, &st) == 0) {
		if (cmd_read_stub(stub, names, NULL, MAX_ROWS, &n) < 0) {
			fprintf(stderr, "gazette-indexer: %s: %s\n", stub,
				strerror(errno));
			ex = GZ_EXIT_SOFTWARE;
			goto out;
		}
		layout = shards_layout(meta);
	} else {
		snprintf(names[0], sizeof names[0], "-");
		n = 1;
	}
	for (i = 0; i < n; i++) {
		const char *path = p;

		if (strcmp(names[i], "-") == 0)
			path = cfg.index_path;
		else
			snprintf(p, sizeof p, "%s/%s", cfg.index_path,
				 names[i]);
		if (shards_row(path, names[i], &rows[i], err) != GZ_OK) {
			fprintf(stderr, "gazette-indexer: %s: %s\n", path, err);
			ex = GZ_EXIT_SOFTWARE;
			goto out;
		}
	}
	if (shards_print(cfg.index_path, layout && *layout ? layout : "none",
			 rows, n, o->json) < 0) {
		fprintf(stderr, "gazette-indexer: out of memory\n");
		ex = GZ_EXIT_SOFTWARE;
	}
	fflush(stdout);
out:
	free(layout);
	free(names);
	free(rows);
	config_free(&cfg);
	return ex;
}
