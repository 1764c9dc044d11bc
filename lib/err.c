/*
** err.c — the error enum's names and messages.
*/
#include <stdarg.h>
#include <stdio.h>

#include "gz_err.h"

/*
** A switch with no default, so that -Wswitch names any code added to the
** enum but not here.
*/
const char *gz_strerror(int code)
{
	switch ((enum gz_err)code) {
	case GZ_OK: return "not an error";
	case GZ_ENOMEM: return "out of memory";
	case GZ_EINVAL: return "invalid argument";
	case GZ_ETOOBIG: return "input too large";
	case GZ_EIO: return "input/output error";
	case GZ_EPARSE: return "malformed input";
	case GZ_EFETCH: return "fetch failed";
	case GZ_EINDEX: return "index error";
	case GZ_ELOCKED: return "index locked by another writer";
	case GZ_EAGAIN: return "index changed, retry";
	case GZ_EQUERY: return "query does not parse";
	case GZ_ENOTFOUND: return "not found";
	case GZ_ECORRUPT: return "index corrupt";
	case GZ_EOPEN: return "cannot open index";
	case GZ_ETIMEOUT: return "timed out";
	case GZ_EBUSY: return "busy, retry later";
	case GZ_ECONFIG: return "configuration error";
	case GZ_ENETWORK: return "remote index unreachable";
	case GZ_EDENIED: return "refused by policy";
	case GZ_EINTERNAL: return "internal error";
	case GZ_ERR_LAST: break;
	}
	return "unknown error";
}

/* Stable names for the wire protocol; same switch discipline as above. */
const char *gz_errname(int code)
{
	switch ((enum gz_err)code) {
	case GZ_OK: return "ok";
	case GZ_ENOMEM: return "no_memory";
	case GZ_EINVAL: return "bad_request";
	case GZ_ETOOBIG: return "too_big";
	case GZ_EIO: return "io";
	case GZ_EPARSE: return "parse";
	case GZ_EFETCH: return "fetch";
	case GZ_EINDEX: return "index";
	case GZ_ELOCKED: return "locked";
	case GZ_EAGAIN: return "retry";
	case GZ_EQUERY: return "bad_query";
	case GZ_ENOTFOUND: return "not_found";
	case GZ_ECORRUPT: return "corrupt";
	case GZ_EOPEN: return "open";
	case GZ_ETIMEOUT: return "timeout";
	case GZ_EBUSY: return "busy";
	case GZ_ECONFIG: return "config";
	case GZ_ENETWORK: return "network";
	case GZ_EDENIED: return "denied";
	case GZ_EINTERNAL: return "internal";
	case GZ_ERR_LAST: break;
	}
	return "unknown";
}

int gz_fail(char *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, GZ_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return code;
}
