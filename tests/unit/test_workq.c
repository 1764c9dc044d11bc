/*
** test_workq.c — the ordered worker pool (workq.h): items come back in the
** order they went in whatever the workers' timing, each processed once;
** the slot and budget bounds; what workq_free hands back.
*/
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "gz_err.h"
#include "workq.h"

/* One test item. */
struct titem {
	unsigned seq;       /* push order */
	unsigned spin;      /* work to do (microseconds of sleep) */
	int processed;      /* times a worker had it */
	unsigned worker;    /* which worker */
	int dropped;        /* given to the drop callback */
	struct titem *next; /* dropped list */
};

/* Shared state of a test. */
struct tstate {
	pthread_mutex_t mu; /* guards notified */
	unsigned notified;  /* notify calls */
	unsigned workers;   /* workers of the queue, to check ids */
};

/* workq_fn: sleep a little, count. */
static void tprocess(void *arg, unsigned worker, void *item)
{
	struct tstate *ts = arg;
	struct titem *it = item;
	struct timespec d = { 0, (long)it->spin * 1000 };

	if (it->spin)
		nanosleep(&d, NULL);
	it->processed++;
	it->worker = worker;
	(void)ts;
}

/* workq_notify_fn: count. */
static void tnotify(void *arg)
{
	struct tstate *ts = arg;

	pthread_mutex_lock(&ts->mu);
	ts->notified++;
	pthread_mutex_unlock(&ts->mu);
}

/* drop callback: mark. */
static void tdrop(void *item)
{
	((struct titem *)item)->dropped++;
}

/* A queue with these bounds over ts. */
static struct workq *tnew(struct tstate *ts, unsigned workers, size_t slots,
			  size_t budget)
{
	struct workq_opts o;
	struct workq *q = NULL;
	char err[GZ_ERRLEN] = "";

	memset(&o, 0, sizeof o);
	o.workers = workers;
	o.slots = slots;
	o.budget = budget;
	o.process = tprocess;
	o.notify = tnotify;
	o.arg = ts;
	ts->workers = workers;
	assert_int_equal(workq_new(&o, &q, err), GZ_OK);
	assert_non_null(q);
	assert_int_equal(workq_workers(q), workers);
	return q;
}

/*
** 2000 items of random work, some pushed as done, through 4 workers and
** 16 slots: every one comes back once, in push order, processed once
** unless it was pushed done.
*/
static void test_order_kept(void **state)
{
	enum { N = 2000 };
	struct tstate ts;
	struct titem *items = calloc(N, sizeof *items);
	struct workq *q;
	unsigned pushed = 0, taken = 0, seed = 7, used_workers = 0;

	(void)state;
	assert_non_null(items);
	memset(&ts, 0, sizeof ts);
	pthread_mutex_init(&ts.mu, NULL);
	q = tnew(&ts, 4, 16, 1u << 30);
	while (taken < N) {
		struct titem *it;

		while (pushed < N && workq_room(q, 0) > 0) {
			seed = seed * 1103515245 + 12345;
			items[pushed].seq = pushed;
			items[pushed].spin = (seed >> 16) % 300;
			assert_int_equal(workq_push(q, &items[pushed], 1,
						    (seed >> 8) % 5 == 0),
					 GZ_OK);
			pushed++;
		}
		if (!workq_wait(q, 1000))
			continue;
		while ((it = workq_take(q)) != NULL) {
			assert_int_equal(it->seq, taken);
			taken++;
		}
	}
	assert_int_equal(workq_count(q), 0);
	assert_null(workq_take(q));
	assert_int_equal(workq_wait(q, 10), 0); /* empty: at once */
	workq_free(q, tdrop);
	for (unsigned i = 0; i < N; i++) {
		assert_true(items[i].processed <= 1);
		assert_int_equal(items[i].dropped, 0);
		if (items[i].processed)
			used_workers |= 1u << items[i].worker;
	}
	assert_true(used_workers != 0 && used_workers < 16);
	assert_true(ts.notified > 0);
	pthread_mutex_destroy(&ts.mu);
	free(items);
}

/* Slots and budget bound what workq_room allows; push refuses past slots. */
static void test_bounds(void **state)
{
	struct tstate ts;
	struct titem it[6];
	struct workq *q;

	(void)state;
	memset(&ts, 0, sizeof ts);
	memset(it, 0, sizeof it);
	pthread_mutex_init(&ts.mu, NULL);
	q = tnew(&ts, 1, 4, 100);
	assert_int_equal(workq_room(q, 0), 4);
	assert_int_equal(workq_room(q, 3), 1);
	assert_int_equal(workq_room(q, 4), 0);
	assert_int_equal(workq_room(q, 9), 0);
	/* One item over the whole budget still goes in alone. */
	assert_int_equal(workq_push(q, &it[0], 500, 1), GZ_OK);
	assert_int_equal(workq_room(q, 0), 0);
	assert_ptr_equal(workq_take(q), &it[0]);
	assert_int_equal(workq_room(q, 0), 4);
	/* Under the budget: room by slots; at it: none. */
	assert_int_equal(workq_push(q, &it[1], 60, 1), GZ_OK);
	assert_int_equal(workq_room(q, 0), 3);
	assert_int_equal(workq_push(q, &it[2], 40, 1), GZ_OK);
	assert_int_equal(workq_room(q, 0), 0);
	/* The caller may still push into free slots (running transfers). */
	assert_int_equal(workq_push(q, &it[3], 10, 1), GZ_OK);
	assert_int_equal(workq_push(q, &it[4], 10, 1), GZ_OK);
	assert_int_equal(workq_push(q, &it[5], 10, 1), GZ_EBUSY);
	assert_int_equal(workq_count(q), 4);
	assert_ptr_equal(workq_take(q), &it[1]);
	assert_ptr_equal(workq_take(q), &it[2]);
	assert_int_equal(workq_room(q, 0), 2);
	workq_free(q, tdrop);
	assert_int_equal(it[3].dropped + it[4].dropped, 2);
	assert_int_equal(it[1].dropped + it[5].dropped, 0);
	pthread_mutex_destroy(&ts.mu);
}

/* workq_free hands back every item left, done or not, and stops. */
static void test_free_drops_the_rest(void **state)
{
	struct tstate ts;
	struct titem it[8];
	struct workq *q;
	int i, dropped = 0;

	(void)state;
	memset(&ts, 0, sizeof ts);
	memset(it, 0, sizeof it);
	pthread_mutex_init(&ts.mu, NULL);
	q = tnew(&ts, 2, 8, 1000);
	for (i = 0; i < 8; i++) {
		it[i].spin = 20000;
		assert_int_equal(workq_push(q, &it[i], 1, i == 3), GZ_OK);
	}
	workq_free(q, tdrop);
	for (i = 0; i < 8; i++) {
		dropped += it[i].dropped;
		assert_true(it[i].processed <= 1);
	}
	assert_int_equal(dropped, 8);
	workq_free(NULL, tdrop);
	pthread_mutex_destroy(&ts.mu);
}

/* Bad options are refused; the worker count is bounded. */
static void test_options(void **state)
{
	struct workq_opts o;
	struct workq *q = NULL;
	char err[GZ_ERRLEN] = "";

	(void)state;
	memset(&o, 0, sizeof o);
	o.workers = 1;
	o.slots = 1;
	assert_int_equal(workq_new(&o, &q, err), GZ_EINVAL); /* no process */
	o.process = tprocess;
	o.workers = 0;
	assert_int_equal(workq_new(&o, &q, err), GZ_EINVAL);
	o.workers = WORKQ_MAX_WORKERS + 1;
	assert_int_equal(workq_new(&o, &q, err), GZ_EINVAL);
	o.workers = 1;
	o.slots = 0;
	assert_int_equal(workq_new(&o, &q, err), GZ_EINVAL);
	assert_null(q);
	assert_true(strstr(err, "workers") != NULL);
	assert_true(workq_default_workers(0, 0) >= 1);
	assert_true(workq_default_workers(0, 0) >= workq_default_workers(0, 1));
	assert_int_equal(workq_default_workers(0, 1000), 1);
	assert_int_equal(workq_default_workers(3, 1), 3);
	assert_int_equal(workq_default_workers(1000, 0), WORKQ_MAX_WORKERS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_kept),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_free_drops_the_rest),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
