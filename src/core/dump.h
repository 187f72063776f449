/*
 * dump.h - moving house: every record and setting to a portable file, and
 * back into an empty database of either kind.
 *
 * The file is JSON Lines, versioned: a header line {"format":"rapport-dump",
 * "version":1,"schema_version":N,...}, then per table a line {"table","columns"}
 * followed by one line per row (a JSON array of the values as text or null),
 * and a closing line {"end":true,"rows":{table:count}} that load checks.
 * Values travel as text so each backend converts them to its own types.
 * Sessions and login failures are not moved: people log in again.
 */
#ifndef RAPPORT_DUMP_H
#define RAPPORT_DUMP_H

#include "../db/db.h"

#include <stdio.h>

#define DUMP_FORMAT_VERSION 1

/* Writes everything to out; 0, or -1 with a message on stderr. */
int dump_write(db *d, FILE *out);
/* Reads a dump into an empty database (schema already created); 0 or -1. */
int dump_read(db *d, FILE *in);
/* The same into a database that may hold data: everything is replaced in
 * one transaction, so a failure leaves it as it was (restore on PostgreSQL). */
int dump_read_replace(db *d, FILE *in);

#endif
