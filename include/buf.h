/*
** buf.h — growable, bounded byte buffers (git's strbuf with curl's dynbuf cap).
**
** Invariants: `ptr` is never NULL and is always NUL-terminated, even when
** `len` is 0 (it then points at a static empty string until the first
** growth).  Every buffer carries a cap, `max`: growth past it fails with
** GZ_ETOOBIG and leaves the contents as they were.  A buffer owns its
** storage; buf_release() frees it and buf_detach() hands it to the caller.
*/
#ifndef GZ_BUF_H
#define GZ_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;  /* contents, always NUL-terminated, never NULL */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated (0 while ptr is the static empty string) */
	size_t max; /* largest len allowed; growth beyond it fails */
};

/* Initialise an empty buffer that may hold at most max bytes. */
void buf_init(struct buf *b, size_t max);

/* Free the storage and return the buffer to its initial empty state. */
void buf_release(struct buf *b);

/* Empty the buffer but keep its storage. */
void buf_reset(struct buf *b);

/*
** Return the contents as a malloc'd string the caller must free(), leaving
** the buffer empty.  Returns NULL only on allocation failure.
*/
char *buf_detach(struct buf *b, size_t *len);

/* Make room for n more bytes.  GZ_OK, GZ_ETOOBIG or GZ_ENOMEM. */
int buf_grow(struct buf *b, size_t n);

/* Append n bytes / a string / one byte.  Same returns as buf_grow. */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);

/* Append printf-style output.  Same returns as buf_grow. */
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Shorten to len bytes (no-op if already shorter). */
void buf_truncate(struct buf *b, size_t len);

/*
** Read a whole file (or standard input when path is "-") into b, failing
** with GZ_ETOOBIG past b->max.  Writes a message naming path into err.
*/
int buf_read_file(struct buf *b, const char *path, char *err);

/*
** Replace the malloc'd string *field (freed; may be NULL) with a copy of
** value, or with NULL when value is NULL.  GZ_OK, or GZ_ENOMEM with *field
** unchanged.
*/
int str_set(char **field, const char *value);

#endif /* GZ_BUF_H */
