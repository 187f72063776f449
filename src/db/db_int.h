/*
 * db_int.h - private to src/db: the table of operations each backend fills.
 * A backend's connection and statement structs start with `struct db` and
 * `struct db_stmt`, so db.c dispatches through the ops pointer.
 */
#ifndef RAPPORT_DB_INT_H
#define RAPPORT_DB_INT_H

#include "db.h"

#include <sqlite3.h>

typedef struct db_ops {
	enum db_kind kind;
	const char *name;
	void (*close)(db *d);
	db_stmt *(*prepare)(db *d, const char *sql);
	/* planned for its values at every run (db_prepare_replanned); NULL: as prepare */
	db_stmt *(*prepare_replanned)(db *d, const char *sql);
	int (*bind_int)(db_stmt *s, int idx, int64_t v);
	int (*bind_double)(db_stmt *s, int idx, double v);
	int (*bind_text)(db_stmt *s, int idx, const char *v, size_t len);
	int (*bind_null)(db_stmt *s, int idx);
	int (*step)(db_stmt *s);
	int (*col_count)(db_stmt *s);
	const char *(*col_name)(db_stmt *s, int col);
	bool (*col_is_null)(db_stmt *s, int col);
	int64_t (*col_int)(db_stmt *s, int col);
	double (*col_double)(db_stmt *s, int col);
	const char *(*col_text)(db_stmt *s, int col);
	size_t (*col_len)(db_stmt *s, int col);
	void (*done)(db_stmt *s);
	int (*exec)(db *d, const char *sql);
	int (*begin)(db *d);
	int (*commit)(db *d);
	int (*rollback)(db *d);
	int (*errcode)(db *d);
	const char *(*errmsg)(db *d);
	int64_t (*changes)(db *d);
	bool (*has_column)(db *d, const char *table, const char *col);
	bool (*in_transaction)(db *d);  /* a transaction is open (db.c: auth generation) */
	/* group commit (db.h db_batch_*); NULL: the backend has none */
	int (*batch_begin)(db *d);
	int (*batch_mark)(db *d);
	int (*batch_unmark)(db *d, bool keep);
	bool (*batch_alive)(db *d);
	int (*batch_end)(db *d, bool commit);
} db_ops;

struct db {
	const db_ops *ops;
};

struct db_stmt {
	const db_ops *ops;
};

/* Registers Rapport's SQL functions and the FTS5 tokenizer on a connection. */
int db_sqlite_register_extensions(sqlite3 *h);

/* db_checkpoint.c: the background checkpointer of the SQLite file at path,
 * and the hook db_open_sqlite() puts on each connection while it runs. */
int db_checkpointer_start(const char *path);
void db_checkpointer_stop(void);
/* true when the checkpointer took the connection's WAL hook */
bool db_checkpoint_attach(sqlite3 *h);

#endif
