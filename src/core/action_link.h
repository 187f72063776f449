/*
 * action_link.h - signed, expiring, single-use links that perform one action
 * as one user without a session ("approve expense 12" from a mail).
 *
 * The token is 256 random bits, handed out once (in the mail) and stored only
 * as its SHA-256, like a session token (auth.c).  The link is the credential:
 * whoever holds it may do exactly that one action, once, before it expires.
 * A module registers what each action does; the routes
 * GET/POST /api/links/{token} describe and perform it (docs/api.md "Action links").
 */
#ifndef RAPPORT_ACTION_LINK_H
#define RAPPORT_ACTION_LINK_H

#include "entity.h"
#include "../util/arena.h"

/* Creates a link in the caller's transaction; token_out gets the 64 hex
 * characters to put in the URL.  0, or a negative DB_ERR_* code. */
int action_link_create(db *d, int64_t user_id, const char *action, int64_t target_id, int ttl_seconds,
		       char token_out[65]);

/* What an action does: runs inside the link's transaction with op->who the
 * link's user (permissions loaded); 0, or -1 with op->err (rolls back, and the
 * link stays unused).  comment may be NULL. */
typedef int (*action_link_fn)(ent_op *op, int64_t target_id, const char *comment);
/* Registers fn for action (a static string); before the server starts. */
void action_link_register(const char *action, action_link_fn fn);

/* {"action","target_id","user":{"id","name"},"expires_at"}: what the link will
 * do; NULL with op->err: 404 not_found (unknown or malformed token), 410 gone
 * (used or expired). */
json_t *action_link_describe(ent_op *op, const char *token);
/* Performs the link's action as its user (a session built in a, with its
 * permissions) and marks it used, in one transaction:
 * {"done":true,"action","target_id"}; NULL with op->err (404, 410, or the action's own). */
json_t *action_link_perform(ent_op *op, arena *a, const char *token, const char *comment);

#endif
