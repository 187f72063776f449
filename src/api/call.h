/*
 * call.h - the common shape of a handler: take the path's entity and id and
 * the JSON body, make one engine call, reply with its result or its error.
 *
 *	int api_get(api_ctx *c)
 *	{
 *		api_call k;
 *		if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
 *			return c->status;
 *		return api_call_end(c, &k, 200, record_get(&k.op, k.e, k.id));
 *	}
 */
#ifndef RAPPORT_CALL_H
#define RAPPORT_CALL_H

#include "api.h"
#include "../core/entity.h"

enum api_need {
	NEED_ENTITY = 1,        /* :entity names a declared entity (else 404) */
	NEED_ID = 2,            /* :id is a positive id (else 404) */
	NEED_BODY = 4,          /* a JSON object body (else 400) */
	OPTIONAL_BODY = 8,      /* a JSON object body when one is sent */
};

typedef struct api_call {
	const entity_def *e;
	int64_t id;
	json_t *body;           /* owned; released by api_call_end */
	ent_op op;
} api_call;

/* false when the request lacks what is needed (the reply is already made). */
bool api_call_begin(api_ctx *c, api_call *k, unsigned need);
/* Replies with result (status) or with k->op's error when result is NULL. */
int api_call_end(api_ctx *c, api_call *k, int status, json_t *result);
/* For engine calls that return 0 or -1: 204 on success. */
int api_call_end_rc(api_ctx *c, api_call *k, int rc);

#endif
