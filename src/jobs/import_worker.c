/* import_worker.c - see import_worker.h. */
#include "import_worker.h"
#include "../core/import.h"
#include "../db/db.h"
#include "../util/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int running;
static bool stopping;

/* Between batches: go on unless the server is stopping. */
static bool go_on(int64_t done, int64_t total, void *ud)
{
	(void)done, (void)total, (void)ud;
	pthread_mutex_lock(&mu);
	bool stop = stopping;
	pthread_mutex_unlock(&mu);
	return !stop;
}

static void *work(void *arg)
{
	int64_t id = *(int64_t *)arg;
	free(arg);
	db *d = db_thread();
	if (d)
		import_execute(d, id, go_on, NULL);
	else
		log_error("import %lld: no database connection", (long long)id);
	db_thread_close();
	pthread_mutex_lock(&mu);
	running--;
	pthread_mutex_unlock(&mu);
	return NULL;
}

bool import_worker_start(int64_t id)
{
	int64_t *arg = malloc(sizeof(*arg));
	if (!arg)
		return false;
	*arg = id;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	pthread_mutex_lock(&mu);
	int rc = stopping ? -1 : pthread_create(&t, &at, work, arg);
	if (!rc)
		running++;
	pthread_mutex_unlock(&mu);
	pthread_attr_destroy(&at);
	if (rc) {
		free(arg);
		log_error("import %lld: cannot start a thread", (long long)id);
	}
	return rc == 0;
}

void import_worker_stop(int timeout_ms)
{
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_mutex_unlock(&mu);
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		pthread_mutex_lock(&mu);
		int n = running;
		pthread_mutex_unlock(&mu);
		if (!n)
			return;
		usleep(50 * 1000);
	}
}
