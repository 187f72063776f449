/* test_write_batch.c - the group commit (src/http/write_batch.c over
 * db.h db_batch_*): queued requests share one COMMIT, each is answered only
 * once that COMMIT is done, a failed request is undone without touching its
 * neighbours, the handler's own transactions (db_begin, op.c's COMMIT through
 * db_exec, nested savepoints) become savepoints of the batch, a failed COMMIT
 * answers every request 503 and keeps nothing, and a full queue refuses. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/http/overload.h"
#include "../../src/http/write_batch.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static char path[512];

static void setup(void)
{
	log_verbose = 0;
	db *d = tmpdb_open(false);
	cr_assert_eq(db_exec(d, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
				"CREATE TABLE parent(id INTEGER PRIMARY KEY);"
				"CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER "
				"REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"),
		     0, "%s", db_errmsg(d));
	snprintf(path, sizeof(path), "%s/rapport.db", tmpdb_dir());
	unsetenv("RAPPORT_WRITE_BATCH");
	unsetenv("RAPPORT_WRITE_BATCH_MAX");
	unsetenv("RAPPORT_WRITE_QUEUE_MAX");
	overload_configure();
}

static void teardown(void)
{
	write_batch_stop();
	tmpdb_close();
}

TestSuite(write_batch, .init = setup, .fini = teardown, .timeout = 60);

enum kind {
	K_INSERT,          /* an autocommit INSERT, kept */
	K_FAIL,            /* inserts, then fails (status >= 400): undone */
	K_TX_COMMIT,       /* db_begin, insert, db_commit */
	K_TX_ROLLBACK,     /* db_begin, insert, db_rollback, succeeds */
	K_OP_STYLE,        /* op.c: db_begin, SAVEPOINT sp1, insert, RELEASE sp1, db_exec("COMMIT") */
	K_TX_LEFT_OPEN,    /* db_begin, insert, returns: undone */
	K_BAD_FK,          /* a row the deferred foreign key refuses at COMMIT */
	K_WAIT,            /* waits for `go` first (to let the queue fill) */
	K_FULL,            /* the database is full (max_page_count): SQLite may roll everything back */
	K_UNFULL,          /* lifts max_page_count again, inserts */
};

typedef struct titem {
	wb_item it;
	enum kind kind;
	int id;
	atomic_bool failed, finished, ran;
	int64_t seen_at_finish; /* its row, read by another connection when answered (-1: none) */
	int64_t writer_rc;
} titem;

static sem_t go;
static db *checker; /* the writer thread's second connection: reads what is committed */

static bool t_run(wb_item *w)
{
	titem *x = w->arg;
	db *d = db_thread();
	char sql[128];
	snprintf(sql, sizeof(sql), "INSERT INTO t(id, v) VALUES (%d, 'x')", x->id);
	atomic_store(&x->ran, true);
	switch (x->kind) {
	case K_WAIT:
		sem_wait(&go);
		/* fall through */
	case K_INSERT:
		return db_exec(d, sql) == DB_OK;
	case K_FAIL:
		db_exec(d, sql);
		return false;
	case K_TX_COMMIT:
		return !db_begin(d) && !db_exec(d, sql) && !db_commit(d);
	case K_TX_ROLLBACK:
		return !db_begin(d) && !db_exec(d, sql) && !db_rollback(d);
	case K_OP_STYLE:
		return !db_begin(d) && !db_exec(d, "SAVEPOINT sp1") && !db_exec(d, sql) &&
		       !db_exec(d, "RELEASE SAVEPOINT sp1") && !db_exec(d, "COMMIT");
	case K_TX_LEFT_OPEN:
		return !db_begin(d) && !db_exec(d, sql);
	case K_FULL:
		db_exec(d, "PRAGMA max_page_count = 1");
		snprintf(sql, sizeof(sql), "INSERT INTO t(id, v) VALUES (%d, zeroblob(1000000))", x->id);
		return db_exec(d, sql) == DB_OK;
	case K_UNFULL:
		db_exec(d, "PRAGMA max_page_count = 1073741823");
		return db_exec(d, sql) == DB_OK;
	case K_BAD_FK:
		snprintf(sql, sizeof(sql), "INSERT INTO child(id, parent_id) VALUES (%d, 999999)", x->id);
		return !db_begin(d) && !db_exec(d, sql) && !db_commit(d);
	}
	return false;
}

static void t_fail(wb_item *w)
{
	titem *x = w->arg;
	atomic_store(&x->failed, true);
}

static void t_finish(wb_item *w)
{
	titem *x = w->arg;
	if (!checker)
		db_open_sqlite(&checker, path);
	db_stmt *s = db_prepare(checker, "SELECT count(*) FROM t WHERE id = ?");
	db_bind_int(s, 1, x->id);
	x->seen_at_finish = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
	db_done(s);
	atomic_store(&x->finished, true);
}

static const wb_ops t_ops = { t_run, t_fail, t_finish };

static void item_init(titem *x, enum kind k, int id)
{
	memset(x, 0, sizeof(*x));
	x->it.ops = &t_ops;
	x->it.arg = x;
	x->kind = k;
	x->id = id;
	x->seen_at_finish = -1;
}

static void wait_finished(titem *items, int n)
{
	for (int spins = 0; spins < 20000; spins++) {
		int done = 0;
		for (int i = 0; i < n; i++)
			done += atomic_load(&items[i].finished);
		if (done == n)
			return;
		struct timespec p = { 0, 1000000 };
		nanosleep(&p, NULL);
	}
	cr_assert_fail("not every request was answered");
}

/* submits the first (K_WAIT) item and waits until the writer runs it alone */
static void submit_first(titem *x)
{
	cr_assert(write_batch_submit(&x->it));
	for (int spins = 0; spins < 5000 && !atomic_load(&x->ran); spins++) {
		struct timespec p = { 0, 1000000 };
		nanosleep(&p, NULL);
	}
	cr_assert(atomic_load(&x->ran), "the writer did not take the first request");
}

static int64_t rows(const char *sql)
{
	db *c = NULL;
	cr_assert_eq(db_open_sqlite(&c, path), DB_OK);
	int64_t n = db_query_int(c, sql, -1);
	db_close(c);
	return n;
}

static void stop_all(void)
{
	write_batch_stop();
	if (checker)
		db_close(checker);
	checker = NULL;
}

#define N 200

Test(write_batch, many_requests_share_commits_and_are_answered_after_theirs)
{
	sem_init(&go, 0, 0);
	cr_assert_eq(write_batch_start(false), 0);
	cr_assert(write_batch_enabled());
	static titem items[N];
	item_init(&items[0], K_WAIT, 1);
	cr_assert(write_batch_submit(&items[0].it));
	for (int i = 1; i < N; i++) {
		item_init(&items[i], i % 3 ? K_INSERT : K_TX_COMMIT, i + 1);
		cr_assert(write_batch_submit(&items[i].it));
	}
	sem_post(&go);
	wait_finished(items, N);
	wb_stats st;
	write_batch_stats(&st);
	stop_all();
	for (int i = 0; i < N; i++) {
		cr_expect(!atomic_load(&items[i].failed), "request %d failed", i);
		cr_expect_eq(items[i].seen_at_finish, 1, "request %d was answered before its row was committed", i);
	}
	cr_assert_eq(rows("SELECT count(*) FROM t"), N);
	cr_assert_eq(st.requests, N);
	cr_assert_gt(st.largest, 1, "no two requests shared a COMMIT");
	cr_assert_leq(st.largest, 64, "a batch over the default cap");
	cr_assert_lt(st.batches, N);
	cr_assert_eq(st.failed, 0);
}

Test(write_batch, a_failed_request_does_not_touch_its_neighbours)
{
	sem_init(&go, 0, 0);
	cr_assert_eq(write_batch_start(false), 0);
	static titem items[8];
	enum kind kinds[8] = { K_WAIT, K_INSERT, K_FAIL, K_TX_ROLLBACK, K_OP_STYLE, K_TX_LEFT_OPEN, K_TX_COMMIT, K_INSERT };
	for (int i = 0; i < 8; i++) {
		item_init(&items[i], kinds[i], 100 + i);
		if (i == 0)
			submit_first(&items[0]);
		else
			cr_assert(write_batch_submit(&items[i].it));
	}
	sem_post(&go);
	wait_finished(items, 8);
	wb_stats st;
	write_batch_stats(&st);
	stop_all();
	cr_assert_eq(st.batches, 2, "the 7 queued behind the first should share one COMMIT (%llu)",
		     (unsigned long long)st.batches);
	int64_t want[8] = { 1, 1, 0, 0, 1, 0, 1, 1 };
	for (int i = 0; i < 8; i++) {
		cr_expect(!atomic_load(&items[i].failed), "request %d was answered 503", i);
		char sql[80];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE id = %d", 100 + i);
		cr_expect_eq(rows(sql), want[i], "request %d (kind %d): row count", i, kinds[i]);
		cr_expect_eq(items[i].seen_at_finish, want[i], "request %d", i);
	}
}

Test(write_batch, a_failed_commit_answers_every_request_503_and_keeps_nothing)
{
	sem_init(&go, 0, 0);
	cr_assert_eq(write_batch_start(false), 0);
	static titem items[5];
	enum kind kinds[5] = { K_WAIT, K_INSERT, K_BAD_FK, K_TX_COMMIT, K_INSERT };
	for (int i = 0; i < 5; i++) {
		item_init(&items[i], kinds[i], 200 + i);
		if (i == 0)
			submit_first(&items[0]);
		else
			cr_assert(write_batch_submit(&items[i].it));
	}
	sem_post(&go);
	wait_finished(items, 5);
	/* the next batch is fine again */
	static titem after;
	item_init(&after, K_INSERT, 300);
	cr_assert(write_batch_submit(&after.it));
	wait_finished(&after, 1);
	wb_stats st;
	write_batch_stats(&st);
	stop_all();
	cr_assert(!atomic_load(&items[0].failed), "the first batch (one request) committed");
	for (int i = 1; i < 5; i++)
		cr_expect(atomic_load(&items[i].failed), "request %d of the failed COMMIT was not answered 503", i);
	cr_assert_eq(rows("SELECT count(*) FROM t WHERE id BETWEEN 201 AND 204"), 0);
	cr_assert_eq(rows("SELECT count(*) FROM child"), 0);
	cr_assert_eq(rows("SELECT count(*) FROM t WHERE id IN (200, 300)"), 2);
	cr_assert(!atomic_load(&after.failed));
	cr_assert_eq(st.failed, 1);
}

Test(write_batch, a_full_queue_refuses_at_once)
{
	setenv("RAPPORT_WRITE_QUEUE_MAX", "3", 1);
	overload_configure();
	sem_init(&go, 0, 0);
	cr_assert_eq(write_batch_start(false), 0);
	static titem items[5];
	item_init(&items[0], K_WAIT, 400);
	submit_first(&items[0]); /* the writer took it and waits: three more fit */
	for (int i = 1; i < 4; i++) {
		item_init(&items[i], K_INSERT, 400 + i);
		cr_assert(write_batch_submit(&items[i].it), "request %d refused", i);
	}
	item_init(&items[4], K_INSERT, 404);
	cr_assert(!write_batch_submit(&items[4].it), "a fourth request waiting was accepted");
	sem_post(&go);
	wait_finished(items, 4);
	stop_all();
	cr_assert(!atomic_load(&items[4].ran));
	cr_assert_eq(rows("SELECT count(*) FROM t"), 4);
	unsetenv("RAPPORT_WRITE_QUEUE_MAX");
	overload_configure();
}

Test(write_batch, off_by_setting_and_on_postgres)
{
	setenv("RAPPORT_WRITE_BATCH", "0", 1);
	cr_assert_eq(write_batch_start(false), 0);
	cr_assert(!write_batch_enabled());
	unsetenv("RAPPORT_WRITE_BATCH");
	cr_assert_eq(write_batch_start(true), 0);
	cr_assert(!write_batch_enabled());
}

/* Whatever SQLite does with a full database (undo the statement, or the
 * whole transaction: then every request of it is answered 503 and a new
 * transaction runs the rest), an answer is never a lie: each request not
 * answered 503 has its row, each one answered 503 has none. */
Test(write_batch, a_full_database_mid_batch_answers_truthfully)
{
	sem_init(&go, 0, 0);
	cr_assert_eq(write_batch_start(false), 0);
	static titem items[6];
	enum kind kinds[6] = { K_WAIT, K_INSERT, K_INSERT, K_FULL, K_UNFULL, K_INSERT };
	for (int i = 0; i < 6; i++) {
		item_init(&items[i], kinds[i], 500 + i);
		if (i == 0)
			submit_first(&items[0]);
		else
			cr_assert(write_batch_submit(&items[i].it));
	}
	sem_post(&go);
	wait_finished(items, 6);
	stop_all();
	for (int i = 0; i < 6; i++) {
		char sql[80];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE id = %d", 500 + i);
		bool failed = atomic_load(&items[i].failed);
		if (kinds[i] == K_FULL)
			cr_expect_eq(rows(sql), 0, "the request that filled the database kept its row");
		else
			cr_expect_eq(rows(sql), failed ? 0 : 1, "request %d answered %s", i, failed ? "503" : "ok");
	}
	cr_assert(!atomic_load(&items[0].failed));
	cr_assert(!atomic_load(&items[4].failed), "the request after the loss runs in a new transaction");
	cr_assert(!atomic_load(&items[5].failed));
	/* SQLite 3.40 rolls the whole transaction back on SQLITE_FULL: the path above was taken */
	cr_assert(atomic_load(&items[1].failed), "the transaction survived: the lost-transaction path was not tried");
}
