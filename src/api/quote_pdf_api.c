/*
 * quote_pdf_api.c - GET /api/quotes/:id/pdf?lang=zh-CN|en[&download=1]: the
 * printed quote (modules/docs/quote_pdf.h); GET/PUT /api/settings/company,
 * the header it prints.  The quote is read with the caller's permissions
 * (404 when they may not see it); so are its customer and contact, whose
 * names are printed even when they are out of the caller's scope (as the
 * quote shows them), but nothing else of them.
 */
#include "handlers.h"
#include "call.h"
#include "../core/record.h"
#include "../core/settings.h"
#include "../modules/docs/quote_pdf.h"

#include <stdio.h>
#include <string.h>

static const char *pdf_lang(api_ctx *c)
{
	const char *lang = api_query(c, "lang");
	if (!lang || !*lang)
		lang = c->session ? c->session->user.locale : "zh-CN";
	return !strncmp(lang, "en", 2) ? "en" : "zh-CN";
}

/* The record a reference of the quote points to, as the caller may see it
 * (hidden fields left out); out of their scope, only its name as the quote
 * shows it ({"name": _labels[field]}); NULL when the reference is empty. */
static json_t *related(ent_op *op, json_t *q, const char *field, const char *entity)
{
	json_t *id = json_object_get(q, field);
	const entity_def *e = entity_find(entity);
	if (!json_is_integer(id) || !e)
		return NULL;
	json_t *rec = record_get(op, e, json_integer_value(id));
	ent_error_clear(&op->err);
	if (rec)
		return rec;
	const char *name = json_string_value(json_object_get(json_object_get(q, "_labels"), field));
	return name ? json_pack("{s:s}", "name", name) : NULL;
}

int api_quote_pdf(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	const entity_def *qe = entity_find("quotes");
	if (!qe) {
		op_fail(&k.op, 404, "not_found", "no quotes here");
		return api_call_end(c, &k, 200, NULL);
	}
	json_t *q = record_get(&k.op, qe, k.id);
	if (!q)
		return api_call_end(c, &k, 200, NULL);
	json_t *customer = related(&k.op, q, "customer_id", "customers");
	json_t *contact = related(&k.op, q, "contact_id", "contacts");
	json_t *company = settings_company(c->db);
	const char *lang = pdf_lang(c);
	bool en = !strcmp(lang, "en");
	buf pdf = BUF_INIT;
	if (quote_pdf_render(q, customer, contact, company, lang, &pdf)) {
		api_error(c, 500, "internal", "the PDF could not be made");
	} else {
		const char *number = json_string_value(json_object_get(q, "number"));
		char name[160];
		if (number)
			snprintf(name, sizeof(name), "%s-%s.pdf", en ? "Quote" : "报价单", number);
		else
			snprintf(name, sizeof(name), "%s-%lld.pdf", en ? "Quote" : "报价单", (long long)k.id);
		const char *dl = api_query(c, "download");
		bool save = dl && strcmp(dl, "0") && strcmp(dl, "false");
		api_reply_bytes(c, pdf.ptr, pdf.len, "application/pdf", name, save ? 0 : API_INLINE);
	}
	buf_free(&pdf);
	json_decref(company);
	json_decref(customer);
	json_decref(contact);
	json_decref(q);
	json_decref(k.body);
	return c->status;
}

int api_company_settings_get(api_ctx *c)
{
	return api_reply_json(c, 200, settings_company(c->db));
}

int api_company_settings_put(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_BODY))
		return c->status;
	if (settings_company_save(&k.op, k.body))
		return api_call_end(c, &k, 200, NULL);
	json_decref(k.body);
	return api_company_settings_get(c);
}
