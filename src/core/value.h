/*
 * value.h - one field's value: from JSON to a bound parameter (checked), and
 * from a result column back to JSON.  The only place that knows how each
 * field type is stored.
 */
#ifndef RAPPORT_VALUE_H
#define RAPPORT_VALUE_H

#include "entity.h"
#include "sqlb.h"

/* Checks v against f and converts it.  On success returns NULL and fills
 * out[0] (and out[1], the currency, for money); *nout says how many.  On
 * failure returns the field's error code ("required", "too_long", ...).
 * A JSON null or an empty string clears an optional field.  A reference
 * must name a record the caller (op->who) can see: "not_found" otherwise.
 * op may be NULL for fields that are not references or option lists. */
const char *value_parse(ent_op *op, const field_def *f, json_t *v, sql_param out[2], int *nout);
/* Sets obj[f->name] from the column(s) at *col, advancing *col. */
void value_to_json(const field_def *f, db_stmt *s, int *col, json_t *obj);
/* The default value of f as JSON (new reference), or NULL. */
json_t *value_default(const field_def *f);
/* Max characters of a text-like field. */
int value_max_len(const field_def *f);
/* Parses a filter operand given as text (query string) for f; same codes. */
const char *value_parse_text(db *d, const field_def *f, const char *text, sql_param out[2], int *nout);
void value_free(sql_param *p, int n);

#endif
