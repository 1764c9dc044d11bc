/*
** main.c — gazette, the command-line search client.
**
**   gazette search [OPTIONS] QUERY...   search, print readable hits or --json
**   gazette stats [OPTIONS]             documents, revision, uptime
**
** It asks gazette-searchd over TCP (--connect, or the configuration's
** [searchd] listen) or a Unix socket (--socket), speaking protocol v1
** (docs/protocol.md), or with --index DIR searches the index in process
** through the same code the daemon runs (search_run + proto_reply_*), so
** that --json prints the same object either way.  Exit status as grep's:
** 0 hits, 1 no hits, 2 error.
*/
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "proto.h"
#include "search.h"
#include "version.h"
#include "xsh.h"

#define PROG                "gazette"
#define CLI_EXIT_HITS       0
#define CLI_EXIT_NONE       1
#define CLI_EXIT_ERROR      2
#define CLI_TIMEOUT_SEC     30          /* connect, send and receive, each */
#define CLI_MAX_REPLY       (64u << 20) /* largest reply line read */
#define CLI_TIMELINE_MONTHS 48          /* longer spans are drawn by year */
#define CLI_MAX_TIMELINE    1300        /* bars drawn, at most */

/* Where to send requests and how to print replies. */
struct cli_opts {
	const char *config;  /* --config FILE */
	const char *index;   /* --index DIR: search in process */
	const char *connect; /* --connect HOST:PORT */
	const char *socket;  /* --socket PATH */
	int json;            /* --json: print the reply object */
	int color;           /* stdout is a terminal: ANSI bold for matches */
	int timeline;        /* --timeline: draw the month counts */
	int limit_given;     /* --limit was given */
	int counts_only;     /* limit 0: the matches decide the exit status */
};

/* Print the usage text to f. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " search [OPTIONS] QUERY...\n"
		"       " PROG " stats [OPTIONS]\n"
		"       " PROG " --help | --version\n"
		"\n"
		"Search a Gazette news archive through gazette-searchd, or an "
		"index\n"
		"directly with --index.\n"
		"\n"
		"Where to search (default: the configuration's [searchd] "
		"listen, %s):\n"
		"  -i, --index DIR          search the index in DIR (or the "
		"shards a Xapian\n"
		"                           stub file lists) without a daemon\n"
		"  -C, --connect HOST:PORT  ask the daemon at this TCP "
		"address\n"
		"  -S, --socket PATH        ask the daemon on this Unix "
		"socket\n"
		"  -c, --config FILE        configuration file\n"
		"\n"
		"Search options:\n"
		"  -n, --limit N            hits per page (default %d, at most "
		"%d; 0: counts only)\n"
		"  -p, --page N             page number, from 1\n"
		"      --source NAME        only this source, e.g. \"Global "
		"Times\"\n"
		"      --section NAME       only this section\n"
		"      --from DATE          published on or after DATE "
		"(YYYY[-MM[-DD]])\n"
		"      --to DATE            published on or before DATE\n"
		"      --sort ORDER         relevance (default), date (oldest "
		"first), -date\n"
		"      --lang CODE          only articles in this language "
		"(and stem the\n"
		"                           query in it), e.g. en\n"
		"      --facets             also count hits by source, "
		"section, year, month\n"
		"      --timeline           draw the hits per month (per year "
		"over long\n"
		"                           spans) as a bar chart; shows no "
		"hits unless\n"
		"                           --limit is given\n"
		"      --no-collapse        list near-duplicate copies "
		"separately\n"
		"      --like URL|ID        articles like this one\n"
		"      --json               print the reply as one JSON "
		"object\n"
		"\n"
		"Query language: words (all must match), \"exact phrase\", OR, "
		"NOT, -word,\n"
		"(parentheses), NEAR, diplom*, title:word, source:\"Global "
		"Times\",\n"
		"section:, author:, site:, lang:, date:2013..2014, "
		"date:2013-07-01..2013-07-31,\n"
		"date:..2013-12-31.\n"
		"\n"
		"Exit status: 0 hits found, 1 no hits, 2 error.\n",
		CONFIG_DEFAULT_LISTEN, SEARCH_DEFAULT_LIMIT, GZ_MAX_LIMIT);
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

/* ------------------------------------------------------------ transport */

/* Set send/receive timeouts on fd (on Linux the send one bounds connect). */
static void cli_set_timeouts(int fd)
{
	struct timeval tv = { CLI_TIMEOUT_SEC, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Split "HOST:PORT" / "[V6]:PORT" into host and port.  0, or -1. */
static int cli_split_hostport(const char *s, char *host, size_t hn, char *port,
			      size_t pn)
{
	const char *colon, *h = s, *p;
	size_t hl;

	if (*s == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(colon - h);
		p = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		p = colon + 1;
	}
	if (hl == 0) {
		h = "127.0.0.1";
		hl = strlen(h);
	}
	if (!*p || hl >= hn || strlen(p) >= pn ||
	    strspn(p, "0123456789") != strlen(p))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, p, strlen(p) + 1);
	return 0;
}

/* Connect to the TCP address addr; the fd, or -1 with err set. */
static int cli_connect_tcp(const char *addr, char *err)
{
	char host[256], port[16];
	struct addrinfo hints, *ai = NULL, *a;
	int fd = -1, rc, saved = 0;

	if (cli_split_hostport(addr, host, sizeof host, port, sizeof port) <
	    0) {
		gz_fail(err, GZ_EINVAL, "bad address '%s' (expected HOST:PORT)",
			addr);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		gz_fail(err, GZ_ENETWORK, "cannot connect to %s: %s", addr,
			gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		cli_set_timeouts(fd);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		gz_fail(err, GZ_ENETWORK, "cannot connect to %s: %s", addr,
			strerror(saved ? saved : ECONNREFUSED));
	return fd;
}

/* Connect to the Unix socket at path; the fd, or -1 with err set. */
static int cli_connect_unix(const char *path, char *err)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		gz_fail(err, GZ_EINVAL, "socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		gz_fail(err, GZ_EIO, "socket: %s", strerror(errno));
		return -1;
	}
	cli_set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		gz_fail(err, GZ_ENETWORK, "cannot connect to %s: %s", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
** Send one request line (with its "\n") and read one reply line into
** *reply (malloc'd, NUL-terminated, caller frees).  GZ_OK or an error with
** a message naming the daemon's address in err.
*/
static int cli_exchange(const struct cli_opts *o, const struct gz_config *cfg,
			const char *line, char **reply, char *err)
{
	const char *where;
	struct buf b;
	char chunk[16384];
	size_t off = 0, len = strlen(line);
	ssize_t n;
	int fd, rc = GZ_OK;
	char *nl = NULL;

	*reply = NULL;
	if (o->socket) {
		where = o->socket;
		fd = cli_connect_unix(where, err);
	} else if (o->connect || (cfg->listen && *cfg->listen)) {
		where = o->connect ? o->connect : cfg->listen;
		fd = cli_connect_tcp(where, err);
	} else if (cfg->socket_path && *cfg->socket_path) {
		where = cfg->socket_path;
		fd = cli_connect_unix(where, err);
	} else {
		return gz_fail(err, GZ_EINVAL,
			       "no daemon address: give --index, "
			       "--connect or --socket");
	}
	if (fd < 0)
		return GZ_ENETWORK;
	while (off < len) {
		n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = gz_fail(err, GZ_EIO, "cannot send to %s: %s",
				     where, strerror(errno));
			close(fd);
			return rc;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	buf_init(&b, CLI_MAX_REPLY);
	while (!nl) {
		n = recv(fd, chunk, sizeof chunk, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = gz_fail(err,
				     errno == EAGAIN ? GZ_ETIMEOUT : GZ_EIO,
				     "no reply from %s: %s", where,
				     errno == EAGAIN ? "timed out"
						     : strerror(errno));
			break;
		}
		if (n == 0) {
			rc = gz_fail(err, GZ_EIO,
				     "%s closed the connection "
				     "without a reply",
				     where);
			break;
		}
		if (buf_add(&b, chunk, (size_t)n) != GZ_OK) {
			rc = gz_fail(err, GZ_ETOOBIG, "reply from %s too large",
				     where);
			break;
		}
		nl = memchr(b.ptr, '\n', b.len);
	}
	close(fd);
	if (rc != GZ_OK) {
		buf_release(&b);
		return rc;
	}
	buf_truncate(&b, (size_t)(nl - b.ptr));
	*reply = buf_detach(&b, NULL);
	if (!*reply)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	return GZ_OK;
}

/* ------------------------------------------------------------ output */

/* Append the UTF-8 encoding of code point cp to b. */
static void cli_put_utf8(struct buf *b, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (cp >> 18)));
		buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/*
** Decode one HTML character reference at s ("&amp;", "&#39;", "&#x27;")
** into b; returns the bytes consumed, or 0 when s is not one.
*/
static size_t cli_entity(const char *s, struct buf *b)
{
	static const struct {
		const char *name;
		const char *text;
	} named[] = {
		{ "&amp;", "&" },   { "&lt;", "<" },   { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&apos;", "'" }, { "&nbsp;", " " },
	};
	unsigned long cp = 0;
	size_t i, n;
	int hex;

	for (i = 0; i < sizeof named / sizeof named[0]; i++) {
		n = strlen(named[i].name);
		if (strncmp(s, named[i].name, n) == 0) {
			buf_adds(b, named[i].text);
			return n;
		}
	}
	if (s[1] != '#')
		return 0;
	hex = s[2] == 'x' || s[2] == 'X';
	for (i = hex ? 3 : 2; i < 12; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			cp = cp * (hex ? 16 : 10) + (unsigned long)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			cp = cp * 16 + (unsigned long)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			cp = cp * 16 + (unsigned long)(c - 'A' + 10);
		else
			break;
	}
	if (s[i] != ';' || i == (size_t)(hex ? 3 : 2))
		return 0;
	cli_put_utf8(b, cp);
	return i + 1;
}

/*
** Write text for a terminal or a pipe: control characters become spaces
** (stored text must not drive the terminal).  With html, <mark> becomes
** bold (color) or nothing, and character references are decoded.
*/
static void cli_print_text(const char *s, int html, int color)
{
	struct buf b;
	size_t n;

	if (!s)
		return;
	buf_init(&b, (size_t)-1 / 2);
	while (*s) {
		unsigned char c = (unsigned char)*s;

		if (html && strncmp(s, "<mark>", 6) == 0) {
			if (color)
				buf_adds(&b, "\033[1m");
			s += 6;
		} else if (html && strncmp(s, "</mark>", 7) == 0) {
			if (color)
				buf_adds(&b, "\033[0m");
			s += 7;
		} else if (html && c == '&' && (n = cli_entity(s, &b)) > 0) {
			s += n;
		} else {
			buf_addc(&b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
			s++;
		}
	}
	fputs(b.ptr, stdout);
	buf_release(&b);
}

/* The string member key of JSON object o, or NULL. */
static const char *cli_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Print one hit in the readable form. */
static void cli_print_hit(json_t *h, int color)
{
	const char *title = cli_str(h, "title");
	const char *source = cli_str(h, "source");
	const char *section = cli_str(h, "section");
	const char *published = cli_str(h, "published");
	const char *url = cli_str(h, "url");
	const char *snippet = cli_str(h, "snippet");
	json_int_t collapsed =
		json_integer_value(json_object_get(h, "collapsed"));
	struct gz_time t;
	char when[64] = "";
	int sep = 0;

	printf("%2lld. ",
	       (long long)json_integer_value(json_object_get(h, "rank")));
	if (color)
		fputs("\033[1m", stdout);
	cli_print_text(title && *title ? title : "(untitled)", 0, 0);
	if (color)
		fputs("\033[0m", stdout);
	fputs("\n    ", stdout);
	if (published && gz_time_parse_iso(published, &t) == GZ_OK)
		gz_time_human(&t, when, sizeof when);
	if (source && *source) {
		cli_print_text(source, 0, 0);
		sep = 1;
	}
	if (*when) {
		printf("%s%s", sep ? " \xc2\xb7 " : "", when);
		sep = 1;
	}
	if (section && *section) {
		fputs(sep ? " \xc2\xb7 " : "", stdout);
		cli_print_text(section, 0, 0);
	}
	if (collapsed > 0)
		printf("%s(+%lld similar)", sep ? " " : "",
		       (long long)collapsed);
	fputs("\n", stdout);
	if (url) {
		fputs("    ", stdout);
		cli_print_text(url, 0, 0);
		fputs("\n", stdout);
	}
	if (snippet && *snippet) {
		fputs("    ", stdout);
		cli_print_text(snippet, 1, color);
		fputs("\n", stdout);
	}
	fputs("\n", stdout);
}

/* Print the facet counts of a reply. */
static void cli_print_facets(json_t *facets)
{
	const char *name;
	json_t *list, *pair;
	size_t i;

	json_object_foreach(facets, name, list)
	{
		printf("%s:", name);
		json_array_foreach(list, i, pair)
		{
			printf("%s ", i ? "," : "");
			cli_print_text(
				json_string_value(json_array_get(pair, 0)), 0,
				0);
			printf(" (%lld)",
			       (long long)json_integer_value(
				       json_array_get(pair, 1)));
		}
		fputs("\n", stdout);
	}
}

/* Columns of the terminal on stdout, or $COLUMNS, or 80. */
static int cli_columns(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	long v;

	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	if (env && parse_int(env, 20, 1000, &v) == 0)
		return (int)v;
	return 80;
}

/* One bar of the timeline. */
struct cli_bar {
	int year, month; /* month 0 for a whole year */
	long long count; /* articles */
};

/*
** Read facet pairs ["YYYY" or "YYYY-MM", count] into bars, filling the
** periods between the first and the last with zero.  Returns the number
** of bars (at most max), 0 when there is nothing to draw.
*/
static size_t cli_bars(json_t *pairs, int by_month, struct cli_bar *bars,
		       size_t max)
{
	int y0 = 0, m0 = 0, y1 = 0, m1 = 0, y, m;
	size_t i, n = 0;
	json_t *pair;

	json_array_foreach(pairs, i, pair)
	{
		const char *v = json_string_value(json_array_get(pair, 0));
		long yy, mm = 1;

		if (!v || strlen(v) < 4)
			continue;
		char ybuf[5] = { v[0], v[1], v[2], v[3], 0 };

		if (parse_int(ybuf, 1, 9999, &yy) < 0)
			continue;
		if (by_month &&
		    (strlen(v) != 7 || parse_int(v + 5, 1, 12, &mm) < 0))
			continue;
		if (n == 0 || yy * 12 + mm < y0 * 12 + m0) {
			y0 = (int)yy;
			m0 = (int)mm;
		}
		if (n == 0 || yy * 12 + mm > y1 * 12 + m1) {
			y1 = (int)yy;
			m1 = (int)mm;
		}
		n++;
	}
	if (n == 0)
		return 0;
	n = 0;
	for (y = y0, m = m0; n < max && y * 12 + m <= y1 * 12 + m1;) {
		bars[n].year = y;
		bars[n].month = by_month ? m : 0;
		bars[n].count = 0;
		n++;
		if (by_month && ++m > 12) {
			m = 1;
			y++;
		} else if (!by_month) {
			y++;
		}
	}
	json_array_foreach(pairs, i, pair)
	{
		const char *v = json_string_value(json_array_get(pair, 0));
		long long c = json_integer_value(json_array_get(pair, 1));
		size_t k;

		if (!v)
			continue;
		for (k = 0; k < n; k++) {
			char label[16];

			if (by_month)
				snprintf(label, sizeof label, "%04d-%02d",
					 bars[k].year, bars[k].month);
			else
				snprintf(label, sizeof label, "%04d",
					 bars[k].year);
			if (strcmp(label, v) == 0) {
				bars[k].count = c;
				break;
			}
		}
	}
	return n;
}

/*
** Draw the month facet (the year facet when the months span more than
** CLI_TIMELINE_MONTHS) as horizontal bars: Unicode blocks on a terminal,
** '#' when piped.
*/
static void cli_print_timeline(json_t *facets, int fancy)
{
	static const char *eighths[] = { "",
					 "\xe2\x96\x8f",
					 "\xe2\x96\x8e",
					 "\xe2\x96\x8d",
					 "\xe2\x96\x8c",
					 "\xe2\x96\x8b",
					 "\xe2\x96\x8a",
					 "\xe2\x96\x89" };
	struct cli_bar *bars = calloc(CLI_MAX_TIMELINE, sizeof *bars);
	long long top = 0;
	size_t n, i;
	int width, by_month = 1, cw;
	char num[32];

	if (!bars)
		return;
	n = cli_bars(json_object_get(facets, "month"), 1, bars,
		     CLI_MAX_TIMELINE);
	if (n > CLI_TIMELINE_MONTHS && json_object_get(facets, "year")) {
		by_month = 0;
		n = cli_bars(json_object_get(facets, "year"), 0, bars,
			     CLI_MAX_TIMELINE);
	}
	if (n == 0) {
		fputs("Timeline: no dated articles\n", stdout);
		free(bars);
		return;
	}
	for (i = 0; i < n; i++)
		if (bars[i].count > top)
			top = bars[i].count;
	cw = snprintf(num, sizeof num, "%lld", top);
	width = cli_columns() - (by_month ? 7 : 4) - 2 - cw - 1;
	if (width < 10)
		width = 10;
	printf("Timeline (articles per %s):\n", by_month ? "month" : "year");
	for (i = 0; i < n; i++) {
		/* Length in eighths of a column, at least one for a non-zero count. */
		long long e = top ? bars[i].count * width * 8 / top : 0;
		long long k;

		if (bars[i].count > 0 && e == 0)
			e = 1;
		if (by_month)
			printf("%04d-%02d ", bars[i].year, bars[i].month);
		else
			printf("%04d ", bars[i].year);
		printf("%*lld ", cw, bars[i].count);
		if (fancy) {
			for (k = 0; k < e / 8; k++)
				fputs("\xe2\x96\x88", stdout);
			fputs(eighths[e % 8], stdout);
		} else {
			for (k = 0; k < (e + 7) / 8; k++)
				putchar('#');
		}
		putchar('\n');
	}
	free(bars);
}

/*
** Show a search reply line and return the exit status: the line itself
** with --json, else the readable form.  An error reply goes to stderr.
*/
static int cli_show_search(const struct cli_opts *o, const char *line)
{
	json_error_t jerr;
	json_t *r, *e, *hits, *total;
	size_t i, n;
	long long est;
	int rc;

	r = json_loads(line, 0, &jerr);
	if (!r || !json_is_object(r)) {
		fprintf(stderr, PROG ": search failed: malformed reply: %s\n",
			r ? "not an object" : jerr.text);
		json_decref(r);
		return CLI_EXIT_ERROR;
	}
	e = json_object_get(r, "error");
	if (e) {
		if (o->json)
			printf("%s\n", line);
		fprintf(stderr, PROG ": search failed: %s (%s)\n",
			cli_str(e, "message") ? cli_str(e, "message") : "?",
			cli_str(e, "code") ? cli_str(e, "code") : "?");
		json_decref(r);
		return CLI_EXIT_ERROR;
	}
	hits = json_object_get(r, "hits");
	n = json_array_size(hits);
	rc = n > 0 ? CLI_EXIT_HITS : CLI_EXIT_NONE;
	if (o->json) {
		printf("%s\n", line);
		json_decref(r);
		return rc;
	}
	total = json_object_get(r, "total");
	est = (long long)json_integer_value(json_object_get(total, "estimate"));
	printf("%s%lld result%s (%.1f ms)\n",
	       json_integer_value(json_object_get(total, "lower")) != est
		       ? "About "
		       : "",
	       est, est == 1 ? "" : "s",
	       json_number_value(json_object_get(r, "took_ms")));
	if (json_is_true(json_object_get(r, "partial"))) {
		json_t *m = json_object_get(r, "missing");
		size_t k;

		fputs(PROG ": warning: partial results; shards not answering:",
		      stderr);
		for (k = 0; k < json_array_size(m); k++)
			fprintf(stderr, " %s",
				json_string_value(json_array_get(m, k))
					? json_string_value(
						  json_array_get(m, k))
					: "?");
		fputs("\n", stderr);
	}
	if (cli_str(r, "suggestion")) {
		fputs("Did you mean: ", stdout);
		cli_print_text(cli_str(r, "suggestion"), 0, 0);
		fputs("\n", stdout);
	}
	fputs("\n", stdout);
	for (i = 0; i < n; i++)
		cli_print_hit(json_array_get(hits, i), o->color);
	if (o->timeline) {
		cli_print_timeline(json_object_get(r, "facets"), o->color);
		json_object_del(json_object_get(r, "facets"), "month");
		json_object_del(json_object_get(r, "facets"), "year");
	}
	if (json_object_size(json_object_get(r, "facets")) > 0)
		cli_print_facets(json_object_get(r, "facets"));
	/* Counts only (--limit 0): matches decide the status. */
	if (o->counts_only && n == 0 && est > 0)
		rc = CLI_EXIT_HITS;
	json_decref(r);
	return rc;
}

/* Show a stats reply line; the exit status. */
static int cli_show_stats(const struct cli_opts *o, const char *line)
{
	json_t *r = json_loads(line, 0, NULL), *e;

	if (!r || !json_is_object(r)) {
		fprintf(stderr, PROG ": stats failed: malformed reply\n");
		json_decref(r);
		return CLI_EXIT_ERROR;
	}
	e = json_object_get(r, "error");
	if (e) {
		fprintf(stderr, PROG ": stats failed: %s (%s)\n",
			cli_str(e, "message") ? cli_str(e, "message") : "?",
			cli_str(e, "code") ? cli_str(e, "code") : "?");
		json_decref(r);
		return CLI_EXIT_ERROR;
	}
	if (o->json) {
		printf("%s\n", line);
	} else {
		printf("documents: %lld\nrevision: %lld\n",
		       (long long)json_integer_value(
			       json_object_get(r, "documents")),
		       (long long)json_integer_value(
			       json_object_get(r, "revision")));
		if (cli_str(r, "last_update"))
			printf("last update: %s (%lld s ago)\n",
			       cli_str(r, "last_update"),
			       (long long)json_integer_value(json_object_get(
				       r, "last_update_age_s")));
		if (json_object_get(r, "last_run")) {
			json_t *lr = json_object_get(r, "last_run");

			fputs("last run: ", stdout);
			if (cli_str(lr, "summary")) {
				cli_print_text(cli_str(lr, "summary"), 0, 0);
			} else {
				char *t = json_dumps(lr, JSON_COMPACT);

				cli_print_text(t, 0, 0);
				free(t);
			}
			fputs("\n", stdout);
		}
		if (json_object_get(r, "uptime_s"))
			printf("uptime: %lld s\n",
			       (long long)json_integer_value(
				       json_object_get(r, "uptime_s")));
		if (cli_str(r, "index")) {
			fputs("index: ", stdout);
			cli_print_text(cli_str(r, "index"), 0, 0);
			fputs("\n", stdout);
		}
	}
	json_decref(r);
	return CLI_EXIT_HITS;
}

/* ------------------------------------------------------------ requests */

/* Serialise req as a protocol request line (malloc'd, with "\n"); NULL on ENOMEM. */
static char *cli_request_line(const struct search_request *req)
{
	static const char *sorts[] = { "relevance", "date", "-date" };
	json_t *o = json_object(), *f;
	char *s, *line = NULL;
	size_t n;
	int k;

	if (!o)
		return NULL;
	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	if (req->cmd == SEARCH_CMD_STATS) {
		json_object_set_new(o, "cmd", json_string("stats"));
	} else {
		if (req->q)
			json_object_set_new(o, "q", json_string(req->q));
		if (req->source)
			json_object_set_new(o, "source",
					    json_string(req->source));
		if (req->section)
			json_object_set_new(o, "section",
					    json_string(req->section));
		if (req->from)
			json_object_set_new(o, "from", json_string(req->from));
		if (req->to)
			json_object_set_new(o, "to", json_string(req->to));
		if (req->lang)
			json_object_set_new(o, "lang", json_string(req->lang));
		if (req->like)
			json_object_set_new(o, "like", json_string(req->like));
		if (!req->collapse)
			json_object_set_new(o, "collapse", json_false());
		json_object_set_new(o, "sort", json_string(sorts[req->sort]));
		json_object_set_new(o, "offset", json_integer(req->offset));
		json_object_set_new(o, "limit", json_integer(req->limit));
		if (req->facets) {
			f = json_array();
			for (k = 0; k < SEARCH_N_FACETS; k++)
				if (req->facets & SEARCH_FACET_BIT(k))
					json_array_append_new(
						f,
						json_string(
							search_facet_name(k)));
			json_object_set_new(o, "facets", f);
		}
	}
	if (req->token)
		json_object_set_new(o, "token", json_string(req->token));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

/*
** Answer req in process on the index at dir (a directory or a stub file,
** with cfg's shard options), as the daemon would; the reply line
** (malloc'd) in *reply.  GZ_OK unless the index cannot be
** opened or memory runs out (a failed search is an error reply).
*/
static int cli_local(const char *dir, const struct gz_config *cfg,
		     const struct search_request *req, char **reply, char *err)
{
	struct searcher_options so;
	struct searcher *se = NULL;
	struct search_result res;
	struct search_stats st;
	char serr[GZ_ERRLEN] = "";
	int rc;

	*reply = NULL;
	so.shard_timeout_ms =
		cfg->shard_timeout_ms > 0 ? (unsigned)cfg->shard_timeout_ms : 0;
	so.shard_partial = cfg->shard_failure &&
		strcmp(cfg->shard_failure, "partial") == 0;
	rc = searcher_open_with(dir, &so, &se, err);
	if (rc != GZ_OK)
		return rc;
	if (req->cmd == SEARCH_CMD_STATS) {
		rc = searcher_stats(se, &st, serr);
		*reply = rc == GZ_OK ? proto_reply_stats(&st, dir, 0, NULL)
				     : proto_reply_error(rc, serr, NULL);
		search_stats_free(&st);
	} else {
		rc = search_run(se, req, &res, serr);
		*reply = rc == GZ_OK ? proto_reply_result(req, &res)
				     : proto_reply_error(rc, serr, NULL);
		search_result_free(&res);
	}
	searcher_close(se);
	return *reply ? GZ_OK : gz_fail(err, GZ_ENOMEM, "out of memory");
}

/* Duplicate s into *dst; exits on allocation failure (a CLI may). */
static void cli_set(char **dst, const char *s)
{
	free(*dst);
	*dst = strdup(s);
	if (!*dst) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(CLI_EXIT_ERROR);
	}
}

/*
** Load the configuration: defaults, then the file (a missing default file
** is fine).  GZ_OK or an error in err.
*/
static int cli_load_config(struct gz_config *cfg, const char *explicit_path,
			   char *err)
{
	const char *path = config_path(explicit_path);
	const char *env = getenv("GAZETTE_CONFIG");
	struct stat st;
	int rc = config_defaults(cfg, err);

	if (rc != GZ_OK)
		return rc;
	if (!explicit_path && !(env && *env) && stat(path, &st) != 0 &&
	    errno == ENOENT)
		return GZ_OK;
	return config_load(cfg, path, err);
}

/* gazette search / gazette stats.  Returns the exit status. */
static int cli_command(int argc, char **argv, enum search_cmd cmd)
{
	enum {
		O_SOURCE = 256,
		O_SECTION,
		O_FROM,
		O_TO,
		O_SORT,
		O_FACETS,
		O_LIKE,
		O_JSON,
		O_TIMELINE,
		O_LANG,
		O_NO_COLLAPSE
	};
	static const struct option longopts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "connect", required_argument, NULL, 'C' },
		{ "socket", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ "page", required_argument, NULL, 'p' },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "section", required_argument, NULL, O_SECTION },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "sort", required_argument, NULL, O_SORT },
		{ "facets", no_argument, NULL, O_FACETS },
		{ "like", required_argument, NULL, O_LIKE },
		{ "json", no_argument, NULL, O_JSON },
		{ "timeline", no_argument, NULL, O_TIMELINE },
		{ "lang", required_argument, NULL, O_LANG },
		{ "no-collapse", no_argument, NULL, O_NO_COLLAPSE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o;
	struct search_request req;
	struct gz_config cfg;
	struct buf q;
	char err[GZ_ERRLEN] = "", bound[16];
	char *line = NULL, *reply = NULL;
	long page = 1, v;
	int ch, i, rc, status;

	memset(&o, 0, sizeof o);
	search_request_init(&req);
	req.cmd = cmd;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:C:S:c:n:p:h", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'i': o.index = optarg; break;
		case 'C': o.connect = optarg; break;
		case 'S': o.socket = optarg; break;
		case 'c': o.config = optarg; break;
		case 'n':
			if (parse_int(optarg, 0, GZ_MAX_LIMIT, &v) < 0) {
				fprintf(stderr,
					PROG ": --limit: expected 0..%d, "
					     "got '%s'\n",
					GZ_MAX_LIMIT, optarg);
				goto usage_error;
			}
			req.limit = (unsigned)v;
			o.limit_given = 1;
			break;
		case 'p':
			if (parse_int(optarg, 1, GZ_MAX_RESULTS, &page) < 0) {
				fprintf(stderr,
					PROG ": --page: expected a page "
					     "number, got '%s'\n",
					optarg);
				goto usage_error;
			}
			break;
		case O_SOURCE: cli_set(&req.source, optarg); break;
		case O_SECTION: cli_set(&req.section, optarg); break;
		case O_FROM:
		case O_TO:
			if (search_date_bound(optarg, ch == O_TO, bound,
					      sizeof bound) < 0) {
				fprintf(stderr,
					PROG ": --%s: expected a date "
					     "YYYY[-MM[-DD]], got '%s'\n",
					ch == O_TO ? "to" : "from", optarg);
				goto usage_error;
			}
			cli_set(ch == O_TO ? &req.to : &req.from, optarg);
			break;
		case O_SORT:
			if (strcmp(optarg, "relevance") == 0)
				req.sort = SEARCH_SORT_RELEVANCE;
			else if (strcmp(optarg, "date") == 0)
				req.sort = SEARCH_SORT_DATE;
			else if (strcmp(optarg, "-date") == 0)
				req.sort = SEARCH_SORT_DATE_DESC;
			else {
				fprintf(stderr,
					PROG
					": --sort: expected "
					"relevance, date or -date, got '%s'\n",
					optarg);
				goto usage_error;
			}
			break;
		case O_FACETS: req.facets = (1u << SEARCH_N_FACETS) - 1; break;
		case O_LIKE: cli_set(&req.like, optarg); break;
		case O_JSON: o.json = 1; break;
		case O_TIMELINE: o.timeline = 1; break;
		case O_LANG: cli_set(&req.lang, optarg); break;
		case O_NO_COLLAPSE: req.collapse = 0; break;
		case 'h':
			usage(stdout);
			search_request_free(&req);
			return 0;
		default: goto usage_error;
		}
	}
	if ((o.index != NULL) + (o.connect != NULL) + (o.socket != NULL) > 1) {
		fprintf(stderr,
			PROG ": give only one of --index, --connect, "
			     "--socket\n");
		goto usage_error;
	}
	if (cmd == SEARCH_CMD_SEARCH) {
		buf_init(&q, GZ_MAX_REQUEST_LINE / 2);
		for (i = optind; i < argc; i++)
			if ((i > optind && buf_addc(&q, ' ') != GZ_OK) ||
			    buf_adds(&q, argv[i]) != GZ_OK) {
				fprintf(stderr, PROG ": query too long\n");
				buf_release(&q);
				goto usage_error;
			}
		if (q.len == 0 && !req.source && !req.section && !req.from &&
		    !req.to && !req.like && !req.lang && !o.timeline) {
			buf_release(&q);
			fprintf(stderr, PROG ": search: no query given\n");
			goto usage_error;
		}
		req.q = buf_detach(&q, NULL);
		if (!req.q) {
			fprintf(stderr, PROG ": out of memory\n");
			search_request_free(&req);
			return CLI_EXIT_ERROR;
		}
		if ((unsigned long)(page - 1) * req.limit + req.limit >
		    GZ_MAX_RESULTS) {
			fprintf(stderr,
				PROG ": --page: only the first %d "
				     "results can be paged through\n",
				GZ_MAX_RESULTS);
			goto usage_error;
		}
		req.offset = (unsigned)(page - 1) * req.limit;
		if (o.timeline) {
			req.facets |= SEARCH_FACET_BIT(SEARCH_FACET_MONTH) |
				SEARCH_FACET_BIT(SEARCH_FACET_YEAR);
			if (!o.limit_given)
				req.limit = 0;
		}
		o.counts_only = req.limit == 0;
	} else if (optind < argc) {
		fprintf(stderr, PROG ": stats: unexpected argument '%s'\n",
			argv[optind]);
		goto usage_error;
	}
	o.color =
		!o.json && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;

	rc = cli_load_config(&cfg, o.config, err);
	if (rc != GZ_OK) {
		fprintf(stderr, PROG ": %s\n", err);
		config_free(&cfg);
		search_request_free(&req);
		return CLI_EXIT_ERROR;
	}
	if (o.index) {
		rc = cli_local(o.index, &cfg, &req, &reply, err);
	} else {
		if (cfg.token && *cfg.token)
			cli_set(&req.token, cfg.token);
		line = cli_request_line(&req);
		rc = line ? cli_exchange(&o, &cfg, line, &reply, err)
			  : gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	if (rc != GZ_OK) {
		fprintf(stderr, PROG ": %s\n", err);
		status = CLI_EXIT_ERROR;
	} else if (cmd == SEARCH_CMD_STATS) {
		status = cli_show_stats(&o, reply);
	} else {
		status = cli_show_search(&o, reply);
	}
	free(line);
	free(reply);
	config_free(&cfg);
	search_request_free(&req);
	if (fflush(stdout) != 0 && status != CLI_EXIT_ERROR) {
		fprintf(stderr, PROG ": cannot write output: %s\n",
			strerror(errno));
		status = CLI_EXIT_ERROR;
	}
	return status;

usage_error:
	search_request_free(&req);
	fprintf(stderr,
		"usage: " PROG " %s [OPTIONS]%s (see " PROG " --help)\n",
		cmd == SEARCH_CMD_STATS ? "stats" : "search",
		cmd == SEARCH_CMD_STATS ? "" : " QUERY...");
	return CLI_EXIT_ERROR;
}

/* Dispatch on the subcommand; exit status 0 hits, 1 none, 2 error. */
int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf(PROG " %s (Xapian %s)\n", GZ_VERSION, xsh_version());
		return 0;
	}
	if (strcmp(argv[1], "search") == 0)
		return cli_command(argc - 1, argv + 1, SEARCH_CMD_SEARCH);
	if (strcmp(argv[1], "stats") == 0)
		return cli_command(argc - 1, argv + 1, SEARCH_CMD_STATS);
	fprintf(stderr,
		PROG ": unknown command '%s' (try search or stats; "
		     "see --help)\n",
		argv[1]);
	return CLI_EXIT_ERROR;
}
