/*
 * documents_api.c - special routes of the documents from quote to cash:
 * revising a quote, the payment plan of a contract, the numbering patterns,
 * and the document summaries of customers and opportunities.
 */
#include "handlers.h"
#include "call.h"
#include "../core/acl.h"
#include "../modules/sales/documents.h"
#include "../modules/sales/sales.h"

int api_quote_revise(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | OPTIONAL_BODY))
		return c->status;
	return api_call_end(c, &k, 201, quote_revise(&k.op, k.id, k.body));
}

int api_contract_plan_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, contract_set_plan(&k.op, k.id, k.body));
}

int api_numbering_get(api_ctx *c)
{
	return api_reply_json(c, 200, doc_numbering_get(c->db));
}

int api_numbering_put(api_ctx *c)
{
	if (!acl_is_admin(c->session))
		return api_error(c, 403, "forbidden", "only administrators set numbering patterns");
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	return api_call_end(c, &k, 200, doc_numbering_put(&k.op, k.body));
}

int api_customer_summary(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, documents_summary(&k.op, &customers_entity, k.id));
}

int api_opportunity_summary(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, documents_summary(&k.op, &opportunities_entity, k.id));
}
