/*
 * share.h - sharing one record with a colleague, to read or to edit.  A
 * share widens the data scope for that record only (acl.c reads record_shares).
 */
#ifndef RAPPORT_SHARE_H
#define RAPPORT_SHARE_H

#include "entity.h"

/* [{"user_id","name","access","created_at"}] of a record the caller can see. */
json_t *share_list(ent_op *op, const entity_def *e, int64_t id);
/* Shares (or changes the access of) a record the caller may change; access "read" or "edit". */
json_t *share_add(ent_op *op, const entity_def *e, int64_t id, json_t *body);
int share_remove(ent_op *op, const entity_def *e, int64_t id, int64_t user_id);

#endif
