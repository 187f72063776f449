/*
 * write_batch.h - group commit of SQLite writes.
 *
 * One SQLite file takes one write transaction at a time, and a transaction
 * per request made every follow-up pay its own COMMIT (the WAL frames of the
 * pages every request rewrites: the table's last leaf, index leaves, the
 * search index's structure pages, the audit rows) under the writer lock.
 * Here the requests of routes flagged ROUTE_BATCH (api.h) are queued, their
 * connections suspended, and ONE writer thread takes what is queued (up to
 * the batch cap): BEGIN IMMEDIATE once, each request inside its own
 * savepoint (db.h db_batch_*: the handler's own BEGIN / COMMIT / ROLLBACK
 * become SAVEPOINT / RELEASE / ROLLBACK TO), one COMMIT, and only then are
 * the requests answered.  A request that failed (status >= 400) is rolled
 * back to its savepoint and does not touch its neighbours; if the COMMIT
 * fails, nothing was committed and every request of the batch is answered
 * 503.  While one batch runs the next one fills up, so the more writers are
 * in flight, the more requests share a COMMIT.
 *
 * The queue is bounded (overload.h RAPPORT_WRITE_QUEUE_MAX): the caller
 * answers 503 at once when write_batch_submit refuses.
 *
 * Settings (environment, read by write_batch_start):
 *   RAPPORT_WRITE_BATCH=0|1       off / on (default on with SQLite; always
 *                                 off with PostgreSQL, which keeps one
 *                                 transaction per request)
 *   RAPPORT_WRITE_BATCH_MAX=64    requests per COMMIT at most
 */
#ifndef RAPPORT_WRITE_BATCH_H
#define RAPPORT_WRITE_BATCH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct wb_item wb_item;

typedef struct wb_ops {
	/* Runs the request on the writer thread (the database is db_thread());
	 * true when it succeeded and its changes are kept. */
	bool (*run)(wb_item *it);
	/* Replaces its answer by 503: its changes were not committed. */
	void (*fail)(wb_item *it);
	/* Its answer is final (after the COMMIT): hand it back to its connection. */
	void (*finish)(wb_item *it);
} wb_ops;

struct wb_item {
	const wb_ops *ops;
	void *arg;
	wb_item *next;
};

/* Starts the writer thread when batching is on; 0, or -1. */
int write_batch_start(bool postgres);
/* Is batching on (write_batch_start said so)? */
bool write_batch_enabled(void);
/* Queues it; false when the queue is full (nothing was run: answer 503). */
bool write_batch_submit(wb_item *it);
/* Runs what is queued, then stops the thread. */
void write_batch_stop(void);

typedef struct wb_stats {
	uint64_t batches;     /* COMMITs (or rollbacks) */
	uint64_t requests;    /* requests run in them */
	uint64_t failed;      /* batches whose COMMIT failed */
	int largest;          /* the largest batch */
} wb_stats;
void write_batch_stats(wb_stats *out);

#endif
