/*
** fuzz_robots.c — robots_parse and robots_allowed.
**
** Input: the first line (up to 2000 bytes) is the path asked about, the
** rest the robots.txt body.  Also checks the product-token helper and the
** percent-escape normaliser on the path.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gz_err.h"
#include "robots.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct robots r;
	char err[GZ_ERRLEN], tok[64];
	const uint8_t *body;
	size_t body_len;
	char *path, *norm = NULL;

	if (fuzz_split(data, size, 2000, &path, &body, &body_len))
		return 0;
	robots_init(&r);
	if (robots_parse((const char *)body, body_len,
			 "GazetteBot/1.0 (+https://gazette.invalid/bot)", &r,
			 err) == GZ_OK) {
		(void)robots_allowed(&r, path);
		(void)robots_allowed(&r, "/");
		for (size_t i = 0; i < r.n_rules; i++)
			(void)robots_match(r.rules[i].pattern, r.rules[i].len,
					   path);
		for (size_t i = 0; i < r.n_sitemaps; i++)
			(void)strlen(r.sitemaps[i]);
	}
	robots_free(&r);
	if (robots_normalize(path, strlen(path), &norm) == GZ_OK)
		free(norm);
	(void)robots_product_token(path, tok, sizeof tok);
	free(path);
	return 0;
}
