/*
 * leads.c - 线索: a person or company that may become a customer.  Converting
 * a lead creates its customer, contact and opportunity at once; a converted
 * lead is read-only, kept for the record of where the customer came from.
 */
#include "sales.h"
#include "../../core/record.h"
#include "../../util/clock.h"

#include <string.h>

static const enum_option statuses[] = {
	{ "new", { "新线索", "New" } },
	{ "contacted", { "已联系", "Contacted" } },
	{ "qualified", { "已确认", "Qualified" } },
	{ "disqualified", { "无效", "Disqualified" } },
	{ "converted", { "已转化", "Converted" } },
	{ NULL, { NULL, NULL } },
};

static const field_def fields[] = {
	{ "name", FT_TEXT, { "联系人姓名", "Name" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, .max_len = 100 },
	{ "company", FT_TEXT, { "公司名称", "Company" }, F_SEARCH | F_SORT | F_LIST },
	{ "title", FT_TEXT, { "职务", "Title" }, 0, .max_len = 100 },
	{ "mobile", FT_PHONE, { "手机", "Mobile" }, F_SEARCH | F_LIST },
	{ "email", FT_EMAIL, { "邮箱", "Email" }, F_SEARCH | F_LIST },
	{ "source", FT_ENUM, { "线索来源", "Source" }, F_LIST | F_INDEX, .options_list = "sources" },
	{ "status", FT_ENUM, { "状态", "Status" }, F_LIST | F_SORT, .options = statuses, .def = "\"new\"" },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ "customer_id", FT_REF, { "转化客户", "Converted customer" }, F_READONLY, .ref = "customers" },
	{ "contact_id", FT_REF, { "转化联系人", "Converted contact" }, F_READONLY, .ref = "contacts" },
	{ "opportunity_id", FT_REF, { "转化商机", "Converted opportunity" }, F_READONLY, .ref = "opportunities" },
	{ "converted_at", FT_DATETIME, { "转化时间", "Converted at" }, F_READONLY | F_SORT },
	{ NULL },
};

static const relation_def relations[] = {
	{ "activities", "activities", "lead_id", { "跟进记录", "Follow-ups" } },
	{ NULL },
};

static bool is_converted(json_t *lead)
{
	const char *s = json_string_value(json_object_get(lead, "status"));
	return s && !strcmp(s, "converted");
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	if (is_converted(old))
		return hook_fail(h, 409, "conflict", "a converted lead is read-only");
	const char *s = json_string_value(json_object_get(patch, "status"));
	if (s && !strcmp(s, "converted"))
		return hook_field_error(h, "status", "use_convert");
	return 0;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "status"));
	if (s && !strcmp(s, "converted"))
		return hook_field_error(h, "status", "use_convert");
	return 0;
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.before_update = before_update,
};

const entity_def leads_entity = {
	.name = "leads",
	.label = { "线索", "Leads" },
	.module = "sales",
	.flags = E_OWNED,
	.fields = fields,
	.relations = relations,
	.title_field = "name",
	.default_sort = "-updated_at",
	.hooks = &hooks,
};

/* Copies src[from] into dst[to] unless dst already has `to`. */
static void take(json_t *dst, const char *to, json_t *src, const char *from)
{
	json_t *v = json_object_get(src, from);
	if (!json_object_get(dst, to) && v && !json_is_null(v))
		json_object_set(dst, to, v);
}

/* An object member of body to start from (a copy), or an empty object. */
static json_t *part(json_t *body, const char *name)
{
	json_t *p = json_object_get(body, name);
	return json_is_object(p) ? json_deep_copy(p) : json_object();
}

json_t *lead_convert(ent_op *op, int64_t lead_id, json_t *body)
{
	json_t *lead = NULL, *customer = NULL, *contact = NULL, *opp = NULL, *out = NULL;
	json_t *cbody = part(body, "customer"), *pbody = part(body, "contact");
	json_t *obody = json_is_object(json_object_get(body, "opportunity")) ? part(body, "opportunity") : NULL;
	json_t *existing = json_object_get(body, "customer_id");
	if (existing && !json_is_integer(existing)) {
		op_fail(op, 422, "validation_failed", "customer_id must be a record id");
		op->err.fields = json_pack("{s:s}", "customer_id", "invalid_type");
		goto done;
	}
	if (op_begin(op))
		goto done;
	lead = record_get(op, &leads_entity, lead_id);
	if (!lead)
		goto fail;
	if (is_converted(lead)) {
		op_fail(op, 409, "conflict", "the lead is already converted");
		goto fail;
	}
	if (existing) {
		customer = record_get(op, &customers_entity, json_integer_value(existing));
	} else {
		take(cbody, "name", lead, "company");
		take(cbody, "name", lead, "name");
		take(cbody, "source", lead, "source");
		take(cbody, "owner_id", lead, "owner_id");
		customer = record_create(op, &customers_entity, cbody);
	}
	if (!customer)
		goto fail;
	json_object_set(pbody, "customer_id", json_object_get(customer, "id"));
	take(pbody, "name", lead, "name");
	take(pbody, "title", lead, "title");
	take(pbody, "mobile", lead, "mobile");
	take(pbody, "email", lead, "email");
	take(pbody, "owner_id", lead, "owner_id");
	contact = record_create(op, &contacts_entity, pbody);
	if (!contact)
		goto fail;
	if (obody) {
		json_object_set(obody, "customer_id", json_object_get(customer, "id"));
		take(obody, "name", customer, "name");
		take(obody, "owner_id", lead, "owner_id");
		opp = record_create(op, &opportunities_entity, obody);
		if (!opp)
			goto fail;
	}
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	json_t *set = json_pack("{s:s,s:O,s:O,s:s}", "status", "converted", "customer_id",
				json_object_get(customer, "id"), "contact_id", json_object_get(contact, "id"),
				"converted_at", now);
	if (opp)
		json_object_set(set, "opportunity_id", json_object_get(opp, "id"));
	int rc = record_set_fields(op, &leads_entity, lead_id, set, "convert");
	json_decref(set);
	if (rc || op_commit(op))
		goto done;
	out = json_pack("{s:O,s:O,s:O}", "customer", customer, "contact", contact, "opportunity",
			opp ? opp : json_null());
	goto done;
fail:
	op_rollback(op);
done:
	json_decref(lead);
	json_decref(customer);
	json_decref(contact);
	json_decref(opp);
	json_decref(cbody);
	json_decref(pbody);
	json_decref(obody);
	return out;
}
