/* acl.c - see acl.h.  For now: every authenticated user, every row. */
#include "acl.h"

#include <string.h>

bool acl_is_admin(const auth_session *who)
{
	return who && strstr(who->user.roles, "\"admin\"") != NULL;
}

bool acl_can(const auth_session *who, const entity_def *e, enum acl_action a)
{
	(void)e; (void)a;
	return who != NULL;
}

void acl_scope(const auth_session *who, const entity_def *e, const char *alias, sqlb *q)
{
	(void)who; (void)e; (void)alias; (void)q;
}

bool acl_field_hidden(const auth_session *who, const entity_def *e, const field_def *f)
{
	(void)who; (void)e; (void)f;
	return false;
}

bool acl_field_readonly(const auth_session *who, const entity_def *e, const field_def *f)
{
	(void)who; (void)e;
	return (f->flags & F_READONLY) != 0;
}
