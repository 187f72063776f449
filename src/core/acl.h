/*
 * acl.h - who may do what, and which rows they see: the one place where
 * permissions become SQL.  Every engine read and write asks here.
 *
 * Two layers (after Odoo): what a user may do with an entity (the actions
 * create/read/update/delete/export/import granted by their roles), and which
 * rows (the data scope of the grant: own, own and subordinates, own
 * department, department and sub-departments, all).  A user holding several
 * roles gets the widest grant.  Field rules hide a field or make it
 * read-only; a field stays visible if any granting role shows it.
 *
 * acl_load() reads the caller's roles once per request into an acl_ctx that
 * hangs off the session.  A session without one (the demo filler, jobs) is
 * the system itself and may do everything.
 */
#ifndef RAPPORT_ACL_H
#define RAPPORT_ACL_H

#include "entity.h"
#include "sqlb.h"
#include "../util/arena.h"

enum acl_action { ACL_READ, ACL_CREATE, ACL_UPDATE, ACL_DELETE, ACL_EXPORT, ACL_IMPORT, ACL_NACTIONS };

enum acl_scope {
	SCOPE_NONE = 0,
	SCOPE_OWN,
	SCOPE_SUBORDINATES,
	SCOPE_DEPARTMENT,
	SCOPE_DEPARTMENT_TREE,
	SCOPE_ALL,
};

extern const char *const acl_action_names[ACL_NACTIONS];
extern const char *const acl_scope_names[SCOPE_ALL + 1];

/* Loads the permissions of s's user (its roles) into s->acl; -1 on a database error. */
int acl_load(db *d, auth_session *s, arena *a);

bool acl_can(const auth_session *who, const entity_def *e, enum acl_action a);
/* The read scope of e (what /api/me reports). */
enum acl_scope acl_entity_scope(const auth_session *who, const entity_def *e);
/* The scope of one action: the widest any of the user's roles grants it with. */
enum acl_scope acl_action_scope(const auth_session *who, const entity_def *e, enum acl_action a);
/* Appends " AND (...)" restricting alias `t` to the rows `who` may see
 * (ACL_READ) or act on (ACL_UPDATE, ACL_DELETE); nothing for the widest scope.
 * ACL_ONE_ROW or'ed into action: the query looks at one record by id (or at
 * a few, already narrowed by a search or a parent), so the condition is a
 * test on each row rather than a set of every visible id. */
#define ACL_ONE_ROW 0x100
/* ACL_IN_ORDER or'ed in: the rows are read in the list's order until a page
 * (or a capped count) is full, so a wide scope through a parent (a manager's
 * activities) is tested on each row's parent too. */
#define ACL_IN_ORDER 0x200
int acl_scope(ent_op *op, const entity_def *e, const char *alias, sqlb *q, int action);
/* A read scope as up to ACL_MAX_BRANCHES disjoint " AND (...)" conditions on
 * alias (one per out[i], which must start empty); 0 when the scope has no
 * such shape.  Only a narrow scope (a few owners) unless ACL_BRANCH_WIDE
 * (the branches then serve counts: a page of a wide scope is found faster
 * in list order).  See acl.c. */
#define ACL_MAX_BRANCHES 10
#define ACL_BRANCH_WIDE 1
int acl_scope_branches(ent_op *op, const entity_def *e, const char *alias, sqlb out[ACL_MAX_BRANCHES], int flags);
/* Appends "SELECT id ..." giving a superset of the ids of e's rows that
 * op->who may read, gathered from the owner, share and pool indexes without
 * reading a row (deleted rows included: the caller still applies the scope
 * and its own conditions); 0, appending nothing, unless the read scope is
 * narrow (a few owners, not through a parent, not everything). */
int acl_visible_ids(ent_op *op, const entity_def *e, sqlb *q);
/* The same for the parent of an entity read through it (e->scope_via): a
 * superset of the parents' ids whose children op->who may read, besides
 * children without a parent; 0 unless that scope is narrow. */
int acl_visible_parent_ids(ent_op *op, const entity_def *e, sqlb *q);
/* Is e read through a parent (e->scope_via) whose scope is narrow for op->who? */
bool acl_parent_scope_narrow(ent_op *op, const entity_def *e);
/* The read scope of an entity read through its parent (e->scope_via) as
 * disjoint parts: the parent's branches on alias pa (acl_scope_branches:
 * own, each pool, shares; join pa to t on the parent field) in out, and
 * the rows without a parent as " AND ..." on alias t in *orphans (both
 * start empty).  Returns the number of parent branches; 0 (nothing
 * written) unless the parent's scope is narrow. */
int acl_via_branches(ent_op *op, const entity_def *e, const char *t, const char *pa, sqlb out[ACL_MAX_BRANCHES],
		     sqlb *orphans);
bool acl_field_hidden(const auth_session *who, const entity_def *e, const field_def *f);
bool acl_field_readonly(const auth_session *who, const entity_def *e, const field_def *f);
bool acl_is_admin(const auth_session *who);
/* May `op->who` make `owner` the owner of a record of e?  Yes for themselves
 * and for the people within their data scope (a manager for their team). */
bool acl_may_assign(ent_op *op, const entity_def *e, int64_t owner, enum acl_action action);
/* {"admin": bool, "entities": {"customers": {"actions": [...], "scope": "own"}, ...}} */
json_t *acl_json(const auth_session *who);
/* The ids of users whose records `who` sees at scope s, as a JSON array text
 * (arena memory); used by scopes and by the pool. */
const char *acl_owner_ids(ent_op *op, enum acl_scope s);
/* Departments whose pool `who` sees: their own, and those they manage with sub-departments. */
const char *acl_pool_departments(ent_op *op);

#endif
