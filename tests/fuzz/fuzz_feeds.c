/*
** fuzz_feeds.c — feed_parse (RSS, RDF, Atom, sitemaps, gzip, plain text)
** on arbitrary bytes.  Every entry delivered must be a readable string.
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "feeds.h"
#include "gz_err.h"
#include "fuzz.h"

/* Entry callback: read every string; stop after 5000 to bound time. */
static int ff_on_entry(void *ctx, const struct feed_entry *e)
{
	size_t *n = ctx;

	*n += strlen(e->url) + (e->title ? strlen(e->title) : 0);
	*n += (size_t)e->date.year;
	return ++n[1] >= 5000;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct feed_info info;
	char err[GZ_ERRLEN];
	size_t seen[2] = { 0, 0 };

	(void)feed_parse((const char *)data, size, ff_on_entry, seen, &info,
			 err);
	(void)feed_kind_name(info.kind);
	return 0;
}
