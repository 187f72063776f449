/*
 * acl.h - who may do what, and which rows they see: the one place where
 * permissions become SQL.  Every engine read and write asks here.
 *
 * The roles, data scopes and field rules of the permissions issue plug in
 * behind these functions; until then an authenticated user may do
 * everything and sees every row.
 */
#ifndef RAPPORT_ACL_H
#define RAPPORT_ACL_H

#include "entity.h"
#include "sqlb.h"

enum acl_action { ACL_READ, ACL_CREATE, ACL_UPDATE, ACL_DELETE, ACL_EXPORT, ACL_IMPORT };

bool acl_can(const auth_session *who, const entity_def *e, enum acl_action a);
/* Appends " AND (...)" restricting table alias `t` to the rows `who` may see. */
void acl_scope(const auth_session *who, const entity_def *e, const char *alias, sqlb *q);
bool acl_field_hidden(const auth_session *who, const entity_def *e, const field_def *f);
bool acl_field_readonly(const auth_session *who, const entity_def *e, const field_def *f);
bool acl_is_admin(const auth_session *who);

#endif
