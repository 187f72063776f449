/* pgschema.h - helpers of the unit tests: a PostgreSQL schema of the test's own. */
#ifndef RAPPORT_TEST_PGSCHEMA_H
#define RAPPORT_TEST_PGSCHEMA_H

#include "../../src/core/entity.h"
#include "../../src/db/db.h"

/* Connects to RAPPORT_TEST_PG_URL and makes a fresh schema <prefix>_<pid>
 * the connection's search_path (Criterion runs tests side by side, each in
 * a process of its own), with the settings table the migrations would
 * make; with e, the registry holds e alone and its tables are made (as at
 * a start).  NULL when the variable is not set: the caller skips. */
db *pgschema_open(const char *prefix, const entity_def *e);
/* Drops the schema, closes the connection and empties the registry. */
void pgschema_close(void);

#endif
