/*
 * attachments_api.c - files attached to records (core/attachment.h):
 *   POST   /api/:entity/:id/attachments?name=FILE   raw body (ROUTE_UPLOAD) -> 201
 *   GET    /api/:entity/:id/attachments             list
 *   GET    /api/attachments/:id                     download
 *   DELETE /api/attachments/:id                     -> 204
 *   GET/PUT /api/settings/attachments               {"max_size_mb": 20}
 */
#include "handlers.h"
#include "call.h"
#include "../core/attachment.h"
#include "../core/settings.h"

#include <string.h>

int api_attachments_add(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	attachment_src src = { c->upload.fd, c->upload.path, c->upload.size };
	return api_call_end(c, &k, 201, attachment_add(&k.op, k.e, k.id, api_query(c, "name"), &src));
}

int api_attachments_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY | NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, attachment_list(&k.op, k.e, k.id));
}

int api_attachment_download(api_ctx *c)
{
	api_call k;
	char path[4200];
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	json_t *a = attachment_get(&k.op, k.id, path, sizeof(path));
	if (!a)
		return api_call_end(c, &k, 200, NULL);
	const char *type = json_string_value(json_object_get(a, "content_type"));
	/* images and PDFs may be shown in the page; everything else is saved */
	bool show = !strncmp(type, "image/", 6) || !strcmp(type, "application/pdf");
	const char *dl = api_query(c, "download");
	if (dl && strcmp(dl, "0") && strcmp(dl, "false"))
		show = false;
	api_reply_file(c, path, type, json_string_value(json_object_get(a, "name")), show ? API_INLINE : 0);
	json_decref(a);
	return c->status;
}

int api_attachment_delete(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end_rc(c, &k, attachment_delete(&k.op, k.id));
}

int api_attachment_settings_get(api_ctx *c)
{
	return api_reply_json(c, 200, settings_attachments(c->db));
}

int api_attachment_settings_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	if (settings_attachments_save(&k.op, k.body))
		return api_call_end(c, &k, 200, NULL);
	json_decref(k.body);
	return api_attachment_settings_get(c);
}
