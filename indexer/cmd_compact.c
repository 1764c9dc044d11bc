/*
** cmd_compact.c — gazette-indexer compact: rewrite the index compactly and
** swap the new copy in atomically, under a running searchd.
**
** Layout.  An index made by `add` or `crawl` is a plain Xapian directory
** DIR.  The first compact turns it into
**
**   DIR        a symbolic link to "NAME.d/G" (relative; NAME = DIR's last
**              component), so DIR opens, locks and searches as before
**   DIR.d/G/   the live database, generation G (a decimal number)
**
** and every later compact writes generation G+1 beside it.  The steps:
**
**   1. take the index's write lock (open it writable, as any writer does)
**      and keep it to the end: a concurrent add or crawl exits 75, and a
**      second compact too;
**   2. compact DIR into DIR.d/G+1 (Xapian::Database::compact, as
**      xapian-compact does), check the document count, and commit one
**      metadata change there (gazette.compacted) so that its revision
**      differs from the old one: a reader's Database::reopen() re-reads
**      DIR/iamglass through the link and reopens its tables when the
**      revision changed, which is how a running searchd picks the new
**      generation up without a restart;
**   3. flip DIR to the new generation atomically: a new link renamed over
**      the old link, or, for a plain directory, renameat2(RENAME_EXCHANGE)
**      of a new link and the directory (where the file system lacks it:
**      two renames, with a moment without DIR);
**   4. release the lock and delete the old generation (--keep-old keeps it
**      until the next compact).  Readers that still have its files open
**      keep reading them until their next reopen.
**
** A crash before step 3 leaves DIR as it was and a stray DIR.d/G+1,
** removed by the next compact; after step 3 the new generation is live.
**
** A sharded index (schema.h, docs/sharding.md) is compacted one shard at a
** time: `compact --shard NAME` takes the whole index's lock (its meta
** database's) and then does the above with DIR = PATH/NAME, so the shard
** becomes PATH/NAME -> NAME.d/G and the stub's "auto NAME" line keeps
** naming it.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "config.h"
#include "files.h"
#include "gz_err.h"
#include "gztime.h"
#include "indexer_cmd.h"
#include "log.h"
#include "schema.h"
#include "version.h"
#include "xsh.h"

/* Metadata key recording the last compaction (ISO time). */
#define META_COMPACTED "gazette.compacted"

/* Parse a generation name: 0 with *gen, or -1 when it is not one. */
static int compact_gen(const char *s, unsigned long *gen)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*gen = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/*
** Remove every entry of gendir but generation keep (a leftover of a
** crashed compact or an old generation kept with --keep-old), and return
** the highest generation number seen (keep included).
*/
static unsigned long compact_sweep(const char *gendir, long long keep)
{
	unsigned long top = keep > 0 ? (unsigned long)keep : 0, g;
	struct dirent *de;
	DIR *d = opendir(gendir);

	if (!d)
		return top;
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (compact_gen(de->d_name, &g) == 0) {
			if (g > top)
				top = g;
			if ((long long)g == keep)
				continue;
		}
		if ((size_t)snprintf(p, sizeof p, "%s/%s", gendir, de->d_name) <
		    sizeof p)
			files_rm_tree(p);
	}
	closedir(d);
	return top;
}

/* Revision and document count of the database at path. */
static int compact_info(const char *path, unsigned long *rev, unsigned *docs,
			char *err)
{
	struct xsh_db *db = NULL;
	int rc = xsh_db_open(path, &db, err);

	if (!rc)
		rc = xsh_db_revision(db, rev, err);
	if (!rc)
		rc = xsh_db_doccount(db, docs, err);
	xsh_db_close(db);
	return rc;
}

/*
** Commit a gazette.compacted mark into the new database dst until its
** revision differs from old_rev.  GZ_OK or an index error.
*/
static int compact_mark(const char *dst, unsigned long old_rev, int no_sync,
			char *err)
{
	struct xsh_wdb *w = NULL;
	char when[GZ_TIME_ISOLEN], val[GZ_TIME_ISOLEN + 16];
	struct gz_time t;
	unsigned long rev = old_rev;
	unsigned docs;
	int rc, i;

	gz_time_from_unix(time(NULL), &t);
	gz_time_iso(&t, when);
	rc = xsh_wdb_open(dst, no_sync ? XSH_WDB_NO_SYNC : 0, &w, err);
	for (i = 0; !rc && rev == old_rev && i < 3; i++) {
		snprintf(val, sizeof val, "%s #%d", when, i + 1);
		rc = xsh_wdb_set_metadata(w, META_COMPACTED, val, strlen(val),
					  err);
		if (!rc)
			rc = xsh_wdb_commit(w, err);
		if (!rc)
			rc = compact_info(dst, &rev, &docs, err);
	}
	xsh_wdb_close(w);
	return rc;
}

/*
** Compact the database at path (a plain directory or a link to NAME.d/G)
** as described at the top of the file.  cfg, o borrowed.  Returns the
** exit code after saying why.
*/
static int compact_path(const struct cli_opts *o, const struct gz_config *cfg,
			const char *path)
{
	struct xsh_wdb *lock = NULL;
	char err[GZ_ERRLEN], dir[PATH_MAX], gendir[PATH_MAX + 8];
	char dst[PATH_MAX + 40], old[PATH_MAX + 40], link[PATH_MAX + 40];
	char target[PATH_MAX + 40], parent[PATH_MAX];
	const char *base, *srcs[1];
	unsigned long old_rev = 0, new_rev = 0, top;
	unsigned long long before, after;
	unsigned old_docs = 0, new_docs = 0;
	long long cur = -1;
	struct stat st;
	double t0 = gz_mono_ms();
	int rc, ex = GZ_EXIT_OK, legacy;

	if (cmd_split_path(path, 32, dir, parent, &base) < 0) {
		fprintf(stderr, "gazette-indexer: compact: bad index path\n");
		return GZ_EXIT_USAGE;
	}
	snprintf(gendir, sizeof gendir, "%s.d", dir);

	if (lstat(dir, &st) < 0) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", dir,
			strerror(errno));
		return GZ_EXIT_SOFTWARE;
	}
	legacy = S_ISDIR(st.st_mode);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(dir, target, sizeof target - 1);
		size_t bl = strlen(base);
		unsigned long g;

		if (n > 0)
			target[n] = '\0';
		if (n <= 0 || strncmp(target, base, bl) != 0 ||
		    strncmp(target + bl, ".d/", 3) != 0 ||
		    compact_gen(target + bl + 3, &g) < 0) {
			fprintf(stderr,
				"gazette-indexer: %s: a link, but not to "
				"%s.d/N: "
				"not an index this program laid out\n",
				dir, base);
			return GZ_EXIT_SOFTWARE;
		}
		cur = (long long)g;
	} else if (!legacy) {
		fprintf(stderr, "gazette-indexer: %s: not a directory\n", dir);
		return GZ_EXIT_SOFTWARE;
	}

	/* 1. The write lock, held to the end. */
	ex = cmd_lock_db(dir, dir, &lock);
	if (ex)
		return ex;
	rc = compact_info(dir, &old_rev, &old_docs, err);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", dir, err);
		xsh_wdb_close(lock);
		return GZ_EXIT_SOFTWARE;
	}
	before = cmd_db_bytes(dir, NULL);

	/* 2. The new generation. */
	if (mkdir(gendir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", gendir,
			strerror(errno));
		xsh_wdb_close(lock);
		return GZ_EXIT_SOFTWARE;
	}
	top = compact_sweep(gendir, cur);
	snprintf(dst, sizeof dst, "%s/%lu", gendir, top + 1);
	srcs[0] = dir;
	log_info("msg=\"compacting\" index=\"%s\" into=\"%s\" documents=%u",
		 dir, dst, old_docs);
	rc = xsh_compact(srcs, 1, dst, err);
	if (!rc)
		rc = compact_mark(dst, old_rev, cfg->no_sync, err);
	if (!rc)
		rc = compact_info(dst, &new_rev, &new_docs, err);
	if (!rc && new_docs != old_docs)
		rc = gz_fail(err, GZ_EINDEX,
			     "the copy has %u documents, not %u", new_docs,
			     old_docs);
	if (!rc && o->stop && *o->stop)
		rc = gz_fail(err, GZ_EINTERNAL, "stopped by signal %d",
			     (int)*o->stop);
	if (rc) {
		fprintf(stderr, "gazette-indexer: compact %s: %s\n", dir, err);
		files_rm_tree(dst);
		xsh_wdb_close(lock);
		ex = o->stop && *o->stop ? 128 + (int)*o->stop
					 : GZ_EXIT_SOFTWARE;
		return ex;
	}
	after = cmd_db_bytes(dst, NULL);
	cmd_sync_dir(gendir);

	/* 3. The flip. */
	snprintf(target, sizeof target, "%s.d/%lu", base, top + 1);
	snprintf(link, sizeof link, "%s.tmp-%ld", dir, (long)getpid());
	unlink(link);
	if (symlink(target, link) < 0) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", link,
			strerror(errno));
		ex = GZ_EXIT_SOFTWARE;
	} else if (!legacy) {
		snprintf(old, sizeof old, "%s/%lld", gendir, cur);
		if (rename(link, dir) < 0) {
			fprintf(stderr, "gazette-indexer: %s: %s\n", dir,
				strerror(errno));
			ex = GZ_EXIT_SOFTWARE;
		}
	} else {
		/* The plain directory becomes generation 0. */
		snprintf(old, sizeof old, "%s/0", gendir);
		if (renameat2(AT_FDCWD, link, AT_FDCWD, dir, RENAME_EXCHANGE) ==
		    0) {
			if (rename(link, old) < 0)
				log_warn("file=\"%s\" msg=\"cannot move the "
					 "old index: %s\"",
					 link, strerror(errno));
		} else if (rename(dir, old) < 0 || rename(link, dir) < 0) {
			fprintf(stderr, "gazette-indexer: %s: %s\n", dir,
				strerror(errno));
			ex = GZ_EXIT_SOFTWARE;
		}
	}
	if (ex) {
		unlink(link);
		files_rm_tree(dst);
		xsh_wdb_close(lock);
		return ex;
	}
	cmd_sync_dir(parent);

	/* 4. Release, and drop the old generation. */
	xsh_wdb_close(lock);
	if (!o->keep_old)
		files_rm_tree(old);
	printf("documents=%u generation=%lu before_mb=%.1f after_mb=%.1f "
	       "seconds=%.1f\n",
	       new_docs, top + 1, (double)before / 1e6, (double)after / 1e6,
	       (gz_mono_ms() - t0) / 1000.0);
	fflush(stdout);
	return GZ_EXIT_OK;
}

/* 1 when name can name a shard directory: no slash, no dot first. */
static int compact_shard_name_ok(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/') &&
		strlen(name) < 64;
}

int cmd_compact(const struct cli_opts *o, int argc, char **argv)
{
	struct gz_config cfg;
	struct xsh_wdb *lock = NULL;
	char dir[PATH_MAX];
	struct stat st;
	int ex;

	(void)argv;
	if (argc > 0) {
		fprintf(stderr,
			"gazette-indexer: compact takes no arguments\n");
		return GZ_EXIT_USAGE;
	}
	if (o->merge && o->shard) {
		fprintf(stderr,
			"gazette-indexer: --merge and --shard exclude "
			"each other\n");
		return GZ_EXIT_USAGE;
	}
	ex = cmd_load_config(o, &cfg);
	if (ex)
		return ex;
	if (o->merge) {
		ex = cmd_merge_index(cfg.index_path, cfg.no_sync, o->stop);
		config_free(&cfg);
		return ex;
	}
	if (!cmd_is_sharded(cfg.index_path)) {
		if (o->shard) {
			fprintf(stderr,
				"gazette-indexer: %s: not a sharded index; "
				"--shard does not apply\n",
				cfg.index_path);
			ex = GZ_EXIT_USAGE;
		} else {
			ex = compact_path(o, &cfg, cfg.index_path);
		}
		config_free(&cfg);
		return ex;
	}
	if (!o->shard) {
		fprintf(stderr,
			"gazette-indexer: %s: a sharded index: compact one "
			"shard with --shard NAME (see gazette-indexer "
			"shards), or merge them all with --merge\n",
			cfg.index_path);
		config_free(&cfg);
		return GZ_EXIT_USAGE;
	}
	if (!compact_shard_name_ok(o->shard) ||
	    (size_t)snprintf(dir, sizeof dir, "%s/%s", cfg.index_path,
			     o->shard) >= sizeof dir ||
	    stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "gazette-indexer: %s: no shard \"%s\"\n",
			cfg.index_path, o->shard);
		config_free(&cfg);
		return GZ_EXIT_USAGE;
	}
	/* The whole index's lock: its meta database's. */
	snprintf(dir, sizeof dir, "%s/%s", cfg.index_path, SHARD_META);
	ex = cmd_lock_db(dir, cfg.index_path, &lock);
	if (ex) {
		config_free(&cfg);
		return ex;
	}
	snprintf(dir, sizeof dir, "%s/%s", cfg.index_path, o->shard);
	ex = compact_path(o, &cfg, dir);
	xsh_wdb_close(lock);
	config_free(&cfg);
	return ex;
}
