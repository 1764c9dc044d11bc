/*
** main.c — gazette-searchd: command line, configuration, logging, then
** the server (server.h) until SIGTERM.
**
** Options on the command line win over the configuration file.  A missing
** file at the default configuration path is not an error (the defaults
** serve 127.0.0.1:7700); a missing file named by --config or
** $GAZETTE_CONFIG is.
*/
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "gz_err.h"
#include "log.h"
#include "server.h"
#include "version.h"
#include "xsh.h"

#define PROG "gazette-searchd"

/* Print the usage text to f. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [OPTIONS]\n"
		"\n"
		"Serve searches over a Gazette index: newline-delimited JSON "
		"requests (or\n"
		"plain-text queries) on a TCP address and/or a Unix socket; "
		"see\n"
		"docs/protocol.md; and an optional HTTP front (GET "
		"/search?q=..., /health,\n"
		"/metrics).  Runs in the foreground; SIGTERM or SIGINT finish "
		"the queries\n"
		"in flight and exit 0; SIGHUP reopens the log files, re-reads "
		"the\n"
		"configuration's queue_max, max_connections, idle_timeout,\n"
		"query_timeout_ms, shard_timeout_ms, shard_failure and "
		"query_log (other\n"
		"keys need a restart) and reopens the shards a stub file "
		"lists.\n"
		"\n"
		"  -c, --config FILE      configuration file (default: "
		"$GAZETTE_CONFIG or\n"
		"                         /etc/gazette/gazette.conf; a missing "
		"default is fine)\n"
		"  -i, --index DIR        index directory, or a Xapian stub "
		"file listing\n"
		"                         shards (local paths, remote "
		"HOST:PORT) ([index] path)\n"
		"  -l, --listen HOST:PORT TCP address ([searchd] listen, "
		"default %s);\n"
		"                         port 0 picks a free port; \"\" for "
		"none\n"
		"  -s, --socket PATH      Unix socket, mode 0600 ([searchd] "
		"socket); \"\" for none\n"
		"      --http-listen HOST:PORT  HTTP front ([searchd] "
		"http_listen); \"\" for none\n"
		"      --http-port-file FILE    write the bound HTTP port "
		"number to FILE\n"
		"      --query-log FILE   log every search to FILE ([searchd] "
		"query_log)\n"
		"  -w, --workers N        query threads ([searchd] workers)\n"
		"      --port-file FILE   write the bound TCP port number to "
		"FILE\n"
		"  -f, --foreground       stay in the foreground (always the "
		"case; for\n"
		"                         init scripts that say so)\n"
		"  -v, --verbose          log debug lines too\n"
		"  -h, --help             this text\n"
		"  -V, --version          version\n"
		"\n"
		"Exit status: 0 after a clean shutdown, 1 when the server "
		"cannot start\n"
		"(index, address), 2 for usage or configuration errors.\n",
		CONFIG_DEFAULT_LISTEN);
}

/* Parse a decimal integer in [lo, hi] into *out.  0, or -1. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
** Load the configuration into cfg: defaults, then the file.  The default
** path may be missing; an explicit one may not.  Returns GZ_OK or the
** error (message in err).
*/
static int load_config(struct gz_config *cfg, const char *explicit_path,
		       char *err)
{
	const char *path = config_path(explicit_path);
	const char *env = getenv("GAZETTE_CONFIG");
	struct stat st;
	int rc;

	rc = config_defaults(cfg, err);
	if (rc != GZ_OK)
		return rc;
	if (!explicit_path && !(env && *env) && stat(path, &st) != 0 &&
	    errno == ENOENT)
		return GZ_OK;
	return config_load(cfg, path, err);
}

/* What SIGHUP needs to read the configuration again. */
struct reload_ctx {
	const char *config;              /* --config, or NULL */
	const char *query_log;           /* --query-log, or NULL (it wins) */
	const struct gz_config *running; /* the configuration started with */
};

/* True when two optional strings differ. */
static int str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/*
** server_reload_fn: read the configuration again into *t; keys that need
** a restart are only reported when they changed.
*/
static int reload_config(void *arg, struct server_tunables *t, char *err)
{
	struct reload_ctx *rc = arg;
	const struct gz_config *old = rc->running;
	struct gz_config cfg;
	int r;

	r = load_config(&cfg, rc->config, err);
	if (r != GZ_OK) {
		config_free(&cfg);
		return r;
	}
	t->queue_max = cfg.queue_max > 0 ? (unsigned)cfg.queue_max : 1;
	t->max_connections =
		cfg.max_connections > 0 ? (unsigned)cfg.max_connections : 1;
	t->idle_timeout_sec =
		cfg.idle_timeout_sec > 0 ? (unsigned)cfg.idle_timeout_sec : 1;
	t->query_timeout_ms =
		cfg.query_timeout_ms > 0 ? (unsigned)cfg.query_timeout_ms : 0;
	t->health_max_age_sec = (unsigned)cfg.health_max_age_sec;
	t->shard_timeout_ms =
		cfg.shard_timeout_ms > 0 ? (unsigned)cfg.shard_timeout_ms : 0;
	t->shard_partial =
		cfg.shard_failure && strcmp(cfg.shard_failure, "partial") == 0;
	snprintf(t->query_log, sizeof t->query_log, "%s",
		 rc->query_log           ? rc->query_log
			 : cfg.query_log ? cfg.query_log
					 : "");
	if (str_differs(cfg.listen, old->listen) ||
	    str_differs(cfg.socket_path, old->socket_path) ||
	    str_differs(cfg.http_listen, old->http_listen) ||
	    str_differs(cfg.token, old->token) ||
	    str_differs(cfg.log_file, old->log_file) ||
	    cfg.workers != old->workers)
		log_warn("msg=\"some changed keys need a restart\" "
			 "keys=\"listen socket http_listen token log_file "
			 "workers\"");
	config_free(&cfg);
	return GZ_OK;
}

/*
** Parse the command line, load the configuration (command line wins),
** start logging and run the server.  Exit status as in usage().
*/
int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "index", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "http-listen", required_argument, NULL, 'H' },
		{ "http-port-file", required_argument, NULL, 'p' },
		{ "query-log", required_argument, NULL, 'q' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt_config = NULL, *opt_index = NULL, *opt_listen = NULL;
	const char *opt_socket = NULL, *opt_port_file = NULL;
	const char *opt_http = NULL, *opt_http_port_file = NULL;
	const char *opt_query_log = NULL;
	struct reload_ctx rctx;
	long opt_workers = 0, v;
	int verbose = 0, ch, rc;
	struct server_options so;
	struct gz_config cfg;
	struct server *srv = NULL;
	char err[GZ_ERRLEN] = "";

	while ((ch = getopt_long(argc, argv, "c:i:l:s:w:fvhV", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': opt_config = optarg; break;
		case 'i': opt_index = optarg; break;
		case 'l': opt_listen = optarg; break;
		case 's': opt_socket = optarg; break;
		case 'P': opt_port_file = optarg; break;
		case 'H': opt_http = optarg; break;
		case 'p': opt_http_port_file = optarg; break;
		case 'q': opt_query_log = optarg; break;
		case 'f': break;
		case 'v': verbose = 1; break;
		case 'w':
			if (parse_int(optarg, 1, SERVER_MAX_WORKERS, &v) < 0) {
				fprintf(stderr,
					PROG ": --workers: expected a "
					     "number from 1 to %d, got '%s'\n",
					SERVER_MAX_WORKERS, optarg);
				return GZ_EXIT_USAGE;
			}
			opt_workers = v;
			break;
		case 'h': usage(stdout); return GZ_EXIT_OK;
		case 'V':
			printf(PROG " %s (Xapian %s)\n", GZ_VERSION,
			       xsh_version());
			return GZ_EXIT_OK;
		default: usage(stderr); return GZ_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			PROG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return GZ_EXIT_USAGE;
	}

	rc = load_config(&cfg, opt_config, err);
	if (rc != GZ_OK) {
		fprintf(stderr, PROG ": %s\n", err);
		config_free(&cfg);
		return GZ_EXIT_USAGE;
	}
	if ((opt_index && config_set_string(&cfg.index_path, opt_index)) ||
	    (opt_listen && config_set_string(&cfg.listen, opt_listen)) ||
	    (opt_socket && config_set_string(&cfg.socket_path, opt_socket)) ||
	    (opt_http && config_set_string(&cfg.http_listen, opt_http)) ||
	    (opt_query_log &&
	     config_set_string(&cfg.query_log, opt_query_log))) {
		fprintf(stderr, PROG ": out of memory\n");
		config_free(&cfg);
		return GZ_EXIT_SOFTWARE;
	}
	if (opt_workers)
		cfg.workers = (int)opt_workers;

	if (log_init(PROG, verbose ? LOG_DEBUG : LOG_INFO, cfg.log_file) < 0)
		fprintf(stderr,
			PROG ": cannot open log file %s: %s; logging "
			     "to stderr\n",
			cfg.log_file, strerror(errno));
	/* A client that goes away mid-reply must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);

	memset(&so, 0, sizeof so);
	so.index_path = cfg.index_path && *cfg.index_path
		? cfg.index_path
		: CONFIG_DEFAULT_INDEX;
	so.listen = cfg.listen;
	so.socket_path = cfg.socket_path;
	so.token = cfg.token;
	so.port_file = opt_port_file;
	so.workers = cfg.workers > 0 ? (unsigned)cfg.workers : 1;
	so.queue_max = cfg.queue_max > 0 ? (unsigned)cfg.queue_max : 1;
	so.max_connections =
		cfg.max_connections > 0 ? (unsigned)cfg.max_connections : 1;
	so.idle_timeout_sec =
		cfg.idle_timeout_sec > 0 ? (unsigned)cfg.idle_timeout_sec : 1;
	so.query_timeout_ms =
		cfg.query_timeout_ms > 0 ? (unsigned)cfg.query_timeout_ms : 0;
	so.http_listen = cfg.http_listen;
	so.http_port_file = opt_http_port_file;
	so.health_max_age_sec = (unsigned)cfg.health_max_age_sec;
	so.query_log = cfg.query_log;
	so.shard_timeout_ms =
		cfg.shard_timeout_ms > 0 ? (unsigned)cfg.shard_timeout_ms : 0;
	so.shard_partial =
		cfg.shard_failure && strcmp(cfg.shard_failure, "partial") == 0;
	rctx.config = opt_config;
	rctx.query_log = opt_query_log;
	rctx.running = &cfg;
	so.reload = reload_config;
	so.reload_ctx = &rctx;

	log_info("msg=start version=%s index=%s listen=%s socket=%s http=%s "
		 "workers=%u",
		 GZ_VERSION, so.index_path,
		 so.listen && *so.listen ? so.listen : "-",
		 so.socket_path && *so.socket_path ? so.socket_path : "-",
		 so.http_listen && *so.http_listen ? so.http_listen : "-",
		 so.workers);
	rc = server_new(&so, &srv, err);
	if (rc != GZ_OK) {
		/* One line on stderr; the log file (if any) gets it as well. */
		if (cfg.log_file && *cfg.log_file)
			log_error("msg=\"cannot start\" error=%s detail=\"%s\"",
				  gz_errname(rc), err);
		fprintf(stderr, PROG ": %s\n", err);
		config_free(&cfg);
		log_close();
		return rc == GZ_EINVAL || rc == GZ_EDENIED ? GZ_EXIT_USAGE : 1;
	}
	rc = server_run(srv, err);
	if (rc != GZ_OK) {
		log_error("msg=\"server failed\" error=%s detail=\"%s\"",
			  gz_errname(rc), err);
		fprintf(stderr, PROG ": %s\n", err);
	}
	server_free(srv);
	config_free(&cfg);
	log_close();
	return rc == GZ_OK ? GZ_EXIT_OK : GZ_EXIT_SOFTWARE;
}
