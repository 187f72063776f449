/*
 * migrate.h - numbered schema migrations compiled into the binary.
 *
 * Each migration runs once, in its own transaction, and is recorded in
 * schema_migrations; running migrate_all() again changes nothing.
 */
#ifndef RAPPORT_MIGRATE_H
#define RAPPORT_MIGRATE_H

#include "db.h"

typedef struct migration {
	int version;
	const char *name;
	const char *sql;     /* may hold several statements */
} migration;

extern const migration migrations[];
extern const int migrations_count;

/* Applies every pending migration; returns how many ran, or <0 on error. */
int migrate_all(db *d);
/* Highest applied version, 0 for an empty database. */
int migrate_current(db *d);

#endif
