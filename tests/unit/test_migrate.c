/* test_migrate.c - migrate_all on a new database applies every migration once; a second run applies none. */
#include <criterion/criterion.h>

#include "../../src/db/migrate.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static db *d;

static void setup(void)
{
	log_verbose = 0;
	d = tmpdb_open(false);
}

static void teardown(void)
{
	tmpdb_close();
}

TestSuite(migrate, .init = setup, .fini = teardown);

Test(migrate, versions_are_numbered_upwards)
{
	cr_assert(migrations_count > 0);
	for (int i = 0; i < migrations_count; i++) {
		cr_assert(migrations[i].version > 0);
		cr_assert_not_null(migrations[i].name);
		cr_assert_not_null(migrations[i].sql);
		if (i)
			cr_assert(migrations[i].version > migrations[i - 1].version, "migration %d after %d",
				  migrations[i].version, migrations[i - 1].version);
	}
}

Test(migrate, an_empty_database_is_at_version_zero)
{
	cr_assert_eq(migrate_current(d), 0);
}

Test(migrate, a_new_database_gets_all_then_none)
{
	cr_assert_eq(migrate_all(d), migrations_count);
	cr_assert_eq(migrate_current(d), migrations[migrations_count - 1].version);
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM schema_migrations", -1), migrations_count);
	cr_assert_eq(migrate_all(d), 0, "the second run applies nothing");
	cr_assert_eq(migrate_all(d), 0);
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM schema_migrations", -1), migrations_count);
	cr_assert_eq(migrate_current(d), migrations[migrations_count - 1].version);
}

Test(migrate, the_core_tables_exist_afterwards)
{
	cr_assert_eq(migrate_all(d), migrations_count);
	const char *tables[] = { "users", "sessions", "login_failures", "settings", "audit_log", "option_lists" };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		db_stmt *s = db_prepare(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
		cr_assert_not_null(s);
		db_bind_str(s, 1, tables[i]);
		cr_assert_eq(db_step(s), DB_ROW);
		cr_assert_eq(db_col_int(s, 0), 1, "table %s missing", tables[i]);
		db_done(s);
	}
	cr_assert(db_has_column(d, "users", "department_id"));
}

Test(migrate, a_reopened_database_is_up_to_date)
{
	cr_assert_eq(migrate_all(d), migrations_count);
	db_thread_close();
	d = db_thread();
	cr_assert_not_null(d);
	cr_assert_eq(migrate_current(d), migrations[migrations_count - 1].version);
	cr_assert_eq(migrate_all(d), 0);
}

Test(migrate, each_migration_is_recorded_with_its_name)
{
	cr_assert_eq(migrate_all(d), migrations_count);
	for (int i = 0; i < migrations_count; i++) {
		db_stmt *s = db_prepare(d, "SELECT name, applied_at FROM schema_migrations WHERE version = ?");
		db_bind_int(s, 1, migrations[i].version);
		cr_assert_eq(db_step(s), DB_ROW, "version %d not recorded", migrations[i].version);
		cr_assert_str_eq(db_col_text(s, 0), migrations[i].name);
		cr_assert_not_null(db_col_text(s, 1));
		db_done(s);
	}
}
