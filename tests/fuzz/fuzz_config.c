/*
** fuzz_config.c — config_load on an arbitrary INI file (written to a
** temporary file, since config_load reads a path).
*/
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "config.h"
#include "gz_err.h"
#include "fuzz.h"

int FUZZ_ENTRY(const uint8_t *data, size_t size);

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	struct gz_config cfg;
	char err[GZ_ERRLEN], path[512];

	if (size > 64 * 1024)
		return 0;
	if (fuzz_tempfile(data, size, "conf", path, sizeof path))
		return 0;
	if (config_defaults(&cfg, err) == GZ_OK) {
		(void)config_load(&cfg, path, err);
		config_free(&cfg);
	}
	unlink(path);
	return 0;
}
