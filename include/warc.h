/*
** warc.h — WARC files (ISO 28500, WARC/1.0 and WARC/1.1): a streaming
** reader and a writer of .warc.gz files.
**
** The reader takes `.warc` and `.warc.gz` files (gzip is detected by its
** magic bytes; one gzip member per record, or one gzip stream for the whole
** file) and hands out one record at a time in constant memory, however large
** the file: a record's block is kept in memory only up to a cap, and larger
** records are streamed past and flagged.  For HTTP responses it parses the
** response head and decodes the payload (chunked transfer coding, gzip and
** deflate content codings), bounded so that a gzip bomb stops at the cap.  A
** malformed or truncated record is reported with its offset, and the reader
** then resynchronises on the next "WARC/1." line so that the rest of the
** file can still be read.
**
** The writer produces WARC/1.1 `.warc.gz` files with one gzip member per
** record: a `warcinfo` record first, then `request`/`response` pairs (or any
** other record), with SHA-1 block and payload digests.  Files are written as
** NAME.open and renamed to NAME when complete, and rotated past a size limit.
**
** Neither side keeps global state; a reader or writer may be used by one
** thread at a time, and distinct ones by distinct threads.  A response
** record may be packed (digested and compressed) on any thread and
** appended later by the writer's (warc_pack_response).
*/
#ifndef GZ_WARC_H
#define GZ_WARC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gz_err.h"
#include "gz_limits.h"

/* ---------------------------------------------------------------- limits */

/* Largest WARC record header (version line to blank line).  Real headers
** are under 2 KiB; 64 KiB leaves room for long URIs and extra fields. */
#define WARC_MAX_HEADER_BYTES (64u * 1024)

/* Header fields kept per WARC record; a record with more is malformed. */
#define WARC_MAX_HEADER_FIELDS 128

/* Largest HTTP response head parsed in a response or revisit record; a
** longer head makes the record's HTTP part unparsed (WARC_REC_HTTP_BAD). */
#define WARC_MAX_HTTP_HEAD_BYTES (64u * 1024)

/* HTTP header fields kept per response; later ones are ignored. */
#define WARC_MAX_HTTP_FIELDS 256

/* Default cap on a record block kept in memory: a page of the largest size
** the crawler keeps, plus its HTTP head.  Larger blocks are skipped by
** streaming past them and the record is flagged WARC_REC_OVERSIZED. */
#define WARC_MAX_RECORD_BYTES (GZ_MAX_PAGE_BYTES + WARC_MAX_HTTP_HEAD_BYTES)

/* Default cap on a decoded HTTP payload (after de-chunking and gunzip);
** decoding stops there and the record is flagged WARC_REC_PAYLOAD_TRUNCATED. */
#define WARC_MAX_PAYLOAD_BYTES GZ_MAX_PAGE_BYTES

/* Range within which warc_reader_set_limits() may move the two caps above. */
#define WARC_MIN_LIMIT_BYTES 4096u
#define WARC_MAX_LIMIT_BYTES (256u * 1024 * 1024)

/* Default size past which the writer starts a new file (the customary
** 1 GB of the Internet Archive's crawlers), and the range allowed. */
#define WARC_DEFAULT_ROTATE_BYTES (1000u * 1000 * 1000)
#define WARC_MIN_ROTATE_BYTES     1024u
#define WARC_MAX_ROTATE_BYTES     (64ull * 1024 * 1024 * 1024)

/* Longest file name prefix and longest software version string accepted. */
#define WARC_MAX_PREFIX_LEN  64
#define WARC_MAX_VERSION_LEN 64

/* Largest block the writer accepts in one record (a whole HTTP exchange). */
#define WARC_MAX_WRITE_BYTES (256u * 1024 * 1024)

/* Longest path (directory plus file name) the writer builds. */
#define WARC_MAX_PATH 4096

/* ------------------------------------------------------------ constants */

/* warc_reader_next() result at the end of the file: no record, no error. */
#define WARC_EOF GZ_ENOTFOUND

#define WARC_SHA1_BYTES 20
/* "sha1:" + 32 base32 characters + NUL. */
#define WARC_DIGEST_LEN 38
/* "<urn:uuid:" + 36 + ">" + NUL. */
#define WARC_ID_LEN 48
/* "2026-11-28T13:00:00Z" + NUL. */
#define WARC_DATE_LEN 21
/* A file name: prefix, '-', 14 digits, '-', 5 digits, ".warc.gz.open", NUL. */
#define WARC_NAME_LEN (WARC_MAX_PREFIX_LEN + 40)

/* Record types (WARC-Type).  WARC_TYPE_UNKNOWN covers any other value. */
enum warc_type {
	WARC_TYPE_UNKNOWN = 0,
	WARC_TYPE_WARCINFO,
	WARC_TYPE_RESPONSE,
	WARC_TYPE_RESOURCE,
	WARC_TYPE_REQUEST,
	WARC_TYPE_METADATA,
	WARC_TYPE_REVISIT,
	WARC_TYPE_CONVERSION,
	WARC_TYPE_CONTINUATION
};

/* Flags of a record read (struct warc_record.flags). */
#define WARC_REC_OVERSIZED 0x01 /* block over the cap: skipped, not kept */
#define WARC_REC_HTTP      0x02 /* HTTP response head parsed (rec->http) */
#define WARC_REC_HTTP_BAD \
	0x04 /* block should be HTTP but does not
					   parse; the payload is the block */
#define WARC_REC_PAYLOAD_TRUNCATED \
	0x08 /* payload cut at the cap, or incomplete */
#define WARC_REC_UNDECODED \
	0x10 /* payload still content-encoded (unknown
					   coding, or data that does not decode) */

/* One "Name: value" header field; both strings NUL-terminated. */
struct warc_field {
	const char *name;  /* field name as written */
	const char *value; /* value, surrounding white space removed */
};

/* The HTTP response carried by a response or revisit record. */
struct warc_http {
	int status;                      /* status code, 100-599 */
	const char *content_type;        /* Content-Type, "" when absent */
	const char *content_encoding;    /* Content-Encoding, "" when absent */
	const char *transfer_encoding;   /* Transfer-Encoding, "" when absent */
	const char *last_modified;       /* Last-Modified, "" when absent */
	const char *etag;                /* ETag, "" when absent */
	const struct warc_field *fields; /* every header field, in order */
	size_t nfields;                  /* entries in fields */
	size_t head_len; /* bytes of the head in the block, with the blank line */
};

/*
** One record.  Every pointer in it is owned by the reader and stays valid
** until the next warc_reader_next() or warc_reader_close() on that reader.
** String fields are "" (never NULL) when the record does not carry them.
*/
struct warc_record {
	uint64_t offset; /* offset of the record in the uncompressed stream */
	unsigned flags;  /* WARC_REC_* */
	enum warc_type type;    /* parsed WARC-Type */
	const char *version;    /* "WARC/1.0", "WARC/1.1" */
	const char *type_name;  /* WARC-Type as written */
	const char *target_uri; /* WARC-Target-URI, without enclosing <> */
	const char *date;       /* WARC-Date as written */
	time_t date_time;       /* WARC-Date parsed (UTC), 0 when unparsable */
	const char *record_id;  /* WARC-Record-ID, with its <> */
	const char *refers_to;  /* WARC-Refers-To (revisits), with its <> */
	const char *
		refers_to_target_uri; /* WARC-Refers-To-Target-URI, without <> */
	const char *refers_to_date;   /* WARC-Refers-To-Date */
	const char *concurrent_to;    /* first WARC-Concurrent-To */
	const char *content_type;     /* Content-Type of the block */
	uint64_t content_length;      /* Content-Length: the block's size */
	const char *payload_digest;   /* WARC-Payload-Digest */
	const char *block_digest;     /* WARC-Block-Digest */
	const char *ip_address;       /* WARC-IP-Address */
	const char *profile;          /* WARC-Profile (revisits) */
	const char *
		truncated; /* WARC-Truncated (the writer's reason), "" if whole */
	const struct warc_field *fields; /* every header field, in order */
	size_t nfields;                  /* entries in fields */
	const char *block;               /* the block, NUL-terminated; "" when
				       WARC_REC_OVERSIZED */
	size_t block_len; /* bytes in block (content_length unless oversized) */
	struct warc_http http; /* valid when flags has WARC_REC_HTTP */
	const char *payload;   /* decoded HTTP body for response/revisit records
				       with an HTTP head; the block itself otherwise
				       (a resource record's block is its payload);
				       "" when oversized.  NUL-terminated. */
	size_t payload_len;    /* bytes in payload */
};

struct warc_reader; /* opaque: an open WARC file being read */
struct warc_writer; /* opaque: a directory of WARC files being written */

/* ---------------------------------------------------------------- reader */

/*
** Open path (or standard input when path is "-") for reading.  Gzip input is
** recognised by its magic bytes, whatever the name.  Fails with GZ_EIO when
** the file cannot be opened, GZ_EPARSE when it is not a WARC file (its first
** bytes are not "WARC/", or it is gzip that does not inflate), GZ_ENOMEM.
** An empty file opens and reads as no records.  On success *out is a reader
** the caller must release with warc_reader_close(); on failure *out is NULL
** and err says why.
*/
int warc_reader_open(const char *path, struct warc_reader **out, char *err);

/*
** Change the caps on a block kept in memory and on a decoded payload (0
** keeps a cap as it is).  Each must be within [WARC_MIN_LIMIT_BYTES,
** WARC_MAX_LIMIT_BYTES], else GZ_EINVAL and nothing changes.
*/
int warc_reader_set_limits(struct warc_reader *r, size_t max_record,
			   size_t max_payload);

/*
** Read the next record into *rec.  Returns:
**   GZ_OK       a record (possibly flagged WARC_REC_OVERSIZED and so on);
**   WARC_EOF    no more records (GZ_ENOTFOUND); *rec is cleared;
**   GZ_EPARSE   a malformed or truncated record; err reads
**               "offset N: reason".  Call again: the reader has moved on
**               and resynchronises on the next "WARC/1." line.  Corrupt
**               gzip data is reported the same way (once per damaged
**               member), and reading goes on at the next gzip member;
**   GZ_EIO, GZ_ENOMEM  a read or memory failure; the reader is finished and
**               every later call returns the same error.
** The record's strings and buffers belong to the reader (see struct
** warc_record).  Memory used stays within the caps whatever the file size.
*/
int warc_reader_next(struct warc_reader *r, struct warc_record *rec, char *err);

/*
** Bytes of uncompressed stream consumed so far, and the position reached in
** the file (the two differ for gzip input); for progress reports.
*/
uint64_t warc_reader_offset(const struct warc_reader *r);
uint64_t warc_reader_file_offset(const struct warc_reader *r);

/* Close the file and free the reader and everything it handed out.  NULL is a no-op. */
void warc_reader_close(struct warc_reader *r);

/*
** Return the value of the first WARC header field called name (ASCII case
** ignored) of rec, or NULL when it has none.  The string belongs to the
** reader, as the rest of the record.
*/
const char *warc_record_get(const struct warc_record *rec, const char *name);

/* Same for the HTTP head of rec (NULL also when rec has no parsed HTTP head). */
const char *warc_http_get(const struct warc_record *rec, const char *name);

/*
** Check rec's WARC-Block-Digest (sha1, in base32 or hex) against its block.
** GZ_OK when it matches, GZ_EPARSE with err when it does not, GZ_ENOTFOUND
** when there is nothing to check (no SHA-1 digest, or the block was skipped).
*/
int warc_record_verify(const struct warc_record *rec, char *err);

/* Map a WARC-Type value to the enum (ASCII case ignored); UNKNOWN otherwise. */
enum warc_type warc_type_from_name(const char *name);

/* ---------------------------------------------------------------- writer */

/* Flags of warc_writer_open(). */
#define WARC_W_NO_FSYNC 0x01 /* do not fsync files and directory on close */
/*
** The gzip level of the records, 0 (stored) .. 9 (smallest), in bits 4-7 of
** the flags; without it, zlib's default level 6.  Level 1 costs about a
** third of level 6's CPU for files some 10-15% larger (bench/RESULTS.md,
** Crawl).
*/
#define WARC_W_LEVEL(n) (((((unsigned)(n)) + 1u) & 15u) << 4)

/*
** Open a writer.  When path_or_dir is an existing directory, files are
** created in it as PREFIX-YYYYMMDDhhmmss-NNNNN.warc.gz (UTC creation time,
** NNNNN counting the files of this writer) and a new file is started after
** a record pair takes the current one to rotate_bytes or more (0 gives
** WARC_DEFAULT_ROTATE_BYTES; otherwise within [WARC_MIN_ROTATE_BYTES,
** WARC_MAX_ROTATE_BYTES]).  Otherwise path_or_dir names the one file to
** write (it should end in ".warc.gz"), prefix and rotate_bytes are ignored
** and the file never rotates.  Every file is written as NAME.open and
** renamed to NAME when closed, so a file with its final name is complete;
** it starts with a warcinfo record naming software "Gazette/VERSION" from
** version.  prefix: [A-Za-z0-9._-], at most WARC_MAX_PREFIX_LEN bytes.
** flags: WARC_W_*.  The first file is created at once: GZ_EINVAL for bad
** arguments, GZ_EIO when it cannot be created, GZ_ENOMEM.  On success *out
** is a writer the caller must end with warc_writer_close().
*/
int warc_writer_open(const char *path_or_dir, const char *prefix,
		     const char *version, uint64_t rotate_bytes, unsigned flags,
		     struct warc_writer **out, char *err);

/* One HTTP exchange to archive.  All pointers are borrowed for the call. */
struct warc_exchange {
	const char *url; /* WARC-Target-URI; required, no control characters */
	const char *ip;  /* WARC-IP-Address, or NULL */
	time_t date;     /* time of the fetch; 0 for now */
	const void *
		request; /* raw HTTP request as sent, or NULL: no request record */
	size_t request_len;        /* bytes at request */
	const void *response_head; /* raw HTTP response head as received, status
				      line to blank line inclusive; required */
	size_t response_head_len;  /* bytes at response_head */
	const void *body;          /* response body as it follows that head */
	size_t body_len;           /* bytes at body */
};

/* Where a record was written: enough to find it again. */
struct warc_location {
	char file[WARC_NAME_LEN]; /* final file name (no directory) */
	uint64_t offset; /* offset of the record's gzip member in the file */
	char record_id[WARC_ID_LEN]; /* its WARC-Record-ID */
};

/*
** Write x as a request record (when x->request is set) and a response
** record (`application/http; msgtype=response`, block = head + body),
** linked both ways by WARC-Concurrent-To, with WARC-Block-Digest and
** WARC-Payload-Digest (SHA-1 of the body as given).  The head must describe
** the body as it is given: a caller that has undone the transfer or content
** coding should rewrite those header fields.  When loc is not NULL it
** receives the response record's location.  Returns GZ_OK, GZ_EINVAL (bad
** URL or IP, missing head, block over WARC_MAX_WRITE_BYTES), GZ_EIO (the
** file is cut back to its last complete record, so the writer may be used
** again) or GZ_ENOMEM.
*/
int warc_writer_add(struct warc_writer *w, const struct warc_exchange *x,
		    struct warc_location *loc, char *err);

/*
** Write one record of any type: WARC-Type type_name (e.g. "metadata",
** "resource", "revisit"), WARC-Target-URI uri (NULL for none), Content-Type
** content_type (NULL for none), the block, and extra header lines (NULL, or
** "Name: value\r\n" lines, e.g. "WARC-Refers-To: <urn:uuid:...>\r\n").  Date
** as in struct warc_exchange.  Same returns as warc_writer_add().
*/
int warc_writer_add_record(struct warc_writer *w, const char *type_name,
			   const char *uri, const char *content_type,
			   time_t date, const void *block, size_t block_len,
			   const char *extra, struct warc_location *loc,
			   char *err);

/*
** A response record made ready on any thread, to be appended by the
** writer's thread: its digests computed and its block compressed.  The
** costly part of writing a record (SHA-1 and deflate of the body) can so
** run on worker threads while one writer appends, in the order it
** chooses.  The record's gzip member is the writer's compressed header
** (flushed to a byte boundary) followed by the packed block, then the
** gzip trailer: one member per record, as warc_writer_add writes them.
*/
struct warc_packed;

/*
** What packs records on one thread: a deflater kept between records (one
** per thread; distinct packers are independent).  flags: the gzip level
** as for warc_writer_open (WARC_W_LEVEL; other bits ignored).  *out is the
** caller's (warc_packer_free).  GZ_OK or GZ_ENOMEM.
*/
struct warc_packer;
int warc_packer_new(unsigned flags, struct warc_packer **out, char *err);
void warc_packer_free(struct warc_packer *pk);

/*
** Pack the response record of x (x->request must be NULL: no request
** record) with pk.  x is borrowed; the date is fixed now when x->date is
** 0.  Touches no writer: any thread, with its own packer.  *out is the
** caller's (warc_packed_free).  GZ_OK, GZ_EINVAL (as warc_writer_add),
** GZ_ENOMEM, GZ_EINTERNAL.
*/
int warc_pack_response(struct warc_packer *pk, const struct warc_exchange *x,
		       struct warc_packed **out, char *err);

/* Bytes the packed record holds (its compressed block). */
size_t warc_packed_size(const struct warc_packed *p);

/*
** Append the record p (borrowed; it may be appended again, to another
** writer) to w, with a new WARC-Record-ID and w's WARC-Warcinfo-ID, and
** rotate as warc_writer_add does.  loc as for warc_writer_add.  GZ_OK,
** GZ_EIO (the file is cut back to its last complete record), GZ_ENOMEM,
** GZ_EINTERNAL.
*/
int warc_writer_add_packed(struct warc_writer *w, const struct warc_packed *p,
			   struct warc_location *loc, char *err);

/* Free a packed record; NULL is a no-op. */
void warc_packed_free(struct warc_packed *p);

/*
** Finish the current file (fsync unless WARC_W_NO_FSYNC, rename NAME.open to
** NAME, fsync the directory) and free the writer.  Returns GZ_OK or GZ_EIO
** with err; the writer is freed either way.  NULL is a no-op.
*/
int warc_writer_close(struct warc_writer *w, char *err);

/* ------------------------------------------------------------- digests */

/* SHA-1 of n bytes at p into out. */
void warc_sha1(const void *p, size_t n, unsigned char out[WARC_SHA1_BYTES]);

/*
** RFC 4648 base32 (upper case, '=' padded) of n bytes at in into out of
** outn bytes, NUL-terminated.  Returns the length written, or 0 when outn is
** below ((n + 4) / 5) * 8 + 1 (out is then "" if outn > 0).
*/
size_t warc_base32(const unsigned char *in, size_t n, char *out, size_t outn);

/* Write "sha1:" + base32 SHA-1 of n bytes at p into out (WARC_DIGEST_LEN). */
void warc_sha1_digest(const void *p, size_t n, char out[WARC_DIGEST_LEN]);

#endif /* GZ_WARC_H */
