/*
** warc.c — WARC reader and writer.  See warc.h for the contract.
**
** The reader is layered.  At the bottom, the input layer fills a fixed
** window of uncompressed bytes from the file, through zlib when the file is
** gzip (any number of members, each restarted on Z_STREAM_END, and a search
** for the next member after corrupt data).  Above it, the record layer
** finds a header in the window, copies it out and splits it in place into
** fields, then copies the block into a bounded buffer or streams past it.
** On top, the HTTP layer parses the response head of response and revisit
** records and decodes the body.  Memory is the window plus buffers that
** never grow past their caps, whatever the size of the file.
**
** The writer deflates each record into its own gzip member, computing the
** SHA-1 digests on the way, and cuts the file back to the last complete
** member when a write fails.  A packed record (warc_pack_response) arrives
** with its digests and its block raw-deflated on another thread; the
** writer deflates only the header, flushed to a byte boundary, puts the
** packed block after it (two raw deflate streams concatenate when the
** first ends on a sync flush, as pigz joins its chunks) and writes the
** gzip trailer, combining the CRC-32s.
*/
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "gz_err.h"
#include "warc.h"

/* Bytes of uncompressed stream held at once; must exceed a whole header. */
#define WARC_WIN_BYTES (256u * 1024)
/* Bytes of compressed input read at once. */
#define WARC_IN_BYTES (64u * 1024)
/* Output step when inflating a payload, and the writer's output buffer. */
#define WARC_ZSTEP (64u * 1024)
/* Longest chunk-size line (with extensions) accepted in a chunked body. */
#define WARC_MAX_CHUNK_LINE 1024
/* Compression level of the writer (zlib's default trade-off). */
#define WARC_GZIP_LEVEL 6
/* Files one writer may create (the NNNNN of the name). */
#define WARC_MAX_FILES 99999u
/* Bytes of an offending line quoted in an error message. */
#define WARC_QUOTE_BYTES 40

/* ================================================================ SHA-1 */

/* Running state of one SHA-1 computation (FIPS 180-4). */
struct warc_sha1_ctx {
	uint32_t h[5];         /* chaining value */
	uint64_t len;          /* bytes hashed so far */
	unsigned char blk[64]; /* partial block */
	size_t n;              /* bytes in blk */
};

/* Rotate x left by k bits (0 < k < 32). */
static uint32_t warc_rol(uint32_t x, unsigned k)
{
	return (x << k) | (x >> (32 - k));
}

/* Mix one 64-byte block p into the chaining value h. */
static void warc_sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			(uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = warc_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = warc_rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = warc_rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

/* Start a SHA-1 computation in ctx. */
static void warc_sha1_init(struct warc_sha1_ctx *ctx)
{
	ctx->h[0] = 0x67452301;
	ctx->h[1] = 0xefcdab89;
	ctx->h[2] = 0x98badcfe;
	ctx->h[3] = 0x10325476;
	ctx->h[4] = 0xc3d2e1f0;
	ctx->len = 0;
	ctx->n = 0;
}

/* Add n bytes at data to the computation in ctx. */
static void warc_sha1_update(struct warc_sha1_ctx *ctx, const void *data,
			     size_t n)
{
	const unsigned char *p = data;
	size_t k;

	ctx->len += n;
	if (ctx->n) {
		k = 64 - ctx->n < n ? 64 - ctx->n : n;
		memcpy(ctx->blk + ctx->n, p, k);
		ctx->n += k;
		p += k;
		n -= k;
		if (ctx->n < 64)
			return;
		warc_sha1_block(ctx->h, ctx->blk);
		ctx->n = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		warc_sha1_block(ctx->h, p);
	if (n) {
		memcpy(ctx->blk, p, n);
		ctx->n = n;
	}
}

/* Finish the computation in ctx and write the digest into out. */
static void warc_sha1_final(struct warc_sha1_ctx *ctx,
			    unsigned char out[WARC_SHA1_BYTES])
{
	uint64_t bits = ctx->len * 8;
	unsigned i;

	ctx->blk[ctx->n++] = 0x80;
	if (ctx->n > 56) {
		memset(ctx->blk + ctx->n, 0, 64 - ctx->n);
		warc_sha1_block(ctx->h, ctx->blk);
		ctx->n = 0;
	}
	memset(ctx->blk + ctx->n, 0, 56 - ctx->n);
	for (i = 0; i < 8; i++)
		ctx->blk[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	warc_sha1_block(ctx->h, ctx->blk);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(ctx->h[i / 4] >> (24 - 8 * (i % 4)));
}

void warc_sha1(const void *p, size_t n, unsigned char out[WARC_SHA1_BYTES])
{
	struct warc_sha1_ctx ctx;

	warc_sha1_init(&ctx);
	warc_sha1_update(&ctx, p, n);
	warc_sha1_final(&ctx, out);
}

size_t warc_base32(const unsigned char *in, size_t n, char *out, size_t outn)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t i, j, k, chars, o = 0;
	uint64_t v;

	if (n > (((size_t)-1) / 8 - 1) * 5 || outn < (n + 4) / 5 * 8 + 1) {
		if (outn)
			out[0] = '\0';
		return 0;
	}
	for (i = 0; i < n; i += 5) {
		k = n - i < 5 ? n - i : 5;
		v = 0;
		for (j = 0; j < 5; j++)
			v = v << 8 | (j < k ? in[i + j] : 0);
		chars = (k * 8 + 4) / 5;
		for (j = 0; j < 8; j++)
			out[o++] = j < chars ? alpha[(v >> (35 - 5 * j)) & 31]
					     : '=';
	}
	out[o] = '\0';
	return o;
}

/* Write "sha1:" and the base32 of digest d into out (WARC_DIGEST_LEN). */
static void warc_digest_text(const unsigned char d[WARC_SHA1_BYTES],
			     char out[WARC_DIGEST_LEN])
{
	memcpy(out, "sha1:", 5);
	warc_base32(d, WARC_SHA1_BYTES, out + 5, WARC_DIGEST_LEN - 5);
}

void warc_sha1_digest(const void *p, size_t n, char out[WARC_DIGEST_LEN])
{
	unsigned char d[WARC_SHA1_BYTES];

	warc_sha1(p, n, d);
	warc_digest_text(d, out);
}

/* ============================================================== helpers */

/* ASCII lower case of c, whatever the locale. */
static int warc_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Whether a and b are equal, ASCII case ignored. */
static int warc_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (warc_lower((unsigned char)*a) !=
		    warc_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Whether s starts with prefix, ASCII case ignored. */
static int warc_istarts(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (warc_lower((unsigned char)*s) !=
		    warc_lower((unsigned char)*prefix))
			return 0;
	return 1;
}

/* Whether needle occurs in s, ASCII case ignored. */
static int warc_icontains(const char *s, const char *needle)
{
	for (; *s; s++)
		if (warc_istarts(s, needle))
			return 1;
	return 0;
}

/*
** Quote up to max bytes of p (n bytes, untrusted, stopping at a line end)
** into out (outn bytes): printable ASCII kept, other bytes as \xNN.
*/
static void warc_quote(const unsigned char *p, size_t n, size_t max, char *out,
		       size_t outn)
{
	size_t i, o = 0;

	if (!outn)
		return;
	for (i = 0; i < n && i < max && p[i] != '\n' && p[i] != '\r'; i++) {
		if (o + 5 >= outn)
			break;
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, outn - o, "\\x%02x",
					      p[i]);
	}
	if ((i < n && p[i] != '\n' && p[i] != '\r') && o + 4 < outn) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Parse n decimal digits at s into *v; 0 on success, -1 when not digits. */
static int warc_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/*
** Parse a WARC-Date (W3C-ISO8601: "YYYY-MM-DDThh:mm:ss[.f...]Z", or with
** minutes or the day only) into a UTC time; 0 when it does not parse.
*/
static time_t warc_parse_date(const char *s)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = strlen(s);
	const char *p;

	if (n < 10 || warc_digits(s, 4, &y) || s[4] != '-' ||
	    warc_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    warc_digits(s + 8, 2, &d))
		return 0;
	p = s + 10;
	if (*p == 'T') {
		if (warc_digits(p + 1, 2, &h) || p[3] != ':' ||
		    warc_digits(p + 4, 2, &mi))
			return 0;
		p += 6;
		if (*p == ':') {
			if (warc_digits(p + 1, 2, &se))
				return 0;
			p += 3;
			if (*p == '.') {
				p++;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (*p++ != 'Z')
			return 0;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || y < 1970)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return timegm(&tm);
}

/*
** In p[0..n), find the first empty line ("\n\n" or "\n\r\n").  Return the
** offset just past it and set *text to the length before the empty line
** (ending with the last header line's '\n'); return 0 when there is none.
*/
static size_t warc_blank_line(const char *p, size_t n, size_t *text)
{
	const char *q = p, *end = p + n;

	while (q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		q++;
		if (q < end && *q == '\n') {
			*text = (size_t)(q - p);
			return (size_t)(q + 1 - p);
		}
		if (q + 1 < end && q[0] == '\r' && q[1] == '\n') {
			*text = (size_t)(q - p);
			return (size_t)(q + 2 - p);
		}
	}
	return 0;
}

/*
** Split header text t (n bytes, t[n] == '\0', owned by the caller) in place
** into fields: the first line is the start line and is NUL-terminated where
** it ends; each later "Name: value" line gives a field, continuation lines
** (starting with SP or HT) are joined to the previous value by one space.
** When strict, a line without ':' is an error (-1, *bad set to the line),
** and so are more than maxf fields (-1, *bad NULL); otherwise such lines
** are ignored.  Returns the
** number of fields stored in f.
*/
static long warc_split_fields(char *t, size_t n, struct warc_field *f,
			      size_t maxf, int strict, const char **bad)
{
	char *p, *end = t + n, *eol, *next, *lend, *colon, *ne, *v;
	char *prev_end = NULL;
	size_t nf = 0;

	eol = memchr(t, '\n', n);
	p = eol ? eol + 1 : end;
	lend = eol ? eol : end;
	if (lend > t && lend[-1] == '\r')
		lend--;
	*lend = '\0';
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		next = eol ? eol + 1 : end;
		lend = eol ? eol : end;
		if (lend > p && lend[-1] == '\r')
			lend--;
		if (lend == p) {
			p = next;
			continue;
		}
		if ((*p == ' ' || *p == '\t') && prev_end) {
			/* Folded line: the previous value runs on after one space. */
			v = p;
			while (v < lend && (*v == ' ' || *v == '\t'))
				v++;
			while (lend > v &&
			       (lend[-1] == ' ' || lend[-1] == '\t'))
				lend--;
			if (lend > v) {
				*prev_end++ = ' ';
				memmove(prev_end, v, (size_t)(lend - v));
				prev_end += lend - v;
				*prev_end = '\0';
			}
			p = next;
			continue;
		}
		colon = memchr(p, ':', (size_t)(lend - p));
		if (!colon || colon == p || nf == maxf) {
			if (strict) {
				*bad = nf == maxf && colon && colon != p ? NULL
									 : p;
				return -1;
			}
			prev_end = NULL;
			p = next;
			continue;
		}
		ne = colon;
		while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		v = colon + 1;
		while (v < lend && (*v == ' ' || *v == '\t'))
			v++;
		while (lend > v && (lend[-1] == ' ' || lend[-1] == '\t'))
			lend--;
		*ne = '\0';
		*lend = '\0';
		f[nf].name = p;
		f[nf].value = v;
		nf++;
		prev_end = lend;
		p = next;
	}
	return (long)nf;
}

/* The value of the first of n fields called name (case ignored), or NULL. */
static const char *warc_field_find(const struct warc_field *f, size_t n,
				   const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (warc_ieq(f[i].name, name))
			return f[i].value;
	return NULL;
}

/* ============================================================== reader */

struct warc_reader {
	int fd;            /* the file */
	int own_fd;        /* close fd at the end (not standard input) */
	char *path;        /* name for messages, malloc'd */
	int gzip;          /* input is gzip */
	int zs_ready;      /* zs initialised */
	z_stream zs;       /* inflater; its next_in/avail_in index `in` */
	int in_eof;        /* the file has no more bytes */
	int eof;           /* the uncompressed stream has no more bytes */
	int z_resync;      /* after corrupt gzip: look for the next member */
	int brk;           /* corrupt gzip met: the window ends at a break
				     (zmsg says why) that the record layer must
				     acknowledge before reading on */
	int need_resync;   /* after a bad record: look for "WARC/1." */
	int fatal;         /* sticky GZ_EIO or GZ_ENOMEM, else 0 */
	uint64_t file_off; /* file offset just past the bytes read */
	uint64_t member_start; /* file offset of the current gzip member */
	uint64_t off;          /* uncompressed offset of win[pos] */
	size_t pos;            /* first unconsumed byte of win */
	size_t end;            /* one past the last valid byte of win */
	unsigned char prev;    /* byte before win[pos] ('\n' at the start) */
	size_t max_record;     /* largest block kept in memory */
	size_t max_payload;    /* largest decoded payload */
	struct buf hdr;        /* current WARC header, split in place */
	struct buf hhdr;       /* current HTTP head, split in place */
	struct buf block;      /* current block */
	struct buf tmp;        /* de-chunked body */
	struct buf payload;    /* decoded payload */
	char msg[GZ_ERRLEN];   /* message of the last record error */
	char zmsg[GZ_ERRLEN];  /* message of the last gzip error */
	char fatal_msg[GZ_ERRLEN]; /* message of the sticky error */
	struct warc_field fields[WARC_MAX_HEADER_FIELDS]; /* WARC fields */
	struct warc_field hfields[WARC_MAX_HTTP_FIELDS];  /* HTTP fields */
	unsigned char in[WARC_IN_BYTES]; /* compressed (or first plain) input */
	unsigned char win[WARC_WIN_BYTES]; /* uncompressed window */
};

/* Record a sticky error (code, message) on r and return code. */
static int warc_fatal(struct warc_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int warc_fatal(struct warc_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->fatal_msg, sizeof r->fatal_msg, fmt, ap);
	va_end(ap);
	r->fatal = code;
	return code;
}

/*
** Record a bad record at offset off ("offset N: ...", plus the gzip error
** when the stream broke there), arm the resynchronisation and return
** GZ_EPARSE.
*/
static int warc_bad(struct warc_reader *r, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int warc_bad(struct warc_reader *r, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->msg, sizeof r->msg,
		     "offset %llu: ", (unsigned long long)off);
	va_start(ap, fmt);
	n += vsnprintf(r->msg + n, sizeof r->msg - (size_t)n, fmt, ap);
	va_end(ap);
	if (r->brk && n >= 0 && (size_t)n + 4 < sizeof r->msg) {
		size_t room = sizeof r->msg - (size_t)n - 4,
		       zl = strlen(r->zmsg);

		if (zl > room)
			zl = room;
		r->msg[n] = ' ';
		r->msg[n + 1] = '(';
		memcpy(r->msg + n + 2, r->zmsg, zl);
		r->msg[(size_t)n + 2 + zl] = ')';
		r->msg[(size_t)n + 3 + zl] = '\0';
	}
	r->need_resync = 1;
	return GZ_EPARSE;
}

/*
** Read more of the file into `in`, keeping its unconsumed bytes at the
** front.  Sets in_eof at the end.  GZ_OK or a sticky GZ_EIO.
*/
static int warc_in_read(struct warc_reader *r)
{
	size_t keep = r->zs.avail_in;
	ssize_t n;

	if (keep && r->zs.next_in != r->in)
		memmove(r->in, r->zs.next_in, keep);
	do
		n = read(r->fd, r->in + keep, sizeof r->in - keep);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return warc_fatal(r, GZ_EIO, "%s: read error: %s", r->path,
				  strerror(errno));
	if (n == 0)
		r->in_eof = 1;
	r->file_off += (uint64_t)n;
	r->zs.next_in = r->in;
	r->zs.avail_in = (uInt)(keep + (size_t)n);
	return GZ_OK;
}

/* Add plain input to the window: first what `in` holds, then the file. */
static int warc_plain_step(struct warc_reader *r)
{
	size_t space = WARC_WIN_BYTES - r->end, k;
	ssize_t n;

	if (r->zs.avail_in) {
		k = r->zs.avail_in < space ? r->zs.avail_in : space;
		memcpy(r->win + r->end, r->zs.next_in, k);
		r->zs.next_in += k;
		r->zs.avail_in -= (uInt)k;
		r->end += k;
		return GZ_OK;
	}
	if (r->in_eof) {
		r->eof = 1;
		return GZ_OK;
	}
	do
		n = read(r->fd, r->win + r->end, space);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return warc_fatal(r, GZ_EIO, "%s: read error: %s", r->path,
				  strerror(errno));
	if (n == 0)
		r->in_eof = r->eof = 1;
	r->file_off += (uint64_t)n;
	r->end += (size_t)n;
	return GZ_OK;
}

/*
** After corrupt gzip data: skip compressed input up to the next gzip member
** header (1f 8b 08) and restart the inflater there, or reach the end.  The
** search starts just after the start of the damaged member when the file
** can seek, since a damaged member may have been inflated on into the
** members after it; otherwise where the damage was seen.
*/
static int warc_gz_seek_member(struct warc_reader *r)
{
	const unsigned char *p;
	uint64_t at = r->file_off - r->zs.avail_in, back = r->member_start + 1;
	size_t n, i, keep;
	int rc;

	if (back < at && back <= (uint64_t)INT64_MAX &&
	    lseek(r->fd, (off_t)back, SEEK_SET) == (off_t)back) {
		r->zs.next_in = r->in;
		r->zs.avail_in = 0;
		r->file_off = back;
		r->in_eof = 0;
	}
	for (;;) {
		p = r->zs.next_in;
		n = r->zs.avail_in;
		for (i = 0; i + 2 < n; i++)
			if (p[i] == 0x1f && p[i + 1] == 0x8b && p[i + 2] == 8)
				break;
		if (i + 2 < n) {
			r->zs.next_in += i;
			r->zs.avail_in -= (uInt)i;
			r->member_start = r->file_off - r->zs.avail_in;
			inflateReset(&r->zs);
			r->z_resync = 0;
			return GZ_OK;
		}
		keep = n < 2 ? n : 2;
		r->zs.next_in += n - keep;
		r->zs.avail_in = (uInt)keep;
		if (r->in_eof) {
			r->zs.avail_in = 0;
			r->z_resync = 0;
			r->eof = 1;
			return GZ_OK;
		}
		rc = warc_in_read(r);
		if (rc != GZ_OK)
			return rc;
	}
}

/*
** Inflate some input into the window.  A member's end restarts the
** inflater for the next one.  Corrupt data sets a break (message in zmsg)
** and arms the search for the next member.  GZ_OK or a sticky error.
*/
static int warc_inflate_step(struct warc_reader *r)
{
	size_t space = WARC_WIN_BYTES - r->end;
	uint64_t at;
	int rc, zr;

	if (r->z_resync)
		return warc_gz_seek_member(r);
	if (r->zs.avail_in == 0) {
		if (!r->in_eof) {
			rc = warc_in_read(r);
			if (rc != GZ_OK)
				return rc;
		}
		if (r->zs.avail_in == 0) {
			r->eof = 1;
			return GZ_OK;
		}
	}
	r->zs.next_out = r->win + r->end;
	r->zs.avail_out = (uInt)space;
	zr = inflate(&r->zs, Z_NO_FLUSH);
	r->end += space - r->zs.avail_out;
	switch (zr) {
	case Z_OK:
	case Z_BUF_ERROR: return GZ_OK;
	case Z_STREAM_END:
		inflateReset(&r->zs);
		r->member_start = r->file_off - r->zs.avail_in;
		return GZ_OK;
	case Z_MEM_ERROR:
		return warc_fatal(r, GZ_ENOMEM, "%s: out of memory inflating",
				  r->path);
	default:
		at = r->file_off - r->zs.avail_in;
		snprintf(r->zmsg, sizeof r->zmsg,
			 "corrupt gzip data near byte %llu of the file: %s",
			 (unsigned long long)at,
			 r->zs.msg ? r->zs.msg : "error");
		r->z_resync = 1;
		r->brk = 1;
		return GZ_OK;
	}
}

/*
** Make at least want bytes (at most the window) available at win[pos],
** fewer only at the end of the stream or at a break.  GZ_OK or a sticky
** error.
*/
static int warc_fill(struct warc_reader *r, size_t want)
{
	int rc;

	if (want > WARC_WIN_BYTES)
		want = WARC_WIN_BYTES;
	while (r->end - r->pos < want && !r->eof && !r->brk) {
		if (r->pos &&
		    (WARC_WIN_BYTES - r->pos < want ||
		     r->end == WARC_WIN_BYTES)) {
			memmove(r->win, r->win + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		}
		rc = r->gzip ? warc_inflate_step(r) : warc_plain_step(r);
		if (rc != GZ_OK)
			return rc;
	}
	return GZ_OK;
}

/* Consume n bytes (n <= end - pos) of the window. */
static void warc_consume(struct warc_reader *r, size_t n)
{
	if (!n)
		return;
	r->prev = r->win[r->pos + n - 1];
	r->pos += n;
	r->off += n;
}

/*
** Skip up to n bytes of plain input by seeking, when the window is empty and
** the file is a regular file that holds them all; adds what it skipped to
** *got.  Anything else is left to reading.
*/
static void warc_seek_past(struct warc_reader *r, uint64_t n, uint64_t *got)
{
	struct stat st;
	off_t cur;

	if (r->gzip || r->pos != r->end || r->zs.avail_in || r->eof ||
	    n <= WARC_WIN_BYTES || n > (uint64_t)INT64_MAX)
		return;
	cur = lseek(r->fd, 0, SEEK_CUR);
	if (cur < 0 || fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < (uint64_t)cur ||
	    (uint64_t)st.st_size - (uint64_t)cur < n)
		return;
	if (lseek(r->fd, (off_t)n, SEEK_CUR) < 0)
		return;
	r->off += n;
	r->file_off += n;
	r->prev = 0;
	*got += n;
}

/*
** Move n bytes of the stream into b (past them when b is NULL); *got says
** how many there were (fewer than n only at the end of the stream).
** GZ_OK, or as warc_fill(), or GZ_ENOMEM/GZ_ETOOBIG from b.  Stops at a break.
*/
static int warc_take(struct warc_reader *r, uint64_t n, struct buf *b,
		     uint64_t *got)
{
	size_t k;
	int rc;

	*got = 0;
	while (*got < n) {
		if (!b)
			warc_seek_past(r, n - *got, got);
		if (*got == n)
			break;
		if (r->pos == r->end) {
			rc = warc_fill(r, WARC_WIN_BYTES);
			if (rc != GZ_OK)
				return rc;
			if (r->pos == r->end)
				break;
		}
		k = r->end - r->pos;
		if (k > n - *got)
			k = (size_t)(n - *got);
		if (b) {
			rc = buf_add(b, r->win + r->pos, k);
			if (rc != GZ_OK)
				return rc;
		}
		warc_consume(r, k);
		*got += k;
	}
	return GZ_OK;
}

/*
** After a bad record: step past at least one byte, then skip to the next
** "WARC/1." at the start of a line, or to the end.  A break (corrupt gzip)
** is passed: the data after it starts a line.  GZ_OK or a sticky error.
*/
static int warc_resync(struct warc_reader *r)
{
	const unsigned char *p, *q;
	size_t avail, i;
	int rc, stepped = 0;

	for (;;) {
		rc = warc_fill(r, 8);
		if (rc != GZ_OK)
			return rc;
		avail = r->end - r->pos;
		if (!avail && r->brk) {
			r->brk = 0;
			r->prev = '\n';
			stepped = 1;
			continue;
		}
		if (!avail)
			return GZ_OK;
		if (!stepped) {
			warc_consume(r, 1);
			stepped = 1;
			continue;
		}
		p = r->win + r->pos;
		i = 0;
		if (r->prev != '\n') {
			q = memchr(p, '\n', avail);
			if (!q) {
				warc_consume(r, avail);
				continue;
			}
			i = (size_t)(q - p) + 1;
		}
		for (;;) {
			/* p[i] starts a line. */
			if (avail - i < 7) {
				if (r->eof || r->brk)
					i = avail;
				break;
			}
			if (memcmp(p + i, "WARC/1.", 7) == 0) {
				warc_consume(r, i);
				return GZ_OK;
			}
			q = memchr(p + i, '\n', avail - i);
			if (!q) {
				i = avail;
				break;
			}
			i = (size_t)(q - p) + 1;
		}
		warc_consume(r, i);
	}
}

/* Skip line ends before a record.  GZ_OK or as warc_fill(). */
static int warc_skip_blank(struct warc_reader *r)
{
	int rc;

	for (;;) {
		if (r->pos == r->end) {
			rc = warc_fill(r, 8);
			if (rc != GZ_OK || r->pos == r->end)
				return rc;
		}
		if (r->win[r->pos] != '\r' && r->win[r->pos] != '\n')
			return GZ_OK;
		warc_consume(r, 1);
	}
}

/* Reset rec to an empty record: numbers 0, strings "". */
static void warc_record_clear(struct warc_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->version = rec->type_name = rec->target_uri = rec->date = "";
	rec->record_id = rec->refers_to = rec->refers_to_target_uri = "";
	rec->refers_to_date = rec->concurrent_to = rec->content_type = "";
	rec->payload_digest = rec->block_digest = rec->ip_address = "";
	rec->profile = rec->truncated = "";
	rec->block = rec->payload = "";
	rec->http.content_type = rec->http.content_encoding = "";
	rec->http.transfer_encoding = rec->http.last_modified = "";
	rec->http.etag = "";
}

/* Value of WARC field name of rec, or "" when absent. */
static const char *warc_field_or_empty(const struct warc_record *rec,
				       const char *name)
{
	const char *v = warc_field_find(rec->fields, rec->nfields, name);

	return v ? v : "";
}

/* Remove the <> around a URI in place (the WARC/1.0 grammar had them). */
static const char *warc_strip_angles(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
		((char *)v)[n - 1] =
			'\0'; /* v lies in the reader's hdr buffer */
		return v + 1;
	}
	return v;
}

enum warc_type warc_type_from_name(const char *name)
{
	static const char *const names[] = {
		[WARC_TYPE_WARCINFO] = "warcinfo",
		[WARC_TYPE_RESPONSE] = "response",
		[WARC_TYPE_RESOURCE] = "resource",
		[WARC_TYPE_REQUEST] = "request",
		[WARC_TYPE_METADATA] = "metadata",
		[WARC_TYPE_REVISIT] = "revisit",
		[WARC_TYPE_CONVERSION] = "conversion",
		[WARC_TYPE_CONTINUATION] = "continuation",
	};
	size_t i;

	for (i = 1; i < sizeof names / sizeof names[0]; i++)
		if (warc_ieq(name, names[i]))
			return (enum warc_type)i;
	return WARC_TYPE_UNKNOWN;
}

/*
** De-chunk a chunked body p[0..n) into out.  GZ_OK at the last chunk;
** GZ_EINVAL when the body does not start with a chunk-size line (so it is
** not chunked after all); GZ_EPARSE when it breaks off or goes wrong later
** (out holds what came before); GZ_ETOOBIG at out's cap (out full);
** GZ_ENOMEM.
*/
static int warc_dechunk(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, line, take, room;
	uint64_t size;
	int first = 1, digits, c, rc;

	for (;;) {
		size = 0;
		digits = 0;
		line = i;
		while (i < n && isxdigit((unsigned char)p[i])) {
			if (digits == 15)
				return first ? GZ_EINVAL : GZ_EPARSE;
			c = warc_lower((unsigned char)p[i]);
			size = size * 16 +
				(uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
			digits++;
			i++;
		}
		if (!digits)
			return first ? GZ_EINVAL : GZ_EPARSE;
		/* Chunk extensions, then the line end. */
		while (i < n && p[i] != '\n') {
			if (i - line > WARC_MAX_CHUNK_LINE ||
			    ((unsigned char)p[i] < 0x20 && p[i] != '\t' &&
			     p[i] != '\r'))
				return first ? GZ_EINVAL : GZ_EPARSE;
			if (p[i] != ';' && p[i] != ' ' && p[i] != '\t' &&
			    p[i] != '\r' && i == line + (size_t)digits)
				return first ? GZ_EINVAL : GZ_EPARSE;
			i++;
		}
		if (i >= n)
			return first ? GZ_EINVAL : GZ_EPARSE;
		i++;
		if (size == 0)
			return GZ_OK;
		first = 0;
		take = size < n - i ? (size_t)size : n - i;
		room = out->max - out->len;
		if (take > room) {
			rc = buf_add(out, p + i, room);
			return rc != GZ_OK ? rc : GZ_ETOOBIG;
		}
		rc = buf_add(out, p + i, take);
		if (rc != GZ_OK)
			return rc;
		if (take < size)
			return GZ_EPARSE;
		i += take;
		if (i < n && p[i] == '\r')
			i++;
		if (i < n && p[i] == '\n')
			i++;
		if (i >= n)
			return GZ_EPARSE;
	}
}

/*
** Inflate in[0..n) with zlib window bits wbits into out, up to its cap.
** GZ_OK at the end of the stream; GZ_ETOOBIG at the cap; GZ_EPARSE for
** corrupt or cut-off data (out holds what decoded); GZ_ENOMEM.
*/
static int warc_inflate_try(const char *in, size_t n, struct buf *out,
			    int wbits)
{
	z_stream zs;
	size_t step;
	int rc, zr;

	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, wbits) != Z_OK)
		return GZ_ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	for (;;) {
		if (out->len >= out->max) {
			rc = GZ_ETOOBIG;
			break;
		}
		step = out->max - out->len < WARC_ZSTEP ? out->max - out->len
							: WARC_ZSTEP;
		rc = buf_grow(out, step);
		if (rc != GZ_OK)
			break;
		zs.next_out = (Bytef *)out->ptr + out->len;
		zs.avail_out = (uInt)step;
		zr = inflate(&zs, Z_NO_FLUSH);
		out->len += step - zs.avail_out;
		out->ptr[out->len] = '\0';
		if (zr == Z_STREAM_END) {
			rc = GZ_OK;
			break;
		}
		if (zr == Z_OK)
			continue;
		rc = zr == Z_MEM_ERROR ? GZ_ENOMEM : GZ_EPARSE;
		break;
	}
	inflateEnd(&zs);
	return rc;
}

/*
** Decode a gzip or zlib body, or failing that a raw deflate one (servers
** label both "deflate").  Returns as warc_inflate_try().
*/
static int warc_inflate_body(const char *in, size_t n, struct buf *out)
{
	int rc = warc_inflate_try(in, n, out, 15 + 32);

	if (rc == GZ_EPARSE && out->len == 0)
		rc = warc_inflate_try(in, n, out, -15);
	return rc;
}

/*
** Set rec's payload from an HTTP body (n bytes at body, inside the block):
** undo the chunked transfer coding and the gzip/deflate content coding,
** within the payload cap.  GZ_OK, or GZ_ENOMEM.
*/
static int warc_http_payload(struct warc_reader *r, struct warc_record *rec,
			     const char *body, size_t n)
{
	const char *src = body, *ce = rec->http.content_encoding;
	size_t srcn = n;
	int rc;

	if (warc_icontains(rec->http.transfer_encoding, "chunked")) {
		buf_reset(&r->tmp);
		rc = warc_dechunk(body, n, &r->tmp);
		if (rc == GZ_ENOMEM)
			return rc;
		if (rc != GZ_EINVAL) {
			src = r->tmp.ptr;
			srcn = r->tmp.len;
			if (rc != GZ_OK)
				rec->flags |= WARC_REC_PAYLOAD_TRUNCATED;
		}
	}
	if (warc_ieq(ce, "gzip") || warc_ieq(ce, "x-gzip") ||
	    warc_ieq(ce, "deflate")) {
		buf_reset(&r->payload);
		rc = warc_inflate_body(src, srcn, &r->payload);
		if (rc == GZ_ENOMEM)
			return rc;
		if (rc == GZ_OK || r->payload.len > 0) {
			if (rc != GZ_OK)
				rec->flags |= WARC_REC_PAYLOAD_TRUNCATED;
			rec->payload = r->payload.ptr;
			rec->payload_len = r->payload.len;
			return GZ_OK;
		}
		rec->flags |= WARC_REC_UNDECODED;
	} else if (*ce && !warc_ieq(ce, "identity") && !warc_ieq(ce, "none")) {
		rec->flags |= WARC_REC_UNDECODED;
	}
	if (srcn > r->max_payload) {
		buf_reset(&r->payload);
		rc = buf_add(&r->payload, src, r->max_payload);
		if (rc != GZ_OK)
			return rc;
		rec->flags |= WARC_REC_PAYLOAD_TRUNCATED;
		src = r->payload.ptr;
		srcn = r->payload.len;
	}
	rec->payload = src;
	rec->payload_len = srcn;
	return GZ_OK;
}

/*
** Parse the HTTP response head at the start of rec's block and decode the
** body into the payload.  A block that is not a valid response leaves the
** block as the payload and sets WARC_REC_HTTP_BAD.  GZ_OK or GZ_ENOMEM.
*/
static int warc_http_parse(struct warc_reader *r, struct warc_record *rec)
{
	const char *b = rec->block, *p, *bad = NULL;
	size_t n = rec->block_len, scan, text, hlen;
	long nf;
	int st;

	scan = n < WARC_MAX_HTTP_HEAD_BYTES ? n : WARC_MAX_HTTP_HEAD_BYTES;
	hlen = warc_blank_line(b, scan, &text);
	if (!hlen) {
		if (n > WARC_MAX_HTTP_HEAD_BYTES)
			goto bad;
		/* A head with no body and no blank line (some revisits). */
		hlen = text = n;
	}
	if (hlen < 12 || memcmp(b, "HTTP/", 5) != 0)
		goto bad;
	p = memchr(b, ' ', hlen);
	if (!p || p - b > 16)
		goto bad;
	while ((size_t)(p - b) < hlen && *p == ' ')
		p++;
	if ((size_t)(p - b) + 3 > hlen || warc_digits(p, 3, &st) || st < 100 ||
	    st > 599 ||
	    ((size_t)(p - b) + 3 < hlen && p[3] != ' ' && p[3] != '\r' &&
	     p[3] != '\n'))
		goto bad;
	buf_reset(&r->hhdr);
	if (buf_add(&r->hhdr, b, text) != GZ_OK)
		return GZ_ENOMEM;
	nf = warc_split_fields(r->hhdr.ptr, r->hhdr.len, r->hfields,
			       WARC_MAX_HTTP_FIELDS, 0, &bad);
	rec->flags |= WARC_REC_HTTP;
	rec->http.status = st;
	rec->http.fields = r->hfields;
	rec->http.nfields = (size_t)nf;
	rec->http.head_len = hlen;
#define WARC_HTTP_FIELD(member, name)                                  \
	do {                                                           \
		const char *v_ =                                       \
			warc_field_find(r->hfields, (size_t)nf, name); \
		rec->http.member = v_ ? v_ : "";                       \
	} while (0)
	WARC_HTTP_FIELD(content_type, "Content-Type");
	WARC_HTTP_FIELD(content_encoding, "Content-Encoding");
	WARC_HTTP_FIELD(transfer_encoding, "Transfer-Encoding");
	WARC_HTTP_FIELD(last_modified, "Last-Modified");
	WARC_HTTP_FIELD(etag, "ETag");
#undef WARC_HTTP_FIELD
	return warc_http_payload(r, rec, b + hlen, n - hlen);
bad:
	rec->flags |= WARC_REC_HTTP_BAD;
	rec->payload = rec->block;
	rec->payload_len = rec->block_len;
	return GZ_OK;
}

/* Whether rec's block should hold an HTTP response. */
static int warc_is_http_response(const struct warc_record *rec)
{
	if (rec->type != WARC_TYPE_RESPONSE && rec->type != WARC_TYPE_REVISIT)
		return 0;
	if (warc_istarts(rec->content_type, "application/http"))
		return !warc_icontains(rec->content_type, "msgtype=request");
	return rec->type == WARC_TYPE_RESPONSE && rec->block_len >= 5 &&
		memcmp(rec->block, "HTTP/", 5) == 0;
}

/* Fill rec's named fields from its field list (in the reader's hdr). */
static void warc_record_fields(struct warc_record *rec)
{
	rec->type_name = warc_field_or_empty(rec, "WARC-Type");
	rec->type = warc_type_from_name(rec->type_name);
	rec->target_uri =
		warc_strip_angles(warc_field_or_empty(rec, "WARC-Target-URI"));
	rec->date = warc_field_or_empty(rec, "WARC-Date");
	rec->date_time = warc_parse_date(rec->date);
	rec->record_id = warc_field_or_empty(rec, "WARC-Record-ID");
	rec->refers_to = warc_field_or_empty(rec, "WARC-Refers-To");
	rec->refers_to_target_uri = warc_strip_angles(
		warc_field_or_empty(rec, "WARC-Refers-To-Target-URI"));
	rec->refers_to_date = warc_field_or_empty(rec, "WARC-Refers-To-Date");
	rec->concurrent_to = warc_field_or_empty(rec, "WARC-Concurrent-To");
	rec->content_type = warc_field_or_empty(rec, "Content-Type");
	rec->payload_digest = warc_field_or_empty(rec, "WARC-Payload-Digest");
	rec->block_digest = warc_field_or_empty(rec, "WARC-Block-Digest");
	rec->ip_address = warc_field_or_empty(rec, "WARC-IP-Address");
	rec->profile = warc_field_or_empty(rec, "WARC-Profile");
	rec->truncated = warc_field_or_empty(rec, "WARC-Truncated");
}

/*
** Read one record at the current position into rec.  GZ_OK, WARC_EOF,
** GZ_EPARSE (message in r->msg), or a sticky error.
*/
static int warc_read_record(struct warc_reader *r, struct warc_record *rec)
{
	char q[WARC_QUOTE_BYTES * 4 + 8];
	const char *p, *cl, *bad = NULL;
	char *e;
	size_t avail, scan, hlen, text, t;
	uint64_t off, clen, got;
	long nf;
	int rc;

	if (r->need_resync) {
		r->need_resync = 0;
		rc = warc_resync(r);
		if (rc != GZ_OK)
			return rc;
	}
	rc = warc_skip_blank(r);
	if (rc != GZ_OK)
		return rc;
	off = r->off;
	rc = warc_fill(r, WARC_MAX_HEADER_BYTES + 4);
	if (rc != GZ_OK)
		return rc;
	avail = r->end - r->pos;
	if (!avail && r->brk) {
		/* Corrupt gzip between records: report it, go on after it. */
		r->brk = 0;
		r->prev = '\n';
		warc_bad(r, off, "%s", r->zmsg);
		r->need_resync = 0;
		return GZ_EPARSE;
	}
	if (!avail)
		return WARC_EOF;
	rec->offset = off;
	p = (const char *)r->win + r->pos;
	if (avail < 5 || memcmp(p, "WARC/", 5) != 0) {
		warc_quote((const unsigned char *)p, avail, WARC_QUOTE_BYTES, q,
			   sizeof q);
		return warc_bad(
			r, off,
			"expected a WARC/1.x version line, found \"%s\"", q);
	}
	scan = avail < WARC_MAX_HEADER_BYTES + 4 ? avail
						 : WARC_MAX_HEADER_BYTES + 4;
	hlen = warc_blank_line(p, scan, &text);
	if (!hlen) {
		if (avail >= WARC_MAX_HEADER_BYTES + 4)
			return warc_bad(r, off,
					"record header larger than %u bytes",
					WARC_MAX_HEADER_BYTES);
		return warc_bad(
			r, off,
			"truncated record header: %zu bytes, no blank line",
			avail);
	}
	/* The version line: "WARC/" digits "." digits. */
	for (t = 5; t < text && p[t] >= '0' && p[t] <= '9'; t++)
		;
	if (t == 5 || t >= text || p[t] != '.')
		goto bad_version;
	for (t++; t < text && p[t] >= '0' && p[t] <= '9'; t++)
		;
	if (p[t - 1] == '.' || (p[t] != '\r' && p[t] != '\n'))
		goto bad_version;
	buf_reset(&r->hdr);
	rc = buf_add(&r->hdr, p, text);
	if (rc != GZ_OK)
		return warc_fatal(r, GZ_ENOMEM, "out of memory");
	warc_consume(r, hlen);
	nf = warc_split_fields(r->hdr.ptr, r->hdr.len, r->fields,
			       WARC_MAX_HEADER_FIELDS, 1, &bad);
	if (nf < 0 && !bad)
		return warc_bad(r, off, "more than %d header fields",
				WARC_MAX_HEADER_FIELDS);
	if (nf < 0) {
		warc_quote((const unsigned char *)bad,
			   r->hdr.len - (size_t)(bad - r->hdr.ptr),
			   WARC_QUOTE_BYTES, q, sizeof q);
		return warc_bad(r, off, "malformed header line \"%s\"", q);
	}
	rec->version = r->hdr.ptr;
	rec->fields = r->fields;
	rec->nfields = (size_t)nf;
	warc_record_fields(rec);
	cl = warc_field_find(r->fields, (size_t)nf, "Content-Length");
	if (!cl)
		return warc_bad(r, off, "no Content-Length");
	errno = 0;
	clen = strtoull(cl, &e, 10);
	if (*cl < '0' || *cl > '9' || *e || errno) {
		warc_quote((const unsigned char *)cl, strlen(cl),
			   WARC_QUOTE_BYTES, q, sizeof q);
		return warc_bad(r, off, "bad Content-Length \"%s\"", q);
	}
	rec->content_length = clen;
	if (clen > r->max_record) {
		rec->flags |= WARC_REC_OVERSIZED;
		rc = warc_take(r, clen, NULL, &got);
	} else {
		buf_reset(&r->block);
		rc = buf_grow(&r->block, (size_t)clen);
		if (rc != GZ_OK)
			return warc_fatal(r, GZ_ENOMEM, "out of memory");
		rc = warc_take(r, clen, &r->block, &got);
		if (rc == GZ_ENOMEM || rc == GZ_ETOOBIG)
			return warc_fatal(r, GZ_ENOMEM, "out of memory");
	}
	if (rc != GZ_OK)
		return rc;
	if (got < clen)
		return warc_bad(r, off,
				"truncated record: Content-Length %llu, %llu "
				"bytes left",
				(unsigned long long)clen,
				(unsigned long long)got);
	/* The block must be followed by CRLF CRLF (or at least a line end). */
	rc = warc_fill(r, 8);
	if (rc != GZ_OK)
		return rc;
	avail = r->end - r->pos;
	p = (const char *)r->win + r->pos;
	for (t = 0; t < avail && t < 4 && (p[t] == '\r' || p[t] == '\n'); t++)
		;
	if (t == 0 && avail > 0 && !(avail >= 5 && memcmp(p, "WARC/", 5) == 0))
		return warc_bad(r, off,
				"record not followed by CRLF CRLF "
				"(Content-Length %llu wrong?)",
				(unsigned long long)clen);
	warc_consume(r, t);
	if (!(rec->flags & WARC_REC_OVERSIZED)) {
		rec->block = r->block.ptr;
		rec->block_len = r->block.len;
		rec->payload = rec->block;
		rec->payload_len = rec->block_len;
		if (warc_is_http_response(rec)) {
			rc = warc_http_parse(r, rec);
			if (rc != GZ_OK)
				return warc_fatal(r, rc, "out of memory");
		}
	}
	return GZ_OK;
bad_version:
	warc_quote((const unsigned char *)p, avail, WARC_QUOTE_BYTES, q,
		   sizeof q);
	return warc_bad(r, off, "bad version line \"%s\"", q);
}

int warc_reader_next(struct warc_reader *r, struct warc_record *rec, char *err)
{
	int rc;

	warc_record_clear(rec);
	if (r->fatal)
		return gz_fail(err, r->fatal, "%s", r->fatal_msg);
	rc = warc_read_record(r, rec);
	if (rc == GZ_OK || rc == WARC_EOF) {
		if (rc == WARC_EOF)
			gz_fail(err, rc, "end of file");
		return rc;
	}
	warc_record_clear(rec);
	if (r->fatal)
		return gz_fail(err, r->fatal, "%s", r->fatal_msg);
	return gz_fail(err, rc, "%s", r->msg);
}

int warc_reader_open(const char *path, struct warc_reader **out, char *err)
{
	char q[WARC_QUOTE_BYTES * 4 + 8];
	struct warc_reader *r;
	size_t i;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	r->path = strdup(path);
	if (!r->path) {
		free(r);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	r->prev = '\n';
	r->max_record = WARC_MAX_RECORD_BYTES;
	r->max_payload = WARC_MAX_PAYLOAD_BYTES;
	buf_init(&r->hdr, WARC_MAX_HEADER_BYTES + 4);
	buf_init(&r->hhdr, WARC_MAX_HTTP_HEAD_BYTES);
	buf_init(&r->block, r->max_record);
	buf_init(&r->tmp, r->max_record);
	buf_init(&r->payload, r->max_payload);
	r->zs.next_in = r->in;
	if (strcmp(path, "-") == 0) {
		r->fd = 0;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			rc = gz_fail(err, GZ_EIO, "%s: %s", path,
				     strerror(errno));
			goto fail;
		}
		r->own_fd = 1;
	}
	rc = warc_in_read(r);
	if (rc != GZ_OK) {
		gz_fail(err, rc, "%s", r->fatal_msg);
		goto fail;
	}
	if (r->zs.avail_in >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
		if (inflateInit2(&r->zs, 15 + 32) != Z_OK) {
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			goto fail;
		}
		r->zs_ready = 1;
		r->gzip = 1;
	}
	rc = warc_fill(r, 4096);
	if (rc == GZ_OK && r->brk && r->end == r->pos) {
		rc = gz_fail(err, GZ_EPARSE, "%s: not a valid gzip file: %s",
			     path, r->zmsg);
		goto fail;
	}
	if (rc != GZ_OK) {
		gz_fail(err, rc, "%s", r->fatal_msg);
		goto fail;
	}
	for (i = r->pos; i < r->end && (r->win[i] == '\r' || r->win[i] == '\n');
	     i++)
		;
	if (i < r->end &&
	    (r->end - i < 5 || memcmp(r->win + i, "WARC/", 5) != 0)) {
		warc_quote(r->win + i, r->end - i, WARC_QUOTE_BYTES, q,
			   sizeof q);
		rc = gz_fail(err, GZ_EPARSE,
			     "%s: not a WARC file (starts with \"%s\")", path,
			     q);
		goto fail;
	}
	*out = r;
	return GZ_OK;
fail:
	warc_reader_close(r);
	return rc;
}

int warc_reader_set_limits(struct warc_reader *r, size_t max_record,
			   size_t max_payload)
{
	if ((max_record &&
	     (max_record < WARC_MIN_LIMIT_BYTES ||
	      max_record > WARC_MAX_LIMIT_BYTES)) ||
	    (max_payload &&
	     (max_payload < WARC_MIN_LIMIT_BYTES ||
	      max_payload > WARC_MAX_LIMIT_BYTES)))
		return GZ_EINVAL;
	if (max_record) {
		r->max_record = max_record;
		buf_release(&r->block);
		buf_release(&r->tmp);
		r->block.max = r->tmp.max = max_record;
	}
	if (max_payload) {
		r->max_payload = max_payload;
		buf_release(&r->payload);
		r->payload.max = max_payload;
	}
	return GZ_OK;
}

uint64_t warc_reader_offset(const struct warc_reader *r)
{
	return r->off;
}

uint64_t warc_reader_file_offset(const struct warc_reader *r)
{
	return r->file_off;
}

void warc_reader_close(struct warc_reader *r)
{
	if (!r)
		return;
	if (r->zs_ready)
		inflateEnd(&r->zs);
	if (r->own_fd)
		close(r->fd);
	buf_release(&r->hdr);
	buf_release(&r->hhdr);
	buf_release(&r->block);
	buf_release(&r->tmp);
	buf_release(&r->payload);
	free(r->path);
	free(r);
}

const char *warc_record_get(const struct warc_record *rec, const char *name)
{
	return warc_field_find(rec->fields, rec->nfields, name);
}

const char *warc_http_get(const struct warc_record *rec, const char *name)
{
	if (!(rec->flags & WARC_REC_HTTP))
		return NULL;
	return warc_field_find(rec->http.fields, rec->http.nfields, name);
}

int warc_record_verify(const struct warc_record *rec, char *err)
{
	unsigned char d[WARC_SHA1_BYTES];
	char want[WARC_DIGEST_LEN], hex[2 * WARC_SHA1_BYTES + 1];
	const char *v = rec->block_digest;
	size_t i, n;

	if (!warc_istarts(v, "sha1:") || (rec->flags & WARC_REC_OVERSIZED))
		return gz_fail(err, GZ_ENOTFOUND,
			       "offset %llu: no SHA-1 block digest to check",
			       (unsigned long long)rec->offset);
	v += 5;
	n = strlen(v);
	warc_sha1(rec->block, rec->block_len, d);
	if (n == 32) {
		warc_digest_text(d, want);
		for (i = 0; i < 32; i++)
			if (warc_lower((unsigned char)v[i]) !=
			    warc_lower((unsigned char)want[5 + i]))
				break;
		if (i == 32)
			return GZ_OK;
	} else if (n == 40) {
		for (i = 0; i < WARC_SHA1_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
		for (i = 0; i < 40; i++)
			if (warc_lower((unsigned char)v[i]) != hex[i])
				break;
		if (i == 40)
			return GZ_OK;
	}
	warc_sha1_digest(rec->block, rec->block_len, want);
	return gz_fail(
		err, GZ_EPARSE,
		"offset %llu: block digest mismatch: header %s, block %s",
		(unsigned long long)rec->offset, rec->block_digest, want);
}

/* ============================================================== writer */

struct warc_writer {
	char dir[WARC_MAX_PATH]; /* directory the files go in */
	char single
		[WARC_MAX_PATH]; /* the one file in single-file mode, else "" */
	char prefix[WARC_MAX_PREFIX_LEN +
		    1]; /* file name prefix (directory mode) */
	char software[WARC_MAX_VERSION_LEN + 16]; /* "Gazette/VERSION" */
	uint64_t rotate;                   /* start a new file past this size */
	unsigned flags;                    /* WARC_W_* */
	unsigned serial;                   /* number of the next file */
	int fd;                            /* current file, -1 between files */
	char open_path[WARC_MAX_PATH + 8]; /* its name while written (.open) */
	char final_path[WARC_MAX_PATH];    /* its name when complete */
	char name[WARC_NAME_LEN];      /* final_path without the directory */
	uint64_t size;                 /* bytes written to the current file */
	char warcinfo_id[WARC_ID_LEN]; /* record ID of its warcinfo record */
	z_stream zs;                   /* deflater, reset per record */
	z_stream zraw;                 /* packed records' headers, raw */
	int zraw_ready;                /* zraw is set up (on first use) */
	int level;                     /* gzip level of the records */
	struct buf hdr;                /* record header being built */
	unsigned char out[WARC_ZSTEP]; /* compressed output */
};

/* One piece of a record to write. */
struct warc_part {
	const void *p; /* bytes */
	size_t n;      /* length */
};

/* Write a new random (version 4) UUID as "<urn:uuid:...>" into out. */
static int warc_uuid(char out[WARC_ID_LEN], char *err)
{
	unsigned char u[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof u) {
		n = getrandom(u + got, sizeof u - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return gz_fail(err, GZ_EIO, "getrandom: %s",
				       strerror(errno));
		got += (size_t)n;
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(out, WARC_ID_LEN,
		 "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x>",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	return GZ_OK;
}

/* Write t (0 for now) as a WARC-Date, "2026-11-28T13:00:00Z", into out. */
static void warc_format_date(time_t t, char out[WARC_DATE_LEN])
{
	struct tm tm;

	if (!t)
		t = time(NULL);
	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, WARC_DATE_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, WARC_DATE_LEN, "1970-01-01T00:00:00Z");
}

/*
** Whether s (len bytes) is fit for a header value: no control characters
** (tab allowed when tab is set), no DEL, and non-empty when required.
*/
static int warc_clean(const char *s, size_t len, int tab)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && !(tab && c == '\t')) || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Whether s is a token: [A-Za-z0-9._-] and more, as field names allow. */
static int warc_token(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    !strchr("!#$%&'*+-.^_`|~", s[i]))
			return 0;
	return 1;
}

/* Whether extra is a run of "Name: value\r\n" lines (or empty). */
static int warc_extra_ok(const char *extra)
{
	const char *p = extra, *eol, *colon;

	while (*p) {
		eol = strstr(p, "\r\n");
		if (!eol)
			return 0;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || !warc_token(p, (size_t)(colon - p)) ||
		    !warc_clean(colon + 1, (size_t)(eol - colon - 1), 1))
			return 0;
		p = eol + 2;
	}
	return 1;
}

/* Write n bytes to the current file.  GZ_OK or GZ_EIO. */
static int warc_w_write(struct warc_writer *w, const void *p, size_t n,
			char *err)
{
	const unsigned char *c = p;
	ssize_t k;

	while (n) {
		k = write(w->fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return gz_fail(err, GZ_EIO, "%s: write: %s",
				       w->open_path,
				       k < 0 ? strerror(errno) : "no progress");
		c += k;
		n -= (size_t)k;
		w->size += (uint64_t)k;
	}
	return GZ_OK;
}

/*
** Deflate the parts as one gzip member at the end of the current file;
** *at gets its offset.  On failure the file is cut back to where the member
** began.  GZ_OK, GZ_EIO or GZ_EINTERNAL.
*/
static int warc_w_member(struct warc_writer *w, const struct warc_part *parts,
			 size_t nparts, uint64_t *at, char *err)
{
	uint64_t start = w->size;
	size_t i, have;
	int flush, zr, rc;

	*at = start;
	if (deflateReset(&w->zs) != Z_OK)
		return gz_fail(err, GZ_EINTERNAL, "deflateReset failed");
	for (i = 0; i <= nparts; i++) {
		flush = i == nparts ? Z_FINISH : Z_NO_FLUSH;
		w->zs.next_in =
			i < nparts ? (Bytef *)(uintptr_t)parts[i].p : NULL;
		w->zs.avail_in = i < nparts ? (uInt)parts[i].n : 0;
		do {
			w->zs.next_out = w->out;
			w->zs.avail_out = sizeof w->out;
			zr = deflate(&w->zs, flush);
			if (zr == Z_STREAM_ERROR) {
				rc = gz_fail(err, GZ_EINTERNAL,
					     "deflate failed");
				goto fail;
			}
			have = sizeof w->out - w->zs.avail_out;
			if (have) {
				rc = warc_w_write(w, w->out, have, err);
				if (rc != GZ_OK)
					goto fail;
			}
		} while (w->zs.avail_out == 0 ||
			 (flush == Z_FINISH && zr != Z_STREAM_END));
	}
	return GZ_OK;
fail:
	if (ftruncate(w->fd, (off_t)start) == 0 &&
	    lseek(w->fd, (off_t)start, SEEK_SET) == (off_t)start)
		w->size = start;
	return rc;
}

/* What one record carries; see warc_w_record(). */
struct warc_w_rec {
	const char *type;              /* WARC-Type */
	const char *id;                /* WARC-Record-ID */
	const char *uri;               /* WARC-Target-URI or NULL */
	const char *ip;                /* WARC-IP-Address or NULL */
	const char *concurrent;        /* WARC-Concurrent-To or NULL */
	const char *content_type;      /* Content-Type or NULL */
	const char *extra;             /* extra header lines or NULL */
	time_t date;                   /* WARC-Date, 0 for now */
	const struct warc_part *block; /* block pieces */
	size_t nblock;                 /* pieces in block */
	size_t payload_from; /* first piece of the payload, or nblock for no
				      WARC-Payload-Digest */
};

/*
** Build the WARC header of x into w->hdr: its fields, the digests bdig and
** pdig (pdig NULL: no WARC-Payload-Digest) and a Content-Length of total.
** GZ_OK, GZ_ENOMEM, or GZ_EINVAL (header over WARC_MAX_HEADER_BYTES).
*/
static int warc_w_header(struct warc_writer *w, const struct warc_w_rec *x,
			 const char *bdig, const char *pdig, uint64_t total,
			 char *err)
{
	char date[WARC_DATE_LEN];
	int rc = GZ_OK;

	warc_format_date(x->date, date);
	buf_reset(&w->hdr);
	rc |= buf_addf(&w->hdr,
		       "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\n"
		       "WARC-Date: %s\r\n",
		       x->type, x->id, date);
	if (x->uri)
		rc |= buf_addf(&w->hdr, "WARC-Target-URI: %s\r\n", x->uri);
	if (x->ip)
		rc |= buf_addf(&w->hdr, "WARC-IP-Address: %s\r\n", x->ip);
	if (strcmp(x->type, "warcinfo") == 0)
		rc |= buf_addf(&w->hdr, "WARC-Filename: %s\r\n", w->name);
	else
		rc |= buf_addf(&w->hdr, "WARC-Warcinfo-ID: %s\r\n",
			       w->warcinfo_id);
	if (x->concurrent)
		rc |= buf_addf(&w->hdr, "WARC-Concurrent-To: %s\r\n",
			       x->concurrent);
	rc |= buf_addf(&w->hdr, "WARC-Block-Digest: %s\r\n", bdig);
	if (pdig)
		rc |= buf_addf(&w->hdr, "WARC-Payload-Digest: %s\r\n", pdig);
	if (x->content_type)
		rc |= buf_addf(&w->hdr, "Content-Type: %s\r\n",
			       x->content_type);
	if (x->extra)
		rc |= buf_adds(&w->hdr, x->extra);
	rc |= buf_addf(&w->hdr, "Content-Length: %llu\r\n\r\n",
		       (unsigned long long)total);
	if (rc == GZ_ENOMEM)
		return gz_fail(err, rc, "out of memory");
	if (rc != GZ_OK)
		return gz_fail(err, GZ_EINVAL, "record header over %u bytes",
			       WARC_MAX_HEADER_BYTES);
	return GZ_OK;
}

/*
** Build the header of x (with its digests) and write the record as one
** member; *at gets its offset.  GZ_OK, GZ_EINVAL (header too large), or as
** warc_w_member().
*/
static int warc_w_record(struct warc_writer *w, const struct warc_w_rec *x,
			 uint64_t *at, char *err)
{
	struct warc_part parts[4];
	struct warc_sha1_ctx bctx, pctx;
	unsigned char d[WARC_SHA1_BYTES];
	char bdig[WARC_DIGEST_LEN], pdig[WARC_DIGEST_LEN];
	size_t i, total = 0;
	int rc;

	warc_sha1_init(&bctx);
	warc_sha1_init(&pctx);
	for (i = 0; i < x->nblock; i++) {
		warc_sha1_update(&bctx, x->block[i].p, x->block[i].n);
		if (i >= x->payload_from)
			warc_sha1_update(&pctx, x->block[i].p, x->block[i].n);
		total += x->block[i].n;
	}
	warc_sha1_final(&bctx, d);
	warc_digest_text(d, bdig);
	warc_sha1_final(&pctx, d);
	warc_digest_text(d, pdig);
	rc = warc_w_header(w, x, bdig,
			   x->payload_from < x->nblock ? pdig : NULL, total,
			   err);
	if (rc != GZ_OK)
		return rc;
	parts[0].p = w->hdr.ptr;
	parts[0].n = w->hdr.len;
	for (i = 0; i < x->nblock; i++)
		parts[1 + i] = x->block[i];
	parts[1 + i].p = "\r\n\r\n";
	parts[1 + i].n = 4;
	return warc_w_member(w, parts, x->nblock + 2, at, err);
}

/* Fsync the directory of the writer's files (so a rename lasts). */
static void warc_w_sync_dir(struct warc_writer *w)
{
	int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
** Finish the current file: fsync, close, rename NAME.open to NAME.  A file
** that fails to sync keeps its .open name.  GZ_OK or GZ_EIO.
*/
static int warc_w_file_close(struct warc_writer *w, char *err)
{
	int rc = GZ_OK;

	if (w->fd < 0)
		return GZ_OK;
	if (!(w->flags & WARC_W_NO_FSYNC) && fsync(w->fd) != 0)
		rc = gz_fail(err, GZ_EIO, "%s: fsync: %s", w->open_path,
			     strerror(errno));
	if (close(w->fd) != 0 && rc == GZ_OK)
		rc = gz_fail(err, GZ_EIO, "%s: close: %s", w->open_path,
			     strerror(errno));
	w->fd = -1;
	if (rc == GZ_OK && rename(w->open_path, w->final_path) != 0)
		rc = gz_fail(err, GZ_EIO, "rename %s: %s", w->open_path,
			     strerror(errno));
	if (rc == GZ_OK && !(w->flags & WARC_W_NO_FSYNC))
		warc_w_sync_dir(w);
	return rc;
}

/*
** Create the next file (NAME.open, never over an existing file) and write
** its warcinfo record.  GZ_OK, GZ_EIO, GZ_ETOOBIG (out of file numbers).
*/
static int warc_w_file_open(struct warc_writer *w, char *err)
{
	char stamp[16], info[512];
	struct warc_part part;
	struct warc_w_rec x;
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	uint64_t at;
	int n, rc;

	w->size = 0;
	for (;;) {
		if (w->single[0]) {
			n = snprintf(w->final_path, sizeof w->final_path, "%s",
				     w->single);
		} else {
			if (w->serial > WARC_MAX_FILES)
				return gz_fail(err, GZ_ETOOBIG,
					       "%s: more than %u files", w->dir,
					       WARC_MAX_FILES);
			if (!gmtime_r(&now, &tm) ||
			    !strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm))
				return gz_fail(err, GZ_EINTERNAL,
					       "cannot format the time");
			n = snprintf(w->name, sizeof w->name,
				     "%s-%s-%05u.warc.gz", w->prefix, stamp,
				     w->serial++);
			if (n < 0 || (size_t)n >= sizeof w->name)
				return gz_fail(err, GZ_EINVAL,
					       "file name too long");
			n = snprintf(w->final_path, sizeof w->final_path,
				     "%s/%s", w->dir, w->name);
		}
		if (n < 0 || (size_t)n >= sizeof w->final_path)
			return gz_fail(err, GZ_EINVAL, "path too long");
		snprintf(w->open_path, sizeof w->open_path, "%s.open",
			 w->final_path);
		if (stat(w->final_path, &st) == 0) {
			if (w->single[0])
				return gz_fail(err, GZ_EIO, "%s: file exists",
					       w->final_path);
			continue;
		}
		w->fd = open(w->open_path,
			     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (w->fd >= 0)
			break;
		if (errno != EEXIST || w->single[0])
			return gz_fail(err, GZ_EIO, "%s: %s", w->open_path,
				       strerror(errno));
	}
	rc = warc_uuid(w->warcinfo_id, err);
	if (rc != GZ_OK)
		goto fail;
	n = snprintf(info, sizeof info,
		     "software: %s\r\n"
		     "format: WARC File Format 1.1\r\n"
		     "conformsTo: http://iipc.github.io/warc-specifications/"
		     "specifications/warc-format/warc-1.1/\r\n",
		     w->software);
	part.p = info;
	part.n = (size_t)n;
	memset(&x, 0, sizeof x);
	x.type = "warcinfo";
	x.id = w->warcinfo_id;
	x.content_type = "application/warc-fields";
	x.date = now;
	x.block = &part;
	x.nblock = 1;
	x.payload_from = 1;
	rc = warc_w_record(w, &x, &at, err);
	if (rc == GZ_OK)
		return GZ_OK;
fail:
	close(w->fd);
	w->fd = -1;
	unlink(w->open_path);
	return rc;
}

/* The gzip level flags name (WARC_W_LEVEL), or WARC_GZIP_LEVEL. */
static int warc_flags_level(unsigned flags)
{
	int level = (int)((flags >> 4) & 15u);

	return level >= 1 && level <= 10 ? level - 1 : WARC_GZIP_LEVEL;
}

/* Fill loc (may be NULL) with the current file, offset at and id. */
static void warc_w_locate(const struct warc_writer *w, uint64_t at,
			  const char *id, struct warc_location *loc)
{
	if (!loc)
		return;
	snprintf(loc->file, sizeof loc->file, "%s", w->name);
	loc->offset = at;
	snprintf(loc->record_id, sizeof loc->record_id, "%s", id);
}

/* Open a new file if none is open (after a rotation).  As warc_w_file_open(). */
static int warc_w_ready(struct warc_writer *w, char *err)
{
	return w->fd < 0 ? warc_w_file_open(w, err) : GZ_OK;
}

/* After a record: rotate when the file has reached its size. */
static int warc_w_after(struct warc_writer *w, char *err)
{
	if (!w->single[0] && w->size >= w->rotate)
		return warc_w_file_close(w, err);
	return GZ_OK;
}

int warc_writer_open(const char *path_or_dir, const char *prefix,
		     const char *version, uint64_t rotate_bytes, unsigned flags,
		     struct warc_writer **out, char *err)
{
	struct warc_writer *w;
	struct stat st;
	const char *slash;
	size_t n;
	int rc, level;

	*out = NULL;
	if (!path_or_dir || !*path_or_dir ||
	    strlen(path_or_dir) >= WARC_MAX_PATH - WARC_NAME_LEN)
		return gz_fail(err, GZ_EINVAL, "bad WARC path");
	if (!version || !*version || strlen(version) > WARC_MAX_VERSION_LEN ||
	    !warc_token(version, strlen(version)))
		return gz_fail(err, GZ_EINVAL, "bad software version");
	if (rotate_bytes &&
	    (rotate_bytes < WARC_MIN_ROTATE_BYTES ||
	     rotate_bytes > WARC_MAX_ROTATE_BYTES))
		return gz_fail(err, GZ_EINVAL,
			       "rotation size %llu out of range [%u, %llu]",
			       (unsigned long long)rotate_bytes,
			       WARC_MIN_ROTATE_BYTES,
			       (unsigned long long)WARC_MAX_ROTATE_BYTES);
	w = calloc(1, sizeof *w);
	if (!w)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	w->fd = -1;
	w->flags = flags;
	w->rotate = rotate_bytes ? rotate_bytes : WARC_DEFAULT_ROTATE_BYTES;
	snprintf(w->software, sizeof w->software, "Gazette/%s", version);
	buf_init(&w->hdr, WARC_MAX_HEADER_BYTES);
	if (stat(path_or_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		n = prefix ? strlen(prefix) : 0;
		if (!n || n > WARC_MAX_PREFIX_LEN ||
		    strspn(prefix,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy"
			   "z0123456789._-") != n) {
			free(w);
			return gz_fail(err, GZ_EINVAL, "bad WARC file prefix");
		}
		memcpy(w->prefix, prefix, n + 1);
		snprintf(w->dir, sizeof w->dir, "%s", path_or_dir);
	} else {
		snprintf(w->single, sizeof w->single, "%s", path_or_dir);
		slash = strrchr(path_or_dir, '/');
		if (!slash)
			snprintf(w->dir, sizeof w->dir, ".");
		else if (slash == path_or_dir)
			snprintf(w->dir, sizeof w->dir, "/");
		else
			snprintf(w->dir, sizeof w->dir, "%.*s",
				 (int)(slash - path_or_dir), path_or_dir);
		snprintf(w->name, sizeof w->name, "%s",
			 slash ? slash + 1 : path_or_dir);
	}
	level = warc_flags_level(flags);
	w->level = level;
	if (deflateInit2(&w->zs, level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(w);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	rc = warc_w_file_open(w, err);
	if (rc != GZ_OK) {
		deflateEnd(&w->zs);
		buf_release(&w->hdr);
		free(w);
		return rc;
	}
	*out = w;
	return GZ_OK;
}

/*
** Whether x may be written: a clean target URI, a plausible IP address, a
** response head, sizes within WARC_MAX_WRITE_BYTES.  GZ_OK or GZ_EINVAL.
*/
static int warc_exchange_check(const struct warc_exchange *x, char *err)
{
	if (!x->url || !*x->url || !warc_clean(x->url, strlen(x->url), 0) ||
	    strchr(x->url, ' '))
		return gz_fail(err, GZ_EINVAL, "bad target URI");
	if (x->ip &&
	    (!*x->ip || strlen(x->ip) > 64 ||
	     strspn(x->ip, "0123456789abcdefABCDEF:.%") != strlen(x->ip)))
		return gz_fail(err, GZ_EINVAL, "bad IP address");
	if (!x->response_head || !x->response_head_len ||
	    (x->body_len && !x->body))
		return gz_fail(err, GZ_EINVAL, "no HTTP response head");
	if (x->response_head_len > WARC_MAX_WRITE_BYTES ||
	    x->body_len > WARC_MAX_WRITE_BYTES - x->response_head_len ||
	    x->request_len > WARC_MAX_WRITE_BYTES)
		return gz_fail(err, GZ_EINVAL, "record over %u bytes",
			       WARC_MAX_WRITE_BYTES);
	return GZ_OK;
}

int warc_writer_add(struct warc_writer *w, const struct warc_exchange *x,
		    struct warc_location *loc, char *err)
{
	char req_id[WARC_ID_LEN], resp_id[WARC_ID_LEN];
	struct warc_part req, resp[2];
	struct warc_w_rec rx;
	uint64_t at, start;
	int rc;

	rc = warc_exchange_check(x, err);
	if (rc == GZ_OK)
		rc = warc_w_ready(w, err);
	if (rc != GZ_OK)
		return rc;
	rc = warc_uuid(resp_id, err);
	if (rc == GZ_OK && x->request)
		rc = warc_uuid(req_id, err);
	if (rc != GZ_OK)
		return rc;
	start = w->size;
	memset(&rx, 0, sizeof rx);
	rx.uri = x->url;
	rx.ip = x->ip;
	rx.date = x->date ? x->date : time(NULL);
	if (x->request) {
		req.p = x->request;
		req.n = x->request_len;
		rx.type = "request";
		rx.id = req_id;
		rx.concurrent = resp_id;
		rx.content_type = "application/http; msgtype=request";
		rx.block = &req;
		rx.nblock = 1;
		rx.payload_from = 1;
		rc = warc_w_record(w, &rx, &at, err);
		if (rc != GZ_OK)
			return rc;
	}
	resp[0].p = x->response_head;
	resp[0].n = x->response_head_len;
	resp[1].p = x->body_len ? x->body : "";
	resp[1].n = x->body_len;
	rx.type = "response";
	rx.id = resp_id;
	rx.concurrent = x->request ? req_id : NULL;
	rx.content_type = "application/http; msgtype=response";
	rx.block = resp;
	rx.nblock = 2;
	rx.payload_from = 1;
	rc = warc_w_record(w, &rx, &at, err);
	if (rc != GZ_OK) {
		/* Do not leave the request record without its response. */
		if (w->size != start && ftruncate(w->fd, (off_t)start) == 0 &&
		    lseek(w->fd, (off_t)start, SEEK_SET) == (off_t)start)
			w->size = start;
		return rc;
	}
	warc_w_locate(w, at, resp_id, loc);
	return warc_w_after(w, err);
}

int warc_writer_add_record(struct warc_writer *w, const char *type_name,
			   const char *uri, const char *content_type,
			   time_t date, const void *block, size_t block_len,
			   const char *extra, struct warc_location *loc,
			   char *err)
{
	char id[WARC_ID_LEN];
	struct warc_part part;
	struct warc_w_rec rx;
	uint64_t at;
	int rc;

	if (!type_name || !warc_token(type_name, strlen(type_name)))
		return gz_fail(err, GZ_EINVAL, "bad WARC-Type");
	if (uri &&
	    (!*uri || !warc_clean(uri, strlen(uri), 0) || strchr(uri, ' ')))
		return gz_fail(err, GZ_EINVAL, "bad target URI");
	if (content_type && !warc_clean(content_type, strlen(content_type), 1))
		return gz_fail(err, GZ_EINVAL, "bad Content-Type");
	if (extra && !warc_extra_ok(extra))
		return gz_fail(
			err, GZ_EINVAL,
			"extra header lines must be \"Name: value\\r\\n\"");
	if (block_len > WARC_MAX_WRITE_BYTES || (block_len && !block))
		return gz_fail(err, GZ_EINVAL, "bad block");
	rc = warc_w_ready(w, err);
	if (rc == GZ_OK)
		rc = warc_uuid(id, err);
	if (rc != GZ_OK)
		return rc;
	part.p = block_len ? block : "";
	part.n = block_len;
	memset(&rx, 0, sizeof rx);
	rx.type = type_name;
	rx.id = id;
	rx.uri = uri;
	rx.content_type = content_type;
	rx.extra = extra;
	rx.date = date;
	rx.block = &part;
	rx.nblock = 1;
	rx.payload_from = 1;
	rc = warc_w_record(w, &rx, &at, err);
	if (rc != GZ_OK)
		return rc;
	warc_w_locate(w, at, id, loc);
	return warc_w_after(w, err);
}

/* ======================================================= packed records */

struct warc_packed {
	char *uri;                  /* WARC-Target-URI */
	char *ip;                   /* WARC-IP-Address, or NULL */
	time_t date;                /* WARC-Date */
	char bdig[WARC_DIGEST_LEN]; /* WARC-Block-Digest */
	char pdig[WARC_DIGEST_LEN]; /* WARC-Payload-Digest */
	uint64_t block_len;         /* Content-Length of the block */
	unsigned long crc;          /* CRC-32 of the block + "\r\n\r\n" */
	int level;                  /* gzip level it was deflated at */
	unsigned char *z;           /* that, raw deflate, ending the stream */
	size_t zlen;                /* bytes at z */
};

struct warc_packer {
	z_stream zs; /* raw deflater, reset per record */
	int level;   /* its gzip level */
};

int warc_packer_new(unsigned flags, struct warc_packer **out, char *err)
{
	struct warc_packer *pk = calloc(1, sizeof *pk);

	*out = NULL;
	if (!pk)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	pk->level = warc_flags_level(flags);
	if (deflateInit2(&pk->zs, pk->level, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(pk);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	*out = pk;
	return GZ_OK;
}

void warc_packer_free(struct warc_packer *pk)
{
	if (!pk)
		return;
	deflateEnd(&pk->zs);
	free(pk);
}

/*
** Raw-deflate the n parts (total bytes) with pk into p->z (malloc'd),
** ending the deflate stream, and their CRC-32 into p->crc.  GZ_OK,
** GZ_ENOMEM or GZ_EINTERNAL.
*/
static int warc_pack_deflate(struct warc_packer *pk, struct warc_packed *p,
			     const struct warc_part *parts, size_t n,
			     uint64_t total, char *err)
{
	z_stream *zs = &pk->zs;
	size_t cap, i;
	int zr = Z_OK, rc = GZ_OK;

	if (deflateReset(zs) != Z_OK)
		return gz_fail(err, GZ_EINTERNAL, "deflateReset failed");
	cap = (size_t)deflateBound(zs, (uLong)total) + 64;
	p->z = malloc(cap);
	if (!p->z)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	p->crc = crc32(0L, Z_NULL, 0);
	zs->next_out = p->z;
	zs->avail_out = (uInt)cap;
	for (i = 0; i <= n && rc == GZ_OK; i++) {
		int flush = i == n ? Z_FINISH : Z_NO_FLUSH;

		zs->next_in = i < n ? (Bytef *)(uintptr_t)parts[i].p : NULL;
		zs->avail_in = i < n ? (uInt)parts[i].n : 0;
		if (i < n)
			p->crc = crc32(p->crc, parts[i].p, (uInt)parts[i].n);
		do {
			if (zs->avail_out == 0) {
				/* Past deflateBound: grow (never expected). */
				unsigned char *nz = realloc(p->z, 2 * cap);

				if (!nz) {
					rc = gz_fail(err, GZ_ENOMEM,
						     "out of memory");
					break;
				}
				p->z = nz;
				zs->next_out = nz + cap;
				zs->avail_out = (uInt)cap;
				cap *= 2;
			}
			zr = deflate(zs, flush);
			if (zr == Z_STREAM_ERROR)
				rc = gz_fail(err, GZ_EINTERNAL,
					     "deflate failed");
		} while (rc == GZ_OK &&
			 (zs->avail_in > 0 ||
			  (flush == Z_FINISH && zr != Z_STREAM_END)));
	}
	p->zlen = cap - zs->avail_out;
	return rc;
}

int warc_pack_response(struct warc_packer *pk, const struct warc_exchange *x,
		       struct warc_packed **out, char *err)
{
	struct warc_packed *p;
	struct warc_part parts[3];
	unsigned char d[WARC_SHA1_BYTES];
	struct warc_sha1_ctx ctx;
	int rc;

	*out = NULL;
	rc = warc_exchange_check(x, err);
	if (rc == GZ_OK && x->request)
		rc = gz_fail(err, GZ_EINVAL, "a packed record has no request");
	if (rc != GZ_OK)
		return rc;
	p = calloc(1, sizeof *p);
	if (!p || !(p->uri = strdup(x->url)) ||
	    (x->ip && !(p->ip = strdup(x->ip)))) {
		warc_packed_free(p);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	p->date = x->date ? x->date : time(NULL);
	p->level = pk->level;
	parts[0].p = x->response_head;
	parts[0].n = x->response_head_len;
	parts[1].p = x->body_len ? x->body : "";
	parts[1].n = x->body_len;
	parts[2].p = "\r\n\r\n";
	parts[2].n = 4;
	p->block_len = (uint64_t)parts[0].n + parts[1].n;
	warc_sha1_init(&ctx);
	warc_sha1_update(&ctx, parts[1].p, parts[1].n);
	warc_sha1_final(&ctx, d);
	warc_digest_text(d, p->pdig);
	warc_sha1_init(&ctx);
	warc_sha1_update(&ctx, parts[0].p, parts[0].n);
	warc_sha1_update(&ctx, parts[1].p, parts[1].n);
	warc_sha1_final(&ctx, d);
	warc_digest_text(d, p->bdig);
	rc = warc_pack_deflate(pk, p, parts, 3, p->block_len + 4, err);
	if (rc != GZ_OK) {
		warc_packed_free(p);
		return rc;
	}
	*out = p;
	return GZ_OK;
}

size_t warc_packed_size(const struct warc_packed *p)
{
	return p ? p->zlen : 0;
}

void warc_packed_free(struct warc_packed *p)
{
	if (!p)
		return;
	free(p->uri);
	free(p->ip);
	free(p->z);
	free(p);
}

/*
** Write into w->out the gzip member header and w->hdr raw-deflated and
** flushed to a byte boundary (the stream left open for the packed block),
** writing w->out to the file whenever it fills.  GZ_OK, GZ_EIO, GZ_ENOMEM,
** GZ_EINTERNAL.
*/
static int warc_w_packed_head(struct warc_writer *w, int level, char *err)
{
	static const unsigned char gz[10] = {
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3
	};
	int zr, rc;

	if (!w->zraw_ready) {
		if (deflateInit2(&w->zraw, w->level, Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return gz_fail(err, GZ_ENOMEM, "out of memory");
		w->zraw_ready = 1;
	}
	if (deflateReset(&w->zraw) != Z_OK)
		return gz_fail(err, GZ_EINTERNAL, "deflateReset failed");
	memcpy(w->out, gz, sizeof gz);
	/* XFL as zlib writes it: 2 for the slowest level, 4 the fastest. */
	w->out[8] = level == 9 ? 2 : level < 2 ? 4 : 0;
	w->zraw.next_out = w->out + sizeof gz;
	w->zraw.avail_out = sizeof w->out - sizeof gz;
	w->zraw.next_in = (Bytef *)w->hdr.ptr;
	w->zraw.avail_in = (uInt)w->hdr.len;
	for (;;) {
		zr = deflate(&w->zraw, Z_SYNC_FLUSH);
		if (zr == Z_STREAM_ERROR)
			return gz_fail(err, GZ_EINTERNAL, "deflate failed");
		if (w->zraw.avail_out != 0)
			break;
		rc = warc_w_write(w, w->out, sizeof w->out, err);
		if (rc != GZ_OK)
			return rc;
		w->zraw.next_out = w->out;
		w->zraw.avail_out = sizeof w->out;
	}
	return warc_w_write(w, w->out, sizeof w->out - w->zraw.avail_out, err);
}

/*
** Write the member of packed record p after its header (built in w->hdr):
** the compressed header, p's block, the gzip trailer.  On failure the file
** is cut back to where the member began.  *at gets its offset.
*/
static int warc_w_packed_member(struct warc_writer *w,
				const struct warc_packed *p, uint64_t *at,
				char *err)
{
	unsigned char tail[8];
	uint64_t start = w->size;
	unsigned long crc, isize;
	int rc, i;

	*at = start;
	crc = crc32(0L, (const Bytef *)w->hdr.ptr, (uInt)w->hdr.len);
	crc = crc32_combine(crc, p->crc, (z_off_t)(p->block_len + 4));
	isize = (unsigned long)((w->hdr.len + p->block_len + 4) & 0xffffffffu);
	for (i = 0; i < 4; i++) {
		tail[i] = (unsigned char)(crc >> (8 * i));
		tail[4 + i] = (unsigned char)(isize >> (8 * i));
	}
	rc = warc_w_packed_head(w, p->level, err);
	if (rc == GZ_OK)
		rc = warc_w_write(w, p->z, p->zlen, err);
	if (rc == GZ_OK)
		rc = warc_w_write(w, tail, sizeof tail, err);
	if (rc != GZ_OK && ftruncate(w->fd, (off_t)start) == 0 &&
	    lseek(w->fd, (off_t)start, SEEK_SET) == (off_t)start)
		w->size = start;
	return rc;
}

int warc_writer_add_packed(struct warc_writer *w, const struct warc_packed *p,
			   struct warc_location *loc, char *err)
{
	char id[WARC_ID_LEN];
	struct warc_w_rec rx;
	uint64_t at;
	int rc;

	if (!w || !p)
		return gz_fail(err, GZ_EINVAL, "no writer or record");
	rc = warc_w_ready(w, err);
	if (rc == GZ_OK)
		rc = warc_uuid(id, err);
	if (rc != GZ_OK)
		return rc;
	memset(&rx, 0, sizeof rx);
	rx.type = "response";
	rx.id = id;
	rx.uri = p->uri;
	rx.ip = p->ip;
	rx.date = p->date;
	rx.content_type = "application/http; msgtype=response";
	rc = warc_w_header(w, &rx, p->bdig, p->pdig, p->block_len, err);
	if (rc == GZ_OK)
		rc = warc_w_packed_member(w, p, &at, err);
	if (rc != GZ_OK)
		return rc;
	warc_w_locate(w, at, id, loc);
	return warc_w_after(w, err);
}

int warc_writer_close(struct warc_writer *w, char *err)
{
	int rc;

	if (!w)
		return GZ_OK;
	rc = warc_w_file_close(w, err);
	deflateEnd(&w->zs);
	if (w->zraw_ready)
		deflateEnd(&w->zraw);
	buf_release(&w->hdr);
	free(w);
	return rc;
}
