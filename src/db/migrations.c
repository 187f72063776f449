/*
 * migrations.c - the numbered schema of Rapport's core tables.
 *
 * Never edit a migration that has shipped: add a new one.  Entity tables
 * (customers, contacts, ...) are not here: the entity engine derives them
 * from the declarations in core/ and adds columns as declarations grow.
 */
#include "migrate.h"

const migration migrations[] = {
	{ 1, "users and sessions",
	  "CREATE TABLE users ("
	  "  id INTEGER PRIMARY KEY,"
	  "  username TEXT NOT NULL UNIQUE,"
	  "  name TEXT NOT NULL,"
	  "  email TEXT,"
	  "  password_hash TEXT NOT NULL,"
	  "  roles TEXT NOT NULL DEFAULT '[]',"
	  "  locale TEXT NOT NULL DEFAULT 'zh-CN',"
	  "  disabled INTEGER NOT NULL DEFAULT 0,"
	  "  version INTEGER NOT NULL DEFAULT 1,"
	  "  created_at TEXT NOT NULL,"
	  "  updated_at TEXT NOT NULL);"
	  "CREATE TABLE sessions ("
	  "  token_hash TEXT PRIMARY KEY,"
	  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	  "  csrf_token TEXT NOT NULL,"
	  "  created_at INTEGER NOT NULL,"   /* ms since epoch */
	  "  last_seen_at INTEGER NOT NULL,"
	  "  expires_at INTEGER NOT NULL,"
	  "  address TEXT);"
	  "CREATE INDEX sessions_user ON sessions(user_id);"
	  "CREATE TABLE login_failures ("
	  "  id INTEGER PRIMARY KEY,"
	  "  key TEXT NOT NULL,"             /* 'u:<username>' or 'a:<address>' */
	  "  at INTEGER NOT NULL);"
	  "CREATE INDEX login_failures_key ON login_failures(key, at);"
	  "CREATE TABLE settings ("
	  "  key TEXT PRIMARY KEY,"
	  "  value TEXT NOT NULL);" },
	{ 2, "audit history and option lists",
	  "CREATE TABLE audit_log ("
	  "  id INTEGER PRIMARY KEY,"
	  "  entity TEXT NOT NULL,"
	  "  record_id INTEGER NOT NULL,"
	  "  action TEXT NOT NULL,"          /* create, update, delete, restore, ... */
	  "  user_id INTEGER,"
	  "  at TEXT NOT NULL,"
	  "  changes TEXT NOT NULL);"        /* JSON: [{"field","old","new"}] */
	  "CREATE INDEX audit_log_record ON audit_log(entity, record_id, id);"
	  "CREATE TABLE option_lists ("
	  "  name TEXT PRIMARY KEY,"
	  "  options TEXT NOT NULL);" },
};

const int migrations_count = (int)(sizeof(migrations) / sizeof(migrations[0]));
