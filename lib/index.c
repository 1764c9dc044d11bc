/*
** index.c — articles into the index (see index.h and schema.h).
**
** An article becomes a document in two steps:
**
**   index_build (any thread, one builder each): the key URL gives the
**      unique id term; the content hash and the SimHash are computed; the
**      document is built: stored data (the article's JSON), value slots,
**      boolean filter terms, and free text (title with extra weight and
**      also under S, description, body) through the builder's own term
**      generator, whose stemmer follows the article's language;
**   index_put_built (the writer's thread): when a document with that id
**      already holds the same content hash, nothing is written; a new key
**      whose content hash another document holds is an exact duplicate
**      (the gazette.hash.* metadata maps a hash to its document) and
**      writes nothing; otherwise the collapse key comes from the SimHash
**      clusters kept in the gazette.nd.* buckets (schema.h), the words go
**      to the spelling table, and replace_document by the id term makes
**      re-indexing idempotent.
**
** Sharded indexes (schema.h, docs/sharding.md): the writer holds the meta
** database (the lock, all metadata) and opens shards as documents reach
** them.  A document's shard comes from its publication date or host; the
** gazette.loc.* map in meta says where each key's document is, so that a
** document whose date changed is deleted from its old shard when it is
** written to its new one.  In a single-database index the one database is
** both "meta" and the only shard.
**
** The crawler's per-URL state is serialised into gazette.url.* metadata
** here too, so that everything commits at once.  Documents become visible
** and durable at index_commit.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>

#include "buf.h"
#include "gz_limits.h"
#include "hash.h"
#include "index.h"
#include "log.h"
#include "record.h"
#include "schema.h"
#include "simhash.h"
#include "xsh.h"

#define TITLE_WDF 3 /* weight of a title word relative to a body word */

/*
** What feeds the spelling table (query-side "did you mean"), measured in
** bench/RESULTS.md: 2 every unprefixed word of the document (what Xapian's
** TermGenerator FLAG_SPELLING does), 1 title words only, 0 none.  Title
** words cost a quarter of the indexing time less than every word and
** still give corrections for the words headlines use (names, places,
** topics); a misspelt word found only in bodies gets no suggestion.
*/
#ifndef INDEX_SPELLING
#define INDEX_SPELLING 1
#endif

/*
** Shard writer threads (sharded layouts): 1 gives every open shard a
** thread of its own that owns its database's writes (replace, delete,
** spelling, commit), so that several shards are written and flushed on
** several cores at once; 0 writes them all from the caller's thread.
*/
#ifndef INDEX_SHARD_THREADS
#define INDEX_SHARD_THREADS 1
#endif

/* Operations queued to one shard's writer thread, at most. */
#define SHARD_QUEUE 64

/*
** Documents the run map remembers (see struct index_writer), at most; past
** that it is emptied and lookups go to the databases (slower, as correct).
*/
#define INDEX_RUN_MAP_MAX (4u * 1024 * 1024)

/* The shard layouts. */
enum index_layout_kind {
	LAYOUT_NONE = 0, /* one database */
	LAYOUT_YEAR,     /* one shard per publication year */
	LAYOUT_MONTH,    /* one shard per publication month */
	LAYOUT_HOST,     /* shard_count shards by a hash of the host */
	LAYOUT_ID        /* shard_count shards by a hash of the key URL */
};

/* What a shard's writer thread does with one queued operation. */
enum shard_op_kind {
	OP_REPLACE = 0, /* replace_document by idterm, then spelling */
	OP_DELETE,      /* delete the document holding idterm */
	OP_COMMIT       /* commit the shard */
};

/* One queued operation: idterm and doc are owned by the queue. */
struct shard_op {
	enum shard_op_kind kind;
	char *idterm;        /* malloc'd, or NULL for OP_COMMIT */
	struct xsh_doc *doc; /* OP_REPLACE: the document, else NULL */
};

/*
** One shard the writer knows (on disk, or created by this run).
**
** With a writer thread (threaded), the thread applies the queued
** operations to wdb; the writer's own thread touches wdb only after
** shard_quiesce has seen the queue empty and the thread idle, and before
** it queues the next operation (it is the only one that queues), so the
** two never use the database at once.  mu guards q, q_head, q_n, busy,
** quit, rc and err.
*/
struct index_shard {
	char name[32];       /* its directory below the index path; "" single */
	struct xsh_wdb *wdb; /* open for writing, or NULL until needed */
	int dirty;           /* written to since the last commit */
	int fresh;           /* empty when opened: every document in it was
			      * written by this run and is in the run map */
	int threaded;        /* th is running */
	pthread_t th;        /* the shard's writer thread */
	pthread_mutex_t mu;
	pthread_cond_t cv_op;   /* the thread: an operation, or quit */
	pthread_cond_t cv_idle; /* the writer: room in q, or q drained */
	struct shard_op q[SHARD_QUEUE]; /* ring of pending operations */
	unsigned q_head, q_n;
	int busy;            /* the thread is applying an operation */
	int quit;            /* the thread is to stop once q is empty */
	int rc;              /* first error of the thread (sticky), or GZ_OK */
	char err[GZ_ERRLEN]; /* its message */
};

/*
** The run map (sharded writers with threads): for every document this
** writer put or marked since it was opened, its id term, the shard that
** now holds it, its content hash and whether it is marked gone.  The
** writer thread alone reads and writes it, so it needs no lock; it lets
** index_put_built decide new / updated / unchanged / duplicate without
** waiting for the shard threads (whose databases it may not read while
** they write).  A lookup that misses goes to the databases, except for
** fresh shards, which hold nothing the map does not list.
*/
struct run_entry {
	char *idterm;              /* malloc'd; NULL for an empty slot */
	struct index_shard *where; /* the shard holding the document */
	char hash[17];             /* its content hash */
	int gone;                  /* it is marked gone */
};

/* Per-thread building state. */
struct index_builder {
	struct xsh_tg *tg; /* term generator (no database: no spelling) */
};

/* One article made into a document (index_build). */
struct index_built {
	struct xsh_doc *doc;                /* the document */
	char *key;                          /* key URL (malloc'd) */
	char idterm[GZ_MAX_TERM_BYTES + 1]; /* unique id term */
	char hash[17];                      /* content hash */
	uint64_t simhash;                   /* SimHash, 0 when no words */
	struct gz_time published;           /* for the shard of a date layout */
};

struct index_writer {
	char *path;                    /* the index path (malloc'd) */
	int flags;                     /* INDEX_* */
	enum index_layout_kind layout; /* how documents are split */
	unsigned count;                /* shards of LAYOUT_HOST */
	struct xsh_wdb *meta;          /* metadata, crawl state, the lock; the
				      * whole index when not sharded */
	struct index_shard single;     /* LAYOUT_NONE: the one database (wdb is
				      * meta, not owned twice) */
	struct index_shard **shards;   /* sharded: n_shards known shards, sorted
				      * by name, each malloc'd */
	size_t n_shards;
	size_t cap_shards;
	struct index_builder *b; /* the writer's own builder */
	int threads;             /* shards get writer threads */
	struct run_entry *map;   /* the run map, map_cap slots (power of 2) */
	size_t map_cap, map_n;
};

static const char *const layout_names[] = { "none", "year", "month", "host",
					    "id" };

/* The layout named s (NULL means none); -1 when unknown. */
static int layout_parse(const char *s)
{
	size_t i;

	if (!s || !*s)
		return LAYOUT_NONE;
	for (i = 0; i < sizeof layout_names / sizeof layout_names[0]; i++)
		if (strcmp(s, layout_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *index_layout(const struct index_writer *w, unsigned *count)
{
	if (count)
		*count = w ? w->count : 0;
	return w ? layout_names[w->layout] : "none";
}

/* Decimal digits of v (at least 1). */
static int index_digits(unsigned v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

void index_shard_name(const char *shard_by, unsigned count,
		      const struct gz_time *t, const char *key_url, char *out,
		      size_t n)
{
	int layout = layout_parse(shard_by);
	char host[256];
	unsigned h = 0;
	int width;

	if (n == 0)
		return;
	out[0] = '\0';
	if (layout == LAYOUT_YEAR || layout == LAYOUT_MONTH) {
		if (!t || !gz_time_valid(t) || t->year < 1 || t->year > 9999)
			snprintf(out, n, "%s", SHARD_UNDATED);
		else if (layout == LAYOUT_YEAR)
			snprintf(out, n, "%04d", t->year);
		else
			snprintf(out, n, "%04d-%02d", t->year, t->month);
	} else if (layout == LAYOUT_HOST || layout == LAYOUT_ID) {
		if (count < 1)
			count = 1;
		if (layout == LAYOUT_ID && key_url)
			h = (unsigned)(gz_hash64(key_url, strlen(key_url), 0) %
				       count);
		else if (key_url &&
			 schema_host(key_url, host, sizeof host) == 0)
			h = (unsigned)(gz_hash64(host, strlen(host), 0) %
				       count);
		width = index_digits(count - 1);
		if (width < 2)
			width = 2;
		if (width > 6)
			width = 6;
		snprintf(out, n, "%s%0*u",
			 layout == LAYOUT_ID ? SHARD_PART_PREFIX
					     : SHARD_HOST_PREFIX,
			 width, h % 1000000u);
	}
}

/* 1 when name is one a shard directory can have (any layout). */
static int shard_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (strcmp(s, SHARD_UNDATED) == 0)
		return 1;
	if (strncmp(s, SHARD_HOST_PREFIX, strlen(SHARD_HOST_PREFIX)) == 0 ||
	    strncmp(s, SHARD_PART_PREFIX, strlen(SHARD_PART_PREFIX)) == 0) {
		s += strlen(SHARD_HOST_PREFIX); /* both are 5 bytes */
		n = strlen(s);
		if (n < 1 || n > 6)
			return 0;
		for (i = 0; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				return 0;
		return 1;
	}
	if (n != 4 && n != 7)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 4) {
			if (s[i] != '-')
				return 0;
		} else if (s[i] < '0' || s[i] > '9') {
			return 0;
		}
	}
	return 1;
}

/* path + "/" + name into out (size n); -1 when it does not fit. */
static int index_join(const char *path, const char *name, char *out, size_t n)
{
	return (size_t)snprintf(out, n, "%s/%s", path, name) < n ? 0 : -1;
}

/* The shard called name among the known ones, or NULL. */
static struct index_shard *shard_find(struct index_writer *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n_shards; i++)
		if (strcmp(w->shards[i]->name, name) == 0)
			return w->shards[i];
	return NULL;
}

/* Add name to the known shards (kept sorted).  The new entry, or NULL (ENOMEM). */
static struct index_shard *shard_add(struct index_writer *w, const char *name)
{
	struct index_shard *s;
	size_t i;

	if (w->n_shards == w->cap_shards) {
		size_t cap = w->cap_shards ? 2 * w->cap_shards : 16;
		struct index_shard **p = realloc(w->shards, cap * sizeof *p);

		if (!p)
			return NULL;
		w->shards = p;
		w->cap_shards = cap;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	snprintf(s->name, sizeof s->name, "%s", name);
	for (i = w->n_shards; i > 0 && strcmp(w->shards[i - 1]->name, name) > 0;
	     i--)
		w->shards[i] = w->shards[i - 1];
	w->shards[i] = s;
	w->n_shards++;
	return s;
}

/*
** Write the stub file listing meta and every known shard, atomically
** (a temporary file renamed over it).  GZ_OK or GZ_EIO.
*/
static int stub_write(struct index_writer *w, char *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	FILE *f;
	size_t i;
	int bad;

	if (index_join(w->path, SHARD_STUB, path, sizeof path) < 0 ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return gz_fail(err, GZ_EINVAL, "%s: path too long", w->path);
	f = fopen(tmp, "w");
	if (!f)
		return gz_fail(err, GZ_EIO, "%s: %s", tmp, strerror(errno));
	fprintf(f, "auto %s\n", SHARD_META);
	for (i = 0; i < w->n_shards; i++)
		fprintf(f, "auto %s\n", w->shards[i]->name);
	bad = fflush(f) != 0 ||
		(!(w->flags & INDEX_NO_SYNC) && fsync(fileno(f)) != 0);
	if (fclose(f) != 0)
		bad = 1;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return gz_fail(err, GZ_EIO, "%s: %s", path, strerror(errno));
	}
	return GZ_OK;
}

/* Set gazette.schema (checking an existing one) on a database. */
static int index_check_schema(struct xsh_wdb *db, const char *path, char *err)
{
	char *schema = NULL;
	int rc = xsh_wdb_get_metadata(db, META_SCHEMA, &schema, NULL, err);

	if (rc)
		return rc;
	if (!*schema) {
		rc = xsh_wdb_set_metadata(db, META_SCHEMA, SCHEMA_VERSION,
					  strlen(SCHEMA_VERSION), err);
		if (!rc)
			rc = xsh_wdb_set_metadata(db, META_STEM, "some", 4,
						  err);
	} else if (strcmp(schema, SCHEMA_VERSION) != 0) {
		rc = gz_fail(err, GZ_EOPEN,
			     "%s: index schema %s, this program writes %s",
			     path, schema, SCHEMA_VERSION);
	}
	free(schema);
	return rc;
}

/* The flags for xsh_wdb_open of w's databases. */
static int index_wdb_flags(const struct index_writer *w)
{
	return XSH_WDB_CREATE |
		((w->flags & INDEX_NO_SYNC) ? XSH_WDB_NO_SYNC : 0);
}

/* ------------------------------------------------------ shard threads */

/* Free what one queued operation owns. */
static void shard_op_free(struct shard_op *op)
{
	free(op->idterm);
	xsh_doc_free(op->doc);
	memset(op, 0, sizeof *op);
}

/* Apply op to s->wdb (the shard's thread, or the writer's when unthreaded). */
static int shard_apply(struct index_shard *s, const struct shard_op *op,
		       char *err)
{
	int rc;

	switch (op->kind) {
	case OP_REPLACE:
		rc = xsh_wdb_replace(s->wdb, op->idterm, op->doc, NULL, err);
#if INDEX_SPELLING == 2
		if (!rc)
			rc = xsh_wdb_add_spelling_doc(s->wdb, op->doc, "", err);
#elif INDEX_SPELLING == 1
		if (!rc)
			rc = xsh_wdb_add_spelling_doc(s->wdb, op->doc,
						      PFX_TITLE, err);
#endif
		return rc;
	case OP_DELETE: return xsh_wdb_delete_term(s->wdb, op->idterm, err);
	case OP_COMMIT: return xsh_wdb_commit(s->wdb, err);
	}
	return gz_fail(err, GZ_EINTERNAL, "unknown shard operation");
}

/*
** A shard's writer thread: apply the queued operations in order until
** told to quit with the queue empty.  After the first error it applies
** nothing more (the writer sees s->rc at its next queue or quiesce).
*/
static void *shard_main(void *arg)
{
	struct index_shard *s = arg;
	char err[GZ_ERRLEN];

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct shard_op op;
		int failed, rc = GZ_OK;

		while (s->q_n == 0 && !s->quit)
			pthread_cond_wait(&s->cv_op, &s->mu);
		if (s->q_n == 0)
			break;
		op = s->q[s->q_head];
		memset(&s->q[s->q_head], 0, sizeof op);
		s->busy = 1;
		failed = s->rc != GZ_OK;
		pthread_mutex_unlock(&s->mu);

		err[0] = '\0';
		if (!failed)
			rc = shard_apply(s, &op, err);
		shard_op_free(&op);

		pthread_mutex_lock(&s->mu);
		s->q_head = (s->q_head + 1) % SHARD_QUEUE;
		s->q_n--;
		s->busy = 0;
		if (rc && s->rc == GZ_OK) {
			s->rc = rc;
			snprintf(s->err, sizeof s->err, "%.31s: %.*s", s->name,
				 (int)(GZ_ERRLEN - 40), err);
		}
		pthread_cond_broadcast(&s->cv_idle);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Start s's writer thread (s->wdb open).  GZ_OK, or GZ_EINTERNAL. */
static int shard_start(struct index_shard *s, char *err)
{
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv_op, NULL);
	pthread_cond_init(&s->cv_idle, NULL);
	if (pthread_create(&s->th, NULL, shard_main, s) != 0) {
		pthread_cond_destroy(&s->cv_op);
		pthread_cond_destroy(&s->cv_idle);
		pthread_mutex_destroy(&s->mu);
		return gz_fail(err, GZ_EINTERNAL, "%s: cannot start a thread",
			       s->name);
	}
	s->threaded = 1;
	return GZ_OK;
}

/* Stop s's writer thread, once its queue is applied (or dropped after an error). */
static void shard_stop(struct index_shard *s)
{
	if (!s->threaded)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_signal(&s->cv_op);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_cond_destroy(&s->cv_op);
	pthread_cond_destroy(&s->cv_idle);
	pthread_mutex_destroy(&s->mu);
	s->threaded = 0;
}

/*
** Wait until s's thread has applied everything queued; then (until the
** next shard_queue) the writer's thread may use s->wdb.  Returns the
** thread's first error, if any (message in err).
*/
static int shard_quiesce(struct index_shard *s, char *err)
{
	int rc;

	if (!s->threaded)
		return GZ_OK;
	pthread_mutex_lock(&s->mu);
	while (s->q_n > 0 || s->busy)
		pthread_cond_wait(&s->cv_idle, &s->mu);
	rc = s->rc;
	if (rc)
		gz_fail(err, rc, "%s", s->err);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/*
** Queue an operation for s (applied at once when s has no thread).
** idterm is copied; *doc (may be NULL) is taken: *doc becomes NULL.
** GZ_OK, GZ_ENOMEM, or the thread's first error.
*/
static int shard_queue(struct index_shard *s, enum shard_op_kind kind,
		       const char *idterm, struct xsh_doc **doc, char *err)
{
	struct shard_op op;
	int rc;

	memset(&op, 0, sizeof op);
	op.kind = kind;
	if (!s->threaded) {
		op.idterm = (char *)idterm;
		op.doc = doc ? *doc : NULL;
		return shard_apply(s, &op, err);
	}
	if (idterm && !(op.idterm = strdup(idterm)))
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	if (doc) {
		op.doc = *doc;
		*doc = NULL;
	}
	pthread_mutex_lock(&s->mu);
	while (s->q_n == SHARD_QUEUE && s->rc == GZ_OK)
		pthread_cond_wait(&s->cv_idle, &s->mu);
	rc = s->rc;
	if (rc) {
		gz_fail(err, rc, "%s", s->err);
	} else {
		s->q[(s->q_head + s->q_n) % SHARD_QUEUE] = op;
		s->q_n++;
		pthread_cond_signal(&s->cv_op);
	}
	pthread_mutex_unlock(&s->mu);
	if (rc)
		shard_op_free(&op);
	return rc;
}

/* ---------------------------------------------------------- run map */

/* The slot of idterm in the run map: its entry, or the empty slot for it. */
static struct run_entry *map_slot(const struct index_writer *w,
				  const char *idterm)
{
	size_t i =
		(size_t)gz_hash64(idterm, strlen(idterm), 0) & (w->map_cap - 1);

	while (w->map[i].idterm && strcmp(w->map[i].idterm, idterm) != 0)
		i = (i + 1) & (w->map_cap - 1);
	return &w->map[i];
}

/* The run map's entry for idterm, or NULL. */
static struct run_entry *map_find(const struct index_writer *w,
				  const char *idterm)
{
	struct run_entry *e;

	if (!w->map_n)
		return NULL;
	e = map_slot(w, idterm);
	return e->idterm ? e : NULL;
}

/* Empty the run map; every shard then counts as not fresh. */
static void map_clear(struct index_writer *w)
{
	size_t i;

	for (i = 0; i < w->map_cap; i++)
		free(w->map[i].idterm);
	free(w->map);
	w->map = NULL;
	w->map_cap = w->map_n = 0;
	for (i = 0; i < w->n_shards; i++)
		w->shards[i]->fresh = 0;
}

/*
** Record in the run map that the document idterm is in shard where with
** content hash (16 hex digits) and gone mark.  GZ_OK or GZ_ENOMEM (the
** map is then emptied, which stays correct).
*/
static int map_put(struct index_writer *w, const char *idterm,
		   struct index_shard *where, const char *hash, int gone,
		   char *err)
{
	struct run_entry *e;

	if (w->map_n >= INDEX_RUN_MAP_MAX) {
		map_clear(w);
		return GZ_OK;
	}
	if (2 * (w->map_n + 1) > w->map_cap) {
		size_t cap = w->map_cap ? 2 * w->map_cap : 1024, i;
		struct run_entry *old = w->map;
		size_t old_cap = w->map_cap;

		w->map = calloc(cap, sizeof *w->map);
		if (!w->map) {
			w->map = old;
			map_clear(w);
			return gz_fail(err, GZ_ENOMEM, "out of memory");
		}
		w->map_cap = cap;
		for (i = 0; i < old_cap; i++)
			if (old[i].idterm)
				*map_slot(w, old[i].idterm) = old[i];
		free(old);
	}
	e = map_slot(w, idterm);
	if (!e->idterm) {
		e->idterm = strdup(idterm);
		if (!e->idterm) {
			map_clear(w);
			return gz_fail(err, GZ_ENOMEM, "out of memory");
		}
		w->map_n++;
	}
	e->where = where;
	snprintf(e->hash, sizeof e->hash, "%s", hash);
	e->gone = gone;
	return GZ_OK;
}

/*
** Find idterm in shard s: *docid.  A fresh shard holds only what the run
** map lists, so it is not read; otherwise s is quiesced and its database
** asked.  GZ_OK, GZ_ENOTFOUND, index errors.
*/
static int shard_find_term(struct index_shard *s, const char *idterm,
			   unsigned *docid, char *err)
{
	int rc;

	if (s->fresh)
		return GZ_ENOTFOUND;
	rc = shard_quiesce(s, err);
	if (!rc)
		rc = xsh_wdb_find_term(s->wdb, idterm, docid, err);
	return rc;
}

/*
** The open shard called name: opened (created, with create, when missing
** on disk; a new shard is committed at once and added to the stub).
** *out is borrowed from w.  GZ_ENOTFOUND when it does not exist and create
** is 0; index errors.
*/
static int shard_open(struct index_writer *w, const char *name, int create,
		      struct index_shard **out, char *err)
{
	struct index_shard *s = shard_find(w, name);
	char path[PATH_MAX];
	int rc, is_new = 0;

	*out = NULL;
	if (s && s->wdb) {
		*out = s;
		return GZ_OK;
	}
	if (!s && !create)
		return GZ_ENOTFOUND;
	if (index_join(w->path, name, path, sizeof path) < 0)
		return gz_fail(err, GZ_EINVAL, "%s: path too long", w->path);
	if (!s) {
		s = shard_add(w, name);
		if (!s)
			return gz_fail(err, GZ_ENOMEM, "out of memory");
		is_new = 1;
	}
	rc = xsh_wdb_open(path, index_wdb_flags(w), &s->wdb, err);
	if (!rc)
		rc = index_check_schema(s->wdb, path, err);
	if (!rc && is_new) {
		rc = xsh_wdb_set_metadata(s->wdb, META_SHARD_NAME, name,
					  strlen(name), err);
		if (!rc)
			rc = xsh_wdb_commit(s->wdb, err);
		if (!rc)
			rc = stub_write(w, err);
		if (!rc)
			log_info("msg=\"new shard\" index=\"%s\" shard=%s",
				 w->path, name);
	}
	if (!rc && w->threads) {
		unsigned n = 0;

		rc = xsh_wdb_doccount(s->wdb, &n, err);
		s->fresh = !rc && n == 0;
		if (!rc)
			rc = shard_start(s, err);
	}
	if (rc) {
		xsh_wdb_close(s->wdb);
		s->wdb = NULL;
		return rc;
	}
	*out = s;
	return GZ_OK;
}

/* Learn the shards present on disk (sharded index). */
static int shard_scan(struct index_writer *w, char *err)
{
	DIR *d = opendir(w->path);
	struct dirent *de;
	int rc = GZ_OK;

	if (!d)
		return gz_fail(err, GZ_EOPEN, "%s: %s", w->path,
			       strerror(errno));
	while (rc == GZ_OK && (de = readdir(d)) != NULL) {
		if (strlen(de->d_name) >= sizeof w->shards[0]->name ||
		    !shard_name_ok(de->d_name) || shard_find(w, de->d_name))
			continue;
		if (!shard_add(w, de->d_name))
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	closedir(d);
	return rc;
}

/* Free w and everything it holds (no commit). */
static void index_free(struct index_writer *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n_shards; i++) {
		shard_stop(w->shards[i]);
		xsh_wdb_close(w->shards[i]->wdb);
		free(w->shards[i]);
	}
	w->n_shards = 0;
	map_clear(w);
	free(w->shards);
	xsh_wdb_close(w->meta);
	index_builder_free(w->b);
	free(w->path);
	free(w);
}

/* Read the layout stored in meta into w. */
static int index_read_layout(struct index_writer *w, char *err)
{
	char *by = NULL, *count = NULL;
	int rc, l;

	rc = xsh_wdb_get_metadata(w->meta, META_SHARD_BY, &by, NULL, err);
	if (!rc)
		rc = xsh_wdb_get_metadata(w->meta, META_SHARD_COUNT, &count,
					  NULL, err);
	if (!rc) {
		l = layout_parse(by);
		if (l <= LAYOUT_NONE)
			rc = gz_fail(err, GZ_EOPEN,
				     "%s: meta database names no "
				     "shard layout",
				     w->path);
		else
			w->layout = (enum index_layout_kind)l;
	}
	if (!rc && (w->layout == LAYOUT_HOST || w->layout == LAYOUT_ID)) {
		unsigned long v = strtoul(count, NULL, 10);

		if (v < 1 || v > INDEX_MAX_SHARD_COUNT)
			rc = gz_fail(err, GZ_EOPEN,
				     "%s: bad shard count \"%s\"", w->path,
				     count);
		w->count = (unsigned)v;
	}
	free(by);
	free(count);
	return rc;
}

/* 1 when path is (or holds) a sharded index: PATH/meta or PATH/XAPIANDB. */
static int index_is_sharded(const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (index_join(path, SHARD_STUB, p, sizeof p) == 0 && stat(p, &st) == 0)
		return 1;
	return index_join(path, SHARD_META, p, sizeof p) == 0 &&
		stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 when path is already a single-database index. */
static int index_is_single(const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	return index_join(path, "iamglass", p, sizeof p) == 0 &&
		stat(p, &st) == 0;
}

int index_open_layout(const char *path, int flags, const char *shard_by,
		      unsigned shard_count, struct index_writer **out,
		      char *err)
{
	struct index_writer *w;
	char mpath[PATH_MAX], num[16];
	int want = layout_parse(shard_by), rc, sharded;

	*out = NULL;
	if (!path || !*path)
		return gz_fail(err, GZ_EINVAL, "no index path");
	if (want < 0)
		return gz_fail(err, GZ_ECONFIG, "unknown shard layout \"%s\"",
			       shard_by);
	if ((want == LAYOUT_HOST || want == LAYOUT_ID) &&
	    (shard_count < 1 || shard_count > INDEX_MAX_SHARD_COUNT))
		return gz_fail(err, GZ_ECONFIG, "shard_count %u: not in 1..%d",
			       shard_count, INDEX_MAX_SHARD_COUNT);
	sharded = index_is_sharded(path);
	if (!sharded && want != LAYOUT_NONE && index_is_single(path))
		return gz_fail(err, GZ_ECONFIG,
			       "%s: a single-database index; "
			       "shard_by = %s needs a new index path",
			       path, shard_by);
	w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	w->flags = flags;
	rc = index_builder_new(&w->b, err);
	if (rc)
		goto fail;
	if (!sharded && want == LAYOUT_NONE) {
		rc = xsh_wdb_open(path, index_wdb_flags(w), &w->meta, err);
		if (!rc)
			rc = index_check_schema(w->meta, path, err);
		if (rc)
			goto fail;
		w->single.wdb = w->meta;
		*out = w;
		return GZ_OK;
	}
	w->threads = INDEX_SHARD_THREADS;
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		rc = gz_fail(err, GZ_EOPEN, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (index_join(path, SHARD_META, mpath, sizeof mpath) < 0) {
		rc = gz_fail(err, GZ_EINVAL, "%s: path too long", path);
		goto fail;
	}
	rc = xsh_wdb_open(mpath, index_wdb_flags(w), &w->meta, err);
	if (!rc)
		rc = index_check_schema(w->meta, mpath, err);
	if (rc)
		goto fail;
	if (sharded) {
		rc = index_read_layout(w, err);
		if (!rc && want != LAYOUT_NONE &&
		    ((int)w->layout != want ||
		     ((want == LAYOUT_HOST || want == LAYOUT_ID) &&
		      shard_count != w->count)))
			log_warn(
				"msg=\"the index keeps the layout it was made "
				"with\" index=\"%s\" shard_by=%s configured=%s",
				path, layout_names[w->layout], shard_by);
	} else {
		w->layout = (enum index_layout_kind)want;
		w->count = (want == LAYOUT_HOST || want == LAYOUT_ID)
			? shard_count
			: 0;
		snprintf(num, sizeof num, "%u", w->count);
		rc = xsh_wdb_set_metadata(w->meta, META_SHARD_BY, shard_by,
					  strlen(shard_by), err);
		if (!rc && (w->layout == LAYOUT_HOST || w->layout == LAYOUT_ID))
			rc = xsh_wdb_set_metadata(w->meta, META_SHARD_COUNT,
						  num, strlen(num), err);
		if (!rc)
			rc = xsh_wdb_commit(w->meta, err);
	}
	if (!rc)
		rc = shard_scan(w, err);
	if (!rc)
		rc = stub_write(w, err);
	if (rc)
		goto fail;
	*out = w;
	return GZ_OK;
fail:
	index_free(w);
	return rc;
}

int index_open(const char *path, int flags, struct index_writer **out,
	       char *err)
{
	return index_open_layout(path, flags, NULL, 0, out, err);
}

/*
** The hash that tells a changed article from an unchanged one: the fields
** a reader sees.  Written as 16 hex digits into out (17 bytes).
*/
static void content_hash(const struct article *a, char *out)
{
	const char *parts[6] = { a->title,   a->text,        a->source,
				 a->section, a->description, a->language };
	char when[GZ_TIME_ISOLEN];
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < 6; i++) {
		const char *p = parts[i] ? parts[i] : "";

		h = gz_hash64(p, strlen(p) + 1, h);
	}
	for (i = 0; i < a->n_authors; i++)
		h = gz_hash64(a->authors[i], strlen(a->authors[i]) + 1, h);
	gz_time_iso(&a->published, when);
	h = gz_hash64(when, strlen(when) + 1, h);
	gz_time_iso(&a->modified, when);
	h = gz_hash64(when, strlen(when) + 1, h);
	gz_hash_hex(h, out);
}

/* The SimHash of a: its body, else its title and description. */
static uint64_t index_simhash(const struct article *a)
{
	size_t words = 0;
	uint64_t h = 0;

	if (a->text)
		h = simhash_text(a->text, strlen(a->text), &words);
	if (words == 0 && a->title) {
		struct buf b;

		buf_init(&b, SIMHASH_MAX_TEXT);
		buf_adds(&b, a->title);
		buf_addc(&b, ' ');
		if (a->description)
			buf_adds(&b, a->description);
		h = simhash_text(b.ptr, b.len, &words);
		buf_release(&b);
	}
	return words ? h : 0;
}

/* Parse 16 hex digits at p into *out.  0, or -1 when they are not hex. */
static int index_hex16(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint64_t)(c - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* The metadata key of block i of the SimHash sh, into out (32 bytes). */
static void index_nd_key(uint64_t sh, unsigned i, char *out, size_t n)
{
	snprintf(out, n, "%s%u%02x", META_ND_PREFIX, i, simhash_block(sh, i));
}

/*
** The collapse key for a document with SimHash sh (16 hex digits into
** key): the cluster of the nearest stored SimHash within SIMHASH_NEAR bits,
** found through the SIMHASH_BLOCKS buckets sh falls in, else sh itself;
** then sh joins those buckets.  A SimHash of 0 (no words) gets a key from
** url and joins nothing.  Index errors are returned.
*/
static int index_cluster(struct index_writer *w, uint64_t sh, const char *url,
			 char *key, char *err)
{
	char *vals[SIMHASH_BLOCKS] = { 0 };
	size_t lens[SIMHASH_BLOCKS] = { 0 };
	char mkey[48], entry[33], own[17];
	int best = SIMHASH_NEAR + 1, rc = GZ_OK;
	unsigned i;

	if (sh == 0) {
		gz_hash_hex(gz_hash64(url, strlen(url), 0x5bd1e995ULL), key);
		return GZ_OK;
	}
	gz_hash_hex(sh, own);
	snprintf(key, 17, "%s", own);
	for (i = 0; i < SIMHASH_BLOCKS && rc == GZ_OK; i++) {
		size_t off;

		index_nd_key(sh, i, mkey, sizeof mkey);
		rc = xsh_wdb_get_metadata(w->meta, mkey, &vals[i], &lens[i],
					  err);
		for (off = 0; rc == GZ_OK && off + 32 <= lens[i]; off += 32) {
			uint64_t other;
			int d;

			if (index_hex16(vals[i] + off, &other) != 0)
				continue;
			d = simhash_distance(sh, other);
			if (d < best) {
				best = d;
				memcpy(key, vals[i] + off + 16, 16);
				key[16] = '\0';
			}
		}
	}
	snprintf(entry, sizeof entry, "%s%s", own, key);
	for (i = 0; i < SIMHASH_BLOCKS && rc == GZ_OK; i++) {
		struct buf b;
		size_t off, skip = 0, n = lens[i] / 32;
		int present = 0;

		for (off = 0; off + 32 <= lens[i]; off += 32)
			if (memcmp(vals[i] + off, entry, 32) == 0)
				present = 1;
		if (present)
			continue;
		if (n >= INDEX_ND_BUCKET)
			skip = (n - INDEX_ND_BUCKET + 1) *
				32; /* drop the oldest */
		buf_init(&b, (INDEX_ND_BUCKET + 1) * 32);
		if (buf_add(&b, vals[i] + skip, n * 32 - skip) != GZ_OK ||
		    buf_add(&b, entry, 32) != GZ_OK) {
			buf_release(&b);
			rc = gz_fail(err, GZ_ENOMEM, "out of memory");
			break;
		}
		index_nd_key(sh, i, mkey, sizeof mkey);
		rc = xsh_wdb_set_metadata(w->meta, mkey, b.ptr, b.len, err);
		buf_release(&b);
	}
	for (i = 0; i < SIMHASH_BLOCKS; i++)
		free(vals[i]);
	return rc;
}

/* Add prefix+value as a lower-cased boolean filter term (skipping empty values). */
static int add_filter(struct xsh_doc *d, const char *prefix, const char *value,
		      char *err)
{
	char term[GZ_MAX_TERM_BYTES + 1];

	if (!value || !*value)
		return GZ_OK;
	schema_filter_term(prefix, value, term, sizeof term);
	if (strlen(term) == strlen(prefix))
		return GZ_OK;
	return xsh_doc_add_boolean_term(d, term, err);
}

/* Set a string value slot unless value is empty. */
static int set_value(struct xsh_doc *d, unsigned slot, const char *value,
		     char *err)
{
	if (!value || !*value)
		return GZ_OK;
	return xsh_doc_set_value(d, slot, value, strlen(value), err);
}

/*
** d's near-duplicate cluster: key in SLOT_COLLAPSE, and as a boolean term
** (schema_cluster_term) so that the copies of a story can be found by
** term (over remote shards searchd counts a hit's copies with it).
** Nothing for an empty key.
*/
static int set_cluster(struct xsh_doc *d, const char *key, char *err)
{
	char term[GZ_MAX_TERM_BYTES + 1];
	int rc = set_value(d, SLOT_COLLAPSE, key, err);

	if (rc == GZ_OK && schema_cluster_term(key, term, sizeof term) == 0)
		rc = xsh_doc_add_boolean_term(d, term, err);
	return rc;
}

/* Add the date terms and values for the publication time. */
static int add_dates(struct xsh_doc *d, const struct gz_time *t, char *err)
{
	char key[16], term[16], month[8], year[8];
	int rc;

	if (!gz_time_valid(t))
		return GZ_OK;
	gz_time_sortkey(t, key);
	snprintf(term, sizeof term, PFX_DAY "%04d%02d%02d", t->year, t->month,
		 t->day);
	rc = xsh_doc_add_boolean_term(d, term, err);
	snprintf(term, sizeof term, PFX_MONTH "%04d%02d", t->year, t->month);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, term, err);
	snprintf(term, sizeof term, PFX_YEAR "%04d", t->year);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, term, err);
	snprintf(month, sizeof month, "%04d-%02d", t->year, t->month);
	snprintf(year, sizeof year, "%04d", t->year);
	if (!rc)
		rc = set_value(d, SLOT_PUBLISHED, key, err);
	if (!rc)
		rc = set_value(d, SLOT_MONTH, month, err);
	if (!rc)
		rc = set_value(d, SLOT_YEAR, year, err);
	return rc;
}

/* Index a's free text into d through the term generator tg. */
static int add_text(struct xsh_tg *tg, struct xsh_doc *d,
		    const struct article *a, char *err)
{
	const char *lang = a->language ? a->language : "en";
	size_t i;
	int rc;

	rc = xsh_tg_set_language(tg, lang, err);
	if (!rc)
		rc = xsh_tg_set_document(tg, d, err);
	if (!rc && a->title) {
		rc = xsh_tg_index_text(tg, a->title, strlen(a->title), 1,
				       PFX_TITLE, err);
		if (!rc)
			rc = xsh_tg_increase_termpos(tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(tg, a->title, strlen(a->title),
					       TITLE_WDF, "", err);
	}
	if (!rc && a->description) {
		rc = xsh_tg_increase_termpos(tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(tg, a->description,
					       strlen(a->description), 1, "",
					       err);
	}
	for (i = 0; !rc && i < a->n_authors; i++) {
		rc = xsh_tg_increase_termpos(tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(tg, a->authors[i],
					       strlen(a->authors[i]), 1, "",
					       err);
	}
	if (!rc && a->text) {
		rc = xsh_tg_increase_termpos(tg, 100, err);
		if (!rc)
			rc = xsh_tg_index_text(tg, a->text, strlen(a->text), 1,
					       "", err);
	}
	return rc;
}

/* How one document is keyed and marked, beyond the article itself. */
struct index_marks {
	const char *idterm; /* unique id term */
	const char *hash;   /* content hash, 16 hex digits */
	const char
		*collapse; /* collapse key, 16 hex digits, or "" (set later) */
	const char *simhash; /* SimHash, 16 hex digits, or "" */
	const char *gone;    /* "YYYYMMDD" gone date, or "" when not gone */
};

/*
** Build the whole document for a into *out (the caller frees it), keyed and
** marked as m says, its text through tg.
*/
static int build_doc(struct xsh_tg *tg, const struct article *a,
		     const struct index_marks *m, struct xsh_doc **out,
		     char *err)
{
	struct xsh_doc *d = NULL;
	char host[256], stamp[16], term[GZ_MAX_TERM_BYTES + 1];
	struct gz_time now;
	char *json, *rec;
	size_t i, rec_len;
	int rc;

	*out = NULL;
	json = article_to_json(a, 1);
	if (!json)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	rc = record_pack(json, strlen(json), &rec, &rec_len);
	free(json);
	if (rc)
		return gz_fail(err, rc, "out of memory");
	rc = xsh_doc_new(&d, err);
	if (!rc)
		rc = xsh_doc_set_data(d, rec, rec_len, err);
	free(rec);
	if (!rc)
		rc = xsh_doc_add_boolean_term(d, m->idterm, err);
	if (!rc && a->url && strcmp(a->url, article_key_url(a)) != 0 &&
	    strlen(a->url) + 1 <= GZ_MAX_TERM_BYTES) {
		snprintf(term, sizeof term, "%s%s", PFX_URL, a->url);
		rc = xsh_doc_add_boolean_term(d, term, err);
	}
	if (!rc)
		rc = add_filter(d, PFX_SOURCE, a->source, err);
	if (!rc)
		rc = add_filter(d, PFX_SECTION, a->section, err);
	for (i = 0; !rc && i < a->n_authors; i++)
		rc = add_filter(d, PFX_AUTHOR, a->authors[i], err);
	if (!rc && schema_host(article_key_url(a), host, sizeof host) == 0)
		rc = add_filter(d, PFX_HOST, host, err);
	if (!rc)
		rc = add_filter(d, PFX_LANG, a->language, err);
	if (!rc && m->gone[0])
		rc = xsh_doc_add_boolean_term(d, TERM_GONE, err);
	if (!rc)
		rc = set_value(d, SLOT_GONE, m->gone, err);
	if (!rc)
		rc = add_dates(d, &a->published, err);
	if (!rc)
		rc = set_value(d, SLOT_SOURCE, a->source, err);
	if (!rc)
		rc = set_value(d, SLOT_SECTION, a->section, err);
	if (!rc)
		rc = set_cluster(d, m->collapse, err);
	if (!rc)
		rc = set_value(d, SLOT_SIMHASH, m->simhash, err);
	if (!rc)
		rc = set_value(d, SLOT_HASH, m->hash, err);
	gz_time_from_unix(time(NULL), &now);
	gz_time_sortkey(&now, stamp);
	if (!rc)
		rc = set_value(d, SLOT_INDEXED, stamp, err);
	if (!rc)
		rc = add_text(tg, d, a, err);
	/* The document may be written on another thread: let go of it. */
	if (xsh_tg_clear_document(tg, rc ? NULL : err) && !rc)
		rc = GZ_EINTERNAL;
	if (rc) {
		xsh_doc_free(d);
		return rc;
	}
	*out = d;
	return GZ_OK;
}

int index_builder_new(struct index_builder **out, char *err)
{
	struct index_builder *b;
	int rc;

	*out = NULL;
	b = calloc(1, sizeof *b);
	if (!b)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	rc = xsh_tg_new(NULL, NULL, XSH_TG_POSITIONS | XSH_TG_CJK, &b->tg, err);
	if (rc) {
		free(b);
		return rc;
	}
	*out = b;
	return GZ_OK;
}

void index_builder_free(struct index_builder *b)
{
	if (!b)
		return;
	xsh_tg_free(b->tg);
	free(b);
}

void index_built_free(struct index_built *d)
{
	if (!d)
		return;
	xsh_doc_free(d->doc);
	free(d->key);
	free(d);
}

const char *index_built_key(const struct index_built *d)
{
	return d ? d->key : NULL;
}

int index_build(struct index_builder *b, const struct article *a,
		struct index_built **out, char *err)
{
	struct index_built *d;
	struct index_marks m;
	const char *key;
	char sh[17];
	int rc;

	*out = NULL;
	if (!b || !a)
		return gz_fail(err, GZ_EINVAL,
			       "index_build: no builder or article");
	key = article_key_url(a);
	d = calloc(1, sizeof *d);
	if (!d)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	if (schema_idterm(key, d->idterm, sizeof d->idterm) < 0) {
		free(d);
		return gz_fail(err, GZ_EINVAL, "article has no URL");
	}
	d->key = strdup(key);
	if (!d->key) {
		free(d);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	content_hash(a, d->hash);
	d->simhash = index_simhash(a);
	d->published = a->published;
	gz_hash_hex(d->simhash, sh);
	m.idterm = d->idterm;
	m.hash = d->hash;
	m.collapse = "";
	m.simhash = d->simhash ? sh : "";
	m.gone = "";
	rc = build_doc(b->tg, a, &m, &d->doc, err);
	if (rc) {
		index_built_free(d);
		return rc;
	}
	*out = d;
	return GZ_OK;
}

/* ---------------------------------------------------------- locating */

/*
** The shard a built document belongs to, opened (created when new).
** *out borrowed from w.
*/
static int shard_route(struct index_writer *w, const struct index_built *d,
		       struct index_shard **out, char *err)
{
	char name[32];

	if (w->layout == LAYOUT_NONE) {
		*out = &w->single;
		return GZ_OK;
	}
	index_shard_name(layout_names[w->layout], w->count, &d->published,
			 d->key, name, sizeof name);
	return shard_open(w, name, 1, out, err);
}

/* The location-map key of a key URL, into out (64 bytes). */
static void loc_key(const char *key, char *out, size_t n)
{
	index_url_key(META_LOC_PREFIX, key, out, n);
}

/*
** Find the document of key URL key (id term idterm): its shard and docid.
** Sharded: the location map first, then the shard hint (may be NULL),
** then, with probe_all, every known shard.  GZ_OK, GZ_ENOTFOUND, index
** errors.  *where is borrowed from w.
*/
static int index_locate(struct index_writer *w, const char *key,
			const char *idterm, struct index_shard *hint,
			int probe_all, struct index_shard **where,
			unsigned *docid, char *err)
{
	struct index_shard *s = NULL;
	char mkey[64];
	char *name = NULL;
	size_t i;
	int rc;

	*where = NULL;
	if (w->layout == LAYOUT_NONE) {
		rc = xsh_wdb_find_term(w->meta, idterm, docid, err);
		if (!rc)
			*where = &w->single;
		return rc;
	}
	if (w->threads) {
		struct run_entry *e = map_find(w, idterm);

		if (e) {
			rc = shard_quiesce(e->where, err);
			if (!rc)
				rc = xsh_wdb_find_term(e->where->wdb, idterm,
						       docid, err);
			if (!rc)
				*where = e->where;
			if (rc != GZ_ENOTFOUND)
				return rc;
		}
	}
	if (w->layout == LAYOUT_ID && !hint) {
		/* The key alone names the shard: no location map. */
		char part[32];

		index_shard_name(layout_names[LAYOUT_ID], w->count, NULL, key,
				 part, sizeof part);
		rc = shard_open(w, part, 0, &hint, err);
		if (rc == GZ_ENOTFOUND)
			return gz_fail(err, GZ_ENOTFOUND, "not in the index");
		if (rc)
			return rc;
	}
	loc_key(key, mkey, sizeof mkey);
	rc = xsh_wdb_get_metadata(w->meta, mkey, &name, NULL, err);
	if (rc)
		return rc;
	if (name[0] && shard_find(w, name)) {
		rc = shard_open(w, name, 0, &s, err);
		if (!rc) {
			rc = shard_find_term(s, idterm, docid, err);
			if (!rc) {
				*where = s;
				free(name);
				return GZ_OK;
			}
		}
		if (rc != GZ_ENOTFOUND) {
			free(name);
			return rc;
		}
	}
	free(name);
	if (hint && hint != s) {
		rc = shard_find_term(hint, idterm, docid, err);
		if (rc != GZ_ENOTFOUND) {
			if (!rc)
				*where = hint;
			return rc;
		}
	}
	for (i = 0; probe_all && i < w->n_shards; i++) {
		struct index_shard *p = w->shards[i];

		if (p == s || p == hint)
			continue;
		rc = shard_open(w, p->name, 0, &p, err);
		if (!rc)
			rc = shard_find_term(p, idterm, docid, err);
		if (rc != GZ_ENOTFOUND) {
			if (!rc)
				*where = p;
			return rc;
		}
	}
	return gz_fail(err, GZ_ENOTFOUND, "not in the index");
}

/*
** Set *dup to 1 when a document other than key holds exactly the content
** hash, as the gazette.hash.* map says and that document's SLOT_HASH
** confirms, else 0.  GZ_OK or an index error.
*/
static int index_is_duplicate(struct index_writer *w, const char *key,
			      const char *hash, int *dup, char *err)
{
	char mkey[64], other_id[GZ_MAX_TERM_BYTES + 1];
	char *other = NULL, *val = NULL;
	struct index_shard *s;
	unsigned docid;
	int rc;

	*dup = 0;
	snprintf(mkey, sizeof mkey, "%s%s", META_HASH_PREFIX, hash);
	rc = xsh_wdb_get_metadata(w->meta, mkey, &other, NULL, err);
	if (rc)
		return rc;
	if (other[0] && strcmp(other, key) != 0 &&
	    schema_idterm(other, other_id, sizeof other_id) == 0 &&
	    w->threads && map_find(w, other_id)) {
		*dup = strcmp(map_find(w, other_id)->hash, hash) == 0;
	} else if (other[0] && strcmp(other, key) != 0 &&
		   schema_idterm(other, other_id, sizeof other_id) == 0) {
		rc = index_locate(w, other, other_id, NULL, 0, &s, &docid, err);
		if (!rc)
			rc = xsh_wdb_get_value(s->wdb, docid, SLOT_HASH, &val,
					       NULL, err);
		if (rc == GZ_OK && strcmp(val, hash) == 0)
			*dup = 1;
		if (rc == GZ_ENOTFOUND)
			rc = GZ_OK;
	}
	free(val);
	free(other);
	return rc;
}

int index_put_built(struct index_writer *w, struct index_built *d,
		    enum index_put_result *res, char *err)
{
	struct index_shard *target = NULL, *cur = NULL;
	struct run_entry *e;
	char collapse[17], mkey[64];
	char *old = NULL, *gone = NULL;
	unsigned docid;
	int rc, exists, dup;

	if (!w || !d)
		return gz_fail(err, GZ_EINVAL,
			       "index_put_built: no writer or document");
	rc = shard_route(w, d, &target, err);
	if (rc)
		return rc;
	e = w->threads ? map_find(w, d->idterm) : NULL;
	if (e) {
		/* Written by this run: the map knows it, no database read. */
		cur = e->where;
		exists = 1;
		if (strcmp(e->hash, d->hash) == 0 && !e->gone &&
		    cur == target) {
			if (res)
				*res = INDEX_UNCHANGED;
			return GZ_OK;
		}
		rc = GZ_OK;
	} else {
		rc = index_locate(w, d->key, d->idterm, target, 0, &cur, &docid,
				  err);
		if (rc && rc != GZ_ENOTFOUND)
			return rc;
		exists = rc == GZ_OK;
	}
	if (exists && !e) {
		rc = xsh_wdb_get_value(cur->wdb, docid, SLOT_HASH, &old, NULL,
				       err);
		if (!rc)
			rc = xsh_wdb_get_value(cur->wdb, docid, SLOT_GONE,
					       &gone, NULL, err);
		if (!rc && strcmp(old, d->hash) == 0 && !gone[0] &&
		    cur == target) {
			free(old);
			free(gone);
			if (res)
				*res = INDEX_UNCHANGED;
			return GZ_OK;
		}
		free(old);
		free(gone);
		if (rc)
			return rc;
	} else if (!exists) {
		rc = index_is_duplicate(w, d->key, d->hash, &dup, err);
		if (rc)
			return rc;
		if (dup) {
			if (res)
				*res = INDEX_DUPLICATE;
			return GZ_OK;
		}
	}
	rc = index_cluster(w, d->simhash, d->key, collapse, err);
	if (!rc)
		rc = set_cluster(d->doc, collapse, err);
	if (!rc)
		rc = shard_queue(target, OP_REPLACE, d->idterm, &d->doc, err);
	if (!rc && w->threads)
		rc = map_put(w, d->idterm, target, d->hash, 0, err);
	target->dirty = 1;
	if (!rc && exists && cur != target) {
		/* Its date (or host) changed: it moves to another shard. */
		rc = shard_queue(cur, OP_DELETE, d->idterm, NULL, err);
		cur->dirty = 1;
		if (!rc)
			log_info("msg=\"document moved\" url=\"%s\" from=%s "
				 "to=%s",
				 d->key, cur->name, target->name);
	}
	if (!rc && w->layout != LAYOUT_NONE && w->layout != LAYOUT_ID &&
	    (!exists || cur != target)) {
		loc_key(d->key, mkey, sizeof mkey);
		rc = xsh_wdb_set_metadata(w->meta, mkey, target->name,
					  strlen(target->name), err);
	}
	snprintf(mkey, sizeof mkey, "%s%s", META_HASH_PREFIX, d->hash);
	if (!rc)
		rc = xsh_wdb_set_metadata(w->meta, mkey, d->key, strlen(d->key),
					  err);
	if (!rc && res)
		*res = exists ? INDEX_UPDATED : INDEX_NEW;
	return rc;
}

int index_put(struct index_writer *w, const struct article *a,
	      enum index_put_result *res, char *err)
{
	struct index_built *d = NULL;
	int rc;

	if (!w || !a)
		return gz_fail(err, GZ_EINVAL,
			       "index_put: no writer or article");
	rc = index_build(w->b, a, &d, err);
	if (!rc)
		rc = index_put_built(w, d, res, err);
	index_built_free(d);
	return rc;
}

int index_mark_gone_at(struct index_writer *w, const char *url, time_t when,
		       int *changed, char *err)
{
	char idterm[GZ_MAX_TERM_BYTES + 1], hash[17], day[16];
	struct index_marks m;
	struct index_shard *s = NULL;
	struct article a;
	struct gz_time t;
	struct xsh_doc *d = NULL;
	char *data = NULL, *gone = NULL, *collapse = NULL, *sh = NULL;
	size_t len;
	unsigned docid;
	int rc;

	if (changed)
		*changed = 0;
	if (!w || schema_idterm(url, idterm, sizeof idterm) < 0)
		return gz_fail(err, GZ_EINVAL,
			       "index_mark_gone: no writer or URL");
	rc = index_locate(w, url, idterm, NULL, 1, &s, &docid, err);
	if (rc == GZ_ENOTFOUND)
		return gz_fail(err, rc, "%s: not in the index", url);
	if (!rc)
		rc = xsh_wdb_get_value(s->wdb, docid, SLOT_GONE, &gone, NULL,
				       err);
	if (!rc && gone[0]) {
		free(gone);
		return GZ_OK; /* already marked: keep the first date */
	}
	if (!rc)
		rc = xsh_wdb_get_value(s->wdb, docid, SLOT_COLLAPSE, &collapse,
				       NULL, err);
	if (!rc)
		rc = xsh_wdb_get_value(s->wdb, docid, SLOT_SIMHASH, &sh, NULL,
				       err);
	if (!rc)
		rc = xsh_wdb_get_data(s->wdb, docid, &data, &len, err);
	article_init(&a);
	if (!rc)
		rc = record_article(NULL, data, len, &a, err);
	free(data);
	if (!rc) {
		gz_time_from_unix(when, &t);
		snprintf(day, sizeof day, "%04d%02d%02d", t.year, t.month,
			 t.day);
		content_hash(&a, hash);
		m.idterm = idterm;
		m.hash = hash;
		m.collapse = collapse;
		m.simhash = sh;
		m.gone = day;
		rc = build_doc(w->b->tg, &a, &m, &d, err);
	}
	if (!rc)
		rc = xsh_wdb_replace(s->wdb, idterm, d, NULL, err);
	xsh_doc_free(d);
	if (!rc && w->threads && map_find(w, idterm))
		map_find(w, idterm)->gone = 1;
	if (!rc) {
		s->dirty = 1;
		if (changed)
			*changed = 1;
	}
	article_free(&a);
	free(gone);
	free(collapse);
	free(sh);
	return rc;
}

int index_mark_gone(struct index_writer *w, const char *url, char *err)
{
	return index_mark_gone_at(w, url, time(NULL), NULL, err);
}

/* ------------------------------------------------------------ URL state */

void index_url_state_init(struct index_url_state *s)
{
	memset(s, 0, sizeof *s);
}

void index_url_state_free(struct index_url_state *s)
{
	free(s->etag);
	free(s->last_modified);
	free(s->doc_url);
	index_url_state_init(s);
}

void index_url_key(const char *prefix, const char *url, char *out, size_t n)
{
	char h1[17], h2[17];
	size_t len = strlen(url);

	gz_hash_hex(gz_hash64(url, len, 0), h1);
	gz_hash_hex(gz_hash64(url, len, 0x9e3779b97f4a7c15ULL), h2);
	snprintf(out, n, "%s%s%s", prefix, h1, h2);
}

/* s when it can be stored in one tab-separated field, else "". */
static const char *index_field(const char *s)
{
	if (!s || strpbrk(s, "\t\r\n"))
		return "";
	return s;
}

char *index_url_state_format(const char *url, const struct index_url_state *s)
{
	struct buf b;

	buf_init(&b, 4 * GZ_MAX_URL_LEN + 4096);
	if (buf_addf(&b, "v1\t%s\t%lld\t%d\t%d\t%lld\t%s\t%s\t%s\t%s",
		     index_field(url), s->fetched, s->status, s->failures,
		     s->gone, index_field(s->body_hash), index_field(s->etag),
		     index_field(s->last_modified),
		     index_field(s->doc_url)) != GZ_OK) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The decimal number in f[0..n); sets *bad (and returns 0) when it is not one. */
static long long index_num(const char *f, size_t n, int *bad)
{
	long long v = 0;
	size_t i = 0;
	int neg = 0;

	if (n && f[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		*bad = 1;
	for (; i < n; i++) {
		if (f[i] < '0' || f[i] > '9' || v > (1LL << 56)) {
			*bad = 1;
			return 0;
		}
		v = v * 10 + (f[i] - '0');
	}
	return neg ? -v : v;
}

/* A copy of f[0..n) into *out, NULL when empty.  GZ_OK or GZ_ENOMEM. */
static int index_strfield(const char *f, size_t n, char **out)
{
	*out = NULL;
	if (n == 0)
		return GZ_OK;
	*out = strndup(f, n);
	return *out ? GZ_OK : GZ_ENOMEM;
}

int index_url_state_parse(const char *text, const char *url,
			  struct index_url_state *out, char *err)
{
	const char *f[10];
	size_t n[10], k = 0;
	const char *p = text;
	int bad = 0, rc;

	index_url_state_free(out);
	while (k < 10) {
		const char *tab = strchr(p, '\t');

		f[k] = p;
		n[k] = tab ? (size_t)(tab - p) : strlen(p);
		k++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (k != 10 || n[0] != 2 || memcmp(f[0], "v1", 2) != 0)
		return gz_fail(err, GZ_EPARSE, "crawl state: not a v1 record");
	if (url && (strlen(url) != n[1] || memcmp(url, f[1], n[1]) != 0))
		return gz_fail(err, GZ_ENOTFOUND, "crawl state: another URL");
	out->fetched = index_num(f[2], n[2], &bad);
	out->status = (int)index_num(f[3], n[3], &bad);
	out->failures = (int)index_num(f[4], n[4], &bad);
	out->gone = index_num(f[5], n[5], &bad);
	if (bad || (n[6] != 0 && n[6] != 16))
		return gz_fail(err, GZ_EPARSE,
			       "crawl state: bad number or hash");
	memcpy(out->body_hash, f[6], n[6]);
	out->body_hash[n[6]] = '\0';
	rc = index_strfield(f[7], n[7], &out->etag);
	if (!rc)
		rc = index_strfield(f[8], n[8], &out->last_modified);
	if (!rc)
		rc = index_strfield(f[9], n[9], &out->doc_url);
	if (rc) {
		index_url_state_free(out);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	return GZ_OK;
}

int index_url_state_get(struct index_writer *w, const char *url,
			struct index_url_state *out, char *err)
{
	char key[64];
	char *val = NULL;
	int rc;

	index_url_state_free(out);
	if (!w || !url || !*url)
		return gz_fail(err, GZ_EINVAL, "index_url_state_get: no URL");
	index_url_key(META_URL_PREFIX, url, key, sizeof key);
	rc = xsh_wdb_get_metadata(w->meta, key, &val, NULL, err);
	if (rc)
		return rc;
	if (!val[0])
		rc = gz_fail(err, GZ_ENOTFOUND, "no crawl state");
	else
		rc = index_url_state_parse(val, url, out, err);
	free(val);
	if (rc == GZ_EPARSE)
		rc = GZ_ENOTFOUND; /* an unreadable record is no record */
	return rc;
}

int index_url_state_put(struct index_writer *w, const char *url,
			const struct index_url_state *s, char *err)
{
	char key[64];
	char *val;
	int rc;

	if (!w || !url || !*url || strpbrk(url, "\t\r\n"))
		return gz_fail(err, GZ_EINVAL, "index_url_state_put: bad URL");
	val = index_url_state_format(url, s);
	if (!val)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	index_url_key(META_URL_PREFIX, url, key, sizeof key);
	rc = xsh_wdb_set_metadata(w->meta, key, val, strlen(val), err);
	free(val);
	return rc;
}

int index_commit(struct index_writer *w, char *err)
{
	size_t i;
	int rc;

	if (!w)
		return gz_fail(err, GZ_EINVAL, "index_commit: no writer");
	/*
	** Shards first, meta last: the state never runs ahead of documents.
	** Shards with threads commit all at once, each on its own thread.
	*/
	for (i = 0; i < w->n_shards; i++) {
		struct index_shard *s = w->shards[i];

		if (!s->wdb || !s->dirty)
			continue;
		rc = shard_queue(s, OP_COMMIT, NULL, NULL, err);
		if (rc)
			return rc;
	}
	for (i = 0; i < w->n_shards; i++) {
		struct index_shard *s = w->shards[i];

		if (!s->wdb || !s->dirty)
			continue;
		rc = shard_quiesce(s, err);
		if (rc)
			return rc;
		s->dirty = 0;
	}
	return xsh_wdb_commit(w->meta, err);
}

int index_doccount(struct index_writer *w, unsigned *out, char *err)
{
	unsigned total = 0, n;
	size_t i;
	int rc;

	if (!w)
		return gz_fail(err, GZ_EINVAL, "index_doccount: no writer");
	*out = 0;
	if (w->layout == LAYOUT_NONE)
		return xsh_wdb_doccount(w->meta, out, err);
	for (i = 0; i < w->n_shards; i++) {
		struct index_shard *s = w->shards[i];

		if (s->wdb) {
			rc = shard_quiesce(s, err);
			if (!rc)
				rc = xsh_wdb_doccount(s->wdb, &n, err);
		} else {
			struct xsh_db *db = NULL;
			char path[PATH_MAX];

			if (index_join(w->path, s->name, path, sizeof path) < 0)
				return gz_fail(err, GZ_EINVAL, "path too long");
			rc = xsh_db_open(path, &db, err);
			if (!rc)
				rc = xsh_db_doccount(db, &n, err);
			xsh_db_close(db);
		}
		if (rc)
			return rc;
		total += n;
	}
	*out = total;
	return GZ_OK;
}

int index_set_meta(struct index_writer *w, const char *key, const char *value,
		   char *err)
{
	if (!w || !key)
		return gz_fail(err, GZ_EINVAL,
			       "index_set_meta: no writer or key");
	return xsh_wdb_set_metadata(w->meta, key, value ? value : "",
				    value ? strlen(value) : 0, err);
}

int index_get_meta(struct index_writer *w, const char *key, char **out,
		   char *err)
{
	if (!w || !key || !out)
		return gz_fail(err, GZ_EINVAL, "index_get_meta: bad arguments");
	return xsh_wdb_get_metadata(w->meta, key, out, NULL, err);
}

int index_close(struct index_writer *w, char *err)
{
	int rc;

	if (!w)
		return GZ_OK;
	rc = index_commit(w, err);
	index_free(w);
	return rc;
}
