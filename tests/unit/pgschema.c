/* pgschema.c - see pgschema.h. */
#include "pgschema.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static db *conn;
static char schema[64];

db *pgschema_open(const char *prefix, const entity_def *e)
{
	const char *url = getenv("RAPPORT_TEST_PG_URL");
	if (!url || !*url)
		return NULL;
	cr_assert_eq(db_open_postgres(&conn, url), DB_OK);
	snprintf(schema, sizeof(schema), "%s_%d", prefix, (int)getpid());
	char sql[400];
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET search_path TO %s; "
				   "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)", schema, schema, schema);
	cr_assert_eq(db_exec(conn, sql), 0, "%s", db_errmsg(conn));
	if (e) {
		entity_registry_reset();
		entity_register(e);
		cr_assert_eq(entity_check_all(), 0);
		cr_assert_eq(entity_sync_schema(conn), 0, "%s", db_errmsg(conn));
	}
	return conn;
}

void pgschema_close(void)
{
	entity_registry_reset();
	if (!conn)
		return;
	char sql[160];
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	db_exec(conn, sql);
	db_close(conn);
	conn = NULL;
}
