/*
** record.h — the stored form of an article in the index (document data).
**
** A record is the article's JSON (article_to_json(a, 1)) compressed by
** zstd behind a 4-byte mark, RECORD_MAGIC.  Xapian would deflate the JSON
** itself, and inflating it was a tenth of a search's time (ten records a
** page); zstd decompresses the same bytes several times faster, and
** Xapian stores the compressed record as it is, since deflate cannot
** shrink it.  Records written before this form are plain JSON and are read
** as they are.  JSON never starts with a NUL byte, so the two cannot be
** confused.
**
** Threads: a record_reader is one thread's; the functions without one
** are thread-safe.
*/
#ifndef GZ_RECORD_H
#define GZ_RECORD_H

#include <stddef.h>

struct article;

#define RECORD_MAGIC     "\0GZz"
#define RECORD_MAGIC_LEN 4

/* Largest JSON a record may unpack to (a bound on a damaged record). */
#define RECORD_MAX_JSON (64u * 1024 * 1024)

struct record_reader; /* a reusable decompression context */

/*
** The record for len bytes of JSON, into *out (malloc'd, the caller's)
** and *out_len.  GZ_OK or GZ_ENOMEM.
*/
int record_pack(const char *json, size_t len, char **out, size_t *out_len);

/* A new reader into *out (the caller's; record_reader_free).  GZ_OK or
** GZ_ENOMEM. */
int record_reader_new(struct record_reader **out);

/* Free r; NULL is a no-op. */
void record_reader_free(struct record_reader *r);

/*
** The JSON of the record data (len bytes): *json points at data itself
** when it is plain JSON (*owned is then NULL), else at a malloc'd copy
** that *owned also receives and the caller frees.  r (may be NULL: a
** context is made for the call) decompresses.  GZ_OK, GZ_ENOMEM, or
** GZ_EINVAL for a damaged or oversized record (*json then NULL).
*/
int record_json(struct record_reader *r, const char *data, size_t len,
		const char **json, size_t *json_len, char **owned);

/*
** The article of the record data (len bytes) into a (article_from_json's
** contract: a is the caller's, initialised).  r as for record_json.
** GZ_OK, or record_json's or article_from_json's error with err set.
*/
int record_article(struct record_reader *r, const char *data, size_t len,
		   struct article *a, char *err);

#endif /* GZ_RECORD_H */
