/* write_batch.c - see write_batch.h.  A mutex, a condition, a FIFO list and
 * one writer thread with its own database connection. */
#include "write_batch.h"
#include "overload.h"
#include "../db/db.h"
#include "../util/clock.h"
#include "../util/env.h"
#include "../util/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STATS_LOG_US (10 * 1000000LL) /* a line about the batches at most this often */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static wb_item *head, *tail;
static int waiting;
static bool enabled, stopping;
static int batch_max = 64;
static pthread_t thread;

static wb_stats stats;          /* under mu */
static wb_stats stats_logged;   /* the writer thread's last log line */
static int64_t stats_logged_at;

static void fail_range(wb_item *from, wb_item *to)
{
	for (wb_item *x = from; x != to; x = x->next)
		x->ops->fail(x);
}

/* One batch: the items from list (linked, NULL-terminated).  Returns false
 * when its COMMIT failed. */
static bool run_batch(db *d, wb_item *list)
{
	bool all_ok = true;
	wb_item *it = list;
	while (it) {
		wb_item *first = it;
		int rc = d ? db_batch_begin(d) : DB_ERR_BUSY;
		if (rc) {
			if (d)
				log_error("write batch: cannot begin: %s", db_errmsg(d));
			fail_range(it, NULL);
			return false;
		}
		bool lost = false;
		while (it && !lost) {
			if (db_batch_mark(d)) {
				it->ops->fail(it);
			} else {
				bool ok = it->ops->run(it);
				if (!db_batch_alive(d))
					lost = true; /* this request and all before it in the transaction are gone */
				else if (db_batch_unmark(d, ok) && ok)
					it->ops->fail(it); /* not kept after all */
			}
			it = it->next;
		}
		rc = db_batch_end(d, !lost);
		if (rc || lost) {
			log_error("write batch: %s: %s", lost ? "the transaction was rolled back" : "COMMIT failed",
				  db_errmsg(d));
			fail_range(first, it);
			all_ok = false;
		}
	}
	return all_ok;
}

static void log_stats(bool final)
{
	int64_t now = clock_monotonic_us();
	if (!final && now - stats_logged_at < STATS_LOG_US)
		return;
	pthread_mutex_lock(&mu);
	wb_stats s = stats;
	pthread_mutex_unlock(&mu);
	uint64_t b = s.batches - stats_logged.batches, n = s.requests - stats_logged.requests;
	if (b)
		log_info("write batches: %llu commits of %llu requests in %llds (%.1f a commit, largest so far %d, %llu failed)",
			 (unsigned long long)b, (unsigned long long)n, (long long)((now - stats_logged_at) / 1000000),
			 (double)n / (double)b, s.largest, (unsigned long long)(s.failed - stats_logged.failed));
	stats_logged = s;
	stats_logged_at = now;
}

static void *writer(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "write-batch");
	for (;;) {
		pthread_mutex_lock(&mu);
		while (!head && !stopping)
			pthread_cond_wait(&cv, &mu);
		wb_item *list = head, *last = head;
		int n = 0;
		if (list) {
			for (n = 1; n < batch_max && last->next; n++)
				last = last->next;
			head = last->next;
			if (!head)
				tail = NULL;
			last->next = NULL;
			waiting -= n;
		}
		pthread_mutex_unlock(&mu);
		if (!list)
			break; /* stopping and nothing left */
		bool ok = run_batch(db_thread(), list);
		pthread_mutex_lock(&mu);
		stats.batches++;
		stats.requests += (uint64_t)n;
		stats.failed += !ok;
		if (n > stats.largest)
			stats.largest = n;
		pthread_mutex_unlock(&mu);
		/* the answers go out only now, after the COMMIT */
		for (wb_item *x = list, *next; x; x = next) {
			next = x->next;
			x->ops->finish(x);
		}
		log_stats(false);
	}
	log_stats(true);
	db_thread_close();
	return NULL;
}

int write_batch_start(bool postgres)
{
	enabled = !postgres && env_long("RAPPORT_WRITE_BATCH", 1, 0, 1);
	batch_max = (int)env_long("RAPPORT_WRITE_BATCH_MAX", 64, 1, 100000);
	stopping = false;
	memset(&stats, 0, sizeof(stats));
	memset(&stats_logged, 0, sizeof(stats_logged));
	stats_logged_at = clock_monotonic_us();
	if (!enabled)
		return 0;
	if (pthread_create(&thread, NULL, writer, NULL)) {
		enabled = false;
		return -1;
	}
	return 0;
}

bool write_batch_enabled(void)
{
	return enabled;
}

bool write_batch_submit(wb_item *it)
{
	pthread_mutex_lock(&mu);
	if (stopping || waiting >= overload_write_queue_max()) {
		pthread_mutex_unlock(&mu);
		return false;
	}
	it->next = NULL;
	if (tail)
		tail->next = it;
	else
		head = it;
	tail = it;
	waiting++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return true;
}

void write_batch_stop(void)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	enabled = false;
}

void write_batch_stats(wb_stats *out)
{
	pthread_mutex_lock(&mu);
	*out = stats;
	pthread_mutex_unlock(&mu);
}
