/*
** fuzz_warc.c — the WARC reader on an arbitrary file: every record until
** the end or a fatal error, with its fields, HTTP head and digest check.
*/
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "gz_err.h"
#include "warc.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct warc_reader *r = NULL;
	struct warc_record rec;
	char err[GZ_ERRLEN], path[512];
	size_t touched = 0;
	int rc, i;

	if (fuzz_tempfile(data, size, "warc", path, sizeof path))
		return 0;
	if (warc_reader_open(path, &r, err) == GZ_OK) {
		(void)warc_reader_set_limits(r, WARC_MIN_LIMIT_BYTES,
					     WARC_MIN_LIMIT_BYTES);
		for (i = 0; i < 1000; i++) {
			rc = warc_reader_next(r, &rec, err);
			if (rc == GZ_EPARSE)
				continue;
			if (rc != GZ_OK)
				break;
			touched +=
				rec.block_len + rec.payload_len + rec.nfields;
			touched += strlen(rec.block) + strlen(rec.payload);
			if (rec.target_uri)
				touched += strlen(rec.target_uri);
			(void)warc_record_get(&rec, "WARC-Type");
			(void)warc_http_get(&rec, "Content-Type");
			(void)warc_record_verify(&rec, err);
		}
		(void)warc_reader_offset(r);
		warc_reader_close(r);
	}
	(void)touched;
	unlink(path);
	return 0;
}
