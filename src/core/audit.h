/*
 * audit.h - the change history of every record: who, when, what action, and
 * for each field its old and new value.  Written in the same transaction as
 * the change it describes.
 */
#ifndef RAPPORT_AUDIT_H
#define RAPPORT_AUDIT_H

#include "entity.h"

/* changes: JSON array of {"field","old","new"} (borrowed). */
int audit_write(ent_op *op, const entity_def *e, int64_t id, const char *action, json_t *changes);
/* Entries newest first: [{"id","action","at","user":{"id","name"},"changes":[...]}].
 * Changes of fields hidden from the caller are left out. */
json_t *audit_list(ent_op *op, const entity_def *e, int64_t id, int64_t limit, int64_t offset);
/* The changes between two versions of a record, for the given keys (or all fields). */
json_t *audit_diff(const entity_def *e, json_t *old, json_t *now, json_t *keys);

#endif
