/* gen_pg.h - rapport-gen --to-postgres: a generated SQLite database copied into PostgreSQL (gen_pg.c). */
#ifndef RAPPORT_GEN_PG_H
#define RAPPORT_GEN_PG_H

#include "../src/db/db.h"

#include <stdio.h>

/* Copies every table src and the PostgreSQL database at url share (url:
 * fresh from rapport init); progress to stdout and report.  0 or -1. */
int gen_pg_copy(db *src, const char *url, FILE *report);

#endif
