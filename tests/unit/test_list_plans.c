/* test_list_plans.c - the lists people open every day are read from an index
 * in their own order on SQLite, with the real modules' schema: a follow-up
 * list filtered by type (the type-first list index; the plain type index
 * made SQLite fetch every follow-up of that type and sort them: 0.8-4 s at
 * 5M follow-ups).  The SQL is what query.c writes for
 * GET /api/activities?filter[type]=visit (newest first, and oldest first). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/entity.h"
#include "../../src/modules/modules.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static db *d;

static void setup(void)
{
	log_verbose = 0;
	entity_registry_reset();
	cr_assert_eq(modules_register_all(), 0);
	d = tmpdb_open(true);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
}

static void teardown(void)
{
	tmpdb_close();
	entity_registry_reset();
}

TestSuite(list_plans, .init = setup, .fini = teardown);

Test(list_plans, follow_ups_of_one_type_come_in_order_from_the_type_list_index)
{
	const char *sqls[] = {
		"SELECT t.id FROM activities t WHERE t.deleted_at IS NULL AND t.type = 'visit' "
		"ORDER BY t.occurred_at DESC, t.id DESC LIMIT 50 OFFSET 0",
		"SELECT t.id FROM activities t WHERE t.deleted_at IS NULL AND t.type = 'visit' "
		"ORDER BY t.occurred_at ASC, t.id ASC LIMIT 50 OFFSET 0",
	};
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		char plan[2000];
		tmpdb_plan(d, sqls[i], plan, sizeof(plan));
		cr_assert(strstr(plan, "activities_listtype_occurred_at"), "not the type list index:\n%s", plan);
		/* "FOR RIGHT PART OF ORDER BY" only orders ties of occurred_at by id, as they come */
		cr_assert_not(strstr(plan, "TEMP B-TREE FOR ORDER BY"), "the follow-ups are sorted, not read in order:\n%s",
			      plan);
	}
}
