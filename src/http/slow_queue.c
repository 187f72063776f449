/* slow_queue.c - see slow_queue.h.  A mutex, a condition and a FIFO list. */
#include "slow_queue.h"
#include "../util/xalloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define MAX_THREADS 8

typedef struct job {
	slow_fn fn;
	void *arg;
	struct job *next;
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static job *head, *tail;
static bool stopping;
static pthread_t threads[MAX_THREADS];
static int nthreads;
static int waiting;

static void *worker(void *unused)
{
	(void)unused;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (!head && !stopping)
			pthread_cond_wait(&cv, &mu);
		job *j = head;
		if (j) {
			waiting--;
			head = j->next;
			if (!head)
				tail = NULL;
		}
		pthread_mutex_unlock(&mu);
		if (!j)
			return NULL; /* stopping and nothing left */
		j->fn(j->arg);
		free(j);
	}
}

int slow_queue_start(int n)
{
	stopping = false;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	for (nthreads = 0; nthreads < n; nthreads++)
		if (pthread_create(&threads[nthreads], NULL, worker, NULL))
			return -1;
	return 0;
}

void slow_queue_submit(slow_fn fn, void *arg)
{
	job *j = xcalloc(1, sizeof(*j));
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&mu);
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	waiting++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

int slow_queue_waiting(void)
{
	pthread_mutex_lock(&mu);
	int n = waiting;
	pthread_mutex_unlock(&mu);
	return n;
}

void slow_queue_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
}
