/*
 * record_int.h - the engine's write internals shared by record.c and
 * children.c (child collections).  Not for modules: they use record.h.
 */
#ifndef RAPPORT_RECORD_INT_H
#define RAPPORT_RECORD_INT_H

#include "entity.h"
#include "sqlb.h"

/* One field's checked value, ready to bind. */
typedef struct parsed {
	const field_def *f;
	sql_param p[2];
	int n;
} parsed;

/* Parses rec's fields of e (all of them, or only those present) into out;
 * on failure sets op->err (422 with per-field codes, merged into errs, which
 * is taken over) and returns -1. */
int parse_values(ent_op *op, const entity_def *e, json_t *rec, bool all_fields, parsed *out, int *nout,
		 json_t *errs);
void free_values(parsed *v, int n);
int field_count(const entity_def *e);
/* INSERT of the parsed values; the new id, or 0 with op->err. */
int64_t insert_row(ent_op *op, const entity_def *e, parsed *vals, int n, int64_t owner);
/* UPDATE with optimistic locking; 0, or -1 with op->err (409 when stale). */
int update_row(ent_op *op, const entity_def *e, int64_t id, int64_t version, parsed *vals, int n,
	       const int64_t *owner);
/* Members of a body that belong to the engine (id, version, _labels, ...). */
bool record_system_key(const char *k);

/* ---- child collections (children.c) ---- */
const child_def *children_find(const entity_def *e, const char *name);
/* Copies each child array of body into dst, cleaned of what the client may
 * not set (system members, labels, read-only fields), for the hooks to see
 * and complete. */
void children_take(const entity_def *e, json_t *body, json_t *dst);
/* Adds each child collection of record id to rec. */
int children_embed(ent_op *op, const entity_def *e, int64_t id, json_t *rec);
/* Replaces the collections present in src (cleaned and completed by the
 * hooks) for parent id; body is the client's, for unknown-member checks. */
int children_write(ent_op *op, const entity_def *e, int64_t id, json_t *src, json_t *body);
/* Appends one history change per collection that differs between old and now. */
void children_diff(const entity_def *e, json_t *old, json_t *now, json_t *changes);

#endif
