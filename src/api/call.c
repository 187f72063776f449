/* call.c - see call.h. */
#include "call.h"
#include "handlers.h"

#include <string.h>

bool api_call_begin(api_ctx *c, api_call *k, unsigned need)
{
	memset(k, 0, sizeof(*k));
	api_op_init(c, &k->op);
	if (need & NEED_ENTITY) {
		k->e = entity_find(api_param(c, "entity"));
		if (!k->e || (k->e->flags & E_CHILD)) { /* children are reached through their parent */
			api_error(c, 404, "not_found", "no such entity: %s", api_param(c, "entity"));
			return false;
		}
	}
	if ((need & NEED_ID) && !(k->id = api_param_id(c, "id")))
		return false;
	if ((need & NEED_BODY) || ((need & OPTIONAL_BODY) && c->body_len)) {
		k->body = api_body_object(c);
		if (!k->body)
			return false;
	} else if (need & OPTIONAL_BODY) {
		k->body = json_object();
	}
	return true;
}

int api_call_end(api_ctx *c, api_call *k, int status, json_t *result)
{
	json_decref(k->body);
	k->body = NULL;
	return api_reply_result(c, &k->op, status, result);
}

int api_call_end_rc(api_ctx *c, api_call *k, int rc)
{
	json_decref(k->body);
	k->body = NULL;
	if (rc)
		return api_reply_op_error(c, &k->op);
	ent_error_clear(&k->op.err);
	return api_reply_empty(c, 204);
}
