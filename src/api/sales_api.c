/* sales_api.c - special actions of the sales module: POST /api/leads/:id/convert. */
#include "handlers.h"
#include "../modules/sales/sales.h"

int api_lead_convert(api_ctx *c)
{
	int64_t id = api_param_id(c, "id");
	if (!id)
		return c->status;
	json_t *body = c->body_len ? api_body_object(c) : json_object();
	if (!body)
		return c->status;
	ent_op op;
	api_op_init(c, &op);
	json_t *res = lead_convert(&op, id, body);
	json_decref(body);
	return api_reply_result(c, &op, 200, res);
}
