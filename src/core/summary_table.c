/* summary_table.c - see summary_table.h. */
#include "summary_table.h"
#include "../util/buf.h"
#include "../util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL: the advisory lock a recomputation and a fold take */
#define SUMS_LOCK "SELECT pg_advisory_xact_lock(7274268)"

/* Appends fmt once per column of cols ("a, b"), each "%s" being the column,
 * joined by sep. */
static void each_col(buf *b, const char *cols, const char *fmt, const char *sep)
{
	bool first = true;
	for (const char *p = cols; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (!len)
			break;
		char col[64];
		snprintf(col, sizeof(col), "%.*s", (int)len, p);
		if (!first)
			buf_adds(b, sep);
		first = false;
		for (const char *f = fmt; *f; f++) {
			if (f[0] == '%' && f[1] == 's') {
				buf_adds(b, col);
				f++;
			} else {
				buf_addc(b, *f);
			}
		}
		p += len;
	}
}

/* Are the triggers of this mark in place? */
static bool triggers_current(db *d, const summary_def *s)
{
	bool pg = db_kind(d) == DB_POSTGRES;
	buf q = BUF_INIT;
	if (pg)
		buf_addf(&q, "SELECT count(*) FROM pg_trigger WHERE tgname = '%s_t'", s->table);
	else
		buf_addf(&q, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
			     "('%s_ai', '%s_ad', '%s_au')", s->table, s->table, s->table);
	int64_t n = db_query_int(d, buf_str(&q), 0);
	buf_free(&q);
	if (n != (pg ? 1 : 3))
		return false;
	db_stmt *st = db_prepare(d, "SELECT value FROM settings WHERE key = ?");
	bool same = false;
	if (st) {
		db_bind_str(st, 1, s->mark_key);
		if (db_step(st) == DB_ROW)
			same = !strcmp(db_col_text(st, 0), s->mark);
	}
	db_done(st);
	return same;
}

/* Do the totals of the source and of the summary agree (a cheap test that
 * catches rows loaded with the triggers off)? */
static bool totals_agree(db *d, const summary_def *s)
{
	db_stmt *st = db_prepare(d, s->totals);
	bool ok = st && db_step(st) == DB_ROW;
	int n = ok ? db_col_count(st) : 0;
	for (int i = 0; ok && i < n / 2; i++) {
		const char *a = db_col_text(st, i), *b = db_col_text(st, i + n / 2);
		ok = a && b && !strcmp(a, b);
	}
	db_done(st);
	return ok;
}

static int set_mark(db *d, const summary_def *s)
{
	db_stmt *st = db_prepare(d, "INSERT INTO settings(key, value) VALUES (?, ?) "
				    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return DB_ERR;
	db_bind_str(st, 1, s->mark_key);
	db_bind_str(st, 2, s->mark);
	int rc = db_step(st) == DB_DONE ? 0 : DB_ERR;
	db_done(st);
	return rc;
}

int summary_sync(db *d, const summary_def *s)
{
	bool install = !triggers_current(d, s);
	if (!install && totals_agree(d, s))
		return 0;
	bool pg = db_kind(d) == DB_POSTGRES;
	buf q = BUF_INIT;
	/* one statement, so that on PostgreSQL the rows it deletes and the
	 * source rows it counts are seen in one snapshot: a delta committed
	 * meanwhile by another server survives and is not counted twice */
	if (pg)
		buf_addf(&q, "WITH gone AS (DELETE FROM %s) ", s->table);
	buf_addf(&q, "INSERT INTO %s(%s, %s) %s", s->table, s->keys, s->vals, s->recompute);
	int rc = db_begin(d);
	if (!rc && pg)
		rc = db_exec(d, SUMS_LOCK);
	if (!rc && install)
		rc = db_exec(d, s->install);
	if (!rc && install)
		rc = set_mark(d, s);
	if (!rc && !pg) {
		buf del = BUF_INIT;
		buf_addf(&del, "DELETE FROM %s", s->table);
		rc = db_exec(d, buf_str(&del));
		buf_free(&del);
	}
	if (!rc)
		rc = db_exec(d, buf_str(&q));
	if (!rc)
		rc = db_commit(d);
	if (rc) {
		log_error("%s: %s", s->table, db_errmsg(d));
		db_rollback(d);
	} else {
		log_info("%s: %s", s->table, install ? "triggers installed, rows computed" : "rows recomputed");
	}
	buf_free(&q);
	return rc;
}

int64_t summary_fold_rows(int64_t def)
{
	const char *env = getenv("RAPPORT_SUMS_FOLD_ROWS");
	return env && *env ? strtoll(env, NULL, 10) : def;
}

int summary_fold(db *d, const summary_def *s)
{
	if (db_kind(d) != DB_POSTGRES)
		return 0;
	buf q = BUF_INIT;
	buf_addf(&q, "WITH gone AS (DELETE FROM %s RETURNING %s, %s) INSERT INTO %s(%s, %s) SELECT %s, ", s->table,
		 s->keys, s->vals, s->table, s->keys, s->vals, s->keys);
	each_col(&q, s->vals, "sum(%s)", ", ");
	buf_addf(&q, " FROM gone GROUP BY %s HAVING ", s->keys);
	each_col(&q, s->vals, "sum(%s) <> 0", " OR ");
	int rc = db_begin(d);
	if (!rc)
		rc = db_exec(d, SUMS_LOCK);
	if (!rc)
		rc = db_exec(d, buf_str(&q));
	if (!rc)
		rc = db_commit(d);
	if (rc)
		db_rollback(d);
	buf_free(&q);
	return rc;
}

int64_t summary_verify(db *d, const summary_def *s)
{
	buf q = BUF_INIT;
	buf_addf(&q, "SELECT count(*) FROM (SELECT %s FROM (%s UNION ALL SELECT %s, ", s->keys, s->recompute, s->keys);
	each_col(&q, s->vals, "-%s", ", ");
	buf_addf(&q, " FROM %s) x GROUP BY %s HAVING ", s->table, s->keys);
	each_col(&q, s->vals, "sum(%s) <> 0", " OR ");
	buf_adds(&q, ") y");
	int64_t n = db_query_int(d, buf_str(&q), -1);
	buf_free(&q);
	return n;
}
