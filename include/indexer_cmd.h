/*
** indexer_cmd.h — the subcommands of gazette-indexer, one file each.
**
** main.c parses the options into struct cli_opts and calls one cmd_*
** function with the remaining arguments; each returns the process exit
** code (version.h).  cmd_common.c holds what several commands share.
*/
#ifndef GZ_INDEXER_CMD_H
#define GZ_INDEXER_CMD_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

struct gz_config;
struct index_writer;
struct xsh_wdb;

/* Options shared by the subcommands. */
struct cli_opts {
	const char *config; /* --config, or NULL for the default search */
	const char *index;  /* --index, or NULL for the config's */
	const char *url;    /* --url for add and extract */
	const char *agent;  /* --user-agent for robots-check */
	int json;           /* --json for extract */
	const char *
		content_type; /* --content-type for extract: the HTTP header's value */
	int verbose;          /* --verbose: debug logging */
	int quiet;            /* --quiet: warnings and errors only */
	/* add (bulk import, see ingest.h and docs/import.md) */
	const char *url_prefix; /* --url-prefix: URL = prefix + relative path */
	int jsonl;              /* --jsonl: inputs are JSON lines of articles */
	int force;      /* --force: extract even what is recorded as done */
	unsigned jobs;  /* --jobs: workers of add and crawl; 0 = cores */
	unsigned batch; /* --batch: documents per commit; 0 = config's */
	unsigned
		budget_mb; /* --memory: MB of raw input in flight; 0 = default */
	int bulk; /* --bulk: a new index as parallel parts, merged at the end */
	/* compact */
	int keep_old;      /* --keep-old: keep the previous generation */
	int merge;         /* --merge: a sharded index into one database */
	const char *shard; /* --shard NAME: the shard of a sharded index */
	/* Set to a signal's number by main's SIGINT/SIGTERM handler; NULL when
	** none is installed.  Commands poll it to stop cleanly. */
	volatile sig_atomic_t *stop;
};

int cmd_crawl(const struct cli_opts *o, int argc, char **argv);
int cmd_add(const struct cli_opts *o, int argc, char **argv);
int cmd_extract(const struct cli_opts *o, int argc, char **argv);
int cmd_robots_check(const struct cli_opts *o, int argc, char **argv);
int cmd_compact(const struct cli_opts *o, int argc, char **argv);
int cmd_shards(const struct cli_opts *o, int argc, char **argv);

/*
** Load the configuration: defaults, then the file (a missing file is an
** error only when it was named explicitly), then command-line overrides.
** Returns GZ_EXIT_OK (cfg is then the caller's to config_free()) or
** GZ_EXIT_USAGE after printing why (cfg already freed).
*/
int cmd_load_config(const struct cli_opts *o, struct gz_config *cfg);

/*
** Open the index for writing, laid out as the config's shard_by says when
** new; 0, or the exit code after saying why: 75 when another writer holds
** it, 2 for a layout the path cannot take, 70 otherwise.  *w is the
** caller's (cmd_close_index).
*/
int cmd_open_index(const struct gz_config *cfg, struct index_writer **w);

/* Commit and close the index; 0, or GZ_EXIT_SOFTWARE after saying why. */
int cmd_close_index(struct index_writer *w, const char *path);

/* The file:// URL of a local path (made absolute) into out of size n. */
void cmd_file_url(const char *path, char *out, size_t n);

/*
** Bytes of the regular files directly inside dir (one Xapian database,
** links followed); 0 when it cannot be read.  When committed is not NULL
** it receives the time of the database's last commit (its iamglass file's
** mtime), 0 when unknown.
*/
unsigned long long cmd_db_bytes(const char *dir, time_t *committed);

/*
** The databases listed in the stub file at path: NAME of each "BACKEND
** NAME" line into names[0..*n) (at most max; each of size 64), and, when
** local is not NULL, local[i] = 1 for an "auto" line (a local database)
** and 0 for any other backend.  0, or -1 when it cannot be read.
*/
int cmd_read_stub(const char *path, char (*names)[64], int *local, size_t max,
		  size_t *n);

/*
** Hold the write lock of index (named so in messages) by opening its
** database db writable: 0 with *lock set (the caller's, xsh_wdb_close
** releases it), or after saying why 75 when another writer holds it and
** 70 when db cannot be opened.
*/
int cmd_lock_db(const char *db, const char *index, struct xsh_wdb **lock);

/* 1 when path holds a sharded index: a stub file or a meta database. */
int cmd_is_sharded(const char *path);

/*
** Split an index path: without trailing slashes into dir (PATH_MAX
** bytes), the directory holding it into parent (PATH_MAX bytes, "." when
** none), its last component into *base (pointing into dir).  -1 when the
** path is empty or leaves fewer than room bytes of PATH_MAX for suffixes.
*/
int cmd_split_path(const char *path, size_t room, char *dir, char *parent,
		   const char **base);

/* fsync the directory at path (after renames in it); failures are logged. */
void cmd_sync_dir(const char *path);

/*
** Merge the sharded index at path (meta and local shards listed in its
** stub file) into one compact database that takes its place: written
** beside it, its shard bookkeeping dropped, its document count checked,
** then swapped in atomically; the old tree is removed.  Holds the index's
** write lock throughout; a leftover of an interrupted merge is removed
** first.  A single-database index is left alone.  stop (may be NULL) is
** polled: a signal before the swap leaves the index as it was.  Returns
** an exit code after saying why: 0, 75 locked, 2 remote shards, 70 or
** 128 + signal otherwise.
*/
int cmd_merge_index(const char *path, int no_sync, volatile sig_atomic_t *stop);

/*
** Remove the PATH.merge-N directories an interrupted merge left beside
** the index at path.  Only while holding the index's write lock: no merge
** of it can then be running.
*/
void cmd_merge_sweep(const char *path);

#endif /* GZ_INDEXER_CMD_H */
