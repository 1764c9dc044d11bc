/*
** gz_err.h — the one error enum of Gazette.
**
** Every function that can fail returns an enum gz_err (GZ_OK is 0) and,
** where it says so, writes a one-line human message into a caller buffer of
** GZ_ERRLEN bytes.  The buffer may be NULL when the caller does not care.
** The numbers are stable: they never change once released, and new codes go
** at the end, before GZ_ERR_LAST.
*/
#ifndef GZ_ERR_H
#define GZ_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GZ_ERRLEN 256 /* size of every caller-supplied error buffer */

enum gz_err {
	GZ_OK = 0,         /* not an error */
	GZ_ENOMEM = 1,     /* out of memory */
	GZ_EINVAL = 2,     /* bad argument or usage */
	GZ_ETOOBIG = 3,    /* input exceeds a configured bound */
	GZ_EIO = 4,        /* file or socket I/O error */
	GZ_EPARSE = 5,     /* malformed input (HTML, XML, JSON, INI, WARC) */
	GZ_EFETCH = 6,     /* network fetch failed */
	GZ_EINDEX = 7,     /* index (Xapian) error not covered below */
	GZ_ELOCKED = 8,    /* index is locked by another writer */
	GZ_EAGAIN = 9,     /* index changed underneath: reopen and retry */
	GZ_EQUERY = 10,    /* query does not parse */
	GZ_ENOTFOUND = 11, /* no such document, term, key or file */
	GZ_ECORRUPT = 12,  /* index is damaged */
	GZ_EOPEN = 13,     /* index cannot be opened (missing, wrong format) */
	GZ_ETIMEOUT = 14,  /* a time bound was exceeded */
	GZ_EBUSY = 15,     /* too much work queued: retry later */
	GZ_ECONFIG = 16,   /* configuration error */
	GZ_ENETWORK = 17,  /* remote index unreachable */
	GZ_EDENIED = 18,   /* refused by policy (robots.txt, scope, address) */
	GZ_EINTERNAL = 19, /* a bug: an unexpected exception or state */
	GZ_ERR_LAST        /* never use: one past the last code */
};

/*
** Return a fixed English description of code.  The string is static; the
** caller must not free it.  Unknown codes give "unknown error".
*/
const char *gz_strerror(int code);

/*
** Return the stable short name of code for the wire protocol and logs, such
** as "bad_query" or "locked".  Static; never NULL.
*/
const char *gz_errname(int code);

/*
** Format a message into err (GZ_ERRLEN bytes, may be NULL) and return code,
** so that a failing path can say `return gz_fail(err, GZ_EPARSE, "...")`.
*/
int gz_fail(char *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* GZ_ERR_H */
