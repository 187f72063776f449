/* test_sparse_index.c - a sparse reference (F_SPARSE, core/schema.c
 * create_sparse_index) is indexed only where set: a record without it writes
 * no index entry, a lookup by equality still uses the index, the full index
 * of an older build goes, and the registry refuses the flag where a sort or
 * the data scope would need every row.  SQLite always; PostgreSQL with
 * RAPPORT_TEST_PG_URL. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tmpdb.h"
#include "pgschema.h"
#include "../../src/core/entity.h"
#include "../../src/db/db.h"
#include "../../src/util/log.h"

static const field_def note_fields[] = {
	{ "subject", FT_TEXT, { "主题", "Subject" }, F_REQUIRED },
	{ "helper_id", FT_REF, { "协助人", "Helper" }, F_SPARSE, .ref = "users" },
	{ NULL },
};
static const entity_def notes = { .name = "sparse_notes", .label = { "备注", "Notes" }, .module = "test",
				  .fields = note_fields, .title_field = "subject" };

Test(sparse_index, sqlite_holds_only_the_rows_that_have_one)
{
	log_verbose = 0;
	db *d = tmpdb_open(true);
	entity_registry_reset();
	entity_register(&notes);
	cr_assert_eq(entity_check_all(), 0);
	/* a database from an older build: the table with its full index */
	cr_assert_eq(db_exec(d, "CREATE TABLE sparse_notes (id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, "
				"created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by INTEGER, updated_by INTEGER, "
				"deleted_at TEXT, subject TEXT, helper_id INTEGER); "
				"CREATE INDEX sparse_notes_helper_id ON sparse_notes(helper_id)"), 0, "%s", db_errmsg(d));
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sqlite_master WHERE name = 'sparse_notes_helper_id'", -1), 0,
		     "the full index is left");
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sqlite_master WHERE name = 'sparse_notes_helper_id_set' "
				     "AND sql LIKE '%WHERE helper_id IS NOT NULL'", -1), 1);
	cr_assert_eq(db_exec(d, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
				"INSERT INTO sparse_notes(created_at, updated_at, subject, helper_id) "
				"SELECT 'x', 'x', 'n' || i, CASE WHEN i % 50 = 0 THEN i END FROM n"), 0, "%s", db_errmsg(d));
	/* 4 of 200 rows have a helper: the index holds those 4 entries only */
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sparse_notes INDEXED BY sparse_notes_helper_id_set "
				     "WHERE helper_id IS NOT NULL", -1), 4);
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM dbstat WHERE name = 'sparse_notes_helper_id_set' "
				     "AND pagetype = 'leaf' AND ncell > 4", -1), 0);
	char plan[1000];
	tmpdb_plan(d, "SELECT t.id FROM sparse_notes t WHERE t.deleted_at IS NULL AND t.helper_id = 100 "
		       "ORDER BY t.id DESC LIMIT 20", plan, sizeof(plan));
	cr_assert(strstr(plan, "sparse_notes_helper_id_set (helper_id=?)"), "not the sparse index:\n%s", plan);
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sparse_notes WHERE deleted_at IS NULL AND helper_id = 100", -1), 1);
	/* a second start keeps it as it is */
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'sparse_notes' "
				     "AND name LIKE 'sparse_notes_helper_id%'", -1), 1);
	tmpdb_close();
	entity_registry_reset();
}

Test(sparse_index, only_an_optional_reference_looked_up_by_equality)
{
	log_verbose = 0;
	static const field_def bad_fields[] = {
		{ "subject", FT_TEXT, { "主题", "Subject" }, F_SPARSE },                          /* not a reference */
		{ "owner2_id", FT_REF, { "人", "Person" }, F_SPARSE | F_SORT, .ref = "users" },     /* sorted */
		{ "owner3_id", FT_REF, { "人", "Person" }, F_SPARSE | F_REQUIRED, .ref = "users" }, /* never empty */
		{ "helper_id", FT_REF, { "人", "Person" }, F_SPARSE, .ref = "users" },              /* fine */
		{ NULL },
	};
	static const entity_def bad = { .name = "sparse_bad", .label = { "坏", "Bad" }, .module = "test",
					.fields = bad_fields, .title_field = "subject" };
	static const field_def scoped_fields[] = {
		{ "subject", FT_TEXT, { "主题", "Subject" }, 0 },
		{ "parent_id", FT_REF, { "上级", "Parent" }, F_SPARSE, .ref = "sparse_notes" },
		{ NULL },
	};
	static const entity_def scoped = { .name = "sparse_scoped", .label = { "子", "Child" }, .module = "test",
					   .fields = scoped_fields, .title_field = "subject", .scope_via = "parent_id" };
	entity_registry_reset();
	entity_register(&notes);
	entity_register(&bad);
	cr_assert_eq(entity_check_all(), 3);
	entity_registry_reset();
	entity_register(&notes);
	entity_register(&scoped);
	cr_assert_eq(entity_check_all(), 1, "the data scope's reference needs every row");
	entity_registry_reset();
}

Test(sparse_index, postgres_partial_index_and_its_plan)
{
	log_verbose = 0;
	db *d = pgschema_open("sparse", NULL);
	if (!d)
		cr_skip_test("RAPPORT_TEST_PG_URL is not set");
	entity_registry_reset();
	entity_register(&notes);
	cr_assert_eq(entity_check_all(), 0);
	cr_assert_eq(db_exec(d, "CREATE TABLE sparse_notes (id BIGINT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, "
				"created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by BIGINT, updated_by BIGINT, "
				"deleted_at TEXT, subject TEXT, helper_id BIGINT); "
				"CREATE INDEX sparse_notes_helper_id ON sparse_notes(helper_id)"), 0, "%s", db_errmsg(d));
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'sparse_notes' "
				     "AND indexname LIKE 'sparse_notes_helper_id%'", -1), 1, "the full index is left");
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'sparse_notes_helper_id_set' "
				     "AND indexdef LIKE '%WHERE (helper_id IS NOT NULL)'", -1), 1);
	cr_assert_eq(db_exec(d, "SET enable_seqscan = off"), 0);
	db_stmt *s = db_prepare(d, "EXPLAIN SELECT t.id FROM sparse_notes t WHERE t.deleted_at IS NULL AND t.helper_id = ?");
	cr_assert_not_null(s, "%s", db_errmsg(d));
	db_bind_int(s, 1, 7);
	char plan[2000] = "";
	while (db_step(s) == DB_ROW)
		snprintf(plan + strlen(plan), sizeof(plan) - strlen(plan), "%s\n", db_col_text(s, 0));
	db_done(s);
	cr_assert(strstr(plan, "sparse_notes_helper_id_set"), "not the sparse index:\n%s", plan);
	pgschema_close();
	entity_registry_reset();
}
