/*
 * db_pg.c - the PostgreSQL backend of db.h (libpq).
 *
 * Callers write `?` placeholders (or `?N`); they become `$N` here, and LIKE
 * becomes ILIKE so that matching ignores case as it does on SQLite.  DDL
 * passed to db_exec has its SQLite types widened: INTEGER PRIMARY KEY ->
 * BIGSERIAL PRIMARY KEY, INTEGER -> BIGINT.  Statements run with text
 * parameters.  A statement text seen for the first time on a connection runs
 * unnamed (PQexecParams: parse, bind and execute in one round trip); from its
 * second use it is prepared once (PQprepare) and kept per connection, cached
 * by its SQL text, so a statement built for one request (a list page's SQL
 * with its filters) costs no extra round trips and no DEALLOCATE, and a
 * statement that recurs is planned once.
 *
 * db_begin() sends nothing: the BEGIN goes out with the transaction's first
 * statement, in one pipeline (PQenterPipelineMode), so a transaction costs
 * one round trip less; a transaction with no statement costs none.  BEGIN
 * takes no lock on PostgreSQL, so sending it later changes nothing else.
 *
 * RAPPORT_SQL_TRACE=1 logs every statement with its time (as on SQLite), and
 * whether it ran prepared (P), unnamed (U) or was prepared just then (+P).
 *
 * When the server goes away, calls fail with DB_ERR_BUSY (HTTP 503) and the
 * next prepare resets the connection, so requests recover once it is back.
 */
#include "db_int.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_SETS 128 /* power of two */
#define STMT_WAYS 4   /* STMT_SETS * STMT_WAYS prepared statements per connection at most */
#define SEEN_SLOTS 4096 /* power of two: hashes of statement texts run once, unnamed */
#define MAX_PARAMS 4096 /* a sanity cap (the protocol allows 65535): a list page of 500 binds 512 ids and its scope */

typedef struct pg_db pg_db;

typedef struct pg_stmt {
	db_stmt base;
	pg_db *owner;
	char *sql;             /* cache key; NULL when uncached */
	uint32_t hash;
	bool in_use;
	char name[24];         /* "" when unnamed: run with PQexecParams on text */
	char *text;            /* the translated SQL (PQexecParams runs it when unnamed) */
	unsigned stamp;        /* last use, for the cache's eviction */
	int nparams;
	char **values;
	PGresult *res;
	int row, nrows;
	bool executed;
} pg_stmt;

struct pg_db {
	db base;
	PGconn *conn;
	pg_stmt *cache[STMT_SETS][STMT_WAYS];
	uint32_t seen[SEEN_SLOTS];
	unsigned next_name, clock;
	bool trace;
	bool begin_pending;    /* db_begin() called; BEGIN not sent yet */
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

/* Every connection's settings. */
#define SESSION_SETUP "SET client_min_messages = warning; SET TIME ZONE 'UTC'"

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
	PGresult *r = PQexec(d->conn, SESSION_SETUP);
	PQclear(r);
	const char *trace = getenv("RAPPORT_SQL_TRACE");
	d->trace = trace && *trace == '1';
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
	free(s->text);
	if (deallocate && s->name[0] && s->owner && PQstatus(s->owner->conn) == CONNECTION_OK) {
		char sql[48];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->owner->conn, sql));
	}
	free(s->sql);
	free(s);
}

static void drop_cache(pg_db *d, bool deallocate)
{
	for (int i = 0; i < STMT_SETS; i++)
		for (int w = 0; w < STMT_WAYS; w++) {
			pg_stmt *s = d->cache[i][w];
			if (s && !s->in_use) {
				free_stmt(s, deallocate);
			} else if (s) {
				/* still in use: make it uncached, so db_done() frees it */
				free(s->sql);
				s->sql = NULL;
			}
			d->cache[i][w] = NULL;
		}
	memset(d->seen, 0, sizeof(d->seen));
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
	PQclear(PQexec(d->conn, SESSION_SETUP));
	log_info("reconnected to PostgreSQL");
	return true;
}

/* named: PQprepare it now; otherwise keep the text for PQexecParams */
static pg_stmt *prepare_new(pg_db *d, const char *sql, bool named)
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
	if (!named) {
		s->text = text;
		return s;
	}
	snprintf(s->name, sizeof(s->name), "s%u", d->next_name++);
	int64_t t0 = d->trace ? clock_monotonic_us() : 0;
	PGresult *r = PQprepare(d->conn, s->name, text, n, NULL);
	if (d->trace)
		log_info("sql %.3fms +P %s %s", (double)(clock_monotonic_us() - t0) / 1e3, s->name, text);
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
	s->text = text;
	return s;
}

static db_stmt *pg_prepare(db *dd, const char *sql)
{
	pg_db *d = PG(dd);
	if (!ensure_connected(d))
		return NULL;
	uint32_t h = hash_str(sql);
	pg_stmt **set = d->cache[h & (STMT_SETS - 1)];
	pg_stmt **victim = NULL;
	d->clock++;
	for (int w = 0; w < STMT_WAYS; w++) {
		pg_stmt *s = set[w];
		if (s && s->hash == h && !strcmp(s->sql, sql)) {
			if (s->in_use) { /* taken twice at once (nested): the second one runs unnamed */
				victim = NULL;
				break;
			}
			s->in_use = true;
			s->stamp = d->clock;
			return &s->base;
		}
		/* the empty way, else the least recently used one not in use */
		if (!s)
			victim = victim && !*victim ? victim : &set[w];
		else if (!s->in_use && (!victim || (*victim && (*victim)->stamp > s->stamp)))
			victim = &set[w];
	}
	/* a text seen before on this connection is worth preparing; a first one runs unnamed */
	uint32_t *seen = &d->seen[(h >> 7) & (SEEN_SLOTS - 1)];
	bool again = *seen == (h | 1);
	*seen = h | 1;
	pg_stmt *fresh = prepare_new(d, sql, again && victim);
	if (!fresh)
		return NULL;
	fresh->in_use = true;
	if (again && victim) {
		free_stmt(*victim, true);
		fresh->sql = xstrdup(sql);
		fresh->hash = h;
		fresh->stamp = d->clock;
		*victim = fresh;
	}
	return &fresh->base;
}

/* Unnamed (PQexecParams), never kept: PostgreSQL plans it for the values
 * at every run.  A named one gets one generic plan after five runs when
 * that looks no dearer, and for a rep's board column it was the plan that
 * drives from every opportunity of the stage (bench/NOTES.md). */
static db_stmt *pg_prepare_replanned(db *dd, const char *sql)
{
	pg_db *d = PG(dd);
	if (!ensure_connected(d))
		return NULL;
	pg_stmt *fresh = prepare_new(d, sql, false);
	if (!fresh)
		return NULL;
	fresh->in_use = true;
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

static void trace_stmt(pg_stmt *s, int64_t us)
{
	buf b = BUF_INIT;
	for (int i = 0; i < s->nparams; i++)
		buf_addf(&b, " $%d=%s", i + 1, s->values[i] ? s->values[i] : "NULL");
	log_info("sql %.3fms %s%s %s --%s", (double)us / 1e3, s->name[0] ? "P " : "U", s->name, s->text,
		 b.ptr ? buf_str(&b) : "");
	buf_free(&b);
}

static int send_stmt(pg_db *d, pg_stmt *s)
{
	if (s->name[0])
		return PQsendQueryPrepared(d->conn, s->name, s->nparams, (const char *const *)s->values, NULL, NULL, 0);
	return PQsendQueryParams(d->conn, s->text, s->nparams, NULL, (const char *const *)s->values, NULL, NULL, 0);
}

/* The pending BEGIN and the statement in one pipeline: one round trip.  Returns
 * the statement's result, or BEGIN's when that failed (NULL: connection lost). */
static PGresult *exec_with_begin(pg_db *d, pg_stmt *s)
{
	d->begin_pending = false;
	if (PQenterPipelineMode(d->conn) != 1) {
		PGresult *b = PQexec(d->conn, "BEGIN");
		if (PQresultStatus(b) != PGRES_COMMAND_OK)
			return b;
		PQclear(b);
		return NULL;
	}
	PGresult *begin = NULL, *res = NULL, *r;
	if (PQsendQueryParams(d->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1 && send_stmt(d, s) == 1 &&
	    PQpipelineSync(d->conn) == 1) {
		for (int q = 0; q < 2 && PQstatus(d->conn) == CONNECTION_OK; q++)
			while ((r = PQgetResult(d->conn))) {
				PGresult **keep = q == 0 ? &begin : &res;
				if (!*keep)
					*keep = r;
				else
					PQclear(r);
			}
		/* the sync point */
		while (PQstatus(d->conn) == CONNECTION_OK && (r = PQgetResult(d->conn))) {
			bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
			PQclear(r);
			if (sync)
				break;
		}
	}
	PQexitPipelineMode(d->conn);
	if (begin && PQresultStatus(begin) != PGRES_COMMAND_OK) {
		PQclear(res);
		return begin;
	}
	PQclear(begin);
	return res;
}

/* Sends a pending BEGIN on its own (before db_exec's SQL and the like). */
static int flush_begin(pg_db *d)
{
	if (!d->begin_pending)
		return DB_OK;
	d->begin_pending = false;
	PGresult *r = PQexec(d->conn, "BEGIN");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? DB_OK : map_result(d, r);
	PQclear(r);
	return rc;
}

static int pg_step(db_stmt *ss)
{
	pg_stmt *s = ST(ss);
	pg_db *d = s->owner;
	if (!s->executed) {
		int64_t t0 = d->trace ? clock_monotonic_us() : 0;
		if (d->begin_pending) {
			s->res = exec_with_begin(d, s);
			if (!s->res && PQstatus(d->conn) == CONNECTION_OK && send_stmt(d, s) == 1) {
				/* no pipeline: BEGIN went alone, now the statement */
				s->res = PQgetResult(d->conn);
				for (PGresult *r; (r = PQgetResult(d->conn));)
					PQclear(r);
			}
		} else if (s->name[0])
			s->res = PQexecPrepared(d->conn, s->name, s->nparams, (const char *const *)s->values, NULL, NULL,
						0);
		else
			s->res = PQexecParams(d->conn, s->text, s->nparams, NULL, (const char *const *)s->values, NULL,
					      NULL, 0);
		s->executed = true;
		if (d->trace)
			trace_stmt(s, clock_monotonic_us() - t0);
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
	int frc = flush_begin(d);
	if (frc)
		return frc;
	char *text = translate_ddl(sql);
	int64_t t0 = d->trace ? clock_monotonic_us() : 0;
	PGresult *r = PQexec(d->conn, text);
	if (d->trace)
		log_info("sql %.3fms X %s", (double)(clock_monotonic_us() - t0) / 1e3, text);
	free(text);
	ExecStatusType st = PQresultStatus(r);
	int rc = DB_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = map_result(d, r);
	PQclear(r);
	return rc;
}

static int pg_begin(db *dd)
{
	pg_db *d = PG(dd);
	if (!ensure_connected(d))
		return DB_ERR_BUSY;
	if (d->begin_pending || PQtransactionStatus(d->conn) != PQTRANS_IDLE)
		return pg_exec(dd, "BEGIN"); /* as before: a warning, the transaction goes on */
	d->begin_pending = true;
	return DB_OK;
}

static int pg_commit(db *dd)
{
	pg_db *d = PG(dd);
	if (d->begin_pending) { /* nothing was run in it */
		d->begin_pending = false;
		return DB_OK;
	}
	return pg_exec(dd, "COMMIT");
}

static int pg_rollback(db *dd)
{
	pg_db *d = PG(dd);
	if (d->begin_pending) {
		d->begin_pending = false;
		return DB_OK;
	}
	if (PQtransactionStatus(d->conn) == PQTRANS_IDLE)
		return DB_OK;
	return pg_exec(dd, "ROLLBACK");
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
	flush_begin(d);
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
	return PG(d)->begin_pending || PQtransactionStatus(PG(d)->conn) != PQTRANS_IDLE;
}

static const db_ops pg_ops = {
	.kind = DB_POSTGRES,
	.name = "postgres",
	.close = pg_close,
	.prepare = pg_prepare,
	.prepare_replanned = pg_prepare_replanned,
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
