/*
** workq.h — a bounded pool of worker threads that take items in any order
** and give them back in the order they came.
**
** One thread (the owner) pushes items and takes them back; N worker
** threads process them in between.  Items are numbered as they are
** pushed; workers may finish them out of order, but workq_take hands them
** back strictly in push order, so what the owner does with the results
** does not depend on the timing of the threads.  An item pushed as done
** (no work for the workers) still waits for its turn.
**
** Everything is bounded: at most `slots` items are in the queue, and no
** room is given while the costs (bytes, say) of the items not yet taken
** back reach `budget`.  workq_push never blocks: the owner asks workq_room
** first and, when there is none, stops producing (the crawl stops starting
** transfers) until it has taken some items back.
**
** The owner's waits: workq_wait sleeps until the next item is done; when
** the owner sleeps elsewhere (in curl's poll), the notify callback tells
** it, from the worker thread that finished the next item.
*/
#ifndef GZ_WORKQ_H
#define GZ_WORKQ_H

#include <stddef.h>

#include "gz_err.h"

/* Worker threads, at most. */
#define WORKQ_MAX_WORKERS 64
/* Queue slots, at most. */
#define WORKQ_MAX_SLOTS 65536

/*
** What a worker does with one item (on worker thread `worker`, 0..n-1):
** anything with the item itself and with what arg leads to that no other
** thread touches.  arg is workq_opts.arg.
*/
typedef void (*workq_fn)(void *arg, unsigned worker, void *item);

/* Tell the owner that the next item is done (called from a worker). */
typedef void (*workq_notify_fn)(void *arg);

/* How a queue is made. */
struct workq_opts {
	unsigned workers;       /* threads, 1..WORKQ_MAX_WORKERS */
	size_t slots;           /* items in the queue, 1..WORKQ_MAX_SLOTS */
	size_t budget;          /* total cost of the items in the queue */
	workq_fn process;       /* the work; required */
	workq_notify_fn notify; /* may be NULL */
	void *arg;              /* for process and notify (borrowed) */
};

struct workq;

/*
** A new queue with its threads running, in *out (the caller's, to end
** with workq_free).  GZ_OK, GZ_EINVAL (bad options, named in err),
** GZ_ENOMEM, GZ_EINTERNAL (a thread would not start).
*/
int workq_new(const struct workq_opts *o, struct workq **out, char *err);

/*
** How many more items may be pushed now, beyond the extra_slots the caller
** keeps for items it will push whatever workq_room says (results of
** transfers already running): the free slots less extra_slots, or 0 while
** the costs in the queue are at or above the budget.
*/
size_t workq_room(struct workq *q, size_t extra_slots);

/*
** Append item (owned by the queue until workq_take gives it back) with its
** cost; done: 1 when it needs no work (it is given back in its turn).
** Never blocks.  GZ_OK, or GZ_EBUSY when every slot is taken (nothing
** changed; the caller keeps the item).  Owner thread only.
*/
int workq_push(struct workq *q, void *item, size_t cost, int done);

/*
** The next item in push order when it is done (its cost is released),
** else NULL.  Never blocks.  Owner thread only.
*/
void *workq_take(struct workq *q);

/*
** Wait up to ms milliseconds for the next item to be done.  Returns 1
** when it is, 0 otherwise (also at once when the queue is empty).
*/
int workq_wait(struct workq *q, long ms);

/* Items in the queue (pushed and not taken back). */
size_t workq_count(struct workq *q);

/* Number of worker threads. */
unsigned workq_workers(const struct workq *q);

/*
** Stop the threads (each finishes the item it holds), then give every item
** still in the queue, done or not, in push order, to drop (may be NULL),
** and free q.  NULL is a no-op.
*/
void workq_free(struct workq *q, void (*drop)(void *item));

/*
** The number of workers for a request of n: n, or when n is 0 the online
** cores less `busy` (threads of the caller's that keep a core busy
** themselves); within 1..WORKQ_MAX_WORKERS.
*/
unsigned workq_default_workers(unsigned n, unsigned busy);

#endif /* GZ_WORKQ_H */
