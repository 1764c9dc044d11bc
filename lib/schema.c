/*
** schema.c — term spelling shared by the indexer and the searcher, so that
** a filter typed in a query finds the term the indexer wrote.
*/
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "gz_limits.h"
#include "hash.h"
#include "schema.h"
#include "xsh.h"

int schema_idterm(const char *url, char *out, size_t n)
{
	size_t len;
	char h1[17], h2[17];

	if (!url || !*url || n < GZ_MAX_TERM_BYTES + 1)
		return -1;
	len = strlen(url);
	if (len + strlen(PFX_ID) <= GZ_MAX_TERM_BYTES) {
		snprintf(out, n, "%s%s", PFX_ID, url);
		return 0;
	}
	gz_hash_hex(gz_hash64(url, len, 0), h1);
	gz_hash_hex(gz_hash64(url, len, 0x9e3779b97f4a7c15ULL), h2);
	snprintf(out, n, "%s#%s%s", PFX_ID, h1, h2);
	return 0;
}

/* Length of the longest prefix of s[0..len) that ends on a UTF-8 boundary. */
static size_t utf8_cut(const char *s, size_t len)
{
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

void schema_filter_term(const char *prefix, const char *value, char *out,
			size_t n)
{
	size_t plen = strlen(prefix), vlen, max;

	if (n == 0)
		return;
	snprintf(out, n, "%s", prefix);
	if (!value || plen >= n - 1)
		return;
	while (*value == ' ' || *value == '\t')
		value++;
	max = n - 1 - plen;
	if (max > GZ_MAX_TERM_BYTES - plen)
		max = GZ_MAX_TERM_BYTES - plen;
	if (xsh_utf8_lower(value, strlen(value), out + plen, max + 1) !=
	    GZ_OK) {
		out[plen] = '\0';
		return;
	}
	vlen = strlen(out + plen);
	while (vlen &&
	       (out[plen + vlen - 1] == ' ' || out[plen + vlen - 1] == '\t'))
		vlen--;
	out[plen + utf8_cut(out + plen, vlen)] = '\0';
}

int schema_cluster_term(const char *key, char *out, size_t n)
{
	size_t len;

	if (!key || !*key)
		return -1;
	len = strlen(PFX_CLUSTER) + strlen(key);
	if (len > GZ_MAX_TERM_BYTES || len >= n)
		return -1;
	snprintf(out, n, "%s%s", PFX_CLUSTER, key);
	return 0;
}

int schema_host(const char *url, char *out, size_t n)
{
	CURLU *u;
	char *host = NULL;
	const char *h;
	size_t i;
	int rc = -1;

	if (!url || n == 0)
		return -1;
	u = curl_url();
	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
		h = host;
		if (strncasecmp(h, "www.", 4) == 0)
			h += 4;
		snprintf(out, n, "%s", h);
		for (i = 0; out[i]; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
		rc = 0;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}
