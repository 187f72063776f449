/*
 * db_sqlite.c - the SQLite backend of db.h.
 *
 * Settings measured in ../shared/FINDINGS.md: WAL with synchronous=NORMAL
 * (durable across a process crash), foreign keys on, a busy timeout so that
 * concurrent writers wait instead of failing.  No mmap and a 16 MB page
 * cache per connection: mmap'd pages count in the server's memory once per
 * connection (600 MB on a 5 GB database under load) and saved nothing
 * measurable on point reads; the OS page cache holds the rest
 * (bench/NOTES.md).
 * Each connection is opened NOMUTEX: it belongs to exactly one thread.
 */
#include "db.h"
#include "db_int.h"
#include "../util/xalloc.h"
#include "../util/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STMT_CACHE 256 /* power of two */

typedef struct sq_db sq_db;

typedef struct sq_stmt {
	db_stmt base;
	sqlite3_stmt *st;
	sq_db *owner;
	char *sql;       /* cache key; NULL for an uncached statement */
	uint32_t hash;
	bool in_use;
} sq_stmt;

struct sq_db {
	db base;
	sqlite3 *h;
	sq_stmt *cache[STMT_CACHE];
	struct writer_lock *writer; /* this file's writer lock (NULL: none) */
	bool holding;            /* this connection holds it: a transaction is open */
	struct timespec busy_since; /* when the current wait for SQLite's lock began */
	bool checkpoint_due;     /* a commit filled the WAL: checkpoint once the locks are given back */
	int wal_pages;           /* the WAL's size at the last commit, in pages */
	long busy_limit_ms;      /* a shorter busy wait than WRITER_WAIT_S (0: none) */
	bool batch;              /* a group commit is open (db_batch_begin): see below */
	bool batch_tx;           /* ... and a caller's db_begin is open in it (SAVEPOINT rapport_tx) */
	int errcode;
	char errmsg[256];
};

/*
 * Writers of one file take an in-process lock before BEGIN IMMEDIATE and
 * give it back when the transaction ends.  Without it, a second writer
 * waits for SQLite's write lock in the busy handler, which sleeps 1, 2, 5,
 * 10 ... ms between tries: with two HTTP threads the other writer was done
 * long before the sleeper woke, and the lock sat unused (bench/NOTES.md).
 * The lock is handed to the writer that has waited longest when a
 * transaction ends (a plain mutex let one thread take it back again and
 * again while another waited 5 s).  An autocommit write (the session's
 * last-seen time) takes it too for its one statement.  Writers in other
 * processes (the CLI) still meet SQLite's lock and the busy handler.  The
 * wait is bounded like the busy timeout (5 s, then "database is locked",
 * 503), and a thread that already holds a writer lock through another
 * connection does not take a second one (it waits in SQLite's busy
 * handler, as before, rather than deadlock).
 */
#define WRITER_FILES 8
#define WRITER_WAIT_S 5

typedef struct writer_waiter {
	struct writer_waiter *next;
	bool granted;
} writer_waiter;

typedef struct writer_lock {
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool held;
	writer_waiter *head, *tail; /* FIFO of waiting writers */
	atomic_int checkpointed; /* the WAL's size in pages at the last checkpoint */
} writer_lock;

static writer_lock writers[WRITER_FILES];
static int nwriters;
static pthread_mutex_t writers_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int writer_held; /* writer locks this thread holds */

static writer_lock *writer_lock_of(const char *path)
{
	if (!path || !*path)
		return NULL; /* a temporary or in-memory database: nobody else writes it */
	writer_lock *w = NULL;
	pthread_mutex_lock(&writers_mu);
	for (int i = 0; i < nwriters && !w; i++)
		if (!strcmp(writers[i].path, path))
			w = &writers[i];
	if (!w && nwriters < WRITER_FILES) {
		w = &writers[nwriters++];
		w->path = xstrdup(path);
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
	}
	pthread_mutex_unlock(&writers_mu);
	return w;
}

static void deadline(struct timespec *until, long ms)
{
	clock_gettime(CLOCK_REALTIME, until);
	until->tv_sec += ms / 1000;
	until->tv_nsec += (ms % 1000) * 1000000;
	if (until->tv_nsec >= 1000000000) {
		until->tv_sec++;
		until->tv_nsec -= 1000000000;
	}
}

/* 0 once the lock is ours, -1 past `until` */
static int fair_lock(writer_lock *w, const struct timespec *until)
{
	pthread_mutex_lock(&w->mu);
	if (!w->held && !w->head) {
		w->held = true;
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	writer_waiter me = { NULL, false };
	if (w->tail)
		w->tail->next = &me;
	else
		w->head = &me;
	w->tail = &me;
	while (!me.granted) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, until) == ETIMEDOUT && !me.granted) {
			writer_waiter **pp = &w->head, *prev = NULL;
			while (*pp != &me) {
				prev = *pp;
				pp = &(*pp)->next;
			}
			*pp = me.next;
			if (w->tail == &me)
				w->tail = prev;
			pthread_mutex_unlock(&w->mu);
			return -1;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* hands the lock to the longest waiter, if any */
static void fair_unlock(writer_lock *w)
{
	pthread_mutex_lock(&w->mu);
	writer_waiter *next = w->head;
	if (next) {
		w->head = next->next;
		if (!w->head)
			w->tail = NULL;
		next->granted = true; /* held stays true: it is next's now */
		pthread_cond_broadcast(&w->cv);
	} else {
		w->held = false;
	}
	pthread_mutex_unlock(&w->mu);
}

static bool fair_busy(writer_lock *w)
{
	pthread_mutex_lock(&w->mu);
	bool held = w->held;
	pthread_mutex_unlock(&w->mu);
	return held;
}

/*
 * SQLite's automatic checkpoint, moved past the writer lock.  SQLite runs it
 * inside COMMIT once the WAL holds 1000 pages, after giving back its own
 * write lock, so other writers go on meanwhile; but inside COMMIT it is
 * also inside the writer lock above, and its fsyncs (seconds on a busy
 * disk) held every other writer up: 503s after 5 s.  The WAL hook only
 * notes that a checkpoint is due; the connection runs the same PASSIVE
 * checkpoint once its transaction is over and the lock given back.
 *
 * Under a steady stream of writes such a checkpoint never catches up with
 * the last commit, so the WAL is never restarted: SQLite's own then
 * checkpoints (and fsyncs twice) after every COMMIT once the file is past
 * 1000 pages, and the WAL grew to 250-450 MB in 10 s.  Here a checkpoint is
 * due only once 1000 pages were added since the last one, and past
 * WAL_LIMIT_PAGES one RESTART checkpoint runs before the writer lock is
 * given back (no writer of this server can append meanwhile; readers get
 * up to RESTART_WAIT_MS to finish) so the next writer starts the WAL from
 * its beginning.  Durability is unchanged: a COMMIT is in the WAL when it
 * returns.
 */
#define CHECKPOINT_PAGES 1000 /* SQLite's default wal_autocheckpoint */
#define WAL_LIMIT_PAGES 8192  /* 32 MB of 4 kB pages */
#define RESTART_WAIT_MS 100

static int note_checkpoint(void *arg, sqlite3 *h, const char *name, int pages)
{
	(void)h; (void)name;
	sq_db *d = arg;
	d->wal_pages = pages;
	int last = d->writer ? atomic_load(&d->writer->checkpointed) : 0;
	if (pages >= CHECKPOINT_PAGES && (pages < last || pages - last >= CHECKPOINT_PAGES))
		d->checkpoint_due = true;
	return SQLITE_OK;
}

static void checkpoint_if_due(sq_db *d)
{
	if (!d->checkpoint_due || d->holding || !sqlite3_get_autocommit(d->h))
		return;
	d->checkpoint_due = false;
	int log = 0, done = 0;
	if (d->writer)
		atomic_store(&d->writer->checkpointed, d->wal_pages); /* others: not due again at once */
	if (sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK && d->writer)
		atomic_store(&d->writer->checkpointed, log);
}

/* inside the writer lock, just after a COMMIT */
static void restart_if_over_limit(sq_db *d)
{
	if (!d->holding || d->wal_pages < WAL_LIMIT_PAGES || !sqlite3_get_autocommit(d->h))
		return;
	d->busy_limit_ms = RESTART_WAIT_MS;
	int log = 0, done = 0;
	if (sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done) == SQLITE_OK) {
		atomic_store(&d->writer->checkpointed, 0);
		d->checkpoint_due = false;
	}
	d->busy_limit_ms = 0;
	d->wal_pages = 0;
}

static void writer_release(sq_db *d)
{
	if (!d->holding)
		return;
	d->holding = false;
	writer_held--;
	fair_unlock(d->writer);
}

/* the lock goes back once the connection is out of its transaction
 * (COMMIT, ROLLBACK, or the end of an autocommit write) */
static void writer_release_if_done(sq_db *d)
{
	if (d->holding && sqlite3_get_autocommit(d->h))
		writer_release(d);
}

/* 0, or -1 when other writers kept the lock past the wait */
static int writer_acquire(sq_db *d)
{
	if (!d->writer || d->holding || writer_held)
		return 0;
	struct timespec until;
	deadline(&until, WRITER_WAIT_S * 1000);
	if (fair_lock(d->writer, &until))
		return -1;
	d->holding = true;
	writer_held++;
	return 0;
}

static int writer_busy_error(sq_db *d)
{
	d->errcode = DB_ERR_BUSY;
	snprintf(d->errmsg, sizeof(d->errmsg), "database is locked (another writer of this server)");
	return DB_ERR_BUSY;
}

/* a group commit (below) whose transaction SQLite rolled back */
static bool batch_lost(sq_db *d)
{
	return sqlite3_get_autocommit(d->h);
}

static int batch_lost_error(sq_db *d)
{
	d->errcode = DB_ERR_BUSY;
	snprintf(d->errmsg, sizeof(d->errmsg), "the group commit's transaction was rolled back");
	return DB_ERR_BUSY;
}

/* The statement cache's key: eight bytes a step (a record's SELECT is a
 * kilobyte or two of text, hashed on every db_prepare; byte by byte that was
 * a few thousand instructions per request). */
static uint32_t hash_str(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 0xcbf29ce484222325u ^ n, w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x100000001b3u;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0x100000001b3u;
	h ^= h >> 32;
	return (uint32_t)h;
}

static int map_error(sq_db *d, int rc)
{
	int ext = sqlite3_extended_errcode(d->h);
	int code;
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
			code = DB_ERR_UNIQUE;
		else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			code = DB_ERR_FOREIGN_KEY;
		else
			code = DB_ERR_CONSTRAINT;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = DB_ERR_BUSY;
		break;
	default:
		code = DB_ERR;
	}
	d->errcode = code;
	snprintf(d->errmsg, sizeof(d->errmsg), "%s", sqlite3_errmsg(d->h));
	return code;
}

static const db_ops sqlite_ops;

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

/*
 * SQLite's lock is taken (busy): wait up to WRITER_WAIT_S in all.  A
 * connection without the writer lock (an autocommit write, a reader during
 * WAL recovery) most likely waits for a transaction of this server: it
 * waits on the writer lock, so it is woken when that transaction ends,
 * instead of sleeping SQLite's coarse 1-100 ms steps (and losing the race
 * to the next transaction again and again: an autocommit write starved for
 * the full 5 s behind a stream of follow-ups).  Otherwise (another process
 * holds the lock, or an autocommit writer of this one) short naps.
 */
static int busy_wait(void *arg, int count)
{
	sq_db *d = arg;
	if (count == 0)
		clock_gettime(CLOCK_MONOTONIC, &d->busy_since);
	long waited = ms_since(&d->busy_since);
	if (waited >= (d->busy_limit_ms ? d->busy_limit_ms : WRITER_WAIT_S * 1000))
		return 0;
	if (d->writer && !d->holding && !writer_held && fair_busy(d->writer)) {
		/* a transaction of this server: wait for our turn, then retry at once */
		struct timespec until;
		deadline(&until, WRITER_WAIT_S * 1000 - waited);
		if (fair_lock(d->writer, &until) == 0)
			fair_unlock(d->writer);
		return 1;
	}
	nap_us(count < 4 ? 100 : count < 20 ? 500 : 2000);
	return 1;
}

/* RAPPORT_SQL_TRACE=1: every statement with its run time on the log, for
 * finding the slow one behind a request (bench/NOTES.md). */
static int trace_profile(unsigned type, void *ctx, void *p, void *x)
{
	(void)type; (void)ctx;
	char *sql = sqlite3_expanded_sql(p);
	log_info("sql %.3fms %s", (double)*(sqlite3_int64 *)x / 1e6, sql ? sql : sqlite3_sql(p));
	sqlite3_free(sql);
	return 0;
}

/* SQLite's statement journals keep their default (64 kB in memory, then a
 * temporary file).  SQLITE_CONFIG_STMTJRNL_SPILL at 4 MB saved a temporary
 * file per follow-up but made SQLite 3.40 fail any transaction whose savepoint
 * journal outgrew it with "database or disk is full" (a schema change over 1M
 * customers at start, a large import batch): unit test db_writers. */

int db_open_sqlite(db **out, const char *path)
{
	sq_db *d = xcalloc(1, sizeof(*d));
	d->base.ops = &sqlite_ops;
	int rc = sqlite3_open_v2(path, &d->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open database %s: %s", path, d->h ? sqlite3_errmsg(d->h) : "out of memory");
		sqlite3_close(d->h);
		free(d);
		return DB_ERR;
	}
	d->writer = writer_lock_of(sqlite3_db_filename(d->h, "main"));
	sqlite3_busy_handler(d->h, busy_wait, d);
	sqlite3_extended_result_codes(d->h, 1);
	if (db_exec(&d->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		       "PRAGMA mmap_size=0; PRAGMA cache_size=-16384;")) {
		log_error("cannot configure database %s: %s", path, d->errmsg);
		db_close(&d->base);
		return DB_ERR;
	}
	if (!db_checkpoint_attach(d->h))
		sqlite3_wal_hook(d->h, note_checkpoint, d);
	const char *trace = getenv("RAPPORT_SQL_TRACE");
	if (trace && *trace == '1')
		sqlite3_trace_v2(d->h, SQLITE_TRACE_PROFILE, trace_profile, NULL);
	if (db_sqlite_register_extensions(d->h)) {
		log_error("cannot register extensions on %s", path);
		db_close(&d->base);
		return DB_ERR;
	}
	*out = &d->base;
	return DB_OK;
}

#define SQ(d) ((sq_db *)(d))
#define ST(s) ((sq_stmt *)(s))

static void sq_close(db *dd)
{
	sq_db *d = SQ(dd);
	writer_release(d);
	for (int i = 0; i < STMT_CACHE; i++) {
		if (d->cache[i]) {
			sqlite3_finalize(d->cache[i]->st);
			free(d->cache[i]->sql);
			free(d->cache[i]);
		}
	}
	sqlite3_close(d->h);
	free(d);
}

static sq_stmt *prepare_new(sq_db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		map_error(d, rc);
		log_error("prepare failed: %s -- %s", d->errmsg, sql);
		return NULL;
	}
	sq_stmt *s = xcalloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	s->st = st;
	s->owner = d;
	return s;
}

static db_stmt *sq_prepare(db *dd, const char *sql)
{
	sq_db *d = SQ(dd);
	uint32_t h = hash_str(sql);
	sq_stmt **slot = &d->cache[h & (STMT_CACHE - 1)];
	sq_stmt *s = *slot;
	if (s && s->hash == h && !s->in_use && !strcmp(s->sql, sql)) {
		s->in_use = true;
		return &s->base;
	}
	sq_stmt *fresh = prepare_new(d, sql);
	if (!fresh)
		return NULL;
	fresh->in_use = true;
	if (!s || !s->in_use) {
		/* take the slot; an idle occupant is evicted */
		if (s) {
			sqlite3_finalize(s->st);
			free(s->sql);
			free(s);
		}
		fresh->sql = xstrdup(sql);
		fresh->hash = h;
		*slot = fresh;
	}
	return &fresh->base;
}

static void sq_done(db_stmt *ss)
{
	sq_stmt *s = ST(ss);
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	writer_release_if_done(s->owner); /* a write ... RETURNING left before its last row */
	checkpoint_if_due(s->owner); /* an autocommit write */
	if (s->sql) {
		s->in_use = false;
	} else {
		sqlite3_finalize(s->st);
		free(s);
	}
}

static int bind_rc(db_stmt *s, int rc)
{
	return rc == SQLITE_OK ? DB_OK : map_error(ST(s)->owner, rc);
}

static int sq_bind_int(db_stmt *s, int idx, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(ST(s)->st, idx, v));
}

static int sq_bind_double(db_stmt *s, int idx, double v)
{
	return bind_rc(s, sqlite3_bind_double(ST(s)->st, idx, v));
}

static int sq_bind_text(db_stmt *s, int idx, const char *v, size_t len)
{
	return bind_rc(s, sqlite3_bind_text(ST(s)->st, idx, v, (int)len, SQLITE_TRANSIENT));
}

static int sq_bind_null(db_stmt *s, int idx)
{
	return bind_rc(s, sqlite3_bind_null(ST(s)->st, idx));
}

static int sq_step(db_stmt *s)
{
	sq_db *d = ST(s)->owner;
	if (d->batch && batch_lost(d))
		return batch_lost_error(d);
	/* an autocommit write takes the writer lock for its statement */
	if (d->writer && !d->holding && !sqlite3_stmt_busy(ST(s)->st) && !sqlite3_stmt_readonly(ST(s)->st) &&
	    sqlite3_get_autocommit(d->h)) {
		if (writer_acquire(d))
			return writer_busy_error(d);
	}
	int rc = sqlite3_step(ST(s)->st);
	if (rc != SQLITE_ROW)
		writer_release_if_done(d);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return map_error(ST(s)->owner, rc);
}

static int sq_col_count(db_stmt *s)
{
	return sqlite3_column_count(ST(s)->st);
}

static const char *sq_col_name(db_stmt *s, int col)
{
	return sqlite3_column_name(ST(s)->st, col);
}

static bool sq_col_is_null(db_stmt *s, int col)
{
	return sqlite3_column_type(ST(s)->st, col) == SQLITE_NULL;
}

static int64_t sq_col_int(db_stmt *s, int col)
{
	return sqlite3_column_int64(ST(s)->st, col);
}

static double sq_col_double(db_stmt *s, int col)
{
	return sqlite3_column_double(ST(s)->st, col);
}

static const char *sq_col_text(db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(ST(s)->st, col);
}

static size_t sq_col_len(db_stmt *s, int col)
{
	return (size_t)sqlite3_column_bytes(ST(s)->st, col);
}

static int exec_raw(sq_db *d, const char *sql)
{
	char *err = NULL;
	/* statements run outside a transaction may write: take the writer lock
	 * (PRAGMAs, run when a connection opens, do not need it) */
	if (d->writer && !d->holding && sqlite3_get_autocommit(d->h) && strncmp(sql, "PRAGMA", 6) &&
	    writer_acquire(d))
		return writer_busy_error(d);
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &err);
	if (rc == SQLITE_OK)
		restart_if_over_limit(d); /* a COMMIT that made the WAL too long */
	writer_release_if_done(d);
	if (rc != SQLITE_OK) {
		int code = map_error(d, rc);
		if (err)
			snprintf(d->errmsg, sizeof(d->errmsg), "%s", err);
		sqlite3_free(err);
		checkpoint_if_due(d);
		return code;
	}
	checkpoint_if_due(d);
	return DB_OK;
}

/*
 * Group commit (db.h db_batch_begin): one BEGIN IMMEDIATE for many requests,
 * each inside SAVEPOINT rapport_req.  While the batch is open a caller's
 * db_begin/db_commit/db_rollback (and BEGIN/COMMIT/ROLLBACK run through
 * db_exec, as op.c does) become SAVEPOINT rapport_tx / RELEASE / ROLLBACK
 * TO on the batch's transaction, so the caller's code is unchanged and its
 * "commit" is made durable by the batch's one COMMIT.  An error after which
 * SQLite rolled the whole transaction back (disk full, I/O, out of memory)
 * leaves the connection in autocommit mode: from then on every statement
 * fails (batch_lost), so that nothing of a request runs outside the batch,
 * until db_batch_end.
 */
enum { TX_NONE, TX_BEGIN, TX_COMMIT, TX_ROLLBACK };

static bool word_is(const char *sql, const char *w)
{
	size_t n = strlen(w);
	if (strncasecmp(sql, w, n))
		return false;
	sql += n;
	while (*sql == ' ' || *sql == ';' || *sql == '\n' || *sql == '\t')
		sql++;
	return !*sql;
}

/* a statement that opens or ends the transaction itself (nothing else in the text) */
static int tx_word(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t')
		sql++;
	if (word_is(sql, "BEGIN") || word_is(sql, "BEGIN IMMEDIATE") || word_is(sql, "BEGIN DEFERRED") ||
	    word_is(sql, "BEGIN EXCLUSIVE") || word_is(sql, "BEGIN TRANSACTION"))
		return TX_BEGIN;
	if (word_is(sql, "COMMIT") || word_is(sql, "END") || word_is(sql, "COMMIT TRANSACTION"))
		return TX_COMMIT;
	if (word_is(sql, "ROLLBACK") || word_is(sql, "ROLLBACK TRANSACTION"))
		return TX_ROLLBACK;
	return TX_NONE;
}

static int batch_begin_tx(sq_db *d)
{
	if (batch_lost(d))
		return batch_lost_error(d);
	if (d->batch_tx) {
		d->errcode = DB_ERR;
		snprintf(d->errmsg, sizeof(d->errmsg), "cannot start a transaction within a transaction");
		return DB_ERR;
	}
	int rc = exec_raw(d, "SAVEPOINT rapport_tx");
	if (!rc)
		d->batch_tx = true;
	return rc;
}

static int batch_commit_tx(sq_db *d)
{
	if (batch_lost(d))
		return batch_lost_error(d);
	if (!d->batch_tx) {
		d->errcode = DB_ERR;
		snprintf(d->errmsg, sizeof(d->errmsg), "cannot commit - no transaction is active");
		return DB_ERR;
	}
	int rc = exec_raw(d, "RELEASE rapport_tx");
	if (!rc)
		d->batch_tx = false; /* else still open: the caller's rollback undoes it */
	return rc;
}

static int batch_rollback_tx(sq_db *d)
{
	if (!d->batch_tx)
		return DB_OK; /* as ROLLBACK outside a transaction */
	d->batch_tx = false;
	if (batch_lost(d))
		return DB_OK; /* already undone, with everything else */
	return exec_raw(d, "ROLLBACK TO rapport_tx; RELEASE rapport_tx");
}

static int sq_begin(db *dd)
{
	sq_db *d = SQ(dd);
	if (d->batch)
		return batch_begin_tx(d);
	if (writer_acquire(d))
		return writer_busy_error(d);
	int rc = exec_raw(d, "BEGIN IMMEDIATE");
	if (rc)
		writer_release_if_done(d);
	return rc;
}

/* The writer lock is given back once the transaction is over; a COMMIT that
 * failed leaves it open, and the caller's rollback ends it. */
static int sq_commit(db *dd)
{
	sq_db *d = SQ(dd);
	if (d->batch)
		return batch_commit_tx(d);
	return exec_raw(d, "COMMIT"); /* gives the writer lock back when it ends the transaction */
}

static int sq_rollback(db *dd)
{
	sq_db *d = SQ(dd);
	if (d->batch)
		return batch_rollback_tx(d);
	int rc = sqlite3_get_autocommit(d->h) ? DB_OK : exec_raw(d, "ROLLBACK");
	if (sqlite3_get_autocommit(d->h))
		writer_release(d);
	checkpoint_if_due(d);
	return rc;
}

static int sq_exec(db *dd, const char *sql)
{
	sq_db *d = SQ(dd);
	if (d->batch) {
		switch (tx_word(sql)) {
		case TX_BEGIN: return batch_begin_tx(d);
		case TX_COMMIT: return batch_commit_tx(d);
		case TX_ROLLBACK: return batch_rollback_tx(d);
		default:
			if (batch_lost(d))
				return batch_lost_error(d);
		}
	}
	return exec_raw(d, sql);
}

/* db_batch_*: the group commit's own steps */
static int sq_batch_begin(db *dd)
{
	sq_db *d = SQ(dd);
	if (d->batch || !sqlite3_get_autocommit(d->h)) {
		d->errcode = DB_ERR;
		snprintf(d->errmsg, sizeof(d->errmsg), "a transaction is already open");
		return DB_ERR;
	}
	if (writer_acquire(d))
		return writer_busy_error(d);
	int rc = exec_raw(d, "BEGIN IMMEDIATE");
	if (rc) {
		writer_release_if_done(d);
		return rc;
	}
	d->batch = true;
	d->batch_tx = false;
	return DB_OK;
}

static int sq_batch_mark(db *dd)
{
	sq_db *d = SQ(dd);
	if (!d->batch || batch_lost(d))
		return batch_lost_error(d);
	d->batch_tx = false;
	return exec_raw(d, "SAVEPOINT rapport_req");
}

static int sq_batch_unmark(db *dd, bool keep)
{
	sq_db *d = SQ(dd);
	if (!d->batch || batch_lost(d))
		return batch_lost_error(d);
	if (d->batch_tx)
		keep = false; /* the caller left its transaction open: undone, like a ROLLBACK at its end */
	d->batch_tx = false;
	int rc = exec_raw(d, keep ? "RELEASE rapport_req" : "ROLLBACK TO rapport_req; RELEASE rapport_req");
	if (rc && keep) /* not released: take it back out, the request failed */
		exec_raw(d, "ROLLBACK TO rapport_req; RELEASE rapport_req");
	return rc;
}

static bool sq_batch_alive(db *dd)
{
	sq_db *d = SQ(dd);
	return d->batch && !batch_lost(d);
}

/* commit: COMMIT, else (or when COMMIT fails) ROLLBACK; the batch is over either way */
static int sq_batch_end(db *dd, bool commit)
{
	sq_db *d = SQ(dd);
	bool lost = !d->batch || batch_lost(d);
	d->batch = false;
	d->batch_tx = false;
	int rc = lost ? batch_lost_error(d) : commit ? exec_raw(d, "COMMIT") : DB_OK;
	if (lost || rc || !commit)
		sq_rollback(dd);
	return rc;
}

static int sq_errcode(db *d)
{
	return SQ(d)->errcode;
}

static const char *sq_errmsg(db *d)
{
	return SQ(d)->errmsg;
}

static int64_t sq_changes(db *d)
{
	return sqlite3_changes64(SQ(d)->h);
}

static bool sq_has_column(db *d, const char *table, const char *col)
{
	sqlite3_stmt *st = NULL;
	bool found = false;
	if (sqlite3_prepare_v2(SQ(d)->h, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

static bool sq_in_transaction(db *d)
{
	return !sqlite3_get_autocommit(SQ(d)->h);
}

static const db_ops sqlite_ops = {
	.kind = DB_SQLITE,
	.name = "sqlite",
	.close = sq_close,
	.prepare = sq_prepare,
	.bind_int = sq_bind_int,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_count = sq_col_count,
	.col_name = sq_col_name,
	.col_is_null = sq_col_is_null,
	.col_int = sq_col_int,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_len = sq_col_len,
	.done = sq_done,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.errcode = sq_errcode,
	.errmsg = sq_errmsg,
	.changes = sq_changes,
	.has_column = sq_has_column,
	.in_transaction = sq_in_transaction,
	.batch_begin = sq_batch_begin,
	.batch_mark = sq_batch_mark,
	.batch_unmark = sq_batch_unmark,
	.batch_alive = sq_batch_alive,
	.batch_end = sq_batch_end,
};
