/*
 * db.c - the public face of db.h: each call dispatches to the connection's
 * backend, plus the few SQL fragments that differ between backends.
 */
#include "db_int.h"

#include <stdio.h>
#include <string.h>

void db_close(db *d)
{
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
	return d->ops->prepare(d, sql);
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
}

int db_exec(db *d, const char *sql)
{
	return d->ops->exec(d, sql);
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
	return d->ops->commit(d);
}

int db_rollback(db *d)
{
	return d->ops->rollback(d);
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
