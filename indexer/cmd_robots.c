/*
** cmd_robots.c — gazette-indexer robots-check: URLs against a robots.txt, with the crawler's matcher.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "indexer_cmd.h"
#include "robots.h"
#include "url.h"
#include "version.h"

int cmd_robots_check(const struct cli_opts *o, int argc, char **argv)
{
	char err[GZ_ERRLEN];
	struct robots r;
	struct buf b;
	char *pq;
	int i, rc, ex = GZ_EXIT_OK;

	if (!o->agent || argc < 2) {
		fprintf(stderr,
			"gazette-indexer: usage: robots-check --user-agent UA "
			"ROBOTS_FILE URL...\n");
		return GZ_EXIT_USAGE;
	}
	buf_init(&b, GZ_MAX_ROBOTS_BYTES);
	rc = buf_read_file(&b, argv[0], err);
	if (rc &&
	    rc != GZ_ETOOBIG) { /* past the cap: parse what was read, as the crawler does */
		fprintf(stderr, "gazette-indexer: %s\n", err);
		buf_release(&b);
		return GZ_EXIT_USAGE;
	}
	robots_init(&r);
	rc = robots_parse(b.ptr, b.len, o->agent, &r, err);
	buf_release(&b);
	if (rc) {
		fprintf(stderr, "gazette-indexer: %s: %s\n", argv[0], err);
		robots_free(&r);
		return GZ_EXIT_SOFTWARE;
	}
	for (i = 1; i < argc; i++) {
		char *norm = NULL;

		/* the crawler checks URLs as it queues them: normalised */
		if (url_normalize(argv[i], &norm, err) != GZ_OK ||
		    url_path_query(norm, &pq) != GZ_OK) {
			fprintf(stderr,
				"gazette-indexer: %s: not an http(s) URL\n",
				argv[i]);
			printf("invalid\n");
			ex = GZ_EXIT_PARTIAL;
			free(norm);
			continue;
		}
		printf("%s\n",
		       robots_allowed(&r, pq) ? "allowed" : "disallowed");
		free(pq);
		free(norm);
	}
	robots_free(&r);
	return ex;
}
