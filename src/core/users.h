/*
 * users.h - the people who use Rapport: administrators create, edit, disable
 * and reset them; a disabled user's sessions end at once.  Users are not an
 * engine entity (passwords, roles), but their fields are validated by the
 * same validator and their changes go into the same audit history.
 */
#ifndef RAPPORT_USERS_H
#define RAPPORT_USERS_H

#include "entity.h"
#include "query.h"

/* q, filter[department_id], filter[disabled], limit, offset → {"data","total","limit","offset"}.
 * Everyone may list users (to pick owners); only admins see roles and email. */
json_t *users_list(ent_op *op, const query_arg *args, int nargs);
json_t *users_get(ent_op *op, int64_t id);
/* {"username","password","name","email","department_id","manager_id","roles":[...]} (admins) */
json_t *users_create(ent_op *op, json_t *body);
/* name, email, locale (self or admin); department_id, manager_id, roles, disabled (admins) */
json_t *users_update(ent_op *op, int64_t id, json_t *body);
/* {"password"} by an admin, or {"current_password","password"} by the user; ends other sessions. */
int users_set_password(ent_op *op, int64_t id, json_t *body);

/* The changes to a user, newest first (admins, or the user themselves). */
json_t *users_history(ent_op *op, int64_t id);

#endif
