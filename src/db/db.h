/*
 * db.h - the one database interface of Rapport, backend-neutral.
 *
 * Callers write SQL with `?` placeholders in the common subset of SQLite and
 * PostgreSQL and never see the backend.  A connection belongs to one thread;
 * db_thread() hands each thread its own, opened on first use from the
 * settings given to db_configure(), and closed when the thread exits.
 *
 * Statements are cached per connection by their SQL text: db_prepare() is
 * cheap on the second call.  Every statement taken with db_prepare() must be
 * given back with db_done() (on every path), which resets it for reuse.
 *
 * Errors: functions return a negative DB_ERR_* code; db_errmsg() tells more.
 */
#ifndef RAPPORT_DB_H
#define RAPPORT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db;
typedef struct db_stmt db_stmt;

enum {
	DB_DONE = 0,      /* db_step: no more rows */
	DB_ROW = 1,       /* db_step: a row is ready */
	DB_OK = 0,
	DB_ERR = -1,      /* anything else */
	DB_ERR_UNIQUE = -2,
	DB_ERR_FOREIGN_KEY = -3,
	DB_ERR_BUSY = -4, /* locked or unreachable: retry later (HTTP 503) */
	DB_ERR_CONSTRAINT = -5,
};

enum db_kind { DB_SQLITE, DB_POSTGRES };

/* Where db_thread() connects: PostgreSQL when RAPPORT_DATABASE_URL is set
 * (postgres://user:pass@host:port/db), else the SQLite file DIR/rapport.db. */
int db_configure(const char *data_dir);
/* True when db_configure chose PostgreSQL. */
bool db_configured_postgres(void);
/* This thread's connection, or NULL (logged) when it cannot be opened. */
db *db_thread(void);
/* Closes this thread's connection now (it is reopened on next use). */
void db_thread_close(void);
/* SQLite: WAL checkpoints from a background thread instead of inside the
 * COMMITs of connections opened afterwards (db_checkpoint.c); nothing on
 * PostgreSQL.  The server starts it before its threads, stops it after. */
int db_checkpoints_start(void);
void db_checkpoints_stop(void);

int db_open_sqlite(db **out, const char *path);
int db_open_postgres(db **out, const char *url);
void db_close(db *d);
enum db_kind db_kind(const db *d);
const char *db_kind_name(const db *d);

db_stmt *db_prepare(db *d, const char *sql);
/* As db_prepare, for a statement whose best plan depends on its values (a
 * scope's owner and pool): PostgreSQL plans it for them at every run and
 * never keeps one generic plan for it; SQLite plans as for any other. */
db_stmt *db_prepare_replanned(db *d, const char *sql);
int db_bind_int(db_stmt *s, int idx, int64_t v);          /* idx from 1 */
int db_bind_double(db_stmt *s, int idx, double v);
int db_bind_text(db_stmt *s, int idx, const char *v, size_t len);
int db_bind_str(db_stmt *s, int idx, const char *v);      /* NULL binds NULL */
int db_bind_null(db_stmt *s, int idx);
int db_step(db_stmt *s);                                  /* DB_ROW, DB_DONE or <0 */
int db_col_count(db_stmt *s);
const char *db_col_name(db_stmt *s, int col);             /* col from 0 */
bool db_col_is_null(db_stmt *s, int col);
int64_t db_col_int(db_stmt *s, int col);
double db_col_double(db_stmt *s, int col);
const char *db_col_text(db_stmt *s, int col);             /* NULL for NULL; valid until next step */
size_t db_col_len(db_stmt *s, int col);
void db_done(db_stmt *s);

/* Runs SQL without parameters or results; may hold several statements. */
int db_exec(db *d, const char *sql);
/* Runs a one-row, one-integer query with up to one int parameter; def when no row. */
int64_t db_query_int(db *d, const char *sql, int64_t def);

int db_begin(db *d);   /* immediate: takes the write lock at once */
int db_commit(db *d);
int db_rollback(db *d);

/*
 * Group commit (SQLite only; the server's write batcher, http/write_batch.c):
 * many requests' transactions in one, made durable by one COMMIT.
 *   db_batch_begin     BEGIN IMMEDIATE (waits for the writer lock like db_begin);
 *                      DB_ERR on PostgreSQL or inside a transaction.
 *   db_batch_mark      before one request: SAVEPOINT rapport_req.
 *   db_batch_unmark    after it: keep its changes (RELEASE) or undo them (ROLLBACK
 *                      TO); a db_begin it left open is undone.
 *   db_batch_alive     false once an error made SQLite roll the whole
 *                      transaction back (disk full, I/O): from then on every
 *                      statement fails with DB_ERR_BUSY until db_batch_end.
 *   db_batch_end       COMMIT (commit true) or ROLLBACK; a failed COMMIT is
 *                      rolled back.  The batch is over either way.
 * While a batch is open, db_begin / db_commit / db_rollback on that
 * connection (and BEGIN / COMMIT / ROLLBACK run alone through db_exec) become
 * SAVEPOINT rapport_tx / RELEASE / ROLLBACK TO: a request's "commit" is only
 * made durable by db_batch_end, which its caller must wait for before
 * answering.  db_auth_generation moves again after that COMMIT (the
 * connection stays in a transaction until then).
 */
int db_batch_begin(db *d);
int db_batch_mark(db *d);
int db_batch_unmark(db *d, bool keep);
bool db_batch_alive(db *d);
int db_batch_end(db *d, bool commit);

/* Does table have the column? (for the schema derived from declarations) */
bool db_has_column(db *d, const char *table, const char *col);
/* A FROM item yielding the elements of the JSON array expr as text in a
 * column named value: "json_each(expr)" on SQLite, json_array_elements_text
 * on PostgreSQL.  Written into out (n bytes), which it returns. */
const char *db_sql_json_values(db *d, const char *expr, char *out, size_t n);

/* Refreshes the planner's statistics (which index fits a query). */
int db_analyze(db *d);
/* Holds (or releases) the lock that lets one server at a time change the schema. */
int db_schema_lock(db *d, bool lock);

int db_errcode(db *d);
const char *db_errmsg(db *d);
/* Number of rows the last INSERT/UPDATE/DELETE changed. */
int64_t db_changes(db *d);

/* The auth generation: a number that moves whenever this process writes
 * (and then commits or rolls back) a table that sessions and permissions are
 * read from (sessions, users, roles, departments), on any thread and either
 * database.  Caches of them (core/session_cache.c, acl_load) take it before
 * reading the database and are valid while it stays the same.  Writes by
 * other processes do not move it. */
uint64_t db_auth_generation(void);
/* Whether a statement may write one of those tables (exposed for tests). */
bool db_sql_writes_auth(const char *sql);

#endif
