/* test_db_pg.c - the PostgreSQL backend's statement cache (src/db/db_pg.c):
 * a first use runs unnamed, a second one is prepared and reused (a "replanned"
 * one never is), the cache is bounded, a statement taken twice at once works,
 * errors surface, and a lost connection recovers.  Needs RAPPORT_TEST_PG_URL
 * (scripts/test.sh starts a throwaway cluster); skipped without it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/db/db.h"
#include "../../src/util/log.h"

static db *open_pg(void)
{
	log_verbose = 0;
	const char *url = getenv("RAPPORT_TEST_PG_URL");
	if (!url || !*url) {
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
		return NULL;
	}
	db *d = NULL;
	cr_assert_eq(db_open_postgres(&d, url), DB_OK);
	return d;
}

/* How many named statements this connection holds whose text contains marker. */
static int64_t prepared_count(db *d, const char *marker)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%%s%%' "
		 "AND statement NOT LIKE '%%pg_prepared_statements%%'", marker);
	/* a text of its own each time: runs unnamed, never cached */
	db_stmt *s = db_prepare(d, sql);
	cr_assert_not_null(s);
	cr_assert_eq(db_step(s), DB_ROW);
	int64_t n = db_col_int(s, 0);
	db_done(s);
	return n;
}

static int64_t run_plus(db *d, const char *sql, int64_t v)
{
	db_stmt *s = db_prepare(d, sql);
	cr_assert_not_null(s, "%s", db_errmsg(d));
	db_bind_int(s, 1, v);
	cr_assert_eq(db_step(s), DB_ROW, "%s", db_errmsg(d));
	int64_t got = db_col_int(s, 0);
	cr_assert_eq(db_step(s), DB_DONE);
	db_done(s);
	return got;
}

Test(db_pg, a_first_use_runs_unnamed_and_a_second_is_prepared_once)
{
	db *d = open_pg();
	const char *sql = "SELECT ? + 1 AS n /* first_second */";
	cr_assert_eq(run_plus(d, sql, 41), 42);
	cr_assert_eq(prepared_count(d, "first_second"), 0, "a first use prepares nothing");
	cr_assert_eq(run_plus(d, sql, 1), 2);
	cr_assert_eq(prepared_count(d, "first_second"), 1, "the second use prepares it");
	for (int i = 0; i < 5; i++)
		cr_assert_eq(run_plus(d, sql, i), i + 1);
	cr_assert_eq(prepared_count(d, "first_second"), 1, "later uses reuse it");
	db_close(d);
}

Test(db_pg, the_cache_is_bounded_and_answers_stay_right)
{
	db *d = open_pg();
	char sql[128];
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 700; i++) {
			snprintf(sql, sizeof(sql), "SELECT ? + %d /* bounded */", i);
			cr_assert_eq(run_plus(d, sql, round), round + i);
		}
	int64_t n = prepared_count(d, "bounded");
	cr_assert(n > 0 && n <= 512, "prepared statements held: %lld", (long long)n);
	db_close(d);
}

Test(db_pg, the_same_text_taken_twice_at_once)
{
	db *d = open_pg();
	const char *sql = "SELECT g FROM generate_series(1, ?) g /* nested */";
	for (int round = 0; round < 3; round++) {
		db_stmt *outer = db_prepare(d, sql);
		cr_assert_not_null(outer);
		db_bind_int(outer, 1, 3);
		int64_t sum = 0;
		while (db_step(outer) == DB_ROW) {
			db_stmt *inner = db_prepare(d, sql);
			cr_assert_not_null(inner);
			db_bind_int(inner, 1, db_col_int(outer, 0));
			while (db_step(inner) == DB_ROW)
				sum += db_col_int(inner, 0);
			db_done(inner);
		}
		db_done(outer);
		cr_assert_eq(sum, 1 + 3 + 6);
	}
	db_close(d);
}

Test(db_pg, errors_surface_on_first_and_later_uses)
{
	db *d = open_pg();
	const char *sql = "SELECT no_such_column FROM pg_class /* broken */";
	for (int i = 0; i < 3; i++) {
		db_stmt *s = db_prepare(d, sql);
		if (s) {
			cr_assert(db_step(s) < 0, "use %d of a broken statement must fail", i);
			db_done(s);
		}
		cr_assert(strstr(db_errmsg(d), "no_such_column"), "%s", db_errmsg(d));
	}
	/* a unique violation is told apart, unnamed and prepared */
	cr_assert_eq(db_exec(d, "CREATE TEMP TABLE t_cache (k BIGINT PRIMARY KEY)"), DB_OK);
	for (int i = 0; i < 3; i++) {
		db_stmt *s = db_prepare(d, "INSERT INTO t_cache (k) VALUES (?)");
		cr_assert_not_null(s);
		db_bind_int(s, 1, 7);
		int rc = db_step(s);
		db_done(s);
		cr_assert_eq(rc, i == 0 ? DB_DONE : DB_ERR_UNIQUE);
	}
	db_close(d);
}

Test(db_pg, a_lost_connection_recovers_with_its_statements)
{
	db *d = open_pg();
	const char *sql = "SELECT ? + 1 /* recovers */";
	cr_assert_eq(run_plus(d, sql, 1), 2);
	cr_assert_eq(run_plus(d, sql, 2), 3); /* prepared now */
	int64_t pid = db_query_int(d, "SELECT pg_backend_pid()", 0);
	db *other = open_pg();
	char kill[96];
	snprintf(kill, sizeof(kill), "SELECT pg_terminate_backend(%lld)", (long long)pid);
	cr_assert_eq(db_exec(other, kill), DB_OK);
	db_close(other);
	usleep(200 * 1000); /* the backend is gone */
	/* the next statement fails as busy (503), the one after runs on a new connection */
	db_stmt *s = db_prepare(d, sql);
	if (s) {
		db_bind_int(s, 1, 3);
		cr_assert_eq(db_step(s), DB_ERR_BUSY);
		db_done(s);
	}
	for (int i = 0; i < 3; i++)
		cr_assert_eq(run_plus(d, sql, i), i + 1);
	cr_assert_neq(db_query_int(d, "SELECT pg_backend_pid()", 0), pid);
	db_close(d);
}

static int64_t count_rows(db *d, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return db_query_int(d, sql, -1);
}

static int insert_k(db *d, const char *table, int64_t k)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "INSERT INTO %s (k) VALUES (?)", table);
	db_stmt *s = db_prepare(d, sql);
	if (!s)
		return db_errcode(d);
	db_bind_int(s, 1, k);
	int rc = db_step(s);
	db_done(s);
	return rc;
}

/* db_begin sends BEGIN with the first statement: the transaction must be just as real. */
Test(db_pg, a_deferred_begin_is_a_real_transaction)
{
	db *d = open_pg(), *other = open_pg();
	cr_assert_eq(db_exec(d, "DROP TABLE IF EXISTS t_begin; CREATE TABLE t_begin (k BIGINT PRIMARY KEY)"), DB_OK);
	for (int round = 0; round < 3; round++) { /* unnamed first, prepared later */
		/* rolled back: gone */
		cr_assert_eq(db_begin(d), DB_OK);
		cr_assert_eq(insert_k(d, "t_begin", 100 + round), DB_DONE);
		cr_assert_eq(count_rows(d, "t_begin"), round + 1, "the transaction sees its own row");
		cr_assert_eq(count_rows(other, "t_begin"), round, "another connection does not");
		cr_assert_eq(db_rollback(d), DB_OK);
		cr_assert_eq(count_rows(d, "t_begin"), round);
		/* committed: there, for everyone */
		cr_assert_eq(db_begin(d), DB_OK);
		cr_assert_eq(insert_k(d, "t_begin", round), DB_DONE);
		cr_assert_eq(db_commit(d), DB_OK);
		cr_assert_eq(count_rows(other, "t_begin"), round + 1);
	}
	/* a failed statement aborts the transaction; rollback makes the connection usable again */
	cr_assert_eq(db_begin(d), DB_OK);
	cr_assert_eq(insert_k(d, "t_begin", 0), DB_ERR_UNIQUE);
	cr_assert(insert_k(d, "t_begin", 50) < 0, "in an aborted transaction");
	cr_assert_eq(db_rollback(d), DB_OK);
	cr_assert_eq(count_rows(d, "t_begin"), 3);
	/* an empty transaction, and db_exec inside one */
	cr_assert_eq(db_begin(d), DB_OK);
	cr_assert_eq(db_commit(d), DB_OK);
	cr_assert_eq(db_begin(d), DB_OK);
	cr_assert_eq(db_exec(d, "INSERT INTO t_begin (k) VALUES (60)"), DB_OK);
	cr_assert_eq(count_rows(other, "t_begin"), 3, "db_exec ran inside the transaction");
	cr_assert_eq(db_rollback(d), DB_OK);
	cr_assert_eq(count_rows(d, "t_begin"), 3);
	cr_assert_eq(db_exec(d, "DROP TABLE t_begin"), DB_OK);
	db_close(other);
	db_close(d);
}

/* PostgreSQL has no group commit (db.h db_batch_*): refused, and the
 * connection's own transactions are untouched. */
Test(db_pg, no_group_commit)
{
	db *d = open_pg();
	cr_assert_eq(db_batch_begin(d), DB_ERR);
	cr_assert(!db_batch_alive(d));
	cr_assert_eq(db_batch_mark(d), DB_ERR);
	cr_assert_eq(db_begin(d), DB_OK);
	cr_assert_eq(db_commit(d), DB_OK);
	db_close(d);
}

Test(db_pg, a_replanned_statement_is_never_kept_prepared)
{
	db *d = open_pg();
	/* named, PostgreSQL could switch to one generic plan from the sixth run */
	const char *sql = "SELECT ? + 1 AS n /* replanned_marker */";
	for (int i = 0; i < 8; i++) {
		db_stmt *s = db_prepare_replanned(d, sql);
		cr_assert_not_null(s, "%s", db_errmsg(d));
		db_bind_int(s, 1, i);
		cr_assert_eq(db_step(s), DB_ROW, "%s", db_errmsg(d));
		cr_assert_eq(db_col_int(s, 0), i + 1);
		db_done(s);
	}
	cr_assert_eq(prepared_count(d, "replanned_marker"), 0, "it was prepared");
	/* the same text through db_prepare is kept as before */
	cr_assert_eq(run_plus(d, sql, 1), 2);
	cr_assert_eq(run_plus(d, sql, 2), 3);
	cr_assert_eq(prepared_count(d, "replanned_marker"), 1);
	db_close(d);
}
