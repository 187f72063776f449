/*
 * db_thread.c - one connection per thread, opened on first use.
 *
 * libmicrohttpd's pool threads and the worker threads each call db_thread();
 * the pthread key's destructor closes the connection when the thread exits,
 * so a graceful shutdown closes every connection cleanly.
 */
#include "db.h"
#include "db_int.h"
#include "../util/xalloc.h"
#include "../util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *db_path;
static char *db_url;
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void close_conn(void *p)
{
	db_close(p);
}

static void make_key(void)
{
	pthread_key_create(&conn_key, close_conn);
	/* No memory statistics: with them every SQLite allocation and free takes
	 * one global mutex, shared by all the server's threads (about fifty times
	 * per get by id; bench/NOTES.md).  Nothing reads the statistics.  Only
	 * effective before SQLite initialises, which the first connection does. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_configure(const char *data_dir)
{
	pthread_once(&key_once, make_key);
	size_t n = strlen(data_dir) + 16;
	free(db_path);
	db_path = xmalloc(n);
	snprintf(db_path, n, "%s/rapport.db", data_dir);
	const char *url = getenv("RAPPORT_DATABASE_URL");
	free(db_url);
	db_url = url && *url ? xstrdup(url) : NULL;
	return 0;
}

bool db_configured_postgres(void)
{
	return db_url != NULL;
}

/* Off unless RAPPORT_BACKGROUND_CHECKPOINT=1: measured at 1M customers, it
 * raises follow-ups/s by a quarter (457 -> 584 at 32 connections) but its
 * tail is a dozen times worse (p99 166 ms -> 2 s, and 503s past the queue
 * budget), and a predictable save matters more to a rep than throughput. */
int db_checkpoints_start(void)
{
	const char *on = getenv("RAPPORT_BACKGROUND_CHECKPOINT");
	if (db_url || !db_path || !on || strcmp(on, "1"))
		return 0;
	return db_checkpointer_start(db_path);
}

void db_checkpoints_stop(void)
{
	db_checkpointer_stop();
}

db *db_thread(void)
{
	pthread_once(&key_once, make_key);
	db *d = pthread_getspecific(conn_key);
	if (d)
		return d;
	if (!db_path) {
		log_error("db_thread: database not configured");
		return NULL;
	}
	if (db_url ? db_open_postgres(&d, db_url) : db_open_sqlite(&d, db_path))
		return NULL;
	pthread_setspecific(conn_key, d);
	return d;
}

void db_thread_close(void)
{
	pthread_once(&key_once, make_key);
	db *d = pthread_getspecific(conn_key);
	if (d) {
		db_close(d);
		pthread_setspecific(conn_key, NULL);
	}
}
