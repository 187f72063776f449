/*
 * quote_pdf_api.c - GET /api/quotes/:id/pdf?lang=zh-CN|en[&download=1]: the
 * printed quote (modules/docs/quote_pdf.h); GET/PUT /api/settings/company,
 * the header it prints.  The quote is read with the caller's permissions
 * (404 when they may not see it); its customer's name is printed even when
 * the customer itself is out of the caller's scope, as the quote shows it.
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

int api_quote_pdf(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	const entity_def *qe = entity_find("quotes"), *ce = entity_find("customers");
	if (!qe || !ce) {
		op_fail(&k.op, 404, "not_found", "no quotes here");
		return api_call_end(c, &k, 200, NULL);
	}
	json_t *q = record_get(&k.op, qe, k.id);
	if (!q)
		return api_call_end(c, &k, 200, NULL);
	json_t *cid = json_object_get(q, "customer_id");
	json_t *customer = json_is_integer(cid) ? record_load(&k.op, ce, json_integer_value(cid), true) : NULL;
	ent_error_clear(&k.op.err); /* no customer: printed without one */
	json_t *company = settings_company(c->db);
	const char *lang = pdf_lang(c);
	bool en = !strcmp(lang, "en");
	buf pdf = BUF_INIT;
	if (quote_pdf_render(q, customer, company, lang, &pdf)) {
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
