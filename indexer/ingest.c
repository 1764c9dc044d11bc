/*
** ingest.c — bulk import: a reader thread, N extraction workers and one
** writer (the calling thread), joined by a bounded ring (see ingest.h).
**
** Every shared field of struct ingest lives under its one mutex.  The
** ring has INGEST_RING slots; slot seq % INGEST_RING holds item seq.
** Three cursors move forward through the sequence numbers:
**
**   head <= next <= tail
**   head  the next item the writer takes (items before it are done)
**   next  the next item a worker takes
**   tail  the next sequence number the reader assigns
**
** The reader waits while the ring is full or the raw bytes in flight
** would pass the budget; workers wait for next < tail; the writer waits
** for slot head to be done.  Items a worker has finished may complete out
** of order; the writer still takes them in order, so the index always
** receives the input's order.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "extract.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"
#include "hash.h"
#include "index.h"
#include "indexer_cmd.h"
#include "ingest.h"
#include "log.h"
#include "textpage.h"
#include "warc.h"
#include "xsh.h"

/* What the writer does with an item. */
enum item_kind {
	ITEM_HTML = 0, /* raw HTML to extract */
	ITEM_JSON,     /* one JSON line to parse */
	ITEM_BARRIER   /* commit everything before this item */
};

/* What a worker made of an item. */
enum item_outcome {
	OUT_PUT = 0, /* an article to put into the index */
	OUT_KNOWN,   /* recorded as indexed with these very bytes */
	OUT_SKIP,    /* not an article (why says so) */
	OUT_FAIL,    /* could not be read or parsed (msg says why) */
	OUT_BARRIER  /* a barrier: commit */
};

/* Where an item is in the pipeline. */
enum item_state {
	ST_FREE = 0, /* slot unused */
	ST_READY,    /* read, waiting for a worker */
	ST_BUSY,     /* a worker has it */
	ST_DONE      /* waiting for the writer */
};

/* One file, WARC record or JSON line in flight.  Strings are malloc'd. */
struct item {
	enum item_state state; /* see above */
	enum item_kind kind;   /* what it holds */
	char *where;           /* file name, with ":offset" for records */
	char *url;             /* URL to index it under (NULL for JSON) */
	char *data;            /* raw bytes, NUL-terminated; freed by the
				  * worker */
	size_t len;            /* bytes at data (counted in the budget) */
	enum item_outcome out; /* set by the worker */
	enum ingest_skip why;  /* for OUT_SKIP */
	char known_kind;       /* for OUT_KNOWN: the recorded kind */
	uint64_t raw_hash;     /* hash of the raw bytes */
	struct article a;      /* the extracted article, until it is built */
	struct index_built *built; /* for OUT_PUT: the ready document */
	char msg[GZ_ERRLEN];       /* for OUT_FAIL */
};

/* The whole run: shared state under mu, and what each stage owns. */
struct ingest {
	const struct ingest_opts *o; /* options (read-only) */
	int n_paths;                 /* inputs */
	char **paths;

	pthread_mutex_t mu;        /* guards everything below */
	pthread_cond_t cv_space;   /* reader: a slot or budget freed */
	pthread_cond_t cv_work;    /* workers: an item to take, or the end */
	pthread_cond_t cv_done;    /* writer: slot head done, or the end */
	struct item *ring;         /* INGEST_RING slots */
	uint64_t head, next, tail; /* cursors (see the top of the file) */
	size_t inflight;           /* raw bytes in the ring not yet freed */
	size_t budget;             /* limit on inflight */
	int reading_done;          /* the reader has pushed its last item */
	int quit;                  /* stop now (signal or index error) */
	unsigned long r_items;     /* items seen by the reader itself */
	unsigned long r_skipped[INGEST_SKIP_N]; /* skipped by the reader */
	unsigned long r_failed;                 /* failed in the reader */
	uint64_t r_bytes;                       /* raw bytes read */
	uint64_t total_bytes;                   /* input size, 0 when unknown */
	int total_ready;                        /* total_bytes is final */
};

/* ------------------------------------------------------------ helpers */

/* A malloc'd copy of s, or NULL. */
static char *ingest_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A malloc'd "path:offset" string, or NULL. */
static char *ingest_where(const char *path, uint64_t offset)
{
	char tmp[PATH_MAX + 32];

	snprintf(tmp, sizeof tmp, "%s:%llu", path, (unsigned long long)offset);
	return strdup(tmp);
}

const char *ingest_skip_name(enum ingest_skip why)
{
	switch (why) {
	case INGEST_SKIP_EXTENSION: return "extension";
	case INGEST_SKIP_CONTENT: return "not_html";
	case INGEST_SKIP_NOT_ARTICLE: return "not_article";
	case INGEST_SKIP_WARC_TYPE: return "warc_type";
	case INGEST_SKIP_WARC_STATUS: return "warc_status";
	case INGEST_SKIP_WARC_TYPE_MIME: return "warc_not_html";
	case INGEST_SKIP_OTHER: return "other";
	case INGEST_SKIP_N: break;
	}
	return "unknown";
}

/* Case-insensitive: does s end with suffix? */
static int ingest_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int ingest_ext_kind(const char *name)
{
	static const char *const html[] = { "html", "htm", "shtml", "xhtml",
					    "xht",  "php", "asp",   "aspx",
					    "jsp",  "cfm", NULL };
	static const char *const other[] = {
		"jpg",   "jpeg", "png",  "gif",  "webp", "svg", "ico",  "bmp",
		"tif",   "tiff", "avif", "css",  "js",   "mjs", "json", "xml",
		"rss",   "atom", "md",   "csv",  "tsv",  "pdf", "doc",  "docx",
		"xls",   "xlsx", "ppt",  "pptx", "odt",  "zip", "gz",   "tgz",
		"bz2",   "xz",   "zst",  "7z",   "rar",  "tar", "mp3",  "mp4",
		"m4a",   "avi",  "mov",  "webm", "ogg",  "wav", "flac", "woff",
		"woff2", "ttf",  "otf",  "eot",  "map",  "sql", "exe",  "bin",
		"dll",   "so",   "o",    "a",    "iso",  "swf", "psd",  NULL
	};
	const char *base = strrchr(name, '/');
	const char *dot;
	size_t i;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (!dot || dot == base || !dot[1])
		return -1;
	dot++;
	for (i = 0; html[i]; i++)
		if (strcasecmp(dot, html[i]) == 0)
			return 1;
	for (i = 0; other[i]; i++)
		if (strcasecmp(dot, other[i]) == 0)
			return 0;
	return -1;
}

/* Case-insensitive search for needle in hay[0..n). */
static int ingest_has(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(hay + i, needle, k) == 0)
			return 1;
	return 0;
}

int ingest_sniff_html(const char *data, size_t len)
{
	static const char *const marks[] = { "<!doctype html",
					     "<html",
					     "<head",
					     "<body",
					     "<title",
					     "<meta",
					     "<article",
					     "<div",
					     "<p>",
					     "<p ",
					     "<h1",
					     "<!--",
					     NULL };
	size_t n = len < 4096 ? len : 4096, i;

	if (memchr(data, '\0', n))
		return 0;
	if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		n -= 3;
	}
	while (n &&
	       (*data == ' ' || *data == '\t' || *data == '\r' ||
		*data == '\n')) {
		data++;
		n--;
	}
	if (n == 0 || data[0] != '<')
		return 0;
	for (i = 0; marks[i]; i++)
		if (ingest_has(data, n, marks[i]))
			return 1;
	return 0;
}

int ingest_mime_html(const char *ct)
{
	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	if (!ct || !*ct)
		return 0;
	return strncasecmp(ct, "text/html", 9) == 0 ||
		strncasecmp(ct, "application/xhtml+xml", 21) == 0;
}

int ingest_join_url(const char *prefix, const char *rel, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	const unsigned char *p;

	if (n == 0)
		return -1;
	for (p = (const unsigned char *)prefix; *p; p++) {
		if (k + 1 >= n)
			goto toolong;
		out[k++] = (char)*p;
	}
	for (p = (const unsigned char *)rel; *p; p++) {
		int safe = (*p >= 'a' && *p <= 'z') ||
			(*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			strchr("/-._~!$&'()*+,;=:@", *p);

		if (safe) {
			if (k + 1 >= n)
				goto toolong;
			out[k++] = (char)*p;
		} else {
			if (k + 3 >= n)
				goto toolong;
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	}
	out[k] = '\0';
	return 0;
toolong:
	out[0] = '\0';
	return -1;
}

void ingest_src_value(uint64_t raw_hash, char kind, const char *url, char *out,
		      size_t n)
{
	char hex[17];

	gz_hash_hex(raw_hash, hex);
	snprintf(out, n, "%s %c %s", hex, kind, url);
}

/* ------------------------------------------------------------ reader */

/* Count a skip or failure found by the reader. */
static void reader_count(struct ingest *g, int failed, enum ingest_skip why,
			 uint64_t bytes)
{
	pthread_mutex_lock(&g->mu);
	g->r_items++;
	if (failed)
		g->r_failed++;
	else
		g->r_skipped[why]++;
	g->r_bytes += bytes;
	pthread_mutex_unlock(&g->mu);
}

/* Free what an item owns and mark its slot free (caller holds mu or owns it). */
static void item_clear(struct item *it)
{
	free(it->where);
	free(it->url);
	free(it->data);
	article_free(&it->a);
	index_built_free(it->built);
	memset(it, 0, sizeof *it);
}

/*
** Hand one item to the workers: where, url and data (all malloc'd) move
** into the ring.  Waits for room.  Returns 0, or -1 when the run is
** quitting (what was given is then freed).
*/
static int reader_push(struct ingest *g, enum item_kind kind, char *where,
		       char *url, char *data, size_t len)
{
	struct item *it;

	pthread_mutex_lock(&g->mu);
	while (!g->quit &&
	       (g->tail - g->head >= INGEST_RING ||
		(g->inflight > 0 && g->inflight + len > g->budget)))
		pthread_cond_wait(&g->cv_space, &g->mu);
	if (g->quit) {
		pthread_mutex_unlock(&g->mu);
		free(where);
		free(url);
		free(data);
		return -1;
	}
	it = &g->ring[g->tail % INGEST_RING];
	memset(it, 0, sizeof *it);
	article_init(&it->a);
	it->state = ST_READY;
	it->kind = kind;
	it->where = where;
	it->url = url;
	it->data = data;
	it->len = len;
	g->inflight += len;
	g->r_bytes += len;
	g->tail++;
	pthread_cond_signal(&g->cv_work);
	pthread_mutex_unlock(&g->mu);
	return 0;
}

/* Is the run quitting?  (Reader and workers poll it.) */
static int ingest_quitting(struct ingest *g)
{
	int q;

	pthread_mutex_lock(&g->mu);
	q = g->quit;
	pthread_mutex_unlock(&g->mu);
	return q;
}

/*
** Read standard input whole into a malloc'd buffer, polling the quit flag
** so that a signal stops a reader waiting on a terminal or a pipe.
** Returns GZ_OK with *out and *len, GZ_ETOOBIG, GZ_EIO, GZ_ENOMEM, or
** GZ_EINTERNAL when quitting.
*/
static int reader_stdin(struct ingest *g, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *p = malloc(cap + 1);

	if (!p)
		return GZ_ENOMEM;
	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		ssize_t r;
		int pr = poll(&pfd, 1, 200);

		if (ingest_quitting(g)) {
			free(p);
			return GZ_EINTERNAL;
		}
		if (pr < 0 && errno != EINTR) {
			free(p);
			return GZ_EIO;
		}
		if (pr <= 0)
			continue;
		if (n == cap) {
			char *q;

			if (cap >= GZ_MAX_PAGE_BYTES) {
				free(p);
				return GZ_ETOOBIG;
			}
			cap *= 2;
			q = realloc(p, cap + 1);
			if (!q) {
				free(p);
				return GZ_ENOMEM;
			}
			p = q;
		}
		r = read(STDIN_FILENO, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(p);
			return GZ_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return GZ_OK;
}

/*
** Read a regular file whole (at most GZ_MAX_PAGE_BYTES) into a malloc'd,
** NUL-terminated buffer.  GZ_OK, GZ_EIO (errno in *eno), GZ_ETOOBIG,
** GZ_ENOMEM.
*/
static int reader_file(const char *path, char **out, size_t *len, int *eno)
{
	struct stat st;
	size_t cap, n = 0;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*eno = 0;
	if (fd < 0) {
		*eno = errno;
		return GZ_EIO;
	}
	if (fstat(fd, &st) < 0) {
		*eno = errno;
		close(fd);
		return GZ_EIO;
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)GZ_MAX_PAGE_BYTES) {
		close(fd);
		return GZ_ETOOBIG;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size : 65536;
	p = malloc(cap + 1);
	if (!p) {
		close(fd);
		return GZ_ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *q;

			if (cap >= GZ_MAX_PAGE_BYTES) {
				char probe;

				r = read(fd, &probe, 1);
				if (r == 0)
					break;
				free(p);
				close(fd);
				return GZ_ETOOBIG;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > GZ_MAX_PAGE_BYTES)
				cap = GZ_MAX_PAGE_BYTES;
			q = realloc(p, cap + 1);
			if (!q) {
				free(p);
				close(fd);
				return GZ_ENOMEM;
			}
			p = q;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*eno = errno;
			free(p);
			close(fd);
			return GZ_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = '\0';
	*out = p;
	*len = n;
	return GZ_OK;
}

/* Walk state of one directory argument. */
struct walk {
	const char *root;        /* the directory argument as given */
	char root_abs[PATH_MAX]; /* its absolute path, for file:// URLs */
};

/* The URL of a file: --url, --url-prefix + rel, or file:// (malloc'd). */
static char *reader_url(struct ingest *g, const char *path, const char *rel,
			const struct walk *wk)
{
	char buf[GZ_MAX_URL_LEN + PATH_MAX + 16];

	if (g->o->url)
		return strdup(g->o->url);
	if (g->o->url_prefix) {
		if (ingest_join_url(g->o->url_prefix, rel, buf, sizeof buf) < 0)
			return NULL;
		return strdup(buf);
	}
	if (wk)
		snprintf(buf, sizeof buf, "file://%s/%s", wk->root_abs, rel);
	else
		cmd_file_url(path, buf, sizeof buf);
	return strdup(buf);
}

/* Does this file name say WARC? */
static int ingest_is_warc(const char *name)
{
	return ingest_ends_with(name, ".warc") ||
		ingest_ends_with(name, ".warc.gz");
}

static int reader_warc(struct ingest *g, const char *path);
static int reader_jsonl(struct ingest *g, const char *path);

/*
** Replace *data (*len bytes, malloc'd) by the HTML of the plain-text
** article it holds (textpage.h).  GZ_OK, or the error (*data unchanged).
*/
static int reader_text_page(char **data, size_t *len)
{
	struct buf h;
	int rc;

	buf_init(&h, GZ_MAX_PAGE_BYTES);
	rc = textpage_to_html(*data, *len, &h);
	if (rc) {
		buf_release(&h);
		return rc;
	}
	free(*data);
	*data = buf_detach(&h, len);
	return *data ? GZ_OK : GZ_ENOMEM;
}

/*
** One HTML (or plain-text, *.txt) candidate file: path to read, rel its
** name below the walked directory (or its base name), wk the walk (NULL
** for an argument).  explicit: named on the command line (the extension
** does not exclude it).  Returns 0, or -1 when quitting.
*/
static int reader_html(struct ingest *g, const char *path, const char *rel,
		       const struct walk *wk, int explicit)
{
	char *data = NULL, *url, *where;
	size_t len = 0;
	int eno, rc, ext = ingest_ext_kind(path), text = textpage_name(path);

	if (!explicit && ext == 0 && !text) {
		reader_count(g, 0, INGEST_SKIP_EXTENSION, 0);
		log_debug("file=\"%s\" msg=\"skipped: not HTML by its name\"",
			  path);
		return 0;
	}
	if (strcmp(path, "-") == 0) {
		/* Commit what is before, then wait on standard input. */
		if (reader_push(g, ITEM_BARRIER, NULL, NULL, NULL, 0) < 0)
			return -1;
		rc = reader_stdin(g, &data, &len);
		eno = 0;
	} else {
		rc = reader_file(path, &data, &len, &eno);
	}
	if (rc == GZ_EINTERNAL)
		return -1;
	if (rc) {
		log_warn("file=\"%s\" msg=\"%s\"", path,
			 rc == GZ_ETOOBIG ? "larger than the page size limit"
				 : rc == GZ_EIO && eno ? strerror(eno)
						       : gz_strerror(rc));
		reader_count(g, 1, 0, 0);
		return 0;
	}
	if (text && len > 0 && !memchr(data, '\0', len < 4096 ? len : 4096)) {
		rc = reader_text_page(&data, &len);
		if (rc) {
			log_warn("file=\"%s\" msg=\"%s\"", path,
				 rc == GZ_ETOOBIG
					 ? "larger than the page size limit"
					 : gz_strerror(rc));
			free(data);
			reader_count(g, 1, 0, 0);
			return 0;
		}
	} else if (len == 0 || !ingest_sniff_html(data, len)) {
		if (ext != 1 || len == 0 ||
		    memchr(data, '\0', len < 4096 ? len : 4096)) {
			log_info("file=\"%s\" msg=\"skipped: %s\"", path,
				 len ? "does not look like HTML" : "empty");
			reader_count(g, 0,
				     len ? INGEST_SKIP_CONTENT
					 : INGEST_SKIP_OTHER,
				     len);
			free(data);
			return 0;
		}
	}
	url = reader_url(g, path, rel, wk);
	where = strdup(path);
	if (!url || !where) {
		log_warn("file=\"%s\" msg=\"no URL (too long, or out of "
			 "memory)\"",
			 path);
		free(url);
		free(where);
		free(data);
		reader_count(g, 1, 0, len);
		return 0;
	}
	return reader_push(g, ITEM_HTML, where, url, data, len);
}

/* Name comparison for qsort: byte order, for a stable walk order. */
static int ingest_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
** Walk directory dir (rel: its path below the root, "" at the root),
** in name order.  Returns 0, or -1 when quitting.
*/
static int reader_walk(struct ingest *g, const struct walk *wk, const char *dir,
		       const char *rel, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > INGEST_MAX_DEPTH) {
		log_warn("dir=\"%s\" msg=\"deeper than %d levels: not "
			 "followed\"",
			 dir, INGEST_MAX_DEPTH);
		reader_count(g, 1, 0, 0);
		return 0;
	}
	d = opendir(dir);
	if (!d) {
		log_warn("dir=\"%s\" msg=\"%s\"", dir, strerror(errno));
		reader_count(g, 1, 0, 0);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **q;

			cap = cap ? cap * 2 : 64;
			q = realloc(names, cap * sizeof *names);
			if (!q)
				break;
			names = q;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, ingest_name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		char path[PATH_MAX], sub[PATH_MAX];
		struct stat st;

		if (ingest_quitting(g)) {
			rc = -1;
			break;
		}
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
				     names[i]) >= sizeof path ||
		    (size_t)snprintf(sub, sizeof sub, "%s%s%s", rel,
				     *rel ? "/" : "", names[i]) >= sizeof sub) {
			log_warn("dir=\"%s\" msg=\"path too long: %s\"", dir,
				 names[i]);
			reader_count(g, 1, 0, 0);
			continue;
		}
		if (lstat(path, &st) < 0) {
			log_warn("file=\"%s\" msg=\"%s\"", path,
				 strerror(errno));
			reader_count(g, 1, 0, 0);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			/* Follow links to files, never to directories (no loops). */
			if (stat(path, &st) < 0) {
				log_warn("file=\"%s\" msg=\"%s\"", path,
					 strerror(errno));
				reader_count(g, 1, 0, 0);
				continue;
			}
			if (S_ISDIR(st.st_mode)) {
				reader_count(g, 0, INGEST_SKIP_OTHER, 0);
				continue;
			}
		}
		if (S_ISDIR(st.st_mode))
			rc = reader_walk(g, wk, path, sub, depth + 1);
		else if (!S_ISREG(st.st_mode))
			reader_count(g, 0, INGEST_SKIP_OTHER, 0);
		else if (g->o->jsonl)
			rc = reader_jsonl(g, path);
		else if (ingest_is_warc(path))
			rc = reader_warc(g, path);
		else
			rc = reader_html(g, path, sub, wk, 0);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
** One WARC file: response records with status 200 and an HTML payload
** become items; everything else is counted.  Returns 0, or -1 when
** quitting.
*/
static int reader_warc(struct ingest *g, const char *path)
{
	struct warc_reader *r = NULL;
	struct warc_record rec;
	char err[GZ_ERRLEN];
	uint64_t last = 0;
	int rc;

	rc = warc_reader_open(path, &r, err);
	if (rc) {
		log_warn("file=\"%s\" msg=\"%s\"", path, err);
		reader_count(g, 1, 0, 0);
		return 0;
	}
	for (;;) {
		uint64_t pos;
		const char *ct;
		char *data, *where, *url;

		if (ingest_quitting(g)) {
			warc_reader_close(r);
			return -1;
		}
		rc = warc_reader_next(r, &rec, err);
		pos = warc_reader_file_offset(r);
		pthread_mutex_lock(&g->mu);
		g->r_bytes += pos - last;
		pthread_mutex_unlock(&g->mu);
		last = pos;
		if (rc == WARC_EOF)
			break;
		if (rc == GZ_EPARSE) {
			log_warn("file=\"%s\" msg=\"malformed or truncated "
				 "record: %s\"",
				 path, err);
			reader_count(g, 1, 0, 0);
			continue;
		}
		if (rc) {
			log_warn("file=\"%s\" msg=\"%s\"", path, err);
			reader_count(g, 1, 0, 0);
			break;
		}
		if (rec.type != WARC_TYPE_RESPONSE) {
			reader_count(g, 0, INGEST_SKIP_WARC_TYPE, 0);
			continue;
		}
		if (rec.flags &
			    (WARC_REC_OVERSIZED | WARC_REC_HTTP_BAD |
			     WARC_REC_PAYLOAD_TRUNCATED | WARC_REC_UNDECODED) ||
		    !(rec.flags & WARC_REC_HTTP)) {
			log_warn(
				"file=\"%s\" offset=%llu url=\"%s\" msg=\"%s\"",
				path, (unsigned long long)rec.offset,
				rec.target_uri,
				rec.flags & WARC_REC_OVERSIZED
					? "record too large"
					: rec.flags & WARC_REC_PAYLOAD_TRUNCATED
					? "payload truncated"
					: rec.flags & WARC_REC_UNDECODED
					? "payload cannot be decoded"
					: "HTTP head does not parse");
			reader_count(g, 1, 0, 0);
			continue;
		}
		if (rec.http.status != 200) {
			reader_count(g, 0, INGEST_SKIP_WARC_STATUS, 0);
			continue;
		}
		ct = rec.http.content_type;
		if (ct && *ct ? !ingest_mime_html(ct)
			      : !ingest_sniff_html(rec.payload,
						   rec.payload_len)) {
			reader_count(g, 0, INGEST_SKIP_WARC_TYPE_MIME, 0);
			continue;
		}
		if (!rec.target_uri[0]) {
			log_warn("file=\"%s\" offset=%llu msg=\"response "
				 "without a "
				 "target URI\"",
				 path, (unsigned long long)rec.offset);
			reader_count(g, 1, 0, 0);
			continue;
		}
		data = malloc(rec.payload_len + 1);
		where = ingest_where(path, rec.offset);
		url = strdup(rec.target_uri);
		if (!data || !where || !url) {
			free(data);
			free(where);
			free(url);
			log_warn("file=\"%s\" msg=\"out of memory\"", path);
			reader_count(g, 1, 0, 0);
			continue;
		}
		memcpy(data, rec.payload, rec.payload_len);
		data[rec.payload_len] = '\0';
		pthread_mutex_lock(&g->mu);
		g->r_bytes -= rec.payload_len; /* counted by file offset */
		pthread_mutex_unlock(&g->mu);
		if (reader_push(g, ITEM_HTML, where, url, data,
				rec.payload_len) < 0) {
			warc_reader_close(r);
			return -1;
		}
	}
	warc_reader_close(r);
	return 0;
}

/*
** One file of JSON lines (or "-"): each non-blank line is one article
** record, as article_to_json writes it.  Returns 0, or -1 when quitting.
*/
static int reader_jsonl(struct ingest *g, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0, n = 0;
	uint64_t lineno = 0;
	int c, too_long = 0, rc = 0;

	if (!f) {
		log_warn("file=\"%s\" msg=\"%s\"", path, strerror(errno));
		reader_count(g, 1, 0, 0);
		return 0;
	}
	for (;;) {
		c = getc_unlocked(f);
		if (c != EOF && c != '\n') {
			if (too_long)
				continue;
			if (n + 1 >= cap) {
				char *q;

				if (cap >= INGEST_MAX_JSONL) {
					too_long = 1;
					continue;
				}
				cap = cap ? cap * 2 : 4096;
				q = realloc(line, cap);
				if (!q) {
					too_long = 1;
					continue;
				}
				line = q;
			}
			line[n++] = (char)c;
			continue;
		}
		if (c == EOF && n == 0 && !too_long)
			break;
		lineno++;
		if (too_long) {
			log_warn("file=\"%s\" line=%llu msg=\"line too long or "
				 "out of "
				 "memory\"",
				 path, (unsigned long long)lineno);
			reader_count(g, 1, 0, 0);
		} else if (n > 0) {
			char *data = malloc(n + 1), *where;
			char tmp[PATH_MAX + 32];

			snprintf(tmp, sizeof tmp, "%s:%llu", path,
				 (unsigned long long)lineno);
			where = strdup(tmp);
			if (!data || !where) {
				free(data);
				free(where);
				reader_count(g, 1, 0, n);
			} else {
				memcpy(data, line, n);
				data[n] = '\0';
				if (reader_push(g, ITEM_JSON, where, NULL, data,
						n) < 0) {
					rc = -1;
					break;
				}
			}
		}
		n = 0;
		too_long = 0;
		if (c == EOF)
			break;
		if ((lineno & 1023) == 0 && ingest_quitting(g)) {
			rc = -1;
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Sum of the sizes of what a path holds (directories walked), for the ETA. */
static uint64_t reader_size(const char *path, int depth)
{
	struct stat st;
	uint64_t total = 0;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (depth > INGEST_MAX_DEPTH || !(d = opendir(path)))
		return 0;
	while ((de = readdir(d)) != NULL) {
		char sub[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path,
				     de->d_name) < sizeof sub)
			total += reader_size(sub, depth + 1);
	}
	closedir(d);
	return total;
}

/* The reader thread: every input in order, then the end mark. */
static void *reader_main(void *arg)
{
	struct ingest *g = arg;
	int i, rc = 0;

	if (g->o->progress) {
		uint64_t total = 0;

		for (i = 0; i < g->n_paths; i++)
			if (strcmp(g->paths[i], "-") != 0)
				total += reader_size(g->paths[i], 0);
		pthread_mutex_lock(&g->mu);
		g->total_bytes = total;
		g->total_ready = 1;
		pthread_mutex_unlock(&g->mu);
	}
	for (i = 0; i < g->n_paths && rc == 0; i++) {
		const char *p = g->paths[i];
		struct stat st;

		if (strcmp(p, "-") == 0) {
			if (g->o->jsonl) {
				if (reader_push(g, ITEM_BARRIER, NULL, NULL,
						NULL, 0) < 0)
					rc = -1;
				else
					rc = reader_jsonl(g, p);
			} else {
				rc = reader_html(g, p, "-", NULL, 1);
			}
			continue;
		}
		if (stat(p, &st) < 0) {
			log_warn("file=\"%s\" msg=\"%s\"", p, strerror(errno));
			reader_count(g, 1, 0, 0);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct walk wk;

			wk.root = p;
			if (!realpath(p, wk.root_abs))
				snprintf(wk.root_abs, sizeof wk.root_abs, "%s",
					 p);
			rc = reader_walk(g, &wk, p, "", 0);
		} else if (g->o->jsonl) {
			rc = reader_jsonl(g, p);
		} else if (ingest_is_warc(p)) {
			rc = reader_warc(g, p);
		} else {
			const char *base = strrchr(p, '/');

			rc = reader_html(g, p, base ? base + 1 : p, NULL, 1);
		}
	}
	pthread_mutex_lock(&g->mu);
	g->reading_done = 1;
	pthread_cond_broadcast(&g->cv_work);
	pthread_cond_broadcast(&g->cv_done);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* ------------------------------------------------------------ workers */

/*
** Look up the record of url: set *kind to its kind letter when it says
** these very bytes (raw) were imported, else 0.
*/
static void worker_known(struct xsh_db *db, const char *url, uint64_t raw,
			 char *kind)
{
	char key[80], want[GZ_MAX_URL_LEN + 32];
	char *val = NULL;
	size_t len = 0;
	int rc;

	*kind = 0;
	if (!db || !url)
		return;
	index_url_key(INGEST_META_PREFIX, url, key, sizeof key);
	rc = xsh_db_get_metadata(db, key, &val, &len, NULL);
	if (rc == GZ_EAGAIN && xsh_db_reopen(db, NULL, NULL) == GZ_OK) {
		/* The writer's commits overtook this handle's revision. */
		free(val);
		val = NULL;
		rc = xsh_db_get_metadata(db, key, &val, &len, NULL);
	}
	if (rc != GZ_OK) {
		free(val);
		return;
	}
	ingest_src_value(raw, 'a', url, want, sizeof want);
	if (len == strlen(want) && len > 18 && memcmp(val, want, 17) == 0 &&
	    strcmp(val + 18, want + 18) == 0)
		*kind = val[17];
	free(val);
}

/*
** Make an OUT_PUT item's article into a ready document with the worker's
** builder b (term generation happens here, on every core, not in the
** writer), then free the article.  A document that cannot be built is
** OUT_FAIL.
*/
static void worker_build(struct index_builder *b, struct item *it)
{
	int rc;

	if (it->out != OUT_PUT)
		return;
	rc = index_build(b, &it->a, &it->built, it->msg);
	if (rc)
		it->out = OUT_FAIL;
	article_free(&it->a);
	article_init(&it->a);
}

/* Process one item (outside the lock): fill its outcome. */
static void worker_process(struct ingest *g, struct xsh_db *db, struct item *it)
{
	struct extract_opts eo;
	enum page_kind kind;
	int rc;

	if (it->kind == ITEM_BARRIER) {
		it->out = OUT_BARRIER;
		return;
	}
	it->raw_hash = gz_hash64(it->data, it->len, 0);
	if (it->kind == ITEM_JSON) {
		rc = article_from_json(it->data, it->len, &it->a, it->msg);
		if (rc) {
			it->out = OUT_FAIL;
			return;
		}
		if (!article_key_url(&it->a)) {
			snprintf(it->msg, sizeof it->msg, "record has no url");
			it->out = OUT_FAIL;
			return;
		}
		it->url = ingest_strdup(it->a.url ? it->a.url
						  : article_key_url(&it->a));
		if (!g->o->force)
			worker_known(db, it->url, it->raw_hash,
				     &it->known_kind);
		it->out = it->known_kind ? OUT_KNOWN : OUT_PUT;
		return;
	}
	if (!g->o->force)
		worker_known(db, it->url, it->raw_hash, &it->known_kind);
	if (it->known_kind) {
		it->out = OUT_KNOWN;
		return;
	}
	memset(&eo, 0, sizeof eo);
	eo.url = it->url;
	rc = extract_html(it->data, it->len, &eo, &it->a, &kind, it->msg);
	if (rc) {
		it->out = OUT_FAIL;
	} else if (kind != PAGE_ARTICLE) {
		it->out = OUT_SKIP;
		it->why = INGEST_SKIP_NOT_ARTICLE;
	} else {
		it->out = OUT_PUT;
	}
}

/* Per-worker start data. */
struct worker_arg {
	struct ingest *g; /* the run */
};

/* A worker thread: take items in order, process them, mark them done. */
static void *worker_main(void *arg)
{
	struct ingest *g = ((struct worker_arg *)arg)->g;
	struct xsh_db *db = NULL;
	struct index_builder *b = NULL;

	if (!g->o->force && g->o->index_path &&
	    xsh_db_open(g->o->index_path, &db, NULL) != GZ_OK)
		db = NULL;
	/* Without a builder the writer builds (index_put), as before. */
	if (index_builder_new(&b, NULL) != GZ_OK)
		b = NULL;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		struct item *it;
		size_t len;

		while (!g->quit && g->next == g->tail && !g->reading_done)
			pthread_cond_wait(&g->cv_work, &g->mu);
		if (g->quit || g->next == g->tail)
			break;
		it = &g->ring[g->next % INGEST_RING];
		g->next++;
		it->state = ST_BUSY;
		pthread_mutex_unlock(&g->mu);

		worker_process(g, db, it);
		if (b)
			worker_build(b, it);
		len = it->len;
		free(it->data);
		it->data = NULL;

		pthread_mutex_lock(&g->mu);
		it->state = ST_DONE;
		g->inflight -= len;
		pthread_cond_signal(&g->cv_space);
		pthread_cond_signal(&g->cv_done);
	}
	pthread_mutex_unlock(&g->mu);
	index_builder_free(b);
	xsh_db_close(db);
	return NULL;
}

/* ------------------------------------------------------------ writer */

/* Writer-side state. */
struct writer {
	struct index_writer *w;  /* the index */
	struct ingest_stats *st; /* counters the writer owns */
	unsigned since_commit;   /* documents staged since the last commit */
	double t0;               /* start time */
	double last_draw;        /* when progress was last drawn */
	int drawn;               /* a progress line is on the screen */
};

/* Commit; count it.  GZ_OK or the index error (message in err). */
static int writer_commit(struct writer *wr, char *err)
{
	int rc = index_commit(wr->w, err);

	if (rc == GZ_OK) {
		wr->st->commits++;
		wr->since_commit = 0;
	}
	return rc;
}

/* Record that url's raw bytes were imported, as kind.  Index errors out. */
static int writer_record(struct writer *wr, const struct item *it, char kind,
			 char *err)
{
	char key[80], val[GZ_MAX_URL_LEN + 32];
	const char *url = it->url;

	if (!url || strlen(url) > GZ_MAX_URL_LEN)
		return GZ_OK;
	index_url_key(INGEST_META_PREFIX, url, key, sizeof key);
	ingest_src_value(it->raw_hash, kind, url, val, sizeof val);
	return index_set_meta(wr->w, key, val, err);
}

/*
** Put one done item into the index.  GZ_OK (item counted), or an index
** error that stops the run (message in err).
*/
static int writer_take(struct ingest *g, struct writer *wr, struct item *it,
		       char *err)
{
	struct ingest_stats *st = wr->st;
	enum index_put_result res;
	char perr[GZ_ERRLEN];
	int rc;

	if (it->out != OUT_BARRIER)
		st->items++;
	switch (it->out) {
	case OUT_BARRIER: return writer_commit(wr, err);
	case OUT_FAIL:
		log_warn("file=\"%s\" msg=\"%s\"", it->where, it->msg);
		st->failed++;
		return GZ_OK;
	case OUT_KNOWN:
		st->known++;
		if (it->known_kind == 'n') {
			st->skipped++;
			st->why[INGEST_SKIP_NOT_ARTICLE]++;
		} else if (it->known_kind == 'd') {
			st->duplicates++;
		} else {
			st->unchanged++;
		}
		return GZ_OK;
	case OUT_SKIP:
		log_info("file=\"%s\" msg=\"not an article, skipped\"",
			 it->where);
		st->skipped++;
		st->why[it->why]++;
		return writer_record(wr, it, 'n', err);
	case OUT_PUT: break;
	}
	if (it->built)
		rc = index_put_built(wr->w, it->built, &res, perr);
	else
		rc = index_put(wr->w, &it->a, &res, perr);
	if (rc == GZ_EINVAL) {
		log_warn("file=\"%s\" msg=\"%s\"", it->where, perr);
		st->failed++;
		return GZ_OK;
	}
	if (rc) {
		snprintf(err, GZ_ERRLEN, "%s", perr);
		return rc;
	}
	switch (res) {
	case INDEX_NEW:
		st->added++;
		wr->since_commit++;
		break;
	case INDEX_UPDATED:
		st->updated++;
		wr->since_commit++;
		break;
	case INDEX_UNCHANGED: st->unchanged++; break;
	case INDEX_DUPLICATE: st->duplicates++; break;
	}
	rc = writer_record(wr, it, res == INDEX_DUPLICATE ? 'd' : 'a', err);
	if (rc == GZ_OK && wr->since_commit >= g->o->commit_every)
		rc = writer_commit(wr, err);
	return rc;
}

/* Draw the progress line (writer thread; reads reader counters under mu). */
static void writer_progress(struct ingest *g, struct writer *wr, int final)
{
	const struct ingest_stats *st = wr->st;
	uint64_t bytes, total;
	unsigned long items;
	double now = gz_mono_ms() / 1000.0, el, rate, mbs;
	char eta[32] = "", pct[16] = "";
	int i;

	if (!g->o->progress || (!final && now - wr->last_draw < 0.5))
		return;
	wr->last_draw = now;
	pthread_mutex_lock(&g->mu);
	bytes = g->r_bytes;
	total = g->total_ready ? g->total_bytes : 0;
	items = g->r_items;
	pthread_mutex_unlock(&g->mu);
	items += st->items;
	el = now - wr->t0;
	rate = el > 0 ? (double)items / el : 0;
	mbs = el > 0 ? (double)bytes / 1e6 / el : 0;
	if (total && bytes > 0 && bytes <= total && !final) {
		double left = el * (double)(total - bytes) / (double)bytes;

		i = (int)left;
		snprintf(eta, sizeof eta, "  ETA %d:%02d:%02d", i / 3600,
			 i / 60 % 60, i % 60);
	}
	if (total)
		snprintf(pct, sizeof pct, " (%.0f%%)",
			 100.0 * (double)bytes / (double)total);
	fprintf(stderr,
		"\r%lu items  %lu new  %.1f MB%s  %.0f items/s  "
		"%.1f MB/s%s\033[K",
		items, st->added, (double)bytes / 1e6, pct, rate, mbs, eta);
	if (final)
		fputc('\n', stderr);
	wr->drawn = 1;
}

/* Wait on cv until woken or 200 ms pass (caller holds mu). */
static void ingest_timedwait(pthread_cond_t *cv, pthread_mutex_t *mu)
{
	struct timespec ts;

	gz_mono_after(200, &ts);
	pthread_cond_timedwait(cv, mu, &ts);
}

/* Tell every thread to stop (they finish the item they hold). */
static void ingest_set_quit(struct ingest *g)
{
	pthread_mutex_lock(&g->mu);
	g->quit = 1;
	pthread_cond_broadcast(&g->cv_space);
	pthread_cond_broadcast(&g->cv_work);
	pthread_cond_broadcast(&g->cv_done);
	pthread_mutex_unlock(&g->mu);
}

/*
** The writer loop (calling thread): items in order until the end, a stop
** signal or an index error.  GZ_OK or the index error.
*/
static int writer_loop(struct ingest *g, struct writer *wr, char *err)
{
	int rc = GZ_OK;

	for (;;) {
		struct item *it;
		int sig = g->o->stop ? (int)*g->o->stop : 0;

		if (sig) {
			wr->st->stop_signal = sig;
			break;
		}
		writer_progress(g, wr, 0);
		pthread_mutex_lock(&g->mu);
		it = &g->ring[g->head % INGEST_RING];
		if (g->head == g->tail && g->reading_done) {
			pthread_mutex_unlock(&g->mu);
			break;
		}
		if (g->head == g->tail || it->state != ST_DONE) {
			ingest_timedwait(&g->cv_done, &g->mu);
			pthread_mutex_unlock(&g->mu);
			continue;
		}
		pthread_mutex_unlock(&g->mu);

		rc = writer_take(g, wr, it, err);

		pthread_mutex_lock(&g->mu);
		item_clear(it);
		g->head++;
		pthread_cond_signal(&g->cv_space);
		pthread_mutex_unlock(&g->mu);
		if (rc) {
			wr->st->index_error = 1;
			break;
		}
	}
	return rc;
}

/* The number of workers to start. */
static unsigned ingest_jobs(const struct ingest_opts *o)
{
	long n = o->jobs ? (long)o->jobs : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > INGEST_MAX_JOBS)
		n = INGEST_MAX_JOBS;
	return (unsigned)n;
}

int ingest_run(struct index_writer *w, const struct ingest_opts *o, int n,
	       char **paths, struct ingest_stats *st, char *err)
{
	struct ingest g;
	struct writer wr;
	struct worker_arg wa;
	pthread_t reader, workers[INGEST_MAX_JOBS];
	pthread_condattr_t ca;
	unsigned jobs = ingest_jobs(o), started = 0, i;
	int rc, reader_started;
	uint64_t s;

	memset(st, 0, sizeof *st);
	if (!w || !o || n < 1 || o->commit_every < 1)
		return gz_fail(err, GZ_EINVAL, "ingest_run: bad arguments");
	memset(&g, 0, sizeof g);
	g.o = o;
	g.n_paths = n;
	g.paths = paths;
	g.budget = o->budget ? o->budget : INGEST_DEFAULT_BUDGET;
	g.ring = calloc(INGEST_RING, sizeof *g.ring);
	if (!g.ring)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	pthread_mutex_init(&g.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g.cv_space, NULL);
	pthread_cond_init(&g.cv_work, NULL);
	pthread_cond_init(&g.cv_done, &ca);
	pthread_condattr_destroy(&ca);

	memset(&wr, 0, sizeof wr);
	wr.w = w;
	wr.st = st;
	wr.t0 = gz_mono_ms() / 1000.0;
	wa.g = &g;
	extract_global_init(); /* before the workers parse */
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&workers[i], NULL, worker_main, &wa) != 0)
			break;
		started++;
	}
	reader_started = started > 0 &&
		pthread_create(&reader, NULL, reader_main, &g) == 0;
	if (!reader_started) {
		rc = gz_fail(err, GZ_EINTERNAL, "cannot start threads");
		ingest_set_quit(&g);
	} else {
		rc = writer_loop(&g, &wr, err);
		ingest_set_quit(&g);
		pthread_join(reader, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(workers[i], NULL);
	for (s = g.head; s < g.tail; s++)
		item_clear(&g.ring[s % INGEST_RING]);
	if (rc == GZ_OK) {
		rc = writer_commit(&wr, err);
		if (rc)
			st->index_error = 1;
	}
	writer_progress(&g, &wr, 1);
	st->items += g.r_items;
	st->failed += g.r_failed;
	for (i = 0; i < INGEST_SKIP_N; i++) {
		st->why[i] += g.r_skipped[i];
		st->skipped += g.r_skipped[i];
	}
	st->bytes = g.r_bytes;
	st->seconds = gz_mono_ms() / 1000.0 - wr.t0;
	free(g.ring);
	pthread_cond_destroy(&g.cv_space);
	pthread_cond_destroy(&g.cv_work);
	pthread_cond_destroy(&g.cv_done);
	pthread_mutex_destroy(&g.mu);
	return rc;
}

void ingest_summary(const struct ingest_stats *st, char *out, size_t n)
{
	snprintf(out, n,
		 "files=%lu new=%lu updated=%lu unchanged=%lu duplicates=%lu "
		 "skipped=%lu failed=%lu mb=%.1f seconds=%.1f",
		 st->items, st->added, st->updated, st->unchanged,
		 st->duplicates, st->skipped, st->failed,
		 (double)st->bytes / 1e6, st->seconds);
}
