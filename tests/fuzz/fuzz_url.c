/*
** fuzz_url.c — url_normalize, url_resolve and the URL helpers.
**
** Input: the first line is a base URL, the rest a reference.  A normalised
** URL must normalise to itself (idempotence) and stay within
** GZ_MAX_URL_LEN.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gz_err.h"
#include "gz_limits.h"
#include "url.h"
#include "fuzz.h"

/* Run the helpers over one normalised URL and check idempotence (skipped
** when GZ_FUZZ_URL_LAX is set, to hunt for memory errors past a known
** idempotence bug). */
static void fu_check(const char *u)
{
	char host[512], err[GZ_ERRLEN];
	char *again = NULL, *pq = NULL;
	char *scope[2] = { "example.com", "*.example.org" };

	if (strlen(u) > GZ_MAX_URL_LEN)
		abort();
	if (url_normalize(u, &again, err) != GZ_OK ||
	    (strcmp(again, u) != 0 && !getenv("GZ_FUZZ_URL_LAX")))
		abort();
	free(again);
	(void)url_host(u, host, sizeof host);
	(void)url_authority(u, host, sizeof host);
	(void)url_origin(u, host, sizeof host);
	if (url_path_query(u, &pq) == GZ_OK)
		free(pq);
	(void)url_in_scope(u, scope, 2);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	char err[GZ_ERRLEN];
	const uint8_t *rest;
	size_t rest_len;
	char *base, *ref, *out = NULL;

	if (fuzz_split(data, size, 8192, &base, &rest, &rest_len))
		return 0;
	ref = fuzz_strndup(rest, rest_len);
	if (!ref) {
		free(base);
		return 0;
	}
	if (url_normalize(ref, &out, err) == GZ_OK) {
		fu_check(out);
		free(out);
	} else if (out) {
		abort(); /* *out must be NULL on every error */
	}
	out = NULL;
	if (url_resolve(*base ? base : NULL, ref, &out, err) == GZ_OK) {
		fu_check(out);
		free(out);
	} else if (out) {
		abort();
	}
	(void)url_is_tracking_param(ref, strlen(ref));
	free(ref);
	free(base);
	return 0;
}
