/* test_index_names.c - an index whose derived name is longer than
 * PostgreSQL's 63 bytes (core/schema.c index_name): there it gets a short
 * name of its own, survives every start and replaces what older builds left;
 * on SQLite the name stays as it was.  The PostgreSQL tests need
 * RAPPORT_TEST_PG_URL and are skipped without it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/entity.h"
#include "../../src/db/db.h"
#include "../../src/util/log.h"
#include "tmpdb.h"
#include "pgschema.h"

/* "stage,amount" with its currency, owner and deleted_at: 79 bytes of name,
 * and on PostgreSQL the "_nf" variant (both columns can be empty and sort) */
static const field_def deal_fields[] = {
	{ "stage", FT_TEXT, { "阶段", "Stage" }, F_SORT },
	{ "amount", FT_MONEY, { "金额", "Amount" }, F_SORT },
	{ NULL },
};
static const char *const deal_lists[] = { "stage,amount", NULL };
static const entity_def deals = { .name = "longidx_sales_deals", .label = { "交易", "Deals" }, .module = "test",
				  .flags = E_OWNED, .fields = deal_fields, .title_field = "stage",
				  .list_indexes = deal_lists };

#define LONG_NAME "longidx_sales_deals_liststage_amount_amount_currency_owner_id_deleted_at"

static db *d;

static void setup_pg(void)
{
	log_verbose = 0;
	d = pgschema_open("longidx", &deals);
}

static void teardown_pg(void)
{
	pgschema_close();
	d = NULL;
}

/* the name of the one index of the table over amount_currency ("" if none),
 * and how many there are */
static int money_index(char *name, size_t n)
{
	db_stmt *s = db_prepare(d, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
				   "AND tablename = 'longidx_sales_deals' AND indexdef LIKE '%amount_currency%'");
	cr_assert_not_null(s, "%s", db_errmsg(d));
	int count = 0;
	name[0] = '\0';
	while (db_step(s) == DB_ROW) {
		snprintf(name, n, "%s", db_col_text(s, 0));
		count++;
	}
	db_done(s);
	return count;
}

TestSuite(pg_index_names, .init = setup_pg, .fini = teardown_pg);

Test(pg_index_names, a_long_list_index_survives_every_start)
{
	if (!d)
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
	char first[128], again[128];
	/* before the fix the "DROP INDEX IF EXISTS <name>" of older builds' index
	 * cut to the same 63 bytes dropped it right after it was made */
	cr_assert_eq(money_index(first, sizeof(first)), 1, "the stage,amount list index is missing");
	cr_assert_leq(strlen(first), 63);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(money_index(again, sizeof(again)), 1);
	cr_assert_str_eq(again, first, "the second start made another index");
}

Test(pg_index_names, what_older_builds_left_under_the_cut_name_goes)
{
	if (!d)
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
	/* an older build's index, under the name PostgreSQL cut to 63 bytes */
	cr_assert_eq(db_exec(d, "CREATE INDEX " LONG_NAME "_nf ON longidx_sales_deals(stage)"), 0, "%s", db_errmsg(d));
	const char *cut = "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
			  "AND indexname = left('" LONG_NAME "', 63)";
	cr_assert_eq(db_query_int(d, cut, -1), 1);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_query_int(d, cut, -1), 0, "the cut name is still there");
	char name[128];
	cr_assert_eq(money_index(name, sizeof(name)), 1);
}

Test(index_names, sqlite_keeps_the_whole_name)
{
	log_verbose = 0;
	db *s = tmpdb_open(true);
	entity_registry_reset();
	entity_register(&deals);
	cr_assert_eq(entity_check_all(), 0);
	cr_assert_eq(entity_sync_schema(s), 0, "%s", db_errmsg(s));
	cr_assert_eq(db_query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '" LONG_NAME "'",
				  -1), 1);
	entity_registry_reset();
	tmpdb_close();
}
