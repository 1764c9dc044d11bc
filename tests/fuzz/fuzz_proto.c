/*
** fuzz_proto.c — proto_parse_line and the error reply built from it.
** The error reply must be one line of JSON ending in "\n".
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gz_err.h"
#include "proto.h"
#include "search.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct search_request req;
	char err[GZ_ERRLEN];
	char *reply;
	int rc;

	search_request_init(&req);
	err[0] = '\0';
	rc = proto_parse_line((const char *)data, size, &req, err);
	reply = proto_reply_error(rc ? rc : GZ_EINVAL, rc ? err : NULL,
				  req.id_json);
	if (reply) {
		size_t n = strlen(reply);
		if (n == 0 || reply[n - 1] != '\n' ||
		    memchr(reply, '\n', n - 1))
			abort();
		free(reply);
	}
	if (rc == GZ_OK) {
		reply = proto_reply_ping(req.id_json);
		free(reply);
	}
	search_request_free(&req);
	return 0;
}
