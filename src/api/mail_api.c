/*
 * mail_api.c - the SMTP settings (admins), a test mail, and the action links
 * that mails carry (GET describes, POST performs; the token is the credential).
 */
#include "call.h"
#include "handlers.h"
#include "../core/acl.h"
#include "../core/action_link.h"
#include "../core/mail.h"

int api_mail_settings_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	if (!acl_is_admin(c->session))
		return api_error(c, 403, "forbidden", "only administrators see the mail server");
	return api_call_end(c, &k, 200, mail_settings(c->db));
}

int api_mail_settings_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	if (mail_settings_save(&k.op, k.body))
		return api_call_end(c, &k, 200, NULL);
	return api_call_end(c, &k, 200, mail_settings(c->db));
}

int api_mail_test(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	json_t *r = mail_queue_test(&k.op, json_string_value(json_object_get(k.body, "to")));
	return api_call_end(c, &k, 202, r);
}

int api_link_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, action_link_describe(&k.op, api_param(c, "token")));
}

int api_link_post(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, OPTIONAL_BODY))
		return c->status;
	json_t *comment = json_object_get(k.body, "comment");
	if (comment && !json_is_string(comment) && !json_is_null(comment)) {
		json_decref(k.body);
		return api_error(c, 422, "validation_failed", "comment must be text");
	}
	json_t *r = action_link_perform(&k.op, c->a, api_param(c, "token"), json_string_value(comment));
	return api_call_end(c, &k, 200, r);
}

int api_mail_outbox(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, mail_outbox_list(&k.op, api_query(c, "status")));
}
