/* migrate.c - see migrate.h. */
#include "migrate.h"
#include "../util/log.h"
#include "../util/clock.h"

#include <stdio.h>

static int ensure_table(db *d)
{
	return db_exec(d, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
}

int migrate_current(db *d)
{
	if (ensure_table(d))
		return -1;
	return (int)db_query_int(d, "SELECT max(version) FROM schema_migrations", 0);
}

static int apply(db *d, const migration *m)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	if (db_begin(d))
		return -1;
	if (db_exec(d, m->sql)) {
		log_error("migration %d (%s) failed: %s", m->version, m->name, db_errmsg(d));
		db_rollback(d);
		return -1;
	}
	db_stmt *s = db_prepare(d, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)");
	int rc = s ? 0 : -1;
	if (s) {
		db_bind_int(s, 1, m->version);
		db_bind_str(s, 2, m->name);
		db_bind_str(s, 3, now);
		rc = db_step(s) == DB_DONE ? 0 : -1;
		db_done(s);
	}
	if (rc || db_commit(d)) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

int migrate_all(db *d)
{
	int current = migrate_current(d);
	if (current < 0)
		return -1;
	int ran = 0;
	for (int i = 0; i < migrations_count; i++) {
		if (migrations[i].version <= current)
			continue;
		if (apply(d, &migrations[i]))
			return -1;
		ran++;
	}
	return ran;
}
