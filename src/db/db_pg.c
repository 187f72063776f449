/*
 * db_pg.c - the PostgreSQL backend of db.h (libpq).
 *
 * Callers write `?` placeholders (or `?N`); they become `$N` here, and LIKE
 * becomes ILIKE so that matching ignores case as it does on SQLite.  DDL
 * passed to db_exec has its SQLite types widened: INTEGER PRIMARY KEY ->
 * BIGSERIAL PRIMARY KEY, INTEGER -> BIGINT.  Statements are prepared once per
 * connection (cached by their SQL text) and run with text parameters.
 *
 * When the server goes away, calls fail with DB_ERR_BUSY (HTTP 503) and the
 * next prepare resets the connection, so requests recover once it is back.
 */
#include "db_int.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 256 /* power of two */
#define MAX_PARAMS 512

typedef struct pg_db pg_db;

typedef struct pg_stmt {
	db_stmt base;
	pg_db *owner;
	char *sql;             /* cache key; NULL when uncached */
	uint32_t hash;
	bool in_use;
	char name[24];
	int nparams;
	char **values;
	PGresult *res;
	int row, nrows;
	bool executed;
} pg_stmt;

struct pg_db {
	db base;
	PGconn *conn;
	pg_stmt *cache[STMT_CACHE];
	unsigned next_name;
	int errcode;
	char errmsg[256];
	int64_t changes;
};

static const db_ops pg_ops;

#define PG(d) ((pg_db *)(d))
#define ST(s) ((pg_stmt *)(s))

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int fail(pg_db *d, int code, const char *msg)
{
	d->errcode = code;
	snprintf(d->errmsg, sizeof(d->errmsg), "%s", msg ? msg : "unknown error");
	size_t n = strlen(d->errmsg);
	while (n && (d->errmsg[n - 1] == '\n' || d->errmsg[n - 1] == ' '))
		d->errmsg[--n] = '\0';
	return code;
}

/* Maps a failed result (or a lost connection) to a DB_ERR_* code. */
static int map_result(pg_db *d, PGresult *r)
{
	if (PQstatus(d->conn) != CONNECTION_OK)
		return fail(d, DB_ERR_BUSY, PQerrorMessage(d->conn));
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(d->conn);
	int code = DB_ERR;
	if (state) {
		if (!strcmp(state, "23505"))
			code = DB_ERR_UNIQUE;
		else if (!strcmp(state, "23503"))
			code = DB_ERR_FOREIGN_KEY;
		else if (!strncmp(state, "23", 2))
			code = DB_ERR_CONSTRAINT;
		else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
			 !strncmp(state, "08", 2) || !strcmp(state, "57P01") || !strcmp(state, "57P03"))
			code = DB_ERR_BUSY;
	}
	return fail(d, code, msg);
}

/* `?` and `?N` -> `$N` outside quoted strings; LIKE -> ILIKE. */
static char *translate(const char *sql, int *nparams)
{
	buf b = BUF_INIT;
	int next = 0, max = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'') {
			const char *end = p + 1;
			while (*end && !(*end == '\'' && end[1] != '\''))
				end += (*end == '\'' && end[1] == '\'') ? 2 : 1;
			buf_add(&b, p, (size_t)(end - p) + (*end ? 1 : 0));
			p = *end ? end : end - 1;
			continue;
		}
		if (*p == '?') {
			int n;
			if (p[1] >= '0' && p[1] <= '9') {
				n = 0;
				while (p[1] >= '0' && p[1] <= '9')
					n = n * 10 + (*++p - '0');
			} else {
				n = ++next;
			}
			if (n > max)
				max = n;
			buf_addf(&b, "$%d", n);
			continue;
		}
		if (!strncmp(p, " LIKE ", 6)) {
			buf_adds(&b, " ILIKE ");
			p += 5;
			continue;
		}
		buf_addc(&b, *p);
	}
	*nparams = max;
	return buf_detach(&b);
}

/* SQLite's column types in DDL -> PostgreSQL's. */
static char *translate_ddl(const char *sql)
{
	buf b = BUF_INIT;
	for (const char *p = sql; *p;) {
		if (!strncmp(p, "INTEGER PRIMARY KEY", 19)) {
			buf_adds(&b, "BIGSERIAL PRIMARY KEY");
			p += 19;
		} else if (!strncmp(p, "INTEGER", 7) && (p == sql || p[-1] == ' ' || p[-1] == '(')) {
			buf_adds(&b, "BIGINT");
			p += 7;
		} else {
			buf_addc(&b, *p++);
		}
	}
	return buf_detach(&b);
}

int db_open_postgres(db **out, const char *url)
{
	pg_db *d = xcalloc(1, sizeof(*d));
	d->base.ops = &pg_ops;
	d->conn = PQconnectdb(url);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		log_error("cannot connect to PostgreSQL: %s", PQerrorMessage(d->conn));
		PQfinish(d->conn);
		free(d);
		return DB_ERR_BUSY;
	}
	PGresult *r = PQexec(d->conn, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	PQclear(r);
	*out = &d->base;
	return DB_OK;
}

static void free_stmt(pg_stmt *s, bool deallocate)
{
	if (!s)
		return;
	PQclear(s->res);
	for (int i = 0; i < s->nparams; i++)
		free(s->values[i]);
	free(s->values);
	if (deallocate && s->owner && PQstatus(s->owner->conn) == CONNECTION_OK) {
		char sql[48];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->owner->conn, sql));
	}
	free(s->sql);
	free(s);
}

static void drop_cache(pg_db *d, bool deallocate)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		if (d->cache[i] && !d->cache[i]->in_use) {
			free_stmt(d->cache[i], deallocate);
			d->cache[i] = NULL;
		} else if (d->cache[i]) {
			/* still in use: make it uncached, so db_done() frees it */
			free(d->cache[i]->sql);
			d->cache[i]->sql = NULL;
			d->cache[i] = NULL;
		}
	}
}

static void pg_close(db *dd)
{
	pg_db *d = PG(dd);
	drop_cache(d, false);
	PQfinish(d->conn);
	free(d);
}

/* A lost connection is reset before the next statement; prepared statements go with it. */
static bool ensure_connected(pg_db *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK)
		return true;
	drop_cache(d, false);
	PQreset(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		fail(d, DB_ERR_BUSY, PQerrorMessage(d->conn));
		return false;
	}
	PQclear(PQexec(d->conn, "SET client_min_messages = warning; SET TIME ZONE 'UTC'"));
	log_info("reconnected to PostgreSQL");
	return true;
}

static pg_stmt *prepare_new(pg_db *d, const char *sql)
{
	int n;
	char *text = translate(sql, &n);
	if (n > MAX_PARAMS) {
		free(text);
		fail(d, DB_ERR, "too many parameters");
		return NULL;
	}
	pg_stmt *s = xcalloc(1, sizeof(*s));
	s->base.ops = &pg_ops;
	s->owner = d;
	s->nparams = n;
	s->values = xcalloc((size_t)(n ? n : 1), sizeof(char *));
	snprintf(s->name, sizeof(s->name), "s%u", d->next_name++);
	PGresult *r = PQprepare(d->conn, s->name, text, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		map_result(d, r);
		log_error("prepare failed: %s -- %s", d->errmsg, text);
		PQclear(r);
		free(text);
		free(s->values);
		free(s);
		return NULL;
	}
	PQclear(r);
	free(text);
	return s;
}

static db_stmt *pg_prepare(db *dd, const char *sql)
{
	pg_db *d = PG(dd);
	if (!ensure_connected(d))
		return NULL;
	uint32_t h = hash_str(sql);
	pg_stmt **slot = &d->cache[h & (STMT_CACHE - 1)];
	pg_stmt *s = *slot;
	if (s && s->hash == h && !s->in_use && !strcmp(s->sql, sql)) {
		s->in_use = true;
		return &s->base;
	}
	pg_stmt *fresh = prepare_new(d, sql);
	if (!fresh)
		return NULL;
	fresh->in_use = true;
	if (!s || !s->in_use) {
		free_stmt(s, true);
		fresh->sql = xstrdup(sql);
		fresh->hash = h;
		*slot = fresh;
	}
	return &fresh->base;
}

static void reset_stmt(pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->executed = false;
	s->row = s->nrows = 0;
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
	}
}

static void pg_done(db_stmt *ss)
{
	pg_stmt *s = ST(ss);
	reset_stmt(s);
	if (s->sql)
		s->in_use = false;
	else
		free_stmt(s, true);
}

static int set_param(db_stmt *ss, int idx, char *v)
{
	pg_stmt *s = ST(ss);
	if (idx < 1 || idx > s->nparams) {
		free(v);
		return DB_OK; /* a parameter the statement does not use */
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = v;
	return DB_OK;
}

static int pg_bind_int(db_stmt *s, int idx, int64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	return set_param(s, idx, xstrdup(tmp));
}

static int pg_bind_double(db_stmt *s, int idx, double v)
{
	char tmp[40];
	snprintf(tmp, sizeof(tmp), "%.17g", v);
	return set_param(s, idx, xstrdup(tmp));
}

static int pg_bind_text(db_stmt *s, int idx, const char *v, size_t len)
{
	return set_param(s, idx, xstrndup(v, len));
}

static int pg_bind_null(db_stmt *s, int idx)
{
	return set_param(s, idx, NULL);
}

static int pg_step(db_stmt *ss)
{
	pg_stmt *s = ST(ss);
	pg_db *d = s->owner;
	if (!s->executed) {
		s->res = PQexecPrepared(d->conn, s->name, s->nparams, (const char *const *)s->values, NULL, NULL, 0);
		s->executed = true;
		ExecStatusType st = PQresultStatus(s->res);
		if (st == PGRES_TUPLES_OK) {
			s->nrows = PQntuples(s->res);
			s->row = -1;
			const char *ct = PQcmdTuples(s->res);
			d->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
		} else if (st == PGRES_COMMAND_OK) {
			const char *ct = PQcmdTuples(s->res);
			d->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
			s->nrows = 0;
			s->row = -1;
		} else {
			return map_result(d, s->res);
		}
	}
	if (++s->row < s->nrows)
		return DB_ROW;
	return DB_DONE;
}

static int pg_col_count(db_stmt *s)
{
	return ST(s)->res ? PQnfields(ST(s)->res) : 0;
}

static const char *pg_col_name(db_stmt *s, int col)
{
	return PQfname(ST(s)->res, col);
}

static bool pg_col_is_null(db_stmt *s, int col)
{
	return PQgetisnull(ST(s)->res, ST(s)->row, col);
}

static int64_t pg_col_int(db_stmt *s, int col)
{
	const char *v = PQgetvalue(ST(s)->res, ST(s)->row, col);
	if (v[0] == 't' && !v[1])
		return 1; /* a boolean expression */
	return strtoll(v, NULL, 10);
}

static double pg_col_double(db_stmt *s, int col)
{
	return strtod(PQgetvalue(ST(s)->res, ST(s)->row, col), NULL);
}

static const char *pg_col_text(db_stmt *s, int col)
{
	return pg_col_is_null(s, col) ? NULL : PQgetvalue(ST(s)->res, ST(s)->row, col);
}

static size_t pg_col_len(db_stmt *s, int col)
{
	return (size_t)PQgetlength(ST(s)->res, ST(s)->row, col);
}

static int pg_exec(db *dd, const char *sql)
{
	pg_db *d = PG(dd);
	if (!ensure_connected(d))
		return DB_ERR_BUSY;
	char *text = translate_ddl(sql);
	PGresult *r = PQexec(d->conn, text);
	free(text);
	ExecStatusType st = PQresultStatus(r);
	int rc = DB_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = map_result(d, r);
	PQclear(r);
	return rc;
}

static int pg_begin(db *d)
{
	return pg_exec(d, "BEGIN");
}

static int pg_commit(db *d)
{
	return pg_exec(d, "COMMIT");
}

static int pg_rollback(db *d)
{
	if (PQtransactionStatus(PG(d)->conn) == PQTRANS_IDLE)
		return DB_OK;
	return pg_exec(d, "ROLLBACK");
}

static int pg_errcode(db *d)
{
	return PG(d)->errcode;
}

static const char *pg_errmsg(db *d)
{
	return PG(d)->errmsg;
}

static int64_t pg_changes(db *d)
{
	return PG(d)->changes;
}

static bool pg_has_column(db *dd, const char *table, const char *col)
{
	pg_db *d = PG(dd);
	const char *params[2] = { table, col };
	PGresult *r = PQexecParams(d->conn, "SELECT 1 FROM information_schema.columns WHERE table_schema = "
					    "current_schema() AND table_name = $1 AND column_name = $2",
				   2, NULL, params, NULL, NULL, 0);
	bool found = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
	PQclear(r);
	return found;
}

static bool pg_in_transaction(db *d)
{
	return PQtransactionStatus(PG(d)->conn) != PQTRANS_IDLE;
}

static const db_ops pg_ops = {
	.kind = DB_POSTGRES,
	.name = "postgres",
	.close = pg_close,
	.prepare = pg_prepare,
	.bind_int = pg_bind_int,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_is_null = pg_col_is_null,
	.col_int = pg_col_int,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_len = pg_col_len,
	.done = pg_done,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.errcode = pg_errcode,
	.errmsg = pg_errmsg,
	.changes = pg_changes,
	.has_column = pg_has_column,
	.in_transaction = pg_in_transaction,
};
