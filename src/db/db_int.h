/* db_int.h - private to src/db: what the backends share. */
#ifndef RAPPORT_DB_INT_H
#define RAPPORT_DB_INT_H

#include <sqlite3.h>

/* Registers Rapport's SQL functions and the FTS5 tokenizer on a connection. */
int db_sqlite_register_extensions(sqlite3 *h);

#endif
