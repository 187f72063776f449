/*
 * slow_queue.h - worker threads for routes too slow for an HTTP thread
 * (password hashing costs ~150 ms).  The connection is suspended while its
 * request waits here and resumed when the work is done.
 */
#ifndef RAPPORT_SLOW_QUEUE_H
#define RAPPORT_SLOW_QUEUE_H

typedef void (*slow_fn)(void *arg);

int slow_queue_start(int threads);
void slow_queue_submit(slow_fn fn, void *arg);
/* Jobs waiting for a worker (not counting the ones running). */
int slow_queue_waiting(void);
/* Finishes the queued work, then joins the threads. */
void slow_queue_stop(void);

#endif
