/*
** test_config.c — the configuration reader: defaults, every type of key,
** sources, and a clear "file:line: reason" for each kind of bad line.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "gz_err.h"

/* Write text to a fresh temporary file; its path goes into path (64 bytes). */
static void write_temp(const char *text, char *path)
{
	FILE *f;
	int fd;

	snprintf(path, 64, "/tmp/gz-config-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load text over the defaults; returns the code, message in err. */
static int load_text(const char *text, struct gz_config *cfg, char *err)
{
	char path[64];
	int rc;

	assert_int_equal(config_defaults(cfg, err), GZ_OK);
	write_temp(text, path);
	rc = config_load(cfg, path, err);
	unlink(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct gz_config cfg;
	char err[GZ_ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&cfg, err), GZ_OK);
	assert_non_null(cfg.index_path);
	assert_string_equal(cfg.listen, "127.0.0.1:7700");
	assert_int_equal(cfg.delay_ms, 1000);
	assert_int_equal(cfg.obey_robots, 1);
	assert_int_equal(cfg.commit_every, 1000);
	assert_int_equal(cfg.n_sources, 0);
	config_free(&cfg);
}

static void test_full_file(void **state)
{
	struct gz_config cfg;
	char err[GZ_ERRLEN];
	struct config_source *s;

	(void)state;
	assert_int_equal(
		load_text("; comment\n"
			  "[index]\npath = /tmp/x\nno_sync = yes\nshard_by = "
			  "month\n"
			  "[crawl]\ndelay_ms = 250\nallow_address = 127.0.0.1 "
			  "::1\n"
			  "allow_address = 10.0.0.1\n"
			  "[searchd]\nlisten = 127.0.0.1:9000\nworkers = 4\n"
			  "[source gt]\noutlet = Global Times\n"
			  "feed = http://a/feed.xml\nfeed = http://a/f2.xml\n"
			  "seed = http://a/\ndepth = 1\nutc_offset = +08:00\n"
			  "[source other]\nsitemap = http://b/sitemap.xml\n",
			  &cfg, err),
		GZ_OK);
	assert_string_equal(cfg.index_path, "/tmp/x");
	assert_int_equal(cfg.no_sync, 1);
	assert_int_equal(cfg.delay_ms, 250);
	assert_int_equal(cfg.allow_addresses.n, 3);
	assert_string_equal(cfg.allow_addresses.items[1], "::1");
	assert_string_equal(cfg.listen, "127.0.0.1:9000");
	assert_int_equal(cfg.workers, 4);
	assert_string_equal(cfg.shard_by, "month");
	assert_int_equal(cfg.n_sources, 2);
	s = &cfg.sources[0];
	assert_string_equal(s->name, "gt");
	assert_string_equal(s->outlet, "Global Times");
	assert_int_equal(s->feeds.n, 2);
	assert_int_equal(s->seeds.n, 1);
	assert_int_equal(s->depth, 1);
	assert_int_equal(s->has_tz, 1);
	assert_int_equal(s->tz_min, 480);
	assert_int_equal(cfg.sources[1].depth, 2); /* default */
	assert_int_equal(cfg.sources[1].has_tz, 0);
	config_free(&cfg);
}

/* One bad line each: the message must name the line and the reason. */
static void test_bad_lines(void **state)
{
	static const struct {
		const char *text;  /* file contents */
		const char *line;  /* ":N:" expected in the message */
		const char *words; /* and this */
	} cases[] = {
		{ "[crawl]\ndelay_ms = soon\n", ":2:", "whole number" },
		{ "[crawl]\ndelay_ms = 999999999\n", ":2:", "out of range" },
		{ "[crawl]\nobey_robots = perhaps\n", ":2:", "yes or no" },
		{ "[crawl]\nno_such = 1\n", ":2:", "unknown key" },
		{ "[nowhere]\nx = 1\n", ":2:", "unknown section" },
		{ "[crawl]\ndelay_ms = 5\njust words\n", ":3:", "key = value" },
		{ "[source x]\nutc_offset = +25:00\n", ":2:", "offset" },
		{ "[index]\nshard_by = weekly\n",
		  ":2:", "one of none|year|month|host|id" },
		{ "[source ]\nfeed = http://a/\n", ":2:", "needs a name" },
		{ "[crawl]\ndelay_ms = 1\ndelay_ms = x\ntimeout = y\n",
		  ":3:", "delay_ms" },
	};
	struct gz_config cfg;
	char err[GZ_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		assert_int_equal(load_text(cases[i].text, &cfg, err),
				 GZ_ECONFIG);
		if (!strstr(err, cases[i].line) || !strstr(err, cases[i].words))
			fail_msg("case %zu: message \"%s\"", i, err);
		config_free(&cfg);
	}
}

static void test_missing_file(void **state)
{
	struct gz_config cfg;
	char err[GZ_ERRLEN];

	(void)state;
	assert_int_equal(config_defaults(&cfg, err), GZ_OK);
	assert_int_equal(config_load(&cfg, "/nonexistent/gazette.conf", err),
			 GZ_EIO);
	assert_non_null(strstr(err, "/nonexistent/gazette.conf"));
	config_free(&cfg);
}

static void test_config_path_order(void **state)
{
	(void)state;
	setenv("GAZETTE_CONFIG", "/env/g.conf", 1);
	assert_string_equal(config_path("/x.conf"), "/x.conf");
	assert_string_equal(config_path(NULL), "/env/g.conf");
	unsetenv("GAZETTE_CONFIG");
	assert_string_equal(config_path(NULL), "/etc/gazette/gazette.conf");
}

/* Every key the code knows is documented in the example config. */
static void test_example_documents_every_key(void **state)
{
	const char *data = getenv("GZ_DATA") ? getenv("GZ_DATA") : "data";
	char path[4096], needle[128], *text;
	const char *section;
	struct gz_config cfg;
	char err[GZ_ERRLEN];
	FILE *f;
	long n;
	int i;

	(void)state;
	snprintf(path, sizeof path, "%s/gazette.conf", data);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (i = 0; i < config_key_count(); i++) {
		const char *key = config_key_name(i, &section);

		snprintf(needle, sizeof needle, "%s ", key);
		if (!strstr(text, needle))
			fail_msg("[%s] %s is not documented in %s", section,
				 key, path);
	}
	free(text);
	/* and the example itself loads */
	assert_int_equal(config_defaults(&cfg, err), GZ_OK);
	assert_int_equal(config_load(&cfg, path, err), GZ_OK);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_config_path_order),
		cmocka_unit_test(test_example_documents_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
