/*
 * org_api.c - users and roles: GET/POST /api/users, GET/PATCH /api/users/:id,
 * POST /api/users/:id/password, GET/POST /api/roles, PUT/DELETE /api/roles/:name.
 */
#include "handlers.h"
#include "call.h"
#include "../core/acl.h"
#include "../core/roles.h"
#include "../core/users.h"

#include <string.h>

int api_users_list(api_ctx *c)
{
	api_call k;
	api_call_begin(c, &k, 0);
	return api_call_end(c, &k, 200, users_list(&k.op, (const query_arg *)c->query, c->nquery));
}

int api_users_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, users_get(&k.op, k.id));
}

int api_users_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 201, users_create(&k.op, k.body));
}

int api_users_patch(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, users_update(&k.op, k.id, k.body));
}

int api_users_password(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | NEED_BODY))
		return c->status;
	return api_call_end_rc(c, &k, users_set_password(&k.op, k.id, k.body));
}

int api_users_history(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, users_history(&k.op, k.id));
}

int api_roles_list(api_ctx *c)
{
	return api_reply_json(c, 200, json_pack("{s:o}", "data", roles_list(c->db)));
}

static int save_role(api_ctx *c, const char *name, bool create)
{
	if (!acl_is_admin(c->session))
		return api_error(c, 403, "forbidden", "only administrators edit roles");
	json_t *body = api_body_object(c);
	if (!body)
		return c->status;
	if (create) {
		const char *n = json_string_value(json_object_get(body, "name"));
		name = n ? arena_strdup(c->a, n) : NULL;
	}
	ent_op op;
	api_op_init(c, &op);
	int rc = role_save(&op, name ? name : "", body, create);
	json_decref(body);
	if (rc)
		return api_reply_op_error(c, &op);
	json_t *all = roles_list(c->db), *r;
	size_t i;
	json_t *found = NULL;
	json_array_foreach(all, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "name")), name))
			found = json_incref(r);
	json_decref(all);
	return api_reply_json(c, create ? 201 : 200, found);
}

int api_roles_create(api_ctx *c)
{
	return save_role(c, NULL, true);
}

int api_roles_put(api_ctx *c)
{
	return save_role(c, api_param(c, "name"), false);
}

int api_roles_delete(api_ctx *c)
{
	if (!acl_is_admin(c->session))
		return api_error(c, 403, "forbidden", "only administrators edit roles");
	ent_op op;
	api_op_init(c, &op);
	if (role_delete(&op, api_param(c, "name")))
		return api_reply_op_error(c, &op);
	return api_reply_empty(c, 204);
}
