/*
** record.c — the stored form of an article in the index (record.h).
*/
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "article.h"
#include "gz_err.h"
#include "record.h"

/* zstd's level: its default, fast to write and quick to read. */
#define RECORD_LEVEL 3

struct record_reader {
	ZSTD_DCtx *dctx; /* owned */
};

int record_pack(const char *json, size_t len, char **out, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len), n;
	char *buf;

	*out = NULL;
	*out_len = 0;
	buf = malloc(RECORD_MAGIC_LEN + cap);
	if (!buf)
		return GZ_ENOMEM;
	memcpy(buf, RECORD_MAGIC, RECORD_MAGIC_LEN);
	n = ZSTD_compress(buf + RECORD_MAGIC_LEN, cap, json, len, RECORD_LEVEL);
	if (ZSTD_isError(n)) {
		/* Only a lack of memory makes a bounded compression fail. */
		free(buf);
		return GZ_ENOMEM;
	}
	*out = buf;
	*out_len = RECORD_MAGIC_LEN + n;
	return GZ_OK;
}

int record_reader_new(struct record_reader **out)
{
	struct record_reader *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r)
		return GZ_ENOMEM;
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		free(r);
		return GZ_ENOMEM;
	}
	*out = r;
	return GZ_OK;
}

void record_reader_free(struct record_reader *r)
{
	if (!r)
		return;
	ZSTD_freeDCtx(r->dctx);
	free(r);
}

int record_json(struct record_reader *r, const char *data, size_t len,
		const char **json, size_t *json_len, char **owned)
{
	unsigned long long size;
	size_t n;
	char *buf;

	*json = NULL;
	*json_len = 0;
	*owned = NULL;
	if (!data)
		return GZ_EINVAL;
	if (len < RECORD_MAGIC_LEN ||
	    memcmp(data, RECORD_MAGIC, RECORD_MAGIC_LEN) != 0) {
		*json = data;
		*json_len = len;
		return GZ_OK;
	}
	data += RECORD_MAGIC_LEN;
	len -= RECORD_MAGIC_LEN;
	size = ZSTD_getFrameContentSize(data, len);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size == ZSTD_CONTENTSIZE_ERROR || size > RECORD_MAX_JSON)
		return GZ_EINVAL;
	buf = malloc((size_t)size + 1);
	if (!buf)
		return GZ_ENOMEM;
	n = r ? ZSTD_decompressDCtx(r->dctx, buf, (size_t)size, data, len)
	      : ZSTD_decompress(buf, (size_t)size, data, len);
	if (ZSTD_isError(n) || n != size) {
		free(buf);
		return GZ_EINVAL;
	}
	buf[n] = '\0';
	*json = buf;
	*json_len = n;
	*owned = buf;
	return GZ_OK;
}

int record_article(struct record_reader *r, const char *data, size_t len,
		   struct article *a, char *err)
{
	const char *json;
	size_t jlen;
	char *owned;
	int rc = record_json(r, data, len, &json, &jlen, &owned);

	if (rc)
		return gz_fail(err, rc, "stored record: %s", gz_strerror(rc));
	rc = article_from_json(json, jlen, a, err);
	free(owned);
	return rc;
}
