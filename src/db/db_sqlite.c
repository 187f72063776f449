/*
 * db_sqlite.c - the SQLite backend of db.h.
 *
 * Settings measured in ../shared/FINDINGS.md: WAL with synchronous=NORMAL
 * (durable across a process crash), foreign keys on, a busy timeout so that
 * concurrent writers wait instead of failing, mmap for fast point reads.
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

struct db_stmt {
	sqlite3_stmt *st;
	db *owner;
	char *sql;       /* cache key; NULL for an uncached statement */
	uint32_t hash;
	bool in_use;
};

struct db {
	sqlite3 *h;
	db_stmt *cache[STMT_CACHE];
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

static int map_error(db *d, int rc)
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

int db_open_sqlite(db **out, const char *path)
{
	db *d = xcalloc(1, sizeof(*d));
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
	if (db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		       "PRAGMA mmap_size=268435456; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;")) {
		log_error("cannot configure database %s: %s", path, d->errmsg);
		db_close(d);
		return DB_ERR;
	}
	if (db_sqlite_register_extensions(d->h)) {
		log_error("cannot register extensions on %s", path);
		db_close(d);
		return DB_ERR;
	}
	*out = d;
	return DB_OK;
}

void db_close(db *d)
{
	if (!d)
		return;
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

enum db_kind db_kind(const db *d)
{
	(void)d;
	return DB_SQLITE;
}

const char *db_kind_name(const db *d)
{
	(void)d;
	return "sqlite";
}

static db_stmt *prepare_new(db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		map_error(d, rc);
		log_error("prepare failed: %s -- %s", d->errmsg, sql);
		return NULL;
	}
	db_stmt *s = xcalloc(1, sizeof(*s));
	s->st = st;
	s->owner = d;
	return s;
}

db_stmt *db_prepare(db *d, const char *sql)
{
	uint32_t h = hash_str(sql);
	db_stmt **slot = &d->cache[h & (STMT_CACHE - 1)];
	db_stmt *s = *slot;
	if (s && s->hash == h && !s->in_use && !strcmp(s->sql, sql)) {
		s->in_use = true;
		return s;
	}
	db_stmt *fresh = prepare_new(d, sql);
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
	return fresh;
}

void db_done(db_stmt *s)
{
	if (!s)
		return;
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
	return rc == SQLITE_OK ? DB_OK : map_error(s->owner, rc);
}

int db_bind_int(db_stmt *s, int idx, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(s->st, idx, v));
}

int db_bind_double(db_stmt *s, int idx, double v)
{
	return bind_rc(s, sqlite3_bind_double(s->st, idx, v));
}

int db_bind_text(db_stmt *s, int idx, const char *v, size_t len)
{
	return bind_rc(s, sqlite3_bind_text(s->st, idx, v, (int)len, SQLITE_TRANSIENT));
}

int db_bind_str(db_stmt *s, int idx, const char *v)
{
	if (!v)
		return db_bind_null(s, idx);
	return db_bind_text(s, idx, v, strlen(v));
}

int db_bind_null(db_stmt *s, int idx)
{
	return bind_rc(s, sqlite3_bind_null(s->st, idx));
}

int db_step(db_stmt *s)
{
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return map_error(s->owner, rc);
}

int db_col_count(db_stmt *s)
{
	return sqlite3_column_count(s->st);
}

const char *db_col_name(db_stmt *s, int col)
{
	return sqlite3_column_name(s->st, col);
}

bool db_col_is_null(db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

int64_t db_col_int(db_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

double db_col_double(db_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

const char *db_col_text(db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s->st, col);
}

size_t db_col_len(db_stmt *s, int col)
{
	return (size_t)sqlite3_column_bytes(s->st, col);
}

int db_exec(db *d, const char *sql)
{
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
	return db_exec(d, "BEGIN IMMEDIATE");
}

int db_commit(db *d)
{
	return db_exec(d, "COMMIT");
}

int db_rollback(db *d)
{
	if (sqlite3_get_autocommit(d->h))
		return DB_OK;
	return db_exec(d, "ROLLBACK");
}

int db_errcode(db *d)
{
	return d->errcode;
}

const char *db_errmsg(db *d)
{
	return d->errmsg;
}

int64_t db_changes(db *d)
{
	return sqlite3_changes64(d->h);
}
