/* test_pg_sort_index.c - on PostgreSQL, a list sorted by a column that can be
 * empty is served by its list index in both directions (core/schema.c
 * pg_nulls_first): the lists ask for SQLite's order (empty first ascending,
 * last descending) and a plain btree index gives neither, so every match was
 * read and sorted.  The plan must show no Sort node even with sorting made
 * expensive.  Needs RAPPORT_TEST_PG_URL; skipped without it. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/entity.h"
#include "../../src/db/db.h"
#include "../../src/util/log.h"
#include "pgschema.h"

static const field_def deal_fields[] = {
	{ "stage", FT_TEXT, { "阶段", "Stage" }, F_SORT | F_INDEX },
	{ "closes_on", FT_DATE, { "预计成交", "Closes on" }, F_SORT },
	{ NULL },
};
static const char *const deal_lists[] = { "stage,closes_on", NULL };
static const entity_def deals = { .name = "sortidx_deals", .label = { "交易", "Deals" }, .module = "test",
				  .fields = deal_fields, .title_field = "stage", .list_indexes = deal_lists };

static db *d;

static void setup(void)
{
	log_verbose = 0;
	d = pgschema_open("sortidx", &deals);
}

static void teardown(void)
{
	pgschema_close();
	d = NULL;
}

TestSuite(pg_sort_index, .init = setup, .fini = teardown);

/* Is any step of plan a full sort?  An incremental sort whose presorted key is
 * the index's column only orders the ties by id, as the rows come. */
static bool full_sort(const char *plan)
{
	for (const char *p = plan; (p = strstr(p, "Sort  (")); p++)
		if (p < plan + 12 || strncmp(p - 12, "Incremental ", 12))
			return true;
	return false;
}

/* the plan of sql, one line per row, with sorting and table scans made dear */
static void plan_of(const char *sql, char *out, size_t n)
{
	cr_assert_eq(db_exec(d, "SET enable_sort = off; SET enable_seqscan = off"), 0, "%s", db_errmsg(d));
	char q[600];
	snprintf(q, sizeof(q), "EXPLAIN %s", sql);
	db_stmt *s = db_prepare(d, q);
	cr_assert_not_null(s, "%s", db_errmsg(d));
	out[0] = '\0';
	while (db_step(s) == DB_ROW)
		snprintf(out + strlen(out), n - strlen(out), "%s\n", db_col_text(s, 0));
	db_done(s);
}

Test(pg_sort_index, a_nullable_sort_uses_the_list_index_both_ways)
{
	if (!d)
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
	const char *sqls[] = {
		/* what query.c writes for sort=-closes_on and sort=closes_on */
		"SELECT t.id FROM sortidx_deals t WHERE t.deleted_at IS NULL AND t.stage = 'proposal' "
		"ORDER BY t.closes_on DESC NULLS LAST, t.id DESC LIMIT 50",
		"SELECT t.id FROM sortidx_deals t WHERE t.deleted_at IS NULL AND t.stage = 'proposal' "
		"ORDER BY t.closes_on ASC NULLS FIRST, t.id ASC LIMIT 50",
	};
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		char plan[4000];
		plan_of(sqls[i], plan, sizeof(plan));
		cr_assert(strstr(plan, "sortidx_deals_liststage_closes_on_nf"), "not the list index:\n%s", plan);
		cr_assert_not(full_sort(plan), "the rows are sorted, not read in order:\n%s", plan);
		cr_assert(!strstr(plan, "Sort") || strstr(plan, "Presorted Key: closes_on"), "%s", plan);
	}
}

Test(pg_sort_index, the_single_column_sort_index_too)
{
	if (!d)
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
	char plan[4000];
	plan_of("SELECT t.id FROM sortidx_deals t ORDER BY t.closes_on DESC NULLS LAST LIMIT 50", plan, sizeof(plan));
	cr_assert_not(full_sort(plan), "sorted:\n%s", plan);
	/* a second sync (every start) keeps one index a column, under the new name */
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'sortidx_deals' "
				     "AND indexname LIKE 'sortidx_deals_closes_on%'", -1), 1);
}
