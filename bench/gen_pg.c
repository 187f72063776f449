/*
 * gen_pg.c - `rapport-gen --data DIR --to-postgres URL`: copies a generated
 * SQLite database into a PostgreSQL one with COPY, for the benchmark's
 * PostgreSQL runs.
 *
 * The target is a database fresh from `RAPPORT_DATABASE_URL=URL rapport init`
 * (the schema the server derives from the declarations).  Every table the two
 * have in common is emptied and filled with the columns they share, with
 * foreign-key triggers off for the load (session_replication_role = replica;
 * the source is consistent) and the table's plain indexes dropped during its
 * COPY and built once at the end of it.  The search columns PostgreSQL needs
 * (search_text, search_grams: core/search_index.h) are computed here from
 * each row with the server's own function, in the same COPY.  Sequences are
 * moved past the largest ids, then everything is vacuumed (frozen) and
 * analyzed: without the visibility map a freshly copied table answers no
 * index-only scan from the index alone, and autovacuum would otherwise do the
 * same work in the middle of the first benchmark scenarios.
 */
#include "gen_pg.h"
#include "../src/core/entity.h"
#include "../src/core/search_index.h"
#include "../src/util/buf.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COLS 128

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pg_ok(PGconn *pg, PGresult *r, const char *what)
{
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	fprintf(stderr, "rapport-gen: %s: %s", what, PQerrorMessage(pg));
	PQclear(r);
	return -1;
}

static int pg_exec(PGconn *pg, const char *sql)
{
	return pg_ok(pg, PQexec(pg, sql), sql);
}

/* COPY text format: backslash, tab, newline and carriage return escaped */
static void copy_escape(buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\')
			buf_add(out, "\\\\", 2);
		else if (c == '\t')
			buf_add(out, "\\t", 2);
		else if (c == '\n')
			buf_add(out, "\\n", 2);
		else if (c == '\r')
			buf_add(out, "\\r", 2);
		else
			buf_addc(out, c);
	}
}

static bool pg_has_column(PGconn *pg, const char *table, const char *col)
{
	const char *params[] = { table, col };
	PGresult *r = PQexecParams(pg, "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
				       "AND table_name = $1 AND column_name = $2", 2, NULL, params, NULL, NULL, 0);
	bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
	PQclear(r);
	return yes;
}

/* The table's indexes that no constraint owns, as CREATE INDEX statements;
 * they are dropped for the COPY and built once afterwards (much faster than
 * growing them row by row, the GIN search index above all). */
static int drop_indexes(PGconn *pg, const char *table, char ***defs, int *n)
{
	const char *params[] = { table };
	PGresult *r = PQexecParams(pg, "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
				       "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
				       "JOIN pg_namespace ns ON ns.oid = t.relnamespace "
				       "WHERE t.relname = $1 AND ns.nspname = current_schema() "
				       "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
				   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "rapport-gen: indexes of %s: %s", table, PQerrorMessage(pg));
		PQclear(r);
		return -1;
	}
	*n = PQntuples(r);
	*defs = calloc((size_t)*n + 1, sizeof(char *));
	int rc = 0;
	for (int i = 0; i < *n && !rc; i++) {
		(*defs)[i] = strdup(PQgetvalue(r, i, 1));
		char sql[512];
		snprintf(sql, sizeof(sql), "DROP INDEX \"%s\"", PQgetvalue(r, i, 0));
		rc = pg_exec(pg, sql);
	}
	PQclear(r);
	return rc;
}

static int create_indexes(PGconn *pg, char **defs, int n)
{
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (!rc)
			rc = pg_exec(pg, defs[i]);
		free(defs[i]);
	}
	free(defs);
	return rc;
}

/* Copies one table; returns rows, or -1. */
static int64_t copy_table(db *src, PGconn *pg, const char *table)
{
	char *cols[MAX_COLS];
	int ncols = 0;
	char sql[512];
	snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", table);
	db_stmt *s = db_prepare(src, sql);
	while (s && db_step(s) == DB_ROW && ncols < MAX_COLS) {
		const char *c = db_col_text(s, 1);
		if (pg_has_column(pg, table, c))
			cols[ncols++] = strdup(c);
	}
	db_done(s);
	if (!ncols)
		return 0;
	/* the search columns, computed from the searchable fields */
	const entity_def *e = entity_find(table);
	bool search = e && pg_has_column(pg, table, "search_text");
	int search_col[MAX_COLS];
	json_t *rec = json_object();

	buf q = BUF_INIT, sel = BUF_INIT;
	buf_addf(&q, "COPY \"%s\" (", table);
	buf_add(&sel, "SELECT ", 7);
	for (int i = 0; i < ncols; i++) {
		buf_addf(&q, "%s\"%s\"", i ? ", " : "", cols[i]);
		buf_addf(&sel, "%s\"%s\"", i ? ", " : "", cols[i]);
		search_col[i] = 0;
		if (search) {
			const field_def *f = entity_field(e, cols[i]);
			search_col[i] = f && (f->flags & F_SEARCH);
		}
	}
	if (search)
		buf_addf(&q, ", search_text, search_grams");
	buf_add(&q, ") FROM STDIN", 12);
	buf_addf(&sel, " FROM \"%s\"", table);

	int64_t rows = -1;
	PGresult *r = PQexec(pg, buf_str(&q));
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "rapport-gen: %s: %s", buf_str(&q), PQerrorMessage(pg));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	s = db_prepare(src, buf_str(&sel));
	if (!s) {
		fprintf(stderr, "rapport-gen: %s: %s\n", buf_str(&sel), db_errmsg(src));
		PQputCopyEnd(pg, "source failed");
		goto drain;
	}
	buf line = BUF_INIT;
	rows = 0;
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		for (int i = 0; i < ncols; i++) {
			if (i)
				buf_addc(&line, '\t');
			if (db_col_is_null(s, i)) {
				buf_add(&line, "\\N", 2);
				if (search_col[i])
					json_object_del(rec, cols[i]);
				continue;
			}
			const char *v = db_col_text(s, i);
			size_t n = db_col_len(s, i);
			copy_escape(&line, v, n);
			if (search_col[i])
				json_object_set_new(rec, cols[i], json_stringn(v, n));
		}
		if (search) {
			buf text = BUF_INIT, grams = BUF_INIT;
			search_index_values(e, rec, &text, &grams);
			buf_addc(&line, '\t');
			copy_escape(&line, text.ptr ? text.ptr : "", text.len);
			buf_addc(&line, '\t');
			copy_escape(&line, grams.ptr ? grams.ptr : "", grams.len);
			buf_free(&text);
			buf_free(&grams);
		}
		buf_addc(&line, '\n');
		rows++;
		if (line.len > (1 << 20)) {
			if (PQputCopyData(pg, line.ptr, (int)line.len) != 1)
				break;
			buf_reset(&line);
		}
	}
	db_done(s);
	if (line.len)
		PQputCopyData(pg, line.ptr, (int)line.len);
	buf_free(&line);
	if (rc != DB_DONE) {
		fprintf(stderr, "rapport-gen: reading %s: %s\n", table, db_errmsg(src));
		rows = -1;
	}
	PQputCopyEnd(pg, rows < 0 ? "source failed" : NULL);
drain:
	while ((r = PQgetResult(pg))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "rapport-gen: COPY %s: %s", table, PQerrorMessage(pg));
			rows = -1;
		}
		PQclear(r);
	}
out:
	json_decref(rec);
	buf_free(&q);
	buf_free(&sel);
	for (int i = 0; i < ncols; i++)
		free(cols[i]);
	return rows;
}

int gen_pg_copy(db *src, const char *url, FILE *report)
{
	PGconn *pg = PQconnectdb(url);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "rapport-gen: cannot connect to %s: %s", url, PQerrorMessage(pg));
		PQfinish(pg);
		return -1;
	}
	PQclear(PQexec(pg, "SET client_min_messages = warning"));
	if (!pg_has_column(pg, "users", "id")) {
		fprintf(stderr, "rapport-gen: %s has no Rapport schema (run RAPPORT_DATABASE_URL=... rapport init first)\n", url);
		PQfinish(pg);
		return -1;
	}
	/* the tables both have, in the source's order */
	char *tables[256];
	int n = 0;
	db_stmt *s = db_prepare(src, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
				     "AND name NOT LIKE '%_fts%' AND name <> 'schema_migrations' ORDER BY rowid");
	while (s && db_step(s) == DB_ROW && n < 256) {
		const char *t = db_col_text(s, 0);
		if (pg_has_column(pg, t, "id") || pg_has_column(pg, t, "key") || pg_has_column(pg, t, "user_id"))
			tables[n++] = strdup(t);
	}
	db_done(s);
	int rc = 0;
	double t_all = now_s();
	int64_t total = 0;
	buf q = BUF_INIT;
	buf_add(&q, "TRUNCATE ", 9);
	for (int i = 0; i < n; i++)
		buf_addf(&q, "%s\"%s\"", i ? ", " : "", tables[i]);
	buf_add(&q, " CASCADE", 8);
	if (pg_exec(pg, "BEGIN") || pg_exec(pg, "SET LOCAL session_replication_role = replica") ||
	    pg_exec(pg, "SET LOCAL maintenance_work_mem = '512MB'") ||
	    pg_exec(pg, buf_str(&q))) {
		rc = -1;
		goto done;
	}
	for (int i = 0; i < n && !rc; i++) {
		double t0 = now_s();
		char **defs = NULL;
		int ndefs = 0;
		if (drop_indexes(pg, tables[i], &defs, &ndefs)) {
			rc = -1;
			break;
		}
		int64_t rows = copy_table(src, pg, tables[i]);
		double t_index = now_s();
		if (rows < 0 || create_indexes(pg, defs, ndefs)) {
			rc = -1;
			break;
		}
		total += rows;
		double secs = now_s() - t0;
		if (rows >= 1000) {
			double copy_s = t_index - t0, index_s = now_s() - t_index;
			printf("postgres %-20s %10lld rows %8.1f s %10.0f rows/s (COPY %.1f s, %d indexes %.1f s)\n",
			       tables[i], (long long)rows, secs, rows / (secs > 0 ? secs : 1e-9), copy_s, ndefs, index_s);
			if (report)
				fprintf(report, "postgres %-20s %10lld rows %8.1f s %10.0f rows/s (COPY %.1f s, %d indexes %.1f s)\n",
					tables[i], (long long)rows, secs, rows / (secs > 0 ? secs : 1e-9), copy_s, ndefs,
					index_s);
			fflush(stdout); /* progress, also through a pipe */
		}
		if (pg_has_column(pg, tables[i], "id")) {
			char sql[512];
			snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), "
				 "GREATEST((SELECT max(id) FROM \"%s\"), 1))", tables[i], tables[i]);
			PQclear(PQexec(pg, sql)); /* NULL (no sequence) is fine */
		}
	}
	if (!rc && pg_exec(pg, "COMMIT"))
		rc = -1;
	if (rc)
		PQclear(PQexec(pg, "ROLLBACK"));
	double secs = now_s() - t_all;
	if (!rc) {
		double t0 = now_s();
		rc = pg_exec(pg, "VACUUM (FREEZE, ANALYZE)");
		printf("postgres copy: %lld rows in %.1f s (%.0f rows/s), VACUUM (FREEZE, ANALYZE) %.1f s\n",
		       (long long)total, secs, total / (secs > 0 ? secs : 1e-9), now_s() - t0);
		if (report)
			fprintf(report, "postgres copy: %lld rows in %.1f s (%.0f rows/s), VACUUM (FREEZE, ANALYZE) %.1f s\n",
				(long long)total, secs, total / (secs > 0 ? secs : 1e-9), now_s() - t0);
	}
done:
	buf_free(&q);
	for (int i = 0; i < n; i++)
		free(tables[i]);
	PQfinish(pg);
	return rc;
}
