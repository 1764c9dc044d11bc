/*
** fuzz_datetext.c — datetext_parse, datetext_find and datetext_from_url.
** A date found must lie inside the text and be a valid day.
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "datetext.h"
#include "gz_err.h"
#include "gztime.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct gz_time t;
	size_t start = 0, end = 0;
	char *s = fuzz_strndup(data, size);

	if (!s)
		return 0;
	if (datetext_parse(s, &t) == GZ_OK &&
	    !datetext_valid_ymd(t.year, t.month, t.day))
		abort();
	if (datetext_find((const char *)data, size, &t, &start, &end) ==
	    GZ_OK) {
		if (start > end || end > size)
			abort();
		if (!datetext_valid_ymd(t.year, t.month, t.day))
			abort();
	}
	(void)datetext_from_url(s, &t);
	free(s);
	return 0;
}
