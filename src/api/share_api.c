/* share_api.c - GET/POST /api/:entity/:id/shares, DELETE /api/:entity/:id/shares/:user_id. */
#include "handlers.h"
#include "call.h"
#include "../core/share.h"

int api_shares_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, share_list(&k.op, k.e, k.id));
}

int api_shares_add(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID | NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, share_add(&k.op, k.e, k.id, k.body));
}

int api_shares_remove(api_ctx *c)
{
	api_call k;
	int64_t user;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID) || !(user = api_param_id(c, "user_id")))
		return c->status;
	return api_call_end_rc(c, &k, share_remove(&k.op, k.e, k.id, user));
}
