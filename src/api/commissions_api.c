/* commissions_api.c - commission plans, fee rules, statements, months, deductions, preview. */
#include "call.h"
#include "handlers.h"
#include "../modules/commissions/commissions.h"

int api_comm_plans_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, comm_plan_list(&k.op, api_query(c, "name")));
}

int api_comm_plans_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 201, comm_plan_create(&k.op, k.body));
}

int api_comm_plans_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, comm_plan_get(&k.op, k.id));
}

int api_comm_fee_rules_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, comm_fee_rule_list(&k.op, api_query(c, "name")));
}

int api_comm_fee_rules_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 201, comm_fee_rule_create(&k.op, k.body));
}

int api_comm_contract(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, comm_contract(&k.op, k.id));
}

int api_comm_deduction_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 201, comm_deduction_create(&k.op, k.id, k.body));
}

int api_comm_deductions_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, comm_deduction_list(&k.op, api_query(c, "status")));
}

int api_comm_deduction_ack(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, comm_deduction_ack(&k.op, k.id));
}

int api_comm_statement(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, comm_statement(&k.op, api_query(c, "user_id"), api_query(c, "month")));
}

int api_comm_months(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, comm_month_list(&k.op));
}

int api_comm_month_close(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, OPTIONAL_BODY))
		return c->status;
	return api_call_end(c, &k, 200, comm_month_close(&k.op, api_param(c, "month")));
}

int api_comm_preview(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, comm_preview(&k.op, c->query, c->nquery));
}
