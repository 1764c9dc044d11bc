/*
** cmd_common.c — what the subcommands share: configuration, the index, file URLs.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "gz_err.h"
#include "index.h"
#include "indexer_cmd.h"
#include "log.h"
#include "schema.h"
#include "version.h"
#include "xsh.h"

/*
** Load the configuration: defaults, then the file (a missing file is an
** error only when it was named explicitly), then command-line overrides.
** Returns GZ_EXIT_OK or GZ_EXIT_USAGE after printing why.
*/
int cmd_load_config(const struct cli_opts *o, struct gz_config *cfg)
{
	char err[GZ_ERRLEN];
	const char *path = config_path(o->config);
	int rc;

	rc = config_defaults(cfg, err);
	if (!rc && (o->config || access(path, F_OK) == 0))
		rc = config_load(cfg, path, err);
	if (!rc && o->index)
		rc = config_set_string(&cfg->index_path, o->index);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s\n", err);
		config_free(cfg);
		return GZ_EXIT_USAGE;
	}
	return GZ_EXIT_OK;
}

/*
** Open the index for writing with the configuration's shard layout (a new
** index is laid out as [index] shard_by says; an existing one keeps its
** own).
*/
int cmd_open_index(const struct gz_config *cfg, struct index_writer **w)
{
	char err[GZ_ERRLEN];
	int rc;

	rc = index_open_layout(cfg->index_path,
			       cfg->no_sync ? INDEX_NO_SYNC : 0, cfg->shard_by,
			       (unsigned)cfg->shard_count, w, err);
	if (rc == GZ_ELOCKED) {
		fprintf(stderr,
			"gazette-indexer: %s: index is locked by another "
			"writer\n",
			cfg->index_path);
		return GZ_EXIT_TEMPFAIL;
	}
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", cfg->index_path,
			err);
		return rc == GZ_ECONFIG ? GZ_EXIT_USAGE : GZ_EXIT_SOFTWARE;
	}
	return GZ_EXIT_OK;
}

/* Close the index, committing; report a failed commit.  Returns an exit code. */
int cmd_close_index(struct index_writer *w, const char *path)
{
	char err[GZ_ERRLEN];

	if (index_close(w, err)) {
		fprintf(stderr, "gazette-indexer: %s: commit failed: %s\n",
			path, err);
		return GZ_EXIT_SOFTWARE;
	}
	return GZ_EXIT_OK;
}

/*
** The URL a local file is indexed under when none is given: file:// and
** its absolute path, into out of size n.
*/
void cmd_file_url(const char *path, char *out, size_t n)
{
	char abs[PATH_MAX];

	if (realpath(path, abs))
		snprintf(out, n, "file://%s", abs);
	else
		snprintf(out, n, "file://%s", path);
}

unsigned long long cmd_db_bytes(const char *dir, time_t *committed)
{
	unsigned long long total = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (committed)
		*committed = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];
		struct stat st;

		if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >=
			    sizeof p ||
		    stat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		total += (unsigned long long)st.st_size;
		if (committed && strcmp(de->d_name, "iamglass") == 0)
			*committed = st.st_mtime;
	}
	closedir(d);
	return total;
}

/* The NAME of each "BACKEND NAME" line of a stub file (indexer_cmd.h). */
int cmd_read_stub(const char *path, char (*names)[64], int *local, size_t max,
		  size_t *n)
{
	char line[PATH_MAX + 32];
	FILE *f = fopen(path, "r");

	*n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && *n < max) {
		char *sp = strchr(line, ' ');
		size_t len;

		if (line[0] == '#' || !sp)
			continue;
		sp++;
		len = strcspn(sp, "\r\n");
		if (len == 0 || len >= 64)
			continue;
		memcpy(names[*n], sp, len);
		names[*n][len] = '\0';
		if (local)
			local[*n] = (size_t)(sp - 1 - line) == 4 &&
				memcmp(line, "auto", 4) == 0;
		(*n)++;
	}
	fclose(f);
	return 0;
}

/* fsync the directory at path, failures logged (indexer_cmd.h). */
void cmd_sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		log_warn("dir=\"%s\" msg=\"fsync: %s\"", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Open db writable to hold the index's write lock (indexer_cmd.h). */
int cmd_lock_db(const char *db, const char *index, struct xsh_wdb **lock)
{
	char err[GZ_ERRLEN];
	int rc = xsh_wdb_open(db, 0, lock, err);

	if (rc == GZ_ELOCKED) {
		fprintf(stderr,
			"gazette-indexer: %s: index is locked by another "
			"writer\n",
			index);
		return GZ_EXIT_TEMPFAIL;
	}
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", db, err);
		return GZ_EXIT_SOFTWARE;
	}
	return GZ_EXIT_OK;
}

/* 1 when path holds a stub file or a meta database (indexer_cmd.h). */
int cmd_is_sharded(const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(p, sizeof p, "%s/%s", path, SHARD_STUB) <
		    sizeof p &&
	    stat(p, &st) == 0)
		return 1;
	return (size_t)snprintf(p, sizeof p, "%s/%s", path, SHARD_META) <
		sizeof p &&
		stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* path into dir, its parent and last component (indexer_cmd.h). */
int cmd_split_path(const char *path, size_t room, char *dir, char *parent,
		   const char **base)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 0 || len + room >= PATH_MAX)
		return -1;
	memcpy(dir, path, len);
	dir[len] = '\0';
	*base = strrchr(dir, '/');
	*base = *base ? *base + 1 : dir;
	snprintf(parent, PATH_MAX, "%.*s", (int)(*base - dir), dir);
	if (!parent[0])
		snprintf(parent, PATH_MAX, ".");
	return 0;
}
