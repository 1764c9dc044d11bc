/*
** buf.c — growable, bounded byte buffers.  See buf.h for the invariants.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gz_err.h"

static char
	buf_empty[1]; /* shared "" for buffers with no storage; never written */

void buf_init(struct buf *b, size_t max)
{
	b->ptr = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->ptr);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	if (b->cap) {
		p = b->ptr;
	} else {
		p = malloc(1);
		if (!p)
			return NULL;
		p[0] = '\0';
	}
	buf_init(b, b->max);
	return p;
}

int buf_grow(struct buf *b, size_t n)
{
	size_t want, ncap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return GZ_ETOOBIG;
	want = b->len + n + 1;
	if (want <= b->cap)
		return GZ_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap = ncap > ((size_t)-1) / 2 ? want : ncap * 2;
	p = realloc(b->cap ? b->ptr : NULL, ncap);
	if (!p)
		return GZ_ENOMEM;
	if (!b->cap)
		p[0] = '\0';
	b->ptr = p;
	b->cap = ncap;
	return GZ_OK;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
	int rc = buf_grow(b, n);

	if (rc != GZ_OK)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return GZ_OK;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return GZ_EINVAL;
	rc = buf_grow(b, (size_t)n);
	if (rc != GZ_OK)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return GZ_OK;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

int buf_read_file(struct buf *b, const char *path, char *err)
{
	FILE *f;
	char chunk[65536];
	size_t n;
	int rc = GZ_OK;
	int is_stdin = strcmp(path, "-") == 0;

	f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return gz_fail(err, GZ_EIO, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		rc = buf_add(b, chunk, n);
		if (rc == GZ_ETOOBIG) {
			gz_fail(err, rc, "%s: larger than %zu bytes", path,
				b->max);
			break;
		}
		if (rc != GZ_OK) {
			gz_fail(err, rc, "%s: %s", path, gz_strerror(rc));
			break;
		}
	}
	if (rc == GZ_OK && ferror(f))
		rc = gz_fail(err, GZ_EIO, "%s: read error", path);
	if (!is_stdin)
		fclose(f);
	return rc;
}

int str_set(char **field, const char *value)
{
	char *copy = NULL;

	if (value) {
		copy = strdup(value);
		if (!copy)
			return GZ_ENOMEM;
	}
	free(*field);
	*field = copy;
	return GZ_OK;
}
