/*
** extraction_driver.c — the timing and extraction half of bench/extraction.
**
** Reads a manifest on standard input, one page a line:
**     ID <TAB> PATH <TAB> URL
** (PATH may be gzip-compressed; URL may be "-").  For each page it reads
** the bytes once, then runs, ROUNDS times in alternation, libxml2's
** htmlReadMemory() alone (the very options extract_html() uses, document
** freed) and extract_html(), and writes one JSON object a line on standard
** output:
**     {"id", "text", "published", "modified", "language", "title",
**      "parse_s", "extract_s", "rc"}
** where parse_s and extract_s are the median wall times of the rounds in
** seconds.  Scoring is the script's business, not this program's.
**
** Usage: extraction_driver [--rounds N] [--now EPOCH] < manifest
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <zlib.h>

#include "article.h"
#include "buf.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"

#define DRV_MAX_ROUNDS 51 /* timing rounds per page, at most */

/* Seconds on the monotonic clock. */
static double drv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort comparator for doubles. */
static int drv_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v in place). */
static double drv_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, drv_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
** Read path (plain or gzip) into b, at most max bytes plus one so that an
** oversized page is visible.  Returns 0 on success, -1 on error.
*/
static int drv_read(const char *path, struct buf *b)
{
	gzFile f = gzopen(path, "rb");
	char chunk[65536];
	int n;

	if (!f)
		return -1;
	while ((n = gzread(f, chunk, sizeof chunk)) > 0) {
		if (buf_add(b, chunk, (size_t)n) != GZ_OK) {
			gzclose(f);
			return -1;
		}
	}
	gzclose(f);
	return n < 0 ? -1 : 0;
}

/* Parse only, as extract_html() does, and free the tree. */
static void drv_parse_only(const char *html, size_t len, const char *url)
{
	xmlDoc *d = htmlReadMemory(
		html, (int)len, url, "UTF-8",
		HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
			HTML_PARSE_RECOVER | HTML_PARSE_COMPACT);

	if (d)
		xmlFreeDoc(d);
}

/* Set key of o to a copy of s, or to null when s is NULL. */
static void drv_put(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, s ? json_string(s) : json_null());
}

/* Run one manifest line; prints its JSON line.  Returns 0 or -1. */
static int drv_page(char *line, int rounds, time_t now)
{
	char *id = line, *path, *url, *nl, iso[GZ_TIME_ISOLEN];
	double tp[DRV_MAX_ROUNDS], te[DRV_MAX_ROUNDS], t0;
	struct extract_opts eo;
	struct article a;
	enum page_kind kind;
	struct buf b;
	json_t *o;
	char *s, err[GZ_ERRLEN];
	int r, rc = GZ_OK;

	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	path = strchr(id, '\t');
	if (!path)
		return -1;
	*path++ = '\0';
	url = strchr(path, '\t');
	if (url)
		*url++ = '\0';
	if (url && !strcmp(url, "-"))
		url = NULL;
	buf_init(&b, 64u * 1024 * 1024);
	if (drv_read(path, &b) != 0) {
		fprintf(stderr, "extraction_driver: cannot read %s\n", path);
		buf_release(&b);
		return -1;
	}
	memset(&eo, 0, sizeof eo);
	eo.url = url;
	eo.now = now;
	article_init(&a);
	for (r = 0; r < rounds; r++) {
		t0 = drv_now();
		drv_parse_only(b.ptr ? b.ptr : "", b.len, url);
		tp[r] = drv_now() - t0;
		article_free(&a);
		article_init(&a);
		t0 = drv_now();
		rc = extract_html(b.ptr ? b.ptr : "", b.len, &eo, &a, &kind,
				  err);
		te[r] = drv_now() - t0;
	}
	o = json_object();
	drv_put(o, "id", id);
	drv_put(o, "text", a.text);
	drv_put(o, "title", a.title);
	drv_put(o, "language", a.language);
	gz_time_iso(&a.published, iso);
	drv_put(o, "published", iso[0] ? iso : NULL);
	gz_time_iso(&a.modified, iso);
	drv_put(o, "modified", iso[0] ? iso : NULL);
	json_object_set_new(o, "rc", json_integer(rc));
	json_object_set_new(o, "bytes", json_integer((json_int_t)b.len));
	json_object_set_new(o, "parse_s", json_real(drv_median(tp, rounds)));
	json_object_set_new(o, "extract_s", json_real(drv_median(te, rounds)));
	s = json_dumps(o, JSON_COMPACT);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
	article_free(&a);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	char line[8192];
	int rounds = 5, i, bad = 0;
	time_t now = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--now") && i + 1 < argc)
			now = (time_t)strtoll(argv[++i], NULL, 10);
		else {
			fprintf(stderr,
				"usage: extraction_driver [--rounds N] "
				"[--now EPOCH] < manifest\n");
			return 2;
		}
	}
	if (rounds < 1)
		rounds = 1;
	if (rounds > DRV_MAX_ROUNDS)
		rounds = DRV_MAX_ROUNDS;
	xmlInitParser();
	while (fgets(line, sizeof line, stdin))
		if (line[0] != '#' && line[0] != '\n' &&
		    drv_page(line, rounds, now) != 0)
			bad++;
	xmlCleanupParser();
	return bad ? 1 : 0;
}
