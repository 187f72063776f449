/*
 * scope_cache.h - the read scope of a list as SQL (acl_scope_branches,
 * acl_scope), kept per thread for the same caller, entity and shape, so a
 * list need not rebuild it on every request: a manager's owners (the users
 * of a department tree, one recursive query: 1.27M instructions a request)
 * and a rep's pool departments were read again for every page.
 *
 * The SQL depends only on the caller (id, department, roles), the entity and
 * the tables of users, departments and roles; shares stay subqueries in it.
 * So an entry is used while the auth generation (db_auth_generation) has
 * not moved since before it was built and it is younger than the session
 * cache's lifetime (RAPPORT_SESSION_CACHE_MS; 0 turns this off too): the same
 * rules, and the same bound for writes of another process, as sessions.
 */
#ifndef RAPPORT_SCOPE_CACHE_H
#define RAPPORT_SCOPE_CACHE_H

#include "acl.h"

/* acl_scope_branches(op, e, "t", out, flags), from the cache when it may. */
int scope_cache_branches(ent_op *op, const entity_def *e, sqlb out[ACL_MAX_BRANCHES], int flags);
/* acl_scope(op, e, "t", q, flags) appended to q, from the cache when it may. */
void scope_cache_scope(ent_op *op, const entity_def *e, sqlb *q, int flags);

#endif
