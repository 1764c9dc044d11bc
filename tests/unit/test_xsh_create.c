/*
** test_xsh_create.c — xsh_wdb_open with XSH_WDB_CREATE on a directory left
** by a creation that never wrote iamglass (a failed fsync, a kill: bug B6 in
** docs/RELIABILITY.md).  Such a directory is created afresh; a directory
** holding anything else is refused with GZ_EOPEN and left as it was.
*/
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gz_err.h"
#include "xsh.h"

/* The temporary directory of one test, removed by teardown. */
static char tmpdir[256];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "%s/gz-xsh-create-XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name into buf, which must be large enough. */
static const char *join(char *buf, size_t n, const char *dir, const char *name)
{
	int len = snprintf(buf, n, "%s/%s", dir, name);

	assert_true(len > 0 && (size_t)len < n);
	return buf;
}

/* tmpdir/name into buf. */
static const char *in_tmp(char *buf, size_t n, const char *name)
{
	return join(buf, n, tmpdir, name);
}

/* Write text into dir/name. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	join(p, sizeof p, dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* 1 when dir/name exists. */
static int has(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	join(p, sizeof p, dir, name);
	return lstat(p, &st) == 0;
}

/* The contents of dir/name (at most n-1 bytes) into buf. */
static const char *get_file(const char *dir, const char *name, char *buf,
			    size_t n)
{
	char p[512];
	FILE *f;
	size_t got;

	join(p, sizeof p, dir, name);
	f = fopen(p, "r");
	assert_non_null(f);
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

/* Open path with XSH_WDB_CREATE, store one document, commit, close; then
** open it again without CREATE and check that it holds that one document. */
static void assert_opens_and_writes(const char *path)
{
	char err[GZ_ERRLEN] = "";
	struct xsh_wdb *w = NULL;
	struct xsh_doc *d = NULL;
	char *v = NULL;
	size_t vlen = 0;

	assert_int_equal(
		xsh_wdb_open(path, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_non_null(w);
	assert_int_equal(xsh_doc_new(&d, err), GZ_OK);
	assert_int_equal(xsh_doc_add_term(d, "Qone", 1, err), GZ_OK);
	assert_int_equal(xsh_wdb_replace(w, "Qone", d, NULL, err), GZ_OK);
	assert_int_equal(xsh_wdb_set_metadata(w, "k", "v", 1, err), GZ_OK);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);
	xsh_doc_free(d);
	xsh_wdb_close(w);
	assert_true(has(path, "iamglass"));

	w = NULL;
	assert_int_equal(xsh_wdb_open(path, 0, &w, err), GZ_OK);
	assert_int_equal(xsh_wdb_get_metadata(w, "k", &v, &vlen, err), GZ_OK);
	assert_int_equal(vlen, 1);
	assert_memory_equal(v, "v", 1);
	free(v);
	xsh_wdb_close(w);
}

/* What a creation whose first fsync failed leaves: empty table files and
** the lock file, no iamglass. */
static void test_leftovers_of_failed_create_open(void **state)
{
	char dir[512];

	(void)state;
	in_tmp(dir, sizeof dir, "index");
	assert_int_equal(mkdir(dir, 0755), 0);
	put_file(dir, "flintlock", "");
	put_file(dir, "postlist.glass", "");
	put_file(dir, "termlist.glass", "");
	put_file(dir, "v.tmp", "garbage");
	assert_opens_and_writes(dir);
}

/* A real database whose iamglass is gone (tables with content, stale temp
** files): created afresh too. */
static void test_database_without_iamglass_opens(void **state)
{
	char dir[512], p[600], err[GZ_ERRLEN] = "";
	struct xsh_wdb *w = NULL;

	(void)state;
	in_tmp(dir, sizeof dir, "index");
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_int_equal(xsh_wdb_set_metadata(w, "old", "x", 1, err), GZ_OK);
	assert_int_equal(xsh_wdb_commit(w, err), GZ_OK);
	xsh_wdb_close(w);
	join(p, sizeof p, dir, "iamglass");
	assert_int_equal(unlink(p), 0);
	put_file(dir, "docdata.tmp", "");
	assert_opens_and_writes(dir);
}

/* Without XSH_WDB_CREATE nothing is created: the error stays. */
static void test_leftovers_without_create_refused(void **state)
{
	char dir[512], err[GZ_ERRLEN] = "";
	struct xsh_wdb *w = NULL;

	(void)state;
	in_tmp(dir, sizeof dir, "index");
	assert_int_equal(mkdir(dir, 0755), 0);
	put_file(dir, "postlist.glass", "");
	assert_int_equal(xsh_wdb_open(dir, 0, &w, err), GZ_EOPEN);
	assert_null(w);
	assert_false(has(dir, "iamglass"));
}

/* Open must fail with GZ_EOPEN and create no iamglass. */
static void assert_refused(const char *dir)
{
	char err[GZ_ERRLEN] = "";
	struct xsh_wdb *w = NULL;

	assert_int_equal(xsh_wdb_open(dir, XSH_WDB_CREATE, &w, err), GZ_EOPEN);
	assert_null(w);
	assert_non_null(strstr(err, "iamglass"));
	assert_false(has(dir, "iamglass"));
}

/* A user's file next to the leftovers: refused, nothing removed or changed. */
static void test_unrelated_file_refused_and_untouched(void **state)
{
	char dir[512], buf[64];

	(void)state;
	in_tmp(dir, sizeof dir, "index");
	assert_int_equal(mkdir(dir, 0755), 0);
	put_file(dir, "postlist.glass", "table bytes");
	put_file(dir, "notes.txt", "keep me");
	assert_refused(dir);
	assert_string_equal(get_file(dir, "notes.txt", buf, sizeof buf),
			    "keep me");
	assert_string_equal(get_file(dir, "postlist.glass", buf, sizeof buf),
			    "table bytes");
	/* twice: the refusal is not a one-off */
	assert_refused(dir);
	assert_string_equal(get_file(dir, "notes.txt", buf, sizeof buf),
			    "keep me");
}

/* Names that look like Xapian's but are not (a user's "*.glass" or "*.tmp"
** file), a subdirectory, a symlink: each refused. */
static void test_lookalikes_refused(void **state)
{
	static const char *const names[] = { "mine.glass", "backup.tmp",
					     "postlist.glass.bak",
					     "Postlist.glass" };
	char dir[512], buf[64], p[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char sub[32];

		snprintf(sub, sizeof sub, "index%zu", i);
		in_tmp(dir, sizeof dir, sub);
		assert_int_equal(mkdir(dir, 0755), 0);
		/* postlist.glass: what makes Xapian take the directory for a
		** database (without it Xapian creates one next to the files) */
		put_file(dir, "postlist.glass", "");
		put_file(dir, names[i], "user data");
		assert_refused(dir);
		assert_string_equal(get_file(dir, names[i], buf, sizeof buf),
				    "user data");
	}

	in_tmp(dir, sizeof dir, "subdir");
	assert_int_equal(mkdir(dir, 0755), 0);
	put_file(dir, "postlist.glass", "");
	join(p, sizeof p, dir, "position.glass");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_refused(dir);
	assert_true(has(dir, "position.glass"));

	in_tmp(dir, sizeof dir, "symlink");
	assert_int_equal(mkdir(dir, 0755), 0);
	put_file(dir, "postlist.glass", "");
	join(p, sizeof p, dir, "termlist.glass");
	assert_int_equal(symlink("/nonexistent/elsewhere", p), 0);
	assert_refused(dir);
	assert_true(has(dir, "termlist.glass"));
}

/* A sharded index's top directory (XAPIANDB stub, shard directories) is
** never taken for leftovers, even with a stray table file in it. */
static void test_sharded_top_directory_refused(void **state)
{
	char dir[512], shard[600], buf[64];

	(void)state;
	in_tmp(dir, sizeof dir, "sharded");
	assert_int_equal(mkdir(dir, 0755), 0);
	put_file(dir, "XAPIANDB", "auto 2013\n");
	put_file(dir, "postlist.glass", "");
	join(shard, sizeof shard, dir, "2013");
	assert_int_equal(mkdir(shard, 0755), 0);
	put_file(shard, "postlist.glass", "shard table");
	assert_refused(dir);
	assert_string_equal(get_file(dir, "XAPIANDB", buf, sizeof buf),
			    "auto 2013\n");
	assert_string_equal(get_file(shard, "postlist.glass", buf, sizeof buf),
			    "shard table");
}

/* An intact database is opened, never overwritten. */
static void test_intact_database_kept(void **state)
{
	char dir[512], err[GZ_ERRLEN] = "";
	struct xsh_wdb *w = NULL;
	char *v = NULL;

	(void)state;
	in_tmp(dir, sizeof dir, "index");
	assert_int_equal(
		xsh_wdb_open(dir, XSH_WDB_CREATE | XSH_WDB_NO_SYNC, &w, err),
		GZ_OK);
	assert_int_equal(xsh_wdb_set_metadata(w, "keep", "yes", 3, err), GZ_OK);
	xsh_wdb_close(w);
	w = NULL;
	assert_int_equal(xsh_wdb_open(dir, XSH_WDB_CREATE, &w, err), GZ_OK);
	assert_int_equal(xsh_wdb_get_metadata(w, "keep", &v, NULL, err), GZ_OK);
	assert_string_equal(v, "yes");
	free(v);
	xsh_wdb_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_leftovers_of_failed_create_open, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_database_without_iamglass_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_leftovers_without_create_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unrelated_file_refused_and_untouched, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_lookalikes_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_sharded_top_directory_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intact_database_kept,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
