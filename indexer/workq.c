/*
** workq.c — N worker threads between one owner's pushes and takes, in
** order (see workq.h).
**
** The queue is a ring of `slots` slots; item number s lives in slot
** s % slots.  Three cursors move forward through the numbers, as in the
** import pipeline (ingest.c):
**
**   head <= next <= tail
**   head  the next item the owner takes back
**   next  the first item a worker may still have to take
**   tail  the number the next push gets
**
** Every shared field lives under the one mutex.  A worker takes the first
** ready item at or after next; the owner takes slot head once it is done.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gztime.h"
#include "workq.h"

/* Where an item is. */
enum workq_state {
	WQ_READY = 0, /* waiting for a worker */
	WQ_BUSY,      /* a worker has it */
	WQ_DONE       /* waiting for the owner */
};

/* One slot of the ring. */
struct workq_slot {
	void *item;             /* the owner's item */
	size_t cost;            /* counted in q->used */
	enum workq_state state; /* see above */
};

/* Per-thread start data. */
struct workq_thread {
	struct workq *q; /* the queue */
	unsigned id;     /* 0..workers-1 */
	pthread_t tid;   /* the thread */
};

struct workq {
	struct workq_opts o;      /* options (read-only after workq_new) */
	struct workq_thread *thr; /* o.workers threads */
	unsigned started;         /* threads running */
	pthread_mutex_t mu;       /* guards everything below */
	pthread_cond_t cv_work;   /* workers: an item to take, or quit */
	pthread_cond_t cv_done;   /* owner: slot head is done */
	struct workq_slot *ring;  /* o.slots slots */
	size_t head, next, tail;  /* cursors (see the top of the file) */
	size_t used;              /* cost of the items in the ring */
	int quit;                 /* workers stop */
};

unsigned workq_default_workers(unsigned n, unsigned busy)
{
	long k = n ? (long)n : sysconf(_SC_NPROCESSORS_ONLN) - (long)busy;

	if (k < 1)
		k = 1;
	if (k > WORKQ_MAX_WORKERS)
		k = WORKQ_MAX_WORKERS;
	return (unsigned)k;
}

/*
** The first ready item at or after q->next, moving next past the items
** that are done or taken; NULL when none.  Caller holds mu.
*/
static struct workq_slot *workq_pick(struct workq *q)
{
	size_t s;

	while (q->next < q->tail &&
	       q->ring[q->next % q->o.slots].state != WQ_READY)
		q->next++;
	for (s = q->next; s < q->tail; s++) {
		struct workq_slot *sl = &q->ring[s % q->o.slots];

		if (sl->state == WQ_READY)
			return sl;
	}
	return NULL;
}

/* A worker thread: process ready items until told to quit. */
static void *workq_main(void *arg)
{
	struct workq_thread *t = arg;
	struct workq *q = t->q;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct workq_slot *sl;
		int head;

		while (!q->quit && !(sl = workq_pick(q)))
			pthread_cond_wait(&q->cv_work, &q->mu);
		if (q->quit)
			break;
		sl->state = WQ_BUSY;
		pthread_mutex_unlock(&q->mu);

		q->o.process(q->o.arg, t->id, sl->item);

		pthread_mutex_lock(&q->mu);
		sl->state = WQ_DONE;
		head = sl == &q->ring[q->head % q->o.slots];
		if (head)
			pthread_cond_signal(&q->cv_done);
		if (head && q->o.notify) {
			/* Outside the lock: the owner may be taking items. */
			pthread_mutex_unlock(&q->mu);
			q->o.notify(q->o.arg);
			pthread_mutex_lock(&q->mu);
		}
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Tell the workers to stop and wait for them. */
static void workq_stop(struct workq *q)
{
	unsigned i;

	pthread_mutex_lock(&q->mu);
	q->quit = 1;
	pthread_cond_broadcast(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->started; i++)
		pthread_join(q->thr[i].tid, NULL);
	q->started = 0;
}

int workq_new(const struct workq_opts *o, struct workq **out, char *err)
{
	struct workq *q;
	pthread_condattr_t ca;
	unsigned i;

	*out = NULL;
	if (!o || !o->process || o->workers < 1 ||
	    o->workers > WORKQ_MAX_WORKERS || o->slots < 1 ||
	    o->slots > WORKQ_MAX_SLOTS)
		return gz_fail(err, GZ_EINVAL,
			       "work queue: 1..%d workers and 1..%d slots",
			       WORKQ_MAX_WORKERS, WORKQ_MAX_SLOTS);
	q = calloc(1, sizeof *q);
	if (!q)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	q->o = *o;
	q->ring = calloc(o->slots, sizeof *q->ring);
	q->thr = calloc(o->workers, sizeof *q->thr);
	if (!q->ring || !q->thr) {
		free(q->ring);
		free(q->thr);
		free(q);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv_work, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv_done, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < o->workers; i++) {
		q->thr[i].q = q;
		q->thr[i].id = i;
		if (pthread_create(&q->thr[i].tid, NULL, workq_main,
				   &q->thr[i]) != 0)
			break;
		q->started++;
	}
	if (q->started < o->workers) {
		workq_free(q, NULL);
		return gz_fail(err, GZ_EINTERNAL, "cannot start %u threads",
			       o->workers);
	}
	*out = q;
	return GZ_OK;
}

size_t workq_room(struct workq *q, size_t extra_slots)
{
	size_t used, n = 0;

	pthread_mutex_lock(&q->mu);
	used = q->tail - q->head + extra_slots;
	if (used < q->o.slots && q->used < q->o.budget)
		n = q->o.slots - used;
	pthread_mutex_unlock(&q->mu);
	return n;
}

int workq_push(struct workq *q, void *item, size_t cost, int done)
{
	struct workq_slot *sl;

	pthread_mutex_lock(&q->mu);
	if (q->tail - q->head >= q->o.slots) {
		pthread_mutex_unlock(&q->mu);
		return GZ_EBUSY;
	}
	sl = &q->ring[q->tail % q->o.slots];
	sl->item = item;
	sl->cost = cost;
	sl->state = done ? WQ_DONE : WQ_READY;
	q->used += cost;
	q->tail++;
	if (!done)
		pthread_cond_signal(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
	return GZ_OK;
}

void *workq_take(struct workq *q)
{
	struct workq_slot *sl;
	void *item = NULL;

	pthread_mutex_lock(&q->mu);
	sl = &q->ring[q->head % q->o.slots];
	if (q->head < q->tail && sl->state == WQ_DONE) {
		item = sl->item;
		q->used -= sl->cost;
		memset(sl, 0, sizeof *sl);
		q->head++;
		if (q->next < q->head)
			q->next = q->head;
	}
	pthread_mutex_unlock(&q->mu);
	return item;
}

int workq_wait(struct workq *q, long ms)
{
	struct timespec ts;
	int done;

	gz_mono_after(ms > 0 ? ms : 0, &ts);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		done = q->head < q->tail &&
			q->ring[q->head % q->o.slots].state == WQ_DONE;
		if (done || q->head == q->tail || ms <= 0 ||
		    pthread_cond_timedwait(&q->cv_done, &q->mu, &ts) != 0)
			break;
	}
	done = q->head < q->tail &&
		q->ring[q->head % q->o.slots].state == WQ_DONE;
	pthread_mutex_unlock(&q->mu);
	return done;
}

size_t workq_count(struct workq *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->tail - q->head;
	pthread_mutex_unlock(&q->mu);
	return n;
}

unsigned workq_workers(const struct workq *q)
{
	return q->o.workers;
}

void workq_free(struct workq *q, void (*drop)(void *item))
{
	size_t s;

	if (!q)
		return;
	workq_stop(q);
	for (s = q->head; s < q->tail; s++)
		if (drop)
			drop(q->ring[s % q->o.slots].item);
	pthread_cond_destroy(&q->cv_work);
	pthread_cond_destroy(&q->cv_done);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	free(q->thr);
	free(q);
}
