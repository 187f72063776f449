/* test_count_summary.c - core/count_summary.c: which conditions the summary
 * answers (a strict grammar of equalities on the count keys), and the rows
 * its triggers keep: after random inserts, key changes, soft deletes,
 * restores and hard deletes by plain SQL they equal a recomputation (on
 * SQLite, and on PostgreSQL with RAPPORT_TEST_PG_URL, where the delta rows
 * are folded too); an update of other columns, or of a key to the value it
 * had, fires nothing; a row changed by hand is reported and recomputed at
 * the next sync. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpdb.h"
#include "pgschema.h"
#include "../../src/core/count_summary.h"
#include "../../src/core/entity.h"
#include "../../src/core/summary_table.h"
#include "../../src/util/log.h"

static const field_def deal_fields[] = {
	{ "status", FT_TEXT, { "状态", "Status" }, F_INDEX },
	{ "team", FT_INT, { "组", "Team" }, F_INDEX },
	{ "grade", FT_TEXT, { "等级", "Grade" }, 0 },
	{ "note", FT_TEXT, { "备注", "Note" }, 0 },
	{ NULL },
};
static const char *const deal_keys[] = { "owner_id", "team", "status", NULL };
static const entity_def deals = { .name = "cs_deals", .label = { "交易", "Deals" }, .module = "test",
				  .flags = E_OWNED, .fields = deal_fields, .title_field = "note",
				  .count_keys = deal_keys };
static const entity_def plain = { .name = "cs_plain", .label = { "无", "Plain" }, .module = "test",
				  .flags = E_OWNED, .fields = deal_fields, .title_field = "note" };

static void quiet(void)
{
	log_verbose = 0;
	entity_registry_reset();
	entity_register(&deals);
	entity_register(&plain);
}

TestSuite(count_summary, .init = quiet, .fini = entity_registry_reset);

Test(count_summary, covers_only_equalities_on_the_keys)
{
	db *d = tmpdb_open(false);
	static const char *const yes[] = {
		"",
		" AND t.owner_id = ?",
		" AND t.owner_id IS NULL AND t.team = ?",
		" AND t.status = ? AND t.owner_id = ?",
		" AND t.status IN (?)",
		" AND t.status IN (?, ?, ?)",
		" AND t.owner_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))",
		" AND t.owner_id IS NULL AND t.team IN (SELECT CAST(value AS BIGINT) FROM json_each(?)) AND t.status = ?",
	};
	static const char *const no[] = {
		" AND t.grade = ?",                      /* not a key */
		" AND t.owner_idx = ?",
		" AND t.status <> ?",
		" AND (t.status IS NULL OR t.status <> ?)",
		" AND t.status IS NOT NULL",
		" AND t.status LIKE ? ESCAPE '\\'",
		" AND t.status = ? OR 1 = 1",
		" AND t.status = ?)",
		" AND t.status = ?  ",
		" AND t.status IN (?, ?",
		" AND t.status IN ()",
		" AND t.status = 'x'",
		" AND t.owner_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?)) OR 1",
		" AND t.id IN (SELECT record_id FROM record_shares WHERE entity = 'cs_deals' AND user_id = ?)",
		" AND t.id IN (SELECT rowid FROM cs_deals_fts WHERE cs_deals_fts MATCH ?)",
		" AND 1=0",
		"AND t.status = ?",
		" AND u.status = ?",
		" AND t.status > ?",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_expect(count_summary_covers(d, &deals, yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!count_summary_covers(d, &deals, no[i]), "%s", no[i]);
	cr_expect(count_summary_covers(d, &deals, NULL));
	/* an entity without count keys has no summary */
	cr_expect(!count_summary_covers(d, &plain, ""));
	cr_expect(!count_summary_covers(d, &plain, " AND t.owner_id = ?"));
	tmpdb_close();
}

/* The summary's key rows against a recomputation, and the sum of n
 * against the live rows. */
static void expect_agrees(db *d, const char *what, int step)
{
	cr_assert_eq(count_summary_verify_all(d), 0, "%s, step %d: %s", what, step, db_errmsg(d));
	int64_t live = db_query_int(d, "SELECT count(*) FROM cs_deals WHERE deleted_at IS NULL", -1);
	int64_t sum = db_query_int(d, "SELECT coalesce(sum(n), 0) FROM cs_deals_counts", -2);
	cr_assert_eq(live, sum, "%s, step %d", what, step);
}

static void exec(db *d, const char *sql)
{
	cr_assert_eq(db_exec(d, sql), 0, "%s: %s", sql, db_errmsg(d));
}

/* Random writes by plain SQL, the summary checked after each few. */
static void random_writes(db *d, const char *what)
{
	srand(7);
	char sql[400];
	static const char *const statuses[] = { "'new'", "'won'", "'lost'", "NULL" };
	for (int step = 0; step < 400; step++) {
		int op = rand() % 8, id = 1 + rand() % 60, owner = rand() % 5, team = rand() % 3;
		const char *st = statuses[rand() % 4];
		char own[16], tm[16];
		snprintf(own, sizeof(own), owner ? "%d" : "NULL", owner);
		snprintf(tm, sizeof(tm), team ? "%d" : "NULL", team);
		switch (op) {
		case 0: case 1:
			snprintf(sql, sizeof(sql), "INSERT INTO cs_deals(created_at, updated_at, owner_id, team, status, deleted_at) "
						   "VALUES ('t', 't', %s, %s, %s, %s)", own, tm, st, rand() % 5 ? "NULL" : "'gone'");
			break;
		case 2:
			snprintf(sql, sizeof(sql), "UPDATE cs_deals SET owner_id = %s WHERE id = %d", own, id);
			break;
		case 3:
			snprintf(sql, sizeof(sql), "UPDATE cs_deals SET status = %s, team = %s WHERE id %% 7 = %d", st, tm, id % 7);
			break;
		case 4:
			snprintf(sql, sizeof(sql), "UPDATE cs_deals SET deleted_at = 'gone' WHERE id = %d", id);
			break;
		case 5:
			snprintf(sql, sizeof(sql), "UPDATE cs_deals SET deleted_at = NULL, status = %s WHERE id = %d", st, id);
			break;
		case 6:
			snprintf(sql, sizeof(sql), "DELETE FROM cs_deals WHERE id = %d", id);
			break;
		default:
			snprintf(sql, sizeof(sql), "UPDATE cs_deals SET note = 'n%d', grade = 'A', updated_at = 'u' WHERE id = %d",
				 step, id);
			break;
		}
		exec(d, sql);
		if (step % 10 == 9) {
			expect_agrees(d, what, step);
			/* PostgreSQL: fold the deltas now and then, the rows stay the same */
			if (step % 50 == 49) {
				setenv("RAPPORT_SUMS_FOLD_ROWS", "0", 1);
				cr_assert_eq(count_summary_read_done(d, &deals), 0, "%s", db_errmsg(d));
				unsetenv("RAPPORT_SUMS_FOLD_ROWS");
				expect_agrees(d, "after a fold", step);
			}
		}
	}
}

Test(count_summary, sqlite_triggers_keep_the_rows)
{
	db *d = tmpdb_open(true);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sqlite_master WHERE name = 'cs_plain_counts'", -1), 0);
	expect_agrees(d, "empty", 0);
	random_writes(d, "sqlite");

	/* other columns, and a key set to the value it had, fire nothing */
	exec(d, "INSERT INTO cs_deals(created_at, updated_at, owner_id, team, status) VALUES ('t', 't', 3, 1, 'new')");
	int64_t id = db_query_int(d, "SELECT max(id) FROM cs_deals", -1);
	char sql[200];
	int64_t before = db_query_int(d, "SELECT total_changes()", -1);
	snprintf(sql, sizeof(sql), "UPDATE cs_deals SET note = 'x', updated_at = 'y' WHERE id = %lld", (long long)id);
	exec(d, sql);
	snprintf(sql, sizeof(sql), "UPDATE cs_deals SET owner_id = 3, status = 'new', deleted_at = NULL WHERE id = %lld",
		 (long long)id);
	exec(d, sql);
	cr_expect_eq(db_query_int(d, "SELECT total_changes()", -1) - before, 2, "only the two rows changed");
	snprintf(sql, sizeof(sql), "UPDATE cs_deals SET status = 'won' WHERE id = %lld", (long long)id);
	exec(d, sql);
	cr_expect_eq(db_query_int(d, "SELECT total_changes()", -1) - before, 5, "the row, its old and its new key");
	expect_agrees(d, "a key changed", 0);

	/* a row changed by hand: reported, and recomputed by the next sync */
	exec(d, "UPDATE cs_deals_counts SET n = n + 1 WHERE rowid = (SELECT min(rowid) FROM cs_deals_counts)");
	cr_expect_eq(count_summary_verify_all(d), 1);
	cr_assert_eq(count_summary_sync(d, &deals), 0);
	expect_agrees(d, "recomputed", 0);
	/* a changed declaration (the mark) recreates the table and triggers */
	exec(d, "UPDATE settings SET value = '0 owner_id' WHERE key = 'count_summary:cs_deals'");
	cr_assert_eq(count_summary_sync(d, &deals), 0, "%s", db_errmsg(d));
	expect_agrees(d, "reinstalled", 0);
	random_writes(d, "reinstalled");
	tmpdb_close();
}

Test(count_summary, postgres_delta_rows_and_folds)
{
	db *d = pgschema_open("countsum", NULL);
	if (!d)
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	expect_agrees(d, "empty", 0);
	random_writes(d, "postgres");
	exec(d, "INSERT INTO cs_deals_counts(owner_id, team, status, n) VALUES (1, 1, 'new', 1)");
	cr_expect_eq(count_summary_verify_all(d), 1);
	cr_assert_eq(count_summary_sync(d, &deals), 0);
	expect_agrees(d, "recomputed", 0);
	pgschema_close();
}
