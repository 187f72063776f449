/*
 * pool_api.c - the customer pool and ownership: claim, release, transfer
 * (one customer or many), the pool settings, and the caller's notifications.
 */
#include "handlers.h"
#include "call.h"
#include "../core/notify.h"
#include "../modules/pool/pool.h"
#include "../modules/sales/sales.h"

#include <string.h>

int api_customer_claim(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, pool_claim(&k.op, k.id));
}

int api_customer_release(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, pool_release(&k.op, k.id));
}

static int64_t owner_from(api_ctx *c, json_t *body)
{
	json_t *o = json_object_get(body, "owner_id");
	if (!json_is_integer(o) || json_integer_value(o) <= 0) {
		api_reply_json(c, 422, json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", "validation_failed", "message",
						 "owner_id is required", "fields", "owner_id",
						 o ? "invalid_type" : "required"));
		return 0;
	}
	return json_integer_value(o);
}

int api_customer_transfer(api_ctx *c)
{
	api_call k;
	int64_t owner;
	if (!api_call_begin(c, &k, NEED_ID | NEED_BODY) || !(owner = owner_from(c, k.body))) {
		json_decref(k.body);
		return c->status;
	}
	return api_call_end(c, &k, 200, customer_transfer(&k.op, k.id, owner));
}

/* POST /api/customers/transfer {"ids":[...],"owner_id":N}: all or nothing. */
int api_customers_transfer(api_ctx *c)
{
	json_t *body = api_body_object(c);
	if (!body)
		return c->status;
	json_t *ids = json_object_get(body, "ids");
	int64_t owner = owner_from(c, body);
	if (!owner) {
		json_decref(body);
		return c->status;
	}
	if (!json_is_array(ids) || !json_array_size(ids) || json_array_size(ids) > 500) {
		json_decref(body);
		return api_reply_json(c, 422, json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", "validation_failed",
							"message", "ids: 1 to 500 customer ids", "fields", "ids", "invalid"));
	}
	ent_op op;
	api_op_init(c, &op);
	json_t *done = json_array();
	size_t i;
	json_t *v;
	int rc = op_begin(&op);
	json_array_foreach(ids, i, v) {
		json_t *r = rc ? NULL : json_is_integer(v) ? customer_transfer(&op, json_integer_value(v), owner) : NULL;
		if (!r) {
			if (!op.err.status)
				op_fail(&op, 422, "validation_failed", "ids must be customer ids");
			rc = -1;
			break;
		}
		json_array_append_new(done, json_object_get(r, "id") ? json_incref(json_object_get(r, "id")) : json_null());
		json_decref(r);
	}
	json_decref(body);
	if (rc) {
		op_rollback(&op);
		json_decref(done);
		return api_reply_op_error(c, &op);
	}
	if (op_commit(&op)) {
		json_decref(done);
		return api_reply_op_error(c, &op);
	}
	return api_reply_json(c, 200, json_pack("{s:o,s:I}", "transferred", done, "owner_id", (json_int_t)owner));
}

int api_pool_settings_get(api_ctx *c)
{
	return api_reply_json(c, 200, pool_settings(c->db));
}

int api_pool_settings_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	if (pool_settings_save(&k.op, k.body))
		return api_call_end(c, &k, 200, NULL);
	json_decref(k.body);
	return api_pool_settings_get(c);
}

int api_notifications(api_ctx *c)
{
	const char *unread = api_query(c, "unread");
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, notify_list(&op, 50, unread && !strcmp(unread, "true")));
}

int api_notification_read(api_ctx *c)
{
	const char *p = api_param(c, "id");
	int64_t id = strcmp(p, "all") ? api_param_id(c, "id") : 0;
	if (!id && strcmp(p, "all"))
		return c->status;
	ent_op op;
	api_op_init(c, &op);
	if (notify_mark_read(&op, id))
		return api_reply_op_error(c, &op);
	return api_reply_empty(c, 204);
}
