/*
 * approvals_api.c - the approval engine's routes (core/approval.h) and the
 * expenses' own (modules/expenses/expenses.h):
 *   GET  /api/approvals?status=pending|done|all     the caller's steps
 *   GET  /api/approvals/{id}                         one, with its document
 *   POST /api/approvals/{id}/approve|reject|delegate|add_signer
 *   POST /api/{entity}/{id}/submit|withdraw, GET /api/{entity}/{id}/approval
 *   GET|POST /api/delegations, DELETE /api/delegations/{id}
 *   GET /api/approval_flows, GET|PUT /api/approval_flows/{entity}
 *   POST /api/expenses/{id}/pay, GET|PUT /api/settings/expenses
 */
#include "handlers.h"
#include "call.h"
#include "../core/approval.h"
#include "../modules/expenses/expenses.h"

#include <stdlib.h>
#include <string.h>

static int64_t query_num(api_ctx *c, const char *key, int64_t def, int64_t max)
{
	const char *v = api_query(c, key);
	if (!v || !*v)
		return def;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*end || n < 0)
		return -1;
	return n > max ? max : n;
}

int api_approvals_list(api_ctx *c)
{
	int64_t limit = query_num(c, "limit", 50, 500), offset = query_num(c, "offset", 0, INT64_MAX / 2);
	if (limit < 0 || offset < 0)
		return api_error(c, 400, "bad_request", "limit and offset are non-negative integers");
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, approval_inbox(&op, api_query(c, "status"), limit, offset));
}

int api_approval_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, approval_task_get(&k.op, k.id));
}

static int act(api_ctx *c, const char *action)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | OPTIONAL_BODY))
		return c->status;
	return api_call_end(c, &k, 200, approval_task_act(&k.op, k.id, action, k.body));
}

int api_approval_approve(api_ctx *c)
{
	return act(c, "approve");
}

int api_approval_reject(api_ctx *c)
{
	return act(c, "reject");
}

int api_approval_delegate(api_ctx *c)
{
	return act(c, "delegate");
}

int api_approval_add_signer(api_ctx *c)
{
	return act(c, "add_signer");
}

int api_record_submit(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, approval_submit(&k.op, k.e, k.id));
}

int api_record_withdraw(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, approval_withdraw(&k.op, k.e, k.id));
}

int api_record_approval(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, approval_record_state(&k.op, k.e, k.id));
}

int api_delegations_list(api_ctx *c)
{
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, approval_delegation_list(&op));
}

int api_delegations_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 201, approval_delegation_create(&k.op, k.body));
}

int api_delegations_delete(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end_rc(c, &k, approval_delegation_delete(&k.op, k.id));
}

int api_approval_flows_list(api_ctx *c)
{
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, approval_flows_list(&op));
}

int api_approval_flow_get(api_ctx *c)
{
	ent_op op;
	api_op_init(c, &op);
	return api_reply_result(c, &op, 200, approval_flow_get(&op, api_param(c, "name")));
}

int api_approval_flow_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, approval_flow_put(&k.op, api_param(c, "name"), k.body));
}

int api_expense_pay(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, expense_pay(&k.op, k.id));
}

int api_expense_settings_get(api_ctx *c)
{
	return api_reply_json(c, 200, expense_settings(c->db));
}

int api_expense_settings_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, expense_settings_put(&k.op, k.body));
}
