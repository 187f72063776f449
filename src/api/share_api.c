/* share_api.c - GET/POST /api/:entity/:id/shares, DELETE /api/:entity/:id/shares/:user_id. */
#include "handlers.h"
#include "../core/share.h"

static const entity_def *entity_of(api_ctx *c, int64_t *id)
{
	const entity_def *e = entity_find(api_param(c, "entity"));
	if (!e) {
		api_error(c, 404, "not_found", "no such entity");
		return NULL;
	}
	*id = api_param_id(c, "id");
	return *id ? e : NULL;
}

int api_shares_list(api_ctx *c)
{
	int64_t id;
	const entity_def *e = entity_of(c, &id);
	if (!e)
		return c->status;
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, share_list(&op, e, id));
}

int api_shares_add(api_ctx *c)
{
	int64_t id;
	const entity_def *e = entity_of(c, &id);
	if (!e)
		return c->status;
	json_t *body = api_body_object(c);
	if (!body)
		return c->status;
	ent_op op;
	api_op_init(c, &op);
	json_t *r = share_add(&op, e, id, body);
	json_decref(body);
	return api_reply_result(c, &op, 200, r);
}

int api_shares_remove(api_ctx *c)
{
	int64_t id;
	const entity_def *e = entity_of(c, &id);
	if (!e)
		return c->status;
	int64_t user = api_param_id(c, "user_id");
	if (!user)
		return c->status;
	ent_op op;
	api_op_init(c, &op);
	if (share_remove(&op, e, id, user))
		return api_reply_op_error(c, &op);
	return api_reply_empty(c, 204);
}
