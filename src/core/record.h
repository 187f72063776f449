/*
 * record.h - reading and writing records of any entity, through the caller's
 * permissions (acl.h), in transactions, with the audit history.
 *
 * Every function takes an ent_op (connection, caller, error slot).  Returned
 * JSON belongs to the caller.  On failure a function returns NULL (or -1)
 * and op->err says why in API.md's terms; nothing has changed.
 * Records the caller may not see behave exactly as missing ones (404).
 */
#ifndef RAPPORT_RECORD_H
#define RAPPORT_RECORD_H

#include "entity.h"
#include "query.h"

json_t *record_get(ent_op *op, const entity_def *e, int64_t id);
/* A list's total counts at most this many matches (or offset + limit when
 * larger); past it the answer says total = the cap and "total_capped": true. */
#define LIST_TOTAL_CAP 10000

/* {"data": [...], "total": N, "limit": L, "offset": O} (+ "total_capped": true) */
json_t *record_list(ent_op *op, const entity_def *e, const query_arg *args, int nargs);
json_t *record_related(ent_op *op, const entity_def *e, int64_t id, const char *relation,
		       const query_arg *args, int nargs);
json_t *record_create(ent_op *op, const entity_def *e, json_t *body);
/* body carries "version"; a stale one fails with 409 conflict. */
json_t *record_update(ent_op *op, const entity_def *e, int64_t id, json_t *body);
int record_delete(ent_op *op, const entity_def *e, int64_t id);
json_t *record_restore(ent_op *op, const entity_def *e, int64_t id);
json_t *record_history(ent_op *op, const entity_def *e, int64_t id, const query_arg *args, int nargs);

/* Calls fn with each record of the list args describe (filters, search and
 * sort as record_list; limit and offset are not taken), in the caller's scope
 * and field rules, one row in memory at a time.  Needs the read and export
 * permissions.  fn returns non-zero to stop (then -1, with op->err set by fn
 * or a 500).  0, or -1 with op->err. */
int record_list_each(ent_op *op, const entity_def *e, const query_arg *args, int nargs,
		     int (*fn)(void *ctx, json_t *rec), void *ctx);

/* For hooks and custom actions inside a transaction: set fields directly,
 * bypassing client rules (read-only fields), with history. */
int record_set_fields(ent_op *op, const entity_def *e, int64_t id, json_t *values, const char *action);
/* For hooks inside a transaction: moves the date-time field `field` of record
 * id forward to `when` (its stored text), never back.  For a value derived
 * from other records (a customer's last follow-up): no new version, no
 * updated_at, no history entry (the record that moved it has its own).  0,
 * moved or not; -1 with op->err (404 when the record is gone or deleted). */
int record_advance_field(ent_op *op, const entity_def *e, int64_t id, const char *field, const char *when);
/* A list without the caller's scope, for jobs and custom actions that must
 * see every row (same query language as record_list). */
json_t *record_list_system(ent_op *op, const entity_def *e, const query_arg *args, int nargs);
/* A record the caller may change (update permission and write scope), or NULL (404). */
json_t *record_get_for_update(ent_op *op, const entity_def *e, int64_t id);
/* Loads a record without the caller's scope (hooks that must see a parent). */
json_t *record_load(ent_op *op, const entity_def *e, int64_t id, bool with_deleted);

#endif
