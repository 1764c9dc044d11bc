/*
** oom.c — fail the Nth allocation (SQLite's and curl's torture method).
**
** Linked with -Wl,--wrap=malloc,calloc,realloc,strdup,strndup (see
** mk/fuzz.mk, `make fuzz-oom`), so every allocation made by Gazette's own
** objects goes through the wrappers below; libxml2 and jansson are pointed
** at the same wrappers with xmlMemSetup and json_set_alloc_funcs.  (libcurl
** and Xapian allocate on their own and are not covered.)
**
** For each operation: run it once to count its allocations T, then for
** every N in 1..T run it again, in a child process, with allocation N
** failing.  Each run must return within OOM_TIMEOUT seconds (no crash, no
** hang; ASan stops on a bad access) and leak nothing (LeakSanitizer checks
** at the child's exit and exits 23).  The result of each failing run is
** tallied: GZ_ENOMEM, another error, GZ_OK (the failure was absorbed, e.g.
** an optional field dropped), crash, hang or leak.
**
** Run from the repository root, with ASAN_OPTIONS=exitcode=86 so that a
** sanitizer report counts as a crash: build-oom/oom [OPERATION...]
*/
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/globals.h>
#include <libxml/xmlmemory.h>

#include "article.h"
#include "config.h"
#include "extract.h"
#include "feeds.h"
#include "gz_err.h"
#include "proto.h"
#include "robots.h"
#include "search.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long oom_count; /* allocations so far in this run */
static unsigned long oom_fail;  /* the one to fail; 0 = none */
static int oom_failed;          /* 1 once it was failed */

/* Count one allocation; true when it must fail. */
static int oom_tick(void)
{
	if (oom_fail && ++oom_count == oom_fail) {
		oom_failed = 1;
		return 1;
	}
	if (!oom_fail)
		oom_count++;
	return 0;
}

void *__wrap_malloc(size_t n)
{
	return oom_tick() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
	return oom_tick() ? NULL : __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
	return oom_tick() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s)
{
	return oom_tick() ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n)
{
	return oom_tick() ? NULL : __real_strndup(s, n);
}

/* xmlMemSetup wants an xmlStrdupFunc taking const char *. */
static char *oom_xml_strdup(const char *s)
{
	return __wrap_strdup(s);
}

/* Read a whole file; exits on failure (outside the counted region). */
static char *oom_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "oom: cannot read %s\n", path);
		exit(2);
	}
	p = __real_malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "oom: cannot read %s\n", path);
		exit(2);
	}
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

static const char *oom_page_path = "tests/fixtures/pages/globaltimes-seed.html";
static const char *oom_feed_path = "tests/fixtures/feeds/rss2.xml";
static const char *oom_sitemap_path = "tests/fixtures/feeds/news-sitemap.xml";
static const char *oom_robots_path = "tests/fixtures/robots/rfc9309.txt";
static const char *oom_config_path = "data/gazette.conf";
static char *oom_data;
static size_t oom_len;

static void oom_on_link(void *ctx, const char *url, const char *anchor)
{
	(void)ctx;
	(void)url;
	(void)anchor;
}

static int oom_on_entry(void *ctx, const struct feed_entry *e)
{
	(void)ctx;
	(void)e;
	return 0;
}

static int op_extract(void)
{
	struct extract_opts eo;
	struct article a;
	enum page_kind kind;
	char err[GZ_ERRLEN];
	int rc;

	memset(&eo, 0, sizeof eo);
	eo.url = "http://www.globaltimes.cn/content/797127.shtml";
	eo.now = 1700000000;
	eo.on_link = oom_on_link;
	article_init(&a);
	rc = extract_html(oom_data, oom_len, &eo, &a, &kind, err);
	article_free(&a);
	return rc;
}

static int op_feed(void)
{
	struct feed_info info;
	char err[GZ_ERRLEN];

	return feed_parse(oom_data, oom_len, oom_on_entry, NULL, &info, err);
}

static int op_robots(void)
{
	struct robots r;
	char err[GZ_ERRLEN];
	int rc;

	robots_init(&r);
	rc = robots_parse(oom_data, oom_len, "GazetteBot/1.0", &r, err);
	if (rc == GZ_OK)
		(void)robots_allowed(&r, "/fish/salmon.html");
	robots_free(&r);
	return rc;
}

static int op_proto(void)
{
	static const char line[] =
		"{\"v\":1,\"id\":\"r1\",\"q\":\"city "
		"diplomacy\",\"source\":\"Global Times\","
		"\"from\":\"2013-01-01\",\"to\":\"2014\",\"sort\":\"-date\","
		"\"offset\":0,"
		"\"limit\":10,\"facets\":[\"source\",\"month\"],\"like\":"
		"\"http://x/\","
		"\"token\":\"t\",\"section\":\"World\",\"lang\":\"en\"}";
	struct search_request req;
	char err[GZ_ERRLEN];
	char *reply;
	int rc;

	search_request_init(&req);
	rc = proto_parse_line(line, sizeof line - 1, &req, err);
	reply = proto_reply_error(GZ_EQUERY, "bad", req.id_json);
	free(reply);
	search_request_free(&req);
	return rc;
}

static int op_config(void)
{
	struct gz_config cfg;
	char err[GZ_ERRLEN];
	int rc;

	rc = config_defaults(&cfg, err);
	if (rc == GZ_OK)
		rc = config_load(&cfg, oom_config_path, err);
	config_free(&cfg);
	return rc;
}

struct oom_op {
	const char *name;
	const char **input; /* file read into oom_data first, or NULL */
	int (*run)(void);
};

static const struct oom_op oom_ops[] = {
	{ "extract_html", &oom_page_path, op_extract },
	{ "feed_parse/rss", &oom_feed_path, op_feed },
	{ "feed_parse/sitemap", &oom_sitemap_path, op_feed },
	{ "robots_parse", &oom_robots_path, op_robots },
	{ "proto_parse_line", NULL, op_proto },
	{ "config_load", NULL, op_config },
};

#define OOM_TIMEOUT   2  /* seconds per run */
#define OOM_MAX_HANGS 20 /* hangs before an operation is given up */
#define OOM_LEAK_EXIT 23 /* LeakSanitizer's exit code */
#define OOM_SAN_EXIT  86 /* ASan/UBSan exit code, set by `make fuzz-oom` */

/* Run op once in a child with allocation n failing (0: none).  Returns the
** child's result: 0..GZ_ERR_LAST-1 an enum gz_err, 100 allocation n never
** happened, -1 leak, -2 crash, -3 hang. */
static int oom_child(const struct oom_op *op, unsigned long n,
		     unsigned long *count)
{
	unsigned long dummy;
	int pipefd[2], status;
	pid_t pid;

	if (!count)
		count = &dummy; /* always read: an unread pipe would SIGPIPE the child */
	fflush(stdout);
	if (pipe(pipefd) != 0)
		exit(2);
	pid = fork();
	if (pid < 0)
		exit(2);
	if (pid == 0) {
		int rc;

		close(pipefd[0]);
		alarm(OOM_TIMEOUT);
		oom_fail = n;
		oom_count = 0;
		oom_failed = 0;
		rc = op->run();
		oom_fail = 0;
		if (write(pipefd[1], &oom_count, sizeof oom_count) < 0)
			_exit(2);
		exit(n && !oom_failed ? 100
				      : rc); /* exit(): LeakSanitizer runs */
	}
	close(pipefd[1]);
	if (read(pipefd[0], count, sizeof *count) != sizeof *count)
		*count = 0;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		exit(2);
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGALRM ? -3 : -2;
	if (WEXITSTATUS(status) == OOM_LEAK_EXIT)
		return -1;
	if (WEXITSTATUS(status) == OOM_SAN_EXIT)
		return -2;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	unsigned long total_runs = 0;
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Route libxml2's and jansson's allocations through the wrappers. */
	xmlMemSetup(free, __wrap_malloc, __wrap_realloc, oom_xml_strdup);
	json_set_alloc_funcs(__wrap_malloc, free);

	for (size_t k = 0; k < sizeof oom_ops / sizeof oom_ops[0]; k++) {
		const struct oom_op *op = &oom_ops[k];
		unsigned long t = 0, n, enomem = 0, other = 0, ok = 0, leak = 0,
			      crash = 0, hang = 0;
		unsigned long first_leak = 0, first_crash = 0, first_hang = 0;
		int rc0, i, want = argc < 2;

		for (i = 1; i < argc; i++)
			want |= strcmp(argv[i], op->name) == 0;
		if (!want)
			continue;
		oom_data = op->input ? oom_slurp(*op->input, &oom_len) : NULL;
		rc0 = oom_child(op, 0, &t);
		if (rc0 != GZ_OK) {
			printf("oom: %s: fails without any fault (%d)\n",
			       op->name, rc0);
			bad = 1;
		}
		for (n = 1; n <= t; n++) {
			int rc = oom_child(op, n, NULL);

			if (rc == 100)
				break; /* fewer allocations this time: done */
			if (rc == GZ_ENOMEM)
				enomem++;
			else if (rc == GZ_OK)
				ok++;
			else if (rc == -1)
				first_leak = leak++ ? first_leak : n;
			else if (rc == -2)
				first_crash = crash++ ? first_crash : n;
			else if (rc == -3)
				first_hang = hang++ ? first_hang : n;
			else
				other++;
			if (hang >= OOM_MAX_HANGS) {
				printf("oom: %s: giving up after %d hangs\n",
				       op->name, OOM_MAX_HANGS);
				n++;
				break;
			}
		}
		total_runs += n - 1;
		printf("oom: %s: %lu allocations; failing each: %lu ENOMEM, "
		       "%lu other error, "
		       "%lu absorbed, %lu leak (first N=%lu), %lu crash (first "
		       "N=%lu), "
		       "%lu hang (first N=%lu)\n",
		       op->name, t, enomem, other, ok, leak, first_leak, crash,
		       first_crash, hang, first_hang);
		if (leak || crash || hang)
			bad = 1;
		free(oom_data);
		oom_data = NULL;
	}
	printf("oom: %lu failing runs, %s\n", total_runs,
	       bad ? "FAILED" : "no crash, no hang, no leak");
	return bad;
}
