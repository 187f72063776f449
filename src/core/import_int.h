/*
 * import_int.h - what the parts of the importer share (import.c: jobs and
 * files; import_map.c: header suggestions and cell conversion; import_run.c:
 * the row loop and undo).  Not for use outside src/core/import*.c.
 */
#ifndef RAPPORT_IMPORT_INT_H
#define RAPPORT_IMPORT_INT_H

#include "import.h"

/* The pseudo-field "owner_id" of owned entities (a user, by name or username). */
extern const field_def import_owner_field;

/* The field a mapping may name for e (writable fields, owner_id), or NULL. */
const field_def *import_target(const entity_def *e, const char *name);
/* The suggested field of each header cell (JSON array of strings or nulls). */
json_t *import_suggest(const entity_def *e, json_t *columns);
/* Lower-cased, full-width folded, without spaces, punctuation and bracketed
 * notes: "客户名称（必填）" and " 客户 名称*" both become "客户名称". */
void import_norm(const char *s, size_t n, buf *out);

/* One mapped column while rows are converted. */
typedef struct import_col {
	int index;                 /* column in the file */
	const field_def *f;
	json_t *options;           /* enum/tags options (entity_field_options), or NULL */
	json_t *cache;             /* references: normalised title -> id (0: unknown, -1: ambiguous) */
	const entity_def *ref;     /* the referenced entity, NULL for users */
} import_col;

void import_col_free(import_col *c);
/* The JSON value of one cell for c->f, or NULL for an empty cell.  A cell
 * that cannot be made into that field's value gets *err (a validation code
 * as docs/api.md lists them: invalid_date, not_found, ...) and NULL, except
 * where the engine's own check says it better: then the text goes through
 * and record_create answers. */
json_t *import_cell(ent_op *op, import_col *c, const char *s, size_t n, const char **err);

/* A small open-addressing map from 64-bit keys to row numbers. */
typedef struct import_map {
	uint64_t *keys;
	int64_t *vals;
	size_t cap, n;
} import_map;
int64_t import_map_get(const import_map *m, uint64_t key);
void import_map_put(import_map *m, uint64_t key, int64_t val);
void import_map_free(import_map *m);
uint64_t import_hash(const char *s, size_t n, uint64_t seed);

#endif
