/* sales_api.c - special actions of the sales module: POST /api/leads/:id/convert. */
#include "handlers.h"
#include "call.h"
#include "../modules/sales/sales.h"

int api_lead_convert(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | OPTIONAL_BODY))
		return c->status;
	return api_call_end(c, &k, 200, lead_convert(&k.op, k.id, k.body));
}
