/* tmpdb.h - helpers of the unit tests: a fresh SQLite data folder, removed afterwards. */
#ifndef RAPPORT_TEST_TMPDB_H
#define RAPPORT_TEST_TMPDB_H

#include "../../src/db/db.h"

/* Creates an empty folder under $TMPDIR (or /tmp), points db_configure at it
 * (SQLite, whatever RAPPORT_DATABASE_URL says) and returns the thread's
 * connection; with migrate, the core migrations are applied first. */
db *tmpdb_open(bool migrate);
/* The folder of the last tmpdb_open. */
const char *tmpdb_dir(void);
/* SQLite's EXPLAIN QUERY PLAN of sql into out, one step a line. */
void tmpdb_plan(db *d, const char *sql, char *out, size_t n);
/* Closes the thread's connection and removes the folder. */
void tmpdb_close(void);

#endif
