/*
** test_fuzz_replay.c — every fuzz target of tests/fuzz/ run once over its
** seed corpus (tests/fuzz/corpus/<target>/) and its saved crash inputs
** (tests/fuzz/regressions/<target>/), as SQLite's fuzzcheck replays its
** corpora: one cmocka test per target.  A crash, an abort() from a
** target's own checks or a sanitizer report (under `make asan`) fails it.
**
** The targets are #included here with their entry point renamed, so that
** one program holds them all; run from the repository root (as
** tests/run-all.sh does) or set GZ_FUZZ_DIR to the tests/fuzz directory.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#define FUZZ_ENTRY fuzz_extract_one
#include "../fuzz/fuzz_extract.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_feeds_one
#include "../fuzz/fuzz_feeds.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_robots_one
#include "../fuzz/fuzz_robots.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_datetext_one
#include "../fuzz/fuzz_datetext.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_url_one
#include "../fuzz/fuzz_url.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_proto_one
#include "../fuzz/fuzz_proto.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_config_one
#include "../fuzz/fuzz_config.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_warc_one
#include "../fuzz/fuzz_warc.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_query_one
#include "../fuzz/fuzz_query.c"
#undef FUZZ_ENTRY

typedef int (*replay_fn)(const uint8_t *data, size_t size);

static unsigned long replay_total;

/* Read path whole into a malloc'd buffer; *len its size.  NULL on failure. */
static uint8_t *replay_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	data = malloc((size_t)n + 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Run fn over every regular file in dir; returns the number run.  A missing
** directory counts as empty.  Fails the test on an unreadable file. */
static unsigned replay_dir(replay_fn fn, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		uint8_t *data;
		size_t len = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		data = replay_read(path, &len);
		if (!data)
			fail_msg("cannot read %s", path);
		if (getenv("FUZZ_REPLAY_VERBOSE"))
			fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
		fn(data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

/* Replay one target's corpus (which must not be empty) and regressions. */
static void replay_target(const char *name, replay_fn fn)
{
	const char *base = getenv("GZ_FUZZ_DIR");
	char dir[1024];
	unsigned n;

	if (!base || !*base)
		base = "tests/fuzz";
	snprintf(dir, sizeof dir, "%s/corpus/%s", base, name);
	n = replay_dir(fn, dir);
	if (n == 0)
		fail_msg("no seed inputs in %s (run from the repository root)",
			 dir);
	snprintf(dir, sizeof dir, "%s/regressions/%s", base, name);
	n += replay_dir(fn, dir);
	replay_total += n;
}

#define REPLAY_TEST(name)                                \
	static void test_replay_##name(void **state)     \
	{                                                \
		(void)state;                             \
		replay_target(#name, fuzz_##name##_one); \
	}

REPLAY_TEST(extract)
REPLAY_TEST(feeds)
REPLAY_TEST(robots)
REPLAY_TEST(datetext)
REPLAY_TEST(url)
REPLAY_TEST(proto)
REPLAY_TEST(config)
REPLAY_TEST(warc)
REPLAY_TEST(query)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_extract),
		cmocka_unit_test(test_replay_feeds),
		cmocka_unit_test(test_replay_robots),
		cmocka_unit_test(test_replay_datetext),
		cmocka_unit_test(test_replay_url),
		cmocka_unit_test(test_replay_proto),
		cmocka_unit_test(test_replay_config),
		cmocka_unit_test(test_replay_warc),
		cmocka_unit_test(test_replay_query),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	printf("fuzz-replay: %lu passed, %d failed\n", replay_total, rc);
	return rc;
}
