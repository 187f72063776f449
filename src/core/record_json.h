/*
 * record_json.h - one record's row as JSON: the SELECT list every read of an
 * entity uses, and the conversion of one result row of it (fields the caller
 * may not see are left out).  Internal to the engine (record.c, list.c).
 */
#ifndef RAPPORT_RECORD_JSON_H
#define RAPPORT_RECORD_JSON_H

#include "entity.h"
#include "sqlb.h"

/* Appends "SELECT <the record's columns> FROM <table> t" to q. */
void record_select(const entity_def *e, sqlb *q);
/* The record at the current row of s (a statement of record_select). */
json_t *record_row_json(ent_op *op, const entity_def *e, db_stmt *s);

#endif
