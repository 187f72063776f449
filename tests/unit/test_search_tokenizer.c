/* test_search_tokenizer.c - the FTS5 tokenizer "bigram" on every SQLite connection: Chinese two-character words, case folding, phone numbers with or without separators. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/util/log.h"
#include "tmpdb.h"

static db *d;

static void setup(void)
{
	log_verbose = 0;
	d = tmpdb_open(false);
	cr_assert_eq(db_exec(d, "CREATE VIRTUAL TABLE t USING fts5(name, tokenize='bigram');"
				"INSERT INTO t(rowid, name) VALUES (1, '北京华夏机械有限公司');"
				"INSERT INTO t(rowid, name) VALUES (2, 'Smith & Sons Ltd');"
				"INSERT INTO t(rowid, name) VALUES (3, '010-6234 5678');"),
		     0, "%s", db_errmsg(d));
}

static void teardown(void)
{
	tmpdb_close();
}

TestSuite(bigram_fts, .init = setup, .fini = teardown);

/* The rowids matching q, as "1,3" (empty when none); -1 rows on error. */
static const char *search_on(db *conn, const char *q)
{
	static char out[256];
	out[0] = '\0';
	db_stmt *s = db_prepare(conn, "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid");
	cr_assert_not_null(s, "prepare: %s", db_errmsg(conn));
	db_bind_str(s, 1, q);
	int rc;
	size_t n = 0;
	while ((rc = db_step(s)) == DB_ROW)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%lld", n ? "," : "", (long long)db_col_int(s, 0));
	db_done(s);
	cr_assert_eq(rc, DB_DONE, "MATCH %s failed: %s", q, db_errmsg(conn));
	return out;
}

static const char *search(const char *q)
{
	return search_on(d, q);
}

Test(bigram_fts, chinese_two_characters_and_more)
{
	cr_assert_str_eq(search("\"华夏\""), "1");
	cr_assert_str_eq(search("\"华夏机械\""), "1");
	cr_assert_str_eq(search("\"北京华夏机械有限公司\""), "1");
	cr_assert_str_eq(search("\"有限公司\""), "1");
	cr_assert_str_eq(search("\"夏华\""), "", "the reversed pair is not in the text");
	cr_assert_str_eq(search("\"华机\""), "", "not adjacent in the text");
	cr_assert_str_eq(search("\"北京机械\""), "", "both words are there, not as one substring");
}

Test(bigram_fts, latin_text_folds_case)
{
	cr_assert_str_eq(search("\"smith\""), "2");
	cr_assert_str_eq(search("\"SMITH\""), "2");
	cr_assert_str_eq(search("\"Sons\""), "2");
	cr_assert_str_eq(search("\"ＳＭＩＴＨ\""), "2", "full-width letters fold too");
	cr_assert_str_eq(search("\"mit\""), "2", "inside a word");
	cr_assert_str_eq(search("\"smiths\""), "2", "across the space: separators are dropped");
	cr_assert_str_eq(search("\"jones\""), "");
}

Test(bigram_fts, phone_numbers_with_or_without_separators)
{
	cr_assert_str_eq(search("\"62345678\""), "3");
	cr_assert_str_eq(search("\"6234-5678\""), "3");
	cr_assert_str_eq(search("\"6234 5678\""), "3");
	cr_assert_str_eq(search("\"010-62345678\""), "3");
	cr_assert_str_eq(search("\"01062345678\""), "3");
	cr_assert_str_eq(search("\"５６７８\""), "3", "full-width digits");
	cr_assert_str_eq(search("\"87654321\""), "");
}

Test(bigram_fts, highlight_spans_map_back_to_the_original_text)
{
	db_stmt *s = db_prepare(d, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?");
	cr_assert_not_null(s, "%s", db_errmsg(d));
	db_bind_str(s, 1, "\"华夏\"");
	cr_assert_eq(db_step(s), DB_ROW);
	cr_assert_str_eq(db_col_text(s, 0), "北京[华夏]机械有限公司");
	db_done(s);

	s = db_prepare(d, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?");
	db_bind_str(s, 1, "\"62345678\"");
	cr_assert_eq(db_step(s), DB_ROW);
	cr_assert_str_eq(db_col_text(s, 0), "010-[6234 5678]");
	db_done(s);
}

Test(bigram_fts, later_rows_and_updates_are_indexed)
{
	cr_assert_eq(db_exec(d, "INSERT INTO t(rowid, name) VALUES (4, '上海华夏贸易');"
				"UPDATE t SET name = 'Jones Ltd' WHERE rowid = 2;"),
		     0, "%s", db_errmsg(d));
	cr_assert_str_eq(search("\"华夏\""), "1,4");
	cr_assert_str_eq(search("\"smith\""), "");
	cr_assert_str_eq(search("\"jones\""), "2");
	cr_assert_eq(db_exec(d, "DELETE FROM t WHERE rowid = 1"), 0);
	cr_assert_str_eq(search("\"华夏\""), "4");
}

Test(bigram_fts, odd_text_does_not_break_the_index)
{
	cr_assert_eq(db_exec(d, "INSERT INTO t(rowid, name) VALUES (5, '');"
				"INSERT INTO t(rowid, name) VALUES (6, '华');"
				"INSERT INTO t(rowid, name) VALUES (7, '—— 。。 ——');"
				"INSERT INTO t(rowid, name) VALUES (8, NULL);"
				"INSERT INTO t(rowid, name) VALUES (9, CAST(x'41ff42c3' AS TEXT));"),
		     0, "%s", db_errmsg(d));
	cr_assert_str_eq(search("\"华夏\""), "1");
	cr_assert_str_eq(search("\"ab\""), "9", "invalid bytes are skipped like separators");
	/* a query without two word characters has no tokens: it matches nothing */
	cr_assert_str_eq(search("\"华\""), "");
	cr_assert_str_eq(search("\"--\""), "");
}

Test(bigram_fts, every_connection_has_the_tokenizer)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/rapport.db", tmpdb_dir());
	db *other = NULL;
	cr_assert_eq(db_open_sqlite(&other, path), 0);
	cr_assert_not_null(other);
	cr_assert_str_eq(search_on(other, "\"华夏机械\""), "1");
	cr_assert_eq(db_exec(other, "CREATE VIRTUAL TABLE t2 USING fts5(x, tokenize='bigram');"
				    "INSERT INTO t2(x) VALUES ('张伟');"),
		     0, "%s", db_errmsg(other));
	cr_assert_eq(db_query_int(other, "SELECT count(*) FROM t2 WHERE t2 MATCH '\"张伟\"'", -1), 1);
	db_close(other);
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM t2 WHERE t2 MATCH '\"张伟\"'", -1), 1);
}
