/*
** test_warc.c — WARC reader and writer (warc.h).
**
** Every input is generated here, into a fresh directory made with mkdtemp
** under $TMPDIR (default /tmp) and removed at the end: records are built
** byte by byte, so each test knows the offset of every record, and gzip is
** made with zlib, one member per record or one stream for all.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "buf.h"
#include "gz_err.h"
#include "warc.h"

/* Cap on buffers the tests build (inputs are far smaller). */
#define TEST_BUF_MAX (64u * 1024 * 1024)

/* ------------------------------------------------------------- helpers */

/* Group state: the scratch directory. */
struct test_env {
	char dir[256]; /* mkdtemp result */
};

/* Remove path and, when it is a directory, everything under it. */
static void rm_rf(const char *path)
{
	struct stat st;
	struct dirent *de;
	char sub[1024];
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		d = opendir(path);
		if (d) {
			while ((de = readdir(d)) != NULL) {
				if (!strcmp(de->d_name, ".") ||
				    !strcmp(de->d_name, ".."))
					continue;
				snprintf(sub, sizeof sub, "%s/%s", path,
					 de->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Make the scratch directory for the whole group. */
static int group_setup(void **state)
{
	struct test_env *env = calloc(1, sizeof *env);
	const char *tmp = getenv("TMPDIR");

	if (!env)
		return -1;
	snprintf(env->dir, sizeof env->dir, "%s/test_warc.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(env->dir)) {
		free(env);
		return -1;
	}
	*state = env;
	return 0;
}

/* Remove the scratch directory. */
static int group_teardown(void **state)
{
	struct test_env *env = *state;

	rm_rf(env->dir);
	free(env);
	return 0;
}

/* Write path under the scratch directory into out (size n). */
static void path_in(void **state, const char *name, char *out, size_t n)
{
	struct test_env *env = *state;

	snprintf(out, n, "%s/%s", env->dir, name);
}

/* Write n bytes at p to path. */
static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Append the gzip of n bytes at p to out as one member. */
static void gz_append(struct buf *out, const void *p, size_t n)
{
	unsigned char chunk[16384];
	z_stream zs;
	int zr;

	memset(&zs, 0, sizeof zs);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof chunk;
		zr = deflate(&zs, Z_FINISH);
		assert_true(zr == Z_OK || zr == Z_STREAM_END);
		assert_int_equal(
			buf_add(out, chunk, sizeof chunk - zs.avail_out),
			GZ_OK);
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
}

/* Append a compressed copy of p to out with zlib window bits wbits. */
static void z_append(struct buf *out, const void *p, size_t n, int wbits)
{
	unsigned char chunk[16384];
	z_stream zs;
	int zr;

	memset(&zs, 0, sizeof zs);
	assert_int_equal(
		deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY),
		Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof chunk;
		zr = deflate(&zs, Z_FINISH);
		assert_true(zr == Z_OK || zr == Z_STREAM_END);
		assert_int_equal(
			buf_add(out, chunk, sizeof chunk - zs.avail_out),
			GZ_OK);
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
}

/*
** Append one WARC/1.0 record to b and return its offset.  uri, ctype and
** extra (raw header lines) may be NULL.
*/
static size_t rec_add(struct buf *b, const char *type, const char *uri,
		      const char *ctype, const char *extra, const void *block,
		      size_t n)
{
	size_t off = b->len;

	assert_int_equal(
		buf_addf(b,
			 "WARC/1.0\r\nWARC-Type: %s\r\n"
			 "WARC-Record-ID: "
			 "<urn:uuid:%08zx-0000-4000-8000-000000000000>\r\n"
			 "WARC-Date: 2026-11-28T13:00:00Z\r\n",
			 type, off),
		GZ_OK);
	if (uri)
		assert_int_equal(buf_addf(b, "WARC-Target-URI: %s\r\n", uri),
				 GZ_OK);
	if (ctype)
		assert_int_equal(buf_addf(b, "Content-Type: %s\r\n", ctype),
				 GZ_OK);
	if (extra)
		assert_int_equal(buf_adds(b, extra), GZ_OK);
	assert_int_equal(buf_addf(b, "Content-Length: %zu\r\n\r\n", n), GZ_OK);
	assert_int_equal(buf_add(b, block, n), GZ_OK);
	assert_int_equal(buf_adds(b, "\r\n\r\n"), GZ_OK);
	return off;
}

/* Same as rec_add() for a NUL-terminated block. */
static size_t rec_adds(struct buf *b, const char *type, const char *uri,
		       const char *ctype, const char *extra, const char *block)
{
	return rec_add(b, type, uri, ctype, extra, block, strlen(block));
}

/* Open path, failing the test on error. */
static struct warc_reader *open_ok(const char *path)
{
	char err[GZ_ERRLEN] = "";
	struct warc_reader *r = NULL;
	int rc = warc_reader_open(path, &r, err);

	if (rc != GZ_OK)
		fail_msg("warc_reader_open(%s): %s", path, err);
	assert_non_null(r);
	return r;
}

/* Read the next record, which must be fine. */
static void next_ok(struct warc_reader *r, struct warc_record *rec)
{
	char err[GZ_ERRLEN] = "";
	int rc = warc_reader_next(r, rec, err);

	if (rc != GZ_OK)
		fail_msg("warc_reader_next: %d %s", rc, err);
}

/* Read the next record, which must be bad: GZ_EPARSE with want in err. */
static void next_bad(struct warc_reader *r, const char *want)
{
	struct warc_record rec;
	char err[GZ_ERRLEN] = "";
	int rc = warc_reader_next(r, &rec, err);

	if (rc != GZ_EPARSE || !strstr(err, want))
		fail_msg("expected EPARSE \"%s\", got %d \"%s\"", want, rc,
			 err);
	assert_string_equal(rec.record_id, "");
}

/* The next read must be the end of the file. */
static void next_eof(struct warc_reader *r)
{
	struct warc_record rec;
	char err[GZ_ERRLEN] = "";
	int rc = warc_reader_next(r, &rec, err);

	if (rc != WARC_EOF)
		fail_msg("expected end of file, got %d \"%s\"", rc, err);
	/* And it stays there. */
	assert_int_equal(warc_reader_next(r, &rec, err), WARC_EOF);
}

/* Whether rec's payload is exactly the NUL-terminated s. */
static void payload_is(const struct warc_record *rec, const char *s)
{
	assert_int_equal(rec->payload_len, strlen(s));
	assert_memory_equal(rec->payload, s, rec->payload_len);
	assert_int_equal(rec->payload[rec->payload_len], '\0');
}

/* A small HTML page, different for each n. */
static void make_page(struct buf *b, int n)
{
	int i;

	buf_reset(b);
	assert_int_equal(
		buf_addf(b,
			 "<!DOCTYPE html><html><head><title>Story %d</title>"
			 "</head><body><h1>Story %d</h1>",
			 n, n),
		GZ_OK);
	for (i = 0; i < 20 + n * 7; i++)
		assert_int_equal(buf_addf(b,
					  "<p>Paragraph %d of story %d, words "
					  "words.</p>\n",
					  i, n),
				 GZ_OK);
	assert_int_equal(buf_adds(b, "</body></html>\n"), GZ_OK);
}

/* --------------------------------------------------------- digest tests */

/* One SHA-1 vector (FIPS 180 examples). */
struct sha1_case {
	const char *in;  /* input */
	size_t repeat;   /* times the input is repeated */
	const char *hex; /* expected digest */
};

static void test_sha1_vectors(void **state)
{
	static const struct sha1_case cases[] = {
		{ "", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
		{ "012345670123456701234567012345670123456701234567012345670123"
		  "4567",
		  10, "dea356a2cddd90c7a7ecedc5ebb563934f460452" },
	};
	struct buf b;
	unsigned char d[WARC_SHA1_BYTES];
	char hex[41];
	size_t i, j;

	(void)state;
	buf_init(&b, TEST_BUF_MAX);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&b);
		for (j = 0; j < cases[i].repeat; j++)
			assert_int_equal(buf_adds(&b, cases[i].in), GZ_OK);
		warc_sha1(b.ptr, b.len, d);
		for (j = 0; j < WARC_SHA1_BYTES; j++)
			snprintf(hex + 2 * j, 3, "%02x", d[j]);
		assert_string_equal(hex, cases[i].hex);
	}
	buf_release(&b);
}

static void test_base32_vectors(void **state)
{
	/* RFC 4648, section 10. */
	static const char *const cases[][2] = {
		{ "", "" },
		{ "f", "MY======" },
		{ "fo", "MZXQ====" },
		{ "foo", "MZXW6===" },
		{ "foob", "MZXW6YQ=" },
		{ "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI======" },
	};
	char out[64], small[8];
	char dig[WARC_DIGEST_LEN];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = warc_base32((const unsigned char *)cases[i][0],
				strlen(cases[i][0]), out, sizeof out);
		assert_int_equal(n, strlen(cases[i][1]));
		assert_string_equal(out, cases[i][1]);
	}
	/* Too small an output: 0 and "". */
	assert_int_equal(warc_base32((const unsigned char *)"foo", 3, small,
				     sizeof small),
			 0);
	assert_string_equal(small, "");
	warc_sha1_digest("abc", 3, dig);
	assert_string_equal(dig, "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
	warc_sha1_digest("", 0, dig);
	assert_string_equal(dig, "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
}

/* -------------------------------------------------------- writer tests */

/* Names in dir: count those ending in ".warc.gz" and in ".open". */
static void list_dir(const char *dir, char names[][WARC_NAME_LEN], size_t max,
		     size_t *nwarc, size_t *nopen)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t len;

	assert_non_null(d);
	*nwarc = *nopen = 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 5 && !strcmp(de->d_name + len - 5, ".open"))
			(*nopen)++;
		if (len > 8 && !strcmp(de->d_name + len - 8, ".warc.gz")) {
			if (*nwarc < max && len < WARC_NAME_LEN)
				memcpy(names[*nwarc], de->d_name, len + 1);
			(*nwarc)++;
		}
	}
	closedir(d);
}

/* Whether name is PREFIX-YYYYMMDDhhmmss-NNNNN.warc.gz with serial n. */
static void name_ok(const char *name, const char *prefix, unsigned n)
{
	char tail[32];
	size_t pl = strlen(prefix), i;

	assert_int_equal(strlen(name), pl + 1 + 14 + 1 + 5 + 8);
	assert_memory_equal(name, prefix, pl);
	assert_int_equal(name[pl], '-');
	for (i = 0; i < 14; i++)
		assert_true(name[pl + 1 + i] >= '0' && name[pl + 1 + i] <= '9');
	snprintf(tail, sizeof tail, "-%05u.warc.gz", n);
	assert_string_equal(name + pl + 15, tail);
}

static void test_writer_roundtrip(void **state)
{
	static const char *const urls[3] = {
		"http://news.example.com/2026/11/28/one.html",
		"https://news.example.com/world/two?id=2&x=y",
		"http://127.0.0.1:8080/three",
	};
	static const char *const ips[3] = { "93.184.216.34", NULL,
					    "127.0.0.1" };
	struct warc_location locs[3];
	char dir[512], path[2048], err[GZ_ERRLEN] = "";
	char names[4][WARC_NAME_LEN], reqs[3][256], heads[3][256];
	char dig[WARC_DIGEST_LEN], req_id[WARC_ID_LEN];
	struct buf bodies[3];
	struct warc_writer *w = NULL;
	struct warc_reader *r;
	struct warc_record rec;
	struct warc_exchange x;
	size_t nwarc, nopen;
	time_t when = 1795870800; /* 2026-11-28T13:00:00Z */
	int i;

	path_in(state, "roundtrip", dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(warc_writer_open(dir, "test", "9.9.9", 0, 0, &w, err),
			 GZ_OK);
	/* While it is being written, the file has its .open name only. */
	list_dir(dir, names, 4, &nwarc, &nopen);
	assert_int_equal(nwarc, 0);
	assert_int_equal(nopen, 1);
	for (i = 0; i < 3; i++) {
		buf_init(&bodies[i], TEST_BUF_MAX);
		make_page(&bodies[i], i);
		snprintf(reqs[i], sizeof reqs[i],
			 "GET /%d HTTP/1.1\r\nHost: news.example.com\r\n"
			 "User-Agent: Gazette/9.9.9\r\n\r\n",
			 i);
		snprintf(heads[i], sizeof heads[i],
			 "HTTP/1.1 %d OK\r\nContent-Type: text/html; "
			 "charset=utf-8\r\n"
			 "Content-Length: %zu\r\nETag: \"e%d\"\r\n"
			 "Last-Modified: Sat, 28 Nov 2026 12:00:00 GMT\r\n\r\n",
			 i == 2 ? 404 : 200, bodies[i].len, i);
		memset(&x, 0, sizeof x);
		x.url = urls[i];
		x.ip = ips[i];
		x.date = when + i;
		x.request = reqs[i];
		x.request_len = strlen(reqs[i]);
		x.response_head = heads[i];
		x.response_head_len = strlen(heads[i]);
		x.body = bodies[i].ptr;
		x.body_len = bodies[i].len;
		assert_int_equal(warc_writer_add(w, &x, &locs[i], err), GZ_OK);
	}
	assert_int_equal(warc_writer_close(w, err), GZ_OK);
	list_dir(dir, names, 4, &nwarc, &nopen);
	assert_int_equal(nwarc, 1);
	assert_int_equal(nopen, 0);
	name_ok(names[0], "test", 0);
	for (i = 0; i < 3; i++) {
		assert_string_equal(locs[i].file, names[0]);
		assert_true(locs[i].offset > 0);
		assert_true(i == 0 || locs[i].offset > locs[i - 1].offset);
	}

	snprintf(path, sizeof path, "%s/%s", dir, names[0]);
	r = open_ok(path);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, 0);
	assert_string_equal(rec.version, "WARC/1.1");
	assert_int_equal(rec.type, WARC_TYPE_WARCINFO);
	assert_string_equal(rec.type_name, "warcinfo");
	assert_string_equal(rec.content_type, "application/warc-fields");
	assert_string_equal(warc_record_get(&rec, "WARC-Filename"), names[0]);
	assert_non_null(strstr(rec.block, "software: Gazette/9.9.9\r\n"));
	assert_non_null(strstr(rec.block, "format: WARC File Format 1.1\r\n"));
	assert_non_null(
		strstr(rec.block, "conformsTo: http://iipc.github.io/"));
	assert_int_equal(warc_record_verify(&rec, err), GZ_OK);
	assert_int_equal(strlen(rec.record_id), WARC_ID_LEN - 1);
	assert_memory_equal(rec.record_id, "<urn:uuid:", 10);
	assert_int_equal(rec.record_id[10 + 14], '4'); /* version 4 */
	for (i = 0; i < 3; i++) {
		next_ok(r, &rec);
		assert_int_equal(rec.type, WARC_TYPE_REQUEST);
		assert_string_equal(rec.target_uri, urls[i]);
		assert_string_equal(rec.ip_address, ips[i] ? ips[i] : "");
		assert_string_equal(rec.content_type,
				    "application/http; msgtype=request");
		assert_int_equal(rec.block_len, strlen(reqs[i]));
		assert_memory_equal(rec.block, reqs[i], rec.block_len);
		assert_int_equal(rec.date_time, when + i);
		assert_int_equal(warc_record_verify(&rec, err), GZ_OK);
		assert_string_equal(rec.concurrent_to, locs[i].record_id);
		snprintf(req_id, sizeof req_id, "%s", rec.record_id);

		next_ok(r, &rec);
		assert_int_equal(rec.type, WARC_TYPE_RESPONSE);
		assert_string_equal(rec.version, "WARC/1.1");
		assert_string_equal(rec.target_uri, urls[i]);
		assert_string_equal(rec.ip_address, ips[i] ? ips[i] : "");
		assert_string_equal(rec.record_id, locs[i].record_id);
		assert_string_equal(rec.concurrent_to, req_id);
		assert_string_equal(rec.content_type,
				    "application/http; msgtype=response");
		assert_int_equal(rec.content_length,
				 strlen(heads[i]) + bodies[i].len);
		assert_int_equal(rec.date_time, when + i);
		assert_string_equal(rec.date,
				    i == 0           ? "2026-11-28T13:00:00Z"
					    : i == 1 ? "2026-11-28T13:00:01Z"
						     : "2026-11-28T13:00:02Z");
		assert_true(rec.flags & WARC_REC_HTTP);
		assert_int_equal(rec.flags & ~(unsigned)WARC_REC_HTTP, 0);
		assert_int_equal(rec.http.status, i == 2 ? 404 : 200);
		assert_string_equal(rec.http.content_type,
				    "text/html; charset=utf-8");
		assert_string_equal(rec.http.last_modified,
				    "Sat, 28 Nov 2026 12:00:00 GMT");
		assert_int_equal(rec.http.head_len, strlen(heads[i]));
		assert_int_equal(rec.http.nfields, 4);
		assert_string_equal(warc_http_get(&rec, "etag"),
				    i == 0           ? "\"e0\""
					    : i == 1 ? "\"e1\""
						     : "\"e2\"");
		assert_null(warc_http_get(&rec, "Set-Cookie"));
		assert_int_equal(rec.payload_len, bodies[i].len);
		assert_memory_equal(rec.payload, bodies[i].ptr, bodies[i].len);
		warc_sha1_digest(bodies[i].ptr, bodies[i].len, dig);
		assert_string_equal(rec.payload_digest, dig);
		assert_int_equal(warc_record_verify(&rec, err), GZ_OK);
		assert_non_null(warc_record_get(&rec, "WARC-Warcinfo-ID"));
		buf_release(&bodies[i]);
	}
	next_eof(r);
	warc_reader_close(r);
}

static void test_writer_rotation(void **state)
{
	char dir[512], path[2048], err[GZ_ERRLEN] = "";
	char names[8][WARC_NAME_LEN];
	unsigned char noise[3000];
	struct warc_writer *w = NULL;
	struct warc_reader *r;
	struct warc_record rec;
	struct warc_exchange x;
	struct warc_location loc;
	size_t nwarc, nopen, i;
	int total = 0;
	uint32_t seed = 12345;
	static const char head[] = "HTTP/1.0 200 OK\r\nContent-Type: "
				   "application/octet-stream\r\n\r\n";

	path_in(state, "rotation", dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(warc_writer_open(dir, "rot", "1.0",
					  WARC_MIN_ROTATE_BYTES,
					  WARC_W_NO_FSYNC, &w, err),
			 GZ_OK);
	for (i = 0; i < 5; i++) {
		size_t j;

		for (j = 0; j < sizeof noise; j++) {
			seed = seed * 1103515245 + 12345;
			noise[j] = (unsigned char)(seed >> 16);
		}
		memset(&x, 0, sizeof x);
		x.url = "http://example.com/noise";
		x.response_head = head;
		x.response_head_len = sizeof head - 1;
		x.body = noise;
		x.body_len = sizeof noise;
		assert_int_equal(warc_writer_add(w, &x, &loc, err), GZ_OK);
		/* Each exchange fills a file past 1 KiB: it is the file's first. */
		assert_true(loc.offset > 0 && loc.offset < 1024);
	}
	/* A metadata record starts a sixth file. */
	assert_int_equal(warc_writer_add_record(
				 w, "metadata", "http://example.com/noise",
				 "application/warc-fields", 0, "via: test\r\n",
				 11, "WARC-Concurrent-To: <urn:uuid:x>\r\n",
				 &loc, err),
			 GZ_OK);
	assert_int_equal(warc_writer_close(w, err), GZ_OK);
	list_dir(dir, names, 8, &nwarc, &nopen);
	assert_int_equal(nwarc, 6);
	assert_int_equal(nopen, 0);
	for (i = 0; i < nwarc; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		r = open_ok(path);
		next_ok(r, &rec);
		assert_int_equal(rec.type, WARC_TYPE_WARCINFO);
		assert_string_equal(warc_record_get(&rec, "WARC-Filename"),
				    names[i]);
		next_ok(r, &rec);
		assert_true(rec.type == WARC_TYPE_RESPONSE ||
			    rec.type == WARC_TYPE_METADATA);
		if (rec.type == WARC_TYPE_RESPONSE) {
			assert_int_equal(rec.payload_len, sizeof noise);
			assert_int_equal(rec.http.status, 200);
		} else {
			assert_string_equal(rec.concurrent_to, "<urn:uuid:x>");
			assert_string_equal(rec.block, "via: test\r\n");
		}
		assert_int_equal(warc_record_verify(&rec, err), GZ_OK);
		total++;
		next_eof(r);
		warc_reader_close(r);
	}
	assert_int_equal(total, 6);
}

/*
** Count the gzip members of path, inflating each one alone (zlib checks
** its CRC-32 and length) and failing unless they cover the whole file.
*/
static size_t count_members(const char *path)
{
	struct buf file;
	unsigned char out[65536];
	char err[GZ_ERRLEN] = "";
	size_t at = 0, n = 0;
	z_stream zs;
	int zr;

	buf_init(&file, TEST_BUF_MAX);
	assert_int_equal(buf_read_file(&file, path, err), GZ_OK);
	while (at < file.len) {
		memset(&zs, 0, sizeof zs);
		assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
		zs.next_in = (Bytef *)file.ptr + at;
		zs.avail_in = (uInt)(file.len - at);
		do {
			zs.next_out = out;
			zs.avail_out = sizeof out;
			zr = inflate(&zs, Z_NO_FLUSH);
		} while (zr == Z_OK);
		assert_int_equal(zr, Z_STREAM_END);
		at = file.len - zs.avail_in;
		inflateEnd(&zs);
		n++;
	}
	buf_release(&file);
	return n;
}

/*
** Records packed away from the writer (warc_pack_response) and appended
** with warc_writer_add_packed, mixed with ordinary ones, across
** rotations: each is one gzip member, reads back with its digests right,
** names its own file's warcinfo record, and carries the same digests as
** the same exchange written the ordinary way.
*/
static void test_writer_packed(void **state)
{
	char dir[512], path[2048], err[GZ_ERRLEN] = "";
	char names[14][WARC_NAME_LEN], head[256], info_id[WARC_ID_LEN];
	char bdig[12][WARC_DIGEST_LEN], pdig[12][WARC_DIGEST_LEN];
	struct buf bodies[12];
	struct warc_writer *w = NULL;
	struct warc_packed *pk = NULL;
	struct warc_packer *packer = NULL;
	struct warc_reader *r;
	struct warc_record rec;
	struct warc_exchange x;
	struct warc_location loc;
	size_t nwarc, nopen, i, seen = 0, records = 0;
	time_t when = 1795870800;
	uint32_t seed = 99;

	path_in(state, "packed", dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(warc_writer_open(dir, "pk", "1.0", 2048,
					  WARC_W_NO_FSYNC | WARC_W_LEVEL(3), &w,
					  err),
			 GZ_OK);
	assert_int_equal(warc_packer_new(WARC_W_LEVEL(3), &packer, err), GZ_OK);
	for (i = 0; i < 12; i++) {
		buf_init(&bodies[i], TEST_BUF_MAX);
		if (i == 5) {
			/* 200 KB that does not compress: several output
			** steps, and a file of its own. */
			size_t j;

			for (j = 0; j < 200000; j++) {
				seed = seed * 1103515245 + 12345;
				assert_int_equal(buf_addc(&bodies[i],
							  (char)(seed >> 16)),
						 GZ_OK);
			}
		} else if (i != 7) { /* 7: an empty body */
			make_page(&bodies[i], (int)i);
		}
		snprintf(head, sizeof head,
			 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			 bodies[i].len);
		memset(&x, 0, sizeof x);
		x.url = "http://example.com/page";
		x.ip = i % 3 ? "127.0.0.1" : NULL;
		x.date = when + (time_t)i;
		x.response_head = head;
		x.response_head_len = strlen(head);
		x.body = bodies[i].ptr;
		x.body_len = bodies[i].len;
		if (i % 4 == 3) {
			assert_int_equal(warc_writer_add(w, &x, &loc, err),
					 GZ_OK);
			continue;
		}
		assert_int_equal(warc_pack_response(packer, &x, &pk, err),
				 GZ_OK);
		assert_true(warc_packed_size(pk) > 0);
		assert_int_equal(warc_writer_add_packed(w, pk, &loc, err),
				 GZ_OK);
		warc_packed_free(pk);
		pk = NULL;
	}
	/* A request record cannot be packed; nor can a bad URI. */
	x.request = "GET / HTTP/1.1\r\n\r\n";
	x.request_len = strlen(x.request);
	assert_int_equal(warc_pack_response(packer, &x, &pk, err), GZ_EINVAL);
	x.request = NULL;
	x.url = "http://example.com/a b";
	assert_int_equal(warc_pack_response(packer, &x, &pk, err), GZ_EINVAL);
	assert_null(pk);
	warc_packer_free(packer);
	warc_packer_free(NULL);
	assert_int_equal(warc_writer_close(w, err), GZ_OK);

	list_dir(dir, names, 14, &nwarc, &nopen);
	assert_true(nwarc >= 4 && nwarc <= 12);
	assert_int_equal(nopen, 0);
	memset(bdig, 0, sizeof bdig);
	memset(pdig, 0, sizeof pdig);
	for (i = 0; i < nwarc; i++) {
		size_t in_file = 0;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		r = open_ok(path);
		next_ok(r, &rec);
		assert_int_equal(rec.type, WARC_TYPE_WARCINFO);
		snprintf(info_id, sizeof info_id, "%s", rec.record_id);
		for (;;) {
			size_t k;

			if (warc_reader_next(r, &rec, err) == WARC_EOF)
				break;
			assert_int_equal(rec.type, WARC_TYPE_RESPONSE);
			assert_int_equal(warc_record_verify(&rec, err), GZ_OK);
			assert_string_equal(
				warc_record_get(&rec, "WARC-Warcinfo-ID"),
				info_id);
			k = (size_t)(rec.date_time - when);
			assert_true(k < 12);
			assert_int_equal(rec.payload_len, bodies[k].len);
			assert_memory_equal(rec.payload, bodies[k].ptr,
					    bodies[k].len);
			assert_string_equal(rec.ip_address,
					    k % 3 ? "127.0.0.1" : "");
			snprintf(bdig[k], sizeof bdig[k], "%s",
				 rec.block_digest);
			snprintf(pdig[k], sizeof pdig[k], "%s",
				 rec.payload_digest);
			in_file++;
			seen |= (size_t)1 << k;
		}
		warc_reader_close(r);
		/* The warcinfo record and each response: one member each. */
		assert_int_equal(count_members(path), 1 + in_file);
		records += in_file;
	}
	assert_int_equal(records, 12);
	assert_int_equal(seen, 0xfff);
	/* Packed or not, the digests are those of the exchange. */
	for (i = 0; i < 12; i++) {
		char want[WARC_DIGEST_LEN];
		struct buf block;

		warc_sha1_digest(bodies[i].ptr, bodies[i].len, want);
		assert_string_equal(pdig[i], want);
		buf_init(&block, TEST_BUF_MAX);
		assert_int_equal(buf_addf(&block,
					  "HTTP/1.1 200 OK\r\nContent-Length: "
					  "%zu\r\n\r\n",
					  bodies[i].len),
				 GZ_OK);
		assert_int_equal(buf_add(&block, bodies[i].ptr, bodies[i].len),
				 GZ_OK);
		warc_sha1_digest(block.ptr, block.len, want);
		assert_string_equal(bdig[i], want);
		buf_release(&block);
		buf_release(&bodies[i]);
	}
}

static void test_writer_single_file(void **state)
{
	char path[1024], openp[1100], err[GZ_ERRLEN] = "";
	struct warc_writer *w = NULL;
	struct warc_reader *r;
	struct warc_record rec;
	struct warc_exchange x;
	struct stat st;
	static const char head[] =
		"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";

	path_in(state, "single.warc.gz", path, sizeof path);
	snprintf(openp, sizeof openp, "%s.open", path);
	assert_int_equal(warc_writer_open(path, NULL, "2.0", 0, 0, &w, err),
			 GZ_OK);
	assert_int_equal(stat(openp, &st), 0);
	assert_int_not_equal(stat(path, &st), 0);
	memset(&x, 0, sizeof x);
	x.url = "http://example.com/";
	x.response_head = head;
	x.response_head_len = sizeof head - 1;
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_OK);
	assert_int_equal(warc_writer_close(w, err), GZ_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_not_equal(stat(openp, &st), 0);
	/* An existing file is never overwritten. */
	assert_int_equal(warc_writer_open(path, NULL, "2.0", 0, 0, &w, err),
			 GZ_EIO);
	assert_null(w);
	assert_non_null(strstr(err, "exists"));

	r = open_ok(path);
	next_ok(r, &rec);
	assert_int_equal(rec.type, WARC_TYPE_WARCINFO);
	assert_string_equal(warc_record_get(&rec, "WARC-Filename"),
			    "single.warc.gz");
	next_ok(r, &rec);
	assert_int_equal(rec.type, WARC_TYPE_RESPONSE);
	assert_string_equal(rec.concurrent_to, "");
	assert_int_equal(rec.http.status, 304);
	assert_int_equal(rec.payload_len, 0);
	assert_string_equal(rec.payload_digest,
			    "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
	next_eof(r);
	warc_reader_close(r);
}

static void test_writer_write_failure(void **state)
{
	char path[2048], err[GZ_ERRLEN] = "";
	struct warc_writer *w = NULL;
	struct warc_reader *r;
	struct warc_record rec;
	struct warc_exchange x;
	struct rlimit old, lim;
	struct stat st;
	static char big[200000];
	static const char head[] = "HTTP/1.1 200 OK\r\n\r\n";
	off_t before;
	uint32_t seed = 99;
	size_t i;
	void (*old_handler)(int);

	for (i = 0; i < sizeof big; i++) {
		seed = seed * 1103515245 + 12345;
		big[i] = (char)(seed >> 16);
	}
	path_in(state, "fail.warc.gz", path, sizeof path);
	assert_int_equal(warc_writer_open(path, NULL, "1.0", 0, WARC_W_NO_FSYNC,
					  &w, err),
			 GZ_OK);
	memset(&x, 0, sizeof x);
	x.url = "http://example.com/1";
	x.response_head = head;
	x.response_head_len = sizeof head - 1;
	x.body = "first";
	x.body_len = 5;
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_OK);
	snprintf(path + strlen(path), sizeof path - strlen(path), ".open");
	assert_int_equal(stat(path, &st), 0);
	before = st.st_size;
	/* The file may not grow by more than 1000 bytes: the next write fails. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)before + 1000;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	x.url = "http://example.com/2";
	x.request = "GET /2 HTTP/1.1\r\n\r\n";
	x.request_len = strlen(x.request);
	x.body = big;
	x.body_len = sizeof big;
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	assert_non_null(strstr(err, "write"));
	/* Cut back to the last complete record: no request without response. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, before);
	x.url = "http://example.com/3";
	x.request = NULL;
	x.body = "third";
	x.body_len = 5;
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_OK);
	assert_int_equal(warc_writer_close(w, err), GZ_OK);
	path[strlen(path) - 5] = '\0';
	r = open_ok(path);
	next_ok(r, &rec);
	assert_int_equal(rec.type, WARC_TYPE_WARCINFO);
	next_ok(r, &rec);
	payload_is(&rec, "first");
	next_ok(r, &rec);
	assert_string_equal(rec.target_uri, "http://example.com/3");
	payload_is(&rec, "third");
	next_eof(r);
	warc_reader_close(r);
}

static void test_writer_bad_args(void **state)
{
	char dir[512], err[GZ_ERRLEN] = "";
	struct warc_writer *w = NULL;
	struct warc_exchange x;
	static const char head[] = "HTTP/1.1 200 OK\r\n\r\n";

	path_in(state, "badargs", dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(warc_writer_open(dir, "a/b", "1.0", 0, 0, &w, err),
			 GZ_EINVAL);
	assert_int_equal(warc_writer_open(dir, "", "1.0", 0, 0, &w, err),
			 GZ_EINVAL);
	assert_int_equal(
		warc_writer_open(dir, "ok", "1.0\r\nX: y", 0, 0, &w, err),
		GZ_EINVAL);
	assert_int_equal(warc_writer_open(dir, "ok", "1.0", 10, 0, &w, err),
			 GZ_EINVAL);
	assert_int_equal(warc_writer_open("/nonexistent/dir/x.warc.gz", NULL,
					  "1.0", 0, 0, &w, err),
			 GZ_EIO);
	assert_null(w);
	assert_int_equal(
		warc_writer_open(dir, "ok", "1.0", 0, WARC_W_NO_FSYNC, &w, err),
		GZ_OK);
	memset(&x, 0, sizeof x);
	x.response_head = head;
	x.response_head_len = sizeof head - 1;
	x.url = "http://example.com/\r\nWARC-Type: forged";
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_EINVAL);
	x.url = "http://example.com/a b";
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_EINVAL);
	x.url = "http://example.com/";
	x.ip = "1.2.3.4\r\n";
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_EINVAL);
	x.ip = NULL;
	x.response_head = NULL;
	assert_int_equal(warc_writer_add(w, &x, NULL, err), GZ_EINVAL);
	assert_int_equal(warc_writer_add_record(w, "meta data", NULL, NULL, 0,
						"x", 1, NULL, NULL, err),
			 GZ_EINVAL);
	assert_int_equal(warc_writer_add_record(
				 w, "metadata", NULL, NULL, 0, "x", 1,
				 "X-Bad: a\nX-Injected: b\r\n", NULL, err),
			 GZ_EINVAL);
	assert_int_equal(warc_writer_add_record(w, "metadata", NULL,
						"text/plain\r\n", 0, "x", 1,
						NULL, NULL, err),
			 GZ_EINVAL);
	assert_int_equal(warc_writer_close(w, err), GZ_OK);
	assert_int_equal(warc_writer_close(NULL, err), GZ_OK);
}

/* --------------------------------------------------------- reader tests */

/*
** A file of every record type, as WARC/1.0 with <> around URIs, then a
** record cut short.  Returns the offsets of the records in off[8].
*/
static void build_mixed(struct buf *b, size_t off[8])
{
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
		"Content-Length: 22\r\n\r\n<html>response</html>\n";
	static const char revisit[] =
		"HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\n\r\n";
	char cut[1200];
	uint32_t seed = 7;
	size_t i;

	/* Letters that do not compress away, so that half of the gzip member
	** holding the cut record ends inside its block. */
	for (i = 0; i < sizeof cut; i++) {
		seed = seed * 1103515245 + 12345;
		cut[i] = (char)('a' + (seed >> 16) % 26);
	}
	off[0] = rec_adds(
		b, "warcinfo", NULL, "application/warc-fields", NULL,
		"software: other/1.0\r\nformat: WARC File Format 1.0\r\n");
	off[1] = rec_adds(b, "request", "<http://example.com/a>",
			  "application/http; msgtype=request", NULL,
			  "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
	off[2] = rec_adds(b, "response", "<http://example.com/a>",
			  "application/http; msgtype=response",
			  "WARC-IP-Address: 192.0.2.1\r\n"
			  "WARC-Payload-Digest: sha1:AAAA\r\n",
			  resp);
	off[3] =
		rec_adds(b, "revisit", "http://example.com/a",
			 "application/http; msgtype=response",
			 "WARC-Refers-To: "
			 "<urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
			 "WARC-Refers-To-Target-URI: <http://example.com/a>\r\n"
			 "WARC-Refers-To-Date: 2026-11-27T10:00:00Z\r\n"
			 "WARC-Profile: "
			 "http://netpreserve.org/warc/1.0/revisit/"
			 "identical-payload-digest\r\n",
			 revisit);
	off[4] = rec_adds(b, "metadata", "http://example.com/a",
			  "application/warc-fields",
			  "WARC-Concurrent-To: "
			  "<urn:uuid:00000000-0000-4000-8000-000000000002>\r\n",
			  "outlinks: http://example.com/b\r\n");
	off[5] = rec_adds(b, "resource", "http://example.com/c.txt",
			  "text/plain", NULL, "plain resource text\n");
	off[6] = rec_adds(b, "conversion", "http://example.com/c.txt",
			  "text/plain",
			  "WARC-Refers-To: "
			  "<urn:uuid:00000000-0000-4000-8000-000000000003>\r\n",
			  "converted text\n");
	off[7] = b->len;
	assert_int_equal(
		buf_addf(b,
			 "WARC/1.0\r\nWARC-Type: response\r\n"
			 "WARC-Target-URI: http://example.com/cut\r\n"
			 "WARC-Date: 2026-11-28T13:00:00Z\r\n"
			 "WARC-Record-ID: "
			 "<urn:uuid:00000000-0000-4000-8000-0000000000ff>\r\n"
			 "Content-Type: application/http; msgtype=response\r\n"
			 "Content-Length: 5000\r\n\r\n"),
		GZ_OK);
	assert_int_equal(buf_add(b, cut, sizeof cut), GZ_OK);
}

/* Read and check the seven good records of build_mixed(). */
static void check_mixed(struct warc_reader *r, const size_t off[8])
{
	struct warc_record rec;

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[0]);
	assert_int_equal(rec.type, WARC_TYPE_WARCINFO);
	assert_string_equal(rec.version, "WARC/1.0");
	payload_is(&rec,
		   "software: other/1.0\r\nformat: WARC File Format 1.0\r\n");
	assert_int_equal(warc_record_verify(&rec, NULL), GZ_ENOTFOUND);

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[1]);
	assert_int_equal(rec.type, WARC_TYPE_REQUEST);
	assert_string_equal(rec.target_uri, "http://example.com/a");
	assert_int_equal(rec.flags, 0);
	payload_is(&rec, "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[2]);
	assert_int_equal(rec.type, WARC_TYPE_RESPONSE);
	assert_string_equal(rec.target_uri, "http://example.com/a");
	assert_string_equal(rec.ip_address, "192.0.2.1");
	assert_string_equal(rec.payload_digest, "sha1:AAAA");
	assert_string_equal(rec.date, "2026-11-28T13:00:00Z");
	assert_int_equal(rec.date_time, 1795870800);
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	assert_int_equal(rec.http.status, 200);
	assert_string_equal(rec.http.content_type, "text/html");
	assert_string_equal(rec.http.content_encoding, "");
	payload_is(&rec, "<html>response</html>\n");

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[3]);
	assert_int_equal(rec.type, WARC_TYPE_REVISIT);
	assert_string_equal(rec.target_uri, "http://example.com/a");
	assert_string_equal(rec.refers_to,
			    "<urn:uuid:00000000-0000-4000-8000-000000000001>");
	assert_string_equal(rec.refers_to_target_uri, "http://example.com/a");
	assert_string_equal(rec.refers_to_date, "2026-11-27T10:00:00Z");
	assert_string_equal(rec.profile,
			    "http://netpreserve.org/warc/1.0/revisit/"
			    "identical-payload-digest");
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	assert_int_equal(rec.http.status, 304);
	assert_string_equal(rec.http.etag, "\"abc\"");
	assert_int_equal(rec.payload_len, 0);

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[4]);
	assert_int_equal(rec.type, WARC_TYPE_METADATA);
	assert_string_equal(rec.concurrent_to,
			    "<urn:uuid:00000000-0000-4000-8000-000000000002>");
	payload_is(&rec, "outlinks: http://example.com/b\r\n");

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[5]);
	assert_int_equal(rec.type, WARC_TYPE_RESOURCE);
	assert_string_equal(rec.content_type, "text/plain");
	payload_is(&rec, "plain resource text\n");

	next_ok(r, &rec);
	assert_int_equal(rec.offset, off[6]);
	assert_int_equal(rec.type, WARC_TYPE_CONVERSION);
	assert_string_equal(rec.refers_to,
			    "<urn:uuid:00000000-0000-4000-8000-000000000003>");
	payload_is(&rec, "converted text\n");
}

static void test_read_all_types_truncated(void **state)
{
	char path[1024], want[128];
	size_t off[8];
	struct buf b;
	struct warc_reader *r;

	buf_init(&b, TEST_BUF_MAX);
	build_mixed(&b, off);
	path_in(state, "mixed.warc", path, sizeof path);
	write_file(path, b.ptr, b.len);
	r = open_ok(path);
	check_mixed(r, off);
	snprintf(want, sizeof want,
		 "offset %zu: truncated record: Content-Length 5000, 1200 "
		 "bytes left",
		 off[7]);
	next_bad(r, want);
	next_eof(r);
	assert_int_equal(warc_reader_offset(r), b.len);
	assert_int_equal(warc_reader_file_offset(r), b.len);
	warc_reader_close(r);
	buf_release(&b);
}

static void test_read_gzip_members_truncated(void **state)
{
	char path[1024], want[128];
	size_t off[8], i, cut;
	struct buf b, gz;
	struct warc_reader *r;

	buf_init(&b, TEST_BUF_MAX);
	buf_init(&gz, TEST_BUF_MAX);
	build_mixed(&b, off);
	/* One member per record; the last member cut in the middle. */
	for (i = 0; i < 7; i++)
		gz_append(&gz, b.ptr + off[i], off[i + 1] - off[i]);
	cut = gz.len;
	gz_append(&gz, b.ptr + off[7], b.len - off[7]);
	buf_truncate(&gz, cut + (gz.len - cut) / 2);
	path_in(state, "mixed.warc.gz", path, sizeof path);
	write_file(path, gz.ptr, gz.len);
	r = open_ok(path);
	check_mixed(r, off);
	snprintf(want, sizeof want,
		 "offset %zu: truncated record: Content-Length 5000", off[7]);
	next_bad(r, want);
	next_eof(r);
	assert_int_equal(warc_reader_file_offset(r), gz.len);
	warc_reader_close(r);
	buf_release(&b);
	buf_release(&gz);
}

static void test_resync_after_garbage(void **state)
{
	char path[1024], want[160];
	size_t a, g, bb, bad, c, nolen, d, shortlen, e, i;
	struct buf b;
	struct warc_reader *r;
	struct warc_record rec;

	buf_init(&b, TEST_BUF_MAX);
	a = rec_adds(&b, "resource", "http://example.com/a", "text/plain", NULL,
		     "A\n");
	g = b.len;
	assert_int_equal(
		buf_adds(&b,
			 "GARBAGE LINE\r\nfoo: bar\r\n\r\nsome block\r\n"
			 "not WARC/1.0 at line start\r\n\r\n"),
		GZ_OK);
	bb = rec_adds(&b, "resource", "http://example.com/b", "text/plain",
		      NULL, "B\n");
	bad = rec_adds(&b, "resource", "http://example.com/bad", "text/plain",
		       "this line has no colon\r\n", "BAD\n");
	c = rec_adds(&b, "resource", "http://example.com/c", "text/plain", NULL,
		     "C\n");
	nolen = b.len;
	assert_int_equal(
		buf_adds(&b,
			 "WARC/1.0\r\nWARC-Type: resource\r\n\r\nxyz\r\n\r\n"),
		GZ_OK);
	{
		unsigned char dg[WARC_SHA1_BYTES];
		char line[80];
		int k;

		warc_sha1("D\n", 2, dg);
		k = snprintf(line, sizeof line, "WARC-Block-Digest: SHA1:");
		for (i = 0; i < WARC_SHA1_BYTES; i++)
			k += snprintf(line + k, sizeof line - (size_t)k, "%02X",
				      dg[i]);
		snprintf(line + k, sizeof line - (size_t)k, "\r\n");
		d = rec_adds(&b, "resource", "http://example.com/d",
			     "text/plain", line, "D\n");
	}
	/* Content-Length too short: the block is not followed by CRLF CRLF. */
	shortlen = b.len;
	assert_int_equal(buf_adds(&b,
				  "WARC/1.0\r\nWARC-Type: "
				  "resource\r\nContent-Length: 3\r\n\r\n"
				  "abcdef\r\n\r\n"),
			 GZ_OK);
	e = rec_adds(
		&b, "resource", "http://example.com/e", "text/plain",
		"WARC-Block-Digest: sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n",
		"E\n");
	path_in(state, "garbage.warc", path, sizeof path);
	write_file(path, b.ptr, b.len);

	r = open_ok(path);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, a);
	payload_is(&rec, "A\n");
	snprintf(want, sizeof want,
		 "offset %zu: expected a WARC/1.x version line, found "
		 "\"GARBAGE LINE\"",
		 g);
	next_bad(r, want);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, bb);
	payload_is(&rec, "B\n");
	snprintf(want, sizeof want,
		 "offset %zu: malformed header line \"this line has no colon\"",
		 bad);
	next_bad(r, want);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, c);
	payload_is(&rec, "C\n");
	snprintf(want, sizeof want, "offset %zu: no Content-Length", nolen);
	next_bad(r, want);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, d);
	assert_string_equal(rec.target_uri, "http://example.com/d");
	assert_int_equal(warc_record_verify(&rec, NULL), GZ_OK);
	snprintf(want, sizeof want,
		 "offset %zu: record not followed by CRLF CRLF", shortlen);
	next_bad(r, want);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, e);
	payload_is(&rec, "E\n");
	assert_int_equal(warc_record_verify(&rec, NULL), GZ_EPARSE);
	next_eof(r);
	warc_reader_close(r);
	buf_release(&b);
}

static void test_resync_corrupt_gzip(void **state)
{
	char path[2048];
	struct buf b, gz, page;
	size_t i, start;
	struct warc_reader *r;
	struct warc_record rec;
	char err[GZ_ERRLEN];
	int rc, seen[5] = { 0 }, errors = 0, n;

	buf_init(&b, TEST_BUF_MAX);
	buf_init(&gz, TEST_BUF_MAX);
	buf_init(&page, TEST_BUF_MAX);
	for (i = 0; i < 5; i++) {
		char uri[64];

		buf_reset(&b);
		make_page(&page, (int)i);
		snprintf(uri, sizeof uri, "http://example.com/%zu", i);
		rec_add(&b, "resource", uri, "text/html", NULL, page.ptr,
			page.len);
		start = gz.len;
		gz_append(&gz, b.ptr, b.len);
		/* Damage the second member near its end (the break falls inside
		** its record) and the fourth near its start (no output at all). */
		if (i == 1)
			memset(gz.ptr + gz.len - 40, 0xff, 16);
		if (i == 3)
			memset(gz.ptr + start + 40, 0xff, 32);
	}
	path_in(state, "corrupt.warc.gz", path, sizeof path);
	write_file(path, gz.ptr, gz.len);
	r = open_ok(path);
	while ((rc = warc_reader_next(r, &rec, err)) != WARC_EOF) {
		if (rc == GZ_EPARSE) {
			assert_non_null(
				strstr(err, "corrupt gzip data near byte"));
			errors++;
			continue;
		}
		assert_int_equal(rc, GZ_OK);
		n = rec.target_uri[strlen(rec.target_uri) - 1] - '0';
		assert_true(n >= 0 && n < 5);
		seen[n]++;
		make_page(&page, n);
		payload_is(&rec, page.ptr);
	}
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 0);
	assert_int_equal(seen[2], 1);
	assert_int_equal(seen[3], 0);
	assert_int_equal(seen[4], 1);
	assert_int_equal(errors, 2);
	warc_reader_close(r);
	buf_release(&b);
	buf_release(&gz);
	buf_release(&page);
}

/* Append "HEAD\r\n\r\n" then chunked body p (n bytes, in chunks of k). */
static void chunked(struct buf *out, const char *p, size_t n, size_t k)
{
	size_t i, m;

	for (i = 0; i < n; i += m) {
		m = n - i < k ? n - i : k;
		assert_int_equal(buf_addf(out, "%zx;ext=1\r\n", m), GZ_OK);
		assert_int_equal(buf_add(out, p + i, m), GZ_OK);
		assert_int_equal(buf_adds(out, "\r\n"), GZ_OK);
	}
	assert_int_equal(buf_adds(out, "0\r\nX-Trailer: t\r\n\r\n"), GZ_OK);
}

static void test_http_decoding(void **state)
{
	char path[1024];
	struct buf b, page, blk, z;
	struct warc_reader *r;
	struct warc_record rec;
	char *zeros;
	size_t zn = 16u * 1024 * 1024;

	buf_init(&b, TEST_BUF_MAX);
	buf_init(&page, TEST_BUF_MAX);
	buf_init(&blk, TEST_BUF_MAX);
	buf_init(&z, TEST_BUF_MAX);
	make_page(&page, 9);

	/* 1: chunked + gzip. */
	gz_append(&z, page.ptr, page.len);
	assert_int_equal(
		buf_adds(&blk,
			 "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			 "Transfer-Encoding: chunked\r\nContent-Encoding: "
			 "gzip\r\n\r\n"),
		GZ_OK);
	chunked(&blk, z.ptr, z.len, 500);
	rec_add(&b, "response", "http://example.com/1",
		"application/http; msgtype=response", NULL, blk.ptr, blk.len);
	/* 2: deflate, zlib-wrapped, LF-only head. */
	buf_reset(&blk);
	buf_reset(&z);
	z_append(&z, page.ptr, page.len, 15);
	assert_int_equal(
		buf_adds(&blk,
			 "HTTP/1.0 200 OK\nContent-Encoding: deflate\n\n"),
		GZ_OK);
	assert_int_equal(buf_add(&blk, z.ptr, z.len), GZ_OK);
	rec_add(&b, "response", "http://example.com/2",
		"application/http;msgtype=response", NULL, blk.ptr, blk.len);
	/* 3: deflate, raw. */
	buf_reset(&blk);
	buf_reset(&z);
	z_append(&z, page.ptr, page.len, -15);
	assert_int_equal(
		buf_adds(
			&blk,
			"HTTP/1.1 200 OK\r\nContent-Encoding: Deflate\r\n\r\n"),
		GZ_OK);
	assert_int_equal(buf_add(&blk, z.ptr, z.len), GZ_OK);
	rec_add(&b, "response", "http://example.com/3",
		"application/http; msgtype=response", NULL, blk.ptr, blk.len);
	/* 4: says chunked but was stored de-chunked. */
	buf_reset(&blk);
	assert_int_equal(buf_adds(&blk,
				  "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
				  "chunked\r\n\r\n"),
			 GZ_OK);
	assert_int_equal(buf_add(&blk, page.ptr, page.len), GZ_OK);
	rec_add(&b, "response", "http://example.com/4",
		"application/http; msgtype=response", NULL, blk.ptr, blk.len);
	/* 5: an encoding we do not decode. */
	rec_adds(&b, "response", "http://example.com/5",
		 "application/http; msgtype=response", NULL,
		 "HTTP/1.1 200 OK\r\nContent-Encoding: "
		 "br\r\n\r\n\x0b\x02\x80hello");
	/* 6: gzip that is not gzip. */
	rec_adds(&b, "response", "http://example.com/6",
		 "application/http; msgtype=response", NULL,
		 "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nplain text");
	/* 7: a gzip bomb. */
	zeros = calloc(1, zn);
	assert_non_null(zeros);
	buf_reset(&blk);
	buf_reset(&z);
	gz_append(&z, zeros, zn);
	free(zeros);
	assert_int_equal(
		buf_adds(&blk,
			 "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"),
		GZ_OK);
	assert_int_equal(buf_add(&blk, z.ptr, z.len), GZ_OK);
	rec_add(&b, "response", "http://example.com/7",
		"application/http; msgtype=response", NULL, blk.ptr, blk.len);
	/* 8: chunked body cut off in the middle of a chunk. */
	buf_reset(&blk);
	assert_int_equal(
		buf_adds(&blk,
			 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "5\r\nhello\r\n10\r\nshort"),
		GZ_OK);
	rec_add(&b, "response", "http://example.com/8",
		"application/http; msgtype=response", NULL, blk.ptr, blk.len);
	/* 9: not HTTP at all. */
	rec_adds(&b, "response", "http://example.com/9",
		 "application/http; msgtype=response", NULL, "SPDY nonsense");
	/* 11 (read before 10): a plain body over the payload cap. */
	buf_reset(&blk);
	assert_int_equal(buf_adds(&blk, "HTTP/1.1 200 OK\r\n\r\n"), GZ_OK);
	while (blk.len < 1200 * 1024)
		assert_int_equal(buf_add(&blk, page.ptr, page.len), GZ_OK);
	rec_add(&b, "response", "http://example.com/11",
		"application/http; msgtype=response", NULL, blk.ptr, blk.len);
	/* 10: folded header line and a field with no value. */
	rec_adds(&b, "response", "http://example.com/10",
		 "application/http; msgtype=response", NULL,
		 "HTTP/1.1 301 Moved\r\nLocation: http://example.com/\r\n"
		 "X-Folded: one\r\n  two\r\nX-Empty:\r\nbroken line\r\n\r\n");
	path_in(state, "http.warc", path, sizeof path);
	write_file(path, b.ptr, b.len);

	r = open_ok(path);
	assert_int_equal(warc_reader_set_limits(r, 0, 1024 * 1024), GZ_OK);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	assert_string_equal(rec.http.transfer_encoding, "chunked");
	assert_string_equal(rec.http.content_encoding, "gzip");
	payload_is(&rec, page.ptr);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	payload_is(&rec, page.ptr);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	payload_is(&rec, page.ptr);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	payload_is(&rec, page.ptr);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP | WARC_REC_UNDECODED);
	assert_int_equal(rec.payload_len, 8);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP | WARC_REC_UNDECODED);
	payload_is(&rec, "plain text");
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP | WARC_REC_PAYLOAD_TRUNCATED);
	assert_int_equal(rec.payload_len, 1024 * 1024);
	assert_int_equal(rec.payload[0], 0);
	assert_int_equal(rec.payload[rec.payload_len - 1], 0);
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP | WARC_REC_PAYLOAD_TRUNCATED);
	payload_is(&rec, "helloshort");
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP_BAD);
	assert_int_equal(rec.http.status, 0);
	payload_is(&rec, "SPDY nonsense");
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP | WARC_REC_PAYLOAD_TRUNCATED);
	assert_int_equal(rec.payload_len, 1024 * 1024);
	assert_memory_equal(rec.payload, page.ptr, page.len);
	assert_int_equal(rec.payload[rec.payload_len], '\0');
	next_ok(r, &rec);
	assert_int_equal(rec.flags, WARC_REC_HTTP);
	assert_int_equal(rec.http.status, 301);
	assert_int_equal(rec.http.nfields, 3);
	assert_string_equal(warc_http_get(&rec, "location"),
			    "http://example.com/");
	assert_string_equal(warc_http_get(&rec, "X-Folded"), "one two");
	assert_string_equal(warc_http_get(&rec, "X-Empty"), "");
	assert_int_equal(rec.payload_len, 0);
	next_eof(r);
	warc_reader_close(r);
	buf_release(&b);
	buf_release(&page);
	buf_release(&blk);
	buf_release(&z);
}

static void test_oversized_skipped(void **state)
{
	char path[1024], err[GZ_ERRLEN];
	struct buf b, gz, big;
	struct warc_reader *r;
	struct warc_record rec;
	size_t i, offs[3];
	int pass;

	buf_init(&b, TEST_BUF_MAX);
	buf_init(&gz, TEST_BUF_MAX);
	buf_init(&big, TEST_BUF_MAX);
	/* Over the reader's window, so that the plain file is skipped by seeking. */
	for (i = 0; i < 1000000; i++)
		assert_int_equal(buf_addc(&big, (char)('a' + i % 26)), GZ_OK);
	offs[0] = rec_adds(&b, "resource", "http://example.com/small1",
			   "text/plain", NULL, "one");
	offs[1] = rec_add(&b, "resource", "http://example.com/big",
			  "text/plain", NULL, big.ptr, big.len);
	offs[2] = rec_adds(&b, "resource", "http://example.com/small2",
			   "text/plain", NULL, "two");
	gz_append(&gz, b.ptr, offs[1]);
	gz_append(&gz, b.ptr + offs[1], offs[2] - offs[1]);
	gz_append(&gz, b.ptr + offs[2], b.len - offs[2]);
	for (pass = 0; pass < 2; pass++) {
		path_in(state, pass ? "big.warc.gz" : "big.warc", path,
			sizeof path);
		write_file(path, pass ? gz.ptr : b.ptr, pass ? gz.len : b.len);
		r = open_ok(path);
		assert_int_equal(warc_reader_set_limits(r, 100, 0), GZ_EINVAL);
		assert_int_equal(
			warc_reader_set_limits(
				r, 0, (size_t)WARC_MAX_LIMIT_BYTES + 1),
			GZ_EINVAL);
		assert_int_equal(warc_reader_set_limits(r, 65536, 0), GZ_OK);
		next_ok(r, &rec);
		payload_is(&rec, "one");
		next_ok(r, &rec);
		assert_int_equal(rec.offset, offs[1]);
		assert_int_equal(rec.flags, WARC_REC_OVERSIZED);
		assert_string_equal(rec.target_uri, "http://example.com/big");
		assert_int_equal(rec.content_length, 1000000);
		assert_int_equal(rec.block_len, 0);
		assert_string_equal(rec.block, "");
		assert_int_equal(rec.payload_len, 0);
		assert_int_equal(warc_record_verify(&rec, err), GZ_ENOTFOUND);
		next_ok(r, &rec);
		assert_int_equal(rec.offset, offs[2]);
		payload_is(&rec, "two");
		next_eof(r);
		warc_reader_close(r);
	}
	buf_release(&b);
	buf_release(&gz);
	buf_release(&big);
}

static void test_single_gzip_stream(void **state)
{
	char path[1024], uri[64];
	struct buf b, gz, page;
	struct warc_reader *r;
	struct warc_record rec;
	int i, n = 0;
	char err[GZ_ERRLEN];

	buf_init(&b, TEST_BUF_MAX);
	buf_init(&gz, TEST_BUF_MAX);
	buf_init(&page, TEST_BUF_MAX);
	/* Enough records to span several windows of the reader. */
	for (i = 0; i < 200; i++) {
		make_page(&page, i % 50);
		snprintf(uri, sizeof uri, "http://example.com/s/%d", i);
		rec_add(&b, "resource", uri, "text/html", NULL, page.ptr,
			page.len);
	}
	gz_append(&gz, b.ptr, b.len);
	path_in(state, "stream.warc.gz", path, sizeof path);
	write_file(path, gz.ptr, gz.len);
	r = open_ok(path);
	while (warc_reader_next(r, &rec, err) == GZ_OK) {
		snprintf(uri, sizeof uri, "http://example.com/s/%d", n);
		assert_string_equal(rec.target_uri, uri);
		make_page(&page, n % 50);
		payload_is(&rec, page.ptr);
		n++;
	}
	assert_int_equal(n, 200);
	assert_string_equal(err, "end of file");
	assert_int_equal(warc_reader_offset(r), b.len);
	warc_reader_close(r);
	buf_release(&b);
	buf_release(&gz);
	buf_release(&page);
}

static void test_empty_file(void **state)
{
	char path[1024];
	struct buf gz;
	struct warc_reader *r;

	path_in(state, "empty.warc", path, sizeof path);
	write_file(path, "", 0);
	r = open_ok(path);
	next_eof(r);
	warc_reader_close(r);

	buf_init(&gz, TEST_BUF_MAX);
	gz_append(&gz, "", 0);
	path_in(state, "empty.warc.gz", path, sizeof path);
	write_file(path, gz.ptr, gz.len);
	r = open_ok(path);
	next_eof(r);
	warc_reader_close(r);
	buf_release(&gz);

	/* Only line ends. */
	path_in(state, "blank.warc", path, sizeof path);
	write_file(path, "\r\n\r\n", 4);
	r = open_ok(path);
	next_eof(r);
	warc_reader_close(r);
}

static void test_not_warc(void **state)
{
	static const char html[] =
		"<!DOCTYPE html>\n<html><body>hello</body></html>\n";
	static const unsigned char badgz[] = { 0x1f, 0x8b, 0x08, 0x00, 0x00,
					       0x00, 0x00, 0x00, 0x00, 0x03,
					       0xff, 0xff, 0xff, 0xff };
	char path[1024], err[GZ_ERRLEN] = "";
	struct warc_reader *r = (struct warc_reader *)&r;
	struct buf gz;

	path_in(state, "page.html", path, sizeof path);
	write_file(path, html, sizeof html - 1);
	assert_int_equal(warc_reader_open(path, &r, err), GZ_EPARSE);
	assert_null(r);
	assert_non_null(strstr(
		err, "not a WARC file (starts with \"<!DOCTYPE html>\")"));

	buf_init(&gz, TEST_BUF_MAX);
	gz_append(&gz, html, sizeof html - 1);
	path_in(state, "page.html.gz", path, sizeof path);
	write_file(path, gz.ptr, gz.len);
	assert_int_equal(warc_reader_open(path, &r, err), GZ_EPARSE);
	assert_non_null(strstr(err, "not a WARC file"));
	buf_release(&gz);

	path_in(state, "bad.gz", path, sizeof path);
	write_file(path, badgz, sizeof badgz);
	assert_int_equal(warc_reader_open(path, &r, err), GZ_EPARSE);
	assert_non_null(strstr(err, "not a valid gzip file"));

	path_in(state, "binary.warc", path, sizeof path);
	write_file(path, "\x00\x01WARC/1.0", 10);
	assert_int_equal(warc_reader_open(path, &r, err), GZ_EPARSE);
	assert_non_null(strstr(err, "starts with \"\\x00\\x01WARC/1.0\""));

	path_in(state, "missing.warc", path, sizeof path);
	assert_int_equal(warc_reader_open(path, &r, err), GZ_EIO);
	assert_non_null(strstr(err, "missing.warc"));
	assert_null(r);
}

static void test_header_limits(void **state)
{
	char path[1024], want[128], want2[128];
	struct buf b;
	struct warc_reader *r;
	struct warc_record rec;
	size_t big, i, after, many, bad;

	buf_init(&b, TEST_BUF_MAX);
	/* A header over WARC_MAX_HEADER_BYTES. */
	big = b.len;
	assert_int_equal(buf_adds(&b, "WARC/1.0\r\nWARC-Type: resource\r\n"),
			 GZ_OK);
	for (i = 0; b.len - big < WARC_MAX_HEADER_BYTES + 100; i++)
		assert_int_equal(buf_addf(&b, "X-Filler-%zu: %0100d\r\n", i, 0),
				 GZ_OK);
	assert_int_equal(buf_adds(&b, "Content-Length: 1\r\n\r\nx\r\n\r\n"),
			 GZ_OK);
	after = rec_adds(&b, "resource", "http://example.com/after",
			 "text/plain", "X-Bad-Version: but fine\r\n", "after");
	/* Bad version line, too many fields, bad Content-Length. */
	bad = b.len;
	assert_int_equal(
		buf_adds(&b, "WARC/x.y\r\nContent-Length: 1\r\n\r\nx\r\n\r\n"),
		GZ_OK);
	/* Too many header fields. */
	many = b.len;
	assert_int_equal(buf_adds(&b, "WARC/1.0\r\n"), GZ_OK);
	for (i = 0; i <= WARC_MAX_HEADER_FIELDS; i++)
		assert_int_equal(buf_addf(&b, "X-F%zu: v\r\n", i), GZ_OK);
	assert_int_equal(buf_adds(&b, "Content-Length: 1\r\n\r\nx\r\n\r\n"),
			 GZ_OK);
	assert_int_equal(
		buf_adds(&b, "WARC/1.0\r\nContent-Length: -1\r\n\r\nx\r\n\r\n"),
		GZ_OK);
	path_in(state, "limits.warc", path, sizeof path);
	write_file(path, b.ptr, b.len);
	r = open_ok(path);
	snprintf(want, sizeof want, "offset %zu: record header larger than",
		 big);
	next_bad(r, want);
	next_ok(r, &rec);
	assert_int_equal(rec.offset, after);
	payload_is(&rec, "after");
	assert_string_equal(warc_record_get(&rec, "x-bad-version"), "but fine");
	assert_null(warc_record_get(&rec, "X-Absent"));
	snprintf(want2, sizeof want2, "offset %zu: more than %d header fields",
		 many, WARC_MAX_HEADER_FIELDS);
	snprintf(want, sizeof want, "offset %zu: bad version line \"WARC/x.y\"",
		 bad);
	next_bad(r, want);
	next_bad(r, want2);
	next_bad(r, "bad Content-Length \"-1\"");
	next_eof(r);
	warc_reader_close(r);
	buf_release(&b);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_int_equal(warc_type_from_name("warcinfo"), WARC_TYPE_WARCINFO);
	assert_int_equal(warc_type_from_name("Response"), WARC_TYPE_RESPONSE);
	assert_int_equal(warc_type_from_name("resource"), WARC_TYPE_RESOURCE);
	assert_int_equal(warc_type_from_name("request"), WARC_TYPE_REQUEST);
	assert_int_equal(warc_type_from_name("metadata"), WARC_TYPE_METADATA);
	assert_int_equal(warc_type_from_name("revisit"), WARC_TYPE_REVISIT);
	assert_int_equal(warc_type_from_name("conversion"),
			 WARC_TYPE_CONVERSION);
	assert_int_equal(warc_type_from_name("continuation"),
			 WARC_TYPE_CONTINUATION);
	assert_int_equal(warc_type_from_name("responses"), WARC_TYPE_UNKNOWN);
	assert_int_equal(warc_type_from_name(""), WARC_TYPE_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_base32_vectors),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_writer_roundtrip),
		cmocka_unit_test(test_writer_rotation),
		cmocka_unit_test(test_writer_single_file),
		cmocka_unit_test(test_writer_packed),
		cmocka_unit_test(test_writer_write_failure),
		cmocka_unit_test(test_writer_bad_args),
		cmocka_unit_test(test_read_all_types_truncated),
		cmocka_unit_test(test_read_gzip_members_truncated),
		cmocka_unit_test(test_resync_after_garbage),
		cmocka_unit_test(test_resync_corrupt_gzip),
		cmocka_unit_test(test_http_decoding),
		cmocka_unit_test(test_oversized_skipped),
		cmocka_unit_test(test_single_gzip_stream),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_not_warc),
		cmocka_unit_test(test_header_limits),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
