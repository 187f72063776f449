/*
 * db.c - the public face of db.h: each call dispatches to the connection's
 * backend, plus the few SQL fragments that differ between backends.
 */
#include "db_int.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * The auth generation (db.h): moves on every write to a table that a
 * caller's session or permissions are read from.  A statement that may write
 * one is seen when it is prepared (or run by db_exec): the number moves then,
 * and again on every later db_done/db_exec/db_commit/db_rollback of this
 * thread until its connection is outside a transaction, so the last move
 * always comes after the commit.  A cache remembers the number it read
 * before its own database read and is valid while the number is unchanged.
 */
static atomic_uint_fast64_t auth_gen = 1;
static _Thread_local db *auth_pending; /* wrote such a table; not settled yet */

static const char *const auth_tables[] = { "sessions", "users", "roles", "departments" };
static const char *const write_words[] = { "insert", "update", "delete", "replace", "drop", "alter", "truncate" };
/* The idle-clock refresh (auth.c): it changes nothing a cache keeps (each keeps
 * its own last_seen_at and goes back to the database before the idle limit). */
static const char refresh_sql[] = "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?";

static bool word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncasecmp(w, list[i], n))
			return true;
	return false;
}

/* May sql write one of auth_tables?  Any write keyword plus any of the names
 * as whole words: a false yes only costs the caches a reload. */
bool db_sql_writes_auth(const char *sql)
{
	const char *p = sql;
	if (!strcmp(sql, refresh_sql))
		return false;
	bool writes = false, table = false;
	while (*p && !(writes && table)) {
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char *w = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			size_t n = (size_t)(p - w);
			writes = writes || word_in(w, n, write_words, sizeof(write_words) / sizeof(*write_words));
			table = table || word_in(w, n, auth_tables, sizeof(auth_tables) / sizeof(*auth_tables));
		} else {
			p++;
		}
	}
	return writes && table;
}

uint64_t db_auth_generation(void)
{
	return atomic_load(&auth_gen);
}

/* One statement that begins as a read (SELECT, PRAGMA, EXPLAIN; SAVEPOINT):
 * db_prepare compiles only the first statement of its text, so no need to
 * read the rest.  db_exec runs every statement of its text: all is read. */
static bool reads_at_a_glance(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	char c = (char)tolower((unsigned char)*sql);
	return c == 's' || c == 'p' || c == 'e';
}

static void auth_note(db *d, const char *sql)
{
	if (db_sql_writes_auth(sql)) {
		auth_pending = d;
		atomic_fetch_add(&auth_gen, 1);
	}
}

/* after a statement or a transaction's end: move again, and stop once no
 * transaction is open on the connection that wrote */
static void auth_settle(void)
{
	if (!auth_pending)
		return;
	atomic_fetch_add(&auth_gen, 1);
	if (!auth_pending->ops->in_transaction(auth_pending))
		auth_pending = NULL;
}

void db_close(db *d)
{
	if (d && auth_pending == d) {
		atomic_fetch_add(&auth_gen, 1);
		auth_pending = NULL;
	}
	if (d)
		d->ops->close(d);
}

enum db_kind db_kind(const db *d)
{
	return d->ops->kind;
}

const char *db_kind_name(const db *d)
{
	return d->ops->name;
}

db_stmt *db_prepare(db *d, const char *sql)
{
	if (!reads_at_a_glance(sql))
		auth_note(d, sql);
	return d->ops->prepare(d, sql);
}

db_stmt *db_prepare_replanned(db *d, const char *sql)
{
	if (!d->ops->prepare_replanned)
		return db_prepare(d, sql);
	if (!reads_at_a_glance(sql))
		auth_note(d, sql);
	return d->ops->prepare_replanned(d, sql);
}

int db_bind_int(db_stmt *s, int idx, int64_t v)
{
	return s->ops->bind_int(s, idx, v);
}

int db_bind_double(db_stmt *s, int idx, double v)
{
	return s->ops->bind_double(s, idx, v);
}

int db_bind_text(db_stmt *s, int idx, const char *v, size_t len)
{
	return s->ops->bind_text(s, idx, v, len);
}

int db_bind_str(db_stmt *s, int idx, const char *v)
{
	return v ? s->ops->bind_text(s, idx, v, strlen(v)) : s->ops->bind_null(s, idx);
}

int db_bind_null(db_stmt *s, int idx)
{
	return s->ops->bind_null(s, idx);
}

int db_step(db_stmt *s)
{
	return s->ops->step(s);
}

int db_col_count(db_stmt *s)
{
	return s->ops->col_count(s);
}

const char *db_col_name(db_stmt *s, int col)
{
	return s->ops->col_name(s, col);
}

bool db_col_is_null(db_stmt *s, int col)
{
	return s->ops->col_is_null(s, col);
}

int64_t db_col_int(db_stmt *s, int col)
{
	return s->ops->col_int(s, col);
}

double db_col_double(db_stmt *s, int col)
{
	return s->ops->col_double(s, col);
}

const char *db_col_text(db_stmt *s, int col)
{
	return s->ops->col_text(s, col);
}

size_t db_col_len(db_stmt *s, int col)
{
	return s->ops->col_len(s, col);
}

void db_done(db_stmt *s)
{
	if (s)
		s->ops->done(s);
	auth_settle();
}

int db_exec(db *d, const char *sql)
{
	auth_note(d, sql);
	int rc = d->ops->exec(d, sql);
	auth_settle();
	return rc;
}

int64_t db_query_int(db *d, const char *sql, int64_t def)
{
	db_stmt *s = db_prepare(d, sql);
	if (!s)
		return def;
	int64_t v = def;
	if (db_step(s) == DB_ROW && !db_col_is_null(s, 0))
		v = db_col_int(s, 0);
	db_done(s);
	return v;
}

int db_begin(db *d)
{
	return d->ops->begin(d);
}

int db_commit(db *d)
{
	int rc = d->ops->commit(d);
	auth_settle();
	return rc;
}

int db_rollback(db *d)
{
	int rc = d->ops->rollback(d);
	auth_settle();
	return rc;
}

int db_batch_begin(db *d)
{
	return d->ops->batch_begin ? d->ops->batch_begin(d) : DB_ERR;
}

int db_batch_mark(db *d)
{
	return d->ops->batch_mark ? d->ops->batch_mark(d) : DB_ERR;
}

int db_batch_unmark(db *d, bool keep)
{
	int rc = d->ops->batch_unmark ? d->ops->batch_unmark(d, keep) : DB_ERR;
	auth_settle();
	return rc;
}

bool db_batch_alive(db *d)
{
	return d->ops->batch_alive && d->ops->batch_alive(d);
}

int db_batch_end(db *d, bool commit)
{
	int rc = d->ops->batch_end ? d->ops->batch_end(d, commit) : DB_ERR;
	auth_settle(); /* after the COMMIT: caches of what the batch wrote reload */
	return rc;
}

int db_errcode(db *d)
{
	return d->ops->errcode(d);
}

const char *db_errmsg(db *d)
{
	return d->ops->errmsg(d);
}

int64_t db_changes(db *d)
{
	return d->ops->changes(d);
}

bool db_has_column(db *d, const char *table, const char *col)
{
	return d->ops->has_column(d, table, col);
}

const char *db_sql_json_values(db *d, const char *expr, char *out, size_t n)
{
	if (d && db_kind(d) == DB_POSTGRES)
		snprintf(out, n, "json_array_elements_text(CAST(%s AS json)) AS j(value)", expr);
	else
		snprintf(out, n, "json_each(%s)", expr);
	return out;
}

int db_schema_lock(db *d, bool lock)
{
	if (db_kind(d) != DB_POSTGRES)
		return DB_OK; /* SQLite: each migration is an immediate (exclusive) transaction */
	return db_exec(d, lock ? "SELECT pg_advisory_lock(7274267)" : "SELECT pg_advisory_unlock(7274267)");
}

int db_analyze(db *d)
{
	if (db_kind(d) == DB_POSTGRES)
		return db_exec(d, "ANALYZE");
	/* 50k rows per index give estimates good enough to pick the right index,
	 * in about a second on a million customers and five million follow-ups */
	return db_exec(d, "PRAGMA analysis_limit=50000; ANALYZE; PRAGMA optimize;");
}
