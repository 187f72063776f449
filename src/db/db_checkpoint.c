/*
 * db_checkpoint.c - WAL checkpoints of the SQLite file from a background
 * thread, so no request waits for one.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT of whichever request
 * pushed the WAL past 1000 pages and fsyncs the database file there: every
 * ~8th follow-up waited 25 ms or more for it (bench/NOTES.md).  While the
 * checkpointer runs, connections opened by db_open_sqlite() have no automatic
 * checkpoint; instead their WAL hook wakes this thread when the WAL holds
 * WAKE_PAGES, and the thread runs a PASSIVE checkpoint (it never blocks a
 * reader or writer) at least once a second.  Should readers keep a PASSIVE
 * checkpoint from finishing while the WAL grows past LIMIT_PAGES, a
 * RESTART checkpoint bounds it (a short wait for readers each second; the
 * full busy timeout past four times the limit).  RESTART, not TRUNCATE: the
 * next writers overwrite the file from its start instead of growing a new
 * one block by block (measured: 430-580 -> 710-740 follow-ups/s).  Durability is the WAL's either way: an answered COMMIT is in
 * the WAL file, which survives a process crash (synchronous=NORMAL).
 */
#include "db.h"
#include "db_int.h"
#include "../util/log.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#define WAKE_PAGES 1000    /* SQLite's own automatic checkpoint threshold */
#define LIMIT_PAGES 16384  /* 64 MB of 4 kB pages: then RESTART */

static atomic_bool active;
static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool running, wake;
static sqlite3 *conn;

static int wal_hook(void *unused, sqlite3 *h, const char *name, int pages)
{
	(void)unused; (void)h; (void)name;
	if (pages >= WAKE_PAGES) {
		pthread_mutex_lock(&mu);
		wake = true;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return SQLITE_OK;
}

bool db_checkpoint_attach(sqlite3 *h)
{
	if (!atomic_load(&active))
		return false;
	sqlite3_wal_hook(h, wal_hook, NULL); /* replaces the automatic checkpoint */
	return true;
}

static void checkpoint(void)
{
	int log_pages = -1, done = -1;
	int rc = sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_error("checkpoint: %s", sqlite3_errmsg(conn));
	if (log_pages > LIMIT_PAGES && done < log_pages) {
		/* RESTART holds the write lock while it waits for readers: writers
		 * stall for that long (a 5 s wait turned into 503s under 32 writing
		 * connections).  Wait briefly and try again next second; only a WAL
		 * four times over the limit may make writers wait the full timeout. */
		int held = log_pages;
		bool hard = held > 4 * LIMIT_PAGES;
		sqlite3_busy_timeout(conn, hard ? 5000 : 100);
		rc = sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_RESTART, &log_pages, &done);
		sqlite3_busy_timeout(conn, 5000);
		if (rc != SQLITE_OK && hard)
			log_error("checkpoint: the WAL holds %d pages and cannot be restarted: %s", held,
				  sqlite3_errmsg(conn));
	}
}

static void *run(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&mu);
	while (running) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (running && !wake && pthread_cond_timedwait(&cv, &mu, &until) == 0)
			;
		wake = false;
		pthread_mutex_unlock(&mu);
		checkpoint();
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int db_checkpointer_start(const char *path)
{
	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_error("checkpoint: cannot open %s: %s", path, conn ? sqlite3_errmsg(conn) : "out of memory");
		sqlite3_close(conn);
		conn = NULL;
		return -1;
	}
	sqlite3_busy_timeout(conn, 5000);
	sqlite3_exec(conn, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	running = true;
	if (pthread_create(&thread, NULL, run, NULL)) {
		running = false;
		sqlite3_close(conn);
		conn = NULL;
		return -1;
	}
	atomic_store(&active, true);
	return 0;
}

void db_checkpointer_stop(void)
{
	if (!conn)
		return;
	atomic_store(&active, false);
	pthread_mutex_lock(&mu);
	running = false;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	checkpoint();
	sqlite3_close(conn);
	conn = NULL;
}
