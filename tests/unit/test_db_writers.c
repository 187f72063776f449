/* test_db_writers.c - SQLite writers of one process: the in-process writer
 * lock (src/db/db_sqlite.c) hands the write lock from COMMIT to the next
 * BEGIN, is given back by ROLLBACK, covers autocommit writes, never
 * deadlocks a thread that already writes through another connection, and
 * the WAL stays bounded under a stream of transactions. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../../src/util/log.h"
#include "tmpdb.h"

static char path[512];

static void setup(void)
{
	log_verbose = 0;
	db *d = tmpdb_open(false);
	cr_assert_eq(db_exec(d, "CREATE TABLE counter(n INTEGER NOT NULL); INSERT INTO counter VALUES (0);"
				"CREATE TABLE pad(id INTEGER PRIMARY KEY, v TEXT)"),
		     0, "%s", db_errmsg(d));
	snprintf(path, sizeof(path), "%s/rapport.db", tmpdb_dir());
}

static void teardown(void)
{
	tmpdb_close();
}

TestSuite(db_writers, .init = setup, .fini = teardown, .timeout = 60);

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static db *open_conn(void)
{
	db *c = NULL;
	cr_assert_eq(db_open_sqlite(&c, path), DB_OK);
	return c;
}

static int64_t counter(db *c)
{
	return db_query_int(c, "SELECT n FROM counter", -1);
}

#define THREADS 4
#define ROUNDS 150

static void *bump(void *arg)
{
	int *failures = arg;
	db *c = NULL;
	if (db_open_sqlite(&c, path)) {
		(*failures)++;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		if (db_begin(c) || db_exec(c, "UPDATE counter SET n = n + 1") || db_commit(c)) {
			(*failures)++;
			db_rollback(c);
		}
		/* an autocommit write between transactions */
		if (i % 10 == 0 && db_exec(c, "INSERT INTO pad(v) VALUES ('x')"))
			(*failures)++;
	}
	db_close(c);
	return NULL;
}

Test(db_writers, concurrent_transactions_all_commit)
{
	pthread_t t[THREADS];
	int failures[THREADS] = { 0 };
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, bump, &failures[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(failures[i], 0, "thread %d: %d writes refused", i, failures[i]);
	}
	db *c = open_conn();
	cr_assert_eq(counter(c), THREADS * ROUNDS);
	cr_assert_eq(db_query_int(c, "SELECT count(*) FROM pad", -1), THREADS * (ROUNDS / 10));
	db_close(c);
}

Test(db_writers, rollback_gives_the_lock_back)
{
	db *a = open_conn(), *b = open_conn();
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = 5"), DB_OK);
	cr_assert_eq(db_rollback(a), DB_OK);
	double t0 = now_s();
	cr_assert_eq(db_begin(b), DB_OK, "%s", db_errmsg(b));
	cr_assert_lt(now_s() - t0, 1.0, "the second writer waited for a lock nobody held");
	cr_assert_eq(db_exec(b, "UPDATE counter SET n = 7"), DB_OK);
	cr_assert_eq(db_commit(b), DB_OK);
	/* a failed BEGIN (already in a transaction) keeps the open one's lock */
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_neq(db_exec(a, "BEGIN IMMEDIATE"), DB_OK);
	cr_assert_eq(db_commit(a), DB_OK);
	cr_assert_eq(db_begin(b), DB_OK);
	cr_assert_eq(db_commit(b), DB_OK);
	cr_assert_eq(counter(a), 7);
	db_close(a);
	db_close(b);
}

static void *write_once(void *arg)
{
	db *c = NULL;
	int *rc = arg;
	if (db_open_sqlite(&c, path)) {
		*rc = -100;
		return NULL;
	}
	*rc = db_begin(c);
	if (!*rc) {
		db_exec(c, "UPDATE counter SET n = n + 100");
		*rc = db_commit(c);
	}
	db_close(c);
	return NULL;
}

Test(db_writers, the_next_writer_waits_for_commit_not_a_timeout)
{
	db *a = open_conn();
	cr_assert_eq(db_begin(a), DB_OK);
	int rc = 1;
	pthread_t t;
	pthread_create(&t, NULL, write_once, &rc);
	struct timespec pause = { 0, 200 * 1000000 };
	nanosleep(&pause, NULL);
	cr_assert_eq(rc, 1, "the second writer got in while the first held the lock");
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = n + 1"), DB_OK);
	double t0 = now_s();
	cr_assert_eq(db_commit(a), DB_OK);
	pthread_join(t, NULL);
	cr_assert_eq(rc, DB_OK);
	cr_assert_lt(now_s() - t0, 1.0, "the waiting writer was not woken at COMMIT");
	cr_assert_eq(counter(a), 101);
	db_close(a);
}

/* A thread writing through one connection that opens a transaction on a
 * second one must get "busy" after the timeout, not wait for itself forever. */
Test(db_writers, a_second_connection_of_the_same_thread_does_not_deadlock)
{
	db *a = open_conn(), *b = open_conn();
	cr_assert_eq(db_begin(a), DB_OK);
	double t0 = now_s();
	cr_assert_eq(db_begin(b), DB_ERR_BUSY);
	cr_assert_lt(now_s() - t0, 10.0);
	cr_assert_eq(db_commit(a), DB_OK);
	cr_assert_eq(db_begin(b), DB_OK, "%s", db_errmsg(b));
	cr_assert_eq(db_commit(b), DB_OK);
	db_close(a);
	db_close(b);
}

static volatile int reading;

static void *reader(void *arg)
{
	(void)arg;
	db *c = NULL;
	if (db_open_sqlite(&c, path))
		return NULL;
	while (reading)
		db_query_int(c, "SELECT n FROM counter", 0);
	db_close(c);
	return NULL;
}

static void *fill(void *arg)
{
	int *failures = arg;
	db *c = NULL;
	if (db_open_sqlite(&c, path)) {
		(*failures)++;
		return NULL;
	}
	for (int i = 0; i < 500; i++) {
		/* about 20 new pages a transaction */
		if (db_begin(c) ||
		    db_exec(c, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20) "
			       "INSERT INTO pad(v) SELECT zeroblob(4000) FROM k") ||
		    db_commit(c)) {
			(*failures)++;
			db_rollback(c);
		}
	}
	db_close(c);
	return NULL;
}

/* 80 MB of WAL written by two writers while another connection keeps
 * reading: a checkpoint never catches up with the newest commit, so
 * without a limit the WAL is never reused; past 32 MB it is. */
Test(db_writers, the_wal_stays_bounded)
{
	reading = 1;
	pthread_t r, w[2];
	int failures[2] = { 0 };
	pthread_create(&r, NULL, reader, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&w[i], NULL, fill, &failures[i]);
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i], NULL);
		cr_expect_eq(failures[i], 0, "writer %d: %d transactions refused", i, failures[i]);
	}
	reading = 0;
	pthread_join(r, NULL);
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	struct stat st;
	cr_assert_eq(stat(wal, &st), 0);
	cr_assert_lt(st.st_size, 48L << 20, "the WAL grew to %lld bytes", (long long)st.st_size);
}

/* A transaction whose savepoint journal grows past any in-memory limit (a
 * schema change at start that builds indexes over 1M customers, an import
 * batch) must commit: with SQLITE_CONFIG_STMTJRNL_SPILL at 4 MB, SQLite 3.40
 * failed such a transaction with "database or disk is full" and a server on
 * a large database could not start after an upgrade. */
Test(db_writers, a_large_savepoint_journal_commits)
{
	db *c = open_conn();
	cr_assert_eq(db_exec(c, "CREATE TABLE big(id INTEGER PRIMARY KEY, v TEXT)"), 0, "%s", db_errmsg(c));
	cr_assert_eq(db_exec(c, "BEGIN IMMEDIATE; "
				"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
				"INSERT INTO big(id, v) SELECT i, hex(randomblob(40)) FROM n; COMMIT"),
		     0, "%s", db_errmsg(c));
	cr_assert_eq(db_exec(c, "BEGIN IMMEDIATE"), 0, "%s", db_errmsg(c));
	cr_assert_eq(db_exec(c, "SAVEPOINT s1; UPDATE big SET v = v || 'x'; CREATE INDEX big_v ON big(v); "
				"UPDATE big SET v = substr(v, 2); RELEASE s1"),
		     0, "%s", db_errmsg(c));
	cr_assert_eq(db_exec(c, "COMMIT"), 0, "%s", db_errmsg(c));
	cr_assert_eq(db_query_int(c, "SELECT count(*) FROM big WHERE v LIKE '%x'", -1), 200000);
	db_close(c);
}

/* Group commit (db.h db_batch_*): the callers' transactions become savepoints
 * of the batch's one transaction, nothing is visible to other connections
 * before its COMMIT, an undone request leaves nothing, and the auth
 * generation moves again after the COMMIT. */
Test(db_writers, a_batch_nests_callers_transactions_and_commits_once)
{
	db *a = open_conn(), *b = open_conn();
	cr_assert_eq(db_exec(a, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)"), DB_OK);
	cr_assert_eq(db_batch_begin(a), DB_OK, "%s", db_errmsg(a));
	cr_assert_neq(db_batch_begin(a), DB_OK, "a batch inside a batch");
	/* request 1: its own transaction, kept */
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_neq(db_begin(a), DB_OK, "a second BEGIN inside the caller's transaction");
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = n + 1"), DB_OK);
	cr_assert_eq(db_commit(a), DB_OK);
	cr_assert_neq(db_commit(a), DB_OK, "a COMMIT with no transaction open");
	cr_assert_eq(db_batch_unmark(a, true), DB_OK);
	/* request 2: writes, then fails: undone */
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_exec(a, "BEGIN"), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = n + 10"), DB_OK);
	cr_assert_eq(db_exec(a, "COMMIT"), DB_OK);
	cr_assert_eq(db_batch_unmark(a, false), DB_OK);
	/* request 3: rolls its own transaction back, then writes users (an auth table) */
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = n + 100"), DB_OK);
	cr_assert_eq(db_rollback(a), DB_OK);
	cr_assert_eq(db_rollback(a), DB_OK, "a ROLLBACK with nothing open is a no-op, as outside a batch");
	cr_assert_eq(db_exec(a, "INSERT INTO users(name) VALUES ('x')"), DB_OK);
	cr_assert_eq(db_batch_unmark(a, true), DB_OK);
	/* request 4: leaves its transaction open: undone */
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = n + 1000"), DB_OK);
	cr_assert_eq(db_batch_unmark(a, true), DB_OK);
	cr_assert(db_batch_alive(a));
	cr_assert_eq(counter(a), 1, "the batch's own connection sees what it kept");
	cr_assert_eq(counter(b), 0, "another connection saw the batch before its COMMIT");
	uint64_t gen = db_auth_generation();
	cr_assert_eq(db_batch_end(a, true), DB_OK, "%s", db_errmsg(a));
	cr_assert_gt(db_auth_generation(), gen, "the auth generation did not move after the COMMIT");
	cr_assert(!db_batch_alive(a));
	cr_assert_eq(counter(b), 1);
	cr_assert_eq(db_query_int(b, "SELECT count(*) FROM users", -1), 1);
	/* the lock was given back: another connection writes at once */
	cr_assert_eq(db_begin(b), DB_OK);
	cr_assert_eq(db_commit(b), DB_OK);
	/* db_begin/db_commit are plain transactions again */
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = 5"), DB_OK);
	cr_assert_eq(db_commit(a), DB_OK);
	cr_assert_eq(counter(b), 5);
	db_close(a);
	db_close(b);
}

Test(db_writers, a_batch_rolled_back_or_failing_at_commit_keeps_nothing)
{
	db *a = open_conn(), *b = open_conn();
	cr_assert_eq(db_exec(a, "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
				"CREATE TABLE child(id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) "
				"DEFERRABLE INITIALLY DEFERRED)"),
		     DB_OK);
	cr_assert_eq(db_begin(a), DB_OK);
	cr_assert_neq(db_batch_begin(a), DB_OK, "a batch inside a transaction");
	cr_assert_eq(db_rollback(a), DB_OK);
	cr_assert_eq(db_batch_begin(a), DB_OK);
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = 3"), DB_OK);
	cr_assert_eq(db_batch_unmark(a, true), DB_OK);
	cr_assert_eq(db_batch_end(a, false), DB_OK);
	cr_assert_eq(counter(b), 0);
	/* a deferred foreign key fails the COMMIT: everything is rolled back */
	cr_assert_eq(db_batch_begin(a), DB_OK);
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_exec(a, "UPDATE counter SET n = 4"), DB_OK);
	cr_assert_eq(db_batch_unmark(a, true), DB_OK);
	cr_assert_eq(db_batch_mark(a), DB_OK);
	cr_assert_eq(db_exec(a, "INSERT INTO child(p) VALUES (42)"), DB_OK);
	cr_assert_eq(db_batch_unmark(a, true), DB_OK);
	cr_assert_neq(db_batch_end(a, true), DB_OK);
	cr_assert_eq(counter(b), 0);
	cr_assert_eq(db_query_int(b, "SELECT count(*) FROM child", -1), 0);
	/* and the writer lock is free again */
	cr_assert_eq(db_begin(b), DB_OK, "%s", db_errmsg(b));
	cr_assert_eq(db_exec(b, "UPDATE counter SET n = 6"), DB_OK);
	cr_assert_eq(db_commit(b), DB_OK);
	cr_assert_eq(counter(a), 6);
	db_close(a);
	db_close(b);
}
