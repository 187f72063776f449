/*
 * cmd_check.c - `rapport check --data DIR`: is the database intact?
 *
 * SQLite: PRAGMA integrity_check (pages, b-trees, every index against its
 * table) and each full-text index's own 'integrity-check' (SQLite 3.40's
 * integrity_check does not look inside FTS5 tables).  PostgreSQL keeps its
 * own consistency, so only a cheap sanity check: the schema version can be
 * read, the core tables answer, no index is left invalid.
 *
 * Opens the database without migrating anything (a damaged file must not be
 * written to).  Exit 0 when intact, 1 on damage or when it cannot be read.
 */
#include "cmd.h"
#include "../core/agg_summary.h"
#include "../core/count_summary.h"
#include "../db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int problem(int *n, const char *what, const char *detail)
{
	fprintf(stderr, "rapport check: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	(*n)++;
	return -1;
}

static void check_sqlite(db *d, int *bad)
{
	db_stmt *s = db_prepare(d, "PRAGMA integrity_check");
	if (!s) {
		problem(bad, "integrity_check cannot run", db_errmsg(d));
		return;
	}
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		const char *line = db_col_text(s, 0);
		if (!line || strcmp(line, "ok"))
			problem(bad, "integrity_check", line ? line : "(null)");
	}
	if (rc < 0)
		problem(bad, "integrity_check failed", db_errmsg(d));
	db_done(s);

	/* the full-text indexes, one by one */
	s = db_prepare(d, "SELECT name FROM sqlite_master WHERE type = 'table' "
			  "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%' ORDER BY name");
	if (!s) {
		problem(bad, "cannot list the search indexes", db_errmsg(d));
		return;
	}
	char names[64][128];
	int n = 0;
	while ((rc = db_step(s)) == DB_ROW && n < 64)
		snprintf(names[n++], sizeof(names[0]), "%s", db_col_text(s, 0));
	db_done(s);
	for (int i = 0; i < n; i++) {
		char sql[512];
		int len = snprintf(sql, sizeof(sql), "INSERT INTO \"%s\"(\"%s\") VALUES ('integrity-check')",
				   names[i], names[i]);
		if (len < 0 || (size_t)len >= sizeof(sql))
			continue;
		if (db_exec(d, sql))
			problem(bad, names[i], db_errmsg(d));
	}
	printf("sqlite: integrity_check %s, %d search index%s checked\n", *bad ? "FAILED" : "ok", n,
	       n == 1 ? "" : "es");
}

static void check_postgres(db *d, int *bad)
{
	int64_t v = db_query_int(d, "SELECT max(version) FROM schema_migrations", -1);
	if (v < 0)
		problem(bad, "the schema version cannot be read", db_errmsg(d));
	if (db_query_int(d, "SELECT count(*) FROM users", -1) < 0)
		problem(bad, "the users table cannot be read", db_errmsg(d));
	int64_t invalid = db_query_int(d, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
					  "JOIN pg_namespace n ON n.oid = c.relnamespace "
					  "WHERE n.nspname = current_schema() AND NOT i.indisvalid", -1);
	if (invalid != 0)
		problem(bad, "invalid indexes", invalid < 0 ? db_errmsg(d) : "some index is not valid (REINDEX)");
	printf("postgres: schema version %lld, %s\n", (long long)v, *bad ? "FAILED" : "ok");
}

int cmd_check(const cmd_opts *o)
{
	const char *url = getenv("RAPPORT_DATABASE_URL");
	db *d = NULL;
	int bad = 0;
	if (url && *url) {
		if (db_open_postgres(&d, url)) {
			fprintf(stderr, "rapport check: cannot connect to the database (RAPPORT_DATABASE_URL)\n");
			return 1;
		}
		check_postgres(d, &bad);
	} else {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/rapport.db", o->data);
		if (stat(path, &st) != 0) {
			fprintf(stderr, "rapport check: no database in %s\n", o->data);
			return 1;
		}
		if (db_open_sqlite(&d, path)) {
			fprintf(stderr, "rapport check: cannot open %s\n", path);
			return 1;
		}
		check_sqlite(d, &bad);
	}
	/* the dashboard's summary rows against a recomputation (core/agg_summary.h) */
	int64_t diff = agg_summary_verify(d);
	if (diff < 0)
		problem(&bad, "the opportunity sums cannot be compared", db_errmsg(d));
	else if (diff > 0)
		problem(&bad, "opportunity sums", "some keys differ from the opportunities (a server start recomputes them)");
	else
		printf("opportunity sums: ok\n");
	/* the list totals' summary rows (core/count_summary.h) */
	diff = count_summary_verify_all(d);
	if (diff < 0)
		problem(&bad, "the count summaries cannot be compared", db_errmsg(d));
	else if (diff > 0)
		problem(&bad, "count summaries", "some keys differ from the records (a server start recomputes them)");
	else
		printf("count summaries: ok\n");
	db_close(d);
	return bad ? 1 : 0;
}
