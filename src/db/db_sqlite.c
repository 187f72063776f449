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

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int errcode;
	char errmsg[256];
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
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
	sqlite3_busy_timeout(d->h, 5000);
	sqlite3_extended_result_codes(d->h, 1);
	if (db_exec(&d->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		       "PRAGMA mmap_size=0; PRAGMA cache_size=-16384;")) {
		log_error("cannot configure database %s: %s", path, d->errmsg);
		db_close(&d->base);
		return DB_ERR;
	}
	db_checkpoint_attach(d->h);
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
	int rc = sqlite3_step(ST(s)->st);
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

static int sq_exec(db *dd, const char *sql)
{
	sq_db *d = SQ(dd);
	char *err = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		int code = map_error(d, rc);
		if (err)
			snprintf(d->errmsg, sizeof(d->errmsg), "%s", err);
		sqlite3_free(err);
		return code;
	}
	return DB_OK;
}

static int sq_begin(db *d)
{
	return sq_exec(d, "BEGIN IMMEDIATE");
}

static int sq_commit(db *d)
{
	return sq_exec(d, "COMMIT");
}

static int sq_rollback(db *d)
{
	if (sqlite3_get_autocommit(SQ(d)->h))
		return DB_OK;
	return sq_exec(d, "ROLLBACK");
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
};
