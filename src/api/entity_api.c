/*
 * entity_api.c - the generic record routes of API.md ("Records"), for every
 * declared entity: list, create, get, patch, delete, restore, history,
 * related; plus /api/meta and /api/search.  Each handler parses, calls the
 * engine (core/record.h), and replies.
 */
#include "handlers.h"
#include "call.h"
#include "../core/meta.h"
#include "../core/options.h"
#include "../core/record.h"
#include "../core/record_json.h"
#include "../core/acl.h"
#include "../core/aggregate.h"

#include <string.h>

void api_op_init(api_ctx *c, ent_op *op)
{
	memset(op, 0, sizeof(*op));
	op->db = c->db;
	op->who = c->session;
}

int api_reply_op_error(api_ctx *c, ent_op *op)
{
	ent_error *err = &op->err;
	if (!err->status)
		api_error(c, 500, "internal", "internal error");
	else {
		json_t *e = json_pack("{s:s,s:s}", "code", err->code, "message", err->message);
		if (err->fields)
			json_object_set(e, "fields", err->fields);
		if (err->extra)
			json_object_update(e, err->extra);
		api_reply_json(c, err->status, json_pack("{s:o}", "error", e));
	}
	ent_error_clear(err);
	return c->status;
}

/* Replies with j (status) or with the op's error when j is NULL. */
int api_reply_result(api_ctx *c, ent_op *op, int status, json_t *j)
{
	if (!j)
		return api_reply_op_error(c, op);
	ent_error_clear(&op->err);
	return api_reply_json(c, status, j);
}

int api_meta(api_ctx *c)
{
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, meta_json(&op));
}

int api_search(api_ctx *c)
{
	const char *q = api_query(c, "q");
	if (!q || !*q || strlen(q) > 200)
		return api_error(c, 400, "bad_request", "q is required (at most 200 bytes)");
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, search_all(&op, q, 10));
}

#define QUERY (const query_arg *)c->query, c->nquery

/* Replies 200 with what an engine call wrote into c->out (record_json.c:
 * records straight from their rows), or with its error. */
static int reply_written(api_ctx *c, api_call *k, int rc)
{
	if (rc)
		return api_reply_op_error(c, &k->op); /* starts out again */
	ent_error_clear(&k->op.err);
	return c->status;
}

int api_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY))
		return c->status;
	api_reply_json(c, 200, NULL); /* status and type; out is empty */
	return reply_written(c, &k, record_list_write(&k.op, k.e, QUERY, &c->out));
}

int api_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 201, record_create(&k.op, k.e, k.body));
}

/* The record is written straight into the answer (record_json.c): the same
 * bytes as record_get's JSON, without building it first. */
int api_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	api_reply_json(c, 200, NULL);
	return reply_written(c, &k, record_get_write(&k.op, k.e, k.id, &c->out));
}

int api_patch(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID | NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, record_update(&k.op, k.e, k.id, k.body));
}

int api_delete(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end_rc(c, &k, record_delete(&k.op, k.e, k.id));
}

int api_restore(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, record_restore(&k.op, k.e, k.id));
}

int api_history(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, record_history(&k.op, k.e, k.id, QUERY));
}

int api_related(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	api_reply_json(c, 200, NULL);
	return reply_written(c, &k, record_related_write(&k.op, k.e, k.id, api_param(c, "relation"), QUERY, &c->out));
}

int api_aggregate(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY))
		return c->status;
	return api_call_end(c, &k, 200, record_aggregate(&k.op, k.e, QUERY));
}

int api_option_list_get(api_ctx *c)
{
	const char *name = api_param(c, "name");
	if (!option_list_known(name))
		return api_error(c, 404, "not_found", "no such option list");
	return api_reply_json(c, 200, json_pack("{s:s,s:o}", "name", name, "options", option_list_get(c->db, name)));
}

/* PUT /api/option-lists/:name {"options":[{"value","label":{"zh-CN","en"},...}]}: admins only. */
int api_option_list_put(api_ctx *c)
{
	const char *name = api_param(c, "name");
	if (!option_list_known(name))
		return api_error(c, 404, "not_found", "no such option list");
	if (!acl_is_admin(c->session))
		return api_error(c, 403, "forbidden", "only administrators edit option lists");
	json_t *body = api_body_object(c);
	if (!body)
		return c->status;
	json_t *opts = json_object_get(body, "options");
	size_t i;
	json_t *o;
	const char *bad = json_is_array(opts) && json_array_size(opts) > 0 && json_array_size(opts) <= 100
		? NULL : "options must be a list of 1 to 100 items";
	json_array_foreach(opts, i, o) {
		json_t *l = json_object_get(o, "label");
		const char *v = json_string_value(json_object_get(o, "value"));
		if (bad)
			break;
		json_t *prob = json_object_get(o, "probability"), *closed = json_object_get(o, "closed");
		if (!v || !*v || strlen(v) > 50 || strchr(v, ' ') || !json_is_string(json_object_get(l, "zh-CN")) ||
		    !json_is_string(json_object_get(l, "en")) || !json_string_length(json_object_get(l, "zh-CN")) ||
		    !json_string_length(json_object_get(l, "en")))
			bad = "each option needs a value (1-50 bytes, no spaces) and zh-CN and en labels";
		else if (prob && !(json_is_integer(prob) && json_integer_value(prob) >= 0 && json_integer_value(prob) <= 100))
			bad = "a probability is a whole number from 0 to 100";
		else if (closed && !json_is_boolean(closed))
			bad = "closed is true or false";
		for (size_t j = 0; j < i && !bad; j++)
			if (!strcmp(v, json_string_value(json_object_get(json_array_get(opts, j), "value"))))
				bad = "option values must be unique";
	}
	if (bad) {
		json_decref(body);
		return api_reply_json(c, 422, json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", "validation_failed",
							"message", bad, "fields", "options", "invalid"));
	}
	int rc = option_list_set(c->db, name, opts);
	json_decref(body);
	if (rc)
		return api_db_error(c, db_errcode(c->db));
	return api_option_list_get(c);
}
