/*
** cmd_merge.c — turn a sharded index into one compact database, in place.
**
** `gazette-indexer add --bulk` fills a new index as `id` shards, one
** writer thread each, and merges them here at the end of the run;
** `gazette-indexer compact --merge` does the same for any sharded index
** whose shards are local.  The steps, for an index directory DIR:
**
**   1. take the index's write lock (its meta database's) and keep it to
**      the end: a concurrent add or crawl exits 75;
**   2. remove DIR.merge-N leftovers of an interrupted merge;
**   3. merge meta and every shard the stub file lists into DIR.merge-PID
**      (Xapian's compaction, documents renumbered; meta comes first, so
**      its user metadata — crawl state, duplicate and import maps — wins);
**   4. there, delete what only a sharded index needs (layout, shard name,
**      location map, the bulk mark), commit, and check that the document
**      count is the sum of the shards';
**   5. swap DIR and DIR.merge-PID with renameat2(RENAME_EXCHANGE) (two
**      renames where the file system lacks it) and remove the old tree.
**
** A crash before step 5 leaves DIR as it was, sharded and searchable, and
** a stray DIR.merge-PID that the next merge removes; after it, DIR is the
** merged database.  A searchd that has the sharded index open keeps
** reading the old files until it is told to reopen (SIGHUP).
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "gz_err.h"
#include "gztime.h"
#include "indexer_cmd.h"
#include "log.h"
#include "schema.h"
#include "version.h"
#include "xsh.h"

/* The most databases a stub file may list for a merge. */
#define MERGE_MAX_DBS 1024

/*
** Remove the DIR.merge-N directories beside dir (N decimal) that an
** interrupted merge left behind.
*/
static void merge_sweep(const char *parent, const char *base)
{
	size_t bl = strlen(base);
	struct dirent *de;
	DIR *d = opendir(parent);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		char p[PATH_MAX];

		if (strncmp(n, base, bl) != 0 ||
		    strncmp(n + bl, ".merge-", 7) != 0 || !n[bl + 7] ||
		    strspn(n + bl + 7, "0123456789") != strlen(n + bl + 7))
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", parent, n) >=
		    sizeof p)
			continue;
		log_warn("msg=\"removing the leftover of an interrupted "
			 "merge\" dir=\"%s\"",
			 p);
		files_rm_tree(p);
	}
	closedir(d);
}

/*
** The sources of the merge: DIR/meta first, then every database the stub
** file lists (meta once).  *srcs (n_srcs paths, each malloc'd) is the
** caller's to free with merge_free_srcs.  GZ_OK, GZ_EINVAL for a remote
** shard, GZ_EOPEN, GZ_ENOMEM (message in err).
*/
static int merge_sources(const char *dir, char ***srcs, size_t *n_srcs,
			 char *err)
{
	char stub[PATH_MAX + 16], (*names)[64];
	int *local;
	char **v;
	size_t n = 0, i, k = 0;
	int rc = GZ_OK;

	*srcs = NULL;
	*n_srcs = 0;
	names = calloc(MERGE_MAX_DBS, sizeof *names);
	local = calloc(MERGE_MAX_DBS, sizeof *local);
	v = calloc(MERGE_MAX_DBS + 1, sizeof *v);
	if (!names || !local || !v) {
		rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(stub, sizeof stub, "%s/%s", dir, SHARD_STUB);
	if (cmd_read_stub(stub, names, local, MERGE_MAX_DBS, &n) < 0) {
		rc = gz_fail(err, GZ_EOPEN, "%s: %s", stub, strerror(errno));
		goto out;
	}
	if (asprintf(&v[k], "%s/%s", dir, SHARD_META) < 0) {
		v[k] = NULL;
		rc = gz_fail(err, GZ_ENOMEM, "out of memory");
		goto out;
	}
	k++;
	for (i = 0; i < n && rc == GZ_OK; i++) {
		if (!local[i]) {
			rc = gz_fail(err, GZ_EINVAL,
				     "shard \"%s\" is not local: only local "
				     "shards can be merged",
				     names[i]);
		} else if (strcmp(names[i], SHARD_META) != 0) {
			if (asprintf(&v[k], "%s/%s", dir, names[i]) < 0) {
				v[k] = NULL;
				rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			} else {
				k++;
			}
		}
	}
out:
	free(names);
	free(local);
	if (rc) {
		for (i = 0; v && i < k; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	*srcs = v;
	*n_srcs = k;
	return GZ_OK;
}

/* Free what merge_sources returned. */
static void merge_free_srcs(char **srcs, size_t n)
{
	size_t i;

	for (i = 0; srcs && i < n; i++)
		free(srcs[i]);
	free(srcs);
}

/* The documents in all of srcs[0..n), into *docs.  GZ_OK or an index error. */
static int merge_count(char **srcs, size_t n, unsigned long *docs, char *err)
{
	size_t i;
	int rc = GZ_OK;

	*docs = 0;
	for (i = 0; i < n && rc == GZ_OK; i++) {
		struct xsh_db *db = NULL;
		unsigned c = 0;

		rc = xsh_db_open(srcs[i], &db, err);
		if (!rc)
			rc = xsh_db_doccount(db, &c, err);
		xsh_db_close(db);
		*docs += c;
	}
	return rc;
}

/*
** In the merged database at dst: drop the sharded index's bookkeeping,
** commit, and check that it holds want documents.  GZ_OK or an error.
*/
static int merge_finish(const char *dst, int no_sync, unsigned long want,
			char *err)
{
	static const char *const keys[] = { META_SHARD_BY, META_SHARD_COUNT,
					    META_SHARD_NAME, META_BULK };
	struct xsh_wdb *w = NULL;
	unsigned long locs = 0;
	unsigned docs = 0;
	size_t i;
	int rc;

	rc = xsh_wdb_open(dst, no_sync ? XSH_WDB_NO_SYNC : 0, &w, err);
	for (i = 0; !rc && i < sizeof keys / sizeof keys[0]; i++)
		rc = xsh_wdb_set_metadata(w, keys[i], "", 0, err);
	if (!rc)
		rc = xsh_wdb_delete_metadata_prefix(w, META_LOC_PREFIX, &locs,
						    err);
	if (!rc)
		rc = xsh_wdb_commit(w, err);
	if (!rc)
		rc = xsh_wdb_doccount(w, &docs, err);
	if (!rc && docs != want)
		rc = gz_fail(err, GZ_EINDEX,
			     "the merged copy has %u documents, not %lu", docs,
			     want);
	xsh_wdb_close(w);
	if (!rc && locs)
		log_debug("msg=\"location map dropped\" keys=%lu", locs);
	return rc;
}

/*
** Put the directory at dst in dir's place and dir's old tree at dst:
** atomically where the file system can exchange names.  0 or -1 (errno).
*/
static int merge_flip(const char *dir, const char *dst)
{
	char old[PATH_MAX + 64];

	if (renameat2(AT_FDCWD, dst, AT_FDCWD, dir, RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if ((size_t)snprintf(old, sizeof old, "%s.old", dst) >= sizeof old) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rename(dir, old) < 0)
		return -1;
	if (rename(dst, dir) < 0) {
		int e = errno;

		if (rename(old, dir) < 0)
			log_error(
				"dir=\"%s\" msg=\"the index is at %s: move it "
				"back by hand\"",
				dir, old);
		errno = e;
		return -1;
	}
	return rename(old, dst);
}

/* Remove the leftovers of interrupted merges beside path (indexer_cmd.h). */
void cmd_merge_sweep(const char *path)
{
	char dir[PATH_MAX], parent[PATH_MAX];
	const char *base;

	if (cmd_split_path(path, 40, dir, parent, &base) == 0)
		merge_sweep(parent, base);
}

int cmd_merge_index(const char *path, int no_sync, volatile sig_atomic_t *stop)
{
	struct xsh_wdb *lock = NULL;
	char err[GZ_ERRLEN], dir[PATH_MAX], parent[PATH_MAX];
	char meta[PATH_MAX + 8], dst[PATH_MAX + 40];
	const char *base;
	char **srcs = NULL;
	size_t n_srcs = 0;
	unsigned long docs = 0;
	unsigned long long before = 0, after = 0;
	double t0 = gz_mono_ms();
	size_t i;
	int rc;

	if (cmd_split_path(path, 40, dir, parent, &base) < 0) {
		fprintf(stderr, "gazette-indexer: merge: bad index path\n");
		return GZ_EXIT_USAGE;
	}
	if (!cmd_is_sharded(dir)) {
		log_info("msg=\"already one database\" index=\"%s\"", dir);
		return GZ_EXIT_OK;
	}
	/* 1. The whole index's lock: its meta database's. */
	snprintf(meta, sizeof meta, "%s/%s", dir, SHARD_META);
	rc = cmd_lock_db(meta, dir, &lock);
	if (rc)
		return rc;
	/* 2-3. Leftovers, the sources, the merged copy. */
	merge_sweep(parent, base);
	rc = merge_sources(dir, &srcs, &n_srcs, err);
	if (!rc)
		rc = merge_count(srcs, n_srcs, &docs, err);
	snprintf(dst, sizeof dst, "%s.merge-%ld", dir, (long)getpid());
	if (!rc) {
		for (i = 0; i < n_srcs; i++)
			before += cmd_db_bytes(srcs[i], NULL);
		log_info("msg=\"merging shards\" index=\"%s\" databases=%zu "
			 "documents=%lu",
			 dir, n_srcs, docs);
		rc = xsh_merge((const char *const *)srcs, n_srcs, dst, err);
	}
	/* 4. Bookkeeping out, count checked. */
	if (!rc)
		rc = merge_finish(dst, no_sync, docs, err);
	if (!rc && stop && *stop)
		rc = gz_fail(err, GZ_EINTERNAL, "stopped by signal %d",
			     (int)*stop);
	merge_free_srcs(srcs, n_srcs);
	if (rc) {
		fprintf(stderr, "gazette-indexer: merge %s: %s\n", dir, err);
		files_rm_tree(dst);
		xsh_wdb_close(lock);
		if (stop && *stop)
			return 128 + (int)*stop;
		return rc == GZ_EINVAL ? GZ_EXIT_USAGE : GZ_EXIT_SOFTWARE;
	}
	after = cmd_db_bytes(dst, NULL);
	cmd_sync_dir(parent);
	/* 5. The swap; the old tree (now at dst) goes. */
	if (merge_flip(dir, dst) < 0) {
		fprintf(stderr,
			"gazette-indexer: merge %s: cannot swap in %s: %s\n",
			dir, dst, strerror(errno));
		files_rm_tree(dst);
		xsh_wdb_close(lock);
		return GZ_EXIT_SOFTWARE;
	}
	cmd_sync_dir(parent);
	xsh_wdb_close(lock);
	files_rm_tree(dst);
	log_info("msg=\"merged\" index=\"%s\" documents=%lu mb_before=%.1f "
		 "mb_after=%.1f seconds=%.1f",
		 dir, docs, (double)before / 1048576.0,
		 (double)after / 1048576.0, (gz_mono_ms() - t0) / 1000.0);
	return GZ_EXIT_OK;
}
