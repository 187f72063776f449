/*
 * roles.h - roles and their grants, kept in the roles table.
 *
 * A role's grants: {"customers": {"actions": ["create","read",...], "scope": "own"}, ...}
 * and its field rules: {"products.cost_price": "hidden" | "read_only"}.
 * The built-in roles (admin, sales_director, sales_manager, sales_rep,
 * finance, service) are seeded from templates written by module; admins may
 * edit them.  When a new module's entities appear, built-in roles gain the
 * template's grants for them, and nothing an admin changed is overwritten.
 */
#ifndef RAPPORT_ROLES_H
#define RAPPORT_ROLES_H

#include "entity.h"

/* Inserts missing built-in roles and grants for entities they lack. */
int roles_seed(db *d);
/* [{"name","label":{...},"builtin","is_admin","grants","field_rules"}] */
json_t *roles_list(db *d);
bool role_exists(db *d, const char *name);
/* Checks and stores a role (creating it when create); 0, or -1 with op->err (422/404). */
int role_save(ent_op *op, const char *name, json_t *body, bool create);
int role_delete(ent_op *op, const char *name);

#endif
