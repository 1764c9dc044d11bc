/*
** files.c — file-system chores shared by the indexer and the searcher
** (files.h).
*/
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "log.h"

/* nftw callback: remove one entry (children first, with FTW_DEPTH). */
static int files_rm_one(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		log_warn("file=\"%s\" msg=\"cannot remove: %s\"", path,
			 strerror(errno));
	return 0;
}

void files_rm_tree(const char *path)
{
	nftw(path, files_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
